/* SPDX-License-Identifier: ISC */
/* libFuzzer target: the canonical path -- its properties in every reading. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "path.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static int
fuzz_unreserved(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~');
}

static int
fuzz_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return ((c | 0x20) - 'a' + 10);
	return (-1);
}

/*
 * A reference for one step: decode the escapes of unreserved characters
 * only, nothing else.  Normalising its output must give what normalising
 * the input gives (the decoding is the normaliser's own first step).
 */
static size_t
fuzz_decode_unreserved(const char *in, size_t len, char *out)
{
	size_t i, o = 0;
	int    hi, lo;

	for (i = 0; i < len; i++) {
		if (in[i] == '%' && i + 2 < len &&
		    (hi = fuzz_hex((unsigned char)in[i + 1])) >= 0 &&
		    (lo = fuzz_hex((unsigned char)in[i + 2])) >= 0 &&
		    fuzz_unreserved((unsigned char)(hi << 4 | lo))) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
			continue;
		}
		out[o++] = in[i];
	}
	return (o);
}

static int
fuzz_has(const char *s, size_t n, const char *lit)
{
	return (memmem(s, n, lit, strlen(lit)) != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char *in = (const char *)data, *err;
	char       *out, *again, *dec, *out2;
	ssize_t     n, m, k;
	size_t      dl;
	unsigned    f;

	if (len > 4096)
		return (0);
	/* Exact-size buffers: a write past the result's bound hits a redzone. */
	out = malloc(len + 1);
	again = malloc(len + 1);
	dec = malloc(len + 1);
	out2 = malloc(len + 1);
	for (f = 0; f <= (PATH_SEPARATORS | PATH_PARAMS); f++) {
		err = NULL;
		n = path_normalise(in, len, out, f, &err);
		if (n < 0) {
			if (err == NULL)
				abort();
			continue;
		}
		if ((size_t)n > len || n < 1 || out[0] != '/')
			abort();
		if (fuzz_has(out, n, "//") || fuzz_has(out, n, "/./") ||
		    fuzz_has(out, n, "/../"))
			abort();
		if ((n >= 2 && memcmp(out + n - 2, "/.", 2) == 0) ||
		    (n >= 3 && memcmp(out + n - 3, "/..", 3) == 0))
			abort();
		if ((f & PATH_SEPARATORS) &&
		    (path_readings(out, n) & PATH_SEPARATORS))
			abort();
		if ((f & PATH_PARAMS) && memchr(out, ';', n) != NULL)
			abort();
		m = path_normalise(out, n, again, f, &err);
		if (m != n || memcmp(again, out, n) != 0)
			abort();
		dl = fuzz_decode_unreserved(in, len, dec);
		k = path_normalise(dec, dl, out2, f, &err);
		if (k != n || memcmp(out2, out, n) != 0)
			abort();
	}
	if (path_readings(in, len) == 0) {
		/* No other reading: every flag gives the plain result. */
		n = path_normalise(in, len, out, 0, &err);
		for (f = 1; f <= (PATH_SEPARATORS | PATH_PARAMS); f++) {
			m = path_normalise(in, len, again, f, &err);
			if (m != n || (n > 0 && memcmp(again, out, n) != 0))
				abort();
		}
	}
	free(out);
	free(again);
	free(dec);
	free(out2);
	return (0);
}
