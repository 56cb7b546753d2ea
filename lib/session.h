/*
 * session.h: cookie sessions whose truth lives in the database.
 *
 * The cookie holds "<id>.<mac>": id is CA_CRYPTO_TOKEN_BYTES random bytes
 * in base64url (256 bits, above the 128 the issue asks for) and mac is
 * HMAC-SHA256 under SESSION_KEY of "cgiauth-session:" and the id, so a
 * forged or altered cookie is refused before any database work.  The
 * database keeps only SHA-256 of the id: a copy of the collection gives
 * no usable cookie.  Every sign-in makes a new id, so an id planted in a
 * browser before sign-in is worth nothing; logout deletes the document,
 * so a copied cookie dies with it.
 */
#ifndef CA_SESSION_H
#define CA_SESSION_H

#include "crypto.h"
#include "err.h"
#include "store.h"

/* id "." mac, both base64url of 32 bytes, plus NUL. */
#define CA_SESSION_COOKIE_LEN	(2 * (CA_CRYPTO_TOKEN_LEN - 1) + 2)

struct ca_config;
struct ca_reply;

/*
 * Checks the cookie's form and MAC and writes SHA-256 hex of its id into
 * hash: CA_EDENIED when the cookie is malformed or not ours.
 */
enum ca_err	ca_session_parse(const struct ca_config *, const char *cookie,
		    char hash[CA_CRYPTO_SHA256_HEX]) CA_WUR;
/*
 * Looks the cookie's session up: CA_OK with the user's id, CA_EDENIED for
 * a bad cookie, CA_ENOTFOUND or CA_EEXPIRED for a session that is gone.
 */
enum ca_err	ca_session_lookup(const struct ca_config *, struct ca_store *,
		    const char *cookie, char user_id[CA_STORE_OID_HEX],
		    char hash[CA_CRYPTO_SHA256_HEX]) CA_WUR;
/*
 * Starts a session for user_id with a fresh id, stores it and adds its
 * Set-Cookie to the reply.  old_hash, when not NULL, names a session the
 * browser already had, which is deleted first.
 */
enum ca_err	ca_session_begin(const struct ca_config *, struct ca_store *,
		    const char *user_id, const char *old_hash,
		    struct ca_reply *) CA_WUR;
/* Deletes the session (hash may be NULL) and clears the cookie. */
enum ca_err	ca_session_end(const struct ca_config *, struct ca_store *,
		    const char *hash, struct ca_reply *) CA_WUR;

/*
 * The MAC of a value under SESSION_KEY for a purpose ("session", "csrf",
 * "oauth"), as base64url into out (CA_CRYPTO_TOKEN_LEN bytes).  Shared by
 * the session and CSRF code so both use one keyed construction.
 */
enum ca_err	ca_session_mac(const struct ca_config *, const char *purpose,
		    const char *value, char out[CA_CRYPTO_TOKEN_LEN]) CA_WUR;

#endif
