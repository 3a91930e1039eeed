/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A named failure: every fallible function in the daemon takes a
 * `struct failure *err` last, fills it once where the problem is known, and
 * returns a negative value.  The D-Bus layer turns it into exactly one
 * org.cgm.Error.* reply; nothing else prints or logs the same error again.
 */
#pragma once

#include <stdarg.h>

enum failure_kind {
	FAIL_NONE = 0,
	FAIL_PERMISSION_DENIED,
	FAIL_NOT_FOUND,
	FAIL_INVALID_PATH,
	FAIL_INVALID_KEY,
	FAIL_INVALID_VALUE,
	FAIL_BUSY,
	FAIL_UNKNOWN_HIERARCHY,
	FAIL_FAILED,
};

struct failure {
	enum failure_kind kind;
	char message[512];
};

/* Records kind and a formatted message; returns -1 so callers can `return failf(...)`. */
int failf(struct failure *err, enum failure_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Records a failure for a system call that set errno `errnum`: the kind
 * follows from errnum (EACCES/EPERM: PermissionDenied, ENOENT: NotFound,
 * EBUSY/ENOTEMPTY: Busy, EINVAL/ERANGE: InvalidValue, else Failed) and the
 * message is the formatted text followed by ": strerror(errnum)".
 * Returns -1.
 */
int fail_errno(struct failure *err, int errnum, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The D-Bus error name for a kind, e.g. "org.cgm.Error.NotFound". */
const char *failure_dbus_name(enum failure_kind kind);
