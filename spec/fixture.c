/*
 * fixture.c: the pieces every unit suite used to carry its own copy of
 * (see fixture.h): reading a fixture file whole and parsing it as JSON,
 * a null-aware string comparison, the devdb of a suite and clients of
 * it, starting the mock provider, and the main() of a Check runner.
 *
 * Files are read through a struct ca_buf capped at the caller's maximum,
 * so a fixture that grew too big is refused, never cut.  Nothing here
 * knows what a suite tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "fixture.h"

/* Bytes read from a file at a time. */
#define FIXTURE_CHUNK		4096
/* Longest path to the mock provider or its users file. */
#define FIXTURE_PATH_MAX	1024
/* The users the mock provider serves, under the repository root. */
#define FIXTURE_MOCK_USERS	"fixtures/mock-provider/users.json"

/*
 * The devdb of the running TCase: written by the unchecked setup in the
 * parent before any test forks, read by the tests.
 */
static struct ca_harness_proc	fixture_devdb = { -1, 0, "", "" };

char *
ca_fixture_read(const char *path, size_t max)
{
	struct ca_buf	 b;
	char		 chunk[FIXTURE_CHUNK];
	FILE		*f;
	size_t		 n;
	char		*res = NULL;

	ca_buf_init(&b, max);
	f = fopen(path, "rb");
	if (f == NULL) {
		fprintf(stderr, "fixture: cannot open %s\n", path);
		goto out;
	}
	do {
		n = fread(chunk, 1, sizeof(chunk), f);
		if (ca_buf_add(&b, chunk, n) != CA_OK) {
			fprintf(stderr, "fixture: %s is over %zu bytes\n",
			    path, max);
			goto out;
		}
	} while (n == sizeof(chunk));
	if (ferror(f)) {
		fprintf(stderr, "fixture: cannot read %s\n", path);
		goto out;
	}
	res = ca_buf_take(&b);
out:
	if (f != NULL)
		fclose(f);
	ca_buf_free(&b);
	return res;
}

cJSON *
ca_fixture_json_read(const char *path, size_t max)
{
	char	*text;
	cJSON	*j;

	text = ca_fixture_read(path, max);
	if (text == NULL)
		return NULL;
	j = cJSON_Parse(text);
	if (j == NULL)
		fprintf(stderr, "fixture: %s is not JSON (near %.40s)\n", path,
		    cJSON_GetErrorPtr() != NULL ? cJSON_GetErrorPtr() : "?");
	ca_free(text);
	return j;
}

cJSON *
ca_fixture_json(const char *path, size_t max)
{
	cJSON	*j;

	j = ca_fixture_json_read(path, max);
	ck_assert_msg(j != NULL, "cannot load %s (see stderr; run from the "
	    "repository root, or set CGIAUTH_ROOT)", path);
	return j;
}

void
ca_fixture_str_eq(const char *where, const char *what, const char *got,
    const char *want)
{

	if (want == NULL) {
		ck_assert_msg(got == NULL, "%s: %s is \"%s\", want null",
		    where, what, got);
		return;
	}
	ck_assert_msg(got != NULL, "%s: %s is null, want \"%s\"", where,
	    what, want);
	ck_assert_msg(strcmp(got, want) == 0, "%s: %s is \"%s\", want \"%s\"",
	    where, what, got, want);
}

void
ca_fixture_devdb_setup(void)
{
	enum ca_err	 rc;

	rc = ca_harness_devdb_start(&fixture_devdb);
	ck_assert_msg(rc == CA_OK, "devdb did not start: %s",
	    ca_strerror(rc));
}

void
ca_fixture_devdb_teardown(void)
{

	ca_harness_stop(&fixture_devdb);
}

const struct ca_harness_proc *
ca_fixture_devdb(void)
{

	return &fixture_devdb;
}

int
ca_fixture_devdb_uri(char *uri, size_t size, const char *db)
{
	char	 base[CA_FIXTURE_URI_MAX];
	int	 n;

	if (ca_harness_devdb_uri(&fixture_devdb, base, sizeof(base)) !=
	    CA_OK)
		return -1;
	n = snprintf(uri, size, "%s%s?serverSelectionTimeoutMS=20000"
	    "&connectTimeoutMS=20000&socketTimeoutMS=60000", base, db);
	return n > 0 && (size_t)n < size ? 0 : -1;
}

mongoc_client_t *
ca_fixture_client(const char *uri)
{
	mongoc_client_t	*c;

	c = mongoc_client_new(uri);
	ck_assert_msg(c != NULL, "no client for %s", uri);
	return c;
}

enum ca_err
ca_fixture_mock_start(struct ca_harness_proc *p, int attempts)
{
	char		 bin[FIXTURE_PATH_MAX], users[FIXTURE_PATH_MAX];
	char		 port[16];
	char		*argv[] = { bin, "--port", port, "--fixtures", users,
			    NULL };
	enum ca_err	 rc = CA_EIO;
	int		 n, i;

	p->pid = -1;
	n = snprintf(bin, sizeof(bin), "%s/mock-provider/mock-provider",
	    ca_harness_build_dir());
	if (n < 0 || (size_t)n >= sizeof(bin))
		return CA_ETOOBIG;
	n = snprintf(users, sizeof(users), "%s/%s", ca_harness_root_dir(),
	    FIXTURE_MOCK_USERS);
	if (n < 0 || (size_t)n >= sizeof(users))
		return CA_ETOOBIG;
	for (i = 0; i < attempts && rc != CA_OK; i++) {
		rc = ca_harness_free_port(&n);
		if (rc != CA_OK)
			break;
		(void)snprintf(port, sizeof(port), "%d", n);
		rc = ca_harness_spawn(p, "mock-provider", argv, NULL, n,
		    CA_HARNESS_SPAWN_TIMEOUT_MS);
	}
	return rc;
}

int
ca_fixture_chdir_root(void)
{
	const char	*root = getenv("CGIAUTH_ROOT");

	if (root != NULL && chdir(root) != 0) {
		perror(root);
		return -1;
	}
	return 0;
}

int
ca_fixture_run(Suite *s)
{
	SRunner	*sr;
	int	 failed;

	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
