/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcgm against the stand-in daemon (test-lib-mock): every function puts
 * the wire contract's arguments on the wire and decodes its reply, every
 * org.cgm.Error name maps to its code, bad arguments are refused instead of
 * aborting in libdbus, and a silent or stuck peer costs at most the
 * timeout -- at connect, during authentication and on a call.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgm.h"
#include "tap.h"

static char dir[] = "/tmp/cgmtest-lib.XXXXXX";
static char sock_path[128], log_path[128];
static pid_t mock_pid;

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void start_mock(void)
{
	const char *top = getenv("top_builddir");
	char prog[4096];

	snprintf(prog, sizeof(prog), "%s/tests/unit/test-lib-mock", top ? top : ".");
	mock_pid = fork();
	if (mock_pid == 0) {
		execl(prog, prog, sock_path, log_path, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200 && access(sock_path, F_OK) != 0; i++)
		usleep(10000);
}

/* The last line the mock logged: the call as it arrived. */
static const char *last_call(void)
{
	static char line[1024];
	FILE *f = fopen(log_path, "r");

	line[0] = '\0';
	while (f && fgets(line, sizeof(line), f))
		;
	if (f)
		fclose(f);
	line[strcspn(line, "\n")] = '\0';
	return line;
}

/* The mock only checks that a descriptor arrives; valgrind does not know pidfd_open. */
static int any_pidfd(void)
{
	int fd = (int)syscall(SYS_pidfd_open, getpid(), 0);

	return fd >= 0 ? fd : open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void test_calls(struct cgm *c)
{
	char *s = NULL, **v = NULL;
	pid_t *pids = NULL;
	size_t n = 0;
	struct cgm_key *keys = NULL;
	int version = 0, pidfd;

	is_int(cgm_ping(c), 0, "ping");
	is_str(last_call(), "Ping 0", "ping sends int32 0");
	is_int(cgm_create(c, "memory", "new"), 0, "create returns 0 when the daemon says -1 (created)");
	is_int(cgm_create(c, "memory", "old"), 1, "create returns 1 when the daemon says 1 (existed)");
	is_str(last_call(), "Create memory old", "create arguments");
	is_int(cgm_remove(c, "all", "old", 1), 1, "remove returns 1 when removed");
	is_str(last_call(), "Remove all old 1", "remove arguments");
	is_int(cgm_remove(c, "all", "gone", 0), 0, "remove returns 0 when it did not exist");
	is_str(last_call(), "Remove all gone 0", "remove non-recursive");
	is_int(cgm_chown(c, "cpu,cpuacct", "x", 1000, 1001), 0, "chown");
	is_str(last_call(), "Chown cpu,cpuacct x 1000 1001", "chown arguments");
	is_int(cgm_chmod(c, "pids", "x", NULL, 0750), 0, "chmod of the directory");
	is_str(last_call(), "Chmod pids x  488", "chmod with NULL file sends \"\"");
	is_int(cgm_chmod(c, "pids", "x", "pids.max", 0640), 0, "chmod of a file");
	is_str(last_call(), "Chmod pids x pids.max 416", "chmod arguments");
	is_int(cgm_move_pid(c, "all", "x", 1234), 0, "movepid");
	is_str(last_call(), "MovePid all x 1234", "movepid arguments");
	is_int(cgm_move_pid_abs(c, "all", "/x", 1234), 0, "movepidabs");
	is_str(last_call(), "MovePidAbs all /x 1234", "movepidabs arguments");
	is_int(cgm_set_value(c, "pids", "x", "pids.max", "10"), 0, "setvalue");
	is_str(last_call(), "SetValue pids x pids.max 10", "setvalue arguments");
	is_int(cgm_remove_on_empty(c, "all", "x"), 0, "removeonempty");
	is_str(last_call(), "RemoveOnEmpty all x", "removeonempty arguments");
	is_int(cgm_prune(c, "all", "x"), 0, "prune");
	is_str(last_call(), "Prune all x", "prune arguments");
	is_int(cgm_kill(c, "all", "x", SIGKILL), 0, "kill");
	is_str(last_call(), "Kill all x 9", "kill arguments");
	is_int(cgm_freeze(c, "freezer", "x"), 0, "freeze");
	is_str(last_call(), "Freeze freezer x", "freeze arguments");
	is_int(cgm_thaw(c, "freezer", "x"), 0, "thaw");
	is_str(last_call(), "Thaw freezer x", "thaw arguments");

	is_int(cgm_get_pid_cgroup(c, "memory", 77, &s), 0, "getpidcgroup");
	is_str(s, "/memory/77", "getpidcgroup decodes the string");
	free(s);
	s = NULL;
	is_int(cgm_get_pid_cgroup_abs(c, "memory", 78, &s), 0, "getpidcgroupabs");
	is_str(s, "/memory/78", "getpidcgroupabs decodes the string");
	free(s);
	s = NULL;
	is_int(cgm_get_value(c, "pids", "x", "pids.max", &s), 0, "getvalue");
	is_str(last_call(), "GetValue pids x pids.max", "getvalue arguments");
	free(s);

	is_int(cgm_get_tasks(c, "all", "x", &pids, &n), 0, "gettasks");
	ok(n == 3 && pids[0] == 1 && pids[1] == 2 && pids[2] == 3, "gettasks decodes ai");
	free(pids);
	is_int(cgm_get_tasks_recursive(c, "all", "empty", &pids, &n), 0, "gettasksrecursive, empty");
	ok(n == 0 && pids != NULL, "an empty pid list is still a pointer to free");
	free(pids);
	is_int(cgm_list_children(c, "all", "", &v), 0, "listchildren");
	ok(v && v[0] && v[1] && !v[2] && !strcmp(v[0], "a") && !strcmp(v[1], "b"), "listchildren decodes as");
	cgm_strv_free(v);
	is_int(cgm_list_controllers(c, &v), 0, "listcontrollers");
	ok(v && v[0] && !strcmp(v[1], "unified") && !v[2], "listcontrollers decodes as");
	cgm_strv_free(v);
	is_str(last_call(), "ListControllers", "listcontrollers has no arguments");
	is_int(cgm_list_keys(c, "all", "x", &keys, &n), 0, "listkeys");
	ok(n == 2 && !strcmp(keys[1].name, "cgroup.procs") && keys[1].uid == 1000 && keys[1].gid == 1001 &&
		   keys[1].mode == 0664,
	   "listkeys decodes a(suuu)");
	cgm_keys_free(keys, n);
	is_int(cgm_api_version(c, &version), 0, "api_version");
	is_int(version, 42, "api_version read from the legacy interface");

	pidfd = any_pidfd();
	is_int(cgm_open_session(c, "all", "/user/u", 1000, 1001, pidfd, &s), 0, "opensession");
	is_str(last_call(), "OpenSession all /user/u 1000 1001 fd", "opensession passes uids and the pidfd");
	free(s);
	s = NULL;
	is_int(cgm_move_pidfd(c, "all", "x", pidfd), 0, "movepidfd");
	is_str(last_call(), "MovePidfd all x fd", "movepidfd arguments");
	is_int(cgm_get_pidfd_cgroup(c, "all", pidfd, &s), 0, "getpidfdcgroup");
	is_str(s, "/all/fd", "getpidfdcgroup decodes the string");
	free(s);
	close(pidfd);
	is_int(cgm_move_pidfd(c, "all", "x", -1), CGM_EINVAL, "a negative pidfd is refused");
}

static void test_errors(struct cgm *c)
{
	static const struct {
		const char *name;
		int code;
	} names[] = {
		{"PermissionDenied", CGM_EPERM},      {"NotFound", CGM_ENOENT},
		{"InvalidPath", CGM_EPATH},	      {"InvalidKey", CGM_EKEY},
		{"InvalidValue", CGM_EVALUE},	      {"Busy", CGM_EBUSY},
		{"UnknownHierarchy", CGM_EHIERARCHY}, {"Failed", CGM_EFAILED},
		{"SomethingNew", CGM_EFAILED},
	};
	char cg[64], want[64];
	char *s = (char *)"untouched";

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(cg, sizeof(cg), "err:%s", names[i].name);
		snprintf(want, sizeof(want), "mock: %s", names[i].name);
		is_int(cgm_create(c, "all", cg), names[i].code, "org.cgm.Error.%s maps to %s", names[i].name,
		       cgm_strerror(names[i].code));
		is_str(cgm_errmsg(c), want, "the daemon's message is kept for %s", names[i].name);
	}
	is_int(cgm_get_value(c, "all", "err:NotFound", "k", &s), CGM_ENOENT, "a failing getter");
	is_str(s, "untouched", "a failing getter leaves its output alone");
	is_int(cgm_get_value(c, "all", "bad", "k", &s), CGM_EPROTOCOL, "a reply of the wrong type is EPROTOCOL");
	ok(strstr(cgm_errmsg(c), "signature") != NULL, "and says why: %s", cgm_errmsg(c));
	is_int(cgm_create(c, "all", NULL), CGM_EINVAL, "a NULL string is refused, not passed to libdbus");
	is_int(cgm_create(c, "all", "\xff\xfe"), CGM_EINVAL, "invalid UTF-8 is refused, not passed to libdbus");
	is_int(cgm_ping(NULL), CGM_EINVAL, "a NULL connection is refused");
	is_int(cgm_ping(c), 0, "the connection still works after errors");
	is_str(cgm_errmsg(c), "", "a successful call clears the message");

	for (int e = CGM_EPERM; e >= CGM_EPROTOCOL; e--)
		ok(strcmp(cgm_strerror(e), "unknown error") != 0, "cgm_strerror(%d) = %s", e, cgm_strerror(e));
	is_str(cgm_strerror(-1000), "unknown error", "cgm_strerror of an unknown code");
}

/* Waits for a call to time out; it must end near the timeout, not hang. */
static void test_call_timeout(struct cgm *c)
{
	long long t0 = now_ms();

	cgm_set_timeout(c, 300);
	is_int(cgm_get_timeout(c), 300, "timeout set");
	is_int(cgm_create(c, "all", "hang"), CGM_ETIMEOUT, "a call the daemon never answers times out");
	ok(now_ms() - t0 >= 250 && now_ms() - t0 < 2000, "after about the timeout (%lld ms)", now_ms() - t0);
	is_int(cgm_ping(c), 0, "the connection is usable after a timeout");
	cgm_set_timeout(c, 0);
	is_int(cgm_get_timeout(c), CGM_DEFAULT_TIMEOUT_MS, "timeout 0 means the default");
}

static int listen_on(const char *path, int backlog)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, backlog) < 0)
		return -1;
	return fd;
}

static void expect_connect_timeout(const char *path, const char *what)
{
	long long t0 = now_ms();
	int err = 0;
	struct cgm *c = cgm_connect_timeout(path, 300, &err);

	ok(!c, "%s: no connection", what);
	is_int(err, CGM_ETIMEOUT, "%s: CGM_ETIMEOUT", what);
	ok(now_ms() - t0 >= 250 && now_ms() - t0 < 2000, "%s: after about the timeout (%lld ms)", what, now_ms() - t0);
	ok(strlen(cgm_errmsg(NULL)) > 0, "%s: says why: %s", what, cgm_errmsg(NULL));
	cgm_disconnect(c);
}

static void test_connect(void)
{
	char path[100], longpath[160];
	int err = 0, lfd, fd;
	struct cgm *c;
	pid_t child;

	snprintf(path, sizeof(path), "%s/nothing", dir);
	c = cgm_connect(path, &err);
	ok(!c && err == CGM_ECONNECT, "no socket: CGM_ECONNECT");
	ok(strstr(cgm_errmsg(NULL), path) != NULL, "the message names the socket: %s", cgm_errmsg(NULL));

	memset(longpath, 'x', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = '\0';
	c = cgm_connect(longpath, &err);
	ok(!c && err == CGM_EINVAL, "a socket path too long for sun_path: CGM_EINVAL");

	/* The kernel queues the connection but nobody ever accepts or speaks. */
	snprintf(path, sizeof(path), "%s/silent", dir);
	lfd = listen_on(path, 16);
	expect_connect_timeout(path, "listener that never accepts");

	/* One that accepts and then stays silent. */
	child = fork();
	if (child == 0) {
		for (;;)
			if (accept(lfd, NULL, NULL) < 0)
				_exit(0);
	}
	expect_connect_timeout(path, "listener that accepts and stays silent");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(lfd);

	/* A full backlog makes a blocking connect(2) wait forever. */
	snprintf(path, sizeof(path), "%s/full", dir);
	lfd = listen_on(path, 0);
	for (int i = 0; i < 64; i++) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};

		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EAGAIN) {
			close(fd);
			break;
		}
	}
	expect_connect_timeout(path, "listener with a full backlog");
	close(lfd);
}

/*
 * A descriptor sent right behind authentication used to be dropped by the
 * peer's auth reader now and then; each fresh connection here must work.
 */
static void test_pidfd_first(void)
{
	int pidfd = any_pidfd(), fails = 0;

	for (int i = 0; i < 30; i++) {
		struct cgm *c = cgm_connect(sock_path, NULL);

		if (!c || cgm_move_pidfd(c, "all", "first", pidfd) != 0)
			fails++;
		cgm_disconnect(c);
	}
	is_int(fails, 0, "a pidfd as the first call on 30 fresh connections");
	is_str(last_call(), "MovePidfd all first fd", "and it arrives with its descriptor");
	close(pidfd);
}

/* One connection per thread, as documented; each thread's connect error is its own. */
static void *thread_main(void *arg)
{
	char path[128];
	struct cgm *c = cgm_connect(sock_path, NULL);
	long fails = !c;

	for (int i = 0; c && i < 50; i++)
		fails += cgm_ping(c) != 0;
	cgm_disconnect(c);
	snprintf(path, sizeof(path), "%s/none-%ld", dir, (long)(intptr_t)arg);
	fails += cgm_connect(path, NULL) != NULL;
	fails += strstr(cgm_errmsg(NULL), path) == NULL;
	return (void *)fails;
}

static void test_threads(void)
{
	pthread_t t[4];
	long fails = 0;

	for (intptr_t i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, thread_main, (void *)i);
	for (int i = 0; i < 4; i++) {
		void *r;

		pthread_join(t[i], &r);
		fails += (long)r;
	}
	is_int(fails, 0, "4 threads, a connection each, 50 calls each, connect errors kept per thread");
}

static void test_env_and_sigpipe(void)
{
	struct sigaction sa;
	struct cgm *c;
	int err = 0;

	setenv("CGM_SOCKET", sock_path, 1);
	c = cgm_connect(NULL, &err);
	ok(c != NULL, "NULL socket path means $CGM_SOCKET");
	sigaction(SIGPIPE, NULL, &sa);
	ok(sa.sa_handler == SIG_DFL, "connecting left SIGPIPE alone");
	is_int(cgm_create(c, "all", "close"), CGM_ECONNECT, "the daemon dropping the connection: CGM_ECONNECT");
	/* Writing to the dead socket would raise SIGPIPE if libdbus did not use MSG_NOSIGNAL. */
	is_int(cgm_ping(c), CGM_ECONNECT, "calls on a dropped connection fail without SIGPIPE");
	cgm_disconnect(c);
	unsetenv("CGM_SOCKET");
}

int main(void)
{
	struct cgm *c;
	int err = 1;

	signal(SIGPIPE, SIG_DFL);
	alarm(60); /* A hang is a failure, not a stuck test suite. */
	if (!mkdtemp(dir))
		return 99;
	snprintf(sock_path, sizeof(sock_path), "%s/sock", dir);
	snprintf(log_path, sizeof(log_path), "%s/log", dir);
	start_mock();

	c = cgm_connect(sock_path, &err);
	ok(c != NULL, "connect to the mock daemon (%s)", c ? "ok" : cgm_errmsg(NULL));
	is_int(err, 0, "connect reports success");
	if (c) {
		test_calls(c);
		test_errors(c);
		test_call_timeout(c);
		cgm_disconnect(c);
	}
	test_connect();
	test_pidfd_first();
	test_threads();
	test_env_and_sigpipe();
	cgm_disconnect(NULL);

	kill(mock_pid, SIGKILL);
	waitpid(mock_pid, NULL, 0);
	unlink(sock_path);
	unlink(log_path);
	for (const char *f = "silent\0full\0"; *f; f += strlen(f) + 1) {
		char p[200];

		snprintf(p, sizeof(p), "%s/%s", dir, f);
		unlink(p);
	}
	rmdir(dir);
	return tap_done();
}
