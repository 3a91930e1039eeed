/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Daemon logging: syslog (facility daemon), or stderr in --foreground.
 * Levels are syslog's (LOG_ERR … LOG_DEBUG); messages above the configured
 * level are dropped before formatting.
 */
#pragma once

#include <stdbool.h>
#include <syslog.h>

void log_open(bool to_stderr, int max_level);
void log_close(void);
/* Parses "err", "warning", "notice", "info", "debug" (or 3..7); -1 if unknown. */
int log_level_from_string(const char *s);
void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Whether a message of `priority` is logged: spares building one that would be dropped. */
bool log_enabled(int priority);

#define log_error(...)	 log_msg(LOG_ERR, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...)	 log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)	 log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...)	 log_msg(LOG_DEBUG, __VA_ARGS__)
