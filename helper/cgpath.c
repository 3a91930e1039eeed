/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Validation of client-supplied cgroup paths and key names (see cgpath.h):
 * a strict UTF-8 decoder, the rules every name obeys (path component or
 * key), and the path rules on top of them.  Only bytes are looked at here;
 * the cgroup layer resolves what passes beneath a directory fd.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cgpath.h"

/*
 * Interface-file prefixes reserved whatever the hierarchy set says: v2 has
 * cpu.stat and the PSI files (cpu/io/memory/irq.pressure) in every cgroup
 * even where no such controller is enabled, and "io" is not in
 * /proc/cgroups on a host whose blkio controller is bound to v1.
 */
static const char *const builtin_prefixes[] = {"cgroup", "cpu", "io", "memory", "irq", NULL};

/* v1 interface files without a controller prefix: a cgroup can never be named so there. */
static const char *const unprefixed_files[] = {"tasks", "notify_on_release", "release_agent", NULL};

/*
 * Length of the well-formed UTF-8 sequence at s (len bytes available), or 0
 * with *ret_why saying what is wrong.  Only the shortest encoding of a
 * scalar value is accepted: no overlongs (C0 AF for '/'), no UTF-16
 * surrogates, nothing above U+10FFFF.
 */
static size_t utf8_sequence(const unsigned char *s, size_t len, uint32_t *ret_cp, const char **ret_why)
{
	uint32_t cp, min;
	size_t n;

	if (s[0] < 0x80) {
		*ret_cp = s[0];
		return 1;
	}
	if (s[0] < 0xc0) {
		*ret_why = "a continuation byte without a lead byte";
		return 0;
	} else if (s[0] < 0xe0) {
		n = 2, cp = s[0] & 0x1f, min = 0x80;
	} else if (s[0] < 0xf0) {
		n = 3, cp = s[0] & 0x0f, min = 0x800;
	} else if (s[0] < 0xf8) {
		n = 4, cp = s[0] & 0x07, min = 0x10000;
	} else {
		*ret_why = "a byte that never occurs in UTF-8";
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if (i >= len || (s[i] & 0xc0) != 0x80) {
			*ret_why = "a truncated multi-byte sequence";
			return 0;
		}
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min)
		*ret_why = "an overlong encoding";
	else if (cp >= 0xd800 && cp <= 0xdfff)
		*ret_why = "a UTF-16 surrogate";
	else if (cp > 0x10ffff)
		*ret_why = "a code point beyond U+10FFFF";
	else {
		*ret_cp = cp;
		return n;
	}
	return 0;
}

/* C0 controls, DEL and C1 controls (U+0080..U+009F): nothing a name needs, and terminal escapes in logs. */
static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

/*
 * Copies s[0..len) into buf for an error message: printable UTF-8 as is,
 * anything else (controls, invalid bytes, quotes) as \xNN, cut with "..."
 * so that the message stays short and valid UTF-8 for the D-Bus reply.
 */
static const char *quote(char *buf, size_t size, const char *s, size_t len)
{
	const unsigned char *u = (const unsigned char *)s;
	const char *why;
	size_t o = 0, i = 0;
	uint32_t cp;

	while (i < len) {
		size_t n = utf8_sequence(u + i, len - i, &cp, &why);

		if (o + 4 * (n ? n : 1) + 4 >= size) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (n == 0 || is_control(cp) || cp == '"' || cp == '\\') {
			n = n ? n : 1;
			for (size_t k = 0; k < n; k++)
				o += (size_t)snprintf(buf + o, size - o, "\\x%02x", u[i + k]);
		} else {
			memcpy(buf + o, s + i, n);
			o += n;
		}
		i += n;
	}
	buf[o] = '\0';
	return buf;
}

/*
 * The rules for any name, path component or key: at most CGPATH_NAME_MAX
 * bytes, valid UTF-8, no control characters.  Returns NULL if `name` obeys
 * them, else the reason, written into why.
 */
static const char *name_problem(const char *name, size_t len, char *why, size_t why_size)
{
	const unsigned char *u = (const unsigned char *)name;
	const char *bad;
	uint32_t cp;

	if (len > CGPATH_NAME_MAX) {
		snprintf(why, why_size, "is %zu bytes long; a name has at most %d", len, CGPATH_NAME_MAX);
		return why;
	}
	for (size_t i = 0, n; i < len; i += n) {
		n = utf8_sequence(u + i, len - i, &cp, &bad);
		if (n == 0) {
			snprintf(why, why_size, "is not valid UTF-8: %s at byte %zu", bad, i);
			return why;
		}
		if (is_control(cp)) {
			snprintf(why, why_size, "contains control character U+%04X at byte %zu", (unsigned)cp, i);
			return why;
		}
	}
	return NULL;
}

static bool has_prefix_dot(const char *name, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len > n && memcmp(name, prefix, n) == 0 && name[n] == '.';
}

static bool is_word(const char *name, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(name, word, len) == 0;
}

/* Why a cgroup may not be named `name`, or NULL: it would collide with an interface file. */
static const char *collision(const char *name, size_t len, char *const *reserved_prefixes, char *why, size_t why_size)
{
	for (const char *const *w = unprefixed_files; *w; w++)
		if (is_word(name, len, *w))
			return "is the name of an interface file";
	for (const char *const *p = builtin_prefixes; *p; p++)
		if (has_prefix_dot(name, len, *p)) {
			snprintf(why, why_size, "collides with the interface files %s.*", *p);
			return why;
		}
	for (char *const *p = reserved_prefixes; p && *p; p++)
		if (has_prefix_dot(name, len, *p)) {
			snprintf(why, why_size, "collides with the interface files %s.*", *p);
			return why;
		}
	return NULL;
}

/*
 * Trust boundary: `path` comes from the client.  It is only ever resolved
 * beneath the caller's own cgroup, and this is what keeps it there and
 * keeps it meaning a cgroup: no ".." at all (not even one that would stay
 * inside), no "." or empty component that would make two spellings of one
 * cgroup, no name of an interface file, and nothing the kernel would cut
 * or a log would mangle (over-long names and paths, invalid UTF-8,
 * control characters).  The cgroup layer still refuses symlinks and mount
 * crossings on its own; this check does not rely on it, nor it on this.
 */
int cgpath_validate(const char *path, char *const *reserved_prefixes, struct failure *err)
{
	char why[128], qpath[96], qname[96];
	const char *p, *problem;
	size_t total, idx = 0;

	if (!path)
		return failf(err, FAIL_INVALID_PATH, "no cgroup path given");
	total = strnlen(path, CGPATH_MAX + 1);
	if (total > CGPATH_MAX)
		return failf(err, FAIL_INVALID_PATH, "cgroup path \"%s\" is longer than %d bytes",
			     quote(qpath, sizeof(qpath), path, 64), CGPATH_MAX);
	if (strcmp(path, ".") == 0)
		return 0;
	p = path[0] == '/' ? path + 1 : path;
	/* A trailing "/" ends the loop with *p == '\0'; every empty name seen here is followed by '/'. */
	while (*p) {
		size_t len = strcspn(p, "/");

		idx++;
		if (len == 0)
			problem = "is empty (\"//\" in the path)";
		else if (is_word(p, len, "."))
			problem = "is \".\", which may only stand alone for the cgroup itself";
		else if (is_word(p, len, ".."))
			problem = "is \"..\": a path stays beneath your cgroup";
		else if (!(problem = name_problem(p, len, why, sizeof(why))))
			problem = collision(p, len, reserved_prefixes, why, sizeof(why));
		if (problem)
			return failf(err, FAIL_INVALID_PATH, "cgroup path \"%s\": component %zu \"%s\" %s",
				     quote(qpath, sizeof(qpath), path, total), idx, quote(qname, sizeof(qname), p, len),
				     problem);
		p += len;
		if (*p == '/')
			p++;
	}
	return 0;
}

bool cgpath_is_self(const char *path)
{
	return strcmp(path, ".") == 0 || path[strspn(path, "/")] == '\0';
}

/* Trust boundary: `key` comes from the client and names one file inside a cgroup it already may access. */
int cgpath_validate_key(const char *key, struct failure *err)
{
	char why[128], qkey[96];
	const char *problem;
	size_t len;

	if (!key || !*key)
		return failf(err, FAIL_INVALID_KEY, "empty key: a key names one interface file");
	len = strnlen(key, CGPATH_MAX + 1);
	if (strchr(key, '/'))
		problem = "contains \"/\": a key is one interface file name";
	else if (is_word(key, len, ".") || is_word(key, len, ".."))
		problem = "is not the name of an interface file";
	else
		problem = name_problem(key, len, why, sizeof(why));
	if (problem)
		return failf(err, FAIL_INVALID_KEY, "key \"%s\" %s", quote(qkey, sizeof(qkey), key, len), problem);
	return 0;
}
