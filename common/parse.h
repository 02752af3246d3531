/* SPDX-License-Identifier: ISC */
/* Parsing of the value types used in frontdoor.ini and on the control socket. */
#ifndef FD_PARSE_H
#define FD_PARSE_H

#include <sys/socket.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Each parser accepts a NUL-terminated string with no surrounding white space
 * (callers trim), returns 0 and stores the value, or returns -1 and leaves the
 * output untouched.  Overflow is an error, never a wrap.
 */

/* "500ms", "10s", "5m", "1h", "2d"; a bare number is seconds.  Milliseconds. */
int parse_duration_ms(const char *, uint64_t *);
/* "512", "16k", "10m", "1g" (powers of 1024, case-insensitive).  Bytes. */
int parse_size(const char *, uint64_t *);
/* yes/no, true/false, on/off, 1/0 (case-insensitive). */
int parse_bool(const char *, int *);
/* Decimal unsigned integer within [min, max]. */
int parse_uint(const char *, uint64_t min, uint64_t max, uint64_t *);

/*
 * Split a comma-separated list, calling cb for each item with surrounding
 * white space trimmed.  Empty items are skipped.  Returns the first non-zero
 * value returned by cb, else 0.
 */
typedef int (*parse_list_cb)(const char *item, size_t len, void *arg);
int parse_list(const char *, parse_list_cb, void *);

/*
 * An address with port: "host:port", ":port" (any address: 0.0.0.0 when
 * any_ok), "[v6]:port".  Numeric addresses only, no DNS.  A port is 1-65535.
 */
struct fd_addr {
	struct sockaddr_storage ss;
	socklen_t               len;
};
int parse_hostport(const char *, int any_ok, struct fd_addr *);
/*
 * Room for an address with port as addr_format() writes it, the longest
 * being "[v6]:port", and its NUL: the size of every buffer that holds one.
 * An address alone fits in INET6_ADDRSTRLEN.
 */
#define ADDR_STRLEN (INET6_ADDRSTRLEN + sizeof("[]:65535") - 1)
/* Format an address as "1.2.3.4:80" or "[::1]:80" into buf (ADDR_STRLEN). */
void addr_format(const struct sockaddr *, char *, size_t);
/* Format only the IP part ("1.2.3.4", "::1"). */
void addr_format_ip(const struct sockaddr *, char *, size_t);

/* A CIDR prefix: "10.0.0.0/8", "::1/128", or a bare address (full length). */
struct cidr {
	int     family;   /* AF_INET or AF_INET6 */
	uint8_t addr[16]; /* network byte order, host bits zeroed */
	uint8_t bits;
};
int parse_cidr(const char *, struct cidr *);
/*
 * Whether the address (4 or 16 bytes, network order, of the given family)
 * lies in the prefix.  IPv4-mapped IPv6 addresses match IPv4 prefixes.
 */
int cidr_match(const struct cidr *, int family, const uint8_t *addr);

#endif
