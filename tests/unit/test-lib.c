/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcgm where no daemon answers (the calls themselves are checked against
 * a real cgmd by tests/integration/lib-calls.sh): a missing socket (also
 * named by $CGM_SOCKET), a path too long for sun_path and a peer that
 * hangs up at once fail at once; a listener that never accepts, one that
 * accepts and stays silent and one with a full backlog cost at most the
 * timeout; each says why.  Also the fixed texts of the error codes.  Needs
 * no root.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgm.h"
#include "tap.h"

static char dir[] = "/tmp/cgmtest-lib.XXXXXX";

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
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

	/* One that hangs up at once. */
	snprintf(path, sizeof(path), "%s/hangup", dir);
	lfd = listen_on(path, 16);
	child = fork();
	if (child == 0) {
		for (int afd; (afd = accept(lfd, NULL, NULL)) >= 0;)
			close(afd);
		_exit(0);
	}
	c = cgm_connect_timeout(path, 2000, &err);
	ok(!c && err == CGM_ECONNECT, "a peer that hangs up at once: CGM_ECONNECT");
	ok(strstr(cgm_errmsg(NULL), "closed") != NULL, "... saying so: %s", cgm_errmsg(NULL));
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

/* Errors that need no connection: the fixed texts, $CGM_SOCKET, calls without a connection. */
static void test_without_connection(void)
{
	char path[100];
	int err = 0;

	for (int e = CGM_EPERM; e >= CGM_EPROTOCOL; e--)
		ok(strcmp(cgm_strerror(e), "unknown error") != 0, "cgm_strerror(%d) = %s", e, cgm_strerror(e));
	is_str(cgm_strerror(-1000), "unknown error", "cgm_strerror of an unknown code");

	snprintf(path, sizeof(path), "%s/from-env", dir);
	setenv("CGM_SOCKET", path, 1);
	ok(!cgm_connect(NULL, &err) && err == CGM_ECONNECT, "a NULL socket path means $CGM_SOCKET: CGM_ECONNECT");
	ok(strstr(cgm_errmsg(NULL), path) != NULL, "... naming that socket: %s", cgm_errmsg(NULL));
	unsetenv("CGM_SOCKET");

	is_int(cgm_ping(NULL), CGM_EINVAL, "a call without a connection: CGM_EINVAL");
	is_int(cgm_get_timeout(NULL), CGM_DEFAULT_TIMEOUT_MS, "the timeout without a connection is the default");
	cgm_set_timeout(NULL, 1);
	cgm_disconnect(NULL);
}

int main(void)
{
	signal(SIGPIPE, SIG_DFL);
	alarm(60); /* A hang is a failure, not a stuck test suite. */
	if (!mkdtemp(dir))
		return 99;
	test_connect();
	test_without_connection();

	for (const char *f = "silent\0hangup\0full\0"; *f; f += strlen(f) + 1) {
		char p[200];

		snprintf(p, sizeof(p), "%s/%s", dir, f);
		unlink(p);
	}
	rmdir(dir);
	return tap_done();
}
