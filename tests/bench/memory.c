/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Scenario 5, memory: cgmd's resident set idle (the benchmark's first
 * measurement, right after the daemon started; the rest runs last), after 100,000 requests
 * on one connection (against the set after a warm-up of 2,000: it must
 * not grow) and after 100,000 more, with 1,000 clients connected at once
 * and after they left.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "bench.h"
#include "cgm.h"

#define CLIENTS 1000

/* One request of a mix of the cheap ones, different each time. */
static int request(struct cgm *conn, int i)
{
	char *s = NULL, **v = NULL;
	int r;

	switch (i % 4) {
	case 0:
		return cgm_ping(conn);
	case 1:
		r = cgm_get_value(conn, "pids", "", "pids.max", &s);
		break;
	case 2:
		r = cgm_get_pid_cgroup(conn, "all", getpid(), &s);
		break;
	default:
		r = cgm_list_children(conn, "all", "", &v);
		cgm_strv_free(v);
		break;
	}
	free(s);
	return r;
}

static long idle = -1;

void memory_idle(void)
{
	idle = cgmd_rss_kib();
}

void scenario_memory(void)
{
	long warm, after, again, many, left;
	struct cgm **conns;
	struct rlimit rl;
	struct cgm *conn;
	unsigned errors = 0;
	int n = opt.scale < 1 ? 10000 : 100000, connected = 0;

	printf("\n5. cgmd memory\n");
	if (idle < 0) {
		result_note("scenario 5 skipped: no /proc/<pid>/status of cgmd");
		return;
	}
	result_value("5 memory", "resident idle", "cgmd", idle / 1024.0, "MiB", 0, 0);
	if (!(conn = cgm_connect(opt.socket, NULL))) {
		result_note("scenario 5: %s", cgm_errmsg(NULL));
		return;
	}
	for (int i = 0; i < 2000; i++)
		errors += request(conn, i) < 0;
	warm = cgmd_rss_kib();
	for (int i = 0; i < n; i++)
		errors += request(conn, i) < 0;
	after = cgmd_rss_kib();
	for (int i = 0; i < n; i++)
		errors += request(conn, i) < 0;
	again = cgmd_rss_kib();
	cgm_disconnect(conn);
	result_value("5 memory", "resident after 2,000 requests", "cgmd", warm / 1024.0, "MiB", 0, 0);
	result_value("5 memory", "resident after 100,000 more", "cgmd", after / 1024.0, "MiB", 0, errors);
	result_value("5 memory", "growth over 100,000 requests", "cgmd", (double)(after - warm), "KiB", 0, 0);
	/*
	 * A leak grows the set again over the next ones; pages the heap gave
	 * back earlier (after a crowd of clients left) and takes again do not.
	 */
	result_value("5 memory", "growth over the next 100,000", "cgmd", (double)(again - after), "KiB", 0, 0);

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	conns = calloc(CLIENTS, sizeof(*conns));
	for (int i = 0; conns && i < CLIENTS; i++)
		if ((conns[i] = cgm_connect(opt.socket, NULL)) && cgm_ping(conns[i]) == 0)
			connected++;
	/* Each connection has made a request, so the daemon has set up all it keeps per client. */
	many = cgmd_rss_kib();
	for (int i = 0; conns && i < CLIENTS; i++)
		cgm_disconnect(conns[i]);
	free(conns);
	/* Let the daemon see the hang-ups. */
	if (!(conn = cgm_connect(opt.socket, NULL)) || cgm_ping(conn) < 0)
		errors++;
	cgm_disconnect(conn);
	left = cgmd_rss_kib();
	result_value("5 memory", "resident with 1,000 clients connected", "cgmd", many / 1024.0, "MiB", 0,
		     (unsigned)(CLIENTS - connected));
	result_value("5 memory", "resident after they left", "cgmd", left / 1024.0, "MiB", 0, 0);
}
