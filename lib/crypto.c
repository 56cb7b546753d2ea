/*
 * crypto.c: random bytes from getrandom(2), constant-time comparison,
 * strict base64url (RFC 4648 section 5: the URL and filename safe
 * alphabet, written unpadded per section 3.2; decoding accepts the '='
 * padding only when it is exactly right and rejects non-zero pad bits,
 * section 3.5), random tokens, and the PKCE S256 challenge of RFC 7636
 * sections 4.1 and 4.2.
 *
 * SHA-256 and HMAC live in crypto_sha256.c.  Nothing here allocates.
 */
#include <sys/random.h>

#include <errno.h>
#include <string.h>

#include "crypto.h"

/* RFC 7636 section 4.1: code_verifier is 43 to 128 characters. */
#define PKCE_VERIFIER_MIN	43
#define PKCE_VERIFIER_MAX	128

/* RFC 4648 section 5, table 2. */
static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

enum ca_err
ca_crypto_random(void *out, size_t n)
{
	unsigned char	*p = out;
	ssize_t		 got;

	if (n == 0)
		return CA_OK;
	if (p == NULL)
		return CA_EINVAL;
	while (n > 0) {
		got = getrandom(p, n, 0);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			return CA_ECRYPTO;
		}
		if (got == 0)
			return CA_ECRYPTO;
		p += got;
		n -= (size_t)got;
	}
	return CA_OK;
}

int
ca_crypto_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char	*x = a, *y = b;
	unsigned char			 d = 0;
	size_t				 i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

enum ca_err
ca_crypto_b64url_encode(const void *in, size_t n, char *out, size_t outsz)
{
	const unsigned char	*p = in;
	size_t			 i, o = 0;
	unsigned int		 v;

	if (out == NULL || (n > 0 && p == NULL))
		return CA_EINVAL;
	if (n > (((size_t)-1) - 3) / 4 ||
	    outsz < CA_CRYPTO_B64URL_LEN(n) + 1)
		return CA_ETOOBIG;
	for (i = 0; i + 3 <= n; i += 3) {
		v = (unsigned int)p[i] << 16 | (unsigned int)p[i + 1] << 8 |
		    p[i + 2];
		out[o++] = b64url[v >> 18];
		out[o++] = b64url[(v >> 12) & 0x3f];
		out[o++] = b64url[(v >> 6) & 0x3f];
		out[o++] = b64url[v & 0x3f];
	}
	if (n - i == 1) {
		v = (unsigned int)p[i] << 16;
		out[o++] = b64url[v >> 18];
		out[o++] = b64url[(v >> 12) & 0x3f];
	} else if (n - i == 2) {
		v = (unsigned int)p[i] << 16 | (unsigned int)p[i + 1] << 8;
		out[o++] = b64url[v >> 18];
		out[o++] = b64url[(v >> 12) & 0x3f];
		out[o++] = b64url[(v >> 6) & 0x3f];
	}
	out[o] = '\0';
	return CA_OK;
}

/* The 6-bit value of a base64url character, or -1. */
static int
b64url_val(unsigned char ch)
{

	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '-')
		return 62;
	if (ch == '_')
		return 63;
	return -1;
}

enum ca_err
ca_crypto_b64url_decode(const char *in, size_t n, unsigned char *out,
    size_t outsz, size_t *outlen)
{
	size_t		 i, o = 0, pad = 0, rem, need;
	unsigned int	 v = 0;
	int		 d;

	if (outlen != NULL)
		*outlen = 0;
	if (outlen == NULL || (n > 0 && (in == NULL || out == NULL)))
		return CA_EINVAL;
	/* Padding: only to complete the last quantum of four (3.2). */
	if (n > 0 && in[n - 1] == '=') {
		if (n % 4 != 0)
			return CA_EPARSE;
		pad = (n >= 2 && in[n - 2] == '=') ? 2 : 1;
		n -= pad;
	}
	rem = n % 4;
	if (rem == 1 || (pad == 1 && rem != 3) || (pad == 2 && rem != 2))
		return CA_EPARSE;
	need = n / 4 * 3 + (rem == 0 ? 0 : rem - 1);
	if (need > outsz)
		return CA_ETOOBIG;
	for (i = 0; i < n; i++) {
		d = b64url_val((unsigned char)in[i]);
		if (d < 0)
			return CA_EPARSE;
		v = v << 6 | (unsigned int)d;
		if (i % 4 == 3) {
			out[o++] = (unsigned char)(v >> 16);
			out[o++] = (unsigned char)(v >> 8);
			out[o++] = (unsigned char)v;
			v = 0;
		}
	}
	/* Section 3.5: the bits past the last byte must be zero. */
	if (rem == 2) {
		if ((v & 0x0f) != 0)
			return CA_EPARSE;
		out[o++] = (unsigned char)(v >> 4);
	} else if (rem == 3) {
		if ((v & 0x03) != 0)
			return CA_EPARSE;
		out[o++] = (unsigned char)(v >> 10);
		out[o++] = (unsigned char)(v >> 2);
	}
	*outlen = o;
	return CA_OK;
}

enum ca_err
ca_crypto_token(char out[CA_CRYPTO_TOKEN_LEN])
{
	unsigned char	 raw[CA_CRYPTO_TOKEN_BYTES];
	enum ca_err	 rc;

	rc = ca_crypto_random(raw, sizeof(raw));
	if (rc == CA_OK)
		rc = ca_crypto_b64url_encode(raw, sizeof(raw), out,
		    CA_CRYPTO_TOKEN_LEN);
	explicit_bzero(raw, sizeof(raw));
	return rc;
}

/* RFC 7636 section 4.1: unreserved = ALPHA / DIGIT / "-" / "." / "_" / "~" */
static int
pkce_unreserved(unsigned char ch)
{

	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
	    (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
	    ch == '_' || ch == '~';
}

enum ca_err
ca_crypto_pkce_s256(const char *verifier, char out[CA_CRYPTO_PKCE_LEN])
{
	unsigned char	 md[CA_CRYPTO_SHA256_LEN];
	size_t		 i, n;
	enum ca_err	 rc;

	if (verifier == NULL || out == NULL)
		return CA_EINVAL;
	n = strnlen(verifier, PKCE_VERIFIER_MAX + 1);
	if (n < PKCE_VERIFIER_MIN || n > PKCE_VERIFIER_MAX)
		return CA_EINVAL;
	for (i = 0; i < n; i++)
		if (!pkce_unreserved((unsigned char)verifier[i]))
			return CA_EINVAL;
	/* Section 4.2: BASE64URL-ENCODE(SHA256(ASCII(code_verifier))). */
	ca_crypto_sha256(verifier, n, md);
	rc = ca_crypto_b64url_encode(md, sizeof(md), out, CA_CRYPTO_PKCE_LEN);
	explicit_bzero(md, sizeof(md));
	return rc;
}
