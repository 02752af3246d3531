/* SPDX-License-Identifier: ISC */
/* Bans: clients that failed auth too often, kept out of every route. */
#ifndef FD_BAN_H
#define FD_BAN_H

#include <stddef.h>
#include <stdint.h>

/*
 * One table for the process (a client's connections land on different
 * workers), under one mutex, with a lock-free "no bans" fast path.
 *
 * A client is an IPv4 address or an IPv6 /64, grouped as the rate limits
 * group them (a host is given a /64: banning one of its addresses and not
 * the next would ban nothing).  Times are wall-clock milliseconds, so that
 * bans can be kept in the state file as UNIX seconds.
 *
 * The table holds at most BAN_MAX_ENTRIES clients, failure counters and
 * bans together, and never more than BAN_MAX_BANS bans, so that counters
 * always have BAN_COUNTER_RESERVE entries to themselves.  When it is full
 * a new counter evicts the least recently failed counter, never a ban; a
 * new ban past BAN_MAX_BANS evicts the ban that ends soonest.  A flood of
 * addresses therefore only recycles counters, and flushing a real ban
 * takes BAN_MAX_BANS fresh bans (each ban_after failures from its own
 * address or /64).  IPv6 space is cheap, so bans widen: BAN_WIDEN_AFTER
 * banned /64s of one /48 ban the /48, as many banned /48s of one /32 ban
 * the /32, each for ban_time.  A flood from many /64s ends in a handful
 * of entries, and flushing the table takes thousands of /48s.
 * See frontdoord(8), "Bans".
 */
#define BAN_MAX_ENTRIES     262144
#define BAN_COUNTER_RESERVE 16384
#define BAN_MAX_BANS        (BAN_MAX_ENTRIES - BAN_COUNTER_RESERVE)
#define BAN_WIDEN_AFTER     16
/* The longest ban: ban_time and "ban ADDR DURATION" (10 years). */
#define BAN_MAX_MS (3650ull * 86400 * 1000)
/* Bans end at most here: the state file keeps 32-bit UNIX seconds. */
#define BAN_MAX_UNTIL_MS (4294967295ull * 1000)

/*
 * A failed auth attempt from addr (family AF_INET or AF_INET6; 4 or 16
 * bytes).  after failures within window_ms ban it for time_ms; after 0:
 * nothing happens.  Returns 1 when this failure banned the client, 48 or
 * 32 when that also banned its /48 or /32 (IPv6), else 0.  Any thread.
 */
int ban_fail(int family, const uint8_t *addr, unsigned after,
    uint64_t window_ms, uint64_t time_ms, uint64_t now_ms);
/* Milliseconds left of addr's ban, 0 when it is not banned. Any thread. */
uint64_t ban_check(int family, const uint8_t *addr, uint64_t now_ms);

/*
 * By text: an address ("192.0.2.1", "2001:db8::1": its /64) or a prefix
 * as ban_list() writes it ("192.0.2.1/32", "2001:db8::/64").  Both return
 * -1 when it does not parse.
 */
int ban_add(const char *addr, uint64_t until_ms); /* 0 added */
int ban_lift(const char *addr);                   /* 1 lifted, 0 none */
/* The text ban_list() uses for what addr names; -1 when it does not parse. */
int ban_text(const char *addr, char *out, size_t len);

/* A snapshot of the bans in force, for the control socket and state file. */
struct ban_info {
	char     addr[48]; /* "192.0.2.1" or "2001:db8::/64" */
	uint64_t until_ms;
};
/*
 * The bans in force, the last to end first (ties in address order),
 * from the offset'th, at most count of them.  *out is malloc'ed (free
 * it); *total (when not NULL) gets how many there are in all.  Returns
 * the count in *out.
 */
size_t ban_list(struct ban_info **out, uint64_t now_ms, size_t offset,
    size_t count, size_t *total);

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
