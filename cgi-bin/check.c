/*
 * check.c: GET /auth/check -- for a reverse proxy's auth sub-request
 * (nginx auth_request, Traefik forwardAuth): 200 with X-Auth-User-Id and
 * X-Auth-User-Email for a signed-in visitor, else 401.  No body.
 */
#include "route.h"

static enum ca_err
check(struct ca_route *rt)
{
	const struct ca_user	*u;
	enum ca_err		 rc;

	u = ca_route_user(rt, &rc);
	if (rc != CA_OK)
		return rc;
	if (u == NULL) {
		rt->reply.status = 401;
		rt->reply.ctype = "text/plain; charset=utf-8";
		return CA_OK;
	}
	rt->reply.status = 200;
	rt->reply.ctype = "text/plain; charset=utf-8";
	rc = ca_reply_header(&rt->reply, "X-Auth-User-Id", u->id);
	if (rc == CA_OK && u->email != NULL)
		rc = ca_reply_header(&rt->reply, "X-Auth-User-Email",
		    u->email);
	return rc;
}

int
main(void)
{

	return ca_route_main("/auth/check", NULL, 0, check);
}
