/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup v2 backend: only what the unified hierarchy does differently.
 * The kernel keeps the facts we need in files of their own: "populated"
 * and "frozen" in cgroup.events (which also wakes inotify and poll), a
 * one-write whole-subtree SIGKILL in cgroup.kill, and cgroup.freeze.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cgroup-backend.h"
#include "cgroup.h"

static char *const *v2_delegate_files(const struct hierarchy_set *set)
{
	return set->delegate_files;
}

/* Enabling a controller that is enabled already is no change, and the kernel accepts it. */
/* Whether the space-separated LIST holds the word W. */
static bool has_word(const char *list, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = strstr(list, w); p; p = strstr(p + 1, w))
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return true;
	return false;
}

/* Enables below FD every controller it has that is not enabled yet: after
 * the first login a walk through the path reads two files and writes none. */
static int v2_enable_controllers(const struct hierarchy *h, int fd, struct failure *err)
{
	cleanup_free char *available = NULL;
	cleanup_free char *enabled = NULL;
	char *save = NULL;
	int rc = 0;

	if (cg_read_at(fd, "cgroup.controllers", CG_VALUE_MAX, &available, NULL, err) < 0 ||
	    cg_read_at(fd, "cgroup.subtree_control", CG_VALUE_MAX, &enabled, NULL, err) < 0)
		return -1;
	for (char *w = strtok_r(available, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		struct failure refused = {0};
		char enable[64];

		if (has_word(enabled, w))
			continue;
		if ((size_t)snprintf(enable, sizeof(enable), "+%s", w) >= sizeof(enable))
			continue;
		if (cg_write_at(fd, "cgroup.subtree_control", enable, &refused) < 0 && rc == 0) {
			*err = refused;
			rc = -1;
		}
	}
	return rc;
}

static long events_value(int fd, const char *key, struct failure *err)
{
	char buf[256];

	if (cg_read_small_at(fd, "cgroup.events", buf, sizeof(buf), err) < 0)
		return -1;
	return cg_keyed_value(buf, key);
}

static int v2_is_populated(const struct hierarchy *h, int fd, struct failure *err)
{
	long v = events_value(fd, "populated", err);

	if (v < 0)
		return err->kind ? -1
				 : failf(err, FAIL_FAILED, "cgroup.events of hierarchy %s has no populated", h->name);
	return v > 0;
}

static int v2_kill(const struct hierarchy *h, int fd, int sig, struct failure *err)
{
	if (sig == SIGKILL) {
		/* One write kills the whole subtree atomically, forks included (Linux 5.14+). */
		if (cg_write_at(fd, "cgroup.kill", "1", err) == 0)
			return 0;
		if (err->kind != FAIL_NOT_FOUND)
			return -1;
		*err = (struct failure){0};
	}
	return cg_kill_walk(fd, sig, err);
}

static long elapsed_ms(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/*
 * cgroup.freeze only asks; the cgroup is frozen once cgroup.events says
 * "frozen 1".  cgroup.events is pollable (POLLPRI on change), so we sleep
 * in poll() rather than re-reading in a loop.
 */
static int v2_freeze(const struct hierarchy *h, int fd, bool frozen, struct failure *err)
{
	cleanup_close int efd = -1;
	char buf[256], where[CG_PATH_BUF];
	struct timespec start;

	if (cg_write_at(fd, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
		return -1;
	efd = openat(fd, "cgroup.events", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (efd < 0)
		return fail_errno(err, errno, "cannot open %s/cgroup.events", cg_fd_path(fd, where, sizeof(where)));
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		ssize_t n = pread(efd, buf, sizeof(buf) - 1, 0);
		struct pollfd p = {.fd = efd, .events = POLLPRI};
		long left;

		if (n < 0)
			return fail_errno(err, errno, "cannot read %s/cgroup.events",
					  cg_fd_path(fd, where, sizeof(where)));
		buf[n] = '\0';
		if (cg_keyed_value(buf, "frozen") == (frozen ? 1 : 0))
			return 0;
		left = CG_FREEZE_WAIT_MS - elapsed_ms(&start);
		if (left <= 0)
			return failf(err, FAIL_BUSY, "cgroup %s is not %s after %d ms (processes still running)",
				     cg_fd_path(fd, where, sizeof(where)), frozen ? "frozen" : "thawed",
				     CG_FREEZE_WAIT_MS);
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return fail_errno(err, errno, "cannot wait for %s/cgroup.events",
					  cg_fd_path(fd, where, sizeof(where)));
	}
}

const struct cgroup_backend cgroup_backend_v2 = {
	.name = "v2",
	.delegate_files = v2_delegate_files,
	.is_populated = v2_is_populated,
	.kill = v2_kill,
	.freeze = v2_freeze,
	.enable_controllers = v2_enable_controllers,
	.init_created = NULL,
	.events_file = "cgroup.events",
};
