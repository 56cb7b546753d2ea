/*
 * test_template.c: the Check suite of lib/template.c.
 *
 * Runs every case of the Mustache spec files in
 * fixtures/conformance/mustache/ (read at run time, from the repository
 * root or the one CGIAUTH_ROOT names), asserting how many cases each
 * file holds so none is skipped;
 * lambdas are not in our copy.  Then our own cases: malformed templates,
 * every named limit, number and escaping rules, ca_template_render_file()
 * over a temporary directory, and a fixed-seed fuzz of garbled templates
 * that must never crash (run it under make SANITIZE=1).
 */
#include <sys/stat.h>

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cJSON.h>

#include "alloc.h"
#include "buf.h"
#include "err.h"
#include "fixture.h"
#include "template.h"

/* Where the spec files are, relative to the repository root. */
#define SPEC_DIR	"fixtures/conformance/mustache"
/* Largest spec file we read. */
#define SPEC_FILE_MAX	(1024 * 1024)
/* Output bound for the spec cases. */
#define SPEC_OUT_MAX	(1024 * 1024)
/* Garbled templates made from pieces, and mutations of each spec case. */
#define FUZZ_RANDOM	400
#define FUZZ_MUTATIONS	3
/* Longest garbled template, in pieces. */
#define FUZZ_PIECES	60
/* Output bound during the fuzz, small enough to be hit. */
#define FUZZ_OUT_MAX	(16 * 1024)

/* Writes the path of spec file `file' into path. */
static void
spec_path(char *path, size_t size, const char *file)
{
	const char	*root;
	int		 n;

	root = getenv("CGIAUTH_ROOT");
	if (root == NULL || root[0] == '\0')
		root = ".";
	n = snprintf(path, size, "%s/%s/%s", root, SPEC_DIR, file);
	ck_assert_msg(n > 0 && (size_t)n < size, "path too long for %s",
	    file);
}

/*
 * Serves a partial from a cJSON object of name to template, as a copy
 * the renderer frees with ca_free().
 */
static char *
json_partial(void *arg, const char *name)
{
	const cJSON	*p;

	p = cJSON_GetObjectItemCaseSensitive((const cJSON *)arg, name);
	if (!cJSON_IsString(p))
		return NULL;
	return ca_strdup(p->valuestring);
}

/*
 * Runs every case of SPEC_DIR/<file>, reporting each failure, and checks
 * the file holds exactly `want' cases.
 */
static void
run_spec_file(const char *file, int want)
{
	char		 path[1024];
	cJSON		*doc;
	const cJSON	*tests, *tc, *name, *tmpl, *data, *exp, *parts;
	struct ca_buf	 out;
	enum ca_err	 rc;
	int		 run = 0, failed = 0;

	spec_path(path, sizeof(path), file);
	doc = ca_fixture_json(path, SPEC_FILE_MAX);
	tests = cJSON_GetObjectItemCaseSensitive(doc, "tests");
	ck_assert_msg(cJSON_IsArray(tests), "%s has no tests array", path);

	cJSON_ArrayForEach(tc, tests) {
		name = cJSON_GetObjectItemCaseSensitive(tc, "name");
		tmpl = cJSON_GetObjectItemCaseSensitive(tc, "template");
		data = cJSON_GetObjectItemCaseSensitive(tc, "data");
		exp = cJSON_GetObjectItemCaseSensitive(tc, "expected");
		parts = cJSON_GetObjectItemCaseSensitive(tc, "partials");
		ck_assert_msg(cJSON_IsString(name) && cJSON_IsString(tmpl) &&
		    cJSON_IsString(exp), "%s: case %d is malformed", file,
		    run);
		run++;
		ca_buf_init(&out, SPEC_OUT_MAX);
		rc = ca_template_render(tmpl->valuestring,
		    strlen(tmpl->valuestring), data,
		    parts != NULL ? json_partial : NULL, (void *)parts, &out);
		if (rc != CA_OK) {
			failed++;
			fprintf(stderr, "FAIL %s: \"%s\": %s\n", file,
			    name->valuestring, ca_strerror(rc));
		} else if (strcmp(ca_buf_str(&out), exp->valuestring) != 0) {
			failed++;
			fprintf(stderr, "FAIL %s: \"%s\":\n  got      \"%s\"\n"
			    "  expected \"%s\"\n", file, name->valuestring,
			    ca_buf_str(&out), exp->valuestring);
		}
		ca_buf_free(&out);
	}
	cJSON_Delete(doc);
	printf("mustache %s: %d cases run, %d passed\n", file, run,
	    run - failed);
	ck_assert_msg(failed == 0, "%s: %d of %d cases failed (see stderr)",
	    file, failed, run);
	ck_assert_msg(run == want, "%s: %d cases, expected %d", file, run,
	    want);
}

START_TEST(test_template_render_spec_comments)
{
	run_spec_file("comments.json", 12);
}
END_TEST

START_TEST(test_template_render_spec_delimiters)
{
	run_spec_file("delimiters.json", 14);
}
END_TEST

START_TEST(test_template_render_spec_interpolation)
{
	run_spec_file("interpolation.json", 42);
}
END_TEST

START_TEST(test_template_render_spec_inverted)
{
	run_spec_file("inverted.json", 22);
}
END_TEST

START_TEST(test_template_render_spec_partials)
{
	run_spec_file("partials.json", 12);
}
END_TEST

START_TEST(test_template_render_spec_sections)
{
	run_spec_file("sections.json", 34);
}
END_TEST

/*
 * Renders tmpl (a C string) against the JSON text ctx, with partials
 * from the JSON object text parts (or none), into a buffer of max bytes;
 * returns the code and, in got, a copy of the output the caller frees.
 */
static enum ca_err
render(const char *tmpl, const char *ctx, const char *parts, size_t max,
    char **got)
{
	cJSON		*c = NULL, *p = NULL;
	struct ca_buf	 out;
	enum ca_err	 rc;

	if (ctx != NULL) {
		c = cJSON_Parse(ctx);
		ck_assert_msg(c != NULL, "bad test context %s", ctx);
	}
	if (parts != NULL) {
		p = cJSON_Parse(parts);
		ck_assert_msg(p != NULL, "bad test partials %s", parts);
	}
	ca_buf_init(&out, max);
	rc = ca_template_render(tmpl, strlen(tmpl), c,
	    p != NULL ? json_partial : NULL, p, &out);
	*got = ca_strdup(ca_buf_str(&out));
	ck_assert(*got != NULL);
	ca_buf_free(&out);
	cJSON_Delete(c);
	cJSON_Delete(p);
	return rc;
}

/* Asserts that tmpl renders to exactly want. */
static void
expect_ok(const char *tmpl, const char *ctx, const char *parts,
    const char *want)
{
	char		*got;
	enum ca_err	 rc;

	rc = render(tmpl, ctx, parts, SPEC_OUT_MAX, &got);
	ck_assert_msg(rc == CA_OK, "\"%s\": %s", tmpl, ca_strerror(rc));
	ck_assert_msg(strcmp(got, want) == 0, "\"%s\": got \"%s\" expected "
	    "\"%s\"", tmpl, got, want);
	ca_free(got);
}

/* Asserts that tmpl fails with exactly want and leaves no output. */
static void
expect_err(const char *tmpl, const char *ctx, const char *parts,
    enum ca_err want)
{
	char		*got;
	enum ca_err	 rc;

	rc = render(tmpl, ctx, parts, SPEC_OUT_MAX, &got);
	ck_assert_msg(rc == want, "\"%.60s\": got %s expected %s", tmpl,
	    ca_strerror(rc), ca_strerror(want));
	ck_assert_msg(got[0] == '\0', "\"%.60s\": output \"%.60s\" left "
	    "after an error", tmpl, got);
	ca_free(got);
}

START_TEST(test_template_render_malformed)
{
	expect_err("Hello {{name", "{}", NULL, CA_EPARSE);
	expect_err("Hello {{", "{}", NULL, CA_EPARSE);
	expect_err("{{{name}}", "{}", NULL, CA_EPARSE);
	expect_err("{{! never closed", "{}", NULL, CA_EPARSE);
	expect_err("{{#a}}x", "{\"a\":true}", NULL, CA_EPARSE);
	expect_err("{{#a}}{{#b}}x{{/b}}", "{}", NULL, CA_EPARSE);
	expect_err("{{#a}}x{{/b}}", "{}", NULL, CA_EPARSE);
	expect_err("{{#a}}{{#b}}{{/a}}{{/b}}", "{}", NULL, CA_EPARSE);
	expect_err("x{{/a}}", "{}", NULL, CA_EPARSE);
	expect_err("{{}}", "{}", NULL, CA_EPARSE);
	expect_err("{{#  }}{{/  }}", "{}", NULL, CA_EPARSE);
	expect_err("{{>}}", "{}", NULL, CA_EPARSE);
	expect_err("{{=<% =}}", "{}", NULL, CA_EPARSE);
	expect_err("{{= =}}", "{}", NULL, CA_EPARSE);
	expect_err("{{=a=b c=}}", "{}", NULL, CA_EPARSE);
	expect_err("{{=<% %> x=}}", "{}", NULL, CA_EPARSE);
	/* A malformed partial fails the whole render. */
	expect_err("ok {{>p}}", "{}", "{\"p\":\"{{#a}}\"}", CA_EPARSE);
}
END_TEST

START_TEST(test_template_render_values)
{
	expect_ok("{{x}}", "{\"x\":\"it's <b>&\\\"\"}", NULL,
	    "it&#39;s &lt;b&gt;&amp;&quot;");
	expect_ok("{{{x}}}|{{&x}}", "{\"x\":\"it's <b>\"}", NULL,
	    "it's <b>|it's <b>");
	expect_ok("{{a}} {{b}} {{c}} {{d}} {{e}} {{f}} {{g}} {{h}}",
	    "{\"a\":0,\"b\":-3,\"c\":1.5,\"d\":0.1,\"e\":123456789012,"
	    "\"f\":-2.5,\"g\":1e21,\"h\":0.3333333333333333}", NULL,
	    "0 -3 1.5 0.1 123456789012 -2.5 1e+21 0.3333333333333333");
	expect_ok("{{t}}|{{f}}|{{n}}|{{o}}|{{l}}",
	    "{\"t\":true,\"f\":false,\"n\":null,\"o\":{\"a\":1},"
	    "\"l\":[1]}", NULL, "true|false|||");
	/* Falsey: missing, null, false, "" and []; 0 and "0" are truthy. */
	expect_ok("{{#s}}S{{/s}}{{^s}}s{{/s}}{{#z}}Z{{/z}}{{#q}}Q{{/q}}"
	    "{{#m}}M{{/m}}{{^m}}m{{/m}}", "{\"s\":\"\",\"z\":0,\"q\":\"0\"}",
	    NULL, "sZQm");
	/* No context at all is an empty one. */
	expect_ok("[{{a}}{{.}}{{#a}}x{{/a}}{{^a}}y{{/a}}]", NULL, NULL, "[y]");
	/* Partials without a loader render as nothing. */
	expect_ok("[{{>p}}]", "{}", NULL, "[]");
}
END_TEST

START_TEST(test_template_render_output_max)
{
	struct ca_buf	 out;
	cJSON		*c;
	enum ca_err	 rc;

	ca_buf_init(&out, 10);
	rc = ca_template_render("0123456789", 10, NULL, NULL, NULL, &out);
	ck_assert_int_eq(rc, CA_OK);
	ck_assert_str_eq(ca_buf_str(&out), "0123456789");
	ca_buf_reset(&out);
	rc = ca_template_render("0123456789A", 11, NULL, NULL, NULL, &out);
	ck_assert_int_eq(rc, CA_ETOOBIG);
	ck_assert_str_eq(ca_buf_str(&out), "");

	/* An error keeps what the buffer held before the call. */
	ca_buf_reset(&out);
	ck_assert_int_eq(ca_buf_puts(&out, "keep"), CA_OK);
	rc = ca_template_render("abcdefg", 7, NULL, NULL, NULL, &out);
	ck_assert_int_eq(rc, CA_ETOOBIG);
	ck_assert_str_eq(ca_buf_str(&out), "keep");
	ck_assert_uint_eq(out.len, 4);
	rc = ca_template_render("ab{{#x}}", 8, NULL, NULL, NULL, &out);
	ck_assert_int_eq(rc, CA_EPARSE);
	ck_assert_str_eq(ca_buf_str(&out), "keep");
	ca_buf_free(&out);

	/* Escaping counts: "<" is 4 bytes of output. */
	c = cJSON_Parse("{\"x\":\"<<<\"}");
	ck_assert(c != NULL);
	ca_buf_init(&out, 11);
	rc = ca_template_render("{{x}}", 5, c, NULL, NULL, &out);
	ck_assert_int_eq(rc, CA_ETOOBIG);
	ck_assert_str_eq(ca_buf_str(&out), "");
	rc = ca_template_render("{{{x}}}", 7, c, NULL, NULL, &out);
	ck_assert_int_eq(rc, CA_OK);
	ck_assert_str_eq(ca_buf_str(&out), "<<<");
	ca_buf_free(&out);
	ca_buf_init(&out, 12);
	rc = ca_template_render("{{x}}", 5, c, NULL, NULL, &out);
	ck_assert_int_eq(rc, CA_OK);
	ck_assert_str_eq(ca_buf_str(&out), "&lt;&lt;&lt;");
	ca_buf_free(&out);
	cJSON_Delete(c);
}
END_TEST

/* Repeats s n times into b (a test helper; b must have room). */
static void
repeat(struct ca_buf *b, const char *s, int n)
{
	int	 i;

	for (i = 0; i < n; i++)
		ck_assert_int_eq(ca_buf_puts(b, s), CA_OK);
}

/* Builds n nested {{#a}} sections around "x". */
static char *
nested(int n)
{
	struct ca_buf	 b;
	char		*s;

	ca_buf_init(&b, 64 * 1024);
	repeat(&b, "{{#a}}", n);
	repeat(&b, "x", 1);
	repeat(&b, "{{/a}}", n);
	s = ca_buf_take(&b);
	ck_assert(s != NULL);
	return s;
}

/*
 * Renders partial p = "<{{#n}}{{>p}}{{/n}}>" over a context whose "n"
 * nests k - 1 objects, the last "n" false: p runs k times, the last at
 * depth 2k - 1.
 */
static void
recursion(int k, enum ca_err want)
{
	struct ca_buf	 ctx, exp;

	ca_buf_init(&ctx, 4096);
	ca_buf_init(&exp, 4096);
	repeat(&ctx, "{\"n\":", k);
	repeat(&ctx, "false", 1);
	repeat(&ctx, "}", k);
	repeat(&exp, "<", k);
	repeat(&exp, ">", k);
	if (want == CA_OK)
		expect_ok("{{>p}}", ca_buf_str(&ctx),
		    "{\"p\":\"<{{#n}}{{>p}}{{/n}}>\"}", ca_buf_str(&exp));
	else
		expect_err("{{>p}}", ca_buf_str(&ctx),
		    "{\"p\":\"<{{#n}}{{>p}}{{/n}}>\"}", want);
	ca_buf_free(&ctx);
	ca_buf_free(&exp);
}

START_TEST(test_template_render_limits)
{
	struct ca_buf	 b, out;
	char		*s;
	enum ca_err	 rc;

	/* Sections: 64 deep is fine, 65 is too deep. */
	s = nested(CA_TEMPLATE_DEPTH_MAX);
	expect_ok(s, "{\"a\":true}", NULL, "x");
	ca_free(s);
	s = nested(CA_TEMPLATE_DEPTH_MAX + 1);
	expect_err(s, "{\"a\":true}", NULL, CA_ETOOBIG);
	ca_free(s);

	/* Partials that never stop, alone and inside sections. */
	expect_err("{{>p}}", "{}", "{\"p\":\"a{{>p}}\"}", CA_ETOOBIG);
	expect_err("{{>p}}", "{\"a\":[1]}",
	    "{\"p\":\"{{#a}}{{>p}}{{/a}}\"}", CA_ETOOBIG);
	expect_err("{{>p}}", "{}", "{\"p\":\"{{>q}}\",\"q\":\"{{>p}}\"}",
	    CA_ETOOBIG);
	/* Recursion that the data ends: within the depth, and past it. */
	expect_ok("{{>p}}", "{\"n\":{\"n\":{\"n\":{\"n\":false}}}}",
	    "{\"p\":\"<{{#n}}{{>p}}{{/n}}>\"}", "<<<<>>>>");
	recursion(CA_TEMPLATE_DEPTH_MAX / 2, CA_OK);
	recursion(CA_TEMPLATE_DEPTH_MAX / 2 + 1, CA_ETOOBIG);

	/* Nested loops over a list: stopped by the work limit. */
	s = nested(8);
	expect_err(s, "{\"a\":[1,2,3,4,5,6,7,8,9,10]}", NULL, CA_ETOOBIG);
	ca_free(s);

	/* Template size: the output buffer is big enough for either. */
	ca_buf_init(&b, CA_TEMPLATE_MAX + 1);
	ca_buf_init(&out, CA_TEMPLATE_MAX + 1);
	repeat(&b, "y", CA_TEMPLATE_MAX);
	rc = ca_template_render(ca_buf_str(&b), b.len, NULL, NULL, NULL,
	    &out);
	ck_assert_int_eq(rc, CA_OK);
	ck_assert_uint_eq(out.len, CA_TEMPLATE_MAX);
	ca_buf_reset(&out);
	repeat(&b, "y", 1);
	rc = ca_template_render(ca_buf_str(&b), b.len, NULL, NULL, NULL,
	    &out);
	ck_assert_int_eq(rc, CA_ETOOBIG);
	ck_assert_uint_eq(out.len, 0);
	ca_buf_free(&out);
	ca_buf_free(&b);

	/* Tag names: 256 bytes are fine, 257 too long. */
	ca_buf_init(&b, 1024);
	repeat(&b, "{{", 1);
	repeat(&b, "n", CA_TEMPLATE_NAME_MAX);
	repeat(&b, "}}", 1);
	expect_ok(ca_buf_str(&b), "{}", NULL, "");
	ca_buf_reset(&b);
	repeat(&b, "{{", 1);
	repeat(&b, "n", CA_TEMPLATE_NAME_MAX + 1);
	repeat(&b, "}}", 1);
	expect_err(ca_buf_str(&b), "{}", NULL, CA_ETOOBIG);
	ca_buf_free(&b);

	/* Delimiters: 16 bytes are fine, 17 too long. */
	expect_ok("{{=<<<<<<<<<<<<<<<< >>>>>>>>>>>>>>>>=}}"
	    "<<<<<<<<<<<<<<<<x>>>>>>>>>>>>>>>>", "{\"x\":1}", NULL, "1");
	expect_err("{{=<<<<<<<<<<<<<<<<< >>=}}", "{}", NULL, CA_ETOOBIG);
}
END_TEST

START_TEST(test_template_render_args)
{
	struct ca_buf	 out;

	ca_buf_init(&out, 16);
	ck_assert_int_eq(ca_template_render(NULL, 0, NULL, NULL, NULL, &out),
	    CA_EINVAL);
	ck_assert_int_eq(ca_template_render("x", 1, NULL, NULL, NULL, NULL),
	    CA_EINVAL);
	/* len, not the NUL, ends the template. */
	ck_assert_int_eq(ca_template_render("abc", 2, NULL, NULL, NULL, &out),
	    CA_OK);
	ck_assert_str_eq(ca_buf_str(&out), "ab");
	ca_buf_free(&out);
	ck_assert_int_eq(ca_template_render_file(NULL, "x", NULL, &out),
	    CA_EINVAL);
	ck_assert_int_eq(ca_template_render_file("/tmp", NULL, NULL, &out),
	    CA_EINVAL);
	ck_assert_int_eq(ca_template_render_file("/tmp", "x", NULL, NULL),
	    CA_EINVAL);
}
END_TEST

/* Writes text to dir/rel; a test helper. */
static void
write_file(const char *dir, const char *rel, const char *text)
{
	char	 path[512];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot create %s", path);
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	ck_assert_int_eq(fclose(f), 0);
}

static void
remove_file(const char *dir, const char *rel)
{
	char	 path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	ck_assert_msg(remove(path) == 0, "cannot remove %s", path);
}

/* Renders dir/name and compares code and output. */
static void
expect_file(const char *dir, const char *name, const char *ctx,
    enum ca_err want, const char *wantout)
{
	struct ca_buf	 out;
	cJSON		*c;
	enum ca_err	 rc;

	c = cJSON_Parse(ctx);
	ck_assert(c != NULL);
	ca_buf_init(&out, SPEC_OUT_MAX);
	rc = ca_template_render_file(dir, name, c, &out);
	ck_assert_msg(rc == want, "%s: got %s expected %s", name,
	    ca_strerror(rc), ca_strerror(want));
	ck_assert_msg(strcmp(ca_buf_str(&out), wantout) == 0,
	    "%s: got \"%s\" expected \"%s\"", name, ca_buf_str(&out),
	    wantout);
	ca_buf_free(&out);
	cJSON_Delete(c);
}

START_TEST(test_template_render_file_dir)
{
	char		 dir[] = "/tmp/cgiauth-template-XXXXXX";
	char		 path[512];
	const char	*ctx = "{\"title\":\"Hi & bye\",\"user\":"
	    "{\"name\":\"Alice Example\"}}";

	ck_assert(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/email", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/adir.html", dir);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	write_file(dir, "page.html",
	    "<h1>{{title}}</h1>\n  {{> layout_top}}\n[{{> missing}}]\n");
	write_file(dir, "layout_top.html", "<p>{{user.name}}</p>\n<hr>\n");
	write_file(dir, "email/magic.html", "{{>email/foot}}!");
	write_file(dir, "email/foot.html", "bye {{user.name}}");
	write_file(dir, "evil.html", "[{{> ../page}}]");
	write_file(dir, "broken.html", "{{#a}}");
	write_file(dir, "usedir.html", "[{{>adir}}]");

	expect_file(dir, "page", ctx, CA_OK, "<h1>Hi &amp; bye</h1>\n"
	    "  <p>Alice Example</p>\n  <hr>\n[]\n");
	expect_file(dir, "email/magic", ctx, CA_OK, "bye Alice Example!");
	expect_file(dir, "nope", ctx, CA_ENOTFOUND, "");
	expect_file(dir, "email/nope", ctx, CA_ENOTFOUND, "");
	expect_file(dir, "broken", ctx, CA_EPARSE, "");
	expect_file(dir, "evil", ctx, CA_EINVAL, "");
	expect_file(dir, "adir", ctx, CA_EIO, "");
	expect_file(dir, "usedir", ctx, CA_EIO, "");
	expect_file(dir, "../page", ctx, CA_EINVAL, "");
	expect_file(dir, "/etc/passwd", ctx, CA_EINVAL, "");
	expect_file(dir, "page.html", ctx, CA_EINVAL, "");
	expect_file(dir, "email//magic", ctx, CA_EINVAL, "");
	expect_file(dir, "email/", ctx, CA_EINVAL, "");
	expect_file(dir, "", ctx, CA_EINVAL, "");
	expect_file(dir, "pa ge", ctx, CA_EINVAL, "");
	expect_file(dir, "a123456789b123456789c123456789d123456789"
	    "e123456789f123456789g123", ctx, CA_ENOTFOUND, "");
	expect_file(dir, "a123456789b123456789c123456789d123456789"
	    "e123456789f123456789g1234", ctx, CA_EINVAL, "");

	remove_file(dir, "page.html");
	remove_file(dir, "layout_top.html");
	remove_file(dir, "email/magic.html");
	remove_file(dir, "email/foot.html");
	remove_file(dir, "evil.html");
	remove_file(dir, "broken.html");
	remove_file(dir, "usedir.html");
	remove_file(dir, "adir.html");
	remove_file(dir, "email");
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

/* xorshift64: a fixed, libc-independent sequence. */
static uint64_t
fuzz_next(uint64_t *s)
{

	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The current garbled template, also served as partial "f". */
struct fuzz {
	const char	*tmpl;		/* the template */
	size_t		 len;		/* its length */
	const cJSON	*parts;		/* fixed partials */
	int		 counts[CA_ERR__MAX];	/* outcomes so far */
};

static char *
fuzz_partial(void *arg, const char *name)
{
	struct fuzz	*f = arg;

	if (strcmp(name, "f") == 0)
		return ca_strndup(f->tmpl, f->len);
	return json_partial((void *)f->parts, name);
}

static void
fuzz_one(struct fuzz *f, const cJSON *ctx, const char *tmpl, size_t len)
{
	struct ca_buf	 out;
	enum ca_err	 rc;

	f->tmpl = tmpl;
	f->len = len;
	ca_buf_init(&out, FUZZ_OUT_MAX);
	rc = ca_template_render(tmpl, len, ctx, fuzz_partial, f, &out);
	ck_assert_msg(rc == CA_OK || rc == CA_EPARSE || rc == CA_ETOOBIG,
	    "fuzz: \"%.*s\": unexpected %s", (int)len, tmpl,
	    ca_strerror(rc));
	if (rc != CA_OK)
		ck_assert_uint_eq(out.len, 0);
	ck_assert(out.len <= FUZZ_OUT_MAX);
	ck_assert(out.data == NULL || out.data[out.len] == '\0');
	f->counts[rc]++;
	ca_buf_free(&out);
}

START_TEST(test_template_render_fuzz)
{
	static const char *const pieces[] = {
		"{{", "}}", "{{{", "}}}", "{{#", "{{^", "{{/", "{{>", "{{!",
		"{{=", "=}}", "{{&", "a", "b", "l", "o.a.b", ".", " ", "\n",
		"\r\n", "\t", "|", "<%", "%>", "=<% %>=", "=| |=", "x", "f",
		"p", "}", "{", "=", "#", "/", "^", ">", "&", "<b>", "'"
	};
	const size_t npieces = sizeof(pieces) / sizeof(pieces[0]);
	struct fuzz	 f;
	struct ca_buf	 b;
	cJSON		*ctx, *parts, *doc;
	const cJSON	*tc, *tmpl;
	char		 path[1024];
	const char	*files[] = { "comments.json", "delimiters.json",
	    "interpolation.json", "inverted.json", "partials.json",
	    "sections.json" };
	uint64_t	 seed = 0x9e3779b97f4a7c15ULL;
	size_t		 i, k, n, len, at;
	int		 m, total = 0;

	ctx = cJSON_Parse("{\"a\":\"x<y\",\"b\":true,\"l\":[1,\"two\","
	    "{\"a\":3,\"l\":[]}],\"n\":null,\"o\":{\"a\":{\"b\":\"deep\"}},"
	    "\"x\":1.5}");
	parts = cJSON_Parse("{\"p\":\"[{{#l}}{{>q}}{{/l}}]\","
	    "\"q\":\"{{.}}{{>p}}\",\"a\":\"{{>f}}\"}");
	ck_assert(ctx != NULL && parts != NULL);
	memset(&f, 0, sizeof(f));
	f.parts = parts;

	/* Templates glued from pieces, with some raw bytes (NUL too). */
	ca_buf_init(&b, 4096);
	for (i = 0; i < FUZZ_RANDOM; i++) {
		ca_buf_reset(&b);
		n = fuzz_next(&seed) % FUZZ_PIECES;
		for (k = 0; k < n; k++) {
			if (fuzz_next(&seed) % 8 == 0)
				ck_assert_int_eq(ca_buf_putc(&b,
				    (char)(fuzz_next(&seed) & 0xff)), CA_OK);
			else
				ck_assert_int_eq(ca_buf_puts(&b,
				    pieces[fuzz_next(&seed) % npieces]),
				    CA_OK);
		}
		fuzz_one(&f, ctx, ca_buf_str(&b), b.len);
		total++;
	}

	/* Each spec template truncated, with a byte changed, and cut. */
	for (k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		spec_path(path, sizeof(path), files[k]);
		doc = ca_fixture_json(path, SPEC_FILE_MAX);
		cJSON_ArrayForEach(tc, cJSON_GetObjectItemCaseSensitive(doc,
		    "tests")) {
			tmpl = cJSON_GetObjectItemCaseSensitive(tc,
			    "template");
			ck_assert(cJSON_IsString(tmpl));
			len = strlen(tmpl->valuestring);
			for (m = 0; m < FUZZ_MUTATIONS; m++) {
				ca_buf_reset(&b);
				ck_assert_int_eq(ca_buf_add(&b,
				    tmpl->valuestring, len), CA_OK);
				at = len > 0 ? fuzz_next(&seed) % len : 0;
				if (m == 0 && len > 0)
					b.len = at;
				else if (m == 1 && len > 0)
					b.data[at] = pieces[fuzz_next(&seed) %
					    npieces][0];
				else if (len > 0) {
					memmove(b.data + at, b.data + at + 1,
					    b.len - at - 1);
					b.len--;
				}
				fuzz_one(&f, ctx, b.data != NULL ? b.data :
				    "", b.len);
				total++;
			}
		}
		cJSON_Delete(doc);
	}
	ca_buf_free(&b);
	printf("fuzz: %d templates: %d ok, %d parse errors, %d too big\n",
	    total, f.counts[CA_OK], f.counts[CA_EPARSE], f.counts[CA_ETOOBIG]);
	ck_assert_int_eq(f.counts[CA_OK] + f.counts[CA_EPARSE] +
	    f.counts[CA_ETOOBIG], total);
	ck_assert(f.counts[CA_OK] > 0 && f.counts[CA_EPARSE] > 0);
	cJSON_Delete(ctx);
	cJSON_Delete(parts);
}
END_TEST

static Suite *
template_suite(void)
{
	Suite	*s;
	TCase	*tc;

	s = suite_create("template");

	tc = tcase_create("render_spec");
	tcase_add_test(tc, test_template_render_spec_comments);
	tcase_add_test(tc, test_template_render_spec_delimiters);
	tcase_add_test(tc, test_template_render_spec_interpolation);
	tcase_add_test(tc, test_template_render_spec_inverted);
	tcase_add_test(tc, test_template_render_spec_partials);
	tcase_add_test(tc, test_template_render_spec_sections);
	suite_add_tcase(s, tc);

	tc = tcase_create("render");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_template_render_malformed);
	tcase_add_test(tc, test_template_render_values);
	tcase_add_test(tc, test_template_render_output_max);
	tcase_add_test(tc, test_template_render_limits);
	tcase_add_test(tc, test_template_render_args);
	tcase_add_test(tc, test_template_render_fuzz);
	suite_add_tcase(s, tc);

	tc = tcase_create("render_file");
	tcase_add_test(tc, test_template_render_file_dir);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{

	return ca_fixture_run(template_suite());
}
