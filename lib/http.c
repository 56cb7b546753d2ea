/*
 * http.c: outbound HTTP through libcurl (see http.h).
 *
 * Each call builds one easy handle, runs it and frees it, so no
 * connection, cookie or credential survives into the next request (the
 * FastCGI mode relies on that).  Redirects are off and only http and
 * https are allowed, also for any redirect a later caller might enable.
 * The body is collected into a bounded buffer; the first byte past
 * CA_HTTP_BODY_MAX makes the write callback refuse, which aborts the
 * transfer.  Transfer-Encoding is decoded by curl; Content-Encoding is
 * not asked for, so the cap counts the bytes we parse.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "alloc.h"
#include "buf.h"
#include "http.h"

#define CA_HTTP_USER_AGENT	"cgiauth"
#define CA_HTTP_ACCEPT		"Accept: application/json"

/* What the write callback needs: the buffer and why it stopped. */
struct ca_http_sink {
	struct ca_buf	*body;
	int		 toobig;	/* the cap was reached */
	int		 nomem;		/* an allocation failed */
};

static const char *const ca_http_method_names[CA_HTTP__MAX] = {
	"GET",		/* CA_HTTP_GET */
	"POST",		/* CA_HTTP_POST */
};

static size_t
ca_http_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct ca_http_sink	*s = arg;
	enum ca_err		 rc;
	size_t			 n;

	/* curl guarantees size is 1; refuse rather than overflow. */
	if (size != 1)
		return 0;
	n = nmemb;
	rc = ca_buf_add(s->body, ptr, n);
	if (rc == CA_ETOOBIG) {
		s->toobig = 1;
		return 0;
	}
	if (rc != CA_OK) {
		s->nomem = 1;
		return 0;
	}
	return n;
}

void
ca_http_origin(const char *url, char *out, size_t outsz)
{
	const char	*p, *host, *end, *at;
	size_t		 schemelen, hostlen;

	if (out == NULL || outsz == 0)
		return;
	out[0] = '\0';
	p = url != NULL ? strstr(url, "://") : NULL;
	if (p == NULL) {
		snprintf(out, outsz, "?");
		return;
	}
	schemelen = (size_t)(p - url);
	host = p + 3;
	end = host + strcspn(host, "/?#");
	/* Drop any user:password@ part: it is a secret. */
	for (at = end; at > host; at--)
		if (at[-1] == '@')
			break;
	if (at > host)
		host = at;
	hostlen = (size_t)(end - host);
	if (schemelen > 16 || hostlen == 0) {
		snprintf(out, outsz, "?");
		return;
	}
	snprintf(out, outsz, "%.*s://%.*s", (int)schemelen, url,
	    (int)hostlen, host);
}

/* 1 when url starts with http:// or https://, in any case. */
static int
ca_http_scheme_ok(const char *url)
{

	return strncasecmp(url, "http://", 7) == 0 ||
	    strncasecmp(url, "https://", 8) == 0;
}

static void
ca_http_detail(char *detail, size_t detailsz, const struct ca_http_req *req,
    const char *what)
{
	char	 origin[CA_HTTP_DETAIL_MAX];

	if (detail == NULL || detailsz == 0)
		return;
	ca_http_origin(req->url, origin, sizeof(origin));
	snprintf(detail, detailsz, "%s %s: %s",
	    ca_http_method_names[req->method], origin, what);
}

/* Keeps a copy of s, at most max bytes long; NULL stays NULL. */
static enum ca_err
ca_http_keep(const char *s, size_t max, char **out)
{

	*out = NULL;
	if (s == NULL)
		return CA_OK;
	if (strlen(s) > max)
		return CA_OK;
	*out = ca_strdup(s);
	return *out == NULL ? CA_ENOMEM : CA_OK;
}

static enum ca_err
ca_http_map(CURLcode cc, const struct ca_http_sink *sink)
{

	switch (cc) {
	case CURLE_OK:
		return CA_OK;
	case CURLE_OPERATION_TIMEDOUT:
		return CA_ETIMEOUT;
	case CURLE_FILESIZE_EXCEEDED:
		return CA_ETOOBIG;
	case CURLE_WRITE_ERROR:
		if (sink->toobig)
			return CA_ETOOBIG;
		if (sink->nomem)
			return CA_ENOMEM;
		return CA_EUPSTREAM;
	case CURLE_OUT_OF_MEMORY:
		return CA_ENOMEM;
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return CA_EINVAL;
	default:
		return CA_EUPSTREAM;
	}
}

/*
 * The caller frees *resp with ca_http_resp_free() whatever the result; the
 * header list and the handle are freed here.
 */
enum ca_err
ca_http_do(const struct ca_http_req *req, struct ca_http_resp *resp,
    char *detail, size_t detailsz)
{
	CURL			*h = NULL;
	struct curl_slist	*hdrs = NULL, *tmp;
	struct ca_http_sink	 sink;
	char			 errbuf[CURL_ERROR_SIZE];
	const char		*ctype = NULL, *loc = NULL;
	long			 ctimeout;
	int			 own_accept = 1;
	size_t			 i;
	CURLcode		 cc;
	enum ca_err		 rc = CA_EINVAL;

	if (detail != NULL && detailsz > 0)
		detail[0] = '\0';
	if (resp == NULL)
		goto out;
	memset(resp, 0, sizeof(*resp));
	ca_buf_init(&resp->body, CA_HTTP_BODY_MAX);
	if (req == NULL || req->url == NULL || req->timeout <= 0 ||
	    req->connect_timeout < 0 || (int)req->method < 0 ||
	    req->method >= CA_HTTP__MAX ||
	    (req->basic_user == NULL) != (req->basic_pass == NULL))
		goto out;
	if (!ca_http_scheme_ok(req->url)) {
		ca_http_detail(detail, detailsz, req, "not an http(s) URL");
		goto out;
	}
	ctimeout = req->connect_timeout > 0 &&
	    req->connect_timeout < req->timeout ?
	    req->connect_timeout : req->timeout;

	rc = CA_ENOMEM;
	h = curl_easy_init();
	if (h == NULL)
		goto out;
	if (req->headers != NULL)
		for (i = 0; req->headers[i] != NULL; i++)
			if (strncasecmp(req->headers[i], "Accept:", 7) == 0)
				own_accept = 0;
	if (own_accept) {
		tmp = curl_slist_append(hdrs, CA_HTTP_ACCEPT);
		if (tmp == NULL)
			goto out;
		hdrs = tmp;
	}
	/* No "Expect: 100-continue" round trip for our small forms. */
	tmp = curl_slist_append(hdrs, "Expect:");
	if (tmp == NULL)
		goto out;
	hdrs = tmp;
	if (req->headers != NULL)
		for (i = 0; req->headers[i] != NULL; i++) {
			tmp = curl_slist_append(hdrs, req->headers[i]);
			if (tmp == NULL)
				goto out;
			hdrs = tmp;
		}

	sink.body = &resp->body;
	sink.toobig = 0;
	sink.nomem = 0;
	errbuf[0] = '\0';

	rc = CA_EINVAL;
	if (curl_easy_setopt(h, CURLOPT_URL, req->url) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_TIMEOUT, req->timeout) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, ctimeout) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERAGENT, CA_HTTP_USER_AGENT) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)CA_HTTP_BODY_MAX) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ca_http_write) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink) != CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf) != CURLE_OK)
		goto out;
	if (req->method == CA_HTTP_POST) {
		const char *form = req->form != NULL ? req->form : "";

		if (curl_easy_setopt(h, CURLOPT_POST, 1L) != CURLE_OK ||
		    curl_easy_setopt(h, CURLOPT_POSTFIELDS, form) !=
		    CURLE_OK ||
		    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)strlen(form)) != CURLE_OK)
			goto out;
	} else if (curl_easy_setopt(h, CURLOPT_HTTPGET, 1L) != CURLE_OK)
		goto out;
	if (req->basic_user != NULL &&
	    (curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_USERNAME, req->basic_user) !=
	    CURLE_OK ||
	    curl_easy_setopt(h, CURLOPT_PASSWORD, req->basic_pass) !=
	    CURLE_OK))
		goto out;

	cc = curl_easy_perform(h);
	rc = ca_http_map(cc, &sink);
	if (rc != CA_OK) {
		if (rc == CA_ETOOBIG)
			ca_http_detail(detail, detailsz, req,
			    "response body too large");
		else
			ca_http_detail(detail, detailsz, req,
			    errbuf[0] != '\0' ? errbuf :
			    curl_easy_strerror(cc));
		goto out;
	}
	rc = CA_EUPSTREAM;
	if (curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status) !=
	    CURLE_OK || resp->status < 100 || resp->status > 999) {
		ca_http_detail(detail, detailsz, req, "no HTTP status");
		goto out;
	}
	if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ctype) != CURLE_OK)
		ctype = NULL;
	if (curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) != CURLE_OK)
		loc = NULL;
	rc = ca_http_keep(ctype, CA_HTTP_CTYPE_MAX, &resp->content_type);
	if (rc != CA_OK)
		goto out;
	rc = ca_http_keep(loc, CA_HTTP_LOCATION_MAX, &resp->location);
	if (rc != CA_OK)
		goto out;
	rc = CA_OK;
out:
	if (rc == CA_ENOMEM)
		ca_http_detail(detail, detailsz, req, "out of memory");
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(h);
	return rc;
}

void
ca_http_resp_free(struct ca_http_resp *resp)
{

	if (resp == NULL)
		return;
	ca_free(resp->content_type);
	ca_free(resp->location);
	/* Token responses carry secrets. */
	ca_buf_free_secret(&resp->body);
	resp->content_type = NULL;
	resp->location = NULL;
	resp->status = 0;
}
