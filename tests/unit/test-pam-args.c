/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of pam_cgm's argument parser and cgroup name expansion: the
 * defaults, every option, what is reported and ignored, and that no user
 * or group name can walk the login out of its base.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>

#include "args.h"
#include "tap.h"

static char last_report[512];
static int reports;

__attribute__((format(printf, 2, 3))) static void count_report(void *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(last_report, sizeof(last_report), fmt, ap);
	va_end(ap);
	reports++;
}

static int parse(struct pcg_args *a, int argc, const char **argv)
{
	reports = 0;
	last_report[0] = '\0';
	return pcg_parse_args(argc, argv, a, count_report, NULL);
}

static void test_defaults(void)
{
	struct pcg_args a;

	is_int(parse(&a, 0, NULL), 0, "no arguments: nothing reported");
	is_str(a.controllers, "all", "default controllers=all");
	is_str(a.base, "/user", "default base=/user");
	is_str(a.pattern, "%u", "default pattern=%%u");
	ok(a.socket == NULL, "default socket: libcgm's");
	ok(a.conf == NULL, "default conf: /etc/security/cgm.conf and its .d");
	is_int(a.timeout_ms, 2000, "default timeout 2000 ms");
	ok(!a.debug && !a.nodelegate && !a.skip_root, "flags off by default");
}

static void test_all_options(void)
{
	const char *argv[] = {"controllers=memory,pids",
			      "base=cgmtest-x/user",
			      "pattern=%g/%u",
			      "socket=/tmp/s",
			      "timeout=150",
			      "debug",
			      "nodelegate",
			      "conf=/tmp/c.conf",
			      "skip_root"};
	struct pcg_args a;

	is_int(parse(&a, 9, argv), 0, "every option accepted");
	is_str(a.controllers, "memory,pids", "controllers=");
	is_str(a.base, "cgmtest-x/user", "base=");
	is_str(a.pattern, "%g/%u", "pattern=");
	is_str(a.socket, "/tmp/s", "socket=");
	is_str(a.conf, "/tmp/c.conf", "conf=");
	is_int(a.timeout_ms, 150, "timeout=");
	ok(a.debug && a.nodelegate && a.skip_root, "debug, nodelegate, skip_root");
}

static void test_bad_arguments(void)
{
	const char *unknown[] = {"frobnicate", "debug"};
	const char *badtime[] = {"timeout=abc", "timeout=0", "timeout=-5", "timeout=12x", "timeout=999999999"};
	const char *empty[] = {"base=", "socket="};
	const char *prefix[] = {"basement=/x", "debugging"};
	struct pcg_args a;

	is_int(parse(&a, 2, unknown), 1, "unknown option counted");
	ok(strstr(last_report, "frobnicate") != NULL, "unknown option named in the report: %s", last_report);
	ok(a.debug, "options after an unknown one still parsed");

	is_int(parse(&a, 5, badtime), 5, "every bad timeout reported");
	is_int(a.timeout_ms, 2000, "bad timeouts keep the default");

	is_int(parse(&a, 2, empty), 2, "empty values reported");
	is_str(a.base, "/user", "empty base keeps the default");
	ok(a.socket == NULL, "empty socket keeps the default");

	is_int(parse(&a, 2, prefix), 2, "an option name is matched whole, not as a prefix");
	is_str(a.base, "/user", "basement= is not base=");
}

static void expect_pattern(const char *pattern, const char *want)
{
	char *got = pcg_expand_pattern(pattern, "alice", 1000, "staff", 50);

	is_str(got, want, "pattern \"%s\"", pattern);
	free(got);
}

static void expect_refused(const char *pattern, const char *user, const char *why)
{
	char *got;

	errno = 0;
	got = pcg_expand_pattern(pattern, user, 1000, "staff", 50);
	ok(got == NULL && errno == EINVAL, "refused: %s", why);
	free(got);
}

static void test_patterns(void)
{
	expect_pattern("%u", "alice");
	expect_pattern("%U", "1000");
	expect_pattern("%g", "staff");
	expect_pattern("%G", "50");
	expect_pattern("%g/%u", "staff/alice");
	expect_pattern("u%U-g%G", "u1000-g50");
	expect_pattern("100%%-%u", "100%-alice");

	ok(pcg_pattern_names_group("%g/%u"), "\"%%g/%%u\" names the group");
	ok(pcg_pattern_names_group("100%%%g"), "\"100%%%%%%g\" names the group");
	ok(!pcg_pattern_names_group("%u/%G"), "\"%%u/%%G\" needs no group name");
	ok(!pcg_pattern_names_group("100%%g"), "\"100%%%%g\" is a literal g");
	ok(!pcg_pattern_names_group("%u%"), "a trailing %% names nothing");

	expect_refused("%x", "alice", "unknown placeholder");
	expect_refused("%u%", "alice", "trailing %");
	expect_refused("", "alice", "empty pattern");
	expect_refused("/%u", "alice", "absolute pattern");
	expect_refused("%u", "..", "user name \"..\"");
	expect_refused("%u", ".", "user name \".\"");
	expect_refused("%u/x", "", "empty component");
	expect_refused("%u", "a/../../b", "user name with a .. component");
	expect_refused("%u/", "alice", "trailing slash");
}

static void expect_join(const char *base, const char *want)
{
	char *got = pcg_user_cgroup(base, "alice");

	is_str(got, want, "base \"%s\"", base);
	free(got);
}

static void test_join(void)
{
	expect_join("/user", "/user/alice");
	expect_join("/user/", "/user/alice");
	expect_join("/", "/alice");
	expect_join("cgmtest-pam-1/user", "cgmtest-pam-1/user/alice");
	expect_join("rel//", "rel/alice");
}

int main(void)
{
	test_defaults();
	test_all_options();
	test_bad_arguments();
	test_patterns();
	test_join();
	return tap_done();
}
