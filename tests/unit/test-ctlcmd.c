/* SPDX-License-Identifier: ISC */
/* Unit tests for common/ctlcmd.c: the command table and its lookups. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ctlcmd.h"
#include "ctlproto.h"

/* What both programs rely on in every entry. */
static void
test_table(void **state)
{
	const struct ctlcmd *c, *o;
	char                 words[64];
	size_t               i, j;

	(void)state;
	for (i = 0; i < CTLCMD_COUNT; i++) {
		c = &ctlcmd_table[i];
		assert_non_null(c->name);
		assert_non_null(c->usage);
		assert_non_null(c->help);
		assert_true(c->help[0] != '\0');
		assert_int_equal(ctlcmd_id(c), i);
		/* usage starts with the words, then a space or ends. */
		snprintf(words, sizeof words, "%s%s%s", c->name,
		    c->sub != NULL ? " " : "", c->sub != NULL ? c->sub : "");
		assert_memory_equal(c->usage, words, strlen(words));
		assert_true(c->usage[strlen(words)] == '\0' ||
		    c->usage[strlen(words)] == ' ');
		assert_true(c->min_args >= 0 && c->min_args <= c->max_args);
		/* The tag, the words and the arguments fit one request. */
		assert_true(1 + 2 + c->max_args <= CTL_MAX_WORDS);
		assert_false(
		    (c->flags & CTLCMD_CLIENT) && (c->flags & CTLCMD_SESSION));
		if (c->flags & CTLCMD_PAGED)
			assert_null(c->sub);
		for (j = 0; j < CTLCMD_COUNT; j++) {
			o = &ctlcmd_table[j];
			if (i == j || strcmp(c->name, o->name) != 0)
				continue;
			/* Never "x" and "x y": a word would be ambiguous. */
			assert_non_null(c->sub);
			assert_non_null(o->sub);
			assert_string_not_equal(c->sub, o->sub);
		}
	}
}

static void
test_find(void **state)
{
	char *route[] = { (char *)"route", (char *)"drain", (char *)"app" };
	char *bans[] = { (char *)"bans", (char *)"0" };
	char *sub[] = { (char *)"subscribe" };
	char *logw[] = { (char *)"log" };
	char *frob[] = { (char *)"route", (char *)"frob" };
	const struct ctlcmd *c;
	int                  used;

	(void)state;
	c = ctlcmd_find(route, 3, 0, &used);
	assert_non_null(c);
	assert_int_equal(ctlcmd_id(c), CTLCMD_ROUTE_DRAIN);
	assert_int_equal(used, 2);
	assert_true(c->flags & CTLCMD_ADMIN);
	c = ctlcmd_find(bans, 2, 0, &used);
	assert_int_equal(ctlcmd_id(c), CTLCMD_BANS);
	assert_int_equal(used, 1);
	assert_null(ctlcmd_find(route, 1, 0, &used));
	assert_int_equal(used, 0);
	assert_null(ctlcmd_find(frob, 2, 0, &used));
	assert_null(ctlcmd_find(route, 0, 0, &used));
	/* Each program skips what is not its own. */
	assert_non_null(ctlcmd_find(sub, 1, CTLCMD_CLIENT, &used));
	assert_null(ctlcmd_find(sub, 1, CTLCMD_SESSION, &used));
	assert_null(ctlcmd_find(logw, 1, CTLCMD_CLIENT, &used));
	assert_non_null(ctlcmd_find(logw, 1, CTLCMD_SESSION, &used));
	assert_true(ctlcmd_known("route", CTLCMD_SESSION));
	assert_true(ctlcmd_known("readonly", CTLCMD_CLIENT));
	assert_false(ctlcmd_known("readonly", CTLCMD_SESSION));
	assert_false(ctlcmd_known("nope", 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_find),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
