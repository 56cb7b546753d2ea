/*
 * jwt.h: signs the mock provider's ID tokens: a JWS in compact form
 * (RFC 7515 section 7.1) with "alg": "HS256" (RFC 7518 section 3.2),
 * keyed with the client secret as OpenID Connect Core 10.1 allows.
 * Signing only; the mock never verifies a JWT.
 */
#ifndef MOCK_JWT_H
#define MOCK_JWT_H

#include <cJSON.h>

#include "err.h"

/* The largest token it will build. */
#define MOCK_JWT_MAX	(16 * 1024)

/*
 * Serialises claims and signs them with key; *out is a new string the
 * caller frees with ca_free(), or NULL on failure.
 */
enum ca_err	 mock_jwt_hs256(const char *key, const cJSON *claims,
		    char **out) CA_WUR;

#endif
