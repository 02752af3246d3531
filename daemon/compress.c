/* SPDX-License-Identifier: ISC */
/* Response compression: gzip (zlib) and zstd, streamed; the one zlib/zstd user. */

#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "buf.h"
#include "compress.h"
#include "util.h"

struct compress {
	enum compress_enc enc;
	int               ended;
	z_stream          zs;
	ZSTD_CCtx        *zc;
};

static int
ae_space(int c)
{
	return c == ' ' || c == '\t';
}

/* A q-value ("1", "0.5", "0.125") in thousandths; -1 when malformed. */
static int
ae_qvalue(const char *s, size_t len)
{
	int    q, scale = 100;
	size_t i;

	if (len == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	q = (s[0] - '0') * 1000;
	if (len == 1)
		return q;
	if (s[1] != '.' || len > 5)
		return -1;
	for (i = 2; i < len; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

enum compress_enc
compress_choose(const char *ae, size_t len)
{
	const char *p = ae, *end = ae + len, *tok, *semi, *par;
	size_t      tl, pl;
	int         q, qgzip = -1, qzstd = -1, qstar = -1;

	if (ae == NULL)
		return COMPRESS_NONE;
	while (p < end) {
		while (p < end && (ae_space(*p) || *p == ','))
			p++;
		tok = p;
		while (p < end && *p != ',')
			p++;
		/* [tok, p) is one element: coding *( OWS ";" OWS param ) */
		semi = memchr(tok, ';', (size_t)(p - tok));
		tl = (size_t)((semi != NULL ? semi : p) - tok);
		while (tl > 0 && ae_space(tok[tl - 1]))
			tl--;
		if (tl == 0)
			continue;
		q = 1000;
		for (par = semi; par != NULL && par < p;) {
			const char *pe;

			par++;
			while (par < p && ae_space(*par))
				par++;
			pe = memchr(par, ';', (size_t)(p - par));
			if (pe == NULL)
				pe = p;
			pl = (size_t)(pe - par);
			while (pl > 0 && ae_space(par[pl - 1]))
				pl--;
			if (pl >= 2 && (par[0] == 'q' || par[0] == 'Q') &&
			    par[1] == '=')
				q = ae_qvalue(par + 2, pl - 2);
			par = pe < p ? pe : NULL;
		}
		if (q < 0)
			q = 0; /* a malformed weight accepts nothing */
		if (fd_strncaseeq(tok, tl, "gzip", 4) ||
		    fd_strncaseeq(tok, tl, "x-gzip", 6))
			qgzip = q > qgzip ? q : qgzip;
		else if (fd_strncaseeq(tok, tl, "zstd", 4))
			qzstd = q > qzstd ? q : qzstd;
		else if (tl == 1 && tok[0] == '*')
			qstar = q;
	}
	if (qgzip < 0)
		qgzip = qstar;
	if (qzstd < 0)
		qzstd = qstar;
	if (qzstd > 0 && qzstd >= qgzip)
		return COMPRESS_ZSTD;
	if (qgzip > 0)
		return COMPRESS_GZIP;
	return COMPRESS_NONE;
}

const char *
compress_name(enum compress_enc enc)
{
	switch (enc) {
	case COMPRESS_GZIP:
		return "gzip";
	case COMPRESS_ZSTD:
		return "zstd";
	default:
		return "";
	}
}

int
compress_type_ok(const char *types, const char *ctype, size_t len)
{
	const char *p, *e, *slash;
	size_t      mlen, tl;

	if (types == NULL)
		types = COMPRESS_DEFAULT_TYPES;
	/* The media type: up to a ';', without white space. */
	for (mlen = 0; mlen < len && ctype[mlen] != ';'; mlen++)
		;
	while (mlen > 0 && ae_space(ctype[mlen - 1]))
		mlen--;
	if ((slash = memchr(ctype, '/', mlen)) == NULL)
		return 0;
	for (p = types; *p != '\0'; p = *e == ',' ? e + 1 : e) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		tl = (size_t)(e - p);
		if (tl >= 2 && p[tl - 1] == '*' && p[tl - 2] == '/') {
			/* A wildcard subtype: the type and its slash. */
			if ((size_t)(slash - ctype) + 1 == tl - 1 &&
			    fd_strncaseeq(ctype, tl - 1, p, tl - 1))
				return 1;
		} else if (fd_strncaseeq(ctype, mlen, p, tl))
			return 1;
	}
	return 0;
}

struct compress *
compress_new(enum compress_enc enc)
{
	struct compress *z = xcalloc(1, sizeof *z);

	z->enc = enc;
	switch (enc) {
	case COMPRESS_GZIP:
		/* 15 + 16: a gzip wrapper around a 32 KiB window. */
		if (deflateInit2(&z->zs, COMPRESS_GZIP_LEVEL, Z_DEFLATED,
		        15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			goto fail;
		return z;
	case COMPRESS_ZSTD:
		if ((z->zc = ZSTD_createCCtx()) == NULL)
			goto fail;
		if (ZSTD_isError(ZSTD_CCtx_setParameter(z->zc,
		        ZSTD_c_compressionLevel, COMPRESS_ZSTD_LEVEL)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(z->zc, ZSTD_c_windowLog,
		        COMPRESS_ZSTD_WLOG)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(z->zc,
		        ZSTD_c_checksumFlag, 1))) {
			ZSTD_freeCCtx(z->zc);
			goto fail;
		}
		return z;
	default:
		break;
	}
fail:
	free(z);
	return NULL;
}

void
compress_free(struct compress *z)
{
	if (z == NULL)
		return;
	if (z->enc == COMPRESS_GZIP)
		deflateEnd(&z->zs);
	else if (z->zc != NULL)
		ZSTD_freeCCtx(z->zc);
	free(z);
}

/* Room to write into out: at least 4 KiB, more for large inputs. */
static int
compress_room(struct buf *out, size_t len)
{
	return buf_reserve(out, len / 2 + 4096);
}

static int
compress_gzip(struct compress *z, const void *in, size_t len,
    enum compress_mode mode, struct buf *out)
{
	int flush = mode == COMPRESS_FINISH ? Z_FINISH :
	    mode == COMPRESS_FLUSH          ? Z_SYNC_FLUSH :
	                                      Z_NO_FLUSH;
	int r;

	z->zs.next_in = (Bytef *)(uintptr_t)in;
	z->zs.avail_in = (uInt)len;
	for (;;) {
		if (compress_room(out, len) != 0)
			return -1;
		z->zs.next_out = (Bytef *)out->data + out->len;
		z->zs.avail_out = (uInt)(out->cap - out->len);
		r = deflate(&z->zs, flush);
		out->len = out->cap - z->zs.avail_out;
		if (r == Z_STREAM_END)
			return 0;
		if (r != Z_OK && r != Z_BUF_ERROR)
			return -1;
		/* Done when the input is in and the output had room left. */
		if (z->zs.avail_in == 0 && z->zs.avail_out != 0 &&
		    flush != Z_FINISH)
			return 0;
		if (r == Z_BUF_ERROR && z->zs.avail_out != 0)
			return -1; /* no progress possible */
	}
}

static int
compress_zstd(struct compress *z, const void *in, size_t len,
    enum compress_mode mode, struct buf *out)
{
	ZSTD_EndDirective how = mode == COMPRESS_FINISH ? ZSTD_e_end :
	    mode == COMPRESS_FLUSH                      ? ZSTD_e_flush :
	                                                  ZSTD_e_continue;
	ZSTD_inBuffer     ib = { in, len, 0 };
	ZSTD_outBuffer    ob;
	size_t            left;

	for (;;) {
		if (compress_room(out, len) != 0)
			return -1;
		ob.dst = out->data + out->len;
		ob.size = out->cap - out->len;
		ob.pos = 0;
		left = ZSTD_compressStream2(z->zc, &ob, &ib, how);
		out->len += ob.pos;
		if (ZSTD_isError(left))
			return -1;
		if (how == ZSTD_e_continue ? ib.pos == ib.size : left == 0)
			return 0;
	}
}

int
compress_data(struct compress *z, const void *in, size_t len,
    enum compress_mode mode, struct buf *out)
{
	int r;

	if (z->ended)
		return len == 0 ? 0 : -1;
	if (len == 0 && mode == COMPRESS_RUN)
		return 0;
	r = z->enc == COMPRESS_GZIP ? compress_gzip(z, in, len, mode, out) :
	                              compress_zstd(z, in, len, mode, out);
	if (r == 0 && mode == COMPRESS_FINISH)
		z->ended = 1;
	if (r != 0)
		z->ended = 1;
	return r;
}
