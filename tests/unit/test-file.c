/* SPDX-License-Identifier: ISC */
/* Unit tests for common/file.c: whole files, the size cap, odd reads. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"

/*
 * Linked with --wrap=read: with flaky set, every other read(2) fails with
 * EINTR and the others return at most 3 bytes, as a signal and a slow
 * file system would have them.
 */
ssize_t    __real_read(int, void *, size_t);
ssize_t    __wrap_read(int, void *, size_t);
static int flaky, flaky_calls;

ssize_t
__wrap_read(int fd, void *b, size_t n)
{
	if (!flaky)
		return __real_read(fd, b, n);
	if (flaky_calls++ % 2 == 0) {
		errno = EINTR;
		return -1;
	}
	return __real_read(fd, b, n < 3 ? n : 3);
}

static char dir[] = "/tmp/test-file.XXXXXX";

static char *
make(const char *name, const char *data, size_t len)
{
	char *path;
	FILE *f;

	assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
	assert_non_null(f = fopen(path, "w"));
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char cmd[64];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_whole(void **state)
{
	struct stat st;
	char       *path = make("a", "one\0two\n", 8), *data;
	size_t      len;

	(void)state;
	assert_int_equal(file_read(path, 100, &data, &len, &st), 0);
	assert_int_equal(len, 8);
	assert_memory_equal(data, "one\0two\n", 8);
	assert_int_equal(data[8], '\0');
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 8);
	free(data);
	/* Exactly max is allowed; one byte more is not. */
	assert_int_equal(file_read(path, 8, &data, &len, NULL), 0);
	free(data);
	assert_int_equal(file_read(path, 7, &data, &len, NULL), -EFBIG);
	assert_null(data);
	assert_int_equal(len, 0);
	free(path);

	path = make("empty", "", 0);
	assert_int_equal(file_read(path, 0, &data, &len, NULL), 0);
	assert_int_equal(len, 0);
	assert_string_equal(data, "");
	free(data);
	free(path);
}

static void
test_not_regular(void **state)
{
	char  *data, *path;
	size_t len;

	(void)state;
	assert_int_equal(file_read(dir, 100, &data, &len, NULL), -EISDIR);
	assert_null(data);
	assert_int_equal(file_read("/dev/null", 100, &data, &len, NULL),
	    -EINVAL);
	assert_true(asprintf(&path, "%s/missing", dir) > 0);
	assert_int_equal(file_read(path, 100, &data, &len, NULL), -ENOENT);
	assert_null(data);
	free(path);
	/* A FIFO is refused at once, not waited on for a writer. */
	assert_true(asprintf(&path, "%s/fifo", dir) > 0);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(5); /* a wait ends the test, failed */
	assert_int_equal(file_read(path, 100, &data, &len, NULL), -EINVAL);
	alarm(0);
	assert_null(data);
	unlink(path);
	free(path);
}

/* A file larger than fstat said (/proc says 0): read to its end. */
static void
test_grows(void **state)
{
	struct stat st;
	char       *data;
	size_t      len;

	(void)state;
	assert_int_equal(file_read("/proc/self/status", 1 << 20, &data, &len,
	                     &st),
	    0);
	assert_int_equal(st.st_size, 0);
	assert_true(len > 100);
	assert_non_null(strstr(data, "Name:"));
	assert_int_equal(strlen(data), len);
	free(data);
	assert_int_equal(file_read("/proc/self/status", 10, &data, &len, NULL),
	    -EFBIG);
	assert_null(data);
}

static void
test_interrupted_and_short(void **state)
{
	char   big[10000], *path, *data;
	size_t len, i;

	(void)state;
	for (i = 0; i < sizeof big; i++)
		big[i] = (char)('a' + i % 26);
	path = make("big", big, sizeof big);
	flaky = 1;
	flaky_calls = 0;
	assert_int_equal(file_read(path, sizeof big, &data, &len, NULL), 0);
	flaky = 0;
	assert_true(flaky_calls > 2 * (int)(sizeof big / 3));
	assert_int_equal(len, sizeof big);
	assert_memory_equal(data, big, sizeof big);
	free(data);
	free(path);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_grows),
		cmocka_unit_test(test_interrupted_and_short),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
