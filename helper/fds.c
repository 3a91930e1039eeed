/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "fds.h"

static int compare_ints(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * ThreadSanitizer (gcc 12) does not intercept close_range: it would take
 * a number closed that way and handed out again on another thread for a
 * race on one descriptor.  Its builds close one at a time.
 */
#if defined(__SANITIZE_THREAD__)
#define USE_CLOSE_RANGE 0
#else
#define USE_CLOSE_RANGE 1
#endif

static void close_run(int first, int last)
{
	if (first == last || !USE_CLOSE_RANGE || close_range((unsigned)first, (unsigned)last, 0) < 0)
		/* One of them, or no close_range (before Linux 5.9, or a seccomp filter that refuses it). */
		for (int fd = first; fd <= last; fd++)
			close(fd);
}

void fds_close(int *fds, size_t n)
{
	size_t i = 0;

	qsort(fds, n, sizeof(*fds), compare_ints);
	while (i < n && fds[i] < 0)
		i++;
	while (i < n) {
		int first = fds[i], last = first;

		/* Extends the run over the next number, and over a repeat of the last one. */
		for (i++; i < n && (fds[i] == last + 1 || fds[i] == last); i++)
			last = fds[i];
		close_run(first, last);
	}
}
