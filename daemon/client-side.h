/* SPDX-License-Identifier: ISC */
/* The client side of an exchange: what carries its request in and response out. */
#ifndef FD_CLIENT_SIDE_H
#define FD_CLIENT_SIDE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "stream.h"

struct buf;
struct client_side;
struct config;
struct exchange;
struct http_chunked;
struct http_request;
struct worker;

/*
 * A response as the exchange hands it to its client side: the exchange
 * decided its status and its end-to-end fields and writes those; the client
 * side writes the rest of the head (for HTTP/1 the status line, how the body
 * is delimited, whether the connection stays) and frames the body.
 */
struct client_resp {
	const char *reason; /* the reason phrase, for HTTP/1 */
	size_t      reason_len;
	uint64_t    length; /* CLIENT_RESP_LENGTH: the length to say */
	/*
	 * Fields the exchange adds after the framing's (an HTTP/1 head keeps
	 * this order): "Name: value\r\n" lines, late_len bytes.
	 */
	const char *late;
	size_t      late_len;
	/*
	 * The trailer fields the backend's chunk decoder kept, those allowed
	 * to cross go with the body's end (used up there); NULL: none.
	 */
	struct http_chunked *trailers;
	uint16_t             status;
	uint8_t              flags; /* CLIENT_RESP_* */
};

/*
 * Say length: the body is that many bytes, the backend's or the store's as
 * they are (for a HEAD, or a backend's 304 that gave one: the body GET
 * would have; a 304 from the cache says none).
 */
#define CLIENT_RESP_LENGTH 0x01
/*
 * Other bytes than the backend's (re-coded), or chunks it framed (decoded):
 * the client side delimits them its own way.
 */
#define CLIENT_RESP_FRAME 0x02
/*
 * A websocket tunnel follows the head: from then on, what the client sends
 * is the tunnel's, shown by peek() as it comes, without an end.
 */
#define CLIENT_RESP_TUNNEL 0x04
/* The exchange would keep the connection after this response. */
#define CLIENT_RESP_KEEPALIVE 0x08

/*
 * The bufs of one write to the client: a head, then what one body piece
 * becomes once framed (at most six).
 */
#define BODY_OUT_BUFS 8

struct body_out {
	uv_buf_t b[BODY_OUT_BUFS];
	unsigned nb;
	uint64_t body_bytes; /* the body's, its framing included */
};

static inline void
body_out_init(struct body_out *o)
{
	o->nb = 0;
	o->body_bytes = 0;
}

/* Queue p[0, n) as it is (a head); n == 0 queues nothing. */
static inline void
body_out_add(struct body_out *o, char *p, size_t n)
{
	if (n > 0)
		o->b[o->nb++] = uv_buf_init(p, n);
}

/* What peek() says of the request body. */
#define CLIENT_BODY_MORE 0  /* more may come */
#define CLIENT_BODY_LAST 1  /* the bytes shown end it */
#define CLIENT_BODY_BAD  -1 /* its framing is malformed */

/*
 * What a client side offers the exchange it carries, which knows it by
 * nothing but this table and struct client_side.  An HTTP/1 connection
 * (conn.c, TLS below it or not) is one; each is for one exchange at a time.
 *
 * The request's body comes as its bytes alone, the framing undone by the
 * client side (HTTP/1 decodes a chunked body where it lies, when peek()
 * looks at it): peek() shows what is held, consume() takes some; the bytes
 * taken stay where they are, for a write still in flight, until release()
 * gives their room back (HTTP/1 gives it back once all that is held was
 * taken: the exchange takes every byte peek() shows, so a full side never
 * waits on it).  held() counts what the client sent and nothing took yet,
 * framing and all (past the body's end, the next request's); discard()
 * drops it, for a connection that closes after the answer.  trailers()
 * gives the trailer fields that came after the body.
 * read_stop() when the exchange cannot take more, read_start() once it
 * can; full() says the side holds all it can until some is released.  The
 * response goes out with write(): when it returns 1, its cb says when the
 * bytes are on the wire, and until then no other write may start (the
 * back-pressure).  interim() appends an interim response (100 Continue)
 * ahead of the final head, which is written around the exchange's fields:
 * head_start() appends what goes before them, head_end() what goes after
 * (and says whether the connection can stay); body() queues each piece of
 * the body, framed, to the bufs of the write that carries it.
 * abort() closes the client side with the exchange under way (the
 * exchange's abort callback runs first, then free later); done() ends the
 * exchange, the client side kept alive as decided (unread: the request's
 * body was not read to its end).
 */
struct client_ops {
	void (*read_start)(struct client_side *);
	void (*read_stop)(struct client_side *);
	/*
	 * The body's bytes held and not taken, *len of them at *data.
	 * Returns CLIENT_BODY_MORE, _LAST (they end the body; *len may be 0)
	 * or _BAD (its framing is malformed: the exchange answers 400).
	 */
	int (*peek)(struct client_side *, char **data, size_t *len);
	void (*consume)(struct client_side *, size_t n);
	void (*release)(struct client_side *);
	size_t (*held)(const struct client_side *);
	void (*discard)(struct client_side *);
	/* Once the body ended: its trailer fields as they came; NULL: none. */
	struct http_chunked *(*trailers)(struct client_side *);
	int (*full)(const struct client_side *);
	/* The client ended its side: nothing comes beyond what is held. */
	int (*ended)(const struct client_side *);
	/* Returns 0 written now, 1 queued (cb runs later), < 0 an error. */
	int (*write)(struct client_side *, uv_write_t *, uv_buf_t *, unsigned,
	    uv_write_cb);
	/* An interim response, status and reason alone, appended to b. */
	void (*interim)(struct client_side *, struct buf *b, unsigned status,
	    const char *reason);
	/* The head before the exchange's fields, appended to b. */
	void (*head_start)(struct client_side *, struct buf *b,
	    const struct client_resp *);
	/*
	 * The head after them, appended to b.  Returns 0 when the client
	 * side must close after this response (its framing ends with the
	 * close), else 1.
	 */
	int (*head_end)(struct client_side *, struct buf *b,
	    const struct client_resp *);
	/*
	 * Queue data[0, n) to o as the head_end() before framed it, the last
	 * of the body when last (n may then be 0); the bytes must stay as
	 * they are until o's write is done.  o has room for six bufs more.
	 */
	void (*body)(struct client_side *, struct body_out *o, char *data,
	    size_t n, int last);
	void (*abort)(struct client_side *);
	void (*done)(struct client_side *, int keepalive, int unread);
	/* The TLS protocol version ("TLSv1.3"), "" when not over TLS. */
	const char *(*tls_version)(const struct client_side *);
};

/*
 * A client side: its operations and the facts the exchange reads, each
 * fixed while an exchange is under way, but closing.
 */
struct client_side {
	const struct client_ops *ops;
	struct worker           *w;
	struct config           *cfg; /* reference held */
	union sockaddr_any       peer;
	uint8_t                  tls;     /* over TLS */
	uint8_t                  closing; /* being closed: abort ran or runs */
};

/*
 * What a client side asks of the exchange that serves its request (a
 * worker's worker->client_cb, the same for all its client sides).
 */
struct client_side_cb {
	/* A request begins: the exchange for it. */
	struct exchange *(*start)(struct client_side *);
	/* Its head of head_len bytes is complete and consumed: req. */
	void (*request)(struct exchange *, struct http_request *,
	    size_t head_len);
	/* Its head is bad or late: answer status, then close. */
	void (*refuse)(struct exchange *, int status);
	/* More body bytes are held (peek), or more bytes after the request. */
	void (*data)(struct exchange *);
	/*
	 * The client ended its side (error 0: ended() is true now) or reading
	 * failed; reading stopped.
	 */
	void (*eof)(struct exchange *, int error);
	/* The client side closes with the exchange under way. */
	void (*abort)(struct exchange *);
	/* The client side is done with the exchange (over, or closed). */
	void (*free)(struct exchange *);
};

static inline void
client_side_read_start(struct client_side *cs)
{
	cs->ops->read_start(cs);
}

static inline void
client_side_read_stop(struct client_side *cs)
{
	cs->ops->read_stop(cs);
}

static inline int
client_side_peek(struct client_side *cs, char **data, size_t *len)
{
	return cs->ops->peek(cs, data, len);
}

static inline void
client_side_consume(struct client_side *cs, size_t n)
{
	cs->ops->consume(cs, n);
}

static inline void
client_side_release(struct client_side *cs)
{
	cs->ops->release(cs);
}

static inline int
client_side_full(const struct client_side *cs)
{
	return cs->ops->full(cs);
}

static inline int
client_side_ended(const struct client_side *cs)
{
	return cs->ops->ended(cs);
}

static inline size_t
client_side_held(const struct client_side *cs)
{
	return cs->ops->held(cs);
}

static inline void
client_side_discard(struct client_side *cs)
{
	cs->ops->discard(cs);
}

static inline struct http_chunked *
client_side_trailers(struct client_side *cs)
{
	return cs->ops->trailers(cs);
}

static inline int
client_side_write(struct client_side *cs, uv_write_t *req, uv_buf_t *b,
    unsigned n, uv_write_cb cb)
{
	return cs->ops->write(cs, req, b, n, cb);
}

static inline void
client_side_interim(struct client_side *cs, struct buf *b, unsigned status,
    const char *reason)
{
	cs->ops->interim(cs, b, status, reason);
}

static inline void
client_side_head_start(struct client_side *cs, struct buf *b,
    const struct client_resp *r)
{
	cs->ops->head_start(cs, b, r);
}

static inline int
client_side_head_end(struct client_side *cs, struct buf *b,
    const struct client_resp *r)
{
	return cs->ops->head_end(cs, b, r);
}

static inline void
client_side_body(struct client_side *cs, struct body_out *o, char *data,
    size_t n, int last)
{
	cs->ops->body(cs, o, data, n, last);
}

static inline void
client_side_abort(struct client_side *cs)
{
	cs->ops->abort(cs);
}

static inline void
client_side_done(struct client_side *cs, int keepalive, int unread)
{
	cs->ops->done(cs, keepalive, unread);
}

static inline const char *
client_side_tls_version(const struct client_side *cs)
{
	return cs->ops->tls_version(cs);
}

#endif
