/*
 * http.h: a tiny HTTP/1.1 server for the mock provider (RFC 9112).
 *
 * One detached thread per connection, one request per connection, and
 * "Connection: close" on every answer.  The request line and headers may
 * take MOCK_HTTP_HEAD_MAX bytes and the body, framed by Content-Length
 * only, MOCK_HTTP_BODY_MAX; past either the client gets 413, and any
 * malformed request 400, before the handler sees it.  No TLS, no chunked
 * bodies, no keep-alive: it serves tests and a developer's browser.
 */
#ifndef MOCK_HTTP_H
#define MOCK_HTTP_H

#include <signal.h>
#include <stddef.h>

#include "buf.h"
#include "err.h"

/* Request line plus headers (RFC 9112 section 2.3 leaves it to us). */
#define MOCK_HTTP_HEAD_MAX	(16 * 1024)
/* Content-Length past this is refused with 413. */
#define MOCK_HTTP_BODY_MAX	(64 * 1024)
/* Header fields per request. */
#define MOCK_HTTP_HEADERS_MAX	64
/* Response bodies (a handler's pad bytes are not counted). */
#define MOCK_HTTP_RESP_MAX	(256 * 1024)

struct mock_http_header {
	const char	*name;	/* as sent; compare case-insensitively */
	const char	*value;	/* leading and trailing blanks removed */
};

/* A parsed request; every pointer is owned by the server thread. */
struct mock_http_req {
	const char		*method;	/* "GET", "POST", ... */
	const char		*path;		/* raw, starts with '/' */
	const char		*query;		/* raw, after '?'; "" if none */
	struct mock_http_header	 headers[MOCK_HTTP_HEADERS_MAX];
	size_t			 nheaders;
	const char		*body;		/* NUL-terminated copy */
	size_t			 bodylen;
};

/*
 * The answer a handler fills in.  The server initialises it (status 500,
 * empty body), writes it and frees location and body afterwards.
 */
struct mock_http_resp {
	int		 status;
	const char	*ctype;		/* static string */
	const char	*www_auth;	/* static WWW-Authenticate, or NULL */
	char		*location;	/* ca_malloc'd Location, or NULL */
	int		 nostore;	/* add Cache-Control: no-store */
	int		 unframed;	/* no Content-Length: close ends it */
	size_t		 pad;		/* this many 'x' follow the body */
	struct ca_buf	 body;
};

typedef void	 mock_http_handler(void *arg, const struct mock_http_req *,
		    struct mock_http_resp *);

/* The value of header name (case-insensitive), borrowed, or NULL. */
const char	*mock_http_header(const struct mock_http_req *,
		    const char *name);

/*
 * Binds a listening TCP socket on host:port (port 0 picks one).  *fd is
 * the socket, which the caller closes; *bound is the port in use.
 */
enum ca_err	 mock_http_listen(const char *host, int port, int *fd,
		    int *bound) CA_WUR;

/*
 * Accepts connections on fd and hands each request to handler(arg, ...)
 * on its own thread, until *stop becomes non-zero.  Then it waits a few
 * seconds for running requests; CA_OK means none is left, so arg may be
 * freed.  CA_ETIMEOUT means some still run: the caller must leave arg
 * alone and end the process at once with _exit(2).
 */
enum ca_err	 mock_http_serve(int fd, mock_http_handler *handler,
		    void *arg, volatile sig_atomic_t *stop) CA_WUR;

#endif
