/* SPDX-License-Identifier: ISC */
/* Route selection: which [route] answers a request for a host and path. */
#ifndef FD_ROUTE_H
#define FD_ROUTE_H

#include <stddef.h>

struct config;
struct route_conf;

/*
 * Build the lookup structure for config->routes into config->router.
 * Returns 0, or -1 with a message in err (errlen bytes) when two routes
 * claim the same host and path (both are named).
 */
int  route_build(struct config *, char *err, size_t errlen);
void route_free(struct route *);

/*
 * The route for a request, as frontdoor.ini(5) says: among routes whose host and
 * path match, an exact host beats a wildcard, a wildcard beats any-host,
 * then the longest path prefix (on segment boundaries) wins.  host may carry
 * a port and a trailing dot, and any case; path is the request target's path
 * (the query is ignored by the caller or stops at '?').  NULL: no route.
 * Allocation-free and thread-safe (read-only).
 */
const struct route_conf *route_match(const struct config *, const char *host,
    size_t hostlen, const char *path, size_t pathlen);

/* Whether path (pathlen bytes) has prefix on a segment boundary. */
int route_path_match(const char *prefix, size_t prefixlen, const char *path,
    size_t pathlen);

#endif
