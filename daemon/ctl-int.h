/* SPDX-License-Identifier: ISC */
/* Inside the control socket: clients, replies, commands, the state file. */
#ifndef FD_CTL_INT_H
#define FD_CTL_INT_H

#include <sys/types.h>

#include <unistd.h>

#include <uv.h>

#include "buf.h"
#include "ctl.h"
#include "ctlcmd.h"
#include "ctlproto.h"
#include "list.h"
#include "wbuf.h"

#define CTL_MAX_CLIENTS 64
/* A client whose unsent output passes this is too slow: it is dropped. */
#define CTL_OUT_MAX (1024 * 1024)
/* Past this much unsent output, events for it are dropped and counted. */
#define CTL_EVENTS_MAX (256 * 1024)

struct ctl_client {
	uv_pipe_t   pipe;
	struct list link; /* in the list of every client */
	char        in[CTL_LINE_MAX + 1];
	size_t      inlen;
	int         discard; /* the rest of an overlong line */
	struct wbuf out;
	int         closing;
	int         closed; /* its handle is closed */
	int         eof;    /* the client sent all it will */
	int         refs;   /* work in flight for it */
	int         readonly;
	int         subscribed;
	uint64_t    dropped; /* events it missed */
	uid_t       uid;
};

/* Root and the daemon's own user: they can read whatever the daemon reads. */
static inline int
ctl_uid_admin(uid_t uid)
{
	return uid == 0 || uid == geteuid();
}

/*
 * The daemon's side of a command of ctlcmd_table (HAProxy's cli_kw, tmux's
 * cmd_entry): write the reply's JSON lines to out and return 0, or return
 * -1 with a message in err.  A handler that finishes later returns 1 and
 * calls ctl_reply_end() itself.  Its arguments were counted against the
 * table, and an admin command is never run for a read-only session.
 */
typedef int (*ctl_cmd_fn)(struct ctl_client *, const char *tag, char **args,
    int nargs, struct buf *out, char *err, size_t errlen);

extern const struct ctl_ops *ctl_ops;

/* ctl-cmd.c: the handler of each command the daemon serves, else NULL. */
extern const ctl_cmd_fn ctl_cmd_fns[CTLCMD_COUNT];

/* ctl.c */
void ctl_send(struct ctl_client *, const char *, size_t);
void ctl_reply_end(struct ctl_client *, const char *tag, struct buf *out,
    const char *err);
void ctl_client_hold(struct ctl_client *);
void ctl_client_release(struct ctl_client *);
void ctl_subscribers_changed(void);
/* Send an event (a JSON object without the prefix) to every subscriber. */
void ctl_broadcast(const char *json, size_t len);
void ctl_subscribe(struct ctl_client *, int on);

/* ctl-state.c */
/* Write the switches of cfg to its state_file, off the loop; done gets
 * 0 or a negative errno. */
typedef void (*ctl_state_done)(void *arg, int error);
void ctl_state_save(const struct config *, ctl_state_done, void *arg);
/* Once a second: a write that failed is tried again after a while. */
void ctl_state_tick(void);

#endif
