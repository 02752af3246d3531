/* SPDX-License-Identifier: ISC */
/* The canonical request path: each reading, what is refused, its properties. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "path.h"

/*
 * in read with flags gives want (NULL: an error).  Checked three ways: into
 * a buffer of its own, in place, and with "/." in front, which takes the
 * writing pass whenever in would take the copying one.
 */
static void
check(const char *in, unsigned flags, const char *want)
{
	char        out[512], inplace[512], dotted[512];
	const char *err = NULL;
	size_t      len = strlen(in);
	ssize_t     n, m, d;

	assert_true(len + 2 < sizeof out);
	memcpy(inplace, in, len);
	m = path_normalise(inplace, len, inplace, flags, NULL);
	memcpy(dotted, "/.", 2);
	memcpy(dotted + 2, in, len);
	d = path_normalise(dotted, len + 2, dotted, flags, NULL);
	n = path_normalise(in, len, out, flags, &err);
	if (want == NULL) {
		if (n >= 0)
			fail_msg("%s (flags %u): got \"%.*s\", want an error",
			    in, flags, (int)n, out);
		assert_non_null(err);
		assert_int_equal(m, -1);
		if (len > 0 && in[0] == '/')
			assert_int_equal(d, -1);
		return;
	}
	if (n < 0)
		fail_msg("%s (flags %u): %s, want \"%s\"", in, flags, err,
		    want);
	if ((size_t)n != strlen(want) || memcmp(out, want, (size_t)n) != 0)
		fail_msg("%s (flags %u): got \"%.*s\", want \"%s\"", in, flags,
		    (int)n, out, want);
	assert_int_equal(m, n);
	assert_memory_equal(inplace, want, (size_t)n);
	assert_int_equal(d, n);
	assert_memory_equal(dotted, want, (size_t)n);
}

static void
test_path_plain(void **state)
{
	(void)state;
	check("/", 0, "/");
	check("/a", 0, "/a");
	check("/a/", 0, "/a/");
	check("/api/v1/items", 0, "/api/v1/items");
	check("/%61dmin/x", 0, "/admin/x");
	check("//admin/x", 0, "/admin/x");
	check("/./admin/x", 0, "/admin/x");
	check("/x/../admin/x", 0, "/admin/x");
	check("/admin%2fx", 0, "/admin%2Fx");
	check("/admin%2Fx", 0, "/admin%2Fx");
	check("/admin;x=1/y", 0, "/admin;x=1/y");
	check("/a/%2e%2e/b", 0, "/b");
	check("/a/.%2E/b", 0, "/b");
	check("/a/.", 0, "/a/");
	check("/a/..", 0, "/");
	check("/a/b/..", 0, "/a/");
	check("/a/./", 0, "/a/");
	check("/a//b///c", 0, "/a/b/c");
	check("/%7Euser", 0, "/~user");
	check("/%41%42", 0, "/AB");
	check("/%C3%A9", 0, "/%C3%A9");
	check("/%c3%a9", 0, "/%C3%A9");
	check("/%25", 0, "/%25");
	check("/%252F", 0, "/%252F");
	check("/a.b/..c/c..", 0, "/a.b/..c/c..");
	check("/...", 0, "/...");
	check("/.well-known/acme", 0, "/.well-known/acme");
	check("/a/.b/..c", 0, "/a/.b/..c");
	check("/a/b/../../c/", 0, "/c/");
	check("/a/%2e/b", 0, "/a/b");
	check("/a%2d%5f%2E%7e", 0, "/a-_.~");
	check("/%20%3b%3F%23", 0, "/%20%3B%3F%23");
	check("/a;b", 0, "/a;b");
}

static void
test_path_readings(void **state)
{
	(void)state;
	check("/admin%2fx", PATH_SEPARATORS, "/admin/x");
	check("/app/..%2Fadmin/x", PATH_SEPARATORS, "/admin/x");
	check("/app/..%2Fadmin/x", 0, "/app/..%2Fadmin/x");
	check("/a%5c..%5cb", PATH_SEPARATORS, "/b");
	check("/a%2F%2Fb", PATH_SEPARATORS, "/a/b");
	check("/admin;x=1/y", PATH_PARAMS, "/admin/y");
	check("/app/..;/admin", PATH_PARAMS, "/admin");
	check("/app/..;/admin", 0, "/app/..;/admin");
	check("/;x/a", PATH_PARAMS, "/a");
	check("/a;b%2Fc/d", PATH_SEPARATORS | PATH_PARAMS, "/a/c/d");
	check("/..%2Fx", PATH_SEPARATORS, NULL);
	check("/..;/x", PATH_PARAMS, NULL);
	check("/..%2fx", PATH_SEPARATORS, NULL);
	check("/..%2fx", 0, "/..%2Fx");
	check("/..;/x", 0, "/..;/x");
	check("/a%2F", PATH_SEPARATORS, "/a/");
	check("/a%2F.", PATH_SEPARATORS, "/a/");
	check("/a%2F..", PATH_SEPARATORS, "/");
	check("/%2F%2Fa", PATH_SEPARATORS, "/a");
	check("/a%5c", 0, "/a%5C");
	check("/a/;x", PATH_PARAMS, "/a/");
	check("/a;x", PATH_PARAMS, "/a");
	check("/a/.;x/b", PATH_PARAMS, "/a/b");
	check("/a/%2e%2e;x/b", PATH_PARAMS, "/b");
	check("/a%3Bx/b", PATH_PARAMS, "/a%3Bx/b");
	check("/a;x%2F../b", PATH_PARAMS, "/a/b");
	check("/a;x%2F../b", PATH_SEPARATORS | PATH_PARAMS, "/b");
	check("/a/b;x%2F..", PATH_SEPARATORS | PATH_PARAMS, "/a/");
	/* bytes a reading drops are still checked */
	check("/a;%00/b", PATH_PARAMS, NULL);
	check("/a;\\/b", PATH_PARAMS, NULL);

	assert_int_equal(path_readings("/a/b", 4), 0);
	assert_int_equal(path_readings("/a%2fb", 6), PATH_SEPARATORS);
	assert_int_equal(path_readings("/a%5Cb", 6), PATH_SEPARATORS);
	assert_int_equal(path_readings("/a%20b", 6), 0);
	assert_int_equal(path_readings("/a;b", 4), PATH_PARAMS);
	assert_int_equal(path_readings("/a;%2F", 6),
	    PATH_PARAMS | PATH_SEPARATORS);
	assert_int_equal(path_readings("/a%2", 4), 0);
	assert_int_equal(path_readings("/a%5", 4), 0);
	assert_int_equal(path_readings("/a%%2f", 6), PATH_SEPARATORS);
	assert_int_equal(path_readings("/a%2e", 5), 0);
	/* the length bounds the search */
	assert_int_equal(path_readings("/a;b", 2), 0);
	assert_int_equal(path_readings("/a%2fb", 4), 0);
}

static void
test_path_refused(void **state)
{
	static const char *bad[] = { "", "a", "/..", "/a/../..", "/%2e%2E/x",
		"/%2e%2e", "/%00", "/a%0a", "/a%7f", "/a\\b", "/%zz", "/%4",
		"/%", "/a#b", "/a?b", "/a b", "/a\x01", "/caf\xc3\xa9", "/a%1f",
		"/a%", "/a%2", "/%g0", "/%0g", "/%u002e" };
	char               out[8];
	const char        *err = NULL;
	size_t             i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		check(bad[i], 0, NULL);
		check(bad[i], PATH_SEPARATORS | PATH_PARAMS, NULL);
	}
	/* a NUL inside the length is a raw control byte */
	assert_int_equal(path_normalise("/a\0b", 4, out, 0, &err), -1);
	assert_non_null(err);
	/* errp may be NULL */
	assert_int_equal(path_normalise("/..", 3, out, 0, NULL), -1);
	assert_int_equal(path_normalise("x", 1, out, 0, NULL), -1);
}

/* Random paths from pieces that matter: every property on each. */
static void
test_path_properties(void **state)
{
	static const char *piece[] = { "/", ".", "..", "%2e", "%2E", "%2F",
		"%2f", "%5C", ";", ";x", "a", "B", "%41", "%7e", "%C3", "~",
		"-" };
	char               in[128], out[128], again[128];
	const char        *err;
	ssize_t            n, m;
	unsigned           seed = 12345, flags, k, j, r;
	size_t             len;
	int                ok = 0;

	(void)state;
	for (k = 0; k < 20000; k++) {
		len = 1;
		in[0] = '/';
		for (j = 0; j < 1 + k % 12; j++) {
			seed = seed * 1103515245 + 12345;
			const char *p = piece[(seed >> 16) % 17];
			if (len + strlen(p) >= sizeof in)
				break;
			memcpy(in + len, p, strlen(p));
			len += strlen(p);
		}
		for (flags = 0; flags < 4; flags++) {
			n = path_normalise(in, len, out, flags, &err);
			if (n < 0)
				continue;
			ok++;
			assert_true((size_t)n <= len);
			assert_true(n >= 1 && out[0] == '/');
			assert_null(memmem(out, (size_t)n, "//", 2));
			assert_null(memmem(out, (size_t)n, "/./", 3));
			assert_null(memmem(out, (size_t)n, "/../", 4));
			assert_false(
			    n >= 2 && memcmp(out + n - 2, "/.", 2) == 0);
			assert_false(
			    n >= 3 && memcmp(out + n - 3, "/..", 3) == 0);
			if (flags & PATH_SEPARATORS)
				assert_int_equal(path_readings(out, (size_t)n) &
				        PATH_SEPARATORS,
				    0);
			if (flags & PATH_PARAMS)
				assert_null(memchr(out, ';', (size_t)n));
			m = path_normalise(out, (size_t)n, again, flags, &err);
			assert_int_equal(m, n);
			assert_memory_equal(again, out, (size_t)n);
		}
		/* A reading path_readings() does not report changes nothing. */
		r = path_readings(in, len);
		n = path_normalise(in, len, out, 0, &err);
		for (flags = 1; flags < 4; flags++) {
			if ((flags & r) != 0)
				continue;
			m = path_normalise(in, len, again, flags, &err);
			assert_int_equal(m, n);
			if (n > 0)
				assert_memory_equal(again, out, (size_t)n);
		}
	}
	assert_true(ok > 10000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_plain),
		cmocka_unit_test(test_path_readings),
		cmocka_unit_test(test_path_refused),
		cmocka_unit_test(test_path_properties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
