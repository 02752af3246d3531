/* SPDX-License-Identifier: ISC */
/* Writing JSON strings: the access log and the control socket share this. */

#include <string.h>

#include "json-write.h"

void
json_str(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	char              esc[6] = { '\\', 'u', '0', '0', 0, 0 };
	size_t            i, run = 0;

	buf_append(b, "\"", 1);
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			continue;
		/* Flush the plain run before this byte. */
		buf_append(b, s + run, i - run);
		run = i + 1;
		if (c == '"' || c == '\\') {
			esc[1] = c;
			buf_append(b, esc, 2);
			esc[1] = 'u';
		} else {
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			buf_append(b, esc, 6);
		}
	}
	buf_append(b, s + run, len - run);
	buf_append(b, "\"", 1);
}

void
json_cstr(struct buf *b, const char *s)
{
	json_str(b, s, strlen(s));
}
