/*
 * oauth-callback.c: GET /auth/provider/{name} -- the provider sends the
 * browser back here with code and state, or with error (lib/signin.c).
 */
#include "route.h"
#include "signin.h"

/* RFC 6749 4.1.2: code, state; 4.1.2.1: error, error_description. */
static const struct ca_field fields[] = {
	{ "code", CA_SRC_QUERY, 2048, ca_valid_printable },
	{ "state", CA_SRC_QUERY, 64, ca_valid_token },
	{ "error", CA_SRC_QUERY, 64, ca_valid_name },
};

static enum ca_err
callback(struct ca_route *rt)
{
	enum ca_err	 rc;

	if (!ca_route_get_only(rt, &rc))
		return rc;
	return ca_signin_callback(rt, rt->req.path_info +
	    (*rt->req.path_info == '/'));
}

int
main(void)
{

	return ca_route_main("/auth/provider", fields,
	    sizeof(fields) / sizeof(fields[0]), callback);
}
