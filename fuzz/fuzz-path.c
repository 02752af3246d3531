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
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	    c == '~';
}

static int
fuzz_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
		return (c | 0x20) - 'a' + 10;
	return -1;
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
	return o;
}

static int
fuzz_has(const char *s, size_t n, const char *lit)
{
	return memmem(s, n, lit, strlen(lit)) != NULL;
}

/* Every escape left is one that must stay, in upper case. */
static int
fuzz_escapes_canonical(const char *s, size_t n)
{
	size_t i;
	int    hi, lo;

	for (i = 0; i < n; i++) {
		if (s[i] != '%')
			continue;
		if (n - i < 3 || (hi = fuzz_hex((unsigned char)s[i + 1])) < 0 ||
		    (lo = fuzz_hex((unsigned char)s[i + 2])) < 0)
			return 0;
		if ((s[i + 1] >= 'a' && s[i + 1] <= 'f') ||
		    (s[i + 2] >= 'a' && s[i + 2] <= 'f'))
			return 0;
		if (fuzz_unreserved((unsigned char)(hi << 4 | lo)) ||
		    (hi << 4 | lo) < 0x20 || (hi << 4 | lo) == 0x7f)
			return 0;
	}
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	const char *in = (const char *)data, *err;
	char       *out, *again, *dec, *out2, *dotted;
	ssize_t     n, m, k, d;
	size_t      dl, cap, j;
	unsigned    f;

	if (len > 4096)
		return 0;
	/* Exact-size buffers: a write past the result's bound hits a redzone. */
	cap = len > 0 ? len : 1;
	out = malloc(cap);
	again = malloc(cap);
	dec = malloc(cap);
	out2 = malloc(cap);
	dotted = malloc(len + 2);
	if (out == NULL || again == NULL || dec == NULL || out2 == NULL ||
	    dotted == NULL)
		abort();
	for (f = 0; f <= (PATH_SEPARATORS | PATH_PARAMS); f++) {
		err = NULL;
		n = path_normalise(in, len, out, f, &err);
		/* In place, the same. */
		memcpy(again, in, len);
		m = path_normalise(again, len, again, f, NULL);
		if (m != n || (n > 0 && memcmp(again, out, n) != 0))
			abort();
		/*
		 * "/." in front is removed again, and takes the writing pass
		 * where in may take the copying one: both must agree.
		 */
		if (len > 0 && in[0] == '/') {
			memcpy(dotted, "/.", 2);
			memcpy(dotted + 2, in, len);
			d = path_normalise(dotted, len + 2, dotted, f, NULL);
			if (d != n || (n > 0 && memcmp(dotted, out, n) != 0))
				abort();
		}
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
		for (j = 0; j < (size_t)n; j++)
			if ((unsigned char)out[j] < 0x21 ||
			    (unsigned char)out[j] >= 0x7f)
				abort();
		if (!fuzz_escapes_canonical(out, n) ||
		    memchr(out, '\\', n) != NULL ||
		    memchr(out, '#', n) != NULL || memchr(out, '?', n) != NULL)
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
	free(dotted);
	return 0;
}
