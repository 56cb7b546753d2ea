/*
 * check.c: GET /auth/check -- for a reverse proxy's auth sub-request
 * (nginx auth_request, Traefik forwardAuth): 200 with X-Auth-User-Id and
 * X-Auth-User-Email for a signed-in visitor, else 401.  No body.
 */
#include "log.h"
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
	/* An address that cannot be a header value is left out, not a 500. */
	if (rc == CA_OK && u->email != NULL &&
	    ca_reply_header(&rt->reply, "X-Auth-User-Email", u->email) !=
	    CA_OK)
		ca_log(rt->name, "check", "skip", "user %s: e-mail not "
		    "usable as a header", u->id);
	return rc;
}

int
main(void)
{

	return ca_route_main("/auth/check", NULL, 0, check);
}
