/*
 * main.c: the mock-provider command.
 *
 *	mock-provider --port N [--host 127.0.0.1] --fixtures FILE
 *	    [--ready-file PATH]
 *
 * Loads the fixture, listens, writes the port to the ready file (so a
 * test may pass --port 0), serves until SIGTERM or SIGINT and then stops
 * cleanly, removing the ready file.  It is a development and test tool:
 * it speaks plain HTTP and keeps everything in memory.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixture.h"
#include "http.h"
#include "provider.h"

#define MOCK_PORT_MAX	65535

static volatile sig_atomic_t	 stop_flag;

static void
on_signal(int sig)
{

	(void)sig;
	stop_flag = 1;
}

static void
usage(FILE *fp)
{

	fprintf(fp, "usage: mock-provider --port N [--host ADDR] "
	    "--fixtures FILE [--ready-file PATH]\n"
	    "  --port N          TCP port, 0 for any free one\n"
	    "  --host ADDR       address to listen on and to name in the "
	    "issuer\n                    (default 127.0.0.1)\n"
	    "  --fixtures FILE   clients and users, e.g. "
	    "fixtures/mock-provider/users.json\n"
	    "  --ready-file PATH written with the port once listening\n");
}

static int
parse_port(const char *s, int *port)
{
	char	*end;
	long	 v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > MOCK_PORT_MAX)
		return -1;
	*port = (int)v;
	return 0;
}

static int
write_ready(const char *path, int port)
{
	FILE	*fp;
	int	 ok;

	fp = fopen(path, "w");
	if (fp == NULL)
		return -1;
	ok = fprintf(fp, "%d\n", port) > 0;
	if (fclose(fp) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

int
main(int argc, char *argv[])
{
	struct mock_fixture	*fx = NULL;
	struct mock_provider	*p = NULL;
	struct sigaction	 sa;
	const char		*host = "127.0.0.1", *fixtures = NULL;
	const char		*ready = NULL;
	int			 i, port = -1, bound, fd = -1;
	int			 ready_written = 0, rc = 1;
	enum ca_err		 err;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			usage(stderr);
			return 2;
		}
		if (strcmp(argv[i], "--port") == 0) {
			if (parse_port(argv[++i], &port) != 0) {
				fprintf(stderr, "mock-provider: --port wants "
				    "0-%d\n", MOCK_PORT_MAX);
				return 2;
			}
		} else if (strcmp(argv[i], "--host") == 0)
			host = argv[++i];
		else if (strcmp(argv[i], "--fixtures") == 0)
			fixtures = argv[++i];
		else if (strcmp(argv[i], "--ready-file") == 0)
			ready = argv[++i];
		else {
			usage(stderr);
			return 2;
		}
	}
	if (port < 0 || fixtures == NULL || host[0] == '\0') {
		usage(stderr);
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	if (mock_fixture_load(fixtures, &fx) != CA_OK)
		goto out;
	err = mock_http_listen(host, port, &fd, &bound);
	if (err != CA_OK) {
		fprintf(stderr, "mock-provider: cannot listen on %s:%d: %s\n",
		    host, port, err == CA_ECONFIG ? "bad address" :
		    strerror(errno));
		goto out;
	}
	if (mock_provider_new(fx, host, bound, &stop_flag, &p) != CA_OK) {
		fprintf(stderr, "mock-provider: out of memory\n");
		goto out;
	}
	if (ready != NULL) {
		if (write_ready(ready, bound) != 0) {
			fprintf(stderr, "mock-provider: %s: %s\n", ready,
			    strerror(errno));
			goto out;
		}
		ready_written = 1;
	}
	fprintf(stderr, "mock-provider: %zu users, listening on "
	    "http://%s:%d\n", fx->nusers, host, bound);
	err = mock_http_serve(fd, mock_provider_handle, p, &stop_flag);
	if (err == CA_ETIMEOUT) {
		/* Threads still use p and fx: leave them, end at once. */
		fprintf(stderr, "mock-provider: requests still running, "
		    "exiting\n");
		if (ready_written)
			unlink(ready);
		_exit(0);
	}
	if (err != CA_OK)
		goto out;
	fprintf(stderr, "mock-provider: stopped\n");
	rc = 0;
out:
	if (ready_written)
		unlink(ready);
	if (fd >= 0)
		close(fd);
	mock_provider_free(p);
	mock_fixture_free(fx);
	return rc;
}
