/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the parts of libcgm share and do not export: the connection object,
 * error recording (error.c), and the one generic method call (call.c) on
 * which every public function in methods.c is a thin typed wrapper.
 */
#pragma once

#include <dbus/dbus.h>
#include <stdbool.h>

#include "cgm.h"

#define CGM_EXPORT __attribute__((visibility("default")))

#define CGM_OBJECT_PATH	     "/org/linuxcontainers/cgmanager"
#define CGM_IFACE_LEGACY     "org.linuxcontainers.cgmanager0_0"
#define CGM_IFACE_MANAGER    "org.cgm.Manager1"
#define CGM_IFACE_PROPERTIES "org.freedesktop.DBus.Properties"

#define CGM_ERRMSG_MAX 512

struct cgm {
	DBusConnection *dbus;
	int timeout_ms;
	/* Whether the daemon has answered on this connection yet (see cgm__call). */
	bool answered;
	/* Kept in the object so that a failing call never has to allocate. */
	char errmsg[CGM_ERRMSG_MAX];
};

/* error.c.  Both record the message for cgm_errmsg(conn) (thread-local when conn is NULL) and return err. */
__attribute__((format(printf, 3, 4))) int cgm__fail(struct cgm *conn, int err, const char *fmt, ...);
/* Maps a D-Bus error name (the daemon's or libdbus's own) to a CGM_E* code. */
int cgm__error_from_dbus(const char *name);

/* What to call and which reply signature the API promises for it. */
struct cgm__method {
	const char *iface;
	const char *member;
	const char *reply_signature;
};

/*
 * Calls m with arguments given as (DBUS_TYPE_*, pointer) pairs ended by
 * DBUS_TYPE_INVALID, waiting at most conn's timeout.  Strings are checked
 * for NULL and UTF-8 here, because libdbus aborts the process on either.
 * Returns 0 and the reply (to unref) whose signature is m's, or a CGM_E*.
 */
int cgm__call(struct cgm *conn, const struct cgm__method *m, DBusMessage **ret_reply, int first_type, ...);

/* Argument pairs for cgm__call. */
#define CGM_S(v)                                                                                                       \
	DBUS_TYPE_STRING, &(const char *)                                                                              \
	{                                                                                                              \
		(v)                                                                                                    \
	}
#define CGM_I(v)                                                                                                       \
	DBUS_TYPE_INT32, &(dbus_int32_t)                                                                               \
	{                                                                                                              \
		(dbus_int32_t)(v)                                                                                      \
	}
#define CGM_U(v)                                                                                                       \
	DBUS_TYPE_UINT32, &(dbus_uint32_t)                                                                             \
	{                                                                                                              \
		(dbus_uint32_t)(v)                                                                                     \
	}
#define CGM_FD(v)                                                                                                      \
	DBUS_TYPE_UNIX_FD, &(int)                                                                                      \
	{                                                                                                              \
		(v)                                                                                                    \
	}
#define CGM_ARGS_END DBUS_TYPE_INVALID
