/* SPDX-License-Identifier: ISC */
/* The state file: runtime switches kept across reloads and restarts. */

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ban.h"
#include "config.h"
#include "ctl-int.h"
#include "file.h"
#include "list.h"
#include "log.h"
#include "stats.h"
#include "switch.h"
#include "util.h"

/*
 * One switch a line, written whole by frontdoord (temp file, fsync, rename):
 *   route NAME disabled|enabled|maintenance
 *   backend ROUTE ADDR disabled|draining
 *   ban ADDR UNTIL          (UNTIL: UNIX seconds)
 */
/* A failed write is tried again after this long (the old file stays). */
#define STATE_RETRY_MS 5000
/* Every route and backend switched, and a full ban table, fit. */
#define STATE_MAX_FILE (64 * 1024 * 1024)
/* The longest "ban ADDR UNTIL\n" line. */
#define STATE_BAN_LINE (4 + sizeof(((struct ban_info *)0)->addr) + 1 + 20 + 1)

/* A draining route is saved as disabled: its tunnels end with the process. */
static const char *route_words[] = { NULL, "enabled", "disabled", "maintenance",
	"disabled" };
static const char *backend_words[] = { NULL, "enabled", "disabled",
	"draining" };

struct state_waiter {
	ctl_state_done done;
	void          *arg;
	struct list    link; /* in running or waiting */
};

static struct {
	uv_work_t   work;
	int         busy;
	char       *path; /* of the save in flight */
	struct buf  text;
	int         error;
	int         failed;   /* the last write: try again */
	uint64_t    retry_ms; /* when (monotonic) */
	struct list running;  /* told when the save in flight ends */
	struct list waiting;  /* need a save after it */
} state = {
	.running = LIST_HEAD_INIT(state.running),
	.waiting = LIST_HEAD_INIT(state.waiting),
};

static int
state_word(const char **words, int n, const char *w)
{
	int i;

	for (i = 1; i < n; i++) {
		if (strcmp(words[i], w) == 0)
			return i;
	}
	return -1;
}

void
ctl_state_load(const struct config *cfg)
{
	const struct route_conf *r;
	char                    *data, *line, *nl, *w[5], *p;
	size_t                   len, i, lineno = 0;
	uint64_t                 until, now = fd_wall_us() / 1000000;
	int                      n, a, rv;

	if ((rv = file_read(cfg->state_file, STATE_MAX_FILE, &data, &len,
	         NULL)) != 0) {
		if (rv != -ENOENT)
			log_warn("state file %s: %s", cfg->state_file,
			    strerror(-rv));
		return;
	}
	for (line = data; line < data + len; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', (size_t)(data + len - line))) ==
		    NULL)
			nl = data + len;
		*nl = '\0';
		if (line[0] == '#' || line[0] == '\0')
			continue;
		n = 0;
		for (p = strtok(line, " \t"); p != NULL && n < 5;
		     p = strtok(NULL, " \t"))
			w[n++] = p;
		if (n == 3 && strcmp(w[0], "route") == 0 &&
		    (a = state_word(route_words, 4, w[2])) > 0) {
			if ((r = config_route(cfg, w[1])) == NULL) {
				log_info("state file: route %s is gone from "
				         "the configuration; its switch is "
				         "dropped",
				    w[1]);
				continue;
			}
			switch_route_set(r->id, a);
		} else if (n == 4 && strcmp(w[0], "backend") == 0 &&
		    (a = state_word(backend_words, 4, w[3])) > 0) {
			if ((r = config_route(cfg, w[1])) == NULL)
				goto gone;
			for (i = 0; i < r->nbackends; i++) {
				if (strcmp(r->backends[i].name, w[2]) == 0)
					break;
			}
			if (i == r->nbackends)
				goto gone;
			switch_backend_set(r->backends[i].id, a);
			continue;
gone:
			log_info("state file: backend %s %s is gone from the "
			         "configuration; its switch is dropped",
			    w[1], w[2]);
		} else if (n == 3 && strcmp(w[0], "ban") == 0 &&
		    parse_uint(w[2], 0, UINT32_MAX, &until) == 0) {
			/* Bans that ran out while the daemon was down are gone. */
			if (until > now && ban_add(w[1], until * 1000) != 0)
				log_warn("%s:%zu: bad ban address %s; ignored",
				    cfg->state_file, lineno, w[1]);
		} else
			log_warn("%s:%zu: not a switch; ignored",
			    cfg->state_file, lineno);
	}
	free(data);
}

/*
 * The whole file into b, bounded by what it holds: every route and
 * backend name, and every ban in the table.  Returns 0, or -ENOBUFS if
 * the bound was wrong (then nothing is written: never a cut file).
 */
static int
state_serialize(const struct config *cfg, struct buf *b)
{
	const struct route_conf *r;
	struct ban_info         *bans;
	size_t                   i, j, n, max = 256;
	int                      a, rv = 0;

	n = ban_list(&bans, fd_wall_us() / 1000, 0, SIZE_MAX, NULL);
	for (i = 0; i < cfg->nroutes; i++) {
		r = &cfg->routes[i];
		max += 32 + strlen(r->name);
		for (j = 0; j < r->nbackends; j++)
			max +=
			    32 + strlen(r->name) + strlen(r->backends[j].name);
	}
	max += n * STATE_BAN_LINE;
	buf_init(b, max);
	rv |= buf_puts(b,
	    "# frontdoor runtime state: written by frontdoord; "
	    "read at start\n");
	for (i = 0; i < cfg->nroutes; i++) {
		r = &cfg->routes[i];
		if ((a = switch_route_get(r->id)) != ROUTE_ADMIN_NONE)
			rv |= buf_printf(b, "route %s %s\n", r->name,
			    route_words[a]);
		for (j = 0; j < r->nbackends; j++) {
			a = switch_backend_get(r->backends[j].id);
			if (a != BACKEND_ADMIN_NONE)
				rv |=
				    buf_printf(b, "backend %s %s %s\n", r->name,
				        r->backends[j].name, backend_words[a]);
		}
	}
	for (i = 0; i < n; i++)
		rv |= buf_printf(b, "ban %s %llu\n", bans[i].addr,
		    (unsigned long long)(bans[i].until_ms / 1000));
	free(bans);
	return rv < 0 ? -ENOBUFS : 0;
}

/* Thread pool: temp file, fsync, rename, fsync the directory. */
static void
state_write(uv_work_t *req)
{
	char   tmp[4096], dir[4096];
	int    fd, dfd;
	size_t off = 0;

	(void)req;
	if (state.error != 0)
		return; /* not serialized: the old file stays */
	snprintf(tmp, sizeof tmp, "%s.tmp", state.path);
	/*
	 * A new file of our own: whatever is at the temp name (a leftover
	 * of a crash, or a link planted in a directory the daemon's user
	 * shares) is removed, never written through.
	 */
	if (unlink(tmp) != 0 && errno != ENOENT)
		goto fail;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0640);
	if (fd < 0)
		goto fail;
	while (off < state.text.len) {
		ssize_t n =
		    write(fd, state.text.data + off, state.text.len - off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail_fd;
		}
		off += n;
	}
	if (fsync(fd) != 0)
		goto fail_fd;
	close(fd);
	if (rename(tmp, state.path) != 0)
		goto fail_tmp;
	snprintf(dir, sizeof dir, "%s", state.path);
	if ((dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return;
fail_fd:
	state.error = -errno;
	close(fd);
fail_tmp:
	if (state.error == 0)
		state.error = -errno;
	unlink(tmp);
	return;
fail:
	state.error = -errno;
}

static void state_start(const struct config *);

/* Every waiter of from to the end of to, in order. */
static void
state_move(struct list *to, struct list *from)
{
	struct state_waiter *wt;

	while ((wt = list_first(from, struct state_waiter, link)) != NULL) {
		list_remove(&wt->link);
		list_insert_tail(to, &wt->link);
	}
}

static void
state_written(uv_work_t *req, int status)
{
	struct state_waiter *wt;
	struct list          told = LIST_HEAD_INIT(told), *l, *ln;
	int                  error = status != 0 ? status : state.error;

	(void)req;
	state.busy = 0;
	state.failed = error != 0;
	if (error != 0) {
		/* A full disk (ENOSPC), an I/O error: the old file is whole. */
		log_error("state file %s: %s; the previous file is kept, "
		          "trying again in %d s",
		    state.path, strerror(-error), STATE_RETRY_MS / 1000);
		state.retry_ms = uv_now(uv_default_loop()) + STATE_RETRY_MS;
	}
	/* A waiter's done may start the next save: that one has its own. */
	state_move(&told, &state.running);
	list_for_each_safe (l, ln, &told) {
		wt = container_of(l, struct state_waiter, link);
		list_remove(&wt->link);
		if (wt->done != NULL)
			wt->done(wt->arg, error);
		free(wt);
	}
	if (!state.busy && !list_empty(&state.waiting))
		state_start(ctl_ops->config());
}

static void
state_start(const struct config *cfg)
{
	state.busy = 1;
	/* Those waiting now are told when this save ends. */
	state_move(&state.running, &state.waiting);
	free(state.path);
	state.path = xstrdup(cfg->state_file);
	buf_free(&state.text);
	state.error = state_serialize(cfg, &state.text);
	uv_queue_work(uv_default_loop(), &state.work, state_write,
	    state_written);
}

void
ctl_state_save(const struct config *cfg, ctl_state_done done, void *arg)
{
	struct state_waiter *wt = xcalloc(1, sizeof *wt);

	wt->done = done;
	wt->arg = arg;
	/* In order: a save already under way does not see this change. */
	list_insert_tail(&state.waiting, &wt->link);
	if (!state.busy)
		state_start(cfg);
}

void
ctl_state_tick(void)
{
	if (state.failed && !state.busy &&
	    uv_now(uv_default_loop()) >= state.retry_ms && ctl_ops != NULL)
		state_start(ctl_ops->config());
}

/*
 * After a reload: switches for routes and backends that are gone are
 * dropped (with a line in the log), and the file is written again.
 */
void
ctl_config_changed(const struct config *cfg, int ok,
    const struct config_errors *errs)
{
	unsigned char *rseen, *bseen;
	struct buf     ev;
	unsigned       id;
	size_t         i, j;
	int            dropped = 0;

	buf_init(&ev, 0);
	buf_printf(&ev,
	    "{\"type\":\"reload\",\"ok\":%s,\"generation\":%llu,"
	    "\"errors\":%zu}",
	    ok ? "true" : "false", (unsigned long long)cfg->generation,
	    errs != NULL ? errs->n : 0);
	ctl_broadcast(ev.data, ev.len);
	buf_free(&ev);
	if (!ok)
		return;
	rseen = xcalloc(stats_route_ids(), 1);
	bseen = xcalloc(stats_backend_ids(), 1);
	for (i = 0; i < cfg->nroutes; i++) {
		rseen[cfg->routes[i].id] = 1;
		for (j = 0; j < cfg->routes[i].nbackends; j++)
			bseen[cfg->routes[i].backends[j].id] = 1;
	}
	for (id = 1; id < stats_route_ids(); id++) {
		if (!rseen[id] && switch_route_get(id) != ROUTE_ADMIN_NONE) {
			log_info("route %s is gone: its switch is dropped",
			    stats_route_name(id));
			switch_route_set(id, ROUTE_ADMIN_NONE);
			dropped = 1;
		}
	}
	for (id = 1; id < stats_backend_ids(); id++) {
		if (!bseen[id] &&
		    switch_backend_get(id) != BACKEND_ADMIN_NONE) {
			log_info("backend %s is gone: its switch is dropped",
			    stats_backend_name(id));
			switch_backend_set(id, BACKEND_ADMIN_NONE);
			dropped = 1;
		}
	}
	free(rseen);
	free(bseen);
	if (dropped)
		ctl_state_save(cfg, NULL, NULL);
}
