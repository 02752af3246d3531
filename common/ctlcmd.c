/* SPDX-License-Identifier: ISC */
/* The control commands: one table for frontdoord, frontdoor and "help". */

#include <string.h>

#include "ctlcmd.h"

/* frontdoor(1) describes each at length: the help lines agree with it. */
const struct ctlcmd ctlcmd_table[CTLCMD_COUNT] = {
	[CTLCMD_STATUS] = { "status", NULL, "status",
	    "version, uptime, configuration, listeners and totals", 0, 0, 0 },
	[CTLCMD_ROUTES] = { "routes", NULL, "routes",
	    "every route with its state and statistics", 0, 0, 0 },
	[CTLCMD_BACKENDS] = { "backends", NULL, "backends [ROUTE]",
	    "every backend (of ROUTE) with its state and statistics", 0, 1, 0 },
	[CTLCMD_ROUTE_ENABLE] = { "route", "enable", "route enable NAME",
	    "serve a route again", 1, 1, CTLCMD_ADMIN },
	[CTLCMD_ROUTE_DISABLE] = { "route", "disable", "route disable NAME",
	    "answer 503 for a route and close its open tunnels", 1, 1,
	    CTLCMD_ADMIN },
	[CTLCMD_ROUTE_DRAIN] = { "route", "drain", "route drain NAME",
	    "answer 503 for a route; its open tunnels finish", 1, 1,
	    CTLCMD_ADMIN },
	[CTLCMD_MAINTENANCE_ON] = { "maintenance", "on", "maintenance on NAME",
	    "answer with the maintenance page (503, Retry-After)", 1, 1,
	    CTLCMD_ADMIN },
	[CTLCMD_MAINTENANCE_OFF] = { "maintenance", "off",
	    "maintenance off NAME", "end a route's maintenance", 1, 1,
	    CTLCMD_ADMIN },
	[CTLCMD_BACKEND_ENABLE] = { "backend", "enable",
	    "backend enable ROUTE ADDR", "send requests to a backend again", 2,
	    2, CTLCMD_ADMIN },
	[CTLCMD_BACKEND_DISABLE] = { "backend", "disable",
	    "backend disable ROUTE ADDR", "send no requests to a backend", 2, 2,
	    CTLCMD_ADMIN },
	[CTLCMD_BACKEND_DRAIN] = { "backend", "drain",
	    "backend drain ROUTE ADDR",
	    "no new requests; those in flight finish", 2, 2, CTLCMD_ADMIN },
	[CTLCMD_BANS] = { "bans", NULL, "bans [OFFSET [COUNT]]",
	    "the bans in force with the time left, last to end first", 0, 2,
	    CTLCMD_PAGED },
	[CTLCMD_BAN] = { "ban", NULL, "ban ADDR [DURATION]",
	    "ban a client (IPv6: its /64) on every route (default: ban_time)",
	    1, 2, CTLCMD_ADMIN },
	[CTLCMD_UNBAN] = { "unban", NULL, "unban ADDR",
	    "lift a ban (ADDR: an address or its /64)", 1, 1, CTLCMD_ADMIN },
	[CTLCMD_CACHE_PURGE] = { "cache", "purge", "cache purge ROUTE [PREFIX]",
	    "drop cached responses of a route (under a path prefix)", 1, 2,
	    CTLCMD_ADMIN },
	[CTLCMD_RELOAD] = { "reload", NULL, "reload",
	    "read the configuration again (as SIGHUP)", 0, 0, CTLCMD_ADMIN },
	[CTLCMD_LOG] = { "log", NULL, "log",
	    "follow live requests until interrupted", 0, 0, CTLCMD_CLIENT },
	[CTLCMD_CHECK] = { "check", NULL, "check [FILE]",
	    "check the configuration, or FILE, without applying it", 0, 1, 0 },
	[CTLCMD_SUBSCRIBE] = { "subscribe", NULL, "subscribe",
	    "receive live events", 0, 0, CTLCMD_SESSION },
	[CTLCMD_UNSUBSCRIBE] = { "unsubscribe", NULL, "unsubscribe",
	    "stop live events", 0, 0, CTLCMD_SESSION },
	[CTLCMD_READONLY] = { "readonly", NULL, "readonly",
	    "make this session read-only", 0, 0, CTLCMD_SESSION },
	[CTLCMD_HELP] = { "help", NULL, "help", "list the commands", 0, 0, 0 },
};

const struct ctlcmd *
ctlcmd_find(char *const *words, int nwords, unsigned without, int *used)
{
	const struct ctlcmd *c, *one = NULL;
	size_t               i;

	*used = 0;
	if (nwords < 1)
		return NULL;
	for (i = 0; i < CTLCMD_COUNT; i++) {
		c = &ctlcmd_table[i];
		if ((c->flags & without) != 0 || strcmp(c->name, words[0]) != 0)
			continue;
		if (c->sub == NULL)
			one = c;
		else if (nwords >= 2 && strcmp(c->sub, words[1]) == 0) {
			*used = 2;
			return c;
		}
	}
	if (one != NULL)
		*used = 1;
	return one;
}

int
ctlcmd_known(const char *name, unsigned without)
{
	size_t i;

	for (i = 0; i < CTLCMD_COUNT; i++) {
		if ((ctlcmd_table[i].flags & without) == 0 &&
		    strcmp(ctlcmd_table[i].name, name) == 0)
			return 1;
	}
	return 0;
}
