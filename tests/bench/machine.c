/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a system call costs on this machine, printed before the scenarios.
 * cgmd's ratios to the floor track how many system calls each side makes
 * per operation, and a call's fixed cost differs a lot between machines
 * (a paravirtualized guest pays far more per kernel entry than bare metal
 * does), so a table means little without it.  Two measures, as medians of
 * batches: a call that does no work (getppid), and an open and close of a
 * cgroup interface file beneath a held directory fd (what every cgroupfs
 * step costs at least).
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "bench.h"

#define BATCH 2000

static int null_call(void)
{
	return syscall(SYS_getppid) > 0 ? 0 : -1;
}

static int open_close(void)
{
	int fd = openat(hier[0].fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

/* Median microseconds of one call of fn, over batches of BATCH calls. */
static double per_call_us(int (*fn)(void))
{
	struct series s = {0};
	double median;

	for (int b = 0; b < iterations(21); b++) {
		uint64_t t0 = now_ns();
		int r = 0;

		for (int i = 0; i < BATCH && r == 0; i++)
			r = fn();
		if (r == 0)
			series_add(&s, (double)(now_ns() - t0) / 1e3 / BATCH);
	}
	median = s.n ? series_quantile(&s, 0.5) : -1;
	series_free(&s);
	return median;
}

void machine_costs(void)
{
	double null_us = per_call_us(null_call), open_us = per_call_us(open_close);

	printf("\n0. this machine: what a system call costs (median of batches of %d)\n", BATCH);
	result_note("a system call that does no work (getppid): %.2f us", null_us);
	result_note("openat + close of cgroup.procs beneath a held directory fd: %.2f us", open_us);
}
