/* SPDX-License-Identifier: ISC */
/* Writes to a TCP stream: at once when the socket takes them, else queued. */

#include <uv.h>

#include "stream.h"

int
stream_write(uv_stream_t *s, uv_write_t *req, uv_buf_t *b, unsigned n,
    uv_write_cb cb)
{
	size_t   total = 0;
	unsigned i;
	int      r;

	for (i = 0; i < n; i++)
		total += b[i].len;
	if (total == 0)
		return 0;
	r = uv_try_write(s, b, n);
	if (r == UV_EAGAIN || r == UV_ENOSYS)
		r = 0;
	else if (r < 0)
		return r;
	if ((size_t)r == total)
		return 0;
	for (i = 0; i < n && (size_t)r >= b[i].len; i++)
		r -= b[i].len;
	b[i].base += r;
	b[i].len -= r;
	r = uv_write(req, s, b + i, n - i, cb);
	return r < 0 ? r : 1;
}
