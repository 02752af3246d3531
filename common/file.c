/* SPDX-License-Identifier: ISC */
/* Reading a whole file into memory: certificates, keys, htpasswd files. */

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "util.h"

/* The first allocation when the size is unknown (or 0, as in /proc). */
#define FILE_CHUNK 4096

int
file_read(const char *path, size_t max, char **data, size_t *len,
    struct stat *st)
{
	struct stat sb;
	char       *b = NULL, *nb, c;
	size_t      n = 0, room;
	ssize_t     r;
	int         fd, err;

	*data = NULL;
	*len = 0;
	/*
	 * O_NONBLOCK: opening a FIFO would wait for a writer; a regular
	 * file, all that is read here, reads the same with it.
	 */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) ==
	    -1)
		return -errno;
	if (fstat(fd, &sb) == -1) {
		err = errno;
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		err = S_ISDIR(sb.st_mode) ? EISDIR : EINVAL;
		goto fail;
	}
	if ((uint64_t)sb.st_size > max) {
		err = EFBIG;
		goto fail;
	}
	room = sb.st_size > 0 ? (size_t)sb.st_size : MIN(FILE_CHUNK, max);
	b = xmalloc(room + 1);
	for (;;) {
		if (n == room) {
			/* Full: the end of the file, or it grew since fstat. */
			r = read(fd, &c, 1);
			if (r == 1 && room == max) {
				err = EFBIG;
				goto fail;
			}
			if (r == 1) {
				/* Double, at least a chunk, at most max. */
				room = room > max / 2 ? max : 2 * room;
				room = MIN(MAX(room, FILE_CHUNK), max);
				nb = xmalloc(room + 1);
				memcpy(nb, b, n);
				explicit_bzero(b, n);
				free(b);
				b = nb;
				b[n++] = c;
				continue;
			}
		} else
			r = read(fd, b + n, room - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			err = errno;
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	b[n] = '\0';
	if (st != NULL)
		*st = sb;
	*data = b;
	*len = n;
	return 0;
fail:
	if (b != NULL) {
		explicit_bzero(b, n);
		free(b);
	}
	close(fd);
	return -err;
}
