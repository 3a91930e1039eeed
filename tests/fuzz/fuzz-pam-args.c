/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for pam_cgm's argument parser and what the module does
 * with the result: the input, split at NUL bytes, is the argv a PAM
 * service file gives the module (untrusted only in that an admin's typo
 * must never crash a login), then the pattern is expanded for a user and
 * group whose names also come from the input, as NSS could return
 * anything, and joined to the base.  An expansion that succeeds must be a
 * clean relative path: that is what keeps a user name from steering the
 * login outside <base>.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

static void report(void *ctx, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap); /* formats every report, as pam_syslog would */
	va_end(ap);
	(*(int *)ctx)++;
}

static void check_expanded(const char *e)
{
	const char *p = e;

	if (!*p || *p == '/')
		abort();
	for (;;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && memcmp(p, "..", 2) == 0))
			abort();
		if (!p[n])
			return;
		p += n + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1);
	const char **argv;
	const char *user = "alice", *group = "users";
	struct pcg_args args;
	int argc = 0, reports = 0, bad;
	char *expanded, *joined;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv = calloc(size + 2, sizeof(*argv));
	if (!argv) {
		free(buf);
		return 0;
	}
	for (size_t i = 0; i <= size; i += strlen(buf + i) + 1)
		argv[argc++] = buf + i;
	/* The last two words, when there are more than two, are also the user and group names. */
	if (argc > 2) {
		user = argv[argc - 2];
		group = argv[argc - 1];
	}
	bad = pcg_parse_args(argc, argv, &args, report, &reports);
	if (bad != reports || !args.controllers || !*args.base || !args.pattern)
		abort();
	if (args.timeout_ms < 1 || args.timeout_ms > 600000)
		abort();
	expanded = pcg_expand_pattern(args.pattern, user, 1000, group, 100);
	if (expanded) {
		check_expanded(expanded);
		joined = pcg_user_cgroup(args.base, expanded);
		free(joined);
		free(expanded);
	}
	free(argv);
	free(buf);
	return 0;
}
