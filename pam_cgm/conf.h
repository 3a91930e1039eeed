/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgm.conf(5): the limits set on a user's cgroup at login.  A line is
 * "<who> <key> <value>", who being a user name, "@group" or "*"; for each
 * key the most specific line for the user wins (user over group over "*"),
 * and of equally specific lines the last one read.  The parser is a pure
 * function of the text and the user's identity so the unit tests drive it
 * with strings; bad lines are reported with file and line and skipped.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "args.h"

#define PCG_CONF_VALUE_MAX 4096

/* Who logs in.  in_group() says whether `user` belongs to `group` (primary or supplementary). */
struct pcg_who {
	const char *user;
	bool (*in_group)(void *ctx, const char *user, const char *group);
	void *ctx;
};

struct pcg_limit {
	char *key;
	char *value;
	int rank; /* 1 "*", 2 "@group", 3 user name */
};

/* The limits that apply to one user, one entry per key, in the order keys first appeared. */
struct pcg_limits {
	struct pcg_limit *v;
	size_t n;
};

/*
 * Reads one file's lines from `f` (`name` is used in reports) and merges
 * those that apply to `who` into *limits.  Returns the number of bad lines
 * (each reported as "<name>:<line>: <why>"), or -ENOMEM.
 */
int pcg_conf_parse(FILE *f, const char *name, const struct pcg_who *who, struct pcg_limits *limits,
		   pcg_report_fn *report, void *report_ctx);

/*
 * Reads `conf` when not NULL; else PCG_DEFAULT_CONF, then every *.conf in
 * PCG_DEFAULT_CONF.d in name order.  A missing file is not an error, an
 * unreadable one is reported.  Returns what pcg_conf_parse() returns,
 * summed over the files.
 */
int pcg_conf_load(const char *conf, const struct pcg_who *who, struct pcg_limits *limits, pcg_report_fn *report,
		  void *report_ctx);

void pcg_limits_clear(struct pcg_limits *limits);
