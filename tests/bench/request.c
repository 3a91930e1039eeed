/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scenario 2, one request on an open connection: Ping and GetValue to cgmd
 * against the same calls, through the same libcgm client code, to a bare
 * libdbus peer-to-peer server that answers every call at once (the
 * transport floor: what any D-Bus daemon pays), and against reading the
 * file directly.  The echo server is a process of its own, as cgmd is.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <dbus/dbus.h>

#include "bench.h"
#include "cgm.h"

/* The value file every GetValue reads: small, and present in the sandbox of a v1 pids hierarchy. */
#define KEY_HIER "pids"
#define KEY	 "pids.max"

static pid_t echo_pid = -1;
static DBusWatch *listen_watch;
static DBusConnection *echo_conn;

static DBusHandlerResult echo_message(DBusConnection *conn, DBusMessage *msg, void *data)
{
	DBusMessage *reply;
	const char *value = "max\n";

	if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	reply = dbus_message_new_method_return(msg);
	if (!reply)
		return DBUS_HANDLER_RESULT_NEED_MEMORY;
	/* Replies shaped as cgmd's: GetValue returns a string, Ping nothing. */
	if (strcmp(dbus_message_get_member(msg), "GetValue") == 0)
		dbus_message_append_args(reply, DBUS_TYPE_STRING, &value, DBUS_TYPE_INVALID);
	dbus_connection_send(conn, reply, NULL);
	dbus_message_unref(reply);
	return DBUS_HANDLER_RESULT_HANDLED;
}

static dbus_bool_t echo_any_user(DBusConnection *conn, unsigned long uid, void *data)
{
	return TRUE;
}

static void echo_new_connection(DBusServer *server, DBusConnection *conn, void *data)
{
	dbus_connection_set_unix_user_function(conn, echo_any_user, NULL, NULL);
	dbus_connection_add_filter(conn, echo_message, NULL, NULL);
	echo_conn = dbus_connection_ref(conn);
}

static dbus_bool_t add_watch(DBusWatch *w, void *data)
{
	if (dbus_watch_get_flags(w) & DBUS_WATCH_READABLE)
		listen_watch = w;
	return TRUE;
}

static void remove_watch(DBusWatch *w, void *data)
{
	if (listen_watch == w)
		listen_watch = NULL;
}

/* One client at a time: accept, serve it until it hangs up, accept the next. */
static void echo_serve(const char *path)
{
	static const char *mechanisms[] = {"EXTERNAL", NULL};
	char address[600];
	DBusServer *srv;
	DBusError err;

	dbus_error_init(&err);
	snprintf(address, sizeof(address), "unix:path=%s", path);
	srv = dbus_server_listen(address, &err);
	if (!srv) {
		fprintf(stderr, "cgm-bench: echo server: %s\n", err.message);
		_exit(1);
	}
	dbus_server_set_auth_mechanisms(srv, mechanisms);
	dbus_server_set_new_connection_function(srv, echo_new_connection, NULL, NULL);
	dbus_server_set_watch_functions(srv, add_watch, remove_watch, NULL, NULL, NULL);
	for (;;) {
		struct pollfd p = {.fd = listen_watch ? dbus_watch_get_unix_fd(listen_watch) : -1, .events = POLLIN};

		if (poll(&p, 1, -1) < 0 || !listen_watch)
			_exit(1);
		dbus_watch_handle(listen_watch, DBUS_WATCH_READABLE);
		if (!echo_conn)
			continue;
		while (dbus_connection_read_write_dispatch(echo_conn, -1))
			;
		dbus_connection_unref(echo_conn);
		echo_conn = NULL;
	}
}

int echo_server_start(const char *path)
{
	echo_pid = fork();
	if (echo_pid < 0)
		return -1;
	if (echo_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		echo_serve(path);
	}
	for (int i = 0; i < 200 && access(path, F_OK) < 0; i++)
		usleep(10000);
	return access(path, F_OK);
}

void echo_server_stop(void)
{
	reap(echo_pid);
	echo_pid = -1;
}

struct call {
	struct cgm *conn;
	const char *path;
};

static int do_ping(void *ctx)
{
	return cgm_ping(((struct call *)ctx)->conn);
}

/* What pam_cgm pays twice per login before its first request: a new connection. */
static int do_connect_ping(void *ctx)
{
	struct cgm *conn = cgm_connect(((struct call *)ctx)->path, NULL);
	int r = conn ? cgm_ping(conn) : -1;

	cgm_disconnect(conn);
	return r;
}

static int do_get_value(void *ctx)
{
	char *value = NULL;
	int r = cgm_get_value(((struct call *)ctx)->conn, KEY_HIER, "", KEY, &value);

	free(value);
	return r;
}

/* One open and read of c->path: a cgroup file, or what cgmd reads before
 * every request that names a cgroup (where the caller is now). */
static int do_read(void *ctx)
{
	const struct call *c = ctx;
	char buf[4096];
	int fd = open(c->path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 ? 0 : -1;
}

/*
 * Pins this process, cgmd and (forked after this) the echo server to the
 * CPU this process is on; returns whether it did, with the old masks.  On
 * an idle machine the scheduler tends to keep the benchmark's own child on
 * its CPU and to wake cgmd on the other, idle one, whose wake-up latency
 * then decides the comparison; on one CPU both servers are treated alike.
 */
static bool pin_together(cpu_set_t *ret_mine, cpu_set_t *ret_cgmd)
{
	int cpu = sched_getcpu();
	cpu_set_t one;

	if (cpu < 0 || sched_getaffinity(0, sizeof(*ret_mine), ret_mine) < 0 ||
	    sched_getaffinity(opt.cgmd_pid, sizeof(*ret_cgmd), ret_cgmd) < 0)
		return false;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	if (sched_setaffinity(0, sizeof(one), &one) < 0)
		return false;
	if (sched_setaffinity(opt.cgmd_pid, sizeof(one), &one) < 0) {
		sched_setaffinity(0, sizeof(*ret_mine), ret_mine);
		return false;
	}
	return true;
}

void scenario_request(void)
{
	char echo_path[512], key_path[600] = "";
	struct call cgmd = {.path = opt.socket}, echo = {0}, file = {0}, own_cgroups = {.path = "/proc/self/cgroup"};
	int iters = iterations(20000);

	cpu_set_t mine, cgmd_mask;
	bool pinned = pin_together(&mine, &cgmd_mask);

	printf("\n2. one request on an open connection%s\n",
	       pinned ? " (cgm-bench, cgmd and the echo server on one CPU)" : "");
	for (size_t i = 0; i < nhier; i++)
		if (strcmp(hier[i].name, KEY_HIER) == 0)
			snprintf(key_path, sizeof(key_path), "%s/%s", hier[i].mnt, KEY);
	if (!key_path[0]) {
		result_note("scenario 2 skipped: no %s hierarchy", KEY_HIER);
		return;
	}
	snprintf(echo_path, sizeof(echo_path), "%s/echo.sock", opt.workdir);
	if (echo_server_start(echo_path) < 0 || !(echo.conn = cgm_connect(echo_path, NULL)) ||
	    !(cgmd.conn = cgm_connect(opt.socket, NULL))) {
		fprintf(stderr, "cgm-bench: scenario 2: cannot connect: %s\n", cgm_errmsg(NULL));
		goto out;
	}
	file.path = key_path;
	echo.path = echo_path;
	{
		struct contender c[] = {
			{.name = "cgmd", .run = do_ping, .ctx = &cgmd},
			{.name = "libdbus echo (transport floor)", .run = do_ping, .ctx = &echo},
		};

		alternate(c, 2, iters, 200);
		result_series("2 request", "Ping", &c[0], &c[1]);
		result_series("2 request", "Ping", &c[1], &c[1]);
		series_free(&c[0].s);
		series_free(&c[1].s);
	}
	{
		struct contender c[] = {
			{.name = "cgmd", .run = do_get_value, .ctx = &cgmd},
			{.name = "libdbus echo (transport floor)", .run = do_get_value, .ctx = &echo},
			{.name = "direct read of the file", .run = do_read, .ctx = &file},
			{.name = "(read of /proc/<pid>/cgroup)", .run = do_read, .ctx = &own_cgroups},
		};

		alternate(c, 4, iters, 200);
		for (size_t i = 0; i < 4; i++) {
			result_series("2 request", "GetValue " KEY_HIER " " KEY, &c[i], &c[1]);
			series_free(&c[i].s);
		}
	}
	/* The echo server takes one client at a time. */
	cgm_disconnect(echo.conn);
	echo.conn = NULL;
	{
		struct contender c[] = {
			{.name = "cgmd", .run = do_connect_ping, .ctx = &cgmd},
			{.name = "libdbus echo (transport floor)", .run = do_connect_ping, .ctx = &echo},
		};

		alternate(c, 2, iters / 10, 20);
		result_series("2 request", "connect + Ping + disconnect", &c[0], &c[1]);
		result_series("2 request", "connect + Ping + disconnect", &c[1], &c[1]);
		series_free(&c[0].s);
		series_free(&c[1].s);
	}
out:
	cgm_disconnect(cgmd.conn);
	cgm_disconnect(echo.conn);
	echo_server_stop();
	unlink(echo_path);
	if (pinned) {
		sched_setaffinity(opt.cgmd_pid, sizeof(cgmd_mask), &cgmd_mask);
		sched_setaffinity(0, sizeof(mine), &mine);
	}
}
