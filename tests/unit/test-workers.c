/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The worker pool (helper/workers.c): work runs on the pool's threads,
 * several at once, and comes back to the thread that collects; the pool's
 * fd says when; waiting for idle and freeing the pool leave nothing
 * unrun or uncollected.
 */
#include "config.h"

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "tap.h"
#include "workers.h"

#define ITEMS 64

static atomic_int in_run, most_at_once, ran;
static pthread_t main_thread;

struct item {
	struct work work;
	pthread_t ran_on;
	bool done, done_on_main;
	int rendezvous; /* run() waits (bounded) for another item to be running too */
};

static void item_run(struct work *w)
{
	struct item *it = (struct item *)w;
	int now = atomic_fetch_add(&in_run, 1) + 1, seen = atomic_load(&most_at_once);

	while (now > seen && !atomic_compare_exchange_weak(&most_at_once, &seen, now))
		;
	it->ran_on = pthread_self();
	/* Up to 2 s for a second item to start: the pool has two threads, so it does unless it runs one at a time. */
	for (int i = 0; it->rendezvous && i < 2000 && atomic_load(&most_at_once) < 2; i++)
		usleep(1000);
	atomic_fetch_add(&ran, 1);
	atomic_fetch_sub(&in_run, 1);
}

static void item_done(struct work *w)
{
	struct item *it = (struct item *)w;

	it->done = true;
	it->done_on_main = pthread_equal(pthread_self(), main_thread);
}

static bool fd_readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, ms) == 1;
}

int main(void)
{
	static struct item items[ITEMS];
	struct workers *pool = NULL;
	struct failure err = {0};
	size_t done = 0, on_main = 0, off_main = 0;

	main_thread = pthread_self();
	ok(workers_default_count() >= 1 && workers_default_count() <= 8, "default count: one per CPU, 1 to 8 (%u)",
	   workers_default_count());
	if (!ok(workers_new(2, &pool, &err) == 0, "a pool of two threads starts (%s)", err.message))
		return tap_done();
	ok(!fd_readable(workers_fd(pool), 0), "nothing finished: the fd is not readable");

	items[0].rendezvous = items[1].rendezvous = 1;
	for (int i = 0; i < ITEMS; i++) {
		items[i].work = (struct work){.run = item_run, .done = item_done};
		workers_submit(pool, &items[i].work);
	}
	ok(fd_readable(workers_fd(pool), 5000), "finished work makes the fd readable");
	workers_wait_idle(pool);
	is_int(atomic_load(&ran), ITEMS, "after waiting for idle every item has run");
	ok(atomic_load(&most_at_once) >= 2, "two items ran at the same time (at most %d did)",
	   atomic_load(&most_at_once));
	for (int i = 0; i < ITEMS; i++)
		done += items[i].done;
	is_int(done, 0, "nothing is done before it is collected");

	workers_collect(pool);
	for (int i = 0; i < ITEMS; i++) {
		on_main += items[i].done && items[i].done_on_main;
		off_main += !pthread_equal(items[i].ran_on, main_thread);
	}
	is_int(on_main, ITEMS, "collect calls every done() on the collecting thread");
	is_int(off_main, ITEMS, "every run() was on a worker thread");
	ok(!fd_readable(workers_fd(pool), 0), "collected: the fd is quiet again");

	/* Freeing runs and collects what is still queued. */
	for (int i = 0; i < ITEMS; i++) {
		items[i] = (struct item){.work = {.run = item_run, .done = item_done}};
		workers_submit(pool, &items[i].work);
	}
	workers_free(pool);
	done = 0;
	for (int i = 0; i < ITEMS; i++)
		done += items[i].done;
	is_int(done, ITEMS, "freeing the pool runs and collects what was submitted");
	is_int(atomic_load(&ran), 2 * ITEMS, "each item ran once");
	return tap_done();
}
