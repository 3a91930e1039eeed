/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's permission rules (DESIGN.md §3) as pure functions of the
 * caller and the facts about the target that the D-Bus layer gathered.
 * Every refusal is FAIL_PERMISSION_DENIED (or FAIL_INVALID_KEY) with a
 * message saying what was refused and which rule refused it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"

bool policy_is_host_root(const struct caller *c)
{
	return c->uid == 0 && c->init_userns && c->init_pidns;
}

/* uid 0 inside a user namespace of its own (below the daemon's: caller.c leaves the maps empty otherwise). */
static bool is_ns_root(const struct caller *c)
{
	return !c->init_userns && c->ns_uid == 0;
}

/* Root in a user namespace acts for every host uid mapped in it, and for no other. */
static bool ns_root_over_uid(const struct caller *c, uid_t uid)
{
	return is_ns_root(c) && idmap_contains(&c->uid_map, uid, NULL);
}

static bool in_group(const struct caller *c, gid_t gid)
{
	if (c->gid == gid)
		return true;
	for (size_t i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

/* "read", "write and search", ... for a message. */
static const char *access_words(int mask, mode_t mode, char *buf, size_t size)
{
	const char *words[3];
	size_t n = 0, o = 0;

	if (mask & R_OK)
		words[n++] = "read";
	if (mask & W_OK)
		words[n++] = "write";
	if (mask & X_OK)
		words[n++] = S_ISDIR(mode) ? "search" : "execute";
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(buf + o, size - o, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ", words[i]);
	return buf;
}

int policy_check_access(const struct caller *c, uid_t owner, gid_t group, mode_t mode, int mask, const char *what,
			struct failure *err)
{
	char words[32], why[128];
	mode_t bits;

	mask &= R_OK | W_OK | X_OK;
	if (policy_is_host_root(c) || ns_root_over_uid(c, owner))
		return 0;
	/* As the kernel: the first class that matches decides, even when a later one would allow more. */
	if (c->uid == owner) {
		bits = (mode >> 6) & 7;
		snprintf(why, sizeof(why), "its owner's bits do not allow it");
	} else if (in_group(c, group)) {
		bits = (mode >> 3) & 7;
		snprintf(why, sizeof(why), "uid %u is in group %u, whose bits do not allow it", (unsigned)c->uid,
			 (unsigned)group);
	} else {
		bits = mode & 7;
		snprintf(why, sizeof(why), "uid %u is neither its owner nor in group %u", (unsigned)c->uid,
			 (unsigned)group);
	}
	if (((int)bits & mask) == mask)
		return 0;
	return failf(err, FAIL_PERMISSION_DENIED, "uid %u may not %s %s: owned by uid %u gid %u, mode %04o; %s%s",
		     (unsigned)c->uid, access_words(mask, mode, words, sizeof(words)), what, (unsigned)owner,
		     (unsigned)group, (unsigned)(mode & 07777), why,
		     is_ns_root(c) ? ", and its owner is not mapped in your user namespace" : "");
}

int policy_check_owner(const struct caller *c, uid_t owner, const char *what, struct failure *err)
{
	if (policy_is_host_root(c) || ns_root_over_uid(c, owner) || c->uid == owner)
		return 0;
	return failf(err, FAIL_PERMISSION_DENIED, "uid %u may not change the mode of %s: only its owner, uid %u, may%s",
		     (unsigned)c->uid, what, (unsigned)owner,
		     is_ns_root(c) ? " (and that uid is not mapped in your user namespace)" : "");
}

int policy_check_host_root(const struct caller *c, const char *method, struct failure *err)
{
	if (policy_is_host_root(c))
		return 0;
	return failf(err, FAIL_PERMISSION_DENIED,
		     "%s is for host root only (uid 0 in the daemon's user and pid namespaces); you are uid %u%s%s",
		     method, (unsigned)c->uid, c->init_userns ? "" : " in another user namespace",
		     c->init_pidns ? "" : " in another pid namespace");
}

int policy_check_chown(const struct caller *c, uid_t uid, gid_t gid, struct failure *err)
{
	if (policy_is_host_root(c))
		return 0;
	if (!is_ns_root(c))
		return failf(err, FAIL_PERMISSION_DENIED,
			     "uid %u may not hand a cgroup to uid %u gid %u: only host root, or root in a user "
			     "namespace for ids mapped in it, may chown",
			     (unsigned)c->uid, (unsigned)uid, (unsigned)gid);
	if (!idmap_contains(&c->uid_map, uid, NULL))
		return failf(err, FAIL_PERMISSION_DENIED,
			     "may not hand a cgroup to uid %u: it is not mapped in your user namespace", (unsigned)uid);
	if (!idmap_contains(&c->gid_map, gid, NULL))
		return failf(err, FAIL_PERMISSION_DENIED,
			     "may not hand a cgroup to gid %u: it is not mapped in your user namespace", (unsigned)gid);
	return 0;
}

int policy_check_process(const struct caller *c, pid_t target_pid, uid_t target_uid, struct failure *err)
{
	if (c->uid == target_uid || policy_is_host_root(c) || ns_root_over_uid(c, target_uid))
		return 0;
	return failf(err, FAIL_PERMISSION_DENIED, "uid %u may not move or signal process %d: it belongs to uid %u%s",
		     (unsigned)c->uid, (int)target_pid, (unsigned)target_uid,
		     is_ns_root(c) ? ", which is not mapped in your user namespace" : "");
}

int policy_check_settable_key(const char *key, struct failure *err)
{
	static const struct {
		const char *key;
		const char *instead;
	} refused[] = {
		{"tasks", "the move methods (MovePid, MovePidfd)"},
		{"cgroup.procs", "the move methods (MovePid, MovePidfd)"},
		{"cgroup.threads", "the move methods (MovePid, MovePidfd)"},
		{"release_agent", "RemoveOnEmpty: release agents run as host root and are the daemon's"},
		{"notify_on_release", "RemoveOnEmpty: release agents run as host root and are the daemon's"},
	};

	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strcmp(key, refused[i].key) == 0)
			return failf(err, FAIL_INVALID_KEY, "%s cannot be set with SetValue; use %s", key,
				     refused[i].instead);
	return 0;
}
