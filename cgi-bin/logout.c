/*
 * logout.c: /auth/logout -- GET shows a confirmation page with a
 * CSRF-protected form; POST ends the session in the database, clears the
 * cookie and sends the visitor to "/".
 */
#include "csrf.h"
#include "log.h"
#include "route.h"
#include "session.h"

static const struct ca_field fields[] = {
	{ CA_CSRF_FIELD, CA_SRC_FORM, 64, ca_valid_token },
};

static enum ca_err
logout(struct ca_route *rt)
{
	const struct ca_user	*u;
	struct ca_store		*st = NULL;
	enum ca_err		 rc;

	if (rt->req.method == CA_METHOD_GET ||
	    rt->req.method == CA_METHOD_HEAD)
		return ca_route_page_titled(rt, 200, "logout", "Sign out");
	if (rt->req.method != CA_METHOD_POST)
		return ca_route_method(rt, "GET, HEAD, POST");
	if (ca_csrf_check(rt->cfg, &rt->req) != CA_OK)
		return ca_route_fail(rt, 403, "csrf", "Please try again",
		    "The sign-out form had expired or did not come from this "
		    "site. Open the sign-out page again.");
	u = ca_route_user(rt, &rc);
	if (rc != CA_OK)
		return rc;
	if (rt->sid_hash[0] != '\0') {
		rc = ca_route_store(rt, &st);
		if (rc != CA_OK)
			return rc;
	}
	rc = ca_session_end(rt->cfg, st, rt->sid_hash[0] != '\0' ?
	    rt->sid_hash : NULL, &rt->reply);
	if (rc != CA_OK)
		return rc;
	ca_log(rt->name, "logout", "ok", "user=%s", u != NULL ? u->id : "-");
	return ca_reply_redirect(&rt->reply, 303, "/");
}

int
main(void)
{

	return ca_route_main("/auth/logout", fields,
	    sizeof(fields) / sizeof(fields[0]), logout);
}
