/*
 * store.h: cgiauth's MongoDB layer, through libmongoc.
 *
 * One struct ca_store per process, opened from MONGODB_URI: the database
 * is the URI's path, or "cgiauth" when it has none, so a test or a site
 * points cgiauth at a database by its URI alone.  This module knows the
 * documents (DESIGN.md, "Database"): users, sessions and pending OAuth
 * states here; the account-linking writes live in link.c on top of the
 * private store_int.h.  Tokens are never stored: sessions and states are
 * keyed by the SHA-256 hex of the value (ca_crypto_sha256_hex), and every
 * function here refuses a key that is not 64 lower-case hex digits.
 *
 * Errors: the server unreachable or failing is CA_EDB, logged once with
 * the step and the hosts (never the URI's password); a duplicate key
 * (MongoDB error 11000) is CA_EEXIST and not logged, since callers expect
 * it in races.
 */
#ifndef CA_STORE_H
#define CA_STORE_H

#include <time.h>

#include "config.h"
#include "err.h"

/* Collections: the first two are shared with vibetuner. */
#define CA_STORE_USERS		"users"
#define CA_STORE_ACCOUNTS	"oauth_accounts"
#define CA_STORE_SESSIONS	"cgiauth_sessions"
#define CA_STORE_STATES		"cgiauth_oauth_states"
/* cgiauth's own bookkeeping: which version of the indexes exists. */
#define CA_STORE_META		"cgiauth_meta"
#define CA_STORE_INDEX_MARKER	"indexes"
/* Raise it when ca_store_indexes[] changes, so sites get the new ones. */
#define CA_STORE_INDEX_VERSION	1
/* The database when MONGODB_URI names none. */
#define CA_STORE_DB_DEFAULT	"cgiauth"
/* serverSelectionTimeoutMS and connectTimeoutMS unless the URI says. */
#define CA_STORE_TIMEOUT_MS	3000
/* An ObjectId as hex plus NUL. */
#define CA_STORE_OID_HEX	25
/* The longest life a session or state may be given (10 years). */
#define CA_STORE_TTL_MAX	(10L * 366 * 24 * 3600)

struct ca_store;

struct ca_user {
	char	 id[CA_STORE_OID_HEX];	/* the user's _id as hex */
	char	*email;			/* NULL when absent */
	char	*name;			/* NULL when absent */
	char	*picture;		/* NULL when absent */
};

struct ca_oauth_state {
	char	*provider;	/* provider name; required by _put */
	char	*app_id;	/* database-backed app, or NULL */
	char	*next;		/* where to go after sign-in */
	char	*verifier;	/* PKCE code_verifier, or NULL */
	char	*nonce;		/* OIDC nonce, or NULL */
	char	*binding;	/* hash tying the state to the browser */
	time_t	 expires;	/* filled by _take; ignored by _put */
};

/*
 * Opens a client for MONGODB_URI (CA_ECONFIG when unset or invalid).  No
 * connection is made yet: the first command connects, and fails with
 * CA_EDB within about CA_STORE_TIMEOUT_MS when nobody answers.  On CA_OK
 * *out is the caller's, closed with ca_store_close(); else *out is NULL.
 */
enum ca_err	ca_store_open(const struct ca_config *,
		    struct ca_store **out) CA_WUR;
/* Accepts NULL. */
void		ca_store_close(struct ca_store *);
/*
 * Ends libmongoc for the process; nothing of the store may be used after
 * it.  A route calls it before writing its answer: libmongoc keeps
 * counters in /dev/shm/mongoc-<pid> from the moment it is loaded and
 * removes the file only here (or at exit), and a web server may kill a
 * CGI process as soon as its answer is complete (lighttpd does), which
 * would leave one file behind per request.
 */
void		ca_store_shutdown(void);
/* Round trip to the server: CA_OK or CA_EDB. */
enum ca_err	ca_store_ping(struct ca_store *) CA_WUR;
/*
 * Creates the indexes cgiauth relies on, idempotently: oauth_accounts
 * unique {provider, provider_user_id} and {user_id}; users {email} (not
 * unique: vibetuner data may hold duplicates); cgiauth_sessions {user_id};
 * and TTL indexes on the expires field of sessions and states, which a
 * real MongoDB honours within a minute (devdb when the collection is next
 * read); _get and _take check expiry themselves all the same.
 * Once made, a marker document {_id: "indexes", version} in cgiauth_meta
 * says so, and later calls cost one find; delete the marker to have them
 * made again (after dropping an index by hand, say).
 */
enum ca_err	ca_store_ensure_indexes(struct ca_store *) CA_WUR;

/*
 * Reads the user with _id id_hex (24 hex digits, else CA_EINVAL):
 * CA_ENOTFOUND when there is none.  On CA_OK the strings in *out are the
 * caller's, freed with ca_store_user_free(); on failure *out is zeroed.
 */
enum ca_err	ca_store_user_get(struct ca_store *, const char *id_hex,
		    struct ca_user *out) CA_WUR;
/* Frees the strings and zeroes the struct; accepts NULL. */
void		ca_store_user_free(struct ca_user *);
/*
 * The names of the providers the user signs in with (their
 * oauth_accounts), distinct, comma-separated, in first-linked order, into
 * out (outsz bytes; names that do not fit are left out).  "" when none.
 */
enum ca_err	ca_store_user_providers(struct ca_store *, const char *id_hex,
		    char *out, size_t outsz) CA_WUR;

/*
 * Sessions: {_id: id_hash, user_id: ObjectId, created: date, expires:
 * date} in cgiauth_sessions.  _put gives the session max_age seconds
 * (1 to CA_STORE_TTL_MAX, else CA_EINVAL); CA_EEXIST if the hash is taken.
 * _get writes the user's hex id into user_id_hex: CA_ENOTFOUND when
 * absent, CA_EEXPIRED when past expires (and deletes it).  _delete is
 * CA_OK also when there was nothing to delete.
 */
enum ca_err	ca_store_session_put(struct ca_store *, const char *id_hash,
		    const char *user_id_hex, long max_age) CA_WUR;
enum ca_err	ca_store_session_get(struct ca_store *, const char *id_hash,
		    char user_id_hex[CA_STORE_OID_HEX]) CA_WUR;
enum ca_err	ca_store_session_delete(struct ca_store *,
		    const char *id_hash) CA_WUR;

/*
 * Pending OAuth states in cgiauth_oauth_states, _id the state's hash.
 * _put stores the fields as given (NULL as null; provider must be set)
 * with expires now + ttl_seconds (1 to CA_STORE_TTL_MAX).  _take removes
 * the document in one findAndModify, so a state is usable once even when
 * requests race; with binding not NULL only a document of that binding
 * matches, so a request from another browser cannot spend the state of
 * the one that started the sign-in.  CA_ENOTFOUND when absent, already
 * taken or of another binding (the document, if any, stays), CA_EEXPIRED
 * when past expires (the document is gone).  On CA_OK the
 * strings in *out are the caller's, freed with ca_store_state_free(); on
 * failure *out is zeroed.
 */
enum ca_err	ca_store_state_put(struct ca_store *, const char *state_hash,
		    const struct ca_oauth_state *, long ttl_seconds) CA_WUR;
enum ca_err	ca_store_state_take(struct ca_store *,
		    const char *state_hash, const char *binding,
		    struct ca_oauth_state *out) CA_WUR;
/* Frees the strings and zeroes the struct; accepts NULL. */
void		ca_store_state_free(struct ca_oauth_state *);

#endif
