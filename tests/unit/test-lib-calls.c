/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcgm against a real cgmd, not a test by itself: tests/integration/
 * lib-calls.sh starts the daemon on a private socket ($CGM_SOCKET) inside a
 * sandbox cgroup and runs this program there as host root.  Every libcgm
 * call is checked by its effect on the host's own cgroupfs (an independent
 * view of what the daemon did), every error code by a refusal the real
 * daemon makes for a real reason, and the fault paths (a daemon that stops
 * answering, one that dies under a connection, threads, a pidfd first on a
 * fresh connection) against the same real daemon.  Prints TAP.
 *
 *   test-lib-calls HIERARCHIES CGMD-PID API-VERSION
 *
 * HIERARCHIES has one line "name mountpoint cgroup" per hierarchy the host
 * mounts, with this process's (the sandbox's) cgroup in it; API-VERSION is
 * the daemon's api_version as dbus-send reads it.  The program stops (SIGSTOP)
 * and at the end kills CGMD-PID.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dbus/dbus.h>

#include "cgm.h"
#include "tap.h"

#define MAX_HIERARCHIES	 32
#define THREADS		 4
#define CALLS_PER_THREAD 50
#define PIPELINED	 100

static struct hierarchy {
	char name[64], mnt[PATH_MAX / 2], cg[PATH_MAX / 2];
} hier[MAX_HIERARCHIES];
static size_t n_hier;
static const char *sock_path;
static pid_t cgmd_pid;
static int api_version;
static uid_t user_uid; /* cgmtest1 */
static gid_t user_gid;

/* The hierarchy most checks use: v1 pids where the host has it, else unified (both have pids.max). */
static const char *H = "pids";

static const struct hierarchy *find_hierarchy(const char *name)
{
	for (size_t i = 0; i < n_hier; i++)
		if (!strcmp(hier[i].name, name))
			return &hier[i];
	return NULL;
}

/* Host path of REL below the sandbox in hierarchy NAME ("" is the sandbox); from a ring, so a few can be alive. */
static const char *host(const char *name, const char *rel)
{
	static char ring[8][PATH_MAX];
	static unsigned next;
	const struct hierarchy *h = find_hierarchy(name);
	char *p = ring[next++ % 8];

	snprintf(p, PATH_MAX, "%s%s%s%s", h ? h->mnt : "/nonexistent", h && strcmp(h->cg, "/") ? h->cg : "",
		 *rel ? "/" : "", rel);
	return p;
}

/* The sandbox's absolute cgroup path in NAME joined with REL, as GetPidCgroupAbs names it. */
static const char *abs_cgroup(const char *name, const char *rel)
{
	static char p[PATH_MAX];
	const char *cg = find_hierarchy(name)->cg;

	snprintf(p, sizeof(p), "%s%s%s", strcmp(cg, "/") ? cg : "", *rel ? "/" : "", rel);
	return p;
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* In every hierarchy of the host: the directory REL exists (want 1) or does not (want 0). */
static int everywhere(const char *rel, int want)
{
	for (size_t i = 0; i < n_hier; i++)
		if (is_dir(host(hier[i].name, rel)) != want)
			return 0;
	return 1;
}

/* A host file's content ("" if unreadable); a ring of buffers. */
static const char *slurp(const char *path)
{
	static char ring[4][8192];
	static unsigned next;
	char *buf = ring[next++ % 4];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof(ring[0]) - 1);

	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* Whether PID is listed in the host's cgroup.procs of REL in NAME. */
static int holds(const char *name, const char *rel, pid_t pid)
{
	char path[PATH_MAX];
	FILE *f;
	int p, found = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", host(name, rel));
	f = fopen(path, "re");
	while (f && !found && fscanf(f, "%d", &p) == 1)
		found = p == pid;
	if (f)
		fclose(f);
	return found;
}

/* The number of pids in the host's cgroup.procs of REL, or -1. */
static int count_procs(const char *name, const char *rel)
{
	char path[PATH_MAX];
	FILE *f;
	int p, n = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", host(name, rel));
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fscanf(f, "%d", &p) == 1)
		n++;
	fclose(f);
	return n;
}

/* Cgroup of PID in hierarchy NAME as /proc/PID/cgroup shows it. */
static const char *proc_cgroup(pid_t pid, const char *name)
{
	static char line[PATH_MAX], *found;
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	found = NULL;
	while (f && !found && fgets(line, sizeof(line), f)) {
		char *ctl = strchr(line, ':'), *cg = ctl ? strchr(ctl + 1, ':') : NULL;

		if (!cg)
			continue;
		*cg++ = '\0';
		cg[strcspn(cg, "\n")] = '\0';
		if (!strcmp(ctl + 1, strcmp(name, "unified") ? name : ""))
			found = cg;
	}
	if (f)
		fclose(f);
	return found ? found : "(none)";
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Polls COND for up to 5 s: the kernel removes, freezes and kills asynchronously. */
#define EVENTUALLY(cond)                                                                                               \
	({                                                                                                             \
		int ok_ = 0;                                                                                           \
		for (int i_ = 0; i_ < 100 && !(ok_ = !!(cond)); i_++)                                                  \
			usleep(50000);                                                                                 \
		ok_;                                                                                                   \
	})

/* A child that waits for signals; the caller reaps it. */
static pid_t spawn(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	return pid;
}

/* Kills (if still alive) and reaps a child of spawn(); returns its wait status. */
static int reap(pid_t pid)
{
	int status = 0;

	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return status;
}

static int pidfd_of(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* The message of the last call names WHAT: it is the daemon's, not the library's fixed text for the code. */
static void message_kept(struct cgm *c, int code, const char *what)
{
	const char *m = cgm_errmsg(c);

	ok(strstr(m, what) && strcmp(m, cgm_strerror(code)) != 0, "the daemon's message is kept: %s", m);
}

static void test_basics(struct cgm *c)
{
	char **v = NULL;
	int version = -1, n = 0, all_host = 1;

	is_int(cgm_ping(c), 0, "ping");
	is_int(cgm_api_version(c, &version), 0, "api_version");
	is_int(version, api_version, "api_version is what dbus-send reads from the legacy interface");

	is_int(cgm_list_controllers(c, &v), 0, "list_controllers");
	for (; v && v[n]; n++)
		all_host &= find_hierarchy(v[n]) != NULL;
	is_int(n, n_hier, "list_controllers: as many hierarchies as the host mounts");
	ok(all_host, "list_controllers: each of them named as the host's mountinfo names it");
	cgm_strv_free(v);
}

static void test_status(struct cgm *c)
{
	struct cgm_status *st = NULL;
	size_t n = 0;
	int all_host = 1, all_top = 1, r = cgm_status(c, &st);

	if (!ok(r == 0 && st, "status (%s)", r == 0 ? "ok" : cgm_errmsg(c)))
		return;
	is_str(st->version, PACKAGE_VERSION, "status: the daemon's version");
	is_int(st->api_version, api_version, "status: api_version");
	is_int(st->pid, cgmd_pid, "status: the daemon's pid");
	for (; st->hierarchies[n]; n++) {
		all_host &= find_hierarchy(st->hierarchies[n]) != NULL;
		all_top &= st->roots[n] && strcmp(st->roots[n], "/") == 0;
	}
	is_int(n, n_hier, "status: as many hierarchies as the host mounts");
	ok(all_host && all_top, "status: the host's names, each managed from its top");
	ok(st->requests >= 3 && st->clients >= 1, "status: requests (%llu) and clients (%lu) counted", st->requests,
	   st->clients);
	is_str(st->socket, sock_path, "status: the socket");
	is_str(st->system_bus_name, "", "status: not on the system bus");
	ok(st->conf[0] == '/', "status: the limits file (%s)", st->conf);
	cgm_status_free(st);
	cgm_status_free(NULL);
}

static void test_apply_limits(struct cgm *c)
{
	is_int(cgm_create(c, "all", "limited"), 0, "apply_limits: a cgroup to apply them to");
	is_int(cgm_apply_limits(c, "all", "limited", user_uid), 0, "apply_limits as host root");
	is_int(cgm_apply_limits(c, "all", "no-such-cgroup", user_uid), CGM_ENOENT, "apply_limits: a missing cgroup");
	is_int(cgm_remove(c, "all", "limited", 0), 1, "apply_limits: its cgroup removed");
}

static void test_create_remove(struct cgm *c)
{
	is_int(cgm_create(c, "all", "job"), 0, "create returns 0 when it made the cgroup");
	ok(everywhere("job", 1), "create on all made the directory in every hierarchy on the host");
	is_int(cgm_create(c, H, "job"), 1, "create returns 1 when it already existed");
	is_int(cgm_create(c, "all", "every/where"), 0, "create with a parent to make");
	ok(everywhere("every/where", 1), "... made both levels in every hierarchy on the host");

	/* Recursive or not: the Remove flag on the wire, seen by what the daemon does with it. */
	is_int(cgm_remove(c, "all", "every", 0), CGM_EBUSY, "remove, not recursive, of a cgroup with a child: busy");
	message_kept(c, CGM_EBUSY, "every");
	ok(everywhere("every/where", 1), "... and nothing was removed");
	is_int(cgm_remove(c, "all", "every", 1), 1, "remove, recursive, of a tree with an empty child returns 1");
	ok(everywhere("every", 0), "... removed the tree in every hierarchy");
	is_int(cgm_remove(c, "all", "every", 0), 0, "remove returns 0 when it did not exist");

	is_int(cgm_create(c, H, "pruned/a/b"), 0, "create pruned/a/b");
	is_int(cgm_prune(c, H, "pruned"), 0, "prune");
	ok(!is_dir(host(H, "pruned/a")) && is_dir(host(H, "pruned")), "prune removed the empty cgroups below only");
	is_int(cgm_remove(c, H, "pruned", 0), 1, "remove the pruned cgroup");
}

/*
 * Requests resolve beneath the caller's cgroup as it is when each one
 * arrives, not as it was when the connection was made: a child creates,
 * moves itself, and creates again, all on one connection of its own.
 */
static void test_caller_moves(struct cgm *c)
{
	int status = -1;
	pid_t pid;

	is_int(cgm_create(c, "all", "mover"), 0, "a cgroup for a caller to move into");
	pid = fork();
	if (pid == 0) {
		struct cgm *own = cgm_connect(sock_path, NULL);

		_exit(!own						 ? 10
		      : cgm_create(own, "all", "before") != 0		 ? 11
		      : cgm_move_pid(own, "all", "mover", getpid()) != 0 ? 12
		      : cgm_create(own, "all", "after") != 0		 ? 13
									 : 0);
	}
	waitpid(pid, &status, 0);
	is_int(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 0,
	       "a child creates, moves itself into mover and creates again on one connection");
	ok(everywhere("before", 1) && everywhere("mover/after", 1) && everywhere("after", 0),
	   "its second create resolved beneath the cgroup it had moved to");
	is_int(cgm_remove(c, "all", "before", 0), 1, "the first one removed");
	is_int(cgm_remove(c, "all", "mover", 1), 1, "mover and the second one removed");
}

static void test_access(struct cgm *c)
{
	struct stat st = {0}, procs = {0}, max = {0};
	char path[PATH_MAX];

	is_int(cgm_chown(c, H, "job", user_uid, user_gid), 0, "chown to cgmtest1");
	stat(host(H, "job"), &st);
	ok(st.st_uid == user_uid && st.st_gid == user_gid, "the directory is cgmtest1's on the host");
	snprintf(path, sizeof(path), "%s/cgroup.procs", host(H, "job"));
	stat(path, &procs);
	ok(procs.st_uid == user_uid, "so is its cgroup.procs");
	snprintf(path, sizeof(path), "%s/pids.max", host(H, "job"));
	stat(path, &max);
	ok(max.st_uid == 0, "its pids.max stays root's");

	is_int(cgm_chmod(c, H, "job", NULL, 0750), 0, "chmod of the directory (file NULL)");
	stat(host(H, "job"), &st);
	is_int(st.st_mode & 07777, 0750, "the directory's mode on the host");
	is_int(cgm_chmod(c, H, "job", "pids.max", 0640), 0, "chmod of a file");
	stat(path, &max);
	is_int(max.st_mode & 07777, 0640, "the file's mode on the host");
}

static void test_values(struct cgm *c)
{
	char path[PATH_MAX], *s = NULL;
	const struct hierarchy *blkio = find_hierarchy("blkio");

	snprintf(path, sizeof(path), "%s/pids.max", host(H, "job"));
	is_int(cgm_set_value(c, H, "job", "pids.max", "10"), 0, "set_value");
	is_str(slurp(path), "10\n", "set_value wrote the value on the host");
	is_int(cgm_get_value(c, H, "job", "pids.max", &s), 0, "get_value");
	is_str(s, slurp(path), "get_value returns what the host file holds");
	free(s);

	is_int(cgm_set_value(c, H, "job", "pids.max", "bogus"), CGM_EVALUE, "a value the kernel refuses: CGM_EVALUE");
	message_kept(c, CGM_EVALUE, "bogus");
	is_str(slurp(path), "10\n", "... and the value is unchanged");
	is_int(cgm_set_value(c, H, "job", "cgroup.procs", "1"), CGM_EKEY, "set_value of cgroup.procs: CGM_EKEY");
	message_kept(c, CGM_EKEY, "cgroup.procs");
	s = (char *)"untouched";
	is_int(cgm_get_value(c, H, "nosuch", "pids.max", &s), CGM_ENOENT, "get_value of a missing cgroup: CGM_ENOENT");
	message_kept(c, CGM_ENOENT, "nosuch");
	is_str(s, "untouched", "a failing getter leaves its output alone");
	/* The kernel's ENODEV for a device that does not exist has no better name than Failed. */
	if (blkio) {
		is_int(cgm_create(c, "blkio", "dev"), 0, "create a blkio cgroup");
		is_int(cgm_set_value(c, "blkio", "dev", "blkio.throttle.read_bps_device", "259:999 100"), CGM_EFAILED,
		       "a limit on a device that does not exist: CGM_EFAILED");
		message_kept(c, CGM_EFAILED, "259:999");
		is_int(cgm_remove(c, "blkio", "dev", 0), 1, "remove the blkio cgroup");
	} else {
		printf("# no v1 blkio hierarchy: CGM_EFAILED is not checked\n");
	}
}

static void test_refusals(struct cgm *c)
{
	char above[PATH_MAX];

	is_int(cgm_create(c, "nosuchhier", "x"), CGM_EHIERARCHY, "an unknown hierarchy: CGM_EHIERARCHY");
	message_kept(c, CGM_EHIERARCHY, "nosuchhier");
	is_int(cgm_create(c, "all", "../cgmtest-escape"), CGM_EPATH, "a path with ..: CGM_EPATH");
	message_kept(c, CGM_EPATH, "..");
	snprintf(above, sizeof(above), "%s/../cgmtest-escape", host(H, ""));
	ok(!is_dir(above), "... and nothing was made above the sandbox");

	/* Refused before libdbus, which would abort on them. */
	is_int(cgm_create(c, "all", NULL), CGM_EINVAL, "a NULL string is refused, not passed to libdbus");
	is_int(cgm_create(c, "all", "\xff\xfe"), CGM_EINVAL, "invalid UTF-8 is refused, not passed to libdbus");
	is_int(cgm_move_pidfd(c, "all", "job", -1), CGM_EINVAL, "a negative pidfd is refused");
	is_int(cgm_ping(NULL), CGM_EINVAL, "a NULL connection is refused");
	is_int(cgm_ping(c), 0, "the connection still works after errors");
	is_str(cgm_errmsg(c), "", "a successful call clears the message");
}

/* In a child as cgmtest1 (a fresh connection: the daemon knows its caller from SO_PEERCRED). */
static void test_permission_denied(void)
{
	int fds[2], r = 0;
	char msg[600] = "";
	pid_t pid;

	if (pipe(fds) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		struct cgm *u;
		char *session = NULL;

		close(fds[0]);
		if (setgroups(0, NULL) < 0 || setresgid(user_gid, user_gid, user_gid) < 0 ||
		    setresuid(user_uid, user_uid, user_uid) < 0)
			_exit(1);
		u = cgm_connect(sock_path, &r);
		if (u)
			r = cgm_create(u, H, "denied");
		snprintf(msg, sizeof(msg), "%s", cgm_errmsg(u));
		/* The login placement is host root's, for the caller itself too: a second answer. */
		if (u && cgm_open_session(u, "all", "denied", user_uid, user_gid, CGM_SELF, &session) != CGM_EPERM)
			r = 1;
		free(session);
		cgm_disconnect(u);
		/* _exit: no LeakSanitizer pass in a child that has given up root. */
		if (write(fds[1], &r, sizeof(r)) != sizeof(r) || write(fds[1], msg, sizeof(msg)) != sizeof(msg))
			_exit(1);
		_exit(0);
	}
	close(fds[1]);
	if (read(fds[0], &r, sizeof(r)) != sizeof(r) || read(fds[0], msg, sizeof(msg)) != sizeof(msg))
		r = 1;
	close(fds[0]);
	waitpid(pid, NULL, 0);
	is_int(r, CGM_EPERM, "cgmtest1 creating in root's sandbox, and opening its own session: CGM_EPERM");
	ok(strstr(msg, "denied") != NULL, "the daemon's message is kept: %s", msg);
	ok(!is_dir(host(H, "denied")), "... and nothing was made");
}

/* Whether V names exactly the child directories the host shows below REL. */
static int same_children(char **v, const char *rel)
{
	DIR *d = opendir(host(H, rel));
	struct dirent *e;
	int n_host = 0, n = 0;

	while (d && (e = readdir(d)))
		n_host += e->d_type == DT_DIR && strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	for (; v && v[n]; n++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s%s%s", rel, *rel ? "/" : "", v[n]);
		if (!is_dir(host(H, path)))
			return 0;
	}
	return v && n == n_host;
}

/* Every key is a host file of the cgroup with the owner and mode the host shows, and every host file is a key. */
static int same_keys(const struct cgm_key *keys, size_t n, const char *rel)
{
	DIR *d = opendir(host(H, rel));
	struct dirent *e;
	size_t n_host = 0;

	while (d && (e = readdir(d)))
		n_host += e->d_type == DT_REG;
	if (d)
		closedir(d);
	for (size_t i = 0; i < n; i++) {
		char path[PATH_MAX];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", host(H, rel), keys[i].name);
		if (stat(path, &st) < 0 || !S_ISREG(st.st_mode) || st.st_uid != keys[i].uid ||
		    st.st_gid != keys[i].gid || (st.st_mode & 07777) != keys[i].mode) {
			printf("# %s does not match the host\n", keys[i].name);
			return 0;
		}
	}
	return n == n_host;
}

static void test_processes(struct cgm *c)
{
	pid_t a = spawn(), b = spawn(), *pids = NULL;
	size_t n = 0;
	char *s = NULL, **v = NULL, abs_job2[PATH_MAX];
	struct cgm_key *keys = NULL;
	int pidfd = pidfd_of(b), st;

	is_int(cgm_move_pid(c, "all", "job", a), 0, "move_pid on all");
	ok(holds(H, "job", a) && holds("unified", "job", a), "the pid is in the host's cgroup.procs");
	is_int(cgm_get_tasks(c, H, "job", &pids, &n), 0, "get_tasks");
	ok(n == 1 && pids[0] == a, "get_tasks returns what the host shows (%zu pids)", n);
	free(pids);
	is_int(cgm_get_pid_cgroup(c, H, a, &s), 0, "get_pid_cgroup");
	is_str(s, "/job", "get_pid_cgroup is relative to the caller's cgroup");
	free(s);
	is_int(cgm_get_pid_cgroup_abs(c, H, a, &s), 0, "get_pid_cgroup_abs");
	is_str(s, proc_cgroup(a, H), "get_pid_cgroup_abs is the path /proc/PID/cgroup shows");
	free(s);

	is_int(cgm_create(c, "all", "job2"), 0, "create job2");
	snprintf(abs_job2, sizeof(abs_job2), "%s", abs_cgroup(H, "job2"));
	is_int(cgm_move_pid_abs(c, H, abs_job2, a), 0, "move_pid_abs to %s", abs_job2);
	ok(holds(H, "job2", a) && !holds(H, "job", a), "the pid moved on the host");
	is_int(cgm_move_pidfd(c, "all", "job", pidfd), 0, "move_pidfd on all");
	ok(holds(H, "job", b) && holds("unified", "job", b), "the pidfd's process is in the host's cgroup.procs");
	is_int(cgm_get_pidfd_cgroup(c, H, pidfd, &s), 0, "get_pidfd_cgroup");
	is_str(s, "/job", "get_pidfd_cgroup is where the host has it");
	free(s);

	is_int(cgm_get_tasks_recursive(c, H, "", &pids, &n), 0, "get_tasks_recursive of the sandbox");
	{
		int seen_a = 0, seen_b = 0, seen_self = 0;

		for (size_t i = 0; i < n; i++) {
			seen_a |= pids[i] == a;
			seen_b |= pids[i] == b;
			seen_self |= pids[i] == getpid();
		}
		/* The sandbox itself holds this program and the script that runs it. */
		ok(seen_a && seen_b && seen_self && (int)n == count_procs(H, "") + 2,
		   "get_tasks_recursive: the sandbox's own pids and those of job and job2, as the host lists them");
	}
	free(pids);
	is_int(cgm_list_children(c, H, "", &v), 0, "list_children");
	ok(same_children(v, ""), "list_children returns the directories the host shows");
	cgm_strv_free(v);
	is_int(cgm_list_children(c, H, "job", &v), 0, "list_children of a cgroup without children");
	ok(v && !v[0], "... is an empty list");
	cgm_strv_free(v);
	is_int(cgm_list_keys(c, H, "job", &keys, &n), 0, "list_keys");
	ok(n > 0 && same_keys(keys, n, "job"), "list_keys returns the files, owners and modes the host shows");
	cgm_keys_free(keys, n);

	is_int(cgm_remove(c, "all", "job", 1), CGM_EBUSY, "remove of a cgroup with a process: CGM_EBUSY");
	message_kept(c, CGM_EBUSY, "job");
	ok(everywhere("job", 1), "... and it is still there");

	/* v1 signals by walking the tasks, v2 through cgroup.kill: each reaches its cgroup's process only. */
	is_int(cgm_kill(c, H, "job2", SIGTERM), 0, "kill through %s", H);
	ok(EVENTUALLY(waitpid(a, &st, WNOHANG) == a), "the process in the cgroup died");
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "of SIGTERM");
	ok(waitpid(b, &st, WNOHANG) == 0, "the process in another cgroup lives on");
	is_int(cgm_kill(c, "unified", "job", SIGKILL), 0, "kill through unified");
	ok(EVENTUALLY(waitpid(b, &st, WNOHANG) == b), "the process in that cgroup died");
	ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "of SIGKILL");
	close(pidfd);
	pids = NULL;
	is_int(cgm_get_tasks(c, H, "job", &pids, &n), 0, "get_tasks of the emptied cgroup");
	ok(n == 0 && pids != NULL, "an empty pid list is still a pointer to free");
	free(pids);

	is_int(cgm_remove(c, "all", "job", 0), 1, "remove of the emptied cgroup returns 1");
	ok(EVENTUALLY(everywhere("job", 0)), "the directory is gone on the host");
	is_int(cgm_remove(c, "all", "job2", 0), 1, "remove job2");
}

/* One freezer: FILE is where the host shows the state of cgroup "cold", FROZEN / THAWED what it says. */
static void freeze_on(struct cgm *c, const char *name, const char *file, const char *frozen, const char *thawed)
{
	char path[PATH_MAX];
	pid_t p = spawn();

	snprintf(path, sizeof(path), "%s/%s", host(name, "cold"), file);
	is_int(cgm_create(c, name, "cold"), 0, "create a cgroup to freeze on %s", name);
	is_int(cgm_move_pid(c, name, "cold", p), 0, "with a process in it");
	is_int(cgm_freeze(c, name, "cold"), 0, "freeze on %s", name);
	ok(EVENTUALLY(strstr(slurp(path), frozen)), "the host shows it frozen");
	is_int(cgm_thaw(c, name, "cold"), 0, "thaw on %s", name);
	ok(EVENTUALLY(strstr(slurp(path), thawed)), "the host shows it thawed");
	reap(p);
	ok(EVENTUALLY(cgm_remove(c, name, "cold", 0) == 1), "remove it once empty");
}

static void test_freeze(struct cgm *c)
{
	if (find_hierarchy("freezer"))
		freeze_on(c, "freezer", "freezer.state", "FROZEN", "THAWED");
	freeze_on(c, "unified", "cgroup.events", "frozen 1", "frozen 0");
}

static void test_remove_on_empty(struct cgm *c)
{
	pid_t p = spawn();

	is_int(cgm_create(c, "all", "roe"), 0, "create roe");
	is_int(cgm_move_pid(c, "all", "roe", p), 0, "move a process in");
	is_int(cgm_remove_on_empty(c, "all", "roe"), 0, "remove_on_empty");
	ok(everywhere("roe", 1), "the cgroup stays while it holds the process");
	reap(p);
	ok(EVENTUALLY(everywhere("roe", 0)), "and is removed on the host once empty");
}

/* OpenSession as PAM uses it: the session lands in <user_cg>/<n>, owned by the user, and goes when it ends. */
static void test_open_session(struct cgm *c)
{
	pid_t first = spawn(), second = spawn();
	int fd1 = pidfd_of(first), fd2 = pidfd_of(second);
	char *s1 = NULL, *s2 = NULL, rel[PATH_MAX];
	struct stat st = {0};

	is_int(cgm_open_session(c, "all", "sessions", user_uid, user_gid, fd1, &s1), 0, "open_session on all");
	is_str(s1, "sessions/1", "the first session is <user_cg>/1");
	is_int(cgm_open_session(c, "all", "sessions", user_uid, user_gid, fd2, &s2), 0, "a second open_session");
	is_str(s2, "sessions/2", "the next one is <user_cg>/2");
	ok(everywhere("sessions/1", 1) && everywhere("sessions/2", 1), "both made in every hierarchy on the host");
	ok(holds(H, "sessions/1", first) && holds("unified", "sessions/1", first), "the first process is in the first");
	ok(holds(H, "sessions/2", second), "the second process is in the second");
	stat(host(H, "sessions"), &st);
	ok(st.st_uid == user_uid && st.st_gid == user_gid, "<user_cg> is delegated to the user");
	snprintf(rel, sizeof(rel), "%s", s1 ? s1 : "sessions/1");
	stat(host("unified", rel), &st);
	ok(st.st_uid == user_uid, "the session cgroup belongs to the user");
	reap(first);
	ok(EVENTUALLY(everywhere("sessions/1", 0)), "a session's cgroup is removed once it is empty");
	ok(everywhere("sessions/2", 1), "the other session's stays");
	reap(second);
	ok(EVENTUALLY(everywhere("sessions/2", 0)), "and is removed too when that one ends");
	is_int(cgm_remove(c, "all", "sessions", 0), 1, "remove <user_cg>");
	free(s1);
	free(s2);
	close(fd1);
	close(fd2);
}

/*
 * OpenSession for the connection's own process (CGM_SELF), as pam_cgm makes
 * it: the first call on a fresh connection, with no descriptor.  A child
 * places itself and waits; a pidfd of -1 (a failed pidfd_open) is refused,
 * not taken for "myself".
 */
static void test_open_own_session(struct cgm *c)
{
	int ready[2], go[2], status = -1;
	char *s = NULL, byte = 0;
	pid_t pid;

	is_int(cgm_open_session(c, "all", "own", user_uid, user_gid, -1, &s), CGM_EINVAL,
	       "pidfd -1 is refused (CGM_EINVAL)");
	if (pipe(ready) < 0 || pipe(go) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		struct cgm *own;
		char *session = NULL;
		int r;

		close(go[1]); /* the parent's close of its end is the signal to go */
		own = cgm_connect(sock_path, NULL);
		r = own ? cgm_open_session(own, "all", "own", user_uid, user_gid, CGM_SELF, &session) : -1;

		byte = r == 0 && session && strcmp(session, "own/1") == 0 ? 'y' : 'n';
		(void)!write(ready[1], &byte, 1);
		(void)!read(go[0], &byte, 1);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	is_int(read(ready[0], &byte, 1) == 1 ? byte : 0, 'y',
	       "a child's own session, the first call on its connection");
	ok(holds(H, "own/1", pid) && holds("unified", "own/1", pid), "the child itself is in own/1");
	close(go[1]);
	waitpid(pid, &status, 0);
	ok(EVENTUALLY(everywhere("own/1", 0)), "and the session goes once it has exited");
	is_int(cgm_remove(c, "all", "own", 0), 1, "remove <user_cg>");
	close(ready[0]);
}

/*
 * A stopped daemon never answers: a call costs the connection's timeout and
 * no more, and the connection works once the daemon runs again.  A call that
 * timed out is not withdrawn: the daemon carries it out when it resumes.
 */
static void test_timeouts(struct cgm *c)
{
	long long t0;
	char **v = NULL;
	int err = 0;
	struct cgm *late;

	cgm_set_timeout(c, 300);
	is_int(cgm_get_timeout(c), 300, "timeout set");
	kill(cgmd_pid, SIGSTOP);
	t0 = now_ms();
	is_int(cgm_list_controllers(c, &v), CGM_ETIMEOUT, "a call the stopped daemon never answers: CGM_ETIMEOUT");
	ok(now_ms() - t0 >= 250 && now_ms() - t0 < 2000, "after about the timeout (%lld ms)", now_ms() - t0);
	is_str(cgm_errmsg(c), "ListControllers: no answer from the daemon within 300 ms", "the message says so");
	is_int(cgm_create(c, H, "late"), CGM_ETIMEOUT, "a create that times out");
	t0 = now_ms();
	late = cgm_connect_timeout(sock_path, 300, &err);
	ok(!late && err == CGM_ETIMEOUT, "connecting to a stopped daemon: CGM_ETIMEOUT");
	ok(now_ms() - t0 >= 250 && now_ms() - t0 < 2000, "after about the timeout (%lld ms)", now_ms() - t0);
	kill(cgmd_pid, SIGCONT);
	is_int(cgm_ping(c), 0, "the connection is usable once the daemon resumes");
	ok(EVENTUALLY(is_dir(host(H, "late"))), "the timed-out create happened once the daemon resumed");
	is_int(cgm_remove(c, H, "late", 0), 1, "remove it");
	cgm_set_timeout(c, 0);
	is_int(cgm_get_timeout(c), CGM_DEFAULT_TIMEOUT_MS, "timeout 0 means the default");
}

/*
 * A descriptor sent right behind authentication used to be dropped by the
 * peer's auth reader now and then; on each fresh connection the pidfd must
 * arrive and move the process, alternating between two cgroups.
 */
static void test_pidfd_first(void)
{
	pid_t p = spawn();
	int pidfd = pidfd_of(p), fails = 0;

	for (int i = 0; i < 30; i++) {
		struct cgm *c = cgm_connect(sock_path, NULL);
		const char *cg = i % 2 ? "first1" : "first0";

		if (!c || (i < 2 && cgm_create(c, "all", cg) != 0))
			fails++;
		cgm_disconnect(c);
		c = cgm_connect(sock_path, NULL);
		if (!c || cgm_move_pidfd(c, "all", cg, pidfd) != 0 || !holds(H, cg, p))
			fails++;
		cgm_disconnect(c);
	}
	is_int(fails, 0, "a pidfd as the first call on 30 fresh connections moves the process each time");
	reap(p);
	close(pidfd);
}

/* One connection per thread, as documented; each makes its own cgroups, and its connect error is its own. */
static void *thread_main(void *arg)
{
	char path[128], cg[64];
	struct cgm *c = cgm_connect(sock_path, NULL);
	long fails = !c;

	for (int i = 0; c && i < CALLS_PER_THREAD; i++) {
		snprintf(cg, sizeof(cg), "threads/%ld/%d", (long)(intptr_t)arg, i);
		fails += cgm_create(c, H, cg) != 0;
	}
	cgm_disconnect(c);
	snprintf(path, sizeof(path), "/nonexistent/cgmtest-%ld", (long)(intptr_t)arg);
	fails += cgm_connect(path, NULL) != NULL;
	fails += strstr(cgm_errmsg(NULL), path) == NULL;
	return (void *)fails;
}

static void test_threads(struct cgm *c)
{
	pthread_t t[THREADS];
	long fails = 0;
	int made = 0;

	for (intptr_t i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, thread_main, (void *)i);
	for (int i = 0; i < THREADS; i++) {
		void *r;

		pthread_join(t[i], &r);
		fails += (long)r;
	}
	is_int(fails, 0, "%d threads, a connection each, %d calls each, connect errors kept per thread", THREADS,
	       CALLS_PER_THREAD);
	for (int i = 0; i < THREADS; i++)
		for (int j = 0; j < CALLS_PER_THREAD; j++) {
			char rel[64];

			snprintf(rel, sizeof(rel), "threads/%d/%d", i, j);
			made += is_dir(host(H, rel));
		}
	is_int(made, THREADS * CALLS_PER_THREAD, "every cgroup the threads made is on the host");
	is_int(cgm_remove(c, H, "threads", 1), 1, "remove them");
}

/*
 * One raw connection, many calls written before a single reply is read:
 * the daemon runs one client's calls one at a time, in the order they came,
 * whatever its worker threads do, so no Remove overtakes the Create before
 * it, and the replies come back in that order.
 */
static void test_pipelined(void)
{
	dbus_uint32_t serials[PIPELINED];
	DBusConnection *conn;
	DBusError derr;
	char address[PATH_MAX + 16];
	int sent = 0, in_order = 0, as_sequential = 0;

	dbus_error_init(&derr);
	snprintf(address, sizeof(address), "unix:path=%s", sock_path);
	conn = dbus_connection_open_private(address, &derr);
	if (!ok(conn != NULL, "a raw libdbus connection (%s)", conn ? "ok" : derr.message)) {
		dbus_error_free(&derr);
		return;
	}
	for (int i = 0; i < PIPELINED; i++) {
		const char *spec = H, *path = "pipelined";
		dbus_int32_t recursive = 0;
		DBusMessage *m = dbus_message_new_method_call(NULL, "/org/linuxcontainers/cgmanager",
							      "org.linuxcontainers.cgmanager0_0",
							      i % 2 ? "Remove" : "Create");

		if (m && dbus_message_append_args(m, DBUS_TYPE_STRING, &spec, DBUS_TYPE_STRING, &path,
						  DBUS_TYPE_INVALID) &&
		    (i % 2 == 0 || dbus_message_append_args(m, DBUS_TYPE_INT32, &recursive, DBUS_TYPE_INVALID)) &&
		    dbus_connection_send(conn, m, &serials[i]))
			sent++;
		if (m)
			dbus_message_unref(m);
	}
	dbus_connection_flush(conn);
	is_int(sent, PIPELINED, "%d Create and Remove calls sent without waiting", PIPELINED);
	for (int i = 0; i < sent; i++) {
		DBusMessage *reply;
		dbus_int32_t v = 0;

		while (!(reply = dbus_connection_pop_message(conn)) && dbus_connection_read_write(conn, 10000))
			;
		if (!reply)
			break;
		in_order += dbus_message_get_reply_serial(reply) == serials[i];
		/* Create says -1 (made), Remove 1 (removed): what they say when each follows the one before. */
		as_sequential += dbus_message_get_args(reply, NULL, DBUS_TYPE_INT32, &v, DBUS_TYPE_INVALID) &&
				 v == (i % 2 ? 1 : -1);
		dbus_message_unref(reply);
	}
	is_int(in_order, PIPELINED, "every reply came back in the order of the calls");
	is_int(as_sequential, PIPELINED, "every Create made the cgroup and every Remove removed it");
	ok(!is_dir(host(H, "pipelined")), "nothing is left on the host");
	dbus_connection_close(conn);
	dbus_connection_unref(conn);
}

/* Last: the daemon dies under an open connection. */
static void test_dropped(void)
{
	struct sigaction sa;
	struct cgm *c;
	int err = 0;
	char stat_path[64];

	setenv("CGM_SOCKET", sock_path, 1);
	c = cgm_connect(NULL, &err);
	ok(c != NULL, "NULL socket path means $CGM_SOCKET");
	sigaction(SIGPIPE, NULL, &sa);
	ok(sa.sa_handler == SIG_DFL, "connecting left SIGPIPE alone");
	kill(cgmd_pid, SIGKILL);
	/* Dead (a zombie of the script, or gone) means its end of the socket is closed. */
	snprintf(stat_path, sizeof(stat_path), "/proc/%d/stat", (int)cgmd_pid);
	ok(EVENTUALLY(!strstr(slurp(stat_path), ") S ") && !strstr(slurp(stat_path), ") R ")), "the daemon died");
	is_int(cgm_ping(c), CGM_ECONNECT, "a call on a connection the daemon dropped: CGM_ECONNECT");
	/* Writing to the dead socket would raise SIGPIPE if libdbus did not use MSG_NOSIGNAL. */
	is_int(cgm_ping(c), CGM_ECONNECT, "calls on a dropped connection fail again, without SIGPIPE");
	cgm_disconnect(c);
	ok(!cgm_connect(NULL, &err) && err == CGM_ECONNECT, "connecting to the dead daemon's socket: CGM_ECONNECT");
	unsetenv("CGM_SOCKET");
}

static int read_hierarchies(const char *path)
{
	FILE *f = fopen(path, "re");

	while (f && n_hier < MAX_HIERARCHIES) {
		struct hierarchy *h = &hier[n_hier];

		if (fscanf(f, "%63s %2047s %2047s", h->name, h->mnt, h->cg) != 3)
			break;
		n_hier++;
	}
	if (f)
		fclose(f);
	return n_hier > 0 && find_hierarchy("unified") ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct passwd *pw = getpwnam("cgmtest1");
	struct cgm *c;
	int err = 1;

	signal(SIGPIPE, SIG_DFL);
	alarm(60); /* A hang is a failure, not a stuck test suite. */
	sock_path = getenv("CGM_SOCKET");
	if (argc != 4 || !sock_path || read_hierarchies(argv[1]) < 0 || !pw) {
		fprintf(stderr,
			"usage: CGM_SOCKET=PATH test-lib-calls HIERARCHIES CGMD-PID API-VERSION (needs cgmtest1)\n");
		return 2;
	}
	cgmd_pid = atoi(argv[2]);
	api_version = atoi(argv[3]);
	user_uid = pw->pw_uid;
	user_gid = pw->pw_gid;
	if (!find_hierarchy(H))
		H = "unified";

	c = cgm_connect(sock_path, &err);
	ok(c != NULL, "connect to cgmd (%s)", c ? "ok" : cgm_errmsg(NULL));
	is_int(err, 0, "connect reports success");
	if (c) {
		test_basics(c);
		test_status(c);
		test_apply_limits(c);
		test_create_remove(c);
		test_caller_moves(c);
		test_access(c);
		test_values(c);
		test_refusals(c);
		test_permission_denied();
		test_processes(c);
		test_freeze(c);
		test_remove_on_empty(c);
		test_open_session(c);
		test_open_own_session(c);
		test_timeouts(c);
		test_pidfd_first();
		test_threads(c);
		test_pipelined();
		cgm_disconnect(c);
	}
	test_dropped();
	return tap_done();
}
