/* SPDX-License-Identifier: ISC */
/* A worker: one thread, one libuv loop, its own listeners, pools and buffers. */

#include <sys/random.h>

#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "accesslog.h"
#include "conn.h"
#include "exchange.h"
#include "stats.h"
#include "backend-conn.h"
#include "util.h"
#include "worker.h"

static void worker_close_all(struct worker *);

char *
worker_buf_get(struct worker *w)
{
	if (w->nfreebufs > 0)
		return w->freebufs[--w->nfreebufs];
	return xmalloc(WORKER_BUFSZ);
}

void
worker_buf_put(struct worker *w, char *b)
{
	if (w->nfreebufs < WORKER_FREEBUFS)
		w->freebufs[w->nfreebufs++] = b;
	else
		free(b);
}

/* xorshift128+: request ids need to be unique, not secret. */
uint64_t
worker_random(struct worker *w)
{
	uint64_t       s1 = w->rng[0];
	const uint64_t s0 = w->rng[1];

	w->rng[0] = s0;
	s1 ^= s1 << 23;
	w->rng[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
	return w->rng[1] + s0;
}

static void
worker_connection_cb(uv_stream_t *server, int status)
{
	struct listener *l = server->data;

	if (status != 0) {
		log_warn("accept: %s", uv_strerror(status));
		return;
	}
	conn_accept(l->w, server, l->tls);
}

static void
worker_drain_cb(uv_idle_t *h)
{
	struct worker *w = h->data;

	conn_tls_drain_all(w);
	if (list_empty(&w->drain))
		uv_idle_stop(&w->drain_idle);
}

void
worker_drain_start(struct worker *w)
{
	if (!w->closing && !uv_is_active((uv_handle_t *)&w->drain_idle))
		uv_idle_start(&w->drain_idle, worker_drain_cb);
}

static void
worker_handle_closed(uv_handle_t *h)
{
	struct worker *w = h->data;

	w->open_handles--;
}

static void
listener_closed(uv_handle_t *h)
{
	struct listener *l = h->data;

	l->w->open_handles--;
}

static void
worker_maybe_done(struct worker *w)
{
	if (w->stopping && w->nconns == 0 && !w->closing)
		worker_close_all(w);
}

static void
worker_async_cb(uv_async_t *a)
{
	struct worker *w = a->data;
	struct config *next;
	struct list   *e, *n;
	int            stop, cut;
	size_t         i;

	pthread_mutex_lock(&w->lock);
	next = w->next_config;
	w->next_config = NULL;
	stop = w->stop_req;
	cut = w->cut_req;
	w->cut_req = 0;
	pthread_mutex_unlock(&w->lock);

	if (next != NULL) {
		config_unref(w->config);
		w->config = next;
	}
	if (cut)
		proxy_cut_tunnels(w);
	if (stop != 0 && !w->stopping) {
		w->stopping = 1;
		for (i = 0; i < w->nlisteners; i++) {
			uv_close((uv_handle_t *)&w->listeners[i].tcp,
			    listener_closed);
		}
		backend_pools_close(w);
		list_for_each_safe (e, n, &w->conns) {
			conn_stop_idle(container_of(e, struct conn, link));
		}
	}
	if (stop == 2) {
		list_for_each_safe (e, n, &w->conns) {
			conn_close(container_of(e, struct conn, link));
		}
	}
	worker_maybe_done(w);
}

/* Close what is left once no connection remains; the loop then ends. */
static void
worker_close_all(struct worker *w)
{
	w->closing = 1;
	backend_pools_close(w);
	accesslog_flush(w);
	timeout_del(&w->timeouts, &w->check);
	w->timeouts.timer.data =
	    w; /* closing: timeouts_fire will not run again */
	timeouts_close(&w->timeouts, worker_handle_closed);
	uv_close((uv_handle_t *)&w->async, worker_handle_closed);
	uv_close((uv_handle_t *)&w->drain_idle, worker_handle_closed);
}

/* A periodic look: a stopping worker ends when its last connection does. */
static void
worker_idle_check(struct timeout *te)
{
	struct worker *w = container_of(te, struct worker, check);

	if (w->closing)
		return;
	/*
	 * Parked TLS connections freed their 2 x 16 KiB record buffers, but
	 * the allocator keeps freed pages until asked: give them back after a
	 * burst of parking (a few ms at most, once a second at most).
	 */
	if (w->parked >= WORKER_TRIM_PARKED) {
		w->parked = 0;
		malloc_trim(0);
	}
	worker_maybe_done(w);
	if (!w->closing)
		timeout_set(&w->timeouts, &w->check, w->stopping ? 100 : 1000,
		    worker_idle_check);
}

int
worker_init(struct worker *w, unsigned id, struct config *cfg, const int *fds,
    size_t nfds, size_t ntls)
{
	size_t i;
	int    error;

	memset(w, 0, sizeof *w);
	w->id = id;
	w->config = config_ref(cfg);
	w->client_cb = &proxy_client_cb;
	w->stats = stats_worker(id);
	pthread_mutex_init(&w->lock, NULL);
	list_init(&w->conns);
	list_init(&w->drain);
	buf_init(&w->logbuf, 0);
	buf_init(&w->logbuf_busy, 0);
	w->freebufs = xcalloc(WORKER_FREEBUFS, sizeof *w->freebufs);
	w->scratch = xmalloc(WORKER_BUFSZ);
	if (getrandom(w->rng, sizeof w->rng, 0) != sizeof w->rng) {
		w->rng[0] = fd_wall_us() ^ ((uint64_t)getpid() << 32);
		w->rng[1] = fd_now_ms() + id;
	}
	w->rng[0] |= 1;

	if ((error = uv_loop_init(&w->loop)) != 0)
		return error;
	w->async.data = w;
	if ((error = uv_async_init(&w->loop, &w->async, worker_async_cb)) != 0)
		return error;
	w->open_handles++;
	if ((error = timeouts_init(&w->timeouts, &w->loop)) != 0)
		return error;
	w->timeouts.timer.data = &w->timeouts;
	w->open_handles++;
	w->drain_idle.data = w;
	if ((error = uv_idle_init(&w->loop, &w->drain_idle)) != 0)
		return error;
	w->open_handles++;

	w->listeners = xcalloc(nfds, sizeof *w->listeners);
	w->nlisteners = nfds;
	for (i = 0; i < nfds; i++) {
		struct listener *l = &w->listeners[i];

		l->w = w;
		l->fd = fds[i];
		l->tls = i >= nfds - ntls; /* the HTTPS sockets come last */
		l->tcp.data = l;
		if ((error = uv_tcp_init(&w->loop, &l->tcp)) != 0)
			return error;
		w->open_handles++;
		if ((error = uv_tcp_open(&l->tcp, fds[i])) != 0)
			return error;
		if ((error = uv_listen((uv_stream_t *)&l->tcp, WORKER_BACKLOG,
		         worker_connection_cb)) != 0)
			return error;
	}
	return 0;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	uv_run(&w->loop, UV_RUN_DEFAULT);
	__atomic_store_n(&w->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

int
worker_start(struct worker *w)
{
	timeout_set(&w->timeouts, &w->check, 1000, worker_idle_check);
	return -pthread_create(&w->thread, NULL, worker_main, w);
}

void
worker_set_config(struct worker *w, struct config *cfg)
{
	struct config *old;

	pthread_mutex_lock(&w->lock);
	old = w->next_config;
	w->next_config = config_ref(cfg);
	pthread_mutex_unlock(&w->lock);
	config_unref(old);
	uv_async_send(&w->async);
}

void
worker_cut_tunnels(struct worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->cut_req = 1;
	pthread_mutex_unlock(&w->lock);
	uv_async_send(&w->async);
}

void
worker_stop(struct worker *w, int force)
{
	pthread_mutex_lock(&w->lock);
	w->stop_req = force ? 2 : 1;
	pthread_mutex_unlock(&w->lock);
	uv_async_send(&w->async);
}

void
worker_join(struct worker *w)
{
	unsigned i;

	pthread_join(w->thread, NULL);
	if (uv_loop_close(&w->loop) != 0)
		log_warn("worker %u: handles left open at exit", w->id);
	backend_pools_free(w);
	while (w->xfree != NULL) {
		struct exchange *x = w->xfree;

		w->xfree = x->next_free;
		x->next_free = NULL;
		exchange_destroy(x);
	}
	for (i = 0; i < w->nfreebufs; i++)
		free(w->freebufs[i]);
	free(w->freebufs);
	free(w->scratch);
	free(w->listeners);
	free(w->rr);
	free(w->tunnels);
	buf_free(&w->logbuf);
	buf_free(&w->logbuf_busy);
	config_unref(w->config);
	config_unref(w->next_config);
	pthread_mutex_destroy(&w->lock);
}
