/*
 * store_user.c: reading a user document of the users collection (shared
 * with vibetuner) into struct ca_user.  Writing users is account linking's
 * job (link.c); fields a site added are never read or touched here.
 */
#include <string.h>

#include <mongoc.h>

#include "alloc.h"
#include "store_int.h"

enum ca_err
ca_store_user_get(struct ca_store *st, const char *id_hex,
    struct ca_user *out)
{
	mongoc_collection_t	*coll = NULL;
	mongoc_cursor_t		*cur = NULL;
	bson_t			*filter = NULL, *opts = NULL;
	const bson_t		*doc;
	bson_error_t		 error;
	bson_oid_t		 oid;
	enum ca_err		 rc = CA_EINVAL;

	memset(out, 0, sizeof(*out));
	if (st == NULL || !ca_store_oid_parse(id_hex, &oid))
		goto out;
	coll = ca_store_coll(st, CA_STORE_USERS);
	filter = BCON_NEW("_id", BCON_OID(&oid));
	opts = BCON_NEW("limit", BCON_INT64(1));
	cur = mongoc_collection_find_with_opts(coll, filter, opts, NULL);
	if (!mongoc_cursor_next(cur, &doc)) {
		if (mongoc_cursor_error(cur, &error))
			rc = ca_store_fail(st, "find users", &error);
		else
			rc = CA_ENOTFOUND;
		goto out;
	}
	bson_oid_to_string(&oid, out->id);
	rc = ca_store_dup_str(doc, "email", &out->email);
	if (rc != CA_OK)
		goto out;
	rc = ca_store_dup_str(doc, "name", &out->name);
	if (rc != CA_OK)
		goto out;
	rc = ca_store_dup_str(doc, "picture", &out->picture);
out:
	if (rc != CA_OK)
		ca_store_user_free(out);
	if (cur != NULL)
		mongoc_cursor_destroy(cur);
	if (coll != NULL)
		mongoc_collection_destroy(coll);
	bson_destroy(filter);
	bson_destroy(opts);
	return rc;
}

void
ca_store_user_free(struct ca_user *u)
{

	if (u == NULL)
		return;
	ca_free(u->email);
	ca_free(u->name);
	ca_free(u->picture);
	memset(u, 0, sizeof(*u));
}
