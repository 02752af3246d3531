/* SPDX-License-Identifier: ISC */
/* A worker: one thread, one libuv loop, its own listeners, pools and buffers. */
#ifndef FD_WORKER_H
#define FD_WORKER_H

#include <pthread.h>
#include <stdint.h>
#include <uv.h>

#include "buf.h"
#include "list.h"
#include "timeout.h"

struct config;
struct conn;
struct client_side_cb;
struct exchange;
struct pool;
struct worker_stats;

/* I/O buffers come in one size, from a per-worker free list. */
#define WORKER_BUFSZ    (16 * 1024)
#define WORKER_FREEBUFS 256
/* listen(2) backlog of every listening socket (the kernel caps it). */
#define WORKER_BACKLOG 511
/* TLS connections parked since the last trim that make one worth it. */
#define WORKER_TRIM_PARKED 64

struct listener {
	uv_tcp_t       tcp;
	struct worker *w;
	int            fd;
	int            tls; /* an HTTPS listener */
};

struct worker {
	uv_loop_t       loop;
	uv_async_t      async; /* config swap, stop, force */
	struct timeouts timeouts;
	struct timeout  check; /* periodic stop check */
	unsigned        id;
	pthread_t       thread;

	struct listener *listeners;
	size_t           nlisteners;

	/* Set by the main thread, read on async: under lock. */
	pthread_mutex_t lock;
	struct config  *next_config;
	int             stop_req; /* 1 graceful, 2 force */
	int             cut_req;  /* close tunnels of disabled routes */

	struct config *config; /* for new connections */
	int            stopping;
	int            closing; /* handles being closed */
	int            done;    /* loop ended (atomic) */
	unsigned       open_handles;

	struct list conns; /* every client connection (conn.link) */
	struct list drain; /* TLS connections with plaintext left inside */
	uv_idle_t   drain_idle;
	uint64_t    nconns;
	/* What the client sides call: the exchange (proxy_client_cb). */
	const struct client_side_cb *client_cb;

	char    *scratch; /* reads of connections between requests */
	unsigned parked;  /* TLS connections parked since the last trim */
	char   **freebufs;
	unsigned nfreebufs;

	struct pool **pools; /* hash of backend address */
	unsigned      npools;
	unsigned      pools_size;

	struct exchange *xfree; /* recycled exchanges */
	unsigned         nxfree;

	uint64_t *rr; /* round-robin per route index */
	size_t    nrr;

	/*
	 * Open tunnels by route id, oldest first (exchange.tlink); NULL
	 * until the first.
	 */
	struct list *tunnels;

	uint64_t rng[2];

	struct worker_stats *stats; /* this worker's counters */

	/* Access log lines waiting for the thread pool to write them. */
	struct buf logbuf;
	struct buf logbuf_busy;
	uv_fs_t    logreq;
	int        logging;
	uint64_t   log_dropped;
};

/*
 * Create worker id with listening sockets fds (owned from now on; they may
 * already listen).
 * Returns 0 or a negative errno.  Start-up only.
 */
/* The last ntls of fds are HTTPS listeners. */
int worker_init(struct worker *, unsigned id, struct config *, const int *fds,
    size_t nfds, size_t ntls);
int worker_start(struct worker *);
/* From the main thread: new config (ref taken), graceful stop, force close. */
void worker_set_config(struct worker *, struct config *);
void worker_stop(struct worker *, int force);
/* Any thread: close the worker's tunnels of routes now switched off. */
void worker_cut_tunnels(struct worker *);
void worker_join(struct worker *);

void     worker_drain_start(struct worker *);
char    *worker_buf_get(struct worker *);
void     worker_buf_put(struct worker *, char *);
uint64_t worker_random(struct worker *);

/* Count of client connections across all workers (max_connections). */
extern uint64_t worker_total_conns;

#endif
