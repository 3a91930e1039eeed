/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The module's arguments (pam_cgm(8)) turned into one struct by one parser,
 * in the manner of pam_limits' _pam_parse(), and the expansion of the
 * per-user cgroup name pattern.  Pure functions: what they reject goes to a
 * report callback (pam_syslog in the module, a counter in the unit tests),
 * never to stderr, and nothing they reject is fatal.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "cgmconf.h"

/* How a parser reports what it skipped: the same callback as the cgm.conf reader's. */
typedef cgmconf_report_fn pcg_report_fn;

#define PCG_DEFAULT_CONTROLLERS "all"
#define PCG_DEFAULT_BASE	"/user"
#define PCG_DEFAULT_PATTERN	"%u"
#define PCG_DEFAULT_TIMEOUT_MS	2000

/* Strings point into the argv given to pcg_parse_args() (PAM keeps it for the call). */
struct pcg_args {
	const char *controllers; /* "all" or a comma-separated list of hierarchies */
	const char *base;	 /* "/..." from the top of each hierarchy, else beneath the PAM process's cgroup */
	const char *pattern;	 /* %u %U %g %G placeholders, see pcg_expand_pattern() */
	const char *socket;	 /* NULL: libcgm's default ($CGM_SOCKET, then /run/cgm/sock) */
	const char *conf;	 /* deprecated: NULL, or one cgm.conf file the module applies itself */
	int timeout_ms;
	bool debug;
	bool nodelegate; /* place the login but keep the user cgroup root's */
	bool skip_root;
};

/*
 * Fills *ret from the module arguments, defaults first.  Unknown arguments
 * and bad values (the default is kept) are reported and counted; the
 * return value is that count.
 */
int pcg_parse_args(int argc, const char **argv, struct pcg_args *ret, pcg_report_fn *report, void *report_ctx);

/*
 * Expands `pattern` for one user: %u user name, %U uid, %g primary group
 * name, %G gid, %% a '%'.  Returns a malloc'd relative cgroup path, or NULL
 * with errno EINVAL when the pattern has an unknown placeholder or the
 * result is not a clean relative path (empty, leading '/', an empty, "." or
 * ".." component), ENOMEM when out of memory.
 */
char *pcg_expand_pattern(const char *pattern, const char *user, uid_t uid, const char *group, gid_t gid);

/* Whether `pattern` names the primary group (%g), which costs a look into the group database. */
bool pcg_pattern_names_group(const char *pattern);

/* "<base>/<expanded>" with exactly one '/' between them; malloc'd, NULL when out of memory. */
char *pcg_user_cgroup(const char *base, const char *expanded);
