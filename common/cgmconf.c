/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The cgm.conf(5) reader (see cgmconf.h).  It only decides which "key
 * value" pairs apply to a user; whether a hierarchy has the key is for
 * whoever sets it to find out.  Syntax is checked here so that a typo is
 * reported with its file and line instead of as a refusal at login.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgmconf.h"

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
static int who_rank(const char *field, const struct cgmconf_who *who)
{
	if (strcmp(field, "*") == 0)
		return 1;
	if (field[0] == '@')
		return who->in_group(who->ctx, who->user, field + 1) ? 2 : 0;
	return strcmp(field, who->user) == 0 ? 3 : 0;
}

static int limits_put(struct cgmconf_limits *limits, const char *key, const char *value, int rank)
{
	struct cgmconf_limit *l = NULL, *grown;
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

static int rules_add(struct cgmconf *conf, const char *who, const char *key, const char *value)
{
	struct cgmconf_rule *grown = realloc(conf->v, (conf->n + 1) * sizeof(*grown));
	struct cgmconf_rule *r;

	if (!grown)
		return -ENOMEM;
	conf->v = grown;
	r = &conf->v[conf->n];
	r->who = strdup(who);
	r->key = strdup(key);
	r->value = strdup(value);
	if (!r->who || !r->key || !r->value) {
		free(r->who);
		free(r->key);
		free(r->value);
		return -ENOMEM;
	}
	conf->n++;
	return 0;
}

int cgmconf_parse(FILE *f, const char *name, struct cgmconf *conf, cgmconf_report_fn *report, void *report_ctx)
{
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	int bad = 0, r = 0;

	while (getline(&line, &cap, f) >= 0) {
		char *p = line, *field, *key, *value, *end;
		const char *why = NULL;

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
		else if (strlen(value) > CGMCONF_VALUE_MAX)
			why = "value too long";
		else
			why = key_error(key);
		if (why) {
			report(report_ctx, "%s:%u: %s; line skipped", name, lineno, why);
			bad++;
			continue;
		}
		if ((r = rules_add(conf, field, key, value)) < 0)
			break;
	}
	free(line);
	return r < 0 ? r : bad;
}

int cgmconf_match(const struct cgmconf *conf, const struct cgmconf_who *who, struct cgmconf_limits *limits)
{
	for (size_t i = 0; i < conf->n; i++) {
		const struct cgmconf_rule *rule = &conf->v[i];
		int rank = who_rank(rule->who, who), r;

		if (rank && (r = limits_put(limits, rule->key, rule->value, rank)) < 0)
			return r;
	}
	return 0;
}

/* Parses the file at `path` when it exists; see cgmconf_load(). */
static int load_file(const char *path, struct cgmconf *conf, cgmconf_report_fn *report, void *report_ctx)
{
	FILE *f = fopen(path, "re");
	int r;

	if (!f) {
		if (errno == ENOENT)
			return 0;
		report(report_ctx, "%s: %s; no limits read from it", path, strerror(errno));
		return 1;
	}
	r = cgmconf_parse(f, path, conf, report, report_ctx);
	fclose(f);
	return r;
}

static int is_conf_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0;
}

int cgmconf_load(const char *path, bool with_dir, struct cgmconf *conf, cgmconf_report_fn *report, void *report_ctx)
{
	struct dirent **names = NULL;
	char *dir;
	int total, n;

	total = load_file(path, conf, report, report_ctx);
	if (!with_dir || total < 0)
		return total;
	if (asprintf(&dir, "%s.d", path) < 0)
		return -ENOMEM;
	n = scandir(dir, &names, is_conf_name, alphasort);
	if (n < 0 && errno != ENOENT && errno != ENOTDIR) {
		report(report_ctx, "%s: %s; no limits read from it", dir, strerror(errno));
		total++;
	}
	for (int i = 0; i < n; i++) {
		char *file;
		int r;

		if (total >= 0) {
			if (asprintf(&file, "%s/%s", dir, names[i]->d_name) < 0) {
				total = -ENOMEM;
			} else {
				r = load_file(file, conf, report, report_ctx);
				total = r < 0 ? r : total + r;
				free(file);
			}
		}
		free(names[i]);
	}
	free(names);
	free(dir);
	return total;
}

void cgmconf_clear(struct cgmconf *conf)
{
	for (size_t i = 0; i < conf->n; i++) {
		free(conf->v[i].who);
		free(conf->v[i].key);
		free(conf->v[i].value);
	}
	free(conf->v);
	*conf = (struct cgmconf){0};
}

void cgmconf_limits_clear(struct cgmconf_limits *limits)
{
	for (size_t i = 0; i < limits->n; i++) {
		free(limits->v[i].key);
		free(limits->v[i].value);
	}
	free(limits->v);
	*limits = (struct cgmconf_limits){0};
}
