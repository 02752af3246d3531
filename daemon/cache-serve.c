/* SPDX-License-Identifier: ISC */
/*
 * The exchange's side of the response cache: the look-up, a hit served from
 * a stored response, waiting for another exchange's fill, revalidation, and
 * the decision to store a backend's response (its body is then stored by the
 * cache fill filter, filter-cache.c).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "config.h"
#include "filter.h"
#include "log.h"
#include "proxy-head.h"
#include "exchange.h"
#include "stats.h"
#include "util.h"
#include "worker.h"

/*
 * Waiting for another exchange's fill, possibly on another worker: poll the
 * entry every few milliseconds on this loop's timer queue (no cross-thread
 * wake-ups, no loop ever blocks on the lock), until it is ready or dead or
 * backend_timeout passes; then look again or go to a backend.
 */
#define CACHE_POLL_MS 5

static uint64_t
now_s(void)
{
	return fd_wall_us() / 1000000;
}

/*
 * The cache key of the request: the scheme (the backend is told it in
 * X-Forwarded-Proto, and may answer http and https apart), Host and the
 * target as the client sent it.
 */
static int
cache_serve_req(struct exchange *x, struct cache_req *cr)
{
	const char *uri = exchange_str(x, x->s_uri), *p;
	size_t      len = strlen(uri);

	if (len >= 4096)
		return -1; /* the access log's copy is cut there */
	if (uri[0] != '/') {
		/* absolute-form: the path after the authority */
		if ((p = strstr(uri, "://")) == NULL ||
		    (p = strchr(p + 3, '/')) == NULL)
			return -1;
		len -= (size_t)(p - uri);
		uri = p;
	}
	cr->host = exchange_str(x, x->s_host);
	cr->host_len = strlen(cr->host);
	cr->path = uri;
	cr->path_len = len;
	cr->head = x->head.data;
	cr->head_len = x->head.len;
	cr->restricted = ((x->cflags & PXC_AUTH) ? CACHE_R_AUTH : 0) |
	    ((x->cflags & PXC_COOKIE) ? CACHE_R_COOKIE : 0);
	cr->tls = x->cs->tls;
	return 0;
}

static int  cache_serve_lookup(struct exchange *);
static void cache_serve_hit(struct exchange *);
static void cache_serve_revalidate(struct exchange *, struct cache_entry *);
static int
cache_serve_refreshed(struct exchange *, const struct http_response *);

static void
cache_serve_poll(struct timeout *te)
{
	struct exchange    *x = container_of(te, struct exchange, cwait);
	struct cache_entry *e = x->centry;
	int                 st = cache_entry_state(e);

	if (st == CACHE_FILLING && uv_now(&x->cs->w->loop) < x->cwait_until) {
		timeout_set(&x->cs->w->timeouts, &x->cwait, CACHE_POLL_MS,
		    cache_serve_poll);
		return;
	}
	cache_entry_release(e);
	x->centry = NULL;
	x->cflags &= ~PXC_WAIT;
	if (st == CACHE_READY) {
		if (!cache_serve_lookup(x))
			proxy_admit_backend(x);
		return;
	}
	/* Abandoned (not cacheable after all) or too slow: on our own. */
	log_debug("request %s: cache fill %s; to a backend", x->id,
	    st == CACHE_FILLING ? "too slow" : "abandoned");
	x->xcache = 1 + STATS_CACHE_MISS;
	proxy_admit_backend(x);
}

/* 1 when answered (a hit) or waiting; 0: on to a backend. */
static int
cache_serve_lookup(struct exchange *x)
{
	struct cache_req    cr;
	struct cache_entry *e, *stale = NULL;
	int                 get = x->meth == HTTP_M_GET;

	if (cache_serve_req(x, &cr) != 0) {
		x->xcache = 1 + STATS_CACHE_BYPASS;
		return 0;
	}
	switch (cache_lookup(x->route->id, &cr, get, now_s(), &e,
	    get ? &stale : NULL)) {
	case CACHE_HIT:
		x->centry = e;
		x->cflags |= PXC_HIT;
		x->xcache = 1 + STATS_CACHE_HIT;
		cache_serve_hit(x);
		return 1;
	case CACHE_FILL:
		x->centry = e;
		x->cflags |= PXC_FILL;
		x->xcache = 1 + STATS_CACHE_MISS;
		if (stale != NULL)
			cache_serve_revalidate(x, stale);
		return 0;
	case CACHE_WAIT:
		x->centry = e;
		x->cflags |= PXC_WAIT;
		if (x->cwait_until == 0)
			x->cwait_until = uv_now(&x->cs->w->loop) +
			    x->route->backend_timeout_ms;
		timeout_set(&x->cs->w->timeouts, &x->cwait, CACHE_POLL_MS,
		    cache_serve_poll);
		return 1;
	case CACHE_NONE:
		x->xcache = 1 + STATS_CACHE_MISS;
		return 0;
	default:
		x->xcache = 1 + STATS_CACHE_BYPASS;
		return 0;
	}
}

/* Remove the field lines called name from a request head. */
static void
head_drop(struct buf *b, const char *name)
{
	char  *p, *eol, *end, *colon;
	size_t nl = strlen(name), n;

	if ((p = memmem(b->data, b->len, "\r\n", 2)) == NULL)
		return;
	for (p += 2;; p = eol + 2) {
		end = b->data + b->len;
		if (p >= end ||
		    (eol = memmem(p, (size_t)(end - p), "\r\n", 2)) == NULL ||
		    eol == p)
			return;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon == NULL ||
		    !fd_strncaseeq(p, (size_t)(colon - p), name, nl))
			continue;
		n = (size_t)(eol + 2 - p);
		memmove(p, eol + 2, (size_t)(end - (eol + 2)));
		b->len -= n;
		eol = p - 2; /* the next line starts where this one did */
	}
}

/* Add a field line before the empty line of a head. */
static void
head_add(struct buf *b, const char *name, const char *v, size_t vl)
{
	if (b->len < 4 || memcmp(b->data + b->len - 4, "\r\n\r\n", 4) != 0)
		return;
	b->len -= 2;
	buf_puts(b, name);
	buf_append(b, ": ", 2);
	buf_append(b, v, vl);
	buf_append(b, "\r\n\r\n", 4);
}

/*
 * This fill revalidates stale (its reference taken over): the backend is
 * asked with the stored validators instead of the client's own If-None-Match
 * and If-Modified-Since, which are kept aside for cache_serve_not_modified()
 * (RFC 9111 4.3.1; frontdoor.ini(5), cache).
 */
static void
cache_serve_revalidate(struct exchange *x, struct cache_entry *stale)
{
	const char *v;
	size_t      vl;

	x->cstale = stale;
	if (!(x->cflags & PXC_COND)) {
		v = cache_head_value(x->head.data, x->head.len, "If-None-Match",
		    &vl);
		x->s_inm = v != NULL ? exchange_stradd(x, v, vl) : 0;
		v = cache_head_value(x->head.data, x->head.len,
		    "If-Modified-Since", &vl);
		x->s_ims = v != NULL ? exchange_stradd(x, v, vl) : 0;
		x->cflags |= PXC_COND;
	}
	head_drop(&x->head, "If-None-Match");
	head_drop(&x->head, "If-Modified-Since");
	if ((v = cache_head_value(stale->head, stale->head_len, "ETag", &vl)) !=
	    NULL)
		head_add(&x->head, "If-None-Match", v, vl);
	if ((v = cache_head_value(stale->head, stale->head_len, "Last-Modified",
	         &vl)) != NULL)
		head_add(&x->head, "If-Modified-Since", v, vl);
	log_debug("request %s: revalidating a stored response", x->id);
}

/* A conditional header of the client's, where it is kept; NULL: none. */
static const char *
cache_serve_cond(struct exchange *x, const char *name, uint32_t kept,
    size_t *len)
{
	const char *v;

	if (!(x->cflags & PXC_COND))
		return cache_head_value(x->head.data, x->head.len, name, len);
	if (kept == 0)
		return NULL;
	v = exchange_str(x, kept);
	*len = strlen(v);
	return v;
}

int
cache_serve_admit(struct exchange *x)
{
	if (x->route->cache_size == 0)
		return 0;
	if ((x->meth != HTTP_M_GET && x->meth != HTTP_M_HEAD) ||
	    (x->flags & (XF_HAS_BODY | XF_UPGRADE)) ||
	    (x->cflags & PXC_RANGE)) {
		x->xcache = 1 + STATS_CACHE_BYPASS;
		return 0;
	}
	return cache_serve_lookup(x);
}

static const char *
resp_value(const struct http_response *resp, const char *name, size_t *len)
{
	size_t i, nl = strlen(name);

	for (i = 0; i < resp->nheaders; i++) {
		if (fd_strncaseeq(resp->headers[i].name,
		        resp->headers[i].name_len, name, nl)) {
			*len = resp->headers[i].value_len;
			return resp->headers[i].value;
		}
	}
	return NULL;
}

/* Let go of the entry being filled; abandon: it will not be complete. */
static void
cache_serve_fill_end(struct exchange *x, int abandon)
{
	if (!(x->cflags & PXC_FILL))
		return;
	if (abandon)
		cache_fill_abandon(x->centry);
	cache_entry_release(x->centry);
	x->centry = NULL;
	x->cflags &= ~PXC_FILL;
}

/* The head to store: the backend's, less framing and hop-by-hop. */
static void
cache_serve_store_head(const struct http_response *resp, struct buf *b)
{
	const struct http_header *h;
	size_t                    i;

	buf_printf(b, "HTTP/1.1 %03d ", resp->status);
	buf_append(b, resp->reason, resp->reason_len);
	buf_append(b, "\r\n", 2);
	for (i = 0; i < resp->nheaders; i++) {
		h = &resp->headers[i];
		if (!http_field_forwarded(resp->headers, resp->nheaders, h) ||
		    fd_strncaseeq(h->name, h->name_len, "Age", 3) ||
		    fd_strncaseeq(h->name, h->name_len, "X-Cache", 7))
			continue;
		proxy_head_field(b, h->name, h->name_len, h->value,
		    h->value_len);
	}
	buf_append(b, "\r\n", 2);
}

/*
 * After a 2xx or 3xx to an unsafe method (all but GET, HEAD, OPTIONS and
 * TRACE), the target's stored responses go, and those of a Location or
 * Content-Location on the same host (RFC 9111 4.4; frontdoor.ini(5),
 * cache): given as an absolute path, or an absolute http or https URI
 * whose authority is the request's Host.  Other references are not
 * resolved.
 */
void
cache_serve_invalidate(struct exchange *x, const struct http_response *resp)
{
	static const char *const names[] = { "Location", "Content-Location" };
	struct cache_req         cr, lr;
	const char              *v, *p, *end, *a;
	size_t                   vl, i, n;
	char                     qpath[4096];

	if (x->route->cache_size == 0 || x->meth == HTTP_M_GET ||
	    x->meth == HTTP_M_HEAD || x->meth == HTTP_M_OPTIONS ||
	    x->meth == HTTP_M_TRACE || resp->status < 200 ||
	    resp->status >= 400 || cache_serve_req(x, &cr) != 0)
		return;
	n = cache_invalidate(x->route->id, &cr);
	for (i = 0; i < nitems(names); i++) {
		if ((v = resp_value(resp, names[i], &vl)) == NULL)
			continue;
		lr = cr;
		end = v + vl;
		if ((p = memchr(v, '#', vl)) != NULL)
			end = p; /* a fragment is not part of the key */
		if (vl >= 8 && fd_strncaseeq(v, 8, "https://", 8)) {
			lr.tls = 1;
			p = v + 8;
		} else if (vl >= 7 && fd_strncaseeq(v, 7, "http://", 7)) {
			lr.tls = 0;
			p = v + 7;
		} else if (vl >= 1 && v[0] == '/' && (vl < 2 || v[1] != '/'))
			p = NULL; /* an absolute path */
		else
			continue;
		if (p != NULL) {
			/* The authority ends at the path or the query. */
			for (a = p; a < end && *a != '/' && *a != '?'; a++)
				;
			if (!fd_strncaseeq(p, (size_t)(a - p), cr.host,
			        cr.host_len))
				continue; /* another host's: not ours to drop */
			if (a < end && *a == '/') {
				lr.path = a;
				lr.path_len = (size_t)(end - a);
			} else if ((size_t)(end - a) + 1 < sizeof qpath) {
				/* "http://host" or "http://host?q": "/" first. */
				qpath[0] = '/';
				memcpy(qpath + 1, a, (size_t)(end - a));
				lr.path = qpath;
				lr.path_len = (size_t)(end - a) + 1;
			} else
				continue;
		} else {
			lr.path = v;
			lr.path_len = (size_t)(end - v);
		}
		if (lr.path_len >= 4096)
			continue;
		n += cache_invalidate(x->route->id, &lr);
	}
	if (n > 0)
		log_debug("request %s: %zu stored response%s invalidated",
		    x->id, n, n == 1 ? "" : "s");
}

int
cache_serve_response(struct exchange *x, const struct http_response *resp)
{
	struct cache_meta meta;
	struct cache_req  cr;
	struct buf        head;
	int               keep = 0;

	memset(&meta, 0, sizeof meta);
	cache_serve_invalidate(x, resp);
	if (x->cstale != NULL) {
		if (resp->status == 304 && (x->cflags & PXC_FILL))
			return cache_serve_refreshed(x, resp);
		/* A full response (or an error): the usual fill, if any. */
		cache_entry_release(x->cstale);
		x->cstale = NULL;
	}
	if (x->cflags & PXC_FILL) {
		if (cache_serve_req(x, &cr) == 0 &&
		    cache_storable(x->meth, resp->status, resp->headers,
		        resp->nheaders, cr.restricted, now_s(), &meta)) {
			buf_init(&head, 0);
			cache_serve_store_head(resp, &head);
			keep = cache_fill_head(x->centry, &cr, resp->status,
			           head.data, head.len, &meta) == 0;
			buf_free(&head);
		}
		free(meta.vary_names);
		if (!keep)
			cache_serve_fill_end(x, 1);
		else if (x->resp_mode == BODY_LENGTH && x->resp_left == 0) {
			/* An empty body is complete already. */
			cache_fill_done(x->centry);
			cache_serve_fill_end(x, 0);
		} else {
			/* The body is stored as it passes: the fill filter's. */
			body_chain_add(&x->body,
			    filter_cache_new(x->centry, x->id));
			x->centry = NULL;
			x->cflags &= ~PXC_FILL;
		}
	}
	return 0;
}

/* If-None-Match (weak comparison), else If-Modified-Since, against e. */
static int
cache_serve_not_modified(struct exchange *x, const struct http_response *resp)
{
	const char *inm, *ims, *etag, *lm, *p, *end, *t;
	size_t      inml, imsl, el, lml, tl;
	int64_t     a, b;

	if (resp->status != 200)
		return 0;
	inm = cache_serve_cond(x, "If-None-Match", x->s_inm, &inml);
	if (inm != NULL) {
		if ((etag = resp_value(resp, "ETag", &el)) == NULL)
			return http_list_has(inm, inml, "*");
		if (el > 2 && etag[0] == 'W' && etag[1] == '/')
			etag += 2, el -= 2;
		for (p = inm, end = inm + inml; p < end;) {
			while (
			    p < end && (*p == ' ' || *p == '\t' || *p == ','))
				p++;
			for (t = p; p < end && *p != ','; p++)
				;
			tl = (size_t)(p - t);
			while (
			    tl > 0 && (t[tl - 1] == ' ' || t[tl - 1] == '\t'))
				tl--;
			if (tl == 1 && t[0] == '*')
				return 1;
			if (tl > 2 && t[0] == 'W' && t[1] == '/')
				t += 2, tl -= 2;
			if (tl == el && memcmp(t, etag, el) == 0)
				return 1;
		}
		return 0;
	}
	ims = cache_serve_cond(x, "If-Modified-Since", x->s_ims, &imsl);
	lm = resp_value(resp, "Last-Modified", &lml);
	if (ims == NULL || lm == NULL)
		return 0;
	a = cache_parse_date(lm, lml);
	b = cache_parse_date(ims, imsl);
	return a >= 0 && b >= 0 && a <= b;
}

/*
 * The head of x->centry for the client (or a 304 for its conditional),
 * and resp_mode for its body; -1 if the stored head does not parse.
 */
static int
cache_serve_head(struct exchange *x)
{
	struct cache_entry  *e = x->centry;
	struct http_header   hdrs[HTTP_RESP_MAX_HEADERS];
	struct http_response resp;
	struct http_limits   lim = http_response_limits(e->head_len);
	const char          *why = NULL;

	if (http_parse_response(e->head, e->head_len, &lim, &resp, hdrs,
	        &why) <= 0) {
		/* Cannot happen: we stored a head we had parsed. */
		log_warn("request %s: bad cached head: %s", x->id,
		    why != NULL ? why : "?");
		return -1;
	}
	if (cache_serve_not_modified(x, &resp)) {
		x->cflags |= PXC_NOTMOD;
		resp.status = 304;
		resp.reason = "Not Modified";
		resp.reason_len = 12;
		x->resp_mode = BODY_NONE;
	} else if (x->meth == HTTP_M_HEAD)
		x->resp_mode = BODY_NONE;
	else
		x->resp_mode = BODY_CACHE;
	x->status = resp.status;
	x->hit_off = 0;
	/* The stored body's length, as a backend's Content-Length gives it. */
	if (!(x->cflags & PXC_NOTMOD)) {
		resp.flags |= HTTP_F_CONTENT_LENGTH;
		resp.content_length = e->body_len;
	}
	proxy_body_setup(x, &resp, 1, e->body_len);
	if (PROXY_LAST(x))
		x->flags &= ~XF_KEEPALIVE;
	proxy_build_response(x, &resp);
	x->flags |= XF_RESP_HEAD;
	if (x->resp_mode == BODY_NONE)
		x->flags |= XF_RESP_DONE;
	return 0;
}

/* A hit: the head from the entry, then its body through the pump. */
static void
cache_serve_hit(struct exchange *x)
{
	if (cache_serve_head(x) != 0) {
		proxy_error(x, 502, 0);
		return;
	}
	proxy_pump_response(x);
}

/*
 * Fields of a 304 that update a stored response (RFC 9111 3.2, 4.3.4): all
 * but framing and hop-by-hop ones, Age (counted apart), our X-Cache, and
 * those that describe the stored bytes themselves (Content-Encoding,
 * Content-Range).
 */
static int
notmod_updates(const struct http_response *nm, const struct http_header *h)
{
	static const char *const skip[] = { "Age", "X-Cache",
		"Content-Encoding", "Content-Range" };
	size_t                   i;

	if (!http_field_forwarded(nm->headers, nm->nheaders, h))
		return 0;
	for (i = 0; i < nitems(skip); i++) {
		if (fd_strncaseeq(h->name, h->name_len, skip[i],
		        strlen(skip[i])))
			return 0;
	}
	return 1;
}

/* Whether the 304 nm has an updating field of h's name. */
static int
notmod_replaces(const struct http_response *nm, const struct http_header *h)
{
	size_t i;

	for (i = 0; i < nm->nheaders; i++) {
		if (fd_strncaseeq(nm->headers[i].name, nm->headers[i].name_len,
		        h->name, h->name_len) &&
		    notmod_updates(nm, &nm->headers[i]))
			return 1;
	}
	return 0;
}

/*
 * The backend answered our revalidation with 304 (nm): the stored head,
 * its fields replaced by the 304's, and the stored body become the new
 * entry with the freshness they now give (RFC 9111 4.3.4); it answers the
 * client.  When the result cannot be stored (the 304 says no-store, the
 * cache was purged, too many fields), the stale entry answers as it is.
 */
static int
cache_serve_refreshed(struct exchange *x, const struct http_response *nm)
{
	struct cache_entry       *old = x->cstale;
	struct http_header        hdrs[HTTP_RESP_MAX_HEADERS];
	struct http_response      sr;
	struct http_limits        lim;
	struct cache_meta         meta;
	struct cache_req          cr;
	struct buf                head;
	const struct http_header *h;
	const char               *v;
	size_t                    i, n = 0, vl;
	int                       ok = 0, status;

	x->cstale = NULL;
	memset(&meta, 0, sizeof meta);
	buf_init(&head, 0);
	lim = http_response_limits(old->head_len);
	if (http_parse_response(old->head, old->head_len, &lim, &sr, hdrs,
	        NULL) <= 0)
		goto stored;
	status = sr.status;
	buf_printf(&head, "HTTP/1.1 %03d ", sr.status);
	buf_append(&head, sr.reason, sr.reason_len);
	buf_append(&head, "\r\n", 2);
	for (i = 0; i < sr.nheaders; i++) {
		h = &sr.headers[i];
		if (notmod_replaces(nm, h))
			continue;
		proxy_head_field(&head, h->name, h->name_len, h->value,
		    h->value_len);
		n++;
	}
	for (i = 0; i < nm->nheaders; i++) {
		h = &nm->headers[i];
		if (!notmod_updates(nm, h))
			continue;
		proxy_head_field(&head, h->name, h->name_len, h->value,
		    h->value_len);
		n++;
	}
	buf_append(&head, "\r\n", 2);
	if (n > HTTP_RESP_MAX_HEADERS || cache_serve_req(x, &cr) != 0)
		goto stored;
	lim = http_response_limits(head.len);
	if (http_parse_response(head.data, head.len, &lim, &sr, hdrs, NULL) <=
	        0 ||
	    !cache_storable(HTTP_M_GET, status, sr.headers, sr.nheaders,
	        cr.restricted, now_s(), &meta))
		goto stored;
	/* The stored head has no Age: the 304's says how old it is now. */
	if ((v = resp_value(nm, "Age", &vl)) != NULL &&
	    (meta.age0_s = cache_parse_age(v, vl)) >= meta.lifetime_s)
		goto stored;
	if (cache_fill_head(x->centry, &cr, status, head.data, head.len,
	        &meta) == 0 &&
	    cache_fill_body(x->centry, old->body, old->body_len) == 0 &&
	    cache_fill_done(x->centry) == 0)
		ok = 1;
stored:
	free(meta.vary_names);
	buf_free(&head);
	if (ok) {
		/* The filler's reference now serves the new entry. */
		x->cflags &= ~PXC_FILL;
		cache_entry_release(old);
	} else {
		cache_serve_fill_end(x, 1);
		x->centry = old;
	}
	x->cflags |= PXC_HIT;
	log_debug("request %s: revalidated (304)%s", x->id,
	    ok ? "" : "; the stored response not renewed");
	return cache_serve_head(x) == 0 ? 1 : -1;
}

/* Headers a 304 carries (RFC 9110 15.4.5). */
static int
notmod_keeps(const struct http_header *h)
{
	static const char *const keep[] = { "ETag", "Cache-Control", "Expires",
		"Vary", "Date", "Last-Modified", "Content-Location" };
	size_t                   i;

	for (i = 0; i < nitems(keep); i++) {
		if (fd_strncaseeq(h->name, h->name_len, keep[i],
		        strlen(keep[i])))
			return 1;
	}
	return 0;
}

int
cache_serve_header(struct exchange *x, const struct http_header *h)
{
	if (x->cflags & PXC_NOTMOD && !notmod_keeps(h))
		return 1;
	if (x->xcache != 0 && fd_strncaseeq(h->name, h->name_len, "X-Cache", 7))
		return 1;
	return 0;
}

void
cache_serve_headers(struct exchange *x, struct buf *b)
{
	static const char *const what[] = { "HIT", "MISS", "BYPASS" };

	if (x->xcache != 0)
		buf_printf(b, "X-Cache: %s\r\n", what[x->xcache - 1]);
	if (x->cflags & PXC_HIT)
		buf_printf(b, "Age: %llu\r\n",
		    (unsigned long long)cache_entry_age(x->centry, now_s()));
}

void
cache_serve_abort(struct exchange *x)
{
	if (x->cwait.deadline != 0)
		timeout_del(&x->cs->w->timeouts, &x->cwait);
	cache_serve_fill_end(x, 1);
	cache_entry_release(x->cstale);
	x->cstale = NULL;
	if (x->cflags & PXC_WAIT) {
		cache_entry_release(x->centry);
		x->centry = NULL;
		x->cflags &= ~PXC_WAIT;
	}
}

void
cache_serve_free(struct exchange *x)
{
	cache_serve_abort(x);
	if (x->centry != NULL) {
		cache_entry_release(x->centry);
		x->centry = NULL;
	}
	x->cflags = 0;
}

void
cache_serve_account(struct exchange *x, struct route_stats *rs)
{
	if (x->xcache == 0)
		return;
	STATS_ADD(rs->cache[x->xcache - 1], 1);
	if (x->xcache == 1 + STATS_CACHE_HIT)
		STATS_ADD(rs->cache_bytes, x->bytes_sent);
}
