/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Structured logging: one line per event, key=value pairs, to a FILE.
 *
 *   time=2024-05-01T10:00:00.123Z level=info msg="service programmed" svc=ns/a
 *
 * The logger is a value held in the daemon struct and passed explicitly.
 */
#ifndef PODVSD_LOG_H
#define PODVSD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum pd_log_level {
	PD_LOG_DEBUG,
	PD_LOG_INFO,
	PD_LOG_WARN,
	PD_LOG_ERROR,
};

struct pd_log {
	enum pd_log_level level;	/* lines below this level are dropped */
	FILE *out;			/* NULL: stderr */
	bool no_time;			/* omit time= (tests) */
	unsigned long lines[PD_LOG_ERROR + 1];	/* lines written per level */
};

/* Parse "debug", "info", "warn" or "error"; -1 if unknown. */
int pd_log_level_parse(const char *s);
const char *pd_log_level_name(enum pd_log_level level);

/*
 * pd_log - write one line: time, level, then @fmt expanded.  @fmt is the
 * rest of the line as key=value pairs, starting with msg="...".
 */
void pd_log(struct pd_log *log, enum pd_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Would a line at @level be written? */
static inline bool pd_log_on(const struct pd_log *log,
			     enum pd_log_level level)
{
	return level >= log->level && level <= PD_LOG_ERROR;
}

/*
 * pd_log_at - pd_log() whose arguments are evaluated only if the line is
 * written: a dropped debug line costs no formatting of its values (one
 * per op of a 100,000-op sync).
 */
#define pd_log_at(log, level, ...)					\
	do {								\
		struct pd_log *log_ = (log);				\
									\
		if (pd_log_on(log_, level))				\
			pd_log(log_, level, __VA_ARGS__);		\
	} while (0)

#define pd_dbg(log, ...)	pd_log_at(log, PD_LOG_DEBUG, __VA_ARGS__)
#define pd_info(log, ...)	pd_log_at(log, PD_LOG_INFO, __VA_ARGS__)
#define pd_warn(log, ...)	pd_log_at(log, PD_LOG_WARN, __VA_ARGS__)
#define pd_err(log, ...)	pd_log_at(log, PD_LOG_ERROR, __VA_ARGS__)

/*
 * pd_quote - @s as a log value: double-quoted, with '"', '\\' and control
 * characters escaped, truncated to fit @len.  Returns @buf.
 */
const char *pd_quote(const char *s, char *buf, size_t len);

#endif /* PODVSD_LOG_H */
