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

#include "cache.h"
#include "config.h"
#include "ctl.h"
#include "health.h"
#include "log.h"
#include "proxy.h"
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

/* Open the access log as configured; -1 when off. */
static int
accesslog_open(const struct config *cfg)
{
	int fd;

	if (cfg->access_log == NULL)
		return (-1);
	if (strcmp(cfg->access_log, "-") == 0)
		return (dup(STDOUT_FILENO));
	fd = open(cfg->access_log, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
	    0640);
	return (fd < 0 ? -errno : fd);
}

/* Swap a newly opened log file in under the same descriptor number. */
static int
accesslog_reopen(const struct config *cfg)
{
	int fd;

	fd = accesslog_open(cfg);
	if (fd < -1)
		return (fd);
	if (fd == -1) {
		/* Turned off: workers see -1 from now on. */
		if (accesslog_fd >= 0) {
			int old = accesslog_fd;

			__atomic_store_n(&accesslog_fd, -1, __ATOMIC_RELEASE);
			close(old);
		}
		return (0);
	}
	if (accesslog_fd < 0) {
		__atomic_store_n(&accesslog_fd, fd, __ATOMIC_RELEASE);
		return (0);
	}
	/* dup2 is atomic: a write in flight lands in the old or new file. */
	if (dup2(fd, accesslog_fd) < 0) {
		int error = -errno;

		close(fd);
		return (error);
	}
	close(fd);
	return (0);
}

static int
listen_socket(const struct listen_conf *l)
{
	int fd, one = 1;

	fd = socket(l->addr.ss.ss_family,
	    SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return (-errno);
	/*
	 * One socket per worker on the same address: the kernel spreads new
	 * connections over them (libuv 1.44 has no UV_TCP_REUSEPORT).
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0)
		goto fail;
	if (l->addr.ss.ss_family == AF_INET6 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0)
		goto fail;
	if (bind(fd, (const struct sockaddr *)&l->addr.ss, l->addr.len) != 0)
		goto fail;
	return (fd);
fail:
	one = -errno;
	close(fd);
	return (one);
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
		log_error("reload: error_log %s: %s", cfg->error_log,
		    strerror(-error));
	log_set_level(cfg->log_level);
	if ((cfg->access_log == NULL) != (old->access_log == NULL) ||
	    (cfg->access_log != NULL &&
	        strcmp(cfg->access_log, old->access_log) != 0)) {
		if ((error = accesslog_reopen(cfg)) != 0)
			log_error("reload: access_log %s: %s", cfg->access_log,
			    strerror(-error));
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
			memset(&j->errs, 0, sizeof(j->errs));
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
	struct load_job *j = xcalloc(1, sizeof(*j));

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
	struct load_job *j = xcalloc(1, sizeof(*j));

	j->path = xstrdup(file);
	j->done = done;
	j->arg = arg;
	load_start(j);
}

static struct config *
daemon_config(void)
{
	return (srv.config);
}

static const struct ctl_daemon *
daemon_info(void)
{
	srv.daemon.reload_errs = &srv.reload_errs;
	return (&srv.daemon);
}

static const struct ctl_ops daemon_ctl_ops = {
	daemon_config,
	daemon_info,
	daemon_reload,
	daemon_check,
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
			log_error("reopen access_log: %s", strerror(-error));
		if (strcmp(srv.config->error_log, "stderr") != 0 &&
		    strcmp(srv.config->error_log, "syslog") != 0 &&
		    (error = log_open(srv.config->error_log, "frontdoord")) !=
		        0)
			log_error("reopen error_log: %s", strerror(-error));
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
	struct config_errors errs = { NULL, 0 }, warns = { NULL, 0 };
	struct config       *cfg;
	int                  ch, check = 0, error, *fds;
	size_t               i, j, nl;

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
			return (0);
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
		return (1);
	}
	config_errors_free(&errs);
	if (check) {
		printf("%s: configuration ok\n", srv.path);
		config_unref(cfg);
		return (0);
	}
	if (geteuid() == 0 && cfg->user == NULL) {
		fprintf(stderr,
		    "%s: started as root without \"user\" in "
		    "[frontdoor]: refusing to serve as root\n",
		    srv.path);
		config_unref(cfg);
		return (1);
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
		    cfg->error_log, strerror(-error));
		return (1);
	}
	log_set_level(cfg->log_level);
	if ((error = accesslog_reopen(cfg)) != 0)
		fatal("%s: access_log %s: %s", srv.path, cfg->access_log,
		    strerror(-error));

	/* Bind every worker's listeners while still privileged. */
	srv.nworkers = cfg->workers;
	/* Each worker's HTTP sockets, then its HTTPS ones. */
	nl = cfg->nlisten_http + cfg->nlisten_https;
	fds = xcalloc(srv.nworkers * nl, sizeof(*fds));
	for (i = 0; i < srv.nworkers; i++) {
		for (j = 0; j < nl; j++) {
			const struct listen_conf *lc = j < cfg->nlisten_http ?
			    &cfg->listen_http[j] :
			    &cfg->listen_https[j - cfg->nlisten_http];

			if ((error = listen_socket(lc)) < 0)
				fatal("listen %s: %s", lc->text,
				    strerror(-error));
			fds[i * nl + j] = error;
		}
	}
	/* The control socket too: its owner and mode need privileges. */
	srv.loop = uv_default_loop();
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
	srv.workers = xcalloc(srv.nworkers, sizeof(*srv.workers));
	for (i = 0; i < srv.nworkers; i++) {
		error = worker_init(&srv.workers[i], i, cfg, fds + i * nl, nl,
		    cfg->nlisten_https);
		if (error != 0)
			fatal("worker %zu: %s", i, uv_strerror(error));
	}
	free(fds);

	uv_signal_init(srv.loop, &srv.sig_hup);
	uv_signal_init(srv.loop, &srv.sig_term);
	uv_signal_init(srv.loop, &srv.sig_int);
	uv_signal_init(srv.loop, &srv.sig_usr1);
	uv_timer_init(srv.loop, &srv.stop_timer);
	uv_timer_init(srv.loop, &srv.tick);
	uv_timer_start(&srv.tick, tick_cb, 1000, 1000);
	uv_signal_start(&srv.sig_hup, signal_cb, SIGHUP);
	uv_signal_start(&srv.sig_term, signal_cb, SIGTERM);
	uv_signal_start(&srv.sig_int, signal_cb, SIGINT);
	uv_signal_start(&srv.sig_usr1, signal_cb, SIGUSR1);

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
	config_errors_free(&srv.reload_errs);
	uv_loop_close(srv.loop);
	log_info("stopped");
	config_unref(srv.config);
	if (accesslog_fd >= 0)
		close(accesslog_fd);
	log_close();
	return (0);
}
