/* SPDX-License-Identifier: ISC */
/* The client side of the control socket: connect, greet, ask, read replies. */
#ifndef FD_CLIENT_H
#define FD_CLIENT_H

#include <signal.h>
#include <stddef.h>

#include "buf.h"
#include "ctlproto.h"

/* How long a reply (or the greeting) may take, in milliseconds. */
#define CLIENT_TIMEOUT_MS 10000
/* At most this many lines in one reply. */
#define CLIENT_REPLY_MAX 100000

/*
 * One connection to frontdoord.  Blocking I/O with poll(2) deadlines: the
 * one-shot commands need nothing more (the dashboard will drive the same
 * protocol from a libuv loop).
 */
struct client {
	int               fd;
	const char       *path; /* not owned */
	struct buf        in;   /* received, not yet consumed */
	struct ctl_reader rd;
	size_t            skip;    /* the line last handed out, to consume */
	unsigned          tag;     /* the last request's tag */
	int               timeout; /* ms per reply, -1 none */
	char             *version; /* the daemon's, from the greeting */
	char              err[512];
	/*
	 * For a caller that stops on a signal: the signal mask to wait
	 * with (ppoll(2); the caller blocks its signals otherwise, so none
	 * is lost between a check and a wait), and the flag its handler
	 * sets.  A wait interrupted with *stop set fails with err empty.
	 */
	const sigset_t        *sigmask;
	volatile sig_atomic_t *stop;
};

/* A reply: the JSON lines of %begin ... %end, or the %error message. */
struct client_reply {
	char **lines;
	size_t n;
	char  *error; /* set when refused */
};

/*
 * Results of client_connect(), client_call() and client_event():
 * CLIENT_OK; CLIENT_REFUSED when the daemon answered %error (its message in
 * the reply); CLIENT_FAILED when the daemon cannot be reached or broke the
 * protocol (closed mid-reply, timed out, an overlong or unexpected line) --
 * c->err then says what happened and names the socket.
 */
#define CLIENT_OK      0
#define CLIENT_REFUSED 1
#define CLIENT_FAILED  -1

void client_init(struct client *, const char *path);
/*
 * Connect and read the greeting.  On failure *errnum holds the errno of
 * connect(2) (ENOENT, EACCES, ECONNREFUSED...) or 0 when the failure came
 * later (greeting, protocol version).
 */
int  client_connect(struct client *, int *errnum);
void client_close(struct client *);

/*
 * Send "TAG argv[0] argv[1] ..." and wait for its reply, which is filled in
 * r (free with client_reply_free()).  The words must pass
 * client_words_ok().  %event lines that arrive while waiting are dropped.
 */
int  client_call(struct client *, int argc, char *const *argv,
     struct client_reply *r);
void client_reply_free(struct client_reply *);

/*
 * After "subscribe": wait (without a deadline) for the next "%event JSON"
 * line and point *json at its JSON, valid until the next call.  Returns
 * CLIENT_OK, or CLIENT_FAILED (closed, broken, or interrupted by a signal:
 * then c->err is empty).
 */
int client_event(struct client *, const char **json);

/*
 * Whether argv can be sent as one request: each word printable ASCII
 * without spaces, the line within CTL_LINE_MAX.  Returns 1, or 0 with a
 * reason in why (whylen bytes).
 */
int client_words_ok(int argc, char *const *argv, char *why, size_t whylen);

/* The likely cause of a connect(2) failure, for people (frontdoor(1)). */
const char *client_cause(int errnum);

#endif
