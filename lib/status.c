/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgm_status(): org.cgm.Manager1.Status's a{sv} turned into struct
 * cgm_status.  Keys the library does not know are skipped and keys the
 * daemon did not send stay 0 or "", so either side may add fields.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const struct cgm__method m_status = {CGM_IFACE_MANAGER, "Status", "a{sv}"};

/* What a field of struct cgm_status is, and so which D-Bus type its key must carry. */
enum kind {
	K_STRING, /* char *, "s" */
	K_STRV,	  /* char **, "as" */
	K_INT,	  /* int, "i" */
	K_PID,	  /* pid_t, "u" */
	K_ULONG,  /* unsigned long, "u" */
	K_ULLONG, /* unsigned long long, "t" */
};

struct field {
	const char *key;
	enum kind kind;
	size_t offset;
};

#define F(key, kind, member)                                                                                           \
	{                                                                                                              \
		key, kind, offsetof(struct cgm_status, member)                                                         \
	}

static const struct field fields[] = {
	F("version", K_STRING, version),
	F("api_version", K_INT, api_version),
	F("pid", K_PID, pid),
	F("uptime", K_ULLONG, uptime_s),
	F("hierarchies", K_STRV, hierarchies),
	F("roots", K_STRV, roots),
	F("clients", K_ULONG, clients),
	F("requests", K_ULLONG, requests),
	F("refused", K_ULLONG, refused),
	F("socket", K_STRING, socket),
	F("system_bus_name", K_STRING, system_bus_name),
	F("conf", K_STRING, conf),
	F("limit_rules", K_ULONG, limit_rules),
	F("conf_reloads", K_ULONG, conf_reloads),
};

static const int wire_type[] = {
	[K_STRING] = DBUS_TYPE_STRING, [K_STRV] = DBUS_TYPE_ARRAY,   [K_INT] = DBUS_TYPE_INT32,
	[K_PID] = DBUS_TYPE_UINT32,    [K_ULONG] = DBUS_TYPE_UINT32, [K_ULLONG] = DBUS_TYPE_UINT64,
};

#undef F

/* An "as" variant as a NULL-terminated vector; false when out of memory. */
static bool read_strv(DBusMessageIter *v, char ***ret)
{
	DBusMessageIter a;
	size_t n = 0;
	char **strv;

	dbus_message_iter_recurse(v, &a);
	strv = calloc((size_t)dbus_message_iter_get_element_count(v) + 1, sizeof(*strv));
	if (!strv)
		return false;
	for (; dbus_message_iter_get_arg_type(&a) == DBUS_TYPE_STRING; dbus_message_iter_next(&a)) {
		const char *s;

		dbus_message_iter_get_basic(&a, &s);
		if (!(strv[n++] = strdup(s))) {
			cgm_strv_free(strv);
			return false;
		}
	}
	cgm_strv_free(*ret);
	*ret = strv;
	return true;
}

/* Stores variant `v` in field `f` of *st; false when out of memory. */
static bool store(struct cgm_status *st, const struct field *f, DBusMessageIter *v)
{
	void *p = (char *)st + f->offset;
	DBusBasicValue val;

	/* A type this library does not expect leaves the field at its default. */
	if (dbus_message_iter_get_arg_type(v) != wire_type[f->kind])
		return true;
	if (f->kind == K_STRV) {
		if (dbus_message_iter_get_element_type(v) != DBUS_TYPE_STRING)
			return true;
		return read_strv(v, p);
	}
	dbus_message_iter_get_basic(v, &val);
	switch (f->kind) {
	case K_STRING: {
		char *copy = strdup(val.str);

		if (!copy)
			return false;
		free(*(char **)p);
		*(char **)p = copy;
		break;
	}
	case K_INT:
		*(int *)p = val.i32;
		break;
	case K_PID:
		*(pid_t *)p = (pid_t)val.u32;
		break;
	case K_ULONG:
		*(unsigned long *)p = val.u32;
		break;
	case K_ULLONG:
		*(unsigned long long *)p = val.u64;
		break;
	case K_STRV:
		break;
	}
	return true;
}

CGM_EXPORT void cgm_status_free(struct cgm_status *status)
{
	if (!status)
		return;
	free(status->version);
	cgm_strv_free(status->hierarchies);
	cgm_strv_free(status->roots);
	free(status->socket);
	free(status->system_bus_name);
	free(status->conf);
	free(status);
}

CGM_EXPORT int cgm_status(struct cgm *conn, struct cgm_status **ret_status)
{
	struct cgm_status *st;
	DBusMessage *reply;
	DBusMessageIter it, dict;
	int r;

	r = cgm__call(conn, &m_status, &reply, CGM_ARGS_END);
	if (r < 0)
		return r;
	st = calloc(1, sizeof(*st));
	if (!st || !(st->version = strdup("")) || !(st->socket = strdup("")) || !(st->system_bus_name = strdup("")) ||
	    !(st->conf = strdup("")) || !(st->hierarchies = calloc(1, sizeof(char *))) ||
	    !(st->roots = calloc(1, sizeof(char *))))
		goto oom;
	dbus_message_iter_init(reply, &it);
	for (dbus_message_iter_recurse(&it, &dict); dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY;
	     dbus_message_iter_next(&dict)) {
		DBusMessageIter e, v;
		const char *key;

		dbus_message_iter_recurse(&dict, &e);
		dbus_message_iter_get_basic(&e, &key);
		dbus_message_iter_next(&e);
		dbus_message_iter_recurse(&e, &v);
		for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
			if (strcmp(fields[i].key, key) == 0 && !store(st, &fields[i], &v))
				goto oom;
	}
	dbus_message_unref(reply);
	*ret_status = st;
	return 0;
oom:
	cgm_status_free(st);
	dbus_message_unref(reply);
	return cgm__fail(conn, CGM_ENOMEM, "out of memory");
}
