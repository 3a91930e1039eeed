/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The worker threads (see workers.h). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "workers.h"

#define WORKERS_MAX 8

struct workers {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* work queued, or stopping */
	pthread_cond_t idle; /* nothing queued or running */
	struct work *head, *tail; /* queued, oldest first */
	struct work *finished;	  /* for workers_collect, newest first */
	unsigned running;
	bool stopping;
	int event_fd;
	pthread_t *threads;
	unsigned nthreads;
};

static void signal_finished(struct workers *pool)
{
	uint64_t one = 1;

	/* Fails only when the counter is full, and then it is readable anyway. */
	(void)!write(pool->event_fd, &one, sizeof(one));
}

static void *worker_main(void *data)
{
	struct workers *pool = data;

	pthread_mutex_lock(&pool->lock);
	for (;;) {
		struct work *w;

		while (!pool->head && !pool->stopping)
			pthread_cond_wait(&pool->wake, &pool->lock);
		if (!pool->head)
			break;
		w = pool->head;
		pool->head = w->next;
		if (!pool->head)
			pool->tail = NULL;
		pool->running++;
		pthread_mutex_unlock(&pool->lock);

		w->run(w);

		pthread_mutex_lock(&pool->lock);
		w->next = pool->finished;
		pool->finished = w;
		pool->running--;
		signal_finished(pool);
		if (!pool->head && pool->running == 0)
			pthread_cond_broadcast(&pool->idle);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

unsigned workers_default_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > WORKERS_MAX ? WORKERS_MAX : (unsigned)n;
}

int workers_new(unsigned n, struct workers **ret, struct failure *err)
{
	struct workers *pool = calloc(1, sizeof(*pool));
	int e;

	if (!pool || !(pool->threads = calloc(n ? n : 1, sizeof(*pool->threads)))) {
		free(pool);
		return failf(err, FAIL_FAILED, "out of memory starting the worker threads");
	}
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->wake, NULL);
	pthread_cond_init(&pool->idle, NULL);
	pool->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (pool->event_fd < 0) {
		fail_errno(err, errno, "eventfd for the worker threads");
		workers_free(pool);
		return -1;
	}
	for (; pool->nthreads < n; pool->nthreads++)
		if ((e = pthread_create(&pool->threads[pool->nthreads], NULL, worker_main, pool)) != 0) {
			fail_errno(err, e, "cannot start worker thread %u", pool->nthreads + 1);
			workers_free(pool);
			return -1;
		}
	*ret = pool;
	return 0;
}

void workers_submit(struct workers *pool, struct work *w)
{
	w->next = NULL;
	pthread_mutex_lock(&pool->lock);
	if (pool->tail)
		pool->tail->next = w;
	else
		pool->head = w;
	pool->tail = w;
	pthread_cond_signal(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
}

int workers_fd(const struct workers *pool)
{
	return pool->event_fd;
}

void workers_collect(struct workers *pool)
{
	struct work *list, *older = NULL;
	uint64_t count;

	(void)!read(pool->event_fd, &count, sizeof(count));
	pthread_mutex_lock(&pool->lock);
	list = pool->finished;
	pool->finished = NULL;
	pthread_mutex_unlock(&pool->lock);
	/* Oldest first, as they finished. */
	while (list) {
		struct work *next = list->next;

		list->next = older;
		older = list;
		list = next;
	}
	while (older) {
		struct work *next = older->next;

		older->done(older);
		older = next;
	}
}

bool workers_idle(struct workers *pool)
{
	bool idle;

	pthread_mutex_lock(&pool->lock);
	idle = !pool->head && pool->running == 0;
	pthread_mutex_unlock(&pool->lock);
	return idle;
}

void workers_wait_idle(struct workers *pool)
{
	pthread_mutex_lock(&pool->lock);
	while (pool->head || pool->running)
		pthread_cond_wait(&pool->idle, &pool->lock);
	pthread_mutex_unlock(&pool->lock);
}

void workers_free(struct workers *pool)
{
	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->wake);
	pthread_mutex_unlock(&pool->lock);
	/* A stopping thread still takes what is queued: everything submitted is run. */
	for (unsigned i = 0; i < pool->nthreads; i++)
		pthread_join(pool->threads[i], NULL);
	if (pool->event_fd >= 0) {
		workers_collect(pool);
		close(pool->event_fd);
	}
	pthread_cond_destroy(&pool->idle);
	pthread_cond_destroy(&pool->wake);
	pthread_mutex_destroy(&pool->lock);
	free(pool->threads);
	free(pool);
}
