/* SPDX-License-Identifier: ISC */
/* Basic auth: htpasswd files, Basic credentials, password checks, a cache. */

#include <sys/random.h>

#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "file.h"
#include "tls.h"
#include "util.h"

enum auth_kind {
	AUTH_CRYPT = 0, /* bcrypt, sha-crypt, md5-crypt, yescrypt: libcrypt */
	AUTH_APR1,
	AUTH_SHA,
};

struct auth_entry {
	char          *user;
	char          *hash;
	enum auth_kind kind;
	int            line; /* in the file, for reports */
};

struct auth_slot {
	unsigned char mac[32];
	uint64_t      expires_ms; /* 0: empty */
};

struct auth_file {
	struct auth_entry *users; /* sorted by name */
	size_t             nusers;
	pthread_mutex_t    lock; /* the cache */
	unsigned char      key[32];
	struct auth_slot  *cache; /* [AUTH_CACHE_SIZE] */
};

static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
static const char itoa64[] =
    "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/* Compare without a branch on the bytes: time depends only on n. */
static int
auth_ct_eq(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char                 d = 0;
	size_t                        i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

static int
auth_b64_value(unsigned char c)
{
	const char *p;

	if (c == '\0' || (p = strchr(b64, c)) == NULL)
		return -1;
	return (int)(p - b64);
}

/* Strict base64 with padding; -1 when malformed or longer than outsize. */
static int
auth_b64_decode(const char *s, size_t len, unsigned char *out, size_t outsize,
    size_t *outlen)
{
	size_t   i, n = 0, pad = 0;
	uint32_t v;
	int      k, d;

	if (len == 0 || len % 4 != 0)
		return -1;
	if (s[len - 1] == '=')
		pad++;
	if (s[len - 2] == '=')
		pad++;
	if (len / 4 * 3 - pad > outsize)
		return -1;
	for (i = 0; i < len; i += 4) {
		v = 0;
		for (k = 0; k < 4; k++) {
			if (i + k >= len - pad) {
				d = 0;
				if (s[i + k] != '=')
					return -1;
			} else if ((d = auth_b64_value(
			                (unsigned char)s[i + k])) < 0)
				return -1;
			v = v << 6 | (uint32_t)d;
		}
		out[n++] = (unsigned char)(v >> 16);
		if (i + 4 < len || pad < 2)
			out[n++] = (unsigned char)(v >> 8);
		if (i + 4 < len || pad < 1)
			out[n++] = (unsigned char)v;
	}
	*outlen = n;
	return 0;
}

static void
auth_b64_encode(const unsigned char *in, size_t len, char *out)
{
	size_t   i;
	uint32_t v;

	for (i = 0; i + 2 < len; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 |
		    in[i + 2];
		*out++ = b64[v >> 18 & 63];
		*out++ = b64[v >> 12 & 63];
		*out++ = b64[v >> 6 & 63];
		*out++ = b64[v & 63];
	}
	if (len - i == 1) {
		v = (uint32_t)in[i] << 16;
		*out++ = b64[v >> 18 & 63];
		*out++ = b64[v >> 12 & 63];
		*out++ = '=';
		*out++ = '=';
	} else if (len - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		*out++ = b64[v >> 18 & 63];
		*out++ = b64[v >> 12 & 63];
		*out++ = b64[v >> 6 & 63];
		*out++ = '=';
	}
	*out = '\0';
}

/* Apache's MD5-crypt variant (apr_md5.c), on mbedTLS's MD5. */
int
auth_apr1(const char *pass, size_t len, const char *salt, size_t saltlen,
    char *out, size_t outlen)
{
	unsigned char    fin[16], *buf;
	size_t           n, cap, pl, i;
	unsigned long    l;
	char            *p;
	int              rv = -1;
	static const int perm[5][3] = { { 0, 6, 12 }, { 1, 7, 13 },
		{ 2, 8, 14 }, { 3, 9, 15 }, { 4, 10, 5 } };

	if (saltlen > 8)
		saltlen = 8;
	if (len > AUTH_MAX_PASS || outlen < 6 + saltlen + 1 + 22 + 1)
		return -1;
	cap = 2 * len + saltlen + 6 + 64 + 16;
	buf = xmalloc(cap);

	/* md5(pass salt pass) */
	n = 0;
	memcpy(buf + n, pass, len), n += len;
	memcpy(buf + n, salt, saltlen), n += saltlen;
	memcpy(buf + n, pass, len), n += len;
	if (tls_md5(buf, n, fin) != 0)
		goto out;

	n = 0;
	memcpy(buf + n, pass, len), n += len;
	memcpy(buf + n, "$apr1$", 6), n += 6;
	memcpy(buf + n, salt, saltlen), n += saltlen;
	for (pl = len; pl > 0; pl -= pl > 16 ? 16 : pl)
		memcpy(buf + n, fin, pl > 16 ? 16 : pl), n += pl > 16 ? 16 : pl;
	for (i = len; i != 0; i >>= 1)
		buf[n++] = (i & 1) ? '\0' : (unsigned char)pass[0];
	if (tls_md5(buf, n, fin) != 0)
		goto out;

	for (i = 0; i < 1000; i++) {
		n = 0;
		if (i & 1)
			memcpy(buf + n, pass, len), n += len;
		else
			memcpy(buf + n, fin, 16), n += 16;
		if (i % 3)
			memcpy(buf + n, salt, saltlen), n += saltlen;
		if (i % 7)
			memcpy(buf + n, pass, len), n += len;
		if (i & 1)
			memcpy(buf + n, fin, 16), n += 16;
		else
			memcpy(buf + n, pass, len), n += len;
		if (tls_md5(buf, n, fin) != 0)
			goto out;
	}

	p = out;
	memcpy(p, "$apr1$", 6), p += 6;
	memcpy(p, salt, saltlen), p += saltlen;
	*p++ = '$';
	for (i = 0; i < 5; i++) {
		l = (unsigned long)fin[perm[i][0]] << 16 |
		    (unsigned long)fin[perm[i][1]] << 8 | fin[perm[i][2]];
		for (n = 0; n < 4; n++, l >>= 6)
			*p++ = itoa64[l & 0x3f];
	}
	l = fin[11];
	for (n = 0; n < 2; n++, l >>= 6)
		*p++ = itoa64[l & 0x3f];
	*p = '\0';
	rv = 0;
out:
	explicit_bzero(buf, cap);
	free(buf);
	explicit_bzero(fin, sizeof fin);
	return rv;
}

static int
auth_apr1_check(const char *hash, const char *pass, size_t len)
{
	const char *salt = hash + 6, *end;
	char        out[64];
	size_t      hl = strlen(hash);
	int         ok;

	if ((end = strchr(salt, '$')) == NULL)
		return 0;
	if (auth_apr1(pass, len, salt, (size_t)(end - salt), out, sizeof out) !=
	    0)
		return 0;
	ok = strlen(out) == hl && auth_ct_eq(out, hash, hl);
	explicit_bzero(out, sizeof out);
	return ok;
}

static int
auth_sha_check(const char *hash, const char *pass, size_t len)
{
	unsigned char d[20];
	char          out[32];
	int           ok;

	if (tls_sha1(pass, len, d) != 0)
		return 0;
	auth_b64_encode(d, sizeof d, out);
	ok = strlen(hash + 5) == 28 && auth_ct_eq(out, hash + 5, 28);
	explicit_bzero(d, sizeof d);
	explicit_bzero(out, sizeof out);
	return ok;
}

static int
auth_crypt_check(const char *hash, const char *pass)
{
	struct crypt_data *cd = xcalloc(1, sizeof *cd);
	const char        *out;
	size_t             hl = strlen(hash);
	int                ok = 0;

	out = crypt_rn(pass, hash, cd, (int)sizeof *cd);
	if (out != NULL && strlen(out) == hl)
		ok = auth_ct_eq(out, hash, hl);
	explicit_bzero(cd, sizeof *cd);
	free(cd);
	return ok;
}

int
auth_verify(const struct auth_file *af, const struct auth_entry *e,
    const char *pass, size_t len)
{
	const struct auth_entry *use = e;
	char                    *p;
	int                      ok;

	if (use == NULL) {
		if (af == NULL || af->nusers == 0)
			return 0;
		use = &af->users[0];
	}
	/* crypt(3) stops at a NUL: "secret\0junk" must not pass as "secret". */
	if (len > AUTH_MAX_PASS || memchr(pass, '\0', len) != NULL)
		return 0;
	p = xstrndup(pass, len);
	switch (use->kind) {
	case AUTH_APR1:
		ok = auth_apr1_check(use->hash, p, len);
		break;
	case AUTH_SHA:
		ok = auth_sha_check(use->hash, p, len);
		break;
	default:
		ok = auth_crypt_check(use->hash, p);
		break;
	}
	explicit_bzero(p, len);
	free(p);
	return e != NULL && ok;
}

int
auth_basic_parse(const char *v, size_t len, struct auth_cred *c)
{
	unsigned char buf[AUTH_MAX_USER + 1 + AUTH_MAX_PASS];
	const char   *colon;
	size_t        n, i, ulen;
	int           rv = -1;

	memset(c, 0, sizeof *c);
	while (len > 0 && (*v == ' ' || *v == '\t'))
		v++, len--;
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (len < 6 || !fd_strncaseeq(v, 5, "Basic", 5) ||
	    (v[5] != ' ' && v[5] != '\t'))
		return -1;
	v += 5, len -= 5;
	while (len > 0 && (*v == ' ' || *v == '\t'))
		v++, len--;
	if (auth_b64_decode(v, len, buf, sizeof buf, &n) != 0)
		goto out;
	if ((colon = memchr(buf, ':', n)) == NULL)
		goto out;
	ulen = (size_t)((const unsigned char *)colon - buf);
	if (ulen == 0 || ulen > AUTH_MAX_USER || n - ulen - 1 > AUTH_MAX_PASS)
		goto out;
	for (i = 0; i < ulen; i++) {
		if (buf[i] < 0x20 || buf[i] == 0x7f)
			goto out;
	}
	memcpy(c->user, buf, ulen);
	c->user[ulen] = '\0';
	c->user_len = ulen;
	memcpy(c->pass, buf + ulen + 1, n - ulen - 1);
	c->pass[n - ulen - 1] = '\0';
	c->pass_len = n - ulen - 1;
	rv = 0;
out:
	explicit_bzero(buf, sizeof buf);
	if (rv != 0)
		auth_cred_wipe(c);
	return rv;
}

void
auth_cred_wipe(struct auth_cred *c)
{
	explicit_bzero(c, sizeof *c);
}

static int
auth_entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct auth_entry *)a)->user,
	    ((const struct auth_entry *)b)->user);
}

/* By name, then by line: a user listed twice is reported where it repeats. */
static int
auth_entry_cmp_line(const void *a, const void *b)
{
	const struct auth_entry *x = a, *y = b;
	int                      c = strcmp(x->user, y->user);

	return c != 0 ? c : (x->line > y->line) - (x->line < y->line);
}

const struct auth_entry *
auth_find(const struct auth_file *af, const char *user, size_t len)
{
	struct auth_entry key;
	char              name[AUTH_MAX_USER + 1];

	if (af == NULL || len == 0 || len > AUTH_MAX_USER ||
	    memchr(user, '\0', len) != NULL)
		return NULL;
	memcpy(name, user, len);
	name[len] = '\0';
	key.user = name;
	return bsearch(&key, af->users, af->nusers, sizeof *af->users,
	    auth_entry_cmp);
}

size_t
auth_file_users(const struct auth_file *af)
{
	return af != NULL ? af->nusers : 0;
}

void
auth_file_free(struct auth_file *af)
{
	size_t i;

	if (af == NULL)
		return;
	for (i = 0; i < af->nusers; i++) {
		free(af->users[i].user);
		explicit_bzero(af->users[i].hash, strlen(af->users[i].hash));
		free(af->users[i].hash);
	}
	free(af->users);
	pthread_mutex_destroy(&af->lock);
	explicit_bzero(af->key, sizeof af->key);
	free(af->cache);
	free(af);
}

static void __attribute__((format(printf, 6, 7))) auth_report(auth_report_fn fn,
    void *arg, int warn, const char *file, int line, const char *fmt, ...)
{
	char    msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (fn != NULL)
		fn(arg, warn, file, line, msg);
}

/* What kind of hash s is, or -1 with why filled. */
static int
auth_kind_of(const char *s, const char **why)
{
	size_t n = strlen(s), i;
	int    cs;

	if (strncmp(s, "$apr1$", 6) == 0) {
		const char *end = strchr(s + 6, '$');

		if (end == NULL || end == s + 6 || end - (s + 6) > 8 ||
		    strlen(end + 1) != 22 ||
		    strspn(end + 1, itoa64) != strlen(end + 1)) {
			*why = "malformed $apr1$ hash";
			return -1;
		}
		return AUTH_APR1;
	}
	if (strncmp(s, "{SHA}", 5) == 0) {
		if (n != 5 + 28 || strspn(s + 5, b64) < 27 || s[n - 1] != '=') {
			*why = "malformed {SHA} hash";
			return -1;
		}
		return AUTH_SHA;
	}
	if (strncmp(s, "$2y$", 4) == 0 || strncmp(s, "$2b$", 4) == 0 ||
	    strncmp(s, "$2a$", 4) == 0 || strncmp(s, "$5$", 3) == 0 ||
	    strncmp(s, "$6$", 3) == 0 || strncmp(s, "$1$", 3) == 0 ||
	    strncmp(s, "$y$", 3) == 0) {
		/* bcrypt: $2y$NN$ and 53 characters, cost 04 to 31. */
		if (s[1] == '2' &&
		    (n != 60 || s[4] < '0' || s[4] > '3' || s[5] < '0' ||
		        s[5] > '9' || s[6] != '$' ||
		        (s[4] - '0') * 10 + (s[5] - '0') < 4 ||
		        (s[4] - '0') * 10 + (s[5] - '0') > 31)) {
			*why = "malformed bcrypt hash";
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (!strchr(itoa64, s[i]) && s[i] != '$' &&
			    s[i] != '=' && s[i] != ',') {
				*why = "malformed hash";
				return -1;
			}
		}
		cs = crypt_checksalt(s);
		if (cs != CRYPT_SALT_OK && cs != CRYPT_SALT_METHOD_LEGACY &&
		    cs != CRYPT_SALT_TOO_CHEAP) {
			*why = cs == CRYPT_SALT_METHOD_DISABLED ?
			    "hash method disabled in this libcrypt" :
			    "malformed hash";
			return -1;
		}
		return AUTH_CRYPT;
	}
	*why = "plain-text (or DES-crypt) password refused, expected a hash "
	       "such as htpasswd -B makes (bcrypt)";
	return -1;
}

struct auth_file *
auth_file_load(const char *path, auth_report_fn fn, void *arg)
{
	struct auth_file *af;
	const char       *why;
	char             *data = NULL, *p, *nl, *colon;
	size_t            len = 0, i, cap = 0;
	int               line = 0, errors = 0, kind, rv;

	if ((rv = file_read(path, AUTH_MAX_FILE, &data, &len, NULL)) != 0) {
		auth_report(fn, arg, 0, path, 0, "%s",
		    rv == -EFBIG ?
		        "file too large, expected at most 16 MiB" :
		        rv == -EINVAL || rv == -EISDIR ?
		        "not a regular file, expected an htpasswd file" :
		        strerror(-rv));
		return NULL;
	}
	af = xcalloc(1, sizeof *af);
	for (p = data; p < data + len; p = nl + 1) {
		line++;
		if ((nl = memchr(p, '\n', (size_t)(data + len - p))) == NULL)
			nl = data + len;
		if (memchr(p, '\0', (size_t)(nl - p)) != NULL) {
			auth_report(fn, arg, 0, path, line,
			    "NUL byte in line, expected USER:HASH");
			errors++;
			continue;
		}
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		if ((colon = strchr(p, ':')) == NULL || colon == p) {
			auth_report(fn, arg, 0, path, line,
			    "expected USER:HASH");
			errors++;
			continue;
		}
		*colon = '\0';
		if (strlen(p) > AUTH_MAX_USER) {
			auth_report(fn, arg, 0, path, line,
			    "user name longer than %d bytes", AUTH_MAX_USER);
			errors++;
			continue;
		}
		if (strchr(colon + 1, ':') != NULL) {
			auth_report(fn, arg, 0, path, line,
			    "user \"%.100s\": more than one ':', expected "
			    "USER:HASH (an htdigest file?)",
			    p);
			errors++;
			continue;
		}
		if ((kind = auth_kind_of(colon + 1, &why)) < 0) {
			auth_report(fn, arg, 0, path, line,
			    "user \"%.100s\": %s", p, why);
			errors++;
			continue;
		}
		if (kind == AUTH_SHA)
			auth_report(fn, arg, 1, path, line,
			    "user \"%.100s\": {SHA} is unsalted SHA-1, accepted "
			    "but weak; set a new password with htpasswd -B",
			    p);
		if (af->nusers == AUTH_MAX_USERS) {
			auth_report(fn, arg, 0, path, line,
			    "more than %d users", AUTH_MAX_USERS);
			errors++;
			break;
		}
		if (af->nusers == cap) {
			cap = cap ? cap * 2 : 16;
			af->users =
			    xreallocarray(af->users, cap, sizeof *af->users);
		}
		af->users[af->nusers].user = xstrdup(p);
		af->users[af->nusers].hash = xstrdup(colon + 1);
		af->users[af->nusers].kind = kind;
		af->users[af->nusers].line = line;
		af->nusers++;
	}
	explicit_bzero(data, len);
	free(data);
	if (af->nusers > 1)
		qsort(af->users, af->nusers, sizeof *af->users,
		    auth_entry_cmp_line);
	for (i = 1; i < af->nusers; i++) {
		if (strcmp(af->users[i - 1].user, af->users[i].user) == 0) {
			auth_report(fn, arg, 0, path, af->users[i].line,
			    "user \"%.100s\" listed twice (first at line %d), "
			    "expected each user once",
			    af->users[i].user, af->users[i - 1].line);
			errors++;
		}
	}
	pthread_mutex_init(&af->lock, NULL);
	af->cache = xcalloc(AUTH_CACHE_SIZE, sizeof *af->cache);
	if (getrandom(af->key, sizeof af->key, 0) != sizeof af->key) {
		auth_report(fn, arg, 0, path, 0,
		    "no random bytes for the credential cache key");
		errors++;
	}
	if (errors != 0) {
		auth_file_free(af);
		return NULL;
	}
	return af;
}

static int
auth_cache_mac(const struct auth_file *af, const struct auth_cred *c,
    unsigned char mac[32])
{
	unsigned char buf[AUTH_MAX_USER + 1 + AUTH_MAX_PASS];
	int           rv;

	memcpy(buf, c->user, c->user_len);
	buf[c->user_len] = '\0';
	memcpy(buf + c->user_len + 1, c->pass, c->pass_len);
	rv = tls_hmac_sha256(af->key, sizeof af->key, buf,
	    c->user_len + 1 + c->pass_len, mac);
	explicit_bzero(buf, sizeof buf);
	return rv;
}

static size_t
auth_cache_index(const unsigned char mac[32])
{
	return ((size_t)mac[0] | (size_t)mac[1] << 8 | (size_t)mac[2] << 16) %
	    AUTH_CACHE_SIZE;
}

int
auth_cache_get(struct auth_file *af, const struct auth_cred *c, uint64_t now_ms)
{
	struct auth_slot *s;
	unsigned char     mac[32];
	int               hit;

	if (af == NULL || auth_cache_mac(af, c, mac) != 0)
		return 0;
	s = &af->cache[auth_cache_index(mac)];
	pthread_mutex_lock(&af->lock);
	hit = s->expires_ms > now_ms && auth_ct_eq(s->mac, mac, sizeof mac);
	pthread_mutex_unlock(&af->lock);
	return hit;
}

void
auth_cache_put(struct auth_file *af, const struct auth_cred *c, uint64_t now_ms)
{
	struct auth_slot *s;
	unsigned char     mac[32];

	if (af == NULL || auth_cache_mac(af, c, mac) != 0)
		return;
	s = &af->cache[auth_cache_index(mac)];
	pthread_mutex_lock(&af->lock);
	memcpy(s->mac, mac, sizeof mac);
	s->expires_ms = now_ms + AUTH_CACHE_MS;
	pthread_mutex_unlock(&af->lock);
}
