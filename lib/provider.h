/*
 * provider.h: the registry of OAuth providers, built from configuration.
 *
 * Built-in "google" and "github" are registered when tune.json's
 * "oauth_providers" names them and their client id and secret are set;
 * named but unconfigured, they are skipped and the missing setting is
 * logged (event=provider outcome=skip).  Custom providers come from
 * tune.json "custom_oauth_providers" with the guide's fields (identifier,
 * params, scopes, client_kwargs, config, compliance_fix, login_routes)
 * plus display_name, trust_email and pkce.  Everything is validated;
 * a bad entry is CA_ECONFIG with a message naming the provider and the
 * field.  Endpoint URLs follow RFC 6749 section 3.1 (absolute, no
 * fragment, https unless the host is loopback); scopes are RFC 6749
 * section 3.3 scope-tokens.
 * It does not talk to providers (oauth.h does).
 */
#ifndef CA_PROVIDER_H
#define CA_PROVIDER_H

#include <stddef.h>

#include <cJSON.h>

#include "config.h"
#include "err.h"

/* A provider name: [a-z0-9_-]{1,32}. */
#define CA_PROVIDER_NAME_MAX		32
/* A display name, in bytes. */
#define CA_PROVIDER_DISPLAY_MAX		64
/* An endpoint URL (RFC 7230 section 3.1.1 suggests 8000 octets). */
#define CA_PROVIDER_URL_MAX		2048
/* The identifier's dotted path, its segments, and the scopes. */
#define CA_PROVIDER_IDENT_MAX		128
#define CA_PROVIDER_IDENT_DEPTH		8
#define CA_PROVIDER_SCOPES_MAX		1024
/* Extra authorize parameters, and each one's value. */
#define CA_PROVIDER_PARAMS_MAX		16
#define CA_PROVIDER_PARAM_MAX		512
/* Providers in one configuration. */
#define CA_PROVIDER_COUNT_MAX		32
/* A good size for the err buffers callers pass. */
#define CA_PROVIDER_ERR_MAX		256

/* How the client authenticates at the token endpoint (RFC 6749 2.3.1). */
enum ca_provider_auth {
	CA_PROVIDER_AUTH_POST,	/* client_secret_post: id, secret in form */
	CA_PROVIDER_AUTH_BASIC,	/* client_secret_basic: HTTP Basic */
	CA_PROVIDER_AUTH__MAX
};

/* Provider quirks, by the name tune.json gives in "compliance_fix". */
enum ca_provider_compliance {
	CA_PROVIDER_COMPLIANCE_NONE,	/* "none": the RFCs as written */
	CA_PROVIDER_COMPLIANCE_GITHUB,	/* "github": form-encoded token */
					/* answers, /user/emails, avatar_url */
	CA_PROVIDER_COMPLIANCE__MAX
};

/* Every string is owned; ca_provider_free() frees them. */
struct ca_provider {
	char			*name;		/* "google", "mock", ... */
	char			*display_name;	/* "Google", "Mock", ... */
	char			*authorize_url;	/* NULL until discovered */
	char			*token_url;	/* NULL until discovered */
	char			*userinfo_url;	/* NULL until discovered */
	char			*emails_url;	/* GitHub-style, or NULL */
	char			*metadata_url;	/* OIDC discovery, or NULL */
	char			*issuer;	/* expected iss, or NULL */
	char			*scopes;	/* space-joined, may be "" */
	char			*identifier;	/* dotted path: "data.id" */
	char			*client_id;
	char			*client_secret;	/* freed with ca_free_secret */
	enum ca_provider_auth	 token_auth;
	int			 pkce;		/* send an S256 challenge */
	int			 oidc;		/* scopes contain "openid" */
	int			 trust_email;	/* link by e-mail unproven */
	enum ca_provider_compliance compliance;
	/* Extra authorize parameters: an object of strings, or NULL. */
	cJSON			*params;
	int			 login_route;	/* a login page button */
};

/*
 * Builds every registered provider, in order: built-ins in the order of
 * "oauth_providers", then custom providers in file order.  On CA_OK *arr
 * (may be NULL when *n is 0) is the caller's, freed with
 * ca_provider_list_free(*arr, *n).  On error *arr is NULL, *n is 0 and
 * err (errsz bytes, may be NULL) names the provider and the field, never
 * a secret: CA_ECONFIG for a bad setting, CA_ENOMEM.
 */
enum ca_err	ca_provider_list(const struct ca_config *cfg,
		    struct ca_provider **arr, size_t *n, char *err,
		    size_t errsz) CA_WUR;
void		ca_provider_list_free(struct ca_provider *arr, size_t n);

/*
 * The registered provider of that name (login_route or not: the caller
 * decides), built the same way as by ca_provider_list(), so a broken
 * configuration fails here too.  On CA_OK *out is the caller's, freed
 * with ca_provider_free().  CA_ENOTFOUND for a name that is not
 * registered (unknown, or a built-in without credentials); err as above.
 */
enum ca_err	ca_provider_find(const struct ca_config *cfg,
		    const char *name, struct ca_provider **out, char *err,
		    size_t errsz) CA_WUR;
/* Frees the provider's fields and the struct itself; accepts NULL. */
void		ca_provider_free(struct ca_provider *);
/* Frees the fields only (for a struct in an array or on the stack). */
void		ca_provider_clear(struct ca_provider *);

/* "none", "github"; "?" out of range. */
const char	*ca_provider_compliance_name(enum ca_provider_compliance);
/* "client_secret_post", "client_secret_basic"; "?" out of range. */
const char	*ca_provider_auth_name(enum ca_provider_auth);

/*
 * CA_OK when url is an absolute http or https URL with a host, no
 * fragment, no whitespace or control characters, at most
 * CA_PROVIDER_URL_MAX bytes.  Shared with discovery (oauth.c).
 */
enum ca_err	ca_provider_url_check(const char *url) CA_WUR;

/*
 * For an endpoint we connect to (authorize, token, userinfo, emails,
 * metadata; configured or discovered): CA_OK when url passes
 * ca_provider_url_check() and is https, or http to a loopback host
 * (127.0.0.0/8 in dotted decimal, localhost, [::1]; an optional numeric
 * port) for development and the mock provider.  CA_EINVAL when it is not
 * a URL at all, CA_EDENIED for plain http to any other host: RFC 6749
 * 3.1 and 3.2 require TLS there, and OIDC Core 3.1.3.7 item 6 lets an ID
 * token's signature go unchecked only over TLS to the token endpoint.
 */
enum ca_err	ca_provider_endpoint_check(const char *url) CA_WUR;

#endif
