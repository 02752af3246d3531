/* SPDX-License-Identifier: ISC */
/* Parsers for durations, sizes, booleans, lists, addresses, CIDR prefixes. */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "util.h"

/* Leading decimal digits of s into *v; returns the count, or 0 on overflow. */
static size_t
parse_digits(const char *s, uint64_t *v)
{
	uint64_t n = 0;
	size_t   i;

	for (i = 0; s[i] >= '0' && s[i] <= '9'; i++) {
		if (n > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return 0;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	*v = n;
	return i;
}

static int
parse_mul(uint64_t n, uint64_t mul, uint64_t *out)
{
	if (mul != 0 && n > UINT64_MAX / mul)
		return -1;
	*out = n * mul;
	return 0;
}

int
parse_duration_ms(const char *s, uint64_t *out)
{
	uint64_t    n, mul;
	size_t      i;
	const char *u;

	if ((i = parse_digits(s, &n)) == 0)
		return -1;
	u = s + i;
	if (*u == '\0' || strcasecmp(u, "s") == 0)
		mul = 1000;
	else if (strcasecmp(u, "ms") == 0)
		mul = 1;
	else if (strcasecmp(u, "m") == 0)
		mul = 60 * 1000;
	else if (strcasecmp(u, "h") == 0)
		mul = 3600 * 1000;
	else if (strcasecmp(u, "d") == 0)
		mul = 86400 * 1000;
	else
		return -1;
	return parse_mul(n, mul, out);
}

int
parse_size(const char *s, uint64_t *out)
{
	uint64_t    n, mul;
	size_t      i;
	const char *u;

	if ((i = parse_digits(s, &n)) == 0)
		return -1;
	u = s + i;
	if (*u == '\0')
		mul = 1;
	else if (u[1] != '\0')
		return -1;
	else if (*u == 'k' || *u == 'K')
		mul = 1024;
	else if (*u == 'm' || *u == 'M')
		mul = 1024 * 1024;
	else if (*u == 'g' || *u == 'G')
		mul = 1024 * 1024 * 1024;
	else
		return -1;
	return parse_mul(n, mul, out);
}

int
parse_bool(const char *s, int *out)
{
	static const char *yes[] = { "yes", "true", "on", "1" };
	static const char *no[] = { "no", "false", "off", "0" };
	size_t             i;

	for (i = 0; i < nitems(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return 0;
		}
	}
	return -1;
}

int
parse_uint(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t n;
	size_t   i;

	if ((i = parse_digits(s, &n)) == 0 || s[i] != '\0')
		return -1;
	if (n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

static int
parse_isspace(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
parse_list(const char *s, parse_list_cb cb, void *arg)
{
	const char *item, *end;
	size_t      len;
	int         rv;

	while (*s != '\0') {
		item = s;
		end = strchr(item, ',');
		if (end == NULL)
			end = item + strlen(item);
		s = *end == ',' ? end + 1 : end;
		while (item < end && parse_isspace((unsigned char)*item))
			item++;
		while (end > item && parse_isspace((unsigned char)end[-1]))
			end--;
		if ((len = (size_t)(end - item)) == 0)
			continue;
		if ((rv = cb(item, len, arg)) != 0)
			return rv;
	}
	return 0;
}

static int
parse_port(const char *s, uint16_t *port)
{
	uint64_t n;

	if (parse_uint(s, 1, 65535, &n) != 0)
		return -1;
	*port = (uint16_t)n;
	return 0;
}

int
parse_hostport(const char *s, int any_ok, struct fd_addr *out)
{
	struct sockaddr_in  sin;
	struct sockaddr_in6 sin6;
	char                host[INET6_ADDRSTRLEN];
	const char         *colon, *end;
	size_t              len;
	uint16_t            port;

	memset(&sin, 0, sizeof sin);
	memset(&sin6, 0, sizeof sin6);
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':')
			return -1;
		len = (size_t)(end - s - 1);
		if (len == 0 || len >= sizeof host)
			return -1;
		memcpy(host, s + 1, len);
		host[len] = '\0';
		if (inet_pton(AF_INET6, host, &sin6.sin6_addr) != 1)
			return -1;
		if (parse_port(end + 2, &port) != 0)
			return -1;
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(port);
		memset(out, 0, sizeof *out);
		memcpy(&out->ss, &sin6, sizeof sin6);
		out->len = sizeof sin6;
		return 0;
	}

	if ((colon = strrchr(s, ':')) == NULL ||
	    memchr(s, ':', (size_t)(colon - s)) != NULL)
		return -1;
	len = (size_t)(colon - s);
	if (len >= sizeof host)
		return -1;
	if (parse_port(colon + 1, &port) != 0)
		return -1;
	if (len == 0) {
		if (!any_ok)
			return -1;
		sin.sin_addr.s_addr = htonl(INADDR_ANY);
	} else {
		memcpy(host, s, len);
		host[len] = '\0';
		if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
			return -1;
	}
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	memset(out, 0, sizeof *out);
	memcpy(&out->ss, &sin, sizeof sin);
	out->len = sizeof sin;
	return 0;
}

void
addr_format_ip(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in  *sin;
	const struct sockaddr_in6 *sin6;

	if (len == 0)
		return;
	buf[0] = '\0';
	switch (sa->sa_family) {
	case AF_INET:
		sin = (const struct sockaddr_in *)(const void *)sa;
		/* Per request on the hot path: digits by hand, not inet_ntop. */
		if (len >= 16) {
			const uint8_t *a = (const uint8_t *)&sin->sin_addr;
			char          *p = buf;
			int            i;

			for (i = 0; i < 4; i++) {
				if (a[i] >= 100)
					*p++ = (char)('0' + a[i] / 100);
				if (a[i] >= 10)
					*p++ = (char)('0' + a[i] / 10 % 10);
				*p++ = (char)('0' + a[i] % 10);
				*p++ = i < 3 ? '.' : '\0';
			}
		} else if (inet_ntop(AF_INET, &sin->sin_addr, buf, len) == NULL)
			buf[0] = '\0';
		break;
	case AF_INET6:
		sin6 = (const struct sockaddr_in6 *)(const void *)sa;
		if (inet_ntop(AF_INET6, &sin6->sin6_addr, buf, len) == NULL)
			buf[0] = '\0';
		break;
	case AF_UNIX:
		snprintf(buf, len, "unix");
		break;
	default:
		snprintf(buf, len, "?");
		break;
	}
}

void
addr_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	addr_format_ip(sa, ip, sizeof ip);
	switch (sa->sa_family) {
	case AF_INET:
		snprintf(buf, len, "%s:%u", ip,
		    ntohs(((const struct sockaddr_in *)(const void *)sa)
		              ->sin_port));
		break;
	case AF_INET6:
		snprintf(buf, len, "[%s]:%u", ip,
		    ntohs(((const struct sockaddr_in6 *)(const void *)sa)
		              ->sin6_port));
		break;
	default:
		snprintf(buf, len, "%s", ip);
		break;
	}
}

int
parse_cidr(const char *s, struct cidr *out)
{
	struct cidr c;
	char        host[INET6_ADDRSTRLEN];
	const char *slash;
	size_t      len, i;
	uint64_t    bits;
	unsigned    max;

	memset(&c, 0, sizeof c);
	slash = strchr(s, '/');
	len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (len == 0 || len >= sizeof host)
		return -1;
	memcpy(host, s, len);
	host[len] = '\0';
	if (inet_pton(AF_INET, host, c.addr) == 1) {
		c.family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, c.addr) == 1) {
		c.family = AF_INET6;
		max = 128;
	} else
		return -1;
	bits = max;
	if (slash != NULL && parse_uint(slash + 1, 0, max, &bits) != 0)
		return -1;
	c.bits = (uint8_t)bits;

	/* Zero the host bits so that matching compares whole bytes. */
	for (i = 0; i < 16; i++) {
		if (i * 8 >= bits)
			c.addr[i] = 0;
		else if (i * 8 + 8 > bits)
			c.addr[i] &= (uint8_t)(0xff << (8 - (bits - i * 8)));
	}
	*out = c;
	return 0;
}

static int
cidr_match_bytes(const uint8_t *net, unsigned bits, const uint8_t *addr)
{
	unsigned full = bits / 8, rest = bits % 8;
	uint8_t  mask;

	if (memcmp(net, addr, full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (uint8_t)(0xff << (8 - rest));
	return (addr[full] & mask) == net[full];
}

int
cidr_match(const struct cidr *c, int family, const uint8_t *addr)
{
	static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0xff, 0xff };
	uint8_t              mapped[16];

	if (c->family == family)
		return cidr_match_bytes(c->addr, c->bits, addr);
	if (c->family == AF_INET && family == AF_INET6) {
		if (memcmp(addr, v4mapped, sizeof v4mapped) != 0)
			return 0;
		return cidr_match_bytes(c->addr, c->bits, addr + 12);
	}
	if (c->family == AF_INET6 && family == AF_INET) {
		memcpy(mapped, v4mapped, sizeof v4mapped);
		memcpy(mapped + 12, addr, 4);
		return cidr_match_bytes(c->addr, c->bits, mapped);
	}
	return 0;
}
