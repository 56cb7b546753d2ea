/*
 * link.c: account-linking resolution (see link.h) over the users and
 * oauth_accounts collections shared with vibetuner.
 *
 * Document shapes (DESIGN.md, "Database"; absent values are null):
 *	oauth_accounts {_id, provider, provider_user_id (always a string),
 *	    email, name, picture, app_id, user_id: ObjectId, db_insert_dt,
 *	    db_update_dt}
 *	users {_id, email, name, picture, oauth_accounts: [{$ref:
 *	    "oauth_accounts", $id: ObjectId}, ...], db_insert_dt,
 *	    db_update_dt, and whatever a site adds, which is never touched}
 * vibetuner writes accounts without user_id; those are found through the
 * users' DBRef lists and get user_id added on their next sign-in.  A
 * user's email is written only from a vouched profile (see link.h).
 *
 * New documents are written account first, pointing at a user _id made
 * here, then the user: when two requests race for one account the unique
 * index stops the loser before it has written anything, and the loser
 * signs in as the winner's user.
 */
#include <ctype.h>
#include <string.h>
#include <time.h>

#include <mongoc.h>

#include "alloc.h"
#include "buf.h"
#include "link.h"
#include "log.h"
#include "store_int.h"

/*
 * A user_id whose user is missing is looked up this many times, this far
 * apart (at most about half a second), before the account counts as
 * orphaned: a concurrent request may be between writing the account and
 * writing its user.
 */
#define CA_LINK_USER_TRIES	10
#define CA_LINK_USER_WAIT_MS	50

static const char *const ca_link_names[CA_LINK__MAX] = {
	"signed_in",	/* CA_LINK_SIGNED_IN */
	"linked",	/* CA_LINK_LINKED */
	"created",	/* CA_LINK_CREATED */
	"email_taken",	/* CA_LINK_EMAIL_TAKEN */
	"no_id",	/* CA_LINK_NO_ID */
};

/* The profile's fields with empty strings made NULL. */
struct ca_link_in {
	const char	*provider;
	const char	*id;
	const char	*email;
	const char	*name;
	const char	*picture;
	const char	*app_id;
	int		 vouched;	/* email_verified or trusted */
	int64_t		 now;		/* ms, for timestamps */
};

const char *
ca_link_outcome_name(enum ca_link_outcome o)
{

	if ((unsigned int)o >= CA_LINK__MAX)
		return "unknown";
	return ca_link_names[o];
}

static const char *
ca_link_nonempty(const char *s)
{

	return s != NULL && s[0] != '\0' ? s : NULL;
}

/* 1 when s is NULL or at most max bytes. */
static int
ca_link_fits(const char *s, size_t max)
{

	return s == NULL || strnlen(s, max + 1) <= max;
}

/* Copies doc[key] into *oid when it is an ObjectId; else returns 0. */
static int
ca_link_get_oid(const bson_t *doc, const char *key, bson_oid_t *oid)
{
	bson_iter_t	it;

	if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_OID(&it))
		return 0;
	bson_oid_copy(bson_iter_oid(&it), oid);
	return 1;
}

/* One update_one with the filter {_id: id}; CA_ENOTFOUND if no match. */
static enum ca_err
ca_link_update(struct ca_store *st, const char *cname, const bson_oid_t *id,
    const bson_t *update)
{
	mongoc_collection_t	*coll;
	bson_t			*filter;
	bson_t			 reply;
	bson_iter_t		 it;
	bson_error_t		 error;
	char			 step[CA_STORE_STEP_MAX];
	enum ca_err		 rc = CA_OK;

	coll = ca_store_coll(st, cname);
	filter = BCON_NEW("_id", BCON_OID(id));
	if (!mongoc_collection_update_one(coll, filter, update, NULL, &reply,
	    &error)) {
		snprintf(step, sizeof(step), "update %s", cname);
		rc = ca_store_fail(st, step, &error);
	} else if (!bson_iter_init_find(&it, &reply, "matchedCount") ||
	    bson_iter_as_int64(&it) != 1)
		rc = CA_ENOTFOUND;
	bson_destroy(&reply);
	bson_destroy(filter);
	mongoc_collection_destroy(coll);
	return rc;
}

/* Deletes {_id: id}; used to undo a half-written link.  Logs failures. */
static void
ca_link_undo(struct ca_store *st, const char *cname, const bson_oid_t *id)
{
	bson_t	*filter;

	filter = BCON_NEW("_id", BCON_OID(id));
	(void)ca_store_delete_one(st, "delete (undo)", cname, filter);
	bson_destroy(filter);
}

/*
 * Sets *exists to 1 when the user uid exists, else 0.  A user that is
 * missing may be one a concurrent request is about to insert (accounts
 * are written before their users), so a miss is asked again, up to
 * CA_LINK_USER_TRIES times CA_LINK_USER_WAIT_MS apart, before it counts.
 */
static enum ca_err
ca_link_user_exists(struct ca_store *st, const bson_oid_t *uid, int *exists)
{
	const struct timespec	 wait = { 0, CA_LINK_USER_WAIT_MS * 1000000L };
	bson_t			*filter = NULL, *opts = NULL, *user = NULL;
	int			 i;
	enum ca_err		 rc = CA_EDB;

	*exists = 0;
	filter = BCON_NEW("_id", BCON_OID(uid));
	opts = BCON_NEW("limit", BCON_INT64(1),
	    "projection", "{", "_id", BCON_INT32(1), "}");
	for (i = 0; i < CA_LINK_USER_TRIES; i++) {
		if (i > 0)
			(void)nanosleep(&wait, NULL);
		rc = ca_store_find_one(st, CA_STORE_USERS, filter, opts,
		    &user);
		if (rc != CA_OK || user != NULL)
			break;
	}
	*exists = rc == CA_OK && user != NULL;
	bson_destroy(filter);
	bson_destroy(opts);
	bson_destroy(user);
	return rc;
}

/*
 * Looks the account up by provider and provider_user_id.  Found: *found
 * is 1, its user is *uid, and the account's e-mail, name, picture and
 * db_update_dt (and user_id, when vibetuner wrote it without) are set
 * from the profile.  Not found: *found is 0 and CA_OK.  Found, but its
 * user_id names no user (deleted) or, without user_id, no user lists
 * it: CA_ENOTFOUND and nothing written.
 */
static enum ca_err
ca_link_known(struct ca_store *st, const struct ca_link_in *in,
    int *found, bson_oid_t *uid)
{
	bson_t		*filter = NULL, *opts = NULL, *acc = NULL;
	bson_t		*user = NULL;
	bson_t		*ufilter = NULL, *uopts = NULL, *update = NULL;
	bson_t		 set;
	bson_oid_t	 aid;
	char		 hex[CA_STORE_OID_HEX];
	int		 had_uid, exists;
	enum ca_err	 rc;

	*found = 0;
	filter = BCON_NEW("provider", BCON_UTF8(in->provider),
	    "provider_user_id", BCON_UTF8(in->id));
	opts = BCON_NEW("limit", BCON_INT64(1));
	rc = ca_store_find_one(st, CA_STORE_ACCOUNTS, filter, opts, &acc);
	if (rc != CA_OK || acc == NULL)
		goto out;
	rc = CA_EDB;
	if (!ca_link_get_oid(acc, "_id", &aid)) {
		rc = ca_store_fail_msg(st, "find oauth_accounts",
		    "an account whose _id is not an ObjectId");
		goto out;
	}
	had_uid = ca_link_get_oid(acc, "user_id", uid);
	if (had_uid) {
		rc = ca_link_user_exists(st, uid, &exists);
		if (rc != CA_OK)
			goto out;
		if (!exists) {
			bson_oid_to_string(&aid, hex);
			ca_log(NULL, "link", "fail", "oauth account %s "
			    "(provider %s) names a user that does not exist",
			    hex, in->provider);
			rc = CA_ENOTFOUND;
			goto out;
		}
	} else {
		/* vibetuner's direction: the user's list of DBRefs. */
		ufilter = BCON_NEW("oauth_accounts.$id", BCON_OID(&aid));
		uopts = BCON_NEW("limit", BCON_INT64(1),
		    "sort", "{", "_id", BCON_INT32(1), "}",
		    "projection", "{", "_id", BCON_INT32(1), "}");
		rc = ca_store_find_one(st, CA_STORE_USERS, ufilter, uopts,
		    &user);
		if (rc != CA_OK)
			goto out;
		if (user == NULL || !ca_link_get_oid(user, "_id", uid)) {
			bson_oid_to_string(&aid, hex);
			ca_log(NULL, "link", "fail", "oauth account %s "
			    "(provider %s) has no user_id and no user lists "
			    "it", hex, in->provider);
			rc = CA_ENOTFOUND;
			goto out;
		}
	}
	update = bson_new();
	BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
	ca_store_append_str(&set, "email", in->email);
	ca_store_append_str(&set, "name", in->name);
	ca_store_append_str(&set, "picture", in->picture);
	BSON_APPEND_DATE_TIME(&set, "db_update_dt", in->now);
	if (!had_uid)
		BSON_APPEND_OID(&set, "user_id", uid);
	bson_append_document_end(update, &set);
	rc = ca_link_update(st, CA_STORE_ACCOUNTS, &aid, update);
	/* Gone between find and update: a concurrent delete; still ours. */
	if (rc == CA_ENOTFOUND)
		rc = CA_OK;
	if (rc == CA_OK)
		*found = 1;
out:
	bson_destroy(filter);
	bson_destroy(opts);
	bson_destroy(acc);
	bson_destroy(user);
	bson_destroy(ufilter);
	bson_destroy(uopts);
	bson_destroy(update);
	return rc;
}

/*
 * The $regex matching exactly email, ignoring the case of ASCII letters
 * only: each letter becomes a class such as [aA], and no "i" option is
 * used, because a regex engine's Unicode case folding would make
 * "\u212Aate@x" (KELVIN SIGN) match kate@x, and so join a stranger's
 * account to Kate's.  Other ASCII punctuation is escaped (a backslash
 * before a non-alphanumeric is literal in both PCRE and Python's re,
 * which devdb uses), and the end is "(?![\s\S])" rather than "$", which
 * would also match before a final newline.  The caller frees *out with
 * ca_free().
 */
static enum ca_err
ca_link_email_regex(const char *email, char **out)
{
	struct ca_buf	 b;
	const char	*p;
	unsigned char	 c;
	enum ca_err	 rc;

	*out = NULL;
	ca_buf_init(&b, 4 * CA_LINK_EMAIL_MAX + 32);
	rc = ca_buf_putc(&b, '^');
	for (p = email; rc == CA_OK && *p != '\0'; p++) {
		c = (unsigned char)*p;
		if (c < 0x80 && isalpha(c))
			rc = ca_buf_printf(&b, "[%c%c]", tolower(c),
			    toupper(c));
		else if (c < 0x80 && !isdigit(c))
			rc = ca_buf_printf(&b, "\\%c", c);
		else
			rc = ca_buf_putc(&b, (char)c);
	}
	if (rc == CA_OK)
		rc = ca_buf_puts(&b, "(?![\\s\\S])");
	if (rc == CA_OK) {
		*out = ca_buf_take(&b);
		if (*out == NULL)
			rc = CA_ENOMEM;
	}
	ca_buf_free(&b);
	return rc;
}

/* The oldest user whose email equals in->email ignoring case, or NULL. */
static enum ca_err
ca_link_by_email(struct ca_store *st, const struct ca_link_in *in,
    bson_t **user)
{
	bson_t		*filter = NULL, *opts = NULL;
	char		*re = NULL;
	enum ca_err	 rc;

	*user = NULL;
	rc = ca_link_email_regex(in->email, &re);
	if (rc != CA_OK)
		goto out;
	filter = BCON_NEW("email", "{", "$regex", BCON_UTF8(re), "}");
	opts = BCON_NEW("limit", BCON_INT64(1),
	    "sort", "{", "_id", BCON_INT32(1), "}");
	rc = ca_store_find_one(st, CA_STORE_USERS, filter, opts, user);
out:
	ca_free(re);
	bson_destroy(filter);
	bson_destroy(opts);
	return rc;
}

/* Appends {$ref: "oauth_accounts", $id: aid} as key. */
static void
ca_link_append_dbref(bson_t *doc, const char *key, const bson_oid_t *aid)
{
	bson_t	ref;

	BSON_APPEND_DOCUMENT_BEGIN(doc, key, &ref);
	BSON_APPEND_UTF8(&ref, "$ref", CA_STORE_ACCOUNTS);
	BSON_APPEND_OID(&ref, "$id", aid);
	bson_append_document_end(doc, &ref);
}

/*
 * Inserts the OAuth account aid for user uid.  CA_EEXIST when another
 * request inserted it first.
 */
static enum ca_err
ca_link_insert_account(struct ca_store *st, const struct ca_link_in *in,
    const bson_oid_t *aid, const bson_oid_t *uid)
{
	bson_t		*doc;
	enum ca_err	 rc;

	doc = bson_new();
	BSON_APPEND_OID(doc, "_id", aid);
	BSON_APPEND_UTF8(doc, "provider", in->provider);
	BSON_APPEND_UTF8(doc, "provider_user_id", in->id);
	ca_store_append_str(doc, "email", in->email);
	ca_store_append_str(doc, "name", in->name);
	ca_store_append_str(doc, "picture", in->picture);
	ca_store_append_str(doc, "app_id", in->app_id);
	BSON_APPEND_OID(doc, "user_id", uid);
	BSON_APPEND_DATE_TIME(doc, "db_insert_dt", in->now);
	BSON_APPEND_DATE_TIME(doc, "db_update_dt", in->now);
	rc = ca_store_insert_one(st, CA_STORE_ACCOUNTS, doc);
	bson_destroy(doc);
	return rc;
}

/*
 * Inserts the new user uid owning account aid.  The user gets the
 * e-mail only when the provider vouches for it; else email is null and
 * the address stays on the account alone, so no user ever holds an
 * address nobody proved (a later vouched sign-in with it must not be
 * linked into this user: account pre-hijacking).
 */
static enum ca_err
ca_link_insert_user(struct ca_store *st, const struct ca_link_in *in,
    const bson_oid_t *uid, const bson_oid_t *aid)
{
	bson_t		*doc;
	bson_t		 list;
	enum ca_err	 rc;

	doc = bson_new();
	BSON_APPEND_OID(doc, "_id", uid);
	ca_store_append_str(doc, "email", in->vouched ? in->email : NULL);
	ca_store_append_str(doc, "name", in->name);
	ca_store_append_str(doc, "picture", in->picture);
	BSON_APPEND_ARRAY_BEGIN(doc, "oauth_accounts", &list);
	ca_link_append_dbref(&list, "0", aid);
	bson_append_array_end(doc, &list);
	BSON_APPEND_DATE_TIME(doc, "db_insert_dt", in->now);
	BSON_APPEND_DATE_TIME(doc, "db_update_dt", in->now);
	rc = ca_store_insert_one(st, CA_STORE_USERS, doc);
	bson_destroy(doc);
	return rc;
}

/* 1 when the user document has no usable string at key. */
static int
ca_link_user_lacks(const bson_t *user, const char *key)
{
	bson_iter_t	 it;
	uint32_t	 len;

	if (!bson_iter_init_find(&it, user, key) || BSON_ITER_HOLDS_NULL(&it))
		return 1;
	if (!BSON_ITER_HOLDS_UTF8(&it))
		return 0;	/* something a site put there: keep it */
	(void)bson_iter_utf8(&it, &len);
	return len == 0;
}

/*
 * Adds the DBRef to account aid to the user, sets db_update_dt, and
 * fills name and picture from the profile where the user has none.
 */
static enum ca_err
ca_link_join_user(struct ca_store *st, const struct ca_link_in *in,
    const bson_t *user, const bson_oid_t *uid, const bson_oid_t *aid)
{
	bson_t		*update;
	bson_t		 set, push, list;
	bson_iter_t	 it;
	int		 is_list;
	enum ca_err	 rc;

	is_list = bson_iter_init_find(&it, user, "oauth_accounts") &&
	    BSON_ITER_HOLDS_ARRAY(&it);
	update = bson_new();
	BSON_APPEND_DOCUMENT_BEGIN(update, "$set", &set);
	BSON_APPEND_DATE_TIME(&set, "db_update_dt", in->now);
	if (in->name != NULL && ca_link_user_lacks(user, "name"))
		BSON_APPEND_UTF8(&set, "name", in->name);
	if (in->picture != NULL && ca_link_user_lacks(user, "picture"))
		BSON_APPEND_UTF8(&set, "picture", in->picture);
	if (!is_list) {
		/* Missing or null: $push would fail on null, so set it. */
		BSON_APPEND_ARRAY_BEGIN(&set, "oauth_accounts", &list);
		ca_link_append_dbref(&list, "0", aid);
		bson_append_array_end(&set, &list);
	}
	bson_append_document_end(update, &set);
	if (is_list) {
		BSON_APPEND_DOCUMENT_BEGIN(update, "$push", &push);
		ca_link_append_dbref(&push, "oauth_accounts", aid);
		bson_append_document_end(update, &push);
	}
	rc = ca_link_update(st, CA_STORE_USERS, uid, update);
	bson_destroy(update);
	return rc;
}

/*
 * The account was inserted by a concurrent request (CA_EEXIST): sign in
 * as the winner's user.
 */
static enum ca_err
ca_link_lost_race(struct ca_store *st, const struct ca_link_in *in,
    struct ca_link_result *out)
{
	bson_oid_t	uid;
	int		found;
	enum ca_err	rc;

	rc = ca_link_known(st, in, &found, &uid);
	if (rc != CA_OK)
		return rc;
	if (!found)
		return ca_store_fail_msg(st, "insert oauth_accounts",
		    "duplicate key, yet the account cannot be found");
	out->outcome = CA_LINK_SIGNED_IN;
	bson_oid_to_string(&uid, out->user_id);
	return CA_OK;
}

enum ca_err
ca_link_resolve(struct ca_store *st, const struct ca_profile *p,
    int trust_email, struct ca_link_result *out)
{
	struct ca_link_in	 in;
	bson_t			*user = NULL;
	bson_oid_t		 uid, aid;
	int			 found;
	enum ca_err		 rc = CA_EINVAL;

	memset(out, 0, sizeof(*out));
	out->outcome = CA_LINK_NO_ID;
	memset(&in, 0, sizeof(in));
	if (st == NULL || p == NULL)
		goto out;
	in.provider = ca_link_nonempty(p->provider);
	in.id = ca_link_nonempty(p->provider_user_id);
	in.email = ca_link_nonempty(p->email);
	in.name = ca_link_nonempty(p->name);
	in.picture = ca_link_nonempty(p->picture);
	in.app_id = ca_link_nonempty(p->app_id);
	in.vouched = p->email_verified || trust_email;
	in.now = ca_store_now_ms();
	if (in.provider == NULL)
		goto out;
	rc = CA_ETOOBIG;
	if (!ca_link_fits(in.provider, CA_LINK_FIELD_MAX) ||
	    !ca_link_fits(in.id, CA_LINK_ID_MAX) ||
	    !ca_link_fits(in.email, CA_LINK_EMAIL_MAX) ||
	    !ca_link_fits(in.name, CA_LINK_FIELD_MAX) ||
	    !ca_link_fits(in.picture, CA_LINK_FIELD_MAX) ||
	    !ca_link_fits(in.app_id, CA_LINK_FIELD_MAX))
		goto out;
	rc = CA_OK;
	if (in.id == NULL)
		goto out;	/* CA_LINK_NO_ID */

	/* Case 1: a known OAuth account. */
	rc = ca_link_known(st, &in, &found, &uid);
	if (rc != CA_OK)
		goto out;
	if (found) {
		out->outcome = CA_LINK_SIGNED_IN;
		bson_oid_to_string(&uid, out->user_id);
		goto out;
	}

	/* Case 2: a user with that e-mail. */
	if (in.email != NULL) {
		rc = ca_link_by_email(st, &in, &user);
		if (rc != CA_OK)
			goto out;
	}
	bson_oid_init(&aid, NULL);
	if (user != NULL) {
		if (!in.vouched) {
			/* Named so the page can say how that user signs in. */
			out->outcome = CA_LINK_EMAIL_TAKEN;
			if (ca_link_get_oid(user, "_id", &uid))
				bson_oid_to_string(&uid, out->user_id);
			goto out;
		}
		rc = CA_EDB;
		if (!ca_link_get_oid(user, "_id", &uid)) {
			rc = ca_store_fail_msg(st, "find users",
			    "a user whose _id is not an ObjectId");
			goto out;
		}
		rc = ca_link_insert_account(st, &in, &aid, &uid);
		if (rc == CA_EEXIST) {
			rc = ca_link_lost_race(st, &in, out);
			goto out;
		}
		if (rc != CA_OK)
			goto out;
		rc = ca_link_join_user(st, &in, user, &uid, &aid);
		if (rc != CA_OK) {
			ca_link_undo(st, CA_STORE_ACCOUNTS, &aid);
			if (rc == CA_ENOTFOUND)
				rc = ca_store_fail_msg(st, "update users",
				    "the user went away while linking");
			goto out;
		}
		out->outcome = CA_LINK_LINKED;
		bson_oid_to_string(&uid, out->user_id);
		goto out;
	}

	/*
	 * Case 3: nobody; the account first, then its user, whose email
	 * is null unless vouched for.
	 */
	bson_oid_init(&uid, NULL);
	rc = ca_link_insert_account(st, &in, &aid, &uid);
	if (rc == CA_EEXIST) {
		rc = ca_link_lost_race(st, &in, out);
		goto out;
	}
	if (rc != CA_OK)
		goto out;
	rc = ca_link_insert_user(st, &in, &uid, &aid);
	if (rc != CA_OK) {
		ca_link_undo(st, CA_STORE_ACCOUNTS, &aid);
		if (rc == CA_EEXIST)
			rc = CA_EDB;
		goto out;
	}
	out->outcome = CA_LINK_CREATED;
	bson_oid_to_string(&uid, out->user_id);
out:
	bson_destroy(user);
	return rc;
}
