/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Closing many descriptors at once.  A request opens a cgroup on every
 * hierarchy (ten on a hybrid host) and the kernel hands out the lowest free
 * numbers, so a request's descriptors mostly sit side by side: each run of
 * consecutive numbers goes with one close_range() instead of one close()
 * per descriptor, which matters where a system call costs microseconds.
 */
#pragma once

#include <stddef.h>

/*
 * Closes every descriptor in fds[0..n) that is >= 0; fds is sorted in
 * place.  Every one must be the caller's own: a run's range holds only
 * numbers from the array, so no other thread's descriptor is touched.
 * A number given twice is closed once.
 */
void fds_close(int *fds, size_t n);
