/* SPDX-License-Identifier: ISC */
/* frontdoord: start-up, signals, reload and shutdown around the workers. */

#include <sys/socket.h>
#include <sys/stat.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <malloc.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "buf.h"
#include "cache.h"
#include "config.h"
#include "ctl.h"
#include "gate.h"
#include "health.h"
#include "json-write.h"
#include "log.h"
#include "accesslog.h"
#include "stats.h"
#include "tls.h"
#include "util.h"
#include "version.h"
#include "worker.h"

#define DEFAULT_CONFIG "/etc/frontdoor/frontdoor.ini"

static struct {
	const char          *path;
	uv_loop_t           *loop;
	struct config       *config;
	uint64_t             generation;
	struct worker       *workers;
	unsigned             nworkers;
	uv_signal_t          sig_hup, sig_term, sig_int, sig_usr1;
	uv_timer_t           stop_timer; /* shutdown_timeout, then done polls */
	uv_timer_t           tick;       /* once a second: request rates */
	int                  stopping;
	uint64_t             stop_started;
	struct ctl_daemon    daemon;
	struct config_errors reload_errs;
} srv;

static void __attribute__((noreturn)) usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: frontdoord [-c FILE] [-t] [-V] [-h]\n"
	    "  -c FILE  configuration file (default " DEFAULT_CONFIG ")\n"
	    "  -t       check the configuration and exit\n"
	    "  -V       print the version and exit\n"
	    "  -h       this help\n");
	exit(status);
}

static void
print_errors(FILE *f, const struct config_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		fprintf(f, "%s\n", errs->msgs[i]);
}

/*
 * A listening address belongs to this daemon alone (frontdoord(8), "Listening
 * sockets"), yet each worker has its own SO_REUSEPORT socket on it so the
 * kernel spreads connections over them (libuv 1.44 has no UV_TCP_REUSEPORT).
 * SO_REUSEPORT alone would let a second process of the same user join the
 * group and take a share of the traffic, so listen_probe() looks before the
 * group binds and listen_check_alone() looks again once it listens.
 */

/* A socket for l's address with the options every one of ours has. */
static int
listen_socket_new(const struct listen_conf *l, int reuseport)
{
	int fd, one = 1, error;

	fd = socket(l->addr.ss.ss_family,
	    SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* SO_REUSEADDR: a restart need not wait out the old TIME_WAITs. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    (reuseport &&
	        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) !=
	            0))
		goto fail;
	if (l->addr.ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one) != 0)
		goto fail;
	if (bind(fd, (const struct sockaddr *)&l->addr.ss, l->addr.len) != 0)
		goto fail;
	return fd;
fail:
	error = -errno;
	close(fd);
	return error;
}

/*
 * 0 when nobody listens on l's address, else -EADDRINUSE (or another error).
 * A socket without SO_REUSEPORT cannot bind where any socket listens, with
 * SO_REUSEPORT or without; with SO_REUSEADDR it binds past TIME_WAITs and the
 * connections a stopping daemon still finishes.
 */
static int
listen_probe(const struct listen_conf *l)
{
	int fd;

	if ((fd = listen_socket_new(l, 0)) < 0)
		return fd;
	close(fd);
	return 0;
}

/* One worker's socket on l's address, listening. */
static int
listen_socket(const struct listen_conf *l)
{
	int fd, error;

	if ((fd = listen_socket_new(l, 1)) < 0)
		return fd;
	/* Listening now, so listen_check_alone() sees the whole group. */
	if (listen(fd, WORKER_BACKLOG) != 0) {
		error = -errno;
		close(fd);
		return error;
	}
	return fd;
}

/* Whether a listener on a (from /proc/net/tcp*) shares l's address. */
static int
listen_overlaps(const struct listen_conf *l, const struct sockaddr_storage *a)
{
	if (a->ss_family != l->addr.ss.ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const struct sockaddr_in *)a;
		const struct sockaddr_in *y =
		    (const struct sockaddr_in *)&l->addr.ss;

		return x->sin_port == y->sin_port &&
		    (x->sin_addr.s_addr == y->sin_addr.s_addr ||
		        x->sin_addr.s_addr == htonl(INADDR_ANY) ||
		        y->sin_addr.s_addr == htonl(INADDR_ANY));
	} else {
		const struct sockaddr_in6 *x = (const struct sockaddr_in6 *)a;
		const struct sockaddr_in6 *y =
		    (const struct sockaddr_in6 *)&l->addr.ss;

		return x->sin6_port == y->sin6_port &&
		    (IN6_ARE_ADDR_EQUAL(&x->sin6_addr, &y->sin6_addr) ||
		        IN6_IS_ADDR_UNSPECIFIED(&x->sin6_addr) ||
		        IN6_IS_ADDR_UNSPECIFIED(&y->sin6_addr));
	}
}

/*
 * Parse one line of /proc/net/tcp or tcp6 into a listener's address and
 * inode; 0 for a listening socket, -1 for anything else.
 */
static int
listen_proc_parse(const char *line, int family, struct sockaddr_storage *a,
    unsigned long *inode)
{
	char     hex[33];
	unsigned port, state, i;
	uint32_t w[4];

	if (sscanf(line,
	        " %*u: %32[0-9A-Fa-f]:%x %*s %x %*s %*s %*s %*u %*u %lu", hex,
	        &port, &state, inode) != 4 ||
	    state != 0x0A) /* TCP_LISTEN */
		return -1;
	/* The kernel prints each 32-bit word of the address as %08X. */
	if (strlen(hex) != (family == AF_INET ? 8u : 32u))
		return -1;
	for (i = 0; i < strlen(hex) / 8; i++) {
		char word[9];

		memcpy(word, hex + i * 8, 8);
		word[8] = '\0';
		w[i] = (uint32_t)strtoul(word, NULL, 16);
	}
	memset(a, 0, sizeof *a);
	a->ss_family = family;
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)a;

		memcpy(&sin->sin_addr, w, 4);
		sin->sin_port = htons((uint16_t)port);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)a;

		memcpy(&sin6->sin6_addr, w, 16);
		sin6->sin6_port = htons((uint16_t)port);
	}
	return 0;
}

/*
 * After the group listens: another process's socket that raced past
 * listen_probe() into our SO_REUSEPORT group shows in the kernel's table of
 * listeners with an inode not ours.  Returns the listener it shares, or NULL.
 * Without /proc there is nothing to read and the probe stands alone.
 */
static const struct listen_conf *
listen_check_alone(const struct config *cfg, const int *fds, size_t nfds)
{
	static const struct {
		const char *path;
		int         family;
	} tables[] = {
		{ "/proc/net/tcp", AF_INET },
		{ "/proc/net/tcp6", AF_INET6 },
	};
	const struct listen_conf *found = NULL;
	struct sockaddr_storage   a;
	struct stat               st;
	unsigned long            *ours, inode;
	char                      line[512];
	size_t                    i, j, k, nl;
	FILE                     *f;

	nl = cfg->nlisten_http + cfg->nlisten_https;
	ours = xcalloc(nfds, sizeof *ours);
	for (i = 0; i < nfds; i++) {
		if (fstat(fds[i], &st) == 0)
			ours[i] = (unsigned long)st.st_ino;
	}
	for (k = 0; k < nitems(tables) && found == NULL; k++) {
		if ((f = fopen(tables[k].path, "re")) == NULL)
			continue;
		while (found == NULL && fgets(line, sizeof line, f) != NULL) {
			if (listen_proc_parse(line, tables[k].family, &a,
			        &inode) != 0)
				continue;
			for (i = 0; i < nfds && ours[i] != inode; i++)
				;
			if (i < nfds)
				continue;
			for (j = 0; j < nl && found == NULL; j++) {
				const struct listen_conf *lc =
				    j < cfg->nlisten_http ?
				    &cfg->listen_http[j] :
				    &cfg->listen_https[j - cfg->nlisten_http];

				if (listen_overlaps(lc, &a))
					found = lc;
			}
		}
		fclose(f);
	}
	free(ours);
	return found;
}

/* Start-up only: why a listener could not be had, then exit. */
static void __attribute__((noreturn))
listen_fatal(const struct listen_conf *l, int error)
{
	if (error == -EADDRINUSE)
		fatal("listen %s: already in use by another process (each "
		      "address belongs to one daemon)",
		    l->text);
	fatal("listen %s: %s", l->text, strerror(-error));
}

static void
drop_privileges(const struct config *cfg)
{
	struct passwd *pw;

	if (geteuid() != 0)
		return;
	if (cfg->user == NULL)
		fatal("%s: started as root without \"user\": refusing to serve "
		      "as root (set user = frontdoor in [frontdoor])",
		    srv.path);
	if ((pw = getpwnam(cfg->user)) == NULL)
		fatal("%s: user \"%s\" does not exist", srv.path, cfg->user);
	if (initgroups(pw->pw_name, pw->pw_gid) != 0)
		fatal("initgroups %s: %s", pw->pw_name, strerror(errno));
	if (setgid(pw->pw_gid) != 0)
		fatal("setgid %u: %s", (unsigned)pw->pw_gid, strerror(errno));
	if (setuid(pw->pw_uid) != 0)
		fatal("setuid %u: %s", (unsigned)pw->pw_uid, strerror(errno));
	if (setuid(0) == 0)
		fatal("could not drop root privileges");
	log_info("running as user %s", pw->pw_name);
}

/* A reload or a check, loaded on the thread pool and applied on the loop. */
struct load_job {
	uv_work_t            work;
	char                *path;
	int                  apply; /* reload; else only check */
	struct config       *cfg;
	struct config_errors errs;
	struct config_errors warns;
	ctl_reload_done      done;
	void                *arg;
	struct load_job     *next;
};

static struct load_job *reload_running;
static struct load_job *reload_waiting;

static void load_start(struct load_job *);

/* Thread pool: the file I/O and the checks of -t. */
static void
load_work(uv_work_t *req)
{
	struct load_job *j = req->data;

	j->cfg = config_load(j->path, &j->errs);
	if (j->cfg != NULL &&
	    tls_server_new(j->cfg, &j->cfg->tls, &j->errs, &j->warns) != 0) {
		config_unref(j->cfg);
		j->cfg = NULL;
	}
}

/* Loop: put a loaded configuration in force. */
static void
reload_apply(struct config *cfg)
{
	struct config *old = srv.config;
	size_t         i;
	int            error;

	/* What was bound or dropped at start stays until a restart. */
	if (cfg->nlisten_http != old->nlisten_http ||
	    cfg->nlisten_https != old->nlisten_https ||
	    cfg->workers != old->workers)
		log_warn("reload: listen_http and workers changes need a "
		         "restart; keeping the running listeners");
	else {
		for (i = 0; i < cfg->nlisten_http; i++) {
			if (strcmp(cfg->listen_http[i].text,
			        old->listen_http[i].text) != 0) {
				log_warn(
				    "reload: listen_http changes need a "
				    "restart; keeping the running listeners");
				break;
			}
		}
	}
	if ((cfg->user == NULL) != (old->user == NULL) ||
	    (cfg->user != NULL && strcmp(cfg->user, old->user) != 0))
		log_warn("reload: a change of user needs a restart");
	if (strcmp(cfg->control_socket, old->control_socket) != 0)
		log_warn("reload: a change of control_socket needs a restart");

	if (strcmp(cfg->error_log, old->error_log) != 0 &&
	    (error = log_open(cfg->error_log, "frontdoord")) != 0)
		log_error("reload: error_log %s: %s; the old one stays",
		    cfg->error_log, log_file_strerror(error));
	log_set_level(cfg->log_level);
	if ((cfg->access_log == NULL) != (old->access_log == NULL) ||
	    (cfg->access_log != NULL &&
	        strcmp(cfg->access_log, old->access_log) != 0)) {
		if ((error = accesslog_reopen(cfg)) != 0)
			log_error(
			    "reload: access_log %s: %s; the old one stays",
			    cfg->access_log, log_file_strerror(error));
	}

	stats_assign(cfg);
	cache_configure(cfg); /* empties the caches of changed routes */
	cfg->generation = ++srv.generation;
	srv.config = cfg;
	health_config(cfg);
	for (i = 0; i < srv.nworkers; i++)
		worker_set_config(&srv.workers[i], cfg);
	config_unref(old);
	log_info("reloaded %s (generation %llu)", srv.path,
	    (unsigned long long)cfg->generation);
}

static void
load_done(uv_work_t *req, int status)
{
	struct load_job *j = req->data, *w, *next;
	size_t           i;
	int              ok = j->cfg != NULL && status == 0;

	for (i = 0; i < j->warns.n; i++)
		log_warn("%s", j->warns.msgs[i]);
	config_errors_free(&j->warns);
	if (j->apply) {
		srv.daemon.reload_time = fd_wall_us() / 1000000;
		srv.daemon.reload_ok = ok;
		config_errors_free(&srv.reload_errs);
		if (ok)
			reload_apply(j->cfg);
		else {
			log_error("reload failed; the running configuration "
			          "stays:");
			for (i = 0; i < j->errs.n; i++)
				log_error("%s", j->errs.msgs[i]);
			srv.reload_errs = j->errs;
			memset(&j->errs, 0, sizeof j->errs);
		}
		ctl_config_changed(srv.config, ok, &srv.reload_errs);
		/* Everyone who asked while this ran shares this result. */
		for (w = j; w != NULL; w = next) {
			next = w->next;
			if (w->done != NULL)
				w->done(w->arg, ok, &srv.reload_errs);
			if (w != j)
				free(w);
		}
		reload_running = NULL;
	} else {
		if (j->done != NULL)
			j->done(j->arg, ok, &j->errs);
		config_unref(j->cfg);
	}
	config_errors_free(&j->errs);
	free(j->path);
	free(j);
	if (reload_running == NULL && reload_waiting != NULL) {
		j = reload_waiting;
		reload_waiting = NULL;
		load_start(j);
	}
}

static void
load_start(struct load_job *j)
{
	if (j->apply)
		reload_running = j;
	j->work.data = j;
	uv_queue_work(srv.loop, &j->work, load_work, load_done);
}

static void
daemon_reload(ctl_reload_done done, void *arg)
{
	struct load_job *j = xcalloc(1, sizeof *j);

	j->path = xstrdup(srv.path);
	j->apply = 1;
	j->done = done;
	j->arg = arg;
	if (srv.stopping) {
		if (done != NULL)
			done(arg, 0, NULL);
		free(j->path);
		free(j);
		return;
	}
	if (reload_running == NULL) {
		load_start(j);
		return;
	}
	/* One at a time: the next one reads the file after this one. */
	if (reload_waiting == NULL)
		reload_waiting = j;
	else {
		j->next = reload_waiting->next;
		reload_waiting->next = j;
		free(j->path);
		j->path = NULL;
	}
}

static void
daemon_check(const char *file, ctl_reload_done done, void *arg)
{
	struct load_job *j = xcalloc(1, sizeof *j);

	j->path = xstrdup(file);
	j->done = done;
	j->arg = arg;
	load_start(j);
}

/* The listeners bound at start, for "status": they outlive reloads. */
static char *
listeners_json(const struct config *cfg)
{
	struct buf b;
	size_t     i;

	buf_init(&b, 0);
	buf_puts(&b, "\"listeners\":[");
	for (i = 0; i < cfg->nlisten_http; i++) {
		if (i > 0)
			buf_puts(&b, ",");
		json_cstr(&b, cfg->listen_http[i].text);
	}
	buf_puts(&b, "],\"listeners_https\":[");
	for (i = 0; i < cfg->nlisten_https; i++) {
		if (i > 0)
			buf_puts(&b, ",");
		json_cstr(&b, cfg->listen_https[i].text);
	}
	buf_append(&b, "]", 2);
	return b.data;
}

static struct config *
daemon_config(void)
{
	return srv.config;
}

static const struct ctl_daemon *
daemon_info(void)
{
	srv.daemon.reload_errs = &srv.reload_errs;
	return &srv.daemon;
}

static void
daemon_cut_tunnels(void)
{
	unsigned i;

	for (i = 0; i < srv.nworkers; i++)
		worker_cut_tunnels(&srv.workers[i]);
}

static const struct ctl_ops daemon_ctl_ops = {
	daemon_config,
	daemon_info,
	daemon_reload,
	daemon_check,
	daemon_cut_tunnels,
};

static void
tick_cb(uv_timer_t *t)
{
	(void)t;
	stats_sample();
	ctl_tick();
}

static void
stop_poll_cb(uv_timer_t *t)
{
	uint64_t   elapsed = uv_now(srv.loop) - srv.stop_started;
	unsigned   i, left = 0;
	static int forced;

	for (i = 0; i < srv.nworkers; i++) {
		if (!__atomic_load_n(&srv.workers[i].done, __ATOMIC_ACQUIRE))
			left++;
	}
	if (left == 0) {
		/* The password checks that ran out the drain may have banned. */
		ctl_save_bans_now();
		uv_close((uv_handle_t *)t, NULL);
		uv_close((uv_handle_t *)&srv.tick, NULL);
		uv_close((uv_handle_t *)&srv.sig_hup, NULL);
		uv_close((uv_handle_t *)&srv.sig_term, NULL);
		uv_close((uv_handle_t *)&srv.sig_int, NULL);
		uv_close((uv_handle_t *)&srv.sig_usr1, NULL);
		return;
	}
	if (!forced && elapsed >= srv.config->shutdown_timeout_ms) {
		forced = 1;
		log_warn("shutdown_timeout passed: closing %u worker(s)' "
		         "connections",
		    left);
		for (i = 0; i < srv.nworkers; i++)
			worker_stop(&srv.workers[i], 1);
	}
}

static void
signal_cb(uv_signal_t *s, int signum)
{
	int error;

	(void)s;
	switch (signum) {
	case SIGHUP:
		if (!srv.stopping)
			daemon_reload(NULL, NULL);
		break;
	case SIGUSR1:
		if ((error = accesslog_reopen(srv.config)) != 0)
			log_error("reopen access_log %s: %s; still writing to "
			          "the file open before",
			    srv.config->access_log, log_file_strerror(error));
		if (strcmp(srv.config->error_log, "stderr") != 0 &&
		    strcmp(srv.config->error_log, "syslog") != 0 &&
		    (error = log_open(srv.config->error_log, "frontdoord")) !=
		        0)
			log_error("reopen error_log %s: %s; still writing to "
			          "the file open before",
			    srv.config->error_log, log_file_strerror(error));
		log_info("log files reopened");
		break;
	case SIGTERM:
	case SIGINT:
		if (srv.stopping)
			break;
		srv.stopping = 1;
		srv.stop_started = uv_now(srv.loop);
		log_info("stopping: finishing requests in flight");
		ctl_stop();
		health_stop();
		for (unsigned i = 0; i < srv.nworkers; i++)
			worker_stop(&srv.workers[i], 0);
		uv_timer_start(&srv.stop_timer, stop_poll_cb, 50, 50);
		break;
	}
}

int
main(int argc, char *argv[])
{
	struct config_errors      errs = { NULL, 0 }, warns = { NULL, 0 };
	const struct listen_conf *lc;
	struct config            *cfg;
	int                       ch, check = 0, error, *fds;
	size_t                    i, j, nl;

	srv.path = DEFAULT_CONFIG;
	while ((ch = getopt(argc, argv, "c:thV")) != -1) {
		switch (ch) {
		case 'c':
			srv.path = optarg;
			break;
		case 't':
			check = 1;
			break;
		case 'V':
			printf("frontdoord %s (%s)\n", FRONTDOOR_VERSION,
			    tls_library_version());
			return 0;
		case 'h':
			usage(0);
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);

	cfg = config_load(srv.path, &errs);
	if (cfg != NULL && tls_server_new(cfg, &cfg->tls, &errs, &warns) != 0) {
		config_unref(cfg);
		cfg = NULL;
	}
	/* Warnings (a key others can read, a certificate near its end). */
	for (i = 0; i < warns.n; i++)
		fprintf(stderr, "%s\n", warns.msgs[i]);
	config_errors_free(&warns);
	if (cfg == NULL) {
		print_errors(stderr, &errs);
		config_errors_free(&errs);
		return 1;
	}
	config_errors_free(&errs);
	if (check) {
		printf("%s: configuration ok\n", srv.path);
		config_unref(cfg);
		return 0;
	}
	if (geteuid() == 0 && cfg->user == NULL) {
		fprintf(stderr,
		    "%s: started as root without \"user\" in "
		    "[frontdoor]: refusing to serve as root\n",
		    srv.path);
		config_unref(cfg);
		return 1;
	}

	signal(SIGPIPE, SIG_IGN);
	/*
	 * TLS record buffers (a little over 16 KiB, two per active TLS
	 * connection) come and go as connections are parked and woken: mapped
	 * on their own they go back to the system when freed, instead of
	 * leaving the heap fragmented.  Our own 16 KiB I/O buffers stay below
	 * the threshold, in the heap and the workers' free lists.
	 */
	mallopt(M_MMAP_THRESHOLD, 16 * 1024 + 64);
	if ((error = log_open(cfg->error_log, "frontdoord")) != 0) {
		fprintf(stderr, "%s: error_log %s: %s\n", srv.path,
		    cfg->error_log, log_file_strerror(error));
		return 1;
	}
	log_set_level(cfg->log_level);
	if ((error = accesslog_reopen(cfg)) != 0)
		fatal("%s: access_log %s: %s", srv.path, cfg->access_log,
		    log_file_strerror(error));

	/*
	 * Signals are caught from before the first listen: a connection can
	 * succeed from then on, and whoever sees it may send SIGHUP or SIGTERM
	 * at once.  They are handled when the loop runs.
	 */
	srv.loop = uv_default_loop();
	uv_signal_init(srv.loop, &srv.sig_hup);
	uv_signal_init(srv.loop, &srv.sig_term);
	uv_signal_init(srv.loop, &srv.sig_int);
	uv_signal_init(srv.loop, &srv.sig_usr1);
	uv_signal_start(&srv.sig_hup, signal_cb, SIGHUP);
	uv_signal_start(&srv.sig_term, signal_cb, SIGTERM);
	uv_signal_start(&srv.sig_int, signal_cb, SIGINT);
	uv_signal_start(&srv.sig_usr1, signal_cb, SIGUSR1);

	/*
	 * Bind every worker's listeners while still privileged, and before
	 * the control socket: a second daemon on our address stops here
	 * without touching the first one's socket.
	 */
	srv.nworkers = cfg->workers;
	/*
	 * The thread pool (started at its first job, after this): the
	 * password checks' share of each worker (gate.c) and two threads
	 * more, for the access log, the state file and reloads.
	 */
	if (getenv("UV_THREADPOOL_SIZE") == NULL) {
		char n[16];

		snprintf(n, sizeof n, "%u",
		    MIN(cfg->workers * GATE_POOL_SHARE + 2, 1024u));
		setenv("UV_THREADPOOL_SIZE", n, 1);
	}
	/* Each worker's HTTP sockets, then its HTTPS ones. */
	nl = cfg->nlisten_http + cfg->nlisten_https;
	for (j = 0; j < nl; j++) {
		lc = j < cfg->nlisten_http ?
		    &cfg->listen_http[j] :
		    &cfg->listen_https[j - cfg->nlisten_http];
		if ((error = listen_probe(lc)) < 0)
			listen_fatal(lc, error);
	}
	fds = xcalloc(srv.nworkers * nl, sizeof *fds);
	for (i = 0; i < srv.nworkers; i++) {
		for (j = 0; j < nl; j++) {
			lc = j < cfg->nlisten_http ?
			    &cfg->listen_http[j] :
			    &cfg->listen_https[j - cfg->nlisten_http];
			if ((error = listen_socket(lc)) < 0)
				listen_fatal(lc, error);
			fds[i * nl + j] = error;
		}
	}
	if ((lc = listen_check_alone(cfg, fds, srv.nworkers * nl)) != NULL)
		listen_fatal(lc, -EADDRINUSE);
	/* The control socket too: its owner and mode need privileges. */
	srv.config = cfg;
	if ((error = ctl_start(srv.loop, cfg, &daemon_ctl_ops)) != 0)
		log_error("control socket %s: %s; running without it",
		    cfg->control_socket, strerror(-error));
	drop_privileges(cfg);

	stats_init(srv.nworkers);
	health_init();
	stats_assign(cfg);
	cache_configure(cfg);
	ctl_state_load(cfg);
	health_config(cfg);
	health_checks_start(srv.loop);
	cfg->generation = srv.generation = 1;
	srv.daemon.config_path = realpath(srv.path, NULL);
	if (srv.daemon.config_path == NULL)
		srv.daemon.config_path = xstrdup(srv.path);
	srv.daemon.started = fd_wall_us() / 1000000;
	srv.daemon.reload_ok = 1;
	srv.daemon.nworkers = srv.nworkers;
	srv.daemon.listeners_json = listeners_json(cfg);
	srv.workers = xcalloc(srv.nworkers, sizeof *srv.workers);
	for (i = 0; i < srv.nworkers; i++) {
		error = worker_init(&srv.workers[i], i, cfg, fds + i * nl, nl,
		    cfg->nlisten_https);
		if (error != 0)
			fatal("worker %zu: %s", i, uv_strerror(error));
	}
	free(fds);

	uv_timer_init(srv.loop, &srv.stop_timer);
	uv_timer_init(srv.loop, &srv.tick);
	uv_timer_start(&srv.tick, tick_cb, 1000, 1000);

	for (i = 0; i < srv.nworkers; i++) {
		if ((error = worker_start(&srv.workers[i])) != 0)
			fatal("worker %zu: %s", i, strerror(-error));
	}
	for (i = 0; i < cfg->nlisten_http; i++)
		log_info("listening on %s", cfg->listen_http[i].text);
	for (i = 0; i < cfg->nlisten_https; i++)
		log_info("listening on %s (https, %s)",
		    cfg->listen_https[i].text, tls_library_version());
	log_info("frontdoord %s started with %u worker(s)", FRONTDOOR_VERSION,
	    srv.nworkers);

	uv_run(srv.loop, UV_RUN_DEFAULT);

	for (i = 0; i < srv.nworkers; i++)
		worker_join(&srv.workers[i]);
	free(srv.workers);
	cache_shutdown();
	stats_free();
	health_free();
	free((char *)srv.daemon.config_path);
	free(srv.daemon.listeners_json);
	config_errors_free(&srv.reload_errs);
	uv_loop_close(srv.loop);
	log_info("stopped");
	config_unref(srv.config);
	accesslog_close();
	log_close();
	return 0;
}
