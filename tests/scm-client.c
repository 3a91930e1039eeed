/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Not a test by itself: a client of the …Scm methods for the integration
 * tests, doing what the original manager's proxy did: a SOCK_DGRAM
 * socketpair, one end passed in the call, credentials sent as
 * SCM_CREDENTIALS when the daemon says go ahead, and the answer read back.
 *
 *   scm-client [--requestor PID:UID:GID] [--stall SECONDS] [--no-wait 1] SOCKET METHOD ARG...
 *
 * METHOD is one of the …Scm methods; ARG are its string and integer
 * arguments, then the pid (MovePidScm, GetPidCgroupScm and the Abs ones)
 * or "UID GID" (ChownScm) to send as the second credential.  The first
 * credential names this process with its ids unless --requestor names
 * another.  --stall waits that long after the first go-ahead before
 * sending anything (a slow client).  --no-wait 1 sends the call and goes
 * straight to the socketpair without waiting for the reply, as the
 * original manager's proxy did.  Prints the answer: the status byte
 * ('1', '2', '0'), the string, or one pid, name or key line per line.
 * Exits 0, 1 when the daemon refused ('0', empty string, count -1),
 * 2 on a D-Bus error (printed as "ERROR-NAME: message"), 3 when the
 * kernel refused to send a credential ("send: reason"), 4 on a timeout.
 */
#include "config.h"

#include <dbus/dbus.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define WAIT_MS 10000

enum second { NONE, PID, IDS };
enum answer { STATUS, STRING, PIDS, LISTING };

static const struct {
	const char *name;
	const char *sig; /* the D-Bus arguments before the socket */
	enum second second;
	enum answer answer;
} methods[] = {
	{"GetPidCgroupScm", "s", PID, STRING},	  {"GetPidCgroupAbsScm", "s", PID, STRING},
	{"CreateScm", "ss", NONE, STATUS},	  {"ChownScm", "ss", IDS, STATUS},
	{"ChmodScm", "sssi", NONE, STATUS},	  {"MovePidScm", "ss", PID, STATUS},
	{"MovePidAbsScm", "ss", PID, STATUS},	  {"GetValueScm", "sss", NONE, STRING},
	{"SetValueScm", "ssss", NONE, STATUS},	  {"RemoveScm", "ssi", NONE, STATUS},
	{"GetTasksScm", "ss", NONE, PIDS},	  {"GetTasksRecursiveScm", "ss", NONE, PIDS},
	{"ListChildrenScm", "ss", NONE, LISTING}, {"RemoveOnEmptyScm", "ss", NONE, STATUS},
	{"PruneScm", "ss", NONE, STATUS},	  {"ListKeysScm", "ss", NONE, LISTING},
};

/* Prints a D-Bus error as "NAME: message" and frees it; returns the exit status for it. */
static int dbus_failed(DBusError *err)
{
	printf("%s: %s\n", err->name, err->message);
	fflush(stdout);
	dbus_error_free(err);
	return 2;
}

/* Sends `call` (consumed) and waits for its empty reply; -1 after printing the error. */
static int call_and_wait(DBusConnection *conn, DBusMessage *call)
{
	DBusMessage *reply;
	DBusError err;

	dbus_error_init(&err);
	reply = dbus_connection_send_with_reply_and_block(conn, call, WAIT_MS, &err);
	dbus_message_unref(call);
	if (!reply) {
		dbus_failed(&err);
		return -1;
	}
	dbus_message_unref(reply);
	return 0;
}

static void die(int status, const char *what)
{
	printf("%s\n", what);
	exit(status);
}

/* Receives one datagram within WAIT_MS; with `cred`, also the credentials on it.  Returns its length. */
static ssize_t receive(int fd, void *buf, size_t size, struct ucred *cred)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred)) + CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
	struct pollfd p = {.fd = fd, .events = POLLIN};
	ssize_t n;

	if (poll(&p, 1, WAIT_MS) != 1)
		die(4, "timeout");
	n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	if (n < 0)
		die(4, "recvmsg failed");
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cred && cm; cm = CMSG_NXTHDR(&msg, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS)
			memcpy(cred, CMSG_DATA(cm), sizeof(*cred));
	return n;
}

/* Sends one byte with `cred` as SCM_CREDENTIALS; the kernel refuses what this process may not claim. */
static void send_cred(int fd, struct ucred cred)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} control;
	char byte = '1';
	struct iovec iov = {.iov_base = &byte, .iov_len = 1};
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf, .msg_controllen = sizeof(control.buf)};
	struct cmsghdr *cm;
	char why[256];

	memset(&control, 0, sizeof(control));
	cm = CMSG_FIRSTHDR(&msg);
	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_CREDENTIALS;
	cm->cmsg_len = CMSG_LEN(sizeof(cred));
	memcpy(CMSG_DATA(cm), &cred, sizeof(cred));
	if (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0) {
		snprintf(why, sizeof(why), "send: %s", strerror(errno));
		die(3, why);
	}
}

static void go_ahead(int fd)
{
	char byte = 0;

	if (receive(fd, &byte, 1, NULL) != 1 || byte != '1')
		die(4, "no go-ahead from the daemon");
}

static int read_answer(int fd, enum answer answer)
{
	static char buf[256 * 1024];
	struct ucred cred;
	int32_t count;
	uint32_t len;
	ssize_t n;

	switch (answer) {
	case STATUS:
		if (receive(fd, buf, 1, NULL) != 1)
			die(4, "no status byte");
		printf("%c\n", buf[0]);
		return buf[0] == '0';
	case STRING:
		n = receive(fd, buf, sizeof(buf) - 1, NULL);
		if (n == 0)
			die(1, "refused");
		buf[n] = '\0';
		printf("%s\n", buf);
		return 0;
	case PIDS:
	case LISTING:
		if (receive(fd, &count, sizeof(count), NULL) != sizeof(count))
			die(4, "no count");
		if (count < 0)
			die(1, "refused");
		if (answer == PIDS) {
			for (int32_t i = 0; i < count; i++) {
				cred.pid = -1;
				receive(fd, buf, 1, &cred);
				printf("%d\n", (int)cred.pid);
			}
			return 0;
		}
		if (count == 0)
			return 0;
		if (receive(fd, &len, sizeof(len), NULL) != sizeof(len) || len >= sizeof(buf))
			die(4, "no length");
		if ((size_t)receive(fd, buf, sizeof(buf), NULL) != len)
			die(4, "a short listing");
		/* Names end with a NUL each, keys are lines already. */
		for (uint32_t i = 0; i < len; i++)
			putchar(buf[i] ? buf[i] : '\n');
		return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	struct ucred me = {.pid = getpid(), .uid = getuid(), .gid = getgid()}, first = me, second = me;
	DBusMessage *call;
	DBusMessageIter it;
	DBusConnection *conn;
	DBusError err;
	char address[4200];
	int stall = 0, no_wait = 0, sv[2], one = 1, m = -1, argi = 1, need;

	for (; argi < argc && strncmp(argv[argi], "--", 2) == 0; argi += 2) {
		if (argi + 1 >= argc)
			die(2, "usage: option without a value");
		if (strcmp(argv[argi], "--requestor") == 0) {
			if (sscanf(argv[argi + 1], "%d:%u:%u", &first.pid, &first.uid, &first.gid) != 3)
				die(2, "usage: --requestor PID:UID:GID");
		} else if (strcmp(argv[argi], "--stall") == 0)
			stall = atoi(argv[argi + 1]);
		else if (strcmp(argv[argi], "--no-wait") == 0)
			no_wait = atoi(argv[argi + 1]);
		else
			die(2, "usage: unknown option");
	}
	if (argc - argi < 2)
		die(2,
		    "usage: scm-client [--requestor PID:UID:GID] [--stall SECONDS] [--no-wait 1] SOCKET METHOD ARG...");
	for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (strcmp(methods[i].name, argv[argi + 1]) == 0)
			m = (int)i;
	if (m < 0)
		die(2, "usage: not an Scm method");
	need = (int)strlen(methods[m].sig) + (methods[m].second == PID ? 1 : methods[m].second == IDS ? 2 : 0);
	if (argc - argi - 2 != need)
		die(2, "usage: wrong number of arguments");

	snprintf(address, sizeof(address), "unix:path=%s", argv[argi]);
	dbus_error_init(&err);
	conn = dbus_connection_open_private(address, &err);
	if (!conn)
		return dbus_failed(&err);
	/*
	 * libdbus reads the authentication phase with plain read(2), which
	 * drops descriptors that arrive with it: a round trip first (as the
	 * original proxy's Ping did) gets past it before the socket is sent.
	 */
	if (call_and_wait(conn, dbus_message_new_method_call(NULL, "/org/linuxcontainers/cgmanager",
							     "org.freedesktop.DBus.Peer", "Ping")) < 0)
		return 2;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0 ||
	    setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) < 0)
		die(2, "socketpair failed");

	call = dbus_message_new_method_call(NULL, "/org/linuxcontainers/cgmanager", "org.linuxcontainers.cgmanager0_0",
					    methods[m].name);
	dbus_message_iter_init_append(call, &it);
	argi += 2;
	for (const char *t = methods[m].sig; *t; t++, argi++) {
		dbus_int32_t n = (dbus_int32_t)strtol(argv[argi], NULL, 0);
		const char *s = argv[argi];

		if (*t == 's')
			dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, &s);
		else
			dbus_message_iter_append_basic(&it, DBUS_TYPE_INT32, &n);
	}
	dbus_message_iter_append_basic(&it, DBUS_TYPE_UNIX_FD, &sv[1]);
	close(sv[1]); /* the message holds its own copy until sent */
	if (no_wait) {
		/* The reply is left unread: the go-ahead on the socketpair is all this client waits for. */
		if (!dbus_connection_send(conn, call, NULL))
			die(2, "cannot send the call");
		dbus_connection_flush(conn);
		dbus_message_unref(call);
	} else if (call_and_wait(conn, call) < 0)
		return 2;

	go_ahead(sv[0]);
	if (stall > 0) {
		printf("stalling\n");
		fflush(stdout);
		sleep((unsigned)stall);
	}
	send_cred(sv[0], first);
	if (methods[m].second == PID)
		second.pid = atoi(argv[argi]);
	else if (methods[m].second == IDS) {
		second.uid = (uid_t)strtoul(argv[argi], NULL, 10);
		second.gid = (gid_t)strtoul(argv[argi + 1], NULL, 10);
	}
	if (methods[m].second != NONE) {
		go_ahead(sv[0]);
		send_cred(sv[0], second);
	}
	return read_answer(sv[0], methods[m].answer);
}
