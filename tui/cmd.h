/* SPDX-License-Identifier: ISC */
/* The commands of frontdoor: a table, local usage checks, and their runs. */
#ifndef FD_CMD_H
#define FD_CMD_H

#include <stdio.h>

#include "client.h"

/* Exit statuses, as frontdoor(1) gives them. */
#define EXIT_OK          0
#define EXIT_REFUSED     1 /* the daemon refused, or reload/check not ok */
#define EXIT_USAGE       2
#define EXIT_UNREACHABLE 3 /* no daemon, or it broke the protocol */

#define DEFAULT_SOCKET "/run/frontdoor/control.sock"
#define DEFAULT_CONFIG "/etc/frontdoor/frontdoor.ini"

struct cmd_ctx {
	const char   *socket;
	int           json;
	int           readonly; /* -r: send "readonly" first */
	int           timeout;  /* ms for a reply; 0: CLIENT_TIMEOUT_MS */
	int           connected;
	struct client client;
	/* For the client: see struct client. */
	const sigset_t        *sigmask;
	volatile sig_atomic_t *stop;
};

/*
 * Run one command, argv[0] its name.  Checks the usage before connecting
 * (EXIT_USAGE with a message), connects on demand, prints the result on
 * stdout and problems on stderr.  Returns the exit status.
 */
int cmd_run(struct cmd_ctx *, int argc, char **argv);
/* The usage of every command, one per line, indented. */
void cmd_usage(FILE *);
/* Disconnect, if connected. */
void cmd_done(struct cmd_ctx *);

#endif
