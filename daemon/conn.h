/* SPDX-License-Identifier: ISC */
/* Client connections and their transport: plain TCP, or TLS below it. */
#ifndef FD_CONN_H
#define FD_CONN_H

#include <stdint.h>
#include <uv.h>

#include "client-side.h"
#include "http-frame.h"
#include "http-reqbody.h"
#include "list.h"
#include "stream.h"
#include "timeout.h"

struct conn;
struct conn_tls;
struct exchange;
struct worker;

/* Client connection states. */
enum conn_state {
	CS_IDLE = 0, /* between requests, nothing of the next one yet */
	CS_HEAD,     /* part of a request head has arrived */
	CS_EXCHANGE, /* a request is being proxied (c->x) */
	CS_LINGER,   /* our side is shut; what the client sends is dropped */
};

/*
 * A client connection, the HTTP/1 client side of its exchanges (cs: its
 * worker, configuration, peer and conn_client_ops).  Kept small: an idle
 * keep-alive connection costs this struct and nothing else (its input buffer
 * goes back to the worker).  Its plaintext, decrypted or not, arrives in
 * `in`; the exchange takes the request body from there through cs.ops.
 */
struct conn {
	uv_tcp_t            tcp;
	struct client_side  cs;
	struct timeout      te;    /* idle and header timeouts */
	struct list         link;  /* worker->conns */
	char               *in;    /* WORKER_BUFSZ or NULL */
	uint32_t            inoff; /* unread bytes: [inoff, inlen) */
	uint32_t            inlen;
	uint32_t            scanned; /* head bytes already searched */
	uint8_t             state;   /* enum conn_state */
	uint8_t             reading;
	uint8_t             fresh;      /* no request seen yet */
	uint8_t             processing; /* in conn_process */
	uint8_t             again;      /* pipelined request to parse */
	uint8_t             eof; /* the client shut its side: what is buffered
				   is answered, then the connection closes */
	uint8_t             unread; /* closing with a request body unread */
	struct exchange    *x;      /* the exchange under way, c->cs its side */
	struct http_frame   frame;  /* how its response is framed */
	struct http_reqbody body;   /* how its request's body is read */
	struct conn_tls    *tls;    /* NULL on plain HTTP */
};

/* At most this long a closing connection reads and drops what comes. */
#define CONN_LINGER_MS 5000

/* conn.c, for the worker. */
void conn_accept(struct worker *, uv_stream_t *listener, int tls);
/* The worker is stopping: close c if it is between requests or lingering. */
void conn_stop_idle(struct conn *);

/* conn.c: the connection as its exchange knows it (client-side.h). */
extern const struct client_ops conn_client_ops;

/* conn.c, for conn-tls.c and the worker; conn_close() aborts an exchange. */
void conn_read_start(struct conn *);
void conn_read_stop(struct conn *);
void conn_close(struct conn *);

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
