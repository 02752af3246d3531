/* SPDX-License-Identifier: ISC */
/* A growable byte buffer that refuses to grow past its bound. */

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "util.h"

/*
 * data always has one spare byte past len, kept as a NUL after every
 * append, so text in a buffer can be handed to string functions.
 */

void
buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

int
buf_reserve(struct buf *b, size_t n)
{
	size_t max = b->max == 0 ? SIZE_MAX - 1 : b->max;
	size_t need, ncap;

	if (n > max || b->len > max - n)
		return -ENOBUFS;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	ncap = b->cap < 64 ? 64 : b->cap;
	while (ncap < need) {
		if (ncap > SIZE_MAX / 2) {
			ncap = need;
			break;
		}
		ncap *= 2;
	}
	if (ncap > max + 1)
		ncap = max + 1;
	b->data = xrealloc(b->data, ncap);
	b->cap = ncap;
	return 0;
}

int
buf_append(struct buf *b, const void *p, size_t n)
{
	int rv;

	if ((rv = buf_reserve(b, n)) != 0)
		return rv;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int
buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int     rv;

	va_start(ap, fmt);
	rv = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return rv;
}

int
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	size_t  room;
	int     n, rv;

	room = b->cap > b->len ? b->cap - b->len : 0;
	va_copy(aq, ap);
	n = vsnprintf(room > 0 ? b->data + b->len : NULL, room, fmt, aq);
	va_end(aq);
	if (n < 0)
		return -EINVAL;
	if ((size_t)n < room) {
		if ((rv = buf_reserve(b, (size_t)n)) != 0) {
			b->data[b->len] = '\0';
			return rv;
		}
		b->len += (size_t)n;
		return 0;
	}
	if ((rv = buf_reserve(b, (size_t)n)) != 0) {
		if (b->data != NULL)
			b->data[b->len] = '\0';
		return rv;
	}
	va_copy(aq, ap);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, aq);
	va_end(aq);
	b->len += (size_t)n;
	return 0;
}

void
buf_consume(struct buf *b, size_t n)
{
	if (n >= b->len) {
		buf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	b->data[b->len] = '\0';
}
