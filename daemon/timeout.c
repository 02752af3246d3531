/* SPDX-License-Identifier: ISC */
/* Timeout queues: many timeouts on one libuv timer, O(1) to set and clear. */

#include "timeout.h"

static void timeouts_fire(uv_timer_t *);

/* Only needed when e is a head or a tail: at most TIMEOUT_LISTS + 1 compares. */
static struct timeout_list *
timeouts_list_of(struct timeouts *q, struct timeout *e)
{
	unsigned i;

	for (i = 0; i < q->nlists; i++) {
		if (q->lists[i].head == e || q->lists[i].tail == e)
			return &q->lists[i];
	}
	return &q->sorted;
}

static void
timeout_unlink(struct timeouts *q, struct timeout *e)
{
	struct timeout_list *l = NULL;

	if (e->prev == NULL || e->next == NULL)
		l = timeouts_list_of(q, e);
	if (e->prev != NULL)
		e->prev->next = e->next;
	else
		l->head = e->next;
	if (e->next != NULL)
		e->next->prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NULL;
	e->deadline = 0;
}

static void
timeouts_rearm(struct timeouts *q)
{
	uint64_t min = 0, now;
	unsigned i;

	for (i = 0; i < q->nlists; i++) {
		if (q->lists[i].head != NULL &&
		    (min == 0 || q->lists[i].head->deadline < min))
			min = q->lists[i].head->deadline;
	}
	if (q->sorted.head != NULL &&
	    (min == 0 || q->sorted.head->deadline < min))
		min = q->sorted.head->deadline;
	if (min == 0) {
		if (q->armed != 0)
			uv_timer_stop(&q->timer);
		q->armed = 0;
		return;
	}
	if (q->armed != 0 && q->armed <= min)
		return; /* fires early enough; timeouts_fire re-arms */
	now = uv_now(q->timer.loop);
	q->armed = min;
	uv_timer_start(&q->timer, timeouts_fire, min > now ? min - now : 0, 0);
}

static void
timeouts_fire(uv_timer_t *t)
{
	struct timeouts     *q = t->data;
	struct timeout_list *l;
	struct timeout      *e;
	uint64_t             now = uv_now(t->loop);
	unsigned             i;
	int                  again;

	q->armed = 0;
	do {
		again = 0;
		for (i = 0; i <= q->nlists; i++) {
			l = i < q->nlists ? &q->lists[i] : &q->sorted;
			if ((e = l->head) == NULL || e->deadline > now)
				continue;
			timeout_unlink(q, e);
			/* The callback may set or clear any entry. */
			e->cb(e);
			again = 1;
		}
	} while (again);
	timeouts_rearm(q);
}

int
timeouts_init(struct timeouts *q, uv_loop_t *loop)
{
	int error;

	q->armed = 0;
	q->nlists = 0;
	q->sorted.head = q->sorted.tail = NULL;
	q->sorted.duration = 0;
	if ((error = uv_timer_init(loop, &q->timer)) != 0)
		return error;
	q->timer.data = q;
	return 0;
}

void
timeouts_close(struct timeouts *q, uv_close_cb cb)
{
	uv_close((uv_handle_t *)&q->timer, cb);
}

void
timeout_del(struct timeouts *q, struct timeout *e)
{
	if (e->deadline == 0)
		return;
	timeout_unlink(q, e);
	/* The timer may now fire for nothing; timeouts_fire copes and re-arms. */
}

void
timeout_set(struct timeouts *q, struct timeout *e, uint64_t ms, timeout_cb cb)
{
	struct timeout_list *l = NULL;
	struct timeout      *p;
	unsigned             i;

	if (e->deadline != 0)
		timeout_unlink(q, e);
	e->cb = cb;
	e->deadline = uv_now(q->timer.loop) + (ms == 0 ? 1 : ms);

	for (i = 0; i < q->nlists; i++) {
		if (q->lists[i].duration == ms) {
			l = &q->lists[i];
			break;
		}
	}
	if (l == NULL && q->nlists < TIMEOUT_LISTS) {
		l = &q->lists[q->nlists++];
		l->duration = ms;
		l->head = l->tail = NULL;
	}
	if (l != NULL) {
		/* Same duration, later set: the tail is the right place. */
		e->prev = l->tail;
		e->next = NULL;
		if (l->tail != NULL)
			l->tail->next = e;
		else
			l->head = e;
		l->tail = e;
	} else {
		/* Rare: more distinct durations than lists. */
		l = &q->sorted;
		for (p = l->tail; p != NULL && p->deadline > e->deadline;
		     p = p->prev)
			;
		e->prev = p;
		e->next = p != NULL ? p->next : l->head;
		if (e->next != NULL)
			e->next->prev = e;
		else
			l->tail = e;
		if (p != NULL)
			p->next = e;
		else
			l->head = e;
	}
	timeouts_rearm(q);
}
