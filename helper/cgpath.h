/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Validation of client-supplied cgroup paths and key names (DESIGN.md §3,
 * "View").  Pure functions: the bytes are checked here before anything
 * touches the filesystem; cgroup.c then resolves them beneath a dir fd.
 */
#pragma once

#include <stdbool.h>

#include "failure.h"

#define CGPATH_NAME_MAX 255
#define CGPATH_MAX	4096

/*
 * Accepts "", ".", "/", and relative or "/"-led paths of names: no ".."
 * component, no "." component except the whole path, no empty component
 * other than a trailing one, no name over 255 bytes, no name that collides
 * with interface files ("<prefix>.*" for each of `reserved_prefixes`, a
 * NULL-terminated list such as {"cgroup", "memory", ...}, or NULL), valid
 * UTF-8, no control characters, at most CGPATH_MAX bytes.  FAIL_INVALID_PATH
 * otherwise, saying which component and why.  Whatever the list, "cgroup.",
 * "cpu.", "io.", "memory.", "irq." (v2 core and pressure files exist without
 * their controllers) and the v1 files "tasks", "notify_on_release" and
 * "release_agent" are refused; "control" includes DEL and U+0080..U+009F;
 * UTF-8 is strict (no overlongs, surrogates, or code points past U+10FFFF).
 */
int cgpath_validate(const char *path, char *const *reserved_prefixes, struct failure *err);

/* True when the path names the starting cgroup itself ("", ".", "/", "//"...). */
bool cgpath_is_self(const char *path);

/*
 * Accepts an interface file name: one component, not "." or "..", no "/",
 * valid UTF-8, no control characters, at most 255 bytes.  FAIL_INVALID_KEY
 * otherwise.
 */
int cgpath_validate_key(const char *key, struct failure *err);
