/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fds_close: every descriptor given is closed, in any order, with
 * repeats and -1s among them, and a descriptor in a gap between the given
 * ones (another thread's) stays open.
 */
#include "config.h"

#include <fcntl.h>
#include <stdbool.h>
#include <unistd.h>

#include "fds.h"
#include "tap.h"

static bool is_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

int main(void)
{
	int fd[8], given[10], n = 0, null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	bool free_numbers = true;

	/* Numbers side by side, well above whatever the test inherited. */
	for (int i = 0; i < 8; i++)
		free_numbers = free_numbers && !is_open(200 + i);
	ok(free_numbers, "descriptors 200..207 are free");
	for (int i = 0; i < 8; i++)
		fd[i] = dup3(null, 200 + i, O_CLOEXEC);
	close(null);
	/* fd[3] and fd[6] are someone else's: the runs are fd[0..2], fd[4..5] and fd[7]. */
	given[n++] = fd[5];
	given[n++] = -1;
	given[n++] = fd[0];
	given[n++] = fd[2];
	given[n++] = fd[7];
	given[n++] = fd[1];
	given[n++] = fd[4];
	given[n++] = fd[2]; /* a repeat */
	given[n++] = -1;
	fds_close(given, (size_t)n);
	for (int i = 0; i < 8; i++)
		if (i == 3 || i == 6)
			ok(is_open(fd[i]), "descriptor %d, not given, is still open", fd[i]);
		else
			ok(!is_open(fd[i]), "descriptor %d is closed", fd[i]);
	close(fd[3]);
	close(fd[6]);

	fds_close(given, 0);
	given[0] = -1;
	fds_close(given, 1);
	ok(true, "nothing, or only -1, to close is no error");

	given[0] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	fds_close(given, 1);
	ok(!is_open(given[0]), "a single descriptor is closed");
	return tap_done();
}
