/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daemon's D-Bus methods: one table of every method it answers (the
 * cgmanager0_0 and Manager1 interfaces, Introspectable, Properties and the
 * bus-daemon Hello that sd-bus clients send), and one dispatcher that
 * checks the signature, unpacks the arguments, asks policy.c and calls the
 * cgroup layer.  No socket here: server.c hands in a message and sends
 * back whatever reply this returns.
 */
#pragma once

#include <dbus/dbus.h>
#include <stddef.h>

#include "caller.h"
#include "daemon.h"
#include "hierarchy.h"

#define CGM_OBJECT_PATH	    "/org/linuxcontainers/cgmanager"
#define CGM_IFACE_CGMANAGER "org.linuxcontainers.cgmanager0_0"
#define CGM_IFACE_MANAGER1  "org.cgm.Manager1"
#define CGM_API_VERSION	    10

/* What a request knows about where it came from. */
struct method_context {
	const struct hierarchy_set *set;
	const struct caller *caller;	   /* identified when the client connected */
	unsigned long conn_serial;	   /* this connection's number, for Hello's made-up unique name */
	const struct daemon_state *daemon; /* limits and counters; NULL in tests that drive methods alone */
	/*
	 * The caller's cgroups as its connection's last request read them
	 * (one request at a time per connection), or NULL: read and parsed
	 * for this request alone (the system bus, Scm requestors).
	 */
	struct cgroups_seen *seen;
};

struct request;

struct method {
	const char *iface;
	const char *name;
	const char *in_sig;
	const char *out_sig;
	unsigned flags; /* METHOD_* below */
	int secret_arg; /* index of an argument never logged (SetValue's value), or -1 */
	int (*run)(struct request *r, struct failure *err);
};

enum {
	METHOD_CGROUPS = 1 << 0,   /* needs the caller alive and its current cgroups */
	METHOD_HOST_ROOT = 1 << 1, /* host root only */
	METHOD_ABS = 1 << 2,	   /* paths resolve from the real root of each hierarchy */
	METHOD_ANY_PATH = 1 << 3,  /* answered on any object path (Hello) */
};

/* The table, for the unit test that holds it against the introspection XML. */
extern const struct method methods_table[];
extern const size_t methods_table_len;

/* The document Introspect returns. */
extern const char methods_introspection_xml[];

/*
 * Handles method call `call` from the client described by `ctx` and
 * returns the reply to send (a method return or a named error); NULL only
 * when out of memory.
 */
DBusMessage *methods_handle(const struct method_context *ctx, DBusMessage *call);

/*
 * Whether methods_handle may run `call` on a worker thread (server.c):
 * the methods that work on cgroups, whose state is the request's own, the
 * caller's (one call of a client at a time) and the remove-on-empty marks
 * (locked in cgroup.c).  Not the …Scm exchanges, whose table belongs to the
 * main loop, nor the cheap calls that answer from the daemon's counters.
 */
bool methods_run_aside(DBusMessage *call);

/* What an …Scm exchange (scm.c) learnt, for the plain method it ends with. */
struct scm_request {
	const struct caller *requestor; /* the process the first credential named: the request runs as it */
	/* The client that called, as it was then: the requestor must not reach further than it. */
	bool peer_host_root;
	dev_t peer_userns_dev;
	ino_t peer_userns_ino;
	char *const *peer_cgroups; /* one per hierarchy */
	/* The second credential, where the method takes one: a process (daemon pid, pinned) or ids. */
	pid_t pid;
	int pidfd;
	uid_t uid;
	gid_t gid;
};

/*
 * Runs plain method `plain` with the arguments of …Scm call `call`, as
 * `sr->requestor` and with the second credential in place of the pid or
 * ids argument, and returns the reply the plain method gives (a method
 * return or a named error, logged as any refusal); NULL only when out of
 * memory.
 */
DBusMessage *methods_complete_scm(const struct hierarchy_set *set, DBusMessage *call, const char *plain,
				  const struct scm_request *sr);
