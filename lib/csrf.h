/*
 * csrf.h: tokens that tie every POST form to the visitor's browser.
 *
 * The first page that shows a form gives the browser a random visitor
 * cookie (<SESSION_COOKIE_NAME>_csrf, HttpOnly) and the form carries
 * HMAC-SHA256(SESSION_KEY, "cgiauth-csrf:" visitor) as its csrf_token.
 * A POST is accepted only when the token matches the cookie it came with:
 * another site can make a browser send the cookie, but cannot read or
 * compute the token.  It works before sign-in (the e-mail form) and after
 * (logout), with no database write.
 */
#ifndef CA_CSRF_H
#define CA_CSRF_H

#include "crypto.h"
#include "err.h"

struct ca_config;
struct ca_reply;
struct ca_request;

/* The visitor cookie's name: SESSION_COOKIE_NAME + "_csrf". */
#define CA_CSRF_COOKIE_SUFFIX	"_csrf"
/* Longest cookie name we build. */
#define CA_CSRF_NAME_MAX	96
/* The form field every POST form carries. */
#define CA_CSRF_FIELD		"csrf_token"

/*
 * The token for this visitor into out; when the request has no valid
 * visitor cookie, makes one and adds its Set-Cookie to the reply.
 */
enum ca_err	ca_csrf_token(const struct ca_config *,
		    const struct ca_request *, struct ca_reply *,
		    char out[CA_CRYPTO_TOKEN_LEN]) CA_WUR;
/* CA_OK when the request's csrf_token field matches its cookie. */
enum ca_err	ca_csrf_check(const struct ca_config *,
		    const struct ca_request *) CA_WUR;

#endif
