/* SPDX-License-Identifier: ISC */
/* frontdoor: the client of frontdoord's control socket; options and dispatch. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "dash.h"
#include "util.h"
#include "version.h"

static void
main_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: frontdoor [-r] [-s SOCKET] [--json] [COMMAND ...]\n"
	    "       frontdoor -h | -V\n"
	    "\n"
	    "  -s SOCKET   the control socket (default $FRONTDOOR_SOCKET,\n"
	    "              else " DEFAULT_SOCKET ")\n"
	    "  --json      print JSON, one object per line\n"
	    "  -r          read-only: the session may change nothing\n"
	    "\n"
	    "commands:\n");
	cmd_usage(fp);
	fprintf(fp,
	    "\nWith no command on a terminal: the dashboard (? shows its "
	    "keys).\nSee frontdoor(1).\n");
}

int
main(int argc, char **argv)
{
	struct cmd_ctx ctx;
	char         **cargv;
	char          *end;
	const char    *env;
	long           secs;
	int            i, rc, cargc = 0, only_args = 0;

	memset(&ctx, 0, sizeof ctx);
	if ((ctx.socket = getenv("FRONTDOOR_SOCKET")) == NULL ||
	    *ctx.socket == '\0')
		ctx.socket = DEFAULT_SOCKET;
	if ((env = getenv("FRONTDOOR_TIMEOUT")) != NULL && *env != '\0') {
		secs = strtol(env, &end, 10);
		if (*end != '\0' || secs < 1 || secs > 3600) {
			fprintf(stderr,
			    "frontdoor: FRONTDOOR_TIMEOUT: not a "
			    "number of seconds from 1 to 3600: %s\n",
			    env);
			return EXIT_USAGE;
		}
		ctx.timeout = (int)secs * 1000;
	}
	cargv = xcalloc((size_t)argc + 1, sizeof *cargv);

	/* Options come before the command; --json is taken anywhere. */
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!only_args && strcmp(a, "--json") == 0) {
			ctx.json = 1;
			continue;
		}
		if (cargc > 0 || only_args || a[0] != '-' || a[1] == '\0') {
			cargv[cargc++] = argv[i];
			continue;
		}
		if (strcmp(a, "--") == 0)
			only_args = 1;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			main_usage(stdout);
			free(cargv);
			return EXIT_OK;
		} else if (strcmp(a, "-V") == 0 ||
		    strcmp(a, "--version") == 0) {
			printf("frontdoor %s\n", FRONTDOOR_VERSION);
			free(cargv);
			return EXIT_OK;
		} else if (strcmp(a, "-r") == 0)
			ctx.readonly = 1;
		else if (strcmp(a, "-s") == 0) {
			if (++i == argc) {
				fprintf(stderr,
				    "frontdoor: -s needs a socket path\n");
				goto usage;
			}
			ctx.socket = argv[i];
		} else if (strncmp(a, "-s", 2) == 0)
			ctx.socket = a + 2;
		else {
			fprintf(stderr, "frontdoor: unknown option: %s\n", a);
			goto usage;
		}
	}
	if (*ctx.socket == '\0') {
		fprintf(stderr, "frontdoor: an empty socket path\n");
		goto usage;
	}

	if (cargc == 0) {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
			goto usage;
		free(cargv);
		return dash_run(ctx.socket, ctx.readonly);
	} else
		rc = cmd_run(&ctx, cargc, cargv);
	cmd_done(&ctx);
	free(cargv);
	return rc;

usage:
	free(cargv);
	main_usage(stderr);
	return EXIT_USAGE;
}
