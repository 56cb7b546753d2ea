/*
 * e2e.h: the whole site for an end-to-end suite, and a small browser.
 *
 * ca_e2e_start() runs devdb, the mock provider and lighttpd (the
 * top-level lighttpd.conf over $CGIAUTH_BUILD/cgi-bin) on free ports with
 * a temporary env file and fixtures/e2e/tune.json; ca_e2e_stop() stops
 * them and removes the file.  Conformance mode: when CGIAUTH_BASE_URL is
 * set nothing is started and the suites drive that site instead, with
 * the provider at CGIAUTH_MOCK_URL (required) and the database at
 * CGIAUTH_MONGODB_URI (optional; it is emptied between tests, so give the
 * suites a database of their own).  A test that needs the database when
 * there is none fails and says so.
 *
 * The browser is one CURL easy handle with an in-memory cookie jar that
 * never follows redirects, so every hop of a sign-in is seen and checked.
 * Functions that take a struct ca_e2e_browser or assert on a response use
 * Check's ck_assert: call them from inside a test only.
 */
#ifndef CA_E2E_H
#define CA_E2E_H

#include <stddef.h>

#include <check.h>
#include <cJSON.h>
#include <curl/curl.h>

#include "buf.h"
#include "err.h"
#include "harness.h"

/* A URL we build or keep (base URLs, authorize and callback URLs). */
#define CA_E2E_URL_MAX		4096
/* A path in the file system (the temp dir, the env file). */
#define CA_E2E_PATH_MAX		1024
/* A response body we keep at most (pages are a few KiB). */
#define CA_E2E_BODY_MAX		(1024 * 1024)
/* All response headers of one response at most. */
#define CA_E2E_HEAD_MAX		(64 * 1024)
/* Set-Cookie headers of one response at most. */
#define CA_E2E_COOKIES_MAX	16
/* A cookie value or query parameter we read back. */
#define CA_E2E_VALUE_MAX	2048
/* Seconds one request may take: above the product's 10 s timeout. */
#define CA_E2E_REQUEST_TIMEOUT	30
/* The session key is 32 random bytes in hex. */
#define CA_E2E_KEY_HEX		65
/* How much of a page a failure message shows. */
#define CA_E2E_SUMMARY_MAX	400
/* The database the suites use on the devdb they start. */
#define CA_E2E_DBNAME		"e2e"

struct ca_e2e_site {
	struct ca_harness_proc	 devdb;	/* pid -1 when not ours */
	struct ca_harness_proc	 mock;
	struct ca_harness_proc	 web;
	int			 local;	/* 1: we started the servers */
	char			 base_url[CA_E2E_URL_MAX]; /* no slash */
	char			 mock_url[CA_E2E_URL_MAX]; /* no slash */
	char			 mongo_uri[CA_E2E_URL_MAX]; /* "" if none */
	char			 tmpdir[CA_E2E_PATH_MAX]; /* "" if none */
	char			 envfile[CA_E2E_PATH_MAX];
	char			 session_key[CA_E2E_KEY_HEX]; /* "" unknown */
};

/* One HTTP response, as received; freed with ca_e2e_resp_free(). */
struct ca_e2e_resp {
	long		 status;	/* 0 when no response came */
	char		*location;	/* the Location header, or NULL */
	char		*cookies[CA_E2E_COOKIES_MAX]; /* Set-Cookie values */
	size_t		 ncookies;
	struct ca_buf	 head;		/* every header line, CRLF kept */
	struct ca_buf	 body;
	double		 seconds;	/* wall time of the request */
	char		 summary[CA_E2E_SUMMARY_MAX + 1]; /* ca_e2e_summary */
};

struct ca_e2e_browser {
	CURL				*curl;
	const struct ca_e2e_site	*site;
	struct ca_e2e_resp		*cur;	/* being filled */
};

/*
 * What one run of the authorization redirects gave: the authorize URL
 * the site sent (login_hint not yet added), the URL the mock sent the
 * browser back to, and the state and code in it ("" when absent).
 */
struct ca_e2e_flow {
	char	 authorize[CA_E2E_URL_MAX];
	char	 callback[CA_E2E_URL_MAX];
	char	 state[CA_E2E_VALUE_MAX];
	char	 code[CA_E2E_VALUE_MAX];
};

/*
 * Starts the site (or, in conformance mode, only checks the settings).
 * On error everything started is stopped again and a message is on
 * stderr.  Call from an unchecked fixture; stop with ca_e2e_stop().
 */
enum ca_err	ca_e2e_start(struct ca_e2e_site *) CA_WUR;
/* Stops what ca_e2e_start() started and removes the temp dir. */
void		ca_e2e_stop(struct ca_e2e_site *);
/* Copies the three servers' logs to stderr (for a failing run). */
void		ca_e2e_dump_logs(const struct ca_e2e_site *);

/*
 * The size of lighttpd's log now (where the CGI programs' stderr goes),
 * and a check that nothing written since then is a sanitizer report
 * (AddressSanitizer, LeakSanitizer, UBSan "runtime error:"): a CGI
 * program's report reaches no HTTP status, so the suites look for it.
 * Without a log of ours (conformance mode) there is nothing to check.
 */
long		ca_e2e_log_mark(const struct ca_e2e_site *);
void		ca_e2e_log_check(const struct ca_e2e_site *, long mark);

/* A new browser with an empty jar; ck_assert on failure. */
void		ca_e2e_browser_init(struct ca_e2e_browser *,
		    const struct ca_e2e_site *);
void		ca_e2e_browser_free(struct ca_e2e_browser *);

/*
 * GET or POST (body: application/x-www-form-urlencoded, already encoded)
 * a path on the site ("/auth/me") or an absolute URL.  resp is
 * initialised here; free it with ca_e2e_resp_free().  A transport error
 * fails the test; any HTTP status is returned for the test to assert.
 */
void		ca_e2e_get(struct ca_e2e_browser *, const char *url,
		    struct ca_e2e_resp *);
void		ca_e2e_post_form(struct ca_e2e_browser *, const char *url,
		    const char *body, struct ca_e2e_resp *);
void		ca_e2e_resp_free(struct ca_e2e_resp *);
/* The value of the first header of that name (any case), or NULL. */
const char	*ca_e2e_resp_header(const struct ca_e2e_resp *,
		    const char *name, char *buf, size_t size);
/* The Set-Cookie value for cookie name ("name=value; ..."), or NULL. */
const char	*ca_e2e_resp_cookie(const struct ca_e2e_resp *,
		    const char *name);
/*
 * For messages: the body from its first <h1> (or its start), at most
 * CA_E2E_SUMMARY_MAX bytes, in a buffer of the response's; never NULL.
 */
const char	*ca_e2e_summary(struct ca_e2e_resp *);
/* 1 when the body contains s. */
int		ca_e2e_resp_has(const struct ca_e2e_resp *, const char *s);

/*
 * Asserts that the Set-Cookie value of cookie name carries exactly the
 * attributes in want (a "; "-joined list such as "Path=/; HttpOnly"), in
 * any order and with attribute names in any case, and writes its value
 * into value (size bytes; may be NULL).
 */
void		ca_e2e_assert_cookie(const struct ca_e2e_resp *,
		    const char *name, const char *want, char *value,
		    size_t size);

/*
 * The jar: _cookie_get writes the value of the cookie name sent to path
 * (any path when NULL) into value: CA_OK, or CA_ENOTFOUND.  _cookie_set
 * puts name=value for the site's host and path "/" (replacing one of the
 * same name and path); _cookie_clear removes every cookie.
 */
enum ca_err	ca_e2e_cookie_get(struct ca_e2e_browser *, const char *name,
		    const char *path, char *value, size_t size) CA_WUR;
void		ca_e2e_cookie_set(struct ca_e2e_browser *, const char *name,
		    const char *value);
void		ca_e2e_cookie_clear(struct ca_e2e_browser *);

/*
 * The value attribute of the hidden input named csrf_token in the
 * response's form, into out: CA_OK or CA_ENOTFOUND.
 */
enum ca_err	ca_e2e_csrf_token(const struct ca_e2e_resp *, char *out,
		    size_t size) CA_WUR;
/*
 * The decoded value of query parameter name in url into out: CA_OK,
 * CA_ENOTFOUND, or CA_ETOOBIG.
 */
enum ca_err	ca_e2e_query_param(const char *url, const char *name,
		    char *out, size_t size) CA_WUR;
/* A query-string encoding of s into out (ck_assert when too long). */
void		ca_e2e_escape(const char *s, char *out, size_t size);

/*
 * The authorization redirects of a sign-in, without the callback: GET
 * /auth/login/provider/<provider>[?next=<next, encoded here>], assert the
 * 302 to the mock's /authorize with response_type=code, client_id,
 * redirect_uri (SITE_URL/auth/provider/<provider>), scope, state,
 * code_challenge with method S256, and a nonce exactly for the openid
 * providers; GET it with login_hint=<login>; assert the mock's 302 back
 * to that redirect_uri carrying the same state.  flow gets the URLs.
 */
void		ca_e2e_authorize(struct ca_e2e_browser *, const char *provider,
		    const char *login, const char *next, struct ca_e2e_flow *);
/*
 * The whole sign-in: ca_e2e_authorize(), then GET the callback; resp
 * gets that final response for the test to assert on.  flow may be NULL.
 */
void		ca_e2e_signin(struct ca_e2e_browser *, const char *provider,
		    const char *login, const char *next, struct ca_e2e_flow *,
		    struct ca_e2e_resp *);

/*
 * A session cookie value of the right form that no session has: a
 * random id with its MAC under the site's SESSION_KEY when the key is
 * known (we started the site), else with a random MAC.
 */
void		ca_e2e_forged_session(const struct ca_e2e_site *, char *out,
		    size_t size);

/*
 * The database.  _require fails the test, naming the reason, when the
 * suite has none (conformance mode without CGIAUTH_MONGODB_URI).  _reset
 * empties users, oauth_accounts, cgiauth_sessions and
 * cgiauth_oauth_states (a no-op without a database).  _count counts the
 * documents of coll matching filter (JSON, "{}" for all).  _find returns
 * the matching documents as a cJSON array in relaxed extended JSON
 * (ObjectIds as {"$oid": hex}), sorted by _id; the caller frees it with
 * cJSON_Delete().  All ck_assert on failure.
 */
void		ca_e2e_db_require(const struct ca_e2e_site *);
void		ca_e2e_db_reset(const struct ca_e2e_site *);
long		ca_e2e_db_count(const struct ca_e2e_site *, const char *coll,
		    const char *filter);
cJSON		*ca_e2e_db_find(const struct ca_e2e_site *, const char *coll,
		    const char *filter);
/* Applies update (JSON) to every match of filter; the number changed. */
long		ca_e2e_db_update(const struct ca_e2e_site *, const char *coll,
		    const char *filter, const char *update);
/* The hex _id of the only user with that e-mail (ck_assert otherwise). */
void		ca_e2e_db_user_id(const struct ca_e2e_site *,
		    const char *email, char *out, size_t size);

/*
 * Runs one sign-in case (fixtures/e2e/signin/, fixtures/e2e/linking/):
 *	"signins": [{"provider", "login", "next" (optional), "status" (the
 *	exact number), "location"
 *	(exact; required for a 3xx), "body" (strings the page contains),
 *	"seconds_max" (optional upper bound), "user" (optional, with 303:
 *	the e-mail of the user /auth/me then names)}, ...]: each in a
 *	fresh browser; a 303 must set a session cookie, anything else must
 *	not;
 *	"users": [{"email", and any of "name", "picture"}] exactly (by
 *	e-mail, compared byte for byte; null means stored as null);
 *	"oauth_accounts": [{"provider", "provider_user_id", any of "email",
 *	"name", "picture", and "user": the e-mail of the owning user, whose
 *	user_id and DBRef list must both name the account}] exactly;
 *	an e-mail naming a user ("users" email, the two "user" keys) may be
 *	null: the one user whose email is null (two such users fail);
 *	"sessions", "oauth_states": document counts afterwards.
 * The database parts are checked only when present, and need the
 * database.  label names the case in messages.
 */
void		ca_e2e_run_case(const struct ca_e2e_site *, const cJSON *,
		    const char *label);

/* Reads a whole JSON file under the source root; ck_assert on failure. */
cJSON		*ca_e2e_fixture(const char *relpath);

/*
 * Check fixtures shared by the end-to-end suites.  _bind names the
 * suite's site; _suite_start (unchecked: once per suite) starts it,
 * failing the suite if it does not come up, and _suite_stop stops it
 * (printing the servers' logs first when CGIAUTH_TEST_DUMP is set).
 * _test_setup (checked: in each test's process) empties the database and
 * marks lighttpd's log; _test_teardown fails the test if a sanitizer
 * report appeared in that log since.
 */
void		ca_e2e_suite_bind(struct ca_e2e_site *);
void		ca_e2e_suite_start(void);
void		ca_e2e_suite_stop(void);
void		ca_e2e_test_setup(void);
void		ca_e2e_test_teardown(void);
/* A TCase "site" for s with those fixtures and a timeout in seconds. */
TCase		*ca_e2e_suite_tcase(struct ca_e2e_site *, int timeout);

#endif
