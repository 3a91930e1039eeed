/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Inside the cgroup layer: the backend vtable that cgroup-v1.c and
 * cgroup-v2.c fill with only what really differs between the two cgroup
 * versions, and the shared helpers (file reads and writes beneath a dir fd,
 * tree walks, string vectors) that cgroup.c implements once for both
 * backends and for hierarchy.c.  Nothing outside cgroup*.c and hierarchy.c
 * includes this header.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include "failure.h"
#include "hierarchy.h"

struct cgroup_backend {
	const char *name; /* "v1" / "v2", for logs */
	/* The files cg_delegate hands over besides the directory (NULL-terminated). */
	char *const *(*delegate_files)(const struct hierarchy_set *set);
	/* 1 when the cgroup `fd` or anything below it holds processes, 0 when not. */
	int (*is_populated)(const struct hierarchy *h, int fd, struct failure *err);
	int (*kill)(const struct hierarchy *h, int fd, int sig, struct failure *err);
	int (*freeze)(const struct hierarchy *h, int fd, bool frozen, struct failure *err);
	/*
	 * Makes the controllers available in cgroup `fd` available to its
	 * children too (v2 cgroup.subtree_control); NULL where every child has
	 * every controller of its hierarchy anyway (v1).
	 */
	int (*enable_controllers)(const struct hierarchy *h, int fd, struct failure *err);
	/* Makes a freshly created cgroup usable (v1 cpuset); NULL when nothing is needed. */
	int (*init_created)(const struct hierarchy *h, int parent_fd, int fd, struct failure *err);
	/*
	 * The file whose IN_MODIFY tells that the cgroup's population changed
	 * (v2 "cgroup.events"); NULL when the kernel has none and
	 * remove-on-empty falls back to a periodic sweep (v1).
	 */
	const char *events_file;
};

/* How long freeze waits for every process to stop before saying it did not. */
#define CG_FREEZE_WAIT_MS 2000

extern const struct cgroup_backend cgroup_backend_v1;
extern const struct cgroup_backend cgroup_backend_v2;

/* --- cleanup helpers ------------------------------------------------------ */

static inline void cg_freep(void *p)
{
	free(*(void **)p);
}
static inline void cg_closep(const int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define cleanup_free  __attribute__((cleanup(cg_freep)))
#define cleanup_close __attribute__((cleanup(cg_closep)))

/* Returns *fd and sets it to -1, so a cleanup_close variable can hand its fd on. */
static inline int cg_take_fd(int *fd)
{
	int r = *fd;

	*fd = -1;
	return r;
}

/* --- files beneath a dir fd ----------------------------------------------- */

/*
 * Reads interface file `file` of cgroup `dirfd` (O_NOFOLLOW) into a
 * NUL-terminated malloc'd buffer.  More than `max` bytes is
 * FAIL_INVALID_VALUE.  ret_len may be NULL.
 */
int cg_read_at(int dirfd, const char *file, size_t max, char **ret, size_t *ret_len, struct failure *err);

/*
 * Reads at most size-1 bytes of a small interface file (cgroup.events,
 * freezer.state...) with one open/read/close into buf, NUL-terminated.
 * Returns the length.
 */
ssize_t cg_read_small_at(int dirfd, const char *file, char *buf, size_t size, struct failure *err);

/* Writes `value` to interface file `file` of cgroup `dirfd` in one write(2), as cgroupfs needs. */
int cg_write_at(int dirfd, const char *file, const char *value, struct failure *err);

/*
 * The path of `fd` for messages: "<hierarchy>:/<path>" inside one of the
 * daemon's mounts (see cg_name_mount), else as the kernel names it; "?"
 * when unknown.  cg_fd_realpath is always the kernel's name (readlink of
 * /proc/self/fd/N).
 */
const char *cg_fd_path(int fd, char *buf, size_t size);
const char *cg_fd_realpath(int fd, char *buf, size_t size);
/* Registers / forgets the hierarchy name messages give paths below mount_path. */
void cg_name_mount(const char *mount_path, const char *name);
void cg_unname_mount(const char *mount_path);
#define CG_PATH_BUF 4096

/* The value of `key` in a "key value" list such as cgroup.events, or -1 when absent. */
long cg_keyed_value(const char *text, const char *key);

/* --- walks ---------------------------------------------------------------- */

/*
 * Calls visit(parent_fd, name, fd, data, err) for every cgroup strictly
 * below `fd` (fds are readable directory fds), parents first, or children
 * first when `children_first`.  A negative return fails the walk; a
 * positive one stops it and is returned; cgroups removed meanwhile are
 * skipped.
 */
typedef int (*cg_visit_fn)(int parent_fd, const char *name, int fd, void *data, struct failure *err);
int cg_walk(int fd, bool children_first, cg_visit_fn visit, void *data, struct failure *err);

/* Pids listed in cgroup.procs of `fd` appended to *pids (n, cap). */
int cg_read_pids(int fd, pid_t **pids, size_t *n, size_t *cap, struct failure *err);

/* Signals every process in the cgroup and below by walking cgroup.procs (v1, and v2 without cgroup.kill). */
int cg_kill_walk(int fd, int sig, struct failure *err);

/* --- string vectors (NULL-terminated) ------------------------------------- */

bool strv_contains(char *const *v, const char *s);
/* Appends a copy of s unless already present; -1 on allocation failure. */
int strv_add(char ***v, const char *s);
void strv_free(char **v);
