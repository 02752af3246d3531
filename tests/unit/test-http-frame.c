/* SPDX-License-Identifier: ISC */
/* Unit tests for daemon/http-frame.c: an HTTP/1 response's head and body framing. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "client-side.h"
#include "http-frame.h"
#include "http.h"

static void
frame_init(struct http_frame *f, enum http_frame_kind kind,
    struct http_chunked *trailers)
{
	memset(f, 0, sizeof *f);
	f->kind = (uint8_t)kind;
	f->trailers = trailers;
	f->version = 11;
}

/* The head of r for a request of version, around fields; *keep its result. */
static void
head(char *out, size_t cap, int version, const struct client_resp *r,
    const char *fields, int *keep, struct http_frame *f)
{
	struct buf b;

	memset(f, 0, sizeof *f);
	f->version = (uint8_t)version;
	buf_init(&b, 0);
	http_frame_head_start(&b, r);
	buf_puts(&b, fields);
	*keep = http_frame_head_end(f, &b, r);
	assert_true(b.len < cap);
	memcpy(out, b.data, b.len);
	out[b.len] = '\0';
	buf_free(&b);
}

static struct client_resp
resp(unsigned status, const char *reason, unsigned flags)
{
	struct client_resp r;

	memset(&r, 0, sizeof r);
	r.status = (uint16_t)status;
	r.reason = reason;
	r.reason_len = strlen(reason);
	r.flags = (uint8_t)flags;
	return r;
}

/* The backend's length, its fields, then the exchange's late ones. */
static void
test_head_length(void **state)
{
	struct client_resp r =
	    resp(200, "OK", CLIENT_RESP_LENGTH | CLIENT_RESP_KEEPALIVE);
	struct http_frame f;
	char              got[512];
	int               keep;

	(void)state;
	r.length = 1234567890123ULL;
	r.late = "Strict-Transport-Security: max-age=60\r\n";
	r.late_len = strlen(r.late);
	head(got, sizeof got, 11, &r, "X-A: 1\r\n", &keep, &f);
	assert_string_equal(got,
	    "HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-Length: 1234567890123\r\n"
	    "Strict-Transport-Security: max-age=60\r\n\r\n");
	assert_int_equal(keep, 1);
	assert_int_equal(f.kind, HTTP_FRAME_AS_SENT);
	/* HTTP/1.0 is told it stays; without keep-alive, it closes. */
	r.late_len = 0;
	head(got, sizeof got, 10, &r, "", &keep, &f);
	assert_string_equal(got,
	    "HTTP/1.1 200 OK\r\nContent-Length: 1234567890123\r\n"
	    "Connection: keep-alive\r\n\r\n");
	assert_int_equal(keep, 1);
	r.flags = CLIENT_RESP_LENGTH;
	head(got, sizeof got, 11, &r, "", &keep, &f);
	assert_string_equal(got,
	    "HTTP/1.1 200 OK\r\nContent-Length: 1234567890123\r\n"
	    "Connection: close\r\n\r\n");
	assert_int_equal(keep, 0);
}

/* Bytes we frame: chunked for HTTP/1.1, our close for 1.0. */
static void
test_head_framed(void **state)
{
	struct http_chunked ch;
	struct client_resp  r =
	    resp(503, "Busy Now", CLIENT_RESP_FRAME | CLIENT_RESP_KEEPALIVE);
	struct http_frame f;
	char              got[512];
	int               keep;

	(void)state;
	r.trailers = &ch;
	head(got, sizeof got, 11, &r, "", &keep, &f);
	assert_string_equal(got,
	    "HTTP/1.1 503 Busy Now\r\nTransfer-Encoding: chunked\r\n\r\n");
	assert_int_equal(keep, 1);
	assert_int_equal(f.kind, HTTP_FRAME_CHUNKED);
	assert_ptr_equal(f.trailers, &ch);
	head(got, sizeof got, 10, &r, "", &keep, &f);
	assert_string_equal(got,
	    "HTTP/1.1 503 Busy Now\r\nConnection: close\r\n\r\n");
	assert_int_equal(keep, 0);
	assert_int_equal(f.kind, HTTP_FRAME_CLOSE);
	assert_null(f.trailers);
}

/* An interim response: the status line and the empty line. */
static void
test_interim(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	http_frame_interim(&b, 100, "Continue");
	assert_int_equal(b.len, 25);
	assert_memory_equal(b.data, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	buf_free(&b);
}

/* A websocket's 101 says the upgrade, not a keep-alive or a close. */
static void
test_head_tunnel(void **state)
{
	struct client_resp r =
	    resp(101, "Switching Protocols", CLIENT_RESP_TUNNEL);
	struct http_frame f;
	char              got[512];
	int               keep;

	(void)state;
	head(got, sizeof got, 11, &r, "Sec-WebSocket-Accept: x\r\n", &keep, &f);
	assert_string_equal(got,
	    "HTTP/1.1 101 Switching Protocols\r\nSec-WebSocket-Accept: x\r\n"
	    "Connection: upgrade\r\nUpgrade: websocket\r\n\r\n");
	assert_int_equal(keep, 0);
}

/* The bufs of o joined, as the write would send them. */
static size_t
joined(const struct body_out *o, char *out, size_t cap)
{
	size_t   len = 0;
	unsigned i;

	for (i = 0; i < o->nb; i++) {
		assert_true(len + o->b[i].len <= cap);
		memcpy(out + len, o->b[i].base, o->b[i].len);
		len += o->b[i].len;
	}
	return len;
}

/* HTTP/1.1 chunks we frame: a size line per step, then the last chunk. */
static void
test_body_chunked(void **state)
{
	struct http_frame   s;
	struct body_out     o;
	struct http_chunked ch;
	char        head[] = "HTTP/1.1 200 OK\r\n\r\n", body[] = "hello";
	char        tr[256], got[512];
	size_t      n;
	const char *kept = "Server-Timing: db;dur=5\r\n";

	(void)state;
	frame_init(&s, HTTP_FRAME_CHUNKED, NULL);
	body_out_init(&o);
	body_out_add(&o, head, strlen(head));
	http_frame_body(&s, &o, body, 5, 0);
	n = joined(&o, got, sizeof got);
	assert_int_equal(n, strlen(head) + 10);
	assert_memory_equal(got + strlen(head), "5\r\nhello\r\n", 10);
	assert_int_equal(o.body_bytes, 10);

	/* An empty step writes no chunk: it would end the body. */
	body_out_init(&o);
	http_frame_body(&s, &o, body, 0, 0);
	assert_int_equal(o.nb, 0);
	assert_int_equal(o.body_bytes, 0);

	body_out_init(&o);
	http_frame_body(&s, &o, body, 0, 1);
	n = joined(&o, got, sizeof got);
	assert_int_equal(n, 5);
	assert_memory_equal(got, "0\r\n\r\n", 5);
	assert_int_equal(o.body_bytes, 5);

	/* The last chunk carries the trailer fields that may cross. */
	http_chunked_init(&ch, sizeof tr);
	ch.trailers = tr;
	snprintf(tr, sizeof tr, "X-Secret: 1\r\n%sContent-Length: 9\r\n", kept);
	ch.trailers_len = strlen(tr);
	frame_init(&s, HTTP_FRAME_CHUNKED, &ch);
	body_out_init(&o);
	http_frame_body(&s, &o, body, 5, 1);
	assert_true(o.nb <= 6);
	n = joined(&o, got, sizeof got);
	assert_int_equal(n, 10 + 3 + strlen(kept) + 2);
	assert_memory_equal(got, "5\r\nhello\r\n0\r\n", 13);
	assert_memory_equal(got + 13, kept, strlen(kept));
	assert_memory_equal(got + 13 + strlen(kept), "\r\n", 2);
	assert_int_equal(o.body_bytes, n);
	/* Used up: not sent twice. */
	assert_int_equal(ch.trailers_len, 0);
}

/* Framed by the backend, or by our close: the bytes as they are. */
static void
test_body_as_sent(void **state)
{
	struct http_frame s;
	struct body_out   o;
	char              body[] = "hello";

	(void)state;
	frame_init(&s, HTTP_FRAME_AS_SENT, NULL);
	body_out_init(&o);
	http_frame_body(&s, &o, body, 5, 0);
	assert_int_equal(o.nb, 1);
	assert_ptr_equal(o.b[0].base, body);
	assert_int_equal(o.b[0].len, 5);
	assert_int_equal(o.body_bytes, 5);
	body_out_init(&o);
	http_frame_body(&s, &o, body, 0, 1);
	assert_int_equal(o.nb, 0);
	assert_int_equal(o.body_bytes, 0);
	frame_init(&s, HTTP_FRAME_CLOSE, NULL);
	body_out_init(&o);
	http_frame_body(&s, &o, body, 5, 1);
	assert_int_equal(o.nb, 1);
	assert_int_equal(o.body_bytes, 5);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_head_length),
		cmocka_unit_test(test_head_framed),
		cmocka_unit_test(test_head_tunnel),
		cmocka_unit_test(test_interim),
		cmocka_unit_test(test_body_chunked),
		cmocka_unit_test(test_body_as_sent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
