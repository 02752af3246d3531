/* SPDX-License-Identifier: ISC */
/* Strict single-pass parsing of HTTP/1.x heads and chunked framing, no I/O. */

#include <limits.h>
#include <string.h>

#include "http.h"
#include "util.h"

/*
 * Byte classes.  Every class implies those below it in the list, which keeps
 * the table to one name per byte:
 * value (HTAB, SP, VCHAR, obs-text) > target (VCHAR) > token / host > hex.
 */
#define HTTP_C_VALUE 0x01 /* allowed in a field value */
#define HTTP_C_URI   0x02 /* allowed in a request target */
#define HTTP_C_TCHAR 0x04 /* token character (RFC 9110 5.6.2) */
#define HTTP_C_HOST  0x08 /* reg-name: unreserved, sub-delims, '%' */
#define HTTP_C_HEX   0x10
#define HTTP_C_DIGIT 0x20

#define CV  HTTP_C_VALUE
#define CU  (CV | HTTP_C_URI)
#define CT  (CU | HTTP_C_TCHAR)
#define CH  (CU | HTTP_C_HOST)
#define CTH (CT | HTTP_C_HOST)
#define CX  (CTH | HTTP_C_HEX)
#define CD  (CX | HTTP_C_DIGIT)

/* Eight bytes a line; clang-format would give each byte its own line. */
/* clang-format off */
static const unsigned char http_ctype[256] = {
	0, 0, 0, 0, 0, 0, 0, 0,
	0, CV, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0,
	CV, CTH, CU, CT, CTH, CTH, CTH, CTH,	/*  !"#$%&' */
	CH, CH, CTH, CTH, CH, CTH, CTH, CU,	/* ()*+,-./ */
	CD, CD, CD, CD, CD, CD, CD, CD,		/* 01234567 */
	CD, CD, CU, CH, CU, CH, CU, CU,		/* 89:;<=>? */
	CU, CX, CX, CX, CX, CX, CX, CTH,	/* @ABCDEFG */
	CTH, CTH, CTH, CTH, CTH, CTH, CTH, CTH,
	CTH, CTH, CTH, CTH, CTH, CTH, CTH, CTH,
	CTH, CTH, CTH, CU, CU, CU, CT, CTH,	/* XYZ[\]^_ */
	CT, CX, CX, CX, CX, CX, CX, CTH,	/* `abcdefg */
	CTH, CTH, CTH, CTH, CTH, CTH, CTH, CTH,
	CTH, CTH, CTH, CTH, CTH, CTH, CTH, CTH,
	CTH, CTH, CTH, CU, CT, CU, CTH, 0,	/* xyz{|}~DEL */
	CV, CV, CV, CV, CV, CV, CV, CV,
	CV, CV, CV, CV, CV, CV, CV, CV,
	CV, CV, CV, CV, CV, CV, CV, CV,
	CV, CV, CV, CV, CV, CV, CV, CV,
	CV, CV, CV, CV, CV, CV, CV, CV,
	CV, CV, CV, CV, CV, CV, CV, CV,
	CV, CV, CV, CV, CV, CV, CV, CV,
	CV, CV, CV, CV, CV, CV, CV, CV,
	CV, CV, CV, CV, CV, CV, CV, CV,
	CV, CV, CV, CV, CV, CV, CV, CV,
	CV, CV, CV, CV, CV, CV, CV, CV,
	CV, CV, CV, CV, CV, CV, CV, CV,
	CV, CV, CV, CV, CV, CV, CV, CV,
	CV, CV, CV, CV, CV, CV, CV, CV,
	CV, CV, CV, CV, CV, CV, CV, CV,
	CV, CV, CV, CV, CV, CV, CV, CV,
};
/* clang-format on */

#undef CV
#undef CU
#undef CT
#undef CH
#undef CTH
#undef CX
#undef CD

#define HTTP_IS(c, k) (http_ctype[(unsigned char)(c)] & (k))
#define HTTP_IS_WS(c) ((c) == ' ' || (c) == '\t')

/*
 * Eight bytes at a time for the long runs (values and targets), as in
 * picohttpparser without SSE: a word with no byte below 0x20 and no 0x7f is
 * all field-value bytes (HTAB stops the word, and the byte loop takes it).
 * The tests are exact: a word is flagged only when one of its bytes is.
 */
#define HTTP_ONES       0x0101010101010101ULL
#define HTTP_HIGHS      0x8080808080808080ULL
#define HTTP_LESS(x, n) (((x)-HTTP_ONES * (n)) & ~(x)&HTTP_HIGHS)
#define HTTP_HAS(x, n)  HTTP_LESS((x) ^ (HTTP_ONES * (n)), 1)

static inline uint64_t
http_word(const char *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof x);
	return x;
}

/* Skip field-value bytes (HTAB, SP, VCHAR, obs-text). */
static inline const char *
http_skip_value(const char *p, const char *end)
{
	uint64_t x;

	while (end - p >= 8) {
		x = http_word(p);
		if (HTTP_LESS(x, 0x20) | HTTP_HAS(x, 0x7f))
			break;
		p += 8;
	}
	while (p < end && HTTP_IS(*p, HTTP_C_VALUE))
		p++;
	return p;
}

/* Skip request-target bytes (VCHAR). */
static inline const char *
http_skip_uri(const char *p, const char *end)
{
	uint64_t x;

	while (end - p >= 8) {
		x = http_word(p);
		if (HTTP_LESS(x, 0x21) | HTTP_HAS(x, 0x7f) | (x & HTTP_HIGHS))
			break;
		p += 8;
	}
	while (p < end && HTTP_IS(*p, HTTP_C_URI))
		p++;
	return p;
}

/* Internal result for "need more bytes"; errors are negative statuses. */
#define HTTP_AGAIN 1

/* Largest Content-Length or chunk size: what fits an off_t. */
#define HTTP_SIZE_MAX ((uint64_t)INT64_MAX)

/* A chunk-size line with its extensions. */
#define HTTP_CHUNK_LINE_MAX 4096

/* What one pass over the header fields learnt, before the final checks. */
struct http_head {
	const char         *p;
	const char         *end;
	int                 request;
	int                 version;
	struct http_header *hdrs;
	size_t              nhdrs;
	size_t              max_headers;
	unsigned            flags;
	const char         *err;

	int         absolute; /* target was in absolute-form */
	int         nhost;
	size_t      host_hdr_len; /* the Host field's length */
	const char *host;         /* the authority wins over Host */
	size_t      host_len;

	int      ncl;
	uint64_t cl;

	int te;         /* a Transfer-Encoding was seen */
	int te_chunked; /* the last coding is chunked */
	int te_other;   /* response: codings, none of them chunked */

	int conn_keep_alive;
	int accept_seen;
};

static int
http_bad(struct http_head *h, const char *err)
{
	h->err = err;
	return -400;
}

static inline int
http_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Case-insensitive compare of s[0, n) with the lower-case literal lit. */
static int
http_ieq(const char *s, size_t n, const char *lit, size_t litlen)
{
	size_t i;

	if (n != litlen)
		return 0;
	for (i = 0; i < n; i++) {
		if (http_lower((unsigned char)s[i]) != (unsigned char)lit[i])
			return 0;
	}
	return 1;
}

#define HTTP_IEQ(s, n, lit) http_ieq((s), (n), (lit), sizeof(lit) - 1)

/*
 * Walk a comma-separated list: store the next element (OWS trimmed) in
 * *elem and *elen and return 1; 0 at the end.  Empty elements are skipped,
 * as RFC 9110 5.6.1 asks of recipients.
 */
static int
http_list_next(const char **pp, const char *end, const char **elem,
    size_t *elen)
{
	const char *p = *pp, *s, *e;

	for (;;) {
		while (p < end && (HTTP_IS_WS(*p) || *p == ','))
			p++;
		if (p == end) {
			*pp = p;
			return 0;
		}
		s = p;
		while (p < end && *p != ',')
			p++;
		e = p;
		while (e > s && HTTP_IS_WS(e[-1]))
			e--;
		if (e > s)
			break;
	}
	*pp = p;
	*elem = s;
	*elen = e - s;
	return 1;
}

int
http_list_has(const char *v, size_t len, const char *tok)
{
	const char *p = v, *e;
	size_t      elen, tl = strlen(tok);

	while (http_list_next(&p, v + len, &e, &elen)) {
		if (http_ieq(e, elen, tok, tl))
			return 1;
	}
	return 0;
}

int
http_is_token(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (!HTTP_IS(s[i], HTTP_C_TCHAR))
			return 0;
	}
	return 1;
}

/*
 * Whether s[0, n) is a host name or an IP literal in brackets, then an
 * optional port of one to five digits.  Names are held to letters, digits,
 * '-', '_' and '.': RFC 3986's reg-name also allows sub-delims and
 * percent-encoding, but no name that resolves has them, and a ',' or ';'
 * would let a Host read as a list to one server and a name to another.
 */
int
http_host_valid(const char *s, size_t n)
{
	const char   *p = s, *end = s + n;
	size_t        digits;
	unsigned char ch;

	if (p == end)
		return 0;
	if (*p == '[') {
		for (p++; p < end && *p != ']'; p++) {
			if (!HTTP_IS(*p, HTTP_C_HEX) && *p != ':' && *p != '.')
				return 0;
		}
		if (p == end || p == s + 1)
			return 0;
		p++;
	} else {
		for (; p < end; p++) {
			ch = (unsigned char)*p;
			if (!((ch >= 'a' && ch <= 'z') ||
			        (ch >= 'A' && ch <= 'Z') ||
			        (ch >= '0' && ch <= '9') || ch == '-' ||
			        ch == '_' || ch == '.'))
				break;
		}
		if (p == s)
			return 0;
	}
	if (p == end)
		return 1;
	if (*p++ != ':')
		return 0;
	for (digits = 0; p < end; p++, digits++) {
		if (!HTTP_IS(*p, HTTP_C_DIGIT))
			return 0;
	}
	return digits >= 1 && digits <= 5;
}

static enum http_method
http_method_id(const char *m, size_t n)
{
	switch (n) {
	case 3:
		if (memcmp(m, "GET", 3) == 0)
			return HTTP_M_GET;
		if (memcmp(m, "PUT", 3) == 0)
			return HTTP_M_PUT;
		break;
	case 4:
		if (memcmp(m, "HEAD", 4) == 0)
			return HTTP_M_HEAD;
		if (memcmp(m, "POST", 4) == 0)
			return HTTP_M_POST;
		break;
	case 5:
		if (memcmp(m, "PATCH", 5) == 0)
			return HTTP_M_PATCH;
		if (memcmp(m, "TRACE", 5) == 0)
			return HTTP_M_TRACE;
		break;
	case 6:
		if (memcmp(m, "DELETE", 6) == 0)
			return HTTP_M_DELETE;
		break;
	case 7:
		if (memcmp(m, "OPTIONS", 7) == 0)
			return HTTP_M_OPTIONS;
		if (memcmp(m, "CONNECT", 7) == 0)
			return HTTP_M_CONNECT;
		break;
	}
	return HTTP_M_OTHER;
}

/*
 * The one table of the header fields frontdoor knows: name in lower case,
 * and what the field is to a proxy.  Indexed by enum http_hdr.
 */
/* clang-format off */
#define HTTP_HDR_DEF(n, f) { n, sizeof(n) - 1, f }
/* clang-format on */
static const struct http_hdr_def {
	const char *name;
	size_t      len;
	unsigned    flags;
} http_hdr_table[HTTP_HDR_COUNT] = {
	[HTTP_HDR_OTHER] = HTTP_HDR_DEF("", 0),
	[HTTP_HDR_HOST] = HTTP_HDR_DEF("host", HTTP_H_OURS),
	[HTTP_HDR_CONTENT_LENGTH] =
	    HTTP_HDR_DEF("content-length", HTTP_H_FRAMING),
	[HTTP_HDR_TRANSFER_ENCODING] = HTTP_HDR_DEF("transfer-encoding",
	    HTTP_H_HOP_BY_HOP | HTTP_H_FRAMING),
	[HTTP_HDR_CONNECTION] = HTTP_HDR_DEF("connection", HTTP_H_HOP_BY_HOP),
	[HTTP_HDR_KEEP_ALIVE] = HTTP_HDR_DEF("keep-alive", HTTP_H_HOP_BY_HOP),
	[HTTP_HDR_PROXY_CONNECTION] =
	    HTTP_HDR_DEF("proxy-connection", HTTP_H_HOP_BY_HOP),
	[HTTP_HDR_TE] = HTTP_HDR_DEF("te", HTTP_H_HOP_BY_HOP),
	[HTTP_HDR_TRAILER] = HTTP_HDR_DEF("trailer", HTTP_H_HOP_BY_HOP),
	[HTTP_HDR_UPGRADE] = HTTP_HDR_DEF("upgrade", HTTP_H_HOP_BY_HOP),
	[HTTP_HDR_EXPECT] = HTTP_HDR_DEF("expect", 0),
	[HTTP_HDR_ACCEPT] = HTTP_HDR_DEF("accept", 0),
	[HTTP_HDR_X_FORWARDED_FOR] =
	    HTTP_HDR_DEF("x-forwarded-for", HTTP_H_OURS | HTTP_H_IDENTITY),
	[HTTP_HDR_X_FORWARDED_PROTO] =
	    HTTP_HDR_DEF("x-forwarded-proto", HTTP_H_OURS | HTTP_H_IDENTITY),
	[HTTP_HDR_X_FORWARDED_HOST] =
	    HTTP_HDR_DEF("x-forwarded-host", HTTP_H_OURS | HTTP_H_IDENTITY),
	[HTTP_HDR_X_REAL_IP] =
	    HTTP_HDR_DEF("x-real-ip", HTTP_H_OURS | HTTP_H_IDENTITY),
	[HTTP_HDR_X_REQUEST_ID] =
	    HTTP_HDR_DEF("x-request-id", HTTP_H_OURS | HTTP_H_IDENTITY),
	[HTTP_HDR_PROXY_AUTHENTICATE] = HTTP_HDR_DEF("proxy-authenticate", 0),
	[HTTP_HDR_PROXY_AUTHORIZATION] = HTTP_HDR_DEF("proxy-authorization", 0),
	[HTTP_HDR_FORWARDED] = HTTP_HDR_DEF("forwarded", HTTP_H_PROXY),
	/* The gate sets it for a route with auth_file. */
	[HTTP_HDR_X_REMOTE_USER] =
	    HTTP_HDR_DEF("x-remote-user", HTTP_H_IDENTITY),
	[HTTP_HDR_SERVER_TIMING] =
	    HTTP_HDR_DEF("server-timing", HTTP_H_TRAILER_OK),
	[HTTP_HDR_CONTENT_DIGEST] =
	    HTTP_HDR_DEF("content-digest", HTTP_H_TRAILER_OK),
	[HTTP_HDR_REPR_DIGEST] = HTTP_HDR_DEF("repr-digest", HTTP_H_TRAILER_OK),
	[HTTP_HDR_DIGEST] = HTTP_HDR_DEF("digest", HTTP_H_TRAILER_OK),
	[HTTP_HDR_CONTENT_MD5] = HTTP_HDR_DEF("content-md5", HTTP_H_TRAILER_OK),
	[HTTP_HDR_GRPC_STATUS] = HTTP_HDR_DEF("grpc-status", HTTP_H_TRAILER_OK),
	[HTTP_HDR_GRPC_MESSAGE] =
	    HTTP_HDR_DEF("grpc-message", HTTP_H_TRAILER_OK),
	[HTTP_HDR_GRPC_STATUS_DETAILS_BIN] =
	    HTTP_HDR_DEF("grpc-status-details-bin", HTTP_H_TRAILER_OK),
};

/* Return id from http_header_id() when s[0, n) is the table's name for it. */
#define HTTP_HDR_TRY(id)                                                       \
	do {                                                                   \
		if (http_ieq(s, n, http_hdr_table[id].name,                    \
		        http_hdr_table[id].len))                               \
			return (id);                                           \
	} while (0)

/*
 * A name's entry in the table: by length first, so most names cost one
 * switch and at most three compares.  Every entry is under its length here
 * (the unit test looks each one up).
 */
static enum http_hdr
http_header_id(const char *s, size_t n)
{
	switch (n) {
	case 2:
		HTTP_HDR_TRY(HTTP_HDR_TE);
		break;
	case 4:
		HTTP_HDR_TRY(HTTP_HDR_HOST);
		break;
	case 6:
		HTTP_HDR_TRY(HTTP_HDR_ACCEPT);
		HTTP_HDR_TRY(HTTP_HDR_EXPECT);
		HTTP_HDR_TRY(HTTP_HDR_DIGEST);
		break;
	case 7:
		HTTP_HDR_TRY(HTTP_HDR_UPGRADE);
		HTTP_HDR_TRY(HTTP_HDR_TRAILER);
		break;
	case 9:
		HTTP_HDR_TRY(HTTP_HDR_X_REAL_IP);
		HTTP_HDR_TRY(HTTP_HDR_FORWARDED);
		break;
	case 10:
		HTTP_HDR_TRY(HTTP_HDR_CONNECTION);
		HTTP_HDR_TRY(HTTP_HDR_KEEP_ALIVE);
		break;
	case 11:
		HTTP_HDR_TRY(HTTP_HDR_REPR_DIGEST);
		HTTP_HDR_TRY(HTTP_HDR_CONTENT_MD5);
		HTTP_HDR_TRY(HTTP_HDR_GRPC_STATUS);
		break;
	case 12:
		HTTP_HDR_TRY(HTTP_HDR_X_REQUEST_ID);
		HTTP_HDR_TRY(HTTP_HDR_GRPC_MESSAGE);
		break;
	case 13:
		HTTP_HDR_TRY(HTTP_HDR_X_REMOTE_USER);
		HTTP_HDR_TRY(HTTP_HDR_SERVER_TIMING);
		break;
	case 14:
		HTTP_HDR_TRY(HTTP_HDR_CONTENT_LENGTH);
		HTTP_HDR_TRY(HTTP_HDR_CONTENT_DIGEST);
		break;
	case 15:
		HTTP_HDR_TRY(HTTP_HDR_X_FORWARDED_FOR);
		break;
	case 16:
		HTTP_HDR_TRY(HTTP_HDR_PROXY_CONNECTION);
		HTTP_HDR_TRY(HTTP_HDR_X_FORWARDED_HOST);
		break;
	case 17:
		HTTP_HDR_TRY(HTTP_HDR_TRANSFER_ENCODING);
		HTTP_HDR_TRY(HTTP_HDR_X_FORWARDED_PROTO);
		break;
	case 18:
		HTTP_HDR_TRY(HTTP_HDR_PROXY_AUTHENTICATE);
		break;
	case 19:
		HTTP_HDR_TRY(HTTP_HDR_PROXY_AUTHORIZATION);
		break;
	case 23:
		HTTP_HDR_TRY(HTTP_HDR_GRPC_STATUS_DETAILS_BIN);
		break;
	}
	return HTTP_HDR_OTHER;
}

unsigned
http_header_flags(const char *name, size_t len)
{
	return http_hdr_table[http_header_id(name, len)].flags;
}

unsigned
http_hdr_flags(enum http_hdr id)
{
	return (unsigned)id < HTTP_HDR_COUNT ? http_hdr_table[id].flags : 0;
}

/*
 * Content-Length = 1*DIGIT, or a list of identical values (RFC 9110 8.6).
 * Every value of every Content-Length field must agree.
 */
static int
http_content_length(struct http_head *h, const char *v, size_t n)
{
	const char *p = v, *end = v + n;
	uint64_t    cl;
	unsigned    d;

	if (n == 0)
		return http_bad(h, "empty Content-Length");
	for (;;) {
		if (p == end || !HTTP_IS(*p, HTTP_C_DIGIT))
			return http_bad(h, "bad Content-Length");
		cl = 0;
		while (p < end && HTTP_IS(*p, HTTP_C_DIGIT)) {
			d = *p++ - '0';
			if (cl > (HTTP_SIZE_MAX - d) / 10)
				return http_bad(h, "Content-Length overflows");
			cl = cl * 10 + d;
		}
		if (h->ncl++ > 0 && cl != h->cl)
			return http_bad(h, "conflicting Content-Length");
		h->cl = cl;
		while (p < end && HTTP_IS_WS(*p))
			p++;
		if (p == end)
			return 0;
		if (*p++ != ',')
			return http_bad(h, "bad Content-Length");
		while (p < end && HTTP_IS_WS(*p))
			p++;
	}
}

/*
 * A response's list of codings without chunked ("gzip", "x-custom, gzip"):
 * every member a token without parameters, no member empty.  Such a body
 * ends when the backend closes (RFC 9112 6.3); there is nothing to desync,
 * as that connection is never used again.
 */
static int
http_codings_unchunked(const char *v, size_t n)
{
	const char *p = v, *end = v + n, *s, *e;

	for (;;) {
		while (p < end && HTTP_IS_WS(*p))
			p++;
		s = p;
		while (p < end && *p != ',')
			p++;
		e = p;
		while (e > s && HTTP_IS_WS(e[-1]))
			e--;
		if (!http_is_token(s, e - s) || HTTP_IEQ(s, e - s, "chunked"))
			return 0;
		if (p == end)
			return 1;
		p++; /* the comma */
	}
}

/*
 * Transfer-Encoding is accepted only as exactly "chunked", in one field
 * (RFC 9112 6.1 allows codings before it and lists over several fields, but
 * every such spelling is read differently by some server behind us: a proxy
 * that frames bodies itself has no use for them, and refusing them closes
 * the TE.TE family of desyncs).
 */
static int
http_transfer_encoding(struct http_head *h, const char *v, size_t n)
{
	if (h->te++ > 0)
		return http_bad(h, "repeated Transfer-Encoding");
	if (HTTP_IEQ(v, n, "chunked")) {
		h->te_chunked = 1;
		return 0;
	}
	if (!h->request && http_codings_unchunked(v, n)) {
		h->te_other = 1;
		return 0;
	}
	return http_bad(h, "Transfer-Encoding other than chunked");
}

static int
http_connection(struct http_head *h, const char *v, size_t n)
{
	const char *p = v, *end = v + n, *e;
	size_t      elen;

	while (http_list_next(&p, end, &e, &elen)) {
		if (!http_is_token(e, elen))
			return http_bad(h, "bad Connection");
		if (HTTP_IEQ(e, elen, "close"))
			h->flags |= HTTP_F_CONN_CLOSE;
		else if (HTTP_IEQ(e, elen, "keep-alive"))
			h->conn_keep_alive = 1;
		else if (HTTP_IEQ(e, elen, "upgrade"))
			h->flags |= HTTP_F_CONN_UPGRADE;
	}
	return 0;
}

/* Whether the parameters of a media range (after its ';') say q=0. */
static int
http_accept_q0(const char *p, const char *end)
{
	const char *e;
	size_t      elen, i;

	while (p < end) {
		while (p < end && (HTTP_IS_WS(*p) || *p == ';'))
			p++;
		e = p;
		while (p < end && *p != ';')
			p++;
		elen = p - e;
		while (elen > 0 && HTTP_IS_WS(e[elen - 1]))
			elen--;
		if (elen < 3 || http_lower(e[0]) != 'q' || e[1] != '=')
			continue;
		if (e[2] != '0')
			return 0;
		if (elen == 3)
			return 1;
		if (e[3] != '.')
			return 0;
		for (i = 4; i < elen; i++) {
			if (e[i] != '0')
				return 0;
		}
		return 1;
	}
	return 0;
}

/* Accept names text/html, text/(any) or (any)/(any) with q above zero. */
static void
http_accept(struct http_head *h, const char *v, size_t n)
{
	const char *p = v, *end = v + n, *e, *eend, *semi;
	size_t      elen, mlen;

	h->accept_seen = 1;
	while (http_list_next(&p, end, &e, &elen)) {
		eend = e + elen;
		semi = memchr(e, ';', elen);
		if (semi == NULL)
			semi = eend;
		mlen = semi - e;
		while (mlen > 0 && HTTP_IS_WS(e[mlen - 1]))
			mlen--;
		if (!HTTP_IEQ(e, mlen, "text/html") &&
		    !HTTP_IEQ(e, mlen, "text/*") && !HTTP_IEQ(e, mlen, "*/*"))
			continue;
		if (!http_accept_q0(semi, eend)) {
			h->flags |= HTTP_F_ACCEPT_HTML;
			return;
		}
	}
}

/* Act on one field the proxy cares about. */
static int
http_header_apply(struct http_head *h, const struct http_header *hdr)
{
	switch (hdr->id) {
	case HTTP_HDR_HOST:
		if (!h->request)
			break;
		if (h->nhost++ > 0)
			return http_bad(h, "duplicate Host");
		if (hdr->value_len != 0 &&
		    !http_host_valid(hdr->value, hdr->value_len))
			return http_bad(h, "bad Host");
		h->host_hdr_len = hdr->value_len;
		if (!h->absolute) {
			h->host = hdr->value;
			h->host_len = hdr->value_len;
		}
		break;
	case HTTP_HDR_CONTENT_LENGTH:
		return http_content_length(h, hdr->value, hdr->value_len);
	case HTTP_HDR_TRANSFER_ENCODING:
		return http_transfer_encoding(h, hdr->value, hdr->value_len);
	case HTTP_HDR_CONNECTION:
		return http_connection(h, hdr->value, hdr->value_len);
	case HTTP_HDR_UPGRADE:
		h->flags |= HTTP_F_UPGRADE;
		break;
	case HTTP_HDR_EXPECT:
		if (h->request &&
		    HTTP_IEQ(hdr->value, hdr->value_len, "100-continue"))
			h->flags |= HTTP_F_EXPECT_CONTINUE;
		break;
	case HTTP_HDR_ACCEPT:
		if (h->request)
			http_accept(h, hdr->value, hdr->value_len);
		break;
	default:
		break;
	}
	return 0;
}

/*
 * Parse header fields from h->p up to and including the empty line that
 * ends the head.  Returns 0 with h->p after the empty line, HTTP_AGAIN, or
 * a negative status (-400, or -431 for too many fields).
 */
static int
http_parse_headers(struct http_head *h)
{
	const char         *p = h->p, *end = h->end, *name, *value, *vend;
	struct http_header *hdr;
	int                 rc;

	for (;;) {
		if (p == end)
			return HTTP_AGAIN;
		if (*p == '\r') {
			if (p + 1 == end)
				return HTTP_AGAIN;
			if (p[1] != '\n')
				return http_bad(h, "bare CR");
			h->p = p + 2;
			return 0;
		}
		if (*p == '\n') {
			h->p = p + 1;
			return 0;
		}
		if (HTTP_IS_WS(*p))
			return http_bad(h,
			    "obs-fold or whitespace before a field");
		if (h->nhdrs == h->max_headers) {
			h->err = "too many header fields";
			return -431;
		}

		name = p;
		while (p < end && HTTP_IS(*p, HTTP_C_TCHAR))
			p++;
		if (p == end)
			return HTTP_AGAIN;
		if (*p != ':') {
			if (HTTP_IS_WS(*p))
				return http_bad(h, "whitespace before colon");
			return http_bad(h, "bad character in field name");
		}
		if (p == name)
			return http_bad(h, "empty field name");

		hdr = &h->hdrs[h->nhdrs];
		hdr->name = name;
		hdr->name_len = p - name;
		p++;
		while (p < end && HTTP_IS_WS(*p))
			p++;
		value = p;
		p = http_skip_value(p, end);
		if (p == end)
			return HTTP_AGAIN;
		vend = p;
		if (*p == '\r') {
			if (p + 1 == end)
				return HTTP_AGAIN;
			if (p[1] != '\n')
				return http_bad(h, "bare CR");
			p += 2;
		} else if (*p == '\n')
			p++;
		else
			return http_bad(h, "control character in field value");
		while (vend > value && HTTP_IS_WS(vend[-1]))
			vend--;
		hdr->value = value;
		hdr->value_len = vend - value;
		hdr->id = http_header_id(hdr->name, hdr->name_len);
		h->nhdrs++;
		if (hdr->id != HTTP_HDR_OTHER &&
		    (rc = http_header_apply(h, hdr)) != 0)
			return rc;
	}
}

/* Framing and persistence shared by requests and responses. */
static int
http_head_finish(struct http_head *h)
{
	if (h->te) {
		if (h->version == 10)
			return http_bad(h, "Transfer-Encoding in HTTP/1.0");
		if (h->te_other) {
			if (h->ncl > 0)
				return http_bad(h,
				    "Content-Length with transfer codings");
			h->flags |= HTTP_F_TE_CLOSE | HTTP_F_CONN_CLOSE;
		} else if (!h->te_chunked)
			return http_bad(h, "last coding is not chunked");
		else
			h->flags |= HTTP_F_CHUNKED;
	}
	if (h->ncl > 0)
		h->flags |= HTTP_F_CONTENT_LENGTH;
	if (!(h->flags & HTTP_F_CONN_CLOSE) &&
	    (h->version == 11 || h->conn_keep_alive))
		h->flags |= HTTP_F_KEEP_ALIVE;
	return 0;
}

/* Skip one line ending at *pp: 0, HTTP_AGAIN, or -400 on a bare CR. */
static int
http_eol(struct http_head *h, const char **pp)
{
	const char *p = *pp;

	if (*p == '\n') {
		*pp = p + 1;
		return 0;
	}
	if (p + 1 == h->end)
		return HTTP_AGAIN;
	if (p[1] != '\n')
		return http_bad(h, "bare CR");
	*pp = p + 2;
	return 0;
}

/* The request target, once its end is known. */
static int
http_request_target(struct http_head *h, struct http_request *req)
{
	const char *t = req->target, *end = t + req->target_len, *a, *p;
	size_t      skip;

	if (*t == '/') {
		req->path = t;
		req->path_len = req->target_len;
	} else if (req->target_len == 1 && *t == '*') {
		if (req->meth != HTTP_M_OPTIONS)
			return http_bad(h, "asterisk-form outside OPTIONS");
		req->path = t;
		req->path_len = 1;
	} else {
		if (req->target_len > 7 && HTTP_IEQ(t, 7, "http://"))
			skip = 7;
		else if (req->target_len > 8 && HTTP_IEQ(t, 8, "https://"))
			skip = 8;
		else
			return http_bad(h, "bad request target");
		a = t + skip;
		for (p = a; p < end && *p != '/' && *p != '?'; p++)
			;
		if (!http_host_valid(a, p - a))
			return http_bad(h, "bad authority in target");
		h->absolute = 1;
		h->host = a;
		h->host_len = p - a;
		if (p == end) {
			/* RFC 9112 3.2.2: an empty path is sent as "/". */
			req->path = "/";
			req->path_len = 1;
		} else if (*p == '?')
			return http_bad(h, "query without a path in target");
		else {
			req->path = p;
			req->path_len = end - p;
		}
		req->flags |= HTTP_F_ABSOLUTE_FORM;
	}
	p = memchr(req->path, '?', req->path_len);
	req->path_only_len =
	    p != NULL ? (size_t)(p - req->path) : req->path_len;
	return 0;
}

static int
http_request_line(struct http_head *h, struct http_request *req, size_t max_uri)
{
	const char *p = h->p, *end = h->end, *uend, *v;
	int         rc;

	/* RFC 9112 2.2: empty lines before the request line are ignored. */
	while (p < end && (*p == '\r' || *p == '\n')) {
		if ((rc = http_eol(h, &p)) != 0)
			return rc;
	}

	req->method = p;
	while (p < end && HTTP_IS(*p, HTTP_C_TCHAR))
		p++;
	if (p == end)
		return HTTP_AGAIN;
	if (*p != ' ')
		return http_bad(h, "bad character in method");
	if (p == req->method)
		return http_bad(h, "empty method");
	req->method_len = p - req->method;
	req->meth = http_method_id(req->method, req->method_len);
	if (req->meth == HTTP_M_CONNECT)
		return http_bad(h, "CONNECT is not supported");
	p++;

	/* Stop after max_uri bytes so a huge target is 414 at once. */
	req->target = p;
	uend = (size_t)(end - p) > max_uri ? p + max_uri : end;
	p = http_skip_uri(p, uend);
	if (p == end)
		return HTTP_AGAIN;
	if (*p != ' ') {
		if (HTTP_IS(*p, HTTP_C_URI)) {
			h->err = "request target too long";
			return -414;
		}
		return http_bad(h, "bad character in request target");
	}
	if (p == req->target)
		return http_bad(h, "empty request target");
	req->target_len = p - req->target;
	if ((rc = http_request_target(h, req)) != 0)
		return rc;
	p++;

	v = p;
	while (p < end && p - v < 8 && *p != '\r' && *p != '\n')
		p++;
	if (p == end)
		return HTTP_AGAIN;
	if (p - v == 8 && *p != '\r' && *p != '\n')
		return http_bad(h, "bad HTTP version");
	if (p - v != 8 || memcmp(v, "HTTP/", 5) != 0 ||
	    !HTTP_IS(v[5], HTTP_C_DIGIT) || v[6] != '.' ||
	    !HTTP_IS(v[7], HTTP_C_DIGIT))
		return http_bad(h, "bad HTTP version");
	/* A later 1.x is read as 1.1, the highest we have (RFC 9110 2.5). */
	if (v[5] != '1') {
		h->err = "unsupported HTTP version";
		return -505;
	}
	h->version = req->version = v[7] == '0' ? 10 : 11;
	if ((rc = http_eol(h, &p)) != 0)
		return rc;
	h->p = p;
	return 0;
}

static int
http_request_finish(struct http_head *h, struct http_request *req)
{
	int rc;

	if (h->version == 11) {
		if (h->nhost == 0)
			return http_bad(h, "missing Host");
		if (h->host_hdr_len == 0)
			return http_bad(h, "empty Host");
	}
	if (h->te && h->ncl > 0)
		return http_bad(h, "both Content-Length and Transfer-Encoding");
	if ((rc = http_head_finish(h)) != 0)
		return rc;
	if (!h->accept_seen)
		h->flags |= HTTP_F_ACCEPT_HTML;
	req->flags |= h->flags;
	req->host = h->host_len != 0 ? h->host : NULL;
	req->host_len = h->host_len;
	req->content_length = h->cl;
	req->nheaders = h->nhdrs;
	return 0;
}

/* Cap the scan at max bytes; the result must still fit an int. */
static size_t
http_window(size_t len, size_t max)
{
	if (max > INT_MAX)
		max = INT_MAX;
	return len < max ? len : max;
}

int
http_parse_request(const char *buf, size_t len, const struct http_limits *lim,
    struct http_request *req, struct http_header *hdrs, const char **errp)
{
	struct http_head h;
	size_t           max = lim->max_head;
	int              rc;

	memset(req, 0, sizeof *req);
	req->headers = hdrs;
	memset(&h, 0, sizeof h);
	h.request = 1;
	h.p = buf;
	h.end = buf + http_window(len, max);
	h.hdrs = hdrs;
	h.max_headers = lim->max_headers;

	if ((rc = http_request_line(&h, req, lim->max_uri)) == 0 &&
	    (rc = http_parse_headers(&h)) == 0)
		rc = http_request_finish(&h, req);
	if (rc == HTTP_AGAIN) {
		if (len == 0 || (len < max && len < INT_MAX))
			return 0;
		h.err = "request head too large";
		rc = -431;
	}
	if (rc < 0) {
		if (errp != NULL)
			*errp = h.err;
		return rc;
	}
	return h.p - buf;
}

static int
http_status_line(struct http_head *h, struct http_response *res)
{
	static const char proto[] = "HTTP/1.";
	const char       *p = h->p, *end = h->end;
	size_t            avail = end - p, i;
	int               rc;

	for (i = 0; i < sizeof proto - 1; i++) {
		if (i == avail)
			return HTTP_AGAIN;
		if (p[i] != proto[i])
			return http_bad(h, "bad HTTP version");
	}
	p += i;
	if (p == end)
		return HTTP_AGAIN;
	if (!HTTP_IS(*p, HTTP_C_DIGIT))
		return http_bad(h, "bad HTTP version");
	h->version = res->version = *p++ == '0' ? 10 : 11; /* 1.x: 1.1 */
	if (p == end)
		return HTTP_AGAIN;
	if (*p++ != ' ')
		return http_bad(h, "bad status line");
	for (i = 0; i < 3; i++, p++) {
		if (p == end)
			return HTTP_AGAIN;
		if (!HTTP_IS(*p, HTTP_C_DIGIT))
			return http_bad(h, "bad status code");
		res->status = res->status * 10 + (*p - '0');
	}
	/* Any three digits with a class (RFC 9110 15: an unknown code is
	 * read as its class's x00 by the client); 0xx has none. */
	if (res->status < 100)
		return http_bad(h, "bad status code");
	if (p == end)
		return HTTP_AGAIN;
	if (*p == ' ')
		p++;
	else if (*p != '\r' && *p != '\n')
		return http_bad(h, "bad status code");
	res->reason = p;
	p = http_skip_value(p, end);
	if (p == end)
		return HTTP_AGAIN;
	if (*p != '\r' && *p != '\n')
		return http_bad(h, "control character in reason");
	res->reason_len = p - res->reason;
	while (
	    res->reason_len > 0 && HTTP_IS_WS(res->reason[res->reason_len - 1]))
		res->reason_len--;
	if ((rc = http_eol(h, &p)) != 0)
		return rc;
	h->p = p;
	return 0;
}

int
http_parse_response(const char *buf, size_t len, const struct http_limits *lim,
    struct http_response *res, struct http_header *hdrs, const char **errp)
{
	struct http_head h;
	size_t           max = lim->max_head;
	int              rc, both = 0;

	memset(res, 0, sizeof *res);
	res->headers = hdrs;
	memset(&h, 0, sizeof h);
	h.p = buf;
	h.end = buf + http_window(len, max);
	h.hdrs = hdrs;
	h.max_headers = lim->max_headers;

	if ((rc = http_status_line(&h, res)) == 0 &&
	    (rc = http_parse_headers(&h)) == 0) {
		/* Chunked wins over Content-Length, for this one message. */
		if (h.te_chunked && h.ncl > 0) {
			h.ncl = 0;
			both = 1;
		}
		rc = http_head_finish(&h);
		if (both)
			h.flags &= ~HTTP_F_KEEP_ALIVE;
	}
	if (rc == HTTP_AGAIN) {
		if (len == 0 || (len < max && len < INT_MAX))
			return 0;
		h.err = "response head too large";
		rc = -502;
	}
	if (rc < 0) {
		if (errp != NULL)
			*errp = h.err;
		return -502;
	}
	res->flags = h.flags;
	res->content_length = h.flags & HTTP_F_CONTENT_LENGTH ? h.cl : 0;
	res->nheaders = h.nhdrs;
	return h.p - buf;
}

int
http_hop_by_hop(enum http_hdr id)
{
	return (http_hdr_flags(id) & HTTP_H_HOP_BY_HOP) != 0;
}

size_t
http_trailers_filter(const char *tr, size_t len, char *out)
{
	const char *p = tr, *end = tr + len, *eol, *colon;
	size_t      n = 0, ll;

	for (; p < end; p = eol) {
		eol = memchr(p, '\n', end - p);
		eol = eol != NULL ? eol + 1 : end;
		ll = eol - p;
		colon = memchr(p, ':', ll);
		if (colon == NULL)
			continue;
		if (http_header_flags(p, (size_t)(colon - p)) &
		    HTTP_H_TRAILER_OK) {
			memmove(out + n, p, ll); /* out may be tr */
			n += ll;
		}
	}
	return n;
}

int
http_connection_names(const struct http_header *hdrs, size_t nhdrs,
    const char *name, size_t len)
{
	const char *p, *end, *e;
	size_t      i, j, elen;

	for (i = 0; i < nhdrs; i++) {
		if (hdrs[i].id != HTTP_HDR_CONNECTION)
			continue;
		p = hdrs[i].value;
		end = p + hdrs[i].value_len;
		while (http_list_next(&p, end, &e, &elen)) {
			if (elen != len)
				continue;
			for (j = 0; j < len; j++) {
				if (http_lower(e[j]) != http_lower(name[j]))
					break;
			}
			if (j == len)
				return 1;
		}
	}
	return 0;
}

int
http_field_forwarded(const struct http_header *hdrs, size_t n,
    const struct http_header *h)
{
	return !(http_hdr_flags(h->id) &
	           (HTTP_H_HOP_BY_HOP | HTTP_H_FRAMING)) &&
	    !http_connection_names(hdrs, n, h->name, h->name_len);
}

int
http_response_bodyless(enum http_method req_method, int status)
{
	if (req_method == HTTP_M_HEAD)
		return 1;
	return (status >= 100 && status < 200) || status == 204 ||
	    status == 304;
}

const char *
http_reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 101:
		return "Switching Protocols";
	case 102:
		return "Processing";
	case 103:
		return "Early Hints";
	case 200:
		return "OK";
	case 201:
		return "Created";
	case 202:
		return "Accepted";
	case 203:
		return "Non-Authoritative Information";
	case 204:
		return "No Content";
	case 205:
		return "Reset Content";
	case 206:
		return "Partial Content";
	case 207:
		return "Multi-Status";
	case 300:
		return "Multiple Choices";
	case 301:
		return "Moved Permanently";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 304:
		return "Not Modified";
	case 305:
		return "Use Proxy";
	case 307:
		return "Temporary Redirect";
	case 308:
		return "Permanent Redirect";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 402:
		return "Payment Required";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 406:
		return "Not Acceptable";
	case 407:
		return "Proxy Authentication Required";
	case 408:
		return "Request Timeout";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 411:
		return "Length Required";
	case 412:
		return "Precondition Failed";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 416:
		return "Range Not Satisfiable";
	case 417:
		return "Expectation Failed";
	case 418:
		return "I'm a teapot";
	case 421:
		return "Misdirected Request";
	case 422:
		return "Unprocessable Content";
	case 425:
		return "Too Early";
	case 426:
		return "Upgrade Required";
	case 428:
		return "Precondition Required";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 451:
		return "Unavailable For Legal Reasons";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	case 507:
		return "Insufficient Storage";
	case 511:
		return "Network Authentication Required";
	}
	return "Unknown";
}

/* Chunked decoder states: one per place a byte can arrive in. */
enum {
	HTTP_CH_SIZE = 0, /* hex digits of a chunk size */
	HTTP_CH_SIZE_WS,  /* BWS after the size, before ';' */
	HTTP_CH_EXT,      /* chunk extensions */
	HTTP_CH_SIZE_LF,  /* LF after the size line's CR */
	HTTP_CH_DATA,
	HTTP_CH_DATA_CR, /* line end after the data */
	HTTP_CH_DATA_LF,
	HTTP_CH_TRAILER, /* start of a trailer line, or the end */
	HTTP_CH_TRAILER_NAME,
	HTTP_CH_TRAILER_VALUE,
	HTTP_CH_TRAILER_LF,
	HTTP_CH_END_LF, /* LF of the final empty line */
	HTTP_CH_DONE,
	HTTP_CH_ERROR,
};

void
http_chunked_init(struct http_chunked *c, size_t max_trailer)
{
	memset(c, 0, sizeof *c);
	c->state = HTTP_CH_SIZE;
	c->max_trailer = max_trailer;
}

static int
http_chunked_hex(unsigned char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	return http_lower(ch) - 'a' + 10;
}

/*
 * A byte of the trailer section, kept for the caller when it asked: every
 * byte kept was counted against max_trailer first, the room it gave.
 */
static inline void
http_chunked_keep(struct http_chunked *c, unsigned char ch)
{
	if (c->trailers != NULL)
		c->trailers[c->trailers_len++] = (char)ch;
}

/* The end of a chunk-size line: on to the data, or to the trailer. */
static void
http_chunked_size_done(struct http_chunked *c)
{
	c->line_len = 0;
	c->digits = 0;
	c->state = c->remaining == 0 ? HTTP_CH_TRAILER : HTTP_CH_DATA;
}

/*
 * The one walk behind scan and decode.  When out is not NULL, data bytes
 * are moved to out (which may be in itself: out never passes in).  Returns
 * the number of input bytes used, or -1 on a framing error.
 */
static ssize_t
http_chunked_run(struct http_chunked *c, const char *in, size_t len, char *out,
    size_t *outlen, int *done)
{
	size_t        i = 0, o = 0, n;
	unsigned char ch;

	*done = 0;
	if (c->state == HTTP_CH_ERROR)
		return -1;
	if (len > SSIZE_MAX)
		len = SSIZE_MAX;
	while (i < len) {
		if (c->state == HTTP_CH_DATA) {
			n = len - i;
			if (n > c->remaining)
				n = c->remaining;
			if (out != NULL && out + o != in + i)
				memmove(out + o, in + i, n);
			i += n;
			o += n;
			c->remaining -= n;
			c->data_total += n;
			if (c->remaining == 0)
				c->state = HTTP_CH_DATA_CR;
			continue;
		}

		ch = in[i];
		switch (c->state) {
		case HTTP_CH_SIZE:
		case HTTP_CH_SIZE_WS:
		case HTTP_CH_EXT:
		case HTTP_CH_SIZE_LF:
			if (++c->line_len > HTTP_CHUNK_LINE_MAX)
				goto error;
			break;
		case HTTP_CH_TRAILER_NAME:
		case HTTP_CH_TRAILER_VALUE:
		case HTTP_CH_TRAILER_LF:
			if (++c->trailer_len > c->max_trailer)
				goto error;
			break;
		case HTTP_CH_TRAILER:
			if (ch != '\r' && ch != '\n' &&
			    ++c->trailer_len > c->max_trailer)
				goto error;
			break;
		}

		switch (c->state) {
		case HTTP_CH_SIZE:
			if (HTTP_IS(ch, HTTP_C_HEX)) {
				if (c->digits == 16 ||
				    c->remaining > (HTTP_SIZE_MAX >> 4))
					goto error;
				c->remaining =
				    c->remaining << 4 | http_chunked_hex(ch);
				c->digits++;
				break;
			}
			if (c->digits == 0)
				goto error;
			if (ch == ';')
				c->state = HTTP_CH_EXT;
			else if (HTTP_IS_WS(ch))
				c->state = HTTP_CH_SIZE_WS;
			else if (ch == '\r')
				c->state = HTTP_CH_SIZE_LF;
			else
				goto error;
			break;
		case HTTP_CH_SIZE_WS:
			if (ch == ';')
				c->state = HTTP_CH_EXT;
			else if (!HTTP_IS_WS(ch))
				goto error;
			break;
		case HTTP_CH_EXT:
			if (ch == '\r')
				c->state = HTTP_CH_SIZE_LF;
			else if (!HTTP_IS(ch, HTTP_C_VALUE))
				goto error;
			break;
		case HTTP_CH_SIZE_LF:
			if (ch != '\n')
				goto error;
			http_chunked_size_done(c);
			break;
		case HTTP_CH_DATA_CR:
			if (ch != '\r')
				goto error;
			c->state = HTTP_CH_DATA_LF;
			break;
		case HTTP_CH_DATA_LF:
			if (ch != '\n')
				goto error;
			c->state = HTTP_CH_SIZE;
			break;
		case HTTP_CH_TRAILER:
			if (ch == '\r')
				c->state = HTTP_CH_END_LF;
			else if (HTTP_IS(ch, HTTP_C_TCHAR)) {
				c->state = HTTP_CH_TRAILER_NAME;
				http_chunked_keep(c, ch);
			} else
				goto error;
			break;
		case HTTP_CH_TRAILER_NAME:
			if (ch == ':')
				c->state = HTTP_CH_TRAILER_VALUE;
			else if (!HTTP_IS(ch, HTTP_C_TCHAR))
				goto error;
			http_chunked_keep(c, ch);
			break;
		case HTTP_CH_TRAILER_VALUE:
			if (ch == '\r')
				c->state = HTTP_CH_TRAILER_LF;
			else if (!HTTP_IS(ch, HTTP_C_VALUE))
				goto error;
			http_chunked_keep(c, ch);
			break;
		case HTTP_CH_TRAILER_LF:
			if (ch != '\n')
				goto error;
			c->state = HTTP_CH_TRAILER;
			http_chunked_keep(c, ch);
			break;
		case HTTP_CH_END_LF:
			if (ch != '\n')
				goto error;
			goto finished;
		case HTTP_CH_DONE:
			*done = 1;
			*outlen = o;
			return i;
		default:
			goto error;
		}
		i++;
	}
	if (c->state == HTTP_CH_DONE)
		*done = 1;
	*outlen = o;
	return i;

finished:
	c->state = HTTP_CH_DONE;
	*done = 1;
	*outlen = o;
	return i + 1;

error:
	c->state = HTTP_CH_ERROR;
	return -1;
}

ssize_t
http_chunked_scan(struct http_chunked *c, const char *buf, size_t len,
    int *done)
{
	size_t outlen;

	return http_chunked_run(c, buf, len, NULL, &outlen, done);
}

ssize_t
http_chunked_decode(struct http_chunked *c, char *buf, size_t len,
    size_t *consumed, int *done)
{
	size_t  outlen;
	ssize_t n;

	if ((n = http_chunked_run(c, buf, len, buf, &outlen, done)) < 0)
		return -1;
	*consumed = n;
	return outlen;
}
