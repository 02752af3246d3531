/* SPDX-License-Identifier: ISC */
/* Unit tests for daemon/route.c: every route selection rule of frontdoor.ini(5). */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "route.h"
#include "util.h"

static char tmpdir[] = "/tmp/fd-test-route.XXXXXX";

static struct config *
load_text(const char *text, struct config_errors *e)
{
	char          *p = xasprintf("%s/main.ini", tmpdir);
	FILE          *f = fopen(p, "w");
	struct config *cf;

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	memset(e, 0, sizeof *e);
	cf = config_load(p, e);
	free(p);
	return cf;
}

static struct config *
load_ok(const char *text)
{
	struct config_errors e;
	struct config       *cf;
	size_t               i;

	cf = load_text(text, &e);
	for (i = 0; i < e.n; i++)
		fprintf(stderr, "  | %s\n", e.msgs[i]);
	assert_non_null(cf);
	config_errors_free(&e);
	return cf;
}

/* The name of the route chosen, or "-" for none. */
static const char *
pick(const struct config *cf, const char *host, const char *path)
{
	const struct route_conf *r;

	r = route_match(cf, host, host != NULL ? strlen(host) : 0, path,
	    strlen(path));
	return r != NULL ? r->name : "-";
}

static const char *rules = "[route exact]\n"
                           "host = app.example.com\n"
                           "backends = 127.0.0.1:1\n"
                           "[route exact-api]\n"
                           "host = app.example.com\n"
                           "path = /api\n"
                           "backends = 127.0.0.1:2\n"
                           "[route exact-api-v2]\n"
                           "host = app.example.com\n"
                           "path = /api/v2/\n"
                           "backends = 127.0.0.1:3\n"
                           "[route wild]\n"
                           "host = *.example.com\n"
                           "backends = 127.0.0.1:4\n"
                           "[route wild-deep]\n"
                           "host = *.deep.example.com\n"
                           "path = /x\n"
                           "backends = 127.0.0.1:5\n"
                           "[route only-api]\n"
                           "host = api.other.org\n"
                           "path = /api\n"
                           "backends = 127.0.0.1:6\n"
                           "[route any]\n"
                           "backends = 127.0.0.1:7\n"
                           "[route any-static]\n"
                           "path = /static\n"
                           "backends = 127.0.0.1:8\n"
                           "[route v6]\n"
                           "host = [::1]\n"
                           "path = /six\n"
                           "backends = 127.0.0.1:9\n";

static void
test_host_kinds(void **state)
{
	struct config *cf = load_ok(rules);

	(void)state;
	/* Exact beats wildcard beats any-host. */
	assert_string_equal(pick(cf, "app.example.com", "/"), "exact");
	assert_string_equal(pick(cf, "www.example.com", "/"), "wild");
	assert_string_equal(pick(cf, "a.b.example.com", "/"), "wild");
	assert_string_equal(pick(cf, "example.com", "/"), "any");
	assert_string_equal(pick(cf, "xexample.com", "/"), "any");
	assert_string_equal(pick(cf, "nowhere.net", "/"), "any");
	/* Host beats path: the any-host /static loses to an exact host's /. */
	assert_string_equal(pick(cf, "app.example.com", "/static/a.css"),
	    "exact");
	assert_string_equal(pick(cf, "nowhere.net", "/static/a.css"),
	    "any-static");
	/* A longer wildcard suffix beats a shorter one... */
	assert_string_equal(pick(cf, "a.deep.example.com", "/x/1"),
	    "wild-deep");
	/* ...when its path matches; else the shorter one is next. */
	assert_string_equal(pick(cf, "a.deep.example.com", "/y"), "wild");
	/* *.deep.example.com does not match deep.example.com itself. */
	assert_string_equal(pick(cf, "deep.example.com", "/x"), "wild");
	config_unref(cf);
}

static void
test_paths(void **state)
{
	struct config *cf = load_ok(rules);

	(void)state;
	assert_string_equal(pick(cf, "app.example.com", "/api"), "exact-api");
	assert_string_equal(pick(cf, "app.example.com", "/api/"), "exact-api");
	assert_string_equal(pick(cf, "app.example.com", "/api/x"), "exact-api");
	assert_string_equal(pick(cf, "app.example.com", "/api?x=1"),
	    "exact-api");
	assert_string_equal(pick(cf, "app.example.com", "/apix"), "exact");
	assert_string_equal(pick(cf, "app.example.com", "/ap"), "exact");
	assert_string_equal(pick(cf, "app.example.com", "/API"), "exact");
	/* Longest prefix wins; the trailing '/' of "/api/v2/" was dropped. */
	assert_string_equal(pick(cf, "app.example.com", "/api/v2"),
	    "exact-api-v2");
	assert_string_equal(pick(cf, "app.example.com", "/api/v2/users"),
	    "exact-api-v2");
	assert_string_equal(pick(cf, "app.example.com", "/api/v20"),
	    "exact-api");
	assert_string_equal(pick(cf, "app.example.com", "/api/v2?q"),
	    "exact-api-v2");
	/* "/" matches everything, even odd targets. */
	assert_string_equal(pick(cf, "app.example.com", "*"), "exact");
	assert_string_equal(pick(cf, "app.example.com", ""), "exact");
	/* An exact host whose only route is /api falls through to any. */
	assert_string_equal(pick(cf, "api.other.org", "/api/1"), "only-api");
	assert_string_equal(pick(cf, "api.other.org", "/other"), "any");
	assert_string_equal(pick(cf, "api.other.org", "/static/x"),
	    "any-static");
	config_unref(cf);
}

static void
test_host_forms(void **state)
{
	struct config *cf = load_ok(rules);

	(void)state;
	assert_string_equal(pick(cf, "APP.Example.COM", "/api"), "exact-api");
	assert_string_equal(pick(cf, "app.example.com:8080", "/api"),
	    "exact-api");
	assert_string_equal(pick(cf, "app.example.com.", "/api"), "exact-api");
	assert_string_equal(pick(cf, "App.Example.Com.:443", "/api"),
	    "exact-api");
	assert_string_equal(pick(cf, "WWW.EXAMPLE.COM.:80", "/"), "wild");
	assert_string_equal(pick(cf, "[::1]:8080", "/six"), "v6");
	assert_string_equal(pick(cf, "[::1]", "/six/x"), "v6");
	assert_string_equal(pick(cf, "[::1]", "/"), "any");
	/* No Host at all, an empty one, or a junk one: any-host only. */
	assert_string_equal(pick(cf, NULL, "/static"), "any-static");
	assert_string_equal(pick(cf, "", "/"), "any");
	assert_string_equal(pick(cf, ":80", "/"), "any");
	assert_string_equal(pick(cf, "[::1", "/six"), "any");
	{
		char long_host[400];

		memset(long_host, 'a', sizeof long_host - 1);
		long_host[sizeof long_host - 1] = '\0';
		assert_string_equal(pick(cf, long_host, "/"), "any");
	}
	/* The host is read only for hostlen bytes. */
	assert_ptr_equal(route_match(cf, "app.example.comXXX", 15, "/api", 4),
	    config_route(cf, "exact-api"));
	/* Same for the path. */
	assert_ptr_equal(route_match(cf, "app.example.com", 15, "/api/v2", 4),
	    config_route(cf, "exact-api"));
	config_unref(cf);
}

static void
test_no_match(void **state)
{
	struct config *cf;

	(void)state;
	cf = load_ok(
	    "[route a]\nhost = a.com\nbackends = 127.0.0.1:1\n"
	    "[route b]\nhost = *.b.com\npath = /b\nbackends = 127.0.0.1:1\n");
	assert_string_equal(pick(cf, "a.com", "/x"), "a");
	assert_string_equal(pick(cf, "c.com", "/x"), "-");
	assert_string_equal(pick(cf, "x.b.com", "/a"), "-");
	assert_string_equal(pick(cf, "x.b.com", "/b"), "b");
	assert_string_equal(pick(cf, NULL, "/"), "-");
	config_unref(cf);

	/* A config with no routes, and one never routed. */
	cf = load_ok("");
	assert_string_equal(pick(cf, "a.com", "/"), "-");
	route_free(cf->router);
	cf->router = NULL;
	assert_string_equal(pick(cf, "a.com", "/"), "-");
	config_unref(cf);
	route_free(NULL);
}

static void
test_disabled_still_matches(void **state)
{
	struct config *cf;

	(void)state;
	/* A disabled route answers 503, so it must still be chosen. */
	cf = load_ok(
	    "[route a]\nhost = a.com\nenabled = no\n"
	    "backends = 127.0.0.1:1\n[route any]\nbackends = 127.0.0.1:2\n");
	assert_string_equal(pick(cf, "a.com", "/"), "a");
	config_unref(cf);
}

static void
test_many_hosts(void **state)
{
	struct config *cf;
	char          *text = xstrdup(""), *t, host[64];
	int            i;

	(void)state;
	/* Enough exact hosts for the binary search to matter. */
	for (i = 0; i < 200; i++) {
		t = xasprintf("%s[route r%d]\nhost = h%d.example.net%s\n"
		              "backends = 127.0.0.1:1\n",
		    text, i, i, i == 0 ? ", *.w.example.net" : "");
		free(text);
		text = t;
	}
	cf = load_ok(text);
	free(text);
	for (i = 0; i < 200; i++) {
		snprintf(host, sizeof host, "H%d.Example.Net", i);
		assert_ptr_equal(route_match(cf, host, strlen(host), "/", 1),
		    &cf->routes[i]);
	}
	assert_string_equal(pick(cf, "zz.w.example.net", "/"), "r0");
	assert_string_equal(pick(cf, "h200.example.net", "/"), "-");
	config_unref(cf);
}

static void
test_path_match(void **state)
{
	(void)state;
	assert_true(route_path_match("/", 1, "/anything", 9));
	assert_true(route_path_match("/", 1, "", 0));
	assert_true(route_path_match("/api", 4, "/api", 4));
	assert_true(route_path_match("/api", 4, "/api/", 5));
	assert_true(route_path_match("/api", 4, "/api/x/y", 8));
	assert_true(route_path_match("/api", 4, "/api?x", 6));
	assert_false(route_path_match("/api", 4, "/apix", 5));
	assert_false(route_path_match("/api", 4, "/ap", 3));
	assert_false(route_path_match("/api", 4, "/Api", 4));
	assert_false(route_path_match("/api", 4, "", 0));
	assert_true(route_path_match("/a/b", 4, "/a/b/c", 6));
	assert_false(route_path_match("/a/b", 4, "/a/bc", 5));
}

static void
test_duplicates(void **state)
{
	struct config_errors e;
	struct config       *cf;

	(void)state;
	/* Identical host and path: both routes are named with FILE:LINE. */
	cf = load_text("[route one]\nhost = a.com\npath = /x\n"
	               "backends = 127.0.0.1:1\n"
	               "[route two]\nhost = b.com, A.COM.\npath = /x/\n"
	               "backends = 127.0.0.1:1\n",
	    &e);
	assert_null(cf);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.msgs[0],
	    "/main.ini:5: [route two] host "
	    "a.com path /x: same host and path as [route one] at "));
	assert_non_null(strstr(e.msgs[0], "/main.ini:1, expected"));
	config_errors_free(&e);

	cf = load_text("[route one]\nhost = *.a.com\nbackends = 127.0.0.1:1\n"
	               "[route two]\nhost = *.a.com\nbackends = 127.0.0.1:1\n",
	    &e);
	assert_null(cf);
	assert_int_equal(e.n, 1);
	assert_non_null(strstr(e.msgs[0],
	    "/main.ini:4: [route two] host "
	    "*.a.com path /: same host and path as [route one] at "));
	config_errors_free(&e);

	/* A wildcard and an exact host, or two paths, do not clash. */
	config_unref(
	    load_ok("[route one]\nhost = *.a.com\n"
	            "backends = 127.0.0.1:1\n[route two]\nhost = x.a.com\n"
	            "backends = 127.0.0.1:1\n[route three]\nhost = x.a.com\n"
	            "path = /y\nbackends = 127.0.0.1:1\n"));
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char *p = xasprintf("%s/main.ini", tmpdir);

	(void)state;
	unlink(p);
	free(p);
	return rmdir(tmpdir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_kinds),
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_host_forms),
		cmocka_unit_test(test_no_match),
		cmocka_unit_test(test_disabled_still_matches),
		cmocka_unit_test(test_many_hosts),
		cmocka_unit_test(test_path_match),
		cmocka_unit_test(test_duplicates),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
