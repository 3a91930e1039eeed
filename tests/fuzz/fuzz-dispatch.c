/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the request decoder: the first byte picks a kind of
 * caller (host root, an ordinary user, root in a user namespace), the rest
 * is taken as a D-Bus message off the wire (dbus_message_demarshal) and,
 * when libdbus accepts it as a method call, handed to methods_handle as
 * server.c would.  Every reply must be a method return or a named error
 * whose message libdbus accepts.
 *
 * Why a plain directory stands in for cgroupfs: this runs as root in CI,
 * and stopping the dispatch after validation would need a hook inside
 * methods.c and would leave the handlers unfuzzed.  Instead the hierarchy
 * set is the host's real one (real names, kernel ids, backends and
 * reserved prefixes, from hierarchies_discover, which reads /proc and
 * mounts nothing), but every root_fd is a directory under a fresh mkdtemp
 * holding only a copy of this process's cgroup paths.  The cgroup layer
 * resolves everything beneath root_fd with openat2 RESOLVE_BENEATH|NO_XDEV,
 * so a Create makes plain directories in /tmp; and as the daemon never
 * creates files (no O_CREAT anywhere in helper/cgroup*.c) and names like
 * "cgroup.procs" are refused by path validation, no "cgroup.procs",
 * "tasks" or "cgroup.kill" can appear there: every move, kill, freeze or
 * SetValue fails with NotFound instead of touching a real process or
 * cgroup.  Signals are sent only to pids read from such files.  The
 * caller's pid is our own, pinned by a pidfd, so the handlers get past
 * the liveness check and /proc/<pid>/cgroup.
 */
#include "config.h"

#include <dbus/dbus.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <unistd.h>

#include "hierarchy.h"
#include "log.h"
#include "methods.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

static struct hierarchy_set set;
static struct caller callers[3];
static struct idmap_range userns_map = {.inside = 0, .outside = 100000, .count = 65536};
static char scratch[4096];

/* mkdir -p of `path` (relative to `dirfd`), each level owned by uid/gid. */
static void mkdirs_at(int dirfd, const char *path, uid_t uid, gid_t gid)
{
	char *copy = strdup(path);

	if (!copy)
		abort();
	for (char *p = copy; *p; p++) {
		if (*p != '/' || p == copy)
			continue;
		*p = '\0';
		mkdirat(dirfd, copy, 0755);
		*p = '/';
	}
	if (*copy && mkdirat(dirfd, copy, 0755) < 0 && errno != EEXIST)
		abort();
	if (*copy && fchownat(dirfd, copy, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		abort();
	free(copy);
}

/* Removes the scratch tree at exit: `rm -rf` is fine on a directory only we made. */
static void remove_scratch(void)
{
	char cmd[sizeof(scratch) + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	if (system(cmd) != 0)
		fprintf(stderr, "fuzz-dispatch: could not remove %s\n", scratch);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct failure err = {0};
	char **paths;
	int pidfd, top;

	log_open(true, LOG_ERR); /* every refusal is a notice: keep the fuzzer's output readable */
	/* In $TMPDIR when set: run-fuzzers.sh removes it even when a crash skips our atexit. */
	snprintf(scratch, sizeof(scratch), "%s/cgm-fuzz-dispatch.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (hierarchies_discover(&set, NULL, NULL, &err) < 0 || !mkdtemp(scratch)) {
		fprintf(stderr, "fuzz-dispatch: no hierarchies or no scratch directory: %s\n", err.message);
		exit(1);
	}
	atexit(remove_scratch);
	top = open(scratch, O_PATH | O_DIRECTORY | O_CLOEXEC);
	paths = hierarchies_pid_cgroups(&set, getpid(), &err);
	if (top < 0 || !paths) {
		fprintf(stderr, "fuzz-dispatch: %s\n", err.message);
		exit(1);
	}
	for (size_t i = 0; i < set.n; i++) {
		char dir[32];
		uid_t owner = strcmp(paths[i], "/") == 0 ? 1000 : 0;

		snprintf(dir, sizeof(dir), "%zu", i);
		/* The ordinary user owns its base (the hierarchy root or its own cgroup): its Creates reach cgroup.c.
		 */
		mkdirs_at(top, dir, owner, owner);
		set.items[i].root_fd = openat(top, dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (set.items[i].root_fd < 0)
			abort();
		if (strcmp(paths[i], "/") != 0)
			mkdirs_at(set.items[i].root_fd, paths[i] + 1, 1000, 1000);
	}
	free(paths);
	close(top);

	pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
	callers[0] = (struct caller){.pid = getpid(),
				     .init_userns = true,
				     .init_pidns = true,
				     .pidfd = pidfd,
				     .cgroup_fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC)};
	callers[1] = callers[0];
	callers[1].uid = callers[1].gid = 1000;
	callers[1].ns_uid = 1000;
	callers[2] = callers[0];
	callers[2].uid = callers[2].gid = 100000;
	callers[2].init_userns = false;
	callers[2].uid_map = callers[2].gid_map = (struct idmap){.ranges = &userns_map, .n = 1};
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct method_context ctx = {.set = &set, .conn_serial = 1};
	DBusMessage *call, *reply;
	DBusError error;

	if (size < 1)
		return 0;
	ctx.caller = &callers[data[0] % 3];
	dbus_error_init(&error);
	call = dbus_message_demarshal((const char *)data + 1, (int)(size - 1), &error);
	if (!call) {
		dbus_error_free(&error);
		return 0;
	}
	/* server.c answers method calls only; anything else is dropped before dispatch. */
	if (dbus_message_get_type(call) == DBUS_MESSAGE_TYPE_METHOD_CALL) {
		reply = methods_handle(&ctx, call);
		if (!reply)
			abort(); /* NULL means out of memory, which the fuzzer never runs into */
		if (dbus_message_get_type(reply) != DBUS_MESSAGE_TYPE_METHOD_RETURN &&
		    dbus_message_get_type(reply) != DBUS_MESSAGE_TYPE_ERROR)
			abort();
		/* The reply must go back on the wire as it is: marshalling it checks it again. */
		char *wire;
		int len;

		if (!dbus_message_marshal(reply, &wire, &len))
			abort();
		dbus_free(wire);
		dbus_message_unref(reply);
	}
	dbus_message_unref(call);
	return 0;
}
