/* SPDX-License-Identifier: ISC */
/* The canonical request path: one reading for routing, gates and the cache. */
#ifndef FD_PATH_H
#define FD_PATH_H

#include <stddef.h>
#include <sys/types.h>

/* Readings of a path besides the plain one: flags for path_normalise(). */
#define PATH_SEPARATORS 0x1 /* %2F and %5C read as '/' */
#define PATH_PARAMS     0x2 /* ";..." dropped from each segment */

/*
 * Normalise the path of an origin-form target (from its leading '/' up to,
 * not including, any '?'), in[0, len), into out, which has room for len
 * bytes: the result is never longer.  Percent-encoded unreserved characters
 * are decoded, other escapes kept with upper-case hex digits, runs of '/'
 * merged, "." and ".." segments removed (RFC 3986 5.2.4, judged after
 * decoding).  flags adds the readings above.
 * Returns the length of the result (at least 1: it starts with '/'), or -1
 * when the path cannot be read one way only, *errp set to a static reason:
 * no leading '/', ".." above the root, an encoded control character (%00,
 * %0A...), a '%' without two hex digits, a raw '\', a raw '#', a raw byte
 * outside VCHAR.  Normalising a result again with the same flags gives the
 * same bytes.
 */
ssize_t path_normalise(const char *in, size_t len, char *out, unsigned flags,
    const char **errp);

/*
 * Which of the readings can differ from the plain one for this path:
 * PATH_SEPARATORS when it holds %2F or %5C (any case), PATH_PARAMS when it
 * holds a ';'.  0, the common case, means the plain reading is the only one.
 */
unsigned path_readings(const char *in, size_t len);

#endif
