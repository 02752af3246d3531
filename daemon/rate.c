/* SPDX-License-Identifier: ISC */
/* Rate limits: GCRA per route and client address, shared by every worker. */

#include <sys/random.h>
#include <sys/socket.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "client-key.h"
#include "rate.h"
#include "util.h"

/*
 * GCRA (the generic cell rate algorithm): each bucket keeps only its
 * theoretical arrival time.  A request at now passes when
 * tat - now <= interval * (burst - 1), and moves tat on by interval.
 */

#define RATE_NONE 0 /* indices are 1-based: 0 is "none" */

struct rate_entry {
	uint8_t  key[16]; /* the address or its /64, v4 as ::ffff:a.b.c.d */
	uint32_t route;
	uint32_t hnext; /* hash chain */
	uint32_t prev;  /* LRU list: head most recent */
	uint32_t next;
	uint64_t tat; /* microseconds, monotonic */
};

struct rate_shard {
	pthread_mutex_t    lock;
	struct rate_entry *e; /* [cap], 1-based through idx - 1 */
	uint32_t           n, cap, max;
	uint32_t          *buckets; /* [max] (a power of two) */
	uint32_t           head, tail;
};

static struct {
	pthread_once_t    once;
	size_t            capacity;
	uint64_t          seed;
	struct rate_shard shards[RATE_SHARDS];
} rt = { .once = PTHREAD_ONCE_INIT, .capacity = RATE_MAX_ENTRIES };

static void
rate_init(void)
{
	size_t i, per = rt.capacity / RATE_SHARDS;

	if (per < 1)
		per = 1;
	if (getrandom(&rt.seed, sizeof rt.seed, 0) != sizeof rt.seed)
		rt.seed = (uint64_t)(uintptr_t)&rt ^ 0x9e3779b97f4a7c15ull;
	for (i = 0; i < RATE_SHARDS; i++) {
		pthread_mutex_init(&rt.shards[i].lock, NULL);
		rt.shards[i].max = (uint32_t)per;
	}
}

static uint64_t
rate_hash(const uint8_t *key, uint32_t route)
{
	return client_key_hash(rt.seed ^ route, key);
}

#define E(s, i) (&(s)->e[(i)-1])

/* Low bits pick the shard, these the bucket within it. */
static uint32_t
rate_bucket(uint64_t h, uint32_t nb)
{
	return (uint32_t)(h >> 8) & (nb - 1);
}

static void
rate_lru_unlink(struct rate_shard *s, uint32_t i)
{
	struct rate_entry *x = E(s, i);

	if (x->prev != RATE_NONE)
		E(s, x->prev)->next = x->next;
	else
		s->head = x->next;
	if (x->next != RATE_NONE)
		E(s, x->next)->prev = x->prev;
	else
		s->tail = x->prev;
	x->prev = x->next = RATE_NONE;
}

static void
rate_lru_front(struct rate_shard *s, uint32_t i)
{
	struct rate_entry *x = E(s, i);

	x->prev = RATE_NONE;
	x->next = s->head;
	if (s->head != RATE_NONE)
		E(s, s->head)->prev = i;
	s->head = i;
	if (s->tail == RATE_NONE)
		s->tail = i;
}

/* Buckets per shard: the power of two at or above its bound. */
static uint32_t
rate_nbuckets(const struct rate_shard *s)
{
	uint32_t pow2 = 1;

	while (pow2 < s->max)
		pow2 <<= 1;
	return pow2;
}

/* A slot for a new entry: a fresh one, or the least recently used. */
static uint32_t
rate_slot(struct rate_shard *s, uint32_t nb)
{
	struct rate_entry *old;
	uint32_t           i, *pp;

	if (s->n < s->max) {
		if (s->n == s->cap || s->e == NULL) {
			uint32_t ncap = s->e == NULL ? 16 : s->cap * 2;

			if (ncap > s->max)
				ncap = s->max;
			s->e = xreallocarray(s->e, ncap, sizeof *s->e);
			s->cap = ncap;
		}
		return ++s->n;
	}
	i = s->tail;
	old = E(s, i);
	rate_lru_unlink(s, i);
	pp = &s->buckets[rate_bucket(rate_hash(old->key, old->route), nb)];
	while (*pp != i)
		pp = &E(s, *pp)->hnext;
	*pp = old->hnext;
	return i;
}

int
rate_take(unsigned route, int family, const uint8_t *addr, uint64_t interval_us,
    unsigned burst, uint64_t now_us, uint64_t *retry_us)
{
	struct rate_shard *s;
	struct rate_entry *x = NULL;
	uint8_t            key[16];
	uint64_t           h, tat, tau;
	uint32_t           i, nb;
	int                ok;

	if (interval_us == 0 || burst == 0)
		return 1;
	pthread_once(&rt.once, rate_init);
	client_key(family, addr, key);
	h = rate_hash(key, route);
	s = &rt.shards[h % RATE_SHARDS];
	tau = interval_us * (burst - 1);

	pthread_mutex_lock(&s->lock);
	nb = rate_nbuckets(s);
	if (s->buckets == NULL)
		s->buckets = xcalloc(nb, sizeof *s->buckets);
	for (i = s->buckets[rate_bucket(h, nb)]; i != RATE_NONE;
	     i = E(s, i)->hnext) {
		x = E(s, i);
		if (x->route == route && memcmp(x->key, key, 16) == 0)
			break;
		x = NULL;
	}
	tat = x != NULL && x->tat > now_us ? x->tat : now_us;
	if (tat - now_us > tau) {
		*retry_us = tat - tau - now_us;
		ok = 0;
	} else {
		if (x == NULL) {
			i = rate_slot(s, nb);
			x = E(s, i);
			memcpy(x->key, key, 16);
			x->route = route;
			x->hnext = s->buckets[rate_bucket(h, nb)];
			s->buckets[rate_bucket(h, nb)] = i;
			x->prev = x->next = RATE_NONE;
		} else
			rate_lru_unlink(s, i);
		rate_lru_front(s, i);
		x->tat = tat + interval_us;
		ok = 1;
	}
	pthread_mutex_unlock(&s->lock);
	return ok;
}

size_t
rate_entries(void)
{
	size_t i, n = 0;

	pthread_once(&rt.once, rate_init);
	for (i = 0; i < RATE_SHARDS; i++) {
		pthread_mutex_lock(&rt.shards[i].lock);
		n += rt.shards[i].n;
		pthread_mutex_unlock(&rt.shards[i].lock);
	}
	return n;
}

size_t
rate_memory(void)
{
	struct rate_shard *s;
	size_t             i, n = sizeof rt;

	pthread_once(&rt.once, rate_init);
	for (i = 0; i < RATE_SHARDS; i++) {
		s = &rt.shards[i];
		pthread_mutex_lock(&s->lock);
		n += (size_t)s->cap * sizeof *s->e;
		if (s->buckets != NULL)
			n += (size_t)rate_nbuckets(s) * sizeof *s->buckets;
		pthread_mutex_unlock(&s->lock);
	}
	return n;
}

void
rate_set_capacity(size_t n)
{
	rt.capacity = n;
}

void
rate_free(void)
{
	size_t i;

	pthread_once(&rt.once, rate_init);
	for (i = 0; i < RATE_SHARDS; i++) {
		pthread_mutex_lock(&rt.shards[i].lock);
		free(rt.shards[i].e);
		free(rt.shards[i].buckets);
		rt.shards[i].e = NULL;
		rt.shards[i].buckets = NULL;
		rt.shards[i].n = rt.shards[i].cap = 0;
		rt.shards[i].head = rt.shards[i].tail = RATE_NONE;
		rt.shards[i].max = (uint32_t)(rt.capacity / RATE_SHARDS > 0 ?
		        rt.capacity / RATE_SHARDS :
		        1);
		pthread_mutex_unlock(&rt.shards[i].lock);
	}
}
