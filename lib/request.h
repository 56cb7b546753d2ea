/*
 * request.h: the CGI request (RFC 3875), parsed once, bounded, validated.
 *
 * A route declares the fields it accepts as a table of struct ca_field
 * (name, validator, maximum length).  ca_request_parse() reads the query
 * string, an application/x-www-form-urlencoded body (POST only) and the
 * Cookie header; every query or form pair whose name is in the table is
 * percent-decoded, checked against its maximum and validator, and kept;
 * pairs not in the table are dropped.  Handlers read fields only through
 * ca_request_get(), which returns NULL for a field that was missing or
 * invalid, so no unvalidated byte reaches route code.
 *
 * Nothing here is global: the environment comes through a lookup function
 * and the body through a FILE, so a FastCGI loop can parse each request
 * into a fresh struct and free it whole with ca_request_free().
 */
#ifndef CA_REQUEST_H
#define CA_REQUEST_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

/* RFC 3875 section 4.1.2: we refuse bodies larger than this (64 KiB). */
#define CA_REQUEST_BODY_MAX	(64 * 1024)
/*
 * QUERY_STRING and the Cookie header, raw, at most: 8 KiB, and 16 KiB,
 * as much as lighttpd lets through (server.max-request-field-size).
 */
#define CA_REQUEST_QUERY_MAX	(8 * 1024)
#define CA_REQUEST_COOKIE_MAX	(16 * 1024)
/* PATH_INFO, decoded, at most. */
#define CA_REQUEST_PATH_MAX	1024
/* Pairs (query + form) and cookies we look at, at most. */
#define CA_REQUEST_PAIRS_MAX	64
/* Browsers keep about 180 cookies a site (RFC 6265 6.1 asks for 50). */
#define CA_REQUEST_COOKIES_MAX	256

enum ca_method {
	CA_METHOD_GET,		/* GET */
	CA_METHOD_HEAD,		/* HEAD: answered like GET, without a body */
	CA_METHOD_POST,		/* POST */
	CA_METHOD_OTHER,	/* anything else: routes answer 405 */
	CA_METHOD__MAX
};

/* Where a field may come from. */
enum ca_source {
	CA_SRC_QUERY,		/* the query string only */
	CA_SRC_FORM,		/* the POST body only */
	CA_SRC__MAX
};

/* A validator: CA_OK when the decoded value is acceptable. */
typedef enum ca_err (*ca_validator)(const char *, size_t);

struct ca_field {
	const char	*name;	/* exact field name */
	enum ca_source	 src;	/* where it is read from */
	size_t		 max;	/* longest decoded value accepted */
	ca_validator	 valid;	/* NULL: any text without NUL bytes */
};

struct ca_cookie {
	char	*name;
	char	*value;		/* as sent; cookie values are not decoded */
};

struct ca_request {
	enum ca_method		 method;
	char			*path_info;	/* decoded PATH_INFO or "" */
	char			*remote_addr;	/* REMOTE_ADDR or "" */
	char			*authorization;	/* HTTP_AUTHORIZATION or NULL */
	const struct ca_field	*fields;	/* the route's table */
	size_t			 nfields;
	char			**values;	/* per field: value or NULL */
	int			*invalid;	/* per field: 1 if bad */
	struct ca_cookie	*cookies;
	size_t			 ncookies;
};

/* Looks up a CGI variable; NULL when unset.  getenv() fits. */
typedef const char *(*ca_env_fn)(void *arg, const char *name);

/*
 * Parses the request described by env (and body, for POST) against the
 * table.  On CA_OK the caller frees req with ca_request_free().  On error
 * req is left freed and zeroed: CA_ETOOBIG for a body, query, cookie
 * header or pair count past its limit, CA_EPARSE for a malformed
 * percent-encoding, Content-Length or content type.  A field that fails
 * its validator is not an error here: it reads as NULL and
 * ca_request_invalid() says it was sent.
 */
enum ca_err	ca_request_parse(struct ca_request *req,
		    const struct ca_field *fields, size_t nfields,
		    ca_env_fn env, void *envarg, FILE *body) CA_WUR;
/* Same, from the process environment and standard input. */
enum ca_err	ca_request_parse_cgi(struct ca_request *req,
		    const struct ca_field *fields, size_t nfields) CA_WUR;
void		ca_request_free(struct ca_request *);

/* The field's valid value, or NULL.  Borrowed: lives as long as req. */
const char	*ca_request_get(const struct ca_request *, const char *name);
/* 1 when the field was sent but failed its limit or validator. */
int		 ca_request_invalid(const struct ca_request *,
		    const char *name);
/* The first cookie of that name, or NULL.  Borrowed. */
const char	*ca_request_cookie(const struct ca_request *,
		    const char *name);

/* Validators for tables. */
enum ca_err	ca_valid_token(const char *, size_t);	/* base64url */
enum ca_err	ca_valid_printable(const char *, size_t); /* no controls */
enum ca_err	ca_valid_email(const char *, size_t);	/* RFC 5321 size */
enum ca_err	ca_valid_name(const char *, size_t);	/* [a-z0-9_-]+ */

/*
 * Percent-decodes in[0..n) into a new string (the caller frees it with
 * ca_free()); with plus set, '+' decodes to a space (the form encoding).
 * CA_EPARSE on a bad escape or an encoded NUL.
 */
enum ca_err	ca_url_decode(const char *in, size_t n, int plus,
		    char **out) CA_WUR;
/* Appends in, percent-encoded for a query value (RFC 3986 unreserved). */
struct ca_buf;
enum ca_err	ca_url_encode(struct ca_buf *, const char *in) CA_WUR;
/*
 * The same, but '/' is kept as it is (RFC 3986 3.4 allows it in a query):
 * for a next path carried in a URL, so /dashboard reads as /dashboard.
 */
enum ca_err	ca_url_encode_path(struct ca_buf *, const char *in) CA_WUR;

#endif
