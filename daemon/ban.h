/* SPDX-License-Identifier: ISC */
/* Bans: clients that failed auth too often, kept out of every route. */
#ifndef FD_BAN_H
#define FD_BAN_H

#include <stddef.h>
#include <stdint.h>

/*
 * One table for the process (a client's connections land on different
 * workers), under one mutex, with a lock-free "no bans" fast path.  It
 * tracks failures and bans of at most BAN_MAX_ENTRIES addresses: past that
 * the least recently failed address that is not banned is forgotten, and
 * when every entry is a ban new failures go uncounted.  Addresses are
 * exact (IPv6 too); times are wall-clock milliseconds, so that bans can be
 * kept in the state file as UNIX seconds.
 */
#define BAN_MAX_ENTRIES 65536

/*
 * A failed auth attempt from addr (family AF_INET or AF_INET6; 4 or 16
 * bytes).  after failures within window_ms ban it for time_ms; after 0:
 * nothing happens.  Returns 1 when this failure made a ban.  Any thread.
 */
int ban_fail(int family, const uint8_t *addr, unsigned after,
    uint64_t window_ms, uint64_t time_ms, uint64_t now_ms);
/* Milliseconds left of addr's ban, 0 when it is not banned. Any thread. */
uint64_t ban_check(int family, const uint8_t *addr, uint64_t now_ms);

/* By address text ("192.0.2.1", "2001:db8::1"): -1 when it does not parse. */
int ban_add(const char *addr, uint64_t until_ms); /* 0 added */
int ban_lift(const char *addr);                   /* 1 lifted, 0 none */

/* A snapshot of the bans in force, for the control socket and state file. */
struct ban_info {
	char     addr[48];
	uint64_t until_ms;
};
/* *out is malloc'ed (free it); returns the count. */
size_t ban_list(struct ban_info **out, uint64_t now_ms);

/* Bumped whenever the set of bans changes (made, added, lifted). */
uint64_t ban_changes(void);

/*
 * Main loop: bans made since the last call, as JSON events
 * {"type":"ban","address":...,"until":UNIX_SECONDS,"reason":...}; cb NULL
 * just skips them.  Also forgets expired bans and stale failures.
 */
typedef void (*ban_event_cb)(const char *json, size_t len);
void ban_poll_events(ban_event_cb, uint64_t now_ms);

/* Empty the table (tests, shutdown). */
void ban_free(void);

#endif
