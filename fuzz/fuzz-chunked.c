/* SPDX-License-Identifier: ISC */
/* libFuzzer target: chunked scan and in-place decode must always agree. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

struct fuzz_result {
	int    error;
	int    done;
	size_t used;  /* input bytes that belong to the body */
	size_t ndata; /* decoded data bytes */
};

/*
 * Scan in pieces of step bytes, each copied to the end of a buffer of step
 * bytes, so that reading past a piece runs into ASan's redzone.
 */
static void
fuzz_scan(const char *in, size_t len, size_t step, size_t max_trailer,
    struct fuzz_result *res)
{
	struct http_chunked c;
	char               *buf, *piece;
	size_t              off = 0, n;
	ssize_t             rc;
	int                 done = 0;

	memset(res, 0, sizeof *res);
	http_chunked_init(&c, max_trailer);
	if ((buf = malloc(step)) == NULL)
		abort();
	while (off < len && !done) {
		n = len - off < step ? len - off : step;
		piece = buf + step - n;
		memcpy(piece, in + off, n);
		rc = http_chunked_scan(&c, piece, n, &done);
		if (rc < 0) {
			free(buf);
			res->error = 1;
			return;
		}
		if ((size_t)rc > n || (!done && (size_t)rc != n))
			abort();
		off += rc;
	}
	free(buf);
	res->done = done;
	res->used = off;
}

/* Decode in pieces of step bytes; the data collects in out. */
static void
fuzz_decode(const char *in, size_t len, size_t step, size_t max_trailer,
    char *out, struct fuzz_result *res)
{
	struct http_chunked c;
	char               *buf, *piece;
	size_t              off = 0, n, consumed;
	ssize_t             rc;
	int                 done = 0;

	memset(res, 0, sizeof *res);
	http_chunked_init(&c, max_trailer);
	if ((buf = malloc(step)) == NULL)
		abort();
	while (off < len && !done) {
		n = len - off < step ? len - off : step;
		piece = buf + step - n;
		memcpy(piece, in + off, n);
		rc = http_chunked_decode(&c, piece, n, &consumed, &done);
		if (rc < 0) {
			free(buf);
			res->error = 1;
			return;
		}
		/* in place: the data never outgrows what it came from */
		if (consumed > n || (size_t)rc > consumed ||
		    (!done && consumed != n))
			abort();
		/* bytes after the end are left alone */
		if (memcmp(piece + consumed, in + off + consumed,
		        n - consumed) != 0)
			abort();
		memcpy(out + res->ndata, piece, rc);
		res->ndata += rc;
		off += consumed;
	}
	free(buf);
	res->done = done;
	res->used = off;
}

static void
fuzz_same(const struct fuzz_result *a, const struct fuzz_result *b)
{
	if (a->error != b->error)
		abort();
	if (!a->error && (a->done != b->done || a->used != b->used))
		abort();
}

/*
 * The first byte picks the trailer limit and a piece size; the rest is the
 * body.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_result whole, scan1, scan, dec;
	const char        *in = (const char *)data + 1;
	char              *out, *out1;
	size_t             len, step, max_trailer;

	if (size < 1)
		return 0;
	len = size - 1;
	max_trailer = (data[0] & 0x0f) * 16;
	step = (data[0] >> 4) + 1;
	if ((out = malloc(len + 1)) == NULL || (out1 = malloc(len + 1)) == NULL)
		abort();

	fuzz_decode(in, len, len > 0 ? len : 1, max_trailer, out, &whole);
	fuzz_scan(in, len, len > 0 ? len : 1, max_trailer, &scan);
	fuzz_same(&whole, &scan);
	fuzz_scan(in, len, 1, max_trailer, &scan1);
	fuzz_same(&whole, &scan1);
	fuzz_scan(in, len, step, max_trailer, &scan);
	fuzz_same(&whole, &scan);
	fuzz_decode(in, len, step, max_trailer, out1, &dec);
	fuzz_same(&whole, &dec);
	if (!whole.error) {
		if (whole.ndata > whole.used || dec.ndata != whole.ndata ||
		    memcmp(out, out1, whole.ndata) != 0)
			abort();
	}
	fuzz_decode(in, len, 1, max_trailer, out1, &dec);
	fuzz_same(&whole, &dec);
	if (!whole.error &&
	    (dec.ndata != whole.ndata || memcmp(out, out1, whole.ndata) != 0))
		abort();
	free(out);
	free(out1);
	return 0;
}
