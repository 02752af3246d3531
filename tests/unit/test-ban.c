/* SPDX-License-Identifier: ISC */
/* Unit tests for daemon/ban.c: grouping, the bounded table, eviction, lists. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ban.h"

#define T0   1700000000000ull /* wall clock, ms */
#define HOUR (3600 * 1000ull)

static int
failure(const char *ip, unsigned after, uint64_t now)
{
	uint8_t a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return ban_fail(AF_INET, a, after, HOUR, HOUR, now);
	assert_int_equal(inet_pton(AF_INET6, ip, a), 1);
	return ban_fail(AF_INET6, a, after, HOUR, HOUR, now);
}

static int
banned(const char *ip, uint64_t now)
{
	uint8_t a[16];

	if (inet_pton(AF_INET, ip, a) == 1)
		return ban_check(AF_INET, a, now) != 0;
	assert_int_equal(inet_pton(AF_INET6, ip, a), 1);
	return ban_check(AF_INET6, a, now) != 0;
}

/* The k'th of many distinct clients: an IPv6 /64 each. */
static void
v4_client(uint32_t k, char *out, size_t len)
{
	snprintf(out, len, "10.%u.%u.%u", (unsigned)(k >> 16) & 255,
	    (unsigned)(k >> 8) & 255, (unsigned)k & 255);
}

static void
v6_client(uint32_t k, char *out, size_t len)
{
	snprintf(out, len, "2001:db8:%x:%x::7", (unsigned)(k >> 16),
	    (unsigned)(k & 0xffff));
}

static int
reset(void **state)
{
	(void)state;
	ban_free();
	return 0;
}

static size_t
count_bans(uint64_t now)
{
	struct ban_info *l;
	size_t           total = 0;

	ban_list(&l, now, 0, 0, &total);
	free(l);
	return total;
}

/* One /64 is one client, as for the rate limits; IPv4 is per address. */
static void
test_ipv6_grouped_by_64(void **state)
{
	struct ban_info *l;
	char             text[64];

	(void)state;
	assert_int_equal(failure("2001:db8::1", 2, T0), 0);
	assert_int_equal(failure("2001:db8::2", 2, T0), 1); /* the same /64 */
	assert_true(banned("2001:db8::1", T0));
	assert_true(banned("2001:db8::ffff:1", T0));
	assert_false(banned("2001:db8:0:1::1", T0));
	assert_int_equal(ban_list(&l, T0, 0, 10, NULL), 1);
	assert_string_equal(l[0].addr, "2001:db8::/64");
	free(l);
	/* unban by any address in it, or by the prefix. */
	assert_int_equal(ban_lift("2001:db8::99"), 1);
	assert_false(banned("2001:db8::1", T0));
	assert_int_equal(ban_add("2001:db8::/64", T0 + HOUR), 0);
	assert_true(banned("2001:db8::5", T0));
	assert_int_equal(ban_lift("2001:db8::/64"), 1);
	assert_int_equal(ban_lift("2001:db8::/64"), 0);
	/* A prefix with host bits, or another length, is not ours. */
	assert_int_equal(ban_add("2001:db8::1/64", T0 + HOUR), -1);
	assert_int_equal(ban_add("2001:db8::/56", T0 + HOUR), -1);
	assert_int_equal(ban_add("2001:db8:1:1::/48", T0 + HOUR), -1);
	assert_int_equal(ban_add("2001:db8:1::/32", T0 + HOUR), -1);
	assert_int_equal(ban_add("::ffff:0:0/48", T0 + HOUR), -1);
	/* Nor a ban past what the state file can keep. */
	assert_int_equal(ban_add("192.0.2.3", BAN_MAX_UNTIL_MS + 1), -1);
	assert_int_equal(ban_add("192.0.2.0/24", T0 + HOUR), -1);
	/* IPv4 stays per address, mapped or not. */
	assert_int_equal(ban_add("192.0.2.1/32", T0 + HOUR), 0);
	assert_true(banned("192.0.2.1", T0));
	assert_true(banned("::ffff:192.0.2.1", T0));
	assert_false(banned("192.0.2.2", T0));
	assert_int_equal(ban_text("2001:db8:1:2:3:4:5:6", text, sizeof text),
	    0);
	assert_string_equal(text, "2001:db8:1:2::/64");
	assert_int_equal(ban_text("::ffff:192.0.2.9", text, sizeof text), 0);
	assert_string_equal(text, "192.0.2.9");
	assert_int_equal(ban_text("nonsense", text, sizeof text), -1);
}

/*
 * Counters from more clients than the table holds: the bans made before
 * stay, the oldest counters are the ones forgotten, recent ones count on.
 */
static void
test_counter_flood_keeps_bans(void **state)
{
	char     ip[64];
	uint32_t k;
	int      i;

	(void)state;
	for (i = 0; i < 100; i++) {
		snprintf(ip, sizeof ip, "10.0.0.%d", i);
		assert_int_equal(failure(ip, 1, T0), 1);
	}
	for (i = 0; i < 9; i++)
		assert_int_equal(failure("10.1.0.1", 10, T0), 0);
	for (k = 0; k < 2 * BAN_MAX_ENTRIES; k++) {
		v6_client(k, ip, sizeof ip);
		assert_int_equal(failure(ip, 10, T0 + 1), 0);
		if (k == 2 * BAN_MAX_ENTRIES - 1000) {
			for (i = 0; i < 9; i++)
				failure("10.2.0.1", 10, T0 + 1);
		}
	}
	for (i = 0; i < 100; i++) {
		snprintf(ip, sizeof ip, "10.0.0.%d", i);
		assert_true(banned(ip, T0 + 2));
	}
	assert_int_equal(count_bans(T0 + 2), 100);
	/* 10.1.0.1's nine failures were the oldest: forgotten. */
	assert_int_equal(failure("10.1.0.1", 10, T0 + 2), 0);
	/* 10.2.0.1's were recent: the tenth bans. */
	assert_int_equal(failure("10.2.0.1", 10, T0 + 2), 1);
	assert_true(banned("10.2.0.1", T0 + 2));
}

/*
 * More bans than BAN_MAX_BANS: the newest offender is banned, the ban
 * ending soonest made room, a long ban made first survived, and counters
 * still have room.
 */
static void
test_ban_flood_bans_the_newest(void **state)
{
	struct ban_info *l;
	char             ip[64], first[64];
	uint32_t         k;
	size_t           total;

	(void)state;
	assert_int_equal(ban_add("192.0.2.1", T0 + 1000 * HOUR), 0);
	for (k = 0; k < BAN_MAX_BANS; k++) {
		v4_client(k, ip, sizeof ip);
		assert_int_equal(failure(ip, 1, T0 + k), 1);
	}
	assert_int_equal(count_bans(T0), BAN_MAX_BANS);
	/* The first flood ban ends soonest: it went for the last one. */
	v4_client(0, first, sizeof first);
	assert_false(banned(first, T0 + k));
	v4_client(1, ip, sizeof ip);
	assert_true(banned(ip, T0 + k));
	assert_true(banned("192.0.2.1", T0 + k));
	/* A newcomer is still counted and banned (three tries). */
	assert_int_equal(failure("198.51.100.7", 3, T0 + k), 0);
	assert_int_equal(failure("198.51.100.7", 3, T0 + k), 0);
	assert_int_equal(failure("198.51.100.7", 3, T0 + k), 1);
	assert_true(banned("198.51.100.7", T0 + k));
	assert_true(banned("192.0.2.1", T0 + k));
	assert_false(banned(ip, T0 + k)); /* the next soonest went */
	assert_int_equal(count_bans(T0 + k), BAN_MAX_BANS);
	/* Sorted, the last to end first: the long ban first. */
	assert_int_equal(ban_list(&l, T0 + k, 0, 2, &total), 2);
	assert_int_equal(total, BAN_MAX_BANS);
	assert_true(l[0].until_ms >= l[1].until_ms);
	assert_string_equal(l[0].addr, "192.0.2.1");
	free(l);
}

/*
 * IPv6 space is cheap: BAN_WIDEN_AFTER banned /64s of a /48 ban the /48,
 * as many banned /48s of a /32 the /32.
 */
static void
test_bans_widen(void **state)
{
	struct ban_info *l;
	char             ip[64], text[64];
	int              i, j, r;

	(void)state;
	for (i = 0; i < BAN_WIDEN_AFTER; i++) {
		snprintf(ip, sizeof ip, "2001:db8:5:%x::1", i);
		r = failure(ip, 1, T0);
		assert_int_equal(r, i == BAN_WIDEN_AFTER - 1 ? 48 : 1);
	}
	assert_true(banned("2001:db8:5:ffff::9", T0)); /* a fresh /64 */
	/* Failures that were under way make no more bans inside it. */
	for (i = 0; i < 1000; i++) {
		snprintf(ip, sizeof ip, "2001:db8:5:%x::1", 0x100 + i);
		assert_int_equal(failure(ip, 1, T0), 0);
	}
	assert_int_equal(count_bans(T0), BAN_WIDEN_AFTER + 1);
	assert_false(banned("2001:db8:6::1", T0)); /* the next /48 */
	assert_false(banned("2001:db8:5::1", T0 + HOUR + 1));
	assert_int_equal(ban_list(&l, T0, 0, 100, NULL), BAN_WIDEN_AFTER + 1);
	for (i = 0, r = 0; i < BAN_WIDEN_AFTER + 1; i++)
		r += strcmp(l[i].addr, "2001:db8:5::/48") == 0;
	assert_int_equal(r, 1);
	free(l);
	/* Lifted by its name; the state file's text reads back. */
	assert_int_equal(ban_text("2001:db8:5::/48", text, sizeof text), 0);
	assert_string_equal(text, "2001:db8:5::/48");
	assert_int_equal(ban_lift("2001:db8:5::/48"), 1);
	assert_false(banned("2001:db8:5:ffff::9", T0));
	assert_int_equal(ban_add("2001:db8:5::/48", T0 + HOUR), 0);
	assert_true(banned("2001:db8:5:ffff::9", T0));
	/* BAN_WIDEN_AFTER banned /48s of 2001:db9::/32 ban the /32. */
	for (j = 0; j < BAN_WIDEN_AFTER; j++) {
		for (i = 0; i < BAN_WIDEN_AFTER; i++) {
			snprintf(ip, sizeof ip, "2001:db9:%x:%x::1", j, i);
			r = failure(ip, 1, T0);
		}
		assert_int_equal(r, j == BAN_WIDEN_AFTER - 1 ? 32 : 48);
	}
	assert_true(banned("2001:db9:ffff:1::1", T0));
	assert_false(banned("2001:dba::1", T0));
	assert_int_equal(ban_text("2001:db9::/32", text, sizeof text), 0);
	assert_string_equal(text, "2001:db9::/32");
}

/*
 * A flood from five /48s (the free share of one tunnel account: 327,680
 * /64s), each /64 failing until banned, as the gate lets it: a real ban
 * stays, and the flood costs a few entries, not the table.
 */
static void
test_v6_flood_cannot_flush(void **state)
{
	char     ip[64];
	uint32_t k;

	(void)state;
	assert_int_equal(ban_add("192.0.2.1", T0 + 2 * HOUR), 0);
	for (k = 0; k < 5 * 65536; k++) {
		snprintf(ip, sizeof ip, "2001:db8:%x:%x::1", 0x100 + (k >> 16),
		    k & 0xffff);
		if (!banned(ip, T0 + 1))
			failure(ip, 1, T0 + 1);
	}
	assert_true(banned("192.0.2.1", T0 + 2));
	assert_true(count_bans(T0 + 2) <= 5 * (BAN_WIDEN_AFTER + 1) + 1);
}

/* Pages: offset and count slice the sorted list; past the end is empty. */
static void
test_list_pages(void **state)
{
	struct ban_info *l;
	char             ip[32];
	size_t           total, n, off, seen = 0;
	uint64_t         last = UINT64_MAX;
	int              i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(ip, sizeof ip, "10.9.%d.%d", i / 256, i % 256);
		assert_int_equal(ban_add(ip,
		                     T0 + HOUR + (uint64_t)(i * 7919 % 1000)),
		    0);
	}
	for (off = 0;; off += n) {
		n = ban_list(&l, T0, off, 300, &total);
		assert_int_equal(total, 1000);
		for (size_t j = 0; j < n; j++) {
			assert_true(l[j].until_ms <= last);
			last = l[j].until_ms;
		}
		free(l);
		seen += n;
		if (n < 300)
			break;
	}
	assert_int_equal(seen, 1000);
	assert_int_equal(ban_list(&l, T0, 5000, 10, &total), 0);
	free(l);
	/* Bans that run out between pages shift none of the later ones. */
	n = ban_list(&l, T0, 0, 301, &total);
	assert_int_equal(n, 301);
	snprintf(ip, sizeof ip, "%.31s", l[300].addr);
	free(l);
	n = ban_list(&l, T0 + HOUR + 500, 300, 300, &total);
	assert_true(n > 0 && total < 1000);
	assert_string_equal(l[0].addr, ip);
	free(l);
	/* Ended bans are not listed, and polling forgets them. */
	assert_int_equal(count_bans(T0 + 2 * HOUR), 0);
	ban_poll_events(NULL, T0 + 2 * HOUR);
	assert_false(banned("10.9.0.1", T0));
}

/* A ban that ran out starts a fresh count. */
static void
test_expired_ban_counts_afresh(void **state)
{
	(void)state;
	assert_int_equal(failure("192.0.2.5", 2, T0), 0);
	assert_int_equal(failure("192.0.2.5", 2, T0), 1);
	assert_true(banned("192.0.2.5", T0 + HOUR - 1));
	assert_false(banned("192.0.2.5", T0 + HOUR));
	assert_int_equal(failure("192.0.2.5", 2, T0 + HOUR + 1), 0);
	assert_int_equal(failure("192.0.2.5", 2, T0 + HOUR + 2), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ipv6_grouped_by_64, reset),
		cmocka_unit_test_setup(test_counter_flood_keeps_bans, reset),
		cmocka_unit_test_setup(test_ban_flood_bans_the_newest, reset),
		cmocka_unit_test_setup(test_bans_widen, reset),
		cmocka_unit_test_setup(test_v6_flood_cannot_flush, reset),
		cmocka_unit_test_setup(test_list_pages, reset),
		cmocka_unit_test_setup(test_expired_ban_counts_afresh, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
