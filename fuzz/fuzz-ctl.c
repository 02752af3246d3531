/* SPDX-License-Identifier: ISC */
/* Fuzz the control protocol's parsers: request lines and JSON replies. */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ctlproto.h"
#include "json-read.h"

int LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char         *line, *words[CTL_MAX_WORDS + 1], err[128];
	struct jsonr *j;
	int           n, i;

	/* What the daemon does with one request line. */
	line = malloc(size + 1);
	memcpy(line, data, size);
	line[size] = '\0';
	n = ctl_split(line, words, CTL_MAX_WORDS + 1);
	if (n > CTL_MAX_WORDS + 1)
		abort();
	for (i = 0; i < n; i++) {
		if (words[i][0] == '\0' || strchr(words[i], ' ') != NULL)
			abort(); /* a word is never empty or split */
		(void)ctl_tag_ok(words[i]);
	}
	free(line);

	/* What the client does with one reply or event line. */
	if ((j = jsonr_parse((const char *)data, size, err, sizeof err)) !=
	    NULL) {
		(void)jsonr_str(j, "name", "");
		(void)jsonr_int(j, "requests", 0);
		(void)jsonr_arr(j, "hosts");
		jsonr_free(j);
	}
	return 0;
}
