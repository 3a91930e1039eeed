/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A fixed pool of threads that runs work handed over by the main loop and
 * hands it back: run() on a worker, then done() on the main thread when
 * it collects.  The pool knows nothing of D-Bus or cgroups; server.c uses
 * it so that the filesystem work of requests from different clients runs
 * on every CPU while the main loop goes on reading and writing sockets.
 */
#pragma once

#include <stdbool.h>

#include "failure.h"

struct work {
	void (*run)(struct work *w);  /* on a worker thread */
	void (*done)(struct work *w); /* on the main thread, in workers_collect */
	struct work *next;	      /* the pool's */
};

struct workers;

/* Starts n threads (n >= 1). */
int workers_new(unsigned n, struct workers **ret, struct failure *err);

/* Queues w; run() starts on the first free thread, in the order submitted. */
void workers_submit(struct workers *pool, struct work *w);

/* Readable while finished work waits for workers_collect. */
int workers_fd(const struct workers *pool);

/* Calls done() of every finished work item, in the main thread. */
void workers_collect(struct workers *pool);

/* Whether nothing is queued or running now. */
bool workers_idle(struct workers *pool);

/* Waits until nothing is queued or running (finished work may still wait to be collected). */
void workers_wait_idle(struct workers *pool);

/* Waits for what was submitted, collects it, and stops the threads. */
void workers_free(struct workers *pool);

/* How many threads to start when not told: one per online CPU, at most 8. */
unsigned workers_default_count(void);
