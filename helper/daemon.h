/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the whole daemon shares beyond the hierarchies: the limits table,
 * when it started and what it has served.  main.c owns it; server.c counts
 * into it; the Status method (status.c) reports it.
 */
#pragma once

#include <stdint.h>

#include "hierarchy.h"
#include "user-limits.h"

struct daemon_state {
	const struct hierarchy_set *set;
	struct limits limits;
	const char *socket_path;
	const char *bus_name;  /* the well-known name on the system bus, or NULL */
	unsigned workers;      /* threads that run requests off the main loop (--workers); 0: none */
	uint64_t started_ms;   /* CLOCK_MONOTONIC */
	unsigned long clients; /* connected to the socket now (the bus connection is not counted) */
	unsigned long long requests;
	unsigned long long refused; /* of those, answered with an error */
};

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t daemon_now_ms(void);
