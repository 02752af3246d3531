/* SPDX-License-Identifier: ISC */
/* The cache fill filter: the body it passes on is stored in a cache entry. */

#include <stdlib.h>

#include "cache.h"
#include "filter.h"
#include "list.h"
#include "log.h"
#include "util.h"

struct filter_cache {
	struct body_filter  f;
	struct cache_entry *e; /* being filled; NULL once done or given up */
	const char         *id;
};

/* Let go of the entry; abandon: it will not be complete. */
static void
filter_cache_end(struct filter_cache *fc, int abandon)
{
	if (fc->e == NULL)
		return;
	if (abandon)
		cache_fill_abandon(fc->e);
	cache_entry_release(fc->e);
	fc->e = NULL;
}

static int
filter_cache_data(struct body_filter *f, char **data, size_t *n, int last)
{
	struct filter_cache *fc = container_of(f, struct filter_cache, f);

	if (fc->e == NULL)
		return 0;
	if (*n > 0 && cache_fill_body(fc->e, *data, *n) != 0) {
		/* The client still gets the body: only the copy is lost. */
		log_debug("request %s: not cached: too large or purged",
		    fc->id);
		filter_cache_end(fc, 1);
	} else if (last) {
		cache_fill_done(fc->e);
		filter_cache_end(fc, 0);
	}
	return 0;
}

static void
filter_cache_stop(struct body_filter *f)
{
	filter_cache_end(container_of(f, struct filter_cache, f), 1);
}

static void
filter_cache_free(struct body_filter *f)
{
	struct filter_cache *fc = container_of(f, struct filter_cache, f);

	filter_cache_end(fc, 1);
	free(fc);
}

static const struct body_filter_ops filter_cache_ops = {
	.data = filter_cache_data,
	.stop = filter_cache_stop,
	.free = filter_cache_free,
};

struct body_filter *
filter_cache_new(struct cache_entry *e, const char *id)
{
	struct filter_cache *fc = xcalloc(1, sizeof *fc);

	fc->f.ops = &filter_cache_ops;
	fc->e = e;
	fc->id = id;
	return &fc->f;
}
