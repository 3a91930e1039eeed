/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pam_cgm: the PAM session module that gives every login its own cgroup,
 * <base>/<user>/<n> in every hierarchy, with <base>/<user> delegated to the
 * user (DESIGN.md §4).  It asks cgmd through libcgm and never touches
 * cgroupfs itself.  It runs inside sshd, login and su: every failure is one
 * pam_syslog line and a PAM error, nothing here exits, prints or waits
 * longer than the configured timeout per request.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <pwd.h>
#include <grp.h>
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <security/pam_modutil.h>

#include "args.h"
#include "cgm.h"
#include "cgmconf.h"

/* pam_set_data() key of the session cgroup opened by this handle. */
#define DATA_SESSION "pam_cgm_session"
/* The environment variable that names the session cgroup to the login and to a later close. */
#define ENV_SESSION "CGM_SESSION"
/* systemd's per-user manager opens its own PAM session; systemd, not cgm, places it. */
#define SYSTEMD_USER_SERVICE "systemd-user"
/* Session numbers tried before giving up when placing without OpenSession (nodelegate). */
#define MAX_SESSION_TRIES 1000

/* The build hides every symbol; the entry points are the module's whole interface (pam_cgm.sym). */
#define PCG_EXPORT __attribute__((visibility("default")))

/* pcg_report_fn for the parsers: one syslog line per skipped argument or line. */
__attribute__((format(printf, 2, 3))) static void report_syslog(void *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pam_vsyslog(ctx, LOG_WARNING, fmt, ap);
	va_end(ap);
}

static bool user_in_group(void *pamh, const char *user, const char *group)
{
	return pam_modutil_user_in_group_nam_nam(pamh, user, group) == 1;
}

static void free_data(pam_handle_t *pamh, void *data, int error_status)
{
	free(data);
}

static struct cgm *connect_daemon(pam_handle_t *pamh, const struct pcg_args *args, const char *what)
{
	struct cgm *conn;
	int err;

	/* The timeout bounds connecting and every call: a login never hangs on a stuck daemon. */
	conn = cgm_connect_timeout(args->socket, args->timeout_ms, &err);
	if (!conn)
		pam_syslog(pamh, LOG_ERR, "%s: cannot reach cgmd: %s", what, cgm_errmsg(NULL));
	return conn;
}

/* Whether comma-separated `list` has the `n`-byte item `item`. */
static bool list_has(const char *list, const char *item, size_t n)
{
	for (const char *p = list; *p;) {
		size_t m = strcspn(p, ",");

		if (m == n && strncmp(p, item, n) == 0)
			return true;
		p += m + (p[m] == ',');
	}
	return false;
}

/*
 * Whether hierarchy `h` ("memory", "cpu,cpuacct", "unified") is among
 * `controllers` ("all" or a comma-separated list): every controller of h
 * must be listed.
 */
static bool hierarchy_selected(const char *controllers, const char *h)
{
	if (strcmp(controllers, "all") == 0)
		return true;
	for (const char *p = h; *p;) {
		size_t n = strcspn(p, ",");

		if (!list_has(controllers, p, n))
			return false;
		p += n + (p[n] == ',');
	}
	return true;
}

/*
 * The daemon resolves a leading "/" from the real root only in
 * OpenSession; every other request resolves it beneath the caller's own
 * cgroup.  The requests made before OpenSession (limits, nodelegate's
 * placement) reach an absolute base only where this process sits at the
 * top of hierarchy `h`: refuse rather than act on a cgroup the login will
 * not be in.
 */
static int check_base_reachable(pam_handle_t *pamh, struct cgm *conn, const char *base, const char *h)
{
	char *own = NULL;
	int r;

	if (base[0] != '/')
		return 0;
	r = cgm_get_pid_cgroup_abs(conn, h, getpid(), &own);
	if (r < 0) {
		pam_syslog(pamh, LOG_ERR, "cannot tell this process's cgroup in %s: %s", h, cgm_errmsg(conn));
	} else if (strcmp(own, "/") != 0) {
		pam_syslog(pamh, LOG_ERR,
			   "base=%s with limits or nodelegate needs this process in the root cgroup of %s, not in %s; "
			   "use a relative base",
			   base, h, own);
		r = CGM_EPATH;
	}
	free(own);
	return r;
}

/*
 * The managed hierarchies among `controllers`, each checked with
 * check_base_reachable(): the ones to address one by one.
 */
static int selected_hierarchies(pam_handle_t *pamh, struct cgm *conn, const struct pcg_args *args, char ***ret_names)
{
	char **all = NULL;
	size_t n = 0;
	int r;

	if ((r = cgm_list_controllers(conn, &all)) < 0) {
		pam_syslog(pamh, LOG_ERR, "cannot list hierarchies: %s", cgm_errmsg(conn));
		return r;
	}
	for (size_t i = 0; all[i]; i++) {
		if (!hierarchy_selected(args->controllers, all[i])) {
			free(all[i]);
			continue;
		}
		all[n++] = all[i];
		if (r == 0)
			r = check_base_reachable(pamh, conn, args->base, all[n - 1]);
	}
	all[n] = NULL;
	if (r < 0) {
		cgm_strv_free(all);
		return r;
	}
	*ret_names = all;
	return 0;
}

/*
 * Whether a hierarchy may have file `key`: the unified one, or a v1 one
 * whose controllers include the key's prefix ("memory" for memory.*).  v1
 * "cgroup.*" files are no limits.  Saves a refused request per hierarchy
 * that cannot have the key.
 */
static bool hierarchy_may_have(const char *h, const char *key)
{
	return strcmp(h, "unified") == 0 || list_has(h, key, strcspn(key, "."));
}

/*
 * The deprecated conf= argument: the module itself sets the limits of that
 * one file on the user cgroup, creating it first (cgmd applies its own
 * cgm.conf in OpenSession; this runs before, so cgmd's win on a shared
 * key).  Done as root before the session is opened, so the files stay
 * root's and the user, owning only the directory and the delegation
 * files, cannot raise them.
 * A key no selected hierarchy has is skipped with a notice; anything else
 * the daemon refuses fails the login, since a configured limit that is not
 * in place must not pass silently.
 */
static int apply_limits(pam_handle_t *pamh, struct cgm *conn, const struct pcg_args *args, const char *user_cg,
			uid_t uid, const struct cgmconf_limits *limits)
{
	char **hierarchies = NULL;
	int r, status = 0;

	if ((r = selected_hierarchies(pamh, conn, args, &hierarchies)) < 0)
		return r;
	if ((r = cgm_create(conn, args->controllers, user_cg)) < 0) {
		pam_syslog(pamh, LOG_ERR, "cannot create %s to set limits on: %s", user_cg, cgm_errmsg(conn));
		cgm_strv_free(hierarchies);
		return r;
	}
	/*
	 * A user cgroup just made on cgroup v2 has no controller files until
	 * the cgroups above it pass their controllers down, which OpenSession
	 * does; ApplyLimits does it now (and sets cgmd's own limits, which
	 * OpenSession sets again).  Host root only: elsewhere the limits whose
	 * files are missing are skipped, as before.
	 */
	if ((r = cgm_apply_limits(conn, args->controllers, user_cg, uid)) == CGM_EPERM) {
		pam_syslog(pamh, LOG_NOTICE, "controllers not passed down to %s before its limits: %s", user_cg,
			   cgm_errmsg(conn));
	} else if (r < 0) {
		pam_syslog(pamh, LOG_ERR, "cannot prepare %s for its limits: %s", user_cg, cgm_errmsg(conn));
		cgm_strv_free(hierarchies);
		return r;
	}
	for (size_t i = 0; i < limits->n && status == 0; i++) {
		const struct cgmconf_limit *l = &limits->v[i];
		int applied = 0;

		for (char **h = hierarchies; *h && status == 0; h++) {
			if (!hierarchy_may_have(*h, l->key))
				continue;
			r = cgm_set_value(conn, *h, user_cg, l->key, l->value);
			if (r == 0) {
				applied++;
				if (args->debug)
					pam_syslog(pamh, LOG_DEBUG, "%s: %s %s = %s", *h, user_cg, l->key, l->value);
			} else if (r != CGM_EKEY && r != CGM_ENOENT) {
				pam_syslog(pamh, LOG_ERR, "cannot set %s to \"%s\" on %s in %s: %s", l->key, l->value,
					   user_cg, *h, cgm_errmsg(conn));
				status = r;
			}
		}
		if (!applied && status == 0)
			pam_syslog(pamh, LOG_NOTICE, "limit %s: no hierarchy has this file; skipped", l->key);
	}
	cgm_strv_free(hierarchies);
	return status;
}

/*
 * Removes the sessions below `user_cg` that hold no process anywhere: a
 * recursive Remove refuses (Busy) a tree with a process in it and then
 * changes nothing, so live sessions and their cgroups are left alone.
 */
static void remove_dead_sessions(struct cgm *conn, const char *c, const char *user_cg)
{
	char **children = NULL, *path;

	if (cgm_list_children(conn, c, user_cg, &children) < 0)
		return;
	for (char **p = children; *p; p++) {
		if (strspn(*p, "0123456789") != strlen(*p) || asprintf(&path, "%s/%s", user_cg, *p) < 0)
			continue;
		cgm_remove(conn, c, path, 1);
		free(path);
	}
	cgm_strv_free(children);
}

/* The smallest session number not among `names` (children of the user cgroup), from `from` on. */
static unsigned long first_free_number(char **names, unsigned long from)
{
	for (unsigned long n = from;; n++) {
		char buf[32];
		bool used = false;

		snprintf(buf, sizeof(buf), "%lu", n);
		for (char **p = names; p && *p && !used; p++)
			used = strcmp(*p, buf) == 0;
		if (!used)
			return n;
	}
}

/*
 * nodelegate: the placement OpenSession makes, without its Chown, in
 * separate requests (OpenSession always delegates), the daemon's limits
 * included.  Create is atomic, so a concurrent login that takes the same
 * number makes this one try the next.
 */
static int open_session_nodelegate(struct cgm *conn, const char *c, const char *user_cg, uid_t uid, int pidfd,
				   char **ret_session_cg)
{
	char **children = NULL, *session = NULL;
	unsigned long n = 1;
	int r;

	if ((r = cgm_create(conn, c, user_cg)) < 0 || (r = cgm_apply_limits(conn, c, user_cg, uid)) < 0)
		return r;
	/*
	 * A mark made before the move (below) is armed on v1 only by the
	 * daemon's periodic sweep, so a short session can outlive its process
	 * there: take such leftovers away before counting.
	 */
	remove_dead_sessions(conn, c, user_cg);
	if ((r = cgm_list_children(conn, c, user_cg, &children)) < 0)
		return r;
	for (int tries = 0; tries < MAX_SESSION_TRIES; tries++, n++) {
		n = first_free_number(children, n);
		free(session);
		if (asprintf(&session, "%s/%lu", user_cg, n) < 0) {
			session = NULL;
			r = CGM_ENOMEM;
			break;
		}
		if ((r = cgm_create(conn, c, session)) != 1)
			break;
	}
	cgm_strv_free(children);
	if (r == 1)
		r = CGM_EBUSY;
	/*
	 * Marked before the move: once this process is in, the session is its
	 * own cgroup, which no request can name.  The daemon leaves a marked
	 * cgroup alone until it has seen it populated.
	 */
	if (r == 0 && (r = cgm_remove_on_empty(conn, c, session)) == 0 &&
	    (r = cgm_move_pidfd(conn, c, session, pidfd)) == 0) {
		*ret_session_cg = session;
		return 0;
	}
	free(session);
	return r;
}

/*
 * Places this process (the session leader) and returns the session cgroup:
 * with OpenSession for the connection's own process (CGM_SELF: one round
 * trip, no descriptor), or with nodelegate's separate requests, which move
 * it by a pidfd.
 */
static int place_login(pam_handle_t *pamh, struct cgm *conn, const struct pcg_args *args, const char *user_cg,
		       const struct passwd *pw, char **ret_session_cg)
{
	int pidfd, r;

	if (!args->nodelegate) {
		r = cgm_open_session(conn, args->controllers, user_cg, pw->pw_uid, pw->pw_gid, CGM_SELF,
				     ret_session_cg);
	} else {
		char **checked = NULL;

		pidfd = (int)syscall(SYS_pidfd_open, getpid(), 0);
		if (pidfd < 0) {
			pam_syslog(pamh, LOG_ERR, "pidfd_open: %m");
			return CGM_EFAILED;
		}
		r = selected_hierarchies(pamh, conn, args, &checked);
		cgm_strv_free(checked);
		if (r < 0) { /* it said what it refused */
			close(pidfd);
			return r;
		}
		r = open_session_nodelegate(conn, args->controllers, user_cg, pw->pw_uid, pidfd, ret_session_cg);
		close(pidfd);
	}
	if (r < 0)
		pam_syslog(pamh, LOG_ERR, "cannot open a cgroup session for %s in %s: %s", pw->pw_name, user_cg,
			   cgm_errmsg(conn));
	return r;
}

/* The user's cgroup path below the base, with pattern= expanded. */
static char *user_cgroup(pam_handle_t *pamh, const struct pcg_args *args, const struct passwd *pw)
{
	const struct group *gr =
		pcg_pattern_names_group(args->pattern) ? pam_modutil_getgrgid(pamh, pw->pw_gid) : NULL;
	char gid[32], *expanded, *ret;

	snprintf(gid, sizeof(gid), "%lu", (unsigned long)pw->pw_gid);
	expanded = pcg_expand_pattern(args->pattern, pw->pw_name, pw->pw_uid, gr ? gr->gr_name : gid, pw->pw_gid);
	if (!expanded) {
		pam_syslog(pamh, LOG_ERR, "pattern \"%s\" gives no valid cgroup name for %s", args->pattern,
			   pw->pw_name);
		return NULL;
	}
	ret = pcg_user_cgroup(args->base, expanded);
	free(expanded);
	return ret;
}

/*
 * Who logs in, or NULL when this module has nothing to do for them (the
 * systemd user manager, root with skip_root) or cannot tell.  *ret_status is
 * what to return then.
 */
static const struct passwd *login_user(pam_handle_t *pamh, const struct pcg_args *args, int *ret_status)
{
	const struct passwd *pw;
	const void *service = NULL;
	const char *user = NULL;

	*ret_status = PAM_IGNORE;
	if (pam_get_item(pamh, PAM_SERVICE, &service) == PAM_SUCCESS && service &&
	    strcmp(service, SYSTEMD_USER_SERVICE) == 0)
		return NULL;
	if (pam_get_user(pamh, &user, NULL) != PAM_SUCCESS || !user || !(pw = pam_modutil_getpwnam(pamh, user))) {
		pam_syslog(pamh, LOG_ERR, "cannot tell who logs in");
		*ret_status = PAM_USER_UNKNOWN;
		return NULL;
	}
	if (args->skip_root && pw->pw_uid == 0)
		return NULL;
	return pw;
}

/* The deprecated conf= file's limits for `user`; -ENOMEM or 0 (bad lines are logged and skipped). */
static int module_limits(pam_handle_t *pamh, const char *path, const char *user, struct cgmconf_limits *ret)
{
	struct cgmconf_who who = {.user = user, .in_group = user_in_group, .ctx = pamh};
	struct cgmconf conf = {0};
	int r;

	r = cgmconf_load(path, false, &conf, report_syslog, pamh);
	if (r >= 0)
		r = cgmconf_match(&conf, &who, ret);
	cgmconf_clear(&conf);
	return r < 0 ? r : 0;
}

PCG_EXPORT int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct cgmconf_limits limits = {0};
	struct pcg_args args;
	const struct passwd *pw;
	struct cgm *conn = NULL;
	char *user_cg = NULL, *session = NULL, *env = NULL;
	int status;

	pcg_parse_args(argc, argv, &args, report_syslog, pamh);
	if (!(pw = login_user(pamh, &args, &status)))
		return status;
	status = PAM_SESSION_ERR;
	if (!(user_cg = user_cgroup(pamh, &args, pw)))
		goto out;
	if (args.conf && module_limits(pamh, args.conf, pw->pw_name, &limits) < 0) {
		pam_syslog(pamh, LOG_ERR, "out of memory reading the limits");
		goto out;
	}
	if (!(conn = connect_daemon(pamh, &args, "open session")))
		goto out;
	if (limits.n && apply_limits(pamh, conn, &args, user_cg, pw->pw_uid, &limits) < 0)
		goto out;
	if (place_login(pamh, conn, &args, user_cg, pw, &session) < 0)
		goto out;
	if (asprintf(&env, ENV_SESSION "=%s", session) < 0) {
		env = NULL;
		goto out;
	}
	if (pam_putenv(pamh, env) != PAM_SUCCESS || pam_set_data(pamh, DATA_SESSION, session, free_data) != PAM_SUCCESS)
		goto out;
	if (args.debug)
		pam_syslog(pamh, LOG_DEBUG, "%s placed in %s (%s)", pw->pw_name, session, args.controllers);
	session = NULL;
	status = PAM_SUCCESS;
out:
	free(env);
	free(session);
	free(user_cg);
	cgmconf_limits_clear(&limits);
	cgm_disconnect(conn);
	return status;
}

/*
 * Whether `session` is <user_cg>/<number>.  When the session comes from the
 * environment it may be the user's own doing (su keeps its caller's), and
 * nothing else may be removed or pruned as root.
 */
static bool is_session_of(const char *session, const char *user_cg)
{
	size_t n = strlen(user_cg);

	return strncmp(session, user_cg, n) == 0 && session[n] == '/' && session[n + 1] &&
	       strspn(session + n + 1, "0123456789") == strlen(session + n + 1);
}

/*
 * Ends the session.  The daemon removes the session cgroup once no
 * process is left in it or below it, with the empty cgroups the user made
 * in it; what is left to do here depends on where this process is, since
 * requests resolve beneath it:
 *  - it opened the session (the handle says so: sshd, su): it is the
 *    session leader, inside the session, which is "" to the daemon, and
 *    nothing is left to do: the daemon takes the session when this process
 *    exits.  With nodelegate (a session marked the old way, which takes no
 *    cgroups along) the empty cgroups below it are pruned now;
 *  - else (the session from CGM_SESSION, in the PAM environment or its
 *    own): it is where the login was opened from; the session is removed
 *    if already empty, and so are earlier sessions of the user with no
 *    process left.
 */
PCG_EXPORT int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct pcg_args args;
	const struct passwd *pw;
	const void *data = NULL;
	const char *session = NULL;
	char *user_cg;
	struct cgm *conn;
	int r, status;

	pcg_parse_args(argc, argv, &args, report_syslog, pamh);
	/* Placed by this handle's open: the daemon removes it once empty, and nobody needs looking up again. */
	if (pam_get_data(pamh, DATA_SESSION, &data) == PAM_SUCCESS && data && !args.nodelegate) {
		if (args.debug)
			pam_syslog(pamh, LOG_DEBUG, "closed session %s: the daemon removes it once it is empty",
				   (const char *)data);
		return PAM_SUCCESS;
	}
	if (!(pw = login_user(pamh, &args, &status)))
		return status;
	if (data)
		session = data;
	else if (!(session = pam_getenv(pamh, ENV_SESSION)))
		session = getenv(ENV_SESSION);
	if (!session || !*session)
		return PAM_IGNORE;
	if (!(user_cg = user_cgroup(pamh, &args, pw)))
		return PAM_SESSION_ERR;
	if (!is_session_of(session, user_cg)) {
		pam_syslog(pamh, LOG_ERR, "%s=%s is not a session of %s; left alone", ENV_SESSION, session, user_cg);
		free(user_cg);
		return PAM_SESSION_ERR;
	}
	if (!(conn = connect_daemon(pamh, &args, "close session"))) {
		free(user_cg);
		return PAM_SESSION_ERR;
	}

	status = PAM_SUCCESS;
	if (data) {
		r = cgm_prune(conn, args.controllers, "");
	} else {
		r = cgm_remove(conn, args.controllers, session, 0);
		if (r == CGM_EBUSY || r == CGM_ENOENT)
			r = 0;
		remove_dead_sessions(conn, args.controllers, user_cg);
	}
	if (r < 0) {
		pam_syslog(pamh, LOG_ERR, "closing session %s: %s", session, cgm_errmsg(conn));
		status = PAM_SESSION_ERR;
	} else if (args.debug) {
		pam_syslog(pamh, LOG_DEBUG, "closed session %s", session);
	}
	free(user_cg);
	cgm_disconnect(conn);
	return status;
}
