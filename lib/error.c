/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcgm's errors: one table ties each CGM_E* code to its fixed text and
 * to the D-Bus error names that mean it, so the daemon's named errors
 * (DESIGN.md §2) and libdbus's own map through the same place.  The message
 * of the last failure is kept in the connection, or per thread when there
 * is no connection yet (cgm_connect).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *const error_texts[] = {
	[-CGM_OK] = "success",
	[-CGM_EPERM] = "permission denied",
	[-CGM_ENOENT] = "not found",
	[-CGM_EPATH] = "invalid path",
	[-CGM_EKEY] = "invalid key",
	[-CGM_EVALUE] = "invalid value",
	[-CGM_EBUSY] = "busy",
	[-CGM_EHIERARCHY] = "unknown hierarchy",
	[-CGM_EFAILED] = "failed",
	[-CGM_ECONNECT] = "cannot reach the daemon",
	[-CGM_ETIMEOUT] = "the daemon did not answer in time",
	[-CGM_ENOMEM] = "out of memory",
	[-CGM_EINVAL] = "invalid argument",
	[-CGM_EPROTOCOL] = "unexpected reply from the daemon",
};

static const struct {
	const char *name;
	int code;
} error_names[] = {
	{"org.cgm.Error.PermissionDenied", CGM_EPERM},
	{"org.cgm.Error.NotFound", CGM_ENOENT},
	{"org.cgm.Error.InvalidPath", CGM_EPATH},
	{"org.cgm.Error.InvalidKey", CGM_EKEY},
	{"org.cgm.Error.InvalidValue", CGM_EVALUE},
	{"org.cgm.Error.Busy", CGM_EBUSY},
	{"org.cgm.Error.UnknownHierarchy", CGM_EHIERARCHY},
	{"org.cgm.Error.Failed", CGM_EFAILED},
	/* What libdbus itself reports for a call that went wrong on the way. */
	{DBUS_ERROR_NO_REPLY, CGM_ETIMEOUT},
	{DBUS_ERROR_TIMEOUT, CGM_ETIMEOUT},
	{DBUS_ERROR_TIMED_OUT, CGM_ETIMEOUT},
	{DBUS_ERROR_DISCONNECTED, CGM_ECONNECT},
	{DBUS_ERROR_NO_SERVER, CGM_ECONNECT},
	{DBUS_ERROR_NO_MEMORY, CGM_ENOMEM},
	/* A daemon may refuse at the D-Bus level before its own checks run. */
	{DBUS_ERROR_ACCESS_DENIED, CGM_EPERM},
	{DBUS_ERROR_INVALID_ARGS, CGM_EINVAL},
};

static __thread char thread_errmsg[CGM_ERRMSG_MAX];

CGM_EXPORT const char *cgm_strerror(int err)
{
	if (err > 0 || -err >= (int)(sizeof(error_texts) / sizeof(error_texts[0])))
		return "unknown error";
	return error_texts[-err];
}

CGM_EXPORT const char *cgm_errmsg(const struct cgm *conn)
{
	return conn ? conn->errmsg : thread_errmsg;
}

int cgm__fail(struct cgm *conn, int err, const char *fmt, ...)
{
	char *buf = conn ? conn->errmsg : thread_errmsg;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, CGM_ERRMSG_MAX, fmt, ap);
	va_end(ap);
	return err;
}

int cgm__error_from_dbus(const char *name)
{
	for (size_t i = 0; name && i < sizeof(error_names) / sizeof(error_names[0]); i++)
		if (strcmp(name, error_names[i].name) == 0)
			return error_names[i].code;
	return CGM_EFAILED;
}
