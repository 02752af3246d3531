/* SPDX-License-Identifier: ISC */
/* The dashboard's screens: drawing the model with curses, nothing else. */
#ifndef FD_VIEW_H
#define FD_VIEW_H

#include <stddef.h>
#include <time.h>

#include "input.h"
#include "model.h"

/*
 * What the screens draw from: the model, plus the state of the interface
 * (screen, selections, status line).  Views read this and write only to
 * curses; they never touch the socket.  view_count() and the view_*_sel()
 * functions tell the loop what the selection points at.
 */
enum view_tone {
	VIEW_INFO,
	VIEW_OK,
	VIEW_ERR
};

struct view {
	struct model     *m;
	enum input_screen screen;
	enum input_screen help_for; /* the screen Help describes */
	size_t            sel[SCREEN_COUNT];
	size_t            top[SCREEN_COUNT]; /* first row shown */
	int               rows, cols;
	int               color, utf8, readonly;
	int               connected;
	char              conn[96]; /* "reconnecting… (3)" when not */
	char              msg[512]; /* the status line: the last result */
	enum view_tone    tone;
	char              prompt[640]; /* a prompt instead of the status line */
	int               prompting;
	time_t            now; /* wall clock, for times left */
};

/* Set up colours (unless NO_COLOR or the terminal has none). */
void view_init(struct view *);
/* Draw everything to the curses screen (the caller refreshes). */
void view_draw(struct view *);

/* How many rows the current screen can select. */
size_t view_count(struct view *);
/* The body's height: rows between the header and the status line. */
int view_body(const struct view *);

/* What the selection points at on the current screen, or NULL. */
const struct model_route   *view_sel_route(struct view *);
const struct model_backend *view_sel_backend(struct view *);
const struct model_event   *view_sel_event(struct view *);
/* The selected client address (Clients: a client or a ban; Live: the
 * request's client), or NULL. */
const char *view_sel_client(struct view *);

/* Shared by the screens (view.c). */
enum view_color {
	VC_NORMAL,
	VC_HEAD,
	VC_TITLE,
	VC_SEL,
	VC_OK,
	VC_WARN,
	VC_ERR,
	VC_DIM,
	VC_MARK,
};
int view_attr(const struct view *, enum view_color);
/* s (len bytes from the daemon) at y, x within w columns, escaped. */
void view_text(const struct view *, int y, int x, int w, const char *s,
    size_t len, int attr);
void
view_str(const struct view *, int y, int x, int w, const char *s, int attr);
/* printf-style text of our own (ASCII), cut at w columns. */
void view_printf(const struct view *, int y, int x, int w, int attr,
    const char *fmt, ...) __attribute__((format(printf, 6, 7)));
/* A sparkline of the last w samples of n. */
void view_spark(const struct view *, int y, int x, int w, const float *s,
    size_t n, int attr);
/* A number in at most 6 characters: 999, 12.3k, 4.5M. */
void view_num(char *out, size_t outlen, double v);
/* An age in seconds in at most 4 characters: "45s", "12m", "3h", "9d". */
void view_age(char *out, size_t outlen, uint64_t s);
/* Milliseconds: "0.4ms", "12ms", "1.2s". */
void view_ms(char *out, size_t outlen, double ms);
/* A colour for a route or backend state word, and for an HTTP status. */
int view_state_attr(const struct view *, const char *state);
int view_status_attr(const struct view *, int status);
/* Keep the selection of the current screen within count and on screen
 * (h rows of the list); returns the first row to draw. */
size_t view_scroll(struct view *, size_t count, int h);
/* Fill row y with spaces in attr (the selection bar). */
void view_bar(const struct view *, int y, int attr);

/* The screens, one file each: draw rows y .. y+h-1. */
void view_overview_draw(struct view *, int y, int h);
void view_routes_draw(struct view *, int y, int h);
void view_backends_draw(struct view *, int y, int h);
void view_live_draw(struct view *, int y, int h);
void view_clients_draw(struct view *, int y, int h);
void view_help_draw(struct view *, int y, int h);
/* Rows of the Clients screen: top clients, then bans. */
size_t      view_clients_count(struct view *);
const char *view_clients_sel(struct view *);
/* The clients shown on the Clients screen. */
#define VIEW_TOP_CLIENTS 50

#endif
