/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup v1 backend: only what v1 hierarchies do differently.  v1 has
 * no cgroup.events, so "populated" means walking cgroup.procs down the
 * subtree; there is no cgroup.kill, so signals walk too; freezing exists
 * only where the freezer controller is; and a new cpuset cgroup has no
 * CPUs or memory nodes until given some, so it gets its parent's.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "cgroup-backend.h"
#include "cgroup.h"

#define FREEZE_RECHECK_MS 10

static char *const *v1_delegate_files(const struct hierarchy_set *set)
{
	static char *const files[] = {"tasks", "cgroup.procs", NULL};

	return files;
}

/* 1 when cgroup.procs of `fd` lists anyone; the first byte is enough. */
static int has_procs(int fd, struct failure *err)
{
	char buf[16];
	ssize_t n = cg_read_small_at(fd, "cgroup.procs", buf, sizeof(buf), err);

	return n < 0 ? -1 : n > 0;
}

static int populated_visit(int parent_fd, const char *name, int fd, void *data, struct failure *err)
{
	return has_procs(fd, err);
}

static int v1_is_populated(const struct hierarchy *h, int fd, struct failure *err)
{
	int r = has_procs(fd, err);

	if (r != 0)
		return r;
	/* Stops at the first cgroup with a process in it. */
	r = cg_walk(fd, false, populated_visit, NULL, err);
	return r < 0 ? -1 : r > 0;
}

static int v1_kill(const struct hierarchy *h, int fd, int sig, struct failure *err)
{
	return cg_kill_walk(fd, sig, err);
}

/*
 * freezer.state reads FREEZING until every task has stopped; v1 offers no
 * notification, so re-check every few milliseconds for a bounded time.
 */
static int v1_freeze(const struct hierarchy *h, int fd, bool frozen, struct failure *err)
{
	const char *want = frozen ? "FROZEN" : "THAWED";
	char where[CG_PATH_BUF];

	if (!strv_contains(h->controllers, "freezer"))
		return failf(err, FAIL_UNKNOWN_HIERARCHY,
			     "hierarchy %s has no freezer controller: freeze in the freezer hierarchy", h->name);
	if (cg_write_at(fd, "freezer.state", want, err) < 0)
		return -1;
	for (int waited = 0;; waited += FREEZE_RECHECK_MS) {
		struct timespec ts = {0, FREEZE_RECHECK_MS * 1000000L};
		char buf[32];

		if (cg_read_small_at(fd, "freezer.state", buf, sizeof(buf), err) < 0)
			return -1;
		if (strncmp(buf, want, strlen(want)) == 0)
			return 0;
		if (waited >= CG_FREEZE_WAIT_MS)
			return failf(err, FAIL_BUSY, "cgroup %s is %.*s, not %s, after %d ms",
				     cg_fd_path(fd, where, sizeof(where)), (int)strcspn(buf, "\n"), buf, want,
				     CG_FREEZE_WAIT_MS);
		nanosleep(&ts, NULL);
	}
}

/*
 * A new cpuset cgroup below one that load-balances is made not to, before
 * it has CPUs.  Its own flag then changes nothing: the scheduler builds
 * its domains from the topmost balancing cpusets and skips what is below
 * them.  But the kernel rebuilds every sched domain of the machine,
 * walking every cpuset under the global cgroup locks, whenever a balancing
 * cpuset with CPUs gets new ones or is removed, so each login cost two
 * rebuilds for nothing.  Below a parent that does not balance, the flag would
 * matter, and the kernel's default stays.  Only a saving: a failure here
 * leaves the default, which works.
 */
static void unbalance_below_balanced(int parent_fd, int fd)
{
	struct failure ignored = {0};
	char flag[4];

	if (cg_read_small_at(parent_fd, "cpuset.sched_load_balance", flag, sizeof(flag), &ignored) > 0 &&
	    flag[0] == '1')
		cg_write_at(fd, "cpuset.sched_load_balance", "0", &ignored);
}

/*
 * cpuset cgroups start with empty cpuset.cpus/mems (unless the hierarchy
 * has clone_children) and then refuse every process; give the new cgroup
 * its parent's so it is usable at once.
 */
static int v1_init_created(const struct hierarchy *h, int parent_fd, int fd, struct failure *err)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};
	char buf[8];

	if (!strv_contains(h->controllers, "cpuset"))
		return 0;
	if (cg_read_small_at(fd, "cpuset.cpus", buf, sizeof(buf), err) < 0)
		return -1;
	if (buf[0] && buf[0] != '\n')
		return 0;
	unbalance_below_balanced(parent_fd, fd);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		cleanup_free char *value = NULL;

		if (cg_read_at(parent_fd, files[i], CG_VALUE_MAX, &value, NULL, err) < 0 ||
		    cg_write_at(fd, files[i], value, err) < 0)
			return -1;
	}
	return 0;
}

const struct cgroup_backend cgroup_backend_v1 = {
	.name = "v1",
	.delegate_files = v1_delegate_files,
	.is_populated = v1_is_populated,
	.kill = v1_kill,
	.freeze = v1_freeze,
	.enable_controllers = NULL,
	.init_created = v1_init_created,
	.events_file = NULL,
};
