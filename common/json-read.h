/* SPDX-License-Identifier: ISC */
/* Reading JSON: the objects frontdoord sends on the control socket. */
#ifndef FD_JSON_READ_H
#define FD_JSON_READ_H

#include <stddef.h>

enum jsonr_type {
	JSONR_NULL,
	JSONR_BOOL,
	JSONR_NUM,
	JSONR_STR,
	JSONR_ARR,
	JSONR_OBJ,
};

/*
 * One parsed value.  Strings are NUL-terminated and also carry their length
 * (a \u0000 escape puts a NUL inside).  \u00XX escapes decode to the single
 * byte XX, the inverse of json_str() in json-write.h, which writes each byte
 * outside printable ASCII that way; other code points decode to UTF-8.
 * Callers that print a string to a terminal must still escape it.
 */
struct jsonr {
	enum jsonr_type type;
	int             b;    /* JSONR_BOOL */
	double          num;  /* JSONR_NUM */
	char           *str;  /* JSONR_STR */
	size_t          len;  /* JSONR_STR: bytes; JSONR_ARR/OBJ: members */
	struct jsonr   *kids; /* JSONR_ARR/OBJ: len values */
	char          **keys; /* JSONR_OBJ: len keys, NUL-terminated */
};

#define JSONR_DEPTH_MAX 32

/*
 * Parse exactly one JSON value in s (len bytes; surrounding white space
 * allowed).  Returns a new value for jsonr_free(), or NULL with a message
 * naming the offset in err (errlen bytes, may be 0).  Nesting deeper than
 * JSONR_DEPTH_MAX is refused.  Numbers are read without the locale.
 */
struct jsonr *jsonr_parse(const char *s, size_t len, char *err, size_t errlen);
void          jsonr_free(struct jsonr *); /* NULL is a no-op */

/* The member key of obj, or NULL (absent, or obj is not an object). */
const struct jsonr *jsonr_get(const struct jsonr *obj, const char *key);
/* Member key as a type, else def (absent or of another type). */
const char           *
jsonr_str(const struct jsonr *obj, const char *key, const char *def);
double    jsonr_num(const struct jsonr *obj, const char *key, double def);
long long jsonr_int(const struct jsonr *obj, const char *key, long long def);
int       jsonr_bool(const struct jsonr *obj, const char *key, int def);
/* Member key if it is an array, else NULL. */
const struct jsonr *jsonr_arr(const struct jsonr *obj, const char *key);

#endif
