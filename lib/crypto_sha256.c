/*
 * crypto_sha256.c: SHA-256 as specified in FIPS 180-4 sections 4.1.2,
 * 4.2.2, 5.1.1, 5.3.3 and 6.2, and HMAC-SHA256 as in RFC 2104 (keys
 * longer than the 64-byte block are hashed first, section 2).
 *
 * Written in-house on purpose (see crypto.h): no OpenSSL start-up cost
 * in a CGI process.  Nothing here allocates; intermediate state that
 * held key material is wiped with explicit_bzero(3) before returning.
 * Tested against the NIST and RFC 4231 vectors and OpenSSL's EVP in
 * spec/test_crypto.c.
 */
#include <stdint.h>
#include <string.h>

#include "crypto.h"

/* FIPS 180-4 section 5.1.1 and RFC 2104 section 2: B = 64 bytes. */
#define SHA256_BLOCK	64

/* FIPS 180-4 section 4.2.2: the first 32 bits of the cube roots. */
static const uint32_t k256[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
	0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
	0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
	0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
	0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

/* FIPS 180-4 section 5.3.3: the initial hash value H(0). */
static const uint32_t h256[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19
};

#define ROTR(x, n)	(((x) >> (n)) | ((x) << (32 - (n))))
#define CH(x, y, z)	(((x) & (y)) ^ (~(x) & (z)))
#define MAJ(x, y, z)	(((x) & (y)) ^ ((x) & (z)) ^ ((y) & (z)))
#define BSIG0(x)	(ROTR(x, 2) ^ ROTR(x, 13) ^ ROTR(x, 22))
#define BSIG1(x)	(ROTR(x, 6) ^ ROTR(x, 11) ^ ROTR(x, 25))
#define SSIG0(x)	(ROTR(x, 7) ^ ROTR(x, 18) ^ ((x) >> 3))
#define SSIG1(x)	(ROTR(x, 17) ^ ROTR(x, 19) ^ ((x) >> 10))

/* FIPS 180-4 section 6.2.2: one 512-bit block into the state. */
static void
sha256_block(struct ca_sha256 *c, const unsigned char *p)
{
	uint32_t	 w[64], a, b, cc, d, e, f, g, h, t1, t2;
	size_t		 i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 |
		    (uint32_t)p[4 * i + 1] << 16 |
		    (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
	for (i = 16; i < 64; i++)
		w[i] = SSIG1(w[i - 2]) + w[i - 7] + SSIG0(w[i - 15]) +
		    w[i - 16];
	a = c->h[0];
	b = c->h[1];
	cc = c->h[2];
	d = c->h[3];
	e = c->h[4];
	f = c->h[5];
	g = c->h[6];
	h = c->h[7];
	for (i = 0; i < 64; i++) {
		t1 = h + BSIG1(e) + CH(e, f, g) + k256[i] + w[i];
		t2 = BSIG0(a) + MAJ(a, b, cc);
		h = g;
		g = f;
		f = e;
		e = d + t1;
		d = cc;
		cc = b;
		b = a;
		a = t1 + t2;
	}
	c->h[0] += a;
	c->h[1] += b;
	c->h[2] += cc;
	c->h[3] += d;
	c->h[4] += e;
	c->h[5] += f;
	c->h[6] += g;
	c->h[7] += h;
	explicit_bzero(w, sizeof(w));
}

void
ca_sha256_init(struct ca_sha256 *c)
{
	size_t	 i;

	for (i = 0; i < 8; i++)
		c->h[i] = h256[i];
	c->len = 0;
	c->used = 0;
}

void
ca_sha256_update(struct ca_sha256 *c, const void *data, size_t n)
{
	const unsigned char	*p = data;
	size_t			 take;

	if (n == 0)
		return;
	c->len += n;
	if (c->used > 0) {
		take = SHA256_BLOCK - c->used;
		if (take > n)
			take = n;
		memcpy(c->blk + c->used, p, take);
		c->used += take;
		p += take;
		n -= take;
		if (c->used < SHA256_BLOCK)
			return;
		sha256_block(c, c->blk);
		c->used = 0;
	}
	while (n >= SHA256_BLOCK) {
		sha256_block(c, p);
		p += SHA256_BLOCK;
		n -= SHA256_BLOCK;
	}
	if (n > 0) {
		memcpy(c->blk, p, n);
		c->used = n;
	}
}

/* FIPS 180-4 section 5.1.1 padding, then the big-endian digest. */
void
ca_sha256_final(struct ca_sha256 *c, unsigned char out[CA_CRYPTO_SHA256_LEN])
{
	unsigned long long	 bits = c->len * 8;
	size_t			 i;

	c->blk[c->used++] = 0x80;
	if (c->used > SHA256_BLOCK - 8) {
		memset(c->blk + c->used, 0, SHA256_BLOCK - c->used);
		sha256_block(c, c->blk);
		c->used = 0;
	}
	memset(c->blk + c->used, 0, SHA256_BLOCK - 8 - c->used);
	for (i = 0; i < 8; i++)
		c->blk[SHA256_BLOCK - 1 - i] = (unsigned char)(bits >> (8 * i));
	sha256_block(c, c->blk);
	for (i = 0; i < 8; i++) {
		out[4 * i] = (unsigned char)(c->h[i] >> 24);
		out[4 * i + 1] = (unsigned char)(c->h[i] >> 16);
		out[4 * i + 2] = (unsigned char)(c->h[i] >> 8);
		out[4 * i + 3] = (unsigned char)c->h[i];
	}
	explicit_bzero(c, sizeof(*c));
}

void
ca_crypto_sha256(const void *data, size_t n,
    unsigned char out[CA_CRYPTO_SHA256_LEN])
{
	struct ca_sha256	 c;

	ca_sha256_init(&c);
	ca_sha256_update(&c, data, n);
	ca_sha256_final(&c, out);
}

void
ca_crypto_sha256_hex(const char *s, char out[CA_CRYPTO_SHA256_HEX])
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 md[CA_CRYPTO_SHA256_LEN];
	size_t			 i;

	ca_crypto_sha256(s, strlen(s), md);
	for (i = 0; i < CA_CRYPTO_SHA256_LEN; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 0x0f];
	}
	out[2 * CA_CRYPTO_SHA256_LEN] = '\0';
}

/* RFC 2104 section 2: H(K ^ opad, H(K ^ ipad, text)). */
void
ca_crypto_hmac_sha256(const void *key, size_t keylen, const void *msg,
    size_t msglen, unsigned char out[CA_CRYPTO_SHA256_LEN])
{
	struct ca_sha256	 c;
	unsigned char		 k[SHA256_BLOCK], pad[SHA256_BLOCK];
	unsigned char		 inner[CA_CRYPTO_SHA256_LEN];
	size_t			 i;

	memset(k, 0, sizeof(k));
	if (keylen > SHA256_BLOCK)
		ca_crypto_sha256(key, keylen, k);
	else if (keylen > 0)
		memcpy(k, key, keylen);


	for (i = 0; i < SHA256_BLOCK; i++)
		pad[i] = k[i] ^ 0x36;
	ca_sha256_init(&c);
	ca_sha256_update(&c, pad, SHA256_BLOCK);
	ca_sha256_update(&c, msg, msglen);
	ca_sha256_final(&c, inner);

	for (i = 0; i < SHA256_BLOCK; i++)
		pad[i] = k[i] ^ 0x5c;
	ca_sha256_init(&c);
	ca_sha256_update(&c, pad, SHA256_BLOCK);
	ca_sha256_update(&c, inner, sizeof(inner));
	ca_sha256_final(&c, out);

	explicit_bzero(k, sizeof(k));
	explicit_bzero(pad, sizeof(pad));
	explicit_bzero(inner, sizeof(inner));
}
