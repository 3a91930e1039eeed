/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Named failures and their D-Bus error names (see failure.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "failure.h"

/*
 * A message cut at the buffer's end may end in the middle of a UTF-8
 * character (a client's path is part of many messages); D-Bus refuses a
 * reply whose text is not valid UTF-8, so drop the incomplete character.
 */
static void trim_partial_utf8(char *s)
{
	size_t len = strlen(s), lead = len, need;

	while (lead > 0 && len - lead < 4 && ((unsigned char)s[lead - 1] & 0xc0) == 0x80)
		lead--;
	if (lead == 0 || ((unsigned char)s[lead - 1] & 0x80) == 0)
		return;
	lead--;
	need = ((unsigned char)s[lead] & 0xe0) == 0xc0 ? 2 : ((unsigned char)s[lead] & 0xf0) == 0xe0 ? 3 : 4;
	if (len - lead < need)
		s[lead] = '\0';
}

static void vrecord(struct failure *err, enum failure_kind kind, const char *fmt, va_list ap)
{
	err->kind = kind;
	if (vsnprintf(err->message, sizeof(err->message), fmt, ap) >= (int)sizeof(err->message))
		trim_partial_utf8(err->message);
}

int failf(struct failure *err, enum failure_kind kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vrecord(err, kind, fmt, ap);
	va_end(ap);
	return -1;
}

static enum failure_kind kind_of_errno(int errnum)
{
	switch (errnum) {
	case EACCES:
	case EPERM:
		return FAIL_PERMISSION_DENIED;
	case ENOENT:
	case ESRCH:
		return FAIL_NOT_FOUND;
	case EBUSY:
	case ENOTEMPTY:
		return FAIL_BUSY;
	case EINVAL:
	case ERANGE:
		return FAIL_INVALID_VALUE;
	default:
		return FAIL_FAILED;
	}
}

int fail_errno(struct failure *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	size_t len;

	va_start(ap, fmt);
	vrecord(err, kind_of_errno(errnum), fmt, ap);
	va_end(ap);
	len = strlen(err->message);
	if (snprintf(err->message + len, sizeof(err->message) - len, ": %s", strerror(errnum)) >=
	    (int)(sizeof(err->message) - len))
		trim_partial_utf8(err->message);
	return -1;
}

const char *failure_dbus_name(enum failure_kind kind)
{
	static const char *const names[] = {
		[FAIL_NONE] = "org.cgm.Error.Failed",
		[FAIL_PERMISSION_DENIED] = "org.cgm.Error.PermissionDenied",
		[FAIL_NOT_FOUND] = "org.cgm.Error.NotFound",
		[FAIL_INVALID_PATH] = "org.cgm.Error.InvalidPath",
		[FAIL_INVALID_KEY] = "org.cgm.Error.InvalidKey",
		[FAIL_INVALID_VALUE] = "org.cgm.Error.InvalidValue",
		[FAIL_BUSY] = "org.cgm.Error.Busy",
		[FAIL_UNKNOWN_HIERARCHY] = "org.cgm.Error.UnknownHierarchy",
		[FAIL_FAILED] = "org.cgm.Error.Failed",
	};

	if ((unsigned)kind >= sizeof(names) / sizeof(names[0]))
		return names[FAIL_FAILED];
	return names[kind];
}
