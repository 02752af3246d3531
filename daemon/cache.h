/* SPDX-License-Identifier: ISC */
/* The response cache: per route, in memory, LRU within a size, shared by workers. */
#ifndef FD_CACHE_H
#define FD_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "http.h"

struct config;
struct route_cache;

/* An entry's life: filled by one exchange, then read by many, then dead. */
enum cache_state {
	CACHE_FILLING = 0,
	CACHE_READY,
	CACHE_DEAD, /* purged, evicted, abandoned or stale: being let go */
};

/*
 * A stored response.  head (a whole response head: status line, headers,
 * empty line; no framing, Age or hop-by-hop headers) and body are written
 * by the filling exchange only and never change once the entry is READY, so
 * a holder of a reference reads them without the lock.  The rest belongs to
 * cache.c, under the route cache's lock.
 */
struct cache_entry {
	char  *head;
	size_t head_len;
	char  *body;
	size_t body_len;
	int    status;
	int public;          /* Cache-Control: public */
	int      auth_ok;    /* public, s-maxage or must-revalidate */
	int      validators; /* ETag or Last-Modified: may be revalidated */
	uint64_t stored_s;   /* wall clock when stored */
	uint64_t age0_s;     /* Age the backend gave */
	uint64_t lifetime_s; /* freshness lifetime */

	struct route_cache *rc;
	struct cache_entry *hnext; /* hash chain */
	struct cache_entry *lprev; /* LRU list, most recent first */
	struct cache_entry *lnext;
	uint64_t            hash;
	uint64_t            seq; /* order of becoming READY, per route */
	char               *key; /* "host path?query" */
	size_t              key_len;
	size_t              path_off;   /* where the path starts in key */
	int                 tls;        /* the key's scheme: https, else http */
	char               *vary_names; /* "accept-encoding,x-a" or NULL */
	char               *vary_vals;  /* their request values, or NULL */
	size_t              body_cap;
	size_t              size; /* counted against the route's cache */
	int                 refs;
	int                 state; /* enum cache_state */
};

/* What a lookup knows of a request. */
struct cache_req {
	const char *host; /* lower-case is not required */
	size_t      host_len;
	const char *path; /* path and query */
	size_t      path_len;
	const char *head; /* the request head: Vary'd headers come from it */
	size_t      head_len;
	int         restricted; /* CACHE_R_*: which responses it may get */
	int tls; /* the client's connection is TLS: the scheme is https */
};

/*
 * Bits of cache_req.restricted (frontdoor.ini(5), cache and
 * cache_ignore_cookies).  AUTH: the request has Authorization, and gets or
 * stores only a response marked public, s-maxage or must-revalidate (RFC
 * 9111 3.5).  COOKIE: it has Cookie on a route with cache_ignore_cookies
 * off, and gets or stores only a response marked public.
 */
#define CACHE_R_AUTH   0x01
#define CACHE_R_COOKIE 0x02

/* A key keeps at most this many variants (Vary); a new one evicts the oldest. */
#define CACHE_VARIANTS_MAX 16

enum cache_found {
	CACHE_OFF = 0, /* the route has no cache */
	CACHE_HIT,     /* *e: a fresh READY entry (reference held) */
	CACHE_FILL,    /* *e: a new entry for the caller to fill (ref held) */
	CACHE_WAIT,    /* *e: another exchange fills it; poll its state */
	CACHE_NONE,    /* not found and may_fill was 0 */
};

/*
 * Main thread, at start and on every reload: give each route with cache > 0
 * its cache (routes are known by their stats id), sized as configured.  A
 * route whose configuration changed since the last call has its cache
 * emptied; a route without a cache any more loses its entries.
 */
void cache_configure(const struct config *);
/* At exit, once the workers are gone. */
void cache_shutdown(void);

/*
 * Find a response for req in route's cache (now: wall seconds).  Stale
 * entries met on the way are dropped.  With may_fill, a miss creates the
 * entry to fill (CACHE_FILL); a miss while another exchange fills the same
 * key is CACHE_WAIT: the caller polls cache_entry_state() and looks again
 * once it is not CACHE_FILLING.  With stale non-NULL, a stale entry with
 * validators (ETag, Last-Modified) that suits req is kept rather than
 * dropped, and a CACHE_FILL may come with *stale: that entry, a reference
 * held, for the filler to revalidate (frontdoor.ini(5), cache): on a 304
 * it fills the new entry from it; the fill's cache_fill_done() replaces
 * it.  Thread-safe.
 */
enum cache_found
     cache_lookup(unsigned route, const struct cache_req *req, int may_fill,
         uint64_t now, struct cache_entry **e, struct cache_entry **stale);
int  cache_entry_state(struct cache_entry *);
void cache_entry_release(struct cache_entry *); /* NULL: no-op */
/* Age of a READY entry, seconds. */
uint64_t cache_entry_age(const struct cache_entry *, uint64_t now);

/* How a response may be stored: see cache_storable(). */
struct cache_meta {
	uint64_t lifetime_s;
	uint64_t age0_s;
	int public;
	char *vary_names; /* lower-case list, or NULL; owned */
	int   auth_ok;    /* public, s-maxage or must-revalidate */
	int   validators; /* ETag or Last-Modified */
};

/*
 * RFC 9111, the safe subset: a GET answered 200, 301 or 404 with explicit
 * freshness (s-maxage, max-age, or Expires later than Date), and none of
 * no-store, no-cache, private, Set-Cookie or Vary: *; a restricted request
 * (CACHE_R_* bits) only as those bits allow.  Returns 1 and fills meta (free meta->vary_names, or pass it to cache_fill_head), or 0.
 */
int cache_storable(enum http_method, int status, const struct http_header *,
    size_t nhdrs, int restricted, uint64_t now, struct cache_meta *meta);

/*
 * The filling exchange: the head to store (copied) and meta (vary_names
 * taken over), then body bytes as they stream, then done.  Each returns 0,
 * or -1 when the entry was abandoned (too large for the route's cache,
 * purged): the caller then calls cache_fill_abandon() and stops filling.
 */
int cache_fill_head(struct cache_entry *, const struct cache_req *, int status,
    const char *head, size_t len, struct cache_meta *meta);
int cache_fill_body(struct cache_entry *, const void *, size_t);
int cache_fill_done(struct cache_entry *);
/* The fill ends without a response to keep; waiters see CACHE_DEAD. */
void cache_fill_abandon(struct cache_entry *);

/* Drop a route's entries whose path starts with prefix (NULL: all). */
size_t cache_purge(unsigned route, const char *prefix);
/*
 * Drop every stored response (all variants) and any fill under way for
 * req's scheme, host and target: an unsafe request changed it (RFC 9111
 * 4.4).  Only host, path and tls of req are read.  Returns how many READY
 * entries went.  Thread-safe.
 */
size_t cache_invalidate(unsigned route, const struct cache_req *req);
/* A route's entries, bytes used and limit (zeros when it has no cache). */
void
cache_usage(unsigned route, uint64_t *entries, uint64_t *bytes, uint64_t *max);

/*
 * The value of a header in a raw head (the request head for the backend),
 * the first of that name; NULL when absent.  For Vary and conditionals.
 */
const char *
cache_head_value(const char *head, size_t len, const char *name, size_t *vlen);
/*
 * An HTTP-date as seconds since 1970, exactly as RFC 9110 5.6.7 writes it:
 * IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the obsolete RFC 850 form
 * ("Sunday, 06-Nov-94 08:49:37 GMT", a year more than 50 years ahead read
 * as the century before) or asctime ("Sun Nov  6 08:49:37 1994"): names in
 * their case, fixed widths, no extra white space, fields in range (a day
 * that the month has, 23:59:60 at most).  The day name is not checked
 * against the date.  -1 for anything else, or a date before 1970.
 */
int64_t cache_parse_date(const char *, size_t);

/*
 * An Age value as RFC 9111 5.1 and 1.2.2 read it: of a list, the first
 * member only; a member that is not delta-seconds (digits) is ignored (0);
 * a number past CACHE_AGE_MAX is CACHE_AGE_MAX.  The caller passes the
 * first Age field line only: further lines are further members.
 */
#define CACHE_AGE_MAX 2147483648ull
uint64_t cache_parse_age(const char *, size_t);

#endif
