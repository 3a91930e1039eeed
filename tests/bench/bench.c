/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgm-bench's entry point and shared machinery: options, the hierarchies
 * as mounted in the benchmark's namespaces, the direct cgroupfs operations
 * of the kernel floor, the alternating runner and the results (a table on
 * stdout, JSON with --json).  run-bench.sh starts it inside a cgroup, mount
 * and pid namespace whose cgroup root is the benchmark's sandbox, so that
 * every cgroup it or a contender makes lands below that sandbox.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cgm.h"

struct options opt = {.scale = 1.0};
struct hier hier[MAX_HIER];
size_t nhier;
uid_t user_uid;
gid_t user_gid;

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

int iterations(int n)
{
	int k = (int)(n * opt.scale);

	return k < 3 ? 3 : k;
}

/* --- series ------------------------------------------------------------------ */

void series_add(struct series *s, double us)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		double *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = us;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double series_quantile(struct series *s, double q)
{
	size_t i;

	if (!s->n)
		return 0;
	qsort(s->v, s->n, sizeof(*s->v), cmp_double);
	i = (size_t)(q * (double)(s->n - 1) + 0.5);
	return s->v[i < s->n ? i : s->n - 1];
}

void series_free(struct series *s)
{
	free(s->v);
	*s = (struct series){0};
}

void alternate(struct contender *c, size_t n, int iters, int warmup)
{
	for (int it = -warmup; it < iters; it++)
		for (size_t k = 0; k < n; k++) {
			struct contender *x = &c[((size_t)(it + warmup) + k) % n];
			uint64_t t0;
			int r;

			if (x->s.errors >= 10)
				continue;
			t0 = now_ns();
			r = x->run(x->ctx);
			if (r < 0)
				x->s.errors++;
			else if (it >= 0) {
				double us = x->self_us ? *x->self_us : (double)(now_ns() - t0) / 1000.0;

				series_add(&x->s, us);
				if (x->first_us) {
					series_add(&x->first, *x->first_us);
					series_add(&x->second, us - *x->first_us);
				}
			}
		}
}

/* --- results ---------------------------------------------------------------------- */

struct row {
	char scenario[32], what[96], who[64], unit[16];
	size_t n;
	double median, p99, value, ratio;
	unsigned errors;
};

static struct row *rows;
static size_t nrows;
static char **notes;
static size_t nnotes;

static struct row *new_row(const char *scenario, const char *what, const char *who)
{
	struct row *r, *grown = realloc(rows, (nrows + 1) * sizeof(*rows));

	if (!grown) {
		perror("cgm-bench");
		exit(1);
	}
	rows = grown;
	r = &rows[nrows++];
	*r = (struct row){0};
	snprintf(r->scenario, sizeof(r->scenario), "%s", scenario);
	snprintf(r->what, sizeof(r->what), "%s", what);
	snprintf(r->who, sizeof(r->who), "%s", who);
	return r;
}

void result_series(const char *scenario, const char *what, const struct contender *c, const struct contender *base)
{
	struct row *r = new_row(scenario, what, c->name);
	struct series *s = (struct series *)&c->s;

	r->n = s->n;
	r->median = series_quantile(s, 0.5);
	r->p99 = series_quantile(s, 0.99);
	r->errors = s->errors;
	snprintf(r->unit, sizeof(r->unit), "us");
	if (base && base != c && base->s.n)
		r->ratio = r->median / series_quantile((struct series *)&base->s, 0.5);
	printf("  %-44s %-26s median %9.1f us  p99 %9.1f us%s\n", what, c->name, r->median, r->p99,
	       r->errors ? "  ERRORS" : "");
	fflush(stdout);
}

void result_value(const char *scenario, const char *what, const char *who, double value, const char *unit, double ratio,
		  unsigned errors)
{
	struct row *r = new_row(scenario, what, who);

	r->value = value;
	r->ratio = ratio;
	r->errors = errors;
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
	printf("  %-44s %-26s %12.1f %s%s\n", what, who, value, unit, errors ? "  ERRORS" : "");
	fflush(stdout);
}

void result_note(const char *fmt, ...)
{
	va_list ap;
	char *s, **grown;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (!s || !(grown = realloc(notes, (nnotes + 1) * sizeof(*notes)))) {
		free(s);
		return;
	}
	notes = grown;
	notes[nnotes++] = s;
	printf("  note: %s\n", s);
}

static void print_table(void)
{
	printf("\n| scenario | what | contender | median | p99 | ratio | errors |\n");
	printf("|---|---|---|---:|---:|---:|---:|\n");
	for (size_t i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];
		char ratio[32] = "";

		if (r->ratio > 0)
			snprintf(ratio, sizeof(ratio), "%.2f×", r->ratio);
		if (r->n)
			printf("| %s | %s | %s | %.1f µs | %.1f µs | %s | %u |\n", r->scenario, r->what, r->who,
			       r->median, r->p99, ratio, r->errors);
		else
			printf("| %s | %s | %s | %.1f %s | | %s | %u |\n", r->scenario, r->what, r->who, r->value,
			       r->unit, ratio, r->errors);
	}
	for (size_t i = 0; i < nnotes; i++)
		printf("\n- %s", notes[i]);
	printf("\n");
}

static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void write_json(const char *path)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");

	if (!f) {
		perror(path);
		return;
	}
	fprintf(f, "{\"results\": [\n");
	for (size_t i = 0; i < nrows; i++) {
		const struct row *r = &rows[i];

		fprintf(f, "  {\"scenario\": ");
		json_string(f, r->scenario);
		fprintf(f, ", \"what\": ");
		json_string(f, r->what);
		fprintf(f, ", \"contender\": ");
		json_string(f, r->who);
		if (r->n)
			fprintf(f, ", \"n\": %zu, \"median_us\": %.3f, \"p99_us\": %.3f", r->n, r->median, r->p99);
		else
			fprintf(f, ", \"value\": %.3f, \"unit\": \"%s\"", r->value, r->unit);
		if (r->ratio > 0)
			fprintf(f, ", \"ratio\": %.4f", r->ratio);
		fprintf(f, ", \"errors\": %u}%s\n", r->errors, i + 1 < nrows ? "," : "");
	}
	fprintf(f, "],\n\"notes\": [");
	for (size_t i = 0; i < nnotes; i++) {
		json_string(f, notes[i]);
		fprintf(f, "%s", i + 1 < nnotes ? ", " : "");
	}
	fprintf(f, "]}\n");
	if (f != stdout)
		fclose(f);
}

/* --- direct cgroupfs work --------------------------------------------------------- */

int write_at(int dirfd, const char *file, const char *value)
{
	int fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC), r = 0;
	size_t n = strlen(value);

	if (fd < 0)
		return -errno;
	if (write(fd, value, n) != (ssize_t)n)
		r = -errno;
	close(fd);
	return r;
}

int write_pid_at(int dirfd, const char *dir, pid_t pid)
{
	char file[512], buf[16];

	snprintf(file, sizeof(file), "%s%scgroup.procs", dir, *dir ? "/" : "");
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	return write_at(dirfd, file, buf);
}

/* The files DESIGN.md §3 hands over with a cgroup. */
static char delegate_v2[16][64];
static size_t ndelegate_v2;

static void load_delegate_files(void)
{
	FILE *f = fopen("/sys/kernel/cgroup/delegate", "re");
	char line[64];

	while (f && ndelegate_v2 < 16 && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		snprintf(delegate_v2[ndelegate_v2++], sizeof(delegate_v2[0]), "%s", line);
	}
	if (f)
		fclose(f);
}

int delegate_at(const struct hier *h, int dirfd, const char *path, uid_t uid, gid_t gid)
{
	static const char *const v1[] = {"tasks", "cgroup.procs"};
	char file[512];
	size_t n = h->v2 ? ndelegate_v2 : 2;

	if (fchownat(dirfd, path, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return -errno;
	for (size_t i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "%s/%s", path, h->v2 ? delegate_v2[i] : v1[i]);
		if (fchownat(dirfd, file, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
			return -errno;
	}
	return 0;
}

ssize_t read_at(int dirfd, const char *file, char *buf, size_t size)
{
	int fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

int copy_at(int dirfd, const char *from, const char *to)
{
	char buf[256];
	ssize_t n = read_at(dirfd, from, buf, sizeof(buf));

	return n < 0 ? (int)n : write_at(dirfd, to, buf);
}

/*
 * As cgmd does for a v1 cpuset made as a user: cpus and mems from the parent, only when the kernel left them
 * empty, and before them sched_load_balance 0 below a parent that balances (no sched domain rebuild at the
 * cpus, nor at the rmdir).
 */
static int init_cpuset_at(const struct hier *h, int dirfd, const char *path)
{
	char parent[512], from[600], to[600], buf[8];
	int r;

	if (!h->cpuset)
		return 0;
	snprintf(to, sizeof(to), "%s/cpuset.cpus", path);
	if (read_at(dirfd, to, buf, sizeof(buf)) > 1)
		return 0;
	snprintf(parent, sizeof(parent), "%s", path);
	*(strrchr(parent, '/') ? strrchr(parent, '/') : parent) = '\0';
	snprintf(from, sizeof(from), "%s%scpuset.sched_load_balance", parent, *parent ? "/" : "");
	snprintf(to, sizeof(to), "%s/cpuset.sched_load_balance", path);
	if (read_at(dirfd, from, buf, sizeof(buf)) > 0 && buf[0] == '1' && (r = write_at(dirfd, to, "0")) < 0)
		return r;
	for (int i = 0; i < 2; i++) {
		const char *f = i ? "cpuset.mems" : "cpuset.cpus";

		snprintf(from, sizeof(from), "%s%s%s", parent, *parent ? "/" : "", f);
		snprintf(to, sizeof(to), "%s/%s", path, f);
		if ((r = copy_at(dirfd, from, to)) < 0)
			return r;
	}
	return 0;
}

/* Each missing component made as root; a new v1 cpuset gets its cpus and mems as cgmd gives them. */
int mkdir_p_at(const struct hier *h, const char *path)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf;; p++)
		if (*p == '/' || !*p) {
			char c = *p;
			int r;

			*p = '\0';
			if (mkdirat(h->fd, buf, 0755) == 0) {
				if ((r = init_cpuset_at(h, h->fd, buf)) < 0)
					return r;
			} else if (errno != EEXIST) {
				return -errno;
			}
			if (!c)
				return 0;
			*p = c;
		}
}

int mkdir_as_at(const struct hier *h, int dirfd, const char *path, uid_t uid, gid_t gid)
{
	int r;

	setfsgid(gid);
	setfsuid(uid);
	r = mkdirat(dirfd, path, 0755) < 0 ? -errno : 0;
	setfsuid(0);
	setfsgid(0);
	return r < 0 ? r : init_cpuset_at(h, dirfd, path);
}

int mkdir_as_all(const char *path, uid_t uid, gid_t gid)
{
	int r = 0;

	/* One switch of the filesystem ids for every hierarchy, as cgmd makes a session. */
	setfsgid(gid);
	setfsuid(uid);
	for (size_t i = 0; i < nhier && r == 0; i++)
		r = mkdirat(hier[i].fd, path, 0755) < 0 ? -errno : 0;
	setfsuid(0);
	setfsgid(0);
	for (size_t i = 0; i < nhier && r == 0; i++)
		r = init_cpuset_at(&hier[i], hier[i].fd, path);
	return r;
}

int rmdir_at(int dirfd, const char *path)
{
	/* A process that just left (or exited) can keep a cgroup busy for a moment. */
	for (int i = 0; i < 1000; i++) {
		if (unlinkat(dirfd, path, AT_REMOVEDIR) == 0 || errno == ENOENT)
			return 0;
		if (errno != EBUSY)
			return -errno;
		usleep(100);
	}
	return -EBUSY;
}

/* Moves every process in dir (relative to dirfd) back to the sandbox. */
static void evacuate(int dirfd, const char *dir)
{
	char procs[600], buf[4096];
	ssize_t n;
	int fd;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	if ((fd = openat(dirfd, procs, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	while ((n = read(fd, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		for (char *p = buf, *end; *p; p = end) {
			long pid = strtol(p, &end, 10);

			if (end == p)
				break;
			if (pid > 0)
				write_pid_at(dirfd, "", (pid_t)pid);
		}
	}
	close(fd);
}

static void remove_below(int dirfd, const char *path)
{
	char child[600];
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	/* Processes left by a failed run go back to the sandbox; they are ours and die with the benchmark. */
	evacuate(dirfd, path);
	while ((e = readdir(d)))
		if (e->d_type == DT_DIR && strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
			remove_below(dirfd, child);
		}
	closedir(d);
	rmdir_at(dirfd, path);
}

void remove_tree_all(const char *path)
{
	for (size_t i = 0; i < nhier; i++)
		remove_below(hier[i].fd, path);
}

bool exists_any(const char *path)
{
	for (size_t i = 0; i < nhier; i++)
		if (faccessat(hier[i].fd, path, F_OK, 0) == 0)
			return true;
	return false;
}

/*
 * A removal made elsewhere (by cgmd) is waited for on inotify, not by
 * looking at the path every few microseconds: such looks walk the same
 * kernfs directories as the rmdirs they wait for.  The kernel reports an
 * rmdir to a watch on the parent's inode whichever mount it came through,
 * cgmd's private one included.  Events the floor's own rmdirs left are
 * read and dropped when the next watch is set.
 */
static int removal_ifd = -1;

void watch_removal(const char *path)
{
	char buf[4096], parent[PATH_MAX], *slash;

	if (removal_ifd < 0 && (removal_ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) < 0)
		return;
	while (read(removal_ifd, buf, sizeof(buf)) > 0)
		;
	snprintf(parent, sizeof(parent), "%s", path);
	if ((slash = strrchr(parent, '/')))
		*slash = '\0';
	else
		parent[0] = '\0';
	for (size_t i = 0; i < nhier; i++) {
		char where[PATH_MAX + 32];

		snprintf(where, sizeof(where), "/proc/self/fd/%d/%s", hier[i].fd, parent);
		inotify_add_watch(removal_ifd, where, IN_DELETE | IN_ONLYDIR);
	}
}

int wait_gone(const char *path)
{
	uint64_t deadline = now_ns() + 5000000000ULL;
	char buf[4096];

	for (size_t i = 0; i < nhier; i++)
		while (faccessat(hier[i].fd, path, F_OK, 0) == 0) {
			struct pollfd ready = {.fd = removal_ifd, .events = POLLIN};

			if (now_ns() > deadline) {
				fprintf(stderr, "cgm-bench: %s:%s was not removed\n", hier[i].name, path);
				return -1;
			}
			/* Without a watch (none could be set) this is a look every millisecond. */
			if (poll(&ready, 1, 1) > 0)
				while (read(removal_ifd, buf, sizeof(buf)) > 0)
					;
		}
	return 0;
}

/*
 * The unified hierarchy last: a process that exits leaves every hierarchy
 * at once, and cgmd, told by the unified cgroup.events that a session
 * emptied, removes the session's v1 cgroups right then; a process that left
 * unified first would still hold the v1 ones, which then wait for the
 * daemon's periodic sweep.
 */
int move_home(pid_t pid)
{
	int r = 0;

	for (size_t i = nhier; i-- > 0;)
		if (write_pid_at(hier[i].fd, "", pid) < 0)
			r = -1;
	return r;
}

pid_t spawn_sleeper(int *ret_pidfd)
{
	pid_t pid = fork();

	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	if (pid > 0 && ret_pidfd)
		*ret_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	return pid;
}

void reap(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* /proc/<cgmd>/<file> into buf, NUL-terminated; false when it cannot be read. */
static bool read_cgmd_proc(const char *file, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)opt.cgmd_pid, file);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

long cgmd_rss_kib(void)
{
	char buf[4096], *p;

	if (!read_cgmd_proc("status", buf, sizeof(buf)))
		return -1;
	p = strstr(buf, "VmRSS:");
	return p ? strtol(p + 6, NULL, 10) : -1;
}

/*
 * cgmd's CPU time so far: the sum over its threads of the scheduler's own
 * count (/proc/<pid>/task/<tid>/schedstat, in nanoseconds).  utime and
 * stime count whole clock ticks (10 ms here), too coarse for the idle row
 * of scenario 4, where one tick in its 4 s window read as 2.5 ms/s; they
 * are the fallback on a kernel without schedstat.
 */
double cgmd_cpu_ms(void)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0, ns = 0;
	bool counted = false;
	struct dirent *e;
	DIR *tasks;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)opt.cgmd_pid);
	if ((tasks = opendir(path))) {
		while ((e = readdir(tasks)))
			if (e->d_name[0] != '.') {
				char file[32 + sizeof(e->d_name)];

				snprintf(file, sizeof(file), "task/%s/schedstat", e->d_name);
				if (read_cgmd_proc(file, buf, sizeof(buf)) && sscanf(buf, "%llu", &ut) == 1) {
					ns += ut;
					counted = true;
				}
			}
		closedir(tasks);
		if (counted)
			return (double)ns / 1e6;
	}
	/* After the command's closing parenthesis: state, then fields 4..13, then utime and stime. */
	if (!read_cgmd_proc("stat", buf, sizeof(buf)) || !(p = strrchr(buf, ')')) ||
	    sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return -1;
	return (double)(ut + st) * 1000.0 / (double)sysconf(_SC_CLK_TCK);
}

/* --- the login cycle, through cgmd and directly ------------------------------------------ */

int login_cycle_cgm(struct cgm *conn, const char *user, int pidfd)
{
	char *session = NULL;
	int r;

	r = cgm_open_session(conn, "all", user, user_uid, user_gid, pidfd, &session);
	if (r == 0)
		r = cgm_move_pidfd(conn, "all", "", pidfd);
	if (r == 0)
		r = cgm_remove(conn, "all", session, 0);
	free(session);
	return r < 0 ? r : 0;
}

int floor_open(const char *user, const char *session, pid_t pid)
{
	int r = 0;

	for (size_t i = 0; i < nhier && r == 0; i++)
		if ((r = mkdir_p_at(&hier[i], user)) == 0)
			r = delegate_at(&hier[i], hier[i].fd, user, user_uid, user_gid);
	if (r == 0)
		r = mkdir_as_all(session, user_uid, user_gid);
	for (size_t i = 0; i < nhier && r == 0; i++)
		r = write_pid_at(hier[i].fd, session, pid);
	return r;
}

int login_cycle_floor(const char *user, pid_t pid)
{
	char session[160];
	int r;

	snprintf(session, sizeof(session), "%s/1", user);
	r = floor_open(user, session, pid);
	if (r == 0)
		r = move_home(pid);
	for (size_t i = 0; i < nhier; i++)
		if (rmdir_at(hier[i].fd, session) < 0 && r == 0)
			r = -EBUSY;
	return r;
}

/* --- hierarchies ------------------------------------------------------------------------ */

static bool is_controller(const char *name)
{
	FILE *f = fopen("/proc/cgroups", "re");
	char line[256], ctl[64];
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		if (line[0] != '#' && sscanf(line, "%63s", ctl) == 1 && strcmp(ctl, name) == 0)
			found = true;
	if (f)
		fclose(f);
	return found;
}

/* Whether this process is in the cgroup of dirfd itself (not below, not elsewhere). */
static bool holds_self(int dirfd)
{
	char buf[16384];
	int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
	size_t len = 0;
	ssize_t n;
	bool found = false;

	if (fd < 0)
		return false;
	while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0 && len + (size_t)n < sizeof(buf) - 1)
		len += (size_t)n;
	close(fd);
	buf[len] = '\0';
	for (char *p = buf, *end; *p && !found; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		found = pid == (long)getpid();
	}
	return found;
}

/*
 * The hierarchies as mounted here.  Each mount's root must be this
 * process's own cgroup (the sandbox, as the namespace root): the floor and
 * pam_cgfs work at the top of these mounts.  Anything else stops the run.
 */
static int discover(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char *line = NULL;
	size_t len = 0;

	if (!f)
		return -1;
	while (getline(&line, &len, f) > 0 && nhier < MAX_HIER) {
		char root[256], mnt[256], fstype[32], superopts[512], *dash = strstr(line, " - ");
		struct hier h = {.fd = -1};

		if (!dash || sscanf(line, "%*s %*s %*s %255s %255s", root, mnt) != 2 ||
		    sscanf(dash + 3, "%31s %*s %511s", fstype, superopts) != 2)
			continue;
		if (strcmp(fstype, "cgroup2") == 0) {
			h.v2 = true;
			snprintf(h.name, sizeof(h.name), "unified");
		} else if (strcmp(fstype, "cgroup") == 0) {
			for (char *save = NULL, *o = strtok_r(superopts, ",", &save); o; o = strtok_r(NULL, ",", &save))
				if (strncmp(o, "name=", 5) == 0 || is_controller(o)) {
					size_t l = strlen(h.name);

					snprintf(h.name + l, sizeof(h.name) - l, "%s%s", l ? "," : "", o);
					if (strcmp(o, "cpuset") == 0)
						h.cpuset = true;
				}
			if (!h.name[0])
				continue;
		} else {
			continue;
		}
		snprintf(h.mnt, sizeof(h.mnt), "%s", mnt);
		snprintf(h.root, sizeof(h.root), "%s", root);
		/* A later mount on the same place hides the earlier one (the host's, under our tmpfs). */
		for (size_t i = 0; i < nhier; i++)
			if (strcmp(hier[i].mnt, mnt) == 0 || strcmp(hier[i].name, h.name) == 0) {
				memmove(&hier[i], &hier[i + 1], (nhier - i - 1) * sizeof(hier[0]));
				nhier--;
				break;
			}
		/* The unified hierarchy first: it empties last (move_home) and so is the one to wait for first. */
		if (h.v2) {
			memmove(&hier[1], &hier[0], nhier * sizeof(hier[0]));
			hier[0] = h;
		} else {
			hier[nhier] = h;
		}
		nhier++;
	}
	free(line);
	fclose(f);
	for (size_t i = 0; i < nhier; i++) {
		struct hier *h = &hier[i];

		h->fd = open(h->mnt, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (h->fd < 0 || strcmp(h->root, "/") != 0 || !holds_self(h->fd)) {
			fprintf(stderr,
				"cgm-bench: %s on %s (root %s) is not rooted at this process's cgroup; refusing to "
				"run\n",
				h->name, h->mnt, h->root);
			exit(1);
		}
	}
	return nhier ? 0 : -1;
}

/*
 * Refuses to run anywhere but inside the namespaces run-bench.sh makes:
 * the floor and pam_cgfs work at the root of each mount, which must be the
 * sandbox, never the host's real root.
 */
static int check_sandboxed(void)
{
	char buf[4096];
	FILE *f = fopen("/proc/self/cgroup", "re");
	bool ok = f != NULL;

	while (f && fgets(buf, sizeof(buf), f)) {
		char *path = strchr(buf, ':');

		path = path ? strchr(path + 1, ':') : NULL;
		if (!path || strcmp(path + 1, "/\n") != 0)
			ok = false;
	}
	if (f)
		fclose(f);
	if (ok) {
		struct stat mine, cgmd;
		char path[64];

		snprintf(path, sizeof(path), "/proc/%d/ns/cgroup", (int)opt.cgmd_pid);
		ok = stat("/proc/self/ns/cgroup", &mine) == 0 && stat(path, &cgmd) == 0 && mine.st_ino != cgmd.st_ino;
	}
	if (!ok) {
		fprintf(stderr,
			"cgm-bench: run me through run-bench.sh (make bench): I must sit at the root of a\n"
			"cgroup namespace of my own, with the hierarchies mounted again in my mount namespace\n");
		return -1;
	}
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: cgm-bench --socket PATH --cgmd-pid PID --pam-cgm SO --user NAME --workdir DIR [OPTION]...\n"
		"  --pam-cgfs SO     pam_cgfs.so to compare with (left out without it)\n"
		"  --cgmd-pid PID    the daemon behind --socket (for the memory scenario)\n"
		"  --only LIST       scenarios to run (1 login, 2 request, 3 throughput, 4 scale, 5 memory);\n"
		"                    what a system call costs (0) is always printed first\n"
		"  --quick           a tenth of the iterations\n"
		"  --json FILE       also write the results as JSON (- for stdout)\n");
}

static bool wanted(int n)
{
	char c = (char)('0' + n);

	return !opt.only || strchr(opt.only, c);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"pam-cgm", required_argument, NULL, 'p'},
		{"pam-cgfs", required_argument, NULL, 'c'},
		{"user", required_argument, NULL, 'u'},
		{"workdir", required_argument, NULL, 'w'},
		{"cgmd-pid", required_argument, NULL, 'f'},
		{"only", required_argument, NULL, 'o'},
		{"quick", no_argument, NULL, 'q'},
		{"json", required_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct passwd *pw;
	int o;

	while ((o = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (o) {
		case 's':
			opt.socket = optarg;
			break;
		case 'p':
			opt.pam_cgm = optarg;
			break;
		case 'c':
			opt.pam_cgfs = *optarg ? optarg : NULL;
			break;
		case 'u':
			opt.user = optarg;
			break;
		case 'w':
			opt.workdir = optarg;
			break;
		case 'f':
			opt.cgmd_pid = (pid_t)atoi(optarg);
			break;
		case 'o':
			opt.only = optarg;
			break;
		case 'q':
			opt.scale = 0.1;
			break;
		case 'j':
			opt.json = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!opt.socket || !opt.pam_cgm || !opt.user || !opt.workdir || opt.cgmd_pid <= 0) {
		usage(stderr);
		return 2;
	}
	if (!(pw = getpwnam(opt.user))) {
		fprintf(stderr, "cgm-bench: no user %s\n", opt.user);
		return 1;
	}
	user_uid = pw->pw_uid;
	user_gid = pw->pw_gid;
	if (check_sandboxed() < 0 || discover() < 0)
		return 1;
	load_delegate_files();
	/* Timer slack would round every short wait up to 50 µs. */
	prctl(PR_SET_TIMERSLACK, 1UL);
	signal(SIGPIPE, SIG_IGN);
	printf("cgm-bench: %zu hierarchies:", nhier);
	for (size_t i = 0; i < nhier; i++)
		printf(" %s", hier[i].name);
	printf("\n");

	memory_idle();
	machine_costs();
	if (wanted(1))
		scenario_login();
	if (wanted(2))
		scenario_request();
	if (wanted(3))
		scenario_throughput();
	if (wanted(4))
		scenario_scale();
	if (wanted(5))
		scenario_memory();
	print_table();
	if (opt.json)
		write_json(opt.json);
	return 0;
}
