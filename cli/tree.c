/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `cgm tree` draws the subtree a caller can see, built only from what any
 * client may ask (ListChildren, ListKeys, GetTasks).  A cgroup's owner is
 * the owner of its cgroup.procs (or v1 tasks) file: the one who may move
 * processes in, which is what delegation hands over.  The whole tree is
 * read first and printed after, so text and JSON come from one walk.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "tree.h"

struct node {
	char *name, *path;
	bool have_owner;
	uid_t uid;
	gid_t gid;
	long tasks; /* -1: could not be read */
	struct node **children;
	size_t n_children;
};

static void node_free(struct node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->n_children; i++)
		node_free(n->children[i]);
	free(n->children);
	free(n->name);
	free(n->path);
	free(n);
}

static char *join(const char *parent, const char *child)
{
	size_t lp = strlen(parent);
	bool slash = lp > 0 && parent[lp - 1] != '/';
	char *p = malloc(lp + slash + strlen(child) + 1);

	if (p)
		sprintf(p, "%s%s%s", parent, slash ? "/" : "", child);
	return p;
}

static void read_owner(struct cgm *conn, const char *c, struct node *n)
{
	struct cgm_key *keys = NULL;
	size_t nk = 0;

	if (cgm_list_keys(conn, c, n->path, &keys, &nk) < 0)
		return;
	/* cgroup.procs where there is one; v1 "tasks" otherwise. */
	for (size_t i = 0; i < nk; i++) {
		bool procs = strcmp(keys[i].name, "cgroup.procs") == 0;

		if (procs || (!n->have_owner && strcmp(keys[i].name, "tasks") == 0)) {
			n->have_owner = true;
			n->uid = keys[i].uid;
			n->gid = keys[i].gid;
			if (procs)
				break;
		}
	}
	cgm_keys_free(keys, nk);
}

/* Reads the cgroup at path and everything below it; returns NULL with *ret_err set when path itself fails. */
static struct node *read_tree(struct cgm *conn, const char *c, const char *name, char *path, int *ret_err)
{
	struct node *n = calloc(1, sizeof(*n));
	char **children = NULL;
	pid_t *pids = NULL;
	size_t np = 0, count = 0;
	int r;

	if (!n || !path || !(n->name = strdup(name))) {
		free(n);
		free(path);
		*ret_err = CGM_ENOMEM;
		return NULL;
	}
	n->path = path;
	r = cgm_list_children(conn, c, path, &children);
	if (r < 0) {
		node_free(n);
		*ret_err = r;
		return NULL;
	}
	n->tasks = cgm_get_tasks(conn, c, path, &pids, &np) < 0 ? -1 : (long)np;
	free(pids);
	read_owner(conn, c, n);

	while (children && children[count])
		count++;
	n->children = calloc(count ? count : 1, sizeof(*n->children));
	for (size_t i = 0; n->children && i < count; i++) {
		int ignored;
		struct node *child = read_tree(conn, c, children[i], join(path, children[i]), &ignored);

		/* A child that vanished or cannot be read is left out; the rest of the tree still shows. */
		if (child)
			n->children[n->n_children++] = child;
	}
	cgm_strv_free(children);
	return n;
}

static void print_owner(const struct node *n)
{
	struct passwd *pw;
	struct group *gr;

	if (!n->have_owner) {
		fputs("?:?", stdout);
		return;
	}
	pw = getpwuid(n->uid);
	gr = getgrgid(n->gid);
	if (pw)
		fputs(pw->pw_name, stdout);
	else
		printf("%u", (unsigned)n->uid);
	putchar(':');
	if (gr)
		fputs(gr->gr_name, stdout);
	else
		printf("%u", (unsigned)n->gid);
}

static void print_text(const struct node *n, const char *prefix, bool last, bool top)
{
	char sub[4096];

	printf("%s%s%s  (", prefix, top ? "" : last ? "└── " : "├── ", n->name);
	print_owner(n);
	if (n->tasks < 0)
		fputs(", ? tasks)\n", stdout);
	else
		printf(", %ld task%s)\n", n->tasks, n->tasks == 1 ? "" : "s");
	snprintf(sub, sizeof(sub), "%s%s", prefix, top ? "" : last ? "    " : "│   ");
	for (size_t i = 0; i < n->n_children; i++)
		print_text(n->children[i], sub, i + 1 == n->n_children, false);
}

static void print_json(const struct node *n)
{
	fputs("{\"name\": ", stdout);
	json_string(stdout, n->name);
	fputs(", \"path\": ", stdout);
	json_string(stdout, n->path);
	if (n->have_owner)
		printf(", \"uid\": %u, \"gid\": %u", (unsigned)n->uid, (unsigned)n->gid);
	else
		fputs(", \"uid\": null, \"gid\": null", stdout);
	if (n->tasks < 0)
		fputs(", \"tasks\": null", stdout);
	else
		printf(", \"tasks\": %ld", n->tasks);
	fputs(", \"children\": [", stdout);
	for (size_t i = 0; i < n->n_children; i++) {
		if (i)
			fputs(", ", stdout);
		print_json(n->children[i]);
	}
	fputs("]}", stdout);
}

int tree_show(struct cgm *conn, const char *c, const char *cg, bool json)
{
	int r = 0;
	struct node *top = read_tree(conn, c, *cg ? cg : ".", strdup(cg), &r);

	if (!top)
		return r;
	if (json) {
		fputs("{\"tree\": ", stdout);
		print_json(top);
		fputs("}\n", stdout);
	} else {
		print_text(top, "", true, true);
	}
	node_free(top);
	return 0;
}
