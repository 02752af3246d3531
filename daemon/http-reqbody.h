/* SPDX-License-Identifier: ISC */
/* An HTTP/1 request body as it is read: its framing undone where it lies. */
#ifndef FD_HTTP_REQBODY_H
#define FD_HTTP_REQBODY_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

/* How the request's body is delimited. */
enum http_reqbody_kind {
	HTTP_REQBODY_NONE = 0, /* no body */
	HTTP_REQBODY_LENGTH,   /* Content-Length bytes */
	HTTP_REQBODY_CHUNKED,  /* chunks, decoded */
	HTTP_REQBODY_RAW,      /* a tunnel's bytes, all that comes */
};

/*
 * The body of the request an HTTP/1 client side carries, read from the
 * unread bytes of its buffer.  A chunked body is decoded in place, when it
 * is looked at (so a malformed chunk is found when the body is wanted, not
 * before): its data moves down over its framing, and stays there, not
 * taken, until the reader takes it.
 */
struct http_reqbody {
	struct http_chunked ch;
	char               *trailers; /* ch's room, HTTP_MAX_TRAILER bytes */
	uint64_t            left;     /* LENGTH: bytes still to come */
	size_t              shown;    /* CHUNKED: decoded bytes at the start */
	size_t              taken;    /* of them, taken */
	size_t              raw;      /* the unread bytes they came from */
	uint8_t             kind;     /* enum http_reqbody_kind */
	uint8_t             end;      /* the body's last byte was read */
};

/*
 * The body of req, whose head was just read; NULL: none (a refused head).
 * The trailer room is kept from the request before, until freed.
 */
void http_reqbody_start(struct http_reqbody *, const struct http_request *req);
/*
 * The body's bytes among the unread in[0, len), which begin where the last
 * take ended: *data and *n.  Returns 0 more may come, 1 these end the body
 * (*n may be 0), -1 the body's framing is malformed (and stays so).
 */
int http_reqbody_peek(struct http_reqbody *, char *in, size_t len, char **data,
    size_t *n);
/*
 * Take n of the bytes peek() gave.  Returns how many unread bytes that
 * used (the framing around them included), for the reader to pass.
 */
size_t http_reqbody_take(struct http_reqbody *, size_t n);
/* The request's trailer fields, once its chunked body ended; NULL: none. */
struct http_chunked *http_reqbody_trailers(struct http_reqbody *);
/* All that comes from now on is a tunnel's. */
void http_reqbody_raw(struct http_reqbody *);
void http_reqbody_free(struct http_reqbody *);

#endif
