/* SPDX-License-Identifier: ISC */
/* The dashboard's state, built from frontdoord's JSON: no curses, no I/O. */
#ifndef FD_MODEL_H
#define FD_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "json-read.h"

/*
 * Everything here is pure: functions take parsed JSON objects (struct
 * jsonr, from the control socket) and a time in milliseconds, and change
 * only the model.  Every table is bounded, so the model's memory does not
 * grow however long the dashboard runs.  Strings are kept as the daemon
 * sent them (any bytes); the views escape them for the terminal.
 */

#define MODEL_EVENTS    2000 /* live requests kept */
#define MODEL_SPARK     60   /* sparkline samples, one per poll */
#define MODEL_CLIENTS   512  /* client addresses counted */
#define MODEL_COUNTRIES 256
#define MODEL_ROUTES    256 /* routes shown; more are counted, not kept */
#define MODEL_BACKENDS  1024
#define MODEL_BANS      1024
#define MODEL_STR       256 /* longer hosts/paths are cut (and marked) */

struct model_route {
	char    *name;
	char    *hosts; /* "a.example b.example", "*" for any */
	char    *path;
	char     state[16];      /* enabled, disabled, maintenance */
	char     configured[16]; /* what the INI says */
	int      differs;
	uint64_t requests, errors, active;
	uint64_t switched;            /* 503s of the owner's switch */
	uint64_t tunnels, tunnel_age; /* open now; the oldest's age, s */
	uint64_t status[6];           /* [1] 1xx ... [5] 5xx */
	uint64_t denied;              /* every kind together */
	int      cached;              /* the route has a response cache */
	uint64_t cache_hits, cache_misses, cache_bypass, cache_bytes;
	double   rps, p50, p99;
	float    spark[MODEL_SPARK]; /* requests per second, oldest first */
};

struct model_backend {
	char     *route;
	char     *address;
	char      state[16];  /* up, down, disabled, draining */
	char      health[16]; /* unknown, up, down */
	char     *last;       /* last health result, may be "" */
	int       differs;
	uint64_t  active, requests, failures;
	long long changed; /* unix seconds of the last health change, 0 */
};

/* One live request, as the "request" event carries it. */
struct model_event {
	char     time[16]; /* "09:00:00" */
	char    *client, *country, *method, *host, *path, *route, *backend;
	char    *rule;
	int      status;
	long     ms;
	uint64_t seq; /* counts every request event received */
};

/* A client address or a country, counted from the live events. */
struct model_count {
	char    *key;
	uint64_t requests, errors, denied;
	uint64_t last; /* model_event seq of the last request */
};

struct model_ban {
	char     *address;
	char     *reason;
	long long until; /* unix seconds */
	long long left;  /* seconds, as of when it was read */
};

/* The live list's filter: every part must match. */
struct model_filter {
	char text[128]; /* words: "4xx", "route:NAME", else substrings */
	int  status;    /* a status class 1-5, 0 any */
	char route[64]; /* "" any */
};

struct model_status {
	int       have;
	char      version[32];
	char     *config;
	long long uptime, generation, pid;
	long long reload_time;
	int       reload_ok;
	char     *reload_errors; /* joined with "; ", may be NULL */
	uint64_t  connections, requests;
	uint64_t  status[6];
	double    rps;
	uint64_t  events_dropped;
	int       workers;
};

struct model {
	struct model_status status;
	float               spark[MODEL_SPARK]; /* all requests per second */
	uint64_t            last_requests;      /* for the sparkline */
	uint64_t            last_poll_ms;

	struct model_route   *routes;
	size_t                nroutes;
	uint64_t              routes_ms; /* when the last routes reply came */
	struct model_backend *backends;
	size_t                nbackends;

	struct model_event *events;        /* a ring of MODEL_EVENTS */
	size_t              nevents, head; /* head: the next slot to fill */
	uint64_t            seq;           /* request events received */
	uint64_t            dropped;       /* events the daemon dropped */
	int                 paused;        /* the live list is frozen */
	uint64_t            paused_seq;    /* the newest shown while paused */

	struct model_count *clients;
	size_t              nclients;
	struct model_count *countries;
	size_t              ncountries;

	struct model_ban *bans;
	size_t            nbans;
	int               bans_state; /* MODEL_BANS_* */
	char             *bans_error;

	struct model_filter filter;

	uint64_t changes; /* bumped whenever anything visible changes */
};

#define MODEL_BANS_UNKNOWN     0
#define MODEL_BANS_OK          1
#define MODEL_BANS_UNAVAILABLE 2

struct model *model_new(void);
void          model_free(struct model *); /* NULL is a no-op */

/* A "status" reply's object.  now_ms: a monotonic clock, for rates. */
void model_status(struct model *, const struct jsonr *st, uint64_t now_ms);
/* A "routes" reply: n objects in config order. */
void model_routes(struct model *, struct jsonr *const *rows, size_t n,
    uint64_t now_ms);
/* A "backends" reply. */
void model_backends(struct model *, struct jsonr *const *rows, size_t n);
/* A "bans" reply; model_bans_error() when the daemon refused it. */
void model_bans(struct model *, struct jsonr *const *rows, size_t n);
void model_bans_error(struct model *, const char *message);
/*
 * One "%event" object.  Returns 1 when the routes, backends or bans should
 * be asked for again (a switch, a reload, a ban), else 0.
 */
int model_event(struct model *, const struct jsonr *ev);

/* Find by name, or NULL. */
struct model_route *model_route_find(struct model *, const char *name);
struct model_ban   *model_ban_find(struct model *, const char *address);
/* "3/3 up", "1/2 up", "-" without backends, for a route. */
void model_route_health(const struct model *, const char *route, char *out,
    size_t outlen);

/* The live list: pause (freeze) or follow. */
void model_pause(struct model *, int paused);
/*
 * Set the filter from text (words as in struct model_filter).  Returns 0,
 * or -1 when the text is too long (the filter is left as it was).
 */
int  model_filter_text(struct model *, const char *text);
void model_filter_status(struct model *, int status_class);
void model_filter_route(struct model *, const char *route);
int  model_filter_active(const struct model *);
/* Whether ev passes the filter. */
int model_event_match(const struct model *, const struct model_event *ev);
/*
 * The live list as shown: up to max events passing the filter, newest
 * first, skipping the first skip matches.  Returns how many were stored.
 */
size_t model_live(const struct model *, size_t skip,
    const struct model_event **out, size_t max);
/* How many kept events pass the filter (and are not newer than a pause). */
size_t model_live_count(const struct model *);

/*
 * The clients (or countries) with the most requests, most first, ties by
 * the most recent.  Fills out with up to max pointers; returns how many.
 */
size_t model_top_clients(const struct model *, const struct model_count **out,
    size_t max);
size_t model_top_countries(const struct model *, const struct model_count **out,
    size_t max);

/*
 * Text for a terminal: s (len bytes) appended to out (outlen bytes, always
 * NUL-terminated) with every control byte and, when utf8 is 0, every byte
 * outside ASCII written as \xNN (and backslash as \\).  With utf8 set,
 * valid UTF-8 sequences of printable characters are kept and invalid bytes
 * escaped.  Returns the length written; cut short (with "…" or "~") when
 * out is too small.
 */
size_t
model_safe(char *out, size_t outlen, const char *s, size_t len, int utf8);

#endif
