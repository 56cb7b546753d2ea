/*
 * oauth.h: the protocol steps of an OAuth 2.0 / OpenID Connect sign-in,
 * client side: discovery (OIDC Discovery 1.0 section 4), the
 * authorization request URL (RFC 6749 4.1.1, RFC 7636 4.3, OIDC Core
 * 3.1.2.1), the token request (RFC 6749 4.1.3, 2.3.1), the userinfo
 * request (OIDC Core 5.3, RFC 6750 2.1) with the GitHub compliance fix,
 * and ID token validation (OIDC Core 3.1.3.7, RFC 7515, RFC 7519).
 *
 * It does not keep state: generating and storing state, nonce and the
 * PKCE verifier is the route's job.  Every call that goes out over HTTP
 * takes the timeout in seconds (cfg->http_timeout) and writes a short,
 * secret-free text into detail (detailsz bytes, may be NULL) on failure,
 * for the log and for the visitor's error page.  curl_global_init() must
 * have been called (see http.h).
 */
#ifndef CA_OAUTH_H
#define CA_OAUTH_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "err.h"
#include "profile.h"
#include "provider.h"

/* An authorization request URL at most (browsers cope with 8 KiB). */
#define CA_OAUTH_URL_MAX		8192
/* A token (access or ID) we accept at most. */
#define CA_OAUTH_TOKEN_MAX		(16 * 1024)
/* A decoded JWS header or claim set at most (RFC 7515 section 3). */
#define CA_OAUTH_JWT_PART_MAX		(8 * 1024)
/* Clock skew allowed on exp and iat (OIDC Core 3.1.3.7 items 9, 10). */
#define CA_OAUTH_CLOCK_SKEW		60
/* Profile fields at most; longer values are treated as absent. */
#define CA_OAUTH_ID_MAX			255
#define CA_OAUTH_EMAIL_MAX		254	/* RFC 5321 4.5.3.1.3 */
#define CA_OAUTH_NAME_MAX		256
#define CA_OAUTH_PICTURE_MAX		2048
/* GitHub /user/emails entries looked at, at most. */
#define CA_OAUTH_EMAILS_MAX		100
/* The "sub" of an ID token at most (OIDC Core 2: 255 ASCII). */
#define CA_OAUTH_SUB_MAX		256
/* A good size for the detail buffers callers pass. */
#define CA_OAUTH_DETAIL_MAX		256

/* What the token endpoint gave; every field owned. */
struct ca_oauth_tokens {
	char	*access_token;	/* never NULL after a CA_OK exchange */
	char	*id_token;	/* NULL when none was sent */
	char	*token_type;	/* "Bearer" (any case) or NULL */
};

/*
 * When p->metadata_url is set and any of the authorize, token or
 * userinfo URL is missing, fetches the discovery document and fills the
 * missing ones, and p->issuer when it was not configured.  The
 * document's issuer must equal the configured issuer, or else the
 * metadata URL without "/.well-known/openid-configuration" (Discovery
 * 4.3).  Nothing to do is CA_OK.  Errors: CA_ETIMEOUT, CA_EUPSTREAM (down,
 * not 200, not JSON, issuer mismatch, a missing or non-http(s)
 * endpoint, an endpoint over plain http to a host that is not loopback:
 * see ca_provider_endpoint_check()), CA_ENOMEM.  New strings in p are
 * freed with the provider.
 */
enum ca_err	ca_oauth_discover(struct ca_provider *p, long timeout,
		    char *detail, size_t detailsz) CA_WUR;

/*
 * The checking step of ca_oauth_discover() on a document already
 * fetched from p->metadata_url (NULL or not an object: CA_EUPSTREAM), for
 * tests and for callers that got it another way.  Fills the missing
 * endpoints (and the issuer) the same way, with the same errors;
 * CA_EINVAL without p->metadata_url.  On error p is unchanged.
 */
enum ca_err	ca_oauth_discovery_from_json(struct ca_provider *p,
		    const cJSON *doc, char *detail, size_t detailsz) CA_WUR;

/*
 * Appends the authorization request URL to out (initialised by the
 * caller, who frees it): response_type=code, client_id, redirect_uri,
 * scope (when not empty), state, code_challenge and
 * code_challenge_method=S256, nonce, then the provider's extra params,
 * each percent-encoded.  code_challenge must be given exactly when
 * p->pkce, nonce exactly when p->oidc: CA_EINVAL otherwise, or when
 * authorize_url is not known yet (discover first).  CA_ETOOBIG past
 * out's maximum.
 */
enum ca_err	ca_oauth_authorize_url(const struct ca_provider *p,
		    const char *redirect_uri, const char *state,
		    const char *code_challenge, const char *nonce,
		    struct ca_buf *out) CA_WUR;

/*
 * Exchanges the code at the token endpoint (RFC 6749 4.1.3) with the
 * provider's client authentication; verifier is the PKCE code_verifier
 * (NULL when p->pkce is off).  On CA_OK out holds the tokens, freed with
 * ca_oauth_tokens_free(); on error out is empty.  A JSON "error" answer
 * is CA_EUPSTREAM with the error code in detail; a status other than
 * 200, a body that is neither JSON nor (github compliance) a form, a
 * missing access_token or a token_type other than Bearer is CA_EUPSTREAM;
 * CA_ETIMEOUT.
 */
enum ca_err	ca_oauth_exchange(const struct ca_provider *p,
		    const char *code, const char *redirect_uri,
		    const char *verifier, long timeout,
		    struct ca_oauth_tokens *out, char *detail,
		    size_t detailsz) CA_WUR;
/* Frees (zeroing first) every token; accepts NULL and empty structs. */
void		ca_oauth_tokens_free(struct ca_oauth_tokens *);

/*
 * GETs the userinfo with the access token (RFC 6750 2.1) and fills out
 * (which the caller frees with ca_profile_free(), also on error):
 * provider, provider_user_id from p->identifier (a dotted path; numbers
 * become decimal strings; an object, a boolean, an empty string, a
 * fractional number or one beyond 2^53 is absent: provider_user_id stays
 * NULL and the result is still CA_OK, the caller's "no identifier" case),
 * email, email_verified (JSON true or "true" only), name and picture,
 * read from the object holding the identifier when the path is dotted,
 * else from the top level.  Every string must be well-formed UTF-8
 * without control characters (ca_valid_printable()) within its maximum,
 * else it is absent.  github compliance: picture from avatar_url, name
 * falls back to login, and p->emails_url (when set) is always fetched:
 * the e-mail and email_verified come from its primary entry (verified
 * iff its "verified" is JSON true), which wins over the /user e-mail;
 * no primary entry, no e-mail.
 *
 * expected_sub (NULL: no check) is the sub of the validated ID token:
 * the userinfo's top-level "sub" must equal it (OIDC Core 5.3.2), else
 * CA_EDENIED "userinfo sub mismatch".  Errors: CA_EUPSTREAM (status not
 * 200, body not a JSON object, emails failing), CA_ETIMEOUT, CA_ENOMEM.
 */
enum ca_err	ca_oauth_userinfo(const struct ca_provider *p,
		    const struct ca_oauth_tokens *tokens,
		    const char *expected_sub, long timeout,
		    struct ca_profile *out, char *detail,
		    size_t detailsz) CA_WUR;

/*
 * The profile from a userinfo (and GitHub emails) document already
 * fetched: the extraction step of ca_oauth_userinfo(), for tests and for
 * callers that got the JSON another way.  emails may be NULL (no
 * emails_url: the userinfo e-mail stands as it is); given, with the
 * github fix, its primary entry decides as above, and a value that is
 * not an array holds no primary entry.  Same results and ownership as
 * ca_oauth_userinfo(); CA_EUPSTREAM when userinfo is not an object.
 */
enum ca_err	ca_oauth_profile_from_json(const struct ca_provider *p,
		    const cJSON *userinfo, const cJSON *emails,
		    struct ca_profile *out) CA_WUR;

/*
 * Validates an ID token received from the token endpoint (OIDC Core
 * 3.1.3.7) at time now: JWS compact form, alg not "none", HS256
 * signature with the client secret (an asymmetric alg goes unchecked
 * only when p->token_url passes ca_provider_endpoint_check(), item 6),
 * iss (when p->issuer is known), aud (equals or contains client_id;
 * with more than one audience azp is required; azp, when present,
 * equals client_id), exp
 * (> now - CA_OAUTH_CLOCK_SKEW), iat (<= now + CA_OAUTH_CLOCK_SKEW), and
 * nonce (when nonce is not NULL).  On CA_OK the token's sub is copied
 * into sub_out (subsz bytes, may be NULL).  A token that checks out but
 * has no sub is CA_ENOTFOUND (no identifier, as for a userinfo without
 * one).  Any other failure is CA_EDENIED with detail such as "id_token
 * nonce mismatch"; CA_ENOMEM.
 */
enum ca_err	ca_oauth_id_token_check(const struct ca_provider *p,
		    const char *id_token, const char *nonce, time_t now,
		    char *sub_out, size_t subsz, char *detail,
		    size_t detailsz) CA_WUR;

#endif
