/* SPDX-License-Identifier: ISC */
/* Human output of the frontdoor command: frontdoord's JSON as text. */
#ifndef FD_PRINT_H
#define FD_PRINT_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "json-read.h"

/*
 * Every function here is pure: it appends text to a buffer and touches
 * nothing else, so the unit tests can hold it to its format.  Text that
 * came from the daemon (names, hosts, paths, messages) is escaped with
 * print_esc() on the way: a terminal is never handed a control byte.
 */

/* Append s (len bytes): bytes outside printable ASCII and backslash as
 * \xNN and \\. */
void print_esc(struct buf *, const char *s, size_t len);

/* "status": key: value lines. */
void print_status(struct buf *, const struct jsonr *st);
/* "routes": a table, NAME HOSTS/PATH STATE REQ/S ERRORS P50 P99. */
void print_routes(struct buf *, struct jsonr *const *rows, size_t n);
/* "backends": a table, ROUTE ADDRESS STATE HEALTH ACTIVE REQUESTS
 * FAILURES. */
void print_backends(struct buf *, struct jsonr *const *rows, size_t n);
/* A switch's reply: "route NAME: STATE" or "backend ROUTE ADDR: STATE",
 * with " (differs from frontdoor.ini)" when it does. */
void print_switch(struct buf *, const struct jsonr *obj);
/*
 * "reload" and "check": the success line to out, else one error per line
 * to err.  Returns whether the reply says ok.
 */
int print_reload(struct buf *out, struct buf *err, const struct jsonr *obj);
int print_check(struct buf *out, struct buf *err, const struct jsonr *obj);
/* "help": a table of usage and help, admin commands marked. */
void print_help(struct buf *, struct jsonr *const *rows, size_t n);
/* One "log" line for an event; now stamps events that carry no time. */
void print_event(struct buf *, const struct jsonr *ev, time_t now);
/* Any object as "key=value ..." (replies with no format of their own). */
void print_object(struct buf *, const struct jsonr *obj);

/* Seconds as "3d 4h 5m 6s", leading zero units left out. */
void print_duration(struct buf *, long long secs);
/* Unix seconds as "2026-11-27T09:00:00Z". */
void print_time(struct buf *, time_t t);

/* A table with aligned columns; cells are escaped as they are added. */
struct print_table;

/* heads: ncols column titles; align: ncols of 'l' or 'r'. */
struct print_table      *
print_table_new(int ncols, const char *const *heads, const char *align);
void print_table_free(struct print_table *);
/* Add the cells of the next row, left to right (each escaped). */
void print_table_cell(struct print_table *, const char *s);
/* Append the table, columns separated by two spaces, no trailing space. */
void print_table_render(struct print_table *, struct buf *);

#endif
