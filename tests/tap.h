/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A very small TAP producer for the unit tests, read by automake's
 * tap-driver.sh.  Each check prints "ok N - name" or "not ok N - name";
 * tap_done() prints the plan and returns the exit status.
 */
#pragma once

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_count;
static int tap_failures;

__attribute__((format(printf, 4, 5), unused)) static int tap_check(int pass, const char *file, int line,
								   const char *fmt, ...)
{
	va_list ap;

	tap_count++;
	printf("%sok %d - ", pass ? "" : "not ", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	if (!pass) {
		tap_failures++;
		printf("# failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return pass;
}

#define ok(cond, ...) tap_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(got, want, ...)                                                                                         \
	do {                                                                                                           \
		long long got_ = (got), want_ = (want);                                                                \
		if (!tap_check(got_ == want_, __FILE__, __LINE__, __VA_ARGS__))                                        \
			printf("#   got %lld, want %lld\n", got_, want_);                                              \
	} while (0)

#define is_str(got, want, ...)                                                                                         \
	do {                                                                                                           \
		const char *got_ = (got), *want_ = (want);                                                             \
		int same_ = got_ && want_ ? strcmp(got_, want_) == 0 : got_ == want_;                                  \
		if (!tap_check(same_, __FILE__, __LINE__, __VA_ARGS__))                                                \
			printf("#   got \"%s\", want \"%s\"\n", got_ ? got_ : "(null)", want_ ? want_ : "(null)");     \
	} while (0)

__attribute__((unused)) static int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failures ? 1 : 0;
}
