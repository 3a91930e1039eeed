/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Not a test by itself: a minimal D-Bus client for the integration tests,
 * because neither dbus-send nor busctl can pass a file descriptor.
 *
 *   test-daemon-fdcall SOCKET INTERFACE.METHOD SIGNATURE ARG...
 *
 * SOCKET may also be bus:ADDRESS, a message bus to call cgmd on as
 * org.cgm.Manager1 (cgmd --system-bus).
 * SIGNATURE holds s, i, u and h; an "h" argument is a pid, sent as a pidfd
 * of that process, or file:PATH, sent as that file opened for reading.  Prints the reply's string or integer values one
 * per line and exits 0, or prints "ERROR-NAME: message" and exits 1.
 */
#include "config.h"

#include <dbus/dbus.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Appends argument `a` of type `type` to the call; -1 (with a message) when it cannot. */
static int append_arg(DBusMessageIter *it, char type, const char *a)
{
	dbus_int32_t n = (dbus_int32_t)strtol(a, NULL, 0);
	dbus_uint32_t u = (dbus_uint32_t)strtoul(a, NULL, 0);
	int fd, ok;

	switch (type) {
	case 's':
		return dbus_message_iter_append_basic(it, DBUS_TYPE_STRING, &a) ? 0 : -1;
	case 'i':
		return dbus_message_iter_append_basic(it, DBUS_TYPE_INT32, &n) ? 0 : -1;
	case 'u':
		return dbus_message_iter_append_basic(it, DBUS_TYPE_UINT32, &u) ? 0 : -1;
	case 'h':
		if (strncmp(a, "file:", 5) == 0)
			fd = open(a + 5, O_RDONLY | O_CLOEXEC);
		else
			fd = (int)syscall(SYS_pidfd_open, (pid_t)n, 0);
		if (fd < 0) {
			perror(a);
			return -1;
		}
		ok = dbus_message_iter_append_basic(it, DBUS_TYPE_UNIX_FD, &fd); /* libdbus keeps a dup */
		close(fd);
		return ok ? 0 : -1;
	default:
		fprintf(stderr, "unsupported type %c\n", type);
		return -1;
	}
}

/* Sends `call` (consumed) and waits; prints the error and returns NULL on failure. */
static DBusMessage *send_call(DBusConnection *conn, DBusMessage *call)
{
	DBusMessage *reply;
	DBusError err;

	dbus_error_init(&err);
	reply = dbus_connection_send_with_reply_and_block(conn, call, 5000, &err);
	dbus_message_unref(call);
	if (!reply) {
		printf("%s: %s\n", err.name, err.message);
		dbus_error_free(&err);
	}
	return reply;
}

int main(int argc, char **argv)
{
	DBusMessage *call, *reply = NULL;
	DBusMessageIter it;
	DBusConnection *conn;
	DBusError err;
	char address[4200], *dot;
	const char *sig, *dest = NULL;
	int status = 1;

	if (argc < 4 || !(dot = strrchr(argv[2], '.')) || strlen(argv[3]) != (size_t)argc - 4) {
		fprintf(stderr, "usage: %s SOCKET INTERFACE.METHOD SIGNATURE ARG...\n", argv[0]);
		return 2;
	}
	*dot = '\0';
	sig = argv[3];
	dbus_error_init(&err);
	if (strncmp(argv[1], "bus:", 4) == 0) {
		snprintf(address, sizeof(address), "%s", argv[1] + 4);
		dest = "org.cgm.Manager1";
	} else {
		snprintf(address, sizeof(address), "unix:path=%s", argv[1]);
	}
	conn = dbus_connection_open_private(address, &err);
	if (!conn || (dest && !dbus_bus_register(conn, &err))) {
		printf("%s: %s\n", err.name, err.message);
		dbus_error_free(&err);
		return 1;
	}
	/*
	 * libdbus reads the authentication phase with plain read(2), which
	 * drops descriptors that arrive with it: a round trip first makes
	 * sure the daemon is past it before the pidfd is sent.
	 */
	reply = send_call(conn, dbus_message_new_method_call(dest, "/org/linuxcontainers/cgmanager",
							     "org.freedesktop.DBus.Peer", "Ping"));
	if (!reply)
		goto out;
	dbus_message_unref(reply);
	reply = NULL;
	call = dbus_message_new_method_call(dest, "/org/linuxcontainers/cgmanager", argv[2], dot + 1);
	dbus_message_iter_init_append(call, &it);
	for (int i = 0; sig[i]; i++)
		if (append_arg(&it, sig[i], argv[4 + i]) < 0) {
			dbus_message_unref(call);
			status = 2;
			goto out;
		}
	reply = send_call(conn, call);
	if (!reply)
		goto out;
	if (dbus_message_iter_init(reply, &it))
		do {
			const char *s;
			dbus_int32_t n;

			if (dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_STRING) {
				dbus_message_iter_get_basic(&it, &s);
				printf("%s\n", s);
			} else if (dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_INT32) {
				dbus_message_iter_get_basic(&it, &n);
				printf("%d\n", n);
			}
		} while (dbus_message_iter_next(&it));
	status = 0;
out:
	if (reply)
		dbus_message_unref(reply);
	dbus_connection_close(conn);
	dbus_connection_unref(conn);
	dbus_shutdown();
	return status;
}
