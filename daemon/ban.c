/* SPDX-License-Identifier: ISC */
/* Bans: clients that failed auth too often, kept out of every route. */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "ban.h"
#include "buf.h"
#include "json.h"
#include "util.h"

#define BAN_BUCKETS 16384 /* a power of two */
#define BAN_EVENTS  256   /* new bans waiting for the main loop */
#define BAN_NONE    0     /* indices are 1-based */

struct ban_entry {
	uint8_t  key[16]; /* IPv4 as ::ffff:a.b.c.d */
	uint32_t fails;
	uint32_t hnext;
	uint32_t prev; /* LRU: head most recent */
	uint32_t next;
	uint64_t first_ms; /* of the failures counted */
	uint64_t until_ms; /* banned until; 0 not banned */
};

struct ban_event {
	uint8_t  key[16];
	uint64_t until_ms;
};

static struct {
	pthread_mutex_t   lock;
	struct ban_entry *e;
	uint32_t          n, cap;
	uint32_t          free; /* list of removed entries, through hnext */
	uint32_t         *buckets;
	uint32_t          head, tail;
	int               nbanned; /* atomic reads: the fast path */
	uint64_t          changes; /* atomic reads */
	struct ban_event  ev[BAN_EVENTS];
	uint64_t          evseq;  /* events written */
	uint64_t          evseen; /* main loop's cursor */
} bt = { .lock = PTHREAD_MUTEX_INITIALIZER };

#define BE(i) (&bt.e[(i)-1])

static const uint8_t ban_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	0xff };

static void
ban_key(int family, const uint8_t *addr, uint8_t key[16])
{
	if (family == AF_INET6) {
		memcpy(key, addr, 16);
		return;
	}
	memcpy(key, ban_mapped, 12);
	memcpy(key + 12, addr, 4);
}

static int
ban_key_parse(const char *s, uint8_t key[16])
{
	uint8_t a[16];

	if (inet_pton(AF_INET, s, a) == 1) {
		ban_key(AF_INET, a, key);
		return 0;
	}
	if (inet_pton(AF_INET6, s, a) == 1) {
		ban_key(AF_INET6, a, key);
		return 0;
	}
	return -1;
}

static void
ban_key_text(const uint8_t key[16], char *out, size_t len)
{
	if (memcmp(key, ban_mapped, 12) == 0)
		inet_ntop(AF_INET, key + 12, out, (socklen_t)len);
	else
		inet_ntop(AF_INET6, key, out, (socklen_t)len);
}

static uint32_t
ban_hash(const uint8_t key[16])
{
	uint32_t h = 2166136261u;
	int      i;

	for (i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return (h ^ h >> 15) & (BAN_BUCKETS - 1);
}

static void
ban_lru_unlink(uint32_t i)
{
	struct ban_entry *x = BE(i);

	if (x->prev != BAN_NONE)
		BE(x->prev)->next = x->next;
	else
		bt.head = x->next;
	if (x->next != BAN_NONE)
		BE(x->next)->prev = x->prev;
	else
		bt.tail = x->prev;
	x->prev = x->next = BAN_NONE;
}

static void
ban_lru_front(uint32_t i)
{
	struct ban_entry *x = BE(i);

	x->prev = BAN_NONE;
	x->next = bt.head;
	if (bt.head != BAN_NONE)
		BE(bt.head)->prev = i;
	bt.head = i;
	if (bt.tail == BAN_NONE)
		bt.tail = i;
}

static uint32_t
ban_find(const uint8_t key[16])
{
	uint32_t i;

	if (bt.buckets == NULL)
		return BAN_NONE;
	for (i = bt.buckets[ban_hash(key)]; i != BAN_NONE; i = BE(i)->hnext) {
		if (memcmp(BE(i)->key, key, 16) == 0)
			return i;
	}
	return BAN_NONE;
}

static void
ban_set_until(struct ban_entry *x, uint64_t until_ms)
{
	if ((x->until_ms != 0) != (until_ms != 0))
		__atomic_add_fetch(&bt.nbanned, until_ms != 0 ? 1 : -1,
		    __ATOMIC_RELAXED);
	x->until_ms = until_ms;
}

static void
ban_remove(uint32_t i)
{
	struct ban_entry *x = BE(i);
	uint32_t         *pp = &bt.buckets[ban_hash(x->key)];

	while (*pp != i)
		pp = &BE(*pp)->hnext;
	*pp = x->hnext;
	ban_lru_unlink(i);
	ban_set_until(x, 0);
	memset(x, 0, sizeof(*x));
	x->hnext = bt.free;
	bt.free = i;
}

/* A new entry for key; BAN_NONE when every entry is a ban in force. */
static uint32_t
ban_new(const uint8_t key[16], uint64_t now_ms)
{
	struct ban_entry *x;
	uint32_t          i, k, h;

	if (bt.buckets == NULL)
		bt.buckets = xcalloc(BAN_BUCKETS, sizeof(*bt.buckets));
	if (bt.free != BAN_NONE) {
		i = bt.free;
		bt.free = BE(i)->hnext;
	} else if (bt.n < BAN_MAX_ENTRIES) {
		if (bt.n == bt.cap) {
			bt.cap = bt.cap ? bt.cap * 2 : 64;
			if (bt.cap > BAN_MAX_ENTRIES)
				bt.cap = BAN_MAX_ENTRIES;
			bt.e = xreallocarray(bt.e, bt.cap, sizeof(*bt.e));
		}
		i = ++bt.n;
	} else {
		/* Forget the least recently failed address not banned. */
		for (i = bt.tail, k = 0; i != BAN_NONE && k < 64;
		     i = BE(i)->prev, k++) {
			if (BE(i)->until_ms <= now_ms)
				break;
		}
		if (i == BAN_NONE || k == 64)
			return BAN_NONE;
		ban_remove(i);
		i = bt.free;
		bt.free = BE(i)->hnext;
	}
	x = BE(i);
	memset(x, 0, sizeof(*x));
	memcpy(x->key, key, 16);
	h = ban_hash(key);
	x->hnext = bt.buckets[h];
	bt.buckets[h] = i;
	ban_lru_front(i);
	return i;
}

static void
ban_event_add(const uint8_t key[16], uint64_t until_ms)
{
	struct ban_event *ev = &bt.ev[bt.evseq % BAN_EVENTS];

	memcpy(ev->key, key, 16);
	ev->until_ms = until_ms;
	bt.evseq++;
}

int
ban_fail(int family, const uint8_t *addr, unsigned after, uint64_t window_ms,
    uint64_t time_ms, uint64_t now_ms)
{
	struct ban_entry *x;
	uint8_t           key[16];
	uint32_t          i;
	int               banned = 0;

	if (after == 0)
		return 0;
	ban_key(family, addr, key);
	pthread_mutex_lock(&bt.lock);
	if ((i = ban_find(key)) == BAN_NONE &&
	    (i = ban_new(key, now_ms)) == BAN_NONE)
		goto out;
	x = BE(i);
	ban_lru_unlink(i);
	ban_lru_front(i);
	if (x->until_ms > now_ms)
		goto out; /* already banned */
	if (x->fails == 0 || now_ms - x->first_ms > window_ms) {
		x->fails = 0;
		x->first_ms = now_ms;
	}
	if (++x->fails >= after) {
		ban_set_until(x, now_ms + time_ms);
		x->fails = 0;
		ban_event_add(key, x->until_ms);
		__atomic_add_fetch(&bt.changes, 1, __ATOMIC_RELAXED);
		banned = 1;
	}
out:
	pthread_mutex_unlock(&bt.lock);
	return banned;
}

uint64_t
ban_check(int family, const uint8_t *addr, uint64_t now_ms)
{
	uint8_t  key[16];
	uint32_t i;
	uint64_t left = 0;

	if (__atomic_load_n(&bt.nbanned, __ATOMIC_RELAXED) == 0)
		return 0;
	ban_key(family, addr, key);
	pthread_mutex_lock(&bt.lock);
	if ((i = ban_find(key)) != BAN_NONE && BE(i)->until_ms > now_ms)
		left = BE(i)->until_ms - now_ms;
	pthread_mutex_unlock(&bt.lock);
	return left;
}

int
ban_add(const char *addr, uint64_t until_ms)
{
	uint8_t  key[16];
	uint32_t i;

	if (ban_key_parse(addr, key) != 0 || until_ms == 0)
		return -1;
	pthread_mutex_lock(&bt.lock);
	if ((i = ban_find(key)) == BAN_NONE)
		i = ban_new(key, 0);
	if (i != BAN_NONE) {
		ban_set_until(BE(i), until_ms);
		__atomic_add_fetch(&bt.changes, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&bt.lock);
	return i != BAN_NONE ? 0 : -1;
}

int
ban_lift(const char *addr)
{
	uint8_t  key[16];
	uint32_t i;
	int      lifted = 0;

	if (ban_key_parse(addr, key) != 0)
		return -1;
	pthread_mutex_lock(&bt.lock);
	if ((i = ban_find(key)) != BAN_NONE) {
		lifted = BE(i)->until_ms != 0;
		ban_remove(i); /* its failures go too: a fresh start */
		if (lifted)
			__atomic_add_fetch(&bt.changes, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&bt.lock);
	return lifted;
}

size_t
ban_list(struct ban_info **out, uint64_t now_ms)
{
	struct ban_info *list = NULL;
	size_t           n = 0, cap = 0;
	uint32_t         i;

	pthread_mutex_lock(&bt.lock);
	for (i = 1; i <= bt.n; i++) {
		if (BE(i)->until_ms <= now_ms)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			list = xreallocarray(list, cap, sizeof(*list));
		}
		ban_key_text(BE(i)->key, list[n].addr, sizeof(list[n].addr));
		list[n].until_ms = BE(i)->until_ms;
		n++;
	}
	pthread_mutex_unlock(&bt.lock);
	*out = list;
	return n;
}

uint64_t
ban_changes(void)
{
	return __atomic_load_n(&bt.changes, __ATOMIC_RELAXED);
}

void
ban_poll_events(ban_event_cb cb, uint64_t now_ms)
{
	struct ban_event evs[BAN_EVENTS];
	struct buf       b;
	char             text[48];
	size_t           n = 0, k;
	uint32_t         i, prev;

	pthread_mutex_lock(&bt.lock);
	if (bt.evseq - bt.evseen > BAN_EVENTS)
		bt.evseen = bt.evseq - BAN_EVENTS; /* the oldest were lost */
	for (; bt.evseen < bt.evseq; bt.evseen++)
		evs[n++] = bt.ev[bt.evseen % BAN_EVENTS];
	/* Expired bans and failures past any window: from the LRU end. */
	for (i = bt.tail, k = 0; i != BAN_NONE && k < 1024; i = prev, k++) {
		prev = BE(i)->prev;
		if (BE(i)->until_ms != 0 && BE(i)->until_ms <= now_ms)
			ban_set_until(BE(i), 0);
		if (BE(i)->until_ms == 0 &&
		    now_ms - BE(i)->first_ms > 24 * 3600 * 1000ull)
			ban_remove(i);
	}
	pthread_mutex_unlock(&bt.lock);
	if (cb == NULL || n == 0)
		return;
	buf_init(&b, 0);
	for (k = 0; k < n; k++) {
		buf_reset(&b);
		ban_key_text(evs[k].key, text, sizeof(text));
		buf_puts(&b, "{\"type\":\"ban\",\"address\":");
		json_cstr(&b, text);
		buf_printf(&b, ",\"until\":%llu,\"reason\":\"auth failures\"}",
		    (unsigned long long)(evs[k].until_ms / 1000));
		cb(b.data, b.len);
	}
	buf_free(&b);
}

void
ban_free(void)
{
	pthread_mutex_lock(&bt.lock);
	free(bt.e);
	free(bt.buckets);
	bt.e = NULL;
	bt.buckets = NULL;
	bt.n = bt.cap = bt.free = bt.head = bt.tail = 0;
	__atomic_store_n(&bt.nbanned, 0, __ATOMIC_RELAXED);
	bt.evseen = bt.evseq;
	pthread_mutex_unlock(&bt.lock);
}
