/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the daemon's trust boundary on names: arbitrary
 * bytes as a cgroup path and as a key, through cgpath_validate and
 * cgpath_validate_key with the reserved prefixes this host really has
 * (hierarchies_discover reads /proc and mounts nothing).  Besides the
 * sanitizers, it checks the promises of cgpath.h that the callers rely
 * on: an accepted path has no ".." component, no reserved name, and the
 * refusal message is bounded, valid UTF-8 and free of control characters.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <dbus/dbus.h>

#include "cgpath.h"
#include "hierarchy.h"

static struct hierarchy_set set;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct failure err = {0};

	/* Without the host's list, the built-in prefixes alone are still checked. */
	if (hierarchies_discover(&set, NULL, NULL, &err) < 0)
		set.reserved_prefixes = NULL;
	return 0;
}

/* Whether `s` is what a D-Bus error message must be: valid UTF-8 (libdbus asserts it) without controls. */
static bool clean_message(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	for (size_t i = 0; u[i]; i++)
		if (u[i] < 0x20 || u[i] == 0x7f)
			return false;
	return dbus_validate_utf8(s, NULL);
}

static void check_accepted_path(const char *path)
{
	const char *p = path[0] == '/' ? path + 1 : path;

	if (strcmp(path, ".") == 0)
		return;
	while (*p) {
		size_t len = strcspn(p, "/");

		if ((len == 2 && memcmp(p, "..", 2) == 0) || (len == 1 && p[0] == '.') || len > CGPATH_NAME_MAX ||
		    (len == 5 && memcmp(p, "tasks", 5) == 0) || (len > 7 && memcmp(p, "cgroup.", 7) == 0) ||
		    (len == 13 && memcmp(p, "release_agent", 13) == 0))
			abort(); /* cgpath_validate let through a component it promises to refuse */
		p += len;
		if (*p == '/')
			p++;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct failure err = {0};
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0'; /* the client's strings reach us NUL-terminated; bytes after a NUL are never seen */

	if (cgpath_validate(s, set.reserved_prefixes, &err) == 0)
		check_accepted_path(s);
	else if (!clean_message(err.message))
		abort();
	(void)cgpath_is_self(s);

	err = (struct failure){0};
	if (cgpath_validate_key(s, &err) == 0) {
		if (strchr(s, '/') || !*s || strcmp(s, "..") == 0)
			abort();
	} else if (!clean_message(err.message)) {
		abort();
	}
	free(s);
	return 0;
}
