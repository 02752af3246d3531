/* SPDX-License-Identifier: ISC */
/* The small error pages frontdoor answers with by itself. */
#ifndef FD_ERRPAGE_H
#define FD_ERRPAGE_H

#include <stddef.h>

#include "buf.h"

/*
 * An error answer is its page and its end-to-end fields; how it is framed
 * (the status line, its length, the connection) is the client side's.
 */

/* The Content-Type field of a page: "Content-Type: ...\r\n". */
const char *errpage_type(int html);
/*
 * Append the fields that follow the page's length: Cache-Control,
 * X-Request-Id, headers (extra CRLF-ended lines, or NULL) and Retry-After
 * for a 503.
 */
void errpage_fields(struct buf *out, int status, const char *request_id,
    const char *headers);
/*
 * Append the page for status, HTML or plain text.  text: its sentence, or
 * NULL for the usual one for status.
 */
void errpage_page(struct buf *out, int status, const char *request_id, int html,
    const char *text);

#endif
