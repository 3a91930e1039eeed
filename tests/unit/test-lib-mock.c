/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A stand-in cgmd for the client tests: it serves both interfaces of
 * DESIGN.md §2 on a socket with canned answers, so libcgm and cgm can be
 * checked (arguments on the wire, reply decoding, error mapping, timeouts)
 * without a real daemon or cgroups.  It appends every call it receives as
 * one line "Member arg arg ..." to a log file, and the cgroup argument
 * steers it: "err:<Name>" answers org.cgm.Error.<Name>, "hang" never
 * answers, "bad" answers with the wrong signature, "close" drops the
 * connection.
 *
 *   test-lib-mock SOCKET LOGFILE      (runs until killed)
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dbus/dbus.h>

#define MAX_WATCHES 64

static DBusWatch *watches[MAX_WATCHES];
static FILE *call_log;

static dbus_bool_t add_watch(DBusWatch *w, void *data)
{
	for (int i = 0; i < MAX_WATCHES; i++)
		if (!watches[i]) {
			watches[i] = w;
			return TRUE;
		}
	return FALSE;
}

static void remove_watch(DBusWatch *w, void *data)
{
	for (int i = 0; i < MAX_WATCHES; i++)
		if (watches[i] == w)
			watches[i] = NULL;
}

static void toggle_watch(DBusWatch *w, void *data)
{
}

/* Handling one watch can remove another (a connection closing). */
static int still_watched(DBusWatch *w)
{
	for (int i = 0; i < MAX_WATCHES; i++)
		if (watches[i] == w)
			return 1;
	return 0;
}

/* Method, interface and the input signature the wire contract gives it. */
static const struct {
	const char *member, *iface, *in;
} methods[] = {
	{"Ping", "org.linuxcontainers.cgmanager0_0", "i"},
	{"GetPidCgroup", "org.linuxcontainers.cgmanager0_0", "si"},
	{"GetPidCgroupAbs", "org.linuxcontainers.cgmanager0_0", "si"},
	{"Create", "org.linuxcontainers.cgmanager0_0", "ss"},
	{"Chown", "org.linuxcontainers.cgmanager0_0", "ssii"},
	{"Chmod", "org.linuxcontainers.cgmanager0_0", "sssi"},
	{"MovePid", "org.linuxcontainers.cgmanager0_0", "ssi"},
	{"MovePidAbs", "org.linuxcontainers.cgmanager0_0", "ssi"},
	{"GetValue", "org.linuxcontainers.cgmanager0_0", "sss"},
	{"SetValue", "org.linuxcontainers.cgmanager0_0", "ssss"},
	{"Remove", "org.linuxcontainers.cgmanager0_0", "ssi"},
	{"GetTasks", "org.linuxcontainers.cgmanager0_0", "ss"},
	{"GetTasksRecursive", "org.linuxcontainers.cgmanager0_0", "ss"},
	{"ListChildren", "org.linuxcontainers.cgmanager0_0", "ss"},
	{"RemoveOnEmpty", "org.linuxcontainers.cgmanager0_0", "ss"},
	{"Prune", "org.linuxcontainers.cgmanager0_0", "ss"},
	{"ListControllers", "org.linuxcontainers.cgmanager0_0", ""},
	{"ListKeys", "org.linuxcontainers.cgmanager0_0", "ss"},
	{"OpenSession", "org.cgm.Manager1", "ssuuh"},
	{"MovePidfd", "org.cgm.Manager1", "ssh"},
	{"GetPidfdCgroup", "org.cgm.Manager1", "sh"},
	{"Kill", "org.cgm.Manager1", "ssi"},
	{"Freeze", "org.cgm.Manager1", "ss"},
	{"Thaw", "org.cgm.Manager1", "ss"},
	{"Get", "org.freedesktop.DBus.Properties", "ss"},
};

/* Logs the call and returns its arguments as text; args[1] is usually the cgroup. */
static int log_call(DBusMessage *msg, char args[8][256])
{
	DBusMessageIter it;
	int n = 0;

	fprintf(call_log, "%s", dbus_message_get_member(msg));
	dbus_message_iter_init(msg, &it);
	do {
		int type = dbus_message_iter_get_arg_type(&it);
		union {
			const char *s;
			dbus_int32_t i;
			dbus_uint32_t u;
			int fd;
		} v;

		if (type == DBUS_TYPE_INVALID || n == 8)
			break;
		dbus_message_iter_get_basic(&it, &v);
		if (type == DBUS_TYPE_STRING)
			snprintf(args[n], 256, "%s", v.s);
		else if (type == DBUS_TYPE_INT32)
			snprintf(args[n], 256, "%d", v.i);
		else if (type == DBUS_TYPE_UINT32)
			snprintf(args[n], 256, "%u", v.u);
		else if (type == DBUS_TYPE_UNIX_FD) {
			snprintf(args[n], 256, "%s", v.fd >= 0 ? "fd" : "nofd");
			close(v.fd);
		}
		fprintf(call_log, " %s", args[n]);
		n++;
	} while (dbus_message_iter_next(&it));
	fprintf(call_log, "\n");
	fflush(call_log);
	return n;
}

static DBusMessage *answer(DBusMessage *msg, const char *member, char args[8][256])
{
	static const dbus_int32_t pids[] = {1, 2, 3};
	const dbus_int32_t *p = pids;
	static const char *children[] = {"a", "b"}, *controllers[] = {"memory", "unified"};
	const char **cv = strcmp(member, "ListChildren") == 0 ? children : controllers;
	DBusMessage *r = dbus_message_new_method_return(msg);
	DBusMessageIter it, sub, st;
	char text[600];
	const char *s = text;
	dbus_int32_t i;

	dbus_message_iter_init_append(r, &it);
	if (!strcmp(member, "GetPidCgroup") || !strcmp(member, "GetPidCgroupAbs") || !strcmp(member, "GetValue") ||
	    !strcmp(member, "OpenSession") || !strcmp(member, "GetPidfdCgroup")) {
		snprintf(text, sizeof(text), "/%.255s/%.255s", args[0], args[1]);
		dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &s);
	} else if (!strcmp(member, "Create") || !strcmp(member, "Remove")) {
		/* "new" is created / "gone" did not exist: -1; anything else 1. */
		i = !strcmp(args[1], "new") || !strcmp(args[1], "gone") ? -1 : 1;
		dbus_message_iter_append_basic(&it, DBUS_TYPE_INT32, &i);
	} else if (!strcmp(member, "GetTasks") || !strcmp(member, "GetTasksRecursive")) {
		dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "i", &sub);
		dbus_message_iter_append_fixed_array(&sub, DBUS_TYPE_INT32, &p, !strcmp(args[1], "empty") ? 0 : 3);
		dbus_message_iter_close_container(&it, &sub);
	} else if (!strcmp(member, "ListChildren") || !strcmp(member, "ListControllers")) {
		dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &sub);
		/* Only the top has children, so a tree stays finite. */
		for (int k = 0; k < 2 && (cv == controllers || !args[1][0]); k++)
			dbus_message_iter_append_basic(&sub, DBUS_TYPE_STRING, &cv[k]);
		dbus_message_iter_close_container(&it, &sub);
	} else if (!strcmp(member, "ListKeys")) {
		static const char *names[] = {"tasks", "cgroup.procs"};
		dbus_uint32_t f[2][3] = {{0, 0, 0644}, {1000, 1001, 0664}};

		dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(suuu)", &sub);
		for (int k = 0; k < 2; k++) {
			dbus_message_iter_open_container(&sub, DBUS_TYPE_STRUCT, NULL, &st);
			dbus_message_iter_append_basic(&st, DBUS_TYPE_STRING, &names[k]);
			for (int j = 0; j < 3; j++)
				dbus_message_iter_append_basic(&st, DBUS_TYPE_UINT32, &f[k][j]);
			dbus_message_iter_close_container(&sub, &st);
		}
		dbus_message_iter_close_container(&it, &sub);
	} else if (!strcmp(member, "Get")) {
		i = strcmp(args[0], "org.linuxcontainers.cgmanager0_0") == 0 ? 42 : 0;
		dbus_message_iter_open_container(&it, DBUS_TYPE_VARIANT, "i", &sub);
		dbus_message_iter_append_basic(&sub, DBUS_TYPE_INT32, &i);
		dbus_message_iter_close_container(&it, &sub);
	}
	return r;
}

static DBusHandlerResult handle(DBusConnection *conn, DBusMessage *msg, void *data)
{
	const char *member = dbus_message_get_member(msg);
	char args[8][256] = {{0}};
	DBusMessage *reply = NULL;
	size_t i;

	if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(member, methods[i].member) && dbus_message_has_interface(msg, methods[i].iface))
			break;
	log_call(msg, args);
	if (i == sizeof(methods) / sizeof(methods[0]))
		reply = dbus_message_new_error(msg, DBUS_ERROR_UNKNOWN_METHOD, "mock: no such method");
	else if (strcmp(dbus_message_get_signature(msg), methods[i].in) != 0)
		reply = dbus_message_new_error(msg, DBUS_ERROR_INVALID_ARGS, "mock: wrong signature");
	else if (!strncmp(args[1], "err:", 4)) {
		char name[300], text[300];

		snprintf(name, sizeof(name), "org.cgm.Error.%.250s", args[1] + 4);
		snprintf(text, sizeof(text), "mock: %.250s", args[1] + 4);
		reply = dbus_message_new_error(msg, name, text);
	} else if (!strcmp(args[1], "hang"))
		return DBUS_HANDLER_RESULT_HANDLED;
	else if (!strcmp(args[1], "close")) {
		dbus_connection_close(conn);
		return DBUS_HANDLER_RESULT_HANDLED;
	} else if (!strcmp(args[1], "bad")) {
		reply = dbus_message_new_method_return(msg);
		dbus_message_append_args(reply, DBUS_TYPE_DOUBLE, &(double){1.0}, DBUS_TYPE_INVALID);
	} else
		reply = answer(msg, member, args);
	dbus_connection_send(conn, reply, NULL);
	dbus_message_unref(reply);
	return DBUS_HANDLER_RESULT_HANDLED;
}

#define MAX_CONNS 32
static DBusConnection *conns[MAX_CONNS];

static void new_connection(DBusServer *server, DBusConnection *conn, void *data)
{
	for (int i = 0; i < MAX_CONNS; i++)
		if (!conns[i]) {
			conns[i] = dbus_connection_ref(conn);
			dbus_connection_set_watch_functions(conn, add_watch, remove_watch, toggle_watch, NULL, NULL);
			dbus_connection_add_filter(conn, handle, NULL, NULL);
			return;
		}
}

int main(int argc, char **argv)
{
	char address[4200];
	DBusError err;
	DBusServer *server;
	char *escaped;

	if (argc != 3)
		return 2;
	call_log = fopen(argv[2], "a");
	escaped = dbus_address_escape_value(argv[1]);
	snprintf(address, sizeof(address), "unix:path=%s", escaped);
	dbus_error_init(&err);
	server = dbus_server_listen(address, &err);
	if (!call_log || !server) {
		fprintf(stderr, "mock: %s\n", err.message ? err.message : "cannot start");
		return 1;
	}
	dbus_server_set_watch_functions(server, add_watch, remove_watch, toggle_watch, NULL, NULL);
	dbus_server_set_new_connection_function(server, new_connection, NULL, NULL);

	for (;;) {
		struct pollfd pfd[MAX_WATCHES];
		DBusWatch *polled[MAX_WATCHES];
		int n = 0;

		for (int i = 0; i < MAX_WATCHES; i++) {
			unsigned fl;

			if (!watches[i] || !dbus_watch_get_enabled(watches[i]))
				continue;
			fl = dbus_watch_get_flags(watches[i]);
			polled[n] = watches[i];
			pfd[n].fd = dbus_watch_get_unix_fd(watches[i]);
			pfd[n].events =
				(fl & DBUS_WATCH_READABLE ? POLLIN : 0) | (fl & DBUS_WATCH_WRITABLE ? POLLOUT : 0);
			n++;
		}
		if (poll(pfd, n, -1) < 0)
			continue;
		for (int i = 0; i < n; i++) {
			unsigned fl = (pfd[i].revents & POLLIN ? DBUS_WATCH_READABLE : 0) |
				      (pfd[i].revents & POLLOUT ? DBUS_WATCH_WRITABLE : 0) |
				      (pfd[i].revents & POLLHUP ? DBUS_WATCH_HANGUP : 0) |
				      (pfd[i].revents & POLLERR ? DBUS_WATCH_ERROR : 0);

			if (fl && still_watched(polled[i]))
				dbus_watch_handle(polled[i], fl);
		}
		for (int i = 0; i < MAX_CONNS; i++) {
			if (!conns[i])
				continue;
			while (dbus_connection_dispatch(conns[i]) == DBUS_DISPATCH_DATA_REMAINS)
				;
			dbus_connection_flush(conns[i]);
			if (!dbus_connection_get_is_connected(conns[i])) {
				dbus_connection_unref(conns[i]);
				conns[i] = NULL;
			}
		}
	}
}
