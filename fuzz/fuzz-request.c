/* SPDX-License-Identifier: ISC */
/* libFuzzer target: the request head parser, whole and from a prefix. */

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

/* Everything a complete head promises. */
static void
fuzz_check(const char *buf, int rc, const struct http_request *r)
{
	const struct http_header *h;
	size_t                    i, j, len = rc;

	if ((size_t)rc > fuzz_limits.max_head || r->nheaders > NHDRS)
		abort();
	if (!fuzz_within(r->method, r->method_len, buf, len) ||
	    r->method_len == 0)
		abort();
	if (!fuzz_within(r->target, r->target_len, buf, len) ||
	    r->target_len == 0 || r->target_len > fuzz_limits.max_uri)
		abort();
	if (!fuzz_within(r->path, r->path_len, buf, len) &&
	    !(r->path_len == 1 && r->path[0] == '/'))
		abort();
	if (r->path_only_len > r->path_len)
		abort();
	if (r->version != 10 && r->version != 11)
		abort();
	if (r->meth == HTTP_M_CONNECT)
		abort();
	if (r->version == 11 && r->host == NULL)
		abort();
	if (r->host != NULL &&
	    (!fuzz_within(r->host, r->host_len, buf, len) || r->host_len == 0))
		abort();
	if ((r->flags & HTTP_F_CHUNKED) && (r->flags & HTTP_F_CONTENT_LENGTH))
		abort();
	if ((r->flags & HTTP_F_KEEP_ALIVE) && (r->flags & HTTP_F_CONN_CLOSE))
		abort();
	if (r->content_length > INT64_MAX ||
	    (!(r->flags & HTTP_F_CONTENT_LENGTH) && r->content_length != 0))
		abort();
	for (i = 0; i < r->nheaders; i++) {
		h = &r->headers[i];
		if (!fuzz_within(h->name, h->name_len, buf, len) ||
		    !fuzz_within(h->value, h->value_len, buf, len) ||
		    h->name_len == 0)
			abort();
		for (j = 0; j < h->name_len; j++) {
			if (h->name[j] == ':' || h->name[j] <= ' ')
				abort();
		}
		for (j = 0; j < h->value_len; j++) {
			if (h->value[j] == '\r' || h->value[j] == '\n' ||
			    h->value[j] == '\0')
				abort();
		}
		if (h->value_len > 0 &&
		    (h->value[0] == ' ' || h->value[h->value_len - 1] == ' '))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request r, r2;
	struct http_header  h[NHDRS], h2[NHDRS];
	const char         *buf = (const char *)data, *err = NULL;
	char               *copy;
	size_t              cut;
	int                 rc, rc2;

	rc = http_parse_request(buf, size, &fuzz_limits, &r, h, &err);
	switch (rc) {
	case 0:
		break;
	case -400:
	case -414:
	case -431:
	case -505:
		if (err == NULL)
			abort();
		break;
	default:
		if (rc < 0 || (size_t)rc > size)
			abort();
		fuzz_check(buf, rc, &r);
		/* The head needs all of its bytes, and nothing after it. */
		if (http_parse_request(buf, rc, &fuzz_limits, &r2, h2, NULL) !=
		        rc ||
		    http_parse_request(buf, rc - 1, &fuzz_limits, &r2, h2,
		        NULL) != 0)
			abort();
		break;
	}

	/* A prefix, in its own buffer: incomplete, or the same answer. */
	cut = fuzz_split(data, size);
	copy = malloc(cut + 1);
	if (copy == NULL)
		abort();
	memcpy(copy, data, cut);
	rc2 = http_parse_request(copy, cut, &fuzz_limits, &r2, h2, NULL);
	free(copy);
	if (rc2 != 0 && rc2 != rc)
		abort();
	return 0;
}
