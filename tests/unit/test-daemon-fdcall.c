/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Not a test by itself: a minimal D-Bus client for the integration tests,
 * because neither dbus-send nor busctl can pass a file descriptor.
 *
 *   test-daemon-fdcall SOCKET INTERFACE.METHOD SIGNATURE ARG...
 *
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

int main(int argc, char **argv)
{
	DBusMessage *call, *reply;
	DBusMessageIter it;
	DBusConnection *conn;
	DBusError err;
	char address[4200], *dot;
	const char *sig;

	if (argc < 4 || !(dot = strrchr(argv[2], '.')) || strlen(argv[3]) != (size_t)argc - 4) {
		fprintf(stderr, "usage: %s SOCKET INTERFACE.METHOD SIGNATURE ARG...\n", argv[0]);
		return 2;
	}
	*dot = '\0';
	sig = argv[3];
	dbus_error_init(&err);
	snprintf(address, sizeof(address), "unix:path=%s", argv[1]);
	conn = dbus_connection_open_private(address, &err);
	if (!conn) {
		printf("%s: %s\n", err.name, err.message);
		return 1;
	}
	/*
	 * libdbus reads the authentication phase with plain read(2), which
	 * drops descriptors that arrive with it: a round trip first makes
	 * sure the daemon is past it before the pidfd is sent.
	 */
	call = dbus_message_new_method_call(NULL, "/org/linuxcontainers/cgmanager", "org.freedesktop.DBus.Peer",
					    "Ping");
	reply = dbus_connection_send_with_reply_and_block(conn, call, 5000, &err);
	if (!reply) {
		printf("%s: %s\n", err.name, err.message);
		return 1;
	}
	dbus_message_unref(reply);
	dbus_message_unref(call);
	call = dbus_message_new_method_call(NULL, "/org/linuxcontainers/cgmanager", argv[2], dot + 1);
	dbus_message_iter_init_append(call, &it);
	for (int i = 0; sig[i]; i++) {
		const char *a = argv[4 + i];
		dbus_int32_t n = (dbus_int32_t)strtol(a, NULL, 0);
		dbus_uint32_t u = (dbus_uint32_t)strtoul(a, NULL, 0);
		int fd;

		switch (sig[i]) {
		case 's':
			dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &a);
			break;
		case 'i':
			dbus_message_iter_append_basic(&it, DBUS_TYPE_INT32, &n);
			break;
		case 'u':
			dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT32, &u);
			break;
		case 'h':
			if (strncmp(a, "file:", 5) == 0)
				fd = open(a + 5, O_RDONLY | O_CLOEXEC);
			else
				fd = (int)syscall(SYS_pidfd_open, (pid_t)n, 0);
			if (fd < 0) {
				perror(a);
				return 2;
			}
			dbus_message_iter_append_basic(&it, DBUS_TYPE_UNIX_FD, &fd);
			break;
		default:
			fprintf(stderr, "unsupported type %c\n", sig[i]);
			return 2;
		}
	}
	reply = dbus_connection_send_with_reply_and_block(conn, call, 5000, &err);
	if (!reply) {
		printf("%s: %s\n", err.name, err.message);
		return 1;
	}
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
	return 0;
}
