/*
 * oauth_idtoken.c: ID token validation, OIDC Core 3.1.3.7, behind
 * ca_oauth_id_token_check() (see oauth.h).  It splits the JWS compact
 * form (RFC 7515 section 7.1), decodes header and claims (base64url,
 * RFC 7515 section 2; each at most CA_OAUTH_JWT_PART_MAX), refuses "none"
 * and any "crit" header (RFC 7515 4.1.11), verifies HS256 with the client
 * secret (OIDC Core 10.1), checks iss, aud, azp, exp, iat and nonce
 * (items 2 to 11) and hands back sub (OIDC Core 2).
 *
 * It does not fetch JWKS: an asymmetric signature goes unchecked only
 * under item 6, when the token came straight from an https token
 * endpoint.  It makes no HTTP call and keeps nothing; the detail writer
 * and the JSON readers are oauth.c's (oauth_int.h).
 */
#include <string.h>
#include <strings.h>

#include "alloc.h"
#include "crypto.h"
#include "oauth.h"
#include "oauth_int.h"

/*
 * Issuers whose ID tokens may carry another spelling of iss: Google
 * documents "accounts.google.com" as well as its https:// issuer
 * ("Validating an ID token", Google Identity docs).  Pairs, NULL-ended.
 */
static const char *const ca_oauth_iss_alias[] = {
	"https://accounts.google.com", "accounts.google.com", NULL
};

/* Signature algorithms whose check we may skip (see id_token_check). */
static const char *const ca_oauth_asym_algs[] = {
	"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512", "EdDSA", NULL
};

/* base64url-decodes one JWS segment and parses it as a JSON object. */
static cJSON *
ca_oauth_jws_part(const char *s, size_t n)
{
	unsigned char	*raw = NULL;
	size_t		 len = 0;
	cJSON		*j = NULL;

	if (n == 0 || n > CA_CRYPTO_B64URL_LEN(CA_OAUTH_JWT_PART_MAX))
		goto out;
	raw = ca_malloc(CA_OAUTH_JWT_PART_MAX);
	if (raw == NULL)
		goto out;
	if (ca_crypto_b64url_decode(s, n, raw, CA_OAUTH_JWT_PART_MAX, &len) !=
	    CA_OK)
		goto out;
	j = ca_oauth_json((const char *)raw, len, 0);
out:
	ca_free(raw);
	return j;
}

/* A finite JSON number member into *v; 0 when absent or not a number. */
static int
ca_oauth_num(const cJSON *obj, const char *key, double *v)
{
	const cJSON	*n;

	n = cJSON_GetObjectItemCaseSensitive(obj, key);
	/* Finite only: NaN and the infinities fail the range test. */
	if (!cJSON_IsNumber(n) || !(n->valuedouble >= -1e300 &&
	    n->valuedouble <= 1e300))
		return 0;
	*v = n->valuedouble;
	return 1;
}

/*
 * aud is the client id, or an array holding it (OIDC Core 3.1.3.7 3);
 * *several is 1 when the array holds more than one audience (items 4,
 * 5: then azp is required).
 */
static int
ca_oauth_aud_ok(const cJSON *claims, const char *client_id, int *several)
{
	const cJSON	*aud, *it;
	int		 found = 0;

	*several = 0;
	aud = cJSON_GetObjectItemCaseSensitive(claims, "aud");
	if (cJSON_IsString(aud) && aud->valuestring != NULL)
		return strcmp(aud->valuestring, client_id) == 0;
	if (!cJSON_IsArray(aud))
		return 0;
	*several = cJSON_GetArraySize(aud) > 1;
	cJSON_ArrayForEach(it, aud)
		if (cJSON_IsString(it) && it->valuestring != NULL &&
		    strcmp(it->valuestring, client_id) == 0)
			found = 1;
	return found;
}

enum ca_err
ca_oauth_id_token_check(const struct ca_provider *p, const char *id_token,
    const char *nonce, time_t now, char *sub_out, size_t subsz,
    char *detail, size_t detailsz)
{
	unsigned char	 mac[CA_CRYPTO_SHA256_LEN];
	unsigned char	 sig[CA_CRYPTO_SHA256_LEN * 2];
	cJSON		*hdr = NULL, *claims = NULL;
	const char	*d1, *d2, *alg, *iss, *azp, *cn, *sub;
	size_t		 len, siglen = 0, i;
	double		 exp, iat;
	int		 known, several;
	enum ca_err	 rc = CA_EINVAL;

	if (detail != NULL && detailsz > 0)
		detail[0] = '\0';
	if (sub_out != NULL && subsz > 0)
		sub_out[0] = '\0';
	if (p == NULL || p->client_id == NULL)
		goto out;
	rc = CA_EDENIED;
	if (id_token == NULL || id_token[0] == '\0') {
		ca_oauth_detail(detail, detailsz, "id_token missing");
		goto out;
	}
	len = strnlen(id_token, CA_OAUTH_TOKEN_MAX + 1);
	if (len > CA_OAUTH_TOKEN_MAX) {
		ca_oauth_detail(detail, detailsz, "id_token too large");
		goto out;
	}
	/* RFC 7515 7.1: header.payload.signature, nothing else. */
	d1 = strchr(id_token, '.');
	d2 = d1 != NULL ? strchr(d1 + 1, '.') : NULL;
	if (d1 == NULL || d2 == NULL || strchr(d2 + 1, '.') != NULL ||
	    d1 == id_token || d2 == d1 + 1) {
		ca_oauth_detail(detail, detailsz, "id_token malformed");
		goto out;
	}
	hdr = ca_oauth_jws_part(id_token, (size_t)(d1 - id_token));
	if (hdr == NULL) {
		ca_oauth_detail(detail, detailsz, "id_token header malformed");
		goto out;
	}
	alg = ca_oauth_str(hdr, "alg", 16);
	if (alg == NULL) {
		ca_oauth_detail(detail, detailsz, "id_token alg missing");
		goto out;
	}
	if (strcasecmp(alg, "none") == 0) {
		ca_oauth_detail(detail, detailsz, "id_token alg none refused");
		goto out;
	}
	/* RFC 7515 4.1.11: we understand no critical extension. */
	if (cJSON_GetObjectItemCaseSensitive(hdr, "crit") != NULL) {
		ca_oauth_detail(detail, detailsz, "id_token crit header "
		    "not supported");
		goto out;
	}
	if (strcmp(alg, "HS256") == 0) {
		/* OIDC Core 10.1: the key is the client secret's octets. */
		if (p->client_secret == NULL ||
		    ca_crypto_b64url_decode(d2 + 1, strlen(d2 + 1), sig,
		    sizeof(sig), &siglen) != CA_OK ||
		    siglen != sizeof(mac)) {
			ca_oauth_detail(detail, detailsz, "id_token signature "
			    "invalid");
			goto out;
		}
		ca_crypto_hmac_sha256(p->client_secret,
		    strlen(p->client_secret), id_token,
		    (size_t)(d2 - id_token), mac);
		if (!ca_crypto_equal(mac, sig, sizeof(mac))) {
			ca_oauth_detail(detail, detailsz, "id_token signature "
			    "invalid");
			goto out;
		}
	} else {
		/*
		 * OIDC Core 3.1.3.7 item 6: a token received directly from
		 * the token endpoint over TLS may be trusted on the TLS
		 * server validation instead of its signature; we do that
		 * for the asymmetric algorithms (no JWKS fetch here), and
		 * only when the token endpoint is https (the registry and
		 * discovery refuse anything else but loopback hosts, which
		 * never leave the machine).  Any other algorithm,
		 * symmetric ones included, is refused.
		 */
		known = 0;
		for (i = 0; ca_oauth_asym_algs[i] != NULL; i++)
			if (strcmp(alg, ca_oauth_asym_algs[i]) == 0)
				known = 1;
		if (!known) {
			ca_oauth_detail(detail, detailsz, "id_token alg not "
			    "supported");
			goto out;
		}
		if (p->token_url == NULL ||
		    ca_provider_endpoint_check(p->token_url) != CA_OK) {
			ca_oauth_detail(detail, detailsz, "id_token signature "
			    "unchecked without TLS to the token endpoint");
			goto out;
		}
	}
	claims = ca_oauth_jws_part(d1 + 1, (size_t)(d2 - d1 - 1));
	if (claims == NULL) {
		ca_oauth_detail(detail, detailsz, "id_token claims malformed");
		goto out;
	}
	if (p->issuer != NULL) {
		iss = ca_oauth_str(claims, "iss", CA_PROVIDER_URL_MAX);
		known = iss != NULL && strcmp(iss, p->issuer) == 0;
		for (i = 0; iss != NULL && ca_oauth_iss_alias[i] != NULL;
		    i += 2)
			if (strcmp(p->issuer, ca_oauth_iss_alias[i]) == 0 &&
			    strcmp(iss, ca_oauth_iss_alias[i + 1]) == 0)
				known = 1;
		if (!known) {
			ca_oauth_detail(detail, detailsz, "id_token iss "
			    "mismatch");
			goto out;
		}
	}
	if (!ca_oauth_aud_ok(claims, p->client_id, &several)) {
		ca_oauth_detail(detail, detailsz, "id_token aud mismatch");
		goto out;
	}
	/* Items 4, 5: several audiences need azp, and azp must be us. */
	if (several &&
	    cJSON_GetObjectItemCaseSensitive(claims, "azp") == NULL) {
		ca_oauth_detail(detail, detailsz, "id_token azp missing");
		goto out;
	}
	if (cJSON_GetObjectItemCaseSensitive(claims, "azp") != NULL) {
		azp = ca_oauth_str(claims, "azp", CA_CONFIG_VALUE_MAX);
		if (azp == NULL || strcmp(azp, p->client_id) != 0) {
			ca_oauth_detail(detail, detailsz, "id_token azp "
			    "mismatch");
			goto out;
		}
	}
	if (!ca_oauth_num(claims, "exp", &exp)) {
		ca_oauth_detail(detail, detailsz, "id_token exp missing");
		goto out;
	}
	if (exp <= (double)now - CA_OAUTH_CLOCK_SKEW) {
		ca_oauth_detail(detail, detailsz, "id_token expired");
		goto out;
	}
	if (!ca_oauth_num(claims, "iat", &iat)) {
		ca_oauth_detail(detail, detailsz, "id_token iat missing");
		goto out;
	}
	if (iat > (double)now + CA_OAUTH_CLOCK_SKEW) {
		ca_oauth_detail(detail, detailsz, "id_token iat in the "
		    "future");
		goto out;
	}
	if (nonce != NULL) {
		cn = ca_oauth_str(claims, "nonce", CA_OAUTH_TOKEN_MAX);
		if (cn == NULL || strlen(cn) != strlen(nonce) ||
		    !ca_crypto_equal(cn, nonce, strlen(nonce))) {
			ca_oauth_detail(detail, detailsz, "id_token nonce "
			    "mismatch");
			goto out;
		}
	}
	sub = ca_oauth_str(claims, "sub", CA_OAUTH_SUB_MAX - 1);
	if (sub == NULL) {
		/* No identifier: the caller's "who are you?" case. */
		ca_oauth_detail(detail, detailsz, "id_token sub missing");
		rc = CA_ENOTFOUND;
		goto out;
	}
	if (sub_out != NULL) {
		rc = CA_ETOOBIG;
		if (strlen(sub) >= subsz)
			goto out;
		memcpy(sub_out, sub, strlen(sub) + 1);
	}
	rc = CA_OK;
out:
	cJSON_Delete(hdr);
	cJSON_Delete(claims);
	return rc;
}
