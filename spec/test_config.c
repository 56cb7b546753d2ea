/*
 * test_config.c: the Check suite for lib/config.c, and for what the
 * routes do with a bad configuration.
 *
 * Table-driven from fixtures/config/NAME.json (format in its README.md):
 * each case writes its .env and tune.json to a temporary folder, sets its
 * environment, loads the configuration and compares every expected value
 * exactly.  Then the route runner: a CGI binary run with a production
 * configuration and no SESSION_KEY must refuse with a clear 500, and in
 * development it must answer.  Check forks each test, so setenv() in one
 * case cannot leak into another.
 */
#include <check.h>
#include <cJSON.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "alloc.h"
#include "config.h"
#include "fixture.h"
#include "harness.h"

#define FIXTURE_MAX	(256 * 1024)
#define CASES_MAX	64
#define OUT_MAX		(64 * 1024)

static char	*cases[CASES_MAX];
static int	 ncases;

static void
spit(const char *path, const char *text)
{
	FILE	*f;

	f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	ck_assert_int_eq(fputs(text, f) >= 0, 1);
	ck_assert_int_eq(fclose(f), 0);
}

static int
cmpstr(const void *a, const void *b)
{

	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Lists the fixtures/config/ JSON files once, sorted, before the tests fork. */
static void
list_cases(void)
{
	char		 dir[1024];
	DIR		*d;
	struct dirent	*e;
	size_t		 n;

	snprintf(dir, sizeof(dir), "%s/fixtures/config",
	    ca_harness_root_dir());
	d = opendir(dir);
	if (d == NULL) {
		fprintf(stderr, "test_config: cannot open %s\n", dir);
		exit(1);
	}
	while ((e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		if (ncases == CASES_MAX) {
			fprintf(stderr, "test_config: over %d cases\n",
			    CASES_MAX);
			exit(1);
		}
		cases[ncases] = ca_malloc(strlen(dir) + n + 2);
		if (cases[ncases] == NULL)
			exit(1);
		memcpy(cases[ncases], dir, strlen(dir));
		cases[ncases][strlen(dir)] = '/';
		memcpy(cases[ncases] + strlen(dir) + 1, e->d_name, n + 1);
		ncases++;
	}
	closedir(d);
	qsort(cases, (size_t)ncases, sizeof(cases[0]), cmpstr);
}

/* Unsets every setting and every variable config.c reads. */
static void
clear_env(void)
{
	static const char *const extra[] = { "CGIAUTH_ROOT",
	    "CGIAUTH_ENV_FILE", "CGIAUTH_TUNE_FILE", "MOCK_URL", "CORP_ID",
	    "UNSET_THING", "NOT_SET_ANYWHERE", "HTTP_CORP_CLIENT_ID",
	    "HTTP_SECRET_THING" };
	size_t	 i;

	for (i = 0; i < CA_SET__MAX; i++)
		unsetenv(ca_config_name((enum ca_setting)i));
	for (i = 0; i < sizeof(extra) / sizeof(extra[0]); i++)
		unsetenv(extra[i]);
}

static enum ca_err
err_by_name(const char *name)
{
	int	 i;

	for (i = 0; i < CA_ERR__MAX; i++) {
		static const char *const names[CA_ERR__MAX] = { "CA_OK",
		    "CA_ENOMEM", "CA_EINVAL", "CA_ETOOBIG", "CA_EPARSE",
		    "CA_ENOTFOUND", "CA_EEXIST", "CA_EEXPIRED", "CA_EDENIED",
		    "CA_ECONFIG", "CA_EDB", "CA_EUPSTREAM", "CA_ETIMEOUT",
		    "CA_EIO", "CA_ECRYPTO" };

		if (strcmp(names[i], name) == 0)
			return (enum ca_err)i;
	}
	ck_abort_msg("unknown error name %s", name);
	return CA_ERR__MAX;
}

/* Replaces $DOTENV and $TUNE in want with the case's paths. */
static void
expand(const char *want, const char *dotenv, const char *tune, char *out,
    size_t outsz)
{
	const char	*p, *sub;
	size_t		 len = 0, n;

	for (p = want; *p != '\0'; ) {
		sub = NULL;
		if (strncmp(p, "$DOTENV", 7) == 0) {
			sub = dotenv;
			p += 7;
		} else if (strncmp(p, "$TUNE", 5) == 0) {
			sub = tune;
			p += 5;
		}
		if (sub != NULL) {
			n = strlen(sub);
			ck_assert(len + n < outsz);
			memcpy(out + len, sub, n);
			len += n;
		} else {
			ck_assert(len + 1 < outsz);
			out[len++] = *p++;
		}
	}
	out[len] = '\0';
}

static enum ca_setting
setting_by_name(const char *name)
{
	int	 i;

	for (i = 0; i < CA_SET__MAX; i++)
		if (strcmp(ca_config_name((enum ca_setting)i), name) == 0)
			return (enum ca_setting)i;
	ck_abort_msg("unknown setting %s", name);
	return CA_SET__MAX;
}

static void
check_int(const char *file, const cJSON *expect, const char *k, long got)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(expect, k);

	if (v == NULL)
		return;
	ck_assert_msg(cJSON_IsNumber(v), "%s: expect.%s not a number", file,
	    k);
	ck_assert_msg((long)v->valuedouble == got, "%s: %s is %ld, "
	    "expected %ld", file, k, got, (long)v->valuedouble);
}

START_TEST(test_config_load_fixture)
{
	const char	*file = cases[_i];
	char		*text, tmpl[] = "/tmp/cgiauth-config-XXXXXX";
	char		 dotenv[512], tune[512], want[1024], err[256];
	char		*got;
	cJSON		*c, *env, *expect, *v, *it, *wt;
	struct ca_config *cfg = NULL;
	const char	*key;
	size_t		 keylen;
	enum ca_err	 rc, want_rc;

	text = ca_fixture_read(file, FIXTURE_MAX);
	ck_assert_msg(text != NULL, "cannot read %s", file);
	c = cJSON_Parse(text);
	ca_free(text);
	ck_assert_msg(c != NULL, "%s is not JSON", file);
	expect = cJSON_GetObjectItemCaseSensitive(c, "expect");
	ck_assert_msg(cJSON_IsObject(expect), "%s: no expect", file);
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(dotenv, sizeof(dotenv), "%s/.env", tmpl);
	snprintf(tune, sizeof(tune), "%s/tune.json", tmpl);

	clear_env();
	setenv("CGIAUTH_ENV_FILE", dotenv, 1);
	setenv("CGIAUTH_TUNE_FILE", tune, 1);
	v = cJSON_GetObjectItemCaseSensitive(c, "dotenv");
	if (cJSON_IsString(v))
		spit(dotenv, v->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(c, "tune");
	if (cJSON_IsString(v))
		spit(tune, v->valuestring);
	env = cJSON_GetObjectItemCaseSensitive(c, "env");
	cJSON_ArrayForEach(it, env) {
		ck_assert_msg(cJSON_IsString(it), "%s: env.%s not a string",
		    file, it->string);
		setenv(it->string, it->valuestring, 1);
	}

	rc = ca_config_load(&cfg, err, sizeof(err));
	v = cJSON_GetObjectItemCaseSensitive(expect, "rc");
	ck_assert_msg(cJSON_IsString(v), "%s: expect.rc missing", file);
	want_rc = err_by_name(v->valuestring);
	ck_assert_msg(rc == want_rc, "%s: rc %s (%s), expected %s", file,
	    ca_strerror(rc), err, v->valuestring);
	if (rc != CA_OK) {
		ck_assert_ptr_null(cfg);
		v = cJSON_GetObjectItemCaseSensitive(expect, "err");
		ck_assert_msg(cJSON_IsString(v), "%s: expect.err missing",
		    file);
		expand(v->valuestring, dotenv, tune, want, sizeof(want));
		ck_assert_msg(strcmp(err, want) == 0, "%s: error \"%s\", "
		    "expected \"%s\"", file, err, want);
		goto out;
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(expect,
	    "values")) {
		const char *val = ca_config_get(cfg,
		    setting_by_name(it->string));

		if (cJSON_IsNull(it))
			ck_assert_msg(val == NULL, "%s: %s is \"%s\", "
			    "expected unset", file, it->string, val);
		else
			ck_assert_msg(val != NULL &&
			    strcmp(val, it->valuestring) == 0, "%s: %s is "
			    "\"%s\", expected \"%s\"", file, it->string,
			    val != NULL ? val : "(unset)", it->valuestring);
	}
	check_int(file, expect, "max_age", cfg->max_age);
	check_int(file, expect, "secure", cfg->secure);
	check_int(file, expect, "development", cfg->development);
	wt = cJSON_GetObjectItemCaseSensitive(expect, "tune");
	if (wt != NULL) {
		got = cJSON_PrintUnformatted(cfg->tune);
		ck_assert_msg(cJSON_Compare(cfg->tune, wt, 1), "%s: tune is "
		    "%s", file, got);
		cJSON_free(got);
	}
	v = cJSON_GetObjectItemCaseSensitive(expect, "session_key");
	if (cJSON_IsString(v)) {
		rc = ca_config_session_key(cfg, &key, &keylen);
		if (strcmp(v->valuestring, "ok") == 0) {
			ck_assert_msg(rc == CA_OK, "%s: key refused", file);
			ck_assert_str_eq(key, ca_config_get(cfg,
			    CA_SET_SESSION_KEY));
		} else if (strcmp(v->valuestring, "dev") == 0) {
			ck_assert_msg(rc == CA_OK, "%s: key refused", file);
			ck_assert_ptr_null(ca_config_get(cfg,
			    CA_SET_SESSION_KEY));
			ck_assert_uint_ge(keylen, 32);
		} else
			ck_assert_msg(rc == err_by_name(v->valuestring),
			    "%s: session key rc %s", file, ca_strerror(rc));
	}
out:
	ca_config_free(cfg);
	unlink(dotenv);
	unlink(tune);
	rmdir(tmpl);
	cJSON_Delete(c);
}
END_TEST

/*
 * Runs the CGI binary build/cgi-bin/<route> with a CGI environment and
 * the given .env text; returns its standard output (freed by the caller
 * with ca_free) and its standard error in errout.
 */
static char *
run_cgi(const char *route, const char *dotenv_text, char *errout,
    size_t errsz)
{
	char	 tmpl[] = "/tmp/cgiauth-cgi-XXXXXX";
	char	 bin[1024], envf[512], outf[512], errf[512], tune[512];
	char	*out, *err;
	pid_t	 pid;
	int	 status;

	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(envf, sizeof(envf), "%s/env", tmpl);
	snprintf(outf, sizeof(outf), "%s/out", tmpl);
	snprintf(errf, sizeof(errf), "%s/err", tmpl);
	snprintf(tune, sizeof(tune), "%s/tune.json", tmpl);
	snprintf(bin, sizeof(bin), "%s/%s/cgi-bin/%s", ca_harness_root_dir(),
	    ca_harness_build_dir(), route);
	spit(envf, dotenv_text);
	spit(tune, "{}");
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char *const argv[] = { bin, NULL };
		char	 e1[600], e2[600], e3[1100];
		char *const envp[] = { "GATEWAY_INTERFACE=CGI/1.1",
		    "REQUEST_METHOD=GET", "QUERY_STRING=", "PATH_INFO=",
		    "REMOTE_ADDR=127.0.0.1", e1, e2, e3, NULL };

		snprintf(e1, sizeof(e1), "CGIAUTH_ENV_FILE=%s", envf);
		snprintf(e2, sizeof(e2), "CGIAUTH_TUNE_FILE=%s", tune);
		snprintf(e3, sizeof(e3), "CGIAUTH_ROOT=%s",
		    ca_harness_root_dir());
		if (freopen(outf, "w", stdout) == NULL ||
		    freopen(errf, "w", stderr) == NULL ||
		    freopen("/dev/null", "r", stdin) == NULL)
			_exit(126);
		execve(bin, argv, envp);
		_exit(127);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "%s exited with status %d", bin, status);
	out = ca_fixture_read(outf, OUT_MAX);
	err = ca_fixture_read(errf, OUT_MAX);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(err);
	snprintf(errout, errsz, "%s", err);
	ca_free(err);
	unlink(envf);
	unlink(outf);
	unlink(errf);
	unlink(tune);
	rmdir(tmpl);
	return out;
}

START_TEST(test_config_route_refuses_missing_key)
{
	char	 err[OUT_MAX];
	char	*out;

	out = run_cgi("me", "ENVIRONMENT=production\n", err, sizeof(err));
	ck_assert_msg(strncmp(out, "Status: 500 Internal Server Error\r\n",
	    35) == 0, "got: %.200s", out);
	ck_assert_msg(strstr(out, "\r\n\r\nThe site's SESSION_KEY is missing "
	    "or a placeholder; the server's error log says more.\n") != NULL,
	    "got: %s", out);
	ck_assert_msg(strstr(err, "event=config outcome=fail detail=\""
	    "SESSION_KEY is missing: set it to at least 32 random bytes "
	    "(openssl rand -base64 48)\"") != NULL, "log: %s", err);
	ca_free(out);
}
END_TEST

START_TEST(test_config_route_refuses_placeholder_key)
{
	char	 err[OUT_MAX];
	char	*out;

	out = run_cgi("me", "SESSION_KEY=change-me-to-a-long-random-string\n",
	    err, sizeof(err));
	ck_assert_msg(strncmp(out, "Status: 500 Internal Server Error\r\n",
	    35) == 0, "got: %.200s", out);
	ck_assert_msg(strstr(err, "SESSION_KEY is too short or the "
	    "placeholder") != NULL, "log: %s", err);
	ca_free(out);
}
END_TEST

START_TEST(test_config_route_dev_key_answers)
{
	char	 err[OUT_MAX];
	char	*out;

	/* /auth/me without a cookie needs no database: a plain 401. */
	out = run_cgi("me", "ENVIRONMENT=development\n", err, sizeof(err));
	ck_assert_msg(strncmp(out, "Status: 401 Unauthorized\r\n"
	    "Content-Type: application/json\r\n", 58) == 0, "got: %.200s",
	    out);
	ck_assert_msg(strstr(out, "\r\n\r\n{\"error\":\"not signed in\"}\n") !=
	    NULL, "got: %s", out);
	ca_free(out);
}
END_TEST

START_TEST(test_config_route_bad_setting)
{
	char	 err[OUT_MAX];
	char	*out;

	out = run_cgi("me", "SESSION_MAX_AGE=forever\n", err, sizeof(err));
	ck_assert_msg(strncmp(out, "Status: 500 Internal Server Error\r\n",
	    35) == 0, "got: %.200s", out);
	ck_assert_msg(strstr(err, "event=config outcome=fail detail=\""
	    "SESSION_MAX_AGE must be a whole number from 60 to 31536000\"") !=
	    NULL, "log: %s", err);
	ca_free(out);
}
END_TEST

int
main(void)
{
	Suite	*s;
	TCase	*tc;
	int	 failed;

	list_cases();
	printf("config: %d fixture cases\n", ncases);
	if (ncases == 0)
		return 1;
	s = suite_create("config");
	tc = tcase_create("ca_config_load");
	tcase_add_loop_test(tc, test_config_load_fixture, 0, ncases);
	suite_add_tcase(s, tc);
	tc = tcase_create("route_runner");
	tcase_add_test(tc, test_config_route_refuses_missing_key);
	tcase_add_test(tc, test_config_route_refuses_placeholder_key);
	tcase_add_test(tc, test_config_route_dev_key_answers);
	tcase_add_test(tc, test_config_route_bad_setting);
	suite_add_tcase(s, tc);
	failed = ca_fixture_run(s);
	while (ncases > 0)
		ca_free(cases[--ncases]);
	return failed;
}
