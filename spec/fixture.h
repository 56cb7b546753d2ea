/*
 * fixture.h: what the unit suites share: reading fixture files, the
 * devdb a suite runs against, the mock provider, comparing strings, and
 * running a suite.
 *
 * Functions named *_read and ca_fixture_mock_start() report failure by
 * their result and may be called outside a test (from main); all others
 * fail the running test with Check's ck_assert and belong inside one,
 * or in an unchecked fixture.  Paths are used as given: callers that
 * want the repository root build it with ca_harness_root_dir().  One
 * devdb at most runs per suite process (Check's fixtures take no
 * arguments, so it is the one piece of file-level state here).
 */
#ifndef CA_FIXTURE_H
#define CA_FIXTURE_H

#include <stddef.h>

#include <check.h>
#include <cJSON.h>
#include <mongoc.h>

#include "err.h"
#include "harness.h"

/* The largest fixture file the suites read, unless they say less. */
#define CA_FIXTURE_MAX		(1024 * 1024)
/* Longest devdb URI ca_fixture_devdb_uri() builds, with its NUL. */
#define CA_FIXTURE_URI_MAX	1024

/*
 * The whole file at path, NUL-terminated, in a new buffer the caller
 * frees with ca_free(); NULL (with a line on stderr) when it cannot be
 * read or holds more than max bytes.
 */
char		*ca_fixture_read(const char *path, size_t max);
/*
 * The file at path parsed as JSON, for cJSON_Delete(); NULL (with a line
 * on stderr) when it cannot be read, is over max bytes or is not JSON.
 */
cJSON		*ca_fixture_json_read(const char *path, size_t max);
/* The same in a test: any failure fails it, naming path. */
cJSON		*ca_fixture_json(const char *path, size_t max);

/*
 * Fails the test unless got equals want, or both are NULL (want NULL:
 * got must be too); the message names where and what.
 */
void		 ca_fixture_str_eq(const char *where, const char *what,
		    const char *got, const char *want);

/*
 * Unchecked fixtures: start devdb for a TCase (failing if it does not
 * come up) and stop it.
 */
void		 ca_fixture_devdb_setup(void);
void		 ca_fixture_devdb_teardown(void);
/* The devdb the setup started (pid -1 when none runs). */
const struct ca_harness_proc *ca_fixture_devdb(void);
/*
 * Writes "mongodb://127.0.0.1:<port>/<db>" of the running devdb, with
 * timeouts for a busy machine, into uri (db may be ""); returns 0, or -1
 * when it does not fit.  Asserts nothing, so it is safe in any thread.
 */
int		 ca_fixture_devdb_uri(char *uri, size_t size, const char *db);
/* A client of uri, never NULL; the caller mongoc_client_destroy()s it. */
mongoc_client_t	*ca_fixture_client(const char *uri);

/*
 * Starts $CGIAUTH_BUILD/mock-provider/mock-provider with the repository's
 * fixtures/mock-provider/users.json on a free port, trying up to attempts
 * ports (one may be taken between choosing and binding).  On CA_OK p
 * describes it (p->port) and the caller ca_harness_stop()s it; otherwise
 * nothing runs and the last error is returned.
 */
enum ca_err	 ca_fixture_mock_start(struct ca_harness_proc *p,
		    int attempts) CA_WUR;

/*
 * chdir(2) to $CGIAUTH_ROOT when it is set, for suites that read their
 * fixtures relative to the repository root: 0, or -1 after perror().
 */
int		 ca_fixture_chdir_root(void);
/*
 * Runs suite s (the runner frees it) in CK_NORMAL mode: EXIT_SUCCESS
 * when no test failed, else EXIT_FAILURE.
 */
int		 ca_fixture_run(Suite *s);

#endif
