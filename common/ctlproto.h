/* SPDX-License-Identifier: ISC */
/* The control protocol between frontdoord and frontdoor, both sides. */
#ifndef FD_CTLPROTO_H
#define FD_CTLPROTO_H

#include <stddef.h>

/*
 * Line-oriented text over a Unix stream socket, usable by hand with
 * `socat - UNIX-CONNECT:/run/frontdoor/control.sock`:
 *
 *   server, on connect:  %frontdoor PROTOCOL VERSION
 *   client:              TAG COMMAND [ARG ...]
 *   server:              %begin TAG
 *                        zero or more lines, each one JSON object
 *                        %end TAG            (success)
 *                     or %error TAG MESSAGE  (refused; MESSAGE is text)
 *   server, only between replies, after "subscribe":
 *                        %event JSON
 *
 * TAG is 1-16 characters of [A-Za-z0-9_.-], chosen by the client to match
 * replies to requests.  Words are separated by spaces.  Lines end in "\n"
 * ("\r\n" is accepted).  A request line is at most CTL_LINE_MAX bytes; a
 * reply or event line may be longer (a reload's errors), up to 1 MiB.
 *
 * Bump CTL_PROTOCOL whenever anything on the wire changes.
 */
#define CTL_PROTOCOL  1
#define CTL_LINE_MAX  4096
#define CTL_MAX_WORDS 16
#define CTL_TAG_MAX   16

/*
 * Split line (NUL-terminated, modified in place) into at most max words.
 * Returns the number of words, or -1 when there are more than max or a byte
 * is not printable ASCII.
 */
int ctl_split(char *line, char **words, int max);
/* Whether s is a valid TAG. */
int ctl_tag_ok(const char *s);

#endif
