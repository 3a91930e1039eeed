/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup layer: every operation the daemon performs on cgroupfs, behind
 * one interface.  Callers never care whether a hierarchy is v1 or v2; the
 * differences live in cgroup-v1.c and cgroup-v2.c, each filling a
 * `struct cgroup_backend` that cgroup.c calls through.
 *
 * All work is done on directory fds (openat2 RESOLVE_BENEATH|NO_SYMLINKS|
 * NO_MAGICLINKS|NO_XDEV where the kernel has it, else a component-by-
 * component openat(O_NOFOLLOW) walk), never on glued string paths.
 * Permission decisions are NOT made here: the caller (methods.c) asks
 * policy.c first, using cg_stat() results.
 *
 * Return values follow systemd's convention: negative on failure (with
 * `err` filled), 0 or a documented positive value on success.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "failure.h"
#include "hierarchy.h"

/*
 * Opens the cgroup `path` (already checked by cgpath_validate) as an
 * O_PATH|O_DIRECTORY fd.  `base` is where resolution starts, relative to
 * the hierarchy root ("/" for the …Abs methods, else the caller's cgroup);
 * `path` is resolved beneath it, a leading "/" in `path` meaning `base`
 * itself.  No symlink, mount crossing or ".." can leave `base`.
 * Missing: FAIL_NOT_FOUND.
 */
int cg_open(const struct hierarchy *h, const char *base, const char *path, struct failure *err);

/*
 * Interface file `key` (one name, no "/") of the cgroup cg_open would
 * open, opened for reading in one lookup (O_NOFOLLOW).  The cgroup or the
 * file missing: FAIL_NOT_FOUND.
 */
int cg_open_key(const struct hierarchy *h, const char *base, const char *path, const char *key, struct failure *err);

/*
 * The same resolution beneath an already open cgroup directory `dirfd`
 * (e.g. one cg_open returned): returns an O_PATH|O_DIRECTORY fd for `path`
 * ("" or "/" is dirfd itself).  ".." is refused (FAIL_INVALID_PATH), and so
 * is anything that goes through a symlink or crosses a mount.
 */
int cg_open_beneath(int dirfd, const char *path, struct failure *err);

/*
 * cg_open_beneath for one component that may well be missing (a Remove of
 * a cgroup already gone): FAIL_NOT_FOUND then says only "no cgroup NAME",
 * without looking up where dirfd is for the message.
 */
int cg_open_child(int dirfd, const char *name, struct failure *err);

/* For the tests: force (false) or allow (true) the openat2-less fallback walk. */
void cg_resolve_use_openat2(bool use);

/*
 * Like cg_open for the parent of `path`, storing its last component in
 * *ret_name (malloc'd).  Fails with FAIL_INVALID_PATH when `path` names
 * `base` itself (there is no parent inside the view).
 */
int cg_open_parent(const struct hierarchy *h, const char *base, const char *path, char **ret_name, struct failure *err);

/*
 * Creates cgroup `name` under `parent_fd` and hands the new directory and
 * all its files to uid/gid (the creator owns what it creates).  v1 cpuset:
 * the new cgroup is made usable at once (cpuset.cpus/mems inherited).
 * Returns 1 if it was created, 0 if it already existed (then nothing is
 * changed).  A directory fd of the cgroup (usable as a dirfd with every
 * cg_* function) is stored in *ret_fd when ret_fd is not NULL.  If handing
 * over or initialising fails, the new cgroup is removed again.  Creating
 * for uid 0/gid 0 costs no chown; for anyone else the directory is made
 * with setfsuid/setfsgid to uid/gid (needs CAP_SETUID/CAP_SETGID) so that
 * the kernel hands out every file itself, falling back to mkdir as root and
 * a chown per file when uid/gid may not write to the parent.
 */
int cg_create_at(const struct hierarchy *h, int parent_fd, const char *name, uid_t uid, gid_t gid, int *ret_fd,
		 struct failure *err);

/*
 * cg_create_at of `name` below several parents (OpenSession's session, one
 * per hierarchy), switching the filesystem ids once for all the mkdirs
 * (a switch makes new credentials: two pairs per mkdir were a twentieth
 * of a login).  Stops after the first item it did not make: returns how
 * many were tried, or -1 when one failed.  An item has `made` 1 and `fd`
 * its new cgroup only if it was made; the first that was not has `made` 0
 * (it existed; `fd` opens it) or -1 (failed); no cgroup is left half-made.
 */
struct cg_create_item {
	const struct hierarchy *h;
	int parent_fd;
	int fd;	  /* out */
	int made; /* out: 1 made, 0 existed, -1 failed */
};
int cg_create_each(struct cg_create_item *items, size_t n, const char *name, uid_t uid, gid_t gid, struct failure *err);

/*
 * Hands cgroup `fd` to uid/gid: the directory and the delegation files
 * only (v2: set->delegate_files; v1: "tasks", "cgroup.procs"), never the
 * cgroup's own limit files.  Delegation files this cgroup lacks (v2
 * memory.* without the memory controller) are skipped.
 */
int cg_delegate(const struct hierarchy_set *set, const struct hierarchy *h, int fd, uid_t uid, gid_t gid,
		struct failure *err);

/*
 * Lets the children of cgroup `fd` have every controller `fd` has: on v2,
 * enables in its cgroup.subtree_control each controller its
 * cgroup.controllers lists that is not enabled yet, one at a time, so that
 * one the kernel refuses does not keep the others away (the first refusal
 * is returned).  Meant for cgroups that only hold other cgroups: the
 * kernel refuses (FAIL_BUSY) while `fd` holds processes.  Nothing to do on
 * v1.
 */
int cg_enable_controllers(const struct hierarchy *h, int fd, struct failure *err);

/* chmod of the directory (file == "" or NULL) or of interface file `file` inside it; permission bits only. */
int cg_chmod(int fd, const char *file, mode_t mode, struct failure *err);

/* stat of the directory (key == "" or NULL) or of interface file `key` inside it; no symlinks followed. */
int cg_stat(int fd, const char *key, struct stat *ret, struct failure *err);

/* Moves process `pid` (in the daemon's pid namespace) into cgroup `fd`. */
int cg_attach(const struct hierarchy *h, int fd, pid_t pid, struct failure *err);

/*
 * The same in two steps, for a request that needs no other file of the
 * cgroup: cg_open_procs resolves the cgroup as cg_open does and opens its
 * cgroup.procs for writing in the same lookup (an fd that cg_stat and
 * policy checks take like any other); cg_attach_procs moves `pid` in
 * through it.
 */
int cg_open_procs(const struct hierarchy *h, const char *base, const char *path, struct failure *err);
int cg_attach_procs(const struct hierarchy *h, int procs_fd, pid_t pid, struct failure *err);

/*
 * Reads / writes interface file `key` (one name, no "/") of cgroup `fd`.
 * Values are bounded (CG_VALUE_MAX): a longer file or value is
 * FAIL_INVALID_VALUE.  The value read is the file's content as is (with
 * its trailing newline); a write is one write(2).
 */
#define CG_VALUE_MAX (64 * 1024)
int cg_get_attribute(int fd, const char *key, char **ret_value, struct failure *err);
/* Reads the interface file cg_open_key opened as `fd`, within the same bound. */
int cg_read_value(int fd, char **ret_value, struct failure *err);
int cg_set_attribute(int fd, const char *key, const char *value, struct failure *err);

/* Child cgroup names (NULL-terminated, sorted, freed by the caller). */
int cg_list_children(int fd, char ***ret_names, struct failure *err);

/* Pids in the cgroup (and, when recursive, every cgroup below it), daemon pid namespace. */
int cg_list_pids(const struct hierarchy *h, int fd, bool recursive, pid_t **ret_pids, size_t *ret_n,
		 struct failure *err);

struct cg_key {
	char *name;
	uid_t uid;
	gid_t gid;
	mode_t mode; /* permission bits only */
};
/* Interface files of the cgroup (regular files only), sorted by name. */
int cg_list_keys(int fd, struct cg_key **ret_keys, size_t *ret_n, struct failure *err);
void cg_keys_free(struct cg_key *keys, size_t n);

/* Whether the cgroup or anything below it holds processes: 1 yes, 0 no. */
int cg_is_populated(const struct hierarchy *h, int fd, struct failure *err);

/*
 * Removes cgroup `name` under `parent_fd`.  Recursive removes empty
 * descendants first; a cgroup that holds processes anywhere is FAIL_BUSY
 * and nothing is removed (checked before anything is removed; a process
 * moved in meanwhile can still stop the removal half-way).  Without
 * recursive, a cgroup with children is FAIL_BUSY.  Returns 1 if removed, 0
 * if it did not exist.
 */
int cg_remove_at(const struct hierarchy *h, int parent_fd, const char *name, bool recursive, struct failure *err);

/* Removes every empty cgroup below `fd` (not `fd` itself); cgroups in use are left alone. */
int cg_prune(const struct hierarchy *h, int fd, struct failure *err);

/*
 * Sends `sig` to every process in the cgroup and below (v2: cgroup.kill for
 * SIGKILL; otherwise a walk, repeated for SIGKILL to catch forks).  A
 * hierarchy's root cgroup is refused (FAIL_PERMISSION_DENIED).
 */
int cg_kill(const struct hierarchy *h, int fd, int sig, struct failure *err);

/*
 * Freezes or thaws the cgroup: v2 cgroup.freeze; v1 only on the hierarchy
 * holding the freezer controller (FAIL_UNKNOWN_HIERARCHY elsewhere).
 * Returns once the kernel reports the cgroup frozen (or thawed), waiting at
 * most 2 s (then FAIL_BUSY).  The root cgroup is refused.
 */
int cg_freeze(const struct hierarchy *h, int fd, bool frozen, struct failure *err);

/*
 * Remove-on-empty.  The daemon's main loop polls cg_watch_fd() for input
 * with cg_watch_timeout_ms() as its timeout, and calls cg_watch_dispatch()
 * when the fd is readable or the timeout expired.  A marked cgroup is
 * removed once it has held processes and holds none any more, and has no
 * children: v2 through inotify (IN_MODIFY) on its cgroup.events; v1 at
 * once when a v2 cgroup marked in the same request (cg_watch_new_request:
 * the same OpenSession, on a hybrid host) goes away, and by a sweep every
 * 2 s while no such v2 mark is left to tell.  A mark made before the
 * cgroup's first process waits for it: cg_attach arms it, and so does a
 * v2 event or a v1 sweep that finds the cgroup populated.  A mark costs no
 * file descriptor; marking twice is harmless.  An
 * armed mark is also kept on the cgroup (an extended attribute naming
 * `owner`), and cg_watch_recover, at start-up, takes over the marks a
 * previous daemon with the same owner (socket) left: it removes those
 * cgroups that are empty now and watches the others.  cg_mark_sessions
 * records on a user cgroup that its numbered children are sessions, so
 * that cg_watch_recover takes them as marked too: a session made just
 * before a daemon was killed, before it was marked, is not left behind
 * (and a session needs no mark of its own on disk).  `st` is the user
 * cgroup's stat when the caller has it, NULL to take it here.
 * cg_remove_on_empty calls cg_watch_init itself when needed.
 */
int cg_watch_init(struct failure *err);
int cg_watch_recover(const struct hierarchy_set *set, const char *owner, struct failure *err);
void cg_mark_sessions(const struct hierarchy *h, int fd, const struct stat *st);
int cg_watch_fd(void);
/* cg_remove_on_empty's flags. */
enum {
	CG_MARK_FILLED = 1,  /* a process was moved in just now: the mark is armed without looking */
	CG_MARK_SESSION = 2, /* a login's session: once no process is left below it, the empty cgroups the
				user made in it go with it */
};
/*
 * `path` is the cgroup's path below h's managed root as the kernel names it
 * (no leading, trailing or doubled "/", no "." or ".."), when the caller
 * knows it from having just made the cgroup there; NULL reads it from `fd`
 * (a readlink of its /proc/self/fd link, about 3 us).
 */
int cg_remove_on_empty(const struct hierarchy *h, int fd, const char *path, unsigned flags, struct failure *err);
void cg_watch_dispatch(void);
/* The marks made from now on belong to one request: its v1 marks follow its v2 one. */
void cg_watch_new_request(void);
/* Milliseconds until the next sweep is due (-1: none); the loop calls cg_watch_dispatch() then. */
int cg_watch_timeout_ms(void);
void cg_watch_done(void);
