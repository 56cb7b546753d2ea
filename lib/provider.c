/*
 * provider.c: the provider registry from tune.json and the settings (see
 * provider.h).  It reads configuration only; it never talks to a
 * provider.
 *
 * Custom provider fields (all optional unless marked):
 *	identifier	required: dotted path to the user id in userinfo
 *	params		required: authorize_url, access_token_url,
 *			userinfo_endpoint, emails_url, server_metadata_url,
 *			issuer; any other key is an extra authorize
 *			parameter (string value)
 *	scopes		array of RFC 6749 section 3.3 scope-tokens
 *	client_kwargs	token_endpoint_auth_method (client_secret_basic,
 *			the default, RFC 6749 section 2.3.1 MUST; or
 *			client_secret_post), code_challenge_method (S256)
 *	config		client_id, client_secret; else the settings
 *			<NAME>_CLIENT_ID and <NAME>_CLIENT_SECRET
 *	compliance_fix	"none" or "github"
 *	login_routes, trust_email, pkce (true, false only when explicit),
 *	display_name
 * Unknown fields are refused, so a typo cannot silently drop a setting.
 * Endpoints (every params URL but issuer) must be https, or plain http to
 * a loopback host only (RFC 6749 sections 3.1 and 3.2 require TLS; OIDC
 * Core 3.1.3.7 item 6 trusts an ID token on that TLS connection).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "buf.h"
#include "config.h"
#include "log.h"
#include "provider.h"

/* A setting name built from a provider name: MOCK_CLIENT_SECRET. */
#define CA_PROVIDER_SETTING_MAX	(CA_PROVIDER_NAME_MAX + 16)
/* An extra authorize parameter's name. */
#define CA_PROVIDER_PARAM_NAME_MAX	64

static const char *const ca_provider_compliance_names[
    CA_PROVIDER_COMPLIANCE__MAX] = {
	"none",		/* CA_PROVIDER_COMPLIANCE_NONE */
	"github",	/* CA_PROVIDER_COMPLIANCE_GITHUB */
};

static const char *const ca_provider_auth_names[CA_PROVIDER_AUTH__MAX] = {
	"client_secret_post",	/* CA_PROVIDER_AUTH_POST */
	"client_secret_basic",	/* CA_PROVIDER_AUTH_BASIC */
};

/* Path segments under /auth/ that routes use (DESIGN.md, "Routes"). */
static const char *const ca_provider_reserved[] = {
	"login", "logout", "provider", "magic-link", "me", "check", NULL
};

/*
 * Authorize parameters we set ourselves (RFC 6749 4.1.1, RFC 7636 4.3,
 * OIDC Core 3.1.2.1); params may not override them.
 */
static const char *const ca_provider_own_params[] = {
	"response_type", "client_id", "redirect_uri", "scope", "state",
	"code_challenge", "code_challenge_method", "nonce", NULL
};

/* The keys of "params" that are endpoints rather than extra parameters. */
static const char *const ca_provider_param_keys[] = {
	"authorize_url", "access_token_url", "userinfo_endpoint",
	"emails_url", "server_metadata_url", "issuer", NULL
};

static const char *const ca_provider_fields[] = {
	"identifier", "params", "scopes", "client_kwargs", "config",
	"compliance_fix", "login_routes", "display_name", "trust_email",
	"pkce", NULL
};

struct ca_provider_builtin {
	const char			*name;
	const char			*display_name;
	const char			*authorize_url;
	const char			*token_url;
	const char			*userinfo_url;
	const char			*emails_url;
	const char			*metadata_url;
	const char			*issuer;
	const char			*scopes;
	const char			*identifier;
	enum ca_setting			 id_setting;
	enum ca_setting			 secret_setting;
	enum ca_provider_auth		 token_auth;
	enum ca_provider_compliance	 compliance;
};

static const struct ca_provider_builtin ca_provider_builtins[] = {
	/* Endpoints come from discovery; the issuer is Google's. */
	{ "google", "Google", NULL, NULL, NULL, NULL,
	    "https://accounts.google.com/.well-known/openid-configuration",
	    "https://accounts.google.com", "openid email profile", "sub",
	    CA_SET_GOOGLE_CLIENT_ID, CA_SET_GOOGLE_CLIENT_SECRET,
	    CA_PROVIDER_AUTH_BASIC, CA_PROVIDER_COMPLIANCE_NONE },
	/* GitHub's documented OAuth app flow: id and secret in the form. */
	{ "github", "GitHub", "https://github.com/login/oauth/authorize",
	    "https://github.com/login/oauth/access_token",
	    "https://api.github.com/user",
	    "https://api.github.com/user/emails", NULL, NULL, "user:email",
	    "id", CA_SET_GITHUB_CLIENT_ID, CA_SET_GITHUB_CLIENT_SECRET,
	    CA_PROVIDER_AUTH_POST, CA_PROVIDER_COMPLIANCE_GITHUB },
};

#define CA_PROVIDER_NBUILTINS \
	(sizeof(ca_provider_builtins) / sizeof(ca_provider_builtins[0]))

const char *
ca_provider_compliance_name(enum ca_provider_compliance c)
{

	if ((int)c < 0 || c >= CA_PROVIDER_COMPLIANCE__MAX)
		return "?";
	return ca_provider_compliance_names[c];
}

const char *
ca_provider_auth_name(enum ca_provider_auth a)
{

	if ((int)a < 0 || a >= CA_PROVIDER_AUTH__MAX)
		return "?";
	return ca_provider_auth_names[a];
}

/* Writes "provider NAME: FIELD: message" into err; returns CA_ECONFIG. */
static enum ca_err
ca_provider_err(char *err, size_t errsz, const char *name,
    const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static enum ca_err
ca_provider_err(char *err, size_t errsz, const char *name,
    const char *field, const char *fmt, ...)
{
	char	 msg[CA_PROVIDER_ERR_MAX];
	va_list	 ap;

	if (err == NULL || errsz == 0)
		return CA_ECONFIG;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (field != NULL)
		snprintf(err, errsz, "provider %.*s: %s: %s",
		    CA_PROVIDER_NAME_MAX, name, field, msg);
	else
		snprintf(err, errsz, "provider %.*s: %s",
		    CA_PROVIDER_NAME_MAX, name, msg);
	return CA_ECONFIG;
}

static int
ca_provider_in(const char *s, const char *const *list)
{
	size_t	 i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(s, list[i]) == 0)
			return 1;
	return 0;
}

/* [a-z0-9_-]{1,32} */
static int
ca_provider_name_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= CA_PROVIDER_NAME_MAX)
			return 0;
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
	}
	return i > 0;
}

/* No control characters (C0, DEL); UTF-8 above 0x7f passes. */
static int
ca_provider_printable(const char *s)
{
	const unsigned char	*p;

	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

enum ca_err
ca_provider_url_check(const char *url)
{
	const char	*host;
	size_t		 i, hostlen;

	if (url == NULL)
		return CA_EINVAL;
	if (strncmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return CA_EINVAL;
	for (i = 0; url[i] != '\0'; i++) {
		if (i >= CA_PROVIDER_URL_MAX)
			return CA_EINVAL;
		/* RFC 3986 section 2: no space, control, quote or <>\ */
		if ((unsigned char)url[i] <= 0x20 ||
		    (unsigned char)url[i] >= 0x7f || url[i] == '"' ||
		    url[i] == '<' || url[i] == '>' || url[i] == '\\' ||
		    url[i] == '#')
			return CA_EINVAL;
	}
	hostlen = strcspn(host, "/?");
	/* A host is required; userinfo (user:pass@) is refused. */
	if (hostlen == 0 || memchr(host, '@', hostlen) != NULL ||
	    host[0] == ':')
		return CA_EINVAL;
	return CA_OK;
}

/*
 * 127.d.d.d (127.0.0.0/8) in strict dotted decimal: four parts of 0-255
 * without leading zeros, so that no octal or short form (0177.1, 127.1)
 * that a resolver might read differently counts as loopback.
 */
static int
ca_provider_ipv4_loopback(const char *h, size_t n)
{
	size_t		 i = 0, part, digits;
	unsigned int	 v, first = 0;

	for (part = 0; part < 4; part++) {
		if (part > 0) {
			if (i >= n || h[i] != '.')
				return 0;
			i++;
		}
		v = 0;
		digits = 0;
		while (i < n && h[i] >= '0' && h[i] <= '9') {
			if (digits > 0 && v == 0)
				return 0;
			v = v * 10 + (unsigned int)(h[i] - '0');
			if (++digits > 3 || v > 255)
				return 0;
			i++;
		}
		if (digits == 0)
			return 0;
		if (part == 0)
			first = v;
	}
	return i == n && first == 127;
}

/*
 * 1 when the authority auth[0..n) (no userinfo: url_check refused it) is
 * a loopback host, 127.0.0.0/8, localhost or [::1], with at most a port
 * of digits.
 */
static int
ca_provider_loopback(const char *auth, size_t n)
{
	const char	*colon;
	size_t		 hlen, i;

	if (n > 0 && auth[0] == '[') {
		colon = memchr(auth, ']', n);
		if (colon == NULL)
			return 0;
		hlen = (size_t)(colon - auth) + 1;
	} else {
		colon = memchr(auth, ':', n);
		hlen = colon != NULL ? (size_t)(colon - auth) : n;
	}
	if (hlen < n) {
		/* ":port", 1 to 5 digits. */
		if (auth[hlen] != ':' || n - hlen < 2 || n - hlen > 6)
			return 0;
		for (i = hlen + 1; i < n; i++)
			if (auth[i] < '0' || auth[i] > '9')
				return 0;
	}
	if (hlen == 9 && strncasecmp(auth, "localhost", 9) == 0)
		return 1;
	if (hlen == 5 && strncmp(auth, "[::1]", 5) == 0)
		return 1;
	return ca_provider_ipv4_loopback(auth, hlen);
}

enum ca_err
ca_provider_endpoint_check(const char *url)
{
	const char	*host;

	if (ca_provider_url_check(url) != CA_OK)
		return CA_EINVAL;
	if (strncmp(url, "https://", 8) == 0)
		return CA_OK;
	host = url + 7;
	return ca_provider_loopback(host, strcspn(host, "/?")) ? CA_OK :
	    CA_EDENIED;
}

/* RFC 6749 section 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ) */
static int
ca_provider_scope_ok(const char *s)
{
	const unsigned char	*p;

	if (*s == '\0')
		return 0;
	for (p = (const unsigned char *)s; *p != '\0'; p++)
		if (*p < 0x21 || *p > 0x7e || *p == '"' || *p == '\\')
			return 0;
	return 1;
}

/* Dotted path of [A-Za-z0-9_-]+ segments, bounded in length and depth. */
static int
ca_provider_ident_ok(const char *s)
{
	size_t	 i, seg = 0, depth = 1;

	for (i = 0; s[i] != '\0'; i++) {
		if (i >= CA_PROVIDER_IDENT_MAX)
			return 0;
		if (s[i] == '.') {
			if (seg == 0 || ++depth > CA_PROVIDER_IDENT_DEPTH)
				return 0;
			seg = 0;
			continue;
		}
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return 0;
		seg++;
	}
	return seg > 0;
}

/* 1 when the space-separated list holds the token "openid". */
static int
ca_provider_has_openid(const char *scopes)
{
	const char	*p = scopes;
	size_t		 n;

	while (*p != '\0') {
		n = strcspn(p, " ");
		if (n == 6 && strncmp(p, "openid", 6) == 0)
			return 1;
		p += n;
		while (*p == ' ')
			p++;
	}
	return 0;
}

/* *dst = copy of src (NULL stays NULL). */
static enum ca_err
ca_provider_dup(const char *src, char **dst)
{

	*dst = NULL;
	if (src == NULL)
		return CA_OK;
	*dst = ca_strdup(src);
	return *dst == NULL ? CA_ENOMEM : CA_OK;
}

void
ca_provider_clear(struct ca_provider *p)
{

	if (p == NULL)
		return;
	ca_free(p->name);
	ca_free(p->display_name);
	ca_free(p->authorize_url);
	ca_free(p->token_url);
	ca_free(p->userinfo_url);
	ca_free(p->emails_url);
	ca_free(p->metadata_url);
	ca_free(p->issuer);
	ca_free(p->scopes);
	ca_free(p->identifier);
	ca_free(p->client_id);
	if (p->client_secret != NULL)
		ca_free_secret(p->client_secret, strlen(p->client_secret));
	cJSON_Delete(p->params);
	memset(p, 0, sizeof(*p));
}

void
ca_provider_free(struct ca_provider *p)
{

	ca_provider_clear(p);
	ca_free(p);
}

void
ca_provider_list_free(struct ca_provider *arr, size_t n)
{
	size_t	 i;

	if (arr == NULL)
		return;
	for (i = 0; i < n; i++)
		ca_provider_clear(&arr[i]);
	ca_free(arr);
}

/* A setting value, NULL when unset or empty. */
static const char *
ca_provider_setting(const char *v)
{

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/*
 * Fills p from a built-in row when both credentials are set: *made is 1.
 * Otherwise logs which setting is missing and *made is 0.  On error p
 * holds whatever was copied; the caller clears it.
 */
static enum ca_err
ca_provider_builtin(const struct ca_config *cfg,
    const struct ca_provider_builtin *b, struct ca_provider *p, int *made,
    int verbose)
{
	const char	*id, *secret;
	enum ca_err	 rc = CA_ENOMEM;

	*made = 0;
	id = ca_provider_setting(ca_config_get(cfg, b->id_setting));
	secret = ca_provider_setting(ca_config_get(cfg, b->secret_setting));
	if (id == NULL || secret == NULL) {
		if (verbose)
			ca_log(NULL, "provider", "skip",
			    "provider=%s missing %s%s%s",
			    b->name, id == NULL ?
			    ca_config_name(b->id_setting) : "",
			    id == NULL && secret == NULL ? " and " : "",
			    secret == NULL ?
			    ca_config_name(b->secret_setting) : "");
		rc = CA_OK;
		goto out;
	}
	if (ca_provider_dup(b->name, &p->name) != CA_OK ||
	    ca_provider_dup(b->display_name, &p->display_name) != CA_OK ||
	    ca_provider_dup(b->authorize_url, &p->authorize_url) != CA_OK ||
	    ca_provider_dup(b->token_url, &p->token_url) != CA_OK ||
	    ca_provider_dup(b->userinfo_url, &p->userinfo_url) != CA_OK ||
	    ca_provider_dup(b->emails_url, &p->emails_url) != CA_OK ||
	    ca_provider_dup(b->metadata_url, &p->metadata_url) != CA_OK ||
	    ca_provider_dup(b->issuer, &p->issuer) != CA_OK ||
	    ca_provider_dup(b->scopes, &p->scopes) != CA_OK ||
	    ca_provider_dup(b->identifier, &p->identifier) != CA_OK ||
	    ca_provider_dup(id, &p->client_id) != CA_OK ||
	    ca_provider_dup(secret, &p->client_secret) != CA_OK)
		goto out;
	p->token_auth = b->token_auth;
	p->compliance = b->compliance;
	p->pkce = 1;
	p->oidc = ca_provider_has_openid(p->scopes);
	p->trust_email = 0;
	p->params = NULL;
	p->login_route = 1;
	*made = 1;
	rc = CA_OK;
out:
	return rc;
}

/*
 * An optional string member: *out is NULL when absent, borrowed from the
 * tree otherwise.  CA_ECONFIG when present but not a non-empty string of
 * printable characters no longer than max.
 */
static enum ca_err
ca_provider_get_str(const cJSON *obj, const char *key, size_t max,
    const char *pname, const char *field, const char **out, char *err,
    size_t errsz)
{
	const cJSON	*v;

	*out = NULL;
	v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (v == NULL)
		return CA_OK;
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return ca_provider_err(err, errsz, pname, field,
		    "must be a string");
	if (v->valuestring[0] == '\0')
		return ca_provider_err(err, errsz, pname, field,
		    "must not be empty");
	if (strlen(v->valuestring) > max)
		return ca_provider_err(err, errsz, pname, field,
		    "longer than %zu bytes", max);
	if (!ca_provider_printable(v->valuestring))
		return ca_provider_err(err, errsz, pname, field,
		    "contains control characters");
	*out = v->valuestring;
	return CA_OK;
}

/* An optional boolean member; *out keeps its default when absent. */
static enum ca_err
ca_provider_get_bool(const cJSON *obj, const char *key, const char *pname,
    int *out, char *err, size_t errsz)
{
	const cJSON	*v;

	v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (v == NULL)
		return CA_OK;
	if (!cJSON_IsBool(v))
		return ca_provider_err(err, errsz, pname, key,
		    "must be true or false");
	*out = cJSON_IsTrue(v) ? 1 : 0;
	return CA_OK;
}

/*
 * An optional URL member of params, validated, copied into *dst.  An
 * endpoint (one we connect to) must moreover be https, or http to a
 * loopback host (see ca_provider_endpoint_check()).
 */
static enum ca_err
ca_provider_get_url(const cJSON *params, const char *key, int endpoint,
    const char *pname, char **dst, char *err, size_t errsz)
{
	char		 field[64];
	const char	*v;
	enum ca_err	 rc;

	snprintf(field, sizeof(field), "params.%s", key);
	rc = ca_provider_get_str(params, key, CA_PROVIDER_URL_MAX, pname,
	    field, &v, err, errsz);
	if (rc != CA_OK)
		return rc;
	if (v == NULL)
		return CA_OK;
	if (ca_provider_url_check(v) != CA_OK)
		return ca_provider_err(err, errsz, pname, field,
		    "must be an absolute http(s) URL without fragment");
	if (endpoint && ca_provider_endpoint_check(v) != CA_OK)
		return ca_provider_err(err, errsz, pname, field,
		    "must be https (plain http only to a loopback host: "
		    "127.0.0.0/8, localhost, [::1])");
	return ca_provider_dup(v, dst);
}

/* params: endpoints into p, every other key into p->params. */
static enum ca_err
ca_provider_params(const cJSON *params, const char *pname,
    struct ca_provider *p, char *err, size_t errsz)
{
	const cJSON	*it;
	char		 field[CA_PROVIDER_PARAM_NAME_MAX + 16];
	const char	*v;
	size_t		 nextra = 0;
	enum ca_err	 rc;

	if (params == NULL)
		return ca_provider_err(err, errsz, pname, "params",
		    "missing (it holds the endpoint URLs)");
	if (!cJSON_IsObject(params))
		return ca_provider_err(err, errsz, pname, "params",
		    "must be an object");
	rc = ca_provider_get_url(params, "authorize_url", 1, pname,
	    &p->authorize_url, err, errsz);
	if (rc == CA_OK)
		rc = ca_provider_get_url(params, "access_token_url", 1, pname,
		    &p->token_url, err, errsz);
	if (rc == CA_OK)
		rc = ca_provider_get_url(params, "userinfo_endpoint", 1, pname,
		    &p->userinfo_url, err, errsz);
	if (rc == CA_OK)
		rc = ca_provider_get_url(params, "emails_url", 1, pname,
		    &p->emails_url, err, errsz);
	if (rc == CA_OK)
		rc = ca_provider_get_url(params, "server_metadata_url", 1,
		    pname, &p->metadata_url, err, errsz);
	if (rc == CA_OK)
		rc = ca_provider_get_url(params, "issuer", 0, pname,
		    &p->issuer, err, errsz);
	if (rc != CA_OK)
		return rc;
	if (p->metadata_url == NULL) {
		if (p->authorize_url == NULL)
			return ca_provider_err(err, errsz, pname,
			    "params.authorize_url",
			    "missing (or set params.server_metadata_url)");
		if (p->token_url == NULL)
			return ca_provider_err(err, errsz, pname,
			    "params.access_token_url",
			    "missing (or set params.server_metadata_url)");
		if (p->userinfo_url == NULL)
			return ca_provider_err(err, errsz, pname,
			    "params.userinfo_endpoint",
			    "missing (or set params.server_metadata_url)");
	}

	cJSON_ArrayForEach(it, params) {
		if (it->string == NULL)
			return ca_provider_err(err, errsz, pname, "params",
			    "a member without a name");
		if (ca_provider_in(it->string, ca_provider_param_keys))
			continue;
		if (strlen(it->string) > CA_PROVIDER_PARAM_NAME_MAX ||
		    !ca_provider_scope_ok(it->string) ||
		    strchr(it->string, '&') != NULL ||
		    strchr(it->string, '=') != NULL)
			return ca_provider_err(err, errsz, pname, "params",
			    "a parameter name must be 1 to %d printable "
			    "characters without '&' or '='",
			    CA_PROVIDER_PARAM_NAME_MAX);
		snprintf(field, sizeof(field), "params.%s", it->string);
		if (ca_provider_in(it->string, ca_provider_own_params))
			return ca_provider_err(err, errsz, pname, field,
			    "is set by cgiauth and may not be overridden");
		if (++nextra > CA_PROVIDER_PARAMS_MAX)
			return ca_provider_err(err, errsz, pname, "params",
			    "more than %d extra parameters",
			    CA_PROVIDER_PARAMS_MAX);
		rc = ca_provider_get_str(params, it->string,
		    CA_PROVIDER_PARAM_MAX, pname, field, &v, err, errsz);
		if (rc != CA_OK)
			return rc;
		if (p->params == NULL) {
			p->params = cJSON_CreateObject();
			if (p->params == NULL)
				return CA_ENOMEM;
		}
		if (cJSON_GetObjectItemCaseSensitive(p->params, it->string) !=
		    NULL)
			return ca_provider_err(err, errsz, pname, field,
			    "given twice");
		if (cJSON_AddStringToObject(p->params, it->string, v) == NULL)
			return CA_ENOMEM;
	}
	return CA_OK;
}

/* scopes: an array of scope-tokens, joined with single spaces. */
static enum ca_err
ca_provider_scopes(const cJSON *scopes, const char *pname,
    struct ca_provider *p, char *err, size_t errsz)
{
	struct ca_buf	 b;
	const cJSON	*it;
	enum ca_err	 rc = CA_ENOMEM;

	ca_buf_init(&b, CA_PROVIDER_SCOPES_MAX);
	if (scopes != NULL && !cJSON_IsArray(scopes)) {
		rc = ca_provider_err(err, errsz, pname, "scopes",
		    "must be an array of strings");
		goto out;
	}
	cJSON_ArrayForEach(it, scopes) {
		if (!cJSON_IsString(it) || it->valuestring == NULL ||
		    !ca_provider_scope_ok(it->valuestring)) {
			rc = ca_provider_err(err, errsz, pname, "scopes",
			    "each scope must be a non-empty string without "
			    "spaces, quotes or backslashes (RFC 6749 3.3)");
			goto out;
		}
		rc = ca_buf_printf(&b, "%s%s", b.len > 0 ? " " : "",
		    it->valuestring);
		if (rc == CA_ETOOBIG) {
			rc = ca_provider_err(err, errsz, pname, "scopes",
			    "longer than %d bytes", CA_PROVIDER_SCOPES_MAX);
			goto out;
		}
		if (rc != CA_OK)
			goto out;
	}
	rc = CA_ENOMEM;
	p->scopes = ca_buf_take(&b);
	if (p->scopes == NULL)
		goto out;
	p->oidc = ca_provider_has_openid(p->scopes);
	rc = CA_OK;
out:
	ca_buf_free(&b);
	return rc;
}

/* client_kwargs: token endpoint authentication and the PKCE method. */
static enum ca_err
ca_provider_kwargs(const cJSON *kw, const char *pname, struct ca_provider *p,
    char *err, size_t errsz)
{
	const cJSON	*it;
	const char	*v;
	enum ca_err	 rc;

	if (kw == NULL)
		return CA_OK;
	if (!cJSON_IsObject(kw))
		return ca_provider_err(err, errsz, pname, "client_kwargs",
		    "must be an object");
	cJSON_ArrayForEach(it, kw)
		if (it->string == NULL ||
		    (strcmp(it->string, "token_endpoint_auth_method") != 0 &&
		    strcmp(it->string, "code_challenge_method") != 0))
			return ca_provider_err(err, errsz, pname,
			    "client_kwargs", "unknown member \"%.64s\" "
			    "(known: token_endpoint_auth_method, "
			    "code_challenge_method)",
			    it->string != NULL ? it->string : "");
	rc = ca_provider_get_str(kw, "token_endpoint_auth_method", 64, pname,
	    "client_kwargs.token_endpoint_auth_method", &v, err, errsz);
	if (rc != CA_OK)
		return rc;
	if (v != NULL) {
		if (strcmp(v, "client_secret_post") == 0)
			p->token_auth = CA_PROVIDER_AUTH_POST;
		else if (strcmp(v, "client_secret_basic") == 0)
			p->token_auth = CA_PROVIDER_AUTH_BASIC;
		else
			return ca_provider_err(err, errsz, pname,
			    "client_kwargs.token_endpoint_auth_method",
			    "must be client_secret_post or "
			    "client_secret_basic");
	}
	rc = ca_provider_get_str(kw, "code_challenge_method", 64, pname,
	    "client_kwargs.code_challenge_method", &v, err, errsz);
	if (rc != CA_OK)
		return rc;
	/* RFC 7636 section 7.2: plain is for clients that cannot S256. */
	if (v != NULL && strcmp(v, "S256") != 0)
		return ca_provider_err(err, errsz, pname,
		    "client_kwargs.code_challenge_method",
		    "only S256 is supported");
	return CA_OK;
}

/*
 * One credential: config.<key>, else the setting NAME_<KEY> (upper-cased,
 * '-' as '_').  Copied into *dst.
 */
static enum ca_err
ca_provider_cred(const struct ca_config *cfg, const cJSON *conf,
    const char *pname, const char *key, const char *suffix, char **dst,
    char *err, size_t errsz)
{
	char		 setting[CA_PROVIDER_SETTING_MAX], field[32];
	const char	*v;
	size_t		 i;
	enum ca_err	 rc;

	snprintf(field, sizeof(field), "config.%s", key);
	rc = ca_provider_get_str(conf, key, CA_CONFIG_VALUE_MAX, pname, field,
	    &v, err, errsz);
	if (rc != CA_OK)
		return rc;
	if (v == NULL) {
		for (i = 0; pname[i] != '\0' && i + 1 < sizeof(setting); i++)
			setting[i] = pname[i] >= 'a' && pname[i] <= 'z' ?
			    (char)(pname[i] - 'a' + 'A') :
			    pname[i] == '-' ? '_' : pname[i];
		setting[i] = '\0';
		if (strlen(setting) + strlen(suffix) + 1 > sizeof(setting))
			return CA_EINVAL;
		memcpy(setting + i, suffix, strlen(suffix) + 1);
		v = ca_provider_setting(ca_config_lookup(cfg, setting));
		if (v == NULL)
			return ca_provider_err(err, errsz, pname, field,
			    "missing (set it, or the setting %s)", setting);
	}
	return ca_provider_dup(v, dst);
}

/* One custom provider; on error p holds partial copies the caller clears. */
static enum ca_err
ca_provider_custom(const struct ca_config *cfg, const char *pname,
    const cJSON *def, struct ca_provider *p, char *err, size_t errsz)
{
	const cJSON	*it, *conf;
	const char	*v;
	size_t		 i;
	enum ca_err	 rc;

	if (!cJSON_IsObject(def))
		return ca_provider_err(err, errsz, pname, NULL,
		    "must be an object");
	cJSON_ArrayForEach(it, def)
		if (it->string == NULL ||
		    !ca_provider_in(it->string, ca_provider_fields))
			return ca_provider_err(err, errsz, pname, NULL,
			    "unknown field \"%.64s\"",
			    it->string != NULL ? it->string : "");
	if (ca_provider_dup(pname, &p->name) != CA_OK)
		return CA_ENOMEM;
	p->token_auth = CA_PROVIDER_AUTH_BASIC;
	p->compliance = CA_PROVIDER_COMPLIANCE_NONE;
	p->pkce = 1;
	p->trust_email = 0;
	p->login_route = 1;

	rc = ca_provider_get_str(def, "identifier", CA_PROVIDER_IDENT_MAX,
	    pname, "identifier", &v, err, errsz);
	if (rc != CA_OK)
		return rc;
	if (v == NULL)
		return ca_provider_err(err, errsz, pname, "identifier",
		    "missing (the userinfo field holding the user id)");
	if (!ca_provider_ident_ok(v))
		return ca_provider_err(err, errsz, pname, "identifier",
		    "must be a dotted path of [A-Za-z0-9_-] names");
	if (ca_provider_dup(v, &p->identifier) != CA_OK)
		return CA_ENOMEM;

	rc = ca_provider_params(cJSON_GetObjectItemCaseSensitive(def,
	    "params"), pname, p, err, errsz);
	if (rc != CA_OK)
		return rc;
	rc = ca_provider_scopes(cJSON_GetObjectItemCaseSensitive(def,
	    "scopes"), pname, p, err, errsz);
	if (rc != CA_OK)
		return rc;
	rc = ca_provider_kwargs(cJSON_GetObjectItemCaseSensitive(def,
	    "client_kwargs"), pname, p, err, errsz);
	if (rc != CA_OK)
		return rc;

	conf = cJSON_GetObjectItemCaseSensitive(def, "config");
	if (conf != NULL && !cJSON_IsObject(conf))
		return ca_provider_err(err, errsz, pname, "config",
		    "must be an object");
	cJSON_ArrayForEach(it, conf)
		if (it->string == NULL ||
		    (strcmp(it->string, "client_id") != 0 &&
		    strcmp(it->string, "client_secret") != 0))
			return ca_provider_err(err, errsz, pname, "config",
			    "unknown member \"%.64s\" (known: client_id, "
			    "client_secret)",
			    it->string != NULL ? it->string : "");
	rc = ca_provider_cred(cfg, conf, pname, "client_id", "_CLIENT_ID",
	    &p->client_id, err, errsz);
	if (rc != CA_OK)
		return rc;
	rc = ca_provider_cred(cfg, conf, pname, "client_secret",
	    "_CLIENT_SECRET", &p->client_secret, err, errsz);
	if (rc != CA_OK)
		return rc;

	rc = ca_provider_get_str(def, "compliance_fix", 64, pname,
	    "compliance_fix", &v, err, errsz);
	if (rc != CA_OK)
		return rc;
	if (v != NULL) {
		for (i = 0; i < CA_PROVIDER_COMPLIANCE__MAX; i++)
			if (strcmp(v, ca_provider_compliance_names[i]) == 0)
				break;
		if (i == CA_PROVIDER_COMPLIANCE__MAX)
			return ca_provider_err(err, errsz, pname,
			    "compliance_fix", "unknown fix \"%.64s\" "
			    "(known: none, github)", v);
		p->compliance = (enum ca_provider_compliance)i;
	}

	rc = ca_provider_get_bool(def, "login_routes", pname,
	    &p->login_route, err, errsz);
	if (rc == CA_OK)
		rc = ca_provider_get_bool(def, "trust_email", pname,
		    &p->trust_email, err, errsz);
	if (rc == CA_OK)
		rc = ca_provider_get_bool(def, "pkce", pname, &p->pkce,
		    err, errsz);
	if (rc != CA_OK)
		return rc;

	rc = ca_provider_get_str(def, "display_name", CA_PROVIDER_DISPLAY_MAX,
	    pname, "display_name", &v, err, errsz);
	if (rc != CA_OK)
		return rc;
	if (ca_provider_dup(v != NULL ? v : pname, &p->display_name) !=
	    CA_OK)
		return CA_ENOMEM;
	if (v == NULL && p->display_name[0] >= 'a' &&
	    p->display_name[0] <= 'z')
		p->display_name[0] = (char)(p->display_name[0] - 'a' + 'A');
	return CA_OK;
}

/* 1 when arr[0..n) already holds a provider of that name. */
static int
ca_provider_taken(const struct ca_provider *arr, size_t n, const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(arr[i].name, name) == 0)
			return 1;
	return 0;
}

/* 1 when the (validated) "oauth_providers" array names s. */
static int
ca_provider_named(const cJSON *names, const char *s)
{
	const cJSON	*it;

	cJSON_ArrayForEach(it, names)
		if (cJSON_IsString(it) && it->valuestring != NULL &&
		    strcmp(it->valuestring, s) == 0)
			return 1;
	return 0;
}

/*
 * The built-ins named in "oauth_providers", in order, into arr; *n grows.
 * A named but unconfigured one is skipped (and logged when verbose).
 */
static enum ca_err
ca_provider_builtins_add(const struct ca_config *cfg, const cJSON *names,
    struct ca_provider *arr, size_t *n, char *err, size_t errsz,
    int verbose)
{
	const cJSON	*it, *prev;
	size_t		 i;
	int		 made;
	enum ca_err	 rc;

	cJSON_ArrayForEach(it, names) {
		if (!cJSON_IsString(it) || it->valuestring == NULL) {
			snprintf(err, errsz, "oauth_providers: must be an "
			    "array of names");
			return CA_ECONFIG;
		}
		for (prev = names->child; prev != it; prev = prev->next)
			if (strcmp(prev->valuestring, it->valuestring) == 0) {
				snprintf(err, errsz, "oauth_providers: "
				    "\"%.32s\" named twice", it->valuestring);
				return CA_ECONFIG;
			}
		for (i = 0; i < CA_PROVIDER_NBUILTINS; i++)
			if (strcmp(it->valuestring,
			    ca_provider_builtins[i].name) == 0)
				break;
		if (i == CA_PROVIDER_NBUILTINS) {
			snprintf(err, errsz, "oauth_providers: unknown "
			    "built-in provider \"%.32s\" (known: google, "
			    "github; others go in custom_oauth_providers)",
			    it->valuestring);
			return CA_ECONFIG;
		}
		rc = ca_provider_builtin(cfg, &ca_provider_builtins[i],
		    &arr[*n], &made, verbose);
		if (rc != CA_OK) {
			ca_provider_clear(&arr[*n]);
			return rc;
		}
		if (made)
			(*n)++;
	}
	return CA_OK;
}

/*
 * ca_provider_list() and ca_provider_find(): only the list, which the
 * login page draws, logs the built-ins it skips, so the log says once per
 * page view, not once per request, why a button is missing.
 */
static enum ca_err
ca_provider_build(const struct ca_config *cfg, struct ca_provider **arr,
    size_t *n, char *err, size_t errsz, int verbose)
{
	struct ca_provider	*list = NULL;
	const cJSON		*names = NULL, *custom = NULL, *it;
	char			 dummy[1];
	size_t			 count = 0, total;
	enum ca_err		 rc = CA_EINVAL;

	if (err == NULL || errsz == 0) {
		err = dummy;
		errsz = sizeof(dummy);
	}
	err[0] = '\0';
	if (arr == NULL || n == NULL)
		goto out;
	*arr = NULL;
	*n = 0;
	if (cfg == NULL)
		goto out;
	if (cfg->tune != NULL) {
		names = cJSON_GetObjectItemCaseSensitive(cfg->tune,
		    "oauth_providers");
		custom = cJSON_GetObjectItemCaseSensitive(cfg->tune,
		    "custom_oauth_providers");
	}
	rc = CA_ECONFIG;
	if (names != NULL && !cJSON_IsArray(names)) {
		snprintf(err, errsz, "oauth_providers: must be an array of "
		    "names");
		goto out;
	}
	if (custom != NULL && !cJSON_IsObject(custom)) {
		snprintf(err, errsz, "custom_oauth_providers: must be an "
		    "object of name: provider");
		goto out;
	}
	total = (size_t)cJSON_GetArraySize(names) +
	    (size_t)cJSON_GetArraySize(custom);
	if (total > CA_PROVIDER_COUNT_MAX) {
		snprintf(err, errsz, "more than %d providers",
		    CA_PROVIDER_COUNT_MAX);
		goto out;
	}
	rc = CA_OK;
	if (total == 0)
		goto out;
	rc = CA_ENOMEM;
	list = ca_calloc(total, sizeof(*list));
	if (list == NULL)
		goto out;
	rc = ca_provider_builtins_add(cfg, names, list, &count, err, errsz,
	    verbose);
	if (rc != CA_OK)
		goto out;
	cJSON_ArrayForEach(it, custom) {
		rc = CA_ECONFIG;
		if (it->string == NULL || !ca_provider_name_ok(it->string)) {
			snprintf(err, errsz, "custom_oauth_providers: name "
			    "\"%.32s\" must be 1 to %d of [a-z0-9_-]",
			    it->string != NULL ? it->string : "",
			    CA_PROVIDER_NAME_MAX);
			goto out;
		}
		if (ca_provider_in(it->string, ca_provider_reserved)) {
			snprintf(err, errsz, "custom_oauth_providers: name "
			    "\"%s\" is reserved for a route", it->string);
			goto out;
		}
		if (ca_provider_taken(list, count, it->string) ||
		    ca_provider_named(names, it->string)) {
			snprintf(err, errsz, "custom_oauth_providers: "
			    "\"%s\" is defined twice", it->string);
			goto out;
		}
		rc = ca_provider_custom(cfg, it->string, it, &list[count],
		    err, errsz);
		if (rc != CA_OK) {
			ca_provider_clear(&list[count]);
			goto out;
		}
		count++;
	}
	rc = CA_OK;
out:
	if (rc == CA_ENOMEM && err[0] == '\0')
		snprintf(err, errsz, "out of memory");
	if (rc != CA_OK) {
		ca_provider_list_free(list, count);
		list = NULL;
		count = 0;
	} else if (count == 0) {
		ca_free(list);
		list = NULL;
	}
	if (arr != NULL)
		*arr = list;
	if (n != NULL)
		*n = count;
	return rc;
}

enum ca_err
ca_provider_list(const struct ca_config *cfg, struct ca_provider **arr,
    size_t *n, char *err, size_t errsz)
{

	return ca_provider_build(cfg, arr, n, err, errsz, 1);
}

enum ca_err
ca_provider_find(const struct ca_config *cfg, const char *name,
    struct ca_provider **out, char *err, size_t errsz)
{
	struct ca_provider	*list = NULL, *p = NULL;
	size_t			 n = 0, i;
	enum ca_err		 rc = CA_EINVAL;

	if (out == NULL || name == NULL)
		goto out;
	*out = NULL;
	rc = ca_provider_build(cfg, &list, &n, err, errsz, 0);
	if (rc != CA_OK)
		goto out;
	rc = CA_ENOTFOUND;
	for (i = 0; i < n; i++)
		if (strcmp(list[i].name, name) == 0)
			break;
	if (i == n)
		goto out;
	rc = CA_ENOMEM;
	p = ca_malloc(sizeof(*p));
	if (p == NULL)
		goto out;
	/* Move the entry out; the slot is left zeroed for list_free. */
	*p = list[i];
	memset(&list[i], 0, sizeof(list[i]));
	*out = p;
	rc = CA_OK;
out:
	ca_provider_list_free(list, n);
	return rc;
}
