/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The set of cgroup hierarchies the daemon manages: discovered once at start
 * from /proc/self/cgroup, /proc/cgroups and /proc/self/mountinfo, mounted in
 * the daemon's private mount namespace, and kept open as directory fds.
 * Names follow DESIGN.md §1: a v1 hierarchy is named by its controller set
 * as the kernel shows it ("memory", "cpu,cpuacct", "name=systemd"), the v2
 * hierarchy is "unified".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "failure.h"

struct cgroup_backend;

struct hierarchy {
	char *name;	    /* DESIGN.md §1 name */
	char **controllers; /* NULL-terminated; v1: its controllers; v2: those in cgroup.controllers of its root */
	bool unified;	    /* cgroup v2 */
	int kernel_id;	    /* first field of /proc/<pid>/cgroup lines (0 for v2) */
	int root_fd;	    /* O_PATH|O_DIRECTORY fd of the managed root: the mount's top, or --root's cgroup */
	char *root;	    /* the managed root as a path from the top of the hierarchy; NULL: the top */
	char *mount_path;   /* the managed root in the daemon's mount namespace (for logs and marks) */
	char *mount_data;   /* mount(2) data: v1 its controller set / name=; v2 the host's superblock options */
	const struct cgroup_backend *backend;
};

struct hierarchy_set {
	struct hierarchy *items;
	size_t n;
	char **reserved_prefixes; /* NULL-terminated: "cgroup" and every controller in /proc/cgroups */
	char **delegate_files;	  /* NULL-terminated: /sys/kernel/cgroup/delegate, or the documented default */
};

/*
 * Discovers the hierarchies this process is in: every v1 hierarchy listed
 * in /proc/self/cgroup, and the v2 one when the host has cgroup2 mounted
 * (or has no v1 hierarchy at all).  `only` and `skip` are comma-separated
 * hierarchy or controller names (or NULL), matched as hierarchies_select
 * does: when `only` is set just those are kept (an unknown name fails with
 * FAIL_UNKNOWN_HIERARCHY); `skip` removes names (unknown ones are ignored).
 * Fills reserved_prefixes and delegate_files.  Does not mount anything;
 * root_fd is -1 until hierarchies_mount.
 */
int hierarchies_discover(struct hierarchy_set *ret, const char *only, const char *skip, struct failure *err);

/*
 * Confines every hierarchy of `set` to a subtree, before hierarchies_mount:
 * `spec` NULL leaves them whole; "auto" takes, in each hierarchy, the
 * cgroup this process is in now (under systemd with Delegate=yes: the
 * unit's delegated cgroup); else `spec` is one absolute cgroup path used in
 * every hierarchy.  A root of "/" is the whole hierarchy.  Paths from
 * /proc/<pid>/cgroup are then read relative to the root, and the root is
 * all the daemon can reach (see hierarchies_pid_cgroups).
 */
int hierarchies_set_roots(struct hierarchy_set *set, const char *spec, struct failure *err);

/*
 * Mounts every hierarchy of `set` below `mount_root` (created if missing;
 * one directory per hierarchy, named as the hierarchy) and fills in
 * root_fd and mount_path; for v2 also `controllers` (and adds them to
 * reserved_prefixes).  Must run after the daemon has unshared its mount
 * namespace and made "/" private.  A v1 hierarchy is mounted only when
 * /proc/cgroups shows every one of its controllers already bound to it, so
 * that the mount reuses the existing hierarchy and never takes a
 * controller away from v2.
 */
int hierarchies_mount(struct hierarchy_set *set, const char *mount_root, struct failure *err);

/*
 * Parses a hierarchy spec ("all", one name, or a comma-separated list) into
 * indices of `set`.  `ret_idx` has room for set->n entries; duplicates are
 * folded.  An unknown name fails with FAIL_UNKNOWN_HIERARCHY naming it.
 * A bare controller name also selects the v1 hierarchy that holds it
 * ("cpu" selects "cpu,cpuacct").
 */
int hierarchies_select(const struct hierarchy_set *set, const char *spec, size_t *ret_idx, size_t *ret_n,
		       struct failure *err);

/*
 * Reads /proc/<pid>/cgroup once and returns, for every hierarchy of `set`,
 * the process's cgroup path relative to that hierarchy's managed root
 * (always starting with "/"): an array of set->n.  Where the process is
 * outside the managed root (possible only with hierarchies_set_roots) the
 * entry is NULL: the daemon cannot name that cgroup.  The array and its
 * strings are one allocation, released with one free(); NULL on failure.
 */
char **hierarchies_pid_cgroups(const struct hierarchy_set *set, pid_t pid, struct failure *err);

/*
 * The same, from `fd`, /proc/<pid>/cgroup opened earlier (read anew at
 * every call): FAIL_NOT_FOUND once the process is reaped.
 */
char **hierarchies_cgroups_at(const struct hierarchy_set *set, int fd, pid_t pid, struct failure *err);

/* A process's cgroups as hierarchies_cgroups_again last read them. */
struct cgroups_seen {
	char **paths; /* NULL until the first read */
	size_t len;   /* of the text they were read from */
};

/*
 * hierarchies_cgroups_at's answer, read anew from `fd` at every call, but
 * parsed only when the text differs from the one `seen` holds: the answer
 * belongs to `seen` (until its next call, or hierarchies_cgroups_forget).
 */
char *const *hierarchies_cgroups_again(const struct hierarchy_set *set, int fd, pid_t pid, struct cgroups_seen *seen,
				       struct failure *err);
void hierarchies_cgroups_forget(struct cgroups_seen *seen);

/* A copy of such an array, one allocation as well; NULL when out of memory. */
char **hierarchies_cgroups_dup(const struct hierarchy_set *set, char *const *paths);

void hierarchies_free(struct hierarchy_set *set);

/* The managed root of `h` as a path from the top of the hierarchy ("/" when it is the top). */
const char *hierarchy_root(const struct hierarchy *h);
