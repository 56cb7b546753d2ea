/*
 * log.h: one line per event on standard error, which a CGI server puts in
 * its error log.  The shape is fixed so a person can grep it:
 *
 *	2026-12-03T11:09:22Z cgiauth route=/auth/provider/mock
 *	    event=token outcome=fail provider=mock detail="..."
 *
 * (on one line).  Callers pass the detail; they must never pass a secret,
 * token, code, cookie or session id.  Control characters and quotes in the
 * detail are escaped so request data cannot forge log lines.
 */
#ifndef CA_LOG_H
#define CA_LOG_H

void	ca_log(const char *route, const char *event, const char *outcome,
	    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
