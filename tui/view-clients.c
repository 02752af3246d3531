/* SPDX-License-Identifier: ISC */
/* The Clients & countries screen: who sends the requests, and the bans. */

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "view.h"

/* The client rows on screen: at most VIEW_TOP_CLIENTS and the half of the
 * body above the bans. */
static size_t
view_clients_rows(struct view *v, const struct model_count **top)
{
	size_t max = VIEW_TOP_CLIENTS;
	int    half = (view_body(v) - 4) / 2;

	if (half < 1)
		half = 1;
	if ((size_t)half < max)
		max = (size_t)half;
	return model_top_clients(v->m, top, max);
}

size_t
view_clients_count(struct view *v)
{
	const struct model_count *top[VIEW_TOP_CLIENTS];

	return view_clients_rows(v, top) + v->m->nbans;
}

const char *
view_clients_sel(struct view *v)
{
	const struct model_count *top[VIEW_TOP_CLIENTS];
	size_t                    n = view_clients_rows(v, top);
	size_t                    sel = v->sel[SCREEN_CLIENTS];

	if (sel < n)
		return top[sel]->key;
	if (sel - n < v->m->nbans)
		return v->m->bans[sel - n].address;
	return NULL;
}

static void
view_clients_left(char *out, size_t outlen, long long s)
{
	if (s <= 0)
		snprintf(out, outlen, "ending");
	else if (s >= 86400)
		snprintf(out, outlen, "%lldd %lldh", s / 86400, s / 3600 % 24);
	else if (s >= 3600)
		snprintf(out, outlen, "%lldh %lldm", s / 3600, s / 60 % 60);
	else if (s >= 60)
		snprintf(out, outlen, "%lldm %llds", s / 60, s % 60);
	else
		snprintf(out, outlen, "%llds", s);
}

void
view_clients_draw(struct view *v, int y, int h)
{
	const struct model_count *top[VIEW_TOP_CLIENTS], *cc[VIEW_TOP_CLIENTS];
	struct model             *m = v->m;
	char                      a[16], b[16], c[16], left[32];
	int                       end = y + h, row, attr, cx, cw, banned;
	size_t                    n, nc, i, sel = v->sel[SCREEN_CLIENTS];

	n = view_clients_rows(v, top);
	(void)view_scroll(v, n + m->nbans, h);
	/* Clients on the left, countries on the right when there is room. */
	cw = v->cols >= 78 ? v->cols - 28 : v->cols;
	cx = cw + 1;
	view_printf(v, y, 0, cw, view_attr(v, VC_TITLE), " %-*s %7s %7s %7s",
	    cw - 25, "CLIENT", "REQS", "ERRORS", "DENIED");
	if (cx < v->cols)
		view_printf(v, y, cx, v->cols - cx, view_attr(v, VC_TITLE),
		    "%-7s %5s %5s %6s", "COUNTRY", "REQS", "ERRS", "DENIED");
	y++;
	for (i = 0, row = y; i < n && row < end; i++, row++) {
		banned = model_ban_find(m, top[i]->key) != NULL;
		attr = i == sel ? view_attr(v, VC_SEL) : 0;
		if (attr) {
			attron(attr);
			mvhline(row, 0, ' ', cw);
			attroff(attr);
		}
		view_str(v, row, 1, cw - 25, top[i]->key,
		    attr       ? attr :
		        banned ? view_attr(v, VC_ERR) :
		                 0);
		view_num(a, sizeof a, (double)top[i]->requests);
		view_num(b, sizeof b, (double)top[i]->errors);
		view_num(c, sizeof c, (double)top[i]->denied);
		view_printf(v, row, cw - 24, 24, attr, " %7s %7s %7s", a, b, c);
	}
	if (n == 0)
		view_str(v, y, 1, cw - 1, "no requests seen yet", A_NORMAL);
	nc = model_top_countries(m, cc, n > 5 ? n : 5);
	for (i = 0, row = y; cx < v->cols && i < nc && row < end; i++, row++) {
		view_num(a, sizeof a, (double)cc[i]->requests);
		view_num(b, sizeof b, (double)cc[i]->errors);
		view_num(c, sizeof c, (double)cc[i]->denied);
		view_str(v, row, cx, 7, cc[i]->key, 0);
		view_printf(v, row, cx + 7, v->cols - cx - 7, 0, " %5s %5s %6s",
		    a, b, c);
	}
	row = y + (int)(n > nc ? n : nc) + (n == 0);
	if (++row >= end)
		return;
	if (m->bans_state == MODEL_BANS_UNAVAILABLE) {
		view_printf(v, row, 1, v->cols - 1, view_attr(v, VC_DIM),
		    "bans: not available (%s)",
		    m->bans_error ? m->bans_error : "refused");
		return;
	}
	view_printf(v, row++, 0, v->cols, view_attr(v, VC_TITLE),
	    " %-40s %-12s %s", "BANNED", "TIME LEFT", "REASON");
	if (m->bans_state == MODEL_BANS_UNKNOWN && row < end)
		view_str(v, row, 1, v->cols - 1, "bans: asking…", A_NORMAL);
	else if (m->nbans == 0 && row < end)
		view_str(v, row, 1, v->cols - 1, "no bans", A_NORMAL);
	for (i = 0; i < m->nbans && row < end; i++, row++) {
		attr = n + i == sel ? view_attr(v, VC_SEL) : 0;
		if (attr)
			view_bar(v, row, attr);
		view_str(v, row, 1, 40, m->bans[i].address,
		    attr ? attr : view_attr(v, VC_ERR));
		/* "left" was read with the last poll: count down from it. */
		view_clients_left(left, sizeof left,
		    m->bans[i].until > 0 && v->now > 0 ?
		        m->bans[i].until - (long long)v->now :
		        m->bans[i].left);
		view_str(v, row, 42, 12, left, attr);
		view_str(v, row, 55, v->cols - 55, m->bans[i].reason, attr);
	}
}
