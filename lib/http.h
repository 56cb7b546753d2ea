/*
 * http.h: the one wrapper around libcurl for every outbound call (token
 * endpoints, userinfo, discovery, mail APIs).
 *
 * One request in, one bounded response out: http and https only,
 * redirects never followed (RFC 6749 section 10.6 and 10.15: a provider
 * must not bounce our secrets elsewhere), a total and a connect timeout
 * from the caller, a body cap, "User-Agent: cgiauth" and "Accept:
 * application/json".  The HTTP status is data, not an error: callers
 * decide what a 400 or a 500 means.  It does not parse bodies.
 *
 * A CGI route leaves curl_global_init() to libcurl, which runs it on the
 * first curl_easy_init(): it initialises OpenSSL, which only routes that
 * call out should pay for.  A long-lived process (a FastCGI loop, a
 * threaded test) calls it once itself.  Nothing here keeps state between
 * calls.
 */
#ifndef CA_HTTP_H
#define CA_HTTP_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* A response body larger than this aborts the transfer (1 MiB). */
#define CA_HTTP_BODY_MAX	(1024 * 1024)
/* Content-Type and Location kept at most (longer: cut off, never used). */
#define CA_HTTP_CTYPE_MAX	256
#define CA_HTTP_LOCATION_MAX	8192
/* A good size for the detail buffers callers pass. */
#define CA_HTTP_DETAIL_MAX	256

enum ca_http_method {
	CA_HTTP_GET,		/* GET, no body */
	CA_HTTP_POST,		/* POST with a urlencoded form body */
	CA_HTTP__MAX
};

struct ca_http_req {
	enum ca_http_method	 method;
	const char		*url;	/* absolute http:// or https:// URL */
	/* Extra "Name: value" lines, NULL-terminated; NULL for none. */
	const char *const	*headers;
	/* application/x-www-form-urlencoded body (POST); NULL: empty. */
	const char		*form;
	/*
	 * HTTP Basic credentials (RFC 7617), sent as given: a caller that
	 * needs RFC 6749 section 2.3.1 encodes them first.  Both or none.
	 */
	const char		*basic_user;
	const char		*basic_pass;
	long			 timeout;	/* whole transfer, s > 0 */
	long			 connect_timeout; /* seconds; 0: = timeout */
};

struct ca_http_resp {
	long		 status;	/* HTTP status, 0 if none arrived */
	char		*content_type;	/* as sent, or NULL */
	char		*location;	/* Location of a 3xx, or NULL */
	struct ca_buf	 body;		/* at most CA_HTTP_BODY_MAX bytes */
};

/*
 * Performs the request.  resp is initialised here; whatever the result,
 * the caller frees it with ca_http_resp_free().  CA_OK means an HTTP
 * response arrived (any status).  Errors: CA_ETIMEOUT (either timeout),
 * CA_ETOOBIG (body past CA_HTTP_BODY_MAX; transfer aborted),
 * CA_EUPSTREAM (refused, DNS, TLS, broken response), CA_EINVAL (bad
 * arguments, a URL that is not http or https), CA_ENOMEM.  detail
 * (detailsz bytes, may be NULL) gets a short text for the log: the
 * method, the host and curl's message; never a header, a query string or
 * a body, which may hold secrets.
 */
enum ca_err	ca_http_do(const struct ca_http_req *req,
		    struct ca_http_resp *resp, char *detail,
		    size_t detailsz) CA_WUR;
/* Frees what ca_http_do() put in resp; accepts a zeroed struct. */
void		ca_http_resp_free(struct ca_http_resp *resp);

/*
 * Writes "scheme://host[:port]" of url into out (outsz bytes): the part
 * of a URL that is safe to log.  "?" when it cannot be found.
 */
void		ca_http_origin(const char *url, char *out, size_t outsz);

#endif
