/*
 * home.c: GET / -- a small landing page that knows who is signed in;
 * logout sends people here.
 */
#include <cJSON.h>

#include "route.h"

static enum ca_err
home(struct ca_route *rt)
{
	cJSON		*ctx;
	enum ca_err	 rc;

	if (!ca_route_get_only(rt, &rc))
		return rc;
	ctx = cJSON_CreateObject();
	if (ctx == NULL ||
	    cJSON_AddStringToObject(ctx, "title", "Welcome") == NULL) {
		cJSON_Delete(ctx);
		return CA_ENOMEM;
	}
	return ca_route_page(rt, 200, "home", ctx);
}

int
main(void)
{

	return ca_route_main("/", NULL, 0, home);
}
