/* SPDX-License-Identifier: ISC */
/* The request head a backend is sent: rewritten from the client's, no I/O. */
#ifndef FD_PROXY_HEAD_H
#define FD_PROXY_HEAD_H

#include <stdint.h>

#include "buf.h"
#include "http.h"

struct header_rules;
struct http_response;

/* What a header rule's variables stand for ($client_ip, ...). */
struct head_vars {
	const char *client_ip;
	const char *id;    /* $request_id */
	const char *route; /* $route: the route's name */
	int         tls;   /* $scheme: https, else http */
};

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
	const struct header_rules *rules; /* request_header, or NULL */
	const char                *route; /* its name, for $route */
	/* Set by proxy_head_build(): where the Host value is in b. */
	size_t host_off;
	size_t host_len;
	int    host_is_backend; /* empty: the caller writes the backend's */
};

/* Append the field line "n: v\r\n" to b. */
void proxy_head_field(struct buf *b, const char *n, size_t nl, const char *v,
    size_t vl);

/*
 * Whether a rule of rs names the field (n, nl), to set or remove it: the
 * field as received is then dropped.  Costs one test when rs has no rule.
 */
int
proxy_head_rule_drops(const struct header_rules *rs, const char *n, size_t nl);

/* Append to b the fields the setting rules of rs give, in their order. */
void proxy_head_rules_append(struct buf *b, const struct header_rules *rs,
    const struct head_vars *);

/*
 * Append to b what security_headers = yes adds toward the client: each of
 * its fields that resp does not carry and no rule of rs names (an app's
 * own, or a "-Name" rule, keeps it out).  Over TLS, Strict-Transport-
 * Security too unless hsts_sent (the [tls] hsts line goes out).
 */
void proxy_head_security(struct buf *b, const struct http_response *resp,
    const struct header_rules *rs, int tls, int hsts_sent);

/*
 * Append to b the head for the backend: the request line with req->path
 * (the canonical path and query), Host, the client's end-to-end fields
 * less hop-by-hop ones, those named in Connection and the identity fields
 * no client may send, then the framing and forwarding fields frontdoor
 * writes itself (a Connection field can remove none of them).  The rules
 * of hp->rules drop the fields they name and add their own after the
 * client's.
 */
void proxy_head_build(struct buf *b, const struct http_request *req,
    struct head_params *hp);

#endif
