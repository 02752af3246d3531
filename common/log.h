/* SPDX-License-Identifier: ISC */
/* The error log: stderr, syslog or a file, safe to call from any thread. */
#ifndef FD_LOG_H
#define FD_LOG_H

#include <stdarg.h>

enum log_level {
	LOG_LVL_ERROR = 0,
	LOG_LVL_WARN,
	LOG_LVL_INFO,
	LOG_LVL_DEBUG,
};

/* "error", "warn", "info", "debug" -> level; -1 if unknown. */
int log_level_parse(const char *);
/*
 * Where to log: "stderr", "syslog" or a file path (opened by log_file_open).
 * Returns 0 or a negative errno; on failure the previous target stays.
 * Called at start-up, on reload and on SIGUSR1 (reopen).
 */
int log_open(const char *target, const char *ident);
/*
 * Open a log file by path for appending, created 0640 if missing.  The first
 * open runs as root in a directory the daemon's user may write, so a symbolic
 * link at path is refused (-ELOOP), not followed, and so is a regular file
 * with other hard links (-EMLINK).  Returns the fd or a negative errno.
 */
int log_file_open(const char *path);
/* strerror(-error) that says why log_file_open refused a path. */
const char    *log_file_strerror(int error);
void           log_set_level(enum log_level);
enum log_level log_get_level(void);
void           log_close(void);

/* One line per call, written with a single write(2). */
void log_msg(enum log_level, const char *, ...)
    __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level, const char *, va_list);
#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...)                                                         \
	do {                                                                   \
		if (log_get_level() >= LOG_LVL_DEBUG)                          \
			log_msg(LOG_LVL_DEBUG, __VA_ARGS__);                   \
	} while (0)

/* Start-up only: log and exit(1). */
void fatal(const char *, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
