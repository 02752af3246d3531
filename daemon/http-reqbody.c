/* SPDX-License-Identifier: ISC */
/* An HTTP/1 request body as it is read: its framing undone where it lies. */

#include <stdlib.h>
#include <string.h>

#include "http-reqbody.h"
#include "util.h"

void
http_reqbody_start(struct http_reqbody *b, const struct http_request *req)
{
	char *trailers = b->trailers;

	memset(b, 0, sizeof *b);
	b->trailers = trailers;
	if (req == NULL)
		b->end = 1;
	else if (req->flags & HTTP_F_CHUNKED) {
		b->kind = HTTP_REQBODY_CHUNKED;
		http_chunked_init(&b->ch, HTTP_MAX_TRAILER);
		/* Taken at the first chunked body, kept for the next. */
		if (b->trailers == NULL)
			b->trailers = xmalloc(HTTP_MAX_TRAILER);
		b->ch.trailers = b->trailers;
	} else if ((req->flags & HTTP_F_CONTENT_LENGTH) &&
	    req->content_length > 0) {
		b->kind = HTTP_REQBODY_LENGTH;
		b->left = req->content_length;
	} else
		b->end = 1;
}

int
http_reqbody_peek(struct http_reqbody *b, char *in, size_t len, char **data,
    size_t *n)
{
	size_t  used;
	ssize_t dn;
	int     done;

	*data = in;
	*n = 0;
	switch (b->kind) {
	case HTTP_REQBODY_LENGTH:
		*n = (size_t)MIN(len, b->left);
		return *n == b->left;
	case HTTP_REQBODY_RAW:
		*n = len;
		return 0;
	case HTTP_REQBODY_CHUNKED:
		break;
	default:
		return 1;
	}
	if (b->shown == 0 && b->raw == 0 && !b->end) {
		/*
		 * Decode what came since the last take, in place: the data
		 * moves down over the chunk lines; what follows the body (a
		 * pipelined request) stays where it is.  Bytes decoded and
		 * not yet taken, even framing alone, are not decoded again.
		 */
		dn = http_chunked_decode(&b->ch, in, len, &used, &done);
		if (dn < 0)
			return -1;
		b->shown = (size_t)dn;
		b->raw = used;
		b->end = (uint8_t)(done != 0);
	}
	*data = in + b->taken;
	*n = b->shown - b->taken;
	return b->end;
}

size_t
http_reqbody_take(struct http_reqbody *b, size_t n)
{
	size_t used;

	switch (b->kind) {
	case HTTP_REQBODY_LENGTH:
		b->left -= n;
		return n;
	case HTTP_REQBODY_CHUNKED:
		break;
	default:
		return n;
	}
	/* The unread bytes are passed once all that was decoded is taken. */
	b->taken += n;
	if (b->taken < b->shown)
		return 0;
	used = b->raw;
	b->shown = b->taken = b->raw = 0;
	return used;
}

struct http_chunked *
http_reqbody_trailers(struct http_reqbody *b)
{
	return b->kind == HTTP_REQBODY_CHUNKED && b->end ? &b->ch : NULL;
}

void
http_reqbody_raw(struct http_reqbody *b)
{
	b->kind = HTTP_REQBODY_RAW;
	b->end = 0;
	b->shown = b->taken = b->raw = 0;
}

void
http_reqbody_free(struct http_reqbody *b)
{
	free(b->trailers);
	b->trailers = NULL;
}
