/* SPDX-License-Identifier: ISC */
/* Unit tests for daemon/http-reqbody.c: an HTTP/1 request body as it is read. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http-reqbody.h"
#include "http.h"

/*
 * A reader over a buffer as a client side keeps one: the unread bytes are
 * [off, len); what take() used is passed.
 */
struct reader {
	struct http_reqbody b;
	char                buf[256];
	size_t              off, len;
};

static void
reader_start(struct reader *r, unsigned flags, uint64_t length)
{
	struct http_request req;

	memset(&req, 0, sizeof req);
	req.flags = flags;
	req.content_length = length;
	http_reqbody_start(&r->b, &req);
	r->off = r->len = 0;
}

/* Bytes come from the client. */
static void
reader_add(struct reader *r, const char *s)
{
	size_t n = strlen(s);

	assert_true(r->len + n <= sizeof r->buf);
	memcpy(r->buf + r->len, s, n);
	r->len += n;
}

/* peek(), its bytes copied to out as a string; returns peek's result. */
static int
reader_peek(struct reader *r, char *out, size_t cap)
{
	char  *data;
	size_t n;
	int    res;

	res = http_reqbody_peek(&r->b, r->buf + r->off, r->len - r->off, &data,
	    &n);
	assert_true(n < cap);
	if (n > 0) {
		/* Shown where the unread bytes are. */
		assert_true(data >= r->buf + r->off);
		assert_true(data + n <= r->buf + r->len);
		memcpy(out, data, n);
	}
	out[n] = '\0';
	return res;
}

static void
reader_take(struct reader *r, size_t n)
{
	r->off += http_reqbody_take(&r->b, n);
	assert_true(r->off <= r->len);
}

static const char *
reader_unread(struct reader *r)
{
	static char s[sizeof r->buf + 1];

	memcpy(s, r->buf + r->off, r->len - r->off);
	s[r->len - r->off] = '\0';
	return s;
}

/* A sized body ends at its length; what follows is the next request. */
static void
test_length(void **state)
{
	struct reader r;
	char          s[256];

	(void)state;
	memset(&r, 0, sizeof r);
	reader_start(&r, HTTP_F_CONTENT_LENGTH, 8);
	reader_add(&r, "abc");
	assert_int_equal(reader_peek(&r, s, sizeof s), 0);
	assert_string_equal(s, "abc");
	reader_take(&r, 3);
	assert_int_equal(r.off, 3);
	reader_add(&r, "defghGET / HTTP/1.1\r\n");
	assert_int_equal(reader_peek(&r, s, sizeof s), 1);
	assert_string_equal(s, "defgh");
	reader_take(&r, 5);
	assert_string_equal(reader_unread(&r), "GET / HTTP/1.1\r\n");
	/* Ended: nothing more is shown, the end is said again. */
	assert_int_equal(reader_peek(&r, s, sizeof s), 1);
	assert_string_equal(s, "");
	assert_null(http_reqbody_trailers(&r.b));
	http_reqbody_free(&r.b);
}

/* No body: its end at once, none of the bytes shown. */
static void
test_none(void **state)
{
	struct reader r;
	char          s[256];

	(void)state;
	memset(&r, 0, sizeof r);
	reader_start(&r, 0, 0);
	reader_add(&r, "GET / HTTP/1.1\r\n");
	assert_int_equal(reader_peek(&r, s, sizeof s), 1);
	assert_string_equal(s, "");
	reader_start(&r, HTTP_F_CONTENT_LENGTH, 0);
	reader_add(&r, "x");
	assert_int_equal(reader_peek(&r, s, sizeof s), 1);
	assert_string_equal(s, "");
	http_reqbody_start(&r.b, NULL);
	assert_int_equal(reader_peek(&r, s, sizeof s), 1);
	assert_string_equal(s, "");
	http_reqbody_free(&r.b);
}

/*
 * Chunks are decoded where they lie, across arrivals cut anywhere; the
 * trailer fields are kept; the bytes after the body stay unread.
 */
static void
test_chunked(void **state)
{
	struct reader        r;
	struct http_chunked *t;
	char                 s[256];

	(void)state;
	memset(&r, 0, sizeof r);
	reader_start(&r, HTTP_F_CHUNKED, 0);
	reader_add(&r, "5;ext=1\r\nhe");
	assert_int_equal(reader_peek(&r, s, sizeof s), 0);
	assert_string_equal(s, "he");
	reader_take(&r, 2);
	/* All that came was used: the client side never waits on a tail. */
	assert_int_equal(r.off, r.len);
	reader_add(&r, "llo\r\n3\r\n, w\r\n0\r\nX-T: 1\r\n\r\nGET /next");
	assert_int_equal(reader_peek(&r, s, sizeof s), 1);
	assert_string_equal(s, "llo, w");
	/* Looked at again before it is taken: the same bytes, decoded once. */
	assert_int_equal(reader_peek(&r, s, sizeof s), 1);
	assert_string_equal(s, "llo, w");
	reader_take(&r, 6);
	assert_string_equal(reader_unread(&r), "GET /next");
	t = http_reqbody_trailers(&r.b);
	assert_non_null(t);
	assert_int_equal(t->trailers_len, 8);
	assert_memory_equal(t->trailers, "X-T: 1\r\n", 8);
	assert_int_equal(reader_peek(&r, s, sizeof s), 1);
	assert_string_equal(s, "");
	http_reqbody_free(&r.b);
}

/* Taken in parts: the unread bytes are passed once all shown is taken. */
static void
test_chunked_partial_take(void **state)
{
	struct reader r;
	char          s[256];

	(void)state;
	memset(&r, 0, sizeof r);
	reader_start(&r, HTTP_F_CHUNKED, 0);
	reader_add(&r, "4\r\nabcd\r\n");
	assert_int_equal(reader_peek(&r, s, sizeof s), 0);
	assert_string_equal(s, "abcd");
	reader_take(&r, 1);
	assert_int_equal(r.off, 0);
	assert_int_equal(reader_peek(&r, s, sizeof s), 0);
	assert_string_equal(s, "bcd");
	reader_take(&r, 3);
	assert_int_equal(r.off, r.len);
	http_reqbody_free(&r.b);
}

/* Framing alone, looked at twice before it is taken, is read once. */
static void
test_chunked_framing_alone(void **state)
{
	struct reader r;
	char          s[256];

	(void)state;
	memset(&r, 0, sizeof r);
	reader_start(&r, HTTP_F_CHUNKED, 0);
	reader_add(&r, "5\r\n");
	assert_int_equal(reader_peek(&r, s, sizeof s), 0);
	assert_string_equal(s, "");
	assert_int_equal(reader_peek(&r, s, sizeof s), 0);
	assert_string_equal(s, "");
	reader_take(&r, 0);
	assert_int_equal(r.off, 3);
	reader_add(&r, "hello\r\n0\r\n\r\n");
	assert_int_equal(reader_peek(&r, s, sizeof s), 1);
	assert_string_equal(s, "hello");
	http_reqbody_free(&r.b);
}

/* Malformed framing is refused, and stays refused. */
static void
test_chunked_bad(void **state)
{
	struct reader r;
	char          s[256];

	(void)state;
	memset(&r, 0, sizeof r);
	reader_start(&r, HTTP_F_CHUNKED, 0);
	reader_add(&r, "3\r\nabc\n0\r\n\r\n");
	assert_int_equal(reader_peek(&r, s, sizeof s), -1);
	assert_int_equal(reader_peek(&r, s, sizeof s), -1);
	/* A bad size line too. */
	reader_start(&r, HTTP_F_CHUNKED, 0);
	reader_add(&r, "zz\r\n");
	assert_int_equal(reader_peek(&r, s, sizeof s), -1);
	http_reqbody_free(&r.b);
}

/* The trailer room is taken once and kept for the next chunked body. */
static void
test_trailer_room_kept(void **state)
{
	struct reader r;
	char         *room;

	(void)state;
	memset(&r, 0, sizeof r);
	reader_start(&r, HTTP_F_CHUNKED, 0);
	room = r.b.trailers;
	assert_non_null(room);
	reader_start(&r, HTTP_F_CONTENT_LENGTH, 3);
	reader_start(&r, HTTP_F_CHUNKED, 0);
	assert_ptr_equal(r.b.trailers, room);
	http_reqbody_free(&r.b);
	assert_null(r.b.trailers);
}

/* Past a 101, all that comes is the tunnel's, and never ends. */
static void
test_raw(void **state)
{
	struct reader r;
	char          s[256];

	(void)state;
	memset(&r, 0, sizeof r);
	reader_start(&r, 0, 0);
	reader_add(&r, "\x81\x02hi");
	http_reqbody_raw(&r.b);
	assert_int_equal(reader_peek(&r, s, sizeof s), 0);
	assert_string_equal(s, "\x81\x02hi");
	reader_take(&r, 4);
	assert_int_equal(r.off, 4);
	assert_int_equal(reader_peek(&r, s, sizeof s), 0);
	assert_string_equal(s, "");
	http_reqbody_free(&r.b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_chunked_partial_take),
		cmocka_unit_test(test_chunked_framing_alone),
		cmocka_unit_test(test_chunked_bad),
		cmocka_unit_test(test_trailer_room_kept),
		cmocka_unit_test(test_raw),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
