/* SPDX-License-Identifier: ISC */
/* Client connections: accept, read request heads, keep-alive, close. */

#include <sys/ioctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "conn.h"
#include "http-frame.h"
#include "http.h"
#include "log.h"
#include "stream.h"
#include "util.h"
#include "worker.h"

uint64_t worker_total_conns;

static void conn_process(struct conn *);
static void conn_process_one(struct conn *);
static void conn_exchange_done(struct conn *, int keepalive, int unread);

static void
conn_close_cb(uv_handle_t *h)
{
	struct conn   *c = h->data;
	struct worker *w = c->cs.w;

	if (c->x != NULL) {
		w->client_cb->free(c->x);
		c->x = NULL;
	}
	if (c->in != NULL)
		worker_buf_put(w, c->in);
	http_reqbody_free(&c->body);
	conn_tls_free(c);
	list_remove(&c->link);
	config_unref(c->cs.cfg);
	free(c);
	w->nconns--;
	w->open_handles--;
	__atomic_sub_fetch(&worker_total_conns, 1, __ATOMIC_RELAXED);
}

void
conn_close(struct conn *c)
{
	if (c->cs.closing)
		return;
	c->cs.closing = 1;
	if (c->x != NULL)
		c->cs.w->client_cb->abort(c->x);
	timeout_del(&c->cs.w->timeouts, &c->te);
	uv_close((uv_handle_t *)&c->tcp, conn_close_cb);
}

static void
conn_timeout(struct timeout *te)
{
	struct conn *c = container_of(te, struct conn, te);

	if (c->state == CS_HEAD && c->x == NULL) {
		/* Part of a head came, not all of it: say so. */
		c->x = c->cs.w->client_cb->start(&c->cs);
		c->cs.w->client_cb->refuse(c->x, 408);
		return;
	}
	conn_close(c);
}

/* A TLS connection quiet since its last request: park it, then wait on. */
static void
conn_park_timeout(struct timeout *te)
{
	struct conn *c = container_of(te, struct conn, te);

	if (c->state != CS_IDLE || c->x != NULL || c->in != NULL) {
		conn_timeout(te);
		return;
	}
	conn_tls_idle(c);
	timeout_set(&c->cs.w->timeouts, &c->te,
	    c->cs.cfg->idle_timeout_ms - CONN_TLS_PARK_MS, conn_timeout);
}

static void
conn_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct conn *c = h->data;

	(void)hint;
	if (c->state == CS_LINGER) {
		*b = uv_buf_init(c->cs.w->scratch, WORKER_BUFSZ);
		return;
	}
	if (c->tls != NULL) {
		conn_tls_alloc(c, b);
		return;
	}
	if (c->in == NULL) {
		/*
		 * Between requests the connection has no buffer: read into the
		 * worker's scratch, and take a buffer only if bytes came (a
		 * close costs no allocation).
		 */
		*b = uv_buf_init(c->cs.w->scratch, WORKER_BUFSZ);
		return;
	}
	*b = uv_buf_init(c->in + c->inlen, WORKER_BUFSZ - c->inlen);
}

static void
conn_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct conn *c = s->data;

	(void)b;
	if (nread == 0 || c->cs.closing)
		return;
	if (c->state == CS_LINGER) {
		if (nread < 0)
			conn_close(c);
		return;
	}
	if (nread < 0) {
		conn_input_end(c, nread == UV_EOF ? 0 : (int)nread);
		return;
	}
	if (c->tls != NULL) {
		conn_tls_read(c, nread);
		return;
	}
	if (c->in == NULL) {
		c->in = worker_buf_get(c->cs.w);
		memcpy(c->in, c->cs.w->scratch, (size_t)nread);
		c->inoff = c->inlen = c->scanned = 0;
	}
	c->inlen += nread;
	conn_input(c);
	/* A full buffer is read again only once something is consumed. */
	if (c->reading && c->in != NULL && c->inlen == WORKER_BUFSZ)
		conn_read_stop(c);
}

void
conn_read_start(struct conn *c)
{
	if (c->reading || c->cs.closing || c->eof)
		return;
	if (uv_read_start((uv_stream_t *)&c->tcp, conn_alloc_cb,
	        conn_read_cb) == 0)
		c->reading = 1;
	/* Plaintext may wait inside TLS with no socket event to come. */
	if (c->tls != NULL && c->state != CS_LINGER)
		conn_tls_want_drain(c);
}

void
conn_read_stop(struct conn *c)
{
	if (!c->reading)
		return;
	uv_read_stop((uv_stream_t *)&c->tcp);
	c->reading = 0;
}

/* Move unread bytes to the front to make room at the end. */
static void
conn_compact(struct conn *c)
{
	if (c->inoff == 0)
		return;
	memmove(c->in, c->in + c->inoff, c->inlen - c->inoff);
	c->inlen -= c->inoff;
	c->scanned = c->scanned > c->inoff ? c->scanned - c->inoff : 0;
	c->inoff = 0;
}

/* Whether the unread bytes could hold a complete head (an empty line). */
static int
conn_head_ready(struct conn *c)
{
	const char *p = c->in + c->inoff;
	size_t      len = c->inlen - c->inoff, i;

	i = c->scanned > 3 ? c->scanned - 3 : 0;
	for (; i + 1 < len; i++) {
		if (p[i] == '\n' &&
		    (p[i + 1] == '\n' ||
		        (p[i + 1] == '\r' && i + 2 < len && p[i + 2] == '\n')))
			return 1;
	}
	c->scanned = len;
	/* Let the parser judge limits (414/431) once they could be passed. */
	return len >= c->cs.cfg->max_uri_size ||
	    len >= c->cs.cfg->max_header_size;
}

/*
 * Parse and dispatch what is in the buffer.  A request answered at once (an
 * error page) ends inside this call and may leave a pipelined one behind: the
 * loop takes it, rather than recursing once per pipelined request.
 */
static void
conn_process(struct conn *c)
{
	if (c->processing) {
		c->again = 1;
		return;
	}
	c->processing = 1;
	do {
		c->again = 0;
		conn_process_one(c);
	} while (c->again && !c->cs.closing && c->state == CS_IDLE);
	c->processing = 0;
}

static void
conn_process_one(struct conn *c)
{
	struct http_header  hdrs[128];
	struct http_request req;
	struct http_limits  lim;
	const char         *why = NULL;
	int                 r;

	if (c->inoff == c->inlen) {
		c->inoff = c->inlen = c->scanned = 0;
		return;
	}
	if (c->state == CS_IDLE) {
		/*
		 * A new request on a kept-alive connection is served by the
		 * configuration in force now; one in flight kept its own.
		 */
		if (c->cs.cfg != c->cs.w->config) {
			config_unref(c->cs.cfg);
			c->cs.cfg = config_ref(c->cs.w->config);
		}
		/* First byte of a request: the head has this long to arrive. */
		c->state = CS_HEAD;
		timeout_set(&c->cs.w->timeouts, &c->te,
		    c->cs.cfg->header_timeout_ms, conn_timeout);
	}
	if (!conn_head_ready(c)) {
		if (c->eof) {
			/* Shut after a part of a head: nothing more comes. */
			conn_close(c);
			return;
		}
		if (c->inlen == WORKER_BUFSZ)
			conn_compact(c);
		return;
	}
	lim.max_head = MIN(c->cs.cfg->max_header_size, WORKER_BUFSZ);
	lim.max_uri = c->cs.cfg->max_uri_size;
	lim.max_headers = MIN(c->cs.cfg->max_headers, nitems(hdrs));
	r = http_parse_request(c->in + c->inoff, c->inlen - c->inoff, &lim,
	    &req, hdrs, &why);
	if (r == 0) {
		if (c->eof) {
			conn_close(c);
			return;
		}
		if (c->inlen == WORKER_BUFSZ)
			conn_compact(c);
		return;
	}
	timeout_del(&c->cs.w->timeouts, &c->te);
	c->state = CS_EXCHANGE;
	c->fresh = 0;
	c->x = c->cs.w->client_cb->start(&c->cs);
	if (r < 0) {
		if (log_get_level() >= LOG_LVL_DEBUG) {
			char ip[INET6_ADDRSTRLEN];

			addr_format_ip(&c->cs.peer.sa, ip, sizeof ip);
			log_debug("client %s: bad request head: %s", ip,
			    why != NULL ? why : "?");
		}
		conn_read_stop(c);
		http_reqbody_start(&c->body, NULL);
		c->cs.w->client_cb->refuse(c->x, -r);
		return;
	}
	/* The head is the client side's; its body the exchange's. */
	c->inoff += (uint32_t)r;
	c->frame.version = req.version;
	http_reqbody_start(&c->body, &req);
	c->cs.w->client_cb->request(c->x, &req, (size_t)r);
}

static void
conn_linger_timeout(struct timeout *te)
{
	conn_close(container_of(te, struct conn, te));
}

/* Whether the client may still be sending: bytes we have not read. */
static int
conn_unread(struct conn *c)
{
	uv_os_fd_t fd;
	int        n = 0;

	if (c->eof)
		return 0;
	if (c->unread || c->inoff < c->inlen)
		return 1;
	return uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0 &&
	    ioctl(fd, FIONREAD, &n) == 0 && n > 0;
}

/*
 * Closing a socket with bytes unread makes the kernel send a reset, and a
 * reset can destroy the response in the client's buffer before the client
 * reads it: a client still sending a body we refused would never see the
 * 413.  So when the client may still be sending, shut our side only, then
 * read and drop what comes until the client closes or CONN_LINGER_MS pass
 * (nginx's lingering close).
 */
void
conn_end(struct conn *c)
{
	uv_os_fd_t fd;

	if (c->cs.closing)
		return;
	if (c->cs.w->stopping || !conn_unread(c) ||
	    uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) != 0 ||
	    uv_fileno((uv_handle_t *)&c->tcp, &fd) != 0 ||
	    shutdown(fd, SHUT_WR) != 0) {
		conn_close(c);
		return;
	}
	c->state = CS_LINGER;
	if (c->in != NULL) {
		worker_buf_put(c->cs.w, c->in);
		c->in = NULL;
	}
	c->inoff = c->inlen = c->scanned = 0;
	timeout_set(&c->cs.w->timeouts, &c->te, CONN_LINGER_MS,
	    conn_linger_timeout);
	conn_read_start(c);
}

static void
conn_exchange_done(struct conn *c, int keepalive, int unread)
{
	if (c->x != NULL) {
		c->cs.w->client_cb->free(c->x);
		c->x = NULL;
	}
	/* The framing was the exchange's (its trailers are gone with it). */
	c->frame.trailers = NULL;
	c->frame.kind = 0;
	if (!keepalive || c->cs.w->stopping) {
		c->unread = (uint8_t)(unread != 0);
		if (c->tls != NULL) {
			/* close_notify first; bounded by the header timeout. */
			timeout_set(&c->cs.w->timeouts, &c->te,
			    c->cs.cfg->header_timeout_ms, conn_timeout);
			conn_tls_close(c);
		} else
			conn_end(c);
		return;
	}
	c->state = CS_IDLE;
	c->scanned = 0;
	if (c->inoff == c->inlen) {
		c->inoff = c->inlen = 0;
		/*
		 * Idle: the buffer goes back until bytes arrive, and the room
		 * for a chunked body's trailer fields with it.
		 */
		if (c->in != NULL) {
			worker_buf_put(c->cs.w, c->in);
			c->in = NULL;
		}
		http_reqbody_free(&c->body);
		if (c->tls != NULL &&
		    c->cs.cfg->idle_timeout_ms > CONN_TLS_PARK_MS) {
			/*
			 * Park TLS state only after a quiet moment: parking
			 * and waking cost a key derivation each, too much
			 * between the requests of a busy connection.
			 */
			timeout_set(&c->cs.w->timeouts, &c->te,
			    CONN_TLS_PARK_MS, conn_park_timeout);
		} else
			timeout_set(&c->cs.w->timeouts, &c->te,
			    c->cs.cfg->idle_timeout_ms, conn_timeout);
		conn_read_start(c);
		return;
	}
	/* A pipelined request is waiting in the buffer. */
	conn_compact(c);
	conn_read_start(c);
	conn_process(c);
}

void
conn_stop_idle(struct conn *c)
{
	if ((c->state == CS_IDLE || c->state == CS_LINGER) && c->x == NULL)
		conn_close(c);
}

/* Plaintext came into c->in, from the socket or out of TLS. */
void
conn_input(struct conn *c)
{
	if (c->state == CS_EXCHANGE)
		c->cs.w->client_cb->data(c->x);
	else
		conn_process(c);
}

/* Nothing more comes from the client: error 0 when it shut its side. */
void
conn_input_end(struct conn *c, int error)
{
	conn_read_stop(c);
	if (c->x != NULL && c->state == CS_EXCHANGE) {
		/* What is buffered is answered, then the connection closes. */
		if (error == 0)
			c->eof = 1;
		c->cs.w->client_cb->eof(c->x, error);
	} else
		conn_close(c);
}

/*
 * The plaintext goes to TLS, or straight to the socket: 0 written now, 1
 * queued (cb runs later), < 0 an error.
 */
static int
conn_write(struct conn *c, uv_write_t *req, uv_buf_t *b, unsigned n,
    uv_write_cb cb)
{
	if (c->tls != NULL)
		return conn_tls_write(c, req, b, n, cb);
	return stream_write((uv_stream_t *)&c->tcp, req, b, n, cb);
}

void
conn_accept(struct worker *w, uv_stream_t *server, int tls)
{
	struct conn *c;
	int          len, error;
	uint64_t     n;

	c = xcalloc(1, sizeof *c);
	c->cs.ops = &conn_client_ops;
	c->cs.w = w;
	c->tcp.data = c;
	if ((error = uv_tcp_init(&w->loop, &c->tcp)) != 0) {
		free(c);
		return;
	}
	c->cs.cfg = config_ref(w->config);
	c->fresh = 1;
	list_insert_head(&w->conns, &c->link);
	w->nconns++;
	w->open_handles++;
	n = __atomic_add_fetch(&worker_total_conns, 1, __ATOMIC_RELAXED);
	if ((error = uv_accept(server, (uv_stream_t *)&c->tcp)) != 0) {
		conn_close(c);
		return;
	}
	if (n > c->cs.cfg->max_connections || w->stopping) {
		/* Over the limit: accepted only to be closed, not queued. */
		conn_close(c);
		return;
	}
	len = sizeof c->cs.peer;
	if (uv_tcp_getpeername(&c->tcp, &c->cs.peer.sa, &len) != 0) {
		conn_close(c);
		return;
	}
	if (tls && conn_tls_start(c) != 0) {
		conn_close(c);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	/* For TLS this also bounds the handshake. */
	timeout_set(&w->timeouts, &c->te, c->cs.cfg->header_timeout_ms,
	    conn_timeout);
	conn_read_start(c);
}

/*
 * The client side the exchange sees (client-side.h): the request body is
 * read from what follows the head in c->in, its framing undone (c->body).
 */
static void
conn_cs_read_start(struct client_side *cs)
{
	conn_read_start(container_of(cs, struct conn, cs));
}

static void
conn_cs_read_stop(struct client_side *cs)
{
	conn_read_stop(container_of(cs, struct conn, cs));
}

static int
conn_cs_peek(struct client_side *cs, char **data, size_t *len)
{
	struct conn *c = container_of(cs, struct conn, cs);

	return http_reqbody_peek(&c->body,
	    c->in != NULL ? c->in + c->inoff : NULL, c->inlen - c->inoff, data,
	    len);
}

static void
conn_cs_consume(struct client_side *cs, size_t n)
{
	struct conn *c = container_of(cs, struct conn, cs);

	c->inoff += (uint32_t)http_reqbody_take(&c->body, n);
}

/* Consumed bytes are out of use: an emptied buffer fills from its start. */
static void
conn_cs_release(struct client_side *cs)
{
	struct conn *c = container_of(cs, struct conn, cs);

	if (c->inoff == c->inlen)
		c->inoff = c->inlen = 0;
}

static size_t
conn_cs_held(const struct client_side *cs)
{
	const struct conn *c = container_of(cs, const struct conn, cs);

	return c->inlen - c->inoff;
}

/* Nothing more of a body: what is held goes, and with it the connection. */
static void
conn_cs_discard(struct client_side *cs)
{
	struct conn *c = container_of(cs, struct conn, cs);

	http_reqbody_start(&c->body, NULL);
	c->inoff = c->inlen = 0;
}

static struct http_chunked *
conn_cs_trailers(struct client_side *cs)
{
	return http_reqbody_trailers(&container_of(cs, struct conn, cs)->body);
}

static int
conn_cs_full(const struct client_side *cs)
{
	return container_of(cs, const struct conn, cs)->inlen == WORKER_BUFSZ;
}

static int
conn_cs_ended(const struct client_side *cs)
{
	return container_of(cs, const struct conn, cs)->eof;
}

static int
conn_cs_write(struct client_side *cs, uv_write_t *req, uv_buf_t *b, unsigned n,
    uv_write_cb cb)
{
	return conn_write(container_of(cs, struct conn, cs), req, b, n, cb);
}

static void
conn_cs_interim(struct client_side *cs, struct buf *b, unsigned status,
    const char *reason)
{
	(void)cs;
	http_frame_interim(b, status, reason);
}

static void
conn_cs_head_start(struct client_side *cs, struct buf *b,
    const struct client_resp *r)
{
	(void)cs;
	http_frame_head_start(b, r);
}

static int
conn_cs_head_end(struct client_side *cs, struct buf *b,
    const struct client_resp *r)
{
	struct conn *c = container_of(cs, struct conn, cs);

	/* Past a 101, what the client sends is the tunnel's. */
	if (r->flags & CLIENT_RESP_TUNNEL)
		http_reqbody_raw(&c->body);
	return http_frame_head_end(&c->frame, b, r);
}

static void
conn_cs_body(struct client_side *cs, struct body_out *o, char *data, size_t n,
    int last)
{
	http_frame_body(&container_of(cs, struct conn, cs)->frame, o, data, n,
	    last);
}

static void
conn_cs_abort(struct client_side *cs)
{
	conn_close(container_of(cs, struct conn, cs));
}

static void
conn_cs_done(struct client_side *cs, int keepalive, int unread)
{
	conn_exchange_done(container_of(cs, struct conn, cs), keepalive,
	    unread);
}

static const char *
conn_cs_tls_version(const struct client_side *cs)
{
	return conn_tls_version(container_of(cs, const struct conn, cs));
}

const struct client_ops conn_client_ops = {
	.read_start = conn_cs_read_start,
	.read_stop = conn_cs_read_stop,
	.peek = conn_cs_peek,
	.consume = conn_cs_consume,
	.release = conn_cs_release,
	.held = conn_cs_held,
	.discard = conn_cs_discard,
	.trailers = conn_cs_trailers,
	.full = conn_cs_full,
	.ended = conn_cs_ended,
	.write = conn_cs_write,
	.interim = conn_cs_interim,
	.head_start = conn_cs_head_start,
	.head_end = conn_cs_head_end,
	.body = conn_cs_body,
	.abort = conn_cs_abort,
	.done = conn_cs_done,
	.tls_version = conn_cs_tls_version,
};
