/*
 * store_user.c: reading a user document of the users collection (shared
 * with vibetuner) into struct ca_user.  Writing users is account linking's
 * job (link.c); fields a site added are never read or touched here.
 */
#include <stdio.h>
#include <string.h>

#include <mongoc.h>

#include "alloc.h"
#include "store_int.h"

enum ca_err
ca_store_user_get(struct ca_store *st, const char *id_hex,
    struct ca_user *out)
{
	bson_t		*filter = NULL, *opts = NULL, *doc = NULL;
	bson_oid_t	 oid;
	enum ca_err	 rc = CA_EINVAL;

	memset(out, 0, sizeof(*out));
	if (st == NULL || !ca_store_oid_parse(id_hex, &oid))
		goto out;
	filter = BCON_NEW("_id", BCON_OID(&oid));
	opts = BCON_NEW("limit", BCON_INT64(1));
	rc = ca_store_find_one(st, CA_STORE_USERS, filter, opts, &doc);
	if (rc != CA_OK)
		goto out;
	if (doc == NULL) {
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
	bson_destroy(doc);
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

/* 1 when the comma-separated list holds name as one of its items. */
static int
ca_store_list_has(const char *list, const char *name)
{
	const char	*p, *end;
	size_t		 n = strlen(name);

	for (p = list; *p != '\0'; p = *end == ',' ? end + 1 : end) {
		end = strchr(p, ',');
		if (end == NULL)
			end = p + strlen(p);
		if ((size_t)(end - p) == n && strncmp(p, name, n) == 0)
			return 1;
	}
	return 0;
}

enum ca_err
ca_store_user_providers(struct ca_store *st, const char *id_hex, char *out,
    size_t outsz)
{
	mongoc_collection_t	*coll = NULL;
	mongoc_cursor_t		*cur = NULL;
	bson_t			*filter = NULL, *opts = NULL;
	const bson_t		*doc;
	bson_iter_t		 it;
	bson_error_t		 error;
	bson_oid_t		 oid;
	const char		*name;
	size_t			 len = 0, n;
	enum ca_err		 rc = CA_EINVAL;

	if (outsz == 0)
		return CA_EINVAL;
	out[0] = '\0';
	if (st == NULL || !ca_store_oid_parse(id_hex, &oid))
		goto out;
	coll = ca_store_coll(st, CA_STORE_ACCOUNTS);
	filter = BCON_NEW("user_id", BCON_OID(&oid));
	opts = BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}",
	    "projection", "{", "provider", BCON_INT32(1), "}");
	cur = mongoc_collection_find_with_opts(coll, filter, opts, NULL);
	while (mongoc_cursor_next(cur, &doc)) {
		if (!bson_iter_init_find(&it, doc, "provider") ||
		    !BSON_ITER_HOLDS_UTF8(&it))
			continue;
		name = bson_iter_utf8(&it, NULL);
		if (ca_store_list_has(out, name))
			continue;
		n = strlen(name);
		if (len + (len > 0) + n + 1 > outsz)
			continue;
		if (len > 0)
			out[len++] = ',';
		memcpy(out + len, name, n + 1);
		len += n;
	}
	rc = CA_OK;
	if (mongoc_cursor_error(cur, &error))
		rc = ca_store_fail(st, "find oauth_accounts", &error);
out:
	if (cur != NULL)
		mongoc_cursor_destroy(cur);
	if (coll != NULL)
		mongoc_collection_destroy(coll);
	bson_destroy(filter);
	bson_destroy(opts);
	return rc;
}
