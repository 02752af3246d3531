/* SPDX-License-Identifier: ISC */
/* frontdoor.ini: read through inih, check every key, build one config. */

#include <arpa/inet.h>

#include <errno.h>
#include <glob.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include <ini.h>

#include "auth.h"
#include "ban.h"
#include "config.h"
#include "file.h"
#include "geoip.h"
#include "http.h"
#include "log.h"
#include "parse.h"
#include "path.h"
#include "route.h"
#include "tls.h"
#include "util.h"

#define CONFIG_MAX_ERRORS  100
#define CONFIG_MAX_DEPTH   8 /* include nesting */
#define CONFIG_MAX_FILE    (16 * 1024 * 1024)
#define CONFIG_MAX_HEADERS 100
#define CONFIG_MAX_ROWS    80 /* of cfg_keys, all sections */

enum cfg_section {
	CFG_SEC_NONE, /* before the first header */
	CFG_SEC_FRONTDOOR,
	CFG_SEC_TLS,
	CFG_SEC_ROUTE,
	CFG_SEC_SKIP, /* a bad header, already reported */
};

/* Where a key was first set, for duplicate reports. */
struct cfg_seen {
	const char *file;
	int         line;
};

/* One file being read; files nest through include. */
struct cfg_file {
	const char      *path; /* owned by cfg_loader.paths */
	char            *text; /* the whole file, NUL-terminated */
	size_t           len;
	size_t           off;
	int              line;
	int              depth;
	struct cfg_file *parent;
};

/* Per-route bookkeeping that the finished config does not keep. */
struct cfg_route_state {
	struct cfg_seen seen[CONFIG_MAX_ROWS]; /* parallel to cfg_keys */
};

struct cfg_loader {
	struct config        *cf;
	struct config_errors *errs;
	size_t                nerrs;
	int                   stop; /* error cap reached */

	char           **paths; /* every file read, as named */
	char           **real;  /* the same, by realpath */
	size_t           npaths;
	struct cfg_file *cur;

	enum cfg_section        sec;
	size_t                  route; /* index when CFG_SEC_ROUTE */
	struct cfg_seen         seen[CONFIG_MAX_ROWS]; /* [frontdoor], [tls] */
	const struct cfg_key   *key;                   /* the row being set */
	struct listen_conf    **listen; /* the list cfg_listen_item fills */
	size_t                 *nlisten;
	struct cfg_route_state *rstate; /* parallel to cf->routes */

	char why[512];  /* set by a key's setter */
	int  list_deny; /* which list cfg_cidr_item/cfg_country_item fill */
};

/* A setter stores the value, or fills why and returns -1. */
typedef int (*cfg_setter)(struct cfg_loader *, const char *);

/* What a key's value is, and what its offset in cfg_keys points at. */
enum cfg_type {
	CFG_BOOL,     /* int: yes/no, true/false, on/off, 1/0 */
	CFG_UINT,     /* unsigned, from min to max */
	CFG_UINT64,   /* uint64_t, from min to max */
	CFG_DURATION, /* uint64_t milliseconds, from min to max */
	CFG_SIZE,     /* uint64_t bytes, from min to max */
	CFG_STRING,   /* char *, not empty; freed with the config */
	CFG_CHOICE,   /* int: the index of the value in choices */
	CFG_PEM,      /* struct tls_file_conf: a certificate or key file */
	CFG_CUSTOM,   /* the setter alone knows where the value goes */
};

#define CFG_KEY_LATER  0x1 /* belongs to a later version: rejected */
#define CFG_KEY_REPEAT 0x2 /* may appear more than once */
#define CFG_KEY_CERT   0x4 /* setting it configures a certificate */

/*
 * One key of frontdoor.ini (nginx's ngx_command_t, tmux's options table).
 * The value lands at off in its section's struct: struct config for
 * [frontdoor] and [tls], struct route_conf for [route NAME].  A row with a
 * setter is parsed by it (a CFG_CUSTOM row only by it); any other by its
 * type's, within min and max.  def is the default as frontdoor.ini would
 * spell it, set through the same parser before the section is read; NULL
 * leaves the field zero.  expected ends "bad value ..., expected ..."
 * errors; a setter that words its own errors may leave it NULL.
 */
struct cfg_key {
	const char        *name;
	enum cfg_section   sec;
	enum cfg_type      type;
	size_t             off;
	uint64_t           min, max;
	const char        *def;
	const char        *expected;
	cfg_setter         set;
	const char *const *choices; /* CFG_CHOICE: NULL-terminated */
	int                flags;
};

static void cfg_parse_file(struct cfg_loader *, const char *, int);

static void __attribute__((format(printf, 4, 5)))
cfg_error_at(struct cfg_loader *l, const char *file, int line, const char *fmt,
    ...)
{
	struct config_errors *e = l->errs;
	va_list               ap;
	char                 *msg;

	if (l->stop)
		return;
	if (++l->nerrs >= CONFIG_MAX_ERRORS) {
		l->stop = 1;
		msg = xasprintf("%s:%d: too many errors (%d), stopping here",
		    file, line, CONFIG_MAX_ERRORS);
	} else {
		va_start(ap, fmt);
		if (vasprintf(&msg, fmt, ap) == -1)
			msg = NULL;
		va_end(ap);
		if (msg == NULL)
			msg = xstrdup("out of memory");
		else {
			char *full = xasprintf("%s:%d: %s", file, line, msg);

			free(msg);
			msg = full;
		}
	}
	if (e == NULL) {
		free(msg);
		return;
	}
	e->msgs = xreallocarray(e->msgs, e->n + 1, sizeof *e->msgs);
	e->msgs[e->n++] = msg;
}

static void
cfg_error_raw(struct cfg_loader *l, const char *msg)
{
	struct config_errors *e = l->errs;

	if (l->stop)
		return;
	if (++l->nerrs >= CONFIG_MAX_ERRORS)
		l->stop = 1;
	if (e == NULL)
		return;
	e->msgs = xreallocarray(e->msgs, e->n + 1, sizeof *e->msgs);
	e->msgs[e->n++] = xstrdup(msg);
}

#define cfg_error(l, ...)                                                      \
	cfg_error_at((l), (l)->cur->path, (l)->cur->line, __VA_ARGS__)

/* Set why for a value that does not parse. */
static int
cfg_expect(struct cfg_loader *l, const char *value, const char *expected)
{
	snprintf(l->why, sizeof l->why, "bad value \"%.100s\", expected %s",
	    value, expected);
	return -1;
}

/* The same with the expected text of the row being set. */
static int
cfg_bad(struct cfg_loader *l, const char *value)
{
	return cfg_expect(l, value, l->key->expected);
}

/* What file_read() refused, for "expected a regular file of at most ...". */
static const char *
cfg_file_refused(int rv)
{
	switch (rv) {
	case -EFBIG:
		return "file too large";
	case -EISDIR:
		return "a directory";
	case -EINVAL:
		return "not a regular file";
	default:
		return NULL;
	}
}

static void
cfg_section_name(struct cfg_loader *l, char *buf, size_t len)
{
	switch (l->sec) {
	case CFG_SEC_FRONTDOOR:
		snprintf(buf, len, "[frontdoor]");
		break;
	case CFG_SEC_TLS:
		snprintf(buf, len, "[tls]");
		break;
	case CFG_SEC_ROUTE:
		snprintf(buf, len, "[route %s]", l->cf->routes[l->route].name);
		break;
	default:
		snprintf(buf, len, "[]");
		break;
	}
}

static struct route_conf *
cfg_route(struct cfg_loader *l)
{
	return &l->cf->routes[l->route];
}

/* Replace a string value, freeing the previous one. */
static void
cfg_setstr(char **p, const char *value)
{
	free(*p);
	*p = xstrdup(value);
}

/* A list item as a NUL-terminated copy. */
static char *
cfg_item(const char *item, size_t len)
{
	return xstrndup(item, len);
}

/* [frontdoor] setters. */

static int
cfg_listen_item(const char *item, size_t len, void *arg)
{
	struct cfg_loader *l = arg;
	struct fd_addr     a;
	char              *s = cfg_item(item, len), text[ADDR_STRLEN];
	size_t             i;

	if (parse_hostport(s, 1, &a) != 0) {
		cfg_expect(l, s,
		    "[addr]:port such as :80, "
		    "192.168.1.2:80 or [::]:80");
		free(s);
		return -1;
	}
	addr_format((struct sockaddr *)&a.ss, text, sizeof text);
	for (i = 0; i < *l->nlisten; i++) {
		if (strcmp((*l->listen)[i].text, text) == 0) {
			snprintf(l->why, sizeof l->why,
			    "%s listed twice, "
			    "expected each address once",
			    text);
			free(s);
			return -1;
		}
	}
	*l->listen =
	    xreallocarray(*l->listen, *l->nlisten + 1, sizeof **l->listen);
	(*l->listen)[*l->nlisten].addr = a;
	snprintf((*l->listen)[*l->nlisten].text, sizeof(*l->listen)[0].text,
	    "%s", text);
	(*l->nlisten)++;
	free(s);
	return 0;
}

/* The value replaces the list, the default included. */
static int
cfg_listen(struct cfg_loader *l, struct listen_conf **list, size_t *n,
    const char *v)
{
	free(*list);
	*list = NULL;
	*n = 0;
	l->listen = list;
	l->nlisten = n;
	if (parse_list(v, cfg_listen_item, l) != 0)
		return -1;
	if (*n == 0)
		return cfg_bad(l, v);
	return 0;
}

static int
cfg_set_listen_http(struct cfg_loader *l, const char *v)
{
	return cfg_listen(l, &l->cf->listen_http, &l->cf->nlisten_http, v);
}

static int
cfg_set_listen_https(struct cfg_loader *l, const char *v)
{
	return cfg_listen(l, &l->cf->listen_https, &l->cf->nlisten_https, v);
}

static int
cfg_set_user(struct cfg_loader *l, const char *v)
{
	struct passwd pw, *res = NULL;
	char         *tmp;
	long          sz;
	int           rc;

	if (*v == '\0')
		return cfg_bad(l, v);
	if ((sz = sysconf(_SC_GETPW_R_SIZE_MAX)) < 16384)
		sz = 16384;
	tmp = xmalloc((size_t)sz);
	rc = getpwnam_r(v, &pw, tmp, (size_t)sz, &res);
	free(tmp);
	if (rc != 0 || res == NULL) {
		snprintf(l->why, sizeof l->why,
		    "no such user \"%.100s\"%s%s, "
		    "expected an existing user name",
		    v, rc != 0 ? ": " : "", rc != 0 ? strerror(rc) : "");
		return -1;
	}
	cfg_setstr(&l->cf->user, v);
	return 0;
}

static int
cfg_set_workers(struct cfg_loader *l, const char *v)
{
	uint64_t n;
	long     ncpu;

	if (strcmp(v, "auto") == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		l->cf->workers = ncpu < 1 ? 1 :
		    ncpu > 256            ? 256 :
		                            (unsigned)ncpu;
		return 0;
	}
	if (parse_uint(v, 1, 256, &n) != 0)
		return cfg_bad(l, v);
	l->cf->workers = (unsigned)n;
	return 0;
}

static int
cfg_set_control_socket(struct cfg_loader *l, const char *v)
{
	struct sockaddr_un sun;

	if (*v != '/' || strlen(v) >= sizeof sun.sun_path) {
		snprintf(l->why, sizeof l->why,
		    "bad value \"%.100s\", "
		    "expected an absolute path shorter than %zu bytes",
		    v, sizeof sun.sun_path);
		return -1;
	}
	cfg_setstr(&l->cf->control_socket, v);
	return 0;
}

static int
cfg_set_control_group(struct cfg_loader *l, const char *v)
{
	struct group gr, *res = NULL;
	char        *tmp;
	long         sz;
	int          rc;

	if (*v == '\0')
		return cfg_bad(l, v);
	if ((sz = sysconf(_SC_GETGR_R_SIZE_MAX)) < 65536)
		sz = 65536;
	tmp = xmalloc((size_t)sz);
	rc = getgrnam_r(v, &gr, tmp, (size_t)sz, &res);
	free(tmp);
	if (rc != 0 || res == NULL) {
		snprintf(l->why, sizeof l->why,
		    "no such group \"%.100s\"%s%s, "
		    "expected an existing group name",
		    v, rc != 0 ? ": " : "", rc != 0 ? strerror(rc) : "");
		return -1;
	}
	cfg_setstr(&l->cf->control_group, v);
	return 0;
}

static int
cfg_set_access_log(struct cfg_loader *l, const char *v)
{
	if (*v == '\0')
		return cfg_bad(l, v);
	free(l->cf->access_log);
	l->cf->access_log = strcmp(v, "off") == 0 ? NULL : xstrdup(v);
	return 0;
}

static int
cfg_set_log_level(struct cfg_loader *l, const char *v)
{
	int level;

	if ((level = log_level_parse(v)) == -1)
		return cfg_bad(l, v);
	l->cf->log_level = level;
	return 0;
}

static int
cfg_trusted_item(const char *item, size_t len, void *arg)
{
	struct cfg_loader *l = arg;
	struct config     *cf = l->cf;
	struct cidr        c;
	char              *s = cfg_item(item, len);

	if (parse_cidr(s, &c) != 0) {
		cfg_bad(l, s);
		free(s);
		return -1;
	}
	cf->trusted_proxies = xreallocarray(cf->trusted_proxies,
	    cf->ntrusted_proxies + 1, sizeof *cf->trusted_proxies);
	cf->trusted_proxies[cf->ntrusted_proxies++] = c;
	free(s);
	return 0;
}

/* An empty value is allowed: it trusts no proxy at all. */
static int
cfg_set_trusted_proxies(struct cfg_loader *l, const char *v)
{
	free(l->cf->trusted_proxies);
	l->cf->trusted_proxies = NULL;
	l->cf->ntrusted_proxies = 0;
	return parse_list(v, cfg_trusted_item, l) != 0 ? -1 : 0;
}

/* The database is opened here, so -t and a reload report it at its line. */
static int
cfg_set_geoip_db(struct cfg_loader *l, const char *v)
{
	char why[256];

	if (*v == '\0')
		return cfg_bad(l, v);
	if ((l->cf->geoip = geoip_open(v, why, sizeof why)) == NULL) {
		snprintf(l->why, sizeof l->why,
		    "\"%.200s\": %.150s, expected a readable MaxMind DB (.mmdb) "
		    "file such as GeoLite2-Country.mmdb",
		    v, why);
		return -1;
	}
	cfg_setstr(&l->cf->geoip_db, v);
	return 0;
}

/* glob(3)'s error callback has no argument: keep its report per thread. */
static __thread int cfg_glob_errno;

/*
 * A directory that does not exist just matches nothing; one that cannot be
 * read is an error, not a silent gap in the configuration.
 */
static int
cfg_glob_error(const char *path, int error)
{
	(void)path;
	if (error == ENOENT || error == ENOTDIR)
		return 0;
	cfg_glob_errno = error;
	return 1;
}

static int
cfg_set_include(struct cfg_loader *l, const char *v)
{
	struct cfg_file *f = l->cur;
	enum cfg_section sec;
	glob_t           g;
	char            *pattern, *slash;
	size_t           i, route;
	int              rc;

	if (*v == '\0')
		return cfg_bad(l, v);
	/* A relative pattern is relative to the including file. */
	if (*v != '/' && (slash = strrchr(f->path, '/')) != NULL)
		pattern =
		    xasprintf("%.*s/%s", (int)(slash - f->path), f->path, v);
	else
		pattern = xstrdup(v);

	memset(&g, 0, sizeof g);
	cfg_glob_errno = 0;
	rc = glob(pattern, 0, cfg_glob_error, &g);
	if (rc == GLOB_NOMATCH) {
		/* A pattern may match nothing; a plain file name must exist. */
		if (strpbrk(v, "*?[") != NULL) {
			free(pattern);
			return 0;
		}
		snprintf(l->why, sizeof l->why,
		    "\"%.200s\": cannot open: %s, "
		    "expected an existing file or a glob pattern",
		    pattern, strerror(ENOENT));
		free(pattern);
		return -1;
	}
	if (rc != 0) {
		snprintf(l->why, sizeof l->why,
		    "cannot read \"%.200s\": %s, "
		    "expected a readable file or directory",
		    pattern,
		    rc == GLOB_NOSPACE ?
		        "out of memory" :
		        strerror(cfg_glob_errno != 0 ? cfg_glob_errno : EIO));
		globfree(&g);
		free(pattern);
		return -1;
	}
	/*
	 * Each file starts in the includer's section, as if its text stood
	 * here, but the section it ends in does not leak into the next file
	 * or into the lines after the include: "include = a\ninclude = b"
	 * must not read the second line as a key of a's last route.
	 */
	sec = l->sec;
	route = l->route;
	for (i = 0; i < g.gl_pathc && !l->stop; i++) {
		cfg_parse_file(l, g.gl_pathv[i], f->depth + 1);
		l->sec = sec;
		l->route = route;
	}
	globfree(&g);
	free(pattern);
	return 0;
}

/* [tls] and the TLS keys of routes: names and values only, no file I/O. */

static void
cfg_tls_file_free(struct tls_file_conf *t)
{
	free(t->path);
	free(t->file);
}

/* A certificate or key path; a relative one is taken from the setting file. */
static int
cfg_tls_file(struct cfg_loader *l, struct tls_file_conf *t, const char *v)
{
	const char *slash;

	if (*v == '\0')
		return cfg_bad(l, v);
	free(t->path);
	free(t->file);
	if (*v != '/' && (slash = strrchr(l->cur->path, '/')) != NULL)
		t->path = xasprintf("%.*s/%s", (int)(slash - l->cur->path),
		    l->cur->path, v);
	else
		t->path = xstrdup(v);
	t->file = xstrdup(l->cur->path);
	t->line = l->cur->line;
	return 0;
}

static int
cfg_set_tls_min_version(struct cfg_loader *l, const char *v)
{
	struct config *cf = l->cf;

	if (strcmp(v, "1.2") == 0)
		cf->tls_min_version = 12;
	else if (strcmp(v, "1.3") == 0)
		cf->tls_min_version = 13;
	else
		return cfg_bad(l, v);
	return 0;
}

/* Seconds for Strict-Transport-Security's max-age; durations work too. */
static int
cfg_set_hsts(struct cfg_loader *l, const char *v)
{
	uint64_t ms;

	if (parse_duration_ms(v, &ms) != 0 || ms % 1000 != 0 ||
	    ms / 1000 > 0x7fffffff)
		return cfg_bad(l, v);
	l->cf->hsts_max_age = ms / 1000;
	return 0;
}

/* [route NAME] setters. */

static int
cfg_hostname_ok(const char *s)
{
	size_t label = 0, total = 0;

	for (; *s != '\0'; s++, total++) {
		if (*s == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		        *s == '-' || *s == '_'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return label > 0 && total <= 253;
}

/* Normalise one host: lower case, no port, no trailing dot.  NULL if bad. */
static char *
cfg_host_normalise(const char *item, size_t len)
{
	char           *s = cfg_item(item, len), *p, *end;
	struct in6_addr a6;

	for (p = s; *p != '\0'; p++)
		*p = (char)fd_tolower((unsigned char)*p);

	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL)
			goto bad;
		if (end[1] == ':' && end[2] != '\0' &&
		    strspn(end + 2, "0123456789") == strlen(end + 2))
			end[1] = '\0';
		if (end[1] != '\0')
			goto bad;
		*end = '\0';
		if (inet_pton(AF_INET6, s + 1, &a6) != 1)
			goto bad;
		*end = ']';
		return s;
	}

	if ((p = strchr(s, ':')) != NULL) {
		if (p[1] == '\0' ||
		    strspn(p + 1, "0123456789") != strlen(p + 1))
			goto bad;
		*p = '\0';
	}
	len = strlen(s);
	if (len > 1 && s[len - 1] == '.')
		s[--len] = '\0';
	if (strncmp(s, "*.", 2) == 0) {
		if (!cfg_hostname_ok(s + 2))
			goto bad;
	} else if (!cfg_hostname_ok(s))
		goto bad;
	return s;
bad:
	free(s);
	return NULL;
}

static int
cfg_host_item(const char *item, size_t len, void *arg)
{
	struct cfg_loader *l = arg;
	struct route_conf *r = cfg_route(l);
	char              *h;
	size_t             i;

	if ((h = cfg_host_normalise(item, len)) == NULL) {
		snprintf(l->why, sizeof l->why,
		    "bad host \"%.*s\", expected "
		    "a host name (letters, digits, '-', '.'), *.domain, "
		    "[IPv6], or no value for any host",
		    (int)MIN(len, 100), item);
		return -1;
	}
	for (i = 0; i < r->nhosts; i++) {
		if (strcmp(r->hosts[i], h) == 0) {
			snprintf(l->why, sizeof l->why,
			    "host %s listed "
			    "twice, expected each host once",
			    h);
			free(h);
			return -1;
		}
	}
	r->hosts = xreallocarray(r->hosts, r->nhosts + 1, sizeof *r->hosts);
	r->hosts[r->nhosts++] = h;
	return 0;
}

static int
cfg_set_host(struct cfg_loader *l, const char *v)
{
	return parse_list(v, cfg_host_item, l) != 0 ? -1 : 0;
}

static int
cfg_set_path(struct cfg_loader *l, const char *v)
{
	struct route_conf *r = cfg_route(l);
	const char        *p, *why = NULL;
	char              *canon;
	size_t             len;
	ssize_t            n;
	int                rc;

	if (*v != '/')
		return cfg_bad(l, v);
	for (p = v; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '?' ||
		    *p == '#')
			return cfg_expect(l, v,
			    "a path without spaces, "
			    "control characters, '?' or '#'");
	}
	len = strlen(v);
	while (len > 1 && v[len - 1] == '/')
		len--;
	/*
	 * Requests are routed on their canonical path: a prefix spelt
	 * otherwise ("/%61dmin", "/a/../admin") would match nothing, and its
	 * gate would guard nothing.
	 */
	canon = xmalloc(len + 1);
	n = path_normalise(v, len, canon, 0, &why);
	if (n < 0 || (size_t)n != len || memcmp(canon, v, len) != 0) {
		(void)why;
		rc = n < 0 ?
		    cfg_expect(l, v,
		        "a path with one reading (no '..' above the "
		        "root, '\\', '#', bad or control escapes)") :
		    cfg_expect(l, v,
		        "a path in canonical form (no dot segments, "
		        "repeated '/' or encoded unreserved characters)");
		free(canon);
		return rc;
	}
	free(canon);
	free(r->path);
	r->path = xstrndup(v, len);
	r->path_len = len;
	return 0;
}

static int
cfg_backend_item(const char *item, size_t len, void *arg)
{
	struct cfg_loader   *l = arg;
	struct route_conf   *r = cfg_route(l);
	struct backend_conf *b;
	struct fd_addr       a;
	char                *s = cfg_item(item, len), name[ADDR_STRLEN];
	size_t               i;

	if (parse_hostport(s, 0, &a) != 0) {
		cfg_expect(l, s,
		    "a numeric host:port or [v6]:port such as "
		    "127.0.0.1:8080");
		free(s);
		return -1;
	}
	free(s);
	addr_format((struct sockaddr *)&a.ss, name, sizeof name);
	for (i = 0; i < r->nbackends; i++) {
		if (strcmp(r->backends[i].name, name) == 0) {
			snprintf(l->why, sizeof l->why,
			    "%s listed twice, "
			    "expected each backend once",
			    name);
			return -1;
		}
	}
	r->backends =
	    xreallocarray(r->backends, r->nbackends + 1, sizeof *r->backends);
	b = &r->backends[r->nbackends++];
	b->addr = a;
	snprintf(b->name, sizeof b->name, "%s", name);
	return 0;
}

static int
cfg_set_backends(struct cfg_loader *l, const char *v)
{
	if (parse_list(v, cfg_backend_item, l) != 0)
		return -1;
	if (cfg_route(l)->nbackends == 0)
		return cfg_bad(l, v);
	return 0;
}

static int
cfg_set_health_path(struct cfg_loader *l, const char *v)
{
	struct route_conf *r = cfg_route(l);
	const char        *p;

	if (*v != '/')
		return cfg_bad(l, v);
	for (p = v; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return cfg_expect(l, v,
			    "a path without spaces or control characters");
	}
	if (strlen(v) > 1024)
		return cfg_expect(l, v, "a path of at most 1024 bytes");
	free(r->health_path);
	r->health_path = xstrdup(v);
	return 0;
}

#define CFG_MAX_PAGE (1024 * 1024)

/* The page is read now, so a reload that cannot read it fails whole. */
static int
cfg_set_maintenance_page(struct cfg_loader *l, const char *v)
{
	struct route_conf *r = cfg_route(l);
	char              *data;
	size_t             len;
	int                rv;

	if ((rv = file_read(v, CFG_MAX_PAGE, &data, &len, NULL)) != 0) {
		if (cfg_file_refused(rv) != NULL)
			snprintf(l->why, sizeof l->why,
			    "\"%.200s\": expected a regular "
			    "file of at most %d MiB",
			    v, CFG_MAX_PAGE >> 20);
		else
			snprintf(l->why, sizeof l->why,
			    "\"%.200s\": %s, expected a "
			    "readable HTML file",
			    v, strerror(-rv));
		return -1;
	}
	free(r->maintenance_page);
	free(r->maintenance_body);
	r->maintenance_page = xstrdup(v);
	r->maintenance_body = data;
	r->maintenance_len = len;
	return 0;
}

/* The longest redirect target taken. */
#define CFG_MAX_REDIRECT 2048

static int cfg_set_typed(struct cfg_loader *, const struct cfg_key *, void *,
    const char *);

/* The port after a host (past an IPv6 literal's ']'), if any, is 1..65535. */
static int
cfg_redirect_port_ok(const char *host, size_t n)
{
	const char   *end = host + n, *c = NULL, *p;
	unsigned long port = 0;

	for (p = host; p < end; p++) {
		if (*p == ']')
			c = NULL;
		else if (*p == ':' && *host != '[')
			c = p;
		else if (*p == ':' && p > host && p[-1] == ']')
			c = p;
	}
	if (c == NULL)
		return 1;
	for (p = c + 1; p < end; p++)
		port = port * 10 + (unsigned long)(*p - '0');
	return port >= 1 && port <= 65535;
}

/*
 * An absolute http or https URL: a host as a Host field may name it, then
 * a path of visible characters or nothing (the request's is kept).
 */
static int
cfg_set_redirect(struct cfg_loader *l, const char *v)
{
	struct route_conf *r = cfg_route(l);
	const char        *host, *p;
	size_t             len = strlen(v);

	if (strncmp(v, "https://", 8) == 0)
		host = v + 8;
	else if (strncmp(v, "http://", 7) == 0)
		host = v + 7;
	else
		host = NULL;
	for (p = host; p != NULL && *p != '\0' && *p != '/'; p++)
		;
	if (host == NULL || len > CFG_MAX_REDIRECT ||
	    !http_host_valid(host, (size_t)(p - host)) ||
	    !cfg_redirect_port_ok(host, (size_t)(p - host))) {
		snprintf(l->why, sizeof l->why,
		    "\"%.200s\": expected an http:// or https:// URL with a "
		    "host name or address and a port from 1 to 65535, at "
		    "most %d bytes",
		    v, CFG_MAX_REDIRECT);
		return -1;
	}
	for (; *p != '\0'; p++) {
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f) {
			snprintf(l->why, sizeof l->why,
			    "\"%.200s\": a space or control character in the "
			    "path, expected it percent-encoded",
			    v);
			return -1;
		}
	}
	free(r->redirect);
	r->redirect = xstrdup(v);
	r->redirect_len = len;
	/* No path of its own: the request's follows. */
	r->redirect_keep = strchr(host, '/') == NULL;
	return 0;
}

static int
cfg_set_redirect_code(struct cfg_loader *l, const char *v)
{
	struct route_conf *r = cfg_route(l);

	if (cfg_set_typed(l, l->key, &r->redirect_code, v) != 0)
		return -1;
	switch (r->redirect_code) {
	case 301:
	case 302:
	case 303:
	case 307:
	case 308:
		return 0;
	default:
		snprintf(l->why, sizeof l->why,
		    "bad value \"%.100s\", expected 301, 302, 303, 307 or 308",
		    v);
		return -1;
	}
}

/* The gate's keys. */

static int
cfg_cidr_item(const char *item, size_t len, void *arg)
{
	struct cfg_loader *l = arg;
	struct route_conf *r = cfg_route(l);
	struct cidr        c, **list;
	size_t            *n;
	char              *s = cfg_item(item, len);

	if (parse_cidr(s, &c) != 0) {
		cfg_bad(l, s);
		free(s);
		return -1;
	}
	free(s);
	list = l->list_deny ? &r->deny : &r->allow;
	n = l->list_deny ? &r->ndeny : &r->nallow;
	*list = xreallocarray(*list, *n + 1, sizeof **list);
	(*list)[(*n)++] = c;
	return 0;
}

static int
cfg_set_allow(struct cfg_loader *l, const char *v)
{
	l->list_deny = 0;
	return parse_list(v, cfg_cidr_item, l) != 0 ? -1 : 0;
}

static int
cfg_set_deny(struct cfg_loader *l, const char *v)
{
	l->list_deny = 1;
	return parse_list(v, cfg_cidr_item, l) != 0 ? -1 : 0;
}

/* Country codes are kept packed: "DENL" for DE, NL. */
static int
cfg_country_item(const char *item, size_t len, void *arg)
{
	struct cfg_loader *l = arg;
	struct route_conf *r = cfg_route(l);
	char             **list;
	size_t            *n;
	char               cc[2];

	if (len != 2 || !((item[0] | 0x20) >= 'a' && (item[0] | 0x20) <= 'z') ||
	    !((item[1] | 0x20) >= 'a' && (item[1] | 0x20) <= 'z')) {
		snprintf(l->why, sizeof l->why,
		    "bad country \"%.*s\", expected ISO 3166 two-letter "
		    "codes such as DE, NL",
		    (int)MIN(len, 100), item);
		return -1;
	}
	cc[0] = (char)(item[0] & ~0x20);
	cc[1] = (char)(item[1] & ~0x20);
	list = l->list_deny ? &r->deny_countries : &r->allow_countries;
	n = l->list_deny ? &r->ndeny_countries : &r->nallow_countries;
	*list = xrealloc(*list, 2 * (*n + 1) + 1);
	memcpy(*list + 2 * *n, cc, 2);
	(*list)[2 * ++*n] = '\0';
	return 0;
}

static int
cfg_set_allow_countries(struct cfg_loader *l, const char *v)
{
	l->list_deny = 0;
	return parse_list(v, cfg_country_item, l) != 0 ? -1 : 0;
}

static int
cfg_set_deny_countries(struct cfg_loader *l, const char *v)
{
	l->list_deny = 1;
	return parse_list(v, cfg_country_item, l) != 0 ? -1 : 0;
}

/* "10/s" or "600/m": the interval between requests, in microseconds. */
static int
cfg_set_rate_limit(struct cfg_loader *l, const char *v)
{
	struct route_conf *r = cfg_route(l);
	const char        *slash = strchr(v, '/');
	char               num[32];
	uint64_t           n, per;

	if (slash == NULL || (size_t)(slash - v) >= sizeof num ||
	    (strcmp(slash, "/s") != 0 && strcmp(slash, "/m") != 0))
		goto bad;
	memcpy(num, v, (size_t)(slash - v));
	num[slash - v] = '\0';
	if (parse_uint(num, 1, 1000000, &n) != 0)
		goto bad;
	per = slash[1] == 's' ? 1000000 : 60 * 1000000;
	r->rate_interval_us = per / n > 0 ? per / n : 1;
	return 0;
bad:
	return cfg_bad(l, v);
}

/* Problems in an htpasswd file name its own FILE:LINE. */
static void
cfg_auth_report(void *arg, int warn, const char *file, int line,
    const char *msg)
{
	struct cfg_loader *l = arg;

	if (warn)
		log_warn("%s:%d: %s", file, line, msg);
	else if (line == 0)
		cfg_error(l,
		    "[route %s] auth_file: \"%s\": %s, expected a readable "
		    "htpasswd file",
		    cfg_route(l)->name, file, msg);
	else
		cfg_error_at(l, file, line, "%s", msg);
}

/*
 * The file is read now, so that -t checks it and a reload that cannot read
 * it fails whole.  Its errors are reported here, not through why.
 */
static int
cfg_set_auth_file(struct cfg_loader *l, const char *v)
{
	struct route_conf *r = cfg_route(l);
	const char        *slash;
	char              *path;

	if (*v == '\0')
		return cfg_bad(l, v);
	if (*v != '/' && (slash = strrchr(l->cur->path, '/')) != NULL)
		path = xasprintf("%.*s/%s", (int)(slash - l->cur->path),
		    l->cur->path, v);
	else
		path = xstrdup(v);
	free(r->auth_file);
	r->auth_file = path;
	auth_file_free(r->auth);
	r->auth = auth_file_load(path, cfg_auth_report, l);
	return 0;
}

/* The realm goes into a quoted-string: no quotes, backslashes or controls. */
static int
cfg_set_auth_realm(struct cfg_loader *l, const char *v)
{
	const unsigned char *p;

	if (*v == '\0' || strlen(v) > 200)
		goto bad;
	for (p = (const unsigned char *)v; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\')
			goto bad;
	}
	cfg_setstr(&cfg_route(l)->auth_realm, v);
	return 0;
bad:
	return cfg_bad(l, v);
}

/* Compression and the cache. */

/* Media types, kept as one lower-case list such as "text/html,image/svg+xml". */
static int
cfg_type_item(const char *item, size_t len, void *arg)
{
	struct cfg_loader *l = arg;
	struct route_conf *r = cfg_route(l);
	const char        *slash = memchr(item, '/', len);
	size_t             i, old;

	if (slash == NULL || slash == item || (size_t)(slash - item) + 1 == len)
		goto bad;
	for (i = 0; i < len; i++) {
		if (item[i] == '/' ? item + i != slash :
		                     strchr("!#$&-^_.+*", item[i]) == NULL &&
		            !((item[i] | 0x20) >= 'a' &&
		                (item[i] | 0x20) <= 'z') &&
		            !(item[i] >= '0' && item[i] <= '9'))
			goto bad;
	}
	old = r->compress_types != NULL ? strlen(r->compress_types) : 0;
	r->compress_types = xrealloc(r->compress_types, old + len + 2);
	if (old > 0)
		r->compress_types[old++] = ',';
	for (i = 0; i < len; i++)
		r->compress_types[old + i] =
		    (char)(item[i] >= 'A' && item[i] <= 'Z' ? item[i] | 0x20 :
		                                              item[i]);
	r->compress_types[old + len] = '\0';
	return 0;
bad:
	snprintf(l->why, sizeof l->why,
	    "bad media type \"%.*s\", expected type/subtype or type/* such "
	    "as text/html, application/json",
	    (int)MIN(len, 100), item);
	return -1;
}

static int
cfg_set_compress_types(struct cfg_loader *l, const char *v)
{
	struct route_conf *r = cfg_route(l);

	free(r->compress_types);
	r->compress_types = NULL;
	if (parse_list(v, cfg_type_item, l) != 0)
		return -1;
	if (r->compress_types == NULL)
		return cfg_bad(l, v);
	return 0;
}

/* The variables a header rule's value may hold, as "$name". */
static const char *const cfg_header_vars[] = { "client_ip", "request_id",
	"route", "scheme" };

/*
 * Why a rule may not name the field n (lower-cased, '_' read as '-' as
 * backends read it), or NULL: the proxy owns framing, hop-by-hop and
 * identity fields, and Host toward the backend (preserve_host's).
 */
static const char *
cfg_header_owned(const char *n, size_t len, int request)
{
	unsigned flags = http_header_flags(n, len);

	if (flags & HTTP_H_FRAMING)
		return "a framing field, frontdoor frames every message itself";
	if (flags & HTTP_H_HOP_BY_HOP)
		return "a hop-by-hop field, it never crosses the proxy";
	if ((flags & HTTP_H_IDENTITY) ||
	    (len > 12 && memcmp(n, "x-forwarded-", 12) == 0))
		return "an identity field, frontdoor or the gate sets it";
	if (request && len == 4 && memcmp(n, "host", 4) == 0)
		return "preserve_host decides the backend's Host";
	return NULL;
}

/*
 * Check a rule's value: visible ASCII, spaces and tabs, "$$" and the
 * variables of cfg_header_vars.  Returns 0 and sets *vars, or fills why.
 */
static int
cfg_header_value(struct cfg_loader *l, const char *v, size_t len, int *vars)
{
	size_t i, j, k;

	*vars = 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c != '$') {
			if ((c < 0x21 && c != ' ' && c != '\t') || c > 0x7e) {
				snprintf(l->why, sizeof l->why,
				    "\"%.200s\": a control or non-ASCII "
				    "character (0x%02x) in the value, expected "
				    "visible ASCII, spaces and tabs",
				    v, c);
				return -1;
			}
			continue;
		}
		*vars = 1;
		if (i + 1 < len && v[i + 1] == '$') {
			i++;
			continue;
		}
		for (j = i + 1; j < len &&
		     (v[j] == '_' || (v[j] >= 'a' && v[j] <= 'z') ||
		         (v[j] >= 'A' && v[j] <= 'Z') ||
		         (v[j] >= '0' && v[j] <= '9'));
		     j++)
			;
		for (k = 0; k < nitems(cfg_header_vars); k++) {
			if (strlen(cfg_header_vars[k]) == j - i - 1 &&
			    memcmp(cfg_header_vars[k], v + i + 1, j - i - 1) ==
			        0)
				break;
		}
		if (k == nitems(cfg_header_vars)) {
			snprintf(l->why, sizeof l->why,
			    "\"%.200s\": unknown variable \"$%.*s\", expected "
			    "$client_ip, $request_id, $route, $scheme or $$ "
			    "for a $",
			    v, (int)MIN(j - i - 1, 100), v + i + 1);
			return -1;
		}
		i = j - 1;
	}
	return 0;
}

/*
 * "Name: value" sets Name, "-Name" removes it; repeated, in order.  The
 * row's offset is the route's struct header_rules.
 */
static int
cfg_set_header_rule(struct cfg_loader *l, const char *v)
{
	struct header_rules *rs =
	    (struct header_rules *)((char *)cfg_route(l) + l->key->off);
	struct header_rule rule;
	const char        *name = v, *colon, *val = NULL, *why;
	size_t             nl, vl = 0, i;
	char              *low;
	int request = l->key->off == offsetof(struct route_conf, req_rules);
	int vars = 0;

	if (*v == '-') {
		name = v + 1;
		nl = strlen(name);
	} else if ((colon = strchr(v, ':')) != NULL) {
		nl = (size_t)(colon - v);
		for (val = colon + 1; *val == ' ' || *val == '\t'; val++)
			;
		vl = strlen(val);
	} else
		nl = 0; /* neither form */
	if (nl == 0 || !http_is_token(name, nl)) {
		snprintf(l->why, sizeof l->why,
		    "\"%.200s\": expected \"Name: value\" or \"-Name\" with "
		    "Name a field name (letters, digits and !#$%%&'*+-.^_`|~)",
		    v);
		return -1;
	}
	low = xstrndup(name, nl);
	for (i = 0; i < nl; i++)
		low[i] = (char)(low[i] == '_'          ? '-' :
		        low[i] >= 'A' && low[i] <= 'Z' ? low[i] | 0x20 :
		                                         low[i]);
	why = cfg_header_owned(low, nl, request);
	free(low);
	if (why != NULL) {
		snprintf(l->why, sizeof l->why,
		    "%.*s: %s, expected another field name", (int)MIN(nl, 100),
		    name, why);
		return -1;
	}
	if (val != NULL && vl > HEADER_RULE_VALUE_MAX) {
		snprintf(l->why, sizeof l->why,
		    "%.*s: the value is %zu bytes, expected at most %d",
		    (int)MIN(nl, 100), name, vl, HEADER_RULE_VALUE_MAX);
		return -1;
	}
	if (val != NULL && cfg_header_value(l, val, vl, &vars) != 0)
		return -1;
	if (rs->n >= HEADER_RULES_MAX) {
		snprintf(l->why, sizeof l->why,
		    "more than %d rules in the route, expected at most %d",
		    HEADER_RULES_MAX, HEADER_RULES_MAX);
		return -1;
	}
	rule.name = xstrndup(name, nl);
	rule.name_len = nl;
	rule.value = val != NULL ? xstrndup(val, vl) : NULL;
	rule.value_len = vl;
	rule.vars = vars;
	rs->v = xreallocarray(rs->v, rs->n + 1, sizeof *rs->v);
	rs->v[rs->n++] = rule;
	return 0;
}

static void
cfg_header_rules_free(struct header_rules *rs)
{
	size_t i;

	for (i = 0; i < rs->n; i++) {
		free(rs->v[i].name);
		free(rs->v[i].value);
	}
	free(rs->v);
}

/* 0 (off), or at least 64k: one entry may take an eighth. */
static int
cfg_set_cache(struct cfg_loader *l, const char *v)
{
	uint64_t n;

	if (parse_size(v, &n) != 0 || (n != 0 && n < 64 * 1024) ||
	    n > (uint64_t)64 * 1024 * 1024 * 1024)
		return cfg_bad(l, v);
	cfg_route(l)->cache_size = n;
	return 0;
}

#define CF(field) offsetof(struct config, field)
#define RC(field) offsetof(struct route_conf, field)

#define CFG_EXPECT_BOOL     "yes/no, true/false, on/off or 1/0"
#define CFG_EXPECT_DURATION "a duration above zero such as 500ms, 10s, 5m or 1h"
#define CFG_EXPECT_PEM      "a PEM file path"
#define CFG_EXPECT_CIDR                                                        \
	"an address or CIDR prefix such as 192.168.1.0/24 or 2001:db8::/32"

/* CFG_CHOICE stores an enum through an int. */
_Static_assert(sizeof(enum log_format) == sizeof(int), "enum log_format");
_Static_assert(sizeof(enum balance) == sizeof(int), "enum balance");

static const char *const cfg_log_formats[] = {
	[LOG_FORMAT_COMBINED] = "combined",
	[LOG_FORMAT_JSON] = "json",
	NULL,
};

static const char *const cfg_balances[] = {
	[BALANCE_ROUND_ROBIN] = "round_robin",
	[BALANCE_LEAST_CONN] = "least_conn",
	[BALANCE_IP_HASH] = "ip_hash",
	NULL,
};

/*
 * Every key, in the order "unknown key, expected one of" lists a section's
 * keys.  Defaults and bounds are those of frontdoor.ini(5).
 */
static const struct cfg_key cfg_keys[] = {
	/* [frontdoor] */
	{ .name = "listen_http",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_CUSTOM,
	    .def = ":80",
	    .expected = "a list of [addr]:port",
	    .set = cfg_set_listen_http },
	{ .name = "user",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_STRING,
	    .off = CF(user),
	    .expected = "a user name",
	    .set = cfg_set_user },
	{ .name = "workers",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_CUSTOM,
	    .def = "auto",
	    .expected = "auto or a number from 1 to 256",
	    .set = cfg_set_workers },
	/* The setter words its error: the length limit is the platform's. */
	{ .name = "control_socket",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_STRING,
	    .off = CF(control_socket),
	    .def = "/run/frontdoor/control.sock",
	    .set = cfg_set_control_socket },
	{ .name = "control_group",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_STRING,
	    .off = CF(control_group),
	    .expected = "a group name",
	    .set = cfg_set_control_group },
	{ .name = "state_file",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_STRING,
	    .off = CF(state_file),
	    .def = "/var/lib/frontdoor/state.ini",
	    .expected = "a file path" },
	{ .name = "access_log",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_STRING,
	    .off = CF(access_log),
	    .def = "/var/log/frontdoor/access.log",
	    .expected = "a file path, \"-\" or \"off\"",
	    .set = cfg_set_access_log },
	{ .name = "access_log_format",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_CHOICE,
	    .off = CF(access_log_format),
	    .def = "combined",
	    .expected = "combined or json",
	    .choices = cfg_log_formats },
	{ .name = "error_log",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_STRING,
	    .off = CF(error_log),
	    .def = "stderr",
	    .expected = "stderr, syslog or a file path" },
	{ .name = "log_level",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_CUSTOM,
	    .def = "info",
	    .expected = "error, warn, info or debug",
	    .set = cfg_set_log_level },
	/*
	 * Nobody is trusted unless configured (frontdoor.ini(5)): a default of
	 * loopback would let any local process name any client address, and
	 * pass allow rules with it.
	 */
	{ .name = "trusted_proxies",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_CUSTOM,
	    .expected = "an address or CIDR prefix such as 10.0.0.0/8 or "
	                "::1/128",
	    .set = cfg_set_trusted_proxies },
	{ .name = "max_connections",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_UINT64,
	    .off = CF(max_connections),
	    .min = 1,
	    .max = 1000000,
	    .def = "10000",
	    .expected = "a number from 1 to 1000000" },
	{ .name = "header_timeout",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_DURATION,
	    .off = CF(header_timeout_ms),
	    .min = 1,
	    .max = UINT64_MAX,
	    .def = "10s",
	    .expected = CFG_EXPECT_DURATION },
	{ .name = "idle_timeout",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_DURATION,
	    .off = CF(idle_timeout_ms),
	    .min = 1,
	    .max = UINT64_MAX,
	    .def = "75s",
	    .expected = CFG_EXPECT_DURATION },
	{ .name = "shutdown_timeout",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_DURATION,
	    .off = CF(shutdown_timeout_ms),
	    .min = 0,
	    .max = UINT64_MAX,
	    .def = "30s",
	    .expected = "a duration such as 500ms, 30s or 5m" },
	{ .name = "max_header_size",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_SIZE,
	    .off = CF(max_header_size),
	    .min = 1024,
	    .max = 1024 * 1024,
	    .def = "16k",
	    .expected = "a size from 1k to 1m" },
	{ .name = "max_uri_size",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_SIZE,
	    .off = CF(max_uri_size),
	    .min = 1,
	    .max = 1024 * 1024,
	    .def = "8k",
	    .expected = "a size from 1 to 1m, at most max_header_size" },
	{ .name = "include",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_CUSTOM,
	    .expected = "a file name or glob pattern",
	    .set = cfg_set_include,
	    .flags = CFG_KEY_REPEAT },
	{ .name = "listen_https",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_CUSTOM,
	    .expected = "a list of [addr]:port such as :443",
	    .set = cfg_set_listen_https },
	{ .name = "geoip_db",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_STRING,
	    .off = CF(geoip_db),
	    .expected = "a MaxMind DB (.mmdb) file path",
	    .set = cfg_set_geoip_db },
	{ .name = "ban_after",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_UINT,
	    .off = CF(ban_after),
	    .min = 0,
	    .max = 1000000,
	    .def = "10",
	    .expected = "a number from 0 (no bans) to 1000000" },
	{ .name = "ban_window",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_DURATION,
	    .off = CF(ban_window_ms),
	    .min = 1,
	    .max = UINT64_MAX,
	    .def = "10m",
	    .expected = CFG_EXPECT_DURATION },
	{ .name = "ban_time",
	    .sec = CFG_SEC_FRONTDOOR,
	    .type = CFG_DURATION,
	    .off = CF(ban_time_ms),
	    .min = 1,
	    .max = BAN_MAX_MS,
	    .def = "1h",
	    .expected = "a duration above zero up to 3650d, such as 10m, 1h or "
	                "1d" },

	/* [tls]: names and values only, no file I/O. */
	{ .name = "cert",
	    .sec = CFG_SEC_TLS,
	    .type = CFG_PEM,
	    .off = CF(tls_cert),
	    .expected = CFG_EXPECT_PEM,
	    .flags = CFG_KEY_CERT },
	{ .name = "key",
	    .sec = CFG_SEC_TLS,
	    .type = CFG_PEM,
	    .off = CF(tls_key),
	    .expected = CFG_EXPECT_PEM },
	{ .name = "min_version",
	    .sec = CFG_SEC_TLS,
	    .type = CFG_CUSTOM,
	    .def = "1.2",
	    .expected = "1.2 or 1.3",
	    .set = cfg_set_tls_min_version },
	{ .name = "hsts",
	    .sec = CFG_SEC_TLS,
	    .type = CFG_CUSTOM,
	    .expected = "a number of seconds such as 31536000 (or 365d), 0 "
	                "for no Strict-Transport-Security header",
	    .set = cfg_set_hsts },

	/* [route NAME] */
	{ .name = "host",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_CUSTOM,
	    .set = cfg_set_host },
	{ .name = "path",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_CUSTOM,
	    .def = "/",
	    .expected = "a path starting with '/'",
	    .set = cfg_set_path },
	{ .name = "strip_path",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_BOOL,
	    .off = RC(strip_path),
	    .def = "no",
	    .expected = CFG_EXPECT_BOOL },
	{ .name = "backends",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_CUSTOM,
	    .expected = "a list of host:port, at least one",
	    .set = cfg_set_backends },
	{ .name = "connect_timeout",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_DURATION,
	    .off = RC(connect_timeout_ms),
	    .min = 1,
	    .max = UINT64_MAX,
	    .def = "5s",
	    .expected = CFG_EXPECT_DURATION },
	{ .name = "backend_timeout",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_DURATION,
	    .off = RC(backend_timeout_ms),
	    .min = 1,
	    .max = UINT64_MAX,
	    .def = "60s",
	    .expected = CFG_EXPECT_DURATION },
	{ .name = "backend_read_timeout",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_DURATION,
	    .off = RC(backend_read_timeout_ms),
	    .min = 1,
	    .max = UINT64_MAX,
	    .def = "10m",
	    .expected = CFG_EXPECT_DURATION },
	{ .name = "max_body_size",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_SIZE,
	    .off = RC(max_body_size),
	    .min = 0,
	    .max = UINT64_MAX,
	    .def = "100m",
	    .expected = "a size such as 512, 64k, 100m or 1g (0 = unlimited)" },
	{ .name = "preserve_host",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_BOOL,
	    .off = RC(preserve_host),
	    .def = "yes",
	    .expected = CFG_EXPECT_BOOL },
	{ .name = "websocket",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_BOOL,
	    .off = RC(websocket),
	    .def = "yes",
	    .expected = CFG_EXPECT_BOOL },
	{ .name = "enabled",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_BOOL,
	    .off = RC(enabled),
	    .def = "yes",
	    .expected = CFG_EXPECT_BOOL },
	{ .name = "tls_cert",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_PEM,
	    .off = RC(tls_cert),
	    .expected = CFG_EXPECT_PEM,
	    .flags = CFG_KEY_CERT },
	{ .name = "tls_key",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_PEM,
	    .off = RC(tls_key),
	    .expected = CFG_EXPECT_PEM },
	{ .name = "https_redirect",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_BOOL,
	    .off = RC(https_redirect),
	    .def = "no",
	    .expected = CFG_EXPECT_BOOL },
	{ .name = "redirect",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_STRING,
	    .off = RC(redirect),
	    .set = cfg_set_redirect },
	{ .name = "redirect_code",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_UINT,
	    .off = RC(redirect_code),
	    .min = 301,
	    .max = 308,
	    .def = "308",
	    .expected = "301, 302, 303, 307 or 308",
	    .set = cfg_set_redirect_code },
	{ .name = "balance",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_CHOICE,
	    .off = RC(balance),
	    .def = "round_robin",
	    .expected = "round_robin, least_conn or ip_hash",
	    .choices = cfg_balances },
	{ .name = "health_path",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_STRING,
	    .off = RC(health_path),
	    .expected = "a path starting with '/'",
	    .set = cfg_set_health_path },
	{ .name = "health_interval",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_DURATION,
	    .off = RC(health_interval_ms),
	    .min = 1,
	    .max = UINT64_MAX,
	    .def = "5s",
	    .expected = CFG_EXPECT_DURATION },
	{ .name = "fail_threshold",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_UINT,
	    .off = RC(fail_threshold),
	    .min = 1,
	    .max = 100,
	    .def = "3",
	    .expected = "a number from 1 to 100" },
	{ .name = "auth_file",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_STRING,
	    .off = RC(auth_file),
	    .expected = "an htpasswd file path",
	    .set = cfg_set_auth_file },
	{ .name = "auth_realm",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_STRING,
	    .off = RC(auth_realm),
	    .expected = "a name of 1 to 200 characters without quotes, "
	                "backslashes or control characters",
	    .set = cfg_set_auth_realm },
	{ .name = "rate_limit",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_CUSTOM,
	    .expected = "N/s or N/m with N from 1 to 1000000, such as 10/s or "
	                "30/m",
	    .set = cfg_set_rate_limit },
	{ .name = "rate_burst",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_UINT,
	    .off = RC(rate_burst),
	    .min = 1,
	    .max = 1000000,
	    .expected = "a number from 1 to 1000000" },
	{ .name = "allow",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_CUSTOM,
	    .expected = CFG_EXPECT_CIDR,
	    .set = cfg_set_allow },
	{ .name = "deny",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_CUSTOM,
	    .expected = CFG_EXPECT_CIDR,
	    .set = cfg_set_deny },
	{ .name = "allow_countries",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_CUSTOM,
	    .set = cfg_set_allow_countries },
	{ .name = "deny_countries",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_CUSTOM,
	    .set = cfg_set_deny_countries },
	{ .name = "maintenance_page",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_STRING,
	    .off = RC(maintenance_page),
	    .set = cfg_set_maintenance_page },
	{ .name = "compress",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_BOOL,
	    .off = RC(compress),
	    .def = "no",
	    .expected = CFG_EXPECT_BOOL },
	{ .name = "compress_types",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_STRING,
	    .off = RC(compress_types),
	    .expected = "a list of media types",
	    .set = cfg_set_compress_types },
	{ .name = "compress_min_size",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_SIZE,
	    .off = RC(compress_min_size),
	    .min = 0,
	    .max = UINT64_MAX,
	    .def = "256", /* COMPRESS_DEFAULT_MIN_SIZE */
	    .expected = "a size such as 256, 1k or 16k" },
	{ .name = "cache",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_CUSTOM,
	    .expected = "0 (off) or a size from 64k to 64g such as 64m",
	    .set = cfg_set_cache },
	{ .name = "cache_ignore_cookies",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_BOOL,
	    .off = RC(cache_ignore_cookies),
	    .def = "yes",
	    .expected = CFG_EXPECT_BOOL },
	{ .name = "request_header",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_CUSTOM,
	    .off = RC(req_rules),
	    .set = cfg_set_header_rule,
	    .flags = CFG_KEY_REPEAT },
	{ .name = "response_header",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_CUSTOM,
	    .off = RC(resp_rules),
	    .set = cfg_set_header_rule,
	    .flags = CFG_KEY_REPEAT },
	{ .name = "security_headers",
	    .sec = CFG_SEC_ROUTE,
	    .type = CFG_BOOL,
	    .off = RC(security_headers),
	    .def = "no",
	    .expected = CFG_EXPECT_BOOL },
};

_Static_assert(nitems(cfg_keys) <= CONFIG_MAX_ROWS, "CONFIG_MAX_ROWS");

static const char *const cfg_section_names[] = {
	[CFG_SEC_FRONTDOOR] = "frontdoor",
	[CFG_SEC_TLS] = "tls",
	[CFG_SEC_ROUTE] = "route",
};

/* The row of section sec named name, or NULL. */
static const struct cfg_key *
cfg_key_find(enum cfg_section sec, const char *name)
{
	size_t i;

	for (i = 0; i < nitems(cfg_keys); i++) {
		if (cfg_keys[i].sec == sec &&
		    strcmp(cfg_keys[i].name, name) == 0)
			return &cfg_keys[i];
	}
	return NULL;
}

/* Where a section set the key name (line 0: nowhere); seen is its record. */
static const struct cfg_seen *
cfg_seen_of(const struct cfg_seen *seen, enum cfg_section sec, const char *name)
{
	return &seen[cfg_key_find(sec, name) - cfg_keys];
}

/* The field a row names in the section being read. */
static void *
cfg_field(struct cfg_loader *l, const struct cfg_key *k)
{
	char *base =
	    k->sec == CFG_SEC_ROUTE ? (char *)cfg_route(l) : (char *)l->cf;

	return base + k->off;
}

/* The parser of a row's type, within its bounds. */
static int
cfg_set_typed(struct cfg_loader *l, const struct cfg_key *k, void *field,
    const char *v)
{
	uint64_t n = 0;
	size_t   i;

	switch (k->type) {
	case CFG_BOOL:
		return parse_bool(v, field) != 0 ? cfg_bad(l, v) : 0;
	case CFG_UINT:
	case CFG_UINT64:
		if (parse_uint(v, k->min, k->max, &n) != 0)
			return cfg_bad(l, v);
		break;
	case CFG_DURATION:
		if (parse_duration_ms(v, &n) != 0 || n < k->min || n > k->max)
			return cfg_bad(l, v);
		break;
	case CFG_SIZE:
		if (parse_size(v, &n) != 0 || n < k->min || n > k->max)
			return cfg_bad(l, v);
		break;
	case CFG_STRING:
		if (*v == '\0')
			return cfg_bad(l, v);
		cfg_setstr(field, v);
		return 0;
	case CFG_CHOICE:
		for (i = 0; k->choices[i] != NULL; i++) {
			if (strcmp(v, k->choices[i]) == 0) {
				*(int *)field = (int)i;
				return 0;
			}
		}
		return cfg_bad(l, v);
	case CFG_PEM:
		if (k->flags & CFG_KEY_CERT)
			l->cf->tls_any_cert = 1;
		return cfg_tls_file(l, field, v);
	case CFG_CUSTOM:
		return cfg_bad(l, v); /* every such row has a setter */
	}
	if (k->type == CFG_UINT)
		*(unsigned *)field = (unsigned)n;
	else
		*(uint64_t *)field = n;
	return 0;
}

/* Parse and store one value; on failure why says what was wrong. */
static int
cfg_set(struct cfg_loader *l, const struct cfg_key *k, const char *v)
{
	l->key = k;
	l->why[0] = '\0';
	if (k->set != NULL)
		return k->set(l, v);
	return cfg_set_typed(l, k, cfg_field(l, k), v);
}

/* Give the section being started the defaults of its keys. */
static void
cfg_defaults(struct cfg_loader *l, enum cfg_section sec)
{
	const struct cfg_key *k;

	for (k = cfg_keys; k < cfg_keys + nitems(cfg_keys); k++) {
		if (k->sec == sec && k->def != NULL &&
		    cfg_set(l, k, k->def) != 0)
			cfg_error_at(l, l->cf->path, 0,
			    "[%s] %s: bad default \"%s\": %s",
			    cfg_section_names[sec], k->name, k->def, l->why);
	}
}

/* Free what the rows of one section's struct own. */
static void
cfg_free_keys(void *base, enum cfg_section sec)
{
	const struct cfg_key *k;
	void                 *field;

	for (k = cfg_keys; k < cfg_keys + nitems(cfg_keys); k++) {
		if (k->sec != sec)
			continue;
		field = (char *)base + k->off;
		if (k->type == CFG_STRING)
			free(*(char **)field);
		else if (k->type == CFG_PEM)
			cfg_tls_file_free(field);
	}
}

void
config_keys_each(void (*cb)(const char *, const char *, void *), void *arg)
{
	const struct cfg_key *k;

	for (k = cfg_keys; k < cfg_keys + nitems(cfg_keys); k++) {
		if (!(k->flags & CFG_KEY_LATER))
			cb(cfg_section_names[k->sec], k->name, arg);
	}
}

/* The names of the keys this version takes, for "expected one of". */
static void
cfg_key_names(enum cfg_section sec, char *buf, size_t len)
{
	size_t i, off = 0;
	int    w;

	buf[0] = '\0';
	for (i = 0; i < nitems(cfg_keys) && off < len; i++) {
		if (cfg_keys[i].sec != sec ||
		    (cfg_keys[i].flags & CFG_KEY_LATER))
			continue;
		w = snprintf(buf + off, len - off, "%s%s", off ? ", " : "",
		    cfg_keys[i].name);
		if (w < 0)
			break;
		off += (size_t)w;
	}
}

static void
cfg_key(struct cfg_loader *l, struct cfg_seen *seen, const char *name,
    const char *value)
{
	const struct cfg_key *k;
	char                  sec[300], names[600];
	size_t                i;

	cfg_section_name(l, sec, sizeof sec);
	if ((k = cfg_key_find(l->sec, name)) == NULL) {
		cfg_key_names(l->sec, names, sizeof names);
		/* Quoted: it may be any line's text (a key file's), which the
		 * control socket does not repeat. */
		cfg_error(l, "%s \"%.100s\": unknown key, expected one of: %s",
		    sec, name, names);
		return;
	}
	if (k->flags & CFG_KEY_LATER) {
		cfg_error(l, "%s %s: not supported yet by this version", sec,
		    name);
		return;
	}
	i = (size_t)(k - cfg_keys);
	if (!(k->flags & CFG_KEY_REPEAT) && seen[i].line != 0) {
		cfg_error(l,
		    "%s %s: duplicate key (first set at %s:%d), "
		    "expected each key once per section",
		    sec, name, seen[i].file, seen[i].line);
		return;
	}
	seen[i].file = l->cur->path;
	seen[i].line = l->cur->line;
	if (cfg_set(l, k, value) != 0)
		cfg_error(l, "%s %s: %s", sec, name, l->why);
}

/* inih's handler: section is ours (see cfg_reader), inih's may be cut. */
static int
cfg_handler(void *arg, const char *section, const char *name, const char *value)
{
	struct cfg_loader *l = arg;

	(void)section;
	if (l->stop)
		return 1;
	switch (l->sec) {
	case CFG_SEC_NONE:
		cfg_error(l,
		    "\"%.100s\": key outside any section, expected a "
		    "[frontdoor] or [route NAME] header before it",
		    name);
		break;
	case CFG_SEC_SKIP:
		break;
	case CFG_SEC_FRONTDOOR:
	case CFG_SEC_TLS:
		cfg_key(l, l->seen, name, value);
		break;
	case CFG_SEC_ROUTE:
		cfg_key(l, l->rstate[l->route].seen, name, value);
		break;
	}
	return 1;
}

static void
cfg_route_new(struct cfg_loader *l, const char *name)
{
	struct config     *cf = l->cf;
	struct route_conf *r;
	size_t             i;

	if (*name == '\0' ||
	    strspn(name,
	        "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	        "abcdefghijklmnopqrstuvwxyz0123456789_.-") != strlen(name)) {
		cfg_error(l,
		    "[route \"%.100s\"]: bad route name, expected "
		    "[route NAME] with NAME made of A-Z a-z 0-9 _ . -",
		    name);
		l->sec = CFG_SEC_SKIP;
		return;
	}
	for (i = 0; i < cf->nroutes; i++) {
		if (strcmp(cf->routes[i].name, name) == 0) {
			cfg_error(l,
			    "[route %s]: route name already used at "
			    "%s:%d, expected a unique name",
			    name, cf->routes[i].file, cf->routes[i].line);
			l->sec = CFG_SEC_SKIP;
			return;
		}
	}
	cf->routes =
	    xreallocarray(cf->routes, cf->nroutes + 1, sizeof *cf->routes);
	l->rstate =
	    xreallocarray(l->rstate, cf->nroutes + 1, sizeof *l->rstate);
	memset(&l->rstate[cf->nroutes], 0, sizeof *l->rstate);
	r = &cf->routes[cf->nroutes];
	memset(r, 0, sizeof *r);
	r->name = xstrdup(name);
	r->file = xstrdup(l->cur->path);
	r->line = l->cur->line;
	r->index = cf->nroutes;
	l->route = cf->nroutes++;
	l->sec = CFG_SEC_ROUTE;
	cfg_defaults(l, CFG_SEC_ROUTE);
}

static void
cfg_section(struct cfg_loader *l, char *name)
{
	char *p;

	if (strcmp(name, "frontdoor") == 0) {
		l->sec = CFG_SEC_FRONTDOOR;
		return;
	}
	if (strcmp(name, "tls") == 0) {
		l->sec = CFG_SEC_TLS;
		return;
	}
	if (strncmp(name, "route", 5) == 0 &&
	    (name[5] == '\0' || name[5] == ' ' || name[5] == '\t')) {
		for (p = name + 5; *p == ' ' || *p == '\t'; p++)
			;
		cfg_route_new(l, p);
		return;
	}
	cfg_error(l,
	    "\"[%.100s]\": unknown section, expected [frontdoor] or "
	    "[route NAME]",
	    name);
	l->sec = CFG_SEC_SKIP;
}

static int
cfg_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * inih's reader, called once per line, so the line count is ours.  It also
 * takes the jobs inih would do in ways we do not want: it tracks sections
 * itself (inih cuts long names and does not report empty sections), drops
 * leading white space (inih would glue an indented line to the previous
 * value), strips " #" comments as well as " ;" ones, and reports malformed
 * lines here so that every one is reported, not only the first.  inih gets
 * an empty line for anything it need not see.
 */
static char *
cfg_reader(char *str, int num, void *arg)
{
	struct cfg_loader *l = arg;
	struct cfg_file   *f = l->cur;
	const char        *start, *nl;
	char              *s, *p, *end;
	size_t             len;

	if (l->stop || f->off >= f->len)
		return NULL;
	start = f->text + f->off;
	nl = memchr(start, '\n', f->len - f->off);
	len = nl != NULL ? (size_t)(nl - start) : f->len - f->off;
	f->off += len + (nl != NULL);
	f->line++;
	snprintf(str, (size_t)num, "\n");

	if (memchr(start, '\0', len) != NULL) {
		cfg_error(l, "NUL byte in line, expected text");
		return str;
	}
	s = xstrndup(start, len);
	p = s;
	if (f->line == 1 && strncmp(p, "\xef\xbb\xbf", 3) == 0)
		p += 3;
	while (cfg_isspace((unsigned char)*p))
		p++;
	for (end = p; *end != '\0'; end++) {
		if ((*end == '#' || *end == ';') && end > p &&
		    cfg_isspace((unsigned char)end[-1])) {
			*end = '\0';
			break;
		}
	}
	len = strlen(p);
	while (len > 0 && cfg_isspace((unsigned char)p[len - 1]))
		p[--len] = '\0';

	if (*p == '\0' || *p == '#' || *p == ';')
		goto out;
	if (*p == '[') {
		if (p[len - 1] != ']') {
			cfg_error(l,
			    "bad section header \"%.100s\", "
			    "expected [NAME]",
			    p);
			l->sec = CFG_SEC_SKIP;
			goto out;
		}
		p[--len] = '\0';
		while (len > 1 && cfg_isspace((unsigned char)p[len - 1]))
			p[--len] = '\0';
		for (p++; cfg_isspace((unsigned char)*p); p++)
			;
		cfg_section(l, p);
		goto out;
	}
	end = p + strcspn(p, "=:");
	if (*end == '\0') {
		cfg_error(l, "\"%.100s\": expected KEY = VALUE or [SECTION]",
		    p);
		goto out;
	}
	if (end == p) {
		cfg_error(l,
		    "\"%.100s\": missing key name, expected "
		    "KEY = VALUE",
		    p);
		goto out;
	}
	if (len + 2 > (size_t)num) {
		cfg_error(l, "line too long, expected at most %d characters",
		    num - 2);
		goto out;
	}
	snprintf(str, (size_t)num, "%s\n", p);
out:
	free(s);
	return str;
}

/* Read one file (the main one at depth 0) as if it stood at the include. */
static void
cfg_parse_file(struct cfg_loader *l, const char *path, int depth)
{
	struct cfg_file f;
	char           *real;
	size_t          i;
	int             rv;

	if (depth > CONFIG_MAX_DEPTH) {
		cfg_error(l,
		    "include: %s: includes nested too deep, "
		    "expected at most %d levels",
		    path, CONFIG_MAX_DEPTH);
		return;
	}
	memset(&f, 0, sizeof f);
	if ((rv = file_read(path, CONFIG_MAX_FILE, &f.text, &f.len, NULL)) !=
	    0) {
		if (cfg_file_refused(rv) != NULL && l->cur != NULL)
			cfg_error(l,
			    "include: \"%s\": %s, expected a regular file "
			    "of at most %d MiB",
			    path, cfg_file_refused(rv), CONFIG_MAX_FILE >> 20);
		else if (cfg_file_refused(rv) != NULL)
			cfg_error_at(l, path, 0,
			    "%s, expected a regular file of at most %d MiB",
			    cfg_file_refused(rv), CONFIG_MAX_FILE >> 20);
		else if (l->cur != NULL)
			cfg_error(l, "include: \"%s\": cannot open: %s", path,
			    strerror(-rv));
		else
			cfg_error_at(l, path, 0, "cannot open: %s",
			    strerror(-rv));
		return;
	}
	if ((real = realpath(path, NULL)) == NULL)
		real = xstrdup(path);
	for (i = 0; i < l->npaths; i++) {
		if (strcmp(l->real[i], real) == 0) {
			cfg_error(l,
			    "include: %s: already read as %s, "
			    "expected each file once",
			    path, l->paths[i]);
			free(real);
			free(f.text);
			return;
		}
	}
	l->paths = xreallocarray(l->paths, l->npaths + 1, sizeof *l->paths);
	l->real = xreallocarray(l->real, l->npaths + 1, sizeof *l->real);
	l->paths[l->npaths] = xstrdup(path);
	l->real[l->npaths] = real;
	f.path = l->paths[l->npaths++];
	f.depth = depth;
	f.parent = l->cur;
	l->cur = &f;

	rv = ini_parse_stream(cfg_reader, l, cfg_handler, l);
	/* The reader filters what inih would reject, so this is a backstop. */
	if (rv > 0)
		cfg_error_at(l, f.path, rv,
		    "syntax error, expected "
		    "KEY = VALUE or [SECTION]");
	else if (rv < 0)
		cfg_error_at(l, f.path, 0, "cannot parse: %s",
		    rv == -2 ? "out of memory" : "read error");

	l->cur = f.parent;
	free(f.text);
}

/* A cert without its key or the reverse, reported where the one is set. */
static void
cfg_tls_pair(struct cfg_loader *l, const char *sec, const char *cname,
    const struct tls_file_conf *cert, const char *kname,
    const struct tls_file_conf *key)
{
	if (cert->path != NULL && key->path == NULL)
		cfg_error_at(l, cert->file, cert->line,
		    "%s %s: set without %s, expected both or neither", sec,
		    cname, kname);
	else if (key->path != NULL && cert->path == NULL)
		cfg_error_at(l, key->file, key->line,
		    "%s %s: set without %s, expected both or neither", sec,
		    kname, cname);
}

/* TLS rules between keys: pairs, listen_https, https_redirect. */
static void
cfg_finish_tls(struct cfg_loader *l)
{
	struct config         *cf = l->cf;
	struct route_conf     *r;
	const struct cfg_seen *hs;
	char                   sec[300];
	size_t                 i, j;

	cfg_tls_pair(l, "[tls]", "cert", &cf->tls_cert, "key", &cf->tls_key);
	for (i = 0; i < cf->nroutes; i++) {
		r = &cf->routes[i];
		snprintf(sec, sizeof sec, "[route %s]", r->name);
		cfg_tls_pair(l, sec, "tls_cert", &r->tls_cert, "tls_key",
		    &r->tls_key);
	}

	hs = cfg_seen_of(l->seen, CFG_SEC_FRONTDOOR, "listen_https");
	if (cf->nlisten_https != 0 && !cf->tls_any_cert)
		cfg_error_at(l, hs->file, hs->line,
		    "[frontdoor] listen_https: no certificate is configured, "
		    "expected [tls] cert and key, or tls_cert and tls_key "
		    "in a route");
	if (cf->nlisten_https == 0 && cf->tls_any_cert) {
		const struct tls_file_conf *t = &cf->tls_cert;

		for (i = 0; t->path == NULL && i < cf->nroutes; i++)
			t = &cf->routes[i].tls_cert;
		cfg_error_at(l, t->file, t->line,
		    "a certificate is configured but [frontdoor] "
		    "listen_https is not set, expected listen_https = :443 "
		    "or no certificate");
	}
	for (i = 0; i < cf->nlisten_https; i++) {
		for (j = 0; j < cf->nlisten_http; j++) {
			if (strcmp(cf->listen_https[i].text,
			        cf->listen_http[j].text) == 0)
				cfg_error_at(l, hs->file, hs->line,
				    "[frontdoor] listen_https: %s is also in "
				    "listen_http, expected each address in "
				    "one list",
				    cf->listen_https[i].text);
		}
	}
	for (i = 0; i < cf->nroutes; i++) {
		r = &cf->routes[i];
		if (r->https_redirect && cf->nlisten_https == 0) {
			hs = cfg_seen_of(l->rstate[i].seen, CFG_SEC_ROUTE,
			    "https_redirect");
			cfg_error_at(l, hs->file, hs->line,
			    "[route %s] https_redirect: no listen_https is "
			    "configured, expected listen_https in "
			    "[frontdoor] or https_redirect = no",
			    r->name);
		}
	}
}

/* The gate's rules between keys, and what they build from them. */
static void
cfg_finish_gate(struct cfg_loader *l)
{
	struct config         *cf = l->cf;
	struct route_conf     *r;
	const struct cfg_seen *s;
	size_t                 i;

#define SEEN(name) cfg_seen_of(l->rstate[i].seen, CFG_SEC_ROUTE, (name))
	for (i = 0; i < cf->nroutes; i++) {
		r = &cf->routes[i];
		s = SEEN("auth_realm");
		if (r->auth_realm != NULL && r->auth_file == NULL)
			cfg_error_at(l, s->file, s->line,
			    "[route %s] auth_realm: set without auth_file, "
			    "expected auth_file too",
			    r->name);
		if (r->auth != NULL)
			r->auth_header = xasprintf("WWW-Authenticate: Basic "
			                           "realm=\"%s\", "
			                           "charset=\"UTF-8\"\r\n",
			    r->auth_realm != NULL ? r->auth_realm : r->name);
		s = SEEN("rate_burst");
		if (r->rate_burst != 0 && r->rate_interval_us == 0)
			cfg_error_at(l, s->file, s->line,
			    "[route %s] rate_burst: set without rate_limit, "
			    "expected rate_limit too",
			    r->name);
		if (r->rate_interval_us != 0 && r->rate_burst == 0)
			r->rate_burst = r->rate_interval_us >= 1000000 ?
			    1 :
			    (unsigned)(1000000 / r->rate_interval_us);
		if (cf->geoip != NULL)
			continue;
		if (r->nallow_countries != 0) {
			s = SEEN("allow_countries");
			cfg_error_at(l, s->file, s->line,
			    "[route %s] allow_countries: country rules need "
			    "a GeoIP database, expected geoip_db in [frontdoor]",
			    r->name);
		}
		if (r->ndeny_countries != 0) {
			s = SEEN("deny_countries");
			cfg_error_at(l, s->file, s->line,
			    "[route %s] deny_countries: country rules need "
			    "a GeoIP database, expected geoip_db in [frontdoor]",
			    r->name);
		}
	}
#undef SEEN
}

/* Checks that need the whole file: defaults, cross-key rules, routes. */
static void
cfg_finish(struct cfg_loader *l)
{
	struct config         *cf = l->cf;
	struct route_conf     *r;
	const struct cfg_seen *hs, *us, *vs, *bs, *rs, *cs;
	size_t                 i;
	char                   err[1024];

	/* For tls_server_new(), which may find 1.3 beyond the library. */
	vs = cfg_seen_of(l->seen, CFG_SEC_TLS, "min_version");
	if (vs->line != 0) {
		cf->tls_min_version_file = xstrdup(vs->file);
		cf->tls_min_version_line = vs->line;
	}

	hs = cfg_seen_of(l->seen, CFG_SEC_FRONTDOOR, "max_header_size");
	us = cfg_seen_of(l->seen, CFG_SEC_FRONTDOOR, "max_uri_size");
	if (cf->max_uri_size > cf->max_header_size) {
		if (us->line != 0)
			cfg_error_at(l, us->file, us->line,
			    "[frontdoor] "
			    "max_uri_size: %llu is larger than max_header_size "
			    "(%llu), expected at most max_header_size",
			    (unsigned long long)cf->max_uri_size,
			    (unsigned long long)cf->max_header_size);
		else
			cfg_error_at(l, hs->file, hs->line,
			    "[frontdoor] "
			    "max_header_size: %llu is smaller than the default "
			    "max_uri_size (%llu), expected at least that or a "
			    "smaller max_uri_size",
			    (unsigned long long)cf->max_header_size,
			    (unsigned long long)cf->max_uri_size);
	}

	cfg_finish_tls(l);
	cfg_finish_gate(l);

	for (i = 0; i < cf->nroutes; i++) {
		r = &cf->routes[i];
		bs = cfg_seen_of(l->rstate[i].seen, CFG_SEC_ROUTE, "backends");
		rs = cfg_seen_of(l->rstate[i].seen, CFG_SEC_ROUTE, "redirect");
		cs = cfg_seen_of(l->rstate[i].seen, CFG_SEC_ROUTE,
		    "redirect_code");
		if (rs->line != 0 && bs->line != 0)
			cfg_error_at(l, rs->file, rs->line,
			    "[route %s] redirect: the route has backends "
			    "(%s:%d), expected one or the other",
			    r->name, bs->file, bs->line);
		else if (cs->line != 0 && rs->line == 0)
			cfg_error_at(l, cs->file, cs->line,
			    "[route %s] redirect_code: no redirect is set, "
			    "expected redirect = URL beside it",
			    r->name);
		else if (r->nbackends == 0 && bs->line == 0 && rs->line == 0)
			cfg_error_at(l, r->file, r->line,
			    "[route %s] backends: missing required key, "
			    "expected a list of host:port (or a redirect)",
			    r->name);
	}

	/*
	 * Only a clean config gets routed: after a bad host, say, a clash
	 * would be reported against what is left of the route.  route_build's
	 * message already starts with FILE:LINE.
	 */
	if (l->nerrs == 0 && route_build(cf, err, sizeof err) != 0)
		cfg_error_raw(l, err);
}

static void
cfg_free(struct config *cf)
{
	struct route_conf *r;
	size_t             i, j;

	route_free(cf->router);
	tls_server_unref(cf->tls);
	for (i = 0; i < cf->nroutes; i++) {
		r = &cf->routes[i];
		free(r->name);
		for (j = 0; j < r->nhosts; j++)
			free(r->hosts[j]);
		free(r->hosts);
		free(r->path);
		free(r->backends);
		free(r->maintenance_body);
		free(r->allow);
		free(r->deny);
		free(r->allow_countries);
		free(r->deny_countries);
		auth_file_free(r->auth);
		free(r->auth_header);
		free(r->file);
		cfg_header_rules_free(&r->req_rules);
		cfg_header_rules_free(&r->resp_rules);
		cfg_free_keys(r, CFG_SEC_ROUTE);
	}
	free(cf->routes);
	free(cf->path);
	free(cf->listen_http);
	free(cf->listen_https);
	free(cf->tls_min_version_file);
	free(cf->trusted_proxies);
	geoip_close(cf->geoip);
	cfg_free_keys(cf, CFG_SEC_FRONTDOOR);
	cfg_free_keys(cf, CFG_SEC_TLS);
	free(cf);
}

struct config *
config_load(const char *path, struct config_errors *errs)
{
	struct cfg_loader l;
	struct config    *cf;
	size_t            i;

	memset(&l, 0, sizeof l);
	cf = xcalloc(1, sizeof *cf);
	cf->refs = 1;
	cf->path = xstrdup(path);
	cf->max_headers = CONFIG_MAX_HEADERS;
	l.cf = cf;
	l.errs = errs;
	cfg_defaults(&l, CFG_SEC_FRONTDOOR);
	cfg_defaults(&l, CFG_SEC_TLS);
	l.sec = CFG_SEC_NONE;

	cfg_parse_file(&l, path, 0);
	if (!l.stop)
		cfg_finish(&l);

	for (i = 0; i < l.npaths; i++) {
		free(l.paths[i]);
		free(l.real[i]);
	}
	free(l.paths);
	free(l.real);
	free(l.rstate);
	if (l.nerrs != 0) {
		cfg_free(cf);
		return NULL;
	}
	return cf;
}

void
config_errors_free(struct config_errors *errs)
{
	size_t i;

	if (errs == NULL)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->n = 0;
}

struct config *
config_ref(struct config *cf)
{
	if (cf != NULL)
		__atomic_add_fetch(&cf->refs, 1, __ATOMIC_RELAXED);
	return cf;
}

void
config_unref(struct config *cf)
{
	if (cf == NULL)
		return;
	if (__atomic_sub_fetch(&cf->refs, 1, __ATOMIC_ACQ_REL) == 0)
		cfg_free(cf);
}

const struct route_conf *
config_route(const struct config *cf, const char *name)
{
	size_t i;

	for (i = 0; i < cf->nroutes; i++) {
		if (strcmp(cf->routes[i].name, name) == 0)
			return &cf->routes[i];
	}
	return NULL;
}
