/* SPDX-License-Identifier: ISC */
/* The exchange: forward one request to a backend and its response back. */

/*
 * Who owns what.  A worker (worker.c) owns its client connections and its
 * pools of idle backend connections.  A client side (client-side.h) owns the
 * exchange of the request it carries; the exchange owns the backend
 * connection it uses, x->u (backend-conn.c), until it goes back to a pool or
 * is closed.  Today the one client side is an HTTP/1 connection (conn.c,
 * with TLS below it in conn-tls.c and plaintext above it), which holds its
 * exchange as c->x; the exchange knows only x->cs, a struct client_side:
 * its operations, its worker, its configuration, its peer, whether it is
 * over TLS.  Nothing here says which transport carries the exchange.
 *
 * Neither side knows what an exchange is: each calls up through a table of
 * callbacks; the exchange calls the client side through x->cs->ops and the
 * backend connection by name.
 *
 *   client side -> exchange: worker->client_cb, proxy_client_cb below
 *     start, request, refuse   a request begins; its head (consumed by the
 *                              client side); a bad or late head (400, 408,
 *                              414, 431)
 *     data, eof                more body bytes held; the client's end
 *     abort, free              the client side closes; it is done with x
 *   exchange -> client side: struct client_ops, client_side_*()
 *     peek, consume, release   the body's bytes held, its framing undone;
 *                              take some; their room is free again once
 *                              written to the backend
 *     held, discard, trailers  what the client sent that is held, framing
 *                              and all; drop it; the body's trailer fields
 *     read_start/stop, full    read more of the body, or not yet
 *     ended                    the client ended its side
 *     interim                  a 100 Continue, before the final head
 *     head_start, head_end     the response head around the fields the
 *                              exchange decided: the status line, how
 *                              the body is delimited, the connection
 *     body                     a piece of the body, framed by the side
 *     write                    the response head and body; its callback
 *                              says when they are on the wire, and no
 *                              other write starts before (back-pressure)
 *     abort                    close it, the exchange under way
 *     done                     the exchange is over: keep-alive or close
 *     tls_version              for the access log
 *
 * The request body comes without its framing: the client side knows how
 * its transport delimits a body (for HTTP/1 a Content-Length, chunks it
 * decodes where they lie, a tunnel's bytes after a 101) and says when the
 * body ends or is malformed.  proxy_pump_request() counts the body against
 * max_body_size and frames it again for the backend: chunks for a chunked
 * one, with the trailer fields that may pass.
 *
 *   backend connection -> exchange: proxy_backend_cb, data x
 *     connected, data, written, eof, timeout
 *   exchange -> backend connection: backend-conn.h
 *     backend_conn_get, backend_conn_write, backend_conn_read_start/stop,
 *     backend_conn_set_timeout, backend_conn_release, backend_conn_close
 *
 *   exchange -> gate: gate_check(&x->gate, req), a struct gate_req that
 *     names the route, the addresses and the id, and the calls back: a
 *     password check that passes calls proxy_gate_done later, a refusal
 *     proxy_gate_deny; gate_cancel() when the exchange ends first.  The
 *     gate knows nothing of the exchange.
 *   exchange -> cache-serve.c (the response cache: look-ups, hits,
 *     revalidation, what to store), errpage.c (the page and fields of
 *     its own answers, framed by the client side like any response:
 *     proxy_answer()), accesslog.c (a struct accesslog_line), stats.c
 *
 * A response body flows source -> filters -> sink (filter.h), a step per
 * write to the client: proxy_body_source() takes the backend's bytes as its
 * framing delimits them, or a stored body's; x->body's filters (the cache
 * fill, the compressor) change or keep them; the client side frames them
 * (client_side_body()).  proxy_body_setup() chooses the filters once the
 * head is known, proxy_build_response() tells the client side how the body
 * comes.
 *
 * Headers follow the layers: client-side.h, conn.h, backend-conn.h, stream.h,
 * accesslog.h and errpage.h include no header above them; exchange.h includes
 * client-side.h, filter.h and gate.h, never conn.h (scripts/layer-check).
 * The response's HTTP/1 framing (http-frame.h) and the request body's
 * (http-reqbody.h) are the client side's; this file uses http-frame.h only
 * for the request body it frames for the backend.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accesslog.h"
#include "cache.h"
#include "compress.h"
#include "config.h"
#include "client-side.h"
#include "errpage.h"
#include "filter.h"
#include "gate.h"
#include "health.h"
#include "http-frame.h"
#include "log.h"
#include "path.h"
#include "proxy-head.h"
#include "exchange.h"
#include "route.h"
#include "stats.h"
#include "stream.h"
#include "switch.h"
#include "backend-conn.h"
#include "util.h"
#include "worker.h"

static int  proxy_pump_request(struct exchange *);
static void proxy_connect(struct exchange *, int fresh);
static void proxy_finish(struct exchange *);
static void proxy_fail(struct exchange *, int status, const char *why);
static void proxy_error_text(struct exchange *, int, int, const char *);
static void proxy_maintenance(struct exchange *, int);
static void proxy_admit(struct exchange *);
static void
proxy_https_redirect(struct exchange *, const struct http_request *);
static void proxy_add_header(struct exchange *, const char *, const char *);
static void proxy_answer_headers(struct exchange *, int, int, const char *);
static void
proxy_answer(struct exchange *, int, int, const char *, char *, size_t);
static void proxy_account(struct exchange *);
static void proxy_abort(struct exchange *);
static void proxy_client_eof(struct exchange *, int);

/* Below, beside the functions they name. */
static const struct backend_conn_cb proxy_backend_cb;
static gate_done_cb                 proxy_gate_done;
static gate_deny_cb                 proxy_gate_deny;

uint32_t
exchange_stradd(struct exchange *x, const char *s, size_t len)
{
	uint32_t off = (uint32_t)x->strs.len;

	/* The log keeps at most 4 KiB of any one string. */
	if (len > 4096)
		len = 4096;
	if (buf_append(&x->strs, s, len) != 0 ||
	    buf_append(&x->strs, "", 1) != 0)
		return 0;
	return off;
}

const char *
exchange_str(const struct exchange *x, uint32_t off)
{
	return x->strs.data != NULL ? x->strs.data + off : "";
}

static void
hex64(char *out, uint64_t v)
{
	static const char digits[] = "0123456789abcdef";
	int               i;

	for (i = 15; i >= 0; i--, v >>= 4)
		out[i] = digits[v & 0xf];
	out[16] = '\0';
}

static struct exchange *
exchange_new(struct client_side *cs)
{
	struct worker   *w = cs->w;
	struct exchange *x;

	/* Recycled with their buffers: no allocation per request. */
	if ((x = w->xfree) != NULL) {
		w->xfree = x->next_free;
		w->nxfree--;
		memset(x, 0, offsetof(struct exchange, head));
		memset(&x->resp_ch, 0,
		    sizeof *x - offsetof(struct exchange, resp_ch));
		buf_reset(&x->head);
		buf_reset(&x->out);
		buf_reset(&x->strs);
		buf_reset(&x->path);
		buf_reset(&x->errpage);
	} else {
		x = xcalloc(1, sizeof *x);
		buf_init(&x->head, 0);
		buf_init(&x->out, 0);
		buf_init(&x->strs, 0);
		buf_init(&x->path, 0);
		buf_init(&x->errpage, 0);
	}
	list_init(&x->tlink);
	x->cs = cs;
	x->wreq.data = x;
	buf_append(&x->strs, "", 1); /* offset 0 is "" */
	x->start_ms = uv_now(&w->loop);
	x->start_us = fd_wall_us();
	x->start_ns = uv_hrtime();
	x->version = 11;
	x->flags = XF_HTML;
	hex64(x->id, worker_random(w));
	addr_format_ip(&cs->peer.sa, x->client_ip, sizeof x->client_ip);
	return x;
}

/*
 * Open tunnels, per worker and route id, oldest first: for the route's count
 * and oldest age, and for cutting them when the owner switches it off.
 */
static void
proxy_tunnel_open(struct exchange *x)
{
	struct worker      *w = x->cs->w;
	struct route_stats *rs = &w->stats->routes[x->route->id];
	unsigned            id = x->route->id, i;

	if (w->tunnels == NULL) {
		w->tunnels = xcalloc(STATS_MAX_ROUTES, sizeof *w->tunnels);
		for (i = 0; i < STATS_MAX_ROUTES; i++)
			list_init(&w->tunnels[i]);
	}
	if (list_empty(&w->tunnels[id]))
		__atomic_store_n(&rs->tunnel_oldest_us, x->start_us,
		    __ATOMIC_RELAXED);
	list_insert_tail(&w->tunnels[id], &x->tlink);
	x->flags |= XF_TUNNEL;
	STATS_ADD(rs->tunnels, 1);
}

static void
proxy_tunnel_close(struct exchange *x)
{
	struct worker      *w;
	struct route_stats *rs;
	struct exchange    *first;
	unsigned            id;

	if (!(x->flags & XF_TUNNEL))
		return; /* also before any route is known */
	w = x->cs->w;
	id = x->route->id;
	rs = &w->stats->routes[id];
	x->flags &= ~XF_TUNNEL;
	first = list_first(&w->tunnels[id], struct exchange, tlink);
	list_remove(&x->tlink);
	if (first == x) {
		first = list_first(&w->tunnels[id], struct exchange, tlink);
		__atomic_store_n(&rs->tunnel_oldest_us,
		    first != NULL ? first->start_us : 0, __ATOMIC_RELAXED);
	}
	STATS_ADD(rs->tunnels_closed, 1);
}

/* Whether the owner has switched r off, not to drain: its tunnels go. */
static int
proxy_route_cut(const struct worker *w, const struct route_conf *r)
{
	const struct route_conf *now;

	switch (switch_route_get(r->id)) {
	case ROUTE_ADMIN_DISABLED:
		return 1;
	case ROUTE_ADMIN_NONE:
		now = config_route(w->config, r->name);
		return now != NULL && !now->enabled;
	default:
		return 0;
	}
}

void
proxy_cut_tunnels(struct worker *w)
{
	struct exchange *x;
	struct list     *e, *next;
	unsigned         id, n;
	char             name[64];

	if (w->tunnels == NULL)
		return;
	for (id = 0; id < STATS_MAX_ROUTES; id++) {
		x = list_first(&w->tunnels[id], struct exchange, tlink);
		if (x == NULL || !proxy_route_cut(w, x->route))
			continue;
		snprintf(name, sizeof name, "%s", x->route->name);
		n = 0;
		list_for_each_safe (e, next, &w->tunnels[id]) {
			x = container_of(e, struct exchange, tlink);
			proxy_abort(x); /* unlinks it */
			client_side_abort(x->cs);
			n++;
		}
		log_info("route %s: disabled, %u tunnel(s) closed", name, n);
	}
}

/* Back to the worker's free list (or freed); NULL is a no-op. */
static void
exchange_free(struct exchange *x)
{
	struct worker *w;

	if (x == NULL)
		return;
	proxy_tunnel_close(x);
	cache_serve_free(x);
	body_chain_free(&x->body);
	w = x->cs->w;
	if (w->nxfree < EXCHANGE_FREE_MAX && x->head.cap <= 8192 &&
	    x->out.cap <= 8192 && x->strs.cap <= 8192 && x->path.cap <= 8192 &&
	    x->errpage.cap <= 8192) {
		x->next_free = w->xfree;
		w->xfree = x;
		w->nxfree++;
		return;
	}
	exchange_destroy(x);
}

void
exchange_destroy(struct exchange *x)
{
	cache_serve_free(x);
	body_chain_free(&x->body);
	free(x->tbuf);
	buf_free(&x->head);
	buf_free(&x->out);
	buf_free(&x->strs);
	buf_free(&x->path);
	buf_free(&x->errpage);
	free(x);
}

/* The peer address as family and raw bytes, v4-mapped v6 unwrapped. */
static int
peer_bytes(const union sockaddr_any *a, uint8_t *out)
{
	if (a->sa.sa_family == AF_INET) {
		memcpy(out, &a->sin.sin_addr, 4);
		return AF_INET;
	}
	memcpy(out, &a->sin6.sin6_addr, 16);
	return AF_INET6;
}

static int
is_trusted(const struct config *cfg, int family, const uint8_t *addr)
{
	size_t i;

	for (i = 0; i < cfg->ntrusted_proxies; i++) {
		if (cidr_match(&cfg->trusted_proxies[i], family, addr))
			return 1;
	}
	return 0;
}

/*
 * frontdoor.ini(5), trusted_proxies: the client is the peer, or, when the peer is a trusted proxy, the
 * rightmost X-Forwarded-For address that is not a trusted proxy.
 */
static void
proxy_client_addr(struct exchange *x, const struct http_request *req,
    int trusted)
{
	const struct config *cfg = x->cs->cfg;
	char                 tok[INET6_ADDRSTRLEN];
	uint8_t              addr[16];
	const char          *v, *p, *e;
	size_t               i, len;
	int                  fam;

	if (!trusted)
		return;
	for (i = req->nheaders; i-- > 0;) {
		if (req->headers[i].id != HTTP_HDR_X_FORWARDED_FOR)
			continue;
		v = req->headers[i].value;
		e = v + req->headers[i].value_len;
		while (e > v) {
			p = e;
			while (p > v && p[-1] != ',')
				p--;
			/* Trim the token [p, e). */
			while (p < e && (*p == ' ' || *p == '\t'))
				p++;
			len = e - p;
			while (len > 0 &&
			    (p[len - 1] == ' ' || p[len - 1] == '\t'))
				len--;
			e = p > v ? p - 1 : v;
			if (len == 0)
				continue;
			if (len >= sizeof tok)
				return;
			memcpy(tok, p, len);
			tok[len] = '\0';
			if (inet_pton(AF_INET, tok, addr) == 1)
				fam = AF_INET;
			else if (inet_pton(AF_INET6, tok, addr) == 1)
				fam = AF_INET6;
			else
				return; /* garbage: believe no further */
			snprintf(x->client_ip, sizeof x->client_ip, "%s", tok);
			if (!is_trusted(cfg, fam, addr))
				return;
		}
	}
}

static int
valid_request_id(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > 64)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		        (c >= 'A' && c <= 'Z') || c == '-' || c == '_' ||
		        c == '.'))
			return 0;
	}
	return 1;
}

/* A chunked response to decode, keeping its trailer fields in x->tbuf. */
static void
proxy_chunked_init(struct exchange *x, struct http_chunked *ch)
{
	http_chunked_init(ch, HTTP_MAX_TRAILER);
	if (x->tbuf == NULL)
		x->tbuf = xmalloc(HTTP_MAX_TRAILER);
	ch->trailers = x->tbuf;
}

/* Build the request head for the backend into x->head. */
static void
proxy_build_head(struct exchange *x, const struct http_request *req,
    int trusted)
{
	const struct route_conf *r = x->route;
	struct head_params       hp;
	char                     peer[INET6_ADDRSTRLEN];

	addr_format_ip(&x->cs->peer.sa, peer, sizeof peer);
	memset(&hp, 0, sizeof hp);
	if (r->strip_path && r->path_len > 1)
		hp.strip_len = r->path_len;
	hp.preserve_host = r->preserve_host;
	hp.auth = r->auth != NULL;
	hp.trusted = trusted;
	hp.tls = x->cs->tls;
	hp.upgrade = (x->flags & XF_UPGRADE) != 0;
	hp.chunked = x->req_mode == BODY_CHUNKED;
	hp.sized = x->req_mode == BODY_LENGTH;
	hp.content_length = req->content_length;
	hp.peer = peer;
	hp.client_ip = x->client_ip;
	hp.id = x->id;
	hp.rules = &r->req_rules;
	hp.route = r->name;
	proxy_head_build(&x->head, req, &hp);
	x->host_off = hp.host_off;
	x->host_len = hp.host_len;
	x->host_is_backend = hp.host_is_backend;
}

static const char *
find_header(const struct http_request *req, const char *name, size_t len,
    size_t *vlen)
{
	size_t i;

	for (i = 0; i < req->nheaders; i++) {
		if (fd_strncaseeq(req->headers[i].name,
		        req->headers[i].name_len, name, len)) {
			*vlen = req->headers[i].value_len;
			return req->headers[i].value;
		}
	}
	*vlen = 0;
	return "";
}

/* Keep what the access log needs: the head's bytes are reused after this. */
static void
proxy_note_request(struct exchange *x, const struct http_request *req)
{
	const char *v;
	size_t      vl;

	x->meth = req->meth;
	x->version = req->version;
	x->s_method = exchange_stradd(x, req->method, req->method_len);
	x->s_uri = exchange_stradd(x, req->target, req->target_len);
	x->s_proto =
	    exchange_stradd(x, req->version == 10 ? "HTTP/1.0" : "HTTP/1.1", 8);
	if (req->host != NULL)
		x->s_host = exchange_stradd(x, req->host, req->host_len);
	v = find_header(req, "Referer", 7, &vl);
	x->s_referer = exchange_stradd(x, v, vl);
	v = find_header(req, "User-Agent", 10, &vl);
	x->s_ua = exchange_stradd(x, v, vl);
}

/*
 * What the request says about its response's body: the coding the client
 * takes (the compressor), and what the cache must respect.
 */
static void
proxy_note_body(struct exchange *x, const struct http_request *req)
{
	const struct http_header *h;
	size_t                    i;

	for (i = 0; i < req->nheaders; i++) {
		h = &req->headers[i];
		if (fd_strncaseeq(h->name, h->name_len, "Accept-Encoding",
		        15)) {
			if (x->route->compress && x->enc == COMPRESS_NONE)
				x->enc = (uint8_t)compress_choose(h->value,
				    h->value_len);
		} else if (fd_strncaseeq(h->name, h->name_len, "Authorization",
		               13))
			x->cflags |= PXC_AUTH;
		else if (fd_strncaseeq(h->name, h->name_len, "Cookie", 6) &&
		    !x->route->cache_ignore_cookies)
			x->cflags |= PXC_COOKIE;
		else if (fd_strncaseeq(h->name, h->name_len, "Range", 5))
			x->cflags |= PXC_RANGE;
	}
}

/* FNV-1a over the client address and a backend's name: rendezvous hashing. */
static uint64_t
proxy_hrw(const char *client, const char *backend)
{
	uint64_t h = 1469598103934665603ull;

	for (; *client != '\0'; client++)
		h = (h ^ (unsigned char)*client) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull;
	for (; *backend != '\0'; backend++)
		h = (h ^ (unsigned char)*backend) * 1099511628211ull;
	/* A final mix: FNV's low bits alone spread poorly. */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

static int
proxy_backend_open(const struct exchange *x, size_t i)
{
	enum backend_admin a = switch_backend_get(x->route->backends[i].id);

	return a != BACKEND_ADMIN_DISABLED && a != BACKEND_ADMIN_DRAINING &&
	    !(x->tried & (1ull << (i % 64)));
}

/*
 * Choose a backend by the route's balance among those that are switched on,
 * not yet tried for this request and not known to be down.  When every such
 * backend is down, one whose retry time has come gets a trial request.
 * NULL when there is none: the caller answers 503 at once.
 */
static const struct backend_conf *
proxy_pick_backend(struct exchange *x)
{
	const struct route_conf *r = x->route;
	struct worker           *w = x->cs->w;
	struct backend_stats     bs;
	uint64_t                 start, best_score = 0, score, now;
	size_t                   i, k, n = r->nbackends, best = SIZE_MAX;

	if (r->index >= w->nrr) {
		k = r->index + 1;
		w->rr = xreallocarray(w->rr, k, sizeof *w->rr);
		memset(w->rr + w->nrr, 0, (k - w->nrr) * sizeof *w->rr);
		w->nrr = k;
	}
	start = w->rr[r->index]++;
	now = uv_now(&w->loop);
	/*
	 * A down backend whose retry time has come takes this request as its
	 * trial; if that fails, proxy_retry() sends it on, unseen by the client.
	 */
	for (k = 0; k < n; k++) {
		i = (start + k) % n;
		if (proxy_backend_open(x, i) &&
		    !health_is_up(&r->backends[i]) &&
		    health_usable(&r->backends[i], now))
			return &r->backends[i];
	}
	for (k = 0; k < n; k++) {
		i = (start + k) % n;
		if (!proxy_backend_open(x, i) || !health_is_up(&r->backends[i]))
			continue;
		switch (r->balance) {
		case BALANCE_LEAST_CONN:
			/* Fewest requests in flight, across all workers. */
			stats_backend_sum(r->backends[i].id, &bs);
			score = UINT64_MAX - (bs.started - bs.finished);
			break;
		case BALANCE_IP_HASH:
			score = proxy_hrw(x->client_ip, r->backends[i].name);
			break;
		default:
			score = UINT64_MAX; /* the first in turn */
			break;
		}
		if (best == SIZE_MAX || score > best_score) {
			best = i;
			best_score = score;
			if (r->balance == BALANCE_ROUND_ROBIN)
				break;
		}
	}
	if (best != SIZE_MAX)
		return &r->backends[best];
	return NULL;
}

/* Take backend b for this request: counters, and the Host line if it names it. */
static void
proxy_use_backend(struct exchange *x, const struct backend_conf *b)
{
	struct worker_stats *ws = x->cs->w->stats;
	size_t               blen = strlen(b->name), tail;

	if (x->host_is_backend && x->head.len > 0) {
		/* Splice the new address into "Host: " of the built head. */
		tail = x->head.len - (x->host_off + x->host_len);
		if (buf_reserve(&x->head, blen) == 0) {
			memmove(x->head.data + x->host_off + blen,
			    x->head.data + x->host_off + x->host_len, tail);
			memcpy(x->head.data + x->host_off, b->name, blen);
			x->head.len = x->host_off + blen + tail;
			x->host_len = blen;
		}
	}
	x->backend = b;
	x->tried |= 1ull << ((size_t)(b - x->route->backends) % 64);
	STATS_ADD(ws->backends[b->id].requests, 1);
	STATS_ADD(ws->backends[b->id].started, 1);
}

static int
proxy_idempotent(enum http_method m)
{
	return m == HTTP_M_GET || m == HTTP_M_HEAD || m == HTTP_M_PUT ||
	    m == HTTP_M_DELETE || m == HTTP_M_OPTIONS || m == HTTP_M_TRACE;
}

/*
 * The backend failed before any byte of a response.  Send the request to
 * another backend when that cannot repeat work: always when the backend got
 * nothing (no connection), for idempotent methods when no body byte went.
 * Returns 1 when a retry is under way.
 */
static int
proxy_retry(struct exchange *x, int got_nothing)
{
	const struct backend_conf *b;
	struct worker_stats       *ws = x->cs->w->stats;

	if (x->flags & (XF_RESP_BYTES | XF_CWRITE | XF_RESP_HEAD))
		return 0;
	if (!got_nothing &&
	    (!proxy_idempotent(x->meth) || (x->flags & XF_BODY_SENT)))
		return 0;
	if ((b = proxy_pick_backend(x)) == NULL)
		return 0;
	if (x->u != NULL) {
		backend_conn_close(x->u);
		x->u = NULL;
	}
	STATS_ADD(ws->backends[x->backend->id].finished, 1);
	log_info("request %s: retrying on backend %s", x->id, b->name);
	proxy_use_backend(x, b);
	x->flags &= ~XF_HEAD_SENT;
	proxy_connect(x, 0);
	return 1;
}

/* Whether an Upgrade field names the WebSocket protocol. */
static int
proxy_upgrade_websocket(const struct http_header *hdrs, size_t n)
{
	const char *p, *end, *e;
	size_t      i;

	for (i = 0; i < n; i++) {
		if (hdrs[i].id != HTTP_HDR_UPGRADE)
			continue;
		p = hdrs[i].value;
		end = p + hdrs[i].value_len;
		while (p < end) {
			while (
			    p < end && (*p == ' ' || *p == '\t' || *p == ','))
				p++;
			e = p;
			while (e < end && *e != ',' && *e != ' ' && *e != '\t')
				e++;
			if (fd_strncaseeq(p, (size_t)(e - p), "websocket", 9))
				return 1;
			p = e;
		}
	}
	return 0;
}

/*
 * Put the canonical path (path.c) in place of the request's: routing, the
 * gate, the cache key and the target sent on all read req->path from here.
 * The other readings a backend could take (encoded separators, path
 * parameters) must lead to the same route, or no reading is safe to gate
 * and the request is refused.  Returns the route (NULL: none), or sets
 * *bad with a reason for a 400.
 */
static const struct route_conf *
proxy_canonical(struct exchange *x, struct http_request *req, const char **bad)
{
	const struct config     *cfg = x->cs->cfg;
	const struct route_conf *r, *alt;
	struct buf              *b = &x->path;
	const char              *host = req->host;
	size_t                   hl = host != NULL ? req->host_len : 0;
	size_t                   plen = req->path_only_len, qlen;
	unsigned                 readings, f;
	ssize_t                  n, m;
	char                    *alt_path;

	*bad = NULL;
	if (req->path_len == 1 && req->path[0] == '*')
		return route_match(cfg, host, hl, req->path, 1);
	qlen = req->path_len - plen;
	buf_reset(b);
	if (buf_reserve(b, 2 * req->path_len) != 0) {
		*bad = "path too long";
		return NULL;
	}
	if ((n = path_normalise(req->path, plen, b->data, 0, bad)) < 0)
		return NULL;
	r = route_match(cfg, host, hl, b->data, (size_t)n);
	/*
	 * The other readings are judged on what the backend is sent, the
	 * canonical path: a dot segment the plain reading removed may hide a
	 * climb that only another reading of the result makes.
	 */
	readings = path_readings(b->data, (size_t)n);
	alt_path = b->data + req->path_len;
	for (f = 1; f <= (PATH_SEPARATORS | PATH_PARAMS); f++) {
		if ((f & readings) != f)
			continue;
		if ((m = path_normalise(b->data, (size_t)n, alt_path, f, bad)) <
		    0)
			return NULL;
		alt = route_match(cfg, host, hl, alt_path, (size_t)m);
		if (alt != r) {
			*bad = "path read otherwise by some backends";
			return NULL;
		}
	}
	memcpy(b->data + n, req->path + plen, qlen);
	b->len = (size_t)n + qlen;
	req->path = b->data;
	req->path_len = b->len;
	req->path_only_len = (size_t)n;
	return r;
}

/* A complete request head of head_len bytes, consumed by the client side. */
static void
proxy_request(struct exchange *x, struct http_request *req, size_t head_len)
{
	struct client_side      *cs = x->cs;
	const struct config     *cfg = cs->cfg;
	const struct route_conf *r;
	struct worker_stats     *ws;
	uint8_t                  addr[16];
	size_t                   i;
	int                      trusted, fam, has_body;
	const char              *bad;

	proxy_note_request(x, req);
	if (!(req->flags & HTTP_F_ACCEPT_HTML))
		x->flags &= ~XF_HTML;
	if (req->flags & HTTP_F_KEEP_ALIVE)
		x->flags |= XF_KEEPALIVE;

	fam = peer_bytes(&cs->peer, addr);
	trusted = is_trusted(cfg, fam, addr);
	proxy_client_addr(x, req, trusted);
	if (trusted) {
		for (i = 0; i < req->nheaders; i++) {
			if (req->headers[i].id == HTTP_HDR_X_REQUEST_ID &&
			    valid_request_id(req->headers[i].value,
			        req->headers[i].value_len)) {
				memcpy(x->id, req->headers[i].value,
				    req->headers[i].value_len);
				x->id[req->headers[i].value_len] = '\0';
			}
		}
	}

	has_body = (req->flags & HTTP_F_CHUNKED) ||
	    ((req->flags & HTTP_F_CONTENT_LENGTH) && req->content_length > 0);
	if (req->flags & HTTP_F_CHUNKED)
		x->req_mode = BODY_CHUNKED;
	else if (has_body)
		x->req_mode = BODY_LENGTH;
	else {
		x->req_mode = BODY_NONE;
		x->flags |= XF_REQ_DONE;
	}

	if (has_body)
		x->flags |= XF_HAS_BODY;

	r = proxy_canonical(x, req, &bad);
	if (bad != NULL) {
		log_debug("request %s: client %s: %s", x->id, x->client_ip,
		    bad);
		x->rule = "path";
		proxy_error(x, 400, 1);
		return;
	}
	if (r == NULL) {
		proxy_error(x, 404, has_body);
		return;
	}
	x->route = r;
	ws = cs->w->stats;
	STATS_ADD(ws->routes[r->id].requests, 1);
	STATS_ADD(ws->routes[r->id].started, 1);
	x->bytes_in = head_len;
	if (r->https_redirect && !cs->tls && cfg->nlisten_https > 0) {
		proxy_https_redirect(x, req);
		return;
	}
	x->content_length = req->content_length;
	if ((req->flags & HTTP_F_EXPECT_CONTINUE) && req->version == 11)
		x->flags |= XF_EXPECT;
	/*
	 * Only WebSocket becomes a tunnel: other protocols (h2c above all)
	 * would carry requests past the gate, which sees only the first.
	 */
	if ((req->flags & (HTTP_F_UPGRADE | HTTP_F_CONN_UPGRADE)) ==
	        (HTTP_F_UPGRADE | HTTP_F_CONN_UPGRADE) &&
	    r->websocket && req->version == 11 &&
	    proxy_upgrade_websocket(req->headers, req->nheaders))
		x->flags |= XF_UPGRADE;
	/* The head is built now: req points into bytes that will be reused. */
	proxy_build_head(x, req, trusted);
	proxy_note_body(x, req);
	/*
	 * Body bytes that came with the head wait in the client side.  It
	 * stays readable: more body, a pipelined request or its close land in
	 * its buffer, which bounds them.
	 */
	x->gate = (struct gate_req){
		.route = x->route,
		.cfg = cs->cfg,
		.loop = &cs->w->loop,
		.peer = &cs->peer,
		.client_ip = x->client_ip,
		.id = x->id,
		.country = x->country,
		.done = proxy_gate_done,
		.deny = proxy_gate_deny,
		.data = x,
	};
	switch (gate_check(&x->gate, req)) {
	case GATE_PASS:
		proxy_admit(x);
		break;
	case GATE_PENDING:
		x->flags |= XF_GATE_PENDING;
		break;
	case GATE_DENY:
	case GATE_DONE:
		break;
	}
}

/*
 * 308 to the same host and target over HTTPS, naming the port when the
 * first HTTPS listener is not on 443.
 */
static void
proxy_https_redirect(struct exchange *x, const struct http_request *req)
{
	const struct config   *cfg = x->cs->cfg;
	const char            *host = req->host != NULL ? req->host : "";
	size_t                 hl = req->host != NULL ? req->host_len : 0, i;
	const struct sockaddr *sa =
	    (const struct sockaddr *)&cfg->listen_https[0].addr.ss;
	unsigned   port;
	struct buf loc;

	port = sa->sa_family == AF_INET6 ?
	    ntohs(((const struct sockaddr_in6 *)sa)->sin6_port) :
	    ntohs(((const struct sockaddr_in *)sa)->sin_port);
	/* The Host's own port is the plain one: drop it. */
	if (hl > 0 && host[0] == '[') {
		for (i = 0; i < hl && host[i] != ']'; i++)
			;
		hl = i < hl ? i + 1 : hl;
	} else {
		for (i = 0; i < hl && host[i] != ':'; i++)
			;
		hl = i;
	}
	buf_init(&loc, 0);
	buf_puts(&loc, "Location: https://");
	buf_append(&loc, host, hl);
	if (port != 443)
		buf_printf(&loc, ":%u", port);
	buf_append(&loc, req->path, req->path_len);
	buf_puts(&loc, "\r\n");
	/* Copied into the answer: exchange_stradd() would cut a long one. */
	proxy_answer_headers(x, 308, (x->flags & XF_HAS_BODY) != 0, loc.data);
	buf_free(&loc);
}

/*
 * A redirect route (frontdoor.ini(5) redirect): its target, and after it
 * the canonical path and query when the target names no path.
 */
static void
proxy_redirect(struct exchange *x)
{
	const struct route_conf *r = x->route;
	struct buf               loc;
	const char              *p;
	size_t                   n;

	buf_init(&loc, 0);
	buf_puts(&loc, "Location: ");
	buf_append(&loc, r->redirect, r->redirect_len);
	if (r->redirect_keep) {
		/* strip_path: what follows the route's path, from its '/'. */
		p = x->path.data;
		n = x->path.len;
		if (r->strip_path && r->path_len > 1 && n >= r->path_len) {
			p += r->path_len;
			n -= r->path_len;
			if (n == 0 || *p != '/')
				buf_append(&loc, "/", 1);
		}
		buf_append(&loc, p, n);
	}
	buf_puts(&loc, "\r\n");
	proxy_answer_headers(x, (int)r->redirect_code,
	    (x->flags & XF_HAS_BODY) != 0, loc.data);
	buf_free(&loc);
}

/*
 * A 503 the owner asked for (the route disabled or in maintenance): counted
 * apart from the backends' errors, and named as the request's rule.
 */
static void
proxy_switched(struct exchange *x, const char *rule)
{
	x->rule = rule;
	STATS_ADD(x->cs->w->stats->routes[x->route->id].switched, 1);
}

/* Past the gate: the route's state, its limits, a backend. */
static void
proxy_admit(struct exchange *x)
{
	const struct route_conf *r = x->route;
	int                      has_body = (x->flags & XF_HAS_BODY) != 0;

	switch (switch_route_get(r->id)) {
	case ROUTE_ADMIN_MAINTENANCE:
		proxy_switched(x, "maintenance");
		proxy_maintenance(x, has_body);
		return;
	case ROUTE_ADMIN_DISABLED:
	case ROUTE_ADMIN_DRAINING:
		proxy_switched(x, "disabled");
		proxy_error(x, 503, has_body);
		return;
	case ROUTE_ADMIN_ENABLED:
		break;
	default:
		if (!r->enabled) {
			proxy_switched(x, "disabled");
			proxy_error(x, 503, has_body);
			return;
		}
		break;
	}
	if (r->redirect != NULL) {
		proxy_redirect(x);
		return;
	}
	if (x->req_mode == BODY_LENGTH && r->max_body_size != 0 &&
	    x->content_length > r->max_body_size) {
		proxy_error(x, 413, 1);
		return;
	}
	if (cache_serve_admit(x))
		return;
	proxy_admit_backend(x);
}

/* Admitted, and not answered by the cache: to a backend. */
void
proxy_admit_backend(struct exchange *x)
{
	const struct backend_conf *b;

	if ((b = proxy_pick_backend(x)) == NULL) {
		proxy_error(x, 503, (x->flags & XF_HAS_BODY) != 0);
		return;
	}
	proxy_use_backend(x, b);
	proxy_connect(x, 0);
}

/* The gate passed the request (user: the name a password proved, or NULL). */
static void
proxy_gate_done(void *data, const char *user)
{
	struct exchange *x = data;

	x->flags &= ~XF_GATE_PENDING;
	if (user != NULL)
		proxy_add_header(x, "X-Remote-User", user);
	proxy_admit(x);
}

static void
proxy_gate_deny(void *data, int status, const char *rule, const char *headers)
{
	proxy_deny(data, status, rule, headers);
}

void
proxy_deny(struct exchange *x, int status, const char *rule,
    const char *headers)
{
	static const char   *reasons[DENY_NREASONS] = { "auth", "ip", "country",
		  "rate", "ban" };
	struct worker_stats *ws = x->cs->w->stats;
	int                  i;

	x->flags &= ~XF_GATE_PENDING;
	x->rule = rule;
	for (i = 0; i < DENY_NREASONS; i++) {
		if (x->route != NULL && strcmp(rule, reasons[i]) == 0)
			STATS_ADD(ws->routes[x->route->id].denied[i], 1);
	}
	proxy_answer_headers(x, status, (x->flags & XF_HAS_BODY) != 0, headers);
}

/* Add a header line to the built request head, before its empty line. */
static void
proxy_add_header(struct exchange *x, const char *name, const char *value)
{
	struct buf *b = &x->head;
	size_t      nl = strlen(name), vl = strlen(value), add = nl + vl + 4;

	if (b->len < 2 || buf_reserve(b, add) != 0)
		return;
	b->len -= 2; /* the final CRLF */
	proxy_head_field(b, name, nl, value, vl);
	buf_append(b, "\r\n", 2);
}

/*
 * How long the backend may stay silent: backend_timeout until the response
 * head, backend_read_timeout after it (a long poll, a paused stream, a
 * tunnel).
 */
static uint64_t
proxy_backend_wait_ms(const struct exchange *x)
{
	return (x->flags & XF_RESP_HEAD) ? x->route->backend_read_timeout_ms :
	                                   x->route->backend_timeout_ms;
}

static void
proxy_connect(struct exchange *x, int fresh)
{
	struct backend_conn *u;

	u = backend_conn_get(x->cs->w, x->backend, fresh, &proxy_backend_cb, x);
	if (u == NULL) {
		health_failure(x->route, x->backend, "cannot connect");
		if (!proxy_retry(x, 1))
			proxy_fail(x, 502, "cannot connect");
		return;
	}
	x->u = u;
	if (u->connected) {
		backend_conn_set_timeout(u, proxy_backend_wait_ms(x));
		(void)proxy_pump_request(x);
	} else
		backend_conn_set_timeout(u, x->route->connect_timeout_ms);
}

static void
proxy_up_connected(void *data, int status)
{
	struct exchange *x = data;
	char             why[96];

	if (status != 0) {
		snprintf(why, sizeof why, "connect: %s", uv_strerror(status));
		log_info("backend %s: %s", x->backend->name, why);
		health_failure(x->route, x->backend, why);
		if (!proxy_retry(x, 1))
			proxy_fail(x, 502, "connect failed");
		return;
	}
	backend_conn_set_timeout(x->u, proxy_backend_wait_ms(x));
	if (proxy_pump_request(x) == 0)
		backend_conn_read_start(x->u);
}

static void
proxy_up_timeout(void *data)
{
	struct exchange     *x = data;
	struct backend_conn *u = x->u;

	if (u != NULL && !u->connected) {
		log_info("backend %s: connect timed out", x->backend->name);
		health_failure(x->route, x->backend, "connect timed out");
		if (!proxy_retry(x, 1))
			proxy_fail(x, 504, "connect timeout");
	} else if (x->resp_mode == BODY_TUNNEL) {
		log_info("route %s, backend %s: tunnel quiet for "
		         "backend_read_timeout, closed",
		    x->route->name, x->backend->name);
		proxy_abort(x);
		client_side_abort(x->cs);
	} else if (x->flags & XF_RESP_HEAD) {
		log_warn("route %s, backend %s: no response bytes within "
		         "backend_read_timeout; response cut after %llu bytes "
		         "of body sent (request %s)",
		    x->route->name, x->backend->name,
		    (unsigned long long)x->bytes_sent, x->id);
		proxy_fail(x, 504, "backend read timeout");
	} else {
		log_warn("route %s, backend %s: no response head within "
		         "backend_timeout (request %s)",
		    x->route->name, x->backend->name, x->id);
		health_failure(x->route, x->backend, "no response in time");
		proxy_fail(x, 504, "backend timeout");
	}
}

/*
 * Client bytes to the backend: the request head, then its body.  Returns -1
 * when the exchange ended (x may be gone), else 0.
 */
static int
proxy_pump_request(struct exchange *x)
{
	struct client_side  *cs = x->cs;
	struct backend_conn *u = x->u;
	static char          crlf[] = "\r\n";
	uv_buf_t             b[8];
	unsigned             nb = 0;
	char                *in;
	size_t               n = 0, hl;
	int                  last = 0, r;

	if (u == NULL || !u->connected || u->writing || (x->flags & XF_ERROR))
		return 0;
	if (!(x->flags & XF_HEAD_SENT))
		b[nb++] = uv_buf_init(x->head.data, x->head.len);
	if (!(x->flags & XF_REQ_DONE)) {
		last = client_side_peek(cs, &in, &n);
		if (last == CLIENT_BODY_BAD) {
			proxy_fail(x, 400, "bad chunked body");
			return -1;
		}
		x->req_body += n;
		if (x->req_mode == BODY_CHUNKED &&
		    x->route->max_body_size != 0 &&
		    x->req_body > x->route->max_body_size) {
			proxy_fail(x, 413, "body too large");
			return -1;
		}
		if (x->req_mode == BODY_CHUNKED) {
			/*
			 * Framed again: the backend sees our chunk lines, never
			 * the client's (extensions, odd spellings), and only
			 * the trailers that may pass.
			 */
			if (n > 0) {
				hl = (size_t)snprintf(x->req_chunk,
				    sizeof x->req_chunk, "%zx\r\n", n);
				b[nb++] = uv_buf_init(x->req_chunk, hl);
				b[nb++] = uv_buf_init(in, n);
				b[nb++] = uv_buf_init(crlf, 2);
			}
			if (last)
				(void)http_frame_last_chunk(
				    client_side_trailers(cs), b, &nb);
		} else if (n > 0)
			b[nb++] = uv_buf_init(in, n);
		client_side_consume(cs, n);
		if (last)
			x->flags |= XF_REQ_DONE;
	}
	if (nb == 0) {
		/*
		 * Nothing to send, nothing on its way: what was taken (chunk
		 * framing alone, say) frees its room, or a side full of it
		 * would never be read again.
		 */
		client_side_release(cs);
		goto reading;
	}
	x->flags |= XF_HEAD_SENT;
	if (n > 0 || last) /* an empty chunked body is sent too */
		x->flags |= XF_BODY_SENT;
	r = backend_conn_write(u, b, nb);
	if (r < 0) {
		proxy_up_eof(x, r);
		return -1;
	}
	if (r == 1) {
		/* The buffer fills while this is out: that is the back-pressure. */
		goto reading;
	}
	client_side_release(cs);
reading:
	if (!(x->flags & XF_REQ_DONE) && client_side_ended(cs) &&
	    client_side_peek(cs, &in, &n) == CLIENT_BODY_MORE && n == 0) {
		/* The client shut its side inside this request's body. */
		proxy_client_eof(x, 0);
		return -1;
	}
	if (!client_side_full(cs))
		client_side_read_start(cs);
	else
		client_side_read_stop(cs);
	return 0;
}

static void
proxy_up_written(void *data, int status)
{
	struct exchange *x = data;

	if (status < 0) {
		proxy_up_eof(x, status);
		return;
	}
	client_side_release(x->cs);
	backend_conn_set_timeout(x->u, proxy_backend_wait_ms(x));
	(void)proxy_pump_request(x);
}

static void
proxy_client_data(struct exchange *x)
{
	if (x->flags & XF_ERROR) {
		/*
		 * Answering by ourselves.  A connection that closes after the
		 * answer drops what comes; one kept alive keeps it, since the
		 * next request may be in it: bounded by the buffer, whose
		 * fill stops the reading (back-pressure, not loss).
		 */
		if (!(x->flags & XF_KEEPALIVE))
			client_side_discard(x->cs);
		else if (client_side_full(x->cs))
			client_side_read_stop(x->cs);
		return;
	}
	if (x->u != NULL && x->u->connected)
		backend_conn_set_timeout(x->u, proxy_backend_wait_ms(x));
	if (client_side_full(x->cs))
		client_side_read_stop(x->cs);
	(void)proxy_pump_request(x);
}

static void
proxy_client_eof(struct exchange *x, int error)
{
	struct client_side *cs = x->cs;

	if (error == 0 && !(x->flags & XF_REQ_DONE) &&
	    x->resp_mode != BODY_TUNNEL && client_side_held(cs) > 0) {
		/*
		 * Shut with body bytes still buffered (the backend is being
		 * connected, or the gate decides): they are sent; the pump
		 * ends the exchange if the body turns out cut short.
		 */
		return;
	}
	if (error == 0 && (x->flags & XF_REQ_DONE) &&
	    x->resp_mode != BODY_TUNNEL) {
		/*
		 * Half-closed after a whole request: answer it and every
		 * request already buffered behind it, then close.
		 */
		if (client_side_held(cs) == 0) {
			x->flags |= XF_CLIENT_EOF;
			if (!(x->flags & XF_RESP_HEAD))
				x->flags &= ~XF_KEEPALIVE;
		}
		return;
	}
	log_debug("request %s: client %s: %s", x->id, x->client_ip,
	    error != 0 ? uv_strerror(error) : "closed early");
	if (x->status == 0)
		x->status = 499;
	proxy_abort(x);
	client_side_abort(cs);
}

/* A head that could not be read, or not in time: answer status, close. */
static void
proxy_refuse(struct exchange *x, int status)
{
	proxy_error(x, status, 1);
}

const struct client_side_cb proxy_client_cb = {
	.start = exchange_new,
	.request = proxy_request,
	.refuse = proxy_refuse,
	.data = proxy_client_data,
	.eof = proxy_client_eof,
	.abort = proxy_abort,
	.free = exchange_free,
};

static int
proxy_resp_has(const struct http_response *resp, const char *name)
{
	size_t i, n = strlen(name);

	for (i = 0; i < resp->nheaders; i++) {
		if (fd_strncaseeq(resp->headers[i].name,
		        resp->headers[i].name_len, name, n))
			return 1;
	}
	return 0;
}

/*
 * Rewrite a backend's response head for the client into x->out: the
 * client side writes the head around the fields decided here.
 */
void
proxy_build_response(struct exchange *x, const struct http_response *resp)
{
	struct buf                *b = &x->out;
	const struct http_header  *h;
	struct client_resp         cr;
	size_t                     i;
	int                        coded = (x->cflags & PXC_CODED) != 0;
	int                        hsts_sent;
	char                       hsts[64];
	const struct header_rules *rules = &x->route->resp_rules;

	cr.status = (uint16_t)resp->status;
	cr.reason = resp->reason;
	cr.reason_len = resp->reason_len;
	cr.length = resp->content_length;
	cr.late = hsts;
	cr.late_len = 0;
	cr.trailers = NULL;
	cr.flags = 0;
	/*
	 * Other bytes than the backend's, or chunks it framed (decoded): the
	 * client side frames them, with the trailer fields that may cross
	 * when the bytes are the backend's.
	 */
	if (coded || x->resp_mode == BODY_DECODE) {
		cr.flags |= CLIENT_RESP_FRAME;
		if (!coded)
			cr.trailers = &x->resp_ch;
	}
	/*
	 * The length as we parsed it (repeated values folded into one), or a
	 * stored body's, where the body keeps its bytes; 1xx and 204 carry
	 * none (RFC 9110 8.6).
	 */
	if ((resp->flags & HTTP_F_CONTENT_LENGTH) &&
	    !(cr.flags & CLIENT_RESP_FRAME) && x->resp_mode != BODY_TUNNEL &&
	    resp->status != 204 && resp->status >= 200)
		cr.flags |= CLIENT_RESP_LENGTH;
	if (x->resp_mode == BODY_TUNNEL)
		cr.flags |= CLIENT_RESP_TUNNEL;
	if (x->flags & XF_KEEPALIVE)
		cr.flags |= CLIENT_RESP_KEEPALIVE;
	client_side_head_start(x->cs, b, &cr);
	for (i = 0; i < resp->nheaders; i++) {
		h = &resp->headers[i];
		/* Framing is the client side's (one Content-Length: above). */
		if (!http_field_forwarded(resp->headers, resp->nheaders, h))
			continue;
		if (rules->n > 0 &&
		    proxy_head_rule_drops(rules, h->name, h->name_len))
			continue;
		if (cache_serve_header(x, h))
			continue;
		if (coded && filter_compress_etag(h, b))
			continue;
		proxy_head_field(b, h->name, h->name_len, h->value,
		    h->value_len);
	}
	cache_serve_headers(x, b);
	if (x->cflags & PXC_VARY)
		filter_compress_headers(coded ? (enum compress_enc)x->enc :
		                                COMPRESS_NONE,
		    resp, b);
	/*
	 * Codings we do not decode go on as the backend sent them, the body
	 * ending at its close.
	 */
	if (x->resp_mode == BODY_CLOSE && (resp->flags & HTTP_F_TE_CLOSE)) {
		for (i = 0; i < resp->nheaders; i++) {
			h = &resp->headers[i];
			if (h->id == HTTP_HDR_TRANSFER_ENCODING)
				proxy_head_field(b, h->name, h->name_len,
				    h->value, h->value_len);
		}
	}
	if (rules->n > 0) {
		struct head_vars hv = { x->client_ip, x->id, x->route->name,
			x->cs->tls };

		proxy_head_rules_append(b, rules, &hv);
	}
	/*
	 * HSTS on HTTPS only, and only if the app did not send its own nor a
	 * rule set or removed it.
	 */
	hsts_sent = x->cs->tls && x->cs->cfg->hsts_max_age > 0 &&
	    !proxy_resp_has(resp, "Strict-Transport-Security") &&
	    !(rules->n > 0 &&
	        proxy_head_rule_drops(rules, "Strict-Transport-Security", 25));
	if (x->route->security_headers)
		proxy_head_security(b, resp, rules, x->cs->tls, hsts_sent);
	if (hsts_sent) {
		int n = snprintf(hsts, sizeof hsts,
		    "Strict-Transport-Security: max-age=%llu\r\n",
		    (unsigned long long)x->cs->cfg->hsts_max_age);

		/* Cut rather than read past hsts (20 digits fit). */
		cr.late_len = MIN((size_t)n, sizeof hsts - 1);
	}
	if (!client_side_head_end(x->cs, b, &cr))
		x->flags &= ~XF_KEEPALIVE;
}

/* A TLS record (handshake or alert, version 3.x) where HTTP should be. */
static int
proxy_looks_tls(const char *p, size_t n)
{
	return n >= 2 && (p[0] == 0x15 || p[0] == 0x16) && p[1] == 0x03;
}

/*
 * Parse what the backend sent so far.  Returns 1 when a final head is in
 * x->out, 0 when more bytes are needed (x->out may hold a 100 Continue to
 * pass on), -1 when the exchange failed.
 */
static int
proxy_parse_response(struct exchange *x)
{
	struct backend_conn *u = x->u;
	struct http_header   hdrs[HTTP_RESP_MAX_HEADERS];
	struct http_response resp;
	struct http_limits   lim = http_response_limits(WORKER_BUFSZ);
	const char          *why = NULL;
	int                  r;

	for (;;) {
		if (u->inoff == u->inlen)
			return 0;
		r = http_parse_response(u->in + u->inoff, u->inlen - u->inoff,
		    &lim, &resp, hdrs, &why);
		if (r == 0) {
			if (u->inlen == WORKER_BUFSZ) {
				if (u->inoff == 0) {
					proxy_fail(x, 502,
					    "response head too large");
					return -1;
				}
				memmove(u->in, u->in + u->inoff,
				    u->inlen - u->inoff);
				u->inlen -= u->inoff;
				u->inoff = 0;
			}
			return 0;
		}
		if (r < 0 &&
		    proxy_looks_tls(u->in + u->inoff, u->inlen - u->inoff)) {
			log_warn(
			    "route %s, backend %s: answered with TLS: it "
			    "serves HTTPS, and frontdoor speaks plain HTTP "
			    "to backends; give the app's plain-HTTP port",
			    x->route->name, x->backend->name);
			health_failure(x->route, x->backend,
			    "answered with TLS (HTTPS only?)");
			proxy_fail(x, 502, "bad response");
			return -1;
		}
		if (r < 0) {
			log_info("backend %s: bad response: %s",
			    x->backend->name, why != NULL ? why : "?");
			health_failure(x->route, x->backend, "bad response");
			proxy_fail(x, 502, "bad response");
			return -1;
		}
		u->inoff += r;
		if (resp.status == 101) {
			if (!(x->flags & XF_UPGRADE) ||
			    !proxy_upgrade_websocket(resp.headers,
			        resp.nheaders)) {
				proxy_fail(x, 502, "unasked 101");
				return -1;
			}
			break;
		}
		if (resp.status >= 100 && resp.status < 200) {
			/* Interim: only 100 is passed on, and only if asked. */
			if (resp.status == 100 && (x->flags & XF_EXPECT))
				client_side_interim(x->cs, &x->out, 100,
				    "Continue");
			continue;
		}
		break;
	}

	x->status = resp.status;
	health_success(x->route, x->backend);
	if (resp.status == 101) {
		x->resp_mode = BODY_TUNNEL;
		x->req_mode = BODY_TUNNEL;
		x->flags &= ~(XF_REQ_DONE | XF_KEEPALIVE | XF_UP_KEEP);
		/* Its latency is the time to the 101, not the tunnel's life. */
		stats_latency(&x->cs->w->stats->routes[x->route->id],
		    (uv_hrtime() - x->start_ns) / 1000);
		proxy_tunnel_open(x);
	} else if (http_response_bodyless(x->meth, resp.status)) {
		x->resp_mode = BODY_NONE;
	} else if (resp.flags & HTTP_F_TE_CLOSE) {
		/*
		 * Codings we do not decode: the body ends when the backend
		 * closes, and goes on with its codings to a 1.1 client, which
		 * reads it the same way; a 1.0 client cannot be sent them.
		 */
		if (x->version == 10) {
			proxy_fail(x, 502, "transfer codings for HTTP/1.0");
			return -1;
		}
		x->resp_mode = BODY_CLOSE;
		x->flags &= ~XF_KEEPALIVE;
	} else if (resp.flags & HTTP_F_CHUNKED) {
		/*
		 * Decoded, and framed again by us for an HTTP/1.1 client: what
		 * the client reads as chunks is what we read, whatever the
		 * backend wrote around them.
		 */
		proxy_chunked_init(x, &x->resp_ch);
		x->resp_mode = BODY_DECODE;
		if (x->version == 10)
			x->flags &= ~XF_KEEPALIVE;
	} else if (resp.flags & HTTP_F_CONTENT_LENGTH) {
		x->resp_mode = BODY_LENGTH;
		x->resp_left = resp.content_length;
	} else {
		x->resp_mode = BODY_CLOSE;
		x->flags &= ~XF_KEEPALIVE;
	}
	if ((resp.flags & HTTP_F_KEEP_ALIVE) && x->resp_mode != BODY_CLOSE &&
	    x->resp_mode != BODY_TUNNEL)
		x->flags |= XF_UP_KEEP;
	if (PROXY_LAST(x))
		x->flags &= ~XF_KEEPALIVE;
	/* A transfer-coded body is neither stored nor compressed. */
	if (x->resp_mode == BODY_CLOSE && (resp.flags & HTTP_F_TE_CLOSE)) {
		cache_serve_invalidate(x, &resp);
		cache_serve_abort(x);
	} else {
		switch (cache_serve_response(x, &resp)) {
		case 1:
			/* A 304 revalidated the stored response: it answers. */
			backend_conn_set_timeout(x->u,
			    proxy_backend_wait_ms(x));
			return 1;
		case -1:
			proxy_fail(x, 502, "bad cached head");
			return -1;
		default:
			break;
		}
		proxy_body_setup(x, &resp, x->resp_mode == BODY_LENGTH,
		    x->resp_left);
	}
	proxy_build_response(x, &resp);
	x->flags |= XF_RESP_HEAD;
	backend_conn_set_timeout(x->u, proxy_backend_wait_ms(x));
	if (x->resp_mode == BODY_NONE ||
	    (x->resp_mode == BODY_LENGTH && x->resp_left == 0))
		x->flags |= XF_RESP_DONE;
	return 1;
}

static void
client_write_cb(uv_write_t *req, int status)
{
	struct exchange     *x = req->data;
	struct backend_conn *u = x->u;

	x->flags &= ~XF_CWRITE;
	if (x->cs->closing)
		return;
	if (status < 0) {
		if (x->status == 0)
			x->status = 499;
		proxy_abort(x);
		client_side_abort(x->cs);
		return;
	}
	buf_reset(&x->out);
	if (u != NULL && u->inoff == u->inlen)
		u->inoff = u->inlen = 0;
	if (u != NULL && u->connected)
		backend_conn_set_timeout(u, proxy_backend_wait_ms(x));
	proxy_pump_response(x);
}

void
proxy_body_setup(struct exchange *x, const struct http_response *resp,
    int has_len, uint64_t len)
{
	struct body_filter *f;
	enum compress_enc   enc = (enum compress_enc)x->enc;

	/*
	 * frontdoor.ini(5), compress: never for partial content, a 304 from
	 * the cache, a tunnel, or a bodiless response but HEAD's, which says
	 * what GET would; the body is coded only for a client that asked.
	 */
	if (!(x->cflags & (PXC_RANGE | PXC_NOTMOD)) &&
	    x->resp_mode != BODY_TUNNEL &&
	    (x->resp_mode != BODY_NONE || x->meth == HTTP_M_HEAD) &&
	    filter_compress_wanted(x->route, resp, has_len, len)) {
		x->cflags |= PXC_VARY;
		if (x->meth != HTTP_M_HEAD && enc != COMPRESS_NONE) {
			/* A live backend's steps go out as they come (SSE). */
			f = filter_compress_new(enc, x->resp_mode != BODY_CACHE,
			    x->id);
			if (f == NULL)
				log_warn("request %s: cannot start %s "
				         "compression",
				    x->id, compress_name(enc));
			else {
				body_chain_add(&x->body, f);
				x->cflags |= PXC_CODED;
			}
		}
	}
}

/*
 * The response body's source, one step: the next piece of a stored body, or
 * the backend's bytes as its framing delimits them (decoded when chunked),
 * or the end its close made.  Sets *data, *n (0: none this step) and *done
 * (the body ends with them).  Returns 0, or -1 when a chunked body is bad.
 */
static int
proxy_body_source(struct exchange *x, char **data, size_t *n, int *done)
{
	struct backend_conn *u = x->u;
	size_t               avail, used = 0;
	ssize_t              sn;

	*data = NULL;
	*n = 0;
	*done = 0;
	if (x->resp_mode == BODY_CACHE) {
		/* A stored body, a buffer's worth at a time. */
		*data = x->centry->body + x->hit_off;
		*n = MIN(x->centry->body_len - x->hit_off, WORKER_BUFSZ);
		x->hit_off += *n;
		*done = x->hit_off == x->centry->body_len;
		return 0;
	}
	if (x->flags & XF_SRC_EOF) {
		*done = 1;
		return 0;
	}
	if (u == NULL || u->in == NULL || u->inoff == u->inlen)
		return 0;
	avail = u->inlen - u->inoff;
	*data = u->in + u->inoff;
	switch (x->resp_mode) {
	case BODY_LENGTH:
		*n = used = MIN(avail, x->resp_left);
		x->resp_left -= *n;
		*done = x->resp_left == 0;
		break;
	case BODY_DECODE:
		sn =
		    http_chunked_decode(&x->resp_ch, *data, avail, &used, done);
		if (sn < 0)
			return -1;
		*n = (size_t)sn;
		break;
	case BODY_CLOSE:
	case BODY_TUNNEL:
		*n = used = avail;
		break;
	default:
		break;
	}
	u->inoff += used;
	return 0;
}

/*
 * One step of the response body, source -> filters -> sink, queued to o.
 * Returns 0, or -1 when the body cannot go on (logged).
 */
static int
proxy_body_step(struct exchange *x, struct body_out *o)
{
	char  *data;
	size_t n;
	int    done;

	if (proxy_body_source(x, &data, &n, &done) != 0) {
		log_info("request %s: bad chunked body from %s", x->id,
		    x->backend != NULL ? x->backend->name : "the cache");
		return -1;
	}
	if (n == 0 && !done)
		return 0;
	if (x->body != NULL && body_chain_run(x->body, &data, &n, done) != 0)
		return -1;
	client_side_body(x->cs, o, data, n, done);
	x->bytes_sent += o->body_bytes;
	if (done)
		x->flags |= XF_RESP_DONE;
	return 0;
}

/* Read the backend on, unless its buffer is full. */
static void
proxy_pump_read(struct exchange *x)
{
	struct backend_conn *u = x->u;

	if (u != NULL && u->connected) {
		if (u->in != NULL && u->inlen == WORKER_BUFSZ)
			backend_conn_read_stop(u);
		else
			backend_conn_read_start(u);
	}
}

/* Backend (or cache) bytes to the client: the head, then the body. */
void
proxy_pump_response(struct exchange *x)
{
	struct backend_conn *u;
	struct body_out      o;
	int                  r;

	if (x->flags & XF_CWRITE)
		return;
	/* A stored body goes on as long as its writes finish at once. */
	do {
		u = x->u;
		if (!(x->flags & XF_RESP_HEAD) && !(x->flags & XF_ERROR)) {
			if (u == NULL || u->in == NULL) {
				proxy_pump_read(x);
				return;
			}
			if (u->inoff < u->inlen)
				x->flags |= XF_RESP_BYTES;
			if (proxy_parse_response(x) < 0)
				return;
			u = x->u;
		}
		body_out_init(&o);
		body_out_add(&o, x->out.data, x->out.len);
		/* Our answer's page goes with its head, in one write. */
		if ((x->flags & XF_ERROR) && x->page != NULL) {
			client_side_body(x->cs, &o, x->page, x->page_len, 1);
			x->page = NULL;
		}
		if ((x->flags & (XF_RESP_HEAD | XF_RESP_DONE)) ==
		        XF_RESP_HEAD &&
		    proxy_body_step(x, &o) != 0) {
			proxy_abort(x);
			client_side_abort(x->cs);
			return;
		}
		if (o.nb > 0) {
			r = client_side_write(x->cs, &x->wreq, o.b, o.nb,
			    client_write_cb);
			if (r < 0) {
				if (x->status == 0)
					x->status = 499;
				proxy_abort(x);
				client_side_abort(x->cs);
				return;
			}
			if (r == 1) {
				x->flags |= XF_CWRITE;
				if (u != NULL)
					backend_conn_read_stop(u);
				return;
			}
			buf_reset(&x->out);
		}
		if (u != NULL && u->in != NULL && u->inoff == u->inlen)
			u->inoff = u->inlen = 0;
		if (x->flags & XF_RESP_DONE) {
			proxy_finish(x);
			return;
		}
	} while (x->resp_mode == BODY_CACHE);
	if (x->resp_mode == BODY_TUNNEL && proxy_pump_request(x) != 0)
		return;
	proxy_pump_read(x);
}

void
proxy_up_data(struct exchange *x)
{
	backend_conn_set_timeout(x->u, proxy_backend_wait_ms(x));
	if (x->u->inlen == WORKER_BUFSZ)
		backend_conn_read_stop(x->u);
	proxy_pump_response(x);
}

void
proxy_up_eof(struct exchange *x, int error)
{
	struct backend_conn *u = x->u;

	if (x->resp_mode == BODY_CLOSE && error == 0 &&
	    (x->flags & XF_RESP_HEAD)) {
		/* The backend's close is the end of this body. */
		x->flags |= XF_SRC_EOF;
		backend_conn_close(u);
		x->u = NULL;
		proxy_pump_response(x);
		return;
	}
	if (x->resp_mode == BODY_TUNNEL) {
		proxy_abort(x);
		client_side_abort(x->cs);
		return;
	}
	if (!(x->flags & XF_RESP_HEAD)) {
		/*
		 * A pooled connection the backend had closed is no failure of
		 * the backend: try it again on a fresh connection, when that
		 * cannot repeat work (an idempotent method, no body byte sent).
		 */
		if (u != NULL && u->reused && x->retries == 0 &&
		    !(x->flags & (XF_BODY_SENT | XF_RESP_BYTES)) &&
		    proxy_idempotent(x->meth)) {
			x->retries++;
			backend_conn_close(u);
			x->u = NULL;
			x->flags &= ~XF_HEAD_SENT;
			proxy_connect(x, 1);
			return;
		}
		/* An app serving only HTTPS closes on our plain request. */
		log_info("backend %s: %s before a response%s", x->backend->name,
		    error != 0 ? uv_strerror(error) : "connection closed",
		    u != NULL && !u->reused && !(x->flags & XF_RESP_BYTES) ?
		        " (as an app that serves only HTTPS does: frontdoor "
		        "speaks plain HTTP to backends)" :
		        "");
		if (!(x->flags & XF_RESP_BYTES))
			health_failure(x->route, x->backend,
			    error != 0 ? uv_strerror(error) :
			                 "closed before a response");
		if (!proxy_retry(x, 0))
			proxy_fail(x, 502, "backend closed");
		return;
	}
	/* Mid-body: the client cannot be told but by closing. */
	log_info("backend %s: %s in the middle of a response", x->backend->name,
	    error != 0 ? uv_strerror(error) : "closed");
	proxy_abort(x);
	client_side_abort(x->cs);
}

static void
proxy_up_data_cb(void *x)
{
	proxy_up_data(x);
}

static void
proxy_up_eof_cb(void *x, int error)
{
	proxy_up_eof(x, error);
}

/* What the backend connection tells the exchange. */
static const struct backend_conn_cb proxy_backend_cb = {
	.connected = proxy_up_connected,
	.data = proxy_up_data_cb,
	.written = proxy_up_written,
	.eof = proxy_up_eof_cb,
	.timeout = proxy_up_timeout,
};

/* Something went wrong on the way: answer with status if still possible. */
static void
proxy_fail(struct exchange *x, int status, const char *why)
{
	if ((status == 502 || status == 504) && x->backend != NULL)
		x->flags |= XF_BACKEND_FAIL;
	log_debug("request %s: %d %s", x->id, status, why);
	if (x->flags & (XF_RESP_HEAD | XF_CWRITE)) {
		proxy_abort(x);
		client_side_abort(x->cs);
		return;
	}
	proxy_error(x, status, !(x->flags & XF_REQ_DONE) || status == 400);
}

void
proxy_error(struct exchange *x, int status, int close)
{
	proxy_error_text(x, status, close, NULL);
}

/* An error page whose sentence is text (NULL: the usual one). */
static void
proxy_answer_headers(struct exchange *x, int status, int close,
    const char *headers)
{
	x->extra_headers = headers; /* copied by proxy_answer() */
	proxy_answer(x, status, close, NULL, NULL, 0);
}

/*
 * Our own answer: an error page (text: its sentence, NULL the usual one),
 * or page[0, pagelen) of the configuration.  The client side writes its
 * head around the page's fields; the page follows as its body.
 */
static void
proxy_answer(struct exchange *x, int status, int close, const char *text,
    char *page, size_t pagelen)
{
	struct client_resp cr;
	int                html = page != NULL || (x->flags & XF_HTML);

	if (x->u != NULL) {
		backend_conn_close(x->u);
		x->u = NULL;
	}
	if (close || x->cs->w->stopping || PROXY_LAST(x))
		x->flags &= ~XF_KEEPALIVE;
	if (close)
		client_side_read_stop(x->cs);
	x->status = status;
	x->resp_mode = BODY_NONE;
	x->flags |= XF_ERROR | XF_RESP_HEAD | XF_RESP_DONE;
	/* The fields after the length, then the page unless it is given. */
	buf_reset(&x->errpage);
	if (page != NULL) {
		errpage_fields(&x->errpage, status, x->id, NULL);
		cr.late_len = x->errpage.len;
	} else {
		errpage_fields(&x->errpage, status, x->id, x->extra_headers);
		x->extra_headers =
		    NULL; /* the caller's, gone once it returns */
		cr.late_len = x->errpage.len;
		errpage_page(&x->errpage, status, x->id, html, text);
		page = x->errpage.data + cr.late_len;
		pagelen = x->errpage.len - cr.late_len;
	}
	cr.late = x->errpage.data;
	cr.status = (uint16_t)status;
	cr.reason = http_reason(status);
	cr.reason_len = strlen(cr.reason);
	cr.length = pagelen;
	cr.trailers = NULL;
	cr.flags = CLIENT_RESP_LENGTH;
	if (x->flags & XF_KEEPALIVE)
		cr.flags |= CLIENT_RESP_KEEPALIVE;
	buf_reset(&x->out);
	client_side_head_start(x->cs, &x->out, &cr);
	buf_puts(&x->out, errpage_type(html));
	if (!client_side_head_end(x->cs, &x->out, &cr))
		x->flags &= ~XF_KEEPALIVE;
	/* A HEAD is answered the length a GET would get, and no body. */
	if (x->meth == HTTP_M_HEAD)
		pagelen = 0;
	x->page = page;
	x->page_len = pagelen;
	x->bytes_sent = x->out.len + pagelen; /* as a whole, like nginx */
	proxy_pump_response(x);
}

static void
proxy_error_text(struct exchange *x, int status, int close, const char *text)
{
	proxy_answer(x, status, close, text, NULL, 0);
}

/* A route in maintenance: its own page when it has one, else ours. */
static void
proxy_maintenance(struct exchange *x, int close)
{
	const struct route_conf *r = x->route;

	if (r->maintenance_body != NULL)
		proxy_answer(x, 503, close, NULL, r->maintenance_body,
		    r->maintenance_len);
	else
		proxy_answer(x, 503, close,
		    "This site is down for maintenance; please come back soon.",
		    NULL, 0);
}

/* Give up on the backend side; the caller closes the client if needed. */
static void
proxy_abort(struct exchange *x)
{
	cache_serve_abort(x);
	body_chain_stop(x->body);
	if (x->flags & XF_GATE_PENDING) {
		x->flags &= ~XF_GATE_PENDING;
		gate_cancel(&x->gate);
	}
	if (x->u != NULL) {
		backend_conn_close(x->u);
		x->u = NULL;
	}
	if (!(x->flags & XF_RESP_DONE)) {
		x->flags |= XF_RESP_DONE;
		if (x->status == 0)
			x->status = 502;
	}
	proxy_account(x);
	x->flags &= ~XF_KEEPALIVE;
}

static void
event_copy(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The access log's line (proxy_account, when the log is on). */
static void
proxy_log(struct exchange *x)
{
	struct worker        *w = x->cs->w;
	struct accesslog_line l;

	l.cfg = x->cs->cfg;
	l.client_ip = x->client_ip;
	l.method = x->s_method != 0 ? exchange_str(x, x->s_method) : NULL;
	l.uri = exchange_str(x, x->s_uri);
	l.proto = exchange_str(x, x->s_proto);
	l.host = exchange_str(x, x->s_host);
	l.referer = exchange_str(x, x->s_referer);
	l.ua = exchange_str(x, x->s_ua);
	l.route = x->route != NULL ? x->route->name : NULL;
	l.backend = x->backend != NULL ? x->backend->name : NULL;
	l.id = x->id;
	l.country = x->country;
	l.tls_version = client_side_tls_version(x->cs);
	l.status = x->status;
	l.bytes_sent = x->bytes_sent;
	l.start_us = x->start_us;
	l.ms = uv_now(&w->loop) - x->start_ms;
	accesslog_write(w, &l);
}

/* Once per exchange: counters, the access log, the live event. */
static void
proxy_account(struct exchange *x)
{
	struct worker_stats  *ws = x->cs->w->stats;
	struct route_stats   *rs;
	struct backend_stats *bs;
	struct stats_event   *ev;
	uint64_t              us;

	if (x->flags & XF_ACCOUNTED)
		return;
	x->flags |= XF_ACCOUNTED;
	us = (uv_hrtime() - x->start_ns) / 1000;
	STATS_ADD(ws->requests, 1);
	if (x->route != NULL) {
		rs = &ws->routes[x->route->id];
		STATS_ADD(rs->finished, 1);
		STATS_ADD(rs->status[x->status >= 100 && x->status < 600 ?
		                  x->status / 100 :
		                  0],
		    1);
		STATS_ADD(rs->bytes_in, x->bytes_in);
		STATS_ADD(rs->bytes_out, x->bytes_sent);
		cache_serve_account(x, rs);
		if (x->country[0] != '\0')
			stats_country(rs, x->country);
		if (x->resp_mode != BODY_TUNNEL)
			stats_latency(rs, us);
		proxy_tunnel_close(x);
	}
	if (x->backend != NULL) {
		bs = &ws->backends[x->backend->id];
		STATS_ADD(bs->finished, 1);
		if (x->flags & XF_BACKEND_FAIL)
			STATS_ADD(bs->failures, 1);
	}
	if (accesslog_fd >= 0)
		proxy_log(x);
	if (!__atomic_load_n(&stats_subscribed, __ATOMIC_RELAXED) ||
	    (ev = stats_event_begin(ws)) == NULL)
		return;
	ev->time_us = x->start_us;
	ev->bytes = x->bytes_sent;
	ev->ms = (uint32_t)(us / 1000);
	ev->status = x->status;
	event_copy(ev->client, sizeof ev->client, x->client_ip);
	event_copy(ev->country, sizeof ev->country, x->country);
	event_copy(ev->method, sizeof ev->method, exchange_str(x, x->s_method));
	event_copy(ev->host, sizeof ev->host, exchange_str(x, x->s_host));
	event_copy(ev->path, sizeof ev->path, exchange_str(x, x->s_uri));
	event_copy(ev->route, sizeof ev->route,
	    x->route != NULL ? x->route->name : "");
	event_copy(ev->backend, sizeof ev->backend,
	    x->backend != NULL ? x->backend->name : "");
	event_copy(ev->rule, sizeof ev->rule, x->rule != NULL ? x->rule : "");
	stats_event_commit(ws);
}

static void
proxy_finish(struct exchange *x)
{
	struct backend_conn *u = x->u;
	int                  keep;

	proxy_account(x);
	if (u != NULL) {
		x->u = NULL;
		if ((x->flags & XF_UP_KEEP) && (x->flags & XF_REQ_DONE) &&
		    !u->writing && u->inoff == u->inlen)
			backend_conn_release(u);
		else
			backend_conn_close(u);
	}
	keep = (x->flags & XF_KEEPALIVE) && (x->flags & XF_REQ_DONE) &&
	    !PROXY_LAST(x);
	client_side_done(x->cs, keep, !(x->flags & XF_REQ_DONE));
}
