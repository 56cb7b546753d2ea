/*
 * test_next.c: the Check suite for lib/next.c.
 *
 * Replays fixtures/attacks/open-redirect.txt line by line, every payload
 * must give "/", and fixtures/next/allowed.txt, every path must come back
 * as the very pointer passed in.  Both files use the syntax described at
 * the top of open-redirect.txt: "#" comments, and "\xHH" for one byte.
 * Also: NULL and "", and the CA_NEXT_MAX boundary.
 */
#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "fixture.h"
#include "next.h"

#define ATTACKS		"fixtures/attacks/open-redirect.txt"
#define ALLOWED		"fixtures/next/allowed.txt"
#define LINE_MAX_	4096
/* The attack list must not shrink unnoticed. */
#define ATTACKS_MIN	40

static int
hexval(char ch)
{

	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decodes the \xHH escapes of line in place; returns the byte count. */
static size_t
unescape(char *line)
{
	size_t	 i, o = 0, n = strlen(line);

	for (i = 0; i < n; i++) {
		if (line[i] == '\\' && i + 3 < n + 1 && line[i + 1] == 'x' &&
		    hexval(line[i + 2]) >= 0 && hexval(line[i + 3]) >= 0) {
			line[o++] = (char)(hexval(line[i + 2]) << 4 |
			    hexval(line[i + 3]));
			i += 3;
		} else
			line[o++] = line[i];
	}
	line[o] = '\0';
	return o;
}

/*
 * Calls fn on every payload of path (after unescaping); returns how many
 * there were.
 */
static int
replay(const char *path, void (*fn)(const char *, size_t, int))
{
	FILE	*f;
	char	 line[LINE_MAX_];
	size_t	 n;
	int	 count = 0, lineno = 0;

	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		n = strlen(line);
		ck_assert_msg(n > 0 && line[n - 1] == '\n',
		    "%s:%d: line too long or not terminated", path, lineno);
		line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		n = unescape(line);
		fn(line, n, lineno);
		count++;
	}
	fclose(f);
	return count;
}

static void
must_reject(const char *p, size_t n, int lineno)
{
	const char	*got = ca_next_safe(p);

	(void)n;
	ck_assert_msg(got != NULL && strcmp(got, "/") == 0,
	    "%s line %d: accepted \"%s\"", ATTACKS, lineno, p);
}

static void
must_keep(const char *p, size_t n, int lineno)
{
	const char	*got = ca_next_safe(p);

	ck_assert_msg(strlen(p) == n, "%s line %d: NUL in an allowed path",
	    ALLOWED, lineno);
	ck_assert_msg(got == p, "%s line %d: \"%s\" became \"%s\"",
	    ALLOWED, lineno, p, got);
}

START_TEST(test_next_safe_attacks)
{
	int	 n;

	n = replay(ATTACKS, must_reject);
	ck_assert_msg(n >= ATTACKS_MIN, "only %d payloads in %s", n, ATTACKS);
}
END_TEST

START_TEST(test_next_safe_allowed)
{
	int	 n;

	n = replay(ALLOWED, must_keep);
	ck_assert_int_ge(n, 5);
}
END_TEST

START_TEST(test_next_safe_empty)
{

	ck_assert_str_eq(ca_next_safe(NULL), "/");
	ck_assert_str_eq(ca_next_safe(""), "/");
}
END_TEST

START_TEST(test_next_safe_length)
{
	char	*p;

	p = ca_malloc(CA_NEXT_MAX + 2);
	ck_assert_ptr_nonnull(p);
	p[0] = '/';
	memset(p + 1, 'a', CA_NEXT_MAX);
	/* Exactly CA_NEXT_MAX bytes: kept. */
	p[CA_NEXT_MAX] = '\0';
	ck_assert_ptr_eq(ca_next_safe(p), p);
	/* One more: "/". */
	p[CA_NEXT_MAX] = 'a';
	p[CA_NEXT_MAX + 1] = '\0';
	ck_assert_str_eq(ca_next_safe(p), "/");
	ck_assert_ptr_ne(ca_next_safe(p), p);
	/* At the limit with escapes all the way: decoded in bounds. */
	memset(p + 1, 'a', CA_NEXT_MAX);
	memcpy(p + CA_NEXT_MAX - 6, "%2F%2F", 6);
	p[CA_NEXT_MAX] = '\0';
	ck_assert_uint_eq(strlen(p), CA_NEXT_MAX);
	ck_assert_ptr_eq(ca_next_safe(p), p);
	memcpy(p, "/%2F%2F", 7);
	ck_assert_str_eq(ca_next_safe(p), "/");
	ca_free(p);
}
END_TEST

static Suite *
next_suite(void)
{
	Suite	*s = suite_create("next");
	TCase	*tc;

	tc = tcase_create("safe");
	tcase_add_test(tc, test_next_safe_attacks);
	tcase_add_test(tc, test_next_safe_allowed);
	tcase_add_test(tc, test_next_safe_empty);
	tcase_add_test(tc, test_next_safe_length);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{

	if (ca_fixture_chdir_root() != 0)
		return EXIT_FAILURE;
	return ca_fixture_run(next_suite());
}
