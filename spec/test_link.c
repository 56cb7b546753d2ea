/*
 * test_link.c: account linking (lib/link.c) over the cases in
 * fixtures/linking/ (one JSON file per case), against a real devdb.
 *
 * Each fixture file is one case (format in fixtures/linking/README.md):
 * the documents before, the provider's profile, trust_email, the expected
 * outcome and user, and the documents after.  One devdb serves the suite
 * (an unchecked fixture); each case works in a database of its own, so
 * cases are independent and any of them can run alone.  The test inserts
 * "before", calls ca_store_ensure_indexes() and ca_link_resolve(), then
 * reads back both collections sorted by _id and compares them with
 * "after" as canonical extended JSON (also when the case expects an
 * error instead of an outcome): every field, every type, the field
 * set of every document (a field that should not exist must not), in
 * _id order.  Values the code generates are written as markers, string
 * values standing for a whole value:
 *	"$new_user_id"	the ObjectId ca_link_resolve() returned as the
 *			user, which must not be a "before" id
 *	"$new_account_id"
 *			one ObjectId not among the "before" ids, the same
 *			at each place it appears in a case
 *	"$new_date"	a date taken during the ca_link_resolve() call
 * Anything else is compared exactly.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <cJSON.h>
#include <mongoc.h>

#include "config.h"
#include "err.h"
#include "fixture.h"
#include "harness.h"
#include "link.h"
#include "profile.h"
#include "store.h"

/* Where the cases live, under the repository root. */
#define CASES_DIR	"fixtures/linking"
/* The most cases the suite takes; more is a failure, not a cut. */
#define CASES_MAX	128
/* A fixture file at most (64 KiB). */
#define CASE_FILE_MAX	(64 * 1024)
/* Longest path, URI or message the test builds. */
#define PATH_LEN	1024
/* Most documents of one collection in "before" (the "after" too). */
#define DOCS_MAX	64
/* Processes racing to create one account. */
#define RACERS		12
/* Seconds one case may take on a slow, busy machine. */
#define TEST_TIMEOUT	60

/* What one case binds while it runs. */
struct casectx {
	const char	*file;
	/* The new user (from the result) and account; "" until known. */
	char		 new_user[CA_STORE_OID_HEX];
	char		 new_account[CA_STORE_OID_HEX];
	char		 before_ids[2 * DOCS_MAX][CA_STORE_OID_HEX];
	size_t		 nbefore;
	int64_t		 t0, t1;	/* ms around the call */
};

static int
is_case(const struct dirent *d)
{
	size_t	n;

	n = strlen(d->d_name);
	return d->d_name[0] != '.' && n > 5 &&
	    strcmp(d->d_name + n - 5, ".json") == 0;
}

/*
 * The sorted case file names; returns their number, or -1 when the
 * directory cannot be read.  The caller frees each entry and the list
 * with free() (scandir(3) allocates them).
 */
static int
case_list(struct dirent ***list)
{
	char	 dir[PATH_LEN];
	int	 n;

	n = snprintf(dir, sizeof(dir), "%s/%s", ca_harness_root_dir(),
	    CASES_DIR);
	if (n < 0 || (size_t)n >= sizeof(dir))
		return -1;
	return scandir(dir, list, is_case, alphasort);
}

static void
case_list_free(struct dirent **list, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* Reads and parses a case file; the caller cJSON_Delete()s it. */
static cJSON *
case_load(const char *name)
{
	char	 path[PATH_LEN];
	int	 n;

	n = snprintf(path, sizeof(path), "%s/%s/%s", ca_harness_root_dir(),
	    CASES_DIR, name);
	ck_assert(n > 0 && (size_t)n < sizeof(path));
	return ca_fixture_json(path, CASE_FILE_MAX);
}

/* Fails unless every key of obj is one of the NULL-terminated names. */
static void
keys_only(const char *file, const char *what, const cJSON *obj,
    const char *const names[])
{
	const cJSON	*k;
	size_t		 i;

	ck_assert_msg(cJSON_IsObject(obj), "%s: %s is not an object", file,
	    what);
	for (k = obj->child; k != NULL; k = k->next) {
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(k->string, names[i]) == 0)
				break;
		ck_assert_msg(names[i] != NULL, "%s: unknown key %s in %s",
		    file, k->string, what);
	}
}

static const cJSON *
need(const char *file, const cJSON *obj, const char *key)
{
	const cJSON	*v;

	v = cJSON_GetObjectItemCaseSensitive(obj, key);
	ck_assert_msg(v != NULL, "%s: no %s", file, key);
	return v;
}

/* The profile's string field, NULL for null; fails on anything else. */
static char *
profile_str(const char *file, const cJSON *p, const char *key)
{
	const cJSON	*v;
	char		*s;

	v = need(file, p, key);
	if (cJSON_IsNull(v))
		return NULL;
	ck_assert_msg(cJSON_IsString(v), "%s: profile.%s must be a string "
	    "or null", file, key);
	s = strdup(v->valuestring);
	ck_assert_ptr_nonnull(s);
	return s;
}

/*
 * The case's profile; the strings are strdup()ed, so ca_profile_free()
 * would be wrong: free them with profile_clear().
 */
static void
profile_load(const char *file, const cJSON *p, struct ca_profile *out)
{
	static const char *const keys[] = { "provider", "provider_user_id",
	    "email", "email_verified", "name", "picture", "app_id", NULL };
	const cJSON	*v;

	keys_only(file, "profile", p, keys);
	memset(out, 0, sizeof(*out));
	out->provider = profile_str(file, p, "provider");
	out->provider_user_id = profile_str(file, p, "provider_user_id");
	out->email = profile_str(file, p, "email");
	out->name = profile_str(file, p, "name");
	out->picture = profile_str(file, p, "picture");
	out->app_id = cJSON_GetObjectItemCaseSensitive(p, "app_id") != NULL ?
	    profile_str(file, p, "app_id") : NULL;
	v = need(file, p, "email_verified");
	ck_assert_msg(cJSON_IsBool(v), "%s: profile.email_verified must be "
	    "true or false", file);
	out->email_verified = cJSON_IsTrue(v);
}

static void
profile_clear(struct ca_profile *p)
{

	free(p->provider);
	free(p->provider_user_id);
	free(p->email);
	free(p->name);
	free(p->picture);
	free(p->app_id);
	memset(p, 0, sizeof(*p));
}

/* The fixture document as BSON; the caller bson_destroy()s it. */
static bson_t *
doc_bson(const char *file, const cJSON *doc)
{
	bson_error_t	 err;
	bson_t		*b;
	char		*json;

	ck_assert_msg(cJSON_IsObject(doc), "%s: a document is not an object",
	    file);
	json = cJSON_PrintUnformatted(doc);
	ck_assert_ptr_nonnull(json);
	b = bson_new_from_json((const uint8_t *)json, -1, &err);
	ck_assert_msg(b != NULL, "%s: bad extended JSON %s: %s", file, json,
	    err.message);
	cJSON_free(json);
	return b;
}

/* BSON as canonical extended JSON parsed by cJSON; caller deletes it. */
static cJSON *
bson_canon(const bson_t *b)
{
	char	*s;
	cJSON	*j;

	s = bson_as_canonical_extended_json(b, NULL);
	ck_assert_ptr_nonnull(s);
	j = cJSON_Parse(s);
	ck_assert_msg(j != NULL, "cannot parse libbson's JSON %s", s);
	bson_free(s);
	return j;
}

/* Inserts the "before" documents of one collection; records their ids. */
static void
insert_docs(struct casectx *cx, mongoc_database_t *db, const char *cname,
    const cJSON *docs)
{
	mongoc_collection_t	*coll;
	const cJSON		*d;
	bson_error_t		 err;
	bson_iter_t		 it;
	bson_t			*b;

	ck_assert_msg(cJSON_IsArray(docs), "%s: before.%s is not a list",
	    cx->file, cname);
	coll = mongoc_database_get_collection(db, cname);
	cJSON_ArrayForEach(d, docs) {
		b = doc_bson(cx->file, d);
		ck_assert_msg(bson_iter_init_find(&it, b, "_id") &&
		    BSON_ITER_HOLDS_OID(&it), "%s: a before.%s document "
		    "needs an ObjectId _id", cx->file, cname);
		ck_assert(cx->nbefore < 2 * DOCS_MAX);
		bson_oid_to_string(bson_iter_oid(&it),
		    cx->before_ids[cx->nbefore++]);
		ck_assert_msg(mongoc_collection_insert_one(coll, b, NULL, NULL,
		    &err), "%s: insert into %s: %s", cx->file, cname,
		    err.message);
		bson_destroy(b);
	}
	mongoc_collection_destroy(coll);
}

static int
is_before_id(const struct casectx *cx, const char *hex)
{
	size_t	i;

	for (i = 0; i < cx->nbefore; i++)
		if (strcmp(cx->before_ids[i], hex) == 0)
			return 1;
	return 0;
}

/* The hex of {"$oid": hex}, or NULL when act is not that shape. */
static const char *
oid_of(const cJSON *act)
{
	const cJSON	*v;

	if (!cJSON_IsObject(act) || cJSON_GetArraySize(act) != 1)
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(act, "$oid");
	return cJSON_IsString(v) && strlen(v->valuestring) == 24 ?
	    v->valuestring : NULL;
}

/* Milliseconds of {"$date": {"$numberLong": "n"}}; 0 when not that. */
static int
date_of(const cJSON *act, int64_t *ms)
{
	const cJSON	*d, *n;
	char		*end;

	if (!cJSON_IsObject(act) || cJSON_GetArraySize(act) != 1)
		return 0;
	d = cJSON_GetObjectItemCaseSensitive(act, "$date");
	if (!cJSON_IsObject(d) || cJSON_GetArraySize(d) != 1)
		return 0;
	n = cJSON_GetObjectItemCaseSensitive(d, "$numberLong");
	if (!cJSON_IsString(n))
		return 0;
	*ms = strtoll(n->valuestring, &end, 10);
	return *n->valuestring != '\0' && *end == '\0';
}

/* Checks a marker; fails the test with the path when act does not fit. */
static void
match_marker(struct casectx *cx, const char *marker, const cJSON *act,
    const char *path)
{
	const char	*hex;
	int64_t		 ms;

	if (strcmp(marker, "$new_user_id") == 0) {
		hex = oid_of(act);
		ck_assert_msg(hex != NULL && cx->new_user[0] != '\0' &&
		    strcmp(hex, cx->new_user) == 0, "%s: %s: not the new user "
		    "id %s", cx->file, path, cx->new_user);
	} else if (strcmp(marker, "$new_account_id") == 0) {
		hex = oid_of(act);
		ck_assert_msg(hex != NULL && !is_before_id(cx, hex),
		    "%s: %s: not a new ObjectId", cx->file, path);
		if (cx->new_account[0] == '\0')
			memcpy(cx->new_account, hex, CA_STORE_OID_HEX);
		ck_assert_msg(strcmp(hex, cx->new_account) == 0, "%s: %s: %s "
		    "is not the new account %s", cx->file, path, hex,
		    cx->new_account);
	} else if (strcmp(marker, "$new_date") == 0) {
		ck_assert_msg(date_of(act, &ms) && ms >= cx->t0 &&
		    ms <= cx->t1, "%s: %s: not a date from the call", cx->file,
		    path);
	} else
		ck_abort_msg("%s: %s: unknown marker %s", cx->file, path,
		    marker);
}

/* Fails the test, naming the path, unless act matches exp exactly. */
static void
match(struct casectx *cx, const cJSON *exp, const cJSON *act,
    const char *path)
{
	const cJSON	*e, *a;
	char		 sub[PATH_LEN];
	int		 i, n;

	if (cJSON_IsString(exp) && strncmp(exp->valuestring, "$new_", 5) == 0) {
		match_marker(cx, exp->valuestring, act, path);
		return;
	}
	ck_assert_msg(act != NULL, "%s: %s: missing", cx->file, path);
	ck_assert_msg((exp->type & 0xff) == (act->type & 0xff),
	    "%s: %s: a different type", cx->file, path);
	if (cJSON_IsObject(exp)) {
		for (a = act->child; a != NULL; a = a->next)
			ck_assert_msg(cJSON_GetObjectItemCaseSensitive(exp,
			    a->string) != NULL, "%s: %s.%s: should not exist",
			    cx->file, path, a->string);
		for (e = exp->child; e != NULL; e = e->next) {
			n = snprintf(sub, sizeof(sub), "%s.%s", path,
			    e->string);
			ck_assert(n > 0 && (size_t)n < sizeof(sub));
			match(cx, e, cJSON_GetObjectItemCaseSensitive(act,
			    e->string), sub);
		}
	} else if (cJSON_IsArray(exp)) {
		ck_assert_msg(cJSON_GetArraySize(exp) ==
		    cJSON_GetArraySize(act), "%s: %s: %d elements, expected "
		    "%d", cx->file, path, cJSON_GetArraySize(act),
		    cJSON_GetArraySize(exp));
		for (i = 0; i < cJSON_GetArraySize(exp); i++) {
			n = snprintf(sub, sizeof(sub), "%s[%d]", path, i);
			ck_assert(n > 0 && (size_t)n < sizeof(sub));
			match(cx, cJSON_GetArrayItem(exp, i),
			    cJSON_GetArrayItem(act, i), sub);
		}
	} else if (cJSON_IsString(exp))
		ck_assert_msg(strcmp(exp->valuestring, act->valuestring) == 0,
		    "%s: %s: \"%s\", expected \"%s\"", cx->file, path,
		    act->valuestring, exp->valuestring);
	else if (cJSON_IsNumber(exp))
		ck_assert_msg(exp->valuedouble == act->valuedouble,
		    "%s: %s: %g, expected %g", cx->file, path,
		    act->valuedouble, exp->valuedouble);
	/* true, false and null: the type says it all. */
}

/* Compares collection cname, sorted by _id, with the expected list. */
static void
compare_docs(struct casectx *cx, mongoc_database_t *db, const char *cname,
    const cJSON *expected)
{
	mongoc_collection_t	*coll;
	mongoc_cursor_t		*cur;
	const bson_t		*d;
	bson_error_t		 err;
	bson_t			*opts, *filter, *b;
	cJSON			*act, *exp;
	const cJSON		*e;
	char			*shown;

	ck_assert_msg(cJSON_IsArray(expected), "%s: after.%s is not a list",
	    cx->file, cname);
	coll = mongoc_database_get_collection(db, cname);
	filter = bson_new();
	opts = BCON_NEW("sort", "{", "_id", BCON_INT32(1), "}");
	cur = mongoc_collection_find_with_opts(coll, filter, opts, NULL);
	act = cJSON_CreateArray();
	while (mongoc_cursor_next(cur, &d))
		cJSON_AddItemToArray(act, bson_canon(d));
	ck_assert_msg(!mongoc_cursor_error(cur, &err), "%s: find %s: %s",
	    cx->file, cname, err.message);
	exp = cJSON_CreateArray();
	cJSON_ArrayForEach(e, expected) {
		b = doc_bson(cx->file, e);
		cJSON_AddItemToArray(exp, bson_canon(b));
		bson_destroy(b);
	}
	if (cJSON_GetArraySize(act) != cJSON_GetArraySize(exp)) {
		shown = cJSON_PrintUnformatted(act);
		ck_abort_msg("%s: %s holds %d documents, expected %d: %s",
		    cx->file, cname, cJSON_GetArraySize(act),
		    cJSON_GetArraySize(exp), shown);
	}
	match(cx, exp, act, cname);
	cJSON_Delete(act);
	cJSON_Delete(exp);
	mongoc_cursor_destroy(cur);
	bson_destroy(filter);
	bson_destroy(opts);
	mongoc_collection_destroy(coll);
}

/*
 * The error a case may expect instead of an outcome ("error": name),
 * one row per documented failure of ca_link_resolve() that a fixture
 * can reach.
 */
static const struct {
	const char	*name;
	enum ca_err	 rc;
} case_errors[] = {
	{ "CA_ENOTFOUND", CA_ENOTFOUND },	/* the account's user is gone */
};

/* The enum ca_err that expect.error names; fails on an unknown name. */
static enum ca_err
error_code(const char *file, const cJSON *error)
{
	size_t	i;

	ck_assert_msg(cJSON_IsString(error), "%s: expect.error must be a "
	    "string", file);
	for (i = 0; i < sizeof(case_errors) / sizeof(case_errors[0]); i++)
		if (strcmp(error->valuestring, case_errors[i].name) == 0)
			return case_errors[i].rc;
	ck_abort_msg("%s: unknown expect.error %s", file, error->valuestring);
	return CA_OK;
}

static void
run_case(const char *file, int index)
{
	static const char *const keys[] = { "name", "description",
	    "trust_email", "before", "profile", "expect", "after", NULL };
	static const char *const expkeys[] = { "outcome", "user", "error",
	    NULL };
	static const char *const colls[] = { "users", "oauth_accounts", NULL };
	struct casectx		 cx;
	struct ca_config	 cfg;
	struct ca_store		*st = NULL;
	struct ca_profile	 prof;
	struct ca_link_result	 res;
	mongoc_client_t		*client;
	mongoc_database_t	*db;
	const cJSON		*before, *after, *expect, *outcome, *user;
	const cJSON		*trust, *error;
	enum ca_err		 want_rc;
	cJSON			*c;
	char			 uri[PATH_LEN], dbname[64];
	enum ca_err		 rc;
	int			 n;

	memset(&cx, 0, sizeof(cx));
	cx.file = file;
	c = case_load(file);
	keys_only(file, "the case", c, keys);
	ck_assert_msg(cJSON_IsString(need(file, c, "name")) &&
	    cJSON_IsString(need(file, c, "description")), "%s: name and "
	    "description must be strings", file);
	trust = need(file, c, "trust_email");
	ck_assert_msg(cJSON_IsBool(trust), "%s: trust_email must be true or "
	    "false", file);
	before = need(file, c, "before");
	after = need(file, c, "after");
	expect = need(file, c, "expect");
	keys_only(file, "before", before, colls);
	keys_only(file, "after", after, colls);
	keys_only(file, "expect", expect, expkeys);
	error = cJSON_GetObjectItemCaseSensitive(expect, "error");
	outcome = cJSON_GetObjectItemCaseSensitive(expect, "outcome");
	user = need(file, expect, "user");
	ck_assert_msg(cJSON_IsString(user) || cJSON_IsNull(user),
	    "%s: expect.user must be a hex id, \"new\" or null", file);
	if (error != NULL) {
		ck_assert_msg(outcome == NULL && cJSON_IsNull(user),
		    "%s: expect.error goes with \"user\": null and no "
		    "outcome", file);
		want_rc = error_code(file, error);
	} else {
		ck_assert_msg(cJSON_IsString(outcome), "%s: expect.outcome",
		    file);
		want_rc = CA_OK;
	}
	profile_load(file, need(file, c, "profile"), &prof);

	n = snprintf(dbname, sizeof(dbname), "link_%d_%ld", index,
	    (long)getpid());
	ck_assert(n > 0 && (size_t)n < sizeof(dbname));
	ck_assert(ca_fixture_devdb_uri(uri, sizeof(uri), dbname) == 0);
	client = ca_fixture_client(uri);
	db = mongoc_client_get_database(client, dbname);
	insert_docs(&cx, db, "users", need(file, before, "users"));
	insert_docs(&cx, db, "oauth_accounts",
	    need(file, before, "oauth_accounts"));

	memset(&cfg, 0, sizeof(cfg));
	cfg.values[CA_SET_MONGODB_URI] = uri;
	ck_assert_int_eq(ca_store_open(&cfg, &st), CA_OK);
	rc = ca_store_ensure_indexes(st);
	ck_assert_msg(rc == CA_OK, "%s: ensure_indexes: %s", file,
	    ca_strerror(rc));
	cx.t0 = (int64_t)time(NULL) * 1000 - 1000;
	rc = ca_link_resolve(st, &prof, cJSON_IsTrue(trust), &res);
	cx.t1 = (int64_t)time(NULL) * 1000 + 1000;
	ck_assert_msg(rc == want_rc, "%s: ca_link_resolve: %s, expected %s",
	    file, ca_strerror(rc), ca_strerror(want_rc));
	if (outcome != NULL)
		ck_assert_msg(strcmp(ca_link_outcome_name(res.outcome),
		    outcome->valuestring) == 0, "%s: outcome %s, expected %s",
		    file, ca_link_outcome_name(res.outcome),
		    outcome->valuestring);
	if (cJSON_IsNull(user))
		ck_assert_msg(res.user_id[0] == '\0', "%s: user %s, expected "
		    "none", file, res.user_id);
	else if (strcmp(user->valuestring, "new") == 0) {
		ck_assert_msg(strlen(res.user_id) == 24 &&
		    !is_before_id(&cx, res.user_id), "%s: user \"%s\" is not "
		    "new", file, res.user_id);
		memcpy(cx.new_user, res.user_id, sizeof(cx.new_user));
	} else
		ck_assert_msg(strcmp(res.user_id, user->valuestring) == 0,
		    "%s: user %s, expected %s", file, res.user_id,
		    user->valuestring);

	compare_docs(&cx, db, "users", need(file, after, "users"));
	compare_docs(&cx, db, "oauth_accounts",
	    need(file, after, "oauth_accounts"));

	ca_store_close(st);
	profile_clear(&prof);
	mongoc_database_destroy(db);
	mongoc_client_destroy(client);
	cJSON_Delete(c);
}

START_TEST(test_link_resolve_fixture)
{
	struct dirent	**list = NULL;
	int		  n;

	n = case_list(&list);
	ck_assert_msg(n > _i, "case %d is gone from %s", _i, CASES_DIR);
	run_case(list[_i]->d_name, _i);
	case_list_free(list, n);
}
END_TEST

/* Outcome names are a fixed interface: the fixtures and logs use them. */
START_TEST(test_link_outcome_name_table)
{

	ck_assert_str_eq(ca_link_outcome_name(CA_LINK_SIGNED_IN), "signed_in");
	ck_assert_str_eq(ca_link_outcome_name(CA_LINK_LINKED), "linked");
	ck_assert_str_eq(ca_link_outcome_name(CA_LINK_CREATED), "created");
	ck_assert_str_eq(ca_link_outcome_name(CA_LINK_EMAIL_TAKEN),
	    "email_taken");
	ck_assert_str_eq(ca_link_outcome_name(CA_LINK_NO_ID), "no_id");
	ck_assert_str_eq(ca_link_outcome_name(CA_LINK__MAX), "unknown");
	ck_assert_str_eq(ca_link_outcome_name((enum ca_link_outcome)-1),
	    "unknown");
}
END_TEST

/* Bad arguments are errors, never crashes, and write nothing. */
START_TEST(test_link_resolve_bad_input)
{
	struct ca_config	 cfg;
	struct ca_store		*st = NULL;
	struct ca_profile	 p;
	struct ca_link_result	 res;
	char			 uri[PATH_LEN], big[CA_LINK_EMAIL_MAX + 2];

	ck_assert(ca_fixture_devdb_uri(uri, sizeof(uri), "link_bad") == 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.values[CA_SET_MONGODB_URI] = uri;
	ck_assert_int_eq(ca_store_open(&cfg, &st), CA_OK);
	memset(&p, 0, sizeof(p));
	ck_assert_int_eq(ca_link_resolve(NULL, &p, 0, &res), CA_EINVAL);
	ck_assert_int_eq(ca_link_resolve(st, NULL, 0, &res), CA_EINVAL);
	/* No provider: a caller's mistake. */
	p.provider_user_id = "1";
	ck_assert_int_eq(ca_link_resolve(st, &p, 0, &res), CA_EINVAL);
	ck_assert_str_eq(res.user_id, "");
	/* An e-mail over CA_LINK_EMAIL_MAX. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	p.provider = "mock";
	p.email = big;
	ck_assert_int_eq(ca_link_resolve(st, &p, 0, &res), CA_ETOOBIG);
	ca_store_close(st);
}
END_TEST

/*
 * RACERS processes resolve the same new profile at once (released
 * together by closing a pipe): exactly one creates, the others sign in
 * as its user, and exactly one user and one account exist afterwards.
 */
START_TEST(test_link_resolve_race_creates_once)
{
	struct ca_config	 cfg;
	struct ca_store		*st;
	struct ca_profile	 p;
	struct ca_link_result	 res;
	mongoc_client_t		*client;
	mongoc_collection_t	*coll;
	bson_t			*all;
	bson_error_t		 err;
	char			 uri[PATH_LEN], first[CA_STORE_OID_HEX];
	char			 line[64];
	int			 go[2], back[2], i, status, created = 0;
	int			 signed_in = 0;
	ssize_t			 n;
	FILE			*f;
	pid_t			 pid;

	ck_assert(ca_fixture_devdb_uri(uri, sizeof(uri), "link_race") == 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.values[CA_SET_MONGODB_URI] = uri;
	st = NULL;
	ck_assert_int_eq(ca_store_open(&cfg, &st), CA_OK);
	ck_assert_int_eq(ca_store_ensure_indexes(st), CA_OK);
	ca_store_close(st);
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(back), 0);
	for (i = 0; i < RACERS; i++) {
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid != 0)
			continue;
		close(go[1]);
		close(back[0]);
		memset(&p, 0, sizeof(p));
		p.provider = "mock";
		p.provider_user_id = "racer";
		p.email = "racer@example.com";
		p.email_verified = 1;
		st = NULL;
		if (ca_store_open(&cfg, &st) != CA_OK)
			_exit(2);
		/* Blocks until the parent closes the pipe. */
		(void)!read(go[0], line, 1);
		if (ca_link_resolve(st, &p, 0, &res) != CA_OK)
			_exit(3);
		n = snprintf(line, sizeof(line), "%s %s\n",
		    ca_link_outcome_name(res.outcome), res.user_id);
		if (write(back[1], line, (size_t)n) != n)
			_exit(4);
		_exit(0);
	}
	close(go[0]);
	close(back[1]);
	usleep(300000);		/* let every child connect first */
	close(go[1]);
	for (i = 0; i < RACERS; i++) {
		ck_assert_int_gt(wait(&status), 0);
		ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		    "a racer failed with status %d", status);
	}
	f = fdopen(back[0], "r");
	ck_assert_ptr_nonnull(f);
	first[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "created ", 8) == 0)
			created++;
		else if (strncmp(line, "signed_in ", 10) == 0)
			signed_in++;
		else
			ck_abort_msg("unexpected racer answer %s", line);
		if (first[0] == '\0')
			snprintf(first, sizeof(first), "%s",
			    strchr(line, ' ') + 1);
		ck_assert_str_eq(strchr(line, ' ') + 1, first);
	}
	fclose(f);
	ck_assert_int_eq(created, 1);
	ck_assert_int_eq(signed_in, RACERS - 1);
	client = ca_fixture_client(uri);
	all = bson_new();
	coll = mongoc_client_get_collection(client, "link_race", "users");
	ck_assert_int_eq(mongoc_collection_count_documents(coll, all, NULL,
	    NULL, NULL, &err), 1);
	mongoc_collection_destroy(coll);
	coll = mongoc_client_get_collection(client, "link_race",
	    "oauth_accounts");
	ck_assert_int_eq(mongoc_collection_count_documents(coll, all, NULL,
	    NULL, NULL, &err), 1);
	mongoc_collection_destroy(coll);
	bson_destroy(all);
	mongoc_client_destroy(client);
}
END_TEST

static Suite *
link_suite(int ncases)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("link");
	tc = tcase_create("ca_link_outcome_name");
	tcase_add_test(tc, test_link_outcome_name_table);
	suite_add_tcase(s, tc);

	tc = tcase_create("ca_link_resolve");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_unchecked_fixture(tc, ca_fixture_devdb_setup,
	    ca_fixture_devdb_teardown);
	tcase_add_test(tc, test_link_resolve_bad_input);
	tcase_add_test(tc, test_link_resolve_race_creates_once);
	tcase_add_loop_test(tc, test_link_resolve_fixture, 0, ncases);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	struct dirent	**list = NULL;
	int		  n, i, status;

	n = case_list(&list);
	if (n <= 0 || n > CASES_MAX) {
		fprintf(stderr, "test_link: %d cases in %s/%s (want 1 to "
		    "%d)\n", n, ca_harness_root_dir(), CASES_DIR, CASES_MAX);
		return EXIT_FAILURE;
	}
	for (i = 0; i < n; i++)
		printf("case %d: %s\n", i, list[i]->d_name);
	case_list_free(list, n);
	mongoc_init();
	status = ca_fixture_run(link_suite(n));
	mongoc_cleanup();
	return status;
}
