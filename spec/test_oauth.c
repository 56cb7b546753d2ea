/*
 * test_oauth.c: the Check suite for lib/provider.c, lib/oauth.c,
 * lib/oauth_idtoken.c and lib/http.c.
 *
 * Table-driven from fixtures/oauth/: tune/NAME.json (the provider registry:
 * each file a tune.json, settings and .env, and the exact providers or
 * error text expected), authorize.json (exact authorization URLs),
 * profiles.json (userinfo and GitHub emails to profile fields; strings
 * that are not UTF-8, which JSON text cannot carry, are a C table
 * here), discovery.json (discovery documents to endpoints: https, or
 * http to loopback hosts) and id_tokens.json (ID token validation at a
 * fixed time; the tokens are built here from header and claims).  The
 * HTTP TCase runs the real mock provider
 * ($CGIAUTH_BUILD/mock-provider/mock-provider) on a free port
 * and drives discovery, both client authentications, userinfo, every
 * token and userinfo fault, GitHub's form-encoded token answer (carol)
 * and the CA_HTTP_BODY_MAX cap (/big) through libcurl.  Run from the
 * repository root, or set CGIAUTH_ROOT.
 */
#include <check.h>
#include <cJSON.h>
#include <curl/curl.h>

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "alloc.h"
#include "buf.h"
#include "config.h"
#include "crypto.h"
#include "fixture.h"
#include "harness.h"
#include "http.h"
#include "oauth.h"
#include "profile.h"
#include "provider.h"
#include "request.h"

#define FIXTURE_MAX	(1024 * 1024)
#define PATH_MAX_LEN	1024
#define DOTENV_MAX	16
/* RFC 7636 appendix B. */
#define VERIFIER	"dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
#define CHALLENGE	"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
#define REDIRECT_URI	"http://127.0.0.1:8000/auth/provider/mock"
#define STATE		"state-0123456789"
#define NONCE		"nonce-0123456789"
#define TIMEOUT		10
/* The mock's access tokens: 256 random bits in unpadded base64url. */
#define TOKEN_LEN	43

static const char *const rc_names[CA_ERR__MAX] = {
	"CA_OK", "CA_ENOMEM", "CA_EINVAL", "CA_ETOOBIG", "CA_EPARSE",
	"CA_ENOTFOUND", "CA_EEXIST", "CA_EEXPIRED", "CA_EDENIED",
	"CA_ECONFIG", "CA_EDB", "CA_EUPSTREAM", "CA_ETIMEOUT", "CA_EIO",
	"CA_ECRYPTO",
};

/* The fixture files of the tune loop, found once in main(). */
static glob_t	tune_files;
/* The mock provider of the HTTP TCase (an unchecked fixture). */
static struct ca_harness_proc	mock_proc = { -1, 0, "", "" };
static enum ca_err		mock_rc = CA_EIO;
static char			mock_base[64];

static const char *
rc_name(enum ca_err rc)
{

	if ((int)rc < 0 || rc >= CA_ERR__MAX)
		return "?";
	return rc_names[rc];
}

static enum ca_err
rc_parse(const char *s)
{
	size_t	 i;

	for (i = 0; i < CA_ERR__MAX; i++)
		if (strcmp(s, rc_names[i]) == 0)
			return (enum ca_err)i;
	ck_abort_msg("fixture names an unknown rc %s", s);
	return CA_ERR__MAX;
}

/* The path of rel under the repository root; rel as is when absolute. */
static void
fixture_path(char *path, size_t size, const char *rel)
{

	if (rel[0] == '/')
		snprintf(path, size, "%s", rel);
	else
		snprintf(path, size, "%s/%s", ca_harness_root_dir(), rel);
}

/*
 * Reads and parses a JSON file, NULL on any failure (with a line on
 * stderr); usable outside tests.  The caller frees it with cJSON_Delete.
 */
static cJSON *
read_json(const char *rel)
{
	char	 path[PATH_MAX_LEN];

	fixture_path(path, sizeof(path), rel);
	return ca_fixture_json_read(path, FIXTURE_MAX);
}

/* The same inside a test, where a bad fixture fails the test. */
static cJSON *
load(const char *rel)
{
	char	 path[PATH_MAX_LEN];

	fixture_path(path, sizeof(path), rel);
	return ca_fixture_json(path, FIXTURE_MAX);
}

static const cJSON *
member(const cJSON *o, const char *k, const char *where)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	ck_assert_msg(v != NULL, "%s: fixture lacks \"%s\"", where, k);
	return v;
}

static const char *
jstr(const cJSON *o, const char *k, const char *where)
{
	const cJSON	*v = member(o, k, where);

	ck_assert_msg(cJSON_IsString(v), "%s: \"%s\" is not a string",
	    where, k);
	return v->valuestring;
}

/* A string member, or NULL for JSON null. */
static const char *
jstr_or_null(const cJSON *o, const char *k, const char *where)
{
	const cJSON	*v = member(o, k, where);

	if (cJSON_IsNull(v))
		return NULL;
	ck_assert_msg(cJSON_IsString(v), "%s: \"%s\" is not a string",
	    where, k);
	return v->valuestring;
}

static void
check_field(const char *where, const cJSON *exp, const char *field,
    const char *got)
{

	ca_fixture_str_eq(where, field, got, jstr_or_null(exp, field, where));
}

static void
check_bool(const char *where, const cJSON *exp, const char *field, int got)
{
	const cJSON	*v = member(exp, field, where);

	ck_assert_msg(cJSON_IsBool(v), "%s: %s is not a boolean", where,
	    field);
	ck_assert_msg((got != 0) == (cJSON_IsTrue(v) != 0),
	    "%s: %s is %d", where, field, got);
}

/* A configuration built from a fixture case; strings borrowed from it. */
struct tcfg {
	struct ca_config	cfg;
	struct ca_config_kv	kv[DOTENV_MAX];
};

static void
tcfg_init(struct tcfg *t, const cJSON *c, const char *where)
{
	const cJSON	*tune, *it;
	size_t		 i;

	memset(t, 0, sizeof(*t));
	t->cfg.http_timeout = TIMEOUT;
	tune = cJSON_GetObjectItemCaseSensitive(c, "tune");
	if (tune != NULL && !cJSON_IsNull(tune))
		t->cfg.tune = (cJSON *)tune;
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(c,
	    "settings")) {
		for (i = 0; i < CA_SET__MAX; i++)
			if (strcmp(ca_config_name((enum ca_setting)i),
			    it->string) == 0)
				break;
		ck_assert_msg(i < CA_SET__MAX && cJSON_IsString(it),
		    "%s: unknown setting %s", where, it->string);
		t->cfg.values[i] = it->valuestring;
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(c,
	    "dotenv")) {
		ck_assert(t->cfg.ndotenv < DOTENV_MAX && cJSON_IsString(it));
		ck_assert_msg(getenv(it->string) == NULL, "%s: %s is set in "
		    "the environment and would win", where, it->string);
		t->kv[t->cfg.ndotenv].name = it->string;
		t->kv[t->cfg.ndotenv].value = it->valuestring;
		t->cfg.ndotenv++;
	}
	t->cfg.dotenv = t->kv;
}

static void
check_provider(const char *where, const struct ca_provider *p,
    const cJSON *e)
{
	const cJSON	*params;

	check_field(where, e, "name", p->name);
	check_field(where, e, "display_name", p->display_name);
	check_field(where, e, "authorize_url", p->authorize_url);
	check_field(where, e, "token_url", p->token_url);
	check_field(where, e, "userinfo_url", p->userinfo_url);
	check_field(where, e, "emails_url", p->emails_url);
	check_field(where, e, "metadata_url", p->metadata_url);
	check_field(where, e, "issuer", p->issuer);
	check_field(where, e, "scopes", p->scopes);
	check_field(where, e, "identifier", p->identifier);
	check_field(where, e, "client_id", p->client_id);
	check_field(where, e, "client_secret", p->client_secret);
	ca_fixture_str_eq(where, "token_auth",
	    ca_provider_auth_name(p->token_auth), jstr(e, "token_auth", where));
	check_bool(where, e, "pkce", p->pkce);
	check_bool(where, e, "oidc", p->oidc);
	check_bool(where, e, "trust_email", p->trust_email);
	ca_fixture_str_eq(where, "compliance",
	    ca_provider_compliance_name(p->compliance),
	    jstr(e, "compliance", where));
	params = member(e, "params", where);
	if (cJSON_IsNull(params))
		ck_assert_msg(p->params == NULL, "%s: params not null", where);
	else
		ck_assert_msg(p->params != NULL &&
		    cJSON_Compare(p->params, params, 1), "%s: params differ",
		    where);
	check_bool(where, e, "login_route", p->login_route);
}

/*
 * Registry
 */

START_TEST(test_provider_list_tune)
{
	const char		*path = tune_files.gl_pathv[_i];
	struct tcfg		 t;
	struct ca_provider	*arr = NULL;
	const cJSON		*exp, *e;
	char			 err[CA_PROVIDER_ERR_MAX], where[PATH_MAX_LEN];
	cJSON			*c;
	size_t			 n = 99, i;
	enum ca_err		 rc, want;

	snprintf(where, sizeof(where), "%s", strrchr(path, '/') + 1);
	c = load(path);
	tcfg_init(&t, c, where);
	want = rc_parse(jstr(c, "rc", where));
	rc = ca_provider_list(&t.cfg, &arr, &n, err, sizeof(err));
	ck_assert_msg(rc == want, "%s: rc %s, want %s (%s)", where,
	    rc_name(rc), rc_name(want), err);
	if (want != CA_OK)
		ca_fixture_str_eq(where, "error", err, jstr(c, "error", where));
	else
		ca_fixture_str_eq(where, "error", err, "");
	exp = member(c, "providers", where);
	ck_assert_msg((size_t)cJSON_GetArraySize(exp) == n,
	    "%s: %zu providers, want %d", where, n, cJSON_GetArraySize(exp));
	if (n == 0)
		ck_assert_ptr_null(arr);
	i = 0;
	cJSON_ArrayForEach(e, exp)
		check_provider(where, &arr[i++], e);
	ca_provider_list_free(arr, n);
	cJSON_Delete(c);
}
END_TEST

START_TEST(test_provider_list_files)
{

	/* The loop above must have had something to chew on. */
	ck_assert_uint_ge(tune_files.gl_pathc, 49);
}
END_TEST

static enum ca_err
find_in(const char *fixture, const char *name, struct ca_provider **out,
    char *err, size_t errsz)
{
	struct tcfg	 t;
	cJSON		*c;
	enum ca_err	 rc;

	c = load(fixture);
	tcfg_init(&t, c, fixture);
	rc = ca_provider_find(&t.cfg, name, out, err, errsz);
	cJSON_Delete(c);
	return rc;
}

START_TEST(test_provider_find_found)
{
	struct ca_provider	*p = NULL;
	char			 err[CA_PROVIDER_ERR_MAX];

	ck_assert_int_eq(find_in("fixtures/oauth/tune/builtin_both.json",
	    "google", &p, err, sizeof(err)), CA_OK);
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->name, "google");
	ck_assert_str_eq(p->client_secret, "g-secret");
	ck_assert_str_eq(p->display_name, "Google");
	ca_provider_free(p);
}
END_TEST

START_TEST(test_provider_find_unknown)
{
	struct ca_provider	*p = (struct ca_provider *)&p;
	char			 err[CA_PROVIDER_ERR_MAX];

	ck_assert_int_eq(find_in("fixtures/oauth/tune/builtin_both.json",
	    "gitlab", &p, err, sizeof(err)), CA_ENOTFOUND);
	ck_assert_ptr_null(p);
}
END_TEST

START_TEST(test_provider_find_unconfigured)
{
	struct ca_provider	*p = NULL;
	char			 err[CA_PROVIDER_ERR_MAX];

	ck_assert_int_eq(find_in(
	    "fixtures/oauth/tune/builtin_one_configured.json", "github", &p,
	    err, sizeof(err)), CA_ENOTFOUND);
	ck_assert_ptr_null(p);
}
END_TEST

START_TEST(test_provider_find_broken)
{
	struct ca_provider	*p = NULL;
	char			 err[CA_PROVIDER_ERR_MAX];

	/* A broken configuration fails every lookup, not only its own. */
	ck_assert_int_eq(find_in("fixtures/oauth/tune/invalid_no_secret.json",
	    "google", &p, err, sizeof(err)), CA_ECONFIG);
	ck_assert_str_eq(err, "provider acme: config.client_secret: missing "
	    "(set it, or the setting ACME_CLIENT_SECRET)");
	ck_assert_ptr_null(p);
}
END_TEST

START_TEST(test_provider_url_check)
{
	static const char *const good[] = {
		"https://a.example", "http://127.0.0.1:8001/token",
		"https://a.example/x?y=1&z=%20", NULL
	};
	static const char *const bad[] = {
		"", "https://", "http:///path", "ftp://a.example/",
		"HTTPS://A.EXAMPLE", "https://a.example/#frag",
		"https://a.example/ x", "https://u@a.example/",
		"https://a.example/\x01", "https://:80/", "//a.example/", NULL
	};
	size_t	 i;

	for (i = 0; good[i] != NULL; i++)
		ck_assert_msg(ca_provider_url_check(good[i]) == CA_OK,
		    "refused %s", good[i]);
	for (i = 0; bad[i] != NULL; i++)
		ck_assert_msg(ca_provider_url_check(bad[i]) == CA_EINVAL,
		    "accepted %s", bad[i]);
}
END_TEST

/* https anywhere; plain http only to 127.0.0.0/8, localhost, [::1]. */
START_TEST(test_provider_endpoint_check)
{
	static const char *const good[] = {
		"https://a.example", "https://evil.example/token",
		"https://127.0.0.1/", "http://127.0.0.1:9",
		"http://127.0.0.1:8001/token", "http://127.255.255.254/x",
		"http://127.0.0.1?x=1", "http://localhost",
		"http://localhost:8001/t", "http://LocalHost/", "http://[::1]",
		"http://[::1]:8001/userinfo", NULL
	};
	static const char *const insecure[] = {
		"http://evil.example", "http://evil.example/token",
		"http://10.0.0.1/", "http://128.0.0.1/", "http://126.0.0.1/",
		"http://127.0.0.256/", "http://127.0.0.1.evil.example/",
		"http://127.0.0/", "http://127.1/", "http://0177.0.0.1/",
		"http://127.0.0.01/", "http://1270.0.0.1/",
		"http://localhost.evil.example/", "http://evil-localhost/",
		"http://[::2]/", "http://[::1].evil.example/",
		"http://[::ffff:127.0.0.1]/", "http://127.0.0.1:x/",
		"http://127.0.0.1:/", "http://127.0.0.1:123456/",
		"http://localhost:80:80/", NULL
	};
	static const char *const invalid[] = {
		"", "javascript:alert(1)", "http://", "http://u@127.0.0.1/",
		"ftp://127.0.0.1/", NULL
	};
	size_t	 i;

	for (i = 0; good[i] != NULL; i++)
		ck_assert_msg(ca_provider_endpoint_check(good[i]) == CA_OK,
		    "refused %s", good[i]);
	for (i = 0; insecure[i] != NULL; i++)
		ck_assert_msg(ca_provider_endpoint_check(insecure[i]) ==
		    CA_EDENIED, "accepted %s", insecure[i]);
	for (i = 0; invalid[i] != NULL; i++)
		ck_assert_msg(ca_provider_endpoint_check(invalid[i]) ==
		    CA_EINVAL, "accepted %s", invalid[i]);
	ck_assert_int_eq(ca_provider_endpoint_check(NULL), CA_EINVAL);
}
END_TEST

/*
 * Authorization URL
 */

static cJSON	*authorize_cases;

START_TEST(test_oauth_authorize_url_table)
{
	const cJSON		*c, *def, *mx;
	struct ca_provider	*p = NULL;
	struct tcfg		 t;
	struct ca_buf		 b;
	cJSON			*tune, *wrap;
	char			 err[CA_PROVIDER_ERR_MAX];
	const char		*where;
	enum ca_err		 rc, want;

	c = cJSON_GetArrayItem(authorize_cases, _i);
	where = jstr(c, "name", "authorize.json");
	def = member(c, "provider", where);
	tune = cJSON_CreateObject();
	wrap = cJSON_AddObjectToObject(tune, "custom_oauth_providers");
	ck_assert(cJSON_AddItemToObject(wrap, "p", cJSON_Duplicate(def, 1)));
	wrap = cJSON_CreateObject();
	ck_assert(cJSON_AddItemToObject(wrap, "tune", tune));
	tcfg_init(&t, wrap, where);
	ck_assert_msg(ca_provider_find(&t.cfg, "p", &p, err, sizeof(err)) ==
	    CA_OK, "%s: %s", where, err);
	mx = cJSON_GetObjectItemCaseSensitive(c, "max");
	ca_buf_init(&b, cJSON_IsNumber(mx) ? (size_t)mx->valueint :
	    CA_OAUTH_URL_MAX);
	want = rc_parse(jstr(c, "rc", where));
	rc = ca_oauth_authorize_url(p, jstr(c, "redirect_uri", where),
	    jstr(c, "state", where), jstr_or_null(c, "code_challenge", where),
	    jstr_or_null(c, "nonce", where), &b);
	ck_assert_msg(rc == want, "%s: rc %s, want %s", where, rc_name(rc),
	    rc_name(want));
	ca_fixture_str_eq(where, "url", ca_buf_str(&b), jstr(c, "url", where));
	ca_buf_free(&b);
	ca_provider_free(p);
	cJSON_Delete(wrap);
}
END_TEST

START_TEST(test_oauth_authorize_url_appends)
{
	struct ca_provider	 p;
	struct ca_buf		 b;

	/* The URL is appended to what the buffer holds; nothing else. */
	memset(&p, 0, sizeof(p));
	p.authorize_url = "https://idp.example/a";
	p.client_id = "c";
	p.scopes = "";
	ca_buf_init(&b, 256);
	ck_assert_int_eq(ca_buf_puts(&b, "Location: "), CA_OK);
	ck_assert_int_eq(ca_oauth_authorize_url(&p, "https://s.example/cb",
	    "s", NULL, NULL, &b), CA_OK);
	ck_assert_str_eq(ca_buf_str(&b), "Location: https://idp.example/a?"
	    "response_type=code&client_id=c&redirect_uri=https%3A%2F%2F"
	    "s.example%2Fcb&state=s");
	/* Undiscovered providers have no authorize URL yet. */
	p.authorize_url = NULL;
	ca_buf_reset(&b);
	ck_assert_int_eq(ca_oauth_authorize_url(&p, "https://s.example/cb",
	    "s", NULL, NULL, &b), CA_EINVAL);
	ck_assert_str_eq(ca_buf_str(&b), "");
	ca_buf_free(&b);
}
END_TEST

/*
 * Profiles
 */

static cJSON	*profile_cases;

static void
check_profile(const char *where, const struct ca_profile *got,
    const cJSON *e)
{

	check_field(where, e, "provider", got->provider);
	check_field(where, e, "provider_user_id", got->provider_user_id);
	check_field(where, e, "email", got->email);
	check_bool(where, e, "email_verified", got->email_verified);
	check_field(where, e, "name", got->name);
	check_field(where, e, "picture", got->picture);
	ck_assert_msg(got->app_id == NULL, "%s: app_id set", where);
}

START_TEST(test_oauth_profile_table)
{
	const cJSON		*c, *pd, *exp;
	struct ca_provider	 p;
	struct ca_profile	 got;
	const char		*where, *comp;
	enum ca_err		 rc, want;

	c = cJSON_GetArrayItem(profile_cases, _i);
	where = jstr(c, "name", "profiles.json");
	pd = member(c, "provider", where);
	memset(&p, 0, sizeof(p));
	p.name = (char *)jstr(pd, "name", where);
	p.identifier = (char *)jstr(pd, "identifier", where);
	comp = jstr(pd, "compliance", where);
	if (strcmp(comp, "github") == 0)
		p.compliance = CA_PROVIDER_COMPLIANCE_GITHUB;
	else {
		ck_assert_str_eq(comp, "none");
		p.compliance = CA_PROVIDER_COMPLIANCE_NONE;
	}
	want = rc_parse(jstr(c, "rc", where));
	memset(&got, 0xa5, sizeof(got));
	rc = ca_oauth_profile_from_json(&p, member(c, "userinfo", where),
	    cJSON_GetObjectItemCaseSensitive(c, "emails"), &got);
	ck_assert_msg(rc == want, "%s: rc %s, want %s", where, rc_name(rc),
	    rc_name(want));
	exp = member(c, "profile", where);
	if (want == CA_OK)
		check_profile(where, &got, exp);
	else {
		ck_assert(cJSON_IsNull(exp));
		ck_assert_ptr_null(got.provider);
		ck_assert_ptr_null(got.provider_user_id);
	}
	ca_profile_free(&got);
}
END_TEST

/*
 * Provider strings that are not UTF-8: JSON text with \u escapes always
 * decodes to well-formed UTF-8, so these are raw bytes in the userinfo
 * text given to cJSON, which passes them through.  Each is absent.
 */
static const struct utf8_case {
	const char	*name;
	const char	*identifier;
	int		 github;
	const char	*userinfo;
	const char	*emails;	/* NULL: none */
	const char	*id;		/* expected; NULL: absent */
	const char	*email;
	int		 verified;
	const char	*uname;
	const char	*picture;
} utf8_cases[] = {
	{ "name_ff_fe", "sub", 0,
	    "{\"sub\": \"u1\", \"name\": \"\xff\xfe\", "
	    "\"email\": \"a@b.example\", \"email_verified\": true}", NULL,
	    "u1", "a@b.example", 1, NULL, NULL },
	{ "name_overlong_slash", "sub", 0,
	    "{\"sub\": \"u2\", \"name\": \"a\xc0\xaf" "b\"}", NULL,
	    "u2", NULL, 0, NULL, NULL },
	{ "name_surrogate", "sub", 0,
	    "{\"sub\": \"u3\", \"name\": \"\xed\xa0\x80\"}", NULL,
	    "u3", NULL, 0, NULL, NULL },
	{ "name_truncated", "sub", 0,
	    "{\"sub\": \"u4\", \"name\": \"Zo\xc3\"}", NULL,
	    "u4", NULL, 0, NULL, NULL },
	{ "name_utf8_kept", "sub", 0,
	    "{\"sub\": \"u5\", \"name\": \"Zo\xc3\xab \xe2\x82\xac "
	    "\xf0\x9f\x98\x80\"}", NULL,
	    "u5", NULL, 0, "Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80",
	    NULL },
	{ "identifier_ff", "sub", 0,
	    "{\"sub\": \"id\xff\", \"name\": \"N\"}", NULL,
	    NULL, NULL, 0, "N", NULL },
	{ "identifier_overlong", "sub", 0,
	    "{\"sub\": \"\xc0\xaf\", \"name\": \"N\"}", NULL,
	    NULL, NULL, 0, "N", NULL },
	{ "email_ff_fe", "sub", 0,
	    "{\"sub\": \"u6\", \"email\": \"\xff\xfe@b.example\", "
	    "\"email_verified\": true}", NULL,
	    "u6", NULL, 0, NULL, NULL },
	{ "email_overlong", "sub", 0,
	    "{\"sub\": \"u7\", \"email\": \"a\xc0\xaf@b.example\", "
	    "\"email_verified\": true}", NULL,
	    "u7", NULL, 0, NULL, NULL },
	{ "picture_ff", "sub", 0,
	    "{\"sub\": \"u8\", \"picture\": "
	    "\"https://p.example/\xff\xfe.png\"}", NULL,
	    "u8", NULL, 0, NULL, NULL },
	{ "github_login_ff", "id", 1,
	    "{\"id\": 9, \"login\": \"\xff\xfe\", "
	    "\"avatar_url\": \"https://a.example/\xc0\xaf\"}", "[]",
	    "9", NULL, 0, NULL, NULL },
	{ "github_primary_ff", "id", 1,
	    "{\"id\": 10, \"login\": \"l\", "
	    "\"email\": \"l@b.example\"}",
	    "[{\"email\": \"l\xff@b.example\", \"primary\": true, "
	    "\"verified\": true}]",
	    "10", NULL, 0, "l", NULL },
	{ "github_primary_overlong", "id", 1,
	    "{\"id\": 11, \"login\": \"l\"}",
	    "[{\"email\": \"\xc0\xaf@b.example\", \"primary\": true, "
	    "\"verified\": true}]",
	    "11", NULL, 0, "l", NULL },
};

START_TEST(test_oauth_profile_utf8)
{
	const struct utf8_case	*c = &utf8_cases[_i];
	struct ca_provider	 p;
	struct ca_profile	 got;
	cJSON			*ui, *em = NULL;

	memset(&p, 0, sizeof(p));
	p.name = "mock";
	p.identifier = (char *)c->identifier;
	p.compliance = c->github ? CA_PROVIDER_COMPLIANCE_GITHUB :
	    CA_PROVIDER_COMPLIANCE_NONE;
	ui = cJSON_Parse(c->userinfo);
	ck_assert_msg(ui != NULL, "%s: userinfo does not parse", c->name);
	if (c->emails != NULL) {
		em = cJSON_Parse(c->emails);
		ck_assert_msg(em != NULL, "%s: emails do not parse", c->name);
	}
	ck_assert_int_eq(ca_oauth_profile_from_json(&p, ui, em, &got), CA_OK);
	ca_fixture_str_eq(c->name, "provider", got.provider, "mock");
	ca_fixture_str_eq(c->name, "provider_user_id", got.provider_user_id,
	    c->id);
	ca_fixture_str_eq(c->name, "email", got.email, c->email);
	ck_assert_msg(got.email_verified == c->verified,
	    "%s: email_verified %d", c->name, got.email_verified);
	ca_fixture_str_eq(c->name, "name", got.name, c->uname);
	ca_fixture_str_eq(c->name, "picture", got.picture, c->picture);
	ca_profile_free(&got);
	cJSON_Delete(ui);
	cJSON_Delete(em);
}
END_TEST

/*
 * Discovery documents
 */

static cJSON	*discovery_cases;

START_TEST(test_oauth_discovery_table)
{
	const cJSON		*c, *e;
	struct ca_provider	 p;
	char			 detail[CA_OAUTH_DETAIL_MAX];
	const char		*where, *iss;
	enum ca_err		 rc, want;

	c = cJSON_GetArrayItem(discovery_cases, _i);
	where = jstr(c, "name", "discovery.json");
	memset(&p, 0, sizeof(p));
	p.name = ca_strdup("p");
	p.metadata_url = ca_strdup(jstr(c, "metadata_url", where));
	iss = jstr_or_null(c, "issuer", where);
	if (iss != NULL)
		p.issuer = ca_strdup(iss);
	ck_assert(p.name != NULL && p.metadata_url != NULL);
	want = rc_parse(jstr(c, "rc", where));
	memset(detail, 'x', sizeof(detail));
	rc = ca_oauth_discovery_from_json(&p, member(c, "document", where),
	    detail, sizeof(detail));
	ck_assert_msg(rc == want, "%s: rc %s, want %s (%s)", where,
	    rc_name(rc), rc_name(want), detail);
	ca_fixture_str_eq(where, "detail", detail, jstr(c, "detail", where));
	e = member(c, "expect", where);
	check_field(where, e, "authorize_url", p.authorize_url);
	check_field(where, e, "token_url", p.token_url);
	check_field(where, e, "userinfo_url", p.userinfo_url);
	check_field(where, e, "issuer", p.issuer);
	ca_provider_clear(&p);
}
END_TEST

/*
 * ID tokens
 */

static cJSON	*idt_doc;

/* Appends base64url of s to b. */
static void
b64_put(struct ca_buf *b, const void *s, size_t n)
{
	char	 enc[CA_CRYPTO_B64URL_LEN(4096) + 1];

	ck_assert(n <= 4096);
	ck_assert_int_eq(ca_crypto_b64url_encode(s, n, enc, sizeof(enc)),
	    CA_OK);
	ck_assert_int_eq(ca_buf_puts(b, enc), CA_OK);
}

static void
b64_json(struct ca_buf *b, const cJSON *j)
{
	char	*s;

	s = cJSON_PrintUnformatted(j);
	ck_assert_ptr_nonnull(s);
	b64_put(b, s, strlen(s));
	cJSON_free(s);
}

/* The compact JWS of a case into b. */
static void
idt_build(const cJSON *c, const char *where, struct ca_buf *b)
{
	const cJSON	*raw, *key, *cr, *tr;
	unsigned char	 mac[CA_CRYPTO_SHA256_LEN];
	struct ca_buf	 sig;

	raw = cJSON_GetObjectItemCaseSensitive(c, "raw");
	if (raw != NULL) {
		ck_assert(cJSON_IsString(raw));
		ck_assert_int_eq(ca_buf_puts(b, raw->valuestring), CA_OK);
		return;
	}
	b64_json(b, member(c, "header", where));
	ck_assert_int_eq(ca_buf_putc(b, '.'), CA_OK);
	cr = cJSON_GetObjectItemCaseSensitive(c, "claims_raw");
	if (cJSON_IsString(cr))
		b64_put(b, cr->valuestring, strlen(cr->valuestring));
	else
		b64_json(b, member(c, "claims", where));
	key = member(c, "sign_key", where);
	ca_buf_init(&sig, 256);
	if (cJSON_IsString(key)) {
		ca_crypto_hmac_sha256(key->valuestring,
		    strlen(key->valuestring), b->data, b->len, mac);
		b64_put(&sig, mac, sizeof(mac));
	} else
		ck_assert(cJSON_IsNull(key));
	tr = cJSON_GetObjectItemCaseSensitive(c, "truncate_signature");
	if (cJSON_IsNumber(tr) && (size_t)tr->valueint < sig.len) {
		sig.len = (size_t)tr->valueint;
		sig.data[sig.len] = '\0';
	}
	ck_assert_int_eq(ca_buf_putc(b, '.'), CA_OK);
	ck_assert_int_eq(ca_buf_puts(b, ca_buf_str(&sig)), CA_OK);
	ca_buf_free(&sig);
}

START_TEST(test_oauth_id_token_table)
{
	const cJSON		*c, *iss, *tu;
	struct ca_provider	 p;
	struct ca_buf		 tok;
	char			 sub[CA_OAUTH_SUB_MAX];
	char			 detail[CA_OAUTH_DETAIL_MAX];
	const char		*where;
	time_t			 now;
	enum ca_err		 rc, want;

	c = cJSON_GetArrayItem(member(idt_doc, "cases", "id_tokens.json"),
	    _i);
	where = jstr(c, "name", "id_tokens.json");
	memset(&p, 0, sizeof(p));
	p.name = "mock";
	p.client_id = (char *)jstr(idt_doc, "client_id", where);
	p.client_secret = (char *)jstr(idt_doc, "client_secret", where);
	iss = cJSON_GetObjectItemCaseSensitive(c, "issuer");
	p.issuer = (char *)(iss != NULL ? jstr_or_null(c, "issuer", where) :
	    jstr(idt_doc, "issuer", where));
	tu = cJSON_GetObjectItemCaseSensitive(c, "token_url");
	p.token_url = (char *)(tu != NULL ? jstr_or_null(c, "token_url",
	    where) : jstr(idt_doc, "token_url", where));
	now = (time_t)member(idt_doc, "now", where)->valuedouble;
	ca_buf_init(&tok, CA_OAUTH_TOKEN_MAX);
	idt_build(c, where, &tok);
	want = rc_parse(jstr(c, "rc", where));
	memset(sub, 'x', sizeof(sub));
	memset(detail, 'x', sizeof(detail));
	rc = ca_oauth_id_token_check(&p, ca_buf_str(&tok),
	    jstr_or_null(c, "nonce", where), now, sub, sizeof(sub), detail,
	    sizeof(detail));
	ck_assert_msg(rc == want, "%s: rc %s, want %s (%s)", where,
	    rc_name(rc), rc_name(want), detail);
	ca_fixture_str_eq(where, "detail", detail, jstr(c, "detail", where));
	ca_fixture_str_eq(where, "sub", sub, jstr(c, "sub", where));
	ca_buf_free(&tok);
}
END_TEST

START_TEST(test_oauth_id_token_huge)
{
	struct ca_provider	 p;
	char			 detail[CA_OAUTH_DETAIL_MAX];
	char			*big;

	memset(&p, 0, sizeof(p));
	p.client_id = "c";
	p.client_secret = "s";
	big = ca_malloc(CA_OAUTH_TOKEN_MAX + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, 'a', CA_OAUTH_TOKEN_MAX + 1);
	big[CA_OAUTH_TOKEN_MAX + 1] = '\0';
	ck_assert_int_eq(ca_oauth_id_token_check(&p, big, NULL, 0, NULL, 0,
	    detail, sizeof(detail)), CA_EDENIED);
	ck_assert_str_eq(detail, "id_token too large");
	/* A header segment past the part limit is refused, not decoded. */
	memset(big, 'e', CA_OAUTH_TOKEN_MAX - 10);
	memcpy(big + CA_OAUTH_TOKEN_MAX - 10, ".e30.c2ln", 10);
	ck_assert_int_eq(ca_oauth_id_token_check(&p, big, NULL, 0, NULL, 0,
	    detail, sizeof(detail)), CA_EDENIED);
	ck_assert_str_eq(detail, "id_token header malformed");
	ca_free(big);
}
END_TEST

/*
 * HTTP, offline
 */

START_TEST(test_http_do_scheme)
{
	struct ca_http_req	 req;
	struct ca_http_resp	 resp;
	char			 detail[CA_HTTP_DETAIL_MAX];

	memset(&req, 0, sizeof(req));
	req.method = CA_HTTP_GET;
	req.timeout = 2;
	req.url = "file:///etc/passwd";
	ck_assert_int_eq(ca_http_do(&req, &resp, detail, sizeof(detail)),
	    CA_EINVAL);
	ck_assert_str_eq(detail, "GET ?: not an http(s) URL");
	ca_http_resp_free(&resp);
	req.url = "ftp://127.0.0.1/x";
	ck_assert_int_eq(ca_http_do(&req, &resp, detail, sizeof(detail)),
	    CA_EINVAL);
	ca_http_resp_free(&resp);
	/* Basic credentials come in pairs. */
	req.url = "http://127.0.0.1/";
	req.basic_user = "u";
	ck_assert_int_eq(ca_http_do(&req, &resp, detail, sizeof(detail)),
	    CA_EINVAL);
	ca_http_resp_free(&resp);
}
END_TEST

START_TEST(test_http_origin)
{
	char	 o[64];

	ca_http_origin("https://user:pw@idp.example:8443/t?code=x#f", o,
	    sizeof(o));
	ck_assert_str_eq(o, "https://idp.example:8443");
	ca_http_origin("http://127.0.0.1:8001", o, sizeof(o));
	ck_assert_str_eq(o, "http://127.0.0.1:8001");
	ca_http_origin("no scheme", o, sizeof(o));
	ck_assert_str_eq(o, "?");
	ca_http_origin(NULL, o, sizeof(o));
	ck_assert_str_eq(o, "?");
}
END_TEST

/*
 * HTTP against the mock provider
 */

static void
mock_setup(void)
{

	mock_rc = ca_fixture_mock_start(&mock_proc, 1);
	if (mock_rc == CA_OK)
		snprintf(mock_base, sizeof(mock_base), "http://127.0.0.1:%d",
		    mock_proc.port);
}

static void
mock_teardown(void)
{

	ca_harness_stop(&mock_proc);
}

static void
mock_up(void)
{

	ck_assert_msg(mock_rc == CA_OK, "the mock provider did not start: "
	    "%s", rc_name(mock_rc));
}

/* Adds "name": "base + suffix" to obj. */
static void
add_url(cJSON *obj, const char *name, const char *base, const char *suffix)
{
	char	 url[256];

	snprintf(url, sizeof(url), "%s%s", base, suffix);
	ck_assert_ptr_nonnull(cJSON_AddStringToObject(obj, name, url));
}

enum mock_kind {
	MOCK_OIDC,		/* endpoints given, openid scope */
	MOCK_DISCOVERY,		/* server_metadata_url only */
	MOCK_GITHUB,		/* github fix, identifier id, no openid */
	MOCK_NESTED,		/* identifier data.id, no openid */
	MOCK__MAX
};

/*
 * The mock as custom provider "mock" through the real registry; the
 * caller frees it with ca_provider_free().
 */
static struct ca_provider *
mock_provider(enum mock_kind kind, const char *auth, const char *base)
{
	static const char *const idents[MOCK__MAX] = {
		"sub", "sub", "id", "data.id"
	};
	struct ca_provider	*p = NULL;
	struct tcfg		 t;
	cJSON			*wrap, *tune, *defs, *d, *params, *kw, *conf;
	cJSON			*scopes;
	char			 err[CA_PROVIDER_ERR_MAX];

	wrap = cJSON_CreateObject();
	tune = cJSON_AddObjectToObject(wrap, "tune");
	defs = cJSON_AddObjectToObject(tune, "custom_oauth_providers");
	d = cJSON_AddObjectToObject(defs, "mock");
	ck_assert_ptr_nonnull(d);
	cJSON_AddStringToObject(d, "identifier", idents[kind]);
	params = cJSON_AddObjectToObject(d, "params");
	if (kind == MOCK_DISCOVERY)
		add_url(params, "server_metadata_url", base,
		    "/.well-known/openid-configuration");
	else {
		add_url(params, "authorize_url", base, "/authorize");
		add_url(params, "access_token_url", base, "/token");
		add_url(params, "userinfo_endpoint", base, "/userinfo");
		add_url(params, "emails_url", base, "/user/emails");
	}
	if (kind == MOCK_OIDC)
		add_url(params, "issuer", base, "");
	scopes = cJSON_AddArrayToObject(d, "scopes");
	if (kind == MOCK_OIDC || kind == MOCK_DISCOVERY) {
		cJSON_AddItemToArray(scopes, cJSON_CreateString("openid"));
		cJSON_AddItemToArray(scopes, cJSON_CreateString("email"));
	} else
		cJSON_AddItemToArray(scopes, cJSON_CreateString("user:email"));
	kw = cJSON_AddObjectToObject(d, "client_kwargs");
	cJSON_AddStringToObject(kw, "token_endpoint_auth_method", auth);
	conf = cJSON_AddObjectToObject(d, "config");
	cJSON_AddStringToObject(conf, "client_id", "mock-client-id");
	cJSON_AddStringToObject(conf, "client_secret", "mock-client-secret");
	if (kind == MOCK_GITHUB)
		cJSON_AddStringToObject(d, "compliance_fix", "github");
	tcfg_init(&t, wrap, "mock");
	ck_assert_msg(ca_provider_find(&t.cfg, "mock", &p, err, sizeof(err)) ==
	    CA_OK, "mock provider: %s", err);
	cJSON_Delete(wrap);
	return p;
}

/*
 * Runs the authorization step for login and returns the code (the caller
 * frees it with ca_free()): GET /authorize with login_hint, the redirect
 * not followed, the code read from Location.
 */
static char *
mock_code(const struct ca_provider *p, const char *login)
{
	struct ca_http_req	 req;
	struct ca_http_resp	 resp;
	struct ca_buf		 url;
	char			 detail[CA_HTTP_DETAIL_MAX];
	const char		*loc, *q, *c;
	char			*code = NULL;

	ca_buf_init(&url, CA_OAUTH_URL_MAX);
	ck_assert_int_eq(ca_oauth_authorize_url(p, REDIRECT_URI, STATE,
	    p->pkce ? CHALLENGE : NULL, p->oidc ? NONCE : NULL, &url), CA_OK);
	ck_assert_int_eq(ca_buf_printf(&url, "&login_hint=%s", login), CA_OK);
	memset(&req, 0, sizeof(req));
	req.method = CA_HTTP_GET;
	req.url = ca_buf_str(&url);
	req.timeout = TIMEOUT;
	ck_assert_int_eq(ca_http_do(&req, &resp, detail, sizeof(detail)),
	    CA_OK);
	ck_assert_msg(resp.status == 302 || resp.status == 303,
	    "authorize answered %ld", resp.status);
	loc = resp.location;
	ck_assert_ptr_nonnull(loc);
	ck_assert_msg(strncmp(loc, REDIRECT_URI "?", strlen(REDIRECT_URI) + 1)
	    == 0, "redirected to %s", loc);
	q = loc + strlen(REDIRECT_URI);
	ck_assert_msg(strstr(q, "state=" STATE) != NULL, "no state in %s",
	    loc);
	c = strstr(q, "?code=");
	if (c == NULL)
		c = strstr(q, "&code=");
	ck_assert_msg(c != NULL, "no code in %s", loc);
	c += 6;
	ck_assert_int_eq(ca_url_decode(c, strcspn(c, "&"), 1, &code), CA_OK);
	ca_http_resp_free(&resp);
	ca_buf_free(&url);
	return code;
}

/* Authorization and token exchange for login; *tokens is filled. */
static enum ca_err
mock_sign_in(const struct ca_provider *p, const char *login, long timeout,
    struct ca_oauth_tokens *tokens, char *detail, size_t detailsz)
{
	char		 ch[CA_CRYPTO_PKCE_LEN];
	char		*code;
	enum ca_err	 rc;

	ck_assert_int_eq(ca_crypto_pkce_s256(VERIFIER, ch), CA_OK);
	ck_assert_str_eq(ch, CHALLENGE);
	code = mock_code(p, login);
	rc = ca_oauth_exchange(p, code, REDIRECT_URI,
	    p->pkce ? VERIFIER : NULL, timeout, tokens, detail, detailsz);
	ca_free(code);
	return rc;
}

START_TEST(test_oauth_discover_mock)
{
	struct ca_provider	*p;
	char			 detail[CA_OAUTH_DETAIL_MAX], want[128];

	mock_up();
	p = mock_provider(MOCK_DISCOVERY, "client_secret_basic", mock_base);
	ck_assert_ptr_null(p->authorize_url);
	ck_assert_int_eq(ca_oauth_discover(p, TIMEOUT, detail, sizeof(detail)),
	    CA_OK);
	snprintf(want, sizeof(want), "%s/authorize", mock_base);
	ck_assert_str_eq(p->authorize_url, want);
	snprintf(want, sizeof(want), "%s/token", mock_base);
	ck_assert_str_eq(p->token_url, want);
	snprintf(want, sizeof(want), "%s/userinfo", mock_base);
	ck_assert_str_eq(p->userinfo_url, want);
	ck_assert_str_eq(p->issuer, mock_base);
	/* Everything known now: a second call does not go out. */
	ck_assert_int_eq(ca_oauth_discover(p, TIMEOUT, detail, sizeof(detail)),
	    CA_OK);
	ca_provider_free(p);
}
END_TEST

START_TEST(test_oauth_discover_issuer_mismatch)
{
	struct ca_provider	*p;
	char			 detail[CA_OAUTH_DETAIL_MAX], want[256];

	mock_up();
	p = mock_provider(MOCK_DISCOVERY, "client_secret_basic", mock_base);
	p->issuer = ca_strdup("https://accounts.google.com");
	ck_assert_int_eq(ca_oauth_discover(p, TIMEOUT, detail, sizeof(detail)),
	    CA_EUPSTREAM);
	snprintf(want, sizeof(want), "discovery: issuer mismatch at %s",
	    mock_base);
	ck_assert_str_eq(detail, want);
	ck_assert_ptr_null(p->authorize_url);
	ca_provider_free(p);
}
END_TEST

START_TEST(test_oauth_discover_refused)
{
	struct ca_provider	*p;
	char			 detail[CA_OAUTH_DETAIL_MAX], base[64];
	char			 want[128];
	int			 port;

	ck_assert_int_eq(ca_harness_free_port(&port), CA_OK);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	p = mock_provider(MOCK_DISCOVERY, "client_secret_basic", base);
	ck_assert_int_eq(ca_oauth_discover(p, TIMEOUT, detail, sizeof(detail)),
	    CA_EUPSTREAM);
	snprintf(want, sizeof(want), "discovery: GET %s: ", base);
	ck_assert_msg(strncmp(detail, want, strlen(want)) == 0, "detail %s",
	    detail);
	ca_provider_free(p);
}
END_TEST

START_TEST(test_oauth_discover_not_json)
{
	struct ca_provider	*p;
	char			 detail[CA_OAUTH_DETAIL_MAX], want[256];

	mock_up();
	p = mock_provider(MOCK_DISCOVERY, "client_secret_basic", mock_base);
	/* /userinfo without a bearer token answers 401. */
	ca_free(p->metadata_url);
	snprintf(want, sizeof(want), "%s/userinfo", mock_base);
	p->metadata_url = ca_strdup(want);
	ck_assert_int_eq(ca_oauth_discover(p, TIMEOUT, detail, sizeof(detail)),
	    CA_EUPSTREAM);
	snprintf(want, sizeof(want), "discovery: status 401 from %s",
	    mock_base);
	ck_assert_str_eq(detail, want);
	ca_provider_free(p);
}
END_TEST

static void
sign_in_alice(const char *auth)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	struct ca_profile	 prof;
	char			 detail[CA_OAUTH_DETAIL_MAX];
	char			 sub[CA_OAUTH_SUB_MAX];

	mock_up();
	p = mock_provider(MOCK_OIDC, auth, mock_base);
	ck_assert_int_eq(mock_sign_in(p, "alice", TIMEOUT, &tok, detail,
	    sizeof(detail)), CA_OK);
	ck_assert_ptr_nonnull(tok.access_token);
	ck_assert_uint_gt(strlen(tok.access_token), 0);
	ck_assert_ptr_nonnull(tok.token_type);
	ck_assert_int_eq(strcasecmp(tok.token_type, "bearer"), 0);
	ck_assert_ptr_nonnull(tok.id_token);
	ck_assert_int_eq(ca_oauth_id_token_check(p, tok.id_token, NONCE,
	    time(NULL), sub, sizeof(sub), detail, sizeof(detail)), CA_OK);
	ck_assert_str_eq(sub, "alice-001");
	ck_assert_int_eq(ca_oauth_id_token_check(p, tok.id_token,
	    "another-nonce", time(NULL), sub, sizeof(sub), detail,
	    sizeof(detail)), CA_EDENIED);
	ck_assert_str_eq(detail, "id_token nonce mismatch");
	ck_assert_int_eq(ca_oauth_userinfo(p, &tok, "alice-001", TIMEOUT,
	    &prof, detail, sizeof(detail)), CA_OK);
	ck_assert_str_eq(prof.provider, "mock");
	ck_assert_str_eq(prof.provider_user_id, "alice-001");
	ck_assert_str_eq(prof.email, "alice@example.com");
	ck_assert_int_eq(prof.email_verified, 1);
	ck_assert_str_eq(prof.name, "Alice Example");
	ck_assert_str_eq(prof.picture, "https://example.com/alice.png");
	ck_assert_ptr_null(prof.app_id);
	ca_profile_free(&prof);
	/* OIDC Core 5.3.2: another sub in the userinfo is refused. */
	ck_assert_int_eq(ca_oauth_userinfo(p, &tok, "bob-002", TIMEOUT,
	    &prof, detail, sizeof(detail)), CA_EDENIED);
	ck_assert_str_eq(detail, "userinfo sub mismatch");
	ck_assert_ptr_null(prof.provider);
	ca_oauth_tokens_free(&tok);
	ca_provider_free(p);
}

START_TEST(test_oauth_exchange_post)
{

	sign_in_alice("client_secret_post");
}
END_TEST

START_TEST(test_oauth_exchange_basic)
{

	sign_in_alice("client_secret_basic");
}
END_TEST

START_TEST(test_oauth_exchange_discovered)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	char			 detail[CA_OAUTH_DETAIL_MAX];
	char			 sub[CA_OAUTH_SUB_MAX];

	mock_up();
	p = mock_provider(MOCK_DISCOVERY, "client_secret_basic", mock_base);
	ck_assert_int_eq(ca_oauth_discover(p, TIMEOUT, detail, sizeof(detail)),
	    CA_OK);
	ck_assert_int_eq(mock_sign_in(p, "bob", TIMEOUT, &tok, detail,
	    sizeof(detail)), CA_OK);
	/* The discovered issuer is checked in the ID token. */
	ck_assert_int_eq(ca_oauth_id_token_check(p, tok.id_token, NONCE,
	    time(NULL), sub, sizeof(sub), detail, sizeof(detail)), CA_OK);
	ck_assert_str_eq(sub, "bob-002");
	ca_oauth_tokens_free(&tok);
	ca_provider_free(p);
}
END_TEST

START_TEST(test_oauth_userinfo_dave)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	struct ca_profile	 prof;
	char			 detail[CA_OAUTH_DETAIL_MAX];

	mock_up();
	p = mock_provider(MOCK_NESTED, "client_secret_post", mock_base);
	ck_assert_int_eq(p->oidc, 0);
	ck_assert_int_eq(mock_sign_in(p, "dave", TIMEOUT, &tok, detail,
	    sizeof(detail)), CA_OK);
	ck_assert_ptr_null(tok.id_token);
	ck_assert_int_eq(ca_oauth_userinfo(p, &tok, NULL, TIMEOUT, &prof,
	    detail, sizeof(detail)), CA_OK);
	ck_assert_str_eq(prof.provider_user_id, "4004");
	ck_assert_str_eq(prof.name, "Dave Example");
	ck_assert_str_eq(prof.email, "dave@example.com");
	ck_assert_int_eq(prof.email_verified, 0);
	ck_assert_ptr_null(prof.picture);
	ca_profile_free(&prof);
	ca_oauth_tokens_free(&tok);
	ca_provider_free(p);
}
END_TEST

START_TEST(test_oauth_userinfo_carol_emails)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	struct ca_profile	 prof;
	char			 detail[CA_OAUTH_DETAIL_MAX];

	mock_up();
	p = mock_provider(MOCK_GITHUB, "client_secret_post", mock_base);
	ck_assert_int_eq(mock_sign_in(p, "carol", TIMEOUT, &tok, detail,
	    sizeof(detail)), CA_OK);
	ck_assert_int_eq(ca_oauth_userinfo(p, &tok, NULL, TIMEOUT, &prof,
	    detail, sizeof(detail)), CA_OK);
	ck_assert_str_eq(prof.provider_user_id, "3003");
	ck_assert_str_eq(prof.name, "Carol Example");
	ck_assert_str_eq(prof.email, "carol@example.com");
	ck_assert_int_eq(prof.email_verified, 1);
	ca_profile_free(&prof);
	ca_oauth_tokens_free(&tok);
	ca_provider_free(p);
}
END_TEST

/*
 * alice through the github fix: her /user has an e-mail (and an
 * email_verified GitHub never sends), her /user/emails is empty.  The
 * emails list is fetched all the same and has no primary entry, so
 * there is no e-mail, and nothing is vouched for.
 */
START_TEST(test_oauth_userinfo_github_public_email)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	struct ca_profile	 prof;
	char			 detail[CA_OAUTH_DETAIL_MAX];

	mock_up();
	p = mock_provider(MOCK_GITHUB, "client_secret_post", mock_base);
	ck_assert_int_eq(mock_sign_in(p, "alice", TIMEOUT, &tok, detail,
	    sizeof(detail)), CA_OK);
	ck_assert_int_eq(ca_oauth_userinfo(p, &tok, NULL, TIMEOUT, &prof,
	    detail, sizeof(detail)), CA_OK);
	ck_assert_str_eq(prof.name, "Alice Example");
	ck_assert_ptr_null(prof.email);
	ck_assert_int_eq(prof.email_verified, 0);
	ca_profile_free(&prof);
	ca_oauth_tokens_free(&tok);
	ca_provider_free(p);
}
END_TEST

/*
 * carol's token answer is a form (fixture "token_format": "form"); the
 * github compliance fix reads it.  The token must be exactly what the
 * mock issued: the mock only honours the very string at /user/emails.
 */
START_TEST(test_oauth_exchange_form_github)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	struct ca_http_req	 req;
	struct ca_http_resp	 resp;
	char			 detail[CA_OAUTH_DETAIL_MAX], url[128];
	char			 auth[CA_OAUTH_TOKEN_MAX + 32];
	const char		*hdrs[2];

	mock_up();
	p = mock_provider(MOCK_GITHUB, "client_secret_basic", mock_base);
	ck_assert_int_eq(mock_sign_in(p, "carol", TIMEOUT, &tok, detail,
	    sizeof(detail)), CA_OK);
	ck_assert_ptr_nonnull(tok.access_token);
	ck_assert_uint_eq(strlen(tok.access_token), TOKEN_LEN);
	ck_assert_uint_eq(strspn(tok.access_token, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-_"), TOKEN_LEN);
	ck_assert_ptr_nonnull(tok.token_type);
	ck_assert_str_eq(tok.token_type, "bearer");
	ck_assert_ptr_null(tok.id_token);

	snprintf(url, sizeof(url), "%s/user/emails", mock_base);
	snprintf(auth, sizeof(auth), "Authorization: Bearer %s",
	    tok.access_token);
	hdrs[0] = auth;
	hdrs[1] = NULL;
	memset(&req, 0, sizeof(req));
	req.method = CA_HTTP_GET;
	req.url = url;
	req.headers = hdrs;
	req.timeout = TIMEOUT;
	ck_assert_int_eq(ca_http_do(&req, &resp, detail, sizeof(detail)),
	    CA_OK);
	ck_assert_int_eq(resp.status, 200);
	ca_http_resp_free(&resp);
	/* One character short is another token: refused. */
	auth[strlen(auth) - 1] = '\0';
	ck_assert_int_eq(ca_http_do(&req, &resp, detail, sizeof(detail)),
	    CA_OK);
	ck_assert_int_eq(resp.status, 401);
	ca_http_resp_free(&resp);
	ca_oauth_tokens_free(&tok);
	ca_provider_free(p);
}
END_TEST

/* The same form answer, without the github compliance fix: refused. */
START_TEST(test_oauth_exchange_form_not_github)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	char			 detail[CA_OAUTH_DETAIL_MAX], want[256];

	mock_up();
	p = mock_provider(MOCK_NESTED, "client_secret_post", mock_base);
	ck_assert_int_eq(p->compliance == CA_PROVIDER_COMPLIANCE_GITHUB, 0);
	ck_assert_int_eq(mock_sign_in(p, "carol", TIMEOUT, &tok, detail,
	    sizeof(detail)), CA_EUPSTREAM);
	snprintf(want, sizeof(want), "token endpoint %s answered something "
	    "that is not a JSON object", mock_base);
	ck_assert_str_eq(detail, want);
	ck_assert_ptr_null(tok.access_token);
	ck_assert_ptr_null(tok.token_type);
	ca_provider_free(p);
}
END_TEST

START_TEST(test_oauth_userinfo_erin_no_identifier)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	struct ca_profile	 prof;
	char			 detail[CA_OAUTH_DETAIL_MAX];

	mock_up();
	p = mock_provider(MOCK_OIDC, "client_secret_post", mock_base);
	ck_assert_int_eq(mock_sign_in(p, "erin", TIMEOUT, &tok, detail,
	    sizeof(detail)), CA_OK);
	ck_assert_int_eq(ca_oauth_userinfo(p, &tok, NULL, TIMEOUT, &prof,
	    detail, sizeof(detail)), CA_OK);
	ck_assert_ptr_null(prof.provider_user_id);
	ck_assert_str_eq(prof.email, "erin@example.com");
	ca_profile_free(&prof);
	ca_oauth_tokens_free(&tok);
	ca_provider_free(p);
}
END_TEST

START_TEST(test_oauth_exchange_tokenerror)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	char			 detail[CA_OAUTH_DETAIL_MAX], want[256];

	mock_up();
	p = mock_provider(MOCK_OIDC, "client_secret_post", mock_base);
	ck_assert_int_eq(mock_sign_in(p, "tokenerror", TIMEOUT, &tok, detail,
	    sizeof(detail)), CA_EUPSTREAM);
	snprintf(want, sizeof(want), "token endpoint %s answered error "
	    "invalid_grant (status 400)", mock_base);
	ck_assert_str_eq(detail, want);
	ck_assert_ptr_null(tok.access_token);
	ca_provider_free(p);
}
END_TEST

START_TEST(test_oauth_exchange_token500)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	char			 detail[CA_OAUTH_DETAIL_MAX], want[256];

	mock_up();
	p = mock_provider(MOCK_OIDC, "client_secret_basic", mock_base);
	ck_assert_int_eq(mock_sign_in(p, "token500", TIMEOUT, &tok, detail,
	    sizeof(detail)), CA_EUPSTREAM);
	snprintf(want, sizeof(want), "token endpoint %s answered status 500",
	    mock_base);
	ck_assert_str_eq(detail, want);
	ca_provider_free(p);
}
END_TEST

START_TEST(test_oauth_exchange_slow)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	struct timespec		 t0, t1;
	char			 detail[CA_OAUTH_DETAIL_MAX], want[256];
	double			 secs;

	mock_up();
	p = mock_provider(MOCK_OIDC, "client_secret_post", mock_base);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(mock_sign_in(p, "slow", 2, &tok, detail,
	    sizeof(detail)), CA_ETIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(secs >= 1.9 && secs < 10.0, "took %.2f s", secs);
	snprintf(want, sizeof(want), "token: POST %s: ", mock_base);
	ck_assert_msg(strncmp(detail, want, strlen(want)) == 0, "detail %s",
	    detail);
	ck_assert_ptr_null(tok.access_token);
	ca_provider_free(p);
}
END_TEST

START_TEST(test_oauth_exchange_replayed_code)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	char			 detail[CA_OAUTH_DETAIL_MAX];
	char			*code;

	mock_up();
	p = mock_provider(MOCK_OIDC, "client_secret_post", mock_base);
	code = mock_code(p, "alice");
	ck_assert_int_eq(ca_oauth_exchange(p, code, REDIRECT_URI, VERIFIER,
	    TIMEOUT, &tok, detail, sizeof(detail)), CA_OK);
	ca_oauth_tokens_free(&tok);
	ck_assert_int_eq(ca_oauth_exchange(p, code, REDIRECT_URI, VERIFIER,
	    TIMEOUT, &tok, detail, sizeof(detail)), CA_EUPSTREAM);
	ck_assert_ptr_nonnull(strstr(detail, "answered error invalid_grant"));
	ca_free(code);
	ca_provider_free(p);
}
END_TEST

START_TEST(test_oauth_exchange_wrong_verifier)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	char			 detail[CA_OAUTH_DETAIL_MAX];
	char			*code;

	mock_up();
	p = mock_provider(MOCK_OIDC, "client_secret_basic", mock_base);
	code = mock_code(p, "alice");
	ck_assert_int_eq(ca_oauth_exchange(p, code, REDIRECT_URI,
	    "wrongwrongwrongwrongwrongwrongwrongwrongwrong", TIMEOUT, &tok,
	    detail, sizeof(detail)), CA_EUPSTREAM);
	ck_assert_ptr_nonnull(strstr(detail, "answered error invalid_grant"));
	/* A verifier is required exactly when PKCE is on. */
	ck_assert_int_eq(ca_oauth_exchange(p, code, REDIRECT_URI, NULL,
	    TIMEOUT, &tok, detail, sizeof(detail)), CA_EINVAL);
	ca_free(code);
	ca_provider_free(p);
}
END_TEST

START_TEST(test_oauth_exchange_wrong_secret)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	char			 detail[CA_OAUTH_DETAIL_MAX];
	char			*code;

	mock_up();
	p = mock_provider(MOCK_OIDC, "client_secret_basic", mock_base);
	code = mock_code(p, "alice");
	ca_free_secret(p->client_secret, strlen(p->client_secret));
	p->client_secret = ca_strdup("not-the-secret");
	ck_assert_int_eq(ca_oauth_exchange(p, code, REDIRECT_URI, VERIFIER,
	    TIMEOUT, &tok, detail, sizeof(detail)), CA_EUPSTREAM);
	ck_assert_ptr_nonnull(strstr(detail, "answered error invalid_client"));
	/* The secret never reaches the detail. */
	ck_assert_ptr_null(strstr(detail, "not-the-secret"));
	ca_free(code);
	ca_provider_free(p);
}
END_TEST

START_TEST(test_oauth_userinfo_garbage)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	struct ca_profile	 prof;
	char			 detail[CA_OAUTH_DETAIL_MAX], want[256];

	mock_up();
	p = mock_provider(MOCK_OIDC, "client_secret_post", mock_base);
	ck_assert_int_eq(mock_sign_in(p, "garbage", TIMEOUT, &tok, detail,
	    sizeof(detail)), CA_OK);
	ck_assert_int_eq(ca_oauth_userinfo(p, &tok, NULL, TIMEOUT, &prof,
	    detail, sizeof(detail)), CA_EUPSTREAM);
	snprintf(want, sizeof(want), "userinfo at %s answered something that "
	    "is not a JSON object", mock_base);
	ck_assert_str_eq(detail, want);
	ck_assert_ptr_null(prof.provider);
	ca_oauth_tokens_free(&tok);
	ca_provider_free(p);
}
END_TEST

START_TEST(test_oauth_userinfo_500)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	struct ca_profile	 prof;
	char			 detail[CA_OAUTH_DETAIL_MAX], want[256];

	mock_up();
	p = mock_provider(MOCK_OIDC, "client_secret_post", mock_base);
	ck_assert_int_eq(mock_sign_in(p, "userinfo500", TIMEOUT, &tok, detail,
	    sizeof(detail)), CA_OK);
	ck_assert_int_eq(ca_oauth_userinfo(p, &tok, NULL, TIMEOUT, &prof,
	    detail, sizeof(detail)), CA_EUPSTREAM);
	snprintf(want, sizeof(want), "userinfo at %s answered status 500",
	    mock_base);
	ck_assert_str_eq(detail, want);
	ca_oauth_tokens_free(&tok);
	ca_provider_free(p);
}
END_TEST

START_TEST(test_oauth_userinfo_bad_token)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	struct ca_profile	 prof;
	char			 detail[CA_OAUTH_DETAIL_MAX], want[256];

	mock_up();
	p = mock_provider(MOCK_OIDC, "client_secret_post", mock_base);
	memset(&tok, 0, sizeof(tok));
	tok.access_token = "not-a-token-the-mock-issued";
	ck_assert_int_eq(ca_oauth_userinfo(p, &tok, NULL, TIMEOUT, &prof,
	    detail, sizeof(detail)), CA_EUPSTREAM);
	snprintf(want, sizeof(want), "userinfo at %s answered status 401",
	    mock_base);
	ck_assert_str_eq(detail, want);
	ca_provider_free(p);
}
END_TEST

START_TEST(test_oauth_exchange_refused)
{
	struct ca_provider	*p;
	struct ca_oauth_tokens	 tok;
	char			 detail[CA_OAUTH_DETAIL_MAX], base[64];
	char			 want[128];
	int			 port;

	ck_assert_int_eq(ca_harness_free_port(&port), CA_OK);
	snprintf(base, sizeof(base), "http://127.0.0.1:%d", port);
	p = mock_provider(MOCK_OIDC, "client_secret_post", base);
	ck_assert_int_eq(ca_oauth_exchange(p, "some-code", REDIRECT_URI,
	    VERIFIER, TIMEOUT, &tok, detail, sizeof(detail)), CA_EUPSTREAM);
	snprintf(want, sizeof(want), "token: POST %s: ", base);
	ck_assert_msg(strncmp(detail, want, strlen(want)) == 0, "detail %s",
	    detail);
	ca_provider_free(p);
}
END_TEST

START_TEST(test_http_do_status)
{
	struct ca_http_req	 req;
	struct ca_http_resp	 resp;
	char			 detail[CA_HTTP_DETAIL_MAX], url[128];

	mock_up();
	snprintf(url, sizeof(url), "%s/.well-known/openid-configuration",
	    mock_base);
	memset(&req, 0, sizeof(req));
	req.method = CA_HTTP_GET;
	req.url = url;
	req.timeout = TIMEOUT;
	ck_assert_int_eq(ca_http_do(&req, &resp, detail, sizeof(detail)),
	    CA_OK);
	ck_assert_int_eq(resp.status, 200);
	ck_assert_ptr_nonnull(resp.content_type);
	ck_assert_int_eq(strncmp(resp.content_type, "application/json", 16),
	    0);
	ck_assert_ptr_null(resp.location);
	ck_assert_uint_gt(resp.body.len, 0);
	ca_http_resp_free(&resp);
	/* A status is data: 404 is CA_OK with the status. */
	snprintf(url, sizeof(url), "%s/no-such-path", mock_base);
	ck_assert_int_eq(ca_http_do(&req, &resp, detail, sizeof(detail)),
	    CA_OK);
	ck_assert_int_eq(resp.status, 404);
	ca_http_resp_free(&resp);
}
END_TEST

/*
 * GET /big answers 2 MiB: with Content-Length (curl refuses up front)
 * and unframed (the write callback stops at the cap).
 */
START_TEST(test_http_do_too_big)
{
	static const char *const paths[] = { "/big", "/big?unframed" };
	struct ca_http_req	 req;
	struct ca_http_resp	 resp;
	char			 detail[CA_HTTP_DETAIL_MAX], url[128];
	char			 want[128];
	size_t			 i;

	mock_up();
	memset(&req, 0, sizeof(req));
	req.method = CA_HTTP_GET;
	req.url = url;
	req.timeout = TIMEOUT;
	snprintf(want, sizeof(want), "GET %s: response body too large",
	    mock_base);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(url, sizeof(url), "%s%s", mock_base, paths[i]);
		ck_assert_int_eq(ca_http_do(&req, &resp, detail,
		    sizeof(detail)), CA_ETOOBIG);
		ck_assert_str_eq(detail, want);
		ck_assert_uint_le(resp.body.len, CA_HTTP_BODY_MAX);
		ca_http_resp_free(&resp);
	}
}
END_TEST

static Suite *
oauth_suite(void)
{
	Suite	*s;
	TCase	*tc;
	int	 n;

	s = suite_create("oauth");

	tc = tcase_create("provider_list");
	tcase_add_loop_test(tc, test_provider_list_tune, 0,
	    (int)tune_files.gl_pathc);
	tcase_add_test(tc, test_provider_list_files);
	suite_add_tcase(s, tc);

	tc = tcase_create("provider_find");
	tcase_add_test(tc, test_provider_find_found);
	tcase_add_test(tc, test_provider_find_unknown);
	tcase_add_test(tc, test_provider_find_unconfigured);
	tcase_add_test(tc, test_provider_find_broken);
	tcase_add_test(tc, test_provider_url_check);
	tcase_add_test(tc, test_provider_endpoint_check);
	suite_add_tcase(s, tc);

	tc = tcase_create("oauth_authorize_url");
	n = cJSON_GetArraySize(authorize_cases);
	tcase_add_loop_test(tc, test_oauth_authorize_url_table, 0, n);
	tcase_add_test(tc, test_oauth_authorize_url_appends);
	suite_add_tcase(s, tc);

	tc = tcase_create("oauth_profile");
	tcase_add_loop_test(tc, test_oauth_profile_table, 0,
	    cJSON_GetArraySize(profile_cases));
	tcase_add_loop_test(tc, test_oauth_profile_utf8, 0,
	    (int)(sizeof(utf8_cases) / sizeof(utf8_cases[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("oauth_discovery_from_json");
	tcase_add_loop_test(tc, test_oauth_discovery_table, 0,
	    cJSON_GetArraySize(discovery_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("oauth_id_token_check");
	tcase_add_loop_test(tc, test_oauth_id_token_table, 0,
	    cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(idt_doc,
	    "cases")));
	tcase_add_test(tc, test_oauth_id_token_huge);
	suite_add_tcase(s, tc);

	tc = tcase_create("http_offline");
	tcase_add_test(tc, test_http_do_scheme);
	tcase_add_test(tc, test_http_origin);
	suite_add_tcase(s, tc);

	tc = tcase_create("oauth_mock");
	tcase_add_unchecked_fixture(tc, mock_setup, mock_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_http_do_status);
	tcase_add_test(tc, test_http_do_too_big);
	tcase_add_test(tc, test_oauth_discover_mock);
	tcase_add_test(tc, test_oauth_discover_issuer_mismatch);
	tcase_add_test(tc, test_oauth_discover_refused);
	tcase_add_test(tc, test_oauth_discover_not_json);
	tcase_add_test(tc, test_oauth_exchange_post);
	tcase_add_test(tc, test_oauth_exchange_basic);
	tcase_add_test(tc, test_oauth_exchange_discovered);
	tcase_add_test(tc, test_oauth_userinfo_dave);
	tcase_add_test(tc, test_oauth_userinfo_carol_emails);
	tcase_add_test(tc, test_oauth_userinfo_github_public_email);
	tcase_add_test(tc, test_oauth_exchange_form_github);
	tcase_add_test(tc, test_oauth_exchange_form_not_github);
	tcase_add_test(tc, test_oauth_userinfo_erin_no_identifier);
	tcase_add_test(tc, test_oauth_exchange_tokenerror);
	tcase_add_test(tc, test_oauth_exchange_token500);
	tcase_add_test(tc, test_oauth_exchange_slow);
	tcase_add_test(tc, test_oauth_exchange_replayed_code);
	tcase_add_test(tc, test_oauth_exchange_wrong_verifier);
	tcase_add_test(tc, test_oauth_exchange_wrong_secret);
	tcase_add_test(tc, test_oauth_userinfo_garbage);
	tcase_add_test(tc, test_oauth_userinfo_500);
	tcase_add_test(tc, test_oauth_userinfo_bad_token);
	tcase_add_test(tc, test_oauth_exchange_refused);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	char	 pattern[PATH_MAX_LEN];
	cJSON	*adoc, *pdoc, *ddoc;
	int	 status;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "test_oauth: curl_global_init failed\n");
		return 1;
	}
	snprintf(pattern, sizeof(pattern), "%s/fixtures/oauth/tune/*.json",
	    ca_harness_root_dir());
	if (glob(pattern, 0, NULL, &tune_files) != 0) {
		fprintf(stderr, "test_oauth: no fixtures match %s\n", pattern);
		return 1;
	}
	adoc = read_json("fixtures/oauth/authorize.json");
	pdoc = read_json("fixtures/oauth/profiles.json");
	idt_doc = read_json("fixtures/oauth/id_tokens.json");
	ddoc = read_json("fixtures/oauth/discovery.json");
	if (adoc == NULL || pdoc == NULL || idt_doc == NULL || ddoc == NULL)
		return 1;
	/* The loops index the "cases" arrays directly. */
	authorize_cases = cJSON_GetObjectItemCaseSensitive(adoc, "cases");
	profile_cases = cJSON_GetObjectItemCaseSensitive(pdoc, "cases");
	discovery_cases = cJSON_GetObjectItemCaseSensitive(ddoc, "cases");

	status = ca_fixture_run(oauth_suite());
	globfree(&tune_files);
	cJSON_Delete(adoc);
	cJSON_Delete(pdoc);
	cJSON_Delete(idt_doc);
	cJSON_Delete(ddoc);
	curl_global_cleanup();
	return status;
}
