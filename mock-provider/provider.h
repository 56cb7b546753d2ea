/*
 * provider.h: the mock OAuth 2.0 / OpenID Connect provider's endpoints.
 *
 *	GET  /.well-known/openid-configuration	OIDC Discovery 1.0 section 3
 *	GET  /authorize		RFC 6749 4.1.1-4.1.2, RFC 7636 4.3
 *	POST /token		RFC 6749 4.1.3-4.1.4, 2.3.1, 5; RFC 7636 4.6
 *	GET  /userinfo		OIDC Core 5.3 (RFC 6750 2.1 bearer)
 *	GET  /user/emails	GitHub's REST "list e-mail addresses"
 *	GET  /big		2 MiB of 'x', for body cap tests only
 *
 * Codes and access tokens live in memory under one mutex; the fixture is
 * read-only.  The faults and the token format a fixture user names are
 * applied here.
 */
#ifndef MOCK_PROVIDER_H
#define MOCK_PROVIDER_H

#include <signal.h>

#include "err.h"
#include "fixture.h"
#include "http.h"

struct mock_provider;

/*
 * A new provider over fx (borrowed: it must outlive the provider) whose
 * issuer is "http://host:port"; stop is the flag that ends waits early.
 * The caller frees *out with mock_provider_free().
 */
enum ca_err	 mock_provider_new(const struct mock_fixture *fx,
		    const char *host, int port, volatile sig_atomic_t *stop,
		    struct mock_provider **out) CA_WUR;
/* Accepts NULL. */
void		 mock_provider_free(struct mock_provider *);
/* The mock_http_handler; arg is the struct mock_provider. */
void		 mock_provider_handle(void *arg, const struct mock_http_req *,
		    struct mock_http_resp *);

#endif
