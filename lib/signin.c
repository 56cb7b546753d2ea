/*
 * signin.c: OAuth sign-in, start and callback (see signin.h for the
 * protocol steps and the RFC sections).
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "config.h"
#include "crypto.h"
#include "link.h"
#include "log.h"
#include "next.h"
#include "oauth.h"
#include "profile.h"
#include "provider.h"
#include "route.h"
#include "session.h"
#include "signin.h"
#include "store.h"

/* The redirect_uri and the authorize URL at most. */
#define CA_SIGNIN_URL_MAX	CA_OAUTH_URL_MAX
/* Cookie name buffer. */
#define CA_SIGNIN_NAME_MAX	96

static void
ca_signin_cookie_name(const struct ca_route *rt,
    char name[CA_SIGNIN_NAME_MAX])
{

	snprintf(name, CA_SIGNIN_NAME_MAX, "%s%s",
	    ca_config_get(rt->cfg, CA_SET_SESSION_COOKIE_NAME),
	    CA_SIGNIN_COOKIE_SUFFIX);
}

/*
 * Where a sign-in without next lands: tune.json's "login_redirect" when
 * it is a same-site path, else "/".
 */
static const char *
ca_signin_landing(const struct ca_config *cfg)
{
	const cJSON	*v;

	v = cJSON_GetObjectItemCaseSensitive(cfg->tune, "login_redirect");
	return cJSON_IsString(v) ? ca_next_safe(v->valuestring) : "/";
}

/* SITE_URL/auth/provider/{name}: never built from the request's Host. */
static enum ca_err
ca_signin_redirect_uri(const struct ca_route *rt, const char *name,
    struct ca_buf *out)
{

	return ca_buf_printf(out, "%s/auth/provider/%s",
	    ca_config_get(rt->cfg, CA_SET_SITE_URL), name);
}

/*
 * Finds the provider, without any network call.  Answers the visitor
 * itself for an unknown name: *p stays NULL then and CA_OK is returned
 * with the page in the reply.
 */
static enum ca_err
ca_signin_provider(struct ca_route *rt, const char *name,
    struct ca_provider **p)
{
	char		 err[CA_PROVIDER_ERR_MAX];
	enum ca_err	 rc;

	*p = NULL;
	if (name == NULL || ca_valid_name(name, strlen(name)) != CA_OK)
		rc = CA_ENOTFOUND;
	else
		rc = ca_provider_find(rt->cfg, name, p, err, sizeof(err));
	if (rc == CA_ENOTFOUND)
		return ca_route_fail(rt, 404, "provider",
		    "Unknown sign-in provider",
		    "This site has no sign-in provider of that name.");
	if (rc != CA_OK)
		ca_log(rt->name, "provider", "fail", "%s", err);
	return rc;
}

/*
 * Completes the provider's endpoints from its discovery document, when it
 * uses one: the first network call of either half, made only once the
 * request has passed every local check.  *ok 0 means a 502 page was made.
 */
static enum ca_err
ca_signin_discover(struct ca_route *rt, struct ca_provider *p, int *ok)
{
	char		 err[CA_PROVIDER_ERR_MAX];
	enum ca_err	 rc;

	*ok = 0;
	rc = ca_oauth_discover(p, rt->cfg->http_timeout, err, sizeof(err));
	if (rc == CA_OK) {
		*ok = 1;
		return CA_OK;
	}
	ca_log(rt->name, "discovery", "fail", "provider=%s %s", p->name, err);
	if (rc != CA_EUPSTREAM && rc != CA_ETIMEOUT)
		return rc;
	return ca_route_fail(rt, 502, "discovery",
	    "The sign-in provider did not answer",
	    "The provider could not be reached. Please try again in a "
	    "minute.");
}

enum ca_err
ca_signin_start(struct ca_route *rt, const char *name, const char *next,
    const char *app_id)
{
	struct ca_provider	*p = NULL;
	struct ca_store		*st;
	struct ca_oauth_state	 s;
	struct ca_buf		 redir, url;
	char			 state[CA_CRYPTO_TOKEN_LEN];
	char			 verifier[CA_CRYPTO_TOKEN_LEN];
	char			 nonce[CA_CRYPTO_TOKEN_LEN];
	char			 binding[CA_CRYPTO_TOKEN_LEN];
	char			 challenge[CA_CRYPTO_PKCE_LEN];
	char			 shash[CA_CRYPTO_SHA256_HEX];
	char			 bhash[CA_CRYPTO_SHA256_HEX];
	char			 cname[CA_SIGNIN_NAME_MAX];
	int			 ok;
	enum ca_err		 rc;

	memset(&s, 0, sizeof(s));
	ca_buf_init(&redir, CA_SIGNIN_URL_MAX);
	ca_buf_init(&url, CA_SIGNIN_URL_MAX);
	rc = ca_signin_provider(rt, name, &p);
	if (rc != CA_OK || p == NULL)
		goto out;
	if (!p->login_route) {
		rc = ca_route_fail(rt, 404, "provider",
		    "Unknown sign-in provider",
		    "This site has no sign-in provider of that name.");
		goto out;
	}
	/* No database-backed apps yet: never store an unknown app id. */
	if (app_id != NULL || ca_request_invalid(&rt->req, "app_id")) {
		rc = ca_route_fail(rt, 404, "app", "Unknown app",
		    "This sign-in link names an app this site does not have.");
		goto out;
	}
	rc = ca_signin_discover(rt, p, &ok);
	if (rc != CA_OK || !ok)
		goto out;
	rc = ca_crypto_token(state);
	if (rc == CA_OK)
		rc = ca_crypto_token(verifier);
	if (rc == CA_OK)
		rc = ca_crypto_token(nonce);
	if (rc == CA_OK)
		rc = ca_crypto_token(binding);
	if (rc == CA_OK)
		rc = ca_crypto_pkce_s256(verifier, challenge);
	if (rc != CA_OK)
		goto out;
	ca_crypto_sha256_hex(state, shash);
	ca_crypto_sha256_hex(binding, bhash);
	s.provider = p->name;
	s.next = (char *)(next != NULL && *next != '\0' ? ca_next_safe(next) :
	    ca_signin_landing(rt->cfg));
	s.verifier = p->pkce ? verifier : NULL;
	s.nonce = p->oidc ? nonce : NULL;
	s.binding = bhash;
	rc = ca_route_store(rt, &st);
	if (rc != CA_OK)
		goto out;
	/* The states' TTL index must exist before states pile up. */
	rc = ca_store_ensure_indexes(st);
	if (rc != CA_OK)
		goto out;
	rc = ca_store_state_put(st, shash, &s, CA_SIGNIN_STATE_TTL);
	if (rc != CA_OK)
		goto out;
	rc = ca_signin_redirect_uri(rt, p->name, &redir);
	if (rc != CA_OK)
		goto out;
	rc = ca_oauth_authorize_url(p, ca_buf_str(&redir), state,
	    p->pkce ? challenge : NULL, p->oidc ? nonce : NULL, &url);
	if (rc != CA_OK)
		goto out;
	ca_signin_cookie_name(rt, cname);
	rc = ca_reply_cookie(&rt->reply, rt->cfg, cname, binding,
	    CA_SIGNIN_STATE_TTL, CA_SIGNIN_COOKIE_PATH, "Lax");
	if (rc != CA_OK)
		goto out;
	rc = ca_reply_redirect(&rt->reply, 302, ca_buf_str(&url));
	if (rc == CA_OK)
		ca_log(rt->name, "oauth_start", "ok", "provider=%s pkce=%d "
		    "oidc=%d", p->name, p->pkce, p->oidc);
out:
	explicit_bzero(verifier, sizeof(verifier));
	explicit_bzero(binding, sizeof(binding));
	ca_buf_free(&redir);
	ca_buf_free(&url);
	ca_provider_free(p);
	return rc;
}

/* The 400 page for a state that cannot be used, by reason. */
static enum ca_err
ca_signin_bad_state(struct ca_route *rt, const char *why)
{

	return ca_route_fail(rt, 400, "state", "This sign-in cannot be "
	    "completed", why);
}

/* The 502 page for a provider that failed at some step. */
static enum ca_err
ca_signin_upstream(struct ca_route *rt, const char *step, const char *name,
    enum ca_err rc, const char *detail)
{

	ca_log(rt->name, step, "fail", "provider=%s %s: %s", name,
	    ca_strerror(rc), detail);
	if (rc != CA_EUPSTREAM && rc != CA_ETIMEOUT && rc != CA_EDENIED &&
	    rc != CA_ETOOBIG)
		return rc;
	return ca_route_fail(rt, 502, step, "The sign-in provider did not "
	    "complete the sign-in", rc == CA_ETIMEOUT ?
	    "The provider took too long to answer. Please try again." :
	    "The provider answered with an error or something this site "
	    "could not use. Please try again.");
}

/*
 * The hashes of the request's state and binding cookie: 1, or 0 when
 * either is missing (then the sign-in cannot be this browser's).
 */
static int
ca_signin_keys(struct ca_route *rt, char shash[CA_CRYPTO_SHA256_HEX],
    char bhash[CA_CRYPTO_SHA256_HEX])
{
	const char	*state, *bind;
	char		 cname[CA_SIGNIN_NAME_MAX];

	ca_signin_cookie_name(rt, cname);
	state = ca_request_get(&rt->req, "state");
	bind = ca_request_cookie(&rt->req, cname);
	if (state == NULL || bind == NULL || *bind == '\0')
		return 0;
	ca_crypto_sha256_hex(state, shash);
	ca_crypto_sha256_hex(bind, bhash);
	return 1;
}

/*
 * ca_signin_keys(), answering the visitor when a key is missing: CA_OK
 * with *ok 0 means a page was made and nothing was spent.
 */
static enum ca_err
ca_signin_hashes(struct ca_route *rt, char shash[CA_CRYPTO_SHA256_HEX],
    char bhash[CA_CRYPTO_SHA256_HEX], int *ok)
{

	*ok = ca_signin_keys(rt, shash, bhash);
	if (*ok)
		return CA_OK;
	if (ca_request_get(&rt->req, "state") == NULL)
		return ca_signin_bad_state(rt, "The provider's answer had no "
		    "valid state. Please start the sign-in again.");
	return ca_signin_bad_state(rt, "This sign-in was started in "
	    "another browser or its cookie was lost. Please start the "
	    "sign-in again here.");
}

/*
 * Takes the state named by the request, if this browser started it, and
 * checks it belongs to this provider.  CA_OK with *ok 0: a page was made.
 */
static enum ca_err
ca_signin_take_state(struct ca_route *rt, const char *name,
    struct ca_oauth_state *s, int *ok)
{
	struct ca_store	*st;
	char		 shash[CA_CRYPTO_SHA256_HEX];
	char		 bhash[CA_CRYPTO_SHA256_HEX];
	enum ca_err	 rc;

	rc = ca_signin_hashes(rt, shash, bhash, ok);
	if (rc != CA_OK || !*ok)
		return rc;
	*ok = 0;
	rc = ca_route_store(rt, &st);
	if (rc != CA_OK)
		return rc;
	/* The binding is part of the match: see ca_store_state_take(). */
	rc = ca_store_state_take(st, shash, bhash, s);
	if (rc == CA_ENOTFOUND)
		return ca_signin_bad_state(rt, "This sign-in was already "
		    "used, has expired, or was started in another browser. "
		    "Please start the sign-in again.");
	if (rc == CA_EEXPIRED)
		return ca_signin_bad_state(rt, "This sign-in took too long "
		    "and expired. Please start the sign-in again.");
	if (rc != CA_OK)
		return rc;
	if (s->provider == NULL || strcmp(s->provider, name) != 0)
		return ca_signin_bad_state(rt, "This sign-in was started "
		    "with another provider. Please start the sign-in again.");
	*ok = 1;
	return CA_OK;
}

/* The provider sent error= (RFC 6749 4.1.2.1). */
static enum ca_err
ca_signin_provider_error(struct ca_route *rt, const char *name,
    const char *error)
{
	struct ca_store		*st;
	struct ca_oauth_state	 s;
	char			 shash[CA_CRYPTO_SHA256_HEX];
	char			 bhash[CA_CRYPTO_SHA256_HEX];
	enum ca_err		 rc;

	/* Spend this browser's state so the answer cannot be replayed. */
	if (ca_signin_keys(rt, shash, bhash)) {
		rc = ca_route_store(rt, &st);
		if (rc != CA_OK)
			return rc;
		memset(&s, 0, sizeof(s));
		rc = ca_store_state_take(st, shash, bhash, &s);
		ca_store_state_free(&s);
		if (rc == CA_EDB)
			return rc;
	}
	ca_log(rt->name, "authorize", "fail", "provider=%s error=%s", name,
	    error);
	if (strcmp(error, "access_denied") == 0)
		return ca_route_fail(rt, 400, "authorize",
		    "Sign-in was cancelled", "The provider says access was "
		    "denied, so you are not signed in. You can try again or "
		    "choose another way to sign in.");
	return ca_route_fail(rt, 400, "authorize", "The provider refused "
	    "the sign-in", "The provider answered with an error, so you are "
	    "not signed in. You can try again or choose another way to sign "
	    "in.");
}

/* The 400 page for a provider answer without an account identifier. */
static enum ca_err
ca_signin_no_id(struct ca_route *rt, const char *name)
{

	ca_log(rt->name, "link", "refused", "provider=%s sent no account "
	    "identifier", name);
	return ca_route_fail(rt, 400, "link", "The provider did not say "
	    "who you are", "The provider's answer had no account "
	    "identifier, so no account was created. Please try another way "
	    "to sign in.");
}

/*
 * The page for an e-mail that belongs to another user and that this
 * provider does not vouch for: it names the ways that user signs in.
 */
static enum ca_err
ca_signin_email_taken(struct ca_route *rt, struct ca_store *st,
    const char *user_id)
{
	struct ca_provider	*known;
	struct ca_buf		 msg;
	char			 names[CA_SIGNIN_NAME_MAX * 4];
	char			 err[CA_PROVIDER_ERR_MAX];
	char			*p, *comma;
	int			 shown = 0;
	enum ca_err		 rc = CA_OK;

	ca_buf_init(&msg, 2048);
	names[0] = '\0';
	if (user_id[0] != '\0')
		rc = ca_store_user_providers(st, user_id, names,
		    sizeof(names));
	if (rc == CA_OK)
		rc = ca_buf_puts(&msg, "This e-mail address belongs to an "
		    "account that signs in another way, and this provider has "
		    "not verified that the address is yours, so nothing was "
		    "created or linked. ");
	/* Only providers that still have a button are worth naming. */
	for (p = names; rc == CA_OK && *p != '\0'; p = comma + 1) {
		comma = strchr(p, ',');
		if (comma == NULL)
			comma = p + strlen(p) - 1;
		else
			*comma = '\0';
		known = NULL;
		if (ca_provider_find(rt->cfg, p, &known, err, sizeof(err)) ==
		    CA_OK && known->login_route)
			rc = ca_buf_printf(&msg, "%s%s", shown++ == 0 ?
			    "Sign in with " : " or ", known->display_name);
		ca_provider_free(known);
	}
	if (rc == CA_OK)
		rc = ca_buf_puts(&msg, shown > 0 ? ", as you did before." :
		    "Sign in the way you did before.");
	if (rc == CA_OK)
		rc = ca_route_fail(rt, 409, "link", "An account with this "
		    "e-mail already exists", ca_buf_str(&msg));
	ca_buf_free(&msg);
	return rc;
}

static enum ca_err
ca_signin_linked(struct ca_route *rt, const struct ca_provider *p,
    const struct ca_profile *prof, const char *next)
{
	struct ca_store		*st;
	struct ca_link_result	 lr;
	const char		*old;
	enum ca_err		 rc;

	rc = ca_route_store(rt, &st);
	if (rc != CA_OK)
		return rc;
	rc = ca_store_ensure_indexes(st);
	if (rc != CA_OK)
		return rc;
	rc = ca_link_resolve(st, prof, p->trust_email, &lr);
	if (rc == CA_ENOTFOUND)
		return ca_route_fail(rt, 409, "link", "This sign-in has no "
		    "account", "The provider account is known here, but the "
		    "site account it belonged to no longer exists. Please "
		    "contact the site.");
	if (rc != CA_OK)
		return rc;
	switch (lr.outcome) {
	case CA_LINK_NO_ID:
		return ca_signin_no_id(rt, p->name);
	case CA_LINK_EMAIL_TAKEN:
		ca_log(rt->name, "link", "refused", "provider=%s: e-mail "
		    "matches user %s but is not verified", p->name,
		    lr.user_id);
		return ca_signin_email_taken(rt, st, lr.user_id);
	default:
		break;
	}
	/* A cookie from before sign-in is replaced, never kept. */
	(void)ca_route_user(rt, &rc);
	if (rc != CA_OK)
		return rc;
	old = rt->sid_hash[0] != '\0' ? rt->sid_hash : NULL;
	rc = ca_session_begin(rt->cfg, st, lr.user_id, old, &rt->reply);
	if (rc != CA_OK)
		return rc;
	ca_log(rt->name, "signin", "ok", "provider=%s outcome=%s user=%s",
	    p->name, ca_link_outcome_name(lr.outcome), lr.user_id);
	return ca_reply_redirect(&rt->reply, 303, ca_next_safe(next));
}

enum ca_err
ca_signin_callback(struct ca_route *rt, const char *name)
{
	struct ca_provider	*p = NULL;
	struct ca_oauth_state	 s;
	struct ca_oauth_tokens	 tok;
	struct ca_profile	 prof;
	struct ca_buf		 redir;
	const char		*error, *code;
	char			 detail[CA_OAUTH_DETAIL_MAX];
	char			 sub[CA_OAUTH_SUB_MAX];
	char			 cname[CA_SIGNIN_NAME_MAX];
	int			 ok;
	enum ca_err		 rc;

	memset(&s, 0, sizeof(s));
	memset(&tok, 0, sizeof(tok));
	memset(&prof, 0, sizeof(prof));
	ca_buf_init(&redir, CA_SIGNIN_URL_MAX);
	detail[0] = sub[0] = '\0';
	rc = ca_signin_provider(rt, name, &p);
	if (rc != CA_OK || p == NULL)
		goto out;
	error = ca_request_get(&rt->req, "error");
	if (error != NULL || ca_request_invalid(&rt->req, "error")) {
		rc = ca_signin_provider_error(rt, p->name,
		    error != NULL ? error : "(invalid)");
		goto out;
	}
	rc = ca_signin_take_state(rt, p->name, &s, &ok);
	if (rc != CA_OK || !ok)
		goto out;
	code = ca_request_get(&rt->req, "code");
	if (code == NULL) {
		rc = ca_signin_bad_state(rt, "The provider's answer had no "
		    "valid code. Please start the sign-in again.");
		goto out;
	}
	/* A state from before PKCE was switched on or off cannot finish. */
	if ((p->pkce && s.verifier == NULL) || (!p->pkce &&
	    s.verifier != NULL) || (p->oidc && s.nonce == NULL)) {
		rc = ca_signin_bad_state(rt, "This sign-in was started before "
		    "the site's settings changed. Please start the sign-in "
		    "again.");
		goto out;
	}
	rc = ca_signin_discover(rt, p, &ok);
	if (rc != CA_OK || !ok)
		goto out;
	rc = ca_signin_redirect_uri(rt, p->name, &redir);
	if (rc != CA_OK)
		goto out;
	rc = ca_oauth_exchange(p, code, ca_buf_str(&redir), s.verifier,
	    rt->cfg->http_timeout, &tok, detail, sizeof(detail));
	if (rc != CA_OK) {
		rc = ca_signin_upstream(rt, "token", p->name, rc, detail);
		goto out;
	}
	if (p->oidc) {
		if (tok.id_token == NULL) {
			rc = ca_signin_upstream(rt, "id_token", p->name,
			    CA_EUPSTREAM, "no id_token for an openid scope");
			goto out;
		}
		rc = ca_oauth_id_token_check(p, tok.id_token, s.nonce,
		    time(NULL), sub, sizeof(sub), detail, sizeof(detail));
		if (rc == CA_ENOTFOUND) {
			rc = ca_signin_no_id(rt, p->name);
			goto out;
		}
		if (rc != CA_OK) {
			rc = ca_signin_upstream(rt, "id_token", p->name, rc,
			    detail);
			goto out;
		}
	}
	rc = ca_oauth_userinfo(p, &tok, p->oidc ? sub : NULL,
	    rt->cfg->http_timeout, &prof, detail, sizeof(detail));
	if (rc != CA_OK) {
		rc = ca_signin_upstream(rt, "userinfo", p->name, rc, detail);
		goto out;
	}
	if (s.app_id != NULL) {
		prof.app_id = ca_strdup(s.app_id);
		if (prof.app_id == NULL) {
			rc = CA_ENOMEM;
			goto out;
		}
	}
	rc = ca_signin_linked(rt, p, &prof, s.next);
out:
	/* The binding cookie has done its work, whatever the outcome. */
	ca_signin_cookie_name(rt, cname);
	if (rc == CA_OK && ca_request_cookie(&rt->req, cname) != NULL)
		rc = ca_reply_cookie(&rt->reply, rt->cfg, cname, "", 0,
		    CA_SIGNIN_COOKIE_PATH, "Lax");
	ca_profile_free(&prof);
	ca_oauth_tokens_free(&tok);
	ca_store_state_free(&s);
	ca_buf_free(&redir);
	ca_provider_free(p);
	return rc;
}
