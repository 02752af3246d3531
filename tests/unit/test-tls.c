/* SPDX-License-Identifier: ISC */
/* Unit tests for daemon/tls.c: an mbedTLS client talks to tls_conn in memory. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The client side of the tests; the daemon's code reaches mbedTLS via tls.h. */
#include <mbedtls/version.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#include <psa/crypto.h>
#define V3 1
#else
#define V3 0
#endif

#include "config.h"
#include "tls.h"
#include "util.h"

static char                     dir[] = "/tmp/fd-test-tls.XXXXXX";
static mbedtls_entropy_context  entropy;
static mbedtls_ctr_drbg_context drbg;

static char *
path_of(const char *name)
{
	return xasprintf("%s/%s", dir, name);
}

static void
write_file(const char *name, const char *text)
{
	char *p = path_of(name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	assert_true(fputs(text, f) >= 0);
	assert_int_equal(fclose(f), 0);
	free(p);
}

static void
sh(const char *fmt, ...)
{
	va_list ap;
	char   *cmd, *full;

	va_start(ap, fmt);
	assert_int_not_equal(vasprintf(&cmd, fmt, ap), -1);
	va_end(ap);
	full = xasprintf("cd %s && (%s) >/dev/null 2>&1", dir, cmd);
	if (system(full) != 0) {
		fprintf(stderr, "command failed: %s\n", cmd);
		fail();
	}
	free(cmd);
	free(full);
}

/* A self-signed certificate NAME.crt/NAME.key for the DNS names given. */
static void
make_cert(const char *name, const char *type, const char *cn, const char *san,
    int days)
{
	sh("openssl req -x509 -newkey %s -nodes -keyout %s.key -out %s.crt "
	   "-days %d -subj /CN=%s -addext subjectAltName=%s && chmod 600 %s.key",
	    type, name, name, days, cn, san, name);
}

static int
group_setup(void **state)
{
	static const char pers[] = "test-tls";

	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
#if V3
	if (psa_crypto_init() != PSA_SUCCESS)
		return -1;
#endif
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
	        (const unsigned char *)pers, sizeof pers - 1) != 0)
		return -1;

	make_cert("ec", "ec -pkeyopt ec_paramgen_curve:P-256", "default.test",
	    "DNS:default.test", 30);
	make_cert("rsa", "rsa:2048", "rsa.test", "DNS:rsa.test", 30);
	make_cert("wild", "ec -pkeyopt ec_paramgen_curve:P-256", "wild.test",
	    "DNS:*.wild.test", 30);
	make_cert("app", "ec -pkeyopt ec_paramgen_curve:P-256", "app.test",
	    "DNS:app.test,DNS:www.app.test", 30);
	make_cert("soon", "ec -pkeyopt ec_paramgen_curve:P-256", "soon.test",
	    "DNS:soon.test", 1);
	make_cert("open", "ec -pkeyopt ec_paramgen_curve:P-256", "open.test",
	    "DNS:open.test", 30);
	sh("chmod 644 open.key");
	/* An expired one needs openssl ca for its dates. */
	write_file("ca.cnf",
	    "[ca]\ndefault_ca = d\n[d]\ndatabase = index.txt\n"
	    "new_certs_dir = .\nserial = serial\npolicy = p\n"
	    "default_md = sha256\ncopy_extensions = copy\n"
	    "[p]\ncommonName = supplied\n");
	write_file("index.txt", "");
	write_file("serial", "01\n");
	sh("openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
	   "-nodes -keyout old.key -out old.csr -subj /CN=old.test "
	   "-addext subjectAltName=DNS:old.test && chmod 600 old.key && "
	   "openssl ca -batch -config ca.cnf -selfsign -keyfile old.key "
	   "-in old.csr -out old.crt -startdate 20200101000000Z "
	   "-enddate 20200102000000Z -notext");
	sh("openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 "
	   "-out other.key && chmod 600 other.key");
	write_file("garbage.crt",
	    "-----BEGIN CERTIFICATE-----\nnope\n"
	    "-----END CERTIFICATE-----\n");
	return 0;
}

static int
group_teardown(void **state)
{
	char *cmd = xasprintf("rm -rf %s", dir);

	(void)state;
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(cmd);
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return 0;
}

static void
dump(const char *what, const struct config_errors *e)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		fprintf(stderr, "  %s | %s\n", what, e->msgs[i]);
}

/* Some message starts with "DIR/FILE:LINE: " and contains part. */
static int
has_msg(const struct config_errors *e, const char *file, int line,
    const char *part)
{
	char  *prefix = xasprintf("%s/%s:%d: ", dir, file, line);
	size_t i;
	int    found = 0;

	for (i = 0; i < e->n && !found; i++)
		found = strncmp(e->msgs[i], prefix, strlen(prefix)) == 0 &&
		    strstr(e->msgs[i], part) != NULL;
	free(prefix);
	if (!found) {
		fprintf(stderr, "no message %s:%d: ...%s... among:\n", file,
		    line, part);
		dump("msg", e);
	}
	return found;
}

static struct config *
load_text(const char *text, struct config_errors *e)
{
	struct config *cf;
	char          *p;

	write_file("main.ini", text);
	p = path_of("main.ini");
	memset(e, 0, sizeof *e);
	cf = config_load(p, e);
	free(p);
	return cf;
}

#define MAIN                                                                   \
	"[frontdoor]\n"                                                        \
	"listen_http = 127.0.0.1:8080\n"                                       \
	"listen_https = 127.0.0.1:8443\n"

/* The routes every handshake test uses; line numbers matter below. */
static const char *const servers_ini = MAIN /* 1-3 */
    "[tls]\n"                               /* 4 */
    "cert = ec.crt\n"                       /* 5 */
    "key = ec.key\n"                        /* 6 */
    "hsts = 31536000\n"                     /* 7 */
    "[route app]\n"                         /* 8 */
    "host = app.test, www.app.test\n"       /* 9 */
    "backends = 127.0.0.1:9000\n"           /* 10 */
    "tls_cert = app.crt\n"                  /* 11 */
    "tls_key = app.key\n"                   /* 12 */
    "https_redirect = yes\n"                /* 13 */
    "[route rsa]\n"                         /* 14 */
    "host = rsa.test\n"                     /* 15 */
    "backends = 127.0.0.1:9001\n"           /* 16 */
    "tls_cert = rsa.crt\n"                  /* 17 */
    "tls_key = rsa.key\n"                   /* 18 */
    "[route wild]\n"                        /* 19 */
    "host = *.wild.test\n"                  /* 20 */
    "backends = 127.0.0.1:9002\n"           /* 21 */
    "tls_cert = wild.crt\n"                 /* 22 */
    "tls_key = wild.key\n"                  /* 23 */
    "[route wild2]\n"                       /* 24 */
    "host = a.wild.test\n"                  /* 25 */
    "backends = 127.0.0.1:9003\n"           /* 26 */
    "tls_cert = wild.crt\n"                 /* 27 */
    "tls_key = wild.key\n";                 /* 28 */

static struct tls_server *
server_from(const char *text)
{
	struct config_errors e, w;
	struct config       *cf;
	struct tls_server   *srv = NULL;

	cf = load_text(text, &e);
	if (cf == NULL)
		dump("config", &e);
	assert_non_null(cf);
	memset(&w, 0, sizeof w);
	if (tls_server_new(cf, &srv, &e, &w) != 0)
		dump("tls", &e);
	assert_non_null(srv);
	assert_int_equal(e.n, 0);
	config_errors_free(&e);
	config_errors_free(&w);
	config_unref(cf);
	return srv;
}

/* An in-memory client: its ciphertext goes straight into the tls_conn. */
struct client {
	mbedtls_ssl_config  conf;
	mbedtls_ssl_context ssl;
	struct tls_conn    *c;
};

static int
cli_send(void *arg, const unsigned char *buf, size_t len)
{
	struct client *cl = arg;
	size_t         room;
	char          *p = tls_conn_inbuf(cl->c, &room);

	if (p == NULL || room == 0)
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	len = MIN(len, room);
	memcpy(p, buf, len);
	tls_conn_in_commit(cl->c, len);
	return (int)len;
}

static int
cli_recv(void *arg, unsigned char *buf, size_t len)
{
	struct client *cl = arg;
	size_t         n;
	const char    *p = tls_conn_out(cl->c, &n);

	if (n == 0)
		return MBEDTLS_ERR_SSL_WANT_READ;
	n = MIN(n, len);
	memcpy(buf, p, n);
	tls_conn_out_consume(cl->c, n);
	return (int)n;
}

struct opts {
	const char          *sni;
	const int           *suites;  /* NULL: the library's default */
	int                  max12;   /* at most TLS 1.2 (3.x) */
	int                  tickets; /* 0: disable session tickets */
	mbedtls_ssl_session *session;
};

static void
client_init(struct client *cl, struct tls_server *srv, const struct opts *o)
{
	static const char *alpn[] = { "h2", "http/1.1", NULL };

	memset(cl, 0, sizeof *cl);
	cl->c = tls_conn_new(srv);
	assert_non_null(cl->c);
	mbedtls_ssl_config_init(&cl->conf);
	assert_int_equal(mbedtls_ssl_config_defaults(&cl->conf,
	                     MBEDTLS_SSL_IS_CLIENT,
	                     MBEDTLS_SSL_TRANSPORT_STREAM,
	                     MBEDTLS_SSL_PRESET_DEFAULT),
	    0);
	mbedtls_ssl_conf_authmode(&cl->conf, MBEDTLS_SSL_VERIFY_NONE);
	mbedtls_ssl_conf_rng(&cl->conf, mbedtls_ctr_drbg_random, &drbg);
	mbedtls_ssl_conf_alpn_protocols(&cl->conf, alpn);
	if (o->suites != NULL)
		mbedtls_ssl_conf_ciphersuites(&cl->conf, o->suites);
#if V3
	if (o->max12)
		mbedtls_ssl_conf_max_tls_version(&cl->conf,
		    MBEDTLS_SSL_VERSION_TLS1_2);
#endif
	mbedtls_ssl_conf_session_tickets(&cl->conf,
	    o->tickets ? MBEDTLS_SSL_SESSION_TICKETS_ENABLED :
	                 MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
#if V3 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
	mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(&cl->conf,
	    MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
#endif
	mbedtls_ssl_init(&cl->ssl);
	assert_int_equal(mbedtls_ssl_setup(&cl->ssl, &cl->conf), 0);
	if (o->sni != NULL)
		assert_int_equal(mbedtls_ssl_set_hostname(&cl->ssl, o->sni), 0);
	if (o->session != NULL)
		assert_int_equal(mbedtls_ssl_set_session(&cl->ssl, o->session),
		    0);
	mbedtls_ssl_set_bio(&cl->ssl, cl, cli_send, cli_recv, NULL);
}

static void
client_free(struct client *cl)
{
	mbedtls_ssl_free(&cl->ssl);
	mbedtls_ssl_config_free(&cl->conf);
	tls_conn_free(cl->c);
}

/* Run the server side until it has nothing to do; its result, or 0. */
static ssize_t
server_pump(struct client *cl, char *buf, size_t len, size_t *got)
{
	ssize_t n;

	do {
		n = tls_conn_read(cl->c, buf + *got, len - *got);
		if (n > 0)
			*got += (size_t)n;
	} while ((n > 0 && *got < len) || (n == 0 && tls_conn_pending(cl->c)));
	return n < 0 ? n : 0;
}

/* Handshake both sides; 0, or the client's mbedTLS error / server's. */
static int
handshake(struct client *cl, ssize_t *srv_rv)
{
	char   buf[16];
	size_t got = 0;
	int    i, rv = 0;

	*srv_rv = 0;
	for (i = 0; i < 100; i++) {
		rv = mbedtls_ssl_handshake(&cl->ssl);
		if (rv != 0 && rv != MBEDTLS_ERR_SSL_WANT_READ &&
		    rv != MBEDTLS_ERR_SSL_WANT_WRITE)
			break;
		*srv_rv = server_pump(cl, buf, sizeof buf, &got);
		if (*srv_rv < 0)
			break;
		if (rv == 0 && tls_conn_handshake_done(cl->c))
			break;
	}
	/* A TLS 1.3 client reads the server's tickets after the handshake. */
	if (rv == 0 && *srv_rv == 0) {
		unsigned char b[1];
		int           r;

		int k;

		/* A ticket takes a read to see and one to take in. */
		for (k = 0; k < 4; k++) {
			r = mbedtls_ssl_read(&cl->ssl, b, sizeof b);
#ifdef MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET
			if (r == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
				r = MBEDTLS_ERR_SSL_WANT_READ;
#endif
		}
		assert_int_equal(r, MBEDTLS_ERR_SSL_WANT_READ);
	}
	return rv;
}

static void
connect_ok(struct client *cl, struct tls_server *srv, const struct opts *o)
{
	ssize_t srv_rv;
	int     rv;

	client_init(cl, srv, o);
	rv = handshake(cl, &srv_rv);
	if (rv != 0 || srv_rv != 0)
		fprintf(stderr, "client -0x%04x, server %zd (%s)\n",
		    (unsigned)-rv, srv_rv, tls_conn_error(cl->c));
	assert_int_equal(rv, 0);
	assert_int_equal(srv_rv, 0);
	assert_true(tls_conn_handshake_done(cl->c));
}

/* The CN of the certificate the server sent. */
static void
peer_cn(struct client *cl, char *buf, size_t len)
{
	const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(&cl->ssl);

	assert_non_null(crt);
	assert_true(mbedtls_x509_dn_gets(buf, len, &crt->subject) > 0);
}

static void
expect_cert(struct tls_server *srv, const char *sni, const char *cn)
{
	struct opts   o = { .sni = sni, .tickets = 1 };
	struct client cl;
	char          dn[256], want[128];

	connect_ok(&cl, srv, &o);
	peer_cn(&cl, dn, sizeof dn);
	snprintf(want, sizeof want, "CN=%s", cn);
	if (strcmp(dn, want) != 0)
		fprintf(stderr, "SNI %s: got %s, want %s\n", sni ? sni : "-",
		    dn, want);
	assert_string_equal(dn, want);
	if (sni == NULL)
		assert_null(tls_conn_sni(cl.c));
	else
		assert_non_null(tls_conn_sni(cl.c));
	assert_string_equal(tls_conn_alpn(cl.c), "http/1.1");
	assert_false(tls_conn_reused(cl.c));
	client_free(&cl);
}

static void
test_sni(void **state)
{
	struct tls_server *srv = server_from(servers_ini);

	(void)state;
	expect_cert(srv, NULL, "default.test");
	expect_cert(srv, "unknown.test", "default.test");
	expect_cert(srv, "app.test", "app.test");
	expect_cert(srv, "WWW.App.Test.", "app.test");
	expect_cert(srv, "rsa.test", "rsa.test");
	expect_cert(srv, "a.wild.test", "wild.test");
	expect_cert(srv, "b.wild.test", "wild.test");
	/* A wildcard covers one label only. */
	expect_cert(srv, "x.y.wild.test", "default.test");
	expect_cert(srv, "wild.test", "default.test");
	tls_server_unref(srv);
}

static void
test_certs_info(void **state)
{
	struct tls_server          *srv = server_from(servers_ini);
	const struct tls_cert_info *ci;
	time_t                      now = time(NULL);

	(void)state;
	/* ec, app, rsa and wild once although two routes use it. */
	assert_int_equal(tls_server_ncerts(srv), 4);
	ci = tls_server_cert(srv, 0);
	assert_null(ci->route);
	assert_int_equal(ci->nnames, 1);
	assert_string_equal(ci->names[0], "default.test");
	assert_string_equal(ci->subject, "CN=default.test");
	assert_true(ci->not_after > now + 29 * 86400);
	assert_true(ci->not_after < now + 31 * 86400);
	assert_true(ci->not_before <= now);
	ci = tls_server_cert(srv, 1);
	assert_string_equal(ci->route, "app");
	assert_int_equal(ci->nnames, 2);
	assert_string_equal(ci->names[1], "www.app.test");
	assert_string_equal(tls_server_cert(srv, 3)->names[0], "*.wild.test");
	assert_null(tls_server_cert(srv, 4));
	tls_server_unref(srv);
}

/* Data both ways: a request in, a large response out, in records. */
static void
exchange(struct client *cl, size_t resp_len)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: app.test\r\n\r\n";
	char             *resp = xmalloc(resp_len), *got = xmalloc(resp_len);
	char              buf[256];
	size_t            n = 0, off = 0, recvd = 0, i;
	ssize_t           w;
	int               rv, spins = 0;

	assert_int_equal(mbedtls_ssl_write(&cl->ssl, (const unsigned char *)req,
	                     sizeof req - 1),
	    (int)(sizeof req - 1));
	w = server_pump(cl, buf, sizeof req - 1, &n);
	if (w != 0)
		fprintf(stderr, "server: %s\n", tls_conn_error(cl->c));
	assert_int_equal(w, 0);
	assert_int_equal(n, sizeof req - 1);
	assert_memory_equal(buf, req, n);

	for (i = 0; i < resp_len; i++)
		resp[i] = (char)('a' + i % 26);
	while (recvd < resp_len && spins++ < 100000) {
		if (off < resp_len) {
			w = tls_conn_write(cl->c, resp + off, resp_len - off);
			assert_true(w >= 0);
			off += (size_t)w;
		}
		rv = mbedtls_ssl_read(&cl->ssl, (unsigned char *)got + recvd,
		    resp_len - recvd);
		if (rv > 0)
			recvd += (size_t)rv;
		else
			assert_true(rv == MBEDTLS_ERR_SSL_WANT_READ);
	}
	assert_int_equal(recvd, resp_len);
	assert_memory_equal(got, resp, resp_len);
	free(resp);
	free(got);
}

static void
test_data(void **state)
{
	struct tls_server *srv = server_from(servers_ini);
	struct opts        o = { .sni = "app.test", .tickets = 1 };
	struct client      cl;
	char               buf[16];
	size_t             n = 0;
	int                rv;

	(void)state;
	connect_ok(&cl, srv, &o);
	assert_string_equal(tls_conn_sni(cl.c), "app.test");
	assert_non_null(tls_conn_version(cl.c));
	assert_non_null(tls_conn_cipher(cl.c));
	exchange(&cl, 100000);
	exchange(&cl, 1);

	/* Our close_notify reaches the client; its own reaches us. */
	assert_int_equal(tls_conn_shutdown(cl.c), 0);
	rv = mbedtls_ssl_read(&cl.ssl, (unsigned char *)buf, sizeof buf);
	assert_int_equal(rv, MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY);
	assert_true(tls_conn_write(cl.c, "x", 1) < 0);
	assert_int_equal(mbedtls_ssl_close_notify(&cl.ssl), 0);
	assert_int_equal(server_pump(&cl, buf, sizeof buf, &n), TLS_CLOSED);
	assert_int_equal(tls_conn_read(cl.c, buf, sizeof buf), TLS_CLOSED);
	client_free(&cl);
	tls_server_unref(srv);
}

static void
park_round_trip(struct tls_server *srv, const int *suites, const char *want)
{
	struct opts   o = { .sni = "rsa.test", .suites = suites, .max12 = 1 };
	struct client cl;
	int           i;

	connect_ok(&cl, srv, &o);
	assert_string_equal(tls_conn_version(cl.c), "TLSv1.2");
	assert_string_equal(tls_conn_cipher(cl.c), want);
	exchange(&cl, 5000);
	for (i = 0; i < 3; i++) {
		assert_int_equal(tls_conn_park(cl.c), 0);
		assert_true(tls_conn_parked(cl.c));
		assert_int_equal(tls_conn_park(cl.c), 0);
		assert_true(tls_conn_handshake_done(cl.c));
		assert_string_equal(tls_conn_version(cl.c), "TLSv1.2");
		assert_string_equal(tls_conn_sni(cl.c), "rsa.test");
		/* Bytes arrive at a parked connection; reading unparks. */
		exchange(&cl, 20000);
		assert_false(tls_conn_parked(cl.c));
	}
	/* Parked, then written to first. */
	assert_int_equal(tls_conn_park(cl.c), 0);
	assert_int_equal(tls_conn_unpark(cl.c), 0);
	assert_int_equal(tls_conn_unpark(cl.c), 0);
	exchange(&cl, 10);
	client_free(&cl);
}

static void
test_park(void **state)
{
	static const int gcm[] = {
		MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, 0
	};
	static const int gcm256[] = {
		MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, 0
	};
	static const int chacha[] = {
		MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, 0
	};
	struct tls_server *srv = server_from(servers_ini);
	struct opts        o = { .sni = "rsa.test", .max12 = 1 };
	struct client      cl;
	char               buf[8];
	size_t             n = 0;

	(void)state;
	park_round_trip(srv, gcm, "TLS-ECDHE-RSA-WITH-AES-128-GCM-SHA256");
	park_round_trip(srv, gcm256, "TLS-ECDHE-RSA-WITH-AES-256-GCM-SHA384");
	park_round_trip(srv, chacha,
	    "TLS-ECDHE-RSA-WITH-CHACHA20-POLY1305-SHA256");

	/* Not while something is pending, nor before the handshake. */
	client_init(&cl, srv, &o);
	assert_int_equal(tls_conn_park(cl.c), -EINVAL);
	client_free(&cl);
	connect_ok(&cl, srv, &o);
	assert_int_equal(mbedtls_ssl_write(&cl.ssl, (const unsigned char *)"hi",
	                     2),
	    2);
	assert_int_equal(tls_conn_park(cl.c), -EAGAIN);
	assert_int_equal(server_pump(&cl, buf, 2, &n), 0);
	assert_int_equal(tls_conn_write(cl.c, "x", 1), 1);
	assert_int_equal(tls_conn_park(cl.c), -EAGAIN);
	client_free(&cl);

#if V3
	{
		struct opts o13 = { .sni = "rsa.test", .tickets = 1 };

		connect_ok(&cl, srv, &o13);
		assert_string_equal(tls_conn_version(cl.c), "TLSv1.3");
		assert_int_equal(tls_conn_park(cl.c), -ENOTSUP);
		exchange(&cl, 100);
		client_free(&cl);
	}
#endif
	tls_server_unref(srv);
}

/* A second connection with the first one's session: resumed? */
static void
resume(struct tls_server *srv, int tickets, int max12)
{
	struct opts         o = { .sni = "app.test",
		        .tickets = tickets,
		        .max12 = max12 };
	struct client       cl;
	mbedtls_ssl_session sess;

	connect_ok(&cl, srv, &o);
	assert_false(tls_conn_reused(cl.c));
	mbedtls_ssl_session_init(&sess);
	assert_int_equal(mbedtls_ssl_get_session(&cl.ssl, &sess), 0);
	client_free(&cl);

	o.session = &sess;
	connect_ok(&cl, srv, &o);
	if (!tls_conn_reused(cl.c))
		fprintf(stderr, "not resumed: tickets %d, max12 %d\n", tickets,
		    max12);
	assert_true(tls_conn_reused(cl.c));
	exchange(&cl, 1000);
	client_free(&cl);
	mbedtls_ssl_session_free(&sess);
}

static void
test_resume(void **state)
{
	struct tls_server *srv = server_from(servers_ini), *srv2;

	(void)state;
	resume(srv, 1, 1); /* ticket */
	resume(srv, 0, 1); /* session cache */
#if V3
	resume(srv, 1, 0); /* TLS 1.3 ticket */
#endif
	/* The store outlives a reload: a new server resumes old sessions. */
	srv2 = server_from(servers_ini);
	tls_server_unref(srv);
	resume(srv2, 1, 1);
	tls_server_unref(srv2);
}

/* A hand-made ClientHello: legacy version, one suite, no extensions. */
static void
hello_refused(struct tls_server *srv, uint8_t minor, uint16_t suite)
{
	unsigned char    h[64];
	struct tls_conn *c = tls_conn_new(srv);
	char            *p, buf[16];
	size_t           room, i = 0, n;
	ssize_t          rv;

	assert_non_null(c);
	h[i++] = 22;
	h[i++] = 3;
	h[i++] = 1;
	h[i++] = 0;
	h[i++] = 4 + 2 + 32 + 1 + 4 + 2; /* record length */
	h[i++] = 1;                      /* ClientHello */
	h[i++] = 0;
	h[i++] = 0;
	h[i++] = 2 + 32 + 1 + 4 + 2;
	h[i++] = 3;
	h[i++] = minor;
	memset(h + i, 0x42, 32);
	i += 32;
	h[i++] = 0; /* session id */
	h[i++] = 0;
	h[i++] = 2;
	h[i++] = (unsigned char)(suite >> 8);
	h[i++] = (unsigned char)suite;
	h[i++] = 1; /* compression methods */
	h[i++] = 0;
	p = tls_conn_inbuf(c, &room);
	assert_non_null(p);
	assert_true(room >= i);
	memcpy(p, h, i);
	tls_conn_in_commit(c, i);
	rv = tls_conn_read(c, buf, sizeof buf);
	assert_int_equal(rv, TLS_ERR_HANDSHAKE);
	assert_true(strlen(tls_conn_error(c)) > 0);
	assert_int_equal(tls_conn_read(c, buf, sizeof buf), TLS_ERR_HANDSHAKE);
	assert_false(tls_conn_pending(c));
	/* A fatal alert waits to be sent. */
	p = (char *)tls_conn_out(c, &n);
	assert_true(n >= 7);
	assert_int_equal((unsigned char)p[0], 21);
	tls_conn_free(c);
}

static void
test_refused(void **state)
{
	static const int cbc[] = {
		MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256,
		MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, 0
	};
	static const int   rsa_kx[] = { MBEDTLS_TLS_RSA_WITH_AES_128_GCM_SHA256,
		  MBEDTLS_TLS_RSA_WITH_AES_256_GCM_SHA384, 0 };
	struct tls_server *srv = server_from(servers_ini);
	struct opts        o = { .sni = "rsa.test", .max12 = 1 };
	struct client      cl;
	ssize_t            srv_rv;

	(void)state;
	hello_refused(srv, 1, 0xc013); /* TLS 1.0 */
	hello_refused(srv, 2, 0xc013); /* TLS 1.1 */
	hello_refused(srv, 3, 0xc027); /* TLS 1.2, CBC only */
	hello_refused(srv, 3, 0x009c); /* TLS 1.2, RSA key exchange only */

	o.suites = cbc;
	client_init(&cl, srv, &o);
	assert_int_not_equal(handshake(&cl, &srv_rv), 0);
	assert_int_equal(srv_rv, TLS_ERR_HANDSHAKE);
	client_free(&cl);
	o.suites = rsa_kx;
	client_init(&cl, srv, &o);
	assert_int_not_equal(handshake(&cl, &srv_rv), 0);
	assert_int_equal(srv_rv, TLS_ERR_HANDSHAKE);
	client_free(&cl);

	/* Garbage instead of a ClientHello. */
	{
		struct tls_conn *c = tls_conn_new(srv);
		char             buf[8], *p;
		size_t           room;

		p = tls_conn_inbuf(c, &room);
		memcpy(p, "GET / HTTP/1.1\r\n\r\n", 18);
		tls_conn_in_commit(c, 18);
		assert_int_equal(tls_conn_read(c, buf, sizeof buf),
		    TLS_ERR_HANDSHAKE);
		tls_conn_free(c);
	}
	tls_server_unref(srv);
}

static void
test_min13(void **state)
{
	struct config_errors e, w;
	struct config       *cf;
	struct tls_server   *srv = NULL;
	char                *text = xasprintf("%s[tls]\ncert = ec.crt\n"
	                                                     "key = ec.key\nmin_version = 1.3\n",
	                   MAIN);

	(void)state;
	cf = load_text(text, &e);
	assert_non_null(cf);
	assert_int_equal(cf->tls_min_version, 13);
	memset(&w, 0, sizeof w);
#if V3
	assert_int_equal(tls_server_new(cf, &srv, &e, &w), 0);
	{
		struct opts   o = { .sni = "x.test", .max12 = 1 };
		struct client cl;
		ssize_t       srv_rv;

		client_init(&cl, srv, &o);
		assert_int_not_equal(handshake(&cl, &srv_rv), 0);
		assert_int_equal(srv_rv, TLS_ERR_HANDSHAKE);
		client_free(&cl);
		o.max12 = 0;
		connect_ok(&cl, srv, &o);
		assert_string_equal(tls_conn_version(cl.c), "TLSv1.3");
		exchange(&cl, 3000);
		client_free(&cl);
	}
	tls_server_unref(srv);
#else
	assert_int_equal(tls_server_new(cf, &srv, &e, &w), -1);
	assert_null(srv);
	assert_true(has_msg(&e, "main.ini", 7,
	    "[tls] min_version: 1.3 needs mbedTLS 3.x"));
#endif
	config_errors_free(&e);
	config_errors_free(&w);
	config_unref(cf);
	free(text);
}

/* Load text; tls_server_new must fail with errs and warnings as given. */
static void
load_fails(const char *text, struct config_errors *e, struct config_errors *w)
{
	struct config     *cf;
	struct tls_server *srv = (struct tls_server *)1;

	cf = load_text(text, e);
	if (cf == NULL)
		dump("config", e);
	assert_non_null(cf);
	memset(w, 0, sizeof *w);
	assert_int_equal(tls_server_new(cf, &srv, e, w), -1);
	assert_null(srv);
	config_unref(cf);
}

static void
test_load_errors(void **state)
{
	struct config_errors e, w;
	char                *t, *missing = path_of("missing.crt");

	(void)state;
	load_fails(MAIN "[tls]\ncert = missing.crt\nkey = ec.key\n"
	                "[route r]\nbackends = 127.0.0.1:1\n"
	                "tls_cert = app.crt\ntls_key = other.key\n"
	                "[route g]\nbackends = 127.0.0.1:1\npath = /g\n"
	                "tls_cert = garbage.crt\ntls_key = ec.key\n"
	                "[route k]\nbackends = 127.0.0.1:1\npath = /k\n"
	                "tls_cert = ec.crt\ntls_key = ec.crt\n",
	    &e, &w);
	t = xasprintf("[tls] cert: %s: cannot read: No such file", missing);
	assert_true(has_msg(&e, "main.ini", 5, t));
	free(t);
	assert_true(has_msg(&e, "main.ini", 10, "[route r] tls_key: "));
	assert_true(has_msg(&e, "main.ini", 10,
	    "other.key: does not match the certificate"));
	assert_true(has_msg(&e, "main.ini", 14, "[route g] tls_cert: "));
	assert_true(has_msg(&e, "main.ini", 14, "garbage.crt: not a PEM"));
	assert_true(has_msg(&e, "main.ini", 20,
	    "ec.crt: not a PEM private "
	    "key"));
	assert_int_equal(e.n, 4);
	config_errors_free(&e);
	config_errors_free(&w);
	free(missing);
}

static void
test_warnings(void **state)
{
	struct config_errors e, w;
	struct config       *cf;
	struct tls_server   *srv = NULL;

	(void)state;
	cf = load_text(MAIN "[tls]\ncert = soon.crt\nkey = soon.key\n"
	                    "[route old]\nbackends = 127.0.0.1:1\n"
	                    "tls_cert = old.crt\ntls_key = old.key\n"
	                    "[route open]\nbackends = 127.0.0.1:1\n"
	                    "path = /open\n"
	                    "tls_cert = open.crt\ntls_key = open.key\n",
	    &e);
	assert_non_null(cf);
	memset(&w, 0, sizeof w);
	assert_int_equal(tls_server_new(cf, &srv, &e, &w), 0);
	assert_non_null(srv);
	assert_int_equal(e.n, 0);
	assert_true(has_msg(&w, "main.ini", 5, "soon.crt: expires in "));
	assert_true(has_msg(&w, "main.ini", 9,
	    "old.crt: expired on 2020-01-02 00:00 UTC"));
	assert_true(has_msg(&w, "main.ini", 15,
	    "open.key: readable by every user (mode 0644)"));
	assert_int_equal(w.n, 3);
	config_errors_free(&w);
	tls_server_unref(srv);
	config_unref(cf);
}

static void
test_config(void **state)
{
	struct config_errors e;
	struct config       *cf;
	char                *p;

	(void)state;
	/* No certificate at all: no server. */
	cf = load_text("[frontdoor]\nlisten_http = :8080\n", &e);
	assert_non_null(cf);
	{
		struct tls_server *srv = (struct tls_server *)1;

		assert_int_equal(tls_server_new(cf, &srv, &e, NULL), 0);
		assert_null(srv);
	}
	assert_int_equal(cf->nlisten_https, 0);
	assert_int_equal(cf->tls_min_version, 12);
	config_unref(cf);

	cf = load_text(servers_ini, &e);
	assert_non_null(cf);
	assert_int_equal(cf->nlisten_https, 1);
	assert_string_equal(cf->listen_https[0].text, "127.0.0.1:8443");
	p = path_of("ec.crt");
	assert_string_equal(cf->tls_cert.path, p);
	free(p);
	assert_int_equal(cf->tls_cert.line, 5);
	assert_int_equal(cf->tls_key.line, 6);
	assert_int_equal(cf->hsts_max_age, 31536000);
	assert_true(cf->routes[0].https_redirect);
	assert_false(cf->routes[1].https_redirect);
	assert_int_equal(cf->routes[0].tls_key.line, 12);
	config_unref(cf);

	cf = load_text(MAIN "[tls]\ncert = /a.crt\nkey = /a.key\nhsts = 1d\n",
	    &e);
	assert_non_null(cf);
	assert_int_equal(cf->hsts_max_age, 86400);
	config_unref(cf);

	cf = load_text("[frontdoor]\n"                 /* 1 */
	               "listen_https = :8443, :8080\n" /* 2 */
	               "listen_http = :8080\n"         /* 3 */
	               "[tls]\n"                       /* 4 */
	               "cert = /a.crt\n"               /* 5 */
	               "min_version = 1.1\n"           /* 6 */
	               "hsts = -1\n"                   /* 7 */
	               "cert = /b.crt\n"               /* 8 */
	               "color = red\n"                 /* 9 */
	               "[route r]\n"                   /* 10 */
	               "backends = 127.0.0.1:1\n"      /* 11 */
	               "tls_key = /r.key\n"            /* 12 */
	               "https_redirect = maybe\n"      /* 13 */
	               "tls_cert =\n",                 /* 14 */
	    &e);
	assert_null(cf);
	assert_true(has_msg(&e, "main.ini", 2,
	    "listen_https: 0.0.0.0:8080 is also in listen_http"));
	assert_true(has_msg(&e, "main.ini", 5, "[tls] cert: set without key"));
	assert_true(has_msg(&e, "main.ini", 6,
	    "[tls] min_version: bad value "
	    "\"1.1\", expected 1.2 or 1.3"));
	assert_true(has_msg(&e, "main.ini", 7, "[tls] hsts: bad value"));
	assert_true(has_msg(&e, "main.ini", 8, "[tls] cert: duplicate key"));
	assert_true(has_msg(&e, "main.ini", 9,
	    "[tls] \"color\": unknown key, "
	    "expected one of: cert, key, "
	    "min_version, hsts"));
	assert_true(has_msg(&e, "main.ini", 12,
	    "[route r] tls_key: set without tls_cert"));
	assert_true(has_msg(&e, "main.ini", 13, "[route r] https_redirect"));
	assert_true(has_msg(&e, "main.ini", 14,
	    "[route r] tls_cert: bad "
	    "value"));
	config_errors_free(&e);

	cf = load_text("[frontdoor]\nlisten_https = :8443\n", &e);
	assert_null(cf);
	assert_true(has_msg(&e, "main.ini", 2,
	    "listen_https: no certificate is configured"));
	config_errors_free(&e);

	cf = load_text("[frontdoor]\nlisten_http = :8080\n"
	               "[route r]\nbackends = 127.0.0.1:1\n"
	               "tls_cert = /r.crt\ntls_key = /r.key\n"
	               "https_redirect = yes\n",
	    &e);
	assert_null(cf);
	assert_true(has_msg(&e, "main.ini", 5,
	    "listen_https is not set, expected listen_https = :443"));
	assert_true(has_msg(&e, "main.ini", 7,
	    "[route r] https_redirect: no listen_https"));
	config_errors_free(&e);
}

/* Bytes through a connection one at a time, and a full input buffer. */
static void
test_trickle(void **state)
{
	struct tls_server *srv = server_from(servers_ini);
	struct opts        o = { .sni = "app.test", .tickets = 1 };
	struct client      cl;
	unsigned char      rec[64];
	char               buf[64], *p;
	size_t             room, n = 0, i;
	ssize_t            rv;
	struct tls_conn   *real;

	(void)state;
	connect_ok(&cl, srv, &o);
	/* Catch one record from the client, then feed it byte by byte. */
	real = cl.c;
	cl.c = tls_conn_new(srv);
	assert_int_equal(mbedtls_ssl_write(&cl.ssl,
	                     (const unsigned char *)"ping", 4),
	    4);
	p = tls_conn_inbuf(cl.c, &room);
	n = TLS_INBUF_SIZE - room;
	assert_true(n > 0 && n <= sizeof rec);
	memcpy(rec, tls_conn_inbuf(cl.c, &room) - n, n);
	tls_conn_free(cl.c);
	cl.c = real;
	(void)p;
	for (i = 0; i < n; i++) {
		p = tls_conn_inbuf(cl.c, &room);
		*p = (char)rec[i];
		tls_conn_in_commit(cl.c, 1);
		rv = tls_conn_read(cl.c, buf, sizeof buf);
		if (i + 1 < n)
			assert_int_equal(rv, 0);
		else {
			assert_int_equal(rv, 4);
			assert_memory_equal(buf, "ping", 4);
		}
	}
	/* Four records nearly fill the input buffer; reads drain it. */
	p = tls_conn_inbuf(cl.c, &room);
	assert_int_equal(room, TLS_INBUF_SIZE);
	for (i = 0; i < 4; i++)
		assert_int_equal(mbedtls_ssl_write(&cl.ssl, rec, sizeof rec),
		    (int)sizeof rec);
	assert_non_null(tls_conn_inbuf(cl.c, &room));
	assert_true(room < TLS_INBUF_SIZE - 4 * sizeof rec);
	n = 0;
	do {
		rv = tls_conn_read(cl.c, buf, sizeof buf);
		assert_true(rv >= 0);
		n += (size_t)rv;
	} while (rv > 0 || tls_conn_pending(cl.c));
	assert_int_equal(n, 4 * sizeof rec);
	assert_non_null(tls_conn_inbuf(cl.c, &room));
	assert_int_equal(room, TLS_INBUF_SIZE);
	client_free(&cl);
	tls_server_unref(srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_min13),
		cmocka_unit_test(test_certs_info),
		cmocka_unit_test(test_sni),
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_trickle),
		cmocka_unit_test(test_park),
		cmocka_unit_test(test_resume),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
