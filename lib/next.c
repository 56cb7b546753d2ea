/*
 * next.c: decides whether a "next" value may go into a Location header.
 *
 * Accepted: a path-absolute reference (RFC 3986 section 4.2) of printable
 * ASCII, at most CA_NEXT_MAX bytes, starting with exactly one "/" and with
 * no "\" anywhere.  That rules out schemes ("https:", "javascript:"),
 * network-path references ("//host") and what browsers also read as one:
 * "/\host", "\\host", and "/<tab>/host" (the WHATWG URL parser treats "\"
 * like "/" and drops tab, CR and LF).  Dot segments ("." and "..") in
 * the path are refused too: "/.//host" becomes "//host" once a server
 * normalises it (RFC 3986 section 5.2.4).  Because some layer may decode
 * the value again, every percent-decoded form (up to three rounds) must
 * pass the same checks, and a value still changing after three rounds is
 * refused.  Anything else gives "/".  The decoding here is a lenient
 * server's (a bad escape stays as it is), not ca_url_decode()'s strict
 * one; only the hex digit values come from url.c.
 */
#include <string.h>

#include "next.h"
#include "url_int.h"

/* Decoding rounds checked; deeper encodings have no honest use. */
#define NEXT_ROUNDS	3

/* 1 when s[i] (a "%") starts a valid escape: two hex digits follow. */
static int
next_escape(const unsigned char *s, size_t n, size_t i)
{

	return n - i >= 3 && ca_url_hexval(s[i + 1]) >= 0 &&
	    ca_url_hexval(s[i + 2]) >= 0;
}

/* 1 when the path part (before "?" or "#") has a "." or ".." segment. */
static int
next_dots(const unsigned char *s, size_t n)
{
	size_t	 i, seg = 0;

	for (i = 0; i <= n; i++) {
		if (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#')
			continue;
		if ((i - seg == 1 && s[seg] == '.') ||
		    (i - seg == 2 && s[seg] == '.' && s[seg + 1] == '.'))
			return 1;
		if (i == n || s[i] != '/')
			break;
		seg = i + 1;
	}
	return 0;
}

/*
 * The checks every form must pass: one leading "/", not followed by "/"
 * or "\", no "\" and no control character (C0 or DEL) anywhere, no dot
 * segment.  With raw set (the value as sent) also only printable ASCII
 * and valid escapes.
 */
static int
next_ok(const unsigned char *s, size_t n, int raw)
{
	size_t	 i;

	if (n == 0 || s[0] != '/')
		return 0;
	if (n > 1 && (s[1] == '/' || s[1] == '\\'))
		return 0;
	if (next_dots(s, n))
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] < 0x20 || s[i] == 0x7f || s[i] == '\\')
			return 0;
		if (!raw)
			continue;
		if (s[i] == ' ' || s[i] > 0x7e)
			return 0;
		if (s[i] == '%' && !next_escape(s, n, i))
			return 0;
	}
	return 1;
}

/*
 * Decodes s[0..n) into out in the way a lenient server would: a "%" not
 * followed by two hex digits stays as it is.  Returns the new length.
 */
static size_t
next_decode(const unsigned char *s, size_t n, unsigned char *out)
{
	size_t	 i, o = 0;

	for (i = 0; i < n; i++) {
		if (s[i] == '%' && next_escape(s, n, i)) {
			out[o++] = (unsigned char)(ca_url_hexval(s[i + 1]) <<
			    4 | ca_url_hexval(s[i + 2]));
			i += 2;
		} else
			out[o++] = s[i];
	}
	return o;
}

const char *
ca_next_safe(const char *next)
{
	unsigned char	 a[CA_NEXT_MAX], b[CA_NEXT_MAX];
	unsigned char	*cur = a, *nxt = b, *t;
	size_t		 n, m, round;

	if (next == NULL)
		return "/";
	n = strnlen(next, CA_NEXT_MAX + 1);
	if (n > CA_NEXT_MAX || !next_ok((const unsigned char *)next, n, 1))
		return "/";
	if (memchr(next, '%', n) == NULL)
		return next;
	memcpy(cur, next, n);
	for (round = 0; round <= NEXT_ROUNDS; round++) {
		m = next_decode(cur, n, nxt);
		if (m == n && memcmp(cur, nxt, n) == 0)
			return next;
		/* A fourth round that still changes something: refused. */
		if (round == NEXT_ROUNDS || !next_ok(nxt, m, 0))
			return "/";
		t = cur;
		cur = nxt;
		nxt = t;
		n = m;
	}
	return "/";
}
