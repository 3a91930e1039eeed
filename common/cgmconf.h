/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgm.conf(5): the limits set on a user's cgroup at login, read by cgmd
 * (which applies them in OpenSession and re-reads them on SIGHUP) and by
 * pam_cgm for its deprecated conf= argument; one parser for both.  A line
 * is "<who> <key> <value>", who being a user name, "@group" or "*".
 * Reading keeps every well-formed line as a rule; matching turns the rules
 * into the limits of one user, where for each key the most specific rule
 * wins (user over group over "*"), and of equally specific rules the last
 * one read.  Both are pure functions of the text and the user's identity,
 * so the unit tests drive them with strings; bad lines are reported with
 * file and line and skipped.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CGMCONF_DEFAULT	  "/etc/security/cgm.conf"
#define CGMCONF_VALUE_MAX 4096

/* How the readers report what they skipped; `fmt` is printf-style. */
typedef void cgmconf_report_fn(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One well-formed line. */
struct cgmconf_rule {
	char *who; /* user name, "@group" or "*" */
	char *key;
	char *value;
};

/* Every rule read, in the order read. */
struct cgmconf {
	struct cgmconf_rule *v;
	size_t n;
};

/* Who logs in.  in_group() says whether `user` belongs to `group` (primary or supplementary). */
struct cgmconf_who {
	const char *user;
	bool (*in_group)(void *ctx, const char *user, const char *group);
	void *ctx;
};

struct cgmconf_limit {
	char *key;
	char *value;
	int rank; /* 1 "*", 2 "@group", 3 user name */
};

/* The limits that apply to one user, one entry per key, in the order keys first appeared. */
struct cgmconf_limits {
	struct cgmconf_limit *v;
	size_t n;
};

/*
 * Reads one file's lines from `f` (`name` is used in reports) and appends
 * its well-formed lines to *conf.  Returns the number of bad lines (each
 * reported as "<name>:<line>: <why>"), or -ENOMEM.
 */
int cgmconf_parse(FILE *f, const char *name, struct cgmconf *conf, cgmconf_report_fn *report, void *report_ctx);

/*
 * Reads the file `path`, then, when `with_dir`, every *.conf in `path`.d
 * in name order (names starting with a dot left out).  A missing file or
 * directory is not an error; an unreadable one is reported and counted as
 * one bad line.  Returns the bad lines summed over the files, or -ENOMEM.
 */
int cgmconf_load(const char *path, bool with_dir, struct cgmconf *conf, cgmconf_report_fn *report, void *report_ctx);

/* The limits of `conf` that apply to `who`, added to *limits.  0 or -ENOMEM. */
int cgmconf_match(const struct cgmconf *conf, const struct cgmconf_who *who, struct cgmconf_limits *limits);

void cgmconf_clear(struct cgmconf *conf);
void cgmconf_limits_clear(struct cgmconf_limits *limits);
