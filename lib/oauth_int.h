/*
 * oauth_int.h: the helpers oauth.c defines and oauth_idtoken.c borrows:
 * the detail-message writer and the checked readers of provider JSON.
 * Not part of the public interface: nothing outside lib/ includes it,
 * and only the oauth*.c files do.
 */
#ifndef CA_OAUTH_INT_H
#define CA_OAUTH_INT_H

#include <stddef.h>

#include <cJSON.h>

/*
 * Writes the printf-style text into detail (detailsz bytes, cut to fit);
 * nothing when detail is NULL or detailsz is 0.  The text must hold no
 * token, code, secret or error_description (see oauth.h).
 */
void		 ca_oauth_detail(char *detail, size_t detailsz,
		    const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/*
 * The string member key of obj when it is a non-empty string of at most
 * max bytes of well-formed UTF-8 without control characters
 * (ca_valid_printable()), else NULL.  The result is obj's: it lives as
 * long as obj does.
 */
const char	*ca_oauth_str(const cJSON *obj, const char *key, size_t max);

/*
 * Parses n bytes of s as JSON: a new object (want_array 0) or array
 * (want_array 1), freed by the caller with cJSON_Delete(); NULL when s is
 * NULL, n is 0, the text is not JSON or not of the wanted kind, or on
 * exhausted memory.
 */
cJSON		*ca_oauth_json(const char *s, size_t n, int want_array);

#endif
