/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's privileges (see privileges.h): one fixed list of the
 * capabilities cgroupfs work on behalf of others needs, everything else
 * dropped from every set at start, and the result read back and compared,
 * so that a drop that silently did less is an error and not a surprise.
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "privileges.h"

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT		 47
#define PR_CAP_AMBIENT_IS_SET	 1
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

static const cap_value_t kept[] = {
	/* mount(2) of every hierarchy in the daemon's private mount namespace. */
	CAP_SYS_ADMIN,
	/* Handing cgroups over: Create for the caller, Chown, OpenSession's delegation. */
	CAP_CHOWN,
	/* chmod(2) of cgroup files the daemon does not own (Chmod on a delegated cgroup). */
	CAP_FOWNER,
	/* mkdir, rmdir and interface-file writes in cgroups delegated to (owned by) users. */
	CAP_DAC_OVERRIDE,
	/* Reading and walking those cgroups, and /proc/<pid> files of other users' processes. */
	CAP_DAC_READ_SEARCH,
	/* Kill on processes of other users, and pidfd signal-0 liveness checks of any peer. */
	CAP_KILL,
	/*
	 * setfsuid/setfsgid around mkdir in Create and OpenSession: the kernel
	 * then gives a user's new cgroup and all its files to the user itself,
	 * instead of one chown per file (dozens on v1).  The daemon's uid stays 0.
	 */
	CAP_SETUID,
	CAP_SETGID,
	/*
	 * Moving a process into a v1 cpuset: the kernel refuses a target that
	 * holds capabilities the mover lacks (a login's fully privileged
	 * session leader) unless the mover has CAP_SYS_NICE.
	 */
	CAP_SYS_NICE,
	/* /proc/<pid>/ns files and the id maps of other users' processes pass a ptrace access check. */
	CAP_SYS_PTRACE,
};
#define N_KEPT (sizeof(kept) / sizeof(kept[0]))

static bool is_kept(cap_value_t cap)
{
	for (size_t i = 0; i < N_KEPT; i++)
		if (kept[i] == cap)
			return true;
	return false;
}

static int fail_cap(struct failure *err, int errnum, const char *what, cap_value_t cap)
{
	char *name = cap_to_name(cap);
	int r = fail_errno(err, errnum, "%s %s", what, name ? name : "a capability");

	cap_free(name);
	return r;
}

/* Every kept capability must be permitted now: nothing can add one later. */
static int check_permitted(cap_t now, struct failure *err)
{
	cap_flag_value_t v;

	for (size_t i = 0; i < N_KEPT; i++)
		if (cap_get_flag(now, kept[i], CAP_PERMITTED, &v) < 0 || v != CAP_SET)
			return fail_cap(err, EPERM, "cgmd needs", kept[i]);
	return 0;
}

/* The sets as they are after the drop, compared with what was asked (bubblewrap's re-check). */
static int verify(cap_t want, struct failure *err)
{
	cap_t now = cap_get_proc();
	int diff;

	if (!now)
		return fail_errno(err, errno, "cannot read the capabilities back");
	diff = cap_compare(now, want);
	cap_free(now);
	if (diff != 0)
		return fail_errno(err, EPERM, "capabilities differ from the ones set");
	for (cap_value_t cap = 0; CAP_IS_SUPPORTED(cap); cap++) {
		if (cap_get_bound(cap) != (is_kept(cap) ? 1 : 0))
			return fail_cap(err, EPERM, "bounding set still wrong for", cap);
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_IS_SET, cap, 0, 0) > 0)
			return fail_cap(err, EPERM, "ambient set still holds", cap);
	}
	return 0;
}

int privileges_drop(struct failure *err)
{
	cap_t now, want;
	int r = -1;

	now = cap_get_proc();
	if (!now)
		return fail_errno(err, errno, "cannot read the daemon's capabilities");
	r = check_permitted(now, err);
	cap_free(now);
	if (r < 0)
		return -1;

	/*
	 * The bounding set first: dropping from it needs CAP_SETPCAP, which
	 * the last step gives up (so a second call finds nothing to drop).
	 */
	for (cap_value_t cap = 0; CAP_IS_SUPPORTED(cap); cap++)
		if (!is_kept(cap) && cap_get_bound(cap) == 1 && cap_drop_bound(cap) < 0)
			return fail_cap(err, errno, "cannot drop from the bounding set", cap);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return fail_errno(err, errno, "cannot clear the ambient capabilities");
	/*
	 * The daemon never executes anything.  No-new-privs makes sure that
	 * whatever might one day (a library's helper, a later change) gains
	 * nothing from set-id or file-capability binaries; it costs nothing.
	 */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return fail_errno(err, errno, "cannot set no_new_privs");

	want = cap_init();
	if (!want)
		return fail_errno(err, errno, "cannot build the capability set");
	if (cap_set_flag(want, CAP_PERMITTED, N_KEPT, kept, CAP_SET) < 0 ||
	    cap_set_flag(want, CAP_EFFECTIVE, N_KEPT, kept, CAP_SET) < 0)
		r = fail_errno(err, errno, "cannot build the capability set");
	else if (cap_set_proc(want) < 0)
		r = fail_errno(err, errno, "cannot drop capabilities");
	else
		r = verify(want, err);
	cap_free(want);
	return r;
}
