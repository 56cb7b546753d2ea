/*
 * next.h: the post-sign-in redirect target ("next"), accepted only as a
 * same-site relative path (DESIGN.md, "Security"), so that cgiauth is
 * never an open redirect (RFC 6749 section 10.15, RFC 9700 4.11).
 */
#ifndef CA_NEXT_H
#define CA_NEXT_H

/* The longest next we keep (the query value, as sent). */
#define CA_NEXT_MAX	2048

/*
 * Returns next itself when it is a safe same-site path, else the static
 * string "/"; never NULL.  The result is borrowed from the argument or
 * static: nothing to free.
 */
const char	*ca_next_safe(const char *next);

#endif
