/*
 * harness.c: forks and execs the servers a Check suite runs against, waits
 * until they accept TCP connections on 127.0.0.1, and stops them.
 *
 * Each child gets its own process group (so a stop reaches anything it
 * forked), PR_SET_PDEATHSIG(SIGTERM) (so it dies with the test program,
 * even one that crashed), stdin and stdout on /dev/null, and stderr in
 * $TMPDIR/cgiauth-test-<name>-<pid>.log unless CGIAUTH_TEST_VERBOSE is set.
 * Between fork and exec the child calls only async-signal-safe functions;
 * everything it needs is prepared before the fork.  It does not know what
 * the servers are: server-specific starters (devdb here, lighttpd and the
 * mock provider elsewhere) sit on top of ca_harness_spawn().
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "err.h"
#include "harness.h"

extern char **environ;

/* How often readiness and exit are polled. */
#define POLL_INTERVAL_MS	50
/* Most bytes of a log file ca_harness_dump_log() copies. */
#define DUMP_MAX		(64 * 1024)
/* How often devdb is tried on a new port if the last one was taken. */
#define DEVDB_ATTEMPTS		3
/* The interpreter devdb runs under (Debian's, not a pyenv shim). */
#define DEVDB_PYTHON		"/usr/bin/python3"
/* The source tree, when neither CGIAUTH_ROOT nor the Makefile names it. */
#ifndef CA_SOURCE_ROOT
#define CA_SOURCE_ROOT		"."
#endif
/* Longest path built from CGIAUTH_ROOT or TMPDIR. */
#define PATH_MAX_LEN		1024

static long
now_ms(void)
{
	struct timespec	 ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(long ms)
{
	struct timespec	 ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/* Returns 1 if the child has exited (it stays a zombie, unreaped). */
static int
child_exited(pid_t pid)
{
	siginfo_t	 info;

	memset(&info, 0, sizeof(info));
	if (waitid(P_PID, (id_t)pid, &info,
	    WEXITED | WNOHANG | WNOWAIT) == -1)
		return errno == ECHILD;
	return info.si_pid == pid;
}

/* Returns 0 if something accepts a TCP connection on 127.0.0.1:port. */
static int
try_connect(int port)
{
	struct sockaddr_in	 sin;
	int			 fd, rc;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	rc = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	(void)close(fd);
	return rc == 0 ? 0 : -1;
}

enum ca_err
ca_harness_free_port(int *port)
{
	struct sockaddr_in	 sin;
	socklen_t		 len;
	int			 fd = -1;
	enum ca_err		 rc = CA_EIO;

	if (port == NULL)
		return CA_EINVAL;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd == -1)
		goto out;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = 0;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		goto out;
	len = sizeof(sin);
	if (getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
		goto out;
	*port = ntohs(sin.sin_port);
	rc = CA_OK;
out:
	if (fd != -1)
		(void)close(fd);
	return rc;
}

/* Length of the NAME in "NAME=value", or 0 if there is no '='. */
static size_t
env_name_len(const char *s)
{
	const char	*eq;

	eq = strchr(s, '=');
	return eq == NULL ? 0 : (size_t)(eq - s);
}

/*
 * Returns environ with the "NAME=value" strings of extra added, each
 * replacing a variable of the same name, in an array the caller frees with
 * ca_free() (the strings themselves are borrowed); NULL on exhaustion.
 */
static char **
env_build(char *const extra[])
{
	char	**env;
	size_t	  nenv = 0, nextra = 0, i, j, k = 0;

	while (environ != NULL && environ[nenv] != NULL)
		nenv++;
	while (extra != NULL && extra[nextra] != NULL)
		nextra++;
	env = ca_calloc(nenv + nextra + 1, sizeof(*env));
	if (env == NULL)
		return NULL;
	for (i = 0; i < nenv; i++) {
		size_t	 len = env_name_len(environ[i]);
		int	 replaced = 0;

		for (j = 0; j < nextra && len > 0; j++)
			if (env_name_len(extra[j]) == len &&
			    strncmp(environ[i], extra[j], len) == 0)
				replaced = 1;
		if (!replaced)
			env[k++] = environ[i];
	}
	for (j = 0; j < nextra; j++)
		env[k++] = extra[j];
	env[k] = NULL;
	return env;
}

/*
 * Runs in the child between fork and exec, so only async-signal-safe calls.
 * Never returns.
 */
static void
child_exec(pid_t parent, int logfd, char *const argv[], char *const envp[])
{
	static const char	 msg[] = "harness: execve failed\n";
	sigset_t		 none;
	int			 devnull;

	(void)setpgid(0, 0);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(127);
	(void)sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	devnull = open("/dev/null", O_RDWR);
	if (devnull == -1)
		_exit(127);
	if (dup2(devnull, STDIN_FILENO) == -1 ||
	    dup2(devnull, STDOUT_FILENO) == -1)
		_exit(127);
	if (logfd != -1 && dup2(logfd, STDERR_FILENO) == -1)
		_exit(127);
	execve(argv[0], argv, envp);
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) == -1)
		_exit(127);
	_exit(127);
}

/* getenv("TMPDIR") or "/tmp"; never NULL. */
static const char *
tmp_dir(void)
{
	const char	*s;

	s = getenv("TMPDIR");
	return s != NULL && s[0] != '\0' ? s : "/tmp";
}

/*
 * Creates and opens a unique temporary log file for name, close-on-exec;
 * its path goes into path.  Returns the descriptor, or -1.
 */
static int
log_open(const char *name, char *path, size_t size)
{
	int	 fd, n;

	n = snprintf(path, size, "%s/cgiauth-test-%s-%ld.XXXXXX", tmp_dir(),
	    name, (long)getpid());
	if (n < 0 || (size_t)n >= size)
		return -1;
	fd = mkstemp(path);
	if (fd == -1)
		return -1;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) == -1) {
		(void)close(fd);
		(void)unlink(path);
		return -1;
	}
	return fd;
}

enum ca_err
ca_harness_spawn(struct ca_harness_proc *p, const char *name,
    char *const argv[], char *const envp_extra[], int port, int timeout_ms)
{
	char		  tmp_log[CA_HARNESS_LOG_MAX];
	char		**env = NULL;
	const char	 *why = "did not start";
	size_t		  namelen, i;
	long		  deadline;
	pid_t		  parent, pid;
	int		  logfd = -1, n, verbose;
	enum ca_err	  rc = CA_EINVAL;

	if (p == NULL)
		return CA_EINVAL;
	p->pid = -1;
	p->port = port;
	p->name[0] = '\0';
	p->log[0] = '\0';
	if (name == NULL || argv == NULL || argv[0] == NULL ||
	    port < 1 || port > 65535 || timeout_ms < 0)
		goto out;
	namelen = strlen(name);
	if (namelen == 0 || namelen >= sizeof(p->name) ||
	    strchr(name, '/') != NULL)
		goto out;
	memcpy(p->name, name, namelen + 1);
	for (i = 0; envp_extra != NULL && envp_extra[i] != NULL; i++)
		if (env_name_len(envp_extra[i]) == 0)
			goto out;

	rc = CA_ENOMEM;
	env = env_build(envp_extra);
	if (env == NULL)
		goto out;
	verbose = getenv("CGIAUTH_TEST_VERBOSE") != NULL;
	rc = CA_EIO;
	if (!verbose) {
		logfd = log_open(name, tmp_log, sizeof(tmp_log));
		if (logfd == -1)
			goto out;
	}

	parent = getpid();
	pid = fork();
	if (pid == -1)
		goto out;
	if (pid == 0)
		child_exec(parent, logfd, argv, env);
	/* Also here, so a stop right away cannot miss the group. */
	(void)setpgid(pid, pid);
	p->pid = pid;
	if (logfd != -1) {
		/* Name the log by the child now that its pid is known. */
		n = snprintf(p->log, sizeof(p->log),
		    "%s/cgiauth-test-%s-%ld.log", tmp_dir(), name, (long)pid);
		if (n < 0 || (size_t)n >= sizeof(p->log) ||
		    rename(tmp_log, p->log) == -1)
			memcpy(p->log, tmp_log, strlen(tmp_log) + 1);
	}

	rc = CA_ETIMEOUT;
	deadline = now_ms() + timeout_ms;
	for (;;) {
		if (child_exited(pid)) {
			rc = CA_EIO;
			why = "exited before accepting connections";
			break;
		}
		if (try_connect(port) == 0) {
			rc = CA_OK;
			break;
		}
		if (now_ms() >= deadline) {
			why = "timed out waiting for its port";
			break;
		}
		sleep_ms(POLL_INTERVAL_MS);
	}
out:
	if (rc != CA_OK && p->name[0] != '\0') {
		(void)fprintf(stderr, "harness: %s on port %d %s (%s); "
		    "log: %s\n", p->name, port, why, ca_strerror(rc),
		    p->log[0] != '\0' ? p->log : "stderr");
		ca_harness_stop(p);
		ca_harness_dump_log(p);
	}
	if (logfd != -1)
		(void)close(logfd);
	ca_free(env);
	return rc;
}

void
ca_harness_stop(struct ca_harness_proc *p)
{
	long	 deadline;
	int	 status;

	if (p == NULL || p->pid <= 0)
		return;
	(void)kill(-p->pid, SIGTERM);
	deadline = now_ms() + CA_HARNESS_STOP_TIMEOUT_MS;
	while (!child_exited(p->pid) && now_ms() < deadline)
		sleep_ms(POLL_INTERVAL_MS / 5);
	/*
	 * The leader is a zombie now or still running: either way its group
	 * id cannot be reused yet, so this reaches only what it left behind
	 * (or it, if SIGTERM was not enough).
	 */
	(void)kill(-p->pid, SIGKILL);
	while (waitpid(p->pid, &status, 0) == -1 && errno == EINTR)
		continue;
	p->pid = -1;
}

void
ca_harness_dump_log(const struct ca_harness_proc *p)
{
	char	 buf[4096];
	ssize_t	 n;
	size_t	 total = 0;
	int	 fd;

	if (p == NULL || p->log[0] == '\0')
		return;
	fd = open(p->log, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return;
	(void)fprintf(stderr, "---- %s (%s) ----\n", p->name, p->log);
	while (total < DUMP_MAX) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		(void)fwrite(buf, 1, (size_t)n, stderr);
		total += (size_t)n;
	}
	(void)fprintf(stderr, "---- end of %s ----\n", p->name);
	(void)close(fd);
}

enum ca_err
ca_harness_devdb_start(struct ca_harness_proc *p)
{
	char		 script[PATH_MAX_LEN], portstr[16];
	char		*argv[5];
	char		*extra[] = { "PYTHONUNBUFFERED=1",
			    "PYTHONDONTWRITEBYTECODE=1", NULL };
	int		 attempt, port, n;
	enum ca_err	 rc = CA_EINVAL;

	if (p == NULL)
		return CA_EINVAL;
	p->pid = -1;
	n = snprintf(script, sizeof(script), "%s/devdb/devdb.py",
	    ca_harness_root_dir());
	if (n < 0 || (size_t)n >= sizeof(script))
		return CA_ETOOBIG;
	if (access(script, R_OK) == -1) {
		(void)fprintf(stderr, "harness: %s not found; run from the "
		    "repository root or set CGIAUTH_ROOT\n", script);
		return CA_ENOTFOUND;
	}
	for (attempt = 0; attempt < DEVDB_ATTEMPTS; attempt++) {
		rc = ca_harness_free_port(&port);
		if (rc != CA_OK)
			return rc;
		n = snprintf(portstr, sizeof(portstr), "%d", port);
		if (n < 0 || (size_t)n >= sizeof(portstr))
			return CA_EINVAL;
		argv[0] = DEVDB_PYTHON;
		argv[1] = script;
		argv[2] = "--port";
		argv[3] = portstr;
		argv[4] = NULL;
		rc = ca_harness_spawn(p, "devdb", argv, extra, port,
		    CA_HARNESS_SPAWN_TIMEOUT_MS);
		/* Only an early exit (port taken meanwhile) merits a retry. */
		if (rc != CA_EIO)
			break;
	}
	return rc;
}

enum ca_err
ca_harness_devdb_uri(const struct ca_harness_proc *p, char *buf,
    size_t size)
{
	int	 n;

	if (p == NULL || buf == NULL || size == 0 || p->port < 1)
		return CA_EINVAL;
	n = snprintf(buf, size, "mongodb://127.0.0.1:%d/", p->port);
	if (n < 0 || (size_t)n >= size)
		return CA_ETOOBIG;
	return CA_OK;
}

const char *
ca_harness_build_dir(void)
{
	const char	*s;

	s = getenv("CGIAUTH_BUILD");
	return s != NULL && s[0] != '\0' ? s : "build";
}

const char *
ca_harness_root_dir(void)
{
	const char	*s;

	s = getenv("CGIAUTH_ROOT");
	return s != NULL && s[0] != '\0' ? s : CA_SOURCE_ROOT;
}
