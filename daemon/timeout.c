/* SPDX-License-Identifier: ISC */
/* Timeout queues: many timeouts on one libuv timer, O(1) to set and clear. */

#include "timeout.h"

static void timeouts_fire(uv_timer_t *);

static void
timeout_unlink(struct timeout *e)
{
	list_remove(&e->link);
	e->deadline = 0;
}

static struct timeout *
timeout_of(struct list *p)
{
	return container_of(p, struct timeout, link);
}

/* The soonest entry of l, or NULL. */
static struct timeout *
timeouts_first(struct timeout_list *l)
{
	return list_first(&l->entries, struct timeout, link);
}

static void
timeouts_rearm(struct timeouts *q)
{
	struct timeout *e;
	uint64_t        min = 0, now;
	unsigned        i;

	for (i = 0; i <= q->nlists; i++) {
		e = timeouts_first(i < q->nlists ? &q->lists[i] : &q->sorted);
		if (e != NULL && (min == 0 || e->deadline < min))
			min = e->deadline;
	}
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
			if ((e = timeouts_first(l)) == NULL ||
			    e->deadline > now)
				continue;
			timeout_unlink(e);
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
	list_init(&q->sorted.entries);
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
	(void)q;
	if (e->deadline == 0)
		return;
	timeout_unlink(e);
	/* The timer may now fire for nothing; timeouts_fire copes and re-arms. */
}

void
timeout_set(struct timeouts *q, struct timeout *e, uint64_t ms, timeout_cb cb)
{
	struct timeout_list *l = NULL;
	struct list         *p;
	unsigned             i;

	if (e->deadline != 0)
		timeout_unlink(e);
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
		list_init(&l->entries);
	}
	if (l != NULL) {
		/* Same duration, later set: the tail is the right place. */
		list_insert_tail(&l->entries, &e->link);
	} else {
		/* Rare: more distinct durations than lists. */
		l = &q->sorted;
		p = l->entries.prev;
		while (
		    p != &l->entries && timeout_of(p)->deadline > e->deadline)
			p = p->prev;
		list_insert_after(p, &e->link);
	}
	timeouts_rearm(q);
}
