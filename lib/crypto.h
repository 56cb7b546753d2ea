/*
 * crypto.h: the primitives every other module builds on: random bytes,
 * base64url (RFC 4648 section 5), SHA-256 (FIPS 180-4), HMAC-SHA256
 * (RFC 2104), constant-time comparison, random tokens and the PKCE S256
 * challenge (RFC 7636 section 4.2).
 *
 * SHA-256 and HMAC are computed in-house and random bytes come from
 * getrandom(2): OpenSSL 3 builds its provider tables on first use, about
 * ten million instructions per CGI process (DESIGN.md, "Performance"),
 * for work that needs a few thousand.  Ciphers (Fernet) still use OpenSSL.
 */
#ifndef CA_CRYPTO_H
#define CA_CRYPTO_H

#include <stddef.h>

#include "err.h"

#define CA_CRYPTO_SHA256_LEN	32
/* Hex digest plus NUL. */
#define CA_CRYPTO_SHA256_HEX	(2 * CA_CRYPTO_SHA256_LEN + 1)
/* Encoded length of n bytes in unpadded base64url, without the NUL. */
#define CA_CRYPTO_B64URL_LEN(n)	(((n) * 4 + 2) / 3)
/* Random bytes in a session id, state, nonce or magic-link token. */
#define CA_CRYPTO_TOKEN_BYTES	32
/* base64url text of a CA_CRYPTO_TOKEN_BYTES token plus NUL. */
#define CA_CRYPTO_TOKEN_LEN \
	(CA_CRYPTO_B64URL_LEN(CA_CRYPTO_TOKEN_BYTES) + 1)
/* RFC 7636 section 4.2: BASE64URL(SHA256(verifier)) is 43 chars. */
#define CA_CRYPTO_PKCE_LEN	(CA_CRYPTO_B64URL_LEN(CA_CRYPTO_SHA256_LEN) + 1)

struct ca_sha256 {
	unsigned int		h[8];
	unsigned long long	len;	/* bytes hashed so far */
	unsigned char		blk[64];
	size_t			used;	/* bytes waiting in blk */
};

/* Fills n bytes from the kernel's CSPRNG; CA_ECRYPTO if it fails. */
enum ca_err	ca_crypto_random(void *, size_t) CA_WUR;

void		ca_sha256_init(struct ca_sha256 *);
void		ca_sha256_update(struct ca_sha256 *, const void *, size_t);
void		ca_sha256_final(struct ca_sha256 *,
		    unsigned char [CA_CRYPTO_SHA256_LEN]);
void		ca_crypto_sha256(const void *, size_t,
		    unsigned char [CA_CRYPTO_SHA256_LEN]);
/* Lower-case hex of SHA-256 of a C string: how tokens are stored. */
void		ca_crypto_sha256_hex(const char *,
		    char [CA_CRYPTO_SHA256_HEX]);
void		ca_crypto_hmac_sha256(const void *key, size_t keylen,
		    const void *msg, size_t msglen,
		    unsigned char [CA_CRYPTO_SHA256_LEN]);

/* 1 when the n bytes are equal, else 0; time depends only on n. */
int		ca_crypto_equal(const void *, const void *, size_t);

/*
 * Writes unpadded base64url of in[0..n) and a NUL into out; CA_ETOOBIG if
 * outsz cannot hold CA_CRYPTO_B64URL_LEN(n) + 1 bytes.
 */
enum ca_err	ca_crypto_b64url_encode(const void *in, size_t n,
		    char *out, size_t outsz) CA_WUR;
/*
 * Decodes base64url (the '=' padding optional, but if present it must be
 * right) into out; *outlen gets the byte count.  CA_EPARSE on any
 * character outside the alphabet or a non-canonical final group,
 * CA_ETOOBIG if outsz is short.
 */
enum ca_err	ca_crypto_b64url_decode(const char *in, size_t n,
		    unsigned char *out, size_t outsz, size_t *outlen) CA_WUR;

/*
 * A fresh random token of CA_CRYPTO_TOKEN_BYTES bytes as base64url into
 * out, which holds CA_CRYPTO_TOKEN_LEN bytes.
 */
enum ca_err	ca_crypto_token(char [CA_CRYPTO_TOKEN_LEN]) CA_WUR;

/*
 * The S256 code_challenge for a verifier (RFC 7636 section 4.2);
 * CA_EINVAL when the verifier is not 43 to 128 unreserved characters
 * (section 4.1).
 */
enum ca_err	ca_crypto_pkce_s256(const char *verifier,
		    char [CA_CRYPTO_PKCE_LEN]) CA_WUR;

#endif
