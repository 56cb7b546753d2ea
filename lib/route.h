/*
 * route.h: what every CGI route shares, so a route's file holds only its
 * own decisions.
 *
 * ca_route_main() loads the configuration, parses the request against the
 * route's field table, calls the handler, and writes the reply it built;
 * it frees everything before returning, so one process could serve many
 * requests (FastCGI) without any data of one surviving into the next.
 * Handlers reach the database, the signed-in user and the page renderer
 * through the struct ca_route they are given; the database is opened only
 * when first asked for.
 *
 * A handler returns CA_OK when ctx->reply holds the answer.  Any other
 * code makes the runner answer with an error page chosen by the code
 * (CA_EDB: 503, CA_EUPSTREAM and CA_ETIMEOUT: 502, else 500) and log it.
 */
#ifndef CA_ROUTE_H
#define CA_ROUTE_H

#include <cJSON.h>

#include "crypto.h"
#include "err.h"
#include "reply.h"
#include "request.h"
#include "store.h"

struct ca_config;

struct ca_route {
	const char		*name;	/* route for logs, e.g. "/auth/me" */
	const struct ca_config	*cfg;
	struct ca_request	 req;
	struct ca_reply		 reply;
	struct ca_store		*store;	/* NULL until ca_route_store() */
	struct ca_user		 user;	/* valid when user_state is 2 */
	int			 user_state; /* 0 unknown, 1 none, 2 known */
	char			 sid_hash[CA_CRYPTO_SHA256_HEX];
					/* the session's hash, or "" */
};

typedef enum ca_err (*ca_route_fn)(struct ca_route *);

/* The whole life of one request; returns the process exit status. */
int		ca_route_main(const char *name, const struct ca_field *,
		    size_t nfields, ca_route_fn);

/* The database, opened (and indexes ensured) on first use. */
enum ca_err	ca_route_store(struct ca_route *, struct ca_store **) CA_WUR;
/*
 * The signed-in user, or NULL for an anonymous visitor (no cookie, a bad
 * one, or a session that ended).  *rc says CA_OK either way and CA_EDB
 * when the database could not be asked.
 */
const struct ca_user *ca_route_user(struct ca_route *, enum ca_err *rc);

/*
 * Renders templates/<tmpl>.html into the reply with the given status.
 * ctx (consumed, may be NULL) gets "user" (when signed in), "app_name",
 * "site_url" and "csrf_token" added.
 */
enum ca_err	ca_route_page(struct ca_route *, int status,
		    const char *tmpl, cJSON *ctx) CA_WUR;
/* The same for a page whose context is only its title. */
enum ca_err	ca_route_page_titled(struct ca_route *, int status,
		    const char *tmpl, const char *title) CA_WUR;
/*
 * Route protection: the signed-in user, or NULL after filling the reply
 * with a 302 to the login page whose next is here (a same-site path the
 * route names, e.g. "/dashboard").  *rc is CA_OK either way unless the
 * database failed or the reply could not be built.
 */
const struct ca_user *ca_route_require(struct ca_route *, const char *here,
		    enum ca_err *rc);
/*
 * An error page: status, a title, a message (plain text; escaped), and a
 * link back to the login page.  Logs event/outcome with the message.
 */
enum ca_err	ca_route_fail(struct ca_route *, int status,
		    const char *event, const char *title,
		    const char *message) CA_WUR;
/* 405 with an Allow header. */
enum ca_err	ca_route_method(struct ca_route *, const char *allow) CA_WUR;
/*
 * For a route that serves only GET and HEAD: 1 when the request is one
 * of them (*rc CA_OK), else 0 with the 405 built by ca_route_method() and
 * its result in *rc, which the handler returns.
 */
int		ca_route_get_only(struct ca_route *, enum ca_err *rc);
/* The login URL with next (already checked) encoded, into out. */
enum ca_err	ca_route_login_url(const char *next, struct ca_buf *out)
		    CA_WUR;

#endif
