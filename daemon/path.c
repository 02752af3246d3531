/* SPDX-License-Identifier: ISC */
/* The canonical request path: one reading for routing, gates and the cache. */

/*
 * Design.  A gate is only as good as the path it judges: if frontdoor reads
 * "/%61dmin/x" as something other than "/admin/x" and the backend does not,
 * the request reaches the admin area through the ungated route.  So the path
 * is read once, here, and that one reading is what routes, what every gate
 * judges, what keys the cache and what is forwarded.
 *
 * The plain reading (flags 0) is what every backend agrees on:
 *
 *   - percent-encoded unreserved characters (ALPHA DIGIT - . _ ~) are
 *     decoded: every backend decodes them, and RFC 3986 6.2.2.2 makes them
 *     equivalent ("/%7Euser" is "/~user");
 *   - every other escape is kept, hex digits made upper case (RFC 3986
 *     6.2.2.1), so "%2f" is sent as "%2F" and a backend still tells "%2F"
 *     from "/" if it wants to; "%25" stays "%25";
 *   - runs of '/' are merged: nginx (merge_slashes on), Go's ServeMux
 *     (which redirects to path.Clean's result), PHP front controllers and
 *     most file servers read "//admin" as "/admin";
 *   - "." and ".." segments are removed as RFC 3986 5.2.4 says, judged
 *     after decoding, so "%2e%2E" is ".." (nginx, Node's WHATWG URL parser
 *     and Go's path.Clean all treat it so).  A ".." above the root is
 *     refused, not clamped: servers disagree (some clamp, some 400, a naive
 *     static server leaves its root);
 *   - the trailing slash is kept ("/a/" stays "/a/", "/a/." gives "/a/",
 *     "/a/.." gives "/"): to many backends "/dir" and "/dir/" differ.
 *
 * Backends read paths differently in two more places.  Each is a reading
 * of its own, a flag here; the caller computes each reading the request
 * can have (path_readings()) and refuses a request whose readings would be
 * routed differently, so the gate judges whatever a backend takes:
 *
 *   - PATH_SEPARATORS: "%2F" and "%5C" read as '/'.  nginx decodes "%2F"
 *     into $uri before merging and resolving dot segments, so its static
 *     files, its locations and the PHP it hands on (SCRIPT_NAME,
 *     PATH_INFO) see a separator.  Python's WSGI servers put the decoded
 *     path into PATH_INFO (Flask, Django route on it; http.server's
 *     translate_path unquotes it too).  Go's URL.Path is decoded, and
 *     http.FileServer and ServeMux before Go 1.22 route on it; 1.22's
 *     ServeMux matches escaped segments.  Node's serve-static and several
 *     routers decodeURIComponent() the path before using it as a file
 *     name.  "%5C" is a separator where '\' is one (IIS, Windows file
 *     systems, Node on Windows).  Tomcat refuses "%2F" by default
 *     (encodedSolidusHandling) but may be set to decode it.
 *   - PATH_PARAMS: ";..." dropped from each segment.  Tomcat, Jetty and
 *     Spring's UrlPathHelper strip path parameters (";jsessionid=...")
 *     before matching, so "/admin;x/y" is "/admin/y" to them and
 *     "/app/..;/admin" is "/admin".  Everyone else reads ';' as a
 *     character.  "%3B" is not a parameter to anyone.
 *
 * The flags combine (a Tomcat set to decode "%2F" reads both ways at once).
 * Each call judges only its own reading; which readings a request needs is
 * the caller's business.
 *
 * Refused outright (400), since no single reading exists: a raw '\' (a
 * separator to Node's URL parser, IIS and Windows, a character to others),
 * "%00" and other encoded control characters (C strings end at NUL; log
 * and header injection), a '%' without two hex digits (decoded leniently by
 * some, "%u002e" by old IIS, refused by others), a raw '#' (a fragment is
 * never sent; one that is was meant to confuse), a raw '?' (the caller
 * passes the path only, so one here is a mistake), raw bytes outside VCHAR.
 *
 * Out of scope, on purpose:
 *   - double decoding: "%252F" stays "%252F" and is never read as "%2F"
 *     or '/'.  A backend that decodes twice (an application that calls
 *     urldecode() on PHP's already-decoded PATH_INFO, old IIS) reads paths
 *     no proxy can predict;
 *   - non-ASCII escapes ("%C3%A9", overlong "%C0%AE") are kept as they are:
 *     a backend that decodes overlong UTF-8 to '.' is broken beyond a
 *     proxy's help;
 *   - letter case ("/ADMIN"): the case-sensitive servers a home lab runs
 *     do not read it as "/admin".
 *
 * Speed: this runs on every request.  A path with nothing to do (no '%',
 * no "//", no "/.", no ';' under PATH_PARAMS, no refused byte) is checked
 * in one pass and copied; "/", "/api/v1/items" and "/static/app.js" take
 * that way.  Otherwise one pass writes the result as it reads, backing up
 * over the output for "..".  Nothing is allocated.
 */

#include <string.h>

#include "path.h"

static int
path_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
path_unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

/* A byte the fast path must not copy blindly. */
static int
path_special(unsigned char c)
{
	return c < 0x21 || c >= 0x7f || c == '/' || c == '%' || c == ';' ||
	    c == '\\' || c == '#' || c == '?';
}

/*
 * Whether in[0, len) (starting with '/') is its own result in this reading:
 * nothing to decode, merge, remove or refuse.  A dot segment always starts
 * with "/.", so a path without one has none.
 */
static int
path_is_canonical(const char *in, size_t len, unsigned flags)
{
	size_t        i;
	unsigned char c;

	for (i = 0; i < len; i++) {
		c = (unsigned char)in[i];
		if (!path_special(c))
			continue;
		if (c == '/') {
			if (i + 1 < len &&
			    (in[i + 1] == '/' || in[i + 1] == '.'))
				return 0;
			continue;
		}
		if (c == ';' && !(flags & PATH_PARAMS))
			continue;
		return 0;
	}
	return 1;
}

/*
 * At in[i]: how many input bytes a separator there takes in this reading
 * (0 when none starts there).
 */
static size_t
path_separator(const char *in, size_t len, size_t i, unsigned flags)
{
	if (in[i] == '/')
		return 1;
	if ((flags & PATH_SEPARATORS) && in[i] == '%' && len - i >= 3 &&
	    ((in[i + 1] == '2' && (in[i + 2] | 0x20) == 'f') ||
	        (in[i + 1] == '5' && (in[i + 2] | 0x20) == 'c')))
		return 3;
	return 0;
}

static ssize_t
path_error(const char **errp, const char *why)
{
	if (errp != NULL)
		*errp = why;
	return -1;
}

/*
 * The writing pass.  Output never overtakes input (o <= i at every write,
 * and each input byte is read before the output reaches it), which is what
 * makes out == in safe.
 */
ssize_t
path_normalise(const char *in, size_t len, char *out, unsigned flags,
    const char **errp)
{
	static const char hexu[] = "0123456789ABCDEF";
	size_t            i, o, seg, n, p;
	unsigned char     c;
	int               hi, lo, params;

	if (len == 0 || in[0] != '/')
		return path_error(errp, "path does not start with '/'");
	if (path_is_canonical(in, len, flags)) {
		if (out != in)
			memcpy(out, in, len);
		return (ssize_t)len;
	}
	out[0] = '/';
	o = 1;
	i = 0;
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
			if (c < 0x21 || c >= 0x7f)
				return path_error(errp,
				    "raw byte outside VCHAR in path");
			if (c == '\\')
				return path_error(errp, "backslash in path");
			if (c == '#')
				return path_error(errp, "fragment in path");
			if (c == '?')
				return path_error(errp, "query in path");
			if (c == ';' && (flags & PATH_PARAMS))
				params = 1;
			if (c != '%') {
				if (!params)
					out[o++] = (char)c;
				i++;
				continue;
			}
			if (len - i < 3 ||
			    (hi = path_hex((unsigned char)in[i + 1])) < 0 ||
			    (lo = path_hex((unsigned char)in[i + 2])) < 0)
				return path_error(errp,
				    "bad percent-encoding in path");
			c = (unsigned char)(hi << 4 | lo);
			if (c < 0x20 || c == 0x7f)
				return path_error(errp,
				    "encoded control character in path");
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
		/* out[seg, o) is the segment; out[seg - 1] is its '/'. */
		n = o - seg;
		if (n == 0 || (n == 1 && out[seg] == '.')) {
			o = seg; /* "" (all parameters) or ".": gone */
			continue;
		}
		if (n == 2 && out[seg] == '.' && out[seg + 1] == '.') {
			if (seg == 1)
				return path_error(errp,
				    "path climbs above the root");
			/* Back over the previous segment, keep its '/'. */
			for (p = seg - 1; p > 0 && out[p - 1] != '/'; p--)
				;
			o = p;
			continue;
		}
		if (i == len)
			break;
		/* Past the separator run first: in place, '/' may land on it. */
		while (i < len && (n = path_separator(in, len, i, flags)) > 0)
			i += n;
		out[o++] = '/';
	}
	return (ssize_t)o;
}

unsigned
path_readings(const char *in, size_t len)
{
	const char *p = in, *end = in + len;
	unsigned    r = 0;

	if (memchr(in, ';', len) != NULL)
		r |= PATH_PARAMS;
	while ((p = memchr(p, '%', (size_t)(end - p))) != NULL) {
		if (end - p >= 3 &&
		    ((p[1] == '2' && (p[2] | 0x20) == 'f') ||
		        (p[1] == '5' && (p[2] | 0x20) == 'c'))) {
			r |= PATH_SEPARATORS;
			break;
		}
		p++;
	}
	return r;
}
