/*
 * test_e2e_oauth.c: OAuth sign-in end to end, under lighttpd.
 *
 * Starts devdb, the mock provider and lighttpd once for the suite
 * (spec/e2e.h; or drives $CGIAUTH_BASE_URL in conformance mode), empties
 * the database before each test, and signs in like a browser: alice
 * through the mock to /dashboard and out again, the session cookie's
 * attributes, /auth/me and /auth/check, the login page and the provider
 * short form, every fixture user and every fault of
 * each file of fixtures/e2e/signin/, the state checks (RFC 6749 10.12: missing,
 * unknown, replayed, another provider's), a replayed code (RFC 6749
 * 4.1.2), next (fixtures/e2e/next.json), and session fixation.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "e2e.h"

/* Seconds one test may take: the slow fault waits out a 10 s timeout. */
#define TEST_TIMEOUT	180
/* The session cookie's attributes (issue 2, item 6; http SITE_URL). */
#define SESSION_ATTRS	"Path=/; Max-Age=2592000; HttpOnly; SameSite=Lax"
/* The same, clearing it. */
#define CLEARED_ATTRS	"Path=/; Max-Age=0; HttpOnly; SameSite=Lax"
/* A callback URL we build from a flow's parts. */
#define URL_BUF		(2 * CA_E2E_URL_MAX)
/* base64url of 128 bits, the least the issue allows for a session id. */
#define SESSION_ID_MIN	22

static struct ca_e2e_site	 site;

/* Signs b in as alice through mock with next; asserts the 303. */
static void
signin_alice(struct ca_e2e_browser *b, const char *next, const char *want,
    char *cookie, size_t size)
{
	struct ca_e2e_resp	 r;

	ca_e2e_signin(b, "mock", "alice", next, NULL, &r);
	ck_assert_msg(r.status == 303, "alice: status %ld: %s", r.status,
	    ca_e2e_summary(&r));
	ck_assert_msg(r.location != NULL && strcmp(r.location, want) == 0,
	    "alice: Location %s, want %s", r.location != NULL ? r.location :
	    "(none)", want);
	ca_e2e_assert_cookie(&r, "session", SESSION_ATTRS, cookie, size);
	ca_e2e_resp_free(&r);
}

/* GETs path and asserts the status (and the Location, when want_loc). */
static void
expect(struct ca_e2e_browser *b, const char *path, long status,
    const char *want_loc)
{
	struct ca_e2e_resp	 r;

	ca_e2e_get(b, path, &r);
	ck_assert_msg(r.status == status, "GET %s: status %ld, want %ld: %s",
	    path, r.status, status, ca_e2e_summary(&r));
	if (want_loc != NULL)
		ck_assert_msg(r.location != NULL &&
		    strcmp(r.location, want_loc) == 0,
		    "GET %s: Location %s, want %s", path, r.location != NULL ?
		    r.location : "(none)", want_loc);
	ca_e2e_resp_free(&r);
}

/* Runs fixtures/e2e/signin/<name>.json. */
static void
signin_case(const char *name)
{
	char	 path[256];
	cJSON	*c;

	(void)snprintf(path, sizeof(path), "fixtures/e2e/signin/%s.json",
	    name);
	c = ca_e2e_fixture(path);
	ca_e2e_run_case(&site, c, path);
	cJSON_Delete(c);
}

START_TEST(test_e2e_oauth_signin_cookie)
{
	struct ca_e2e_browser	 b;
	char			 cookie[CA_E2E_VALUE_MAX], uid[32];
	char			 filter[128], id[CA_E2E_VALUE_MAX];
	const char		*dot;
	cJSON			*sessions;
	char			*doc;

	ca_e2e_browser_init(&b, &site);
	signin_alice(&b, "/dashboard", "/dashboard", cookie, sizeof(cookie));
	dot = strchr(cookie, '.');
	ck_assert_msg(dot != NULL && dot - cookie >= SESSION_ID_MIN &&
	    dot[1] != '\0', "session cookie \"%s\" is not <id>.<mac> with "
	    "an id of at least 128 bits", cookie);
	ca_e2e_db_require(&site);
	ca_e2e_db_user_id(&site, "alice@example.com", uid, sizeof(uid));
	(void)snprintf(filter, sizeof(filter),
	    "{\"user_id\": {\"$oid\": \"%s\"}}", uid);
	ck_assert_int_eq(ca_e2e_db_count(&site, "cgiauth_sessions", "{}"), 1);
	ck_assert_int_eq(ca_e2e_db_count(&site, "cgiauth_sessions", filter),
	    1);
	/* The database never holds the cookie's id itself. */
	sessions = ca_e2e_db_find(&site, "cgiauth_sessions", "{}");
	doc = cJSON_PrintUnformatted(sessions);
	ck_assert(doc != NULL);
	(void)snprintf(id, sizeof(id), "%.*s", (int)(dot - cookie), cookie);
	ck_assert_msg(strstr(doc, id) == NULL,
	    "the session document holds the cookie's id: %s", doc);
	cJSON_free(doc);
	cJSON_Delete(sessions);
	ck_assert_int_eq(ca_e2e_db_count(&site, "cgiauth_oauth_states", "{}"),
	    0);
	ca_e2e_browser_free(&b);
}
END_TEST

START_TEST(test_e2e_oauth_dashboard)
{
	struct ca_e2e_browser	 b;
	struct ca_e2e_resp	 r;
	char			 cookie[CA_E2E_VALUE_MAX];

	ca_e2e_browser_init(&b, &site);
	expect(&b, "/dashboard", 302, "/auth/login?next=/dashboard");
	signin_alice(&b, "/dashboard", "/dashboard", cookie, sizeof(cookie));
	ca_e2e_get(&b, "/dashboard", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(ca_e2e_resp_has(&r, "Alice Example"),
	    "the dashboard does not greet Alice Example: %s",
	    ca_e2e_summary(&r));
	ca_e2e_resp_free(&r);
	ca_e2e_browser_free(&b);
}
END_TEST

START_TEST(test_e2e_oauth_me)
{
	struct ca_e2e_browser	 b;
	struct ca_e2e_resp	 r;
	char			 cookie[CA_E2E_VALUE_MAX], uid[32], ct[128];
	cJSON			*got, *want;

	ca_e2e_browser_init(&b, &site);
	expect(&b, "/auth/me", 401, NULL);
	signin_alice(&b, NULL, "/dashboard", cookie, sizeof(cookie));
	ca_e2e_db_require(&site);
	ca_e2e_db_user_id(&site, "alice@example.com", uid, sizeof(uid));
	ca_e2e_get(&b, "/auth/me", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(ca_e2e_resp_header(&r, "Content-Type", ct,
	    sizeof(ct)) != NULL && strncmp(ct, "application/json", 16) == 0,
	    "/auth/me Content-Type: %s", ca_e2e_resp_header(&r,
	    "Content-Type", ct, sizeof(ct)));
	got = cJSON_Parse(ca_e2e_summary(&r));
	ck_assert_msg(got != NULL, "/auth/me is not JSON: %s",
	    ca_e2e_summary(&r));
	want = cJSON_CreateObject();
	ck_assert(want != NULL);
	ck_assert(cJSON_AddStringToObject(want, "id", uid) != NULL);
	ck_assert(cJSON_AddStringToObject(want, "email",
	    "alice@example.com") != NULL);
	ck_assert(cJSON_AddStringToObject(want, "name", "Alice Example") !=
	    NULL);
	ck_assert(cJSON_AddStringToObject(want, "picture",
	    "https://example.com/alice.png") != NULL);
	ck_assert_msg(cJSON_Compare(got, want, 1), "/auth/me: %s",
	    ca_e2e_summary(&r));
	cJSON_Delete(got);
	cJSON_Delete(want);
	ca_e2e_resp_free(&r);
	ca_e2e_browser_free(&b);
}
END_TEST

START_TEST(test_e2e_oauth_check)
{
	struct ca_e2e_browser	 b;
	struct ca_e2e_resp	 r;
	char			 cookie[CA_E2E_VALUE_MAX], uid[32], v[256];

	ca_e2e_browser_init(&b, &site);
	ca_e2e_get(&b, "/auth/check", &r);
	ck_assert_int_eq(r.status, 401);
	ck_assert_ptr_null(ca_e2e_resp_header(&r, "X-Auth-User-Id", v,
	    sizeof(v)));
	ca_e2e_resp_free(&r);
	signin_alice(&b, NULL, "/dashboard", cookie, sizeof(cookie));
	ca_e2e_db_require(&site);
	ca_e2e_db_user_id(&site, "alice@example.com", uid, sizeof(uid));
	ca_e2e_get(&b, "/auth/check", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(ca_e2e_resp_header(&r, "X-Auth-User-Id", v,
	    sizeof(v)) != NULL && strcmp(v, uid) == 0,
	    "X-Auth-User-Id: %s, want %s", ca_e2e_resp_header(&r,
	    "X-Auth-User-Id", v, sizeof(v)), uid);
	ck_assert_msg(ca_e2e_resp_header(&r, "X-Auth-User-Email", v,
	    sizeof(v)) != NULL && strcmp(v, "alice@example.com") == 0,
	    "X-Auth-User-Email: %s", ca_e2e_resp_header(&r,
	    "X-Auth-User-Email", v, sizeof(v)));
	ca_e2e_resp_free(&r);
	ca_e2e_browser_free(&b);
}
END_TEST

START_TEST(test_e2e_oauth_logout)
{
	struct ca_e2e_browser	 b;
	struct ca_e2e_resp	 r;
	char			 cookie[CA_E2E_VALUE_MAX], tok[256];
	char			 cleared[CA_E2E_VALUE_MAX], body[512];

	ca_e2e_browser_init(&b, &site);
	signin_alice(&b, "/dashboard", "/dashboard", cookie, sizeof(cookie));

	ca_e2e_get(&b, "/auth/logout", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(ca_e2e_resp_has(&r, "action=\"/auth/logout\""),
	    "no form posting to /auth/logout: %s", ca_e2e_summary(&r));
	ck_assert_msg(ca_e2e_csrf_token(&r, tok, sizeof(tok)) == CA_OK &&
	    tok[0] != '\0', "the logout form has no csrf_token: %s",
	    ca_e2e_summary(&r));
	ca_e2e_resp_free(&r);

	/* Without the token, and with a wrong one: refused, still in. */
	ca_e2e_post_form(&b, "/auth/logout", "", &r);
	ck_assert_int_eq(r.status, 403);
	ck_assert_ptr_null(ca_e2e_resp_cookie(&r, "session"));
	ca_e2e_resp_free(&r);
	ca_e2e_post_form(&b, "/auth/logout",
	    "csrf_token=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &r);
	ck_assert_int_eq(r.status, 403);
	ca_e2e_resp_free(&r);
	expect(&b, "/auth/me", 200, NULL);
	expect(&b, "/dashboard", 200, NULL);

	(void)snprintf(body, sizeof(body), "csrf_token=%s", tok);
	ca_e2e_post_form(&b, "/auth/logout", body, &r);
	ck_assert_int_eq(r.status, 303);
	ck_assert_msg(r.location != NULL && strcmp(r.location, "/") == 0,
	    "logout: Location %s, want /", r.location != NULL ? r.location :
	    "(none)");
	ca_e2e_assert_cookie(&r, "session", CLEARED_ATTRS, cleared,
	    sizeof(cleared));
	ck_assert_str_eq(cleared, "");
	ca_e2e_resp_free(&r);
	if (site.mongo_uri[0] != '\0')
		ck_assert_int_eq(ca_e2e_db_count(&site, "cgiauth_sessions",
		    "{}"), 0);
	expect(&b, "/dashboard", 302, "/auth/login?next=/dashboard");
	expect(&b, "/auth/me", 401, NULL);

	/* The old cookie, replayed: the session is gone for good. */
	ca_e2e_cookie_set(&b, "session", cookie);
	expect(&b, "/auth/me", 401, NULL);
	expect(&b, "/dashboard", 302, "/auth/login?next=/dashboard");
	ca_e2e_db_require(&site);
	ck_assert_int_eq(ca_e2e_db_count(&site, "cgiauth_sessions", "{}"), 0);
	ca_e2e_browser_free(&b);
}
END_TEST

START_TEST(test_e2e_oauth_login_page)
{
	struct ca_e2e_browser	 b;
	struct ca_e2e_resp	 r;

	ca_e2e_browser_init(&b, &site);
	ca_e2e_get(&b, "/auth/login", &r);
	ck_assert_int_eq(r.status, 200);
	ck_assert_msg(ca_e2e_resp_has(&r, "Continue with Mock<"),
	    "no \"Continue with Mock\": %s", ca_e2e_summary(&r));
	ck_assert_msg(ca_e2e_resp_has(&r, "href=\"/auth/login/provider/mock"),
	    "no link to /auth/login/provider/mock: %s", ca_e2e_summary(&r));
	ck_assert_msg(!ca_e2e_resp_has(&r, "Hidden") &&
	    !ca_e2e_resp_has(&r, "/auth/login/provider/hidden"),
	    "the login page shows the login_routes=false provider: %s",
	    ca_e2e_summary(&r));
	ca_e2e_resp_free(&r);
	ca_e2e_browser_free(&b);
}
END_TEST

START_TEST(test_e2e_oauth_provider_routes)
{
	struct ca_e2e_browser	 b;

	ca_e2e_browser_init(&b, &site);
	expect(&b, "/auth/mock", 302, "/auth/login/provider/mock");
	expect(&b, "/auth/hidden", 404, NULL);
	expect(&b, "/auth/nope", 404, NULL);
	expect(&b, "/auth/login/provider/nope", 404, NULL);
	expect(&b, "/auth/provider/nope?code=x&state=y", 404, NULL);
	ca_e2e_browser_free(&b);
}
END_TEST

START_TEST(test_e2e_oauth_user_bob)
{

	signin_case("bob");
}
END_TEST

START_TEST(test_e2e_oauth_user_alice_basic)
{

	signin_case("alice-basic");
}
END_TEST

START_TEST(test_e2e_oauth_user_carol)
{

	signin_case("carol");
}
END_TEST

START_TEST(test_e2e_oauth_user_dave)
{

	signin_case("dave");
}
END_TEST

START_TEST(test_e2e_oauth_user_erin)
{

	signin_case("erin");
}
END_TEST

START_TEST(test_e2e_oauth_user_erin_oidc)
{

	signin_case("erin-oidc");
}
END_TEST

START_TEST(test_e2e_oauth_fault_denied)
{

	signin_case("denied");
}
END_TEST

START_TEST(test_e2e_oauth_fault_tokenerror)
{

	signin_case("tokenerror");
}
END_TEST

START_TEST(test_e2e_oauth_fault_token500)
{

	signin_case("token500");
}
END_TEST

START_TEST(test_e2e_oauth_fault_slow)
{

	signin_case("slow");
}
END_TEST

START_TEST(test_e2e_oauth_fault_garbage)
{

	signin_case("garbage");
}
END_TEST

START_TEST(test_e2e_oauth_fault_userinfo500)
{

	signin_case("userinfo500");
}
END_TEST

/*
 * GETs url (a callback that must fail) and asserts the status (400 for
 * the state's fault, 502 for the provider's) with the link back to the
 * login page and no session cookie.
 */
static void
expect_refused(struct ca_e2e_browser *b, const char *url, long status)
{
	struct ca_e2e_resp	 r;
	const char		*ck;

	ca_e2e_get(b, url, &r);
	ck_assert_msg(r.status == status, "GET %s: status %ld, want %ld: %s",
	    url, r.status, status, ca_e2e_summary(&r));
	ck_assert_msg(ca_e2e_resp_has(&r, "href=\"/auth/login\""),
	    "GET %s: no link back to /auth/login: %s", url,
	    ca_e2e_summary(&r));
	ck = ca_e2e_resp_cookie(&r, "session");
	ck_assert_msg(ck == NULL, "GET %s: a session cookie: %s", url, ck);
	ca_e2e_resp_free(&r);
}

/* Asserts the database holds users and sessions documents. */
static void
expect_docs(long users, long sessions)
{

	ca_e2e_db_require(&site);
	ck_assert_int_eq(ca_e2e_db_count(&site, "users", "{}"), users);
	ck_assert_int_eq(ca_e2e_db_count(&site, "oauth_accounts", "{}"),
	    users);
	ck_assert_int_eq(ca_e2e_db_count(&site, "cgiauth_sessions", "{}"),
	    sessions);
}

START_TEST(test_e2e_oauth_state_missing)
{
	struct ca_e2e_browser	 b;
	struct ca_e2e_flow	 f;
	char			 url[URL_BUF];

	ca_e2e_browser_init(&b, &site);
	ca_e2e_authorize(&b, "mock", "alice", NULL, &f);
	(void)snprintf(url, sizeof(url), "/auth/provider/mock?code=%s",
	    f.code);
	expect_refused(&b, url, 400);
	expect_docs(0, 0);
	ca_e2e_browser_free(&b);
}
END_TEST

START_TEST(test_e2e_oauth_state_unknown)
{
	struct ca_e2e_browser	 b;
	struct ca_e2e_flow	 f;
	char			 url[URL_BUF], forged[CA_E2E_VALUE_MAX];
	char			 state[CA_E2E_VALUE_MAX];

	ca_e2e_browser_init(&b, &site);
	ca_e2e_authorize(&b, "mock", "alice", NULL, &f);
	ca_e2e_forged_session(&site, forged, sizeof(forged));
	/* A random token of the state's form: the part before the dot. */
	(void)snprintf(state, sizeof(state), "%.*s",
	    (int)strcspn(forged, "."), forged);
	(void)snprintf(url, sizeof(url),
	    "/auth/provider/mock?code=%s&state=%s", f.code, state);
	expect_refused(&b, url, 400);
	expect_docs(0, 0);
	ca_e2e_browser_free(&b);
}
END_TEST

START_TEST(test_e2e_oauth_state_replayed)
{
	struct ca_e2e_browser	 b;
	struct ca_e2e_flow	 f;
	struct ca_e2e_resp	 r;
	char			 before[CA_E2E_VALUE_MAX];
	char			 after[CA_E2E_VALUE_MAX];

	ca_e2e_browser_init(&b, &site);
	ca_e2e_signin(&b, "mock", "alice", NULL, &f, &r);
	ck_assert_int_eq(r.status, 303);
	ca_e2e_resp_free(&r);
	ck_assert_int_eq(ca_e2e_cookie_get(&b, "session", "/", before,
	    sizeof(before)), CA_OK);
	expect_refused(&b, f.callback, 400);
	ck_assert_int_eq(ca_e2e_cookie_get(&b, "session", "/", after,
	    sizeof(after)), CA_OK);
	ck_assert_str_eq(after, before);
	expect_docs(1, 1);
	ca_e2e_browser_free(&b);
}
END_TEST

START_TEST(test_e2e_oauth_state_other_provider)
{
	struct ca_e2e_browser	 b;
	struct ca_e2e_flow	 f;
	char			 url[URL_BUF];
	const char		*q;

	ca_e2e_browser_init(&b, &site);
	ca_e2e_authorize(&b, "mock", "alice", NULL, &f);
	q = strchr(f.callback, '?');
	ck_assert_ptr_nonnull(q);
	(void)snprintf(url, sizeof(url), "/auth/provider/mockbasic%s", q);
	expect_refused(&b, url, 400);
	expect_docs(0, 0);
	ca_e2e_browser_free(&b);
}
END_TEST

/* A provider without login routes, or an app id, starts nothing. */
START_TEST(test_e2e_oauth_start_refused)
{
	static const char *const paths[] = {
	    "/auth/login/provider/hidden",
	    "/auth/login/provider/mock?app_id=650000000000000000000001",
	    "/auth/login/provider/mock?app_id=Not%20An%20Id",
	};
	struct ca_e2e_browser	 b;
	struct ca_e2e_resp	 r;
	size_t			 i;

	ca_e2e_browser_init(&b, &site);
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		ca_e2e_get(&b, paths[i], &r);
		ck_assert_msg(r.status == 404, "GET %s: status %ld: %s",
		    paths[i], r.status, ca_e2e_summary(&r));
		ck_assert_msg(ca_e2e_resp_cookie(&r, "session_oauth") == NULL,
		    "GET %s set a binding cookie", paths[i]);
		ca_e2e_resp_free(&r);
	}
	ca_e2e_db_require(&site);
	ck_assert_int_eq(ca_e2e_db_count(&site, "cgiauth_oauth_states",
	    "{}"), 0);
	ca_e2e_browser_free(&b);
}
END_TEST

/*
 * The state works only in the browser that started the sign-in (the
 * binding cookie), and a failed callback clears that cookie too.
 */
START_TEST(test_e2e_oauth_state_other_browser)
{
	struct ca_e2e_browser	 a, other;
	struct ca_e2e_flow	 f;
	struct ca_e2e_resp	 r;
	char			 url[URL_BUF];
	const char		*q;

	ca_e2e_browser_init(&a, &site);
	ca_e2e_browser_init(&other, &site);
	ca_e2e_authorize(&a, "mock", "alice", NULL, &f);
	ca_e2e_get(&other, f.callback, &r);
	ck_assert_msg(r.status == 400, "status %ld: %s", r.status,
	    ca_e2e_summary(&r));
	ck_assert(ca_e2e_resp_has(&r, "started in another browser"));
	ca_e2e_resp_free(&r);
	expect_docs(0, 0);

	/* In the right browser, a failing callback clears the binding. */
	ca_e2e_authorize(&a, "mock", "alice", NULL, &f);
	q = strchr(f.callback, '?');
	ck_assert_ptr_nonnull(q);
	(void)snprintf(url, sizeof(url), "/auth/provider/mockbasic%s", q);
	ca_e2e_get(&a, url, &r);
	ck_assert_int_eq(r.status, 400);
	ca_e2e_assert_cookie(&r, "session_oauth", "Path=/auth/provider/; "
	    "Max-Age=0; HttpOnly; SameSite=Lax", NULL, 0);
	ca_e2e_resp_free(&r);
	ca_e2e_browser_free(&a);
	ca_e2e_browser_free(&other);
}
END_TEST

/*
 * A provider that is down: discovery fails at the start with a 502 page;
 * with fixed endpoints the start works and the exchange gives the 502.
 * The provider's own error= answer never needs the provider: a 400.
 */
START_TEST(test_e2e_oauth_provider_down)
{
	struct ca_e2e_browser	 b;
	struct ca_e2e_resp	 r;
	char			 url[URL_BUF], state[CA_E2E_VALUE_MAX];

	ca_e2e_browser_init(&b, &site);
	ca_e2e_get(&b, "/auth/login/provider/downoidc", &r);
	ck_assert_msg(r.status == 502, "status %ld: %s", r.status,
	    ca_e2e_summary(&r));
	ck_assert(ca_e2e_resp_has(&r, "The sign-in provider did not answer"));
	ca_e2e_resp_free(&r);
	/* error= is answered before any call to the provider. */
	ca_e2e_get(&b, "/auth/provider/downoidc?error=access_denied&state=x",
	    &r);
	ck_assert_msg(r.status == 400, "status %ld: %s", r.status,
	    ca_e2e_summary(&r));
	ck_assert(ca_e2e_resp_has(&r, "Sign-in was cancelled"));
	ca_e2e_resp_free(&r);

	ca_e2e_get(&b, "/auth/login/provider/down", &r);
	ck_assert_int_eq(r.status, 302);
	ck_assert_ptr_nonnull(r.location);
	ck_assert(strncmp(r.location, "http://127.0.0.1:9/authorize?", 29) ==
	    0);
	ck_assert_int_eq(ca_e2e_query_param(r.location, "state", state,
	    sizeof(state)), CA_OK);
	ca_e2e_resp_free(&r);
	(void)snprintf(url, sizeof(url),
	    "/auth/provider/down?code=abc&state=%s", state);
	expect_refused(&b, url, 502);
	expect_docs(0, 0);
	ca_e2e_browser_free(&b);
}
END_TEST

/* A state past its ten minutes is refused, and spent. */
START_TEST(test_e2e_oauth_state_expired)
{
	struct ca_e2e_browser	 b;
	struct ca_e2e_flow	 f;
	struct ca_e2e_resp	 r;

	ca_e2e_browser_init(&b, &site);
	ca_e2e_authorize(&b, "mock", "alice", NULL, &f);
	ca_e2e_db_require(&site);
	ck_assert_int_eq(ca_e2e_db_update(&site, "cgiauth_oauth_states", "{}",
	    "{\"$set\": {\"expires\": {\"$date\": "
	    "\"2020-01-01T00:00:00Z\"}}}"), 1);
	ca_e2e_get(&b, f.callback, &r);
	ck_assert_msg(r.status == 400, "status %ld: %s", r.status,
	    ca_e2e_summary(&r));
	/*
	 * devdb drops the document as the TTL index says when the callback
	 * reads it: "not found".  A real MongoDB (conformance mode) may still
	 * hold it, and then the site sees it expired.
	 */
	if (site.local)
		ck_assert_msg(ca_e2e_resp_has(&r, "This sign-in was already "
		    "used, has expired, or was started in another browser."),
		    "%s", ca_e2e_summary(&r));
	else
		ck_assert_msg(ca_e2e_resp_has(&r, "has expired") ||
		    ca_e2e_resp_has(&r, "This sign-in took too long and "
		    "expired."), "%s", ca_e2e_summary(&r));
	ca_e2e_resp_free(&r);
	expect_docs(0, 0);
	ck_assert_int_eq(ca_e2e_db_count(&site, "cgiauth_oauth_states", "{}"),
	    0);
	ca_e2e_browser_free(&b);
}
END_TEST

START_TEST(test_e2e_oauth_code_replayed)
{
	struct ca_e2e_browser	 b;
	struct ca_e2e_flow	 f1, f2;
	struct ca_e2e_resp	 r;
	char			 url[URL_BUF];

	ca_e2e_browser_init(&b, &site);
	ca_e2e_signin(&b, "mock", "alice", NULL, &f1, &r);
	ck_assert_int_eq(r.status, 303);
	ca_e2e_resp_free(&r);
	ck_assert(f1.code[0] != '\0');
	/* A fresh state, but the code the provider already redeemed. */
	ca_e2e_authorize(&b, "mock", "alice", NULL, &f2);
	(void)snprintf(url, sizeof(url),
	    "/auth/provider/mock?code=%s&state=%s", f1.code, f2.state);
	expect_refused(&b, url, 502);
	expect_docs(1, 1);
	ca_e2e_browser_free(&b);
}
END_TEST

START_TEST(test_e2e_oauth_next)
{
	struct ca_e2e_browser	 b;
	const cJSON		*it, *next, *loc;
	cJSON			*fx;
	char			 cookie[CA_E2E_VALUE_MAX];

	fx = ca_e2e_fixture("fixtures/e2e/next.json");
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(fx, "cases")) {
		next = cJSON_GetObjectItemCaseSensitive(it, "next");
		loc = cJSON_GetObjectItemCaseSensitive(it, "location");
		ck_assert(cJSON_IsString(next) && cJSON_IsString(loc));
		ca_e2e_browser_init(&b, &site);
		signin_alice(&b, next->valuestring, loc->valuestring, cookie,
		    sizeof(cookie));
		ca_e2e_browser_free(&b);
	}
	cJSON_Delete(fx);
}
END_TEST

/* Plants session=planted, signs in, and checks planted is worthless. */
static void
fixation(const char *planted)
{
	struct ca_e2e_browser	 b;
	char			 cookie[CA_E2E_VALUE_MAX];

	ca_e2e_browser_init(&b, &site);
	ca_e2e_cookie_set(&b, "session", planted);
	expect(&b, "/auth/me", 401, NULL);
	signin_alice(&b, "/dashboard", "/dashboard", cookie, sizeof(cookie));
	ck_assert_msg(strcmp(cookie, planted) != 0,
	    "sign-in kept the planted session cookie");
	expect(&b, "/auth/me", 200, NULL);
	ca_e2e_cookie_set(&b, "session", planted);
	expect(&b, "/auth/me", 401, NULL);
	expect(&b, "/dashboard", 302, "/auth/login?next=/dashboard");
	ca_e2e_cookie_set(&b, "session", cookie);
	expect(&b, "/auth/me", 200, NULL);
	ca_e2e_browser_free(&b);
}

START_TEST(test_e2e_oauth_fixation_wellformed)
{
	char	 planted[CA_E2E_VALUE_MAX];

	ca_e2e_forged_session(&site, planted, sizeof(planted));
	fixation(planted);
}
END_TEST

START_TEST(test_e2e_oauth_fixation_garbage)
{

	fixation("garbage-not-a-session");
}
END_TEST

START_TEST(test_e2e_oauth_new_session_each_signin)
{
	struct ca_e2e_browser	 b;
	char			 c1[CA_E2E_VALUE_MAX], c2[CA_E2E_VALUE_MAX];

	ca_e2e_browser_init(&b, &site);
	signin_alice(&b, NULL, "/dashboard", c1, sizeof(c1));
	signin_alice(&b, NULL, "/dashboard", c2, sizeof(c2));
	ck_assert_msg(strcmp(c1, c2) != 0, "the second sign-in kept the "
	    "session id");
	/* The product ends the browser's old session on a new sign-in. */
	ca_e2e_cookie_set(&b, "session", c1);
	expect(&b, "/auth/me", 401, NULL);
	ca_e2e_cookie_set(&b, "session", c2);
	expect(&b, "/auth/me", 200, NULL);
	ca_e2e_db_require(&site);
	ck_assert_int_eq(ca_e2e_db_count(&site, "cgiauth_sessions", "{}"), 1);
	ca_e2e_browser_free(&b);
}
END_TEST

static Suite *
e2e_oauth_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("e2e_oauth");
	tc = ca_e2e_suite_tcase(&site, TEST_TIMEOUT);
	tcase_add_test(tc, test_e2e_oauth_signin_cookie);
	tcase_add_test(tc, test_e2e_oauth_dashboard);
	tcase_add_test(tc, test_e2e_oauth_me);
	tcase_add_test(tc, test_e2e_oauth_check);
	tcase_add_test(tc, test_e2e_oauth_logout);
	tcase_add_test(tc, test_e2e_oauth_login_page);
	tcase_add_test(tc, test_e2e_oauth_provider_routes);
	tcase_add_test(tc, test_e2e_oauth_user_bob);
	tcase_add_test(tc, test_e2e_oauth_user_alice_basic);
	tcase_add_test(tc, test_e2e_oauth_user_carol);
	tcase_add_test(tc, test_e2e_oauth_user_dave);
	tcase_add_test(tc, test_e2e_oauth_user_erin);
	tcase_add_test(tc, test_e2e_oauth_user_erin_oidc);
	tcase_add_test(tc, test_e2e_oauth_fault_denied);
	tcase_add_test(tc, test_e2e_oauth_fault_tokenerror);
	tcase_add_test(tc, test_e2e_oauth_fault_token500);
	tcase_add_test(tc, test_e2e_oauth_fault_slow);
	tcase_add_test(tc, test_e2e_oauth_fault_garbage);
	tcase_add_test(tc, test_e2e_oauth_fault_userinfo500);
	tcase_add_test(tc, test_e2e_oauth_state_missing);
	tcase_add_test(tc, test_e2e_oauth_state_unknown);
	tcase_add_test(tc, test_e2e_oauth_state_replayed);
	tcase_add_test(tc, test_e2e_oauth_state_other_provider);
	tcase_add_test(tc, test_e2e_oauth_code_replayed);
	tcase_add_test(tc, test_e2e_oauth_provider_down);
	tcase_add_test(tc, test_e2e_oauth_state_expired);
	tcase_add_test(tc, test_e2e_oauth_start_refused);
	tcase_add_test(tc, test_e2e_oauth_state_other_browser);
	tcase_add_test(tc, test_e2e_oauth_next);
	tcase_add_test(tc, test_e2e_oauth_fixation_wellformed);
	tcase_add_test(tc, test_e2e_oauth_fixation_garbage);
	tcase_add_test(tc, test_e2e_oauth_new_session_each_signin);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(e2e_oauth_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
