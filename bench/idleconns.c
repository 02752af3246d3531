/* SPDX-License-Identifier: ISC */
/*
 * idleconns: open N keep-alive connections to a proxy, send one request on
 * each and read its response, then hold them all idle until stdin closes,
 * so the harness can measure the proxy's RSS per idle connection.
 *
 * usage: idleconns [-t|-T] ADDR PORT N PATH [WINDOW]
 *
 * -t: over TLS 1.2 (OpenSSL, no certificate verification), a full
 * handshake on every connection, as first-time clients make.  -T: the
 * same, but once a session is established the remaining connections resume
 * it by session ticket (much faster against mbedTLS servers; the idle
 * state the server keeps is the same).  The server then holds N idle,
 * handshaken HTTPS keep-alive connections.
 *
 * At most WINDOW (default 64) requests are in flight at once, so the proxy
 * needs only a few backend connections and the figure is about client
 * connections.  Prints "ready N" when every response has been read, then
 * "closed K" on exit: K connections the server closed while idle.  Exits 1
 * when a connection fails or a response is not 2xx.
 */

#define _GNU_SOURCE /* strcasestr */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

enum conn_state {
	CONN_NEW, CONN_CONNECTING, CONN_HANDSHAKE, CONN_WRITING, CONN_READING,
	CONN_IDLE
};

struct conn {
	int             fd;
	enum conn_state state;
	SSL            *ssl;
	size_t          got;
	char            buf[2048];
};

static struct conn *conns;
static int          nconns;
static SSL_CTX     *tls;
static int          tls_resume;
static SSL_SESSION *tls_session;

static void
die(const char *what)
{
	fprintf(stderr, "idleconns: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Whether c->buf holds a whole response; -1 when it is not a 2xx one. */
static int
response_done(struct conn *c)
{
	char  *end, *cl;
	size_t head, len;

	c->buf[c->got] = '\0';
	end = strstr(c->buf, "\r\n\r\n");
	if (end == NULL)
		return 0;
	if (strncmp(c->buf, "HTTP/1.1 2", 10) != 0) {
		fprintf(stderr, "idleconns: response: %.40s\n", c->buf);
		return -1;
	}
	head = (size_t)(end - c->buf) + 4;
	cl = strcasestr(c->buf, "\r\ncontent-length:");
	if (cl == NULL || cl > end) {
		fprintf(stderr, "idleconns: response without Content-Length\n");
		return -1;
	}
	len = strtoul(cl + 17, NULL, 10);
	return c->got >= head + len;
}

/* Wait for what OpenSSL wants; -1 on a TLS error. */
static int
tls_wait(int ep, struct conn *c, unsigned idx, int rc)
{
	struct epoll_event ev;
	int                e = SSL_get_error(c->ssl, rc);

	if (e == SSL_ERROR_WANT_READ)
		ev.events = EPOLLIN;
	else if (e == SSL_ERROR_WANT_WRITE)
		ev.events = EPOLLOUT;
	else {
		unsigned long err = ERR_peek_last_error();

		fprintf(stderr, "idleconns: connection %u: TLS %s: %s\n", idx,
		    c->state == CONN_HANDSHAKE ? "handshake" : "read/write",
		    err ? ERR_reason_error_string(err) : strerror(errno));
		return -1;
	}
	ev.data.u32 = idx;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev) == -1)
		die("epoll_ctl");
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in  sin;
	struct epoll_event  ev, evs[256];
	struct rlimit       rl;
	char                req[512], tmp[256];
	int                 ep, i, n, started = 0, done = 0, inflight = 0;
	int                 window = 64, closed = 0, reqlen;

	if (argc > 1 && (strcmp(argv[1], "-t") == 0 ||
	    strcmp(argv[1], "-T") == 0)) {
		tls_resume = argv[1][1] == 'T';
		tls = SSL_CTX_new(TLS_client_method());
		if (tls == NULL)
			die("SSL_CTX_new");
		SSL_CTX_set_min_proto_version(tls, TLS1_2_VERSION);
		SSL_CTX_set_max_proto_version(tls, TLS1_2_VERSION);
		SSL_CTX_set_verify(tls, SSL_VERIFY_NONE, NULL);
		SSL_CTX_set_session_cache_mode(tls, SSL_SESS_CACHE_OFF);
		/* Let the server's idle state be just what it keeps. */
		SSL_CTX_set_mode(tls, SSL_MODE_RELEASE_BUFFERS);
		argv++;
		argc--;
	}
	if (argc < 5 || argc > 6) {
		fprintf(stderr, "usage: idleconns [-t|-T] ADDR PORT N PATH "
		    "[WINDOW]\n");
		return 2;
	}
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1) {
		fprintf(stderr, "idleconns: bad address %s\n", argv[1]);
		return 2;
	}
	nconns = atoi(argv[3]);
	if (argc == 6)
		window = atoi(argv[5]);
	if (nconns <= 0 || window <= 0)
		return 2;
	reqlen = snprintf(req, sizeof req,
	    "GET %s HTTP/1.1\r\nHost: bench.localhost\r\n"
	    "User-Agent: idleconns\r\n\r\n", argv[4]);

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)nconns + 16) {
		rl.rlim_cur = (rlim_t)nconns + 16;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			die("setrlimit (raise ulimit -n)");
	}
	conns = calloc((size_t)nconns, sizeof *conns);
	if (conns == NULL)
		die("calloc");
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) == -1)
		die("epoll_create1");

	while (done < nconns) {
		while (started < nconns && inflight < window) {
			struct conn *c = &conns[started];

			c->fd = socket(AF_INET,
			    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (c->fd == -1)
				die("socket");
			if (connect(c->fd, (struct sockaddr *)&sin,
			    sizeof sin) == -1 && errno != EINPROGRESS)
				die("connect");
			c->state = CONN_CONNECTING;
			ev.events = EPOLLOUT;
			ev.data.u32 = (unsigned)started;
			if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev) == -1)
				die("epoll_ctl");
			started++;
			inflight++;
		}
		n = epoll_wait(ep, evs, 256, 10000);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			die("epoll_wait");
		}
		if (n == 0) {
			fprintf(stderr, "idleconns: no progress in 10 s "
			    "(%d of %d done)\n", done, nconns);
			return 1;
		}
		for (i = 0; i < n; i++) {
			struct conn *c = &conns[evs[i].data.u32];
			ssize_t      r;
			int          err = 0, rc;
			socklen_t    el = sizeof err;

			if (c->state == CONN_CONNECTING) {
				getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err,
				    &el);
				if (err != 0) {
					errno = err;
					die("connect");
				}
				if (tls == NULL) {
					if (write(c->fd, req, (size_t)reqlen)
					    != reqlen)
						die("write");
					c->state = CONN_READING;
					ev.events = EPOLLIN;
					ev.data.u32 = evs[i].data.u32;
					if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd,
					    &ev) == -1)
						die("epoll_ctl");
					continue;
				}
				if ((c->ssl = SSL_new(tls)) == NULL)
					die("SSL_new");
				SSL_set_fd(c->ssl, c->fd);
				if (tls_session != NULL)
					SSL_set_session(c->ssl, tls_session);
				c->state = CONN_HANDSHAKE;
			}
			if (c->state == CONN_HANDSHAKE) {
				rc = SSL_connect(c->ssl);
				if (rc <= 0) {
					if (tls_wait(ep, c, evs[i].data.u32,
					    rc) != 0)
						return 1;
					continue;
				}
				c->state = CONN_WRITING;
				if (tls_resume && tls_session == NULL)
					tls_session = SSL_get1_session(c->ssl);
			}
			if (c->state == CONN_WRITING) {
				rc = SSL_write(c->ssl, req, reqlen);
				if (rc <= 0) {
					if (tls_wait(ep, c, evs[i].data.u32,
					    rc) != 0)
						return 1;
					continue;
				}
				c->state = CONN_READING;
				ev.events = EPOLLIN;
				ev.data.u32 = evs[i].data.u32;
				if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd,
				    &ev) == -1)
					die("epoll_ctl");
			}
			if (c->state != CONN_READING)
				continue;
again:
			if (tls != NULL) {
				rc = SSL_read(c->ssl, c->buf + c->got,
				    (int)(sizeof c->buf - 1 - c->got));
				if (rc <= 0 &&
				    SSL_get_error(c->ssl, rc) ==
				    SSL_ERROR_WANT_READ)
					continue;
				if (rc <= 0 && tls_wait(ep, c,
				    evs[i].data.u32, rc) == 0)
					continue;
				r = rc <= 0 ? 0 : rc;
			} else {
				r = read(c->fd, c->buf + c->got,
				    sizeof c->buf - 1 - c->got);
			}
			if (r == -1 && errno == EAGAIN)
				continue;
			if (r <= 0) {
				fprintf(stderr, "idleconns: connection %u "
				    "closed before its response\n",
				    evs[i].data.u32);
				return 1;
			}
			c->got += (size_t)r;
			rc = response_done(c);
			if (rc < 0)
				return 1;
			if (rc == 0 && c->got == sizeof c->buf - 1) {
				fprintf(stderr, "idleconns: response larger "
				    "than %zu bytes\n", sizeof c->buf);
				return 1;
			}
			if (rc == 1) {
				/* Keep watching: a close while idle counts. */
				c->state = CONN_IDLE;
				inflight--;
				done++;
			} else if (tls != NULL && SSL_pending(c->ssl) > 0)
				goto again;
		}
	}
	printf("ready %d\n", nconns);
	fflush(stdout);

	/* Hold until the harness closes our stdin. */
	while (read(STDIN_FILENO, tmp, sizeof tmp) > 0)
		;
	for (i = 0; i < nconns; i++) {
		ssize_t r = recv(conns[i].fd, tmp, sizeof tmp, MSG_DONTWAIT);

		/* Over TLS, bytes (an alert) also mean the server closed. */
		if (r == 0 || (r == -1 && errno != EAGAIN) ||
		    (r > 0 && tls != NULL))
			closed++;
		close(conns[i].fd);
		if (conns[i].ssl != NULL)
			SSL_free(conns[i].ssl);
	}
	printf("closed %d\n", closed);
	return 0;
}
