/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libcgm: the client library of the cgm cgroup manager.  It speaks
 * peer-to-peer D-Bus to cgmd over a Unix socket (DESIGN.md §2).
 *
 * Conventions:
 *  - every function returns 0 (or a documented non-negative value) on
 *    success and a negative CGM_E* code on failure; cgm_errmsg() then says
 *    what failed and why, in one line;
 *  - `c` is a hierarchy spec: "all", one hierarchy name, or a
 *    comma-separated list; `cg` is a cgroup path resolved beneath the
 *    caller's own cgroup ("" is that cgroup itself);
 *  - strings and arrays returned through ret_* are malloc'd and belong to
 *    the caller (free with free(), cgm_strv_free(), cgm_keys_free());
 *  - the library never prints, never exits and never aborts.
 *
 * Threads: a struct cgm is not thread-safe; use one connection per thread
 * (cgm_errmsg(NULL) is per thread).  Connections are close-on-exec.
 * SIGPIPE: libcgm never changes its disposition and never raises it.
 */
#ifndef CGM_H
#define CGM_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes (negative return values). */
enum {
	CGM_OK = 0,
	CGM_EPERM = -1,	     /* org.cgm.Error.PermissionDenied */
	CGM_ENOENT = -2,     /* org.cgm.Error.NotFound */
	CGM_EPATH = -3,	     /* org.cgm.Error.InvalidPath */
	CGM_EKEY = -4,	     /* org.cgm.Error.InvalidKey */
	CGM_EVALUE = -5,     /* org.cgm.Error.InvalidValue */
	CGM_EBUSY = -6,	     /* org.cgm.Error.Busy */
	CGM_EHIERARCHY = -7, /* org.cgm.Error.UnknownHierarchy */
	CGM_EFAILED = -8,    /* org.cgm.Error.Failed or any other error the daemon named */
	CGM_ECONNECT = -9,   /* the daemon could not be reached */
	CGM_ETIMEOUT = -10,  /* no answer within the connection's timeout */
	CGM_ENOMEM = -11,    /* out of memory */
	CGM_EINVAL = -12,    /* bad argument to a library function */
	CGM_EPROTOCOL = -13, /* the daemon's reply was not what the API promises */
};

/* The daemon's socket in a standard build; the library uses the one it was configured with. */
#define CGM_DEFAULT_SOCKET_PATH "/run/cgm/sock"
#define CGM_DEFAULT_TIMEOUT_MS	5000

struct cgm;

/*
 * Connects to the daemon at `socket_path`; NULL or "" means $CGM_SOCKET
 * (ignored in setuid/setgid programs), else the daemon's default socket
 * (CGM_DEFAULT_SOCKET_PATH unless configured otherwise).  On
 * failure returns NULL and, when ret_err is not NULL, stores the error code
 * there (CGM_ECONNECT, CGM_ETIMEOUT, ...); cgm_errmsg(NULL) then describes it.
 * Connecting and authenticating take at most CGM_DEFAULT_TIMEOUT_MS, or
 * timeout_ms with cgm_connect_timeout(), which also becomes the
 * connection's call timeout.
 */
struct cgm *cgm_connect(const char *socket_path, int *ret_err);
struct cgm *cgm_connect_timeout(const char *socket_path, int timeout_ms, int *ret_err);
void cgm_disconnect(struct cgm *conn);

/*
 * Every call waits at most this long for the daemon, then fails with
 * CGM_ETIMEOUT; timeout_ms <= 0 means CGM_DEFAULT_TIMEOUT_MS.
 */
void cgm_set_timeout(struct cgm *conn, int timeout_ms);
int cgm_get_timeout(const struct cgm *conn);

/* The message of the last failed call on `conn` (or of the last cgm_connect() in this thread when NULL). */
const char *cgm_errmsg(const struct cgm *conn);
/* Short fixed text for an error code, e.g. "permission denied". */
const char *cgm_strerror(int err);

/* --- org.linuxcontainers.cgmanager0_0 --- */
int cgm_ping(struct cgm *conn);
int cgm_api_version(struct cgm *conn, int *ret_version);
int cgm_get_pid_cgroup(struct cgm *conn, const char *c, pid_t pid, char **ret_cgroup);
int cgm_get_pid_cgroup_abs(struct cgm *conn, const char *c, pid_t pid, char **ret_cgroup);
/* Returns 1 if the cgroup already existed, 0 if it was created. */
int cgm_create(struct cgm *conn, const char *c, const char *cg);
int cgm_chown(struct cgm *conn, const char *c, const char *cg, uid_t uid, gid_t gid);
/* file "" or NULL: the cgroup directory itself. */
int cgm_chmod(struct cgm *conn, const char *c, const char *cg, const char *file, mode_t mode);
int cgm_move_pid(struct cgm *conn, const char *c, const char *cg, pid_t pid);
int cgm_move_pid_abs(struct cgm *conn, const char *c, const char *cg, pid_t pid);
int cgm_get_value(struct cgm *conn, const char *c, const char *cg, const char *key, char **ret_value);
int cgm_set_value(struct cgm *conn, const char *c, const char *cg, const char *key, const char *value);
/* Returns 1 if it was removed, 0 if it did not exist. */
int cgm_remove(struct cgm *conn, const char *c, const char *cg, int recursive);
int cgm_get_tasks(struct cgm *conn, const char *c, const char *cg, pid_t **ret_pids, size_t *ret_n);
int cgm_get_tasks_recursive(struct cgm *conn, const char *c, const char *cg, pid_t **ret_pids, size_t *ret_n);
/* NULL-terminated arrays of names. */
int cgm_list_children(struct cgm *conn, const char *c, const char *cg, char ***ret_names);
int cgm_list_controllers(struct cgm *conn, char ***ret_names);
int cgm_remove_on_empty(struct cgm *conn, const char *c, const char *cg);
int cgm_prune(struct cgm *conn, const char *c, const char *cg);

struct cgm_key {
	char *name;
	uid_t uid;
	gid_t gid;
	mode_t mode;
};
int cgm_list_keys(struct cgm *conn, const char *c, const char *cg, struct cgm_key **ret_keys, size_t *ret_n);
void cgm_keys_free(struct cgm_key *keys, size_t n);

/* --- org.cgm.Manager1 --- */

/*
 * Login placement in one round trip (host root only): create `user_cg`
 * (a leading "/" means the real root of each hierarchy) and delegate it to
 * uid/gid, create the next free numbered child, move the process of `pidfd`
 * in, mark it remove-on-empty.  *ret_session_cg is the session cgroup path.
 * pidfd CGM_SELF places the process that opened the connection, with no
 * descriptor to pass: on a new connection that saves a round trip.
 */
#define CGM_SELF (-2)
int cgm_open_session(struct cgm *conn, const char *c, const char *user_cg, uid_t uid, gid_t gid, int pidfd,
		     char **ret_session_cg);
int cgm_move_pidfd(struct cgm *conn, const char *c, const char *cg, int pidfd);
int cgm_get_pidfd_cgroup(struct cgm *conn, const char *c, int pidfd, char **ret_cgroup);
int cgm_kill(struct cgm *conn, const char *c, const char *cg, int signal);
int cgm_freeze(struct cgm *conn, const char *c, const char *cg);
int cgm_thaw(struct cgm *conn, const char *c, const char *cg);
/*
 * Sets the daemon's cgm.conf limits for `uid` on `cg` (host root only; a
 * leading "/" means the top of the daemon's view, as in cgm_open_session).
 * cgm_open_session does this itself; this is for placements made without it.
 */
int cgm_apply_limits(struct cgm *conn, const char *c, const char *cg, uid_t uid);

/*
 * The daemon's status (anyone may ask).  Strings are never NULL; a field the
 * daemon did not report is 0 or "".  Fields may be added at the end: the
 * library allocates the struct, free it with cgm_status_free().
 */
struct cgm_status {
	char *version;
	int api_version;
	pid_t pid;
	unsigned long long uptime_s;
	char **hierarchies; /* NULL-terminated */
	char **roots;	    /* the managed root of each hierarchy, same order ("/" for the whole hierarchy) */
	unsigned long clients;
	unsigned long long requests;
	unsigned long long refused;
	char *socket;
	char *system_bus_name; /* "" unless it serves on the system bus */
	char *conf;	       /* the limits file */
	unsigned long limit_rules;
	unsigned long conf_reloads;
};
int cgm_status(struct cgm *conn, struct cgm_status **ret_status);
void cgm_status_free(struct cgm_status *status);

void cgm_strv_free(char **strv);

#ifdef __cplusplus
}
#endif

#endif
