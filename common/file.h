/* SPDX-License-Identifier: ISC */
/* Reading a whole file into memory: certificates, keys, htpasswd files. */
#ifndef FD_FILE_H
#define FD_FILE_H

#include <sys/stat.h>

#include <stddef.h>

/*
 * Read the regular file at path to its end, however its size changes
 * meanwhile: *data gets a new buffer (free it) of *len bytes and a NUL
 * after them, st (when not NULL) what fstat(2) said of the file.  A read
 * interrupted by a signal or returning less than asked is carried on.
 * Returns 0, or a negative errno: -EISDIR for a directory, -EINVAL for
 * anything else that is not a regular file, -EFBIG for more than max
 * bytes.  On failure *data is NULL and whatever was read is wiped from
 * memory first (the file may hold a private key).
 */
int file_read(const char *path, size_t max, char **data, size_t *len,
    struct stat *st);

#endif
