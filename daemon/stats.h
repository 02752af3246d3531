/* SPDX-License-Identifier: ISC */
/* Statistics shared by the workers and the control socket, and the ids. */
#ifndef FD_STATS_H
#define FD_STATS_H

#include <netinet/in.h>
#include <stdint.h>

#include "parse.h"

struct config;

/*
 * Routes and backends get ids by name that survive reloads, so counters and
 * runtime switches (switch.h) follow "route cloud" and "backend cloud
 * 10.0.0.2:80" across configurations.  Id 0 is the overflow slot: a route
 * or backend beyond the capacity shares it (and a warning is logged).
 */
#define STATS_MAX_ROUTES   1024
#define STATS_MAX_BACKENDS 8192

/* Latency histogram: 4 buckets per power of two of microseconds. */
#define STATS_LAT_BUCKETS 128
/* Countries counted by name per route and worker; the rest as "other". */
#define STATS_COUNTRIES 32

/* Denial reasons (the rule that refused a request). */
enum stats_deny {
	DENY_AUTH = 0,
	DENY_IP,
	DENY_COUNTRY,
	DENY_RATE,
	DENY_BAN,
	DENY_NREASONS,
};

/* What the response cache did for a request (X-Cache). */
enum stats_cache {
	STATS_CACHE_HIT = 0,
	STATS_CACHE_MISS,
	STATS_CACHE_BYPASS,
	STATS_CACHE_NKINDS,
};

/*
 * Counters one worker keeps for one route.  Each worker writes only its own
 * copy (no locks, no atomic read-modify-write); the main thread reads all
 * copies with relaxed atomic loads and adds them up.
 */
struct route_stats {
	uint64_t requests;
	uint64_t status[6]; /* index 1..5: 1xx..5xx; 0: no response */
	uint64_t bytes_in;
	uint64_t bytes_out;
	uint64_t started; /* in flight: started - finished */
	uint64_t finished;
	uint64_t switched; /* 503s because the owner switched the route off */
	uint64_t tunnels;  /* opened; open: tunnels - tunnels_closed */
	uint64_t tunnels_closed;
	uint64_t tunnel_oldest_us; /* wall clock start of the oldest open, 0 */
	uint64_t denied[DENY_NREASONS];
	uint64_t cache[STATS_CACHE_NKINDS]; /* by enum stats_cache */
	uint64_t cache_bytes;               /* body bytes served from it */
	uint64_t lat[STATS_LAT_BUCKETS];
	uint16_t country[STATS_COUNTRIES]; /* 'D' << 8 | 'E'; 0 free */
	uint64_t country_n[STATS_COUNTRIES];
	uint64_t country_other;
};

struct backend_stats {
	uint64_t requests;
	uint64_t failures;
	uint64_t started; /* active = started - finished */
	uint64_t finished;
};

struct worker_stats {
	struct route_stats   *routes;   /* [STATS_MAX_ROUTES] */
	struct backend_stats *backends; /* [STATS_MAX_BACKENDS] */
	uint64_t              conns_accepted;
	uint64_t              requests;
	struct stats_ring    *ring;
};

/* Single-writer increment, readable from another thread without tearing. */
#define STATS_ADD(field, n)                                                    \
	__atomic_store_n(&(field),                                             \
	    __atomic_load_n(&(field), __ATOMIC_RELAXED) + (n),                 \
	    __ATOMIC_RELAXED)
#define STATS_GET(field) __atomic_load_n(&(field), __ATOMIC_RELAXED)

/* Main thread, start-up: the tables.  stats_free at exit. */
void stats_init(unsigned nworkers);
void stats_free(void);
/* Main thread: give every route and backend of cfg its id. */
void                 stats_assign(struct config *);
struct worker_stats *stats_worker(unsigned worker);
/* Ids handed out so far (1..n-1) and their names ("ROUTE ADDR" for
 * backends); main thread only. */
unsigned    stats_route_ids(void);
unsigned    stats_backend_ids(void);
const char *stats_route_name(unsigned id);
const char *stats_backend_name(unsigned id);
unsigned    stats_nworkers(void);

/* Record a finished request's latency in microseconds. */
void stats_latency(struct route_stats *, uint64_t us);
/* Worker: count a request from country cc ("DE"). */
void stats_country(struct route_stats *, const char *cc);
/* Sum of every worker's counters for a route or backend. */
void stats_route_sum(unsigned id, struct route_stats *out);
void stats_backend_sum(unsigned id, struct backend_stats *out);
/* Latency percentile (0..100) from a summed histogram, microseconds. */
uint64_t stats_percentile(const struct route_stats *, double pct);

/*
 * Request rates: the main thread samples every route's request total once
 * a second; rate over the last second and the last minute.
 */
void stats_sample(void);
void stats_rates(unsigned id, double *per_sec, double *per_min);

/* One finished request, for live subscribers. */
struct stats_event {
	uint64_t time_us; /* wall clock at the start */
	uint64_t bytes;
	uint32_t ms;
	int      status;
	char     client[INET6_ADDRSTRLEN];
	char     country[4];
	char     method[16];
	char     host[96];
	char     path[256];
	char     route[64];
	char     backend[ADDR_STRLEN];
	char     rule[16]; /* what refused it, or "" */
};

/* Set by the control socket while someone follows the live log. */
extern int stats_subscribed;
/* Worker: the slot to fill, or NULL when the ring is full (counted). */
struct stats_event *stats_event_begin(struct worker_stats *);
void                stats_event_commit(struct worker_stats *);
/* Main thread: take the next event of a worker; 0 when none. */
int      stats_event_take(unsigned worker, struct stats_event *);
uint64_t stats_events_dropped(void);

#endif
