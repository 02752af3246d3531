/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for daemon/filter*.c: the chain of body filters, the
 * compressor and the cache fill.
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
#include <zlib.h>
#include <zstd.h>

#include "buf.h"
#include "cache.h"
#include "compress.h"
#include "config.h"
#include "filter.h"
#include "http.h"
#include "list.h"
#include "util.h"

#define NOW ((uint64_t)time(NULL))

/* A filter that appends its letter to what passes, and counts its calls. */
struct tag {
	struct body_filter f;
	char               letter;
	int                fail; /* its data call fails */
	int                calls, stops, lasts;
	int               *freed;
	char               out[64];
};

static int
tag_data(struct body_filter *f, char **data, size_t *n, int last)
{
	struct tag *t = container_of(f, struct tag, f);

	t->calls++;
	if (t->fail)
		return -1;
	if (last)
		t->lasts++;
	assert_true(*n + 1 < sizeof t->out);
	memcpy(t->out, *data, *n);
	t->out[(*n)++] = t->letter;
	*data = t->out;
	return 0;
}

static void
tag_stop(struct body_filter *f)
{
	container_of(f, struct tag, f)->stops++;
}

static void
tag_free(struct body_filter *f)
{
	(*container_of(f, struct tag, f)->freed)++;
}

static const struct body_filter_ops tag_ops = {
	.data = tag_data,
	.stop = tag_stop,
	.free = tag_free,
};

static void
tag_init(struct tag *t, char letter, int *freed)
{
	memset(t, 0, sizeof *t);
	t->f.ops = &tag_ops;
	t->letter = letter;
	t->freed = freed;
}

/* Filters run in the order they were added, each on the last one's output. */
static void
test_chain_order(void **state)
{
	struct body_filter *chain = NULL;
	struct tag          a, b, c;
	char                in[] = "x", *data = in;
	size_t              n = 1;
	int                 freed = 0;

	(void)state;
	tag_init(&a, 'a', &freed);
	tag_init(&b, 'b', &freed);
	tag_init(&c, 'c', &freed);
	body_chain_add(&chain, &a.f);
	body_chain_add(&chain, &b.f);
	body_chain_add(&chain, &c.f);
	assert_int_equal(body_chain_run(chain, &data, &n, 0), 0);
	assert_int_equal(n, 4);
	assert_memory_equal(data, "xabc", 4);
	assert_ptr_equal(data, c.out);
	assert_int_equal(body_chain_run(chain, &data, &n, 1), 0);
	assert_memory_equal(data, "xabcabc", 7);
	assert_int_equal(a.lasts + b.lasts + c.lasts, 3);
	body_chain_stop(chain);
	assert_int_equal(a.stops + b.stops + c.stops, 3);
	body_chain_free(&chain);
	assert_null(chain);
	assert_int_equal(freed, 3);
}

/* Without filters the bytes go on as they are; a failure stops the run. */
static void
test_chain_empty_and_failure(void **state)
{
	struct body_filter *chain = NULL;
	struct tag          a, b;
	char                in[] = "body", *data = in;
	size_t              n = 4;
	int                 freed = 0;

	(void)state;
	assert_int_equal(body_chain_run(chain, &data, &n, 1), 0);
	assert_ptr_equal(data, in);
	assert_int_equal(n, 4);
	body_chain_stop(chain);
	body_chain_free(&chain);

	tag_init(&a, 'a', &freed);
	tag_init(&b, 'b', &freed);
	a.fail = 1;
	body_chain_add(&chain, &a.f);
	body_chain_add(&chain, &b.f);
	assert_int_equal(body_chain_run(chain, &data, &n, 0), -1);
	assert_int_equal(a.calls, 1);
	assert_int_equal(b.calls, 0);
	body_chain_free(&chain);
	assert_int_equal(freed, 2);
}

/* Decode a whole gzip or zstd stream; returns its length. */
static size_t
decompress(enum compress_enc enc, const char *in, size_t len, char *out,
    size_t cap)
{
	z_stream zs;
	size_t   r;

	if (enc == COMPRESS_ZSTD) {
		r = ZSTD_decompress(out, cap, in, len);
		assert_false(ZSTD_isError(r));
		return r;
	}
	memset(&zs, 0, sizeof zs);
	assert_int_equal(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
	zs.next_in = (Bytef *)(uintptr_t)in;
	zs.avail_in = (uInt)len;
	zs.next_out = (Bytef *)out;
	zs.avail_out = (uInt)cap;
	assert_int_equal(inflate(&zs, Z_FINISH), Z_STREAM_END);
	r = cap - zs.avail_out;
	inflateEnd(&zs);
	return r;
}

/* A body in steps through the compressor decompresses to the body. */
static void
compress_round_trip(enum compress_enc enc, int flush)
{
	static char         body[20000], got[40000];
	struct body_filter *chain = NULL, *f;
	struct buf          all;
	char               *data;
	size_t              i, n, step = 3000;

	for (i = 0; i < sizeof body; i++)
		body[i] =
		    "frontdoor compresses text "[i % 26] + (char)(i / 5000);
	assert_non_null(f = filter_compress_new(enc, flush, "test"));
	body_chain_add(&chain, f);
	buf_init(&all, 0);
	for (i = 0; i < sizeof body; i += step) {
		data = body + i;
		n = MIN(step, sizeof body - i);
		assert_int_equal(body_chain_run(chain, &data, &n, 0), 0);
		/* A flushing filter sends something of every step. */
		if (flush)
			assert_true(n > 0);
		assert_int_equal(buf_append(&all, data, n), 0);
	}
	data = NULL;
	n = 0;
	assert_int_equal(body_chain_run(chain, &data, &n, 1), 0);
	assert_true(n > 0);
	assert_int_equal(buf_append(&all, data, n), 0);
	assert_true(all.len < sizeof body / 4);
	n = decompress(enc, all.data, all.len, got, sizeof got);
	assert_int_equal(n, sizeof body);
	assert_memory_equal(got, body, sizeof body);
	buf_free(&all);
	body_chain_free(&chain);
}

static void
test_compress_gzip(void **state)
{
	(void)state;
	compress_round_trip(COMPRESS_GZIP, 1);
	compress_round_trip(COMPRESS_GZIP, 0);
}

static void
test_compress_zstd(void **state)
{
	(void)state;
	compress_round_trip(COMPRESS_ZSTD, 1);
	compress_round_trip(COMPRESS_ZSTD, 0);
}

/* "Name: value" pairs into a response's headers. */
static void
resp_init(struct http_response *resp, struct http_header *h, int status,
    const char *const *pairs)
{
	size_t n = 0;

	memset(resp, 0, sizeof *resp);
	resp->status = status;
	resp->headers = h;
	for (; pairs[0] != NULL; pairs += 2, n++) {
		h[n].name = pairs[0];
		h[n].name_len = strlen(pairs[0]);
		h[n].value = pairs[1];
		h[n].value_len = strlen(pairs[1]);
		h[n].id = HTTP_HDR_OTHER;
	}
	resp->nheaders = n;
}

/* What a head allows: frontdoor.ini(5), compress. */
static void
test_compress_wanted(void **state)
{
	const char *html[] = { "Content-Type", "text/html; charset=utf-8",
		NULL };
	const char *png[] = { "Content-Type", "image/png", NULL };
	const char *coded[] = { "Content-Type", "text/html", "Content-Encoding",
		"br", NULL };
	const char *ident[] = { "Content-Type", "text/html", "Content-Encoding",
		"identity", NULL };
	const char *notr[] = { "Content-Type", "text/html", "Cache-Control",
		"public, No-Transform", NULL };
	const char *sse[] = { "Content-Type", "text/event-stream", NULL };
	const char *range[] = { "Content-Type", "text/html", "Content-Range",
		"bytes 0-9/100", NULL };
	const char *none[] = { NULL };
	struct http_header   h[4];
	struct http_response resp;
	struct route_conf    r;

	(void)state;
	memset(&r, 0, sizeof r);
	r.compress = 1;
	r.compress_min_size = 256;
	resp_init(&resp, h, 200, html);
	assert_true(filter_compress_wanted(&r, &resp, 0, 0));
	assert_true(filter_compress_wanted(&r, &resp, 1, 256));
	assert_false(filter_compress_wanted(&r, &resp, 1, 255));
	assert_false(filter_compress_wanted(&r, &resp, 1, 0));
	resp.status = 204;
	assert_false(filter_compress_wanted(&r, &resp, 0, 0));
	resp.status = 206;
	assert_false(filter_compress_wanted(&r, &resp, 0, 0));
	resp.status = 304;
	assert_false(filter_compress_wanted(&r, &resp, 0, 0));
	resp.status = 101;
	assert_false(filter_compress_wanted(&r, &resp, 0, 0));
	resp.status = 404;
	assert_true(filter_compress_wanted(&r, &resp, 0, 0));
	r.compress = 0;
	assert_false(filter_compress_wanted(&r, &resp, 0, 0));
	r.compress = 1;
	resp_init(&resp, h, 200, png);
	assert_false(filter_compress_wanted(&r, &resp, 0, 0));
	resp_init(&resp, h, 200, coded);
	assert_false(filter_compress_wanted(&r, &resp, 0, 0));
	resp_init(&resp, h, 200, ident);
	assert_true(filter_compress_wanted(&r, &resp, 0, 0));
	resp_init(&resp, h, 200, notr);
	assert_false(filter_compress_wanted(&r, &resp, 0, 0));
	resp_init(&resp, h, 200, sse);
	assert_false(filter_compress_wanted(&r, &resp, 0, 0));
	resp_init(&resp, h, 200, range);
	assert_false(filter_compress_wanted(&r, &resp, 0, 0));
	resp_init(&resp, h, 200, none);
	assert_false(filter_compress_wanted(&r, &resp, 0, 0));
}

/* The head lines of a compressed response. */
static void
test_compress_headers(void **state)
{
	const char *plain[] = { "Content-Type", "text/html", NULL };
	const char *varies[] = { "Vary", "Cookie, accept-encoding", NULL };
	const char *star[] = { "Vary", "*", NULL };
	struct http_header   h[4], etag = { .name = "ETag", .name_len = 4 };
	struct http_response resp;
	struct buf           b;

	(void)state;
	buf_init(&b, 0);
	resp_init(&resp, h, 200, plain);
	filter_compress_headers(COMPRESS_GZIP, &resp, &b);
	assert_int_equal(buf_append(&b, "", 1), 0);
	assert_string_equal(b.data,
	    "Content-Encoding: gzip\r\nVary: Accept-Encoding\r\n");
	buf_reset(&b);
	filter_compress_headers(COMPRESS_NONE, &resp, &b);
	assert_int_equal(buf_append(&b, "", 1), 0);
	assert_string_equal(b.data, "Vary: Accept-Encoding\r\n");
	buf_reset(&b);
	resp_init(&resp, h, 200, varies);
	filter_compress_headers(COMPRESS_ZSTD, &resp, &b);
	assert_int_equal(buf_append(&b, "", 1), 0);
	assert_string_equal(b.data, "Content-Encoding: zstd\r\n");
	buf_reset(&b);
	resp_init(&resp, h, 200, star);
	filter_compress_headers(COMPRESS_NONE, &resp, &b);
	assert_int_equal(b.len, 0);

	etag.value = "\"v1\"";
	etag.value_len = 4;
	assert_int_equal(filter_compress_etag(&etag, &b), 1);
	assert_int_equal(buf_append(&b, "", 1), 0);
	assert_string_equal(b.data, "ETag: W/\"v1\"\r\n");
	buf_reset(&b);
	etag.value = "W/\"v1\"";
	etag.value_len = 6;
	assert_int_equal(filter_compress_etag(&etag, &b), 0);
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

static struct route_conf cache_route;
static struct config     cache_cfg;

static int
cache_setup(void **state)
{
	(void)state;
	memset(&cache_route, 0, sizeof cache_route);
	cache_route.name = (char *)"app";
	cache_route.path = (char *)"/";
	cache_route.id = 1;
	cache_route.cache_size = 16 * 1024;
	cache_cfg.routes = &cache_route;
	cache_cfg.nroutes = 1;
	cache_configure(&cache_cfg);
	return 0;
}

static int
cache_teardown(void **state)
{
	(void)state;
	cache_shutdown();
	return 0;
}

static void
cache_req_for(struct cache_req *r, const char *path)
{
	static const char head[] =
	    "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n";

	memset(r, 0, sizeof *r);
	r->host = "example.com";
	r->host_len = 11;
	r->path = path;
	r->path_len = strlen(path);
	r->head = head;
	r->head_len = sizeof head - 1;
}

/* A cache fill filter for path's entry, its head stored. */
static struct body_filter *
cache_filter_for(const char *path)
{
	static const char   h[] = "HTTP/1.1 200 OK\r\n\r\n";
	struct cache_meta   m = { 60, 0, 0, NULL, 0, 0 };
	struct cache_req    r;
	struct cache_entry *e;

	cache_req_for(&r, path);
	assert_int_equal(cache_lookup(1, &r, 1, NOW, &e, NULL), CACHE_FILL);
	assert_int_equal(cache_fill_head(e, &r, 200, h, sizeof h - 1, &m), 0);
	return filter_cache_new(e, "test");
}

/* What a look-up of path finds: CACHE_HIT with the body, or another. */
static int
cache_find(const char *path, char *body, size_t *len)
{
	struct cache_req    r;
	struct cache_entry *e;
	int                 found;

	cache_req_for(&r, path);
	found = cache_lookup(1, &r, 1, NOW, &e, NULL);
	if (found == CACHE_HIT) {
		memcpy(body, e->body, e->body_len);
		*len = e->body_len;
	} else if (found == CACHE_FILL)
		cache_fill_abandon(e);
	cache_entry_release(e);
	return found;
}

/* The filter passes the body on as it is, and stores it at its end. */
static void
test_cache_fill(void **state)
{
	struct body_filter *chain = NULL;
	char                a[] = "hello, ", b[] = "world", *data, got[64];
	size_t              n;

	(void)state;
	body_chain_add(&chain, cache_filter_for("/a"));
	data = a;
	n = strlen(a);
	assert_int_equal(body_chain_run(chain, &data, &n, 0), 0);
	assert_ptr_equal(data, a);
	assert_int_equal(n, strlen(a));
	/* Filling: others wait for it. */
	assert_int_equal(cache_find("/a", got, &n), CACHE_WAIT);
	data = b;
	n = strlen(b);
	assert_int_equal(body_chain_run(chain, &data, &n, 1), 0);
	assert_ptr_equal(data, b);
	assert_int_equal(cache_find("/a", got, &n), CACHE_HIT);
	assert_int_equal(n, 12);
	assert_memory_equal(got, "hello, world", 12);
	body_chain_free(&chain);
	assert_int_equal(cache_find("/a", got, &n), CACHE_HIT);
}

/* A body cut short, or freed before its end, is not stored. */
static void
test_cache_stop(void **state)
{
	struct body_filter *chain = NULL;
	char                a[] = "part", *data = a, got[64];
	size_t              n = 4;

	(void)state;
	body_chain_add(&chain, cache_filter_for("/b"));
	assert_int_equal(body_chain_run(chain, &data, &n, 0), 0);
	body_chain_stop(chain);
	assert_int_equal(cache_find("/b", got, &n), CACHE_FILL);
	body_chain_free(&chain);
	assert_int_equal(cache_find("/b", got, &n), CACHE_FILL);

	body_chain_add(&chain, cache_filter_for("/c"));
	data = a;
	n = 4;
	assert_int_equal(body_chain_run(chain, &data, &n, 0), 0);
	body_chain_free(&chain);
	assert_int_equal(cache_find("/c", got, &n), CACHE_FILL);
}

/* Too large for the route's cache: the client still gets every byte. */
static void
test_cache_too_large(void **state)
{
	static char         big[8 * 1024];
	struct body_filter *chain = NULL;
	char               *data, got[64];
	size_t              n, i;

	(void)state;
	memset(big, 'x', sizeof big);
	body_chain_add(&chain, cache_filter_for("/big"));
	for (i = 0; i < 4; i++) {
		data = big;
		n = sizeof big;
		assert_int_equal(body_chain_run(chain, &data, &n, i == 3), 0);
		assert_ptr_equal(data, big);
		assert_int_equal(n, sizeof big);
	}
	assert_int_equal(cache_find("/big", got, &n), CACHE_FILL);
	body_chain_free(&chain);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_order),
		cmocka_unit_test(test_chain_empty_and_failure),
		cmocka_unit_test(test_compress_gzip),
		cmocka_unit_test(test_compress_zstd),
		cmocka_unit_test(test_compress_wanted),
		cmocka_unit_test(test_compress_headers),
		cmocka_unit_test_setup_teardown(test_cache_fill, cache_setup,
		    cache_teardown),
		cmocka_unit_test_setup_teardown(test_cache_stop, cache_setup,
		    cache_teardown),
		cmocka_unit_test_setup_teardown(test_cache_too_large,
		    cache_setup, cache_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
