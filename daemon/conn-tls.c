/* SPDX-License-Identifier: ISC */
/* TLS on client connections: ciphertext between the socket and tls.c. */

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "conn.h"
#include "list.h"
#include "log.h"
#include "tls.h"
#include "util.h"
#include "wbuf.h"
#include "worker.h"

/* Plaintext encrypted at once is bounded by what a pump hands over. */
#define CONN_TLS_CIPHER_MAX (4 * 1024 * 1024)

/*
 * TLS on a client connection: the mbedTLS side, and ciphertext on its way
 * out.  Plaintext writes are encrypted whole into out's pending bytes and
 * count as one write, finished when all of it is on the wire.
 */
struct conn_tls {
	struct tls_conn *tls;
	struct conn     *c;
	struct wbuf      out; /* ciphertext: queued, and the write under way */
	uv_write_t      *notify; /* a plaintext write waiting for the drain */
	uv_write_cb      notify_cb;
	struct list      dlink;   /* worker->drain: plaintext left inside */
	int              closing; /* close once the queue is on the wire */
};

static void conn_tls_flush(struct conn *);
static void conn_tls_write_done(struct wbuf *, int);
static void conn_tls_input(struct conn *);

int
conn_tls_start(struct conn *c)
{
	struct conn_tls *t;

	if (c->cs.cfg->tls == NULL)
		return -1;
	t = xcalloc(1, sizeof *t);
	if ((t->tls = tls_conn_new(c->cs.cfg->tls)) == NULL) {
		free(t);
		return -1;
	}
	t->c = c;
	wbuf_init(&t->out, (uv_stream_t *)&c->tcp, CONN_TLS_CIPHER_MAX,
	    conn_tls_write_done);
	list_init(&t->dlink);
	c->tls = t;
	c->cs.tls = 1;
	return 0;
}

/* From the close callback: no write of ours is in flight any more. */
void
conn_tls_free(struct conn *c)
{
	struct conn_tls *t = c->tls;

	if (t == NULL)
		return;
	list_remove(&t->dlink);
	tls_conn_free(t->tls);
	wbuf_free(&t->out);
	free(t);
	c->tls = NULL;
}

void
conn_tls_alloc(struct conn *c, uv_buf_t *b)
{
	size_t room;
	char  *p = tls_conn_inbuf(c->tls->tls, &room);

	*b = uv_buf_init(p, p != NULL ? room : 0);
}

static void
conn_tls_write_done(struct wbuf *w, int status)
{
	struct conn_tls *t = container_of(w, struct conn_tls, out);
	struct conn     *c = t->c;
	uv_write_t      *nreq;
	uv_write_cb      ncb;

	if (c->cs.closing)
		return;
	if (status < 0) {
		if (t->notify != NULL) {
			nreq = t->notify;
			ncb = t->notify_cb;
			t->notify = NULL;
			ncb(nreq, status);
		} else
			conn_close(c);
		return;
	}
	conn_tls_flush(c);
}

/*
 * Move what tls.c sealed into our queue and put the queue on the wire.  A
 * plaintext write waiting for the drain is told when the queue is empty.
 */
static void
conn_tls_flush(struct conn *c)
{
	struct conn_tls *t = c->tls;
	struct buf      *q = &t->out.pending;
	const char      *p;
	size_t           len;
	uv_buf_t         b;
	int              r;
	uv_write_t      *nreq;
	uv_write_cb      ncb;

	while ((p = tls_conn_out(t->tls, &len)) != NULL && len > 0) {
		if (buf_append(q, p, len) != 0)
			break;
		tls_conn_out_consume(t->tls, len);
	}
	if (wbuf_busy(&t->out))
		return;
	if (q->len > 0) {
		/* Most writes fit the socket's buffer: no write request. */
		b = uv_buf_init(q->data, q->len);
		r = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
		if (r == UV_EAGAIN || r == UV_ENOSYS)
			r = 0;
		if (r < 0) {
			conn_close(c);
			return;
		}
		buf_consume(q, (size_t)r);
		if (q->len > 0) {
			if (wbuf_flush(&t->out) != 0)
				conn_close(c);
			return;
		}
	}
	if (t->notify != NULL) {
		nreq = t->notify;
		ncb = t->notify_cb;
		t->notify = NULL;
		ncb(nreq, 0);
	} else if (t->closing)
		conn_end(c);
}

void
conn_tls_close(struct conn *c)
{
	struct conn_tls *t = c->tls;

	conn_read_stop(c);
	if (!tls_conn_handshake_done(t->tls) || tls_conn_shutdown(t->tls) < 0) {
		conn_close(c);
		return;
	}
	t->closing = 1;
	conn_tls_flush(c);
}

int
conn_tls_write(struct conn *c, uv_write_t *req, uv_buf_t *b, unsigned n,
    uv_write_cb cb)
{
	struct conn_tls *t = c->tls;
	unsigned         i;
	size_t           off;
	ssize_t          r;

	for (i = 0; i < n; i++) {
		for (off = 0; off < b[i].len; off += (size_t)r) {
			r = tls_conn_write(t->tls, b[i].base + off,
			    b[i].len - off);
			if (r < 0)
				return UV_EPROTO;
			if (r == 0) {
				/* tls.c's buffer is full: take it into ours. */
				const char *p;
				size_t      len;

				p = tls_conn_out(t->tls, &len);
				if (p == NULL || len == 0 ||
				    buf_append(&t->out.pending, p, len) != 0)
					return UV_ENOBUFS;
				tls_conn_out_consume(t->tls, len);
			}
		}
	}
	conn_tls_flush(c);
	if (c->cs.closing)
		return UV_ECANCELED;
	if (wbuf_idle(&t->out))
		return 0;
	t->notify = req;
	t->notify_cb = cb;
	return 1;
}

/* Decrypt what is buffered into c->in, then hand the plaintext on. */
static void
conn_tls_input(struct conn *c)
{
	struct conn_tls *t = c->tls;
	ssize_t          r;
	int              got = 0, eof = 0;

	for (;;) {
		if (c->in == NULL) {
			c->in = worker_buf_get(c->cs.w);
			c->inoff = c->inlen = c->scanned = 0;
		}
		if (c->inlen == WORKER_BUFSZ)
			break;
		r = tls_conn_read(t->tls, c->in + c->inlen,
		    WORKER_BUFSZ - c->inlen);
		if (r > 0) {
			c->inlen += (uint32_t)r;
			got = 1;
			continue;
		}
		if (r == 0)
			break;
		if (r == TLS_CLOSED) {
			eof = 1;
			break;
		}
		if (log_get_level() >= LOG_LVL_DEBUG) {
			char ip[INET6_ADDRSTRLEN];

			addr_format_ip(&c->cs.peer.sa, ip, sizeof ip);
			log_debug("client %s: TLS: %s", ip,
			    tls_conn_error(t->tls));
		}
		conn_tls_flush(c); /* the alert, if it can go */
		conn_close(c);
		return;
	}
	conn_tls_flush(c);
	if (c->cs.closing)
		return;
	if (got)
		conn_input(c);
	if (eof && !c->cs.closing)
		conn_input_end(c, 0);
}

void
conn_tls_read(struct conn *c, ssize_t nread)
{
	size_t room;

	tls_conn_in_commit(c->tls->tls, (size_t)nread);
	conn_tls_input(c);
	/* The TLS input buffer is full: read again once it is drained. */
	if (!c->cs.closing && c->reading &&
	    (tls_conn_inbuf(c->tls->tls, &room) == NULL || room == 0))
		conn_read_stop(c);
}

/*
 * Plaintext may be left inside tls.c when c->in filled up; no socket event
 * will come for it.  conn_read_start() puts such a connection on the
 * worker's drain list, which the worker runs once per loop iteration.
 */
void
conn_tls_want_drain(struct conn *c)
{
	struct conn_tls *t = c->tls;

	if (t == NULL || list_linked(&t->dlink) || !tls_conn_pending(t->tls))
		return;
	list_insert_tail(&c->cs.w->drain, &t->dlink);
	worker_drain_start(c->cs.w);
}

void
conn_tls_drain_all(struct worker *w)
{
	struct list      now = LIST_HEAD_INIT(now), *e, *n;
	struct conn_tls *t;
	struct conn     *c;

	/* Those this run puts on the list again wait for the next one. */
	list_for_each_safe (e, n, &w->drain) {
		list_remove(e);
		list_insert_tail(&now, e);
	}
	while ((t = list_first(&now, struct conn_tls, dlink)) != NULL) {
		list_remove(&t->dlink);
		c = t->c;
		/*
		 * A full c->in waits for conn_read_start() to call again, as
		 * does one whose reading stopped meanwhile; one shutting down
		 * (close_notify on its way, or lingering) takes nothing more.
		 */
		if (!c->cs.closing && c->reading && c->state != CS_LINGER &&
		    !t->closing && (c->in == NULL || c->inlen < WORKER_BUFSZ))
			conn_tls_input(c);
	}
}

/* Between requests: park the TLS state to free its record buffers. */
void
conn_tls_idle(struct conn *c)
{
	if (c->tls != NULL && wbuf_idle(&c->tls->out) &&
	    !tls_conn_pending(c->tls->tls) && tls_conn_park(c->tls->tls) == 0) {
		/* Our ciphertext queues go too; they grow again on demand. */
		wbuf_free(&c->tls->out);
		c->cs.w->parked++;
	}
}

const char *
conn_tls_version(const struct conn *c)
{
	const char *v;

	if (c->tls == NULL)
		return "";
	v = tls_conn_version(c->tls->tls);
	return v != NULL ? v : "";
}
