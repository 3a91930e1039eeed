/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's cgm.conf(5) table: read at start, re-read on SIGHUP, and
 * asked by OpenSession (and ApplyLimits) for the limits of one uid, which
 * the daemon then sets as root on the user cgroup.  Owning the table here
 * rather than in pam_cgm means the limits land wherever OpenSession puts
 * the user cgroup, an absolute base included, whatever cgroup the PAM
 * process sits in.
 */
#pragma once

#include <sys/types.h>

#include "cgmconf.h"
#include "failure.h"

struct limits {
	char *path; /* the main file; its .d directory is read too */
	struct cgmconf conf;
	unsigned long reloads; /* successful re-reads since start */
};

/*
 * Reads `path` (and `path`.d/) into a new table.  Bad lines are logged
 * with file and line and left out; the good ones are kept, so a typo does
 * not keep the daemon from starting.  Fails only when out of memory.
 */
int limits_init(struct limits *l, const char *path, struct failure *err);

/*
 * Re-reads the files.  The new table replaces the old one only when every
 * line parsed: otherwise the errors are logged (file:line) and the old
 * table stays in force.  Returns 0 when replaced, -1 when the old is kept.
 */
int limits_reload(struct limits *l);

/*
 * The limits for `uid` (its name, primary and supplementary groups from
 * the user database), appended to *ret.  A uid without a passwd entry
 * gets the "*" rules only.
 */
int limits_for_uid(const struct limits *l, uid_t uid, struct cgmconf_limits *ret, struct failure *err);

void limits_free(struct limits *l);
