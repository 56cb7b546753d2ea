/*
 * test_request.c: the Check suite for lib/request.c and lib/url.c.
 *
 * ca_request_parse is driven by fixtures/request/ (*.json), one case a file,
 * run in name order as a loop test: "env" gives the CGI variables, "body"
 * the standard input (absent: an empty stream; null: no stream), "table"
 * one of the field tables below, and "expect" the exact result: rc, and
 * on CA_OK every field's value (or null) and invalid flag, every cookie
 * in order, and optionally method, path_info, remote_addr, authorization
 * and body_left (bytes the parser must leave unread).  A string value may
 * be given as {"prefix", "repeat", "count", "suffix"} to build long input.
 * The validators and url_decode/url_encode use valid/invalid arrays here.
 */
#include <check.h>
#include <cJSON.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "buf.h"
#include "fixture.h"
#include "request.h"

#define FIXTURE_DIR	"fixtures/request"
#define FIXTURE_MAX	(1024 * 1024)
#define ENV_MAX		16

static const struct ca_field login_table[] = {
	{ "next", CA_SRC_QUERY, 2048, ca_valid_printable },
	{ "provider", CA_SRC_QUERY, 32, ca_valid_name },
	{ "q", CA_SRC_QUERY, 64, NULL },
};
static const struct ca_field form_table[] = {
	{ "email", CA_SRC_FORM, 254, ca_valid_email },
	{ "next", CA_SRC_FORM, 2048, ca_valid_printable },
	{ "csrf", CA_SRC_FORM, 64, ca_valid_token },
};
static const struct ca_field mixed_table[] = {
	{ "q", CA_SRC_QUERY, 16, NULL },
	{ "f", CA_SRC_FORM, 16, NULL },
};

static const struct {
	const char		*name;
	const struct ca_field	*fields;
	size_t			 n;
} tables[] = {
	{ "login", login_table, sizeof(login_table) / sizeof(login_table[0]) },
	{ "form", form_table, sizeof(form_table) / sizeof(form_table[0]) },
	{ "mixed", mixed_table, sizeof(mixed_table) / sizeof(mixed_table[0]) },
};

static const char *const rcnames[CA_ERR__MAX] = {
	"CA_OK", "CA_ENOMEM", "CA_EINVAL", "CA_ETOOBIG", "CA_EPARSE",
	"CA_ENOTFOUND", "CA_EEXIST", "CA_EEXPIRED", "CA_EDENIED",
	"CA_ECONFIG", "CA_EDB", "CA_EUPSTREAM", "CA_ETIMEOUT", "CA_EIO",
	"CA_ECRYPTO",
};

static const char *const methods[CA_METHOD__MAX] = {
	"GET", "HEAD", "POST", "OTHER",
};

/* The environment of one case; values are owned (ca_free). */
struct env {
	size_t	 n;
	char	*name[ENV_MAX];
	char	*value[ENV_MAX];
};

/* A fixture string, literal or built; the caller frees it. */
static char *
fstring(const cJSON *v)
{
	const cJSON	*pre, *rep, *cnt, *suf;
	struct ca_buf	 b;
	double		 i;

	if (cJSON_IsString(v))
		return ca_strdup(v->valuestring);
	ck_assert_msg(cJSON_IsObject(v), "string or object expected");
	pre = cJSON_GetObjectItemCaseSensitive(v, "prefix");
	rep = cJSON_GetObjectItemCaseSensitive(v, "repeat");
	cnt = cJSON_GetObjectItemCaseSensitive(v, "count");
	suf = cJSON_GetObjectItemCaseSensitive(v, "suffix");
	ck_assert(cJSON_IsString(rep) && cJSON_IsNumber(cnt));
	ca_buf_init(&b, FIXTURE_MAX);
	if (cJSON_IsString(pre))
		ck_assert_int_eq(ca_buf_puts(&b, pre->valuestring), CA_OK);
	for (i = 0; i < cnt->valuedouble; i++)
		ck_assert_int_eq(ca_buf_puts(&b, rep->valuestring), CA_OK);
	if (cJSON_IsString(suf))
		ck_assert_int_eq(ca_buf_puts(&b, suf->valuestring), CA_OK);
	return ca_buf_take(&b);
}

static const char *
env_get(void *arg, const char *name)
{
	const struct env	*e = arg;
	size_t			 i;

	for (i = 0; i < e->n; i++)
		if (strcmp(e->name[i], name) == 0)
			return e->value[i];
	return NULL;
}

/* The sorted names of the case files; the caller frees with freelist. */
static int
list_cases(struct dirent ***list)
{
	int	 n;

	n = scandir(FIXTURE_DIR, list, NULL, alphasort);
	ck_assert_msg(n >= 0, "cannot read %s", FIXTURE_DIR);
	return n;
}

static int
is_case(const struct dirent *d)
{
	size_t	 n = strlen(d->d_name);

	return n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

static void
freelist(struct dirent **list, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/* The path of the i-th case file into path. */
static void
case_path(int want, char *path, size_t size)
{
	struct dirent	**list;
	int		  n, i, k = 0, found = 0;

	n = list_cases(&list);
	for (i = 0; i < n; i++) {
		if (!is_case(list[i]))
			continue;
		if (k++ == want) {
			ck_assert(snprintf(path, size, "%s/%s", FIXTURE_DIR,
			    list[i]->d_name) < (int)size);
			found = 1;
		}
	}
	freelist(list, n);
	ck_assert_msg(found, "no case %d", want);
}

static void
check_opt_str(const cJSON *exp, const char *key, const char *got,
    const char *path)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(exp, key);
	char		*want;

	if (v == NULL)
		return;
	if (cJSON_IsNull(v)) {
		ca_fixture_str_eq(path, key, got, NULL);
		return;
	}
	want = fstring(v);
	ca_fixture_str_eq(path, key, got, want);
	ca_free(want);
}

static void
check_fields(const struct ca_request *req, const cJSON *exp, size_t t,
    const char *path)
{
	const cJSON	*fs, *f, *v, *inv;
	const char	*got;
	size_t		 i;

	fs = cJSON_GetObjectItemCaseSensitive(exp, "fields");
	ck_assert_msg(cJSON_IsObject(fs), "%s: no expect.fields", path);
	ck_assert_msg((size_t)cJSON_GetArraySize(fs) == tables[t].n,
	    "%s: expect.fields must list every field of the table", path);
	for (i = 0; i < tables[t].n; i++) {
		f = cJSON_GetObjectItemCaseSensitive(fs,
		    tables[t].fields[i].name);
		ck_assert_msg(f != NULL, "%s: field %s not listed", path,
		    tables[t].fields[i].name);
		v = cJSON_GetObjectItemCaseSensitive(f, "value");
		inv = cJSON_GetObjectItemCaseSensitive(f, "invalid");
		ck_assert(v != NULL && cJSON_IsBool(inv));
		ck_assert_msg(cJSON_IsNull(v) || cJSON_IsString(v),
		    "%s: %s: value must be a string or null", path,
		    tables[t].fields[i].name);
		got = ca_request_get(req, tables[t].fields[i].name);
		ca_fixture_str_eq(path, tables[t].fields[i].name, got,
		    cJSON_IsNull(v) ? NULL : v->valuestring);
		ck_assert_msg(ca_request_invalid(req,
		    tables[t].fields[i].name) == cJSON_IsTrue(inv),
		    "%s: %s invalid flag", path, tables[t].fields[i].name);
	}
}

static void
check_cookies(const struct ca_request *req, const cJSON *exp,
    const char *path)
{
	const cJSON	*cs, *c, *d = NULL;
	const char	*name, *value;
	size_t		 i = 0;
	int		 j;

	cs = cJSON_GetObjectItemCaseSensitive(exp, "cookies");
	ck_assert_msg(cJSON_IsArray(cs), "%s: no expect.cookies", path);
	ck_assert_msg(req->ncookies == (size_t)cJSON_GetArraySize(cs),
	    "%s: %zu cookies, want %d", path, req->ncookies,
	    cJSON_GetArraySize(cs));
	cJSON_ArrayForEach(c, cs) {
		name = cJSON_GetArrayItem(c, 0)->valuestring;
		value = cJSON_GetArrayItem(c, 1)->valuestring;
		ck_assert_str_eq(req->cookies[i].name, name);
		ck_assert_str_eq(req->cookies[i].value, value);
		/* ca_request_cookie gives the first of that name. */
		for (j = 0; j < cJSON_GetArraySize(cs); j++) {
			d = cJSON_GetArrayItem(cs, j);
			if (strcmp(cJSON_GetArrayItem(d, 0)->valuestring,
			    name) == 0)
				break;
		}
		ck_assert_str_eq(ca_request_cookie(req, name),
		    cJSON_GetArrayItem(d, 1)->valuestring);
		i++;
	}
	ck_assert_ptr_null(ca_request_cookie(req, "no-such-cookie"));
}

START_TEST(test_request_parse_fixtures)
{
	struct ca_request	 req;
	struct env		 e;
	char			 path[512];
	cJSON			*j;
	const cJSON		*env, *v, *exp, *body, *left, *tname, *rc;
	const char		*m;
	char			*bodystr = NULL;
	FILE			*in = NULL;
	size_t			 t, i;
	enum ca_err		 got;
	long			 pos, end;

	case_path(_i, path, sizeof(path));
	j = ca_fixture_json(path, FIXTURE_MAX);
	tname = cJSON_GetObjectItemCaseSensitive(j, "table");
	ck_assert(cJSON_IsString(tname));
	for (t = 0; t < sizeof(tables) / sizeof(tables[0]); t++)
		if (strcmp(tables[t].name, tname->valuestring) == 0)
			break;
	ck_assert_msg(t < sizeof(tables) / sizeof(tables[0]),
	    "%s: unknown table", path);

	memset(&e, 0, sizeof(e));
	env = cJSON_GetObjectItemCaseSensitive(j, "env");
	ck_assert(cJSON_IsObject(env));
	cJSON_ArrayForEach(v, env) {
		ck_assert(e.n < ENV_MAX);
		e.name[e.n] = ca_strdup(v->string);
		e.value[e.n] = fstring(v);
		ck_assert(e.name[e.n] != NULL && e.value[e.n] != NULL);
		e.n++;
	}

	body = cJSON_GetObjectItemCaseSensitive(j, "body");
	if (body == NULL || !cJSON_IsNull(body)) {
		in = tmpfile();
		ck_assert_ptr_nonnull(in);
		if (body != NULL) {
			bodystr = fstring(body);
			ck_assert_uint_eq(fwrite(bodystr, 1, strlen(bodystr),
			    in), strlen(bodystr));
		}
		rewind(in);
	}

	exp = cJSON_GetObjectItemCaseSensitive(j, "expect");
	rc = cJSON_GetObjectItemCaseSensitive(exp, "rc");
	ck_assert(cJSON_IsString(rc));
	got = ca_request_parse(&req, tables[t].fields, tables[t].n, env_get,
	    &e, in);
	ck_assert_msg(strcmp(rcnames[got], rc->valuestring) == 0,
	    "%s: rc %s, want %s", path, rcnames[got], rc->valuestring);

	if (got == CA_OK) {
		check_fields(&req, exp, t, path);
		check_cookies(&req, exp, path);
		v = cJSON_GetObjectItemCaseSensitive(exp, "method");
		if (v != NULL) {
			m = methods[req.method];
			ck_assert_msg(strcmp(m, v->valuestring) == 0,
			    "%s: method %s", path, m);
		}
		check_opt_str(exp, "path_info", req.path_info, path);
		check_opt_str(exp, "remote_addr", req.remote_addr, path);
		check_opt_str(exp, "authorization", req.authorization, path);
	} else {
		/* On error the request is freed and zeroed. */
		ck_assert_ptr_null(req.values);
		ck_assert_ptr_null(req.invalid);
		ck_assert_ptr_null(req.cookies);
		ck_assert_ptr_null(req.path_info);
		ck_assert_uint_eq(req.ncookies, 0);
		ck_assert_uint_eq(req.nfields, 0);
	}

	left = cJSON_GetObjectItemCaseSensitive(exp, "body_left");
	if (left != NULL) {
		ck_assert_ptr_nonnull(in);
		pos = ftell(in);
		ck_assert_int_eq(fseek(in, 0, SEEK_END), 0);
		end = ftell(in);
		ck_assert_msg(end - pos == (long)left->valuedouble,
		    "%s: %ld bytes left unread, want %d", path, end - pos,
		    left->valueint);
	}

	ca_request_free(&req);
	ca_request_free(&req);
	if (in != NULL)
		fclose(in);
	ca_free(bodystr);
	for (i = 0; i < e.n; i++) {
		ca_free(e.name[i]);
		ca_free(e.value[i]);
	}
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_request_parse_bad_args)
{
	struct ca_request	 req;
	struct env		 e;

	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(ca_request_parse(NULL, login_table, 3, env_get, &e,
	    NULL), CA_EINVAL);
	ck_assert_int_eq(ca_request_parse(&req, login_table, 3, NULL, &e,
	    NULL), CA_EINVAL);
	ck_assert_int_eq(ca_request_parse(&req, NULL, 3, env_get, &e, NULL),
	    CA_EINVAL);
	/* An empty table is fine: nothing is kept. */
	ck_assert_int_eq(ca_request_parse(&req, NULL, 0, env_get, &e, NULL),
	    CA_OK);
	ck_assert_ptr_null(ca_request_get(&req, "q"));
	ck_assert_int_eq(ca_request_invalid(&req, "q"), 0);
	ca_request_free(&req);
	ca_request_free(NULL);
}
END_TEST

START_TEST(test_request_parse_cgi_env)
{
	struct ca_request	 req;

	ck_assert_int_eq(setenv("REQUEST_METHOD", "POST", 1), 0);
	ck_assert_int_eq(setenv("QUERY_STRING", "q=from+env", 1), 0);
	ck_assert_int_eq(setenv("CONTENT_LENGTH", "7", 1), 0);
	ck_assert_int_eq(setenv("CONTENT_TYPE",
	    "application/x-www-form-urlencoded", 1), 0);
	ck_assert_int_eq(setenv("HTTP_COOKIE", "session=s1", 1), 0);
	ck_assert_ptr_nonnull(freopen("/dev/null", "r", stdin));
	/* CONTENT_LENGTH 7 on an empty standard input: a short body. */
	ck_assert_int_eq(ca_request_parse_cgi(&req, mixed_table, 2),
	    CA_EPARSE);
	ck_assert_int_eq(setenv("CONTENT_LENGTH", "0", 1), 0);
	ck_assert_int_eq(ca_request_parse_cgi(&req, mixed_table, 2), CA_OK);
	ck_assert_str_eq(ca_request_get(&req, "q"), "from env");
	ck_assert_str_eq(ca_request_cookie(&req, "session"), "s1");
	ck_assert_int_eq(req.method, CA_METHOD_POST);
	ca_request_free(&req);
	unsetenv("REQUEST_METHOD");
	unsetenv("QUERY_STRING");
	unsetenv("CONTENT_LENGTH");
	unsetenv("CONTENT_TYPE");
	unsetenv("HTTP_COOKIE");
}
END_TEST

struct vcase {
	const char	*in;
	size_t		 n;	/* 0: strlen(in) */
};

static void
vcheck(enum ca_err (*fn)(const char *, size_t), const char *fname,
    const struct vcase *good, size_t ngood, const struct vcase *bad,
    size_t nbad)
{
	size_t	 i, n;

	for (i = 0; i < ngood; i++) {
		n = good[i].n ? good[i].n : strlen(good[i].in);
		ck_assert_msg(fn(good[i].in, n) == CA_OK,
		    "%s refused \"%s\"", fname, good[i].in);
	}
	for (i = 0; i < nbad; i++) {
		n = bad[i].n ? bad[i].n : strlen(bad[i].in);
		ck_assert_msg(fn(bad[i].in, n) != CA_OK,
		    "%s accepted \"%s\"", fname, bad[i].in);
	}
}

#define NITEMS(a)	(sizeof(a) / sizeof((a)[0]))

START_TEST(test_request_valid_token_table)
{
	static const struct vcase good[] = {
		{ "a", 0 }, { "Z", 0 }, { "-", 0 }, { "_", 0 },
		{ "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM", 0 },
	};
	static const struct vcase bad[] = {
		{ "", 0 }, { "a=", 0 }, { "a+b", 0 }, { "a/b", 0 },
		{ "a b", 0 }, { "a.b", 0 }, { "a\nb", 0 }, { "ab\0c", 4 },
		{ "\xc3\xa9", 0 }, { "~", 0 },
	};

	vcheck(ca_valid_token, "token", good, NITEMS(good), bad, NITEMS(bad));
}
END_TEST

START_TEST(test_request_valid_printable_table)
{
	static const struct vcase good[] = {
		{ "", 0 }, { "hello world", 0 }, { "/a/b?c=d", 0 },
		{ "caf\xc3\xa9", 0 }, { "\xe2\x82\xac", 0 },
		{ "\xf0\x9f\x98\x80", 0 }, { "\xf4\x8f\xbf\xbf", 0 },
		{ "~!@#$%^&*()", 0 },
	};
	static const struct vcase bad[] = {
		{ "a\tb", 0 }, { "a\nb", 0 }, { "a\rb", 0 }, { "\x7f", 0 },
		{ "\x1b[31m", 0 }, { "ab\0c", 4 },
		{ "\xc0\xaf", 0 },		/* overlong '/' */
		{ "\xe0\x80\xaf", 0 },		/* overlong '/' */
		{ "\xed\xa0\x80", 0 },		/* surrogate U+D800 */
		{ "\xf4\x90\x80\x80", 0 },	/* past U+10FFFF */
		{ "\xf5\x80\x80\x80", 0 },
		{ "\xc3", 0 },			/* truncated */
		{ "\xe2\x82", 0 },		/* truncated */
		{ "\x80", 0 },			/* lone continuation */
		{ "\xc3\x28", 0 },		/* bad continuation */
		{ "\xff", 0 },
	};

	vcheck(ca_valid_printable, "printable", good, NITEMS(good), bad,
	    NITEMS(bad));
}
END_TEST

START_TEST(test_request_valid_email_table)
{
	static const struct vcase good[] = {
		{ "alice@example.com", 0 }, { "a@b.co", 0 },
		{ "first.last+tag@sub.example.org", 0 },
		/* 64-byte local part. */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaa@example.com", 0 },
	};
	static const struct vcase bad[] = {
		{ "", 0 }, { "alice", 0 }, { "@example.com", 0 },
		{ "alice@", 0 }, { "alice@example", 0 },
		{ "alice@@example.com", 0 }, { "a@b@example.com", 0 },
		{ "alice@.example.com", 0 }, { "alice@example.com.", 0 },
		{ "alice@example..com", 0 }, { "al ice@example.com", 0 },
		{ "alice@exa mple.com", 0 }, { "alice@example.com\n", 0 },
		{ "alice\t@example.com", 0 }, { "alice@exam\x7fple.com", 0 },
		{ "alice@example.com\0x", 19 },
		/* 65-byte local part. */
		{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaa@example.com", 0 },
	};

	char	 addr[300];

	vcheck(ca_valid_email, "email", good, NITEMS(good), bad, NITEMS(bad));
	/* 254 bytes in all (64 + "@" + 185 + ".com") pass, 255 do not. */
	memset(addr, 'a', 64);
	addr[64] = '@';
	memset(addr + 65, 'b', 186);
	memcpy(addr + 251, ".com", 5);
	ck_assert_uint_eq(strlen(addr), 255);
	ck_assert_int_eq(ca_valid_email(addr, 255), CA_EPARSE);
	memcpy(addr + 250, ".com", 5);
	ck_assert_uint_eq(strlen(addr), 254);
	ck_assert_int_eq(ca_valid_email(addr, 254), CA_OK);
}
END_TEST

START_TEST(test_request_valid_name_table)
{
	static const struct vcase good[] = {
		{ "mock", 0 }, { "google", 0 }, { "my-app_2", 0 }, { "a", 0 },
		{ "abcdefghijklmnopqrstuvwxyz012345", 0 },	/* 32 */
	};
	static const struct vcase bad[] = {
		{ "", 0 }, { "Mock", 0 }, { "my app", 0 }, { "a.b", 0 },
		{ "a/b", 0 }, { "../x", 0 }, { "\xc3\xa9", 0 },
		{ "abcdefghijklmnopqrstuvwxyz0123456", 0 },	/* 33 */
		{ "ab\0c", 4 },
	};

	vcheck(ca_valid_name, "name", good, NITEMS(good), bad, NITEMS(bad));
}
END_TEST

START_TEST(test_request_url_decode_table)
{
	static const struct {
		const char	*in;
		int		 plus;
		const char	*want;	/* NULL: CA_EPARSE */
	} t[] = {
		{ "", 1, "" },
		{ "abc", 1, "abc" },
		{ "a+b", 1, "a b" },
		{ "a+b", 0, "a+b" },
		{ "a%20b", 0, "a b" },
		{ "%2f%2F", 1, "//" },
		{ "%C3%A9", 1, "\xc3\xa9" },
		{ "%2B", 1, "+" },
		{ "%25", 1, "%" },
		{ "%2525", 1, "%25" },
		{ "%", 1, NULL },
		{ "%4", 1, NULL },
		{ "%zz", 1, NULL },
		{ "%4g", 1, NULL },
		{ "%g4", 1, NULL },
		{ "a%00b", 1, NULL },
		{ "%00", 0, NULL },
	};
	char	*out;
	size_t	 i;

	for (i = 0; i < NITEMS(t); i++) {
		out = (char *)"untouched";
		if (t[i].want == NULL) {
			ck_assert_msg(ca_url_decode(t[i].in, strlen(t[i].in),
			    t[i].plus, &out) == CA_EPARSE, "accepted %s",
			    t[i].in);
			ck_assert_ptr_null(out);
			continue;
		}
		ck_assert_int_eq(ca_url_decode(t[i].in, strlen(t[i].in),
		    t[i].plus, &out), CA_OK);
		ck_assert_str_eq(out, t[i].want);
		ca_free(out);
	}
	/* Only n bytes are read: the escape is cut off. */
	ck_assert_int_eq(ca_url_decode("ab%41", 4, 0, &out), CA_EPARSE);
	ck_assert_int_eq(ca_url_decode("ab%41", 2, 0, &out), CA_OK);
	ck_assert_str_eq(out, "ab");
	ca_free(out);
	/* A raw NUL within n is refused like an encoded one. */
	ck_assert_int_eq(ca_url_decode("a\0b", 3, 0, &out), CA_EPARSE);
}
END_TEST

START_TEST(test_request_url_encode_table)
{
	static const struct {
		const char	*in;
		const char	*want;
	} t[] = {
		{ "", "" },
		{ "AZaz09-._~", "AZaz09-._~" },
		{ "a b", "a%20b" },
		{ "/dashboard?x=1&y=2", "%2Fdashboard%3Fx%3D1%26y%3D2" },
		{ "+%#", "%2B%25%23" },
		{ "\xc3\xa9", "%C3%A9" },
		{ "\x7f\x01", "%7F%01" },
	};
	/* The path form keeps '/', and only '/'. */
	static const struct {
		const char	*in;
		const char	*want;
	} tp[] = {
		{ "/dashboard", "/dashboard" },
		{ "/a/b?x=1&y=/2", "/a/b%3Fx%3D1%26y%3D/2" },
		{ "//evil", "//evil" },
		{ "/\\x", "/%5Cx" },
	};
	struct ca_buf	 b;
	char		*back;
	size_t		 i;

	for (i = 0; i < NITEMS(tp); i++) {
		ca_buf_init(&b, 256);
		ck_assert_int_eq(ca_url_encode_path(&b, tp[i].in), CA_OK);
		ck_assert_str_eq(ca_buf_str(&b), tp[i].want);
		ck_assert_int_eq(ca_url_decode(ca_buf_str(&b), b.len, 0,
		    &back), CA_OK);
		ck_assert_str_eq(back, tp[i].in);
		ca_free(back);
		ca_buf_free(&b);
	}
	for (i = 0; i < NITEMS(t); i++) {
		ca_buf_init(&b, 256);
		ck_assert_int_eq(ca_buf_puts(&b, "x="), CA_OK);
		ck_assert_int_eq(ca_url_encode(&b, t[i].in), CA_OK);
		ck_assert_str_eq(ca_buf_str(&b) + 2, t[i].want);
		ck_assert_int_eq(ca_url_decode(ca_buf_str(&b) + 2, b.len - 2,
		    0, &back), CA_OK);
		ck_assert_str_eq(back, t[i].in);
		ca_free(back);
		ca_buf_free(&b);
	}
	/* Past the buffer's max: CA_ETOOBIG, and the buffer as it was. */
	ca_buf_init(&b, 8);
	ck_assert_int_eq(ca_buf_puts(&b, "x="), CA_OK);
	ck_assert_int_eq(ca_url_encode(&b, "a b c"), CA_ETOOBIG);
	ck_assert_str_eq(ca_buf_str(&b), "x=");
	ck_assert_uint_eq(b.len, 2);
	ca_buf_free(&b);
}
END_TEST

static int
count_cases(void)
{
	struct dirent	**list;
	int		  n, i, k = 0;

	n = scandir(FIXTURE_DIR, &list, NULL, alphasort);
	if (n < 0)
		return -1;
	for (i = 0; i < n; i++)
		if (is_case(list[i]))
			k++;
	freelist(list, n);
	return k;
}

static Suite *
request_suite(int ncases)
{
	Suite	*s = suite_create("request");
	TCase	*tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_request_parse_fixtures, 0, ncases);
	tcase_add_test(tc, test_request_parse_bad_args);
	suite_add_tcase(s, tc);
	tc = tcase_create("parse_cgi");
	tcase_add_test(tc, test_request_parse_cgi_env);
	suite_add_tcase(s, tc);
	tc = tcase_create("valid_token");
	tcase_add_test(tc, test_request_valid_token_table);
	suite_add_tcase(s, tc);
	tc = tcase_create("valid_printable");
	tcase_add_test(tc, test_request_valid_printable_table);
	suite_add_tcase(s, tc);
	tc = tcase_create("valid_email");
	tcase_add_test(tc, test_request_valid_email_table);
	suite_add_tcase(s, tc);
	tc = tcase_create("valid_name");
	tcase_add_test(tc, test_request_valid_name_table);
	suite_add_tcase(s, tc);
	tc = tcase_create("url_decode");
	tcase_add_test(tc, test_request_url_decode_table);
	suite_add_tcase(s, tc);
	tc = tcase_create("url_encode");
	tcase_add_test(tc, test_request_url_encode_table);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int	 ncases;

	if (ca_fixture_chdir_root() != 0)
		return EXIT_FAILURE;
	ncases = count_cases();
	/* Fewer cases than we wrote means the fixtures went missing. */
	if (ncases < 40) {
		fprintf(stderr, "%s: %d cases, expected at least 40; run from "
		    "the repository root\n", FIXTURE_DIR, ncases);
		return EXIT_FAILURE;
	}
	return ca_fixture_run(request_suite(ncases));
}
