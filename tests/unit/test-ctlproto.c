/* SPDX-License-Identifier: ISC */
/* Unit tests for common/ctlproto.c: words, lines, framing both ways. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ctlproto.h"
#include "version.h"

static void
test_split(void **state)
{
	char  line[] = "  7 route\tenable  app ", bad[] = "7 caf\xc3\xa9";
	char  many[] = "a b c d", *w[4];
	char *w3[3];

	(void)state;
	assert_int_equal(ctl_split(line, w, 4), 4);
	assert_string_equal(w[0], "7");
	assert_string_equal(w[1], "route");
	assert_string_equal(w[2], "enable");
	assert_string_equal(w[3], "app");
	assert_int_equal(ctl_split(bad, w, 4), -1);
	assert_int_equal(ctl_split(many, w3, 3), -1);
	assert_true(ctl_tag_ok("a-Z_0.9"));
	assert_true(ctl_tag_ok("1234567890123456"));
	assert_false(ctl_tag_ok("12345678901234567"));
	assert_false(ctl_tag_ok(""));
	assert_false(ctl_tag_ok("a/b"));
}

static void
test_line_cut(void **state)
{
	char   data[] = "one\r\ntwo\n\nthree";
	size_t len, took, off = 0;

	(void)state;
	took = ctl_line_cut(data, strlen(data), &len);
	assert_int_equal(took, 5);
	assert_int_equal(len, 3);
	assert_string_equal(data, "one");
	off += took;
	took = ctl_line_cut(data + off, sizeof data - 1 - off, &len);
	assert_int_equal(took, 4);
	assert_string_equal(data + off, "two");
	off += took;
	took = ctl_line_cut(data + off, sizeof data - 1 - off, &len);
	assert_int_equal(took, 1);
	assert_int_equal(len, 0);
	off += took;
	/* "three" has no end yet: untouched. */
	len = 99;
	assert_int_equal(ctl_line_cut(data + off, sizeof data - 1 - off, &len),
	    0);
	assert_int_equal(len, 99);
	assert_string_equal(data + off, "three");
	assert_int_equal(ctl_line_cut(NULL, 0, &len), 0);
	/* A lone "\r" is the whole line. */
	assert_int_equal(ctl_line_cut(strcpy(data, "\r\n"), 2, &len), 2);
	assert_int_equal(len, 0);
}

static void
test_put(void **state)
{
	struct buf b;
	char *argv[] = { (char *)"route", (char *)"enable", (char *)"app" };
	char  want[64];

	(void)state;
	buf_init(&b, 0);
	ctl_put_greeting(&b);
	snprintf(want, sizeof want, "%%frontdoor %d %s\n", CTL_PROTOCOL,
	    FRONTDOOR_VERSION);
	buf_append(&b, "", 1);
	assert_string_equal(b.data, want);
	buf_reset(&b);
	ctl_put_reply(&b, "7", "{\"a\":1}\n{}\n", 11);
	ctl_put_reply(&b, "8", NULL, 0);
	ctl_put_error(&b, "-", "line too long");
	ctl_put_event(&b, "{\"type\":\"x\"}", 12);
	ctl_put_request(&b, "9", 3, argv);
	ctl_put_request(&b, "10", 0, argv);
	buf_append(&b, "", 1);
	assert_string_equal(b.data,
	    "%begin 7\n{\"a\":1}\n{}\n%end 7\n"
	    "%begin 8\n%end 8\n"
	    "%error - line too long\n"
	    "%event {\"type\":\"x\"}\n"
	    "9 route enable app\n"
	    "10\n");
	buf_free(&b);
}

/* Read line (a copy) in rd's state. */
static enum ctl_msg_kind
read1(struct ctl_reader *rd, const char *line, struct ctl_msg *m, char *copy)
{
	strcpy(copy, line);
	ctl_reader_line(rd, copy, strlen(copy), m);
	return m->kind;
}

static void
test_greeting(void **state)
{
	struct ctl_reader rd;
	struct ctl_msg    m;
	char              line[128], ours[64];

	(void)state;
	snprintf(ours, sizeof ours, "%%frontdoor %d 0.9.1", CTL_PROTOCOL);
	ctl_reader_init(&rd);
	assert_int_equal(read1(&rd, ours, &m, line), CTL_MSG_HELLO);
	assert_true(m.ours);
	assert_string_equal(m.text, "0.9.1");
	assert_int_equal(rd.state, CTL_READ_BETWEEN);

	ctl_reader_init(&rd);
	assert_int_equal(read1(&rd, "%frontdoor 99 9.0", &m, line),
	    CTL_MSG_HELLO);
	assert_false(m.ours);
	assert_string_equal(m.protocol, "99");
	ctl_reader_init(&rd);
	assert_int_equal(read1(&rd, "%frontdoor 1x", &m, line), CTL_MSG_HELLO);
	assert_false(m.ours);
	assert_string_equal(m.text, "");

	ctl_reader_init(&rd);
	assert_int_equal(read1(&rd, "%error - permission denied", &m, line),
	    CTL_MSG_ERROR);
	assert_string_equal(m.tag, "-");
	assert_string_equal(m.text, "permission denied");
	assert_int_equal(rd.state, CTL_READ_GREETING);
	assert_int_equal(read1(&rd, "SSH-2.0-OpenSSH", &m, line),
	    CTL_MSG_OTHER);
	assert_int_equal(read1(&rd, "%frontdoor", &m, line), CTL_MSG_OTHER);
	assert_int_equal(read1(&rd, "%event {}", &m, line), CTL_MSG_OTHER);
	assert_int_equal(rd.state, CTL_READ_GREETING);
}

/* What the daemon writes, cut into lines and read back. */
static void
test_round_trip(void **state)
{
	struct ctl_reader rd = { CTL_READ_BETWEEN };
	struct ctl_msg    m;
	struct buf        b;
	enum ctl_msg_kind want[] = { CTL_MSG_EVENT, CTL_MSG_BEGIN, CTL_MSG_ROW,
		CTL_MSG_ROW, CTL_MSG_END, CTL_MSG_ERROR, CTL_MSG_EVENT };
	const char       *text[] = { "{\"n\":1}", NULL, "{\"a\":1}", "{}", NULL,
		      "no such route: x", "{\"n\":2}" };
	size_t            off = 0, took, len, i = 0;

	(void)state;
	buf_init(&b, 0);
	ctl_put_event(&b, "{\"n\":1}", 7);
	ctl_put_reply(&b, "12", "{\"a\":1}\n{}\n", 11);
	ctl_put_error(&b, "13", "no such route: x");
	ctl_put_event(&b, "{\"n\":2}", 7);
	while ((took = ctl_line_cut(b.data + off, b.len - off, &len)) > 0) {
		ctl_reader_line(&rd, b.data + off, len, &m);
		assert_true(i < sizeof want / sizeof want[0]);
		assert_int_equal(m.kind, want[i]);
		if (text[i] != NULL) {
			assert_int_equal(m.len, strlen(text[i]));
			assert_memory_equal(m.text, text[i], m.len);
		}
		if (m.kind == CTL_MSG_BEGIN || m.kind == CTL_MSG_END)
			assert_string_equal(m.tag, "12");
		if (m.kind == CTL_MSG_ERROR)
			assert_string_equal(m.tag, "13");
		off += took;
		i++;
	}
	assert_int_equal(i, sizeof want / sizeof want[0]);
	assert_int_equal(off, b.len);
	assert_int_equal(rd.state, CTL_READ_BETWEEN);
	buf_free(&b);
}

/* Lines out of place: what each state makes of them. */
static void
test_states(void **state)
{
	struct ctl_reader rd = { CTL_READ_BETWEEN };
	struct ctl_msg    m;
	char              line[128];

	(void)state;
	assert_int_equal(read1(&rd, "{\"a\":1}", &m, line), CTL_MSG_OTHER);
	assert_int_equal(read1(&rd, "%end 3", &m, line), CTL_MSG_OTHER);
	assert_int_equal(read1(&rd, "%begin", &m, line), CTL_MSG_OTHER);
	assert_int_equal(rd.state, CTL_READ_BETWEEN);
	/* A tag longer than any request's frames nothing. */
	assert_int_equal(read1(&rd, "%begin 12345678901234567", &m, line),
	    CTL_MSG_OTHER);
	assert_int_equal(read1(&rd, "%begin 3 more", &m, line), CTL_MSG_BEGIN);
	assert_string_equal(m.tag, "3");
	assert_string_equal(line, "%begin 3 more"); /* left whole */
	assert_int_equal(rd.state, CTL_READ_INSIDE);
	/* Inside, events and other %-lines are no rows. */
	assert_int_equal(read1(&rd, "%event {}", &m, line), CTL_MSG_OTHER);
	assert_int_equal(read1(&rd, "%begin 4", &m, line), CTL_MSG_OTHER);
	assert_int_equal(read1(&rd, "[1]", &m, line), CTL_MSG_ROW);
	assert_int_equal(read1(&rd, "%error 3", &m, line), CTL_MSG_ERROR);
	assert_string_equal(m.text, "refused");
	assert_int_equal(rd.state, CTL_READ_BETWEEN);
	assert_int_equal(read1(&rd, "%begin ", &m, line), CTL_MSG_BEGIN);
	assert_string_equal(m.tag, "");
	assert_int_equal(read1(&rd, "%end  x", &m, line), CTL_MSG_END);
	assert_string_equal(m.tag, "");
	assert_int_equal(rd.state, CTL_READ_BETWEEN);
	assert_int_equal(read1(&rd, "%frontdoor 1 0.1.0", &m, line),
	    CTL_MSG_OTHER);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_line_cut),
		cmocka_unit_test(test_put),
		cmocka_unit_test(test_greeting),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_states),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
