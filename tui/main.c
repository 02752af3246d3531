/* SPDX-License-Identifier: ISC */
/* frontdoor: the client; this version runs "check" and knows the other commands. */

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "util.h"
#include "version.h"

#define DEFAULT_CONFIG   "/etc/frontdoor/frontdoor.ini"
#define DEFAULT_SOCKET   "/run/frontdoor/control.sock"
#define CHECK_OUTPUT_MAX (1024 * 1024)

/* Exit statuses, frontdoor(1). */
#define EXIT_REFUSED 1
#define EXIT_USAGE   2

/* Commands that need the control socket, which this version does not have. */
static const char *main_ctl_commands[] = { "status", "routes", "backends",
	"route", "maintenance", "backend", "bans", "unban", "reload", "log",
	"cache" };

static void
main_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: frontdoor [-s SOCKET] [--json] [COMMAND ...]\n"
	    "       frontdoor -h | -V\n"
	    "\n"
	    "commands:\n"
	    "  check [FILE]    validate a configuration with frontdoord -t\n"
	    "                  (default " DEFAULT_CONFIG ")\n"
	    "\n"
	    "status, routes, backends, route, maintenance, backend, bans,\n"
	    "unban, reload, log and cache need the control socket, which\n"
	    "this version does not provide yet.  See frontdoor(1).\n");
}

/*
 * The frontdoord next to this program (an uninstalled build, or an install
 * that puts both in one directory), else NULL to search $PATH.  Returns a
 * new string.
 */
static char *
main_find_daemon(void)
{
	char    self[PATH_MAX], *slash, *path;
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n <= 0)
		return NULL;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return NULL;
	*slash = '\0';
	path = xasprintf("%s/frontdoord", self);
	if (access(path, X_OK) == 0)
		return path;
	free(path);
	return NULL;
}

/* Replace this process with frontdoord -t -c file.  Returns only on failure. */
static void
main_exec_daemon(const char *file)
{
	char *daemon;
	/* execv(3) takes char *const []; it does not write to them. */
	char *argv[] = { (char *)"frontdoord", (char *)"-t", (char *)"-c",
		(char *)file, NULL };

	if ((daemon = main_find_daemon()) != NULL) {
		execv(daemon, argv);
		free(daemon);
	}
	execvp("frontdoord", argv);
}

static void
main_json_string(const char *s, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c == '\n')
			fputs("\\n", stdout);
		else if (c == '\t')
			fputs("\\t", stdout);
		else if (c < 0x20 || c == 0x7f)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

/*
 * check --json: run frontdoord -t with its output captured and print
 * {"command":"check","file":...,"ok":...,"messages":[...]}, one message per
 * line the daemon printed.  Returns the exit status.
 */
static int
main_check_json(const char *file)
{
	struct buf out;
	int        fds[2], status, rc = EXIT_REFUSED, first = 1;
	pid_t      pid;
	ssize_t    n;
	char       chunk[4096];
	size_t     start, i;

	if (pipe(fds) == -1) {
		fprintf(stderr, "frontdoor: pipe: %s\n", strerror(errno));
		return EXIT_REFUSED;
	}
	if ((pid = fork()) == -1) {
		fprintf(stderr, "frontdoor: fork: %s\n", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return EXIT_REFUSED;
	}
	if (pid == 0) {
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) == -1 ||
		    dup2(fds[1], STDERR_FILENO) == -1)
			_exit(EXIT_REFUSED);
		close(fds[1]);
		main_exec_daemon(file);
		fprintf(stderr, "frontdoor: cannot run frontdoord: %s\n",
		    strerror(errno));
		_exit(EXIT_REFUSED);
	}
	close(fds[1]);

	buf_init(&out, CHECK_OUTPUT_MAX);
	for (;;) {
		n = read(fds[0], chunk, sizeof chunk);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Past the cap, keep draining so the child can finish. */
		(void)buf_append(&out, chunk, (size_t)n);
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			fprintf(stderr, "frontdoor: waitpid: %s\n",
			    strerror(errno));
			goto out;
		}
	}
	if (WIFEXITED(status))
		rc = WEXITSTATUS(status);

	printf("{\"command\":\"check\",\"file\":");
	main_json_string(file, strlen(file));
	printf(",\"ok\":%s,\"messages\":[", rc == 0 ? "true" : "false");
	for (start = 0, i = 0; i <= out.len; i++) {
		if (i < out.len && out.data[i] != '\n')
			continue;
		if (i > start) {
			if (!first)
				putchar(',');
			main_json_string(out.data + start, i - start);
			first = 0;
		}
		start = i + 1;
	}
	printf("]}\n");
out:
	buf_free(&out);
	return rc;
}

static int
main_check(int argc, char **argv, int json)
{
	const char *file = DEFAULT_CONFIG;

	if (argc > 1) {
		fprintf(stderr, "usage: frontdoor check [FILE]\n");
		return EXIT_USAGE;
	}
	if (argc == 1)
		file = argv[0];
	if (json)
		return main_check_json(file);
	fflush(stdout);
	main_exec_daemon(file);
	fprintf(stderr, "frontdoor: cannot run frontdoord: %s\n",
	    strerror(errno));
	return EXIT_REFUSED;
}

int
main(int argc, char **argv)
{
	const char *socket_path, *cmd = NULL;
	char      **cargv;
	int         i, rc, cargc = 0, json = 0, only_args = 0;
	size_t      j;

	if ((socket_path = getenv("FRONTDOOR_SOCKET")) == NULL ||
	    *socket_path == '\0')
		socket_path = DEFAULT_SOCKET;
	cargv = xcalloc((size_t)argc + 1, sizeof *cargv);

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!only_args && strcmp(a, "--json") == 0) {
			json = 1;
			continue;
		}
		if (cmd != NULL || only_args || a[0] != '-' || a[1] == '\0') {
			if (cmd == NULL)
				cmd = a;
			else
				cargv[cargc++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0)
			only_args = 1;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			main_usage(stdout);
			free(cargv);
			return 0;
		} else if (strcmp(a, "-V") == 0 ||
		    strcmp(a, "--version") == 0) {
			printf("frontdoor %s\n", FRONTDOOR_VERSION);
			free(cargv);
			return 0;
		} else if (strcmp(a, "-s") == 0) {
			if (++i == argc) {
				fprintf(stderr,
				    "frontdoor: -s needs a socket path\n");
				goto usage;
			}
			socket_path = argv[i];
		} else if (strncmp(a, "-s", 2) == 0)
			socket_path = a + 2;
		else {
			fprintf(stderr, "frontdoor: unknown option: %s\n", a);
			goto usage;
		}
	}

	if (cmd == NULL)
		goto usage;
	if (strcmp(cmd, "check") == 0) {
		rc = main_check(cargc, cargv, json);
		free(cargv);
		return rc;
	}
	free(cargv);
	for (j = 0; j < nitems(main_ctl_commands); j++) {
		if (strcmp(cmd, main_ctl_commands[j]) == 0) {
			fprintf(stderr,
			    "frontdoor: %s: the control socket is "
			    "not available in this version\n",
			    cmd);
			return EXIT_USAGE;
		}
	}
	fprintf(stderr, "frontdoor: unknown command: %s\n", cmd);
	return EXIT_USAGE;

usage:
	free(cargv);
	main_usage(stderr);
	return EXIT_USAGE;
}
