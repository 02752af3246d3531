/* SPDX-License-Identifier: ISC */
/* The control socket: clients, framing, permissions and live events. */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ban.h"
#include "config.h"
#include "ctl-int.h"
#include "health.h"
#include "json-write.h"
#include "list.h"
#include "log.h"
#include "stats.h"
#include "util.h"

/* Live events reach subscribers within this many milliseconds. */
#define CTL_EVENT_MS 100
/*
 * Past CTL_MAX_CLIENTS, slots only root and the daemon's own user may take,
 * so that idle clients of control_group never lock them out; and of the
 * CTL_MAX_CLIENTS, at most this many are one other user's.
 */
#define CTL_ADMIN_SLOTS 8
#define CTL_MAX_PER_UID 48

const struct ctl_ops *ctl_ops;

static struct {
	uv_loop_t  *loop;
	uv_pipe_t   listener;
	int         listening;
	uv_timer_t  events;
	int         events_on;
	struct list clients; /* of struct ctl_client */
	unsigned    nclients;
	unsigned    nsubscribers;
	gid_t       group;
	int         has_group;
	char       *path;
	dev_t       dev; /* of the socket file we bound */
	ino_t       ino;
	uint64_t    dropped_seen;
	uint64_t    bans_saved;    /* ban_changes() at the last save */
	uint64_t    bans_saved_ms; /* and when (fd_now_ms) */
} ctl = { .clients = LIST_HEAD_INIT(ctl.clients) };

static void ctl_client_close(struct ctl_client *);
static void ctl_flush(struct ctl_client *);
static void ctl_close_when_idle(struct ctl_client *);

static void
ctl_client_free(struct ctl_client *cl)
{
	wbuf_free(&cl->out);
	free(cl);
}

static void
ctl_client_closed(uv_handle_t *h)
{
	struct ctl_client *cl = h->data;

	list_remove(&cl->link);
	ctl.nclients--;
	cl->closed = 1;
	/* Work in flight for it (a reload) frees it when done. */
	if (cl->refs == 0)
		ctl_client_free(cl);
}

static void
ctl_client_close(struct ctl_client *cl)
{
	if (cl->closing)
		return;
	cl->closing = 1;
	if (cl->subscribed) {
		cl->subscribed = 0;
		ctl.nsubscribers--;
		ctl_subscribers_changed();
	}
	uv_close((uv_handle_t *)&cl->pipe, ctl_client_closed);
}

void
ctl_client_hold(struct ctl_client *cl)
{
	cl->refs++;
}

void
ctl_client_release(struct ctl_client *cl)
{
	/* Closed while the work ran: the close callback left it to us. */
	if (--cl->refs == 0 && cl->closed)
		ctl_client_free(cl);
	else if (cl->refs == 0)
		ctl_close_when_idle(cl);
}

/* After EOF from the client: close once nothing is owed to it. */
static void
ctl_close_when_idle(struct ctl_client *cl)
{
	if (cl->eof && cl->refs == 0 && wbuf_idle(&cl->out))
		ctl_client_close(cl);
}

static void
ctl_written(struct wbuf *w, int status)
{
	struct ctl_client *cl = container_of(w, struct ctl_client, out);

	if (status < 0 || cl->closing) {
		ctl_client_close(cl);
		return;
	}
	ctl_flush(cl);
	ctl_close_when_idle(cl);
}

static void
ctl_flush(struct ctl_client *cl)
{
	if (!cl->closing && wbuf_flush(&cl->out) != 0)
		ctl_client_close(cl);
}

/* Queue bytes for a client; one that cannot keep up is disconnected. */
void
ctl_send(struct ctl_client *cl, const char *s, size_t len)
{
	if (cl->closing)
		return;
	if (cl->out.pending.len + len > CTL_OUT_MAX) {
		log_info("control client (uid %u) too slow: disconnected",
		    (unsigned)cl->uid);
		ctl_client_close(cl);
		return;
	}
	buf_append(&cl->out.pending, s, len);
}

void
ctl_reply_end(struct ctl_client *cl, const char *tag, struct buf *out,
    const char *err)
{
	struct buf b;

	buf_init(&b, 0);
	if (err != NULL)
		ctl_put_error(&b, tag, err);
	else
		ctl_put_reply(&b, tag, out != NULL ? out->data : NULL,
		    out != NULL ? out->len : 0);
	ctl_send(cl, b.data, b.len);
	buf_free(&b);
	ctl_flush(cl);
}

static void
ctl_line(struct ctl_client *cl, char *line)
{
	const struct ctlcmd *cmd;
	ctl_cmd_fn           fn;
	char                *words[CTL_MAX_WORDS + 1], err[512];
	const char          *tag;
	struct buf           out;
	int                  n, used, r;

	n = ctl_split(line, words, CTL_MAX_WORDS + 1);
	if (n == 0)
		return; /* an empty line is no request */
	if (n < 0 || !ctl_tag_ok(words[0])) {
		ctl_reply_end(cl, "-", NULL, "malformed request");
		return;
	}
	tag = words[0];
	if (n < 2) {
		ctl_reply_end(cl, tag, NULL, "no command (try \"help\")");
		return;
	}
	cmd = ctlcmd_find(words + 1, n - 1, CTLCMD_CLIENT, &used);
	if (cmd == NULL || (fn = ctl_cmd_fns[ctlcmd_id(cmd)]) == NULL) {
		snprintf(err, sizeof err, "unknown command: %s (try \"help\")",
		    words[1]);
		ctl_reply_end(cl, tag, NULL, err);
		return;
	}
	n -= 1 + used;
	if (n < cmd->min_args || n > cmd->max_args) {
		snprintf(err, sizeof err, "usage: %s", cmd->usage);
		ctl_reply_end(cl, tag, NULL, err);
		return;
	}
	if ((cmd->flags & CTLCMD_ADMIN) && cl->readonly) {
		ctl_reply_end(cl, tag, NULL, "read-only session");
		return;
	}
	buf_init(&out, CTL_OUT_MAX);
	err[0] = '\0';
	r = fn(cl, tag, words + 1 + used, n, &out, err, sizeof err);
	if (r == 0)
		ctl_reply_end(cl, tag, &out, NULL);
	else if (r < 0)
		ctl_reply_end(cl, tag, NULL, err[0] ? err : "failed");
	buf_free(&out);
}

static void
ctl_alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
	struct ctl_client *cl = h->data;

	(void)hint;
	*b = uv_buf_init(cl->in + cl->inlen, CTL_LINE_MAX - cl->inlen);
}

static void
ctl_read_cb(uv_stream_t *s, ssize_t nread, const uv_buf_t *b)
{
	struct ctl_client *cl = s->data;
	char              *start;
	size_t             left, took, len;

	(void)b;
	if (nread == 0 || cl->closing)
		return;
	if (nread < 0) {
		/* A half-close still gets the answers it is owed. */
		uv_read_stop(s);
		cl->eof = 1;
		ctl_close_when_idle(cl);
		return;
	}
	cl->inlen += nread;
	start = cl->in;
	left = cl->inlen;
	while (!cl->closing && (took = ctl_line_cut(start, left, &len)) > 0) {
		if (cl->discard)
			cl->discard = 0; /* the end of an overlong line */
		else
			ctl_line(cl, start);
		left -= took;
		start += took;
	}
	if (cl->closing)
		return;
	memmove(cl->in, start, left);
	cl->inlen = left;
	if (cl->inlen == CTL_LINE_MAX) {
		/* No newline in a whole line's worth: say so once, skip on. */
		if (!cl->discard)
			ctl_reply_end(cl, "-", NULL, "line too long");
		cl->discard = 1;
		cl->inlen = 0;
	}
}

/* root, the daemon's own user, and members of control_group may talk. */
static int
ctl_peer_ok(uid_t uid, gid_t gid)
{
	struct passwd *pw;
	gid_t          groups[256];
	int            n = nitems(groups), i;

	if (ctl_uid_admin(uid))
		return 1;
	if (!ctl.has_group)
		return 0;
	if (gid == ctl.group)
		return 1;
	if ((pw = getpwuid(uid)) == NULL)
		return 0;
	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0)
		return 0;
	for (i = 0; i < n; i++) {
		if (groups[i] == ctl.group)
			return 1;
	}
	return 0;
}

/* Whether cl, whose uid is known, is one client too many. */
static int
ctl_too_many(const struct ctl_client *cl)
{
	const struct ctl_client *o;
	struct list             *l, *ln;
	unsigned                 all = 0, mine = 0;

	/* Clients refused a moment ago and still closing take no slot. */
	list_for_each_safe (l, ln, &ctl.clients) {
		o = container_of(l, struct ctl_client, link);
		if (o == cl || o->closing)
			continue;
		all++;
		if (o->uid == cl->uid)
			mine++;
	}
	if (ctl_uid_admin(cl->uid))
		return all >= CTL_MAX_CLIENTS + CTL_ADMIN_SLOTS;
	return all >= CTL_MAX_CLIENTS || mine >= CTL_MAX_PER_UID;
}

static void
ctl_connection_cb(uv_stream_t *server, int status)
{
	struct ctl_client *cl;
	struct ucred       cred;
	socklen_t          len = sizeof cred;
	uv_os_fd_t         fd;
	struct buf         hello;

	if (status != 0)
		return;
	cl = xcalloc(1, sizeof *cl);
	wbuf_init(&cl->out, (uv_stream_t *)&cl->pipe, 0, ctl_written);
	cl->pipe.data = cl;
	uv_pipe_init(ctl.loop, &cl->pipe, 0);
	list_insert_head(&ctl.clients, &cl->link);
	ctl.nclients++;
	if (uv_accept(server, (uv_stream_t *)&cl->pipe) != 0) {
		ctl_client_close(cl);
		return;
	}
	if (uv_fileno((uv_handle_t *)&cl->pipe, &fd) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 ||
	    !ctl_peer_ok(cred.uid, cred.gid)) {
		log_warn("control socket: refused a client (uid %d)",
		    len == sizeof cred ? (int)cred.uid : -1);
		/* Say why, so the client can tell this from a missing daemon. */
		ctl_reply_end(cl, "-", NULL, "permission denied");
		ctl_client_close(cl);
		return;
	}
	cl->uid = cred.uid;
	if (ctl_too_many(cl)) {
		ctl_reply_end(cl, "-", NULL, "too many clients");
		ctl_client_close(cl);
		return;
	}
	buf_init(&hello, 0);
	ctl_put_greeting(&hello);
	ctl_send(cl, hello.data, hello.len);
	buf_free(&hello);
	ctl_flush(cl);
	uv_read_start((uv_stream_t *)&cl->pipe, ctl_alloc_cb, ctl_read_cb);
}

void
ctl_broadcast(const char *json, size_t len)
{
	struct ctl_client *cl;
	struct list       *l, *ln;

	list_for_each_safe (l, ln, &ctl.clients) {
		cl = container_of(l, struct ctl_client, link);
		if (!cl->subscribed || cl->closing)
			continue;
		if (cl->out.pending.len + len + 8 > CTL_EVENTS_MAX) {
			cl->dropped++;
			continue;
		}
		/* Within CTL_OUT_MAX: CTL_EVENTS_MAX is below it. */
		ctl_put_event(&cl->out.pending, json, len);
	}
}

static void
ctl_event_json(struct buf *b, const struct stats_event *ev)
{
	char      when[32];
	time_t    t = (time_t)(ev->time_us / 1000000);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	buf_printf(b,
	    "{\"type\":\"request\",\"time\":\"%s.%03uZ\",\"client\":", when,
	    (unsigned)(ev->time_us / 1000 % 1000));
	json_cstr(b, ev->client);
	buf_puts(b, ",\"country\":");
	json_cstr(b, ev->country);
	buf_puts(b, ",\"method\":");
	json_cstr(b, ev->method);
	buf_puts(b, ",\"host\":");
	json_cstr(b, ev->host);
	buf_puts(b, ",\"path\":");
	json_cstr(b, ev->path);
	buf_printf(b,
	    ",\"status\":%d,\"bytes\":%llu,\"ms\":%u,\"route\":", ev->status,
	    (unsigned long long)ev->bytes, ev->ms);
	json_cstr(b, ev->route);
	buf_puts(b, ",\"backend\":");
	json_cstr(b, ev->backend);
	buf_puts(b, ",\"rule\":");
	json_cstr(b, ev->rule);
	buf_puts(b, "}");
}

static void
ctl_events_cb(uv_timer_t *t)
{
	struct stats_event ev;
	struct ctl_client *cl;
	struct list       *l, *ln;
	struct buf         b;
	unsigned           w, n;
	uint64_t           dropped;
	char               line[64];

	(void)t;
	health_poll_events(ctl_broadcast);
	ban_poll_events(ctl_broadcast, fd_wall_us() / 1000);
	buf_init(&b, 0);
	for (w = 0; w < stats_nworkers(); w++) {
		/* Bounded per tick: a flood cannot hold the main loop. */
		for (n = 0; n < 4096 && stats_event_take(w, &ev); n++) {
			buf_reset(&b);
			ctl_event_json(&b, &ev);
			ctl_broadcast(b.data, b.len);
		}
	}
	buf_free(&b);
	/* Events the workers could not queue were missed by everyone. */
	dropped = stats_events_dropped();
	list_for_each_safe (l, ln, &ctl.clients) {
		cl = container_of(l, struct ctl_client, link);
		if (!cl->subscribed || cl->closing)
			continue;
		cl->dropped += dropped - ctl.dropped_seen;
		if (cl->dropped > 0 && cl->out.pending.len < CTL_EVENTS_MAX) {
			snprintf(line, sizeof line,
			    "{\"type\":\"dropped\",\"count\":%llu}",
			    (unsigned long long)cl->dropped);
			ctl_put_event(&cl->out.pending, line, strlen(line));
			cl->dropped = 0;
		}
		ctl_flush(cl);
	}
	ctl.dropped_seen = dropped;
}

void
ctl_subscribers_changed(void)
{
	int on = ctl.nsubscribers > 0;

	__atomic_store_n(&stats_subscribed, on, __ATOMIC_RELAXED);
	if (on && !ctl.events_on) {
		ctl.dropped_seen = stats_events_dropped();
		uv_timer_start(&ctl.events, ctl_events_cb, CTL_EVENT_MS,
		    CTL_EVENT_MS);
	} else if (!on && ctl.events_on)
		uv_timer_stop(&ctl.events);
	ctl.events_on = on;
}

void
ctl_subscribe(struct ctl_client *cl, int on)
{
	if (on == cl->subscribed)
		return;
	cl->subscribed = on;
	if (on)
		ctl.nsubscribers++;
	else
		ctl.nsubscribers--;
	ctl_subscribers_changed();
}

/* Remove path if it still names the socket file we bound, nothing else. */
static void
ctl_unlink_ours(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) == 0 && sb.st_dev == ctl.dev &&
	    sb.st_ino == ctl.ino)
		unlink(path);
}

/*
 * 1 when a process listens on the socket at path (a full backlog counts),
 * 0 when nobody does (a socket left by a daemon that died), else a negative
 * errno.
 */
static int
ctl_in_use(const char *path)
{
	struct sockaddr_un sun;
	int                fd, r;

	memset(&sun, 0, sizeof sun);
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sun.sun_path)
		return -ENAMETOOLONG;
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	         0)) < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof sun) == 0 ||
	    errno == EAGAIN)
		r = 1;
	else if (errno == ECONNREFUSED || errno == ENOENT)
		r = 0;
	else
		r = -errno;
	close(fd);
	return r;
}

/*
 * Bind the listener where nobody can see it yet: a name of our own next to
 * the path, created with its final mode (0660 with a group, else 0600) by
 * the umask at bind(2), given its group by lchown(2), listening, then
 * rename(2)d onto the path.  The path never names a socket with other
 * owners or looser permissions than the final ones, a client that finds it
 * finds it listening, and no call here follows a link planted at either
 * name.  (fchmod/fchown on the socket's descriptor would not do: Linux
 * applies them to the socket, not the file bind makes.)  A path too long
 * for a name beside it is bound in place.  libuv would unlink the name
 * bound when the listener closes; ctl_stop() removes the path itself, and
 * only while it still names our socket.
 */
static int
ctl_bind(const char *path)
{
	struct sockaddr_un sun;
	struct stat        sb;
	const char        *name;
	char              *tmp;
	mode_t             old;
	int                error, bound = 0;

	tmp = xasprintf("%s.%ld.new", path, (long)getpid());
	if (strlen(tmp) >= sizeof sun.sun_path) {
		free(tmp);
		tmp = NULL;
		if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode))
			unlink(path);
	} else if (lstat(tmp, &sb) == 0 && S_ISSOCK(sb.st_mode))
		unlink(tmp);
	name = tmp != NULL ? tmp : path;
	old = umask(ctl.has_group ? 0117 : 0177);
	error = uv_pipe_bind(&ctl.listener, name);
	umask(old);
	if (error != 0)
		goto out;
	free((char *)ctl.listener.pipe_fname);
	ctl.listener.pipe_fname = NULL;
	if (lstat(name, &sb) != 0) {
		error = -errno;
		goto out;
	}
	ctl.dev = sb.st_dev;
	ctl.ino = sb.st_ino;
	bound = 1;
	if (ctl.has_group && lchown(name, (uid_t)-1, ctl.group) != 0) {
		error = -errno;
		goto out;
	}
	if ((error = uv_listen((uv_stream_t *)&ctl.listener, 16,
	         ctl_connection_cb)) != 0)
		goto out;
	if (tmp != NULL && rename(tmp, path) != 0)
		error = -errno;
out:
	if (error != 0 && bound)
		ctl_unlink_ours(name);
	free(tmp);
	return error;
}

int
ctl_start(uv_loop_t *loop, const struct config *cfg, const struct ctl_ops *ops)
{
	struct group *gr;
	struct stat   sb;
	int           error;

	ctl.loop = loop;
	ctl_ops = ops;
	uv_timer_init(loop, &ctl.events);
	if (cfg->control_group != NULL) {
		if ((gr = getgrnam(cfg->control_group)) == NULL)
			return -ENOENT;
		ctl.group = gr->gr_gid;
		ctl.has_group = 1;
	}
	ctl.path = xstrdup(cfg->control_socket);
	/*
	 * A socket left by a daemon that died is replaced, nothing else; one
	 * another process serves is its own, as a listen address is.
	 */
	if (lstat(ctl.path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode))
			return -EADDRINUSE;
		if ((error = ctl_in_use(ctl.path)) > 0)
			fatal("control_socket %s: already in use by another "
			      "process (each control socket belongs to one "
			      "daemon)",
			    ctl.path);
		if (error < 0)
			return error;
	}
	if ((error = uv_pipe_init(loop, &ctl.listener, 0)) != 0)
		return error;
	ctl.listener.data = NULL;
	if ((error = ctl_bind(ctl.path)) != 0)
		goto fail;
	ctl.listening = 1;
	return 0;
fail:
	uv_close((uv_handle_t *)&ctl.listener, NULL);
	return error;
}

/*
 * Bans the gate made are saved at most every CTL_BANS_SAVE_MS (and at
 * stop): each save writes the whole table, and a client that can make a
 * ban a second must not make us rewrite megabytes a second.  Bans and
 * switches by command are saved before their answer.
 */
#define CTL_BANS_SAVE_MS 10000

static void
ctl_save_bans(int now)
{
	uint64_t changes = ban_changes(), t = fd_now_ms();

	if (changes == ctl.bans_saved || ctl_ops == NULL)
		return;
	if (!now && t - ctl.bans_saved_ms < CTL_BANS_SAVE_MS)
		return;
	ctl.bans_saved = changes;
	ctl.bans_saved_ms = t;
	ctl_state_save(ctl_ops->config(), NULL, NULL);
}

void
ctl_save_bans_now(void)
{
	ctl_save_bans(1);
}

void
ctl_tick(void)
{
	/* Without subscribers the ban events are skipped, not kept. */
	if (ctl.nsubscribers == 0)
		ban_poll_events(NULL, fd_wall_us() / 1000);
	ctl_save_bans(0);
	ctl_state_tick();
}

void
ctl_stop(void)
{
	struct ctl_client *cl;
	struct list       *l, *ln;

	ctl_tick();
	ctl_save_bans(1);

	list_for_each_safe (l, ln, &ctl.clients) {
		cl = container_of(l, struct ctl_client, link);
		ctl_client_close(cl);
	}
	if (ctl.listening) {
		/* While we listen, nobody took the path for a dead socket's. */
		ctl_unlink_ours(ctl.path);
		uv_close((uv_handle_t *)&ctl.listener, NULL);
		ctl.listening = 0;
	}
	if (ctl.loop != NULL && !uv_is_closing((uv_handle_t *)&ctl.events))
		uv_close((uv_handle_t *)&ctl.events, NULL);
	free(ctl.path);
	ctl.path = NULL;
}
