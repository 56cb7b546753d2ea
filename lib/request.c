/*
 * request.c: parses one CGI request (RFC 3875) against a route's field
 * table (see request.h): REQUEST_METHOD (section 4.1.12), PATH_INFO
 * (4.1.5, decoded by the server), QUERY_STRING (4.1.7), a POST body of
 * CONTENT_LENGTH bytes (4.1.2, 4.2) typed application/x-www-form-urlencoded
 * (4.1.3), REMOTE_ADDR (4.1.8), HTTP_AUTHORIZATION and the Cookie header
 * (RFC 6265 sections 4.2.1 and 5.4).
 *
 * Every input has a named limit; going past one is CA_ETOOBIG, never a
 * truncation.  A malformed escape, Content-Length or content type is
 * CA_EPARSE.  A field that is too long, holds a NUL or fails its
 * validator is kept out of values[] and flagged in invalid[].  Duplicate
 * fields: the first one sent wins.  The validators are at the end.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "log.h"
#include "request.h"
#include "url_int.h"

/* RFC 9110 section 11.6.2 sets no limit; we take the Cookie header's. */
#define REQ_AUTHZ_MAX		CA_REQUEST_COOKIE_MAX
/* REMOTE_ADDR: an IPv6 text address is at most 45 bytes (RFC 4291). */
#define REQ_ADDR_MAX		64
/* RFC 5321 section 4.5.3.1.1 and 4.5.3.1.3 (path 256 less "<>"). */
#define REQ_EMAIL_LOCAL_MAX	64
#define REQ_EMAIL_MAX		254
/* Our own limit on account and provider names. */
#define REQ_NAME_MAX		32

/* The form media type, compared without case (RFC 9110 8.3.1). */
static const char form_type[] = "application/x-www-form-urlencoded";

static void
req_free_str(char *s)
{

	if (s != NULL)
		ca_free_secret(s, strlen(s));
}

void
ca_request_free(struct ca_request *req)
{
	size_t	 i;

	if (req == NULL)
		return;
	ca_free(req->path_info);
	ca_free(req->remote_addr);
	req_free_str(req->authorization);
	if (req->values != NULL)
		for (i = 0; i < req->nfields; i++)
			req_free_str(req->values[i]);
	ca_free(req->values);
	ca_free(req->invalid);
	for (i = 0; i < req->ncookies; i++) {
		ca_free(req->cookies[i].name);
		req_free_str(req->cookies[i].value);
	}
	ca_free(req->cookies);
	memset(req, 0, sizeof(*req));
}

static enum ca_method
req_method(const char *m)
{

	if (m == NULL)
		return CA_METHOD_OTHER;
	if (strcmp(m, "GET") == 0)
		return CA_METHOD_GET;
	if (strcmp(m, "HEAD") == 0)
		return CA_METHOD_HEAD;
	if (strcmp(m, "POST") == 0)
		return CA_METHOD_POST;
	return CA_METHOD_OTHER;
}

static int
is_ctl(unsigned char ch)
{

	return ch < 0x20 || ch == 0x7f;
}

/*
 * Copies an environment value (or "" when unset) into *out, which the
 * request owns; CA_ETOOBIG past max bytes, CA_EPARSE on a control
 * character when noctl is set.
 */
static enum ca_err
req_dup(const char *v, size_t max, int noctl, char **out)
{
	size_t	 n, i;

	if (v == NULL)
		v = "";
	n = strnlen(v, max + 1);
	if (n > max)
		return CA_ETOOBIG;
	if (noctl)
		for (i = 0; i < n; i++)
			if (is_ctl((unsigned char)v[i]))
				return CA_EPARSE;
	*out = ca_strndup(v, n);
	return *out == NULL ? CA_ENOMEM : CA_OK;
}

/* The index of the field named name[0..n) read from src, or nfields. */
static size_t
req_find(const struct ca_request *req, const char *name, size_t n,
    enum ca_source src)
{
	size_t	 i;

	for (i = 0; i < req->nfields; i++)
		if (req->fields[i].src == src &&
		    strlen(req->fields[i].name) == n &&
		    memcmp(req->fields[i].name, name, n) == 0)
			break;
	return i;
}

/* One name[=value] pair of a query string or form body. */
static enum ca_err
req_pair(struct ca_request *req, const char *p, size_t n,
    enum ca_source src)
{
	const struct ca_field	*f;
	const char		*eq;
	char			*name = NULL, *val = NULL;
	size_t			 nlen, vlen, i;
	int			 nnul, vnul;
	enum ca_err		 rc;

	eq = memchr(p, '=', n);
	rc = ca_url_decode_raw(p, eq == NULL ? n : (size_t)(eq - p), 1,
	    &name, &nlen, &nnul);
	if (rc != CA_OK)
		goto out;
	if (eq == NULL)
		rc = ca_url_decode_raw("", 0, 1, &val, &vlen, &vnul);
	else
		rc = ca_url_decode_raw(eq + 1, n - (size_t)(eq - p) - 1, 1,
		    &val, &vlen, &vnul);
	if (rc != CA_OK)
		goto out;
	if (nnul)
		goto out;
	i = req_find(req, name, nlen, src);
	if (i == req->nfields)
		goto out;
	/* The first pair of a name wins; later ones are dropped. */
	if (req->values[i] != NULL || req->invalid[i])
		goto out;
	f = &req->fields[i];
	if (vnul || vlen > f->max ||
	    (f->valid != NULL && f->valid(val, vlen) != CA_OK)) {
		req->invalid[i] = 1;
		goto out;
	}
	req->values[i] = val;
	val = NULL;
out:
	ca_free(name);
	req_free_str(val);
	return rc;
}

/* Splits s[0..n) on '&'; *npairs counts pairs over query and body. */
static enum ca_err
req_pairs(struct ca_request *req, const char *s, size_t n,
    enum ca_source src, size_t *npairs)
{
	size_t		 i = 0, end;
	enum ca_err	 rc;

	while (i < n) {
		end = i;
		while (end < n && s[end] != '&')
			end++;
		if (end > i) {
			if (++*npairs > CA_REQUEST_PAIRS_MAX)
				return CA_ETOOBIG;
			rc = req_pair(req, s + i, end - i, src);
			if (rc != CA_OK)
				return rc;
		}
		i = end + 1;
	}
	return CA_OK;
}

/*
 * RFC 3875 section 4.1.2: CONTENT_LENGTH = "" | 1*digit.  Digits only,
 * no sign or space; past CA_REQUEST_BODY_MAX is CA_ETOOBIG.
 */
static enum ca_err
req_length(const char *s, size_t *len)
{
	unsigned long long	 v;
	const char		*p;
	char			*end;

	*len = 0;
	if (s == NULL || *s == '\0')
		return CA_OK;
	for (p = s; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return CA_EPARSE;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return CA_EPARSE;
	if (errno == ERANGE || v > CA_REQUEST_BODY_MAX)
		return CA_ETOOBIG;
	*len = (size_t)v;
	return CA_OK;
}

/* RFC 9110 section 8.3.1: type/subtype, then optional parameters. */
static int
req_is_form(const char *ct)
{
	size_t	 n = sizeof(form_type) - 1;

	if (ct == NULL || strncasecmp(ct, form_type, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/*
 * Reads the POST body into *out (freed by the caller with
 * ca_free_secret(*out, *outlen)); *out stays NULL for an empty body.
 */
static enum ca_err
req_body(ca_env_fn env, void *arg, FILE *in, char **out, size_t *outlen)
{
	char		*p = NULL;
	size_t		 len, got = 0, k;
	enum ca_err	 rc;

	*out = NULL;
	*outlen = 0;
	rc = req_length(env(arg, "CONTENT_LENGTH"), &len);
	if (rc != CA_OK || len == 0)
		goto out;
	rc = CA_EPARSE;
	if (!req_is_form(env(arg, "CONTENT_TYPE")) || in == NULL)
		goto out;
	rc = CA_ENOMEM;
	p = ca_malloc(len);
	if (p == NULL)
		goto out;
	while (got < len) {
		k = fread(p + got, 1, len - got, in);
		if (k == 0) {
			if (ferror(in) && errno == EINTR) {
				clearerr(in);
				continue;
			}
			break;
		}
		got += k;
	}
	rc = CA_EPARSE;
	if (got < len)
		goto out;
	*out = p;
	*outlen = len;
	p = NULL;
	rc = CA_OK;
out:
	ca_free_secret(p, len);
	return rc;
}

static int
is_wsp(char ch)
{

	return ch == ' ' || ch == '\t';
}

/*
 * RFC 6265 section 5.4 / 4.2.1: cookie-pair *( ";" SP cookie-pair ).
 * Each pair is trimmed of white space, split at the first '=', and a
 * DQUOTE-wrapped value unwrapped.  Pairs without '=' or a name, or with
 * control characters, are ignored (section 5.2 ignores them too).
 */
static enum ca_err
req_cookies(struct ca_request *req, const char *h)
{
	struct ca_cookie	*c;
	const char		*s, *e, *eq, *v, *ve;
	size_t			 n, i;

	if (h == NULL)
		return CA_OK;
	n = strnlen(h, CA_REQUEST_COOKIE_MAX + 1);
	if (n > CA_REQUEST_COOKIE_MAX)
		return CA_ETOOBIG;
	for (s = h; s < h + n; s = e + 1) {
		e = memchr(s, ';', (size_t)(h + n - s));
		if (e == NULL)
			e = h + n;
		eq = memchr(s, '=', (size_t)(e - s));
		if (eq == NULL)
			continue;
		v = eq + 1;
		ve = e;
		while (s < eq && is_wsp(*s))
			s++;
		while (eq > s && is_wsp(eq[-1]))
			eq--;
		while (v < ve && is_wsp(*v))
			v++;
		while (ve > v && is_wsp(ve[-1]))
			ve--;
		if (eq == s)
			continue;
		if (ve - v >= 2 && *v == '"' && ve[-1] == '"') {
			v++;
			ve--;
		}
		for (i = 0; s + i < ve; i++)
			if (is_ctl((unsigned char)s[i]))
				break;
		if (s + i < ve)
			continue;
		if (req->ncookies == CA_REQUEST_COOKIES_MAX)
			return CA_ETOOBIG;
		if (req->cookies == NULL) {
			req->cookies = ca_calloc(CA_REQUEST_COOKIES_MAX,
			    sizeof(*req->cookies));
			if (req->cookies == NULL)
				return CA_ENOMEM;
		}
		c = &req->cookies[req->ncookies];
		c->name = ca_strndup(s, (size_t)(eq - s));
		c->value = ca_strndup(v, (size_t)(ve - v));
		req->ncookies++;
		if (c->name == NULL || c->value == NULL)
			return CA_ENOMEM;
	}
	return CA_OK;
}

enum ca_err
ca_request_parse(struct ca_request *req, const struct ca_field *fields,
    size_t nfields, ca_env_fn env, void *envarg, FILE *body)
{
	const char	*q, *a, *step = "the request";
	char		*form = NULL;
	size_t		 formlen = 0, qlen, npairs = 0;
	enum ca_err	 rc = CA_EINVAL;

	if (req == NULL)
		return CA_EINVAL;
	memset(req, 0, sizeof(*req));
	if (env == NULL || (nfields > 0 && fields == NULL))
		goto out;
	req->fields = fields;
	req->nfields = nfields;
	if (nfields > 0) {
		rc = CA_ENOMEM;
		req->values = ca_calloc(nfields, sizeof(*req->values));
		req->invalid = ca_calloc(nfields, sizeof(*req->invalid));
		if (req->values == NULL || req->invalid == NULL)
			goto out;
	}
	req->method = req_method(env(envarg, "REQUEST_METHOD"));
	step = "PATH_INFO";
	rc = req_dup(env(envarg, "PATH_INFO"), CA_REQUEST_PATH_MAX, 1,
	    &req->path_info);
	if (rc != CA_OK)
		goto out;
	rc = req_dup(env(envarg, "REMOTE_ADDR"), REQ_ADDR_MAX, 1,
	    &req->remote_addr);
	if (rc != CA_OK)
		goto out;
	step = "the Authorization header";
	a = env(envarg, "HTTP_AUTHORIZATION");
	if (a != NULL) {
		rc = req_dup(a, REQ_AUTHZ_MAX, 1, &req->authorization);
		if (rc != CA_OK)
			goto out;
	}

	step = "the query string";
	q = env(envarg, "QUERY_STRING");
	if (q != NULL) {
		qlen = strnlen(q, CA_REQUEST_QUERY_MAX + 1);
		rc = CA_ETOOBIG;
		if (qlen > CA_REQUEST_QUERY_MAX)
			goto out;
		rc = req_pairs(req, q, qlen, CA_SRC_QUERY, &npairs);
		if (rc != CA_OK)
			goto out;
	}
	if (req->method == CA_METHOD_POST) {
		step = "the form body";
		rc = req_body(env, envarg, body, &form, &formlen);
		if (rc != CA_OK)
			goto out;
		rc = req_pairs(req, form, formlen, CA_SRC_FORM, &npairs);
		if (rc != CA_OK)
			goto out;
	}
	step = "the Cookie header";
	rc = req_cookies(req, env(envarg, "HTTP_COOKIE"));
out:
	ca_free_secret(form, formlen);
	if (rc != CA_OK) {
		/* Which part, and the limits, so a person can tell why. */
		ca_log(NULL, "request", "refused", "%s: %s (limits: query "
		    "%d bytes, body %d bytes, cookies %d bytes and %d, "
		    "fields %d)", step, ca_strerror(rc), CA_REQUEST_QUERY_MAX,
		    CA_REQUEST_BODY_MAX, CA_REQUEST_COOKIE_MAX,
		    CA_REQUEST_COOKIES_MAX, CA_REQUEST_PAIRS_MAX);
		ca_request_free(req);
	}
	return rc;
}

static const char *
req_getenv(void *arg, const char *name)
{

	(void)arg;
	return getenv(name);
}

enum ca_err
ca_request_parse_cgi(struct ca_request *req, const struct ca_field *fields,
    size_t nfields)
{

	return ca_request_parse(req, fields, nfields, req_getenv, NULL,
	    stdin);
}

/* The index of the named field, or nfields. */
static size_t
req_index(const struct ca_request *req, const char *name)
{
	size_t	 i;

	for (i = 0; i < req->nfields; i++)
		if (strcmp(req->fields[i].name, name) == 0)
			break;
	return i;
}

const char *
ca_request_get(const struct ca_request *req, const char *name)
{
	size_t	 i;

	if (req == NULL || name == NULL || req->values == NULL)
		return NULL;
	i = req_index(req, name);
	return i < req->nfields ? req->values[i] : NULL;
}

int
ca_request_invalid(const struct ca_request *req, const char *name)
{
	size_t	 i;

	if (req == NULL || name == NULL || req->invalid == NULL)
		return 0;
	i = req_index(req, name);
	return i < req->nfields ? req->invalid[i] : 0;
}

const char *
ca_request_cookie(const struct ca_request *req, const char *name)
{
	size_t	 i;

	if (req == NULL || name == NULL)
		return NULL;
	for (i = 0; i < req->ncookies; i++)
		if (strcmp(req->cookies[i].name, name) == 0)
			return req->cookies[i].value;
	return NULL;
}

/* ---- Validators: CA_OK or CA_EPARSE; n is the decoded length. ---- */

/* RFC 4648 section 5 alphabet, at least one character. */
enum ca_err
ca_valid_token(const char *s, size_t n)
{
	size_t		 i;
	unsigned char	 ch;

	if (s == NULL || n == 0)
		return CA_EPARSE;
	for (i = 0; i < n; i++) {
		ch = (unsigned char)s[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		    (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
			return CA_EPARSE;
	}
	return CA_OK;
}

/*
 * No C0 control or DEL, and well-formed UTF-8 (RFC 3629 section 4: no
 * overlong forms, no surrogates, nothing past U+10FFFF), since values end
 * up in BSON and HTML.  The empty string is printable.
 */
enum ca_err
ca_valid_printable(const char *s, size_t n)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, k, more;
	unsigned int		 cp, min;

	if (s == NULL)
		return CA_EPARSE;
	while (i < n) {
		if (p[i] < 0x80) {
			if (is_ctl(p[i]))
				return CA_EPARSE;
			i++;
			continue;
		}
		if (p[i] >= 0xc2 && p[i] <= 0xdf) {
			more = 1;
			cp = p[i] & 0x1f;
			min = 0x80;
		} else if (p[i] >= 0xe0 && p[i] <= 0xef) {
			more = 2;
			cp = p[i] & 0x0f;
			min = 0x800;
		} else if (p[i] >= 0xf0 && p[i] <= 0xf4) {
			more = 3;
			cp = p[i] & 0x07;
			min = 0x10000;
		} else
			return CA_EPARSE;
		if (n - i <= more)
			return CA_EPARSE;
		for (k = 1; k <= more; k++) {
			if ((p[i + k] & 0xc0) != 0x80)
				return CA_EPARSE;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return CA_EPARSE;
		i += more + 1;
	}
	return CA_OK;
}

/*
 * RFC 5321 section 4.5.3.1 sizes: local part 1..64, whole address at most
 * 254; exactly one '@'; no space, control or DEL; the domain holds a dot,
 * not at either end and never two in a row.
 */
enum ca_err
ca_valid_email(const char *s, size_t n)
{
	const char	*at = NULL, *dom;
	size_t		 i, dlen;
	int		 dot = 0;

	if (s == NULL || n == 0 || n > REQ_EMAIL_MAX)
		return CA_EPARSE;
	for (i = 0; i < n; i++) {
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f)
			return CA_EPARSE;
		if (s[i] == '@') {
			if (at != NULL)
				return CA_EPARSE;
			at = s + i;
		}
	}
	if (at == NULL || at == s || (size_t)(at - s) > REQ_EMAIL_LOCAL_MAX)
		return CA_EPARSE;
	dom = at + 1;
	dlen = n - (size_t)(dom - s);
	if (dlen == 0 || dom[0] == '.' || dom[dlen - 1] == '.')
		return CA_EPARSE;
	for (i = 0; i < dlen; i++) {
		if (dom[i] != '.')
			continue;
		dot = 1;
		if (dom[i + 1] == '.')
			return CA_EPARSE;
	}
	return dot ? CA_OK : CA_EPARSE;
}

/* 1..32 of [a-z0-9_-]. */
enum ca_err
ca_valid_name(const char *s, size_t n)
{
	size_t	 i;

	if (s == NULL || n == 0 || n > REQ_NAME_MAX)
		return CA_EPARSE;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		    s[i] == '-'))
			return CA_EPARSE;
	return CA_OK;
}
