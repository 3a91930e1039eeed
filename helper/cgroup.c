/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgroup layer's shared code (see cgroup.h): path resolution beneath a
 * directory fd, create/delegate/read/write/list/remove, tree walks, and the
 * remove-on-empty watch driven by the daemon's poll loop.  Everything that
 * differs between cgroup v1 and v2 is reached through h->backend
 * (cgroup-v1.c, cgroup-v2.c).  The aim is the fewest system calls per
 * operation: one openat2 to resolve a path, one mkdirat to create, and
 * re-reading nothing that can be known once.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_LINUX_OPENAT2_H
#include <linux/openat2.h>
#else
struct open_how {
	uint64_t flags;
	uint64_t mode;
	uint64_t resolve;
};
#endif

#include "cgroup-backend.h"
#include "cgroup.h"
#include "log.h"

/* Older headers lack some of these; the values are the kernel ABI. */
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef RESOLVE_NO_XDEV
#define RESOLVE_NO_XDEV 0x01
#endif
#ifndef RESOLVE_NO_MAGICLINKS
#define RESOLVE_NO_MAGICLINKS 0x02
#endif
#ifndef RESOLVE_NO_SYMLINKS
#define RESOLVE_NO_SYMLINKS 0x04
#endif
#ifndef RESOLVE_BENEATH
#define RESOLVE_BENEATH 0x08
#endif

/* cgroup.procs of a big cgroup can be long; this only guards against nonsense. */
#define PROCS_MAX (64 * 1024 * 1024)

/* --- string vectors -------------------------------------------------------- */

bool strv_contains(char *const *v, const char *s)
{
	for (; v && *v; v++)
		if (strcmp(*v, s) == 0)
			return true;
	return false;
}

/* strv_add(&v, NULL) only makes sure *v is an (empty) vector. */
int strv_add(char ***v, const char *s)
{
	size_t n = 0;
	char **nv;

	if (*v && (!s || strv_contains(*v, s)))
		return 0;
	while (*v && (*v)[n])
		n++;
	nv = realloc(*v, (n + 2) * sizeof(char *));
	if (!nv)
		return -1;
	*v = nv;
	nv[n] = NULL;
	if (!s)
		return 0;
	nv[n] = strdup(s);
	if (!nv[n])
		return -1;
	nv[n + 1] = NULL;
	return 0;
}

void strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* --- files ----------------------------------------------------------------- */

const char *cg_fd_realpath(int fd, char *buf, size_t size)
{
	char link[64];
	ssize_t n;

	if (fd == AT_FDCWD)
		return "";
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, buf, size - 1);
	if (n < 0)
		return "?";
	buf[n] = '\0';
	return buf;
}

/* The daemon's mounts and their hierarchy names, so that messages say "memory:/a/b". */
static struct named_mount {
	char *path;
	char *name;
} * named_mounts;
static size_t n_named_mounts;

void cg_name_mount(const char *mount_path, const char *name)
{
	struct named_mount *v = realloc(named_mounts, (n_named_mounts + 1) * sizeof(*v));

	if (!v)
		return; /* messages then show the full path: no harm */
	named_mounts = v;
	v[n_named_mounts].path = strdup(mount_path);
	v[n_named_mounts].name = strdup(name);
	if (v[n_named_mounts].path && v[n_named_mounts].name)
		n_named_mounts++;
	else {
		free(v[n_named_mounts].path);
		free(v[n_named_mounts].name);
	}
}

void cg_unname_mount(const char *mount_path)
{
	for (size_t i = 0; i < n_named_mounts; i++)
		if (strcmp(named_mounts[i].path, mount_path) == 0) {
			free(named_mounts[i].path);
			free(named_mounts[i].name);
			named_mounts[i] = named_mounts[--n_named_mounts];
			break;
		}
	if (n_named_mounts == 0) {
		free(named_mounts);
		named_mounts = NULL;
	}
}

const char *cg_fd_path(int fd, char *buf, size_t size)
{
	const char *real = cg_fd_realpath(fd, buf, size);

	for (size_t i = 0; i < n_named_mounts; i++) {
		const struct named_mount *m = &named_mounts[i];
		size_t len = strlen(m->path), nlen = strlen(m->name);
		const char *rest = real + len;

		if (strncmp(real, m->path, len) != 0 || (*rest && *rest != '/'))
			continue;
		if (nlen + 2 + strlen(rest) >= size)
			break;
		memmove(buf + nlen + 1, *rest ? rest : "/", *rest ? strlen(rest) + 1 : 2);
		memcpy(buf, m->name, nlen);
		buf[nlen] = ':';
		break;
	}
	return real;
}

/* "dir/file" for messages; dir is empty for AT_FDCWD, where `file` is already absolute. */
#define DESCRIBE(dirfd, file, buf)                                                                                     \
	cg_fd_path((dirfd), (buf), sizeof(buf)), ((dirfd) == AT_FDCWD || !*(file)) ? "" : "/", (file)

ssize_t cg_read_small_at(int dirfd, const char *file, char *buf, size_t size, struct failure *err)
{
	cleanup_close int fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char where[CG_PATH_BUF];
	ssize_t n;

	if (fd < 0)
		return fail_errno(err, errno, "cannot open %s%s%s", DESCRIBE(dirfd, file, where));
	n = read(fd, buf, size - 1);
	if (n < 0)
		return fail_errno(err, errno, "cannot read %s%s%s", DESCRIBE(dirfd, file, where));
	buf[n] = '\0';
	return n;
}

/*
 * Reads the open file `fd` to its end; `dirfd` and `file` name it in
 * messages (see DESCRIBE).  Most values are a few bytes: they are read on
 * the stack and copied once, at their size.
 */
static int read_all(int fd, int dirfd, const char *file, size_t max, char **ret, size_t *ret_len, struct failure *err)
{
	cleanup_free char *heap = NULL;
	char first[4096], where[CG_PATH_BUF], *buf = first;
	size_t len = 0, cap = sizeof(first);

	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *nb = realloc(heap, cap * 2);

			if (!nb)
				return failf(err, FAIL_FAILED, "out of memory");
			if (!heap)
				memcpy(nb, first, len);
			buf = heap = nb;
			cap *= 2;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail_errno(err, errno, "cannot read %s%s%s", DESCRIBE(dirfd, file, where));
		if (n == 0)
			break;
		len += (size_t)n;
		if (len > max)
			return failf(err, FAIL_INVALID_VALUE, "%s%s%s holds more than %zu bytes",
				     DESCRIBE(dirfd, file, where), max);
	}
	if (!heap && !(heap = malloc(len + 1)))
		return failf(err, FAIL_FAILED, "out of memory");
	if (buf == first)
		memcpy(heap, first, len);
	heap[len] = '\0';
	*ret = heap;
	heap = NULL;
	if (ret_len)
		*ret_len = len;
	return 0;
}

int cg_read_at(int dirfd, const char *file, size_t max, char **ret, size_t *ret_len, struct failure *err)
{
	cleanup_close int fd = openat(dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char where[CG_PATH_BUF];

	if (fd < 0)
		return fail_errno(err, errno, "cannot open %s%s%s", DESCRIBE(dirfd, file, where));
	return read_all(fd, dirfd, file, max, ret, ret_len, err);
}

/* One write(2) of the whole value: cgroupfs takes each write as one request. Returns 0 or -errno. */
static int write_at(int dirfd, const char *file, const char *value, size_t len)
{
	cleanup_close int fd = openat(dirfd, file, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, value, len);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

int cg_write_at(int dirfd, const char *file, const char *value, struct failure *err)
{
	char where[CG_PATH_BUF];
	int r = write_at(dirfd, file, value, strlen(value));

	if (r < 0)
		return fail_errno(err, -r, "cannot write \"%.64s\" to %s%s%s", value, DESCRIBE(dirfd, file, where));
	return 0;
}

long cg_keyed_value(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *line = text; line && *line;) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ')
			return strtol(line + klen + 1, NULL, 10);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -1;
}

/* --- names and paths -------------------------------------------------------- */

/* One component of a path as it stands in a directory: not empty, no "/", not "." or "..". */
static bool is_plain_name(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static int check_key(const char *key, struct failure *err)
{
	if (!key || !is_plain_name(key))
		return failf(err, FAIL_INVALID_KEY, "\"%s\" is not an interface file name", key ? key : "");
	return 0;
}

static bool openat2_unavailable;

void cg_resolve_use_openat2(bool use)
{
	openat2_unavailable = !use;
}

/*
 * Where a client's path meets the filesystem.  `rel` (relative, already
 * lexically free of "..": see has_dotdot) is opened beneath `dirfd` with
 * openat2 RESOLVE_BENEATH|NO_SYMLINKS|NO_MAGICLINKS|NO_XDEV, so that no
 * symlink, magic link, mount crossing or ".." the kernel meets on the way can
 * take the result outside `dirfd`, whatever raced with us.  Without openat2
 * the same holds by walking one component at a time with O_NOFOLLOW and
 * comparing st_dev.  Returns the fd or -errno (ELOOP: a symlink was met,
 * EXDEV: the walk would have left `dirfd`).
 */
static int walk_beneath(int dirfd, const char *rel, int flags)
{
	cleanup_free char *copy = strdup(rel);
	cleanup_close int cur = -1;
	struct stat st;
	dev_t dev;
	char *save = NULL;

	if (!copy)
		return -ENOMEM;
	if (fstat(dirfd, &st) < 0)
		return -errno;
	dev = st.st_dev;
	for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		int next;

		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0)
			return -EXDEV;
		next = openat(cur >= 0 ? cur : dirfd, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0) {
			int e = errno;

			if (e == ENOTDIR && fstatat(cur >= 0 ? cur : dirfd, c, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISLNK(st.st_mode))
				e = ELOOP;
			return -e;
		}
		if (cur >= 0)
			close(cur);
		cur = next;
		if (fstat(cur, &st) < 0)
			return -errno;
		if (st.st_dev != dev)
			return -EXDEV;
	}
	if (cur >= 0 && flags == (O_PATH | O_DIRECTORY))
		return cg_take_fd(&cur);
	{
		int fd = openat(cur >= 0 ? cur : dirfd, ".", flags | O_CLOEXEC);

		return fd < 0 ? -errno : fd;
	}
}

static int open_beneath(int dirfd, const char *rel, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};

	if (!*rel)
		rel = ".";
	for (int tries = 0; !openat2_unavailable && tries < 8; tries++) {
		long fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));

		if (fd >= 0)
			return (int)fd;
		if (errno == ENOSYS || errno == E2BIG || errno == EPERM) {
			/* EPERM: a seccomp filter that does not know openat2. */
			openat2_unavailable = true;
			break;
		}
		/* EAGAIN: a rename raced with the ".." check; safe to retry. */
		if (errno != EAGAIN)
			return -errno;
	}
	return walk_beneath(dirfd, rel, flags);
}

/* Whether `path` has a ".." component: refused before resolution, so that nothing relies on the kernel alone. */
static bool has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "..")); p += 2)
		if ((p == path || p[-1] == '/') && (p[2] == '\0' || p[2] == '/'))
			return true;
	return false;
}

/* `what` names the cgroup as messages show it: "memory:/a/b". */
static int resolve_failure(int e, const char *what, struct failure *err)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return failf(err, FAIL_NOT_FOUND, "no cgroup %s", what);
	case ELOOP:
		return failf(err, FAIL_INVALID_PATH, "refusing %s: it goes through a symlink", what);
	case EXDEV:
		return failf(err, FAIL_INVALID_PATH, "refusing %s: it leaves the starting cgroup", what);
	case EILSEQ: /* has_dotdot */
		return failf(err, FAIL_INVALID_PATH, "refusing %s: \"..\" is not allowed", what);
	default:
		return fail_errno(err, e, "cannot open cgroup %s", what);
	}
}

int cg_open_beneath(int dirfd, const char *path, struct failure *err)
{
	char where[CG_PATH_BUF], what[CG_PATH_BUF];
	const char *dir;
	int fd;

	while (*path == '/')
		path++;
	fd = has_dotdot(path) ? -EILSEQ : open_beneath(dirfd, path, O_PATH | O_DIRECTORY);
	if (fd >= 0)
		return fd;
	dir = cg_fd_path(dirfd, where, sizeof(where));
	snprintf(what, sizeof(what), "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", path);
	return resolve_failure(-fd, what, err);
}

int cg_open_child(int dirfd, const char *name, struct failure *err)
{
	int fd = is_plain_name(name) ? open_beneath(dirfd, name, O_PATH | O_DIRECTORY) : -EINVAL;

	if (fd >= 0)
		return fd;
	if (fd == -ENOENT)
		return failf(err, FAIL_NOT_FOUND, "no cgroup %s", name);
	return cg_open_beneath(dirfd, name, err); /* anything else: again, for the full message */
}

/*
 * Client paths cross the trust boundary here.  cgpath_validate has already
 * checked the bytes; we still refuse ".." lexically and let the kernel
 * refuse symlinks and mount crossings, so `path` can only name `base` or
 * something below it.  `base` comes from /proc/<pid>/cgroup (the kernel),
 * not from the client, and is joined in front so one openat2 does all.
 */
static int open_joined(const struct hierarchy *h, const char *base, const char *path, const char *file, int flags,
		       struct failure *err)
{
	char joined[PATH_MAX], what[CG_PATH_BUF], *at = joined;
	const char *sep;
	size_t base_len, path_len, file_len;
	int fd;

	while (*base == '/')
		base++;
	while (*path == '/')
		path++;
	base_len = strlen(base);
	path_len = strlen(path);
	file_len = file ? strlen(file) : 0;
	sep = base_len && path_len ? "/" : "";
	if (base_len + path_len + file_len + 3 > sizeof(joined)) {
		fd = -ENAMETOOLONG;
	} else {
		at = mempcpy(mempcpy(mempcpy(at, base, base_len), sep, strlen(sep)), path, path_len);
		if (file && at > joined)
			*at++ = '/';
		*(char *)mempcpy(at, file ? file : "", file_len) = '\0';
		fd = has_dotdot(joined) ? -EILSEQ : open_beneath(h->root_fd, joined, flags);
	}
	if (fd >= 0)
		return fd;
	/* The message names the cgroup: its file is what the caller asked for in it. */
	snprintf(what, sizeof(what), "%s:/%s%s%s", h->name, base, sep, path);
	return resolve_failure(-fd, what, err);
}

int cg_open(const struct hierarchy *h, const char *base, const char *path, struct failure *err)
{
	return open_joined(h, base, path, NULL, O_PATH | O_DIRECTORY, err);
}

int cg_open_key(const struct hierarchy *h, const char *base, const char *path, const char *key, struct failure *err)
{
	if (check_key(key, err) < 0)
		return -1;
	return open_joined(h, base, path, key, O_RDONLY | O_NOFOLLOW, err);
}

int cg_open_parent(const struct hierarchy *h, const char *base, const char *path, char **ret_name, struct failure *err)
{
	cleanup_free char *copy = strdup(path);
	char *slash, *name;
	size_t len;
	int fd;

	if (!copy)
		return failf(err, FAIL_FAILED, "out of memory");
	len = strlen(copy);
	while (len > 0 && copy[len - 1] == '/')
		copy[--len] = '\0';
	slash = strrchr(copy, '/');
	name = slash ? slash + 1 : copy;
	if (!is_plain_name(name))
		return failf(err, FAIL_INVALID_PATH, "cgroup path \"%s\" names no cgroup below the starting one", path);
	if (slash)
		*slash = '\0';
	fd = cg_open(h, base, slash ? copy : "", err);
	if (fd < 0)
		return -1;
	*ret_name = strdup(name);
	if (!*ret_name) {
		close(fd);
		return failf(err, FAIL_FAILED, "out of memory");
	}
	return fd;
}

/* --- directory listing ------------------------------------------------------ */

typedef int (*entry_fn)(int dfd, const char *name, unsigned char type, void *data, struct failure *err);

/*
 * Calls fn for every entry but "." and ".." of the readable directory fd
 * `dfd`, reading it from where its offset stands.  A non-zero return of fn
 * stops and is returned.  The buffer is on the heap so that deep walks do
 * not grow the stack.
 */
static int dir_each(int dfd, entry_fn fn, void *data, struct failure *err)
{
	const size_t size = 8192;
	cleanup_free char *buf = malloc(size);
	char where[CG_PATH_BUF];

	if (!buf)
		return failf(err, FAIL_FAILED, "out of memory");
	for (;;) {
		ssize_t n = getdents64(dfd, buf, size);

		if (n < 0)
			return fail_errno(err, errno, "cannot list %s", cg_fd_path(dfd, where, sizeof(where)));
		if (n == 0)
			return 0;
		for (ssize_t off = 0; off < n;) {
			struct dirent64 *d = (struct dirent64 *)(buf + off);
			unsigned char type = d->d_type;
			int r;

			off += d->d_reclen;
			if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
				continue;
			if (type == DT_UNKNOWN) {
				struct stat st;

				if (fstatat(dfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
					continue;
				type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
			}
			r = fn(dfd, d->d_name, type, data, err);
			if (r != 0)
				return r;
		}
		/*
		 * kernfs (cgroupfs) fills the buffer until the directory ends, so
		 * room left for another entry means the end: skip the getdents64
		 * that would only say so.
		 */
		if ((size_t)n + offsetof(struct dirent64, d_name) + NAME_MAX + 1 <= size)
			return 0;
	}
}

/*
 * Whether the cgroup `fd` (O_PATH will do) has no child cgroups, told by
 * its link count: kernfs keeps a directory's st_nlink at 2 plus its
 * subdirectories, so a leaf need not be listed -- one fstat instead of an
 * open, a getdents64 of every interface file and a close.  Any other count
 * (1 is what filesystems that do not count directories say) means: list it.
 */
static bool has_no_children(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && st.st_nlink == 2;
}

/* A readable fd on the directory `fd` (which may be O_PATH), positioned at its start. */
static int open_listable(int fd, struct failure *err)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char where[CG_PATH_BUF];

	if (dfd < 0)
		return fail_errno(err, errno, "cannot open %s", cg_fd_path(fd, where, sizeof(where)));
	return dfd;
}

struct walk {
	bool children_first;
	cg_visit_fn visit;
	void *data;
};

static int walk_entry(int dfd, const char *name, unsigned char type, void *data, struct failure *err)
{
	struct walk *w = data;
	cleanup_close int cfd = -1;
	char where[CG_PATH_BUF];
	int r;

	if (type != DT_DIR)
		return 0;
	cfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (cfd < 0) {
		if (errno == ENOENT) /* removed since we listed it */
			return 0;
		return fail_errno(err, errno, "cannot open %s/%s", cg_fd_path(dfd, where, sizeof(where)), name);
	}
	if (!w->children_first && (r = w->visit(dfd, name, cfd, w->data, err)) != 0)
		return r;
	r = has_no_children(cfd) ? 0 : dir_each(cfd, walk_entry, w, err);
	if (r != 0)
		return r;
	if (w->children_first)
		return w->visit(dfd, name, cfd, w->data, err);
	return 0;
}

int cg_walk(int fd, bool children_first, cg_visit_fn visit, void *data, struct failure *err)
{
	struct walk w = {children_first, visit, data};
	cleanup_close int dfd = -1;

	if (has_no_children(fd))
		return 0;
	dfd = open_listable(fd, err);
	if (dfd < 0)
		return -1;
	return dir_each(dfd, walk_entry, &w, err);
}

/* --- create and delegate ------------------------------------------------------ */

struct owner {
	uid_t uid;
	gid_t gid;
};

static int chown_entry(int dfd, const char *name, unsigned char type, void *data, struct failure *err)
{
	const struct owner *o = data;
	char where[CG_PATH_BUF];

	if (fchownat(dfd, name, o->uid, o->gid, AT_SYMLINK_NOFOLLOW) < 0 && errno != ENOENT)
		return fail_errno(err, errno, "cannot hand %s/%s to %u:%u", cg_fd_path(dfd, where, sizeof(where)), name,
				  (unsigned)o->uid, (unsigned)o->gid);
	return 0;
}

/*
 * The mkdirs of cg_create_each run with the filesystem ids of uid/gid: the
 * kernel then gives the new cgroup directory and every file in it to
 * uid/gid itself, which saves a chown per file (dozens on v1).  The
 * permission check is then the user's own (write access to the parent,
 * without root's capabilities), so a mkdir refused that way is made again
 * as root here, with a chown per file.  `r` is the mkdir's result as the
 * owner (0, -errno; -EPERM when not tried).
 */
static int create_finish(const struct hierarchy *h, int parent_fd, const char *name, uid_t uid, gid_t gid, int r,
			 int *ret_fd, struct failure *err)
{
	struct owner o = {uid, gid};
	cleanup_close int fd = -1;
	char where[CG_PATH_BUF];
	struct stat st;
	bool made_as_root = false;

	if (r == -EPERM || r == -EACCES) {
		r = mkdirat(parent_fd, name, 0755) < 0 ? -errno : 0;
		made_as_root = true;
	}
	if (r < 0) {
		if (r != -EEXIST)
			return fail_errno(err, -r, "cannot create cgroup %s/%s",
					  cg_fd_path(parent_fd, where, sizeof(where)), name);
		if (ret_fd) {
			*ret_fd = openat(parent_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (*ret_fd < 0)
				return fail_errno(err, errno, "cannot open cgroup %s/%s",
						  cg_fd_path(parent_fd, where, sizeof(where)), name);
		}
		return 0;
	}
	fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		fail_errno(err, errno, "cannot open new cgroup %s/%s", cg_fd_path(parent_fd, where, sizeof(where)),
			   name);
		goto undo;
	}
	/*
	 * Made as its owner, the kernel gave the cgroup and its files to
	 * uid:gid; made as root in their stead, they are handed over here.
	 */
	if (made_as_root && (uid != 0 || gid != 0) && (fstat(fd, &st) < 0 || st.st_uid != uid || st.st_gid != gid)) {
		if (fchown(fd, uid, gid) < 0) {
			fail_errno(err, errno, "cannot hand new cgroup %s to %u:%u",
				   cg_fd_path(fd, where, sizeof(where)), (unsigned)uid, (unsigned)gid);
			goto undo;
		}
		if (dir_each(fd, chown_entry, &o, err) != 0)
			goto undo;
	}
	if (h->backend->init_created && h->backend->init_created(h, parent_fd, fd, err) < 0)
		goto undo;
	if (ret_fd)
		*ret_fd = cg_take_fd(&fd);
	return 1;
undo:
	/* Leave nothing half-made behind: the cgroup is new and empty, so rmdir cannot hurt anyone. */
	if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0)
		log_warning("cannot remove half-created cgroup %s/%s: %m", cg_fd_path(parent_fd, where, sizeof(where)),
			    name);
	return -1;
}

int cg_create_at(const struct hierarchy *h, int parent_fd, const char *name, uid_t uid, gid_t gid, int *ret_fd,
		 struct failure *err)
{
	struct cg_create_item item = {.h = h, .parent_fd = parent_fd, .fd = -1};
	int r = cg_create_each(&item, 1, name, uid, gid, err) < 0 ? -1 : item.made;

	if (r >= 0 && ret_fd)
		*ret_fd = item.fd;
	else if (item.fd >= 0)
		close(item.fd);
	return r;
}

int cg_create_each(struct cg_create_item *items, size_t n, const char *name, uid_t uid, gid_t gid, struct failure *err)
{
	size_t tried = n;

	if (!is_plain_name(name))
		return failf(err, FAIL_INVALID_PATH, "\"%s\" is not a cgroup name", name);
	for (size_t i = 0; i < n; i++) {
		items[i].fd = -1;
		items[i].made = -EPERM; /* root's own cgroups cost no chown: made as root */
	}
	/* One switch of the filesystem ids for every mkdir: each switch makes new credentials. */
	if (uid != 0 || gid != 0) {
		setfsgid(gid);
		setfsuid(uid);
		for (size_t i = 0; i < n && tried == n; i++)
			if ((items[i].made = mkdirat(items[i].parent_fd, name, 0755) < 0 ? -errno : 0) == -EEXIST)
				tried = i + 1;
		setfsuid(0);
		setfsgid(0);
	}
	for (size_t i = 0; i < tried; i++) {
		const struct cg_create_item *it = &items[i];
		int made = create_finish(it->h, it->parent_fd, name, uid, gid, it->made, &items[i].fd, err);

		items[i].made = made;
		if (made == 1)
			continue;
		/* The rest were made by the mkdir above and not finished: not left behind. */
		for (size_t j = i + 1; j < tried; j++) {
			if (items[j].made == 0 && unlinkat(items[j].parent_fd, name, AT_REMOVEDIR) < 0)
				log_warning("cannot remove half-created cgroup .../%s: %m", name);
			items[j].made = -1;
		}
		return made < 0 ? -1 : (int)i + 1;
	}
	return (int)tried;
}

int cg_delegate(const struct hierarchy_set *set, const struct hierarchy *h, int fd, uid_t uid, gid_t gid,
		struct failure *err)
{
	struct owner o = {uid, gid};
	char where[CG_PATH_BUF];

	if (fchownat(fd, "", uid, gid, AT_EMPTY_PATH) < 0)
		return fail_errno(err, errno, "cannot hand cgroup %s to %u:%u", cg_fd_path(fd, where, sizeof(where)),
				  (unsigned)uid, (unsigned)gid);
	for (char *const *f = h->backend->delegate_files(set); f && *f; f++)
		if (chown_entry(fd, *f, DT_REG, &o, err) < 0)
			return -1;
	return 0;
}

int cg_enable_controllers(const struct hierarchy *h, int fd, struct failure *err)
{
	return h->backend->enable_controllers ? h->backend->enable_controllers(h, fd, err) : 0;
}

int cg_chmod(int fd, const char *file, mode_t mode, struct failure *err)
{
	char where[CG_PATH_BUF];
	bool dir = !file || !*file;

	if (mode & ~(mode_t)0777)
		return failf(err, FAIL_INVALID_VALUE, "mode %#o has bits other than permissions", (unsigned)mode);
	if (!dir && check_key(file, err) < 0)
		return -1;
	if (fchmodat(fd, dir ? "." : file, mode, dir ? 0 : AT_SYMLINK_NOFOLLOW) < 0)
		return fail_errno(err, errno, "cannot chmod %s%s%s to %#o", cg_fd_path(fd, where, sizeof(where)),
				  dir ? "" : "/", dir ? "" : file, (unsigned)mode);
	return 0;
}

int cg_stat(int fd, const char *key, struct stat *ret, struct failure *err)
{
	char where[CG_PATH_BUF];
	bool dir = !key || !*key;

	if (!dir && check_key(key, err) < 0)
		return -1;
	if (fstatat(fd, dir ? "" : key, ret, AT_SYMLINK_NOFOLLOW | (dir ? AT_EMPTY_PATH : 0)) < 0)
		return fail_errno(err, errno, "cannot stat %s%s%s", cg_fd_path(fd, where, sizeof(where)),
				  dir ? "" : "/", dir ? "" : key);
	return 0;
}

/* --- attach, values ------------------------------------------------------------ */

static void arm_waiting_mark(const struct hierarchy *h, int fd, int procs_fd);

/* Writes `pid` into cgroup.procs, open as `procs`, of the cgroup `dir` (-1: not open; found when needed). */
static int attach_through(const struct hierarchy *h, int procs, int dir, pid_t pid, struct failure *err)
{
	char buf[32], where[CG_PATH_BUF], *slash;
	size_t len = (size_t)snprintf(buf, sizeof(buf), "%d", (int)pid);
	ssize_t n = write(procs, buf, len);
	int e = n < 0 ? errno : (size_t)n == len ? 0 : EIO;

	if (e) {
		/* Messages name the cgroup, not its file. */
		cg_fd_path(procs, where, sizeof(where));
		if ((slash = strrchr(where, '/')) && strcmp(slash, "/cgroup.procs") == 0)
			*slash = '\0';
		if (e == ESRCH)
			return failf(err, FAIL_NOT_FOUND, "cannot move process %d to %s: no such process", (int)pid,
				     where);
		return fail_errno(err, e, "cannot move process %d to %s", (int)pid, where);
	}
	arm_waiting_mark(h, dir, procs);
	return 0;
}

int cg_attach(const struct hierarchy *h, int fd, pid_t pid, struct failure *err)
{
	cleanup_close int procs = openat(fd, "cgroup.procs", O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	char where[CG_PATH_BUF];

	if (procs < 0)
		return fail_errno(err, errno, "cannot move process %d to %s", (int)pid,
				  cg_fd_path(fd, where, sizeof(where)));
	return attach_through(h, procs, fd, pid, err);
}

int cg_open_procs(const struct hierarchy *h, const char *base, const char *path, struct failure *err)
{
	return open_joined(h, base, path, "cgroup.procs", O_WRONLY | O_NOFOLLOW, err);
}

int cg_attach_procs(const struct hierarchy *h, int procs_fd, pid_t pid, struct failure *err)
{
	return attach_through(h, procs_fd, -1, pid, err);
}

int cg_read_value(int fd, char **ret_value, struct failure *err)
{
	return read_all(fd, fd, "", CG_VALUE_MAX, ret_value, NULL, err);
}

int cg_get_attribute(int fd, const char *key, char **ret_value, struct failure *err)
{
	if (check_key(key, err) < 0)
		return -1;
	return cg_read_at(fd, key, CG_VALUE_MAX, ret_value, NULL, err);
}

int cg_set_attribute(int fd, const char *key, const char *value, struct failure *err)
{
	if (check_key(key, err) < 0)
		return -1;
	if (strlen(value) > CG_VALUE_MAX)
		return failf(err, FAIL_INVALID_VALUE, "value for %s is longer than %d bytes", key, CG_VALUE_MAX);
	return cg_write_at(fd, key, value, err);
}

/* --- listings -------------------------------------------------------------------- */

struct names {
	char **v;
	size_t n, cap;
};

static int push_name(struct names *ns, const char *name)
{
	if (ns->n + 1 >= ns->cap) {
		size_t cap = ns->cap ? ns->cap * 2 : 16;
		char **v = realloc(ns->v, cap * sizeof(char *));

		if (!v)
			return -1;
		ns->v = v;
		ns->cap = cap;
	}
	ns->v[ns->n] = strdup(name);
	if (!ns->v[ns->n])
		return -1;
	ns->v[++ns->n] = NULL;
	return 0;
}

static int child_entry(int dfd, const char *name, unsigned char type, void *data, struct failure *err)
{
	if (type == DT_DIR && push_name(data, name) < 0)
		return failf(err, FAIL_FAILED, "out of memory");
	return 0;
}

int cg_list_children(int fd, char ***ret_names, struct failure *err)
{
	cleanup_close int dfd = -1;
	struct names ns = {0};

	if (!has_no_children(fd) && (dfd = open_listable(fd, err)) < 0)
		return -1;
	if ((dfd >= 0 && dir_each(dfd, child_entry, &ns, err) != 0) || push_name(&ns, "") < 0) {
		if (!err->kind)
			failf(err, FAIL_FAILED, "out of memory");
		strv_free(ns.v);
		return -1;
	}
	/* push_name("") made room for the terminator; drop the "" itself. */
	free(ns.v[--ns.n]);
	ns.v[ns.n] = NULL;
	qsort(ns.v, ns.n, sizeof(char *), compare_strings);
	*ret_names = ns.v;
	return 0;
}

struct pids {
	pid_t *v;
	size_t n, cap;
};

int cg_read_pids(int fd, pid_t **pids, size_t *n, size_t *cap, struct failure *err)
{
	cleanup_free char *text = NULL;

	if (cg_read_at(fd, "cgroup.procs", PROCS_MAX, &text, NULL, err) < 0)
		return -1;
	for (char *p = text, *end; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;
			pid_t *v = realloc(*pids, ncap * sizeof(pid_t));

			if (!v)
				return failf(err, FAIL_FAILED, "out of memory");
			*pids = v;
			*cap = ncap;
		}
		(*pids)[(*n)++] = (pid_t)pid;
	}
	return 0;
}

static int pids_visit(int parent_fd, const char *name, int fd, void *data, struct failure *err)
{
	struct pids *p = data;

	return cg_read_pids(fd, &p->v, &p->n, &p->cap, err);
}

int cg_list_pids(const struct hierarchy *h, int fd, bool recursive, pid_t **ret_pids, size_t *ret_n,
		 struct failure *err)
{
	struct pids p = {0};

	if (cg_read_pids(fd, &p.v, &p.n, &p.cap, err) < 0 ||
	    (recursive && cg_walk(fd, false, pids_visit, &p, err) < 0)) {
		free(p.v);
		return -1;
	}
	*ret_pids = p.v;
	*ret_n = p.n;
	return 0;
}

struct keys {
	struct cg_key *v;
	size_t n, cap;
};

static int key_entry(int dfd, const char *name, unsigned char type, void *data, struct failure *err)
{
	struct keys *k = data;
	char where[CG_PATH_BUF];
	struct stat st;

	if (type != DT_REG)
		return 0;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return fail_errno(err, errno, "cannot stat %s/%s", cg_fd_path(dfd, where, sizeof(where)), name);
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 64;
		struct cg_key *v = realloc(k->v, cap * sizeof(*v));

		if (!v)
			return failf(err, FAIL_FAILED, "out of memory");
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n] = (struct cg_key){strdup(name), st.st_uid, st.st_gid, st.st_mode & 07777};
	if (!k->v[k->n].name)
		return failf(err, FAIL_FAILED, "out of memory");
	k->n++;
	return 0;
}

static int compare_keys(const void *a, const void *b)
{
	return strcmp(((const struct cg_key *)a)->name, ((const struct cg_key *)b)->name);
}

int cg_list_keys(int fd, struct cg_key **ret_keys, size_t *ret_n, struct failure *err)
{
	cleanup_close int dfd = open_listable(fd, err);
	struct keys k = {0};

	if (dfd < 0)
		return -1;
	if (dir_each(dfd, key_entry, &k, err) != 0) {
		cg_keys_free(k.v, k.n);
		return -1;
	}
	if (k.n) /* qsort(NULL, 0, ...) is undefined; a plain directory may list nothing */
		qsort(k.v, k.n, sizeof(*k.v), compare_keys);
	*ret_keys = k.v;
	*ret_n = k.n;
	return 0;
}

void cg_keys_free(struct cg_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(keys[i].name);
	free(keys);
}

/* --- populated, remove, prune ------------------------------------------------------- */

int cg_is_populated(const struct hierarchy *h, int fd, struct failure *err)
{
	return h->backend->is_populated(h, fd, err);
}

static int rmdir_visit(int parent_fd, const char *name, int fd, void *data, struct failure *err)
{
	const bool *only_empty = data;
	char where[CG_PATH_BUF];

	if (unlinkat(parent_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
		return 0;
	if (*only_empty && (errno == EBUSY || errno == ENOTEMPTY))
		return 0; /* prune: a cgroup in use stays */
	return fail_errno(err, errno, "cannot remove cgroup %s/%s", cg_fd_path(parent_fd, where, sizeof(where)), name);
}

int cg_remove_at(const struct hierarchy *h, int parent_fd, const char *name, bool recursive, struct failure *err)
{
	static const bool all = false;
	cleanup_close int fd = -1;
	char where[CG_PATH_BUF];
	int e, populated;

	if (!is_plain_name(name))
		return failf(err, FAIL_INVALID_PATH, "\"%s\" is not a cgroup name", name);
	/* The common case, an empty leaf, costs one system call. */
	if (unlinkat(parent_fd, name, AT_REMOVEDIR) == 0)
		return 1;
	e = errno;
	if (e == ENOENT)
		return 0;
	if (e != EBUSY && e != ENOTEMPTY)
		return fail_errno(err, e, "cannot remove cgroup %s/%s", cg_fd_path(parent_fd, where, sizeof(where)),
				  name);
	fd = openat(parent_fd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0
				       : fail_errno(err, errno, "cannot open cgroup %s/%s",
						    cg_fd_path(parent_fd, where, sizeof(where)), name);
	/* Check the whole subtree before removing anything: a busy cgroup is left exactly as it was. */
	populated = h->backend->is_populated(h, fd, err);
	if (populated < 0)
		return -1;
	if (populated)
		return failf(err, FAIL_BUSY, "cannot remove cgroup %s: processes are in it or below it",
			     cg_fd_path(fd, where, sizeof(where)));
	if (!recursive)
		return failf(err, FAIL_BUSY, "cannot remove cgroup %s: it has child cgroups (remove recursively)",
			     cg_fd_path(fd, where, sizeof(where)));
	if (cg_walk(fd, true, rmdir_visit, (void *)&all, err) < 0)
		return -1;
	if (unlinkat(parent_fd, name, AT_REMOVEDIR) < 0)
		return fail_errno(err, errno, "cannot remove cgroup %s", cg_fd_path(fd, where, sizeof(where)));
	return 1;
}

int cg_prune(const struct hierarchy *h, int fd, struct failure *err)
{
	static const bool only_empty = true;

	return cg_walk(fd, true, rmdir_visit, (void *)&only_empty, err) < 0 ? -1 : 0;
}

/* --- kill, freeze ------------------------------------------------------------------------ */

struct kill_pass {
	int sig;
	size_t signalled;
};

static int kill_cgroup(int fd, struct kill_pass *k, struct failure *err)
{
	struct pids p = {0};

	if (cg_read_pids(fd, &p.v, &p.n, &p.cap, err) < 0) {
		free(p.v);
		if (err->kind != FAIL_NOT_FOUND)
			return -1;
		/* A cgroup removed under the walk holds nothing to signal. */
		*err = (struct failure){0};
		return 0;
	}
	for (size_t i = 0; i < p.n; i++)
		if (kill(p.v[i], k->sig) == 0)
			k->signalled++;
	free(p.v);
	return 0;
}

static int kill_visit(int parent_fd, const char *name, int fd, void *data, struct failure *err)
{
	return kill_cgroup(fd, data, err);
}

int cg_kill_walk(int fd, int sig, struct failure *err)
{
	/*
	 * SIGKILL: repeat while a pass still finds processes, to catch children
	 * forked meanwhile (killed processes leave cgroup.procs as they exit);
	 * bounded so that a fork storm cannot hold the daemon.  Other signals
	 * may be caught or ignored, so one pass.
	 */
	int passes = sig == SIGKILL ? 16 : 1;

	for (int i = 0; i < passes; i++) {
		struct kill_pass k = {sig, 0};

		if (kill_cgroup(fd, &k, err) < 0 || cg_walk(fd, false, kill_visit, &k, err) < 0)
			return -1;
		if (k.signalled == 0)
			break;
	}
	return 0;
}

/* The root cgroup holds every process of the system (and the daemon): never signal or freeze it whole. */
static int refuse_root(const struct hierarchy *h, int fd, const char *what, struct failure *err)
{
	struct stat a, b;

	if (fstat(fd, &a) < 0 || fstat(h->root_fd, &b) < 0)
		return fail_errno(err, errno, "cannot stat cgroup");
	if (a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return failf(err, FAIL_PERMISSION_DENIED, "refusing to %s the root cgroup of hierarchy %s", what,
			     h->name);
	return 0;
}

int cg_kill(const struct hierarchy *h, int fd, int sig, struct failure *err)
{
	if (sig < 0 || sig >= NSIG)
		return failf(err, FAIL_INVALID_VALUE, "%d is not a signal", sig);
	if (refuse_root(h, fd, "signal", err) < 0)
		return -1;
	return h->backend->kill(h, fd, sig, err);
}

int cg_freeze(const struct hierarchy *h, int fd, bool frozen, struct failure *err)
{
	if (refuse_root(h, fd, frozen ? "freeze" : "thaw", err) < 0)
		return -1;
	return h->backend->freeze(h, fd, frozen, err);
}

/* --- remove-on-empty ---------------------------------------------------------------------- */

/*
 * A marked cgroup, kept by its path below its hierarchy's root rather than
 * by an fd, so that thousands of sessions cost no file descriptors.  v2
 * marks sit in a hash by inotify watch descriptor; marks that need polling
 * (v1, and v2 ones that emptied while still having children, which changes
 * nothing in cgroup.events later) are also on the sweep list.
 */
struct mark {
	struct mark *next; /* hash chain: by wd (v2), by path (v1, no wd) */
	const struct hierarchy *h;
	char *path;
	int wd;		  /* -1 without inotify */
	bool armed;	  /* seen holding processes: only then is it removed when empty */
	bool polled;	  /* on the sweep list */
	bool session;	  /* a login's session: the empty cgroups left below it go with it (CG_MARK_SESSION) */
	bool waiting;	  /* listed and not armed: counted in watch.waiting */
	size_t polled_at; /* its index in watch.polled, when polled */
	/*
	 * The cgroup's inode (kernfs never gives a new cgroup an old one's):
	 * a cgroup made again at `path` after this one went is not this mark's.
	 */
	ino_t ino;
	/*
	 * The request it was made in (cg_watch_new_request; the dispatch
	 * cycle outside requests).  One request marks a session in every
	 * hierarchy, so its marks share this: when its v2 cgroup goes, its v1
	 * marks are tried, and until then the periodic sweep leaves them be.
	 */
	unsigned gen;
};

#define SWEEP_INTERVAL_MS 2000
#define HASH_SIZE	  1024

static struct {
	int ifd;
	struct mark *hash[HASH_SIZE];	 /* v2 marks, by wd */
	struct mark *by_path[HASH_SIZE]; /* v1 marks, by hierarchy and path */
	struct mark **polled;
	size_t npolled, cap;
	size_t waiting; /* listed marks not armed yet (made before their cgroup's first process) */
	uint64_t next_sweep;
	unsigned gen;
} watch = {.ifd = -1};

/*
 * Requests run on worker threads (server.c) and the main loop sweeps and
 * reads events: every function below that touches `watch` or a mark holds
 * this, from the first look to the last change.  None of them calls
 * another that takes it.
 */
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;

/* The generation of the request (or dispatch cycle) this thread is in: its marks get it. */
static _Thread_local unsigned current_gen;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int cg_watch_init(struct failure *err)
{
	if (watch.ifd >= 0)
		return 0;
	watch.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (watch.ifd < 0)
		return fail_errno(err, errno, "cannot create the inotify instance for remove-on-empty");
	return 0;
}

int cg_watch_fd(void)
{
	return watch.ifd;
}

static struct mark **hash_slot(int wd)
{
	return &watch.hash[(unsigned)wd % HASH_SIZE];
}

static struct mark *find_wd(int wd)
{
	for (struct mark *m = *hash_slot(wd); m; m = m->next)
		if (m->wd == wd)
			return m;
	return NULL;
}

/* A mark listed (hashed or polled) before it is armed waits for its cgroup's first process. */
static void count_waiting(struct mark *m)
{
	if (!m->armed && !m->waiting) {
		m->waiting = true;
		watch.waiting++;
	}
}

static void uncount_waiting(struct mark *m)
{
	if (m->waiting) {
		m->waiting = false;
		watch.waiting--;
	}
}

static struct mark **path_slot(const struct hierarchy *h, const char *path)
{
	uint64_t x = (uint64_t)(uintptr_t)h * 0x9e3779b97f4a7c15ULL;

	for (const unsigned char *c = (const unsigned char *)path; *c; c++)
		x = (x ^ *c) * 0x100000001b3ULL; /* FNV-1a */
	return &watch.by_path[x % HASH_SIZE];
}

/* The v1 mark on `path` of h in its `slot`, if any: one per path (a v1 mark has no wd to tell two apart). */
static struct mark *find_path(struct mark **slot, const struct hierarchy *h, const char *path)
{
	for (struct mark *m = *slot; m; m = m->next)
		if (m->h == h && strcmp(m->path, path) == 0)
			return m;
	return NULL;
}

static int poll_mark(struct mark *m)
{
	if (m->polled)
		return 0;
	if (watch.npolled == watch.cap) {
		size_t cap = watch.cap ? watch.cap * 2 : 16;
		struct mark **v = realloc(watch.polled, cap * sizeof(*v));

		if (!v)
			return -1;
		watch.polled = v;
		watch.cap = cap;
	}
	if (watch.npolled == 0)
		watch.next_sweep = now_ms() + SWEEP_INTERVAL_MS;
	m->polled_at = watch.npolled;
	watch.polled[watch.npolled++] = m;
	m->polled = true;
	count_waiting(m);
	return 0;
}

/* Forgets m; `watched` is false when the kernel already dropped its inotify watch (IN_IGNORED). */
static void drop_mark(struct mark *m, bool watched)
{
	for (struct mark **p = m->wd >= 0 ? hash_slot(m->wd) : path_slot(m->h, m->path); *p; p = &(*p)->next)
		if (*p == m) {
			*p = m->next;
			break;
		}
	if (m->wd >= 0 && watched && watch.ifd >= 0)
		inotify_rm_watch(watch.ifd, m->wd);
	if (m->polled) {
		struct mark *last = watch.polled[--watch.npolled];

		watch.polled[m->polled_at] = last;
		last->polled_at = m->polled_at;
	}
	uncount_waiting(m);
	free(m->path);
	free(m);
}

/*
 * An armed mark is also written on the cgroup itself, as an extended
 * attribute only CAP_SYS_ADMIN can set, so that the marks outlive the
 * daemon: a daemon restarted after a crash or a SIGKILL takes them over
 * (cg_watch_recover) and removes the sessions that ended meanwhile.  A user
 * cgroup carries SESSIONS_XATTR instead, for all its numbered children
 * (the sessions), so that a session cgroup made just before a SIGKILL,
 * before it could be marked, is not left behind either.  The value names
 * the daemon (its socket), so that a second daemon on the same hierarchies,
 * as the tests run, leaves the first one's marks alone.
 */
#define MARK_XATTR     "trusted.cgm.remove-on-empty"
#define SESSIONS_XATTR "trusted.cgm.sessions"

static char *mark_owner;

/* What the marks say: the daemon's name (its socket), "" before it has one. */
static const char *owner_name(void)
{
	return mark_owner ? mark_owner : "";
}

/*
 * Writes `xattr` on cgroup `fd` or, when fd < 0, on `path` below h's root.
 * An fd opened for reading (a cgroup just made) takes it directly; an
 * O_PATH one (EBADF) through its /proc/self/fd link, which costs a lookup
 * of the magic link (about 3 us more here).  Returns whether it was written.
 */
static bool persist(const struct hierarchy *h, int fd, const char *path, const char *xattr)
{
	static bool warned; /* once: without CAP_SYS_ADMIN over the host (in a container) it never works */
	const char *v = owner_name();
	char link[64];
	int r, dfd = -1;

	if (fd >= 0) {
		r = fsetxattr(fd, xattr, v, strlen(v), 0);
		if (r < 0 && errno == EBADF) {
			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			r = setxattr(link, xattr, v, strlen(v), 0);
		}
	} else {
		dfd = open_beneath(h->root_fd, path, O_RDONLY | O_DIRECTORY);
		r = dfd < 0 ? -1 : fsetxattr(dfd, xattr, v, strlen(v), 0);
	}
	if (r < 0 && !warned) {
		warned = true;
		log_warning("cannot record remove-on-empty marks on the cgroups (%s: %m): a restarted daemon will "
			    "not take them over",
			    h->name);
	}
	if (dfd >= 0)
		close(dfd);
	return r == 0;
}

/* Whether cgroup `fd` (any kind of fd) carries `xattr` with this daemon's name. */
static bool marked_ours(int fd, const char *xattr)
{
	char v[256], link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = getxattr(link, xattr, v, sizeof(v));
	return n >= 0 && (size_t)n == strlen(owner_name()) && memcmp(v, owner_name(), (size_t)n) == 0;
}

/*
 * The user cgroups this daemon has found or made carrying its sessions
 * mark, by device and inode: every login after a user's first finds the
 * mark there, and looking through the O_PATH fd's /proc link costs about
 * 3 us per hierarchy.  A slot holds the last cgroup hashed to it, so the
 * table never grows.  A removed cgroup's entry cannot vouch for a new one:
 * kernfs gives every new cgroup an inode number of its own (64 bits: an id
 * and a generation).  Only CAP_SYS_ADMIN over the host can take the mark
 * away; the daemon then writes it again once the slot is taken by another
 * cgroup or the daemon restarts.
 */
#define MARKED_USERS 1024

static struct {
	pthread_mutex_t lock;
	struct marked_user {
		dev_t dev;
		ino_t ino;
	} slot[MARKED_USERS];
} marked_users = {.lock = PTHREAD_MUTEX_INITIALIZER};

static struct marked_user *marked_user_slot(const struct stat *st)
{
	uint64_t k = ((uint64_t)st->st_dev * 0x9e3779b97f4a7c15ULL) ^ (uint64_t)st->st_ino;

	return &marked_users.slot[(k ^ (k >> 29)) % MARKED_USERS];
}

/* Whether st names a user cgroup known to carry the mark; `remember` records that it does. */
static bool marked_user_known(const struct stat *st, bool remember)
{
	struct marked_user *u = marked_user_slot(st);
	bool known;

	pthread_mutex_lock(&marked_users.lock);
	known = u->ino == st->st_ino && u->dev == st->st_dev;
	if (remember)
		*u = (struct marked_user){.dev = st->st_dev, .ino = st->st_ino};
	pthread_mutex_unlock(&marked_users.lock);
	return known;
}

/* Every login marks its user cgroup: a look first, since all but the first find the mark there. */
void cg_mark_sessions(const struct hierarchy *h, int fd, const struct stat *st)
{
	struct stat own;
	bool have_st;

	if (!st)
		st = fstat(fd, &own) == 0 ? &own : NULL;
	have_st = st && st->st_ino != 0;
	if (have_st && marked_user_known(st, false))
		return;
	if ((marked_ours(fd, SESSIONS_XATTR) || persist(h, fd, NULL, SESSIONS_XATTR)) && have_st)
		marked_user_known(st, true);
}

/*
 * Arms m; `fd` is its cgroup or -1.  A session's cgroup needs no mark of
 * its own: its user cgroup carries SESSIONS_XATTR from before the session
 * was made (cg_mark_sessions), which is what cg_watch_recover looks at for
 * a numbered child.  Ten extended attributes fewer per login, each set,
 * then freed by the kernel at rmdir.
 */
static void arm(struct mark *m, int fd)
{
	uncount_waiting(m);
	m->armed = true;
	if (!m->session)
		persist(m->h, fd, m->path, MARK_XATTR);
}

/*
 * The daemon has just moved a process into cgroup `fd`: a mark made on it
 * before its first process (RemoveOnEmpty, then MovePid: the old manager's
 * order, and pam_cgm's nodelegate) is armed now.  Left to the periodic
 * sweep (v1), it was armed only if a sweep happened to run while the
 * cgroup was populated, and a short session's v1 cgroups stayed; left to
 * the event (v2), a process gone again before the daemon read it was never
 * seen.  Costs an uncontended lock while no mark waits.
 */
static struct mark *find_waiting(const struct hierarchy *h, ino_t ino)
{
	for (size_t i = 0; i < watch.npolled; i++) {
		struct mark *m = watch.polled[i];

		if (!m->armed && m->h == h && m->ino == ino)
			return m;
	}
	for (size_t i = 0; h->backend->events_file && i < HASH_SIZE; i++)
		for (struct mark *m = watch.hash[i]; m; m = m->next)
			if (!m->armed && m->h == h && m->ino == ino)
				return m;
	return NULL;
}

/* The cgroup whose cgroup.procs `procs_fd` is, opened O_PATH beneath h's root; -1 if it cannot be. */
static int open_procs_cgroup(const struct hierarchy *h, int procs_fd)
{
	char where[CG_PATH_BUF], *slash;
	const char *path = cg_fd_realpath(procs_fd, where, sizeof(where));
	size_t root_len = strlen(h->mount_path);

	if (strncmp(path, h->mount_path, root_len) != 0 || path[root_len] != '/' || !(slash = strrchr(where, '/')))
		return -1;
	/* The root's own cgroup.procs leaves "" (the root) once the file's name is cut. */
	*slash = '\0';
	return open_beneath(h->root_fd, slash > path + root_len ? path + root_len + 1 : "", O_PATH | O_DIRECTORY);
}

/* `fd` is the cgroup, or -1 when only its cgroup.procs, `procs_fd`, is open. */
static void arm_waiting_mark(const struct hierarchy *h, int fd, int procs_fd)
{
	cleanup_close int own = -1;
	struct mark *m = NULL;
	struct stat st;

	pthread_mutex_lock(&watch_lock);
	if (watch.waiting && fd < 0)
		fd = own = open_procs_cgroup(h, procs_fd);
	if (watch.waiting && fd >= 0 && fstat(fd, &st) == 0)
		m = find_waiting(h, st.st_ino);
	if (m)
		arm(m, fd);
	pthread_mutex_unlock(&watch_lock);
}

/*
 * cg_remove_on_empty; `armed` takes a mark over as armed whether or not
 * processes are in now, `session` makes it a session's (CG_MARK_SESSION).
 */
static int add_mark(const struct hierarchy *h, int fd, const char *path, bool armed, bool session, struct failure *err)
{
	struct stat st;
	char where[CG_PATH_BUF];
	struct mark *m;
	int populated;

	if (watch.ifd < 0 && cg_watch_init(err) < 0)
		return -1;
	if (!path) {
		const char *real = cg_fd_realpath(fd, where, sizeof(where));
		size_t root_len = strlen(h->mount_path);

		if (strncmp(real, h->mount_path, root_len) != 0 || real[root_len] != '/')
			return failf(err, FAIL_INVALID_PATH, "cannot mark %s remove-on-empty: not a cgroup below %s",
				     real, h->mount_path);
		path = real + root_len + 1;
	}
	populated = armed ? 1 : h->backend->is_populated(h, fd, err);
	if (populated < 0)
		return -1;
	m = calloc(1, sizeof(*m));
	if (!m || !(m->path = strdup(path))) {
		free(m);
		return failf(err, FAIL_FAILED, "out of memory");
	}
	m->h = h;
	m->gen = current_gen;
	m->wd = -1;
	m->session = session;
	m->ino = fstat(fd, &st) == 0 ? st.st_ino : 0;
	if (h->backend->events_file) {
		char file[64];

		/* inotify takes a path; our own fd's magic link names exactly this cgroup. */
		snprintf(file, sizeof(file), "/proc/self/fd/%d/%s", fd, h->backend->events_file);
		m->wd = inotify_add_watch(watch.ifd, file, IN_MODIFY);
		if (m->wd < 0) {
			int e = errno;

			free(m->path);
			free(m);
			return fail_errno(err, e, "cannot watch %s/%s", path, h->backend->events_file);
		}
		if (find_wd(m->wd)) { /* marked twice: keep the first */
			free(m->path);
			free(m);
			return 0;
		}
		m->next = *hash_slot(m->wd);
		*hash_slot(m->wd) = m;
		if (armed || populated > 0)
			arm(m, fd);
		else
			count_waiting(m);
	} else {
		struct mark **slot = path_slot(h, m->path), *old = find_path(slot, h, m->path);

		if (old && old->ino == m->ino) { /* marked twice: keep the first */
			free(m->path);
			free(m);
			return 0;
		}
		/* The mark of a cgroup removed from this path (Remove leaves it to the sweep): stale. */
		if (old)
			drop_mark(old, false);
		m->next = *slot; /* the slot is the list's head: dropping `old` left it valid */
		*slot = m;
		if (poll_mark(m) < 0) {
			drop_mark(m, false);
			return failf(err, FAIL_FAILED, "out of memory");
		}
		if (armed || populated > 0)
			arm(m, fd);
	}
	return 0;
}

int cg_remove_on_empty(const struct hierarchy *h, int fd, const char *path, unsigned flags, struct failure *err)
{
	int r;

	pthread_mutex_lock(&watch_lock);
	r = add_mark(h, fd, path, flags & CG_MARK_FILLED, flags & CG_MARK_SESSION, err);
	pthread_mutex_unlock(&watch_lock);
	return r;
}

/*
 * Session m refused rmdir; `st` is its stat from just before.  A leaf
 * (st_nlink 2) refuses for its processes; one with children and no
 * process anywhere below is a session whose processes are all gone but
 * for the cgroups the user made in it: those empty ones go first (a busy
 * one, moved into meanwhile, stays and keeps the session), then the
 * session.
 */
static bool remove_emptied_session(struct mark *m, const struct stat *st)
{
	struct failure err = {0};
	struct stat now;
	bool removed = false;
	int fd;

	if (!S_ISDIR(st->st_mode) || st->st_nlink == 2)
		return false;
	fd = open_beneath(m->h->root_fd, m->path, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return fd == -ENOENT;
	if (fstat(fd, &now) == 0 && now.st_ino == m->ino && m->h->backend->is_populated(m->h, fd, &err) == 0 &&
	    cg_prune(m->h, fd, &err) == 0 && unlinkat(m->h->root_fd, m->path, AT_REMOVEDIR) == 0) {
		log_debug("removed empty session %s:/%s and the empty cgroups below it", m->h->name, m->path);
		removed = true;
	}
	close(fd);
	return removed;
}

/*
 * Tries to remove marked cgroup m once it is empty.  rmdir itself is the
 * check: the kernel refuses (EBUSY) a cgroup with processes or children, so
 * an attempt costs one system call and cannot race with a process moving
 * in.  Returns true when the mark is done with (removed or gone).
 */
static bool try_remove(struct mark *m)
{
	struct failure err = {0};
	struct stat st;
	int fd, populated;

	if (!m->armed) {
		/* Never seen populated yet (v1): a cgroup waiting for its first process is not "empty". */
		fd = open_beneath(m->h->root_fd, m->path, O_PATH | O_DIRECTORY);
		if (fd < 0)
			return fd == -ENOENT;
		if (fstat(fd, &st) == 0 && st.st_ino != m->ino) {
			close(fd);
			return true; /* made again at this path since: not this mark's */
		}
		populated = m->h->backend->is_populated(m->h, fd, &err);
		if (populated > 0)
			arm(m, fd);
		close(fd);
		return false;
	}
	if (fstatat(m->h->root_fd, m->path, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT;
	/* Made again at this path since (a Remove, then a Create): not this mark's to remove. */
	if (st.st_ino != m->ino)
		return true;
	if (unlinkat(m->h->root_fd, m->path, AT_REMOVEDIR) == 0) {
		log_debug("removed empty cgroup %s:/%s", m->h->name, m->path);
		return true;
	}
	if (errno == ENOENT)
		return true;
	if (errno != EBUSY && errno != ENOTEMPTY) {
		log_warning("cannot remove empty cgroup %s:/%s: %m", m->h->name, m->path);
		return true;
	}
	return m->session && remove_emptied_session(m, &st);
}

static int compare_gen(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/*
 * The requests (gens) with an armed v2 mark still watched, sorted; NULL
 * when there are none or no memory (then nothing is skipped).  An armed
 * mark's end is sure to come once its cgroup empties; one still waiting
 * for a first process may never see one.
 */
static unsigned *watched_gens(size_t *ret_n)
{
	unsigned *gens = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < HASH_SIZE; i++)
		for (struct mark *m = watch.hash[i]; m; m = m->next) {
			if (!m->armed)
				continue;
			if (n == cap) {
				unsigned *grown = realloc(gens, (cap = cap ? cap * 2 : 64) * sizeof(*gens));

				if (!grown) {
					free(gens);
					*ret_n = 0;
					return NULL;
				}
				gens = grown;
			}
			gens[n++] = m->gen;
		}
	if (n)
		qsort(gens, n, sizeof(*gens), compare_gen);
	*ret_n = n;
	return gens;
}

/*
 * Tries the polled marks: those of one request (its v2 mark went), or
 * every one (gen NULL, the periodic sweep) but the armed v1 marks of a
 * request whose v2 mark still watches: that mark's end tries them.
 * Without the exception, each sweep cost a stat and a refused rmdir per v1
 * hierarchy of every live session (62 ms every 2 s with 1,000 sessions on
 * 10 hierarchies, while requests waited).
 */
static void sweep(const unsigned *gen)
{
	size_t ngens = 0;
	unsigned *gens = gen ? NULL : watched_gens(&ngens);

	for (size_t i = 0; i < watch.npolled;) {
		struct mark *m = watch.polled[i];
		bool v2_tells =
			m->armed && m->wd < 0 && gens && bsearch(&m->gen, gens, ngens, sizeof(*gens), compare_gen);

		if ((gen ? m->gen == *gen : !v2_tells) && try_remove(m))
			drop_mark(m, true); /* moves the last entry to i */
		else
			i++;
	}
	free(gens);
	if (!gen)
		watch.next_sweep = now_ms() + SWEEP_INTERVAL_MS;
}

/* The v2 mark m's cgroup is gone: forget it, and try the v1 marks made with it. */
static void mark_gone(struct mark *m, bool watched)
{
	unsigned gen = m->gen;

	drop_mark(m, watched);
	sweep(&gen);
}

/* Something happened to v2 mark m's cgroup.events. */
static void check_mark(struct mark *m)
{
	struct failure err = {0};
	int fd, populated;

	if (!m->armed) {
		try_remove(m); /* only arms it once populated */
		return;
	}
	if (try_remove(m)) {
		mark_gone(m, true);
		return;
	}
	/* Busy: still populated, or emptied with children left, which no later event will tell. */
	fd = open_beneath(m->h->root_fd, m->path, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return;
	populated = m->h->backend->is_populated(m->h, fd, &err);
	close(fd);
	if (populated == 0 && poll_mark(m) < 0)
		log_warning("out of memory: cgroup %s:/%s will not be removed when empty", m->h->name, m->path);
}

static void handle_event(const struct inotify_event *ev)
{
	struct mark *m;

	if (ev->mask & IN_Q_OVERFLOW) {
		/* Events were lost: look at every v2 mark, then sweep. */
		for (size_t i = 0; i < HASH_SIZE; i++)
			for (struct mark *next, *p = watch.hash[i]; p; p = next) {
				next = p->next;
				check_mark(p);
			}
		sweep(NULL);
		return;
	}
	m = find_wd(ev->wd);
	if (!m)
		return;
	if (ev->mask & IN_IGNORED) /* the cgroup was removed by someone else */
		mark_gone(m, false);
	else
		check_mark(m);
}

/* A cgroup below the root in the recovery walk: children first, so a session's empty children go first. */
static int recover_visit(int dfd, const char *name, int cfd, void *data, struct failure *err)
{
	const struct hierarchy *h = data;
	struct failure ignored = {0};
	bool session = strspn(name, "0123456789") == strlen(name) && marked_ours(dfd, SESSIONS_XATTR);

	if (!session && !marked_ours(cfd, MARK_XATTR))
		return 0;
	if (unlinkat(dfd, name, AT_REMOVEDIR) == 0) {
		log_info("removed cgroup %s:.../%s, which emptied while no daemon watched it", h->name, name);
		return 0;
	}
	/* A mark of its own: which v2 mark a recovered v1 one went with is not recorded, so it is swept. */
	current_gen = ++watch.gen;
	if ((errno != EBUSY && errno != ENOTEMPTY) || add_mark(h, cfd, NULL, true, session, &ignored) < 0)
		log_warning("cannot take over the mark of cgroup %s:.../%s: %s", h->name, name,
			    ignored.kind ? ignored.message : strerror(errno));
	return 0;
}

int cg_watch_recover(const struct hierarchy_set *set, const char *owner, struct failure *err)
{
	free(mark_owner);
	if (!(mark_owner = strdup(owner)))
		return failf(err, FAIL_FAILED, "out of memory");
	pthread_mutex_lock(&watch_lock);
	for (size_t i = 0; i < set->n; i++) {
		struct failure walk_err = {0};

		if (cg_walk(set->items[i].root_fd, true, recover_visit, &set->items[i], &walk_err) < 0)
			log_warning("cannot look for the marks left in %s: %s", set->items[i].name, walk_err.message);
	}
	pthread_mutex_unlock(&watch_lock);
	return 0;
}

void cg_watch_dispatch(void)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	pthread_mutex_lock(&watch_lock);
	/* Marks made from now on belong to the next cycle. */
	current_gen = ++watch.gen;
	/* Read under the lock: an event is never seen before the mark its watch was made for. */
	while (watch.ifd >= 0 && (n = read(watch.ifd, buf, sizeof(buf))) > 0)
		for (ssize_t off = 0; off < n;) {
			const struct inotify_event *ev = (const struct inotify_event *)(buf + off);

			off += (ssize_t)sizeof(*ev) + ev->len;
			handle_event(ev);
		}
	if (watch.npolled && now_ms() >= watch.next_sweep)
		sweep(NULL);
	pthread_mutex_unlock(&watch_lock);
}

void cg_watch_new_request(void)
{
	pthread_mutex_lock(&watch_lock);
	current_gen = ++watch.gen;
	pthread_mutex_unlock(&watch_lock);
}

int cg_watch_timeout_ms(void)
{
	uint64_t now, next;
	size_t npolled;

	pthread_mutex_lock(&watch_lock);
	npolled = watch.npolled;
	next = watch.next_sweep;
	pthread_mutex_unlock(&watch_lock);
	if (npolled == 0)
		return -1;
	now = now_ms();
	return next <= now ? 0 : (int)(next - now);
}

void cg_watch_done(void)
{
	pthread_mutex_lock(&watch_lock);
	for (size_t i = 0; i < HASH_SIZE; i++)
		while (watch.hash[i])
			drop_mark(watch.hash[i], true);
	while (watch.npolled)
		drop_mark(watch.polled[0], true);
	free(watch.polled);
	watch.polled = NULL;
	watch.cap = 0;
	free(mark_owner);
	mark_owner = NULL;
	if (watch.ifd >= 0)
		close(watch.ifd);
	watch.ifd = -1;
	pthread_mutex_unlock(&watch_lock);
}
