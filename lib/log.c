/*
 * log.c: the event log line (see log.h).  The line is built in one fixed
 * buffer and written with a single write(2), so lines from concurrent CGI
 * processes do not interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* A log line longer than this is cut; PIPE_BUF keeps writes atomic. */
#define CA_LOG_LINE_MAX	4096
#define CA_LOG_DETAIL_MAX 1024

void
ca_log(const char *route, const char *event, const char *outcome,
    const char *fmt, ...)
{
	char		 line[CA_LOG_LINE_MAX], detail[CA_LOG_DETAIL_MAX];
	char		 stamp[32];
	va_list		 ap;
	time_t		 now;
	struct tm	 tm;
	size_t		 n, i;
	int		 w;

	now = time(NULL);
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		stamp[0] = '\0';
	detail[0] = '\0';
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(detail, sizeof(detail), fmt, ap);
		va_end(ap);
	}
	w = snprintf(line, sizeof(line),
	    "%s cgiauth route=%s event=%s outcome=%s detail=\"", stamp,
	    route != NULL ? route : "-", event != NULL ? event : "-",
	    outcome != NULL ? outcome : "-");
	if (w < 0)
		return;
	n = (size_t)w < sizeof(line) ? (size_t)w : sizeof(line) - 1;
	for (i = 0; detail[i] != '\0' && n + 6 < sizeof(line); i++) {
		unsigned char c = (unsigned char)detail[i];

		if (c < 0x20 || c == 0x7f || c == '"' || c == '\\')
			n += (size_t)snprintf(line + n, sizeof(line) - n,
			    "\\x%02x", c);
		else
			line[n++] = (char)c;
	}
	line[n++] = '"';
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, n);
}
