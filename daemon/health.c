/* SPDX-License-Identifier: ISC */
/* Backend health: passive marks from the workers, active checks on the main loop. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "health.h"
#include "json-write.h"
#include "log.h"
#include "parse.h"
#include "stats.h"
#include "switch.h"
#include "util.h"

/*
 * One per backend id, shared by every worker.  state, fails and retry_at are
 * changed with atomics; the worker whose compare-and-swap flips the state is
 * the one that logs it, so a change is logged once, not once per request.
 */
struct health {
	uint32_t state;    /* enum health_state */
	uint32_t fails;    /* consecutive failures */
	uint32_t oks;      /* consecutive active-check successes while down */
	uint32_t backoff;  /* ms until the next trial while down */
	uint64_t retry_at; /* monotonic ms: a trial request may go */
	uint64_t changed;  /* wall clock, seconds */
	uint64_t seq;      /* bumped on every change, for events */
	char     last[96]; /* written by whoever changes it; advisory */
};

/* A check in flight; main loop only. */
struct check {
	uv_tcp_t     tcp;
	uv_connect_t creq;
	uv_write_t   wreq;
	uv_timer_t   timer;
	unsigned     id;
	const char  *route; /* names copied for the log */
	char         name[ADDR_STRLEN];
	char         rname[64];
	unsigned     threshold;
	struct buf   req;
	char         in[512];
	size_t       inlen;
	int          done;
	int          open; /* handles still to close */
};

struct target {
	uint64_t next; /* monotonic ms of the next check */
	int      busy; /* a check in flight */
};

static struct {
	struct health       *h;
	struct target       *t;
	uint64_t            *seen; /* seq seen by health_poll_events */
	uv_loop_t           *loop;
	uv_timer_t           tick;
	int                  running;
	const struct config *cfg; /* borrowed: the one in force */
} hl;

void
health_init(void)
{
	hl.h = xcalloc(STATS_MAX_BACKENDS, sizeof *hl.h);
	hl.t = xcalloc(STATS_MAX_BACKENDS, sizeof *hl.t);
	hl.seen = xcalloc(STATS_MAX_BACKENDS, sizeof *hl.seen);
}

void
health_free(void)
{
	free(hl.h);
	free(hl.t);
	free(hl.seen);
	memset(&hl, 0, sizeof hl);
}

static void
health_note(struct health *h, const char *why)
{
	/* Advisory text for the dashboard; a torn read shows odd words. */
	snprintf(h->last, sizeof h->last, "%s", why);
}

int
health_is_up(const struct backend_conf *b)
{
	return __atomic_load_n(&hl.h[b->id].state, __ATOMIC_RELAXED) !=
	    HEALTH_DOWN;
}

int
health_usable(const struct backend_conf *b, uint64_t now_ms)
{
	struct health *h = &hl.h[b->id];
	uint64_t       at;

	if (b->id == 0 ||
	    __atomic_load_n(&h->state, __ATOMIC_RELAXED) != HEALTH_DOWN)
		return 1;
	at = __atomic_load_n(&h->retry_at, __ATOMIC_RELAXED);
	if (now_ms < at)
		return 0;
	/* One trial per period: whoever moves retry_at on sends it. */
	return __atomic_compare_exchange_n(&h->retry_at, &at,
	    now_ms + __atomic_load_n(&h->backoff, __ATOMIC_RELAXED), 0,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

static void
health_mark_down(struct health *h, const char *route, const char *name,
    const char *why)
{
	uint32_t up = HEALTH_UP, unknown = HEALTH_UNKNOWN;

	if (!__atomic_compare_exchange_n(&h->state, &up, HEALTH_DOWN, 0,
	        __ATOMIC_RELAXED, __ATOMIC_RELAXED) &&
	    !__atomic_compare_exchange_n(&h->state, &unknown, HEALTH_DOWN, 0,
	        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return; /* already down: someone else logged it */
	__atomic_store_n(&h->backoff, HEALTH_RETRY_MIN_MS, __ATOMIC_RELAXED);
	__atomic_store_n(&h->retry_at,
	    uv_hrtime() / 1000000 + HEALTH_RETRY_MIN_MS, __ATOMIC_RELAXED);
	__atomic_store_n(&h->oks, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&h->changed, fd_wall_us() / 1000000, __ATOMIC_RELAXED);
	__atomic_add_fetch(&h->seq, 1, __ATOMIC_RELEASE);
	log_warn("backend %s %s is down: %s", route, name, why);
}

static void
health_mark_up(struct health *h, const char *route, const char *name,
    const char *why)
{
	uint32_t down = HEALTH_DOWN, unknown = HEALTH_UNKNOWN;

	if (__atomic_compare_exchange_n(&h->state, &unknown, HEALTH_UP, 0,
	        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return; /* first news, and good: nothing to announce */
	if (!__atomic_compare_exchange_n(&h->state, &down, HEALTH_UP, 0,
	        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&h->changed, fd_wall_us() / 1000000, __ATOMIC_RELAXED);
	__atomic_add_fetch(&h->seq, 1, __ATOMIC_RELEASE);
	log_info("backend %s %s is up again: %s", route, name, why);
}

/*
 * Whether a backend of r other than b may take requests: switched on and not
 * known to be down.  Passive checks never take a route's last such backend
 * out, as nginx never marks its only server down: a request that fails there
 * is answered 502, and the next one tries again.
 */
static int
health_other_usable(const struct route_conf *r, const struct backend_conf *b)
{
	enum backend_admin a;
	size_t             i;

	for (i = 0; i < r->nbackends; i++) {
		if (&r->backends[i] == b)
			continue;
		a = switch_backend_get(r->backends[i].id);
		if (a != BACKEND_ADMIN_DISABLED &&
		    a != BACKEND_ADMIN_DRAINING &&
		    health_is_up(&r->backends[i]))
			return 1;
	}
	return 0;
}

void
health_failure(const struct route_conf *r, const struct backend_conf *b,
    const char *why)
{
	struct health *h = &hl.h[b->id];
	uint32_t       n, bo, down = HEALTH_DOWN;

	if (b->id == 0)
		return;
	health_note(h, why);
	n = __atomic_add_fetch(&h->fails, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&h->state, __ATOMIC_RELAXED) == HEALTH_DOWN) {
		/* A failed trial: wait longer before the next one. */
		bo = __atomic_load_n(&h->backoff, __ATOMIC_RELAXED);
		bo = MIN(bo * 2, HEALTH_RETRY_MAX_MS);
		__atomic_store_n(&h->backoff, bo, __ATOMIC_RELAXED);
		__atomic_store_n(&h->retry_at, uv_hrtime() / 1000000 + bo,
		    __ATOMIC_RELAXED);
		return;
	}
	if (n < r->fail_threshold || !health_other_usable(r, b))
		return;
	health_mark_down(h, r->name, b->name, why);
	/*
	 * Two workers may take two last backends out at once, each seeing
	 * the other still up: the one that then finds none left puts its own
	 * back (both may; a route with too many up is the safe side).
	 */
	if (!health_other_usable(r, b) &&
	    __atomic_compare_exchange_n(&h->state, &down, HEALTH_UP, 0,
	        __ATOMIC_RELAXED, __ATOMIC_RELAXED)) {
		__atomic_add_fetch(&h->seq, 1, __ATOMIC_RELEASE);
		log_warn("backend %s %s kept in service: the route's last "
		         "usable backend",
		    r->name, b->name);
	}
}

void
health_success(const struct route_conf *r, const struct backend_conf *b)
{
	struct health *h = &hl.h[b->id];

	if (b->id == 0)
		return;
	if (__atomic_load_n(&h->fails, __ATOMIC_RELAXED) != 0)
		__atomic_store_n(&h->fails, 0, __ATOMIC_RELAXED);
	if (__atomic_load_n(&h->state, __ATOMIC_RELAXED) != HEALTH_UP)
		health_mark_up(h, r->name, b->name, "a request succeeded");
}

void
health_get(unsigned id, struct health_info *out)
{
	struct health *h = &hl.h[id];

	out->state = __atomic_load_n(&h->state, __ATOMIC_RELAXED);
	out->changed = __atomic_load_n(&h->changed, __ATOMIC_RELAXED);
	memcpy(out->last, h->last, sizeof out->last);
	out->last[sizeof out->last - 1] = '\0';
}

/* Active checks. */

static void
check_closed(uv_handle_t *hd)
{
	struct check *c = hd->data;

	if (--c->open == 0) {
		hl.t[c->id].busy = 0;
		buf_free(&c->req);
		free(c);
	}
}

static void
check_end(struct check *c, int ok, const char *why)
{
	struct health *h = &hl.h[c->id];
	uint32_t       n;
	char           msg[96];

	if (c->done)
		return;
	c->done = 1;
	snprintf(msg, sizeof msg, "health check: %s", why);
	health_note(h, msg);
	if (ok) {
		__atomic_store_n(&h->fails, 0, __ATOMIC_RELAXED);
		n = __atomic_add_fetch(&h->oks, 1, __ATOMIC_RELAXED);
		if (__atomic_load_n(&h->state, __ATOMIC_RELAXED) !=
		        HEALTH_DOWN ||
		    n >= HEALTH_RISE)
			health_mark_up(h, c->rname, c->name, msg);
	} else {
		__atomic_store_n(&h->oks, 0, __ATOMIC_RELAXED);
		n = __atomic_add_fetch(&h->fails, 1, __ATOMIC_RELAXED);
		if (n >= c->threshold)
			health_mark_down(h, c->rname, c->name, msg);
	}
	uv_close((uv_handle_t *)&c->timer, check_closed);
	uv_close((uv_handle_t *)&c->tcp, check_closed);
}

static void
check_timeout(uv_timer_t *t)
{
	check_end(t->data, 0, "timed out");
}

static void
check_alloc(uv_handle_t *hd, size_t hint, uv_buf_t *b)
{
	struct check *c = hd->data;

	(void)hint;
	*b = uv_buf_init(c->in + c->inlen, sizeof c->in - 1 - c->inlen);
}

static void
check_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct check *c = s->data;
	char         *sp, why[64];
	int           status;

	(void)b;
	if (n == 0 || c->done)
		return;
	if (n > 0)
		c->inlen += n;
	c->in[c->inlen] = '\0';
	if (memchr(c->in, '\n', c->inlen) == NULL) {
		if (n < 0 || c->inlen == sizeof c->in - 1)
			check_end(c, 0,
			    n < 0 ? "closed without a response" :
			            "garbage instead of a status line");
		return;
	}
	/* "HTTP/1.x NNN ...": 2xx and 3xx are healthy. */
	if (strncmp(c->in, "HTTP/1.", 7) != 0 ||
	    (sp = strchr(c->in, ' ')) == NULL ||
	    sscanf(sp + 1, "%3d", &status) != 1) {
		check_end(c, 0, "garbage instead of a status line");
		return;
	}
	snprintf(why, sizeof why, "status %d", status);
	check_end(c, status >= 200 && status < 400, why);
}

static void
check_written(uv_write_t *req, int status)
{
	struct check *c = req->data;

	if (status != 0 && !c->done)
		check_end(c, 0, uv_strerror(status));
}

static void
check_connected(uv_connect_t *req, int status)
{
	struct check *c = req->data;
	uv_buf_t      b;

	if (c->done)
		return;
	if (status != 0) {
		check_end(c, 0, uv_strerror(status));
		return;
	}
	b = uv_buf_init(c->req.data, c->req.len);
	if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, check_written) !=
	        0 ||
	    uv_read_start((uv_stream_t *)&c->tcp, check_alloc, check_read) != 0)
		check_end(c, 0, "cannot send");
}

static void
check_start(const struct route_conf *r, const struct backend_conf *b)
{
	struct check *c = xcalloc(1, sizeof *c);
	const char   *host =
            r->nhosts > 0 && r->hosts[0][0] != '*' ? r->hosts[0] : b->name;
	uint64_t timeout =
	    MIN(r->connect_timeout_ms + 5000, r->health_interval_ms);

	c->id = b->id;
	c->threshold = r->fail_threshold;
	snprintf(c->name, sizeof c->name, "%s", b->name);
	snprintf(c->rname, sizeof c->rname, "%s", r->name);
	buf_init(&c->req, 0);
	buf_printf(&c->req,
	    "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "User-Agent: frontdoor-health\r\n"
	    "Connection: close\r\n\r\n",
	    r->health_path, host);
	c->tcp.data = c->timer.data = c->creq.data = c->wreq.data = c;
	uv_timer_init(hl.loop, &c->timer);
	uv_tcp_init(hl.loop, &c->tcp);
	c->open = 2;
	hl.t[b->id].busy = 1;
	uv_timer_start(&c->timer, check_timeout, timeout, 0);
	if (uv_tcp_connect(&c->creq, &c->tcp,
	        (const struct sockaddr *)&b->addr.ss, check_connected) != 0)
		check_end(c, 0, "cannot connect");
}

static void
health_tick(uv_timer_t *t)
{
	const struct config     *cfg = hl.cfg;
	const struct route_conf *r;
	uint64_t                 now = uv_now(t->loop);
	size_t                   i, j;

	if (cfg == NULL)
		return;
	for (i = 0; i < cfg->nroutes; i++) {
		r = &cfg->routes[i];
		if (r->health_path == NULL)
			continue;
		for (j = 0; j < r->nbackends; j++) {
			struct target *tg = &hl.t[r->backends[j].id];

			if (r->backends[j].id == 0 || tg->busy ||
			    now < tg->next)
				continue;
			tg->next = now + r->health_interval_ms;
			check_start(r, &r->backends[j]);
		}
	}
}

void
health_checks_start(uv_loop_t *loop)
{
	hl.loop = loop;
	uv_timer_init(loop, &hl.tick);
	uv_timer_start(&hl.tick, health_tick, 100, 100);
	hl.running = 1;
}

void
health_config(const struct config *cfg)
{
	hl.cfg = cfg;
}

void
health_stop(void)
{
	if (hl.running) {
		uv_close((uv_handle_t *)&hl.tick, NULL);
		hl.running = 0;
	}
	hl.cfg = NULL;
}

void
health_poll_events(health_event_cb cb)
{
	const struct config     *cfg = hl.cfg;
	const struct route_conf *r;
	struct health_info       info;
	struct buf               b;
	uint64_t                 seq;
	size_t                   i, j;
	unsigned                 id;
	uint32_t                 st;

	if (cfg == NULL)
		return;
	buf_init(&b, 0);
	for (i = 0; i < cfg->nroutes; i++) {
		r = &cfg->routes[i];
		for (j = 0; j < r->nbackends; j++) {
			id = r->backends[j].id;
			seq = __atomic_load_n(&hl.h[id].seq, __ATOMIC_ACQUIRE);
			if (seq == hl.seen[id])
				continue;
			hl.seen[id] = seq;
			health_get(id, &info);
			st = info.state;
			buf_reset(&b);
			buf_puts(&b, "{\"type\":\"health\",\"route\":");
			json_cstr(&b, r->name);
			buf_puts(&b, ",\"address\":");
			json_cstr(&b, r->backends[j].name);
			buf_printf(&b, ",\"health\":\"%s\",\"why\":",
			    st == HEALTH_DOWN ? "down" : "up");
			json_cstr(&b, info.last);
			buf_puts(&b, "}");
			cb(b.data, b.len);
		}
	}
	buf_free(&b);
}
