/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The connection to cgmd and the one way every request travels.  libcgm
 * runs inside sshd, login and su, so nothing here may hang, print, exit or
 * change process-wide state: every step (connect, authentication, each
 * call) has a deadline, libdbus is told not to touch SIGPIPE (it sends with
 * MSG_NOSIGNAL anyway) nor to _exit() on disconnect, and arguments libdbus
 * would abort on are refused here first.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * libdbus connects with a blocking connect(2), which on a Unix socket waits
 * for as long as the listener's backlog is full -- forever if the daemon
 * hangs while clients keep arriving.  So first see for ourselves, without
 * blocking, that the kernel queues a connection now, retrying until the
 * deadline.  (The backlog can still fill in the instant between the two
 * connects; that window is the only unbounded wait left.)  This also gives
 * a clearer message than libdbus for a missing socket or a refused
 * connection.
 */
static int probe_socket(const char *path, long long deadline)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int r;

	memcpy(sa.sun_path, path, strlen(path));
	for (;;) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return cgm__fail(NULL, CGM_ECONNECT, "cannot make a socket: %s", strerror(errno));
		r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
		r = r < 0 ? errno : 0;
		close(fd);
		if (r == 0)
			return 0;
		if (r != EAGAIN && r != EINTR)
			return cgm__fail(NULL, CGM_ECONNECT, "cannot connect to %s: %s", path, strerror(r));
		if (now_ms() >= deadline)
			return cgm__fail(NULL, CGM_ETIMEOUT, "%s: the daemon accepts no connections (backlog full)",
					 path);
		poll(NULL, 0, 10);
	}
}

/* libdbus authenticates lazily; drive it here so that a peer that never answers costs at most the deadline. */
static int authenticate(DBusConnection *dbus, const char *path, long long deadline)
{
	while (!dbus_connection_get_is_authenticated(dbus)) {
		long long left = deadline - now_ms();

		if (!dbus_connection_get_is_connected(dbus))
			return cgm__fail(NULL, CGM_ECONNECT,
					 "%s: the daemon closed the connection during authentication", path);
		if (left <= 0)
			return cgm__fail(NULL, CGM_ETIMEOUT, "%s: the daemon did not complete authentication in time",
					 path);
		dbus_connection_read_write(dbus, (int)left);
	}
	return 0;
}

static int effective_timeout(int timeout_ms)
{
	return timeout_ms > 0 ? timeout_ms : CGM_DEFAULT_TIMEOUT_MS;
}

CGM_EXPORT struct cgm *cgm_connect_timeout(const char *socket_path, int timeout_ms, int *ret_err)
{
	long long deadline;
	struct cgm *conn = NULL;
	DBusConnection *dbus = NULL;
	DBusError derr;
	char *escaped = NULL, *address = NULL;
	int r;

	/* secure_getenv: inside su and other setuid programs the caller's environment must not pick the daemon. */
	if (!socket_path || !*socket_path)
		socket_path = secure_getenv("CGM_SOCKET");
	if (!socket_path || !*socket_path)
		socket_path = CGM_DEFAULT_SOCKET; /* config.h: where this build's daemon listens */
	timeout_ms = effective_timeout(timeout_ms);
	deadline = now_ms() + timeout_ms;
	dbus_error_init(&derr);

	if (strlen(socket_path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		r = cgm__fail(NULL, CGM_EINVAL, "socket path too long: %s", socket_path);
		goto out;
	}
	r = probe_socket(socket_path, deadline);
	if (r < 0)
		goto out;

	r = cgm__fail(NULL, CGM_ENOMEM, "out of memory");
	conn = calloc(1, sizeof(*conn));
	escaped = dbus_address_escape_value(socket_path);
	if (!conn || !escaped)
		goto out;
	address = malloc(strlen(escaped) + sizeof("unix:path="));
	if (!address)
		goto out;
	strcpy(address, "unix:path=");
	strcat(address, escaped);

	/* Process-wide in libdbus, but only ever turns a change off. */
	dbus_connection_set_change_sigpipe(FALSE);
	dbus = dbus_connection_open_private(address, &derr);
	if (!dbus) {
		r = cgm__fail(NULL,
			      derr.name && strcmp(derr.name, DBUS_ERROR_NO_MEMORY) == 0 ? CGM_ENOMEM : CGM_ECONNECT,
			      "cannot connect to %s: %s", socket_path, derr.message ? derr.message : "unknown error");
		goto out;
	}
	dbus_connection_set_exit_on_disconnect(dbus, FALSE);
	r = authenticate(dbus, socket_path, deadline);
	if (r < 0)
		goto out;

	conn->dbus = dbus;
	conn->timeout_ms = timeout_ms;
	dbus = NULL;
	r = 0;
out:
	if (dbus) {
		dbus_connection_close(dbus);
		dbus_connection_unref(dbus);
	}
	dbus_error_free(&derr);
	dbus_free(escaped);
	free(address);
	if (r < 0) {
		free(conn);
		conn = NULL;
	}
	if (ret_err)
		*ret_err = r;
	return conn;
}

CGM_EXPORT struct cgm *cgm_connect(const char *socket_path, int *ret_err)
{
	return cgm_connect_timeout(socket_path, CGM_DEFAULT_TIMEOUT_MS, ret_err);
}

CGM_EXPORT void cgm_disconnect(struct cgm *conn)
{
	if (!conn)
		return;
	dbus_connection_close(conn->dbus);
	dbus_connection_unref(conn->dbus);
	free(conn);
}

CGM_EXPORT void cgm_set_timeout(struct cgm *conn, int timeout_ms)
{
	if (conn)
		conn->timeout_ms = effective_timeout(timeout_ms);
}

CGM_EXPORT int cgm_get_timeout(const struct cgm *conn)
{
	return conn ? conn->timeout_ms : CGM_DEFAULT_TIMEOUT_MS;
}

static int append_args(struct cgm *conn, const char *member, DBusMessage *msg, int type, va_list ap)
{
	DBusMessageIter it;

	dbus_message_iter_init_append(msg, &it);
	for (; type != DBUS_TYPE_INVALID; type = va_arg(ap, int)) {
		const void *value = va_arg(ap, const void *);

		if (type == DBUS_TYPE_STRING) {
			const char *s = *(const char *const *)value;

			if (!s)
				return cgm__fail(conn, CGM_EINVAL, "%s: a string argument is NULL", member);
			if (!dbus_validate_utf8(s, NULL))
				return cgm__fail(conn, CGM_EINVAL, "%s: a string argument is not valid UTF-8", member);
		} else if (type == DBUS_TYPE_UNIX_FD) {
			if (*(const int *)value < 0)
				return cgm__fail(conn, CGM_EINVAL, "%s: invalid file descriptor", member);
			if (!dbus_connection_can_send_type(conn->dbus, DBUS_TYPE_UNIX_FD))
				return cgm__fail(conn, CGM_EPROTOCOL,
						 "%s: this connection cannot pass file descriptors", member);
		}
		if (!dbus_message_iter_append_basic(&it, type, value))
			return cgm__fail(conn, type == DBUS_TYPE_UNIX_FD ? CGM_EINVAL : CGM_ENOMEM,
					 "%s: cannot add an argument", member);
	}
	return 0;
}

int cgm__call(struct cgm *conn, const struct cgm__method *m, DBusMessage **ret_reply, int first_type, ...)
{
	DBusMessage *msg, *reply;
	DBusError derr;
	va_list ap;
	int r;

	*ret_reply = NULL;
	if (!conn)
		return cgm__fail(NULL, CGM_EINVAL, "%s: no connection", m->member);
	msg = dbus_message_new_method_call(NULL, CGM_OBJECT_PATH, m->iface, m->member);
	if (!msg)
		return cgm__fail(conn, CGM_ENOMEM, "%s: out of memory", m->member);
	va_start(ap, first_type);
	r = append_args(conn, m->member, msg, first_type, ap);
	va_end(ap);
	if (r < 0) {
		dbus_message_unref(msg);
		return r;
	}

	/*
	 * libdbus reads the authentication with plain read(2), which also
	 * swallows -- and so drops the file descriptors of -- a message sent
	 * right behind BEGIN.  Before the first message carrying descriptors,
	 * a round trip makes sure the daemon has left authentication.
	 */
	if (!conn->answered && dbus_message_contains_unix_fds(msg)) {
		static const struct cgm__method ping = {CGM_IFACE_LEGACY, "Ping", ""};
		DBusMessage *pong;

		r = cgm__call(conn, &ping, &pong, CGM_I(0), CGM_ARGS_END);
		if (r < 0) {
			dbus_message_unref(msg);
			return r;
		}
		dbus_message_unref(pong);
	}

	dbus_error_init(&derr);
	reply = dbus_connection_send_with_reply_and_block(conn->dbus, msg, conn->timeout_ms, &derr);
	dbus_message_unref(msg);
	if (!reply) {
		r = cgm__error_from_dbus(derr.name);
		/* An error the daemon sent is an answer too. */
		if (r != CGM_ETIMEOUT && r != CGM_ECONNECT && r != CGM_ENOMEM)
			conn->answered = true;
		/* libdbus answers NoReply too when the peer hangs up while we wait. */
		if (r == CGM_ETIMEOUT && !dbus_connection_get_is_connected(conn->dbus))
			cgm__fail(conn, r = CGM_ECONNECT, "%s: the daemon closed the connection", m->member);
		else if (r == CGM_ETIMEOUT)
			cgm__fail(conn, r, "%s: no answer from the daemon within %d ms", m->member, conn->timeout_ms);
		else
			cgm__fail(conn, r, "%s", derr.message && *derr.message ? derr.message : cgm_strerror(r));
		dbus_error_free(&derr);
		return r;
	}
	conn->answered = true;
	if (strcmp(dbus_message_get_signature(reply), m->reply_signature) != 0) {
		r = cgm__fail(conn, CGM_EPROTOCOL, "%s: the reply has signature '%s', expected '%s'", m->member,
			      dbus_message_get_signature(reply), m->reply_signature);
		dbus_message_unref(reply);
		return r;
	}
	conn->errmsg[0] = '\0';
	*ret_reply = reply;
	return 0;
}
