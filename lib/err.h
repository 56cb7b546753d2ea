/*
 * err.h: the one error enum of cgiauth.
 *
 * Every library function that can fail returns an enum ca_err; CA_OK is
 * zero so "if (rc != CA_OK)" reads naturally.  ca_strerror() gives a short
 * English text for logs and for the bodies of error pages; it never
 * contains request data, so it is always safe to show.
 */
#ifndef CA_ERR_H
#define CA_ERR_H

#define CA_WUR __attribute__((warn_unused_result))

enum ca_err {
	CA_OK = 0,	/* success */
	CA_ENOMEM,	/* an allocation failed or a size overflowed */
	CA_EINVAL,	/* a caller passed an impossible argument */
	CA_ETOOBIG,	/* input is larger than its named limit */
	CA_EPARSE,	/* input is malformed (encoding, syntax, JSON) */
	CA_ENOTFOUND,	/* the thing asked for does not exist */
	CA_EEXIST,	/* a unique key already exists (MongoDB 11000) */
	CA_EEXPIRED,	/* a token, state or session is past its life */
	CA_EDENIED,	/* a check failed: signature, CSRF, state, PKCE */
	CA_ECONFIG,	/* a setting is missing or invalid */
	CA_EDB,		/* the database is unreachable or failed */
	CA_EUPSTREAM,	/* a provider or mail API answered an error */
	CA_ETIMEOUT,	/* an outbound call timed out */
	CA_EIO,		/* a file or socket could not be read or written */
	CA_ECRYPTO,	/* the crypto library failed */
	CA_ERR__MAX
};

/* Returns a static string; never NULL, also for out-of-range values. */
const char	*ca_strerror(enum ca_err);

#endif
