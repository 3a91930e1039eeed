/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dispatcher without a socket or a cgroup: messages built in memory go
 * through methods_handle() for a made-up caller and hierarchy set, and the
 * replies are checked — unknown methods, wrong signatures, wrong objects,
 * host-root-only methods, Hello, Introspect, Properties, ListControllers,
 * Status (its dictionary from a made-up daemon state) and ApplyLimits.
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

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
	struct caller root = {
		.pid = 1, .uid = 0, .init_userns = true, .init_pidns = true, .pidfd = -1, .cgroup_fd = -1};
	struct caller user = {.pid = 1,
			      .uid = 1000,
			      .gid = 1000,
			      .init_userns = true,
			      .init_pidns = true,
			      .pidfd = -1,
			      .cgroup_fd = -1};
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

	/* Status: a dictionary of what the daemon state says, for anyone. */
	char *root_path = "/sys.slice/cgm.service";
	struct daemon_state d = {.set = &set,
				 .socket_path = "/run/x",
				 .started_ms = daemon_now_ms() - 3500,
				 .clients = 4,
				 .requests = 99,
				 .refused = 9};
	struct method_context status_ctx = {.set = &set, .caller = &user, .daemon = &d};

	items[1].root = root_path;
	m = call(CGM_OBJECT_PATH, CGM_IFACE_MANAGER1, "Status");
	is_str(dispatch(&status_ctx, m, &reply), "", "Status answers a user");
	if (reply) {
		DBusMessageIter dict, e, val;
		int seen = 0;

		is_str(dbus_message_get_signature(reply), "a{sv}", "Status returns a{sv}");
		dbus_message_iter_init(reply, &it);
		for (dbus_message_iter_recurse(&it, &dict);
		     dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY; dbus_message_iter_next(&dict)) {
			const char *key;
			dbus_uint64_t u64;
			dbus_uint32_t u32;

			dbus_message_iter_recurse(&dict, &e);
			dbus_message_iter_get_basic(&e, &key);
			dbus_message_iter_next(&e);
			dbus_message_iter_recurse(&e, &val);
			if (strcmp(key, "uptime") == 0) {
				dbus_message_iter_get_basic(&val, &u64);
				ok(u64 >= 3, "Status: uptime from the start time (%llu s)", (unsigned long long)u64);
				seen++;
			} else if (strcmp(key, "requests") == 0) {
				dbus_message_iter_get_basic(&val, &u64);
				is_int((int)u64, 99, "Status: requests");
				seen++;
			} else if (strcmp(key, "clients") == 0) {
				dbus_message_iter_get_basic(&val, &u32);
				is_int((int)u32, 4, "Status: clients");
				seen++;
			} else if (strcmp(key, "pid") == 0) {
				dbus_message_iter_get_basic(&val, &u32);
				is_int((int)u32, (int)getpid(), "Status: pid");
				seen++;
			} else if (strcmp(key, "roots") == 0) {
				DBusMessageIter arr;
				const char *r0, *r1;

				dbus_message_iter_recurse(&val, &arr);
				dbus_message_iter_get_basic(&arr, &r0);
				dbus_message_iter_next(&arr);
				dbus_message_iter_get_basic(&arr, &r1);
				ok(strcmp(r0, "/") == 0 && strcmp(r1, root_path) == 0, "Status: roots %s %s", r0, r1);
				seen++;
			}
		}
		is_int(seen, 5, "Status: every key looked for is there");
		dbus_message_unref(reply);
	}
	items[1].root = NULL;
	m = call(CGM_OBJECT_PATH, CGM_IFACE_MANAGER1, "Status");
	is_str(dispatch(&as_user, m, NULL), "org.cgm.Error.Failed", "Status without a daemon state: Failed");

	m = call(CGM_OBJECT_PATH, CGM_IFACE_MANAGER1, "ApplyLimits");
	dbus_message_append_args(m, DBUS_TYPE_STRING, &a, DBUS_TYPE_STRING, &b, DBUS_TYPE_UINT32, &user.uid,
				 DBUS_TYPE_INVALID);
	is_str(dispatch(&as_user, m, NULL), "org.cgm.Error.PermissionDenied",
	       "ApplyLimits by a user: PermissionDenied");
	return tap_done();
}
