/*
 * home.c: GET / -- a small landing page that knows who is signed in;
 * logout sends people here.
 */
#include "route.h"

static enum ca_err
home(struct ca_route *rt)
{
	enum ca_err	 rc;

	if (!ca_route_get_only(rt, &rc))
		return rc;
	return ca_route_page_titled(rt, 200, "home", "Welcome");
}

int
main(void)
{

	return ca_route_main("/", NULL, 0, home);
}
