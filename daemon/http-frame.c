/* SPDX-License-Identifier: ISC */
/* HTTP/1 framing written: a response's head around its fields, its body's chunks. */

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "http-frame.h"
#include "http.h"

/* A piece queues a head and up to six bufs of its own. */
_Static_assert(BODY_OUT_BUFS >= 1 + 6, "a piece's bufs fit in body_out");

void
http_frame_head_start(struct buf *b, const struct client_resp *r)
{
	char line[13] = "HTTP/1.1 000 ";

	/* 100..999: three digits, without printf on every response. */
	line[9] = (char)('0' + r->status / 100);
	line[10] = (char)('0' + r->status / 10 % 10);
	line[11] = (char)('0' + r->status % 10);
	buf_append(b, line, sizeof line);
	buf_append(b, r->reason, r->reason_len);
	buf_append(b, "\r\n", 2);
}

void
http_frame_interim(struct buf *b, unsigned status, const char *reason)
{
	struct client_resp r;

	memset(&r, 0, sizeof r);
	r.status = (uint16_t)status;
	r.reason = reason;
	r.reason_len = strlen(reason);
	http_frame_head_start(b, &r);
	buf_append(b, "\r\n", 2);
}

int
http_frame_head_end(struct http_frame *f, struct buf *b,
    const struct client_resp *r)
{
	int keep = (r->flags & CLIENT_RESP_KEEPALIVE) != 0;

	/*
	 * Other bytes than the backend's, or chunks it framed (decoded), are
	 * framed again: as chunks for HTTP/1.1, with the trailer fields that
	 * may cross; by our close for 1.0.
	 */
	f->trailers = NULL;
	if (!(r->flags & CLIENT_RESP_FRAME))
		f->kind = HTTP_FRAME_AS_SENT;
	else if (f->version == 11) {
		f->kind = HTTP_FRAME_CHUNKED;
		f->trailers = r->trailers;
		buf_puts(b, "Transfer-Encoding: chunked\r\n");
	} else {
		f->kind = HTTP_FRAME_CLOSE;
		keep = 0;
	}
	/*
	 * The length as the exchange has it (repeated values folded into
	 * one), or a stored body's.
	 */
	if (r->flags & CLIENT_RESP_LENGTH)
		buf_printf(b, "Content-Length: %llu\r\n",
		    (unsigned long long)r->length);
	if (r->late_len > 0)
		buf_append(b, r->late, r->late_len);
	if (r->flags & CLIENT_RESP_TUNNEL)
		buf_puts(b, "Connection: upgrade\r\nUpgrade: websocket\r\n");
	else if (!keep)
		buf_puts(b, "Connection: close\r\n");
	else if (f->version == 10)
		buf_puts(b, "Connection: keep-alive\r\n");
	buf_append(b, "\r\n", 2);
	return keep;
}

size_t
http_frame_last_chunk(struct http_chunked *ch, uv_buf_t *b, unsigned *nb)
{
	static char last[] = "0\r\n", crlf[] = "\r\n";
	size_t      n = 0;

	b[(*nb)++] = uv_buf_init(last, 3);
	if (ch != NULL && ch->trailers != NULL && ch->trailers_len > 0) {
		/* Filtered in place: what is kept never passes what is read. */
		n = http_trailers_filter(ch->trailers, ch->trailers_len,
		    ch->trailers);
		ch->trailers_len = 0;
		if (n > 0)
			b[(*nb)++] = uv_buf_init(ch->trailers, n);
	}
	b[(*nb)++] = uv_buf_init(crlf, 2);
	return 5 + n;
}

void
http_frame_body(struct http_frame *f, struct body_out *o, char *data, size_t n,
    int last)
{
	static char crlf[] = "\r\n";
	size_t      hl;

	if (f->kind != HTTP_FRAME_CHUNKED) {
		body_out_add(o, data, n);
		o->body_bytes += n;
		return;
	}
	if (n > 0) {
		/* An empty chunk would end the body: none is written. */
		hl = (size_t)snprintf(f->chunk, sizeof f->chunk, "%zx\r\n", n);
		o->b[o->nb++] = uv_buf_init(f->chunk, hl);
		o->b[o->nb++] = uv_buf_init(data, n);
		o->b[o->nb++] = uv_buf_init(crlf, 2);
		o->body_bytes += hl + n + 2;
	}
	if (last)
		o->body_bytes +=
		    http_frame_last_chunk(f->trailers, o->b, &o->nb);
}
