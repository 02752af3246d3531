/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for cache.c: storability, fills, waits, Vary, LRU, purge,
 * reload, the key's scheme and its seeded hash.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cache.h"
#include "config.h"

#define NOW ((uint64_t)time(NULL))

static struct route_conf route;
static struct config     cfg;

static void
configure(uint64_t size)
{
	route.name = (char *)"app";
	route.path = (char *)"/";
	route.id = 1;
	route.cache_size = size;
	cfg.routes = &route;
	cfg.nroutes = 1;
	cache_configure(&cfg);
}

static int
setup(void **state)
{
	(void)state;
	memset(&route, 0, sizeof route);
	configure(64 * 1024);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	cache_shutdown();
	return 0;
}

/* "Name: value" pairs into headers (pointing into the strings). */
static size_t
hdrs(struct http_header *h, const char *const *pairs)
{
	size_t n = 0;

	for (; pairs[0] != NULL; pairs += 2, n++) {
		h[n].name = pairs[0];
		h[n].name_len = strlen(pairs[0]);
		h[n].value = pairs[1];
		h[n].value_len = strlen(pairs[1]);
		h[n].id = HTTP_HDR_OTHER;
	}
	return n;
}

static int
storable(int status, int restricted, const char *const *pairs,
    struct cache_meta *m)
{
	struct http_header h[16];
	size_t             n = hdrs(h, pairs);
	int                r;

	r = cache_storable(HTTP_M_GET, status, h, n, restricted, NOW, m);
	return r;
}

static void
test_storable(void **state)
{
	struct cache_meta m;
	const char       *maxage[] = { "Cache-Control", "max-age=60", NULL };
	const char       *smax[] = { "Cache-Control", "max-age=5, s-maxage=90",
		      NULL };
	const char *priv[] = { "Cache-Control", "private, max-age=60", NULL };
	const char *nostore[] = { "cache-control", "No-Store", NULL };
	const char *nocache[] = { "Cache-Control", "no-cache=\"a,b\"", NULL };
	const char *cookie[] = { "Cache-Control", "max-age=60", "Set-Cookie",
		"a=1", NULL };
	const char *varystar[] = { "Cache-Control", "max-age=60", "Vary",
		"Accept-Encoding, *", NULL };
	const char *vary[] = { "Cache-Control", "max-age=60", "Vary",
		"Accept-Encoding", "vary", "X-A ,Cookie", NULL };
	const char *pub[] = { "Cache-Control", "public, max-age=60", NULL };
	const char *expires[] = { "Date", "Sun, 06 Nov 1994 08:49:37 GMT",
		"Expires", "Sun, 06 Nov 1994 08:50:37 GMT", NULL };
	const char *expired[] = { "Expires", "0", NULL };
	const char *lenient[] = { "Date", "Sun, 06 Nov 1994 08:49:37 GMT",
		"Expires", "Sun, 6 Nov 1994 08:50:37 GMT", NULL };
	const char *agelist[] = { "Cache-Control", "max-age=3600", "Age",
		"7200, 0", NULL };
	const char *agelines[] = { "Cache-Control", "max-age=3600", "Age",
		"7200", "Age", "0", NULL };
	const char *agebad[] = { "Cache-Control", "max-age=3600", "Age", "-5",
		NULL };
	const char *mustrev[] = { "Cache-Control",
		"max-age=60, must-revalidate", NULL };
	const char *none[] = { "Content-Type", "text/html", NULL };
	const char *aged[] = { "Cache-Control", "max-age=60", "Age", "61",
		NULL };
	struct http_header h[4];

	(void)state;
	assert_int_equal(storable(200, 0, maxage, &m), 1);
	assert_int_equal(m.lifetime_s, 60);
	assert_null(m.vary_names);
	assert_int_equal(storable(301, 0, smax, &m), 1);
	assert_int_equal(m.lifetime_s, 90);
	assert_int_equal(storable(404, 0, maxage, &m), 1);
	assert_int_equal(storable(500, 0, maxage, &m), 0);
	assert_int_equal(storable(206, 0, maxage, &m), 0);
	assert_int_equal(storable(200, 0, priv, &m), 0);
	assert_int_equal(storable(200, 0, nostore, &m), 0);
	assert_int_equal(storable(200, 0, nocache, &m), 0);
	assert_int_equal(storable(200, 0, cookie, &m), 0);
	assert_int_equal(storable(200, 0, varystar, &m), 0);
	assert_int_equal(storable(200, 0, none, &m), 0);
	assert_int_equal(storable(200, 0, expired, &m), 0);
	assert_int_equal(storable(200, 0, aged, &m), 0);
	assert_int_equal(storable(200, 1, maxage, &m), 0);
	assert_int_equal(storable(200, 1, pub, &m), 1);
	assert_true(m.public);
	/* RFC 9111 3.5: s-maxage and must-revalidate serve Authorization. */
	assert_int_equal(storable(200, CACHE_R_AUTH, smax, &m), 1);
	assert_int_equal(storable(200, CACHE_R_AUTH, mustrev, &m), 1);
	assert_int_equal(storable(200, CACHE_R_COOKIE, smax, &m), 0);
	assert_int_equal(storable(200, CACHE_R_COOKIE, pub, &m), 1);
	assert_int_equal(storable(200, 0, lenient, &m), 0);
	assert_int_equal(storable(200, 0, agelist, &m), 0);
	assert_int_equal(storable(200, 0, agelines, &m), 0);
	assert_int_equal(storable(200, 0, agebad, &m), 1);
	assert_int_equal(m.age0_s, 0);
	assert_int_equal(storable(200, 0, expires, &m), 1);
	assert_int_equal(m.lifetime_s, 60);
	assert_int_equal(storable(200, 0, vary, &m), 1);
	assert_string_equal(m.vary_names, "accept-encoding,x-a,cookie");
	free(m.vary_names);
	/* Only GET fills the cache. */
	assert_int_equal(cache_storable(HTTP_M_HEAD, 200, h, hdrs(h, maxage), 0,
	                     NOW, &m),
	    0);
}

static void
test_dates_and_heads(void **state)
{
	const char *head = "GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match:  \"x\" "
	                   "\r\nX-Empty:\r\n\r\n";
	const char *v;
	size_t      vl;

	(void)state;
	assert_int_equal(cache_parse_date("Sun, 06 Nov 1994 08:49:37 GMT", 29),
	    784111777);
	assert_int_equal(cache_parse_date("Sunday, 06-Nov-94 08:49:37 GMT", 30),
	    784111777);
	assert_int_equal(cache_parse_date("Sun Nov  6 08:49:37 1994", 24),
	    784111777);
	assert_int_equal(cache_parse_date("yesterday", 9), -1);
	assert_int_equal(cache_parse_date("", 0), -1);
	assert_int_equal(cache_parse_date("Sun Nov 06 08:49:37 1994", 24),
	    784111777);
	assert_int_equal(cache_parse_date("Tue, 29 Feb 2028 23:59:60 GMT", 29),
	    1835481600);
	/* Only the three forms, exactly: anything else is not a date. */
	{
		static const char *const bad[] = { "0", "-1",
			"Sun, 6 Nov 1994 08:49:37 GMT",
			"Sun, 06 Nov 1994 8:49:37 GMT",
			"Sun,06 Nov 1994 08:49:37 GMT",
			"Sun, 06 Nov 1994 08:49:37 gmt",
			"sun, 06 Nov 1994 08:49:37 GMT",
			"Sun, 06 nov 1994 08:49:37 GMT",
			"Sun, 06 Nov 1994 08:49:37 UTC",
			"Sun, 06 Nov 1994 08:49:37 GMT ",
			" Sun, 06 Nov 1994 08:49:37 GMT",
			"Sun, 32 Dec 1994 08:49:37 GMT",
			"Sun, 00 Dec 1994 08:49:37 GMT",
			"Sun, 29 Feb 1900 08:49:37 GMT",
			"Sun, 31 Apr 1994 08:49:37 GMT",
			"Sun, 06 Nov 1994 24:00:00 GMT",
			"Sun, 06 Nov 1994 08:60:00 GMT",
			"Sun, 06 Nov 1994 08:49:61 GMT",
			"Sun, 06 Nov +994 08:49:37 GMT",
			"Sun, 06 Nov 1969 08:49:37 GMT",
			"Sun, 06 Xyz 1994 08:49:37 GMT",
			"Sunday, 06 Nov 1994 08:49:37 GMT",
			"Sun, 06-Nov-94 08:49:37 GMT",
			"Sunday, 06-Nov-1994 08:49:37 GMT",
			"Sunday, 6-Nov-94 08:49:37 GMT",
			"Sun Nov 6 08:49:37 1994", "Sun Nov  6 08:49:37 1994 ",
			"Sun Nov  6 08:49:37 94",
			"Sun, 06 Nov 1994 08:49:37 GMT\0" };
		size_t                   i;

		for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
			assert_int_equal(cache_parse_date(bad[i],
			                     strlen(bad[i]) +
			                         (i + 1 ==
			                             sizeof bad /
			                                 sizeof bad[0])),
			    -1);
	}
	/* Age (RFC 9111 5.1): the first member; not a number: ignored. */
	assert_int_equal(cache_parse_age("7200, 0", 7), 7200);
	assert_int_equal(cache_parse_age(" 12 ", 4), 12);
	assert_int_equal(cache_parse_age("-1", 2), 0);
	assert_int_equal(cache_parse_age("1.5", 3), 0);
	assert_int_equal(cache_parse_age("", 0), 0);
	assert_int_equal(cache_parse_age("x, 60", 5), 0);
	assert_int_equal(cache_parse_age("99999999999999999999999", 23),
	    CACHE_AGE_MAX);
	v = cache_head_value(head, strlen(head), "if-none-match", &vl);
	assert_non_null(v);
	assert_int_equal(vl, 3);
	assert_memory_equal(v, "\"x\"", 3);
	v = cache_head_value(head, strlen(head), "X-Empty", &vl);
	assert_non_null(v);
	assert_int_equal(vl, 0);
	assert_null(cache_head_value(head, strlen(head), "Cookie", &vl));
}

static void
req_for(struct cache_req *r, const char *path, const char *head)
{
	memset(r, 0, sizeof *r);
	r->host = "App.Test";
	r->host_len = 8;
	r->path = path;
	r->path_len = strlen(path);
	r->head = head;
	r->head_len = strlen(head);
}

/* Fill r's key with a body of len bytes; 0 when stored. */
static int
fill_req(struct cache_req *r, size_t len, const char *vary)
{
	static char         body[40000];
	struct cache_entry *e;
	struct cache_meta   m = { 60, 0, 0, NULL, 0, 0 };
	const char         *h = "HTTP/1.1 200 OK\r\n\r\n";
	int                 rc = -1;

	if (vary != NULL)
		m.vary_names = strdup(vary);
	if (cache_lookup(1, r, 1, NOW, &e, NULL) != CACHE_FILL) {
		free(m.vary_names);
		return -2;
	}
	if (cache_fill_head(e, r, 200, h, strlen(h), &m) == 0 &&
	    cache_fill_body(e, body, len / 2) == 0 &&
	    cache_fill_body(e, body, len - len / 2) == 0 &&
	    cache_fill_done(e) == 0)
		rc = 0;
	else
		cache_fill_abandon(e);
	cache_entry_release(e);
	return rc;
}

static int
fill(const char *path, const char *head, size_t len, const char *vary)
{
	struct cache_req r;

	req_for(&r, path, head);
	return fill_req(&r, len, vary);
}

/* The body length of what a look-up finds, or -1. */
static long
hit_len(const struct cache_req *r)
{
	struct cache_entry *e;
	long                n;

	if (cache_lookup(1, r, 0, NOW, &e, NULL) != CACHE_HIT)
		return -1;
	n = (long)e->body_len;
	cache_entry_release(e);
	return n;
}

static long
hit_len_for(const char *path, const char *head)
{
	struct cache_req r;

	req_for(&r, path, head);
	return hit_len(&r);
}

/* A stale entry with validators is handed to the next fill, then replaced. */
static void
test_stale_for_revalidation(void **state)
{
	struct cache_req    r;
	struct cache_entry *e, *st, *w, *h;
	struct cache_meta   m = { 60, 0, 0, NULL, 0, 1 };
	struct cache_meta   plain = { 60, 0, 0, NULL, 0, 0 };
	const char         *head = "GET / HTTP/1.1\r\n\r\n";
	const char         *sh = "HTTP/1.1 200 OK\r\nETag: \"a\"\r\n\r\n";
	uint64_t            entries, bytes, max;

	(void)state;
	req_for(&r, "/v", head);
	assert_int_equal(cache_lookup(1, &r, 1, NOW, &e, &st), CACHE_FILL);
	assert_null(st);
	assert_int_equal(cache_fill_head(e, &r, 200, sh, strlen(sh), &m), 0);
	assert_int_equal(cache_fill_body(e, "old", 3), 0);
	assert_int_equal(cache_fill_done(e), 0);
	cache_entry_release(e);
	/* Stale: no hit, but the fill gets it to revalidate. */
	assert_int_equal(cache_lookup(1, &r, 1, NOW + 100, &e, &st),
	    CACHE_FILL);
	assert_non_null(st);
	assert_int_equal(st->body_len, 3);
	/* Others wait for that fill, and do not get the stale one. */
	assert_int_equal(cache_lookup(1, &r, 1, NOW + 100, &w, &h), CACHE_WAIT);
	assert_null(h);
	assert_int_equal(cache_fill_head(e, &r, 200, sh, strlen(sh), &m), 0);
	assert_int_equal(cache_fill_body(e, st->body, st->body_len), 0);
	assert_int_equal(cache_fill_done(e), 0);
	assert_int_equal(cache_entry_state(st), CACHE_DEAD); /* replaced */
	cache_entry_release(st);
	cache_entry_release(e);
	cache_entry_release(w);
	cache_usage(1, &entries, &bytes, &max);
	assert_int_equal(entries, 1);
	assert_int_equal(cache_lookup(1, &r, 0, NOW, &h, NULL), CACHE_HIT);
	cache_entry_release(h);
	/* Without validators, or without stale asked for: dropped. */
	req_for(&r, "/p", head);
	assert_int_equal(cache_lookup(1, &r, 1, NOW, &e, NULL), CACHE_FILL);
	assert_int_equal(cache_fill_head(e, &r, 200, sh, strlen(sh), &plain),
	    0);
	assert_int_equal(cache_fill_done(e), 0);
	cache_entry_release(e);
	assert_int_equal(cache_lookup(1, &r, 0, NOW + 100, &e, &st),
	    CACHE_NONE);
	assert_null(st);
	req_for(&r, "/v", head);
	assert_int_equal(cache_lookup(1, &r, 0, NOW + 100, &e, NULL),
	    CACHE_NONE);
	cache_usage(1, &entries, &bytes, &max);
	assert_int_equal(entries, 0);
	assert_int_equal(bytes, 0);
}

/* Fill path's key with body, validators as given; 0 when stored. */
static int
fill_one(const char *path, size_t len, int validators)
{
	static char         body[8192];
	struct cache_req    r;
	struct cache_entry *e;
	struct cache_meta   m = { 60, 0, 0, NULL, 0, 0 };
	const char         *sh = "HTTP/1.1 200 OK\r\nETag: \"a\"\r\n\r\n";
	int                 rc = -1;

	m.validators = validators;
	memset(body, 'b', sizeof body);
	req_for(&r, path, "GET / HTTP/1.1\r\n\r\n");
	if (cache_lookup(1, &r, 1, NOW, &e, NULL) != CACHE_FILL)
		return -2;
	if (cache_fill_head(e, &r, 200, sh, strlen(sh), &m) == 0 &&
	    cache_fill_body(e, body, len) == 0 && cache_fill_done(e) == 0)
		rc = 0;
	else
		cache_fill_abandon(e);
	cache_entry_release(e);
	return rc;
}

/*
 * The stale entry handed to a fill may be the one evicted to make room for
 * that fill: it stays readable (DEAD) for the filler.
 */
static void
test_stale_evicted_for_its_fill(void **state)
{
	static char         vpath[1100];
	char                path[32];
	struct cache_req    r;
	struct cache_entry *e, *st;
	uint64_t            n, before, after, max, overhead = 0;
	int                 i;

	(void)state;
	memset(vpath, 'v', sizeof vpath - 1);
	vpath[0] = '/';
	assert_int_equal(fill_one(vpath, 3, 1), 0);
	/* The rest of the cache, evicting nothing: 4 KiB bodies, then none. */
	for (i = 0;; i++) {
		cache_usage(1, &n, &before, &max);
		if (overhead != 0 && before + overhead + 4096 > max)
			break;
		snprintf(path, sizeof path, "/o%d", i);
		assert_int_equal(fill_one(path, 4000, 0), 0);
		cache_usage(1, &n, &after, &max);
		overhead = after - before - 4096;
	}
	for (;; i++) {
		cache_usage(1, &n, &before, &max);
		if (before + overhead > max)
			break;
		snprintf(path, sizeof path, "/o%d", i);
		assert_int_equal(fill_one(path, 0, 0), 0);
	}
	assert_int_equal(n, (uint64_t)i + 1); /* nothing evicted yet */
	req_for(&r, vpath, "GET / HTTP/1.1\r\n\r\n");
	assert_int_equal(cache_lookup(1, &r, 1, NOW + 100, &e, &st),
	    CACHE_FILL);
	assert_non_null(st);
	assert_int_equal(cache_entry_state(st), CACHE_DEAD); /* the LRU tail */
	assert_int_equal(st->body_len, 3);
	assert_memory_equal(st->body, "bbb", 3);
	cache_fill_abandon(e);
	cache_entry_release(e);
	cache_entry_release(st);
}

static void
test_fill_hit_wait(void **state)
{
	struct cache_req    r;
	struct cache_entry *e, *w, *h;
	struct cache_meta   m = { 60, 3, 0, NULL, 0, 0 };
	const char         *head = "GET / HTTP/1.1\r\n\r\n";
	uint64_t            entries, bytes, max;

	(void)state;
	req_for(&r, "/a?x=1", head);
	assert_int_equal(cache_lookup(1, &r, 0, NOW, &e, NULL), CACHE_NONE);
	assert_int_equal(cache_lookup(1, &r, 1, NOW, &e, NULL), CACHE_FILL);
	/* Another request for the key waits for the fill. */
	assert_int_equal(cache_lookup(1, &r, 1, NOW, &w, NULL), CACHE_WAIT);
	assert_ptr_equal(w, e);
	assert_int_equal(cache_entry_state(w), CACHE_FILLING);
	assert_int_equal(cache_fill_head(e, &r, 200, "HTTP/1.1 200 OK\r\n\r\n",
	                     19, &m),
	    0);
	assert_int_equal(cache_fill_body(e, "hello", 5), 0);
	assert_int_equal(cache_fill_done(e), 0);
	assert_int_equal(cache_entry_state(w), CACHE_READY);
	cache_entry_release(w);
	cache_entry_release(e);
	/* Host case does not matter; the path does. */
	r.host = "app.test";
	assert_int_equal(cache_lookup(1, &r, 1, NOW, &h, NULL), CACHE_HIT);
	assert_int_equal(h->body_len, 5);
	assert_memory_equal(h->body, "hello", 5);
	assert_true(cache_entry_age(h, NOW) >= 3);
	cache_entry_release(h);
	/* Not public: a restricted request cannot have it. */
	r.restricted = 1;
	assert_int_equal(cache_lookup(1, &r, 0, NOW, &h, NULL), CACHE_NONE);
	r.restricted = 0;
	/* Stale later: dropped on lookup. */
	assert_int_equal(cache_lookup(1, &r, 0, NOW + 58, &h, NULL),
	    CACHE_NONE);
	cache_usage(1, &entries, &bytes, &max);
	assert_int_equal(entries, 0);
	assert_int_equal(bytes, 0);
	assert_int_equal(max, 64 * 1024);
	/* An abandoned fill tells its waiters. */
	assert_int_equal(cache_lookup(1, &r, 1, NOW, &e, NULL), CACHE_FILL);
	assert_int_equal(cache_lookup(1, &r, 1, NOW, &w, NULL), CACHE_WAIT);
	cache_fill_abandon(e);
	assert_int_equal(cache_entry_state(w), CACHE_DEAD);
	cache_entry_release(e);
	cache_entry_release(w);
	assert_int_equal(cache_lookup(2, &r, 1, NOW, &e, NULL), CACHE_OFF);
}

static void
test_vary(void **state)
{
	const char         *de = "GET / HTTP/1.1\r\nX-Lang: de\r\n\r\n";
	const char         *de2 = "GET / HTTP/1.1\r\nx-lang:  de \r\n\r\n";
	const char         *en = "GET / HTTP/1.1\r\nX-Lang: en\r\n\r\n";
	struct cache_req    r;
	struct cache_entry *e;

	(void)state;
	assert_int_equal(fill("/v", de, 10, "x-lang"), 0);
	req_for(&r, "/v", de2);
	assert_int_equal(cache_lookup(1, &r, 0, NOW, &e, NULL), CACHE_HIT);
	cache_entry_release(e);
	req_for(&r, "/v", en);
	assert_int_equal(cache_lookup(1, &r, 0, NOW, &e, NULL), CACHE_NONE);
	assert_int_equal(fill("/v", en, 20, "x-lang"), 0);
	assert_int_equal(cache_lookup(1, &r, 0, NOW, &e, NULL), CACHE_HIT);
	assert_int_equal(e->body_len, 20);
	cache_entry_release(e);
}

/* Only white space at the ends and around commas is dropped. */
static void
test_vary_white_space(void **state)
{
	(void)state;
	assert_int_equal(fill("/w", "GET / HTTP/1.1\r\nX-A: a b\r\n\r\n", 10,
	                     "x-a"),
	    0);
	assert_int_equal(hit_len_for("/w",
	                     "GET / HTTP/1.1\r\nx-a: \t a b  \r\n\r\n"),
	    10);
	assert_int_equal(hit_len_for("/w", "GET / HTTP/1.1\r\nX-A: ab\r\n\r\n"),
	    -1);
	assert_int_equal(fill("/w", "GET / HTTP/1.1\r\nX-A: ab\r\n\r\n", 20,
	                     "x-a"),
	    0);
	assert_int_equal(hit_len_for("/w",
	                     "GET / HTTP/1.1\r\nX-A: a b\r\n\r\n"),
	    10);
	/* A list: one line or several, OWS around the commas or not. */
	assert_int_equal(fill("/l",
	                     "GET / HTTP/1.1\r\nX-A: a , b c\r\nX-A: d\r\n\r\n",
	                     30, "x-a"),
	    0);
	assert_int_equal(hit_len_for("/l",
	                     "GET / HTTP/1.1\r\nX-A: a,b c,\td\r\n\r\n"),
	    30);
	assert_int_equal(hit_len_for("/l",
	                     "GET / HTTP/1.1\r\nX-A: a,bc,d\r\n\r\n"),
	    -1);
	assert_int_equal(hit_len_for("/l",
	                     "GET / HTTP/1.1\r\nX-A: a\r\nX-A: b c,d\r\n\r\n"),
	    30);
}

/* A key holds CACHE_VARIANTS_MAX variants; the oldest makes room. */
static void
test_vary_bound(void **state)
{
	char     head[64];
	int      i, n = CACHE_VARIANTS_MAX + 4;
	uint64_t entries, bytes, max;

	(void)state;
	configure(1024 * 1024); /* room for all: only the bound evicts */
	assert_int_equal(fill("/other", "GET / HTTP/1.1\r\nX-Lang: x\r\n\r\n",
	                     5, "x-lang"),
	    0);
	for (i = 0; i < n; i++) {
		snprintf(head, sizeof head,
		    "GET / HTTP/1.1\r\nX-Lang: l%d\r\n\r\n", i);
		assert_int_equal(fill("/c", head, 10, "x-lang"), 0);
	}
	for (i = 0; i < n; i++) {
		snprintf(head, sizeof head,
		    "GET / HTTP/1.1\r\nX-Lang: l%d\r\n\r\n", i);
		assert_int_equal(hit_len_for("/c", head),
		    i < n - CACHE_VARIANTS_MAX ? -1 : 10);
	}
	cache_usage(1, &entries, &bytes, &max);
	assert_int_equal(entries, CACHE_VARIANTS_MAX + 1);
	/* Other keys keep theirs. */
	assert_int_equal(hit_len_for("/other",
	                     "GET / HTTP/1.1\r\nX-Lang: x\r\n\r\n"),
	    5);
}

/* Variants of one key that vary on different headers. */
static void
test_vary_lists_differ(void **state)
{
	(void)state;
	assert_int_equal(fill("/m",
	                     "GET / HTTP/1.1\r\nX-A: 1\r\nX-B: 1\r\n\r\n", 10,
	                     "x-a"),
	    0);
	assert_int_equal(fill("/m",
	                     "GET / HTTP/1.1\r\nX-A: 2\r\nX-B: 2\r\n\r\n", 20,
	                     "x-b"),
	    0);
	assert_int_equal(fill("/m",
	                     "GET / HTTP/1.1\r\nX-A: 3\r\nX-B: 3\r\n\r\n", 30,
	                     "x-a,x-b"),
	    0);
	assert_int_equal(hit_len_for("/m",
	                     "GET / HTTP/1.1\r\nX-A: 1\r\nX-B: 9\r\n\r\n"),
	    10);
	assert_int_equal(hit_len_for("/m",
	                     "GET / HTTP/1.1\r\nX-A: 9\r\nX-B: 2\r\n\r\n"),
	    20);
	assert_int_equal(hit_len_for("/m",
	                     "GET / HTTP/1.1\r\nX-A: 3\r\nX-B: 3\r\n\r\n"),
	    30);
	assert_int_equal(hit_len_for("/m",
	                     "GET / HTTP/1.1\r\nX-A: 9\r\nX-B: 9\r\n\r\n"),
	    -1);
}

/* http and https are different keys. */
static void
test_scheme(void **state)
{
	const char      *head = "GET / HTTP/1.1\r\n\r\n";
	struct cache_req r;
	char             path[32];
	int              i;

	(void)state;
	configure(1024 * 1024);
	for (i = 0; i < 20; i++) {
		snprintf(path, sizeof path, "/s%d", i);
		req_for(&r, path, head);
		assert_int_equal(fill_req(&r, 10, NULL), 0);
		r.tls = 1;
		assert_int_equal(hit_len(&r), -1);
		assert_int_equal(fill_req(&r, 20, NULL), 0);
		assert_int_equal(hit_len(&r), 20);
		r.tls = 0;
		assert_int_equal(hit_len(&r), 10);
	}
	/* A purge takes both. */
	assert_int_equal(cache_purge(1, "/s1"), 22);
}

/* The key hash has a secret, drawn anew after a shutdown. */
static void
test_seeded_hash(void **state)
{
	const char         *head = "GET / HTTP/1.1\r\n\r\n";
	struct cache_req    r;
	struct cache_entry *e;
	uint64_t            h1, h2;

	(void)state;
	req_for(&r, "/seed", head);
	assert_int_equal(fill_req(&r, 1, NULL), 0);
	assert_int_equal(cache_lookup(1, &r, 0, NOW, &e, NULL), CACHE_HIT);
	h1 = e->hash;
	cache_entry_release(e);
	/* Only the host's case is ignored. */
	r.host = "aPP.tEST";
	assert_int_equal(cache_lookup(1, &r, 0, NOW, &e, NULL), CACHE_HIT);
	assert_true(e->hash == h1);
	cache_entry_release(e);
	cache_shutdown();
	configure(64 * 1024);
	req_for(&r, "/seed", head);
	assert_int_equal(fill_req(&r, 1, NULL), 0);
	assert_int_equal(cache_lookup(1, &r, 0, NOW, &e, NULL), CACHE_HIT);
	h2 = e->hash;
	cache_entry_release(e);
	assert_true(h1 != h2);
}

/* An unterminated quoted value ends at the value's end. */
static void
test_cache_control_unterminated(void **state)
{
	static const char  value[] = "max-age=\"5";
	static const char  value2[] = "max-age=60, a=\"";
	struct http_header h = { 0 };
	struct cache_meta  m;

	(void)state;
	h.name = "Cache-Control";
	h.name_len = 13;
	h.value = value;
	h.value_len = sizeof value - 2; /* the 5 is not the header's */
	h.id = HTTP_HDR_OTHER;
	assert_int_equal(cache_storable(HTTP_M_GET, 200, &h, 1, 0, NOW, &m), 0);
	h.value = value2;
	h.value_len = sizeof value2 - 1;
	assert_int_equal(cache_storable(HTTP_M_GET, 200, &h, 1, 0, NOW, &m), 1);
	assert_int_equal(m.lifetime_s, 60);
}

static void
test_size_bound_and_lru(void **state)
{
	const char         *head = "GET / HTTP/1.1\r\n\r\n";
	char                path[32];
	struct cache_req    r;
	struct cache_entry *e;
	uint64_t            entries, bytes, max;
	int                 i;

	(void)state;
	/* More than an eighth of the cache is never kept. */
	assert_int_equal(fill("/big", head, 9000, NULL), -1);
	for (i = 0; i < 200; i++) {
		snprintf(path, sizeof path, "/f%d", i);
		assert_int_equal(fill(path, head, 3000, NULL), 0);
		cache_usage(1, &entries, &bytes, &max);
		assert_true(bytes <= 64 * 1024);
		if (i == 10) {
			/* Keep /f0 recent. */
			req_for(&r, "/f0", head);
			assert_int_equal(cache_lookup(1, &r, 0, NOW, &e, NULL),
			    CACHE_HIT);
			cache_entry_release(e);
		}
	}
	cache_usage(1, &entries, &bytes, &max);
	assert_true(entries > 5 && entries < 30);
	req_for(&r, "/f1", head);
	assert_int_equal(cache_lookup(1, &r, 0, NOW, &e, NULL), CACHE_NONE);
	req_for(&r, "/f199", head);
	assert_int_equal(cache_lookup(1, &r, 0, NOW, &e, NULL), CACHE_HIT);
	/* An entry in use outlives its eviction. */
	assert_int_equal(cache_purge(1, NULL), entries);
	assert_int_equal(e->body_len, 3000);
	cache_entry_release(e);
}

static void
test_purge_and_reload(void **state)
{
	const char         *head = "GET / HTTP/1.1\r\n\r\n";
	struct cache_req    r;
	struct cache_entry *e, *f;

	(void)state;
	assert_int_equal(fill("/img/a", head, 10, NULL), 0);
	assert_int_equal(fill("/img/b", head, 10, NULL), 0);
	assert_int_equal(fill("/css/c", head, 10, NULL), 0);
	assert_int_equal(cache_purge(1, "/img/"), 2);
	assert_int_equal(cache_purge(1, "/img/"), 0);
	/* A fill under way is abandoned by a purge. */
	req_for(&r, "/img/d", head);
	assert_int_equal(cache_lookup(1, &r, 1, NOW, &f, NULL), CACHE_FILL);
	assert_int_equal(cache_purge(1, "/img"), 0);
	assert_int_equal(cache_fill_body(f, "x", 1), -1);
	assert_int_equal(cache_entry_state(f), CACHE_DEAD);
	cache_entry_release(f);
	/* Same configuration: kept.  Changed: emptied. */
	configure(64 * 1024);
	req_for(&r, "/css/c", head);
	assert_int_equal(cache_lookup(1, &r, 0, NOW, &e, NULL), CACHE_HIT);
	cache_entry_release(e);
	route.strip_path = 1;
	configure(64 * 1024);
	assert_int_equal(cache_lookup(1, &r, 0, NOW, &e, NULL), CACHE_NONE);
	/* A route with its cache switched off has none. */
	configure(0);
	assert_int_equal(cache_lookup(1, &r, 1, NOW, &e, NULL), CACHE_OFF);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_storable),
		cmocka_unit_test(test_dates_and_heads),
		cmocka_unit_test_setup_teardown(test_fill_hit_wait, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_vary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_for_revalidation,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_evicted_for_its_fill,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_vary_white_space, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_vary_bound, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_vary_lists_differ, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_scheme, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seeded_hash, setup,
		    teardown),
		cmocka_unit_test(test_cache_control_unterminated),
		cmocka_unit_test_setup_teardown(test_size_bound_and_lru, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_purge_and_reload, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
