/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of policy.c and of the id-map parsing it relies on: the
 * DESIGN.md §3 matrix (host root, owner, group through supplementary
 * groups, other, namespace root over mapped and unmapped owners, chown,
 * process ownership, settable keys) on callers built by hand.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "tap.h"

static void test_idmap(void)
{
	struct idmap m = {0};
	uint32_t in = 0;

	is_int(idmap_parse("         0       1001          1\n         1     100000      65536\n", &m), 0,
	       "two-line map parses");
	is_int(m.n, 2, "two ranges");
	ok(m.n == 2 && m.ranges[1].inside == 1 && m.ranges[1].outside == 100000 && m.ranges[1].count == 65536,
	   "second range read");
	ok(idmap_contains(&m, 1001, &in) && in == 0, "1001 maps to 0");
	ok(idmap_contains(&m, 100000, &in) && in == 1, "100000 maps to 1");
	ok(idmap_contains(&m, 165535, &in) && in == 65536, "last id of the range maps");
	ok(!idmap_contains(&m, 165536, NULL), "one past the range is unmapped");
	ok(!idmap_contains(&m, 0, NULL), "host root is unmapped");
	idmap_clear(&m);
	ok(m.n == 0 && m.ranges == NULL, "idmap_clear empties");

	is_int(idmap_parse("0 0 4294967295\n", &m), 0, "the initial namespace's map parses");
	ok(idmap_contains(&m, 4294967294u, &in) && in == 4294967294u, "whole range maps");
	idmap_clear(&m);
	is_int(idmap_parse("", &m), 0, "empty map parses");
	is_int(m.n, 0, "empty map has no ranges");
	is_int(idmap_parse("0 1000 1", &m), 0, "map without final newline parses");
	idmap_clear(&m);

	static const char *const bad[] = {
		"0 1000\n",	    "0 1000 0\n",	"0 1000 1 7\n",	 "a b c\n",
		"-1 1000 1\n",	    "0 1000 1\n\n",	"0 +1000 1\n",	 "0 0x10 1\n",
		"0 4294967295 2\n", "4294967296 0 1\n", "0 1000 1\nx\n", "1 4294967295 1\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		is_int(idmap_parse(bad[i], &m), -EINVAL, "bad map #%zu refused", i);
		ok(m.n == 0 && m.ranges == NULL, "bad map #%zu leaves nothing", i);
	}
}

static gid_t groups_1001[] = {1001, 50};

/* Callers: host root, users 1001/1002/1003, root in a userns mapping 100000..165535 (and 1001 as 0). */
static struct idmap_range ns_uids[] = {{0, 1001, 1}, {1, 100000, 65536}};
static struct idmap_range ns_gids[] = {{0, 1002, 1}, {1, 100000, 65536}};

static struct caller mk(uid_t uid, gid_t gid, bool init_userns, bool init_pidns, uid_t ns_uid)
{
	struct caller c = {.pid = 4242,
			   .uid = uid,
			   .gid = gid,
			   .pidfd = -1,
			   .init_userns = init_userns,
			   .init_pidns = init_pidns,
			   .ns_uid = ns_uid};

	if (uid == 1001) {
		c.groups = groups_1001;
		c.ngroups = 2;
	}
	if (!init_userns) {
		c.uid_map = (struct idmap){ns_uids, 2};
		c.gid_map = (struct idmap){ns_gids, 2};
	}
	return c;
}

/* The cast of callers every test below uses (set up by main). */
static struct caller root, u1, u3, nsroot, nsuser, root_pidns, root_userns;

#define ACCESS_OK(c, o, g, m, mask, desc)                                                                              \
	do {                                                                                                           \
		struct failure e_ = {0};                                                                               \
		int r_ = policy_check_access(&(c), o, g, m, mask, "x", &e_);                                           \
		ok(r_ == 0, "%s%s%s", desc, r_ ? ": " : "", r_ ? e_.message : "");                                     \
	} while (0)
#define ACCESS_NO(c, o, g, m, mask, desc)                                                                              \
	do {                                                                                                           \
		struct failure e_ = {0};                                                                               \
		int r_ = policy_check_access(&(c), o, g, m, mask, "x", &e_);                                           \
		ok(r_ < 0 && e_.kind == FAIL_PERMISSION_DENIED, "%s refused (%s)", desc, e_.message);                  \
	} while (0)

static void test_access(void)
{
	struct failure err = {0};
	mode_t dir = S_IFDIR | 0755, file = S_IFREG | 0644;

	ok(policy_is_host_root(&root), "uid 0 in both initial namespaces is host root");
	ok(!policy_is_host_root(&root_pidns), "uid 0 in another pid namespace is not host root");
	ok(!policy_is_host_root(&root_userns), "uid 0 in another user namespace is not host root");
	ok(!policy_is_host_root(&u1), "a user is not host root");

	ACCESS_OK(root, 1001, 1001, S_IFREG | 0, R_OK | W_OK, "host root on a mode-0 file");
	ACCESS_OK(u1, 1001, 1001, file, R_OK | W_OK, "owner reads and writes a 0644 file");
	ACCESS_NO(u1, 1001, 1001, S_IFREG | 0444, W_OK, "owner writing a 0444 file");
	ACCESS_NO(u1, 1001, 1001, S_IFREG | 0077, R_OK, "owner reading a 0077 file (owner bits decide)");
	ACCESS_OK(u1, 0, 1001, S_IFREG | 0664, W_OK, "member of the file's group (supplementary) writes 0664");
	ACCESS_OK(u1, 0, 1002, S_IFREG | 0664, W_OK, "primary group writes 0664");
	ACCESS_OK(u1, 0, 50, S_IFREG | 0060, R_OK | W_OK, "second supplementary group");
	ACCESS_NO(u1, 0, 1001, S_IFREG | 0646, W_OK, "group member with 0646 (group bits decide)");
	ACCESS_NO(u3, 0, 1001, S_IFREG | 0664, W_OK, "non-member writing 0664");
	ACCESS_OK(u3, 0, 1001, S_IFREG | 0666, W_OK, "other bits allow 0666");
	ACCESS_OK(u3, 0, 0, dir, R_OK | X_OK, "other reads and searches a 0755 dir");
	ACCESS_NO(u3, 0, 0, dir, W_OK | X_OK, "other creating in a 0755 dir");
	ACCESS_OK(u3, 0, 0, file, 0, "F_OK always passes");
	ACCESS_NO(root_pidns, 1001, 1001, S_IFREG | 0600, R_OK, "uid 0 outside the initial pid ns on a user file");
	ACCESS_OK(root_pidns, 0, 0, S_IFREG | 0600, R_OK | W_OK, "uid 0 outside the initial pid ns as owner");

	ACCESS_OK(nsroot, 100000, 100000, S_IFDIR | 0700, W_OK | X_OK, "ns root on a dir owned by a mapped uid");
	ACCESS_OK(nsroot, 1001, 0, S_IFREG | 0000, W_OK, "ns root on its own host uid's file, mode 0");
	ACCESS_NO(nsroot, 0, 0, file, W_OK, "ns root on a file of host root");
	ACCESS_NO(nsroot, 1003, 1003, file, W_OK, "ns root on an unmapped user's file");
	ACCESS_NO(nsuser, 100000, 100000, S_IFREG | 0644, W_OK, "non-root in a user ns on a mapped owner's file");
	ACCESS_OK(nsuser, 100005, 100005, S_IFREG | 0644, W_OK, "non-root in a user ns on its own file");

	policy_check_access(&u3, 0, 0, S_IFREG | 0644, W_OK, "/foo/cgroup.procs", &err);
	is_str(err.message,
	       "uid 1003 may not write /foo/cgroup.procs: owned by uid 0 gid 0, mode 0644; "
	       "uid 1003 is neither its owner nor in group 0",
	       "refusal says who, what, why");
	policy_check_access(&u3, 0, 0, dir, R_OK | W_OK | X_OK, "d", &err);
	ok(strstr(err.message, "read, write and search d") != NULL, "directory access worded: %s", err.message);
	policy_check_access(&nsroot, 0, 0, file, W_OK, "f", &err);
	ok(strstr(err.message, "not mapped in your user namespace") != NULL, "ns root told why: %s", err.message);
}

static void test_host_root_chown_process(void)
{
	struct failure err = {0};

	is_int(policy_check_host_root(&root, "MovePidAbs", &err), 0, "host root may use …Abs");
	ok(policy_check_host_root(&u1, "MovePidAbs", &err) < 0 && err.kind == FAIL_PERMISSION_DENIED &&
		   strstr(err.message, "MovePidAbs"),
	   "a user may not (%s)", err.message);
	ok(policy_check_host_root(&root_pidns, "OpenSession", &err) < 0 && strstr(err.message, "pid namespace"),
	   "root in another pid ns may not (%s)", err.message);
	ok(policy_check_host_root(&nsroot, "GetPidCgroupAbs", &err) < 0, "namespace root may not");

	is_int(policy_check_chown(&root, 1003, 1003, &err), 0, "host root chowns to anyone");
	ok(policy_check_chown(&u1, 1001, 1001, &err) < 0 && err.kind == FAIL_PERMISSION_DENIED,
	   "a user may not chown, not even to itself (%s)", err.message);
	is_int(policy_check_chown(&nsroot, 100000, 100000, &err), 0, "ns root chowns to mapped ids");
	is_int(policy_check_chown(&nsroot, 1001, 1002, &err), 0, "ns root chowns to its own host ids");
	ok(policy_check_chown(&nsroot, 0, 100000, &err) < 0 && strstr(err.message, "uid 0"),
	   "ns root to unmapped uid refused (%s)", err.message);
	ok(policy_check_chown(&nsroot, 100000, 0, &err) < 0 && strstr(err.message, "gid 0"),
	   "ns root to unmapped gid refused (%s)", err.message);
	ok(policy_check_chown(&nsroot, 1001, 1001, &err) < 0, "ns root: gid map is separate from uid map");
	ok(policy_check_chown(&nsuser, 100005, 100005, &err) < 0, "non-root in a user ns may not chown");
	ok(policy_check_chown(&root_pidns, 1001, 1001, &err) < 0, "root in another pid ns may not chown");

	is_int(policy_check_process(&u1, 77, 1001, &err), 0, "own process");
	ok(policy_check_process(&u1, 77, 1003, &err) < 0 && err.kind == FAIL_PERMISSION_DENIED &&
		   strstr(err.message, "process 77"),
	   "another user's process refused (%s)", err.message);
	is_int(policy_check_process(&root, 77, 1003, &err), 0, "host root: anyone's process");
	is_int(policy_check_process(&nsroot, 77, 100007, &err), 0, "ns root: process of a mapped uid");
	ok(policy_check_process(&nsroot, 77, 0, &err) < 0, "ns root: host root's process refused");
	ok(policy_check_process(&nsuser, 77, 100000, &err) < 0, "non-root in a user ns: other mapped uid refused");
	ok(policy_check_process(&root_pidns, 77, 1001, &err) < 0, "root in another pid ns: user process refused");
}

static void test_owner(void)
{
	struct failure err = {0};

	is_int(policy_check_owner(&u1, 1001, "x", &err), 0, "the owner may chmod");
	is_int(policy_check_owner(&root, 1003, "x", &err), 0, "host root may chmod anything");
	ok(policy_check_owner(&u3, 1001, "pids:/a", &err) < 0 && err.kind == FAIL_PERMISSION_DENIED &&
		   strstr(err.message, "pids:/a") && strstr(err.message, "uid 1001"),
	   "another user may not, and is told who may (%s)", err.message);
	is_int(policy_check_owner(&nsroot, 100004, "x", &err), 0, "ns root: a mapped owner");
	ok(policy_check_owner(&nsroot, 0, "x", &err) < 0 && strstr(err.message, "not mapped"),
	   "ns root: an unmapped owner refused (%s)", err.message);
	ok(policy_check_owner(&root_pidns, 1001, "x", &err) < 0, "root in another pid ns is not host root");
}

static void test_keys(void)
{
	static const char *const refused[] = {"tasks", "cgroup.procs", "cgroup.threads", "release_agent",
					      "notify_on_release"};
	static const char *const allowed[] = {"memory.max", "cgroup.subtree_control", "cpu.weight", "pids.max",
					      "cgroup.procs2"};
	struct failure err = {0};

	for (size_t i = 0; i < 5; i++)
		ok(policy_check_settable_key(refused[i], &err) < 0 && err.kind == FAIL_INVALID_KEY &&
			   strstr(err.message, "use "),
		   "SetValue %s refused (%s)", refused[i], err.message);
	policy_check_settable_key("cgroup.procs", &err);
	ok(strstr(err.message, "move methods") != NULL, "cgroup.procs points at the move methods");
	for (size_t i = 0; i < 5; i++)
		is_int(policy_check_settable_key(allowed[i], &err), 0, "SetValue %s allowed", allowed[i]);
}

int main(void)
{
	root = mk(0, 0, true, true, 0);
	u1 = mk(1001, 1002, true, true, 1001); /* member of 1001 and 50 */
	u3 = mk(1003, 1003, true, true, 1003);
	nsroot = mk(1001, 1002, false, true, 0);
	nsuser = mk(100005, 100005, false, true, 6);
	root_pidns = mk(0, 0, true, false, 0);
	root_userns = mk(0, 0, false, true, 0);
	test_idmap();
	test_access();
	test_host_root_chown_process();
	test_owner();
	test_keys();
	return tap_done();
}
