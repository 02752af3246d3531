/* SPDX-License-Identifier: ISC */
/* Timeout queues: many timeouts on one libuv timer, O(1) to set and clear. */

#include "tq.h"

static void tq_fire(uv_timer_t *);

/* Only needed when e is a head or a tail: at most TQ_LISTS + 1 compares. */
static struct tq_list *
tq_list_of(struct tq *q, struct tq_entry *e)
{
	unsigned i;

	for (i = 0; i < q->nlists; i++) {
		if (q->lists[i].head == e || q->lists[i].tail == e)
			return &q->lists[i];
	}
	return &q->sorted;
}

static void
tq_unlink(struct tq *q, struct tq_entry *e)
{
	struct tq_list *l = NULL;

	if (e->prev == NULL || e->next == NULL)
		l = tq_list_of(q, e);
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
tq_rearm(struct tq *q)
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
		return; /* fires early enough; tq_fire re-arms */
	now = uv_now(q->timer.loop);
	q->armed = min;
	uv_timer_start(&q->timer, tq_fire, min > now ? min - now : 0, 0);
}

static void
tq_fire(uv_timer_t *t)
{
	struct tq       *q = t->data;
	struct tq_list  *l;
	struct tq_entry *e;
	uint64_t         now = uv_now(t->loop);
	unsigned         i;
	int              again;

	q->armed = 0;
	do {
		again = 0;
		for (i = 0; i <= q->nlists; i++) {
			l = i < q->nlists ? &q->lists[i] : &q->sorted;
			if ((e = l->head) == NULL || e->deadline > now)
				continue;
			tq_unlink(q, e);
			/* The callback may set or clear any entry. */
			e->cb(e);
			again = 1;
		}
	} while (again);
	tq_rearm(q);
}

int
tq_init(struct tq *q, uv_loop_t *loop)
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
tq_close(struct tq *q, uv_close_cb cb)
{
	uv_close((uv_handle_t *)&q->timer, cb);
}

void
tq_del(struct tq *q, struct tq_entry *e)
{
	if (e->deadline == 0)
		return;
	tq_unlink(q, e);
	/* The timer may now fire for nothing; tq_fire copes and re-arms. */
}

void
tq_set(struct tq *q, struct tq_entry *e, uint64_t ms, tq_cb cb)
{
	struct tq_list  *l = NULL;
	struct tq_entry *p;
	unsigned         i;

	if (e->deadline != 0)
		tq_unlink(q, e);
	e->cb = cb;
	e->deadline = uv_now(q->timer.loop) + (ms == 0 ? 1 : ms);

	for (i = 0; i < q->nlists; i++) {
		if (q->lists[i].duration == ms) {
			l = &q->lists[i];
			break;
		}
	}
	if (l == NULL && q->nlists < TQ_LISTS) {
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
	tq_rearm(q);
}
