/* SPDX-License-Identifier: ISC */
/* Reading JSON: the objects frontdoord sends on the control socket. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json-read.h"
#include "util.h"

struct jsonr_parser {
	const char *start;
	const char *p;
	const char *end;
	char       *err;
	size_t      errlen;
	int         failed;
};

static int jsonr_value(struct jsonr_parser *, struct jsonr *, int depth);

static int
jsonr_fail(struct jsonr_parser *ps, const char *what)
{
	/* The innermost failure names the place; keep it. */
	if (!ps->failed && ps->errlen > 0)
		snprintf(ps->err, ps->errlen, "offset %zu: %s",
		    (size_t)(ps->p - ps->start), what);
	ps->failed = 1;
	return -1;
}

static void
jsonr_ws(struct jsonr_parser *ps)
{
	while (ps->p < ps->end &&
	    (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' ||
	        *ps->p == '\r'))
		ps->p++;
}

static int
jsonr_lit(struct jsonr_parser *ps, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return jsonr_fail(ps, "unexpected character");
	ps->p += n;
	return 0;
}

static int
jsonr_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

/*
 * A number by hand rather than strtod(3): strtod follows LC_NUMERIC, which a
 * terminal program that calls setlocale() may set to a comma.  Up to 19
 * significant digits are kept, so integers below 10^19 are exact as long as
 * a double holds them (2^53).
 */
static int
jsonr_number(struct jsonr_parser *ps, struct jsonr *v)
{
	uint64_t mant = 0;
	int      neg = 0, digits = 0, exp10 = 0, e = 0, eneg = 0, i;
	double   d, scale;

	if (ps->p < ps->end && *ps->p == '-') {
		neg = 1;
		ps->p++;
	}
	if (ps->p == ps->end || !jsonr_isdigit(*ps->p))
		return jsonr_fail(ps, "bad number");
	if (*ps->p == '0') {
		ps->p++;
		if (ps->p < ps->end && jsonr_isdigit(*ps->p))
			return jsonr_fail(ps, "leading zero in a number");
	} else {
		while (ps->p < ps->end && jsonr_isdigit(*ps->p)) {
			if (digits < 19) {
				mant = mant * 10 + (uint64_t)(*ps->p - '0');
				digits++;
			} else
				exp10++;
			ps->p++;
		}
	}
	if (ps->p < ps->end && *ps->p == '.') {
		ps->p++;
		if (ps->p == ps->end || !jsonr_isdigit(*ps->p))
			return jsonr_fail(ps, "bad fraction");
		while (ps->p < ps->end && jsonr_isdigit(*ps->p)) {
			if (digits < 19 &&
			    (mant != 0 || *ps->p != '0' || digits > 0)) {
				mant = mant * 10 + (uint64_t)(*ps->p - '0');
				digits++;
				exp10--;
			} else if (mant == 0)
				exp10--; /* leading zeros of 0.000x */
			ps->p++;
		}
	}
	if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
		ps->p++;
		if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
			eneg = *ps->p++ == '-';
		if (ps->p == ps->end || !jsonr_isdigit(*ps->p))
			return jsonr_fail(ps, "bad exponent");
		while (ps->p < ps->end && jsonr_isdigit(*ps->p)) {
			if (e < 10000)
				e = e * 10 + (*ps->p - '0');
			ps->p++;
		}
		exp10 += eneg ? -e : e;
	}
	d = (double)mant;
	if (mant != 0 && exp10 != 0) {
		if (exp10 > 400)
			exp10 = 400;
		if (exp10 < -400)
			exp10 = -400;
		for (scale = 1, i = 0; i < (exp10 < 0 ? -exp10 : exp10); i++)
			scale *= 10;
		d = exp10 < 0 ? d / scale : d * scale;
	}
	v->type = JSONR_NUM;
	v->num = neg ? -d : d;
	return 0;
}

static int
jsonr_hex4(struct jsonr_parser *ps, unsigned *cp)
{
	int i;

	*cp = 0;
	if (ps->end - ps->p < 4)
		return jsonr_fail(ps, "short \\u escape");
	for (i = 0; i < 4; i++) {
		char c = *ps->p++;

		*cp <<= 4;
		if (c >= '0' && c <= '9')
			*cp |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			*cp |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			*cp |= (unsigned)(c - 'A' + 10);
		else
			return jsonr_fail(ps, "bad \\u escape");
	}
	return 0;
}

static void
jsonr_put_cp(char *out, size_t *n, unsigned cp)
{
	if (cp < 0x100) {
		out[(*n)++] = (char)cp; /* a byte, as json_str() wrote it */
	} else if (cp < 0x800) {
		out[(*n)++] = (char)(0xc0 | (cp >> 6));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		out[(*n)++] = (char)(0xe0 | (cp >> 12));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	} else {
		out[(*n)++] = (char)(0xf0 | (cp >> 18));
		out[(*n)++] = (char)(0x80 | ((cp >> 12) & 0x3f));
		out[(*n)++] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[(*n)++] = (char)(0x80 | (cp & 0x3f));
	}
}

/*
 * A string at ps->p (the opening quote).  The decoded form is never longer
 * than the source: an escape of 6 or 12 characters yields at most 4 bytes.
 */
static int
jsonr_string(struct jsonr_parser *ps, char **out, size_t *outlen)
{
	const char *q;
	char       *s;
	size_t      n = 0;
	unsigned    cp, lo;

	ps->p++;
	for (q = ps->p; q < ps->end && *q != '"'; q++)
		if (*q == '\\' && q + 1 < ps->end)
			q++;
	if (q >= ps->end)
		return jsonr_fail(ps, "unterminated string");
	s = xmalloc((size_t)(q - ps->p) + 1);
	while (*ps->p != '"') {
		unsigned char c = (unsigned char)*ps->p;

		if (c < 0x20) {
			free(s);
			return jsonr_fail(ps, "control character in a string");
		}
		if (c != '\\') {
			s[n++] = (char)c;
			ps->p++;
			continue;
		}
		ps->p++;
		switch (*ps->p++) {
		case '"':
			s[n++] = '"';
			break;
		case '\\':
			s[n++] = '\\';
			break;
		case '/':
			s[n++] = '/';
			break;
		case 'b':
			s[n++] = '\b';
			break;
		case 'f':
			s[n++] = '\f';
			break;
		case 'n':
			s[n++] = '\n';
			break;
		case 'r':
			s[n++] = '\r';
			break;
		case 't':
			s[n++] = '\t';
			break;
		case 'u':
			if (jsonr_hex4(ps, &cp) == -1)
				goto bad;
			if (cp >= 0xd800 && cp < 0xdc00 &&
			    ps->end - ps->p >= 6 && ps->p[0] == '\\' &&
			    ps->p[1] == 'u') {
				ps->p += 2;
				if (jsonr_hex4(ps, &lo) == -1)
					goto bad;
				if (lo < 0xdc00 || lo > 0xdfff) {
					jsonr_fail(ps, "bad surrogate pair");
					goto bad;
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				    (lo - 0xdc00);
			}
			jsonr_put_cp(s, &n, cp);
			break;
		default:
			ps->p--;
			jsonr_fail(ps, "bad escape");
			goto bad;
		}
	}
	ps->p++;
	s[n] = '\0';
	*out = s;
	*outlen = n;
	return 0;
bad:
	free(s);
	return -1;
}

/* Members of an array or object, into v (type already set). */
static int
jsonr_members(struct jsonr_parser *ps, struct jsonr *v, int depth)
{
	char   close = v->type == JSONR_ARR ? ']' : '}';
	size_t cap = 0;

	ps->p++;
	jsonr_ws(ps);
	if (ps->p < ps->end && *ps->p == close) {
		ps->p++;
		return 0;
	}
	for (;;) {
		if (v->len == cap) {
			cap = cap ? cap * 2 : 8;
			v->kids = xreallocarray(v->kids, cap, sizeof *v->kids);
			if (v->type == JSONR_OBJ)
				v->keys = xreallocarray(v->keys, cap,
				    sizeof *v->keys);
		}
		jsonr_ws(ps);
		if (v->type == JSONR_OBJ) {
			size_t klen;

			if (ps->p == ps->end || *ps->p != '"')
				return jsonr_fail(ps, "expected a key");
			if (jsonr_string(ps, &v->keys[v->len], &klen) == -1)
				return -1;
			jsonr_ws(ps);
			if (ps->p == ps->end || *ps->p != ':') {
				free(v->keys[v->len]);
				return jsonr_fail(ps, "expected ':'");
			}
			ps->p++;
		}
		memset(&v->kids[v->len], 0, sizeof v->kids[0]);
		/* Counted before parsing so that a failure frees it. */
		v->len++;
		if (jsonr_value(ps, &v->kids[v->len - 1], depth + 1) == -1)
			return -1;
		jsonr_ws(ps);
		if (ps->p == ps->end)
			return jsonr_fail(ps, "unterminated array or object");
		if (*ps->p == close) {
			ps->p++;
			return 0;
		}
		if (*ps->p != ',')
			return jsonr_fail(ps, "expected ',' or the end");
		ps->p++;
	}
}

static int
jsonr_value(struct jsonr_parser *ps, struct jsonr *v, int depth)
{
	if (depth > JSONR_DEPTH_MAX)
		return jsonr_fail(ps, "nested too deeply");
	jsonr_ws(ps);
	if (ps->p == ps->end)
		return jsonr_fail(ps, "expected a value");
	switch (*ps->p) {
	case '{':
		v->type = JSONR_OBJ;
		return jsonr_members(ps, v, depth);
	case '[':
		v->type = JSONR_ARR;
		return jsonr_members(ps, v, depth);
	case '"':
		if (jsonr_string(ps, &v->str, &v->len) == -1)
			return -1;
		v->type = JSONR_STR;
		return 0;
	case 't':
		v->type = JSONR_BOOL;
		v->b = 1;
		return jsonr_lit(ps, "true");
	case 'f':
		v->type = JSONR_BOOL;
		return jsonr_lit(ps, "false");
	case 'n':
		return jsonr_lit(ps, "null");
	default:
		return jsonr_number(ps, v);
	}
}

static void
jsonr_clear(struct jsonr *v)
{
	size_t i;

	if (v->type == JSONR_STR)
		free(v->str);
	if (v->type == JSONR_ARR || v->type == JSONR_OBJ) {
		for (i = 0; i < v->len; i++) {
			jsonr_clear(&v->kids[i]);
			if (v->keys != NULL)
				free(v->keys[i]);
		}
		free(v->kids);
		free(v->keys);
	}
}

struct jsonr *
jsonr_parse(const char *s, size_t len, char *err, size_t errlen)
{
	struct jsonr_parser ps = { s, s, s + len, err, errlen, 0 };
	struct jsonr       *v = xcalloc(1, sizeof *v);

	if (errlen > 0)
		err[0] = '\0';
	if (jsonr_value(&ps, v, 0) == 0) {
		jsonr_ws(&ps);
		if (ps.p == ps.end)
			return v;
		jsonr_fail(&ps, "trailing characters");
	}
	jsonr_free(v);
	return NULL;
}

void
jsonr_free(struct jsonr *v)
{
	if (v == NULL)
		return;
	jsonr_clear(v);
	free(v);
}

const struct jsonr *
jsonr_get(const struct jsonr *obj, const char *key)
{
	size_t i;

	if (obj == NULL || obj->type != JSONR_OBJ)
		return NULL;
	for (i = 0; i < obj->len; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return &obj->kids[i];
	return NULL;
}

const char *
jsonr_str(const struct jsonr *obj, const char *key, const char *def)
{
	const struct jsonr *v = jsonr_get(obj, key);

	return v != NULL && v->type == JSONR_STR ? v->str : def;
}

double
jsonr_num(const struct jsonr *obj, const char *key, double def)
{
	const struct jsonr *v = jsonr_get(obj, key);

	return v != NULL && v->type == JSONR_NUM ? v->num : def;
}

long long
jsonr_int(const struct jsonr *obj, const char *key, long long def)
{
	const struct jsonr *v = jsonr_get(obj, key);

	if (v == NULL || v->type != JSONR_NUM)
		return def;
	if (v->num >= 9.2e18)
		return 9200000000000000000LL;
	if (v->num <= -9.2e18)
		return -9200000000000000000LL;
	return (long long)v->num;
}

int
jsonr_bool(const struct jsonr *obj, const char *key, int def)
{
	const struct jsonr *v = jsonr_get(obj, key);

	return v != NULL && v->type == JSONR_BOOL ? v->b : def;
}

const struct jsonr *
jsonr_arr(const struct jsonr *obj, const char *key)
{
	const struct jsonr *v = jsonr_get(obj, key);

	return v != NULL && v->type == JSONR_ARR ? v : NULL;
}
