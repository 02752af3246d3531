/* SPDX-License-Identifier: ISC */
/* Unit tests for tui/print.c: the human output of the frontdoor command. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "buf.h"
#include "json-read.h"
#include "print.h"

static struct jsonr *
parse(const char *s)
{
	char          err[128];
	struct jsonr *v = jsonr_parse(s, strlen(s), err, sizeof err);

	if (v == NULL)
		fail_msg("bad test JSON: %s: %s", err, s);
	return v;
}

static void
test_esc(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	print_esc(&b, "a\x1b[31m\\b\x7f\xff\n", 11);
	assert_string_equal(b.data, "a\\x1b[31m\\\\b\\x7f\\xff\\x0a");
	buf_free(&b);
}

static void
test_routes(void **state)
{
	struct jsonr *rows[3];
	struct buf    b;
	int           i;

	(void)state;
	rows[0] =
	    parse("{\"name\":\"cloud\",\"hosts\":[\"cloud.example.com\"],"
	          "\"path\":\"/\",\"state\":\"enabled\",\"differs\":false,"
	          "\"requests\":100,\"rps\":12.25,\"errors\":5,"
	          "\"p50_ms\":1.24,\"p99_ms\":250.4,"
	          "\"tunnels\":{\"open\":2,\"oldest_s\":75,\"total\":9}}");
	rows[1] = parse("{\"name\":\"blog\",\"hosts\":[],\"path\":\"/blog\","
	                "\"state\":\"maintenance\",\"differs\":true,"
	                "\"requests\":0,\"rps\":0,\"errors\":0,"
	                "\"p50_ms\":0,\"p99_ms\":0}");
	rows[2] = parse("{\"name\":\"x\",\"hosts\":[\"a\",\"b\\u001b\"],"
	                "\"path\":\"/p\",\"state\":\"disabled\","
	                "\"differs\":true,\"requests\":1,\"rps\":0.5,"
	                "\"errors\":1234567,\"p50_ms\":0.5,\"p99_ms\":0.5}");
	buf_init(&b, 0);
	print_routes(&b, rows, 3);
	assert_string_equal(b.data,
	    "NAME   HOSTS/PATH          STATE         REQ/S   ERRORS    P50    "
	    "P99  TUNNELS  OLDEST\n"
	    "cloud  cloud.example.com/  enabled        12.2        5  1.2ms  "
	    "250ms        2     75s\n"
	    "blog   */blog              maintenance*    0.0        0      -    "
	    "  -        0       -\n"
	    "x      a,b\\x1b/p           disabled*       0.5  1234567  0.5ms  "
	    "0.5ms        0       -\n"
	    "* differs from frontdoor.ini\n");

	/* No legend when nothing differs; no rows, just the heading. */
	buf_reset(&b);
	print_routes(&b, rows, 1);
	assert_null(strstr(b.data, "differs"));
	buf_reset(&b);
	print_routes(&b, rows, 0);
	assert_string_equal(b.data,
	    "NAME  HOSTS/PATH  STATE  REQ/S  ERRORS  P50  P99  TUNNELS  OLDEST\n");
	buf_free(&b);
	for (i = 0; i < 3; i++)
		jsonr_free(rows[i]);
}

static void
test_backends(void **state)
{
	struct jsonr *rows[2];
	struct buf    b;

	(void)state;
	rows[0] = parse("{\"route\":\"cloud\",\"address\":\"127.0.0.1:8080\","
	                "\"state\":\"up\",\"configured\":\"enabled\","
	                "\"differs\":false,\"health\":\"unknown\","
	                "\"active\":3,\"requests\":50,\"failures\":0}");
	rows[1] = parse("{\"route\":\"cloud\",\"address\":\"[::1]:81\","
	                "\"state\":\"draining\",\"differs\":true,"
	                "\"health\":\"up\",\"active\":0,\"requests\":7,"
	                "\"failures\":2}");
	buf_init(&b, 0);
	print_backends(&b, rows, 2);
	assert_string_equal(b.data,
	    "ROUTE  ADDRESS         STATE      HEALTH   ACTIVE  REQUESTS  "
	    "FAILURES\n"
	    "cloud  127.0.0.1:8080  up         unknown       3        50     "
	    "    0\n"
	    "cloud  [::1]:81        draining*  up            0         7     "
	    "    2\n"
	    "* differs from frontdoor.ini\n");
	buf_free(&b);
	jsonr_free(rows[0]);
	jsonr_free(rows[1]);
}

static void
test_status(void **state)
{
	struct jsonr *st;
	struct buf    b;

	(void)state;
	st = parse(
	    "{\"version\":\"0.1.0\",\"protocol\":1,\"pid\":123,"
	    "\"uptime\":93784,\"config\":\"/etc/frontdoor/frontdoor.ini\","
	    "\"generation\":3,\"reload\":{\"time\":1795770000,"
	    "\"ok\":false,\"errors\":[\"x:1: bad\"]},"
	    "\"listeners\":[\"127.0.0.1:8080\",\"[::]:443\"],"
	    "\"workers\":2,\"connections\":5,\"requests\":1234,"
	    "\"status\":{\"1xx\":0,\"2xx\":1200,\"3xx\":10,\"4xx\":20,"
	    "\"5xx\":4},\"rps\":12.0,\"routes\":3,"
	    "\"events_dropped\":0}");
	buf_init(&b, 0);
	print_status(&b, st);
	assert_string_equal(b.data,
	    "version: 0.1.0 (protocol 1)\n"
	    "pid: 123\n"
	    "uptime: 1d 2h 3m 4s\n"
	    "config: /etc/frontdoor/frontdoor.ini (generation 3)\n"
	    "last reload: 2026-11-27T09:00:00Z failed (1 error)\n"
	    "listeners: 127.0.0.1:8080, [::]:443\n"
	    "workers: 2\n"
	    "connections: 5\n"
	    "requests: 1234 (1xx 0, 2xx 1200, 3xx 10, 4xx 20, 5xx 4)\n"
	    "req/s: 12.0\n"
	    "routes: 3\n"
	    "events dropped: 0\n");
	buf_free(&b);
	jsonr_free(st);

	st = parse("{\"reload\":{\"time\":0,\"ok\":true,\"errors\":[]}}");
	buf_init(&b, 0);
	print_status(&b, st);
	assert_non_null(strstr(b.data, "last reload: never\n"));
	buf_free(&b);
	jsonr_free(st);
}

static void
test_switch_reload_check(void **state)
{
	struct jsonr *v;
	struct buf    out, err;

	(void)state;
	buf_init(&out, 0);
	buf_init(&err, 0);
	v = parse("{\"route\":\"cloud\",\"state\":\"disabled\","
	          "\"differs\":true,\"saved\":true}");
	print_switch(&out, v);
	jsonr_free(v);
	v = parse("{\"route\":\"cloud\",\"address\":\"10.0.0.1:80\","
	          "\"state\":\"up\",\"differs\":false,\"saved\":true}");
	print_switch(&out, v);
	jsonr_free(v);
	assert_string_equal(out.data,
	    "route cloud: disabled (differs from frontdoor.ini)\n"
	    "backend cloud 10.0.0.1:80: up\n");

	buf_reset(&out);
	v = parse("{\"ok\":true,\"generation\":4}");
	assert_int_equal(print_reload(&out, &err, v), 1);
	jsonr_free(v);
	assert_string_equal(out.data, "reload ok (generation 4)\n");
	assert_int_equal(err.len, 0);

	buf_reset(&out);
	v = parse("{\"ok\":false,\"errors\":[\"/e/f.ini:3: bad\","
	          "\"/e/f.ini:9: worse\\u0007\"]}");
	assert_int_equal(print_reload(&out, &err, v), 0);
	assert_int_equal(out.len, 0);
	assert_string_equal(err.data,
	    "/e/f.ini:3: bad\n/e/f.ini:9: worse\\x07\n"
	    "reload failed: the running configuration stays in force\n");
	buf_reset(&err);
	assert_int_equal(print_check(&out, &err, v), 0);
	assert_string_equal(err.data,
	    "/e/f.ini:3: bad\n/e/f.ini:9: worse\\x07\n");
	jsonr_free(v);

	v = parse("{\"ok\":true,\"file\":\"/e/f.ini\"}");
	assert_int_equal(print_check(&out, &err, v), 1);
	assert_string_equal(out.data, "/e/f.ini: configuration ok\n");
	jsonr_free(v);
	buf_free(&out);
	buf_free(&err);
}

static void
test_events(void **state)
{
	struct jsonr *v;
	struct buf    b;

	(void)state;
	buf_init(&b, 0);
	v = parse("{\"type\":\"request\",\"time\":\"2026-11-27T09:00:00.123Z\","
	          "\"client\":\"1.2.3.4\",\"country\":\"\",\"method\":\"GET\","
	          "\"host\":\"a.example\",\"path\":\"/x\\u001b[2J\\u000a?y\","
	          "\"status\":200,\"bytes\":123,\"ms\":4,\"route\":\"cloud\","
	          "\"backend\":\"127.0.0.1:8080\",\"rule\":\"\"}");
	print_event(&b, v, 0);
	jsonr_free(v);
	assert_string_equal(b.data,
	    "2026-11-27T09:00:00.123Z 1.2.3.4 GET a.example/x\\x1b[2J\\x0a?y "
	    "200 4ms 123B cloud 127.0.0.1:8080\n");
	assert_null(memchr(b.data, 0x1b, b.len));

	buf_reset(&b);
	v = parse("{\"type\":\"request\",\"time\":\"T\",\"client\":\"5.6.7.8\","
	          "\"country\":\"DE\",\"method\":\"POST\",\"host\":\"h\","
	          "\"path\":\"/\",\"status\":403,\"bytes\":0,\"ms\":0,"
	          "\"route\":\"\",\"backend\":\"\",\"rule\":\"country\"}");
	print_event(&b, v, 0);
	jsonr_free(v);
	assert_string_equal(b.data,
	    "T 5.6.7.8 POST h/ 403 0ms 0B - - "
	    "country=DE rule=country\n");

	buf_reset(&b);
	v = parse("{\"type\":\"request\",\"time\":\"T\",\"client\":\"::1\","
	          "\"method\":\"\",\"host\":\"\",\"path\":\"\",\"status\":400,"
	          "\"bytes\":9,\"ms\":0,\"route\":\"\",\"backend\":\"\"}");
	print_event(&b, v, 0);
	jsonr_free(v);
	assert_string_equal(b.data, "T ::1 - - 400 0ms 9B - -\n");

	buf_reset(&b);
	v = parse("{\"type\":\"dropped\",\"count\":17}");
	print_event(&b, v, 86400);
	jsonr_free(v);
	v = parse("{\"type\":\"reload\",\"ok\":true,\"generation\":4}");
	print_event(&b, v, 86400);
	jsonr_free(v);
	v = parse("{\"type\":\"route\",\"name\":\"cloud\",\"state\":"
	          "\"disabled\"}");
	print_event(&b, v, 86400);
	jsonr_free(v);
	v = parse("{\"type\":\"backend\",\"route\":\"cloud\",\"address\":"
	          "\"10.0.0.1:80\",\"state\":\"draining\"}");
	print_event(&b, v, 86400);
	jsonr_free(v);
	v = parse("{\"type\":\"ban\",\"address\":\"1.2.3.4\",\"n\":[1,2]}");
	print_event(&b, v, 86400);
	jsonr_free(v);
	assert_string_equal(b.data,
	    "1970-01-02T00:00:00Z -- 17 events dropped: this client read too "
	    "slowly\n"
	    "1970-01-02T00:00:00Z -- reload ok (generation 4)\n"
	    "1970-01-02T00:00:00Z -- route cloud: disabled\n"
	    "1970-01-02T00:00:00Z -- backend cloud 10.0.0.1:80: draining\n"
	    "1970-01-02T00:00:00Z -- type=ban address=1.2.3.4 n=1,2\n");
	buf_free(&b);
}

static void
test_duration(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	print_duration(&b, 0);
	buf_puts(&b, "|");
	print_duration(&b, 59);
	buf_puts(&b, "|");
	print_duration(&b, 61);
	buf_puts(&b, "|");
	print_duration(&b, 3600);
	buf_puts(&b, "|");
	print_duration(&b, -5);
	assert_string_equal(b.data, "0s|59s|1m 1s|1h 0m 0s|0s");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_esc),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_backends),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_switch_reload_check),
		cmocka_unit_test(test_events),
		cmocka_unit_test(test_duration),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
