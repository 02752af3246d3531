/* SPDX-License-Identifier: ISC */
/* Writing JSON strings: the access log and the control socket share this. */
#ifndef FD_JSON_WRITE_H
#define FD_JSON_WRITE_H

#include <stddef.h>

#include "buf.h"

/*
 * Append s (len bytes) as a quoted JSON string.  Bytes outside printable
 * ASCII are written as \u00XX: what arrives on the wire is not known to be
 * UTF-8, and a terminal or a log reader is never handed raw control bytes.
 */
void json_str(struct buf *, const char *s, size_t len);
/* The same for a NUL-terminated string. */
void json_cstr(struct buf *, const char *s);

#endif
