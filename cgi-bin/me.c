/*
 * me.c: GET /auth/me -- the signed-in user as JSON, or 401.
 */
#include <cJSON.h>

#include "route.h"

static enum ca_err
me(struct ca_route *rt)
{
	const struct ca_user	*u;
	cJSON			*j;
	enum ca_err		 rc;

	if (!ca_route_get_only(rt, &rc))
		return rc;
	u = ca_route_user(rt, &rc);
	if (rc != CA_OK)
		return rc;
	j = cJSON_CreateObject();
	if (j == NULL)
		return CA_ENOMEM;
	rc = CA_ENOMEM;
	if (u == NULL) {
		if (cJSON_AddStringToObject(j, "error", "not signed in") ==
		    NULL)
			goto out;
		rc = ca_reply_json(&rt->reply, 401, j);
		goto out;
	}
	if (cJSON_AddStringToObject(j, "id", u->id) == NULL ||
	    (u->email != NULL ? cJSON_AddStringToObject(j, "email", u->email) :
	    cJSON_AddNullToObject(j, "email")) == NULL ||
	    (u->name != NULL ? cJSON_AddStringToObject(j, "name", u->name) :
	    cJSON_AddNullToObject(j, "name")) == NULL ||
	    (u->picture != NULL ? cJSON_AddStringToObject(j, "picture",
	    u->picture) : cJSON_AddNullToObject(j, "picture")) == NULL)
		goto out;
	rc = ca_reply_json(&rt->reply, 200, j);
out:
	cJSON_Delete(j);
	return rc;
}

int
main(void)
{

	return ca_route_main("/auth/me", NULL, 0, me);
}
