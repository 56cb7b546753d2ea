/*
 * reply.c: building and writing CGI responses (see reply.h).
 * RFC 3875 section 6.3.3 gives the "Status:" header; RFC 6265 section
 * 4.1 the Set-Cookie syntax; RFC 6265bis the SameSite attribute.
 */
#include <string.h>

#include "alloc.h"
#include "config.h"
#include "reply.h"

static const struct {
	int		 code;
	const char	*reason;
} ca_reasons[] = {
	{ 200, "OK" },
	{ 302, "Found" },
	{ 303, "See Other" },
	{ 400, "Bad Request" },
	{ 401, "Unauthorized" },
	{ 403, "Forbidden" },
	{ 404, "Not Found" },
	{ 405, "Method Not Allowed" },
	{ 409, "Conflict" },
	{ 413, "Content Too Large" },
	{ 429, "Too Many Requests" },
	{ 500, "Internal Server Error" },
	{ 502, "Bad Gateway" },
	{ 503, "Service Unavailable" },
	{ 504, "Gateway Timeout" },
};

/* Sent with every answer; see the comment at the top of reply.h. */
static const char ca_reply_fixed[] =
    "Cache-Control: no-store\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "X-Frame-Options: DENY\r\n"
    "Referrer-Policy: same-origin\r\n"
    "Content-Security-Policy: default-src 'none'; "
    "style-src 'unsafe-inline'; img-src https: data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n";

const char *
ca_reply_reason(int status)
{
	size_t	 i;

	for (i = 0; i < sizeof(ca_reasons) / sizeof(ca_reasons[0]); i++)
		if (ca_reasons[i].code == status)
			return ca_reasons[i].reason;
	return "Unknown";
}

void
ca_reply_init(struct ca_reply *r)
{

	r->status = 200;
	r->ctype = "text/html; charset=utf-8";
	ca_buf_init(&r->head, CA_REPLY_HEAD_MAX);
	ca_buf_init(&r->body, CA_REPLY_BODY_MAX);
}

void
ca_reply_free(struct ca_reply *r)
{

	ca_buf_free(&r->head);
	ca_buf_free(&r->body);
}

void
ca_reply_reset(struct ca_reply *r)
{

	r->status = 200;
	r->ctype = "text/html; charset=utf-8";
	ca_buf_reset(&r->head);
	ca_buf_reset(&r->body);
}

static int
ca_reply_clean(const char *s)
{

	return strpbrk(s, "\r\n") == NULL;
}

enum ca_err
ca_reply_header(struct ca_reply *r, const char *name, const char *value)
{

	if (!ca_reply_clean(name) || !ca_reply_clean(value) ||
	    strchr(name, ':') != NULL)
		return CA_EINVAL;
	return ca_buf_printf(&r->head, "%s: %s\r\n", name, value);
}

enum ca_err
ca_reply_cookie(struct ca_reply *r, const struct ca_config *cfg,
    const char *name, const char *value, long max_age, const char *path,
    const char *samesite)
{
	const char	*ss;

	/* RFC 6265 4.1.1: cookie-octets exclude ; , space, DQUOTE, \. */
	if (strpbrk(value, ";, \"\\\r\n") != NULL ||
	    strpbrk(name, "=;, \"\\\r\n") != NULL)
		return CA_EINVAL;
	ss = samesite != NULL ? samesite :
	    ca_config_get(cfg, CA_SET_SESSION_COOKIE_SAMESITE);
	if (ss == NULL || strcasecmp(ss, "strict") == 0)
		ss = "Strict";
	else if (strcasecmp(ss, "none") == 0)
		ss = "None";
	else
		ss = "Lax";
	return ca_buf_printf(&r->head, "Set-Cookie: %s=%s; Path=%s; "
	    "Max-Age=%ld; HttpOnly; SameSite=%s%s\r\n", name, value,
	    path != NULL ? path : "/", max_age, ss,
	    cfg->secure ? "; Secure" : "");
}

enum ca_err
ca_reply_redirect(struct ca_reply *r, int status, const char *location)
{
	enum ca_err	 rc;

	if (!ca_reply_clean(location))
		return CA_EINVAL;
	r->status = status;
	r->ctype = "text/plain; charset=utf-8";
	rc = ca_reply_header(r, "Location", location);
	if (rc != CA_OK)
		return rc;
	ca_buf_reset(&r->body);
	return ca_buf_puts(&r->body, "Redirecting.\n");
}

enum ca_err
ca_reply_json(struct ca_reply *r, int status, const cJSON *j)
{
	char		*s;
	enum ca_err	 rc;

	s = cJSON_PrintUnformatted(j);
	if (s == NULL)
		return CA_ENOMEM;
	r->status = status;
	r->ctype = "application/json";
	ca_buf_reset(&r->body);
	rc = ca_buf_puts(&r->body, s);
	if (rc == CA_OK)
		rc = ca_buf_putc(&r->body, '\n');
	cJSON_free(s);
	return rc;
}

enum ca_err
ca_reply_text(struct ca_reply *r, int status, const char *text)
{

	r->status = status;
	r->ctype = "text/plain; charset=utf-8";
	ca_buf_reset(&r->body);
	return ca_buf_puts(&r->body, text);
}

enum ca_err
ca_reply_write(const struct ca_reply *r, FILE *out, int head_only)
{

	if (fprintf(out, "Status: %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n%s%s\r\n", r->status,
	    ca_reply_reason(r->status), r->ctype, r->body.len, ca_reply_fixed,
	    ca_buf_str(&r->head)) < 0)
		return CA_EIO;
	if (!head_only && r->body.len > 0 &&
	    fwrite(r->body.data, 1, r->body.len, out) != r->body.len)
		return CA_EIO;
	return fflush(out) == 0 ? CA_OK : CA_EIO;
}
