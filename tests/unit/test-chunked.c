/* SPDX-License-Identifier: ISC */
/* Unit tests for the chunked transfer-coding scanner and in-place decoder. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"

#define MAX_TRAILER 64

/* What one way of feeding a body gave. */
struct outcome {
	int    error;
	int    done;
	size_t used; /* input bytes that belong to the body */
	char   data[8192];
	size_t ndata;
};

/* Scan in pieces of at most step bytes, each from its own heap copy. */
static void
run_scan(const char *s, size_t len, size_t step, struct outcome *o)
{
	struct http_chunked c;
	char               *piece;
	size_t              off = 0, n;
	ssize_t             rc;
	int                 done = 0;

	memset(o, 0, sizeof *o);
	http_chunked_init(&c, MAX_TRAILER);
	while (off < len && !done) {
		n = len - off < step ? len - off : step;
		piece = malloc(n);
		assert_non_null(piece);
		memcpy(piece, s + off, n);
		rc = http_chunked_scan(&c, piece, n, &done);
		free(piece);
		if (rc < 0) {
			o->error = 1;
			/* errors stick */
			assert_int_equal(http_chunked_scan(&c, "0", 1, &done),
			    -1);
			return;
		}
		assert_true((size_t)rc <= n);
		if (!done)
			assert_int_equal(rc, n);
		off += rc;
	}
	o->done = done;
	o->used = off;
}

/* Decode in pieces of at most step bytes, appending the data. */
static void
run_decode(const char *s, size_t len, size_t step, struct outcome *o)
{
	struct http_chunked c;
	char               *piece;
	size_t              off = 0, n, consumed;
	ssize_t             rc;
	int                 done = 0;

	memset(o, 0, sizeof *o);
	http_chunked_init(&c, MAX_TRAILER);
	while (off < len && !done) {
		n = len - off < step ? len - off : step;
		piece = malloc(n);
		assert_non_null(piece);
		memcpy(piece, s + off, n);
		rc = http_chunked_decode(&c, piece, n, &consumed, &done);
		if (rc < 0) {
			free(piece);
			o->error = 1;
			return;
		}
		assert_true(consumed <= n);
		assert_true((size_t)rc <= consumed);
		if (!done)
			assert_int_equal(consumed, n);
		else
			assert_memory_equal(piece + consumed,
			    s + off + consumed, n - consumed);
		assert_true(o->ndata + rc <= sizeof o->data);
		memcpy(o->data + o->ndata, piece, rc);
		o->ndata += rc;
		free(piece);
		off += consumed;
	}
	o->done = done;
	o->used = off;
}

/*
 * Feed s every way (whole, byte by byte, a few odd sizes; scanning and
 * decoding): all must agree.  Returns the whole decode's outcome.
 */
static void
feed(const char *s, size_t len, struct outcome *out)
{
	static const size_t steps[] = { 1, 2, 3, 7, 64 };
	struct outcome     *o;
	size_t              i;

	o = malloc(sizeof *o);
	assert_non_null(o);
	run_decode(s, len, len == 0 ? 1 : len, out);
	for (i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		run_decode(s, len, steps[i], o);
		assert_int_equal(o->error, out->error);
		if (!out->error) {
			assert_int_equal(o->done, out->done);
			assert_int_equal(o->used, out->used);
			assert_int_equal(o->ndata, out->ndata);
			assert_memory_equal(o->data, out->data, o->ndata);
		}
		run_scan(s, len, steps[i], o);
		assert_int_equal(o->error, out->error);
		if (!out->error) {
			assert_int_equal(o->done, out->done);
			assert_int_equal(o->used, out->used);
		}
	}
	run_scan(s, len, len == 0 ? 1 : len, o);
	assert_int_equal(o->error, out->error);
	free(o);
}

static void
feed_str(const char *s, struct outcome *out)
{
	feed(s, strlen(s), out);
}

static void
assert_body(const char *s, const char *data)
{
	struct outcome o;

	feed_str(s, &o);
	assert_false(o.error);
	assert_true(o.done);
	assert_int_equal(o.used, strlen(s));
	assert_int_equal(o.ndata, strlen(data));
	assert_memory_equal(o.data, data, o.ndata);
}

static void
assert_bad(const char *s)
{
	struct outcome o;

	feed_str(s, &o);
	if (!o.error)
		fail_msg("accepted: \"%s\"", s);
}

static void
assert_partial(const char *s)
{
	struct outcome o;

	feed_str(s, &o);
	assert_false(o.error);
	assert_false(o.done);
	assert_int_equal(o.used, strlen(s));
}

static void
test_chunked_basic(void **state)
{
	(void)state;
	assert_body("0\r\n\r\n", "");
	assert_body("5\r\nhello\r\n0\r\n\r\n", "hello");
	assert_body("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", "hello world");
	assert_body("a\r\n0123456789\r\nA\r\nabcdefghij\r\n0\r\n\r\n",
	    "0123456789abcdefghij");
	assert_body("0004\r\n\r\n\r\n\r\n000\r\n\r\n", "\r\n\r\n");
	/* A bare LF ends no line of the framing. */
	assert_bad("1\n\n\n0\n\n");
	assert_bad("1\r\nx\n0\r\n\r\n");
	assert_bad("1;ext\nx\r\n0\r\n\r\n");
	assert_bad("1\r\nx\r\n0\r\n\n");
	assert_bad("1\r\nx\r\n0\r\nA: b\n\r\n");
}

static void
test_chunked_binary(void **state)
{
	static const char s[] = "4\r\n\0\r\n\xff\r\n0\r\n\r\n";
	struct outcome    o;

	(void)state;
	feed(s, sizeof s - 1, &o);
	assert_true(o.done);
	assert_int_equal(o.ndata, 4);
	assert_memory_equal(o.data, "\0\r\n\xff", 4);
}

static void
test_chunked_extensions(void **state)
{
	char s[8192];

	(void)state;
	assert_body("5;name=value\r\nhello\r\n0;last\r\n\r\n", "hello");
	assert_body("5 ;a\r\nhello\r\n0\t ; b = \"c;d\"\r\n\r\n", "hello");
	assert_body("2;a=\"x y\";b\r\nhi\r\n0\r\n\r\n", "hi");
	assert_body("2;\xc3\xa9\r\nhi\r\n0\r\n\r\n", "hi");
	assert_bad("5;a\x01\r\nhello\r\n0\r\n\r\n");
	assert_bad("5;a\x7f\r\nhello\r\n0\r\n\r\n");
	assert_bad("5;a\rb\r\nhello\r\n0\r\n\r\n");

	/* a size line of 4096 bytes with its CRLF, then one more */
	snprintf(s, sizeof s, "1;%04092d\r\nx\r\n0\r\n\r\n", 0);
	assert_body(s, "x");
	snprintf(s, sizeof s, "1;%04093d\r\nx\r\n0\r\n\r\n", 0);
	assert_bad(s);
	snprintf(s, sizeof s, "0;%04093d\r\n\r\n", 0);
	assert_bad(s);
}

static void
test_chunked_bad_size(void **state)
{
	static const char *bad[] = {
		"\r\n",
		"\n",
		";a\r\n",
		"x\r\n",
		"-5\r\n",
		"+5\r\n",
		"0x5\r\n",
		"5x\r\n",
		"5 \r\n",
		"5 x\r\n",
		" 5\r\n",
		"5\r\r\n",
		"5\rX",
		"g\r\n",
		"5\t\r\n",
		"5,\r\n",
		"1 1\r\n",
		"\x80\r\n",
		/* 17 digits, even of zeros */
		"00000000000000000\r\n",
		"10000000000000000\r\n",
		/* past 2^63 - 1 */
		"8000000000000000\r\n",
		"ffffffffffffffff\r\n",
		"fffffffffffffffffffff\r\n",
	};
	struct outcome o;
	size_t         i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_bad(bad[i]);

	/* the largest sizes are fine, and then need their data */
	assert_partial("7fffffffffffffff\r\n");
	assert_partial("7FFFFFFFFFFFFFFF\r\nabc");
	assert_body("0000000000000000\r\n\r\n", "");
	assert_body("0000000000000001\r\nz\r\n0\r\n\r\n", "z");
	feed_str("7fffffffffffffff\r\nabc", &o);
	assert_int_equal(o.ndata, 3);
}

static void
test_chunked_bad_data_end(void **state)
{
	(void)state;
	assert_bad("5\r\nhelloX\r\n0\r\n\r\n");
	assert_bad("5\r\nhello\rX0\r\n\r\n");
	assert_bad("5\r\nhello\r\r\n0\r\n\r\n");
	assert_bad("5\r\nhello world\r\n0\r\n\r\n");
	assert_bad("5\r\nhel\r\n0\r\n\r\n");
	assert_bad("0\r\n\r\r\n");
	assert_bad("0\r\n\rX");
}

/* Trailers kept as they came, then filtered to those that may cross. */
static void
test_chunked_trailers_kept(void **state)
{
	static const char in[] =
	    "3\r\nabc\r\n0\r\nHost: evil\r\nServer-Timing: db;dur=5\r\n"
	    "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"
	    "X-Remote-User: root\r\ncontent-digest: sha-256=:x:\r\n\r\n";
	struct http_chunked c;
	char                buf[sizeof in], tr[256], out[256];
	size_t              used, n;
	ssize_t             got;
	int                 done;

	(void)state;
	http_chunked_init(&c, sizeof tr);
	c.trailers = tr;
	memcpy(buf, in, sizeof in);
	got = http_chunked_decode(&c, buf, sizeof in - 1, &used, &done);
	assert_int_equal(got, 3);
	assert_int_equal(done, 1);
	assert_int_equal(used, sizeof in - 1);
	assert_int_equal(c.trailers_len,
	    strlen("Host: evil\r\nServer-Timing: db;dur=5\r\n"
	           "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"
	           "X-Remote-User: root\r\ncontent-digest: sha-256=:x:\r\n"));
	assert_memory_equal(tr, "Host: evil\r\n", 12);
	n = http_trailers_filter(tr, c.trailers_len, out);
	assert_int_equal(n,
	    strlen(
	        "Server-Timing: db;dur=5\r\ncontent-digest: sha-256=:x:\r\n"));
	assert_memory_equal(out,
	    "Server-Timing: db;dur=5\r\ncontent-digest: sha-256=:x:\r\n", n);
	/* In place, as the proxy does it. */
	n = http_trailers_filter(tr, c.trailers_len, tr);
	assert_memory_equal(tr,
	    "Server-Timing: db;dur=5\r\ncontent-digest: sha-256=:x:\r\n", n);
	/* A name that only starts like an allowed one does not pass. */
	n = http_trailers_filter("Digestx: 1\r\nDigest: 2\r\n", 24, out);
	assert_int_equal(n, 11);
	assert_memory_equal(out, "Digest: 2\r\n", 11);
}

static void
test_chunked_trailers(void **state)
{
	char s[256];

	(void)state;
	assert_body("0\r\nX-Sum: abc\r\n\r\n", "");
	assert_body("3\r\nabc\r\n0\r\nA: 1\r\nB:\r\nC: \xc3\xa9\t\r\n\r\n",
	    "abc");
	assert_bad("3\r\nabc\r\n0\r\nA: 1\r\nB:\r\nC: \xc3\xa9\t\n\n");
	assert_bad("0\r\n X: y\r\n\r\n");
	assert_bad("0\r\nX : y\r\n\r\n");
	assert_bad("0\r\n: y\r\n\r\n");
	assert_bad("0\r\nX\r\n\r\n");
	assert_bad("0\r\nX: y\x01\r\n\r\n");
	assert_bad("0\r\nX: y\rz\r\n\r\n");
	assert_bad("0\r\nX: y\r\r\n");
	assert_bad("0\r\nX(: y\r\n\r\n");

	/* trailer fields of exactly MAX_TRAILER bytes, then one more */
	snprintf(s, sizeof s, "0\r\nX: %0*d\r\n\r\n", MAX_TRAILER - 5, 0);
	assert_body(s, "");
	snprintf(s, sizeof s, "0\r\nX: %0*d\r\n\r\n", MAX_TRAILER - 4, 0);
	assert_bad(s);
	snprintf(s, sizeof s, "0\r\nX: %0*d\r\nY: 1\r\n\r\n", MAX_TRAILER - 11,
	    0);
	assert_body(s, "");
	snprintf(s, sizeof s, "0\r\nX: %0*d\r\nY: 1\r\n\r\n", MAX_TRAILER - 10,
	    0);
	assert_bad(s);
}

static void
test_chunked_no_trailers_allowed(void **state)
{
	struct http_chunked c;
	int                 done;

	(void)state;
	http_chunked_init(&c, 0);
	assert_int_equal(http_chunked_scan(&c, "0\r\n\r\n", 5, &done), 5);
	assert_true(done);
	http_chunked_init(&c, 0);
	assert_int_equal(http_chunked_scan(&c, "0\r\nX: y\r\n\r\n", 11, &done),
	    -1);
}

static void
test_chunked_after_end(void **state)
{
	const char         *body = "3\r\nabc\r\n0\r\n\r\n";
	const char         *next = "GET / HTTP/1.1\r\n\r\n";
	struct http_chunked c;
	char                buf[128];
	size_t              blen = strlen(body), consumed;
	ssize_t             rc;
	int                 done;

	(void)state;
	snprintf(buf, sizeof buf, "%s%s", body, next);

	http_chunked_init(&c, MAX_TRAILER);
	rc = http_chunked_scan(&c, buf, strlen(buf), &done);
	assert_int_equal(rc, blen);
	assert_true(done);
	/* once done, nothing more belongs to the body */
	done = 0;
	assert_int_equal(http_chunked_scan(&c, next, strlen(next), &done), 0);
	assert_true(done);

	http_chunked_init(&c, MAX_TRAILER);
	rc = http_chunked_decode(&c, buf, strlen(buf), &consumed, &done);
	assert_int_equal(rc, 3);
	assert_int_equal(consumed, blen);
	assert_true(done);
	assert_memory_equal(buf, "abc", 3);
	assert_string_equal(buf + blen, next);
	done = 0;
	rc =
	    http_chunked_decode(&c, buf + blen, strlen(next), &consumed, &done);
	assert_int_equal(rc, 0);
	assert_int_equal(consumed, 0);
	assert_true(done);
}

static void
test_chunked_incremental(void **state)
{
	struct http_chunked c;
	char                buf[32];
	size_t              consumed;
	int                 done;

	(void)state;
	assert_partial("");
	assert_partial("5");
	assert_partial("5\r");
	assert_partial("5\r\nhel");
	assert_partial("5\r\nhello\r\n");
	assert_partial("5\r\nhello\r\n0\r\n");
	assert_partial("5\r\nhello\r\n0\r\nX: y\r\n");
	assert_partial("5\r\nhello\r\n0\r\n\r");

	/* decode keeps the remaining count across calls */
	http_chunked_init(&c, MAX_TRAILER);
	memcpy(buf, "8\r\nabcd", 7);
	assert_int_equal(http_chunked_decode(&c, buf, 7, &consumed, &done), 4);
	assert_int_equal(consumed, 7);
	assert_false(done);
	assert_int_equal(c.remaining, 4);
	memcpy(buf, "efgh\r\n0\r\n\r\n", 11);
	assert_int_equal(http_chunked_decode(&c, buf, 11, &consumed, &done), 4);
	assert_memory_equal(buf, "efgh", 4);
	assert_int_equal(consumed, 11);
	assert_true(done);
}

static void
test_chunked_large(void **state)
{
	struct outcome *o;
	char           *s, *p;
	size_t          i;

	(void)state;
	s = malloc(16384);
	o = malloc(sizeof *o);
	assert_non_null(s);
	assert_non_null(o);
	p = s;
	for (i = 1; i <= 100; i++) {
		p += sprintf(p, "%zx;i=%zu\r\n", i, i);
		memset(p, 'a' + i % 26, i);
		p += i;
		p += sprintf(p, "\r\n");
	}
	p += sprintf(p, "0\r\nDone: yes\r\n\r\n");
	feed(s, p - s, o);
	assert_false(o->error);
	assert_true(o->done);
	assert_int_equal(o->used, p - s);
	assert_int_equal(o->ndata, 5050);
	assert_int_equal(o->data[0], 'b');
	assert_int_equal(o->data[5049], 'a' + 100 % 26);
	free(o);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chunked_basic),
		cmocka_unit_test(test_chunked_binary),
		cmocka_unit_test(test_chunked_extensions),
		cmocka_unit_test(test_chunked_bad_size),
		cmocka_unit_test(test_chunked_bad_data_end),
		cmocka_unit_test(test_chunked_trailers),
		cmocka_unit_test(test_chunked_trailers_kept),
		cmocka_unit_test(test_chunked_no_trailers_allowed),
		cmocka_unit_test(test_chunked_after_end),
		cmocka_unit_test(test_chunked_incremental),
		cmocka_unit_test(test_chunked_large),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
