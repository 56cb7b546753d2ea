/*
 * test_mockprovider.c: the Check suite of mock-provider/, end to end.
 *
 * Starts $CGIAUTH_BUILD/mock-provider/mock-provider on a free port with
 * fixtures/mock-provider/users.json (through spec/fixture.h) and drives
 * it over real HTTP with libcurl: discovery, /authorize with login_hint,
 * /token with client_secret_post and client_secret_basic (RFC 6749
 * 2.3.1), single-use codes, PKCE S256 (RFC 7636, appendix B vector), the
 * HS256 ID token, /userinfo, /user/emails, each fault, the form-encoded
 * token answer of a "token_format": "form" user (carol, GitHub style),
 * and that the token_slow fault does not hold up other requests.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "alloc.h"
#include "buf.h"
#include "err.h"
#include "fixture.h"
#include "harness.h"
#include "request.h"

#define CLIENT_ID	"mock-client-id"
#define CLIENT_SECRET	"mock-client-secret"
#define REDIRECT	"http://127.0.0.1:8000/auth/provider/mock"
#define REDIRECT_ENC	"http%3A%2F%2F127.0.0.1%3A8000%2Fauth%2Fprovider%2Fmock"
/* RFC 7636 appendix B. */
#define VERIFIER	"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define CHALLENGE	"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
#define STATE		"st-42_x.y~z"
/* The form answer's Content-Type. */
#define FORM_CTYPE	"application/x-www-form-urlencoded"
/* An access token: 256 random bits in unpadded base64url. */
#define TOKEN_LEN	43
/* Bounds for what the tests read back. */
#define BODY_MAX	(256 * 1024)
#define URL_MAX		4096
/* Seconds a test's curl waits; the slow fault needs more than 15. */
#define CURL_TIMEOUT	30
/* The slow test: the fault's delay and what "at once" means. */
#define SLOW_MIN_SEC	14
#define FAST_MAX_SEC	2

static struct ca_harness_proc	 mock = { .pid = -1 };

static void
mock_start(void)
{

	ck_assert_msg(ca_fixture_mock_start(&mock, 3) == CA_OK,
	    "mock provider did not start");
}

static void
mock_stop(void)
{

	ca_harness_stop(&mock);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct ca_buf	*b = arg;

	if (ca_buf_add(b, p, size * n) != CA_OK)
		return 0;
	return size * n;
}

/*
 * One request to the mock: path relative to it, body NULL for a GET,
 * userpwd for HTTP Basic, bearer for a token, accept for an Accept
 * header (NULL: curl's default).  Fills out (caller frees with
 * ca_buf_free()) and, when loc or ctype is not NULL, *loc with a copy of
 * the Location and *ctype of the Content-Type (each ca_free()) or NULL.
 * Returns the status.
 */
static long
http_full(const char *path, const char *body, const char *userpwd,
    const char *bearer, const char *accept, struct ca_buf *out, char **loc,
    char **ctype)
{
	CURL			*c;
	struct curl_slist	*h = NULL;
	char			 url[URL_MAX], auth[URL_MAX], acc[URL_MAX];
	char			*redir = NULL, *ct = NULL;
	long			 status = -1;

	ca_buf_init(out, BODY_MAX);
	if (loc != NULL)
		*loc = NULL;
	if (ctype != NULL)
		*ctype = NULL;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", mock.port, path);
	c = curl_easy_init();
	ck_assert_ptr_nonnull(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, out);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)CURL_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	if (userpwd != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
	}
	if (bearer != NULL) {
		snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
		    bearer);
		h = curl_slist_append(h, auth);
		ck_assert_ptr_nonnull(h);
	}
	if (accept != NULL) {
		snprintf(acc, sizeof(acc), "Accept: %s", accept);
		h = curl_slist_append(h, acc);
		ck_assert_ptr_nonnull(h);
	}
	if (h != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	if (curl_easy_perform(c) == CURLE_OK) {
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &redir);
		curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
		if (loc != NULL && redir != NULL)
			*loc = ca_strdup(redir);
		if (ctype != NULL && ct != NULL)
			*ctype = ca_strdup(ct);
	}
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return status;
}

/* http_full() without Accept or Content-Type. */
static long
http(const char *path, const char *body, const char *userpwd,
    const char *bearer, struct ca_buf *out, char **loc)
{

	return http_full(path, body, userpwd, bearer, NULL, out, loc, NULL);
}

/* Authorizes login with PKCE and returns the code (ca_free()). */
static char *
get_code(const char *login, const char *scope)
{
	struct ca_buf	 b;
	char		 path[URL_MAX], want[URL_MAX];
	char		*loc, *code, *amp;
	long		 st;

	snprintf(path, sizeof(path), "/authorize?response_type=code"
	    "&client_id=" CLIENT_ID "&redirect_uri=%s"
	    "&state=" STATE "&scope=%s&nonce=n-0S6_WzA2Mj"
	    "&code_challenge=" CHALLENGE "&code_challenge_method=S256"
	    "&login_hint=%s", REDIRECT_ENC, scope, login);
	st = http(path, NULL, NULL, NULL, &b, &loc);
	ck_assert_int_eq(st, 302);
	ck_assert_ptr_nonnull(loc);
	snprintf(want, sizeof(want), "%s?code=", REDIRECT);
	ck_assert_msg(strncmp(loc, want, strlen(want)) == 0, "%s", loc);
	amp = strchr(loc + strlen(want), '&');
	ck_assert_ptr_nonnull(amp);
	ck_assert_str_eq(amp, "&state=" STATE);
	/* 256 random bits in base64url. */
	ck_assert_uint_ge((size_t)(amp - loc) - strlen(want), 22);
	code = ca_strndup(loc + strlen(want), (size_t)(amp - loc) -
	    strlen(want));
	ck_assert_ptr_nonnull(code);
	ca_free(loc);
	ca_buf_free(&b);
	return code;
}

/*
 * POSTs to /token; post selects client_secret_post over _basic, accept
 * and ctype are as for http_full().
 */
static long
token_full(const char *code, const char *verifier, const char *secret,
    int post, const char *accept, struct ca_buf *out, char **ctype)
{
	char	 body[URL_MAX], userpwd[URL_MAX];

	snprintf(body, sizeof(body), "grant_type=authorization_code"
	    "&code=%s&redirect_uri=%s%s%s", code, REDIRECT_ENC,
	    verifier != NULL ? "&code_verifier=" : "",
	    verifier != NULL ? verifier : "");
	if (post) {
		snprintf(body + strlen(body), sizeof(body) - strlen(body),
		    "&client_id=" CLIENT_ID "&client_secret=%s", secret);
		return http_full("/token", body, NULL, NULL, accept, out,
		    NULL, ctype);
	}
	snprintf(userpwd, sizeof(userpwd), CLIENT_ID ":%s", secret);
	return http_full("/token", body, userpwd, NULL, accept, out, NULL,
	    ctype);
}

static long
token(const char *code, const char *verifier, const char *secret, int post,
    struct ca_buf *out)
{

	return token_full(code, verifier, secret, post, NULL, out, NULL);
}

/* The value of string field name of JSON body, or "" (static copy). */
static const char *
json_str(const struct ca_buf *b, const char *name)
{
	static char	 v[BODY_MAX];
	cJSON		*j;
	const cJSON	*f;

	v[0] = '\0';
	j = cJSON_Parse(ca_buf_str(b));
	ck_assert_msg(j != NULL, "not JSON: %s", ca_buf_str(b));
	f = cJSON_GetObjectItemCaseSensitive(j, name);
	if (cJSON_IsString(f))
		snprintf(v, sizeof(v), "%s", f->valuestring);
	cJSON_Delete(j);
	return v;
}

/*
 * The decoded value of field name of form body b (first wins), or NULL;
 * the caller frees it with ca_free().
 */
static char *
form_str(const struct ca_buf *b, const char *name)
{
	const char	*p, *amp, *eq;
	char		*v = NULL;
	size_t		 n;

	n = strlen(name);
	for (p = ca_buf_str(b); *p != '\0'; p = *amp == '&' ? amp + 1 : amp) {
		amp = p + strcspn(p, "&");
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq != NULL && (size_t)(eq - p) == n &&
		    strncmp(p, name, n) == 0) {
			ck_assert_int_eq(ca_url_decode(eq + 1,
			    (size_t)(amp - eq - 1), 1, &v), CA_OK);
			return v;
		}
	}
	return NULL;
}

/* Signs in login and returns an access token (ca_free()). */
static char *
get_access(const char *login)
{
	struct ca_buf	 b;
	char		*code, *at, *ct;

	code = get_code(login, "openid%20email");
	ck_assert_int_eq(token_full(code, VERIFIER, CLIENT_SECRET, 1, NULL,
	    &b, &ct), 200);
	ck_assert_ptr_nonnull(ct);
	if (strcmp(ct, FORM_CTYPE) == 0)
		at = form_str(&b, "access_token");
	else
		at = ca_strdup(json_str(&b, "access_token"));
	ck_assert_ptr_nonnull(at);
	ck_assert_str_ne(at, "");
	ca_free(ct);
	ca_buf_free(&b);
	ca_free(code);
	return at;
}

/* 1 when s is TOKEN_LEN characters of unpadded base64url. */
static int
is_token(const char *s)
{

	return strlen(s) == TOKEN_LEN && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_") == TOKEN_LEN;
}

static void
assert_str_array(const cJSON *j, const char *name, const char *const *want,
    int n)
{
	const cJSON	*a, *e;
	int		 i;

	a = cJSON_GetObjectItemCaseSensitive(j, name);
	ck_assert_msg(cJSON_IsArray(a), "%s is not an array", name);
	ck_assert_int_eq(cJSON_GetArraySize(a), n);
	for (i = 0; i < n; i++) {
		e = cJSON_GetArrayItem(a, i);
		ck_assert(cJSON_IsString(e));
		ck_assert_str_eq(e->valuestring, want[i]);
	}
}

START_TEST(test_mockprovider_discovery_fields)
{
	static const char *const auth[] = {
	    "client_secret_post", "client_secret_basic" };
	static const char *const s256[] = { "S256" };
	static const char *const hs256[] = { "HS256" };
	static const char *const code[] = { "code" };
	struct ca_buf	 b;
	char		 want[URL_MAX];
	cJSON		*j;
	const cJSON	*f;

	ck_assert_int_eq(http("/.well-known/openid-configuration", NULL,
	    NULL, NULL, &b, NULL), 200);
	j = cJSON_Parse(ca_buf_str(&b));
	ck_assert_ptr_nonnull(j);
	snprintf(want, sizeof(want), "http://127.0.0.1:%d", mock.port);
	f = cJSON_GetObjectItemCaseSensitive(j, "issuer");
	ck_assert(cJSON_IsString(f));
	ck_assert_str_eq(f->valuestring, want);
	snprintf(want, sizeof(want), "http://127.0.0.1:%d/authorize",
	    mock.port);
	f = cJSON_GetObjectItemCaseSensitive(j, "authorization_endpoint");
	ck_assert(cJSON_IsString(f));
	ck_assert_str_eq(f->valuestring, want);
	snprintf(want, sizeof(want), "http://127.0.0.1:%d/token", mock.port);
	f = cJSON_GetObjectItemCaseSensitive(j, "token_endpoint");
	ck_assert(cJSON_IsString(f));
	ck_assert_str_eq(f->valuestring, want);
	snprintf(want, sizeof(want), "http://127.0.0.1:%d/userinfo",
	    mock.port);
	f = cJSON_GetObjectItemCaseSensitive(j, "userinfo_endpoint");
	ck_assert(cJSON_IsString(f));
	ck_assert_str_eq(f->valuestring, want);
	assert_str_array(j, "token_endpoint_auth_methods_supported", auth, 2);
	assert_str_array(j, "code_challenge_methods_supported", s256, 1);
	assert_str_array(j, "id_token_signing_alg_values_supported", hs256, 1);
	assert_str_array(j, "response_types_supported", code, 1);
	ck_assert(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j,
	    "scopes_supported")));
	ck_assert(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j,
	    "subject_types_supported")));
	cJSON_Delete(j);
	ca_buf_free(&b);
}
END_TEST

START_TEST(test_mockprovider_authorize_alice)
{
	char	*a, *b;

	a = get_code("alice", "openid");
	b = get_code("alice", "openid");
	ck_assert_str_ne(a, b);
	ca_free(a);
	ca_free(b);
}
END_TEST

START_TEST(test_mockprovider_authorize_chooser)
{
	struct ca_buf	 b;

	ck_assert_int_eq(http("/authorize?response_type=code&client_id="
	    CLIENT_ID "&redirect_uri=" REDIRECT_ENC "&state=%22%3Cx%3E",
	    NULL, NULL, NULL, &b, NULL), 200);
	ck_assert_ptr_nonnull(strstr(ca_buf_str(&b),
	    "Mock provider: choose a user"));
	ck_assert_ptr_nonnull(strstr(ca_buf_str(&b), "&amp;state=%22%3Cx%3E"
	    "&amp;login_hint=alice\">alice</a> Alice Example"));
	ck_assert_ptr_null(strstr(ca_buf_str(&b), "<x>"));
	ca_buf_free(&b);
}
END_TEST

START_TEST(test_mockprovider_authorize_bad)
{
	static const char *const bad[] = {
	    /* unknown client */
	    "response_type=code&client_id=nope&redirect_uri=" REDIRECT_ENC
	    "&state=s&login_hint=alice",
	    /* relative, then non-http redirect_uri */
	    "response_type=code&client_id=" CLIENT_ID "&redirect_uri=%2Fcb"
	    "&state=s&login_hint=alice",
	    "response_type=code&client_id=" CLIENT_ID
	    "&redirect_uri=javascript%3Aalert(1)&state=s&login_hint=alice",
	    /* plain PKCE, and a challenge without a method */
	    "response_type=code&client_id=" CLIENT_ID "&redirect_uri="
	    REDIRECT_ENC "&state=s&code_challenge=" CHALLENGE
	    "&code_challenge_method=plain&login_hint=alice",
	    "response_type=code&client_id=" CLIENT_ID "&redirect_uri="
	    REDIRECT_ENC "&state=s&code_challenge=" CHALLENGE
	    "&login_hint=alice",
	    /* unknown user, no state, wrong response_type, bad escape */
	    "response_type=code&client_id=" CLIENT_ID "&redirect_uri="
	    REDIRECT_ENC "&state=s&login_hint=nobody",
	    "response_type=code&client_id=" CLIENT_ID "&redirect_uri="
	    REDIRECT_ENC "&login_hint=alice",
	    "response_type=token&client_id=" CLIENT_ID "&redirect_uri="
	    REDIRECT_ENC "&state=s&login_hint=alice",
	    "response_type=code&client_id=" CLIENT_ID "&redirect_uri="
	    REDIRECT_ENC "&state=%zz&login_hint=alice",
	};
	struct ca_buf	 b;
	char		 path[URL_MAX], *loc;
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(path, sizeof(path), "/authorize?%s", bad[i]);
		ck_assert_msg(http(path, NULL, NULL, NULL, &b, &loc) == 400,
		    "%s", bad[i]);
		ck_assert_ptr_null(loc);
		ca_buf_free(&b);
	}
}
END_TEST

/* An empty scope= is no scope: a code, and a token without scope. */
START_TEST(test_mockprovider_authorize_empty_scope)
{
	struct ca_buf	 b;
	char		*code;
	cJSON		*j;

	code = get_code("alice", "");
	ck_assert_int_eq(token(code, VERIFIER, CLIENT_SECRET, 1, &b), 200);
	j = cJSON_Parse(ca_buf_str(&b));
	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(j, "scope"));
	ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(j, "id_token"));
	cJSON_Delete(j);
	ca_buf_free(&b);
	ca_free(code);
}
END_TEST

START_TEST(test_mockprovider_token_post)
{
	struct ca_buf	 b;
	char		*code;
	cJSON		*j;
	const cJSON	*f;

	code = get_code("alice", "openid%20email");
	ck_assert_int_eq(token(code, VERIFIER, CLIENT_SECRET, 1, &b), 200);
	j = cJSON_Parse(ca_buf_str(&b));
	ck_assert_ptr_nonnull(j);
	f = cJSON_GetObjectItemCaseSensitive(j, "token_type");
	ck_assert(cJSON_IsString(f));
	ck_assert_str_eq(f->valuestring, "Bearer");
	f = cJSON_GetObjectItemCaseSensitive(j, "expires_in");
	ck_assert(cJSON_IsNumber(f));
	ck_assert_int_eq(f->valueint, 3600);
	f = cJSON_GetObjectItemCaseSensitive(j, "scope");
	ck_assert(cJSON_IsString(f));
	ck_assert_str_eq(f->valuestring, "openid email");
	ck_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j,
	    "access_token")));
	ck_assert(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j,
	    "id_token")));
	cJSON_Delete(j);
	ca_buf_free(&b);
	ca_free(code);
}
END_TEST

START_TEST(test_mockprovider_token_basic)
{
	struct ca_buf	 b;
	char		*code;

	code = get_code("bob", "email");
	ck_assert_int_eq(token(code, VERIFIER, CLIENT_SECRET, 0, &b), 200);
	ck_assert_str_ne(json_str(&b, "access_token"), "");
	/* No openid scope, no ID token. */
	ck_assert_ptr_null(strstr(ca_buf_str(&b), "id_token"));
	ca_buf_free(&b);
	ca_free(code);
}
END_TEST

/* Decodes base64url segment s of length n into a new cJSON. */
static cJSON *
b64url_json(const char *s, size_t n)
{
	unsigned char	 out[URL_MAX];
	char		 in[URL_MAX] = { 0 };
	size_t		 i;
	int		 len;
	cJSON		*j;

	ck_assert_uint_lt(n + 4, sizeof(in));
	for (i = 0; i < n; i++)
		in[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : s[i];
	while (i % 4 != 0)
		in[i++] = '=';
	len = EVP_DecodeBlock(out, (unsigned char *)in, (int)i);
	ck_assert_int_ge(len, 0);
	while (len > 0 && i > 0 && in[i - 1] == '=') {
		len--;
		i--;
	}
	j = cJSON_ParseWithLength((const char *)out, (size_t)len);
	ck_assert_ptr_nonnull(j);
	return j;
}

START_TEST(test_mockprovider_token_id_token)
{
	struct ca_buf	 b, sig;
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	char		 want[URL_MAX], *code, *idt, *d1, *d2;
	cJSON		*h, *c;
	const cJSON	*f;
	size_t		 i;
	static const char	 a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

	code = get_code("alice", "openid%20email%20profile");
	ck_assert_int_eq(token(code, VERIFIER, CLIENT_SECRET, 0, &b), 200);
	idt = ca_strdup(json_str(&b, "id_token"));
	ck_assert_ptr_nonnull(idt);
	d1 = strchr(idt, '.');
	ck_assert_ptr_nonnull(d1);
	d2 = strchr(d1 + 1, '.');
	ck_assert_ptr_nonnull(d2);

	h = b64url_json(idt, (size_t)(d1 - idt));
	f = cJSON_GetObjectItemCaseSensitive(h, "alg");
	ck_assert(cJSON_IsString(f));
	ck_assert_str_eq(f->valuestring, "HS256");
	cJSON_Delete(h);

	c = b64url_json(d1 + 1, (size_t)(d2 - d1 - 1));
	snprintf(want, sizeof(want), "http://127.0.0.1:%d", mock.port);
	ck_assert_str_eq(cJSON_GetObjectItem(c, "iss")->valuestring, want);
	ck_assert_str_eq(cJSON_GetObjectItem(c, "sub")->valuestring,
	    "alice-001");
	ck_assert_str_eq(cJSON_GetObjectItem(c, "aud")->valuestring,
	    CLIENT_ID);
	ck_assert_str_eq(cJSON_GetObjectItem(c, "nonce")->valuestring,
	    "n-0S6_WzA2Mj");
	ck_assert_str_eq(cJSON_GetObjectItem(c, "email")->valuestring,
	    "alice@example.com");
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(c, "email_verified")));
	ck_assert_str_eq(cJSON_GetObjectItem(c, "name")->valuestring,
	    "Alice Example");
	ck_assert(cJSON_GetObjectItem(c, "exp")->valuedouble -
	    cJSON_GetObjectItem(c, "iat")->valuedouble == 300);
	cJSON_Delete(c);

	/* HMAC-SHA-256 over "header.claims", keyed with the secret. */
	ck_assert_ptr_nonnull(HMAC(EVP_sha256(), CLIENT_SECRET,
	    (int)strlen(CLIENT_SECRET), (unsigned char *)idt,
	    (size_t)(d2 - idt), mac, &maclen));
	ca_buf_init(&sig, URL_MAX);
	for (i = 0; i < maclen; i += 3) {
		unsigned long	 v = (unsigned long)mac[i] << 16;

		if (i + 1 < maclen)
			v |= (unsigned long)mac[i + 1] << 8;
		if (i + 2 < maclen)
			v |= mac[i + 2];
		ck_assert_int_eq(ca_buf_putc(&sig, a[v >> 18 & 63]), CA_OK);
		ck_assert_int_eq(ca_buf_putc(&sig, a[v >> 12 & 63]), CA_OK);
		if (i + 1 < maclen)
			ck_assert_int_eq(ca_buf_putc(&sig, a[v >> 6 & 63]),
			    CA_OK);
		if (i + 2 < maclen)
			ck_assert_int_eq(ca_buf_putc(&sig, a[v & 63]), CA_OK);
	}
	ck_assert_str_eq(d2 + 1, ca_buf_str(&sig));
	ca_buf_free(&sig);
	ca_free(idt);
	ca_buf_free(&b);
	ca_free(code);
}
END_TEST

START_TEST(test_mockprovider_token_replay)
{
	struct ca_buf	 b;
	char		*code;

	code = get_code("alice", "openid");
	ck_assert_int_eq(token(code, VERIFIER, CLIENT_SECRET, 1, &b), 200);
	ca_buf_free(&b);
	ck_assert_int_eq(token(code, VERIFIER, CLIENT_SECRET, 1, &b), 400);
	ck_assert_str_eq(json_str(&b, "error"), "invalid_grant");
	ca_buf_free(&b);
	ck_assert_int_eq(token(code, VERIFIER, CLIENT_SECRET, 0, &b), 400);
	ck_assert_str_eq(json_str(&b, "error"), "invalid_grant");
	ca_buf_free(&b);
	ca_free(code);
}
END_TEST

START_TEST(test_mockprovider_token_pkce)
{
	struct ca_buf	 b;
	char		*code;

	code = get_code("alice", "openid");
	ck_assert_int_eq(token(code,
	    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX", CLIENT_SECRET, 1,
	    &b), 400);
	ck_assert_str_eq(json_str(&b, "error"), "invalid_grant");
	ca_buf_free(&b);
	/* The failed presentation consumed the code. */
	ck_assert_int_eq(token(code, VERIFIER, CLIENT_SECRET, 1, &b), 400);
	ck_assert_str_eq(json_str(&b, "error"), "invalid_grant");
	ca_buf_free(&b);
	ca_free(code);

	code = get_code("alice", "openid");
	ck_assert_int_eq(token(code, NULL, CLIENT_SECRET, 1, &b), 400);
	ck_assert_str_eq(json_str(&b, "error"), "invalid_grant");
	ca_buf_free(&b);
	ca_free(code);

	code = get_code("alice", "openid");
	ck_assert_int_eq(token(code, "short", CLIENT_SECRET, 1, &b), 400);
	ck_assert_str_eq(json_str(&b, "error"), "invalid_grant");
	ca_buf_free(&b);
	ca_free(code);
}
END_TEST

START_TEST(test_mockprovider_token_bad_client)
{
	struct ca_buf	 b;
	char		*code;

	code = get_code("alice", "openid");
	ck_assert_int_eq(token(code, VERIFIER, "wrong", 1, &b), 401);
	ck_assert_str_eq(json_str(&b, "error"), "invalid_client");
	ca_buf_free(&b);
	ck_assert_int_eq(token(code, VERIFIER, "wrong", 0, &b), 401);
	ck_assert_str_eq(json_str(&b, "error"), "invalid_client");
	ca_buf_free(&b);
	ck_assert_int_eq(http("/token", "grant_type=authorization_code"
	    "&code=x", NULL, NULL, &b, NULL), 401);
	ck_assert_str_eq(json_str(&b, "error"), "invalid_client");
	ca_buf_free(&b);
	ck_assert_int_eq(http("/token", "grant_type=password", NULL, NULL,
	    &b, NULL), 400);
	ck_assert_str_eq(json_str(&b, "error"), "unsupported_grant_type");
	ca_buf_free(&b);
	ca_free(code);
}
END_TEST

START_TEST(test_mockprovider_token_form_carol)
{
	static const char *const accepts[] = {
	    NULL, "application/json", "application/xml" };
	struct ca_buf	 b, e;
	char		 want[URL_MAX], *code, *ct, *at;
	size_t		 i;

	for (i = 0; i < sizeof(accepts) / sizeof(accepts[0]); i++) {
		/* GitHub separates the granted scopes with commas. */
		code = get_code("carol", "user%3Aemail%20read%3Auser");
		ck_assert_int_eq(token_full(code, VERIFIER, CLIENT_SECRET,
		    (int)(i % 2), accepts[i], &b, &ct), 200);
		ck_assert_ptr_nonnull(ct);
		ck_assert_str_eq(ct, FORM_CTYPE);
		at = form_str(&b, "access_token");
		ck_assert_ptr_nonnull(at);
		ck_assert_msg(is_token(at), "access_token %s", at);
		snprintf(want, sizeof(want), "access_token=%s"
		    "&scope=user%%3Aemail%%2Cread%%3Auser&token_type=bearer",
		    at);
		ck_assert_str_eq(ca_buf_str(&b), want);
		/* The token in the form is the one the mock honours. */
		ck_assert_int_eq(http("/user/emails", NULL, NULL, at, &e,
		    NULL), 200);
		ca_buf_free(&e);
		ca_free(at);
		ca_free(ct);
		ca_buf_free(&b);
		ca_free(code);
	}

	/* Even with openid asked for, a form answer has no ID token. */
	code = get_code("carol", "openid");
	ck_assert_int_eq(token_full(code, VERIFIER, CLIENT_SECRET, 1, NULL,
	    &b, &ct), 200);
	ck_assert_str_eq(ct, FORM_CTYPE);
	at = form_str(&b, "access_token");
	ck_assert_ptr_nonnull(at);
	snprintf(want, sizeof(want), "access_token=%s&scope=openid"
	    "&token_type=bearer", at);
	ck_assert_str_eq(ca_buf_str(&b), want);
	ca_free(at);
	ca_free(ct);
	ca_buf_free(&b);
	ca_free(code);

	/* Errors stay RFC 6749 5.2 JSON; alice still gets JSON. */
	code = get_code("carol", "openid");
	ck_assert_int_eq(token_full(code, VERIFIER, "wrong", 1, NULL, &b,
	    &ct), 401);
	ck_assert_str_eq(ct, "application/json");
	ck_assert_str_eq(json_str(&b, "error"), "invalid_client");
	ca_free(ct);
	ca_buf_free(&b);
	ca_free(code);
	code = get_code("alice", "openid");
	ck_assert_int_eq(token_full(code, VERIFIER, CLIENT_SECRET, 1, NULL,
	    &b, &ct), 200);
	ck_assert_str_eq(ct, "application/json");
	ck_assert_msg(is_token(json_str(&b, "access_token")), "%s",
	    ca_buf_str(&b));
	ca_free(ct);
	ca_buf_free(&b);
	ca_free(code);
}
END_TEST

START_TEST(test_mockprovider_userinfo_alice)
{
	struct ca_buf	 b;
	char		*at;

	at = get_access("alice");
	ck_assert_int_eq(http("/userinfo", NULL, NULL, at, &b, NULL), 200);
	ck_assert_str_eq(ca_buf_str(&b), "{\"sub\":\"alice-001\","
	    "\"name\":\"Alice Example\",\"email\":\"alice@example.com\","
	    "\"email_verified\":true,"
	    "\"picture\":\"https://example.com/alice.png\"}");
	ca_buf_free(&b);
	ck_assert_int_eq(http("/userinfo", NULL, NULL, "not-a-token", &b,
	    NULL), 401);
	ck_assert_str_eq(json_str(&b, "error"), "invalid_token");
	ca_buf_free(&b);
	ca_free(at);
}
END_TEST

START_TEST(test_mockprovider_emails_carol)
{
	struct ca_buf	 b;
	char		*at;

	at = get_access("carol");
	ck_assert_int_eq(http("/user/emails", NULL, NULL, at, &b, NULL), 200);
	ck_assert_str_eq(ca_buf_str(&b), "[{\"email\":\"carol@example.com\","
	    "\"primary\":true,\"verified\":true},"
	    "{\"email\":\"carol.other@example.com\",\"primary\":false,"
	    "\"verified\":false}]");
	ca_buf_free(&b);
	ck_assert_int_eq(http("/userinfo", NULL, NULL, at, &b, NULL), 200);
	ck_assert_str_eq(ca_buf_str(&b), "{\"sub\":\"carol-003\","
	    "\"id\":3003,\"name\":\"Carol Example\",\"email\":null}");
	ca_buf_free(&b);
	ca_free(at);

	at = get_access("dave");
	ck_assert_int_eq(http("/user/emails", NULL, NULL, at, &b, NULL), 200);
	ck_assert_str_eq(ca_buf_str(&b), "[]");
	ca_buf_free(&b);
	ck_assert_int_eq(http("/userinfo", NULL, NULL, at, &b, NULL), 200);
	ck_assert_str_eq(ca_buf_str(&b), "{\"data\":{\"id\":4004,"
	    "\"name\":\"Dave Example\",\"email\":\"dave@example.com\"}}");
	ca_buf_free(&b);
	ca_free(at);
}
END_TEST

START_TEST(test_mockprovider_fault_denied)
{
	struct ca_buf	 b;
	char		*loc;

	ck_assert_int_eq(http("/authorize?response_type=code&client_id="
	    CLIENT_ID "&redirect_uri=" REDIRECT_ENC "&state=" STATE
	    "&login_hint=denied", NULL, NULL, NULL, &b, &loc), 302);
	ck_assert_ptr_nonnull(loc);
	ck_assert_msg(strncmp(loc, REDIRECT "?error=access_denied&",
	    strlen(REDIRECT "?error=access_denied&")) == 0, "%s", loc);
	ck_assert_ptr_nonnull(strstr(loc, "&error_description="));
	ck_assert_ptr_nonnull(strstr(loc, "&state=" STATE));
	ck_assert_ptr_null(strstr(loc, "code="));
	ca_free(loc);
	ca_buf_free(&b);
}
END_TEST

START_TEST(test_mockprovider_fault_token)
{
	struct ca_buf	 b;
	char		*code, *at;

	code = get_code("token500", "openid");
	ck_assert_int_eq(token(code, VERIFIER, CLIENT_SECRET, 1, &b), 500);
	ck_assert(cJSON_Parse(ca_buf_str(&b)) == NULL);
	ca_buf_free(&b);
	ca_free(code);

	code = get_code("tokenerror", "openid");
	ck_assert_int_eq(token(code, VERIFIER, CLIENT_SECRET, 1, &b), 400);
	ck_assert_str_eq(ca_buf_str(&b), "{\"error\":\"invalid_grant\","
	    "\"error_description\":\"mock: the code was refused\"}");
	ca_buf_free(&b);
	ca_free(code);

	at = get_access("garbage");
	ck_assert_int_eq(http("/userinfo", NULL, NULL, at, &b, NULL), 200);
	ck_assert(cJSON_Parse(ca_buf_str(&b)) == NULL);
	ca_buf_free(&b);
	ca_free(at);

	at = get_access("userinfo500");
	ck_assert_int_eq(http("/userinfo", NULL, NULL, at, &b, NULL), 500);
	ca_buf_free(&b);
	ca_free(at);
}
END_TEST

START_TEST(test_mockprovider_unknown_path)
{
	struct ca_buf	 b;

	ck_assert_int_eq(http("/nothing/here", NULL, NULL, NULL, &b, NULL),
	    404);
	ca_buf_free(&b);
}
END_TEST

struct slow_arg {
	char	*code;
	long	 status;
};

static void *
slow_thread(void *p)
{
	struct slow_arg	*a = p;
	struct ca_buf	 b;

	a->status = token(a->code, VERIFIER, CLIENT_SECRET, 1, &b);
	ca_buf_free(&b);
	return NULL;
}

START_TEST(test_mockprovider_fault_slow)
{
	struct slow_arg	 a;
	struct ca_buf	 b;
	struct timespec	 t0, t1, t2;
	pthread_t	 t;

	a.code = get_code("slow", "openid");
	a.status = -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(pthread_create(&t, NULL, slow_thread, &a), 0);
	/* Let the slow request reach the server first. */
	nanosleep(&(struct timespec){ 0, 300000000L }, NULL);
	ck_assert_int_eq(http("/.well-known/openid-configuration", NULL,
	    NULL, NULL, &b, NULL), 200);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ca_buf_free(&b);
	ck_assert_int_le(t1.tv_sec - t0.tv_sec, FAST_MAX_SEC);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	ck_assert_int_eq(a.status, 200);
	ck_assert_int_ge(t2.tv_sec - t0.tv_sec, SLOW_MIN_SEC);
	ca_free(a.code);
}
END_TEST

static Suite *
mockprovider_suite(void)
{
	Suite	*s;
	TCase	*tc, *slow;

	s = suite_create("mockprovider");
	tc = tcase_create("endpoints");
	tcase_add_unchecked_fixture(tc, mock_start, mock_stop);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_mockprovider_discovery_fields);
	tcase_add_test(tc, test_mockprovider_authorize_alice);
	tcase_add_test(tc, test_mockprovider_authorize_chooser);
	tcase_add_test(tc, test_mockprovider_authorize_bad);
	tcase_add_test(tc, test_mockprovider_authorize_empty_scope);
	tcase_add_test(tc, test_mockprovider_token_post);
	tcase_add_test(tc, test_mockprovider_token_basic);
	tcase_add_test(tc, test_mockprovider_token_id_token);
	tcase_add_test(tc, test_mockprovider_token_replay);
	tcase_add_test(tc, test_mockprovider_token_pkce);
	tcase_add_test(tc, test_mockprovider_token_bad_client);
	tcase_add_test(tc, test_mockprovider_token_form_carol);
	tcase_add_test(tc, test_mockprovider_userinfo_alice);
	tcase_add_test(tc, test_mockprovider_emails_carol);
	tcase_add_test(tc, test_mockprovider_fault_denied);
	tcase_add_test(tc, test_mockprovider_fault_token);
	tcase_add_test(tc, test_mockprovider_unknown_path);
	suite_add_tcase(s, tc);

	slow = tcase_create("slow");
	tcase_add_unchecked_fixture(slow, mock_start, mock_stop);
	tcase_set_timeout(slow, 40);
	tcase_add_test(slow, test_mockprovider_fault_slow);
	suite_add_tcase(s, slow);
	return s;
}

int
main(void)
{
	int	 status;

	curl_global_init(CURL_GLOBAL_DEFAULT);
	status = ca_fixture_run(mockprovider_suite());
	curl_global_cleanup();
	return status;
}
