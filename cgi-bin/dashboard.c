/*
 * dashboard.c: GET /dashboard -- the example protected page.  Signed in:
 * a greeting by name.  Anonymous: 302 to the login page, coming back here.
 */
#include "route.h"

static enum ca_err
dashboard(struct ca_route *rt)
{
	enum ca_err	 rc;

	if (!ca_route_get_only(rt, &rc))
		return rc;
	if (ca_route_require(rt, "/dashboard", &rc) == NULL)
		return rc;
	return ca_route_page_titled(rt, 200, "dashboard", "Dashboard");
}

int
main(void)
{

	return ca_route_main("/dashboard", NULL, 0, dashboard);
}
