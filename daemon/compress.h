/* SPDX-License-Identifier: ISC */
/* Response compression: gzip (zlib) and zstd, streamed; the one zlib/zstd user. */
#ifndef FD_COMPRESS_H
#define FD_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

struct buf;

enum compress_enc {
	COMPRESS_NONE = 0,
	COMPRESS_GZIP,
	COMPRESS_ZSTD,
};

/* What compress_data() does after taking its input. */
enum compress_mode {
	COMPRESS_RUN = 0, /* nothing more: output may lag behind input */
	COMPRESS_FLUSH,   /* everything so far decodable (sync flush) */
	COMPRESS_FINISH,  /* end of the stream */
};

/* Levels: documented in frontdoor.ini(5). */
#define COMPRESS_GZIP_LEVEL 5
#define COMPRESS_ZSTD_LEVEL 3
/* zstd window: 256 KiB keeps a stream's memory near gzip's. */
#define COMPRESS_ZSTD_WLOG 18

/* compress_types when a route names none. */
#define COMPRESS_DEFAULT_TYPES                                                 \
	"text/html,text/css,text/plain,text/xml,text/javascript,"              \
	"text/markdown,text/csv,application/javascript,application/json,"      \
	"application/xml,application/rss+xml,application/atom+xml,"            \
	"application/manifest+json,application/ld+json,image/svg+xml"
#define COMPRESS_DEFAULT_MIN_SIZE 256

/*
 * The coding to use for an Accept-Encoding value (ae, len; NULL when the
 * request had none): the highest q-value among gzip and zstd (a "*" stands
 * for those not named), zstd when they are equal, NONE when neither is
 * acceptable (q=0 or absent).
 */
enum compress_enc compress_choose(const char *ae, size_t len);
/* "gzip", "zstd", or "" for NONE. */
const char *compress_name(enum compress_enc);

/*
 * Whether a Content-Type value (parameters allowed) is one of types: a
 * comma-separated lower-case list of "type/subtype", or of a type, a slash
 * and "*" for any subtype (NULL: the default list).
 */
int compress_type_ok(const char *types, const char *ctype, size_t len);

struct compress;
/* A stream for enc; NULL when the library cannot set one up. */
struct compress *compress_new(enum compress_enc);
void             compress_free(struct compress *); /* NULL: no-op */
/*
 * Compress in[0, len) whole and append the output to out (grown as needed:
 * at most about len plus a few hundred bytes per call).  Returns 0, or -1
 * when the library fails or out cannot grow (the stream is then unusable).
 */
int compress_data(struct compress *, const void *in, size_t len,
    enum compress_mode, struct buf *out);

#endif
