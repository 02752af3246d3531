/* SPDX-License-Identifier: ISC */
/* The exchange: one request, the backend it goes to, and its response. */
#ifndef FD_EXCHANGE_H
#define FD_EXCHANGE_H

#include <netinet/in.h>
#include <stdint.h>
#include <uv.h>

#include "buf.h"
#include "client-side.h"
#include "filter.h"
#include "gate.h"
#include "http.h"
#include "list.h"
#include "timeout.h"

struct route_conf;
struct backend_conf;
struct backend_conn;
struct worker;

enum body_mode {
	BODY_NONE = 0,
	BODY_LENGTH,
	BODY_CHUNKED, /* request: decoded, and chunked again by us */
	BODY_DECODE,  /* response: decoded (then chunked by us if 1.1) */
	BODY_CLOSE,   /* until the backend closes */
	BODY_TUNNEL,
	BODY_CACHE, /* from a cache entry (x->centry); a backend's connection
		       stays only after the 304 of a revalidation, idle */
};

/* Exchange flags. */
#define XF_HEAD_SENT  0x0001 /* request head written to the backend */
#define XF_BODY_SENT  0x0002 /* some request body left for the backend */
#define XF_REQ_DONE   0x0004 /* whole request body read from the client */
#define XF_RESP_BYTES 0x0008 /* some response byte came back */
#define XF_RESP_HEAD  0x0010 /* response head handed to the client */
#define XF_RESP_DONE  0x0020 /* whole response handed to the client */
#define XF_CWRITE     0x0040 /* a write to the client is in flight */
#define XF_KEEPALIVE  0x0080 /* client connection may serve another */
#define XF_EXPECT     0x0100 /* client sent Expect: 100-continue */
#define XF_UPGRADE    0x0200 /* upgrade requested and allowed */
#define XF_CLIENT_EOF                                                          \
	0x0400                  /* the client shut its side: no request
					   follows this one */
#define XF_HTML         0x0800  /* client accepts HTML error pages */
#define XF_UP_KEEP      0x1000  /* backend connection may be pooled */
#define XF_ERROR        0x2000  /* answered by frontdoor itself */
#define XF_ACCOUNTED    0x4000  /* counted and logged */
#define XF_BACKEND_FAIL 0x8000  /* the backend failed this request */
#define XF_HAS_BODY     0x10000 /* the request has a body */
#define XF_GATE_PENDING 0x20000 /* the gate is still deciding */
#define XF_SRC_EOF      0x40000 /* the backend's close ended its body */
#define XF_TUNNEL       0x80000 /* in its worker's list of open tunnels */

/* Finished exchanges kept per worker for reuse. */
#define EXCHANGE_FREE_MAX 256

/* One request and its response. */
struct exchange {
	struct exchange           *next_free; /* worker->xfree */
	struct list                tlink;     /* worker->tunnels[route id] */
	struct client_side        *cs; /* its client side, which owns it */
	struct backend_conn       *u;
	const struct route_conf   *route;
	const struct backend_conf *backend;
	uv_write_t                 wreq;    /* writes to the client */
	struct buf                 head;    /* request head for the backend */
	struct buf                 out;     /* head or page for the client */
	struct buf                 strs;    /* strings for the access log */
	struct buf                 path;    /* the canonical path and query */
	struct buf                 errpage; /* our answer's late fields, page */
	/*
	 * The response's trailer fields as they came, HTTP_MAX_TRAILER
	 * bytes: taken at the first chunked response, kept while the
	 * exchange is recycled.
	 */
	char               *tbuf;
	struct http_chunked resp_ch;
	uint64_t            req_body; /* request body bytes to the backend */
	uint64_t            resp_left;
	uint64_t            bytes_sent; /* response body bytes to the client */
	uint64_t            start_ms;   /* loop time */
	uint64_t            start_us;   /* wall clock */
	uint64_t            start_ns;   /* uv_hrtime() */
	uint64_t            bytes_in;   /* from the client */
	uint64_t            tried;      /* backends tried, by index mod 64 */
	size_t              host_off;   /* the Host value in head */
	size_t              host_len;
	int                 host_is_backend;
	uint64_t            content_length;
	const char         *rule;          /* the rule that refused it */
	const char         *extra_headers; /* for the error page: CRLF lines */
	/*
	 * Our answer's page, to go after its head (errpage's bytes or the
	 * configuration's, which x->cs->cfg holds); NULL once queued.
	 */
	char            *page;
	size_t           page_len;
	struct gate_req  gate; /* what the gate knows of it */
	uint32_t         flags;
	uint8_t          req_mode; /* enum body_mode */
	uint8_t          resp_mode;
	uint8_t          version; /* 10 or 11 */
	uint8_t          retries;
	enum http_method meth;
	int              status;
	/* Offsets into strs. */
	uint32_t s_method, s_uri, s_host, s_referer, s_ua;
	uint32_t s_proto;
	size_t   cwrite_in; /* bytes of u->in in flight */
	size_t   cwrite_consume;
	char     id[65];                      /* request id */
	char     client_ip[INET6_ADDRSTRLEN]; /* the address alone */
	char     country[4]; /* ISO 3166 code set by the gate, or "" */
	/* The response body's filters, in order (NULL: none). */
	struct body_filter *body;
	/* The response cache: cache-serve.c. */
	struct cache_entry *centry; /* served, to fill, or waited for */
	struct cache_entry *cstale; /* a stale entry this fill revalidates */
	uint32_t s_inm, s_ims; /* the client's own conditionals (PXC_COND) */
	struct timeout cwait;  /* polls a fill this exchange waits for */
	uint64_t       cwait_until;
	size_t         hit_off;       /* next byte of a stored body to send */
	uint8_t        enc;           /* enum compress_enc the client takes */
	uint8_t        xcache;        /* 1 + enum stats_cache, 0: no cache */
	uint16_t       cflags;        /* PXC_* */
	char           req_chunk[20]; /* a chunk-size line to the backend */
};

/*
 * Bits of exchange.cflags: what the request and the response head tell the
 * cache (cache-serve.c) and the response body's filters (exchange.c).
 */
#define PXC_AUTH   0x01  /* Authorization in the request */
#define PXC_RANGE  0x02  /* a Range request */
#define PXC_FILL   0x04  /* x->centry is this exchange's to fill */
#define PXC_WAIT   0x08  /* x->centry is filled by another exchange */
#define PXC_HIT    0x10  /* x->centry is being served */
#define PXC_VARY   0x20  /* the response varies on Accept-Encoding */
#define PXC_NOTMOD 0x40  /* a 304 answered from the cache */
#define PXC_COOKIE 0x80  /* Cookie, and the route does not ignore it */
#define PXC_COND   0x100 /* the client's conditionals moved to s_inm, s_ims */
#define PXC_CODED  0x200 /* the body is compressed on its way (x->enc) */

/* exchange.c */
/*
 * What client sides call (worker->client_cb): a request begins, its head,
 * its body, its end.
 */
extern const struct client_side_cb proxy_client_cb;
/* Free a recycled exchange of worker->xfree for good. */
void exchange_destroy(struct exchange *);
/* Close this worker's tunnels whose route is switched off (not draining). */
void proxy_cut_tunnels(struct worker *);
/*
 * The gate refused the request: answer status with extra header lines
 * ("WWW-Authenticate: ...\r\n", or NULL), by rule ("auth", "ip", ...).
 */
void proxy_deny(struct exchange *, int status, const char *rule,
    const char *headers);
/* Answer with an error page; closes the connection after when close. */
void        proxy_error(struct exchange *, int status, int close);
const char *exchange_str(const struct exchange *, uint32_t);
/* Copy s (at most 4 KiB of it) into x's strings: its offset, 0 ("") if not. */
uint32_t exchange_stradd(struct exchange *, const char *s, size_t len);

/*
 * Whether no request can follow this one: the client shut its side and
 * nothing of another request is buffered.  The response then says
 * Connection: close.
 */
#define PROXY_LAST(x)                                                          \
	(((x)->flags & XF_CLIENT_EOF) ||                                       \
	    (client_side_ended((x)->cs) && client_side_held((x)->cs) == 0))

/* exchange.c, for cache-serve.c */
void proxy_pump_response(struct exchange *);
void proxy_build_response(struct exchange *, const struct http_response *);
void proxy_admit_backend(struct exchange *);
/*
 * The response body's way to the client (filter.h), once resp's head is
 * known and resp_mode set, after the cache put its fill filter in place:
 * the compressor, when resp may be compressed and the client takes a coding
 * (has_len: the body is len bytes).
 */
void proxy_body_setup(struct exchange *, const struct http_response *resp,
    int has_len, uint64_t len);

/* cache-serve.c: the response cache around the exchange. */
/* proxy_admit: 1 when the cache answers or the exchange waits for a fill. */
int cache_serve_admit(struct exchange *);
/*
 * A backend's final head is parsed and its body mode set: invalidate?
 * store (a fill filter joins x->body)?  Returns 0; or 1 when a 304
 * revalidated the stored response and it answers instead (its head is
 * built, resp_mode is BODY_CACHE or BODY_NONE); or -1 when that head cannot
 * be built (the caller fails the exchange).
 */
int cache_serve_response(struct exchange *, const struct http_response *);
/* proxy_build_response: 1 when the cache drops the header h. */
int cache_serve_header(struct exchange *, const struct http_header *h);
/* proxy_build_response: X-Cache and Age, before the body's own headers. */
void cache_serve_headers(struct exchange *, struct buf *);
/* The exchange is over (abort: still in flight, release what waits). */
void cache_serve_abort(struct exchange *);
/* After an unsafe method's 2xx/3xx: drop the stored responses it touches. */
void cache_serve_invalidate(struct exchange *, const struct http_response *);
void cache_serve_free(struct exchange *);
struct route_stats;
void cache_serve_account(struct exchange *, struct route_stats *);

/* exchange.c: the backend's bytes, and its end (through struct backend_conn_cb). */
void proxy_up_data(struct exchange *);
void proxy_up_eof(struct exchange *, int error);

#endif
