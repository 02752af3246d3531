/* SPDX-License-Identifier: ISC */
/* HTTP/1 framing written: a response's head around its fields, its body's chunks. */
#ifndef FD_HTTP_FRAME_H
#define FD_HTTP_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "client-side.h"

struct buf;
struct http_chunked;

/* How the client learns where a response body ends. */
enum http_frame_kind {
	HTTP_FRAME_AS_SENT = 0, /* the bytes as the backend framed them: its
				   Content-Length, or its close */
	HTTP_FRAME_CHUNKED,     /* chunks we frame, for HTTP/1.1 */
	HTTP_FRAME_CLOSE,       /* other bytes than the backend's, or decoded
				   chunks, for HTTP/1.0: our close ends them */
};

/*
 * The framing of the response an HTTP/1 client side writes, set by its
 * head: what the client reads of its body.
 */
struct http_frame {
	struct http_chunked *trailers; /* sent with the last chunk */
	uint8_t              kind;     /* enum http_frame_kind */
	uint8_t              version;  /* the request's, 10 or 11 */
	char chunk[20]; /* the size line of the write under way */
};

/* The status line of r ("HTTP/1.1", whatever the request's), appended to b. */
void http_frame_head_start(struct buf *b, const struct client_resp *r);
/* An interim response of status and reason (no fields), appended to b. */
void http_frame_interim(struct buf *b, unsigned status, const char *reason);
/*
 * The rest of r's head after the exchange's fields, appended to b: the
 * framing (f's kind chosen for f->version), r's late fields, the connection,
 * the empty line.  Returns 0 when the connection closes after the response,
 * else 1.
 */
int http_frame_head_end(struct http_frame *f, struct buf *b,
    const struct client_resp *r);
/*
 * Queue data[0, n) to o, framed as f says (the last bytes when last); the
 * bytes must stay as they are until o's write is done.  o has room for six
 * bufs more.
 */
void http_frame_body(struct http_frame *f, struct body_out *o, char *data,
    size_t n, int last);
/*
 * The end of a chunked body: the last chunk, the trailer fields of ch that
 * may cross (none when ch is NULL; they are filtered in place and used up),
 * the empty line, as up to three bufs at b[*nb].  Returns their bytes.
 */
size_t
http_frame_last_chunk(struct http_chunked *ch, uv_buf_t *b, unsigned *nb);

#endif
