/* SPDX-License-Identifier: ISC */
/* A growable byte buffer with an upper bound. */
#ifndef FD_BUF_H
#define FD_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char  *data;
	size_t len;
	size_t cap;
	size_t max; /* never grow past this; 0 = SIZE_MAX */
};

void buf_init(struct buf *, size_t max);
void buf_free(struct buf *);  /* releases data; buf stays usable */
void buf_reset(struct buf *); /* len = 0, keeps memory */
/* Make room for n more bytes. 0, or -ENOBUFS when max would be passed. */
int buf_reserve(struct buf *, size_t n);
int buf_append(struct buf *, const void *, size_t);
int buf_puts(struct buf *, const char *);
int buf_printf(struct buf *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *, const char *, va_list)
    __attribute__((format(printf, 2, 0)));
/* Drop the first n bytes. */
void buf_consume(struct buf *, size_t n);

#endif
