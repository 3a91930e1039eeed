/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgm.conf(5) reader.  It only decides which "key value" pairs apply to
 * the user logging in; whether a hierarchy has the key is the daemon's to
 * say when the module sets it.  Syntax is checked here so that a typo is
 * reported with its file and line instead of as a refusal at login.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

#define BLANKS " \t\r\n"

/*
 * Interface file names as the kernel spells them ("memory.max",
 * "hugetlb.2MB.limit_in_bytes"): a controller prefix, a dot, a rest.  The
 * files that move processes are refused here as the daemon refuses them;
 * "tasks", "release_agent" and "notify_on_release" have no dot.
 */
static const char *key_error(const char *key)
{
	const char *dot = strchr(key, '.');

	if (strspn(key, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(key))
		return "key has a character no cgroup file name has";
	if (!dot || dot == key || key[strlen(key) - 1] == '.')
		return "key is not of the form <controller>.<name>";
	if (strcmp(key, "cgroup.procs") == 0 || strcmp(key, "cgroup.threads") == 0)
		return "key moves processes, it is not a limit";
	return NULL;
}

/* Whether `who` (a user name, "@group" or "*") names the user; its rank when it does, else 0. */
static int who_rank(const char *field, const struct pcg_who *who)
{
	if (strcmp(field, "*") == 0)
		return 1;
	if (field[0] == '@')
		return who->in_group(who->ctx, who->user, field + 1) ? 2 : 0;
	return strcmp(field, who->user) == 0 ? 3 : 0;
}

static int limits_put(struct pcg_limits *limits, const char *key, const char *value, int rank)
{
	struct pcg_limit *l = NULL, *grown;
	char *v;

	for (size_t i = 0; i < limits->n; i++)
		if (strcmp(limits->v[i].key, key) == 0)
			l = &limits->v[i];
	if (l && l->rank > rank)
		return 0;
	if (!(v = strdup(value)))
		return -ENOMEM;
	if (!l) {
		grown = realloc(limits->v, (limits->n + 1) * sizeof(*grown));
		if (!grown) {
			free(v);
			return -ENOMEM;
		}
		limits->v = grown;
		l = &limits->v[limits->n];
		if (!(l->key = strdup(key))) {
			free(v);
			return -ENOMEM;
		}
		l->value = NULL;
		limits->n++;
	}
	free(l->value);
	l->value = v;
	l->rank = rank;
	return 0;
}

int pcg_conf_parse(FILE *f, const char *name, const struct pcg_who *who, struct pcg_limits *limits,
		   pcg_report_fn *report, void *report_ctx)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int bad = 0, r = 0;

	while (getline(&line, &cap, f) >= 0) {
		char *p = line, *field, *key, *value, *end;
		const char *why = NULL;
		int rank;

		lineno++;
		/* Values of cgroup files never hold a '#', so a comment may start anywhere. */
		p[strcspn(p, "#")] = '\0';
		p += strspn(p, BLANKS);
		if (!*p)
			continue;
		field = p;
		p += strcspn(p, BLANKS);
		if (*p)
			*p++ = '\0';
		p += strspn(p, BLANKS);
		key = p;
		p += strcspn(p, BLANKS);
		if (*p)
			*p++ = '\0';
		value = p + strspn(p, BLANKS);
		/* The value is the rest of the line: some files take several words ("max 100000"). */
		end = value + strlen(value);
		while (end > value && strchr(BLANKS, end[-1]))
			*--end = '\0';

		if (!*key || !*value)
			why = "expected \"<user|@group|*> <key> <value>\"";
		else if (field[0] == '@' && !field[1])
			why = "\"@\" without a group name";
		else if (strlen(value) > PCG_CONF_VALUE_MAX)
			why = "value too long";
		else
			why = key_error(key);
		if (why) {
			report(report_ctx, "%s:%u: %s; line skipped", name, lineno, why);
			bad++;
			continue;
		}
		rank = who_rank(field, who);
		if (rank && (r = limits_put(limits, key, value, rank)) < 0)
			break;
	}
	free(line);
	return r < 0 ? r : bad;
}

/* Parses the file at `path` when it exists; see pcg_conf_load(). */
static int load_file(const char *path, const struct pcg_who *who, struct pcg_limits *limits, pcg_report_fn *report,
		     void *report_ctx)
{
	FILE *f = fopen(path, "re");
	int r;

	if (!f) {
		if (errno == ENOENT)
			return 0;
		report(report_ctx, "%s: %s; no limits read from it", path, strerror(errno));
		return 1;
	}
	r = pcg_conf_parse(f, path, who, limits, report, report_ctx);
	fclose(f);
	return r;
}

static int is_conf_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0;
}

int pcg_conf_load(const char *conf, const struct pcg_who *who, struct pcg_limits *limits, pcg_report_fn *report,
		  void *report_ctx)
{
	struct dirent **names = NULL;
	int total, n;

	if (conf)
		return load_file(conf, who, limits, report, report_ctx);
	total = load_file(PCG_DEFAULT_CONF, who, limits, report, report_ctx);
	n = scandir(PCG_DEFAULT_CONF ".d", &names, is_conf_name, alphasort);
	for (int i = 0; i < n; i++) {
		char *path;
		int r;

		if (total >= 0) {
			if (asprintf(&path, "%s.d/%s", PCG_DEFAULT_CONF, names[i]->d_name) < 0) {
				total = -ENOMEM;
			} else {
				r = load_file(path, who, limits, report, report_ctx);
				total = r < 0 ? r : total + r;
				free(path);
			}
		}
		free(names[i]);
	}
	free(names);
	return total;
}

void pcg_limits_clear(struct pcg_limits *limits)
{
	for (size_t i = 0; i < limits->n; i++) {
		free(limits->v[i].key);
		free(limits->v[i].value);
	}
	free(limits->v);
	*limits = (struct pcg_limits){0};
}
