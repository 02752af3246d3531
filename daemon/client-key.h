/* SPDX-License-Identifier: ISC */
#ifndef FD_CLIENT_KEY_H
#define FD_CLIENT_KEY_H

/*
 * One client, as rate limits and bans count it: an IPv4 address (also
 * when it comes IPv4-mapped) or an IPv6 /64, whose host half an attacker
 * picks freely.  The key is 16 bytes: ::ffff:a.b.c.d, or the /64's first
 * 8 bytes followed by zeros.
 */

#include <sys/socket.h>

#include <stdint.h>
#include <string.h>

static const uint8_t client_key_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0xff, 0xff };

static inline void
client_key(int family, const uint8_t *addr, uint8_t key[16])
{
	if (family == AF_INET6 && memcmp(addr, client_key_mapped, 12) != 0) {
		memcpy(key, addr, 8);
		memset(key + 8, 0, 8);
		return;
	}
	memcpy(key, client_key_mapped, 12);
	memcpy(key + 12, family == AF_INET6 ? addr + 12 : addr, 4);
}

/* Seeded: keys chosen to share a chain would make every look-up slow. */
static inline uint64_t
client_key_hash(uint64_t seed, const uint8_t key[16])
{
	uint64_t h = seed, v;
	int      i;

	for (i = 0; i < 16; i += 8) {
		memcpy(&v, key + i, 8);
		h ^= v;
		h *= 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 32;
	return h;
}

#endif
