/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Processes as a caller names them (see process.h): uids and NSpid lists
 * from /proc/<pid>/status, pid translation between the daemon's pid
 * namespace and a caller's, and the process behind a pidfd.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "process.h"

#define NSPID_MAX 32 /* pid namespaces nest at most 32 deep */

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424 /* Linux 5.1, one number on every architecture */
#endif

/* Effective uid and gid of `pid` (NULL: not wanted), second fields of the Uid: and Gid: lines. */
struct proc_effective {
	uid_t *uid;
	gid_t *gid;
};

/* Real uid and NSpid list (outermost first) of `pid` from /proc/<pid>/status, and `eff` when not NULL. */
static int proc_status_ids(pid_t pid, uid_t *ret_uid, pid_t *ret_nspid, size_t *ret_n, const struct proc_effective *eff,
			   struct failure *err)
{
	char path[64], buf[8192];
	bool have_uid = false, have_gid = false;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? failf(err, FAIL_NOT_FOUND, "no process %d", (int)pid)
				       : fail_errno(err, errno, "reading %s", path);
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len < 0)
		return errno == ESRCH ? failf(err, FAIL_NOT_FOUND, "no process %d", (int)pid)
				      : fail_errno(err, errno, "reading %s", path);
	buf[len] = '\0';
	*ret_n = 0;
	for (char *line = buf, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(line, "Uid:", 4) == 0) {
			char *end;

			*ret_uid = (uid_t)strtoul(line + 4, &end, 10);
			if (eff && eff->uid)
				*eff->uid = (uid_t)strtoul(end, NULL, 10);
			have_uid = true;
		} else if (eff && eff->gid && strncmp(line, "Gid:", 4) == 0) {
			char *end;

			strtoul(line + 4, &end, 10);
			*eff->gid = (gid_t)strtoul(end, NULL, 10);
			have_gid = true;
		} else if (ret_nspid && strncmp(line, "NSpid:", 6) == 0) {
			char *p = line + 6, *end;

			while (*ret_n < NSPID_MAX) {
				long v = strtol(p, &end, 10);

				if (end == p)
					break;
				ret_nspid[(*ret_n)++] = (pid_t)v;
				p = end;
			}
		}
	}
	if (!have_uid || (eff && eff->gid && !have_gid))
		return failf(err, FAIL_FAILED, "%s has no Uid or Gid line", path);
	return 0;
}

static int proc_status(pid_t pid, uid_t *ret_uid, pid_t *ret_nspid, size_t *ret_n, struct failure *err)
{
	return proc_status_ids(pid, ret_uid, ret_nspid, ret_n, NULL, err);
}

int process_effective_ids(pid_t pid, uid_t *ret_uid, gid_t *ret_gid, struct failure *err)
{
	struct proc_effective eff = {.uid = ret_uid, .gid = ret_gid};
	uid_t real;
	size_t n;

	return proc_status_ids(pid, &real, NULL, &n, &eff, err);
}

int process_uid(pid_t pid, uid_t *ret_uid, struct failure *err)
{
	size_t n;

	return proc_status(pid, ret_uid, NULL, &n, err);
}

/* Whether pid namespace `up` levels above that of `pid` is the one `ns` describes. */
static bool pidns_ancestor_is(pid_t pid, size_t up, const struct stat *ns)
{
	char path[64];
	struct stat st;
	int fd;
	bool same;

	snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	while (up-- > 0) {
		int parent = ioctl(fd, NS_GET_PARENT);

		close(fd);
		if (parent < 0)
			return false;
		fd = parent;
	}
	same = fstat(fd, &st) == 0 && st.st_dev == ns->st_dev && st.st_ino == ns->st_ino;
	close(fd);
	return same;
}

/* Learns how deep below the daemon's pid namespace the caller's is. */
static int pidview_load(struct pidview *pv, struct failure *err)
{
	pid_t nspid[NSPID_MAX];
	char path[64];
	size_t n;
	uid_t uid;

	if (pv->known)
		return 0;
	pv->same = pv->c->init_pidns;
	if (!pv->same) {
		if (proc_status(pv->c->pid, &uid, nspid, &n, err) < 0)
			return -1;
		snprintf(path, sizeof(path), "/proc/%d/ns/pid", (int)pv->c->pid);
		if (n == 0 || stat(path, &pv->ns) < 0)
			return failf(err, FAIL_FAILED, "cannot learn the pid namespace of process %d", (int)pv->c->pid);
		pv->level = n - 1;
	}
	pv->known = true;
	return 0;
}

/* Pid `pid` of the daemon's namespace as the caller sees it; 0 when the caller cannot see it. */
pid_t pidview_to_caller(struct pidview *pv, pid_t pid)
{
	pid_t nspid[NSPID_MAX];
	struct failure ignored;
	size_t n;
	uid_t uid;

	if (pidview_load(pv, &ignored) < 0)
		return 0;
	if (pv->same)
		return pid;
	if (proc_status(pid, &uid, nspid, &n, &ignored) < 0 || n <= pv->level)
		return 0;
	if (!pidns_ancestor_is(pid, n - 1 - pv->level, &pv->ns))
		return 0;
	return nspid[pv->level];
}

/*
 * Trust boundary: `pid` is a number from the client, meaningful only in
 * the caller's pid namespace.  It is looked up there (a scan of /proc
 * comparing NSpid at the caller's level and the namespace itself, for
 * callers outside the daemon's namespace), so a caller can only name a
 * process it can see; 0 and negatives, which cgroupfs would read as "the
 * writer itself", never get through, nor does the daemon's own pid.
 */
int pidview_from_caller(struct pidview *pv, int32_t pid, pid_t *ret, struct failure *err)
{
	pid_t nspid[NSPID_MAX];
	struct failure ignored;
	struct dirent *de;
	DIR *d;
	size_t n;
	uid_t uid;

	if (pid <= 0)
		return failf(err, FAIL_INVALID_VALUE, "%d is not a process id", (int)pid);
	if (pidview_load(pv, err) < 0)
		return -1;
	if (pv->same) {
		*ret = pid;
	} else {
		*ret = 0;
		d = opendir("/proc");
		if (!d)
			return fail_errno(err, errno, "opendir /proc");
		while (!*ret && (de = readdir(d))) {
			char *end;
			long p = strtol(de->d_name, &end, 10);

			if (*end || p <= 0)
				continue;
			if (proc_status((pid_t)p, &uid, nspid, &n, &ignored) < 0 || n <= pv->level ||
			    nspid[pv->level] != pid)
				continue;
			if (pidns_ancestor_is((pid_t)p, n - 1 - pv->level, &pv->ns))
				*ret = (pid_t)p;
		}
		closedir(d);
		if (!*ret)
			return failf(err, FAIL_NOT_FOUND, "no process %d in your pid namespace", (int)pid);
	}
	if (*ret == getpid())
		return failf(err, FAIL_PERMISSION_DENIED, "process %d is the daemon itself", (int)pid);
	return 0;
}

/*
 * Trust boundary: a pidfd from the client.  The kernel says which process
 * it refers to (fdinfo "Pid:", in the daemon's namespace); anything that
 * is not a pidfd has no such line and is refused.
 */
int pidfd_read_pid(int pidfd, pid_t *ret, struct failure *err)
{
	char path[64], buf[1024];
	ssize_t len;
	char *p;
	int info;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	info = open(path, O_RDONLY | O_CLOEXEC);
	if (info < 0)
		return fail_errno(err, errno, "reading %s", path);
	len = read(info, buf, sizeof(buf) - 1);
	close(info);
	if (len < 0)
		return fail_errno(err, errno, "reading %s", path);
	buf[len] = '\0';
	p = strstr(buf, "\nPid:");
	if (!p)
		return failf(err, FAIL_INVALID_VALUE, "the file descriptor passed is not a pidfd");
	*ret = (pid_t)strtol(p + 5, NULL, 10);
	if (*ret <= 0)
		return failf(err, FAIL_NOT_FOUND, "the process of the pidfd is gone");
	return 0;
}

int pid_from_pidfd(int pidfd, pid_t *ret, struct failure *err)
{
	if (pidfd_read_pid(pidfd, ret, err) < 0)
		return -1;
	if (*ret == getpid())
		return failf(err, FAIL_PERMISSION_DENIED, "the pidfd refers to the daemon itself");
	return 0;
}

int pidfd_still_alive(int pidfd, pid_t pid, struct failure *err)
{
	pid_t now;

	/* Signal 0 only checks; EPERM still means the process exists. */
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) == 0 || errno == EPERM)
		return 0;
	if (errno == ESRCH)
		return failf(err, FAIL_NOT_FOUND, "process %d is gone", (int)pid);
	if (errno != ENOSYS)
		return fail_errno(err, errno, "cannot check process %d", (int)pid);
	/* No pidfd_send_signal (valgrind): fdinfo says "Pid: -1" once the process is reaped. */
	return pidfd_read_pid(pidfd, &now, err);
}
