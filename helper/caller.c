/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Who is asking (see caller.h): the kernel's credentials for the peer of a
 * connected Unix socket, the peer's user and pid namespaces and id maps
 * read from /proc through one directory fd, and a pin on the peer process
 * (its pidfd, or its start time on kernels without SO_PEERPIDFD) so that a
 * recycled pid is never taken for it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caller.h"
#include "process.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59 /* Linux 4.13, asm-generic value */
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77 /* Linux 6.5, asm-generic value (x86, arm, riscv...); Debian 12's headers lack it */
#endif

/* A process has at most NGROUPS_MAX (65536) supplementary groups. */
#define GROUPS_MAX 65536
/* uid_map holds at most 340 lines of three 10-digit numbers. */
#define MAP_TEXT_MAX (16 * 1024)
/* User namespaces nest at most 32 deep. */
#define USERNS_DEPTH_MAX 33

static int oom(struct failure *err)
{
	return failf(err, FAIL_FAILED, "out of memory");
}

/* --- id maps ---------------------------------------------------------------- */

/* One decimal number of at most 32 bits at *p, nothing else (no sign, no spaces, no hex). */
static int parse_u32(const char **p, uint64_t *ret)
{
	uint64_t v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	for (; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (uint64_t)(*s - '0');
		if (v > UINT32_MAX)
			return -EINVAL;
	}
	*p = s;
	*ret = v;
	return 0;
}

int idmap_parse(const char *text, struct idmap *ret)
{
	struct idmap m = {0};
	const char *p = text;

	while (*p) {
		struct idmap_range *grown;
		uint64_t v[3];

		for (int i = 0; i < 3; i++) {
			p += strspn(p, " \t");
			if (parse_u32(&p, &v[i]) < 0)
				goto invalid;
		}
		p += strspn(p, " \t");
		if (*p == '\n')
			p++;
		else if (*p)
			goto invalid;
		/*
		 * Id 4294967295 is (uid_t)-1, never a real id: the kernel shows
		 * a lower id unmapped in the reader's namespace so.
		 */
		if (v[2] == 0 || v[0] + v[2] > UINT32_MAX || v[1] + v[2] > UINT32_MAX)
			goto invalid;
		grown = realloc(m.ranges, (m.n + 1) * sizeof(*m.ranges));
		if (!grown) {
			idmap_clear(&m);
			return -ENOMEM;
		}
		m.ranges = grown;
		m.ranges[m.n++] = (struct idmap_range){(uint32_t)v[0], (uint32_t)v[1], (uint32_t)v[2]};
	}
	*ret = m;
	return 0;
invalid:
	idmap_clear(&m);
	return -EINVAL;
}

void idmap_clear(struct idmap *m)
{
	free(m->ranges);
	m->ranges = NULL;
	m->n = 0;
}

bool idmap_contains(const struct idmap *m, uint32_t outside, uint32_t *ret_inside)
{
	for (size_t i = 0; i < m->n; i++) {
		const struct idmap_range *r = &m->ranges[i];

		if (outside >= r->outside && outside - r->outside < r->count) {
			if (ret_inside)
				*ret_inside = r->inside + (outside - r->outside);
			return true;
		}
	}
	return false;
}

/* --- the socket ------------------------------------------------------------- */

static int peer_groups(int fd, struct caller *c, struct failure *err)
{
	socklen_t len = 64 * sizeof(gid_t);

	/* ERANGE stores the size needed; the peer's credentials are fixed at connect, so one retry suffices. */
	for (;;) {
		gid_t *grown = realloc(c->groups, len ? len : sizeof(gid_t));

		if (!grown)
			return oom(err);
		c->groups = grown;
		if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, c->groups, &len) == 0)
			break;
		if (errno == ENOPROTOOPT) {
			/* Before Linux 4.13: the primary gid only, which can only grant less. */
			len = 0;
			break;
		}
		if (errno != ERANGE || len > GROUPS_MAX * sizeof(gid_t))
			return fail_errno(err, errno, "cannot read the supplementary groups of the peer");
	}
	c->ngroups = len / sizeof(gid_t);
	return 0;
}

/* Whether this kernel knows SO_PEERPIDFD, asked on a socketpair of our own. */
static bool kernel_has_peer_pidfd(void)
{
	socklen_t len = sizeof(int);
	int sv[2], pidfd = -1;
	bool has;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return false;
	has = getsockopt(sv[0], SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0;
	if (has)
		close(pidfd);
	close(sv[0]);
	close(sv[1]);
	return has;
}

static int peer_pidfd(int fd, struct caller *c, struct failure *err)
{
	socklen_t len = sizeof(c->pidfd);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &c->pidfd, &len) == 0)
		return 0;
	c->pidfd = -1;
	/*
	 * Unknown option: a kernel before 6.5.  EINVAL is what 6.5..6.15 say
	 * for a peer that is already reaped, so it means an old kernel only
	 * when our own socketpair gets it too.
	 */
	if (errno == ENOPROTOOPT || (errno == EINVAL && !kernel_has_peer_pidfd()))
		return 0;
	if (errno == EINVAL || errno == ESRCH || errno == ENODATA)
		return failf(err, FAIL_NOT_FOUND, "the peer process %d is gone", (int)c->pid);
	return fail_errno(err, errno, "cannot pin the peer process %d (SO_PEERPIDFD)", (int)c->pid);
}

/* --- /proc/<pid> ------------------------------------------------------------ */

/* A /proc read failed: the process is gone (ENOENT, ESRCH) or the daemon lacks a capability. */
static int proc_failure(struct failure *err, int errnum, pid_t pid, const char *file)
{
	if (errnum == ENOENT || errnum == ESRCH)
		return failf(err, FAIL_NOT_FOUND, "the peer process %d is gone", (int)pid);
	return fail_errno(err, errnum, "cannot read /proc/%d/%s", (int)pid, file);
}

/* Reads file `name` below `dirfd` into buf (NUL-terminated); more than size-1 bytes is an error. */
static int read_text_at(int dirfd, const char *name, char *buf, size_t size, pid_t pid, struct failure *err)
{
	size_t got = 0;
	ssize_t n;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return proc_failure(err, errno, pid, name);
	while ((n = read(fd, buf + got, size - 1 - got)) > 0) {
		got += (size_t)n;
		if (got == size - 1) {
			close(fd);
			return failf(err, FAIL_FAILED, "/proc/%d/%s is longer than %zu bytes", (int)pid, name,
				     size - 1);
		}
	}
	if (n < 0) {
		int e = errno;

		close(fd);
		return proc_failure(err, e, pid, name);
	}
	close(fd);
	buf[got] = '\0';
	return 0;
}

/* Field 22 of /proc/<pid>/stat: when the process started, in clock ticks since boot. */
static int start_time_at(int dirfd, pid_t pid, unsigned long long *ret, struct failure *err)
{
	char buf[1024], *p;

	if (read_text_at(dirfd, "stat", buf, sizeof(buf), pid, err) < 0)
		return -1;
	/* The command name (field 2) may hold spaces and parentheses: count from the last ')'. */
	p = strrchr(buf, ')');
	for (int field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", ret) != 1)
		return failf(err, FAIL_FAILED, "cannot parse /proc/%d/stat", (int)pid);
	return 0;
}

static bool same_inode(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino;
}

/*
 * The daemon's own pid and user namespaces, stat'ed once: a process
 * cannot leave either (it would have to setns or unshare, which cgmd
 * never does), and each stat walks /proc/self/ns anew, about 5 us here,
 * twice per connection.
 */
static struct {
	pthread_once_t once;
	struct stat pid, user;
	const char *failed; /* the file that could not be stat'ed */
	int errnum;
} own = {.once = PTHREAD_ONCE_INIT};

static void stat_own_namespaces(void)
{
	if (stat("/proc/self/ns/pid", &own.pid) < 0)
		own.failed = "/proc/self/ns/pid";
	else if (stat("/proc/self/ns/user", &own.user) < 0)
		own.failed = "/proc/self/ns/user";
	if (own.failed)
		own.errnum = errno;
}

static int own_namespaces(struct failure *err)
{
	pthread_once(&own.once, stat_own_namespaces);
	if (own.failed)
		return fail_errno(err, own.errnum, "cannot stat %s", own.failed);
	return 0;
}

/*
 * Whether user namespace `nsfd` lies below `mine`, walking up with
 * NS_GET_PARENT: the kernel answers EPERM once the walk would leave the
 * daemon's own namespace, so a sibling or an ancestor is never below.
 */
static int userns_below(int nsfd, const struct stat *mine, bool *ret, struct failure *err)
{
	int fd = nsfd;

	*ret = false;
	for (int depth = 0; depth < USERNS_DEPTH_MAX; depth++) {
		int parent = ioctl(fd, NS_GET_PARENT);
		struct stat st;

		if (fd != nsfd)
			close(fd);
		if (parent < 0)
			return errno == EPERM ? 0 : fail_errno(err, errno, "cannot walk up the peer's user namespaces");
		if (fstat(parent, &st) < 0) {
			close(parent);
			return fail_errno(err, errno, "cannot stat a user namespace");
		}
		if (same_inode(&st, mine)) {
			close(parent);
			*ret = true;
			return 0;
		}
		fd = parent;
	}
	if (fd != nsfd)
		close(fd);
	return 0;
}

static int read_map_at(int dirfd, const char *name, pid_t pid, struct idmap *ret, struct failure *err)
{
	char *text = malloc(MAP_TEXT_MAX);
	int r;

	if (!text)
		return oom(err);
	r = read_text_at(dirfd, name, text, MAP_TEXT_MAX, pid, err);
	if (r == 0 && (r = idmap_parse(text, ret)) < 0)
		r = r == -ENOMEM ? oom(err) : failf(err, FAIL_FAILED, "cannot parse /proc/%d/%s", (int)pid, name);
	free(text);
	return r;
}

/* The caller's namespaces, and its id maps when its user namespace is below the daemon's. */
static int namespaces_at(int dirfd, struct caller *c, struct failure *err)
{
	struct stat theirs;
	bool below = false;
	int nsfd, r;

	if (own_namespaces(err) < 0)
		return -1;
	if (fstatat(dirfd, "ns/pid", &theirs, 0) < 0)
		return proc_failure(err, errno, c->pid, "ns/pid");
	c->init_pidns = same_inode(&own.pid, &theirs);

	nsfd = openat(dirfd, "ns/user", O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return proc_failure(err, errno, c->pid, "ns/user");
	if (fstat(nsfd, &theirs) < 0)
		r = fail_errno(err, errno, "cannot stat /proc/%d/ns/user", (int)c->pid);
	else if ((c->userns_dev = theirs.st_dev, c->userns_ino = theirs.st_ino,
		  c->init_userns = same_inode(&own.user, &theirs)))
		r = 0;
	else
		r = userns_below(nsfd, &own.user, &below, err);
	close(nsfd);
	if (r < 0)
		return -1;

	c->ns_uid = c->uid;
	if (c->init_userns)
		return 0;
	c->ns_uid = (uid_t)-1;
	if (!below)
		return 0;
	if (read_map_at(dirfd, "uid_map", c->pid, &c->uid_map, err) < 0 ||
	    read_map_at(dirfd, "gid_map", c->pid, &c->gid_map, err) < 0)
		return -1;
	idmap_contains(&c->uid_map, c->uid, &c->ns_uid);
	return 0;
}

/*
 * What /proc says about the process c->pid (pinned by c->pidfd, or else
 * remembered by its start time): its namespaces and id maps, read
 * through one directory fd, and then the pin checked, so that what was
 * read was that process's and not a successor's under a recycled pid.
 */
static int from_proc(struct caller *c, struct failure *err)
{
	char path[32];
	int dirfd, cgroup_fd = -1, r;

	snprintf(path, sizeof(path), "/proc/%d", (int)c->pid);
	dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return proc_failure(err, errno, c->pid, "");
	r = c->pidfd < 0 ? start_time_at(dirfd, c->pid, &c->start_time, err) : 0;
	if (r == 0)
		r = namespaces_at(dirfd, c, err);
	if (r == 0 && (cgroup_fd = openat(dirfd, "cgroup", O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		r = proc_failure(err, errno, c->pid, "cgroup");
	if (r == 0)
		r = caller_still_alive(c, err);
	close(dirfd);
	if (r < 0) {
		if (cgroup_fd >= 0)
			close(cgroup_fd);
		return -1;
	}
	/*
	 * The file was opened through the directory the pin just vouched for:
	 * it is bound to the peer's struct pid, and pins it from now on (one
	 * descriptor per caller, not two).
	 */
	c->cgroup_fd = cgroup_fd;
	if (c->pidfd >= 0)
		close(c->pidfd);
	c->pidfd = -1;
	return 0;
}

/*
 * Trust boundary: the peer is anyone who can connect.  Everything used
 * here comes from the kernel, not from the peer: SO_PEERCRED and
 * SO_PEERGROUPS are the credentials it connected with, translated into the
 * daemon's user namespace.  What the peer does control is its own process,
 * which it may let die, exec, or move into a new user namespace meanwhile:
 *  - a pid read from SO_PEERCRED can be recycled once the peer is reaped,
 *    so /proc/<pid> is opened once as a directory (bound to that process
 *    from then on) and the pidfd the kernel gave at the same time must
 *    still be alive afterwards; a live pidfd means the pid number was never
 *    released, so the directory opened belonged to the peer;
 *  - a namespace entered after connecting only ever maps ids that the peer
 *    could already use (an unprivileged map holds its own uid alone), so
 *    reading the current one grants nothing new; and namespaces not below
 *    the daemon's get no maps at all, so root there is root over nothing.
 */
int caller_from_socket(int fd, struct caller *ret, struct failure *err)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	*ret = CALLER_EMPTY;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
		fail_errno(err, errno, "cannot read the peer's credentials (SO_PEERCRED)");
		goto fail;
	}
	ret->pid = cred.pid;
	ret->uid = cred.uid;
	ret->gid = cred.gid;
	if (ret->pid <= 0) {
		failf(err, FAIL_PERMISSION_DENIED, "the peer process is not visible in the daemon's pid namespace");
		goto fail;
	}
	if (peer_groups(fd, ret, err) < 0 || peer_pidfd(fd, ret, err) < 0 || from_proc(ret, err) < 0)
		goto fail;
	return 0;
fail:
	caller_clear(ret);
	return -1;
}

/*
 * Trust boundary: pid, uid and gid are what the kernel delivered with a
 * datagram, after checking that the sender may name them (its own, or any
 * in its namespaces with CAP_SYS_ADMIN / CAP_SETUID there).  As for a
 * peer, /proc/<pid> is read through one directory fd and the pidfd must
 * still be alive afterwards, so the namespaces read are that process's.
 */
int caller_from_creds(pid_t pid, uid_t uid, gid_t gid, int pidfd, struct caller *ret, struct failure *err)
{
	*ret = CALLER_EMPTY;
	ret->pid = pid;
	ret->uid = uid;
	ret->gid = gid;
	ret->pidfd = pidfd;
	if (pid <= 0) {
		failf(err, FAIL_PERMISSION_DENIED, "the process named is not visible in the daemon's pid namespace");
		goto fail;
	}
	if (ret->pidfd < 0 && (ret->pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0 && errno != ENOSYS) {
		if (errno == ESRCH)
			failf(err, FAIL_NOT_FOUND, "process %d is gone", (int)pid);
		else
			fail_errno(err, errno, "pidfd_open %d", (int)pid);
		goto fail;
	}
	if (from_proc(ret, err) < 0)
		goto fail;
	return 0;
fail:
	caller_clear(ret);
	return -1;
}

int caller_still_alive(const struct caller *c, struct failure *err)
{
	unsigned long long now;
	char path[32];
	int dirfd, r;

	if (c->pidfd >= 0)
		return pidfd_still_alive(c->pidfd, c->pid, err);
	if (c->cgroup_fd >= 0) {
		char byte;

		if (pread(c->cgroup_fd, &byte, 1, 0) >= 0)
			return 0;
		return proc_failure(err, errno, c->pid, "cgroup");
	}
	/* Neither: a process under the same pid that started at the same tick is the same process. */
	snprintf(path, sizeof(path), "/proc/%d", (int)c->pid);
	dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return proc_failure(err, errno, c->pid, "");
	r = start_time_at(dirfd, c->pid, &now, err);
	close(dirfd);
	if (r < 0)
		return -1;
	if (now != c->start_time)
		return failf(err, FAIL_NOT_FOUND, "the peer process %d is gone (its pid is in use again)", (int)c->pid);
	return 0;
}

int caller_pin_by_start_time(pid_t pid, struct caller *ret, struct failure *err)
{
	char path[32];
	int dirfd, r;

	*ret = CALLER_EMPTY;
	ret->pid = pid;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return proc_failure(err, errno, pid, "");
	r = start_time_at(dirfd, pid, &ret->start_time, err);
	close(dirfd);
	return r;
}

void caller_clear(struct caller *c)
{
	free(c->groups);
	idmap_clear(&c->uid_map);
	idmap_clear(&c->gid_map);
	if (c->pidfd >= 0)
		close(c->pidfd);
	if (c->cgroup_fd >= 0)
		close(c->cgroup_fd);
	*c = CALLER_EMPTY;
}
