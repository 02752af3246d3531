/* SPDX-License-Identifier: ISC */
/* The dashboard's keyboard: raw bytes to keys, keys to actions (a table). */
#ifndef FD_INPUT_H
#define FD_INPUT_H

#include <stddef.h>

/* The screens, in Tab order; the number keys are their index + 1. */
enum input_screen {
	SCREEN_OVERVIEW,
	SCREEN_ROUTES,
	SCREEN_BACKENDS,
	SCREEN_LIVE,
	SCREEN_CLIENTS,
	SCREEN_HELP,
	SCREEN_COUNT
};

extern const char *const input_screen_names[SCREEN_COUNT];

/* Keys beyond single bytes (which stand for themselves). */
#define INPUT_KEY_ESC   0x100 /* a lone Escape */
#define INPUT_KEY_UP    0x101
#define INPUT_KEY_DOWN  0x102
#define INPUT_KEY_LEFT  0x103
#define INPUT_KEY_RIGHT 0x104
#define INPUT_KEY_PGUP  0x105
#define INPUT_KEY_PGDN  0x106
#define INPUT_KEY_HOME  0x107
#define INPUT_KEY_END   0x108
#define INPUT_KEY_BTAB  0x109 /* Shift-Tab */
#define INPUT_KEY_DEL   0x10a
#define INPUT_KEY_OTHER 0x10b /* an escape sequence we do not use */

/*
 * Raw terminal bytes to keys.  An Escape byte starts a sequence (arrows:
 * ESC [ A or ESC O A); a lone Escape is told apart only by time, so the
 * caller runs a short timer while input_pending() and calls input_flush()
 * when it fires.
 */
struct input_dec {
	unsigned char seq[16];
	size_t        n;
};

/* Decode len bytes into at most max keys; returns how many.  Bytes that
 * would make more keys than max are dropped. */
size_t input_feed(struct input_dec *, const char *bytes, size_t len, int *keys,
    size_t max);
/* Whether an escape sequence is incomplete. */
int input_pending(const struct input_dec *);
/* The wait is over: an incomplete sequence is a lone Escape and the bytes
 * after it.  Returns the number of keys stored. */
size_t input_flush(struct input_dec *, int *keys, size_t max);

enum input_action {
	ACT_NONE,
	ACT_QUIT,
	ACT_BACK,
	ACT_HELP,
	ACT_NEXT_SCREEN,
	ACT_PREV_SCREEN,
	ACT_SCREEN, /* arg: the screen */
	ACT_UP,
	ACT_DOWN,
	ACT_PGUP,
	ACT_PGDN,
	ACT_TOP,
	ACT_BOTTOM,
	ACT_REDRAW,
	ACT_FILTER,
	ACT_FILTER_STATUS,
	ACT_FILTER_ROUTE,
	ACT_FILTER_CLEAR,
	ACT_PAUSE,
	/* Changes: each asks y/N first and is refused in read-only mode. */
	ACT_ROUTE_TOGGLE,
	ACT_MAINTENANCE,
	ACT_BACKEND_ENABLE,
	ACT_BACKEND_DISABLE,
	ACT_BACKEND_DRAIN,
	ACT_BAN,
	ACT_UNBAN,
	ACT_RELOAD,
	ACT_UNDO,
};

#define INPUT_ALL   ((1u << SCREEN_COUNT) - 1)
#define INPUT_ON(s) (1u << (s))

struct input_binding {
	int               key;
	unsigned          screens; /* INPUT_ON() bits */
	enum input_action action;
	int               arg;
	const char *keyname; /* for help; NULL: shown with the one before */
	const char *help;
};

/* Every binding; ends with a zero key. */
extern const struct input_binding input_bindings[];

/* The binding of key on screen, or NULL. */
const struct input_binding *input_lookup(enum input_screen, int key);
/* Whether the action changes the daemon's state. */
int input_changes(enum input_action);

/*
 * A change and how to take it back, as control commands.  The words point
 * into names the caller keeps alive until the change is sent (the undo's
 * copies are owned by struct input_change).
 */
#define INPUT_WORDS 4
#define INPUT_NAME  128

struct input_change {
	char words[INPUT_WORDS][INPUT_NAME];
	int  nwords;
	char undo[INPUT_WORDS][INPUT_NAME];
	int  nundo;                               /* 0: cannot be undone */
	char what[INPUT_WORDS * INPUT_NAME + 16]; /* "disable route cloud" */
};

/*
 * Fill c for action on a route (name, its current state), a backend (route,
 * address, current state) or a client address (banned or not).  Returns 0,
 * or -1 when the action does not apply (a message in why, whylen bytes).
 */
int  input_change_route(struct input_change *, enum input_action,
     const char *name, const char *state, char *why, size_t whylen);
int  input_change_backend(struct input_change *, enum input_action,
     const char *route, const char *address, const char *state, char *why,
     size_t whylen);
int  input_change_ban(struct input_change *, enum input_action,
     const char *address, int banned, char *why, size_t whylen);
void input_change_reload(struct input_change *);
/* The undo of c as a change of its own; -1 when c cannot be undone. */
int input_change_undo(struct input_change *undo, const struct input_change *c);

#endif
