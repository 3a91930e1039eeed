/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of caller.c against the real kernel: children that connect to a
 * Unix socket as cgmtest1 (with its supplementary group), from inside a
 * user namespace whose map the parent writes, and from another pid
 * namespace; then the pin must notice the child is gone once reaped.
 * Needs root (to change ids and write maps).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "caller.h"
#include "policy.h"
#include "tap.h"

enum how { AS_USER, IN_USERNS, IN_PIDNS };

static uid_t t_uid;
static gid_t t_gid, t_grp;

static int listener(struct sockaddr_un *addr, socklen_t *len)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	/* An autobound abstract address: no file a changed-uid child would need search access to. */
	if (fd < 0 ||
	    bind(fd, (struct sockaddr *)&(struct sockaddr_un){.sun_family = AF_UNIX}, sizeof(sa_family_t)) < 0 ||
	    listen(fd, 4) < 0)
		return -1;
	*len = sizeof(*addr);
	return getsockname(fd, (struct sockaddr *)addr, len) < 0 ? -1 : fd;
}

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		printf("# writing %s: %s\n", path, strerror(errno));
	if (fd >= 0)
		close(fd);
}

/* The child: becomes cgmtest1, then (how) enters namespaces, then connects and waits for `go` to close. */
static void child(enum how how, int ready, int go, const struct sockaddr_un *addr, socklen_t len)
{
	char c;
	int fd;

	if (setgroups(1, &t_grp) < 0 || setresgid(t_gid, t_gid, t_gid) < 0 || setresuid(t_uid, t_uid, t_uid) < 0)
		_exit(2);
	if (how == IN_USERNS && unshare(CLONE_NEWUSER) < 0)
		_exit(3);
	if (how == IN_USERNS && (write(ready, "u", 1) != 1 || read(go, &c, 1) != 1))
		_exit(4);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (const struct sockaddr *)addr, len) < 0)
		_exit(5);
	(void)!read(go, &c, 1);
	_exit(0);
}

/* Starts a child (for IN_PIDNS: the first process of a new pid namespace, still as cgmtest1). */
static pid_t start(enum how how, int *ret_go, const struct sockaddr_un *addr, socklen_t len)
{
	int ready[2], go[2];
	pid_t pid;
	char c;

	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
		return -1;
	/* A fork into a new pid namespace; unshare would change this process's later forks too. */
	pid = how == IN_PIDNS ? (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, NULL, NULL, NULL, NULL) : fork();
	if (pid == 0) {
		close(go[1]);
		child(how, ready[1], go[0], addr, len);
	}
	close(ready[1]);
	close(go[0]);
	if (how == IN_USERNS && pid > 0 && read(ready[0], &c, 1) == 1) {
		char path[64], map[128];

		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
		snprintf(map, sizeof(map), "0 %u 1\n1 200000 1000\n", (unsigned)t_uid);
		write_file(path, map);
		snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
		snprintf(map, sizeof(map), "0 %u 1\n1 200000 1000\n", (unsigned)t_gid);
		write_file(path, map);
		(void)!write(go[1], "g", 1);
	}
	close(ready[0]);
	*ret_go = go[1];
	return pid;
}

static int reap(pid_t pid)
{
	int status = -1;

	waitpid(pid, &status, 0);
	return status;
}

/* Whether `fd` reads what /proc/<pid>/cgroup says now: the caller's held file is that process's. */
static bool cgroup_file_of(int fd, pid_t pid)
{
	char path[64], held[4096] = "", now[4096] = "";
	ssize_t n = pread(fd, held, sizeof(held) - 1, 0), m = -1;
	int nfd;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	nfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nfd >= 0) {
		m = read(nfd, now, sizeof(now) - 1);
		close(nfd);
	}
	return n > 0 && n == m && memcmp(held, now, (size_t)n) == 0;
}

/* The child's connection; -1 when none came in 10 s: the child failed before it connected. */
static int accept_child(int lfd)
{
	struct pollfd p = {.fd = lfd, .events = POLLIN};

	return poll(&p, 1, 10000) == 1 ? accept4(lfd, NULL, NULL, SOCK_CLOEXEC) : -1;
}

static void test_one(enum how how, int lfd, const struct sockaddr_un *addr, socklen_t len)
{
	static const char *const names[] = {"as cgmtest1", "in a user namespace", "in a pid namespace"};
	const char *name = names[how];
	struct failure err = {0};
	struct caller c;
	int go, conn, r;
	pid_t pid;

	pid = start(how, &go, addr, len);
	if (pid < 0) {
		ok(0, "%s: start child: %s", name, strerror(errno));
		return;
	}
	conn = accept_child(lfd);
	if (conn < 0) {
		close(go);
		/* The status's exit code says where it stopped (child()). */
		ok(0, "%s: the child never connected (wait status %#x)", name, (unsigned)reap(pid));
		return;
	}
	r = caller_from_socket(conn, &c, &err);
	ok(r == 0, "%s: caller_from_socket%s%s", name, r ? ": " : "", r ? err.message : "");
	if (r == 0) {
		is_int(c.pid, pid, "%s: pid", name);
		is_int(c.uid, t_uid, "%s: uid", name);
		is_int(c.gid, t_gid, "%s: gid", name);
		ok(c.ngroups == 1 && c.groups[0] == t_grp, "%s: supplementary group cgmtestgrp", name);
		ok(c.pidfd == -1, "%s: the pidfd is not kept once the child is identified", name);
		ok(c.cgroup_fd >= 0 && cgroup_file_of(c.cgroup_fd, pid), "%s: its /proc/<pid>/cgroup is held open",
		   name);
		is_int(caller_still_alive(&c, &err), 0, "%s: alive while connected", name);
		ok(!policy_is_host_root(&c), "%s: not host root", name);
	}
	if (r == 0 && how == IN_USERNS) {
		uint32_t in = 0;

		ok(!c.init_userns, "userns: not in the daemon's user namespace");
		ok(c.init_pidns, "userns: in the daemon's pid namespace");
		is_int(c.ns_uid, 0, "userns: root inside");
		ok(c.uid_map.n == 2 && c.uid_map.ranges[0].inside == 0 && c.uid_map.ranges[0].outside == t_uid &&
			   c.uid_map.ranges[1].outside == 200000 && c.uid_map.ranges[1].count == 1000,
		   "userns: uid map read");
		ok(c.gid_map.n == 2 && c.gid_map.ranges[0].outside == t_gid, "userns: gid map read");
		ok(idmap_contains(&c.uid_map, 200005, &in) && in == 6, "userns: 200005 is uid 6 inside");
		is_int(policy_check_chown(&c, 200001, 200001, &err), 0, "userns: may chown to mapped ids");
		ok(policy_check_chown(&c, 0, 0, &err) < 0, "userns: may not chown to host root");
	} else if (r == 0) {
		ok(c.init_userns, "%s: in the daemon's user namespace", name);
		is_int(c.init_pidns, how != IN_PIDNS, "%s: pid namespace", name);
		is_int(c.ns_uid, t_uid, "%s: ns_uid is its uid", name);
		ok(c.uid_map.n == 0 && c.gid_map.n == 0, "%s: no maps", name);
	}
	close(go);
	is_int(reap(pid), 0, "%s: child exited cleanly", name);
	if (r == 0) {
		ok(caller_still_alive(&c, &err) < 0 && err.kind == FAIL_NOT_FOUND, "%s: gone once reaped (%s)", name,
		   err.message);
		errno = 0;
		ok(pread(c.cgroup_fd, (char[64]){0}, 64, 0) < 0 && errno == ESRCH,
		   "%s: its held /proc/<pid>/cgroup reads ESRCH once reaped", name);
		caller_clear(&c);
		caller_clear(&c);
		ok(c.pidfd == -1 && c.cgroup_fd == -1 && c.groups == NULL, "%s: caller_clear twice is harmless", name);
	}
	close(conn);
}

/* Peer of a socketpair is this process: host root, pinned. */
static void test_self(void)
{
	struct failure err = {0};
	struct caller c;
	int sv[2], r;

	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	r = caller_from_socket(sv[0], &c, &err);
	ok(r == 0, "self: caller_from_socket%s%s", r ? ": " : "", r ? err.message : "");
	ok(r == 0 && c.pid == getpid() && c.uid == 0 && c.init_userns && c.init_pidns && c.ns_uid == 0,
	   "self: host root in the initial namespaces");
	ok(r == 0 && policy_is_host_root(&c), "self: policy says host root");
	ok(r == 0 && c.pidfd == -1 && cgroup_file_of(c.cgroup_fd, getpid()),
	   "self: pinned by its held cgroup file, not a pidfd");
	caller_clear(&c);
	close(sv[0]);
	close(sv[1]);

	/* Not a socket at all. */
	r = caller_from_socket(open("/dev/null", O_RDONLY | O_CLOEXEC), &c, &err);
	ok(r < 0 && err.kind != FAIL_NONE && c.pidfd == -1, "not a socket: refused (%s)", err.message);
}

/* The fallback without SO_PEERPIDFD: the start time tells a live peer from a recycled pid. */
static void test_start_time_pin(void)
{
	struct failure err = {0};
	struct caller c;
	int sv[2];

	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	if (caller_from_socket(sv[0], &c, &err) < 0) {
		ok(0, "fallback: %s", err.message);
		return;
	}
	close(c.cgroup_fd);
	c.cgroup_fd = -1;
	c.start_time = 0;
	ok(caller_still_alive(&c, &err) < 0 && err.kind == FAIL_NOT_FOUND,
	   "fallback: another start time is another process (%s)", err.message);
	caller_clear(&c);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	struct sockaddr_un addr;
	struct passwd *pw;
	struct group *gr;
	socklen_t len;
	int lfd;

	if (geteuid() != 0) {
		puts("1..0 # SKIP not root");
		return 0;
	}
	pw = getpwnam("cgmtest1");
	gr = getgrnam("cgmtestgrp");
	if (!pw || !gr) {
		puts("1..0 # SKIP test users missing (tools/test-users.sh)");
		return 0;
	}
	t_uid = pw->pw_uid;
	t_gid = pw->pw_gid;
	t_grp = gr->gr_gid;
	signal(SIGPIPE, SIG_IGN);
	lfd = listener(&addr, &len);
	ok(lfd >= 0, "listening on an abstract socket");
	test_self();
	test_start_time_pin();
	test_one(AS_USER, lfd, &addr, len);
	test_one(IN_USERNS, lfd, &addr, len);
	test_one(IN_PIDNS, lfd, &addr, len);
	return tap_done();
}
