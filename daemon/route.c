/* SPDX-License-Identifier: ISC */
/* Route selection: exact, wildcard, then any host; longest path in each. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "route.h"
#include "util.h"

#define ROUTE_HOST_MAX 255 /* longer Host values match only any-host */

enum route_kind {
	ROUTE_EXACT = 0,
	ROUTE_WILD,
	ROUTE_ANY,
};

/* The routes that share one host key, longest path first. */
struct route_set {
	const char               *key; /* host, or ".suffix" of "*.suffix" */
	size_t                    keylen;
	const struct route_conf **routes;
	size_t                    n;
};

struct route {
	struct route_set         *exact; /* by (keylen, bytes) */
	size_t                    nexact;
	struct route_set         *wild; /* longest suffix first */
	size_t                    nwild;
	struct route_set          any;
	const struct route_conf **all; /* backing store of the sets */
};

struct route_entry {
	enum route_kind          kind;
	const char              *key;
	size_t                   keylen;
	const struct route_conf *rc;
};

static int
route_key_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static int
route_entry_cmp(const void *va, const void *vb)
{
	const struct route_entry *a = va, *b = vb;
	int                       c;

	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->kind == ROUTE_WILD && a->keylen != b->keylen)
		return a->keylen > b->keylen ? -1 : 1;
	if ((c = route_key_cmp(a->key, a->keylen, b->key, b->keylen)) != 0)
		return c;
	if (a->rc->path_len != b->rc->path_len)
		return a->rc->path_len > b->rc->path_len ? -1 : 1;
	if ((c = strcmp(a->rc->path, b->rc->path)) != 0)
		return c;
	if (a->rc->index != b->rc->index)
		return a->rc->index < b->rc->index ? -1 : 1;
	return 0;
}

void
route_free(struct route *rt)
{
	if (rt == NULL)
		return;
	free(rt->exact);
	free(rt->wild);
	free(rt->all);
	free(rt);
}

int
route_build(struct config *cf, char *err, size_t errlen)
{
	struct route_entry      *e;
	struct route            *rt;
	struct route_set        *set;
	const struct route_conf *r;
	size_t                   n = 0, i, j;

	if (errlen > 0)
		err[0] = '\0';
	for (i = 0; i < cf->nroutes; i++)
		n += cf->routes[i].nhosts == 0 ? 1 : cf->routes[i].nhosts;
	e = xcalloc(n, sizeof *e);
	n = 0;
	for (i = 0; i < cf->nroutes; i++) {
		r = &cf->routes[i];
		if (r->nhosts == 0) {
			e[n].kind = ROUTE_ANY;
			e[n].key = "";
			e[n++].rc = r;
			continue;
		}
		for (j = 0; j < r->nhosts; j++) {
			e[n].rc = r;
			if (strncmp(r->hosts[j], "*.", 2) == 0) {
				e[n].kind = ROUTE_WILD;
				e[n].key = r->hosts[j] + 1;
			} else {
				e[n].kind = ROUTE_EXACT;
				e[n].key = r->hosts[j];
			}
			e[n].keylen = strlen(e[n].key);
			n++;
		}
	}
	qsort(e, n, sizeof *e, route_entry_cmp);

	/* Sorted, a clash is two neighbours with equal key and path. */
	for (i = 1; i < n; i++) {
		if (e[i].kind != e[i - 1].kind ||
		    route_key_cmp(e[i].key, e[i].keylen, e[i - 1].key,
		        e[i - 1].keylen) != 0 ||
		    strcmp(e[i].rc->path, e[i - 1].rc->path) != 0 ||
		    e[i].rc == e[i - 1].rc)
			continue;
		snprintf(err, errlen,
		    "%s:%d: [route %s] host %s%s path %s: "
		    "same host and path as [route %s] at %s:%d, expected "
		    "each host and path in one route only",
		    e[i].rc->file, e[i].rc->line, e[i].rc->name,
		    e[i].kind == ROUTE_WILD ? "*" : "",
		    e[i].kind == ROUTE_ANY ? "(any)" : e[i].key, e[i].rc->path,
		    e[i - 1].rc->name, e[i - 1].rc->file, e[i - 1].rc->line);
		free(e);
		return -1;
	}

	rt = xcalloc(1, sizeof *rt);
	rt->all = xcalloc(n, sizeof *rt->all);
	for (i = 0; i < n; i++) {
		rt->all[i] = e[i].rc;
		if (i > 0 && e[i].kind == e[i - 1].kind &&
		    route_key_cmp(e[i].key, e[i].keylen, e[i - 1].key,
		        e[i - 1].keylen) == 0) {
			set = e[i].kind == ROUTE_EXACT ?
			    &rt->exact[rt->nexact - 1] :
			    e[i].kind == ROUTE_WILD ? &rt->wild[rt->nwild - 1] :
			                              &rt->any;
			set->n++;
			continue;
		}
		switch (e[i].kind) {
		case ROUTE_EXACT:
			rt->exact = xreallocarray(rt->exact, rt->nexact + 1,
			    sizeof *rt->exact);
			set = &rt->exact[rt->nexact++];
			break;
		case ROUTE_WILD:
			rt->wild = xreallocarray(rt->wild, rt->nwild + 1,
			    sizeof *rt->wild);
			set = &rt->wild[rt->nwild++];
			break;
		default:
			set = &rt->any;
			break;
		}
		set->key = e[i].key;
		set->keylen = e[i].keylen;
		set->routes = &rt->all[i];
		set->n = 1;
	}
	free(e);
	route_free(cf->router);
	cf->router = rt;
	return 0;
}

int
route_path_match(const char *prefix, size_t prefixlen, const char *path,
    size_t pathlen)
{
	if (prefixlen == 1 && prefix[0] == '/')
		return 1;
	if (pathlen < prefixlen || memcmp(prefix, path, prefixlen) != 0)
		return 0;
	return pathlen == prefixlen || path[prefixlen] == '/' ||
	    path[prefixlen] == '?';
}

static const struct route_conf *
route_set_match(const struct route_set *set, const char *path, size_t pathlen)
{
	size_t i;

	for (i = 0; i < set->n; i++) {
		if (route_path_match(set->routes[i]->path,
		        set->routes[i]->path_len, path, pathlen))
			return set->routes[i];
	}
	return NULL;
}

/* Lower case, no port, no trailing dot; (size_t)-1 if it cannot be a key. */
static size_t
route_host_normalise(const char *host, size_t hostlen, char *out)
{
	const char *end;
	size_t      len, i;

	if (hostlen > 0 && host[0] == '[') {
		if ((end = memchr(host, ']', hostlen)) == NULL)
			return (size_t)-1;
		len = (size_t)(end - host) + 1;
	} else {
		end = memchr(host, ':', hostlen);
		len = end != NULL ? (size_t)(end - host) : hostlen;
		if (len > 0 && host[len - 1] == '.')
			len--;
	}
	if (len == 0 || len > ROUTE_HOST_MAX)
		return (size_t)-1;
	for (i = 0; i < len; i++)
		out[i] = (char)fd_tolower((unsigned char)host[i]);
	return len;
}

const struct route_conf *
route_match(const struct config *cf, const char *host, size_t hostlen,
    const char *path, size_t pathlen)
{
	const struct route      *rt = cf->router;
	const struct route_conf *r;
	const struct route_set  *set;
	char                     h[ROUTE_HOST_MAX];
	size_t                   len, lo, hi, mid, i;
	int                      c;

	if (rt == NULL)
		return NULL;
	len =
	    host != NULL ? route_host_normalise(host, hostlen, h) : (size_t)-1;
	if (len != (size_t)-1) {
		lo = 0;
		hi = rt->nexact;
		while (lo < hi) {
			mid = lo + (hi - lo) / 2;
			set = &rt->exact[mid];
			c = route_key_cmp(h, len, set->key, set->keylen);
			if (c == 0) {
				if ((r = route_set_match(set, path, pathlen)) !=
				    NULL)
					return r;
				break;
			}
			if (c < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
		for (i = 0; i < rt->nwild; i++) {
			set = &rt->wild[i];
			if (len <= set->keylen ||
			    memcmp(h + len - set->keylen, set->key,
			        set->keylen) != 0)
				continue;
			if ((r = route_set_match(set, path, pathlen)) != NULL)
				return r;
		}
	}
	return route_set_match(&rt->any, path, pathlen);
}
