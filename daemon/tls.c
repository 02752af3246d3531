/* SPDX-License-Identifier: ISC */
/* TLS with mbedTLS 2.28 or 3.6: certificates, SNI, sessions, record I/O. */

/*
 * This is the only file that includes mbedTLS.  Everything runs from memory:
 * ciphertext comes in through tls_conn_inbuf()/tls_conn_in_commit() and goes
 * out through tls_conn_out(), so the event loop owns the sockets.
 *
 * Threads.  A tls_server is read-only once built and shared by the workers.
 * The session cache and the ticket keys live in one process-wide store (so
 * sessions survive a reload) and lock themselves (MBEDTLS_THREADING_C).
 * Random numbers come from one CTR_DRBG per thread, seeded on first use from
 * a shared entropy pool (which locks itself): no lock on the handshake path,
 * and no DRBG per connection, which would cost a seeding each.
 *
 * Parking.  mbedtls_ssl_context_save() only serialises DTLS 1.2 contexts,
 * yet a TLS 1.2 context holds the same state plus one thing: the implicit
 * incoming record counter, kept in the 8 bytes before the record header.
 * So a parked connection saves and loads through a twin configuration that
 * says "datagram", keeps those 8 bytes itself, and fixes the record
 * pointers back to stream layout after loading.  It also keeps the ALPN
 * choice itself: mbedTLS 2.28.3's loader compares the saved protocol name
 * against the wrong pointer and refuses every context that negotiated one.
 * The unit tests exercise this round trip against both library generations.
 */

#include <sys/stat.h>

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/version.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_cache.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crt.h>

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define TLS_V3 1
#include <psa/crypto.h>
#define TLS_P(x) MBEDTLS_PRIVATE(x)
#else
#define TLS_V3   0
#define TLS_P(x) x
#endif

#if TLS_V3 && defined(MBEDTLS_SSL_PROTO_TLS1_3)
#define TLS_HAS_13 1
#else
#define TLS_HAS_13 0
#endif

#if !defined(MBEDTLS_THREADING_C)
#error "mbedTLS must be built with MBEDTLS_THREADING_C (Debian's is)"
#endif
#if !defined(MBEDTLS_SSL_CONTEXT_SERIALIZATION) ||                             \
    !defined(MBEDTLS_SSL_PROTO_DTLS)
#error "mbedTLS must be built with context serialisation and DTLS"
#endif

#include "buf.h"
#include "config.h"
#include "file.h"
#include "tls.h"
#include "util.h"

/*
 * Library internals used to put a loaded context back into stream layout
 * (see the top of this file).  Exported by both generations' libmbedtls.
 */
void
mbedtls_ssl_update_out_pointers(mbedtls_ssl_context *, mbedtls_ssl_transform *);
void mbedtls_ssl_update_in_pointers(mbedtls_ssl_context *);

#define TLS_OUTBUF_SIZE    (17 * 1024)
#define TLS_CACHE_ENTRIES  10000
#define TLS_CACHE_SECONDS  3600
#define TLS_TICKET_SECONDS 3600 /* ticket lifetime and key rotation */
#define TLS_EXPIRY_WARN    (14 * 24 * 3600)
#define TLS_MAX_FILE       (1024 * 1024)
#define TLS_SEQ_LEN        8

/*
 * Server preference: AEAD with ECDHE only, ChaCha20-Poly1305 first.  With
 * mbedTLS's own code it encrypts faster than AES-GCM here (16 KiB records,
 * one core: 67 against 48 MB/s with 2.28, 91 against 74 with 3.6), and
 * bulk encryption is where mbedTLS trails OpenSSL most.
 */
static const int tls_suites[] = {
#if TLS_HAS_13
	MBEDTLS_TLS1_3_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS1_3_AES_128_GCM_SHA256,
	MBEDTLS_TLS1_3_AES_256_GCM_SHA384,
#endif
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
	MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
	0,
};

#if TLS_V3
static const uint16_t tls_groups[] = {
	MBEDTLS_SSL_IANA_TLS_GROUP_X25519,
	MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
	MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1,
	MBEDTLS_SSL_IANA_TLS_GROUP_NONE,
};
#else
static const mbedtls_ecp_group_id tls_curves[] = {
	MBEDTLS_ECP_DP_CURVE25519,
	MBEDTLS_ECP_DP_SECP256R1,
	MBEDTLS_ECP_DP_SECP384R1,
	MBEDTLS_ECP_DP_NONE,
};
#endif

/* Both configurations point at this one list: loading compares pointers. */
static const char *tls_alpn[] = { "http/1.1", NULL };

/* One certificate file with its key, and the hosts of the routes using it. */
struct tls_cert {
	struct tls_cert_info info;
	mbedtls_x509_crt     chain;
	mbedtls_pk_context   key;
	char                *keypath;
	char               **names; /* info.names */
	char               **hosts; /* route hosts; "" stands for any host */
	size_t               nhosts;
};

/* Session cache and ticket keys: one per process, shared by servers. */
struct tls_store {
	mbedtls_ssl_cache_context  cache;
	mbedtls_ssl_ticket_context ticket;
	int                        refs; /* under tls_store_lock */
};

struct tls_server {
	int                refs; /* atomic */
	mbedtls_ssl_config conf;
	mbedtls_ssl_config park_conf; /* the "datagram" twin for parking */
	struct tls_cert   *certs;
	size_t             ncerts;
	struct tls_cert   *def; /* no or unknown SNI */
	struct tls_store  *store;
};

struct tls_conn {
	struct tls_server   *srv;   /* reference held */
	mbedtls_ssl_context *ssl;   /* NULL while parked */
	unsigned char       *saved; /* parked state */
	size_t               savedlen;
	unsigned char        in_ctr[TLS_SEQ_LEN];
	char                *in; /* TLS_INBUF_SIZE, allocated on demand */
	uint32_t             inoff, inlen;
	char                *out; /* TLS_OUTBUF_SIZE, allocated on demand */
	uint32_t             outoff, outlen;
	char                *sni;
	const char          *version;
	const char          *cipher;
	const char          *alpn;
	int                  err;    /* mbedTLS code of the failure */
	int                  status; /* 0, TLS_CLOSED or TLS_ERR_* */
	uint8_t              hs_done;
	uint8_t              full_hs; /* the server sent its certificate */
	uint8_t              blocked; /* a step stopped for output room */
	uint8_t              shut;    /* close_notify queued */
};

static pthread_once_t          tls_once = PTHREAD_ONCE_INIT;
static int                     tls_init_rv;
static mbedtls_entropy_context tls_entropy;

static pthread_mutex_t   tls_store_lock = PTHREAD_MUTEX_INITIALIZER;
static struct tls_store *tls_store;

/*
 * The calling thread's DRBG.  It lives in thread-local storage and owns no
 * heap memory, so a thread that exits leaves nothing behind to free.
 */
static __thread mbedtls_ctr_drbg_context tls_drbg;
static __thread int                      tls_drbg_ready;
static __thread char                     tls_errbuf[256];

static void
tls_init_once(void)
{
	mbedtls_entropy_init(&tls_entropy);
#if TLS_V3
	if (psa_crypto_init() != PSA_SUCCESS)
		tls_init_rv = -1;
#endif
}

static int
tls_init(void)
{
	pthread_once(&tls_once, tls_init_once);
	return tls_init_rv;
}

/* mbedTLS's f_rng: the thread's own generator, seeded on first use. */
static int
tls_rng(void *arg, unsigned char *out, size_t len)
{
	static const char pers[] = "frontdoor tls";
	int               rv;

	(void)arg;
	if (!tls_drbg_ready) {
		if (tls_init() != 0)
			return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
		mbedtls_ctr_drbg_init(&tls_drbg);
		rv = mbedtls_ctr_drbg_seed(&tls_drbg, mbedtls_entropy_func,
		    &tls_entropy, (const unsigned char *)pers, sizeof pers - 1);
		if (rv != 0) {
			mbedtls_ctr_drbg_free(&tls_drbg);
			return rv;
		}
		tls_drbg_ready = 1;
	}
	/* The thread's own context: skip mbedtls_ctr_drbg_random's lock. */
	return mbedtls_ctr_drbg_random_with_add(&tls_drbg, out, len, NULL, 0);
}

static const char *
tls_strerror(int code, char *buf, size_t len)
{
	mbedtls_strerror(code, buf, len);
	return buf;
}

static void __attribute__((format(printf, 2, 3)))
tls_report(struct config_errors *e, const char *fmt, ...)
{
	va_list ap;
	char   *msg;

	if (e == NULL)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) == -1)
		msg = NULL;
	va_end(ap);
	if (msg == NULL)
		msg = xstrdup("out of memory");
	e->msgs = xreallocarray(e->msgs, e->n + 1, sizeof *e->msgs);
	e->msgs[e->n++] = msg;
}

const char *
tls_library_version(void)
{
	return MBEDTLS_VERSION_STRING_FULL;
}

/* Session store. */

static struct tls_store *
tls_store_get(void)
{
	struct tls_store *st;

	pthread_mutex_lock(&tls_store_lock);
	if ((st = tls_store) != NULL) {
		st->refs++;
		pthread_mutex_unlock(&tls_store_lock);
		return st;
	}
	st = xcalloc(1, sizeof *st);
	mbedtls_ssl_cache_init(&st->cache);
	mbedtls_ssl_cache_set_max_entries(&st->cache, TLS_CACHE_ENTRIES);
	mbedtls_ssl_cache_set_timeout(&st->cache, TLS_CACHE_SECONDS);
	mbedtls_ssl_ticket_init(&st->ticket);
	if (mbedtls_ssl_ticket_setup(&st->ticket, tls_rng, NULL,
	        MBEDTLS_CIPHER_AES_256_GCM, TLS_TICKET_SECONDS) != 0) {
		mbedtls_ssl_ticket_free(&st->ticket);
		mbedtls_ssl_cache_free(&st->cache);
		free(st);
		pthread_mutex_unlock(&tls_store_lock);
		return NULL;
	}
	st->refs = 1;
	tls_store = st;
	pthread_mutex_unlock(&tls_store_lock);
	return st;
}

static void
tls_store_put(struct tls_store *st)
{
	if (st == NULL)
		return;
	pthread_mutex_lock(&tls_store_lock);
	if (--st->refs == 0) {
		tls_store = NULL;
		mbedtls_ssl_ticket_free(&st->ticket);
		mbedtls_ssl_cache_free(&st->cache);
		free(st);
	}
	pthread_mutex_unlock(&tls_store_lock);
}

/* Certificates. */

/* A whole PEM file: mbedTLS wants the NUL counted in len. */
static int
tls_read_file(const char *path, unsigned char **out, size_t *len,
    struct stat *st)
{
	char *data;
	int   rv;

	if ((rv = file_read(path, TLS_MAX_FILE, &data, len, st)) != 0)
		return rv;
	*out = (unsigned char *)data;
	*len += 1;
	return 0;
}

static int64_t
tls_x509_time(const mbedtls_x509_time *t)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = t->year - 1900;
	tm.tm_mon = t->mon - 1;
	tm.tm_mday = t->day;
	tm.tm_hour = t->hour;
	tm.tm_min = t->min;
	tm.tm_sec = t->sec;
	return (int64_t)timegm(&tm);
}

static void
tls_add_name(struct tls_cert *tc, const unsigned char *p, size_t len)
{
	char  *s;
	size_t i;

	if (len == 0 || len > 253 || memchr(p, '\0', len) != NULL)
		return;
	s = xstrndup((const char *)p, len);
	for (i = 0; i < len; i++)
		s[i] = (char)fd_tolower((unsigned char)s[i]);
	if (len > 1 && s[len - 1] == '.')
		s[len - 1] = '\0';
	tc->names =
	    xreallocarray(tc->names, tc->info.nnames + 1, sizeof *tc->names);
	tc->names[tc->info.nnames++] = s;
}

/* DNS names from the SANs, else the subject's CN; dates; subject text. */
static void
tls_cert_describe(struct tls_cert *tc)
{
	const mbedtls_x509_crt      *crt = &tc->chain;
	const mbedtls_x509_sequence *san;
	const mbedtls_x509_name     *n;
	char                         dn[512];

	for (san = &crt->subject_alt_names; san != NULL; san = san->next) {
		if (san->buf.p != NULL &&
		    san->buf.tag ==
		        (MBEDTLS_ASN1_CONTEXT_SPECIFIC |
		            MBEDTLS_X509_SAN_DNS_NAME))
			tls_add_name(tc, san->buf.p, san->buf.len);
	}
	if (tc->info.nnames == 0) {
		for (n = &crt->subject; n != NULL; n = n->next) {
			if (n->oid.p != NULL &&
			    MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0)
				tls_add_name(tc, n->val.p, n->val.len);
		}
	}
	tc->info.names = (const char *const *)tc->names;
	if (mbedtls_x509_dn_gets(dn, sizeof dn, &crt->subject) < 0)
		dn[0] = '\0';
	tc->info.subject = xstrdup(dn);
	tc->info.not_before = tls_x509_time(&crt->valid_from);
	tc->info.not_after = tls_x509_time(&crt->valid_to);
}

static void
tls_cert_free(struct tls_cert *tc)
{
	size_t i;

	mbedtls_x509_crt_free(&tc->chain);
	mbedtls_pk_free(&tc->key);
	free((char *)tc->info.path);
	free((char *)tc->info.route);
	free((char *)tc->info.subject);
	free(tc->keypath);
	for (i = 0; i < tc->info.nnames; i++)
		free(tc->names[i]);
	free(tc->names);
	for (i = 0; i < tc->nhosts; i++)
		free(tc->hosts[i]);
	free(tc->hosts);
}

static void
tls_fmt_date(int64_t t, char *buf, size_t len)
{
	time_t    tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M UTC", &tm) == 0)
		snprintf(buf, len, "?");
}

/*
 * Load one cert/key pair into tc.  sec is "[tls]" or "[route NAME]", ckey
 * and kkey the key names ("cert", "tls_cert").  Returns 0 or -1 (reported).
 */
static int
tls_cert_load(struct tls_cert *tc, const struct tls_file_conf *cert,
    const struct tls_file_conf *key, const char *sec, const char *ckey,
    const char *kkey, struct config_errors *errs, struct config_errors *warns)
{
	unsigned char *buf;
	size_t         len;
	struct stat    st;
	char           why[200], d[64];
	int            rv;
	int64_t        now;

	mbedtls_x509_crt_init(&tc->chain);
	mbedtls_pk_init(&tc->key);
	tc->info.path = xstrdup(cert->path);
	tc->keypath = xstrdup(key->path);

	if ((rv = tls_read_file(cert->path, &buf, &len, &st)) != 0) {
		tls_report(errs, "%s:%d: %s %s: %s: cannot read: %s",
		    cert->file, cert->line, sec, ckey, cert->path,
		    strerror(-rv));
		return -1;
	}
	rv = mbedtls_x509_crt_parse(&tc->chain, buf, len);
	free(buf);
	if (rv != 0) {
		if (rv > 0)
			tls_report(errs,
			    "%s:%d: %s %s: %s: %d certificate(s) in the "
			    "file do not parse, expected PEM certificates",
			    cert->file, cert->line, sec, ckey, cert->path, rv);
		else
			tls_report(errs,
			    "%s:%d: %s %s: %s: not a PEM certificate "
			    "(%s)",
			    cert->file, cert->line, sec, ckey, cert->path,
			    tls_strerror(rv, why, sizeof why));
		return -1;
	}
	tls_cert_describe(tc);

	now = (int64_t)time(NULL);
	tls_fmt_date(tc->info.not_after, d, sizeof d);
	if (tc->info.not_after < now)
		tls_report(warns, "%s:%d: %s %s: %s: expired on %s", cert->file,
		    cert->line, sec, ckey, cert->path, d);
	else if (tc->info.not_after - now < TLS_EXPIRY_WARN)
		tls_report(warns,
		    "%s:%d: %s %s: %s: expires in %lld day(s), on %s",
		    cert->file, cert->line, sec, ckey, cert->path,
		    (long long)((tc->info.not_after - now) / 86400), d);
	if (tc->info.not_before > now) {
		tls_fmt_date(tc->info.not_before, d, sizeof d);
		tls_report(warns, "%s:%d: %s %s: %s: not valid before %s",
		    cert->file, cert->line, sec, ckey, cert->path, d);
	}

	if ((rv = tls_read_file(key->path, &buf, &len, &st)) != 0) {
		tls_report(errs, "%s:%d: %s %s: %s: cannot read: %s", key->file,
		    key->line, sec, kkey, key->path, strerror(-rv));
		return -1;
	}
	if (st.st_mode & S_IROTH)
		tls_report(warns,
		    "%s:%d: %s %s: %s: readable by every user (mode %04o), "
		    "expected chmod o-rwx",
		    key->file, key->line, sec, kkey, key->path,
		    (unsigned)(st.st_mode & 07777));
#if TLS_V3
	rv = mbedtls_pk_parse_key(&tc->key, buf, len, NULL, 0, tls_rng, NULL);
#else
	rv = mbedtls_pk_parse_key(&tc->key, buf, len, NULL, 0);
#endif
	mbedtls_platform_zeroize(buf, len);
	free(buf);
	if (rv == MBEDTLS_ERR_PK_PASSWORD_REQUIRED) {
		tls_report(errs,
		    "%s:%d: %s %s: %s: the key is encrypted, expected "
		    "an unencrypted PEM key",
		    key->file, key->line, sec, kkey, key->path);
		return -1;
	}
	if (rv != 0) {
		tls_report(errs, "%s:%d: %s %s: %s: not a PEM private key (%s)",
		    key->file, key->line, sec, kkey, key->path,
		    tls_strerror(rv, why, sizeof why));
		return -1;
	}
#if TLS_V3
	rv = mbedtls_pk_check_pair(&tc->chain.pk, &tc->key, tls_rng, NULL);
#else
	rv = mbedtls_pk_check_pair(&tc->chain.pk, &tc->key);
#endif
	if (rv != 0) {
		tls_report(errs,
		    "%s:%d: %s %s: %s: does not match the certificate "
		    "%s, expected the key of that certificate",
		    key->file, key->line, sec, kkey, key->path, cert->path);
		return -1;
	}
	return 0;
}

static void
tls_cert_add_hosts(struct tls_cert *tc, const struct route_conf *r)
{
	size_t i;

	if (r->nhosts == 0) {
		tc->hosts =
		    xreallocarray(tc->hosts, tc->nhosts + 1, sizeof *tc->hosts);
		tc->hosts[tc->nhosts++] = xstrdup("");
		return;
	}
	tc->hosts =
	    xreallocarray(tc->hosts, tc->nhosts + r->nhosts, sizeof *tc->hosts);
	for (i = 0; i < r->nhosts; i++)
		tc->hosts[tc->nhosts++] = xstrdup(r->hosts[i]);
}

/* 2: name equals host; 1: wildcard name covers host (one label); 0. */
static int
tls_name_covers(const char *name, const char *host)
{
	const char *dot;

	if (strcmp(name, host) == 0)
		return 2;
	if (name[0] != '*' || name[1] != '.')
		return 0;
	if ((dot = strchr(host, '.')) == NULL || dot == host)
		return 0;
	return strcmp(dot, name + 1) == 0 ? 1 : 0;
}

/*
 * Warn about each host of r that tc's names do not cover: a browser asking
 * for it would be shown a certificate for another name.  A wildcard host
 * is covered by the same wildcard name.
 */
static void
tls_check_hosts(const struct tls_cert *tc, const struct route_conf *r,
    struct config_errors *warns)
{
	struct buf  names;
	const char *h;
	size_t      i, j;

	for (i = 0; i < r->nhosts; i++) {
		h = r->hosts[i];
		for (j = 0; j < tc->info.nnames; j++) {
			if (strcmp(tc->info.names[j], h) == 0 ||
			    (h[0] != '*' &&
			        tls_name_covers(tc->info.names[j], h) != 0))
				break;
		}
		if (j < tc->info.nnames)
			continue;
		buf_init(&names, 0);
		for (j = 0; j < tc->info.nnames && j < 8; j++)
			buf_printf(&names, "%s%s", j > 0 ? ", " : "",
			    tc->info.names[j]);
		if (j < tc->info.nnames)
			buf_puts(&names, ", ...");
		buf_append(&names, "", 1);
		tls_report(warns,
		    "%s:%d: [route %s] tls_cert: %s does not cover host %s "
		    "(its names: %s)",
		    r->tls_cert.file, r->tls_cert.line, r->name,
		    r->tls_cert.path, h,
		    tc->info.nnames > 0 ? names.data : "none");
		buf_free(&names);
	}
}

/* 3: a route host equals host; 2: a wildcard route host; 1: any host. */
static int
tls_host_score(const struct tls_cert *tc, const char *host)
{
	size_t      i, hl = strlen(host), sl;
	int         best = 0;
	const char *h;

	for (i = 0; i < tc->nhosts; i++) {
		h = tc->hosts[i];
		if (*h == '\0') {
			best = MAX(best, 1);
		} else if (strcmp(h, host) == 0) {
			return 3;
		} else if (h[0] == '*' && h[1] == '.') {
			sl = strlen(h + 1);
			if (hl > sl && strcmp(host + hl - sl, h + 1) == 0)
				best = MAX(best, 2);
		}
	}
	return best;
}

/*
 * The certificate for an SNI name: among those whose names cover it,
 * prefer one whose routes' hosts match it best, then the closer name
 * (exact over wildcard), then configuration order.  None: the default.
 */
static struct tls_cert *
tls_pick(struct tls_server *srv, const char *host)
{
	struct tls_cert *tc, *best = NULL;
	size_t           i, j;
	int              cov, c, score, best_score = 0;

	for (i = 0; i < srv->ncerts; i++) {
		tc = &srv->certs[i];
		cov = 0;
		for (j = 0; j < tc->info.nnames && cov < 2; j++) {
			c = tls_name_covers(tc->names[j], host);
			cov = MAX(cov, c);
		}
		if (cov == 0)
			continue;
		score = tls_host_score(tc, host) * 4 + cov;
		if (score > best_score) {
			best = tc;
			best_score = score;
		}
	}
	return best != NULL ? best : srv->def;
}

static struct tls_conn *
tls_conn_of(mbedtls_ssl_context *ssl)
{
#if TLS_V3
	return mbedtls_ssl_get_user_data_p(ssl);
#else
	return ssl->p_bio;
#endif
}

/* The SNI callback: note the name, pick the certificate.  Never fails. */
static int
tls_sni(void *arg, mbedtls_ssl_context *ssl, const unsigned char *name,
    size_t len)
{
	struct tls_server *srv = arg;
	struct tls_conn   *c = tls_conn_of(ssl);
	struct tls_cert   *tc;
	char               host[256];
	size_t             i;

	if (len > 1 && name[len - 1] == '.')
		len--;
	if (len == 0 || len > 253)
		return 0;
	for (i = 0; i < len; i++) {
		host[i] = (char)fd_tolower(name[i]);
		if (!((host[i] >= 'a' && host[i] <= 'z') ||
		        (host[i] >= '0' && host[i] <= '9') || host[i] == '-' ||
		        host[i] == '.' || host[i] == '_'))
			return 0;
	}
	host[len] = '\0';
	if (c != NULL && c->sni == NULL)
		c->sni = strdup(host);
	tc = tls_pick(srv, host);
	if (tc != NULL && tc != srv->def)
		return mbedtls_ssl_set_hs_own_cert(ssl, &tc->chain, &tc->key);
	return 0;
}

static void
tls_server_free(struct tls_server *srv)
{
	size_t i;

	mbedtls_ssl_config_free(&srv->conf);
	mbedtls_ssl_config_free(&srv->park_conf);
	for (i = 0; i < srv->ncerts; i++)
		tls_cert_free(&srv->certs[i]);
	free(srv->certs);
	tls_store_put(srv->store);
	free(srv);
}

/* Settings shared by the real configuration and its parking twin. */
static int
tls_conf_init(struct tls_server *srv, mbedtls_ssl_config *conf, int transport,
    int min13)
{
	int rv;

	rv = mbedtls_ssl_config_defaults(conf, MBEDTLS_SSL_IS_SERVER, transport,
	    MBEDTLS_SSL_PRESET_DEFAULT);
	if (rv != 0)
		return rv;
	mbedtls_ssl_conf_rng(conf, tls_rng, NULL);
	mbedtls_ssl_conf_ciphersuites(conf, tls_suites);
#if TLS_V3
	mbedtls_ssl_conf_groups(conf, tls_groups);
	mbedtls_ssl_conf_preference_order(conf,
	    MBEDTLS_SSL_SRV_CIPHERSUITE_ORDER_SERVER);
	mbedtls_ssl_conf_min_tls_version(conf,
	    min13 ? MBEDTLS_SSL_VERSION_TLS1_3 : MBEDTLS_SSL_VERSION_TLS1_2);
	if (transport == MBEDTLS_SSL_TRANSPORT_DATAGRAM)
		mbedtls_ssl_conf_max_tls_version(conf,
		    MBEDTLS_SSL_VERSION_TLS1_2);
#if TLS_HAS_13
	mbedtls_ssl_conf_tls13_key_exchange_modes(conf,
	    MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ALL);
#endif
#else
	(void)min13;
	mbedtls_ssl_conf_curves(conf, tls_curves);
	mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_max_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3,
	    MBEDTLS_SSL_MINOR_VERSION_3);
#endif
	mbedtls_ssl_conf_renegotiation(conf,
	    MBEDTLS_SSL_RENEGOTIATION_DISABLED);
	if ((rv = mbedtls_ssl_conf_alpn_protocols(conf, tls_alpn)) != 0)
		return rv;
	mbedtls_ssl_conf_session_cache(conf, &srv->store->cache,
	    mbedtls_ssl_cache_get, mbedtls_ssl_cache_set);
	mbedtls_ssl_conf_session_tickets_cb(conf, mbedtls_ssl_ticket_write,
	    mbedtls_ssl_ticket_parse, &srv->store->ticket);
	mbedtls_ssl_conf_sni(conf, tls_sni, srv);
	if (srv->def != NULL)
		return mbedtls_ssl_conf_own_cert(conf, &srv->def->chain,
		    &srv->def->key);
	return 0;
}

int
tls_server_new(const struct config *cf, struct tls_server **out,
    struct config_errors *errs, struct config_errors *warns)
{
	struct tls_server       *srv;
	struct tls_cert         *tc = NULL;
	const struct route_conf *r;
	char                     sec[300], why[200];
	size_t                   i, j;
	int                      bad = 0, rv;

	*out = NULL;
	if (cf->tls_min_version == 13 && !TLS_HAS_13) {
		tls_report(errs,
		    "%s:%d: [tls] min_version: 1.3 needs mbedTLS 3.x "
		    "with TLS 1.3, this frontdoord uses %s, expected 1.2",
		    cf->tls_min_version_file != NULL ?
		        cf->tls_min_version_file :
		        cf->path,
		    cf->tls_min_version_line, MBEDTLS_VERSION_STRING_FULL);
		return -1;
	}
	if (!cf->tls_any_cert)
		return 0;
	if (tls_init() != 0) {
		tls_report(errs,
		    "%s:0: [tls]: cannot start the PSA crypto "
		    "library",
		    cf->path);
		return -1;
	}

	srv = xcalloc(1, sizeof *srv);
	srv->refs = 1;
	mbedtls_ssl_config_init(&srv->conf);
	mbedtls_ssl_config_init(&srv->park_conf);
	/* Never moved once loaded: the configuration points into it. */
	srv->certs = xcalloc(cf->nroutes + 1, sizeof *srv->certs);

	if (cf->tls_cert.path != NULL && cf->tls_key.path != NULL) {
		tc = &srv->certs[srv->ncerts++];
		if (tls_cert_load(tc, &cf->tls_cert, &cf->tls_key, "[tls]",
		        "cert", "key", errs, warns) != 0)
			bad = 1;
		srv->def = tc;
	}
	for (i = 0; i < cf->nroutes; i++) {
		r = &cf->routes[i];
		if (r->tls_cert.path == NULL || r->tls_key.path == NULL)
			continue;
		for (j = 0; j < srv->ncerts; j++) {
			tc = &srv->certs[j];
			if (strcmp(tc->info.path, r->tls_cert.path) == 0 &&
			    strcmp(tc->keypath, r->tls_key.path) == 0)
				break;
		}
		if (j == srv->ncerts) {
			tc = &srv->certs[srv->ncerts++];
			snprintf(sec, sizeof sec, "[route %s]", r->name);
			tc->info.route = xstrdup(r->name);
			if (tls_cert_load(tc, &r->tls_cert, &r->tls_key, sec,
			        "tls_cert", "tls_key", errs, warns) != 0)
				bad = 1;
		}
		tls_cert_add_hosts(tc, r);
		if (!bad)
			tls_check_hosts(tc, r, warns);
	}
	if (bad)
		goto fail;
	if (srv->def == NULL)
		srv->def = &srv->certs[0];

	if ((srv->store = tls_store_get()) == NULL) {
		tls_report(errs, "%s:0: [tls]: cannot set up session tickets",
		    cf->path);
		goto fail;
	}
	if ((rv = tls_conf_init(srv, &srv->conf, MBEDTLS_SSL_TRANSPORT_STREAM,
	         cf->tls_min_version == 13)) != 0 ||
	    (rv = tls_conf_init(srv, &srv->park_conf,
	         MBEDTLS_SSL_TRANSPORT_DATAGRAM, 0)) != 0) {
		tls_report(errs, "%s:0: [tls]: cannot set up TLS: %s", cf->path,
		    tls_strerror(rv, why, sizeof why));
		goto fail;
	}
	*out = srv;
	return 0;
fail:
	tls_server_free(srv);
	return -1;
}

struct tls_server *
tls_server_ref(struct tls_server *srv)
{
	if (srv != NULL)
		__atomic_add_fetch(&srv->refs, 1, __ATOMIC_RELAXED);
	return srv;
}

void
tls_server_unref(struct tls_server *srv)
{
	if (srv == NULL)
		return;
	if (__atomic_sub_fetch(&srv->refs, 1, __ATOMIC_ACQ_REL) == 0)
		tls_server_free(srv);
}

size_t
tls_server_ncerts(const struct tls_server *srv)
{
	return srv != NULL ? srv->ncerts : 0;
}

const struct tls_cert_info *
tls_server_cert(const struct tls_server *srv, size_t i)
{
	return srv != NULL && i < srv->ncerts ? &srv->certs[i].info : NULL;
}

/* Connections. */

/* mbedTLS's f_send: append to the output buffer, as much as fits. */
static int
tls_bio_send(void *arg, const unsigned char *buf, size_t len)
{
	struct tls_conn *c = arg;
	size_t           n;

	if (c->out == NULL && (c->out = malloc(TLS_OUTBUF_SIZE)) == NULL)
		return MBEDTLS_ERR_SSL_ALLOC_FAILED;
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	n = MIN(len, TLS_OUTBUF_SIZE - (size_t)c->outlen);
	if (n == 0) {
		c->blocked = 1;
		return MBEDTLS_ERR_SSL_WANT_WRITE;
	}
	memcpy(c->out + c->outlen, buf, n);
	c->outlen += (uint32_t)n;
	return (int)n;
}

/* mbedTLS's f_recv: hand over committed ciphertext. */
static int
tls_bio_recv(void *arg, unsigned char *buf, size_t len)
{
	struct tls_conn *c = arg;
	size_t           n = MIN(len, (size_t)(c->inlen - c->inoff));

	if (n == 0)
		return MBEDTLS_ERR_SSL_WANT_READ;
	memcpy(buf, c->in + c->inoff, n);
	c->inoff += (uint32_t)n;
	if (c->inoff == c->inlen)
		c->inoff = c->inlen = 0;
	return (int)n;
}

static mbedtls_ssl_context *
tls_ssl_new(struct tls_conn *c)
{
	mbedtls_ssl_context *ssl;

	if ((ssl = malloc(sizeof *ssl)) == NULL)
		return NULL;
	mbedtls_ssl_init(ssl);
	if (mbedtls_ssl_setup(ssl, &c->srv->conf) != 0) {
		mbedtls_ssl_free(ssl);
		free(ssl);
		return NULL;
	}
	mbedtls_ssl_set_bio(ssl, c, tls_bio_send, tls_bio_recv, NULL);
#if TLS_V3
	mbedtls_ssl_set_user_data_p(ssl, c);
#endif
	return ssl;
}

struct tls_conn *
tls_conn_new(struct tls_server *srv)
{
	struct tls_conn *c;

	if (srv == NULL || (c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	c->srv = tls_server_ref(srv);
	if ((c->ssl = tls_ssl_new(c)) == NULL) {
		tls_server_unref(srv);
		free(c);
		return NULL;
	}
	return c;
}

static void
tls_wipe_saved(struct tls_conn *c)
{
	if (c->saved != NULL) {
		mbedtls_platform_zeroize(c->saved, c->savedlen);
		free(c->saved);
		c->saved = NULL;
		c->savedlen = 0;
	}
}

void
tls_conn_free(struct tls_conn *c)
{
	if (c == NULL)
		return;
	if (c->ssl != NULL) {
		mbedtls_ssl_free(c->ssl);
		free(c->ssl);
	}
	tls_wipe_saved(c);
	mbedtls_platform_zeroize(c->in_ctr, sizeof c->in_ctr);
	if (c->in != NULL) {
		mbedtls_platform_zeroize(c->in, TLS_INBUF_SIZE);
		free(c->in);
	}
	free(c->out);
	free(c->sni);
	tls_server_unref(c->srv);
	free(c);
}

char *
tls_conn_inbuf(struct tls_conn *c, size_t *room)
{
	if (c->in == NULL && (c->in = malloc(TLS_INBUF_SIZE)) == NULL) {
		*room = 0;
		return NULL;
	}
	if (c->inoff > 0) {
		memmove(c->in, c->in + c->inoff, c->inlen - c->inoff);
		c->inlen -= c->inoff;
		c->inoff = 0;
	}
	*room = TLS_INBUF_SIZE - c->inlen;
	return c->in + c->inlen;
}

void
tls_conn_in_commit(struct tls_conn *c, size_t n)
{
	if (c->in == NULL)
		return;
	c->inlen += (uint32_t)MIN(n, (size_t)(TLS_INBUF_SIZE - c->inlen));
}

const char *
tls_conn_out(struct tls_conn *c, size_t *len)
{
	*len = c->out != NULL ? c->outlen - c->outoff : 0;
	return *len != 0 ? c->out + c->outoff : NULL;
}

void
tls_conn_out_consume(struct tls_conn *c, size_t n)
{
	if (c->out == NULL)
		return;
	c->outoff += (uint32_t)MIN(n, (size_t)(c->outlen - c->outoff));
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
}

static ssize_t
tls_fail(struct tls_conn *c, int code)
{
	c->err = code;
	if (code == MBEDTLS_ERR_SSL_ALLOC_FAILED)
		c->status = TLS_ERR_NOMEM;
	else if (!c->hs_done)
		c->status = TLS_ERR_HANDSHAKE;
	else
		c->status = TLS_ERR_PROTOCOL;
	return c->status;
}

static int
tls_hs_over(const mbedtls_ssl_context *ssl)
{
	return ssl->TLS_P(state) == MBEDTLS_SSL_HANDSHAKE_OVER;
}

/*
 * Step through the handshake, noting whether the server sent its
 * certificate: a resumed handshake (ticket or cache, TLS 1.2 or 1.3) is
 * the one that does not.
 */
static int
tls_handshake(struct tls_conn *c)
{
	mbedtls_ssl_context *ssl = c->ssl;
	int                  rv;

	while (!tls_hs_over(ssl)) {
		if (ssl->TLS_P(state) == MBEDTLS_SSL_SERVER_CERTIFICATE)
			c->full_hs = 1;
		if ((rv = mbedtls_ssl_handshake_step(ssl)) != 0)
			return rv;
	}
	c->hs_done = 1;
	c->version = mbedtls_ssl_get_version(ssl);
	c->cipher = mbedtls_ssl_get_ciphersuite(ssl);
	c->alpn = mbedtls_ssl_get_alpn_protocol(ssl);
	return 0;
}

/* Push out what an earlier step left in mbedTLS's own buffer. */
static int
tls_flush(struct tls_conn *c)
{
	int rv;

	if (c->ssl->TLS_P(out_left) == 0)
		return 0;
	/* With output pending, a write of nothing only flushes it. */
	rv = mbedtls_ssl_write(c->ssl, NULL, 0);
	return rv < 0 ? rv : 0;
}

static ssize_t
tls_io_error(struct tls_conn *c, int rv)
{
	switch (rv) {
	case MBEDTLS_ERR_SSL_WANT_READ:
		return 0;
	case MBEDTLS_ERR_SSL_WANT_WRITE:
		c->blocked = 1;
		return 0;
	case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
		c->status = TLS_CLOSED;
		return TLS_CLOSED;
	default:
		return tls_fail(c, rv);
	}
}

/* The connection's mbedTLS context, unparked; NULL after a failure. */
static int
tls_ready(struct tls_conn *c)
{
	int rv;

	if (c->status < 0 && c->status != TLS_CLOSED)
		return c->status;
	if (c->ssl == NULL && (rv = tls_conn_unpark(c)) != 0)
		return rv == -ENOMEM ? TLS_ERR_NOMEM : c->status;
	return 0;
}

ssize_t
tls_conn_read(struct tls_conn *c, char *out, size_t len)
{
	int rv;

	if (c->status == TLS_CLOSED)
		return TLS_CLOSED;
	if ((rv = tls_ready(c)) != 0)
		return rv;
	c->blocked = 0;
	if (!c->hs_done) {
		if ((rv = tls_handshake(c)) != 0)
			return tls_io_error(c, rv);
	} else if ((rv = tls_flush(c)) != 0)
		return tls_io_error(c, rv);
	if (len == 0)
		return 0;
	rv = mbedtls_ssl_read(c->ssl, (unsigned char *)out, len);
	if (rv >= 0)
		return rv;
	return tls_io_error(c, rv);
}

ssize_t
tls_conn_write(struct tls_conn *c, const char *in, size_t len)
{
	size_t room;
	int    rv, exp, max;

	if ((rv = tls_ready(c)) != 0)
		return rv;
	if (c->shut)
		return TLS_ERR_INTERNAL;
	if (!c->hs_done || len == 0)
		return 0;
	if ((rv = tls_flush(c)) != 0)
		return tls_io_error(c, rv);
	if (c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	room = TLS_OUTBUF_SIZE - (size_t)c->outlen;
	if ((exp = mbedtls_ssl_get_record_expansion(c->ssl)) < 0)
		exp = 512;
	if ((max = mbedtls_ssl_get_max_out_record_payload(c->ssl)) <= 0)
		max = 16384;
	if (room <= (size_t)exp)
		return 0;
	len = MIN(len, MIN(room - (size_t)exp, (size_t)max));
	rv = mbedtls_ssl_write(c->ssl, (const unsigned char *)in, len);
	if (rv >= 0)
		return rv;
	if (rv == MBEDTLS_ERR_SSL_WANT_WRITE) {
		/*
		 * The record is sealed in mbedTLS's buffer and goes out with
		 * the next flush: the bytes are taken.  The room check above
		 * makes this a should-not-happen.
		 */
		c->blocked = 1;
		return (ssize_t)len;
	}
	return tls_fail(c, rv);
}

int
tls_conn_shutdown(struct tls_conn *c)
{
	int rv;

	if ((rv = tls_ready(c)) != 0)
		return rv;
	if (c->shut || !c->hs_done)
		return 0;
	if ((rv = tls_flush(c)) == 0)
		rv = mbedtls_ssl_close_notify(c->ssl);
	if (rv != 0 && rv != MBEDTLS_ERR_SSL_WANT_WRITE)
		return (int)tls_fail(c, rv);
	c->shut = 1;
	if (rv != 0)
		c->blocked = 1;
	return 0;
}

int
tls_conn_pending(const struct tls_conn *c)
{
	if (c->status < 0)
		return 0;
	if (c->inlen > c->inoff)
		return 1;
	if (c->ssl == NULL)
		return 0;
	if (c->blocked && (c->out == NULL || c->outlen < TLS_OUTBUF_SIZE))
		return 1;
	return mbedtls_ssl_get_bytes_avail(c->ssl) > 0 ||
	    mbedtls_ssl_check_pending(c->ssl);
}

int
tls_conn_handshake_done(const struct tls_conn *c)
{
	return c->hs_done;
}

const char *
tls_conn_version(const struct tls_conn *c)
{
	return c->hs_done ? c->version : NULL;
}

const char *
tls_conn_cipher(const struct tls_conn *c)
{
	return c->hs_done ? c->cipher : NULL;
}

const char *
tls_conn_alpn(const struct tls_conn *c)
{
	return c->hs_done ? c->alpn : NULL;
}

const char *
tls_conn_sni(const struct tls_conn *c)
{
	return c->sni;
}

int
tls_conn_reused(const struct tls_conn *c)
{
	return c->hs_done && !c->full_hs;
}

const char *
tls_conn_error(const struct tls_conn *c)
{
	char why[200];

	if (c->status >= 0 || c->status == TLS_CLOSED)
		return "";
	if (c->err == 0)
		return c->status == TLS_ERR_NOMEM ? "out of memory" :
		                                    "saved state does not load";
	snprintf(tls_errbuf, sizeof tls_errbuf, "%s: %s (-0x%04x)",
	    c->hs_done ? "after the handshake" : "handshake",
	    tls_strerror(c->err, why, sizeof why), (unsigned)-c->err);
	return tls_errbuf;
}

int
tls_conn_parked(const struct tls_conn *c)
{
	return c->ssl == NULL;
}

int
tls_conn_park(struct tls_conn *c)
{
	mbedtls_ssl_context      *ssl = c->ssl;
	const mbedtls_ssl_config *conf;
	unsigned char             buf[1024], *p;
	size_t                    len = 0;
	int                       rv;

	if (ssl == NULL)
		return 0;
	if (!c->hs_done || c->status != 0 || c->shut)
		return -EINVAL;
	if (c->inlen != c->inoff || c->outlen != c->outoff ||
	    ssl->TLS_P(out_left) != 0 || mbedtls_ssl_get_bytes_avail(ssl) ||
	    mbedtls_ssl_check_pending(ssl))
		return -EAGAIN;
#if TLS_V3
	if (mbedtls_ssl_get_version_number(ssl) != MBEDTLS_SSL_VERSION_TLS1_2)
		return -ENOTSUP;
#endif
	/* The incoming record counter (TLS keeps it before the header):
	 * saving resets the context, so take it first. */
	memcpy(c->in_ctr, ssl->TLS_P(in_ctr), TLS_SEQ_LEN);
	conf = ssl->TLS_P(conf);
	ssl->TLS_P(conf) = &c->srv->park_conf;
	ssl->TLS_P(alpn_chosen) = NULL; /* c->alpn has it */
	p = buf;
	rv = mbedtls_ssl_context_save(ssl, p, sizeof buf, &len);
	if (rv == MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL) {
		if ((p = malloc(len)) == NULL) {
			ssl->TLS_P(conf) = conf;
			ssl->TLS_P(alpn_chosen) = c->alpn;
			return -ENOMEM;
		}
		rv = mbedtls_ssl_context_save(ssl, p, len, &len);
	}
	if (rv != 0) {
		/* Refused before touching the context: it is still live. */
		ssl->TLS_P(conf) = conf;
		ssl->TLS_P(alpn_chosen) = c->alpn;
		if (p != buf)
			free(p);
		return rv == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -EAGAIN;
	}
	if (p == buf) {
		if ((p = malloc(len)) == NULL) {
			/* Saving reset the context: it cannot go on. */
			mbedtls_platform_zeroize(buf, len);
			c->status = TLS_ERR_NOMEM;
			return -ENOMEM;
		}
		memcpy(p, buf, len);
		mbedtls_platform_zeroize(buf, len);
	}
	c->saved = p;
	c->savedlen = len;
	mbedtls_ssl_free(ssl);
	free(ssl);
	c->ssl = NULL;
	free(c->in);
	c->in = NULL;
	c->inoff = c->inlen = 0;
	free(c->out);
	c->out = NULL;
	c->outoff = c->outlen = 0;
	return 0;
}

int
tls_conn_unpark(struct tls_conn *c)
{
	mbedtls_ssl_context *ssl;
	int                  rv;

	if (c->ssl != NULL)
		return 0;
	if (c->saved == NULL) {
		c->status = TLS_ERR_INTERNAL;
		return -EPROTO;
	}
	if ((ssl = tls_ssl_new(c)) == NULL)
		return -ENOMEM;
	ssl->TLS_P(conf) = &c->srv->park_conf;
	rv = mbedtls_ssl_context_load(ssl, c->saved, c->savedlen);
	tls_wipe_saved(c);
	if (rv != 0) {
		/* mbedtls_ssl_context_load() freed the context's insides. */
		free(ssl);
		c->status = rv == MBEDTLS_ERR_SSL_ALLOC_FAILED ?
		    TLS_ERR_NOMEM :
		    TLS_ERR_INTERNAL;
		c->err = rv;
		return rv == MBEDTLS_ERR_SSL_ALLOC_FAILED ? -ENOMEM : -EPROTO;
	}
	/* Back to stream layout: counter before the header, no epoch. */
	ssl->TLS_P(conf) = &c->srv->conf;
	ssl->TLS_P(out_ctr) = ssl->TLS_P(out_buf);
	ssl->TLS_P(out_hdr) = ssl->TLS_P(out_buf) + TLS_SEQ_LEN;
	mbedtls_ssl_update_out_pointers(ssl, ssl->TLS_P(transform));
	ssl->TLS_P(in_hdr) = ssl->TLS_P(in_buf) + TLS_SEQ_LEN;
	mbedtls_ssl_update_in_pointers(ssl);
	memcpy(ssl->TLS_P(in_ctr), c->in_ctr, TLS_SEQ_LEN);
	ssl->TLS_P(alpn_chosen) = c->alpn;
	mbedtls_platform_zeroize(c->in_ctr, sizeof c->in_ctr);
	c->ssl = ssl;
	return 0;
}

/*
 * Digests for the gate (daemon/auth.c): htpasswd's $apr1$ and {SHA} hashes
 * and the keyed hash of its credential cache.  Here because this is the
 * only file that includes mbedTLS.
 */
#include <mbedtls/md.h>

static int
tls_digest(mbedtls_md_type_t type, const void *data, size_t len,
    unsigned char *out)
{
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(type);

	if (md == NULL || mbedtls_md(md, data, len, out) != 0)
		return -1;
	return 0;
}

int
tls_md5(const void *data, size_t len, unsigned char out[16])
{
	return tls_digest(MBEDTLS_MD_MD5, data, len, out);
}

int
tls_sha1(const void *data, size_t len, unsigned char out[20])
{
	return tls_digest(MBEDTLS_MD_SHA1, data, len, out);
}

int
tls_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
    unsigned char out[32])
{
	const mbedtls_md_info_t *md;

	md = mbedtls_md_info_from_type(MBEDTLS_MD_SHA256);

	if (md == NULL || mbedtls_md_hmac(md, key, keylen, data, len, out) != 0)
		return -1;
	return 0;
}
