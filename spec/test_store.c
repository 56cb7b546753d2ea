/*
 * test_store.c: lib/store*.c against a real devdb: opening (the URI picks
 * the database), indexes, users, sessions and OAuth states, the mapping
 * of duplicate keys to CA_EEXIST and of an unreachable server to CA_EDB
 * with a log line that names the host but never the password.
 *
 * One devdb serves the suite (an unchecked fixture); every test works in
 * a database named after itself and the pid, so tests are independent.
 * Documents are checked through a separate libmongoc client, field by
 * field and including their field sets, as the store writes them.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <mongoc.h>

#include "config.h"
#include "crypto.h"
#include "err.h"
#include "fixture.h"
#include "harness.h"
#include "store.h"
#include "store_int.h"

/* Longest URI, name or log text the tests build. */
#define BUF_LEN		2048
/* Seconds a test may take on a slow, busy machine. */
#define TEST_TIMEOUT	60
/* An unreachable server must fail within this many seconds. */
#define UNREACHABLE_MAX	8
/* Processes racing to take one state. */
#define RACERS		16
/* A user id that no test inserts. */
#define NO_USER		"6500000000000000000000ff"

/* "mongodb://127.0.0.1:<port>/<name>_<pid>" with patient timeouts. */
static void
test_uri(char *uri, size_t size, const char *name, char *db, size_t dbsz)
{
	int	 n;

	n = snprintf(db, dbsz, "%s_%ld", name, (long)getpid());
	ck_assert(n > 0 && (size_t)n < dbsz);
	ck_assert(ca_fixture_devdb_uri(uri, size, db) == 0);
}

/* A configuration with only MONGODB_URI set, as config.c would load. */
static void
cfg_uri(struct ca_config *cfg, char *uri)
{

	memset(cfg, 0, sizeof(*cfg));
	cfg->values[CA_SET_MONGODB_URI] = uri;
}

static struct ca_store *
store_for(char *uri)
{
	struct ca_config	 cfg;
	struct ca_store		*st = NULL;

	cfg_uri(&cfg, uri);
	ck_assert_int_eq(ca_store_open(&cfg, &st), CA_OK);
	ck_assert_ptr_nonnull(st);
	return st;
}

/* The one document of db.coll with _id id (a string), or NULL. */
static bson_t *
raw_get(const char *uri, const char *db, const char *coll, const char *id)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*cl;
	mongoc_cursor_t		*cur;
	const bson_t		*d;
	bson_t			*filter, *out = NULL;

	c = ca_fixture_client(uri);
	cl = mongoc_client_get_collection(c, db, coll);
	filter = BCON_NEW("_id", BCON_UTF8(id));
	cur = mongoc_collection_find_with_opts(cl, filter, NULL, NULL);
	if (mongoc_cursor_next(cur, &d))
		out = bson_copy(d);
	ck_assert(!mongoc_cursor_next(cur, &d));
	mongoc_cursor_destroy(cur);
	bson_destroy(filter);
	mongoc_collection_destroy(cl);
	mongoc_client_destroy(c);
	return out;
}

static void
raw_insert(const char *uri, const char *db, const char *coll, bson_t *doc)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*cl;
	bson_error_t		 err;

	c = ca_fixture_client(uri);
	cl = mongoc_client_get_collection(c, db, coll);
	ck_assert_msg(mongoc_collection_insert_one(cl, doc, NULL, NULL, &err),
	    "insert: %s", err.message);
	mongoc_collection_destroy(cl);
	mongoc_client_destroy(c);
}

/* The field names of doc, space-separated, in order. */
static void
field_names(const bson_t *doc, char *out, size_t size)
{
	bson_iter_t	 it;
	size_t		 n = 0;
	int		 w;

	out[0] = '\0';
	ck_assert(bson_iter_init(&it, doc));
	while (bson_iter_next(&it)) {
		w = snprintf(out + n, size - n, "%s%s", n > 0 ? " " : "",
		    bson_iter_key(&it));
		ck_assert(w > 0 && (size_t)w < size - n);
		n += (size_t)w;
	}
}

static int64_t
date_field(const bson_t *doc, const char *key)
{
	bson_iter_t	it;

	ck_assert_msg(bson_iter_init_find(&it, doc, key) &&
	    BSON_ITER_HOLDS_DATE_TIME(&it), "%s is not a date", key);
	return bson_iter_date_time(&it);
}

static int64_t
now_ms(void)
{

	return (int64_t)time(NULL) * 1000;
}

/* A fresh token's hash, as callers key sessions and states. */
static void
fresh_hash(char hash[CA_CRYPTO_SHA256_HEX])
{
	char	tok[CA_CRYPTO_TOKEN_LEN];

	ck_assert_int_eq(ca_crypto_token(tok), CA_OK);
	ca_crypto_sha256_hex(tok, hash);
}

START_TEST(test_store_open_database_from_uri)
{
	struct ca_config	 cfg;
	struct ca_store		*st = NULL;
	char			 uri[BUF_LEN];
	int			 n;

	n = snprintf(uri, sizeof(uri), "mongodb://127.0.0.1:%d/sitedb",
	    ca_fixture_devdb()->port);
	ck_assert(n > 0 && (size_t)n < sizeof(uri));
	cfg_uri(&cfg, uri);
	ck_assert_int_eq(ca_store_open(&cfg, &st), CA_OK);
	ck_assert_str_eq(st->dbname, "sitedb");
	ck_assert_int_eq(ca_store_ping(st), CA_OK);
	ca_store_close(st);

	n = snprintf(uri, sizeof(uri), "mongodb://127.0.0.1:%d",
	    ca_fixture_devdb()->port);
	ck_assert(n > 0 && (size_t)n < sizeof(uri));
	ck_assert_int_eq(ca_store_open(&cfg, &st), CA_OK);
	ck_assert_str_eq(st->dbname, CA_STORE_DB_DEFAULT);
	ck_assert_str_eq(CA_STORE_DB_DEFAULT, "cgiauth");
	ca_store_close(st);
}
END_TEST

START_TEST(test_store_open_bad_config)
{
	struct ca_config	 cfg;
	struct ca_store		*st = (struct ca_store *)&cfg;
	char			 bad[] = "http://127.0.0.1:1/x";
	char			 empty[] = "";

	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(ca_store_open(&cfg, &st), CA_ECONFIG);
	ck_assert_ptr_null(st);
	ck_assert_int_eq(ca_store_open(NULL, &st), CA_ECONFIG);
	cfg.values[CA_SET_MONGODB_URI] = empty;
	ck_assert_int_eq(ca_store_open(&cfg, &st), CA_ECONFIG);
	cfg.values[CA_SET_MONGODB_URI] = bad;
	ck_assert_int_eq(ca_store_open(&cfg, &st), CA_ECONFIG);
	ck_assert_ptr_null(st);
	ca_store_close(NULL);
}
END_TEST

/*
 * A port nobody listens on: CA_EDB within a few seconds, and one log
 * line naming the host and port but not the URI's password.
 */
START_TEST(test_store_unreachable_is_edb)
{
	struct ca_store		*st;
	char			 uri[BUF_LEN], log[BUF_LEN], where[64];
	char			 uid[CA_STORE_OID_HEX];
	char			 hash[CA_CRYPTO_SHA256_HEX];
	char			 path[] = "/tmp/cgiauth-test-store-XXXXXX";
	time_t			 t0;
	ssize_t			 len;
	int			 port, fd, saved, n;

	ck_assert_int_eq(ca_harness_free_port(&port), CA_OK);
	n = snprintf(uri, sizeof(uri),
	    "mongodb://cgiauth:s3cretPassw0rd@127.0.0.1:%d/x", port);
	ck_assert(n > 0 && (size_t)n < sizeof(uri));
	n = snprintf(where, sizeof(where), "127.0.0.1:%d", port);
	ck_assert(n > 0 && (size_t)n < sizeof(where));
	fresh_hash(hash);
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	unlink(path);
	saved = dup(STDERR_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fd, STDERR_FILENO), 0);

	st = store_for(uri);
	t0 = time(NULL);
	ck_assert_int_eq(ca_store_session_get(st, hash, uid), CA_EDB);
	ck_assert_int_le(time(NULL) - t0, UNREACHABLE_MAX);
	ck_assert_int_eq(ca_store_ensure_indexes(st), CA_EDB);
	ck_assert_int_eq(ca_store_ping(st), CA_EDB);
	ck_assert_int_le(time(NULL) - t0, 3 * UNREACHABLE_MAX);
	ca_store_close(st);

	ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
	close(saved);
	len = pread(fd, log, sizeof(log) - 1, 0);
	close(fd);
	ck_assert_int_gt(len, 0);
	log[len] = '\0';
	ck_assert_msg(strstr(log, "event=store outcome=fail") != NULL, "%s",
	    log);
	ck_assert_msg(strstr(log, "MongoDB unreachable at ") != NULL, "%s",
	    log);
	ck_assert_msg(strstr(log, where) != NULL, "%s", log);
	ck_assert_msg(strstr(log, "find cgiauth_sessions") != NULL, "%s",
	    log);
	ck_assert_msg(strstr(log, "s3cretPassw0rd") == NULL,
	    "the password is in the log");
}
END_TEST

START_TEST(test_store_ensure_indexes_idempotent)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*cl;
	mongoc_cursor_t		*cur;
	const bson_t		*d;
	struct ca_store		*st;
	bson_iter_t		 it;
	char			 uri[BUF_LEN], db[64], names[BUF_LEN];
	int			 n, unique_seen = 0;

	test_uri(uri, sizeof(uri), "indexes", db, sizeof(db));
	st = store_for(uri);
	ck_assert_int_eq(ca_store_ensure_indexes(st), CA_OK);
	ck_assert_int_eq(ca_store_ensure_indexes(st), CA_OK);
	ca_store_close(st);

	c = mongoc_client_new(uri);
	cl = mongoc_client_get_collection(c, db, CA_STORE_ACCOUNTS);
	cur = mongoc_collection_find_indexes_with_opts(cl, NULL);
	names[0] = '\0';
	n = 0;
	while (mongoc_cursor_next(cur, &d)) {
		ck_assert(bson_iter_init_find(&it, d, "name"));
		n += snprintf(names + n, sizeof(names) - (size_t)n, "%s ",
		    bson_iter_utf8(&it, NULL));
		if (strcmp(bson_iter_utf8(&it, NULL),
		    "provider_1_provider_user_id_1") == 0) {
			ck_assert(bson_iter_init_find(&it, d, "unique"));
			ck_assert(bson_iter_as_bool(&it));
			unique_seen = 1;
		}
	}
	ck_assert_str_eq(names,
	    "_id_ provider_1_provider_user_id_1 user_id_1 ");
	ck_assert(unique_seen);
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(cl);
	mongoc_client_destroy(c);
}
END_TEST

/* Counts the indexes of collection coll in db. */
static int
count_indexes(mongoc_client_t *c, const char *db, const char *coll)
{
	mongoc_collection_t	*cl;
	mongoc_cursor_t		*cur;
	const bson_t		*d;
	int			 n = 0;

	cl = mongoc_client_get_collection(c, db, coll);
	cur = mongoc_collection_find_indexes_with_opts(cl, NULL);
	while (mongoc_cursor_next(cur, &d))
		n++;
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(cl);
	return n;
}

/* The marker spares the createIndexes commands; without it they run. */
START_TEST(test_store_ensure_indexes_marker)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*cl, *users;
	struct ca_store		*st;
	bson_error_t		 err;
	bson_t			*q;
	char			 uri[BUF_LEN], db[64];

	test_uri(uri, sizeof(uri), "marker", db, sizeof(db));
	st = store_for(uri);
	ck_assert_int_eq(ca_store_ensure_indexes(st), CA_OK);
	c = mongoc_client_new(uri);
	cl = mongoc_client_get_collection(c, db, CA_STORE_META);
	q = BCON_NEW("_id", BCON_UTF8(CA_STORE_INDEX_MARKER), "version",
	    BCON_INT32(CA_STORE_INDEX_VERSION));
	ck_assert_int_eq(mongoc_collection_count_documents(cl, q, NULL, NULL,
	    NULL, &err), 1);
	ck_assert_int_eq(count_indexes(c, db, CA_STORE_USERS), 2);
	/* An index dropped by hand stays dropped while the marker says so. */
	users = mongoc_client_get_collection(c, db, CA_STORE_USERS);
	ck_assert(mongoc_collection_drop(users, &err));
	mongoc_collection_destroy(users);
	ck_assert_int_eq(ca_store_ensure_indexes(st), CA_OK);
	ck_assert_int_eq(count_indexes(c, db, CA_STORE_USERS), 0);
	/* Deleting the marker has them made again, and the marker too. */
	ck_assert(mongoc_collection_delete_one(cl, q, NULL, NULL, &err));
	ck_assert_int_eq(ca_store_ensure_indexes(st), CA_OK);
	ck_assert_int_eq(count_indexes(c, db, CA_STORE_USERS), 2);
	ck_assert_int_eq(mongoc_collection_count_documents(cl, q, NULL, NULL,
	    NULL, &err), 1);
	bson_destroy(q);
	mongoc_collection_destroy(cl);
	mongoc_client_destroy(c);
	ca_store_close(st);
}
END_TEST

/* The unique index turns a second account into CA_EEXIST. */
START_TEST(test_store_duplicate_account_eexist)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*cl;
	struct ca_store		*st;
	bson_error_t		 err;
	bson_t			*a, *b;
	char			 uri[BUF_LEN], db[64];

	test_uri(uri, sizeof(uri), "dupacct", db, sizeof(db));
	st = store_for(uri);
	ck_assert_int_eq(ca_store_ensure_indexes(st), CA_OK);
	c = mongoc_client_new(uri);
	mongoc_client_set_error_api(c, MONGOC_ERROR_API_VERSION_2);
	cl = mongoc_client_get_collection(c, db, CA_STORE_ACCOUNTS);
	a = BCON_NEW("provider", "mock", "provider_user_id", "42");
	b = BCON_NEW("provider", "mock", "provider_user_id", "42",
	    "email", "other@example.com");
	ck_assert(mongoc_collection_insert_one(cl, a, NULL, NULL, &err));
	ck_assert(!mongoc_collection_insert_one(cl, b, NULL, NULL, &err));
	ck_assert_int_eq(ca_store_fail(st, "insert oauth_accounts", &err),
	    CA_EEXIST);
	/* Same id at another provider is another account. */
	bson_destroy(b);
	b = BCON_NEW("provider", "github", "provider_user_id", "42");
	ck_assert(mongoc_collection_insert_one(cl, b, NULL, NULL, &err));
	bson_destroy(a);
	bson_destroy(b);
	mongoc_collection_destroy(cl);
	mongoc_client_destroy(c);
	ca_store_close(st);
}
END_TEST

START_TEST(test_store_user_get_fields)
{
	struct ca_store	*st;
	struct ca_user	 u;
	bson_oid_t	 oid;
	bson_t		*doc;
	char		 uri[BUF_LEN], db[64];

	test_uri(uri, sizeof(uri), "users", db, sizeof(db));
	bson_oid_init_from_string(&oid, "650000000000000000000001");
	doc = BCON_NEW("_id", BCON_OID(&oid), "email", "alice@example.com",
	    "name", "Alice Example", "picture", BCON_NULL, "plan", "pro");
	raw_insert(uri, db, CA_STORE_USERS, doc);
	bson_destroy(doc);
	st = store_for(uri);
	ck_assert_int_eq(ca_store_user_get(st, "650000000000000000000001",
	    &u), CA_OK);
	ck_assert_str_eq(u.id, "650000000000000000000001");
	ck_assert_str_eq(u.email, "alice@example.com");
	ck_assert_str_eq(u.name, "Alice Example");
	ck_assert_ptr_null(u.picture);
	ca_store_user_free(&u);
	ck_assert_ptr_null(u.email);
	ck_assert_int_eq(ca_store_user_get(st, NO_USER, &u), CA_ENOTFOUND);
	ck_assert_ptr_null(u.email);
	ck_assert_int_eq(ca_store_user_get(st, "xyz", &u), CA_EINVAL);
	ck_assert_int_eq(ca_store_user_get(st, "6500000000000000000000011",
	    &u), CA_EINVAL);
	ck_assert_int_eq(ca_store_user_get(st, NULL, &u), CA_EINVAL);
	ca_store_user_free(NULL);
	ca_store_close(st);
}
END_TEST

START_TEST(test_store_session_put_get_delete)
{
	struct ca_store	*st;
	bson_t		*doc;
	bson_iter_t	 it;
	char		 uri[BUF_LEN], db[64], names[BUF_LEN];
	char		 hash[CA_CRYPTO_SHA256_HEX], uid[CA_STORE_OID_HEX];
	char		 hex[CA_STORE_OID_HEX];
	int64_t		 t0, created;

	test_uri(uri, sizeof(uri), "sessions", db, sizeof(db));
	st = store_for(uri);
	fresh_hash(hash);
	t0 = now_ms();
	ck_assert_int_eq(ca_store_session_put(st, hash,
	    "650000000000000000000001", 3600), CA_OK);
	ck_assert_int_eq(ca_store_session_get(st, hash, uid), CA_OK);
	ck_assert_str_eq(uid, "650000000000000000000001");

	/* The document, exactly: hash as _id, ObjectId, two dates. */
	doc = raw_get(uri, db, CA_STORE_SESSIONS, hash);
	ck_assert_ptr_nonnull(doc);
	field_names(doc, names, sizeof(names));
	ck_assert_str_eq(names, "_id user_id created expires");
	ck_assert(bson_iter_init_find(&it, doc, "user_id"));
	ck_assert(BSON_ITER_HOLDS_OID(&it));
	bson_oid_to_string(bson_iter_oid(&it), hex);
	ck_assert_str_eq(hex, "650000000000000000000001");
	created = date_field(doc, "created");
	ck_assert_int_ge(created, t0 - 1000);
	ck_assert_int_le(created, now_ms() + 1000);
	ck_assert_int_eq(date_field(doc, "expires") - created, 3600 * 1000);
	bson_destroy(doc);

	/* Same hash twice is a duplicate key. */
	ck_assert_int_eq(ca_store_session_put(st, hash,
	    "650000000000000000000002", 3600), CA_EEXIST);

	ck_assert_int_eq(ca_store_session_delete(st, hash), CA_OK);
	ck_assert_int_eq(ca_store_session_get(st, hash, uid), CA_ENOTFOUND);
	ck_assert_str_eq(uid, "");
	ck_assert_int_eq(ca_store_session_delete(st, hash), CA_OK);
	ca_store_close(st);
}
END_TEST

START_TEST(test_store_session_expired)
{
	struct ca_store	*st;
	bson_oid_t	 oid;
	bson_t		*doc;
	char		 uri[BUF_LEN], db[64];
	char		 hash[CA_CRYPTO_SHA256_HEX], uid[CA_STORE_OID_HEX];

	test_uri(uri, sizeof(uri), "expired", db, sizeof(db));
	fresh_hash(hash);
	bson_oid_init_from_string(&oid, "650000000000000000000001");
	doc = BCON_NEW("_id", BCON_UTF8(hash), "user_id", BCON_OID(&oid),
	    "created", BCON_DATE_TIME(now_ms() - 7200 * 1000),
	    "expires", BCON_DATE_TIME(now_ms() - 1000));
	raw_insert(uri, db, CA_STORE_SESSIONS, doc);
	bson_destroy(doc);
	st = store_for(uri);
	ck_assert_int_eq(ca_store_session_get(st, hash, uid), CA_EEXPIRED);
	ck_assert_str_eq(uid, "");
	doc = raw_get(uri, db, CA_STORE_SESSIONS, hash);
	ck_assert_ptr_null(doc);
	ck_assert_int_eq(ca_store_session_get(st, hash, uid), CA_ENOTFOUND);

	/* And one that runs out while we wait. */
	fresh_hash(hash);
	ck_assert_int_eq(ca_store_session_put(st, hash,
	    "650000000000000000000001", 1), CA_OK);
	ck_assert_int_eq(ca_store_session_get(st, hash, uid), CA_OK);
	sleep(2);
	ck_assert_int_eq(ca_store_session_get(st, hash, uid), CA_EEXPIRED);
	ck_assert_int_eq(ca_store_session_get(st, hash, uid), CA_ENOTFOUND);
	ca_store_close(st);
}
END_TEST

START_TEST(test_store_session_bad_input)
{
	struct ca_store	*st;
	char		 uri[BUF_LEN], db[64], uid[CA_STORE_OID_HEX];
	char		 hash[CA_CRYPTO_SHA256_HEX];
	char		 upper[CA_CRYPTO_SHA256_HEX];
	char		 tok[CA_CRYPTO_TOKEN_LEN];
	size_t		 i;

	test_uri(uri, sizeof(uri), "badsession", db, sizeof(db));
	st = store_for(uri);
	fresh_hash(hash);
	/* The raw token is refused: only its hash may be a key. */
	ck_assert_int_eq(ca_crypto_token(tok), CA_OK);
	ck_assert_int_eq(ca_store_session_put(st, tok,
	    "650000000000000000000001", 60), CA_EINVAL);
	ck_assert_int_eq(ca_store_session_get(st, tok, uid), CA_EINVAL);
	ck_assert_int_eq(ca_store_session_delete(st, tok), CA_EINVAL);
	for (i = 0; hash[i] != '\0'; i++)
		upper[i] = hash[i] >= 'a' && hash[i] <= 'f' ?
		    (char)(hash[i] - 'a' + 'A') : hash[i];
	upper[i] = '\0';
	if (strcmp(upper, hash) != 0)
		ck_assert_int_eq(ca_store_session_get(st, upper, uid),
		    CA_EINVAL);
	ck_assert_int_eq(ca_store_session_get(st, NULL, uid), CA_EINVAL);
	ck_assert_int_eq(ca_store_session_put(st, hash, "not-an-oid", 60),
	    CA_EINVAL);
	ck_assert_int_eq(ca_store_session_put(st, hash,
	    "650000000000000000000001", 0), CA_EINVAL);
	ck_assert_int_eq(ca_store_session_put(st, hash,
	    "650000000000000000000001", CA_STORE_TTL_MAX + 1), CA_EINVAL);
	ck_assert_int_eq(ca_store_session_put(NULL, hash,
	    "650000000000000000000001", 60), CA_EINVAL);
	ck_assert_ptr_null(raw_get(uri, db, CA_STORE_SESSIONS, hash));
	ca_store_close(st);
}
END_TEST

START_TEST(test_store_state_put_take_once)
{
	struct ca_store		*st;
	struct ca_oauth_state	 in, out;
	bson_t			*doc;
	char			 uri[BUF_LEN], db[64], names[BUF_LEN];
	char			 hash[CA_CRYPTO_SHA256_HEX];
	time_t			 t0;

	test_uri(uri, sizeof(uri), "states", db, sizeof(db));
	st = store_for(uri);
	fresh_hash(hash);
	memset(&in, 0, sizeof(in));
	in.provider = "mock";
	in.app_id = "650000000000000000000009";
	in.next = "/dashboard?tab=1";
	in.verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
	in.nonce = "n-0S6_WzA2Mj";
	in.binding = "b1nd";
	t0 = time(NULL);
	ck_assert_int_eq(ca_store_state_put(st, hash, &in, 600), CA_OK);

	doc = raw_get(uri, db, CA_STORE_STATES, hash);
	ck_assert_ptr_nonnull(doc);
	field_names(doc, names, sizeof(names));
	ck_assert_str_eq(names,
	    "_id provider app_id next verifier nonce binding created expires");
	ck_assert_int_eq(date_field(doc, "expires") -
	    date_field(doc, "created"), 600 * 1000);
	bson_destroy(doc);

	/* Another browser's binding neither matches nor spends it. */
	ck_assert_int_eq(ca_store_state_take(st, hash, "other", &out),
	    CA_ENOTFOUND);
	ck_assert_ptr_null(out.provider);
	ck_assert_int_eq(ca_store_state_take(st, hash, "b1nd", &out), CA_OK);
	ck_assert_str_eq(out.provider, "mock");
	ck_assert_str_eq(out.app_id, "650000000000000000000009");
	ck_assert_str_eq(out.next, "/dashboard?tab=1");
	ck_assert_str_eq(out.verifier,
	    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
	ck_assert_str_eq(out.nonce, "n-0S6_WzA2Mj");
	ck_assert_str_eq(out.binding, "b1nd");
	ck_assert_int_ge(out.expires, t0 + 600 - 1);
	ck_assert_int_le(out.expires, time(NULL) + 600);
	ca_store_state_free(&out);
	ck_assert_ptr_null(out.provider);

	/* Used once: the second take finds nothing, and nothing is left. */
	ck_assert_int_eq(ca_store_state_take(st, hash, NULL, &out),
	    CA_ENOTFOUND);
	ck_assert_ptr_null(out.provider);
	ck_assert_ptr_null(raw_get(uri, db, CA_STORE_STATES, hash));
	ca_store_close(st);
}
END_TEST

START_TEST(test_store_state_nulls)
{
	struct ca_store		*st;
	struct ca_oauth_state	 in, out;
	char			 uri[BUF_LEN], db[64];
	char			 hash[CA_CRYPTO_SHA256_HEX];

	test_uri(uri, sizeof(uri), "statenull", db, sizeof(db));
	st = store_for(uri);
	fresh_hash(hash);
	memset(&in, 0, sizeof(in));
	ck_assert_int_eq(ca_store_state_put(st, hash, &in, 600), CA_EINVAL);
	in.provider = "github";
	ck_assert_int_eq(ca_store_state_put(st, hash, &in, 0), CA_EINVAL);
	ck_assert_int_eq(ca_store_state_put(st, "abc", &in, 600), CA_EINVAL);
	ck_assert_int_eq(ca_store_state_put(st, hash, &in, 600), CA_OK);
	ck_assert_int_eq(ca_store_state_put(st, hash, &in, 600), CA_EEXIST);
	ck_assert_int_eq(ca_store_state_take(st, hash, NULL, &out), CA_OK);
	ck_assert_str_eq(out.provider, "github");
	ck_assert_ptr_null(out.app_id);
	ck_assert_ptr_null(out.next);
	ck_assert_ptr_null(out.verifier);
	ck_assert_ptr_null(out.nonce);
	ck_assert_ptr_null(out.binding);
	ca_store_state_free(&out);
	ca_store_state_free(NULL);
	ck_assert_int_eq(ca_store_state_take(st, "abc", NULL, &out),
	    CA_EINVAL);
	ca_store_close(st);
}
END_TEST

START_TEST(test_store_state_expired)
{
	struct ca_store		*st;
	struct ca_oauth_state	 out;
	bson_t			*doc;
	char			 uri[BUF_LEN], db[64];
	char			 hash[CA_CRYPTO_SHA256_HEX];

	test_uri(uri, sizeof(uri), "stateexp", db, sizeof(db));
	fresh_hash(hash);
	doc = BCON_NEW("_id", BCON_UTF8(hash), "provider", "mock",
	    "app_id", BCON_NULL, "next", "/", "verifier", "v", "nonce",
	    BCON_NULL, "binding", "b",
	    "created", BCON_DATE_TIME(now_ms() - 700 * 1000),
	    "expires", BCON_DATE_TIME(now_ms() - 100 * 1000));
	raw_insert(uri, db, CA_STORE_STATES, doc);
	bson_destroy(doc);
	st = store_for(uri);
	ck_assert_int_eq(ca_store_state_take(st, hash, NULL, &out),
	    CA_EEXPIRED);
	ck_assert_ptr_null(out.provider);
	ck_assert_ptr_null(raw_get(uri, db, CA_STORE_STATES, hash));
	ck_assert_int_eq(ca_store_state_take(st, hash, NULL, &out),
	    CA_ENOTFOUND);
	ca_store_close(st);
}
END_TEST

/* RACERS processes take one state at once: exactly one gets it. */
START_TEST(test_store_state_take_race)
{
	struct ca_store		*st;
	struct ca_oauth_state	 in, out;
	char			 uri[BUF_LEN], db[64], c;
	char			 hash[CA_CRYPTO_SHA256_HEX];
	int			 go[2], i, status, won = 0, lost = 0;
	pid_t			 pid;
	enum ca_err		 rc;

	test_uri(uri, sizeof(uri), "staterace", db, sizeof(db));
	st = store_for(uri);
	fresh_hash(hash);
	memset(&in, 0, sizeof(in));
	in.provider = "mock";
	ck_assert_int_eq(ca_store_state_put(st, hash, &in, 600), CA_OK);
	ca_store_close(st);
	ck_assert_int_eq(pipe(go), 0);
	for (i = 0; i < RACERS; i++) {
		pid = fork();
		ck_assert_int_ge(pid, 0);
		if (pid != 0)
			continue;
		close(go[1]);
		st = store_for(uri);
		if (ca_store_ping(st) != CA_OK)
			_exit(9);
		(void)!read(go[0], &c, 1);	/* until the parent closes */
		rc = ca_store_state_take(st, hash, NULL, &out);
		ca_store_state_free(&out);
		_exit(rc == CA_OK ? 0 : rc == CA_ENOTFOUND ? 1 : 2);
	}
	close(go[0]);
	usleep(300000);
	close(go[1]);
	for (i = 0; i < RACERS; i++) {
		ck_assert_int_gt(wait(&status), 0);
		ck_assert(WIFEXITED(status));
		if (WEXITSTATUS(status) == 0)
			won++;
		else if (WEXITSTATUS(status) == 1)
			lost++;
	}
	ck_assert_int_eq(won, 1);
	ck_assert_int_eq(lost, RACERS - 1);
}
END_TEST

static Suite *
store_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("store");
	tc = tcase_create("ca_store_open");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_unchecked_fixture(tc, ca_fixture_devdb_setup,
	    ca_fixture_devdb_teardown);
	tcase_add_test(tc, test_store_open_database_from_uri);
	tcase_add_test(tc, test_store_open_bad_config);
	tcase_add_test(tc, test_store_unreachable_is_edb);
	suite_add_tcase(s, tc);

	tc = tcase_create("ca_store_ensure_indexes");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_unchecked_fixture(tc, ca_fixture_devdb_setup,
	    ca_fixture_devdb_teardown);
	tcase_add_test(tc, test_store_ensure_indexes_idempotent);
	tcase_add_test(tc, test_store_ensure_indexes_marker);
	tcase_add_test(tc, test_store_duplicate_account_eexist);
	suite_add_tcase(s, tc);

	tc = tcase_create("ca_store_user_get");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_unchecked_fixture(tc, ca_fixture_devdb_setup,
	    ca_fixture_devdb_teardown);
	tcase_add_test(tc, test_store_user_get_fields);
	suite_add_tcase(s, tc);

	tc = tcase_create("ca_store_session");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_unchecked_fixture(tc, ca_fixture_devdb_setup,
	    ca_fixture_devdb_teardown);
	tcase_add_test(tc, test_store_session_put_get_delete);
	tcase_add_test(tc, test_store_session_expired);
	tcase_add_test(tc, test_store_session_bad_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("ca_store_state");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_unchecked_fixture(tc, ca_fixture_devdb_setup,
	    ca_fixture_devdb_teardown);
	tcase_add_test(tc, test_store_state_put_take_once);
	tcase_add_test(tc, test_store_state_nulls);
	tcase_add_test(tc, test_store_state_expired);
	tcase_add_test(tc, test_store_state_take_race);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int	 status;

	mongoc_init();
	status = ca_fixture_run(store_suite());
	mongoc_cleanup();
	return status;
}
