/* SPDX-License-Identifier: ISC */
/* Unit tests for daemon/wbuf.c: queueing behind a write, in order. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "list.h"
#include "wbuf.h"

struct owner {
	uv_pipe_t   pipe;
	struct wbuf out;
	int         done, status, flushes;
};

/* Like a client of the control socket: write what came meanwhile. */
static void
written(struct wbuf *w, int status)
{
	struct owner *o = container_of(w, struct owner, out);

	o->done++;
	o->status = status;
	if (status == 0 && w->pending.len > 0) {
		o->flushes++;
		assert_int_equal(wbuf_flush(w), 0);
	}
}

static void
test_order(void **state)
{
	struct owner o;
	uv_loop_t    loop;
	int          sv[2], i, was, starts = 0, queued = 0;
	char         chunk[200], got[700000];
	size_t       n = 0, want = 0;
	ssize_t      r;

	(void)state;
	memset(&o, 0, sizeof o);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	/* A small socket buffer, so that writes stay in flight. */
	i = 4096;
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &i, sizeof i);
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(uv_pipe_init(&loop, &o.pipe, 0), 0);
	assert_int_equal(uv_pipe_open(&o.pipe, sv[0]), 0);
	wbuf_init(&o.out, (uv_stream_t *)&o.pipe, 600000, written);
	assert_true(wbuf_idle(&o.out));
	assert_int_equal(wbuf_flush(&o.out), 0); /* nothing to write */
	assert_false(wbuf_busy(&o.out));

	/* 3000 lines, flushed every 100: most queue behind a write. */
	for (i = 0; i < 3000; i++) {
		r = snprintf(chunk, sizeof chunk, "line %05d %0150d\n", i, 0);
		assert_int_equal(buf_append(&o.out.pending, chunk, (size_t)r),
		    0);
		want += (size_t)r;
		if (i % 100 == 99) {
			was = wbuf_busy(&o.out);
			assert_int_equal(wbuf_flush(&o.out), 0);
			starts += !was;
			queued += was;
			assert_true(wbuf_busy(&o.out));
			assert_false(wbuf_idle(&o.out));
			/* The bound stays with what is pending. */
			assert_int_equal(o.out.pending.max, 600000);
		}
	}
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	while (!wbuf_idle(&o.out) || n < want) {
		uv_run(&loop, UV_RUN_NOWAIT);
		while ((r = read(sv[1], got + n, sizeof got - n)) > 0)
			n += (size_t)r;
	}
	assert_int_equal(n, want);
	assert_int_equal(o.status, 0);
	/* Flushes while a write was out queued, and every write ended once. */
	assert_true(queued > 0);
	assert_true(o.flushes > 0);
	assert_int_equal(o.done, starts + o.flushes);
	for (i = 0; i < 3000; i++) {
		snprintf(chunk, sizeof chunk, "line %05d ", i);
		assert_memory_equal(got + (size_t)i * 162, chunk, 11);
	}
	assert_int_equal(o.out.inflight.len, 0);
	assert_int_equal(buf_reserve(&o.out.pending, 600001), -ENOBUFS);
	wbuf_free(&o.out);
	assert_null(o.out.pending.data);
	assert_null(o.out.inflight.data);
	uv_close((uv_handle_t *)&o.pipe, NULL);
	uv_run(&loop, UV_RUN_DEFAULT);
	assert_int_equal(uv_loop_close(&loop), 0);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
