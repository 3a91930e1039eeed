/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the cgm.conf(5) reader: the input is a file's text
 * (fmemopen, so NUL bytes, CRs and lines without an end are all possible),
 * read and matched for user "alice" in group "staff".  Besides the
 * sanitizers, it holds the reader to what cgmd and pam_cgm rely on before
 * they set anything: every limit kept has a key of the form
 * <controller>.<name> that does not move processes, a non-empty value of
 * at most CGMCONF_VALUE_MAX bytes, one entry per key, and a rank that
 * applies.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cgmconf.h"

static bool in_group(void *ctx, const char *user, const char *group)
{
	return strcmp(group, "staff") == 0;
}

static void report(void *ctx, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgmconf_who who = {.user = "alice", .in_group = in_group};
	struct cgmconf_limits limits = {0};
	struct cgmconf conf = {0};
	FILE *f;
	int r;

	if (size == 0)
		return 0; /* fmemopen refuses an empty buffer */
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	r = cgmconf_parse(f, "fuzz.conf", &conf, report, NULL);
	fclose(f);
	if (r < 0 && r != -ENOMEM)
		abort();
	if (cgmconf_match(&conf, &who, &limits) < 0) {
		cgmconf_clear(&conf);
		cgmconf_limits_clear(&limits);
		return 0;
	}
	cgmconf_clear(&conf);
	for (size_t i = 0; i < limits.n; i++) {
		const struct cgmconf_limit *l = &limits.v[i];

		if (!strchr(l->key, '.') || strcmp(l->key, "cgroup.procs") == 0 ||
		    strcmp(l->key, "cgroup.threads") == 0 || !*l->value || strlen(l->value) > CGMCONF_VALUE_MAX ||
		    l->rank < 1 || l->rank > 3)
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(limits.v[j].key, l->key) == 0)
				abort();
	}
	cgmconf_limits_clear(&limits);
	return 0;
}
