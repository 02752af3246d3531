/* SPDX-License-Identifier: ISC */
/* The request head a backend is sent: rewritten from the client's, no I/O. */

#include <stdio.h>
#include <string.h>

#include "config.h"
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

int
proxy_head_rule_drops(const struct header_rules *rs, const char *n, size_t nl)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		if (fd_strncaseeq(n, nl, rs->v[i].name, rs->v[i].name_len))
			return 1;
	}
	return 0;
}

/* Append v[0, len) to b, its variables expanded (checked at load). */
static void
proxy_head_expand(struct buf *b, const char *v, size_t len,
    const struct head_vars *hv)
{
	const char *end = v + len, *d, *name;
	size_t      nl;

	while ((d = memchr(v, '$', (size_t)(end - v))) != NULL) {
		buf_append(b, v, (size_t)(d - v));
		if (d + 1 < end && d[1] == '$') {
			buf_append(b, "$", 1);
			v = d + 2;
			continue;
		}
		name = d + 1;
		for (v = name; v < end &&
		     (*v == '_' || (*v >= 'a' && *v <= 'z') ||
		         (*v >= 'A' && *v <= 'Z') || (*v >= '0' && *v <= '9'));
		     v++)
			;
		nl = (size_t)(v - name);
		if (nl == 9 && memcmp(name, "client_ip", 9) == 0)
			buf_puts(b, hv->client_ip);
		else if (nl == 10 && memcmp(name, "request_id", 10) == 0)
			buf_puts(b, hv->id);
		else if (nl == 5 && memcmp(name, "route", 5) == 0)
			buf_puts(b, hv->route);
		else if (nl == 6 && memcmp(name, "scheme", 6) == 0)
			buf_puts(b, hv->tls ? "https" : "http");
	}
	buf_append(b, v, (size_t)(end - v));
}

void
proxy_head_rules_append(struct buf *b, const struct header_rules *rs,
    const struct head_vars *hv)
{
	const struct header_rule *r;
	size_t                    i;

	for (i = 0; i < rs->n; i++) {
		r = &rs->v[i];
		if (r->value == NULL)
			continue;
		if (!r->vars) {
			proxy_head_field(b, r->name, r->name_len, r->value,
			    r->value_len);
			continue;
		}
		buf_append(b, r->name, r->name_len);
		buf_append(b, ": ", 2);
		proxy_head_expand(b, r->value, r->value_len, hv);
		buf_append(b, "\r\n", 2);
	}
}

/* Whether the client is sent the field n: resp has it or a rule names it. */
static int
proxy_head_resp_names(const struct http_response *resp,
    const struct header_rules *rs, const char *n)
{
	size_t i, nl = strlen(n);

	for (i = 0; i < resp->nheaders; i++) {
		if (fd_strncaseeq(resp->headers[i].name,
		        resp->headers[i].name_len, n, nl))
			return 1;
	}
	return proxy_head_rule_drops(rs, n, nl);
}

void
proxy_head_security(struct buf *b, const struct http_response *resp,
    const struct header_rules *rs, int tls, int hsts_sent)
{
	int xfo = proxy_head_resp_names(resp, rs, "X-Frame-Options");

	if (!proxy_head_resp_names(resp, rs, "X-Content-Type-Options"))
		buf_puts(b, "X-Content-Type-Options: nosniff\r\n");
	if (!proxy_head_resp_names(resp, rs, "Referrer-Policy"))
		buf_puts(b,
		    "Referrer-Policy: strict-origin-when-cross-origin\r\n");
	if (!xfo)
		buf_puts(b, "X-Frame-Options: SAMEORIGIN\r\n");
	/*
	 * frame-ancestors outranks X-Frame-Options in a browser: an app that
	 * chose its own framing keeps it.
	 */
	if (!xfo && !proxy_head_resp_names(resp, rs, "Content-Security-Policy"))
		buf_puts(b,
		    "Content-Security-Policy: frame-ancestors 'self'\r\n");
	if (tls && !hsts_sent &&
	    !proxy_head_resp_names(resp, rs, "Strict-Transport-Security"))
		buf_puts(b, "Strict-Transport-Security: max-age=31536000\r\n");
}

void
proxy_head_build(struct buf *b, const struct http_request *req,
    struct head_params *hp)
{
	const struct http_header *h;
	const char               *path = req->path;
	size_t                    plen = req->path_len, i;
	char                      num[32];
	int                       rules = hp->rules != NULL && hp->rules->n > 0;

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
		if (rules &&
		    proxy_head_rule_drops(hp->rules, h->name, h->name_len))
			continue;
		proxy_head_field(b, h->name, h->name_len, h->value,
		    h->value_len);
	}
	if (rules) {
		struct head_vars hv = { hp->client_ip, hp->id, hp->route,
			hp->tls };

		proxy_head_rules_append(b, hp->rules, &hv);
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
