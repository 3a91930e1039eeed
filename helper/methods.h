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
