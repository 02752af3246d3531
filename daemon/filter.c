/* SPDX-License-Identifier: ISC */
/* The chain of body filters, and the client's HTTP/1 sink at its end. */

#include <stdio.h>

#include "filter.h"
#include "http.h"

void
body_chain_add(struct body_filter **head, struct body_filter *f)
{
	while (*head != NULL)
		head = &(*head)->next;
	f->next = NULL;
	*head = f;
}

int
body_chain_run(struct body_filter *head, char **data, size_t *n, int last)
{
	struct body_filter *f;

	for (f = head; f != NULL; f = f->next) {
		if (f->ops->data(f, data, n, last) != 0)
			return -1;
	}
	return 0;
}

void
body_chain_stop(struct body_filter *head)
{
	struct body_filter *f;

	for (f = head; f != NULL; f = f->next) {
		if (f->ops->stop != NULL)
			f->ops->stop(f);
	}
}

void
body_chain_free(struct body_filter **head)
{
	struct body_filter *f;

	while ((f = *head) != NULL) {
		*head = f->next;
		f->ops->free(f);
	}
}

/* A step queues a head and one call's worth of the sink's. */
_Static_assert(BODY_OUT_BUFS >= 1 + 6, "a step's bufs fit in body_out");

void
body_sink_init(struct body_sink *s, enum sink_framing framing,
    struct http_chunked *trailers)
{
	s->framing = (uint8_t)framing;
	s->trailers = trailers;
}

size_t
body_last_chunk(struct http_chunked *ch, uv_buf_t *b, unsigned *nb)
{
	static char last[] = "0\r\n", crlf[] = "\r\n";
	size_t      n = 0;

	b[(*nb)++] = uv_buf_init(last, 3);
	if (ch != NULL && ch->trailers != NULL && ch->trailers_len > 0) {
		/* Filtered in place: what is kept never passes what is read. */
		n = http_trailers_filter(ch->trailers, ch->trailers_len,
		    ch->trailers);
		ch->trailers_len = 0;
		if (n > 0)
			b[(*nb)++] = uv_buf_init(ch->trailers, n);
	}
	b[(*nb)++] = uv_buf_init(crlf, 2);
	return 5 + n;
}

void
body_sink_data(struct body_sink *s, struct body_out *o, char *data, size_t n,
    int last)
{
	static char crlf[] = "\r\n";
	size_t      hl;

	if (s->framing != SINK_CHUNKED) {
		body_out_add(o, data, n);
		o->body_bytes += n;
		return;
	}
	if (n > 0) {
		/* An empty chunk would end the body: none is written. */
		hl = (size_t)snprintf(s->chunk, sizeof s->chunk, "%zx\r\n", n);
		o->b[o->nb++] = uv_buf_init(s->chunk, hl);
		o->b[o->nb++] = uv_buf_init(data, n);
		o->b[o->nb++] = uv_buf_init(crlf, 2);
		o->body_bytes += hl + n + 2;
	}
	if (last)
		o->body_bytes += body_last_chunk(s->trailers, o->b, &o->nb);
}
