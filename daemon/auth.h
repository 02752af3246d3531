/* SPDX-License-Identifier: ISC */
/* Basic auth: htpasswd files, Basic credentials, password checks, a cache. */
#ifndef FD_AUTH_H
#define FD_AUTH_H

#include <stddef.h>
#include <stdint.h>

/*
 * One htpasswd file as htpasswd(1) writes it: "USER:HASH" lines with
 * bcrypt ($2y$, $2b$, $2a$), SHA-crypt ($5$, $6$), MD5-crypt ($1$),
 * yescrypt ($y$), Apache's $apr1$, or {SHA} (accepted with a warning).
 * Plain-text (and DES-crypt, which cannot be told from it) entries are
 * refused.  Immutable once loaded but for its credential cache, which
 * locks itself: shared by every worker of a configuration.
 */
struct auth_file;
struct auth_entry;

/* Limits: no file can make the daemon hold more than this. */
#define AUTH_MAX_FILE   (16 * 1024 * 1024)
#define AUTH_MAX_USERS  100000
#define AUTH_MAX_USER   255  /* bytes of a user name */
#define AUTH_MAX_PASS   1024 /* bytes of a password */
#define AUTH_CACHE_SIZE 1024 /* verified credentials kept per file */
#define AUTH_CACHE_MS   (60 * 1000)

/* A problem with the file: warn 0 is an error, 1 a warning. */
typedef void (*auth_report_fn)(void *arg, int warn, const char *file, int line,
    const char *msg);

/*
 * Read and check path.  Returns the file, or NULL after reporting every
 * error (with the file's own FILE:LINE; line 0 when the file as a whole is
 * at fault).  Does file I/O: never on an event loop.
 */
struct auth_file *auth_file_load(const char *path, auth_report_fn, void *arg);
/* NULL is a no-op. */
void   auth_file_free(struct auth_file *);
size_t auth_file_users(const struct auth_file *);

/* Credentials from an Authorization header value. */
struct auth_cred {
	char   user[AUTH_MAX_USER + 1];
	size_t user_len;
	char   pass[AUTH_MAX_PASS + 1];
	size_t pass_len; /* may hold NUL bytes: such a password never matches */
};
/*
 * Parse "Basic BASE64" (scheme case-insensitive, strict base64 with
 * padding, "USER:PASSWORD" inside).  Returns 0, or -1 when malformed (not
 * Basic, bad base64, no colon, empty or overlong user, a NUL or control
 * byte in the user, an overlong password).
 */
int  auth_basic_parse(const char *value, size_t len, struct auth_cred *);
void auth_cred_wipe(struct auth_cred *);

/* The entry for a user name; NULL when the file has none. */
const struct auth_entry *
auth_find(const struct auth_file *, const char *user, size_t len);

/*
 * Check a password against e's hash in constant time.  With e NULL (an
 * unknown user) the file's first hash is checked instead and the answer is
 * always 0, so an unknown user costs what a known one does.  Slow by
 * design (bcrypt): call it on the thread pool only.  1 match, 0 not; a
 * password with a NUL byte never matches.
 */
int auth_verify(const struct auth_file *, const struct auth_entry *,
    const char *pass, size_t len);

/*
 * The credential cache: a verified user and password, remembered for
 * AUTH_CACHE_MS under an HMAC-SHA256 with a key drawn when the file was
 * loaded (never the password itself).  Any thread; now_ms monotonic.
 * It dies with the file, so a reload starts with an empty one.
 */
int
auth_cache_get(struct auth_file *, const struct auth_cred *, uint64_t now_ms);
void
auth_cache_put(struct auth_file *, const struct auth_cred *, uint64_t now_ms);

/* Exposed for the unit tests: Apache's $apr1$ on (pass, salt). */
int auth_apr1(const char *pass, size_t len, const char *salt, size_t saltlen,
    char *out, size_t outlen);

#endif
