/* SPDX-License-Identifier: ISC */
/* The control commands: one table for frontdoord, frontdoor and "help". */
#ifndef FD_CTLCMD_H
#define FD_CTLCMD_H

/*
 * Every command either program knows, in the order frontdoor(1) describes
 * them.  The daemon and frontdoor each bind their own handlers to these
 * (an array indexed by the id); the table holds only what both say of a
 * command.  Adding a command is a new id, a new entry and a handler on
 * each side that serves it.
 */
enum ctlcmd_id {
	CTLCMD_STATUS,
	CTLCMD_ROUTES,
	CTLCMD_BACKENDS,
	CTLCMD_ROUTE_ENABLE,
	CTLCMD_ROUTE_DISABLE,
	CTLCMD_ROUTE_DRAIN,
	CTLCMD_MAINTENANCE_ON,
	CTLCMD_MAINTENANCE_OFF,
	CTLCMD_BACKEND_ENABLE,
	CTLCMD_BACKEND_DISABLE,
	CTLCMD_BACKEND_DRAIN,
	CTLCMD_BANS,
	CTLCMD_BAN,
	CTLCMD_UNBAN,
	CTLCMD_CACHE_PURGE,
	CTLCMD_RELOAD,
	CTLCMD_LOG,
	CTLCMD_CHECK,
	CTLCMD_SUBSCRIBE,
	CTLCMD_UNSUBSCRIBE,
	CTLCMD_READONLY,
	CTLCMD_HELP,
	CTLCMD_COUNT
};

/* Changes something: refused in a read-only session, "admin" in help. */
#define CTLCMD_ADMIN 0x1
/* frontdoor's own (it subscribes and prints): the daemon has none such. */
#define CTLCMD_CLIENT 0x2
/* About the session itself: the daemon's, but no command of frontdoor. */
#define CTLCMD_SESSION 0x4
/*
 * A reply that comes a page at a time: frontdoor asks for every page
 * itself, so people give it no arguments (the command is one word).
 */
#define CTLCMD_PAGED 0x8

struct ctlcmd {
	const char *name;  /* the first word sent */
	const char *sub;   /* the second, or NULL */
	const char *usage; /* the words and their arguments, for help */
	const char *help;  /* one line on what it does */
	int         min_args;
	int         max_args; /* after the words, on the wire */
	unsigned    flags;
};

extern const struct ctlcmd ctlcmd_table[CTLCMD_COUNT];

static inline enum ctlcmd_id
ctlcmd_id(const struct ctlcmd *c)
{
	return (enum ctlcmd_id)(c - ctlcmd_table);
}

/*
 * The entry words (nwords of them) name, skipping entries with any of the
 * flags in without; two words are preferred to one.  *used gets how many
 * words the name took (1 or 2).  NULL when none.
 */
const struct ctlcmd *
ctlcmd_find(char *const *words, int nwords, unsigned without, int *used);
/* Whether an entry without those flags has name as its first word. */
int ctlcmd_known(const char *name, unsigned without);

#endif
