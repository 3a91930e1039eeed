/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's D-Bus server: a peer-to-peer DBusServer on a Unix socket,
 * every connection identified by the kernel when it is accepted, and one
 * poll loop that drives libdbus's watches and timeouts, the cgroup layer's
 * remove-on-empty watcher and the worker threads' results.
 */
#pragma once

#include "daemon.h"
#include "failure.h"

struct server;

/*
 * Listens on d->socket_path (mode 0666: every request is checked, not
 * every connection) for the hierarchies of d->set; counts clients and
 * requests into *d.
 */
int server_new(struct daemon_state *d, struct server **ret, struct failure *err);

/*
 * Also serves on the system bus under the well-known `name` (bus.h);
 * fails when the bus cannot be reached or the name is taken.
 */
int server_add_bus(struct server *s, const char *name, struct failure *err);

/*
 * Starts d->workers worker threads (after main.c has forked), then serves
 * until a stop signal arrives on `signal_fd` (the daemon's signalfd); a
 * SIGHUP there re-reads the limits table instead.  Returns 0, or negative
 * on a loop failure.
 */
int server_run(struct server *s, int signal_fd, struct failure *err);

/* Closes every connection and the listening socket, and removes the socket file. */
void server_free(struct server *s);
