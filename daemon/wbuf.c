/* SPDX-License-Identifier: ISC */
/* A double-buffered writer on a libuv stream: one write out, the rest queued. */

#include "list.h"
#include "wbuf.h"

void
wbuf_init(struct wbuf *w, uv_stream_t *stream, size_t max, wbuf_done_cb done)
{
	buf_init(&w->pending, max);
	buf_init(&w->inflight, 0);
	w->stream = stream;
	w->done = done;
	w->writing = 0;
}

void
wbuf_free(struct wbuf *w)
{
	buf_free(&w->pending);
	buf_free(&w->inflight);
}

static void
wbuf_write_cb(uv_write_t *req, int status)
{
	struct wbuf *w = container_of(req, struct wbuf, req);

	w->writing = 0;
	buf_reset(&w->inflight);
	w->done(w, status);
}

int
wbuf_flush(struct wbuf *w)
{
	struct buf t = w->inflight;
	uv_buf_t   b;
	size_t     max = w->pending.max;
	int        error;

	if (w->writing || w->pending.len == 0)
		return 0;
	/* Swap the memory; the bound stays with pending. */
	w->inflight = w->pending;
	w->inflight.max = t.max;
	w->pending = t;
	w->pending.max = max;
	b = uv_buf_init(w->inflight.data, (unsigned)w->inflight.len);
	if ((error = uv_write(&w->req, w->stream, &b, 1, wbuf_write_cb)) != 0)
		return error;
	w->writing = 1;
	return 0;
}
