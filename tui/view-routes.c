/* SPDX-License-Identifier: ISC */
/* The Routes screen: state, match, traffic and latency of every route. */

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "view.h"

void
view_routes_draw(struct view *v, int y, int h)
{
	const struct model_route *r;
	char match[2 * MODEL_STR + 4], rps[16], errs[16], p50[16], p99[16],
	    den[16], hit[16], tun[24], age[8];
	uint64_t looked;
	int      end = y + h - 1, row, attr, mw;
	size_t   top, i, any = 0;

	/* NAME 14, STATE 13, HOSTS/PATH (the rest), REQ/S, ERRORS, P50, P99,
	 * DENIED, CACHE (hit ratio), TUNNELS (open, the oldest's age):
	 * 6 x 7 + 12 columns.  ERRORS leaves out the owner's 503s, the
	 * latencies the tunnels' lifetimes. */
	mw = v->cols - 1 - 15 - 13 - 54;
	if (mw < 8)
		mw = 8;
	view_printf(v, y, 0, v->cols, view_attr(v, VC_TITLE),
	    " %-14s %-12s %-*s %6s %6s %6s %6s %6s %6s %11s", "NAME", "STATE",
	    mw, "HOSTS/PATH", "REQ/S", "ERRORS", "P50", "P99", "DENIED",
	    "CACHE", "TUNNELS");
	y++;
	top = view_scroll(v, v->m->nroutes, end - y);
	for (i = top, row = y; i < v->m->nroutes && row < end; i++, row++) {
		r = &v->m->routes[i];
		attr = i == v->sel[v->screen] ? view_attr(v, VC_SEL) : 0;
		if (attr)
			view_bar(v, row, attr);
		view_str(v, row, 1, 14, r->name, attr);
		view_printf(v, row, 16, 12,
		    attr ? attr : view_state_attr(v, r->state), "%s%s",
		    r->state, r->differs ? "*" : "");
		any |= (size_t)r->differs;
		snprintf(match, sizeof match, "%s%s", r->hosts, r->path);
		if (strcmp(r->hosts, "*") == 0)
			snprintf(match, sizeof match, "*%s", r->path);
		view_str(v, row, 29, mw, match, attr);
		view_num(rps, sizeof rps, r->rps);
		view_num(errs, sizeof errs, (double)r->errors);
		view_ms(p50, sizeof p50, r->p50);
		view_ms(p99, sizeof p99, r->p99);
		view_num(den, sizeof den, (double)r->denied);
		/* Hits among the requests the cache could answer. */
		looked = r->cache_hits + r->cache_misses;
		if (!r->cached)
			snprintf(hit, sizeof hit, "-");
		else if (looked == 0)
			snprintf(hit, sizeof hit, "0%%");
		else
			snprintf(hit, sizeof hit, "%u%%",
			    (unsigned)(r->cache_hits * 100 / looked));
		if (r->tunnels == 0)
			snprintf(tun, sizeof tun, "-");
		else {
			view_age(age, sizeof age, r->tunnel_age);
			view_num(tun, 8, (double)r->tunnels);
			snprintf(tun + strlen(tun), sizeof tun - strlen(tun),
			    " %s", age);
		}
		view_printf(v, row, 29 + mw, v->cols - 29 - mw, attr,
		    " %6s %6s %6s %6s %6s %6s %11s", rps, errs, p50, p99, den,
		    hit, tun);
	}
	if (v->m->nroutes == 0)
		view_str(v, y, 1, v->cols - 1, "no routes", A_NORMAL);
	view_str(v, y + h - 2, 1, v->cols - 1,
	    any ? "* differs from frontdoor.ini (kept in the state file)" :
	          "Space enable/disable, m maintenance (each asks y/N)",
	    view_attr(v, VC_DIM));
}
