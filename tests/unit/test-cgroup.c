/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup layer against the real kernel, nothing mocked: discovers and
 * mounts this machine's hierarchies in a private mount namespace, then works
 * only inside a sandbox cgroup cgmtest-cgroup-<pid> made below the test's own
 * cgroup in every hierarchy, checking each effect through the host's own
 * cgroupfs mounts (an independent view).  The test never moves itself; it
 * moves only children it forked, and only into the sandbox.  Everything is
 * removed at exit, even after a failure.  Root only.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "cgroup-backend.h" /* strv_* */
#include "cgroup.h"
#include "hierarchy.h"
#include "tap.h"

#define MAX_H 32

static struct hierarchy_set set;
static char tag[64];
static char tmpdir[64] = "";
static char *host_sandbox[MAX_H]; /* the sandbox as the host sees it */
static int sandbox_fd[MAX_H] = {[0 ... MAX_H - 1] = -1};
static char **own_cgroup; /* hierarchies_pid_cgroups of this process */
static pid_t children[256];
static size_t nchildren;

/* --- the host's view ---------------------------------------------------------- */

/* The host mount point of hierarchy h, from /proc/self/mountinfo read independently of hierarchy.c. */
static char *host_mount_of(const struct hierarchy *h)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL, *found = NULL;
	size_t cap = 0;

	while (f && !found && getline(&line, &cap, f) > 0) {
		char mnt[512], fstype[64], opts[1024];
		char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1 ||
		    sscanf(sep + 3, "%63s %*s %1023s", fstype, opts) != 2)
			continue;
		if (h->unified) {
			if (strcmp(fstype, "cgroup2") == 0)
				found = strdup(mnt);
			continue;
		}
		if (strcmp(fstype, "cgroup") == 0) {
			char *name = strdup(h->name), *save = NULL;
			int all = 1;

			for (char *w = strtok_r(name, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
				char pat[128];

				snprintf(pat, sizeof(pat), ",%s,", w);
				char o[1100];
				snprintf(o, sizeof(o), ",%s,", opts);
				all &= strstr(o, pat) != NULL;
			}
			free(name);
			if (all)
				found = strdup(mnt);
		}
	}
	free(line);
	if (f)
		fclose(f);
	return found;
}

static char *hostf(size_t i, const char *rel)
{
	static char buf[8][4096];
	static int k;
	char *b = buf[k++ % 8];

	snprintf(b, sizeof(buf[0]), "%s%s%s", host_sandbox[i], *rel ? "/" : "", rel);
	return b;
}

static int host_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* How many hierarchies' `rel` carry the remove-on-empty mark kept for a restarted daemon. */
static size_t marked_on_disk(const char *rel)
{
	size_t n = 0;

	for (size_t i = 0; i < set.n; i++)
		n += getxattr(hostf(i, rel), "trusted.cgm.remove-on-empty", NULL, 0) >= 0;
	return n;
}

static char *host_read(const char *path)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return buf;
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

static int host_write(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return -1;
	r = write(fd, value, strlen(value)) == (ssize_t)strlen(value) ? 0 : -1;
	close(fd);
	return r;
}

static uid_t host_owner(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_uid : (uid_t)-1;
}

static int pid_listed(const char *procs, pid_t pid)
{
	char want[32];
	const char *p = procs;

	snprintf(want, sizeof(want), "%d\n", (int)pid);
	for (; (p = strstr(p, want)); p++)
		if (p == procs || p[-1] == '\n')
			return 1;
	return 0;
}

/* Bottom-up removal through the host view: thaw, kill what is inside (only our children can be), rmdir. */
static void host_remove_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char sub[4096];

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_type == DT_DIR && e->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			host_remove_tree(sub);
		}
	closedir(d);
	snprintf(sub, sizeof(sub), "%s/freezer.state", path);
	host_write(sub, "THAWED");
	snprintf(sub, sizeof(sub), "%s/cgroup.freeze", path);
	host_write(sub, "0");
	snprintf(sub, sizeof(sub), "%s/cgroup.procs", path);
	for (char *p = host_read(sub); *p;) {
		pid_t pid = (pid_t)strtol(p, &p, 10);

		for (size_t i = 0; i < nchildren; i++)
			if (children[i] == pid)
				kill(pid, SIGKILL);
		while (*p == '\n')
			p++;
	}
	for (int i = 0; i < 50 && rmdir(path) < 0 && errno == EBUSY; i++)
		usleep(20000);
}

static void cleanup(void)
{
	for (size_t i = 0; i < nchildren; i++)
		if (children[i] > 0)
			kill(children[i], SIGKILL);
	for (size_t i = 0; i < set.n && i < MAX_H; i++)
		if (host_sandbox[i])
			host_remove_tree(host_sandbox[i]);
	for (size_t i = 0; i < nchildren; i++)
		if (children[i] > 0)
			waitpid(children[i], NULL, 0);
	if (tmpdir[0]) {
		char p[256];

		for (size_t i = 0; i < set.n; i++) {
			if (!set.items[i].mount_path)
				continue;
			umount2(set.items[i].mount_path, MNT_DETACH);
			rmdir(set.items[i].mount_path);
		}
		/* What setup_escapes made, children first. */
		static const char *const made[] = {"res/mnt", "res/real/sub", "res/real", "res/link",
						   "res/abs", "res",	      "mnt"};

		for (size_t i = 0; i < sizeof(made) / sizeof(made[0]); i++) {
			snprintf(p, sizeof(p), "%s/%s", tmpdir, made[i]);
			/* NOFOLLOW: res/abs points to "/", which must stay mounted. */
			umount2(p, MNT_DETACH | UMOUNT_NOFOLLOW);
			if (rmdir(p) < 0)
				unlink(p);
		}
		rmdir(tmpdir);
	}
	for (size_t i = 0; i < set.n && i < MAX_H; i++)
		free(host_sandbox[i]);
	free(own_cgroup);
	hierarchies_free(&set);
}

/* --- children ------------------------------------------------------------------ */

/* Two answers of hierarchies_cgroups_at and the like, both there and the same. */
static bool same_cgroups(char *const *a, char *const *b)
{
	for (size_t i = 0; a && b && i < set.n; i++)
		if (!a[i] || !b[i] || strcmp(a[i], b[i]) != 0)
			return false;
	return a && b;
}

static pid_t sleeper(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		for (;;)
			pause();
	}
	if (pid > 0 && nchildren < sizeof(children) / sizeof(children[0]))
		children[nchildren++] = pid;
	return pid;
}

/* Reaps pid; returns the signal that ended it, or -1. */
static int reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		return -1;
	for (size_t i = 0; i < nchildren; i++)
		if (children[i] == pid)
			children[i] = -1;
	return WIFSIGNALED(status) ? WTERMSIG(status) : -1;
}

/* Waits up to `ms` for pid to end by itself (without reaping it when it does not). */
static int reap_within(pid_t pid, int ms)
{
	for (int t = 0; t < ms; t += 10) {
		int status;

		if (waitpid(pid, &status, WNOHANG) == pid) {
			for (size_t i = 0; i < nchildren; i++)
				if (children[i] == pid)
					children[i] = -1;
			return WIFSIGNALED(status) ? WTERMSIG(status) : -1;
		}
		usleep(10000);
	}
	return -1;
}

/* --- the tests --------------------------------------------------------------------- */

static struct failure err;

static int fresh(void)
{
	memset(&err, 0, sizeof(err));
	return 0;
}

/* ok() with the condition evaluated first, so the message may show what it left in err. */
#define check(cond, ...)                                                                                               \
	do {                                                                                                           \
		int pass_;                                                                                             \
		fresh();                                                                                               \
		pass_ = !!(cond);                                                                                      \
		ok(pass_, __VA_ARGS__);                                                                                \
	} while (0)

static void test_discovery(void)
{
	size_t idx[MAX_H], n = 0;
	struct hierarchy_set sub = {0};
	char *self, *save = NULL;
	size_t v1_lines = 0, v1_found = 0;

	/* Every v1 hierarchy of /proc/self/cgroup is found under its kernel name. */
	self = strdup(host_read("/proc/self/cgroup"));
	for (char *line = strtok_r(self, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;

		if (!c2 || atoi(line) == 0)
			continue;
		*c2 = '\0';
		v1_lines++;
		for (size_t i = 0; i < set.n; i++)
			if (strcmp(set.items[i].name, c1 + 1) == 0 && set.items[i].kernel_id == atoi(line) &&
			    !set.items[i].unified)
				v1_found++;
	}
	free(self);
	is_int(v1_found, v1_lines, "discovery: each of the %zu v1 hierarchies is named as the kernel shows it",
	       v1_lines);
	{
		int unified = 0;
		char *mi = strdup(host_read("/proc/self/mountinfo"));

		for (size_t i = 0; i < set.n; i++)
			unified += set.items[i].unified && strcmp(set.items[i].name, "unified") == 0;
		is_int(unified, strstr(mi, " - cgroup2 ") ? 1 : 0, "discovery: the v2 hierarchy is \"unified\"");
		free(mi);
	}
	check(strv_contains(set.reserved_prefixes, "cgroup") && strv_contains(set.reserved_prefixes, "memory") &&
		      strv_contains(set.reserved_prefixes, "net_cls"),
	      "discovery: reserved prefixes hold cgroup and every controller of /proc/cgroups");
	{
		char *want = strdup(host_read("/sys/kernel/cgroup/delegate"));
		size_t nwant = 0, nsame = 0, ngot = 0;

		save = NULL;
		for (char *w = strtok_r(want, "\n", &save); w; w = strtok_r(NULL, "\n", &save)) {
			nwant++;
			nsame += strv_contains(set.delegate_files, w);
		}
		while (set.delegate_files[ngot])
			ngot++;
		check(nwant > 0 && nsame == nwant && ngot == nwant,
		      "discovery: delegate files are /sys/kernel/cgroup/delegate (%zu)", nwant);
		free(want);
	}

	check(fresh() == 0 && hierarchies_select(&set, "all", idx, &n, &err) == 0 && n == set.n, "select: all");
	check(fresh() == 0 && hierarchies_select(&set, "memory,memory", idx, &n, &err) == 0 && n == 1 &&
		      strcmp(set.items[idx[0]].name, "memory") == 0,
	      "select: duplicates fold");
	check(fresh() == 0 && hierarchies_select(&set, "unified,name=systemd", idx, &n, &err) == 0 && n == 2 &&
		      set.items[idx[0]].unified && strcmp(set.items[idx[1]].name, "name=systemd") == 0,
	      "select: a list keeps its order");
	check(fresh() == 0 && hierarchies_select(&set, "cpuacct", idx, &n, &err) == 0 && n == 1 &&
		      strv_contains(set.items[idx[0]].controllers, "cpuacct"),
	      "select: a bare controller selects its v1 hierarchy");
	check(fresh() == 0 && hierarchies_select(&set, "memory,bogus", idx, &n, &err) < 0 &&
		      err.kind == FAIL_UNKNOWN_HIERARCHY && strstr(err.message, "bogus"),
	      "select: an unknown name fails naming it (%s)", err.message);
	check(fresh() == 0 && hierarchies_select(&set, "", idx, &n, &err) < 0 && err.kind == FAIL_UNKNOWN_HIERARCHY,
	      "select: empty spec refused");
	check(fresh() == 0 && hierarchies_select(&set, ",memory,,memory,", idx, &n, &err) == 0 && n == 1 &&
		      strcmp(set.items[idx[0]].name, "memory") == 0,
	      "select: empty words are skipped (%s)", err.message);
	check(fresh() == 0 && hierarchies_select(&set, ",,", idx, &n, &err) < 0 && err.kind == FAIL_UNKNOWN_HIERARCHY &&
		      strstr(err.message, "no hierarchy named"),
	      "select: commas alone name nothing (%s)", err.message);
	{
		char long_word[600];

		memset(long_word, 'm', sizeof(long_word) - 1);
		long_word[sizeof(long_word) - 1] = '\0';
		check(fresh() == 0 && hierarchies_select(&set, long_word, idx, &n, &err) < 0 &&
			      err.kind == FAIL_UNKNOWN_HIERARCHY && strstr(err.message, "unknown cgroup hierarchy"),
		      "select: a 599-byte word is unknown");
	}

	check(fresh() == 0 && hierarchies_discover(&sub, "memory,unified", NULL, &err) == 0 && sub.n == 2,
	      "discover --controllers memory,unified keeps 2");
	hierarchies_free(&sub);
	check(fresh() == 0 && hierarchies_discover(&sub, NULL, "memory,name=systemd", &err) == 0 &&
		      sub.n == set.n - 2 && !strv_contains(NULL, "x"),
	      "discover --skip memory,name=systemd drops 2");
	hierarchies_free(&sub);
	{
		/* A controller only v2 has on this host (hugetlb on the test machine). */
		const char *v2only = NULL;
		char skip[128];
		size_t probe[MAX_H], np;

		for (size_t i = 0; i < set.n; i++)
			for (char **c = set.items[i].controllers; set.items[i].unified && c && *c && !v2only; c++)
				if (hierarchies_select(&set, *c, probe, &np, &err) == 0 && set.items[probe[0]].unified)
					v2only = *c;
		if (v2only) {
			snprintf(skip, sizeof(skip), "cpu,%s", v2only);
			check(hierarchies_discover(&sub, v2only, skip, &err) == 0 && sub.n == 1 && sub.items[0].unified,
			      "discover --controllers %s (v2 only) keeps unified; --skip %s does not drop it (%s)",
			      v2only, skip, err.message);
			hierarchies_free(&sub);
		} else {
			printf("ok %d # SKIP no controller only v2 has\n", ++tap_count);
		}
	}
	check(fresh() == 0 && hierarchies_discover(&sub, "nosuch", NULL, &err) < 0 &&
		      err.kind == FAIL_UNKNOWN_HIERARCHY,
	      "discover --controllers nosuch fails (%s)", err.message);
}

static void test_mounts(void)
{
	size_t good = 0;

	for (size_t i = 0; i < set.n; i++) {
		struct statfs sfs;

		if (set.items[i].root_fd >= 0 && fstatfs(set.items[i].root_fd, &sfs) == 0 &&
		    sfs.f_type == (set.items[i].unified ? 0x63677270 : 0x27e0eb) &&
		    strncmp(set.items[i].mount_path, tmpdir, strlen(tmpdir)) == 0)
			good++;
	}
	is_int(good, set.n, "mount: every hierarchy is mounted below the mount root with a root fd");
	/* Our mount shares the host's hierarchy: the host's own cgroup of ours is visible through it. */
	{
		size_t same = 0;

		for (size_t i = 0; i < set.n; i++) {
			struct stat a, b;
			char *host = host_mount_of(&set.items[i]);
			char p[4096];

			snprintf(p, sizeof(p), "%s%s", host ? host : "/nonexistent", own_cgroup[i]);
			if (stat(p, &a) == 0 &&
			    fstatat(set.items[i].root_fd, own_cgroup[i][1] ? own_cgroup[i] + 1 : ".", &b, 0) == 0 &&
			    a.st_ino == b.st_ino)
				same++;
			free(host);
		}
		is_int(same, set.n, "mount: each mount is the host's existing hierarchy (same inodes)");
	}
	if (set.n) {
		struct hierarchy *v2 = NULL;

		for (size_t i = 0; i < set.n; i++)
			if (set.items[i].unified)
				v2 = &set.items[i];
		if (v2)
			check(v2->controllers != NULL && strstr(host_read("/sys/fs/cgroup/unified/cgroup.controllers"),
								v2->controllers[0] ? v2->controllers[0] : ""),
			      "mount: unified controllers read from its root");
	}
}

static void test_sandbox_setup(void)
{
	size_t made = 0;

	for (size_t i = 0; i < set.n; i++) {
		const struct hierarchy *h = &set.items[i];
		char *host = host_mount_of(h);
		int parent;

		fresh();
		parent = cg_open(h, own_cgroup[i], "", &err);
		if (parent < 0 || !host) {
			printf("# %s: %s\n", h->name, err.message);
			free(host);
			continue;
		}
		if (asprintf(&host_sandbox[i], "%s%s/%s", host, strcmp(own_cgroup[i], "/") ? own_cgroup[i] : "", tag) <
		    0)
			host_sandbox[i] = NULL;
		free(host);
		if (cg_create_at(h, parent, tag, 0, 0, &sandbox_fd[i], &err) == 1)
			made++;
		else
			printf("# %s: %s\n", h->name, err.message);
		close(parent);
	}
	is_int(made, set.n, "sandbox %s created below our cgroup in every hierarchy", tag);
}

/*
 * hierarchies_cgroups_again: the same text gives the same answer without
 * parsing it again; a move changes the text, and the answer follows it.
 */
static void test_cgroups_again(void)
{
	struct cgroups_seen seen = {0};
	char *const *first, *const *second, *const *moved;
	char file[64], *want = NULL;
	pid_t p = sleeper();
	int fd;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)p);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	first = fresh() == 0 ? hierarchies_cgroups_again(&set, fd, p, &seen, &err) : NULL;
	check(same_cgroups(first, own_cgroup), "a child's cgroups, read through the cache, are ours (%s)",
	      err.message);
	second = fresh() == 0 ? hierarchies_cgroups_again(&set, fd, p, &seen, &err) : NULL;
	ok(second && second == first, "read again unchanged: the answer kept, not parsed anew");
	check(fresh() == 0 && cg_attach(&set.items[0], sandbox_fd[0], p, &err) == 0,
	      "the child moved to the sandbox in %s (%s)", set.items[0].name, err.message);
	if (asprintf(&want, "%s/%s", strcmp(own_cgroup[0], "/") ? own_cgroup[0] : "", tag) < 0)
		want = NULL;
	moved = fresh() == 0 ? hierarchies_cgroups_again(&set, fd, p, &seen, &err) : NULL;
	check(moved && want && strcmp(moved[0], want) == 0 && (set.n < 2 || strcmp(moved[1], own_cgroup[1]) == 0),
	      "read again after the move: %s is %s (%s)", set.items[0].name, moved && moved[0] ? moved[0] : "?",
	      err.message);
	free(want);
	kill(p, SIGKILL);
	reap(p);
	check(fresh() == 0 && !hierarchies_cgroups_again(&set, fd, p, &seen, &err) && err.kind == FAIL_NOT_FOUND,
	      "once the child is reaped the cache says it is gone (%s)", err.message);
	hierarchies_cgroups_forget(&seen);
	ok(!seen.paths && seen.len == 0, "forgotten");
	if (fd >= 0)
		close(fd);
}

static void test_resolution(size_t i, uid_t uid)
{
	const struct hierarchy *h = &set.items[i];
	char base[4096], *name = NULL;
	int fd;

	snprintf(base, sizeof(base), "%s/%s", own_cgroup[i], tag);
	fresh();
	fd = cg_create_at(h, sandbox_fd[i], "res", 0, 0, NULL, &err);
	fd = cg_open(h, base, "res", &err);
	check(fd >= 0, "%s: open res below the sandbox", h->name);
	if (fd >= 0)
		close(fd);
	fd = cg_open(h, base, "/res/", &err);
	check(fd >= 0, "%s: a leading / is the starting cgroup", h->name);
	if (fd >= 0)
		close(fd);
	check(fresh() == 0 && cg_open(h, base, "..", &err) < 0 && err.kind == FAIL_INVALID_PATH,
	      "%s: \"..\" refused (%s)", h->name, err.message);
	check(fresh() == 0 && cg_open(h, base, "res/../../x", &err) < 0 && err.kind == FAIL_INVALID_PATH,
	      "%s: \"res/../../x\" refused", h->name);
	check(fresh() == 0 && cg_open(h, base, "nosuch", &err) < 0 && err.kind == FAIL_NOT_FOUND &&
		      strstr(err.message, "nosuch"),
	      "%s: missing cgroup is NotFound naming it (%s)", h->name, err.message);
	check(fresh() == 0 && cg_open(h, base, "cgroup.procs", &err) < 0 && err.kind == FAIL_NOT_FOUND,
	      "%s: a file is not a cgroup", h->name);
	fd = cg_open_parent(h, base, "res/", &name, &err);
	check(fd >= 0 && name && strcmp(name, "res") == 0, "%s: open_parent splits res/", h->name);
	if (fd >= 0)
		close(fd);
	free(name);
	check(fresh() == 0 && cg_open_parent(h, base, "/", &name, &err) < 0 && err.kind == FAIL_INVALID_PATH,
	      "%s: the starting cgroup has no parent in view", h->name);
	(void)uid;
}

/* Symlinks, ".." and mount crossings, on a tmpfs we control (cgroupfs has no symlinks to test with). */
static void test_escapes(bool openat2)
{
	char p[256], q[256];
	int base, fd;
	const char *how = openat2 ? "openat2" : "fallback walk";

	cg_resolve_use_openat2(openat2);
	snprintf(p, sizeof(p), "%s/res", tmpdir);
	base = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
	fd = cg_open_beneath(base, "real/sub", &err);
	check(fd >= 0, "%s: real/sub resolves", how);
	if (fd >= 0)
		close(fd);
	fd = cg_open_beneath(base, "", &err);
	check(fd >= 0, "%s: \"\" is the base", how);
	if (fd >= 0)
		close(fd);
	check(fresh() == 0 && cg_open_beneath(base, "link/sub", &err) < 0 && err.kind == FAIL_INVALID_PATH,
	      "%s: a relative symlink is refused (%s)", how, err.message);
	check(fresh() == 0 && cg_open_beneath(base, "link", &err) < 0 && err.kind == FAIL_INVALID_PATH,
	      "%s: a final symlink is refused", how);
	check(fresh() == 0 && cg_open_beneath(base, "abs/tmp", &err) < 0 && err.kind == FAIL_INVALID_PATH,
	      "%s: an absolute symlink is refused", how);
	check(fresh() == 0 && cg_open_beneath(base, "real/../..", &err) < 0 && err.kind == FAIL_INVALID_PATH,
	      "%s: \"..\" is refused", how);
	check(fresh() == 0 && cg_open_beneath(base, "mnt", &err) < 0 && err.kind == FAIL_INVALID_PATH,
	      "%s: a mount crossing is refused (%s)", how, err.message);
	snprintf(q, sizeof(q), "%s/res/real/sub", tmpdir);
	(void)q;
	close(base);
	cg_resolve_use_openat2(true);
}

static void setup_escapes(void)
{
	char p[256];

	snprintf(p, sizeof(p), "%s/res", tmpdir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/res/real", tmpdir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/res/real/sub", tmpdir);
	mkdir(p, 0755);
	snprintf(p, sizeof(p), "%s/res/link", tmpdir);
	if (symlink("real", p) < 0)
		perror("symlink");
	snprintf(p, sizeof(p), "%s/res/abs", tmpdir);
	if (symlink("/", p) < 0)
		perror("symlink");
	snprintf(p, sizeof(p), "%s/res/mnt", tmpdir);
	mkdir(p, 0755);
	if (mount("tmpfs", p, "tmpfs", 0, "size=64k") < 0)
		perror("mount tmpfs");
}

/*
 * cg_create_each, as OpenSession makes a session: one name below the
 * sandbox of every hierarchy, as a user.  Then again where the middle
 * hierarchy already has it: it stops there, leaving the rest alone.
 */
static void test_create_each(uid_t uid, gid_t gid)
{
	struct cg_create_item items[MAX_H];
	size_t made = 0, owned = 0, mid = set.n / 2, untouched = 0;
	int tried;

	for (size_t i = 0; i < set.n; i++)
		items[i] = (struct cg_create_item){.h = &set.items[i], .parent_fd = sandbox_fd[i]};
	fresh();
	tried = cg_create_each(items, set.n, "each", uid, gid, &err);
	is_int(tried, (int)set.n, "create_each tries every hierarchy (%s)", err.message);
	for (size_t i = 0; i < set.n; i++) {
		made += items[i].made == 1 && items[i].fd >= 0;
		owned += host_owner(hostf(i, "each")) == uid;
		if (items[i].fd >= 0)
			close(items[i].fd);
		rmdir(hostf(i, "each"));
	}
	is_int(made, set.n, "... makes the cgroup in each, with an fd");
	is_int(owned, set.n, "... owned by the user, as made with its filesystem ids");
	mkdir(hostf(mid, "each"), 0755);
	for (size_t i = 0; i < set.n; i++)
		items[i] = (struct cg_create_item){.h = &set.items[i], .parent_fd = sandbox_fd[i]};
	tried = cg_create_each(items, set.n, "each", uid, gid, &err);
	is_int(tried, (int)mid + 1, "where one hierarchy has it already, it stops there");
	ok(items[mid].made == 0 && items[mid].fd >= 0, "... that one existed (made 0, opened)");
	for (size_t i = mid + 1; i < set.n; i++)
		untouched += !host_exists(hostf(i, "each"));
	is_int(untouched, set.n - mid - 1, "... and the hierarchies after it are left alone");
	for (size_t i = 0; i <= mid; i++) {
		if (items[i].fd >= 0)
			close(items[i].fd);
		rmdir(hostf(i, "each"));
	}
}

static void test_create_delegate(size_t i, uid_t uid1, gid_t gid1, uid_t uid2, gid_t gid2)
{
	const struct hierarchy *h = &set.items[i];
	int fd = -1, r;

	r = cg_create_at(h, sandbox_fd[i], "a", uid1, gid1, &fd, fresh() ? NULL : &err);
	is_int(r, 1, "%s: create a returns 1 (created)", h->name);
	check(host_owner(hostf(i, "a")) == uid1 && host_owner(hostf(i, "a/cgroup.procs")) == uid1,
	      "%s: a and its files belong to the creator", h->name);
	check(host_owner(hostf(i, h->unified ? "a/cgroup.max.depth" : "a/notify_on_release")) == uid1,
	      "%s: a's limit files too (the creator owns what it creates)", h->name);
	/* Below a cgroup the creator owns, the kernel itself hands out the new files (no chown each). */
	check(cg_create_at(h, fd, "u", uid1, gid1, NULL, &err) == 1 && host_owner(hostf(i, "a/u")) == uid1 &&
		      host_owner(hostf(i, "a/u/cgroup.procs")) == uid1 &&
		      host_owner(hostf(i, h->unified ? "a/u/cgroup.max.depth" : "a/u/notify_on_release")) == uid1,
	      "%s: create a/u as its owner: dir and files belong to the creator (%s)", h->name, err.message);
	check(rmdir(hostf(i, "a/u")) == 0, "%s: a/u removed", h->name);
	is_int(cg_create_at(h, sandbox_fd[i], "a", 0, 0, NULL, &err), 0, "%s: create again returns 0", h->name);
	check(host_owner(hostf(i, "a")) == uid1, "%s: creating again changes nothing", h->name);
	check(fresh() == 0 && cg_create_at(h, sandbox_fd[i], "x/y", 0, 0, NULL, &err) < 0 &&
		      err.kind == FAIL_INVALID_PATH,
	      "%s: create takes one name only", h->name);
	if (strv_contains(h->controllers, "cpuset")) {
		pid_t p = sleeper();

		char cpus[256], mems[256];

		/* host_read returns one static buffer: each value is copied before the next read. */
		snprintf(cpus, sizeof(cpus), "%s", host_read(hostf(i, "a/cpuset.cpus")));
		snprintf(mems, sizeof(mems), "%s", host_read(hostf(i, "a/cpuset.mems")));
		check(strcmp(cpus, "\n") != 0 && strcmp(cpus, host_read(hostf(i, "cpuset.cpus"))) == 0 &&
			      strcmp(mems, "\n") != 0 && strcmp(mems, host_read(hostf(i, "cpuset.mems"))) == 0,
		      "%s: new cpuset cgroup got its parent's cpus and mems (cpus %.*s)", h->name,
		      (int)strcspn(cpus, "\n"), cpus);
		/*
		 * The sandbox, made like a, balances only if our own cgroup does not; a, then a/own, alternate.
		 * Below clone_children the kernel gives the CPUs at mkdir, and the default stays.
		 */
		check(fresh() == 0 && cg_create_at(h, fd, "own", 0, 0, NULL, &err) == 1, "%s: create a/own (%s)",
		      h->name, err.message);
		for (size_t k = 0; k < 2; k++) {
			static const char *const child_parent[][2] = {{"a/", ""}, {"a/own/", "a/"}};
			char file[64];
			bool parent_balances, cloning;

			snprintf(file, sizeof(file), "%scpuset.sched_load_balance", child_parent[k][1]);
			parent_balances = host_read(hostf(i, file))[0] == '1';
			snprintf(file, sizeof(file), "%scgroup.clone_children", child_parent[k][1]);
			cloning = host_read(hostf(i, file))[0] == '1';
			snprintf(file, sizeof(file), "%scpuset.sched_load_balance", child_parent[k][0]);
			is_int(host_read(hostf(i, file))[0], parent_balances && !cloning ? '0' : '1',
			       "%s: %s load-balances only below a cpuset that does not (no sched domain rebuilds)",
			       h->name, child_parent[k][0]);
		}
		rmdir(hostf(i, "a/own"));
		check(fresh() == 0 && cg_attach(h, fd, p, &err) == 0 &&
			      pid_listed(host_read(hostf(i, "a/cgroup.procs")), p),
		      "%s: a process can join the new cpuset cgroup (%s)", h->name, err.message);
		kill(p, SIGKILL);
		reap(p);
	}
	if (fd >= 0)
		close(fd);

	/* Delegation: the directory and the delegation files only. */
	fresh();
	cg_create_at(h, sandbox_fd[i], "d", 0, 0, &fd, &err);
	check(fd >= 0 && cg_delegate(&set, h, fd, uid2, gid2, &err) == 0, "%s: delegate d (%s)", h->name, err.message);
	if (h->unified) {
		size_t handed = 0, wanted = 0;

		for (char **f = set.delegate_files; *f; f++) {
			char rel[256];

			snprintf(rel, sizeof(rel), "d/%s", *f);
			if (!host_exists(hostf(i, rel)))
				continue;
			wanted++;
			handed += host_owner(hostf(i, rel)) == uid2;
		}
		check(host_owner(hostf(i, "d")) == uid2 && wanted >= 3 && handed == wanted,
		      "%s: dir and %zu/%zu delegate files handed over", h->name, handed, wanted);
		check(host_owner(hostf(i, "d/cgroup.max.depth")) == 0 && host_owner(hostf(i, "d/cgroup.type")) == 0 &&
			      host_owner(hostf(i, "d/cgroup.freeze")) == 0,
		      "%s: limit files stay root's", h->name);
	} else {
		check(host_owner(hostf(i, "d")) == uid2 && host_owner(hostf(i, "d/tasks")) == uid2 &&
			      host_owner(hostf(i, "d/cgroup.procs")) == uid2,
		      "%s: dir, tasks and cgroup.procs handed over", h->name);
		check(host_owner(hostf(i, "d/notify_on_release")) == 0 &&
			      host_owner(hostf(i, "d/cgroup.clone_children")) == 0,
		      "%s: other files stay root's", h->name);
	}
	check(fresh() == 0 && cg_chmod(fd, "cgroup.procs", 0664, &err) == 0 && cg_chmod(fd, NULL, 0775, &err) == 0,
	      "%s: chmod file and dir (%s)", h->name, err.message);
	{
		struct stat st;

		check(stat(hostf(i, "d/cgroup.procs"), &st) == 0 && (st.st_mode & 0777) == 0664 &&
			      stat(hostf(i, "d"), &st) == 0 && (st.st_mode & 0777) == 0775,
		      "%s: modes changed as asked", h->name);
		check(fresh() == 0 && cg_stat(fd, "cgroup.procs", &st, &err) == 0 && st.st_uid == uid2 &&
			      cg_stat(fd, "", &st, &err) == 0 && S_ISDIR(st.st_mode),
		      "%s: cg_stat of a file and of the dir", h->name);
	}
	check(fresh() == 0 && cg_chmod(fd, "cgroup.procs", 04755, &err) < 0 && err.kind == FAIL_INVALID_VALUE,
	      "%s: chmod refuses non-permission bits", h->name);
	if (fd >= 0)
		close(fd);
}

static void test_attach_values_lists(size_t i, uid_t uid1)
{
	const struct hierarchy *h = &set.items[i];
	const char *key = h->unified ? "cgroup.max.descendants" : "cgroup.clone_children";
	char *value = NULL, **names = NULL;
	pid_t *pids = NULL, p = sleeper();
	struct cg_key *keys = NULL;
	size_t n = 0;
	int a = cg_open_beneath(sandbox_fd[i], "a", fresh() ? NULL : &err);

	check(a >= 0 && cg_attach(h, a, p, &err) == 0 && pid_listed(host_read(hostf(i, "a/cgroup.procs")), p),
	      "%s: attach puts the pid in a/cgroup.procs (%s)", h->name, err.message);
	check(fresh() == 0 && cg_attach(h, a, 999999999, &err) < 0 && err.kind == FAIL_NOT_FOUND,
	      "%s: attaching a missing pid is NotFound (%s)", h->name, err.message);
	check(fresh() == 0 && cg_get_attribute(a, "cgroup.procs", &value, &err) == 0 && pid_listed(value, p),
	      "%s: get cgroup.procs", h->name);
	free(value);
	value = NULL;
	check(fresh() == 0 && cg_set_attribute(a, key, "1", &err) == 0 && cg_get_attribute(a, key, &value, &err) == 0 &&
		      strcmp(value, "1\n") == 0 &&
		      strcmp(host_read(hostf(i, h->unified ? "a/cgroup.max.descendants" : "a/cgroup.clone_children")),
			     "1\n") == 0,
	      "%s: set %s then read it back (%s)", h->name, key, err.message);
	free(value);
	value = NULL;
	check(fresh() == 0 && cg_get_attribute(a, "../cgroup.procs", &value, &err) < 0 && err.kind == FAIL_INVALID_KEY,
	      "%s: a key with / is InvalidKey", h->name);
	check(fresh() == 0 && cg_get_attribute(a, "nosuch.file", &value, &err) < 0 && err.kind == FAIL_NOT_FOUND &&
		      strstr(err.message, "nosuch.file") && strstr(err.message, h->name) == err.message + 12,
	      "%s: missing key NotFound naming it as <hierarchy>:/<path> (%s)", h->name, err.message);
	check(fresh() == 0 && cg_set_attribute(a, key, "bogus", &err) < 0 && err.kind == FAIL_INVALID_VALUE &&
		      strstr(err.message, key),
	      "%s: bad value InvalidValue naming the file (%s)", h->name, err.message);
	{
		char *big = malloc(CG_VALUE_MAX + 2);

		memset(big, '1', CG_VALUE_MAX + 1);
		big[CG_VALUE_MAX + 1] = '\0';
		check(fresh() == 0 && cg_set_attribute(a, key, big, &err) < 0 && err.kind == FAIL_INVALID_VALUE,
		      "%s: oversized value refused", h->name);
		free(big);
	}

	fresh();
	cg_create_at(h, sandbox_fd[i], "b", 0, 0, NULL, &err);
	check(cg_list_children(sandbox_fd[i], &names, &err) == 0 && names[0] && names[1] && names[2] && names[3] &&
		      !names[4] && strcmp(names[0], "a") == 0 && strcmp(names[1], "b") == 0 &&
		      strcmp(names[2], "d") == 0 && strcmp(names[3], "res") == 0,
	      "%s: children of the sandbox: a b d res, sorted", h->name);
	strv_free(names);
	check(fresh() == 0 && cg_list_children(a, &names, &err) == 0 && names && !names[0],
	      "%s: a leaf lists no children (%s)", h->name, err.message);
	strv_free(names);
	check(fresh() == 0 && cg_list_pids(h, a, false, &pids, &n, &err) == 0 && n == 1 && pids[0] == p,
	      "%s: pids of a", h->name);
	free(pids);
	pids = NULL;
	check(fresh() == 0 && cg_list_pids(h, sandbox_fd[i], false, &pids, &n, &err) == 0 && n == 0,
	      "%s: the sandbox itself holds no pid", h->name);
	free(pids);
	pids = NULL;
	check(fresh() == 0 && cg_list_pids(h, sandbox_fd[i], true, &pids, &n, &err) == 0 && n == 1 && pids[0] == p,
	      "%s: recursive pids of the sandbox find it", h->name);
	free(pids);
	fresh();
	check(cg_list_keys(a, &keys, &n, &err) == 0, "%s: list keys of a (%s)", h->name, err.message);
	check(n > 3, "%s: a has %zu keys", h->name, n);
	{
		bool sorted = true, procs = false;

		for (size_t k = 0; k < n; k++) {
			if (k && strcmp(keys[k - 1].name, keys[k].name) >= 0)
				sorted = false;
			if (strcmp(keys[k].name, "cgroup.procs") == 0)
				procs = keys[k].uid == uid1 && keys[k].mode == 0644;
		}
		check(sorted && procs, "%s: keys sorted, cgroup.procs owned by the creator, mode 0644", h->name);
	}
	cg_keys_free(keys, n);
	check(fresh() == 0 && cg_is_populated(h, sandbox_fd[i], &err) == 1, "%s: the sandbox is populated", h->name);
	{
		int b = cg_open_beneath(sandbox_fd[i], "b", &err);

		check(b >= 0 && cg_is_populated(h, b, &err) == 0, "%s: b is not", h->name);
		if (b >= 0)
			close(b);
	}

	/* Remove: busy with a process inside, and nothing removed. */
	fresh();
	cg_create_at(h, a, "x", 0, 0, NULL, &err);
	check(fresh() == 0 && cg_remove_at(h, sandbox_fd[i], "a", true, &err) < 0 && err.kind == FAIL_BUSY &&
		      host_exists(hostf(i, "a/x")),
	      "%s: removing a (process inside) is Busy and removes nothing (%s)", h->name, err.message);
	kill(p, SIGKILL);
	reap(p);
	fresh();
	cg_create_at(h, sandbox_fd[i], "e", 0, 0, NULL, &err);
	{
		int e = cg_open_beneath(sandbox_fd[i], "e", &err), f = -1;

		cg_create_at(h, e, "f", 0, 0, &f, &err);
		cg_create_at(h, f, "g", 0, 0, NULL, &err);
		cg_create_at(h, e, "h", 0, 0, NULL, &err);
		check(fresh() == 0 && cg_remove_at(h, sandbox_fd[i], "e", false, &err) < 0 && err.kind == FAIL_BUSY &&
			      host_exists(hostf(i, "e/f/g")),
		      "%s: non-recursive remove of e with children is Busy (%s)", h->name, err.message);
		check(fresh() == 0 && cg_remove_at(h, sandbox_fd[i], "e", true, &err) == 1 &&
			      !host_exists(hostf(i, "e")),
		      "%s: recursive remove of e removes e/f/g, e/h and e (%s)", h->name, err.message);
		close(e);
		close(f);
	}
	check(fresh() == 0 && cg_remove_at(h, sandbox_fd[i], "e", true, &err) == 0,
	      "%s: removing a missing cgroup returns 0", h->name);
	check(fresh() == 0 && cg_remove_at(h, sandbox_fd[i], "b", false, &err) == 1 && !host_exists(hostf(i, "b")),
	      "%s: remove empty leaf b", h->name);

	/* Prune: empty descendants go, busy ones stay. */
	{
		int pr = -1, q = -1, s = -1;
		pid_t p2 = sleeper();

		fresh();
		cg_create_at(h, sandbox_fd[i], "p", 0, 0, &pr, &err);
		cg_create_at(h, pr, "q", 0, 0, &q, &err);
		cg_create_at(h, q, "r", 0, 0, NULL, &err);
		cg_create_at(h, pr, "s", 0, 0, &s, &err);
		cg_create_at(h, s, "t", 0, 0, NULL, &err);
		cg_attach(h, s, p2, &err);
		check(fresh() == 0 && cg_prune(h, pr, &err) == 0 && !host_exists(hostf(i, "p/q")) &&
			      !host_exists(hostf(i, "p/s/t")) && host_exists(hostf(i, "p/s")) &&
			      host_exists(hostf(i, "p")),
		      "%s: prune removes p/q, p/q/r, p/s/t, keeps busy p/s and p (%s)", h->name, err.message);
		kill(p2, SIGKILL);
		reap(p2);
		close(pr);
		close(q);
		close(s);
	}
	close(a);
}

static void test_kill_freeze(size_t i)
{
	const struct hierarchy *h = &set.items[i];
	/* v2 SIGKILL goes through cgroup.kill; v1 walks, with SIGKILL on pids (repeated passes) and SIGTERM elsewhere.
	 */
	int sig = h->unified || strv_contains(h->controllers, "pids") ? SIGKILL : SIGTERM;
	int k = -1, f = -1, c = -1;
	pid_t p1 = sleeper(), p2 = sleeper();

	fresh();
	cg_create_at(h, sandbox_fd[i], "k", 0, 0, &k, &err);
	cg_create_at(h, k, "sub", 0, 0, &c, &err);
	cg_attach(h, k, p1, &err);
	cg_attach(h, c, p2, &err);
	check(fresh() == 0 && cg_kill(h, k, sig, &err) == 0 && reap_within(p1, 2000) == sig &&
		      reap_within(p2, 2000) == sig,
	      "%s: kill %s reaches k and k/sub (%s)", h->name, strsignal(sig), err.message);
	check(fresh() == 0 && cg_kill(h, h->root_fd, 0, &err) < 0 && err.kind == FAIL_PERMISSION_DENIED,
	      "%s: signalling the root cgroup is refused (%s)", h->name, err.message);
	check(fresh() == 0 && cg_kill(h, k, 999, &err) < 0 && err.kind == FAIL_INVALID_VALUE,
	      "%s: a bogus signal is refused", h->name);

	/* Freeze. */
	p1 = sleeper();
	cg_create_at(h, sandbox_fd[i], "f", 0, 0, &f, &err);
	cg_attach(h, f, p1, &err);
	if (h->unified || strv_contains(h->controllers, "freezer")) {
		const char *state = h->unified ? "f/cgroup.events" : "f/freezer.state";

		check(fresh() == 0 && cg_freeze(h, f, true, &err) == 0 &&
			      (h->unified ? strstr(host_read(hostf(i, state)), "frozen 1") != NULL
					  : strcmp(host_read(hostf(i, state)), "FROZEN\n") == 0),
		      "%s: freeze f (host: %s)", h->name, err.message);
		check(fresh() == 0 && cg_freeze(h, f, false, &err) == 0 &&
			      (h->unified ? strstr(host_read(hostf(i, state)), "frozen 0") != NULL
					  : strcmp(host_read(hostf(i, state)), "THAWED\n") == 0),
		      "%s: thaw f (%s)", h->name, err.message);
	} else {
		check(fresh() == 0 && cg_freeze(h, f, true, &err) < 0 && err.kind == FAIL_UNKNOWN_HIERARCHY,
		      "%s: freezing without the freezer is UnknownHierarchy", h->name);
	}
	kill(p1, SIGKILL);
	reap(p1);
	close(k);
	close(f);
	close(c);
}

/* Runs the daemon's loop for up to `ms`, until host path `path` is gone; returns the time taken or -1. */
static long loop_until_gone(const char *path, int ms)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pfd = {cg_watch_fd(), POLLIN, 0};
		int timeout = cg_watch_timeout_ms();
		long spent;

		poll(&pfd, 1, timeout < 0 || timeout > 50 ? 50 : timeout);
		cg_watch_dispatch();
		clock_gettime(CLOCK_MONOTONIC, &t1);
		spent = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (!host_exists(path))
			return spent;
		if (spent > ms)
			return -1;
	}
}

/*
 * Moves p back to the sandbox in every hierarchy but `except` (set.n: all),
 * the unified one last, as a leader that exits leaves them all before the
 * daemon reads the unified cgroup.events.
 */
static void move_out(pid_t p, size_t except)
{
	for (int unified = 0; unified < 2; unified++)
		for (size_t i = 0; i < set.n; i++)
			if (i != except && set.items[i].unified == unified)
				cg_attach(&set.items[i], sandbox_fd[i], p, &err);
}

/* In how many hierarchies `name` goes within 2.5 s (the daemon's loop driven meanwhile). */
static size_t gone_everywhere(const char *name)
{
	size_t gone = 0;

	for (size_t i = 0; i < set.n; i++)
		gone += loop_until_gone(hostf(i, name), 2500) >= 0;
	return gone;
}

/* In how many hierarchies but `except` (set.n: none) `name` is there now. */
static size_t still_there(const char *name, size_t except)
{
	size_t n = 0;

	for (size_t i = 0; i < set.n; i++)
		n += i != except && host_exists(hostf(i, name));
	return n;
}

static void rmdir_everywhere(const char *name)
{
	for (size_t i = 0; i < set.n; i++)
		rmdir(hostf(i, name));
}

/*
 * The polled paths: a v1 mark with no v2 event to hurry it (the 2 s sweep),
 * and a v2 cgroup that empties while it still has a child (no later event
 * comes when the child goes; the sweep catches it).
 */
static void test_sweep_paths(void)
{
	size_t v1 = set.n, v2 = set.n;
	pid_t p = sleeper(), q = sleeper();
	int fd = -1;
	long ms;

	for (size_t i = 0; i < set.n; i++) {
		if (set.items[i].unified)
			v2 = i;
		else if (v1 == set.n)
			v1 = i;
	}
	if (v1 < set.n) {
		const struct hierarchy *h = &set.items[v1];

		cg_create_at(h, sandbox_fd[v1], "swept", 0, 0, &fd, &err);
		check(cg_attach(h, fd, p, &err) == 0 && cg_remove_on_empty(h, fd, NULL, 0, &err) == 0,
		      "%s: mark swept (%s)", h->name, err.message);
		close(fd);
		check(cg_watch_timeout_ms() >= 0 && cg_watch_timeout_ms() <= 2000,
		      "watch: a v1 mark sets a sweep timeout (%d)", cg_watch_timeout_ms());
		kill(p, SIGKILL);
		reap(p);
		ms = loop_until_gone(hostf(v1, "swept"), 4000);
		check(ms >= 0, "%s: v1 mark removed by the periodic sweep (%ld ms)", h->name, ms);
	}
	if (v2 < set.n) {
		const struct hierarchy *h = &set.items[v2];

		cg_create_at(h, sandbox_fd[v2], "withkid", 0, 0, &fd, &err);
		cg_create_at(h, fd, "kid", 0, 0, NULL, &err);
		check(cg_attach(h, fd, q, &err) == 0 && cg_remove_on_empty(h, fd, NULL, 0, &err) == 0,
		      "%s: mark withkid (%s)", h->name, err.message);
		close(fd);
		kill(q, SIGKILL);
		reap(q);
		ms = loop_until_gone(hostf(v2, "withkid"), 300);
		check(ms < 0 && host_exists(hostf(v2, "withkid")), "%s: emptied withkid stays while kid is there",
		      h->name);
		rmdir(hostf(v2, "withkid/kid"));
		ms = loop_until_gone(hostf(v2, "withkid"), 4000);
		check(ms >= 0, "%s: withkid removed once kid is gone (%ld ms)", h->name, ms);
	}
}

/*
 * Marks made together (one request) on a hybrid host: the v1 ones follow
 * the v2 one.  A v1 cgroup the process has left while it stays in the v2
 * one outlives the periodic sweep, and goes with the v2 cgroup.
 */
static void test_v1_follows_v2(void)
{
	size_t v2 = set.n, marked = 0;
	pid_t p = sleeper();

	for (size_t i = 0; i < set.n; i++)
		if (set.items[i].unified)
			v2 = i;
	if (v2 == set.n || set.n < 2) {
		ok(1, "# SKIP no hybrid host: nothing follows a v2 mark");
		kill(p, SIGKILL);
		reap(p);
		return;
	}
	for (size_t i = 0; i < set.n; i++) {
		const struct hierarchy *h = &set.items[i];
		int fd = -1;

		fresh();
		if (cg_create_at(h, sandbox_fd[i], "follow", 0, 0, &fd, &err) == 1 && cg_attach(h, fd, p, &err) == 0 &&
		    cg_remove_on_empty(h, fd, NULL, CG_MARK_FILLED, &err) == 0)
			marked++;
		else
			printf("# %s: %s\n", h->name, err.message);
		if (fd >= 0)
			close(fd);
	}
	is_int(marked, set.n, "one cgroup marked with the process in, in every hierarchy at once");
	move_out(p, v2);
	/* Longer than a sweep period: the v2 cgroup, holding the process, stays. */
	ok(loop_until_gone(hostf(v2, "follow"), 2500) < 0, "the v2 cgroup holding the process stays");
	is_int(still_there("follow", v2), set.n - 1, "the emptied v1 cgroups wait for the v2 one past a sweep");
	cg_attach(&set.items[v2], sandbox_fd[v2], p, &err);
	is_int(gone_everywhere("follow"), set.n, "the v2 cgroup's end took them all");
	rmdir_everywhere("follow");

	/* Marked together while empty, entered on v1 only: the v2 mark never fires, the sweep takes the v1 ones. */
	marked = 0;
	for (size_t i = 0; i < set.n; i++) {
		const struct hierarchy *h = &set.items[i];
		int fd = -1;

		fresh();
		if (cg_create_at(h, sandbox_fd[i], "v1only", 0, 0, &fd, &err) == 1 &&
		    cg_remove_on_empty(h, fd, NULL, 0, &err) == 0 && (i == v2 || cg_attach(h, fd, p, &err) == 0))
			marked++;
		if (fd >= 0)
			close(fd);
	}
	is_int(marked, set.n, "marked while empty everywhere, entered on v1 only");
	move_out(p, v2);
	ok(loop_until_gone(hostf(v2, "v1only"), 2500) < 0, "the v2 cgroup, never entered, stays");
	is_int(still_there("v1only", v2), 0,
	       "the v1 ones went by the sweep: an unarmed v2 mark does not hold them back");
	rmdir_everywhere("v1only");
	kill(p, SIGKILL);
	reap(p);
}

/*
 * A mark made before the cgroup's first process (the old manager's order:
 * RemoveOnEmpty, then MovePid) is armed by the move itself: the cgroup goes
 * once the process has left, in every hierarchy, although no sweep saw it
 * populated (the process stays less than a sweep period).
 */
static void test_marked_before_entering(void)
{
	pid_t p = sleeper();
	size_t marked = 0;

	for (size_t i = 0; i < set.n; i++) {
		const struct hierarchy *h = &set.items[i];
		int fd = -1;

		fresh();
		if (cg_create_at(h, sandbox_fd[i], "before", 0, 0, &fd, &err) == 1 &&
		    cg_remove_on_empty(h, fd, NULL, 0, &err) == 0 && cg_attach(h, fd, p, &err) == 0)
			marked++;
		else
			printf("# %s: %s\n", h->name, err.message);
		if (fd >= 0)
			close(fd);
	}
	is_int(marked, set.n, "marked while empty, then entered");
	move_out(p, set.n);
	is_int(gone_everywhere("before"), set.n, "each went once the process had left");
	rmdir_everywhere("before");
	kill(p, SIGKILL);
	reap(p);
}

/*
 * A session's mark (CG_MARK_SESSION) takes the empty cgroups the user made
 * in it along once no process is left below it; one still holding a
 * process keeps both.  In every hierarchy at once: v2 by its event, v1 by
 * the sweep.
 */
static void test_session_marks(void)
{
	pid_t leader = sleeper(), job = sleeper();
	size_t marked = 0, kept = 0, gone = 0;
	long ms;

	for (size_t i = 0; i < set.n; i++) {
		const struct hierarchy *h = &set.items[i];
		int s = -1, kid = -1;

		fresh();
		cg_create_at(h, sandbox_fd[i], "sess", 0, 0, &s, &err);
		cg_create_at(h, s, "emptykid", 0, 0, NULL, &err);
		cg_create_at(h, s, "busykid", 0, 0, &kid, &err);
		if (cg_attach(h, s, leader, &err) == 0 && cg_attach(h, kid, job, &err) == 0 &&
		    cg_remove_on_empty(h, s, NULL, CG_MARK_FILLED | CG_MARK_SESSION, &err) == 0)
			marked++;
		else
			printf("# %s: %s\n", h->name, err.message);
		close(s);
		close(kid);
	}
	is_int(marked, set.n, "session marks, each with an empty and a busy cgroup below");
	is_int(marked_on_disk("sess"), 0, "a session carries no mark of its own (its user cgroup's covers it)");
	kill(leader, SIGKILL);
	reap(leader);
	/* Longer than a sweep period: every v1 mark has been tried. */
	loop_until_gone(hostf(0, "sess/nothing"), 0);
	ms = loop_until_gone(hostf(0, "sess"), 2500);
	for (size_t i = 0; i < set.n; i++)
		kept += host_exists(hostf(i, "sess/busykid")) && host_exists(hostf(i, "sess/emptykid"));
	ok(ms < 0 && kept == set.n, "a process left in a cgroup below keeps the session and all below it");
	kill(job, SIGKILL);
	reap(job);
	for (int t = 0; t < 100 && gone < set.n; t++) {
		loop_until_gone(hostf(0, "sess/nothing"), 0);
		gone = 0;
		for (size_t i = 0; i < set.n; i++)
			gone += !host_exists(hostf(i, "sess"));
	}
	is_int(gone, set.n, "once no process is left, each session goes with the cgroups made in it");
}

/*
 * A mark given its path (OpenSession names the session it just made, and
 * spares the readlink) removes the cgroup once empty in every hierarchy:
 * each removal looks the cgroup up by that path, so a path that did not
 * name it would leave it behind.
 */
static void test_mark_given_path(void)
{
	pid_t p = sleeper();
	size_t marked = 0;

	for (size_t i = 0; i < set.n; i++) {
		const struct hierarchy *h = &set.items[i];
		char where[CG_PATH_BUF], path[CG_PATH_BUF];
		const char *real = cg_fd_realpath(sandbox_fd[i], where, sizeof(where));
		int fd = -1;

		fresh();
		snprintf(path, sizeof(path), "%s/given", real + strlen(h->mount_path) + 1);
		if (cg_create_at(h, sandbox_fd[i], "given", 0, 0, &fd, &err) == 1 && cg_attach(h, fd, p, &err) == 0 &&
		    cg_remove_on_empty(h, fd, path, CG_MARK_FILLED, &err) == 0)
			marked++;
		else
			printf("# %s: %s\n", h->name, err.message);
		if (fd >= 0)
			close(fd);
	}
	is_int(marked, set.n, "marked by the path given, in every hierarchy");
	is_int(marked_on_disk("given"), set.n, "an armed mark is kept on the cgroup for a restarted daemon");
	kill(p, SIGKILL);
	reap(p);
	is_int(gone_everywhere("given"), set.n, "a mark given its path removes the emptied cgroup");
	rmdir_everywhere("given");
}

/*
 * A mark belongs to the cgroup it was made on, not to its path: removed by
 * someone else (a Remove) and made again at the same path, the new cgroup
 * is left alone by the old mark, in every hierarchy (v1 by the sweep).
 */
static void test_remade_at_marked_path(void)
{
	pid_t p = sleeper();
	size_t marked = 0;

	for (size_t i = 0; i < set.n; i++) {
		const struct hierarchy *h = &set.items[i];
		int fd = -1;

		fresh();
		cg_create_at(h, sandbox_fd[i], "remade", 0, 0, &fd, &err);
		if (cg_attach(h, fd, p, &err) == 0 && cg_remove_on_empty(h, fd, NULL, CG_MARK_FILLED, &err) == 0 &&
		    cg_attach(h, sandbox_fd[i], p, &err) == 0 && rmdir(hostf(i, "remade")) == 0 &&
		    mkdir(hostf(i, "remade"), 0755) == 0)
			marked++;
		else
			printf("# %s: %s %s\n", h->name, err.message, strerror(errno));
		close(fd);
	}
	is_int(marked, set.n, "marked, emptied, removed by another and made again at the same path");
	loop_until_gone(hostf(0, "remade"), 2500);
	is_int(still_there("remade", set.n), set.n, "the old marks left the cgroups made again alone, past a sweep");
	rmdir_everywhere("remade");
	kill(p, SIGKILL);
	reap(p);
}

/*
 * The other way round: a marked cgroup removed (as Remove does, which
 * leaves the mark to the next sweep), made again at the same path and
 * marked again.  The new mark must stand in for the stale one, not be
 * taken for a second mark of the same cgroup.
 */
static void test_marked_again_at_path(void)
{
	pid_t p = sleeper();
	size_t marked = 0;

	for (size_t i = 0; i < set.n; i++) {
		const struct hierarchy *h = &set.items[i];
		int fd = -1, again = -1;

		fresh();
		if (cg_create_at(h, sandbox_fd[i], "again", 0, 0, &fd, &err) == 1 &&
		    cg_remove_on_empty(h, fd, NULL, CG_MARK_FILLED, &err) == 0 && rmdir(hostf(i, "again")) == 0 &&
		    cg_create_at(h, sandbox_fd[i], "again", 0, 0, &again, &err) == 1 &&
		    cg_attach(h, again, p, &err) == 0 && cg_remove_on_empty(h, again, NULL, CG_MARK_FILLED, &err) == 0)
			marked++;
		else
			printf("# %s: %s %s\n", h->name, err.message, strerror(errno));
		if (fd >= 0)
			close(fd);
		if (again >= 0)
			close(again);
	}
	is_int(marked, set.n, "marked, removed, made again at the same path, entered and marked again");
	move_out(p, set.n);
	is_int(gone_everywhere("again"), set.n, "the cgroups made again went by their new marks once left");
	rmdir_everywhere("again");
	kill(p, SIGKILL);
	reap(p);
}

/* Remove-on-empty in every hierarchy at once: one process, marked everywhere, exits. */
static void test_remove_on_empty(void)
{
	pid_t p = sleeper(), idle = sleeper();
	size_t gone = 0, marked = 0;
	struct timespec t0, t1;
	long ms;

	check(fresh() == 0 && cg_watch_init(&err) == 0 && cg_watch_fd() >= 0, "watch: init");
	for (size_t i = 0; i < set.n; i++) {
		const struct hierarchy *h = &set.items[i];
		int r = -1, w = -1;

		fresh();
		cg_create_at(h, sandbox_fd[i], "roe", 0, 0, &r, &err);
		cg_create_at(h, sandbox_fd[i], "waiting", 0, 0, &w, &err);
		/* OpenSession's order: the process is in before the mark. */
		if (cg_attach(h, r, p, &err) == 0 && cg_remove_on_empty(h, r, NULL, 0, &err) == 0 &&
		    cg_remove_on_empty(h, r, NULL, 0, &err) == 0 && cg_remove_on_empty(h, w, NULL, 0, &err) == 0)
			marked++;
		else
			printf("# %s: %s\n", h->name, err.message);
		close(r);
		close(w);
	}
	is_int(marked, set.n, "watch: roe marked in every hierarchy (twice: harmless)");
	/* Nothing happens while the process lives, whatever the sweeps do. */
	for (int t = 0; t < 3; t++) {
		struct pollfd pfd = {cg_watch_fd(), POLLIN, 0};

		poll(&pfd, 1, 50);
		cg_watch_dispatch();
	}
	{
		size_t kept = 0;

		for (size_t i = 0; i < set.n; i++)
			kept += host_exists(hostf(i, "roe"));
		is_int(kept, set.n, "watch: populated cgroups stay");
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	kill(p, SIGKILL);
	reap(p);
	for (int t = 0; t < 500 && gone < set.n; t++) {
		struct pollfd pfd = {cg_watch_fd(), POLLIN, 0};
		int timeout = cg_watch_timeout_ms();

		poll(&pfd, 1, timeout < 0 || timeout > 20 ? 20 : timeout);
		cg_watch_dispatch();
		gone = 0;
		for (size_t i = 0; i < set.n; i++)
			gone += !host_exists(hostf(i, "roe"));
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	is_int(gone, set.n, "watch: the process exits -> roe is removed in every hierarchy (%ld ms)", ms);
	check(ms < 1500, "watch: v1 marks went with the v2 event, not the 2 s sweep (%ld ms)", ms);
	{
		size_t kept = 0;

		for (size_t i = 0; i < set.n; i++)
			kept += host_exists(hostf(i, "waiting"));
		is_int(kept, set.n, "watch: a marked cgroup never populated is not removed");
	}
	test_sweep_paths();
	test_session_marks();
	test_mark_given_path();
	test_remade_at_marked_path();
	test_marked_again_at_path();
	test_marked_before_entering();
	test_v1_follows_v2();
	cg_watch_done();
	check(cg_watch_fd() < 0, "watch: done closes the fd");
	kill(idle, SIGKILL);
	reap(idle);
}

static void test_teardown(void)
{
	size_t removed = 0;

	for (size_t i = 0; i < set.n; i++) {
		const struct hierarchy *h = &set.items[i];
		int parent = cg_open(h, own_cgroup[i], "", fresh() ? NULL : &err);

		if (parent >= 0 && cg_remove_at(h, parent, tag, true, &err) == 1 && !host_exists(host_sandbox[i]))
			removed++;
		else
			printf("# %s: %s\n", h->name, err.message);
		if (parent >= 0)
			close(parent);
	}
	is_int(removed, set.n, "teardown: recursive remove of the sandbox in every hierarchy");
}

/* The ids of a test user; unused ids when it does not exist (ownership works all the same). */
static void test_user(const char *name, unsigned fallback, uid_t *ret_uid, gid_t *ret_gid)
{
	struct passwd *pw = getpwnam(name);

	*ret_uid = pw ? pw->pw_uid : fallback;
	*ret_gid = pw ? pw->pw_gid : fallback;
}

/*
 * hierarchies_cgroups_at: a held /proc/<pid>/cgroup read anew, and ESRCH
 * (FAIL_NOT_FOUND) once reaped; hierarchies_cgroups_dup: a copy that
 * outlives what it was made from.
 */
static void test_cgroups_at(void)
{
	char **again = NULL, **copy, **gone;
	char file[64];
	pid_t p = sleeper();
	int fd = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC), pfd;
	bool same = fd >= 0;

	for (int round = 0; same && round < 2; round++) {
		same = fresh() == 0 && (again = hierarchies_cgroups_at(&set, fd, getpid(), &err)) &&
		       same_cgroups(again, own_cgroup);
		free(again);
	}
	check(same, "our cgroups through a held /proc/self/cgroup, read twice, are hierarchies_pid_cgroups' (%s)",
	      err.message);
	if (fd >= 0)
		close(fd);
	again = fresh() == 0 ? hierarchies_pid_cgroups(&set, getpid(), &err) : NULL;
	copy = again ? hierarchies_cgroups_dup(&set, again) : NULL;
	free(again);
	check(same_cgroups(copy, own_cgroup), "a copy of our cgroups is the same once the original is freed");
	free(copy);
	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)p);
	pfd = open(file, O_RDONLY | O_CLOEXEC);
	gone = fresh() == 0 ? hierarchies_cgroups_at(&set, pfd, p, &err) : NULL;
	check(gone && gone[0], "a live child's cgroups through its held file (%s)", err.message);
	free(gone);
	kill(p, SIGKILL);
	reap(p);
	check(fresh() == 0 && !hierarchies_cgroups_at(&set, pfd, p, &err) && err.kind == FAIL_NOT_FOUND,
	      "once the child is reaped its held file says it is gone (%s)", err.message);
	if (pfd >= 0)
		close(pfd);
}

int main(void)
{
	uid_t uid1, uid2;
	gid_t gid1, gid2;

	if (geteuid() != 0) {
		printf("1..0 # SKIP not root\n");
		return 0;
	}
	test_user("cgmtest1", 64001, &uid1, &gid1);
	test_user("cgmtest2", 64002, &uid2, &gid2);
	snprintf(tag, sizeof(tag), "cgmtest-cgroup-%d", (int)getpid());
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	if (unshare(CLONE_NEWNS) < 0 || mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0) {
		printf("1..0 # SKIP cannot make a private mount namespace: %s\n", strerror(errno));
		return 0;
	}
	if (hierarchies_discover(&set, NULL, NULL, &err) < 0) {
		printf("Bail out! discover: %s\n", err.message);
		return 1;
	}
	if (set.n > MAX_H) {
		printf("Bail out! too many hierarchies\n");
		return 1;
	}
	atexit(cleanup);
	strcpy(tmpdir, "/tmp/cgmtest-cgroup-XXXXXX");
	if (!mkdtemp(tmpdir)) {
		tmpdir[0] = '\0';
		printf("Bail out! mkdtemp\n");
		return 1;
	}
	{
		char root[128];

		snprintf(root, sizeof(root), "%s/mnt", tmpdir);
		check(fresh() == 0 && hierarchies_mount(&set, root, &err) == 0, "mount all %zu hierarchies (%s)", set.n,
		      err.message);
	}
	check(fresh() == 0 && (own_cgroup = hierarchies_pid_cgroups(&set, getpid(), &err)), "our own cgroups (%s)",
	      err.message);
	check(fresh() == 0 && !hierarchies_pid_cgroups(&set, 999999999, &err) && err.kind == FAIL_NOT_FOUND,
	      "a missing pid has no cgroups (%s)", err.message);
	test_cgroups_at();
	if (!own_cgroup || !own_cgroup[0]) {
		printf("Bail out! %s\n", err.message);
		return 1;
	}
	test_discovery();
	test_mounts();
	test_sandbox_setup();
	for (size_t i = 0; i < set.n; i++)
		if (sandbox_fd[i] < 0) {
			printf("Bail out! no sandbox in %s\n", set.items[i].name);
			return 1;
		}
	test_cgroups_again();
	setup_escapes();
	test_escapes(true);
	test_escapes(false);
	for (size_t i = 0; i < set.n; i++) {
		test_resolution(i, uid1);
		test_create_delegate(i, uid1, gid1, uid2, gid2);
		test_attach_values_lists(i, uid1);
		test_kill_freeze(i);
	}
	test_create_each(uid1, gid1);
	test_remove_on_empty();
	for (size_t i = 0; i < set.n; i++)
		close(sandbox_fd[i]);
	test_teardown();
	return tap_done();
}
