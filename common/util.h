/* SPDX-License-Identifier: ISC */
/* Allocation wrappers and small helpers shared by frontdoord and frontdoor. */
#ifndef FD_UTIL_H
#define FD_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define nitems(a) (sizeof(a) / sizeof((a)[0]))
#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif

/* Abort with a message on allocation failure: callers never see NULL. */
void *xmalloc(size_t);
void *xcalloc(size_t, size_t);
void *xrealloc(void *, size_t);
void *xreallocarray(void *, size_t, size_t);
char *xstrdup(const char *);
char *xstrndup(const char *, size_t);
/* printf into a new string. */
char *xasprintf(const char *, ...) __attribute__((format(printf, 1, 2)));

/* ASCII-only case folding, independent of the locale. */
static inline int
fd_tolower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}
/* Case-insensitive compare of two byte strings of the given lengths. */
int fd_strncaseeq(const char *, size_t, const char *, size_t);

/* Monotonic clock in milliseconds and wall clock in microseconds. */
uint64_t fd_now_ms(void);
uint64_t fd_wall_us(void);

#endif
