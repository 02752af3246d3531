/* SPDX-License-Identifier: ISC */
/* "check" without the daemon: run frontdoord -t on a file. */

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "check-local.h"
#include "json-write.h"
#include "util.h"

#define CHECK_OUTPUT_MAX (1024 * 1024)

/*
 * The frontdoord next to this program (an uninstalled build, or an install
 * that puts both in one directory), else NULL to search $PATH.  Returns a
 * new string.
 */
static char *
check_find_daemon(void)
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
check_exec_daemon(const char *file)
{
	char *daemon;
	/* execv(3) takes char *const []; it does not write to them. */
	char *argv[] = { (char *)"frontdoord", (char *)"-t", (char *)"-c",
		(char *)file, NULL };

	if ((daemon = check_find_daemon()) != NULL) {
		execv(daemon, argv);
		free(daemon);
	}
	execvp("frontdoord", argv);
}

/* Run frontdoord -t with stdout and stderr captured into out. */
static int
check_capture(const char *file, struct buf *out)
{
	int     fds[2], status, rc = 1;
	pid_t   pid;
	ssize_t n;
	char    chunk[4096];

	if (pipe(fds) == -1) {
		fprintf(stderr, "frontdoor: pipe: %s\n", strerror(errno));
		return 1;
	}
	fflush(NULL);
	if ((pid = fork()) == -1) {
		fprintf(stderr, "frontdoor: fork: %s\n", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return 1;
	}
	if (pid == 0) {
		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) == -1 ||
		    dup2(fds[1], STDERR_FILENO) == -1)
			_exit(1);
		close(fds[1]);
		check_exec_daemon(file);
		fprintf(stderr, "frontdoor: cannot run frontdoord: %s\n",
		    strerror(errno));
		_exit(1);
	}
	close(fds[1]);
	for (;;) {
		n = read(fds[0], chunk, sizeof chunk);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		/* Past the cap, keep draining so the child can finish. */
		(void)buf_append(out, chunk, (size_t)n);
	}
	close(fds[0]);
	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			fprintf(stderr, "frontdoor: waitpid: %s\n",
			    strerror(errno));
			return 1;
		}
	}
	if (WIFEXITED(status))
		rc = WEXITSTATUS(status);
	return rc;
}

int
check_local(const char *file, int json)
{
	struct buf out, js;
	char      *okline;
	size_t     start, i;
	int        rc, first = 1;

	if (!json) {
		fflush(NULL);
		check_exec_daemon(file);
		fprintf(stderr, "frontdoor: cannot run frontdoord: %s\n",
		    strerror(errno));
		return 1;
	}

	buf_init(&out, CHECK_OUTPUT_MAX);
	rc = check_capture(file, &out);
	okline = xasprintf("%s: configuration ok", file);

	buf_init(&js, 0);
	buf_printf(&js, "{\"ok\":%s,\"file\":", rc == 0 ? "true" : "false");
	json_cstr(&js, file);
	buf_puts(&js, ",\"errors\":[");
	for (start = 0, i = 0; i <= out.len; i++) {
		if (i < out.len && out.data[i] != '\n')
			continue;
		if (i > start &&
		    !(i - start == strlen(okline) &&
		        memcmp(out.data + start, okline, i - start) == 0)) {
			if (!first)
				buf_puts(&js, ",");
			json_str(&js, out.data + start, i - start);
			first = 0;
		}
		start = i + 1;
	}
	buf_puts(&js, "]}\n");
	fwrite(js.data, 1, js.len, stdout);
	buf_free(&js);
	buf_free(&out);
	free(okline);
	return rc == 0 ? 0 : 1;
}
