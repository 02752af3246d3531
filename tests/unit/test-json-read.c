/* SPDX-License-Identifier: ISC */
/* Unit tests for common/json-read.c: the JSON reader of the frontdoor client. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "buf.h"
#include "json-write.h"
#include "json-read.h"

static struct jsonr *
parse(const char *s)
{
	char err[128];

	return jsonr_parse(s, strlen(s), err, sizeof err);
}

static void
test_object(void **state)
{
	struct jsonr       *v;
	const struct jsonr *a;

	(void)state;
	v = parse(" {\"name\":\"cloud\",\"hosts\":[\"a.example\",\"b\"],"
	          "\"differs\":true,\"ok\":false,\"n\":null,"
	          "\"requests\":1234,\"rps\":1.5,\"status\":{\"2xx\":9}} ");
	assert_non_null(v);
	assert_int_equal(v->type, JSONR_OBJ);
	assert_string_equal(jsonr_str(v, "name", NULL), "cloud");
	assert_null(jsonr_str(v, "requests", NULL)); /* a number */
	assert_string_equal(jsonr_str(v, "missing", "def"), "def");
	assert_true(jsonr_bool(v, "differs", 0));
	assert_false(jsonr_bool(v, "ok", 1));
	assert_int_equal(jsonr_bool(v, "n", 7), 7);
	assert_int_equal(jsonr_get(v, "n")->type, JSONR_NULL);
	assert_int_equal(jsonr_int(v, "requests", 0), 1234);
	assert_true(jsonr_num(v, "rps", 0) == 1.5);
	assert_int_equal(jsonr_int(jsonr_get(v, "status"), "2xx", 0), 9);
	a = jsonr_arr(v, "hosts");
	assert_non_null(a);
	assert_int_equal(a->len, 2);
	assert_string_equal(a->kids[0].str, "a.example");
	assert_null(jsonr_arr(v, "name"));
	jsonr_free(v);

	v = parse("{}");
	assert_non_null(v);
	assert_int_equal(v->len, 0);
	jsonr_free(v);
	v = parse("[]");
	assert_non_null(v);
	assert_int_equal(v->type, JSONR_ARR);
	jsonr_free(v);
	jsonr_free(NULL);
}

static void
test_numbers(void **state)
{
	static const struct {
		const char *s;
		double      want;
	} good[] = {
		{ "0", 0 },
		{ "-0", 0 },
		{ "7", 7 },
		{ "-12", -12 },
		{ "0.05", 0.05 },
		{ "1.000", 1 },
		{ "12.5e1", 125 },
		{ "2E-2", 0.02 },
		{ "1e+3", 1000 },
		{ "9007199254740992", 9007199254740992.0 },
		{ "0.00012", 0.00012 },
	};
	static const char *bad[] = { "", "-", "01", "1.", ".5", "1e", "1e+",
		"+1", "0x10", "1 2", "--1", "NaN" };
	struct jsonr      *v;
	size_t             i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		v = parse(good[i].s);
		assert_non_null(v);
		assert_int_equal(v->type, JSONR_NUM);
		assert_true(v->num == good[i].want ||
		    (v->num - good[i].want < 1e-12 &&
		        good[i].want - v->num < 1e-12));
		jsonr_free(v);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_null(parse(bad[i]));
	/* Exact counters. */
	v = parse("{\"n\":123456789012345}");
	assert_true(jsonr_int(v, "n", 0) == 123456789012345LL);
	jsonr_free(v);
}

static void
test_strings(void **state)
{
	struct jsonr *v;

	(void)state;
	v = parse("\"a\\\"b\\\\c\\/d\\n\\t\\r\\b\\f\"");
	assert_non_null(v);
	assert_string_equal(v->str, "a\"b\\c/d\n\t\r\b\f");
	jsonr_free(v);

	/* \u00XX is a byte (json_str's encoding); others are UTF-8. */
	v = parse("\"\\u0001\\u00ff\\u00e9\\u20ac\\ud83d\\ude00\"");
	assert_non_null(v);
	assert_int_equal(v->len, 3 + 3 + 4);
	assert_memory_equal(v->str, "\x01\xff\xe9\xe2\x82\xac\xf0\x9f\x98\x80",
	    10);
	jsonr_free(v);

	/* An embedded NUL keeps its length. */
	v = parse("\"a\\u0000b\"");
	assert_non_null(v);
	assert_int_equal(v->len, 3);
	assert_memory_equal(v->str, "a\0b", 3);
	jsonr_free(v);

	assert_null(parse("\"abc"));
	assert_null(parse("\"a\\\""));
	assert_null(parse("\"\\x41\""));
	assert_null(parse("\"\\u12\""));
	assert_null(parse("\"\\u12g4\""));
	assert_null(parse("\"tab\there\""));
	assert_null(parse("\"\\ud83d\\u0041\""));
}

/* Whatever json_str() writes comes back as the same bytes. */
static void
test_round_trip(void **state)
{
	struct buf    b;
	struct jsonr *v;
	char          all[256];
	int           i;

	(void)state;
	for (i = 0; i < 256; i++)
		all[i] = (char)i;
	buf_init(&b, 0);
	json_str(&b, all, sizeof all);
	v = jsonr_parse(b.data, b.len, NULL, 0);
	assert_non_null(v);
	assert_int_equal(v->len, 256);
	assert_memory_equal(v->str, all, 256);
	jsonr_free(v);
	buf_free(&b);
}

static void
test_errors(void **state)
{
	static const char *bad[] = { "{", "}", "[1,]", "[1 2]", "{\"a\"}",
		"{\"a\":}", "{a:1}", "{\"a\":1,}", "{\"a\":1 \"b\":2}", "tru",
		"nul", "falsey", "{} {}", "[", "\"", "{\"a\":[1,{\"b\":}]}" };
	char               err[128], deep[200];
	struct jsonr      *v;
	size_t             i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_null(
		    jsonr_parse(bad[i], strlen(bad[i]), err, sizeof err));
		assert_true(strncmp(err, "offset ", 7) == 0);
	}
	/* Nesting is bounded. */
	memset(deep, '[', 100);
	memset(deep + 100, ']', 100);
	assert_null(jsonr_parse(deep, sizeof deep, err, sizeof err));
	assert_non_null(strstr(err, "deep"));
	v = jsonr_parse(deep + 100 - JSONR_DEPTH_MAX, 2 * JSONR_DEPTH_MAX, err,
	    sizeof err);
	assert_non_null(v);
	jsonr_free(v);
	/* Only len bytes are read. */
	v = jsonr_parse("{\"a\":1}garbage", 7, err, sizeof err);
	assert_non_null(v);
	jsonr_free(v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
