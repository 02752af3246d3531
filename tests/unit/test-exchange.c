/* SPDX-License-Identifier: ISC */
/* Unit tests for daemon/exchange.c: an exchange with a fake client and backend. */

/*
 * The exchange is driven through the tables it is known by: the client side
 * calls worker->client_cb (proxy_client_cb), the backend side the
 * backend_conn_cb given to backend_conn_get().  Below, a client side
 * (client-side.h: struct client_ops, as an HTTP/1 connection keeps its
 * buffer), backend-conn.h, gate.h, health.h and the worker bits the exchange
 * calls down into are fakes with no socket and
 * nothing on the loop: the fake client holds the bytes it will send and
 * records what it is written, the fake backend the same; each delivers
 * bytes only while it is read from, and a write stays in flight until the
 * test completes it, as the real ones do.  settle() plays the loop's turn:
 * it delivers what may be read and runs the close callbacks.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "accesslog.h"
#include "buf.h"
#include "config.h"
#include "client-side.h"
#include "gate.h"
#include "health.h"
#include "http-frame.h"
#include "http-reqbody.h"
#include "http.h"
#include "log.h"
#include "exchange.h"
#include "stats.h"
#include "backend-conn.h"
#include "util.h"
#include "worker.h"

/* The request id every exchange gets: worker_random() below. */
#define ID "0123456789abcdef"

#define MAX_UPS 4

enum up_state {
	UP_OWNED = 1, /* an exchange's */
	UP_POOLED,    /* released: idle in the pool */
	UP_CLOSED,
};

/* A backend connection and the backend at its other end. */
struct fake_up {
	struct backend_conn u;
	enum up_state       state;
	struct buf          pending; /* sent by the backend, not read yet */
	int                 eof;     /* then it closes (1) */
	struct buf          got;     /* what the exchange wrote to it */
	uv_buf_t            wb[16];  /* a write in flight */
	unsigned            nwb;
	int                 writes;
	uint64_t            timeout_ms;
};

/* The fake client side's states, as an HTTP/1 connection has them. */
enum client_state {
	CS_IDLE = 0,
	CS_HEAD,
	CS_EXCHANGE,
	CS_LINGER,
};

/* The fake client side: an HTTP/1 connection's input buffer, no socket. */
struct fake_client {
	struct client_side  cs;
	char               *in;
	uint32_t            inoff; /* unread bytes: [inoff, inlen) */
	uint32_t            inlen;
	uint32_t            scanned;
	uint8_t             state; /* enum client_state */
	uint8_t             reading;
	uint8_t             fresh;
	uint8_t             eof; /* the client shut its side */
	struct exchange    *x;
	struct http_frame   frame; /* HTTP/1's, as the connection frames */
	struct http_reqbody body;  /* and reads a request's body */
};

static struct fixture {
	struct worker      w;
	struct fake_client c;

	/* The client. */
	struct buf  c_pending; /* sent, not read yet */
	int         c_end;     /* then it shuts its side (1) or resets (-1) */
	struct buf  c_got;     /* what the exchange wrote to it */
	int         c_hold;    /* writes stay in flight: client_written() */
	uv_write_t *c_wreq;
	uv_write_cb c_wcb;
	uv_buf_t    c_wb[16];
	unsigned    c_nwb;
	int         c_writes;
	int         c_done; /* client_ops.done calls */
	int         c_keepalive, c_unread;
	int         c_closes;   /* client_ops.abort calls */
	int         c_discards; /* client_ops.discard calls */
	int         c_closed;   /* the close callback ran */
	int         c_starts, c_frees;
	/* client_ops.head_start, head_end, body calls; the body's bytes */
	int    c_head_starts, c_head_ends, c_bodies;
	size_t c_body_bytes;

	/* The backend. */
	struct fake_up ups[MAX_UPS];
	unsigned       nups;
	int            up_hold; /* writes stay in flight: backend_written() */
	int            gets, releases, closes;

	int health_failures, health_successes;
	int gate_checks;
} f;

static struct config *cfg;
static char           tmpdir[] = "/tmp/fd-test-exchange.XXXXXX";
static char           inipath[sizeof tmpdir + 16];

static void settle(void);

/* Fakes of the worker, the gate, passive health and the access log. */

uint64_t
worker_random(struct worker *w)
{
	(void)w;
	return 0x0123456789abcdefull;
}

enum gate_result
gate_check(struct gate_req *g, const struct http_request *req)
{
	(void)req;
	/* What the gate is given to decide with, and to answer through. */
	assert_non_null(g->route);
	assert_ptr_equal(g->cfg, f.c.cs.cfg);
	assert_non_null(g->peer);
	assert_string_equal(g->client_ip, "127.0.0.1");
	assert_non_null(g->id);
	assert_non_null(g->country);
	assert_non_null(g->done);
	assert_non_null(g->deny);
	assert_null(g->job);
	f.gate_checks++;
	return GATE_PASS;
}

void
gate_cancel(struct gate_req *g)
{
	(void)g;
	fail_msg("no check was left pending");
}

int
health_usable(const struct backend_conf *b, uint64_t now_ms)
{
	(void)b;
	(void)now_ms;
	return 1;
}

int
health_is_up(const struct backend_conf *b)
{
	(void)b;
	return 1;
}

void
health_failure(const struct route_conf *r, const struct backend_conf *b,
    const char *why)
{
	(void)r;
	(void)b;
	(void)why;
	f.health_failures++;
}

void
health_success(const struct route_conf *r, const struct backend_conf *b)
{
	(void)r;
	(void)b;
	f.health_successes++;
}

int accesslog_fd = -1;

void
accesslog_write(struct worker *w, const struct accesslog_line *l)
{
	(void)w;
	(void)l;
	fail_msg("a line for an access log that is off");
}

/* The fake client side: client-side.h. */

static struct fake_client *
client_of(const struct client_side *cs)
{
	assert_ptr_equal(cs, &f.c.cs);
	return &f.c;
}

static void
client_read_start(struct client_side *cs)
{
	struct fake_client *c = client_of(cs);

	if (c->reading || c->cs.closing || c->eof)
		return;
	c->reading = 1;
}

static void
client_read_stop(struct client_side *cs)
{
	client_of(cs)->reading = 0;
}

static int
client_peek(struct client_side *cs, char **data, size_t *len)
{
	struct fake_client *c = client_of(cs);

	return http_reqbody_peek(&c->body, c->in + c->inoff,
	    c->inlen - c->inoff, data, len);
}

static void
client_consume(struct client_side *cs, size_t n)
{
	struct fake_client *c = client_of(cs);
	size_t              used;

	used = http_reqbody_take(&c->body, n);
	assert_true(used <= c->inlen - c->inoff);
	c->inoff += (uint32_t)used;
}

static void
client_release(struct client_side *cs)
{
	struct fake_client *c = client_of(cs);

	if (c->inoff == c->inlen)
		c->inoff = c->inlen = 0;
}

static size_t
client_held(const struct client_side *cs)
{
	const struct fake_client *c = client_of(cs);

	return c->inlen - c->inoff;
}

static void
client_discard(struct client_side *cs)
{
	struct fake_client *c = client_of(cs);

	f.c_discards++;
	http_reqbody_start(&c->body, NULL);
	c->inoff = c->inlen = 0;
}

static struct http_chunked *
client_trailers(struct client_side *cs)
{
	return http_reqbody_trailers(&client_of(cs)->body);
}

static int
client_full(const struct client_side *cs)
{
	return client_of(cs)->inlen == WORKER_BUFSZ;
}

static int
client_ended(const struct client_side *cs)
{
	return client_of(cs)->eof;
}

static void
bufs_append(struct buf *to, const uv_buf_t *b, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		assert_int_equal(buf_append(to, b[i].base, b[i].len), 0);
}

static int
client_write(struct client_side *cs, uv_write_t *req, uv_buf_t *b, unsigned n,
    uv_write_cb cb)
{
	struct fake_client *c = client_of(cs);

	assert_false(c->cs.closing);
	/* One write at a time: the back-pressure. */
	assert_null(f.c_wcb);
	f.c_writes++;
	if (!f.c_hold) {
		bufs_append(&f.c_got, b, n);
		return 0;
	}
	/* The bytes are taken when the write completes: they must stay. */
	assert_true(n <= nitems(f.c_wb));
	memcpy(f.c_wb, b, n * sizeof *b);
	f.c_nwb = n;
	f.c_wreq = req;
	f.c_wcb = cb;
	return 1;
}

static void
client_abort(struct client_side *cs)
{
	struct fake_client *c = client_of(cs);

	if (c->cs.closing)
		return;
	c->cs.closing = 1;
	c->reading = 0;
	f.c_closes++;
	if (c->x != NULL)
		c->cs.w->client_cb->abort(c->x);
}

static void
client_done(struct client_side *cs, int keepalive, int unread)
{
	struct fake_client *c = client_of(cs);

	assert_non_null(c->x);
	f.c_done++;
	f.c_keepalive = keepalive;
	f.c_unread = unread;
	c->cs.w->client_cb->free(c->x);
	f.c_frees++;
	c->x = NULL;
	if (!keepalive) {
		/* Ended: nothing more is read from it. */
		c->state = CS_LINGER;
		c->reading = 0;
		return;
	}
	c->state = CS_IDLE;
	c->scanned = 0;
	if (c->inoff == c->inlen)
		c->inoff = c->inlen = 0;
	client_read_start(cs);
}

/* The head and the body framed as an HTTP/1 connection frames them. */
static void
client_interim(struct client_side *cs, struct buf *b, unsigned status,
    const char *reason)
{
	(void)client_of(cs);
	http_frame_interim(b, status, reason);
}

static void
client_head_start(struct client_side *cs, struct buf *b,
    const struct client_resp *r)
{
	(void)client_of(cs);
	f.c_head_starts++;
	http_frame_head_start(b, r);
}

static int
client_head_end(struct client_side *cs, struct buf *b,
    const struct client_resp *r)
{
	struct fake_client *c = client_of(cs);

	f.c_head_ends++;
	if (r->flags & CLIENT_RESP_TUNNEL)
		http_reqbody_raw(&c->body);
	return http_frame_head_end(&c->frame, b, r);
}

static void
client_body(struct client_side *cs, struct body_out *o, char *data, size_t n,
    int last)
{
	f.c_bodies++;
	f.c_body_bytes += n;
	http_frame_body(&client_of(cs)->frame, o, data, n, last);
}

static const char *
client_tls_version(const struct client_side *cs)
{
	(void)client_of(cs);
	return "";
}

static const struct client_ops client_ops = {
	.read_start = client_read_start,
	.read_stop = client_read_stop,
	.peek = client_peek,
	.consume = client_consume,
	.release = client_release,
	.held = client_held,
	.discard = client_discard,
	.trailers = client_trailers,
	.full = client_full,
	.ended = client_ended,
	.write = client_write,
	.interim = client_interim,
	.head_start = client_head_start,
	.head_end = client_head_end,
	.body = client_body,
	.abort = client_abort,
	.done = client_done,
	.tls_version = client_tls_version,
};

/* The fake backend connections: backend-conn.h. */

static struct fake_up *
fake_up(struct backend_conn *u)
{
	return container_of(u, struct fake_up, u);
}

struct backend_conn *
backend_conn_get(struct worker *w, const struct backend_conf *b, int fresh,
    const struct backend_conn_cb *cb, void *data)
{
	struct fake_up *fu;
	unsigned        i;

	assert_string_equal(b->name, "127.0.0.1:9001");
	f.gets++;
	for (i = 0; !fresh && i < f.nups; i++) {
		fu = &f.ups[i];
		if (fu->state != UP_POOLED)
			continue;
		fu->state = UP_OWNED;
		fu->u.reused = 1;
		fu->u.cb = cb;
		fu->u.data = data;
		return &fu->u;
	}
	assert_true(f.nups < MAX_UPS);
	fu = &f.ups[f.nups++];
	fu->state = UP_OWNED;
	fu->u.w = w;
	fu->u.cb = cb;
	fu->u.data = data;
	return &fu->u;
}

void
backend_conn_close(struct backend_conn *u)
{
	struct fake_up *fu = fake_up(u);

	if (u->closing)
		return;
	assert_int_equal(fu->state, UP_OWNED);
	u->closing = 1;
	u->reading = 0;
	u->cb = NULL;
	u->data = NULL;
	fu->state = UP_CLOSED;
	fu->nwb = 0; /* a write in flight is cancelled, with no callback */
	f.closes++;
}

void
backend_conn_release(struct backend_conn *u)
{
	struct fake_up *fu = fake_up(u);

	assert_int_equal(fu->state, UP_OWNED);
	f.releases++;
	u->cb = NULL;
	u->data = NULL;
	free(u->in);
	u->in = NULL;
	u->inoff = u->inlen = 0;
	if (u->writing) {
		backend_conn_close(u);
		return;
	}
	fu->state = UP_POOLED;
	u->reading = 1; /* a pooled connection is read: its close shows */
}

int
backend_conn_write(struct backend_conn *u, uv_buf_t *b, unsigned n)
{
	struct fake_up *fu = fake_up(u);
	size_t          total = 0;
	unsigned        i;

	assert_int_equal(fu->state, UP_OWNED);
	assert_true(u->connected);
	assert_false(u->writing);
	for (i = 0; i < n; i++)
		total += b[i].len;
	if (total == 0)
		return 0;
	fu->writes++;
	if (!f.up_hold) {
		bufs_append(&fu->got, b, n);
		return 0;
	}
	assert_true(n <= nitems(fu->wb));
	memcpy(fu->wb, b, n * sizeof *b);
	fu->nwb = n;
	u->writing = 1;
	return 1;
}

void
backend_conn_read_start(struct backend_conn *u)
{
	if (u->reading || u->closing || !u->connected)
		return;
	u->reading = 1;
}

void
backend_conn_read_stop(struct backend_conn *u)
{
	u->reading = 0;
}

void
backend_conn_set_timeout(struct backend_conn *u, uint64_t ms)
{
	fake_up(u)->timeout_ms = ms;
}

/* The loop's turn: reads that may happen, close callbacks. */

/* A complete head in the client's buffer starts an exchange (as conn.c). */
static int
client_process(void)
{
	struct fake_client *c = &f.c;
	struct http_header  hdrs[128];
	struct http_request req;
	struct http_limits  lim;
	const char         *why = NULL;
	int                 r;

	if (c->inoff == c->inlen) {
		c->inoff = c->inlen = 0;
		return 0;
	}
	c->state = CS_HEAD;
	lim.max_head = MIN(c->cs.cfg->max_header_size, WORKER_BUFSZ);
	lim.max_uri = c->cs.cfg->max_uri_size;
	lim.max_headers = MIN(c->cs.cfg->max_headers, nitems(hdrs));
	r = http_parse_request(c->in + c->inoff, c->inlen - c->inoff, &lim,
	    &req, hdrs, &why);
	if (r == 0)
		return 0;
	c->state = CS_EXCHANGE;
	c->fresh = 0;
	c->x = c->cs.w->client_cb->start(&c->cs);
	assert_non_null(c->x);
	f.c_starts++;
	if (r < 0) {
		client_read_stop(&c->cs);
		http_reqbody_start(&c->body, NULL);
		c->cs.w->client_cb->refuse(c->x, -r);
		return 1;
	}
	/* The head is the client side's; what follows is the exchange's. */
	c->inoff += (uint32_t)r;
	c->frame.version = req.version;
	http_reqbody_start(&c->body, &req);
	c->cs.w->client_cb->request(c->x, &req, (size_t)r);
	return 1;
}

static int
client_deliver(void)
{
	struct fake_client *c = &f.c;
	size_t              n;

	if (c->cs.closing || !c->reading)
		return 0;
	if (f.c_pending.len > 0 && c->inlen < WORKER_BUFSZ) {
		n = MIN(f.c_pending.len, WORKER_BUFSZ - c->inlen);
		memcpy(c->in + c->inlen, f.c_pending.data, n);
		buf_consume(&f.c_pending, n);
		c->inlen += (uint32_t)n;
		if (c->state == CS_EXCHANGE)
			c->cs.w->client_cb->data(c->x);
		else
			(void)client_process();
		/* A full buffer is read again only once something is taken. */
		if (c->reading && c->inlen == WORKER_BUFSZ)
			client_read_stop(&c->cs);
		return 1;
	}
	if (f.c_pending.len == 0 && f.c_end != 0) {
		int error = f.c_end < 0 ? UV_ECONNRESET : 0;

		f.c_end = 0;
		client_read_stop(&c->cs);
		if (c->x != NULL && c->state == CS_EXCHANGE) {
			if (error == 0)
				c->eof = 1;
			c->cs.w->client_cb->eof(c->x, error);
		} else
			client_abort(&c->cs);
		return 1;
	}
	return 0;
}

static int
backend_deliver(struct fake_up *fu)
{
	struct backend_conn *u = &fu->u;
	size_t               n;

	if (fu->state != UP_OWNED || !u->reading || u->closing)
		return 0;
	if (fu->pending.len > 0 && (u->in == NULL || u->inlen < WORKER_BUFSZ)) {
		if (u->in == NULL) {
			u->in = xmalloc(WORKER_BUFSZ);
			u->inoff = u->inlen = 0;
		}
		n = MIN(fu->pending.len, WORKER_BUFSZ - u->inlen);
		memcpy(u->in + u->inlen, fu->pending.data, n);
		buf_consume(&fu->pending, n);
		u->inlen += (uint32_t)n;
		u->cb->data(u->data);
		if (u->reading && !u->closing && u->in != NULL &&
		    u->inlen == WORKER_BUFSZ)
			backend_conn_read_stop(u);
		return 1;
	}
	if (fu->pending.len == 0 && fu->eof) {
		fu->eof = 0;
		backend_conn_read_stop(u);
		u->cb->eof(u->data, 0);
		return 1;
	}
	return 0;
}

static void
settle(void)
{
	struct fake_client *c = &f.c;
	uv_write_cb         cb;
	unsigned            i;
	int                 more;

	do {
		more = 0;
		if (c->cs.closing && !f.c_closed) {
			/* uv_close: a write in flight is cancelled first. */
			if ((cb = f.c_wcb) != NULL) {
				f.c_wcb = NULL;
				cb(f.c_wreq, UV_ECANCELED);
			}
			if (c->x != NULL) {
				c->cs.w->client_cb->free(c->x);
				f.c_frees++;
				c->x = NULL;
			}
			f.c_closed = 1;
			more = 1;
		}
		more |= client_deliver();
		if (!c->cs.closing && c->state == CS_IDLE &&
		    c->inoff < c->inlen)
			more |= client_process(); /* a pipelined request */
		for (i = 0; i < f.nups; i++)
			more |= backend_deliver(&f.ups[i]);
	} while (more);
}

/* What the test does as the client and as the backend. */

static void
client_send(const char *s)
{
	assert_int_equal(buf_puts(&f.c_pending, s), 0);
	settle();
}

static void
client_send_n(char byte, size_t n)
{
	assert_int_equal(buf_reserve(&f.c_pending, n), 0);
	memset(f.c_pending.data + f.c_pending.len, byte, n);
	f.c_pending.len += n;
	settle();
}

/* The client shuts its side (error 0) or resets the connection. */
static void
client_end(int reset)
{
	f.c_end = reset ? -1 : 1;
	settle();
}

/* The client's write in flight reaches the client. */
static void
client_written(void)
{
	uv_write_cb cb = f.c_wcb;

	assert_non_null(cb);
	bufs_append(&f.c_got, f.c_wb, f.c_nwb);
	f.c_wcb = NULL;
	cb(f.c_wreq, 0);
	settle();
}

static struct fake_up *
backend(unsigned i)
{
	assert_true(i < f.nups);
	return &f.ups[i];
}

static void
backend_connect(struct fake_up *fu)
{
	assert_int_equal(fu->state, UP_OWNED);
	assert_false(fu->u.connected);
	fu->u.connected = 1;
	fu->u.cb->connected(fu->u.data, 0);
	settle();
}

static void
backend_send(struct fake_up *fu, const char *s)
{
	assert_int_equal(buf_puts(&fu->pending, s), 0);
	settle();
}

static void
backend_close(struct fake_up *fu)
{
	fu->eof = 1;
	settle();
}

static void
backend_written(struct fake_up *fu)
{
	assert_true(fu->u.writing);
	bufs_append(&fu->got, fu->wb, fu->nwb);
	fu->nwb = 0;
	fu->u.writing = 0;
	if (fu->u.cb != NULL && !fu->u.closing)
		fu->u.cb->written(fu->u.data, 0);
	settle();
}

/* b's bytes as a string (for messages that show both sides). */
static const char *
str(struct buf *b)
{
	assert_int_equal(buf_reserve(b, 1), 0);
	b->data[b->len] = '\0';
	return b->data;
}

/* No exchange is left, and every backend connection got is back or closed. */
static void
assert_settled(void)
{
	unsigned i;

	assert_null(f.c.x);
	assert_null(f.c_wcb);
	assert_int_equal(f.c_frees, f.c_starts);
	for (i = 0; i < f.nups; i++)
		assert_int_not_equal(f.ups[i].state, UP_OWNED);
	assert_true(f.gets >= (int)f.nups);
}

/* Setup: one route to one backend, a worker with a fresh client connection. */

static int
group_setup(void **state)
{
	static const char    ini[] = "[frontdoor]\n"
	                             "listen_http = 127.0.0.1:8080\n"
	                             "\n"
	                             "[route app]\n"
	                             "path = /\n"
	                             "backends = 127.0.0.1:9001\n"
	                             "\n"
	                             "[route raw]\n"
	                             "host = raw.example\n"
	                             "preserve_host = no\n"
	                             "max_body_size = 10\n"
	                             "backends = 127.0.0.1:9001\n";
	struct config_errors e;
	FILE                *fp;
	size_t               i;

	(void)state;
	log_set_level(LOG_LVL_ERROR);
	assert_non_null(mkdtemp(tmpdir));
	snprintf(inipath, sizeof inipath, "%s/main.ini", tmpdir);
	assert_non_null(fp = fopen(inipath, "w"));
	assert_true(fputs(ini, fp) >= 0);
	assert_int_equal(fclose(fp), 0);
	memset(&e, 0, sizeof e);
	cfg = config_load(inipath, &e);
	for (i = 0; i < e.n; i++)
		fprintf(stderr, "  | %s\n", e.msgs[i]);
	assert_non_null(cfg);
	config_errors_free(&e);
	stats_init(1);
	stats_assign(cfg);
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	config_unref(cfg);
	stats_free();
	unlink(inipath);
	rmdir(tmpdir);
	return 0;
}

static int
setup(void **state)
{
	unsigned i;

	(void)state;
	memset(&f, 0, sizeof f);
	assert_int_equal(uv_loop_init(&f.w.loop), 0);
	list_init(&f.w.conns);
	f.w.config = cfg;
	f.w.client_cb = &proxy_client_cb;
	f.w.stats = stats_worker(0);

	f.c.cs.ops = &client_ops;
	f.c.cs.w = &f.w;
	f.c.cs.cfg = config_ref(cfg);
	f.c.in = xmalloc(WORKER_BUFSZ);
	f.c.state = CS_IDLE;
	f.c.fresh = 1;
	f.c.reading = 1;
	f.c.cs.peer.sin.sin_family = AF_INET;
	f.c.cs.peer.sin.sin_port = htons(40000);
	f.c.cs.peer.sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

	buf_init(&f.c_pending, 0);
	buf_init(&f.c_got, 0);
	for (i = 0; i < MAX_UPS; i++) {
		buf_init(&f.ups[i].pending, 0);
		buf_init(&f.ups[i].got, 0);
	}
	return 0;
}

static int
teardown(void **state)
{
	struct exchange *x;
	unsigned         i;

	(void)state;
	while ((x = f.w.xfree) != NULL) {
		f.w.xfree = x->next_free;
		exchange_destroy(x);
	}
	free(f.w.rr);
	free(f.w.tunnels);
	assert_int_equal(uv_loop_close(&f.w.loop), 0);
	config_unref(f.c.cs.cfg);
	free(f.c.in);
	http_reqbody_free(&f.c.body);
	buf_free(&f.c_pending);
	buf_free(&f.c_got);
	for (i = 0; i < MAX_UPS; i++) {
		free(f.ups[i].u.in);
		buf_free(&f.ups[i].pending);
		buf_free(&f.ups[i].got);
	}
	return 0;
}

/* The cases. */

/*
 * frontdoord(8), Requests to the backend: the backend's address as Host,
 * X-Forwarded-For replaced from an untrusted client, X-Forwarded-Proto,
 * -Host, X-Real-IP, X-Request-Id added, hop-by-hop headers and those named
 * in Connection removed, no client's X-Remote-User; the response loses its
 * hop-by-hop headers and gets one Content-Length.
 */
static void
test_get(void **state)
{
	const struct route_conf *r = config_route(cfg, "app");
	struct fake_up          *up;

	(void)state;
	assert_non_null(r);
	client_send("GET /a/b?q=1 HTTP/1.1\r\n"
	            "Host: site.example\r\n"
	            "User-Agent: t/1\r\n"
	            "Connection: keep-alive, X-Drop\r\n"
	            "X-Drop: 1\r\n"
	            "Keep-Alive: timeout=5\r\n"
	            "TE: trailers\r\n"
	            "Proxy-Connection: keep-alive\r\n"
	            "Upgrade: h2c\r\n"
	            "X-Forwarded-For: 203.0.113.9\r\n"
	            "X-Forwarded-Proto: https\r\n"
	            "X-Forwarded-Port: 443\r\n"
	            "Forwarded: for=203.0.113.9\r\n"
	            "X-Real-IP: 203.0.113.9\r\n"
	            "X_Remote_User: admin\r\n"
	            "Accept: */*\r\n"
	            "\r\n");
	assert_int_equal(f.gate_checks, 1);
	assert_int_equal(f.gets, 1);
	up = backend(0);
	/* Nothing is written before the connection is up. */
	assert_int_equal(up->writes, 0);
	assert_int_equal(up->timeout_ms, r->connect_timeout_ms);
	backend_connect(up);
	/* backend_timeout until the response head, backend_read_timeout after. */
	assert_int_equal(up->timeout_ms, r->backend_timeout_ms);
	assert_string_equal(str(&up->got),
	    "GET /a/b?q=1 HTTP/1.1\r\n"
	    "Host: site.example\r\n"
	    "User-Agent: t/1\r\n"
	    "Accept: */*\r\n"
	    "X-Forwarded-For: 127.0.0.1\r\n"
	    "X-Forwarded-Proto: http\r\n"
	    "X-Forwarded-Host: site.example\r\n"
	    "X-Real-IP: 127.0.0.1\r\n"
	    "X-Request-Id: " ID "\r\n"
	    "\r\n");
	assert_true(up->u.reading);
	assert_int_equal(f.c_writes, 0);

	backend_send(up,
	    "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain\r\n"
	    "Connection: keep-alive, X-Internal\r\n"
	    "X-Internal: secret\r\n"
	    "Keep-Alive: timeout=5\r\n"
	    "Content-Length: 5\r\n"
	    "X-App: 1\r\n"
	    "\r\n"
	    "hello");
	assert_int_not_equal(r->backend_read_timeout_ms, r->backend_timeout_ms);
	assert_int_equal(up->timeout_ms, r->backend_read_timeout_ms);
	assert_string_equal(str(&f.c_got),
	    "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain\r\n"
	    "X-App: 1\r\n"
	    "Content-Length: 5\r\n"
	    "\r\n"
	    "hello");
	assert_int_equal(f.c_done, 1);
	assert_int_equal(f.c_keepalive, 1);
	assert_int_equal(f.c_unread, 0);
	assert_int_equal(f.releases, 1);
	assert_int_equal(f.closes, 0);
	assert_int_equal(f.health_successes, 1);
	assert_int_equal(f.health_failures, 0);
	assert_settled();
}

/*
 * frontdoor.ini(5), preserve_host = no: the backend is sent its own address
 * as Host; X-Forwarded-Host keeps the client's.
 */
static void
test_backend_host(void **state)
{
	struct fake_up *up;

	(void)state;
	client_send("GET / HTTP/1.1\r\nHost: raw.example\r\n\r\n");
	up = backend(0);
	backend_connect(up);
	assert_string_equal(str(&up->got),
	    "GET / HTTP/1.1\r\n"
	    "Host: 127.0.0.1:9001\r\n"
	    "X-Forwarded-For: 127.0.0.1\r\n"
	    "X-Forwarded-Proto: http\r\n"
	    "X-Forwarded-Host: raw.example\r\n"
	    "X-Real-IP: 127.0.0.1\r\n"
	    "X-Request-Id: " ID "\r\n"
	    "\r\n");
	backend_send(up, "HTTP/1.1 204 No Content\r\n\r\n");
	assert_string_equal(str(&f.c_got), "HTTP/1.1 204 No Content\r\n\r\n");
	assert_int_equal(f.c_done, 1);
	assert_int_equal(f.c_keepalive, 1);
	assert_int_equal(f.releases, 1);
	assert_settled();
}

/*
 * A body with Content-Length goes to the backend as it comes, one write at
 * a time: while one is in flight the client's bytes wait in its buffer,
 * and a full buffer stops reading from the client (frontdoord(8)).
 */
static void
test_body_backpressure(void **state)
{
	static const char head[] = "POST /up HTTP/1.1\r\n"
	                           "Host: site.example\r\n"
	                           "Content-Length: 40000\r\n"
	                           "\r\n";
	static const char sent[] = "POST /up HTTP/1.1\r\n"
	                           "Host: site.example\r\n"
	                           "X-Forwarded-For: 127.0.0.1\r\n"
	                           "Content-Length: 40000\r\n"
	                           "X-Forwarded-Proto: http\r\n"
	                           "X-Forwarded-Host: site.example\r\n"
	                           "X-Real-IP: 127.0.0.1\r\n"
	                           "X-Request-Id: " ID "\r\n"
	                           "\r\n";
	struct fake_up   *up;
	size_t            i, hl = strlen(sent);
	int               writes;

	(void)state;
	f.up_hold = 1;
	/* The first piece: the head and 30000 bytes of body, more than fit. */
	assert_int_equal(buf_puts(&f.c_pending, head), 0);
	client_send_n('a', 30000);
	up = backend(0);
	/* The buffer is full and the backend not connected: no reading. */
	assert_int_equal(f.c.inlen, WORKER_BUFSZ);
	assert_false(f.c.reading);
	assert_true(f.c_pending.len > 0);

	backend_connect(up);
	assert_int_equal(up->writes, 1);
	assert_true(up->u.writing);
	/* While the write is out, the client is not read from. */
	assert_false(f.c.reading);
	assert_true(f.c_pending.len > 0);
	assert_int_equal(up->got.len, 0);

	/* Each completed write lets the next part in, one write at a time. */
	for (i = 0; i < 8 && up->u.writing; i++) {
		writes = up->writes;
		backend_written(up);
		assert_int_equal(up->writes, writes + (up->u.writing ? 1 : 0));
	}
	assert_false(up->u.writing);
	assert_int_equal(f.c_pending.len, 0);
	assert_int_equal(up->got.len, hl + 30000);
	assert_true(f.c.reading);

	/*
	 * The second piece, the last 10000 bytes, in two parts: the second
	 * part comes while the first is being written, and waits.
	 */
	writes = up->writes;
	client_send_n('b', 4000);
	assert_true(up->u.writing);
	assert_int_equal(up->writes, writes + 1);
	writes = up->writes;
	client_send_n('b', 6000);
	assert_int_equal(up->writes, writes);
	assert_int_equal(f.c_pending.len, 0);
	assert_true(f.c.reading); /* the buffer is not full */
	assert_int_equal(up->got.len, hl + 30000);
	backend_written(up);
	assert_int_equal(up->writes, writes + 1);
	assert_true(up->u.writing);
	backend_written(up);
	assert_false(up->u.writing);
	assert_int_equal(up->got.len, hl + 40000);
	assert_memory_equal(up->got.data, sent, hl);
	for (i = 0; i < 40000; i++) {
		if (up->got.data[hl + i] != (i < 30000 ? 'a' : 'b'))
			fail_msg("body byte %zu is %c", i,
			    up->got.data[hl + i]);
	}
	/* The whole body is read: the backend's answer is awaited. */
	assert_true(up->u.reading);
	assert_int_equal(f.c_writes, 0);

	backend_send(up, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
	assert_string_equal(str(&f.c_got),
	    "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(f.c_done, 1);
	assert_int_equal(f.c_keepalive, 1);
	assert_int_equal(f.c_unread, 0);
	assert_int_equal(f.releases, 1);
	assert_settled();
}

/*
 * A chunked response to an HTTP/1.1 client: decoded and chunked again,
 * chunk extensions dropped, only the trailer fields that may pass
 * (frontdoord(8)); while a write to the client is in flight the backend is
 * not read from.
 */
static void
test_chunked_response(void **state)
{
	static const char   head[] = "HTTP/1.1 200 OK\r\n"
	                             "Content-Type: text/plain\r\n"
	                             "Transfer-Encoding: chunked\r\n"
	                             "\r\n";
	struct http_chunked ch;
	struct fake_up     *up;
	char                trailers[256];
	size_t              used, hl = strlen(head);
	ssize_t             n;
	int                 done = 0;

	(void)state;
	f.c_hold = 1;
	client_send("GET /stream HTTP/1.1\r\nHost: site.example\r\n\r\n");
	up = backend(0);
	backend_connect(up);
	backend_send(up,
	    "HTTP/1.1 200 OK\r\n"
	    "Content-Type: text/plain\r\n"
	    "Transfer-Encoding: chunked\r\n"
	    "\r\n"
	    "5;name=value\r\nhello\r\n");
	assert_int_equal(f.c_writes, 1);
	assert_non_null(f.c_wcb);
	assert_false(up->u.reading);
	backend_send(up,
	    "6\r\n world\r\n"
	    "0\r\n"
	    "Server-Timing: db;dur=5\r\n"
	    "X-Secret: 1\r\n"
	    "\r\n");
	/* Not read while the client's write is out. */
	assert_int_equal(f.c_writes, 1);
	assert_true(up->pending.len > 0);
	while (f.c_wcb != NULL)
		client_written();
	assert_int_equal(up->pending.len, 0);

	assert_true(f.c_got.len > hl);
	assert_memory_equal(str(&f.c_got), head, hl);
	assert_null(strstr(str(&f.c_got), "name=value"));
	http_chunked_init(&ch, sizeof trailers);
	ch.trailers = trailers;
	n = http_chunked_decode(&ch, f.c_got.data + hl, f.c_got.len - hl, &used,
	    &done);
	assert_int_equal(n, 11);
	assert_true(done);
	assert_int_equal(used, f.c_got.len - hl);
	assert_memory_equal(f.c_got.data + hl, "hello world", 11);
	assert_int_equal(ch.trailers_len,
	    strlen("Server-Timing: db;dur=5\r\n"));
	assert_memory_equal(trailers, "Server-Timing: db;dur=5\r\n",
	    ch.trailers_len);

	assert_int_equal(f.c_done, 1);
	assert_int_equal(f.c_keepalive, 1);
	assert_int_equal(f.releases, 1);
	assert_int_equal(f.closes, 0);
	assert_settled();
}

/* The plain-text page of a 502, as the client asked with Accept. */
static const char page_502[] =
    "HTTP/1.1 502 Bad Gateway\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Length: 103\r\n"
    "Cache-Control: no-store\r\n"
    "X-Request-Id: " ID "\r\n"
    "\r\n"
    "502 Bad Gateway\n"
    "The application behind this site did not answer properly.\n"
    "Request ID: " ID "\n";

static void
get_text(void)
{
	client_send("GET / HTTP/1.1\r\nHost: site.example\r\n"
	            "Accept: text/plain\r\n\r\n");
	backend_connect(backend(0));
}

/*
 * frontdoord(8): a backend that closes before a complete response head
 * gets the client a 502, and its connection is closed, not pooled.  A
 * close before any byte counts as a failure of the backend (passive
 * health); one after a part of a head was answered does not.
 */
static void
test_closed_before_head(void **state)
{
	(void)state;
	get_text();
	backend_close(backend(0));
	assert_string_equal(str(&f.c_got), page_502);
	assert_int_equal(f.health_failures, 1);
	assert_int_equal(f.gets, 1); /* its only backend was tried */
	assert_int_equal(f.closes, 1);
	assert_int_equal(f.releases, 0);
	/* The request was whole: the client connection stays. */
	assert_int_equal(f.c_done, 1);
	assert_int_equal(f.c_keepalive, 1);
	assert_settled();

	teardown(NULL);
	setup(NULL);
	get_text();
	backend_send(backend(0), "HTTP/1.1 200 OK\r\nContent-Le");
	assert_int_equal(f.c_writes, 0);
	backend_close(backend(0));
	assert_string_equal(str(&f.c_got), page_502);
	assert_int_equal(f.health_failures, 0);
	assert_int_equal(f.gets, 1);
	assert_int_equal(f.closes, 1);
	assert_int_equal(f.releases, 0);
	assert_int_equal(f.c_done, 1);
	assert_int_equal(f.c_keepalive, 1);
	assert_settled();
}

/* frontdoord(8): something that is not HTTP, or a bad head, is 502. */
static void
test_malformed_head(void **state)
{
	static const char *const heads[] = {
		"SSH-2.0-OpenSSH_9.2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n"
		"Content-Length: 6\r\n\r\nhello",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < nitems(heads); i++) {
		teardown(NULL);
		setup(NULL);
		get_text();
		backend_send(backend(0), heads[i]);
		if (strcmp(str(&f.c_got), page_502) != 0)
			fail_msg("head %zu: the client got:\n%s", i,
			    str(&f.c_got));
		assert_int_equal(f.health_failures, 1);
		assert_int_equal(f.closes, 1);
		assert_int_equal(f.releases, 0);
		assert_int_equal(f.c_done, 1);
		assert_settled();
	}
}

/*
 * A backend that closes before the Content-Length it announced: the client
 * has what came and cannot be told but by closing its connection, which is
 * not kept alive; the backend's connection is closed.
 */
static void
test_short_body(void **state)
{
	struct fake_up *up;

	(void)state;
	client_send("GET / HTTP/1.1\r\nHost: site.example\r\n\r\n");
	up = backend(0);
	backend_connect(up);
	backend_send(up, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");
	assert_string_equal(str(&f.c_got),
	    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");
	assert_int_equal(f.c_closes, 0);
	backend_close(up);
	assert_int_equal(f.c_closes, 1);
	assert_int_equal(f.c_done, 0);
	assert_true(f.c_closed);
	assert_int_equal(f.closes, 1);
	assert_int_equal(f.releases, 0);
	assert_string_equal(str(&f.c_got),
	    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");
	assert_settled();
}

/*
 * The client resets its connection in the middle of a response, with a
 * write to it in flight: the backend's connection is closed (a response
 * half read cannot go back to the pool) and nothing is left behind.
 */
static void
test_client_abort(void **state)
{
	struct fake_up *up;

	(void)state;
	f.c_hold = 1;
	client_send("GET /big HTTP/1.1\r\nHost: site.example\r\n\r\n");
	up = backend(0);
	backend_connect(up);
	backend_send(up,
	    "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
	    "part of it");
	assert_non_null(f.c_wcb);
	assert_int_equal(f.closes, 0);
	client_end(1);
	assert_int_equal(f.c_closes, 1);
	assert_true(f.c_closed);
	assert_int_equal(f.c_done, 0);
	assert_int_equal(f.closes, 1);
	assert_int_equal(f.releases, 0);
	assert_int_equal(f.gets, 1);
	assert_int_equal(up->state, UP_CLOSED);
	assert_settled();

	/* The same before any byte of the response: the backend goes too. */
	teardown(NULL);
	setup(NULL);
	client_send("GET / HTTP/1.1\r\nHost: site.example\r\n\r\n");
	backend_connect(backend(0));
	client_end(1);
	assert_int_equal(f.c_closes, 1);
	assert_int_equal(f.closes, 1);
	assert_int_equal(f.releases, 0);
	assert_int_equal(f.c_got.len, 0);
	assert_settled();
}

/*
 * Keep-alive: after a complete exchange the connection is kept for the
 * next request, which goes over the pooled backend connection; a client
 * asking to close, or an HTTP/1.0 one that did not ask to keep it, is told
 * "Connection: close" and the connection ends; an HTTP/1.0 client that
 * asked is told "Connection: keep-alive".
 */
static void
test_keepalive(void **state)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	                           "\r\nok";
	static const char sent[] = "GET /%d HTTP/1.1\r\n"
	                           "Host: site.example\r\n"
	                           "X-Forwarded-For: 127.0.0.1\r\n"
	                           "X-Forwarded-Proto: http\r\n"
	                           "X-Forwarded-Host: site.example\r\n"
	                           "X-Real-IP: 127.0.0.1\r\n"
	                           "X-Request-Id: " ID "\r\n"
	                           "\r\n";
	static const struct {
		const char *req;
		int         keep;
		const char *conn; /* the response's Connection line */
	} cases[] = {
		{ "GET /1 HTTP/1.1\r\nHost: site.example\r\n\r\n", 1, "" },
		{ "GET /2 HTTP/1.1\r\nHost: site.example\r\n"
		  "Connection: close\r\n\r\n",
		    0, "Connection: close\r\n" },
		{ "GET /3 HTTP/1.0\r\nHost: site.example\r\n\r\n", 0,
		    "Connection: close\r\n" },
		{ "GET /4 HTTP/1.0\r\nHost: site.example\r\n"
		  "Connection: keep-alive\r\n\r\n",
		    1, "Connection: keep-alive\r\n" },
	};
	struct fake_up *up;
	char            want[512];
	size_t          i;

	(void)state;
	/* Two requests on one connection, the second on the pooled backend. */
	client_send(cases[0].req);
	up = backend(0);
	backend_connect(up);
	backend_send(up, resp);
	assert_int_equal(f.c_done, 1);
	assert_int_equal(f.c_keepalive, 1);
	assert_int_equal(f.c.state, CS_IDLE);
	assert_true(f.c.reading);
	assert_int_equal(up->state, UP_POOLED);

	buf_reset(&f.c_got);
	buf_reset(&up->got);
	client_send("GET /again HTTP/1.1\r\nHost: site.example\r\n\r\n");
	assert_int_equal(f.gets, 2);
	assert_int_equal(f.nups, 1);
	assert_true(up->u.reused);
	assert_true(up->got.len > 0);
	assert_memory_equal(up->got.data, "GET /again HTTP/1.1\r\n", 21);
	backend_send(up, resp);
	assert_string_equal(str(&f.c_got), resp);
	assert_int_equal(f.c_done, 2);
	assert_int_equal(f.c_keepalive, 1);
	assert_int_equal(f.releases, 2);
	assert_settled();

	for (i = 0; i < nitems(cases); i++) {
		teardown(NULL);
		setup(NULL);
		client_send(cases[i].req);
		up = backend(0);
		backend_connect(up);
		snprintf(want, sizeof want, sent, (int)i + 1);
		assert_string_equal(str(&up->got), want);
		backend_send(up, resp);
		snprintf(want, sizeof want,
		    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n%s\r\nok",
		    cases[i].conn);
		assert_string_equal(str(&f.c_got), want);
		assert_int_equal(f.c_done, 1);
		if (f.c_keepalive != cases[i].keep)
			fail_msg("case %zu: keep-alive %d", i, f.c_keepalive);
		/* The backend's connection is pooled either way. */
		assert_int_equal(f.releases, 1);
		assert_settled();
	}
}

/*
 * frontdoord(8): a pooled connection that turns out to be dead before any
 * byte of the response came is retried once on a fresh connection.
 */
static void
test_pooled_dead(void **state)
{
	static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	                           "\r\nok";
	struct fake_up   *up, *fresh;

	(void)state;
	client_send("GET / HTTP/1.1\r\nHost: site.example\r\n\r\n");
	up = backend(0);
	backend_connect(up);
	backend_send(up, resp);
	assert_int_equal(up->state, UP_POOLED);
	buf_reset(&f.c_got);

	client_send("GET /next HTTP/1.1\r\nHost: site.example\r\n\r\n");
	assert_true(up->u.reused);
	backend_close(up);
	assert_int_equal(up->state, UP_CLOSED);
	assert_int_equal(f.gets, 3);
	assert_int_equal(f.health_failures, 0);
	fresh = backend(1);
	assert_false(fresh->u.reused);
	backend_connect(fresh);
	assert_memory_equal(str(&fresh->got), "GET /next HTTP/1.1\r\n", 20);
	backend_send(fresh, resp);
	assert_string_equal(str(&f.c_got), resp);
	assert_int_equal(f.c_done, 2);
	assert_int_equal(f.c_keepalive, 1);
	assert_int_equal(fresh->state, UP_POOLED);
	assert_settled();
}

/*
 * frontdoord(8): a client that shuts its sending side after its request
 * gets the answer, with "Connection: close", and the connection ends.
 */
static void
test_client_shut(void **state)
{
	struct fake_up *up;

	(void)state;
	client_send("GET / HTTP/1.1\r\nHost: site.example\r\n\r\n");
	up = backend(0);
	backend_connect(up);
	client_end(0);
	assert_int_equal(f.c_closes, 0);
	backend_send(up, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
	assert_string_equal(str(&f.c_got),
	    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
	    "Connection: close\r\n\r\nok");
	assert_int_equal(f.c_done, 1);
	assert_int_equal(f.c_keepalive, 0);
	assert_int_equal(f.c_closes, 0);
	assert_int_equal(f.releases, 1);
	assert_settled();
}

/*
 * frontdoord(8), 413: a Content-Length over max_body_size is refused before
 * the backend is contacted, and the connection is closed, its body unread.
 */
static void
test_body_too_large(void **state)
{
	(void)state;
	client_send("POST / HTTP/1.1\r\nHost: raw.example\r\n"
	            "Accept: text/plain\r\nContent-Length: 11\r\n\r\n"
	            "hello");
	assert_int_equal(f.gets, 0);
	assert_string_equal(str(&f.c_got),
	    "HTTP/1.1 413 Content Too Large\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 92\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Request-Id: " ID "\r\n"
	    "Connection: close\r\n"
	    "\r\n"
	    "413 Content Too Large\n"
	    "The request body is larger than allowed.\n"
	    "Request ID: " ID "\n");
	assert_int_equal(f.c_done, 1);
	assert_int_equal(f.c_keepalive, 0);
	assert_int_equal(f.c_unread, 1);
	assert_settled();
}

/*
 * frontdoord(8), Requests to the backend: a chunked request body reaches
 * the backend framed by us, whatever the client wrote around the chunks,
 * with only the trailer fields that may cross; sent before the backend's
 * connection is up, it waits in the client side.
 */
static void
test_chunked_request(void **state)
{
	struct fake_up *up;

	(void)state;
	client_send("POST /up HTTP/1.1\r\nHost: site.example\r\n"
	            "Transfer-Encoding: chunked\r\n\r\n"
	            "5;name=value\r\nhel");
	up = backend(0);
	backend_connect(up);
	assert_non_null(strstr(str(&up->got), "\r\n\r\n3\r\nhel\r\n"));
	client_send("lo\r\n000\r\n"
	            "Server-Timing: db;dur=5\r\n"
	            "X-Secret: 1\r\n"
	            "\r\n");
	assert_non_null(strstr(str(&up->got),
	    "\r\n\r\n3\r\nhel\r\n2\r\nlo\r\n"
	    "0\r\nServer-Timing: db;dur=5\r\n\r\n"));
	assert_null(strstr(str(&up->got), "name=value"));
	assert_null(strstr(str(&up->got), "X-Secret"));
	backend_send(up, "HTTP/1.1 204 No Content\r\n\r\n");
	assert_string_equal(str(&f.c_got), "HTTP/1.1 204 No Content\r\n\r\n");
	assert_int_equal(f.c_done, 1);
	assert_int_equal(f.c_keepalive, 1);
	assert_int_equal(f.c_unread, 0);
	assert_int_equal(f.releases, 1);
	assert_settled();
}

/*
 * frontdoord(8), strict parsing: a malformed chunk is refused with 400 when
 * the body is read for the backend, and the backend's connection, which
 * saw part of the request, is not reused.
 */
static void
test_chunked_request_bad(void **state)
{
	struct fake_up *up;

	(void)state;
	client_send("POST /up HTTP/1.1\r\nHost: site.example\r\n"
	            "Accept: text/plain\r\n"
	            "Transfer-Encoding: chunked\r\n\r\n"
	            "3\r\nabc\n0\r\n\r\n");
	/* Not decoded yet: nothing is said before the backend can take it. */
	assert_int_equal(f.c_got.len, 0);
	up = backend(0);
	backend_connect(up);
	assert_memory_equal(str(&f.c_got), "HTTP/1.1 400 Bad Request\r\n", 26);
	assert_non_null(strstr(str(&f.c_got), "Connection: close\r\n"));
	assert_int_equal(f.c_done, 1);
	assert_int_equal(f.c_keepalive, 0);
	assert_int_equal(f.releases, 0);
	assert_int_equal(f.closes, 1);
	assert_settled();
}

/*
 * frontdoord(8), 413: a chunked body over max_body_size is refused once
 * its decoded bytes pass it, none of them sent on.
 */
static void
test_chunked_request_too_large(void **state)
{
	struct fake_up *up;

	(void)state;
	client_send("POST / HTTP/1.1\r\nHost: raw.example\r\n"
	            "Accept: text/plain\r\n"
	            "Transfer-Encoding: chunked\r\n\r\n"
	            "6\r\nabcdef\r\n");
	up = backend(0);
	backend_connect(up);
	assert_non_null(strstr(str(&up->got), "6\r\nabcdef\r\n"));
	client_send("5\r\nghijk\r\n0\r\n\r\n");
	assert_null(strstr(str(&up->got), "ghijk"));
	assert_memory_equal(str(&f.c_got), "HTTP/1.1 413 Content Too Large\r\n",
	    32);
	assert_int_equal(f.c_done, 1);
	assert_int_equal(f.c_keepalive, 0);
	assert_int_equal(f.closes, 1);
	assert_settled();
}

/*
 * frontdoord(8), WebSocket: past the backend's 101, what the client sends
 * (sent early, before the 101, too) goes to the backend as it is, and the
 * backend's bytes to the client.
 */
static void
test_tunnel(void **state)
{
	struct fake_up *up;

	(void)state;
	client_send("GET /ws HTTP/1.1\r\nHost: site.example\r\n"
	            "Connection: Upgrade\r\nUpgrade: websocket\r\n"
	            "Sec-WebSocket-Version: 13\r\n"
	            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
	            "0\r\nearly");
	up = backend(0);
	backend_connect(up);
	/* Not a body: nothing of it goes before the 101. */
	assert_null(strstr(str(&up->got), "early"));
	backend_send(up,
	    "HTTP/1.1 101 Switching Protocols\r\n"
	    "Upgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
	    "\r\n");
	assert_non_null(strstr(str(&up->got), "\r\n\r\n0\r\nearly"));
	assert_non_null(strstr(str(&f.c_got), "Upgrade: websocket\r\n"));
	client_send("\x81\x02hi");
	assert_non_null(strstr(str(&up->got), "0\r\nearly\x81\x02hi"));
	backend_send(up, "\x81\x03yes");
	assert_non_null(strstr(str(&f.c_got), "\r\n\r\n\x81\x03yes"));
	assert_int_equal(f.c_done, 0);
	client_end(0);
	assert_int_equal(f.closes, 1);
	assert_int_equal(f.releases, 0);
	assert_settled();
}

/*
 * frontdoord(8), error pages: our own answer goes through the client side
 * as any response does, its head around the page's fields and the page as
 * its body, in one write.
 */
static void
test_error_through_client_side(void **state)
{
	static const char head[] = "HTTP/1.1 413 Content Too Large\r\n"
	                           "Content-Type: text/plain; charset=utf-8\r\n"
	                           "Content-Length: 92\r\n"
	                           "Cache-Control: no-store\r\n"
	                           "X-Request-Id: " ID "\r\n"
	                           "Connection: close\r\n"
	                           "\r\n";
	static const char page[] = "413 Content Too Large\n"
	                           "The request body is larger than allowed.\n"
	                           "Request ID: " ID "\n";

	(void)state;
	f.c_hold = 1;
	client_send("POST / HTTP/1.1\r\nHost: raw.example\r\n"
	            "Accept: text/plain\r\nContent-Length: 11\r\n\r\n"
	            "hello");
	assert_int_equal(f.gets, 0);
	assert_int_equal(f.c_head_starts, 1);
	assert_int_equal(f.c_head_ends, 1);
	assert_int_equal(f.c_bodies, 1);
	assert_int_equal(f.c_body_bytes, sizeof page - 1);
	/* The head, then the page the body() call queued. */
	assert_int_equal(f.c_writes, 1);
	assert_int_equal(f.c_nwb, 2);
	assert_int_equal(f.c_wb[0].len, sizeof head - 1);
	assert_memory_equal(f.c_wb[0].base, head, sizeof head - 1);
	assert_int_equal(f.c_wb[1].len, sizeof page - 1);
	assert_memory_equal(f.c_wb[1].base, page, sizeof page - 1);
	client_written();
	assert_int_equal(f.c_writes, 1);
	assert_int_equal(f.c_done, 1);
	assert_int_equal(f.c_keepalive, 0);
	assert_settled();
}

/*
 * An error page answered to a HEAD says the page's length and sends no
 * page (RFC 9110 9.3.2); the connection stays for the next request.
 */
static void
test_error_head_no_body(void **state)
{
	(void)state;
	client_send("HEAD / HTTP/1.1\r\nHost: site.example\r\n"
	            "Accept: text/plain\r\n\r\n");
	backend_connect(backend(0));
	backend_close(backend(0));
	assert_int_equal(f.gets, 1);
	assert_int_equal(f.c_head_starts, 1);
	assert_int_equal(f.c_head_ends, 1);
	/* The body's end alone. */
	assert_int_equal(f.c_bodies, 1);
	assert_int_equal(f.c_body_bytes, 0);
	assert_string_equal(str(&f.c_got),
	    "HTTP/1.1 502 Bad Gateway\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 103\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Request-Id: " ID "\r\n"
	    "\r\n");
	assert_int_equal(f.c_done, 1);
	assert_int_equal(f.c_keepalive, 1);
	assert_settled();
}

/*
 * A client side's buffer filled with chunk framing alone (a long chunk
 * extension), behind body bytes still on their way to the backend: once
 * they are written, the framing is taken and the buffer is free again, and
 * the rest of the body comes.
 */
static void
test_chunked_request_framing_fills(void **state)
{
	struct fake_up *up;
	struct buf      b;
	size_t          data = 12500, ext;

	(void)state;
	f.up_hold = 1;
	client_send("POST /up HTTP/1.1\r\nHost: site.example\r\n"
	            "Transfer-Encoding: chunked\r\n\r\n");
	up = backend(0);
	backend_connect(up);
	backend_written(up);
	buf_init(&b, 0);
	buf_printf(&b, "%zx\r\n", data);
	while (b.len < data + 6)
		buf_append(&b, "d", 1);
	buf_append(&b, "\r\n", 2);
	client_send(str(&b));
	assert_true(up->u.writing);
	/* The rest of the buffer: the start of a size line, then extension. */
	ext = WORKER_BUFSZ - f.c.inlen;
	assert_true(ext < 4000);
	buf_reset(&b);
	buf_puts(&b, "1;");
	while (b.len < ext)
		buf_append(&b, "e", 1);
	buf_puts(&b, "\r\nA\r\n0\r\n\r\n");
	client_send(str(&b));
	assert_int_equal(f.c.inlen, WORKER_BUFSZ);
	assert_false(f.c.reading);
	assert_true(f.c_pending.len > 0);
	backend_written(up);
	/* The framing was taken: the buffer is read again. */
	assert_int_equal(f.c_pending.len, 0);
	while (up->u.writing)
		backend_written(up);
	assert_true(up->got.len > 11);
	assert_memory_equal(up->got.data + up->got.len - 11,
	    "1\r\nA\r\n0\r\n\r\n", 11);
	buf_free(&b);
	backend_send(up, "HTTP/1.1 204 No Content\r\n\r\n");
	assert_int_equal(f.c_done, 1);
	assert_int_equal(f.c_keepalive, 1);
	assert_settled();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_backend_host, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_body_backpressure, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_chunked_response, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_closed_before_head, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed_head, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_short_body, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_client_abort, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_keepalive, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pooled_dead, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_client_shut, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_error_through_client_side,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_head_no_body, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_body_too_large, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_chunked_request, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_chunked_request_bad, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_chunked_request_too_large,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_chunked_request_framing_fills, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tunnel, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
