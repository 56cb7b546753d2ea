/*
 * log.c: the event log line (see log.h).  The line is built in one fixed
 * buffer and written with a single write(2), so lines from concurrent CGI
 * processes do not interleave.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

/* A log line longer than this is cut; PIPE_BUF keeps writes atomic. */
#define CA_LOG_LINE_MAX	4096
#define CA_LOG_DETAIL_MAX 1024
/* The request path standing in for a route, at most. */
#define CA_LOG_ROUTE_MAX 128

/*
 * Without a route from the caller (the store, the provider registry), the
 * request's path names it: REQUEST_URI up to the query, which may hold
 * codes and states, and only printable characters.  "-" outside CGI.
 */
static const char *
ca_log_route(char *buf, size_t bufsz)
{
	const char	*uri;
	size_t		 i;

	uri = getenv("REQUEST_URI");
	if (uri == NULL || *uri == '\0')
		return "-";
	for (i = 0; i + 1 < bufsz && uri[i] != '\0' && uri[i] != '?'; i++)
		buf[i] = (uri[i] > 0x20 && uri[i] < 0x7f && uri[i] != '"') ?
		    uri[i] : '_';
	buf[i] = '\0';
	return buf;
}

void
ca_log(const char *route, const char *event, const char *outcome,
    const char *fmt, ...)
{
	char		 line[CA_LOG_LINE_MAX], detail[CA_LOG_DETAIL_MAX];
	char		 stamp[32], path[CA_LOG_ROUTE_MAX];
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
	if (route == NULL)
		route = ca_log_route(path, sizeof(path));
	w = snprintf(line, sizeof(line),
	    "%s cgiauth route=%s event=%s outcome=%s detail=\"", stamp,
	    route, event != NULL ? event : "-",
	    outcome != NULL ? outcome : "-");
	if (w < 0)
		return;
	/* Room is kept for the closing quote and newline. */
	n = (size_t)w < sizeof(line) - 2 ? (size_t)w : sizeof(line) - 3;
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
