/*
 * fixture.h: the mock provider's clients and users, read once from a JSON
 * file (fixtures/mock-provider/users.json):
 *
 *	{"clients": [{"client_id": "...", "client_secret": "..."}],
 *	 "users": [{"login": "alice", "userinfo": {...},
 *	            "emails": [...], "fault": "token_slow",
 *	            "token_format": "form"}]}
 *
 * "userinfo" is served as is by /userinfo, "emails" by /user/emails;
 * both, "fault" and "token_format" are optional.  "token_format" is
 * "json" (the default, RFC 6749 5.1) or "form": /token then answers as
 * GitHub does without "Accept: application/json".  The loaded fixture is
 * read-only, so every thread may use it without a lock.
 */
#ifndef MOCK_FIXTURE_H
#define MOCK_FIXTURE_H

#include <stddef.h>

#include <cJSON.h>

#include "err.h"

/* The fixture file may be at most this large. */
#define MOCK_FIXTURE_FILE_MAX	(1024 * 1024)

enum mock_fault {
	MOCK_FAULT_NONE = 0,	/* behave */
	MOCK_FAULT_ACCESS_DENIED,	/* /authorize: error=access_denied */
	MOCK_FAULT_TOKEN_ERROR,	/* /token: 400 invalid_grant */
	MOCK_FAULT_TOKEN_500,	/* /token: 500, plain text */
	MOCK_FAULT_TOKEN_SLOW,	/* /token: answers after 15 s */
	MOCK_FAULT_USERINFO_GARBAGE,	/* /userinfo: 200, not JSON */
	MOCK_FAULT_USERINFO_500,	/* /userinfo: 500 */
	MOCK_FAULT__MAX
};

enum mock_token_format {
	MOCK_TOKEN_JSON = 0,	/* /token: application/json (RFC 6749 5.1) */
	MOCK_TOKEN_FORM,	/* /token: x-www-form-urlencoded, as GitHub */
	MOCK_TOKEN__MAX
};

struct mock_client {
	const char	*id;		/* borrowed from the JSON tree */
	const char	*secret;
};

struct mock_user {
	const char	*login;		/* borrowed from the JSON tree */
	const char	*name;		/* "name" or "data.name", or "" */
	const cJSON	*userinfo;	/* an object; never NULL */
	const cJSON	*emails;	/* an array, or NULL */
	enum mock_fault	 fault;
	enum mock_token_format token_format;	/* how /token answers */
};

struct mock_fixture {
	cJSON			*root;		/* owns every string */
	struct mock_client	*clients;
	size_t			 nclients;
	struct mock_user	*users;
	size_t			 nusers;
};

/*
 * Reads path into a new fixture the caller frees with
 * mock_fixture_free(); on failure *out is NULL and a line on stderr says
 * what is wrong.
 */
enum ca_err	 mock_fixture_load(const char *path,
		    struct mock_fixture **out) CA_WUR;
/* Accepts NULL. */
void		 mock_fixture_free(struct mock_fixture *);
/* Borrowed pointers into f, or NULL when there is no such entry. */
const struct mock_client *mock_fixture_client(const struct mock_fixture *f,
		    const char *id);
const struct mock_user *mock_fixture_user(const struct mock_fixture *f,
		    const char *login);

#endif
