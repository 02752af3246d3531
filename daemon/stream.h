/* SPDX-License-Identifier: ISC */
/* TCP streams, to clients and to backends: addresses, and writes. */
#ifndef FD_STREAM_H
#define FD_STREAM_H

#include <netinet/in.h>
#include <uv.h>

union sockaddr_any {
	struct sockaddr     sa;
	struct sockaddr_in  sin;
	struct sockaddr_in6 sin6;
};

/*
 * Write bufs to s: what the socket takes at once goes now, the rest is
 * queued on req.  Returns 0 when all of it is written (cb is not called),
 * 1 when it is queued (cb runs once it is on the wire), or a negative errno.
 * The bufs are adjusted past what went now; their bytes must stay until cb.
 */
int stream_write(uv_stream_t *s, uv_write_t *req, uv_buf_t *b, unsigned n,
    uv_write_cb cb);

#endif
