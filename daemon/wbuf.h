/* SPDX-License-Identifier: ISC */
/* A double-buffered writer on a libuv stream: one write out, the rest queued. */
#ifndef FD_WBUF_H
#define FD_WBUF_H

#include <uv.h>

#include "buf.h"

struct wbuf;
/* A write ended (status as uv_write_cb's); the owner is container_of(w). */
typedef void (*wbuf_done_cb)(struct wbuf *w, int status);

/*
 * Bytes are appended to pending at any time; wbuf_flush() swaps pending
 * with the empty inflight and writes that, so one write is in flight and
 * no byte is copied twice.  Both buffers keep their memory for the next
 * round.  Embed it in the stream's owner.
 */
struct wbuf {
	struct buf   pending;  /* append here; bounded by the max given */
	struct buf   inflight; /* on the wire until done is called */
	uv_write_t   req;
	uv_stream_t *stream;
	wbuf_done_cb done;
	int          writing;
};

/* stream need not be initialised yet; max bounds pending (0: none). */
void wbuf_init(struct wbuf *, uv_stream_t *, size_t max, wbuf_done_cb);
/*
 * Release both buffers' memory, pending bytes too; the wbuf stays usable.
 * Not while a write is in flight: when idle, or after the stream closed.
 */
void wbuf_free(struct wbuf *);
/*
 * Write what is pending unless a write is in flight (then done calls for
 * the next flush) or nothing is.  Returns 0, or uv_write()'s negative
 * error: the stream is then to be closed.
 */
int wbuf_flush(struct wbuf *);

static inline int
wbuf_busy(const struct wbuf *w)
{
	return w->writing;
}

/* Nothing pending and nothing in flight. */
static inline int
wbuf_idle(const struct wbuf *w)
{
	return !w->writing && w->pending.len == 0;
}

#endif
