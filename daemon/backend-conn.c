/* SPDX-License-Identifier: ISC */
/* Backend connections: connecting, reading, and per-worker keep-alive pools. */

#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "parse.h"
#include "stream.h"
#include "backend-conn.h"
#include "util.h"
#include "worker.h"

/* Per-worker pool of idle connections to one backend address. */
struct pool {
	struct pool       *hnext;
	union sockaddr_any addr;
	socklen_t          addrlen;
	char               name[ADDR_STRLEN];
	struct list        idle; /* most recently used first */
	unsigned           nidle;
};

#define POOL_MAX_IDLE 256
#define POOL_IDLE_MS  (60 * 1000)

static void backend_conn_close_cb(uv_handle_t *);

static unsigned
pool_hash(const union sockaddr_any *a)
{
	const unsigned char *p = (const unsigned char *)a;
	size_t               i, n;
	unsigned             h = 2166136261u;

	n = a->sa.sa_family == AF_INET6 ? sizeof a->sin6 : sizeof a->sin;
	for (i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static struct pool *
pool_find(struct worker *w, const struct backend_conf *b)
{
	union sockaddr_any a;
	struct pool       *p;
	unsigned           h, i;
	size_t             n;

	memset(&a, 0, sizeof a);
	n = MIN(b->addr.len, sizeof a);
	memcpy(&a, &b->addr.ss, n);
	h = pool_hash(&a);
	if (w->pools_size != 0) {
		for (p = w->pools[h % w->pools_size]; p != NULL; p = p->hnext) {
			if (memcmp(&p->addr, &a, sizeof a) == 0)
				return p;
		}
	}
	if (w->npools >= w->pools_size * 2) {
		unsigned      nsize = w->pools_size ? w->pools_size * 2 : 16;
		struct pool **nt = xcalloc(nsize, sizeof *nt);

		for (i = 0; i < w->pools_size; i++) {
			while ((p = w->pools[i]) != NULL) {
				w->pools[i] = p->hnext;
				p->hnext = nt[pool_hash(&p->addr) % nsize];
				nt[pool_hash(&p->addr) % nsize] = p;
			}
		}
		free(w->pools);
		w->pools = nt;
		w->pools_size = nsize;
	}
	p = xcalloc(1, sizeof *p);
	list_init(&p->idle);
	p->addr = a;
	p->addrlen = b->addr.len;
	snprintf(p->name, sizeof p->name, "%s", b->name);
	p->hnext = w->pools[h % w->pools_size];
	w->pools[h % w->pools_size] = p;
	w->npools++;
	return p;
}

static void
pool_unlink(struct backend_conn *u)
{
	/* Only an idle connection is counted: nidle bounds the pool. */
	if (!list_linked(&u->link))
		return;
	list_remove(&u->link);
	u->pool->nidle--;
}

static void
backend_conn_timeout(struct timeout *te)
{
	struct backend_conn *u = container_of(te, struct backend_conn, te);

	if (u->cb != NULL)
		u->cb->timeout(u->data);
	else {
		/* Idle in the pool for too long: out of the list, then gone. */
		pool_unlink(u);
		backend_conn_close(u);
	}
}

static void
backend_conn_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct backend_conn *u = h->data;
	static char          scratch[64]; /* pooled: anything read is the end */

	(void)hint;
	if (u->cb == NULL) {
		*b = uv_buf_init(scratch, sizeof scratch);
		return;
	}
	if (u->in == NULL) {
		u->in = worker_buf_get(u->w);
		u->inoff = u->inlen = 0;
	}
	*b = uv_buf_init(u->in + u->inlen, WORKER_BUFSZ - u->inlen);
}

static void
backend_conn_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct backend_conn *u = s->data;

	(void)b;
	if (u->cb == NULL) {
		/* Idle in the pool: data or EOF both end it. */
		if (nread != 0) {
			pool_unlink(u);
			backend_conn_close(u);
		}
		return;
	}
	if (nread == 0)
		return;
	if (nread < 0) {
		backend_conn_read_stop(u);
		u->cb->eof(u->data, nread == UV_EOF ? 0 : (int)nread);
		return;
	}
	u->inlen += nread;
	u->cb->data(u->data);
	if (u->reading && !u->closing && u->in != NULL &&
	    u->inlen == WORKER_BUFSZ)
		backend_conn_read_stop(u);
}

void
backend_conn_read_start(struct backend_conn *u)
{
	if (u->reading || u->closing || !u->connected)
		return;
	if (uv_read_start((uv_stream_t *)&u->tcp, backend_conn_alloc_cb,
	        backend_conn_read_cb) == 0)
		u->reading = 1;
}

void
backend_conn_read_stop(struct backend_conn *u)
{
	if (!u->reading)
		return;
	uv_read_stop((uv_stream_t *)&u->tcp);
	u->reading = 0;
}

static void
backend_conn_connect_cb(uv_connect_t *req, int status)
{
	struct backend_conn *u = req->data;

	if (u->closing)
		return;
	if (status == 0) {
		u->connected = 1;
		uv_tcp_nodelay(&u->tcp, 1);
	}
	if (u->cb != NULL)
		u->cb->connected(u->data, status);
	else
		backend_conn_close(u);
}

struct backend_conn *
backend_conn_get(struct worker *w, const struct backend_conf *b, int fresh,
    const struct backend_conn_cb *cb, void *data)
{
	struct pool         *p = pool_find(w, b);
	struct backend_conn *u;
	int                  error;

	if (!fresh &&
	    (u = list_first(&p->idle, struct backend_conn, link)) != NULL) {
		pool_unlink(u);
		timeout_del(&w->timeouts, &u->te);
		u->reused = 1;
		u->cb = cb;
		u->data = data;
		/* Still reading: EOF from the backend shows up at once. */
		return u;
	}
	u = xcalloc(1, sizeof *u);
	u->w = w;
	u->pool = p;
	list_init(&u->link);
	u->tcp.data = u;
	u->creq.data = u;
	u->wreq.data = u;
	u->cb = cb;
	u->data = data;
	if ((error = uv_tcp_init(&w->loop, &u->tcp)) != 0) {
		free(u);
		return NULL;
	}
	w->open_handles++;
	error = uv_tcp_connect(&u->creq, &u->tcp, &p->addr.sa,
	    backend_conn_connect_cb);
	if (error != 0) {
		/* Report through the callback path, asynchronously. */
		log_debug("connect %s: %s", p->name, uv_strerror(error));
		u->closing = 1;
		uv_close((uv_handle_t *)&u->tcp, backend_conn_close_cb);
		return NULL;
	}
	return u;
}

void
backend_conn_release(struct backend_conn *u)
{
	struct pool   *p = u->pool;
	struct worker *w = u->w;

	u->cb = NULL;
	u->data = NULL;
	if (u->in != NULL) {
		worker_buf_put(w, u->in);
		u->in = NULL;
	}
	u->inoff = u->inlen = 0;
	if (w->stopping || p->nidle >= POOL_MAX_IDLE || u->writing) {
		backend_conn_close(u);
		return;
	}
	list_insert_head(&p->idle, &u->link);
	p->nidle++;
	backend_conn_read_start(u);
	timeout_set(&w->timeouts, &u->te, POOL_IDLE_MS, backend_conn_timeout);
}

static void
backend_conn_close_cb(uv_handle_t *h)
{
	struct backend_conn *u = h->data;

	u->w->open_handles--;
	if (u->in != NULL)
		worker_buf_put(u->w, u->in);
	free(u);
}

/* Close u; it must not be in a pool list.  The exchange is detached. */
void
backend_conn_close(struct backend_conn *u)
{
	if (u->closing)
		return;
	u->closing = 1;
	u->cb = NULL;
	u->data = NULL;
	timeout_del(&u->w->timeouts, &u->te);
	uv_close((uv_handle_t *)&u->tcp, backend_conn_close_cb);
}

static void
backend_conn_write_cb(uv_write_t *req, int status)
{
	struct backend_conn *u = req->data;

	u->writing = 0;
	if (u->cb == NULL || u->closing)
		return;
	u->cb->written(u->data, status);
}

int
backend_conn_write(struct backend_conn *u, uv_buf_t *b, unsigned n)
{
	int r;

	r = stream_write((uv_stream_t *)&u->tcp, &u->wreq, b, n,
	    backend_conn_write_cb);
	if (r == 1)
		u->writing = 1;
	return r;
}

void
backend_conn_set_timeout(struct backend_conn *u, uint64_t ms)
{
	timeout_set(&u->w->timeouts, &u->te, ms, backend_conn_timeout);
}

void
backend_pools_close(struct worker *w)
{
	struct pool         *p;
	struct backend_conn *u;
	unsigned             i;

	for (i = 0; i < w->pools_size; i++) {
		for (p = w->pools[i]; p != NULL; p = p->hnext) {
			while ((u = list_first(&p->idle, struct backend_conn,
			            link)) != NULL) {
				pool_unlink(u);
				backend_conn_close(u);
			}
		}
	}
}

void
backend_pools_free(struct worker *w)
{
	struct pool *p;
	unsigned     i;

	for (i = 0; i < w->pools_size; i++) {
		while ((p = w->pools[i]) != NULL) {
			w->pools[i] = p->hnext;
			free(p);
		}
	}
	free(w->pools);
	w->pools = NULL;
	w->pools_size = w->npools = 0;
}
