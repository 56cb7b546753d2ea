/*
 * login.c: GET /auth/login?next= -- the sign-in page: a button for each
 * provider with a login route.  The next path is checked here and carried
 * on each button.
 */
#include <string.h>

#include <cJSON.h>

#include "config.h"
#include "next.h"
#include "provider.h"
#include "log.h"
#include "route.h"

static const struct ca_field fields[] = {
	{ "next", CA_SRC_QUERY, 2048, ca_valid_printable },
};

static enum ca_err
login(struct ca_route *rt)
{
	struct ca_provider	*ps = NULL;
	struct ca_buf		 q;
	cJSON			*ctx = NULL, *arr, *o;
	const char		*next;
	char			 err[CA_PROVIDER_ERR_MAX];
	size_t			 n = 0, i;
	enum ca_err		 rc;

	ca_buf_init(&q, 3 * 2048);
	if (!ca_route_get_only(rt, &rc))
		return rc;
	next = ca_next_safe(ca_request_get(&rt->req, "next"));
	rc = ca_provider_list(rt->cfg, &ps, &n, err, sizeof(err));
	if (rc != CA_OK) {
		ca_log(rt->name, "provider", "fail", "%s", err);
		goto out;
	}
	rc = CA_ENOMEM;
	ctx = cJSON_CreateObject();
	if (ctx == NULL || cJSON_AddStringToObject(ctx, "title", "Sign in") ==
	    NULL || cJSON_AddStringToObject(ctx, "next", next) == NULL)
		goto out;
	if (strcmp(next, "/") != 0) {
		if (ca_url_encode_path(&q, next) != CA_OK ||
		    cJSON_AddStringToObject(ctx, "next_query",
		    ca_buf_str(&q)) == NULL)
			goto out;
	}
	arr = cJSON_AddArrayToObject(ctx, "providers");
	if (arr == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		if (!ps[i].login_route)
			continue;
		o = cJSON_CreateObject();
		if (o == NULL || !cJSON_AddItemToArray(arr, o) ||
		    cJSON_AddStringToObject(o, "name", ps[i].name) == NULL ||
		    cJSON_AddStringToObject(o, "display_name",
		    ps[i].display_name) == NULL)
			goto out;
	}
	rc = ca_route_page(rt, 200, "login", ctx);
	ctx = NULL;
out:
	cJSON_Delete(ctx);
	ca_provider_list_free(ps, n);
	ca_buf_free(&q);
	return rc;
}

int
main(void)
{

	return ca_route_main("/auth/login", fields,
	    sizeof(fields) / sizeof(fields[0]), login);
}
