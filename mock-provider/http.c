/*
 * http.c: the mock provider's HTTP/1.1 server (see http.h).
 *
 * The accept loop polls so that a signal handler's stop flag is seen
 * within MOCK_HTTP_POLL_MS; each accepted socket gets a detached thread
 * that reads one request (RFC 9112 sections 2-6: request line, fields,
 * Content-Length framing), calls the handler, writes the answer, logs one
 * line (method, path, status: never a query or body, which carry codes
 * and tokens) and closes.  The server counts running threads so that
 * shutdown can wait for them.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "http.h"
#include "log.h"

/* How often the accept loop looks at the stop flag. */
#define MOCK_HTTP_POLL_MS	200
/* A client that sends nothing for this long is dropped. */
#define MOCK_HTTP_IO_TIMEOUT	10
/* Connections served at once; more get 503. */
#define MOCK_HTTP_CONN_MAX	256
/* Seconds shutdown waits for running requests. */
#define MOCK_HTTP_DRAIN_SEC	5
#define MOCK_HTTP_METHOD_MAX	16

struct mock_http_server {
	pthread_mutex_t		 lock;
	pthread_cond_t		 idle;		/* signalled as active drops */
	size_t			 active;	/* connection threads running */
	mock_http_handler	*handler;
	void			*arg;
};

struct mock_http_conn {
	int			 fd;
	struct mock_http_server	*srv;		/* borrowed */
};

static const char *
reason(int status)
{

	switch (status) {
	case 200:
		return "OK";
	case 302:
		return "Found";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 413:
		return "Content Too Large";
	case 500:
		return "Internal Server Error";
	case 503:
		return "Service Unavailable";
	default:
		return "Unknown";
	}
}

const char *
mock_http_header(const struct mock_http_req *req, const char *name)
{
	size_t	 i;

	for (i = 0; i < req->nheaders; i++)
		if (strcasecmp(req->headers[i].name, name) == 0)
			return req->headers[i].value;
	return NULL;
}

enum ca_err
mock_http_listen(const char *host, int port, int *fd, int *bound)
{
	struct addrinfo		 hints, *res = NULL;
	struct sockaddr_storage	 ss;
	socklen_t		 sl;
	char			 serv[16];
	int			 s = -1, one = 1;
	enum ca_err		 rc = CA_EIO;

	*fd = -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	snprintf(serv, sizeof(serv), "%d", port);
	if (getaddrinfo(host, serv, &hints, &res) != 0 || res == NULL) {
		rc = CA_ECONFIG;
		goto out;
	}
	s = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
	if (s < 0)
		goto out;
	(void)setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, res->ai_addr, res->ai_addrlen) != 0 ||
	    listen(s, 128) != 0)
		goto out;
	sl = sizeof(ss);
	if (getsockname(s, (struct sockaddr *)&ss, &sl) != 0)
		goto out;
	if (ss.ss_family == AF_INET)
		*bound = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	else
		*bound = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	*fd = s;
	s = -1;
	rc = CA_OK;
out:
	if (s >= 0)
		close(s);
	if (res != NULL)
		freeaddrinfo(res);
	return rc;
}

static enum ca_err
write_all(int fd, const char *p, size_t n)
{
	ssize_t	 w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return CA_EIO;
		p += w;
		n -= (size_t)w;
	}
	return CA_OK;
}

/*
 * Writes the answer.  An unframed one has no Content-Length: the body
 * runs to the close (RFC 9112 6.3, last rule), so a client cannot size
 * it up front.
 */
static enum ca_err
write_resp(int fd, const struct mock_http_resp *resp)
{
	struct ca_buf	 h;
	char		 fill[4096];
	size_t		 left, n;
	enum ca_err	 rc;

	ca_buf_init(&h, MOCK_HTTP_HEAD_MAX);
	rc = ca_buf_printf(&h, "HTTP/1.1 %d %s\r\n"
	    "Content-Type: %s\r\nConnection: close\r\n", resp->status,
	    reason(resp->status), resp->ctype);
	if (rc == CA_OK && !resp->unframed)
		rc = ca_buf_printf(&h, "Content-Length: %zu\r\n",
		    resp->body.len + resp->pad);
	if (rc == CA_OK && resp->nostore)
		rc = ca_buf_puts(&h, "Cache-Control: no-store\r\n"
		    "Pragma: no-cache\r\n");
	if (rc == CA_OK && resp->www_auth != NULL)
		rc = ca_buf_printf(&h, "WWW-Authenticate: %s\r\n",
		    resp->www_auth);
	if (rc == CA_OK && resp->location != NULL)
		rc = ca_buf_printf(&h, "Location: %s\r\n", resp->location);
	if (rc == CA_OK)
		rc = ca_buf_puts(&h, "\r\n");
	if (rc == CA_OK)
		rc = write_all(fd, h.data, h.len);
	if (rc == CA_OK && resp->body.len > 0)
		rc = write_all(fd, resp->body.data, resp->body.len);
	memset(fill, 'x', sizeof(fill));
	for (left = resp->pad; rc == CA_OK && left > 0; left -= n) {
		n = left < sizeof(fill) ? left : sizeof(fill);
		rc = write_all(fd, fill, n);
	}
	ca_buf_free(&h);
	return rc;
}

static void
plain(struct mock_http_resp *resp, int status, const char *msg)
{

	resp->status = status;
	resp->ctype = "text/plain; charset=utf-8";
	ca_buf_reset(&resp->body);
	if (ca_buf_printf(&resp->body, "%s\n", msg) != CA_OK)
		ca_buf_reset(&resp->body);
}

static int
is_tchar(char c)
{

	if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Splits the head (NUL-terminated, CRLFs intact) in place into req. */
static int
parse_head(char *head, struct mock_http_req *req, size_t *clen)
{
	char		*line, *next, *p, *colon, *end, *v;
	long		 n;
	int		 have_clen = 0;

	line = head;
	next = strstr(line, "\r\n");
	if (next == NULL)
		return 400;
	*next = '\0';
	next += 2;
	p = strchr(line, ' ');
	if (p == NULL || p == line || p - line >= MOCK_HTTP_METHOD_MAX)
		return 400;
	*p++ = '\0';
	for (v = line; *v != '\0'; v++)
		if (!is_tchar(*v))
			return 400;
	req->method = line;
	req->path = p;
	p = strchr(p, ' ');
	if (p == NULL)
		return 400;
	*p++ = '\0';
	if (strcmp(p, "HTTP/1.1") != 0 && strcmp(p, "HTTP/1.0") != 0)
		return 400;
	if (req->path[0] != '/')
		return 400;
	for (v = (char *)req->path; *v != '\0'; v++)
		if ((unsigned char)*v <= 0x20 || *v == 0x7f || *v == '#')
			return 400;
	v = strchr(req->path, '?');
	req->query = "";
	if (v != NULL) {
		*v = '\0';
		req->query = v + 1;
	}

	*clen = 0;
	req->nheaders = 0;
	for (line = next; *line != '\0'; line = next) {
		next = strstr(line, "\r\n");
		if (next == NULL)
			return 400;
		*next = '\0';
		next += 2;
		if (*line == '\0')
			break;
		colon = strchr(line, ':');
		if (colon == NULL || colon == line)
			return 400;
		*colon = '\0';
		for (v = line; *v != '\0'; v++)
			if (!is_tchar(*v))
				return 400;
		v = colon + 1;
		while (*v == ' ' || *v == '\t')
			v++;
		end = v + strlen(v);
		while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		for (p = v; *p != '\0'; p++)
			if (((unsigned char)*p < 0x20 && *p != '\t') ||
			    *p == 0x7f)
				return 400;
		if (req->nheaders == MOCK_HTTP_HEADERS_MAX)
			return 400;
		req->headers[req->nheaders].name = line;
		req->headers[req->nheaders].value = v;
		req->nheaders++;
		if (strcasecmp(line, "Transfer-Encoding") == 0)
			return 400;
		if (strcasecmp(line, "Content-Length") == 0) {
			if (have_clen || *v < '0' || *v > '9')
				return 400;
			errno = 0;
			n = strtol(v, &end, 10);
			if (errno != 0 || *end != '\0' || n < 0)
				return 413;
			if (n > MOCK_HTTP_BODY_MAX)
				return 413;
			*clen = (size_t)n;
			have_clen = 1;
		}
	}
	return 0;
}

/*
 * Reads and parses one request.  head and body are ca_malloc'd buffers
 * the caller frees; returns 0 or the HTTP status to answer with.
 */
static int
read_req(int fd, char **headp, char **bodyp, struct mock_http_req *req)
{
	char		*head, *body, *eoh;
	size_t		 have = 0, clen, extra;
	ssize_t		 r;
	int		 st;

	*headp = *bodyp = NULL;
	head = ca_malloc(MOCK_HTTP_HEAD_MAX + 1);
	if (head == NULL)
		return 500;
	*headp = head;
	eoh = NULL;
	while (eoh == NULL) {
		if (have == MOCK_HTTP_HEAD_MAX)
			return 413;
		r = recv(fd, head + have, MOCK_HTTP_HEAD_MAX - have, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 408;
		if (r == 0 && have > 0)
			return 400;
		if (r <= 0)
			return -1;
		have += (size_t)r;
		head[have] = '\0';
		if (memchr(head, '\0', have) != NULL)
			return 400;
		eoh = strstr(head, "\r\n\r\n");
	}
	extra = have - (size_t)(eoh + 4 - head);
	eoh[2] = '\0';
	st = parse_head(head, req, &clen);
	if (st != 0)
		return st;
	if (extra > clen)
		return 400;
	body = ca_malloc(clen + 1);
	if (body == NULL)
		return 500;
	*bodyp = body;
	memcpy(body, eoh + 4, extra);
	have = extra;
	while (have < clen) {
		r = recv(fd, body + have, clen - have, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 408;
		if (r == 0)
			return 400;
		if (r < 0)
			return -1;
		have += (size_t)r;
	}
	body[clen] = '\0';
	req->body = body;
	req->bodylen = clen;
	return 0;
}

static void *
conn_main(void *p)
{
	struct mock_http_conn	*c = p;
	struct mock_http_server	*srv = c->srv;
	struct mock_http_req	 req;
	struct mock_http_resp	 resp;
	struct timeval		 tv;
	char			*head = NULL, *body = NULL;
	int			 st;

	tv.tv_sec = MOCK_HTTP_IO_TIMEOUT;
	tv.tv_usec = 0;
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&req, 0, sizeof(req));
	req.method = "-";
	req.path = "-";
	req.query = "";
	req.body = "";
	memset(&resp, 0, sizeof(resp));
	resp.status = 500;
	resp.ctype = "text/plain; charset=utf-8";
	ca_buf_init(&resp.body, MOCK_HTTP_RESP_MAX);

	st = read_req(c->fd, &head, &body, &req);
	if (st == 0) {
		srv->handler(srv->arg, &req, &resp);
	} else if (st > 0) {
		plain(&resp, st, st == 413 ? "mock: request too large" :
		    st == 408 ? "mock: request timed out" :
		    "mock: bad request");
	}
	if (st >= 0) {
		(void)write_resp(c->fd, &resp);
		/* A request that failed to parse is logged as "- -". */
		ca_log("mock-provider", "request",
		    resp.status < 400 ? "ok" : "fail", "%s %s %d",
		    st == 0 ? req.method : "-", st == 0 ? req.path : "-",
		    resp.status);
	}
	shutdown(c->fd, SHUT_WR);
	close(c->fd);
	ca_free(resp.location);
	ca_buf_free(&resp.body);
	ca_free(head);
	ca_free(body);
	ca_free(c);

	pthread_mutex_lock(&srv->lock);
	srv->active--;
	pthread_cond_broadcast(&srv->idle);
	pthread_mutex_unlock(&srv->lock);
	return NULL;
}

static void
refuse_busy(int fd)
{
	static const char	 busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
	    "Content-Type: text/plain\r\nContent-Length: 11\r\n"
	    "Connection: close\r\n\r\nmock: busy\n";

	(void)write_all(fd, busy, sizeof(busy) - 1);
	close(fd);
}

enum ca_err
mock_http_serve(int fd, mock_http_handler *handler, void *arg,
    volatile sig_atomic_t *stop)
{
	struct mock_http_server	*srv;
	struct mock_http_conn	*c;
	struct pollfd		 pfd;
	struct timespec		 until;
	pthread_attr_t		 attr;
	pthread_t		 t;
	int			 s;
	enum ca_err		 rc = CA_OK;

	/* Freed here unless threads outlive the drain (then see http.h). */
	srv = ca_calloc(1, sizeof(*srv));
	if (srv == NULL)
		return CA_ENOMEM;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->idle, NULL);
	srv->handler = handler;
	srv->arg = arg;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);

	while (!*stop) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, MOCK_HTTP_POLL_MS) <= 0)
			continue;
		s = accept(fd, NULL, NULL);
		if (s < 0)
			continue;
		pthread_mutex_lock(&srv->lock);
		if (srv->active >= MOCK_HTTP_CONN_MAX) {
			pthread_mutex_unlock(&srv->lock);
			refuse_busy(s);
			continue;
		}
		srv->active++;
		pthread_mutex_unlock(&srv->lock);
		c = ca_malloc(sizeof(*c));
		if (c != NULL) {
			c->fd = s;
			c->srv = srv;
			/* On success the thread owns c and s. */
			if (pthread_create(&t, &attr, conn_main, c) == 0)
				continue;
			ca_free(c);
		}
		close(s);
		pthread_mutex_lock(&srv->lock);
		srv->active--;
		pthread_mutex_unlock(&srv->lock);
	}

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += MOCK_HTTP_DRAIN_SEC;
	pthread_mutex_lock(&srv->lock);
	while (srv->active > 0)
		if (pthread_cond_timedwait(&srv->idle, &srv->lock,
		    &until) != 0)
			break;
	if (srv->active > 0)
		rc = CA_ETIMEOUT;
	pthread_mutex_unlock(&srv->lock);
	pthread_attr_destroy(&attr);
	if (rc == CA_OK) {
		pthread_cond_destroy(&srv->idle);
		pthread_mutex_destroy(&srv->lock);
		ca_free(srv);
	}
	return rc;
}
