/* SPDX-License-Identifier: ISC */
/* libFuzzer target: the response head parser, whole and from a prefix. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

#define NHDRS 16

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct http_limits fuzz_limits = { 2048, 512, NHDRS };

/* Where to cut the input: any point, but the same for the same input. */
static size_t
fuzz_split(const uint8_t *data, size_t size)
{
	uint32_t h = 2166136261u;
	size_t   i;

	for (i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return h % (size + 1);
}

static int
fuzz_within(const char *p, size_t n, const char *buf, size_t len)
{
	return p >= buf && n <= len && (size_t)(p - buf) <= len - n;
}

static void
fuzz_check(const char *buf, int rc, const struct http_response *r)
{
	const struct http_header *h;
	size_t                    i, len = rc;

	if ((size_t)rc > fuzz_limits.max_head || r->nheaders > NHDRS)
		abort();
	if (r->version != 10 && r->version != 11)
		abort();
	if (r->status < 100 || r->status > 999)
		abort();
	if (!fuzz_within(r->reason, r->reason_len, buf, len))
		abort();
	if ((r->flags & HTTP_F_CHUNKED) && (r->flags & HTTP_F_CONTENT_LENGTH))
		abort();
	if ((r->flags & HTTP_F_TE_CLOSE) &&
	    (r->flags &
	            (HTTP_F_CHUNKED | HTTP_F_CONTENT_LENGTH |
	                HTTP_F_KEEP_ALIVE) ||
	        r->version != 11))
		abort();
	if ((r->flags & HTTP_F_KEEP_ALIVE) && (r->flags & HTTP_F_CONN_CLOSE))
		abort();
	if (r->flags &
	    (HTTP_F_EXPECT_CONTINUE | HTTP_F_ACCEPT_HTML |
	        HTTP_F_ABSOLUTE_FORM))
		abort();
	if (!(r->flags & HTTP_F_CONTENT_LENGTH) && r->content_length != 0)
		abort();
	for (i = 0; i < r->nheaders; i++) {
		h = &r->headers[i];
		if (!fuzz_within(h->name, h->name_len, buf, len) ||
		    !fuzz_within(h->value, h->value_len, buf, len) ||
		    h->name_len == 0)
			abort();
		if (memchr(h->value, '\n', h->value_len) != NULL ||
		    memchr(h->value, '\r', h->value_len) != NULL)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_response r, r2;
	struct http_header   h[NHDRS], h2[NHDRS];
	const char          *buf = (const char *)data, *err = NULL;
	char                *copy;
	size_t               cut;
	int                  rc, rc2;

	rc = http_parse_response(buf, size, &fuzz_limits, &r, h, &err);
	if (rc == -502) {
		if (err == NULL)
			abort();
	} else if (rc != 0) {
		if (rc < 0 || (size_t)rc > size)
			abort();
		fuzz_check(buf, rc, &r);
		if (http_parse_response(buf, rc, &fuzz_limits, &r2, h2, NULL) !=
		        rc ||
		    http_parse_response(buf, rc - 1, &fuzz_limits, &r2, h2,
		        NULL) != 0)
			abort();
		/* the helpers must cope with whatever was parsed */
		(void)http_connection_names(r.headers, r.nheaders, "x", 1);
		(void)http_reason(r.status);
	}

	cut = fuzz_split(data, size);
	copy = malloc(cut + 1);
	if (copy == NULL)
		abort();
	memcpy(copy, data, cut);
	rc2 = http_parse_response(copy, cut, &fuzz_limits, &r2, h2, NULL);
	free(copy);
	if (rc2 != 0 && rc2 != rc)
		abort();
	return 0;
}
