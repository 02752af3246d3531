/* SPDX-License-Identifier: ISC */
/* Backend connections: connecting, reading, writing, per-worker idle pools. */
#ifndef FD_UPSTREAM_H
#define FD_UPSTREAM_H

#include <stdint.h>
#include <uv.h>

#include "list.h"
#include "tq.h"

struct backend_conf;
struct pool;
struct worker;

/*
 * What a backend connection tells its owner, each call with the owner's
 * data as given to upstream_get().  None comes for a connection idle in a
 * pool, nor after upstream_release() or upstream_close().
 */
struct upstream_cb {
	/* The connect ended: status 0, or a negative errno. */
	void (*connected)(void *data, int status);
	/* Bytes arrived at u->in + u->inlen (u->inlen grew). */
	void (*data)(void *data);
	/* A write upstream_write() queued went out (status 0) or failed. */
	void (*written)(void *data, int status);
	/* The backend closed (error 0) or reading failed; reading stopped. */
	void (*eof)(void *data, int error);
	/* The time upstream_set_timeout() gave passed. */
	void (*timeout)(void *data);
};

/* A connection to a backend, owned by an exchange or idle in a pool. */
struct upconn {
	uv_tcp_t                  tcp;
	uv_connect_t              creq;
	uv_write_t                wreq;
	struct worker            *w;
	struct pool              *pool;
	struct list               link; /* pool->idle */
	struct tq_entry           te;
	const struct upstream_cb *cb; /* the owner's; NULL while pooled */
	void                     *data;
	char                     *in;
	uint32_t                  inoff;
	uint32_t                  inlen;
	uint8_t                   connected;
	uint8_t                   reading;
	uint8_t                   writing;
	uint8_t                   reused; /* came from the pool */
	uint8_t                   closing;
};

/*
 * A connected idle connection from the pool, or (fresh, or none idle) a new
 * one being connected, owned by data and telling it through cb; NULL when
 * no connect could start.
 */
struct upconn *upstream_get(struct worker *, const struct backend_conf *,
    int fresh, const struct upstream_cb *cb, void *data);
void           upstream_release(struct upconn *); /* back to the pool */
void           upstream_close(struct upconn *);
/*
 * Write bufs (as stream_write): 0 all written now, 1 queued (u->writing is
 * set until cb->written), or a negative errno.
 */
int  upstream_write(struct upconn *, uv_buf_t *, unsigned);
void upstream_read_start(struct upconn *);
void upstream_read_stop(struct upconn *);
void upstream_pools_close(struct worker *);
void upstream_pools_free(struct worker *);
void upstream_set_timeout(struct upconn *, uint64_t ms);

#endif
