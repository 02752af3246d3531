/* SPDX-License-Identifier: ISC */
/* Unit tests for daemon/config.c: values, defaults, includes, errors. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ban.h"
#include "config.h"
#include "file.h"
#include "log.h"
#include "route.h"
#include "util.h"

static char tmpdir[] = "/tmp/fd-test-config.XXXXXX";

static char *
path_of(const char *name)
{
	return xasprintf("%s/%s", tmpdir, name);
}

static void
write_file(const char *name, const char *text)
{
	char *p = path_of(name), *dir, *slash;
	FILE *f;

	dir = xstrdup(p);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		mkdir(dir, 0700);
	}
	free(dir);
	f = fopen(p, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	free(p);
}

static struct config *
load(const char *name, struct config_errors *e)
{
	char          *p = path_of(name);
	struct config *cf;

	memset(e, 0, sizeof *e);
	cf = config_load(p, e);
	free(p);
	return cf;
}

static struct config *
load_text(const char *text, struct config_errors *e)
{
	write_file("main.ini", text);
	return load("main.ini", e);
}

static void
dump(const struct config_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		fprintf(stderr, "  | %s\n", e->msgs[i]);
}

/* Some message starts with "DIR/FILE:LINE: " and contains every part. */
static int
has_err(const struct config_errors *e, const char *file, int line,
    const char *part)
{
	char  *prefix = xasprintf("%s/%s:%d: ", tmpdir, file, line);
	size_t i;
	int    found = 0;

	for (i = 0; i < e->n && !found; i++) {
		if (strncmp(e->msgs[i], prefix, strlen(prefix)) == 0 &&
		    strstr(e->msgs[i], part) != NULL)
			found = 1;
	}
	if (!found) {
		fprintf(stderr, "no error %s...%s among:\n", prefix, part);
		dump(e);
	}
	free(prefix);
	return found;
}

/* Loading fails with exactly n errors. */
static void
expect_fail(struct config *cf, const struct config_errors *e, size_t n)
{
	assert_null(cf);
	if (e->n != n) {
		fprintf(stderr, "expected %zu errors, got %zu:\n", n, e->n);
		dump(e);
	}
	assert_int_equal(e->n, n);
}

static struct config *
expect_ok(const char *text)
{
	struct config_errors e;
	struct config       *cf;

	cf = load_text(text, &e);
	if (cf == NULL)
		dump(&e);
	assert_non_null(cf);
	assert_int_equal(e.n, 0);
	return cf;
}

static const char *
addr_ip(const struct cidr *c, char *buf, size_t len)
{
	return inet_ntop(c->family, c->addr, buf, (socklen_t)len);
}

static void
test_full(void **state)
{
	struct config           *cf;
	const struct route_conf *r;
	char                     ip[64];

	(void)state;
	cf = expect_ok(
	    "# frontdoor.ini\n"
	    "; a comment\n"
	    "[frontdoor]\n"
	    "listen_http = :8080, 127.0.0.1:8081 , [::]:8082 ; inline\n"
	    "user = root\n"
	    "workers = 3\n"
	    "control_socket = /tmp/fd.sock\n"
	    "control_group = root\n"
	    "state_file = /tmp/state.ini\n"
	    "access_log = -\n"
	    "access_log_format = json\n"
	    "error_log = syslog  # inline hash comment\n"
	    "log_level = debug\n"
	    "trusted_proxies = 10.0.0.0/8, fd00::/8\n"
	    "max_connections = 500\n"
	    "header_timeout = 500ms\n"
	    "idle_timeout = 2m\n"
	    "shutdown_timeout = 0\n"
	    "max_header_size = 32k\n"
	    "max_uri_size = 32k\n"
	    "\n"
	    "[route cloud]\n"
	    "host = Cloud.Example.COM., *.cloud.example.com:443\n"
	    "path = /nc/\n"
	    "strip_path = yes\n"
	    "backends = 127.0.0.1:8080, [::1]:8081\n"
	    "connect_timeout = 1s\n"
	    "backend_timeout = 2h\n"
	    "max_body_size = 0\n"
	    "preserve_host = off\n"
	    "websocket = false\n"
	    "enabled = 0\n"
	    "\n"
	    "  [route any.thing_1-x]\n"
	    "  backends = 10.1.1.1:80\n");

	assert_int_equal(cf->refs, 1);
	assert_int_equal(cf->nlisten_http, 3);
	assert_string_equal(cf->listen_http[0].text, "0.0.0.0:8080");
	assert_string_equal(cf->listen_http[1].text, "127.0.0.1:8081");
	assert_string_equal(cf->listen_http[2].text, "[::]:8082");
	assert_string_equal(cf->user, "root");
	assert_int_equal(cf->workers, 3);
	assert_string_equal(cf->control_socket, "/tmp/fd.sock");
	assert_string_equal(cf->control_group, "root");
	assert_string_equal(cf->state_file, "/tmp/state.ini");
	assert_string_equal(cf->access_log, "-");
	assert_int_equal(cf->access_log_format, LOG_FORMAT_JSON);
	assert_string_equal(cf->error_log, "syslog");
	assert_int_equal(cf->log_level, LOG_LVL_DEBUG);
	assert_int_equal(cf->ntrusted_proxies, 2);
	assert_string_equal(addr_ip(&cf->trusted_proxies[0], ip, sizeof ip),
	    "10.0.0.0");
	assert_int_equal(cf->trusted_proxies[0].bits, 8);
	assert_string_equal(addr_ip(&cf->trusted_proxies[1], ip, sizeof ip),
	    "fd00::");
	assert_int_equal(cf->max_connections, 500);
	assert_int_equal(cf->header_timeout_ms, 500);
	assert_int_equal(cf->idle_timeout_ms, 120000);
	assert_int_equal(cf->shutdown_timeout_ms, 0);
	assert_int_equal(cf->max_header_size, 32768);
	assert_int_equal(cf->max_uri_size, 32768);
	assert_int_equal(cf->max_headers, 100);

	assert_int_equal(cf->nroutes, 2);
	r = config_route(cf, "cloud");
	assert_non_null(r);
	assert_ptr_equal(r, &cf->routes[0]);
	assert_int_equal(r->index, 0);
	assert_int_equal(r->nhosts, 2);
	assert_string_equal(r->hosts[0], "cloud.example.com");
	assert_string_equal(r->hosts[1], "*.cloud.example.com");
	assert_string_equal(r->path, "/nc");
	assert_int_equal(r->path_len, 3);
	assert_true(r->strip_path);
	assert_int_equal(r->nbackends, 2);
	assert_string_equal(r->backends[0].name, "127.0.0.1:8080");
	assert_string_equal(r->backends[1].name, "[::1]:8081");
	assert_int_equal(r->connect_timeout_ms, 1000);
	assert_int_equal(r->backend_timeout_ms, 7200000);
	assert_int_equal(r->max_body_size, 0);
	assert_false(r->preserve_host);
	assert_false(r->websocket);
	assert_false(r->enabled);
	assert_int_equal(r->line, 22);
	assert_true(strstr(r->file, "/main.ini") != NULL);

	r = config_route(cf, "any.thing_1-x");
	assert_non_null(r);
	assert_int_equal(r->index, 1);
	assert_int_equal(r->nhosts, 0);
	assert_int_equal(r->line, 34);
	assert_null(config_route(cf, "nope"));

	assert_non_null(cf->router);
	assert_ptr_equal(route_match(cf, "a.cloud.example.com", 19, "/nc/x", 5),
	    &cf->routes[0]);
	assert_ptr_equal(route_match(cf, "other", 5, "/nc/x", 5),
	    &cf->routes[1]);

	assert_ptr_equal(config_ref(cf), cf);
	assert_int_equal(cf->refs, 2);
	config_unref(cf);
	assert_int_equal(cf->refs, 1);
	config_unref(cf);
	config_unref(NULL);
	assert_null(config_ref(NULL));
}

static void
test_defaults(void **state)
{
	struct config           *cf;
	const struct route_conf *r;
	long                     ncpu = sysconf(_SC_NPROCESSORS_ONLN);

	(void)state;
	cf = expect_ok("[frontdoor]\n[route a]\nbackends = 127.0.0.1:1\n");
	assert_int_equal(cf->nlisten_http, 1);
	assert_string_equal(cf->listen_http[0].text, "0.0.0.0:80");
	assert_null(cf->user);
	assert_int_equal(cf->workers, ncpu < 1 ? 1 : ncpu > 256 ? 256 : ncpu);
	assert_string_equal(cf->control_socket, "/run/frontdoor/control.sock");
	assert_null(cf->control_group);
	assert_string_equal(cf->state_file, "/var/lib/frontdoor/state.ini");
	assert_string_equal(cf->access_log, "/var/log/frontdoor/access.log");
	assert_int_equal(cf->access_log_format, LOG_FORMAT_COMBINED);
	assert_string_equal(cf->error_log, "stderr");
	assert_int_equal(cf->log_level, LOG_LVL_INFO);
	/* Nobody's X-Forwarded-For is believed unless configured. */
	assert_int_equal(cf->ntrusted_proxies, 0);
	assert_int_equal(cf->max_connections, 10000);
	assert_int_equal(cf->header_timeout_ms, 10000);
	assert_int_equal(cf->idle_timeout_ms, 75000);
	assert_int_equal(cf->shutdown_timeout_ms, 30000);
	assert_int_equal(cf->max_header_size, 16384);
	assert_int_equal(cf->max_uri_size, 8192);
	assert_int_equal(cf->max_headers, 100);

	r = &cf->routes[0];
	assert_string_equal(r->name, "a");
	assert_int_equal(r->nhosts, 0);
	assert_string_equal(r->path, "/");
	assert_int_equal(r->path_len, 1);
	assert_false(r->strip_path);
	assert_int_equal(r->connect_timeout_ms, 5000);
	assert_int_equal(r->backend_timeout_ms, 60000);
	assert_int_equal(r->max_body_size, 100 * 1024 * 1024);
	assert_true(r->preserve_host);
	assert_true(r->websocket);
	assert_true(r->enabled);
	config_unref(cf);

	/* An empty file is a valid config with no routes. */
	cf = expect_ok("");
	assert_int_equal(cf->nroutes, 0);
	assert_null(route_match(cf, "x", 1, "/", 1));
	config_unref(cf);

	/* access_log off, workers auto, empty trusted_proxies. */
	cf = expect_ok("[frontdoor]\naccess_log = off\nworkers = auto\n"
	               "trusted_proxies =\n");
	assert_null(cf->access_log);
	assert_true(cf->workers >= 1 && cf->workers <= 256);
	assert_int_equal(cf->ntrusted_proxies, 0);
	config_unref(cf);
}

static void
test_missing_file(void **state)
{
	struct config_errors e;
	struct config       *cf;

	(void)state;
	cf = load("does-not-exist.ini", &e);
	expect_fail(cf, &e, 1);
	assert_true(has_err(&e, "does-not-exist.ini", 0,
	    "cannot open: No such file or directory"));
	config_errors_free(&e);
	assert_int_equal(e.n, 0);
	assert_null(e.msgs);
}

/*
 * The configuration and a maintenance page are read whole, up to a cap; a
 * directory, a device or a larger file is reported where it is named.
 */
static void
test_file_limits(void **state)
{
	struct config_errors e;
	struct config       *cf;
	char                *big, *dir, *text;
	FILE                *f;

	(void)state;
	dir = path_of("limits.d");
	assert_int_equal(mkdir(dir, 0700) == 0 || errno == EEXIST, 1);
	cf = load("limits.d", &e);
	expect_fail(cf, &e, 1);
	assert_true(has_err(&e, "limits.d", 0,
	    "a directory, expected a regular file of at most 16 MiB"));
	config_errors_free(&e);

	text = xasprintf("[frontdoor]\ninclude = %s\n", dir);
	cf = load_text(text, &e);
	free(text);
	expect_fail(cf, &e, 1);
	assert_true(has_err(&e, "main.ini", 2,
	    "a directory, expected a regular file of at most 16 MiB"));
	config_errors_free(&e);

	cf = load_text("[frontdoor]\ninclude = /dev/null\n", &e);
	expect_fail(cf, &e, 1);
	assert_true(has_err(&e, "main.ini", 2,
	    "include: \"/dev/null\": not a regular file, expected a "
	    "regular file of at most 16 MiB"));
	config_errors_free(&e);

	big = path_of("big.html");
	f = fopen(big, "w");
	assert_non_null(f);
	assert_int_equal(fseek(f, 1024 * 1024, SEEK_SET), 0);
	assert_int_equal(fputc('x', f), 'x');
	assert_int_equal(fclose(f), 0);
	text = xasprintf("[route a]\nbackends = 127.0.0.1:1\n"
	                 "maintenance_page = %s\n"
	                 "[route b]\nhost = b\nbackends = 127.0.0.1:1\n"
	                 "maintenance_page = %s\n",
	    big, dir);
	cf = load_text(text, &e);
	free(text);
	expect_fail(cf, &e, 2);
	text = xasprintf("[route a] maintenance_page: \"%s\": expected a "
	                 "regular file of at most 1 MiB",
	    big);
	assert_true(has_err(&e, "main.ini", 3, text));
	free(text);
	text = xasprintf("[route b] maintenance_page: \"%s\": expected a "
	                 "regular file of at most 1 MiB",
	    dir);
	assert_true(has_err(&e, "main.ini", 7, text));
	free(text);
	config_errors_free(&e);

	/* At the cap exactly, the page is taken whole. */
	assert_int_equal(truncate(big, 1024 * 1024), 0);
	text = xasprintf(
	    "[route a]\nbackends = 127.0.0.1:1\nmaintenance_page = %s\n", big);
	cf = expect_ok(text);
	free(text);
	assert_int_equal(cf->routes[0].maintenance_len, 1024 * 1024);
	assert_int_equal(cf->routes[0].maintenance_body[1024 * 1024], '\0');
	config_unref(cf);
	unlink(big);
	free(big);
	rmdir(dir);
	free(dir);
}

/* Route paths must be written as requests are routed: canonical. */
static void
test_route_path_canonical(void **state)
{
	struct config_errors e;
	struct config       *cf;

	(void)state;
	cf = load_text("[frontdoor]\n" /* 1 */
	               "listen_http = :80\n"
	               "[route a]\npath = /%61dmin\nbackends = 127.0.0.1:1\n"
	               "[route b]\npath = /x/../admin\nbackends = 127.0.0.1:1\n"
	               "[route c]\npath = //admin\nbackends = 127.0.0.1:1\n"
	               "[route d]\npath = /..\nbackends = 127.0.0.1:1\n"
	               "[route e]\npath = /a%2fb/\nbackends = 127.0.0.1:1\n",
	    &e);
	assert_null(cf);
	assert_true(has_err(&e, "main.ini", 4,
	    "[route a] path: bad value \"/%61dmin\", expected a path in "
	    "canonical form"));
	assert_true(has_err(&e, "main.ini", 7, "[route b] path: bad value"));
	assert_true(has_err(&e, "main.ini", 10, "[route c] path: bad value"));
	assert_true(has_err(&e, "main.ini", 13,
	    "[route d] path: bad value \"/..\", expected a path with one "
	    "reading"));
	assert_true(has_err(&e, "main.ini", 16, "[route e] path: bad value"));
	config_errors_free(&e);
	cf = load_text("[frontdoor]\nlisten_http = :80\n"
	               "[route a]\npath = /admin/\nbackends = 127.0.0.1:1\n"
	               "[route b]\npath = /a%2Fb\nbackends = 127.0.0.1:1\n",
	    &e);
	assert_non_null(cf);
	config_unref(cf);
}

static void
test_bad_values(void **state)
{
	struct config_errors e;
	struct config       *cf;

	(void)state;
	cf = load_text("[frontdoor]\n" /* 1 */
	               "listen_http = :80, localhost:80\n"
	               "user = no-such-user-fd\n"
	               "workers = 0\n"
	               "control_socket = relative.sock\n" /* 5 */
	               "control_group = no-such-group-fd\n"
	               "state_file =\n"
	               "access_log_format = xml\n"
	               "error_log =\n"
	               "log_level = loud\n" /* 10 */
	               "trusted_proxies = 10.0.0.0/33\n"
	               "max_connections = 1000001\n"
	               "header_timeout = 10 s\n"
	               "idle_timeout = 0\n"
	               "shutdown_timeout = soon\n" /* 15 */
	               "max_header_size = 2m\n"
	               "max_uri_size = 0\n"
	               "listen_http = :81\n"
	               "[route r]\n"
	               "host = exa mple.com\n" /* 20 */
	               "path = api\n"
	               "strip_path = maybe\n"
	               "backends = 127.0.0.1\n"
	               "connect_timeout = 5x\n"
	               "backend_timeout = -1\n" /* 25 */
	               "max_body_size = 1t\n"
	               "preserve_host = 2\n"
	               "websocket = yess\n"
	               "enabled = \n"
	               "workers = 2\n" /* 30 */
	               "[route r2]\n"
	               "host = *foo.com, a..b, foo.*.com, *\n"
	               "backends = 127.0.0.1:80, 127.0.0.1:80\n"
	               "[route r3]\n"
	               "backends = ::1:80\n" /* 35 */
	               "[route r4]\n"
	               "backends = [::1]:80, , localhost:80\n"
	               "[route r5]\n"
	               "backends =\n"
	               "[route r6]\n" /* 40 */
	               "host = a.com, A.com.\n"
	               "backends = 1.2.3.4:5\n"
	               "path = /x?y\n"
	               "[frontdoor]\n"
	               "listen_http = 1.2.3.4:80, 1.2.3.4:80\n" /* 45 */
	    ,
	    &e);
	assert_true(has_err(&e, "main.ini", 2,
	    "[frontdoor] listen_http: bad value \"localhost:80\", expected"));
	assert_true(has_err(&e, "main.ini", 3,
	    "[frontdoor] user: no such user \"no-such-user-fd\""));
	assert_true(has_err(&e, "main.ini", 4,
	    "[frontdoor] workers: bad value \"0\", expected auto or a number "
	    "from 1 to 256"));
	assert_true(has_err(&e, "main.ini", 5,
	    "[frontdoor] control_socket: bad value \"relative.sock\", "
	    "expected an absolute path"));
	assert_true(has_err(&e, "main.ini", 6,
	    "[frontdoor] control_group: no such group \"no-such-group-fd\""));
	assert_true(has_err(&e, "main.ini", 7,
	    "[frontdoor] state_file: bad value \"\", expected a file path"));
	assert_true(has_err(&e, "main.ini", 8,
	    "[frontdoor] access_log_format: bad value \"xml\", expected "
	    "combined or json"));
	assert_true(has_err(&e, "main.ini", 9, "[frontdoor] error_log:"));
	assert_true(has_err(&e, "main.ini", 10,
	    "[frontdoor] log_level: bad value \"loud\", expected error, warn, "
	    "info or debug"));
	assert_true(has_err(&e, "main.ini", 11,
	    "[frontdoor] trusted_proxies: bad value \"10.0.0.0/33\""));
	assert_true(has_err(&e, "main.ini", 12,
	    "[frontdoor] max_connections: bad value \"1000001\", expected a "
	    "number from 1 to 1000000"));
	assert_true(has_err(&e, "main.ini", 13,
	    "[frontdoor] header_timeout: bad value \"10 s\", expected a "
	    "duration"));
	assert_true(has_err(&e, "main.ini", 14,
	    "[frontdoor] idle_timeout: bad value \"0\", expected a duration "
	    "above zero"));
	assert_true(has_err(&e, "main.ini", 15,
	    "[frontdoor] shutdown_timeout: bad value \"soon\""));
	assert_true(has_err(&e, "main.ini", 16,
	    "[frontdoor] max_header_size: bad value \"2m\", expected a size "
	    "from 1k to 1m"));
	assert_true(has_err(&e, "main.ini", 17,
	    "[frontdoor] max_uri_size: bad value \"0\""));
	assert_true(has_err(&e, "main.ini", 18,
	    "[frontdoor] listen_http: duplicate key (first set at "));
	assert_true(has_err(&e, "main.ini", 18,
	    "main.ini:2), expected "
	    "each key once per section"));
	assert_true(has_err(&e, "main.ini", 20,
	    "[route r] host: bad host \"exa mple.com\", expected"));
	assert_true(has_err(&e, "main.ini", 21,
	    "[route r] path: bad value \"api\", expected a path starting "
	    "with '/'"));
	assert_true(has_err(&e, "main.ini", 22,
	    "[route r] strip_path: bad value \"maybe\", expected yes/no"));
	assert_true(has_err(&e, "main.ini", 23,
	    "[route r] backends: bad value \"127.0.0.1\", expected a numeric "
	    "host:port"));
	assert_true(has_err(&e, "main.ini", 24, "[route r] connect_timeout:"));
	assert_true(has_err(&e, "main.ini", 25, "[route r] backend_timeout:"));
	assert_true(has_err(&e, "main.ini", 26,
	    "[route r] max_body_size: bad value \"1t\""));
	assert_true(has_err(&e, "main.ini", 27, "[route r] preserve_host:"));
	assert_true(has_err(&e, "main.ini", 28, "[route r] websocket:"));
	assert_true(
	    has_err(&e, "main.ini", 29, "[route r] enabled: bad value \"\""));
	assert_true(has_err(&e, "main.ini", 30,
	    "[route r] \"workers\": unknown key, expected one of: host, path, "));
	assert_true(has_err(&e, "main.ini", 32,
	    "[route r2] host: bad host \"*foo.com\""));
	assert_true(has_err(&e, "main.ini", 33,
	    "[route r2] backends: 127.0.0.1:80 listed twice"));
	assert_true(has_err(&e, "main.ini", 35,
	    "[route r3] backends: bad value \"::1:80\""));
	assert_true(has_err(&e, "main.ini", 37,
	    "[route r4] backends: bad value \"localhost:80\""));
	assert_true(has_err(&e, "main.ini", 39,
	    "[route r5] backends: bad value \"\", expected a list of "
	    "host:port, at least one"));
	assert_true(has_err(&e, "main.ini", 41,
	    "[route r6] host: host a.com listed twice"));
	assert_true(has_err(&e, "main.ini", 43, "[route r6] path: bad value"));
	assert_true(has_err(&e, "main.ini", 45,
	    "[frontdoor] listen_http: duplicate key"));
	/*
	 * Every line above is one error, except 1, 19, 31, 34, 36, 38,
	 * 40, 42 and 44; r (line 19) also lacks backends after its bad
	 * value.
	 */
	expect_fail(cf, &e, 45 - 9);
	config_errors_free(&e);

	cf = load_text("[frontdoor]\nlisten_http = 1.2.3.4:80, 1.2.3.4:80\n",
	    &e);
	assert_true(has_err(&e, "main.ini", 2,
	    "[frontdoor] listen_http: 1.2.3.4:80 listed twice"));
	expect_fail(cf, &e, 1);
	config_errors_free(&e);

	/* Each bad host of a list on its own. */
	cf = load_text("[route a]\nbackends = 1.1.1.1:1\nhost = a..b\n", &e);
	expect_fail(cf, &e, 1);
	config_errors_free(&e);
	cf = load_text("[route a]\nbackends = 1.1.1.1:1\nhost = foo.*.com\n",
	    &e);
	expect_fail(cf, &e, 1);
	config_errors_free(&e);
	cf = load_text("[route a]\nbackends = 1.1.1.1:1\nhost = *\n", &e);
	expect_fail(cf, &e, 1);
	config_errors_free(&e);
	cf = load_text("[route a]\nbackends = 1.1.1.1:1\nhost = ::1\n", &e);
	expect_fail(cf, &e, 1);
	config_errors_free(&e);
}

static void
test_structure_errors(void **state)
{
	struct config_errors e;
	struct config       *cf;

	(void)state;
	cf = load_text("workers = 2\n" /* 1 */
	               "[frontdoor\n"
	               "just some words\n"
	               "= value\n"
	               "[unknown]\n" /* 5 */
	               "whatever = 1\n"
	               "[route]\n"
	               "[route bad/name]\n"
	               "[route ok]\n"
	               "backends = 127.0.0.1:80\n" /* 10 */
	               "[route ok]\n"
	               "[route nobackends]\n"
	               "host = x.example.com\n"
	               "[frontdoor]\n"
	               "frobnicate = yes\n" /* 15 */
	               "[route ok2] trailing\n",
	    &e);
	assert_true(has_err(&e, "main.ini", 1,
	    "\"workers\": key outside any section, expected a [frontdoor] or "
	    "[route NAME] header"));
	assert_true(has_err(&e, "main.ini", 2,
	    "bad section header \"[frontdoor\", expected [NAME]"));
	assert_true(has_err(&e, "main.ini", 3,
	    "\"just some words\": expected KEY = VALUE or [SECTION]"));
	assert_true(has_err(&e, "main.ini", 4, "missing key name"));
	assert_true(has_err(&e, "main.ini", 5,
	    "\"[unknown]\": unknown section, expected [frontdoor] or "
	    "[route NAME]"));
	assert_true(has_err(&e, "main.ini", 7, "[route \"\"]: bad route name"));
	assert_true(has_err(&e, "main.ini", 8,
	    "[route \"bad/name\"]: bad route name, expected [route NAME] with "
	    "NAME made of A-Z a-z 0-9 _ . -"));
	assert_true(has_err(&e, "main.ini", 11,
	    "[route ok]: route name already used at "));
	assert_true(has_err(&e, "main.ini", 11,
	    "main.ini:9, expected a "
	    "unique name"));
	assert_true(has_err(&e, "main.ini", 12,
	    "[route nobackends] backends: missing required key, expected a "
	    "list of host:port"));
	assert_true(has_err(&e, "main.ini", 15,
	    "[frontdoor] \"frobnicate\": unknown key, expected one of: "
	    "listen_http, user, workers"));
	assert_true(has_err(&e, "main.ini", 16, "bad section header"));
	/* Keys under a rejected header (line 6) are not reported again. */
	expect_fail(cf, &e, 11);
	config_errors_free(&e);

	/* A NUL byte and an over-long line (inih's buffer is 200 bytes). */
	{
		char *p = path_of("main.ini"), text[301];
		FILE *f = fopen(p, "w");

		assert_non_null(f);
		fwrite("[frontdoor]\nuser = a\0b\nstate_file = /", 1, 37, f);
		memset(text, 'x', 300);
		text[300] = '\0';
		fputs(text, f);
		fputs("\nworkers = 0\n", f);
		fclose(f);
		free(p);
	}
	cf = load("main.ini", &e);
	assert_true(has_err(&e, "main.ini", 2, "NUL byte"));
	assert_true(has_err(&e, "main.ini", 3,
	    "line too long, expected at "
	    "most 198 characters"));
	assert_true(has_err(&e, "main.ini", 4, "workers"));
	expect_fail(cf, &e, 3);
	config_errors_free(&e);
}

/*
 * compress, compress_types, compress_min_size, cache, cache_ignore_cookies:
 * values and errors.
 */
static void
test_compress_cache_keys(void **state)
{
	struct config_errors     e;
	struct config           *cf;
	const struct route_conf *r;

	(void)state;
	cf =
	    expect_ok("[route r]\nbackends = 127.0.0.1:80\n"
	              "[route z]\nbackends = 127.0.0.1:80\npath = /z\n"
	              "compress = yes\ncompress_types = Text/*, image/svg+xml\n"
	              "compress_min_size = 1k\ncache = 64m\n"
	              "cache_ignore_cookies = no\n");
	r = &cf->routes[0];
	assert_false(r->compress);
	assert_null(r->compress_types);
	assert_int_equal(r->compress_min_size, 256);
	assert_int_equal(r->cache_size, 0);
	assert_true(r->cache_ignore_cookies);
	r = &cf->routes[1];
	assert_true(r->compress);
	assert_string_equal(r->compress_types, "text/*,image/svg+xml");
	assert_int_equal(r->compress_min_size, 1024);
	assert_int_equal(r->cache_size, 64 * 1024 * 1024);
	assert_false(r->cache_ignore_cookies);
	config_unref(cf);

	cf = load_text("[route r]\nbackends = 127.0.0.1:80\ncompress = x\n"
	               "compress_types = html\ncompress_min_size = big\n"
	               "cache = 1k\ncache_ignore_cookies = maybe\n",
	    &e);
	assert_true(
	    has_err(&e, "main.ini", 3, "[route r] compress: bad value \"x\""));
	assert_true(has_err(&e, "main.ini", 4,
	    "compress_types: bad media type \"html\""));
	assert_true(has_err(&e, "main.ini", 5, "compress_min_size: bad value"));
	assert_true(has_err(&e, "main.ini", 6,
	    "cache: bad value \"1k\", expected 0 (off) or a size from 64k"));
	assert_true(has_err(&e, "main.ini", 7,
	    "cache_ignore_cookies: bad value \"maybe\""));
	expect_fail(cf, &e, 5);
	config_errors_free(&e);
}

/* request_header, response_header, security_headers: rules and refusals. */
static void
test_header_rule_keys(void **state)
{
	struct config_errors     e;
	struct config           *cf;
	const struct route_conf *r;
	char                    *text, *p;
	size_t                   i, n;

	(void)state;
	cf = expect_ok("[route r]\nbackends = 127.0.0.1:80\n"
	               "[route z]\nbackends = 127.0.0.1:80\npath = /z\n"
	               "request_header = X-Env:   home  \n"
	               "request_header = -X-Debug\n"
	               "request_header = X-Env: $client_ip $request_id $$x\n"
	               "response_header = -Server\n"
	               "response_header = Host: fine toward the client\n"
	               "response_header = X-Empty:\n"
	               "security_headers = yes\n");
	r = &cf->routes[0];
	assert_int_equal(r->req_rules.n, 0);
	assert_int_equal(r->resp_rules.n, 0);
	assert_false(r->security_headers);
	r = &cf->routes[1];
	assert_int_equal(r->req_rules.n, 3);
	assert_string_equal(r->req_rules.v[0].name, "X-Env");
	assert_string_equal(r->req_rules.v[0].value, "home");
	assert_int_equal(r->req_rules.v[0].value_len, 4);
	assert_false(r->req_rules.v[0].vars);
	assert_string_equal(r->req_rules.v[1].name, "X-Debug");
	assert_null(r->req_rules.v[1].value);
	assert_string_equal(r->req_rules.v[2].value,
	    "$client_ip $request_id $$x");
	assert_true(r->req_rules.v[2].vars);
	assert_int_equal(r->resp_rules.n, 3);
	assert_string_equal(r->resp_rules.v[0].name, "Server");
	assert_null(r->resp_rules.v[0].value);
	assert_string_equal(r->resp_rules.v[1].name, "Host");
	assert_string_equal(r->resp_rules.v[2].value, "");
	assert_true(r->security_headers);
	config_unref(cf);

	cf = load_text("[route r]\nbackends = 127.0.0.1:80\n"
	               "request_header = Content-Length: 5\n" /* 3 */
	               "request_header = Host: x\n"
	               "response_header = Transfer-Encoding: chunked\n" /* 5 */
	               "response_header = -Keep-Alive\n"
	               "request_header = x_forwarded_for: 1.2.3.4\n"
	               "response_header = X-Forwarded-Prefix: /a\n"
	               "request_header = X-Remote-User: admin\n"
	               "request_header = X-A: $nope\n" /* 10 */
	               "request_header = X-A: a\x01"
	               "b\n"
	               "request_header = X-A: \xc3\xa9\n"
	               "request_header = X A: b\n"
	               "request_header = X-A\n"
	               "response_header = -\n" /* 15 */
	               "request_header = -X-A: b\n"
	               "request_header = X-A: $route_name\n"
	               "request_header = X-A: cost $\n"
	               "security_headers = maybe\n",
	    &e);
	assert_true(has_err(&e, "main.ini", 3,
	    "[route r] request_header: Content-Length: a framing field"));
	assert_true(has_err(&e, "main.ini", 4,
	    "request_header: Host: preserve_host decides"));
	assert_true(has_err(&e, "main.ini", 5,
	    "response_header: Transfer-Encoding: a framing field"));
	assert_true(has_err(&e, "main.ini", 6,
	    "response_header: Keep-Alive: a hop-by-hop field"));
	assert_true(has_err(&e, "main.ini", 7,
	    "request_header: x_forwarded_for: an identity field"));
	assert_true(has_err(&e, "main.ini", 8,
	    "response_header: X-Forwarded-Prefix: an identity field"));
	assert_true(has_err(&e, "main.ini", 9,
	    "request_header: X-Remote-User: an identity field"));
	assert_true(has_err(&e, "main.ini", 10, "unknown variable \"$nope\""));
	assert_true(has_err(&e, "main.ini", 11, "(0x01) in the value"));
	assert_true(has_err(&e, "main.ini", 12, "(0xc3) in the value"));
	assert_true(has_err(&e, "main.ini", 13, "expected \"Name: value\""));
	assert_true(has_err(&e, "main.ini", 14, "expected \"Name: value\""));
	assert_true(has_err(&e, "main.ini", 15, "expected \"Name: value\""));
	assert_true(has_err(&e, "main.ini", 16, "expected \"Name: value\""));
	assert_true(
	    has_err(&e, "main.ini", 17, "unknown variable \"$route_name\""));
	assert_true(has_err(&e, "main.ini", 18, "unknown variable \"$\""));
	assert_true(has_err(&e, "main.ini", 19,
	    "security_headers: bad value \"maybe\""));
	expect_fail(cf, &e, 17);
	config_errors_free(&e);

	/* At most HEADER_RULES_MAX per key and route; the other key apart. */
	n = HEADER_RULES_MAX + 1;
	text = xmalloc(64 + n * 64);
	p = text + sprintf(text, "[route r]\nbackends = 127.0.0.1:80\n");
	for (i = 0; i < n; i++) {
		p += sprintf(p, "request_header = X-N%zu: %zu\n", i, i);
		p += sprintf(p, "response_header = -X-N%zu\n", i);
	}
	cf = load_text(text, &e);
	free(text);
	/* Lines 3, 4, ...: request rule i at 3 + 2i, response at 4 + 2i. */
	assert_true(has_err(&e, "main.ini", (int)(3 + 2 * HEADER_RULES_MAX),
	    "request_header: more than 64 rules in the route"));
	assert_true(has_err(&e, "main.ini", (int)(4 + 2 * HEADER_RULES_MAX),
	    "response_header: more than 64 rules in the route"));
	expect_fail(cf, &e, 2);
	config_errors_free(&e);
}

/* The gate's keys: values, defaults, and the rules between them. */
static void
test_gate_keys(void **state)
{
	struct config_errors     e;
	struct config           *cf;
	const struct route_conf *r;

	(void)state;
	cf = expect_ok("[route r]\nbackends = 127.0.0.1:80\n"
	               "allow = 192.168.1.0/24, 2001:db8::/32\n"
	               "deny = 192.168.1.66\n"
	               "rate_limit = 10/s\n"
	               "allow_countries =\n"
	               "[route m]\nbackends = 127.0.0.1:80\npath = /m\n"
	               "rate_limit = 30/m\nrate_burst = 5\n");
	r = &cf->routes[0];
	assert_int_equal(r->nallow, 2);
	assert_int_equal(r->ndeny, 1);
	assert_int_equal(r->rate_interval_us, 100000);
	assert_int_equal(r->rate_burst, 10); /* one second's worth */
	assert_int_equal(cf->routes[1].rate_interval_us, 2000000);
	assert_int_equal(cf->routes[1].rate_burst, 5);
	assert_int_equal(cf->ban_after, 10);
	assert_int_equal(cf->ban_window_ms, 600000);
	assert_int_equal(cf->ban_time_ms, 3600000);
	assert_null(cf->geoip);
	config_unref(cf);

	cf = load_text("[frontdoor]\n"
	               "ban_after = -1\n"
	               "ban_window = 0\n"
	               "geoip_db = /nonexistent.mmdb\n"
	               "[route r]\nbackends = 127.0.0.1:80\n"
	               "allow = 10.0.0.0/33\n"
	               "deny_countries = DE, Germany\n"
	               "rate_limit = 10/h\n"
	               "auth_realm = a \"quoted\" realm\n"
	               "auth_file = /nonexistent.htpasswd\n"
	               "[route s]\nbackends = 127.0.0.1:80\n"
	               "rate_burst = 3\n"
	               "auth_realm = Home\n"
	               "allow_countries = NL\n",
	    &e);
	assert_true(has_err(&e, "main.ini", 2, "ban_after"));
	assert_true(has_err(&e, "main.ini", 3, "ban_window"));
	assert_true(has_err(&e, "main.ini", 4, "expected a readable MaxMind"));
	assert_true(has_err(&e, "main.ini", 7, "allow"));
	assert_true(has_err(&e, "main.ini", 8, "bad country \"Germany\""));
	assert_true(has_err(&e, "main.ini", 9, "N/s or N/m"));
	assert_true(has_err(&e, "main.ini", 10, "without quotes"));
	assert_true(has_err(&e, "main.ini", 11,
	    "[route r] auth_file: \"/nonexistent.htpasswd\""));
	assert_true(has_err(&e, "main.ini", 14, "set without rate_limit"));
	assert_true(has_err(&e, "main.ini", 15, "set without auth_file"));
	assert_true(has_err(&e, "main.ini", 16, "need a GeoIP database"));
	/* DE, before the bad item, is kept: it too needs geoip_db. */
	assert_true(has_err(&e, "main.ini", 8, "need a GeoIP database"));
	expect_fail(cf, &e, 12);
	config_errors_free(&e);

	/* A ban ends where the state file can still say when. */
	cf = expect_ok("[frontdoor]\nban_time = 3650d\n"
	               "[route r]\nbackends = 127.0.0.1:80\n");
	assert_int_equal(cf->ban_time_ms, BAN_MAX_MS);
	config_unref(cf);
	cf = load_text("[frontdoor]\nban_time = 3651d\n"
	               "[route r]\nbackends = 127.0.0.1:80\n",
	    &e);
	assert_true(has_err(&e, "main.ini", 2, "up to 3650d"));
	expect_fail(cf, &e, 1);
	config_errors_free(&e);
}

static void
test_comments(void **state)
{
	struct config *cf;

	(void)state;
	cf = expect_ok("#!comment at line start\n"
	               "   # indented hash comment\n"
	               "\t; indented semicolon comment\n"
	               "[frontdoor] ; section comment\n"
	               "state_file = /a#b;c\n"
	               "access_log = /log # trailing\n"
	               "error_log = /err\t; trailing\n"
	               "  user = root\n"
	               "    # not a continuation\n"
	               "\n"
	               "[ route spaced ]\n"
	               "backends = 127.0.0.1:80\n"
	               "     \n"
	               "host : colon.example.com\n");
	assert_string_equal(cf->state_file, "/a#b;c");
	assert_string_equal(cf->access_log, "/log");
	assert_string_equal(cf->error_log, "/err");
	assert_string_equal(cf->user, "root");
	assert_string_equal(cf->routes[0].name, "spaced");
	assert_string_equal(cf->routes[0].hosts[0], "colon.example.com");
	config_unref(cf);
}

static void
test_bom_and_crlf(void **state)
{
	struct config *cf;

	(void)state;
	cf = expect_ok("\xef\xbb\xbf[frontdoor]\r\nuser = root\r\n"
	               "[route a]\r\nbackends = 1.2.3.4:80\r\n");
	assert_string_equal(cf->user, "root");
	assert_string_equal(cf->routes[0].backends[0].name, "1.2.3.4:80");
	config_unref(cf);
}

static void
test_max_uri(void **state)
{
	struct config_errors e;
	struct config       *cf;

	(void)state;
	cf = load_text("[frontdoor]\nmax_header_size = 4k\n"
	               "max_uri_size = 5k\n",
	    &e);
	assert_true(has_err(&e, "main.ini", 3,
	    "[frontdoor] max_uri_size: "
	    "5120 is larger than max_header_size (4096), expected at most "
	    "max_header_size"));
	expect_fail(cf, &e, 1);
	config_errors_free(&e);

	cf = load_text("[frontdoor]\nmax_header_size = 4k\n", &e);
	assert_true(has_err(&e, "main.ini", 2,
	    "[frontdoor] max_header_size: "
	    "4096 is smaller than the default max_uri_size (8192)"));
	expect_fail(cf, &e, 1);
	config_errors_free(&e);

	cf = expect_ok("[frontdoor]\nmax_header_size = 1k\n"
	               "max_uri_size = 1k\n");
	assert_int_equal(cf->max_uri_size, 1024);
	config_unref(cf);
	cf = expect_ok("[frontdoor]\nmax_header_size = 1m\n");
	config_unref(cf);
	cf = load_text("[frontdoor]\nmax_header_size = 1023\n", &e);
	assert_true(has_err(&e, "main.ini", 2, "max_header_size: bad value"));
	config_errors_free(&e);
}

static void
test_includes(void **state)
{
	struct config_errors e;
	struct config       *cf;
	char                *abs, *text;

	(void)state;
	write_file("conf.d/20-b.ini",
	    "[route b]\nhost = b.example.com\n"
	    "backends = 127.0.0.1:2\n");
	write_file("conf.d/10-a.ini",
	    "[route a]\nhost = a.example.com\n"
	    "backends = 127.0.0.1:1\n");
	write_file("conf.d/30-c.conf", "[route c]\nbackends = 127.0.0.1:3\n");
	cf = expect_ok("[frontdoor]\ninclude = conf.d/*.ini\n"
	               "include = nothing/*.ini\n");
	assert_int_equal(cf->nroutes, 2);
	assert_string_equal(cf->routes[0].name, "a");
	assert_string_equal(cf->routes[1].name, "b");
	assert_true(strstr(cf->routes[0].file, "conf.d/10-a.ini") != NULL);
	assert_int_equal(cf->routes[0].line, 1);
	config_unref(cf);

	/*
	 * Absolute patterns.  An included file starts in the includer's
	 * section; after it, the includer's section resumes.
	 */
	write_file("inc/top.ini",
	    "max_connections = 7\n[route t]\npath = /t\n"
	    "backends = 1.1.1.1:1\n");
	abs = path_of("conf.d/*.conf");
	text = xasprintf("[frontdoor]\ninclude = %s\ninclude = inc/top.ini\n"
	                 "workers = 2\n",
	    abs);
	cf = expect_ok(text);
	assert_int_equal(cf->nroutes, 2);
	assert_string_equal(cf->routes[0].name, "c");
	assert_string_equal(cf->routes[1].name, "t");
	assert_int_equal(cf->max_connections, 7);
	assert_int_equal(cf->workers, 2);
	config_unref(cf);
	free(text);
	free(abs);

	/* Errors in an included file name that file and its line. */
	write_file("bad/x.ini", "\n[route x]\nbackends = nope\n");
	cf = load_text("[frontdoor]\ninclude = bad/x.ini\nworkers = 0\n", &e);
	assert_true(has_err(&e, "bad/x.ini", 3,
	    "[route x] backends: bad value \"nope\""));
	assert_true(has_err(&e, "main.ini", 3,
	    "[frontdoor] workers: bad "
	    "value \"0\""));
	expect_fail(cf, &e, 2);
	config_errors_free(&e);

	/* Route names are unique across files. */
	write_file("dup/a.ini", "[route a]\nbackends = 1.1.1.1:1\n");
	cf = load_text("[route a]\nbackends = 1.1.1.1:1\n[frontdoor]\n"
	               "include = dup/a.ini\n",
	    &e);
	assert_true(has_err(&e, "dup/a.ini", 1,
	    "[route a]: route name "
	    "already used at "));
	expect_fail(cf, &e, 1);
	config_errors_free(&e);

	/* A file included twice, and a file including itself. */
	cf = load_text("[frontdoor]\ninclude = dup/a.ini\n"
	               "include = dup/*.ini\n",
	    &e);
	assert_true(has_err(&e, "main.ini", 3, "include: "));
	assert_true(has_err(&e, "main.ini", 3, "dup/a.ini: already read as "));
	expect_fail(cf, &e, 1);
	config_errors_free(&e);
	cf = load_text("[frontdoor]\ninclude = main.ini\n", &e);
	assert_true(has_err(&e, "main.ini", 2, "expected each file once"));
	expect_fail(cf, &e, 1);
	config_errors_free(&e);

	/* A missing explicit file. */
	cf = load_text("[frontdoor]\ninclude = /nonexistent-fd/x.ini\n", &e);
	assert_true(has_err(&e, "main.ini", 2,
	    "[frontdoor] include: "
	    "\"/nonexistent-fd/x.ini\": cannot open: No such file"));
	expect_fail(cf, &e, 1);
	config_errors_free(&e);
}

static void
test_include_depth(void **state)
{
	struct config_errors e;
	struct config       *cf;
	char                 name[32], text[128];
	int                  i;

	(void)state;
	/* main (depth 0) -> d1 ... d8 is fine; d9 is one too many. */
	for (i = 1; i <= 7; i++) {
		snprintf(name, sizeof name, "deep/d%d.ini", i);
		snprintf(text, sizeof text, "[frontdoor]\ninclude = d%d.ini\n",
		    i + 1);
		write_file(name, text);
	}
	write_file("deep/d8.ini", "[route deep]\nbackends = 1.1.1.1:1\n");
	write_file("deep/d9.ini", "[route deeper]\nbackends = 1.1.1.1:1\n");
	cf = expect_ok("[frontdoor]\ninclude = deep/d1.ini\n");
	assert_int_equal(cf->nroutes, 1);
	config_unref(cf);

	write_file("deep/d8.ini", "[frontdoor]\ninclude = d9.ini\n");
	cf = load_text("[frontdoor]\ninclude = deep/d1.ini\n", &e);
	assert_true(has_err(&e, "deep/d8.ini", 2,
	    "includes nested too deep, "
	    "expected at most 8 levels"));
	expect_fail(cf, &e, 1);
	config_errors_free(&e);
}

static void
test_duplicate_route(void **state)
{
	struct config_errors e;
	struct config       *cf;

	(void)state;
	write_file("dupr/x.ini",
	    "\n[route two]\nhost = A.example.com\n"
	    "path = /api/\nbackends = 1.1.1.1:2\n");
	cf = load_text("[route one]\nhost = x.com, a.example.com\n"
	               "path = /api\nbackends = 1.1.1.1:1\n"
	               "[frontdoor]\ninclude = dupr/x.ini\n",
	    &e);
	assert_true(has_err(&e, "dupr/x.ini", 2,
	    "[route two] host "
	    "a.example.com path /api: same host and path as [route one] at "));
	assert_true(has_err(&e, "dupr/x.ini", 2, "main.ini:1, expected"));
	expect_fail(cf, &e, 1);
	config_errors_free(&e);

	/* Two any-host routes for the same path. */
	cf = load_text("[route one]\nbackends = 1.1.1.1:1\n"
	               "[route two]\nbackends = 1.1.1.1:1\npath = /\n",
	    &e);
	assert_true(has_err(&e, "main.ini", 3,
	    "[route two] host (any) path "
	    "/: same host and path as [route one] at "));
	expect_fail(cf, &e, 1);
	config_errors_free(&e);

	/* Same host, different paths; same path, different hosts: fine. */
	config_unref(expect_ok(
	    "[route one]\nhost = a.com\n"
	    "backends = 1.1.1.1:1\n"
	    "[route two]\nhost = a.com\npath = /x\nbackends = 1.1.1.1:1\n"
	    "[route three]\nhost = *.a.com\nbackends = 1.1.1.1:1\n"));
}

static void
test_error_cap(void **state)
{
	struct config_errors e;
	struct config       *cf;
	char                *text = xstrdup("[frontdoor]\n"), *t;
	int                  i;

	(void)state;
	for (i = 0; i < 150; i++) {
		t = xasprintf("%sbogus%d = 1\n", text, i);
		free(text);
		text = t;
	}
	cf = load_text(text, &e);
	free(text);
	expect_fail(cf, &e, 100);
	assert_true(has_err(&e, "main.ini", 2, "\"bogus0\": unknown key"));
	assert_true(has_err(&e, "main.ini", 100, "\"bogus98\": unknown key"));
	assert_true(has_err(&e, "main.ini", 101, "too many errors (100)"));
	config_errors_free(&e);

	/* Errors may also be discarded. */
	write_file("main.ini", "bogus\n");
	t = path_of("main.ini");
	assert_null(config_load(t, NULL));
	free(t);
}

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int   rc;

	(void)state;
	rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

/*
 * The documents name what the loader has: each key of the key table is
 * described in its section of frontdoor.ini(5) (a ".BI key \" = \"" line)
 * and shown in the same section of config/frontdoor.ini, and each key either
 * of them names is in the table.  Run from the source tree, as make unit
 * does.
 */
#define DOC_MAX_KEYS 200

struct doc_keys {
	const char *sec[DOC_MAX_KEYS];
	char       *key[DOC_MAX_KEYS];
	size_t      n;
};

static void
doc_add(struct doc_keys *d, const char *sec, const char *key, size_t len)
{
	assert_true(d->n < DOC_MAX_KEYS);
	d->sec[d->n] = sec;
	d->key[d->n++] = xstrndup(key, len);
}

static void
doc_table_key(const char *sec, const char *key, void *arg)
{
	doc_add(arg, sec, key, strlen(key));
}

static int
doc_has(const struct doc_keys *d, const char *sec, const char *key)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		if (strcmp(d->sec[i], sec) == 0 && strcmp(d->key[i], key) == 0)
			return 1;
	}
	return 0;
}

static void
doc_free(struct doc_keys *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->key[i]);
	d->n = 0;
}

static size_t
doc_word(const char *p)
{
	return strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_");
}

static char *
doc_read(const char *path)
{
	char  *text;
	size_t len;

	if (file_read(path, 1024 * 1024, &text, &len, NULL) != 0) {
		fprintf(stderr, "cannot read %s: run from the source tree\n",
		    path);
		fail();
	}
	return text;
}

/* The ".BI key \" = \"" lines of each key section of the man page. */
static void
doc_man_keys(struct doc_keys *d)
{
	char       *text = doc_read("man/frontdoor.ini.5"), *line, *save;
	const char *sec = NULL;
	size_t      n;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, ".SH ", 4) == 0) {
			line += strspn(line + 4, " \"") + 4;
			sec =
			    strncmp(line, "THE [frontdoor] SECTION", 23) == 0 ?
			    "frontdoor" :
			    strncmp(line, "THE [tls] SECTION", 17) == 0 ?
			    "tls" :
			    strncmp(line, "ROUTE SECTIONS", 14) == 0 ? "route" :
			                                               NULL;
			continue;
		}
		if (sec == NULL || strncmp(line, ".BI ", 4) != 0)
			continue;
		n = doc_word(line + 4);
		if (n > 0 && strncmp(line + 4 + n, " \" = \"", 6) == 0)
			doc_add(d, sec, line + 4, n);
	}
	free(text);
}

/* The "key =" lines, commented out or not, of each section of the example. */
static void
doc_example_keys(struct doc_keys *d)
{
	char       *text = doc_read("config/frontdoor.ini"), *line, *save, *p;
	const char *sec = NULL;
	size_t      n;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		p = line + (*line == ';');
		p += strspn(p, " \t");
		if (*p == '[') {
			n = doc_word(p + 1);
			sec = n == 9 && strncmp(p + 1, "frontdoor", 9) == 0 ?
			    "frontdoor" :
			    n == 3 && strncmp(p + 1, "tls", 3) == 0 ? "tls" :
			    n == 5 && strncmp(p + 1, "route", 5) == 0 ?
			                                              "route" :
			                                              NULL;
			assert_non_null(sec);
			continue;
		}
		n = doc_word(p);
		if (n > 0 && p[n + strspn(p + n, " \t")] == '=') {
			if (sec == NULL) {
				fprintf(stderr,
				    "config/frontdoor.ini: %.*s "
				    "outside any section\n",
				    (int)n, p);
				fail();
			}
			doc_add(d, sec, p, n);
		}
	}
	free(text);
}

/* Each key of a in b; what is missing is printed as "what: [sec] key". */
static size_t
doc_missing(const struct doc_keys *a, const struct doc_keys *b,
    const char *what)
{
	size_t i, missing = 0;

	for (i = 0; i < a->n; i++) {
		if (!doc_has(b, a->sec[i], a->key[i])) {
			fprintf(stderr, "%s: [%s] %s\n", what, a->sec[i],
			    a->key[i]);
			missing++;
		}
	}
	return missing;
}

static void
test_keys_documented(void **state)
{
	static struct doc_keys table, man, example;
	size_t                 missing = 0;

	(void)state;
	config_keys_each(doc_table_key, &table);
	doc_man_keys(&man);
	doc_example_keys(&example);
	/* Each reading found keys of every section. */
	assert_true(doc_has(&table, "frontdoor", "listen_http"));
	assert_true(doc_has(&table, "tls", "cert"));
	assert_true(doc_has(&table, "route", "backends"));
	assert_true(table.n > 50);
	assert_true(man.n > 50);
	assert_true(example.n > 50);

	missing += doc_missing(&table, &man, "not in frontdoor.ini(5)");
	missing += doc_missing(&table, &example, "not in config/frontdoor.ini");
	missing += doc_missing(&man, &table, "frontdoor.ini(5) names no key");
	missing +=
	    doc_missing(&example, &table, "config/frontdoor.ini names no key");
	assert_int_equal(missing, 0);
	doc_free(&table);
	doc_free(&man);
	doc_free(&example);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_file_limits),
		cmocka_unit_test(test_route_path_canonical),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_compress_cache_keys),
		cmocka_unit_test(test_header_rule_keys),
		cmocka_unit_test(test_gate_keys),
		cmocka_unit_test(test_comments),
		cmocka_unit_test(test_bom_and_crlf),
		cmocka_unit_test(test_max_uri),
		cmocka_unit_test(test_includes),
		cmocka_unit_test(test_include_depth),
		cmocka_unit_test(test_duplicate_route),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_keys_documented),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
