/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Named failures: errno maps to the right D-Bus error, and a message cut
 * at the buffer's end never ends in half a UTF-8 character (a D-Bus reply
 * with invalid UTF-8 would be refused by libdbus).
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "failure.h"
#include "tap.h"

static void check_cut(size_t fill, const char *tail, size_t want_len, const char *what)
{
	struct failure f;
	char text[700];

	memset(text, 'a', fill);
	strcpy(text + fill, tail);
	failf(&f, FAIL_FAILED, "%s", text);
	is_int(strlen(f.message), want_len, "%s: cut before the incomplete character", what);
}

int main(void)
{
	struct failure f;

	check_cut(510, "\xc3\xa9\xc3\xa9", 510, "2-byte character across the end");
	check_cut(509, "\xe2\x82\xac\xe2\x82\xac", 509, "3-byte character across the end");
	check_cut(508, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 508, "4-byte character across the end");
	check_cut(507, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80", 511, "4-byte character that fits whole");
	check_cut(600, "", 511, "plain ASCII keeps the whole buffer");

	failf(&f, FAIL_INVALID_PATH, "path \"%s\" is bad", "é/..");
	is_str(f.message, "path \"é/..\" is bad", "a short message is kept as written");
	is_str(failure_dbus_name(f.kind), "org.cgm.Error.InvalidPath", "kind names the D-Bus error");

	fail_errno(&f, EACCES, "cannot write %s", "x");
	is_str(failure_dbus_name(f.kind), "org.cgm.Error.PermissionDenied", "EACCES is PermissionDenied");
	is_str(f.message, "cannot write x: Permission denied", "errno text appended");
	fail_errno(&f, ENOENT, "x");
	is_str(failure_dbus_name(f.kind), "org.cgm.Error.NotFound", "ENOENT is NotFound");
	fail_errno(&f, EBUSY, "x");
	is_str(failure_dbus_name(f.kind), "org.cgm.Error.Busy", "EBUSY is Busy");
	fail_errno(&f, EIO, "x");
	is_str(failure_dbus_name(f.kind), "org.cgm.Error.Failed", "anything else is Failed");
	is_str(failure_dbus_name((enum failure_kind)999), "org.cgm.Error.Failed", "out-of-range kind is Failed");
	return tap_done();
}
