/* SPDX-License-Identifier: ISC */
/* The dashboard: curses screens over frontdoord's control socket. */
#ifndef FD_DASH_H
#define FD_DASH_H

/*
 * Run the dashboard on the terminal (stdin and stdout) against the control
 * socket at path until the user quits; reconnects by itself whenever the
 * daemon goes away.  readonly: send "readonly" first and refuse every
 * changing key.  Returns the exit status (0 after q).
 */
int dash_run(const char *path, int readonly);

#endif
