/* SPDX-License-Identifier: ISC */
/* Statistics shared by the workers and the control socket, and the ids. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "stats.h"
#include "util.h"

#define RING_SIZE    512 /* events per worker, a power of two */
#define RATE_SAMPLES 61  /* one a second: a minute of differences */

struct stats_ring {
	uint64_t           head; /* next slot to write (worker) */
	uint64_t           tail; /* next slot to read (main thread) */
	uint64_t           dropped;
	struct stats_event ev[RING_SIZE];
};

/* A name registry: ids handed out in order, never reused. */
struct stats_names {
	char   **names;
	unsigned n;
	unsigned max;
	int      warned;
};

static struct {
	unsigned             nworkers;
	struct worker_stats *w;
	struct stats_names   routes;
	struct stats_names   backends;
	/* Request totals per route, one row per second, for rates. */
	uint64_t (*samples)[RATE_SAMPLES];
	unsigned nsamples; /* rows filled so far, capped */
	unsigned sample_pos;
} st;

int stats_subscribed;

void
stats_init(unsigned nworkers)
{
	unsigned i;

	st.nworkers = nworkers;
	st.w = xcalloc(nworkers, sizeof *st.w);
	for (i = 0; i < nworkers; i++) {
		/* Large and zeroed: pages count only once a route uses them. */
		st.w[i].routes =
		    xcalloc(STATS_MAX_ROUTES, sizeof *st.w[i].routes);
		st.w[i].backends =
		    xcalloc(STATS_MAX_BACKENDS, sizeof *st.w[i].backends);
		st.w[i].ring = xcalloc(1, sizeof *st.w[i].ring);
	}
	st.routes.max = STATS_MAX_ROUTES;
	st.routes.names = xcalloc(STATS_MAX_ROUTES, sizeof(char *));
	st.routes.n = 1; /* 0 is the overflow slot */
	st.backends.max = STATS_MAX_BACKENDS;
	st.backends.names = xcalloc(STATS_MAX_BACKENDS, sizeof(char *));
	st.backends.n = 1;
	st.samples = xcalloc(STATS_MAX_ROUTES, sizeof *st.samples);
}

void
stats_free(void)
{
	unsigned i;

	for (i = 0; i < st.nworkers; i++) {
		free(st.w[i].routes);
		free(st.w[i].backends);
		free(st.w[i].ring);
	}
	free(st.w);
	for (i = 0; i < st.routes.n; i++)
		free(st.routes.names[i]);
	for (i = 0; i < st.backends.n; i++)
		free(st.backends.names[i]);
	free(st.routes.names);
	free(st.backends.names);
	free(st.samples);
	memset(&st, 0, sizeof st);
}

static unsigned
stats_name_id(struct stats_names *r, const char *name, const char *what)
{
	unsigned i;

	/* Reloads are rare and names few: a linear search is enough. */
	for (i = 1; i < r->n; i++) {
		if (strcmp(r->names[i], name) == 0)
			return i;
	}
	if (r->n == r->max) {
		if (!r->warned++)
			log_warn("more than %u %s names since start: the rest "
			         "share one slot of statistics",
			    r->max - 1, what);
		return 0;
	}
	r->names[r->n] = xstrdup(name);
	return r->n++;
}

void
stats_assign(struct config *cfg)
{
	struct route_conf *r;
	char               key[256];
	size_t             i, j;

	for (i = 0; i < cfg->nroutes; i++) {
		r = &cfg->routes[i];
		r->id = stats_name_id(&st.routes, r->name, "route");
		for (j = 0; j < r->nbackends; j++) {
			snprintf(key, sizeof key, "%s %s", r->name,
			    r->backends[j].name);
			r->backends[j].id =
			    stats_name_id(&st.backends, key, "backend");
		}
	}
}

unsigned
stats_route_ids(void)
{
	return st.routes.n;
}

unsigned
stats_backend_ids(void)
{
	return st.backends.n;
}

const char *
stats_route_name(unsigned id)
{
	return id > 0 && id < st.routes.n ? st.routes.names[id] : "";
}

const char *
stats_backend_name(unsigned id)
{
	return id > 0 && id < st.backends.n ? st.backends.names[id] : "";
}

struct worker_stats *
stats_worker(unsigned worker)
{
	return &st.w[worker];
}

unsigned
stats_nworkers(void)
{
	return st.nworkers;
}

static unsigned
stats_lat_bucket(uint64_t us)
{
	unsigned e, sub;

	if (us < 4)
		return (unsigned)us;
	e = 63 - __builtin_clzll(us);          /* us in [2^e, 2^(e+1)) */
	sub = (unsigned)((us >> (e - 2)) & 3); /* quarter of that range */
	return MIN(e * 4 + sub - 4, STATS_LAT_BUCKETS - 1);
}

/* The lowest latency that falls in bucket b. */
static uint64_t
stats_lat_floor(unsigned b)
{
	unsigned e;

	if (b < 4)
		return b;
	e = (b + 4) / 4;
	return ((uint64_t)4 + (b + 4) % 4) << (e - 2);
}

void
stats_latency(struct route_stats *rs, uint64_t us)
{
	STATS_ADD(rs->lat[stats_lat_bucket(us)], 1);
}

uint64_t
stats_percentile(const struct route_stats *rs, double pct)
{
	uint64_t total = 0, want, seen = 0;
	unsigned b;

	for (b = 0; b < STATS_LAT_BUCKETS; b++)
		total += rs->lat[b];
	if (total == 0)
		return 0;
	want = (uint64_t)(total * pct / 100.0 + 0.5);
	if (want == 0)
		want = 1;
	for (b = 0; b < STATS_LAT_BUCKETS; b++) {
		seen += rs->lat[b];
		if (seen >= want)
			break;
	}
	if (b >= STATS_LAT_BUCKETS)
		b = STATS_LAT_BUCKETS - 1;
	/* Report the middle of the bucket: within an eighth either way. */
	return (stats_lat_floor(b) + stats_lat_floor(b + 1)) / 2;
}

void
stats_country(struct route_stats *rs, const char *cc)
{
	uint16_t code =
	    (uint16_t)((unsigned char)cc[0] << 8 | (unsigned char)cc[1]);
	unsigned i;

	/* Single writer: a slot's code is set once, then only counted. */
	for (i = 0; i < STATS_COUNTRIES; i++) {
		if (rs->country[i] == 0)
			__atomic_store_n(&rs->country[i], code,
			    __ATOMIC_RELEASE);
		if (rs->country[i] == code) {
			STATS_ADD(rs->country_n[i], 1);
			return;
		}
	}
	STATS_ADD(rs->country_other, 1);
}

/* Add one worker's countries into a sum, merging them by code. */
static void
stats_country_sum(struct route_stats *out, const struct route_stats *rs)
{
	uint16_t code;
	unsigned i, j;

	out->country_other += STATS_GET(rs->country_other);
	for (i = 0; i < STATS_COUNTRIES; i++) {
		code = __atomic_load_n(&rs->country[i], __ATOMIC_ACQUIRE);
		if (code == 0)
			break;
		for (j = 0; j < STATS_COUNTRIES; j++) {
			if (out->country[j] == 0)
				out->country[j] = code;
			if (out->country[j] == code)
				break;
		}
		if (j < STATS_COUNTRIES)
			out->country_n[j] += STATS_GET(rs->country_n[i]);
		else
			out->country_other += STATS_GET(rs->country_n[i]);
	}
}

void
stats_route_sum(unsigned id, struct route_stats *out)
{
	const struct route_stats *rs;
	unsigned                  w, i;
	uint64_t                  oldest;

	memset(out, 0, sizeof *out);
	for (w = 0; w < st.nworkers; w++) {
		rs = &st.w[w].routes[id];
		out->requests += STATS_GET(rs->requests);
		for (i = 0; i < 6; i++)
			out->status[i] += STATS_GET(rs->status[i]);
		out->bytes_in += STATS_GET(rs->bytes_in);
		out->bytes_out += STATS_GET(rs->bytes_out);
		out->started += STATS_GET(rs->started);
		out->finished += STATS_GET(rs->finished);
		out->switched += STATS_GET(rs->switched);
		out->tunnels += STATS_GET(rs->tunnels);
		out->tunnels_closed += STATS_GET(rs->tunnels_closed);
		oldest = STATS_GET(rs->tunnel_oldest_us);
		if (oldest != 0 &&
		    (out->tunnel_oldest_us == 0 ||
		        oldest < out->tunnel_oldest_us))
			out->tunnel_oldest_us = oldest;
		for (i = 0; i < DENY_NREASONS; i++)
			out->denied[i] += STATS_GET(rs->denied[i]);
		for (i = 0; i < STATS_CACHE_NKINDS; i++)
			out->cache[i] += STATS_GET(rs->cache[i]);
		out->cache_bytes += STATS_GET(rs->cache_bytes);
		for (i = 0; i < STATS_LAT_BUCKETS; i++)
			out->lat[i] += STATS_GET(rs->lat[i]);
		stats_country_sum(out, rs);
	}
}

void
stats_backend_sum(unsigned id, struct backend_stats *out)
{
	const struct backend_stats *bs;
	unsigned                    w;

	memset(out, 0, sizeof *out);
	for (w = 0; w < st.nworkers; w++) {
		bs = &st.w[w].backends[id];
		out->requests += STATS_GET(bs->requests);
		out->failures += STATS_GET(bs->failures);
		out->started += STATS_GET(bs->started);
		out->finished += STATS_GET(bs->finished);
	}
}

void
stats_sample(void)
{
	unsigned id, w;
	uint64_t total;

	for (id = 0; id < st.routes.n; id++) {
		total = 0;
		for (w = 0; w < st.nworkers; w++)
			total += STATS_GET(st.w[w].routes[id].requests);
		st.samples[id][st.sample_pos] = total;
	}
	st.sample_pos = (st.sample_pos + 1) % RATE_SAMPLES;
	if (st.nsamples < RATE_SAMPLES)
		st.nsamples++;
}

void
stats_rates(unsigned id, double *per_sec, double *per_min)
{
	unsigned last, prev, first, span;

	*per_sec = *per_min = 0;
	if (st.nsamples < 2)
		return;
	last = (st.sample_pos + RATE_SAMPLES - 1) % RATE_SAMPLES;
	prev = (st.sample_pos + RATE_SAMPLES - 2) % RATE_SAMPLES;
	span = st.nsamples - 1;
	first = (st.sample_pos + RATE_SAMPLES - st.nsamples) % RATE_SAMPLES;
	*per_sec = (double)(st.samples[id][last] - st.samples[id][prev]);
	*per_min =
	    (double)(st.samples[id][last] - st.samples[id][first]) / span;
}

struct stats_event *
stats_event_begin(struct worker_stats *ws)
{
	struct stats_ring *r = ws->ring;
	uint64_t           tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);

	if (r->head - tail >= RING_SIZE) {
		STATS_ADD(r->dropped, 1);
		return NULL;
	}
	return &r->ev[r->head % RING_SIZE];
}

void
stats_event_commit(struct worker_stats *ws)
{
	struct stats_ring *r = ws->ring;

	__atomic_store_n(&r->head, r->head + 1, __ATOMIC_RELEASE);
}

int
stats_event_take(unsigned worker, struct stats_event *ev)
{
	struct stats_ring *r = st.w[worker].ring;
	uint64_t           head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);

	if (r->tail == head)
		return 0;
	*ev = r->ev[r->tail % RING_SIZE];
	__atomic_store_n(&r->tail, r->tail + 1, __ATOMIC_RELEASE);
	return 1;
}

uint64_t
stats_events_dropped(void)
{
	uint64_t n = 0;
	unsigned w;

	for (w = 0; w < st.nworkers; w++)
		n += STATS_GET(st.w[w].ring->dropped);
	return n;
}
