/*
 * signin.h: the two halves of an OAuth 2.0 / OIDC sign-in, as the
 * /auth/login/provider/{name} and /auth/provider/{name} routes run them.
 *
 * Start (RFC 6749 4.1.1, RFC 7636 4.1-4.3, OIDC Core 3.1.2.1): a fresh
 * state, PKCE verifier and (for OIDC) nonce, kept in the database under
 * the state's hash for CA_SIGNIN_STATE_TTL seconds together with the
 * provider, the app and next; a random binding value goes to the browser
 * as a cookie, only its hash to the database, so a state works only in
 * the browser that started it (login CSRF).  Then 302 to the provider.
 *
 * Callback (RFC 6749 4.1.2, 4.1.3; OIDC Core 3.1.3.7): the provider's
 * error, the state (taken once, atomically, and checked against provider
 * and browser), the code exchange, the ID token, the userinfo, account
 * linking, a new session, 303 to next.  Every failure is a page that says
 * what happened, with status 400 (the visitor's or the state's fault) or
 * 502 (the provider's), and nothing is written but the consumed state.
 */
#ifndef CA_SIGNIN_H
#define CA_SIGNIN_H

#include "err.h"

/* RFC 6749 10.12 wants states short-lived: ten minutes. */
#define CA_SIGNIN_STATE_TTL	600
/* The binding cookie: SESSION_COOKIE_NAME + this, on the callback path. */
#define CA_SIGNIN_COOKIE_SUFFIX	"_oauth"
#define CA_SIGNIN_COOKIE_PATH	"/auth/provider/"

struct ca_route;

/* GET /auth/login/provider/{name}?next=&app_id= */
enum ca_err	ca_signin_start(struct ca_route *, const char *name,
		    const char *next, const char *app_id) CA_WUR;
/* GET /auth/provider/{name}?code=&state= or ?error=&state= */
enum ca_err	ca_signin_callback(struct ca_route *, const char *name) CA_WUR;

#endif
