/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The …Scm methods without a socket: every one in the dispatch table
 * completes a plain method of the table whose arguments it carries in the
 * same order (the pid or ids travel as credentials instead), and the
 * answers are encoded as the original manager's clients read them —
 * replies of the plain method built in memory, datagrams checked byte by
 * byte; and the requestor the kernel names, made into a caller from /proc.
 * The exchange itself is tested on a real daemon (scm-methods.sh).
 */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "methods.h"
#include "scm.h"
#include "tap.h"

static const struct method *table_find(const char *name)
{
	for (size_t i = 0; i < methods_table_len; i++)
		if (strcmp(methods_table[i].iface, CGM_IFACE_CGMANAGER) == 0 &&
		    strcmp(methods_table[i].name, name) == 0)
			return &methods_table[i];
	return NULL;
}

static DBusMessage *plain_return(void)
{
	DBusMessage *call = dbus_message_new_method_call(NULL, CGM_OBJECT_PATH, CGM_IFACE_CGMANAGER, "X"), *r;

	dbus_message_set_serial(call, 1);
	r = dbus_message_new_method_return(call);
	dbus_message_unref(call);
	return r;
}

static DBusMessage *plain_error(void)
{
	DBusMessage *call = dbus_message_new_method_call(NULL, CGM_OBJECT_PATH, CGM_IFACE_CGMANAGER, "X"), *r;

	dbus_message_set_serial(call, 1);
	r = dbus_message_new_error(call, "org.cgm.Error.PermissionDenied", "no");
	dbus_message_unref(call);
	return r;
}

/* Encodes `reply` (consumed) for `name`; the datagrams stay in *d, *n. */
static void encode(const char *name, DBusMessage *reply, struct scm_dgram **d, size_t *n)
{
	ok(scm_encode_result(name, reply, d, n) == 0, "%s: encoded", name);
	if (reply)
		dbus_message_unref(reply);
}

static bool dgram_is(const struct scm_dgram *d, const void *bytes, size_t len)
{
	return d->len == len && memcmp(d->data, bytes, len) == 0 && d->cred_pid == 0;
}

static int32_t int32_of(const struct scm_dgram *d)
{
	int32_t v = 0;

	if (d->len == sizeof(v))
		memcpy(&v, d->data, sizeof(v));
	return v;
}

int main(void)
{
	struct scm_dgram *d;
	size_t n, nscm = 0;
	DBusMessage *r;
	DBusMessageIter it, a, e;
	const char *s;
	int32_t v;

	/* The table: each …Scm method ends in a plain one, with the same leading arguments. */
	for (size_t i = 0; i < methods_table_len; i++) {
		const struct method *m = &methods_table[i], *plain;
		char want[16];
		size_t len = strlen(m->name);

		if (len < 4 || strcmp(m->name + len - 3, "Scm") != 0)
			continue;
		nscm++;
		plain = scm_plain_method(m->name) ? table_find(scm_plain_method(m->name)) : NULL;
		ok(plain != NULL, "%s completes a method of the table (%s)", m->name, scm_plain_method(m->name));
		if (!plain)
			continue;
		/* The plain method's arguments without its trailing pid / uid,gid, then the socket. */
		snprintf(want, sizeof(want), "%s", plain->in_sig);
		if (strstr(m->name, "MovePid") || strstr(m->name, "GetPidCgroup"))
			want[strlen(want) - 1] = '\0';
		else if (strcmp(m->name, "ChownScm") == 0)
			want[strlen(want) - 2] = '\0';
		strcat(want, "h");
		is_str(m->in_sig, want, "%s takes %s's arguments and the socket", m->name, plain->name);
		is_str(m->out_sig, "", "%s answers over the socket, not in the reply", m->name);
		ok(m->flags & METHOD_CGROUPS, "%s reads the caller's cgroups (what the requestor must stay within)",
		   m->name);
	}
	is_int(nscm, 16, "16 …Scm methods, as the original manager had");
	ok(scm_plain_method("MovePid") == NULL, "a plain method is no Scm method");

	/* Status answers. */
	encode("MovePidScm", plain_return(), &d, &n);
	ok(n == 1 && dgram_is(&d[0], "1", 1), "MovePidScm done: '1'");
	scm_dgrams_free(d, n);
	encode("MovePidScm", plain_error(), &d, &n);
	ok(n == 1 && dgram_is(&d[0], "0", 1), "MovePidScm refused: '0'");
	scm_dgrams_free(d, n);
	encode("SetValueScm", NULL, &d, &n);
	ok(n == 1 && dgram_is(&d[0], "0", 1), "no reply at all (out of memory): '0'");
	scm_dgrams_free(d, n);

	/* Create and Remove say whether the cgroup existed. */
	for (int k = 0; k < 2; k++) {
		const char *name = k ? "RemoveScm" : "CreateScm";

		r = plain_return();
		v = 1;
		dbus_message_append_args(r, DBUS_TYPE_INT32, &v, DBUS_TYPE_INVALID);
		encode(name, r, &d, &n);
		ok(n == 1 && dgram_is(&d[0], "2", 1), "%s, existed 1: '2'", name);
		scm_dgrams_free(d, n);
		r = plain_return();
		v = -1;
		dbus_message_append_args(r, DBUS_TYPE_INT32, &v, DBUS_TYPE_INVALID);
		encode(name, r, &d, &n);
		ok(n == 1 && dgram_is(&d[0], "1", 1), "%s, existed -1: '1'", name);
		scm_dgrams_free(d, n);
	}

	/* Strings carry their NUL; a refusal is an empty datagram. */
	r = plain_return();
	s = "/cgmtest-a";
	dbus_message_append_args(r, DBUS_TYPE_STRING, &s, DBUS_TYPE_INVALID);
	encode("GetPidCgroupScm", r, &d, &n);
	ok(n == 1 && dgram_is(&d[0], "/cgmtest-a", 11), "GetPidCgroupScm: the path and its NUL");
	scm_dgrams_free(d, n);
	encode("GetValueScm", plain_error(), &d, &n);
	ok(n == 1 && d[0].len == 0, "GetValueScm refused: an empty datagram");
	scm_dgrams_free(d, n);
	encode("GetValueScm", plain_return(), &d, &n);
	ok(n == 1 && d[0].len == 0, "a reply without the value is a refusal too");
	scm_dgrams_free(d, n);

	/* Pids: the count, then one credential each. */
	r = plain_return();
	{
		const dbus_int32_t pids[] = {41, 42, 43};
		const dbus_int32_t *p = pids;

		dbus_message_append_args(r, DBUS_TYPE_ARRAY, DBUS_TYPE_INT32, &p, 3, DBUS_TYPE_INVALID);
	}
	encode("GetTasksScm", r, &d, &n);
	ok(n == 4 && int32_of(&d[0]) == 3, "GetTasksScm: the count first");
	ok(n == 4 && d[1].cred_pid == 41 && d[2].cred_pid == 42 && d[3].cred_pid == 43 && d[1].len == 1,
	   "then each pid as a credential on a one-byte datagram");
	scm_dgrams_free(d, n);
	encode("GetTasksRecursiveScm", plain_error(), &d, &n);
	ok(n == 1 && int32_of(&d[0]) == -1, "GetTasksRecursiveScm refused: count -1");
	scm_dgrams_free(d, n);

	/* Names: count, length, NUL-ended names; nothing after a count of 0. */
	r = plain_return();
	dbus_message_iter_init_append(r, &it);
	dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &a);
	s = "a";
	dbus_message_iter_append_basic(&a, DBUS_TYPE_STRING, &s);
	s = "bc";
	dbus_message_iter_append_basic(&a, DBUS_TYPE_STRING, &s);
	dbus_message_iter_close_container(&it, &a);
	encode("ListChildrenScm", r, &d, &n);
	ok(n == 3 && int32_of(&d[0]) == 2 && int32_of(&d[1]) == 5 && dgram_is(&d[2], "a\0bc\0", 5),
	   "ListChildrenScm: 2, 5, \"a\\0bc\\0\"");
	scm_dgrams_free(d, n);
	r = plain_return();
	dbus_message_iter_init_append(r, &it);
	dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "s", &a);
	dbus_message_iter_close_container(&it, &a);
	encode("ListChildrenScm", r, &d, &n);
	ok(n == 1 && int32_of(&d[0]) == 0, "no children: the count 0 alone");
	scm_dgrams_free(d, n);

	/* Keys: one "name\nuid\ngid\nmode\n" block each. */
	r = plain_return();
	dbus_message_iter_init_append(r, &it);
	dbus_message_iter_open_container(&it, DBUS_TYPE_ARRAY, "(suuu)", &a);
	dbus_message_iter_open_container(&a, DBUS_TYPE_STRUCT, NULL, &e);
	s = "cgroup.procs";
	dbus_message_iter_append_basic(&e, DBUS_TYPE_STRING, &s);
	for (uint32_t u = 1000, f = 0; f < 3; f++, u = f == 1 ? 1001 : 0644)
		dbus_message_iter_append_basic(&e, DBUS_TYPE_UINT32, &u);
	dbus_message_iter_close_container(&a, &e);
	dbus_message_iter_close_container(&it, &a);
	encode("ListKeysScm", r, &d, &n);
	s = "cgroup.procs\n1000\n1001\n420\n";
	ok(n == 3 && int32_of(&d[0]) == 1 && int32_of(&d[1]) == (int32_t)strlen(s) && dgram_is(&d[2], s, strlen(s)),
	   "ListKeysScm: 1, the length, \"cgroup.procs\\n1000\\n1001\\n420\\n\"");
	scm_dgrams_free(d, n);

	ok(scm_encode_result("MovePid", NULL, &d, &n) < 0, "no encoding for a method that is not …Scm");

	/* The requestor: a caller made from the credentials alone. */
	{
		struct caller c;
		struct failure err = {0};
		struct stat ns;
		pid_t child;

		ok(caller_from_creds(getpid(), getuid(), getgid(), -1, &c, &err) == 0, "this process as a requestor");
		ok(c.pid == getpid() && c.uid == getuid() && c.gid == getgid(), "... with the ids of the credentials");
		ok(c.pidfd == -1 && c.cgroup_fd >= 0 && caller_still_alive(&c, &err) == 0,
		   "... pinned by its /proc/<pid>/cgroup, opened while a pidfd of its own held it");
		ok(c.ngroups == 0, "... and no supplementary groups (credentials carry none)");
		ok(c.init_userns && c.init_pidns, "... in the daemon's namespaces (the test's own)");
		ok(stat("/proc/self/ns/user", &ns) == 0 && c.userns_dev == ns.st_dev && c.userns_ino == ns.st_ino,
		   "... its user namespace recorded, to compare with the caller's");
		caller_clear(&c);
		child = fork();
		if (child == 0)
			_exit(0);
		waitpid(child, NULL, 0);
		ok(caller_from_creds(child, getuid(), getgid(), -1, &c, &err) < 0 && err.kind == FAIL_NOT_FOUND,
		   "a requestor that is gone: NotFound");
		ok(c.pidfd == -1 && c.cgroup_fd == -1, "... and nothing is left open");
		ok(caller_from_creds(0, 0, 0, -1, &c, &err) < 0 && err.kind == FAIL_PERMISSION_DENIED,
		   "pid 0 (a process the daemon cannot see): PermissionDenied");
	}
	return tap_done();
}
