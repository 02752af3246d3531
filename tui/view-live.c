/* SPDX-License-Identifier: ISC */
/* The Live screen: requests as they happen, newest first, filtered. */

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "view.h"

#define VIEW_LIVE_MAX 256 /* rows on the tallest terminal we draw */

void
view_live_draw(struct view *v, int y, int h)
{
	const struct model_event *ev[VIEW_LIVE_MAX];
	const struct model_event *e;
	struct model             *m = v->m;
	char                      line[256], ms[32], cls[16];
	int                       end = y + h, row, attr, hw, pw, x, rows;
	size_t                    top, i, n, count = model_live_count(m);

	/* The state of the list: following or paused, and the filter. */
	snprintf(line, sizeof line, "%s  %zu of %zu kept%s",
	    m->paused ? "PAUSED (p follows)" : "following (p pauses)", count,
	    m->nevents, model_filter_active(m) ? "  filter:" : "");
	view_str(v, y, 1, v->cols - 1, line,
	    m->paused ? view_attr(v, VC_WARN) : view_attr(v, VC_DIM));
	if (model_filter_active(m)) {
		x = 1 + (int)strlen(line) + 1;
		snprintf(cls, sizeof cls, "%dxx ", m->filter.status);
		snprintf(line, sizeof line, "%s%s%s%s%s", m->filter.text,
		    m->filter.text[0] ? " " : "", m->filter.status ? cls : "",
		    m->filter.route[0] ? "route:" : "", m->filter.route);
		view_str(v, y, x, v->cols - x, line, view_attr(v, VC_MARK));
	}
	y++;
	/* TIME 8, CLIENT 15, CC 2, METHOD 6, HOST and PATH share what is
	 * left (two fifths and three), STATUS 3, MS 6, ROUTE 10. */
	hw = (v->cols - 1 - 9 - 16 - 3 - 7 - 4 - 7 - 11) * 2 / 5;
	if (hw < 4)
		hw = 4;
	pw = v->cols - 1 - 9 - 16 - 3 - 7 - 4 - 7 - 11 - hw - 1;
	if (pw < 4)
		pw = 4;
	view_printf(v, y, 0, v->cols, view_attr(v, VC_TITLE),
	    " %-8s %-15s %-2s %-6s %-*s %-*s %3s %6s %s", "TIME", "CLIENT",
	    "CC", "METHOD", hw, "HOST", pw, "PATH", "ST", "MS", "ROUTE");
	y++;
	rows = end - y;
	if (rows > VIEW_LIVE_MAX)
		rows = VIEW_LIVE_MAX;
	top = view_scroll(v, count, rows);
	n = model_live(m, top, ev, (size_t)(rows > 0 ? rows : 0));
	for (i = 0, row = y; i < n; i++, row++) {
		e = ev[i];
		attr = top + i == v->sel[v->screen] ? view_attr(v, VC_SEL) : 0;
		if (attr)
			view_bar(v, row, attr);
		x = 1;
		view_str(v, row, x, 8, e->time,
		    attr ? attr : view_attr(v, VC_DIM));
		x += 9;
		view_str(v, row, x, 15, e->client, attr);
		x += 16;
		view_str(v, row, x, 2, e->country[0] ? e->country : "--", attr);
		x += 3;
		view_str(v, row, x, 6, e->method, attr);
		x += 7;
		view_str(v, row, x, hw, e->host[0] ? e->host : "-", attr);
		x += hw + 1;
		view_str(v, row, x, pw, e->path[0] ? e->path : "-", attr);
		x += pw + 1;
		view_printf(v, row, x, 3,
		    attr ? attr : view_status_attr(v, e->status), "%3d",
		    e->status);
		x += 4;
		/* Whole milliseconds, as the event carries them. */
		if (e->ms < 10000)
			snprintf(ms, sizeof ms, "%ldms", e->ms);
		else
			snprintf(ms, sizeof ms, "%.1fs", (double)e->ms / 1000);
		view_printf(v, row, x, 6, attr, "%6s", ms);
		x += 7;
		view_str(v, row, x, v->cols - x, e->route[0] ? e->route : "-",
		    attr);
	}
	if (n == 0 && y < end)
		view_str(v, y, 1, v->cols - 1,
		    model_filter_active(m) ? "no request matches the filter "
		                             "(c clears it)" :
		                             "no requests yet",
		    A_NORMAL);
}
