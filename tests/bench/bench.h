/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgm-bench: what a login and a request cost through cgm, against the
 * kernel floor and the alternatives.  Shared pieces: the hierarchies as
 * this process sees them (each mount's root is the benchmark's sandbox,
 * see run-bench.sh), the direct cgroupfs operations that make up the
 * floor, timing, the alternating runner and the result table.
 */
#ifndef CGM_BENCH_H
#define CGM_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MAX_HIER 16

struct hier {
	char name[64]; /* as cgmd names it: "memory", "cpu", "name=systemd", "unified" */
	char mnt[256];
	char root[256]; /* the mount's root as mountinfo shows it: must be "/" */
	bool v2;
	bool cpuset;
	int fd; /* the mount's root: the sandbox */
};

struct options {
	const char *socket;
	const char *pam_cgm;  /* path of pam_cgm.so */
	const char *pam_cgfs; /* path of pam_cgfs.so, NULL to leave it out */
	const char *user;
	const char *workdir; /* private: PAM service files, the echo server's socket */
	pid_t cgmd_pid;
	double scale;	  /* multiplies iteration counts (--quick: 0.1) */
	const char *json; /* write the results as JSON here ("-": stdout) */
	const char *only; /* comma-separated scenario numbers */
};

extern struct options opt;
extern struct hier hier[MAX_HIER];
extern size_t nhier;
extern uid_t user_uid;
extern gid_t user_gid;

/* --- timing and results --- */

uint64_t now_ns(void);
int iterations(int n); /* n scaled by --quick, at least 3 */

struct series {
	double *v; /* microseconds */
	size_t n, cap;
	unsigned errors;
};
void series_add(struct series *s, double us);
double series_quantile(struct series *s, double q);
void series_free(struct series *s);

/* One contender of an alternating comparison: run() does one timed operation, 0 or -1. */
struct contender {
	const char *name;
	int (*run)(void *ctx);
	void *ctx;
	const double *self_us;	/* when set, run() timed itself (µs) and left the time here */
	const double *first_us; /* and, when set, the first of the two parts it timed (a login's open half) */
	struct series s, first, second; /* the times; with first_us, also each part's */
};

/*
 * Runs every contender `iters` times, alternating them (the first one of
 * each round rotates), after `warmup` untimed rounds; stops a contender
 * after 10 errors.
 */
void alternate(struct contender *c, size_t n, int iters, int warmup);

/* A result row; ratio is median / the baseline's median (0: none). */
void result_series(const char *scenario, const char *what, const struct contender *c, const struct contender *base);
void result_value(const char *scenario, const char *what, const char *who, double value, const char *unit, double ratio,
		  unsigned errors);
void result_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* --- the floor: direct cgroupfs work (0 or -errno) --- */

int write_at(int dirfd, const char *file, const char *value);
int write_pid_at(int dirfd, const char *dir, pid_t pid); /* dir "" : dirfd itself */
int mkdir_p_at(const struct hier *h, const char *path); /* root-owned, EEXIST is fine */
int delegate_at(const struct hier *h, int dirfd, const char *path, uid_t uid, gid_t gid);
/* mkdir as uid/gid (owned by them with every file), plus cpuset.cpus/mems on v1 cpuset. */
int mkdir_as_at(const struct hier *h, int dirfd, const char *path, uid_t uid, gid_t gid);
/* path made in every hierarchy as uid/gid, switching the filesystem ids once (as cgmd's OpenSession). */
int mkdir_as_all(const char *path, uid_t uid, gid_t gid);
int rmdir_at(int dirfd, const char *path);
/* A small file into buf, NUL-terminated: its length, or -errno. */
ssize_t read_at(int dirfd, const char *file, char *buf, size_t size);
int copy_at(int dirfd, const char *from, const char *to); /* a small file's content into another */
/* Removes path and everything below it in every hierarchy, moving any process found to the sandbox. */
void remove_tree_all(const char *path);
/* Whether path exists in any hierarchy. */
bool exists_any(const char *path);
/* Off the clock, before a removal wait_gone waits for: watches the parent of path in every hierarchy. */
void watch_removal(const char *path);
/* Waits (up to 5 s) until path is gone in every hierarchy; 0 or -1. */
int wait_gone(const char *path);
/* Moves pid to the sandbox (the root of every mount). */
int move_home(pid_t pid);

/* A child that sleeps until killed; its pid, and a pidfd in *ret_pidfd. */
pid_t spawn_sleeper(int *ret_pidfd);
void reap(pid_t pid);

/* The scenarios, after what a system call costs here (printed first). */
void machine_costs(void);
void scenario_login(void);
void scenario_request(void);
void scenario_throughput(void);
void scenario_scale(void);
void memory_idle(void); /* first thing, before any other scenario */
void scenario_memory(void);

/* cgmd's resident set in KiB, from /proc/<pid>/status. */
long cgmd_rss_kib(void);
/* The CPU time cgmd has used so far (user and system), in ms, from /proc/<pid>/stat. */
double cgmd_cpu_ms(void);

/*
 * One login cycle of the process behind pidfd/pid, in `user` (made if
 * missing, delegated to the benchmark's user), session "<user>/<n>":
 * through cgmd (OpenSession, MovePidfd back, Remove; errors in
 * cgm_errmsg(conn)) or directly (the same mkdirs, chowns, pid writes and
 * rmdirs: the floor).  0 or negative.
 */
struct cgm;
int login_cycle_cgm(struct cgm *conn, const char *user, int pidfd);
int login_cycle_floor(const char *user, pid_t pid);
/* The floor's open: user made and delegated in every hierarchy, session made as the user, pid moved in. */
int floor_open(const char *user, const char *session, pid_t pid);

/* Keep the echo server's process out of the way: forked before anything else. */
int echo_server_start(const char *path);
void echo_server_stop(void);

#endif
