/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The main loop's descriptors in one epoll set: the sockets libdbus asks
 * to watch (through its DBusWatch callbacks) and a few of the loop's own
 * (signals, the marks' inotify, the SCM exchanges, the worker pool).  A
 * turn then costs what happened in it, not one pollfd per connection.
 */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>

#include "failure.h"

struct watch_set;

/* The loop's own descriptors, by slot. */
enum own_fd { OWN_SIGNAL, OWN_MARKS, OWN_SCM, OWN_WORKERS, OWN_FDS };

int watch_set_new(struct watch_set **ret, struct failure *err);
void watch_set_free(struct watch_set *ws);

/* libdbus's watch callbacks (add: FALSE when out of memory). */
dbus_bool_t watch_set_add(struct watch_set *ws, DBusWatch *w);
void watch_set_remove(struct watch_set *ws, DBusWatch *w);
void watch_set_toggle(struct watch_set *ws, DBusWatch *w);

/*
 * Watches `fd` (-1: none) for reading in `slot`.  A slot's descriptor may
 * appear late, but must stay open while it is the slot's.
 */
int watch_set_own(struct watch_set *ws, enum own_fd slot, int fd, struct failure *err);

/*
 * Waits at most timeout_ms (-1: no limit) for any descriptor to be ready;
 * which own slots are is in *ret_own (bit 1 << slot).  Returns the number
 * of descriptors ready, or -1 with errno set.
 */
int watch_set_wait(struct watch_set *ws, int timeout_ms, unsigned *ret_own);

/*
 * Hands what the last wait found to the libdbus watches, calling
 * fired(w) before each one is handled.  A watch that an earlier handling
 * removed (its connection closed) is skipped.
 */
void watch_set_handle(struct watch_set *ws, void (*fired)(DBusWatch *w));
