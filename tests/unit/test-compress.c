/* SPDX-License-Identifier: ISC */
/* Unit tests for compress.c: Accept-Encoding, media types, gzip/zstd streams. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>
#include <zstd.h>

#include "buf.h"
#include "compress.h"

static enum compress_enc
choose(const char *ae)
{
	return compress_choose(ae, ae != NULL ? strlen(ae) : 0);
}

static void
test_choose(void **state)
{
	(void)state;
	assert_int_equal(choose(NULL), COMPRESS_NONE);
	assert_int_equal(choose(""), COMPRESS_NONE);
	assert_int_equal(choose("gzip"), COMPRESS_GZIP);
	assert_int_equal(choose("x-gzip"), COMPRESS_GZIP);
	assert_int_equal(choose("zstd"), COMPRESS_ZSTD);
	assert_int_equal(choose("gzip, deflate, br, zstd"), COMPRESS_ZSTD);
	assert_int_equal(choose("gzip;q=1.0, zstd;q=0.999"), COMPRESS_GZIP);
	assert_int_equal(choose("GZIP ; Q=0.5 , zstd;q=0.4"), COMPRESS_GZIP);
	assert_int_equal(choose("zstd;q=0, gzip"), COMPRESS_GZIP);
	assert_int_equal(choose("gzip;q=0"), COMPRESS_NONE);
	assert_int_equal(choose("*"), COMPRESS_ZSTD);
	assert_int_equal(choose("*;q=0"), COMPRESS_NONE);
	assert_int_equal(choose("zstd;q=0, *;q=0.1"), COMPRESS_GZIP);
	assert_int_equal(choose("br, identity"), COMPRESS_NONE);
	assert_int_equal(choose("gzip;q=2"), COMPRESS_NONE); /* bad weight */
	assert_int_equal(choose("gzip;q=0.1234"), COMPRESS_NONE);
	assert_int_equal(choose(",, ,gzip;level=1;q=0.2,"), COMPRESS_GZIP);
	assert_string_equal(compress_name(COMPRESS_GZIP), "gzip");
	assert_string_equal(compress_name(COMPRESS_ZSTD), "zstd");
	assert_string_equal(compress_name(COMPRESS_NONE), "");
}

static int
type_ok(const char *types, const char *ct)
{
	return compress_type_ok(types, ct, strlen(ct));
}

static void
test_types(void **state)
{
	(void)state;
	assert_true(type_ok(NULL, "text/html"));
	assert_true(type_ok(NULL, "text/html; charset=utf-8"));
	assert_true(type_ok(NULL, "Application/JSON"));
	assert_true(type_ok(NULL, "image/svg+xml"));
	assert_false(type_ok(NULL, "image/png"));
	assert_false(type_ok(NULL, "text/event-stream"));
	assert_false(type_ok(NULL, "text"));
	assert_false(type_ok(NULL, "text/htmlx"));
	assert_true(type_ok("text/*,application/x-a", "text/anything"));
	assert_true(type_ok("text/*,application/x-a", "application/x-a;q=1"));
	assert_false(type_ok("text/*,application/x-a", "textual/x"));
	assert_false(type_ok("text/*", "application/text"));
}

/* Inflate everything in (gzip wrapper); what it gives may be a prefix. */
static size_t
gunzip(z_stream *zs, const char *in, size_t len, char *out, size_t cap)
{
	zs->next_in = (Bytef *)(uintptr_t)in;
	zs->avail_in = (uInt)len;
	zs->next_out = (Bytef *)out;
	zs->avail_out = (uInt)cap;
	assert_true(inflate(zs, Z_SYNC_FLUSH) >= 0);
	assert_int_equal(zs->avail_in, 0);
	return cap - zs->avail_out;
}

static size_t
unzstd(ZSTD_DStream *ds, const char *in, size_t len, char *out, size_t cap)
{
	ZSTD_inBuffer  ib = { in, len, 0 };
	ZSTD_outBuffer ob = { out, cap, 0 };

	while (ib.pos < ib.size)
		assert_false(ZSTD_isError(ZSTD_decompressStream(ds, &ob, &ib)));
	return ob.pos;
}

/* Pieces in, a flush after each: everything so far decodes at once. */
static void
roundtrip(enum compress_enc enc)
{
	static char      input[200000], got[300000];
	struct compress *z = compress_new(enc);
	struct buf       out;
	z_stream         zs;
	ZSTD_DStream    *ds = NULL;
	size_t           i, off = 0, have = 0, n, piece;

	assert_non_null(z);
	for (i = 0; i < sizeof input; i++)
		input[i] =
		    (char)("frontdoor compresses "[i % 21] + (i / 997) % 3);
	memset(&zs, 0, sizeof zs);
	if (enc == COMPRESS_GZIP)
		assert_int_equal(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
	else
		ds = ZSTD_createDStream();
	buf_init(&out, 0);
	for (piece = 1; off < sizeof input; piece = piece * 3 + 7) {
		n = piece < sizeof input - off ? piece : sizeof input - off;
		if (n > 16384)
			n = 16384;
		buf_reset(&out);
		assert_int_equal(compress_data(z, input + off, n,
		                     off + n == sizeof input ? COMPRESS_FINISH :
		                                               COMPRESS_FLUSH,
		                     &out),
		    0);
		off += n;
		assert_true(out.len > 0);
		assert_true(out.len < n + 1024);
		have += enc == COMPRESS_GZIP ?
		    gunzip(&zs, out.data, out.len, got + have,
		        sizeof got - have) :
		    unzstd(ds, out.data, out.len, got + have,
		        sizeof got - have);
		assert_int_equal(have, off); /* flushed: all of it decodes */
	}
	assert_memory_equal(got, input, sizeof input);
	/* Nothing more after the end. */
	assert_int_equal(compress_data(z, "x", 1, COMPRESS_RUN, &out), -1);
	buf_free(&out);
	compress_free(z);
	compress_free(NULL);
	if (enc == COMPRESS_GZIP)
		inflateEnd(&zs);
	else
		ZSTD_freeDStream(ds);
}

static void
test_gzip_roundtrip(void **state)
{
	(void)state;
	roundtrip(COMPRESS_GZIP);
}

static void
test_zstd_roundtrip(void **state)
{
	(void)state;
	roundtrip(COMPRESS_ZSTD);
}

/* RUN steps may give nothing; FINISH then gives the whole stream. */
static void
test_run_then_finish(void **state)
{
	struct compress *z = compress_new(COMPRESS_GZIP);
	struct buf       out;
	char             dec[64];
	uLongf           dl = sizeof dec;
	z_stream         zs;
	size_t           n;

	(void)state;
	buf_init(&out, 0);
	assert_int_equal(compress_data(z, "hello ", 6, COMPRESS_RUN, &out), 0);
	assert_int_equal(compress_data(z, NULL, 0, COMPRESS_RUN, &out), 0);
	assert_int_equal(compress_data(z, "world", 5, COMPRESS_FINISH, &out),
	    0);
	memset(&zs, 0, sizeof zs);
	assert_int_equal(inflateInit2(&zs, 16 + MAX_WBITS), Z_OK);
	n = gunzip(&zs, out.data, out.len, dec, dl);
	assert_int_equal(n, 11);
	assert_memory_equal(dec, "hello world", 11);
	inflateEnd(&zs);
	buf_free(&out);
	compress_free(z);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_choose),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_gzip_roundtrip),
		cmocka_unit_test(test_zstd_roundtrip),
		cmocka_unit_test(test_run_then_finish),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
