/* SPDX-License-Identifier: ISC */
/* Strict HTTP/1.x message-head parsing and chunked framing, with no I/O. */
#ifndef FD_HTTP_H
#define FD_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The header fields frontdoor knows, recognised once by the parser: each has
 * one entry in http.c's table, with its name and its HTTP_H_* flags.
 */
enum http_hdr {
	HTTP_HDR_OTHER = 0, /* a field the table does not know */
	HTTP_HDR_HOST,
	HTTP_HDR_CONTENT_LENGTH,
	HTTP_HDR_TRANSFER_ENCODING,
	HTTP_HDR_CONNECTION,
	HTTP_HDR_KEEP_ALIVE,
	HTTP_HDR_PROXY_CONNECTION,
	HTTP_HDR_TE,
	HTTP_HDR_TRAILER,
	HTTP_HDR_UPGRADE,
	HTTP_HDR_EXPECT,
	HTTP_HDR_ACCEPT,
	HTTP_HDR_X_FORWARDED_FOR,
	HTTP_HDR_X_FORWARDED_PROTO,
	HTTP_HDR_X_FORWARDED_HOST,
	HTTP_HDR_X_REAL_IP,
	HTTP_HDR_X_REQUEST_ID,
	HTTP_HDR_PROXY_AUTHENTICATE,
	HTTP_HDR_PROXY_AUTHORIZATION,
	HTTP_HDR_FORWARDED,
	HTTP_HDR_X_REMOTE_USER,
	HTTP_HDR_SERVER_TIMING,
	HTTP_HDR_CONTENT_DIGEST,
	HTTP_HDR_REPR_DIGEST,
	HTTP_HDR_DIGEST,
	HTTP_HDR_CONTENT_MD5,
	HTTP_HDR_GRPC_STATUS,
	HTTP_HDR_GRPC_MESSAGE,
	HTTP_HDR_GRPC_STATUS_DETAILS_BIN,
	HTTP_HDR_COUNT
};

/*
 * What a field is to a proxy: the bits of http_header_flags().  Every
 * rewrite of a head asks these instead of naming fields itself.
 */
/* For one connection only (RFC 9110 7.6.1): never forwarded. */
#define HTTP_H_HOP_BY_HOP 0x01
/* Where the body ends (RFC 9112 6): frontdoor frames what it sends. */
#define HTTP_H_FRAMING 0x02
/* The request to a backend carries frontdoor's own, never the client's. */
#define HTTP_H_OURS 0x04
/*
 * Who the client is or which request this is (X-Forwarded-For, X-Real-IP,
 * X-Request-Id, X-Remote-User): frontdoor's or the gate's to set, never a
 * client's, in any spelling.
 */
#define HTTP_H_IDENTITY 0x08
/* A proxy's account of the request (Forwarded): only a trusted one's. */
#define HTTP_H_PROXY 0x10
/* Describes the body, not its framing or route: may cross in a trailer. */
#define HTTP_H_TRAILER_OK 0x20

/*
 * The flags of the field named name[0, len), compared without case; 0 for
 * a name the table does not know.
 */
unsigned http_header_flags(const char *name, size_t len);

/* Whether s[0, n) is a token (RFC 9110 5.6.2): a field name, say. */
int http_is_token(const char *s, size_t n);

/* The flags of a parsed field by its id: no second look at the name. */
unsigned http_hdr_flags(enum http_hdr);

struct http_header {
	const char   *name;
	size_t        name_len;
	const char   *value; /* leading and trailing OWS removed */
	size_t        value_len;
	enum http_hdr id;
};

enum http_method {
	HTTP_M_OTHER = 0,
	HTTP_M_GET,
	HTTP_M_HEAD,
	HTTP_M_POST,
	HTTP_M_PUT,
	HTTP_M_DELETE,
	HTTP_M_OPTIONS,
	HTTP_M_PATCH,
	HTTP_M_TRACE,
	HTTP_M_CONNECT,
};

struct http_limits {
	size_t max_head;    /* request line + headers + blank line */
	size_t max_uri;     /* request target */
	size_t max_headers; /* header count (<= the hdrs array size) */
};

/* A response head, a backend's or a stored one, has at most these fields. */
#define HTTP_RESP_MAX_HEADERS 128

/* The limits of a response head of at most max_head bytes. */
static inline struct http_limits
http_response_limits(size_t max_head)
{
	return (
	    struct http_limits){ max_head, max_head, HTTP_RESP_MAX_HEADERS };
}

/* Bits of http_request.flags and http_response.flags. */
#define HTTP_F_CONTENT_LENGTH  0x0001 /* a Content-Length was given */
#define HTTP_F_CHUNKED         0x0002 /* Transfer-Encoding ends in chunked */
#define HTTP_F_KEEP_ALIVE      0x0004 /* persistent per version + Connection */
#define HTTP_F_CONN_CLOSE      0x0008 /* Connection: close was sent */
#define HTTP_F_CONN_UPGRADE    0x0010 /* Connection names "upgrade" */
#define HTTP_F_UPGRADE         0x0020 /* an Upgrade header is present */
#define HTTP_F_EXPECT_CONTINUE 0x0040 /* Expect: 100-continue */
#define HTTP_F_ACCEPT_HTML     0x0080 /* Accept names text/html or * / * */
#define HTTP_F_ABSOLUTE_FORM   0x0100 /* target was http://host/path */
#define HTTP_F_TE_CLOSE                                                        \
	0x0200 /* response: codings, no chunked:
					 the body ends at close */

struct http_request {
	const char         *method;
	size_t              method_len;
	enum http_method    meth;
	const char         *target; /* as sent (origin-form after parse
						   of an absolute-form: see path) */
	size_t              target_len;
	const char         *path; /* origin-form target, from '/' up to
						   and including the query */
	size_t              path_len;
	size_t              path_only_len; /* length of path before any '?' */
	int                 version;       /* 10 or 11 */
	struct http_header *headers;
	size_t              nheaders;
	const char         *host; /* Host value (or the authority of an
						   absolute-form target); NULL if none */
	size_t              host_len;
	uint64_t            content_length;
	unsigned            flags; /* HTTP_F_* */
};

struct http_response {
	int                 version; /* 10 or 11 */
	int                 status;  /* 100..599 */
	const char         *reason;
	size_t              reason_len;
	struct http_header *headers;
	size_t              nheaders;
	uint64_t            content_length;
	unsigned            flags; /* HTTP_F_* */
};

/*
 * Parse a request head from buf[0, len).  hdrs has room for limits->max_headers
 * entries; the parsed fields point into buf.
 * Returns the length of the head (through the empty line) when complete;
 * 0 when more bytes are needed (and none of the limits is passed yet);
 * a negative HTTP status when the head is invalid: -400 malformed (every
 * strict-parsing case of frontdoord(8)), -414 target longer than max_uri, -431 head
 * longer than max_head or more headers than max_headers, -505 a version other
 * than HTTP/1.0 or HTTP/1.1.  When errp is not NULL, *errp is set to a short
 * static reason on error (for the debug log).
 */
int http_parse_request(const char *buf, size_t len, const struct http_limits *,
    struct http_request *, struct http_header *hdrs, const char **errp);

/*
 * Parse a response head from a backend.  Same return convention; any error
 * is returned as -502 (the backend sent garbage) and too large a head as -502
 * too.  A response with both Content-Length and chunked is accepted as chunked
 * with HTTP_F_CONTENT_LENGTH cleared and HTTP_F_KEEP_ALIVE cleared.  One
 * Transfer-Encoding field listing codings without chunked, and no
 * Content-Length, is HTTP_F_TE_CLOSE: its body is read until the backend
 * closes (RFC 9112 6.3); any other Transfer-Encoding is an error.
 */
int http_parse_response(const char *buf, size_t len, const struct http_limits *,
    struct http_response *, struct http_header *hdrs, const char **errp);

/*
 * Whether s[0, n) is a host name (letters, digits, '-', '_', '.') or an IP
 * literal in brackets, then an optional port of one to five digits: what a
 * Host field may hold.
 */
int http_host_valid(const char *s, size_t n);

/*
 * Whether the comma-separated list v[0, len) (a field value: Vary,
 * Cache-Control, If-None-Match) has the element tok (in lower case), in
 * any case.
 */
int http_list_has(const char *v, size_t len, const char *tok);

/*
 * Whether a recognised header is hop-by-hop (RFC 9110 7.6.1): Connection,
 * Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade, Transfer-Encoding,
 * those with HTTP_H_HOP_BY_HOP in the table.  Headers named in Connection
 * are hop-by-hop too: http_connection_names().
 */
int http_hop_by_hop(enum http_hdr);

/*
 * Append to out those of the trailer lines tr[0, len) (as kept by the
 * chunked decoder) that may cross a proxy: the fields with
 * HTTP_H_TRAILER_OK, which describe the body (Server-Timing, digests, gRPC
 * status); never framing, routing or identity fields.  out may be tr itself.  Returns the bytes
 * appended (at most len).
 */
size_t http_trailers_filter(const char *tr, size_t len, char *out);

/*
 * Whether a header (name, len) is named by a token of any Connection header
 * among hdrs.  Case-insensitive.
 */
int http_connection_names(const struct http_header *hdrs, size_t nhdrs,
    const char *name, size_t len);

/*
 * Whether field h of a message whose fields are hdrs[0, n) goes on to the
 * next hop: it is neither this hop's (hop-by-hop, or named by Connection)
 * nor framing, which each hop writes for itself.
 */
int http_field_forwarded(const struct http_header *hdrs, size_t n,
    const struct http_header *h);

/* Whether the response to this request/status carries no body at all. */
int http_response_bodyless(enum http_method req_method, int status);

/* The reason phrase for a status ("Not Found"); "Unknown" when none. */
const char *http_reason(int status);

/*
 * Chunked transfer coding, incrementally.  Sizes may not overflow 2^63; a
 * chunk-size line (with extensions) is at most 4 KiB and the trailer section
 * at most max_trailer bytes.  Every line ends in CRLF: a bare CR or a bare LF
 * anywhere in the framing is an error (servers that take a bare LF as a line
 * end and those that do not would see other chunk boundaries).
 */
struct http_chunked {
	int      state;
	uint64_t remaining;   /* bytes left in the current chunk's data */
	uint64_t data_total;  /* data bytes seen so far */
	size_t   line_len;    /* bytes of the current size/trailer line */
	size_t   trailer_len; /* bytes of trailer section so far */
	size_t   max_trailer;
	int      digits;
	/*
	 * When not NULL (set after init, with room for max_trailer bytes):
	 * the trailer fields are kept here as they came, each line ending in
	 * CRLF, without the final empty line.
	 */
	char  *trailers;
	size_t trailers_len;
};
void http_chunked_init(struct http_chunked *, size_t max_trailer);
/* The bytes of a trailer section kept, each way (the rest is an error). */
#define HTTP_MAX_TRAILER (8 * 1024)
/*
 * Pass-through: walk len bytes of chunked body without changing them.
 * Returns how many of the bytes belong to the body (all of them, or fewer
 * when the body ends inside buf); *done is set to 1 when the message's last
 * byte has been seen.  -1 on a framing error.
 */
ssize_t http_chunked_scan(struct http_chunked *, const char *buf, size_t len,
    int *done);
/*
 * Decode: consume bytes of chunked body from buf[0, len), move the data bytes
 * to the start of buf (in place), and return how many data bytes there are;
 * *consumed is how many input bytes were used; *done as above.  -1 on error.
 */
ssize_t http_chunked_decode(struct http_chunked *, char *buf, size_t len,
    size_t *consumed, int *done);

#endif
