/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who is asking: the identity of a connected client as the kernel reports
 * it (SO_PEERCRED, SO_PEERGROUPS, SO_PEERPIDFD), never as the message says.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "failure.h"

/* One line of /proc/<pid>/uid_map: ids [inside, inside+count) map to [outside, outside+count). */
struct idmap_range {
	uint32_t inside;
	uint32_t outside;
	uint32_t count;
};

struct idmap {
	struct idmap_range *ranges;
	size_t n;
};

struct caller {
	pid_t pid; /* in the daemon's pid namespace */
	uid_t uid; /* as the daemon's user namespace sees it */
	gid_t gid;
	gid_t *groups; /* supplementary groups, daemon's view */
	size_t ngroups;
	/*
	 * Pins the peer process while it is identified (-1 where the kernel
	 * has no SO_PEERPIDFD: start_time then); closed once cgroup_fd holds.
	 */
	int pidfd;
	/*
	 * /proc/<pid>/cgroup, opened while the pin held and the pin from then
	 * on: every request reads the caller's cgroups from it anew
	 * (hierarchies_cgroups_at, or hierarchies_cgroups_again, which parses
	 * only a text that changed), which also says whether the process is
	 * still there (ESRCH once reaped), in one system call.
	 */
	int cgroup_fd;
	unsigned long long
		start_time; /* without a pidfd: the peer's start time (/proc/<pid>/stat), to tell a recycled pid */
	bool init_userns;   /* same user namespace as the daemon */
	bool init_pidns;    /* same pid namespace as the daemon */
	dev_t userns_dev;   /* the caller's user namespace (inode of /proc/<pid>/ns/user), to compare two callers' */
	ino_t userns_ino;
	uid_t ns_uid; /* the caller's uid inside its own user namespace (0: namespace root; -1: unmapped) */
	/*
	 * The caller's user namespace maps, in the daemon's ids; empty when
	 * init_userns, and also when the caller's namespace is not below the
	 * daemon's (then nothing is mapped for it and it is root over nothing).
	 */
	struct idmap uid_map;
	struct idmap gid_map;
};

/*
 * Fills *ret from the connected Unix socket `fd`: credentials from the
 * kernel, then the caller's user and pid namespace from /proc/<pid>/, then
 * re-checks through the pidfd that the process read is still the peer.
 * On failure *ret is left cleared (caller_clear is harmless on it); a peer
 * that is gone is FAIL_NOT_FOUND, one outside the daemon's pid namespace
 * FAIL_PERMISSION_DENIED.
 */
int caller_from_socket(int fd, struct caller *ret, struct failure *err);

/*
 * Fills *ret for the process the kernel named in an SCM_CREDENTIALS
 * message (…Scm methods): `pid`, `uid` and `gid` as the kernel translated
 * them into the daemon's namespaces, and `pidfd` (taken over; -1 to open
 * one here) pinning that process.  No supplementary groups: the message
 * carries none.  Namespaces as for caller_from_socket; a process that is
 * gone is FAIL_NOT_FOUND.
 */
int caller_from_creds(pid_t pid, uid_t uid, gid_t gid, int pidfd, struct caller *ret, struct failure *err);

/*
 * 0 while the pinned peer process is alive, FAIL_NOT_FOUND once it is gone
 * (pid may be reused): by its pidfd, else its held cgroup file, else its
 * start time.
 */
int caller_still_alive(const struct caller *c, struct failure *err);

/*
 * Where pidfd_open is missing (Linux before 5.3; valgrind): pins process
 * `pid` by its start time in *ret, for caller_still_alive.  Free nothing.
 */
int caller_pin_by_start_time(pid_t pid, struct caller *ret, struct failure *err);

/* An empty caller: nothing held, no fd open. */
#define CALLER_EMPTY ((struct caller){.pidfd = -1, .cgroup_fd = -1, .ns_uid = (uid_t)-1})

/* Frees and closes what *c holds and leaves it cleared (fds -1); calling it twice is harmless. */
void caller_clear(struct caller *c);

/*
 * Parses the text of a uid_map/gid_map file ("inside outside count" lines).
 * Pure; for unit tests and caller.c.  -EINVAL on anything the kernel would
 * not write (a zero count, a range past 2^32, stray characters), -ENOMEM.
 */
int idmap_parse(const char *text, struct idmap *ret);
void idmap_clear(struct idmap *m);

/* Whether host id `outside` is mapped in `m`; stores the inside id in *ret_inside when not NULL. */
bool idmap_contains(const struct idmap *m, uint32_t outside, uint32_t *ret_inside);
