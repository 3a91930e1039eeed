/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Writes the seed corpus of fuzz-dispatch: a byte choosing the caller
 * (0 host root, 1 user, 2 root in a user namespace) then a marshalled
 * method call, one of each shape the daemon takes plus hostile ones.  The
 * seeds are checked in; rerun this only to change them:
 *   cc $(pkg-config --cflags dbus-1) tests/fuzz/make-dispatch-seeds.c $(pkg-config --libs dbus-1) \
 *      -o /tmp/seeds && /tmp/seeds tests/fuzz/corpus/dispatch
 */
#include <dbus/dbus.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void write_seed(const char *dir, const char *name, unsigned char who, DBusMessage *m)
{
	char path[4096], *wire;
	int len;
	FILE *f;

	dbus_message_set_serial(m, 1);
	if (!dbus_message_marshal(m, &wire, &len))
		abort();
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(&who, 1, 1, f) != 1 || fwrite(wire, 1, (size_t)len, f) != (size_t)len || fclose(f) != 0)
		abort();
	dbus_free(wire);
	dbus_message_unref(m);
}

/* A method call on the daemon's object with string and int32 arguments as `sig` ("s", "i", "u") says. */
static DBusMessage *call(const char *iface, const char *member, const char *sig, const char **s, const int *i)
{
	DBusMessage *m = dbus_message_new_method_call(NULL, "/org/linuxcontainers/cgmanager", iface, member);
	DBusMessageIter it;

	dbus_message_iter_init_append(m, &it);
	for (; *sig; sig++)
		if (*sig == 's')
			dbus_message_iter_append_basic(&it, DBUS_TYPE_STRING, s++);
		else if (*sig == 'u')
			dbus_message_iter_append_basic(&it, DBUS_TYPE_UINT32, i++);
		else
			dbus_message_iter_append_basic(&it, DBUS_TYPE_INT32, i++);
	return m;
}

#define CG "org.linuxcontainers.cgmanager0_0"
#define M1 "org.cgm.Manager1"

int main(int argc, char **argv)
{
	const char *d = argc > 1 ? argv[1] : ".";
	char long_path[5000];

	memset(long_path, 'a', sizeof(long_path) - 1);
	long_path[sizeof(long_path) - 1] = '\0';
	write_seed(d, "ping", 1, call(CG, "Ping", "i", NULL, (int[]){0}));
	write_seed(d, "create-user", 1, call(CG, "Create", "ss", (const char *[]){"all", "a/b"}, NULL));
	write_seed(d, "create-dotdot", 1, call(CG, "Create", "ss", (const char *[]){"all", "../../etc"}, NULL));
	write_seed(d, "create-long", 0, call(CG, "Create", "ss", (const char *[]){"memory", long_path}, NULL));
	write_seed(d, "remove-recursive", 0, call(CG, "Remove", "ssi", (const char *[]){"all", "a"}, (int[]){1}));
	write_seed(d, "setvalue-release-agent", 2,
		   call(CG, "SetValue", "ssss", (const char *[]){"memory", "", "release_agent", "/bin/sh"}, NULL));
	write_seed(d, "setvalue-limit", 1,
		   call(CG, "SetValue", "ssss", (const char *[]){"all", "a", "memory.max", "max"}, NULL));
	write_seed(d, "getvalue-slash-key", 1,
		   call(CG, "GetValue", "sss", (const char *[]){"unified", "", "../cgroup.procs"}, NULL));
	write_seed(d, "chown-userns", 2, call(CG, "Chown", "ssii", (const char *[]){"all", "a"}, (int[]){0, 0}));
	write_seed(d, "chmod", 1, call(CG, "Chmod", "sssi", (const char *[]){"all", "a", "tasks"}, (int[]){0777}));
	write_seed(d, "movepid-abs-user", 1, call(CG, "MovePidAbs", "ssi", (const char *[]){"all", "/"}, (int[]){1}));
	write_seed(d, "movepid-init", 0, call(CG, "MovePid", "ssi", (const char *[]){"all", "a"}, (int[]){1}));
	write_seed(d, "getpidcgroup", 2, call(CG, "GetPidCgroup", "si", (const char *[]){"all"}, (int[]){1}));
	write_seed(d, "gettasks-recursive", 0, call(CG, "GetTasksRecursive", "ss", (const char *[]){"all", ""}, NULL));
	write_seed(d, "listkeys", 1, call(CG, "ListKeys", "ss", (const char *[]){"all,memory,bogus", "."}, NULL));
	write_seed(d, "listchildren", 0, call(CG, "ListChildren", "ss", (const char *[]){"all", "/"}, NULL));
	write_seed(d, "prune", 1, call(CG, "Prune", "ss", (const char *[]){"all", "a"}, NULL));
	write_seed(d, "kill", 1, call(M1, "Kill", "ssi", (const char *[]){"all", "a"}, (int[]){9}));
	write_seed(d, "openownsession", 0,
		   call(M1, "OpenOwnSession", "ssuu", (const char *[]){"all", "user/../x"}, (int[]){1000, 1000}));
	write_seed(d, "openownsession-user", 1,
		   call(M1, "OpenOwnSession", "ssuu", (const char *[]){"all", "/"}, (int[]){0, 0}));
	write_seed(d, "freeze", 1, call(M1, "Freeze", "ss", (const char *[]){"all", "a"}, NULL));
	write_seed(d, "properties-getall", 1,
		   call("org.freedesktop.DBus.Properties", "GetAll", "s", (const char *[]){""}, NULL));
	write_seed(d, "no-interface-listcontrollers", 1, call(NULL, "ListControllers", "", NULL, NULL));
	return 0;
}
