/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The …Scm methods of org.linuxcontainers.cgmanager0_0: the client passes
 * one end of a SOCK_DGRAM socketpair, and pids and ids then travel as
 * SCM_CREDENTIALS messages on it, which the kernel checks and translates
 * between the client's namespaces and the daemon's.  Each exchange lives
 * in the main loop (one epoll fd, a deadline), never in a blocking read,
 * and ends with the plain method (methods.c) run for the process the
 * kernel named and its answer written back on the socket.
 */
#pragma once

#include <dbus/dbus.h>
#include <stddef.h>
#include <sys/types.h>

#include "caller.h"
#include "failure.h"
#include "hierarchy.h"

/* How long one exchange may take from the call to its last datagram. */
#define SCM_TIMEOUT_MS 5000

/* The plain method that …Scm method `name` is the socketpair form of; NULL when it is none. */
const char *scm_plain_method(const char *name);

/*
 * Starts the exchange for …Scm call `call` (method `name`) from `peer`,
 * whose current cgroups are `peer_cgroups` (one per hierarchy of `set`):
 * checks that `fd` is one end of a SOCK_DGRAM socketpair, asks the kernel
 * for credentials on it and sends the first go-ahead byte.  Takes `fd`
 * (closed on failure too).  Refuses with FAIL_BUSY when too many exchanges
 * are open.
 */
int scm_begin(const struct hierarchy_set *set, DBusMessage *call, const char *name, const struct caller *peer,
	      char *const *peer_cgroups, int fd, struct failure *err);

/* For the main loop: the fd that becomes readable when an exchange can go on (-1 before the first). */
int scm_watch_fd(void);
/* Milliseconds until the next exchange times out (-1: none open). */
int scm_timeout_ms(void);
/* Moves every exchange that can go on, and ends those past their deadline; never blocks. */
void scm_dispatch(void);
/* Ends every open exchange (daemon exit). */
void scm_shutdown(void);

/* One datagram of an answer; `cred_pid` > 0 sends that pid as SCM_CREDENTIALS with it. */
struct scm_dgram {
	char *data;
	size_t len;
	pid_t cred_pid;
};

/*
 * The datagrams that answer …Scm method `name` when its plain method
 * replied `reply` (NULL: it failed without a reply), in the original
 * manager's encoding (see doc/cgmd.8).  Pure, for unit tests.  0, or -1
 * when out of memory.
 */
int scm_encode_result(const char *name, DBusMessage *reply, struct scm_dgram **ret, size_t *ret_n);
void scm_dgrams_free(struct scm_dgram *d, size_t n);
