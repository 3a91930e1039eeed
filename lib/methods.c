/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One public function per daemon method (DESIGN.md §2).  Each names its
 * method and promised reply signature in a table entry, passes its typed
 * arguments to cgm__call(), and turns the reply into C values with one of
 * the decoders below; everything else (timeouts, errors, checks) is shared.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define LEGACY(member, sig)                                                                                            \
	{                                                                                                              \
		CGM_IFACE_LEGACY, member, sig                                                                          \
	}
#define MANAGER(member, sig)                                                                                           \
	{                                                                                                              \
		CGM_IFACE_MANAGER, member, sig                                                                         \
	}

static const struct cgm__method m_ping = LEGACY("Ping", ""), m_get_pid_cgroup = LEGACY("GetPidCgroup", "s"),
				m_get_pid_cgroup_abs = LEGACY("GetPidCgroupAbs", "s"), m_create = LEGACY("Create", "i"),
				m_chown = LEGACY("Chown", ""), m_chmod = LEGACY("Chmod", ""),
				m_move_pid = LEGACY("MovePid", ""), m_move_pid_abs = LEGACY("MovePidAbs", ""),
				m_get_value = LEGACY("GetValue", "s"), m_set_value = LEGACY("SetValue", ""),
				m_remove = LEGACY("Remove", "i"), m_get_tasks = LEGACY("GetTasks", "ai"),
				m_get_tasks_recursive = LEGACY("GetTasksRecursive", "ai"),
				m_list_children = LEGACY("ListChildren", "as"),
				m_remove_on_empty = LEGACY("RemoveOnEmpty", ""), m_prune = LEGACY("Prune", ""),
				m_list_controllers = LEGACY("ListControllers", "as"),
				m_list_keys = LEGACY("ListKeys", "a(suuu)"),
				m_open_session = MANAGER("OpenSession", "s"),
				m_open_own_session = MANAGER("OpenOwnSession", "s"),
				m_move_pidfd = MANAGER("MovePidfd", ""),
				m_get_pidfd_cgroup = MANAGER("GetPidfdCgroup", "s"), m_kill = MANAGER("Kill", ""),
				m_freeze = MANAGER("Freeze", ""), m_thaw = MANAGER("Thaw", ""),
				m_apply_limits = MANAGER("ApplyLimits", ""),
				m_get_property = {CGM_IFACE_PROPERTIES, "Get", "v"};

/* --- reply decoders: each takes ownership of the reply --- */

static int done(DBusMessage *reply, int r)
{
	if (reply)
		dbus_message_unref(reply);
	return r;
}

static int oom(struct cgm *conn, DBusMessage *reply)
{
	return done(reply, cgm__fail(conn, CGM_ENOMEM, "out of memory"));
}

/* Returns the reply's first basic value through ret (of the type its signature promised). */
static void first_basic(DBusMessage *reply, void *ret)
{
	DBusMessageIter it;

	dbus_message_iter_init(reply, &it);
	dbus_message_iter_get_basic(&it, ret);
}

static int reply_int(DBusMessage *reply, dbus_int32_t *ret)
{
	first_basic(reply, ret);
	return done(reply, 0);
}

static int reply_string(struct cgm *conn, DBusMessage *reply, char **ret)
{
	const char *s;

	first_basic(reply, &s);
	*ret = strdup(s);
	return *ret ? done(reply, 0) : oom(conn, reply);
}

/* Enters the reply's first argument, an array: returns its length, with *ret_elements on its first element. */
static size_t array_enter(DBusMessage *reply, DBusMessageIter *ret_elements)
{
	DBusMessageIter it;

	dbus_message_iter_init(reply, &it);
	dbus_message_iter_recurse(&it, ret_elements);
	return (size_t)dbus_message_iter_get_element_count(&it);
}

static int reply_strv(struct cgm *conn, DBusMessage *reply, char ***ret)
{
	DBusMessageIter sub;
	size_t n = array_enter(reply, &sub);
	char **v = calloc(n + 1, sizeof(*v));

	if (!v)
		return oom(conn, reply);
	for (size_t i = 0; i < n; i++, dbus_message_iter_next(&sub)) {
		const char *s;

		dbus_message_iter_get_basic(&sub, &s);
		v[i] = strdup(s);
		if (!v[i]) {
			cgm_strv_free(v);
			return oom(conn, reply);
		}
	}
	*ret = v;
	return done(reply, 0);
}

static int reply_pids(struct cgm *conn, DBusMessage *reply, pid_t **ret_pids, size_t *ret_n)
{
	DBusMessageIter sub;
	const dbus_int32_t *wire;
	int n;
	pid_t *pids;

	array_enter(reply, &sub);
	dbus_message_iter_get_fixed_array(&sub, &wire, &n);
	/* One spare element so that an empty list is still a pointer the caller may free. */
	pids = malloc(((size_t)n + 1) * sizeof(*pids));
	if (!pids)
		return oom(conn, reply);
	for (int i = 0; i < n; i++)
		pids[i] = wire[i];
	*ret_pids = pids;
	*ret_n = (size_t)n;
	return done(reply, 0);
}

static int reply_keys(struct cgm *conn, DBusMessage *reply, struct cgm_key **ret_keys, size_t *ret_n)
{
	DBusMessageIter arr;
	size_t n = array_enter(reply, &arr);
	struct cgm_key *keys = calloc(n + 1, sizeof(*keys));

	if (!keys)
		return oom(conn, reply);
	for (size_t i = 0; i < n; i++, dbus_message_iter_next(&arr)) {
		DBusMessageIter st;
		const char *name;
		dbus_uint32_t u[3];

		dbus_message_iter_recurse(&arr, &st);
		dbus_message_iter_get_basic(&st, &name);
		for (int f = 0; f < 3; f++) {
			dbus_message_iter_next(&st);
			dbus_message_iter_get_basic(&st, &u[f]);
		}
		keys[i] = (struct cgm_key){.name = strdup(name), .uid = u[0], .gid = u[1], .mode = u[2]};
		if (!keys[i].name) {
			cgm_keys_free(keys, i);
			return oom(conn, reply);
		}
	}
	*ret_keys = keys;
	*ret_n = n;
	return done(reply, 0);
}

/* Calls a method whose reply is empty. */
#define CALL_VOID(conn, m, ...)                                                                                        \
	({                                                                                                             \
		DBusMessage *reply_;                                                                                   \
		int r_ = cgm__call(conn, m, &reply_, __VA_ARGS__, CGM_ARGS_END);                                       \
		done(reply_, r_);                                                                                      \
	})

/* Calls a method and hands its reply to a decoder: DECODE(conn, m, decoder(reply, ...), args...). */
#define CALL_DECODE(conn, m, decode, ...)                                                                              \
	({                                                                                                             \
		DBusMessage *reply;                                                                                    \
		int r_ = cgm__call(conn, m, &reply, __VA_ARGS__, CGM_ARGS_END);                                        \
		r_ < 0 ? r_ : (decode);                                                                                \
	})

/* --- org.linuxcontainers.cgmanager0_0 --- */

CGM_EXPORT int cgm_ping(struct cgm *conn)
{
	return CALL_VOID(conn, &m_ping, CGM_I(0));
}

CGM_EXPORT int cgm_get_pid_cgroup(struct cgm *conn, const char *c, pid_t pid, char **ret_cgroup)
{
	return CALL_DECODE(conn, &m_get_pid_cgroup, reply_string(conn, reply, ret_cgroup), CGM_S(c), CGM_I(pid));
}

CGM_EXPORT int cgm_get_pid_cgroup_abs(struct cgm *conn, const char *c, pid_t pid, char **ret_cgroup)
{
	return CALL_DECODE(conn, &m_get_pid_cgroup_abs, reply_string(conn, reply, ret_cgroup), CGM_S(c), CGM_I(pid));
}

/* The wire says 1 existed / -1 created, and 1 removed / -1 did not exist; the API says 1 / 0. */
static int wire_flag(dbus_int32_t v)
{
	return v == 1 ? 1 : 0;
}

CGM_EXPORT int cgm_create(struct cgm *conn, const char *c, const char *cg)
{
	dbus_int32_t existed;
	int r = CALL_DECODE(conn, &m_create, reply_int(reply, &existed), CGM_S(c), CGM_S(cg));

	return r < 0 ? r : wire_flag(existed);
}

CGM_EXPORT int cgm_remove(struct cgm *conn, const char *c, const char *cg, int recursive)
{
	dbus_int32_t removed;
	int r = CALL_DECODE(conn, &m_remove, reply_int(reply, &removed), CGM_S(c), CGM_S(cg), CGM_I(!!recursive));

	return r < 0 ? r : wire_flag(removed);
}

CGM_EXPORT int cgm_chown(struct cgm *conn, const char *c, const char *cg, uid_t uid, gid_t gid)
{
	return CALL_VOID(conn, &m_chown, CGM_S(c), CGM_S(cg), CGM_I(uid), CGM_I(gid));
}

CGM_EXPORT int cgm_chmod(struct cgm *conn, const char *c, const char *cg, const char *file, mode_t mode)
{
	return CALL_VOID(conn, &m_chmod, CGM_S(c), CGM_S(cg), CGM_S(file ? file : ""), CGM_I(mode));
}

CGM_EXPORT int cgm_move_pid(struct cgm *conn, const char *c, const char *cg, pid_t pid)
{
	return CALL_VOID(conn, &m_move_pid, CGM_S(c), CGM_S(cg), CGM_I(pid));
}

CGM_EXPORT int cgm_move_pid_abs(struct cgm *conn, const char *c, const char *cg, pid_t pid)
{
	return CALL_VOID(conn, &m_move_pid_abs, CGM_S(c), CGM_S(cg), CGM_I(pid));
}

CGM_EXPORT int cgm_get_value(struct cgm *conn, const char *c, const char *cg, const char *key, char **ret_value)
{
	return CALL_DECODE(conn, &m_get_value, reply_string(conn, reply, ret_value), CGM_S(c), CGM_S(cg), CGM_S(key));
}

CGM_EXPORT int cgm_set_value(struct cgm *conn, const char *c, const char *cg, const char *key, const char *value)
{
	return CALL_VOID(conn, &m_set_value, CGM_S(c), CGM_S(cg), CGM_S(key), CGM_S(value));
}

CGM_EXPORT int cgm_get_tasks(struct cgm *conn, const char *c, const char *cg, pid_t **ret_pids, size_t *ret_n)
{
	return CALL_DECODE(conn, &m_get_tasks, reply_pids(conn, reply, ret_pids, ret_n), CGM_S(c), CGM_S(cg));
}

CGM_EXPORT int cgm_get_tasks_recursive(struct cgm *conn, const char *c, const char *cg, pid_t **ret_pids, size_t *ret_n)
{
	return CALL_DECODE(conn, &m_get_tasks_recursive, reply_pids(conn, reply, ret_pids, ret_n), CGM_S(c), CGM_S(cg));
}

CGM_EXPORT int cgm_list_children(struct cgm *conn, const char *c, const char *cg, char ***ret_names)
{
	return CALL_DECODE(conn, &m_list_children, reply_strv(conn, reply, ret_names), CGM_S(c), CGM_S(cg));
}

CGM_EXPORT int cgm_list_controllers(struct cgm *conn, char ***ret_names)
{
	return CALL_DECODE(conn, &m_list_controllers, reply_strv(conn, reply, ret_names), CGM_ARGS_END);
}

CGM_EXPORT int cgm_remove_on_empty(struct cgm *conn, const char *c, const char *cg)
{
	return CALL_VOID(conn, &m_remove_on_empty, CGM_S(c), CGM_S(cg));
}

CGM_EXPORT int cgm_prune(struct cgm *conn, const char *c, const char *cg)
{
	return CALL_VOID(conn, &m_prune, CGM_S(c), CGM_S(cg));
}

CGM_EXPORT int cgm_list_keys(struct cgm *conn, const char *c, const char *cg, struct cgm_key **ret_keys, size_t *ret_n)
{
	return CALL_DECODE(conn, &m_list_keys, reply_keys(conn, reply, ret_keys, ret_n), CGM_S(c), CGM_S(cg));
}

/*
 * The property lives on the legacy interface, as in the original manager;
 * a daemon that only answers for its own interface is asked there next.
 */
CGM_EXPORT int cgm_api_version(struct cgm *conn, int *ret_version)
{
	static const char *const ifaces[] = {CGM_IFACE_LEGACY, CGM_IFACE_MANAGER};
	int r = CGM_EFAILED;

	for (size_t i = 0; i < sizeof(ifaces) / sizeof(ifaces[0]); i++) {
		DBusMessage *reply;
		DBusMessageIter it, v;
		dbus_int32_t version;

		r = cgm__call(conn, &m_get_property, &reply, CGM_S(ifaces[i]), CGM_S("api_version"), CGM_ARGS_END);
		if (r == CGM_ETIMEOUT || r == CGM_ECONNECT || r == CGM_ENOMEM || r == CGM_EINVAL)
			return r;
		if (r < 0)
			continue;
		dbus_message_iter_init(reply, &it);
		dbus_message_iter_recurse(&it, &v);
		if (dbus_message_iter_get_arg_type(&v) != DBUS_TYPE_INT32)
			return done(reply, cgm__fail(conn, CGM_EPROTOCOL, "api_version is not an int32"));
		dbus_message_iter_get_basic(&v, &version);
		*ret_version = version;
		return done(reply, 0);
	}
	return r;
}

CGM_EXPORT void cgm_keys_free(struct cgm_key *keys, size_t n)
{
	if (!keys)
		return;
	for (size_t i = 0; i < n; i++)
		free(keys[i].name);
	free(keys);
}

CGM_EXPORT void cgm_strv_free(char **strv)
{
	if (!strv)
		return;
	for (char **s = strv; *s; s++)
		free(*s);
	free(strv);
}

/* --- org.cgm.Manager1 --- */

CGM_EXPORT int cgm_open_session(struct cgm *conn, const char *c, const char *user_cg, uid_t uid, gid_t gid, int pidfd,
				char **ret_session_cg)
{
	/* This process itself: no descriptor to pass, so no round trip ahead of the call (cgm__call). */
	if (pidfd == CGM_SELF)
		return CALL_DECODE(conn, &m_open_own_session, reply_string(conn, reply, ret_session_cg), CGM_S(c),
				   CGM_S(user_cg), CGM_U(uid), CGM_U(gid));
	return CALL_DECODE(conn, &m_open_session, reply_string(conn, reply, ret_session_cg), CGM_S(c), CGM_S(user_cg),
			   CGM_U(uid), CGM_U(gid), CGM_FD(pidfd));
}

CGM_EXPORT int cgm_move_pidfd(struct cgm *conn, const char *c, const char *cg, int pidfd)
{
	return CALL_VOID(conn, &m_move_pidfd, CGM_S(c), CGM_S(cg), CGM_FD(pidfd));
}

CGM_EXPORT int cgm_get_pidfd_cgroup(struct cgm *conn, const char *c, int pidfd, char **ret_cgroup)
{
	return CALL_DECODE(conn, &m_get_pidfd_cgroup, reply_string(conn, reply, ret_cgroup), CGM_S(c), CGM_FD(pidfd));
}

CGM_EXPORT int cgm_kill(struct cgm *conn, const char *c, const char *cg, int signal)
{
	return CALL_VOID(conn, &m_kill, CGM_S(c), CGM_S(cg), CGM_I(signal));
}

CGM_EXPORT int cgm_freeze(struct cgm *conn, const char *c, const char *cg)
{
	return CALL_VOID(conn, &m_freeze, CGM_S(c), CGM_S(cg));
}

CGM_EXPORT int cgm_thaw(struct cgm *conn, const char *c, const char *cg)
{
	return CALL_VOID(conn, &m_thaw, CGM_S(c), CGM_S(cg));
}

CGM_EXPORT int cgm_apply_limits(struct cgm *conn, const char *c, const char *cg, uid_t uid)
{
	return CALL_VOID(conn, &m_apply_limits, CGM_S(c), CGM_S(cg), CGM_U(uid));
}
