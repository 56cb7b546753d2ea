/*
 * dashboard.c: GET /dashboard -- the example protected page.  Signed in:
 * a greeting by name.  Anonymous: 302 to the login page, coming back here.
 */
#include <cJSON.h>

#include "route.h"

static enum ca_err
dashboard(struct ca_route *rt)
{
	const struct ca_user	*u;
	cJSON			*ctx;
	enum ca_err		 rc;

	if (!ca_route_get_only(rt, &rc))
		return rc;
	u = ca_route_user(rt, &rc);
	if (rc != CA_OK)
		return rc;
	if (u == NULL)
		return ca_reply_redirect(&rt->reply, 302,
		    "/auth/login?next=/dashboard");
	ctx = cJSON_CreateObject();
	if (ctx == NULL ||
	    cJSON_AddStringToObject(ctx, "title", "Dashboard") == NULL) {
		cJSON_Delete(ctx);
		return CA_ENOMEM;
	}
	return ca_route_page(rt, 200, "dashboard", ctx);
}

int
main(void)
{

	return ca_route_main("/dashboard", NULL, 0, dashboard);
}
