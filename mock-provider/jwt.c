/*
 * jwt.c: HS256 compact JWS (see jwt.h):
 * BASE64URL(header) "." BASE64URL(claims) "." BASE64URL(HMAC-SHA-256).
 */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "alloc.h"
#include "buf.h"
#include "codec.h"
#include "jwt.h"

static const char	 jwt_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

enum ca_err
mock_jwt_hs256(const char *key, const cJSON *claims, char **out)
{
	struct ca_buf	 b;
	char		*json = NULL;
	unsigned char	 mac[EVP_MAX_MD_SIZE];
	unsigned int	 maclen = 0;
	enum ca_err	 rc;

	*out = NULL;
	ca_buf_init(&b, MOCK_JWT_MAX);
	rc = CA_ENOMEM;
	json = cJSON_PrintUnformatted(claims);
	if (json == NULL)
		goto out;
	rc = mock_codec_b64url(&b, jwt_header, strlen(jwt_header));
	if (rc == CA_OK)
		rc = ca_buf_putc(&b, '.');
	if (rc == CA_OK)
		rc = mock_codec_b64url(&b, json, strlen(json));
	if (rc != CA_OK)
		goto out;
	rc = CA_ECRYPTO;
	if (HMAC(EVP_sha256(), key, (int)strlen(key),
	    (const unsigned char *)b.data, b.len, mac, &maclen) == NULL)
		goto out;
	rc = ca_buf_putc(&b, '.');
	if (rc == CA_OK)
		rc = mock_codec_b64url(&b, mac, maclen);
	if (rc != CA_OK)
		goto out;
	rc = CA_ENOMEM;
	*out = ca_buf_take(&b);
	if (*out != NULL)
		rc = CA_OK;
out:
	cJSON_free(json);
	ca_buf_free(&b);
	return rc;
}
