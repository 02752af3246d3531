/* SPDX-License-Identifier: ISC */
/* Unit tests for daemon/auth.c: htpasswd files, Basic credentials, checks. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "util.h"

/* Hashes of "secret", made by htpasswd, openssl passwd and libcrypt. */
static const char *users[][2] = {
	{ "bcrypt",
	    "$2y$04$05z861.c/lroPIycdlNly.Se0GLl/5iH7Hg2tY310zzoexKBFwh82" },
	{ "bcrypt2b",
	    "$2b$04$05z861.c/lroPIycdlNly.Se0GLl/5iH7Hg2tY310zzoexKBFwh82" },
	{ "apr1", "$apr1$saltsalt$LrttParrLPdxvgutaSXWJ0" },
	{ "md5", "$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1" },
	{ "sha256",
	    "$5$abcdefghijklmnop$i7zHaTeYqXlesRXJ8dXj6o.MEFQdzfIJpJpcWAtszs6" },
	{ "sha512",
	    "$6$abcdefghijklmnop$J/AWykHqo2Tx5UtavGnFc3ytI33la50JpzLTarSWVh"
	    "kIXK6wOjNwwZjsrIw2UgmrER2EKrSHCeQyAINEEXAk1/" },
	{ "sha1", "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=" },
	{ "yes",
	    "$y$j9T$F5Jx5fExrKuPp53xLKQ..1$GmcwIgvdUC9qLWcKCi6gklUa1dM3ziD43Y"
	    "xYNURLKy0" },
};

struct report {
	int  errors, warnings;
	int  line[16];
	char msg[16][512];
};

static void
report_cb(void *arg, int warn, const char *file, int line, const char *msg)
{
	struct report *r = arg;

	(void)file;
	if (warn) {
		r->warnings++;
		return;
	}
	if (r->errors < 16) {
		r->line[r->errors] = line;
		snprintf(r->msg[r->errors], sizeof r->msg[0], "%s", msg);
	}
	r->errors++;
}

static char *
write_file(const char *text, size_t len)
{
	char *path = xstrdup("/tmp/test-auth-XXXXXX");
	int   fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
	return path;
}

static struct auth_file *
load_text(const char *text, struct report *r)
{
	char             *path = write_file(text, strlen(text));
	struct auth_file *af;

	memset(r, 0, sizeof *r);
	af = auth_file_load(path, report_cb, r);
	unlink(path);
	free(path);
	return af;
}

static struct auth_file *
load_all(struct report *r)
{
	char   text[4096];
	size_t i, off = 0;

	off += snprintf(text + off, sizeof text - off, "# users\n\n");
	for (i = 0; i < nitems(users); i++)
		off += snprintf(text + off, sizeof text - off, "%s:%s\r\n",
		    users[i][0], users[i][1]);
	return load_text(text, r);
}

static void
test_every_format(void **state)
{
	struct report            r;
	struct auth_file        *af = load_all(&r);
	const struct auth_entry *e;
	size_t                   i;

	(void)state;
	assert_non_null(af);
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.warnings, 1); /* {SHA} */
	assert_int_equal(auth_file_users(af), nitems(users));
	for (i = 0; i < nitems(users); i++) {
		e = auth_find(af, users[i][0], strlen(users[i][0]));
		assert_non_null(e);
		if (!auth_verify(af, e, "secret", 6))
			fail_msg("%s: the right password failed", users[i][0]);
		if (auth_verify(af, e, "Secret", 6) ||
		    auth_verify(af, e, "secret ", 7) ||
		    auth_verify(af, e, "", 0))
			fail_msg("%s: a wrong password passed", users[i][0]);
		/* crypt(3) would stop at the NUL: we must not. */
		if (auth_verify(af, e, "secret\0x", 8) ||
		    auth_verify(af, e, "secret\0", 7))
			fail_msg("%s: a password with NUL passed", users[i][0]);
	}
	assert_null(auth_find(af, "nobody", 6));
	assert_null(auth_find(af, "bcrypt\0x", 8));
	/* An unknown user costs a check but never passes. */
	assert_int_equal(auth_verify(af, NULL, "secret", 6), 0);
	auth_file_free(af);
	auth_file_free(NULL);
}

static void
test_apr1_vectors(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(auth_apr1("secret", 6, "saltsalt", 8, out, sizeof out),
	    0);
	assert_string_equal(out, "$apr1$saltsalt$LrttParrLPdxvgutaSXWJ0");
	assert_int_equal(auth_apr1("", 0, "ab", 2, out, sizeof out), 0);
	assert_string_equal(out, "$apr1$ab$S8K6Sgp3W8c9Jb6LxgywZ.");
	assert_int_equal(auth_apr1("a-rather-long-password-over-16-bytes", 36,
	                     "12345678", 8, out, sizeof out),
	    0);
	assert_string_equal(out, "$apr1$12345678$uwv68psKCpaoKG3c/2acV1");
	assert_int_equal(auth_apr1("x", 1, "ab", 2, out, 10), -1);
}

static void
test_file_errors(void **state)
{
	struct report     r;
	struct auth_file *af;

	(void)state;
	af = load_text("ann:$apr1$saltsalt$LrttParrLPdxvgutaSXWJ0\n"
	               "bob:plaintext\n"
	               "carl:abJnggxhB/yWI\n"         /* DES crypt */
	               "dora:$apr1$salt$short\n"      /* malformed */
	               "eve:realm:0123456789abcdef\n" /* htdigest */
	               "nocolon\n"
	               ":$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1\n"
	               "fay:$2y$99$05z861.c/lroPIycdlNly.Se0GLl/5iH7Hg2tY310z\n"
	               "ann:$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1\n",
	    &r);
	assert_null(af);
	assert_int_equal(r.errors, 8);
	assert_int_equal(r.line[0], 2);
	assert_non_null(strstr(r.msg[0], "user \"bob\": plain-text"));
	assert_int_equal(r.line[1], 3);
	assert_int_equal(r.line[2], 4);
	assert_int_equal(r.line[3], 5);
	assert_non_null(strstr(r.msg[3], "htdigest"));
	assert_int_equal(r.line[4], 6);
	assert_int_equal(r.line[5], 7);
	assert_int_equal(r.line[6], 8);
	assert_int_equal(r.line[7], 9);
	assert_non_null(
	    strstr(r.msg[7], "\"ann\" listed twice (first at line 1)"));

	/* A NUL byte in a line. */
	{
		static const char text[] = "ann:$1$abcdefgh$cHJi5PXp/ki/ktXzq"
		                           "lk6I1\nbob:x\0y\n";
		char             *path = write_file(text, sizeof text - 1);

		memset(&r, 0, sizeof r);
		assert_null(auth_file_load(path, report_cb, &r));
		unlink(path);
		free(path);
		assert_int_equal(r.errors, 1);
		assert_int_equal(r.line[0], 2);
		assert_non_null(strstr(r.msg[0], "NUL byte"));
	}
	/* A missing file: line 0. */
	memset(&r, 0, sizeof r);
	assert_null(auth_file_load("/nonexistent/htpasswd", report_cb, &r));
	assert_int_equal(r.errors, 1);
	assert_int_equal(r.line[0], 0);
	/* An empty file is a file with no users: nobody gets in. */
	af = load_text("", &r);
	assert_non_null(af);
	assert_int_equal(auth_verify(af, NULL, "x", 1), 0);
	auth_file_free(af);
}

static void
cred(const char *value, int want, const char *user, const char *pass,
    size_t passlen)
{
	struct auth_cred c;

	assert_int_equal(auth_basic_parse(value, strlen(value), &c), want);
	if (want != 0)
		return;
	assert_string_equal(c.user, user);
	assert_int_equal(c.user_len, strlen(user));
	assert_int_equal(c.pass_len, passlen);
	assert_memory_equal(c.pass, pass, passlen);
}

static void
test_basic_parse(void **state)
{
	char big[4096];

	(void)state;
	cred("Basic YWxpY2U6c2VjcmV0", 0, "alice", "secret", 6);
	cred("basic   YWxpY2U6c2VjcmV0  ", 0, "alice", "secret", 6);
	cred("BASIC YWxpY2U6", 0, "alice", "", 0);
	cred("Basic YWxpY2U6YTpi", 0, "alice", "a:b", 3); /* first colon */
	cred("Basic YWxpY2U6c2VjcmV0AGp1bms=", 0, "alice", "secret\0junk", 11);
	cred("Basic YWxpY2U=", -1, NULL, NULL, 0);     /* no colon */
	cred("Basic OnNlY3JldA==", -1, NULL, NULL, 0); /* empty user */
	cred("Basic YWxpY2U6c2VjcmV0=", -1, NULL, NULL, 0);
	cred("Basic YWxpY2U6c2VjcmV", -1, NULL, NULL, 0);
	cred("Basic YWxp!2U6c2VjcmV0", -1, NULL, NULL, 0);
	cred("Basic ====", -1, NULL, NULL, 0);
	cred("Basic", -1, NULL, NULL, 0);
	cred("Basic ", -1, NULL, NULL, 0);
	cred("Basicx YWxpY2U6c2VjcmV0", -1, NULL, NULL, 0);
	cred("Bearer YWxpY2U6c2VjcmV0", -1, NULL, NULL, 0);
	cred("", -1, NULL, NULL, 0);
	cred("Basic YQBiOmM=", -1, NULL, NULL, 0); /* NUL in the user */
	memset(big, 'A', sizeof big - 1);
	memcpy(big, "Basic ", 6);
	big[sizeof big - 1] = '\0';
	cred(big, -1, NULL, NULL, 0); /* too long */
}

static void
test_cache(void **state)
{
	struct report     r;
	struct auth_file *af = load_all(&r), *other = load_all(&r);
	struct auth_cred  c, wrong;

	(void)state;
	assert_int_equal(auth_basic_parse("Basic YWxpY2U6c2VjcmV0", 22, &c), 0);
	assert_int_equal(auth_basic_parse("Basic YWxpY2U6c2VjcmV1", 22, &wrong),
	    0);
	assert_int_equal(auth_cache_get(af, &c, 1000), 0);
	auth_cache_put(af, &c, 1000);
	assert_int_equal(auth_cache_get(af, &c, 1001), 1);
	assert_int_equal(auth_cache_get(af, &wrong, 1001), 0);
	/* Another file (a reload) has its own key and an empty cache. */
	assert_int_equal(auth_cache_get(other, &c, 1001), 0);
	/* Entries end. */
	assert_int_equal(auth_cache_get(af, &c, 1000 + AUTH_CACHE_MS - 1), 1);
	assert_int_equal(auth_cache_get(af, &c, 1000 + AUTH_CACHE_MS), 0);
	auth_file_free(af);
	auth_file_free(other);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_format),
		cmocka_unit_test(test_apr1_vectors),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_basic_parse),
		cmocka_unit_test(test_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
