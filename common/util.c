/* SPDX-License-Identifier: ISC */
/* Allocation wrappers, locale-free string helpers and clocks. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static void __attribute__((noreturn)) util_oom(const char *what, size_t n)
{
	char msg[128];
	int  len;

	/* No allocation and no stdio buffering: memory is what we lack. */
	len = snprintf(msg, sizeof msg, "frontdoor: %s(%zu): out of memory\n",
	    what, n);
	if (len > 0)
		(void)!write(2, msg, (size_t)MIN(len, (int)sizeof msg - 1));
	abort();
}

void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		util_oom("xmalloc", n);
	return p;
}

void *
xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if ((p = calloc(nmemb, size)) == NULL)
		util_oom("xcalloc", nmemb * size);
	return p;
}

void *
xrealloc(void *p, size_t n)
{
	void *np;

	if ((np = realloc(p, n == 0 ? 1 : n)) == NULL)
		util_oom("xrealloc", n);
	return np;
}

void *
xreallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size)
		util_oom("xreallocarray", SIZE_MAX);
	return xrealloc(p, nmemb * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p;

	n = strnlen(s, n);
	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	va_list ap;
	char   *s;
	int     n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		util_oom("xasprintf", 0);
	return s;
}

int
fd_strncaseeq(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t i;

	if (alen != blen)
		return 0;
	for (i = 0; i < alen; i++) {
		if (fd_tolower((unsigned char)a[i]) !=
		    fd_tolower((unsigned char)b[i]))
			return 0;
	}
	return 1;
}

uint64_t
fd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
fd_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}
