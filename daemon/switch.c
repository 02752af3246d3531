/* SPDX-License-Identifier: ISC */
/* The owner's runtime switches on routes and backends, over the INI's word. */

#include <stdint.h>

#include "stats.h"
#include "switch.h"

/* One byte per id, zero (as configured) from the start. */
static uint8_t switch_routes[STATS_MAX_ROUTES];
static uint8_t switch_backends[STATS_MAX_BACKENDS];

enum route_admin
switch_route_get(unsigned id)
{
	return __atomic_load_n(&switch_routes[id], __ATOMIC_RELAXED);
}

enum backend_admin
switch_backend_get(unsigned id)
{
	return __atomic_load_n(&switch_backends[id], __ATOMIC_RELAXED);
}

void
switch_route_set(unsigned id, enum route_admin a)
{
	if (id != 0)
		__atomic_store_n(&switch_routes[id], a, __ATOMIC_RELAXED);
}

void
switch_backend_set(unsigned id, enum backend_admin a)
{
	if (id != 0)
		__atomic_store_n(&switch_backends[id], a, __ATOMIC_RELAXED);
}
