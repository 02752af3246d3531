/* SPDX-License-Identifier: ISC */
/* The canonical request path: one reading per backend family, no I/O. */
#ifndef FD_PATH_H
#define FD_PATH_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Readings of a path: flags for path_normalise().  Flags combine: a request
 * whose path_readings() returns both should also be read with both (a
 * Tomcat that decodes %2F reads "/..;x%2F" as ".." then a separator).
 */
#define PATH_SEPARATORS                                                        \
	0x1 /* %2F and %5C read as '/' (nginx, PHP, some Node/Python servers decode them) */
#define PATH_PARAMS                                                            \
	0x2 /* ";..." dropped from each segment (Tomcat, Jetty, Spring) */

/*
 * Normalise the path part of an origin-form target (from its leading '/' up
 * to, not including, any '?'), in[0, len), into out, which has room for len
 * bytes (the result is never longer than the input).  out may be in itself
 * (normalising in place); otherwise the two must not overlap.
 *
 * Always: percent-encoded unreserved characters (ALPHA DIGIT - . _ ~) are
 * decoded; other percent-escapes are kept, with their hex digits made upper
 * case ("%2f" stays "%2F" without PATH_SEPARATORS, "%25" stays "%25": no
 * double decoding); runs of '/' are merged into one; "." and ".." segments
 * are removed as RFC 3986 5.2.4 says, judged after decoding ("%2e%2E" is
 * ".."), and the trailing slash is kept ("/a/" and "/a/." give "/a/",
 * "/a/.." gives "/").  With PATH_SEPARATORS, %2F and %5C (any case) become
 * '/' before segments are split (so they also merge and take part in
 * dot-segment removal).  With PATH_PARAMS, everything from a ';' to the end
 * of its segment is dropped before dot-segments are judged (so "/..;x/" is a
 * ".." segment, as Tomcat reads it); "%3B" is not a ';'.
 *
 * Returns the length of the result (>= 1, it starts with '/'), or -1 when
 * the path cannot be read one way only, with *errp (errp may be NULL) set
 * to a short static reason: not starting with '/'; ".." that would climb
 * above the root in this call's reading; an encoded control character
 * (%00-%1F, %7F); a raw '\\'; a '%' not followed by two hex digits; a raw
 * '#' (fragment) or '?' (query: the caller passes the path only); a raw
 * byte < 0x21 or >= 0x7F.  Every byte is checked, also those a reading
 * drops.  Deterministic and idempotent: normalising a result again with the
 * same flags gives the same bytes.  Each call judges its own reading only:
 * the caller normalises with every reading path_readings() reports and
 * refuses the request if any fails.  No allocation; any thread.
 */
ssize_t path_normalise(const char *in, size_t len, char *out, unsigned flags,
    const char **errp);

/*
 * Which readings can differ from the plain one (flags 0) for in[0, len):
 * PATH_SEPARATORS when it holds a %2F or %5C (any case), PATH_PARAMS when
 * it holds a ';'.  0, the common case, means every reading equals the plain
 * one, so only that need be computed.  One memchr-style pass.
 */
unsigned path_readings(const char *in, size_t len);

#endif
