/*
 * store_session.c: session documents in cgiauth_sessions.
 *
 *	{_id: <SHA-256 hex of the session id>, user_id: ObjectId,
 *	 created: date, expires: date}
 *
 * The session id itself never reaches the database, so a copy of the
 * collection cannot be replayed as cookies.  devdb runs no TTL index, so
 * _get checks expires itself and deletes a session past it.
 */
#include <string.h>

#include <mongoc.h>

#include "store_int.h"

enum ca_err
ca_store_session_put(struct ca_store *st, const char *id_hash,
    const char *user_id_hex, long max_age)
{
	bson_t		*doc = NULL;
	bson_oid_t	 uid;
	int64_t		 now;
	enum ca_err	 rc = CA_EINVAL;

	if (st == NULL || !ca_store_hash_ok(id_hash) ||
	    !ca_store_oid_parse(user_id_hex, &uid) ||
	    max_age < 1 || max_age > CA_STORE_TTL_MAX)
		goto out;
	now = ca_store_now_ms();
	doc = BCON_NEW("_id", BCON_UTF8(id_hash), "user_id", BCON_OID(&uid),
	    "created", BCON_DATE_TIME(now),
	    "expires", BCON_DATE_TIME(now + (int64_t)max_age * 1000));
	rc = ca_store_insert_one(st, CA_STORE_SESSIONS, doc);
out:
	bson_destroy(doc);
	return rc;
}

enum ca_err
ca_store_session_get(struct ca_store *st, const char *id_hash,
    char user_id_hex[CA_STORE_OID_HEX])
{
	bson_t		*filter = NULL, *opts = NULL, *doc = NULL;
	bson_iter_t	 it;
	char		 hex[CA_STORE_OID_HEX];
	enum ca_err	 rc = CA_EINVAL;

	user_id_hex[0] = '\0';
	if (st == NULL || !ca_store_hash_ok(id_hash))
		goto out;
	filter = BCON_NEW("_id", BCON_UTF8(id_hash));
	opts = BCON_NEW("limit", BCON_INT64(1));
	rc = ca_store_find_one(st, CA_STORE_SESSIONS, filter, opts, &doc);
	if (rc != CA_OK)
		goto out;
	if (doc == NULL) {
		rc = CA_ENOTFOUND;
		goto out;
	}
	/* A document without a date is treated as expired, and removed. */
	if (!bson_iter_init_find(&it, doc, "expires") ||
	    !BSON_ITER_HOLDS_DATE_TIME(&it) ||
	    bson_iter_date_time(&it) <= ca_store_now_ms()) {
		rc = ca_store_delete_one(st, "delete", CA_STORE_SESSIONS,
		    filter);
		if (rc == CA_OK)
			rc = CA_EEXPIRED;
		goto out;
	}
	if (!bson_iter_init_find(&it, doc, "user_id") ||
	    !BSON_ITER_HOLDS_OID(&it)) {
		rc = ca_store_fail_msg(st, "find cgiauth_sessions",
		    "a session without an ObjectId user_id");
		goto out;
	}
	bson_oid_to_string(bson_iter_oid(&it), hex);
	memcpy(user_id_hex, hex, sizeof(hex));
	rc = CA_OK;
out:
	bson_destroy(doc);
	bson_destroy(filter);
	bson_destroy(opts);
	return rc;
}

enum ca_err
ca_store_session_delete(struct ca_store *st, const char *id_hash)
{
	bson_t		*filter = NULL;
	enum ca_err	 rc = CA_EINVAL;

	if (st == NULL || !ca_store_hash_ok(id_hash))
		goto out;
	filter = BCON_NEW("_id", BCON_UTF8(id_hash));
	rc = ca_store_delete_one(st, "delete", CA_STORE_SESSIONS, filter);
out:
	bson_destroy(filter);
	return rc;
}
