/* SPDX-License-Identifier: ISC */
/* The Backends screen: every backend of every route, state and health. */

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "view.h"

void
view_backends_draw(struct view *v, int y, int h)
{
	const struct model_backend *b;
	char                        state[48], act[16], req[16], fail[16];
	int                         end = y + h - 1, row, attr, lw;
	size_t                      top, i;

	/* ROUTE 12, ADDRESS 21, STATE 13, HEALTH 7, LAST CHECK (what is
	 * left, shown from 8 columns), ACTIVE 5, REQS 6, FAILS 5. */
	lw = v->cols - 58 - 20;
	if (lw < 8)
		lw = 0;
	view_printf(v, y, 0, v->cols, view_attr(v, VC_TITLE),
	    " %-12s %-21s %-13s %-7s %-*s%s %5s %6s %5s", "ROUTE", "ADDRESS",
	    "STATE", "HEALTH", lw > 0 ? lw - 1 : 0, lw > 0 ? "LAST CHECK" : "",
	    lw > 0 ? " " : "", "ACTIVE", "REQS", "FAILS");
	y++;
	top = view_scroll(v, v->m->nbackends, end - y);
	for (i = top, row = y; i < v->m->nbackends && row < end; i++, row++) {
		b = &v->m->backends[i];
		attr = i == v->sel[v->screen] ? view_attr(v, VC_SEL) : 0;
		if (attr)
			view_bar(v, row, attr);
		view_str(v, row, 1, 12, b->route, attr);
		view_str(v, row, 14, 21, b->address, attr);
		/* Draining: how many requests are still to finish. */
		if (strcmp(b->state, "draining") == 0)
			snprintf(state, sizeof state, "draining (%llu)",
			    (unsigned long long)b->active);
		else
			snprintf(state, sizeof state, "%s%s", b->state,
			    b->differs ? "*" : "");
		view_str(v, row, 36, 13, state,
		    attr ? attr : view_state_attr(v, b->state));
		view_str(v, row, 50, 7, b->health,
		    attr ? attr : view_state_attr(v, b->health));
		if (lw > 0)
			view_str(v, row, 58, lw - 1, b->last[0] ? b->last : "-",
			    attr);
		view_num(act, sizeof act, (double)b->active);
		view_num(req, sizeof req, (double)b->requests);
		view_num(fail, sizeof fail, (double)b->failures);
		view_printf(v, row, 57 + lw, v->cols - 57 - lw, attr,
		    " %5s %6s %5s", act, req, fail);
	}
	if (v->m->nbackends == 0)
		view_str(v, y, 1, v->cols - 1, "no backends", A_NORMAL);
	view_str(v, y + h - 2, 1, v->cols - 1,
	    "e enable  x disable  d drain (each asks y/N)  * differs from "
	    "frontdoor.ini",
	    view_attr(v, VC_DIM));
}
