/* SPDX-License-Identifier: ISC */
/* The Overview screen: the daemon at a glance, one row per route. */

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "view.h"

static void
view_overview_uptime(char *out, size_t outlen, long long s)
{
	if (s >= 86400)
		snprintf(out, outlen, "%lldd %lldh", s / 86400, s / 3600 % 24);
	else if (s >= 3600)
		snprintf(out, outlen, "%lldh %lldm", s / 3600, s / 60 % 60);
	else
		snprintf(out, outlen, "%lldm %llds", s / 60, s % 60);
}

/* The daemon: uptime, generation and reload, rates, status classes. */
static int
view_overview_head(struct view *v, int y)
{
	const struct model_status *s = &v->m->status;
	char                       up[32], when[32], n[5][16], rps[16];
	char                       line[96];
	struct tm                  tm;
	time_t                     t;
	int                        i, x, w = v->cols - 1;

	if (!s->have) {
		view_str(v, y, 1, w, "waiting for frontdoord…", A_NORMAL);
		return y + 2;
	}
	view_overview_uptime(up, sizeof up, s->uptime);
	view_printf(v, y, 1, w, A_NORMAL,
	    "frontdoord %s  pid %lld  up %s  workers %d  connections %llu",
	    s->version, s->pid, up, s->workers,
	    (unsigned long long)s->connections);
	y++;
	if (s->reload_time == 0)
		snprintf(when, sizeof when, "never reloaded");
	else {
		t = (time_t)s->reload_time;
		localtime_r(&t, &tm);
		strftime(when, sizeof when, "reloaded %H:%M:%S", &tm);
	}
	snprintf(line, sizeof line, "generation %lld, %s: ", s->generation,
	    when);
	view_str(v, y, 1, w, line, A_NORMAL);
	x = 1 + (int)strlen(line);
	if (s->reload_ok)
		view_str(v, y, x, v->cols - x, "ok", view_attr(v, VC_OK));
	else
		view_text(v, y, x, v->cols - x,
		    s->reload_errors ? s->reload_errors : "failed",
		    s->reload_errors ? strlen(s->reload_errors) : 6,
		    view_attr(v, VC_ERR));
	y++;
	for (i = 1; i <= 5; i++)
		view_num(n[i - 1], sizeof n[0], (double)s->status[i]);
	view_num(rps, sizeof rps, s->rps);
	view_printf(v, y, 1, w, A_NORMAL,
	    "requests %llu   1xx %s  2xx %s  3xx %s  4xx %s  5xx %s",
	    (unsigned long long)s->requests, n[0], n[1], n[2], n[3], n[4]);
	if (v->m->dropped > 0 || s->events_dropped > 0)
		view_printf(v, y + 1, 1, w, view_attr(v, VC_WARN),
		    "live events dropped: %llu here, %llu at the daemon",
		    (unsigned long long)v->m->dropped,
		    (unsigned long long)s->events_dropped);
	y += 2;
	view_printf(v, y, 1, 14, view_attr(v, VC_TITLE), "req/s %7s", rps);
	view_spark(v, y, 16,
	    v->cols - 17 < MODEL_SPARK ? v->cols - 17 : MODEL_SPARK,
	    v->m->spark, MODEL_SPARK, view_attr(v, VC_OK));
	return y + 2;
}

void
view_overview_draw(struct view *v, int y, int h)
{
	const struct model_route *r;
	char                      health[32], rps[16], err[16], p99[16];
	int                       end = y + h, rowh, row, sw, attr;
	size_t                    top, i;
	double                    pct;

	y = view_overview_head(v, y);
	if (y >= end)
		return;
	/* NAME 16, STATE 12, HEALTH 9, REQ/S 7, ERR% 7, P99 8, sparkline. */
	sw = v->cols - 63;
	view_printf(v, y++, 0, v->cols, view_attr(v, VC_TITLE),
	    " %-15s %-12s %-9s %6s %6s %7s  %s", "ROUTE", "STATE", "HEALTH",
	    "REQ/S", "ERR%", "P99", sw >= 8 ? "LAST MINUTE" : "");
	rowh = end - y;
	top = view_scroll(v, v->m->nroutes, rowh);
	for (i = top, row = y; i < v->m->nroutes && row < end; i++, row++) {
		r = &v->m->routes[i];
		attr = i == v->sel[v->screen] ? view_attr(v, VC_SEL) : 0;
		if (attr)
			view_bar(v, row, attr);
		view_str(v, row, 1, 15, r->name, attr);
		view_printf(v, row, 17, 12,
		    attr ? attr : view_state_attr(v, r->state), "%s%s",
		    r->state, r->differs ? "*" : "");
		model_route_health(v->m, r->name, health, sizeof health);
		view_str(v, row, 30, 9, health, attr);
		view_num(rps, sizeof rps, r->rps);
		pct = r->requests > 0 ?
		    100.0 * (double)r->errors / (double)r->requests :
		    0;
		snprintf(err, sizeof err, "%.1f%%", pct);
		view_ms(p99, sizeof p99, r->p99);
		view_printf(v, row, 39, 22, attr, "%7s %6s %7s", rps, err, p99);
		if (sw >= 8)
			view_spark(v, row, 63, sw, r->spark, MODEL_SPARK,
			    attr ? attr : view_attr(v, VC_OK));
	}
	if (v->m->nroutes == 0 && y < end)
		view_str(v, y, 1, v->cols - 1, "no routes", A_NORMAL);
}
