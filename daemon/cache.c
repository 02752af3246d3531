/* SPDX-License-Identifier: ISC */
/* The response cache: per route, in memory, LRU within a size, shared by workers. */

#include <sys/random.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cache.h"
#include "config.h"
#include "log.h"
#include "parse.h"
#include "stats.h"
#include "util.h"

/*
 * One route's cache.  Its lock guards the table, the LRU list, the counts
 * and every entry's refs and state; critical sections are short (no I/O,
 * no allocation larger than an entry's growth).  A route's cache lives
 * until exit once created (workers read caches[] without a lock), and is
 * emptied, not freed, when the route changes or goes.
 */
struct route_cache {
	pthread_mutex_t      lock;
	struct cache_entry **table;
	size_t               nbuckets; /* power of two */
	size_t               nentries;
	uint64_t             used;
	uint64_t             max; /* 0: off */
	uint64_t             fingerprint;
	struct cache_entry  *lru_head; /* READY entries only */
	struct cache_entry  *lru_tail;
	uint64_t             seq; /* the last entry's cache_entry.seq */
};

static struct route_cache *caches[STATS_MAX_ROUTES];

/*
 * The key hash's secret: keys chosen to share a chain would make every
 * look-up of them slow.  Drawn when the first route cache is made, before
 * any worker can see one, and again only after cache_shutdown().
 */
static uint64_t cache_seed[2];
static int      cache_seeded;

static uint64_t
fnv(uint64_t h, const void *p, size_t len)
{
	const unsigned char *s = p;
	size_t               i;

	for (i = 0; i < len; i++)
		h = (h ^ s[i]) * 1099511628211ull;
	return h;
}

static uint64_t
fnv_str(uint64_t h, const char *s)
{
	h = fnv(h, s != NULL ? s : "\1", s != NULL ? strlen(s) + 1 : 1);
	return h;
}

static uint64_t
fnv_u64(uint64_t h, uint64_t v)
{
	return fnv(h, &v, sizeof v);
}

/* Everything of a route that could change what it serves. */
static uint64_t
cache_fingerprint(const struct route_conf *r)
{
	uint64_t h = 1469598103934665603ull;
	size_t   i;

	h = fnv_str(h, r->name);
	for (i = 0; i < r->nhosts; i++)
		h = fnv_str(h, r->hosts[i]);
	h = fnv_str(h, r->path);
	for (i = 0; i < r->nbackends; i++)
		h = fnv_str(h, r->backends[i].name);
	for (i = 0; i < r->nallow; i++)
		h = fnv(fnv_u64(fnv_u64(h, (uint64_t)r->allow[i].family),
		            r->allow[i].bits),
		    r->allow[i].addr, sizeof r->allow[i].addr);
	for (i = 0; i < r->ndeny; i++)
		h = fnv(fnv_u64(fnv_u64(h, (uint64_t)r->deny[i].family),
		            r->deny[i].bits),
		    r->deny[i].addr, sizeof r->deny[i].addr);
	h = fnv_u64(h, r->nhosts);
	h = fnv_u64(h, r->nbackends);
	h = fnv_u64(h, r->nallow);
	h = fnv_u64(h, r->ndeny);
	h = fnv_u64(h, (uint64_t)r->strip_path);
	h = fnv_u64(h, (uint64_t)r->preserve_host);
	h = fnv_u64(h, (uint64_t)r->websocket);
	h = fnv_u64(h, (uint64_t)r->enabled);
	h = fnv_u64(h, (uint64_t)r->balance);
	h = fnv_u64(h, (uint64_t)r->https_redirect);
	h = fnv_u64(h, r->connect_timeout_ms);
	h = fnv_u64(h, r->backend_timeout_ms);
	h = fnv_u64(h, r->backend_read_timeout_ms);
	h = fnv_u64(h, r->max_body_size);
	h = fnv_u64(h, r->rate_interval_us);
	h = fnv_u64(h, r->rate_burst);
	h = fnv_u64(h, (uint64_t)r->compress);
	h = fnv_u64(h, r->compress_min_size);
	h = fnv_u64(h, r->cache_size);
	h = fnv_u64(h, (uint64_t)r->cache_ignore_cookies);
	h = fnv_str(h, r->health_path);
	h = fnv_str(h, r->maintenance_page);
	h = fnv_str(h, r->auth_file);
	h = fnv_str(h, r->auth_realm);
	h = fnv_str(h, r->allow_countries);
	h = fnv_str(h, r->deny_countries);
	h = fnv_str(h, r->compress_types);
	return h;
}

/* Under the lock.  Take e out of the table and the LRU list; drop its ref. */
static void cache_unlink(struct route_cache *, struct cache_entry *);

static void
cache_entry_free(struct cache_entry *e)
{
	free(e->head);
	free(e->body);
	free(e->key);
	free(e->vary_names);
	free(e->vary_vals);
	free(e);
}

/* Under the lock. */
static void
cache_unref_locked(struct cache_entry *e)
{
	if (--e->refs == 0)
		cache_entry_free(e);
}

static void
lru_remove(struct route_cache *rc, struct cache_entry *e)
{
	if (e->lprev != NULL)
		e->lprev->lnext = e->lnext;
	else if (rc->lru_head == e)
		rc->lru_head = e->lnext;
	if (e->lnext != NULL)
		e->lnext->lprev = e->lprev;
	else if (rc->lru_tail == e)
		rc->lru_tail = e->lprev;
	e->lprev = e->lnext = NULL;
}

static void
lru_front(struct route_cache *rc, struct cache_entry *e)
{
	e->lnext = rc->lru_head;
	e->lprev = NULL;
	if (rc->lru_head != NULL)
		rc->lru_head->lprev = e;
	rc->lru_head = e;
	if (rc->lru_tail == NULL)
		rc->lru_tail = e;
}

static void
cache_unlink(struct route_cache *rc, struct cache_entry *e)
{
	struct cache_entry **pp;

	if (e->state == CACHE_DEAD)
		return;
	for (pp = &rc->table[e->hash & (rc->nbuckets - 1)]; *pp != NULL;
	     pp = &(*pp)->hnext) {
		if (*pp == e) {
			*pp = e->hnext;
			break;
		}
	}
	e->hnext = NULL;
	if (e->state == CACHE_READY)
		lru_remove(rc, e);
	e->state = CACHE_DEAD;
	rc->used -= e->size;
	rc->nentries--;
	cache_unref_locked(e);
}

/* Under the lock: make room for need more bytes by evicting READY entries. */
static int
cache_evict(struct route_cache *rc, uint64_t need)
{
	while (rc->used + need > rc->max && rc->lru_tail != NULL)
		cache_unlink(rc, rc->lru_tail);
	return rc->used + need > rc->max ? -1 : 0;
}

static void
cache_empty_locked(struct route_cache *rc)
{
	size_t i;

	for (i = 0; i < rc->nbuckets; i++) {
		while (rc->table[i] != NULL)
			cache_unlink(rc, rc->table[i]);
	}
}

static void
cache_seed_init(void)
{
	if (cache_seeded)
		return;
	if (getrandom(cache_seed, sizeof cache_seed, 0) != sizeof cache_seed) {
		cache_seed[0] = (uint64_t)(uintptr_t)&cache_seed ^ fd_wall_us();
		cache_seed[1] =
		    cache_seed[0] * 0x9e3779b97f4a7c15ull ^ fd_now_ms();
	}
	cache_seeded = 1;
}

void
cache_configure(const struct config *cfg)
{
	static unsigned char     seen[STATS_MAX_ROUTES];
	const struct route_conf *r;
	struct route_cache      *rc;
	uint64_t                 fp;
	size_t                   i;

	memset(seen, 0, sizeof seen);
	for (i = 0; i < cfg->nroutes; i++) {
		r = &cfg->routes[i];
		if (r->id == 0 || r->id >= STATS_MAX_ROUTES)
			continue; /* the shared overflow slot gets no cache */
		seen[r->id] = 1;
		fp = cache_fingerprint(r);
		rc = caches[r->id];
		if (rc == NULL) {
			if (r->cache_size == 0)
				continue;
			cache_seed_init();
			rc = xcalloc(1, sizeof *rc);
			pthread_mutex_init(&rc->lock, NULL);
			rc->nbuckets = 64;
			rc->table = xcalloc(rc->nbuckets, sizeof *rc->table);
			rc->max = r->cache_size;
			rc->fingerprint = fp;
			__atomic_store_n(&caches[r->id], rc, __ATOMIC_RELEASE);
			continue;
		}
		pthread_mutex_lock(&rc->lock);
		if (rc->fingerprint != fp) {
			if (rc->nentries > 0)
				log_info(
				    "route %s changed: its cache is emptied",
				    r->name);
			cache_empty_locked(rc);
		}
		rc->fingerprint = fp;
		rc->max = r->cache_size;
		pthread_mutex_unlock(&rc->lock);
	}
	/* Routes gone from the configuration keep no entries. */
	for (i = 1; i < STATS_MAX_ROUTES; i++) {
		if (seen[i] || (rc = caches[i]) == NULL)
			continue;
		pthread_mutex_lock(&rc->lock);
		cache_empty_locked(rc);
		rc->max = 0;
		rc->fingerprint = 0;
		pthread_mutex_unlock(&rc->lock);
	}
}

void
cache_shutdown(void)
{
	struct route_cache *rc;
	size_t              i;

	for (i = 0; i < STATS_MAX_ROUTES; i++) {
		if ((rc = caches[i]) == NULL)
			continue;
		pthread_mutex_lock(&rc->lock);
		cache_empty_locked(rc);
		pthread_mutex_unlock(&rc->lock);
		/* Entries still referenced were freed by their last holder. */
		pthread_mutex_destroy(&rc->lock);
		free(rc->table);
		free(rc);
		caches[i] = NULL;
	}
	cache_seeded = 0;
}

static struct route_cache *
cache_get(unsigned route)
{
	if (route == 0 || route >= STATS_MAX_ROUTES)
		return NULL;
	return __atomic_load_n(&caches[route], __ATOMIC_ACQUIRE);
}

const char *
cache_head_value(const char *head, size_t len, const char *name, size_t *vlen)
{
	const char *p = head, *end = head + len, *eol, *colon, *v;
	size_t      nl = strlen(name);

	/* Skip the request line. */
	if ((eol = memmem(p, len, "\r\n", 2)) == NULL)
		return NULL;
	for (p = eol + 2; p < end; p = eol + 2) {
		if ((eol = memmem(p, (size_t)(end - p), "\r\n", 2)) == NULL ||
		    eol == p)
			return NULL;
		colon = memchr(p, ':', (size_t)(eol - p));
		if (colon == NULL ||
		    !fd_strncaseeq(p, (size_t)(colon - p), name, nl))
			continue;
		for (v = colon + 1; v < eol && (*v == ' ' || *v == '\t'); v++)
			;
		*vlen = (size_t)(eol - v);
		while (
		    *vlen > 0 && (v[*vlen - 1] == ' ' || v[*vlen - 1] == '\t'))
			(*vlen)--;
		return v;
	}
	return NULL;
}

static int
ows(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The request's values for a Vary list into b: "value\n" per name, every
 * header of that name joined by ",", white space dropped around the commas
 * and at the ends (not within an element: "a b" is not "ab"), then a NUL.
 */
static void
vary_values(struct buf *b, const char *names, const char *head, size_t len)
{
	const char *p, *e, *lp, *lend = head + len, *eol, *colon, *v, *ve;
	const char *c, *s, *se;
	int         n;

	buf_reset(b);
	for (p = names; *p != '\0'; p = *e == ',' ? e + 1 : e) {
		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		n = 0;
		eol = memmem(head, len, "\r\n", 2);
		for (lp = eol != NULL ? eol + 2 : lend; lp < lend;
		     lp = eol + 2) {
			eol = memmem(lp, (size_t)(lend - lp), "\r\n", 2);
			if (eol == NULL || eol == lp)
				break;
			colon = memchr(lp, ':', (size_t)(eol - lp));
			if (colon == NULL ||
			    !fd_strncaseeq(lp, (size_t)(colon - lp), p,
			        (size_t)(e - p)))
				continue;
			if (n++ > 0)
				buf_append(b, ",", 1);
			for (v = colon + 1, ve = eol;; v = c + 1) {
				c = memchr(v, ',', (size_t)(ve - v));
				se = c != NULL ? c : ve;
				for (s = v; s < se && ows(*s); s++)
					;
				while (se > s && ows(se[-1]))
					se--;
				buf_append(b, s, (size_t)(se - s));
				if (c == NULL)
					break;
				buf_append(b, ",", 1);
			}
		}
		buf_append(b, "\n", 1);
	}
	buf_append(b, "", 1);
}

static int
cache_fresh(const struct cache_entry *e, uint64_t now)
{
	return cache_entry_age(e, now) < e->lifetime_s;
}

uint64_t
cache_entry_age(const struct cache_entry *e, uint64_t now)
{
	return e->age0_s + (now > e->stored_s ? now - e->stored_s : 0);
}

/*
 * The key hash: SipHash-1-3 under cache_seed, a word at a time, over the
 * scheme, the host's length, the host (ASCII case folded) and the path.
 */
struct key_hash {
	uint64_t v0, v1, v2, v3;
	uint64_t tail; /* the bytes after the last whole word */
	size_t   len;
};

#define ROTL64(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline void
sip_round(struct key_hash *k)
{
	k->v0 += k->v1;
	k->v1 = ROTL64(k->v1, 13);
	k->v1 ^= k->v0;
	k->v0 = ROTL64(k->v0, 32);
	k->v2 += k->v3;
	k->v3 = ROTL64(k->v3, 16);
	k->v3 ^= k->v2;
	k->v0 += k->v3;
	k->v3 = ROTL64(k->v3, 21);
	k->v3 ^= k->v0;
	k->v2 += k->v1;
	k->v1 = ROTL64(k->v1, 17);
	k->v1 ^= k->v2;
	k->v2 = ROTL64(k->v2, 32);
}

static inline void
key_hash_word(struct key_hash *k, uint64_t m)
{
	k->v3 ^= m;
	sip_round(k);
	k->v0 ^= m;
}

/* fold: or'ed into every byte (0x20...: ASCII case does not count). */
static void
key_hash_add(struct key_hash *k, const void *data, size_t n, uint64_t fold)
{
	const unsigned char *p = data;
	size_t               t = k->len & 7;
	uint64_t             m;

	k->len += n;
	for (; t != 0 && n > 0; p++, n--) {
		k->tail |= (uint64_t)(*p | (fold & 0xff)) << (8 * t);
		if (++t == 8) {
			key_hash_word(k, k->tail);
			k->tail = 0;
			t = 0;
		}
	}
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&m, p, 8);
		key_hash_word(k, m | fold);
	}
	for (t = 0; t < n; t++)
		k->tail |= (uint64_t)(p[t] | (fold & 0xff)) << (8 * t);
}

static uint64_t
cache_hash(const struct cache_req *req)
{
	struct key_hash k;
	uint64_t        pre[2] = { req->tls != 0, req->host_len };

	k.v0 = cache_seed[0] ^ 0x736f6d6570736575ull;
	k.v1 = cache_seed[1] ^ 0x646f72616e646f6dull;
	k.v2 = cache_seed[0] ^ 0x6c7967656e657261ull;
	k.v3 = cache_seed[1] ^ 0x7465646279746573ull;
	k.tail = 0;
	k.len = 0;
	key_hash_add(&k, pre, sizeof pre, 0);
	key_hash_add(&k, req->host, req->host_len, 0x2020202020202020ull);
	key_hash_add(&k, req->path, req->path_len, 0);
	key_hash_word(&k, k.tail | (uint64_t)k.len << 56);
	k.v2 ^= 0xff;
	sip_round(&k);
	sip_round(&k);
	sip_round(&k);
	return k.v0 ^ k.v1 ^ k.v2 ^ k.v3;
}

static int
cache_key_eq(const struct cache_entry *e, const struct cache_req *req)
{
	return e->tls == (req->tls != 0) &&
	    e->key_len == req->host_len + 1 + req->path_len &&
	    fd_strncaseeq(e->key, req->host_len, req->host, req->host_len) &&
	    memcmp(e->key + e->path_off, req->path, req->path_len) == 0;
}

/* Two entries for one key (variants of it, maybe). */
static int
cache_same_key(const struct cache_entry *a, const struct cache_entry *b)
{
	return a->hash == b->hash && a->tls == b->tls &&
	    a->key_len == b->key_len && a->path_off == b->path_off &&
	    fd_strncaseeq(a->key, a->path_off, b->key, b->path_off) &&
	    memcmp(a->key + a->path_off, b->key + b->path_off,
	        a->key_len - a->path_off) == 0;
}

static void
cache_grow_table(struct route_cache *rc)
{
	struct cache_entry **t, *e, *next;
	size_t               i, n = rc->nbuckets * 2;

	t = xcalloc(n, sizeof *t);
	for (i = 0; i < rc->nbuckets; i++) {
		for (e = rc->table[i]; e != NULL; e = next) {
			next = e->hnext;
			e->hnext = t[e->hash & (n - 1)];
			t[e->hash & (n - 1)] = e;
		}
	}
	free(rc->table);
	rc->table = t;
	rc->nbuckets = n;
}

enum cache_found
cache_lookup(unsigned route, const struct cache_req *req, int may_fill,
    uint64_t now, struct cache_entry **out, struct cache_entry **stale)
{
	struct route_cache *rc = cache_get(route);
	struct cache_entry *e, *next, *filling = NULL, *old = NULL;
	int                 fresh;
	struct buf          vals;
	const char         *vnames = NULL; /* what vals are the values of */
	uint64_t            h;
	size_t              size;

	*out = NULL;
	if (stale != NULL)
		*stale = NULL;
	if (rc == NULL)
		return CACHE_OFF;
	h = cache_hash(req);
	buf_init(&vals, 0);
	pthread_mutex_lock(&rc->lock);
	if (rc->max == 0) {
		pthread_mutex_unlock(&rc->lock);
		return CACHE_OFF;
	}
	for (e = rc->table[h & (rc->nbuckets - 1)]; e != NULL; e = next) {
		next = e->hnext;
		if (e->hash != h || !cache_key_eq(e, req))
			continue;
		if (e->state == CACHE_FILLING) {
			filling = e;
			continue;
		}
		fresh = cache_fresh(e, now);
		if (!fresh && (stale == NULL || !e->validators)) {
			if (e->vary_names == vnames)
				vnames = NULL;
			cache_unlink(rc, e);
			continue;
		}
		if (((req->restricted & CACHE_R_AUTH) && !e->auth_ok) ||
		    ((req->restricted & CACHE_R_COOKIE) && !e->public))
			continue;
		if (e->vary_names != NULL) {
			/* The request's values once per Vary list met. */
			if (vnames == NULL ||
			    strcmp(vnames, e->vary_names) != 0) {
				vary_values(&vals, e->vary_names, req->head,
				    req->head_len);
				vnames = e->vary_names;
			}
			if (strcmp(vals.data, e->vary_vals) != 0)
				continue;
		}
		if (!fresh) {
			/* Stale, but may be revalidated: kept for a fill. */
			if (old == NULL)
				old = e;
			continue;
		}
		e->refs++;
		lru_remove(rc, e);
		lru_front(rc, e);
		*out = e;
		pthread_mutex_unlock(&rc->lock);
		buf_free(&vals);
		return CACHE_HIT;
	}
	buf_free(&vals);
	if (filling != NULL) {
		filling->refs++;
		*out = filling;
		pthread_mutex_unlock(&rc->lock);
		return CACHE_WAIT;
	}
	if (!may_fill) {
		pthread_mutex_unlock(&rc->lock);
		return CACHE_NONE;
	}
	size = sizeof *e + req->host_len + 1 + req->path_len + 1;
	/* Held before evicting: making room may unlink (and free) it. */
	if (old != NULL)
		old->refs++;
	if (size > rc->max / 8 || cache_evict(rc, size) != 0) {
		if (old != NULL)
			cache_unref_locked(old);
		pthread_mutex_unlock(&rc->lock);
		return CACHE_NONE;
	}
	e = xcalloc(1, sizeof *e);
	e->rc = rc;
	e->hash = h;
	e->tls = req->tls != 0;
	e->key_len = req->host_len + 1 + req->path_len;
	e->key = xmalloc(e->key_len + 1);
	memcpy(e->key, req->host, req->host_len);
	e->key[req->host_len] = ' ';
	e->path_off = req->host_len + 1;
	memcpy(e->key + e->path_off, req->path, req->path_len);
	e->key[e->key_len] = '\0';
	e->size = size;
	e->refs = 2; /* the table's and the filler's */
	e->state = CACHE_FILLING;
	if (old != NULL)
		*stale = old; /* evicted meanwhile: DEAD, still readable */
	if (rc->nentries >= rc->nbuckets)
		cache_grow_table(rc);
	e->hnext = rc->table[h & (rc->nbuckets - 1)];
	rc->table[h & (rc->nbuckets - 1)] = e;
	rc->nentries++;
	rc->used += size;
	*out = e;
	pthread_mutex_unlock(&rc->lock);
	return CACHE_FILL;
}

int
cache_entry_state(struct cache_entry *e)
{
	int s;

	pthread_mutex_lock(&e->rc->lock);
	s = e->state;
	pthread_mutex_unlock(&e->rc->lock);
	return s;
}

void
cache_entry_release(struct cache_entry *e)
{
	struct route_cache *rc;

	if (e == NULL)
		return;
	rc = e->rc;
	pthread_mutex_lock(&rc->lock);
	cache_unref_locked(e);
	pthread_mutex_unlock(&rc->lock);
}

/* Under the lock: account delta more bytes to a FILLING entry. */
static int
cache_account(struct cache_entry *e, size_t delta)
{
	struct route_cache *rc = e->rc;

	if (e->state != CACHE_FILLING || e->size + delta > rc->max / 8 ||
	    cache_evict(rc, delta) != 0)
		return -1;
	e->size += delta;
	rc->used += delta;
	return 0;
}

int
cache_fill_head(struct cache_entry *e, const struct cache_req *req, int status,
    const char *head, size_t len, struct cache_meta *meta)
{
	struct buf b;
	char      *vals = NULL;
	size_t     add = len;
	int        r;

	if (meta->vary_names != NULL) {
		buf_init(&b, 0);
		vary_values(&b, meta->vary_names, req->head, req->head_len);
		vals = b.data;
		add += strlen(meta->vary_names) + strlen(vals) + 2;
	}
	pthread_mutex_lock(&e->rc->lock);
	r = cache_account(e, add);
	pthread_mutex_unlock(&e->rc->lock);
	if (r != 0) {
		free(vals);
		free(meta->vary_names);
		meta->vary_names = NULL;
		return -1;
	}
	/* Only the filler touches these until the entry is READY. */
	e->head = xmalloc(len);
	memcpy(e->head, head, len);
	e->head_len = len;
	e->status = status;
	e->public = meta->public;
	e->auth_ok = meta->auth_ok;
	e->validators = meta->validators;
	e->lifetime_s = meta->lifetime_s;
	e->age0_s = meta->age0_s;
	e->vary_names = meta->vary_names;
	e->vary_vals = vals;
	meta->vary_names = NULL;
	return 0;
}

int
cache_fill_body(struct cache_entry *e, const void *data, size_t len)
{
	size_t cap = e->body_cap;
	int    r;

	if (len == 0)
		return 0; /* nothing to copy, and maybe no buffer yet */
	if (e->body_len + len > cap) {
		cap = cap == 0 ? 4096 : cap;
		while (cap < e->body_len + len)
			cap *= 2;
		pthread_mutex_lock(&e->rc->lock);
		if ((r = cache_account(e, cap - e->body_cap)) != 0 &&
		    e->state == CACHE_FILLING) {
			/* Doubling overshoots: try the exact size. */
			cap = e->body_len + len;
			r = cache_account(e, cap - e->body_cap);
		}
		pthread_mutex_unlock(&e->rc->lock);
		if (r != 0)
			return -1;
		e->body = xrealloc(e->body, cap);
		e->body_cap = cap;
	}
	memcpy(e->body + e->body_len, data, len);
	e->body_len += len;
	return 0;
}

int
cache_fill_done(struct cache_entry *e)
{
	struct route_cache *rc = e->rc;
	struct cache_entry *o, *next, *oldest = NULL;
	size_t              n = 0;

	pthread_mutex_lock(&rc->lock);
	if (e->state != CACHE_FILLING) {
		pthread_mutex_unlock(&rc->lock);
		return -1;
	}
	/*
	 * An older copy of the same variant goes; so does the oldest variant
	 * of the key when it has CACHE_VARIANTS_MAX already, so no look-up
	 * meets more (a key is filled by one exchange at a time).
	 */
	for (o = rc->table[e->hash & (rc->nbuckets - 1)]; o != NULL; o = next) {
		next = o->hnext;
		if (o == e || o->state != CACHE_READY || !cache_same_key(o, e))
			continue;
		if ((o->vary_vals == NULL) == (e->vary_vals == NULL) &&
		    (o->vary_vals == NULL ||
		        strcmp(o->vary_vals, e->vary_vals) == 0)) {
			cache_unlink(rc, o);
			continue;
		}
		n++;
		if (oldest == NULL || o->seq < oldest->seq)
			oldest = o;
	}
	if (n >= CACHE_VARIANTS_MAX)
		cache_unlink(rc, oldest);
	e->seq = ++rc->seq;
	e->stored_s = (uint64_t)time(NULL);
	e->state = CACHE_READY;
	lru_front(rc, e);
	pthread_mutex_unlock(&rc->lock);
	return 0;
}

void
cache_fill_abandon(struct cache_entry *e)
{
	struct route_cache *rc = e->rc;

	pthread_mutex_lock(&rc->lock);
	if (e->state == CACHE_FILLING)
		cache_unlink(rc, e);
	pthread_mutex_unlock(&rc->lock);
}

size_t
cache_purge(unsigned route, const char *prefix)
{
	struct route_cache *rc = cache_get(route);
	struct cache_entry *e, *next;
	size_t              i, n = 0, pl = prefix != NULL ? strlen(prefix) : 0;

	if (rc == NULL)
		return 0;
	pthread_mutex_lock(&rc->lock);
	for (i = 0; i < rc->nbuckets; i++) {
		for (e = rc->table[i]; e != NULL; e = next) {
			next = e->hnext;
			if (prefix != NULL &&
			    (e->key_len - e->path_off < pl ||
			        memcmp(e->key + e->path_off, prefix, pl) != 0))
				continue;
			/* A fill under way is abandoned: its filler sees it. */
			if (e->state == CACHE_READY)
				n++;
			cache_unlink(rc, e);
		}
	}
	pthread_mutex_unlock(&rc->lock);
	return n;
}

size_t
cache_invalidate(unsigned route, const struct cache_req *req)
{
	struct route_cache *rc = cache_get(route);
	struct cache_entry *e, *next;
	uint64_t            h;
	size_t              n = 0;

	if (rc == NULL)
		return 0;
	h = cache_hash(req);
	pthread_mutex_lock(&rc->lock);
	for (e = rc->table[h & (rc->nbuckets - 1)]; e != NULL; e = next) {
		next = e->hnext;
		if (e->hash != h || !cache_key_eq(e, req))
			continue;
		/* A fill under way goes too: it may predate the change. */
		if (e->state == CACHE_READY)
			n++;
		cache_unlink(rc, e);
	}
	pthread_mutex_unlock(&rc->lock);
	return n;
}

void
cache_usage(unsigned route, uint64_t *entries, uint64_t *bytes, uint64_t *max)
{
	struct route_cache *rc = cache_get(route);
	struct cache_entry *e;
	uint64_t            n = 0;

	*entries = *bytes = *max = 0;
	if (rc == NULL)
		return;
	pthread_mutex_lock(&rc->lock);
	for (e = rc->lru_head; e != NULL; e = e->lnext)
		n++;
	*entries = n;
	*bytes = rc->used;
	*max = rc->max;
	pthread_mutex_unlock(&rc->lock);
}

/* Directives of Cache-Control, case-insensitive; *arg: its value. */
static int
cc_has(const struct http_header *h, const char *name, uint64_t *arg)
{
	const char *p = h->value, *end = h->value + h->value_len, *e, *eq;
	size_t      nl = strlen(name), tl;
	char        num[24];

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		for (e = p; e < end && *e != ','; e++) {
			if (*e != '"') /* a quoted value may hold commas */
				continue;
			for (e++; e < end && *e != '"'; e++)
				;
			if (e == end)
				break; /* unterminated */
		}
		eq = memchr(p, '=', (size_t)(e - p));
		tl = (size_t)((eq != NULL ? eq : e) - p);
		while (tl > 0 && (p[tl - 1] == ' ' || p[tl - 1] == '\t'))
			tl--;
		if (fd_strncaseeq(p, tl, name, nl)) {
			if (arg != NULL) {
				size_t      vl;
				const char *v = eq != NULL ? eq + 1 : e;

				while (v < e && (*v == ' ' || *v == '"'))
					v++;
				for (vl = 0;
				     v + vl < e && v[vl] >= '0' && v[vl] <= '9';
				     vl++)
					;
				if (vl == 0 || vl >= sizeof num)
					return 0; /* no usable number */
				memcpy(num, v, vl);
				num[vl] = '\0';
				*arg = strtoull(num, NULL, 10);
			}
			return 1;
		}
		p = e;
	}
	return 0;
}

static const char *const date_days[] = { "Monday", "Tuesday", "Wednesday",
	"Thursday", "Friday", "Saturday", "Sunday" };
static const char *const date_months[] = { "Jan", "Feb", "Mar", "Apr", "May",
	"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

/* n digits at s as a number, or -1. */
static int
date_digits(const char *s, size_t n)
{
	int    v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* A three-letter day name at s ("Sun"), or the whole one (long). */
static const char *
date_day(const char *s, const char *end, int whole)
{
	size_t i, n;

	for (i = 0; i < nitems(date_days); i++) {
		n = whole ? strlen(date_days[i]) : 3;
		if ((size_t)(end - s) >= n && memcmp(s, date_days[i], n) == 0)
			return s + n;
	}
	return NULL;
}

static int
date_month(const char *s)
{
	size_t i;

	for (i = 0; i < nitems(date_months); i++) {
		if (memcmp(s, date_months[i], 3) == 0)
			return (int)i + 1;
	}
	return -1;
}

/* "HH:MM:SS" at s into seconds of the day, or -1. */
static int64_t
date_time(const char *s)
{
	int h = date_digits(s, 2), m = date_digits(s + 3, 2),
	    sec = date_digits(s + 6, 2);

	if (s[2] != ':' || s[5] != ':' || h < 0 || h > 23 || m < 0 || m > 59 ||
	    sec < 0 || sec > 60)
		return -1;
	return (int64_t)h * 3600 + m * 60 + sec;
}

/* Days from 1970-01-01 to a valid civil date (H. Hinnant's algorithm). */
static int64_t
date_days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int64_t
date_make(int y, int mon, int d, int64_t tod)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };
	int              leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	if (y < 1970 || mon < 1 || d < 1 || d > mdays[mon - 1] ||
	    (mon == 2 && d == 29 && !leap) || tod < 0)
		return -1;
	return date_days_from_civil(y, mon, d) * 86400 + tod;
}

int64_t
cache_parse_date(const char *s, size_t len)
{
	const char *end = s + len, *p;
	int         d, mon, y, yy;
	time_t      t;
	struct tm   tm;

	if (len == 29 && date_day(s, end, 0) == s + 3 &&
	    memcmp(s + 3, ", ", 2) == 0 && s[7] == ' ' && s[11] == ' ' &&
	    s[16] == ' ' && s[25] == ' ' && memcmp(s + 26, "GMT", 3) == 0) {
		/* IMF-fixdate */
		d = date_digits(s + 5, 2);
		mon = date_month(s + 8);
		y = date_digits(s + 12, 4);
		if (d < 0 || y < 0)
			return -1;
		return date_make(y, mon, d, date_time(s + 17));
	}
	if (len == 24 && date_day(s, end, 0) == s + 3 && s[3] == ' ' &&
	    s[7] == ' ' && s[10] == ' ' && s[19] == ' ') {
		/* asctime: the day is a digit after a space, or two digits */
		mon = date_month(s + 4);
		d = s[8] == ' ' ? date_digits(s + 9, 1) : date_digits(s + 8, 2);
		y = date_digits(s + 20, 4);
		if (d < 0 || y < 0)
			return -1;
		return date_make(y, mon, d, date_time(s + 11));
	}
	/* RFC 850: the whole day name, then ", DD-Mon-YY HH:MM:SS GMT" */
	if ((p = date_day(s, end, 1)) == NULL || p == s + 3 || end - p != 24 ||
	    memcmp(p, ", ", 2) != 0 || p[4] != '-' || p[8] != '-' ||
	    p[11] != ' ' || p[20] != ' ' || memcmp(p + 21, "GMT", 3) != 0)
		return -1;
	d = date_digits(p + 2, 2);
	mon = date_month(p + 5);
	yy = date_digits(p + 9, 2);
	if (d < 0 || yy < 0)
		return -1;
	/* RFC 9110 5.6.7: more than 50 years ahead is the century before. */
	t = time(NULL);
	if (gmtime_r(&t, &tm) == NULL)
		return -1;
	y = (tm.tm_year + 1900) / 100 * 100 + yy;
	if (y > tm.tm_year + 1900 + 50)
		y -= 100;
	return date_make(y, mon, d, date_time(p + 12));
}

uint64_t
cache_parse_age(const char *v, size_t len)
{
	size_t   i, n;
	uint64_t age = 0;

	/* The first member: up to a comma, less the white space about it. */
	for (n = 0; n < len && v[n] != ','; n++)
		;
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	for (i = 0; i < n && (v[i] == ' ' || v[i] == '\t'); i++)
		;
	if (i == n)
		return 0; /* empty: ignored */
	for (; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 0; /* not delta-seconds: ignored */
		if (age < CACHE_AGE_MAX)
			age = age * 10 + (uint64_t)(v[i] - '0');
	}
	return MIN(age, CACHE_AGE_MAX);
}

/* Append the lower-cased tokens of a Vary value to list. */
static int
vary_names(struct buf *list, const struct http_header *h)
{
	const char *p = h->value, *end = p + h->value_len, *e;
	size_t      i, tl;

	while (p < end) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == ','))
			p++;
		for (e = p; e < end && *e != ','; e++)
			;
		tl = (size_t)(e - p);
		while (tl > 0 && (p[tl - 1] == ' ' || p[tl - 1] == '\t'))
			tl--;
		if (tl == 1 && p[0] == '*')
			return -1;
		if (tl > 0) {
			if (list->len > 0)
				buf_append(list, ",", 1);
			for (i = 0; i < tl; i++) {
				char c = p[i];

				if (c >= 'A' && c <= 'Z')
					c |= 0x20;
				buf_append(list, &c, 1);
			}
		}
		p = e;
	}
	return 0;
}

int
cache_storable(enum http_method meth, int status,
    const struct http_header *hdrs, size_t n, int restricted, uint64_t now,
    struct cache_meta *meta)
{
	const struct http_header *h;
	struct buf                vary;
	uint64_t                  v, smaxage = 0, maxage = 0, age = 0;
	int64_t                   expires = -2, date = -1;
	int                       has_s = 0, has_max = 0, has_age = 0;
	size_t                    i;

	memset(meta, 0, sizeof *meta);
	if (meth != HTTP_M_GET ||
	    (status != 200 && status != 301 && status != 404))
		return 0;
	buf_init(&vary, 0);
	for (i = 0; i < n; i++) {
		h = &hdrs[i];
		if (fd_strncaseeq(h->name, h->name_len, "Cache-Control", 13)) {
			if (cc_has(h, "no-store", NULL) ||
			    cc_has(h, "no-cache", NULL) ||
			    cc_has(h, "private", NULL))
				goto no;
			if (cc_has(h, "public", NULL))
				meta->public = meta->auth_ok = 1;
			if (cc_has(h, "must-revalidate", NULL))
				meta->auth_ok = 1;
			if (cc_has(h, "s-maxage", &v)) {
				has_s = meta->auth_ok = 1;
				smaxage = v;
			}
			if (cc_has(h, "max-age", &v)) {
				has_max = 1;
				maxage = v;
			}
		} else if (fd_strncaseeq(h->name, h->name_len, "Set-Cookie",
		               10))
			goto no;
		else if (fd_strncaseeq(h->name, h->name_len, "Vary", 4)) {
			if (vary_names(&vary, h) != 0)
				goto no;
		} else if (fd_strncaseeq(h->name, h->name_len, "Expires", 7))
			expires = cache_parse_date(h->value, h->value_len);
		else if (fd_strncaseeq(h->name, h->name_len, "ETag", 4) ||
		    fd_strncaseeq(h->name, h->name_len, "Last-Modified", 13))
			meta->validators = 1;
		else if (fd_strncaseeq(h->name, h->name_len, "Date", 4))
			date = cache_parse_date(h->value, h->value_len);
		else if (fd_strncaseeq(h->name, h->name_len, "Age", 3) &&
		    !has_age) {
			has_age = 1;
			age = cache_parse_age(h->value, h->value_len);
		}
	}
	if (((restricted & CACHE_R_AUTH) && !meta->auth_ok) ||
	    ((restricted & CACHE_R_COOKIE) && !meta->public))
		goto no;
	if (has_s)
		meta->lifetime_s = smaxage;
	else if (has_max)
		meta->lifetime_s = maxage;
	else if (expires >= 0) {
		int64_t base = date >= 0 ? date : (int64_t)now;

		meta->lifetime_s =
		    expires > base ? (uint64_t)(expires - base) : 0;
	} else
		goto no; /* no explicit freshness (or a bad Expires) */
	meta->age0_s = age;
	if (meta->lifetime_s <= age)
		goto no;
	if (vary.len > 0) {
		buf_append(&vary, "", 1);
		meta->vary_names = vary.data;
	} else
		buf_free(&vary);
	return 1;
no:
	buf_free(&vary);
	meta->vary_names = NULL;
	return 0;
}
