/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Argument parsing and cgroup name expansion for pam_cgm.  Kept apart from
 * the PAM entry points so that the unit tests drive it directly: it reads
 * nothing but its arguments and reports through a callback.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"

/* The value of "name=value" when `arg` starts with `name=`, else NULL. */
static const char *arg_value(const char *arg, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(arg, name, n) != 0 || arg[n] != '=')
		return NULL;
	return arg + n + 1;
}

/* A timeout a login can afford: 1 ms to 10 minutes. */
static int parse_timeout(const char *s, int *ret_ms)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 600000)
		return -EINVAL;
	*ret_ms = (int)v;
	return 0;
}

int pcg_parse_args(int argc, const char **argv, struct pcg_args *ret, pcg_report_fn *report, void *report_ctx)
{
	/* Options taking a non-empty string, stored as is. */
	static const struct {
		const char *name;
		size_t offset;
	} strings[] = {
		{"controllers", offsetof(struct pcg_args, controllers)},
		{"base", offsetof(struct pcg_args, base)},
		{"pattern", offsetof(struct pcg_args, pattern)},
		{"socket", offsetof(struct pcg_args, socket)},
		{"conf", offsetof(struct pcg_args, conf)},
	};
	int bad = 0;

	*ret = (struct pcg_args){
		.controllers = PCG_DEFAULT_CONTROLLERS,
		.base = PCG_DEFAULT_BASE,
		.pattern = PCG_DEFAULT_PATTERN,
		.timeout_ms = PCG_DEFAULT_TIMEOUT_MS,
	};

	for (int i = 0; i < argc; i++) {
		const char *arg = argv[i], *v;
		size_t k;

		if (strcmp(arg, "debug") == 0) {
			ret->debug = true;
			continue;
		}
		if (strcmp(arg, "nodelegate") == 0) {
			ret->nodelegate = true;
			continue;
		}
		if (strcmp(arg, "skip_root") == 0) {
			ret->skip_root = true;
			continue;
		}
		if ((v = arg_value(arg, "timeout"))) {
			if (parse_timeout(v, &ret->timeout_ms) < 0) {
				report(report_ctx, "bad timeout \"%s\" (milliseconds, 1 to 600000); using %d", v,
				       ret->timeout_ms);
				bad++;
			}
			continue;
		}
		for (k = 0; k < sizeof(strings) / sizeof(strings[0]); k++)
			if ((v = arg_value(arg, strings[k].name)))
				break;
		if (k == sizeof(strings) / sizeof(strings[0])) {
			report(report_ctx, "unknown option \"%s\" ignored", arg);
			bad++;
		} else if (!*v) {
			report(report_ctx, "empty value for \"%s\" ignored", strings[k].name);
			bad++;
		} else {
			*(const char **)((char *)ret + strings[k].offset) = v;
		}
	}
	return bad;
}

/* Whether `path` is relative and made of real names only (no "", ".", ".." component). */
static int is_clean_relative(const char *path)
{
	const char *p = path;

	if (*p == '/' || !*p)
		return 0;
	for (;;) {
		size_t n = strcspn(p, "/");

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!p[n])
			return 1;
		p += n + 1;
	}
}

bool pcg_pattern_names_group(const char *pattern)
{
	for (const char *p = pattern; *p; p++) {
		if (*p != '%')
			continue;
		if (*++p == 'g')
			return true;
		if (!*p)
			break;
	}
	return false;
}

char *pcg_expand_pattern(const char *pattern, const char *user, uid_t uid, const char *group, gid_t gid)
{
	char *buf = NULL, num[3 * sizeof(unsigned long) + 1];
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);

	if (!out)
		return NULL;
	for (const char *p = pattern; *p; p++) {
		if (*p != '%') {
			fputc(*p, out);
			continue;
		}
		switch (*++p) {
		case 'u':
			fputs(user, out);
			break;
		case 'g':
			fputs(group, out);
			break;
		case 'U':
		case 'G':
			snprintf(num, sizeof(num), "%lu", *p == 'U' ? (unsigned long)uid : (unsigned long)gid);
			fputs(num, out);
			break;
		case '%':
			fputc('%', out);
			break;
		default:
			fclose(out);
			free(buf);
			errno = EINVAL;
			return NULL;
		}
	}
	if (fclose(out) != 0) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	/* A user or group name is not ours to trust: it must stay one clean path below the base. */
	if (!is_clean_relative(buf)) {
		free(buf);
		errno = EINVAL;
		return NULL;
	}
	return buf;
}

char *pcg_user_cgroup(const char *base, const char *expanded)
{
	size_t n = strlen(base);
	char *ret;

	while (n > 1 && base[n - 1] == '/')
		n--;
	if (asprintf(&ret, "%.*s%s%s", (int)n, base, base[n - 1] == '/' ? "" : "/", expanded) < 0)
		return NULL;
	return ret;
}
