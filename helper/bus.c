/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The system bus connection and who its callers are (see bus.h). */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bus.h"
#include "log.h"
#include "process.h"

/* The bus daemon answers from memory; a bus that takes longer is not worth blocking every client for. */
#define BUS_CALL_TIMEOUT_MS 2000

int bus_connect(const char *name, DBusConnection **ret, struct failure *err)
{
	DBusConnection *bus;
	DBusError derr;
	int r;

	dbus_error_init(&derr);
	bus = dbus_bus_get_private(DBUS_BUS_SYSTEM, &derr);
	if (!bus) {
		failf(err, FAIL_FAILED, "cannot connect to the system bus: %s", derr.message);
		dbus_error_free(&derr);
		return -1;
	}
	dbus_connection_set_exit_on_disconnect(bus, FALSE);
	r = dbus_bus_request_name(bus, name, DBUS_NAME_FLAG_DO_NOT_QUEUE, &derr);
	if (r != DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER) {
		if (dbus_error_is_set(&derr))
			failf(err, FAIL_FAILED, "cannot own %s on the system bus: %s", name, derr.message);
		else
			failf(err, FAIL_BUSY, "%s is already owned on the system bus", name);
		dbus_error_free(&derr);
		dbus_connection_close(bus);
		dbus_connection_unref(bus);
		return -1;
	}
	*ret = bus;
	return 0;
}

/* What GetConnectionCredentials says about one sender. */
struct bus_creds {
	bool has_uid, has_pid;
	uint32_t uid, pid;
	gid_t *groups;
	size_t ngroups;
	int pidfd;
};

static int read_groups(DBusMessageIter *v, struct bus_creds *bc, struct failure *err)
{
	DBusMessageIter a;
	const dbus_uint32_t *ids;
	int n;

	if (dbus_message_iter_get_arg_type(v) != DBUS_TYPE_ARRAY ||
	    dbus_message_iter_get_element_type(v) != DBUS_TYPE_UINT32)
		return 0;
	dbus_message_iter_recurse(v, &a);
	dbus_message_iter_get_fixed_array(&a, &ids, &n);
	bc->groups = calloc((size_t)n + 1, sizeof(*bc->groups));
	if (!bc->groups)
		return failf(err, FAIL_FAILED, "out of memory");
	for (int i = 0; i < n; i++)
		bc->groups[i] = ids[i];
	bc->ngroups = (size_t)n;
	return 0;
}

/*
 * Trust boundary: the sender's unique name is stamped by the bus daemon,
 * not by the client, and the credentials are the bus daemon's record of
 * what the kernel told it when that connection was made.
 */
static int ask_credentials(DBusConnection *bus, const char *sender, struct bus_creds *bc, struct failure *err)
{
	DBusMessage *call, *reply;
	DBusMessageIter it, dict;
	DBusError derr;

	call = dbus_message_new_method_call(DBUS_SERVICE_DBUS, DBUS_PATH_DBUS, DBUS_INTERFACE_DBUS,
					    "GetConnectionCredentials");
	if (!call || !dbus_message_append_args(call, DBUS_TYPE_STRING, &sender, DBUS_TYPE_INVALID)) {
		if (call)
			dbus_message_unref(call);
		return failf(err, FAIL_FAILED, "out of memory");
	}
	dbus_error_init(&derr);
	reply = dbus_connection_send_with_reply_and_block(bus, call, BUS_CALL_TIMEOUT_MS, &derr);
	dbus_message_unref(call);
	if (!reply) {
		failf(err, FAIL_PERMISSION_DENIED, "the bus cannot say who %s is: %s", sender, derr.message);
		dbus_error_free(&derr);
		return -1;
	}
	if (!dbus_message_has_signature(reply, "a{sv}")) {
		dbus_message_unref(reply);
		return failf(err, FAIL_FAILED, "GetConnectionCredentials answered \"%s\"",
			     dbus_message_get_signature(reply));
	}
	dbus_message_iter_init(reply, &it);
	for (dbus_message_iter_recurse(&it, &dict); dbus_message_iter_get_arg_type(&dict) == DBUS_TYPE_DICT_ENTRY;
	     dbus_message_iter_next(&dict)) {
		DBusMessageIter e, v;
		const char *key;
		int type;

		dbus_message_iter_recurse(&dict, &e);
		dbus_message_iter_get_basic(&e, &key);
		dbus_message_iter_next(&e);
		dbus_message_iter_recurse(&e, &v);
		type = dbus_message_iter_get_arg_type(&v);
		if (strcmp(key, "UnixUserID") == 0 && type == DBUS_TYPE_UINT32) {
			dbus_message_iter_get_basic(&v, &bc->uid);
			bc->has_uid = true;
		} else if (strcmp(key, "ProcessID") == 0 && type == DBUS_TYPE_UINT32) {
			dbus_message_iter_get_basic(&v, &bc->pid);
			bc->has_pid = true;
		} else if (strcmp(key, "UnixGroupIDs") == 0 && !bc->groups) {
			if (read_groups(&v, bc, err) < 0) {
				dbus_message_unref(reply);
				return -1;
			}
		} else if (strcmp(key, "ProcessFD") == 0 && type == DBUS_TYPE_UNIX_FD && bc->pidfd < 0) {
			dbus_message_iter_get_basic(&v, &bc->pidfd); /* a descriptor of our own now */
		}
	}
	dbus_message_unref(reply);
	if (!bc->has_uid || !bc->has_pid)
		return failf(err, FAIL_PERMISSION_DENIED, "the bus does not say which uid and process %s is", sender);
	return 0;
}

static void creds_clear(struct bus_creds *bc)
{
	free(bc->groups);
	if (bc->pidfd >= 0)
		close(bc->pidfd);
	*bc = (struct bus_creds){.pidfd = -1};
}

int bus_caller(DBusConnection *bus, DBusMessage *msg, struct caller *ret, struct failure *err)
{
	const char *sender = dbus_message_get_sender(msg);
	struct bus_creds bc = {.pidfd = -1}, again = {.pidfd = -1};
	bool pinned_by_bus;
	pid_t pid;
	uid_t euid;
	gid_t egid;
	int pidfd;

	*ret = CALLER_EMPTY;
	if (!sender)
		return failf(err, FAIL_PERMISSION_DENIED, "a message without a sender");
	if (ask_credentials(bus, sender, &bc, err) < 0)
		goto fail;
	pid = (pid_t)bc.pid;
	pinned_by_bus = bc.pidfd >= 0;
	if (pinned_by_bus) {
		pid_t fd_pid;

		/* The bus's pidfd names the process; its pid must be the one the bus reported. */
		if (pidfd_read_pid(bc.pidfd, &fd_pid, err) < 0)
			goto fail;
		if (fd_pid != pid) {
			failf(err, FAIL_PERMISSION_DENIED, "the bus's pidfd for %s is of process %d, not %d", sender,
			      (int)fd_pid, (int)pid);
			goto fail;
		}
	}
	pidfd = bc.pidfd;
	bc.pidfd = -1; /* caller_from_creds owns it now, or opens its own */
	if (caller_from_creds(pid, bc.uid, (gid_t)-1, pidfd, ret, err) < 0)
		goto fail;
	if (!pinned_by_bus) {
		/*
		 * The pid is pinned now.  The sender still connected with the
		 * same pid afterwards means the process that connected is alive
		 * under it, so the pin is that process, not a recycled pid.  The
		 * one gap: a connection that outlives its process in a child that
		 * inherited the socket, while the pid is reused; the reuser must
		 * then still run as the uid the bus knows (checked below).
		 */
		if (ask_credentials(bus, sender, &again, err) < 0)
			goto fail;
		if (again.pid != bc.pid || again.uid != bc.uid) {
			failf(err, FAIL_PERMISSION_DENIED, "%s changed while it was identified (pid %d)", sender,
			      (int)pid);
			goto fail;
		}
	}
	/*
	 * The bus reports no primary gid: the process's effective ids stand
	 * in for SO_PEERCRED, and its uid must be the one the bus knows.
	 */
	if (process_effective_ids(pid, &euid, &egid, err) < 0)
		goto fail;
	if (euid != bc.uid) {
		failf(err, FAIL_PERMISSION_DENIED, "process %d of %s runs as uid %u, the bus knows it as uid %u",
		      (int)pid, sender, (unsigned)euid, (unsigned)bc.uid);
		goto fail;
	}
	ret->gid = egid;
	ret->groups = bc.groups;
	ret->ngroups = bc.ngroups;
	bc.groups = NULL;
	creds_clear(&bc);
	creds_clear(&again);
	return 0;
fail:
	creds_clear(&bc);
	creds_clear(&again);
	caller_clear(ret);
	return -1;
}
