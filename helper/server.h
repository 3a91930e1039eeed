/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's D-Bus server: a peer-to-peer DBusServer on a Unix socket,
 * every connection identified by the kernel when it is accepted, and one
 * single-threaded poll loop that drives libdbus's watches and timeouts and
 * the cgroup layer's remove-on-empty watcher.
 */
#pragma once

#include "failure.h"
#include "hierarchy.h"

struct server;

/* Listens on `socket_path` (mode 0666: every request is checked, not every connection). */
int server_new(const char *socket_path, const struct hierarchy_set *set, struct server **ret, struct failure *err);

/* Serves until `stop_fd` becomes readable (the daemon's signalfd); returns 0, or negative on a loop failure. */
int server_run(struct server *s, int stop_fd, struct failure *err);

/* Closes every connection and the listening socket, and removes the socket file. */
void server_free(struct server *s);
