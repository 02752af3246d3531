/* SPDX-License-Identifier: ISC */
/* Bans: clients that failed auth too often, kept out of every route. */

#include <sys/random.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ban.h"
#include "buf.h"
#include "client-key.h"
#include "json-write.h"
#include "util.h"

#define BAN_BUCKETS 65536 /* a power of two: chains of 4 when full */
#define BAN_EVENTS  256   /* new bans waiting for the main loop */
#define BAN_NONE    0     /* indices are 1-based */
/* Counters with no failure for this long are forgotten. */
#define BAN_STALE_MS (24 * 3600 * 1000ull)

/*
 * 48 bytes.  A counter sits on the LRU list (u.lru); a ban sits in the
 * min-heap on until_ms instead (u.slot), so that the ban ending soonest
 * is found at once when a new ban needs its place.
 */
struct ban_entry {
	uint8_t  key[16]; /* client-key.h, or a /48 or /32 (ban_prefix_key) */
	uint32_t fails;
	uint32_t hnext;
	union {
		struct {
			uint32_t prev; /* head most recent */
			uint32_t next;
		} lru;
		uint32_t slot; /* in bt.heap, 1-based */
	} u;
	uint64_t first_ms; /* of the failures counted */
	uint64_t until_ms; /* banned until; 0: a counter */
};

_Static_assert(sizeof(struct ban_entry) == 48,
    "frontdoord(8) gives 48 bytes a ban table entry");

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
	uint64_t          seed;
	uint32_t          head, tail; /* counters */
	uint32_t         *heap;       /* bans: [1..nbanned], 4 bytes each */
	uint32_t          heapcap;
	int               nbanned; /* atomic reads: the fast path */
	uint64_t          changes; /* atomic reads */
	struct ban_event  ev[BAN_EVENTS];
	uint64_t          evseq;  /* events written */
	uint64_t          evseen; /* main loop's cursor */
} bt = { .lock = PTHREAD_MUTEX_INITIALIZER };

#define BE(i) (&bt.e[(i)-1])

/*
 * The key of the /48 or /32 (plen) holding an IPv6 client key: its first
 * plen bits, zeros, and plen in the last byte, which a /64's key (host
 * half zero) and an IPv4 key (::ffff: before the address) never have.
 */
static void
ban_prefix_key(const uint8_t key[16], int plen, uint8_t out[16])
{
	uint8_t k[16] = { 0 };

	memcpy(k, key, (size_t)plen / 8);
	k[15] = (uint8_t)plen;
	memcpy(out, k, 16);
}

static int
ban_key_plen(const uint8_t key[16])
{
	if (memcmp(key, client_key_mapped, 12) == 0)
		return 32; /* IPv4: the whole address */
	return key[15] != 0 ? key[15] : 64;
}

/*
 * "192.0.2.1", "192.0.2.1/32", "2001:db8::1", "2001:db8::/64", and the
 * wider bans "2001:db8:1::/48", "2001:db8::/32".
 */
static int
ban_key_parse(const char *s, uint8_t key[16])
{
	uint8_t     a[16];
	char        text[64];
	const char *slash = strchr(s, '/');
	size_t      len = slash != NULL ? (size_t)(slash - s) : strlen(s), k;
	int         plen;

	if (len >= sizeof text)
		return -1;
	memcpy(text, s, len);
	text[len] = '\0';
	if (inet_pton(AF_INET, text, a) == 1) {
		if (slash != NULL && strcmp(slash, "/32") != 0)
			return -1;
		client_key(AF_INET, a, key);
		return 0;
	}
	if (inet_pton(AF_INET6, text, a) == 1) {
		/* A prefix names a /64, /48 or /32 exactly: no host bits. */
		if (slash == NULL) {
			client_key(AF_INET6, a, key);
			return 0;
		}
		plen = strcmp(slash, "/64") == 0 ? 64 :
		    strcmp(slash, "/48") == 0    ? 48 :
		    strcmp(slash, "/32") == 0    ? 32 :
		                                   0;
		if (plen == 0 || memcmp(a, client_key_mapped, 12) == 0)
			return -1;
		for (k = plen / 8; k < 16; k++) {
			if (a[k] != 0)
				return -1;
		}
		client_key(AF_INET6, a, key);
		if (plen != 64)
			ban_prefix_key(key, plen, key);
		return 0;
	}
	return -1;
}

static void
ban_key_text(const uint8_t key[16], char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (memcmp(key, client_key_mapped, 12) == 0) {
		inet_ntop(AF_INET, key + 12, out, (socklen_t)len);
		return;
	}
	if (key[15] != 0) {
		uint8_t k[16];

		memcpy(k, key, 16);
		k[15] = 0;
		inet_ntop(AF_INET6, k, a, sizeof a);
	} else
		inet_ntop(AF_INET6, key, a, sizeof a);
	snprintf(out, len, "%s/%d", a, ban_key_plen(key));
}

int
ban_text(const char *addr, char *out, size_t len)
{
	uint8_t key[16];

	if (ban_key_parse(addr, key) != 0)
		return -1;
	ban_key_text(key, out, len);
	return 0;
}

static uint32_t
ban_hash(const uint8_t key[16])
{
	return (uint32_t)client_key_hash(bt.seed, key) & (BAN_BUCKETS - 1);
}

static void
ban_lru_unlink(uint32_t i)
{
	struct ban_entry *x = BE(i);

	if (x->u.lru.prev != BAN_NONE)
		BE(x->u.lru.prev)->u.lru.next = x->u.lru.next;
	else
		bt.head = x->u.lru.next;
	if (x->u.lru.next != BAN_NONE)
		BE(x->u.lru.next)->u.lru.prev = x->u.lru.prev;
	else
		bt.tail = x->u.lru.prev;
	x->u.lru.prev = x->u.lru.next = BAN_NONE;
}

static void
ban_lru_front(uint32_t i)
{
	struct ban_entry *x = BE(i);

	x->u.lru.prev = BAN_NONE;
	x->u.lru.next = bt.head;
	if (bt.head != BAN_NONE)
		BE(bt.head)->u.lru.prev = i;
	bt.head = i;
	if (bt.tail == BAN_NONE)
		bt.tail = i;
}

/* The heap of bans: bt.heap[1] ends soonest. */
static void
ban_heap_set(uint32_t slot, uint32_t i)
{
	bt.heap[slot] = i;
	BE(i)->u.slot = slot;
}

static void
ban_heap_fix(uint32_t slot)
{
	uint32_t n = (uint32_t)bt.nbanned, i = bt.heap[slot], c;
	uint64_t t = BE(i)->until_ms;

	while (slot > 1 && BE(bt.heap[slot / 2])->until_ms > t) {
		ban_heap_set(slot, bt.heap[slot / 2]);
		slot /= 2;
	}
	for (;;) {
		c = slot * 2;
		if (c > n)
			break;
		if (c + 1 <= n &&
		    BE(bt.heap[c + 1])->until_ms < BE(bt.heap[c])->until_ms)
			c++;
		if (BE(bt.heap[c])->until_ms >= t)
			break;
		ban_heap_set(slot, bt.heap[c]);
		slot = c;
	}
	ban_heap_set(slot, i);
}

static void
ban_heap_push(uint32_t i)
{
	uint32_t n = (uint32_t)bt.nbanned + 1;

	if (n >= bt.heapcap) {
		bt.heapcap = bt.heapcap ? bt.heapcap * 2 : 64;
		if (bt.heapcap > BAN_MAX_BANS + 1)
			bt.heapcap = BAN_MAX_BANS + 1;
		bt.heap = xreallocarray(bt.heap, bt.heapcap, sizeof *bt.heap);
	}
	__atomic_store_n(&bt.nbanned, (int)n, __ATOMIC_RELAXED);
	ban_heap_set(n, i);
	ban_heap_fix(n);
}

static void
ban_heap_remove(uint32_t i)
{
	uint32_t slot = BE(i)->u.slot, n = (uint32_t)bt.nbanned;

	__atomic_store_n(&bt.nbanned, (int)n - 1, __ATOMIC_RELAXED);
	if (slot != n) {
		ban_heap_set(slot, bt.heap[n]);
		ban_heap_fix(slot);
	}
	BE(i)->u.slot = 0;
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
ban_remove(uint32_t i)
{
	struct ban_entry *x = BE(i);
	uint32_t         *pp = &bt.buckets[ban_hash(x->key)];

	while (*pp != i)
		pp = &BE(*pp)->hnext;
	*pp = x->hnext;
	if (x->until_ms != 0)
		ban_heap_remove(i);
	else
		ban_lru_unlink(i);
	memset(x, 0, sizeof *x);
	x->hnext = bt.free;
	bt.free = i;
}

/* Make entry i a ban until until_ms (it may be one already). */
static void
ban_make(uint32_t i, uint64_t until_ms)
{
	struct ban_entry *x = BE(i);

	if (x->until_ms != 0) {
		x->until_ms = until_ms;
		ban_heap_fix(x->u.slot);
		return;
	}
	/* Past the bound the ban ending soonest makes room: never a counter. */
	if (bt.nbanned >= BAN_MAX_BANS)
		ban_remove(bt.heap[1]);
	ban_lru_unlink(i);
	x->fails = 0;
	x->until_ms = until_ms;
	ban_heap_push(i);
}

/* A ban that ran out: back to a counter with a clean slate. */
static void
ban_unmake(uint32_t i)
{
	struct ban_entry *x = BE(i);

	ban_heap_remove(i);
	x->until_ms = 0;
	x->fails = 0;
	ban_lru_front(i);
}

/*
 * A new counter for key.  When the table is full the least recently
 * failed counter makes room; there is one, since bans never take the
 * last BAN_COUNTER_RESERVE entries.
 */
static uint32_t
ban_new(const uint8_t key[16])
{
	struct ban_entry *x;
	uint32_t          i, h;

	if (bt.buckets == NULL) {
		if (getrandom(&bt.seed, sizeof bt.seed, 0) != sizeof bt.seed)
			bt.seed =
			    (uint64_t)(uintptr_t)&bt ^ 0x9e3779b97f4a7c15ull;
		bt.buckets = xcalloc(BAN_BUCKETS, sizeof *bt.buckets);
	}
	if (bt.free == BAN_NONE && bt.n == BAN_MAX_ENTRIES)
		ban_remove(bt.tail);
	if (bt.free != BAN_NONE) {
		i = bt.free;
		bt.free = BE(i)->hnext;
	} else {
		if (bt.n == bt.cap) {
			bt.cap = bt.cap ? bt.cap * 2 : 64;
			if (bt.cap > BAN_MAX_ENTRIES)
				bt.cap = BAN_MAX_ENTRIES;
			bt.e = xreallocarray(bt.e, bt.cap, sizeof *bt.e);
		}
		i = ++bt.n;
	}
	x = BE(i);
	memset(x, 0, sizeof *x);
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

/* Milliseconds left of the ban on key, or on its /48 or /32; locked. */
static uint64_t
ban_left(const uint8_t key[16], uint64_t now_ms)
{
	static const int plens[] = { 48, 32 };
	uint8_t          pkey[16];
	uint32_t         i;
	size_t           k;

	if ((i = ban_find(key)) != BAN_NONE && BE(i)->until_ms > now_ms)
		return BE(i)->until_ms - now_ms;
	if (ban_key_plen(key) != 64)
		return 0;
	for (k = 0; k < sizeof plens / sizeof plens[0]; k++) {
		ban_prefix_key(key, plens[k], pkey);
		if ((i = ban_find(pkey)) != BAN_NONE &&
		    BE(i)->until_ms > now_ms)
			return BE(i)->until_ms - now_ms;
	}
	return 0;
}

/*
 * One more failure of key within window_ms, counted on its entry (made if
 * need be, and made most recent); BAN_NONE when key is banned already.
 */
static uint32_t
ban_count(const uint8_t key[16], uint64_t window_ms, uint64_t now_ms)
{
	struct ban_entry *x;
	uint32_t          i;

	if ((i = ban_find(key)) == BAN_NONE)
		i = ban_new(key);
	x = BE(i);
	if (x->until_ms > now_ms)
		return BAN_NONE;
	if (x->until_ms != 0)
		ban_unmake(i);
	ban_lru_unlink(i);
	ban_lru_front(i);
	if (x->fails == 0 || now_ms - x->first_ms > window_ms) {
		x->fails = 0;
		x->first_ms = now_ms;
	}
	x->fails++;
	return i;
}

/*
 * A /64 was just banned: one more toward a ban of its /48, and a /48's
 * toward its /32 (BAN_WIDEN_AFTER of them banned within time_ms).  An
 * address space of many /64s buys an attacker BAN_WIDEN_AFTER bans, not
 * a table full of them.  Returns the prefix length of the widest ban
 * made: 64, 48 or 32.
 */
static int
ban_widen(const uint8_t key64[16], uint64_t time_ms, uint64_t now_ms)
{
	static const int plens[] = { 48, 32 };
	uint8_t          key[16];
	uint32_t         i;
	int              widest = 64;
	size_t           k;

	for (k = 0; k < sizeof plens / sizeof plens[0]; k++) {
		ban_prefix_key(key64, plens[k], key);
		if ((i = ban_count(key, time_ms, now_ms)) == BAN_NONE ||
		    BE(i)->fails < BAN_WIDEN_AFTER)
			break;
		ban_make(i, now_ms + time_ms);
		ban_event_add(key, BE(i)->until_ms);
		widest = plens[k];
	}
	return widest;
}

int
ban_fail(int family, const uint8_t *addr, unsigned after, uint64_t window_ms,
    uint64_t time_ms, uint64_t now_ms)
{
	struct ban_entry *x;
	uint8_t           key[16];
	uint32_t          i;
	int               banned = 0, w;

	if (after == 0)
		return 0;
	client_key(family, addr, key);
	pthread_mutex_lock(&bt.lock);
	/* Inside a banned /48 or /32 a /64 is banned already: no entry. */
	if (ban_left(key, now_ms) != 0 ||
	    (i = ban_count(key, window_ms, now_ms)) == BAN_NONE)
		goto out;
	x = BE(i);
	if (x->fails >= after) {
		ban_make(i, now_ms + time_ms);
		ban_event_add(key, x->until_ms);
		__atomic_add_fetch(&bt.changes, 1, __ATOMIC_RELAXED);
		banned = 1;
		if (ban_key_plen(key) == 64 &&
		    (w = ban_widen(key, time_ms, now_ms)) != 64)
			banned = w;
	}
out:
	pthread_mutex_unlock(&bt.lock);
	return banned;
}

uint64_t
ban_check(int family, const uint8_t *addr, uint64_t now_ms)
{
	uint8_t  key[16];
	uint64_t left;

	if (__atomic_load_n(&bt.nbanned, __ATOMIC_RELAXED) == 0)
		return 0;
	client_key(family, addr, key);
	pthread_mutex_lock(&bt.lock);
	left = ban_left(key, now_ms);
	pthread_mutex_unlock(&bt.lock);
	return left;
}

int
ban_add(const char *addr, uint64_t until_ms)
{
	uint8_t  key[16];
	uint32_t i;

	if (ban_key_parse(addr, key) != 0 || until_ms == 0 ||
	    until_ms > BAN_MAX_UNTIL_MS)
		return -1;
	pthread_mutex_lock(&bt.lock);
	if ((i = ban_find(key)) == BAN_NONE)
		i = ban_new(key);
	ban_make(i, until_ms);
	__atomic_add_fetch(&bt.changes, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&bt.lock);
	return 0;
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

struct ban_snap {
	uint64_t until_ms;
	uint8_t  key[16];
};

static int
ban_snap_cmp(const void *a, const void *b)
{
	const struct ban_snap *x = a, *y = b;

	/*
	 * The last to end first: bans that run out between two pages leave
	 * from the end and shift no page a client has yet to ask for.
	 */
	if (x->until_ms != y->until_ms)
		return x->until_ms > y->until_ms ? -1 : 1;
	return memcmp(x->key, y->key, 16);
}

size_t
ban_list(struct ban_info **out, uint64_t now_ms, size_t offset, size_t count,
    size_t *total)
{
	struct ban_snap *snap;
	struct ban_info *list;
	size_t           n = 0, k, i;
	uint32_t         s;

	/* Copied under the lock (24 bytes a ban), sorted and written after. */
	pthread_mutex_lock(&bt.lock);
	snap = xreallocarray(NULL, bt.nbanned > 0 ? (size_t)bt.nbanned : 1,
	    sizeof *snap);
	for (s = 1; s <= (uint32_t)bt.nbanned; s++) {
		struct ban_entry *x = BE(bt.heap[s]);

		if (x->until_ms <= now_ms)
			continue;
		snap[n].until_ms = x->until_ms;
		memcpy(snap[n].key, x->key, 16);
		n++;
	}
	pthread_mutex_unlock(&bt.lock);
	if (n > 1)
		qsort(snap, n, sizeof *snap, ban_snap_cmp);
	if (total != NULL)
		*total = n;
	k = offset < n ? n - offset : 0;
	if (k > count)
		k = count;
	list = xreallocarray(NULL, k > 0 ? k : 1, sizeof *list);
	for (i = 0; i < k; i++) {
		ban_key_text(snap[offset + i].key, list[i].addr,
		    sizeof list[i].addr);
		list[i].until_ms = snap[offset + i].until_ms;
	}
	free(snap);
	*out = list;
	return k;
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
	/* Bans that ran out, from the top of the heap; bounded per call. */
	for (k = 0;
	     k < 4096 && bt.nbanned > 0 && BE(bt.heap[1])->until_ms <= now_ms;
	     k++)
		ban_remove(bt.heap[1]);
	/* Counters past any window: from the LRU end. */
	for (i = bt.tail, k = 0; i != BAN_NONE && k < 1024; i = prev, k++) {
		prev = BE(i)->u.lru.prev;
		if (now_ms - BE(i)->first_ms > BAN_STALE_MS)
			ban_remove(i);
	}
	pthread_mutex_unlock(&bt.lock);
	if (cb == NULL || n == 0)
		return;
	buf_init(&b, 0);
	for (k = 0; k < n; k++) {
		buf_reset(&b);
		ban_key_text(evs[k].key, text, sizeof text);
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
	free(bt.heap);
	bt.e = NULL;
	bt.buckets = NULL;
	bt.heap = NULL;
	bt.n = bt.cap = bt.free = bt.head = bt.tail = bt.heapcap = 0;
	__atomic_store_n(&bt.nbanned, 0, __ATOMIC_RELAXED);
	bt.evseen = bt.evseq;
	pthread_mutex_unlock(&bt.lock);
}
