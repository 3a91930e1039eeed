/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every method the daemon answers, and the one dispatcher in front of them.
 * The dispatcher finds the method in `methods_table`, checks the signature,
 * unpacks the arguments by type, re-reads the caller's cgroups and calls
 * the handler with a reply under construction.  Handlers follow one shape:
 * select the hierarchies, validate the path, open and check the target on
 * every selected hierarchy, and only then change anything, undoing what
 * was done if a later hierarchy fails.  Decisions come from policy.c, file
 * work from cgroup.c; what is left here is the order of things.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cgpath.h"
#include "cgroup-backend.h"
#include "cgroup.h"
#include "fds.h"
#include "helper/interfaces.h"
#include "log.h"
#include "methods.h"
#include "policy.h"
#include "process.h"
#include "status.h"
#include "scm.h"

#define MAX_ARGS      5
#define OVERFLOW_ID   65534
#define SESSION_TRIES 16
#define LOG_ARG_MAX   64

struct request {
	const struct method_context *ctx;
	const struct method *m;
	const struct caller *c;
	const struct hierarchy_set *set;
	DBusMessage *call;
	const struct scm_request *scm; /* the plain method ending an …Scm exchange: the second credential */
	char *const *cgroups;	       /* the caller's current cgroup in every hierarchy (METHOD_CGROUPS) */
	/* Arguments in signature order, by type. */
	const char *s[MAX_ARGS];
	int32_t i[MAX_ARGS];
	uint32_t u[MAX_ARGS];
	int fd;
	/* What the apply functions act with: the process to move, the ids to hand a cgroup to. */
	pid_t pid;
	uid_t uid;
	gid_t gid;
	DBusMessageIter out;
	/* How the caller's pid namespace sees pids, computed on first use. */
	struct pidview pids; /* how the caller's pid namespace sees pids */
};

/* One selected hierarchy of a request and what was opened and learnt there. */
struct target {
	const struct hierarchy *h;
	size_t idx;
	const char *base;   /* where the path resolves: "/" or the caller's cgroup */
	int fd;		    /* the cgroup, or its parent for Remove/RemoveOnEmpty */
	int child_fd;	    /* Remove: the cgroup itself, -1 if missing */
	char *name;	    /* Remove: last component */
	struct stat st;	    /* as checked, for undo */
	int undo_fd;	    /* Create/OpenSession: parent of the topmost directory made */
	char *undo_name;    /* ... and its name */
	bool undo_borrowed; /* undo_fd is another target's (a session's: its user cgroup's fd), not closed here */
	char *origin;	    /* MovePid/OpenSession: where the process was */
};

struct targets {
	struct target *t;
	size_t n;
	const char *path; /* as the client gave it, for messages */
};

static int oom(struct failure *err)
{
	return failf(err, FAIL_FAILED, "out of memory");
}

/* --- replies ---------------------------------------------------------------- */

static int append(struct request *r, int type, const void *value, struct failure *err)
{
	if (!dbus_message_iter_append_basic(&r->out, type, value))
		return oom(err);
	return 0;
}

static int append_strv(struct request *r, char **names, struct failure *err)
{
	DBusMessageIter a;

	if (!dbus_message_iter_open_container(&r->out, DBUS_TYPE_ARRAY, "s", &a))
		return oom(err);
	for (size_t i = 0; names && names[i]; i++)
		if (!dbus_message_iter_append_basic(&a, DBUS_TYPE_STRING, &names[i])) {
			dbus_message_iter_abandon_container(&r->out, &a);
			return oom(err);
		}
	if (!dbus_message_iter_close_container(&r->out, &a))
		return oom(err);
	return 0;
}

/* --- paths and ids as the caller sees them ----------------------------------- */

/* Whether cgroup `path` is `base` or below it (both "/"-led, relative to a hierarchy root). */
static bool path_beneath(const char *path, const char *base)
{
	size_t n = strlen(base);

	if (strcmp(base, "/") == 0)
		return true;
	return strncmp(path, base, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* `path` as seen from `base` (which it is beneath): "/" for base itself. */
static const char *path_from(const char *path, const char *base)
{
	const char *rest = strcmp(base, "/") == 0 ? path : path + strlen(base);

	return *rest ? rest : "/";
}

/* Host id `id` as the caller's user namespace sees it; unmapped ids show as the overflow id. */
static uint32_t id_to_caller(const struct caller *c, const struct idmap *m, uint32_t id)
{
	uint32_t inside;

	if (c->init_userns)
		return id;
	return idmap_contains(m, id, &inside) ? inside : OVERFLOW_ID;
}

/* Id `id` of the caller's user namespace as a host id. */
static int id_from_caller(const struct caller *c, const struct idmap *m, int32_t id, const char *what, uid_t *ret,
			  struct failure *err)
{
	if (id < 0)
		return failf(err, FAIL_INVALID_VALUE, "%s %d is not an id", what, id);
	if (c->init_userns) {
		*ret = (uint32_t)id;
		return 0;
	}
	for (size_t i = 0; i < m->n; i++) {
		const struct idmap_range *rg = &m->ranges[i];

		if ((uint32_t)id >= rg->inside && (uint32_t)id - rg->inside < rg->count) {
			*ret = rg->outside + ((uint32_t)id - rg->inside);
			return 0;
		}
	}
	return failf(err, FAIL_PERMISSION_DENIED, "%s %d is not mapped in your user namespace", what, id);
}

/* --- targets ------------------------------------------------------------------------ */

/* The refusal for a process (`who`: "you are", "process 42 is") in no cgroup of the managed root of `h`. */
static int outside_root(const struct hierarchy *h, const char *who, struct failure *err)
{
	return failf(err, FAIL_PERMISSION_DENIED, "%s outside the part of %s this cgmd manages (%s)", who, h->name,
		     hierarchy_root(h));
}

/*
 * The cgroups of process `pid` (see hierarchies_pid_cgroups; one free()):
 * the caller's are those read for this request (nothing but the request
 * itself has moved it since), another's are read now.
 */
static char **process_cgroups(struct request *r, pid_t pid, struct failure *err)
{
	char **paths;

	if (pid != r->c->pid || !r->cgroups)
		return hierarchies_pid_cgroups(r->set, pid, err);
	paths = hierarchies_cgroups_dup(r->set, r->cgroups);
	if (!paths)
		oom(err);
	return paths;
}

static void targets_free(struct targets *ts)
{
	int fds[3 * 16];
	size_t nfds = 0;

	for (size_t i = 0; ts->t && i < ts->n; i++) {
		struct target *t = &ts->t[i];

		if (nfds + 3 > sizeof(fds) / sizeof(fds[0])) {
			fds_close(fds, nfds);
			nfds = 0;
		}
		fds[nfds++] = t->fd;
		fds[nfds++] = t->child_fd;
		if (!t->undo_borrowed)
			fds[nfds++] = t->undo_fd;
		free(t->name);
		free(t->undo_name);
		free(t->origin);
	}
	fds_close(fds, nfds); /* a request's descriptors mostly sit side by side: a close_range per run */
	free(ts->t);
	ts->t = NULL;
	ts->n = 0;
}

/*
 * Trust boundary: `spec` and `path` come from the client.  The spec can
 * only pick hierarchies of the set; the path is checked byte by byte by
 * cgpath_validate (no "..", no interface-file names, bounded) before the
 * cgroup layer resolves it beneath `base` with no way out of it, and
 * `base` is the caller's own cgroup as the kernel reports it (or the
 * hierarchy root for host root's …Abs methods, checked by the dispatcher).
 */
static int targets_select(struct request *r, const char *spec, const char *path, bool abs, struct targets *ts,
			  struct failure *err)
{
	size_t *idx, n;

	ts->t = NULL;
	ts->n = 0;
	ts->path = path;
	idx = calloc(r->set->n ? r->set->n : 1, sizeof(*idx));
	if (!idx)
		return oom(err);
	if (hierarchies_select(r->set, spec, idx, &n, err) < 0 ||
	    cgpath_validate(path, r->set->reserved_prefixes, err) < 0) {
		free(idx);
		return -1;
	}
	ts->t = calloc(n ? n : 1, sizeof(*ts->t));
	if (!ts->t) {
		free(idx);
		return oom(err);
	}
	for (size_t i = 0; i < n; i++) {
		struct target *t = &ts->t[i];

		t->idx = idx[i];
		t->h = &r->set->items[idx[i]];
		t->base = abs ? "/" : r->cgroups[idx[i]];
		t->fd = t->child_fd = t->undo_fd = -1;
		ts->n = i + 1;
		if (!t->base) {
			free(idx);
			return outside_root(t->h, "you are", err);
		}
	}
	ts->n = n;
	free(idx);
	return 0;
}

typedef int (*open_fn)(const struct hierarchy *h, const char *base, const char *path, struct failure *err);

/* What `opener` opens of the cgroup `path` names, on every selected hierarchy. */
static int targets_open_with(struct request *r, const char *spec, const char *path, open_fn opener, struct targets *ts,
			     struct failure *err)
{
	if (targets_select(r, spec, path, r->m->flags & METHOD_ABS, ts, err) < 0)
		return -1;
	for (size_t i = 0; i < ts->n; i++) {
		ts->t[i].fd = opener(ts->t[i].h, ts->t[i].base, path, err);
		if (ts->t[i].fd < 0)
			return -1;
	}
	return 0;
}

/* Opens the cgroup `path` names on every selected hierarchy. */
static int targets_open(struct request *r, const char *spec, const char *path, struct targets *ts, struct failure *err)
{
	return targets_open_with(r, spec, path, cg_open, ts, err);
}

/* The caller needs `mask` access to `key` of target t, as t->st says. */
static int target_check(struct request *r, const struct targets *ts, const struct target *t, const char *key, int mask,
			struct failure *err)
{
	char what[512];

	snprintf(what, sizeof(what), "%s%s%s:%s", key && *key ? key : "", key && *key ? " of " : "", t->h->name,
		 ts->path);
	return policy_check_access(r->c, t->st.st_uid, t->st.st_gid, t->st.st_mode, mask, what, err);
}

/*
 * Host root passes every access check (policy.c), so what the checks would
 * read is not even stat'ed for it.
 */
static bool access_checked(const struct request *r)
{
	return !policy_is_host_root(r->c);
}

/* Each target's `key` ("" or NULL: the directory) stat'ed into its st. */
static int targets_stat(struct targets *ts, const char *key, struct failure *err)
{
	for (size_t i = 0; i < ts->n; i++)
		if (cg_stat(ts->t[i].fd, key, &ts->t[i].st, err) < 0)
			return -1;
	return 0;
}

/* The caller needs `mask` access to `key` of every target, as their st says. */
static int targets_allow(struct request *r, struct targets *ts, const char *key, int mask, struct failure *err)
{
	for (size_t i = 0; i < ts->n; i++)
		if (target_check(r, ts, &ts->t[i], key, mask, err) < 0)
			return -1;
	return 0;
}

/* The caller needs `mask` access to `key` ("" or NULL: the directory) of every target. */
static int targets_check(struct request *r, struct targets *ts, const char *key, int mask, struct failure *err)
{
	if (!access_checked(r))
		return 0;
	if (targets_stat(ts, key, err) < 0)
		return -1;
	return targets_allow(r, ts, key, mask, err);
}

/*
 * Keeps the targets whose cgroup has interface file `key` (a controller's
 * files exist only in its own hierarchy, so "all" means "wherever it is"),
 * with the file's stat in their st.
 */
static int targets_keep_key(struct targets *ts, const char *key, struct failure *err)
{
	size_t kept = 0;

	for (size_t i = 0; i < ts->n; i++) {
		if (cg_stat(ts->t[i].fd, key, &ts->t[i].st, err) < 0) {
			if (err->kind != FAIL_NOT_FOUND)
				return -1;
			close(ts->t[i].fd);
			ts->t[i].fd = -1;
			continue;
		}
		struct target keep = ts->t[i];
		ts->t[i] = ts->t[kept];
		ts->t[kept++] = keep;
	}
	for (size_t i = kept; i < ts->n; i++)
		if (ts->t[i].fd >= 0)
			close(ts->t[i].fd);
	ts->n = kept;
	if (!kept)
		return failf(err, FAIL_NOT_FOUND, "no file %s in %s on the hierarchies selected", key,
			     *ts->path ? ts->path : "your cgroup");
	err->kind = FAIL_NONE;
	return 0;
}

typedef int (*apply_fn)(struct request *r, struct target *t, struct failure *err);
typedef void (*undo_fn)(struct request *r, struct target *t);

/* Applies a change on every target; when one fails, undoes it on those before, last first. */
static int targets_apply(struct request *r, struct targets *ts, apply_fn apply, undo_fn undo, struct failure *err)
{
	for (size_t i = 0; i < ts->n; i++)
		if (apply(r, &ts->t[i], err) < 0) {
			while (undo && i-- > 0)
				undo(r, &ts->t[i]);
			return -1;
		}
	return 0;
}

/* --- Create, and the mkdir -p it shares with OpenSession ----------------------------- */

/*
 * Makes every missing directory of `path` beneath the target's base,
 * owned by uid/gid, checking (when `check`) that the caller may write
 * where each is made.  Leaves the last directory open in t->fd and
 * remembers the topmost one made in t->undo_fd/undo_name.  Returns 1 if
 * the last one was made, 0 if it existed.
 *
 * `interior` (OpenSession, ApplyLimits): every directory between the base
 * and the last one only holds cgroups, so it passes its controllers on to
 * its children (v2), for the last one to have them: the limits set on a
 * user cgroup need them, and so does the user, to enable them below.  The base itself
 * (the top, or the caller's cgroup) is left as the admin set it.  A
 * controller the kernel refuses is logged, not fatal: the login goes on
 * with fewer controllers.
 */
static int make_path(struct request *r, struct target *t, const char *path, uid_t uid, gid_t gid, bool check,
		     bool interior, struct failure *err)
{
	const char *p = path;
	bool below_base = false;
	int fd, made = 0;

	/* All of it there already, with no controllers to pass down on the way: one lookup (every later login). */
	if (!interior || !t->h->backend->enable_controllers) {
		struct failure missing = {0};

		fd = cg_open(t->h, t->base, path, &missing);
		if (fd >= 0) {
			if (t->fd >= 0)
				close(t->fd);
			t->fd = fd;
			return 0;
		}
		if (missing.kind != FAIL_NOT_FOUND) {
			*err = missing;
			return -1;
		}
	}
	fd = cg_open(t->h, t->base, "", err);
	if (fd < 0)
		return -1;
	while (*p) {
		size_t len = strcspn(p, "/");
		char what[512], *name;
		struct stat st;
		int next = -1;

		if (len == 0) {
			p++;
			continue;
		}
		if (interior && below_base) {
			struct failure refused = {0};

			if (cg_enable_controllers(t->h, fd, &refused) < 0)
				log_warning("%s: not every controller reaches %s: %s", t->h->name, path,
					    refused.message);
		}
		below_base = true;
		name = strndup(p, len);
		if (!name) {
			close(fd);
			return oom(err);
		}
		made = 0;
		snprintf(what, sizeof(what), "%s:%.*s", t->h->name, (int)(p - path + (ptrdiff_t)len), path);
		if (cg_stat(fd, name, &st, err) == 0)
			next = cg_open_beneath(fd, name, err);
		else if (err->kind != FAIL_NOT_FOUND)
			made = -1;
		else if (check &&
			 (cg_stat(fd, NULL, &st, err) < 0 ||
			  policy_check_access(r->c, st.st_uid, st.st_gid, st.st_mode, W_OK | X_OK, what, err) < 0))
			made = -1;
		else if ((made = cg_create_at(t->h, fd, name, uid, gid, &next, err)) > 0 && t->undo_fd < 0) {
			t->undo_fd = dup(fd);
			t->undo_name = strdup(name);
		}
		free(name);
		close(fd);
		if (next < 0 || made < 0)
			return -1;
		fd = next;
		p += len;
	}
	if (t->fd >= 0)
		close(t->fd);
	t->fd = fd;
	return made;
}

static void unmake_path(struct request *r, struct target *t)
{
	struct failure ignored;

	if (t->undo_fd >= 0 && t->undo_name)
		cg_remove_at(t->h, t->undo_fd, t->undo_name, true, &ignored);
}

static int apply_create(struct request *r, struct target *t, struct failure *err)
{
	if (make_path(r, t, r->s[1], r->c->uid, r->c->gid, true, false, err) < 0) {
		unmake_path(r, t);
		return -1;
	}
	return 0;
}

static int run_create(struct request *r, struct failure *err)
{
	struct targets ts;
	int32_t existed = 1;
	int rc;

	rc = targets_select(r, r->s[0], r->s[1], false, &ts, err);
	if (rc == 0 && cgpath_is_self(r->s[1]))
		rc = failf(err, FAIL_INVALID_PATH, "Create needs the name of a cgroup below yours");
	if (rc == 0)
		rc = targets_apply(r, &ts, apply_create, unmake_path, err);
	for (size_t i = 0; rc == 0 && i < ts.n; i++)
		if (ts.t[i].undo_fd >= 0)
			existed = -1;
	if (rc == 0)
		rc = append(r, DBUS_TYPE_INT32, &existed, err);
	targets_free(&ts);
	return rc;
}

/* --- Chown, Chmod --------------------------------------------------------------------- */

static int apply_chown(struct request *r, struct target *t, struct failure *err)
{
	return cg_delegate(r->set, t->h, t->fd, r->uid, r->gid, err);
}

static void undo_chown(struct request *r, struct target *t)
{
	struct failure ignored;

	cg_delegate(r->set, t->h, t->fd, t->st.st_uid, t->st.st_gid, &ignored);
}

static int run_chown(struct request *r, struct failure *err)
{
	struct targets ts = {0};
	int rc;

	/* The ids are as the caller's user namespace sees them; the kernel translated those of an …Scm exchange. */
	if (r->scm) {
		r->uid = r->scm->uid;
		r->gid = r->scm->gid;
		rc = 0;
	} else {
		rc = id_from_caller(r->c, &r->c->uid_map, r->i[0], "uid", &r->uid, err);
		if (rc == 0)
			rc = id_from_caller(r->c, &r->c->gid_map, r->i[1], "gid", &r->gid, err);
	}
	if (rc == 0)
		rc = policy_check_chown(r->c, r->uid, r->gid, err);
	if (rc == 0)
		rc = targets_open(r, r->s[0], r->s[1], &ts, err);
	/* Stat'ed even for host root: the undo gives each cgroup back to the owner read here. */
	if (rc == 0)
		rc = targets_stat(&ts, NULL, err);
	if (rc == 0)
		rc = targets_allow(r, &ts, NULL, W_OK, err);
	if (rc == 0)
		rc = targets_apply(r, &ts, apply_chown, undo_chown, err);
	targets_free(&ts);
	return rc;
}

static int apply_chmod(struct request *r, struct target *t, struct failure *err)
{
	return cg_chmod(t->fd, r->s[2], (mode_t)r->i[0], err);
}

static void undo_chmod(struct request *r, struct target *t)
{
	struct failure ignored;

	cg_chmod(t->fd, r->s[2], t->st.st_mode & 07777, &ignored);
}

static int run_chmod(struct request *r, struct failure *err)
{
	const char *file = r->s[2];
	struct targets ts = {0};
	int rc = 0;

	if (r->i[0] < 0 || (r->i[0] & ~0777))
		return failf(err, FAIL_INVALID_VALUE, "mode %#o: only permission bits (0..0777) may be set", r->i[0]);
	if (*file)
		rc = cgpath_validate_key(file, err);
	if (rc == 0)
		rc = targets_open(r, r->s[0], r->s[1], &ts, err);
	/* Either fills each target's st: the file's, or the directory's. */
	if (rc == 0)
		rc = *file ? targets_keep_key(&ts, file, err) : targets_stat(&ts, NULL, err);
	for (size_t i = 0; rc == 0 && i < ts.n; i++) {
		char what[512];

		snprintf(what, sizeof(what), "%s%s%s:%s", file, *file ? " of " : "", ts.t[i].h->name, ts.path);
		rc = policy_check_owner(r->c, ts.t[i].st.st_uid, what, err);
	}
	if (rc == 0)
		rc = targets_apply(r, &ts, apply_chmod, undo_chmod, err);
	targets_free(&ts);
	return rc;
}

/* --- moving processes -------------------------------------------------------------- */

static int apply_attach(struct request *r, struct target *t, struct failure *err)
{
	return cg_attach(t->h, t->fd, r->pid, err);
}

/* A target of move_process is the cgroup's cgroup.procs, open for writing. */
static int apply_attach_procs(struct request *r, struct target *t, struct failure *err)
{
	return cg_attach_procs(t->h, t->fd, r->pid, err);
}

static void undo_attach(struct request *r, struct target *t)
{
	struct failure ignored;
	int fd;

	if (!t->origin)
		return;
	fd = cg_open_procs(t->h, "/", t->origin, &ignored);
	if (fd >= 0) {
		cg_attach_procs(t->h, fd, r->pid, &ignored);
		close(fd);
	}
}

/*
 * Moves process `pid` (daemon namespace) into the cgroup `path` names on
 * every selected hierarchy.  The process is pinned by a pidfd while its
 * owner and cgroups are read, and checked alive before the move, so a
 * recycled pid cannot stand in for it.
 */
static int move_process(struct request *r, const char *spec, const char *path, pid_t pid, int pidfd,
			struct failure *err)
{
	struct targets ts = {0};
	struct caller pin = CALLER_EMPTY;
	char **origins = NULL;
	int own_fd = -1, rc;
	uid_t uid;

	if (pidfd < 0) {
		pidfd = own_fd = (int)syscall(SYS_pidfd_open, pid, 0);
		/* No pidfd_open (before Linux 5.3; valgrind): the start time tells a recycled pid instead. */
		if (pidfd < 0 && errno == ENOSYS && caller_pin_by_start_time(pid, &pin, err) < 0)
			return -1;
		if (pidfd < 0 && pin.pid == 0)
			return errno == ESRCH ? failf(err, FAIL_NOT_FOUND, "no process %d", (int)pid)
					      : fail_errno(err, errno, "pidfd_open %d", (int)pid);
	}
	r->pid = pid;
	rc = access_checked(r) ? process_uid(pid, &uid, err) : 0;
	if (rc == 0 && access_checked(r))
		rc = policy_check_process(r->c, pid, uid, err);
	/* Each target is the cgroup's cgroup.procs, opened in the cgroup's own lookup: nothing else of it is needed. */
	if (rc == 0)
		rc = targets_open_with(r, spec, path, cg_open_procs, &ts, err);
	if (rc == 0 && access_checked(r) &&
	    (targets_stat(&ts, NULL, err) < 0 || targets_allow(r, &ts, "cgroup.procs", W_OK, err) < 0))
		rc = -1;
	if (rc == 0 && !(origins = process_cgroups(r, pid, err)))
		rc = -1;
	for (size_t i = 0; rc == 0 && i < ts.n; i++) {
		struct target *t = &ts.t[i];

		/* Outside the managed root: host root may still bring it in, with no way back to undo. */
		if (!origins[t->idx]) {
			if (!policy_is_host_root(r->c))
				rc = failf(err, FAIL_PERMISSION_DENIED, "process %d is outside your cgroup in %s",
					   (int)pid, t->h->name);
			continue;
		}
		t->origin = strdup(origins[t->idx]);
		if (!t->origin)
			rc = oom(err);
		else if (!policy_is_host_root(r->c) && !path_beneath(t->origin, r->cgroups[t->idx]))
			rc = failf(err, FAIL_PERMISSION_DENIED, "process %d is outside your cgroup in %s", (int)pid,
				   t->h->name);
	}
	if (rc == 0)
		rc = pidfd >= 0 ? pidfd_still_alive(pidfd, pid, err) : caller_still_alive(&pin, err);
	if (rc == 0)
		rc = targets_apply(r, &ts, apply_attach_procs, undo_attach, err);
	free(origins);
	targets_free(&ts);
	if (own_fd >= 0)
		close(own_fd);
	return rc;
}

/*
 * The process a request names: its pid argument, a number of the caller's
 * pid namespace; or, ending an …Scm exchange, the process the kernel
 * passed as the second credential, already a daemon pid and pinned.
 */
static int named_process(struct request *r, pid_t *ret_pid, int *ret_pidfd, struct failure *err)
{
	*ret_pidfd = -1;
	if (!r->scm)
		return pidview_from_caller(&r->pids, r->i[0], ret_pid, err);
	if (r->scm->pid == getpid())
		return failf(err, FAIL_PERMISSION_DENIED, "process %d is the daemon itself", (int)r->scm->pid);
	*ret_pid = r->scm->pid;
	*ret_pidfd = r->scm->pidfd;
	return 0;
}

static int run_move_pid(struct request *r, struct failure *err)
{
	pid_t pid;
	int pidfd;

	if (named_process(r, &pid, &pidfd, err) < 0)
		return -1;
	return move_process(r, r->s[0], r->s[1], pid, pidfd, err);
}

static int run_move_pidfd(struct request *r, struct failure *err)
{
	pid_t pid;

	if (pid_from_pidfd(r->fd, &pid, err) < 0)
		return -1;
	return move_process(r, r->s[0], r->s[1], pid, r->fd, err);
}

/* Replies with the cgroup of `pid` on the first selected hierarchy, seen from the caller's (or the real) root. */
static int reply_pid_cgroup(struct request *r, pid_t pid, bool abs, struct failure *err)
{
	struct targets ts;
	char **paths;
	const char *base, *rel;
	int rc;

	if (targets_select(r, r->s[0], "", abs, &ts, err) < 0)
		return -1;
	if (ts.n == 0) {
		targets_free(&ts);
		return failf(err, FAIL_UNKNOWN_HIERARCHY, "no hierarchy selected");
	}
	paths = process_cgroups(r, pid, err);
	rc = paths ? 0 : -1;
	if (rc == 0) {
		base = ts.t[0].base;
		if (!paths[ts.t[0].idx]) {
			char who[64];

			snprintf(who, sizeof(who), "process %d is", (int)pid);
			rc = outside_root(ts.t[0].h, who, err);
		} else if (!path_beneath(paths[ts.t[0].idx], base))
			rc = failf(err, FAIL_PERMISSION_DENIED, "process %d is outside your cgroup in %s", (int)pid,
				   ts.t[0].h->name);
		else {
			rel = path_from(paths[ts.t[0].idx], base);
			rc = append(r, DBUS_TYPE_STRING, &rel, err);
		}
	}
	free(paths);
	targets_free(&ts);
	return rc;
}

static int run_get_pid_cgroup(struct request *r, struct failure *err)
{
	pid_t pid;
	int pidfd;

	if (named_process(r, &pid, &pidfd, err) < 0)
		return -1;
	return reply_pid_cgroup(r, pid, r->m->flags & METHOD_ABS, err);
}

static int run_get_pidfd_cgroup(struct request *r, struct failure *err)
{
	pid_t pid;

	if (pid_from_pidfd(r->fd, &pid, err) < 0)
		return -1;
	return reply_pid_cgroup(r, pid, false, err);
}

/* --- values ------------------------------------------------------------------------- */

/*
 * GetValue: the first selected hierarchy that has the file answers, and
 * the cgroup must be there in every one.  With one hierarchy selected
 * (the usual case) the file is opened in one lookup: openat2, fstat (not
 * for host root, who may read anything), read, close.  Otherwise, or when
 * that lookup finds nothing (to say whether the cgroup or the file is
 * missing), the cgroups are opened one by one.
 */
static int run_get_value(struct request *r, struct failure *err)
{
	const char *path = r->s[1], *key = r->s[2];
	struct targets ts = {0};
	char *value = NULL;
	int rc, fd = -1;

	rc = cgpath_validate_key(key, err);
	if (rc == 0)
		rc = targets_select(r, r->s[0], path, r->m->flags & METHOD_ABS, &ts, err);
	if (rc == 0 && ts.n == 1 && (fd = cg_open_key(ts.t[0].h, ts.t[0].base, path, key, err)) < 0 &&
	    err->kind != FAIL_NOT_FOUND)
		rc = -1;
	if (rc == 0 && fd < 0) {
		targets_free(&ts);
		rc = targets_open(r, r->s[0], path, &ts, err);
		if (rc == 0)
			rc = targets_keep_key(&ts, key, err);
		if (rc == 0 && (fd = cg_open_key(ts.t[0].h, ts.t[0].base, path, key, err)) < 0)
			rc = -1;
	}
	if (rc == 0 && access_checked(r)) {
		if (fstat(fd, &ts.t[0].st) < 0)
			rc = fail_errno(err, errno, "cannot stat %s of %s", key, path);
		else
			rc = target_check(r, &ts, &ts.t[0], key, R_OK, err);
	}
	if (rc == 0)
		rc = cg_read_value(fd, &value, err);
	if (rc == 0)
		rc = append(r, DBUS_TYPE_STRING, &value, err);
	if (fd >= 0)
		close(fd);
	free(value);
	targets_free(&ts);
	return rc;
}

/*
 * The values a request overwrote, to write back (last first) when it
 * fails: SetValue's, and the cgm.conf limits OpenSession and ApplyLimits
 * set on cgroups they did not make.
 */
struct overwritten_value {
	int fd; /* borrowed from the target */
	char *key, *value;
};

struct overwritten {
	struct overwritten_value *v;
	size_t n;
};

/*
 * Writes `value` to `key` of cgroup `fd`, first remembering in `o` what
 * was there (a write-only file, such as cgroup.kill or memory.reclaim, has
 * nothing to remember).  Nothing is remembered when the write fails.
 */
static int overwrite_value(struct overwritten *o, int fd, const char *key, const char *value, struct failure *err)
{
	struct overwritten_value *grown, *v;
	struct failure unreadable = {0};

	grown = realloc(o->v, (o->n + 1) * sizeof(*o->v));
	if (!grown)
		return oom(err);
	o->v = grown;
	v = &o->v[o->n];
	*v = (struct overwritten_value){.fd = fd};
	if (cg_get_attribute(fd, key, &v->value, &unreadable) == 0 && !(v->key = strdup(key))) {
		free(v->value);
		return oom(err);
	}
	if (cg_set_attribute(fd, key, value, err) < 0) {
		free(v->key);
		free(v->value);
		return -1;
	}
	if (v->key)
		o->n++;
	return 0;
}

static void overwritten_restore(struct overwritten *o)
{
	for (size_t i = o->n; i-- > 0;) {
		struct failure ignored;

		if (cg_set_attribute(o->v[i].fd, o->v[i].key, o->v[i].value, &ignored) < 0)
			log_warning("could not put %s back to \"%s\" after a failed request: %s", o->v[i].key,
				    o->v[i].value, ignored.message);
	}
}

static void overwritten_free(struct overwritten *o)
{
	for (size_t i = 0; i < o->n; i++) {
		free(o->v[i].key);
		free(o->v[i].value);
	}
	free(o->v);
	*o = (struct overwritten){0};
}

static int run_set_value(struct request *r, struct failure *err)
{
	struct overwritten written = {0};
	struct targets ts = {0};
	int rc;

	if (strlen(r->s[3]) > CG_VALUE_MAX)
		return failf(err, FAIL_INVALID_VALUE, "value of %zu bytes for %s: at most %d", strlen(r->s[3]), r->s[2],
			     CG_VALUE_MAX);
	rc = cgpath_validate_key(r->s[2], err);
	if (rc == 0)
		rc = policy_check_settable_key(r->s[2], err);
	if (rc == 0)
		rc = targets_open(r, r->s[0], r->s[1], &ts, err);
	if (rc == 0)
		rc = targets_keep_key(&ts, r->s[2], err);
	if (rc == 0)
		rc = targets_allow(r, &ts, r->s[2], W_OK, err);
	for (size_t i = 0; rc == 0 && i < ts.n; i++)
		rc = overwrite_value(&written, ts.t[i].fd, r->s[2], r->s[3], err);
	if (rc < 0)
		overwritten_restore(&written);
	overwritten_free(&written);
	targets_free(&ts);
	return rc;
}

/* --- Remove, RemoveOnEmpty, Prune -------------------------------------------------------- */

/*
 * Removing below a cgroup (Prune, a recursive Remove) is an rmdir in every
 * directory of its subtree: the caller needs write and search access to
 * each, as the kernel would ask, not only to the top.  Host root skips the
 * walk.
 */
struct subtree_check {
	const struct caller *c;
	const struct target *t;
	const char *path;
};

static int check_removal_in(int parent_fd, const char *name, int fd, void *data, struct failure *err)
{
	const struct subtree_check *sc = data;
	char what[512];
	struct stat st;

	snprintf(what, sizeof(what), "a cgroup below %s:%s (to remove %s)", sc->t->h->name, sc->path, name);
	if (cg_stat(parent_fd, NULL, &st, err) < 0 ||
	    policy_check_access(sc->c, st.st_uid, st.st_gid, st.st_mode, W_OK | X_OK, what, err) < 0)
		return -1;
	return 0;
}

static int check_subtree(struct request *r, const struct target *t, int fd, const char *path, struct failure *err)
{
	struct subtree_check sc = {.c = r->c, .t = t, .path = path};

	if (policy_is_host_root(r->c))
		return 0;
	return cg_walk(fd, false, check_removal_in, &sc, err) < 0 ? -1 : 0;
}

/*
 * Opens the parent of `path` on every selected hierarchy and checks the
 * caller may write there; the cgroup itself goes to child_fd (-1 where it
 * does not exist).  Returns how many hierarchies have it.
 */
static int targets_open_parent(struct request *r, const char *spec, const char *path, struct targets *ts,
			       struct failure *err)
{
	size_t present = 0;
	char what[512];

	if (targets_select(r, spec, path, false, ts, err) < 0)
		return -1;
	for (size_t i = 0; i < ts->n; i++) {
		struct target *t = &ts->t[i];

		t->fd = cg_open_parent(t->h, t->base, path, &t->name, err);
		if (t->fd < 0) {
			if (err->kind == FAIL_NOT_FOUND)
				continue;
			return -1;
		}
		snprintf(what, sizeof(what), "the parent of %s:%s", t->h->name, path);
		if (access_checked(r) &&
		    (cg_stat(t->fd, NULL, &t->st, err) < 0 ||
		     policy_check_access(r->c, t->st.st_uid, t->st.st_gid, t->st.st_mode, W_OK | X_OK, what, err) < 0))
			return -1;
		t->child_fd = cg_open_child(t->fd, t->name, err); /* one component below the parent just opened */
		if (t->child_fd < 0) {
			if (err->kind == FAIL_NOT_FOUND)
				continue;
			return -1;
		}
		present++;
	}
	err->kind = FAIL_NONE;
	return (int)present;
}

static bool is_gone(int parent_fd, const char *name)
{
	struct stat st;

	return fstatat(parent_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 && errno == ENOENT;
}

/* Whether Remove may take t's cgroup (t->child_fd): empty, and a leaf unless recursive, which needs access below. */
static int check_removable(struct request *r, struct target *t, const char *path, bool recursive, struct failure *err)
{
	char **children = NULL;
	int rc;

	rc = cg_is_populated(t->h, t->child_fd, err);
	if (rc > 0)
		rc = failf(err, FAIL_BUSY, "%s:%s holds processes", t->h->name, path);
	if (rc >= 0 && !recursive && (rc = cg_list_children(t->child_fd, &children, err)) >= 0 && children &&
	    children[0])
		rc = failf(err, FAIL_BUSY, "%s:%s has child cgroups (remove them or ask for a recursive remove)",
			   t->h->name, path);
	strv_free(children);
	/* Emptying it first means writing inside it too. */
	if (rc >= 0 && recursive) {
		char what[512];
		struct stat st;

		snprintf(what, sizeof(what), "%s:%s", t->h->name, path);
		rc = cg_stat(t->child_fd, NULL, &st, err);
		if (rc >= 0)
			rc = policy_check_access(r->c, st.st_uid, st.st_gid, st.st_mode, W_OK | X_OK, what, err);
		if (rc >= 0)
			rc = check_subtree(r, t, t->child_fd, path, err);
	}
	return rc < 0 ? -1 : 0;
}

static int run_remove(struct request *r, struct failure *err)
{
	bool recursive = r->i[0] != 0;
	struct targets ts = {0};
	int32_t existed;
	int rc;

	rc = targets_open_parent(r, r->s[0], r->s[1], &ts, err);
	existed = rc > 0 ? 1 : -1;
	/* Everything that could refuse is asked on every hierarchy before the first rmdir. */
	for (size_t i = 0; rc >= 0 && i < ts.n; i++) {
		struct target *t = &ts.t[i];

		if (t->child_fd < 0)
			continue;
		rc = check_removable(r, t, ts.path, recursive, err);
		/*
		 * Gone meanwhile (its remove-on-empty mark, on another thread, or
		 * its owner): nothing to remove there.  Its files then answer
		 * ENOENT or, once open, ENODEV (Failed).
		 */
		if (rc < 0 && (err->kind == FAIL_NOT_FOUND || err->kind == FAIL_FAILED) && is_gone(t->fd, t->name)) {
			close(t->child_fd);
			t->child_fd = -1;
			*err = (struct failure){0};
			rc = 0;
		}
	}
	for (size_t i = 0; rc >= 0 && i < ts.n; i++)
		if (ts.t[i].child_fd >= 0)
			rc = cg_remove_at(ts.t[i].h, ts.t[i].fd, ts.t[i].name, recursive, err);
	if (rc >= 0)
		rc = append(r, DBUS_TYPE_INT32, &existed, err);
	targets_free(&ts);
	return rc < 0 ? -1 : 0;
}

static int run_remove_on_empty(struct request *r, struct failure *err)
{
	struct targets ts = {0};
	int rc;

	rc = targets_open_parent(r, r->s[0], r->s[1], &ts, err);
	if (rc == 0)
		rc = failf(err, FAIL_NOT_FOUND, "no cgroup %s", r->s[1]);
	for (size_t i = 0; rc > 0 && i < ts.n; i++)
		if (ts.t[i].child_fd >= 0 && cg_remove_on_empty(ts.t[i].h, ts.t[i].child_fd, NULL, 0, err) < 0)
			rc = -1;
	targets_free(&ts);
	return rc < 0 ? -1 : 0;
}

static int apply_prune(struct request *r, struct target *t, struct failure *err)
{
	return cg_prune(t->h, t->fd, err);
}

static int run_prune(struct request *r, struct failure *err)
{
	struct targets ts = {0};
	int rc;

	rc = targets_open(r, r->s[0], r->s[1], &ts, err);
	if (rc == 0)
		rc = targets_check(r, &ts, NULL, W_OK | X_OK, err);
	for (size_t i = 0; rc == 0 && i < ts.n; i++)
		rc = check_subtree(r, &ts.t[i], ts.t[i].fd, ts.path, err);
	if (rc == 0)
		rc = targets_apply(r, &ts, apply_prune, NULL, err);
	targets_free(&ts);
	return rc;
}

/* --- reads ------------------------------------------------------------------------------ */

static int cmp_pid(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int get_tasks(struct request *r, bool recursive, struct failure *err)
{
	struct targets ts = {0};
	pid_t *all = NULL;
	size_t nall = 0, out = 0;
	DBusMessageIter a;
	int rc;

	rc = targets_open(r, r->s[0], r->s[1], &ts, err);
	if (rc == 0)
		rc = targets_check(r, &ts, "cgroup.procs", R_OK, err);
	for (size_t i = 0; rc == 0 && i < ts.n; i++) {
		pid_t *pids, *grown;
		size_t n;

		rc = cg_list_pids(ts.t[i].h, ts.t[i].fd, recursive, &pids, &n, err);
		if (rc < 0)
			break;
		grown = realloc(all, (nall + n + 1) * sizeof(*all));
		if (!grown) {
			free(pids);
			rc = oom(err);
			break;
		}
		all = grown;
		if (n)
			memcpy(all + nall, pids, n * sizeof(*pids));
		nall += n;
		free(pids);
	}
	if (rc == 0) {
		/*
		 * Union over hierarchies, each pid once, as the caller's
		 * namespace sees it; for an …Scm exchange the daemon's numbers
		 * of those, which the kernel translates as it passes them.
		 */
		qsort(all, nall, sizeof(*all), cmp_pid);
		for (size_t i = 0; i < nall; i++) {
			pid_t seen;

			if (i > 0 && all[i] == all[i - 1])
				continue;
			seen = pidview_to_caller(&r->pids, all[i]);
			if (seen > 0)
				all[out++] = r->scm ? all[i] : seen;
		}
		if (!dbus_message_iter_open_container(&r->out, DBUS_TYPE_ARRAY, "i", &a))
			rc = oom(err);
		else {
			const int32_t *p = (const int32_t *)all;

			if (!dbus_message_iter_append_fixed_array(&a, DBUS_TYPE_INT32, &p, (int)out) ||
			    !dbus_message_iter_close_container(&r->out, &a))
				rc = oom(err);
		}
	}
	free(all);
	targets_free(&ts);
	return rc;
}

static int run_get_tasks(struct request *r, struct failure *err)
{
	return get_tasks(r, false, err);
}

static int run_get_tasks_recursive(struct request *r, struct failure *err)
{
	return get_tasks(r, true, err);
}

static int run_list_children(struct request *r, struct failure *err)
{
	struct targets ts = {0};
	char **all = NULL;
	size_t nall = 0, out = 0;
	int rc;

	rc = targets_open(r, r->s[0], r->s[1], &ts, err);
	if (rc == 0)
		rc = targets_check(r, &ts, NULL, R_OK, err);
	for (size_t i = 0; rc == 0 && i < ts.n; i++) {
		char **names, **grown;
		size_t n = 0;

		rc = cg_list_children(ts.t[i].fd, &names, err);
		if (rc < 0)
			break;
		while (names && names[n])
			n++;
		grown = realloc(all, (nall + n + 1) * sizeof(*all));
		if (!grown) {
			for (size_t j = 0; j < n; j++)
				free(names[j]);
			free(names);
			rc = oom(err);
			break;
		}
		all = grown;
		if (n)
			memcpy(all + nall, names, n * sizeof(*names));
		nall += n;
		free(names);
	}
	if (rc == 0 && all) {
		qsort(all, nall, sizeof(*all), cmp_str);
		for (size_t i = 0; i < nall; i++) {
			if (out > 0 && strcmp(all[i], all[out - 1]) == 0)
				free(all[i]);
			else
				all[out++] = all[i];
		}
		all[out] = NULL;
		nall = out;
	}
	if (rc == 0)
		rc = append_strv(r, all, err);
	for (size_t i = 0; i < nall; i++)
		free(all[i]);
	free(all);
	targets_free(&ts);
	return rc;
}

static int append_keys(struct request *r, struct cg_key *keys, size_t n, struct failure *err)
{
	DBusMessageIter a, e;

	if (!dbus_message_iter_open_container(&r->out, DBUS_TYPE_ARRAY, "(suuu)", &a))
		return oom(err);
	for (size_t i = 0; i < n; i++) {
		uint32_t uid = id_to_caller(r->c, &r->c->uid_map, keys[i].uid);
		uint32_t gid = id_to_caller(r->c, &r->c->gid_map, keys[i].gid);
		uint32_t mode = keys[i].mode;

		if (i > 0 && strcmp(keys[i].name, keys[i - 1].name) == 0)
			continue;
		if (!dbus_message_iter_open_container(&a, DBUS_TYPE_STRUCT, NULL, &e) ||
		    !dbus_message_iter_append_basic(&e, DBUS_TYPE_STRING, &keys[i].name) ||
		    !dbus_message_iter_append_basic(&e, DBUS_TYPE_UINT32, &uid) ||
		    !dbus_message_iter_append_basic(&e, DBUS_TYPE_UINT32, &gid) ||
		    !dbus_message_iter_append_basic(&e, DBUS_TYPE_UINT32, &mode) ||
		    !dbus_message_iter_close_container(&a, &e)) {
			dbus_message_iter_abandon_container(&r->out, &a);
			return oom(err);
		}
	}
	if (!dbus_message_iter_close_container(&r->out, &a))
		return oom(err);
	return 0;
}

static int cmp_key(const void *a, const void *b)
{
	return strcmp(((const struct cg_key *)a)->name, ((const struct cg_key *)b)->name);
}

static int run_list_keys(struct request *r, struct failure *err)
{
	struct targets ts = {0};
	struct cg_key *all = NULL;
	size_t nall = 0;
	int rc;

	rc = targets_open(r, r->s[0], r->s[1], &ts, err);
	if (rc == 0)
		rc = targets_check(r, &ts, NULL, R_OK, err);
	for (size_t i = 0; rc == 0 && i < ts.n; i++) {
		struct cg_key *keys, *grown;
		size_t n;

		rc = cg_list_keys(ts.t[i].fd, &keys, &n, err);
		if (rc < 0)
			break;
		grown = realloc(all, (nall + n + 1) * sizeof(*all));
		if (!grown) {
			cg_keys_free(keys, n);
			rc = oom(err);
			break;
		}
		all = grown;
		if (n)
			memcpy(all + nall, keys, n * sizeof(*keys));
		nall += n;
		free(keys); /* the names moved into `all` */
	}
	if (rc == 0) {
		/* Stable order keeps the first hierarchy's copy of names every hierarchy has (cgroup.procs). */
		qsort(all, nall, sizeof(*all), cmp_key);
		rc = append_keys(r, all, nall, err);
	}
	if (all)
		cg_keys_free(all, nall);
	targets_free(&ts);
	return rc;
}

static int run_list_controllers(struct request *r, struct failure *err)
{
	char **names = calloc(r->set->n + 1, sizeof(*names));
	int rc;

	if (!names)
		return oom(err);
	for (size_t i = 0; i < r->set->n; i++)
		names[i] = r->set->items[i].name;
	rc = append_strv(r, names, err);
	free(names);
	return rc;
}

/* --- Kill, Freeze, Thaw ----------------------------------------------------------------- */

/*
 * The one hierarchy that acts for a whole-cgroup operation among those
 * selected and `able` (NULL: any): unified if selected, for its atomic
 * cgroup.kill and cgroup.freeze, else the first.  Signalling through one
 * hierarchy reaches each process once; freezing one process through both
 * the v1 freezer and cgroup.freeze of a hybrid host never completes.
 */
static struct target *acting_target(struct targets *ts, bool (*able)(const struct hierarchy *h))
{
	struct target *pick = NULL;

	for (size_t i = 0; i < ts->n; i++)
		if ((!able || able(ts->t[i].h)) && (!pick || ts->t[i].h->unified))
			pick = &ts->t[i];
	return pick;
}

static int run_kill(struct request *r, struct failure *err)
{
	struct targets ts = {0};
	struct target *t;
	pid_t *pids = NULL;
	size_t n = 0;
	int rc;

	if (r->i[0] < 0 || r->i[0] >= NSIG)
		return failf(err, FAIL_INVALID_VALUE, "%d is not a signal", r->i[0]);
	rc = targets_open(r, r->s[0], r->s[1], &ts, err);
	if (rc == 0)
		rc = targets_check(r, &ts, NULL, W_OK, err);
	if (rc < 0) {
		targets_free(&ts);
		return -1;
	}
	t = acting_target(&ts, NULL);
	/* Every process below must be the caller's to signal; none is signalled otherwise. */
	if (!policy_is_host_root(r->c))
		rc = cg_list_pids(t->h, t->fd, true, &pids, &n, err);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		struct failure gone;
		uid_t uid;

		if (process_uid(pids[i], &uid, &gone) < 0)
			continue;
		rc = policy_check_process(r->c, pids[i], uid, err);
	}
	if (rc == 0)
		rc = cg_kill(t->h, t->fd, r->i[0], err);
	free(pids);
	targets_free(&ts);
	return rc;
}

static bool can_freeze(const struct hierarchy *h)
{
	if (h->unified)
		return true;
	for (char **c = h->controllers; c && *c; c++)
		if (strcmp(*c, "freezer") == 0)
			return true;
	return false;
}

static int apply_freeze(struct request *r, struct target *t, struct failure *err)
{
	return cg_freeze(t->h, t->fd, r->m->name[0] == 'F', err);
}

static int run_freeze(struct request *r, struct failure *err)
{
	struct targets ts = {0};
	struct target *pick;
	int rc;

	rc = targets_open(r, r->s[0], r->s[1], &ts, err);
	pick = rc == 0 ? acting_target(&ts, can_freeze) : NULL;
	if (rc == 0 && !pick)
		rc = failf(err, FAIL_UNKNOWN_HIERARCHY, "none of the hierarchies selected (%s) can freeze", r->s[0]);
	if (rc == 0) {
		/* A view of the acting hierarchy alone; `ts` still owns every target. */
		struct targets acting = {.t = pick, .n = 1, .path = ts.path};

		rc = targets_check(r, &acting, NULL, W_OK, err);
		if (rc == 0)
			rc = apply_freeze(r, pick, err);
	}
	targets_free(&ts);
	return rc;
}

/* --- OpenSession ------------------------------------------------------------------------ */

/*
 * Sets the cgm.conf limits of `uid` on every user cgroup of `users`, as
 * root, so the limit files stay root's and the user cannot raise them.  A
 * key is set wherever the cgroup has that file; a key no target has is
 * skipped with a log line (one file serves v1, v2 and hybrid hosts).  A
 * value the kernel refuses fails the request.  What it overwrites on a
 * cgroup the request did not make (undo_fd < 0) goes to `replaced`, for
 * the caller to restore when the request fails after all; a cgroup the
 * request made goes with its undo.
 */
static int apply_conf_limits(struct request *r, struct targets *users, uid_t uid, struct overwritten *replaced,
			     struct failure *err)
{
	struct cgmconf_limits limits = {0};
	int rc = 0;

	if (!r->ctx->daemon)
		return 0;
	if (limits_for_uid(&r->ctx->daemon->limits, uid, &limits, err) < 0)
		return -1;
	for (size_t i = 0; rc == 0 && i < limits.n; i++) {
		const struct cgmconf_limit *l = &limits.v[i];
		size_t applied = 0;

		/* The table's keys passed the reader's checks; the daemon's own apply all the same. */
		rc = cgpath_validate_key(l->key, err);
		if (rc == 0)
			rc = policy_check_settable_key(l->key, err);
		for (size_t j = 0; rc == 0 && j < users->n; j++) {
			struct target *t = &users->t[j];
			struct stat st;

			if (cg_stat(t->fd, l->key, &st, err) < 0) {
				if (err->kind != FAIL_NOT_FOUND)
					rc = -1;
				else
					err->kind = FAIL_NONE;
				continue;
			}
			if (t->undo_fd < 0)
				rc = overwrite_value(replaced, t->fd, l->key, l->value, err);
			else
				rc = cg_set_attribute(t->fd, l->key, l->value, err);
			if (rc < 0) {
				char why[sizeof(err->message)];

				snprintf(why, sizeof(why), "%s", err->message);
				failf(err, err->kind, "limit %s = \"%s\" for uid %u on %s:%s: %s", l->key, l->value,
				      (unsigned)uid, t->h->name, users->path, why);
			} else {
				applied++;
			}
		}
		if (rc == 0 && applied)
			log_info("limit %s = \"%s\" set for uid %u on %s", l->key, l->value, (unsigned)uid,
				 users->path);
		else if (rc == 0)
			log_info("limit %s for uid %u: no selected hierarchy has this file; skipped", l->key,
				 (unsigned)uid);
	}
	cgmconf_limits_clear(&limits);
	return rc;
}

/* ApplyLimits (host root): the cgm.conf limits of a uid on a cgroup; a leading "/" as in OpenSession. */
static int run_apply_limits(struct request *r, struct failure *err)
{
	struct overwritten replaced = {0};
	struct targets ts = {0};
	int rc;

	rc = targets_select(r, r->s[0], r->s[1], r->s[1][0] == '/', &ts, err);
	for (size_t i = 0; rc == 0 && i < ts.n; i++) {
		ts.t[i].fd = cg_open(ts.t[i].h, ts.t[i].base, r->s[1], err);
		/* It exists, so the walk only opens; as in OpenSession, the cgroups above pass controllers down. */
		if (ts.t[i].fd < 0 || make_path(r, &ts.t[i], r->s[1], 0, 0, false, true, err) < 0)
			rc = -1;
	}
	if (rc == 0 && (rc = apply_conf_limits(r, &ts, r->u[0], &replaced, err)) < 0)
		overwritten_restore(&replaced);
	overwritten_free(&replaced);
	targets_free(&ts);
	return rc;
}

/* Smallest n >= 1 that names no child of any target's fd (numbers above the count cannot all be taken). */
static int free_session_number(struct targets *ts, unsigned long *ret, struct failure *err)
{
	unsigned long *used = NULL;
	size_t nused = 0;
	bool *taken;

	for (size_t i = 0; i < ts->n; i++) {
		char **names;

		if (cg_list_children(ts->t[i].fd, &names, err) < 0) {
			free(used);
			return -1;
		}
		for (size_t j = 0; names && names[j]; j++) {
			char *end;
			unsigned long v = strtoul(names[j], &end, 10);
			unsigned long *grown;

			if (!*end && names[j][0] >= '1' && names[j][0] <= '9' &&
			    (grown = realloc(used, (nused + 1) * sizeof(*used)))) {
				used = grown;
				used[nused++] = v;
			}
			free(names[j]);
		}
		free(names);
	}
	taken = calloc(nused + 2, sizeof(*taken));
	if (!taken) {
		free(used);
		return oom(err);
	}
	for (size_t i = 0; i < nused; i++)
		if (used[i] <= nused + 1)
			taken[used[i]] = true;
	*ret = 1;
	while (taken[*ret])
		(*ret)++;
	free(taken);
	free(used);
	return 0;
}

/*
 * The path below the managed root, as the kernel names it, of `name` in
 * `path` (validated: no "." or ".." and no doubled "/"), which resolved
 * beneath `base` (from /proc/<pid>/cgroup, or "/"); NULL when out of memory.
 */
static char *below_root(const char *base, const char *path, const char *name)
{
	size_t base_len, path_len;
	char *joined;

	base += strspn(base, "/");
	path += strspn(path, "/");
	base_len = strlen(base);
	path_len = strlen(path);
	while (path_len && path[path_len - 1] == '/')
		path_len--;
	if (asprintf(&joined, "%s%s%.*s%s%s", base, base_len && path_len ? "/" : "", (int)path_len, path,
		     base_len || path_len ? "/" : "", name) < 0)
		return NULL;
	return joined;
}

/*
 * The login placement (DESIGN.md §4), host root only: make user_cg with
 * root-owned directories above it that pass their controllers down to it
 * (v2) and delegate it, make the first free
 * numbered child owned by the user in every selected hierarchy, move the
 * process in and mark the child remove-on-empty.  All or nothing.
 * OpenSession moves the process of its pidfd; OpenOwnSession the caller
 * itself, pinned since it connected, which needs no descriptor and so no
 * round trip before it (libcgm's Ping ahead of a first message with fds):
 * the placement in one round trip, as pam_cgm makes it.
 */
static int run_open_session(struct request *r, struct failure *err)
{
	const char *user_cg = r->s[1];
	uid_t uid = r->u[0];
	gid_t gid = r->u[1];
	struct targets users = {0}, sessions = {0};
	struct overwritten replaced = {0};
	char **origins = NULL, number[32], *session_cg = NULL;
	struct cg_create_item *items = NULL;
	size_t delegated = 0; /* users' targets handed to uid/gid, or partly */
	unsigned long n = 0;
	pid_t pid;
	int rc;

	pid = r->c->pid;
	rc = r->fd >= 0 ? pid_from_pidfd(r->fd, &pid, err) : 0;
	if (rc == 0)
		rc = targets_select(r, r->s[0], user_cg, user_cg[0] == '/', &users, err);
	if (rc == 0 && cgpath_is_self(user_cg))
		rc = failf(err, FAIL_INVALID_PATH, "the user cgroup must be below the top of the hierarchy");
	for (size_t i = 0; rc == 0 && i < users.n; i++) {
		struct target *t = &users.t[i];

		/* One made by this request goes on failure; one that was there gets its owner back (t->st). */
		if (make_path(r, t, user_cg, 0, 0, false, true, err) < 0 ||
		    (t->undo_fd < 0 && cg_stat(t->fd, NULL, &t->st, err) < 0)) {
			rc = -1;
			break;
		}
		delegated = i + 1;
		if (cg_delegate(r->set, t->h, t->fd, uid, gid, err) < 0)
			rc = -1;
		else /* before any session is made: a daemon killed before marking one leaves it to the next */
			cg_mark_sessions(t->h, t->fd, t->undo_fd < 0 ? &t->st : NULL);
	}
	if (rc == 0)
		rc = apply_conf_limits(r, &users, uid, &replaced, err);
	if (rc == 0 && !(origins = process_cgroups(r, pid, err)))
		rc = -1;
	if (rc == 0 && !(sessions.t = calloc(users.n ? users.n : 1, sizeof(*sessions.t))))
		rc = oom(err);
	if (rc == 0 && !(items = calloc(users.n ? users.n : 1, sizeof(*items))))
		rc = oom(err);
	for (int tries = 0; rc == 0; tries++) {
		int tried = 0;

		if (tries == SESSION_TRIES) {
			rc = failf(err, FAIL_BUSY, "no free session number in %s after %d tries", user_cg, tries);
			break;
		}
		rc = free_session_number(&users, &n, err);
		snprintf(number, sizeof(number), "%lu", n);
		sessions.path = number;
		for (size_t i = 0; rc == 0 && i < users.n; i++) {
			struct target *t = &sessions.t[sessions.n++];

			*t = (struct target){.h = users.t[i].h, .idx = users.t[i].idx, .fd = -1, .child_fd = -1};
			t->undo_fd = users.t[i].fd; /* outlives the session's target: freed after it */
			t->undo_borrowed = true;
			t->undo_name = strdup(number);
			items[i] = (struct cg_create_item){.h = t->h, .parent_fd = users.t[i].fd, .fd = -1, .made = -1};
			if (!t->undo_name)
				rc = oom(err);
		}
		/* Every hierarchy's session made as the user at once (one switch of the filesystem ids). */
		if (rc == 0 && (tried = cg_create_each(items, users.n, number, uid, gid, err)) < 0)
			rc = -1;
		for (size_t i = 0; i < sessions.n; i++) {
			struct target *t = &sessions.t[i];

			t->fd = items[i].fd;
			/* Not made by this request (failed, or the number was taken meanwhile). */
			if (items[i].made != 1)
				t->undo_fd = -1;
		}
		/* It stops at the first one it did not make. */
		if (rc == 0 && tried == (int)users.n && (users.n == 0 || items[users.n - 1].made == 1))
			break;
		for (size_t i = sessions.n; i-- > 0;)
			unmake_path(r, &sessions.t[i]);
		targets_free(&sessions);
		if (!(sessions.t = calloc(users.n ? users.n : 1, sizeof(*sessions.t))))
			rc = oom(err);
	}
	/* A process outside the managed root (a login under systemd) has no origin to go back to. */
	for (size_t i = 0; rc == 0 && i < sessions.n; i++)
		if (origins[sessions.t[i].idx] && !(sessions.t[i].origin = strdup(origins[sessions.t[i].idx])))
			rc = oom(err);
	r->pid = pid;
	if (rc == 0)
		rc = r->fd >= 0 ? pidfd_still_alive(r->fd, pid, err) : caller_still_alive(r->c, err);
	if (rc == 0)
		rc = targets_apply(r, &sessions, apply_attach, NULL, err);
	for (size_t i = 0; rc == 0 && i < sessions.n; i++) {
		char *marked = below_root(users.t[i].base, user_cg, number);

		if (!marked)
			rc = oom(err);
		else
			rc = cg_remove_on_empty(sessions.t[i].h, sessions.t[i].fd, marked,
						CG_MARK_FILLED | CG_MARK_SESSION, err);
		free(marked);
	}
	/* Undo everything: the process back where it was, then the directories this request made. */
	for (size_t i = sessions.n; rc < 0 && i-- > 0;) {
		undo_attach(r, &sessions.t[i]);
		unmake_path(r, &sessions.t[i]);
	}
	if (rc < 0)
		overwritten_restore(&replaced);
	for (size_t i = delegated; rc < 0 && i-- > 0;)
		if (users.t[i].undo_fd < 0)
			undo_chown(r, &users.t[i]);
	for (size_t i = users.n; rc < 0 && i-- > 0;)
		unmake_path(r, &users.t[i]);
	if (rc == 0 && asprintf(&session_cg, "%s%s%s", user_cg,
				*user_cg && user_cg[strlen(user_cg) - 1] == '/' ? "" : "/", number) < 0) {
		session_cg = NULL;
		rc = oom(err);
	}
	if (rc == 0)
		rc = append(r, DBUS_TYPE_STRING, &session_cg, err);
	free(session_cg);
	free(origins);
	free(items);
	overwritten_free(&replaced);
	targets_free(&sessions);
	targets_free(&users);
	return rc;
}

/* --- the bus-daemon and standard interfaces ----------------------------------------------- */

static int run_ping(struct request *r, struct failure *err)
{
	return 0;
}

static int run_status(struct request *r, struct failure *err)
{
	if (!r->ctx->daemon)
		return failf(err, FAIL_FAILED, "no daemon state to report");
	return status_append(&r->out, r->ctx->daemon, err);
}

/* sd-bus clients (busctl) always say Hello first; a peer has no bus, so make a name up. */
static int run_hello(struct request *r, struct failure *err)
{
	char name[32];
	const char *p = name;

	snprintf(name, sizeof(name), ":1.%lu", r->ctx->conn_serial);
	return append(r, DBUS_TYPE_STRING, &p, err);
}

const char methods_introspection_xml[] = DBUS_INTROSPECT_1_0_XML_DOCTYPE_DECL_NODE
	"<node>\n" INTROSPECT_INTERFACES "  <interface name=\"org.freedesktop.DBus.Introspectable\">\n"
	"    <method name=\"Introspect\">\n"
	"      <arg name=\"xml\" type=\"s\" direction=\"out\"/>\n"
	"    </method>\n"
	"  </interface>\n"
	"  <interface name=\"org.freedesktop.DBus.Properties\">\n"
	"    <method name=\"Get\">\n"
	"      <arg name=\"interface\" type=\"s\" direction=\"in\"/>\n"
	"      <arg name=\"name\" type=\"s\" direction=\"in\"/>\n"
	"      <arg name=\"value\" type=\"v\" direction=\"out\"/>\n"
	"    </method>\n"
	"    <method name=\"GetAll\">\n"
	"      <arg name=\"interface\" type=\"s\" direction=\"in\"/>\n"
	"      <arg name=\"values\" type=\"a{sv}\" direction=\"out\"/>\n"
	"    </method>\n"
	"    <method name=\"Set\">\n"
	"      <arg name=\"interface\" type=\"s\" direction=\"in\"/>\n"
	"      <arg name=\"name\" type=\"s\" direction=\"in\"/>\n"
	"      <arg name=\"value\" type=\"v\" direction=\"in\"/>\n"
	"    </method>\n"
	"  </interface>\n"
	"  <interface name=\"org.freedesktop.DBus.Peer\">\n"
	"    <method name=\"Ping\"/>\n"
	"    <method name=\"GetMachineId\">\n"
	"      <arg name=\"machine_uuid\" type=\"s\" direction=\"out\"/>\n"
	"    </method>\n"
	"  </interface>\n"
	"</node>\n";

static int run_introspect(struct request *r, struct failure *err)
{
	const char *xml = methods_introspection_xml;

	return append(r, DBUS_TYPE_STRING, &xml, err);
}

/* The one property, api_version, lives on both of the daemon's interfaces. */
static bool own_interface(const char *iface)
{
	return strcmp(iface, CGM_IFACE_CGMANAGER) == 0 || strcmp(iface, CGM_IFACE_MANAGER1) == 0;
}

static int append_api_version(DBusMessageIter *it, struct failure *err)
{
	DBusMessageIter v;
	int32_t version = CGM_API_VERSION;

	if (!dbus_message_iter_open_container(it, DBUS_TYPE_VARIANT, "i", &v) ||
	    !dbus_message_iter_append_basic(&v, DBUS_TYPE_INT32, &version) ||
	    !dbus_message_iter_close_container(it, &v))
		return oom(err);
	return 0;
}

static int run_properties_get(struct request *r, struct failure *err)
{
	if (!own_interface(r->s[0]) || strcmp(r->s[1], "api_version") != 0)
		return failf(err, FAIL_NOT_FOUND, "no property %s.%s", r->s[0], r->s[1]);
	return append_api_version(&r->out, err);
}

static int run_properties_get_all(struct request *r, struct failure *err)
{
	DBusMessageIter a, e;
	const char *name = "api_version";

	if (*r->s[0] && !own_interface(r->s[0]))
		return failf(err, FAIL_NOT_FOUND, "no interface %s", r->s[0]);
	if (!dbus_message_iter_open_container(&r->out, DBUS_TYPE_ARRAY, "{sv}", &a) ||
	    !dbus_message_iter_open_container(&a, DBUS_TYPE_DICT_ENTRY, NULL, &e) ||
	    !dbus_message_iter_append_basic(&e, DBUS_TYPE_STRING, &name) || append_api_version(&e, err) < 0 ||
	    !dbus_message_iter_close_container(&a, &e) || !dbus_message_iter_close_container(&r->out, &a))
		return oom(err);
	return 0;
}

static int run_properties_set(struct request *r, struct failure *err)
{
	return failf(err, FAIL_PERMISSION_DENIED, "property %s.%s is read-only", r->s[0], r->s[1]);
}

/* --- the …Scm methods ------------------------------------------------------------------------ */

/* Starts the socketpair exchange (scm.c), which hands the fd back to the main loop; the call is answered at once. */
static int run_scm(struct request *r, struct failure *err)
{
	int fd = r->fd;

	r->fd = -1;
	return scm_begin(r->set, r->call, r->m->name, r->c, r->cgroups, fd, err);
}

/*
 * The requestor of an …Scm exchange is a process the client named (the
 * kernel lets root in a namespace name any process in it).  It must be in
 * the client's own user namespace and at or below the client's cgroup on
 * every hierarchy, unless the client is host root: naming another process
 * never reaches further than the client could itself.
 */
static int check_requestor(const struct request *r, struct failure *err)
{
	const struct scm_request *sr = r->scm;

	if (sr->peer_host_root)
		return 0;
	if (r->c->userns_dev != sr->peer_userns_dev || r->c->userns_ino != sr->peer_userns_ino)
		return failf(err, FAIL_PERMISSION_DENIED,
			     "the requestor named, process %d, is not in the caller's user namespace", (int)r->c->pid);
	for (size_t i = 0; i < r->set->n; i++)
		if (!r->cgroups[i] || !sr->peer_cgroups[i] || !path_beneath(r->cgroups[i], sr->peer_cgroups[i]))
			return failf(err, FAIL_PERMISSION_DENIED,
				     "the requestor named, process %d, is outside the caller's cgroup in %s",
				     (int)r->c->pid, r->set->items[i].name);
	return 0;
}

/* --- the table and the dispatcher ----------------------------------------------------------- */

#define CG CGM_IFACE_CGMANAGER
#define M1 CGM_IFACE_MANAGER1
#define C  METHOD_CGROUPS

const struct method methods_table[] = {
	{CG, "Ping", "i", "", 0, -1, run_ping},
	{CG, "GetPidCgroup", "si", "s", C, -1, run_get_pid_cgroup},
	{CG, "GetPidCgroupAbs", "si", "s", C | METHOD_HOST_ROOT | METHOD_ABS, -1, run_get_pid_cgroup},
	{CG, "Create", "ss", "i", C, -1, run_create},
	{CG, "Chown", "ssii", "", C, -1, run_chown},
	{CG, "Chmod", "sssi", "", C, -1, run_chmod},
	{CG, "MovePid", "ssi", "", C, -1, run_move_pid},
	{CG, "MovePidAbs", "ssi", "", C | METHOD_HOST_ROOT | METHOD_ABS, -1, run_move_pid},
	{CG, "GetValue", "sss", "s", C, -1, run_get_value},
	{CG, "SetValue", "ssss", "", C, 3, run_set_value},
	{CG, "Remove", "ssi", "i", C, -1, run_remove},
	{CG, "GetTasks", "ss", "ai", C, -1, run_get_tasks},
	{CG, "GetTasksRecursive", "ss", "ai", C, -1, run_get_tasks_recursive},
	{CG, "ListChildren", "ss", "as", C, -1, run_list_children},
	{CG, "RemoveOnEmpty", "ss", "", C, -1, run_remove_on_empty},
	{CG, "Prune", "ss", "", C, -1, run_prune},
	{CG, "ListControllers", "", "as", 0, -1, run_list_controllers},
	{CG, "ListKeys", "ss", "a(suuu)", C, -1, run_list_keys},
	{CG, "GetPidCgroupScm", "sh", "", C, -1, run_scm},
	{CG, "GetPidCgroupAbsScm", "sh", "", C, -1, run_scm},
	{CG, "CreateScm", "ssh", "", C, -1, run_scm},
	{CG, "ChownScm", "ssh", "", C, -1, run_scm},
	{CG, "ChmodScm", "sssih", "", C, -1, run_scm},
	{CG, "MovePidScm", "ssh", "", C, -1, run_scm},
	{CG, "MovePidAbsScm", "ssh", "", C, -1, run_scm},
	{CG, "GetValueScm", "sssh", "", C, -1, run_scm},
	{CG, "SetValueScm", "ssssh", "", C, 3, run_scm},
	{CG, "RemoveScm", "ssih", "", C, -1, run_scm},
	{CG, "GetTasksScm", "ssh", "", C, -1, run_scm},
	{CG, "GetTasksRecursiveScm", "ssh", "", C, -1, run_scm},
	{CG, "ListChildrenScm", "ssh", "", C, -1, run_scm},
	{CG, "RemoveOnEmptyScm", "ssh", "", C, -1, run_scm},
	{CG, "PruneScm", "ssh", "", C, -1, run_scm},
	{CG, "ListKeysScm", "ssh", "", C, -1, run_scm},
	{M1, "OpenSession", "ssuuh", "s", C | METHOD_HOST_ROOT, -1, run_open_session},
	{M1, "OpenOwnSession", "ssuu", "s", C | METHOD_HOST_ROOT, -1, run_open_session},
	{M1, "MovePidfd", "ssh", "", C, -1, run_move_pidfd},
	{M1, "GetPidfdCgroup", "sh", "s", C, -1, run_get_pidfd_cgroup},
	{M1, "Kill", "ssi", "", C, -1, run_kill},
	{M1, "Freeze", "ss", "", C, -1, run_freeze},
	{M1, "Thaw", "ss", "", C, -1, run_freeze},
	{M1, "Status", "", "a{sv}", 0, -1, run_status},
	{M1, "ApplyLimits", "ssu", "", C | METHOD_HOST_ROOT, -1, run_apply_limits},
	{DBUS_INTERFACE_INTROSPECTABLE, "Introspect", "", "s", 0, -1, run_introspect},
	{DBUS_INTERFACE_PROPERTIES, "Get", "ss", "v", 0, -1, run_properties_get},
	{DBUS_INTERFACE_PROPERTIES, "GetAll", "s", "a{sv}", 0, -1, run_properties_get_all},
	{DBUS_INTERFACE_PROPERTIES, "Set", "ssv", "", 0, -1, run_properties_set},
	{DBUS_INTERFACE_DBUS, "Hello", "", "s", METHOD_ANY_PATH, -1, run_hello},
};
const size_t methods_table_len = sizeof(methods_table) / sizeof(methods_table[0]);

#undef CG
#undef M1
#undef C

static const struct method *method_find(const char *iface, const char *name)
{
	for (size_t i = 0; i < methods_table_len; i++)
		if (strcmp(methods_table[i].name, name) == 0 && (!iface || strcmp(methods_table[i].iface, iface) == 0))
			return &methods_table[i];
	return NULL;
}

/*
 * Trust boundary: the message is the client's.  libdbus has already
 * checked it is well-formed D-Bus (and strings valid UTF-8); the
 * signature is checked against the table before a single argument is
 * read, so every handler gets exactly the types it declares.  A passed fd
 * is owned here and closed after the request.
 */
static void unpack_args(DBusMessage *call, struct request *r)
{
	DBusMessageIter it;
	size_t ns = 0, ni = 0, nu = 0;

	if (!dbus_message_iter_init(call, &it))
		return;
	do {
		if (ns == MAX_ARGS || ni == MAX_ARGS || nu == MAX_ARGS)
			break;
		switch (dbus_message_iter_get_arg_type(&it)) {
		case DBUS_TYPE_STRING:
			dbus_message_iter_get_basic(&it, &r->s[ns++]);
			break;
		case DBUS_TYPE_INT32:
			dbus_message_iter_get_basic(&it, &r->i[ni++]);
			break;
		case DBUS_TYPE_UINT32:
			dbus_message_iter_get_basic(&it, &r->u[nu++]);
			break;
		case DBUS_TYPE_UNIX_FD:
			dbus_message_iter_get_basic(&it, &r->fd);
			break;
		default: /* Properties.Set's variant: refused without being read */
			break;
		}
	} while (dbus_message_iter_next(&it));
}

/*
 * Copies `s` for a log line, as much as fits in `size` with "..." after a
 * cut, control characters made visible: client strings (also inside
 * failure messages) cannot forge log lines.
 */
static void log_quote(char *buf, size_t size, const char *s)
{
	size_t o = 0;

	for (; *s && o + 5 < size; s++)
		buf[o++] = (unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s;
	if (*s && o + 4 < size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
}

/* The request as a log line: the arguments, except the secret one, which shows only its length. */
static void describe_request(const struct request *r, char *buf, size_t size)
{
	size_t o, ns = 0, ni = 0, nu = 0;
	int arg = 0;

	/* The call as sent: an …Scm call's arguments, not those of the plain method it ends with. */
	o = (size_t)snprintf(buf, size, "%s(", dbus_message_get_member(r->call));
	for (const char *t = dbus_message_get_signature(r->call); *t && o < size; t++, arg++) {
		char q[LOG_ARG_MAX + 8];
		const char *sep = arg ? ", " : "";

		switch (*t) {
		case 's':
			if (arg == r->m->secret_arg)
				o += (size_t)snprintf(buf + o, size - o, "%s<%zu bytes>", sep, strlen(r->s[ns++]));
			else {
				log_quote(q, sizeof(q), r->s[ns++]);
				o += (size_t)snprintf(buf + o, size - o, "%s\"%s\"", sep, q);
			}
			break;
		case 'i':
			o += (size_t)snprintf(buf + o, size - o, "%s%d", sep, r->i[ni++]);
			break;
		case 'u':
			o += (size_t)snprintf(buf + o, size - o, "%s%u", sep, r->u[nu++]);
			break;
		default:
			o += (size_t)snprintf(buf + o, size - o, "%s%c", sep, *t);
		}
	}
	if (o < size)
		snprintf(buf + o, size - o, ")");
}

/* Refuses a call that names no method of the table, or names one wrongly. */
static DBusMessage *refuse_call(const struct method_context *ctx, DBusMessage *call, const char *name, const char *fmt,
				...) __attribute__((format(printf, 4, 5)));
static DBusMessage *refuse_call(const struct method_context *ctx, DBusMessage *call, const char *name, const char *fmt,
				...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_notice("refused a call for uid %u pid %d: %s", (unsigned)ctx->caller->uid, (int)ctx->caller->pid, msg);
	return dbus_message_new_error(call, name, msg);
}

/* Runs request `r` (method, caller and arguments filled in) and returns its reply; NULL only when out of memory. */
static DBusMessage *run_request(struct request *r)
{
	struct failure err = {0};
	DBusMessage *reply;
	char desc[512], why[sizeof(err.message) + 4];
	const char *as = r->scm ? " (requestor of an Scm exchange)" : "";
	/* Where no connection keeps the caller's cgroups, this request reads them for itself. */
	struct cgroups_seen once = {0}, *seen = r->ctx->seen ? r->ctx->seen : &once;
	int rc = 0;

	if (r->m->flags & METHOD_HOST_ROOT)
		rc = policy_check_host_root(r->c, r->m->name, &err);
	if (rc == 0 && (r->m->flags & METHOD_CGROUPS)) {
		r->cgroups = hierarchies_cgroups_again(r->set, r->c->cgroup_fd, r->c->pid, seen, &err);
		rc = r->cgroups ? 0 : -1;
		if (rc == 0 && r->scm)
			rc = check_requestor(r, &err);
	}
	reply = dbus_message_new_method_return(r->call);
	if (reply && rc == 0) {
		dbus_message_iter_init_append(reply, &r->out);
		cg_watch_new_request();
		rc = r->m->run(r, &err);
	}
	if (rc < 0 || !reply) {
		if (!err.kind)
			failf(&err, FAIL_FAILED, "out of memory");
		describe_request(r, desc, sizeof(desc));
		log_quote(why, sizeof(why), err.message);
		log_notice("refused %s for uid %u pid %d%s: %s", desc, (unsigned)r->c->uid, (int)r->c->pid, as, why);
		if (reply)
			dbus_message_unref(reply);
		reply = dbus_message_new_error(r->call, failure_dbus_name(err.kind), err.message);
	} else if ((r->m->flags & METHOD_CGROUPS) && log_enabled(LOG_DEBUG)) {
		/* Every successful request passes here: describe it only when the log keeps it. */
		describe_request(r, desc, sizeof(desc));
		log_debug("%s for uid %u pid %d%s", desc, (unsigned)r->c->uid, (int)r->c->pid, as);
	}
	hierarchies_cgroups_forget(&once);
	if (r->fd >= 0)
		close(r->fd);
	return reply;
}

DBusMessage *methods_handle(const struct method_context *ctx, DBusMessage *call)
{
	const char *iface = dbus_message_get_interface(call);
	const char *name = dbus_message_get_member(call);
	const char *path = dbus_message_get_path(call);
	struct request r = {
		.ctx = ctx, .c = ctx->caller, .set = ctx->set, .call = call, .fd = -1, .pids = {.c = ctx->caller}};

	r.m = name ? method_find(iface, name) : NULL;
	if (!r.m)
		return refuse_call(ctx, call, DBUS_ERROR_UNKNOWN_METHOD, "No method %s%s%s with signature \"%s\" here",
				   iface ? iface : "", iface ? "." : "", name ? name : "(none)",
				   dbus_message_get_signature(call));
	if (!(r.m->flags & METHOD_ANY_PATH) && (!path || strcmp(path, CGM_OBJECT_PATH) != 0))
		return refuse_call(ctx, call, DBUS_ERROR_UNKNOWN_OBJECT, "No object %s: the daemon serves %s",
				   path ? path : "(none)", CGM_OBJECT_PATH);
	if (!dbus_message_has_signature(call, r.m->in_sig))
		return refuse_call(ctx, call, DBUS_ERROR_INVALID_ARGS, "%s.%s takes \"%s\", not \"%s\"", r.m->iface,
				   r.m->name, r.m->in_sig, dbus_message_get_signature(call));
	unpack_args(call, &r);
	return run_request(&r);
}

bool methods_run_aside(DBusMessage *call)
{
	const char *name = dbus_message_get_member(call);
	const struct method *m = name ? method_find(dbus_message_get_interface(call), name) : NULL;

	return m && (m->flags & METHOD_CGROUPS) && m->run != run_scm;
}

DBusMessage *methods_complete_scm(const struct hierarchy_set *set, DBusMessage *call, const char *plain,
				  const struct scm_request *sr)
{
	struct method_context ctx = {.set = set, .caller = sr->requestor};
	struct request r = {.ctx = &ctx,
			    .c = sr->requestor,
			    .set = set,
			    .call = call,
			    .scm = sr,
			    .fd = -1,
			    .pids = {.c = sr->requestor}};

	r.m = method_find(CGM_IFACE_CGMANAGER, plain);
	if (!r.m)
		return dbus_message_new_error(call, failure_dbus_name(FAIL_FAILED),
					      "no plain method for this Scm method");
	/* The same strings and integers in the same order; the socketpair the call passed is not needed again. */
	unpack_args(call, &r);
	if (r.fd >= 0)
		close(r.fd);
	r.fd = -1;
	return run_request(&r);
}
