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
	GATE_PENDING, /* done, or proxy_deny(), comes later, on this loop */
	GATE_DONE,    /* passed: done was called already */
};

/*
 * A check that passed by a password: user is the name it authenticated
 * (for X-Remote-User); valid only during the call.
 */
typedef void gate_done_cb(void *data, const char *user);

/*
 * Run x->route's rules for a request whose head is req (valid only during
 * the call; x->client_ip and x->c->peer are set).  The order is fixed and
 * documented in frontdoor.ini(5).  May call proxy_deny(x, ...) and return
 * GATE_DENY, or start work off the loop (password checks) and return
 * GATE_PENDING; a password that passes calls done(data, user).
 */
enum gate_result gate_check(struct exchange *, const struct http_request *,
    gate_done_cb *done, void *data);
/* The exchange ends while its check is pending: forget it. */
void gate_cancel(struct exchange *);

#endif
