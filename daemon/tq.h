/* SPDX-License-Identifier: ISC */
/* Timeout queues: many timeouts on one libuv timer, O(1) to set and clear. */
#ifndef FD_TQ_H
#define FD_TQ_H

#include <stdint.h>
#include <uv.h>

/*
 * Entries with the same duration expire in the order they were set, so each
 * duration gets its own FIFO list and setting a timeout is an append.  One
 * uv_timer per queue set fires at the earliest head.  This replaces a
 * uv_timer_t (152 bytes) in every connection with 24 bytes.
 */
struct tq_entry;
typedef void (*tq_cb)(struct tq_entry *);

struct tq_entry {
	struct tq_entry *prev;
	struct tq_entry *next;
	uint64_t         deadline; /* loop time, ms; 0 when not queued */
	tq_cb            cb;
};

#define TQ_LISTS 32

struct tq_list {
	uint64_t         duration;
	struct tq_entry *head;
	struct tq_entry *tail;
};

struct tq {
	uv_timer_t     timer;
	uint64_t       armed; /* deadline the timer is set for; 0 none */
	struct tq_list lists[TQ_LISTS];
	unsigned       nlists;
	/* Entries whose duration has no list of its own, sorted by deadline. */
	struct tq_list sorted;
};

/* The timer is initialised on loop; tq_close must be called to close it. */
int  tq_init(struct tq *, uv_loop_t *);
void tq_close(struct tq *, uv_close_cb);
/* (Re)arm e to call cb after ms milliseconds from the loop's now. */
void tq_set(struct tq *, struct tq_entry *, uint64_t ms, tq_cb);
void tq_del(struct tq *, struct tq_entry *);

#endif
