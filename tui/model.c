/* SPDX-License-Identifier: ISC */
/* The dashboard's state, built from frontdoord's JSON: no curses, no I/O. */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "model.h"
#include "util.h"

/* A string member of obj, cut to MODEL_STR bytes, as a new string. */
static char *
model_strdup(const struct jsonr *obj, const char *key)
{
	const struct jsonr *v = jsonr_get(obj, key);

	if (v == NULL || v->type != JSONR_STR)
		return xstrdup("");
	return xstrndup(v->str, v->len < MODEL_STR ? v->len : MODEL_STR);
}

static void
model_word(char *out, size_t outlen, const struct jsonr *obj, const char *key)
{
	snprintf(out, outlen, "%s", jsonr_str(obj, key, "?"));
}

static uint64_t
model_u64(const struct jsonr *obj, const char *key)
{
	double d = jsonr_num(obj, key, 0);

	return d > 0 ? (uint64_t)d : 0;
}

static void
model_classes(uint64_t *status, const struct jsonr *obj)
{
	static const char *const keys[] = { NULL, "1xx", "2xx", "3xx", "4xx",
		"5xx" };
	const struct jsonr      *st = jsonr_get(obj, "status");
	int                      i;

	for (i = 1; i <= 5; i++)
		status[i] = model_u64(st, keys[i]);
}

/* Shift a sparkline left by one sample and append v. */
static void
model_spark_push(float *spark, double v)
{
	memmove(spark, spark + 1, (MODEL_SPARK - 1) * sizeof *spark);
	spark[MODEL_SPARK - 1] = v > 0 ? (float)v : 0;
}

/* The text of a bounded buffer as a string (cut when full); b is spent. */
static char *
model_buf_str(struct buf *b, const char *def)
{
	if (b->len == 0) {
		buf_free(b);
		return xstrdup(def);
	}
	if (buf_append(b, "", 1) != 0)
		b->data[b->len - 1] = '\0';
	return b->data;
}

struct model *
model_new(void)
{
	struct model *m = xcalloc(1, sizeof *m);

	m->events = xcalloc(MODEL_EVENTS, sizeof *m->events);
	m->clients = xcalloc(MODEL_CLIENTS, sizeof *m->clients);
	m->countries = xcalloc(MODEL_COUNTRIES, sizeof *m->countries);
	return m;
}

static void
model_route_clear(struct model_route *r)
{
	free(r->name);
	free(r->hosts);
	free(r->path);
}

static void
model_backend_clear(struct model_backend *b)
{
	free(b->route);
	free(b->address);
	free(b->last);
}

static void
model_event_clear(struct model_event *e)
{
	free(e->client);
	free(e->country);
	free(e->method);
	free(e->host);
	free(e->path);
	free(e->route);
	free(e->backend);
	free(e->rule);
	memset(e, 0, sizeof *e);
}

static void
model_bans_clear(struct model *m)
{
	size_t i;

	for (i = 0; i < m->nbans; i++) {
		free(m->bans[i].address);
		free(m->bans[i].reason);
	}
	free(m->bans);
	m->bans = NULL;
	m->nbans = 0;
}

void
model_free(struct model *m)
{
	size_t i;

	if (m == NULL)
		return;
	free(m->status.config);
	free(m->status.reload_errors);
	for (i = 0; i < m->nroutes; i++)
		model_route_clear(&m->routes[i]);
	free(m->routes);
	for (i = 0; i < m->nbackends; i++)
		model_backend_clear(&m->backends[i]);
	free(m->backends);
	for (i = 0; i < MODEL_EVENTS; i++)
		model_event_clear(&m->events[i]);
	free(m->events);
	for (i = 0; i < m->nclients; i++)
		free(m->clients[i].key);
	free(m->clients);
	for (i = 0; i < m->ncountries; i++)
		free(m->countries[i].key);
	free(m->countries);
	model_bans_clear(m);
	free(m->bans_error);
	free(m);
}

void
model_status(struct model *m, const struct jsonr *st, uint64_t now_ms)
{
	struct model_status *s = &m->status;
	const struct jsonr  *rl = jsonr_get(st, "reload");
	const struct jsonr  *errs = jsonr_arr(rl, "errors");
	struct buf           b;
	uint64_t             req;
	size_t               i;

	if (st == NULL || st->type != JSONR_OBJ)
		return;
	s->have = 1;
	model_word(s->version, sizeof s->version, st, "version");
	free(s->config);
	s->config = model_strdup(st, "config");
	s->uptime = jsonr_int(st, "uptime", 0);
	s->generation = jsonr_int(st, "generation", 0);
	s->pid = jsonr_int(st, "pid", 0);
	s->reload_time = jsonr_int(rl, "time", 0);
	s->reload_ok = jsonr_bool(rl, "ok", 1);
	free(s->reload_errors);
	s->reload_errors = NULL;
	if (errs != NULL && errs->len > 0) {
		buf_init(&b, 4096);
		for (i = 0; i < errs->len; i++) {
			if (errs->kids[i].type != JSONR_STR)
				continue;
			if (b.len > 0)
				buf_puts(&b, "; ");
			buf_append(&b, errs->kids[i].str, errs->kids[i].len);
		}
		s->reload_errors = model_buf_str(&b, "");
	}
	s->connections = model_u64(st, "connections");
	req = model_u64(st, "requests");
	model_classes(s->status, st);
	s->rps = jsonr_num(st, "rps", 0);
	s->events_dropped = model_u64(st, "events_dropped");
	s->workers = (int)jsonr_int(st, "workers", 0);

	/*
	 * The sparkline counts requests between two polls rather than taking
	 * the daemon's smoothed rps, so a burst shows as a spike.  A counter
	 * that went back means the daemon restarted: no sample then.
	 */
	if (m->last_poll_ms != 0 && now_ms > m->last_poll_ms &&
	    req >= m->last_requests)
		model_spark_push(m->spark,
		    (double)(req - m->last_requests) * 1000.0 /
		        (double)(now_ms - m->last_poll_ms));
	m->last_requests = req;
	m->last_poll_ms = now_ms;
	s->requests = req;
	m->changes++;
}

static uint64_t
model_denied(const struct jsonr *row)
{
	const struct jsonr *d = jsonr_get(row, "denied");
	uint64_t            sum = 0;
	size_t              i;

	if (d == NULL || d->type != JSONR_OBJ)
		return 0;
	for (i = 0; i < d->len; i++)
		if (d->kids[i].type == JSONR_NUM && d->kids[i].num > 0)
			sum += (uint64_t)d->kids[i].num;
	return sum;
}

/* ,"cache":{"hits","misses","bypass","bytes",...,"max"}; max 0: no cache. */
static void
model_cache(struct model_route *r, const struct jsonr *row)
{
	const struct jsonr *c = jsonr_get(row, "cache");

	if (c == NULL || c->type != JSONR_OBJ)
		return;
	r->cached = jsonr_num(c, "max", 0) > 0;
	r->cache_hits = model_u64(c, "hits");
	r->cache_misses = model_u64(c, "misses");
	r->cache_bypass = model_u64(c, "bypass");
	r->cache_bytes = model_u64(c, "bytes");
}

static void
model_tunnels(struct model_route *r, const struct jsonr *row)
{
	const struct jsonr *t = jsonr_get(row, "tunnels");

	if (t == NULL || t->type != JSONR_OBJ)
		return;
	r->tunnels = model_u64(t, "open");
	r->tunnel_age = model_u64(t, "oldest_s");
}

static char *
model_hosts(const struct jsonr *row)
{
	const struct jsonr *h = jsonr_arr(row, "hosts");
	struct buf          b;
	size_t              i;

	if (h == NULL || h->len == 0)
		return xstrdup("*");
	buf_init(&b, MODEL_STR);
	for (i = 0; i < h->len; i++) {
		if (h->kids[i].type != JSONR_STR)
			continue;
		if (i > 0)
			buf_puts(&b, " ");
		buf_append(&b, h->kids[i].str, h->kids[i].len);
	}
	return model_buf_str(&b, "*");
}

void
model_routes(struct model *m, struct jsonr *const *rows, size_t n,
    uint64_t now_ms)
{
	struct model_route *old = m->routes, *r, *o;
	size_t              i, j, nold = m->nroutes;
	double              secs = 0;

	if (m->routes_ms != 0 && now_ms > m->routes_ms)
		secs = (double)(now_ms - m->routes_ms) / 1000.0;
	m->routes_ms = now_ms;
	if (n > MODEL_ROUTES)
		n = MODEL_ROUTES;
	m->routes = xcalloc(n > 0 ? n : 1, sizeof *m->routes);
	m->nroutes = 0;
	for (i = 0; i < n; i++) {
		const struct jsonr *row = rows[i];

		if (row == NULL || row->type != JSONR_OBJ)
			continue;
		r = &m->routes[m->nroutes++];
		r->name = model_strdup(row, "name");
		r->hosts = model_hosts(row);
		r->path = model_strdup(row, "path");
		model_word(r->state, sizeof r->state, row, "state");
		model_word(r->configured, sizeof r->configured, row,
		    "configured");
		r->differs = jsonr_bool(row, "differs", 0);
		r->requests = model_u64(row, "requests");
		r->errors = model_u64(row, "errors");
		r->switched = model_u64(row, "switched");
		r->active = model_u64(row, "active");
		model_tunnels(r, row);
		model_classes(r->status, row);
		r->denied = model_denied(row);
		model_cache(r, row);
		r->rps = jsonr_num(row, "rps", 0);
		r->p50 = jsonr_num(row, "p50_ms", 0);
		r->p99 = jsonr_num(row, "p99_ms", 0);

		/* Carry the sparkline over from the route of the same name. */
		for (j = 0, o = NULL; j < nold; j++) {
			if (strcmp(old[j].name, r->name) == 0) {
				o = &old[j];
				break;
			}
		}
		if (o != NULL) {
			memcpy(r->spark, o->spark, sizeof r->spark);
			if (secs > 0 && r->requests >= o->requests)
				model_spark_push(r->spark,
				    (double)(r->requests - o->requests) / secs);
		}
	}
	for (i = 0; i < nold; i++)
		model_route_clear(&old[i]);
	free(old);
	m->changes++;
}

void
model_backends(struct model *m, struct jsonr *const *rows, size_t n)
{
	struct model_backend *b;
	size_t                i;

	for (i = 0; i < m->nbackends; i++)
		model_backend_clear(&m->backends[i]);
	free(m->backends);
	if (n > MODEL_BACKENDS)
		n = MODEL_BACKENDS;
	m->backends = xcalloc(n > 0 ? n : 1, sizeof *m->backends);
	m->nbackends = 0;
	for (i = 0; i < n; i++) {
		const struct jsonr *row = rows[i];

		if (row == NULL || row->type != JSONR_OBJ)
			continue;
		b = &m->backends[m->nbackends++];
		b->route = model_strdup(row, "route");
		b->address = model_strdup(row, "address");
		b->last = model_strdup(row, "last");
		model_word(b->state, sizeof b->state, row, "state");
		model_word(b->health, sizeof b->health, row, "health");
		b->differs = jsonr_bool(row, "differs", 0);
		b->active = model_u64(row, "active");
		b->requests = model_u64(row, "requests");
		b->failures = model_u64(row, "failures");
		b->changed = jsonr_int(row, "changed", 0);
	}
	m->changes++;
}

void
model_bans(struct model *m, struct jsonr *const *rows, size_t n)
{
	struct model_ban *b;
	size_t            i;

	model_bans_clear(m);
	free(m->bans_error);
	m->bans_error = NULL;
	m->bans_state = MODEL_BANS_OK;
	if (n > MODEL_BANS)
		n = MODEL_BANS;
	m->bans = xcalloc(n > 0 ? n : 1, sizeof *m->bans);
	for (i = 0; i < n; i++) {
		if (rows[i] == NULL || rows[i]->type != JSONR_OBJ)
			continue;
		b = &m->bans[m->nbans++];
		b->address = model_strdup(rows[i], "address");
		b->reason = model_strdup(rows[i], "reason");
		b->until = jsonr_int(rows[i], "until", 0);
		b->left = jsonr_int(rows[i], "left", 0);
	}
	m->changes++;
}

void
model_bans_error(struct model *m, const char *message)
{
	model_bans_clear(m);
	free(m->bans_error);
	m->bans_error = xstrndup(message, MODEL_STR);
	m->bans_state = MODEL_BANS_UNAVAILABLE;
	m->changes++;
}

/*
 * Count one request against key in a bounded table.  When the table is
 * full, the entry with the fewest requests (the oldest among equals) makes
 * room: heavy hitters stay, one-off visitors come and go.
 */
static void
model_count(struct model_count *tab, size_t *n, size_t max, const char *key,
    uint64_t seq, int error, int denied)
{
	struct model_count *c = NULL;
	size_t              i, low = 0;

	for (i = 0; i < *n; i++) {
		if (strcmp(tab[i].key, key) == 0) {
			c = &tab[i];
			break;
		}
		if (tab[i].requests < tab[low].requests ||
		    (tab[i].requests == tab[low].requests &&
		        tab[i].last < tab[low].last))
			low = i;
	}
	if (c == NULL) {
		if (*n < max)
			c = &tab[(*n)++];
		else {
			c = &tab[low];
			free(c->key);
		}
		memset(c, 0, sizeof *c);
		c->key = xstrdup(key);
	}
	c->requests++;
	c->errors += error != 0;
	c->denied += denied != 0;
	c->last = seq;
}

static void
model_request(struct model *m, const struct jsonr *ev)
{
	struct model_event *e = &m->events[m->head];
	const char         *t = jsonr_str(ev, "time", "");
	const char         *country;
	int                 denied, error, switched;

	model_event_clear(e);
	/* "2026-11-27T09:00:00.123Z": the local-looking clock part. */
	if (strlen(t) >= 19 && t[10] == 'T')
		snprintf(e->time, sizeof e->time, "%.8s", t + 11);
	else
		snprintf(e->time, sizeof e->time, "--:--:--");
	e->client = model_strdup(ev, "client");
	e->country = model_strdup(ev, "country");
	e->method = model_strdup(ev, "method");
	e->host = model_strdup(ev, "host");
	e->path = model_strdup(ev, "path");
	e->route = model_strdup(ev, "route");
	e->backend = model_strdup(ev, "backend");
	e->rule = model_strdup(ev, "rule");
	e->status = (int)jsonr_int(ev, "status", 0);
	e->ms = (long)jsonr_int(ev, "ms", 0);
	e->seq = ++m->seq;
	m->head = (m->head + 1) % MODEL_EVENTS;
	if (m->nevents < MODEL_EVENTS)
		m->nevents++;

	/*
	 * A gate rule refused it, or it is one of the refusals' codes; the
	 * 503 of a route switched off is neither a refusal nor an error.
	 */
	switched = strcmp(e->rule, "disabled") == 0 ||
	    strcmp(e->rule, "maintenance") == 0;
	denied = !switched &&
	    (e->rule[0] != '\0' || e->status == 401 || e->status == 403 ||
	        e->status == 429);
	error = !denied && !switched && e->status >= 400;
	country = e->country[0] != '\0' ? e->country : "--";
	model_count(m->clients, &m->nclients, MODEL_CLIENTS, e->client, e->seq,
	    error, denied);
	model_count(m->countries, &m->ncountries, MODEL_COUNTRIES, country,
	    e->seq, error, denied);
}

static void
model_set_route_state(struct model *m, const char *name, const char *state)
{
	struct model_route *r = model_route_find(m, name);

	if (r == NULL)
		return;
	snprintf(r->state, sizeof r->state, "%s", state);
	r->differs = strcmp(r->state, r->configured) != 0;
}

static void
model_set_backend_state(struct model *m, const char *route, const char *address,
    const char *state)
{
	size_t i;

	for (i = 0; i < m->nbackends; i++) {
		struct model_backend *b = &m->backends[i];

		if (strcmp(b->route, route) == 0 &&
		    strcmp(b->address, address) == 0) {
			snprintf(b->state, sizeof b->state, "%s", state);
			b->differs = strcmp(state, "disabled") == 0 ||
			    strcmp(state, "draining") == 0;
		}
	}
}

int
model_event(struct model *m, const struct jsonr *ev)
{
	const char *type = jsonr_str(ev, "type", "");

	if (ev == NULL || ev->type != JSONR_OBJ)
		return 0;
	m->changes++;
	if (strcmp(type, "request") == 0) {
		model_request(m, ev);
		return 0;
	}
	if (strcmp(type, "dropped") == 0) {
		m->dropped += model_u64(ev, "count");
		return 0;
	}
	if (strcmp(type, "route") == 0) {
		model_set_route_state(m, jsonr_str(ev, "name", ""),
		    jsonr_str(ev, "state", "?"));
		return 1;
	}
	if (strcmp(type, "backend") == 0 || strcmp(type, "health") == 0) {
		if (jsonr_get(ev, "state") != NULL)
			model_set_backend_state(m, jsonr_str(ev, "route", ""),
			    jsonr_str(ev, "address", ""),
			    jsonr_str(ev, "state", "?"));
		return 1;
	}
	/* reload, ban, unban and kinds still to come: ask again. */
	return 1;
}

struct model_route *
model_route_find(struct model *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->nroutes; i++)
		if (strcmp(m->routes[i].name, name) == 0)
			return &m->routes[i];
	return NULL;
}

struct model_ban *
model_ban_find(struct model *m, const char *address)
{
	unsigned char a[16];
	char          net[INET6_ADDRSTRLEN + 4];
	size_t        i;

	for (i = 0; i < m->nbans; i++)
		if (strcmp(m->bans[i].address, address) == 0)
			return &m->bans[i];
	/* frontdoord bans an IPv6 client by its /64, and lists the prefix. */
	if (inet_pton(AF_INET6, address, a) != 1)
		return NULL;
	memset(a + 8, 0, 8);
	inet_ntop(AF_INET6, a, net, sizeof net);
	strcat(net, "/64");
	for (i = 0; i < m->nbans; i++)
		if (strcmp(m->bans[i].address, net) == 0)
			return &m->bans[i];
	return NULL;
}

void
model_route_health(const struct model *m, const char *route, char *out,
    size_t outlen)
{
	size_t i, n = 0, up = 0;

	for (i = 0; i < m->nbackends; i++) {
		if (strcmp(m->backends[i].route, route) != 0)
			continue;
		n++;
		up += strcmp(m->backends[i].state, "up") == 0;
	}
	if (n == 0)
		snprintf(out, outlen, "-");
	else
		snprintf(out, outlen, "%zu/%zu up", up, n);
}

void
model_pause(struct model *m, int paused)
{
	m->paused = paused;
	m->paused_seq = m->seq;
	m->changes++;
}

int
model_filter_text(struct model *m, const char *text)
{
	if (strlen(text) >= sizeof m->filter.text)
		return -1;
	snprintf(m->filter.text, sizeof m->filter.text, "%s", text);
	m->changes++;
	return 0;
}

void
model_filter_status(struct model *m, int status_class)
{
	m->filter.status =
	    status_class >= 1 && status_class <= 5 ? status_class : 0;
	m->changes++;
}

void
model_filter_route(struct model *m, const char *route)
{
	snprintf(m->filter.route, sizeof m->filter.route, "%s",
	    route != NULL ? route : "");
	m->changes++;
}

int
model_filter_active(const struct model *m)
{
	return m->filter.text[0] != '\0' || m->filter.status != 0 ||
	    m->filter.route[0] != '\0';
}

/* Whether the word (len bytes) is in s, ignoring ASCII case. */
static int
model_contains(const char *s, const char *word, size_t len)
{
	size_t n = strlen(s), i;

	if (len == 0)
		return 1;
	for (i = 0; i + len <= n; i++)
		if (fd_strncaseeq(s + i, len, word, len))
			return 1;
	return 0;
}

/* One word of the filter text against ev. */
static int
model_word_match(const struct model_event *ev, const char *w, size_t len)
{
	char status[8];

	if (len == 3 && w[0] >= '1' && w[0] <= '5' && (w[1] | 0x20) == 'x' &&
	    (w[2] | 0x20) == 'x')
		return ev->status / 100 == w[0] - '0';
	if (len > 6 && strncmp(w, "route:", 6) == 0)
		return strlen(ev->route) == len - 6 &&
		    memcmp(ev->route, w + 6, len - 6) == 0;
	snprintf(status, sizeof status, "%d", ev->status);
	return model_contains(ev->path, w, len) ||
	    model_contains(ev->host, w, len) ||
	    model_contains(ev->client, w, len) ||
	    model_contains(ev->method, w, len) ||
	    model_contains(ev->route, w, len) ||
	    model_contains(ev->country, w, len) ||
	    model_contains(status, w, len);
}

int
model_event_match(const struct model *m, const struct model_event *ev)
{
	const struct model_filter *f = &m->filter;
	const char                *p = f->text, *w;

	if (f->status != 0 && ev->status / 100 != f->status)
		return 0;
	if (f->route[0] != '\0' && strcmp(ev->route, f->route) != 0)
		return 0;
	while (*p != '\0') {
		while (*p == ' ')
			p++;
		for (w = p; *p != '\0' && *p != ' '; p++)
			;
		if (p > w && !model_word_match(ev, w, (size_t)(p - w)))
			return 0;
	}
	return 1;
}

/* The i-th newest kept event (0 the newest). */
static const struct model_event *
model_nth(const struct model *m, size_t i)
{
	return &m->events[(m->head + MODEL_EVENTS - 1 - i) % MODEL_EVENTS];
}

size_t
model_live(const struct model *m, size_t skip, const struct model_event **out,
    size_t max)
{
	const struct model_event *e;
	size_t                    i, got = 0;

	for (i = 0; i < m->nevents && got < max; i++) {
		e = model_nth(m, i);
		if (m->paused && e->seq > m->paused_seq)
			continue;
		if (!model_event_match(m, e))
			continue;
		if (skip > 0) {
			skip--;
			continue;
		}
		out[got++] = e;
	}
	return got;
}

size_t
model_live_count(const struct model *m)
{
	const struct model_event *e;
	size_t                    i, n = 0;

	for (i = 0; i < m->nevents; i++) {
		e = model_nth(m, i);
		if (m->paused && e->seq > m->paused_seq)
			continue;
		n += model_event_match(m, e);
	}
	return n;
}

static int
model_count_cmp(const void *a, const void *b)
{
	const struct model_count *x = *(const struct model_count *const *)a;
	const struct model_count *y = *(const struct model_count *const *)b;

	if (x->requests != y->requests)
		return x->requests > y->requests ? -1 : 1;
	if (x->last != y->last)
		return x->last > y->last ? -1 : 1;
	return strcmp(x->key, y->key);
}

static size_t
model_top(const struct model_count *tab, size_t n,
    const struct model_count **out, size_t max)
{
	const struct model_count **all;
	size_t                     i;

	if (n == 0 || max == 0)
		return 0;
	all = xcalloc(n, sizeof *all);
	for (i = 0; i < n; i++)
		all[i] = &tab[i];
	qsort(all, n, sizeof *all, model_count_cmp);
	if (max > n)
		max = n;
	memcpy(out, all, max * sizeof *out);
	free(all);
	return max;
}

size_t
model_top_clients(const struct model *m, const struct model_count **out,
    size_t max)
{
	return model_top(m->clients, m->nclients, out, max);
}

size_t
model_top_countries(const struct model *m, const struct model_count **out,
    size_t max)
{
	return model_top(m->countries, m->ncountries, out, max);
}

/*
 * The length of the valid UTF-8 sequence of a printable character at s
 * (n bytes left), or 0.  Refused: overlong forms, surrogates, code points
 * past U+10FFFF, the C1 controls, and the line separators and bidirectional
 * overrides that can make a terminal line read differently from its bytes.
 */
static size_t
model_utf8(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t   len, i;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	if (n < len)
		return 0;
	cp = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp < 0xa0 || (cp >= 0x2028 && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200e || cp == 0x200f ||
	    cp == 0xfeff)
		return 0;
	return len;
}

size_t
model_safe(char *out, size_t outlen, const char *s, size_t len, int utf8)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t               i = 0, o = 0, u;
	char                 tmp[8];
	const char          *piece;
	size_t               plen;

	if (outlen == 0)
		return 0;
	while (i < len) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\') {
			tmp[0] = (char)p[i];
			piece = tmp, plen = 1, u = 1;
		} else if (p[i] == '\\') {
			piece = "\\\\", plen = 2, u = 1;
		} else if (utf8 && (u = model_utf8(p + i, len - i)) > 0) {
			piece = s + i, plen = u;
		} else {
			snprintf(tmp, sizeof tmp, "\\x%02x", p[i]);
			piece = tmp, plen = 4, u = 1;
		}
		/* Room for the piece and the NUL, and for a "~" unless last. */
		if (o + plen + (i + u < len ? 2 : 1) > outlen) {
			out[o++] = '~';
			break;
		}
		memcpy(out + o, piece, plen);
		o += plen;
		i += u;
	}
	out[o] = '\0';
	return o;
}
