/*
 * harness.h: starting and stopping real servers from Check suites.
 *
 * A suite spawns each server it needs (devdb, lighttpd, the mock provider)
 * on a free port in an unchecked fixture, and stops it in the matching
 * teardown.  ca_harness_spawn() is generic: it forks and execs any program
 * in its own process group, with stdout on /dev/null and stderr in a log
 * file (or inherited when CGIAUTH_TEST_VERBOSE is set), and returns once a
 * TCP connect to 127.0.0.1:port succeeds.  The child asks the kernel for
 * SIGTERM when the test program dies, so a crashed suite leaves no server
 * behind.  CGIAUTH_ROOT names the source tree (else the Makefile's
 * CA_SOURCE_ROOT, else "."); CGIAUTH_BUILD names the build directory.
 */
#ifndef CA_HARNESS_H
#define CA_HARNESS_H

#include <sys/types.h>

#include <stddef.h>

#include "err.h"

/* Longest server name, with its NUL. */
#define CA_HARNESS_NAME_MAX	32
/* Longest log file path, with its NUL. */
#define CA_HARNESS_LOG_MAX	512
/* How long a server may take to accept connections (busy CI machines). */
#define CA_HARNESS_SPAWN_TIMEOUT_MS	20000
/* How long a server may take to leave after SIGTERM, before SIGKILL. */
#define CA_HARNESS_STOP_TIMEOUT_MS	5000

/*
 * pid is the child and its process group id, -1 when none runs; port is
 * the 127.0.0.1 port it listens on; name is for messages and the log file
 * name; log is the path of its stderr, "" when inherited.
 */
struct ca_harness_proc {
	pid_t	 pid;
	int	 port;
	char	 name[CA_HARNESS_NAME_MAX];
	char	 log[CA_HARNESS_LOG_MAX];
};

/*
 * Binds 127.0.0.1:0, reads the port the kernel chose and closes the
 * socket, so the port is free but not reserved.
 */
enum ca_err	ca_harness_free_port(int *port) CA_WUR;

/*
 * Starts argv[0] (a path; no PATH search) with argv, the current
 * environment plus envp_extra ("NAME=value" strings overriding variables
 * of the same name; NULL for none), and waits up to timeout_ms for
 * 127.0.0.1:port to accept.  On CA_OK p describes the running child and
 * the caller must ca_harness_stop() it; on error nothing is left running,
 * p->pid is -1, and a message naming the log file is on stderr.  Nothing
 * is allocated that outlives the call.
 */
enum ca_err	ca_harness_spawn(struct ca_harness_proc *p, const char *name,
		    char *const argv[], char *const envp_extra[], int port,
		    int timeout_ms) CA_WUR;

/*
 * SIGTERM to the child's process group, up to CA_HARNESS_STOP_TIMEOUT_MS
 * for it to leave, then SIGKILL; reaps the child.  Safe on a struct that
 * was never started or is already stopped (pid -1).  The log file stays.
 */
void		ca_harness_stop(struct ca_harness_proc *p);

/* Copies the child's log file to stderr, for a failing test. */
void		ca_harness_dump_log(const struct ca_harness_proc *p);

/*
 * Starts devdb (/usr/bin/python3 <root>/devdb/devdb.py --port <free>) and
 * returns with it accepting connections; retries on a port taken in the
 * meantime.  Stop it with ca_harness_stop().
 */
enum ca_err	ca_harness_devdb_start(struct ca_harness_proc *p) CA_WUR;

/*
 * Writes "mongodb://127.0.0.1:<port>/" for a started devdb into buf;
 * CA_ETOOBIG if size is too small.
 */
enum ca_err	ca_harness_devdb_uri(const struct ca_harness_proc *p,
		    char *buf, size_t size) CA_WUR;

/* getenv("CGIAUTH_BUILD") or "build"; never NULL. */
const char	*ca_harness_build_dir(void);

/* getenv("CGIAUTH_ROOT"), else CA_SOURCE_ROOT, else "."; never NULL. */
const char	*ca_harness_root_dir(void);

#endif
