/*
 * test_session.c: the Check suite for lib/session.c, lib/csrf.c and
 * lib/reply.c: the signed session cookie, the visitor-bound CSRF token,
 * the exact Set-Cookie and header lines, and the session's life in a
 * real database (devdb, started once for the suite).
 */
#include <check.h>
#include <cJSON.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "config.h"
#include "crypto.h"
#include "csrf.h"
#include "fixture.h"
#include "harness.h"
#include "reply.h"
#include "request.h"
#include "session.h"
#include "store.h"

#define KEY_A	"0123456789abcdef0123456789abcdef-key-a"
#define KEY_B	"0123456789abcdef0123456789abcdef-key-b"
#define USER	"650000000000000000000001"

static char	 dburi[CA_FIXTURE_URI_MAX];

/* A production configuration with the given key and cookie settings. */
static struct ca_config *
config(const char *key, const char *site, const char *samesite)
{
	struct ca_config	*cfg = NULL;
	char			 err[256];

	setenv("CGIAUTH_ENV_FILE", "/nonexistent/.env", 1);
	setenv("CGIAUTH_TUNE_FILE", "/nonexistent/tune.json", 1);
	setenv("ENVIRONMENT", "production", 1);
	setenv("SESSION_KEY", key, 1);
	setenv("SITE_URL", site, 1);
	setenv("SESSION_COOKIE_SAMESITE", samesite, 1);
	unsetenv("SESSION_COOKIE_SECURE");
	if (ca_fixture_devdb()->pid > 0) {
		ck_assert_int_eq(ca_fixture_devdb_uri(dburi, sizeof(dburi),
		    "sessiontest"), 0);
		setenv("MONGODB_URI", dburi, 1);
	}
	ck_assert_msg(ca_config_load(&cfg, err, sizeof(err)) == CA_OK, "%s",
	    err);
	return cfg;
}

/* A session cookie value for id under cfg, as ca_session_begin makes. */
static void
cookie_for(const struct ca_config *cfg, const char *id, char *out,
    size_t outsz)
{
	char	 mac[CA_CRYPTO_TOKEN_LEN];

	ck_assert_int_eq(ca_session_mac(cfg, "session", id, mac), CA_OK);
	snprintf(out, outsz, "%s.%s", id, mac);
}

START_TEST(test_session_parse_valid)
{
	struct ca_config	*cfg = config(KEY_A, "http://a.example", "lax");
	char			 id[CA_CRYPTO_TOKEN_LEN], c[128];
	char			 hash[CA_CRYPTO_SHA256_HEX];
	char			 want[CA_CRYPTO_SHA256_HEX];

	ck_assert_int_eq(ca_crypto_token(id), CA_OK);
	cookie_for(cfg, id, c, sizeof(c));
	ck_assert_uint_eq(strlen(c), CA_SESSION_COOKIE_LEN - 1);
	ck_assert_int_eq(ca_session_parse(cfg, c, hash), CA_OK);
	ca_crypto_sha256_hex(id, want);
	ck_assert_str_eq(hash, want);
	ca_config_free(cfg);
}
END_TEST

START_TEST(test_session_parse_refused)
{
	struct ca_config	*a = config(KEY_A, "http://a.example", "lax");
	struct ca_config	*b = config(KEY_B, "http://a.example", "lax");
	char			 id[CA_CRYPTO_TOKEN_LEN], c[128], t[128];
	char			 hash[CA_CRYPTO_SHA256_HEX];
	size_t			 i;

	ck_assert_int_eq(ca_crypto_token(id), CA_OK);
	cookie_for(a, id, c, sizeof(c));
	/* Signed under another key. */
	ck_assert_int_eq(ca_session_parse(b, c, hash), CA_EDENIED);
	/* Every single changed character is refused. */
	for (i = 0; i < strlen(c); i++) {
		memcpy(t, c, strlen(c) + 1);
		t[i] = t[i] == 'A' ? 'B' : 'A';
		ck_assert_msg(ca_session_parse(a, t, hash) == CA_EDENIED,
		    "changed at %zu accepted", i);
	}
	ck_assert_int_eq(ca_session_parse(a, NULL, hash), CA_EDENIED);
	ck_assert_int_eq(ca_session_parse(a, "", hash), CA_EDENIED);
	ck_assert_int_eq(ca_session_parse(a, id, hash), CA_EDENIED);
	memcpy(t, c, strlen(c) + 1);
	t[strlen(t) - 1] = '\0';
	ck_assert_int_eq(ca_session_parse(a, t, hash), CA_EDENIED);
	memcpy(t, c, strlen(c) + 1);
	t[3] = '+';
	ck_assert_int_eq(ca_session_parse(a, t, hash), CA_EDENIED);
	ca_config_free(a);
	ca_config_free(b);
}
END_TEST

START_TEST(test_reply_cookie_exact)
{
	struct ca_config	*cfg = config(KEY_A, "http://a.example", "lax");
	struct ca_config	*sec = config(KEY_A, "https://a.example",
				    "strict");
	struct ca_reply		 r;

	ca_reply_init(&r);
	ck_assert_int_eq(ca_reply_cookie(&r, cfg, "session", "v1", 2592000,
	    NULL, NULL), CA_OK);
	ck_assert_int_eq(ca_reply_cookie(&r, sec, "session", "v2", 0,
	    "/auth/provider/", NULL), CA_OK);
	ck_assert_int_eq(ca_reply_cookie(&r, sec, "x", "v3", 600, NULL,
	    "Lax"), CA_OK);
	ck_assert_str_eq(ca_buf_str(&r.head),
	    "Set-Cookie: session=v1; Path=/; Max-Age=2592000; HttpOnly; "
	    "SameSite=Lax\r\n"
	    "Set-Cookie: session=v2; Path=/auth/provider/; Max-Age=0; "
	    "HttpOnly; SameSite=Strict; Secure\r\n"
	    "Set-Cookie: x=v3; Path=/; Max-Age=600; HttpOnly; SameSite=Lax; "
	    "Secure\r\n");
	ck_assert_int_eq(ca_reply_cookie(&r, cfg, "s", "a;b", 1, NULL, NULL),
	    CA_EINVAL);
	ck_assert_int_eq(ca_reply_cookie(&r, cfg, "s", "a\r\nX: y", 1, NULL,
	    NULL), CA_EINVAL);
	ck_assert_int_eq(ca_reply_cookie(&r, cfg, "s=", "a", 1, NULL, NULL),
	    CA_EINVAL);
	ca_reply_free(&r);
	ca_config_free(cfg);
	ca_config_free(sec);
}
END_TEST

START_TEST(test_reply_header_refuses_crlf)
{
	struct ca_reply	 r;

	ca_reply_init(&r);
	ck_assert_int_eq(ca_reply_header(&r, "X-A", "1\r\nSet-Cookie: x=1"),
	    CA_EINVAL);
	ck_assert_int_eq(ca_reply_header(&r, "X-A\n", "1"), CA_EINVAL);
	ck_assert_int_eq(ca_reply_header(&r, "X:A", "1"), CA_EINVAL);
	ck_assert_int_eq(ca_reply_redirect(&r, 302, "/a\r\nX: 1"), CA_EINVAL);
	ck_assert_str_eq(ca_buf_str(&r.head), "");
	ca_reply_free(&r);
}
END_TEST

START_TEST(test_reply_write_exact)
{
	struct ca_reply	 r;
	char		*buf = NULL;
	size_t		 len = 0;
	FILE		*f;

	ca_reply_init(&r);
	ck_assert_int_eq(ca_reply_redirect(&r, 303, "/dashboard"), CA_OK);
	f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(ca_reply_write(&r, f, 0), CA_OK);
	fclose(f);
	ck_assert_str_eq(buf, "Status: 303 See Other\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Length: 13\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Referrer-Policy: same-origin\r\n"
	    "Content-Security-Policy: default-src 'none'; "
	    "style-src 'unsafe-inline'; img-src https: data:; "
	    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n"
	    "Location: /dashboard\r\n"
	    "\r\n"
	    "Redirecting.\n");
	free(buf);
	ca_reply_free(&r);
}
END_TEST

/* The environment of a fake CGI request: NAME=value pairs. */
struct fakeenv {
	const char *const	*pairs;
};

static const char *
fake_get(void *arg, const char *name)
{
	const struct fakeenv	*e = arg;
	size_t			 i, n = strlen(name);

	for (i = 0; e->pairs[i] != NULL; i++)
		if (strncmp(e->pairs[i], name, n) == 0 &&
		    e->pairs[i][n] == '=')
			return e->pairs[i] + n + 1;
	return NULL;
}

static const struct ca_field csrf_fields[] = {
	{ CA_CSRF_FIELD, CA_SRC_FORM, 64, ca_valid_token },
};

/* A POST carrying cookie and body. */
static void
post(struct ca_request *req, const char *cookie, const char *body)
{
	char		 cl[48], ck[512];
	const char	*pairs[] = { "REQUEST_METHOD=POST",
	    "CONTENT_TYPE=application/x-www-form-urlencoded", cl, ck, NULL };
	struct fakeenv	 e = { pairs };
	FILE		*f;

	snprintf(cl, sizeof(cl), "CONTENT_LENGTH=%zu", strlen(body));
	snprintf(ck, sizeof(ck), "HTTP_COOKIE=%s", cookie);
	f = fmemopen((void *)body, strlen(body) + 1, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(ca_request_parse(req, csrf_fields, 1, fake_get, &e,
	    f), CA_OK);
	fclose(f);
}

START_TEST(test_csrf_token_and_check)
{
	struct ca_config	*cfg = config(KEY_A, "http://a.example", "lax");
	struct ca_request	 req;
	struct ca_reply		 r;
	char			 tok[CA_CRYPTO_TOKEN_LEN];
	char			 other[CA_CRYPTO_TOKEN_LEN];
	char			 visitor[CA_CRYPTO_TOKEN_LEN];
	char			 cookie[128], body[128];
	const char		*sc, *end;

	/* A first visit: a visitor cookie is set and a token derived. */
	memset(&req, 0, sizeof(req));
	ca_reply_init(&r);
	ck_assert_int_eq(ca_csrf_token(cfg, &req, &r, tok), CA_OK);
	sc = strstr(ca_buf_str(&r.head), "Set-Cookie: session_csrf=");
	ck_assert_ptr_nonnull(sc);
	sc += strlen("Set-Cookie: session_csrf=");
	end = strchr(sc, ';');
	ck_assert_ptr_nonnull(end);
	ck_assert_uint_eq((size_t)(end - sc), CA_CRYPTO_TOKEN_LEN - 1);
	memcpy(visitor, sc, CA_CRYPTO_TOKEN_LEN - 1);
	visitor[CA_CRYPTO_TOKEN_LEN - 1] = '\0';
	ca_reply_free(&r);

	/* The POST with cookie and token passes. */
	snprintf(cookie, sizeof(cookie), "session_csrf=%s", visitor);
	snprintf(body, sizeof(body), "csrf_token=%s", tok);
	post(&req, cookie, body);
	ck_assert_int_eq(ca_csrf_check(cfg, &req), CA_OK);
	/* The same visitor asking again gets the same token, no cookie. */
	ca_reply_init(&r);
	ck_assert_int_eq(ca_csrf_token(cfg, &req, &r, other), CA_OK);
	ck_assert_str_eq(other, tok);
	ck_assert_str_eq(ca_buf_str(&r.head), "");
	ca_reply_free(&r);
	ca_request_free(&req);

	/* Without the cookie, with another visitor's token, or none. */
	post(&req, "", body);
	ck_assert_int_eq(ca_csrf_check(cfg, &req), CA_EDENIED);
	ca_request_free(&req);
	ck_assert_int_eq(ca_crypto_token(other), CA_OK);
	snprintf(cookie, sizeof(cookie), "session_csrf=%s", other);
	post(&req, cookie, body);
	ck_assert_int_eq(ca_csrf_check(cfg, &req), CA_EDENIED);
	ca_request_free(&req);
	snprintf(cookie, sizeof(cookie), "session_csrf=%s", visitor);
	post(&req, cookie, "x=1");
	ck_assert_int_eq(ca_csrf_check(cfg, &req), CA_EDENIED);
	ca_request_free(&req);
	/* The token is not the visitor id itself. */
	snprintf(body, sizeof(body), "csrf_token=%s", visitor);
	post(&req, cookie, body);
	ck_assert_int_eq(ca_csrf_check(cfg, &req), CA_EDENIED);
	ca_request_free(&req);
	ca_config_free(cfg);
}
END_TEST

/* The cookie value a reply's first Set-Cookie line sets, into out. */
static void
set_cookie_value(const struct ca_reply *r, const char *name, char *out,
    size_t outsz)
{
	char		 pfx[64];
	const char	*p, *end;

	snprintf(pfx, sizeof(pfx), "Set-Cookie: %s=", name);
	p = strstr(ca_buf_str(&r->head), pfx);
	ck_assert_ptr_nonnull(p);
	p += strlen(pfx);
	end = strchr(p, ';');
	ck_assert_ptr_nonnull(end);
	ck_assert_uint_lt((size_t)(end - p), outsz);
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
}

START_TEST(test_session_life)
{
	struct ca_config	*cfg = config(KEY_A, "http://a.example", "lax");
	struct ca_store		*st = NULL;
	struct ca_reply		 r;
	char			 c1[128], c2[128];
	char			 uid[CA_STORE_OID_HEX];
	char			 h1[CA_CRYPTO_SHA256_HEX];
	char			 h2[CA_CRYPTO_SHA256_HEX];

	ck_assert_int_eq(ca_store_open(cfg, &st), CA_OK);
	ca_reply_init(&r);
	ck_assert_int_eq(ca_session_begin(cfg, st, USER, NULL, &r), CA_OK);
	set_cookie_value(&r, "session", c1, sizeof(c1));
	ca_reply_free(&r);
	ck_assert_int_eq(ca_session_lookup(cfg, st, c1, uid, h1), CA_OK);
	ck_assert_str_eq(uid, USER);

	/* A new sign-in from the same browser: new id, old one gone. */
	ca_reply_init(&r);
	ck_assert_int_eq(ca_session_begin(cfg, st, USER, h1, &r), CA_OK);
	set_cookie_value(&r, "session", c2, sizeof(c2));
	ca_reply_free(&r);
	ck_assert_str_ne(c1, c2);
	ck_assert_int_eq(ca_session_lookup(cfg, st, c1, uid, h1),
	    CA_ENOTFOUND);
	ck_assert_int_eq(ca_session_lookup(cfg, st, c2, uid, h2), CA_OK);

	/* Logout: the document is gone and the cookie cleared. */
	ca_reply_init(&r);
	ck_assert_int_eq(ca_session_end(cfg, st, h2, &r), CA_OK);
	ck_assert_str_eq(ca_buf_str(&r.head), "Set-Cookie: session=; Path=/; "
	    "Max-Age=0; HttpOnly; SameSite=Lax\r\n");
	ca_reply_free(&r);
	ck_assert_int_eq(ca_session_lookup(cfg, st, c2, uid, h2),
	    CA_ENOTFOUND);
	/* A well-formed cookie that was never issued finds nothing. */
	ck_assert_int_eq(ca_crypto_token(c1), CA_OK);
	cookie_for(cfg, c1, c2, sizeof(c2));
	ck_assert_int_eq(ca_session_lookup(cfg, st, c2, uid, h2),
	    CA_ENOTFOUND);
	ca_store_close(st);
	ca_config_free(cfg);
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("session");
	tc = tcase_create("cookie");
	tcase_add_test(tc, test_session_parse_valid);
	tcase_add_test(tc, test_session_parse_refused);
	tcase_add_test(tc, test_reply_cookie_exact);
	tcase_add_test(tc, test_reply_header_refuses_crlf);
	tcase_add_test(tc, test_reply_write_exact);
	tcase_add_test(tc, test_csrf_token_and_check);
	suite_add_tcase(s, tc);
	tc = tcase_create("database");
	tcase_add_unchecked_fixture(tc, ca_fixture_devdb_setup,
	    ca_fixture_devdb_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_session_life);
	suite_add_tcase(s, tc);
	return ca_fixture_run(s);
}
