/* SPDX-License-Identifier: ISC */
/* Client connections and their transport: plain TCP, or TLS below it. */
#ifndef FD_CONN_H
#define FD_CONN_H

#include <stdint.h>
#include <uv.h>

#include "list.h"
#include "stream.h"
#include "timeout.h"

struct config;
struct conn;
struct conn_tls;
struct exchange;
struct http_request;
struct worker;

/*
 * What a client connection asks of the exchange that serves its request,
 * which it holds as c->x and knows by nothing but this table (a worker's
 * worker->conn_cb, the same for all its connections).
 */
struct conn_cb {
	/* A request begins: the exchange for it, which becomes c->x. */
	struct exchange *(*start)(struct conn *);
	/* Its head is complete: head_len bytes at c->in + c->inoff, req. */
	void (*request)(struct exchange *, struct http_request *,
	    size_t head_len);
	/* Its head is bad or late: answer status, then close. */
	void (*refuse)(struct exchange *, int status);
	/* More plaintext at c->in + c->inoff (the request body, or more). */
	void (*data)(struct exchange *);
	/* The client shut its side (error 0) or reading failed; reading stopped. */
	void (*eof)(struct exchange *, int error);
	/* The connection closes with the exchange under way. */
	void (*abort)(struct exchange *);
	/* The connection is done with the exchange (over, or closed). */
	void (*free)(struct exchange *);
};

/* Client connection states. */
enum conn_state {
	CS_IDLE = 0, /* between requests, nothing of the next one yet */
	CS_HEAD,     /* part of a request head has arrived */
	CS_EXCHANGE, /* a request is being proxied (c->x) */
	CS_LINGER,   /* our side is shut; what the client sends is dropped */
};

/*
 * A client connection.  Kept small: an idle keep-alive connection costs this
 * struct and nothing else (its input buffer goes back to the worker).  Its
 * plaintext, decrypted or not, arrives in `in`; what the exchange reads of
 * the request body it takes from there.
 */
struct conn {
	uv_tcp_t           tcp;
	struct worker     *w;
	struct config     *cfg;   /* reference held */
	struct timeout     te;    /* idle and header timeouts */
	struct list        link;  /* worker->conns */
	char              *in;    /* WORKER_BUFSZ or NULL */
	uint32_t           inoff; /* unread bytes: [inoff, inlen) */
	uint32_t           inlen;
	uint32_t           scanned; /* head bytes already searched */
	uint8_t            state;   /* enum conn_state */
	uint8_t            reading;
	uint8_t            closing;
	uint8_t            fresh;      /* no request seen yet */
	uint8_t            processing; /* in conn_process */
	uint8_t            again;      /* pipelined request to parse */
	uint8_t            eof;    /* the client shut its side: what is buffered
				   is answered, then the connection closes */
	uint8_t            unread; /* closing with a request body unread */
	struct exchange   *x;
	struct conn_tls   *tls; /* NULL on plain HTTP */
	union sockaddr_any peer;
};

/* At most this long a closing connection reads and drops what comes. */
#define CONN_LINGER_MS 5000

/* conn.c, for the worker. */
void conn_accept(struct worker *, uv_stream_t *listener, int tls);
/* The worker is stopping: close c if it is between requests or lingering. */
void conn_stop_idle(struct conn *);

/*
 * conn.c, for the exchange: what the client side offers it.  The request's
 * body is read into c->in as the exchange takes it (cb->data tells of more):
 * conn_read_stop() when it cannot take more, conn_read_start() again once
 * it can.  The response goes out with conn_write(), TLS or not: when it
 * returns 1, the write's cb says when it is on the wire, and until then no
 * other write may start (the back-pressure).  conn_close() aborts;
 * conn_exchange_done() ends the exchange, keepalive as decided (unread: the
 * request's body was not read to its end).
 */
void conn_read_start(struct conn *);
void conn_read_stop(struct conn *);
/* Returns 0 written now, 1 queued (cb runs later), < 0 an error. */
int  conn_write(struct conn *, uv_write_t *, uv_buf_t *, unsigned, uv_write_cb);
void conn_close(struct conn *);
void conn_exchange_done(struct conn *, int keepalive, int unread);

/* conn.c, for conn-tls.c: plaintext came into c->in; the input ended. */
void conn_input(struct conn *);
void conn_input_end(struct conn *, int error);
/* All we send is on the wire: close, lingering if the client still sends. */
void conn_end(struct conn *);

/*
 * conn-tls.c: TLS between the socket and the plaintext in c->in, for conn.c
 * (and the worker's drain).
 */
int  conn_tls_start(struct conn *);
void conn_tls_free(struct conn *);
void conn_tls_alloc(struct conn *, uv_buf_t *);
void conn_tls_read(struct conn *, ssize_t nread);
/* Write plaintext: 0 done, 1 cb runs later, < 0 error (as stream_write). */
int
conn_tls_write(struct conn *, uv_write_t *, uv_buf_t *, unsigned, uv_write_cb);
void conn_tls_idle(struct conn *);
/* Send close_notify, then conn_end once it is on the wire. */
void conn_tls_close(struct conn *);
/* A TLS connection idle this long has its state parked (saved, freed). */
#define CONN_TLS_PARK_MS 1000
void conn_tls_drain_all(struct worker *);
void conn_tls_want_drain(struct conn *);
/* The protocol version negotiated ("TLSv1.3"), "" on plain HTTP. */
const char *conn_tls_version(const struct conn *);

#endif
