/* SPDX-License-Identifier: ISC */
/* The dashboard's loop: libuv over the terminal and the control socket. */

#include <sys/ioctl.h>

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "client.h"
#include "ctlproto.h"
#include "dash.h"
#include "input.h"
#include "json-read.h"
#include "model.h"
#include "util.h"
#include "view.h"

#define DASH_POLL_MS   1000  /* status, routes, backends, bans */
#define DASH_DRAW_MS   250   /* at most four redraws a second for data */
#define DASH_ESC_MS    30    /* a lone Escape, or the start of an arrow */
#define DASH_RETRY_MIN 100   /* reconnect backoff, doubling... */
#define DASH_RETRY_MAX 2000  /* ...up to this */
#define DASH_PENDING   32    /* requests in flight */
#define DASH_ROWS_MAX  20000 /* JSON lines in one reply */
#define DASH_READ_MAX  (CTL_REPLY_LINE_MAX + 65536)

enum dash_conn {
	DASH_DOWN,       /* waiting to retry */
	DASH_CONNECTING, /* uv_pipe_connect in progress */
	DASH_GREETING,   /* connected, waiting for "%frontdoor" */
	DASH_UP,
	DASH_CLOSING, /* uv_close in progress */
};

enum dash_req_kind {
	REQ_STATUS,
	REQ_ROUTES,
	REQ_BACKENDS,
	REQ_BANS,
	REQ_SUBSCRIBE,
	REQ_READONLY,
	REQ_CHANGE,
};

struct dash_req {
	char                tag[CTL_TAG_MAX + 1];
	enum dash_req_kind  kind;
	int                 undoing; /* a change that is an undo */
	struct input_change change;  /* REQ_CHANGE */
};

struct dash_write {
	uv_write_t req;
	uv_buf_t   buf;
	char       data[];
};

struct dash {
	uv_loop_t    loop;
	uv_poll_t    tty;
	uv_pipe_t    pipe;
	uv_connect_t connect;
	uv_timer_t   poll_timer, draw_timer, esc_timer, retry_timer;
	uv_signal_t  winch, term, hup;

	const char    *path;
	int            readonly;
	enum dash_conn conn;
	unsigned       retry_ms, attempts;
	int            ever_up;
	char           why[256]; /* why the connection went down */

	struct buf      in;
	unsigned        next_tag;
	struct dash_req pending[DASH_PENDING];
	size_t          npending;
	int             polls; /* poll requests in flight */
	int             poll_again;

	/* The reply being read. */
	struct ctl_reader rd;
	struct jsonr    **rows;
	size_t            nrows, caprows;
	int               overflow;

	struct model    *m;
	struct view      v;
	struct input_dec dec;

	int                 confirming;
	struct input_change change; /* what y would send */
	int                 change_undo;
	struct input_change last; /* the last change made, for U */
	int                 have_last;

	int  filtering;
	char filter_edit[128], filter_old[128];

	uint64_t drawn_changes, last_draw_ms;
	int      dirty;
	int      quit, status;
};

static void dash_connect(struct dash *);
static void dash_down(struct dash *, const char *why);

static void dash_msg(struct dash *d, enum view_tone tone, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
dash_msg(struct dash *d, enum view_tone tone, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->v.msg, sizeof d->v.msg, fmt, ap);
	va_end(ap);
	d->v.tone = tone;
}

/* -- drawing ------------------------------------------------------------ */

static void
dash_draw(struct dash *d)
{
	const char *dots = d->v.utf8 ? "…" : "...";

	d->v.rows = LINES;
	d->v.cols = COLS;
	d->v.now = time(NULL);
	d->v.connected = d->conn == DASH_UP;
	if (!d->v.connected)
		snprintf(d->v.conn, sizeof d->v.conn, "%s%s (%u)",
		    d->ever_up ? "reconnecting" : "connecting", dots,
		    d->attempts);
	view_draw(&d->v);
	wnoutrefresh(stdscr);
	doupdate();
	d->drawn_changes = d->m->changes;
	d->last_draw_ms = uv_now(&d->loop);
	d->dirty = 0;
}

static void
dash_draw_cb(uv_timer_t *t)
{
	struct dash *d = t->data;

	if (d->dirty && !d->quit)
		dash_draw(d);
}

/*
 * Something on screen changed.  A key redraws at once; data redraws at most
 * every DASH_DRAW_MS, however fast events come.
 */
static void
dash_dirty(struct dash *d, int urgent)
{
	uint64_t now = uv_now(&d->loop), wait = 0;

	d->dirty = 1;
	if (!urgent && now < d->last_draw_ms + DASH_DRAW_MS)
		wait = d->last_draw_ms + DASH_DRAW_MS - now;
	if (uv_is_active((uv_handle_t *)&d->draw_timer) &&
	    (!urgent || uv_timer_get_due_in(&d->draw_timer) == 0))
		return;
	uv_timer_start(&d->draw_timer, dash_draw_cb, wait, 0);
}

/* -- the socket --------------------------------------------------------- */

static void
dash_write_cb(uv_write_t *req, int status)
{
	(void)status; /* a failed write shows as a failed read */
	free(req->data);
}

static int
dash_send(struct dash *d, enum dash_req_kind kind, int argc,
    char (*argv)[INPUT_NAME], const struct input_change *change)
{
	struct dash_req   *r;
	struct dash_write *w;
	struct buf         line;
	char              *words[CTL_MAX_WORDS];
	int                i;

	if (d->conn != DASH_UP || d->npending == DASH_PENDING ||
	    argc > CTL_MAX_WORDS)
		return -1;
	r = &d->pending[d->npending++];
	memset(r, 0, sizeof *r);
	snprintf(r->tag, sizeof r->tag, "%u", ++d->next_tag);
	r->kind = kind;
	if (change != NULL)
		r->change = *change;
	for (i = 0; i < argc; i++)
		words[i] = argv[i];
	buf_init(&line, CTL_LINE_MAX);
	ctl_put_request(&line, r->tag, argc, words);
	w = xmalloc(sizeof *w + line.len);
	memcpy(w->data, line.data, line.len);
	w->buf = uv_buf_init(w->data, (unsigned)line.len);
	w->req.data = w;
	buf_free(&line);
	if (uv_write(&w->req, (uv_stream_t *)&d->pipe, &w->buf, 1,
	        dash_write_cb) != 0) {
		free(w);
		d->npending--;
		return -1;
	}
	return 0;
}

static int
dash_send1(struct dash *d, enum dash_req_kind kind, const char *word)
{
	char w[1][INPUT_NAME];

	snprintf(w[0], sizeof w[0], "%s", word);
	return dash_send(d, kind, 1, w, NULL);
}

static void
dash_poll(struct dash *d)
{
	if (d->conn != DASH_UP)
		return;
	if (d->polls > 0) {
		d->poll_again = 1; /* right after the round in flight */
		return;
	}
	d->poll_again = 0;
	d->polls += dash_send1(d, REQ_STATUS, "status") == 0;
	d->polls += dash_send1(d, REQ_ROUTES, "routes") == 0;
	d->polls += dash_send1(d, REQ_BACKENDS, "backends") == 0;
	if (d->m->bans_state != MODEL_BANS_UNAVAILABLE)
		d->polls += dash_send1(d, REQ_BANS, "bans") == 0;
}

static void
dash_poll_cb(uv_timer_t *t)
{
	dash_poll(t->data);
}

static void
dash_rows_free(struct dash *d)
{
	size_t i;

	for (i = 0; i < d->nrows; i++)
		jsonr_free(d->rows[i]);
	d->nrows = 0;
	d->overflow = 0;
}

static void
dash_change_done(struct dash *d, struct dash_req *r, const char *error)
{
	const struct jsonr *row = d->nrows > 0 ? d->rows[0] : NULL;
	const struct jsonr *errs;
	struct buf          b;
	size_t              i;

	if (strcmp(r->change.words[0], "reload") == 0 && error == NULL) {
		if (jsonr_bool(row, "ok", 0))
			dash_msg(d, VIEW_OK, "reload ok: generation %lld",
			    jsonr_int(row, "generation", 0));
		else {
			buf_init(&b, 400);
			errs = jsonr_arr(row, "errors");
			for (i = 0; errs != NULL && i < errs->len; i++) {
				if (errs->kids[i].type != JSONR_STR)
					continue;
				buf_puts(&b, i > 0 ? "; " : "");
				buf_append(&b, errs->kids[i].str,
				    errs->kids[i].len);
			}
			buf_append(&b, "", 1);
			dash_msg(d, VIEW_ERR, "reload failed: %s",
			    b.data != NULL ? b.data : "(no message)");
			buf_free(&b);
		}
		d->last = r->change;
		d->have_last = 1;
		return;
	}
	if (error != NULL) {
		if (strncmp(error, "unknown command", 15) == 0)
			dash_msg(d, VIEW_ERR,
			    "%s: this frontdoord has no \"%s\" command",
			    r->change.what, r->change.words[0]);
		else
			dash_msg(d, VIEW_ERR, "%s: refused: %s", r->change.what,
			    error);
		return;
	}
	if (row != NULL && jsonr_get(row, "saved") != NULL &&
	    !jsonr_bool(row, "saved", 1))
		dash_msg(d, VIEW_ERR, "%s: done, now %s, but not saved: %s",
		    r->change.what, jsonr_str(row, "state", "?"),
		    jsonr_str(row, "save_error", "?"));
	else if (row != NULL && jsonr_get(row, "state") != NULL)
		dash_msg(d, VIEW_OK, "%s: done, now %s%s", r->change.what,
		    jsonr_str(row, "state", "?"),
		    jsonr_bool(row, "differs", 0) ? " (differs from the INI)" :
		                                    "");
	else
		dash_msg(d, VIEW_OK, "%s: done", r->change.what);
	d->last = r->change;
	d->have_last = 1;
}

/* A reply is complete: rows hold its JSON lines, or error is set. */
static void
dash_reply(struct dash *d, struct dash_req *r, const char *error)
{
	uint64_t now = uv_now(&d->loop);

	switch (r->kind) {
	case REQ_STATUS:
		if (error == NULL && d->nrows > 0)
			model_status(d->m, d->rows[0], now);
		break;
	case REQ_ROUTES:
		if (error == NULL)
			model_routes(d->m, d->rows, d->nrows, now);
		break;
	case REQ_BACKENDS:
		if (error == NULL)
			model_backends(d->m, d->rows, d->nrows);
		break;
	case REQ_BANS:
		if (error == NULL)
			model_bans(d->m, d->rows, d->nrows);
		else
			model_bans_error(d->m, error);
		break;
	case REQ_SUBSCRIBE:
		if (error != NULL)
			dash_msg(d, VIEW_ERR, "no live requests: %s", error);
		break;
	case REQ_READONLY:
		if (error != NULL) {
			/* Never run an admin session the user did not ask
			 * for: this one is not read-only. */
			dash_down(d, "the daemon refused a read-only session");
			return;
		}
		break;
	case REQ_CHANGE:
		dash_change_done(d, r, error);
		dash_poll(d);
		break;
	}
	if (r->kind <= REQ_BANS && --d->polls == 0 && d->poll_again)
		dash_poll(d);
	dash_dirty(d, r->kind == REQ_CHANGE);
}

/* The pending request of tag; removes it into *out. */
static int
dash_take(struct dash *d, const char *tag, struct dash_req *out)
{
	size_t i;

	for (i = 0; i < d->npending; i++) {
		if (strcmp(d->pending[i].tag, tag) == 0) {
			*out = d->pending[i];
			memmove(&d->pending[i], &d->pending[i + 1],
			    (d->npending - i - 1) * sizeof d->pending[0]);
			d->npending--;
			return 0;
		}
	}
	return -1;
}

static void
dash_event(struct dash *d, const char *json, size_t len)
{
	struct jsonr *ev = jsonr_parse(json, len, NULL, 0);

	if (ev == NULL)
		return;
	if (model_event(d->m, ev))
		dash_poll(d); /* a switch or reload: fresh tables now */
	jsonr_free(ev);
	dash_dirty(d, 0);
}

/* One line from the daemon. */
static void
dash_line(struct dash *d, char *line, size_t len)
{
	struct dash_req r;
	struct ctl_msg  m;
	struct jsonr   *row;

	ctl_reader_line(&d->rd, line, len, &m);
	if (d->conn == DASH_GREETING) {
		if (m.kind != CTL_MSG_HELLO || !m.ours) {
			dash_down(d, "not a frontdoord of this version");
			return;
		}
		d->conn = DASH_UP;
		d->retry_ms = DASH_RETRY_MIN;
		if (d->ever_up)
			dash_msg(d, VIEW_OK, "reconnected to frontdoord");
		else if (d->v.msg[0] != '\0' && d->v.tone == VIEW_ERR)
			d->v.msg[0] = '\0';
		d->ever_up = 1;
		d->attempts = 0;
		d->polls = 0;
		d->m->bans_state = MODEL_BANS_UNKNOWN;
		if (d->readonly)
			dash_send1(d, REQ_READONLY, "readonly");
		dash_send1(d, REQ_SUBSCRIBE, "subscribe");
		dash_poll(d);
		uv_timer_start(&d->poll_timer, dash_poll_cb, DASH_POLL_MS,
		    DASH_POLL_MS);
		dash_dirty(d, 1);
		return;
	}
	switch (m.kind) {
	case CTL_MSG_EVENT:
		dash_event(d, m.text, m.len);
		break;
	case CTL_MSG_BEGIN:
		dash_rows_free(d);
		break;
	case CTL_MSG_END:
		if (dash_take(d, m.tag, &r) == 0)
			dash_reply(d, &r,
			    d->overflow ? "reply too long" : NULL);
		dash_rows_free(d);
		break;
	case CTL_MSG_ERROR:
		dash_rows_free(d);
		if (dash_take(d, m.tag, &r) == 0)
			dash_reply(d, &r, m.text);
		break;
	case CTL_MSG_ROW:
		if (d->nrows == DASH_ROWS_MAX) {
			d->overflow = 1;
			break;
		}
		if ((row = jsonr_parse(m.text, m.len, NULL, 0)) == NULL)
			break;
		if (d->nrows == d->caprows) {
			d->caprows = d->caprows ? d->caprows * 2 : 64;
			d->rows =
			    xreallocarray(d->rows, d->caprows, sizeof *d->rows);
		}
		d->rows[d->nrows++] = row;
		break;
	default:
		break; /* a line of a newer protocol: let it pass */
	}
}

static void
dash_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
	static char chunk[65536];

	(void)h, (void)hint;
	*buf = uv_buf_init(chunk, sizeof chunk);
}

static void
dash_read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct dash *d = s->data;
	size_t       off = 0, took, len;

	if (n < 0) {
		dash_down(d,
		    n == UV_EOF ? "frontdoord closed the connection" :
		                  uv_strerror((int)n));
		return;
	}
	if (buf_append(&d->in, buf->base, (size_t)n) != 0) {
		dash_down(d, "a line from frontdoord is too long");
		return;
	}
	while ((d->conn == DASH_GREETING || d->conn == DASH_UP) &&
	    (took = ctl_line_cut(d->in.data + off, d->in.len - off, &len)) >
	        0) {
		dash_line(d, d->in.data + off, len);
		off += took;
	}
	if (d->conn == DASH_GREETING || d->conn == DASH_UP) {
		buf_consume(&d->in, off);
		if (d->in.len > CTL_REPLY_LINE_MAX)
			dash_down(d, "a line from frontdoord is too long");
	}
}

static void
dash_retry_cb(uv_timer_t *t)
{
	dash_connect(t->data);
}

static void
dash_closed_cb(uv_handle_t *h)
{
	struct dash *d = h->data;

	d->conn = DASH_DOWN;
	if (d->quit)
		return;
	uv_timer_start(&d->retry_timer, dash_retry_cb, d->retry_ms, 0);
	d->retry_ms =
	    d->retry_ms * 2 > DASH_RETRY_MAX ? DASH_RETRY_MAX : d->retry_ms * 2;
}

/* The connection is gone (or never came): close it and try again later. */
static void
dash_down(struct dash *d, const char *why)
{
	if (d->quit || d->conn == DASH_DOWN || d->conn == DASH_CLOSING)
		return;
	if (why != NULL) {
		snprintf(d->why, sizeof d->why, "%s", why);
		dash_msg(d, VIEW_ERR, "frontdoord at %s: %s", d->path, why);
	}
	uv_timer_stop(&d->poll_timer);
	d->conn = DASH_CLOSING;
	d->npending = 0;
	d->polls = 0;
	ctl_reader_init(&d->rd);
	dash_rows_free(d);
	buf_reset(&d->in);
	if (d->confirming) {
		d->confirming = 0;
		d->v.prompting = 0;
	}
	uv_close((uv_handle_t *)&d->pipe, dash_closed_cb);
	dash_dirty(d, 1);
}

static void
dash_connect_cb(uv_connect_t *req, int status)
{
	struct dash *d = req->data;

	if (d->quit || d->conn != DASH_CONNECTING)
		return; /* cancelled: the dashboard is closing */
	if (status != 0) {
		d->conn = DASH_GREETING; /* so dash_down closes the pipe */
		dash_down(d, client_cause(-status));
		return;
	}
	d->conn = DASH_GREETING;
	uv_read_start((uv_stream_t *)&d->pipe, dash_alloc_cb, dash_read_cb);
}

static void
dash_connect(struct dash *d)
{
	if (d->quit || d->conn != DASH_DOWN)
		return;
	d->attempts++;
	uv_pipe_init(&d->loop, &d->pipe, 0);
	d->pipe.data = d;
	d->connect.data = d;
	d->conn = DASH_CONNECTING;
	ctl_reader_init(&d->rd);
	uv_pipe_connect(&d->connect, &d->pipe, d->path, dash_connect_cb);
	dash_dirty(d, 0);
}

/* -- keys --------------------------------------------------------------- */

static void
dash_screen(struct dash *d, enum input_screen s)
{
	if (s == SCREEN_HELP && d->v.screen != SCREEN_HELP)
		d->v.help_for = d->v.screen;
	d->v.screen = s;
}

static void
dash_ask(struct dash *d, const struct input_change *c, int undo)
{
	d->change = *c;
	d->change_undo = undo;
	d->confirming = 1;
	d->v.prompting = 1;
	snprintf(d->v.prompt, sizeof d->v.prompt, "%s%s? y/N ", c->what,
	    d->conn == DASH_UP ? "" : " (not connected)");
}

/* Build the change the action asks for on the selection, and ask y/N. */
static void
dash_change(struct dash *d, enum input_action a)
{
	const struct model_route   *r;
	const struct model_backend *b;
	const char                 *addr;
	struct input_change         c, u;
	char                        why[640];
	int                         rc = -1;

	if (d->readonly) {
		dash_msg(d, VIEW_ERR,
		    "read-only (frontdoor -r): this key changes nothing");
		return;
	}
	snprintf(why, sizeof why, "nothing selected");
	switch (a) {
	case ACT_ROUTE_TOGGLE:
	case ACT_MAINTENANCE:
		if ((r = view_sel_route(&d->v)) != NULL)
			rc = input_change_route(&c, a, r->name, r->state, why,
			    sizeof why);
		break;
	case ACT_BACKEND_ENABLE:
	case ACT_BACKEND_DISABLE:
	case ACT_BACKEND_DRAIN:
		if ((b = view_sel_backend(&d->v)) != NULL)
			rc = input_change_backend(&c, a, b->route, b->address,
			    b->state, why, sizeof why);
		break;
	case ACT_BAN:
	case ACT_UNBAN:
		if (a == ACT_UNBAN &&
		    d->m->bans_state == MODEL_BANS_UNAVAILABLE) {
			snprintf(why, sizeof why,
			    "bans are not available in this frontdoord");
			break;
		}
		if ((addr = view_sel_client(&d->v)) != NULL)
			rc = input_change_ban(&c, a, addr,
			    model_ban_find(d->m, addr) != NULL, why,
			    sizeof why);
		break;
	case ACT_RELOAD:
		input_change_reload(&c);
		rc = 0;
		break;
	case ACT_UNDO:
		if (!d->have_last)
			snprintf(why, sizeof why, "no change to undo");
		else if (input_change_undo(&u, &d->last) != 0)
			snprintf(why, sizeof why, "%s cannot be undone",
			    d->last.what);
		else {
			dash_ask(d, &u, 1);
			return;
		}
		break;
	default:
		return;
	}
	if (rc != 0) {
		dash_msg(d, VIEW_ERR, "%s", why);
		return;
	}
	dash_ask(d, &c, 0);
}

static void
dash_confirm_key(struct dash *d, int key)
{
	d->confirming = 0;
	d->v.prompting = 0;
	if (key != 'y' && key != 'Y') {
		dash_msg(d, VIEW_INFO, "cancelled: %s", d->change.what);
		return;
	}
	if (dash_send(d, REQ_CHANGE, d->change.nwords, d->change.words,
	        &d->change) != 0) {
		dash_msg(d, VIEW_ERR, "%s: not connected to frontdoord",
		    d->change.what);
		return;
	}
	dash_msg(d, VIEW_INFO, "%s…", d->change.what);
}

static void
dash_filter_show(struct dash *d)
{
	snprintf(d->v.prompt, sizeof d->v.prompt,
	    "filter: %s_   (Enter keeps it, Esc cancels; 4xx, route:NAME)",
	    d->filter_edit);
}

static void
dash_filter_key(struct dash *d, int key)
{
	size_t n = strlen(d->filter_edit);

	if (key == '\r' || key == '\n') {
		d->filtering = 0;
		d->v.prompting = 0;
		dash_msg(d, VIEW_INFO, "filter: %s",
		    d->filter_edit[0] ? d->filter_edit : "(none)");
		return;
	}
	if (key == INPUT_KEY_ESC || key == 3) {
		model_filter_text(d->m, d->filter_old);
		d->filtering = 0;
		d->v.prompting = 0;
		return;
	}
	if (key == 0x7f || key == 0x08) {
		/* Back over one character, UTF-8 continuation bytes too. */
		while (n > 0 &&
		    ((unsigned char)d->filter_edit[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0)
			n--;
		d->filter_edit[n] = '\0';
	} else if (key == 0x15) {
		d->filter_edit[0] = '\0'; /* Ctrl-U */
	} else if (key >= 0x20 && key < 0x100 && key != 0x7f &&
	    n + 1 < sizeof d->filter_edit) {
		d->filter_edit[n] = (char)key;
		d->filter_edit[n + 1] = '\0';
	} else
		return;
	model_filter_text(d->m, d->filter_edit);
	d->v.sel[SCREEN_LIVE] = 0;
	dash_filter_show(d);
}

static void
dash_move(struct dash *d, enum input_action a)
{
	size_t count = view_count(&d->v), page = (size_t)(view_body(&d->v) - 3);
	size_t *sel = &d->v.sel[d->v.screen];

	if (page < 1 || page > 1000)
		page = 1;
	switch (a) {
	case ACT_UP:
		*sel -= *sel > 0;
		break;
	case ACT_DOWN:
		*sel += *sel + 1 < count;
		break;
	case ACT_PGUP:
		*sel = *sel > page ? *sel - page : 0;
		break;
	case ACT_PGDN:
		*sel = count == 0       ? 0 :
		    *sel + page < count ? *sel + page :
		                          count - 1;
		break;
	case ACT_TOP:
		*sel = 0;
		break;
	default:
		*sel = count > 0 ? count - 1 : 0;
		break;
	}
	/* On Live, moving off the newest row pauses the list (as less +F). */
	if (d->v.screen == SCREEN_LIVE && *sel > 0 && !d->m->paused)
		model_pause(d->m, 1);
}

static void
dash_key(struct dash *d, int key)
{
	const struct input_binding *b;
	const struct model_event   *e;
	int                         cls;

	if (d->confirming) {
		dash_confirm_key(d, key);
		return;
	}
	if (d->filtering) {
		dash_filter_key(d, key);
		return;
	}
	if (key == 3) { /* Ctrl-C: the terminal is raw */
		d->quit = 1;
		return;
	}
	if ((b = input_lookup(d->v.screen, key)) == NULL)
		return;
	if (input_changes(b->action)) {
		dash_change(d, b->action);
		return;
	}
	d->v.msg[0] = '\0';
	switch (b->action) {
	case ACT_QUIT:
		d->quit = 1;
		break;
	case ACT_BACK:
		if (d->v.screen == SCREEN_HELP)
			dash_screen(d, d->v.help_for);
		else if (d->v.screen == SCREEN_LIVE &&
		    model_filter_active(d->m)) {
			model_filter_text(d->m, "");
			model_filter_status(d->m, 0);
			model_filter_route(d->m, "");
		}
		break;
	case ACT_HELP:
		dash_screen(d,
		    d->v.screen == SCREEN_HELP ? d->v.help_for : SCREEN_HELP);
		break;
	case ACT_NEXT_SCREEN:
		dash_screen(d, (d->v.screen + 1) % SCREEN_COUNT);
		break;
	case ACT_PREV_SCREEN:
		dash_screen(d, (d->v.screen + SCREEN_COUNT - 1) % SCREEN_COUNT);
		break;
	case ACT_SCREEN:
		dash_screen(d, (enum input_screen)b->arg);
		break;
	case ACT_UP:
	case ACT_DOWN:
	case ACT_PGUP:
	case ACT_PGDN:
	case ACT_TOP:
	case ACT_BOTTOM:
		dash_move(d, b->action);
		break;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		break;
	case ACT_FILTER:
		d->filtering = 1;
		d->v.prompting = 1;
		snprintf(d->filter_old, sizeof d->filter_old, "%s",
		    d->m->filter.text);
		snprintf(d->filter_edit, sizeof d->filter_edit, "%s",
		    d->m->filter.text);
		dash_filter_show(d);
		break;
	case ACT_FILTER_STATUS:
		cls = d->m->filter.status == 0 ? 2 :
		    d->m->filter.status == 5   ? 0 :
		                                 d->m->filter.status + 1;
		model_filter_status(d->m, cls);
		d->v.sel[SCREEN_LIVE] = 0;
		break;
	case ACT_FILTER_ROUTE:
		if (d->m->filter.route[0] != '\0')
			model_filter_route(d->m, "");
		else if ((e = view_sel_event(&d->v)) != NULL)
			model_filter_route(d->m, e->route);
		d->v.sel[SCREEN_LIVE] = 0;
		break;
	case ACT_FILTER_CLEAR:
		model_filter_text(d->m, "");
		model_filter_status(d->m, 0);
		model_filter_route(d->m, "");
		d->v.sel[SCREEN_LIVE] = 0;
		break;
	case ACT_PAUSE:
		model_pause(d->m, !d->m->paused);
		if (!d->m->paused)
			d->v.sel[SCREEN_LIVE] = 0;
		break;
	default:
		break;
	}
}

static void
dash_keys(struct dash *d, const int *keys, size_t n)
{
	size_t i;

	for (i = 0; i < n && !d->quit; i++)
		dash_key(d, keys[i]);
	if (n > 0)
		dash_dirty(d, 1);
}

static void dash_stop(struct dash *);

static void
dash_esc_cb(uv_timer_t *t)
{
	struct dash *d = t->data;
	int          keys[32];

	dash_keys(d, keys, input_flush(&d->dec, keys, 32));
	if (d->quit)
		dash_stop(d);
}

static void
dash_tty_cb(uv_poll_t *p, int status, int events)
{
	struct dash *d = p->data;
	char         bytes[256];
	int          keys[256];
	ssize_t      n;

	(void)events;
	n = status < 0 ? -1 : read(STDIN_FILENO, bytes, sizeof bytes);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		d->quit = 1; /* the terminal went away */
		d->status = 1;
		dash_stop(d);
		return;
	}
	uv_timer_stop(&d->esc_timer);
	dash_keys(d, keys, input_feed(&d->dec, bytes, (size_t)n, keys, 256));
	if (input_pending(&d->dec))
		uv_timer_start(&d->esc_timer, dash_esc_cb, DASH_ESC_MS, 0);
	if (d->quit)
		dash_stop(d);
}

/* -- signals and the end ------------------------------------------------ */

static void
dash_winch_cb(uv_signal_t *s, int sig)
{
	struct dash   *d = s->data;
	struct winsize ws;

	(void)sig;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 &&
	    ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	dash_draw(d);
}

static void
dash_term_cb(uv_signal_t *s, int sig)
{
	struct dash *d = s->data;

	d->quit = 1;
	d->status = 128 + sig;
	dash_stop(d);
}

static void
dash_stop(struct dash *d)
{
	d->quit = 1;
	uv_stop(&d->loop);
}

static void
dash_close_walk(uv_handle_t *h, void *arg)
{
	(void)arg;
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

int
dash_run(const char *path, int readonly)
{
	struct dash *d = xcalloc(1, sizeof *d);
	const char  *cs;
	int          status;

	setlocale(LC_ALL, "");
	cs = nl_langinfo(CODESET);
	if (uv_loop_init(&d->loop) != 0) {
		free(d);
		fprintf(stderr, "frontdoor: cannot start an event loop\n");
		return 1;
	}
	d->path = path;
	d->readonly = readonly;
	d->retry_ms = DASH_RETRY_MIN;
	d->m = model_new();
	buf_init(&d->in, DASH_READ_MAX);
	d->v.m = d->m;
	d->v.readonly = readonly;
	d->v.utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0;

	if (initscr() == NULL) {
		fprintf(stderr, "frontdoor: cannot set up the terminal\n");
		return 1;
	}
	raw();
	noecho();
	nonl();
	curs_set(0);
	leaveok(stdscr, TRUE);
	view_init(&d->v);

	uv_timer_init(&d->loop, &d->poll_timer);
	uv_timer_init(&d->loop, &d->draw_timer);
	uv_timer_init(&d->loop, &d->esc_timer);
	uv_timer_init(&d->loop, &d->retry_timer);
	d->poll_timer.data = d->draw_timer.data = d;
	d->esc_timer.data = d->retry_timer.data = d;
	uv_poll_init(&d->loop, &d->tty, STDIN_FILENO);
	d->tty.data = d;
	uv_poll_start(&d->tty, UV_READABLE, dash_tty_cb);
	uv_signal_init(&d->loop, &d->winch);
	uv_signal_init(&d->loop, &d->term);
	uv_signal_init(&d->loop, &d->hup);
	d->winch.data = d->term.data = d->hup.data = d;
	uv_signal_start(&d->winch, dash_winch_cb, SIGWINCH);
	uv_signal_start(&d->term, dash_term_cb, SIGTERM);
	uv_signal_start(&d->hup, dash_term_cb, SIGHUP);

	dash_connect(d);
	dash_draw(d);
	uv_run(&d->loop, UV_RUN_DEFAULT);

	/* Close every handle (the pipe too, when open) and let them go. */
	uv_walk(&d->loop, dash_close_walk, NULL);
	uv_run(&d->loop, UV_RUN_DEFAULT);
	uv_loop_close(&d->loop);
	endwin();

	status = d->status;
	dash_rows_free(d);
	free(d->rows);
	buf_free(&d->in);
	model_free(d->m);
	free(d);
	return status;
}
