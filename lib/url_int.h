/*
 * url_int.h: internal to lib/: the percent-decoder under ca_url_decode()
 * (RFC 3986 section 2.1), which reports a decoded NUL instead of failing,
 * so that request.c can mark such a field invalid rather than refuse the
 * whole request, and the hex digit value it uses, which next.c shares for
 * its own lenient decoding.
 */
#ifndef CA_URL_INT_H
#define CA_URL_INT_H

#include <stddef.h>

#include "err.h"

/* The value of one hex digit (either case), or -1 for any other byte. */
int		ca_url_hexval(unsigned char ch);

/*
 * Decodes in[0..n) into a new NUL-terminated string the caller frees with
 * ca_free(); *outlen gets its length and *nul is set to 1 when it holds a
 * NUL byte (encoded or raw), else 0.  CA_EPARSE on a '%' not followed by
 * two hex digits, CA_ENOMEM.  On error *out is NULL.
 */
enum ca_err	ca_url_decode_raw(const char *in, size_t n, int plus,
		    char **out, size_t *outlen, int *nul) CA_WUR;

#endif
