/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of the cgm.conf(5) reader that cgmd and pam_cgm share: which
 * lines apply to whom, which wins for a key, that bad lines are reported
 * with file and line and skipped without losing the good ones, and reading
 * a file and its .d directory from disk.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include <stdio.h>
#include <sys/stat.h>

#include "cgmconf.h"
#include "tap.h"

static char reported[4096];
static int reports;

__attribute__((format(printf, 2, 3))) static void collect_report(void *ctx, const char *fmt, ...)
{
	size_t n = strlen(reported);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reported + n, sizeof(reported) - n, fmt, ap);
	va_end(ap);
	strncat(reported, "\n", sizeof(reported) - strlen(reported) - 1);
	reports++;
}

/* cgmtest1 is in cgmtestgrp and cgmtest1; everyone else only in a group of their own name. */
static bool fake_groups(void *ctx, const char *user, const char *group)
{
	return strcmp(group, user) == 0 || (strcmp(user, "cgmtest1") == 0 && strcmp(group, "cgmtestgrp") == 0);
}

/* Reads `text` as file "cgm.conf" and matches it for `user`: the bad line count (or -ENOMEM). */
static int parse_text(const char *text, const char *user, struct cgmconf_limits *limits)
{
	struct cgmconf_who who = {.user = user, .in_group = fake_groups};
	struct cgmconf conf = {0};
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int r;

	reports = 0;
	reported[0] = '\0';
	/* fmemopen refuses an empty buffer: an empty file has no lines to read. */
	r = f ? cgmconf_parse(f, "cgm.conf", &conf, collect_report, NULL) : 0;
	if (f)
		fclose(f);
	if (r >= 0 && cgmconf_match(&conf, &who, limits) < 0)
		r = -1;
	cgmconf_clear(&conf);
	return r;
}

static const char *value_of(const struct cgmconf_limits *l, const char *key)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].key, key) == 0)
			return l->v[i].value;
	return NULL;
}

static const char example[] = "# limits for everyone, then per group, then per user\n"
			      "*            pids.max               500\n"
			      "*            memory.max             4G\n"
			      "@cgmtestgrp  memory.max             1G   # group beats *\n"
			      "cgmtest1     memory.limit_in_bytes  512M\n"
			      "cgmtest1     pids.max               100\n"
			      "*            pids.max               700  # * after user: user still wins\n"
			      "\n"
			      "   \t  \n"
			      "@othergrp    cpu.weight             50\n"
			      "cgmtest2     cpu.max                max 100000\n";

static void test_precedence(void)
{
	struct cgmconf_limits l = {0};

	is_int(parse_text(example, "cgmtest1", &l), 0, "example: no bad line");
	is_int(reports, 0, "example: nothing reported");
	is_int(l.n, 3, "cgmtest1: three keys apply");
	is_str(value_of(&l, "pids.max"), "100", "user line beats * lines before and after it");
	is_str(value_of(&l, "memory.max"), "1G", "@group beats *");
	is_str(value_of(&l, "memory.limit_in_bytes"), "512M", "user-only key");
	ok(value_of(&l, "cpu.weight") == NULL, "group the user is not in: no effect");
	ok(value_of(&l, "cpu.max") == NULL, "other user's line: no effect");
	is_str(l.v[0].key, "pids.max", "keys kept in the order they first appeared");
	cgmconf_limits_clear(&l);

	is_int(parse_text(example, "cgmtest2", &l), 0, "cgmtest2 parse");
	is_str(value_of(&l, "pids.max"), "700", "equal rank: the last * line wins");
	is_str(value_of(&l, "memory.max"), "4G", "not in cgmtestgrp: * applies");
	is_str(value_of(&l, "cpu.max"), "max 100000", "value of several words kept whole, comment stripped");
	cgmconf_limits_clear(&l);

	is_int(parse_text(example, "cgmtest3", &l), 0, "cgmtest3 parse");
	is_int(l.n, 2, "cgmtest3: only the * lines");
	cgmconf_limits_clear(&l);

	is_int(parse_text("@cgmtest3 pids.max 5\ncgmtest3 pids.max 9\n@cgmtest3 pids.max 7\n", "cgmtest3", &l), 0,
	       "user's own-name group");
	is_str(value_of(&l, "pids.max"), "9", "a later group line does not beat an earlier user line");
	cgmconf_limits_clear(&l);
}

static void test_bad_lines(void)
{
	static const char text[] = "* pids.max 10\n"
				   "* pids.max\n"		 /* 2: no value */
				   "justone\n"			 /* 3 */
				   "* tasks 5\n"		 /* 4: no dot */
				   "* cgroup.procs 1\n"		 /* 5: moves processes */
				   "* memory/../x 1\n"		 /* 6: bad characters */
				   "* .max 1\n"			 /* 7: no controller */
				   "@ memory.max 1G\n"		 /* 8: empty group */
				   "* memory. 1\n"		 /* 9: no name */
				   "cgmtest1 memory.high 800M\n" /* 10: good */
				   "* release_agent /tmp/x\n";	 /* 11 */
	struct cgmconf_limits l = {0};

	is_int(parse_text(text, "cgmtest1", &l), 9, "nine bad lines counted");
	is_int(reports, 9, "each reported once");
	ok(strstr(reported, "cgm.conf:2:") && strstr(reported, "cgm.conf:11:"), "reports carry file and line");
	ok(!strstr(reported, "cgm.conf:1:") && !strstr(reported, "cgm.conf:10:"), "good lines not reported");
	is_int(l.n, 2, "good lines around bad ones still apply");
	is_str(value_of(&l, "pids.max"), "10", "line 1 kept");
	is_str(value_of(&l, "memory.high"), "800M", "line 10 kept");
	cgmconf_limits_clear(&l);

	char big[CGMCONF_VALUE_MAX + 64];
	snprintf(big, sizeof(big), "* memory.max %0*d\n", CGMCONF_VALUE_MAX + 1, 1);
	is_int(parse_text(big, "cgmtest1", &l), 1, "over-long value refused");
	is_int(l.n, 0, "over-long value not kept");
	cgmconf_limits_clear(&l);

	is_int(parse_text("", "cgmtest1", &l), 0, "empty file");
	is_int(l.n, 0, "empty file: no limits");
	is_int(parse_text("* pids.max 3", "cgmtest1", &l), 0, "last line without newline");
	is_str(value_of(&l, "pids.max"), "3", "last line without newline read");
	cgmconf_limits_clear(&l);
}

/* Writes `text` to `path`. */
static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	fputs(text, f);
	fclose(f);
}

static int load_for(const char *path, bool with_dir, const char *user, struct cgmconf_limits *l)
{
	struct cgmconf_who who = {.user = user, .in_group = fake_groups};
	struct cgmconf conf = {0};
	int r;

	reports = 0;
	reported[0] = '\0';
	r = cgmconf_load(path, with_dir, &conf, collect_report, NULL);
	if (r >= 0 && cgmconf_match(&conf, &who, l) < 0)
		r = -1;
	cgmconf_clear(&conf);
	return r;
}

static void test_load(void)
{
	char dir[] = "/tmp/cgmtest-conf-XXXXXX", path[64], d[80], f1[96], f2[96], hidden[96];
	struct cgmconf_limits l = {0};

	if (!mkdtemp(dir))
		abort();
	snprintf(path, sizeof(path), "%s/cgm.conf", dir);
	snprintf(d, sizeof(d), "%s.d", path);
	snprintf(f1, sizeof(f1), "%s/10-a.conf", d);
	snprintf(f2, sizeof(f2), "%s/20-b.conf", d);
	snprintf(hidden, sizeof(hidden), "%s/.x.conf", d);

	write_file(path, "* pids.max 42\nbogus line here x\n");
	is_int(load_for(path, false, "cgmtest1", &l), 1, "file read, its bad line counted");
	ok(strstr(reported, path) && strstr(reported, ":2:"), "report names the file: %s", reported);
	is_str(value_of(&l, "pids.max"), "42", "the file's limit");
	cgmconf_limits_clear(&l);

	mkdir(d, 0755);
	write_file(f2, "* pids.max 44\n");
	write_file(f1, "* pids.max 43\ncgmtest1 memory.max 1G\n");
	write_file(hidden, "* pids.max 99\n");
	is_int(load_for(path, true, "cgmtest1", &l), 1, "file and .d read");
	is_str(value_of(&l, "pids.max"), "44", ".d files after the file, in name order; dot files left out");
	is_str(value_of(&l, "memory.max"), "1G", "a .d file's user line");
	cgmconf_limits_clear(&l);
	is_int(load_for(path, false, "cgmtest1", &l), 1, "without the directory: the file alone");
	is_str(value_of(&l, "pids.max"), "42", "... its own value");
	cgmconf_limits_clear(&l);
	unlink(f1);
	unlink(f2);
	unlink(hidden);
	rmdir(d);
	unlink(path);

	is_int(load_for(path, true, "cgmtest1", &l), 0, "missing file and directory are no error");
	is_int(l.n, 0, "missing file: no limits");
	rmdir(dir);
}

int main(void)
{
	test_precedence();
	test_bad_lines();
	test_load();
	return tap_done();
}
