/* SPDX-License-Identifier: ISC */
/* TLS termination with mbedTLS, driven from memory: no sockets, no libuv. */
#ifndef FD_TLS_H
#define FD_TLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct config;
struct config_errors;

/*
 * The certificates, keys and TLS settings of one configuration, plus the
 * session cache and ticket keys (shared by every tls_server of the process,
 * so sessions resume across reloads).  Immutable once built; connections
 * hold a reference to the one they started with.
 */
struct tls_server;

/* One server-side TLS connection; owned by one thread at a time. */
struct tls_conn;

/* Results of tls_conn_read() and tls_conn_write() besides byte counts. */
#define TLS_CLOSED        (-1) /* the peer sent close_notify */
#define TLS_ERR_HANDSHAKE (-2) /* the handshake failed (alert queued) */
#define TLS_ERR_PROTOCOL  (-3) /* bad record, MAC, alert after handshake */
#define TLS_ERR_NOMEM     (-4)
#define TLS_ERR_INTERNAL  (-5) /* a library failure or misuse */

/*
 * Load and check every certificate and key of cf: the [tls] cert/key (the
 * default) and each route's tls_cert/tls_key (PEM; a chain may follow the
 * leaf).  Checks that each file reads and parses, that each key matches its
 * certificate, and that min_version is one this mbedTLS can do.
 *
 * Returns 0 with *out a new server holding one reference, or *out = NULL
 * when cf configures no certificate at all (plain HTTP only).  Returns -1
 * with *out = NULL and one "FILE:LINE: [tls] cert: /path: reason" line per
 * problem appended to errs (FILE:LINE is where the key was set).  Warnings
 * (a key file readable by every user, a certificate that has expired or
 * expires within 14 days, or is not valid yet) go to warns, which may be
 * NULL, whatever the result.  Reads files: never call it on an event loop's
 * thread.  cf is not kept: the server copies what it needs.
 */
int tls_server_new(const struct config *cf, struct tls_server **out,
    struct config_errors *errs, struct config_errors *warns);

/* Reference counting; atomic, safe across threads.  unref(NULL) is a no-op. */
struct tls_server *tls_server_ref(struct tls_server *);
void               tls_server_unref(struct tls_server *);

/* One loaded certificate, for the dashboard and status output. */
struct tls_cert_info {
	const char        *path;    /* the certificate file */
	const char        *route;   /* first route using it; NULL: [tls] */
	const char        *subject; /* subject DN, "CN=example.com, O=..." */
	const char *const *names;   /* DNS names: SANs, else the CN */
	size_t             nnames;
	int64_t            not_before; /* Unix time */
	int64_t            not_after;
};

/*
 * The certificates of srv, default first (when [tls] cert is set), each
 * file pair once.  Index from 0 to tls_server_ncerts() - 1; the pointers
 * live as long as the caller's reference to srv.
 */
size_t tls_server_ncerts(const struct tls_server *);
const struct tls_cert_info *
tls_server_cert(const struct tls_server *, size_t i);

/* "mbed TLS 2.28.3": the library this daemon was built with. */
const char *tls_library_version(void);

/*
 * A new connection using srv (it takes a reference of its own).  Allocates
 * the mbedTLS context and its two 16 KiB record buffers.  NULL when out of
 * memory.  Any thread; afterwards only one thread at a time may use it.
 */
struct tls_conn *tls_conn_new(struct tls_server *srv);

/* Free c, its buffers and any parked state (wiped).  NULL is a no-op. */
void tls_conn_free(struct tls_conn *);

/*
 * Ciphertext in, without a copy: read up to *room bytes from the socket
 * straight into the returned buffer, then tls_conn_in_commit(c, n) with the
 * count read.  The buffer holds at most TLS_INBUF_SIZE bytes of ciphertext
 * not yet processed; *room is 0 when it is full (call tls_conn_read() to
 * drain it; until then stop reading the socket: that is the back-pressure).
 * The pointer is valid until the next call on c.  Works on a parked
 * connection (the buffer is allocated again; tls_conn_read() unparks).
 * Returns NULL only when out of memory.
 */
#define TLS_INBUF_SIZE (17 * 1024)
char *tls_conn_inbuf(struct tls_conn *, size_t *room);
void  tls_conn_in_commit(struct tls_conn *, size_t n);

/*
 * Drive the handshake and decrypt: the heart of the receive path.
 *
 * Returns > 0: that many plaintext bytes in out (len > 0).
 * Returns 0: nothing to give now.  Send whatever tls_conn_out() holds (the
 * handshake writes its flights there), then call again when new ciphertext
 * was committed or when tls_conn_pending() is true.
 * Returns TLS_CLOSED when the peer sent close_notify; TLS_ERR_* when the
 * connection failed (tls_conn_error() says why, for the log; tls_conn_out()
 * may hold a fatal alert worth sending before closing).  Once it has
 * returned < 0 it keeps returning the same.
 *
 * One call decrypts at most one record, so loop while it returns > 0 or
 * tls_conn_pending() is true, or stop (back-pressure) and come back later.
 * Unparks a parked connection.
 */
ssize_t tls_conn_read(struct tls_conn *, char *out, size_t len);

/*
 * Encrypt up to len bytes of plaintext into the output buffer as one
 * record.  Returns the bytes taken (<= len, at most 16 KiB a call: loop for
 * more); 0 when the output buffer has no room for a record (send and
 * consume tls_conn_out(), then call again) or the handshake is not done
 * yet; TLS_ERR_* on failure.  Unparks a parked connection.
 */
ssize_t tls_conn_write(struct tls_conn *, const char *in, size_t len);

/*
 * Queue a close_notify alert in the output buffer (send it, then close).
 * Returns 0, or TLS_ERR_* (then just close).  After it, tls_conn_write()
 * fails.
 */
int tls_conn_shutdown(struct tls_conn *);

/*
 * Ciphertext out: the bytes to send, in order, handshake records included;
 * *len is 0 when there are none.  After sending n of them (uv_try_write, or
 * uv_write once it completes) call tls_conn_out_consume(c, n).  The pointer
 * and the bytes stay valid until they are consumed or c is freed: calls on
 * c only ever append after them, so a uv_write may be in flight meanwhile.
 * Note that tls_conn_out() returns every unconsumed byte, those already
 * handed to an unfinished uv_write included: track what is in flight.
 * The buffer holds one full record and a little more.
 */
const char *tls_conn_out(struct tls_conn *, size_t *len);
void        tls_conn_out_consume(struct tls_conn *, size_t n);

/*
 * True when tls_conn_read() would make progress without new ciphertext:
 * decrypted bytes are waiting, unprocessed ciphertext sits in the input
 * buffer, or the handshake stopped for output room that has since been
 * consumed.  False on a failed or closed connection.
 */
int tls_conn_pending(const struct tls_conn *);

/* 1 once the handshake has completed (it stays 1 across park/unpark). */
int tls_conn_handshake_done(const struct tls_conn *);

/*
 * After the handshake: "TLSv1.2" or "TLSv1.3", the cipher suite's IANA-ish
 * name as mbedTLS spells it, the ALPN protocol ("http/1.1") or NULL when
 * none was negotiated.  NULL before the handshake is done.  Static strings.
 */
const char *tls_conn_version(const struct tls_conn *);
const char *tls_conn_cipher(const struct tls_conn *);
const char *tls_conn_alpn(const struct tls_conn *);

/* The SNI name the client sent, lower-cased, or NULL when it sent none. */
const char *tls_conn_sni(const struct tls_conn *);

/* 1 when the handshake resumed a session (ticket or cache), else 0. */
int tls_conn_reused(const struct tls_conn *);

/*
 * Why the connection failed, for the log, such as "handshake: SSL - The
 * server has no ciphersuites in common with the client"; "" when it has
 * not failed.  Valid until the next call on c.
 */
const char *tls_conn_error(const struct tls_conn *);

/*
 * Idle parking.  tls_conn_park() saves the session state of an idle TLS 1.2
 * connection in a small heap buffer (a few hundred bytes) and frees the
 * mbedTLS context with its 2 x 16 KiB record buffers and c's own input and
 * output buffers.  It needs the handshake done and nothing pending either
 * way: no unconsumed output, no unread input, no decrypted bytes waiting.
 * Returns 0 (also when already parked), -EAGAIN when not idle, -ENOTSUP
 * when the connection uses TLS 1.3 (mbedTLS cannot serialise those: they
 * stay as they are), -EINVAL when the handshake is not done or the
 * connection failed or closed, -ENOMEM.
 *
 * tls_conn_unpark() restores it (tls_conn_read/write/shutdown do that by
 * themselves).  Returns 0 (also when not parked), -ENOMEM, or -EPROTO when
 * the saved state does not load (then the connection is failed: close it).
 * The saved state is wiped when it is loaded or c is freed.
 */
int tls_conn_park(struct tls_conn *);
int tls_conn_unpark(struct tls_conn *);
int tls_conn_parked(const struct tls_conn *);

/*
 * One-shot digests for the gate (htpasswd $apr1$ and {SHA}, the keyed hash
 * of the credential cache), so that no other file includes mbedTLS.  Any
 * thread; 0, or -1 when the library lacks the algorithm.
 */
int tls_md5(const void *, size_t, unsigned char out[16]);
int tls_sha1(const void *, size_t, unsigned char out[20]);
int tls_hmac_sha256(const void *key, size_t keylen, const void *, size_t,
    unsigned char out[32]);

#endif
