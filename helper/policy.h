/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every permission decision of the daemon (DESIGN.md §3), as pure functions
 * of (caller, target): no I/O, no globals, so unit tests drive them without
 * a socket.  The D-Bus layer gathers the facts (cg_stat, /proc) and asks here.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "caller.h"
#include "failure.h"

/* uid 0 in the initial user and pid namespaces. */
bool policy_is_host_root(const struct caller *c);

/*
 * Owner/group/other check the kernel would make for the caller on an inode
 * with (owner, group, mode), supplementary groups included; `mask` is any
 * of R_OK, W_OK, X_OK.  Host root passes; root in a user namespace passes
 * where `owner` is mapped in its namespace.  On refusal fills err with
 * FAIL_PERMISSION_DENIED naming `what`.
 */
int policy_check_access(const struct caller *c, uid_t owner, gid_t group, mode_t mode, int mask, const char *what,
			struct failure *err);

/*
 * Chmod: as chmod(2), only the owner of the inode (host root passes; root
 * in a user namespace passes where `owner` is mapped in it).  On refusal
 * fills err with FAIL_PERMISSION_DENIED naming `what` and its owner.
 */
int policy_check_owner(const struct caller *c, uid_t owner, const char *what, struct failure *err);

/* The …Abs methods and OpenSession: host root only. */
int policy_check_host_root(const struct caller *c, const char *method, struct failure *err);

/* Chown to uid/gid: host root, or namespace root to ids mapped in its namespace. */
int policy_check_chown(const struct caller *c, uid_t uid, gid_t gid, struct failure *err);

/*
 * Whether the caller may move / signal a process owned by `target_uid`:
 * same uid, host root, or namespace root over a mapped uid.
 */
int policy_check_process(const struct caller *c, pid_t target_pid, uid_t target_uid, struct failure *err);

/*
 * SetValue key check: tasks, cgroup.procs, cgroup.threads, release_agent,
 * notify_on_release are refused (FAIL_INVALID_KEY) — use the move methods.
 */
int policy_check_settable_key(const char *key, struct failure *err);
