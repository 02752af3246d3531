/* SPDX-License-Identifier: ISC */
/* Unit tests for the HTTP/1.x request and response head parsers. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "http.h"

#define NHDRS 32

static const struct http_limits test_limits = { 8192, 1024, NHDRS };

static struct http_header hdrs[NHDRS];
static const char        *err;

/*
 * Parse s[0, len) whole with lim, then every prefix of it from its own heap
 * copy (so reading past the end is caught): a prefix must give 0 or the very
 * result of the whole, and a complete head must need all its bytes.
 */
static int
req_lim(const char *s, size_t len, const struct http_limits *lim,
    struct http_request *req)
{
	struct http_request r;
	struct http_header  h[NHDRS];
	char               *copy;
	size_t              i;
	int                 whole, rc;

	for (i = 0; i <= len; i++) {
		copy = malloc(i + 1);
		assert_non_null(copy);
		memcpy(copy, s, i);
		rc = http_parse_request(copy, i, lim, &r, h, NULL);
		free(copy);
		if (rc != 0) {
			whole =
			    http_parse_request(s, len, lim, req, hdrs, &err);
			assert_int_equal(rc, whole);
			if (rc > 0)
				assert_int_equal(rc, i);
			return whole;
		}
	}
	return http_parse_request(s, len, lim, req, hdrs, &err);
}

static int
req(const char *s, struct http_request *r)
{
	return req_lim(s, strlen(s), &test_limits, r);
}

static int
req_rc(const char *s)
{
	struct http_request r;

	return req(s, &r);
}

static int
res_lim(const char *s, size_t len, const struct http_limits *lim,
    struct http_response *res)
{
	struct http_response r;
	struct http_header   h[NHDRS];
	char                *copy;
	size_t               i;
	int                  whole, rc;

	for (i = 0; i <= len; i++) {
		copy = malloc(i + 1);
		assert_non_null(copy);
		memcpy(copy, s, i);
		rc = http_parse_response(copy, i, lim, &r, h, NULL);
		free(copy);
		if (rc != 0) {
			whole =
			    http_parse_response(s, len, lim, res, hdrs, &err);
			assert_int_equal(rc, whole);
			if (rc > 0)
				assert_int_equal(rc, i);
			return whole;
		}
	}
	return http_parse_response(s, len, lim, res, hdrs, &err);
}

static int
res(const char *s, struct http_response *r)
{
	return res_lim(s, strlen(s), &test_limits, r);
}

static int
res_rc(const char *s)
{
	struct http_response r;

	return res(s, &r);
}

static void
assert_str(const char *p, size_t len, const char *want)
{
	assert_non_null(p);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(p, want, len);
}

static void
test_request_simple(void **state)
{
	const char         *s = "GET /index.html?x=1&y HTTP/1.1\r\n"
	                        "Host: example.com\r\n"
	                        "User-Agent: test\r\n"
	                        "\r\n";
	struct http_request r;

	(void)state;
	assert_int_equal(req(s, &r), strlen(s));
	assert_str(r.method, r.method_len, "GET");
	assert_int_equal(r.meth, HTTP_M_GET);
	assert_str(r.target, r.target_len, "/index.html?x=1&y");
	assert_str(r.path, r.path_len, "/index.html?x=1&y");
	assert_int_equal(r.path_only_len, strlen("/index.html"));
	assert_int_equal(r.version, 11);
	assert_str(r.host, r.host_len, "example.com");
	assert_int_equal(r.nheaders, 2);
	assert_ptr_equal(r.headers, hdrs);
	assert_str(hdrs[0].name, hdrs[0].name_len, "Host");
	assert_int_equal(hdrs[0].id, HTTP_HDR_HOST);
	assert_str(hdrs[1].name, hdrs[1].name_len, "User-Agent");
	assert_str(hdrs[1].value, hdrs[1].value_len, "test");
	assert_int_equal(hdrs[1].id, HTTP_HDR_OTHER);
	assert_int_equal(r.flags, HTTP_F_KEEP_ALIVE | HTTP_F_ACCEPT_HTML);
	assert_int_equal(r.content_length, 0);
}

static void
test_request_bare_lf(void **state)
{
	const char         *s = "GET / HTTP/1.1\nHost: a\n\n";
	struct http_request r;

	(void)state;
	assert_int_equal(req(s, &r), strlen(s));
	assert_str(r.host, r.host_len, "a");
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\n\r\n"),
	    strlen("GET / HTTP/1.1\r\nHost: a\n\r\n"));
}

static void
test_request_leading_empty_lines(void **state)
{
	const char         *s = "\r\n\nGET / HTTP/1.0\r\n\r\n";
	struct http_request r;

	(void)state;
	assert_int_equal(req(s, &r), strlen(s));
	assert_str(r.method, r.method_len, "GET");
	assert_int_equal(req_rc("\r\rGET / HTTP/1.0\r\n\r\n"), -400);
}

static void
test_request_pipelined(void **state)
{
	const char         *a = "GET /a HTTP/1.1\r\nHost: h\r\n\r\n";
	char                s[256];
	struct http_request r;

	(void)state;
	snprintf(s, sizeof s, "%sGET /b HTTP/1.1\r\nHo", a);
	assert_int_equal(http_parse_request(s, strlen(s), &test_limits, &r,
	                     hdrs, NULL),
	    strlen(a));
	assert_str(r.path, r.path_len, "/a");
}

static void
test_request_methods(void **state)
{
	static const struct {
		const char      *m;
		enum http_method id;
	} t[] = {
		{ "GET", HTTP_M_GET },
		{ "HEAD", HTTP_M_HEAD },
		{ "POST", HTTP_M_POST },
		{ "PUT", HTTP_M_PUT },
		{ "DELETE", HTTP_M_DELETE },
		{ "OPTIONS", HTTP_M_OPTIONS },
		{ "PATCH", HTTP_M_PATCH },
		{ "TRACE", HTTP_M_TRACE },
		{ "get", HTTP_M_OTHER },
		{ "PROPFIND", HTTP_M_OTHER },
		{ "GETS", HTTP_M_OTHER },
		{ "M-SEARCH", HTTP_M_OTHER },
	};
	struct http_request r;
	char                s[128];
	size_t              i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(s, sizeof s, "%s / HTTP/1.1\r\nHost: h\r\n\r\n",
		    t[i].m);
		assert_int_equal(req(s, &r), strlen(s));
		assert_int_equal(r.meth, t[i].id);
		assert_str(r.method, r.method_len, t[i].m);
	}
	assert_int_equal(req_rc("CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n"),
	    -400);
	assert_int_equal(req_rc("CONNECT / HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	assert_int_equal(req_rc("GE(T / HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	assert_int_equal(req_rc(" / HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET\r\n\r\n"), -400);
}

static void
test_request_target(void **state)
{
	struct http_request r;
	const char         *s;

	(void)state;
	assert_int_equal(req_rc("GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET /a\x7f HTTP/1.1\r\nHost: h\r\n\r\n"),
	    -400);
	assert_int_equal(req_rc("GET /\x80 HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET /\xff HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET /\x01 HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET /\t HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET /\r\nHost: h\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET a/b HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET ?a HTTP/1.1\r\nHost: h\r\n\r\n"), -400);

	s = "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n";
	assert_int_equal(req(s, &r), strlen(s));
	assert_str(r.path, r.path_len, "*");
	assert_int_equal(r.path_only_len, 1);
	assert_int_equal(req_rc("GET * HTTP/1.1\r\nHost: h\r\n\r\n"), -400);
	assert_int_equal(req_rc("OPTIONS *x HTTP/1.1\r\nHost: h\r\n\r\n"),
	    -400);

	s = "GET /a/b/ HTTP/1.1\r\nHost: h\r\n\r\n";
	assert_int_equal(req(s, &r), strlen(s));
	assert_int_equal(r.path_only_len, r.path_len);
	s = "GET /?q?r HTTP/1.1\r\nHost: h\r\n\r\n";
	assert_int_equal(req(s, &r), strlen(s));
	assert_int_equal(r.path_only_len, 1);
}

static void
test_request_absolute_form(void **state)
{
	struct http_request r;
	const char         *s;

	(void)state;
	s = "GET http://example.com:8080/a?b=1 HTTP/1.1\r\n"
	    "Host: other.example\r\n\r\n";
	assert_int_equal(req(s, &r), strlen(s));
	assert_true(r.flags & HTTP_F_ABSOLUTE_FORM);
	assert_str(r.host, r.host_len, "example.com:8080");
	assert_str(r.path, r.path_len, "/a?b=1");
	assert_int_equal(r.path_only_len, 2);
	assert_str(r.target, r.target_len, "http://example.com:8080/a?b=1");

	s = "GET HTTPS://[::1]:443/x HTTP/1.1\r\nHost: [::1]\r\n\r\n";
	assert_int_equal(req(s, &r), strlen(s));
	assert_str(r.host, r.host_len, "[::1]:443");
	assert_str(r.path, r.path_len, "/x");

	s = "GET http://example.com HTTP/1.0\r\n\r\n";
	assert_int_equal(req(s, &r), strlen(s));
	assert_str(r.host, r.host_len, "example.com");
	assert_str(r.path, r.path_len, "/");

	/* The Host field is still required on HTTP/1.1. */
	assert_int_equal(req_rc("GET http://a/ HTTP/1.1\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET http://a/ HTTP/1.1\r\nHost:\r\n\r\n"),
	    -400);
	assert_int_equal(req_rc("GET http:// HTTP/1.1\r\nHost: a\r\n\r\n"),
	    -400);
	assert_int_equal(req_rc("GET http:///x HTTP/1.1\r\nHost: a\r\n\r\n"),
	    -400);
	assert_int_equal(req_rc("GET http://a?x HTTP/1.1\r\nHost: a\r\n\r\n"),
	    -400);
	assert_int_equal(req_rc("GET http://u@a/ HTTP/1.1\r\nHost: a\r\n\r\n"),
	    -400);
	assert_int_equal(req_rc("GET http://a:x/ HTTP/1.1\r\nHost: a\r\n\r\n"),
	    -400);
	assert_int_equal(req_rc("GET ftp://a/ HTTP/1.1\r\nHost: a\r\n\r\n"),
	    -400);
	assert_int_equal(req_rc("GET http:/a/ HTTP/1.1\r\nHost: a\r\n\r\n"),
	    -400);
	assert_int_equal(req_rc("GET a.com/ HTTP/1.1\r\nHost: a\r\n\r\n"),
	    -400);
}

static void
test_request_version(void **state)
{
	struct http_request r;
	const char         *s;

	(void)state;
	s = "GET / HTTP/1.0\r\n\r\n";
	assert_int_equal(req(s, &r), strlen(s));
	assert_int_equal(r.version, 10);
	assert_null(r.host);
	assert_int_equal(r.flags & HTTP_F_KEEP_ALIVE, 0);
	/* A later minor version is read as 1.1 (RFC 9110 2.5). */
	s = "GET / HTTP/1.2\r\nHost: a\r\n\r\n";
	assert_int_equal(req(s, &r), strlen(s));
	assert_int_equal(r.version, 11);
	assert_int_equal(r.flags & HTTP_F_KEEP_ALIVE, HTTP_F_KEEP_ALIVE);

	assert_int_equal(req_rc("GET / HTTP/2.0\r\n\r\n"), -505);
	assert_int_equal(req_rc("GET / HTTP/0.9\r\n\r\n"), -505);
	assert_int_equal(req_rc("GET / HTTP/2.1\r\nHost: a\r\n\r\n"), -505);
	assert_int_equal(req_rc("GET / HTTP/9.9\r\n\r\n"), -505);
	assert_int_equal(req_rc("GET / http/1.1\r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET / HTTP/1.1 \r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET / HTTP/1\r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET / HTTP/11\r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET / HTTP/1.10\r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET / HTTP/2\r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET / HTTP/a.b\r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET / \r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET / HTTP/1.1 extra\r\nHost: a\r\n\r\n"),
	    -400);
}

static void
test_request_bare_cr(void **state)
{
	(void)state;
	assert_int_equal(req_rc("GET / HTTP/1.1\rHost: a\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n"),
	    -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n"
	                        "\r\n"),
	    -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\n\r\r\n"), -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\n\rX"), -400);
	assert_int_equal(req_rc("GET /\r HTTP/1.1\r\nHost: a\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\nX\r: b\r\n\r\n"),
	    -400);
}

static void
test_request_field_syntax(void **state)
{
	static const char   nul[] = "GET / HTTP/1.1\r\nHost: a\r\n"
	                            "X: a\0b\r\n\r\n";
	struct http_request r;
	const char         *s;

	(void)state;
	/* obs-fold, and whitespace before the first field */
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n c\r\n"
	                        "\r\n"),
	    -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n"
	                        "\r\n"),
	    -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), -400);
	/* whitespace between name and colon */
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost\t: a\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\n"
	                        "Content-Length : 5\r\n\r\n"),
	    -400);
	/* names */
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n"),
	    -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\nX(y): b\r\n"
	                        "\r\n"),
	    -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\nX\x80: b\r\n"
	                        "\r\n"),
	    -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n"
	                        "\r\n"),
	    -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\nX/Y: b\r\n"
	                        "\r\n"),
	    -400);
	/* control characters in values */
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\nX: a\x01\r\n"
	                        "\r\n"),
	    -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\nX: a\x7f\r\n"
	                        "\r\n"),
	    -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\nX: \x1b[0m\r\n"
	                        "\r\n"),
	    -400);
	assert_int_equal(req_lim(nul, sizeof nul - 1, &test_limits, &r), -400);

	/* obs-text, HTAB, OWS trimming, empty values */
	s = "GET / HTTP/1.1\r\nHost: a\r\nX: \t caf\xc3\xa9\tau lait \t \r\n"
	    "Empty:\r\nEmpty2: \t \r\n\r\n";
	assert_int_equal(req(s, &r), strlen(s));
	assert_int_equal(r.nheaders, 4);
	assert_str(hdrs[1].value, hdrs[1].value_len, "caf\xc3\xa9\tau lait");
	assert_int_equal(hdrs[2].value_len, 0);
	assert_int_equal(hdrs[3].value_len, 0);
	assert_non_null(err);
}

/* Every offset in and around an eight-byte word, for the fast scans. */
static void
test_request_byte_positions(void **state)
{
	static const char   bad_value[] = { 0x01, 0x0b, 0x1f, 0x7f, 0x00 };
	static const char   bad_target[] = { 0x01, 0x7f, (char)0x80, (char)0xff,
		  0x00, 0x09 };
	struct http_request r;
	char                s[256];
	size_t              off, i, n;

	(void)state;
	for (off = 0; off < 20; off++) {
		for (i = 0; i < sizeof bad_value; i++) {
			n = (size_t)snprintf(s, sizeof s,
			    "GET / HTTP/1.1\r\nHost: a\r\nX: %.*s#%s\r\n\r\n",
			    (int)off, "aaaaaaaaaaaaaaaaaaaaaaaaa",
			    "bbbbbbbbbbbb");
			s[28 + off] = bad_value[i];
			assert_int_equal(req_lim(s, n, &test_limits, &r), -400);
			s[28 + off] = (char)(0x80 + off);
			assert_int_equal(req_lim(s, n, &test_limits, &r), n);
			assert_int_equal(hdrs[1].value_len, off + 13);
			s[28 + off] = '\t';
			assert_int_equal(req_lim(s, n, &test_limits, &r), n);
		}
		for (i = 0; i < sizeof bad_target; i++) {
			n = (size_t)snprintf(s, sizeof s,
			    "GET /%.*s#%s HTTP/1.1\r\nHost: a\r\n\r\n",
			    (int)off, "aaaaaaaaaaaaaaaaaaaaaaaaa",
			    "bbbbbbbbbbbb");
			s[5 + off] = bad_target[i];
			assert_int_equal(req_lim(s, n, &test_limits, &r), -400);
			s[5 + off] = '~';
			assert_int_equal(req_lim(s, n, &test_limits, &r), n);
			assert_int_equal(r.target_len, off + 14);
		}
	}
}

static void
test_request_header_ids(void **state)
{
	static const struct {
		const char   *name;
		enum http_hdr id;
	} t[] = {
		{ "Host", HTTP_HDR_HOST },
		{ "content-LENGTH", HTTP_HDR_CONTENT_LENGTH },
		{ "Transfer-Encoding", HTTP_HDR_TRANSFER_ENCODING },
		{ "CONNECTION", HTTP_HDR_CONNECTION },
		{ "Keep-Alive", HTTP_HDR_KEEP_ALIVE },
		{ "Proxy-Connection", HTTP_HDR_PROXY_CONNECTION },
		{ "TE", HTTP_HDR_TE },
		{ "Trailer", HTTP_HDR_TRAILER },
		{ "upgrade", HTTP_HDR_UPGRADE },
		{ "Expect", HTTP_HDR_EXPECT },
		{ "Accept", HTTP_HDR_ACCEPT },
		{ "X-Forwarded-For", HTTP_HDR_X_FORWARDED_FOR },
		{ "x-forwarded-proto", HTTP_HDR_X_FORWARDED_PROTO },
		{ "X-Forwarded-Host", HTTP_HDR_X_FORWARDED_HOST },
		{ "X-Real-IP", HTTP_HDR_X_REAL_IP },
		{ "X-Request-Id", HTTP_HDR_X_REQUEST_ID },
		{ "Proxy-Authenticate", HTTP_HDR_PROXY_AUTHENTICATE },
		{ "Proxy-Authorization", HTTP_HDR_PROXY_AUTHORIZATION },
		{ "Forwarded", HTTP_HDR_FORWARDED },
		{ "X-Remote-User", HTTP_HDR_X_REMOTE_USER },
		{ "Server-Timing", HTTP_HDR_SERVER_TIMING },
		{ "grpc-status-details-bin", HTTP_HDR_GRPC_STATUS_DETAILS_BIN },
		{ "Hos", HTTP_HDR_OTHER },
		{ "Hostx", HTTP_HDR_OTHER },
		{ "Accept-Encoding", HTTP_HDR_OTHER },
		{ "X-Forwarded-Fox", HTTP_HDR_OTHER },
		{ "Te_", HTTP_HDR_OTHER },
		{ "X_Real_IP", HTTP_HDR_OTHER },
		{ "Forwardee", HTTP_HDR_OTHER },
	};
	struct http_request r;
	char                s[256];
	size_t              i;

	(void)state;
	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		if (t[i].id == HTTP_HDR_HOST)
			snprintf(s, sizeof s,
			    "GET / HTTP/1.1\r\n%s: h\r\n"
			    "\r\n",
			    t[i].name);
		else
			snprintf(s, sizeof s,
			    "GET / HTTP/1.1\r\nHost: h\r\n"
			    "%s: %s\r\n\r\n",
			    t[i].name,
			    t[i].id == HTTP_HDR_CONTENT_LENGTH ? "0" :
			        t[i].id == HTTP_HDR_TRANSFER_ENCODING ?
			                                         "chunked" :
			                                         "x");
		assert_int_equal(req(s, &r), strlen(s));
		assert_int_equal(hdrs[r.nheaders - 1].id, t[i].id);
	}
}

static void
test_request_content_length(void **state)
{
	static const char *bad[] = {
		"+5",
		"-1",
		"5a",
		"0x5",
		"1 2",
		"5,",
		",5",
		"5,,5",
		"5, 6",
		"",
		"1.0",
		"99999999999999999999",
		"9223372036854775808",
		"18446744073709551616",
		"\xd9\xa5",
	};
	struct http_request r;
	char                s[256];
	const char         *p;
	size_t              i;

	(void)state;
	p = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 42\r\n\r\n";
	assert_int_equal(req(p, &r), strlen(p));
	assert_true(r.flags & HTTP_F_CONTENT_LENGTH);
	assert_int_equal(r.content_length, 42);

	p = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n";
	assert_int_equal(req(p, &r), strlen(p));
	assert_true(r.flags & HTTP_F_CONTENT_LENGTH);
	assert_int_equal(r.content_length, 0);

	p = "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 9223372036854775807\r\n\r\n";
	assert_int_equal(req(p, &r), strlen(p));
	assert_int_equal(r.content_length, INT64_MAX);

	p = "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 007\r\n"
	    "content-length: 7 , 7\r\n\r\n";
	assert_int_equal(req(p, &r), strlen(p));
	assert_int_equal(r.content_length, 7);

	assert_int_equal(req_rc(
	                     "POST / HTTP/1.1\r\nHost: a\r\n"
	                     "Content-Length: 5\r\nContent-Length: 6\r\n\r\n"),
	    -400);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(s, sizeof s,
		    "POST / HTTP/1.1\r\nHost: a\r\n"
		    "Content-Length: %s\r\n\r\n",
		    bad[i]);
		assert_int_equal(req(s, &r), -400);
	}

	/* both Content-Length and Transfer-Encoding, in either order */
	assert_int_equal(
	    req_rc("POST / HTTP/1.1\r\nHost: a\r\n"
	           "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"),
	    -400);
	assert_int_equal(
	    req_rc("POST / HTTP/1.1\r\nHost: a\r\n"
	           "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n"),
	    -400);
}

static void
test_request_transfer_encoding(void **state)
{
	static const char *good[] = {
		"chunked",
		"Chunked",
		"CHUNKED",
	};
	/*
	 * Exactly "chunked" or nothing: every other spelling is read
	 * differently by some server (TE.TE desyncs).
	 */
	static const char *bad[] = {
		"gzip, chunked",
		"gzip;q=1 , chunked",
		",chunked,",
		",chunked",
		"chunked,",
		"identity, chunked",
		"chunked, identity",
		"deflate,gzip,chunked",
		"xchunked",
		"gzip",
		"chunked, gzip",
		"chunked, chunked",
		"chunked;x=1",
		"",
		",",
		"gz ip, chunked",
		"\"chunked\"",
		"chunked x",
		"chunkedx",
		"identity",
	};
	struct http_request r;
	char                s[256];
	const char         *p;
	size_t              i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(s, sizeof s,
		    "POST / HTTP/1.1\r\nHost: a\r\n"
		    "Transfer-Encoding: %s\r\n\r\n",
		    good[i]);
		assert_int_equal(req(s, &r), strlen(s));
		assert_int_equal(r.flags &
		        (HTTP_F_CHUNKED | HTTP_F_CONTENT_LENGTH),
		    HTTP_F_CHUNKED);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(s, sizeof s,
		    "POST / HTTP/1.1\r\nHost: a\r\n"
		    "Transfer-Encoding: %s\r\n\r\n",
		    bad[i]);
		assert_int_equal(req(s, &r), -400);
	}

	/* One field only, even with codings that would add up. */
	p = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n";
	assert_int_equal(req(p, &r), -400);
	(void)r;
	assert_int_equal(
	    req_rc(
	        "POST / HTTP/1.1\r\nHost: a\r\n"
	        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
	        "\r\n"),
	    -400);
	assert_int_equal(
	    req_rc("POST / HTTP/1.1\r\nHost: a\r\n"
	           "Transfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n"
	           "\r\n"),
	    -400);
	/* HTTP/1.0 has no transfer codings (RFC 9112 6.1). */
	assert_int_equal(req_rc("POST / HTTP/1.0\r\n"
	                        "Transfer-Encoding: chunked\r\n\r\n"),
	    -400);
}

static void
test_request_host(void **state)
{
	static const char *good[] = {
		"example.com",
		"EXAMPLE.com:8080",
		"[::1]",
		"[::1]:80",
		"[2001:db8::1]",
		"127.0.0.1:1",
		"a_b-c.",
		"xn--bcher-kva.ch",
	};
	static const char *bad[] = {
		"a,b",
		"a.test, b.test",
		"a;b",
		"a~b",
		"a%41",
		"a!b",
		"a=b",
		"a*b",
		"(a)",
		"a b",
		"a/b",
		"a:",
		":80",
		"a:123456",
		"a:8x",
		"[::1",
		"[]",
		"[::g]",
		"a@b",
		"a?b",
		"a#b",
		"caf\xc3\xa9",
		"a\tb",
		"a:80:80",
		"\"a\"",
	};
	struct http_request r;
	char                s[256];
	const char         *p;
	size_t              i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(s, sizeof s, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n",
		    good[i]);
		assert_int_equal(req(s, &r), strlen(s));
		assert_str(r.host, r.host_len, good[i]);
	}
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(s, sizeof s, "GET / HTTP/1.1\r\nHost: %s\r\n\r\n",
		    bad[i]);
		assert_int_equal(req(s, &r), -400);
	}
	assert_int_equal(req_rc("GET / HTTP/1.1\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost:\r\n\r\n"), -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost:  \r\n\r\n"), -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n"
	                        "\r\n"),
	    -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n"
	                        "\r\n"),
	    -400);
	assert_int_equal(req_rc("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n"
	                        "\r\n"),
	    -400);

	p = "GET / HTTP/1.0\r\nHost:\r\n\r\n";
	assert_int_equal(req(p, &r), strlen(p));
	assert_null(r.host);
	p = "GET / HTTP/1.0\r\nHost: a.b\r\n\r\n";
	assert_int_equal(req(p, &r), strlen(p));
	assert_str(r.host, r.host_len, "a.b");
}

static void
test_request_connection(void **state)
{
	struct http_request r;
	const char         *p;

	(void)state;
	p = "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
	assert_int_equal(req(p, &r), strlen(p));
	assert_int_equal(r.flags & (HTTP_F_KEEP_ALIVE | HTTP_F_CONN_CLOSE),
	    HTTP_F_CONN_CLOSE);

	p = "GET / HTTP/1.1\r\nHost: a\r\nConnection: Keep-Alive, CLOSE\r\n"
	    "\r\n";
	assert_int_equal(req(p, &r), strlen(p));
	assert_int_equal(r.flags & (HTTP_F_KEEP_ALIVE | HTTP_F_CONN_CLOSE),
	    HTTP_F_CONN_CLOSE);

	p = "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
	assert_int_equal(req(p, &r), strlen(p));
	assert_true(r.flags & HTTP_F_KEEP_ALIVE);

	p = "GET / HTTP/1.0\r\nConnection: foo\r\n\r\n";
	assert_int_equal(req(p, &r), strlen(p));
	assert_false(r.flags & HTTP_F_KEEP_ALIVE);

	p = "GET /ws HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\n"
	    "Upgrade: websocket\r\n\r\n";
	assert_int_equal(req(p, &r), strlen(p));
	assert_int_equal(r.flags &
	        (HTTP_F_KEEP_ALIVE | HTTP_F_CONN_UPGRADE | HTTP_F_UPGRADE |
	            HTTP_F_CONN_CLOSE),
	    HTTP_F_KEEP_ALIVE | HTTP_F_CONN_UPGRADE | HTTP_F_UPGRADE);

	p = "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n"
	    "Connection: upgrade\r\n\r\n";
	assert_int_equal(req(p, &r), strlen(p));
	assert_int_equal(r.flags & (HTTP_F_CONN_UPGRADE | HTTP_F_CONN_CLOSE),
	    HTTP_F_CONN_UPGRADE | HTTP_F_CONN_CLOSE);
	assert_true(http_connection_names(hdrs, r.nheaders, "Upgrade", 7));
	assert_true(http_connection_names(hdrs, r.nheaders, "close", 5));
	assert_false(http_connection_names(hdrs, r.nheaders, "clos", 4));
	assert_false(http_connection_names(hdrs, r.nheaders, "host", 4));

	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\n"
	                        "Connection: a b\r\n\r\n"),
	    -400);
	assert_int_equal(req_rc("GET / HTTP/1.1\r\nHost: a\r\n"
	                        "Connection: \"close\"\r\n\r\n"),
	    -400);
}

static void
test_request_connection_names(void **state)
{
	struct http_header h[3];

	(void)state;
	memset(h, 0, sizeof h);
	h[0].id = HTTP_HDR_OTHER;
	h[0].value = "X-Foo";
	h[0].value_len = 5;
	h[1].id = HTTP_HDR_CONNECTION;
	h[1].value = ", x-foo ,,keep-alive";
	h[1].value_len = strlen(h[1].value);
	h[2].id = HTTP_HDR_CONNECTION;
	h[2].value = "X-Bar";
	h[2].value_len = 5;
	assert_true(http_connection_names(h, 3, "X-Foo", 5));
	assert_true(http_connection_names(h, 3, "Keep-Alive", 10));
	assert_true(http_connection_names(h, 3, "x-bar", 5));
	assert_false(http_connection_names(h, 1, "x-foo", 5));
	assert_false(http_connection_names(h, 3, "x-fo", 4));
	assert_false(http_connection_names(h, 0, "x-foo", 5));
}

static void
test_request_expect_accept(void **state)
{
	static const struct {
		const char *accept;
		int         html;
	} t[] = {
		{ "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", 1 },
		{ "*/*", 1 },
		{ "TEXT/HTML", 1 },
		{ "text/*;q=0.5", 1 },
		{ "application/json", 0 },
		{ "image/*, application/json", 0 },
		{ "text/html;q=0", 0 },
		{ "text/html; q=0.000, application/json", 0 },
		{ "text/html;q=0.001", 1 },
		{ "text/plain", 0 },
		{ "text/htmlx", 0 },
		{ "", 0 },
	};
	struct http_request r;
	char                s[256];
	const char         *p;
	size_t              i;

	(void)state;
	p = "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n"
	    "Content-Length: 1\r\n\r\n";
	assert_int_equal(req(p, &r), strlen(p));
	assert_true(r.flags & HTTP_F_EXPECT_CONTINUE);
	p = "PUT / HTTP/1.1\r\nHost: a\r\nExpect: 100-continuex\r\n\r\n";
	assert_int_equal(req(p, &r), strlen(p));
	assert_false(r.flags & HTTP_F_EXPECT_CONTINUE);

	for (i = 0; i < sizeof t / sizeof t[0]; i++) {
		snprintf(s, sizeof s,
		    "GET / HTTP/1.1\r\nHost: a\r\n"
		    "Accept: %s\r\n\r\n",
		    t[i].accept);
		assert_int_equal(req(s, &r), strlen(s));
		assert_int_equal(!!(r.flags & HTTP_F_ACCEPT_HTML), t[i].html);
	}
	p = "GET / HTTP/1.1\r\nHost: a\r\nAccept: application/json\r\n"
	    "Accept: text/html\r\n\r\n";
	assert_int_equal(req(p, &r), strlen(p));
	assert_true(r.flags & HTTP_F_ACCEPT_HTML);
}

static void
test_request_limits(void **state)
{
	struct http_limits  lim = { 256, 64, 4 };
	struct http_request r;
	char               *s;
	size_t              n;
	int                 rc;

	(void)state;
	s = malloc(1 << 20);
	assert_non_null(s);

	/* target of exactly max_uri, then one more */
	n = (size_t)snprintf(s, 512, "GET /%063d HTTP/1.1\r\nHost: a\r\n\r\n",
	    0);
	assert_int_equal(req_lim(s, n, &lim, &r), n);
	assert_int_equal(r.target_len, 64);
	n = (size_t)snprintf(s, 512, "GET /%064d HTTP/1.1\r\nHost: a\r\n\r\n",
	    0);
	assert_int_equal(req_lim(s, n, &lim, &r), -414);

	/* A 1 MB target is 414 long before its end, not 431. */
	memcpy(s, "GET /", 5);
	memset(s + 5, 'a', (1 << 20) - 5);
	rc = http_parse_request(s, 69, &lim, &r, hdrs, &err);
	assert_int_equal(rc, -414);
	assert_non_null(err);
	assert_int_equal(http_parse_request(s, 1 << 20, &test_limits, &r, hdrs,
	                     NULL),
	    -414);
	assert_int_equal(http_parse_request(s, 68, &lim, &r, hdrs, NULL), 0);
	/* a bad byte before the limit is still a 400 */
	s[20] = '\x01';
	assert_int_equal(http_parse_request(s, 1 << 20, &lim, &r, hdrs, NULL),
	    -400);

	/* head of exactly max_head, then one more byte */
	n = (size_t)snprintf(s, 512,
	    "GET / HTTP/1.1\r\nHost: a\r\nX: %0*d\r\n"
	    "\r\n",
	    256 - 32, 0);
	assert_int_equal(n, 256);
	assert_int_equal(req_lim(s, n, &lim, &r), 256);
	n = (size_t)snprintf(s, 512,
	    "GET / HTTP/1.1\r\nHost: a\r\nX: %0*d\r\n"
	    "\r\n",
	    256 - 31, 0);
	assert_int_equal(req_lim(s, n, &lim, &r), -431);
	assert_int_equal(http_parse_request(s, 255, &lim, &r, hdrs, NULL), 0);
	assert_int_equal(http_parse_request(s, 256, &lim, &r, hdrs, NULL),
	    -431);
	/* bytes after a complete head do not count */
	n = (size_t)snprintf(s, 512, "GET / HTTP/1.1\r\nHost: a\r\n\r\n%0300d",
	    0);
	assert_int_equal(http_parse_request(s, n, &lim, &r, hdrs, NULL), 27);

	/* max_headers fields, then one more */
	n = (size_t)snprintf(s, 512,
	    "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\n"
	    "B: 2\r\nC: 3\r\n\r\n");
	assert_int_equal(req_lim(s, n, &lim, &r), n);
	assert_int_equal(r.nheaders, 4);
	n = (size_t)snprintf(s, 512,
	    "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\n"
	    "B: 2\r\nC: 3\r\nD: 4\r\n\r\n");
	assert_int_equal(req_lim(s, n, &lim, &r), -431);
	free(s);
}

static void
test_request_incomplete(void **state)
{
	struct http_request r;

	(void)state;
	assert_int_equal(http_parse_request("", 0, &test_limits, &r, hdrs,
	                     NULL),
	    0);
	assert_int_equal(http_parse_request("GET / HTTP/1.1\r\nHost: a\r\n", 25,
	                     &test_limits, &r, hdrs, NULL),
	    0);
	assert_int_equal(http_parse_request("GET / HTTP/1.1\r\nHost: a\r\n\r",
	                     26, &test_limits, &r, hdrs, NULL),
	    0);
	assert_int_equal(http_parse_request("GET / HTTP/1.1\r", 15,
	                     &test_limits, &r, hdrs, NULL),
	    0);
}

static void
test_response_simple(void **state)
{
	struct http_response r;
	const char          *p;

	(void)state;
	p = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\n";
	assert_int_equal(res(p, &r), strlen(p));
	assert_int_equal(r.version, 11);
	assert_int_equal(r.status, 200);
	assert_str(r.reason, r.reason_len, "OK");
	assert_int_equal(r.nheaders, 2);
	assert_ptr_equal(r.headers, hdrs);
	assert_int_equal(r.content_length, 5);
	assert_int_equal(r.flags, HTTP_F_CONTENT_LENGTH | HTTP_F_KEEP_ALIVE);

	p = "HTTP/1.0 404 Not  Found \n\n";
	assert_int_equal(res(p, &r), strlen(p));
	assert_int_equal(r.version, 10);
	assert_str(r.reason, r.reason_len, "Not  Found");
	assert_int_equal(r.flags, 0);

	p = "HTTP/1.1 204\r\n\r\n";
	assert_int_equal(res(p, &r), strlen(p));
	assert_int_equal(r.status, 204);
	assert_int_equal(r.reason_len, 0);
	p = "HTTP/1.1 599 \r\n\r\n";
	assert_int_equal(res(p, &r), strlen(p));
	assert_int_equal(r.reason_len, 0);
	p = "HTTP/1.1 600 X\r\n\r\n";
	assert_int_equal(res(p, &r), strlen(p));
	assert_int_equal(r.status, 600);
	p = "HTTP/1.1 999 Odd\r\n\r\n";
	assert_int_equal(res(p, &r), strlen(p));
	assert_int_equal(r.status, 999);
	p = "HTTP/1.9 200 OK\r\n\r\n";
	assert_int_equal(res(p, &r), strlen(p));
	assert_int_equal(r.version, 11);
	p = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n";
	assert_int_equal(res(p, &r), 25);
	assert_int_equal(r.status, 100);
	p = "HTTP/1.1 200 caf\xc3\xa9\t!\r\n\r\n";
	assert_int_equal(res(p, &r), strlen(p));
}

/* Codings without chunked: the body is read until the backend closes. */
static void
test_response_te_close(void **state)
{
	static const char   *good[] = { "gzip", "x-unknown", "gzip, br",
		  "deflate ,  x-foo" };
	struct http_response r;
	char                 s[256];
	size_t               i;

	(void)state;
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(s, sizeof s,
		    "HTTP/1.1 200 OK\r\nTransfer-Encoding: %s\r\n\r\n",
		    good[i]);
		assert_int_equal(res(s, &r), strlen(s));
		assert_int_equal(r.flags &
		        (HTTP_F_TE_CLOSE | HTTP_F_CHUNKED |
		            HTTP_F_CONTENT_LENGTH | HTTP_F_KEEP_ALIVE),
		    HTTP_F_TE_CLOSE);
	}
}

static void
test_response_bad(void **state)
{
	static const char *bad[] = {
		"HTTP/1.1 099 X\r\n\r\n",
		"HTTP/1.1 000 X\r\n\r\n",
		"HTTP/1.1 20 X\r\n\r\n",
		"HTTP/1.1 2000 X\r\n\r\n",
		"HTTP/1.1 abc X\r\n\r\n",
		"HTTP/1.1  200 X\r\n\r\n",
		"HTTP/1.1 200 X\x01\r\n\r\n",
		"HTTP/1.1 200 X\rY\r\n\r\n",
		"HTTP/2 200 OK\r\n\r\n",
		"http/1.1 200 OK\r\n\r\n",
		"HTTP/1.1\r\n\r\n",
		" HTTP/1.1 200 OK\r\n\r\n",
		"\r\nHTTP/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX : a\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX: a\x7f\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip,\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: ,gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip;q=1\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
		"Content-Length: 3\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
		"Transfer-Encoding: br\r\n\r\n",
		"HTTP/1.0 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
		"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\nConnection: a b\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\r\r\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err = NULL;
		assert_int_equal(res_rc(bad[i]), -502);
		assert_non_null(err);
	}
}

static void
test_response_framing(void **state)
{
	struct http_response r;
	const char          *p;

	(void)state;
	/* chunked wins over Content-Length, and the connection closes */
	p = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n";
	assert_int_equal(res(p, &r), strlen(p));
	assert_int_equal(r.flags, HTTP_F_CHUNKED);
	assert_int_equal(r.content_length, 0);

	/* From a backend too, only exactly "chunked" in one field. */
	p = "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n";
	assert_int_equal(res(p, &r), -502);
	p = "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity, chunked\r\n\r\n";
	assert_int_equal(res(p, &r), -502);
	p = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n";
	assert_int_equal(res(p, &r), -502);
	p = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
	assert_int_equal(res(p, &r), strlen(p));
	assert_int_equal(r.flags, HTTP_F_CHUNKED | HTTP_F_KEEP_ALIVE);

	p = "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n";
	assert_int_equal(res(p, &r), strlen(p));
	assert_int_equal(r.flags, HTTP_F_CONN_CLOSE);

	p = "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\n"
	    "Content-Length: 3, 3\r\n\r\n";
	assert_int_equal(res(p, &r), strlen(p));
	assert_int_equal(r.flags, HTTP_F_KEEP_ALIVE | HTTP_F_CONTENT_LENGTH);
	assert_int_equal(r.content_length, 3);

	p = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n"
	    "Upgrade: websocket\r\n\r\n";
	assert_int_equal(res(p, &r), strlen(p));
	assert_int_equal(r.flags,
	    HTTP_F_KEEP_ALIVE | HTTP_F_CONN_UPGRADE | HTTP_F_UPGRADE);

	/* request-only flags and rules do not apply */
	p = "HTTP/1.1 200 OK\r\nHost: a\r\nHost: b\r\nExpect: 100-continue\r\n"
	    "Accept: text/html\r\n\r\n";
	assert_int_equal(res(p, &r), strlen(p));
	assert_int_equal(r.flags, HTTP_F_KEEP_ALIVE);
}

static void
test_response_limits(void **state)
{
	struct http_limits   lim = { 64, 64, 2 };
	struct http_response r;
	char                 s[512];
	size_t               n;

	(void)state;
	n = (size_t)snprintf(s, sizeof s,
	    "HTTP/1.1 200 OK\r\nA: 1\r\n"
	    "B: 2\r\n\r\n");
	assert_int_equal(res_lim(s, n, &lim, &r), n);
	n = (size_t)snprintf(s, sizeof s,
	    "HTTP/1.1 200 OK\r\nA: 1\r\n"
	    "B: 2\r\nC: 3\r\n\r\n");
	assert_int_equal(res_lim(s, n, &lim, &r), -502);
	n = (size_t)snprintf(s, sizeof s,
	    "HTTP/1.1 200 OK\r\nA: %060d\r\n"
	    "\r\n",
	    0);
	assert_int_equal(res_lim(s, n, &lim, &r), -502);
	assert_int_equal(http_parse_response(s, 63, &lim, &r, hdrs, NULL), 0);
	assert_int_equal(http_parse_response(s, 64, &lim, &r, hdrs, NULL),
	    -502);
	assert_int_equal(http_parse_response("HTTP/1.1 200", 12, &lim, &r, hdrs,
	                     NULL),
	    0);
}

static void
test_bodyless_reason(void **state)
{
	static const int codes[] = {
		100,
		101,
		200,
		201,
		202,
		203,
		204,
		205,
		206,
		301,
		302,
		303,
		304,
		305,
		307,
		308,
		400,
		401,
		402,
		403,
		404,
		405,
		406,
		407,
		408,
		409,
		410,
		411,
		412,
		413,
		414,
		415,
		416,
		417,
		421,
		422,
		426,
		428,
		429,
		431,
		500,
		501,
		502,
		503,
		504,
		505,
	};
	size_t i;

	(void)state;
	assert_true(http_response_bodyless(HTTP_M_HEAD, 200));
	assert_true(http_response_bodyless(HTTP_M_GET, 100));
	assert_true(http_response_bodyless(HTTP_M_GET, 101));
	assert_true(http_response_bodyless(HTTP_M_POST, 204));
	assert_true(http_response_bodyless(HTTP_M_GET, 304));
	assert_false(http_response_bodyless(HTTP_M_GET, 200));
	assert_false(http_response_bodyless(HTTP_M_GET, 205));
	assert_false(http_response_bodyless(HTTP_M_OTHER, 404));

	for (i = 0; i < sizeof codes / sizeof codes[0]; i++)
		assert_string_not_equal(http_reason(codes[i]), "Unknown");
	assert_string_equal(http_reason(200), "OK");
	assert_string_equal(http_reason(404), "Not Found");
	assert_string_equal(http_reason(414), "URI Too Long");
	assert_string_equal(http_reason(431),
	    "Request Header Fields Too Large");
	assert_string_equal(http_reason(505), "HTTP Version Not Supported");
	assert_string_equal(http_reason(299), "Unknown");
	assert_string_equal(http_reason(0), "Unknown");
	assert_string_equal(http_reason(-1), "Unknown");
}

static void
test_hop_by_hop(void **state)
{
	(void)state;
	assert_true(http_hop_by_hop(HTTP_HDR_CONNECTION));
	assert_true(http_hop_by_hop(HTTP_HDR_KEEP_ALIVE));
	assert_true(http_hop_by_hop(HTTP_HDR_PROXY_CONNECTION));
	assert_true(http_hop_by_hop(HTTP_HDR_TE));
	assert_true(http_hop_by_hop(HTTP_HDR_TRAILER));
	assert_true(http_hop_by_hop(HTTP_HDR_UPGRADE));
	assert_true(http_hop_by_hop(HTTP_HDR_TRANSFER_ENCODING));
	assert_false(http_hop_by_hop(HTTP_HDR_HOST));
	assert_false(http_hop_by_hop(HTTP_HDR_CONTENT_LENGTH));
	assert_false(http_hop_by_hop(HTTP_HDR_X_FORWARDED_FOR));
	assert_false(http_hop_by_hop(HTTP_HDR_OTHER));
}

/* Every field of the table, as a client might spell it, and its flags. */
static const struct {
	const char   *name;
	enum http_hdr id;
	unsigned      flags;
} known[] = {
	{ "Host", HTTP_HDR_HOST, HTTP_H_OURS },
	{ "Content-Length", HTTP_HDR_CONTENT_LENGTH, HTTP_H_FRAMING },
	{ "Transfer-Encoding", HTTP_HDR_TRANSFER_ENCODING,
	    HTTP_H_HOP_BY_HOP | HTTP_H_FRAMING },
	{ "Connection", HTTP_HDR_CONNECTION, HTTP_H_HOP_BY_HOP },
	{ "keep-alive", HTTP_HDR_KEEP_ALIVE, HTTP_H_HOP_BY_HOP },
	{ "PROXY-CONNECTION", HTTP_HDR_PROXY_CONNECTION, HTTP_H_HOP_BY_HOP },
	{ "TE", HTTP_HDR_TE, HTTP_H_HOP_BY_HOP },
	{ "Trailer", HTTP_HDR_TRAILER, HTTP_H_HOP_BY_HOP },
	{ "Upgrade", HTTP_HDR_UPGRADE, HTTP_H_HOP_BY_HOP },
	{ "Expect", HTTP_HDR_EXPECT, 0 },
	{ "Accept", HTTP_HDR_ACCEPT, 0 },
	{ "X-Forwarded-For", HTTP_HDR_X_FORWARDED_FOR,
	    HTTP_H_OURS | HTTP_H_IDENTITY },
	{ "X-Forwarded-Proto", HTTP_HDR_X_FORWARDED_PROTO,
	    HTTP_H_OURS | HTTP_H_IDENTITY },
	{ "X-Forwarded-Host", HTTP_HDR_X_FORWARDED_HOST,
	    HTTP_H_OURS | HTTP_H_IDENTITY },
	{ "X-Real-IP", HTTP_HDR_X_REAL_IP, HTTP_H_OURS | HTTP_H_IDENTITY },
	{ "X-Request-ID", HTTP_HDR_X_REQUEST_ID,
	    HTTP_H_OURS | HTTP_H_IDENTITY },
	{ "Proxy-Authenticate", HTTP_HDR_PROXY_AUTHENTICATE, 0 },
	{ "Proxy-Authorization", HTTP_HDR_PROXY_AUTHORIZATION, 0 },
	{ "Forwarded", HTTP_HDR_FORWARDED, HTTP_H_PROXY },
	{ "X-Remote-User", HTTP_HDR_X_REMOTE_USER, HTTP_H_IDENTITY },
	{ "Server-Timing", HTTP_HDR_SERVER_TIMING, HTTP_H_TRAILER_OK },
	{ "Content-Digest", HTTP_HDR_CONTENT_DIGEST, HTTP_H_TRAILER_OK },
	{ "Repr-Digest", HTTP_HDR_REPR_DIGEST, HTTP_H_TRAILER_OK },
	{ "Digest", HTTP_HDR_DIGEST, HTTP_H_TRAILER_OK },
	{ "Content-MD5", HTTP_HDR_CONTENT_MD5, HTTP_H_TRAILER_OK },
	{ "grpc-status", HTTP_HDR_GRPC_STATUS, HTTP_H_TRAILER_OK },
	{ "Grpc-Message", HTTP_HDR_GRPC_MESSAGE, HTTP_H_TRAILER_OK },
	{ "grpc-status-details-bin", HTTP_HDR_GRPC_STATUS_DETAILS_BIN,
	    HTTP_H_TRAILER_OK },
};

static void
test_header_flags(void **state)
{
	static const char *const unknown[] = { "", "H", "Hos", "Hostx",
		"Content-Lengths", "Content-Type", "Authorization",
		"Accept-Encoding", "X-Forwarded-Port", "X_Forwarded_For",
		"X-Real-IP ", "Forwardex", "Keep-Alivf", "TF", "grpc-statuses",
		"Digesu" };
	char                     up[32];
	int                      seen[HTTP_HDR_COUNT] = { 0 };
	size_t                   i, j, len;
	enum http_hdr            id;

	(void)state;
	for (i = 0; i < sizeof known / sizeof known[0]; i++) {
		len = strlen(known[i].name);
		assert_int_equal(http_header_flags(known[i].name, len),
		    known[i].flags);
		assert_int_equal(http_hdr_flags(known[i].id), known[i].flags);
		/* The name in any case, and not a byte more or less. */
		for (j = 0; j < len; j++)
			up[j] = (char)(known[i].name[j] >= 'a' &&
			            known[i].name[j] <= 'z' ?
			        known[i].name[j] - 32 :
			        known[i].name[j]);
		assert_int_equal(http_header_flags(up, len), known[i].flags);
		up[len] = 'x';
		if (known[i].flags != 0) {
			assert_int_equal(http_header_flags(up, len + 1), 0);
			assert_int_equal(http_header_flags(up, len - 1), 0);
		}
		seen[known[i].id]++;
	}
	/* Each entry of the table once above: none the lookup misses. */
	for (id = HTTP_HDR_OTHER + 1; id < HTTP_HDR_COUNT; id++)
		assert_int_equal(seen[id], 1);
	assert_int_equal(http_hdr_flags(HTTP_HDR_OTHER), 0);
	assert_int_equal(http_hdr_flags(HTTP_HDR_COUNT), 0);
	for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
		assert_int_equal(http_header_flags(unknown[i],
		                     strlen(unknown[i])),
		    0);
}

/*
 * proxy-head.c looks a name up as an identity or proxy field only when it
 * is 9 to 24 bytes long and starts with x or f.
 */
static void
test_header_flags_identity_names(void **state)
{
	size_t i, len;
	int    n = 0;

	(void)state;
	for (i = 0; i < sizeof known / sizeof known[0]; i++) {
		if (!(known[i].flags & (HTTP_H_IDENTITY | HTTP_H_PROXY)))
			continue;
		len = strlen(known[i].name);
		assert_true(len >= 9 && len <= 24);
		assert_true(known[i].name[0] == 'X' || known[i].name[0] == 'F');
		n++;
	}
	assert_int_equal(n, 7);
}

static void
test_list_has(void **state)
{
	const char *v = " no-cache ,, No-Transform\t, max-age=0 ";

	(void)state;
	assert_true(http_list_has(v, strlen(v), "no-transform"));
	assert_true(http_list_has(v, strlen(v), "no-cache"));
	assert_true(http_list_has(v, strlen(v), "max-age=0"));
	assert_false(http_list_has(v, strlen(v), "no"));
	assert_false(http_list_has(v, strlen(v), "max-age"));
	assert_false(http_list_has(v, 8, "no-cache")); /* " no-cach" */
	assert_false(http_list_has("", 0, "*"));
	assert_true(http_list_has("*", 1, "*"));
	assert_true(
	    http_list_has("Accept-Encoding, Origin", 23, "accept-encoding"));
}

/* What goes on to the next hop: not this hop's fields, not framing. */
static void
test_field_forwarded(void **state)
{
	static const char    head[] = "HTTP/1.1 200 OK\r\n"
	                              "Connection: X-Secret, close\r\n"
	                              "X-Secret: 1\r\n"
	                              "Content-Length: 3\r\n"
	                              "Keep-Alive: timeout=5\r\n"
	                              "ETag: \"a\"\r\n"
	                              "x-secret: 2\r\n"
	                              "X-Other: 3\r\n"
	                              "\r\n";
	static const int     fwd[] = { 0, 0, 0, 0, 1, 0, 1 };
	struct http_header   fields[16];
	struct http_response resp;
	struct http_limits   lim = { 1024, 1024, 16 };
	size_t               i;

	(void)state;
	assert_int_equal(http_parse_response(head, sizeof head - 1, &lim, &resp,
	                     fields, NULL),
	    (int)(sizeof head - 1));
	assert_int_equal(resp.nheaders, sizeof fwd / sizeof fwd[0]);
	for (i = 0; i < resp.nheaders; i++)
		assert_int_equal(http_field_forwarded(resp.headers,
		                     resp.nheaders, &resp.headers[i]),
		    fwd[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request_simple),
		cmocka_unit_test(test_request_bare_lf),
		cmocka_unit_test(test_request_leading_empty_lines),
		cmocka_unit_test(test_request_pipelined),
		cmocka_unit_test(test_request_methods),
		cmocka_unit_test(test_request_target),
		cmocka_unit_test(test_request_absolute_form),
		cmocka_unit_test(test_request_version),
		cmocka_unit_test(test_request_bare_cr),
		cmocka_unit_test(test_request_field_syntax),
		cmocka_unit_test(test_request_byte_positions),
		cmocka_unit_test(test_request_header_ids),
		cmocka_unit_test(test_request_content_length),
		cmocka_unit_test(test_request_transfer_encoding),
		cmocka_unit_test(test_request_host),
		cmocka_unit_test(test_request_connection),
		cmocka_unit_test(test_request_connection_names),
		cmocka_unit_test(test_request_expect_accept),
		cmocka_unit_test(test_request_limits),
		cmocka_unit_test(test_request_incomplete),
		cmocka_unit_test(test_response_simple),
		cmocka_unit_test(test_response_bad),
		cmocka_unit_test(test_response_te_close),
		cmocka_unit_test(test_response_framing),
		cmocka_unit_test(test_response_limits),
		cmocka_unit_test(test_bodyless_reason),
		cmocka_unit_test(test_hop_by_hop),
		cmocka_unit_test(test_list_has),
		cmocka_unit_test(test_field_forwarded),
		cmocka_unit_test(test_header_flags),
		cmocka_unit_test(test_header_flags_identity_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
