/* SPDX-License-Identifier: ISC */
/* The control protocol between frontdoord and frontdoor, both sides. */

#include <stdio.h>
#include <string.h>

#include "ctlproto.h"
#include "version.h"

int
ctl_split(char *line, char **words, int max)
{
	char *p = line;
	int   n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return n;
		if (n == max)
			return -1;
		words[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t') {
			if ((unsigned char)*p < 0x21 ||
			    (unsigned char)*p > 0x7e)
				return -1;
			p++;
		}
		if (*p != '\0')
			*p++ = '\0';
	}
}

int
ctl_tag_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > CTL_TAG_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		        c == '-'))
			return 0;
	}
	return 1;
}

size_t
ctl_line_cut(char *data, size_t len, size_t *linelen)
{
	char  *nl = len > 0 ? memchr(data, '\n', len) : NULL;
	size_t n;

	if (nl == NULL)
		return 0;
	n = (size_t)(nl - data);
	*nl = '\0';
	if (n > 0 && data[n - 1] == '\r')
		data[--n] = '\0';
	*linelen = n;
	return (size_t)(nl - data) + 1;
}

void
ctl_put_greeting(struct buf *b)
{
	buf_printf(b, "%%frontdoor %d %s\n", CTL_PROTOCOL, FRONTDOOR_VERSION);
}

void
ctl_put_reply(struct buf *b, const char *tag, const char *rows, size_t len)
{
	buf_printf(b, "%%begin %s\n", tag);
	buf_append(b, rows, len);
	buf_printf(b, "%%end %s\n", tag);
}

void
ctl_put_error(struct buf *b, const char *tag, const char *msg)
{
	buf_printf(b, "%%error %s %s\n", tag, msg);
}

void
ctl_put_event(struct buf *b, const char *json, size_t len)
{
	buf_append(b, "%event ", 7);
	buf_append(b, json, len);
	buf_append(b, "\n", 1);
}

void
ctl_put_request(struct buf *b, const char *tag, int argc, char *const *argv)
{
	int i;

	buf_puts(b, tag);
	for (i = 0; i < argc; i++) {
		buf_puts(b, " ");
		buf_puts(b, argv[i]);
	}
	buf_puts(b, "\n");
}

void
ctl_reader_init(struct ctl_reader *rd)
{
	rd->state = CTL_READ_GREETING;
}

/*
 * "WORD TAG" or "WORD TAG REST": the tag copied to tag, *rest after it
 * ("" without).  -1 when line is not WORD, a space and a tag of at most
 * CTL_TAG_MAX bytes.
 */
static int
ctl_framed(const char *line, const char *word, char *tag, const char **rest)
{
	size_t      n = strlen(word), tl;
	const char *t;

	if (strncmp(line, word, n) != 0 || line[n] != ' ')
		return -1;
	t = line + n + 1;
	if ((tl = strcspn(t, " ")) > CTL_TAG_MAX)
		return -1;
	memcpy(tag, t, tl);
	tag[tl] = '\0';
	*rest = t[tl] == ' ' ? t + tl + 1 : t + tl;
	return 0;
}

/* "%frontdoor PROTOCOL [VERSION]", or -1. */
static int
ctl_hello(char *line, struct ctl_msg *m)
{
	char *w[4], ours[16];
	int   n;

	n = ctl_split(line, w, 4);
	if (n < 2 || strcmp(w[0], "%frontdoor") != 0)
		return -1;
	snprintf(ours, sizeof ours, "%d", CTL_PROTOCOL);
	m->kind = CTL_MSG_HELLO;
	m->protocol = w[1];
	m->ours = strcmp(w[1], ours) == 0;
	m->text = n > 2 ? w[2] : "";
	m->len = strlen(m->text);
	return 0;
}

void
ctl_reader_line(struct ctl_reader *rd, char *line, size_t len,
    struct ctl_msg *m)
{
	const char *rest;

	memset(m, 0, sizeof *m);
	m->kind = CTL_MSG_OTHER;
	if (ctl_framed(line, "%error", m->tag, &rest) == 0) {
		m->kind = CTL_MSG_ERROR;
		m->text = *rest != '\0' ? rest : "refused";
		m->len = strlen(m->text);
		if (rd->state == CTL_READ_INSIDE)
			rd->state = CTL_READ_BETWEEN;
		return;
	}
	switch (rd->state) {
	case CTL_READ_GREETING:
		if (strncmp(line, "%frontdoor ", 11) == 0 &&
		    ctl_hello(line, m) == 0)
			rd->state = CTL_READ_BETWEEN;
		break;
	case CTL_READ_BETWEEN:
		if (strncmp(line, "%event ", 7) == 0) {
			m->kind = CTL_MSG_EVENT;
			m->text = line + 7;
			m->len = len - 7;
		} else if (ctl_framed(line, "%begin", m->tag, &rest) == 0) {
			m->kind = CTL_MSG_BEGIN;
			rd->state = CTL_READ_INSIDE;
		}
		break;
	case CTL_READ_INSIDE:
		if (ctl_framed(line, "%end", m->tag, &rest) == 0) {
			m->kind = CTL_MSG_END;
			rd->state = CTL_READ_BETWEEN;
		} else if (line[0] != '%') {
			m->kind = CTL_MSG_ROW;
			m->text = line;
			m->len = len;
		}
		break;
	}
}
