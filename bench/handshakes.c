/* SPDX-License-Identifier: ISC */
/*
 * handshakes: TLS handshakes per second against a server, with OpenSSL, one
 * process, CONC connections in flight on one epoll loop.
 *
 * usage: handshakes [-c CIPHERS] [-g GROUPS] [-r PATH] ADDR PORT SECONDS CONC
 *                   MODE
 *
 * MODE
 *   full    every connection a fresh client session: a full handshake (the
 *           client offers the session-ticket extension, empty, as browsers
 *           do on a first visit, so servers issue tickets as they would).
 *   ticket  one full handshake first, then every connection offers that
 *           session's ticket: abbreviated TLS 1.2 handshakes, no ECDHE.
 *   cache   as ticket, without tickets: resumed by session ID from the
 *           server's session cache.
 *
 * Each connection: TCP connect, the handshake, then (with -r PATH) one
 * "GET PATH" with Connection: close whose response is read to the end, else
 * straight to close_notify and close, as `openssl s_time` does without -www.
 * A response whose connection ends without close_notify is counted
 * ("no_close_notify") and accepted.  -c and -g set OpenSSL's cipher and
 * group lists (default: OpenSSL's).
 * TLS 1.2 only; no certificate verification (the signature over the key
 * exchange is still checked, by the protocol).
 *
 * The last line is "BENCH {json}": handshakes completed, duration, latency
 * percentiles (connect to handshake done, or to the end of the response),
 * errors, and what the server did: how many handshakes the client saw
 * resumed (SSL_session_reused) and how many times the server sent a
 * Certificate and a ServerKeyExchange message (counted from the protocol
 * messages themselves, so "full" is what the server did, not what the
 * client asked), with the version, suite and group of the last one.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

enum st { ST_FREE, ST_CONNECTING, ST_HANDSHAKE, ST_WRITE, ST_READ };

struct slot {
	int      fd;
	enum st  st;
	SSL     *ssl;
	double   t0;
	size_t   got;
	int      status_ok;
};

static struct sockaddr_in sin_srv;
static SSL_CTX           *ctx;
static SSL_SESSION       *resume;
static int                mode_resume;
static const char        *path;
static char               req[512];
static int                reqlen;
static unsigned long      n_cert, n_ske, n_reused, n_done, n_err;
static unsigned long      n_connect_err, n_hs_err, n_io_err, n_status_err;
static unsigned long      n_no_notify;
static unsigned          *lat;
static size_t             nlat, caplat;
static char               last_err[200];

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
die(const char *what)
{
	fprintf(stderr, "handshakes: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Count the server's Certificate (11) and ServerKeyExchange (12). */
static void
msg_cb(int write_p, int version, int content_type, const void *buf,
    size_t len, SSL *ssl, void *arg)
{
	const unsigned char *p = buf;

	(void)version;
	(void)ssl;
	(void)arg;
	if (write_p || content_type != SSL3_RT_HANDSHAKE || len < 1)
		return;
	if (p[0] == SSL3_MT_CERTIFICATE)
		n_cert++;
	else if (p[0] == SSL3_MT_SERVER_KEY_EXCHANGE)
		n_ske++;
}

static void
note_err(const char *what)
{
	unsigned long e = ERR_peek_last_error();

	snprintf(last_err, sizeof last_err, "%s: %s", what,
	    e ? ERR_reason_error_string(e) : strerror(errno));
	ERR_clear_error();
}

static void
finish(int ep, struct slot *s, int ok)
{
	if (s->ssl != NULL) {
		if (ok)
			SSL_shutdown(s->ssl); /* close_notify, not waiting */
		SSL_free(s->ssl);
		s->ssl = NULL;
	}
	epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	s->st = ST_FREE;
	if (ok) {
		double us = (now() - s->t0) * 1e6;

		n_done++;
		if (nlat == caplat) {
			caplat = caplat ? 2 * caplat : 65536;
			lat = realloc(lat, caplat * sizeof *lat);
			if (lat == NULL)
				die("realloc");
		}
		lat[nlat++] = us > 4e9 ? 4000000000u : (unsigned)us;
	} else {
		n_err++;
	}
}

static void
start(int ep, struct slot *s, unsigned idx)
{
	struct epoll_event ev;
	int                one = 1;

	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd == -1)
		die("socket");
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	s->t0 = now();
	s->got = 0;
	s->status_ok = 0;
	if (connect(s->fd, (struct sockaddr *)&sin_srv, sizeof sin_srv) == -1 &&
	    errno != EINPROGRESS) {
		n_connect_err++;
		note_err("connect");
		close(s->fd);
		n_err++;
		s->st = ST_FREE;
		return;
	}
	s->st = ST_CONNECTING;
	ev.events = EPOLLOUT;
	ev.data.u32 = idx;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev) == -1)
		die("epoll_ctl");
}

static void
want(int ep, struct slot *s, unsigned idx, int rv)
{
	struct epoll_event ev;
	int                e = SSL_get_error(s->ssl, rv);

	ev.data.u32 = idx;
	if (e == SSL_ERROR_WANT_READ)
		ev.events = EPOLLIN;
	else if (e == SSL_ERROR_WANT_WRITE)
		ev.events = EPOLLOUT;
	else {
		if (s->st == ST_HANDSHAKE)
			n_hs_err++;
		else
			n_io_err++;
		note_err(s->st == ST_HANDSHAKE ? "handshake" : "read/write");
		finish(ep, s, 0);
		return;
	}
	epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
}

/* Advance S as far as it goes without blocking. */
static void
step(int ep, struct slot *s, unsigned idx)
{
	char buf[16384];
	int  rv;

	if (s->st == ST_CONNECTING) {
		int       err = 0;
		socklen_t el = sizeof err;

		getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &el);
		if (err != 0) {
			errno = err;
			n_connect_err++;
			note_err("connect");
			finish(ep, s, 0);
			return;
		}
		if ((s->ssl = SSL_new(ctx)) == NULL)
			die("SSL_new");
		SSL_set_fd(s->ssl, s->fd);
		if (mode_resume && resume != NULL)
			SSL_set_session(s->ssl, resume);
		s->st = ST_HANDSHAKE;
	}
	if (s->st == ST_HANDSHAKE) {
		if ((rv = SSL_connect(s->ssl)) != 1) {
			want(ep, s, idx, rv);
			return;
		}
		if (SSL_session_reused(s->ssl))
			n_reused++;
		if (mode_resume && resume == NULL)
			resume = SSL_get1_session(s->ssl);
		if (path == NULL) {
			finish(ep, s, 1);
			return;
		}
		s->st = ST_WRITE;
	}
	if (s->st == ST_WRITE) {
		if ((rv = SSL_write(s->ssl, req, reqlen)) <= 0) {
			want(ep, s, idx, rv);
			return;
		}
		s->st = ST_READ;
	}
	for (;;) {
		rv = SSL_read(s->ssl, buf, sizeof buf);
		if (rv <= 0) {
			int e = SSL_get_error(s->ssl, rv);

			if (e == SSL_ERROR_SSL && s->got > 0 &&
			    ERR_GET_REASON(ERR_peek_last_error()) ==
			    SSL_R_UNEXPECTED_EOF_WHILE_READING) {
				/* Closed without close_notify: counted. */
				ERR_clear_error();
				n_no_notify++;
				e = SSL_ERROR_ZERO_RETURN;
			}
			if (e == SSL_ERROR_ZERO_RETURN) {
				/* Connection: close: the end of the response. */
				if (!s->status_ok)
					n_status_err++;
				finish(ep, s, s->status_ok);
				return;
			}
			want(ep, s, idx, rv);
			return;
		}
		if (s->got == 0)
			s->status_ok = rv >= 10 &&
			    memcmp(buf, "HTTP/1.1 2", 10) == 0;
		s->got += (size_t)rv;
	}
}

static int
cmp_u(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

static unsigned
pct(double p)
{
	size_t i;

	if (nlat == 0)
		return 0;
	i = (size_t)(p / 100.0 * (double)nlat);
	return lat[i >= nlat ? nlat - 1 : i];
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[256];
	struct slot       *slots;
	const char        *ciphers = NULL, *groups = NULL, *mode;
	const SSL_CIPHER  *cs = NULL;
	char               group[64] = "";
	double             seconds, t0, deadline, end;
	int                conc, ep, i, n, opt, active;
	unsigned long      started = 0;

	while ((opt = getopt(argc, argv, "c:g:r:")) != -1) {
		switch (opt) {
		case 'c':
			ciphers = optarg;
			break;
		case 'g':
			groups = optarg;
			break;
		case 'r':
			path = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 5) {
usage:
		fprintf(stderr, "usage: handshakes [-c CIPHERS] [-g GROUPS] "
		    "[-r PATH] ADDR "
		    "PORT SECONDS CONC full|ticket|cache\n");
		return 2;
	}
	memset(&sin_srv, 0, sizeof sin_srv);
	sin_srv.sin_family = AF_INET;
	sin_srv.sin_port = htons((unsigned short)atoi(argv[optind + 1]));
	if (inet_pton(AF_INET, argv[optind], &sin_srv.sin_addr) != 1)
		goto usage;
	seconds = atof(argv[optind + 2]);
	conc = atoi(argv[optind + 3]);
	mode = argv[optind + 4];
	if (seconds <= 0 || conc <= 0 || conc > 4096)
		goto usage;

	ctx = SSL_CTX_new(TLS_client_method());
	if (ctx == NULL)
		die("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_msg_callback(ctx, msg_cb);
	if (ciphers != NULL && SSL_CTX_set_cipher_list(ctx, ciphers) != 1) {
		fprintf(stderr, "handshakes: bad cipher list %s\n", ciphers);
		return 2;
	}
	if (groups != NULL && SSL_CTX_set1_groups_list(ctx, groups) != 1) {
		fprintf(stderr, "handshakes: bad group list %s\n", groups);
		return 2;
	}
	if (strcmp(mode, "full") == 0)
		mode_resume = 0;
	else if (strcmp(mode, "ticket") == 0)
		mode_resume = 1;
	else if (strcmp(mode, "cache") == 0) {
		mode_resume = 1;
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	} else
		goto usage;
	if (path != NULL)
		reqlen = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\n"
		    "Host: bench.localhost\r\nConnection: close\r\n\r\n", path);

	if ((slots = calloc((size_t)conc, sizeof *slots)) == NULL)
		die("calloc");
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1");

	if (mode_resume) {
		/* One full handshake first, uncounted: the session to offer. */
		start(ep, &slots[0], 0);
		deadline = now() + 5;
		while (slots[0].st != ST_FREE && now() < deadline) {
			n = epoll_wait(ep, evs, 1, 1000);
			if (n > 0)
				step(ep, &slots[0], 0);
		}
		if (resume == NULL) {
			fprintf(stderr, "handshakes: first handshake failed: "
			    "%s\n", last_err);
			return 1;
		}
		n_done = n_err = n_cert = n_ske = n_reused = 0;
		n_connect_err = n_hs_err = n_io_err = n_status_err = 0;
		nlat = 0;
	}

	t0 = now();
	deadline = t0 + seconds;
	for (;;) {
		double t = now();

		active = 0;
		for (i = 0; i < conc; i++) {
			if (slots[i].st == ST_FREE && t < deadline) {
				start(ep, &slots[i], (unsigned)i);
				started++;
			}
			if (slots[i].st != ST_FREE)
				active++;
		}
		if (active == 0)
			break;
		if (t > deadline + 10) {
			fprintf(stderr, "handshakes: %d connections stuck\n",
			    active);
			return 1;
		}
		n = epoll_wait(ep, evs, 256, 1000);
		if (n == -1 && errno != EINTR)
			die("epoll_wait");
		for (i = 0; i < n; i++)
			step(ep, &slots[evs[i].data.u32], evs[i].data.u32);
	}
	end = now();

	/* What the last connection negotiated: one more, looked at. */
	{
		SSL *ssl;
		int  fd = socket(AF_INET, SOCK_STREAM, 0);

		if (fd != -1 && connect(fd, (struct sockaddr *)&sin_srv,
		    sizeof sin_srv) == 0 && (ssl = SSL_new(ctx)) != NULL) {
			unsigned long c0 = n_cert, s0 = n_ske;
			int           nid;

			SSL_set_fd(ssl, fd);
			if (mode_resume && resume != NULL)
				SSL_set_session(ssl, resume);
			if (SSL_connect(ssl) == 1) {
				cs = SSL_get_current_cipher(ssl);
				nid = SSL_get_negotiated_group(ssl);
				if (nid != 0 && nid != NID_undef)
					snprintf(group, sizeof group, "%s",
					    OBJ_nid2sn(nid & ~TLSEXT_nid_unknown));
				SSL_shutdown(ssl);
			}
			SSL_free(ssl);
			n_cert = c0;
			n_ske = s0;
		}
		if (fd != -1)
			close(fd);
	}

	qsort(lat, nlat, sizeof *lat, cmp_u);
	printf("BENCH {\"requests\": %lu, \"duration_us\": %.0f, "
	    "\"errors\": %lu, \"connect\": %lu, \"handshake\": %lu, "
	    "\"io\": %lu, \"status\": %lu, \"no_close_notify\": %lu, "
	    "\"reused\": %lu, "
	    "\"server_certificate\": %lu, \"server_key_exchange\": %lu, "
	    "\"p50_us\": %u, \"p90_us\": %u, \"p99_us\": %u, \"max_us\": %u, "
	    "\"cipher\": \"%s\", \"version\": \"%s\", \"group\": \"%s\", "
	    "\"mode\": \"%s\", \"conc\": %d, \"last_error\": \"%s\"}\n",
	    n_done, (end - t0) * 1e6, n_err, n_connect_err, n_hs_err, n_io_err,
	    n_status_err, n_no_notify, n_reused, n_cert, n_ske, pct(50), pct(90), pct(99),
	    nlat ? lat[nlat - 1] : 0, cs ? SSL_CIPHER_get_name(cs) : "",
	    cs ? SSL_CIPHER_get_version(cs) : "", group, mode, conc, last_err);
	return 0;
}
