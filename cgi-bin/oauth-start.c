/*
 * oauth-start.c: GET /auth/login/provider/{name}?next=&app_id= -- starts
 * an OAuth sign-in (lib/signin.c does the protocol).
 */
#include "route.h"
#include "signin.h"

static const struct ca_field fields[] = {
	{ "next", CA_SRC_QUERY, 2048, ca_valid_printable },
	{ "app_id", CA_SRC_QUERY, 24, ca_valid_name },
};

static enum ca_err
start(struct ca_route *rt)
{
	enum ca_err	 rc;

	if (!ca_route_get_only(rt, &rc))
		return rc;
	return ca_signin_start(rt, rt->req.path_info + (*rt->req.path_info ==
	    '/'), ca_request_get(&rt->req, "next"),
	    ca_request_get(&rt->req, "app_id"));
}

int
main(void)
{

	return ca_route_main("/auth/login/provider", fields,
	    sizeof(fields) / sizeof(fields[0]), start);
}
