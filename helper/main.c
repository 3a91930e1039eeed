/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgmd's start-up and shut-down.  The order matters and is the design's:
 * discover the hierarchies while the host's view is still visible, take a
 * private mount namespace and mount them there, drop every capability the
 * daemon does not need, and only then open the socket to clients.  Errors
 * before the socket exists go to stderr and the exit status; a daemonized
 * cgmd tells its parent through a pipe once it serves.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bus.h"
#include "cgmconf.h"
#include "cgroup.h"
#include "daemon.h"
#include "hierarchy.h"
#include "log.h"
#include "privileges.h"
#include "server.h"
#include "user-limits.h"
#include "workers.h"

struct options {
	const char *socket_path;
	const char *pidfile;
	const char *mount_root;
	const char *controllers;
	const char *skip;
	const char *conf;
	const char *root;
	const char *bus_name; /* --system-bus: the name to own, else NULL */
	bool foreground;
	int log_level;
	unsigned workers;
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: cgmd [OPTION]...\n"
		     "The cgm cgroup manager daemon.\n\n"
		     "  -s, --socket PATH       listen on PATH (default " CGM_DEFAULT_SOCKET ")\n"
		     "  -f, --foreground        stay in the foreground and log to stderr\n"
		     "  -c, --controllers LIST  manage only these hierarchies (comma-separated)\n"
		     "  -S, --skip LIST         leave these hierarchies out\n"
		     "  -m, --mount-root DIR    mount the hierarchies below DIR (default " CGM_RUN_DIR "/fs)\n"
		     "  -p, --pidfile PATH      write the pid to PATH (default " CGM_RUN_DIR "/cgmd.pid)\n"
		     "  -r, --root PATH|auto    manage only the subtree PATH of every hierarchy; auto: the\n"
		     "                          cgroup cgmd starts in (systemd Delegate=yes); default: all\n"
		     "  -B, --system-bus        also serve on the system bus as " CGM_BUS_NAME "\n"
		     "                          ($DBUS_SYSTEM_BUS_ADDRESS, else the standard socket)\n"
		     "      --bus-name NAME     own NAME there instead\n"
		     "  -C, --conf PATH         limits to set at login: PATH and PATH.d/*.conf\n"
		     "                          (default " CGMCONF_DEFAULT "; re-read on SIGHUP)\n"
		     "  -w, --workers N         threads that run requests (default: one per CPU, at most 8;\n"
		     "                          0: all in the main loop)\n"
		     "  -l, --log-level LEVEL   err, warning, notice (default), info or debug\n"
		     "  -h, --help              show this help\n"
		     "  -V, --version           show the version\n");
}

/* Returns 0 to go on, 1 when done (help, version), -1 on a usage error. */
static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},      {"foreground", no_argument, NULL, 'f'},
		{"controllers", required_argument, NULL, 'c'}, {"skip", required_argument, NULL, 'S'},
		{"mount-root", required_argument, NULL, 'm'},  {"pidfile", required_argument, NULL, 'p'},
		{"log-level", required_argument, NULL, 'l'},   {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},	       {"conf", required_argument, NULL, 'C'},
		{"root", required_argument, NULL, 'r'},	       {"system-bus", no_argument, NULL, 'B'},
		{"bus-name", required_argument, NULL, 'N'},    {"workers", required_argument, NULL, 'w'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	*o = (struct options){
		.socket_path = CGM_DEFAULT_SOCKET,
		.pidfile = CGM_RUN_DIR "/cgmd.pid",
		.mount_root = CGM_RUN_DIR "/fs",
		.conf = CGMCONF_DEFAULT,
		.log_level = LOG_NOTICE,
		.workers = workers_default_count(),
	};
	while ((opt = getopt_long(argc, argv, "s:fc:S:m:p:l:hVC:r:Bw:", longopts, NULL)) != -1) {
		switch (opt) {
		case 's':
			o->socket_path = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'c':
			o->controllers = optarg;
			break;
		case 'S':
			o->skip = optarg;
			break;
		case 'm':
			o->mount_root = optarg;
			break;
		case 'p':
			o->pidfile = optarg;
			break;
		case 'C':
			o->conf = optarg;
			break;
		case 'r':
			o->root = optarg;
			break;
		case 'B':
			if (!o->bus_name)
				o->bus_name = CGM_BUS_NAME;
			break;
		case 'N':
			o->bus_name = optarg;
			break;
		case 'w': {
			char *end;
			unsigned long n = strtoul(optarg, &end, 10);

			if (!*optarg || *end || n > 64) {
				fprintf(stderr, "cgmd: --workers takes a number from 0 to 64, not '%s'\n", optarg);
				return -1;
			}
			o->workers = (unsigned)n;
			break;
		}
		case 'l':
			o->log_level = log_level_from_string(optarg);
			if (o->log_level < 0) {
				fprintf(stderr, "cgmd: unknown log level '%s'\n", optarg);
				return -1;
			}
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("cgmd %s\n", PACKAGE_VERSION);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "cgmd: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	if (o->root && o->root[0] != '/' && strcmp(o->root, "auto") != 0) {
		fprintf(stderr, "cgmd: --root takes an absolute cgroup path or \"auto\"\n");
		return -1;
	}
	if (o->socket_path[0] != '/' || o->mount_root[0] != '/' || o->pidfile[0] != '/' || o->conf[0] != '/') {
		fprintf(stderr, "cgmd: --socket, --mount-root, --pidfile and --conf take absolute paths\n");
		return -1;
	}
	return 0;
}

/* mkdir -p with `mode` for the directories it makes. */
static int make_dirs(const char *path, mode_t mode, struct failure *err)
{
	char buf[4096];

	if (strlen(path) >= sizeof(buf))
		return failf(err, FAIL_INVALID_PATH, "%s: path too long", path);
	strcpy(buf, path);
	for (char *p = buf + 1;; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;

			*p = '\0';
			if (mkdir(buf, mode) < 0 && errno != EEXIST)
				return fail_errno(err, errno, "mkdir %s", buf);
			*p = c;
			if (!c)
				return 0;
		}
	}
}

/*
 * Refuses to start next to a running daemon: one that answers on the
 * socket keeps it; a socket nobody answers on is stale and removed.
 */
static int claim_socket(const char *path, struct failure *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, rc;
	char *slash, dir[sizeof(sa.sun_path)];

	if (strlen(path) >= sizeof(sa.sun_path))
		return failf(err, FAIL_INVALID_PATH, "socket path %s is too long", path);
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail_errno(err, errno, "socket");
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (rc == 0)
		return failf(err, FAIL_BUSY, "another cgmd is already serving on %s", path);
	if (errno == ECONNREFUSED && unlink(path) < 0 && errno != ENOENT)
		return fail_errno(err, errno, "removing stale socket %s", path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		return make_dirs(dir, 0755, err);
	}
	return 0;
}

/* Many clients each hold a connection: allow as many descriptors as the hard limit does. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			log_warning("cannot raise the open-file limit: %s", strerror(errno));
	}
}

/*
 * On cgroup v2 a cgroup that passes controllers to its children may hold
 * no process itself, and the managed root must be able to (systemd's rule
 * for a delegated subtree, too): a daemon that starts inside its root
 * moves to a leaf "cgmd" below it.  v1 has no such rule.
 */
static int leave_root(const struct hierarchy_set *set, struct failure *err)
{
	char **own = hierarchies_pid_cgroups(set, getpid(), err);
	int rc = own ? 0 : -1;

	for (size_t i = 0; rc == 0 && i < set->n; i++) {
		const struct hierarchy *h = &set->items[i];
		int fd = -1;

		if (!h->unified || !h->root || !own[i] || strcmp(own[i], "/") != 0)
			continue;
		rc = cg_create_at(h, h->root_fd, "cgmd", 0, 0, &fd, err) < 0 ? -1 : cg_attach(h, fd, getpid(), err);
		if (fd >= 0)
			close(fd);
		if (rc == 0)
			log_info("moved to %s/cgmd in %s: the root it manages holds no process", h->root, h->name);
	}
	free(own);
	return rc;
}

/* Takes a private mount namespace and mounts the hierarchies in it (see hierarchy.h). */
static int enter_private_mounts(struct hierarchy_set *set, const char *mount_root, struct failure *err)
{
	if (unshare(CLONE_NEWNS) < 0)
		return fail_errno(err, errno, "unshare(CLONE_NEWNS)");
	/* Without this, the mounts below would propagate back to the host. */
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		return fail_errno(err, errno, "making / private");
	if (make_dirs(mount_root, 0700, err) < 0)
		return -1;
	return hierarchies_mount(set, mount_root, err);
}

/*
 * Double fork and setsid.  The original process waits on `ready_fd`'s
 * other end and exits 0 once the daemon reports it serves, 1 if it dies
 * first; returns the write end in the daemon, -1 on failure.
 */
static int daemonize(struct failure *err)
{
	int pipefd[2], null;
	char byte;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return fail_errno(err, errno, "pipe");
	pid = fork();
	if (pid < 0)
		return fail_errno(err, errno, "fork");
	if (pid > 0) {
		close(pipefd[1]);
		_exit(read(pipefd[0], &byte, 1) == 1 ? 0 : 1);
	}
	close(pipefd[0]);
	if (setsid() < 0)
		return fail_errno(err, errno, "setsid");
	pid = fork();
	if (pid < 0)
		return fail_errno(err, errno, "fork");
	if (pid > 0)
		_exit(0);
	if (chdir("/") < 0)
		return fail_errno(err, errno, "chdir /");
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	return pipefd[1];
}

static int write_pidfile(const char *path, struct failure *err)
{
	char buf[32];
	int fd, len;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return fail_errno(err, errno, "creating %s", path);
	len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)len) != len) {
		close(fd);
		return fail_errno(err, errno, "writing %s", path);
	}
	close(fd);
	return 0;
}

/* SIGTERM and SIGINT (stop) and SIGHUP (reload) arrive on a descriptor the main loop polls. */
static int signals_fd(struct failure *err)
{
	sigset_t mask;
	int fd;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
		return fail_errno(err, errno, "sigprocmask");
	fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return fail_errno(err, errno, "signalfd");
	return fd;
}

int main(int argc, char **argv)
{
	struct hierarchy_set set = {0};
	struct daemon_state d = {.set = &set};
	struct failure err = {0};
	struct server *srv = NULL;
	struct options o;
	int rc, stop_fd = -1, ready_fd = -1, status = 1;
	bool pidfile_written = false;

	rc = parse_options(argc, argv, &o);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	if (geteuid() != 0) {
		fprintf(stderr, "cgmd: must be started as root (it manages cgroups on behalf of every user)\n");
		return 1;
	}
	log_open(true, o.log_level);
	raise_fd_limit();

	d.socket_path = o.socket_path;
	d.workers = o.workers;
	d.started_ms = daemon_now_ms();
	/* Signals are blocked before the socket exists, so a stop request is never lost. */
	if ((stop_fd = signals_fd(&err)) < 0 || limits_init(&d.limits, o.conf, &err) < 0 ||
	    claim_socket(o.socket_path, &err) < 0 || hierarchies_discover(&set, o.controllers, o.skip, &err) < 0 ||
	    hierarchies_set_roots(&set, o.root, &err) < 0 || enter_private_mounts(&set, o.mount_root, &err) < 0 ||
	    leave_root(&set, &err) < 0 || cg_watch_init(&err) < 0 || cg_watch_recover(&set, o.socket_path, &err) < 0 ||
	    privileges_drop(&err) < 0 || server_new(&d, &srv, &err) < 0 ||
	    (o.bus_name && server_add_bus(srv, o.bus_name, &err) < 0))
		goto out;
	if (!o.foreground) {
		ready_fd = daemonize(&err);
		if (ready_fd < 0)
			goto out;
		log_open(false, o.log_level);
	}
	if (write_pidfile(o.pidfile, &err) < 0)
		goto out;
	pidfile_written = true;
	log_notice("cgmd %s serving %zu hierarchies on %s%s%s with %u worker threads (limits: %zu rules from %s)",
		   PACKAGE_VERSION, set.n, o.socket_path, o.bus_name ? " and on the system bus as " : "",
		   o.bus_name ? o.bus_name : "", d.workers, d.limits.conf.n, o.conf);
	if (ready_fd >= 0) {
		(void)!write(ready_fd, "", 1);
		close(ready_fd);
		ready_fd = -1;
	}
	if (server_run(srv, stop_fd, &err) < 0)
		goto out;
	log_notice("stopping after %llu requests (%llu refused)", d.requests, d.refused);
	status = 0;
out:
	if (status != 0)
		log_error("%s", err.message[0] ? err.message : "failed");
	server_free(srv);
	if (pidfile_written)
		unlink(o.pidfile);
	cg_watch_done();
	limits_free(&d.limits);
	hierarchies_free(&set);
	if (stop_fd >= 0)
		close(stop_fd);
	log_close();
	return status;
}
