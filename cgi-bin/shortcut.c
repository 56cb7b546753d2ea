/*
 * shortcut.c: GET /auth/{provider} -- the short form the guide's
 * templates use (/auth/google): 302 to /auth/login/provider/{provider},
 * keeping next, for registered login providers only; 404 otherwise.  The
 * web server sends the reserved names (login, provider, logout, me,
 * check, magic-link) to their own routes before this one.
 */
#include <string.h>

#include "next.h"
#include "provider.h"
#include "log.h"
#include "route.h"

static const struct ca_field fields[] = {
	{ "next", CA_SRC_QUERY, 2048, ca_valid_printable },
};

static enum ca_err
shortcut(struct ca_route *rt)
{
	struct ca_provider	*p = NULL;
	struct ca_buf		 loc;
	const char		*name, *next;
	char			 err[CA_PROVIDER_ERR_MAX];
	enum ca_err		 rc;

	ca_buf_init(&loc, 8192);
	if (!ca_route_get_only(rt, &rc))
		goto out;
	name = rt->req.path_info[0] == '/' ? rt->req.path_info + 1 : "";
	if (ca_valid_name(name, strlen(name)) != CA_OK) {
		rc = ca_route_fail(rt, 404, "route", "Page not found",
		    "There is nothing at this address.");
		goto out;
	}
	rc = ca_provider_find(rt->cfg, name, &p, err, sizeof(err));
	if (rc == CA_ENOTFOUND || (rc == CA_OK && !p->login_route)) {
		rc = ca_route_fail(rt, 404, "provider", "Unknown sign-in "
		    "provider", "This site has no sign-in provider of that "
		    "name.");
		goto out;
	}
	if (rc != CA_OK) {
		ca_log(rt->name, "provider", "fail", "%s", err);
		goto out;
	}
	next = ca_next_safe(ca_request_get(&rt->req, "next"));
	rc = ca_buf_printf(&loc, "/auth/login/provider/%s", name);
	if (rc == CA_OK && strcmp(next, "/") != 0) {
		rc = ca_buf_puts(&loc, "?next=");
		if (rc == CA_OK)
			rc = ca_url_encode_path(&loc, next);
	}
	if (rc == CA_OK)
		rc = ca_reply_redirect(&rt->reply, 302, ca_buf_str(&loc));
out:
	ca_provider_free(p);
	ca_buf_free(&loc);
	return rc;
}

int
main(void)
{

	return ca_route_main("/auth/{provider}", fields,
	    sizeof(fields) / sizeof(fields[0]), shortcut);
}
