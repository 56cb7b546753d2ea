/*
 * csrf.c: visitor-bound CSRF tokens (see csrf.h for the scheme).
 */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "csrf.h"
#include "reply.h"
#include "request.h"
#include "session.h"

/* A visitor cookie lives as long as a session may. */
static void
ca_csrf_name(const struct ca_config *cfg, char name[CA_CSRF_NAME_MAX])
{

	snprintf(name, CA_CSRF_NAME_MAX, "%s%s",
	    ca_config_get(cfg, CA_SET_SESSION_COOKIE_NAME),
	    CA_CSRF_COOKIE_SUFFIX);
}

static int
ca_csrf_visitor_ok(const char *v)
{

	return v != NULL && strlen(v) == CA_CRYPTO_TOKEN_LEN - 1 &&
	    ca_valid_token(v, CA_CRYPTO_TOKEN_LEN - 1) == CA_OK;
}

enum ca_err
ca_csrf_token(const struct ca_config *cfg, const struct ca_request *req,
    struct ca_reply *r, char out[CA_CRYPTO_TOKEN_LEN])
{
	char		 name[CA_CSRF_NAME_MAX], fresh[CA_CRYPTO_TOKEN_LEN];
	const char	*v;
	enum ca_err	 rc;

	ca_csrf_name(cfg, name);
	v = ca_request_cookie(req, name);
	if (!ca_csrf_visitor_ok(v)) {
		rc = ca_crypto_token(fresh);
		if (rc != CA_OK)
			return rc;
		rc = ca_reply_cookie(r, cfg, name, fresh, cfg->max_age, NULL,
		    NULL);
		if (rc != CA_OK)
			return rc;
		v = fresh;
	}
	return ca_session_mac(cfg, "csrf", v, out);
}

enum ca_err
ca_csrf_check(const struct ca_config *cfg, const struct ca_request *req)
{
	char		 name[CA_CSRF_NAME_MAX], want[CA_CRYPTO_TOKEN_LEN];
	const char	*v, *tok;
	enum ca_err	 rc;

	ca_csrf_name(cfg, name);
	v = ca_request_cookie(req, name);
	tok = ca_request_get(req, CA_CSRF_FIELD);
	if (!ca_csrf_visitor_ok(v) || tok == NULL ||
	    strlen(tok) != CA_CRYPTO_TOKEN_LEN - 1)
		return CA_EDENIED;
	rc = ca_session_mac(cfg, "csrf", v, want);
	if (rc != CA_OK)
		return rc;
	return ca_crypto_equal(want, tok, CA_CRYPTO_TOKEN_LEN - 1) ?
	    CA_OK : CA_EDENIED;
}
