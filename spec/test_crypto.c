/*
 * test_crypto.c: the Check suite for lib/crypto.c and lib/crypto_sha256.c.
 *
 * Table-driven from fixtures/crypto/: sha256.json (FIPS 180-2 / NIST),
 * hmac_sha256.json (RFC 4231), base64url.json (RFC 4648 section 10),
 * pkce.json (RFC 7636 appendix B).  SHA-256 and HMAC are also compared
 * with OpenSSL's EVP on 1000 inputs of lengths 0..300 from a fixed-seed
 * generator (the seed is in the failure message), so a failure repeats.
 * Run from the repository root.
 */
#include <check.h>
#include <cJSON.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "crypto.h"
#include "fixture.h"

#define CROSS_N		1000
#define CROSS_SEED	0x5eed5eed12345678ULL

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	ck_assert_msg(cJSON_IsString(v), "field %s missing", k);
	return v->valuestring;
}

static const cJSON *
jarr(const cJSON *o, const char *k)
{
	const cJSON	*v = cJSON_GetObjectItemCaseSensitive(o, k);

	ck_assert_msg(cJSON_IsArray(v) && cJSON_GetArraySize(v) > 0,
	    "array %s missing or empty", k);
	return v;
}

/* Hex to bytes into a new buffer (freed with ca_free); *n its length. */
static unsigned char *
unhex(const char *s, size_t *n)
{
	unsigned char	*p;
	size_t		 i, len = strlen(s);
	unsigned int	 hi, lo;

	ck_assert_msg(len % 2 == 0, "odd hex %s", s);
	p = ca_malloc(len / 2 + 1);
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < len / 2; i++) {
		hi = (unsigned int)(strchr("0123456789abcdef", s[2 * i]) -
		    "0123456789abcdef");
		lo = (unsigned int)(strchr("0123456789abcdef", s[2 * i + 1]) -
		    "0123456789abcdef");
		ck_assert(hi < 16 && lo < 16);
		p[i] = (unsigned char)(hi << 4 | lo);
	}
	*n = len / 2;
	return p;
}

static void
tohex(const unsigned char *p, size_t n, char *out)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		out[2 * i] = "0123456789abcdef"[p[i] >> 4];
		out[2 * i + 1] = "0123456789abcdef"[p[i] & 0x0f];
	}
	out[2 * n] = '\0';
}

/* xorshift64: reproducible pseudo-random test data. */
static uint64_t
xs(uint64_t *s)
{

	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void
xsfill(uint64_t *s, unsigned char *p, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		p[i] = (unsigned char)xs(s);
}

/* Hashes p[0..n) in chunks of step bytes. */
static void
sha_chunked(const unsigned char *p, size_t n, size_t step,
    unsigned char md[CA_CRYPTO_SHA256_LEN])
{
	struct ca_sha256	 c;
	size_t			 i, k;

	ca_sha256_init(&c);
	for (i = 0; i < n; i += k) {
		k = n - i < step ? n - i : step;
		ca_sha256_update(&c, p + i, k);
	}
	ca_sha256_final(&c, md);
}

START_TEST(test_crypto_sha256_vectors)
{
	static const size_t	 steps[] = { 1, 3, 55, 56, 63, 64, 65, 1000 };
	cJSON			*j = ca_fixture_json(
	    "fixtures/crypto/sha256.json", CA_FIXTURE_MAX);
	const cJSON		*c, *rep, *cnt;
	unsigned char		*in, md[CA_CRYPTO_SHA256_LEN];
	char			 hex[CA_CRYPTO_SHA256_HEX];
	size_t			 n, i, s;
	int			 ncases = 0;

	cJSON_ArrayForEach(c, jarr(j, "cases")) {
		rep = cJSON_GetObjectItemCaseSensitive(c, "repeat");
		if (rep != NULL) {
			cnt = cJSON_GetObjectItemCaseSensitive(c, "count");
			ck_assert(cJSON_IsString(rep) &&
			    strlen(rep->valuestring) == 1 &&
			    cJSON_IsNumber(cnt) && cnt->valuedouble > 0);
			n = (size_t)cnt->valuedouble;
			in = ca_malloc(n);
			ck_assert_ptr_nonnull(in);
			memset(in, rep->valuestring[0], n);
		} else {
			n = strlen(jstr(c, "text"));
			in = (unsigned char *)ca_strdup(jstr(c, "text"));
			ck_assert_ptr_nonnull(in);
		}
		ca_crypto_sha256(in, n, md);
		tohex(md, sizeof(md), hex);
		ck_assert_msg(strcmp(hex, jstr(c, "sha256")) == 0,
		    "%s: got %s", jstr(c, "name"), hex);
		for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
			s = steps[i];
			sha_chunked(in, n, s, md);
			tohex(md, sizeof(md), hex);
			ck_assert_msg(strcmp(hex, jstr(c, "sha256")) == 0,
			    "%s in chunks of %zu: got %s", jstr(c, "name"),
			    s, hex);
		}
		ca_free(in);
		ncases++;
	}
	ck_assert_int_eq(ncases, 5);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_crypto_sha256_openssl)
{
	unsigned char	 in[300], md[CA_CRYPTO_SHA256_LEN];
	unsigned char	 ref[EVP_MAX_MD_SIZE];
	unsigned int	 reflen;
	uint64_t	 seed = CROSS_SEED;
	size_t		 n;
	int		 i;

	for (i = 0; i < CROSS_N; i++) {
		n = (size_t)(xs(&seed) % 301);
		xsfill(&seed, in, n);
		ca_crypto_sha256(in, n, md);
		ck_assert(EVP_Digest(in, n, ref, &reflen, EVP_sha256(),
		    NULL) == 1);
		ck_assert_uint_eq(reflen, CA_CRYPTO_SHA256_LEN);
		ck_assert_msg(memcmp(md, ref, sizeof(md)) == 0,
		    "input %d (length %zu, seed %llx) differs", i, n,
		    (unsigned long long)CROSS_SEED);
	}
}
END_TEST

START_TEST(test_crypto_sha256_hex_abc)
{
	char	 hex[CA_CRYPTO_SHA256_HEX];

	ca_crypto_sha256_hex("abc", hex);
	ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad");
	ca_crypto_sha256_hex("", hex);
	ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	    "27ae41e4649b934ca495991b7852b855");
}
END_TEST

START_TEST(test_crypto_hmac_sha256_vectors)
{
	cJSON		*j = ca_fixture_json("fixtures/crypto/hmac_sha256.json",
	    CA_FIXTURE_MAX);
	const cJSON	*c;
	unsigned char	*key, *data, md[CA_CRYPTO_SHA256_LEN];
	char		 hex[CA_CRYPTO_SHA256_HEX];
	size_t		 kn, dn;
	int		 ncases = 0;

	jarr(j, "left_out");
	cJSON_ArrayForEach(c, jarr(j, "cases")) {
		key = unhex(jstr(c, "key_hex"), &kn);
		data = unhex(jstr(c, "data_hex"), &dn);
		ca_crypto_hmac_sha256(key, kn, data, dn, md);
		tohex(md, sizeof(md), hex);
		ck_assert_msg(strcmp(hex, jstr(c, "hmac")) == 0,
		    "%s: got %s", jstr(c, "name"), hex);
		ca_free(key);
		ca_free(data);
		ncases++;
	}
	ck_assert_int_eq(ncases, 6);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_crypto_hmac_sha256_openssl)
{
	unsigned char	 key[200], in[300], md[CA_CRYPTO_SHA256_LEN];
	unsigned char	 ref[EVP_MAX_MD_SIZE];
	unsigned int	 reflen;
	uint64_t	 seed = CROSS_SEED ^ 0xffff;
	size_t		 n, kn;
	int		 i;

	for (i = 0; i < CROSS_N; i++) {
		kn = (size_t)(xs(&seed) % 201);
		n = (size_t)(xs(&seed) % 301);
		xsfill(&seed, key, kn);
		xsfill(&seed, in, n);
		ca_crypto_hmac_sha256(key, kn, in, n, md);
		ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, (int)kn, in, n,
		    ref, &reflen));
		ck_assert_uint_eq(reflen, CA_CRYPTO_SHA256_LEN);
		ck_assert_msg(memcmp(md, ref, sizeof(md)) == 0,
		    "input %d (key %zu, data %zu bytes) differs", i, kn, n);
	}
}
END_TEST

START_TEST(test_crypto_b64url_encode_vectors)
{
	cJSON		*j = ca_fixture_json("fixtures/crypto/base64url.json",
	    CA_FIXTURE_MAX);
	const cJSON	*c;
	unsigned char	*in;
	char		 out[64];
	size_t		 n;

	cJSON_ArrayForEach(c, jarr(j, "valid")) {
		in = unhex(jstr(c, "hex"), &n);
		ck_assert_int_eq(ca_crypto_b64url_encode(in, n, out,
		    sizeof(out)), CA_OK);
		ck_assert_str_eq(out, jstr(c, "b64"));
		ck_assert_uint_eq(strlen(out), CA_CRYPTO_B64URL_LEN(n));
		/* Exactly enough room works, one byte less does not. */
		ck_assert_int_eq(ca_crypto_b64url_encode(in, n, out,
		    CA_CRYPTO_B64URL_LEN(n) + 1), CA_OK);
		ck_assert_int_eq(ca_crypto_b64url_encode(in, n, out,
		    CA_CRYPTO_B64URL_LEN(n)), CA_ETOOBIG);
		ca_free(in);
	}
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_crypto_b64url_decode_vectors)
{
	cJSON		*j = ca_fixture_json("fixtures/crypto/base64url.json",
	    CA_FIXTURE_MAX);
	const cJSON	*c, *alt;
	unsigned char	 out[64];
	char		 hex[129];
	size_t		 n;

	cJSON_ArrayForEach(c, jarr(j, "valid")) {
		ck_assert_int_eq(ca_crypto_b64url_decode(jstr(c, "b64"),
		    strlen(jstr(c, "b64")), out, sizeof(out), &n), CA_OK);
		tohex(out, n, hex);
		ck_assert_str_eq(hex, jstr(c, "hex"));
		cJSON_ArrayForEach(alt, cJSON_GetObjectItem(c,
		    "also_decodes")) {
			ck_assert_int_eq(ca_crypto_b64url_decode(
			    alt->valuestring, strlen(alt->valuestring), out,
			    sizeof(out), &n), CA_OK);
			tohex(out, n, hex);
			ck_assert_msg(strcmp(hex, jstr(c, "hex")) == 0,
			    "%s gave %s", alt->valuestring, hex);
		}
	}
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_crypto_b64url_decode_invalid)
{
	cJSON		*j = ca_fixture_json("fixtures/crypto/base64url.json",
	    CA_FIXTURE_MAX);
	const cJSON	*c;
	unsigned char	 out[64];
	size_t		 n;
	int		 ncases = 0;

	cJSON_ArrayForEach(c, jarr(j, "invalid")) {
		n = 99;
		ck_assert_msg(ca_crypto_b64url_decode(jstr(c, "b64"),
		    strlen(jstr(c, "b64")), out, sizeof(out), &n) ==
		    CA_EPARSE, "accepted \"%s\" (%s)", jstr(c, "b64"),
		    jstr(c, "why"));
		ck_assert_uint_eq(n, 0);
		ncases++;
	}
	ck_assert_int_ge(ncases, 20);
	/* A NUL inside the counted bytes is outside the alphabet. */
	ck_assert_int_eq(ca_crypto_b64url_decode("Zm\0v", 4, out,
	    sizeof(out), &n), CA_EPARSE);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_crypto_b64url_decode_short_buffer)
{
	unsigned char	 out[6];
	size_t		 n;

	ck_assert_int_eq(ca_crypto_b64url_decode("Zm9vYmFy", 8, out, 6, &n),
	    CA_OK);
	ck_assert_uint_eq(n, 6);
	ck_assert_int_eq(ca_crypto_b64url_decode("Zm9vYmFy", 8, out, 5, &n),
	    CA_ETOOBIG);
	ck_assert_int_eq(ca_crypto_b64url_decode("Zm9vYmE", 7, out, 4, &n),
	    CA_ETOOBIG);
	ck_assert_int_eq(ca_crypto_b64url_decode("Zm9vYmE=", 8, out, 5, &n),
	    CA_OK);
	ck_assert_uint_eq(n, 5);
}
END_TEST

START_TEST(test_crypto_b64url_decode_roundtrip)
{
	unsigned char	 in[100], back[100];
	char		 enc[CA_CRYPTO_B64URL_LEN(100) + 1];
	uint64_t	 seed = CROSS_SEED ^ 0xb64;
	size_t		 n, m;
	int		 i;

	for (i = 0; i < CROSS_N; i++) {
		n = (size_t)(xs(&seed) % 101);
		xsfill(&seed, in, n);
		ck_assert_int_eq(ca_crypto_b64url_encode(in, n, enc,
		    sizeof(enc)), CA_OK);
		ck_assert_int_eq(ca_crypto_b64url_decode(enc, strlen(enc),
		    back, sizeof(back), &m), CA_OK);
		ck_assert_uint_eq(m, n);
		ck_assert(memcmp(in, back, n) == 0);
	}
}
END_TEST

START_TEST(test_crypto_equal_cases)
{

	ck_assert_int_eq(ca_crypto_equal("abcd", "abcd", 4), 1);
	ck_assert_int_eq(ca_crypto_equal("abcd", "abce", 4), 0);
	ck_assert_int_eq(ca_crypto_equal("xbcd", "abcd", 4), 0);
	ck_assert_int_eq(ca_crypto_equal("ab\0d", "ab\0e", 4), 0);
	ck_assert_int_eq(ca_crypto_equal("ab\0d", "ab\0d", 4), 1);
	ck_assert_int_eq(ca_crypto_equal("abcd", "abce", 3), 1);
	ck_assert_int_eq(ca_crypto_equal("a", "b", 0), 1);
}
END_TEST

START_TEST(test_crypto_random_fills)
{
	unsigned char	 a[1024], b[1024], zero[1024];

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	memset(zero, 0, sizeof(zero));
	ck_assert_int_eq(ca_crypto_random(a, sizeof(a)), CA_OK);
	ck_assert_int_eq(ca_crypto_random(b, sizeof(b)), CA_OK);
	ck_assert(memcmp(a, b, sizeof(a)) != 0);
	ck_assert(memcmp(a, zero, sizeof(a)) != 0);
	ck_assert_int_eq(ca_crypto_random(a, 0), CA_OK);
	ck_assert_int_eq(ca_crypto_random(NULL, 1), CA_EINVAL);
}
END_TEST

START_TEST(test_crypto_token_fresh)
{
	char	 a[CA_CRYPTO_TOKEN_LEN], b[CA_CRYPTO_TOKEN_LEN];
	size_t	 i;

	ck_assert_int_eq(CA_CRYPTO_TOKEN_LEN, 44);
	ck_assert_int_eq(ca_crypto_token(a), CA_OK);
	ck_assert_int_eq(ca_crypto_token(b), CA_OK);
	ck_assert_uint_eq(strlen(a), 43);
	ck_assert_uint_eq(strlen(b), 43);
	ck_assert_str_ne(a, b);
	for (i = 0; i < 43; i++)
		ck_assert_msg(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789-_", a[i]) != NULL,
		    "bad character %c", a[i]);
}
END_TEST

START_TEST(test_crypto_pkce_s256_vectors)
{
	cJSON		*j = ca_fixture_json("fixtures/crypto/pkce.json",
	    CA_FIXTURE_MAX);
	const cJSON	*c;
	char		 out[CA_CRYPTO_PKCE_LEN];
	int		 ncases = 0;

	cJSON_ArrayForEach(c, jarr(j, "valid")) {
		ck_assert_int_eq(ca_crypto_pkce_s256(jstr(c, "verifier"), out),
		    CA_OK);
		ck_assert_msg(strcmp(out, jstr(c, "challenge")) == 0,
		    "%s: got %s", jstr(c, "name"), out);
		ncases++;
	}
	ck_assert_int_eq(ncases, 3);
	cJSON_Delete(j);
}
END_TEST

START_TEST(test_crypto_pkce_s256_invalid)
{
	cJSON		*j = ca_fixture_json("fixtures/crypto/pkce.json",
	    CA_FIXTURE_MAX);
	const cJSON	*c;
	char		 out[CA_CRYPTO_PKCE_LEN];
	int		 ncases = 0;

	cJSON_ArrayForEach(c, jarr(j, "invalid")) {
		ck_assert_msg(ca_crypto_pkce_s256(jstr(c, "verifier"), out) ==
		    CA_EINVAL, "accepted %s", jstr(c, "name"));
		ncases++;
	}
	ck_assert_int_eq(ncases, 10);
	ck_assert_int_eq(ca_crypto_pkce_s256(NULL, out), CA_EINVAL);
	cJSON_Delete(j);
}
END_TEST

static Suite *
crypto_suite(void)
{
	Suite	*s = suite_create("crypto");
	TCase	*tc;

	tc = tcase_create("sha256");
	tcase_add_test(tc, test_crypto_sha256_vectors);
	tcase_add_test(tc, test_crypto_sha256_openssl);
	suite_add_tcase(s, tc);
	tc = tcase_create("sha256_hex");
	tcase_add_test(tc, test_crypto_sha256_hex_abc);
	suite_add_tcase(s, tc);
	tc = tcase_create("hmac_sha256");
	tcase_add_test(tc, test_crypto_hmac_sha256_vectors);
	tcase_add_test(tc, test_crypto_hmac_sha256_openssl);
	suite_add_tcase(s, tc);
	tc = tcase_create("b64url_encode");
	tcase_add_test(tc, test_crypto_b64url_encode_vectors);
	suite_add_tcase(s, tc);
	tc = tcase_create("b64url_decode");
	tcase_add_test(tc, test_crypto_b64url_decode_vectors);
	tcase_add_test(tc, test_crypto_b64url_decode_invalid);
	tcase_add_test(tc, test_crypto_b64url_decode_short_buffer);
	tcase_add_test(tc, test_crypto_b64url_decode_roundtrip);
	suite_add_tcase(s, tc);
	tc = tcase_create("equal");
	tcase_add_test(tc, test_crypto_equal_cases);
	suite_add_tcase(s, tc);
	tc = tcase_create("random");
	tcase_add_test(tc, test_crypto_random_fills);
	suite_add_tcase(s, tc);
	tc = tcase_create("token");
	tcase_add_test(tc, test_crypto_token_fresh);
	suite_add_tcase(s, tc);
	tc = tcase_create("pkce_s256");
	tcase_add_test(tc, test_crypto_pkce_s256_vectors);
	tcase_add_test(tc, test_crypto_pkce_s256_invalid);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{

	return ca_fixture_run(crypto_suite());
}
