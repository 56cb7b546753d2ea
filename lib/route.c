/*
 * route.c: the life of one CGI request (see route.h).  The order is
 * fixed: configuration, then the request, then the handler, then one
 * write of the reply, then every resource freed in reverse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "config.h"
#include "csrf.h"
#include "log.h"
#include "route.h"
#include "session.h"
#include "template.h"

/* A configuration error message, at most. */
#define CA_ROUTE_ERR_MAX	256

enum ca_err
ca_route_store(struct ca_route *rt, struct ca_store **out)
{
	enum ca_err	 rc;

	if (rt->store == NULL) {
		rc = ca_store_open(rt->cfg, &rt->store);
		if (rc != CA_OK)
			return rc;
	}
	*out = rt->store;
	return CA_OK;
}

const struct ca_user *
ca_route_user(struct ca_route *rt, enum ca_err *rcp)
{
	struct ca_store	*st;
	const char	*cookie;
	char		 uid[CA_STORE_OID_HEX];
	enum ca_err	 rc = CA_OK;

	if (rt->user_state != 0)
		goto out;
	rt->user_state = 1;
	cookie = ca_request_cookie(&rt->req,
	    ca_config_get(rt->cfg, CA_SET_SESSION_COOKIE_NAME));
	if (cookie == NULL || *cookie == '\0')
		goto out;
	/* A cookie that is not ours costs no database round trip. */
	if (ca_session_parse(rt->cfg, cookie, rt->sid_hash) != CA_OK) {
		rt->sid_hash[0] = '\0';
		goto out;
	}
	rc = ca_route_store(rt, &st);
	if (rc != CA_OK)
		goto out;
	rc = ca_store_session_get(st, rt->sid_hash, uid);
	if (rc == CA_ENOTFOUND || rc == CA_EEXPIRED) {
		rt->sid_hash[0] = '\0';
		rc = CA_OK;
		goto out;
	}
	if (rc != CA_OK)
		goto out;
	rc = ca_store_user_get(st, uid, &rt->user);
	if (rc == CA_ENOTFOUND) {
		/* The user was deleted: the session means nothing now. */
		rc = CA_OK;
		goto out;
	}
	if (rc == CA_OK)
		rt->user_state = 2;
out:
	if (rcp != NULL)
		*rcp = rc;
	return rt->user_state == 2 ? &rt->user : NULL;
}

static enum ca_err
ca_route_addstr(cJSON *o, const char *k, const char *v)
{

	if (v == NULL)
		return CA_OK;
	return cJSON_AddStringToObject(o, k, v) != NULL ? CA_OK : CA_ENOMEM;
}

enum ca_err
ca_route_page(struct ca_route *rt, int status, const char *tmpl,
    cJSON *ctx)
{
	const struct ca_user	*u;
	const cJSON		*app;
	cJSON			*uj;
	char			 tok[CA_CRYPTO_TOKEN_LEN];
	enum ca_err		 rc;

	if (ctx == NULL)
		ctx = cJSON_CreateObject();
	if (ctx == NULL)
		return CA_ENOMEM;
	u = ca_route_user(rt, &rc);
	if (rc != CA_OK)
		goto out;
	if (u != NULL) {
		uj = cJSON_AddObjectToObject(ctx, "user");
		if (uj == NULL) {
			rc = CA_ENOMEM;
			goto out;
		}
		rc = ca_route_addstr(uj, "id", u->id);
		if (rc == CA_OK)
			rc = ca_route_addstr(uj, "email", u->email);
		if (rc == CA_OK)
			rc = ca_route_addstr(uj, "name", u->name != NULL ?
			    u->name : u->email);
		if (rc == CA_OK)
			rc = ca_route_addstr(uj, "picture", u->picture);
		if (rc != CA_OK)
			goto out;
	}
	app = cJSON_GetObjectItemCaseSensitive(rt->cfg->tune, "app_name");
	rc = ca_route_addstr(ctx, "app_name", cJSON_IsString(app) ?
	    app->valuestring : "cgiauth");
	if (rc != CA_OK)
		goto out;
	rc = ca_route_addstr(ctx, "site_url",
	    ca_config_get(rt->cfg, CA_SET_SITE_URL));
	if (rc != CA_OK)
		goto out;
	rc = ca_csrf_token(rt->cfg, &rt->req, &rt->reply, tok);
	if (rc != CA_OK)
		goto out;
	rc = ca_route_addstr(ctx, "csrf_token", tok);
	if (rc != CA_OK)
		goto out;
	ca_buf_reset(&rt->reply.body);
	rc = ca_template_render_file(ca_config_get(rt->cfg,
	    CA_SET_TEMPLATES_DIR), tmpl, ctx, &rt->reply.body);
	if (rc != CA_OK) {
		ca_log(rt->name, "template", "fail", "%s.html in %s: %s", tmpl,
		    ca_config_get(rt->cfg, CA_SET_TEMPLATES_DIR),
		    ca_strerror(rc));
		rc = CA_ECONFIG;
		goto out;
	}
	rt->reply.status = status;
	rt->reply.ctype = "text/html; charset=utf-8";
out:
	cJSON_Delete(ctx);
	return rc;
}

enum ca_err
ca_route_page_titled(struct ca_route *rt, int status, const char *tmpl,
    const char *title)
{
	cJSON	*ctx;

	ctx = cJSON_CreateObject();
	if (ctx == NULL ||
	    cJSON_AddStringToObject(ctx, "title", title) == NULL) {
		cJSON_Delete(ctx);
		return CA_ENOMEM;
	}
	return ca_route_page(rt, status, tmpl, ctx);
}

const struct ca_user *
ca_route_require(struct ca_route *rt, const char *here, enum ca_err *rc)
{
	const struct ca_user	*u;
	struct ca_buf		 loc;

	u = ca_route_user(rt, rc);
	if (u != NULL || *rc != CA_OK)
		return u;
	ca_buf_init(&loc, CA_REQUEST_QUERY_MAX);
	*rc = ca_route_login_url(here, &loc);
	if (*rc == CA_OK)
		*rc = ca_reply_redirect(&rt->reply, 302, ca_buf_str(&loc));
	ca_buf_free(&loc);
	return NULL;
}

enum ca_err
ca_route_fail(struct ca_route *rt, int status, const char *event,
    const char *title, const char *message)
{
	cJSON	*ctx;

	ca_log(rt->name, event, "fail", "%d %s", status, message);
	ca_reply_reset(&rt->reply);
	ctx = cJSON_CreateObject();
	if (ctx == NULL || cJSON_AddStringToObject(ctx, "title", title) ==
	    NULL || cJSON_AddStringToObject(ctx, "message", message) ==
	    NULL) {
		cJSON_Delete(ctx);
		return CA_ENOMEM;
	}
	return ca_route_page(rt, status, "error", ctx);
}

enum ca_err
ca_route_method(struct ca_route *rt, const char *allow)
{
	enum ca_err	 rc;

	rc = ca_route_fail(rt, 405, "method", "Method not allowed",
	    "This address does not accept that kind of request.");
	if (rc != CA_OK)
		return rc;
	return ca_reply_header(&rt->reply, "Allow", allow);
}

int
ca_route_get_only(struct ca_route *rt, enum ca_err *rc)
{

	*rc = CA_OK;
	if (rt->req.method == CA_METHOD_GET ||
	    rt->req.method == CA_METHOD_HEAD)
		return 1;
	*rc = ca_route_method(rt, "GET, HEAD");
	return 0;
}

enum ca_err
ca_route_login_url(const char *next, struct ca_buf *out)
{
	enum ca_err	 rc;

	rc = ca_buf_puts(out, "/auth/login");
	if (rc != CA_OK || next == NULL || strcmp(next, "/") == 0)
		return rc;
	rc = ca_buf_puts(out, "?next=");
	if (rc != CA_OK)
		return rc;
	return ca_url_encode_path(out, next);
}

/* The last resort when even the error page cannot be drawn. */
static void
ca_route_plain(struct ca_route *rt, int status, const char *text)
{

	ca_reply_reset(&rt->reply);
	if (ca_reply_text(&rt->reply, status, text) != CA_OK)
		rt->reply.status = status;
}

static void
ca_route_error(struct ca_route *rt, enum ca_err rc)
{
	int		 status;
	const char	*title, *msg;

	switch (rc) {
	case CA_EDB:
		status = 503;
		title = "Sign-in is unavailable";
		msg = "The site cannot reach its database right now. "
		    "Please try again in a minute.";
		break;
	case CA_EUPSTREAM:
	case CA_ETIMEOUT:
		status = 502;
		title = "The sign-in provider did not answer";
		msg = "The provider could not be reached or answered with "
		    "an error. Please try again.";
		break;
	case CA_ETOOBIG:
		status = 413;
		title = "Request too large";
		msg = "The request was larger than this site accepts.";
		break;
	case CA_EPARSE:
		status = 400;
		title = "Bad request";
		msg = "The request could not be understood.";
		break;
	case CA_ECONFIG:
		status = 500;
		title = "Sign-in is misconfigured";
		msg = "The site's authentication is not configured "
		    "correctly. The server's error log says what to fix.";
		break;
	default:
		status = 500;
		title = "Something went wrong";
		msg = "The site could not complete the request.";
		break;
	}
	ca_log(rt->name, "request", "error", "%s", ca_strerror(rc));
	if (ca_route_fail(rt, status, "request", title, msg) != CA_OK)
		ca_route_plain(rt, status, msg);
}

int
ca_route_main(const char *name, const struct ca_field *fields,
    size_t nfields, ca_route_fn fn)
{
	struct ca_config	*cfg = NULL;
	struct ca_route		 rt;
	char			 err[CA_ROUTE_ERR_MAX];
	const char		*key, *method;
	size_t			 keylen;
	enum ca_err		 rc;

	memset(&rt, 0, sizeof(rt));
	rt.name = name;
	ca_reply_init(&rt.reply);
	rc = ca_config_load(&cfg, err, sizeof(err));
	if (rc != CA_OK) {
		ca_log(name, "config", "fail", "%s", err);
		ca_route_plain(&rt, 500, "The site's authentication is not "
		    "configured correctly. The server's error log says "
		    "what to fix.\n");
		goto write;
	}
	rt.cfg = cfg;
	/* Outside development a bad SESSION_KEY stops every route. */
	rc = ca_config_session_key(cfg, &key, &keylen);
	if (rc != CA_OK) {
		ca_route_plain(&rt, 500, "The site's SESSION_KEY is missing "
		    "or a placeholder; the server's error log says more.\n");
		goto write;
	}
	rc = ca_request_parse_cgi(&rt.req, fields, nfields);
	if (rc != CA_OK) {
		ca_route_error(&rt, rc);
		goto write;
	}
	rc = fn(&rt);
	if (rc != CA_OK)
		ca_route_error(&rt, rc);
write:
	/* The database first: see ca_store_shutdown() for why. */
	ca_store_user_free(&rt.user);
	ca_store_close(rt.store);
	ca_store_shutdown();
	/* Read again: a request that failed to parse was freed whole. */
	method = getenv("REQUEST_METHOD");
	if (ca_reply_write(&rt.reply, stdout, method != NULL &&
	    strcmp(method, "HEAD") == 0) != CA_OK)
		ca_log(name, "reply", "fail", "cannot write the response");
	ca_request_free(&rt.req);
	ca_reply_free(&rt.reply);
	ca_config_free(cfg);
	return 0;
}
