/*
 * store_state.c: pending OAuth states in cgiauth_oauth_states.
 *
 *	{_id: <SHA-256 hex of the state>, provider, app_id, next, verifier,
 *	 nonce, binding (strings or null), created: date, expires: date}
 *
 * A state is taken with one findAndModify {remove: true}: the server
 * removes and returns the document in one step, so of any number of
 * racing callbacks exactly one gets it (RFC 6749 section 10.12 wants the
 * state bound and single-use).  Expiry is checked here, not by a TTL
 * index, since devdb runs none.
 */
#include <string.h>

#include <mongoc.h>

#include "alloc.h"
#include "store_int.h"

enum ca_err
ca_store_state_put(struct ca_store *st, const char *state_hash,
    const struct ca_oauth_state *s, long ttl_seconds)
{
	bson_t		*doc = NULL;
	int64_t		 now;
	enum ca_err	 rc = CA_EINVAL;

	if (st == NULL || s == NULL || !ca_store_hash_ok(state_hash) ||
	    s->provider == NULL || ttl_seconds < 1 ||
	    ttl_seconds > CA_STORE_TTL_MAX)
		goto out;
	now = ca_store_now_ms();
	doc = bson_new();
	if (!BSON_APPEND_UTF8(doc, "_id", state_hash) ||
	    !ca_store_append_str(doc, "provider", s->provider) ||
	    !ca_store_append_str(doc, "app_id", s->app_id) ||
	    !ca_store_append_str(doc, "next", s->next) ||
	    !ca_store_append_str(doc, "verifier", s->verifier) ||
	    !ca_store_append_str(doc, "nonce", s->nonce) ||
	    !ca_store_append_str(doc, "binding", s->binding) ||
	    !BSON_APPEND_DATE_TIME(doc, "created", now) ||
	    !BSON_APPEND_DATE_TIME(doc, "expires",
	    now + (int64_t)ttl_seconds * 1000)) {
		rc = CA_ETOOBIG;
		goto out;
	}
	rc = ca_store_insert_one(st, CA_STORE_STATES, doc);
out:
	bson_destroy(doc);
	return rc;
}

/* Copies the fields of a state document into *out. */
static enum ca_err
ca_store_state_read(const bson_t *doc, struct ca_oauth_state *out)
{
	bson_iter_t	 it;
	enum ca_err	 rc;

	rc = ca_store_dup_str(doc, "provider", &out->provider);
	if (rc == CA_OK)
		rc = ca_store_dup_str(doc, "app_id", &out->app_id);
	if (rc == CA_OK)
		rc = ca_store_dup_str(doc, "next", &out->next);
	if (rc == CA_OK)
		rc = ca_store_dup_str(doc, "verifier", &out->verifier);
	if (rc == CA_OK)
		rc = ca_store_dup_str(doc, "nonce", &out->nonce);
	if (rc == CA_OK)
		rc = ca_store_dup_str(doc, "binding", &out->binding);
	if (rc != CA_OK)
		return rc;
	if (!bson_iter_init_find(&it, doc, "expires") ||
	    !BSON_ITER_HOLDS_DATE_TIME(&it))
		return CA_EPARSE;
	out->expires = (time_t)(bson_iter_date_time(&it) / 1000);
	return CA_OK;
}

enum ca_err
ca_store_state_take(struct ca_store *st, const char *state_hash,
    const char *binding, struct ca_oauth_state *out)
{
	mongoc_collection_t		*coll = NULL;
	mongoc_find_and_modify_opts_t	*fam = NULL;
	bson_t				*query = NULL;
	bson_t				 reply = BSON_INITIALIZER, value;
	bson_iter_t			 it, exp;
	bson_error_t			 error;
	const uint8_t			*data;
	uint32_t			 len;
	enum ca_err			 rc = CA_EINVAL;

	memset(out, 0, sizeof(*out));
	if (st == NULL || !ca_store_hash_ok(state_hash))
		goto out;
	coll = ca_store_coll(st, CA_STORE_STATES);
	query = binding == NULL ? BCON_NEW("_id", BCON_UTF8(state_hash)) :
	    BCON_NEW("_id", BCON_UTF8(state_hash), "binding",
	    BCON_UTF8(binding));
	fam = mongoc_find_and_modify_opts_new();
	mongoc_find_and_modify_opts_set_flags(fam,
	    MONGOC_FIND_AND_MODIFY_REMOVE);
	if (!mongoc_collection_find_and_modify_with_opts(coll, query, fam,
	    &reply, &error)) {
		rc = ca_store_fail(st, "findAndModify cgiauth_oauth_states",
		    &error);
		goto out;
	}
	rc = CA_ENOTFOUND;
	if (!bson_iter_init_find(&it, &reply, "value") ||
	    !BSON_ITER_HOLDS_DOCUMENT(&it))
		goto out;
	bson_iter_document(&it, &len, &data);
	rc = CA_EPARSE;
	if (!bson_init_static(&value, data, len))
		goto out;
	/* A document without a date is treated as expired. */
	if (!bson_iter_init_find(&exp, &value, "expires") ||
	    !BSON_ITER_HOLDS_DATE_TIME(&exp) ||
	    bson_iter_date_time(&exp) <= ca_store_now_ms()) {
		rc = CA_EEXPIRED;
		goto out;
	}
	rc = ca_store_state_read(&value, out);
out:
	if (rc != CA_OK)
		ca_store_state_free(out);
	if (fam != NULL)
		mongoc_find_and_modify_opts_destroy(fam);
	if (coll != NULL)
		mongoc_collection_destroy(coll);
	bson_destroy(query);
	bson_destroy(&reply);
	return rc;
}

void
ca_store_state_free(struct ca_oauth_state *s)
{

	if (s == NULL)
		return;
	ca_free(s->provider);
	ca_free(s->app_id);
	ca_free(s->next);
	ca_free(s->verifier);
	ca_free(s->nonce);
	ca_free(s->binding);
	memset(s, 0, sizeof(*s));
}
