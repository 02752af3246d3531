/* SPDX-License-Identifier: ISC */
/* Country of a client address from a MaxMind DB (GeoLite2, DB-IP). */
#ifndef FD_GEOIP_H
#define FD_GEOIP_H

#include <sys/socket.h>

#include <stddef.h>

/*
 * An opened database, memory-mapped: lookups read the mapping only, so
 * they are fast enough for an event loop and safe from any thread.  Each
 * configuration opens its own (a reload reopens the file) and closes it
 * when the last connection using it is gone.
 */
struct geoip;

/* Open path; NULL with why filled when it does not open.  Does file I/O. */
struct geoip *geoip_open(const char *path, char *why, size_t whylen);
/* NULL is a no-op. */
void geoip_close(struct geoip *);

/*
 * The ISO 3166 code of addr's country into cc (3 bytes: "DE"), or "" when
 * the database does not know it.  Loopback, private, link-local and other
 * local addresses are never looked up: they stay "".
 */
void
geoip_country(const struct geoip *, const struct sockaddr *addr, char cc[3]);
/* Whether addr is loopback, private, link-local, CGNAT or unique-local. */
int geoip_is_local(const struct sockaddr *addr);

#endif
