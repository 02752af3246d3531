/* SPDX-License-Identifier: ISC */
/* libFuzzer target: a request head through the backend head rewrite, re-parsed strictly. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "path.h"
#include "proxy-head.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_MAX_HEADERS 64

/* A field name as backends compare them: lower case, '_' read as '-'. */
static int
fuzz_name_is(const struct http_header *h, const char *lit)
{
	size_t i, n = strlen(lit);

	if (h->name_len != n)
		return 0;
	for (i = 0; i < n; i++) {
		char c = h->name[i];

		if (c == '_')
			c = '-';
		if (c >= 'A' && c <= 'Z')
			c = (char)(c | 0x20);
		if (c != lit[i])
			return 0;
	}
	return 1;
}

static size_t
fuzz_count(const struct http_request *r, const char *lit)
{
	size_t i, n = 0;

	for (i = 0; i < r->nheaders; i++)
		n += fuzz_name_is(&r->headers[i], lit);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct http_header hdrs[FUZZ_MAX_HEADERS],
	    out_hdrs[FUZZ_MAX_HEADERS + 16];
	struct http_request req, got;
	struct http_limits  lim = { 16384, 8192, FUZZ_MAX_HEADERS };
	struct http_limits  lim2 = { 65536, 16384, FUZZ_MAX_HEADERS + 16 };
	struct head_params  hp;
	struct buf          b, canon;
	const char         *err;
	unsigned            fl;
	ssize_t             n;
	size_t              i, qlen;
	int                 rc;

	if (len < 1 || len > 16384)
		return 0;
	fl = data[0];
	rc = http_parse_request((const char *)data + 1, len - 1, &lim, &req,
	    hdrs, &err);
	if (rc <= 0 || (req.path_len == 1 && req.path[0] == '*'))
		return 0;
	/* The canonical path, as the proxy puts it in place. */
	buf_init(&canon, 0);
	buf_reserve(&canon, req.path_len + 1);
	n = path_normalise(req.path, req.path_only_len, canon.data, 0, &err);
	if (n < 0) {
		buf_free(&canon);
		return 0;
	}
	qlen = req.path_len - req.path_only_len;
	memcpy(canon.data + n, req.path + req.path_only_len, qlen);
	req.path = canon.data;
	req.path_len = (size_t)n + qlen;
	req.path_only_len = (size_t)n;

	memset(&hp, 0, sizeof hp);
	hp.trusted = (fl & 1) != 0;
	hp.auth = (fl & 2) != 0;
	hp.tls = (fl & 4) != 0;
	hp.upgrade = (fl & 8) != 0;
	hp.preserve_host = (fl & 16) != 0;
	hp.strip_len = (fl & 32) && req.path_only_len > 1 ?
	    (size_t)(fl >> 6) % req.path_only_len :
	    0;
	hp.chunked = (req.flags & HTTP_F_CHUNKED) != 0;
	hp.sized = !hp.chunked && (req.flags & HTTP_F_CONTENT_LENGTH) &&
	    req.content_length > 0;
	hp.content_length = req.content_length;
	hp.peer = "127.0.0.1";
	hp.client_ip = "127.0.0.1";
	hp.id = "0123456789abcdef";
	buf_init(&b, 0);
	proxy_head_build(&b, &req, &hp);
	if (hp.host_is_backend) {
		/* Where the proxy writes the backend's address. */
		struct buf t;

		buf_init(&t, 0);
		buf_append(&t, b.data, hp.host_off);
		buf_puts(&t, "127.0.0.1:8080");
		buf_append(&t, b.data + hp.host_off, b.len - hp.host_off);
		buf_free(&b);
		b = t;
	}

	/* What the backend reads must be one whole, strict request head. */
	rc = http_parse_request(b.data, b.len, &lim2, &got, out_hdrs, &err);
	if (rc != (int)b.len)
		abort();
	if (got.version != 11 || got.method_len != req.method_len ||
	    memcmp(got.method, req.method, req.method_len) != 0)
		abort();
	if (((got.flags & HTTP_F_CHUNKED) != 0) != hp.chunked)
		abort();
	if (((got.flags & HTTP_F_CONTENT_LENGTH) != 0) != hp.sized ||
	    (hp.sized && got.content_length != req.content_length))
		abort();
	if (fuzz_count(&got, "x-remote-user") != 0 ||
	    fuzz_count(&got, "x-forwarded-for") != 1 ||
	    fuzz_count(&got, "x-real-ip") != 1 ||
	    fuzz_count(&got, "x-request-id") != 1 ||
	    fuzz_count(&got, "x-forwarded-proto") != 1 ||
	    fuzz_count(&got, "host") != 1 ||
	    fuzz_count(&got, "content-length") > 1 ||
	    fuzz_count(&got, "transfer-encoding") > 1 ||
	    fuzz_count(&got, "te") != 0 || fuzz_count(&got, "trailer") != 0 ||
	    fuzz_count(&got, "keep-alive") != 0 ||
	    fuzz_count(&got, "connection") != (hp.upgrade ? 1u : 0u) ||
	    fuzz_count(&got, "upgrade") != (hp.upgrade ? 1u : 0u))
		abort();
	if (!hp.trusted &&
	    (fuzz_count(&got, "forwarded") != 0 ||
	        fuzz_count(&got, "x-forwarded-port") != 0 ||
	        fuzz_count(&got, "x-forwarded-prefix") != 0))
		abort();
	if (hp.auth && fuzz_count(&got, "authorization") != 0)
		abort();
	for (i = 0; i < got.nheaders; i++) {
		/* No field of the client's may speak for frontdoor. */
		if (fuzz_name_is(&got.headers[i], "x-real-ip") &&
		    (got.headers[i].value_len != 9 ||
		        memcmp(got.headers[i].value, "127.0.0.1", 9) != 0))
			abort();
	}
	/* The path sent is the canonical one (less a stripped prefix). */
	if (hp.strip_len == 0 &&
	    (got.path_len != req.path_len ||
	        memcmp(got.path, req.path, req.path_len) != 0))
		abort();
	buf_free(&b);
	buf_free(&canon);
	return 0;
}
