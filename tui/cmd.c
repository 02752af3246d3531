/* SPDX-License-Identifier: ISC */
/* The commands of frontdoor: a table, local usage checks, and their runs. */

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "check-local.h"
#include "cmd.h"
#include "ctlcmd.h"
#include "json-write.h"
#include "json-read.h"
#include "print.h"
#include "util.h"

/* frontdoor's side of a command of ctlcmd_table; argv[0] is its name. */
typedef int (*cmd_fn)(struct cmd_ctx *, const struct ctlcmd *, int, char **);

static int cmd_status(struct cmd_ctx *, const struct ctlcmd *, int, char **);
static int cmd_rows(struct cmd_ctx *, const struct ctlcmd *, int, char **);
static int cmd_switch(struct cmd_ctx *, const struct ctlcmd *, int, char **);
static int cmd_plain(struct cmd_ctx *, const struct ctlcmd *, int, char **);
static int cmd_reload(struct cmd_ctx *, const struct ctlcmd *, int, char **);
static int cmd_log(struct cmd_ctx *, const struct ctlcmd *, int, char **);
static int cmd_check(struct cmd_ctx *, const struct ctlcmd *, int, char **);
static int cmd_help(struct cmd_ctx *, const struct ctlcmd *, int, char **);
static int cmd_bans(struct cmd_ctx *, const struct ctlcmd *, int, char **);

/* Every command but those about the session (CTLCMD_SESSION). */
static const cmd_fn cmd_fns[CTLCMD_COUNT] = {
	[CTLCMD_STATUS] = cmd_status,
	[CTLCMD_ROUTES] = cmd_rows,
	[CTLCMD_BACKENDS] = cmd_rows,
	[CTLCMD_ROUTE_ENABLE] = cmd_switch,
	[CTLCMD_ROUTE_DISABLE] = cmd_switch,
	[CTLCMD_ROUTE_DRAIN] = cmd_switch,
	[CTLCMD_MAINTENANCE_ON] = cmd_switch,
	[CTLCMD_MAINTENANCE_OFF] = cmd_switch,
	[CTLCMD_BACKEND_ENABLE] = cmd_switch,
	[CTLCMD_BACKEND_DISABLE] = cmd_switch,
	[CTLCMD_BACKEND_DRAIN] = cmd_switch,
	[CTLCMD_BANS] = cmd_bans,
	[CTLCMD_BAN] = cmd_plain,
	[CTLCMD_UNBAN] = cmd_plain,
	[CTLCMD_CACHE_PURGE] = cmd_plain,
	[CTLCMD_RELOAD] = cmd_reload,
	[CTLCMD_LOG] = cmd_log,
	[CTLCMD_CHECK] = cmd_check,
	[CTLCMD_HELP] = cmd_help,
};

/* A paged command is given no arguments here: we ask for every page. */
static const char *
cmd_usage_of(const struct ctlcmd *c)
{
	return c->flags & CTLCMD_PAGED ? c->name : c->usage;
}

void
cmd_usage(FILE *fp)
{
	size_t i;

	for (i = 0; i < CTLCMD_COUNT; i++) {
		if (ctlcmd_table[i].flags & CTLCMD_SESSION)
			continue;
		fprintf(fp, "  %-28s %s\n", cmd_usage_of(&ctlcmd_table[i]),
		    ctlcmd_table[i].help);
	}
}

void
cmd_done(struct cmd_ctx *ctx)
{
	if (ctx->connected)
		client_close(&ctx->client);
	ctx->connected = 0;
}

/* Write b to stdout; EXIT_OK or EXIT_REFUSED when stdout fails. */
static int
cmd_out(struct buf *b)
{
	if (b->len > 0)
		fwrite(b->data, 1, b->len, stdout);
	if (fflush(stdout) == EOF) {
		fprintf(stderr, "frontdoor: standard output: %s\n",
		    strerror(errno));
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

/* An empty message: a signal stopped the wait, nothing to say. */
static int
cmd_unreachable(struct cmd_ctx *ctx)
{
	if (ctx->client.err[0] != '\0')
		fprintf(stderr, "frontdoor: %s\n", ctx->client.err);
	return EXIT_UNREACHABLE;
}

/*
 * Connect and greet, then "readonly" for -r.  Returns EXIT_OK, or an exit
 * status after a message; *errnum as for client_connect().
 */
static int
cmd_connect(struct cmd_ctx *ctx, int *errnum, int quiet)
{
	struct client_reply r;
	char               *ro[] = { (char *)"readonly" };
	int                 rv;

	if (ctx->connected)
		return EXIT_OK;
	client_init(&ctx->client, ctx->socket);
	if (ctx->timeout > 0)
		ctx->client.timeout = ctx->timeout;
	ctx->client.sigmask = ctx->sigmask;
	ctx->client.stop = ctx->stop;
	if (client_connect(&ctx->client, errnum) != CLIENT_OK) {
		if (!quiet)
			cmd_unreachable(ctx);
		client_close(&ctx->client);
		return EXIT_UNREACHABLE;
	}
	ctx->connected = 1;
	if (!ctx->readonly)
		return EXIT_OK;
	rv = client_call(&ctx->client, 1, ro, &r);
	if (rv == CLIENT_FAILED)
		return cmd_unreachable(ctx);
	if (rv == CLIENT_REFUSED) {
		fprintf(stderr, "frontdoor: readonly: %s\n", r.error);
		client_reply_free(&r);
		return EXIT_REFUSED;
	}
	client_reply_free(&r);
	return EXIT_OK;
}

/* Send argv and wait for the reply: EXIT_OK with r filled, else a status. */
static int
cmd_ask(struct cmd_ctx *ctx, int argc, char **argv, struct client_reply *r)
{
	int errnum, rv;

	if ((rv = cmd_connect(ctx, &errnum, 0)) != EXIT_OK)
		return rv;
	rv = client_call(&ctx->client, argc, argv, r);
	if (rv == CLIENT_FAILED)
		return cmd_unreachable(ctx);
	if (rv == CLIENT_REFUSED) {
		fprintf(stderr, "frontdoor: %s\n", r->error);
		client_reply_free(r);
		return EXIT_REFUSED;
	}
	return EXIT_OK;
}

/* --json: the reply's lines, as they came. */
static int
cmd_raw(struct client_reply *r)
{
	struct buf b;
	size_t     i;
	int        rv;

	buf_init(&b, 0);
	for (i = 0; i < r->n; i++) {
		buf_puts(&b, r->lines[i]);
		buf_puts(&b, "\n");
	}
	rv = cmd_out(&b);
	buf_free(&b);
	return rv;
}

/*
 * Parse every line of r into (*rows)[i].  EXIT_OK, or EXIT_UNREACHABLE
 * after a message when a line is not a JSON object.
 */
static int
cmd_parse(struct cmd_ctx *ctx, struct client_reply *r, struct jsonr ***rows)
{
	char   err[128];
	size_t i;

	*rows = xcalloc(r->n + 1, sizeof **rows);
	for (i = 0; i < r->n; i++) {
		(*rows)[i] = jsonr_parse(r->lines[i], strlen(r->lines[i]), err,
		    sizeof err);
		if ((*rows)[i] == NULL || (*rows)[i]->type != JSONR_OBJ) {
			fprintf(stderr,
			    "frontdoor: frontdoord at %s: a reply line that "
			    "is not a JSON object (%s)\n",
			    ctx->socket, (*rows)[i] ? "not an object" : err);
			return EXIT_UNREACHABLE;
		}
	}
	return EXIT_OK;
}

static void
cmd_rows_free(struct jsonr **rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		jsonr_free(rows[i]);
	free(rows);
}

/* Ask, then print with fmt (or raw with --json). */
static int
cmd_simple(struct cmd_ctx *ctx, int argc, char **argv,
    void (*fmt)(struct buf *, struct jsonr *const *, size_t))
{
	struct client_reply r;
	struct jsonr      **rows = NULL;
	struct buf          b;
	int                 rv;

	if ((rv = cmd_ask(ctx, argc, argv, &r)) != EXIT_OK)
		return rv;
	if (ctx->json) {
		rv = cmd_raw(&r);
		client_reply_free(&r);
		return rv;
	}
	buf_init(&b, 0);
	if ((rv = cmd_parse(ctx, &r, &rows)) == EXIT_OK) {
		fmt(&b, rows, r.n);
		rv = cmd_out(&b);
	}
	buf_free(&b);
	cmd_rows_free(rows, r.n);
	client_reply_free(&r);
	return rv;
}

static void
cmd_fmt_status(struct buf *b, struct jsonr *const *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		print_status(b, rows[i]);
}

static void
cmd_fmt_switch(struct buf *b, struct jsonr *const *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		print_switch(b, rows[i]);
		if (!jsonr_bool(rows[i], "saved", 1)) {
			/* On stderr, now: b goes to stdout after. */
			struct buf w;

			buf_init(&w, 0);
			buf_puts(&w,
			    "frontdoor: warning: the state file was "
			    "not written (");
			print_esc(&w, jsonr_str(rows[i], "save_error", "?"),
			    strlen(jsonr_str(rows[i], "save_error", "?")));
			buf_puts(&w,
			    "): the switch is in force but will not "
			    "survive a restart\n");
			fwrite(w.data, 1, w.len, stderr);
			buf_free(&w);
		}
	}
}

static void
cmd_fmt_object(struct buf *b, struct jsonr *const *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		print_object(b, rows[i]);
		buf_puts(b, "\n");
	}
}

static int
cmd_status(struct cmd_ctx *ctx, const struct ctlcmd *e, int argc, char **argv)
{
	(void)e;
	return cmd_simple(ctx, argc, argv, cmd_fmt_status);
}

static int
cmd_rows(struct cmd_ctx *ctx, const struct ctlcmd *e, int argc, char **argv)
{
	return cmd_simple(ctx, argc, argv,
	    ctlcmd_id(e) == CTLCMD_ROUTES ? print_routes : print_backends);
}

static int
cmd_switch(struct cmd_ctx *ctx, const struct ctlcmd *e, int argc, char **argv)
{
	(void)e;
	return cmd_simple(ctx, argc, argv, cmd_fmt_switch);
}

static int
cmd_plain(struct cmd_ctx *ctx, const struct ctlcmd *e, int argc, char **argv)
{
	(void)e;
	return cmd_simple(ctx, argc, argv, cmd_fmt_object);
}

/*
 * reload and check: one object with "ok"; EXIT_REFUSED when it is false.
 * fmt prints the human form.
 */
static int
cmd_verdict_of(struct cmd_ctx *ctx, char **argv, struct client_reply *rp,
    int (*fmt)(struct buf *, struct buf *, const struct jsonr *))
{
	struct client_reply r = *rp;
	struct jsonr      **rows = NULL;
	struct buf          out, err;
	int                 rv, ok = 1;
	size_t              i;

	buf_init(&out, 0);
	buf_init(&err, 0);
	if ((rv = cmd_parse(ctx, &r, &rows)) != EXIT_OK)
		goto out;
	if (r.n == 0) {
		fprintf(stderr,
		    "frontdoor: frontdoord at %s: an empty reply "
		    "to \"%s\"\n",
		    ctx->socket, argv[0]);
		rv = EXIT_UNREACHABLE;
		goto out;
	}
	for (i = 0; i < r.n; i++) {
		if (jsonr_get(rows[i], "ok") == NULL)
			continue;
		if (ctx->json)
			ok &= jsonr_bool(rows[i], "ok", 0);
		else
			ok &= fmt(&out, &err, rows[i]);
	}
	rv = ctx->json ? cmd_raw(&r) : cmd_out(&out);
	if (err.len > 0)
		fwrite(err.data, 1, err.len, stderr);
	if (rv == EXIT_OK && !ok)
		rv = EXIT_REFUSED;
out:
	buf_free(&out);
	buf_free(&err);
	cmd_rows_free(rows, r.n);
	client_reply_free(&r);
	return rv;
}

static int
cmd_verdict(struct cmd_ctx *ctx, int argc, char **argv,
    int (*fmt)(struct buf *, struct buf *, const struct jsonr *))
{
	struct client_reply r;
	int                 rv;

	if ((rv = cmd_ask(ctx, argc, argv, &r)) != EXIT_OK)
		return rv;
	return cmd_verdict_of(ctx, argv, &r, fmt);
}

static int
cmd_reload(struct cmd_ctx *ctx, const struct ctlcmd *e, int argc, char **argv)
{
	(void)e;
	return cmd_verdict(ctx, argc, argv, print_reload);
}

static int
cmd_check(struct cmd_ctx *ctx, const struct ctlcmd *e, int argc, char **argv)
{
	struct client_reply r;
	char                cwd[PATH_MAX], why[256];
	char               *file = NULL, *words[2] = { argv[0], NULL };
	int                 rv, errnum;

	(void)e;
	/* The daemon has its own working directory: send an absolute path. */
	if (argc == 2) {
		if (argv[1][0] == '/')
			file = xstrdup(argv[1]);
		else if (getcwd(cwd, sizeof cwd) != NULL)
			file = xasprintf("%s/%s", cwd, argv[1]);
		else {
			fprintf(stderr, "frontdoor: getcwd: %s\n",
			    strerror(errno));
			return EXIT_REFUSED;
		}
		words[1] = file;
		if (!client_words_ok(2, words, why, sizeof why)) {
			fprintf(stderr,
			    "frontdoor: check: %s; checking "
			    "locally with frontdoord -t\n",
			    why);
			goto local;
		}
	}
	if ((rv = cmd_connect(ctx, &errnum, 1)) != EXIT_OK) {
		if (ctx->connected) { /* -r was refused: said so */
			free(file);
			return rv;
		}
		fprintf(stderr,
		    "frontdoor: %s; checking locally with "
		    "frontdoord -t\n",
		    ctx->client.err);
		goto local;
	}
	if (file == NULL) {
		rv = cmd_verdict(ctx, argc, words, print_check);
		return rv;
	}
	/*
	 * The daemon checks another file only for root and its own user (it
	 * may read what the caller may not): anyone else checks it as
	 * themselves.
	 */
	rv = client_call(&ctx->client, argc, words, &r);
	if (rv == CLIENT_FAILED) {
		free(file);
		return cmd_unreachable(ctx);
	}
	if (rv == CLIENT_REFUSED) {
		if (strncmp(r.error, "permission denied", 17) != 0) {
			fprintf(stderr, "frontdoor: %s\n", r.error);
			client_reply_free(&r);
			free(file);
			return EXIT_REFUSED;
		}
		client_reply_free(&r);
		fprintf(stderr,
		    "frontdoor: frontdoord checks FILE only for root and its "
		    "own user; checking locally with frontdoord -t\n");
		goto local;
	}
	rv = cmd_verdict_of(ctx, words, &r, print_check);
	free(file);
	return rv;
local:
	rv = check_local(file != NULL ? file : DEFAULT_CONFIG, ctx->json);
	free(file);
	return rv;
}

/*
 * bans: every ban, a page at a time (the daemon sends at most a page a
 * reply so that it fits its output bound), until a page comes short.
 */
#define CMD_BANS_PAGE  4096
#define CMD_BANS_PAGES 1024 /* far more than the daemon's table holds */

static int
cmd_bans(struct cmd_ctx *ctx, const struct ctlcmd *e, int argc, char **argv)
{
	struct client_reply r;
	struct jsonr      **rows = NULL;
	struct buf          b;
	char                off[32], count[32];
	char               *words[3] = { argv[0], off, count };
	size_t              done = 0, i;
	int                 rv = EXIT_OK, page;

	(void)e, (void)argc;
	snprintf(count, sizeof count, "%d", CMD_BANS_PAGE);
	buf_init(&b, 0);
	for (page = 0; page < CMD_BANS_PAGES; page++) {
		snprintf(off, sizeof off, "%zu", done);
		if ((rv = cmd_ask(ctx, 3, words, &r)) != EXIT_OK)
			break;
		buf_reset(&b);
		if (ctx->json) {
			for (i = 0; i < r.n; i++) {
				buf_puts(&b, r.lines[i]);
				buf_puts(&b, "\n");
			}
		} else if ((rv = cmd_parse(ctx, &r, &rows)) == EXIT_OK)
			cmd_fmt_object(&b, rows, r.n);
		cmd_rows_free(rows, r.n);
		rows = NULL;
		done += r.n;
		i = r.n;
		client_reply_free(&r);
		if (rv != EXIT_OK || (rv = cmd_out(&b)) != EXIT_OK)
			break;
		if (i < CMD_BANS_PAGE)
			break;
	}
	buf_free(&b);
	return rv;
}

static int
cmd_help(struct cmd_ctx *ctx, const struct ctlcmd *e, int argc, char **argv)
{
	struct buf b;
	size_t     i;
	int        errnum, rv;

	(void)e;
	if ((rv = cmd_connect(ctx, &errnum, 1)) == EXIT_OK)
		return cmd_simple(ctx, argc, argv, print_help);
	if (ctx->connected)
		return rv; /* -r was refused: said so */

	/* No daemon: this program's own table, in the daemon's shape. */
	fprintf(stderr,
	    "frontdoor: %s; these are the commands of this "
	    "frontdoor\n",
	    ctx->client.err);
	buf_init(&b, 0);
	for (i = 0; i < CTLCMD_COUNT; i++) {
		const struct ctlcmd *c = &ctlcmd_table[i];
		const char *admin = c->flags & CTLCMD_ADMIN ? "admin" : "";

		if (c->flags & CTLCMD_SESSION)
			continue;
		if (!ctx->json) {
			buf_printf(&b, "%-28s %-5s  %s\n", cmd_usage_of(c),
			    admin, c->help);
			continue;
		}
		buf_puts(&b, "{\"command\":\"");
		buf_puts(&b, c->name);
		if (c->sub != NULL)
			buf_printf(&b, " %s", c->sub);
		buf_puts(&b, "\",\"usage\":");
		json_cstr(&b, cmd_usage_of(c));
		buf_printf(&b, ",\"admin\":%s,\"help\":",
		    *admin != '\0' ? "true" : "false");
		json_cstr(&b, c->help);
		buf_puts(&b, "}\n");
	}
	rv = cmd_out(&b);
	buf_free(&b);
	return rv;
}

/* -- log ------------------------------------------------------------- */

static volatile sig_atomic_t cmd_stop;

static void
cmd_on_signal(int sig)
{
	(void)sig;
	cmd_stop = 1;
}

static int
cmd_log(struct cmd_ctx *ctx, const struct ctlcmd *e, int argc, char **argv)
{
	struct client_reply r;
	struct sigaction    sa;
	sigset_t            block, waitmask;
	struct jsonr       *ev;
	struct buf          b;
	const char         *json;
	char               *sub[] = { (char *)"subscribe" }, err[128];
	int                 rv = EXIT_OK;

	(void)e;
	(void)argc;
	(void)argv;
	/*
	 * SIGINT and SIGTERM end the log with status 0.  They are blocked
	 * except inside the client's ppoll(2), so one that comes while a
	 * line is printed is not lost before the next wait.
	 */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = cmd_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	ctx->sigmask = &waitmask;
	ctx->stop = &cmd_stop;

	if ((rv = cmd_ask(ctx, 1, sub, &r)) != EXIT_OK)
		return cmd_stop ? EXIT_OK : rv;
	client_reply_free(&r);
	ctx->client.timeout = -1; /* events come when they come */

	buf_init(&b, 0);
	while (!cmd_stop) {
		if (client_event(&ctx->client, &json) != CLIENT_OK) {
			if (cmd_stop)
				break;
			if (ctx->client.err[0] == '\0')
				continue; /* another signal */
			rv = cmd_unreachable(ctx);
			break;
		}
		buf_reset(&b);
		if (ctx->json) {
			buf_puts(&b, json);
			buf_puts(&b, "\n");
		} else {
			ev = jsonr_parse(json, strlen(json), err, sizeof err);
			if (ev == NULL) {
				fprintf(stderr,
				    "frontdoor: frontdoord at %s: "
				    "an event that is not JSON "
				    "(%s)\n",
				    ctx->socket, err);
				rv = EXIT_UNREACHABLE;
				break;
			}
			print_event(&b, ev, time(NULL));
			jsonr_free(ev);
		}
		if (cmd_out(&b) != EXIT_OK) {
			rv = cmd_stop ? EXIT_OK : EXIT_REFUSED;
			break;
		}
	}
	buf_free(&b);
	return rv;
}

/* -- dispatch -------------------------------------------------------- */

/* The usage lines of every command whose first word is name, to stderr. */
static int
cmd_bad_usage(const char *name)
{
	size_t i;
	int    first = 1;

	for (i = 0; i < CTLCMD_COUNT; i++) {
		if ((ctlcmd_table[i].flags & CTLCMD_SESSION) ||
		    strcmp(ctlcmd_table[i].name, name) != 0)
			continue;
		fprintf(stderr, "%s frontdoor %s\n",
		    first ? "usage:" : "      ",
		    cmd_usage_of(&ctlcmd_table[i]));
		first = 0;
	}
	return EXIT_USAGE;
}

int
cmd_run(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct ctlcmd *e;
	char                 why[256];
	int                  nargs, used, max;

	if (!ctlcmd_known(argv[0], CTLCMD_SESSION)) {
		fprintf(stderr,
		    "frontdoor: unknown command: %s (try "
		    "\"frontdoor -h\")\n",
		    argv[0]);
		return EXIT_USAGE;
	}
	if ((e = ctlcmd_find(argv, argc, CTLCMD_SESSION, &used)) == NULL)
		return cmd_bad_usage(argv[0]);
	nargs = argc - used;
	max = e->flags & CTLCMD_PAGED ? 0 : e->max_args;
	if (nargs < e->min_args || nargs > max)
		return cmd_bad_usage(argv[0]);
	/* check takes any path: it can fall back to checking locally. */
	if (ctlcmd_id(e) != CTLCMD_CHECK &&
	    !client_words_ok(argc, argv, why, sizeof why)) {
		fprintf(stderr, "frontdoor: %s\n", why);
		return EXIT_USAGE;
	}
	return cmd_fns[ctlcmd_id(e)](ctx, e, argc, argv);
}
