/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libdbus watches a connection's socket through two DBusWatch objects on
 * one descriptor (reading and writing, each enabled or not), so the set is
 * kept by descriptor: each one in the epoll set asks for what its enabled
 * watches want, and one with none enabled is taken out of the set (epoll
 * would still report a hang-up on it, with no watch to take it).  Events
 * carry a pointer to the descriptor's entry; an entry removed while a
 * turn's events may still point at it waits for the next wait to be
 * freed, so handling one event can close any connection safely.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"
#include "watches.h"

#define WATCHES_PER_FD 2   /* libdbus: a socket's reading and writing watch */
#define EVENTS_MAX     128 /* per wait; level-triggered, so the rest come at the next */

struct watched_fd {
	int fd;		 /* -1 once removed */
	uint32_t events; /* as in the epoll set; 0: not in it */
	size_t n;
	DBusWatch *w[WATCHES_PER_FD];
	struct watched_fd *next_gone;
};

struct watch_set {
	int epfd;
	struct watched_fd **by_fd; /* indexed by descriptor */
	size_t by_fd_cap;
	struct watched_fd own[OWN_FDS];
	struct watched_fd *gone; /* removed since the last wait */
	struct epoll_event events[EVENTS_MAX];
	int nevents; /* of the last wait, not handled yet */
};

int watch_set_new(struct watch_set **ret, struct failure *err)
{
	struct watch_set *ws = calloc(1, sizeof(*ws));

	if (!ws)
		return failf(err, FAIL_FAILED, "out of memory setting up the main loop");
	ws->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ws->epfd < 0) {
		int e = errno;

		free(ws);
		return fail_errno(err, e, "epoll_create1");
	}
	for (size_t i = 0; i < OWN_FDS; i++)
		ws->own[i].fd = -1;
	*ret = ws;
	return 0;
}

static void free_gone(struct watch_set *ws)
{
	for (struct watched_fd *e = ws->gone, *next; e; e = next) {
		next = e->next_gone;
		free(e);
	}
	ws->gone = NULL;
}

void watch_set_free(struct watch_set *ws)
{
	if (!ws)
		return;
	free_gone(ws);
	for (size_t i = 0; i < ws->by_fd_cap; i++)
		free(ws->by_fd[i]);
	free(ws->by_fd);
	close(ws->epfd);
	free(ws);
}

static bool is_own(const struct watch_set *ws, const struct watched_fd *e)
{
	return e >= ws->own && e < ws->own + OWN_FDS;
}

/* What e's enabled watches wait for, as epoll events. */
static uint32_t wanted(const struct watched_fd *e)
{
	uint32_t events = 0;

	for (size_t i = 0; i < e->n; i++) {
		unsigned flags = dbus_watch_get_flags(e->w[i]);

		if (!dbus_watch_get_enabled(e->w[i]))
			continue;
		if (flags & DBUS_WATCH_READABLE)
			events |= EPOLLIN;
		if (flags & DBUS_WATCH_WRITABLE)
			events |= EPOLLOUT;
	}
	return events;
}

/* Puts e in the epoll set, changes it there or takes it out, as its watches want now. */
static int sync_fd(struct watch_set *ws, struct watched_fd *e)
{
	struct epoll_event ev = {.events = wanted(e), .data.ptr = e};
	int op;

	if (ev.events == e->events)
		return 0;
	op = !ev.events ? EPOLL_CTL_DEL : e->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
	/* A descriptor already closed has left the set by itself (EBADF, ENOENT): out is out. */
	if (epoll_ctl(ws->epfd, op, e->fd, &ev) < 0 && op != EPOLL_CTL_DEL)
		return -1;
	e->events = ev.events;
	return 0;
}

static bool holds(const struct watched_fd *e, const DBusWatch *w)
{
	for (size_t i = 0; i < e->n; i++)
		if (e->w[i] == w)
			return true;
	return false;
}

/*
 * The entry holding w: found by its descriptor, or, should libdbus have
 * let go of the descriptor first, by looking through them all.
 */
static struct watched_fd *entry_of(struct watch_set *ws, DBusWatch *w)
{
	int fd = dbus_watch_get_unix_fd(w);

	if (fd >= 0 && (size_t)fd < ws->by_fd_cap && ws->by_fd[fd] && holds(ws->by_fd[fd], w))
		return ws->by_fd[fd];
	for (size_t i = 0; i < ws->by_fd_cap; i++)
		if (ws->by_fd[i] && holds(ws->by_fd[i], w))
			return ws->by_fd[i];
	return NULL;
}

dbus_bool_t watch_set_add(struct watch_set *ws, DBusWatch *w)
{
	int fd = dbus_watch_get_unix_fd(w);
	struct watched_fd *e;

	if (fd < 0)
		return FALSE;
	if ((size_t)fd >= ws->by_fd_cap) {
		size_t cap = ws->by_fd_cap ? ws->by_fd_cap : 64;
		struct watched_fd **grown;

		while (cap <= (size_t)fd)
			cap *= 2;
		grown = realloc(ws->by_fd, cap * sizeof(*grown));
		if (!grown)
			return FALSE;
		memset(grown + ws->by_fd_cap, 0, (cap - ws->by_fd_cap) * sizeof(*grown));
		ws->by_fd = grown;
		ws->by_fd_cap = cap;
	}
	e = ws->by_fd[fd];
	if (e && e->n == WATCHES_PER_FD) {
		log_error("more than %d libdbus watches on descriptor %d", WATCHES_PER_FD, fd);
		return FALSE;
	}
	if (!e) {
		if (!(e = calloc(1, sizeof(*e))))
			return FALSE;
		e->fd = fd;
		ws->by_fd[fd] = e;
	}
	e->w[e->n++] = w;
	if (sync_fd(ws, e) == 0)
		return TRUE;
	log_error("cannot watch descriptor %d: %m", fd);
	if (--e->n == 0) {
		ws->by_fd[fd] = NULL;
		free(e);
	}
	return FALSE;
}

void watch_set_remove(struct watch_set *ws, DBusWatch *w)
{
	struct watched_fd *e = entry_of(ws, w);
	size_t i;

	if (!e)
		return;
	for (i = 0; e->w[i] != w; i++)
		;
	e->w[i] = e->w[--e->n];
	if (e->n) {
		sync_fd(ws, e); /* only ever fewer events: cannot fail */
		return;
	}
	if (e->events)
		epoll_ctl(ws->epfd, EPOLL_CTL_DEL, e->fd, NULL);
	ws->by_fd[e->fd] = NULL;
	e->fd = -1;
	e->next_gone = ws->gone;
	ws->gone = e;
}

void watch_set_toggle(struct watch_set *ws, DBusWatch *w)
{
	struct watched_fd *e = entry_of(ws, w);

	/* Failing means the kernel is out of memory for epoll: the connection stalls until it drops. */
	if (e && sync_fd(ws, e) < 0)
		log_error("cannot watch descriptor %d: %m", e->fd);
}

int watch_set_own(struct watch_set *ws, enum own_fd slot, int fd, struct failure *err)
{
	struct watched_fd *e = &ws->own[slot];
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = e};

	if (fd == e->fd)
		return 0;
	if (e->fd >= 0)
		epoll_ctl(ws->epfd, EPOLL_CTL_DEL, e->fd, NULL);
	e->fd = -1;
	if (fd >= 0 && epoll_ctl(ws->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return fail_errno(err, errno, "cannot watch descriptor %d", fd);
	e->fd = fd;
	return 0;
}

int watch_set_wait(struct watch_set *ws, int timeout_ms, unsigned *ret_own)
{
	int n;

	free_gone(ws);
	*ret_own = 0;
	ws->nevents = 0;
	n = epoll_wait(ws->epfd, ws->events, EVENTS_MAX, timeout_ms);
	if (n < 0)
		return -1;
	ws->nevents = n;
	for (int i = 0; i < n; i++) {
		struct watched_fd *e = ws->events[i].data.ptr;

		if (is_own(ws, e))
			*ret_own |= 1u << (e - ws->own);
	}
	return n;
}

/* The libdbus flags for `revents` on watch w, as far as w waits for them. */
static unsigned watch_flags(DBusWatch *w, uint32_t revents)
{
	unsigned want = dbus_watch_get_flags(w), flags = 0;

	if ((revents & EPOLLIN) && (want & DBUS_WATCH_READABLE))
		flags |= DBUS_WATCH_READABLE;
	if ((revents & EPOLLOUT) && (want & DBUS_WATCH_WRITABLE))
		flags |= DBUS_WATCH_WRITABLE;
	if (revents & EPOLLERR)
		flags |= DBUS_WATCH_ERROR;
	if (revents & EPOLLHUP)
		flags |= DBUS_WATCH_HANGUP;
	return flags;
}

void watch_set_handle(struct watch_set *ws, void (*fired)(DBusWatch *w))
{
	for (int i = 0; i < ws->nevents; i++) {
		struct watched_fd *e = ws->events[i].data.ptr;
		DBusWatch *w[WATCHES_PER_FD];
		size_t n;

		if (is_own(ws, e))
			continue;
		/* Handling one watch may remove the other, or both (the connection closed). */
		n = e->n;
		memcpy(w, e->w, n * sizeof(*w));
		for (size_t j = 0; j < n; j++) {
			unsigned flags;

			if (e->fd < 0 || !holds(e, w[j]) || !dbus_watch_get_enabled(w[j]))
				continue;
			flags = watch_flags(w[j], ws->events[i].events);
			if (!flags)
				continue;
			fired(w[j]);
			dbus_watch_handle(w[j], flags);
		}
	}
	ws->nevents = 0;
}
