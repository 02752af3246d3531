/* SPDX-License-Identifier: ISC */
/* The control protocol between frontdoord and frontdoor, both sides. */

#include <string.h>

#include "ctlproto.h"

int
ctl_split(char *line, char **words, int max)
{
	char *p = line;
	int   n = 0;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return (n);
		if (n == max)
			return (-1);
		words[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t') {
			if ((unsigned char)*p < 0x21 ||
			    (unsigned char)*p > 0x7e)
				return (-1);
			p++;
		}
		if (*p != '\0')
			*p++ = '\0';
	}
}

int
ctl_tag_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > CTL_TAG_MAX)
		return (0);
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		        c == '-'))
			return (0);
	}
	return (1);
}
