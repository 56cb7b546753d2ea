/*
 * store_int.h: the inside of struct ca_store, for the store_*.c files and
 * link.c, which writes users and OAuth accounts through libmongoc itself.
 * Not part of the public interface: nothing outside lib/ includes it.
 */
#ifndef CA_STORE_INT_H
#define CA_STORE_INT_H

#include <stdint.h>

#include <mongoc.h>

#include "store.h"

/* Room for "host:port,host:port,..." in log lines; longer lists are cut. */
#define CA_STORE_WHERE_MAX	256
/* A step named in a log line, "<verb> <collection>", at most. */
#define CA_STORE_STEP_MAX	64
/* A SHA-256 hex key: 64 digits. */
#define CA_STORE_HASH_LEN	64

struct ca_store {
	mongoc_client_t	*client;
	char		*dbname;		/* ca_free'd by _close */
	char		 where[CA_STORE_WHERE_MAX]; /* hosts, for logs */
};

/*
 * A handle on collection name of the store's database; the caller
 * destroys it with mongoc_collection_destroy().  Never NULL.
 */
mongoc_collection_t	*ca_store_coll(struct ca_store *, const char *name);
/*
 * Maps a libmongoc error from step (e.g. "find users") to CA_EEXIST (code
 * 11000, not logged) or CA_EDB (logged, naming the hosts when the server
 * could not be reached).
 */
enum ca_err		 ca_store_fail(const struct ca_store *,
			    const char *step, const bson_error_t *);
/* Logs a failure that libmongoc did not report as an error: CA_EDB. */
enum ca_err		 ca_store_fail_msg(const struct ca_store *,
			    const char *step, const char *what);
/*
 * The first document find(filter, opts) on collection cname returns,
 * copied into *out (the caller's, freed with bson_destroy()); *out is
 * NULL and CA_OK when there is none.  A cursor error goes through
 * ca_store_fail() as "find <cname>".
 */
enum ca_err		 ca_store_find_one(struct ca_store *,
			    const char *cname, const bson_t *filter,
			    const bson_t *opts, bson_t **out);
/*
 * Inserts doc (still the caller's) into collection cname: CA_OK, or what
 * ca_store_fail() makes of the error as "insert <cname>".
 */
enum ca_err		 ca_store_insert_one(struct ca_store *,
			    const char *cname, const bson_t *doc);
/*
 * Deletes the first document of collection cname matching filter (none
 * matching is CA_OK): CA_OK, or what ca_store_fail() makes of the error
 * as "<verb> <cname>" (verb "delete", or "delete (undo)").
 */
enum ca_err		 ca_store_delete_one(struct ca_store *,
			    const char *verb, const char *cname,
			    const bson_t *filter);
/* 1 when s is exactly 64 lower-case hex digits. */
int			 ca_store_hash_ok(const char *s);
/* 1 when s is 24 hex digits; then *oid is set. */
int			 ca_store_oid_parse(const char *s, bson_oid_t *oid);
/* Milliseconds since the epoch, as BSON dates count. */
int64_t			 ca_store_now_ms(void);
/* Appends key: value, or key: null when value is NULL. */
int			 ca_store_append_str(bson_t *, const char *key,
			    const char *value);
/*
 * A copy of doc[key] when it is a string, else NULL in *out: CA_OK, or
 * CA_ENOMEM.  *out is the caller's, freed with ca_free().
 */
enum ca_err		 ca_store_dup_str(const bson_t *doc, const char *key,
			    char **out);

#endif
