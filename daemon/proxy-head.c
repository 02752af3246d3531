/* SPDX-License-Identifier: ISC */
/* The request head a backend is sent: rewritten from the client's, no I/O. */

#include <stdio.h>
#include <string.h>

#include "proxy-head.h"
#include "util.h"

void
proxy_head_field(struct buf *b, const char *n, size_t nl, const char *v,
    size_t vl)
{
	buf_append(b, n, nl);
	buf_append(b, ": ", 2);
	buf_append(b, v, vl);
	buf_append(b, "\r\n", 2);
}

/* What proxy_head_identity() says of a client's field. */
enum {
	IDENT_NONE = 0, /* an ordinary field */
	IDENT_OURS,     /* never the client's to send: we set it, or the gate */
	IDENT_PROXY,    /* a proxy's word: passed only from a trusted proxy */
};

/*
 * Fields that speak for frontdoor or for a proxy in front of it: the table's
 * HTTP_H_IDENTITY and HTTP_H_PROXY fields, and any other X-Forwarded-*.
 * Names are compared as backends compare them: without case, and with '_'
 * read as '-' (WSGI, CGI and PHP servers give X_Remote_User and
 * X-Remote-User the same variable), so no spelling of one slips past.
 */
static int
proxy_head_identity(const char *name, size_t len)
{
	char     n[24];
	size_t   i, k;
	unsigned flags;

	/*
	 * Most fields start otherwise: one test for them.  Every identity or
	 * proxy name is 9 bytes or longer and starts with x or f.
	 */
	if (len < 9 || ((name[0] | 0x20) != 'x' && (name[0] | 0x20) != 'f'))
		return IDENT_NONE;
	k = MIN(len, sizeof n);
	for (i = 0; i < k; i++) {
		n[i] = (char)(name[i] == '_'             ? '-' :
		        name[i] >= 'A' && name[i] <= 'Z' ? name[i] | 0x20 :
		                                           name[i]);
	}
	/* No name in the table is longer than n; X-Forwarded-* may be. */
	flags = len <= sizeof n ? http_header_flags(n, len) : 0;
	if (flags & HTTP_H_IDENTITY)
		return IDENT_OURS;
	if (flags & HTTP_H_PROXY)
		return IDENT_PROXY;
	if (len > 12 && memcmp(n, "x-forwarded-", 12) == 0)
		return IDENT_PROXY;
	return IDENT_NONE;
}

void
proxy_head_build(struct buf *b, const struct http_request *req,
    struct head_params *hp)
{
	const struct http_header *h;
	const char               *path = req->path;
	size_t                    plen = req->path_len, i;
	char                      num[32];

	buf_append(b, req->method, req->method_len);
	buf_append(b, " ", 1);
	if (hp->strip_len > 0 && hp->strip_len <= plen) {
		path += hp->strip_len;
		plen -= hp->strip_len;
		if (plen == 0 || path[0] != '/')
			buf_append(b, "/", 1);
	}
	buf_append(b, path, plen);
	buf_puts(b, " HTTP/1.1\r\nHost: ");
	hp->host_off = b->len;
	hp->host_is_backend = 0;
	if (hp->preserve_host && req->host != NULL)
		buf_append(b, req->host, req->host_len);
	else
		hp->host_is_backend = 1; /* the caller writes it */
	hp->host_len = b->len - hp->host_off;
	buf_append(b, "\r\n", 2);

	for (i = 0; i < req->nheaders; i++) {
		h = &req->headers[i];
		/* This hop's, or ours: written below. */
		if (http_hdr_flags(h->id) &
		    (HTTP_H_HOP_BY_HOP | HTTP_H_FRAMING | HTTP_H_OURS))
			continue;
		/*
		 * X-Remote-User is the gate's to set, never the client's, in
		 * any spelling; a proxy's fields come only from a trusted one;
		 * on a route with auth_file the password stays here.
		 */
		switch (proxy_head_identity(h->name, h->name_len)) {
		case IDENT_OURS:
			continue;
		case IDENT_PROXY:
			if (!hp->trusted)
				continue;
			break;
		default:
			break;
		}
		if (hp->auth &&
		    fd_strncaseeq(h->name, h->name_len, "Authorization", 13))
			continue;
		if (http_connection_names(req->headers, req->nheaders, h->name,
		        h->name_len))
			continue;
		proxy_head_field(b, h->name, h->name_len, h->value,
		    h->value_len);
	}

	/* Only a trusted proxy's X-Forwarded-For list is carried on. */
	buf_puts(b, "X-Forwarded-For: ");
	for (i = 0; hp->trusted && i < req->nheaders; i++) {
		h = &req->headers[i];
		if (h->id != HTTP_HDR_X_FORWARDED_FOR || h->value_len == 0)
			continue;
		buf_append(b, h->value, h->value_len);
		buf_append(b, ", ", 2);
	}
	buf_puts(b, hp->peer);
	buf_append(b, "\r\n", 2);
	if (hp->sized) {
		snprintf(num, sizeof num, "%llu",
		    (unsigned long long)hp->content_length);
		proxy_head_field(b, "Content-Length", 14, num, strlen(num));
	} else if (hp->chunked)
		buf_puts(b, "Transfer-Encoding: chunked\r\n");
	if (hp->upgrade)
		buf_puts(b, "Connection: upgrade\r\nUpgrade: websocket\r\n");
	buf_puts(b,
	    hp->tls ? "X-Forwarded-Proto: https\r\n" :
	              "X-Forwarded-Proto: http\r\n");
	if (req->host != NULL)
		proxy_head_field(b, "X-Forwarded-Host", 16, req->host,
		    req->host_len);
	proxy_head_field(b, "X-Real-IP", 9, hp->client_ip,
	    strlen(hp->client_ip));
	proxy_head_field(b, "X-Request-Id", 12, hp->id, strlen(hp->id));
	buf_append(b, "\r\n", 2);
}
