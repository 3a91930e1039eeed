/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dispatcher without a socket or a cgroup: messages built in memory go
 * through methods_handle() for a made-up caller and hierarchy set, and the
 * replies are checked — unknown methods, wrong signatures, wrong objects,
 * host-root-only methods, Hello, Introspect, Properties, ListControllers.
 */
#include "config.h"

#include <string.h>

#include "methods.h"
#include "tap.h"

static DBusMessage *call(const char *path, const char *iface, const char *member)
{
	DBusMessage *m = dbus_message_new_method_call(NULL, path, iface, member);

	dbus_message_set_serial(m, 1); /* as if sent: a reply needs a serial to answer */
	return m;
}

/* Sends `msg` (consumed) and returns the reply's error name, or "" for a method return. */
static const char *dispatch(const struct method_context *ctx, DBusMessage *msg, DBusMessage **ret_reply)
{
	static char name[256];
	DBusMessage *reply = methods_handle(ctx, msg);

	dbus_message_unref(msg);
	name[0] = '\0';
	if (reply && dbus_message_get_type(reply) == DBUS_MESSAGE_TYPE_ERROR)
		snprintf(name, sizeof(name), "%s", dbus_message_get_error_name(reply));
	if (ret_reply)
		*ret_reply = reply;
	else if (reply)
		dbus_message_unref(reply);
	return reply ? name : "(no reply)";
}

int main(void)
{
	char *controllers[] = {"memory", NULL}, *none[] = {NULL};
	struct hierarchy items[] = {
		{.name = "memory", .controllers = controllers, .root_fd = -1},
		{.name = "unified", .controllers = none, .unified = true, .root_fd = -1},
	};
	struct hierarchy_set set = {.items = items, .n = 2, .reserved_prefixes = none, .delegate_files = none};
	struct caller root = {.pid = 1, .uid = 0, .init_userns = true, .init_pidns = true, .pidfd = -1};
	struct caller user = {.pid = 1, .uid = 1000, .gid = 1000, .init_userns = true, .init_pidns = true, .pidfd = -1};
	struct method_context as_root = {.set = &set, .caller = &root, .conn_serial = 7};
	struct method_context as_user = {.set = &set, .caller = &user, .conn_serial = 8};
	DBusMessage *m, *reply;
	DBusMessageIter it, v;
	const char *s, *a = "all", *b = "x";
	dbus_int32_t i = 0;

	m = call(CGM_OBJECT_PATH, CGM_IFACE_CGMANAGER, "Ping");
	dbus_message_append_args(m, DBUS_TYPE_INT32, &i, DBUS_TYPE_INVALID);
	is_str(dispatch(&as_user, m, NULL), "", "Ping(i) answers");

	m = call(CGM_OBJECT_PATH, NULL, "Ping");
	dbus_message_append_args(m, DBUS_TYPE_INT32, &i, DBUS_TYPE_INVALID);
	is_str(dispatch(&as_user, m, NULL), "", "a call without an interface finds the method by name");

	m = call(CGM_OBJECT_PATH, CGM_IFACE_CGMANAGER, "Ping");
	is_str(dispatch(&as_user, m, NULL), DBUS_ERROR_INVALID_ARGS, "Ping() without its argument: InvalidArgs");

	m = call(CGM_OBJECT_PATH, CGM_IFACE_CGMANAGER, "Create");
	dbus_message_append_args(m, DBUS_TYPE_STRING, &a, DBUS_TYPE_INT32, &i, DBUS_TYPE_INVALID);
	is_str(dispatch(&as_user, m, NULL), DBUS_ERROR_INVALID_ARGS, "Create(si): InvalidArgs");

	m = call(CGM_OBJECT_PATH, CGM_IFACE_CGMANAGER, "Nope");
	is_str(dispatch(&as_user, m, NULL), DBUS_ERROR_UNKNOWN_METHOD, "unknown method: UnknownMethod");

	m = call(CGM_OBJECT_PATH, "org.example.Nope", "Ping");
	dbus_message_append_args(m, DBUS_TYPE_INT32, &i, DBUS_TYPE_INVALID);
	is_str(dispatch(&as_user, m, NULL), DBUS_ERROR_UNKNOWN_METHOD, "unknown interface: UnknownMethod");

	m = call("/elsewhere", CGM_IFACE_CGMANAGER, "Ping");
	dbus_message_append_args(m, DBUS_TYPE_INT32, &i, DBUS_TYPE_INVALID);
	is_str(dispatch(&as_user, m, NULL), DBUS_ERROR_UNKNOWN_OBJECT, "wrong object: UnknownObject");

	m = call(CGM_OBJECT_PATH, CGM_IFACE_CGMANAGER, "MovePidAbs");
	dbus_message_append_args(m, DBUS_TYPE_STRING, &a, DBUS_TYPE_STRING, &b, DBUS_TYPE_INT32, &i, DBUS_TYPE_INVALID);
	is_str(dispatch(&as_user, m, NULL), "org.cgm.Error.PermissionDenied", "MovePidAbs by a user: PermissionDenied");

	m = call("/org/freedesktop/DBus", DBUS_INTERFACE_DBUS, "Hello");
	is_str(dispatch(&as_root, m, &reply), "", "Hello answers on the bus object path");
	if (reply && dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &s, DBUS_TYPE_INVALID))
		is_str(s, ":1.7", "Hello makes up a unique name from the connection number");
	if (reply)
		dbus_message_unref(reply);

	m = call(CGM_OBJECT_PATH, DBUS_INTERFACE_INTROSPECTABLE, "Introspect");
	is_str(dispatch(&as_user, m, &reply), "", "Introspect answers");
	if (reply && dbus_message_get_args(reply, NULL, DBUS_TYPE_STRING, &s, DBUS_TYPE_INVALID))
		ok(strcmp(s, methods_introspection_xml) == 0, "Introspect returns the embedded XML");
	if (reply)
		dbus_message_unref(reply);

	m = call(CGM_OBJECT_PATH, DBUS_INTERFACE_PROPERTIES, "Get");
	s = CGM_IFACE_CGMANAGER;
	b = "api_version";
	dbus_message_append_args(m, DBUS_TYPE_STRING, &s, DBUS_TYPE_STRING, &b, DBUS_TYPE_INVALID);
	is_str(dispatch(&as_user, m, &reply), "", "Properties.Get api_version answers");
	if (reply && dbus_message_iter_init(reply, &it) && dbus_message_iter_get_arg_type(&it) == DBUS_TYPE_VARIANT) {
		dbus_message_iter_recurse(&it, &v);
		dbus_message_iter_get_basic(&v, &i);
		is_int(i, CGM_API_VERSION, "api_version is %d", CGM_API_VERSION);
	}
	if (reply)
		dbus_message_unref(reply);

	m = call(CGM_OBJECT_PATH, CGM_IFACE_CGMANAGER, "ListControllers");
	is_str(dispatch(&as_user, m, &reply), "", "ListControllers answers");
	if (reply) {
		char **names = NULL;
		int n = 0;

		if (dbus_message_get_args(reply, NULL, DBUS_TYPE_ARRAY, DBUS_TYPE_STRING, &names, &n,
					  DBUS_TYPE_INVALID)) {
			is_int(n, 2, "two hierarchies");
			is_str(n > 1 ? names[1] : NULL, "unified", "named as the set names them");
			dbus_free_string_array(names);
		}
		dbus_message_unref(reply);
	}
	return tap_done();
}
