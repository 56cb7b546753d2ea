/*
 * e2e.c: starts the whole site for an end-to-end suite and drives it over
 * HTTP like a browser that never follows redirects (see e2e.h).
 *
 * The servers come from spec/harness.h; the env file the CGI programs
 * read is written into a mkdtemp(3) directory under $TMPDIR and removed
 * at the end.  The browser keeps cookies in libcurl's in-memory jar and
 * records every header of each response.  The database helpers talk to
 * MongoDB with libmongoc directly, opening a client per call, so they
 * are safe in the forked child Check runs each test in.  Protocol checks
 * of the sign-in redirects follow RFC 6749 4.1.1 and 4.1.2, RFC 7636 4.3
 * and OIDC Core 3.1.2.1.  It does not know what a page should say: the
 * suites assert that.
 */
#include <sys/stat.h>

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <curl/curl.h>
#include <mongoc.h>

#include "alloc.h"
#include "buf.h"
#include "crypto.h"
#include "e2e.h"
#include "harness.h"

/* Where Debian installs lighttpd. */
#define E2E_LIGHTTPD		"/usr/sbin/lighttpd"
/* The tune file the suites use, under the source root. */
#define E2E_TUNE		"fixtures/e2e/tune.json"
/* The mock provider's fixture, under the source root. */
#define E2E_MOCK_FIXTURE	"fixtures/mock-provider/users.json"
/* The mock's client, as in that fixture and fixtures/e2e/tune.json. */
#define E2E_CLIENT_ID		"mock-client-id"
/* How often a server is tried on a new port if the last one was taken. */
#define E2E_ATTEMPTS		3
/* A fixture file at most. */
#define E2E_FIXTURE_MAX		(256 * 1024)
/* RFC 7636 4.2: an S256 challenge is 43 base64url characters. */
#define E2E_CHALLENGE_LEN	43
/* A header name we look for at most. */
#define E2E_HEADER_NAME_MAX	128

/*
 * The providers of fixtures/e2e/tune.json: the scope each sends and
 * whether it is OpenID Connect (so the authorize URL carries a nonce).
 */
struct e2e_provider {
	const char	*name;
	const char	*scope;
	int		 oidc;
};

static const struct e2e_provider e2e_providers[] = {
	{ "mock",	 "openid email profile", 1 },
	{ "mockbasic",	 "openid email profile", 1 },
	{ "mocktrusted", "openid email profile", 1 },
	{ "hidden",	 "openid email profile", 1 },
	{ "mocknested",	 "profile", 0 },
	{ "mockgithub",	 "user:email", 0 },
	{ NULL, NULL, 0 }
};

/* The database collections the suites read and empty. */
static const char *const e2e_collections[] = {
	"users", "oauth_accounts", "cgiauth_sessions",
	"cgiauth_oauth_states", NULL
};

static double
e2e_now(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Copies src into dst (size bytes): CA_ETOOBIG when it does not fit. */
static enum ca_err
e2e_copy(char *dst, size_t size, const char *src)
{
	size_t	 n;

	n = strlen(src);
	if (n >= size)
		return CA_ETOOBIG;
	memcpy(dst, src, n + 1);
	return CA_OK;
}

/* Drops trailing slashes of a base URL in place. */
static void
e2e_chop_slash(char *s)
{
	size_t	 n;

	n = strlen(s);
	while (n > 0 && s[n - 1] == '/')
		s[--n] = '\0';
}

/* getenv(name) when set and not empty, else NULL. */
static const char *
e2e_env(const char *name)
{
	const char	*s;

	s = getenv(name);
	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* Conformance mode: another deployment, named by the environment. */
static enum ca_err
e2e_start_remote(struct ca_e2e_site *s, const char *base)
{
	const char	*mock, *db;

	mock = e2e_env("CGIAUTH_MOCK_URL");
	if (mock == NULL) {
		(void)fprintf(stderr, "e2e: CGIAUTH_BASE_URL is set but "
		    "CGIAUTH_MOCK_URL is not: conformance mode needs the "
		    "mock provider the site signs in with\n");
		return CA_ECONFIG;
	}
	if (e2e_copy(s->base_url, sizeof(s->base_url), base) != CA_OK ||
	    e2e_copy(s->mock_url, sizeof(s->mock_url), mock) != CA_OK)
		return CA_ETOOBIG;
	e2e_chop_slash(s->base_url);
	e2e_chop_slash(s->mock_url);
	db = e2e_env("CGIAUTH_MONGODB_URI");
	if (db != NULL &&
	    e2e_copy(s->mongo_uri, sizeof(s->mongo_uri), db) != CA_OK)
		return CA_ETOOBIG;
	if (db == NULL)
		(void)fprintf(stderr, "e2e: conformance mode against %s "
		    "without CGIAUTH_MONGODB_URI: every test that checks "
		    "the database will fail\n", s->base_url);
	s->local = 0;
	return CA_OK;
}

/* The mock provider on a free port, retried if the port was taken. */
static enum ca_err
e2e_mock_start(struct ca_e2e_site *s, const char *root, const char *build)
{
	char		 bin[CA_E2E_PATH_MAX], fixture[CA_E2E_PATH_MAX];
	char		 port[16];
	char		*argv[] = { bin, "--port", port, "--fixtures", fixture,
			    NULL };
	int		 p, n, attempt;
	enum ca_err	 rc = CA_EIO;

	if (build[0] == '/')
		n = snprintf(bin, sizeof(bin),
		    "%s/mock-provider/mock-provider", build);
	else
		n = snprintf(bin, sizeof(bin),
		    "%s/%s/mock-provider/mock-provider", root, build);
	if (n < 0 || (size_t)n >= sizeof(bin))
		return CA_ETOOBIG;
	n = snprintf(fixture, sizeof(fixture), "%s/%s", root,
	    E2E_MOCK_FIXTURE);
	if (n < 0 || (size_t)n >= sizeof(fixture))
		return CA_ETOOBIG;
	if (access(bin, X_OK) == -1) {
		(void)fprintf(stderr, "e2e: %s is missing: run make\n", bin);
		return CA_ENOTFOUND;
	}
	for (attempt = 0; attempt < E2E_ATTEMPTS; attempt++) {
		rc = ca_harness_free_port(&p);
		if (rc != CA_OK)
			return rc;
		(void)snprintf(port, sizeof(port), "%d", p);
		rc = ca_harness_spawn(&s->mock, "mock-provider", argv, NULL, p,
		    CA_HARNESS_SPAWN_TIMEOUT_MS);
		if (rc != CA_EIO)
			break;
	}
	if (rc != CA_OK)
		return rc;
	n = snprintf(s->mock_url, sizeof(s->mock_url), "http://127.0.0.1:%d",
	    p);
	return n < 0 || (size_t)n >= sizeof(s->mock_url) ? CA_ETOOBIG : CA_OK;
}

/*
 * The temp dir and the env file the CGI programs read (web_port is the
 * site's port, for SITE_URL).
 */
static enum ca_err
e2e_envfile(struct ca_e2e_site *s, int web_port)
{
	unsigned char	 key[32];
	const char	*tmp;
	FILE		*fp = NULL;
	size_t		 i;
	int		 n;
	enum ca_err	 rc = CA_ETOOBIG;

	tmp = e2e_env("TMPDIR");
	n = snprintf(s->tmpdir, sizeof(s->tmpdir), "%s/cgiauth-e2e-XXXXXX",
	    tmp != NULL ? tmp : "/tmp");
	if (n < 0 || (size_t)n >= sizeof(s->tmpdir))
		goto out;
	rc = CA_EIO;
	if (mkdtemp(s->tmpdir) == NULL) {
		(void)fprintf(stderr, "e2e: mkdtemp %s: %s\n", s->tmpdir,
		    strerror(errno));
		s->tmpdir[0] = '\0';
		goto out;
	}
	rc = CA_ETOOBIG;
	n = snprintf(s->envfile, sizeof(s->envfile), "%s/e2e.env",
	    s->tmpdir);
	if (n < 0 || (size_t)n >= sizeof(s->envfile))
		goto out;
	rc = ca_crypto_random(key, sizeof(key));
	if (rc != CA_OK)
		goto out;
	for (i = 0; i < sizeof(key); i++)
		(void)snprintf(s->session_key + 2 * i, 3, "%02x", key[i]);
	rc = CA_EIO;
	fp = fopen(s->envfile, "w");
	if (fp == NULL)
		goto out;
	n = snprintf(s->base_url, sizeof(s->base_url), "http://127.0.0.1:%d",
	    web_port);
	if (n < 0 || (size_t)n >= sizeof(s->base_url))
		goto out;
	if (fprintf(fp, "ENVIRONMENT=production\nSITE_URL=%s\n"
	    "MONGODB_URI=%s\nMOCK_URL=%s\nSESSION_KEY=%s\n", s->base_url,
	    s->mongo_uri, s->mock_url, s->session_key) < 0)
		goto out;
	rc = CA_OK;
out:
	explicit_bzero(key, sizeof(key));
	if (fp != NULL && fclose(fp) != 0 && rc == CA_OK)
		rc = CA_EIO;
	return rc;
}

/* lighttpd over the build's cgi-bin, retried if the port was taken. */
static enum ca_err
e2e_web_start(struct ca_e2e_site *s, const char *root, const char *build)
{
	char		 conf[CA_E2E_PATH_MAX], eport[32];
	char		 ebin[CA_E2E_PATH_MAX + 16];
	char		 eroot[CA_E2E_PATH_MAX + 16];
	char		 eenv[CA_E2E_PATH_MAX + 32];
	char		 etune[CA_E2E_PATH_MAX + 32];
	char		*argv[] = { E2E_LIGHTTPD, "-D", "-f", conf, NULL };
	char		*extra[] = { eport, ebin, eroot, eenv, etune, NULL };
	int		 p, n, attempt;
	enum ca_err	 rc = CA_ETOOBIG;

	if (access(E2E_LIGHTTPD, X_OK) == -1) {
		(void)fprintf(stderr, "e2e: %s is missing: apt-get install "
		    "lighttpd\n", E2E_LIGHTTPD);
		return CA_ENOTFOUND;
	}
	n = snprintf(conf, sizeof(conf), "%s/lighttpd.conf", root);
	if (n < 0 || (size_t)n >= sizeof(conf))
		return rc;
	if (build[0] == '/')
		n = snprintf(ebin, sizeof(ebin), "CGIAUTH_BIN=%s/cgi-bin",
		    build);
	else
		n = snprintf(ebin, sizeof(ebin), "CGIAUTH_BIN=%s/%s/cgi-bin",
		    root, build);
	if (n < 0 || (size_t)n >= sizeof(ebin))
		return rc;
	n = snprintf(eroot, sizeof(eroot), "CGIAUTH_ROOT=%s", root);
	if (n < 0 || (size_t)n >= sizeof(eroot))
		return rc;
	n = snprintf(etune, sizeof(etune), "CGIAUTH_TUNE_FILE=%s/%s", root,
	    E2E_TUNE);
	if (n < 0 || (size_t)n >= sizeof(etune))
		return rc;
	for (attempt = 0; attempt < E2E_ATTEMPTS; attempt++) {
		rc = ca_harness_free_port(&p);
		if (rc != CA_OK)
			return rc;
		(void)snprintf(eport, sizeof(eport), "PORT=%d", p);
		if (s->envfile[0] != '\0')
			(void)unlink(s->envfile);
		if (s->tmpdir[0] != '\0')
			(void)rmdir(s->tmpdir);
		s->tmpdir[0] = s->envfile[0] = '\0';
		rc = e2e_envfile(s, p);
		if (rc != CA_OK)
			return rc;
		n = snprintf(eenv, sizeof(eenv), "CGIAUTH_ENV_FILE=%s",
		    s->envfile);
		if (n < 0 || (size_t)n >= sizeof(eenv))
			return CA_ETOOBIG;
		rc = ca_harness_spawn(&s->web, "lighttpd", argv, extra, p,
		    CA_HARNESS_SPAWN_TIMEOUT_MS);
		if (rc != CA_EIO)
			break;
	}
	return rc;
}

enum ca_err
ca_e2e_start(struct ca_e2e_site *s)
{
	char		 root[PATH_MAX], uri[CA_E2E_URL_MAX];
	const char	*base, *build;
	int		 n;
	enum ca_err	 rc = CA_EINVAL;

	if (s == NULL)
		return CA_EINVAL;
	memset(s, 0, sizeof(*s));
	s->devdb.pid = s->mock.pid = s->web.pid = -1;
	base = e2e_env("CGIAUTH_BASE_URL");
	if (base != NULL)
		return e2e_start_remote(s, base);
	s->local = 1;
	if (realpath(ca_harness_root_dir(), root) == NULL) {
		(void)fprintf(stderr, "e2e: source root %s: %s\n",
		    ca_harness_root_dir(), strerror(errno));
		rc = CA_ENOTFOUND;
		goto out;
	}
	build = ca_harness_build_dir();
	rc = ca_harness_devdb_start(&s->devdb);
	if (rc != CA_OK)
		goto out;
	rc = ca_harness_devdb_uri(&s->devdb, uri, sizeof(uri));
	if (rc != CA_OK)
		goto out;
	rc = CA_ETOOBIG;
	n = snprintf(s->mongo_uri, sizeof(s->mongo_uri), "%s%s", uri,
	    CA_E2E_DBNAME);
	if (n < 0 || (size_t)n >= sizeof(s->mongo_uri))
		goto out;
	rc = e2e_mock_start(s, root, build);
	if (rc != CA_OK)
		goto out;
	rc = e2e_web_start(s, root, build);
out:
	if (rc != CA_OK) {
		(void)fprintf(stderr, "e2e: the site did not start: %s\n",
		    ca_strerror(rc));
		ca_e2e_stop(s);
	}
	return rc;
}

void
ca_e2e_stop(struct ca_e2e_site *s)
{

	if (s == NULL)
		return;
	ca_harness_stop(&s->web);
	ca_harness_stop(&s->mock);
	ca_harness_stop(&s->devdb);
	if (s->envfile[0] != '\0')
		(void)unlink(s->envfile);
	if (s->tmpdir[0] != '\0')
		(void)rmdir(s->tmpdir);
	s->envfile[0] = s->tmpdir[0] = '\0';
}

void
ca_e2e_dump_logs(const struct ca_e2e_site *s)
{

	if (s == NULL)
		return;
	ca_harness_dump_log(&s->web);
	ca_harness_dump_log(&s->mock);
	ca_harness_dump_log(&s->devdb);
}

long
ca_e2e_log_mark(const struct ca_e2e_site *s)
{
	struct stat	 st;

	if (s->web.log[0] == '\0' || stat(s->web.log, &st) == -1)
		return 0;
	return (long)st.st_size;
}

void
ca_e2e_log_check(const struct ca_e2e_site *s, long mark)
{
	static const char *const bad[] = { "ERROR: AddressSanitizer",
	    "ERROR: LeakSanitizer", "runtime error:", NULL };
	char		 line[4096];
	FILE		*fp;
	size_t		 i;

	if (s->web.log[0] == '\0')
		return;
	fp = fopen(s->web.log, "r");
	ck_assert_msg(fp != NULL, "%s: %s", s->web.log, strerror(errno));
	ck_assert(fseek(fp, mark, SEEK_SET) == 0);
	while (fgets(line, sizeof(line), fp) != NULL)
		for (i = 0; bad[i] != NULL; i++)
			if (strstr(line, bad[i]) != NULL) {
				(void)fclose(fp);
				ck_abort_msg("a CGI program's sanitizer "
				    "report in %s: %s", s->web.log, line);
			}
	(void)fclose(fp);
}

/* Empties a response for the next one (a 100 Continue, a new request). */
static void
e2e_resp_clear(struct ca_e2e_resp *r)
{
	size_t	 i;

	ca_free(r->location);
	r->location = NULL;
	for (i = 0; i < r->ncookies; i++)
		ca_free(r->cookies[i]);
	r->ncookies = 0;
	ca_buf_reset(&r->head);
	ca_buf_reset(&r->body);
}

void
ca_e2e_resp_free(struct ca_e2e_resp *r)
{

	if (r == NULL)
		return;
	e2e_resp_clear(r);
	ca_buf_free(&r->head);
	ca_buf_free(&r->body);
	r->status = 0;
}

/* A copy of a header line's value, without the CRLF and outer blanks. */
static char *
e2e_header_value(const char *v, size_t n)
{

	while (n > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		n--;
	}
	while (n > 0 && (v[n - 1] == '\r' || v[n - 1] == '\n' ||
	    v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	return ca_strndup(v, n);
}

static size_t
e2e_on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct ca_e2e_browser	*b = arg;
	struct ca_e2e_resp	*r = b->cur;
	size_t			 n = size * nmemb;
	char			*v;

	if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
		e2e_resp_clear(r);
	if (ca_buf_add(&r->head, data, n) != CA_OK)
		return 0;
	if (n > 9 && strncasecmp(data, "Location:", 9) == 0) {
		v = e2e_header_value(data + 9, n - 9);
		if (v == NULL)
			return 0;
		ca_free(r->location);
		r->location = v;
	} else if (n > 11 && strncasecmp(data, "Set-Cookie:", 11) == 0) {
		if (r->ncookies == CA_E2E_COOKIES_MAX)
			return 0;
		v = e2e_header_value(data + 11, n - 11);
		if (v == NULL)
			return 0;
		r->cookies[r->ncookies++] = v;
	}
	return n;
}

static size_t
e2e_on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct ca_e2e_browser	*b = arg;
	size_t			 n = size * nmemb;

	if (ca_buf_add(&b->cur->body, data, n) != CA_OK)
		return 0;
	return n;
}

void
ca_e2e_browser_init(struct ca_e2e_browser *b, const struct ca_e2e_site *s)
{

	memset(b, 0, sizeof(*b));
	b->site = s;
	b->curl = curl_easy_init();
	ck_assert_msg(b->curl != NULL, "curl_easy_init failed");
	ck_assert_int_eq(curl_easy_setopt(b->curl, CURLOPT_COOKIEFILE, ""),
	    CURLE_OK);
	(void)curl_easy_setopt(b->curl, CURLOPT_FOLLOWLOCATION, 0L);
	(void)curl_easy_setopt(b->curl, CURLOPT_NOPROXY, "*");
	(void)curl_easy_setopt(b->curl, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(b->curl, CURLOPT_TIMEOUT,
	    (long)CA_E2E_REQUEST_TIMEOUT);
	(void)curl_easy_setopt(b->curl, CURLOPT_HEADERFUNCTION,
	    e2e_on_header);
	(void)curl_easy_setopt(b->curl, CURLOPT_HEADERDATA, b);
	(void)curl_easy_setopt(b->curl, CURLOPT_WRITEFUNCTION, e2e_on_body);
	(void)curl_easy_setopt(b->curl, CURLOPT_WRITEDATA, b);
}

void
ca_e2e_browser_free(struct ca_e2e_browser *b)
{

	if (b == NULL)
		return;
	if (b->curl != NULL)
		curl_easy_cleanup(b->curl);
	b->curl = NULL;
}

/* A path on the site or an absolute URL, into out. */
static void
e2e_full_url(const struct ca_e2e_browser *b, const char *url, char *out,
    size_t size)
{
	int	 n;

	if (strncmp(url, "http://", 7) == 0 ||
	    strncmp(url, "https://", 8) == 0)
		n = snprintf(out, size, "%s", url);
	else
		n = snprintf(out, size, "%s%s", b->site->base_url, url);
	ck_assert_msg(n >= 0 && (size_t)n < size, "URL too long: %s", url);
}

static void
e2e_request(struct ca_e2e_browser *b, const char *url, const char *body,
    struct ca_e2e_resp *r)
{
	char		 full[CA_E2E_URL_MAX];
	double		 t0;
	long		 status = 0;
	CURLcode	 cc;

	memset(r, 0, sizeof(*r));
	ca_buf_init(&r->head, CA_E2E_HEAD_MAX);
	ca_buf_init(&r->body, CA_E2E_BODY_MAX);
	e2e_full_url(b, url, full, sizeof(full));
	b->cur = r;
	(void)curl_easy_setopt(b->curl, CURLOPT_URL, full);
	if (body == NULL)
		(void)curl_easy_setopt(b->curl, CURLOPT_HTTPGET, 1L);
	else
		(void)curl_easy_setopt(b->curl, CURLOPT_COPYPOSTFIELDS, body);
	t0 = e2e_now();
	cc = curl_easy_perform(b->curl);
	r->seconds = e2e_now() - t0;
	b->cur = NULL;
	ck_assert_msg(cc == CURLE_OK, "%s %s: %s (after %.1f s)",
	    body == NULL ? "GET" : "POST", full, curl_easy_strerror(cc),
	    r->seconds);
	(void)curl_easy_getinfo(b->curl, CURLINFO_RESPONSE_CODE, &status);
	r->status = status;
}

void
ca_e2e_get(struct ca_e2e_browser *b, const char *url, struct ca_e2e_resp *r)
{

	e2e_request(b, url, NULL, r);
}

void
ca_e2e_post_form(struct ca_e2e_browser *b, const char *url,
    const char *body, struct ca_e2e_resp *r)
{

	e2e_request(b, url, body != NULL ? body : "", r);
}

const char *
ca_e2e_resp_header(const struct ca_e2e_resp *r, const char *name,
    char *buf, size_t size)
{
	const char	*p, *eol, *v;
	size_t		 nlen, vlen;

	nlen = strlen(name);
	p = ca_buf_str(&r->head);
	while (*p != '\0') {
		eol = strchr(p, '\n');
		if (eol == NULL)
			eol = p + strlen(p);
		if ((size_t)(eol - p) > nlen && strncasecmp(p, name, nlen) ==
		    0 && p[nlen] == ':') {
			v = p + nlen + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			vlen = (size_t)(eol - v);
			while (vlen > 0 && (v[vlen - 1] == '\r' ||
			    v[vlen - 1] == ' '))
				vlen--;
			if (vlen >= size)
				return NULL;
			memcpy(buf, v, vlen);
			buf[vlen] = '\0';
			return buf;
		}
		p = *eol == '\n' ? eol + 1 : eol;
	}
	return NULL;
}

const char *
ca_e2e_resp_cookie(const struct ca_e2e_resp *r, const char *name)
{
	size_t	 i, n;

	n = strlen(name);
	for (i = 0; i < r->ncookies; i++)
		if (strncmp(r->cookies[i], name, n) == 0 &&
		    r->cookies[i][n] == '=')
			return r->cookies[i];
	return NULL;
}

const char *
ca_e2e_summary(struct ca_e2e_resp *r)
{
	const char	*b, *h1;
	size_t		 n;

	b = ca_buf_str(&r->body);
	h1 = strstr(b, "<h1>");
	if (h1 != NULL)
		b = h1;
	n = strlen(b);
	if (n > CA_E2E_SUMMARY_MAX)
		n = CA_E2E_SUMMARY_MAX;
	memcpy(r->summary, b, n);
	r->summary[n] = '\0';
	return r->summary;
}

int
ca_e2e_resp_has(const struct ca_e2e_resp *r, const char *s)
{

	return strstr(ca_buf_str(&r->body), s) != NULL;
}

/* 1 when the "; "-separated list holds attr, names compared in any case. */
static int
e2e_attr_in(const char *list, const char *attr, size_t alen)
{
	const char	*p = list, *end, *eq;
	size_t		 n, an;

	eq = memchr(attr, '=', alen);
	an = eq != NULL ? (size_t)(eq - attr) : alen;
	while (*p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		end = strchr(p, ';');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n == alen && strncasecmp(p, attr, an) == 0 &&
		    memcmp(p + an, attr + an, alen - an) == 0)
			return 1;
		if (end == NULL)
			break;
		p = end + 1;
	}
	return 0;
}

/* The number of "; "-separated items in list. */
static size_t
e2e_attr_count(const char *list)
{
	const char	*p = list;
	size_t		 count = 0;

	while (*p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		if (*p == '\0')
			break;
		count++;
		p += strcspn(p, ";");
	}
	return count;
}

void
ca_e2e_assert_cookie(const struct ca_e2e_resp *r, const char *name,
    const char *want, char *value, size_t size)
{
	const char	*c, *semi, *attrs, *p;
	size_t		 vlen, n;

	c = ca_e2e_resp_cookie(r, name);
	ck_assert_msg(c != NULL, "no Set-Cookie for %s", name);
	c += strlen(name) + 1;
	semi = strchr(c, ';');
	vlen = semi != NULL ? (size_t)(semi - c) : strlen(c);
	if (value != NULL) {
		ck_assert_msg(vlen < size, "cookie %s too long", name);
		memcpy(value, c, vlen);
		value[vlen] = '\0';
	}
	attrs = semi != NULL ? semi + 1 : "";
	ck_assert_msg(e2e_attr_count(attrs) == e2e_attr_count(want),
	    "cookie %s: attributes \"%s\", want exactly \"%s\"", name, attrs,
	    want);
	p = want;
	while (*p != '\0') {
		while (*p == ' ' || *p == ';')
			p++;
		n = strcspn(p, ";");
		while (n > 0 && p[n - 1] == ' ')
			n--;
		if (n == 0)
			break;
		ck_assert_msg(e2e_attr_in(attrs, p, n), "cookie %s: attributes "
		    "\"%s\" lack \"%.*s\" (want exactly \"%s\")", name, attrs,
		    (int)n, p, want);
		p += strcspn(p, ";");
	}
}

/* The next tab-separated field of a Netscape cookie line, or NULL. */
static const char *
e2e_field(const char *p, size_t *len)
{
	const char	*tab;

	tab = strchr(p, '\t');
	*len = tab != NULL ? (size_t)(tab - p) : strlen(p);
	return tab != NULL ? tab + 1 : NULL;
}

enum ca_err
ca_e2e_cookie_get(struct ca_e2e_browser *b, const char *name,
    const char *path, char *value, size_t size)
{
	struct curl_slist	*list = NULL, *it;
	const char		*f[7], *p;
	size_t			 len[7], i;
	enum ca_err		 rc = CA_ENOTFOUND;

	ck_assert_int_eq(curl_easy_getinfo(b->curl, CURLINFO_COOKIELIST,
	    &list), CURLE_OK);
	for (it = list; it != NULL && rc == CA_ENOTFOUND; it = it->next) {
		/* domain, tailmatch, path, secure, expires, name, value */
		p = it->data;
		for (i = 0; i < 7 && p != NULL; i++) {
			f[i] = p;
			p = e2e_field(p, &len[i]);
		}
		if (i < 7)
			continue;
		if (len[5] != strlen(name) || memcmp(f[5], name, len[5]) != 0)
			continue;
		if (path != NULL && (len[2] != strlen(path) ||
		    memcmp(f[2], path, len[2]) != 0))
			continue;
		if (len[6] >= size)
			rc = CA_ETOOBIG;
		else {
			memcpy(value, f[6], len[6]);
			value[len[6]] = '\0';
			rc = CA_OK;
		}
	}
	curl_slist_free_all(list);
	return rc;
}

/* The host of the site's base URL, into out. */
static void
e2e_host(const struct ca_e2e_site *s, char *out, size_t size)
{
	const char	*h;
	size_t		 n;

	h = strstr(s->base_url, "://");
	ck_assert_msg(h != NULL, "base URL without a scheme: %s", s->base_url);
	h += 3;
	n = strcspn(h, ":/");
	ck_assert_msg(n > 0 && n < size, "base URL host: %s", s->base_url);
	memcpy(out, h, n);
	out[n] = '\0';
}

/* 1 when the Netscape cookie line names cookie name with path "/". */
static int
e2e_line_is(const char *line, const char *name)
{
	const char	*f[7], *p = line;
	size_t		 len[7], i;

	for (i = 0; i < 7 && p != NULL; i++) {
		f[i] = p;
		p = e2e_field(p, &len[i]);
	}
	return i == 7 && len[2] == 1 && f[2][0] == '/' &&
	    len[5] == strlen(name) && memcmp(f[5], name, len[5]) == 0;
}

/*
 * libcurl refuses to let a cookie given through CURLOPT_COOKIELIST
 * replace one a server set ("live" cookies win), so the jar is rebuilt:
 * every other cookie goes back as it was, then name=value.
 */
void
ca_e2e_cookie_set(struct ca_e2e_browser *b, const char *name,
    const char *value)
{
	struct curl_slist	*list = NULL, *it;
	char			 host[256], line[CA_E2E_VALUE_MAX + 512];
	int			 n;

	e2e_host(b->site, host, sizeof(host));
	n = snprintf(line, sizeof(line), "%s\tFALSE\t/\tFALSE\t0\t%s\t%s",
	    host, name, value);
	ck_assert_msg(n >= 0 && (size_t)n < sizeof(line), "cookie too long");
	ck_assert_int_eq(curl_easy_getinfo(b->curl, CURLINFO_COOKIELIST,
	    &list), CURLE_OK);
	ck_assert_int_eq(curl_easy_setopt(b->curl, CURLOPT_COOKIELIST, "ALL"),
	    CURLE_OK);
	for (it = list; it != NULL; it = it->next)
		if (!e2e_line_is(it->data, name))
			ck_assert_int_eq(curl_easy_setopt(b->curl,
			    CURLOPT_COOKIELIST, it->data), CURLE_OK);
	curl_slist_free_all(list);
	ck_assert_int_eq(curl_easy_setopt(b->curl, CURLOPT_COOKIELIST, line),
	    CURLE_OK);
}

void
ca_e2e_cookie_clear(struct ca_e2e_browser *b)
{

	ck_assert_int_eq(curl_easy_setopt(b->curl, CURLOPT_COOKIELIST, "ALL"),
	    CURLE_OK);
}

enum ca_err
ca_e2e_csrf_token(const struct ca_e2e_resp *r, char *out, size_t size)
{
	const char	*body, *at, *lt, *gt, *v, *q;
	size_t		 n;

	body = ca_buf_str(&r->body);
	at = strstr(body, "name=\"csrf_token\"");
	if (at == NULL)
		return CA_ENOTFOUND;
	for (lt = at; lt > body && *lt != '<'; lt--)
		continue;
	gt = strchr(at, '>');
	if (*lt != '<' || gt == NULL)
		return CA_ENOTFOUND;
	for (v = lt; v < gt; v++)
		if (strncmp(v, " value=\"", 8) == 0)
			break;
	if (v >= gt)
		return CA_ENOTFOUND;
	v += 8;
	q = strchr(v, '"');
	if (q == NULL || q > gt)
		return CA_ENOTFOUND;
	n = (size_t)(q - v);
	if (n >= size)
		return CA_ETOOBIG;
	memcpy(out, v, n);
	out[n] = '\0';
	return CA_OK;
}

static int
e2e_hex(unsigned char c)
{

	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

enum ca_err
ca_e2e_query_param(const char *url, const char *name, char *out,
    size_t size)
{
	const char	*p, *end, *eq;
	size_t		 nlen, o, i, vlen;

	p = strchr(url, '?');
	if (p == NULL)
		return CA_ENOTFOUND;
	p++;
	nlen = strlen(name);
	while (*p != '\0' && *p != '#') {
		end = p + strcspn(p, "&#");
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && (size_t)(eq - p) == nlen &&
		    strncmp(p, name, nlen) == 0) {
			vlen = (size_t)(end - eq - 1);
			for (i = 0, o = 0; i < vlen; i++) {
				if (o + 1 >= size)
					return CA_ETOOBIG;
				if (eq[1 + i] == '+')
					out[o++] = ' ';
				else if (eq[1 + i] == '%' && i + 2 < vlen &&
				    e2e_hex((unsigned char)eq[2 + i]) >= 0 &&
				    e2e_hex((unsigned char)eq[3 + i]) >= 0) {
					out[o++] = (char)(e2e_hex(
					    (unsigned char)eq[2 + i]) << 4 |
					    e2e_hex((unsigned char)eq[3 + i]));
					i += 2;
				} else
					out[o++] = eq[1 + i];
			}
			if (size == 0)
				return CA_ETOOBIG;
			out[o] = '\0';
			return CA_OK;
		}
		p = *end == '&' ? end + 1 : end;
	}
	return CA_ENOTFOUND;
}

void
ca_e2e_escape(const char *s, char *out, size_t size)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*p;
	size_t			 o = 0;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		ck_assert_msg(o + 4 < size, "too long to escape: %s", s);
		/* RFC 3986 section 2.3: unreserved characters stay. */
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
		    *p == '_' || *p == '~')
			out[o++] = (char)*p;
		else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	ck_assert_msg(o < size, "too long to escape: %s", s);
	out[o] = '\0';
}

static const struct e2e_provider *
e2e_provider(const char *name)
{
	size_t	 i;

	for (i = 0; e2e_providers[i].name != NULL; i++)
		if (strcmp(e2e_providers[i].name, name) == 0)
			return &e2e_providers[i];
	ck_abort_msg("provider %s is not in fixtures/e2e/tune.json", name);
	return NULL;
}

/* Asserts that query parameter name of url is exactly want. */
static void
e2e_assert_param(const char *url, const char *name, const char *want)
{
	char	 v[CA_E2E_VALUE_MAX];

	ck_assert_msg(ca_e2e_query_param(url, name, v, sizeof(v)) == CA_OK,
	    "%s lacks %s", url, name);
	ck_assert_msg(strcmp(v, want) == 0, "%s: %s is \"%s\", want \"%s\"",
	    url, name, v, want);
}

void
ca_e2e_authorize(struct ca_e2e_browser *b, const char *provider,
    const char *login, const char *next, struct ca_e2e_flow *flow)
{
	const struct e2e_provider	*pv;
	struct ca_e2e_resp		 r;
	char				 path[CA_E2E_URL_MAX];
	char				 esc[CA_E2E_URL_MAX];
	char				 redirect[CA_E2E_URL_MAX];
	char				 prefix[CA_E2E_URL_MAX];
	char				 v[CA_E2E_VALUE_MAX];
	int				 n;

	memset(flow, 0, sizeof(*flow));
	pv = e2e_provider(provider);
	if (next != NULL) {
		ca_e2e_escape(next, esc, sizeof(esc));
		n = snprintf(path, sizeof(path),
		    "/auth/login/provider/%s?next=%s", provider, esc);
	} else
		n = snprintf(path, sizeof(path), "/auth/login/provider/%s",
		    provider);
	ck_assert(n >= 0 && (size_t)n < sizeof(path));
	ca_e2e_get(b, path, &r);
	ck_assert_msg(r.status == 302, "GET %s: status %ld, want 302: %s",
	    path, r.status, ca_e2e_summary(&r));
	ck_assert_msg(r.location != NULL, "GET %s: 302 without Location",
	    path);
	n = snprintf(prefix, sizeof(prefix), "%s/authorize?",
	    b->site->mock_url);
	ck_assert(n >= 0 && (size_t)n < sizeof(prefix));
	ck_assert_msg(strncmp(r.location, prefix, strlen(prefix)) == 0,
	    "GET %s: Location %s, want %s...", path, r.location, prefix);
	ck_assert(strlen(r.location) < sizeof(flow->authorize));
	memcpy(flow->authorize, r.location, strlen(r.location) + 1);
	ca_e2e_resp_free(&r);

	n = snprintf(redirect, sizeof(redirect), "%s/auth/provider/%s",
	    b->site->base_url, provider);
	ck_assert(n >= 0 && (size_t)n < sizeof(redirect));
	e2e_assert_param(flow->authorize, "response_type", "code");
	e2e_assert_param(flow->authorize, "client_id", E2E_CLIENT_ID);
	e2e_assert_param(flow->authorize, "redirect_uri", redirect);
	e2e_assert_param(flow->authorize, "scope", pv->scope);
	e2e_assert_param(flow->authorize, "code_challenge_method", "S256");
	ck_assert_msg(ca_e2e_query_param(flow->authorize, "code_challenge",
	    v, sizeof(v)) == CA_OK && strlen(v) == E2E_CHALLENGE_LEN,
	    "%s: code_challenge missing or not %d characters",
	    flow->authorize, E2E_CHALLENGE_LEN);
	ck_assert_msg(ca_e2e_query_param(flow->authorize, "state",
	    flow->state, sizeof(flow->state)) == CA_OK &&
	    flow->state[0] != '\0', "%s: no state", flow->authorize);
	if (pv->oidc)
		ck_assert_msg(ca_e2e_query_param(flow->authorize, "nonce", v,
		    sizeof(v)) == CA_OK && v[0] != '\0',
		    "%s: an openid scope without a nonce", flow->authorize);
	else
		ck_assert_msg(ca_e2e_query_param(flow->authorize, "nonce", v,
		    sizeof(v)) == CA_ENOTFOUND,
		    "%s: a nonce without the openid scope", flow->authorize);

	ca_e2e_escape(login, esc, sizeof(esc));
	n = snprintf(path, sizeof(path), "%s&login_hint=%s", flow->authorize,
	    esc);
	ck_assert(n >= 0 && (size_t)n < sizeof(path));
	ca_e2e_get(b, path, &r);
	ck_assert_msg(r.status == 302 && r.location != NULL,
	    "mock /authorize for %s: status %ld, want 302: %s", login,
	    r.status, ca_e2e_summary(&r));
	n = snprintf(prefix, sizeof(prefix), "%s?", redirect);
	ck_assert(n >= 0 && (size_t)n < sizeof(prefix));
	ck_assert_msg(strncmp(r.location, prefix, strlen(prefix)) == 0,
	    "mock /authorize: Location %s, want %s...", r.location, prefix);
	e2e_assert_param(r.location, "state", flow->state);
	ck_assert(strlen(r.location) < sizeof(flow->callback));
	memcpy(flow->callback, r.location, strlen(r.location) + 1);
	if (ca_e2e_query_param(flow->callback, "code", flow->code,
	    sizeof(flow->code)) != CA_OK)
		flow->code[0] = '\0';
	ca_e2e_resp_free(&r);
}

void
ca_e2e_signin(struct ca_e2e_browser *b, const char *provider,
    const char *login, const char *next, struct ca_e2e_flow *flow,
    struct ca_e2e_resp *r)
{
	struct ca_e2e_flow	 local;

	if (flow == NULL)
		flow = &local;
	ca_e2e_authorize(b, provider, login, next, flow);
	ca_e2e_get(b, flow->callback, r);
}

void
ca_e2e_forged_session(const struct ca_e2e_site *s, char *out, size_t size)
{
	unsigned char	 raw[CA_CRYPTO_TOKEN_BYTES];
	unsigned char	 mac[CA_CRYPTO_SHA256_LEN];
	char		 id[CA_CRYPTO_TOKEN_LEN], macs[CA_CRYPTO_TOKEN_LEN];
	char		 msg[128];
	int		 n;

	ck_assert_int_eq(ca_crypto_token(id), CA_OK);
	if (s->session_key[0] != '\0') {
		/* session.h: HMAC-SHA256(SESSION_KEY, "cgiauth-session:" id) */
		n = snprintf(msg, sizeof(msg), "cgiauth-session:%s", id);
		ck_assert(n >= 0 && (size_t)n < sizeof(msg));
		ca_crypto_hmac_sha256(s->session_key, strlen(s->session_key),
		    msg, (size_t)n, mac);
		ck_assert_int_eq(ca_crypto_b64url_encode(mac, sizeof(mac),
		    macs, sizeof(macs)), CA_OK);
	} else {
		ck_assert_int_eq(ca_crypto_random(raw, sizeof(raw)), CA_OK);
		ck_assert_int_eq(ca_crypto_b64url_encode(raw, sizeof(raw),
		    macs, sizeof(macs)), CA_OK);
	}
	n = snprintf(out, size, "%s.%s", id, macs);
	ck_assert(n >= 0 && (size_t)n < size);
}

void
ca_e2e_db_require(const struct ca_e2e_site *s)
{

	ck_assert_msg(s->mongo_uri[0] != '\0', "this test checks the "
	    "database, and conformance mode was given none: set "
	    "CGIAUTH_MONGODB_URI to the site's database");
}

/* A client and the database name of the site's URI. */
static mongoc_client_t *
e2e_db_open(const struct ca_e2e_site *s, const char **dbname)
{
	mongoc_client_t	*c;
	const char	*db;

	ca_e2e_db_require(s);
	c = mongoc_client_new(s->mongo_uri);
	ck_assert_msg(c != NULL, "bad MongoDB URI");
	db = mongoc_uri_get_database(mongoc_client_get_uri(c));
	*dbname = db != NULL && db[0] != '\0' ? db : "cgiauth";
	return c;
}

void
ca_e2e_db_reset(const struct ca_e2e_site *s)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;
	bson_t			*all;
	bson_error_t		 error;
	const char		*db;
	size_t			 i;
	bool			 ok;

	if (s->mongo_uri[0] == '\0')
		return;
	c = e2e_db_open(s, &db);
	all = bson_new();
	for (i = 0; e2e_collections[i] != NULL; i++) {
		coll = mongoc_client_get_collection(c, db, e2e_collections[i]);
		ok = mongoc_collection_delete_many(coll, all, NULL, NULL,
		    &error);
		mongoc_collection_destroy(coll);
		ck_assert_msg(ok, "emptying %s: %s", e2e_collections[i],
		    error.message);
	}
	bson_destroy(all);
	mongoc_client_destroy(c);
}

cJSON *
ca_e2e_db_find(const struct ca_e2e_site *s, const char *collname,
    const char *filter)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;
	mongoc_cursor_t		*cur;
	const bson_t		*doc;
	bson_t			*f, *opts;
	bson_error_t		 error;
	cJSON			*arr, *j;
	const char		*db;
	char			*text;

	c = e2e_db_open(s, &db);
	f = bson_new_from_json((const uint8_t *)filter, -1, &error);
	ck_assert_msg(f != NULL, "filter %s: %s", filter, error.message);
	opts = BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}");
	coll = mongoc_client_get_collection(c, db, collname);
	cur = mongoc_collection_find_with_opts(coll, f, opts, NULL);
	arr = cJSON_CreateArray();
	ck_assert(arr != NULL);
	while (mongoc_cursor_next(cur, &doc)) {
		text = bson_as_relaxed_extended_json(doc, NULL);
		ck_assert(text != NULL);
		j = cJSON_Parse(text);
		bson_free(text);
		ck_assert_msg(j != NULL, "a %s document is not JSON",
		    collname);
		cJSON_AddItemToArray(arr, j);
	}
	ck_assert_msg(!mongoc_cursor_error(cur, &error), "find %s %s: %s",
	    collname, filter, error.message);
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(coll);
	bson_destroy(opts);
	bson_destroy(f);
	mongoc_client_destroy(c);
	return arr;
}

long
ca_e2e_db_update(const struct ca_e2e_site *s, const char *collname,
    const char *filter, const char *update)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;
	bson_t			*f, *u, reply;
	bson_error_t		 error;
	bson_iter_t		 it;
	const char		*db;
	long			 n = 0;

	c = e2e_db_open(s, &db);
	f = bson_new_from_json((const uint8_t *)filter, -1, &error);
	ck_assert_msg(f != NULL, "filter %s: %s", filter, error.message);
	u = bson_new_from_json((const uint8_t *)update, -1, &error);
	ck_assert_msg(u != NULL, "update %s: %s", update, error.message);
	coll = mongoc_client_get_collection(c, db, collname);
	ck_assert_msg(mongoc_collection_update_many(coll, f, u, NULL, &reply,
	    &error), "update %s %s: %s", collname, filter, error.message);
	if (bson_iter_init_find(&it, &reply, "modifiedCount"))
		n = (long)bson_iter_as_int64(&it);
	bson_destroy(&reply);
	mongoc_collection_destroy(coll);
	bson_destroy(u);
	bson_destroy(f);
	mongoc_client_destroy(c);
	return n;
}

long
ca_e2e_db_count(const struct ca_e2e_site *s, const char *coll,
    const char *filter)
{
	cJSON	*arr;
	long	 n;

	arr = ca_e2e_db_find(s, coll, filter);
	n = (long)cJSON_GetArraySize(arr);
	cJSON_Delete(arr);
	return n;
}

void
ca_e2e_db_user_id(const struct ca_e2e_site *s, const char *email,
    char *out, size_t size)
{
	char		 filter[CA_E2E_VALUE_MAX];
	cJSON		*arr, *id;
	int		 n;

	n = snprintf(filter, sizeof(filter), "{\"email\": \"%s\"}", email);
	ck_assert(n >= 0 && (size_t)n < sizeof(filter));
	arr = ca_e2e_db_find(s, "users", filter);
	ck_assert_msg(cJSON_GetArraySize(arr) == 1, "%d users with e-mail "
	    "%s, want 1", cJSON_GetArraySize(arr), email);
	id = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetArrayItem(arr, 0), "_id"), "$oid");
	ck_assert_msg(cJSON_IsString(id), "user %s: _id is not an ObjectId",
	    email);
	ck_assert(strlen(id->valuestring) < size);
	memcpy(out, id->valuestring, strlen(id->valuestring) + 1);
	cJSON_Delete(arr);
}

cJSON *
ca_e2e_fixture(const char *relpath)
{
	char		 path[CA_E2E_PATH_MAX];
	struct ca_buf	 b;
	char		 chunk[4096];
	FILE		*fp;
	size_t		 n;
	cJSON		*j;
	int		 len;

	len = snprintf(path, sizeof(path), "%s/%s", ca_harness_root_dir(),
	    relpath);
	ck_assert(len >= 0 && (size_t)len < sizeof(path));
	fp = fopen(path, "r");
	ck_assert_msg(fp != NULL, "%s: %s", path, strerror(errno));
	ca_buf_init(&b, E2E_FIXTURE_MAX);
	for (;;) {
		n = fread(chunk, 1, sizeof(chunk), fp);
		if (n == 0)
			break;
		ck_assert_msg(ca_buf_add(&b, chunk, n) == CA_OK,
		    "%s: larger than %d bytes", path, E2E_FIXTURE_MAX);
	}
	(void)fclose(fp);
	j = cJSON_Parse(ca_buf_str(&b));
	ck_assert_msg(j != NULL, "%s is not JSON (near: %.40s)", path,
	    cJSON_GetErrorPtr() != NULL ? cJSON_GetErrorPtr() : "?");
	ca_buf_free(&b);
	return j;
}

/* Member k of o when it is a string, else NULL. */
static const char *
e2e_str(const cJSON *o, const char *k)
{
	const cJSON	*v;

	v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* 1 when member k of o is the string want. */
static int
e2e_is(const cJSON *o, const char *k, const char *want)
{
	const char	*v;

	v = e2e_str(o, k);
	return v != NULL && strcmp(v, want) == 0;
}

/* o.k.$oid (an ObjectId in relaxed extended JSON), or NULL. */
static const char *
e2e_oid(const cJSON *o, const char *k)
{

	return e2e_str(cJSON_GetObjectItemCaseSensitive(o, k), "$oid");
}

/* Asserts doc[k] equals want[k] for each listed key want has. */
static void
e2e_assert_fields(const char *label, const char *what, const cJSON *doc,
    const cJSON *want, const char *const *keys)
{
	const cJSON	*w, *d;
	char		*ws, *ds;
	size_t		 i;

	for (i = 0; keys[i] != NULL; i++) {
		w = cJSON_GetObjectItemCaseSensitive(want, keys[i]);
		if (w == NULL)
			continue;
		d = cJSON_GetObjectItemCaseSensitive(doc, keys[i]);
		if (d != NULL && cJSON_Compare(w, d, 1))
			continue;
		ws = cJSON_PrintUnformatted(w);
		ds = d != NULL ? cJSON_PrintUnformatted(d) : NULL;
		ck_abort_msg("%s: %s: %s is %s, want %s", label, what, keys[i],
		    ds != NULL ? ds : "absent", ws != NULL ? ws : "?");
	}
}

/*
 * After a sign-in in b: GET /auth/me and assert that the user signed in
 * has the e-mail want (a string, or null for a user with e-mail null).
 */
static void
e2e_case_whoami(struct ca_e2e_browser *b, const cJSON *want,
    const char *label, const char *provider, const char *login)
{
	struct ca_e2e_resp	 r;
	cJSON			*me;
	const cJSON		*email;
	char			*ws, *es;

	ca_e2e_get(b, "/auth/me", &r);
	ck_assert_msg(r.status == 200, "%s: %s as %s: /auth/me status %ld, "
	    "want 200", label, provider, login, r.status);
	me = cJSON_ParseWithLength(r.body.data, r.body.len);
	ck_assert_msg(me != NULL, "%s: %s as %s: /auth/me is not JSON",
	    label, provider, login);
	email = cJSON_GetObjectItemCaseSensitive(me, "email");
	if (email == NULL || !cJSON_Compare(email, want, 1)) {
		ws = cJSON_PrintUnformatted(want);
		es = email != NULL ? cJSON_PrintUnformatted(email) : NULL;
		ck_abort_msg("%s: %s as %s: signed in as the user with e-mail "
		    "%s, want %s", label, provider, login, es != NULL ? es :
		    "(none)", ws != NULL ? ws : "?");
	}
	cJSON_Delete(me);
	ca_e2e_resp_free(&r);
}

/* One sign-in of a case, in a fresh browser. */
static void
e2e_case_signin(const struct ca_e2e_site *s, const cJSON *si,
    const char *label)
{
	struct ca_e2e_browser	 b;
	struct ca_e2e_resp	 r;
	const cJSON		*status, *body, *it, *smax, *want;
	const char		*provider, *login, *loc, *ck;
	char			 value[CA_E2E_VALUE_MAX];

	provider = e2e_str(si, "provider");
	login = e2e_str(si, "login");
	status = cJSON_GetObjectItemCaseSensitive(si, "status");
	ck_assert_msg(provider != NULL && login != NULL &&
	    cJSON_IsNumber(status), "%s: a sign-in needs provider, login and "
	    "a status number", label);
	want = cJSON_GetObjectItemCaseSensitive(si, "user");
	ck_assert_msg(want == NULL || ((cJSON_IsString(want) ||
	    cJSON_IsNull(want)) && (long)status->valuedouble == 303),
	    "%s: a sign-in's user (an e-mail or null) needs status 303",
	    label);
	ca_e2e_browser_init(&b, s);
	ca_e2e_signin(&b, provider, login, e2e_str(si, "next"), NULL, &r);
	ck_assert_msg((long)status->valuedouble == r.status, "%s: %s as %s: "
	    "status %ld, want %ld: %s", label, provider, login, r.status,
	    (long)status->valuedouble, ca_e2e_summary(&r));
	loc = e2e_str(si, "location");
	if (r.status >= 300 && r.status < 400)
		ck_assert_msg(loc != NULL, "%s: a redirect without an "
		    "expected location in the fixture", label);
	if (loc != NULL)
		ck_assert_msg(r.location != NULL && strcmp(r.location, loc) ==
		    0, "%s: %s as %s: Location %s, want %s", label, provider,
		    login, r.location != NULL ? r.location : "(none)", loc);
	else
		ck_assert_msg(r.location == NULL, "%s: unexpected Location %s",
		    label, r.location);
	body = cJSON_GetObjectItemCaseSensitive(si, "body");
	cJSON_ArrayForEach(it, body)
		ck_assert_msg(cJSON_IsString(it) && ca_e2e_resp_has(&r,
		    it->valuestring), "%s: %s as %s: the page lacks \"%s\": %s",
		    label, provider, login, cJSON_IsString(it) ?
		    it->valuestring : "?", ca_e2e_summary(&r));
	smax = cJSON_GetObjectItemCaseSensitive(si, "seconds_max");
	if (cJSON_IsNumber(smax))
		ck_assert_msg(r.seconds < smax->valuedouble, "%s: %s as %s "
		    "took %.1f s, want under %.0f s", label, provider, login,
		    r.seconds, smax->valuedouble);
	ck = ca_e2e_resp_cookie(&r, "session");
	if (r.status == 303) {
		ck_assert_msg(ck != NULL, "%s: %s as %s: signed in without a "
		    "session cookie", label, provider, login);
		ck_assert_msg(ca_e2e_cookie_get(&b, "session", "/", value,
		    sizeof(value)) == CA_OK && value[0] != '\0',
		    "%s: the session cookie did not reach the jar", label);
	} else
		ck_assert_msg(ck == NULL || strncmp(ck, "session=;", 9) == 0,
		    "%s: %s as %s: status %ld but a session cookie: %s",
		    label, provider, login, r.status, ck);
	ca_e2e_resp_free(&r);
	if (want != NULL)
		e2e_case_whoami(&b, want, label, provider, login);
	ca_e2e_browser_free(&b);
}

/*
 * The user in users whose email is exactly email, or NULL; for email
 * NULL the user whose email is null or absent.  Two candidates fail.
 */
static const cJSON *
e2e_user_by_email(const cJSON *users, const char *email)
{
	const cJSON	*it, *v, *found = NULL;
	const char	*e;

	cJSON_ArrayForEach(it, users) {
		v = cJSON_GetObjectItemCaseSensitive(it, "email");
		e = e2e_str(it, "email");
		if (email == NULL ? v == NULL || cJSON_IsNull(v) :
		    e != NULL && strcmp(e, email) == 0) {
			ck_assert_msg(found == NULL, "two users with e-mail %s",
			    email != NULL ? email : "null");
			found = it;
		}
	}
	return found;
}

/*
 * A fixture's e-mail naming a user (users[].email, oauth_accounts[].user,
 * signins[].user): a string, or null for the user stored with email null.
 * Fails unless key is one of those.
 */
static const char *
e2e_email_key(const cJSON *o, const char *key, const char *label)
{
	const cJSON	*v;

	v = cJSON_GetObjectItemCaseSensitive(o, key);
	ck_assert_msg(cJSON_IsString(v) || cJSON_IsNull(v), "%s: %s must be "
	    "an e-mail or null in the fixture", label, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* 1 when the user's oauth_accounts DBRef list names account aid. */
static int
e2e_user_has_ref(const cJSON *user, const char *aid)
{
	const cJSON	*it;
	const char	*ref, *id;

	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(user,
	    "oauth_accounts")) {
		ref = e2e_str(it, "$ref");
		id = e2e_oid(it, "$id");
		if (ref != NULL && id != NULL &&
		    strcmp(ref, "oauth_accounts") == 0 && strcmp(id, aid) == 0)
			return 1;
	}
	return 0;
}

static void
e2e_case_users(const struct ca_e2e_site *s, const cJSON *want,
    const cJSON *users, const char *label)
{
	static const char *const keys[] = { "email", "name", "picture",
	    NULL };
	const cJSON	*w, *u;
	const char	*email;
	char		*all;

	all = cJSON_PrintUnformatted(users);
	ck_assert_msg(cJSON_GetArraySize(users) == cJSON_GetArraySize(want),
	    "%s: %d users, want %d: %s", label, cJSON_GetArraySize(users),
	    cJSON_GetArraySize(want), all != NULL ? all : "?");
	cJSON_ArrayForEach(w, want) {
		email = e2e_email_key(w, "email", label);
		u = e2e_user_by_email(users, email);
		ck_assert_msg(u != NULL, "%s: no user with e-mail %s: %s",
		    label, email != NULL ? email : "null",
		    all != NULL ? all : "?");
		e2e_assert_fields(label, email != NULL ? email :
		    "the user with e-mail null", u, w, keys);
	}
	cJSON_free(all);
	(void)s;
}

static void
e2e_case_accounts(const cJSON *want, const cJSON *accounts,
    const cJSON *users, const char *label)
{
	static const char *const keys[] = { "provider", "provider_user_id",
	    "email", "name", "picture", NULL };
	const cJSON	*w, *a, *it, *u;
	const char	*prov, *puid, *owner, *aid, *uid;
	char		*all, what[256];

	all = cJSON_PrintUnformatted(accounts);
	ck_assert_msg(cJSON_GetArraySize(accounts) ==
	    cJSON_GetArraySize(want), "%s: %d oauth accounts, want %d: %s",
	    label, cJSON_GetArraySize(accounts), cJSON_GetArraySize(want),
	    all != NULL ? all : "?");
	cJSON_ArrayForEach(w, want) {
		prov = e2e_str(w, "provider");
		puid = e2e_str(w, "provider_user_id");
		ck_assert_msg(prov != NULL && puid != NULL, "%s: an account "
		    "needs provider, provider_user_id and user in the "
		    "fixture", label);
		owner = e2e_email_key(w, "user", label);
		a = NULL;
		cJSON_ArrayForEach(it, accounts) {
			if (!e2e_is(it, "provider", prov) ||
			    !e2e_is(it, "provider_user_id", puid))
				continue;
			ck_assert_msg(a == NULL, "%s: two accounts %s/%s",
			    label, prov, puid);
			a = it;
		}
		ck_assert_msg(a != NULL, "%s: no oauth account %s/%s "
		    "(provider_user_id must be a string): %s", label, prov,
		    puid, all != NULL ? all : "?");
		(void)snprintf(what, sizeof(what), "account %s/%s", prov,
		    puid);
		e2e_assert_fields(label, what, a, w, keys);
		u = e2e_user_by_email(users, owner);
		ck_assert_msg(u != NULL, "%s: %s: no user %s", label, what,
		    owner != NULL ? owner : "with e-mail null");
		aid = e2e_oid(a, "_id");
		uid = e2e_oid(a, "user_id");
		ck_assert_msg(aid != NULL, "%s: %s: _id is not an ObjectId",
		    label, what);
		ck_assert_msg(uid != NULL && e2e_oid(u, "_id") != NULL &&
		    strcmp(uid, e2e_oid(u, "_id")) == 0, "%s: %s: user_id %s, "
		    "want the _id of %s", label, what, uid != NULL ? uid :
		    "(none)", owner != NULL ? owner : "null");
		ck_assert_msg(e2e_user_has_ref(u, aid), "%s: %s: user %s's "
		    "oauth_accounts list lacks the DBRef to it", label, what,
		    owner != NULL ? owner : "null");
	}
	cJSON_free(all);
}

void
ca_e2e_run_case(const struct ca_e2e_site *s, const cJSON *c,
    const char *label)
{
	const cJSON	*it, *wu, *wa, *n;
	cJSON		*users, *accounts;

	ck_assert_msg(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(c,
	    "signins")), "%s: no signins array", label);
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(c, "signins"))
		e2e_case_signin(s, it, label);
	wu = cJSON_GetObjectItemCaseSensitive(c, "users");
	wa = cJSON_GetObjectItemCaseSensitive(c, "oauth_accounts");
	if (wu != NULL || wa != NULL) {
		users = ca_e2e_db_find(s, "users", "{}");
		accounts = ca_e2e_db_find(s, "oauth_accounts", "{}");
		if (wu != NULL)
			e2e_case_users(s, wu, users, label);
		if (wa != NULL)
			e2e_case_accounts(wa, accounts, users, label);
		cJSON_Delete(users);
		cJSON_Delete(accounts);
	}
	n = cJSON_GetObjectItemCaseSensitive(c, "sessions");
	if (cJSON_IsNumber(n))
		ck_assert_msg(ca_e2e_db_count(s, "cgiauth_sessions", "{}") ==
		    (long)n->valuedouble, "%s: %ld sessions, want %ld", label,
		    ca_e2e_db_count(s, "cgiauth_sessions", "{}"),
		    (long)n->valuedouble);
	n = cJSON_GetObjectItemCaseSensitive(c, "oauth_states");
	if (cJSON_IsNumber(n))
		ck_assert_msg(ca_e2e_db_count(s, "cgiauth_oauth_states",
		    "{}") == (long)n->valuedouble, "%s: %ld pending states, "
		    "want %ld", label, ca_e2e_db_count(s,
		    "cgiauth_oauth_states", "{}"), (long)n->valuedouble);
}

/* The suite's site and lighttpd's log size when its test began. */
static struct ca_e2e_site	*e2e_suite_site;
static long			 e2e_log_mark;

void
ca_e2e_suite_bind(struct ca_e2e_site *s)
{

	e2e_suite_site = s;
}

void
ca_e2e_suite_start(void)
{

	ck_assert_ptr_nonnull(e2e_suite_site);
	ck_assert_int_eq(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
	if (ca_e2e_start(e2e_suite_site) != CA_OK)
		ck_abort_msg("the site did not start (see stderr)");
}

void
ca_e2e_suite_stop(void)
{

	if (getenv("CGIAUTH_TEST_DUMP") != NULL)
		ca_e2e_dump_logs(e2e_suite_site);
	ca_e2e_stop(e2e_suite_site);
	curl_global_cleanup();
}

void
ca_e2e_test_setup(void)
{

	ca_e2e_db_reset(e2e_suite_site);
	e2e_log_mark = ca_e2e_log_mark(e2e_suite_site);
}

void
ca_e2e_test_teardown(void)
{

	ca_e2e_log_check(e2e_suite_site, e2e_log_mark);
}

TCase *
ca_e2e_suite_tcase(struct ca_e2e_site *s, int timeout)
{
	TCase	*tc;

	ca_e2e_suite_bind(s);
	tc = tcase_create("site");
	tcase_add_unchecked_fixture(tc, ca_e2e_suite_start,
	    ca_e2e_suite_stop);
	tcase_add_checked_fixture(tc, ca_e2e_test_setup,
	    ca_e2e_test_teardown);
	tcase_set_timeout(tc, timeout);
	return tc;
}
