/* SPDX-License-Identifier: ISC */
/* The client side of an exchange: what carries its request in and response out. */
#ifndef FD_CLIENT_SIDE_H
#define FD_CLIENT_SIDE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "stream.h"

struct client_side;
struct config;
struct exchange;
struct http_request;
struct worker;

/*
 * What a client side offers the exchange it carries, which knows it by
 * nothing but this table and struct client_side.  An HTTP/1 connection
 * (conn.c, TLS below it or not) is one; each is for one exchange at a time.
 *
 * The request's body comes as the bytes the client sent after the head,
 * framing and all (the exchange decodes a chunked body itself): peek() shows
 * what is held, consume() takes some; the bytes taken stay where they are,
 * for a write still in flight, until release() gives their room back
 * (HTTP/1 gives it back once all that is held was taken: the exchange's
 * decoders take every byte up to the body's end, so a full side never
 * waits on them; a side whose reader may leave a partial tail must move
 * that tail down in release()).
 * read_stop() when the exchange cannot take more, read_start() once it
 * can; full() says the side holds all it can until some is released.  The
 * response goes out with write(): when it returns 1, its cb says when the
 * bytes are on the wire, and until then no other write may start (the
 * back-pressure).  abort() closes the client side with the exchange under
 * way (the exchange's abort callback runs first, then free later); done()
 * ends the exchange, the client side kept alive as decided (unread: the
 * request's body was not read to its end).
 */
struct client_ops {
	void (*read_start)(struct client_side *);
	void (*read_stop)(struct client_side *);
	/* The body bytes held and not taken: *len of them at the pointer. */
	char *(*peek)(struct client_side *, size_t *len);
	void (*consume)(struct client_side *, size_t n);
	void (*release)(struct client_side *);
	int (*full)(const struct client_side *);
	/* The client ended its side: nothing comes beyond what is held. */
	int (*ended)(const struct client_side *);
	/* Returns 0 written now, 1 queued (cb runs later), < 0 an error. */
	int (*write)(struct client_side *, uv_write_t *, uv_buf_t *, unsigned,
	    uv_write_cb);
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

static inline char *
client_side_peek(struct client_side *cs, size_t *len)
{
	return cs->ops->peek(cs, len);
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

/* The body bytes held and not taken. */
static inline size_t
client_side_held(struct client_side *cs)
{
	size_t len;

	(void)cs->ops->peek(cs, &len);
	return len;
}

static inline int
client_side_write(struct client_side *cs, uv_write_t *req, uv_buf_t *b,
    unsigned n, uv_write_cb cb)
{
	return cs->ops->write(cs, req, b, n, cb);
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
