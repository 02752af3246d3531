/* SPDX-License-Identifier: ISC */
/* The gate: who may pass a route (addresses, countries, bans, rates, auth). */

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "ban.h"
#include "config.h"
#include "gate.h"
#include "geoip.h"
#include "log.h"
#include "stream.h"
#include "rate.h"
#include "util.h"

/*
 * The order of the checks is fixed (frontdoor.ini(5)): IP rules, country,
 * ban, rate limit, auth; the exchange then looks at the route's state.
 * Cheap refusals come first, so that a banned or limited client never
 * costs a password check.
 */

/*
 * Password checks waiting, per worker; past it: 503.  At most
 * GATE_POOL_SHARE of a worker's checks are on the thread pool at once,
 * the rest wait here in order: the pool has GATE_POOL_SHARE threads a
 * worker and two more (main.c), so a flood of wrong passwords never
 * keeps the access log's and the state file's writes waiting behind it.
 */
#define GATE_MAX_PENDING 1024

/* A password check on the thread pool. */
struct gate_job {
	uv_work_t                req;
	struct gate_req         *g;   /* NULL once the request is gone */
	struct config           *cfg; /* held: af lives in it */
	struct auth_file        *af;
	const struct auth_entry *entry; /* NULL: unknown user */
	struct auth_cred         cred;
	int                      family;
	uint8_t                  addr[16];
	int                      ok;
	struct gate_job         *next; /* waiting for a pool thread */
};

/* Each worker's loop runs on its own thread: its jobs, and those waiting. */
static __thread unsigned         gate_pending, gate_running;
static __thread struct gate_job *gate_wait_head, **gate_wait_tail;

/* The client address (frontdoor.ini(5), trusted_proxies) as bytes and as a socket address. */
static void
gate_client(const struct gate_req *g, union sockaddr_any *sa, int *family,
    uint8_t *addr)
{
	memset(sa, 0, sizeof *sa);
	if (inet_pton(AF_INET, g->client_ip, &sa->sin.sin_addr) == 1) {
		sa->sin.sin_family = AF_INET;
		*family = AF_INET;
		memcpy(addr, &sa->sin.sin_addr, 4);
	} else if (inet_pton(AF_INET6, g->client_ip, &sa->sin6.sin6_addr) ==
	    1) {
		sa->sin6.sin6_family = AF_INET6;
		*family = AF_INET6;
		memcpy(addr, &sa->sin6.sin6_addr, 16);
	} else {
		/* client_ip always parses; the peer is the fallback anyway. */
		*sa = *g->peer;
		if (sa->sa.sa_family == AF_INET) {
			*family = AF_INET;
			memcpy(addr, &sa->sin.sin_addr, 4);
		} else {
			*family = AF_INET6;
			memcpy(addr, &sa->sin6.sin6_addr, 16);
		}
	}
}

/* deny beats allow; with an allow list only its addresses may enter. */
static int
gate_ip_ok(const struct route_conf *r, int family, const uint8_t *addr)
{
	size_t i;

	for (i = 0; i < r->ndeny; i++) {
		if (cidr_match(&r->deny[i], family, addr))
			return 0;
	}
	if (r->nallow == 0)
		return 1;
	for (i = 0; i < r->nallow; i++) {
		if (cidr_match(&r->allow[i], family, addr))
			return 1;
	}
	return 0;
}

static int
gate_country_in(const char *list, size_t n, const char *cc)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (list[2 * i] == cc[0] && list[2 * i + 1] == cc[1])
			return 1;
	}
	return 0;
}

/* An unknown country ("": LAN, loopback, not in the database) passes. */
static int
gate_country_ok(const struct route_conf *r, const char *cc)
{
	if (cc[0] == '\0')
		return 1;
	if (gate_country_in(r->deny_countries, r->ndeny_countries, cc))
		return 0;
	return r->nallow_countries == 0 ||
	    gate_country_in(r->allow_countries, r->nallow_countries, cc);
}

/*
 * A user name as the client sent it, for the error log: quoted, with
 * spaces, quotes, backslashes and every byte outside printable ASCII as
 * \xNN, so it can neither pose as other words of the line nor reach a
 * terminal as a control sequence.
 */
static void
gate_user_text(const char *user, char *out, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t            o = 0;
	unsigned char     c;

	out[o++] = '"';
	for (; (c = (unsigned char)*user) != '\0' && o + 6 < len; user++) {
		if (c > 0x20 && c < 0x7f && c != '"' && c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		out[o++] = '\\';
		out[o++] = 'x';
		out[o++] = hex[c >> 4];
		out[o++] = hex[c & 15];
	}
	out[o++] = '"';
	out[o] = '\0';
}

/* A wrong or malformed credential: 401, and one more toward a ban. */
static void
gate_auth_failed(struct gate_req *g, int family, const uint8_t *addr,
    const char *user)
{
	const struct config *cfg = g->cfg;
	char                 text[AUTH_MAX_USER * 4 + 8];
	int                  banned;

	if (user != NULL)
		gate_user_text(user, text, sizeof text);
	log_info("request %s: client %s: wrong credentials%s%s", g->id,
	    g->client_ip, user != NULL ? " for user " : "",
	    user != NULL ? text : "");
	banned = ban_fail(family, addr, cfg->ban_after, cfg->ban_window_ms,
	    cfg->ban_time_ms, fd_wall_us() / 1000);
	if (banned != 0)
		log_warn("client %s banned%s for %llu s after %u failed auth "
		         "attempts",
		    g->client_ip,
		    family == AF_INET6 && strchr(g->client_ip, '.') == NULL ?
		        " (its /64)" :
		        "",
		    (unsigned long long)(cfg->ban_time_ms / 1000),
		    cfg->ban_after);
	if (banned == 48 || banned == 32)
		log_warn("client %s: %d of the /%d networks of its /%d are "
		         "banned; the /%d is banned for %llu s",
		    g->client_ip, BAN_WIDEN_AFTER, banned == 48 ? 64 : 48,
		    banned, banned,
		    (unsigned long long)(cfg->ban_time_ms / 1000));
	g->deny(g->data, 401, "auth", g->route->auth_header);
}

static void
gate_work(uv_work_t *req)
{
	struct gate_job *j = req->data;

	j->ok = auth_verify(j->af, j->entry, j->cred.pass, j->cred.pass_len);
}

static void gate_work_done(uv_work_t *, int);

static void
gate_job_free(struct gate_job *j)
{
	auth_cred_wipe(&j->cred);
	config_unref(j->cfg);
	free(j);
}

/* Waiting checks onto the pool while this worker's share has room. */
static void
gate_run(uv_loop_t *loop)
{
	struct gate_job *j;
	struct gate_req *g;

	while (gate_running < GATE_POOL_SHARE && (j = gate_wait_head) != NULL) {
		if ((gate_wait_head = j->next) == NULL)
			gate_wait_tail = &gate_wait_head;
		if ((g = j->g) == NULL) {
			gate_pending--; /* its client left while it waited */
			gate_job_free(j);
			continue;
		}
		/* Banned while it waited (a check before it failed): no hash. */
		if (ban_check(j->family, j->addr, fd_wall_us() / 1000) != 0) {
			gate_pending--;
			g->job = NULL;
			gate_job_free(j);
			g->deny(g->data, 403, "ban", NULL);
			continue;
		}
		if (uv_queue_work(loop, &j->req, gate_work, gate_work_done) !=
		    0) {
			gate_pending--;
			g->job = NULL;
			gate_job_free(j);
			g->deny(g->data, 503, "busy", "Retry-After: 1\r\n");
			continue;
		}
		gate_running++;
	}
}

static void
gate_work_done(uv_work_t *req, int status)
{
	struct gate_job *j = req->data;
	struct gate_req *g = j->g;
	uv_loop_t       *loop = req->loop;

	gate_pending--;
	gate_running--;
	if (g != NULL) {
		g->job = NULL;
		if (status == 0 && j->ok) {
			auth_cache_put(j->af, &j->cred, uv_now(loop));
			g->done(g->data, j->cred.user);
		} else
			gate_auth_failed(g, j->family, j->addr, j->cred.user);
	}
	gate_job_free(j);
	/* After this answer: a ban it made spares the checks waiting. */
	gate_run(loop);
}

/* Basic auth: at once from the cache, else on the thread pool. */
static enum gate_result
gate_auth(struct gate_req *g, const struct http_request *req, int family,
    const uint8_t *addr)
{
	const struct route_conf  *r = g->route;
	const struct http_header *h = NULL;
	const struct auth_entry  *e;
	struct gate_job          *j;
	size_t                    i, n = 0;

	for (i = 0; i < req->nheaders; i++) {
		if (fd_strncaseeq(req->headers[i].name,
		        req->headers[i].name_len, "Authorization", 13)) {
			h = &req->headers[i];
			n++;
		}
	}
	if (n == 0) {
		/* A browser's first try: asking is no failure. */
		g->deny(g->data, 401, "auth", r->auth_header);
		return GATE_DENY;
	}
	j = xcalloc(1, sizeof *j);
	if (n > 1 || auth_basic_parse(h->value, h->value_len, &j->cred) != 0) {
		free(j);
		gate_auth_failed(g, family, addr, NULL);
		return GATE_DENY;
	}
	e = auth_find(r->auth, j->cred.user, j->cred.user_len);
	if (e != NULL && auth_cache_get(r->auth, &j->cred, uv_now(g->loop))) {
		g->done(g->data, j->cred.user);
		auth_cred_wipe(&j->cred);
		free(j);
		return GATE_DONE;
	}
	if (gate_pending >= GATE_MAX_PENDING) {
		auth_cred_wipe(&j->cred);
		free(j);
		log_warn(
		    "request %s: %u password checks waiting; answering 503",
		    g->id, gate_pending);
		g->deny(g->data, 503, "busy", "Retry-After: 1\r\n");
		return GATE_DENY;
	}
	j->g = g;
	j->cfg = config_ref(g->cfg);
	j->af = r->auth;
	j->entry = e;
	j->family = family;
	memcpy(j->addr, addr, family == AF_INET ? 4 : 16);
	j->req.data = j;
	if (gate_wait_tail == NULL)
		gate_wait_tail = &gate_wait_head;
	*gate_wait_tail = j;
	gate_wait_tail = &j->next;
	gate_pending++;
	g->job = j;
	gate_run(g->loop);
	return g->job == j ? GATE_PENDING : GATE_DENY;
}

enum gate_result
gate_check(struct gate_req *g, const struct http_request *req)
{
	const struct route_conf *r = g->route;
	const struct config     *cfg = g->cfg;
	static __thread char     retry[48];
	union sockaddr_any       sa;
	uint8_t                  addr[16];
	uint64_t                 wait_us, secs;
	char                     cc[3];
	int                      family;

	gate_client(g, &sa, &family, addr);
	if (cfg->geoip != NULL) {
		geoip_country(cfg->geoip, &sa.sa, cc);
		memcpy(g->country, cc, sizeof cc);
	}
	if (!gate_ip_ok(r, family, addr)) {
		g->deny(g->data, 403, "ip", NULL);
		return GATE_DENY;
	}
	if (!gate_country_ok(r, g->country)) {
		g->deny(g->data, 403, "country", NULL);
		return GATE_DENY;
	}
	if (ban_check(family, addr, fd_wall_us() / 1000) != 0) {
		g->deny(g->data, 403, "ban", NULL);
		return GATE_DENY;
	}
	if (r->rate_interval_us != 0 &&
	    !rate_take(r->id, family, addr, r->rate_interval_us, r->rate_burst,
	        uv_hrtime() / 1000, &wait_us)) {
		/* Whole seconds until a request would pass, at least one. */
		secs = (wait_us + 999999) / 1000000;
		snprintf(retry, sizeof retry, "Retry-After: %llu\r\n",
		    (unsigned long long)(secs < 1 ? 1 : secs));
		g->deny(g->data, 429, "rate", retry);
		return GATE_DENY;
	}
	if (r->auth != NULL)
		return gate_auth(g, req, family, addr);
	return GATE_PASS;
}

void
gate_cancel(struct gate_req *g)
{
	struct gate_job *j = g->job;

	/* The job runs on; its answer finds no request and is dropped. */
	if (j != NULL)
		j->g = NULL;
	g->job = NULL;
}
