/* SPDX-License-Identifier: ISC */
/* The client side of the control socket: connect, greet, ask, read replies. */

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "ctlproto.h"
#include "util.h"

void
client_init(struct client *c, const char *path)
{
	memset(c, 0, sizeof *c);
	c->fd = -1;
	c->path = path;
	c->timeout = CLIENT_TIMEOUT_MS;
	buf_init(&c->in, 0);
	ctl_reader_init(&c->rd);
}

void
client_close(struct client *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
	buf_free(&c->in);
	c->skip = 0;
	free(c->version);
	c->version = NULL;
}

const char *
client_cause(int errnum)
{
	switch (errnum) {
	case ENOENT:
		return "no such socket: is frontdoord running? "
		       "(control_socket in frontdoor.ini)";
	case EACCES:
	case EPERM:
		return "permission denied: are you in the control group?";
	case ECONNREFUSED:
		return "nobody is listening: frontdoord is not running";
	case ENOTDIR:
		return "a directory on the way is not a directory";
	case ENAMETOOLONG:
		return "the socket path is too long";
	default:
		return strerror(errnum);
	}
}

/* c->err = "frontdoord at PATH: " + the message. */
static int __attribute__((format(printf, 2, 3)))
client_fail(struct client *c, const char *fmt, ...)
{
	va_list ap;
	int     n;

	n = snprintf(c->err, sizeof c->err, "frontdoord at %s: ", c->path);
	if (n < 0 || (size_t)n >= sizeof c->err)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(c->err + n, sizeof c->err - (size_t)n, fmt, ap);
	va_end(ap);
	return CLIENT_FAILED;
}

/* Milliseconds left until deadline (0 = none: -1 for poll). */
static int
client_left(uint64_t deadline)
{
	uint64_t now;

	if (deadline == 0)
		return -1;
	now = fd_now_ms();
	return now >= deadline ? 0 :
	                         (int)MIN(deadline - now, (uint64_t)INT32_MAX);
}

/* poll(2), or ppoll(2) with the caller's signal mask. */
static int
client_wait(struct client *c, struct pollfd *pfd, int ms)
{
	struct timespec ts;

	if (c->sigmask == NULL)
		return poll(pfd, 1, ms);
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	return ppoll(pfd, 1, ms < 0 ? NULL : &ts, c->sigmask);
}

/*
 * The next line, NUL-terminated with its "\n" or "\r\n" removed, in *line
 * (*len bytes); valid until the next call.  Returns 1, 0 at end of file
 * (err says so), or -1 (err set; err empty when a signal interrupted a
 * wait without deadline, or any wait once *c->stop is set).
 */
static int
client_readline(struct client *c, uint64_t deadline, char **line, size_t *len)
{
	struct pollfd pfd;
	size_t        took;
	ssize_t       n;
	int           rv;

	if (c->skip > 0) {
		buf_consume(&c->in, c->skip);
		c->skip = 0;
	}
	for (;;) {
		if ((took = ctl_line_cut(c->in.data, c->in.len, len)) > 0) {
			if (*len > CTL_REPLY_LINE_MAX)
				break;
			c->skip = took;
			*line = c->in.data;
			return 1;
		}
		if (c->in.len > CTL_REPLY_LINE_MAX + 1)
			break;

		pfd.fd = c->fd;
		pfd.events = POLLIN;
		rv = client_wait(c, &pfd, client_left(deadline));
		if (rv == -1 && errno == EINTR) {
			if (deadline != 0 && (c->stop == NULL || !*c->stop))
				continue;
			c->err[0] = '\0';
			return -1;
		}
		if (rv == -1) {
			client_fail(c, "poll: %s", strerror(errno));
			return -1;
		}
		if (rv == 0) {
			client_fail(c, "no reply within %d s",
			    (c->timeout + 999) / 1000);
			return -1;
		}
		if (buf_reserve(&c->in, 65536) != 0) {
			client_fail(c, "out of buffer space");
			return -1;
		}
		n = read(c->fd, c->in.data + c->in.len,
		    c->in.cap - c->in.len - 1);
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1) {
			client_fail(c, "read: %s", strerror(errno));
			return -1;
		}
		if (n == 0) {
			client_fail(c, "closed the connection%s",
			    c->in.len > 0 ? " in the middle of a line" : "");
			return 0;
		}
		c->in.len += (size_t)n;
	}
	client_fail(c,
	    "a line longer than %d bytes: not the frontdoor "
	    "control protocol",
	    CTL_REPLY_LINE_MAX);
	return -1;
}

static uint64_t
client_deadline(struct client *c)
{
	return c->timeout < 0 ? 0 : fd_now_ms() + (uint64_t)c->timeout;
}

/* Printable form of a line from the daemon for a message, shortened. */
static const char *
client_show(const char *line, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; line[i] != '\0' && o + 5 < outlen; i++) {
		unsigned char ch = (unsigned char)line[i];

		if (i == 60) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (ch < 0x20 || ch > 0x7e)
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x",
			    ch);
		else
			out[o++] = (char)ch;
	}
	out[o] = '\0';
	return out;
}

int
client_connect(struct client *c, int *errnum)
{
	struct sockaddr_un sun;
	struct ctl_msg     m;
	char              *line, show[128];
	size_t             len;
	int                n;

	*errnum = 0;
	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(c->path) >= sizeof sun.sun_path) {
		*errnum = ENAMETOOLONG;
		return client_fail(c, "%s", client_cause(ENAMETOOLONG));
	}
	memcpy(sun.sun_path, c->path, strlen(c->path) + 1);
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		*errnum = errno;
		return client_fail(c, "socket: %s", strerror(errno));
	}
	if (connect(c->fd, (struct sockaddr *)&sun, sizeof sun) == -1) {
		*errnum = errno;
		close(c->fd);
		c->fd = -1;
		snprintf(c->err, sizeof c->err,
		    "cannot reach frontdoord at %s: %s", c->path,
		    client_cause(*errnum));
		return CLIENT_FAILED;
	}

	/* "%frontdoor PROTOCOL VERSION" */
	n = client_readline(c, client_deadline(c), &line, &len);
	if (n <= 0) {
		/* frontdoord closes on peers it does not let in. */
		if (n == 0)
			client_fail(c,
			    "closed the connection without a "
			    "greeting: are you in the control group?");
		return CLIENT_FAILED;
	}
	client_show(line, show, sizeof show);
	ctl_reader_line(&c->rd, line, len, &m);
	if (m.kind == CTL_MSG_ERROR && strcmp(m.tag, "-") == 0)
		return client_fail(c, "refused the connection: %s",
		    client_show(m.text, show, sizeof show));
	if (m.kind != CTL_MSG_HELLO)
		return client_fail(c,
		    "not a frontdoord control socket "
		    "(it said \"%s\")",
		    show);
	if (!m.ours)
		return client_fail(c,
		    "speaks control protocol %s, this frontdoor "
		    "speaks %d: use the frontdoor that came "
		    "with this frontdoord",
		    m.protocol, CTL_PROTOCOL);
	c->version = xstrdup(m.text);
	return CLIENT_OK;
}

int
client_words_ok(int argc, char *const *argv, char *why, size_t whylen)
{
	size_t total = CTL_TAG_MAX + 1;
	int    i;

	for (i = 0; i < argc; i++) {
		const unsigned char *p = (const unsigned char *)argv[i];

		if (*p == '\0') {
			snprintf(why, whylen, "an empty argument");
			return 0;
		}
		for (; *p != '\0'; p++) {
			if (*p < 0x21 || *p > 0x7e) {
				snprintf(why, whylen,
				    "\"%s\": spaces, control characters and "
				    "non-ASCII bytes cannot be sent to "
				    "frontdoord",
				    argv[i]);
				return 0;
			}
		}
		total += strlen(argv[i]) + 1;
	}
	if (total > CTL_LINE_MAX) {
		snprintf(why, whylen, "the request is longer than %d bytes",
		    CTL_LINE_MAX);
		return 0;
	}
	return 1;
}

static int
client_send(struct client *c, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		/* MSG_NOSIGNAL: a daemon that went away is EPIPE, not a kill. */
		n = send(c->fd, data, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return client_fail(c, "send: %s", strerror(errno));
		data += n;
		len -= (size_t)n;
	}
	return CLIENT_OK;
}

void
client_reply_free(struct client_reply *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->lines[i]);
	free(r->lines);
	free(r->error);
	memset(r, 0, sizeof *r);
}

int
client_call(struct client *c, int argc, char *const *argv,
    struct client_reply *r)
{
	struct ctl_msg m;
	struct buf     req;
	uint64_t       deadline;
	char           tag[16], *line, show[128];
	int            n, inside;
	size_t         cap = 0, len;

	memset(r, 0, sizeof *r);
	snprintf(tag, sizeof tag, "%u", ++c->tag);
	buf_init(&req, 0);
	ctl_put_request(&req, tag, argc, argv);
	n = client_send(c, req.data, req.len);
	buf_free(&req);
	if (n != CLIENT_OK)
		return n;

	deadline = client_deadline(c);
	for (;;) {
		inside = c->rd.state == CTL_READ_INSIDE;
		n = client_readline(c, deadline, &line, &len);
		if (n == 0 && inside)
			client_fail(c,
			    "closed the connection in the middle of "
			    "a reply");
		else if (n == 0)
			client_fail(c,
			    "closed the connection before "
			    "replying");
		if (n <= 0)
			goto fail;
		ctl_reader_line(&c->rd, line, len, &m);
		switch (m.kind) {
		case CTL_MSG_ROW:
			if (r->n == CLIENT_REPLY_MAX) {
				client_fail(c, "more than %d lines in a reply",
				    CLIENT_REPLY_MAX);
				goto fail;
			}
			if (r->n == cap) {
				cap = cap ? cap * 2 : 16;
				r->lines = xreallocarray(r->lines, cap,
				    sizeof *r->lines);
			}
			r->lines[r->n++] = xstrdup(m.text);
			continue;
		case CTL_MSG_EVENT:
			continue; /* a subscriber's, between replies */
		case CTL_MSG_BEGIN:
			if (strcmp(m.tag, tag) == 0)
				continue;
			break;
		case CTL_MSG_END:
			if (strcmp(m.tag, tag) == 0)
				return CLIENT_OK;
			break;
		case CTL_MSG_ERROR:
			/* "-": the daemon could not read our tag; the only
			 * request in flight is this one. */
			if (!inside &&
			    (strcmp(m.tag, tag) == 0 ||
			        strcmp(m.tag, "-") == 0)) {
				r->error = xstrdup(m.text);
				return CLIENT_REFUSED;
			}
			break;
		default:
			break;
		}
		break;
	}
	client_fail(c, "unexpected line in a reply to \"%s\": \"%s\"", argv[0],
	    client_show(line, show, sizeof show));
fail:
	client_reply_free(r);
	return CLIENT_FAILED;
}

int
client_event(struct client *c, const char **json)
{
	struct ctl_msg m;
	char          *line, show[128];
	size_t         len;

	if (client_readline(c, 0, &line, &len) <= 0)
		return CLIENT_FAILED;
	ctl_reader_line(&c->rd, line, len, &m);
	if (m.kind == CTL_MSG_EVENT) {
		*json = m.text;
		return CLIENT_OK;
	}
	client_fail(c, "unexpected line between events: \"%s\"",
	    client_show(line, show, sizeof show));
	return CLIENT_FAILED;
}
