/*
 * codec.h: the encodings the mock provider speaks.
 *
 * Percent-decoding of application/x-www-form-urlencoded pairs (WHATWG URL
 * "application/x-www-form-urlencoded", RFC 6749 appendix B), percent-
 * encoding of query values (RFC 3986 section 2), HTML escaping, base64
 * (RFC 4648 section 4, for HTTP Basic, RFC 7617) and base64url without
 * padding (RFC 4648 section 5, for JWTs and PKCE, RFC 7636 appendix A).
 * It does no I/O and keeps no state.
 */
#ifndef MOCK_CODEC_H
#define MOCK_CODEC_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/* The most pairs one query string or form body may carry. */
#define MOCK_FORM_PAIRS_MAX	64

struct mock_form_pair {
	char	*name;	/* decoded, NUL-free */
	char	*value;	/* decoded, NUL-free; "" when there was no '=' */
};

struct mock_form {
	struct mock_form_pair	 pairs[MOCK_FORM_PAIRS_MAX];
	size_t			 n;	/* pairs in use */
};

/*
 * Parses len bytes of "a=1&b=2" into f, which the caller releases with
 * mock_form_free() whatever the result.  A bad escape, a decoded NUL, a
 * repeated name (RFC 6749 3.1, 3.2) or too many pairs give CA_EPARSE.
 */
enum ca_err	 mock_form_parse(struct mock_form *f, const char *s,
		    size_t len) CA_WUR;
void		 mock_form_free(struct mock_form *f);
/* The decoded value of name, borrowed from f, or NULL. */
const char	*mock_form_get(const struct mock_form *f, const char *name);

/*
 * Decodes len bytes of form encoding ('+' is a space) into a new string
 * the caller frees with ca_free(); *out is NULL on failure.
 */
enum ca_err	 mock_codec_form_decode(const char *s, size_t len,
		    char **out) CA_WUR;
/* Appends s percent-encoded, leaving only RFC 3986 unreserved bytes. */
enum ca_err	 mock_codec_url_encode(struct ca_buf *b, const char *s) CA_WUR;
/* Appends s with & < > " ' escaped for HTML text and attributes. */
enum ca_err	 mock_codec_html_escape(struct ca_buf *b, const char *s) CA_WUR;
/* Appends base64url of n bytes, without padding. */
enum ca_err	 mock_codec_b64url(struct ca_buf *b, const void *p,
		    size_t n) CA_WUR;
/*
 * Decodes standard base64 (padding required when the length is not a
 * multiple of four) into a new NUL-terminated string the caller frees
 * with ca_free(); a decoded NUL byte is refused as CA_EPARSE.
 */
enum ca_err	 mock_codec_b64_decode(const char *s, char **out) CA_WUR;

#endif
