/* SPDX-License-Identifier: ISC */
/* Timeout queues: many timeouts on one libuv timer, O(1) to set and clear. */
#ifndef FD_TIMEOUT_H
#define FD_TIMEOUT_H

#include <stdint.h>
#include <uv.h>

#include "list.h"

/*
 * Entries with the same duration expire in the order they were set, so each
 * duration gets its own FIFO list and setting a timeout is an append.  One
 * uv_timer per queue set fires at the earliest head.  This replaces a
 * uv_timer_t (152 bytes) in every connection with 32 bytes.
 */
struct timeout;
typedef void (*timeout_cb)(struct timeout *);

struct timeout {
	struct list link;     /* in its list while queued */
	uint64_t    deadline; /* loop time, ms; 0 when not queued */
	timeout_cb  cb;
};

#define TIMEOUT_LISTS 32

struct timeout_list {
	uint64_t    duration;
	struct list entries; /* the soonest first */
};

struct timeouts {
	uv_timer_t          timer;
	uint64_t            armed; /* deadline the timer is set for; 0 none */
	struct timeout_list lists[TIMEOUT_LISTS];
	unsigned            nlists;
	/* Entries whose duration has no list of its own, sorted by deadline. */
	struct timeout_list sorted;
};

/*
 * The lists are linked to themselves: a struct timeouts stays where
 * timeouts_init() found it.  An entry needs no setting up (zeroed memory
 * is an entry not queued).
 */

/* The timer is initialised on loop; timeouts_close must be called to close it. */
int  timeouts_init(struct timeouts *, uv_loop_t *);
void timeouts_close(struct timeouts *, uv_close_cb);
/* (Re)arm e to call cb after ms milliseconds from the loop's now. */
void timeout_set(struct timeouts *, struct timeout *, uint64_t ms, timeout_cb);
void timeout_del(struct timeouts *, struct timeout *);

#endif
