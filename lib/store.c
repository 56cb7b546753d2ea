/*
 * store.c: opening and closing the MongoDB client, the indexes, and the
 * helpers the other store_*.c files and link.c share (error mapping, key
 * checks, dates, and find-one, insert-one and delete-one that log a
 * failure under the step "<verb> <collection>").  Users, sessions and
 * states have their own files.
 *
 * One mongoc_client_t per process: a CGI process answers one request, so
 * no pool is needed; serverSelectionTryOnce (libmongoc's default for a
 * single client) makes an unreachable server fail after one attempt.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mongoc.h>

#include "alloc.h"
#include "log.h"
#include "store_int.h"

/* libmongoc reports a duplicate key with the server's code. */
#define CA_STORE_DUPKEY		11000
#define CA_STORE_DUPKEY_LEGACY	11001
#define CA_STORE_APPNAME	"cgiauth"

/* One index to create: collection, keys, and the options. */
struct ca_store_index {
	const char	*coll;
	const char	*name;		/* MongoDB's default name */
	const char	*key1;
	const char	*key2;		/* NULL for a one-key index */
	int		 unique;
	int		 ttl;		/* 1: expireAfterSeconds 0 */
};

static const struct ca_store_index ca_store_indexes[] = {
	{ CA_STORE_ACCOUNTS, "provider_1_provider_user_id_1", "provider",
	    "provider_user_id", 1, 0 },
	{ CA_STORE_ACCOUNTS, "user_id_1", "user_id", NULL, 0, 0 },
	{ CA_STORE_USERS, "email_1", "email", NULL, 0, 0 },
	{ CA_STORE_SESSIONS, "user_id_1", "user_id", NULL, 0, 0 },
	{ CA_STORE_SESSIONS, "expires_1", "expires", NULL, 0, 1 },
	{ CA_STORE_STATES, "expires_1", "expires", NULL, 0, 1 },
};

#define CA_STORE_NINDEXES \
	(sizeof(ca_store_indexes) / sizeof(ca_store_indexes[0]))

/* Writes "host:port,..." of the URI into where; cut when too long. */
static void
ca_store_where(const mongoc_uri_t *uri, char *where, size_t wsz)
{
	const mongoc_host_list_t	*h;
	size_t				 n = 0;
	int				 w;

	where[0] = '\0';
	for (h = mongoc_uri_get_hosts(uri); h != NULL; h = h->next) {
		w = snprintf(where + n, wsz - n, "%s%s", n > 0 ? "," : "",
		    h->host_and_port);
		if (w < 0 || (size_t)w >= wsz - n)
			break;
		n += (size_t)w;
	}
	if (where[0] == '\0')
		snprintf(where, wsz, "%s", "(SRV or socket URI)");
}

enum ca_err
ca_store_open(const struct ca_config *cfg, struct ca_store **out)
{
	struct ca_store	*st = NULL;
	mongoc_uri_t	*uri = NULL;
	const char	*uristr, *db;
	bson_error_t	 error;
	enum ca_err	 rc = CA_ECONFIG;

	*out = NULL;
	uristr = cfg != NULL ? ca_config_get(cfg, CA_SET_MONGODB_URI) : NULL;
	if (uristr == NULL || uristr[0] == '\0') {
		ca_log(NULL, "store", "fail", "MONGODB_URI is not set");
		goto out;
	}
	mongoc_init();
	uri = mongoc_uri_new_with_error(uristr, &error);
	if (uri == NULL) {
		/* libmongoc's message may quote the URI: say only that. */
		ca_log(NULL, "store", "fail",
		    "MONGODB_URI is not a valid MongoDB URI");
		goto out;
	}
	if (!mongoc_uri_has_option(uri, MONGOC_URI_SERVERSELECTIONTIMEOUTMS))
		mongoc_uri_set_option_as_int32(uri,
		    MONGOC_URI_SERVERSELECTIONTIMEOUTMS, CA_STORE_TIMEOUT_MS);
	if (!mongoc_uri_has_option(uri, MONGOC_URI_CONNECTTIMEOUTMS))
		mongoc_uri_set_option_as_int32(uri,
		    MONGOC_URI_CONNECTTIMEOUTMS, CA_STORE_TIMEOUT_MS);
	if (mongoc_uri_get_appname(uri) == NULL)
		mongoc_uri_set_appname(uri, CA_STORE_APPNAME);
	rc = CA_ENOMEM;
	st = ca_calloc(1, sizeof(*st));
	if (st == NULL)
		goto out;
	ca_store_where(uri, st->where, sizeof(st->where));
	db = mongoc_uri_get_database(uri);
	if (db == NULL || db[0] == '\0')
		db = CA_STORE_DB_DEFAULT;
	st->dbname = ca_strdup(db);
	if (st->dbname == NULL)
		goto out;
	st->client = mongoc_client_new_from_uri_with_error(uri, &error);
	if (st->client == NULL) {
		rc = CA_ECONFIG;
		ca_log(NULL, "store", "fail", "MongoDB client for %s: %s",
		    st->where, error.message);
		goto out;
	}
	mongoc_client_set_error_api(st->client, MONGOC_ERROR_API_VERSION_2);
	*out = st;
	st = NULL;
	rc = CA_OK;
out:
	ca_store_close(st);
	mongoc_uri_destroy(uri);
	return rc;
}

void
ca_store_close(struct ca_store *st)
{

	if (st == NULL)
		return;
	if (st->client != NULL)
		mongoc_client_destroy(st->client);
	ca_free(st->dbname);
	ca_free(st);
}

mongoc_collection_t *
ca_store_coll(struct ca_store *st, const char *name)
{

	return mongoc_client_get_collection(st->client, st->dbname, name);
}

enum ca_err
ca_store_fail(const struct ca_store *st, const char *step,
    const bson_error_t *error)
{

	if (error->code == CA_STORE_DUPKEY ||
	    error->code == CA_STORE_DUPKEY_LEGACY)
		return CA_EEXIST;
	if (error->domain == MONGOC_ERROR_SERVER_SELECTION ||
	    error->domain == MONGOC_ERROR_STREAM)
		ca_log(NULL, "store", "fail",
		    "MongoDB unreachable at %s (%s): %s", st->where, step,
		    error->message);
	else
		ca_log(NULL, "store", "fail", "MongoDB %s at %s failed: %s",
		    step, st->where, error->message);
	return CA_EDB;
}

/* "<verb> <cname>" for the log line of a failed step. */
static void
ca_store_step(char *step, size_t size, const char *verb, const char *cname)
{

	(void)snprintf(step, size, "%s %s", verb, cname);
}

enum ca_err
ca_store_find_one(struct ca_store *st, const char *cname,
    const bson_t *filter, const bson_t *opts, bson_t **out)
{
	mongoc_collection_t	*coll;
	mongoc_cursor_t		*cur;
	const bson_t		*doc;
	bson_error_t		 error;
	char			 step[CA_STORE_STEP_MAX];
	enum ca_err		 rc = CA_OK;

	*out = NULL;
	coll = ca_store_coll(st, cname);
	cur = mongoc_collection_find_with_opts(coll, filter, opts, NULL);
	if (mongoc_cursor_next(cur, &doc))
		*out = bson_copy(doc);
	else if (mongoc_cursor_error(cur, &error)) {
		ca_store_step(step, sizeof(step), "find", cname);
		rc = ca_store_fail(st, step, &error);
	}
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(coll);
	return rc;
}

enum ca_err
ca_store_insert_one(struct ca_store *st, const char *cname,
    const bson_t *doc)
{
	mongoc_collection_t	*coll;
	bson_error_t		 error;
	char			 step[CA_STORE_STEP_MAX];
	enum ca_err		 rc = CA_OK;

	coll = ca_store_coll(st, cname);
	if (!mongoc_collection_insert_one(coll, doc, NULL, NULL, &error)) {
		ca_store_step(step, sizeof(step), "insert", cname);
		rc = ca_store_fail(st, step, &error);
	}
	mongoc_collection_destroy(coll);
	return rc;
}

enum ca_err
ca_store_delete_one(struct ca_store *st, const char *verb,
    const char *cname, const bson_t *filter)
{
	mongoc_collection_t	*coll;
	bson_error_t		 error;
	char			 step[CA_STORE_STEP_MAX];
	enum ca_err		 rc = CA_OK;

	coll = ca_store_coll(st, cname);
	if (!mongoc_collection_delete_one(coll, filter, NULL, NULL, &error)) {
		ca_store_step(step, sizeof(step), verb, cname);
		rc = ca_store_fail(st, step, &error);
	}
	mongoc_collection_destroy(coll);
	return rc;
}

enum ca_err
ca_store_fail_msg(const struct ca_store *st, const char *step,
    const char *what)
{

	ca_log(NULL, "store", "fail", "MongoDB %s at %s: %s", step,
	    st->where, what);
	return CA_EDB;
}

int
ca_store_hash_ok(const char *s)
{
	size_t	i;

	if (s == NULL)
		return 0;
	for (i = 0; i < CA_STORE_HASH_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[i] == '\0';
}

int
ca_store_oid_parse(const char *s, bson_oid_t *oid)
{

	if (s == NULL || strlen(s) != CA_STORE_OID_HEX - 1 ||
	    !bson_oid_is_valid(s, CA_STORE_OID_HEX - 1))
		return 0;
	bson_oid_init_from_string(oid, s);
	return 1;
}

int64_t
ca_store_now_ms(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return (int64_t)time(NULL) * 1000;
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
ca_store_append_str(bson_t *doc, const char *key, const char *value)
{

	if (value == NULL)
		return bson_append_null(doc, key, -1);
	return bson_append_utf8(doc, key, -1, value, -1);
}

enum ca_err
ca_store_dup_str(const bson_t *doc, const char *key, char **out)
{
	bson_iter_t	 it;
	const char	*s;
	uint32_t	 len;

	*out = NULL;
	if (!bson_iter_init_find(&it, doc, key) || !BSON_ITER_HOLDS_UTF8(&it))
		return CA_OK;
	s = bson_iter_utf8(&it, &len);
	*out = ca_strndup(s, len);
	if (*out == NULL)
		return CA_ENOMEM;
	return CA_OK;
}

enum ca_err
ca_store_ping(struct ca_store *st)
{
	bson_t		*cmd = NULL;
	bson_error_t	 error;
	enum ca_err	 rc = CA_EINVAL;

	if (st == NULL)
		goto out;
	cmd = BCON_NEW("ping", BCON_INT32(1));
	if (!mongoc_client_command_simple(st->client, "admin", cmd, NULL,
	    NULL, &error)) {
		rc = ca_store_fail(st, "ping", &error);
		goto out;
	}
	rc = CA_OK;
out:
	bson_destroy(cmd);
	return rc;
}

/* The createIndexes command for one index. */
static bson_t *
ca_store_index_cmd(const struct ca_store_index *ix)
{
	bson_t	*cmd, indexes, spec, key;

	cmd = bson_new();
	BSON_APPEND_UTF8(cmd, "createIndexes", ix->coll);
	BSON_APPEND_ARRAY_BEGIN(cmd, "indexes", &indexes);
	BSON_APPEND_DOCUMENT_BEGIN(&indexes, "0", &spec);
	BSON_APPEND_DOCUMENT_BEGIN(&spec, "key", &key);
	BSON_APPEND_INT32(&key, ix->key1, 1);
	if (ix->key2 != NULL)
		BSON_APPEND_INT32(&key, ix->key2, 1);
	bson_append_document_end(&spec, &key);
	BSON_APPEND_UTF8(&spec, "name", ix->name);
	if (ix->unique)
		BSON_APPEND_BOOL(&spec, "unique", true);
	if (ix->ttl)
		BSON_APPEND_INT32(&spec, "expireAfterSeconds", 0);
	bson_append_document_end(&indexes, &spec);
	bson_append_array_end(cmd, &indexes);
	return cmd;
}

enum ca_err
ca_store_ensure_indexes(struct ca_store *st)
{
	mongoc_database_t	*db = NULL;
	bson_t			*cmd = NULL, *marker = NULL, *found = NULL;
	bson_error_t		 error;
	char			 step[128];
	size_t			 i;
	enum ca_err		 rc = CA_EINVAL;

	if (st == NULL)
		goto out;
	/* One round trip when this version's indexes were made before. */
	marker = BCON_NEW("_id", BCON_UTF8(CA_STORE_INDEX_MARKER),
	    "version", BCON_INT32(CA_STORE_INDEX_VERSION));
	rc = ca_store_find_one(st, CA_STORE_META, marker, NULL, &found);
	if (rc != CA_OK || found != NULL)
		goto out;
	db = mongoc_client_get_database(st->client, st->dbname);
	for (i = 0; i < CA_STORE_NINDEXES; i++) {
		cmd = ca_store_index_cmd(&ca_store_indexes[i]);
		if (!mongoc_database_write_command_with_opts(db, cmd, NULL,
		    NULL, &error)) {
			snprintf(step, sizeof(step), "createIndexes %s %s",
			    ca_store_indexes[i].coll,
			    ca_store_indexes[i].name);
			rc = ca_store_fail(st, step, &error);
			if (rc == CA_EEXIST)
				ca_log(NULL, "store", "fail", "MongoDB %s at "
				    "%s: existing duplicates prevent the "
				    "unique index", step, st->where);
			goto out;
		}
		bson_destroy(cmd);
		cmd = NULL;
	}
	/* Racing requests may both get here: the second insert is a no-op. */
	rc = ca_store_insert_one(st, CA_STORE_META, marker);
	if (rc == CA_EEXIST)
		rc = CA_OK;
out:
	bson_destroy(cmd);
	bson_destroy(marker);
	bson_destroy(found);
	if (db != NULL)
		mongoc_database_destroy(db);
	return rc;
}

void
ca_store_shutdown(void)
{

	mongoc_cleanup();
}
