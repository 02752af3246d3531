/* SPDX-License-Identifier: ISC */
/* The request head a backend is sent: rewritten from the client's, no I/O. */
#ifndef FD_PROXY_HEAD_H
#define FD_PROXY_HEAD_H

#include <stdint.h>

#include "buf.h"
#include "http.h"

/* What the rewrite needs to know besides the request. */
struct head_params {
	size_t      strip_len;     /* route prefix to drop (strip_path), or 0 */
	int         preserve_host; /* the client's Host, else the caller's */
	int         auth;          /* the route checks Authorization itself */
	int         trusted;       /* the peer is a trusted proxy */
	int         tls;           /* the client came over TLS */
	int         upgrade;       /* a WebSocket upgrade goes on */
	int         chunked;       /* the body goes chunked (we frame it) */
	int         sized;         /* the body has content_length bytes */
	uint64_t    content_length;
	const char *peer;      /* connecting address, for X-Forwarded-For */
	const char *client_ip; /* for X-Real-IP */
	const char *id;        /* for X-Request-Id */
	/* Set by proxy_head_build(): where the Host value is in b. */
	size_t host_off;
	size_t host_len;
	int    host_is_backend; /* empty: the caller writes the backend's */
};

/* Append the field line "n: v\r\n" to b. */
void proxy_head_field(struct buf *b, const char *n, size_t nl, const char *v,
    size_t vl);

/*
 * Append to b the head for the backend: the request line with req->path
 * (the canonical path and query), Host, the client's end-to-end fields
 * less hop-by-hop ones, those named in Connection and the identity fields
 * no client may send, then the framing and forwarding fields frontdoor
 * writes itself (a Connection field can remove none of them).
 */
void proxy_head_build(struct buf *b, const struct http_request *req,
    struct head_params *hp);

#endif
