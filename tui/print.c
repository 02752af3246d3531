/* SPDX-License-Identifier: ISC */
/* Human output of the frontdoor command: frontdoord's JSON as text. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "print.h"
#include "util.h"

#define PRINT_DIFFERS "differs from frontdoor.ini"

void
print_esc(struct buf *b, const char *s, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			continue;
		buf_append(b, s + run, i - run);
		run = i + 1;
		if (c == '\\')
			buf_puts(b, "\\\\");
		else
			buf_printf(b, "\\x%02x", c);
	}
	buf_append(b, s + run, len - run);
}

static void
print_escs(struct buf *b, const char *s)
{
	print_esc(b, s, strlen(s));
}

/* A string member, escaped; "-" when absent or empty. */
static void
print_field(struct buf *b, const struct jsonr *obj, const char *key)
{
	const struct jsonr *v = jsonr_get(obj, key);

	if (v == NULL || v->type != JSONR_STR || v->len == 0)
		buf_puts(b, "-");
	else
		print_esc(b, v->str, v->len);
}

void
print_duration(struct buf *b, long long secs)
{
	long long d, h, m;

	if (secs < 0)
		secs = 0;
	d = secs / 86400;
	h = secs / 3600 % 24;
	m = secs / 60 % 60;
	if (d > 0)
		buf_printf(b, "%lldd %lldh %lldm %llds", d, h, m, secs % 60);
	else if (h > 0)
		buf_printf(b, "%lldh %lldm %llds", h, m, secs % 60);
	else if (m > 0)
		buf_printf(b, "%lldm %llds", m, secs % 60);
	else
		buf_printf(b, "%llds", secs);
}

void
print_time(struct buf *b, time_t t)
{
	struct tm tm;
	char      s[32];

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf_printf(b, "@%lld", (long long)t);
	else
		buf_puts(b, s);
}

/* The strings of array arr joined by sep, escaped; empty if none. */
static void
print_join(struct buf *b, const struct jsonr *arr, const char *sep)
{
	size_t i, k = 0;

	if (arr == NULL)
		return;
	for (i = 0; i < arr->len; i++) {
		if (arr->kids[i].type != JSONR_STR)
			continue;
		if (k++ > 0)
			buf_puts(b, sep);
		print_esc(b, arr->kids[i].str, arr->kids[i].len);
	}
}

void
print_status(struct buf *b, const struct jsonr *st)
{
	const struct jsonr *reload = jsonr_get(st, "reload");
	const struct jsonr *sc = jsonr_get(st, "status");
	const struct jsonr *errs, *https;
	static const char  *classes[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
	size_t              i;

	buf_puts(b, "version: ");
	print_field(b, st, "version");
	buf_printf(b, " (protocol %lld)\n", jsonr_int(st, "protocol", 0));
	buf_printf(b, "pid: %lld\n", jsonr_int(st, "pid", 0));
	buf_puts(b, "uptime: ");
	print_duration(b, jsonr_int(st, "uptime", 0));
	buf_puts(b, "\nconfig: ");
	print_field(b, st, "config");
	buf_printf(b, " (generation %lld)\n", jsonr_int(st, "generation", 0));

	buf_puts(b, "last reload: ");
	if (reload == NULL || jsonr_int(reload, "time", 0) == 0)
		buf_puts(b, "never");
	else {
		print_time(b, (time_t)jsonr_int(reload, "time", 0));
		errs = jsonr_arr(reload, "errors");
		if (jsonr_bool(reload, "ok", 0))
			buf_puts(b, " ok");
		else
			buf_printf(b, " failed (%zu error%s)",
			    errs ? errs->len : 0,
			    errs && errs->len == 1 ? "" : "s");
	}
	buf_puts(b, "\nlisteners: ");
	print_join(b, jsonr_arr(st, "listeners"), ", ");
	https = jsonr_arr(st, "listeners_https");
	if (https != NULL && https->len > 0) {
		buf_puts(b, "\nhttps listeners: ");
		print_join(b, https, ", ");
	}
	buf_printf(b, "\nworkers: %lld\n", jsonr_int(st, "workers", 0));
	buf_printf(b, "connections: %lld\n", jsonr_int(st, "connections", 0));
	buf_printf(b, "requests: %lld", jsonr_int(st, "requests", 0));
	if (sc != NULL) {
		for (i = 0; i < nitems(classes); i++)
			buf_printf(b, "%s%s %lld", i == 0 ? " (" : ", ",
			    classes[i], jsonr_int(sc, classes[i], 0));
		buf_puts(b, ")");
	}
	buf_printf(b, "\nreq/s: %.1f\n", jsonr_num(st, "rps", 0));
	buf_printf(b, "routes: %lld\n", jsonr_int(st, "routes", 0));
	buf_printf(b, "events dropped: %lld\n",
	    jsonr_int(st, "events_dropped", 0));
}

/* The state word, with "*" when it differs from the INI. */
static char *
print_state(const struct jsonr *obj, int *differs)
{
	const char *state = jsonr_str(obj, "state", "?");

	if (jsonr_bool(obj, "differs", 0)) {
		*differs = 1;
		return xasprintf("%s*", state);
	}
	return xstrdup(state);
}

static char *
print_ms(const struct jsonr *obj, const char *key)
{
	double ms = jsonr_num(obj, key, -1);

	if (ms < 0 || jsonr_int(obj, "requests", 0) == 0)
		return xstrdup("-");
	return xasprintf(ms < 100 ? "%.1fms" : "%.0fms", ms);
}

/* Add a cell that the table takes as it is, then free it. */
static void
print_cell_free(struct print_table *t, char *s)
{
	print_table_cell(t, s);
	free(s);
}

void
print_routes(struct buf *b, struct jsonr *const *rows, size_t n)
{
	static const char *const heads[] = { "NAME", "HOSTS/PATH", "STATE",
		"REQ/S", "ERRORS", "P50", "P99", "TUNNELS", "OLDEST" };
	struct print_table      *t = print_table_new(9, heads, "lllrrrrrr");
	struct buf               hp;
	size_t                   i;
	int                      differs = 0;

	buf_init(&hp, 0);
	for (i = 0; i < n; i++) {
		const struct jsonr *r = rows[i], *hosts, *tun;
		long long           open;

		print_table_cell(t, jsonr_str(r, "name", "?"));
		/* Hosts raw here: the table escapes the cell. */
		buf_reset(&hp);
		hosts = jsonr_arr(r, "hosts");
		if (hosts == NULL || hosts->len == 0)
			buf_puts(&hp, "*");
		for (size_t j = 0; hosts != NULL && j < hosts->len; j++) {
			if (hosts->kids[j].type != JSONR_STR)
				continue;
			if (j > 0)
				buf_puts(&hp, ",");
			buf_append(&hp, hosts->kids[j].str, hosts->kids[j].len);
		}
		buf_puts(&hp, jsonr_str(r, "path", "/"));
		print_table_cell(t, hp.data);
		print_cell_free(t, print_state(r, &differs));
		print_cell_free(t, xasprintf("%.1f", jsonr_num(r, "rps", 0)));
		print_cell_free(t,
		    xasprintf("%lld", jsonr_int(r, "errors", 0)));
		print_cell_free(t, print_ms(r, "p50_ms"));
		print_cell_free(t, print_ms(r, "p99_ms"));
		tun = jsonr_get(r, "tunnels");
		open = tun != NULL ? jsonr_int(tun, "open", 0) : 0;
		print_cell_free(t, xasprintf("%lld", open));
		if (open > 0)
			print_cell_free(t,
			    xasprintf("%llds", jsonr_int(tun, "oldest_s", 0)));
		else
			print_table_cell(t, "-");
	}
	buf_free(&hp);
	print_table_render(t, b);
	print_table_free(t);
	if (differs)
		buf_puts(b, "* " PRINT_DIFFERS "\n");
}

void
print_backends(struct buf *b, struct jsonr *const *rows, size_t n)
{
	static const char *const heads[] = { "ROUTE", "ADDRESS", "STATE",
		"HEALTH", "ACTIVE", "REQUESTS", "FAILURES" };
	struct print_table      *t = print_table_new(7, heads, "llllrrr");
	size_t                   i;
	int                      differs = 0;

	for (i = 0; i < n; i++) {
		const struct jsonr *r = rows[i];

		print_table_cell(t, jsonr_str(r, "route", "?"));
		print_table_cell(t, jsonr_str(r, "address", "?"));
		print_cell_free(t, print_state(r, &differs));
		print_table_cell(t, jsonr_str(r, "health", "?"));
		print_cell_free(t,
		    xasprintf("%lld", jsonr_int(r, "active", 0)));
		print_cell_free(t,
		    xasprintf("%lld", jsonr_int(r, "requests", 0)));
		print_cell_free(t,
		    xasprintf("%lld", jsonr_int(r, "failures", 0)));
	}
	print_table_render(t, b);
	print_table_free(t);
	if (differs)
		buf_puts(b, "* " PRINT_DIFFERS "\n");
}

void
print_switch(struct buf *b, const struct jsonr *obj)
{
	if (jsonr_get(obj, "address") != NULL) {
		buf_puts(b, "backend ");
		print_field(b, obj, "route");
		buf_puts(b, " ");
		print_field(b, obj, "address");
	} else {
		buf_puts(b, "route ");
		print_field(b, obj, "route");
	}
	buf_puts(b, ": ");
	print_field(b, obj, "state");
	if (jsonr_bool(obj, "differs", 0))
		buf_puts(b, " (" PRINT_DIFFERS ")");
	buf_puts(b, "\n");
}

/* The errors of a reload or check reply, one per line. */
static void
print_errors(struct buf *err, const struct jsonr *obj)
{
	const struct jsonr *errs = jsonr_arr(obj, "errors");
	size_t              i;

	for (i = 0; errs != NULL && i < errs->len; i++) {
		if (errs->kids[i].type != JSONR_STR)
			continue;
		print_esc(err, errs->kids[i].str, errs->kids[i].len);
		buf_puts(err, "\n");
	}
}

int
print_reload(struct buf *out, struct buf *err, const struct jsonr *obj)
{
	if (jsonr_bool(obj, "ok", 0)) {
		buf_printf(out, "reload ok (generation %lld)\n",
		    jsonr_int(obj, "generation", 0));
		return 1;
	}
	print_errors(err, obj);
	buf_puts(err,
	    "reload failed: the running configuration stays in "
	    "force\n");
	return 0;
}

int
print_check(struct buf *out, struct buf *err, const struct jsonr *obj)
{
	if (jsonr_bool(obj, "ok", 0)) {
		print_field(out, obj, "file");
		buf_puts(out, ": configuration ok\n");
		return 1;
	}
	print_errors(err, obj);
	return 0;
}

void
print_help(struct buf *b, struct jsonr *const *rows, size_t n)
{
	static const char *const heads[] = { "COMMAND", "", "DESCRIPTION" };
	struct print_table      *t = print_table_new(3, heads, "lll");
	size_t                   i;

	for (i = 0; i < n; i++) {
		print_table_cell(t, jsonr_str(rows[i], "usage", "?"));
		print_table_cell(t,
		    jsonr_bool(rows[i], "admin", 0) ? "admin" : "");
		print_table_cell(t, jsonr_str(rows[i], "help", ""));
	}
	print_table_render(t, b);
	print_table_free(t);
}

void
print_event(struct buf *b, const struct jsonr *ev, time_t now)
{
	const char *type = jsonr_str(ev, "type", "");

	if (strcmp(type, "request") == 0) {
		print_field(b, ev, "time");
		buf_puts(b, " ");
		print_field(b, ev, "client");
		buf_puts(b, " ");
		print_field(b, ev, "method");
		buf_puts(b, " ");
		if (*jsonr_str(ev, "host", "") == '\0' &&
		    *jsonr_str(ev, "path", "") == '\0')
			buf_puts(b, "-"); /* a request that did not parse */
		print_escs(b, jsonr_str(ev, "host", ""));
		print_escs(b, jsonr_str(ev, "path", ""));
		buf_printf(b, " %lld %lldms %lldB ", jsonr_int(ev, "status", 0),
		    jsonr_int(ev, "ms", 0), jsonr_int(ev, "bytes", 0));
		print_field(b, ev, "route");
		buf_puts(b, " ");
		print_field(b, ev, "backend");
		if (*jsonr_str(ev, "country", "") != '\0') {
			buf_puts(b, " country=");
			print_field(b, ev, "country");
		}
		if (*jsonr_str(ev, "rule", "") != '\0') {
			buf_puts(b, " rule=");
			print_field(b, ev, "rule");
		}
		buf_puts(b, "\n");
		return;
	}

	print_time(b, now);
	buf_puts(b, " -- ");
	if (strcmp(type, "dropped") == 0)
		buf_printf(b,
		    "%lld events dropped: this client read too "
		    "slowly",
		    jsonr_int(ev, "count", 0));
	else if (strcmp(type, "reload") == 0 && jsonr_bool(ev, "ok", 0))
		buf_printf(b, "reload ok (generation %lld)",
		    jsonr_int(ev, "generation", 0));
	else if (strcmp(type, "reload") == 0)
		buf_puts(b, "reload failed");
	else if (strcmp(type, "route") == 0) {
		buf_puts(b, "route ");
		print_field(b, ev, "name");
		buf_puts(b, ": ");
		print_field(b, ev, "state");
	} else if (strcmp(type, "backend") == 0) {
		buf_puts(b, "backend ");
		print_field(b, ev, "route");
		buf_puts(b, " ");
		print_field(b, ev, "address");
		buf_puts(b, ": ");
		print_field(b, ev, "state");
	} else
		print_object(b, ev);
	buf_puts(b, "\n");
}

static void
print_value(struct buf *b, const struct jsonr *v)
{
	size_t i;

	switch (v->type) {
	case JSONR_NULL:
		buf_puts(b, "null");
		break;
	case JSONR_BOOL:
		buf_puts(b, v->b ? "true" : "false");
		break;
	case JSONR_NUM:
		if (v->num == (double)(long long)v->num)
			buf_printf(b, "%lld", (long long)v->num);
		else
			buf_printf(b, "%g", v->num);
		break;
	case JSONR_STR:
		print_esc(b, v->str, v->len);
		break;
	case JSONR_ARR:
		for (i = 0; i < v->len; i++) {
			if (i > 0)
				buf_puts(b, ",");
			print_value(b, &v->kids[i]);
		}
		break;
	case JSONR_OBJ:
		buf_puts(b, "{");
		print_object(b, v);
		buf_puts(b, "}");
		break;
	}
}

void
print_object(struct buf *b, const struct jsonr *obj)
{
	size_t i;

	if (obj->type != JSONR_OBJ) {
		print_value(b, obj);
		return;
	}
	for (i = 0; i < obj->len; i++) {
		if (i > 0)
			buf_puts(b, " ");
		print_escs(b, obj->keys[i]);
		buf_puts(b, "=");
		print_value(b, &obj->kids[i]);
	}
}

/* -- tables ---------------------------------------------------------- */

struct print_table {
	int                ncols;
	const char *const *heads;
	const char        *align;
	char             **cells; /* escaped, row after row */
	size_t             ncells;
	size_t             cap;
};

struct print_table *
print_table_new(int ncols, const char *const *heads, const char *align)
{
	struct print_table *t = xcalloc(1, sizeof *t);

	t->ncols = ncols;
	t->heads = heads;
	t->align = align;
	return t;
}

void
print_table_free(struct print_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->ncells; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t);
}

void
print_table_cell(struct print_table *t, const char *s)
{
	struct buf e;

	buf_init(&e, 0);
	print_escs(&e, s);
	if (t->ncells == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->cells = xreallocarray(t->cells, t->cap, sizeof *t->cells);
	}
	t->cells[t->ncells++] = e.data != NULL ? e.data : xstrdup("");
}

static void
print_pad(struct buf *b, size_t n)
{
	while (n-- > 0)
		buf_puts(b, " ");
}

static void
print_table_line(struct print_table *t, struct buf *b, const char *const *row,
    const size_t *width)
{
	struct buf line;
	int        c;

	buf_init(&line, 0);
	for (c = 0; c < t->ncols; c++) {
		size_t len = strlen(row[c]);

		if (c > 0)
			buf_puts(&line, "  ");
		if (t->align[c] == 'r')
			print_pad(&line, width[c] - len);
		buf_puts(&line, row[c]);
		if (t->align[c] != 'r')
			print_pad(&line, width[c] - len);
	}
	while (line.len > 0 && line.data[line.len - 1] == ' ')
		line.len--;
	buf_append(b, line.data, line.len);
	buf_puts(b, "\n");
	buf_free(&line);
}

void
print_table_render(struct print_table *t, struct buf *b)
{
	size_t *width = xcalloc((size_t)t->ncols, sizeof *width);
	size_t  i, rows = t->ncells / (size_t)t->ncols;
	int     c;

	for (c = 0; c < t->ncols; c++)
		width[c] = strlen(t->heads[c]);
	for (i = 0; i < rows * (size_t)t->ncols; i++) {
		c = (int)(i % (size_t)t->ncols);
		width[c] = MAX(width[c], strlen(t->cells[i]));
	}
	print_table_line(t, b, t->heads, width);
	for (i = 0; i < rows; i++)
		print_table_line(t, b,
		    (const char *const *)t->cells + i * (size_t)t->ncols,
		    width);
	free(width);
}
