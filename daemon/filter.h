/* SPDX-License-Identifier: ISC */
/* A response body's way to the client: its filters, then the client side. */
#ifndef FD_FILTER_H
#define FD_FILTER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "compress.h"

struct buf;
struct cache_entry;
struct http_header;
struct http_chunked;
struct http_response;
struct route_conf;

/*
 * A body flows source -> filters -> sink, a step at a time (nginx's body
 * filters, h2o's ostreams).  The exchange's pump takes what its source has
 * (the backend's bytes as their framing delimits them, or a stored body),
 * runs it through the filters in order, and hands the result to the sink,
 * the client side (client-side.h: client_side_body), which frames it for
 * its client into the bufs of one write.  The write is
 * the back-pressure: the pump takes no next step before it is done, so
 * what a step produced (bytes passed through, a filter's own output) stays
 * untouched until then, and a filter reuses its buffer at the next step.
 * Without filters the source's bytes go to the sink as they are.
 */
struct body_filter;

struct body_filter_ops {
	/*
	 * Take the body bytes *data[0, *n), the last of the body when last
	 * (*n may then be 0), and leave in *data, *n what goes on: the same
	 * bytes, or the filter's own output (kept until its next call; *n
	 * may be 0).  The bytes may be changed in place.  Returns 0, or -1
	 * when the body cannot go on (logged): the exchange fails.
	 */
	int (*data)(struct body_filter *, char **data, size_t *n, int last);
	/*
	 * The body will not end: let go of what waits for its end (NULL:
	 * nothing to do).  No data call follows.
	 */
	void (*stop)(struct body_filter *);
	/* Free the filter, stopping it first if its body did not end. */
	void (*free)(struct body_filter *);
};

struct body_filter {
	const struct body_filter_ops *ops;
	struct body_filter           *next;
};

/* Add f (taken over) at the end of the chain at *head (NULL: empty). */
void body_chain_add(struct body_filter **head, struct body_filter *f);
/* Run one step's bytes through the chain at head (see ops.data). */
int body_chain_run(struct body_filter *head, char **data, size_t *n, int last);
/* The body is cut short: stop each filter (ops.stop). */
void body_chain_stop(struct body_filter *head);
/* Free the chain at *head, which is then empty. */
void body_chain_free(struct body_filter **head);

/* filter-compress.c */
/*
 * Whether a response may be compressed on route r (frontdoor.ini(5),
 * compress), as far as its head tells: the route compresses, a status with
 * a whole body (not 1xx, 204, 206 or 304), no content coding but identity,
 * no Content-Range, no Cache-Control: no-transform, a Content-Type of
 * compress_types but no event stream, and a body of compress_min_size bytes
 * or more when its length is known (has_len: it is len).
 */
int filter_compress_wanted(const struct route_conf *r,
    const struct http_response *resp, int has_len, uint64_t len);
/*
 * A filter that compresses with enc; flush: what each step brings goes out
 * in the same step (a live backend: event streams, long polls), else the
 * compressor may hold it back until the end (a stored body).  id: the
 * request's, for the log (kept).  NULL when the library cannot set up.
 */
struct body_filter *
filter_compress_new(enum compress_enc enc, int flush, const char *id);
/*
 * Head lines of a compressed response.  filter_compress_etag: a strong ETag
 * h becomes weak in b (returns 1; 0: h is not one).  The lines after the
 * backend's: Content-Encoding (enc; none for COMPRESS_NONE, as when the
 * client takes no coding), and Vary: Accept-Encoding unless resp's Vary
 * names it or "*"; for any response filter_compress_wanted() allows.
 */
int  filter_compress_etag(const struct http_header *h, struct buf *b);
void filter_compress_headers(enum compress_enc enc,
    const struct http_response *resp, struct buf *b);

/* filter-cache.c */
/*
 * A filter that stores the body in e, an entry to fill whose head is stored
 * (its reference taken over), and passes the body on unchanged.  At the
 * body's end the fill is done; a body too large for the cache, or cut
 * short (stopped, freed before its end), abandons it.  id: for the log.
 */
struct body_filter *filter_cache_new(struct cache_entry *e, const char *id);

#endif
