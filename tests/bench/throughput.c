/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scenario 3, throughput: N clients, each a process with one connection
 * to cgmd, doing login cycles as fast as they can for a fixed time
 * (OpenSession of a sleeping child, MovePidfd back, Remove), against N
 * processes doing the same mkdirs, chowns, pid writes and rmdir directly
 * on cgroupfs.  Each worker has its own user cgroup, as concurrent logins
 * of different users would.  What a new connection per login adds is in
 * scenario 1 (pam_cgm connects twice per login).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench.h"
#include "cgm.h"

#define BASE "tp"
/* The floor's own tree: cgmd forgets a v1 remove-on-empty mark only at its next sweep, and such a
 * mark would take a cgroup the floor makes again at the same path. */
#define FLOOR_BASE "tpf"

struct tally {
	unsigned long cycles, errors;
};

static void worker(int w, bool use_cgm, double seconds, int ready_fd, int start_fd, int result_fd)
{
	struct tally t = {0};
	char errbuf[256] = "", byte = 0;
	uint64_t deadline;
	struct cgm *conn = NULL;
	int pidfd = -1;
	pid_t sleeper = spawn_sleeper(&pidfd);

	if (sleeper < 0 || pidfd < 0)
		t.errors++;
	/* Connected before the start: all N connections are open while the clock runs. */
	if (use_cgm && !(conn = cgm_connect(opt.socket, NULL))) {
		fprintf(stderr, "cgm-bench: worker %d: connect: %s\n", w, cgm_errmsg(NULL));
		t.errors++;
		reap(sleeper);
		sleeper = -1;
	}
	(void)!write(ready_fd, &byte, 1);
	(void)!read(start_fd, &byte, 1); /* returns at EOF: the start */
	deadline = now_ns() + (uint64_t)(seconds * 1e9);
	while (sleeper > 0 && now_ns() < deadline) {
		char user[64];
		int r;

		snprintf(user, sizeof(user), "%s/w%d", use_cgm ? BASE : FLOOR_BASE, w);
		r = use_cgm ? login_cycle_cgm(conn, user, pidfd) : login_cycle_floor(user, sleeper);
		if (r < 0) {
			if (use_cgm)
				snprintf(errbuf, sizeof(errbuf), "%s", cgm_errmsg(conn));
			else
				snprintf(errbuf, sizeof(errbuf), "floor: %s", strerror(-r));
			if (t.errors++ == 0)
				fprintf(stderr, "cgm-bench: worker %d: %s\n", w, errbuf);
			move_home(sleeper);
		} else {
			t.cycles++;
		}
	}
	(void)!write(result_fd, &t, sizeof(t));
	cgm_disconnect(conn);
	reap(sleeper);
	_exit(0);
}

/* What one timed run of n workers did. */
struct run {
	double rate; /* cycles per second */
	unsigned long cycles, errors;
	double cgmd_ms; /* CPU time cgmd used meanwhile */
};

static struct run run_workers(int n, bool use_cgm, double seconds)
{
	int ready[2], start[2], result[2];
	pid_t *pids = calloc((size_t)n, sizeof(*pids));
	struct run total = {0};
	uint64_t t0, t1;
	double cpu0;
	char byte;
	int started = 0;

	/* The floor's base made once, before the workers: one making it while another makes its child below
	 * would leave the child a cpuset without cpus. */
	for (size_t i = 0; !use_cgm && i < nhier; i++)
		mkdir_p_at(&hier[i], FLOOR_BASE);
	if (!pids || pipe(ready) < 0 || pipe(start) < 0 || pipe(result) < 0) {
		free(pids);
		return (struct run){.errors = 1};
	}
	fflush(NULL);
	for (int w = 0; w < n; w++) {
		pids[w] = fork();
		if (pids[w] == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			close(ready[0]);
			close(start[1]);
			close(result[0]);
			worker(w, use_cgm, seconds, ready[1], start[0], result[1]);
		}
		if (pids[w] > 0)
			started++;
	}
	close(ready[1]);
	close(start[0]);
	close(result[1]);
	for (int i = 0; i < started && read(ready[0], &byte, 1) == 1; i++)
		;
	cpu0 = cgmd_cpu_ms();
	t0 = now_ns();
	close(start[1]);
	for (int i = 0; i < started; i++) {
		struct tally t;

		if (read(result[0], &t, sizeof(t)) != sizeof(t)) {
			total.errors++;
			continue;
		}
		total.cycles += t.cycles;
		total.errors += t.errors;
	}
	t1 = now_ns();
	total.cgmd_ms = cgmd_cpu_ms() - cpu0;
	for (int w = 0; w < n; w++)
		if (pids[w] > 0)
			waitpid(pids[w], NULL, 0);
	close(ready[0]);
	close(result[0]);
	free(pids);
	total.errors += (unsigned long)(n - started);
	total.rate = (double)total.cycles / ((double)(t1 - t0) / 1e9);
	return total;
}

void scenario_throughput(void)
{
	static const int clients[] = {1, 8, 64, 512};
	double seconds = opt.scale < 1 ? 0.5 : 2.0;
	int rounds = 3;

	printf("\n3. throughput: login cycles per second, %d rounds of %.1f s each, alternating\n", rounds, seconds);
	for (size_t k = 0; k < sizeof(clients) / sizeof(clients[0]); k++) {
		double rate[2] = {0, 0}, cgmd_ms = 0;
		unsigned long errors[2] = {0, 0}, cgm_cycles = 0;
		char what[64];

		for (int round = 0; round < rounds; round++)
			for (int j = 0; j < 2; j++) {
				int which = (round + j) % 2;
				struct run run = run_workers(clients[k], which == 0, seconds);

				rate[which] += run.rate / rounds;
				errors[which] += run.errors;
				if (which == 0) {
					cgm_cycles += run.cycles;
					cgmd_ms += run.cgmd_ms;
				}
			}
		snprintf(what, sizeof(what), "%d clients", clients[k]);
		result_value("3 throughput", what, "cgmd (OpenSession + MovePidfd + Remove)", rate[0], "cycles/s",
			     rate[1] > 0 ? rate[0] / rate[1] : 0, (unsigned)errors[0]);
		result_value("3 throughput", what, "kernel floor", rate[1], "cycles/s", 0, (unsigned)errors[1]);
		/* Where a cycle's time goes: cgmd's share; the rest is the clients' and the kernel's. */
		if (cgm_cycles)
			result_value("3 throughput", what, "cgmd CPU time per cycle",
				     cgmd_ms * 1e3 / (double)cgm_cycles, "us", 0, 0);
		remove_tree_all(BASE);
		remove_tree_all(FLOOR_BASE);
	}
}
