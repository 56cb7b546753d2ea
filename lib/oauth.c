/*
 * oauth.c: the client side of the OAuth 2.0 / OIDC sign-in (see oauth.h)
 * up to the profile: OIDC Discovery 1.0 section 4, RFC 6749 sections
 * 4.1.1, 4.1.3, 2.3.1, 5.1 and 5.2, RFC 7636 section 4.3, RFC 6750
 * section 2.1 and OIDC Core 5.3.2 (userinfo sub).  It also defines the
 * helpers of oauth_int.h.  ID token validation (OIDC Core 3.1.3.7) is
 * oauth_idtoken.c's job, not this file's.
 *
 * Everything a provider sends is hostile until checked: bodies are
 * bounded by http.c, parsed with cJSON, and every field we keep has a
 * named maximum; a field that fails its check is treated as absent.
 * Detail texts carry error codes, statuses and hosts, never a token,
 * a code, a secret or an error_description.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "buf.h"
#include "http.h"
#include "oauth.h"
#include "oauth_int.h"
#include "request.h"

/* The token request form at most: code, verifier, URLs and secret. */
#define CA_OAUTH_FORM_MAX	(4 * CA_OAUTH_TOKEN_MAX)
/* An "Authorization: Bearer ..." header at most. */
#define CA_OAUTH_HEADER_MAX	(CA_OAUTH_TOKEN_MAX + 32)
/* RFC 6749 5.2 error codes we repeat in details, at most. */
#define CA_OAUTH_ERRCODE_MAX	64
/* Pairs in a form-encoded token answer (GitHub), at most. */
#define CA_OAUTH_FORM_PAIRS_MAX	32
/* Integers a JSON double holds exactly: identifiers up to 2^53. */
#define CA_OAUTH_EXACT_INT	9007199254740992.0
/* Client credentials, form-encoded for HTTP Basic, at most. */
#define CA_OAUTH_CRED_MAX	(3 * CA_CONFIG_VALUE_MAX)
#define CA_OAUTH_WELL_KNOWN	"/.well-known/openid-configuration"

/* Shared with oauth_idtoken.c: see oauth_int.h. */
void
ca_oauth_detail(char *detail, size_t detailsz, const char *fmt, ...)
{
	va_list	 ap;

	if (detail == NULL || detailsz == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(detail, detailsz, fmt, ap);
	va_end(ap);
}

/*
 * A string from a provider is usable when it is at most max bytes of
 * well-formed UTF-8 without control characters (ca_valid_printable()):
 * cJSON passes any bytes through, and libmongoc refuses to store a BSON
 * string that is not UTF-8.
 */
static int
ca_oauth_text_ok(const char *s, size_t max)
{
	size_t	 n;

	n = strnlen(s, max + 1);
	return n <= max && ca_valid_printable(s, n) == CA_OK;
}

/* The string member key when it is a non-empty usable string <= max. */
const char *
ca_oauth_str(const cJSON *obj, const char *key, size_t max)
{
	const cJSON	*v;

	v = cJSON_GetObjectItemCaseSensitive(obj, key);
	if (!cJSON_IsString(v) || v->valuestring == NULL ||
	    v->valuestring[0] == '\0' || !ca_oauth_text_ok(v->valuestring,
	    max))
		return NULL;
	return v->valuestring;
}

/* Parses n bytes as JSON; NULL unless it is of the wanted kind. */
cJSON *
ca_oauth_json(const char *s, size_t n, int want_array)
{
	cJSON	*j;

	if (s == NULL || n == 0)
		return NULL;
	j = cJSON_ParseWithLength(s, n);
	if (j == NULL)
		return NULL;
	if (want_array ? !cJSON_IsArray(j) : !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* Maps http.c's transport errors onto what callers of this module see. */
static enum ca_err
ca_oauth_transport(enum ca_err rc)
{

	if (rc == CA_ETIMEOUT || rc == CA_ENOMEM)
		return rc;
	return CA_EUPSTREAM;
}

/* Copies *dst = s; for new strings this module hands out. */
static enum ca_err
ca_oauth_dup(const char *s, char **dst)
{

	*dst = ca_strdup(s);
	return *dst == NULL ? CA_ENOMEM : CA_OK;
}

/* Issuers compare exactly, but one trailing '/' is not a difference. */
static int
ca_oauth_issuer_eq(const char *a, size_t alen, const char *b)
{
	size_t	 blen = strlen(b);

	if (alen > 0 && a[alen - 1] == '/')
		alen--;
	if (blen > 0 && b[blen - 1] == '/')
		blen--;
	return alen == blen && strncmp(a, b, alen) == 0;
}

/*
 * OIDC Discovery 1.0 section 4.  New endpoint strings are collected
 * first and put into p only when the whole document checked out.
 */
enum ca_err
ca_oauth_discovery_from_json(struct ca_provider *p, const cJSON *doc,
    char *detail, size_t detailsz)
{
	static const char *const keys[3] = {
		"authorization_endpoint", "token_endpoint", "userinfo_endpoint"
	};
	char			 hd[CA_HTTP_DETAIL_MAX];
	char			**slots[3];
	char			*found[3] = { NULL, NULL, NULL };
	char			*issuer = NULL;
	const char		*iss, *v;
	size_t			 i, mlen, wlen;
	enum ca_err		 rc = CA_EINVAL, urc;

	if (detail != NULL && detailsz > 0)
		detail[0] = '\0';
	if (p == NULL || p->metadata_url == NULL)
		goto out;
	slots[0] = &p->authorize_url;
	slots[1] = &p->token_url;
	slots[2] = &p->userinfo_url;
	rc = CA_EUPSTREAM;
	ca_http_origin(p->metadata_url, hd, sizeof(hd));
	if (!cJSON_IsObject(doc)) {
		ca_oauth_detail(detail, detailsz, "discovery: document from "
		    "%s is not a JSON object", hd);
		goto out;
	}
	iss = ca_oauth_str(doc, "issuer", CA_PROVIDER_URL_MAX);
	if (iss == NULL || ca_provider_url_check(iss) != CA_OK) {
		ca_oauth_detail(detail, detailsz, "discovery: issuer missing "
		    "or invalid in %s", hd);
		goto out;
	}
	/* Section 4.3: the issuer must be the one we asked about. */
	if (p->issuer != NULL) {
		if (!ca_oauth_issuer_eq(p->issuer, strlen(p->issuer), iss)) {
			ca_oauth_detail(detail, detailsz, "discovery: issuer "
			    "mismatch at %s", hd);
			goto out;
		}
	} else {
		mlen = strlen(p->metadata_url);
		wlen = strlen(CA_OAUTH_WELL_KNOWN);
		if (mlen > wlen && strcmp(p->metadata_url + mlen - wlen,
		    CA_OAUTH_WELL_KNOWN) == 0 &&
		    !ca_oauth_issuer_eq(p->metadata_url, mlen - wlen, iss)) {
			ca_oauth_detail(detail, detailsz, "discovery: issuer "
			    "mismatch at %s", hd);
			goto out;
		}
		rc = ca_oauth_dup(iss, &issuer);
		if (rc != CA_OK)
			goto out;
		rc = CA_EUPSTREAM;
	}
	for (i = 0; i < 3; i++) {
		if (*slots[i] != NULL)
			continue;
		v = ca_oauth_str(doc, keys[i], CA_PROVIDER_URL_MAX);
		urc = v != NULL ? ca_provider_endpoint_check(v) : CA_EINVAL;
		if (urc == CA_EDENIED) {
			/* The token endpoint's TLS vouches for ID tokens. */
			ca_oauth_detail(detail, detailsz, "discovery: %s is "
			    "not https at %s (plain http only to a loopback "
			    "host)", keys[i], hd);
			goto out;
		}
		if (urc != CA_OK) {
			ca_oauth_detail(detail, detailsz, "discovery: %s "
			    "missing or not an http(s) URL at %s", keys[i],
			    hd);
			goto out;
		}
		rc = ca_oauth_dup(v, &found[i]);
		if (rc != CA_OK)
			goto out;
		rc = CA_EUPSTREAM;
	}
	for (i = 0; i < 3; i++)
		if (found[i] != NULL) {
			*slots[i] = found[i];
			found[i] = NULL;
		}
	if (issuer != NULL) {
		p->issuer = issuer;
		issuer = NULL;
	}
	rc = CA_OK;
out:
	for (i = 0; i < 3; i++)
		ca_free(found[i]);
	ca_free(issuer);
	return rc;
}

/* Fetches the discovery document; ca_oauth_discovery_from_json() checks. */
enum ca_err
ca_oauth_discover(struct ca_provider *p, long timeout, char *detail,
    size_t detailsz)
{
	struct ca_http_req	 req;
	struct ca_http_resp	 resp;
	char			 hd[CA_HTTP_DETAIL_MAX];
	cJSON			*doc = NULL;
	enum ca_err		 rc = CA_EINVAL;

	memset(&resp, 0, sizeof(resp));
	if (detail != NULL && detailsz > 0)
		detail[0] = '\0';
	if (p == NULL)
		goto out;
	rc = CA_OK;
	if (p->metadata_url == NULL || (p->authorize_url != NULL &&
	    p->token_url != NULL && p->userinfo_url != NULL))
		goto out;

	memset(&req, 0, sizeof(req));
	req.method = CA_HTTP_GET;
	req.url = p->metadata_url;
	req.timeout = timeout;
	rc = ca_http_do(&req, &resp, hd, sizeof(hd));
	if (rc != CA_OK) {
		rc = ca_oauth_transport(rc);
		ca_oauth_detail(detail, detailsz, "discovery: %s", hd);
		goto out;
	}
	rc = CA_EUPSTREAM;
	ca_http_origin(p->metadata_url, hd, sizeof(hd));
	if (resp.status != 200) {
		ca_oauth_detail(detail, detailsz, "discovery: status %ld "
		    "from %s", resp.status, hd);
		goto out;
	}
	doc = ca_oauth_json(resp.body.data, resp.body.len, 0);
	rc = ca_oauth_discovery_from_json(p, doc, detail, detailsz);
out:
	cJSON_Delete(doc);
	ca_http_resp_free(&resp);
	return rc;
}

/* Appends "&name=value" (sep first), value percent-encoded. */
static enum ca_err
ca_oauth_param(struct ca_buf *b, const char *sep, const char *name,
    const char *value)
{
	enum ca_err	 rc;

	rc = ca_buf_puts(b, sep);
	if (rc == CA_OK)
		rc = ca_url_encode(b, name);
	if (rc == CA_OK)
		rc = ca_buf_putc(b, '=');
	if (rc == CA_OK)
		rc = ca_url_encode(b, value);
	return rc;
}

enum ca_err
ca_oauth_authorize_url(const struct ca_provider *p, const char *redirect_uri,
    const char *state, const char *code_challenge, const char *nonce,
    struct ca_buf *out)
{
	const cJSON	*it;
	const char	*sep, *q;
	size_t		 start = 0, len;
	enum ca_err	 rc = CA_EINVAL;

	if (out == NULL)
		goto out;
	start = out->len;
	if (p == NULL || p->authorize_url == NULL || p->client_id == NULL ||
	    redirect_uri == NULL || state == NULL || state[0] == '\0' ||
	    (code_challenge != NULL) != (p->pkce != 0) ||
	    (nonce != NULL) != (p->oidc != 0))
		goto out;
	/* RFC 6749 3.1: keep the endpoint's own query, then add ours. */
	q = strchr(p->authorize_url, '?');
	len = strlen(p->authorize_url);
	if (q == NULL)
		sep = "?";
	else if (p->authorize_url[len - 1] == '?' ||
	    p->authorize_url[len - 1] == '&')
		sep = "";
	else
		sep = "&";
	rc = ca_buf_puts(out, p->authorize_url);
	if (rc == CA_OK)
		rc = ca_oauth_param(out, sep, "response_type", "code");
	if (rc == CA_OK)
		rc = ca_oauth_param(out, "&", "client_id", p->client_id);
	if (rc == CA_OK)
		rc = ca_oauth_param(out, "&", "redirect_uri", redirect_uri);
	if (rc == CA_OK && p->scopes != NULL && p->scopes[0] != '\0')
		rc = ca_oauth_param(out, "&", "scope", p->scopes);
	if (rc == CA_OK)
		rc = ca_oauth_param(out, "&", "state", state);
	if (rc == CA_OK && code_challenge != NULL)
		rc = ca_oauth_param(out, "&", "code_challenge",
		    code_challenge);
	if (rc == CA_OK && code_challenge != NULL)
		rc = ca_oauth_param(out, "&", "code_challenge_method", "S256");
	if (rc == CA_OK && nonce != NULL)
		rc = ca_oauth_param(out, "&", "nonce", nonce);
	cJSON_ArrayForEach(it, p->params) {
		if (rc != CA_OK)
			break;
		if (it->string == NULL || !cJSON_IsString(it) ||
		    it->valuestring == NULL) {
			rc = CA_EINVAL;
			break;
		}
		rc = ca_oauth_param(out, "&", it->string, it->valuestring);
	}
out:
	if (rc != CA_OK && out != NULL) {
		/* Put the caller's buffer back as it was. */
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
	}
	return rc;
}

void
ca_oauth_tokens_free(struct ca_oauth_tokens *t)
{

	if (t == NULL)
		return;
	if (t->access_token != NULL)
		ca_free_secret(t->access_token, strlen(t->access_token));
	if (t->id_token != NULL)
		ca_free_secret(t->id_token, strlen(t->id_token));
	ca_free(t->token_type);
	t->access_token = t->id_token = t->token_type = NULL;
}

/*
 * GitHub may answer the token request form-encoded (RFC 6749 5.1 says
 * JSON): "access_token=...&scope=...&token_type=bearer".  Returns a new
 * object of the decoded pairs (first wins), or NULL when the body is not
 * such a form.  The caller frees it with cJSON_Delete().
 */
static cJSON *
ca_oauth_form_json(const char *s, size_t n)
{
	cJSON		*j = NULL, *ret = NULL;
	char		*k = NULL, *v = NULL;
	const char	*p, *end, *amp, *eq;
	size_t		 pairs = 0;

	if (s == NULL || n == 0 || memchr(s, '\0', n) != NULL)
		goto out;
	j = cJSON_CreateObject();
	if (j == NULL)
		goto out;
	for (p = s, end = s + n; p < end; p = amp + 1) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (amp == NULL)
			amp = end;
		if (amp == p)
			continue;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq == NULL || eq == p || ++pairs > CA_OAUTH_FORM_PAIRS_MAX)
			goto out;
		if (ca_url_decode(p, (size_t)(eq - p), 1, &k) != CA_OK ||
		    ca_url_decode(eq + 1, (size_t)(amp - eq - 1), 1, &v) !=
		    CA_OK)
			goto out;
		if (cJSON_GetObjectItemCaseSensitive(j, k) == NULL &&
		    cJSON_AddStringToObject(j, k, v) == NULL)
			goto out;
		ca_free(k);
		k = NULL;
		if (v != NULL)
			ca_free_secret(v, strlen(v));
		v = NULL;
		if (amp == end)
			break;
	}
	if (pairs > 0) {
		ret = j;
		j = NULL;
	}
out:
	ca_free(k);
	if (v != NULL)
		ca_free_secret(v, strlen(v));
	cJSON_Delete(j);
	return ret;
}

/* RFC 6749 5.2: error = 1*( %x20-21 / %x23-5B / %x5D-7E ) */
static int
ca_oauth_errcode_ok(const char *s)
{
	size_t	 i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= CA_OAUTH_ERRCODE_MAX ||
		    (unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e ||
		    s[i] == '"' || s[i] == '\\')
			return 0;
	return i > 0;
}

/* Appends "name=value" form-encoded, with '&' before all but the first. */
static enum ca_err
ca_oauth_form_add(struct ca_buf *b, const char *name, const char *value)
{

	return ca_oauth_param(b, b->len > 0 ? "&" : "", name, value);
}

/* The tokens of a checked answer j into out; details on failure. */
static enum ca_err
ca_oauth_tokens_take(const cJSON *j, struct ca_oauth_tokens *out,
    char *detail, size_t detailsz)
{
	const cJSON	*tt, *idt;
	const char	*at;
	enum ca_err	 rc = CA_EUPSTREAM;

	at = ca_oauth_str(j, "access_token", CA_OAUTH_TOKEN_MAX);
	if (at == NULL) {
		ca_oauth_detail(detail, detailsz, "token response without "
		    "a usable access_token");
		goto out;
	}
	/* RFC 6750: we only know how to present Bearer tokens. */
	tt = cJSON_GetObjectItemCaseSensitive(j, "token_type");
	if (tt != NULL && !cJSON_IsNull(tt) && (!cJSON_IsString(tt) ||
	    tt->valuestring == NULL ||
	    strcasecmp(tt->valuestring, "bearer") != 0)) {
		ca_oauth_detail(detail, detailsz, "token_type is not Bearer");
		goto out;
	}
	idt = cJSON_GetObjectItemCaseSensitive(j, "id_token");
	if (idt != NULL && !cJSON_IsNull(idt) &&
	    ca_oauth_str(j, "id_token", CA_OAUTH_TOKEN_MAX) == NULL) {
		ca_oauth_detail(detail, detailsz, "token response with an "
		    "unusable id_token");
		goto out;
	}
	rc = ca_oauth_dup(at, &out->access_token);
	if (rc == CA_OK && cJSON_IsString(tt))
		rc = ca_oauth_dup(tt->valuestring, &out->token_type);
	if (rc == CA_OK && cJSON_IsString(idt))
		rc = ca_oauth_dup(idt->valuestring, &out->id_token);
out:
	if (rc != CA_OK)
		ca_oauth_tokens_free(out);
	return rc;
}

enum ca_err
ca_oauth_exchange(const struct ca_provider *p, const char *code,
    const char *redirect_uri, const char *verifier, long timeout,
    struct ca_oauth_tokens *out, char *detail, size_t detailsz)
{
	struct ca_http_req	 req;
	struct ca_http_resp	 resp;
	struct ca_buf		 form, user, pass;
	char			 hd[CA_HTTP_DETAIL_MAX];
	cJSON			*j = NULL;
	const char		*err;
	enum ca_err		 rc = CA_EINVAL;

	memset(&resp, 0, sizeof(resp));
	ca_buf_init(&form, CA_OAUTH_FORM_MAX);
	ca_buf_init(&user, CA_OAUTH_CRED_MAX);
	ca_buf_init(&pass, CA_OAUTH_CRED_MAX);
	if (detail != NULL && detailsz > 0)
		detail[0] = '\0';
	if (out == NULL)
		goto out;
	memset(out, 0, sizeof(*out));
	if (p == NULL || p->token_url == NULL || p->client_id == NULL ||
	    p->client_secret == NULL || code == NULL || code[0] == '\0' ||
	    strlen(code) > CA_OAUTH_TOKEN_MAX || redirect_uri == NULL ||
	    (verifier != NULL) != (p->pkce != 0))
		goto out;

	rc = ca_oauth_form_add(&form, "grant_type", "authorization_code");
	if (rc == CA_OK)
		rc = ca_oauth_form_add(&form, "code", code);
	if (rc == CA_OK)
		rc = ca_oauth_form_add(&form, "redirect_uri", redirect_uri);
	if (rc == CA_OK && verifier != NULL)
		rc = ca_oauth_form_add(&form, "code_verifier", verifier);
	memset(&req, 0, sizeof(req));
	if (p->token_auth == CA_PROVIDER_AUTH_BASIC) {
		/* RFC 6749 2.3.1: both form-encoded before Basic. */
		if (rc == CA_OK)
			rc = ca_url_encode(&user, p->client_id);
		if (rc == CA_OK)
			rc = ca_url_encode(&pass, p->client_secret);
		req.basic_user = ca_buf_str(&user);
		req.basic_pass = ca_buf_str(&pass);
	} else {
		if (rc == CA_OK)
			rc = ca_oauth_form_add(&form, "client_id",
			    p->client_id);
		if (rc == CA_OK)
			rc = ca_oauth_form_add(&form, "client_secret",
			    p->client_secret);
	}
	if (rc != CA_OK) {
		if (rc == CA_ETOOBIG)
			ca_oauth_detail(detail, detailsz, "token request too "
			    "large");
		goto out;
	}
	req.method = CA_HTTP_POST;
	req.url = p->token_url;
	req.form = ca_buf_str(&form);
	req.timeout = timeout;
	rc = ca_http_do(&req, &resp, hd, sizeof(hd));
	if (rc != CA_OK) {
		rc = ca_oauth_transport(rc);
		ca_oauth_detail(detail, detailsz, "token: %s", hd);
		goto out;
	}
	ca_http_origin(p->token_url, hd, sizeof(hd));
	j = ca_oauth_json(resp.body.data, resp.body.len, 0);
	if (j == NULL && p->compliance == CA_PROVIDER_COMPLIANCE_GITHUB)
		j = ca_oauth_form_json(resp.body.data, resp.body.len);
	rc = CA_EUPSTREAM;
	/* RFC 6749 5.2, also inside a 200 (GitHub does that). */
	if (j != NULL && cJSON_GetObjectItemCaseSensitive(j, "error") !=
	    NULL) {
		err = ca_oauth_str(j, "error", CA_OAUTH_ERRCODE_MAX);
		if (err != NULL && ca_oauth_errcode_ok(err))
			ca_oauth_detail(detail, detailsz, "token endpoint %s "
			    "answered error %s (status %ld)", hd, err,
			    resp.status);
		else
			ca_oauth_detail(detail, detailsz, "token endpoint %s "
			    "answered an unreadable error (status %ld)", hd,
			    resp.status);
		goto out;
	}
	if (resp.status != 200) {
		ca_oauth_detail(detail, detailsz, "token endpoint %s answered "
		    "status %ld", hd, resp.status);
		goto out;
	}
	if (j == NULL) {
		ca_oauth_detail(detail, detailsz, "token endpoint %s answered "
		    "something that is not a JSON object", hd);
		goto out;
	}
	rc = ca_oauth_tokens_take(j, out, detail, detailsz);
out:
	cJSON_Delete(j);
	ca_http_resp_free(&resp);
	ca_buf_free_secret(&form);
	ca_buf_free_secret(&user);
	ca_buf_free_secret(&pass);
	return rc;
}

/*
 * The identifier at a JSON value: strings as they are, integral numbers
 * up to 2^53 in decimal; anything else NULL (absent).  *dst is new.
 */
static enum ca_err
ca_oauth_ident(const cJSON *v, char **dst)
{
	char	 num[32];
	double	 d;

	*dst = NULL;
	if (cJSON_IsString(v) && v->valuestring != NULL) {
		if (v->valuestring[0] == '\0' ||
		    !ca_oauth_text_ok(v->valuestring, CA_OAUTH_ID_MAX))
			return CA_OK;
		return ca_oauth_dup(v->valuestring, dst);
	}
	if (!cJSON_IsNumber(v))
		return CA_OK;
	d = v->valuedouble;
	/* NaN fails both comparisons; the cast is defined once in range. */
	if (!(d >= -CA_OAUTH_EXACT_INT && d <= CA_OAUTH_EXACT_INT) ||
	    (double)(long long)d != d)
		return CA_OK;
	snprintf(num, sizeof(num), "%lld", (long long)d);
	return ca_oauth_dup(num, dst);
}

/* A printable string member no longer than max, copied; else NULL. */
static enum ca_err
ca_oauth_field(const cJSON *obj, const char *key, size_t max, char **dst)
{
	const char	*v;

	*dst = NULL;
	v = ca_oauth_str(obj, key, max);
	if (v == NULL)
		return CA_OK;
	return ca_oauth_dup(v, dst);
}

/* An e-mail address must at least have a local part, '@' and a domain. */
static void
ca_oauth_email_sane(struct ca_profile *out)
{
	const char	*at;

	if (out->email == NULL)
		return;
	at = strrchr(out->email, '@');
	if (at == NULL || at == out->email || at[1] == '\0' ||
	    strchr(out->email, ' ') != NULL) {
		ca_free(out->email);
		out->email = NULL;
		out->email_verified = 0;
	}
}

/*
 * GitHub /user/emails: the e-mail of the primary entry, verified iff its
 * "verified" is JSON true; no usable primary entry (or not an array): no
 * e-mail.  Replaces whatever out->email held.
 */
static enum ca_err
ca_oauth_emails_pick(const cJSON *emails, struct ca_profile *out)
{
	const cJSON	*it;
	size_t		 n = 0;
	enum ca_err	 rc;

	ca_free(out->email);
	out->email = NULL;
	out->email_verified = 0;
	if (!cJSON_IsArray(emails))
		return CA_OK;
	cJSON_ArrayForEach(it, emails) {
		if (++n > CA_OAUTH_EMAILS_MAX)
			break;
		if (!cJSON_IsObject(it) ||
		    !cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(it,
		    "primary")))
			continue;
		rc = ca_oauth_field(it, "email", CA_OAUTH_EMAIL_MAX,
		    &out->email);
		if (rc != CA_OK)
			return rc;
		out->email_verified = out->email != NULL && cJSON_IsTrue(
		    cJSON_GetObjectItemCaseSensitive(it, "verified"));
		ca_oauth_email_sane(out);
		break;
	}
	return CA_OK;
}

enum ca_err
ca_oauth_profile_from_json(const struct ca_provider *p, const cJSON *userinfo,
    const cJSON *emails, struct ca_profile *out)
{
	char		 seg[CA_PROVIDER_IDENT_MAX + 1];
	const cJSON	*cur, *src, *ev, *pic;
	const char	*path, *dot;
	size_t		 n;
	int		 github, dotted;
	enum ca_err	 rc = CA_EINVAL;

	if (out == NULL)
		goto out;
	memset(out, 0, sizeof(*out));
	if (p == NULL || p->name == NULL || p->identifier == NULL)
		goto out;
	rc = CA_EUPSTREAM;
	if (!cJSON_IsObject(userinfo))
		goto out;
	rc = ca_oauth_dup(p->name, &out->provider);
	if (rc != CA_OK)
		goto out;
	github = p->compliance == CA_PROVIDER_COMPLIANCE_GITHUB;

	/* Walk the dotted path; src is the object holding the last name. */
	cur = userinfo;
	src = userinfo;
	path = p->identifier;
	dotted = strchr(path, '.') != NULL;
	for (;;) {
		dot = strchr(path, '.');
		n = dot != NULL ? (size_t)(dot - path) : strlen(path);
		if (n == 0 || n >= sizeof(seg) || !cJSON_IsObject(cur)) {
			cur = NULL;
			break;
		}
		memcpy(seg, path, n);
		seg[n] = '\0';
		if (dot == NULL) {
			src = cur;
			cur = cJSON_GetObjectItemCaseSensitive(cur, seg);
			break;
		}
		cur = cJSON_GetObjectItemCaseSensitive(cur, seg);
		path = dot + 1;
	}
	if (!dotted || !cJSON_IsObject(src))
		src = userinfo;
	rc = ca_oauth_ident(cur, &out->provider_user_id);
	if (rc != CA_OK)
		goto out;

	rc = ca_oauth_field(src, "email", CA_OAUTH_EMAIL_MAX, &out->email);
	if (rc != CA_OK)
		goto out;
	ev = cJSON_GetObjectItemCaseSensitive(src, "email_verified");
	out->email_verified = out->email != NULL && (cJSON_IsTrue(ev) ||
	    (cJSON_IsString(ev) && ev->valuestring != NULL &&
	    strcmp(ev->valuestring, "true") == 0));
	ca_oauth_email_sane(out);
	rc = ca_oauth_field(src, "name", CA_OAUTH_NAME_MAX, &out->name);
	if (rc == CA_OK && out->name == NULL && github)
		rc = ca_oauth_field(src, "login", CA_OAUTH_NAME_MAX,
		    &out->name);
	if (rc != CA_OK)
		goto out;
	pic = cJSON_GetObjectItemCaseSensitive(src,
	    github ? "avatar_url" : "picture");
	if (cJSON_IsString(pic) && pic->valuestring != NULL &&
	    ca_oauth_text_ok(pic->valuestring, CA_OAUTH_PICTURE_MAX) &&
	    ca_provider_url_check(pic->valuestring) == CA_OK) {
		rc = ca_oauth_dup(pic->valuestring, &out->picture);
		if (rc != CA_OK)
			goto out;
	}
	/*
	 * GitHub vouches for an address only in /user/emails, so with that
	 * list the primary entry decides, also over a public /user e-mail
	 * (which may be an address GitHub never verified).
	 */
	if (github && emails != NULL) {
		rc = ca_oauth_emails_pick(emails, out);
		if (rc != CA_OK)
			goto out;
	}
	rc = CA_OK;
out:
	if (rc != CA_OK)
		ca_profile_free(out);
	return rc;
}

/* GET url with the bearer header; *doc is the parsed object or array. */
static enum ca_err
ca_oauth_get_json(const char *what, const char *url, const char *auth,
    long timeout, int want_array, cJSON **doc, char *detail,
    size_t detailsz)
{
	struct ca_http_req	 req;
	struct ca_http_resp	 resp;
	const char		*hdrs[2];
	char			 hd[CA_HTTP_DETAIL_MAX];
	enum ca_err		 rc;

	*doc = NULL;
	memset(&req, 0, sizeof(req));
	hdrs[0] = auth;
	hdrs[1] = NULL;
	req.method = CA_HTTP_GET;
	req.url = url;
	req.headers = hdrs;
	req.timeout = timeout;
	rc = ca_http_do(&req, &resp, hd, sizeof(hd));
	if (rc != CA_OK) {
		rc = ca_oauth_transport(rc);
		ca_oauth_detail(detail, detailsz, "%s: %s", what, hd);
		goto out;
	}
	rc = CA_EUPSTREAM;
	ca_http_origin(url, hd, sizeof(hd));
	if (resp.status != 200) {
		ca_oauth_detail(detail, detailsz, "%s at %s answered status "
		    "%ld", what, hd, resp.status);
		goto out;
	}
	*doc = ca_oauth_json(resp.body.data, resp.body.len, want_array);
	if (*doc == NULL) {
		ca_oauth_detail(detail, detailsz, "%s at %s answered "
		    "something that is not a JSON %s", what, hd,
		    want_array ? "array" : "object");
		goto out;
	}
	rc = CA_OK;
out:
	ca_http_resp_free(&resp);
	return rc;
}

enum ca_err
ca_oauth_userinfo(const struct ca_provider *p,
    const struct ca_oauth_tokens *tokens, const char *expected_sub,
    long timeout, struct ca_profile *out, char *detail, size_t detailsz)
{
	struct ca_buf	 auth;
	cJSON		*ui = NULL, *em = NULL;
	const char	*sub;
	enum ca_err	 rc = CA_EINVAL;

	ca_buf_init(&auth, CA_OAUTH_HEADER_MAX);
	if (detail != NULL && detailsz > 0)
		detail[0] = '\0';
	if (out == NULL)
		goto out;
	memset(out, 0, sizeof(*out));
	if (p == NULL || p->userinfo_url == NULL || tokens == NULL ||
	    tokens->access_token == NULL ||
	    !ca_oauth_text_ok(tokens->access_token, CA_OAUTH_TOKEN_MAX))
		goto out;
	rc = ca_buf_printf(&auth, "Authorization: Bearer %s",
	    tokens->access_token);
	if (rc != CA_OK)
		goto out;
	rc = ca_oauth_get_json("userinfo", p->userinfo_url, ca_buf_str(&auth),
	    timeout, 0, &ui, detail, detailsz);
	if (rc != CA_OK)
		goto out;
	if (expected_sub != NULL) {
		sub = ca_oauth_str(ui, "sub", CA_OAUTH_SUB_MAX);
		if (sub == NULL || strcmp(sub, expected_sub) != 0) {
			rc = CA_EDENIED;
			ca_oauth_detail(detail, detailsz,
			    "userinfo sub mismatch");
			goto out;
		}
	}
	/* Always: a public /user e-mail says nothing about verification. */
	if (p->compliance == CA_PROVIDER_COMPLIANCE_GITHUB &&
	    p->emails_url != NULL) {
		rc = ca_oauth_get_json("emails", p->emails_url,
		    ca_buf_str(&auth), timeout, 1, &em, detail, detailsz);
		if (rc != CA_OK)
			goto out;
	}
	rc = ca_oauth_profile_from_json(p, ui, em, out);
	if (rc != CA_OK) {
		ca_oauth_detail(detail, detailsz, "userinfo unusable");
		goto out;
	}
out:
	if (rc != CA_OK && out != NULL)
		ca_profile_free(out);
	cJSON_Delete(ui);
	cJSON_Delete(em);
	ca_buf_free_secret(&auth);
	return rc;
}
