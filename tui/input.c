/* SPDX-License-Identifier: ISC */
/* The dashboard's keyboard: raw bytes to keys, keys to actions (a table). */

#include <stdio.h>
#include <string.h>

#include "input.h"

const char *const input_screen_names[SCREEN_COUNT] = { "Overview", "Routes",
	"Backends", "Live", "Clients", "Help" };

#define ON(s)   INPUT_ON(SCREEN_##s)
#define ROUTEY  (ON(OVERVIEW) | ON(ROUTES))
#define LISTS   (INPUT_ALL & ~ON(HELP))
#define CTRL(c) ((c)&0x1f)

const struct input_binding input_bindings[] = {
	{ '?', INPUT_ALL, ACT_HELP, 0, "?", "help for the current screen" },
	{ 'q', INPUT_ALL, ACT_QUIT, 0, "q", "quit" },
	{ INPUT_KEY_ESC, INPUT_ALL, ACT_BACK, 0, "Esc",
	    "back out: close help, a prompt or the filter" },
	{ '\t', INPUT_ALL, ACT_NEXT_SCREEN, 0, "Tab", "next screen" },
	{ INPUT_KEY_BTAB, INPUT_ALL, ACT_PREV_SCREEN, 0, "Shift-Tab",
	    "previous screen" },
	{ '1', INPUT_ALL, ACT_SCREEN, SCREEN_OVERVIEW, "1-6",
	    "Overview, Routes, Backends, Live, Clients, Help" },
	{ '2', INPUT_ALL, ACT_SCREEN, SCREEN_ROUTES, NULL, NULL },
	{ '3', INPUT_ALL, ACT_SCREEN, SCREEN_BACKENDS, NULL, NULL },
	{ '4', INPUT_ALL, ACT_SCREEN, SCREEN_LIVE, NULL, NULL },
	{ '5', INPUT_ALL, ACT_SCREEN, SCREEN_CLIENTS, NULL, NULL },
	{ '6', INPUT_ALL, ACT_SCREEN, SCREEN_HELP, NULL, NULL },
	{ 'j', INPUT_ALL, ACT_DOWN, 0, "j k, arrows", "move the selection" },
	{ INPUT_KEY_DOWN, INPUT_ALL, ACT_DOWN, 0, NULL, NULL },
	{ 'k', INPUT_ALL, ACT_UP, 0, NULL, NULL },
	{ INPUT_KEY_UP, INPUT_ALL, ACT_UP, 0, NULL, NULL },
	{ INPUT_KEY_PGDN, INPUT_ALL, ACT_PGDN, 0, "PgUp PgDn", "a page" },
	{ INPUT_KEY_PGUP, INPUT_ALL, ACT_PGUP, 0, NULL, NULL },
	{ 'g', INPUT_ALL, ACT_TOP, 0, "g G, Home End", "first, last" },
	{ INPUT_KEY_HOME, INPUT_ALL, ACT_TOP, 0, NULL, NULL },
	{ 'G', INPUT_ALL, ACT_BOTTOM, 0, NULL, NULL },
	{ INPUT_KEY_END, INPUT_ALL, ACT_BOTTOM, 0, NULL, NULL },
	{ CTRL('l'), INPUT_ALL, ACT_REDRAW, 0, "Ctrl-L", "redraw the screen" },
	{ ' ', ROUTEY, ACT_ROUTE_TOGGLE, 0, "Space",
	    "enable or disable the selected route" },
	{ 'm', ROUTEY, ACT_MAINTENANCE, 0, "m",
	    "maintenance on or off for the selected route" },
	{ 'e', ON(BACKENDS), ACT_BACKEND_ENABLE, 0, "e",
	    "enable the selected backend" },
	{ 'x', ON(BACKENDS), ACT_BACKEND_DISABLE, 0, "x",
	    "disable the selected backend" },
	{ 'd', ON(BACKENDS), ACT_BACKEND_DRAIN, 0, "d",
	    "drain the selected backend (in-flight requests finish)" },
	{ '/', ON(LIVE), ACT_FILTER, 0, "/",
	    "filter: words to find, 4xx for a status class, route:NAME" },
	{ 's', ON(LIVE), ACT_FILTER_STATUS, 0, "s",
	    "cycle the status-class filter (2xx 3xx 4xx 5xx all)" },
	{ 't', ON(LIVE), ACT_FILTER_ROUTE, 0, "t",
	    "only the selected request's route (again: every route)" },
	{ 'c', ON(LIVE), ACT_FILTER_CLEAR, 0, "c", "clear the filter" },
	{ 'p', ON(LIVE), ACT_PAUSE, 0, "p", "pause or follow the live list" },
	{ 'f', ON(LIVE), ACT_PAUSE, 0, NULL, NULL },
	{ 'b', ON(LIVE) | ON(CLIENTS), ACT_BAN, 0, "b",
	    "ban the selected client" },
	{ 'u', ON(LIVE) | ON(CLIENTS), ACT_UNBAN, 0, "u",
	    "unban the selected client or ban" },
	{ 'r', LISTS, ACT_RELOAD, 0, "r",
	    "reload the configuration (shows the result or the errors)" },
	{ 'U', LISTS, ACT_UNDO, 0, "U", "undo the last change" },
	{ 0, 0, ACT_NONE, 0, NULL, NULL },
};

const struct input_binding *
input_lookup(enum input_screen screen, int key)
{
	const struct input_binding *b;

	for (b = input_bindings; b->key != 0; b++)
		if (b->key == key && (b->screens & INPUT_ON(screen)) != 0)
			return b;
	return NULL;
}

int
input_changes(enum input_action a)
{
	return a >= ACT_ROUTE_TOGGLE;
}

/* The key a complete sequence stands for, 0 if incomplete, or
 * INPUT_KEY_OTHER for one we do not use. */
static int
input_seq(const unsigned char *s, size_t n)
{
	size_t i;

	if (n < 2)
		return 0;
	if (s[1] == 'O') {
		if (n < 3)
			return 0;
		switch (s[2]) {
		case 'A':
			return INPUT_KEY_UP;
		case 'B':
			return INPUT_KEY_DOWN;
		case 'C':
			return INPUT_KEY_RIGHT;
		case 'D':
			return INPUT_KEY_LEFT;
		case 'H':
			return INPUT_KEY_HOME;
		case 'F':
			return INPUT_KEY_END;
		default:
			return INPUT_KEY_OTHER;
		}
	}
	if (s[1] != '[')
		return INPUT_KEY_OTHER; /* Alt-key: not used */
	/* CSI: parameters and intermediates, then a final byte 0x40-0x7e. */
	for (i = 2; i < n; i++) {
		if (s[i] >= 0x40 && s[i] <= 0x7e)
			break;
		if (s[i] < 0x20 || s[i] > 0x3f)
			return INPUT_KEY_OTHER;
	}
	if (i == n)
		return 0;
	switch (s[i]) {
	case 'A':
		return INPUT_KEY_UP;
	case 'B':
		return INPUT_KEY_DOWN;
	case 'C':
		return INPUT_KEY_RIGHT;
	case 'D':
		return INPUT_KEY_LEFT;
	case 'H':
		return INPUT_KEY_HOME;
	case 'F':
		return INPUT_KEY_END;
	case 'Z':
		return INPUT_KEY_BTAB;
	case '~':
		if (i == 3 && (s[2] == '1' || s[2] == '7'))
			return INPUT_KEY_HOME;
		if (i == 3 && (s[2] == '4' || s[2] == '8'))
			return INPUT_KEY_END;
		if (i == 3 && s[2] == '3')
			return INPUT_KEY_DEL;
		if (i == 3 && s[2] == '5')
			return INPUT_KEY_PGUP;
		if (i == 3 && s[2] == '6')
			return INPUT_KEY_PGDN;
		return INPUT_KEY_OTHER;
	default:
		return INPUT_KEY_OTHER;
	}
}

static void
input_put(int *keys, size_t max, size_t *got, int key)
{
	if (*got < max)
		keys[(*got)++] = key;
}

size_t
input_feed(struct input_dec *d, const char *bytes, size_t len, int *keys,
    size_t max)
{
	const unsigned char *p = (const unsigned char *)bytes;
	size_t               i, got = 0;
	int                  k;

	for (i = 0; i < len; i++) {
		if (d->n == 0) {
			if (p[i] == 0x1b)
				d->seq[d->n++] = p[i];
			else
				input_put(keys, max, &got, p[i]);
			continue;
		}
		if (p[i] == 0x1b && d->n == 1) {
			/* ESC ESC: the first was a lone Escape. */
			input_put(keys, max, &got, INPUT_KEY_ESC);
			continue;
		}
		d->seq[d->n++] = p[i];
		k = input_seq(d->seq, d->n);
		if (k == 0 && d->n == sizeof d->seq)
			k = INPUT_KEY_OTHER; /* too long to be one we know */
		if (k != 0) {
			if (k != INPUT_KEY_OTHER)
				input_put(keys, max, &got, k);
			d->n = 0;
		}
	}
	return got;
}

int
input_pending(const struct input_dec *d)
{
	return d->n > 0;
}

size_t
input_flush(struct input_dec *d, int *keys, size_t max)
{
	size_t got = 0, i;

	if (d->n == 0)
		return 0;
	input_put(keys, max, &got, INPUT_KEY_ESC);
	/* ESC then "[" typed slowly: keep the "[" and what followed. */
	for (i = 1; i < d->n; i++)
		input_put(keys, max, &got, d->seq[i]);
	d->n = 0;
	return got;
}

/* Whether s can be one word of a control request. */
static int
input_word_ok(const char *s, char *why, size_t whylen)
{
	const unsigned char *p = (const unsigned char *)s;

	if (*p == '\0') {
		snprintf(why, whylen, "nothing selected");
		return 0;
	}
	if (strlen(s) >= INPUT_NAME) {
		snprintf(why, whylen, "the name is too long to send");
		return 0;
	}
	for (; *p != '\0'; p++) {
		if (*p < 0x21 || *p > 0x7e) {
			snprintf(why, whylen,
			    "the name holds bytes that cannot be sent");
			return 0;
		}
	}
	return 1;
}

static void
input_set(char (*dst)[INPUT_NAME], int *n, const char *a, const char *b,
    const char *c, const char *d)
{
	const char *w[INPUT_WORDS] = { a, b, c, d };
	int         i;

	*n = 0;
	for (i = 0; i < INPUT_WORDS && w[i] != NULL; i++)
		snprintf(dst[(*n)++], INPUT_NAME, "%s", w[i]);
}

/* The command that puts a route back into state. */
static void
input_route_to(char (*dst)[INPUT_NAME], int *n, const char *name,
    const char *state)
{
	if (strcmp(state, "disabled") == 0)
		input_set(dst, n, "route", "disable", name, NULL);
	else if (strcmp(state, "draining") == 0)
		input_set(dst, n, "route", "drain", name, NULL);
	else if (strcmp(state, "maintenance") == 0)
		input_set(dst, n, "maintenance", "on", name, NULL);
	else
		input_set(dst, n, "route", "enable", name, NULL);
}

int
input_change_route(struct input_change *c, enum input_action a,
    const char *name, const char *state, char *why, size_t whylen)
{
	memset(c, 0, sizeof *c);
	if (!input_word_ok(name, why, whylen))
		return -1;
	if (a == ACT_ROUTE_TOGGLE) {
		if (strcmp(state, "enabled") == 0) {
			input_route_to(c->words, &c->nwords, name, "disabled");
			snprintf(c->what, sizeof c->what, "disable route %s",
			    name);
		} else {
			input_route_to(c->words, &c->nwords, name, "enabled");
			snprintf(c->what, sizeof c->what, "enable route %s",
			    name);
		}
	} else if (a == ACT_MAINTENANCE) {
		if (strcmp(state, "maintenance") == 0) {
			input_set(c->words, &c->nwords, "maintenance", "off",
			    name, NULL);
			snprintf(c->what, sizeof c->what,
			    "end maintenance of route %s", name);
		} else {
			input_route_to(c->words, &c->nwords, name,
			    "maintenance");
			snprintf(c->what, sizeof c->what,
			    "put route %s in maintenance", name);
		}
	} else {
		snprintf(why, whylen, "not a route action");
		return -1;
	}
	input_route_to(c->undo, &c->nundo, name, state);
	return 0;
}

int
input_change_backend(struct input_change *c, enum input_action a,
    const char *route, const char *address, const char *state, char *why,
    size_t whylen)
{
	const char *verb, *undo;

	memset(c, 0, sizeof *c);
	if (!input_word_ok(route, why, whylen) ||
	    !input_word_ok(address, why, whylen))
		return -1;
	switch (a) {
	case ACT_BACKEND_ENABLE:
		verb = "enable";
		break;
	case ACT_BACKEND_DISABLE:
		verb = "disable";
		break;
	case ACT_BACKEND_DRAIN:
		verb = "drain";
		break;
	default:
		snprintf(why, whylen, "not a backend action");
		return -1;
	}
	input_set(c->words, &c->nwords, "backend", verb, route, address);
	snprintf(c->what, sizeof c->what, "%s backend %s %s", verb, route,
	    address);
	if (strcmp(state, "disabled") == 0)
		undo = "disable";
	else if (strcmp(state, "draining") == 0)
		undo = "drain";
	else
		undo = "enable"; /* up or down: the INI's "enabled" */
	input_set(c->undo, &c->nundo, "backend", undo, route, address);
	return 0;
}

int
input_change_ban(struct input_change *c, enum input_action a,
    const char *address, int banned, char *why, size_t whylen)
{
	memset(c, 0, sizeof *c);
	if (!input_word_ok(address, why, whylen))
		return -1;
	if (a == ACT_BAN) {
		if (banned) {
			snprintf(why, whylen, "%s is banned already", address);
			return -1;
		}
		input_set(c->words, &c->nwords, "ban", address, NULL, NULL);
		input_set(c->undo, &c->nundo, "unban", address, NULL, NULL);
		snprintf(c->what, sizeof c->what, "ban %s", address);
	} else if (a == ACT_UNBAN) {
		if (!banned) {
			snprintf(why, whylen, "%s is not banned", address);
			return -1;
		}
		input_set(c->words, &c->nwords, "unban", address, NULL, NULL);
		input_set(c->undo, &c->nundo, "ban", address, NULL, NULL);
		snprintf(c->what, sizeof c->what, "unban %s", address);
	} else {
		snprintf(why, whylen, "not a ban action");
		return -1;
	}
	return 0;
}

void
input_change_reload(struct input_change *c)
{
	memset(c, 0, sizeof *c);
	input_set(c->words, &c->nwords, "reload", NULL, NULL, NULL);
	snprintf(c->what, sizeof c->what, "reload the configuration");
}

int
input_change_undo(struct input_change *u, const struct input_change *c)
{
	struct input_change tmp;
	int                 i;

	if (c->nundo == 0)
		return -1;
	memset(&tmp, 0, sizeof tmp);
	for (i = 0; i < c->nundo; i++)
		memcpy(tmp.words[i], c->undo[i], INPUT_NAME);
	tmp.nwords = c->nundo;
	for (i = 0; i < c->nwords; i++)
		memcpy(tmp.undo[i], c->words[i], INPUT_NAME);
	tmp.nundo = c->nwords;
	snprintf(tmp.what, sizeof tmp.what, "undo: %s %s%s%s%s%s", tmp.words[0],
	    tmp.words[1], tmp.nwords > 2 ? " " : "",
	    tmp.nwords > 2 ? tmp.words[2] : "", tmp.nwords > 3 ? " " : "",
	    tmp.nwords > 3 ? tmp.words[3] : "");
	*u = tmp;
	return 0;
}
