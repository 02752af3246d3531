/* SPDX-License-Identifier: ISC */
/* The access log: one line per request, written off the loop. */
#ifndef FD_ACCESSLOG_H
#define FD_ACCESSLOG_H

struct exchange;
struct worker;

/* The log's descriptor, -1 when it is off. */
extern int accesslog_fd;
void       accesslog_write(struct exchange *);
void       accesslog_flush(struct worker *);

#endif
