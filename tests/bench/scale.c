/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scenario 4, scale: the latency of creating a cgroup, moving a process in
 * and out and removing it, among 10, 1,000 and 10,000 existing siblings
 * (on every hierarchy), through cgmd and directly; Prune of 10,000 empty
 * cgroups; GetTasksRecursive over 1,000 cgroups; a login cycle while 1,000
 * sessions are open, and what cgmd does meanwhile when idle.  The many
 * cgroups are made directly (they are the setting, not the measurement)
 * and removed even when something failed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench.h"
#include "cgm.h"

#define SIB   "sc"
#define PRUNE "pr"
#define TASKS "gt"
#define LIVE  "ls"

enum { OP_CREATE, OP_MOVE_IN, OP_MOVE_OUT, OP_REMOVE, NOPS };
static const char *const op_names[NOPS] = {"create", "move in", "move out", "remove"};

/* Makes parent/<prefix><i> for i in [from, to) on every hierarchy. */
static int make_many(const char *parent, const char *prefix, int from, int to)
{
	char path[128];

	for (size_t h = 0; h < nhier; h++) {
		if (mkdir_p_at(&hier[h], parent) < 0)
			return -1;
		for (int i = from; i < to; i++) {
			snprintf(path, sizeof(path), "%s/%s%d", parent, prefix, i);
			if (mkdirat(hier[h].fd, path, 0755) < 0 && errno != EEXIST)
				return -1;
		}
	}
	return 0;
}

struct step_ctx {
	struct cgm *conn;
	int pidfd;
	pid_t pid;
	struct series s[2][NOPS]; /* [0] cgmd, [1] floor */
	unsigned errors[2];
};

static double since(uint64_t t0)
{
	return (double)(now_ns() - t0) / 1000.0;
}

static int steps_cgm(struct step_ctx *c)
{
	const char *cg = SIB "/x-cgm";
	uint64_t t;
	int r;

	t = now_ns();
	if ((r = cgm_create(c->conn, "all", cg)) != 0)
		return -1;
	series_add(&c->s[0][OP_CREATE], since(t));
	t = now_ns();
	if (cgm_move_pidfd(c->conn, "all", cg, c->pidfd) < 0)
		return -1;
	series_add(&c->s[0][OP_MOVE_IN], since(t));
	t = now_ns();
	if (cgm_move_pidfd(c->conn, "all", "", c->pidfd) < 0)
		return -1;
	series_add(&c->s[0][OP_MOVE_OUT], since(t));
	t = now_ns();
	if (cgm_remove(c->conn, "all", cg, 0) != 1)
		return -1;
	series_add(&c->s[0][OP_REMOVE], since(t));
	return 0;
}

static int steps_floor(struct step_ctx *c)
{
	const char *cg = SIB "/x-floor";
	uint64_t t;
	int r = 0;

	t = now_ns();
	for (size_t i = 0; i < nhier && r == 0; i++)
		r = mkdir_as_at(&hier[i], hier[i].fd, cg, 0, 0);
	if (r < 0)
		return -1;
	series_add(&c->s[1][OP_CREATE], since(t));
	t = now_ns();
	for (size_t i = 0; i < nhier && r == 0; i++)
		r = write_pid_at(hier[i].fd, cg, c->pid);
	if (r < 0)
		return -1;
	series_add(&c->s[1][OP_MOVE_IN], since(t));
	t = now_ns();
	if (move_home(c->pid) < 0)
		return -1;
	series_add(&c->s[1][OP_MOVE_OUT], since(t));
	t = now_ns();
	for (size_t i = 0; i < nhier && r == 0; i++)
		r = rmdir_at(hier[i].fd, cg);
	if (r < 0)
		return -1;
	series_add(&c->s[1][OP_REMOVE], since(t));
	return 0;
}

static void siblings(struct cgm *conn)
{
	const int sizes[] = {10, 1000, 10000};
	double base[2][NOPS] = {{0}};
	struct step_ctx c = {.conn = conn};
	int made = 0, iters = iterations(200);

	c.pid = spawn_sleeper(&c.pidfd);
	if (c.pid < 0 || c.pidfd < 0)
		return;
	for (size_t k = 0; k < 3; k++) {
		int want = k ? (int)(sizes[k] * (opt.scale < 1 ? 0.1 : 1)) : sizes[k];
		char what[96];

		if (make_many(SIB, "s", made, want) < 0) {
			result_note("scale: cannot make %d siblings: %s", want, strerror(errno));
			break;
		}
		made = want;
		for (int it = 0; it < iters; it++) {
			for (int j = 0; j < 2; j++) {
				int which = (it + j) % 2;

				if (c.errors[which] >= 10)
					continue;
				if ((which ? steps_floor(&c) : steps_cgm(&c)) < 0) {
					c.errors[which]++;
					if (which == 0)
						fprintf(stderr, "cgm-bench: scale: %s\n", cgm_errmsg(conn));
					move_home(c.pid);
					remove_tree_all(which ? SIB "/x-floor" : SIB "/x-cgm");
				}
			}
		}
		for (int which = 0; which < 2; which++)
			for (int op = 0; op < NOPS; op++) {
				struct contender row = {.name = which ? "kernel floor" : "cgmd", .s = c.s[which][op]};
				double median = series_quantile(&c.s[which][op], 0.5);

				row.s.errors = c.errors[which];
				snprintf(what, sizeof(what), "%s among %d siblings", op_names[op], made);
				if (k == 0)
					base[which][op] = median;
				result_series("4 scale", what, &row, NULL);
				/* The ratio asked for is against the same operation among 10 siblings. */
				if (base[which][op] > 0)
					result_value("4 scale", what,
						     which ? "floor vs 10 siblings" : "cgmd vs 10 siblings",
						     median / base[which][op], "×", 0, 0);
				series_free(&c.s[which][op]);
			}
	}
	reap(c.pid);
	close(c.pidfd);
	remove_tree_all(SIB);
}

static void prune(struct cgm *conn)
{
	int n = opt.scale < 1 ? 1000 : 10000;
	char what[64];
	uint64_t t;
	int r;

	snprintf(what, sizeof(what), "Prune of %d empty cgroups", n);
	if (make_many(PRUNE, "p", 0, n) == 0) {
		t = now_ns();
		r = cgm_prune(conn, "all", PRUNE);
		result_value("4 scale", what, "cgmd", since(t) / 1000.0, "ms", 0,
			     r < 0 || exists_any(PRUNE "/p0") ? 1 : 0);
		if (r < 0)
			fprintf(stderr, "cgm-bench: prune: %s\n", cgm_errmsg(conn));
	}
	remove_tree_all(PRUNE);
	if (make_many(PRUNE, "p", 0, n) == 0) {
		t = now_ns();
		remove_tree_all(PRUNE);
		result_value("4 scale", what, "kernel floor (rmdir each)", since(t) / 1000.0, "ms", 0,
			     exists_any(PRUNE) ? 1 : 0);
	}
	remove_tree_all(PRUNE);
}

struct tasks_ctx {
	struct cgm *conn;
	size_t expect;
};

static int tasks_cgm(void *ctx)
{
	struct tasks_ctx *c = ctx;
	pid_t *pids = NULL;
	size_t n = 0;
	int r = cgm_get_tasks_recursive(c->conn, "all", TASKS, &pids, &n);

	free(pids);
	return r < 0 || n != c->expect ? -1 : 0;
}

/* Lines in dirfd's cgroup.procs, plus those of every cgroup below it (a walk that lists each directory, as any must).
 */
static size_t count_procs(int dirfd)
{
	int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC), dfd;
	size_t total = 0;
	char buf[4096];
	ssize_t n;
	DIR *d;
	struct dirent *e;

	if (fd >= 0) {
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			for (ssize_t j = 0; j < n; j++)
				total += buf[j] == '\n';
		close(fd);
	}
	if ((dfd = dup(dirfd)) < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0)
			close(dfd);
		return total;
	}
	while ((e = readdir(d)))
		if (e->d_type == DT_DIR && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    (fd = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
			total += count_procs(fd);
			close(fd);
		}
	closedir(d);
	return total;
}

/* Every cgroup.procs below TASKS on every hierarchy, read directly. */
static int tasks_floor(void *ctx)
{
	struct tasks_ctx *c = ctx;
	size_t total = 0;

	for (size_t i = 0; i < nhier; i++) {
		int fd = openat(hier[i].fd, TASKS, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			return -1;
		total += count_procs(fd);
		close(fd);
	}
	/* cgmd reports each process once however many hierarchies it is in. */
	return total == c->expect * nhier ? 0 : -1;
}

static void tasks(struct cgm *conn)
{
	enum { NSLEEP = 10 };
	int n = opt.scale < 1 ? 100 : 1000;
	pid_t sleepers[NSLEEP] = {0};
	struct tasks_ctx ctx = {.conn = conn, .expect = NSLEEP};
	struct contender c[2] = {
		{.name = "cgmd", .run = tasks_cgm, .ctx = &ctx},
		{.name = "kernel floor (walk, read each cgroup.procs)", .run = tasks_floor, .ctx = &ctx},
	};
	char what[64];

	snprintf(what, sizeof(what), "GetTasksRecursive over %d cgroups", n);
	if (make_many(TASKS, "g", 0, n) == 0) {
		for (int i = 0; i < NSLEEP; i++) {
			char cg[64];

			sleepers[i] = spawn_sleeper(NULL);
			snprintf(cg, sizeof(cg), TASKS "/g%d", i * (n / NSLEEP));
			for (size_t h = 0; h < nhier; h++)
				if (hier[h].cpuset) {
					/* A v1 cpuset cgroup takes no process before it has cpus and mems. */
					char to[96];

					for (int f = 0; f < 2; f++) {
						const char *file = f ? "cpuset.mems" : "cpuset.cpus";

						snprintf(to, sizeof(to), "%s/%s", cg, file);
						copy_at(hier[h].fd, file, to);
					}
				}
			for (size_t h = 0; h < nhier; h++)
				write_pid_at(hier[h].fd, cg, sleepers[i]);
		}
		alternate(c, 2, iterations(50), 2);
		result_series("4 scale", what, &c[0], &c[1]);
		result_series("4 scale", what, &c[1], &c[1]);
		series_free(&c[0].s);
		series_free(&c[1].s);
	}
	for (int i = 0; i < NSLEEP; i++)
		reap(sleepers[i]);
	remove_tree_all(TASKS);
}

/*
 * Login cycles (as in scenario 3, one client) alternated with the floor's,
 * before and while `n` sessions of other processes are open through cgmd
 * (50 users, as many sessions each): every live session is a set of
 * remove-on-empty marks the daemon keeps.  Then cgmd's CPU time over two
 * sweep periods with nothing asked of it.
 */
static void live_sessions(struct cgm *conn)
{
	const int n = (int)(1000 * (opt.scale < 1 ? 0.1 : 1)), iters = iterations(200);
	struct contender c[2][2] = {{{.name = "cgmd"}, {.name = "kernel floor"}},
				    {{.name = "cgmd"}, {.name = "kernel floor"}}};
	pid_t *live = calloc((size_t)n, sizeof(*live)), mover;
	int pidfd = -1, opened = 0;
	double cpu0, cpu1;
	char what[96];

	mover = spawn_sleeper(&pidfd);
	if (!live || mover < 0 || pidfd < 0) {
		free(live);
		return;
	}
	for (int k = 0; k < 2; k++) {
		if (k == 1)
			for (; opened < n; opened++) {
				char user[64], *session = NULL;
				int fd = -1;

				snprintf(user, sizeof(user), LIVE "/u%d", opened % 50);
				if ((live[opened] = spawn_sleeper(&fd)) < 0 ||
				    cgm_open_session(conn, "all", user, user_uid, user_gid, fd, &session) < 0) {
					result_note("scale: live session %d: %s", opened, cgm_errmsg(conn));
					if (fd >= 0)
						close(fd);
					break;
				}
				free(session);
				close(fd);
			}
		for (int it = 0; it < iters; it++)
			for (int j = 0; j < 2; j++) {
				int which = (it + j) % 2, r;
				uint64_t t0 = now_ns();

				r = which ? login_cycle_floor(LIVE "/floor", mover)
					  : login_cycle_cgm(conn, LIVE "/cgm", pidfd);
				if (r < 0) {
					c[k][which].s.errors++;
					move_home(mover);
				} else {
					series_add(&c[k][which].s, since(t0));
				}
			}
		for (int which = 0; which < 2; which++) {
			snprintf(what, sizeof(what), "login cycle among %d live sessions", k ? opened : 0);
			result_series("4 scale", what, &c[k][which], k ? &c[0][which] : NULL);
		}
	}
	cpu0 = cgmd_cpu_ms();
	sleep(4);
	cpu1 = cgmd_cpu_ms();
	snprintf(what, sizeof(what), "CPU idle with %d live sessions", opened);
	result_value("4 scale", what, "cgmd", cpu0 < 0 || cpu1 < 0 ? -1 : (cpu1 - cpu0) / 4, "ms/s", 0, 0);
	for (int i = 0; i < opened; i++)
		reap(live[i]);
	reap(mover);
	close(pidfd);
	free(live);
	for (int k = 0; k < 2; k++)
		for (int which = 0; which < 2; which++)
			series_free(&c[k][which].s);
	remove_tree_all(LIVE);
}

void scenario_scale(void)
{
	struct cgm *conn = cgm_connect_timeout(opt.socket, 600000, NULL);

	printf("\n4. scale\n");
	if (!conn) {
		fprintf(stderr, "cgm-bench: scale: %s\n", cgm_errmsg(NULL));
		return;
	}
	siblings(conn);
	prune(conn);
	tasks(conn);
	live_sessions(conn);
	cgm_disconnect(conn);
}
