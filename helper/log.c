/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Daemon logging to syslog or stderr (see log.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

static bool log_to_stderr = true;
static int log_max_level = LOG_NOTICE;

void log_open(bool to_stderr, int max_level)
{
	log_to_stderr = to_stderr;
	log_max_level = max_level;
	if (!to_stderr)
		openlog("cgmd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_close(void)
{
	if (!log_to_stderr)
		closelog();
}

int log_level_from_string(const char *s)
{
	static const char *const names[] = {"err", "warning", "notice", "info", "debug"};
	char *end;
	long n;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i]) == 0)
			return LOG_ERR + (int)i;
	n = strtol(s, &end, 10);
	if (*s && !*end && n >= LOG_ERR && n <= LOG_DEBUG)
		return (int)n;
	return -1;
}

bool log_enabled(int priority)
{
	return priority <= log_max_level;
}

void log_msg(int priority, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(priority))
		return;
	va_start(ap, fmt);
	if (log_to_stderr) {
		/* One line at a time: requests log from several threads. */
		flockfile(stderr);
		fputs("cgmd: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		funlockfile(stderr);
	} else {
		vsyslog(priority, fmt, ap);
	}
	va_end(ap);
}
