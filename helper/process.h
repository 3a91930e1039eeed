/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Processes as a caller names them: pids given by a client are numbers of
 * the caller's pid namespace, pids the daemon reports must be too, and a
 * pidfd names one process whatever the namespaces.  Everything here reads
 * /proc (the daemon's view) and trusts nothing the client sent.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "caller.h"
#include "failure.h"

/* How one caller's pid namespace sees pids; learnt on first use. */
struct pidview {
	const struct caller *c;
	bool known;
	bool same;	/* the caller is in the daemon's pid namespace */
	size_t level;	/* else: its depth below the daemon's */
	struct stat ns; /* ... and its namespace's inode */
};

/* Pid `pid` of the daemon's namespace as the caller sees it; 0 when the caller cannot see it. */
pid_t pidview_to_caller(struct pidview *pv, pid_t pid);

/*
 * The process the caller calls `pid`, as a daemon pid in *ret.  Refuses
 * pids <= 0, processes the caller cannot see (FAIL_NOT_FOUND) and the
 * daemon itself.
 */
int pidview_from_caller(struct pidview *pv, int32_t pid, pid_t *ret, struct failure *err);

/* The real uid of process `pid` (FAIL_NOT_FOUND once it is gone). */
int process_uid(pid_t pid, uid_t *ret_uid, struct failure *err);

/* The effective uid and gid of process `pid`, what SO_PEERCRED reports of a peer. */
int process_effective_ids(pid_t pid, uid_t *ret_uid, gid_t *ret_gid, struct failure *err);

/*
 * The daemon pid of the process `pidfd` refers to, from its fdinfo:
 * FAIL_INVALID_VALUE when the descriptor is not a pidfd, FAIL_NOT_FOUND
 * once the process is gone.
 */
int pidfd_read_pid(int pidfd, pid_t *ret, struct failure *err);

/* pidfd_read_pid, refusing the daemon itself: for pidfds sent by clients. */
int pid_from_pidfd(int pidfd, pid_t *ret, struct failure *err);

/*
 * 0 while the process `pidfd` pins (pid `pid`, for messages) is alive,
 * FAIL_NOT_FOUND once it has exited.
 */
int pidfd_still_alive(int pidfd, pid_t pid, struct failure *err);
