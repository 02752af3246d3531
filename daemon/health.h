/* SPDX-License-Identifier: ISC */
/* Backend health: passive marks from the workers, active checks on the main loop. */
#ifndef FD_HEALTH_H
#define FD_HEALTH_H

#include <stdint.h>
#include <uv.h>

struct config;
struct route_conf;
struct backend_conf;

/* Consecutive successes of active checks that bring a backend back. */
#define HEALTH_RISE 2
/* A down backend is tried again after this, doubling up to the cap. */
#define HEALTH_RETRY_MIN_MS 1000
#define HEALTH_RETRY_MAX_MS 30000

enum health_state {
	HEALTH_UNKNOWN = 0, /* nothing seen yet: treated as up */
	HEALTH_UP,
	HEALTH_DOWN,
};

struct health_info {
	enum health_state state;
	uint64_t          changed;  /* wall clock, seconds; 0 never */
	char              last[96]; /* the last check or failure, in words */
};

/* Main thread, start-up. */
void health_init(void);
void health_free(void);

/*
 * Workers.  health_usable: whether a request may go to b now; a down backend
 * becomes usable for one trial request once its retry time has come (the
 * caller that gets 1 for a down backend is that trial).
 */
int health_usable(const struct backend_conf *, uint64_t now_ms);
/* Whether b is not known to be down (no side effect). */
int health_is_up(const struct backend_conf *);
/* A request failed on b (refused, reset, timeout, garbage): why. */
void health_failure(const struct route_conf *, const struct backend_conf *,
    const char *why);
void health_success(const struct route_conf *, const struct backend_conf *);

/* Any thread: a snapshot for the control socket. */
void health_get(unsigned backend_id, struct health_info *);

/*
 * Main loop: run the active checks of cfg's routes with a health_path (one
 * place for the whole daemon, not once per worker).  health_checks_start()
 * once; health_config() after every reload; health_stop() at shutdown.
 */
void health_checks_start(uv_loop_t *);
void health_config(const struct config *);
void health_stop(void);

/* Main loop: state changes since the last call, as JSON events. */
typedef void (*health_event_cb)(const char *json, size_t len);
void health_poll_events(health_event_cb);

#endif
