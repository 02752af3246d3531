/* SPDX-License-Identifier: ISC */
/* The control protocol between frontdoord and frontdoor, both sides. */
#ifndef FD_CTLPROTO_H
#define FD_CTLPROTO_H

#include <stddef.h>

#include "buf.h"

/*
 * Line-oriented text over a Unix stream socket, usable by hand with
 * `socat - UNIX-CONNECT:/run/frontdoor/control.sock`:
 *
 *   server, on connect:  %frontdoor PROTOCOL VERSION
 *                     or %error - MESSAGE    (not let in)
 *   client:              TAG COMMAND [ARG ...]
 *   server:              %begin TAG
 *                        zero or more lines, each one JSON object
 *                        %end TAG            (success)
 *                     or %error TAG MESSAGE  (refused; MESSAGE is text)
 *   server, only between replies, after "subscribe":
 *                        %event JSON
 *
 * TAG is 1-16 characters of [A-Za-z0-9_.-], chosen by the client to match
 * replies to requests ("-" when the daemon could not read the request).
 * Words are separated by spaces.  Lines end in "\n" ("\r\n" is accepted).
 * A request line is at most CTL_LINE_MAX bytes; a reply or event line may
 * be longer (a reload's errors), up to CTL_REPLY_LINE_MAX.
 *
 * Bump CTL_PROTOCOL whenever anything on the wire changes.
 */
#define CTL_PROTOCOL       1
#define CTL_LINE_MAX       4096
#define CTL_REPLY_LINE_MAX (1024 * 1024)
#define CTL_MAX_WORDS      16
#define CTL_TAG_MAX        16

/*
 * Split line (NUL-terminated, modified in place) into at most max words.
 * Returns the number of words, or -1 when there are more than max or a byte
 * is not printable ASCII.
 */
int ctl_split(char *line, char **words, int max);
/* Whether s is a valid TAG. */
int ctl_tag_ok(const char *s);

/*
 * The first line of data (len bytes): its "\n" or "\r\n" replaced by a
 * NUL, its length in *linelen.  Returns the bytes it took with its end, or
 * 0 when data holds no whole line (then nothing is changed).
 */
size_t ctl_line_cut(char *data, size_t len, size_t *linelen);

/* What the daemon sends, appended to b. */
void ctl_put_greeting(struct buf *b);
/* "%begin TAG", rows (len bytes of "\n"-ended JSON lines), "%end TAG". */
void
ctl_put_reply(struct buf *b, const char *tag, const char *rows, size_t len);
void ctl_put_error(struct buf *b, const char *tag, const char *msg);
void ctl_put_event(struct buf *b, const char *json, size_t len);
/* What a client sends: "TAG WORD ...", the words as given. */
void
ctl_put_request(struct buf *b, const char *tag, int argc, char *const *argv);

/* A client's reading of the daemon's lines, one at a time. */
enum ctl_msg_kind {
	CTL_MSG_HELLO, /* the greeting */
	CTL_MSG_BEGIN, /* a reply starts */
	CTL_MSG_ROW,   /* one of its JSON lines */
	CTL_MSG_END,   /* it ends: success */
	CTL_MSG_ERROR, /* a refusal, instead of a reply or a greeting */
	CTL_MSG_EVENT, /* pushed, between replies */
	/* Anything else: a newer protocol's line, or a broken daemon's. */
	CTL_MSG_OTHER,
};

/*
 * tag: of BEGIN, END and ERROR.  text (len bytes): the JSON of ROW and
 * EVENT, the message of ERROR, the daemon's version in HELLO.
 */
struct ctl_msg {
	enum ctl_msg_kind kind;
	char              tag[CTL_TAG_MAX + 1];
	const char       *text;
	size_t            len;
	const char       *protocol; /* HELLO: as the daemon wrote it */
	int               ours;     /* HELLO: protocol is CTL_PROTOCOL */
};

enum ctl_reader_state {
	CTL_READ_GREETING, /* connected, nothing read yet */
	CTL_READ_BETWEEN,  /* between replies */
	CTL_READ_INSIDE,   /* inside a reply */
};

struct ctl_reader {
	enum ctl_reader_state state;
};

/* A new connection: the greeting comes first. */
void ctl_reader_init(struct ctl_reader *);
/*
 * What line (one line without its end, len bytes, NUL-terminated) is in
 * the reader's state, in *m, whose pointers point into line.  Only a
 * greeting is cut into words in place.  The state moves on: past the
 * greeting (whichever protocol), into a reply at BEGIN, out of it at END
 * or ERROR.  An ERROR without a message reads as "refused".
 */
void
ctl_reader_line(struct ctl_reader *, char *line, size_t len, struct ctl_msg *m);

#endif
