/* SPDX-License-Identifier: ISC */
/* The control socket: statistics, live events and runtime switches. */
#ifndef FD_CTL_H
#define FD_CTL_H

#include <stdint.h>
#include <uv.h>

struct config;
struct config_errors;

/* What the daemon knows of itself, for "status". */
struct ctl_daemon {
	const char           *config_path;
	uint64_t              started;     /* wall clock, seconds */
	uint64_t              reload_time; /* wall clock, seconds; 0 never */
	int                   reload_ok;
	struct config_errors *reload_errs; /* of the last failed reload */
	unsigned              nworkers;
	/* "listeners":[...],"listeners_https":[...]: bound at start, kept
	 * through reloads (frontdoord(8)). */
	char *listeners_json;
};

typedef void (
    *ctl_reload_done)(void *arg, int ok, const struct config_errors *errs);

struct ctl_ops {
	/* The configuration in force (borrowed). */
	struct config *(*config)(void);
	const struct ctl_daemon *(*daemon)(void);
	/* Reload; done runs on the main loop when it is over. */
	void (*reload)(ctl_reload_done done, void *arg);
	/* The checks of frontdoord -t on file, off the loop. */
	void (*check)(const char *file, ctl_reload_done done, void *arg);
	/* Have every worker close the tunnels of routes switched off. */
	void (*cut_tunnels)(void);
};

/*
 * Bind the control socket of cfg (mode 0660 and group control_group, or
 * 0600 without one) while still privileged, then serve it on loop.
 * Returns 0 or a negative errno (the daemon runs on without it); exits
 * when another process listens on the path.
 */
int ctl_start(uv_loop_t *, const struct config *, const struct ctl_ops *);
/* Close the socket and every client. */
void ctl_stop(void);
/*
 * The state file: read at start (switches re-applied), pruned and written
 * again after a reload.  Runs its file I/O on the thread pool.
 */
void ctl_state_load(const struct config *);
void ctl_config_changed(const struct config *, int ok,
    const struct config_errors *errs);
/*
 * Main loop, once a second: bans made by the workers are written to the
 * state file, at most every 10 seconds (frontdoord(8), "Gatekeeping").
 */
void ctl_tick(void);
/* Bans not yet written, now: at stop, once the last worker is done. */
void ctl_save_bans_now(void);

#endif
