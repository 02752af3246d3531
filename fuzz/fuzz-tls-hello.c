/* SPDX-License-Identifier: ISC */
/* libFuzzer target: arbitrary bytes as a ClientHello into a server tls_conn. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "tls.h"
#include "util.h"

int LLVMFuzzerInitialize(int *, char ***);
int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct tls_server *srv;

/*
 * One ECDSA P-256 server, its certificate made by openssl at start-up (so
 * no key lives in the repository), loaded through tls_server_new() from a
 * configuration built by hand: config.c is not needed here.
 */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char                 dir[] = "/tmp/fuzz-tls-hello.XXXXXX", *cmd;
	struct config        cf;
	struct config_errors errs = { 0 };
	size_t               i;

	(void)argc;
	(void)argv;
	if (mkdtemp(dir) == NULL)
		abort();
	cmd = xasprintf("cd %s && openssl req -x509 -newkey ec "
	                "-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem "
	                "-out c.pem -days 30 -subj /CN=fuzz.test "
	                "-addext subjectAltName=DNS:fuzz.test >/dev/null 2>&1",
	    dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "fuzz-tls-hello: openssl failed\n");
		abort();
	}
	free(cmd);
	memset(&cf, 0, sizeof cf);
	cf.path = dir;
	cf.tls_min_version = 12;
	cf.tls_any_cert = 1;
	cf.tls_cert.path = xasprintf("%s/c.pem", dir);
	cf.tls_cert.file = dir;
	cf.tls_cert.line = 1;
	cf.tls_key.path = xasprintf("%s/k.pem", dir);
	cf.tls_key.file = dir;
	cf.tls_key.line = 2;
	if (tls_server_new(&cf, &srv, &errs, NULL) != 0 || srv == NULL) {
		for (i = 0; i < errs.n; i++)
			fprintf(stderr, "fuzz-tls-hello: %s\n", errs.msgs[i]);
		abort();
	}
	unlink(cf.tls_cert.path);
	unlink(cf.tls_key.path);
	rmdir(dir);
	free(cf.tls_cert.path);
	free(cf.tls_key.path);
	return 0;
}

/* Feed the input as the socket would, in buffer-sized pieces. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tls_conn *c = tls_conn_new(srv);
	char             plain[4096], *p;
	size_t           room, n, len;
	ssize_t          rv = 0;

	if (c == NULL)
		abort();
	while (size > 0 && rv >= 0) {
		if ((p = tls_conn_inbuf(c, &room)) == NULL)
			abort();
		n = size < room ? size : room;
		memcpy(p, data, n);
		tls_conn_in_commit(c, n);
		data += n;
		size -= n;
		do {
			rv = tls_conn_read(c, plain, sizeof plain);
			tls_conn_out(c, &len);
			tls_conn_out_consume(c, len);
		} while (rv > 0 || (rv == 0 && tls_conn_pending(c)));
		if (rv == 0 && n == 0)
			break;
	}
	if (rv < 0 && rv != TLS_CLOSED && tls_conn_error(c)[0] == '\0')
		abort();
	(void)tls_conn_park(c);
	tls_conn_free(c);
	return 0;
}
