/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The daemon's cgm.conf table (see user-limits.h). */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "user-limits.h"
#include "log.h"

/* cgmconf_report_fn: bad lines go to the log, each once; `ctx` is the level. */
__attribute__((format(printf, 2, 3))) static void report_log(void *ctx, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_msg(*(const int *)ctx, "%s", buf);
}

int limits_init(struct limits *l, const char *path, struct failure *err)
{
	int level = LOG_WARNING, r;

	*l = (struct limits){0};
	if (!(l->path = strdup(path)))
		return failf(err, FAIL_FAILED, "out of memory");
	r = cgmconf_load(path, true, &l->conf, report_log, &level);
	if (r < 0) {
		limits_free(l);
		return failf(err, FAIL_FAILED, "out of memory reading %s", path);
	}
	log_info("read %zu limit rules from %s%s", l->conf.n, path, r ? " (bad lines left out)" : "");
	return 0;
}

int limits_reload(struct limits *l)
{
	struct cgmconf fresh = {0};
	int level = LOG_ERR, r;

	r = cgmconf_load(l->path, true, &fresh, report_log, &level);
	if (r != 0) {
		cgmconf_clear(&fresh);
		log_error("reload: %s has %s; the %zu rules read before stay in force", l->path,
			  r < 0 ? "not been read (out of memory)" : "errors", l->conf.n);
		return -1;
	}
	cgmconf_clear(&l->conf);
	l->conf = fresh;
	l->reloads++;
	log_notice("reloaded %s: %zu limit rules", l->path, l->conf.n);
	return 0;
}

struct user_groups {
	gid_t *gids;
	int n;
};

static pthread_mutex_t nss_lock = PTHREAD_MUTEX_INITIALIZER;

static bool in_group(void *ctx, const char *user, const char *group)
{
	const struct user_groups *ug = ctx;
	struct group *gr = getgrnam(group);

	if (!gr)
		return false;
	for (int i = 0; i < ug->n; i++)
		if (ug->gids[i] == gr->gr_gid)
			return true;
	return false;
}

int limits_for_uid(const struct limits *l, uid_t uid, struct cgmconf_limits *ret, struct failure *err)
{
	struct user_groups ug = {0};
	struct cgmconf_who who = {.in_group = in_group, .ctx = &ug};
	struct passwd *pw;
	char *name = NULL;
	int r = 0;

	if (l->conf.n == 0)
		return 0;
	/* getpwuid and getgrnam (in_group) answer in static storage, and requests run on several threads. */
	pthread_mutex_lock(&nss_lock);
	errno = 0;
	pw = getpwuid(uid);
	if (pw) {
		gid_t primary = pw->pw_gid;

		if (!(name = strdup(pw->pw_name)))
			r = failf(err, FAIL_FAILED, "out of memory");
		/* getgrouplist says how many there are when the buffer is too small. */
		for (int size = 16, tries = 0; r == 0 && tries < 4; tries++) {
			gid_t *grown = realloc(ug.gids, (size_t)size * sizeof(*grown));
			int n = size;

			if (!grown) {
				r = failf(err, FAIL_FAILED, "out of memory");
			} else if (ug.gids = grown, getgrouplist(name, primary, ug.gids, &n) >= 0) {
				ug.n = n;
				break;
			} else {
				size = n > size ? n : size * 2;
			}
		}
	} else {
		log_info("uid %u has no passwd entry: only the \"*\" limits apply", (unsigned)uid);
	}
	/* A name no passwd entry can have, so that only "*" lines match. */
	who.user = name ? name : "";
	if (r == 0 && cgmconf_match(&l->conf, &who, ret) < 0)
		r = failf(err, FAIL_FAILED, "out of memory");
	pthread_mutex_unlock(&nss_lock);
	free(ug.gids);
	free(name);
	return r;
}

void limits_free(struct limits *l)
{
	free(l->path);
	cgmconf_clear(&l->conf);
	*l = (struct limits){0};
}
