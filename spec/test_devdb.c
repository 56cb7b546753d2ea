/*
 * test_devdb.c: proves devdb/devdb.py serves what cgiauth asks of MongoDB,
 * talking to it with libmongoc directly (not through lib/), and proves the
 * harness that starts it.
 *
 * One devdb is started per TCase in an unchecked fixture (Check forks per
 * test, the server outlives the forks); every test works in a collection
 * of its own, named after the test and its pid, so no test depends on the
 * order of the others.  Documents are compared as relaxed extended JSON
 * or byte for byte, never loosely.
 */
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <mongoc.h>

#include "err.h"
#include "fixture.h"
#include "harness.h"

/* The database every test collection lives in. */
#define TEST_DB		"cgiauth_test"
/* Clients racing for one token document. */
#define RACERS		20
/* Seconds a test may take on a slow, busy machine. */
#define TEST_TIMEOUT	120
/* Longest URI or collection name the tests build. */
#define NAME_MAX_LEN	256

/* Returns a client of the running devdb; the caller destroys it. */
static mongoc_client_t *
client_new(void)
{
	char	 uri[CA_FIXTURE_URI_MAX];

	ck_assert_int_eq(ca_fixture_devdb_uri(uri, sizeof(uri), ""), 0);
	return ca_fixture_client(uri);
}

/*
 * Returns a collection no other test uses, "<name>_<pid>"; the caller
 * destroys it.
 */
static mongoc_collection_t *
coll_fresh(mongoc_client_t *c, const char *name)
{
	char	 full[NAME_MAX_LEN];
	int	 n;

	n = snprintf(full, sizeof(full), "%s_%ld", name, (long)getpid());
	ck_assert(n > 0 && (size_t)n < sizeof(full));
	return mongoc_client_get_collection(c, TEST_DB, full);
}

/* Returns the document json describes; the caller bson_destroy()s it. */
static bson_t *
json_doc(const char *json)
{
	bson_error_t	 err;
	bson_t		*b;

	b = bson_new_from_json((const uint8_t *)json, -1, &err);
	ck_assert_msg(b != NULL, "bad test JSON %s: %s", json, err.message);
	return b;
}

static void
insert_json(mongoc_collection_t *coll, const char *json)
{
	bson_error_t	 err;
	bson_t		*d;
	bool		 ok;

	d = json_doc(json);
	ok = mongoc_collection_insert_one(coll, d, NULL, NULL, &err);
	ck_assert_msg(ok, "insert %s: %s", json, err.message);
	bson_destroy(d);
}

/*
 * Runs find(filter, opts) and returns the documents as relaxed extended
 * JSON joined by "\n", which the caller frees with bson_free().
 */
static char *
find_json(mongoc_collection_t *coll, const char *filter, const char *opts)
{
	mongoc_cursor_t	*cur;
	const bson_t	*d;
	bson_string_t	*s;
	bson_error_t	 err;
	bson_t		*f, *o;
	char		*j;

	f = json_doc(filter);
	o = opts != NULL ? json_doc(opts) : NULL;
	cur = mongoc_collection_find_with_opts(coll, f, o, NULL);
	s = bson_string_new("");
	while (mongoc_cursor_next(cur, &d)) {
		j = bson_as_relaxed_extended_json(d, NULL);
		if (s->len > 0)
			bson_string_append(s, "\n");
		bson_string_append(s, j);
		bson_free(j);
	}
	ck_assert_msg(!mongoc_cursor_error(cur, &err), "find: %s",
	    err.message);
	mongoc_cursor_destroy(cur);
	bson_destroy(f);
	if (o != NULL)
		bson_destroy(o);
	return bson_string_free(s, false);
}

static void
assert_find(mongoc_collection_t *coll, const char *filter, const char *opts,
    const char *expected)
{
	char	*got;

	got = find_json(coll, filter, opts);
	ck_assert_str_eq(got, expected);
	bson_free(got);
}

/* Returns reply's field as relaxed JSON; the caller bson_free()s it. */
static char *
field_json(const bson_t *reply, const char *field)
{
	bson_iter_t	 it;
	bson_t		 sub;
	const uint8_t	*data;
	uint32_t	 len;

	ck_assert_msg(bson_iter_init_find(&it, reply, field),
	    "no %s in reply", field);
	if (BSON_ITER_HOLDS_NULL(&it))
		return bson_strdup("null");
	ck_assert(BSON_ITER_HOLDS_DOCUMENT(&it));
	bson_iter_document(&it, &len, &data);
	ck_assert(bson_init_static(&sub, data, len));
	return bson_as_relaxed_extended_json(&sub, NULL);
}

static int64_t
reply_int(const bson_t *reply, const char *field)
{
	bson_iter_t	 it;

	ck_assert_msg(bson_iter_init_find(&it, reply, field),
	    "no %s in reply", field);
	ck_assert(BSON_ITER_HOLDS_INT32(&it) || BSON_ITER_HOLDS_INT64(&it));
	return bson_iter_as_int64(&it);
}

/*
 * findAndModify on coll; returns the reply's "value" as relaxed JSON or
 * "null", which the caller bson_free()s.  update may be NULL (remove).
 */
static char *
famod(mongoc_collection_t *coll, const char *query, const char *sort,
    const char *update, const char *fields, int flags, bson_t *reply_out)
{
	mongoc_find_and_modify_opts_t	*o;
	bson_error_t			 err;
	bson_t				*q, *s = NULL, *u = NULL;
	bson_t				*f = NULL;
	bson_t				 reply;
	char				*v;
	bool				 ok;

	q = json_doc(query);
	o = mongoc_find_and_modify_opts_new();
	if (sort != NULL) {
		s = json_doc(sort);
		ck_assert(mongoc_find_and_modify_opts_set_sort(o, s));
	}
	if (update != NULL) {
		u = json_doc(update);
		ck_assert(mongoc_find_and_modify_opts_set_update(o, u));
	}
	if (fields != NULL) {
		f = json_doc(fields);
		ck_assert(mongoc_find_and_modify_opts_set_fields(o, f));
	}
	ck_assert(mongoc_find_and_modify_opts_set_flags(o,
	    (mongoc_find_and_modify_flags_t)flags));
	ok = mongoc_collection_find_and_modify_with_opts(coll, q, o, &reply,
	    &err);
	ck_assert_msg(ok, "findAndModify: %s", err.message);
	v = field_json(&reply, "value");
	if (reply_out != NULL)
		bson_copy_to(&reply, reply_out);
	bson_destroy(&reply);
	mongoc_find_and_modify_opts_destroy(o);
	bson_destroy(q);
	if (s != NULL)
		bson_destroy(s);
	if (u != NULL)
		bson_destroy(u);
	if (f != NULL)
		bson_destroy(f);
	return v;
}

/* The harness itself. */

START_TEST(test_harness_free_port_range)
{
	int	 port = -1;

	ck_assert_int_eq(ca_harness_free_port(&port), CA_OK);
	ck_assert_int_ge(port, 1);
	ck_assert_int_le(port, 65535);
	ck_assert_int_eq(ca_harness_free_port(NULL), CA_EINVAL);
}
END_TEST

START_TEST(test_harness_spawn_exits_early)
{
	struct ca_harness_proc	 p;
	char			*argv[] = { "/bin/false", NULL };
	int			 port;

	ck_assert_int_eq(ca_harness_free_port(&port), CA_OK);
	ck_assert_int_eq(ca_harness_spawn(&p, "false", argv, NULL, port,
	    CA_HARNESS_SPAWN_TIMEOUT_MS), CA_EIO);
	ck_assert_int_eq(p.pid, -1);
	ck_assert_str_eq(p.name, "false");
}
END_TEST

START_TEST(test_harness_spawn_timeout)
{
	struct ca_harness_proc	 p;
	char			*argv[] = { "/bin/sleep", "60", NULL };
	int			 port;

	ck_assert_int_eq(ca_harness_free_port(&port), CA_OK);
	ck_assert_int_eq(ca_harness_spawn(&p, "sleep", argv, NULL, port,
	    300), CA_ETIMEOUT);
	ck_assert_int_eq(p.pid, -1);
}
END_TEST

START_TEST(test_harness_spawn_bad_args)
{
	struct ca_harness_proc	 p;
	char			*argv[] = { "/bin/true", NULL };
	char			*bad_env[] = { "NOEQUALS", NULL };

	ck_assert_int_eq(ca_harness_spawn(&p, "true", argv, NULL, 0, 100),
	    CA_EINVAL);
	ck_assert_int_eq(ca_harness_spawn(&p, "", argv, NULL, 1, 100),
	    CA_EINVAL);
	ck_assert_int_eq(ca_harness_spawn(&p, "a/b", argv, NULL, 1, 100),
	    CA_EINVAL);
	ck_assert_int_eq(ca_harness_spawn(&p, "true", argv, bad_env, 1, 100),
	    CA_EINVAL);
	ck_assert_int_eq(p.pid, -1);
}
END_TEST

/*
 * Spawns devdb through /bin/sh with its port in an extra environment
 * variable, so this also proves envp_extra reaches the child; then stop
 * must leave nothing running.
 */
START_TEST(test_harness_spawn_env_and_stop)
{
	struct ca_harness_proc	 p;
	char			 env_port[32], script[NAME_MAX_LEN];
	char			*argv[] = { "/bin/sh", "-c",
				    "exec /usr/bin/python3 \"$DEVDB\" "
				    "--port \"$DEVDB_PORT\"", NULL };
	char			 env_script[NAME_MAX_LEN + 8];
	char			*extra[3];
	pid_t			 pid;
	int			 port, n;

	ck_assert_int_eq(ca_harness_free_port(&port), CA_OK);
	n = snprintf(env_port, sizeof(env_port), "DEVDB_PORT=%d", port);
	ck_assert(n > 0 && (size_t)n < sizeof(env_port));
	n = snprintf(script, sizeof(script), "%s/devdb/devdb.py",
	    ca_harness_root_dir());
	ck_assert(n > 0 && (size_t)n < sizeof(script));
	n = snprintf(env_script, sizeof(env_script), "DEVDB=%s", script);
	ck_assert(n > 0 && (size_t)n < sizeof(env_script));
	extra[0] = env_port;
	extra[1] = env_script;
	extra[2] = NULL;
	ck_assert_int_eq(ca_harness_spawn(&p, "devdb-sh", argv, extra, port,
	    CA_HARNESS_SPAWN_TIMEOUT_MS), CA_OK);
	pid = p.pid;
	ck_assert_int_gt(pid, 0);
	ck_assert_int_eq(p.port, port);
	ck_assert_int_eq(getpgid(pid), pid);
	ck_assert_int_eq(kill(pid, 0), 0);
	ca_harness_stop(&p);
	ck_assert_int_eq(p.pid, -1);
	errno = 0;
	ck_assert_int_eq(kill(-pid, 0), -1);
	ck_assert_int_eq(errno, ESRCH);
	ca_harness_stop(&p);
}
END_TEST

START_TEST(test_harness_build_dir_env)
{
	char	*old;

	old = getenv("CGIAUTH_BUILD") != NULL ?
	    bson_strdup(getenv("CGIAUTH_BUILD")) : NULL;
	ck_assert_int_eq(setenv("CGIAUTH_BUILD", "build-san", 1), 0);
	ck_assert_str_eq(ca_harness_build_dir(), "build-san");
	ck_assert_int_eq(unsetenv("CGIAUTH_BUILD"), 0);
	ck_assert_str_eq(ca_harness_build_dir(), "build");
	if (old != NULL)
		ck_assert_int_eq(setenv("CGIAUTH_BUILD", old, 1), 0);
	bson_free(old);
}
END_TEST

/* Handshake and commands. */

START_TEST(test_devdb_ping_ok)
{
	mongoc_client_t	*c;
	bson_error_t	 err;
	bson_t		*cmd, reply;
	bson_iter_t	 it;
	bool		 ok;

	c = client_new();
	cmd = json_doc("{\"ping\": 1}");
	ok = mongoc_client_command_simple(c, "admin", cmd, NULL, &reply,
	    &err);
	ck_assert_msg(ok, "ping: %s", err.message);
	ck_assert(bson_iter_init_find(&it, &reply, "ok"));
	ck_assert(bson_iter_as_double(&it) == 1.0);
	bson_destroy(&reply);
	bson_destroy(cmd);

	cmd = json_doc("{\"hello\": 1}");
	ok = mongoc_client_command_simple(c, "admin", cmd, NULL, &reply,
	    &err);
	ck_assert_msg(ok, "hello: %s", err.message);
	ck_assert(bson_iter_init_find(&it, &reply, "isWritablePrimary"));
	ck_assert(bson_iter_as_bool(&it));
	ck_assert_int_eq(reply_int(&reply, "maxWireVersion"), 13);
	bson_destroy(&reply);
	bson_destroy(cmd);
	mongoc_client_destroy(c);
}
END_TEST

START_TEST(test_devdb_command_unknown)
{
	mongoc_client_t	*c;
	bson_error_t	 err;
	bson_t		*cmd, reply;
	bool		 ok;

	c = client_new();
	cmd = json_doc("{\"frobnicate\": 1}");
	ok = mongoc_client_command_simple(c, TEST_DB, cmd, NULL, &reply,
	    &err);
	ck_assert(!ok);
	ck_assert_uint_eq(err.code, 59);
	ck_assert_str_eq(err.message,
	    "devdb: command frobnicate not supported");
	bson_destroy(&reply);
	bson_destroy(cmd);

	/* The server is still there after it. */
	cmd = json_doc("{\"ping\": 1}");
	ck_assert(mongoc_client_command_simple(c, "admin", cmd, NULL, NULL,
	    &err));
	bson_destroy(cmd);
	mongoc_client_destroy(c);
}
END_TEST

/* Insert and find. */

static void
insert_numbers(mongoc_collection_t *coll)
{
	insert_json(coll, "{\"_id\": \"n0\", \"n\": 0, \"kind\": \"even\"}");
	insert_json(coll, "{\"_id\": \"n3\", \"n\": 3, \"kind\": \"odd\"}");
	insert_json(coll, "{\"_id\": \"n1\", \"n\": 1, \"kind\": \"odd\"}");
	insert_json(coll, "{\"_id\": \"n4\", \"n\": 4, \"kind\": \"even\"}");
	insert_json(coll, "{\"_id\": \"n2\", \"n\": 2, \"kind\": \"even\"}");
}

START_TEST(test_devdb_find_filter_sort_limit)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;

	c = client_new();
	coll = coll_fresh(c, "find_filter_sort_limit");
	insert_numbers(coll);
	assert_find(coll, "{\"kind\": \"even\"}",
	    "{\"sort\": {\"n\": -1}, \"limit\": 2}",
	    "{ \"_id\" : \"n4\", \"n\" : 4, \"kind\" : \"even\" }\n"
	    "{ \"_id\" : \"n2\", \"n\" : 2, \"kind\" : \"even\" }");
	assert_find(coll, "{\"n\": {\"$gte\": 2}}",
	    "{\"sort\": {\"n\": 1}}",
	    "{ \"_id\" : \"n2\", \"n\" : 2, \"kind\" : \"even\" }\n"
	    "{ \"_id\" : \"n3\", \"n\" : 3, \"kind\" : \"odd\" }\n"
	    "{ \"_id\" : \"n4\", \"n\" : 4, \"kind\" : \"even\" }");
	assert_find(coll, "{\"kind\": \"none\"}", NULL, "");
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(c);
}
END_TEST

START_TEST(test_devdb_find_skip_projection)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;

	c = client_new();
	coll = coll_fresh(c, "find_skip_projection");
	insert_numbers(coll);
	assert_find(coll, "{}",
	    "{\"sort\": {\"n\": 1}, \"skip\": 1, \"limit\": 2, "
	    "\"projection\": {\"n\": 1, \"_id\": 0}}",
	    "{ \"n\" : 1 }\n{ \"n\" : 2 }");
	assert_find(coll, "{\"_id\": \"n3\"}",
	    "{\"projection\": {\"kind\": 0}}",
	    "{ \"_id\" : \"n3\", \"n\" : 3 }");
	assert_find(coll, "{\"_id\": \"n3\"}",
	    "{\"projection\": {\"kind\": 1}}",
	    "{ \"_id\" : \"n3\", \"kind\" : \"odd\" }");
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(c);
}
END_TEST

START_TEST(test_devdb_insert_oid_count)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;
	bson_error_t		 err;
	bson_t			*d, *f, reply;
	bson_iter_t		 it;
	int64_t			 n;

	c = client_new();
	coll = coll_fresh(c, "insert_oid_count");
	d = json_doc("{\"email\": \"alice@example.com\"}");
	ck_assert(mongoc_collection_insert_one(coll, d, NULL, &reply, &err));
	ck_assert_int_eq(reply_int(&reply, "insertedCount"), 1);
	bson_destroy(&reply);
	bson_destroy(d);
	insert_json(coll, "{\"email\": \"bob@example.com\"}");
	insert_json(coll, "{\"email\": \"carol@example.com\"}");

	f = json_doc("{\"email\": {\"$ne\": \"bob@example.com\"}}");
	n = mongoc_collection_count_documents(coll, f, NULL, NULL, NULL, &err);
	ck_assert_msg(n == 2, "count %lld: %s", (long long)n, err.message);
	bson_destroy(f);
	f = json_doc("{}");
	n = mongoc_collection_count_documents(coll, f, NULL, NULL, NULL, &err);
	ck_assert_msg(n == 3, "count %lld: %s", (long long)n, err.message);
	bson_destroy(f);

	/* The client added an ObjectId _id, first, as a server keeps it. */
	f = json_doc("{\"email\": \"alice@example.com\"}");
	{
		mongoc_cursor_t	*cur;
		const bson_t	*got;

		cur = mongoc_collection_find_with_opts(coll, f, NULL, NULL);
		ck_assert(mongoc_cursor_next(cur, &got));
		ck_assert(bson_iter_init(&it, got));
		ck_assert(bson_iter_next(&it));
		ck_assert_str_eq(bson_iter_key(&it), "_id");
		ck_assert(BSON_ITER_HOLDS_OID(&it));
		ck_assert(!mongoc_cursor_next(cur, &got));
		ck_assert(!mongoc_cursor_error(cur, &err));
		mongoc_cursor_destroy(cur);
	}
	bson_destroy(f);
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(c);
}
END_TEST

/* Unique indexes. */

/* Runs createIndexes as a command, as libmongoc 1.23 has no index model. */
static void
create_account_index(mongoc_collection_t *coll)
{
	char		 json[NAME_MAX_LEN * 2];
	bson_error_t	 err;
	bson_t		*cmd, reply;
	bool		 ok;
	int		 n;

	n = snprintf(json, sizeof(json), "{\"createIndexes\": \"%s\", "
	    "\"indexes\": [{\"key\": {\"provider\": 1, "
	    "\"provider_user_id\": 1}, \"name\": "
	    "\"provider_1_provider_user_id_1\", \"unique\": true}]}",
	    mongoc_collection_get_name(coll));
	ck_assert(n > 0 && (size_t)n < sizeof(json));
	cmd = json_doc(json);
	ok = mongoc_collection_write_command_with_opts(coll, cmd, NULL,
	    &reply, &err);
	ck_assert_msg(ok, "createIndexes: %s", err.message);
	ck_assert_int_eq(reply_int(&reply, "numIndexesBefore"), 1);
	ck_assert_int_eq(reply_int(&reply, "numIndexesAfter"), 2);
	bson_destroy(&reply);
	bson_destroy(cmd);
}

START_TEST(test_devdb_index_unique_insert)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;
	mongoc_cursor_t		*cur;
	const bson_t		*d;
	bson_error_t		 err;
	bson_t			*dup, reply;
	char			*j;
	bool			 ok;

	c = client_new();
	coll = coll_fresh(c, "index_unique_insert");
	create_account_index(coll);
	insert_json(coll, "{\"_id\": 1, \"provider\": \"google\", "
	    "\"provider_user_id\": \"42\"}");
	insert_json(coll, "{\"_id\": 2, \"provider\": \"google\", "
	    "\"provider_user_id\": \"43\"}");
	/* The same id at another provider is a different account. */
	insert_json(coll, "{\"_id\": 3, \"provider\": \"github\", "
	    "\"provider_user_id\": \"42\"}");

	dup = json_doc("{\"_id\": 4, \"provider\": \"google\", "
	    "\"provider_user_id\": \"42\"}");
	ok = mongoc_collection_insert_one(coll, dup, NULL, &reply, &err);
	ck_assert(!ok);
	ck_assert_uint_eq(err.code, 11000);
	ck_assert_uint_eq(err.domain, MONGOC_ERROR_COLLECTION);
	bson_destroy(&reply);
	bson_destroy(dup);
	assert_find(coll, "{}", "{\"sort\": {\"_id\": 1}, "
	    "\"projection\": {\"provider\": 0, \"provider_user_id\": 0}}",
	    "{ \"_id\" : 1 }\n{ \"_id\" : 2 }\n{ \"_id\" : 3 }");

	/* listIndexes shows it, unique, keys in order. */
	cur = mongoc_collection_find_indexes_with_opts(coll, NULL);
	ck_assert(mongoc_cursor_next(cur, &d));
	j = bson_as_relaxed_extended_json(d, NULL);
	ck_assert_str_eq(j, "{ \"v\" : 2, \"key\" : { \"_id\" : 1 }, "
	    "\"name\" : \"_id_\" }");
	bson_free(j);
	ck_assert(mongoc_cursor_next(cur, &d));
	j = bson_as_relaxed_extended_json(d, NULL);
	ck_assert_str_eq(j, "{ \"v\" : 2, \"key\" : { \"provider\" : 1, "
	    "\"provider_user_id\" : 1 }, \"name\" : "
	    "\"provider_1_provider_user_id_1\", \"unique\" : true }");
	bson_free(j);
	ck_assert(!mongoc_cursor_next(cur, &d));
	ck_assert(!mongoc_cursor_error(cur, &err));
	mongoc_cursor_destroy(cur);
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(c);
}
END_TEST

START_TEST(test_devdb_index_unique_update)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;
	bson_error_t		 err;
	bson_t			*q, *u, reply;
	bool			 ok;

	c = client_new();
	coll = coll_fresh(c, "index_unique_update");
	create_account_index(coll);
	insert_json(coll, "{\"_id\": 1, \"provider\": \"google\", "
	    "\"provider_user_id\": \"42\"}");
	insert_json(coll, "{\"_id\": 2, \"provider\": \"google\", "
	    "\"provider_user_id\": \"43\"}");

	q = json_doc("{\"_id\": 2}");
	u = json_doc("{\"$set\": {\"provider_user_id\": \"42\"}}");
	ok = mongoc_collection_update_one(coll, q, u, NULL, &reply, &err);
	ck_assert(!ok);
	ck_assert_uint_eq(err.code, 11000);
	bson_destroy(&reply);
	bson_destroy(u);
	bson_destroy(q);

	/* An upsert that would create a duplicate fails the same way. */
	{
		bson_t	*opts;

		q = json_doc("{\"_id\": 9}");
		u = json_doc("{\"$set\": {\"provider\": \"google\", "
		    "\"provider_user_id\": \"43\"}}");
		opts = json_doc("{\"upsert\": true}");
		ok = mongoc_collection_update_one(coll, q, u, opts, &reply,
		    &err);
		ck_assert(!ok);
		ck_assert_uint_eq(err.code, 11000);
		bson_destroy(&reply);
		bson_destroy(opts);
		bson_destroy(u);
		bson_destroy(q);
	}
	assert_find(coll, "{}", "{\"sort\": {\"_id\": 1}}",
	    "{ \"_id\" : 1, \"provider\" : \"google\", "
	    "\"provider_user_id\" : \"42\" }\n"
	    "{ \"_id\" : 2, \"provider\" : \"google\", "
	    "\"provider_user_id\" : \"43\" }");
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(c);
}
END_TEST

/* Updates. */

START_TEST(test_devdb_update_set_push_inc)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;
	bson_error_t		 err;
	bson_t			*q, *u, reply;
	bool			 ok;

	c = client_new();
	coll = coll_fresh(c, "update_set_push_inc");
	insert_json(coll, "{\"_id\": \"u1\", \"n\": 1, \"tags\": [\"a\"], "
	    "\"gone\": true}");
	q = json_doc("{\"_id\": \"u1\"}");
	u = json_doc("{\"$set\": {\"name\": \"Alice Example\"}, "
	    "\"$push\": {\"tags\": \"b\"}, \"$inc\": {\"n\": 2}, "
	    "\"$unset\": {\"gone\": \"\"}}");
	ok = mongoc_collection_update_one(coll, q, u, NULL, &reply, &err);
	ck_assert_msg(ok, "update: %s", err.message);
	ck_assert_int_eq(reply_int(&reply, "matchedCount"), 1);
	ck_assert_int_eq(reply_int(&reply, "modifiedCount"), 1);
	ck_assert_int_eq(reply_int(&reply, "upsertedCount"), 0);
	bson_destroy(&reply);
	bson_destroy(u);
	u = json_doc("{\"$pull\": {\"tags\": \"a\"}}");
	ok = mongoc_collection_update_one(coll, q, u, NULL, NULL, &err);
	ck_assert_msg(ok, "update: %s", err.message);
	bson_destroy(u);
	bson_destroy(q);
	assert_find(coll, "{}", NULL, "{ \"_id\" : \"u1\", \"n\" : 3, "
	    "\"tags\" : [ \"b\" ], \"name\" : \"Alice Example\" }");
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(c);
}
END_TEST

START_TEST(test_devdb_update_upsert)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;
	bson_error_t		 err;
	bson_t			*q, *u, *opts, reply;
	bson_iter_t		 it;
	bool			 ok;
	int			 i;

	c = client_new();
	coll = coll_fresh(c, "update_upsert");
	q = json_doc("{\"_id\": \"rate:1.2.3.4\"}");
	u = json_doc("{\"$inc\": {\"hits\": 1}, "
	    "\"$setOnInsert\": {\"first\": true}}");
	opts = json_doc("{\"upsert\": true}");
	for (i = 0; i < 2; i++) {
		ok = mongoc_collection_update_one(coll, q, u, opts, &reply,
		    &err);
		ck_assert_msg(ok, "upsert: %s", err.message);
		ck_assert_int_eq(reply_int(&reply, "matchedCount"), i);
		ck_assert_int_eq(reply_int(&reply, "modifiedCount"), i);
		ck_assert_int_eq(reply_int(&reply, "upsertedCount"), 1 - i);
		if (i == 0) {
			ck_assert(bson_iter_init_find(&it, &reply,
			    "upsertedId"));
			ck_assert(BSON_ITER_HOLDS_UTF8(&it));
			ck_assert_str_eq(bson_iter_utf8(&it, NULL),
			    "rate:1.2.3.4");
		} else
			ck_assert(!bson_iter_init_find(&it, &reply,
			    "upsertedId"));
		bson_destroy(&reply);
	}
	assert_find(coll, "{}", NULL, "{ \"_id\" : \"rate:1.2.3.4\", "
	    "\"hits\" : 2, \"first\" : true }");
	bson_destroy(opts);
	bson_destroy(u);
	bson_destroy(q);
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(c);
}
END_TEST

START_TEST(test_devdb_update_many_replace)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;
	bson_error_t		 err;
	bson_t			*q, *u, reply;
	bool			 ok;

	c = client_new();
	coll = coll_fresh(c, "update_many_replace");
	insert_numbers(coll);
	q = json_doc("{\"kind\": \"even\"}");
	u = json_doc("{\"$set\": {\"seen\": 1}}");
	ok = mongoc_collection_update_many(coll, q, u, NULL, &reply, &err);
	ck_assert_msg(ok, "update_many: %s", err.message);
	ck_assert_int_eq(reply_int(&reply, "matchedCount"), 3);
	ck_assert_int_eq(reply_int(&reply, "modifiedCount"), 3);
	bson_destroy(&reply);
	bson_destroy(u);
	bson_destroy(q);
	q = json_doc("{\"_id\": \"n3\"}");
	u = json_doc("{\"replaced\": true}");
	ok = mongoc_collection_replace_one(coll, q, u, NULL, &reply, &err);
	ck_assert_msg(ok, "replace_one: %s", err.message);
	ck_assert_int_eq(reply_int(&reply, "modifiedCount"), 1);
	bson_destroy(&reply);
	bson_destroy(u);
	bson_destroy(q);
	assert_find(coll, "{}", "{\"sort\": {\"_id\": 1}, "
	    "\"projection\": {\"kind\": 0}}",
	    "{ \"_id\" : \"n0\", \"n\" : 0, \"seen\" : 1 }\n"
	    "{ \"_id\" : \"n1\", \"n\" : 1 }\n"
	    "{ \"_id\" : \"n2\", \"n\" : 2, \"seen\" : 1 }\n"
	    "{ \"_id\" : \"n3\", \"replaced\" : true }\n"
	    "{ \"_id\" : \"n4\", \"n\" : 4, \"seen\" : 1 }");
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(c);
}
END_TEST

/* findAndModify. */

START_TEST(test_devdb_famod_update_new_old)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;
	bson_t			 reply;
	char			*v, *leo;

	c = client_new();
	coll = coll_fresh(c, "famod_update_new_old");
	insert_json(coll, "{\"_id\": \"s1\", \"n\": 1, \"who\": \"a\"}");
	insert_json(coll, "{\"_id\": \"s2\", \"n\": 2, \"who\": \"b\"}");

	/* new: false gives the document before; sort picks the highest n. */
	v = famod(coll, "{}", "{\"n\": -1}", "{\"$inc\": {\"n\": 10}}",
	    NULL, MONGOC_FIND_AND_MODIFY_NONE, NULL);
	ck_assert_str_eq(v, "{ \"_id\" : \"s2\", \"n\" : 2, \"who\" : \"b\" }");
	bson_free(v);
	/* new: true gives the document after, through the projection. */
	v = famod(coll, "{\"_id\": \"s1\"}", NULL,
	    "{\"$set\": {\"who\": \"c\"}}", "{\"who\": 1}",
	    MONGOC_FIND_AND_MODIFY_RETURN_NEW, &reply);
	ck_assert_str_eq(v, "{ \"_id\" : \"s1\", \"who\" : \"c\" }");
	leo = field_json(&reply, "lastErrorObject");
	ck_assert_str_eq(leo, "{ \"n\" : 1, \"updatedExisting\" : true }");
	bson_free(leo);
	bson_destroy(&reply);
	bson_free(v);
	/* No match, no upsert: null. */
	v = famod(coll, "{\"_id\": \"nope\"}", NULL,
	    "{\"$set\": {\"who\": \"d\"}}", NULL,
	    MONGOC_FIND_AND_MODIFY_RETURN_NEW, NULL);
	ck_assert_str_eq(v, "null");
	bson_free(v);
	/* Upsert with new: true gives the created document. */
	v = famod(coll, "{\"_id\": \"s3\"}", NULL,
	    "{\"$set\": {\"n\": 3}}", NULL,
	    MONGOC_FIND_AND_MODIFY_RETURN_NEW | MONGOC_FIND_AND_MODIFY_UPSERT,
	    &reply);
	ck_assert_str_eq(v, "{ \"_id\" : \"s3\", \"n\" : 3 }");
	leo = field_json(&reply, "lastErrorObject");
	ck_assert_str_eq(leo, "{ \"n\" : 1, \"updatedExisting\" : false, "
	    "\"upserted\" : \"s3\" }");
	bson_free(leo);
	bson_destroy(&reply);
	bson_free(v);
	assert_find(coll, "{}", "{\"sort\": {\"_id\": 1}}",
	    "{ \"_id\" : \"s1\", \"n\" : 1, \"who\" : \"c\" }\n"
	    "{ \"_id\" : \"s2\", \"n\" : 12, \"who\" : \"b\" }\n"
	    "{ \"_id\" : \"s3\", \"n\" : 3 }");
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(c);
}
END_TEST

START_TEST(test_devdb_famod_remove)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;
	char			*v;

	c = client_new();
	coll = coll_fresh(c, "famod_remove");
	insert_json(coll, "{\"_id\": \"t1\", \"hash\": \"aa\"}");
	insert_json(coll, "{\"_id\": \"t2\", \"hash\": \"bb\"}");
	v = famod(coll, "{\"hash\": \"aa\"}", NULL, NULL, NULL,
	    MONGOC_FIND_AND_MODIFY_REMOVE, NULL);
	ck_assert_str_eq(v, "{ \"_id\" : \"t1\", \"hash\" : \"aa\" }");
	bson_free(v);
	v = famod(coll, "{\"hash\": \"aa\"}", NULL, NULL, NULL,
	    MONGOC_FIND_AND_MODIFY_REMOVE, NULL);
	ck_assert_str_eq(v, "null");
	bson_free(v);
	assert_find(coll, "{}", NULL,
	    "{ \"_id\" : \"t2\", \"hash\" : \"bb\" }");
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(c);
}
END_TEST

/* Delete. */

START_TEST(test_devdb_delete_one_many)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;
	bson_error_t		 err;
	bson_t			*q, reply;
	bool			 ok;

	c = client_new();
	coll = coll_fresh(c, "delete_one_many");
	insert_numbers(coll);
	q = json_doc("{\"kind\": \"even\"}");
	ok = mongoc_collection_delete_one(coll, q, NULL, &reply, &err);
	ck_assert_msg(ok, "delete_one: %s", err.message);
	ck_assert_int_eq(reply_int(&reply, "deletedCount"), 1);
	bson_destroy(&reply);
	ok = mongoc_collection_delete_many(coll, q, NULL, &reply, &err);
	ck_assert_msg(ok, "delete_many: %s", err.message);
	ck_assert_int_eq(reply_int(&reply, "deletedCount"), 2);
	bson_destroy(&reply);
	ok = mongoc_collection_delete_many(coll, q, NULL, &reply, &err);
	ck_assert_msg(ok, "delete_many: %s", err.message);
	ck_assert_int_eq(reply_int(&reply, "deletedCount"), 0);
	bson_destroy(&reply);
	bson_destroy(q);
	assert_find(coll, "{}", "{\"sort\": {\"n\": 1}, "
	    "\"projection\": {\"_id\": 1}}",
	    "{ \"_id\" : \"n1\" }\n{ \"_id\" : \"n3\" }");
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(c);
}
END_TEST

/* BSON types. */

/*
 * A user document as vibetuner stores it, every type cgiauth uses: it
 * must come back byte for byte, DBRef keys in order, int64 still int64.
 */
START_TEST(test_devdb_types_roundtrip)
{
	static const uint8_t	 bin[] = { 0x00, 0xff, 0x10, 0x80 };
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;
	mongoc_cursor_t		*cur;
	const bson_t		*got;
	bson_error_t		 err;
	bson_oid_t		 id, acct;
	bson_t			 doc, refs, ref, nested, filter;
	char			*a, *b;

	c = client_new();
	coll = coll_fresh(c, "types_roundtrip");
	bson_oid_init(&id, NULL);
	bson_oid_init(&acct, NULL);
	bson_init(&doc);
	BSON_APPEND_OID(&doc, "_id", &id);
	BSON_APPEND_UTF8(&doc, "email", "alice@example.com");
	BSON_APPEND_ARRAY_BEGIN(&doc, "oauth_accounts", &refs);
	BSON_APPEND_DOCUMENT_BEGIN(&refs, "0", &ref);
	BSON_APPEND_UTF8(&ref, "$ref", "oauth_accounts");
	BSON_APPEND_OID(&ref, "$id", &acct);
	bson_append_document_end(&refs, &ref);
	bson_append_array_end(&doc, &refs);
	BSON_APPEND_DATE_TIME(&doc, "db_insert_dt", 1767225600123);
	BSON_APPEND_INT32(&doc, "i32", -7);
	BSON_APPEND_INT64(&doc, "i64", 5);
	BSON_APPEND_INT64(&doc, "big", INT64_C(9007199254740993));
	BSON_APPEND_BINARY(&doc, "bin", BSON_SUBTYPE_BINARY, bin,
	    sizeof(bin));
	BSON_APPEND_NULL(&doc, "picture");
	BSON_APPEND_BOOL(&doc, "active", true);
	BSON_APPEND_DOUBLE(&doc, "score", 0.5);
	BSON_APPEND_DOCUMENT_BEGIN(&doc, "metadata", &nested);
	BSON_APPEND_UTF8(&nested, "site", "x");
	BSON_APPEND_INT32(&nested, "level", 2);
	bson_append_document_end(&doc, &nested);
	ck_assert_msg(mongoc_collection_insert_one(coll, &doc, NULL, NULL,
	    &err), "insert: %s", err.message);

	bson_init(&filter);
	BSON_APPEND_OID(&filter, "oauth_accounts.$id", &acct);
	cur = mongoc_collection_find_with_opts(coll, &filter, NULL, NULL);
	ck_assert(mongoc_cursor_next(cur, &got));
	a = bson_as_canonical_extended_json(&doc, NULL);
	b = bson_as_canonical_extended_json(got, NULL);
	ck_assert_str_eq(b, a);
	ck_assert(bson_equal(got, &doc));
	bson_free(a);
	bson_free(b);
	ck_assert(!mongoc_cursor_next(cur, &got));
	ck_assert(!mongoc_cursor_error(cur, &err));
	mongoc_cursor_destroy(cur);

	/* $inc keeps an int64 an int64. */
	{
		bson_t	*q, *u;

		q = json_doc("{}");
		u = json_doc("{\"$inc\": {\"i64\": 1}}");
		ck_assert(mongoc_collection_update_one(coll, q, u, NULL, NULL,
		    &err));
		bson_destroy(u);
		bson_destroy(q);
	}
	assert_find(coll, "{}", "{\"projection\": {\"_id\": 0, \"i64\": 1}}",
	    "{ \"i64\" : 6 }");
	{
		bson_iter_t	 it;
		bson_t		*q;

		q = json_doc("{}");
		cur = mongoc_collection_find_with_opts(coll, q, NULL, NULL);
		ck_assert(mongoc_cursor_next(cur, &got));
		ck_assert(bson_iter_init_find(&it, got, "i64"));
		ck_assert(BSON_ITER_HOLDS_INT64(&it));
		ck_assert(bson_iter_init_find(&it, got, "i32"));
		ck_assert(BSON_ITER_HOLDS_INT32(&it));
		mongoc_cursor_destroy(cur);
		bson_destroy(q);
	}
	bson_destroy(&filter);
	bson_destroy(&doc);
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(c);
}
END_TEST

/* The race: RACERS clients, one token, exactly one winner. */

/*
 * One racing client: coll and query (JSON) name the token, update is NULL
 * for a remove; start holds everyone until all are connected; result is 1
 * for the winner, 0 for a null answer, -1 for an error explained in err.
 */
struct racer {
	const char		*coll;
	const char		*query;
	const char		*update;
	pthread_barrier_t	*start;
	int			 result;
	char			 err[BSON_ERROR_BUFFER_SIZE + 64];
};

static void *
racer_run(void *arg)
{
	struct racer			*r = arg;
	char				 uri[NAME_MAX_LEN * 2];
	mongoc_client_t			*c = NULL;
	mongoc_collection_t		*coll = NULL;
	mongoc_find_and_modify_opts_t	*o = NULL;
	bson_error_t			 err;
	bson_iter_t			 it;
	bson_t				*q = NULL, *u = NULL;
	bson_t				*ping = NULL;
	bson_t				 reply;
	bool				 ok;

	r->result = -1;
	(void)snprintf(r->err, sizeof(r->err), "setup failed");
	if (ca_fixture_devdb_uri(uri, sizeof(uri), "") == -1)
		goto wait;
	c = mongoc_client_new(uri);
	ping = bson_new_from_json((const uint8_t *)"{\"ping\": 1}", -1, NULL);
	q = bson_new_from_json((const uint8_t *)r->query, -1, NULL);
	if (r->update != NULL)
		u = bson_new_from_json((const uint8_t *)r->update, -1, NULL);
	if (c == NULL || ping == NULL || q == NULL ||
	    (r->update != NULL && u == NULL))
		goto wait;
	/* Connect and handshake first, so the race is the command alone. */
	if (!mongoc_client_command_simple(c, "admin", ping, NULL, NULL,
	    &err)) {
		(void)snprintf(r->err, sizeof(r->err), "ping: %s",
		    err.message);
		goto wait;
	}
	coll = mongoc_client_get_collection(c, TEST_DB, r->coll);
	o = mongoc_find_and_modify_opts_new();
	if (u != NULL) {
		(void)mongoc_find_and_modify_opts_set_update(o, u);
		(void)mongoc_find_and_modify_opts_set_flags(o,
		    MONGOC_FIND_AND_MODIFY_RETURN_NEW);
	} else
		(void)mongoc_find_and_modify_opts_set_flags(o,
		    MONGOC_FIND_AND_MODIFY_REMOVE);
	r->err[0] = '\0';
wait:
	(void)pthread_barrier_wait(r->start);
	if (r->err[0] != '\0')
		goto out;
	ok = mongoc_collection_find_and_modify_with_opts(coll, q, o, &reply,
	    &err);
	if (!ok)
		(void)snprintf(r->err, sizeof(r->err), "findAndModify: %s",
		    err.message);
	else if (!bson_iter_init_find(&it, &reply, "value"))
		(void)snprintf(r->err, sizeof(r->err), "no value in reply");
	else if (BSON_ITER_HOLDS_NULL(&it))
		r->result = 0;
	else if (BSON_ITER_HOLDS_DOCUMENT(&it))
		r->result = 1;
	else
		(void)snprintf(r->err, sizeof(r->err), "value of type %d",
		    (int)bson_iter_type(&it));
	bson_destroy(&reply);
out:
	if (o != NULL)
		mongoc_find_and_modify_opts_destroy(o);
	if (coll != NULL)
		mongoc_collection_destroy(coll);
	if (c != NULL)
		mongoc_client_destroy(c);
	if (ping != NULL)
		bson_destroy(ping);
	if (q != NULL)
		bson_destroy(q);
	if (u != NULL)
		bson_destroy(u);
	return NULL;
}

/* Races RACERS clients; asserts one winner and RACERS - 1 nulls. */
static void
race(const char *name, const char *query, const char *update)
{
	struct racer		 r[RACERS];
	pthread_t		 t[RACERS];
	pthread_barrier_t	 start;
	char			 full[NAME_MAX_LEN];
	int			 i, won = 0, lost = 0, n;

	n = snprintf(full, sizeof(full), "%s_%ld", name, (long)getpid());
	ck_assert(n > 0 && (size_t)n < sizeof(full));
	ck_assert_int_eq(pthread_barrier_init(&start, NULL, RACERS), 0);
	for (i = 0; i < RACERS; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].coll = full;
		r[i].query = query;
		r[i].update = update;
		r[i].start = &start;
		ck_assert_int_eq(pthread_create(&t[i], NULL, racer_run,
		    &r[i]), 0);
	}
	for (i = 0; i < RACERS; i++)
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	ck_assert_int_eq(pthread_barrier_destroy(&start), 0);
	for (i = 0; i < RACERS; i++) {
		ck_assert_msg(r[i].result != -1, "racer %d: %s", i,
		    r[i].err);
		if (r[i].result == 1)
			won++;
		else
			lost++;
	}
	ck_assert_int_eq(won, 1);
	ck_assert_int_eq(lost, RACERS - 1);
}

START_TEST(test_devdb_race_famod_update)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;

	c = client_new();
	coll = coll_fresh(c, "race_famod_update");
	insert_json(coll, "{\"_id\": \"tok\", \"used\": false}");
	race("race_famod_update", "{\"_id\": \"tok\", \"used\": false}",
	    "{\"$set\": {\"used\": true}}");
	assert_find(coll, "{}", NULL, "{ \"_id\" : \"tok\", \"used\" : true }");
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(c);
}
END_TEST

START_TEST(test_devdb_race_famod_remove)
{
	mongoc_client_t		*c;
	mongoc_collection_t	*coll;

	c = client_new();
	coll = coll_fresh(c, "race_famod_remove");
	insert_json(coll, "{\"_id\": \"tok\", \"hash\": \"h\"}");
	insert_json(coll, "{\"_id\": \"other\", \"hash\": \"o\"}");
	race("race_famod_remove", "{\"hash\": \"h\"}", NULL);
	assert_find(coll, "{}", NULL,
	    "{ \"_id\" : \"other\", \"hash\" : \"o\" }");
	mongoc_collection_destroy(coll);
	mongoc_client_destroy(c);
}
END_TEST

static Suite *
devdb_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("devdb");

	tc = tcase_create("harness");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_harness_free_port_range);
	tcase_add_test(tc, test_harness_spawn_exits_early);
	tcase_add_test(tc, test_harness_spawn_timeout);
	tcase_add_test(tc, test_harness_spawn_bad_args);
	tcase_add_test(tc, test_harness_spawn_env_and_stop);
	tcase_add_test(tc, test_harness_build_dir_env);
	suite_add_tcase(s, tc);

	tc = tcase_create("server");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_unchecked_fixture(tc, ca_fixture_devdb_setup,
	    ca_fixture_devdb_teardown);
	tcase_add_test(tc, test_devdb_ping_ok);
	tcase_add_test(tc, test_devdb_command_unknown);
	tcase_add_test(tc, test_devdb_find_filter_sort_limit);
	tcase_add_test(tc, test_devdb_find_skip_projection);
	tcase_add_test(tc, test_devdb_insert_oid_count);
	tcase_add_test(tc, test_devdb_index_unique_insert);
	tcase_add_test(tc, test_devdb_index_unique_update);
	tcase_add_test(tc, test_devdb_update_set_push_inc);
	tcase_add_test(tc, test_devdb_update_upsert);
	tcase_add_test(tc, test_devdb_update_many_replace);
	tcase_add_test(tc, test_devdb_famod_update_new_old);
	tcase_add_test(tc, test_devdb_famod_remove);
	tcase_add_test(tc, test_devdb_delete_one_many);
	tcase_add_test(tc, test_devdb_types_roundtrip);
	tcase_add_test(tc, test_devdb_race_famod_update);
	tcase_add_test(tc, test_devdb_race_famod_remove);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int	 status;

	mongoc_init();
	status = ca_fixture_run(devdb_suite());
	mongoc_cleanup();
	return status;
}
