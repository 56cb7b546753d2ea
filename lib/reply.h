/*
 * reply.h: the CGI response (RFC 3875 section 6), built in memory and
 * written once.
 *
 * A route fills a struct ca_reply (status, headers, body) and the route
 * runner writes it with ca_reply_write() at the end, so a failure half way
 * through a handler can still replace the whole answer with an error page:
 * nothing reaches the client until the handler is done.
 *
 * Every answer carries the same protective headers: no caching of
 * personal pages, no sniffing, no framing, and a Content-Security-Policy
 * that allows no script at all (pages work without JavaScript).
 */
#ifndef CA_REPLY_H
#define CA_REPLY_H

#include <stdio.h>

#include <cJSON.h>

#include "buf.h"
#include "err.h"

/* Header block and body at most: 16 KiB and 1 MiB. */
#define CA_REPLY_HEAD_MAX	(16 * 1024)
#define CA_REPLY_BODY_MAX	(1024 * 1024)

struct ca_config;

struct ca_reply {
	int		 status;	/* HTTP status, 200 by default */
	const char	*ctype;		/* Content-Type, static string */
	struct ca_buf	 head;		/* extra header lines, CRLF-ended */
	struct ca_buf	 body;
};

void		ca_reply_init(struct ca_reply *);
void		ca_reply_free(struct ca_reply *);
/* Drops headers and body: used before answering with an error page. */
void		ca_reply_reset(struct ca_reply *);
/* Adds "name: value"; CA_EINVAL if either holds CR, LF or NUL. */
enum ca_err	ca_reply_header(struct ca_reply *, const char *name,
		    const char *value) CA_WUR;
/*
 * Adds a Set-Cookie for name=value with HttpOnly, Secure from the
 * configuration, Max-Age (0 deletes the cookie), Path (NULL: "/") and
 * SameSite (NULL: SESSION_COOKIE_SAMESITE; "Lax" for cookies that must
 * come back on the provider's cross-site redirect).
 */
enum ca_err	ca_reply_cookie(struct ca_reply *, const struct ca_config *,
		    const char *name, const char *value, long max_age,
		    const char *path, const char *samesite) CA_WUR;
/* status 302 or 303 with Location; the body is a short link for humans. */
enum ca_err	ca_reply_redirect(struct ca_reply *, int status,
		    const char *location) CA_WUR;
/* The JSON text of j as the body, with Content-Type application/json. */
enum ca_err	ca_reply_json(struct ca_reply *, int status,
		    const cJSON *j) CA_WUR;
/* Plain text body. */
enum ca_err	ca_reply_text(struct ca_reply *, int status,
		    const char *text) CA_WUR;
/* Writes status, headers and (unless head_only) body to out. */
enum ca_err	ca_reply_write(const struct ca_reply *, FILE *out,
		    int head_only) CA_WUR;
/* The reason phrase for a status we use, e.g. "Not Found". */
const char	*ca_reply_reason(int status);

#endif
