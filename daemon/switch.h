/* SPDX-License-Identifier: ISC */
/* The owner's runtime switches on routes and backends, over the INI's word. */
#ifndef FD_SWITCH_H
#define FD_SWITCH_H

/*
 * What the control socket set for a route or a backend (enable, disable,
 * maintenance, drain), by the id stats_assign() gave it, so a switch
 * follows its route or backend across reloads.  0 means "as configured".
 * Id 0, the overflow slot of stats.h, is never switched.
 */
enum route_admin {
	ROUTE_ADMIN_NONE = 0,
	ROUTE_ADMIN_ENABLED,
	ROUTE_ADMIN_DISABLED,
	ROUTE_ADMIN_MAINTENANCE,
	ROUTE_ADMIN_DRAINING, /* disabled, open tunnels left to finish */
};
enum backend_admin {
	BACKEND_ADMIN_NONE = 0,
	BACKEND_ADMIN_ENABLED,
	BACKEND_ADMIN_DISABLED,
	BACKEND_ADMIN_DRAINING,
};

/* Read by workers per request; set by the main thread. */
enum route_admin   switch_route_get(unsigned id);
enum backend_admin switch_backend_get(unsigned id);
void               switch_route_set(unsigned id, enum route_admin);
void               switch_backend_set(unsigned id, enum backend_admin);

#endif
