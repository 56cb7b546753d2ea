/*
 * test_e2e_linking.c: account linking end to end, one case per file of
 * fixtures/e2e/linking/ (the guide's three cases over the unique index on
 * provider + provider_user_id, issue 2 item 5).
 *
 * Each case is a sequence of sign-ins through the mock provider, each in
 * a fresh browser, with the expected status and Location (or error page)
 * of each, and the exact users and oauth_accounts documents afterwards
 * (see ca_e2e_run_case() in spec/e2e.h).  The site starts once for the
 * suite; the database is emptied before each case, so no case depends on
 * another or on their order.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <curl/curl.h>

#include "e2e.h"

#define CASE_DIR	"fixtures/e2e/linking"
/* Cases the directory may hold. */
#define CASES_MAX	64
/* A case file's name at most. */
#define CASE_NAME_MAX	128
/* Seconds one case may take (several sign-ins under a sanitizer). */
#define TEST_TIMEOUT	120

static struct ca_e2e_site	 site;
static char			 cases[CASES_MAX][CASE_NAME_MAX];
static int			 ncases;

static int
case_cmp(const void *a, const void *b)
{

	return strcmp(a, b);
}

/* The *.json names of CASE_DIR, sorted; -1 when it cannot be read. */
static int
cases_load(void)
{
	char		 dir[1024];
	DIR		*d;
	struct dirent	*e;
	size_t		 n;

	(void)snprintf(dir, sizeof(dir), "%s/%s", ca_harness_root_dir(),
	    CASE_DIR);
	d = opendir(dir);
	if (d == NULL)
		return -1;
	for (;;) {
		e = readdir(d);
		if (e == NULL)
			break;
		n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		if (ncases == CASES_MAX || n >= CASE_NAME_MAX) {
			(void)closedir(d);
			return -1;
		}
		memcpy(cases[ncases++], e->d_name, n + 1);
	}
	(void)closedir(d);
	qsort(cases, (size_t)ncases, sizeof(cases[0]), case_cmp);
	return 0;
}

START_TEST(test_e2e_linking_case)
{
	char	 path[CASE_NAME_MAX + 64];
	cJSON	*c;

	(void)snprintf(path, sizeof(path), "%s/%s", CASE_DIR, cases[_i]);
	c = ca_e2e_fixture(path);
	ca_e2e_db_require(&site);
	ca_e2e_run_case(&site, c, path);
	cJSON_Delete(c);
}
END_TEST

/* The fixture directory must hold the cases the issue names. */
START_TEST(test_e2e_linking_cases_present)
{

	ck_assert_msg(ncases >= 8, "%s holds %d cases, want at least 8",
	    CASE_DIR, ncases);
}
END_TEST

static Suite *
e2e_linking_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("e2e_linking");
	tc = ca_e2e_suite_tcase(&site, TEST_TIMEOUT);
	tcase_add_test(tc, test_e2e_linking_cases_present);
	tcase_add_loop_test(tc, test_e2e_linking_case, 0, ncases);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	if (cases_load() == -1) {
		(void)fprintf(stderr, "test_e2e_linking: cannot read %s/%s\n",
		    ca_harness_root_dir(), CASE_DIR);
		return EXIT_FAILURE;
	}
	sr = srunner_create(e2e_linking_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
