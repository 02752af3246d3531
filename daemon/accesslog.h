/* SPDX-License-Identifier: ISC */
/* The access log: one line per request, written off the loop. */
#ifndef FD_ACCESSLOG_H
#define FD_ACCESSLOG_H

#include <stdint.h>

struct config;
struct worker;

/*
 * One request as the log tells it.  Strings are "" when unknown, and only
 * read during accesslog_write().
 */
struct accesslog_line {
	const struct config *cfg; /* its access_log_format */
	const char          *client_ip;
	const char          *method; /* NULL: no request line was parsed */
	const char          *uri;
	const char          *proto;
	const char          *host;
	const char          *referer;
	const char          *ua;
	const char          *route;   /* NULL: none */
	const char          *backend; /* NULL: none */
	const char          *id;
	const char          *country;
	const char          *tls_version;
	int                  status;
	uint64_t             bytes_sent;
	uint64_t             start_us; /* wall clock */
	uint64_t             ms;       /* how long it took */
};

/* The log's descriptor, -1 when it is off. */
extern int accesslog_fd;

/* Queue l on w's buffer and start its write, unless the log is off. */
void accesslog_write(struct worker *w, const struct accesslog_line *l);
void accesslog_flush(struct worker *);
/*
 * Open the access log cfg names ("-": standard output; none: off) in place
 * of the one open now, under the same descriptor, so a worker's write in
 * flight lands in the old file or the new.  Returns 0, or a negative errno
 * (for log_file_strerror) with the old log still open.  Main thread only.
 */
int accesslog_reopen(const struct config *cfg);
/* At exit, once the workers are gone. */
void accesslog_close(void);

#endif
