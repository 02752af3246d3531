/* SPDX-License-Identifier: ISC */
/* Rate limits: GCRA per route and client address, shared by every worker. */
#ifndef FD_RATE_H
#define FD_RATE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A client's connections land on different workers, so the table is one
 * for the process: RATE_SHARDS shards, each a hash table under its own
 * mutex, bounded together by RATE_MAX_ENTRIES with least-recently-used
 * eviction (an evicted client starts again with a full burst, so a flood
 * of addresses costs memory up to the bound and never more).  Entries are
 * 40 bytes; memory grows with use.
 */
#define RATE_SHARDS      64
#define RATE_MAX_ENTRIES 131072

/*
 * One request of a client (family AF_INET or AF_INET6, addr 4 or 16 bytes;
 * IPv6 clients are grouped by their /64, v4-mapped addresses count as
 * IPv4) to route: a request every interval_us on average, burst at once.
 * Returns 1 when it may pass, 0 when limited with *retry_us set to the
 * wait until one would pass.  now_us: monotonic clock.  Any thread.
 */
int rate_take(unsigned route, int family, const uint8_t *addr,
    uint64_t interval_us, unsigned burst, uint64_t now_us, uint64_t *retry_us);

/* Buckets in use and bytes the table holds (for tests and notes). */
size_t rate_entries(void);
size_t rate_memory(void);
/* Tests: the bound (before the first rate_take) and a fresh table. */
void rate_set_capacity(size_t);
void rate_free(void);

#endif
