/* SPDX-License-Identifier: ISC */
/* Backend connections: connecting, reading, writing, per-worker idle pools. */
#ifndef FD_BACKEND_CONN_H
#define FD_BACKEND_CONN_H

#include <stdint.h>
#include <uv.h>

#include "list.h"
#include "timeout.h"

struct backend_conf;
struct pool;
struct worker;

/*
 * What a backend connection tells its owner, each call with the owner's
 * data as given to backend_conn_get().  None comes for a connection idle in a
 * pool, nor after backend_conn_release() or backend_conn_close().
 */
struct backend_conn_cb {
	/* The connect ended: status 0, or a negative errno. */
	void (*connected)(void *data, int status);
	/* Bytes arrived at u->in + u->inlen (u->inlen grew). */
	void (*data)(void *data);
	/* A write backend_conn_write() queued went out (status 0) or failed. */
	void (*written)(void *data, int status);
	/* The backend closed (error 0) or reading failed; reading stopped. */
	void (*eof)(void *data, int error);
	/* The time backend_conn_set_timeout() gave passed. */
	void (*timeout)(void *data);
};

/* A connection to a backend, owned by an exchange or idle in a pool. */
struct backend_conn {
	uv_tcp_t                      tcp;
	uv_connect_t                  creq;
	uv_write_t                    wreq;
	struct worker                *w;
	struct pool                  *pool;
	struct list                   link; /* pool->idle */
	struct timeout                te;
	const struct backend_conn_cb *cb; /* the owner's; NULL while pooled */
	void                         *data;
	char                         *in;
	uint32_t                      inoff;
	uint32_t                      inlen;
	uint8_t                       connected;
	uint8_t                       reading;
	uint8_t                       writing;
	uint8_t                       reused; /* came from the pool */
	uint8_t                       closing;
};

/*
 * A connected idle connection from the pool, or (fresh, or none idle) a new
 * one being connected, owned by data and telling it through cb; NULL when
 * no connect could start.
 */
struct backend_conn      *
backend_conn_get(struct worker *, const struct backend_conf *, int fresh,
         const struct backend_conn_cb *cb, void *data);
void backend_conn_release(struct backend_conn *); /* back to the pool */
void backend_conn_close(struct backend_conn *);
/*
 * Write bufs (as stream_write): 0 all written now, 1 queued (u->writing is
 * set until cb->written), or a negative errno.
 */
int  backend_conn_write(struct backend_conn *, uv_buf_t *, unsigned);
void backend_conn_read_start(struct backend_conn *);
void backend_conn_read_stop(struct backend_conn *);
void backend_pools_close(struct worker *);
void backend_pools_free(struct worker *);
void backend_conn_set_timeout(struct backend_conn *, uint64_t ms);

#endif
