/* SPDX-License-Identifier: ISC */
/* Backend connections: connecting, reading, writing, per-worker idle pools. */
#ifndef FD_UPSTREAM_H
#define FD_UPSTREAM_H

#include <stdint.h>
#include <uv.h>

#include "tq.h"

struct backend_conf;
struct exchange;
struct pool;
struct worker;

/* A connection to a backend, owned by an exchange or idle in a pool. */
struct upconn {
	uv_tcp_t         tcp;
	uv_connect_t     creq;
	uv_write_t       wreq;
	struct worker   *w;
	struct pool     *pool;
	struct upconn   *prev; /* pool idle list */
	struct upconn   *next;
	struct tq_entry  te;
	struct exchange *x;
	char            *in;
	uint32_t         inoff;
	uint32_t         inlen;
	uint8_t          connected;
	uint8_t          reading;
	uint8_t          writing;
	uint8_t          reused; /* came from the pool */
	uint8_t          closing;
};

/* A connected idle connection from the pool or a new one being connected. */
struct upconn      *
upstream_get(struct worker *, const struct backend_conf *, int fresh);
void upstream_release(struct upconn *); /* back to the pool */
void upstream_close(struct upconn *);
void upstream_read_start(struct upconn *);
void upstream_read_stop(struct upconn *);
void upstream_pools_close(struct worker *);
void upstream_pools_free(struct worker *);
void upstream_set_timeout(struct upconn *, uint64_t ms);

#endif
