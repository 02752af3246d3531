/* SPDX-License-Identifier: ISC */
/* Country of a client address from a MaxMind DB (GeoLite2, DB-IP). */

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <maxminddb.h>

#include "geoip.h"
#include "util.h"

/* This is the only file that includes libmaxminddb. */

struct geoip {
	MMDB_s mmdb;
};

struct geoip *
geoip_open(const char *path, char *why, size_t whylen)
{
	struct geoip *g = xcalloc(1, sizeof *g);
	int           rv;

	rv = MMDB_open(path, MMDB_MODE_MMAP, &g->mmdb);
	if (rv != MMDB_SUCCESS) {
		snprintf(why, whylen, "%s",
		    rv == MMDB_IO_ERROR ? "cannot read it" : MMDB_strerror(rv));
		free(g);
		return NULL;
	}
	return g;
}

void
geoip_close(struct geoip *g)
{
	if (g == NULL)
		return;
	MMDB_close(&g->mmdb);
	free(g);
}

int
geoip_is_local(const struct sockaddr *sa)
{
	const uint8_t       *a;
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
		0xff };

	if (sa->sa_family == AF_INET6) {
		a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (memcmp(a, mapped, 12) == 0)
			a += 12; /* IPv4 below */
		else {
			static const uint8_t zero[15] = { 0 };

			return (memcmp(a, zero, 15) == 0 &&
			           (a[15] == 0 || a[15] == 1)) || /* :: ::1 */
			    (a[0] & 0xfe) == 0xfc ||              /* fc00::/7 */
			    (a[0] == 0xfe && (a[1] & 0xc0) == 0x80); /* fe80 */
		}
	} else if (sa->sa_family == AF_INET)
		a = (const uint8_t *)&((const struct sockaddr_in *)sa)
		        ->sin_addr;
	else
		return 1;
	return a[0] == 0 || a[0] == 10 || a[0] == 127 ||
	    (a[0] == 169 && a[1] == 254) ||
	    (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	    (a[0] == 192 && a[1] == 168) ||
	    (a[0] == 100 && (a[1] & 0xc0) == 64);
}

static int
geoip_get(MMDB_entry_s *entry, const char *map, char cc[3])
{
	MMDB_entry_data_s d;

	if (MMDB_get_value(entry, &d, map, "iso_code", NULL) != MMDB_SUCCESS ||
	    !d.has_data || d.type != MMDB_DATA_TYPE_UTF8_STRING ||
	    d.data_size != 2)
		return -1;
	cc[0] = (char)(d.utf8_string[0] & ~0x20); /* ASCII upper case */
	cc[1] = (char)(d.utf8_string[1] & ~0x20);
	cc[2] = '\0';
	if (cc[0] < 'A' || cc[0] > 'Z' || cc[1] < 'A' || cc[1] > 'Z') {
		cc[0] = '\0';
		return -1;
	}
	return 0;
}

void
geoip_country(const struct geoip *g, const struct sockaddr *sa, char cc[3])
{
	MMDB_lookup_result_s res;
	int                  mmerr;

	struct sockaddr_in v4;
	const uint8_t     *a;

	cc[0] = '\0';
	if (g == NULL || geoip_is_local(sa))
		return;
	if (sa->sa_family == AF_INET6) {
		/* A v4-mapped address is looked up as the IPv4 one. */
		a = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(
		        &((const struct sockaddr_in6 *)sa)->sin6_addr)) {
			memset(&v4, 0, sizeof v4);
			v4.sin_family = AF_INET;
			memcpy(&v4.sin_addr, a + 12, 4);
			sa = (const struct sockaddr *)&v4;
		}
	}
	res = MMDB_lookup_sockaddr((MMDB_s *)&g->mmdb, sa, &mmerr);
	if (mmerr != MMDB_SUCCESS || !res.found_entry)
		return;
	if (geoip_get(&res.entry, "country", cc) != 0)
		(void)geoip_get(&res.entry, "registered_country", cc);
}
