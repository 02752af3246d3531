/* SPDX-License-Identifier: ISC */
/* "check" without the daemon: run frontdoord -t on a file. */
#ifndef FD_CHECK_LOCAL_H
#define FD_CHECK_LOCAL_H

/*
 * Check file with frontdoord -t -c FILE (the frontdoord next to this
 * program, else the first in $PATH).  Without json its output is passed
 * through; with json one object is printed, the shape of the daemon's
 * reply to "check": {"ok":..,"file":..,"errors":[..]}.  Returns the exit
 * status: 0 good, 1 problems or frontdoord could not be run.
 */
int check_local(const char *file, int json);

#endif
