/* SPDX-License-Identifier: ISC */
/* The control socket's commands: one table, one handler each. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ban.h"
#include "cache.h"
#include "config.h"
#include "health.h"
#include "ctl-int.h"
#include "json-write.h"
#include "log.h"
#include "parse.h"
#include "stats.h"
#include "switch.h"
#include "util.h"
#include "version.h"
#include "worker.h"

static const char *route_admin_word[] = { "", "enabled", "disabled",
	"maintenance", "draining" };
static const char *backend_admin_word[] = { "", "enabled", "disabled",
	"draining" };

#define CTL_ERROR_MAX 400 /* bytes of one configuration error */

/*
 * A configuration error as the control socket tells it: FILE:LINE: and the
 * message, with what stands between its first and last double quote (a
 * value, a raw line, a key or user name: text of the file, which may itself
 * hold quotes) shown as "..." unless full: only root and the daemon's user
 * see the daemon's own files' text, and nobody that of another file
 * (check FILE).  frontdoord -t shows the text to those who can read it.
 */
static void
ctl_error_json(struct buf *out, const char *msg, int full)
{
	struct buf  b;
	const char *open = strchr(msg, '"'), *close = strrchr(msg, '"');
	size_t      len = open != NULL ? (size_t)(open - msg) : strlen(msg);

	if (full) {
		len = strlen(msg);
		json_str(out, msg,
		    len < 3 * CTL_ERROR_MAX ? len : 3 * CTL_ERROR_MAX);
		return;
	}
	buf_init(&b, 0);
	buf_append(&b, msg, len < CTL_ERROR_MAX ? len : CTL_ERROR_MAX);
	if (open != NULL) {
		buf_puts(&b, "\"...\"");
		if (close != open) {
			len = strlen(close + 1);
			buf_append(&b, close + 1,
			    len < CTL_ERROR_MAX ? len : CTL_ERROR_MAX);
		}
	}
	buf_append(&b, "", 1);
	json_cstr(out, b.data);
	buf_free(&b);
}

static const char *
ctl_route_state(const struct route_conf *r)
{
	enum route_admin a = switch_route_get(r->id);

	if (a == ROUTE_ADMIN_NONE)
		return r->enabled ? "enabled" : "disabled";
	return route_admin_word[a];
}

static const char *
ctl_backend_state(const struct backend_conf *b)
{
	enum backend_admin a = switch_backend_get(b->id);

	struct health_info h;

	if (a == BACKEND_ADMIN_DISABLED || a == BACKEND_ADMIN_DRAINING)
		return backend_admin_word[a];
	health_get(b->id, &h);
	return h.state == HEALTH_DOWN ? "down" : "up";
}

static void
ctl_ms(struct buf *out, const char *key, uint64_t us)
{
	buf_printf(out, ",\"%s\":%.3f", key, us / 1000.0);
}

static void
ctl_status_classes(struct buf *out, const uint64_t *status)
{
	buf_printf(out,
	    "\"status\":{\"1xx\":%llu,\"2xx\":%llu,\"3xx\":%llu,"
	    "\"4xx\":%llu,\"5xx\":%llu}",
	    (unsigned long long)status[1], (unsigned long long)status[2],
	    (unsigned long long)status[3], (unsigned long long)status[4],
	    (unsigned long long)status[5]);
}

static const struct route_conf *
ctl_route(const char *name, char *err, size_t errlen)
{
	const struct route_conf *r = config_route(ctl_ops->config(), name);

	if (r == NULL)
		snprintf(err, errlen, "no such route: %s", name);
	return r;
}

static int
cmd_help(struct ctl_client *cl, const char *tag, char **args, int nargs,
    struct buf *out, char *err, size_t errlen)
{
	const struct ctlcmd *c;
	size_t               i;

	(void)cl, (void)tag, (void)args, (void)nargs, (void)err, (void)errlen;
	for (i = 0; i < CTLCMD_COUNT; i++) {
		c = &ctlcmd_table[i];
		if (c->flags & CTLCMD_CLIENT)
			continue;
		buf_puts(out, "{\"command\":\"");
		buf_puts(out, c->name);
		if (c->sub != NULL)
			buf_printf(out, " %s", c->sub);
		buf_puts(out, "\",\"usage\":");
		json_cstr(out, c->usage);
		buf_printf(out, ",\"admin\":%s,\"help\":",
		    c->flags & CTLCMD_ADMIN ? "true" : "false");
		json_cstr(out, c->help);
		buf_puts(out, "}\n");
	}
	return 0;
}

static int
cmd_status(struct ctl_client *cl, const char *tag, char **args, int nargs,
    struct buf *out, char *err, size_t errlen)
{
	const struct config     *cfg = ctl_ops->config();
	const struct ctl_daemon *d = ctl_ops->daemon();
	struct route_stats       rs, sum;
	double                   ps, pm, rps = 0;
	size_t                   i, j;
	uint64_t                 requests = 0;
	unsigned                 w;

	(void)tag, (void)args, (void)nargs, (void)err, (void)errlen;
	memset(&sum, 0, sizeof sum);
	for (i = 0; i < cfg->nroutes; i++) {
		stats_route_sum(cfg->routes[i].id, &rs);
		for (j = 0; j < 6; j++)
			sum.status[j] += rs.status[j];
		stats_rates(cfg->routes[i].id, &ps, &pm);
		rps += ps;
	}
	for (w = 0; w < stats_nworkers(); w++)
		requests += STATS_GET(stats_worker(w)->requests);
	buf_printf(out,
	    "{\"version\":\"%s\",\"protocol\":%d,\"pid\":%d,"
	    "\"uptime\":%llu,\"config\":",
	    FRONTDOOR_VERSION, CTL_PROTOCOL, (int)getpid(),
	    (unsigned long long)(fd_wall_us() / 1000000 - d->started));
	json_cstr(out, d->config_path);
	buf_printf(out,
	    ",\"generation\":%llu,\"reload\":{\"time\":%llu,"
	    "\"ok\":%s,\"errors\":[",
	    (unsigned long long)cfg->generation,
	    (unsigned long long)d->reload_time,
	    d->reload_ok ? "true" : "false");
	for (i = 0; d->reload_errs != NULL && i < d->reload_errs->n; i++) {
		if (i > 0)
			buf_puts(out, ",");
		ctl_error_json(out, d->reload_errs->msgs[i],
		    ctl_uid_admin(cl->uid));
	}
	buf_printf(out, "]},%s",
	    d->listeners_json != NULL ?
	        d->listeners_json :
	        "\"listeners\":[],\"listeners_https\":[]");
	buf_printf(out,
	    ",\"workers\":%u,\"connections\":%llu,"
	    "\"requests\":%llu,",
	    d->nworkers,
	    (unsigned long long)__atomic_load_n(&worker_total_conns,
	        __ATOMIC_RELAXED),
	    (unsigned long long)requests);
	ctl_status_classes(out, sum.status);
	buf_printf(out,
	    ",\"rps\":%.1f,\"routes\":%zu,\"events_dropped\":%llu}\n", rps,
	    cfg->nroutes, (unsigned long long)stats_events_dropped());
	return 0;
}

/* Requests by the client's country (GeoIP), and the rest as "other". */
static void
ctl_countries(struct buf *out, const struct route_stats *rs)
{
	size_t i;

	buf_puts(out, ",\"countries\":{");
	for (i = 0; i < STATS_COUNTRIES && rs->country[i] != 0; i++)
		buf_printf(out, "%s\"%c%c\":%llu", i > 0 ? "," : "",
		    rs->country[i] >> 8, rs->country[i] & 0xff,
		    (unsigned long long)rs->country_n[i]);
	buf_printf(out, "},\"countries_other\":%llu}\n",
	    (unsigned long long)rs->country_other);
}

/* ,"cache":{...}: the route's cache counters and memory. */
static void
ctl_cache_json(struct buf *out, const struct route_conf *r,
    const struct route_stats *rs)
{
	uint64_t entries, size, max;

	cache_usage(r->id, &entries, &size, &max);
	buf_printf(out,
	    ",\"cache\":{\"hits\":%llu,\"misses\":%llu,\"bypass\":%llu,"
	    "\"bytes\":%llu,\"entries\":%llu,\"size\":%llu,\"max\":%llu}",
	    (unsigned long long)rs->cache[STATS_CACHE_HIT],
	    (unsigned long long)rs->cache[STATS_CACHE_MISS],
	    (unsigned long long)rs->cache[STATS_CACHE_BYPASS],
	    (unsigned long long)rs->cache_bytes, (unsigned long long)entries,
	    (unsigned long long)size,
	    (unsigned long long)(r->cache_size != 0 ? max : 0));
}

static int
cmd_routes(struct ctl_client *cl, const char *tag, char **args, int nargs,
    struct buf *out, char *err, size_t errlen)
{
	const struct config     *cfg = ctl_ops->config();
	const struct route_conf *r;
	struct route_stats       rs;
	double                   ps, pm;
	size_t                   i, j;
	const char              *state, *conf;
	uint64_t                 now = fd_wall_us();

	(void)cl, (void)tag, (void)args, (void)nargs, (void)err, (void)errlen;
	for (i = 0; i < cfg->nroutes; i++) {
		r = &cfg->routes[i];
		stats_route_sum(r->id, &rs);
		stats_rates(r->id, &ps, &pm);
		state = ctl_route_state(r);
		conf = r->enabled ? "enabled" : "disabled";
		buf_puts(out, "{\"name\":");
		json_cstr(out, r->name);
		buf_puts(out, ",\"hosts\":[");
		for (j = 0; j < r->nhosts; j++) {
			if (j > 0)
				buf_puts(out, ",");
			json_cstr(out, r->hosts[j]);
		}
		buf_puts(out, "],\"path\":");
		json_cstr(out, r->path);
		buf_printf(out,
		    ",\"state\":\"%s\",\"configured\":\"%s\","
		    "\"differs\":%s,\"requests\":%llu,\"rps\":%.1f,"
		    "\"rpm\":%.2f,\"active\":%llu,",
		    state, conf, strcmp(state, conf) != 0 ? "true" : "false",
		    (unsigned long long)rs.requests, ps, pm,
		    (unsigned long long)(rs.started > rs.finished ?
		            rs.started - rs.finished :
		            0));
		ctl_status_classes(out, rs.status);
		/* The backends' errors and ours, not the owner's switch. */
		buf_printf(out,
		    ",\"errors\":%llu,\"switched\":%llu,"
		    "\"tunnels\":{\"open\":%llu,\"oldest_s\":%llu,"
		    "\"total\":%llu}",
		    (unsigned long long)(rs.status[5] > rs.switched ?
		            rs.status[5] - rs.switched :
		            0),
		    (unsigned long long)rs.switched,
		    (unsigned long long)(rs.tunnels > rs.tunnels_closed ?
		            rs.tunnels - rs.tunnels_closed :
		            0),
		    (unsigned long long)(rs.tunnel_oldest_us != 0 &&
		                now > rs.tunnel_oldest_us ?
		            (now - rs.tunnel_oldest_us) / 1000000 :
		            0),
		    (unsigned long long)rs.tunnels);
		ctl_ms(out, "p50_ms", stats_percentile(&rs, 50));
		ctl_ms(out, "p95_ms", stats_percentile(&rs, 95));
		ctl_ms(out, "p99_ms", stats_percentile(&rs, 99));
		buf_printf(out,
		    ",\"bytes_in\":%llu,\"bytes_out\":%llu,"
		    "\"denied\":{\"auth\":%llu,\"ip\":%llu,"
		    "\"country\":%llu,\"rate\":%llu,\"ban\":%llu}",
		    (unsigned long long)rs.bytes_in,
		    (unsigned long long)rs.bytes_out,
		    (unsigned long long)rs.denied[DENY_AUTH],
		    (unsigned long long)rs.denied[DENY_IP],
		    (unsigned long long)rs.denied[DENY_COUNTRY],
		    (unsigned long long)rs.denied[DENY_RATE],
		    (unsigned long long)rs.denied[DENY_BAN]);
		ctl_cache_json(out, r, &rs);
		ctl_countries(out, &rs);
	}
	return 0;
}

static void
ctl_backend_json(struct buf *out, const struct route_conf *r,
    const struct backend_conf *b)
{
	static const char   *hw[] = { "unknown", "up", "down" };
	struct backend_stats bs;
	struct health_info   h;
	const char          *state = ctl_backend_state(b);
	enum backend_admin   a = switch_backend_get(b->id);

	stats_backend_sum(b->id, &bs);
	health_get(b->id, &h);
	buf_puts(out, "{\"route\":");
	json_cstr(out, r->name);
	buf_puts(out, ",\"address\":");
	json_cstr(out, b->name);
	buf_printf(out,
	    ",\"state\":\"%s\",\"configured\":\"enabled\","
	    "\"differs\":%s,\"health\":\"%s\",\"changed\":%llu,\"last\":",
	    state,
	    a == BACKEND_ADMIN_DISABLED || a == BACKEND_ADMIN_DRAINING ?
	        "true" :
	        "false",
	    hw[h.state], (unsigned long long)h.changed);
	json_cstr(out, h.last);
	buf_printf(out,
	    ",\"active\":%llu,\"requests\":%llu,"
	    "\"failures\":%llu}\n",
	    (unsigned long long)(bs.started > bs.finished ?
	            bs.started - bs.finished :
	            0),
	    (unsigned long long)bs.requests, (unsigned long long)bs.failures);
}

static int
cmd_backends(struct ctl_client *cl, const char *tag, char **args, int nargs,
    struct buf *out, char *err, size_t errlen)
{
	const struct config     *cfg = ctl_ops->config();
	const struct route_conf *r = NULL;
	size_t                   i, j;

	(void)cl, (void)tag;
	if (nargs == 1 && (r = ctl_route(args[0], err, errlen)) == NULL)
		return -1;
	for (i = 0; i < cfg->nroutes; i++) {
		if (r != NULL && r != &cfg->routes[i])
			continue;
		for (j = 0; j < cfg->routes[i].nbackends; j++)
			ctl_backend_json(out, &cfg->routes[i],
			    &cfg->routes[i].backends[j]);
	}
	return 0;
}

/* A switch was thrown: save the state file, then answer. */
struct ctl_switch {
	struct ctl_client *cl;
	char               tag[CTL_TAG_MAX + 1];
	struct buf         reply; /* the JSON object, without its "}\n" */
};

static void
ctl_switch_saved(void *arg, int error)
{
	struct ctl_switch *sw = arg;

	if (error == 0)
		buf_puts(&sw->reply, ",\"saved\":true}\n");
	else {
		buf_puts(&sw->reply, ",\"saved\":false,\"save_error\":");
		json_cstr(&sw->reply, strerror(-error));
		buf_puts(&sw->reply, "}\n");
	}
	if (!sw->cl->closing)
		ctl_reply_end(sw->cl, sw->tag, &sw->reply, NULL);
	ctl_client_release(sw->cl);
	buf_free(&sw->reply);
	free(sw);
}

static int
ctl_switch_done(struct ctl_client *cl, const char *tag, struct buf *event,
    struct buf *reply)
{
	struct ctl_switch *sw = xcalloc(1, sizeof *sw);

	ctl_broadcast(event->data, event->len);
	sw->cl = cl;
	snprintf(sw->tag, sizeof sw->tag, "%s", tag);
	buf_init(&sw->reply, 0);
	buf_append(&sw->reply, reply->data, reply->len);
	ctl_client_hold(cl);
	ctl_state_save(ctl_ops->config(), ctl_switch_saved, sw);
	return 1;
}

static int
ctl_route_switch(struct ctl_client *cl, const char *tag, const char *name,
    enum route_admin a, struct buf *out, char *err, size_t errlen)
{
	const struct route_conf *r;
	const char              *state, *conf;
	struct buf               ev;
	int                      r2, cut;

	if ((r = ctl_route(name, err, errlen)) == NULL)
		return -1;
	conf = r->enabled ? "enabled" : "disabled";
	/* Asking for what the INI says is going back to the INI. */
	cut = a == ROUTE_ADMIN_DISABLED;
	if ((a == ROUTE_ADMIN_ENABLED && r->enabled) ||
	    (a == ROUTE_ADMIN_DISABLED && !r->enabled) ||
	    (a == ROUTE_ADMIN_DRAINING && !r->enabled))
		a = ROUTE_ADMIN_NONE;
	switch_route_set(r->id, a);
	if (cut && ctl_ops->cut_tunnels != NULL)
		ctl_ops->cut_tunnels();
	state = ctl_route_state(r);
	log_info("control: route %s %s (uid %u)", r->name, state,
	    (unsigned)cl->uid);
	buf_init(&ev, 0);
	buf_puts(&ev, "{\"type\":\"route\",\"name\":");
	json_cstr(&ev, r->name);
	buf_printf(&ev, ",\"state\":\"%s\"}", state);
	buf_puts(out, "{\"route\":");
	json_cstr(out, r->name);
	buf_printf(out, ",\"state\":\"%s\",\"differs\":%s", state,
	    strcmp(state, conf) != 0 ? "true" : "false");
	r2 = ctl_switch_done(cl, tag, &ev, out);
	buf_free(&ev);
	return r2;
}

static int
cmd_route_enable(struct ctl_client *cl, const char *tag, char **args, int nargs,
    struct buf *out, char *err, size_t errlen)
{
	(void)nargs;
	return ctl_route_switch(cl, tag, args[0], ROUTE_ADMIN_ENABLED, out, err,
	    errlen);
}

static int
cmd_route_disable(struct ctl_client *cl, const char *tag, char **args,
    int nargs, struct buf *out, char *err, size_t errlen)
{
	(void)nargs;
	return ctl_route_switch(cl, tag, args[0], ROUTE_ADMIN_DISABLED, out,
	    err, errlen);
}

static int
cmd_route_drain(struct ctl_client *cl, const char *tag, char **args, int nargs,
    struct buf *out, char *err, size_t errlen)
{
	(void)nargs;
	return ctl_route_switch(cl, tag, args[0], ROUTE_ADMIN_DRAINING, out,
	    err, errlen);
}

static int
cmd_maint_on(struct ctl_client *cl, const char *tag, char **args, int nargs,
    struct buf *out, char *err, size_t errlen)
{
	(void)nargs;
	return ctl_route_switch(cl, tag, args[0], ROUTE_ADMIN_MAINTENANCE, out,
	    err, errlen);
}

static int
cmd_maint_off(struct ctl_client *cl, const char *tag, char **args, int nargs,
    struct buf *out, char *err, size_t errlen)
{
	const struct route_conf *r;

	(void)nargs;
	if ((r = ctl_route(args[0], err, errlen)) == NULL)
		return -1;
	if (switch_route_get(r->id) != ROUTE_ADMIN_MAINTENANCE) {
		snprintf(err, errlen, "route %s is not in maintenance",
		    r->name);
		return -1;
	}
	return ctl_route_switch(cl, tag, args[0], ROUTE_ADMIN_NONE, out, err,
	    errlen);
}

static int
ctl_backend_switch(struct ctl_client *cl, const char *tag, char **args,
    enum backend_admin a, struct buf *out, char *err, size_t errlen)
{
	const struct route_conf   *r;
	const struct backend_conf *b = NULL;
	const char                *state;
	struct buf                 ev;
	size_t                     i;
	int                        r2;

	if ((r = ctl_route(args[0], err, errlen)) == NULL)
		return -1;
	for (i = 0; i < r->nbackends; i++) {
		if (strcmp(r->backends[i].name, args[1]) == 0)
			b = &r->backends[i];
	}
	if (b == NULL) {
		snprintf(err, errlen, "no such backend: %s %s", r->name,
		    args[1]);
		return -1;
	}
	if (a == BACKEND_ADMIN_ENABLED)
		a = BACKEND_ADMIN_NONE; /* backends are enabled in the INI */
	switch_backend_set(b->id, a);
	state = ctl_backend_state(b);
	log_info("control: backend %s %s %s (uid %u)", r->name, b->name, state,
	    (unsigned)cl->uid);
	buf_init(&ev, 0);
	buf_puts(&ev, "{\"type\":\"backend\",\"route\":");
	json_cstr(&ev, r->name);
	buf_puts(&ev, ",\"address\":");
	json_cstr(&ev, b->name);
	buf_printf(&ev, ",\"state\":\"%s\"}", state);
	buf_puts(out, "{\"route\":");
	json_cstr(out, r->name);
	buf_puts(out, ",\"address\":");
	json_cstr(out, b->name);
	buf_printf(out, ",\"state\":\"%s\",\"differs\":%s", state,
	    strcmp(state, "up") != 0 ? "true" : "false");
	r2 = ctl_switch_done(cl, tag, &ev, out);
	buf_free(&ev);
	return r2;
}

static int
cmd_backend_enable(struct ctl_client *cl, const char *tag, char **args,
    int nargs, struct buf *out, char *err, size_t errlen)
{
	(void)nargs;
	return ctl_backend_switch(cl, tag, args, BACKEND_ADMIN_ENABLED, out,
	    err, errlen);
}

static int
cmd_backend_disable(struct ctl_client *cl, const char *tag, char **args,
    int nargs, struct buf *out, char *err, size_t errlen)
{
	(void)nargs;
	return ctl_backend_switch(cl, tag, args, BACKEND_ADMIN_DISABLED, out,
	    err, errlen);
}

static int
cmd_backend_drain(struct ctl_client *cl, const char *tag, char **args,
    int nargs, struct buf *out, char *err, size_t errlen)
{
	(void)nargs;
	return ctl_backend_switch(cl, tag, args, BACKEND_ADMIN_DRAINING, out,
	    err, errlen);
}

struct ctl_wait {
	struct ctl_client *cl;
	char               tag[CTL_TAG_MAX + 1];
	char              *file;
	int                own; /* the daemon's own configuration */
};

static void
ctl_errors_json(struct buf *out, const struct config_errors *errs, int full)
{
	size_t i;

	buf_puts(out, ",\"errors\":[");
	for (i = 0; errs != NULL && i < errs->n; i++) {
		if (i > 0)
			buf_puts(out, ",");
		ctl_error_json(out, errs->msgs[i], full);
	}
	buf_puts(out, "]");
}

static void
cmd_reload_done(void *arg, int ok, const struct config_errors *errs)
{
	struct ctl_wait *wt = arg;
	struct buf       out;

	buf_init(&out, 0);
	buf_printf(&out, "{\"ok\":%s,\"generation\":%llu",
	    ok ? "true" : "false",
	    (unsigned long long)ctl_ops->config()->generation);
	if (!ok)
		ctl_errors_json(&out, errs, ctl_uid_admin(wt->cl->uid));
	buf_puts(&out, "}\n");
	if (!wt->cl->closing)
		ctl_reply_end(wt->cl, wt->tag, &out, NULL);
	buf_free(&out);
	ctl_client_release(wt->cl);
	free(wt);
}

static int
cmd_reload(struct ctl_client *cl, const char *tag, char **args, int nargs,
    struct buf *out, char *err, size_t errlen)
{
	struct ctl_wait *wt = xcalloc(1, sizeof *wt);

	(void)args, (void)nargs, (void)out, (void)err, (void)errlen;
	wt->cl = cl;
	snprintf(wt->tag, sizeof wt->tag, "%s", tag);
	ctl_client_hold(cl);
	log_info("control: reload (uid %u)", (unsigned)cl->uid);
	ctl_ops->reload(cmd_reload_done, wt);
	return 1;
}

static void
cmd_check_done(void *arg, int ok, const struct config_errors *errs)
{
	struct ctl_wait *wt = arg;
	struct buf       out;

	buf_init(&out, 0);
	buf_printf(&out, "{\"ok\":%s,\"file\":", ok ? "true" : "false");
	json_cstr(&out, wt->file);
	if (!ok)
		ctl_errors_json(&out, errs,
		    wt->own && ctl_uid_admin(wt->cl->uid));
	buf_puts(&out, "}\n");
	if (!wt->cl->closing)
		ctl_reply_end(wt->cl, wt->tag, &out, NULL);
	buf_free(&out);
	ctl_client_release(wt->cl);
	free(wt->file);
	free(wt);
}

static int
cmd_check(struct ctl_client *cl, const char *tag, char **args, int nargs,
    struct buf *out, char *err, size_t errlen)
{
	struct ctl_wait *wt;

	(void)out;
	/*
	 * The daemon may read files its clients may not (a control_group
	 * member and a TLS key): another file is checked only for root and
	 * the daemon's own user, who could read it anyway.  frontdoor(1)
	 * checks it as the caller instead (frontdoord -t).
	 */
	if (nargs == 1 && (cl->readonly || !ctl_uid_admin(cl->uid))) {
		snprintf(err, errlen,
		    "permission denied: check FILE is for root and the "
		    "daemon's user; \"check\" alone checks the daemon's "
		    "configuration");
		log_info("control: check %.200s refused (uid %u)", args[0],
		    (unsigned)cl->uid);
		return -1;
	}
	wt = xcalloc(1, sizeof *wt);
	wt->cl = cl;
	snprintf(wt->tag, sizeof wt->tag, "%s", tag);
	wt->file =
	    xstrdup(nargs == 1 ? args[0] : ctl_ops->daemon()->config_path);
	wt->own = nargs == 0;
	ctl_client_hold(cl);
	ctl_ops->check(wt->file, cmd_check_done, wt);
	return 1;
}

static int
cmd_subscribe(struct ctl_client *cl, const char *tag, char **args, int nargs,
    struct buf *out, char *err, size_t errlen)
{
	(void)tag, (void)args, (void)nargs, (void)err, (void)errlen;
	ctl_subscribe(cl, 1);
	buf_puts(out, "{\"subscribed\":true}\n");
	return 0;
}

static int
cmd_unsubscribe(struct ctl_client *cl, const char *tag, char **args, int nargs,
    struct buf *out, char *err, size_t errlen)
{
	(void)tag, (void)args, (void)nargs, (void)err, (void)errlen;
	ctl_subscribe(cl, 0);
	buf_puts(out, "{\"subscribed\":false}\n");
	return 0;
}

static int
cmd_readonly(struct ctl_client *cl, const char *tag, char **args, int nargs,
    struct buf *out, char *err, size_t errlen)
{
	(void)tag, (void)args, (void)nargs, (void)err, (void)errlen;
	cl->readonly = 1;
	buf_puts(out, "{\"readonly\":true}\n");
	return 0;
}

/*
 * One line per ban in force, the last to end first: a page of at most
 * CTL_BANS_PAGE from OFFSET, so that a reply fits the client's output
 * bound (CTL_OUT_MAX) with room for events; a client asks for pages until
 * one comes short.
 */
#define CTL_BANS_PAGE 4096 /* about 100 bytes a line */

static int
cmd_bans(struct ctl_client *cl, const char *tag, char **args, int nargs,
    struct buf *out, char *err, size_t errlen)
{
	struct ban_info *bans;
	uint64_t now = fd_wall_us() / 1000, off = 0, count = CTL_BANS_PAGE;
	size_t   i, n;

	(void)cl, (void)tag;
	if ((nargs > 0 && parse_uint(args[0], 0, UINT32_MAX, &off) != 0) ||
	    (nargs > 1 && parse_uint(args[1], 1, CTL_BANS_PAGE, &count) != 0)) {
		snprintf(err, errlen,
		    "usage: bans [OFFSET [COUNT]], COUNT from 1 to %d",
		    CTL_BANS_PAGE);
		return -1;
	}
	n = ban_list(&bans, now, off, count, NULL);
	for (i = 0; i < n; i++) {
		buf_puts(out, "{\"address\":");
		json_cstr(out, bans[i].addr);
		buf_printf(out,
		    ",\"until\":%llu,\"left\":%llu,"
		    "\"reason\":\"auth failures\"}\n",
		    (unsigned long long)(bans[i].until_ms / 1000),
		    (unsigned long long)((bans[i].until_ms - now + 999) /
		        1000));
	}
	free(bans);
	return 0;
}

static int
cmd_unban(struct ctl_client *cl, const char *tag, char **args, int nargs,
    struct buf *out, char *err, size_t errlen)
{
	struct buf ev;
	char       name[48];
	int        r;

	(void)nargs;
	if (ban_text(args[0], name, sizeof name) != 0) {
		snprintf(err, errlen,
		    "bad address: %.100s, expected an IPv4 or IPv6 address "
		    "or an IPv6 /64",
		    args[0]);
		return -1;
	}
	if (ban_lift(name) != 1) {
		snprintf(err, errlen, "no ban for %s", name);
		return -1;
	}
	log_info("control: unban %s (uid %u)", name, (unsigned)cl->uid);
	buf_init(&ev, 0);
	buf_puts(&ev, "{\"type\":\"unban\",\"address\":");
	json_cstr(&ev, name);
	buf_puts(&ev, "}");
	buf_puts(out, "{\"address\":");
	json_cstr(out, name);
	buf_puts(out, ",\"unbanned\":true");
	r = ctl_switch_done(cl, tag, &ev, out);
	buf_free(&ev);
	return r;
}

/* A ban by hand (the dashboard's "b"): for DURATION, or the configured
 * ban_time (1h when bans are off). */
static int
cmd_ban(struct ctl_client *cl, const char *tag, char **args, int nargs,
    struct buf *out, char *err, size_t errlen)
{
	const struct config *cfg = ctl_ops->config();
	uint64_t             ms = cfg->ban_time_ms, until;
	struct buf           ev;
	char                 name[48];
	int                  r;

	if (nargs == 2 &&
	    (parse_duration_ms(args[1], &ms) != 0 || ms == 0 ||
	        ms > BAN_MAX_MS)) {
		snprintf(err, errlen,
		    "bad duration: %.100s, expected 10m, 1h, 1d... up to 3650d",
		    args[1]);
		return -1;
	}
	if (ms == 0)
		ms = 3600 * 1000;
	until = fd_wall_us() / 1000 + ms;
	if (ban_text(args[0], name, sizeof name) != 0 ||
	    ban_add(name, until) != 0) {
		snprintf(err, errlen,
		    "bad address: %.100s, expected an IPv4 or IPv6 address "
		    "or an IPv6 /64",
		    args[0]);
		return -1;
	}
	log_info("control: ban %s for %llus (uid %u)", name,
	    (unsigned long long)(ms / 1000), (unsigned)cl->uid);
	buf_init(&ev, 0);
	buf_puts(&ev, "{\"type\":\"ban\",\"address\":");
	json_cstr(&ev, name);
	buf_printf(&ev, ",\"until\":%llu,\"reason\":\"by hand\"}",
	    (unsigned long long)(until / 1000));
	buf_puts(out, "{\"address\":");
	json_cstr(out, name);
	buf_printf(out, ",\"banned\":true,\"until\":%llu",
	    (unsigned long long)(until / 1000));
	r = ctl_switch_done(cl, tag, &ev, out);
	buf_free(&ev);
	return r;
}

static int
cmd_cache_purge(struct ctl_client *cl, const char *tag, char **args, int nargs,
    struct buf *out, char *err, size_t errlen)
{
	const struct route_conf *r;
	const char              *prefix = nargs > 1 ? args[1] : NULL;
	size_t                   n;

	(void)tag;
	if ((r = ctl_route(args[0], err, errlen)) == NULL)
		return -1;
	if (r->cache_size == 0) {
		snprintf(err, errlen,
		    "route %s has no cache, expected a route with cache = SIZE",
		    r->name);
		return -1;
	}
	if (prefix != NULL && prefix[0] != '/') {
		snprintf(err, errlen,
		    "bad prefix %.100s, expected a path starting with /",
		    prefix);
		return -1;
	}
	n = cache_purge(r->id, prefix);
	log_info("control: cache purge %s%s%s: %zu (uid %u)", r->name,
	    prefix != NULL ? " " : "", prefix != NULL ? prefix : "", n,
	    (unsigned)cl->uid);
	buf_puts(out, "{\"route\":");
	json_cstr(out, r->name);
	if (prefix != NULL) {
		buf_puts(out, ",\"prefix\":");
		json_cstr(out, prefix);
	}
	buf_printf(out, ",\"purged\":%zu}\n", n);
	return 0;
}

const ctl_cmd_fn ctl_cmd_fns[CTLCMD_COUNT] = {
	[CTLCMD_STATUS] = cmd_status,
	[CTLCMD_ROUTES] = cmd_routes,
	[CTLCMD_BACKENDS] = cmd_backends,
	[CTLCMD_ROUTE_ENABLE] = cmd_route_enable,
	[CTLCMD_ROUTE_DISABLE] = cmd_route_disable,
	[CTLCMD_ROUTE_DRAIN] = cmd_route_drain,
	[CTLCMD_MAINTENANCE_ON] = cmd_maint_on,
	[CTLCMD_MAINTENANCE_OFF] = cmd_maint_off,
	[CTLCMD_BACKEND_ENABLE] = cmd_backend_enable,
	[CTLCMD_BACKEND_DISABLE] = cmd_backend_disable,
	[CTLCMD_BACKEND_DRAIN] = cmd_backend_drain,
	[CTLCMD_BANS] = cmd_bans,
	[CTLCMD_BAN] = cmd_ban,
	[CTLCMD_UNBAN] = cmd_unban,
	[CTLCMD_CACHE_PURGE] = cmd_cache_purge,
	[CTLCMD_RELOAD] = cmd_reload,
	[CTLCMD_CHECK] = cmd_check,
	[CTLCMD_SUBSCRIBE] = cmd_subscribe,
	[CTLCMD_UNSUBSCRIBE] = cmd_unsubscribe,
	[CTLCMD_READONLY] = cmd_readonly,
	[CTLCMD_HELP] = cmd_help,
};
