/* SPDX-License-Identifier: ISC */
/* frontdoor.ini: parse, validate and hold one immutable configuration. */
#ifndef FD_CONFIG_H
#define FD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "parse.h"

struct auth_file;
struct geoip;
struct route;
struct tls_server;

enum log_format {
	LOG_FORMAT_COMBINED = 0,
	LOG_FORMAT_JSON,
};

enum balance {
	BALANCE_ROUND_ROBIN = 0,
	BALANCE_LEAST_CONN,
	BALANCE_IP_HASH,
};

struct listen_conf {
	struct fd_addr addr;
	char           text[ADDR_STRLEN]; /* as formatted by addr_format */
};

/*
 * A certificate or key file named in the configuration.  file and line say
 * where it was set, for the TLS layer's "FILE:LINE: ..." reports (tls.h).
 */
struct tls_file_conf {
	char *path; /* NULL when unset; relative paths resolved against the
	               directory of the file that set it */
	char *file;
	int   line;
};

struct backend_conf {
	struct fd_addr addr;
	char           name[ADDR_STRLEN]; /* "127.0.0.1:8080", "[::1]:8080" */
	unsigned       id; /* stats and runtime state: stats_assign() */
};

/*
 * One request_header or response_header line: set name to value (its
 * variables expanded when the head is built), or, value NULL, remove it.
 */
struct header_rule {
	char  *name; /* a token, as written */
	size_t name_len;
	char  *value; /* checked at load; NULL: "-Name" */
	size_t value_len;
	int    vars; /* value holds a '$' */
};

/* A route's rules for one direction, in the order the lines stand. */
struct header_rules {
	struct header_rule *v;
	size_t              n;
};

/* The most rules a route has per key, and the longest value after the name. */
#define HEADER_RULES_MAX      64
#define HEADER_RULE_VALUE_MAX 1024

struct route_conf {
	char *name;
	/*
	 * Lower-cased, trailing dot and port removed.  A wildcard is kept as
	 * "*.example.com".  nhosts == 0: any host.
	 */
	char **hosts;
	size_t nhosts;
	char  *path; /* starts with '/', no trailing '/' unless "/" */
	size_t path_len;
	int    strip_path;
	struct backend_conf *backends;
	size_t               nbackends;
	uint64_t             connect_timeout_ms; /* default 5s */
	uint64_t             backend_timeout_ms; /* default 60s */
	uint64_t backend_read_timeout_ms; /* between body reads; default 10m */
	uint64_t max_body_size;           /* default 100m; 0 = unlimited */
	int      preserve_host;           /* default yes */
	int      websocket;               /* default yes */
	int      enabled;                 /* default yes */
	enum balance         balance;     /* default round_robin */
	char                *health_path; /* NULL: no active checks */
	uint64_t             health_interval_ms; /* default 5s */
	unsigned             fail_threshold;     /* default 3 */
	char                *maintenance_page;   /* path, or NULL */
	char                *maintenance_body;   /* its contents */
	size_t               maintenance_len;
	struct tls_file_conf tls_cert; /* both set or neither */
	struct tls_file_conf tls_key;
	int                  https_redirect; /* default no */
	/*
	 * redirect: the route answers redirect_code with this Location, the
	 * request's path and query after it when redirect_keep (it names no
	 * path of its own); NULL: it proxies.
	 */
	char             *redirect;
	size_t            redirect_len;
	unsigned          redirect_code; /* default 308 */
	int               redirect_keep;
	struct cidr      *allow;
	size_t            nallow;
	struct cidr      *deny;
	size_t            ndeny;
	char             *allow_countries; /* "DENL": 2 letters each */
	size_t            nallow_countries;
	char             *deny_countries;
	size_t            ndeny_countries;
	struct auth_file *auth;             /* loaded auth_file, or NULL */
	char             *auth_file;        /* its path */
	char             *auth_realm;       /* default: the route name */
	char             *auth_header;      /* the WWW-Authenticate line */
	uint64_t          rate_interval_us; /* 0: no rate_limit */
	unsigned          rate_burst;
	int               compress;          /* default no */
	char             *compress_types;    /* NULL: the default list */
	uint64_t          compress_min_size; /* default 256 */
	uint64_t          cache_size;        /* bytes; 0 = no cache */
	int cache_ignore_cookies;      /* default yes: Cookie does not bypass */
	struct header_rules req_rules; /* request_header, toward the backend */
	struct header_rules resp_rules; /* response_header, toward the client */
	int                 security_headers; /* default no */
	char               *file;             /* where [route NAME] stands */
	int                 line;
	size_t              index; /* position in config->routes */
	unsigned            id;    /* stats and runtime state: stats_assign() */
};

struct config {
	int      refs;       /* atomic: config_ref/config_unref */
	uint64_t generation; /* set by the caller that installs it */
	char    *path;       /* the main file as given */

	struct listen_conf *listen_http;
	size_t              nlisten_http;
	char               *user;    /* NULL when not set */
	unsigned            workers; /* "auto" resolved to the CPU count */
	char               *control_socket;
	char               *control_group; /* NULL when not set */
	char               *state_file;
	char               *access_log; /* path, "-" (stdout) or NULL for off */
	enum log_format     access_log_format;
	char               *error_log; /* "stderr", "syslog" or a path */
	int                 log_level; /* enum log_level */
	struct cidr        *trusted_proxies;
	size_t              ntrusted_proxies;
	uint64_t            max_connections;     /* default 10000 */
	uint64_t            header_timeout_ms;   /* default 10s */
	uint64_t            idle_timeout_ms;     /* default 75s */
	uint64_t            shutdown_timeout_ms; /* default 30s */
	uint64_t            max_header_size;     /* default 16k */
	uint64_t            max_uri_size;        /* default 8k */
	unsigned            max_headers;         /* header count limit, 100 */
	char               *geoip_db;            /* path, or NULL */
	struct geoip       *geoip;               /* opened by config_load() */
	unsigned            ban_after;           /* default 10; 0 = no bans */
	uint64_t            ban_window_ms;       /* default 10m */
	uint64_t            ban_time_ms;         /* default 1h */

	/* HTTPS; checked against the certificates by tls_server_new(). */
	struct listen_conf  *listen_https; /* none unless set */
	size_t               nlisten_https;
	struct tls_file_conf tls_cert; /* [tls] cert/key: the default */
	struct tls_file_conf tls_key;
	int                  tls_min_version;      /* 12 (default) or 13 */
	char                *tls_min_version_file; /* where set, or NULL */
	int                  tls_min_version_line;
	uint64_t             hsts_max_age; /* seconds; 0 = no header */
	int                  tls_any_cert; /* [tls] or some route has one */
	/* Set by the caller from tls_server_new(); released with the config. */
	struct tls_server *tls;

	struct route_conf *routes;
	size_t             nroutes;
	struct route      *router; /* built by route_build(), see route.h */
};

/* A list of "FILE:LINE: message" strings gathered while loading. */
struct config_errors {
	char **msgs;
	size_t n;
};
void config_errors_free(struct config_errors *);

/*
 * Read, validate and build a configuration from path (and its includes).
 * Returns a config with one reference, or NULL with every problem in errs
 * (each "FILE:LINE: message"; LINE is 0 for problems with no line, such as
 * a missing file).  Does file I/O: never call it on an event loop's thread.
 * Does not open certificate or key files (they belong to the TLS layer:
 * tls_server_new() loads and checks them, and reports min_version = 1.3
 * when the mbedTLS at hand cannot do it).
 */
struct config *config_load(const char *path, struct config_errors *errs);

/* Reference counting; safe across threads.  config_unref(NULL) is a no-op. */
struct config *config_ref(struct config *);
void           config_unref(struct config *);

/* Look a route up by name; NULL if none. */
const struct route_conf *config_route(const struct config *, const char *name);

/*
 * Call cb with each key the configuration takes and its section
 * ("frontdoor", "tls" or "route"), in the order of the key table: what
 * frontdoor.ini(5) must describe.
 */
void
config_keys_each(void (*cb)(const char *section, const char *key, void *arg),
    void *arg);

#endif
