// SPDX-License-Identifier: GPL-2.0
/* Structured key=value logging. */
#include <stdarg.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "base/log.h"

static const char *const level_names[] = {
	[PD_LOG_DEBUG] = "debug",
	[PD_LOG_INFO] = "info",
	[PD_LOG_WARN] = "warn",
	[PD_LOG_ERROR] = "error",
};

int pd_log_level_parse(const char *s)
{
	for (int i = PD_LOG_DEBUG; i <= PD_LOG_ERROR; i++)
		if (!strcmp(s, level_names[i]))
			return i;
	return -1;
}

const char *pd_log_level_name(enum pd_log_level level)
{
	if (level > PD_LOG_ERROR)
		return "?";
	return level_names[level];
}

static void put_time(FILE *out)
{
	struct timeval tv;
	struct tm tm;
	char buf[32];

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(out, "time=%s.%03ldZ ", buf, (long)tv.tv_usec / 1000);
}

void pd_log(struct pd_log *log, enum pd_log_level level, const char *fmt, ...)
{
	FILE *out = log->out ? log->out : stderr;
	va_list ap;

	if (level < log->level || level > PD_LOG_ERROR)
		return;
	log->lines[level]++;
	if (!log->no_time)
		put_time(out);
	fprintf(out, "level=%s ", level_names[level]);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
	fflush(out);
}

const char *pd_quote(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	if (len < 3) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	buf[o++] = '"';
	for (; s && *s && o + 3 < len; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = c;
		} else if (c < 0x20 || c == 0x7f) {
			buf[o++] = '\\';
			buf[o++] = c == '\n' ? 'n' : c == '\t' ? 't' : '?';
		} else {
			buf[o++] = c;
		}
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}
