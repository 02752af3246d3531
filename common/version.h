/* SPDX-License-Identifier: ISC */
/* The version of frontdoor, shared by the daemon and the client. */
#ifndef FD_VERSION_H
#define FD_VERSION_H

#define FRONTDOOR_VERSION "0.1.0"

#endif
