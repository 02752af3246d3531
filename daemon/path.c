/* SPDX-License-Identifier: ISC */
/* The canonical request path: one reading for routing, gates and the cache. */

/*
 * Design.  A gate is only as good as the path it judges: if frontdoor reads
 * "/%61dmin/x" as something other than "/admin/x" and the backend does not,
 * the request reaches the admin area through the ungated route.  So the path
 * is read once, here, and that one reading is what routes, what every gate
 * judges, what keys the cache and what is forwarded:
 *
 *   - percent-encoded unreserved characters (ALPHA DIGIT - . _ ~) are
 *     decoded: every backend decodes them, and RFC 3986 6.2.2.2 makes them
 *     equivalent;
 *   - every other escape is kept as it came, hex digits in upper case, so a
 *     backend still tells "%2F" from "/" if it wants to;
 *   - runs of '/' are merged (nginx's merge_slashes; Go's ServeMux, Express
 *     and PHP's front controllers read "//admin" as "/admin");
 *   - "." and ".." segments are removed (RFC 3986 5.2.4), after decoding, so
 *     "%2e%2E" is "..".  A ".." above the root is refused: servers disagree
 *     on it (some clamp, some 400, static servers may leave the root).
 *
 * Backends differ in two more places, and for those the caller computes
 * each other reading and refuses a request whose readings would be routed
 * differently (proxy.c): the gate then always judges the most privileged
 * reading, whichever a backend takes.
 *
 *   - PATH_SEPARATORS: "%2F" and "%5C" read as '/'.  nginx (static files
 *     and its own locations), PHP's built-in server, Python's http.server
 *     and several Node routers decode "%2F" before splitting segments; IIS
 *     and some Java stacks read '\' (and "%5C") as a separator.  Go,
 *     Tomcat and Jetty keep "%2F" within a segment or refuse it.
 *   - PATH_PARAMS: ";..." dropped from each segment.  Tomcat, Jetty and
 *     Spring strip path parameters before matching, so "/admin;x/y" is
 *     "/admin/y" to them and "/app/..;/admin" is "/admin".
 *
 * Refused outright (400), since no single reading exists: a raw '\' (a
 * separator to some, a character to others), "%00" and other encoded
 * control characters (C strings end at NUL; log and header injection), a
 * '%' without two hex digits (decoded leniently by some, refused by
 * others), a raw '#' (a fragment is never sent; one that is was meant to
 * confuse), raw bytes outside VCHAR.
 *
 * Not decoded: double encoding ("%252F" stays "%252F"); a backend that
 * decodes twice reads paths no proxy can predict.  Not folded: letter case
 * ("/ADMIN"), since the case-sensitive servers a home lab runs do not read
 * it as "/admin".
 */

#include <string.h>

#include "path.h"

static int
path_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

static int
path_unreserved(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~');
}

/*
 * At in[i]: whether a separator starts there in this reading, and how many
 * input bytes it takes (0 when none).
 */
static size_t
path_separator(const char *in, size_t len, size_t i, unsigned flags)
{
	if (in[i] == '/')
		return (1);
	if ((flags & PATH_SEPARATORS) && in[i] == '%' && i + 2 < len &&
	    ((in[i + 1] == '2' && (in[i + 2] | 0x20) == 'f') ||
	        (in[i + 1] == '5' && (in[i + 2] | 0x20) == 'c')))
		return (3);
	return (0);
}

ssize_t
path_normalise(const char *in, size_t len, char *out, unsigned flags,
    const char **errp)
{
	static const char hexu[] = "0123456789ABCDEF";
	size_t            i = 0, o, seg, n, p;
	unsigned char     c;
	int               hi, lo, params;

	if (len == 0 || in[0] != '/') {
		*errp = "path does not start with '/'";
		return (-1);
	}
	out[0] = '/';
	o = 1;
	for (;;) {
		/* Separators: any run of them is one. */
		while (i < len && (n = path_separator(in, len, i, flags)) > 0)
			i += n;
		if (i == len)
			break;
		/* One segment, decoded, up to the next separator. */
		seg = o;
		params = 0;
		while (i < len && path_separator(in, len, i, flags) == 0) {
			c = (unsigned char)in[i];
			if (c < 0x21 || c >= 0x7f) {
				*errp = "raw byte outside VCHAR in path";
				return (-1);
			}
			if (c == '\\') {
				*errp = "backslash in path";
				return (-1);
			}
			if (c == '#') {
				*errp = "fragment in path";
				return (-1);
			}
			if (c == ';' && (flags & PATH_PARAMS))
				params = 1;
			if (c != '%') {
				if (!params)
					out[o++] = (char)c;
				i++;
				continue;
			}
			if (i + 2 >= len) {
				*errp = "bad percent-encoding in path";
				return (-1);
			}
			hi = path_hex((unsigned char)in[i + 1]);
			lo = path_hex((unsigned char)in[i + 2]);
			if (hi < 0 || lo < 0) {
				*errp = "bad percent-encoding in path";
				return (-1);
			}
			c = (unsigned char)(hi << 4 | lo);
			if (c < 0x20 || c == 0x7f) {
				*errp = "encoded control character in path";
				return (-1);
			}
			i += 3;
			if (params)
				continue;
			if (path_unreserved(c))
				out[o++] = (char)c;
			else {
				out[o++] = '%';
				out[o++] = hexu[c >> 4];
				out[o++] = hexu[c & 0xf];
			}
		}
		n = o - seg;
		if (n == 0 || (n == 1 && out[seg] == '.')) {
			o = seg; /* "" (all parameters) or ".": gone */
			continue;
		}
		if (n == 2 && out[seg] == '.' && out[seg + 1] == '.') {
			if (seg == 1) {
				*errp = "path climbs above the root";
				return (-1);
			}
			/* Back over the previous segment and its '/'. */
			for (p = seg - 1; p > 0 && out[p - 1] != '/'; p--)
				;
			o = p;
			continue;
		}
		if (i < len)
			out[o++] = '/';
	}
	return ((ssize_t)o);
}

unsigned
path_readings(const char *in, size_t len)
{
	const char *p = in, *end = in + len;
	unsigned    r = 0;

	if (memchr(in, ';', len) != NULL)
		r |= PATH_PARAMS;
	while ((p = memchr(p, '%', end - p)) != NULL) {
		if (end - p >= 3 &&
		    ((p[1] == '2' && (p[2] | 0x20) == 'f') ||
		        (p[1] == '5' && (p[2] | 0x20) == 'c'))) {
			r |= PATH_SEPARATORS;
			break;
		}
		p++;
	}
	return (r);
}
