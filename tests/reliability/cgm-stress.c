/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgm-stress: the clients of the reliability tests (the scripts in tests/reliability/).
 * Each mode drives a real cgmd on its socket and prints what it saw as
 * "name=value" lines; the scripts decide what passes.
 *
 *   cgm-stress bad-clients SOCK N
 *     opens a mute client, one that stops half-way through authenticating,
 *     one that stops half-way through a message and one that sends without
 *     ever reading, and keeps a process disconnecting in the middle of its
 *     calls; meanwhile a good client makes N Pings.  Then the half message
 *     is finished and must be answered.
 *   cgm-stress churn SOCK CGMD_PID N PROCS SEED
 *     N requests from PROCS processes over connections that end at random,
 *     cleanly or in the middle of a call, of authentication or of a
 *     message; the daemon's descriptors and RSS before and after.
 *   cgm-stress hold SOCK N PROCS CGMD_PID
 *     N connections open at once from PROCS processes, each answered on
 *     every one of them, twice, while all stay open; the daemon's RSS
 *     before, while they are held and after they left.
 *   cgm-stress pid-reuse SOCK UID GID P_PROCS R_PROCS
 *     a caller P (UID, placed through the comma-separated cgroup.procs
 *     files P_PROCS) connects, hands its connection to a child and exits;
 *     a root process R then gets P's pid (clone3 set_tid) in the cgroups
 *     R_PROCS, and the child asks for a Create on P's connection.  SOCK
 *     may be bus:ADDRESS: P then calls cgmd on that bus.
 *   cgm-stress set-mark DIR
 *     tries to write the daemon's remove-on-empty mark on DIR itself, as a
 *     user would to make a restarted daemon remove a cgroup.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include <linux/sched.h>

#include <dbus/dbus.h>

#include "cgm.h"

#define OBJECT "/org/linuxcontainers/cgmanager"
#define IFACE  "org.linuxcontainers.cgmanager0_0"

static const char *sock_path;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* --- raw D-Bus over the socket, for clients that misbehave ------------------- */

static int raw_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Waits up to timeout_ms for fd to be readable; 1 readable, 0 not, -1 error. */
static int wait_readable(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int n = poll(&p, 1, timeout_ms);

	return n < 0 ? -1 : n;
}

/* EXTERNAL authentication, as libdbus does it; 0 once BEGIN is sent. */
static int raw_auth(int fd)
{
	char line[256], hex[32], buf[256];
	size_t got = 0;
	int n;

	snprintf(hex, sizeof(hex), "%u", (unsigned)getuid());
	line[0] = '\0';
	n = snprintf(line + 1, sizeof(line) - 1, "AUTH EXTERNAL ");
	for (const char *p = hex; *p; p++)
		n += snprintf(line + 1 + n, sizeof(line) - 1 - (size_t)n, "%02x", (unsigned char)*p);
	n += snprintf(line + 1 + n, sizeof(line) - 1 - (size_t)n, "\r\n");
	if (send_all(fd, line, (size_t)n + 1) < 0)
		return -1;
	while (got < sizeof(buf) - 1 && !memchr(buf, '\n', got)) {
		ssize_t r;

		if (wait_readable(fd, 5000) != 1)
			return -1;
		r = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	if (got < 2 || strncmp(buf, "OK", 2) != 0)
		return -1;
	return send_all(fd, "BEGIN\r\n", 7);
}

/* A method call as wire bytes; free with dbus_free(). */
static char *call_bytes(const char *iface, const char *method, uint32_t serial, int *ret_len)
{
	DBusMessage *m = dbus_message_new_method_call(NULL, OBJECT, iface, method);
	char *bytes = NULL;
	dbus_int32_t junk = 0;

	if (!m)
		return NULL;
	if (strcmp(method, "Ping") == 0)
		dbus_message_append_args(m, DBUS_TYPE_INT32, &junk, DBUS_TYPE_INVALID);
	dbus_message_set_serial(m, serial);
	if (!dbus_message_marshal(m, &bytes, ret_len))
		bytes = NULL;
	dbus_message_unref(m);
	return bytes;
}

/* Reads one message within timeout_ms; returns its type (DBUS_MESSAGE_TYPE_*), 0 on EOF, -1 on error. */
static int read_message(int fd, int timeout_ms)
{
	char head[16], *buf;
	size_t got = 0, need = sizeof(head);
	int type = -1, total;
	DBusMessage *m;
	DBusError err;

	buf = head;
	for (int phase = 0; phase < 2; phase++) {
		while (got < need) {
			ssize_t r;

			if (wait_readable(fd, timeout_ms) != 1)
				goto out;
			r = recv(fd, buf + got, need - got, 0);
			if (r == 0 && got == 0 && phase == 0)
				return 0;
			if (r <= 0)
				goto out;
			got += (size_t)r;
		}
		if (phase == 1)
			break;
		total = dbus_message_demarshal_bytes_needed(head, sizeof(head));
		if (total <= 0)
			return -1;
		buf = malloc((size_t)total);
		if (!buf)
			return -1;
		memcpy(buf, head, sizeof(head));
		need = (size_t)total;
	}
	dbus_error_init(&err);
	m = dbus_message_demarshal(buf, (int)need, &err);
	if (m) {
		type = dbus_message_get_type(m);
		dbus_message_unref(m);
	}
	dbus_error_free(&err);
out:
	if (buf != head)
		free(buf);
	return type;
}

/* Whether the daemon still holds the connection: nothing to read and no hang-up yet. */
static int still_connected(int fd)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, 0) == 0;
}

/* Drains fd until EOF or reset; 1 when the daemon closed it within timeout_ms. */
static int closed_by_daemon(int fd, int timeout_ms)
{
	char buf[65536];
	uint64_t end = now_us() + (uint64_t)timeout_ms * 1000;

	while (now_us() < end) {
		ssize_t r;

		if (wait_readable(fd, 100) != 1)
			continue;
		r = recv(fd, buf, sizeof(buf), 0);
		if (r == 0 || (r < 0 && errno == ECONNRESET))
			return 1;
		if (r < 0 && errno != EINTR && errno != EAGAIN)
			return 1;
	}
	return 0;
}

/* A client that connects, authenticates, sends `calls` requests and hangs up without reading. */
static int hang_up_mid_call(int calls, const char *method)
{
	int fd = raw_connect(), rc = -1;

	if (fd < 0)
		return -1;
	if (raw_auth(fd) == 0) {
		rc = 0;
		for (int i = 0; i < calls && rc == 0; i++) {
			int len;
			char *b = call_bytes(IFACE, method, (uint32_t)i + 1, &len);

			rc = b ? send_all(fd, b, (size_t)len) : -1;
			dbus_free(b);
		}
	}
	close(fd);
	return rc;
}

/* --- bad-clients -------------------------------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int bad_clients(int n)
{
	int mute, half_auth, half_msg, reader, len, ping_len, stop[2], count[2];
	char *ping, *intro;
	uint64_t *rtt = calloc((size_t)n, sizeof(*rtt));
	int ok = 0, failed = 0, flooded = 0, midcall = 0;
	struct cgm *good;
	pid_t churner;

	if (!rtt || pipe(stop) < 0 || pipe(count) < 0)
		return 1;
	mute = raw_connect();
	half_auth = raw_connect();
	half_msg = raw_connect();
	reader = raw_connect();
	if (mute < 0 || half_auth < 0 || half_msg < 0 || reader < 0) {
		printf("bad_clients_connected=0\n");
		return 1;
	}
	send_all(half_auth, "\0AUTH EXTER", 11);
	ping = call_bytes(IFACE, "Ping", 7, &ping_len);
	if (!ping || raw_auth(half_msg) < 0 || send_all(half_msg, ping, (size_t)ping_len / 2) < 0 ||
	    raw_auth(reader) < 0) {
		printf("bad_clients_connected=0\n");
		return 1;
	}
	printf("bad_clients_connected=4\n");

	/* The never-reader: large replies (introspection) asked for until its socket buffers are full. */
	intro = call_bytes("org.freedesktop.DBus.Introspectable", "Introspect", 1, &len);
	fcntl(reader, F_SETFL, O_NONBLOCK);
	for (uint32_t serial = 1; intro && serial < 20000; serial++) {
		ssize_t r;

		/* The serial sits at offset 8 of a little-endian header. */
		memcpy(intro + 8, &serial, sizeof(serial));
		r = send(reader, intro, (size_t)len, MSG_NOSIGNAL);
		if (r != len)
			break;
		flooded++;
	}
	dbus_free(intro);
	printf("never_reader_requests_sent=%d\n", flooded);

	/* A process that keeps hanging up in the middle of its calls until told to stop. */
	churner = fork();
	if (churner == 0) {
		int done = 0;

		close(stop[1]);
		while (wait_readable(stop[0], 0) == 0)
			if (hang_up_mid_call(1 + done % 5, done % 2 ? "ListControllers" : "Ping") == 0)
				done++;
		if (write(count[1], &done, sizeof(done)) != (ssize_t)sizeof(done))
			_exit(1);
		_exit(0);
	}

	good = cgm_connect_timeout(sock_path, 5000, NULL);
	for (int i = 0; i < n; i++) {
		uint64_t t0 = now_us();

		/* A fresh connection now and then: accepting must not wait on the bad ones either. */
		if (good && i % 100 == 99) {
			cgm_disconnect(good);
			good = cgm_connect_timeout(sock_path, 5000, NULL);
		}
		if (good && cgm_ping(good) == 0)
			ok++;
		else
			failed++;
		rtt[i] = now_us() - t0;
	}
	cgm_disconnect(good);
	close(stop[1]);
	if (read(count[0], &midcall, sizeof(midcall)) != (ssize_t)sizeof(midcall))
		midcall = -1;
	waitpid(churner, NULL, 0);

	qsort(rtt, (size_t)n, sizeof(*rtt), cmp_u64);
	printf("good_pings=%d\ngood_pings_ok=%d\ngood_pings_failed=%d\n", n, ok, failed);
	printf("good_rtt_median_us=%llu\ngood_rtt_max_us=%llu\n", (unsigned long long)rtt[n / 2],
	       (unsigned long long)rtt[n - 1]);
	printf("midcall_hangups_meanwhile=%d\n", midcall);
	printf("mute_still_connected=%d\n", still_connected(mute));
	printf("half_auth_still_connected=%d\n", still_connected(half_auth));
	printf("half_message_still_connected=%d\n", still_connected(half_msg));
	/* The rest of the half message: the daemon kept it and answers it now. */
	send_all(half_msg, ping + ping_len / 2, (size_t)ping_len - (size_t)ping_len / 2);
	printf("half_message_answered=%d\n", read_message(half_msg, 5000) == DBUS_MESSAGE_TYPE_METHOD_RETURN);
	printf("never_reader_dropped=%d\n", closed_by_daemon(reader, 10000));
	dbus_free(ping);
	close(mute);
	close(half_auth);
	close(half_msg);
	close(reader);
	free(rtt);
	return 0;
}

/* --- churn ------------------------------------------------------------------------------- */

static long fd_count(pid_t pid)
{
	char path[64], buf[64];
	long n = 0;
	FILE *f;

	/* No opendir here: this process's own descriptor must not change the count. */
	snprintf(path, sizeof(path), "ls /proc/%d/fd | wc -l", (int)pid);
	f = popen(path, "r");
	if (f && fgets(buf, sizeof(buf), f))
		n = atol(buf);
	if (f)
		pclose(f);
	return n;
}

static long rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* One churning process: `n` requests; writes its failure count to `out`. */
static void churn_proc(int n, unsigned seed, int out)
{
	int done = 0, failures = 0, aborted = 0;
	char *cg = NULL;

	srand(seed);
	while (done < n) {
		int kind = rand() % 10, calls = 1 + rand() % 40;

		if (kind < 7) {
			struct cgm *c = cgm_connect_timeout(sock_path, 10000, NULL);

			if (!c) {
				failures++;
				done++;
				continue;
			}
			for (int i = 0; i < calls && done < n; i++, done++) {
				char **names = NULL;
				int r;

				switch (rand() % 4) {
				case 0:
					r = cgm_ping(c);
					break;
				case 1:
					r = cgm_list_controllers(c, &names);
					cgm_strv_free(names);
					break;
				case 2:
					r = cgm_get_pid_cgroup(c, "pids", getpid(), &cg);
					free(cg);
					cg = NULL;
					break;
				default:
					r = cgm_list_children(c, "pids", "", &names);
					cgm_strv_free(names);
					break;
				}
				if (r < 0)
					failures++;
			}
			cgm_disconnect(c);
		} else if (kind < 9) {
			/* Hang up in the middle of the calls (their replies unread). */
			if (hang_up_mid_call(calls, rand() % 2 ? "Ping" : "ListControllers") < 0)
				failures++;
			done += calls;
			aborted++;
		} else {
			/* Hang up in the middle of authenticating or of a message. */
			int fd = raw_connect(), len;
			char *b = call_bytes(IFACE, "Ping", 1, &len);

			if (fd >= 0 && b) {
				if (rand() % 2)
					send_all(fd, "\0AUTH EXTERNAL 3", 16);
				else if (raw_auth(fd) == 0)
					send_all(fd, b, (size_t)(1 + rand() % (len - 1)));
			} else {
				failures++;
			}
			dbus_free(b);
			if (fd >= 0)
				close(fd);
			done++;
			aborted++;
		}
	}
	int res[2] = {failures, aborted};
	if (write(out, res, sizeof(res)) != (ssize_t)sizeof(res))
		_exit(1);
}

/* Waits until the daemon's fd count falls back to `want` (it reaps hangups on its next turn). */
static long settled_fd_count(pid_t pid, long want)
{
	long n = fd_count(pid);

	for (int i = 0; i < 100 && n > want; i++) {
		usleep(50000);
		n = fd_count(pid);
	}
	return n;
}

static int churn_run(pid_t daemon, int n, int procs, unsigned seed, int *ret_failures, int *ret_aborted)
{
	int p[2];

	*ret_failures = *ret_aborted = 0;
	if (pipe(p) < 0)
		return -1;
	for (int i = 0; i < procs; i++)
		if (fork() == 0) {
			close(p[0]);
			churn_proc(n / procs, seed + (unsigned)i, p[1]);
			_exit(0);
		}
	close(p[1]);
	for (int i = 0; i < procs; i++) {
		int res[2];

		if (read(p[0], res, sizeof(res)) == (ssize_t)sizeof(res)) {
			*ret_failures += res[0];
			*ret_aborted += res[1];
		} else {
			*ret_failures += 1;
		}
	}
	close(p[0]);
	while (wait(NULL) > 0)
		;
	return 0;
}

static int churn(pid_t daemon, int n, int procs, unsigned seed)
{
	long fd0, fd1, rss0, rss1, fd_idle;
	int failures, aborted;
	uint64_t t0;

	fd_idle = fd_count(daemon);
	/* Warm up: the allocator's arenas and libdbus's caches reach their working size first. */
	churn_run(daemon, n / 10, procs, seed ^ 0x5a5a, &failures, &aborted);
	fd0 = settled_fd_count(daemon, fd_idle);
	rss0 = rss_kb(daemon);
	t0 = now_us();
	churn_run(daemon, n, procs, seed, &failures, &aborted);
	fd1 = settled_fd_count(daemon, fd0);
	rss1 = rss_kb(daemon);
	printf("requests=%d\nprocesses=%d\nconnections_ended_mid_way=%d\nfailures=%d\n", n, procs, aborted, failures);
	printf("fds_before=%ld\nfds_after=%ld\nrss_kb_before=%ld\nrss_kb_after=%ld\n", fd0, fd1, rss0, rss1);
	printf("elapsed_ms=%llu\n", (unsigned long long)((now_us() - t0) / 1000));
	return 0;
}

/* --- hold ----------------------------------------------------------------------------------- */

static int hold(int n, int procs, pid_t daemon)
{
	int ready[2], go[2], res[2], per = n / procs, ok = 0, fail = 0, opened = 0;

	if (pipe(ready) < 0 || pipe(go) < 0 || pipe(res) < 0)
		return 1;
	printf("daemon_rss_kb_before=%ld\n", rss_kb(daemon));
	fflush(stdout);
	for (int i = 0; i < procs; i++) {
		if (fork() != 0)
			continue;
		struct cgm **c = calloc((size_t)per, sizeof(*c));
		int counts[3] = {0, 0, 0};
		char byte;

		raise_nofile();
		close(ready[0]);
		close(go[1]);
		for (int j = 0; c && j < per; j++)
			if ((c[j] = cgm_connect_timeout(sock_path, 20000, NULL)))
				counts[2]++;
		/* All connected: wait until every process is, then use every connection twice. */
		if (write(ready[1], "", 1) != 1 || read(go[0], &byte, 1) < 0)
			_exit(1);
		for (int round = 0; round < 2; round++)
			for (int j = 0; c && j < per; j++) {
				if (c[j] && cgm_ping(c[j]) == 0)
					counts[0]++;
				else
					counts[1]++;
			}
		/* Still all open here: report, then wait for the parent to count the daemon's fds. */
		if (write(res[1], counts, sizeof(counts)) != (ssize_t)sizeof(counts) || read(go[0], &byte, 1) < 0)
			_exit(1);
		for (int j = 0; c && j < per; j++)
			cgm_disconnect(c[j]);
		_exit(0);
	}
	close(ready[1]);
	close(go[0]);
	close(res[1]);
	for (int i = 0; i < procs; i++) {
		char byte;

		if (read(ready[0], &byte, 1) != 1)
			return 1;
	}
	printf("connections_open_at_once=%ld\n", fd_count(daemon));
	if (write(go[1], &(char[256]){0}, (size_t)procs) != procs) /* go */
		return 1;
	for (int i = 0; i < procs; i++) {
		int counts[3];

		if (read(res[0], counts, sizeof(counts)) != (ssize_t)sizeof(counts))
			return 1;
		ok += counts[0];
		fail += counts[1];
		opened += counts[2];
	}
	{
		/* With all of them still open, a newcomer is served too. */
		struct cgm *c = cgm_connect_timeout(sock_path, 5000, NULL);

		printf("newcomer_while_held_ok=%d\n", c && cgm_ping(c) == 0);
		cgm_disconnect(c);
	}
	printf("daemon_fds_while_held=%ld\ndaemon_rss_kb_while_held=%ld\n", fd_count(daemon), rss_kb(daemon));
	close(go[1]); /* release */
	while (wait(NULL) > 0)
		;
	printf("connections=%d\nconnected=%d\npings_ok=%d\npings_failed=%d\n", per * procs, opened, ok, fail);
	printf("daemon_fds_after=%ld\n", settled_fd_count(daemon, 0));
	printf("daemon_rss_kb_after=%ld\n", rss_kb(daemon));
	return 0;
}

/* --- pid-reuse -------------------------------------------------------------------------------- */

/* Writes our pid into each of the comma-separated cgroup.procs files; raw calls only (after clone3). */
static int enter_cgroups(const char *files)
{
	char list[8192], num[32];
	int len = snprintf(num, sizeof(num), "%d", (int)syscall(SYS_getpid));

	snprintf(list, sizeof(list), "%s", files);
	for (char *save = NULL, *f = strtok_r(list, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
		int fd = open(f, O_WRONLY | O_CLOEXEC);

		if (fd < 0 || write(fd, num, (size_t)len) != len) {
			if (fd >= 0)
				close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

/*
 * pid-reuse's caller reaches the daemon on its socket through libcgm, or,
 * when SOCK is bus:ADDRESS, on that message bus as org.cgm.Manager1 (cgmd
 * --system-bus), where the daemon learns who called from the bus daemon.
 */
struct reuse_caller {
	struct cgm *cgm;
	DBusConnection *bus;
	char error[512];
};

static bool reuse_connect(struct reuse_caller *rc)
{
	DBusError e;

	if (strncmp(sock_path, "bus:", 4) != 0)
		return (rc->cgm = cgm_connect_timeout(sock_path, 5000, NULL)) != NULL;
	dbus_error_init(&e);
	rc->bus = dbus_connection_open_private(sock_path + 4, &e);
	if (rc->bus && !dbus_bus_register(rc->bus, &e)) {
		dbus_connection_close(rc->bus);
		dbus_connection_unref(rc->bus);
		rc->bus = NULL;
	}
	dbus_error_free(&e);
	return rc->bus != NULL;
}

/* Create `name` in every hierarchy: 0, or -1 with the daemon's error in rc->error. */
static int reuse_create(struct reuse_caller *rc, const char *name)
{
	const char *all = "all";
	DBusMessage *call, *reply;
	DBusError e;

	if (rc->cgm) {
		if (cgm_create(rc->cgm, all, name) >= 0)
			return 0;
		snprintf(rc->error, sizeof(rc->error), "%s", cgm_errmsg(rc->cgm));
		return -1;
	}
	call = dbus_message_new_method_call("org.cgm.Manager1", "/org/linuxcontainers/cgmanager",
					    "org.linuxcontainers.cgmanager0_0", "Create");
	if (!call ||
	    !dbus_message_append_args(call, DBUS_TYPE_STRING, &all, DBUS_TYPE_STRING, &name, DBUS_TYPE_INVALID)) {
		snprintf(rc->error, sizeof(rc->error), "out of memory");
		return -1;
	}
	dbus_error_init(&e);
	reply = dbus_connection_send_with_reply_and_block(rc->bus, call, 5000, &e);
	dbus_message_unref(call);
	if (!reply) {
		snprintf(rc->error, sizeof(rc->error), "%s: %s", e.name, e.message);
		dbus_error_free(&e);
		return -1;
	}
	dbus_message_unref(reply);
	return 0;
}

static int pid_reuse(uid_t uid, gid_t gid, const char *p_procs, const char *r_procs)
{
	int go[2], report[2], r_ready[2], rc;
	pid_t p, r = -1;
	char byte, msg[1024] = "";

	if (pipe(go) < 0 || pipe(report) < 0 || pipe(r_ready) < 0)
		return 1;
	p = fork();
	if (p == 0) {
		struct reuse_caller c = {0};
		pid_t holder;

		if (enter_cgroups(p_procs) < 0 || setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
			_exit(10);
		if (!reuse_connect(&c) || reuse_create(&c, "cgmtest-reuse-before") < 0)
			_exit(11);
		holder = fork();
		if (holder == 0) {
			/* The connection outlives the process that made it. */
			close(go[1]);
			if (read(go[0], &byte, 1) != 1)
				_exit(12);
			rc = reuse_create(&c, "cgmtest-reuse-escape");
			snprintf(msg, sizeof(msg), "after_reuse_create=%d\nafter_reuse_error=%s\n", rc,
				 rc < 0 ? c.error : "");
			if (write(report[1], msg, strlen(msg)) < 0)
				_exit(13);
			_exit(0);
		}
		_exit(holder > 0 ? 0 : 14);
	}
	close(report[1]);
	if (waitpid(p, &rc, 0) != p || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0) {
		printf("caller_ran=0 (status %d)\n", rc);
		return 1;
	}
	printf("caller_ran=1\ncaller_pid=%d\n", (int)p);

	/* p is reaped, its pid free: a root process takes exactly that pid. */
	for (int tries = 0; tries < 50 && r < 0; tries++) {
		struct clone_args args = {
			.exit_signal = SIGCHLD, .set_tid = (uint64_t)(uintptr_t)&p, .set_tid_size = 1};

		r = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		if (r == 0) {
			close(r_ready[0]);
			if (enter_cgroups(r_procs) < 0)
				syscall(SYS_exit, 20);
			if (write(r_ready[1], "", 1) != 1)
				syscall(SYS_exit, 21);
			for (;;)
				pause();
		}
		if (r < 0 && errno != EEXIST)
			break;
		if (r < 0)
			usleep(1000);
	}
	if (r < 0) {
		printf("pid_reused=0 (%s)\n", strerror(errno));
		close(go[1]);
		return 1;
	}
	if (read(r_ready[0], &byte, 1) != 1) {
		printf("pid_reused=0 (root process did not enter its cgroups)\n");
		kill(r, SIGKILL);
		waitpid(r, NULL, 0);
		close(go[1]);
		return 1;
	}
	printf("pid_reused=%d\nroot_process_pid=%d\n", r == p, (int)r);
	if (write(go[1], "", 1) != 1)
		return 1;
	rc = (int)read(report[0], msg, sizeof(msg) - 1);
	msg[rc > 0 ? rc : 0] = '\0';
	fputs(msg, stdout);
	kill(r, SIGKILL);
	waitpid(r, NULL, 0);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	raise_nofile();
	if (argc >= 4 && strcmp(argv[1], "bad-clients") == 0) {
		sock_path = argv[2];
		return bad_clients(atoi(argv[3]));
	}
	if (argc >= 7 && strcmp(argv[1], "churn") == 0) {
		sock_path = argv[2];
		return churn(atoi(argv[3]), atoi(argv[4]), atoi(argv[5]), (unsigned)strtoul(argv[6], NULL, 10));
	}
	if (argc >= 6 && strcmp(argv[1], "hold") == 0) {
		sock_path = argv[2];
		return hold(atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
	}
	if (argc >= 7 && strcmp(argv[1], "pid-reuse") == 0) {
		sock_path = argv[2];
		return pid_reuse((uid_t)atoi(argv[3]), (gid_t)atoi(argv[4]), argv[5], argv[6]);
	}
	if (argc >= 3 && strcmp(argv[1], "set-mark") == 0) {
		/* The name cgroup.c gives the mark; its value names the daemon's socket. */
		int r = setxattr(argv[2], "trusted.cgm.remove-on-empty", "x", 1, 0);

		printf("set_mark=%s\n", r == 0 ? "ok" : strerror(errno));
		return 0;
	}
	fprintf(stderr, "usage: see the top of tests/reliability/cgm-stress.c\n");
	return 64;
}
