/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Discovery and mounting of the cgroup hierarchies (see hierarchy.h).  What
 * the kernel says is read once at start: /proc/cgroups for the controllers
 * and which hierarchy each is bound to, /proc/self/mountinfo for whether
 * and how the host mounted cgroup2, /proc/self/cgroup for the hierarchies
 * themselves.  After that every request works on the root fds kept here.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "cgroup-backend.h"
#include "cgroup.h"
#include "hierarchy.h"
#include "log.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

/* /proc files are small; this bounds what a broken kernel could make us read. */
#define PROC_FILE_MAX (1024 * 1024)

static int read_file(const char *path, char **ret, struct failure *err)
{
	return cg_read_at(AT_FDCWD, path, PROC_FILE_MAX, ret, NULL, err);
}

/* Splits `list` at commas into a NULL-terminated vector (empty items dropped). */
static int split_commas(const char *list, char ***ret, struct failure *err)
{
	cleanup_free char *copy = strdup(list);
	char **v = NULL, *save = NULL;

	if (!copy)
		return failf(err, FAIL_FAILED, "out of memory");
	if (strv_add(&v, NULL) < 0) /* an empty list is {NULL}, not NULL */
		return failf(err, FAIL_FAILED, "out of memory");
	for (char *w = strtok_r(copy, ",", &save); w; w = strtok_r(NULL, ",", &save))
		if (strv_add(&v, w) < 0) {
			strv_free(v);
			return failf(err, FAIL_FAILED, "out of memory");
		}
	*ret = v;
	return 0;
}

/* A hierarchy matches a word naming it exactly or naming one of its controllers. */
static bool hierarchy_matches(const struct hierarchy *h, const char *word)
{
	return strcmp(h->name, word) == 0 || strv_contains(h->controllers, word);
}

/* Index of the hierarchy `word` selects: exact names first, then v1 controllers, then v2 ones. */
static ssize_t hierarchy_find(const struct hierarchy_set *set, const char *word)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->items[i].name, word) == 0)
			return (ssize_t)i;
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < set->n; i++)
			if (set->items[i].unified == (pass == 1) && hierarchy_matches(&set->items[i], word))
				return (ssize_t)i;
	return -1;
}

static void hierarchy_clear(struct hierarchy *h)
{
	if (h->mount_path)
		cg_unname_mount(h->mount_path);
	free(h->name);
	strv_free(h->controllers);
	free(h->mount_path);
	free(h->mount_data);
	free(h->root);
	if (h->root_fd >= 0)
		close(h->root_fd);
	memset(h, 0, sizeof(*h));
	h->root_fd = -1;
}

const char *hierarchy_root(const struct hierarchy *h)
{
	return h->root ? h->root : "/";
}

void hierarchies_free(struct hierarchy_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		hierarchy_clear(&set->items[i]);
	free(set->items);
	strv_free(set->reserved_prefixes);
	strv_free(set->delegate_files);
	memset(set, 0, sizeof(*set));
}

static int add_hierarchy(struct hierarchy_set *set, const char *name, int kernel_id, bool unified,
			 const char *mount_data, struct failure *err)
{
	struct hierarchy *items = realloc(set->items, (set->n + 1) * sizeof(*items));
	struct hierarchy *h;

	if (!items)
		return failf(err, FAIL_FAILED, "out of memory");
	set->items = items;
	h = &items[set->n];
	memset(h, 0, sizeof(*h));
	h->root_fd = -1;
	h->kernel_id = kernel_id;
	h->unified = unified;
	h->backend = unified ? &cgroup_backend_v2 : &cgroup_backend_v1;
	h->name = strdup(name);
	h->mount_data = strdup(mount_data);
	if (!h->name || !h->mount_data) {
		hierarchy_clear(h);
		return failf(err, FAIL_FAILED, "out of memory");
	}
	set->n++;
	if (unified)
		return strv_add(&h->controllers, NULL) < 0 ? failf(err, FAIL_FAILED, "out of memory") : 0;
	/* v1: the controllers are the set's items but "name=" (a named hierarchy). */
	if (split_commas(name, &h->controllers, err) < 0)
		return -1;
	for (char **p = h->controllers, **q = h->controllers;; p++) {
		if (*p && strncmp(*p, "name=", 5) == 0) {
			free(*p);
			continue;
		}
		*q++ = *p;
		if (!*p)
			break;
	}
	return 0;
}

static const char *next_line(const char *line)
{
	const char *eol = strchr(line, '\n');

	return eol ? eol + 1 : NULL;
}

/* The hierarchy id /proc/cgroups gives `controller` (0: none, it belongs to v2), -1 if unknown. */
static int proc_cgroups_hierarchy_of(const char *text, const char *controller)
{
	for (const char *line = text; line && *line; line = next_line(line)) {
		char name[64];
		int id;

		if (line[0] != '#' && sscanf(line, "%63s %d", name, &id) == 2 && strcmp(name, controller) == 0)
			return id;
	}
	return -1;
}

static int read_reserved_prefixes(struct hierarchy_set *set, const char *proc_cgroups, struct failure *err)
{
	/* Pressure files (io.pressure, irq.pressure) exist in every v2 cgroup whatever the controllers. */
	static const char *const always[] = {"cgroup", "io", "irq"};

	for (size_t i = 0; i < sizeof(always) / sizeof(always[0]); i++)
		if (strv_add(&set->reserved_prefixes, always[i]) < 0)
			return failf(err, FAIL_FAILED, "out of memory");
	for (const char *line = proc_cgroups; line && *line; line = next_line(line)) {
		char name[64];

		if (line[0] != '#' && sscanf(line, "%63s", name) == 1 && strv_add(&set->reserved_prefixes, name) < 0)
			return failf(err, FAIL_FAILED, "out of memory");
	}
	return 0;
}

static int read_delegate_files(struct hierarchy_set *set, struct failure *err)
{
	static const char *const documented[] = {"cgroup.procs", "cgroup.threads", "cgroup.subtree_control"};
	cleanup_free char *text = NULL;
	struct failure ignored;
	char *save = NULL;

	if (read_file("/sys/kernel/cgroup/delegate", &text, &ignored) == 0) {
		for (char *w = strtok_r(text, "\n", &save); w; w = strtok_r(NULL, "\n", &save))
			if (strv_add(&set->delegate_files, w) < 0)
				return failf(err, FAIL_FAILED, "out of memory");
	}
	if (set->delegate_files)
		return 0;
	for (size_t i = 0; i < sizeof(documented) / sizeof(documented[0]); i++)
		if (strv_add(&set->delegate_files, documented[i]) < 0)
			return failf(err, FAIL_FAILED, "out of memory");
	return 0;
}

/*
 * The superblock options of the host's cgroup2 mount, without "rw"/"ro".
 * They matter: mounting cgroup2 in the initial cgroup namespace applies the
 * new mount's flags (nsdelegate, memory_recursiveprot, ...) to the whole
 * system, so the daemon must pass exactly what the host already has.
 * Returns 1 and *ret (and the mount point in ret_mnt, sized PATH_MAX)
 * when cgroup2 is mounted, 0 when not.
 */
static int host_cgroup2_options(const char *mountinfo, char **ret, char *ret_mnt, struct failure *err)
{
	for (const char *line = mountinfo; line && *line; line = next_line(line)) {
		const char *sep = strstr(line, " - ");
		const char *eol = strchr(line, '\n');
		char fstype[32], opts[1024];

		if (sep && (!eol || sep < eol) && sscanf(sep + 3, "%31s %*s %1023s", fstype, opts) == 2 &&
		    strcmp(fstype, "cgroup2") == 0 && sscanf(line, "%*s %*s %*s %*s %4095s", ret_mnt) == 1) {
			cleanup_free char *out = calloc(1, strlen(opts) + 1);
			char *save = NULL;

			if (!out)
				return failf(err, FAIL_FAILED, "out of memory");
			for (char *w = strtok_r(opts, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
				if (strcmp(w, "rw") == 0 || strcmp(w, "ro") == 0)
					continue;
				if (*out)
					strcat(out, ",");
				strcat(out, w);
			}
			*ret = out;
			out = NULL;
			return 1;
		}
	}
	return 0;
}

/*
 * Splits the next "id:controllers:path" line of a /proc/<pid>/cgroup text
 * at *cursor in place and returns its id: -1 for a malformed line, -2 at
 * the end.
 */
static int next_cgroup_line(char **cursor, char **ret_controllers, char **ret_path)
{
	char *line = *cursor, *next, *c1, *c2;

	if (!line || !*line)
		return -2;
	next = strchr(line, '\n');
	if (next)
		*next++ = '\0';
	*cursor = next;
	c1 = strchr(line, ':');
	c2 = c1 ? strchr(c1 + 1, ':') : NULL;
	if (!c2)
		return -1;
	*c1 = *c2 = '\0';
	*ret_controllers = c1 + 1;
	*ret_path = c2 + 1;
	return atoi(line);
}

static int compare_hierarchies(const void *a, const void *b)
{
	const struct hierarchy *x = a, *y = b;

	if (x->unified != y->unified)
		return x->unified ? 1 : -1;
	return x->kernel_id - y->kernel_id;
}

/* Keeps the hierarchies `only` selects (all when NULL) minus those `skip` selects. */
static int filter_hierarchies(struct hierarchy_set *set, const char *only, const char *skip, struct failure *err)
{
	cleanup_free bool *keep = calloc(set->n + 1, sizeof(bool));
	size_t n = 0;

	if (!keep)
		return failf(err, FAIL_FAILED, "out of memory");
	for (size_t i = 0; i < set->n; i++)
		keep[i] = !only;
	if (only) {
		cleanup_free size_t *idx = calloc(set->n + 1, sizeof(size_t));
		size_t nidx = 0;

		if (!idx)
			return failf(err, FAIL_FAILED, "out of memory");
		if (hierarchies_select(set, only, idx, &nidx, err) < 0)
			return -1;
		for (size_t i = 0; i < nidx; i++)
			keep[idx[i]] = true;
	}
	if (skip) {
		char **words;

		if (split_commas(skip, &words, err) < 0)
			return -1;
		/* v2 is skipped only by its name: skipping one controller must not drop every v2 one. */
		for (char **w = words; *w; w++)
			for (size_t i = 0; i < set->n; i++)
				if (set->items[i].unified ? strcmp(set->items[i].name, *w) == 0
							  : hierarchy_matches(&set->items[i], *w))
					keep[i] = false;
		strv_free(words);
	}
	for (size_t i = 0; i < set->n; i++) {
		if (keep[i])
			set->items[n++] = set->items[i];
		else
			hierarchy_clear(&set->items[i]);
	}
	set->n = n;
	return 0;
}

/* Adds the controllers of the v2 root `dirfd` to h->controllers and to the reserved prefixes. */
static int add_v2_controllers(struct hierarchy_set *set, struct hierarchy *h, int dirfd, struct failure *err)
{
	cleanup_free char *text = NULL;
	char *save = NULL;

	if (cg_read_at(dirfd, "cgroup.controllers", PROC_FILE_MAX, &text, NULL, err) < 0)
		return -1;
	for (char *w = strtok_r(text, " \n", &save); w; w = strtok_r(NULL, " \n", &save))
		if (strv_add(&h->controllers, w) < 0 || strv_add(&set->reserved_prefixes, w) < 0)
			return failf(err, FAIL_FAILED, "out of memory");
	return 0;
}

int hierarchies_discover(struct hierarchy_set *ret, const char *only, const char *skip, struct failure *err)
{
	cleanup_free char *proc_cgroups = NULL, *mountinfo = NULL, *self = NULL, *v2_options = NULL;
	struct hierarchy_set set = {0};
	bool have_v1 = false, have_v2_line = false;
	char v2_mount[PATH_MAX] = "";
	int r, id;

	if (read_file("/proc/cgroups", &proc_cgroups, err) < 0 ||
	    read_file("/proc/self/mountinfo", &mountinfo, err) < 0 || read_file("/proc/self/cgroup", &self, err) < 0)
		return -1;
	r = host_cgroup2_options(mountinfo, &v2_options, v2_mount, err);
	if (r < 0)
		return -1;

	for (char *cursor = self, *controllers, *path; (id = next_cgroup_line(&cursor, &controllers, &path)) != -2;) {
		if (id == 0)
			have_v2_line = true;
		if (id <= 0 || !*controllers)
			continue;
		have_v1 = true;
		if (add_hierarchy(&set, controllers, id, false, controllers, err) < 0)
			goto fail;
	}
	/*
	 * cgroup2 is managed where the host uses it; on a host with no v1
	 * hierarchy it is the only one there is, mounted or not.
	 */
	if (have_v2_line && (r > 0 || !have_v1) &&
	    add_hierarchy(&set, "unified", 0, true, r > 0 ? v2_options : "", err) < 0)
		goto fail;
	qsort(set.items, set.n, sizeof(*set.items), compare_hierarchies);

	if (read_reserved_prefixes(&set, proc_cgroups, err) < 0 || read_delegate_files(&set, err) < 0)
		goto fail;
	/* v2 controllers as the host's mount shows them, so that --controllers memory works on a v2 host. */
	if (*v2_mount && set.n && set.items[set.n - 1].unified) {
		struct failure ignored; /* hierarchies_mount reads them again and fails there */
		int dirfd = open(v2_mount, O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (dirfd >= 0) {
			add_v2_controllers(&set, &set.items[set.n - 1], dirfd, &ignored);
			close(dirfd);
		}
	}
	if (filter_hierarchies(&set, only, skip, err) < 0)
		goto fail;
	if (set.n == 0) {
		failf(err, FAIL_UNKNOWN_HIERARCHY, "no cgroup hierarchy left to manage (only: %s, skip: %s)",
		      only ? only : "all", skip ? skip : "none");
		goto fail;
	}
	*ret = set;
	return 0;
fail:
	hierarchies_free(&set);
	return -1;
}

/* Refuses to mount a v1 hierarchy unless each of its controllers is already bound to it. */
static int check_v1_bound(const struct hierarchy *h, const char *proc_cgroups, struct failure *err)
{
	for (char **c = h->controllers; *c; c++) {
		int id = proc_cgroups_hierarchy_of(proc_cgroups, *c);

		if (id != h->kernel_id)
			return failf(
				err, FAIL_FAILED,
				"refusing to mount v1 hierarchy %s: controller %s is bound to hierarchy %d, not %d",
				h->name, *c, id, h->kernel_id);
	}
	return 0;
}

static int mount_one(struct hierarchy_set *set, struct hierarchy *h, const char *mount_root, const char *proc_cgroups,
		     struct failure *err)
{
	cleanup_free char *path = NULL, *data = NULL;
	struct statfs sfs;
	int fd;

	if (asprintf(&path, "%s/%s", mount_root, h->name) < 0)
		return failf(err, FAIL_FAILED, "out of memory");
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return fail_errno(err, errno, "cannot create mount point %s", path);
	if (h->unified) {
		data = strdup(h->mount_data);
	} else {
		if (check_v1_bound(h, proc_cgroups, err) < 0)
			return -1;
		/* A named hierarchy without controllers needs "none" so the kernel binds none. */
		if (asprintf(&data, "%s%s", h->controllers[0] ? "" : "none,", h->mount_data) < 0)
			data = NULL;
	}
	if (!data)
		return failf(err, FAIL_FAILED, "out of memory");
	if (mount(h->unified ? "cgroup2" : "cgroup", path, h->unified ? "cgroup2" : "cgroup",
		  MS_NOSUID | MS_NODEV | MS_NOEXEC, data) < 0)
		return fail_errno(err, errno, "cannot mount cgroup hierarchy %s on %s (options \"%s\")", h->name, path,
				  data);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return fail_errno(err, errno, "cannot open %s", path);
	if (fstatfs(fd, &sfs) < 0 || sfs.f_type != (h->unified ? CGROUP2_SUPER_MAGIC : CGROUP_SUPER_MAGIC)) {
		close(fd);
		return failf(err, FAIL_FAILED, "%s is not a cgroup%s mount after mounting it", path,
			     h->unified ? "2" : "");
	}
	if (h->root) {
		/* From here on the root is all the daemon holds of this hierarchy. */
		int top = fd;

		fd = cg_open_beneath(top, h->root, err);
		close(top);
		if (fd < 0) {
			char why[sizeof(err->message)];

			snprintf(why, sizeof(why), "%s", err->message);
			return failf(err, err->kind, "--root %s in %s: %s", h->root, h->name, why);
		}
	}
	if (h->root_fd >= 0)
		close(h->root_fd);
	h->root_fd = fd;
	if (h->mount_path)
		cg_unname_mount(h->mount_path);
	free(h->mount_path);
	/* As the kernel spells it (no symlinks), since cgroup.c compares it with the paths of fds below it. */
	{
		char real[CG_PATH_BUF];

		h->mount_path = strdup(cg_fd_realpath(fd, real, sizeof(real)));
	}
	if (!h->mount_path)
		return failf(err, FAIL_FAILED, "out of memory");
	cg_name_mount(h->mount_path, h->name);

	if (h->unified && add_v2_controllers(set, h, fd, err) < 0)
		return -1;
	log_info("mounted hierarchy %s (%s) on %s%s%s", h->name, h->backend->name, h->mount_path,
		 h->root ? ", managing only " : "", h->root ? h->root : "");
	return 0;
}

int hierarchies_mount(struct hierarchy_set *set, const char *mount_root, struct failure *err)
{
	cleanup_free char *proc_cgroups = NULL;

	if (mkdir(mount_root, 0755) < 0 && errno != EEXIST)
		return fail_errno(err, errno, "cannot create %s", mount_root);
	/* Read again right before mounting: this is the check that protects v2's controllers. */
	if (read_file("/proc/cgroups", &proc_cgroups, err) < 0)
		return -1;
	for (size_t i = 0; i < set->n; i++)
		if (mount_one(set, &set->items[i], mount_root, proc_cgroups, err) < 0)
			return -1;
	return 0;
}

/* A root given on the command line: absolute, no empty, "." or ".." component. */
static int check_root_path(const char *root, struct failure *err)
{
	if (root[0] != '/')
		return failf(err, FAIL_INVALID_PATH, "--root %s: a cgroup path from the top, starting with /", root);
	for (const char *p = root + 1; *p;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return failf(err, FAIL_INVALID_PATH, "--root %s: empty, \".\" or \"..\" component", root);
		p += n + (p[n] == '/');
		if (p[-1] == '/' && !*p)
			return failf(err, FAIL_INVALID_PATH, "--root %s: trailing /", root);
	}
	return 0;
}

int hierarchies_set_roots(struct hierarchy_set *set, const char *spec, struct failure *err)
{
	char **own;

	if (!spec)
		return 0;
	if (strcmp(spec, "auto") != 0) {
		if (check_root_path(spec, err) < 0)
			return -1;
		for (size_t i = 0; i < set->n; i++) {
			free(set->items[i].root);
			set->items[i].root = strcmp(spec, "/") == 0 ? NULL : strdup(spec);
			if (strcmp(spec, "/") != 0 && !set->items[i].root)
				return failf(err, FAIL_FAILED, "out of memory");
		}
		return 0;
	}
	/* The roots are not set yet, so these are the paths from the top. */
	own = hierarchies_pid_cgroups(set, getpid(), err);
	if (!own)
		return -1;
	for (size_t i = 0; i < set->n; i++) {
		struct hierarchy *h = &set->items[i];

		free(h->root);
		h->root = NULL;
		if (strcmp(own[i], "/") == 0)
			log_notice("--root auto: cgmd is in the top cgroup of %s; it manages all of it", h->name);
		else if (!(h->root = strdup(own[i]))) {
			free(own);
			return failf(err, FAIL_FAILED, "out of memory");
		}
	}
	free(own);
	return 0;
}

int hierarchies_select(const struct hierarchy_set *set, const char *spec, size_t *ret_idx, size_t *ret_n,
		       struct failure *err)
{
	size_t n = 0;

	if (!spec || !*spec)
		return failf(err, FAIL_UNKNOWN_HIERARCHY, "no hierarchy named (use \"all\" or a name)");
	if (strcmp(spec, "all") == 0) {
		for (size_t i = 0; i < set->n; i++)
			ret_idx[i] = i;
		*ret_n = set->n;
		return 0;
	}
	/*
	 * A whole v1 name such as "cpu,cpuacct" is also a list of its
	 * controllers: either way it selects one.  Every request names its
	 * hierarchies, so the words are taken on the stack.
	 */
	for (const char *p = spec; *p; p += *p == ',') {
		size_t len = strcspn(p, ","), k = 0;
		char word[256];
		ssize_t i = -1;

		if (len == 0)
			continue;
		if (len < sizeof(word)) {
			memcpy(word, p, len);
			word[len] = '\0';
			i = hierarchy_find(set, word);
		}
		if (i < 0)
			return failf(err, FAIL_UNKNOWN_HIERARCHY, "unknown cgroup hierarchy or controller \"%.*s\"",
				     (int)len, p);
		while (k < n && ret_idx[k] != (size_t)i)
			k++;
		if (k == n)
			ret_idx[n++] = (size_t)i;
		p += len;
	}
	if (n == 0)
		return failf(err, FAIL_UNKNOWN_HIERARCHY, "no hierarchy named in \"%s\"", spec);
	*ret_n = n;
	return 0;
}

/*
 * Reads the whole /proc/<pid>/cgroup from the open `fd` with pread at 0:
 * into `buf` (`size` bytes) when it fits, else into a new allocation
 * *ret_heap.  A single_open seq_file, so a read shorter than asked for is
 * all of it.  A process reaped since the file was opened reads ESRCH (and
 * a pid recycled since is another struct pid: it never shows through
 * `fd`).  Returns the text's length, or -1.
 */
static ssize_t read_proc_cgroup(int fd, pid_t pid, char *buf, size_t size, char **ret_heap, struct failure *err)
{
	*ret_heap = NULL;
	for (size_t cap = size; cap <= PROC_FILE_MAX; cap *= 2) {
		ssize_t n;

		if (cap > size) {
			char *grown = realloc(*ret_heap, cap);

			if (!grown)
				break;
			*ret_heap = buf = grown;
		}
		n = pread(fd, buf, cap, 0);
		if (n >= 0 && (size_t)n < cap)
			return n;
		if (n < 0) {
			int e = errno;

			free(*ret_heap);
			*ret_heap = NULL;
			if (e == ESRCH)
				return failf(err, FAIL_NOT_FOUND, "process %d is gone", (int)pid);
			return fail_errno(err, e, "cannot read /proc/%d/cgroup", (int)pid);
		}
	}
	free(*ret_heap);
	*ret_heap = NULL;
	return failf(err, FAIL_FAILED, "/proc/%d/cgroup: out of memory or too long", (int)pid);
}

/*
 * The answer is one block: the array of paths, a flag per hierarchy, "/",
 * the text as read (for hierarchies_cgroups_again to compare), and the
 * text again, cut at its line ends and colons, that the paths point into.
 */
static size_t block_fixed(const struct hierarchy_set *set)
{
	return set->n * (sizeof(char *) + sizeof(bool)) + 2;
}

static char **parse_cgroups(const struct hierarchy_set *set, const char *text, size_t len, pid_t pid,
			    struct failure *err)
{
	const size_t fixed = block_fixed(set);
	char *mem = malloc(fixed + 2 * len + 1), **paths, *slash, *cut;
	bool *seen;
	size_t found = 0;
	int id;

	if (!mem) {
		failf(err, FAIL_FAILED, "out of memory");
		return NULL;
	}
	paths = (char **)(void *)mem;
	seen = (bool *)(mem + set->n * sizeof(char *));
	slash = (char *)(seen + set->n);
	memcpy(slash, "/", 2);
	memcpy(mem + fixed, text, len);
	cut = mem + fixed + len;
	memcpy(cut, text, len);
	cut[len] = '\0';
	for (size_t i = 0; i < set->n; i++) {
		paths[i] = NULL;
		seen[i] = false;
	}
	for (char *cursor = cut, *controllers, *path; (id = next_cgroup_line(&cursor, &controllers, &path)) != -2;) {
		for (size_t i = 0; i < set->n; i++) {
			const char *root = set->items[i].root;
			size_t n = root ? strlen(root) : 0;

			if (seen[i] || set->items[i].kernel_id != id)
				continue;
			seen[i] = true;
			found++;
			if (root && (strncmp(path, root, n) != 0 || (path[n] != '\0' && path[n] != '/')))
				continue; /* outside the managed root: left NULL */
			paths[i] = root ? (path[n] ? path + n : slash) : path;
		}
	}
	if (found == set->n)
		return paths;
	for (size_t i = 0; i < set->n; i++)
		if (!seen[i]) {
			failf(err, FAIL_NOT_FOUND, "process %d is in no cgroup of hierarchy %s (/proc/%d/cgroup)",
			      (int)pid, set->items[i].name, (int)pid);
			break;
		}
	free(mem);
	return NULL;
}

char **hierarchies_pid_cgroups(const struct hierarchy_set *set, pid_t pid, struct failure *err)
{
	char file[64];
	char **paths;
	int fd;

	snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			failf(err, FAIL_NOT_FOUND, "no process %d", (int)pid);
		else
			fail_errno(err, errno, "cannot open %s", file);
		return NULL;
	}
	paths = hierarchies_cgroups_at(set, fd, pid, err);
	close(fd);
	return paths;
}

char *const *hierarchies_cgroups_again(const struct hierarchy_set *set, int fd, pid_t pid, struct cgroups_seen *seen,
				       struct failure *err)
{
	char buf[4096], *heap, **paths = NULL;
	ssize_t len = read_proc_cgroup(fd, pid, buf, sizeof(buf), &heap, err);
	const char *text = heap ? heap : buf;

	if (len >= 0 && seen->paths && (size_t)len == seen->len &&
	    memcmp((char *)seen->paths + block_fixed(set), text, (size_t)len) == 0)
		paths = seen->paths;
	else if (len >= 0 && (paths = parse_cgroups(set, text, (size_t)len, pid, err))) {
		hierarchies_cgroups_forget(seen);
		seen->paths = paths;
		seen->len = (size_t)len;
	}
	free(heap);
	return paths;
}

/* The same read with nothing seen before: the block is the caller's. */
char **hierarchies_cgroups_at(const struct hierarchy_set *set, int fd, pid_t pid, struct failure *err)
{
	struct cgroups_seen fresh = {0};

	return hierarchies_cgroups_again(set, fd, pid, &fresh, err) ? fresh.paths : NULL;
}

void hierarchies_cgroups_forget(struct cgroups_seen *seen)
{
	free(seen->paths);
	seen->paths = NULL;
	seen->len = 0;
}

char **hierarchies_cgroups_dup(const struct hierarchy_set *set, char *const *paths)
{
	size_t size = set->n * sizeof(char *);
	char **copy, *at;

	for (size_t i = 0; i < set->n; i++)
		size += paths[i] ? strlen(paths[i]) + 1 : 0;
	copy = malloc(size ? size : 1);
	if (!copy)
		return NULL;
	at = (char *)(copy + set->n);
	for (size_t i = 0; i < set->n; i++) {
		copy[i] = paths[i] ? strcpy(at, paths[i]) : NULL;
		at += paths[i] ? strlen(paths[i]) + 1 : 0;
	}
	return copy;
}
