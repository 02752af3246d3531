/* SPDX-License-Identifier: ISC */
/* The access log: format one line per request, write it off the loop. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "accesslog.h"
#include "config.h"
#include "json-write.h"
#include "log.h"
#include "util.h"
#include "worker.h"

/* Lines waiting for the disk, per worker; past this they are dropped. */
#define ACCESSLOG_BACKLOG (1024 * 1024)

int accesslog_fd = -1;
/*
 * The descriptor number the log has had since it was first opened.  A
 * worker's write queued on the thread pool names the number; so it is
 * never closed before exit, and a log turned off leaves it on /dev/null:
 * a write still in flight lands there, not in a socket or file that got
 * the number meanwhile.
 */
static int accesslog_slot = -1;

/* Combined log: nginx escapes '"', '\' and bytes outside printable ASCII. */
static void
esc_combined(struct buf *b, const char *s)
{
	char hex[8];

	if (*s == '\0') {
		buf_append(b, "-", 1);
		return;
	}
	for (; *s != '\0'; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\' || c < 0x20 || c >= 0x7f) {
			snprintf(hex, sizeof hex, "\\x%02X", c);
			buf_append(b, hex, 4);
		} else
			buf_append(b, s, 1);
	}
}

static void
accesslog_write_cb(uv_fs_t *req)
{
	struct worker *w = req->data;

	if (req->result < 0)
		w->log_dropped++;
	uv_fs_req_cleanup(req);
	w->logging = 0;
	buf_reset(&w->logbuf_busy);
	if (w->logbuf.len > 0)
		accesslog_flush(w);
}

void
accesslog_flush(struct worker *w)
{
	struct buf t;
	uv_buf_t   b;

	if (w->logging || w->logbuf.len == 0 || accesslog_fd < 0)
		return;
	t = w->logbuf;
	w->logbuf = w->logbuf_busy;
	w->logbuf_busy = t;
	b = uv_buf_init(w->logbuf_busy.data, w->logbuf_busy.len);
	w->logreq.data = w;
	/* Offset -1: the file is O_APPEND, every worker writes whole lines. */
	if (uv_fs_write(&w->loop, &w->logreq, accesslog_fd, &b, 1, -1,
	        accesslog_write_cb) == 0)
		w->logging = 1;
	else
		buf_reset(&w->logbuf_busy);
}

void
accesslog_write(struct worker *w, const struct accesslog_line *l)
{
	struct buf *b = &w->logbuf;
	const char *route = l->route != NULL ? l->route : "-";
	const char *backend = l->backend != NULL ? l->backend : "-";
	const char *method = l->method != NULL ? l->method : "";
	uint64_t    ms = l->ms;
	time_t      t = (time_t)(l->start_us / 1000000);
	struct tm   tm;
	char        when[64];
	size_t      mark = b->len;

	if (accesslog_fd < 0)
		return;
	if (b->len > ACCESSLOG_BACKLOG) {
		if (w->log_dropped++ == 0)
			log_warn("access log cannot keep up; dropping lines");
		return;
	}
	gmtime_r(&t, &tm);
	if (l->cfg->access_log_format == LOG_FORMAT_JSON) {
		strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
		buf_printf(b, "{\"time\":\"%s.%03uZ\",\"remote_addr\":", when,
		    (unsigned)(l->start_us / 1000 % 1000));
		json_cstr(b, l->client_ip);
		buf_puts(b, ",\"method\":");
		json_cstr(b, method);
		buf_puts(b, ",\"uri\":");
		json_cstr(b, l->uri);
		buf_puts(b, ",\"protocol\":");
		json_cstr(b, l->proto);
		buf_puts(b, ",\"host\":");
		json_cstr(b, l->host);
		buf_printf(b, ",\"status\":%d,\"bytes_sent\":%llu,\"referer\":",
		    l->status, (unsigned long long)l->bytes_sent);
		json_cstr(b, l->referer);
		buf_puts(b, ",\"user_agent\":");
		json_cstr(b, l->ua);
		buf_printf(b,
		    ",\"request_ms\":%llu,\"route\":", (unsigned long long)ms);
		json_cstr(b, l->route != NULL ? route : "");
		buf_puts(b, ",\"backend\":");
		json_cstr(b, l->backend != NULL ? backend : "");
		buf_puts(b, ",\"request_id\":");
		json_cstr(b, l->id);
		buf_puts(b, ",\"country\":");
		json_cstr(b, l->country);
		buf_puts(b, ",\"tls_version\":");
		json_cstr(b, l->tls_version);
		buf_puts(b, "}\n");
	} else {
		strftime(when, sizeof when, "%d/%b/%Y:%H:%M:%S +0000", &tm);
		buf_printf(b, "%s - - [%s] \"", l->client_ip, when);
		if (l->method == NULL) {
			buf_puts(b, "-"); /* no request line was parsed */
		} else {
			esc_combined(b, l->method);
			buf_append(b, " ", 1);
			esc_combined(b, l->uri);
			buf_append(b, " ", 1);
			esc_combined(b, l->proto);
		}
		buf_printf(b, "\" %d %llu \"", l->status,
		    (unsigned long long)l->bytes_sent);
		esc_combined(b, l->referer);
		buf_puts(b, "\" \"");
		esc_combined(b, l->ua);
		buf_printf(b, "\" %llu %s %s\n", (unsigned long long)ms, route,
		    backend);
	}
	if (b->len > 0 && b->data[b->len - 1] != '\n') {
		/* A buffer limit cut the line: keep lines whole. */
		b->len = mark;
		return;
	}
	accesslog_flush(w);
}

/* Open the access log as configured; -1 when off. */
static int
accesslog_open(const struct config *cfg)
{
	int fd;

	if (cfg->access_log == NULL)
		return -1;
	if (strcmp(cfg->access_log, "-") == 0) {
		fd = dup(STDOUT_FILENO);
		return fd < 0 ? -errno : fd;
	}
	return log_file_open(cfg->access_log);
}

int
accesslog_reopen(const struct config *cfg)
{
	int fd;

	fd = accesslog_open(cfg);
	if (fd < -1)
		return fd;
	if (fd == -1) {
		/* Turned off: workers see -1 from now on. */
		if (accesslog_fd < 0)
			return 0;
		if ((fd = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
			return -errno;
		__atomic_store_n(&accesslog_fd, -1, __ATOMIC_RELEASE);
	} else if (accesslog_slot < 0) {
		accesslog_slot = fd;
		__atomic_store_n(&accesslog_fd, fd, __ATOMIC_RELEASE);
		return 0;
	}
	/* dup3 is atomic: a write in flight lands in the old or new file. */
	if (dup3(fd, accesslog_slot, O_CLOEXEC) < 0) {
		int error = -errno;

		close(fd);
		return error;
	}
	close(fd);
	if (cfg->access_log != NULL)
		__atomic_store_n(&accesslog_fd, accesslog_slot,
		    __ATOMIC_RELEASE);
	return 0;
}

void
accesslog_close(void)
{
	if (accesslog_slot >= 0)
		close(accesslog_slot);
	accesslog_fd = accesslog_slot = -1;
}
