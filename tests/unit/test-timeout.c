/* SPDX-License-Identifier: ISC */
/* Unit tests for daemon/timeout.c: setting, clearing, re-arming and firing. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "timeout.h"

/*
 * Linked with --wrap=uv_now,uv_timer_start,uv_timer_stop: the loop's clock is
 * fake_now, and the one timer is only recorded, so a test moves the clock
 * and fires the timer itself, exactly as libuv would once the time passed.
 */
uint64_t __wrap_uv_now(const uv_loop_t *);
int      __wrap_uv_timer_start(uv_timer_t *, uv_timer_cb, uint64_t, uint64_t);
int      __wrap_uv_timer_stop(uv_timer_t *);

static uint64_t    fake_now;
static int         timer_on;
static uint64_t    timer_due; /* fake_now + timeout when started */
static uv_timer_cb timer_cb;
static unsigned    timer_starts;

uint64_t
__wrap_uv_now(const uv_loop_t *loop)
{
	(void)loop;
	return fake_now;
}

int
__wrap_uv_timer_start(uv_timer_t *t, uv_timer_cb cb, uint64_t timeout,
    uint64_t repeat)
{
	(void)t;
	assert_int_equal(repeat, 0);
	timer_on = 1;
	timer_due = fake_now + timeout;
	timer_cb = cb;
	timer_starts++;
	return 0;
}

int
__wrap_uv_timer_stop(uv_timer_t *t)
{
	(void)t;
	timer_on = 0;
	return 0;
}

#define MAXFIRED 64

static struct timeouts q;
static uv_loop_t       loop;
static struct timeout  e[TIMEOUT_LISTS + 8];
static struct timeout *fired[MAXFIRED];
static unsigned        nfired;

static void
on_fire(struct timeout *x)
{
	assert_true(nfired < MAXFIRED);
	/* Unlinked before its callback runs. */
	assert_int_equal(x->deadline, 0);
	fired[nfired++] = x;
}

/* Move the clock to t, firing the timer whenever it falls due on the way. */
static void
advance(uint64_t t)
{
	while (timer_on && timer_due <= t) {
		fake_now = timer_due;
		timer_on = 0;
		timer_cb(&q.timer);
	}
	fake_now = t;
}

static int
setup(void **state)
{
	(void)state;
	fake_now = 1000;
	timer_on = 0;
	timer_starts = 0;
	nfired = 0;
	memset(e, 0, sizeof e);
	assert_int_equal(uv_loop_init(&loop), 0);
	assert_int_equal(timeouts_init(&q, &loop), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	timeouts_close(&q, NULL);
	assert_int_equal(uv_run(&loop, UV_RUN_DEFAULT), 0);
	assert_int_equal(uv_loop_close(&loop), 0);
	return 0;
}

static void
test_fires_once_at_deadline(void **state)
{
	(void)state;
	timeout_set(&q, &e[0], 500, on_fire);
	assert_int_equal(e[0].deadline, 1500);
	assert_true(timer_on);
	assert_int_equal(timer_due, 1500);
	advance(1499);
	assert_int_equal(nfired, 0);
	advance(1500);
	assert_int_equal(nfired, 1);
	assert_ptr_equal(fired[0], &e[0]);
	assert_false(timer_on);
	advance(5000);
	assert_int_equal(nfired, 1);
}

static void
test_del_before_deadline(void **state)
{
	(void)state;
	timeout_set(&q, &e[0], 100, on_fire);
	timeout_set(&q, &e[1], 100, on_fire);
	timeout_del(&q, &e[0]);
	assert_int_equal(e[0].deadline, 0);
	/* Clearing twice, or something never set, is harmless. */
	timeout_del(&q, &e[0]);
	timeout_del(&q, &e[2]);
	advance(2000);
	assert_int_equal(nfired, 1);
	assert_ptr_equal(fired[0], &e[1]);
}

static void
test_del_middle_of_list(void **state)
{
	(void)state;
	fake_now = 1000;
	timeout_set(&q, &e[0], 100, on_fire);
	fake_now = 1010;
	timeout_set(&q, &e[1], 100, on_fire);
	fake_now = 1020;
	timeout_set(&q, &e[2], 100, on_fire);
	timeout_del(&q, &e[1]);
	advance(2000);
	assert_int_equal(nfired, 2);
	assert_ptr_equal(fired[0], &e[0]);
	assert_ptr_equal(fired[1], &e[2]);
}

/* Setting an entry again moves its deadline: it fires once, at the new one. */
static void
test_rearm_moves_deadline(void **state)
{
	(void)state;
	timeout_set(&q, &e[0], 100, on_fire);
	advance(1090);
	timeout_set(&q, &e[0], 100, on_fire);
	assert_int_equal(e[0].deadline, 1190);
	advance(1100);
	assert_int_equal(nfired, 0);
	advance(1189);
	assert_int_equal(nfired, 0);
	advance(1190);
	assert_int_equal(nfired, 1);
	/* Shorter this time: the timer is brought forward. */
	timeout_set(&q, &e[0], 1000, on_fire);
	timeout_set(&q, &e[0], 10, on_fire);
	assert_int_equal(timer_due, 1200);
	advance(1200);
	assert_int_equal(nfired, 2);
}

/* Entries of one duration fire in the order they were set. */
static void
test_same_duration_fifo(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < 5; i++) {
		fake_now = 1000 + i;
		timeout_set(&q, &e[i], 50, on_fire);
	}
	advance(1052);
	assert_int_equal(nfired, 3);
	advance(1100);
	assert_int_equal(nfired, 5);
	for (i = 0; i < 5; i++)
		assert_ptr_equal(fired[i], &e[i]);
}

/* Different durations: the one timer follows the earliest head. */
static void
test_durations_expiry_order(void **state)
{
	(void)state;
	timeout_set(&q, &e[0], 300, on_fire);
	timeout_set(&q, &e[1], 100, on_fire);
	timeout_set(&q, &e[2], 200, on_fire);
	assert_int_equal(timer_due, 1100);
	advance(1150);
	assert_int_equal(nfired, 1);
	assert_int_equal(timer_due, 1200);
	advance(1400);
	assert_int_equal(nfired, 3);
	assert_ptr_equal(fired[0], &e[1]);
	assert_ptr_equal(fired[1], &e[2]);
	assert_ptr_equal(fired[2], &e[0]);
}

/* Clearing the earliest leaves the timer early; it fires for nothing, then
 * re-arms for what is left. */
static void
test_del_head_timer_copes(void **state)
{
	(void)state;
	timeout_set(&q, &e[0], 100, on_fire);
	timeout_set(&q, &e[1], 400, on_fire);
	timeout_del(&q, &e[0]);
	advance(1100);
	assert_int_equal(nfired, 0);
	assert_true(timer_on);
	assert_int_equal(timer_due, 1400);
	advance(1400);
	assert_int_equal(nfired, 1);
	assert_ptr_equal(fired[0], &e[1]);
}

/* A zero timeout still waits for the next tick, never fires inside timeout_set. */
static void
test_zero_ms(void **state)
{
	(void)state;
	timeout_set(&q, &e[0], 0, on_fire);
	assert_int_equal(nfired, 0);
	assert_int_equal(e[0].deadline, 1001);
	advance(1001);
	assert_int_equal(nfired, 1);
}

/* More distinct durations than lists: the rest go to the sorted list and
 * still fire in deadline order. */
static void
test_overflow_sorted(void **state)
{
	unsigned i, n = TIMEOUT_LISTS + 6;

	(void)state;
	for (i = 0; i < TIMEOUT_LISTS; i++)
		timeout_set(&q, &e[i], 1000 + 10 * i, on_fire);
	assert_int_equal(q.nlists, TIMEOUT_LISTS);
	/* Durations with no list of their own, set in no particular order. */
	timeout_set(&q, &e[TIMEOUT_LISTS + 0], 7, on_fire);
	timeout_set(&q, &e[TIMEOUT_LISTS + 1], 5003, on_fire);
	timeout_set(&q, &e[TIMEOUT_LISTS + 2], 3, on_fire);
	timeout_set(&q, &e[TIMEOUT_LISTS + 3], 1005, on_fire);
	timeout_set(&q, &e[TIMEOUT_LISTS + 4], 5, on_fire);
	timeout_set(&q, &e[TIMEOUT_LISTS + 5], 9999, on_fire);
	assert_int_equal(q.nlists, TIMEOUT_LISTS);
	assert_int_equal(timer_due, 1003);
	advance(20000);
	assert_int_equal(nfired, n);
	/* Deadlines 1003, 1005, 1007, 2000, 2005, ... 10999: */
	assert_ptr_equal(fired[0], &e[TIMEOUT_LISTS + 2]);
	assert_ptr_equal(fired[1], &e[TIMEOUT_LISTS + 4]);
	assert_ptr_equal(fired[2], &e[TIMEOUT_LISTS + 0]);
	assert_ptr_equal(fired[3], &e[0]);
	assert_ptr_equal(fired[4], &e[TIMEOUT_LISTS + 3]);
	assert_ptr_equal(fired[n - 1], &e[TIMEOUT_LISTS + 5]);
}

static struct timeout *chain_next;

/* The callback may set other entries: they are honoured in the same pass if
 * due, later otherwise. */
static void
on_fire_chain(struct timeout *x)
{
	on_fire(x);
	if (chain_next != NULL) {
		timeout_set(&q, chain_next, 100, on_fire);
		chain_next = NULL;
	}
}

static void
test_callback_sets_another(void **state)
{
	(void)state;
	chain_next = &e[1];
	timeout_set(&q, &e[0], 100, on_fire_chain);
	advance(1100);
	assert_int_equal(nfired, 1);
	assert_int_equal(e[1].deadline, 1200);
	assert_true(timer_on);
	advance(1200);
	assert_int_equal(nfired, 2);
	assert_ptr_equal(fired[1], &e[1]);
}

/* Late firing (a busy loop) fires every entry that fell due meanwhile. */
static void
test_late_fire_catches_up(void **state)
{
	unsigned i;

	(void)state;
	for (i = 0; i < 4; i++) {
		fake_now = 1000 + 10 * i;
		timeout_set(&q, &e[i], 100, on_fire);
	}
	timeout_set(&q, &e[4], 35, on_fire);
	/* The loop wakes only at 1125. */
	fake_now = 1125;
	timer_on = 0;
	timer_cb(&q.timer);
	assert_int_equal(nfired, 4);
	assert_int_equal(e[3].deadline, 1130);
	assert_true(timer_on);
	assert_int_equal(timer_due, 1130);
	advance(1130);
	assert_int_equal(nfired, 5);
	assert_ptr_equal(fired[4], &e[3]);
}

/* An armed timer set for an earlier deadline is not restarted. */
static void
test_no_restart_when_early_enough(void **state)
{
	(void)state;
	timeout_set(&q, &e[0], 100, on_fire);
	assert_int_equal(timer_starts, 1);
	timeout_set(&q, &e[1], 200, on_fire);
	timeout_set(&q, &e[2], 100, on_fire);
	assert_int_equal(timer_starts, 1);
	assert_int_equal(timer_due, 1100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fires_once_at_deadline,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_del_before_deadline, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_del_middle_of_list, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_rearm_moves_deadline,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_same_duration_fifo, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_durations_expiry_order,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_del_head_timer_copes,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_ms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overflow_sorted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_callback_sets_another,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_fire_catches_up,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_no_restart_when_early_enough, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
