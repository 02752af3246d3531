/* SPDX-License-Identifier: ISC */
/* Unit tests for common/buf.c: growth, the upper bound, printf and consume. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "buf.h"

static void
test_append(void **state)
{
	struct buf b;
	size_t     i;

	(void)state;
	buf_init(&b, 0);
	assert_null(b.data);
	assert_int_equal(buf_append(&b, "abc", 3), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.data, "abc", 3);
	assert_int_equal(buf_puts(&b, "def"), 0);
	assert_string_equal(b.data, "abcdef");
	for (i = 0; i < 10000; i++)
		assert_int_equal(buf_append(&b, "x", 1), 0);
	assert_int_equal(b.len, 10006);
	assert_true(b.cap > b.len);
	assert_int_equal(buf_append(&b, NULL, 0), 0);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_non_null(b.data);
	buf_free(&b);
	assert_null(b.data);
	assert_int_equal(b.len, 0);
	/* Still usable after buf_free. */
	assert_int_equal(buf_puts(&b, "again"), 0);
	assert_string_equal(b.data, "again");
	buf_free(&b);
	buf_free(&b);
}

static void
test_max(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 8);
	assert_int_equal(buf_append(&b, "12345678", 8), 0);
	assert_int_equal(buf_append(&b, "9", 1), -ENOBUFS);
	assert_int_equal(b.len, 8);
	assert_int_equal(buf_reserve(&b, 1), -ENOBUFS);
	assert_int_equal(buf_reserve(&b, 0), 0);
	assert_int_equal(buf_reserve(&b, SIZE_MAX), -ENOBUFS);
	buf_consume(&b, 4);
	assert_int_equal(b.len, 4);
	assert_memory_equal(b.data, "5678", 4);
	assert_int_equal(buf_append(&b, "abcd", 4), 0);
	assert_int_equal(buf_append(&b, "e", 1), -ENOBUFS);
	assert_memory_equal(b.data, "5678abcd", 8);
	buf_free(&b);
}

static void
test_printf(void **state)
{
	struct buf b;
	char       big[300];

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(buf_printf(&b, "%d-%s", 42, "x"), 0);
	assert_string_equal(b.data, "42-x");
	memset(big, 'y', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(buf_printf(&b, "[%s]", big), 0);
	assert_int_equal(b.len, 4 + 2 + 299);
	assert_int_equal(b.data[4], '[');
	assert_int_equal(b.data[b.len - 1], ']');
	assert_int_equal(b.data[b.len], '\0');
	buf_free(&b);

	/* Over the bound: refused, and the contents are untouched. */
	buf_init(&b, 10);
	assert_int_equal(buf_printf(&b, "%s", "hello"), 0);
	assert_int_equal(buf_printf(&b, "%s", "world!"), -ENOBUFS);
	assert_int_equal(b.len, 5);
	assert_string_equal(b.data, "hello");
	assert_int_equal(buf_printf(&b, "%s", "world"), 0);
	assert_string_equal(b.data, "helloworld");
	assert_int_equal(buf_printf(&b, "%s", ""), 0);
	assert_int_equal(buf_printf(&b, "!"), -ENOBUFS);
	assert_string_equal(b.data, "helloworld");
	buf_free(&b);
}

static void
test_consume(void **state)
{
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	buf_consume(&b, 10);
	assert_int_equal(b.len, 0);
	assert_int_equal(buf_puts(&b, "abcdef"), 0);
	buf_consume(&b, 0);
	assert_string_equal(b.data, "abcdef");
	buf_consume(&b, 2);
	assert_string_equal(b.data, "cdef");
	buf_consume(&b, 100);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_append),
		cmocka_unit_test(test_max),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_consume),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
