/* SPDX-License-Identifier: ISC */
/* Unit tests for common/parse.c: every value parser and CIDR matching. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <string.h>

#include "parse.h"
#include "util.h"

static void
test_duration(void **state)
{
	uint64_t v = 42;

	(void)state;
	assert_int_equal(parse_duration_ms("500ms", &v), 0);
	assert_int_equal(v, 500);
	assert_int_equal(parse_duration_ms("10s", &v), 0);
	assert_int_equal(v, 10000);
	assert_int_equal(parse_duration_ms("10", &v), 0);
	assert_int_equal(v, 10000);
	assert_int_equal(parse_duration_ms("5m", &v), 0);
	assert_int_equal(v, 300000);
	assert_int_equal(parse_duration_ms("1h", &v), 0);
	assert_int_equal(v, 3600000);
	assert_int_equal(parse_duration_ms("2d", &v), 0);
	assert_int_equal(v, 2 * 86400000ULL);
	assert_int_equal(parse_duration_ms("0", &v), 0);
	assert_int_equal(v, 0);

	v = 42;
	assert_int_equal(parse_duration_ms("", &v), -1);
	assert_int_equal(parse_duration_ms("s", &v), -1);
	assert_int_equal(parse_duration_ms("10x", &v), -1);
	assert_int_equal(parse_duration_ms("10 s", &v), -1);
	assert_int_equal(parse_duration_ms("-1s", &v), -1);
	assert_int_equal(parse_duration_ms("1.5s", &v), -1);
	assert_int_equal(parse_duration_ms("10sec", &v), -1);
	/* 2^64 / 1000 overflows as seconds; the digits alone overflow too. */
	assert_int_equal(parse_duration_ms("18446744073709552", &v), -1);
	assert_int_equal(parse_duration_ms("99999999999999999999ms", &v), -1);
	assert_int_equal(parse_duration_ms("18446744073709551615ms", &v), 0);
	assert_true(v == UINT64_MAX);
}

static void
test_size(void **state)
{
	uint64_t v = 42;

	(void)state;
	assert_int_equal(parse_size("512", &v), 0);
	assert_int_equal(v, 512);
	assert_int_equal(parse_size("16k", &v), 0);
	assert_int_equal(v, 16384);
	assert_int_equal(parse_size("16K", &v), 0);
	assert_int_equal(v, 16384);
	assert_int_equal(parse_size("10m", &v), 0);
	assert_int_equal(v, 10 * 1024 * 1024);
	assert_int_equal(parse_size("1g", &v), 0);
	assert_int_equal(v, 1024 * 1024 * 1024);
	assert_int_equal(parse_size("0", &v), 0);
	assert_int_equal(v, 0);

	v = 42;
	assert_int_equal(parse_size("", &v), -1);
	assert_int_equal(parse_size("k", &v), -1);
	assert_int_equal(parse_size("1kb", &v), -1);
	assert_int_equal(parse_size("1t", &v), -1);
	assert_int_equal(parse_size(" 1k", &v), -1);
	assert_int_equal(parse_size("17179869184g", &v), -1); /* 2^64 */
	assert_int_equal(parse_size("18446744073709551616", &v), -1);
	assert_int_equal(v, 42);
	assert_int_equal(parse_size("17179869183g", &v), 0);
	assert_true(v == 17179869183ULL << 30);
}

static void
test_bool(void **state)
{
	static const char *yes[] = { "yes", "true", "on", "1", "YES", "On" };
	static const char *no[] = { "no", "false", "off", "0", "No", "FALSE" };
	size_t             i;
	int                b;

	(void)state;
	for (i = 0; i < nitems(yes); i++) {
		b = 0;
		assert_int_equal(parse_bool(yes[i], &b), 0);
		assert_int_equal(b, 1);
	}
	for (i = 0; i < nitems(no); i++) {
		b = 1;
		assert_int_equal(parse_bool(no[i], &b), 0);
		assert_int_equal(b, 0);
	}
	b = 7;
	assert_int_equal(parse_bool("", &b), -1);
	assert_int_equal(parse_bool("y", &b), -1);
	assert_int_equal(parse_bool("2", &b), -1);
	assert_int_equal(parse_bool("yes ", &b), -1);
	assert_int_equal(b, 7);
}

static void
test_uint(void **state)
{
	uint64_t v = 42;

	(void)state;
	assert_int_equal(parse_uint("1", 1, 256, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(parse_uint("256", 1, 256, &v), 0);
	assert_int_equal(v, 256);
	v = 42;
	assert_int_equal(parse_uint("0", 1, 256, &v), -1);
	assert_int_equal(parse_uint("257", 1, 256, &v), -1);
	assert_int_equal(parse_uint("", 0, 10, &v), -1);
	assert_int_equal(parse_uint("+1", 0, 10, &v), -1);
	assert_int_equal(parse_uint("-1", 0, 10, &v), -1);
	assert_int_equal(parse_uint("1x", 0, 10, &v), -1);
	assert_int_equal(parse_uint("18446744073709551616", 0, UINT64_MAX, &v),
	    -1);
	assert_int_equal(v, 42);
	assert_int_equal(parse_uint("18446744073709551615", 0, UINT64_MAX, &v),
	    0);
	assert_true(v == UINT64_MAX);
}

struct list_acc {
	char items[8][32];
	int  n;
	int  stop_at;
};

static int
list_cb(const char *item, size_t len, void *arg)
{
	struct list_acc *a = arg;

	if (a->n == a->stop_at)
		return 7;
	assert_true(len < sizeof a->items[0]);
	memcpy(a->items[a->n], item, len);
	a->items[a->n][len] = '\0';
	a->n++;
	return 0;
}

static void
test_list(void **state)
{
	struct list_acc a;

	(void)state;
	memset(&a, 0, sizeof a);
	a.stop_at = -1;
	assert_int_equal(parse_list(" a , b,,c d ,\t, ", list_cb, &a), 0);
	assert_int_equal(a.n, 3);
	assert_string_equal(a.items[0], "a");
	assert_string_equal(a.items[1], "b");
	assert_string_equal(a.items[2], "c d");

	memset(&a, 0, sizeof a);
	a.stop_at = -1;
	assert_int_equal(parse_list("", list_cb, &a), 0);
	assert_int_equal(parse_list(" , ,", list_cb, &a), 0);
	assert_int_equal(a.n, 0);

	memset(&a, 0, sizeof a);
	a.stop_at = 1;
	assert_int_equal(parse_list("x,y,z", list_cb, &a), 7);
	assert_int_equal(a.n, 1);
}

static void
check_hostport(const char *in, int any_ok, const char *want)
{
	struct fd_addr a;
	char           buf[72];

	memset(&a, 0, sizeof a);
	assert_int_equal(parse_hostport(in, any_ok, &a), 0);
	addr_format((struct sockaddr *)&a.ss, buf, sizeof buf);
	assert_string_equal(buf, want);
}

static void
test_hostport(void **state)
{
	struct fd_addr a;
	char           buf[64];

	(void)state;
	check_hostport("127.0.0.1:8080", 0, "127.0.0.1:8080");
	check_hostport(":80", 1, "0.0.0.0:80");
	check_hostport("[::]:80", 0, "[::]:80");
	check_hostport("[::1]:65535", 0, "[::1]:65535");
	check_hostport("[2001:DB8::1]:1", 0, "[2001:db8::1]:1");

	memset(&a, 0, sizeof a);
	assert_int_equal(parse_hostport("127.0.0.1:8080", 0, &a), 0);
	assert_int_equal(a.len, sizeof(struct sockaddr_in));
	assert_int_equal(parse_hostport("[::1]:80", 0, &a), 0);
	assert_int_equal(a.len, sizeof(struct sockaddr_in6));
	addr_format_ip((struct sockaddr *)&a.ss, buf, sizeof buf);
	assert_string_equal(buf, "::1");

	assert_int_equal(parse_hostport(":80", 0, &a), -1);
	assert_int_equal(parse_hostport("1.2.3.4", 1, &a), -1);
	assert_int_equal(parse_hostport("1.2.3.4:", 1, &a), -1);
	assert_int_equal(parse_hostport("1.2.3.4:0", 1, &a), -1);
	assert_int_equal(parse_hostport("1.2.3.4:65536", 1, &a), -1);
	assert_int_equal(parse_hostport("1.2.3.4:80x", 1, &a), -1);
	assert_int_equal(parse_hostport("localhost:80", 1, &a), -1);
	assert_int_equal(parse_hostport("1.2.3:80", 1, &a), -1);
	assert_int_equal(parse_hostport("::1:80", 1, &a), -1);
	assert_int_equal(parse_hostport("[::1]80", 1, &a), -1);
	assert_int_equal(parse_hostport("[::1]", 1, &a), -1);
	assert_int_equal(parse_hostport("[1.2.3.4]:80", 1, &a), -1);
	assert_int_equal(parse_hostport("[]:80", 1, &a), -1);
	assert_int_equal(parse_hostport("", 1, &a), -1);
}

static void
test_cidr(void **state)
{
	struct cidr c;
	uint8_t     a4[4], a6[16];

	(void)state;
	assert_int_equal(parse_cidr("10.0.0.0/8", &c), 0);
	assert_int_equal(c.family, AF_INET);
	assert_int_equal(c.bits, 8);
	inet_pton(AF_INET, "10.200.3.4", a4);
	assert_true(cidr_match(&c, AF_INET, a4));
	inet_pton(AF_INET, "11.0.0.1", a4);
	assert_false(cidr_match(&c, AF_INET, a4));

	/* Host bits are zeroed. */
	assert_int_equal(parse_cidr("192.168.1.77/24", &c), 0);
	assert_int_equal(c.addr[3], 0);
	inet_pton(AF_INET, "192.168.1.200", a4);
	assert_true(cidr_match(&c, AF_INET, a4));
	inet_pton(AF_INET, "192.168.2.1", a4);
	assert_false(cidr_match(&c, AF_INET, a4));

	/* Prefixes not on a byte boundary. */
	assert_int_equal(parse_cidr("172.16.0.0/12", &c), 0);
	inet_pton(AF_INET, "172.31.255.255", a4);
	assert_true(cidr_match(&c, AF_INET, a4));
	inet_pton(AF_INET, "172.32.0.0", a4);
	assert_false(cidr_match(&c, AF_INET, a4));

	/* A bare address is a full-length prefix. */
	assert_int_equal(parse_cidr("127.0.0.1", &c), 0);
	assert_int_equal(c.bits, 32);
	inet_pton(AF_INET, "127.0.0.1", a4);
	assert_true(cidr_match(&c, AF_INET, a4));
	inet_pton(AF_INET, "127.0.0.2", a4);
	assert_false(cidr_match(&c, AF_INET, a4));

	/* IPv4-mapped IPv6 addresses match IPv4 prefixes. */
	inet_pton(AF_INET6, "::ffff:127.0.0.1", a6);
	assert_true(cidr_match(&c, AF_INET6, a6));
	inet_pton(AF_INET6, "::ffff:127.0.0.2", a6);
	assert_false(cidr_match(&c, AF_INET6, a6));
	inet_pton(AF_INET6, "::7f00:1", a6);
	assert_false(cidr_match(&c, AF_INET6, a6));

	assert_int_equal(parse_cidr("::1/128", &c), 0);
	assert_int_equal(c.family, AF_INET6);
	inet_pton(AF_INET6, "::1", a6);
	assert_true(cidr_match(&c, AF_INET6, a6));
	inet_pton(AF_INET, "127.0.0.1", a4);
	assert_false(cidr_match(&c, AF_INET, a4));

	assert_int_equal(parse_cidr("2001:db8::/33", &c), 0);
	inet_pton(AF_INET6, "2001:db8:7fff::1", a6);
	assert_true(cidr_match(&c, AF_INET6, a6));
	inet_pton(AF_INET6, "2001:db8:8000::1", a6);
	assert_false(cidr_match(&c, AF_INET6, a6));

	assert_int_equal(parse_cidr("0.0.0.0/0", &c), 0);
	inet_pton(AF_INET, "8.8.8.8", a4);
	assert_true(cidr_match(&c, AF_INET, a4));

	/* An IPv6 prefix over the mapped range matches plain IPv4. */
	assert_int_equal(parse_cidr("::ffff:10.0.0.0/104", &c), 0);
	inet_pton(AF_INET, "10.1.2.3", a4);
	assert_true(cidr_match(&c, AF_INET, a4));

	assert_int_equal(parse_cidr("10.0.0.0/33", &c), -1);
	assert_int_equal(parse_cidr("::/129", &c), -1);
	assert_int_equal(parse_cidr("10.0.0.0/", &c), -1);
	assert_int_equal(parse_cidr("10.0.0.0/x", &c), -1);
	assert_int_equal(parse_cidr("/8", &c), -1);
	assert_int_equal(parse_cidr("example.com/8", &c), -1);
	assert_int_equal(parse_cidr("", &c), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_uint),
		cmocka_unit_test(test_list),
		cmocka_unit_test(test_hostport),
		cmocka_unit_test(test_cidr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
