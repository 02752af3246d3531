/* SPDX-License-Identifier: ISC */
/* The dashboard's frame (tabs, status line) and what the screens share. */

#include <curses.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "view.h"

static const short view_pairs[][2] = {
	[VC_HEAD] = { COLOR_BLACK, COLOR_CYAN },
	[VC_TITLE] = { COLOR_CYAN, -1 },
	[VC_SEL] = { COLOR_BLACK, COLOR_WHITE },
	[VC_OK] = { COLOR_GREEN, -1 },
	[VC_WARN] = { COLOR_YELLOW, -1 },
	[VC_ERR] = { COLOR_RED, -1 },
	[VC_DIM] = { COLOR_BLUE, -1 },
	[VC_MARK] = { COLOR_MAGENTA, -1 },
};

void
view_init(struct view *v)
{
	const char *nc = getenv("NO_COLOR");
	size_t      i;

	/* https://no-color.org: any non-empty value. */
	v->color = (nc == NULL || *nc == '\0') && has_colors();
	if (!v->color)
		return;
	start_color();
	use_default_colors();
	for (i = 1; i < sizeof view_pairs / sizeof view_pairs[0]; i++)
		init_pair((short)i, view_pairs[i][0], view_pairs[i][1]);
}

int
view_attr(const struct view *v, enum view_color c)
{
	if (v->color) {
		switch (c) {
		case VC_NORMAL:
			return A_NORMAL;
		case VC_TITLE:
			return (int)(COLOR_PAIR(c) | A_BOLD);
		case VC_SEL:
			return (int)A_REVERSE;
		default:
			return (int)COLOR_PAIR(c);
		}
	}
	/* Monochrome: weights instead of hues. */
	switch (c) {
	case VC_HEAD:
	case VC_SEL:
		return (int)A_REVERSE;
	case VC_TITLE:
	case VC_ERR:
		return (int)A_BOLD;
	case VC_WARN:
	case VC_MARK:
		return (int)A_UNDERLINE;
	case VC_DIM:
		return (int)A_DIM;
	default:
		return A_NORMAL;
	}
}

int
view_state_attr(const struct view *v, const char *state)
{
	if (strcmp(state, "enabled") == 0 || strcmp(state, "up") == 0)
		return view_attr(v, VC_OK);
	if (strcmp(state, "maintenance") == 0 ||
	    strcmp(state, "draining") == 0 || strcmp(state, "unknown") == 0)
		return view_attr(v, VC_WARN);
	return view_attr(v, VC_ERR);
}

int
view_status_attr(const struct view *v, int status)
{
	if (status >= 500 || status == 0)
		return view_attr(v, VC_ERR);
	if (status >= 400)
		return view_attr(v, VC_WARN);
	if (status >= 300)
		return view_attr(v, VC_DIM);
	return view_attr(v, VC_OK);
}

/*
 * The prefix of the escaped text s that fits in w columns.  Characters
 * that wcwidth() calls unprintable in this locale become "?".
 */
void
view_text(const struct view *v, int y, int x, int w, const char *s, size_t len,
    int attr)
{
	char      safe[1024], out[1024];
	size_t    n, i = 0, o = 0, k;
	int       col = 0, cw, cut = 0;
	wchar_t   wc;
	mbstate_t st;

	if (w <= 0 || x >= v->cols || y < 0 || y >= v->rows)
		return;
	if (x + w > v->cols)
		w = v->cols - x;
	n = model_safe(safe, sizeof safe, s, len, v->utf8);
	while (i < n) {
		if ((unsigned char)safe[i] < 0x80) {
			k = 1, cw = 1;
		} else {
			memset(&st, 0, sizeof st);
			k = mbrtowc(&wc, safe + i, n - i, &st);
			if (k == (size_t)-1 || k == (size_t)-2 || k == 0)
				k = 1, cw = -1;
			else
				cw = wcwidth(wc);
		}
		if (cw < 0) {
			if (col + 1 > w) {
				cut = 1;
				break;
			}
			out[o++] = '?';
			col++;
		} else {
			if (col + cw > w) {
				cut = 1;
				break;
			}
			memcpy(out + o, safe + i, k);
			o += k;
			col += cw;
		}
		i += k;
	}
	if (cut && col > 0) {
		/* Take back the last character, to show the cut. */
		while (o > 0 && ((unsigned char)out[o - 1] & 0xc0) == 0x80)
			o--;
		if (o > 0)
			o--;
		out[o++] = '~';
	}
	out[o] = '\0';
	attron(attr);
	mvaddstr(y, x, out);
	attroff(attr);
}

void
view_str(const struct view *v, int y, int x, int w, const char *s, int attr)
{
	view_text(v, y, x, w, s, strlen(s), attr);
}

void
view_printf(const struct view *v, int y, int x, int w, int attr,
    const char *fmt, ...)
{
	char    line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	view_text(v, y, x, w, line, strlen(line), attr);
}

void
view_bar(const struct view *v, int y, int attr)
{
	attron(attr);
	mvhline(y, 0, ' ', v->cols);
	attroff(attr);
}

void
view_spark(const struct view *v, int y, int x, int w, const float *s, size_t n,
    int attr)
{
	static const char *const blocks[] = { " ", "▁", "▂", "▃", "▄", "▅", "▆",
		"▇", "█" };
	static const char ascii[] = " .:-=+*#@";
	char              out[1024];
	size_t            i, first, o = 0;
	float             max = 0;
	int               lvl;

	if (w <= 0 || x + w > v->cols)
		w = v->cols - x;
	if (w <= 0)
		return;
	first = n > (size_t)w ? n - (size_t)w : 0;
	for (i = first; i < n; i++)
		if (s[i] > max)
			max = s[i];
	for (i = first; i < n && o + 4 < sizeof out; i++) {
		lvl = max > 0 ? (int)(s[i] / max * 8.0f + 0.5f) : 0;
		if (lvl == 0 && s[i] > 0)
			lvl = 1;
		if (v->utf8) {
			memcpy(out + o, blocks[lvl], strlen(blocks[lvl]));
			o += strlen(blocks[lvl]);
		} else
			out[o++] = ascii[lvl];
	}
	out[o] = '\0';
	attron(attr);
	mvaddstr(y, x, out);
	attroff(attr);
}

void
view_num(char *out, size_t outlen, double v)
{
	if (v < 0)
		v = 0;
	if (v < 10 && v != (long long)v)
		snprintf(out, outlen, "%.1f", v);
	else if (v < 10000)
		snprintf(out, outlen, "%.0f", v);
	else if (v < 1e6)
		snprintf(out, outlen, "%.1fk", v / 1e3);
	else if (v < 1e9)
		snprintf(out, outlen, "%.1fM", v / 1e6);
	else
		snprintf(out, outlen, "%.1fG", v / 1e9);
}

void
view_age(char *out, size_t outlen, uint64_t s)
{
	if (s < 60)
		snprintf(out, outlen, "%llus", (unsigned long long)s);
	else if (s < 3600)
		snprintf(out, outlen, "%llum", (unsigned long long)(s / 60));
	else if (s < 86400)
		snprintf(out, outlen, "%lluh", (unsigned long long)(s / 3600));
	else
		snprintf(out, outlen, "%llud",
		    (unsigned long long)(s / 86400 > 999 ? 999 : s / 86400));
}

void
view_ms(char *out, size_t outlen, double ms)
{
	if (ms <= 0)
		snprintf(out, outlen, "-");
	else if (ms < 10)
		snprintf(out, outlen, "%.1fms", ms);
	else if (ms < 1000)
		snprintf(out, outlen, "%.0fms", ms);
	else
		snprintf(out, outlen, "%.1fs", ms / 1000);
}

size_t
view_scroll(struct view *v, size_t count, int h)
{
	size_t *sel = &v->sel[v->screen], *top = &v->top[v->screen];

	if (h < 1)
		h = 1;
	if (count == 0)
		*sel = 0;
	else if (*sel >= count)
		*sel = count - 1;
	if (*sel < *top)
		*top = *sel;
	if (*sel >= *top + (size_t)h)
		*top = *sel - (size_t)h + 1;
	if (*top + (size_t)h > count)
		*top = count > (size_t)h ? count - (size_t)h : 0;
	return *top;
}

int
view_body(const struct view *v)
{
	return v->rows - 2;
}

size_t
view_count(struct view *v)
{
	switch (v->screen) {
	case SCREEN_OVERVIEW:
	case SCREEN_ROUTES:
		return v->m->nroutes;
	case SCREEN_BACKENDS:
		return v->m->nbackends;
	case SCREEN_LIVE:
		return model_live_count(v->m);
	case SCREEN_CLIENTS:
		return view_clients_count(v);
	default:
		return 0;
	}
}

const struct model_route *
view_sel_route(struct view *v)
{
	if ((v->screen != SCREEN_OVERVIEW && v->screen != SCREEN_ROUTES) ||
	    v->sel[v->screen] >= v->m->nroutes)
		return NULL;
	return &v->m->routes[v->sel[v->screen]];
}

const struct model_backend *
view_sel_backend(struct view *v)
{
	if (v->screen != SCREEN_BACKENDS ||
	    v->sel[v->screen] >= v->m->nbackends)
		return NULL;
	return &v->m->backends[v->sel[v->screen]];
}

const struct model_event *
view_sel_event(struct view *v)
{
	const struct model_event *e;

	if (v->screen != SCREEN_LIVE ||
	    model_live(v->m, v->sel[SCREEN_LIVE], &e, 1) != 1)
		return NULL;
	return e;
}

const char *
view_sel_client(struct view *v)
{
	const struct model_event *e;

	if (v->screen == SCREEN_CLIENTS)
		return view_clients_sel(v);
	if ((e = view_sel_event(v)) != NULL)
		return e->client;
	return NULL;
}

/* The top row: the screens as tabs, the connection on the right. */
static void
view_header(struct view *v)
{
	int  x = 0, i, w, attr = view_attr(v, VC_HEAD);
	char tab[32], right[128];

	view_bar(v, 0, attr);
	for (i = 0; i < SCREEN_COUNT; i++) {
		snprintf(tab, sizeof tab, " %d %s ", i + 1,
		    input_screen_names[i]);
		w = (int)strlen(tab);
		if (x + w > v->cols)
			break;
		/* The current tab stands out of the bar. */
		view_str(v, 0, x, w, tab,
		    i == (int)v->screen ? (int)A_BOLD : attr);
		x += w;
	}
	snprintf(right, sizeof right, "%s%s ", v->connected ? "" : v->conn,
	    v->readonly ? " read-only" : "");
	/* Columns: our own text, where each character is one column. */
	for (w = 0, i = 0; right[i] != '\0'; i++)
		w += ((unsigned char)right[i] & 0xc0) != 0x80;
	if (w > 1 && v->cols - w > x)
		view_str(v, 0, v->cols - w, w, right,
		    v->connected ? attr :
		                   view_attr(v, VC_ERR) | (int)A_REVERSE);
}

static void
view_statusline(struct view *v)
{
	int y = v->rows - 1;

	move(y, 0);
	clrtoeol();
	if (v->prompting) {
		view_str(v, y, 0, v->cols, v->prompt, (int)A_BOLD);
		return;
	}
	if (v->msg[0] != '\0') {
		view_str(v, y, 0, v->cols, v->msg,
		    v->tone == VIEW_ERR    ? view_attr(v, VC_ERR) :
		        v->tone == VIEW_OK ? view_attr(v, VC_OK) :
		                             (int)A_NORMAL);
		return;
	}
	view_str(v, y, 0, v->cols,
	    v->readonly ? "? help  q quit  Tab/1-6 screens  (read-only)" :
	                  "? help  q quit  Tab/1-6 screens  r reload  U undo",
	    view_attr(v, VC_DIM));
}

void
view_draw(struct view *v)
{
	int h = view_body(v);

	erase();
	if (v->rows < 3 || v->cols < 10) {
		mvaddnstr(0, 0, "too small", v->cols);
		return;
	}
	view_header(v);
	switch (v->screen) {
	case SCREEN_OVERVIEW:
		view_overview_draw(v, 1, h);
		break;
	case SCREEN_ROUTES:
		view_routes_draw(v, 1, h);
		break;
	case SCREEN_BACKENDS:
		view_backends_draw(v, 1, h);
		break;
	case SCREEN_LIVE:
		view_live_draw(v, 1, h);
		break;
	case SCREEN_CLIENTS:
		view_clients_draw(v, 1, h);
		break;
	default:
		view_help_draw(v, 1, h);
		break;
	}
	view_statusline(v);
}
