/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scenario 1, the login cycle: open and close a session on every managed
 * hierarchy, the benchmark process being the session leader.  A cycle is
 * timed in two halves, open and close; between them the session is held
 * for HOLD_MS, untimed, as any real session is: the kernel delays a
 * cgroup.events notification that follows another on the same file by
 * up to two jiffies, so a session emptied a millisecond after it filled
 * would be charged a wait no login sees.  The close half ends when the
 * leader is back where it started (a real one exits) and no session cgroup
 * is left, so every contender pays for the same kernel work: the user
 * cgroup made and delegated, the session made as the user, the leader
 * moved in, the session removed.  The leader's way back is the same code
 * for all and is left off the clock (move_out_untimed).
 *
 *  - pam_cgm: real libpam, a service file of our own (pam_start_confdir),
 *    pam_cgm talking to the running cgmd.  This process links libcgm, so
 *    libdbus is loaded already when libpam loads the module; in a process
 *    without it (login, su) loading it costs more (BENCHMARKS.md);
 *  - floor: the same mkdirs, chowns, pid writes and rmdirs done here;
 *  - libpam alone: pam_permit from a service file of its own, the part of
 *    every PAM module's login that is libpam's (a reference, not a way to
 *    place a login);
 *  - pam_cgfs: Debian's module, from its own service file, in this cgroup
 *    namespace; it first moves its process to init's cgroup, so it runs in
 *    a child that is init of a pid namespace of its own, at the sandbox:
 *    that escape stays there;
 *  - old manager: org.linuxcontainers.cgmanager0_0 calls, one connection
 *    per session and one call per step, as the old pam_cgm made them.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_appl.h>

#include "bench.h"
#include "cgm.h"

#define CGM_BASE   "bl-cgm"
#define FLOOR_BASE "bl-floor"
#define OLD_BASE   "bl-old"
/* pam_cgfs's layout is fixed: /user/<name>/<n> from the top of each hierarchy (here, the sandbox). */
#define CGFS_BASE "user"
#define HOLD_MS	  20

/* Times the two halves of one cycle; the result is their sum, and the open half apart. */
struct halves {
	uint64_t t, sum, open;
};

static void half_start(struct halves *h)
{
	h->t = now_ns();
}

static void half_stop(struct halves *h)
{
	h->sum += now_ns() - h->t;
	if (!h->open) /* every contender's first stop ends its open half */
		h->open = h->sum;
}

static void hold(void)
{
	const struct timespec ts = {0, HOLD_MS * 1000000L};

	nanosleep(&ts, NULL);
}

static int no_conversation(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	return PAM_CONV_ERR;
}

/* pam_start + open, hold, close + pam_end: a login as sshd or login makes it. */
static int pam_cycle(const char *service, struct halves *h)
{
	const struct pam_conv conv = {no_conversation, NULL};
	pam_handle_t *pamh = NULL;
	int r;

	half_start(h);
	if (pam_start_confdir(service, opt.user, &conv, opt.workdir, &pamh) != PAM_SUCCESS)
		return -1;
	r = pam_open_session(pamh, 0);
	half_stop(h);
	if (r != PAM_SUCCESS) {
		fprintf(stderr, "cgm-bench: %s: open session: %s\n", service, pam_strerror(pamh, r));
		pam_end(pamh, r);
		return -1;
	}
	hold();
	half_start(h);
	r = pam_close_session(pamh, 0);
	pam_end(pamh, r);
	return r == PAM_SUCCESS ? 0 : -1;
}

/*
 * The leader goes back where it started, off the clock.  A real session
 * leader exits, which migrates nothing; this one must write its pid into
 * every hierarchy's cgroup.procs, and such a write takes the kernel's
 * global cgroup_threadgroup_rwsem for writing, which waits for an RCU
 * grace period (about 10 ms here) whenever no migration happened in the
 * last one.  Whether the leader pays that depends on the hold and on the
 * grace period's length, not on the contender, and it was deciding the
 * medians: identical code took 0.3 ms in most cycles and 6-12 ms in a
 * quarter of them, more often after the longer close of pam_cgm.
 */
static int move_out_untimed(const char *session, struct halves *h)
{
	int r;

	half_stop(h);
	if (session) /* whose removal wait_gone waits for */
		watch_removal(session);
	r = move_home(getpid());
	half_start(h);
	return r;
}

/* Every contender: the leader leaves its session (a real one exits), then the session must be gone. */
static int leave(const char *session, bool remove_ourselves, struct halves *h)
{
	int r = move_out_untimed(session, h);

	if (remove_ourselves)
		for (size_t i = 0; i < nhier; i++)
			if (rmdir_at(hier[i].fd, session) < 0)
				r = -1;
	if (wait_gone(session) < 0)
		r = -1;
	half_stop(h);
	return r;
}

struct timed {
	double last_us, open_us;
};

static int finish(struct timed *t, struct halves *h, int r)
{
	t->last_us = (double)h->sum / 1000.0;
	t->open_us = (double)h->open / 1000.0;
	return r;
}

static int run_pam_cgm(void *ctx)
{
	struct halves h = {0};
	char session[128];

	snprintf(session, sizeof(session), "%s/%s/1", CGM_BASE, opt.user);
	if (pam_cycle("bench-cgm", &h) < 0)
		return -1;
	return finish(ctx, &h, leave(session, false, &h));
}

static int run_floor(void *ctx)
{
	struct halves h = {0};
	char user[128], session[160];
	int r;

	snprintf(user, sizeof(user), "%s/%s", FLOOR_BASE, opt.user);
	snprintf(session, sizeof(session), "%s/1", user);
	half_start(&h);
	r = floor_open(user, session, getpid());
	half_stop(&h);
	hold();
	half_start(&h);
	if (leave(session, true, &h) < 0)
		r = -1;
	return finish(ctx, &h, r);
}

/*
 * libpam's own share of a login, the module doing nothing: pam_start reads
 * the service file and loads a module, each of open and close sends an
 * audit record, pam_end unloads.  Every PAM module pays this, pam_cgm and
 * pam_cgfs alike; the kernel floor does not.
 */
static int run_pam_alone(void *ctx)
{
	struct halves h = {0};
	int r = pam_cycle("bench-pam", &h);

	half_stop(&h);
	return finish(ctx, &h, r);
}

/* The old pam_cgm: escape, create, chown, remove-on-empty, move, each one request on "all". */
static int run_old(void *ctx)
{
	struct halves h = {0};
	char session[160];
	struct cgm *conn;
	int r, n = 1;

	half_start(&h);
	if (!(conn = cgm_connect(opt.socket, NULL)))
		return -1;
	/* Escape: to the top of this process's view, the sandbox (the old one went to the real root). */
	r = cgm_move_pid(conn, "all", "/", getpid());
	/* Create says 1 when the cgroup existed: then try the next number. */
	do {
		snprintf(session, sizeof(session), "%s/%s/%d", OLD_BASE, opt.user, n++);
	} while (r == 0 && (r = cgm_create(conn, "all", session)) == 1 && n < 100);
	if (r == 0)
		r = cgm_chown(conn, "all", session, user_uid, user_gid);
	/* Before the move: requests resolve beneath the caller's cgroup, and the session is never below itself. */
	if (r == 0)
		r = cgm_remove_on_empty(conn, "all", session);
	if (r == 0)
		r = cgm_move_pid(conn, "all", session, getpid());
	if (r < 0)
		fprintf(stderr, "cgm-bench: old manager: %s\n", cgm_errmsg(conn));
	cgm_disconnect(conn);
	half_stop(&h);
	hold();
	/* Close: the old module removed the session itself, on a connection of its own. */
	half_start(&h);
	if (move_out_untimed(session, &h) < 0 || !(conn = cgm_connect(opt.socket, NULL)) ||
	    cgm_remove(conn, "all", session, 0) < 0)
		r = -1;
	cgm_disconnect(conn);
	if (leave(session, false, &h) < 0)
		r = -1;
	return finish(ctx, &h, r < 0 ? -1 : 0);
}

/*
 * pam_cgfs turns cgroup.clone_children on at the top of its view: the
 * sandbox, where every contender and every later scenario works.  From
 * then on a new v1 cpuset gets its CPUs at mkdir, load-balancing, and its
 * removal rebuilds every sched domain: after this scenario, cgmd's rate
 * at 512 clients in scenario 3 fell by a third.  Each pam_cgfs cycle puts
 * back what the scenario found, off the clock.
 */
static char clone_children_was[MAX_HIER][4];

static void note_clone_children(void)
{
	for (size_t i = 0; i < nhier; i++)
		if (hier[i].v2 || read_at(hier[i].fd, "cgroup.clone_children", clone_children_was[i],
					  sizeof(clone_children_was[i])) < 0)
			clone_children_was[i][0] = '\0';
}

static void restore_clone_children(void)
{
	for (size_t i = 0; i < nhier; i++)
		if (clone_children_was[i][0])
			write_at(hier[i].fd, "cgroup.clone_children", clone_children_was[i]);
}

/* One pam_cgfs cycle, in the runner. */
static int cgfs_cycle(struct halves *h)
{
	char session[160];
	int r;

	if (pam_cycle("bench-cgfs", h) < 0)
		return -1;
	/* pam_cgfs numbers sessions from 0 and leaves its own session behind: that rmdir is its cost too. */
	r = move_out_untimed(NULL, h);
	for (int n = 0; n < 4; n++) {
		snprintf(session, sizeof(session), "%s/%s/%d", CGFS_BASE, opt.user, n);
		for (size_t i = 0; i < nhier; i++)
			if (rmdir_at(hier[i].fd, session) < 0)
				r = -1;
	}
	half_stop(h);
	restore_clone_children();
	return r;
}

struct cgfs_runner {
	pid_t pid;
	int cmd, reply; /* pipes: a byte asks for a cycle; the answer its struct timed, negative on failure */
	struct timed t;
};

static void cgfs_serve(int cmd, int reply)
{
	char byte;

	/* Init of a new pid namespace needs a /proc of its own, so that /proc/1 is itself. */
	if (unshare(CLONE_NEWNS) < 0 || mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		perror("cgm-bench: pam_cgfs runner");
		_exit(1);
	}
	while (read(cmd, &byte, 1) == 1) {
		struct halves h = {0};
		struct timed t;

		if (finish(&t, &h, cgfs_cycle(&h)) < 0)
			t.last_us = -1;
		if (write(reply, &t, sizeof(t)) != sizeof(t))
			break;
	}
	_exit(0);
}

static int cgfs_start(struct cgfs_runner *run)
{
	int cmd[2], reply[2];
	pid_t pid;

	if (pipe2(cmd, O_CLOEXEC) < 0 || pipe2(reply, O_CLOEXEC) < 0)
		return -1;
	fflush(NULL);
	/*
	 * A child unshares the pid namespace and forks its init, the runner:
	 * after unshare(CLONE_NEWPID) a process can fork only while that init
	 * lives, so the benchmark itself must not be the one to unshare.
	 */
	pid = fork();
	if (pid == 0) {
		pid_t init;
		int status = 1;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Only the benchmark may hold the ends it uses: the runner sees EOF when it closes them. */
		close(cmd[1]);
		close(reply[0]);
		if (unshare(CLONE_NEWPID) < 0)
			_exit(1);
		init = fork();
		if (init == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			cgfs_serve(cmd[0], reply[1]);
		}
		close(cmd[0]);
		close(reply[1]);
		if (init > 0 && waitpid(init, &status, 0) < 0)
			status = 1;
		_exit(init > 0 && WIFEXITED(status) ? WEXITSTATUS(status) : 1);
	}
	close(cmd[0]);
	close(reply[1]);
	*run = (struct cgfs_runner){.pid = pid, .cmd = cmd[1], .reply = reply[0]};
	return pid < 0 ? -1 : 0;
}

static void cgfs_stop(struct cgfs_runner *run)
{
	close(run->cmd);
	close(run->reply);
	if (run->pid > 0)
		waitpid(run->pid, NULL, 0);
}

static int run_pam_cgfs(void *ctx)
{
	struct cgfs_runner *run = ctx;
	char byte = 0;

	if (write(run->cmd, &byte, 1) != 1 || read(run->reply, &run->t, sizeof(run->t)) != sizeof(run->t))
		return -1;
	return run->t.last_us < 0 ? -1 : 0;
}

static int write_service(const char *name, const char *line)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", opt.workdir, name);
	if (!(f = fopen(path, "we")))
		return -1;
	fprintf(f, "%s\n", line);
	return fclose(f);
}

/* Each half apart, against the floor's: where a login's time goes (BENCHMARKS.md). */
static void result_halves(const struct contender *c, size_t n)
{
	static const char *const what[2] = {"open half", "close half (until removed)"};

	for (int half = 0; half < 2; half++) {
		struct contender floor = {.name = c[1].name, .s = half ? c[1].second : c[1].first};

		for (size_t i = 0; i < n; i++) {
			struct contender x = {.name = c[i].name, .s = half ? c[i].second : c[i].first};

			result_series("1 login", what[half], &x, i == 1 ? NULL : &floor);
		}
	}
}

void scenario_login(void)
{
	struct timed times[4];
	struct contender c[5] = {
		{.name = "pam_cgm + cgmd", .run = run_pam_cgm, .ctx = &times[0], .self_us = &times[0].last_us},
		{.name = "kernel floor", .run = run_floor, .ctx = &times[1], .self_us = &times[1].last_us},
		{.name = "libpam alone (pam_permit)",
		 .run = run_pam_alone,
		 .ctx = &times[2],
		 .self_us = &times[2].last_us},
		{.name = "old manager (cgmanager0_0)", .run = run_old, .ctx = &times[3], .self_us = &times[3].last_us},
		{.name = "pam_cgfs"},
	};
	struct cgfs_runner cgfs = {.pid = -1, .cmd = -1, .reply = -1};
	char line[2048], *controllers = NULL;
	size_t n = 4, len = 0;
	FILE *list;

	printf("\n1. login cycle (open + close, %zu hierarchies, sessions held %d ms untimed)\n", nhier, HOLD_MS);
	snprintf(line, sizeof(line), "session required %s socket=%s base=%s", opt.pam_cgm, opt.socket, CGM_BASE);
	if (write_service("bench-cgm", line) < 0 || write_service("bench-pam", "session required pam_permit.so") < 0) {
		perror("cgm-bench: service file");
		return;
	}
	note_clone_children();
	if (opt.pam_cgfs && cgfs_start(&cgfs) < 0) {
		result_note("pam_cgfs left out: cannot start its runner: %s", strerror(errno));
	} else if (opt.pam_cgfs) {
		/* Every v1 hierarchy by its controllers; pam_cgfs takes the unified one on its own. */
		if (!(list = open_memstream(&controllers, &len)))
			return;
		for (size_t i = 0; i < nhier; i++)
			if (!hier[i].v2)
				fprintf(list, "%s%s", ftell(list) ? "," : "", hier[i].name);
		fclose(list);
		snprintf(line, sizeof(line), "session required %s -c %s", opt.pam_cgfs, controllers);
		free(controllers);
		if (write_service("bench-cgfs", line) == 0) {
			c[4].run = run_pam_cgfs;
			c[4].ctx = &cgfs;
			c[4].self_us = &cgfs.t.last_us;
			c[4].first_us = &cgfs.t.open_us;
			n = 5;
		}
	}
	for (size_t i = 0; i < 4; i++)
		c[i].first_us = &times[i].open_us;
	alternate(c, n, iterations(200), 3);
	for (size_t i = 0; i < n; i++)
		result_series("1 login", "open + close session", &c[i], &c[1]);
	result_halves(c, n);
	if (cgfs.pid > 0)
		cgfs_stop(&cgfs);
	remove_tree_all(CGM_BASE);
	remove_tree_all(FLOOR_BASE);
	remove_tree_all(OLD_BASE);
	remove_tree_all(CGFS_BASE);
	for (size_t i = 0; i < n; i++) {
		series_free(&c[i].s);
		series_free(&c[i].first);
		series_free(&c[i].second);
	}
}
