/* SPDX-License-Identifier: ISC */
/* The gate: who may pass a route (addresses, countries, bans, rates, auth). */
#ifndef FD_GATE_H
#define FD_GATE_H

#include <uv.h>

#include "http.h"
#include "stream.h"

/* Password checks of one worker on the thread pool at once (gate.c). */
#define GATE_POOL_SHARE 2

struct config;
struct gate_job;
struct route_conf;

enum gate_result {
	GATE_PASS = 0,
	GATE_DENY,    /* answered: deny was called */
	GATE_PENDING, /* done, or deny, comes later, on this loop */
	GATE_DONE,    /* passed: done was called already */
};

/*
 * A check that passed by a password: user is the name it authenticated
 * (for X-Remote-User); valid only during the call.
 */
typedef void gate_done_cb(void *data, const char *user);
/*
 * The gate refuses: answer status, with rule (the reason counted and
 * logged: "ip", "country", "ban", "rate", "auth", "busy") and headers
 * (extra head lines, or NULL) as frontdoor.ini(5) documents them.
 */
typedef void
gate_deny_cb(void *data, int status, const char *rule, const char *headers);

/*
 * What the gate knows of a request: filled by its owner before
 * gate_check(), and kept as it is until the check has answered or
 * gate_cancel() was called (a password check holds on to it).
 */
struct gate_req {
	const struct route_conf  *route;
	struct config            *cfg; /* a check holds a reference */
	uv_loop_t                *loop;
	const union sockaddr_any *peer;      /* the connection's */
	const char               *client_ip; /* after trusted_proxies */
	const char               *id;        /* the request id, for the log */
	char                     *country;   /* set: "" or a two-letter code */
	gate_done_cb             *done;
	gate_deny_cb             *deny;
	void                     *data; /* given to done and deny */
	struct gate_job          *job;  /* a pending check (gate.c's) */
};

/*
 * Run g->route's rules for a request whose head is req (valid only during
 * the call).  The order is fixed and documented in frontdoor.ini(5).  May
 * call g->deny and return GATE_DENY, or start work off the loop (password
 * checks) and return GATE_PENDING; a password that passes calls g->done.
 */
enum gate_result gate_check(struct gate_req *, const struct http_request *);
/* The request ends while its check is pending: forget it. */
void gate_cancel(struct gate_req *);

#endif
