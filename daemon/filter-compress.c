/* SPDX-License-Identifier: ISC */
/* The compression filter: when a response is compressed, and the bytes. */

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "compress.h"
#include "config.h"
#include "filter.h"
#include "http.h"
#include "list.h"
#include "log.h"
#include "util.h"

struct filter_compress {
	struct body_filter f;
	struct compress   *z;
	struct buf         out; /* this step's output */
	enum compress_enc  enc;
	int                flush;
	const char        *id;
};

int
filter_compress_wanted(const struct route_conf *r,
    const struct http_response *resp, int has_len, uint64_t len)
{
	const struct http_header *h, *ctype = NULL;
	size_t                    i;
	int                       status = resp->status;

	if (!r->compress || status < 200 || status == 204 || status == 206 ||
	    status == 304)
		return 0;
	for (i = 0; i < resp->nheaders; i++) {
		h = &resp->headers[i];
		if (fd_strncaseeq(h->name, h->name_len, "Content-Encoding",
		        16) &&
		    !fd_strncaseeq(h->value, h->value_len, "identity", 8))
			return 0;
		if (fd_strncaseeq(h->name, h->name_len, "Content-Range", 13))
			return 0;
		if (fd_strncaseeq(h->name, h->name_len, "Cache-Control", 13) &&
		    http_list_has(h->value, h->value_len, "no-transform"))
			return 0;
		if (ctype == NULL &&
		    fd_strncaseeq(h->name, h->name_len, "Content-Type", 12))
			ctype = h;
	}
	if (ctype == NULL ||
	    fd_strncaseeq(ctype->value, MIN(ctype->value_len, 17),
	        "text/event-stream", 17) ||
	    !compress_type_ok(r->compress_types, ctype->value,
	        ctype->value_len))
		return 0;
	return !has_len || (len > 0 && len >= r->compress_min_size);
}

int
filter_compress_etag(const struct http_header *h, struct buf *b)
{
	if (h->value_len == 0 || h->value[0] != '"' ||
	    !fd_strncaseeq(h->name, h->name_len, "ETag", 4))
		return 0;
	/* Other bytes than the app's: the same only weakly. */
	buf_puts(b, "ETag: W/");
	buf_append(b, h->value, h->value_len);
	buf_puts(b, "\r\n");
	return 1;
}

void
filter_compress_headers(enum compress_enc enc, const struct http_response *resp,
    struct buf *b)
{
	const struct http_header *h;
	size_t                    i;

	if (enc != COMPRESS_NONE)
		buf_printf(b, "Content-Encoding: %s\r\n", compress_name(enc));
	for (i = 0; i < resp->nheaders; i++) {
		h = &resp->headers[i];
		if (fd_strncaseeq(h->name, h->name_len, "Vary", 4) &&
		    (http_list_has(h->value, h->value_len, "accept-encoding") ||
		        http_list_has(h->value, h->value_len, "*")))
			return;
	}
	buf_puts(b, "Vary: Accept-Encoding\r\n");
}

static int
filter_compress_data(struct body_filter *f, char **data, size_t *n, int last)
{
	struct filter_compress *fc = container_of(f, struct filter_compress, f);
	enum compress_mode      mode;

	mode = last   ? COMPRESS_FINISH :
	    fc->flush ? COMPRESS_FLUSH :
	                COMPRESS_RUN;
	buf_reset(&fc->out);
	if (compress_data(fc->z, *data, *n, mode, &fc->out) != 0) {
		log_warn("request %s: %s compression failed", fc->id,
		    compress_name(fc->enc));
		return -1;
	}
	*data = fc->out.data;
	*n = fc->out.len;
	return 0;
}

static void
filter_compress_free(struct body_filter *f)
{
	struct filter_compress *fc = container_of(f, struct filter_compress, f);

	compress_free(fc->z);
	buf_free(&fc->out);
	free(fc);
}

static const struct body_filter_ops filter_compress_ops = {
	.data = filter_compress_data,
	.free = filter_compress_free,
};

struct body_filter *
filter_compress_new(enum compress_enc enc, int flush, const char *id)
{
	struct filter_compress *fc;
	struct compress        *z;

	if ((z = compress_new(enc)) == NULL)
		return NULL;
	fc = xcalloc(1, sizeof *fc);
	fc->f.ops = &filter_compress_ops;
	fc->z = z;
	buf_init(&fc->out, 0);
	fc->enc = enc;
	fc->flush = flush;
	fc->id = id;
	return &fc->f;
}
