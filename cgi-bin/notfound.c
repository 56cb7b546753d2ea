/*
 * notfound.c: every path the site does not serve: a 404 page.
 */
#include "route.h"

static enum ca_err
notfound(struct ca_route *rt)
{

	return ca_route_fail(rt, 404, "route", "Page not found",
	    "There is nothing at this address.");
}

int
main(void)
{

	return ca_route_main("notfound", NULL, 0, notfound);
}
