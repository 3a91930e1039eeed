/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The D-Bus server and the daemon's main loop.  libdbus does the protocol
 * and the non-blocking socket I/O; this file gives it a loop (its watches
 * in one epoll set with the loop's own descriptors, watches.c, and its
 * timeouts), accepts connections, identifies each peer once from the
 * socket, and passes every method call to methods.c.  Nothing here blocks
 * on a client, and a client that sends too much or never reads its
 * replies is disconnected instead of growing the daemon without bound.
 *
 * Only the main loop touches libdbus connections.  The calls that work on
 * cgroups (methods_run_aside) run on the worker threads (workers.c), so
 * that requests of different clients use every CPU; a client with a call
 * out waits for its reply before its next message is dispatched, so each
 * client's calls still run one at a time and in order.
 */
#include "config.h"

#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bus.h"
#include "caller.h"
#include "cgroup.h"
#include "log.h"
#include "methods.h"
#include "scm.h"
#include "server.h"
#include "watches.h"
#include "workers.h"

/*
 * Per-connection limits.  The largest request is a SetValue of
 * CG_VALUE_MAX bytes; the largest replies are task and key lists.  A
 * client whose unread replies pass OUTGOING_MAX is dropped.
 */
#define MESSAGE_MAX	   (CG_VALUE_MAX + 64 * 1024)
#define RECEIVED_MAX	   (4 * MESSAGE_MAX)
#define OUTGOING_MAX	   (512 * 1024)
#define DISPATCH_BUDGET	   32 /* messages per connection per loop turn, so one client cannot starve others */
#define AUTH_TIMEOUT_MS	   30000
#define UNAUTH_POLL_MAX_MS 1000

struct client {
	struct server *srv;
	DBusConnection *conn;
	struct caller caller;
	struct cgroups_seen seen; /* the caller's cgroups, as its last request read them */
	unsigned long serial;
	uint64_t auth_deadline_ms;
	bool busy; /* a call of its is on a worker: nothing more of it is dispatched, and it is not dropped */
	/*
	 * On the server's stirred list: something may be new for it since
	 * the loop last looked (its socket was ready, its call's reply went
	 * out, it is new, or it has messages or its authentication left).
	 * Only these are looked at, so that a turn costs the connections that
	 * did something, not all of them.
	 */
	bool stirred;
	struct client *next, *next_stirred;
};

/* A call handed to a worker; its reply goes out from the main loop. */
struct call_job {
	struct work work; /* first: the pool hands this back */
	struct client *cl;
	DBusMessage *call, *reply;
	struct method_context ctx;
	struct call_job *next_pending;
};

struct timeout_state {
	uint64_t deadline_ms;
};

struct server {
	DBusServer *dbus;
	struct daemon_state *d;
	char *socket_path;
	struct client *clients;
	struct client *stirred; /* the clients to look at next turn */
	unsigned long next_serial;

	struct watch_set *watches;

	DBusTimeout **timeouts;
	size_t ntimeouts, timeouts_cap;

	DBusConnection *bus;	  /* --system-bus, or NULL */
	unsigned long crowd;	  /* the most clients connected at once since the heap was last trimmed */
	struct workers *workers;  /* NULL: every call runs in the main loop */
	struct call_job *pending; /* this turn's calls for the workers, not handed over yet */
};

static uint64_t now_ms(void)
{
	return daemon_now_ms();
}

/* Grows *array (of elements of `size`) to hold at least `want`; false when out of memory. */
static bool grow(void *array, size_t *cap, size_t want, size_t size)
{
	void **p = array;
	size_t n = *cap ? *cap : 16;
	void *q;

	if (want <= *cap)
		return true;
	while (n < want)
		n *= 2;
	q = realloc(*p, n * size);
	if (!q)
		return false;
	*p = q;
	*cap = n;
	return true;
}

/* --- libdbus watch and timeout callbacks ------------------------------------ */

static dbus_bool_t add_watch(DBusWatch *w, void *data)
{
	struct server *s = data;

	return watch_set_add(s->watches, w);
}

/* Removes `p` from the unordered array `items` of *n pointers. */
static void unlist(void *items, size_t *n, const void *p)
{
	void **v = items;

	for (size_t i = 0; i < *n; i++)
		if (v[i] == p) {
			v[i] = v[--*n];
			return;
		}
}

static void remove_watch(DBusWatch *w, void *data)
{
	struct server *s = data;

	watch_set_remove(s->watches, w);
}

static void toggle_watch(DBusWatch *w, void *data)
{
	struct server *s = data;

	watch_set_toggle(s->watches, w);
}

/* A connection's watches carry its client, for the loop to stir when they fire. */
static dbus_bool_t add_client_watch(DBusWatch *w, void *data)
{
	struct client *cl = data;

	dbus_watch_set_data(w, cl, NULL);
	return add_watch(w, cl->srv);
}

static void remove_client_watch(DBusWatch *w, void *data)
{
	struct client *cl = data;

	remove_watch(w, cl->srv);
}

static void toggle_client_watch(DBusWatch *w, void *data)
{
	struct client *cl = data;

	toggle_watch(w, cl->srv);
}

static void arm_timeout(DBusTimeout *t)
{
	struct timeout_state *st = dbus_timeout_get_data(t);

	if (st)
		st->deadline_ms = now_ms() + (uint64_t)dbus_timeout_get_interval(t);
}

static dbus_bool_t add_timeout(DBusTimeout *t, void *data)
{
	struct server *s = data;
	struct timeout_state *st = calloc(1, sizeof(*st));

	if (!st || !grow(&s->timeouts, &s->timeouts_cap, s->ntimeouts + 1, sizeof(*s->timeouts))) {
		free(st);
		return FALSE;
	}
	dbus_timeout_set_data(t, st, free);
	arm_timeout(t);
	s->timeouts[s->ntimeouts++] = t;
	return TRUE;
}

static void remove_timeout(DBusTimeout *t, void *data)
{
	struct server *s = data;

	unlist(s->timeouts, &s->ntimeouts, t);
}

static void toggle_timeout(DBusTimeout *t, void *data)
{
	arm_timeout(t);
}

/* Runs the timeouts that are due; returns ms until the next one (-1: none). */
static int run_timeouts(struct server *s)
{
	uint64_t now = now_ms();
	int next = -1;

	for (size_t i = 0; i < s->ntimeouts; i++) {
		DBusTimeout *t = s->timeouts[i];
		struct timeout_state *st = dbus_timeout_get_data(t);

		if (!dbus_timeout_get_enabled(t) || !st)
			continue;
		if (st->deadline_ms <= now) {
			arm_timeout(t);
			/* May remove timeouts; start over on the next turn instead of walking a changed array. */
			dbus_timeout_handle(t);
			return 0;
		}
		if (next < 0 || st->deadline_ms - now < (uint64_t)next)
			next = (int)(st->deadline_ms - now);
	}
	return next;
}

/* --- connections ---------------------------------------------------------------- */

/* Puts cl on the list of clients the loop looks at next turn. */
static void stir(struct client *cl)
{
	if (cl->stirred)
		return;
	cl->stirred = true;
	cl->next_stirred = cl->srv->stirred;
	cl->srv->stirred = cl;
}

/* A socket of a client was ready: look at it. */
static void stir_watch(DBusWatch *w)
{
	struct client *cl = dbus_watch_get_data(w);

	if (cl)
		stir(cl);
}

/*
 * glibc keeps the pages freed by a crowd of clients that left, in the
 * worker threads' arenas too (each connection's last /proc/<pid>/cgroup
 * text is allocated there).  Once the clients are down to a quarter of the
 * most there were since the last trim, and those were a crowd, the daemon
 * gives them back.
 */
#define TRIM_CROWD 64

static void client_add(struct server *s, struct client *cl)
{
	cl->next = s->clients;
	s->clients = cl;
	if (++s->d->clients > s->crowd)
		s->crowd = s->d->clients;
}

static void client_drop(struct server *s, struct client *cl, const char *why)
{
	struct client **pp;

	for (pp = &s->clients; *pp; pp = &(*pp)->next)
		if (*pp == cl) {
			*pp = cl->next;
			s->d->clients--;
			break;
		}
	for (pp = &s->stirred; cl->stirred && *pp; pp = &(*pp)->next_stirred)
		if (*pp == cl) {
			*pp = cl->next_stirred;
			break;
		}
	if (why)
		log_info("connection %lu (uid %u pid %d): %s", cl->serial, (unsigned)cl->caller.uid,
			 (int)cl->caller.pid, why);
	dbus_connection_close(cl->conn);
	dbus_connection_unref(cl->conn);
	caller_clear(&cl->caller);
	hierarchies_cgroups_forget(&cl->seen);
	free(cl);
	if (s->crowd >= TRIM_CROWD && s->d->clients * 4 <= s->crowd) {
		malloc_trim(0);
		s->crowd = s->d->clients;
	}
}

/* Counts the call and sends its reply (consumed); `stamp` names the sender as a bus would. */
static void answer(struct daemon_state *d, DBusConnection *conn, DBusMessage *call, DBusMessage *reply, bool stamp)
{
	d->requests++;
	if (dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR)
		d->refused++;
	if (stamp && dbus_message_get_destination(call))
		dbus_message_set_sender(reply, dbus_message_get_destination(call));
	if (!dbus_message_get_no_reply(call))
		dbus_connection_send(conn, reply, NULL);
	dbus_message_unref(reply);
}

static void call_job_run(struct work *w)
{
	struct call_job *job = (struct call_job *)w;

	job->reply = methods_handle(&job->ctx, job->call);
}

static void call_job_done(struct work *w)
{
	struct call_job *job = (struct call_job *)w;

	if (!job->reply)
		job->reply = dbus_message_new_error(job->call, DBUS_ERROR_NO_MEMORY, "out of memory");
	if (job->reply)
		answer(job->cl->srv->d, job->cl->conn, job->call, job->reply, true);
	dbus_message_unref(job->call);
	job->cl->busy = false;
	stir(job->cl);
	free(job);
}

/*
 * Takes the call for the workers (start_pending hands it over at the end
 * of the turn); false when it is not one of those or memory is short: it
 * runs here and now.
 */
static bool run_aside(struct client *cl, DBusMessage *msg, const struct method_context *ctx)
{
	struct call_job *job;

	if (!cl->srv->workers || !methods_run_aside(msg) || !(job = calloc(1, sizeof(*job))))
		return false;
	job->work = (struct work){.run = call_job_run, .done = call_job_done};
	job->cl = cl;
	job->call = dbus_message_ref(msg);
	job->ctx = *ctx;
	job->next_pending = cl->srv->pending;
	cl->srv->pending = job;
	cl->busy = true;
	return true;
}

/*
 * Hands this turn's calls to the workers.  A lone call while every worker
 * is idle runs here instead: handing it over and back costs two thread
 * wake-ups, which only pay when calls overlap.  Returns whether the client
 * of one that ran here needs looking at before the next wait: it has
 * messages read and waiting, or its connection closed as the reply went
 * out (no watch of it is left to wake the wait).  Anything still on its
 * socket wakes the wait anyway.
 */
static bool start_pending(struct server *s)
{
	struct call_job *job = s->pending;

	s->pending = NULL;
	if (job && !job->next_pending && workers_idle(s->workers)) {
		DBusConnection *conn = job->cl->conn;

		call_job_run(&job->work);
		call_job_done(&job->work);
		return dbus_connection_get_dispatch_status(conn) != DBUS_DISPATCH_COMPLETE ||
		       !dbus_connection_get_is_connected(conn);
	}
	for (struct call_job *next; job; job = next) {
		next = job->next_pending;
		workers_submit(s->workers, &job->work);
	}
	return false;
}

static DBusHandlerResult on_message(DBusConnection *conn, DBusMessage *msg, void *data)
{
	struct client *cl = data;
	struct daemon_state *d = cl->srv->d;
	struct method_context ctx = {
		.set = d->set,
		.caller = &cl->caller,
		.conn_serial = cl->serial,
		.daemon = d,
		.seen = &cl->seen,
	};
	DBusMessage *reply;

	if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	if (run_aside(cl, msg, &ctx))
		return DBUS_HANDLER_RESULT_HANDLED;
	reply = methods_handle(&ctx, msg);
	if (!reply)
		return DBUS_HANDLER_RESULT_NEED_MEMORY;
	/* sd-bus (busctl) matches a reply against the name it called, as a bus would stamp it. */
	answer(d, conn, msg, reply, true);
	return DBUS_HANDLER_RESULT_HANDLED;
}

/*
 * A call on the system bus: every caller shares the one connection, so the
 * caller is identified per message, from the bus daemon (bus.c), and
 * forgotten after it; an unidentifiable sender is refused.
 */
static DBusHandlerResult on_bus_message(DBusConnection *conn, DBusMessage *msg, void *data)
{
	struct server *s = data;
	struct caller caller;
	struct method_context ctx = {.set = s->d->set, .caller = &caller, .daemon = s->d};
	struct failure err = {0};
	DBusMessage *reply;

	if (dbus_message_get_type(msg) != DBUS_MESSAGE_TYPE_METHOD_CALL)
		return DBUS_HANDLER_RESULT_NOT_YET_HANDLED;
	if (bus_caller(conn, msg, &caller, &err) < 0) {
		log_notice("refused %s.%s from %s on the system bus: %s", dbus_message_get_interface(msg) ?: "",
			   dbus_message_get_member(msg) ?: "", dbus_message_get_sender(msg) ?: "?", err.message);
		reply = dbus_message_new_error(msg, failure_dbus_name(err.kind), err.message);
	} else {
		reply = methods_handle(&ctx, msg);
		caller_clear(&caller);
	}
	if (!reply)
		return DBUS_HANDLER_RESULT_NEED_MEMORY;
	answer(s->d, conn, msg, reply, false);
	return DBUS_HANDLER_RESULT_HANDLED;
}

/* Every uid may connect: the daemon checks each request against the kernel's view of the caller. */
static dbus_bool_t allow_any_user(DBusConnection *conn, unsigned long uid, void *data)
{
	return TRUE;
}

/*
 * Whether the peer of `fd` hung up before sending a byte: libcgm's look at
 * the backlog before it connects (lib/connection.c), which every client
 * makes, or a scan.  Such a peer can never authenticate, so it is closed
 * before the reads of /proc that identify a peer (about 50 us here).
 */
static bool hung_up_silent(int fd)
{
	char byte;

	return recv(fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

static void on_new_connection(DBusServer *server, DBusConnection *conn, void *data)
{
	struct server *s = data;
	struct client *cl;
	struct failure err = {0};
	int fd = -1;

	if (!dbus_connection_get_socket(conn, &fd))
		fd = -1;
	if (fd >= 0 && hung_up_silent(fd)) {
		dbus_connection_close(conn);
		return;
	}
	cl = calloc(1, sizeof(*cl));
	if (!cl) {
		log_error("out of memory accepting a connection");
		dbus_connection_close(conn);
		return;
	}
	cl->srv = s;
	cl->conn = dbus_connection_ref(conn);
	cl->serial = ++s->next_serial;
	cl->auth_deadline_ms = now_ms() + AUTH_TIMEOUT_MS;
	cl->caller = CALLER_EMPTY;

	/*
	 * Trust boundary: who the client is comes from the kernel
	 * (SO_PEERCRED and friends on the accepted socket, read by caller.c),
	 * never from the D-Bus authentication exchange.  That is why any
	 * authentication is accepted, ANONYMOUS included: a client in a user
	 * namespace claims its namespace uid in EXTERNAL, which libdbus would
	 * otherwise reject, and what it claims is never used.
	 */
	if (fd < 0 || caller_from_socket(fd, &cl->caller, &err) < 0) {
		log_notice("refused connection %lu: %s", cl->serial, err.kind ? err.message : "no socket");
		dbus_connection_close(conn);
		dbus_connection_unref(conn);
		caller_clear(&cl->caller);
		free(cl);
		return;
	}
	dbus_connection_set_unix_user_function(conn, allow_any_user, NULL, NULL);
	dbus_connection_set_allow_anonymous(conn, TRUE);
	dbus_connection_set_max_message_size(conn, MESSAGE_MAX);
	dbus_connection_set_max_received_size(conn, RECEIVED_MAX);
	dbus_connection_set_max_message_unix_fds(conn, 4);
	dbus_connection_set_max_received_unix_fds(conn, 16);
	if (!dbus_connection_set_watch_functions(conn, add_client_watch, remove_client_watch, toggle_client_watch, cl,
						 NULL) ||
	    !dbus_connection_set_timeout_functions(conn, add_timeout, remove_timeout, toggle_timeout, s, NULL) ||
	    !dbus_connection_add_filter(conn, on_message, cl, NULL)) {
		log_error("out of memory setting up connection %lu", cl->serial);
		client_add(s, cl);
		client_drop(s, cl, NULL);
		return;
	}
	client_add(s, cl);
	stir(cl);
	log_debug("connection %lu from uid %u pid %d", cl->serial, (unsigned)cl->caller.uid, (int)cl->caller.pid);
}

/*
 * Dispatches what every stirred connection has read, at most
 * DISPATCH_BUDGET messages each, and drops the dead, the unauthenticated
 * after AUTH_TIMEOUT_MS and those that do not read their replies.  Returns
 * whether work is left (poll without waiting) in *ret_more and whether a
 * connection is still authenticating in *ret_unauth.
 */
static void dispatch_clients(struct server *s, bool *ret_more, bool *ret_unauth)
{
	uint64_t now = now_ms();
	struct client *cl, *next;

	*ret_more = false;
	*ret_unauth = false;
	cl = s->stirred;
	s->stirred = NULL;
	for (; cl; cl = next) {
		next = cl->next_stirred;
		cl->stirred = false;
		/* A worker holds its caller: stirred again once the reply is out (the pool's fd wakes the loop). */
		if (cl->busy)
			continue;
		for (int i = 0; i < DISPATCH_BUDGET && !cl->busy; i++)
			if (dbus_connection_dispatch(cl->conn) != DBUS_DISPATCH_DATA_REMAINS)
				break;
		if (cl->busy)
			continue;
		if (!dbus_connection_get_is_connected(cl->conn)) {
			client_drop(s, cl, "disconnected");
			continue;
		}
		if (dbus_connection_get_outgoing_size(cl->conn) > OUTGOING_MAX) {
			client_drop(s, cl, "dropped: does not read its replies");
			/* Its queued replies were many small blocks: give the memory back. */
			malloc_trim(0);
			continue;
		}
		if (!dbus_connection_get_is_authenticated(cl->conn)) {
			if (now >= cl->auth_deadline_ms) {
				client_drop(s, cl, "dropped: did not authenticate in time");
				continue;
			}
			*ret_unauth = true;
			stir(cl);
		}
		if (dbus_connection_get_dispatch_status(cl->conn) == DBUS_DISPATCH_DATA_REMAINS) {
			stir(cl);
			*ret_more = true;
		}
	}
}

/* --- the server -------------------------------------------------------------------- */

int server_new(struct daemon_state *d, struct server **ret, struct failure *err)
{
	static const char *mechanisms[] = {"EXTERNAL", "ANONYMOUS", NULL};
	const char *socket_path = d->socket_path;
	struct server *s;
	DBusError derr;
	char *escaped = NULL, *address = NULL;

	s = calloc(1, sizeof(*s));
	if (!s || !(s->socket_path = strdup(socket_path)))
		goto oom;
	s->d = d;
	if (watch_set_new(&s->watches, err) < 0)
		goto fail;
	escaped = dbus_address_escape_value(socket_path);
	if (!escaped || asprintf(&address, "unix:path=%s", escaped) < 0) {
		address = NULL;
		goto oom;
	}
	dbus_error_init(&derr);
	s->dbus = dbus_server_listen(address, &derr);
	if (!s->dbus) {
		failf(err, FAIL_FAILED, "cannot listen on %s: %s", socket_path, derr.message);
		dbus_error_free(&derr);
		goto fail;
	}
	if (chmod(socket_path, 0666) < 0) {
		fail_errno(err, errno, "chmod %s", socket_path);
		goto fail;
	}
	dbus_server_set_new_connection_function(s->dbus, on_new_connection, s, NULL);
	if (!dbus_server_set_auth_mechanisms(s->dbus, mechanisms) ||
	    !dbus_server_set_watch_functions(s->dbus, add_watch, remove_watch, toggle_watch, s, NULL) ||
	    !dbus_server_set_timeout_functions(s->dbus, add_timeout, remove_timeout, toggle_timeout, s, NULL))
		goto oom;
	dbus_free(escaped);
	free(address);
	*ret = s;
	return 0;
oom:
	failf(err, FAIL_FAILED, "out of memory setting up the server");
fail:
	dbus_free(escaped);
	free(address);
	server_free(s);
	return -1;
}

/*
 * Reads what arrived on the signalfd: true for a stop signal, false after
 * handling a SIGHUP (the limits re-read) or when nothing was there.
 */
static bool handle_signal(struct server *s, int signal_fd)
{
	struct signalfd_siginfo si;

	if (read(signal_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return false;
	if (si.ssi_signo != SIGHUP)
		return true;
	if (!s->d->limits.path)
		return false;
	log_notice("SIGHUP: reloading %s", s->d->limits.path);
	/* OpenSession reads the table on the workers: none may be at work while it changes. */
	if (s->workers)
		workers_wait_idle(s->workers);
	limits_reload(&s->d->limits);
	return false;
}

int server_add_bus(struct server *s, const char *name, struct failure *err)
{
	DBusConnection *bus;

	if (bus_connect(name, &bus, err) < 0)
		return -1;
	dbus_connection_set_max_message_size(bus, MESSAGE_MAX);
	dbus_connection_set_max_message_unix_fds(bus, 4);
	if (!dbus_connection_set_watch_functions(bus, add_watch, remove_watch, toggle_watch, s, NULL) ||
	    !dbus_connection_set_timeout_functions(bus, add_timeout, remove_timeout, toggle_timeout, s, NULL) ||
	    !dbus_connection_add_filter(bus, on_bus_message, s, NULL)) {
		dbus_connection_close(bus);
		dbus_connection_unref(bus);
		return failf(err, FAIL_FAILED, "out of memory setting up the system bus connection");
	}
	s->bus = bus;
	s->d->bus_name = name;
	return 0;
}

static void bus_drop(struct server *s)
{
	dbus_connection_close(s->bus);
	dbus_connection_unref(s->bus);
	s->bus = NULL;
	s->d->bus_name = NULL;
}

/*
 * Dispatches what the bus connection has read (DISPATCH_BUDGET messages,
 * as a client); whether more is left.  A bus that went away is let go:
 * the socket still serves.
 */
static bool dispatch_bus(struct server *s)
{
	if (!s->bus)
		return false;
	for (int i = 0; i < DISPATCH_BUDGET; i++)
		if (dbus_connection_dispatch(s->bus) != DBUS_DISPATCH_DATA_REMAINS)
			break;
	if (!dbus_connection_get_is_connected(s->bus)) {
		log_error("the system bus went away; serving on the socket only");
		bus_drop(s);
		return false;
	}
	return dbus_connection_get_dispatch_status(s->bus) == DBUS_DISPATCH_DATA_REMAINS;
}

int server_run(struct server *s, int signal_fd, struct failure *err)
{
	/* Started here, after main.c has forked into the background: threads do not survive a fork. */
	if (s->d->workers > 0 && !s->workers) {
		/* libdbus locks its shared state (the message cache) only once told threads are about. */
		if (!dbus_threads_init_default())
			return failf(err, FAIL_FAILED, "out of memory setting up libdbus for threads");
		if (workers_new(s->d->workers, &s->workers, err) < 0)
			return -1;
	}
	if (watch_set_own(s->watches, OWN_SIGNAL, signal_fd, err) < 0 ||
	    watch_set_own(s->watches, OWN_WORKERS, s->workers ? workers_fd(s->workers) : -1, err) < 0)
		return -1;
	for (;;) {
		int timeout, cg_timeout, scm_timeout, dbus_timeout;
		unsigned own;
		bool more, unauth;

		dispatch_clients(s, &more, &unauth);
		if (dispatch_bus(s))
			more = true;
		if (start_pending(s))
			more = true;

		/* The marks' inotify and the SCM exchanges' epoll are made at their first use. */
		if (watch_set_own(s->watches, OWN_MARKS, cg_watch_fd(), err) < 0 ||
		    watch_set_own(s->watches, OWN_SCM, scm_watch_fd(), err) < 0)
			return -1;
		dbus_timeout = run_timeouts(s);
		cg_timeout = cg_watch_timeout_ms();
		timeout = more ? 0 : dbus_timeout;
		if (cg_timeout >= 0 && (timeout < 0 || cg_timeout < timeout))
			timeout = cg_timeout;
		scm_timeout = scm_timeout_ms();
		if (scm_timeout >= 0 && (timeout < 0 || scm_timeout < timeout))
			timeout = scm_timeout;
		if (unauth && (timeout < 0 || timeout > UNAUTH_POLL_MAX_MS))
			timeout = UNAUTH_POLL_MAX_MS;

		if (watch_set_wait(s->watches, timeout, &own) < 0) {
			if (errno == EINTR)
				continue;
			return fail_errno(err, errno, "epoll_wait");
		}
		if ((own & 1u << OWN_SIGNAL) && handle_signal(s, signal_fd))
			return 0;
		if ((own & 1u << OWN_MARKS) || cg_watch_timeout_ms() == 0)
			cg_watch_dispatch();
		if ((own & 1u << OWN_SCM) || scm_timeout_ms() == 0)
			scm_dispatch();
		if (own & 1u << OWN_WORKERS)
			workers_collect(s->workers);
		watch_set_handle(s->watches, stir_watch);
	}
}

void server_free(struct server *s)
{
	if (!s)
		return;
	/* The calls still out finish and are answered (their replies may not leave: the connections close). */
	workers_free(s->workers);
	while (s->clients)
		client_drop(s, s->clients, NULL);
	if (s->bus)
		bus_drop(s);
	scm_shutdown();
	if (s->dbus) {
		dbus_server_disconnect(s->dbus);
		dbus_server_unref(s->dbus);
		unlink(s->socket_path);
	}
	watch_set_free(s->watches); /* after every libdbus object whose watches are in it */
	free(s->socket_path);
	free(s->timeouts);
	free(s);
}
