/*
 * session.c: signed session cookies backed by cgiauth_sessions (see
 * session.h for the format and why).
 */
#include <string.h>

#include "buf.h"
#include "config.h"
#include "crypto.h"
#include "reply.h"
#include "request.h"
#include "session.h"
#include "store.h"

/* "cgiauth-" purpose ":" value, at most. */
#define CA_SESSION_MAC_INPUT_MAX	512

enum ca_err
ca_session_mac(const struct ca_config *cfg, const char *purpose,
    const char *value, char out[CA_CRYPTO_TOKEN_LEN])
{
	unsigned char	 mac[CA_CRYPTO_SHA256_LEN];
	char		 msg[CA_SESSION_MAC_INPUT_MAX];
	const char	*key;
	size_t		 keylen;
	int		 n;
	enum ca_err	 rc;

	rc = ca_config_session_key(cfg, &key, &keylen);
	if (rc != CA_OK)
		return rc;
	n = snprintf(msg, sizeof(msg), "cgiauth-%s:%s", purpose, value);
	if (n < 0 || (size_t)n >= sizeof(msg))
		return CA_ETOOBIG;
	ca_crypto_hmac_sha256(key, keylen, msg, (size_t)n, mac);
	return ca_crypto_b64url_encode(mac, sizeof(mac), out,
	    CA_CRYPTO_TOKEN_LEN);
}

enum ca_err
ca_session_parse(const struct ca_config *cfg, const char *cookie,
    char hash[CA_CRYPTO_SHA256_HEX])
{
	char		 id[CA_CRYPTO_TOKEN_LEN], want[CA_CRYPTO_TOKEN_LEN];
	const char	*dot;
	size_t		 idlen = CA_CRYPTO_TOKEN_LEN - 1;
	enum ca_err	 rc;

	if (cookie == NULL || strlen(cookie) != CA_SESSION_COOKIE_LEN - 1)
		return CA_EDENIED;
	dot = cookie + idlen;
	if (*dot != '.' || ca_valid_token(cookie, idlen) != CA_OK ||
	    ca_valid_token(dot + 1, idlen) != CA_OK)
		return CA_EDENIED;
	memcpy(id, cookie, idlen);
	id[idlen] = '\0';
	rc = ca_session_mac(cfg, "session", id, want);
	if (rc != CA_OK)
		return rc;
	if (!ca_crypto_equal(want, dot + 1, idlen))
		return CA_EDENIED;
	ca_crypto_sha256_hex(id, hash);
	return CA_OK;
}

enum ca_err
ca_session_lookup(const struct ca_config *cfg, struct ca_store *st,
    const char *cookie, char user_id[CA_STORE_OID_HEX],
    char hash[CA_CRYPTO_SHA256_HEX])
{
	enum ca_err	 rc;

	rc = ca_session_parse(cfg, cookie, hash);
	if (rc != CA_OK)
		return rc;
	return ca_store_session_get(st, hash, user_id);
}

enum ca_err
ca_session_begin(const struct ca_config *cfg, struct ca_store *st,
    const char *user_id, const char *old_hash, struct ca_reply *r)
{
	char		 id[CA_CRYPTO_TOKEN_LEN], mac[CA_CRYPTO_TOKEN_LEN];
	char		 hash[CA_CRYPTO_SHA256_HEX];
	char		 cookie[CA_SESSION_COOKIE_LEN];
	enum ca_err	 rc;

	if (old_hash != NULL) {
		rc = ca_store_session_delete(st, old_hash);
		if (rc != CA_OK)
			goto out;
	}
	rc = ca_crypto_token(id);
	if (rc != CA_OK)
		goto out;
	rc = ca_session_mac(cfg, "session", id, mac);
	if (rc != CA_OK)
		goto out;
	ca_crypto_sha256_hex(id, hash);
	rc = ca_store_session_put(st, hash, user_id, cfg->max_age);
	if (rc != CA_OK)
		goto out;
	snprintf(cookie, sizeof(cookie), "%s.%s", id, mac);
	rc = ca_reply_cookie(r, cfg,
	    ca_config_get(cfg, CA_SET_SESSION_COOKIE_NAME), cookie,
	    cfg->max_age, NULL, NULL);
out:
	explicit_bzero(id, sizeof(id));
	explicit_bzero(cookie, sizeof(cookie));
	return rc;
}

enum ca_err
ca_session_end(const struct ca_config *cfg, struct ca_store *st,
    const char *hash, struct ca_reply *r)
{
	enum ca_err	 rc;

	if (hash != NULL && st != NULL) {
		rc = ca_store_session_delete(st, hash);
		if (rc != CA_OK)
			return rc;
	}
	return ca_reply_cookie(r, cfg,
	    ca_config_get(cfg, CA_SET_SESSION_COOKIE_NAME), "", 0, NULL, NULL);
}
