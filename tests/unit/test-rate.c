/* SPDX-License-Identifier: ISC */
/* Unit tests for daemon/rate.c: GCRA, grouping, the bounded table. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "rate.h"

static int
take4(unsigned route, const char *ip, uint64_t iv, unsigned burst, uint64_t now,
    uint64_t *retry)
{
	uint8_t a[4];

	assert_int_equal(inet_pton(AF_INET, ip, a), 1);
	return rate_take(route, AF_INET, a, iv, burst, now, retry);
}

static int
take6(unsigned route, const char *ip, uint64_t iv, unsigned burst, uint64_t now,
    uint64_t *retry)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(AF_INET6, ip, a), 1);
	return rate_take(route, AF_INET6, a, iv, burst, now, retry);
}

static int
reset(void **state)
{
	(void)state;
	rate_free();
	return 0;
}

/* 2/s, burst 3: three at once, then one every 500 ms. */
static void
test_burst_and_refill(void **state)
{
	const uint64_t iv = 500000, t0 = 1000000000;
	uint64_t       retry = 0;
	int            i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(take4(1, "192.0.2.1", iv, 3, t0, &retry), 1);
	assert_int_equal(take4(1, "192.0.2.1", iv, 3, t0, &retry), 0);
	assert_int_equal(retry, iv);
	assert_int_equal(take4(1, "192.0.2.1", iv, 3, t0 + 100000, &retry), 0);
	assert_int_equal(retry, iv - 100000);
	/* Refused requests cost nothing: the wait does not grow. */
	assert_int_equal(take4(1, "192.0.2.1", iv, 3, t0 + 100000, &retry), 0);
	assert_int_equal(retry, iv - 100000);
	assert_int_equal(take4(1, "192.0.2.1", iv, 3, t0 + iv, &retry), 1);
	assert_int_equal(take4(1, "192.0.2.1", iv, 3, t0 + iv, &retry), 0);
	/* Idle long enough: the whole burst again, never more. */
	for (i = 0; i < 3; i++)
		assert_int_equal(take4(1, "192.0.2.1", iv, 3, t0 + 60000000,
		                     &retry),
		    1);
	assert_int_equal(take4(1, "192.0.2.1", iv, 3, t0 + 60000000, &retry),
	    0);
	/* Another client, another route: their own buckets. */
	assert_int_equal(take4(1, "192.0.2.2", iv, 3, t0 + iv, &retry), 1);
	assert_int_equal(take4(2, "192.0.2.1", iv, 3, t0 + iv, &retry), 1);
	/* No limit configured: always passes. */
	assert_int_equal(take4(3, "192.0.2.1", 0, 0, t0, &retry), 1);
}

static void
test_ipv6_grouped_by_64(void **state)
{
	const uint64_t iv = 1000000, t0 = 5000000;
	uint64_t       retry;
	uint8_t        m[16] = { 0 }, v4[4];

	(void)state;
	assert_int_equal(take6(1, "2001:db8:1:2::1", iv, 1, t0, &retry), 1);
	assert_int_equal(take6(1, "2001:db8:1:2:ffff::9", iv, 1, t0, &retry),
	    0);
	assert_int_equal(take6(1, "2001:db8:1:3::1", iv, 1, t0, &retry), 1);
	/* A v4-mapped address is its IPv4 client, not a /64. */
	assert_int_equal(take4(1, "198.51.100.1", iv, 1, t0, &retry), 1);
	inet_pton(AF_INET, "198.51.100.1", v4);
	m[10] = m[11] = 0xff;
	memcpy(m + 12, v4, 4);
	assert_int_equal(rate_take(1, AF_INET6, m, iv, 1, t0, &retry), 0);
	assert_int_equal(take4(1, "198.51.100.2", iv, 1, t0, &retry), 1);
}

/* A flood of addresses stays within the bound; the oldest are forgotten. */
static void
test_bounded_lru(void **state)
{
	uint64_t retry;
	uint32_t i;
	uint8_t  a[4];

	(void)state;
	rate_set_capacity(RATE_SHARDS * 16);
	rate_free();
	for (i = 0; i < 100000; i++) {
		memcpy(a, &i, 4);
		assert_int_equal(rate_take(1, AF_INET, a, 1000000, 1, 1000,
		                     &retry),
		    1);
	}
	assert_true(rate_entries() <= RATE_SHARDS * 16);
	assert_true(rate_entries() >= RATE_SHARDS * 8);
	/* The latest are still limited; the first were evicted. */
	i = 99999;
	memcpy(a, &i, 4);
	assert_int_equal(rate_take(1, AF_INET, a, 1000000, 1, 1000, &retry), 0);
	i = 0;
	memcpy(a, &i, 4);
	assert_int_equal(rate_take(1, AF_INET, a, 1000000, 1, 1000, &retry), 1);
	rate_set_capacity(RATE_MAX_ENTRIES);
	rate_free();
}

/* The note in rate.h and README: memory for 100,000 distinct clients. */
static void
test_memory_100k(void **state)
{
	struct mallinfo2 before, after;
	uint64_t         retry;
	uint32_t         i;
	uint8_t          a[16] = { 0x20, 0x01, 0x0d, 0xb8 };

	(void)state;
	before = mallinfo2();
	for (i = 0; i < 100000; i++) {
		memcpy(a + 4, &i, 4); /* 100,000 distinct /64s */
		rate_take(7, AF_INET6, a, 100000, 20, 1000, &retry);
	}
	after = mallinfo2();
	assert_int_equal(rate_entries(), 100000);
	print_message("rate table: 100000 clients: %zu bytes in the table, "
	              "%zu bytes of heap\n",
	    rate_memory(), (size_t)(after.uordblks - before.uordblks));
	assert_true(rate_memory() < 8 * 1024 * 1024);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_burst_and_refill, reset),
		cmocka_unit_test_setup(test_ipv6_grouped_by_64, reset),
		cmocka_unit_test_setup(test_bounded_lru, reset),
		cmocka_unit_test_setup(test_memory_100k, reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
