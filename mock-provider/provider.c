/*
 * provider.c: the endpoints of the mock provider (see provider.h).
 *
 * /authorize validates client_id and redirect_uri before anything else
 * and never redirects to a URI it has not checked (RFC 6749 4.1.2.1); it
 * approves at once the fixture user named by login_hint, or lists the
 * users to pick from.  A code is random (256 bits), single use, bound to
 * client, redirect_uri, PKCE challenge, nonce, scope and user, and lives
 * MOCK_CODE_TTL seconds; /token removes it on first presentation by an
 * authenticated client, even if a later check fails (RFC 6749 4.1.2).
 * /token refuses before touching the code only for a malformed request,
 * an unsupported grant type or bad client credentials.  Its success
 * answer is JSON (RFC 6749 5.1), or for a "token_format": "form" user
 * the form GitHub sends whatever the request's Accept says.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "alloc.h"
#include "codec.h"
#include "jwt.h"
#include "provider.h"

/* Seconds a code may wait for /token (RFC 6749 4.1.2: 10 min at most). */
#define MOCK_CODE_TTL		60
/* Access token lifetime, as "expires_in". */
#define MOCK_TOKEN_TTL		3600
/* ID token lifetime (exp - iat). */
#define MOCK_ID_TOKEN_TTL	300
/* Codes and tokens kept; the oldest is forgotten first. */
#define MOCK_CODES_MAX		1024
#define MOCK_TOKENS_MAX		4096
/* Random bytes in a code or an access token. */
#define MOCK_SECRET_BYTES	32
/* The token_slow fault's delay, and how often it looks at the stop flag. */
#define MOCK_SLOW_MS		15000
#define MOCK_SLOW_STEP_MS	100
/* RFC 7636 4.1 and 4.2: verifier and S256 challenge length. */
#define MOCK_PKCE_MIN		43
#define MOCK_PKCE_MAX		128
/* The longest redirect_uri, state, nonce or scope accepted. */
#define MOCK_PARAM_MAX		2048
/* GET /big: twice lib/http.c's CA_HTTP_BODY_MAX (1 MiB). */
#define MOCK_BIG_BYTES		(2 * 1024 * 1024)

struct mock_code {
	char				*code;		/* NULL: free slot */
	const struct mock_client	*client;
	const struct mock_user		*user;
	char				*redirect_uri;
	char				*challenge;	/* NULL: no PKCE */
	char				*nonce;		/* may be NULL */
	char				*scope;		/* may be NULL */
	time_t				 expires;	/* CLOCK_MONOTONIC */
};

struct mock_token {
	char				*token;		/* NULL: free slot */
	const struct mock_user		*user;
	time_t				 expires;	/* CLOCK_MONOTONIC */
};

struct mock_provider {
	const struct mock_fixture	*fx;		/* borrowed */
	char				*issuer;
	volatile sig_atomic_t		*stop;		/* borrowed */
	pthread_mutex_t			 lock;		/* codes, tokens */
	struct mock_code		 codes[MOCK_CODES_MAX];
	size_t				 next_code;
	struct mock_token		 tokens[MOCK_TOKENS_MAX];
	size_t				 next_token;
};

static time_t
now_mono(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static void
code_clear(struct mock_code *c)
{

	ca_free(c->code);
	ca_free(c->redirect_uri);
	ca_free(c->challenge);
	ca_free(c->nonce);
	ca_free(c->scope);
	memset(c, 0, sizeof(*c));
}

/* A new random base64url string the caller frees with ca_free(). */
static char *
random_secret(void)
{
	unsigned char	 raw[MOCK_SECRET_BYTES];
	struct ca_buf	 b;

	if (RAND_bytes(raw, sizeof(raw)) != 1)
		return NULL;
	ca_buf_init(&b, 2 * MOCK_SECRET_BYTES);
	if (mock_codec_b64url(&b, raw, sizeof(raw)) != CA_OK) {
		ca_buf_free(&b);
		return NULL;
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	return ca_buf_take(&b);
}

/* 1 for NULL or "". */
static int
empty(const char *s)
{

	return s == NULL || s[0] == '\0';
}

static char *
dup_or_null(const char *s)
{

	return s == NULL || s[0] == '\0' ? NULL : ca_strdup(s);
}

enum ca_err
mock_provider_new(const struct mock_fixture *fx, const char *host, int port,
    volatile sig_atomic_t *stop, struct mock_provider **out)
{
	struct mock_provider	*p;
	struct ca_buf		 b;
	enum ca_err		 rc;

	*out = NULL;
	p = ca_calloc(1, sizeof(*p));
	if (p == NULL)
		return CA_ENOMEM;
	ca_buf_init(&b, MOCK_PARAM_MAX);
	/* An IPv6 literal needs brackets in a URL (RFC 3986 3.2.2). */
	rc = ca_buf_printf(&b, strchr(host, ':') != NULL ?
	    "http://[%s]:%d" : "http://%s:%d", host, port);
	if (rc != CA_OK) {
		ca_buf_free(&b);
		ca_free(p);
		return rc;
	}
	p->issuer = ca_buf_take(&b);
	if (p->issuer == NULL) {
		ca_free(p);
		return CA_ENOMEM;
	}
	p->fx = fx;
	p->stop = stop;
	pthread_mutex_init(&p->lock, NULL);
	*out = p;
	return CA_OK;
}

void
mock_provider_free(struct mock_provider *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	for (i = 0; i < MOCK_CODES_MAX; i++)
		code_clear(&p->codes[i]);
	for (i = 0; i < MOCK_TOKENS_MAX; i++)
		ca_free(p->tokens[i].token);
	pthread_mutex_destroy(&p->lock);
	ca_free(p->issuer);
	ca_free(p);
}

/* A small HTML page; msg is our own text, escaped all the same. */
static void
page(struct mock_http_resp *resp, int status, const char *msg)
{
	enum ca_err	 rc;

	resp->status = status;
	resp->ctype = "text/html; charset=utf-8";
	ca_buf_reset(&resp->body);
	rc = ca_buf_puts(&resp->body, "<!doctype html>\n<html><head>"
	    "<meta charset=\"utf-8\"><title>Mock provider: error</title>"
	    "</head><body><h1>Mock provider: error</h1><p>");
	if (rc == CA_OK)
		rc = mock_codec_html_escape(&resp->body, msg);
	if (rc == CA_OK)
		rc = ca_buf_puts(&resp->body, "</p></body></html>\n");
	if (rc != CA_OK)
		ca_buf_reset(&resp->body);
}

static void
plain(struct mock_http_resp *resp, int status, const char *msg)
{

	resp->status = status;
	resp->ctype = "text/plain; charset=utf-8";
	ca_buf_reset(&resp->body);
	if (ca_buf_printf(&resp->body, "%s\n", msg) != CA_OK)
		ca_buf_reset(&resp->body);
}

/* Answers with cJSON value j, which it frees. */
static void
json(struct mock_http_resp *resp, int status, cJSON *j)
{
	char	*s;

	s = j != NULL ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	if (s == NULL) {
		plain(resp, 500, "mock: out of memory");
		return;
	}
	resp->status = status;
	resp->ctype = "application/json";
	ca_buf_reset(&resp->body);
	if (ca_buf_puts(&resp->body, s) != CA_OK)
		plain(resp, 500, "mock: answer too large");
	cJSON_free(s);
}

/* An RFC 6749 5.2 error object; desc may be NULL. */
static void
oauth_error(struct mock_http_resp *resp, int status, const char *error,
    const char *desc)
{
	cJSON	*j;

	j = cJSON_CreateObject();
	if (j != NULL && (cJSON_AddStringToObject(j, "error", error) == NULL ||
	    (desc != NULL &&
	    cJSON_AddStringToObject(j, "error_description", desc) == NULL))) {
		cJSON_Delete(j);
		j = NULL;
	}
	json(resp, status, j);
}

static void
discovery(struct mock_provider *p, struct mock_http_resp *resp)
{
	static const char *const auth[] = {
	    "client_secret_post", "client_secret_basic" };
	static const char *const pkce[] = { "S256" };
	static const char *const algs[] = { "HS256" };
	static const char *const rtypes[] = { "code" };
	static const char *const scopes[] = {
	    "openid", "email", "profile", "user:email" };
	static const char *const subj[] = { "public" };
	static const char *const grants[] = { "authorization_code" };
	struct ca_buf	 b;
	cJSON		*j;
	int		 ok;

	ca_buf_init(&b, MOCK_PARAM_MAX);
	j = cJSON_CreateObject();
	ok = j != NULL &&
	    cJSON_AddStringToObject(j, "issuer", p->issuer) != NULL &&
	    ca_buf_printf(&b, "%s/authorize", p->issuer) == CA_OK &&
	    cJSON_AddStringToObject(j, "authorization_endpoint",
	    ca_buf_str(&b)) != NULL;
	ca_buf_reset(&b);
	ok = ok && ca_buf_printf(&b, "%s/token", p->issuer) == CA_OK &&
	    cJSON_AddStringToObject(j, "token_endpoint",
	    ca_buf_str(&b)) != NULL;
	ca_buf_reset(&b);
	ok = ok && ca_buf_printf(&b, "%s/userinfo", p->issuer) == CA_OK &&
	    cJSON_AddStringToObject(j, "userinfo_endpoint",
	    ca_buf_str(&b)) != NULL &&
	    cJSON_AddItemToObject(j, "token_endpoint_auth_methods_supported",
	    cJSON_CreateStringArray(auth, 2)) &&
	    cJSON_AddItemToObject(j, "code_challenge_methods_supported",
	    cJSON_CreateStringArray(pkce, 1)) &&
	    cJSON_AddItemToObject(j, "id_token_signing_alg_values_supported",
	    cJSON_CreateStringArray(algs, 1)) &&
	    cJSON_AddItemToObject(j, "response_types_supported",
	    cJSON_CreateStringArray(rtypes, 1)) &&
	    cJSON_AddItemToObject(j, "scopes_supported",
	    cJSON_CreateStringArray(scopes, 4)) &&
	    cJSON_AddItemToObject(j, "subject_types_supported",
	    cJSON_CreateStringArray(subj, 1)) &&
	    cJSON_AddItemToObject(j, "grant_types_supported",
	    cJSON_CreateStringArray(grants, 1));
	ca_buf_free(&b);
	if (!ok) {
		cJSON_Delete(j);
		j = NULL;
	}
	json(resp, 200, j);
}

/* RFC 7636 4.1: 43-128 characters of [A-Za-z0-9-._~]. */
static int
pkce_syntax_ok(const char *s)
{
	size_t	 n;

	n = strlen(s);
	if (n < MOCK_PKCE_MIN || n > MOCK_PKCE_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' &&
		    *s != '_' && *s != '~')
			return 0;
	return 1;
}

/* An absolute http or https URL with a host, no fragment, no blanks. */
static int
redirect_uri_ok(const char *s)
{
	const char	*p;
	size_t		 n;

	n = strlen(s);
	if (n == 0 || n > MOCK_PARAM_MAX)
		return 0;
	if (strncasecmp(s, "http://", 7) == 0)
		p = s + 7;
	else if (strncasecmp(s, "https://", 8) == 0)
		p = s + 8;
	else
		return 0;
	if (*p == '\0' || *p == '/' || *p == '?' || *p == '\\' || *p == '@')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || *s == 0x7f || *s == '#')
			return 0;
	return 1;
}

/* Appends '?' or '&' and the pairs to uri into *out (ca_free'd). */
static enum ca_err
redirect_to(const char *uri, const char *const *kv, size_t nkv, char **out)
{
	struct ca_buf	 b;
	size_t		 i, n;
	enum ca_err	 rc;

	*out = NULL;
	ca_buf_init(&b, 4 * MOCK_PARAM_MAX);
	rc = ca_buf_puts(&b, uri);
	n = strlen(uri);
	if (rc == CA_OK && uri[n - 1] != '?' && uri[n - 1] != '&')
		rc = ca_buf_putc(&b, strchr(uri, '?') != NULL ? '&' : '?');
	for (i = 0; rc == CA_OK && i + 1 < nkv; i += 2) {
		if (i > 0)
			rc = ca_buf_putc(&b, '&');
		if (rc == CA_OK)
			rc = ca_buf_printf(&b, "%s=", kv[i]);
		if (rc == CA_OK)
			rc = mock_codec_url_encode(&b, kv[i + 1]);
	}
	if (rc == CA_OK) {
		*out = ca_buf_take(&b);
		if (*out == NULL)
			rc = CA_ENOMEM;
	}
	ca_buf_free(&b);
	return rc;
}

static void
chooser(struct mock_provider *p, const struct mock_form *q,
    struct mock_http_resp *resp)
{
	const struct mock_user	*u;
	struct ca_buf		 href, *b = &resp->body;
	size_t			 i, k;
	enum ca_err		 rc;

	ca_buf_init(&href, 4 * MOCK_PARAM_MAX);
	ca_buf_reset(b);
	rc = ca_buf_puts(b, "<!doctype html>\n<html><head>"
	    "<meta charset=\"utf-8\"><title>Mock provider: choose a user"
	    "</title></head><body>\n<h1>Mock provider: choose a user</h1>\n"
	    "<ul>\n");
	for (i = 0; rc == CA_OK && i < p->fx->nusers; i++) {
		u = &p->fx->users[i];
		ca_buf_reset(&href);
		rc = ca_buf_puts(&href, "/authorize?");
		for (k = 0; rc == CA_OK && k < q->n; k++) {
			rc = mock_codec_url_encode(&href, q->pairs[k].name);
			if (rc == CA_OK)
				rc = ca_buf_putc(&href, '=');
			if (rc == CA_OK)
				rc = mock_codec_url_encode(&href,
				    q->pairs[k].value);
			if (rc == CA_OK)
				rc = ca_buf_putc(&href, '&');
		}
		if (rc == CA_OK)
			rc = ca_buf_puts(&href, "login_hint=");
		if (rc == CA_OK)
			rc = mock_codec_url_encode(&href, u->login);
		if (rc == CA_OK)
			rc = ca_buf_puts(b, "<li><a href=\"");
		if (rc == CA_OK)
			rc = mock_codec_html_escape(b, ca_buf_str(&href));
		if (rc == CA_OK)
			rc = ca_buf_puts(b, "\">");
		if (rc == CA_OK)
			rc = mock_codec_html_escape(b, u->login);
		if (rc == CA_OK)
			rc = ca_buf_puts(b, "</a> ");
		if (rc == CA_OK)
			rc = mock_codec_html_escape(b, u->name);
		if (rc == CA_OK)
			rc = ca_buf_puts(b, "</li>\n");
	}
	if (rc == CA_OK)
		rc = ca_buf_puts(b, "</ul>\n</body></html>\n");
	ca_buf_free(&href);
	if (rc != CA_OK) {
		plain(resp, 500, "mock: page too large");
		return;
	}
	resp->status = 200;
	resp->ctype = "text/html; charset=utf-8";
}

/* Stores a new code for the request; *out is a copy for the redirect. */
static enum ca_err
code_issue(struct mock_provider *p, const struct mock_client *client,
    const struct mock_user *user, const struct mock_form *q, char **out)
{
	struct mock_code	 c, *slot;
	enum ca_err		 rc = CA_ENOMEM;

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.client = client;
	c.user = user;
	c.expires = now_mono() + MOCK_CODE_TTL;
	c.code = random_secret();
	c.redirect_uri = ca_strdup(mock_form_get(q, "redirect_uri"));
	c.challenge = dup_or_null(mock_form_get(q, "code_challenge"));
	c.nonce = dup_or_null(mock_form_get(q, "nonce"));
	c.scope = dup_or_null(mock_form_get(q, "scope"));
	*out = c.code != NULL ? ca_strdup(c.code) : NULL;
	/* An empty value is stored as none; only a failed copy fails. */
	if (c.code == NULL || c.redirect_uri == NULL || *out == NULL ||
	    (c.challenge == NULL && !empty(mock_form_get(q,
	    "code_challenge"))) ||
	    (c.nonce == NULL && !empty(mock_form_get(q, "nonce"))) ||
	    (c.scope == NULL && !empty(mock_form_get(q, "scope"))))
		goto out;
	pthread_mutex_lock(&p->lock);
	slot = &p->codes[p->next_code];
	p->next_code = (p->next_code + 1) % MOCK_CODES_MAX;
	code_clear(slot);
	*slot = c;
	pthread_mutex_unlock(&p->lock);
	memset(&c, 0, sizeof(c));
	rc = CA_OK;
out:
	code_clear(&c);
	if (rc != CA_OK) {
		ca_free(*out);
		*out = NULL;
	}
	return rc;
}

static void
authorize(struct mock_provider *p, const struct mock_http_req *req,
    struct mock_http_resp *resp)
{
	const struct mock_client	*client;
	const struct mock_user		*user;
	struct mock_form		 q;
	const char			*v, *state, *ruri, *kv[6];
	char				*code = NULL;
	size_t				 i;

	memset(&q, 0, sizeof(q));
	if (strcmp(req->method, "GET") != 0) {
		page(resp, 405, "use GET for /authorize");
		goto out;
	}
	if (mock_form_parse(&q, req->query, strlen(req->query)) != CA_OK) {
		page(resp, 400, "the query string is malformed or repeats "
		    "a parameter");
		goto out;
	}
	for (i = 0; i < q.n; i++)
		if (strlen(q.pairs[i].value) > MOCK_PARAM_MAX) {
			page(resp, 400, "a parameter is too long");
			goto out;
		}
	v = mock_form_get(&q, "client_id");
	client = v != NULL ? mock_fixture_client(p->fx, v) : NULL;
	if (client == NULL) {
		page(resp, 400, "client_id is missing or unknown");
		goto out;
	}
	ruri = mock_form_get(&q, "redirect_uri");
	if (ruri == NULL || !redirect_uri_ok(ruri)) {
		page(resp, 400, "redirect_uri is missing or not an absolute "
		    "http or https URL");
		goto out;
	}
	v = mock_form_get(&q, "response_type");
	if (v == NULL || strcmp(v, "code") != 0) {
		page(resp, 400, "response_type must be \"code\"");
		goto out;
	}
	state = mock_form_get(&q, "state");
	if (state == NULL || state[0] == '\0') {
		page(resp, 400, "state is missing");
		goto out;
	}
	v = mock_form_get(&q, "code_challenge_method");
	if (v != NULL && strcmp(v, "S256") != 0) {
		page(resp, 400, "code_challenge_method must be S256");
		goto out;
	}
	if ((v == NULL) != (mock_form_get(&q, "code_challenge") == NULL)) {
		page(resp, 400, "code_challenge and code_challenge_method=S256 "
		    "go together (plain is not accepted)");
		goto out;
	}
	v = mock_form_get(&q, "code_challenge");
	if (v != NULL && !pkce_syntax_ok(v)) {
		page(resp, 400, "code_challenge is malformed");
		goto out;
	}
	v = mock_form_get(&q, "login_hint");
	if (v == NULL || v[0] == '\0') {
		chooser(p, &q, resp);
		goto out;
	}
	user = mock_fixture_user(p->fx, v);
	if (user == NULL) {
		page(resp, 400, "login_hint names no fixture user");
		goto out;
	}
	if (user->fault == MOCK_FAULT_ACCESS_DENIED) {
		kv[0] = "error";
		kv[1] = "access_denied";
		kv[2] = "error_description";
		kv[3] = "mock: the user denied access";
		kv[4] = "state";
		kv[5] = state;
	} else {
		if (code_issue(p, client, user, &q, &code) != CA_OK) {
			plain(resp, 500, "mock: cannot issue a code");
			goto out;
		}
		kv[0] = "code";
		kv[1] = code;
		kv[2] = "state";
		kv[3] = state;
		kv[4] = kv[5] = NULL;
	}
	if (redirect_to(ruri, kv, kv[4] != NULL ? 6 : 4,
	    &resp->location) != CA_OK) {
		plain(resp, 500, "mock: cannot build the redirect");
		goto out;
	}
	resp->status = 302;
	resp->ctype = "text/plain; charset=utf-8";
	ca_buf_reset(&resp->body);
out:
	ca_free(code);
	mock_form_free(&q);
}

/* Constant-time comparison of two NUL-terminated secrets. */
static int
secret_eq(const char *a, const char *b)
{
	size_t	 n;

	n = strlen(a);
	return n == strlen(b) && CRYPTO_memcmp(a, b, n) == 0;
}

/*
 * RFC 6749 2.3.1: client_secret_basic (each half form-urlencoded) or
 * client_secret_post, never both.  Returns the client or NULL.
 */
static const struct mock_client *
client_auth(struct mock_provider *p, const struct mock_http_req *req,
    const struct mock_form *f, int *bad_request)
{
	const struct mock_client	*c = NULL;
	const char			*h, *id, *secret, *body_id;
	char				*dec = NULL, *colon;
	char				*uid = NULL, *usecret = NULL;

	*bad_request = 0;
	body_id = mock_form_get(f, "client_id");
	h = mock_http_header(req, "Authorization");
	if (h == NULL) {
		id = body_id;
		secret = mock_form_get(f, "client_secret");
		if (id == NULL || secret == NULL)
			goto out;
	} else {
		if (mock_form_get(f, "client_secret") != NULL) {
			*bad_request = 1;
			goto out;
		}
		if (strncasecmp(h, "Basic ", 6) != 0)
			goto out;
		h += 6;
		while (*h == ' ')
			h++;
		if (mock_codec_b64_decode(h, &dec) != CA_OK)
			goto out;
		colon = strchr(dec, ':');
		if (colon == NULL)
			goto out;
		if (mock_codec_form_decode(dec, (size_t)(colon - dec),
		    &uid) != CA_OK ||
		    mock_codec_form_decode(colon + 1, strlen(colon + 1),
		    &usecret) != CA_OK)
			goto out;
		id = uid;
		secret = usecret;
		if (body_id != NULL && strcmp(body_id, id) != 0)
			goto out;
	}
	c = mock_fixture_client(p->fx, id);
	if (c != NULL && !secret_eq(c->secret, secret))
		c = NULL;
out:
	if (dec != NULL)
		ca_free_secret(dec, strlen(dec));
	if (usecret != NULL)
		ca_free_secret(usecret, strlen(usecret));
	ca_free(uid);
	return c;
}

/* Removes the code from the table into *out (caller code_clear()s). */
static int
code_take(struct mock_provider *p, const char *code, struct mock_code *out)
{
	size_t	 i;
	int	 found = 0;

	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < MOCK_CODES_MAX; i++)
		if (p->codes[i].code != NULL &&
		    secret_eq(p->codes[i].code, code)) {
			*out = p->codes[i];
			memset(&p->codes[i], 0, sizeof(p->codes[i]));
			found = 1;
			break;
		}
	pthread_mutex_unlock(&p->lock);
	return found;
}

/* RFC 7636 4.6: BASE64URL(SHA256(ASCII(verifier))) == challenge. */
static int
pkce_ok(const char *challenge, const char *verifier)
{
	unsigned char	 md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	struct ca_buf	 b;
	int		 ok;

	if (verifier == NULL || !pkce_syntax_ok(verifier))
		return 0;
	if (EVP_Digest(verifier, strlen(verifier), md, &mdlen, EVP_sha256(),
	    NULL) != 1)
		return 0;
	ca_buf_init(&b, 2 * EVP_MAX_MD_SIZE);
	ok = mock_codec_b64url(&b, md, mdlen) == CA_OK &&
	    strcmp(ca_buf_str(&b), challenge) == 0;
	ca_buf_free(&b);
	return ok;
}

/* Sleeps MOCK_SLOW_MS unless the server stops; returns 0 if it did. */
static int
slow_wait(struct mock_provider *p)
{
	struct timespec	 ts;
	int		 ms;

	ts.tv_sec = 0;
	ts.tv_nsec = MOCK_SLOW_STEP_MS * 1000000L;
	for (ms = 0; ms < MOCK_SLOW_MS; ms += MOCK_SLOW_STEP_MS) {
		if (*p->stop)
			return 0;
		nanosleep(&ts, NULL);
	}
	return 1;
}

static int
scope_has(const char *scope, const char *word)
{
	size_t	 n, w;

	w = strlen(word);
	while (scope != NULL && *scope != '\0') {
		while (*scope == ' ')
			scope++;
		n = strcspn(scope, " ");
		if (n == w && strncmp(scope, word, n) == 0)
			return 1;
		scope += n;
	}
	return 0;
}

/* Copies userinfo field name into claims when it is there and not null. */
static int
claim_copy(cJSON *claims, const cJSON *userinfo, const char *name)
{
	const cJSON	*v;
	cJSON		*d;

	v = cJSON_GetObjectItemCaseSensitive(userinfo, name);
	if (v == NULL || cJSON_IsNull(v))
		return 1;
	d = cJSON_Duplicate(v, 1);
	return d != NULL && cJSON_AddItemToObject(claims, name, d);
}

/* The ID token (OIDC Core 2) for code c; *out is ca_free'd. */
static enum ca_err
id_token(struct mock_provider *p, const struct mock_code *c, char **out)
{
	const cJSON	*sub;
	cJSON		*claims;
	time_t		 now;
	enum ca_err	 rc = CA_ENOMEM;
	int		 ok;

	*out = NULL;
	now = time(NULL);
	claims = cJSON_CreateObject();
	sub = cJSON_GetObjectItemCaseSensitive(c->user->userinfo, "sub");
	ok = claims != NULL &&
	    cJSON_AddStringToObject(claims, "iss", p->issuer) != NULL &&
	    (!cJSON_IsString(sub) || cJSON_AddStringToObject(claims, "sub",
	    sub->valuestring) != NULL) &&
	    cJSON_AddStringToObject(claims, "aud", c->client->id) != NULL &&
	    cJSON_AddNumberToObject(claims, "iat", (double)now) != NULL &&
	    cJSON_AddNumberToObject(claims, "exp",
	    (double)(now + MOCK_ID_TOKEN_TTL)) != NULL &&
	    (c->nonce == NULL || cJSON_AddStringToObject(claims, "nonce",
	    c->nonce) != NULL) &&
	    claim_copy(claims, c->user->userinfo, "email") &&
	    claim_copy(claims, c->user->userinfo, "email_verified") &&
	    claim_copy(claims, c->user->userinfo, "name");
	if (ok)
		rc = mock_jwt_hs256(c->client->secret, claims, out);
	cJSON_Delete(claims);
	return rc;
}

static enum ca_err
token_store(struct mock_provider *p, const struct mock_user *user,
    char **out)
{
	struct mock_token	*slot;

	*out = random_secret();
	if (*out == NULL)
		return CA_ENOMEM;
	pthread_mutex_lock(&p->lock);
	slot = &p->tokens[p->next_token];
	p->next_token = (p->next_token + 1) % MOCK_TOKENS_MAX;
	ca_free(slot->token);
	slot->token = ca_strdup(*out);
	slot->user = user;
	slot->expires = now_mono() + MOCK_TOKEN_TTL;
	pthread_mutex_unlock(&p->lock);
	if (slot->token == NULL) {
		ca_free(*out);
		*out = NULL;
		return CA_ENOMEM;
	}
	return CA_OK;
}

/*
 * The answer GitHub's token endpoint sends unless asked for JSON
 * ("Authorizing OAuth apps", GitHub docs):
 * "access_token=...&scope=repo%2Cgist&token_type=bearer", with the
 * scopes comma-separated, an empty scope when none was asked for, and no
 * expires_in or ID token.
 */
static void
token_form(struct mock_http_resp *resp, const char *access,
    const char *scope)
{
	char		*commas = NULL, *s;
	enum ca_err	 rc = CA_ENOMEM;

	resp->status = 200;
	resp->ctype = "application/x-www-form-urlencoded";
	ca_buf_reset(&resp->body);
	if (scope != NULL) {
		commas = ca_strdup(scope);
		if (commas == NULL)
			goto out;
		for (s = commas; *s != '\0'; s++)
			if (*s == ' ')
				*s = ',';
	}
	rc = ca_buf_puts(&resp->body, "access_token=");
	if (rc == CA_OK)
		rc = mock_codec_url_encode(&resp->body, access);
	if (rc == CA_OK)
		rc = ca_buf_puts(&resp->body, "&scope=");
	if (rc == CA_OK && commas != NULL)
		rc = mock_codec_url_encode(&resp->body, commas);
	if (rc == CA_OK)
		rc = ca_buf_puts(&resp->body, "&token_type=bearer");
out:
	ca_free(commas);
	if (rc != CA_OK)
		plain(resp, 500, "mock: cannot build the answer");
}

static void
token(struct mock_provider *p, const struct mock_http_req *req,
    struct mock_http_resp *resp)
{
	const struct mock_client	*client;
	struct mock_form		 f;
	struct mock_code		 c;
	const char			*v, *ct;
	char				*access = NULL, *idt = NULL;
	cJSON				*j;
	int				 bad, ok, form;

	memset(&f, 0, sizeof(f));
	memset(&c, 0, sizeof(c));
	resp->nostore = 1;
	if (strcmp(req->method, "POST") != 0) {
		oauth_error(resp, 405, "invalid_request", "use POST");
		goto out;
	}
	ct = mock_http_header(req, "Content-Type");
	if (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded",
	    33) != 0 || (ct[33] != '\0' && ct[33] != ';' && ct[33] != ' ')) {
		oauth_error(resp, 400, "invalid_request",
		    "the body must be application/x-www-form-urlencoded");
		goto out;
	}
	if (mock_form_parse(&f, req->body, req->bodylen) != CA_OK) {
		oauth_error(resp, 400, "invalid_request",
		    "the body is malformed or repeats a parameter");
		goto out;
	}
	v = mock_form_get(&f, "grant_type");
	if (v == NULL) {
		oauth_error(resp, 400, "invalid_request", "no grant_type");
		goto out;
	}
	if (strcmp(v, "authorization_code") != 0) {
		oauth_error(resp, 400, "unsupported_grant_type", NULL);
		goto out;
	}
	client = client_auth(p, req, &f, &bad);
	if (bad) {
		oauth_error(resp, 400, "invalid_request",
		    "more than one client authentication method");
		goto out;
	}
	if (client == NULL) {
		resp->www_auth = "Basic realm=\"mock-provider\"";
		oauth_error(resp, 401, "invalid_client", NULL);
		goto out;
	}
	v = mock_form_get(&f, "code");
	if (v == NULL || v[0] == '\0') {
		oauth_error(resp, 400, "invalid_request", "no code");
		goto out;
	}
	if (!code_take(p, v, &c) || c.expires < now_mono() ||
	    c.client != client) {
		oauth_error(resp, 400, "invalid_grant", NULL);
		goto out;
	}
	v = mock_form_get(&f, "redirect_uri");
	if (v == NULL || strcmp(v, c.redirect_uri) != 0) {
		oauth_error(resp, 400, "invalid_grant",
		    "redirect_uri does not match");
		goto out;
	}
	v = mock_form_get(&f, "code_verifier");
	if ((c.challenge != NULL && !pkce_ok(c.challenge, v)) ||
	    (c.challenge == NULL && v != NULL)) {
		oauth_error(resp, 400, "invalid_grant",
		    "code_verifier does not match");
		goto out;
	}
	switch (c.user->fault) {
	case MOCK_FAULT_TOKEN_ERROR:
		oauth_error(resp, 400, "invalid_grant",
		    "mock: the code was refused");
		goto out;
	case MOCK_FAULT_TOKEN_500:
		plain(resp, 500, "mock: internal server error");
		goto out;
	case MOCK_FAULT_TOKEN_SLOW:
		if (!slow_wait(p)) {
			plain(resp, 503, "mock: shutting down");
			goto out;
		}
		break;
	default:
		break;
	}
	form = c.user->token_format == MOCK_TOKEN_FORM;
	if (token_store(p, c.user, &access) != CA_OK || (!form &&
	    scope_has(c.scope, "openid") && id_token(p, &c, &idt) != CA_OK)) {
		plain(resp, 500, "mock: cannot issue a token");
		goto out;
	}
	if (form) {
		token_form(resp, access, c.scope);
		goto out;
	}
	j = cJSON_CreateObject();
	ok = j != NULL &&
	    cJSON_AddStringToObject(j, "access_token", access) != NULL &&
	    cJSON_AddStringToObject(j, "token_type", "Bearer") != NULL &&
	    cJSON_AddNumberToObject(j, "expires_in", MOCK_TOKEN_TTL) != NULL &&
	    (c.scope == NULL ||
	    cJSON_AddStringToObject(j, "scope", c.scope) != NULL) &&
	    (idt == NULL ||
	    cJSON_AddStringToObject(j, "id_token", idt) != NULL);
	if (!ok) {
		cJSON_Delete(j);
		j = NULL;
	}
	json(resp, 200, j);
out:
	ca_free(access);
	ca_free(idt);
	code_clear(&c);
	mock_form_free(&f);
}

/* RFC 6750 2.1: the user of the bearer token, or NULL. */
static const struct mock_user *
bearer_user(struct mock_provider *p, const struct mock_http_req *req)
{
	const struct mock_user	*u = NULL;
	const char		*h;
	size_t			 i;
	time_t			 now;

	h = mock_http_header(req, "Authorization");
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return NULL;
	h += 7;
	while (*h == ' ')
		h++;
	if (*h == '\0')
		return NULL;
	now = now_mono();
	pthread_mutex_lock(&p->lock);
	for (i = 0; i < MOCK_TOKENS_MAX; i++)
		if (p->tokens[i].token != NULL &&
		    secret_eq(p->tokens[i].token, h) &&
		    p->tokens[i].expires >= now) {
			u = p->tokens[i].user;
			break;
		}
	pthread_mutex_unlock(&p->lock);
	return u;
}

static void
userinfo(struct mock_provider *p, const struct mock_http_req *req,
    struct mock_http_resp *resp, int emails)
{
	const struct mock_user	*u;

	resp->nostore = 1;
	if (strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "POST") != 0) {
		oauth_error(resp, 405, "invalid_request", "use GET");
		return;
	}
	u = bearer_user(p, req);
	if (u == NULL) {
		resp->www_auth = "Bearer error=\"invalid_token\"";
		oauth_error(resp, 401, "invalid_token", NULL);
		return;
	}
	if (emails) {
		json(resp, 200, u->emails != NULL ?
		    cJSON_Duplicate(u->emails, 1) : cJSON_CreateArray());
		return;
	}
	switch (u->fault) {
	case MOCK_FAULT_USERINFO_GARBAGE:
		resp->status = 200;
		resp->ctype = "application/json";
		ca_buf_reset(&resp->body);
		if (ca_buf_puts(&resp->body, "<html>mock: this is {not JSON"
		    "\n") != CA_OK)
			ca_buf_reset(&resp->body);
		return;
	case MOCK_FAULT_USERINFO_500:
		plain(resp, 500, "mock: internal server error");
		return;
	default:
		json(resp, 200, cJSON_Duplicate(u->userinfo, 1));
		return;
	}
}

/*
 * GET /big: MOCK_BIG_BYTES of 'x'; "?unframed" leaves Content-Length
 * out, so that only the bytes themselves, not a header, can tell a
 * client it is too much.  For the body cap tests; no provider has it.
 */
static void
big(const struct mock_http_req *req, struct mock_http_resp *resp)
{

	if (strcmp(req->method, "GET") != 0) {
		plain(resp, 405, "mock: use GET");
		return;
	}
	resp->status = 200;
	resp->ctype = "text/plain; charset=utf-8";
	ca_buf_reset(&resp->body);
	resp->pad = MOCK_BIG_BYTES;
	resp->unframed = strcmp(req->query, "unframed") == 0;
}

void
mock_provider_handle(void *arg, const struct mock_http_req *req,
    struct mock_http_resp *resp)
{
	struct mock_provider	*p = arg;

	if (strcmp(req->path, "/.well-known/openid-configuration") == 0) {
		if (strcmp(req->method, "GET") != 0)
			plain(resp, 405, "mock: use GET");
		else
			discovery(p, resp);
	} else if (strcmp(req->path, "/authorize") == 0)
		authorize(p, req, resp);
	else if (strcmp(req->path, "/token") == 0)
		token(p, req, resp);
	else if (strcmp(req->path, "/userinfo") == 0)
		userinfo(p, req, resp, 0);
	else if (strcmp(req->path, "/user/emails") == 0)
		userinfo(p, req, resp, 1);
	else if (strcmp(req->path, "/big") == 0)
		big(req, resp);
	else
		plain(resp, 404, "mock: not found");
}
