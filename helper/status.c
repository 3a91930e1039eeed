/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Status reply (see status.h). */
#include "config.h"

#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "methods.h"
#include "status.h"

uint64_t daemon_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Appends one dict entry {name: variant of `type`} holding the basic value at `value`. */
static bool entry(DBusMessageIter *dict, const char *name, int type, const void *value)
{
	char sig[2] = {(char)type, '\0'};
	DBusMessageIter e, v;

	return dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &e) &&
	       dbus_message_iter_append_basic(&e, DBUS_TYPE_STRING, &name) &&
	       dbus_message_iter_open_container(&e, DBUS_TYPE_VARIANT, sig, &v) &&
	       dbus_message_iter_append_basic(&v, type, value) && dbus_message_iter_close_container(&e, &v) &&
	       dbus_message_iter_close_container(dict, &e);
}

/* {name: variant of as} with the hierarchies' names (`roots` false) or managed roots (true). */
static bool entry_strv(DBusMessageIter *dict, const char *name, const struct hierarchy_set *set, bool roots)
{
	DBusMessageIter e, v, a;

	if (!dbus_message_iter_open_container(dict, DBUS_TYPE_DICT_ENTRY, NULL, &e) ||
	    !dbus_message_iter_append_basic(&e, DBUS_TYPE_STRING, &name) ||
	    !dbus_message_iter_open_container(&e, DBUS_TYPE_VARIANT, "as", &v) ||
	    !dbus_message_iter_open_container(&v, DBUS_TYPE_ARRAY, "s", &a))
		return false;
	for (size_t i = 0; i < set->n; i++) {
		const char *s = roots ? hierarchy_root(&set->items[i]) : set->items[i].name;

		if (!dbus_message_iter_append_basic(&a, DBUS_TYPE_STRING, &s))
			return false;
	}
	return dbus_message_iter_close_container(&v, &a) && dbus_message_iter_close_container(&e, &v) &&
	       dbus_message_iter_close_container(dict, &e);
}

int status_append(DBusMessageIter *out, const struct daemon_state *d, struct failure *err)
{
	const char *version = PACKAGE_VERSION, *socket = d->socket_path ? d->socket_path : "",
		   *bus = d->bus_name ? d->bus_name : "", *conf = d->limits.path ? d->limits.path : "";
	int32_t api = CGM_API_VERSION;
	uint32_t pid = (uint32_t)getpid(), clients = (uint32_t)d->clients, rules = (uint32_t)d->limits.conf.n,
		 reloads = (uint32_t)d->limits.reloads;
	uint64_t uptime = (daemon_now_ms() - d->started_ms) / 1000, requests = d->requests, refused = d->refused;
	DBusMessageIter dict;

	if (!dbus_message_iter_open_container(out, DBUS_TYPE_ARRAY, "{sv}", &dict) ||
	    !entry(&dict, "version", DBUS_TYPE_STRING, &version) ||
	    !entry(&dict, "api_version", DBUS_TYPE_INT32, &api) || !entry(&dict, "pid", DBUS_TYPE_UINT32, &pid) ||
	    !entry(&dict, "uptime", DBUS_TYPE_UINT64, &uptime) || !entry_strv(&dict, "hierarchies", d->set, false) ||
	    !entry_strv(&dict, "roots", d->set, true) || !entry(&dict, "clients", DBUS_TYPE_UINT32, &clients) ||
	    !entry(&dict, "requests", DBUS_TYPE_UINT64, &requests) ||
	    !entry(&dict, "refused", DBUS_TYPE_UINT64, &refused) ||
	    !entry(&dict, "socket", DBUS_TYPE_STRING, &socket) ||
	    !entry(&dict, "system_bus_name", DBUS_TYPE_STRING, &bus) ||
	    !entry(&dict, "conf", DBUS_TYPE_STRING, &conf) || !entry(&dict, "limit_rules", DBUS_TYPE_UINT32, &rules) ||
	    !entry(&dict, "conf_reloads", DBUS_TYPE_UINT32, &reloads) || !dbus_message_iter_close_container(out, &dict))
		return failf(err, FAIL_FAILED, "out of memory");
	return 0;
}
