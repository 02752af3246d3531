/* SPDX-License-Identifier: ISC */
/* The error log: one write(2) per line to stderr or a file, or syslog(3). */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

enum log_target {
	LOG_TARGET_STDERR,
	LOG_TARGET_SYSLOG,
	LOG_TARGET_FILE,
};

/*
 * The target and fd change only under log_lock.  A reopen of the same kind
 * of target (a file after a file) dup2()s the new file onto the old fd
 * number, so a line is never written to a closed or reused descriptor.
 */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum log_target log_target = LOG_TARGET_STDERR;
static int             log_fd = STDERR_FILENO;
static char            log_ident[64] = "frontdoord";
static int             log_level = LOG_LVL_INFO;

static const char *log_names[] = { "error", "warn", "info", "debug" };

int
log_level_parse(const char *s)
{
	size_t i;

	for (i = 0; i < nitems(log_names); i++) {
		if (strcmp(s, log_names[i]) == 0)
			return (int)i;
	}
	return -1;
}

int
log_file_open(const char *path)
{
	struct stat st;
	int         fd, error;

	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0640);
	if (fd == -1)
		return -errno;
	if (fstat(fd, &st) != 0) {
		error = -errno;
		close(fd);
		return error;
	}
	/* A hard link is the other way to aim root's appends elsewhere. */
	if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
		close(fd);
		return -EMLINK;
	}
	return fd;
}

const char *
log_file_strerror(int error)
{
	switch (error) {
	case -ELOOP:
		return "is a symbolic link (log files are not opened through "
		       "one)";
	case -EMLINK:
		return "has other hard links (log files may not)";
	default:
		return strerror(-error);
	}
}

int
log_open(const char *target, const char *ident)
{
	int fd = -1, error;

	if (strcmp(target, "stderr") != 0 && strcmp(target, "syslog") != 0) {
		fd = log_file_open(target);
		if (fd < 0)
			return fd;
	}

	pthread_mutex_lock(&log_lock);
	if (log_target == LOG_TARGET_SYSLOG)
		closelog();
	if (ident != NULL)
		snprintf(log_ident, sizeof log_ident, "%s", ident);

	if (fd != -1) {
		if (log_target == LOG_TARGET_FILE) {
			if (dup3(fd, log_fd, O_CLOEXEC) == -1) {
				error = errno;
				pthread_mutex_unlock(&log_lock);
				close(fd);
				return -error;
			}
			close(fd);
		} else
			log_fd = fd;
		log_target = LOG_TARGET_FILE;
	} else {
		if (log_target == LOG_TARGET_FILE)
			close(log_fd);
		log_fd = STDERR_FILENO;
		if (strcmp(target, "syslog") == 0) {
			openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
			log_target = LOG_TARGET_SYSLOG;
		} else
			log_target = LOG_TARGET_STDERR;
	}
	pthread_mutex_unlock(&log_lock);
	return 0;
}

void
log_set_level(enum log_level level)
{
	__atomic_store_n(&log_level, (int)level, __ATOMIC_RELAXED);
}

enum log_level
log_get_level(void)
{
	return (enum log_level)__atomic_load_n(&log_level, __ATOMIC_RELAXED);
}

void
log_close(void)
{
	pthread_mutex_lock(&log_lock);
	if (log_target == LOG_TARGET_SYSLOG)
		closelog();
	else if (log_target == LOG_TARGET_FILE)
		close(log_fd);
	log_target = LOG_TARGET_STDERR;
	log_fd = STDERR_FILENO;
	pthread_mutex_unlock(&log_lock);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

static int
log_syslog_priority(enum log_level level)
{
	switch (level) {
	case LOG_LVL_ERROR:
		return LOG_ERR;
	case LOG_LVL_WARN:
		return LOG_WARNING;
	case LOG_LVL_INFO:
		return LOG_INFO;
	default:
		return LOG_DEBUG;
	}
}

void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char            line[2048];
	struct timespec ts;
	struct tm       tm;
	size_t          len, start, i;
	int             n, saved_errno = errno;
	ssize_t         w;

	if ((int)level > (int)log_get_level())
		goto out;
	if ((unsigned)level >= nitems(log_names))
		level = LOG_LVL_DEBUG;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	len = strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line + len, sizeof line - len,
	    ".%03ldZ %s: ", ts.tv_nsec / 1000000, log_names[level]);
	len += (size_t)n;
	start = len;

	errno = saved_errno; /* for %m */
	n = vsnprintf(line + len, sizeof line - len, fmt, ap);
	if (n < 0)
		n = 0;
	len += MIN((size_t)n, sizeof line - len - 1);
	if (len == sizeof line - 1)
		len--; /* room for the newline */

	/*
	 * One call, one line: a message cannot forge further lines, and no
	 * control character (C0, DEL, or C1 as UTF-8) reaches a terminal
	 * that shows the log.
	 */
	for (i = start; i < len; i++) {
		unsigned char c = (unsigned char)line[i];

		if (c < 0x20 || c == 0x7f)
			line[i] =
			    c == '\t' || c == '\n' || c == '\r' ? ' ' : '?';
		else if (c == 0xc2 && i + 1 < len &&
		    (unsigned char)line[i + 1] >= 0x80 &&
		    (unsigned char)line[i + 1] <= 0x9f) {
			line[i] = '?';
			line[++i] = '?';
		}
	}
	line[len++] = '\n';
	line[len] = '\0';

	pthread_mutex_lock(&log_lock);
	if (log_target == LOG_TARGET_SYSLOG) {
		line[len - 1] = '\0';
		syslog(log_syslog_priority(level), "%s", line + start);
	} else {
		do
			w = write(log_fd, line, len);
		while (w == -1 && errno == EINTR);
	}
	pthread_mutex_unlock(&log_lock);
out:
	errno = saved_errno;
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LVL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
