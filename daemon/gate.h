/* SPDX-License-Identifier: ISC */
/* The gate: who may pass a route (addresses, countries, bans, rates, auth). */
#ifndef FD_GATE_H
#define FD_GATE_H

#include "http.h"

/* Password checks of one worker on the thread pool at once (gate.c). */
#define GATE_POOL_SHARE 2

struct exchange;

enum gate_result {
	GATE_PASS = 0,
	GATE_DENY,    /* answered: proxy_deny() was called */
	GATE_PENDING, /* gate calls proxy_gate_done() later, on this loop */
	GATE_DONE,    /* passed: proxy_gate_done() was called already */
};

/*
 * Run x->route's rules for a request whose head is req (valid only during
 * the call; x->client_ip and x->c->peer are set).  The order is fixed and
 * documented in frontdoor.ini(5).  May call proxy_deny(x, ...) and return
 * GATE_DENY, or start work off the loop (password checks) and return
 * GATE_PENDING.
 */
enum gate_result gate_check(struct exchange *, const struct http_request *);
/* The exchange ends while its check is pending: forget it. */
void gate_cancel(struct exchange *);

#endif
