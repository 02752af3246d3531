/* SPDX-License-Identifier: ISC */
/* The small error pages frontdoor answers with by itself. */
#ifndef FD_ERRPAGE_H
#define FD_ERRPAGE_H

#include <stddef.h>

#include "buf.h"

/*
 * Append a complete error response (head and page) to out.  text: the
 * page's sentence, or NULL for the usual one for status; headers: extra
 * CRLF-ended lines, or NULL.
 */
void errpage_build(struct buf *out, int status, const char *request_id,
    int html, int close, const char *text, const char *headers);
/* A response whose body is page (an HTML file of the configuration). */
void errpage_custom(struct buf *out, int status, const char *request_id,
    const char *page, size_t len, int close);

#endif
