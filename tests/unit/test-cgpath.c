/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of cgpath.c: every hostile spelling of a cgroup path or key
 * a client could send, and the valid ones that must keep working.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cgpath.h"
#include "tap.h"

static char *const reserved[] = {"cgroup", "memory", "cpuset", "pids", NULL};

struct path_case {
	const char *path;
	bool valid;
	const char *in_message; /* NULL: not checked */
};

static void check_path(const char *label, const char *path, bool valid, const char *in_message)
{
	struct failure err = {0};
	int r = cgpath_validate(path, reserved, &err);

	if (valid) {
		ok(r == 0, "path %s accepted%s%s", label, r ? ": " : "", r ? err.message : "");
		return;
	}
	ok(r < 0 && err.kind == FAIL_INVALID_PATH, "path %s refused (%s)", label, err.message);
	if (in_message)
		ok(strstr(err.message, in_message) != NULL, "path %s: message names \"%s\"", label, in_message);
}

static char *repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_paths(void)
{
	static const struct path_case cases[] = {
		{"", true, NULL},
		{".", true, NULL},
		{"/", true, NULL},
		{"a", true, NULL},
		{"a/b/c", true, NULL},
		{"/a/b", true, NULL},
		{"a/", true, NULL},
		{"/a/b/", true, NULL},
		{"cgroup", true, NULL},
		{"memory", true, NULL},
		{"mem.x", true, NULL},
		{".hidden", true, NULL},
		{"a..b", true, NULL},
		{"...", true, NULL},
		{"with space", true, NULL},
		{"caf\xc3\xa9", true, NULL},
		{"\xe6\x97\xa5\xe6\x9c\xac/\xf0\x9f\x90\xa7", true, NULL},
		{"\xef\xbf\xbd", true, NULL},
		{"\xf4\x8f\xbf\xbf", true, NULL},
		{"..", false, "component 1 \"..\""},
		{"/..", false, "\"..\""},
		{"a/../b", false, "component 2 \"..\""},
		{"a/..", false, "component 2"},
		{"../a", false, "component 1"},
		{"a/b/../../..", false, NULL},
		{"a//b", false, "empty"},
		{"//", false, "empty"},
		{"//a", false, "empty"},
		{"a//", false, "empty"},
		{"./a", false, "component 1 \".\""},
		{"a/./b", false, "component 2 \".\""},
		{"a/.", false, NULL},
		{"/.", false, NULL},
		{"./", false, NULL},
		{"cgroup.procs", false, "cgroup.*"},
		{"a/cgroup.procs", false, "component 2"},
		{"cgroup.", false, "cgroup.*"},
		{"memory.x", false, "memory.*"},
		{"cpuset.cpus", false, NULL},
		{"pids.max", false, NULL},
		{"io.max", false, "io.*"},
		{"cpu.stat", false, "cpu.*"},
		{"irq.pressure", false, NULL},
		{"tasks", false, "interface file"},
		{"a/notify_on_release", false, NULL},
		{"release_agent", false, NULL},
		{"a\nb", false, "control character U+000A"},
		{"\n", false, NULL},
		{"a\x7f", false, "U+007F"},
		{"a\x01/b", false, NULL},
		{"tab\there", false, NULL},
		{"c1\xc2\x9b", false, "U+009B"},
		{"\xff", false, "UTF-8"},
		{"a/\x80", false, "continuation"},
		{"\xc0\xaf", false, "overlong"},
		{"\xc1\xbf", false, "overlong"},
		{"\xe0\x80\xaf", false, "overlong"},
		{"\xf0\x80\x80\xaf", false, "overlong"},
		{"\xed\xa0\x80", false, "surrogate"},
		{"\xed\xbf\xbf", false, "surrogate"},
		{"\xf4\x90\x80\x80", false, "U+10FFFF"},
		{"\xf5\x80\x80\x80", false, NULL},
		{"\xe6\x97", false, "truncated"},
		{"\xe6\x97/x", false, "truncated"},
		{"\xf8\x88\x80\x80\x80", false, NULL},
	};
	struct failure err = {0};
	char label[64];
	char *s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(label, sizeof(label), "#%zu", i);
		check_path(label, cases[i].path, cases[i].valid, cases[i].in_message);
	}

	s = repeat('n', 255);
	check_path("255-byte name", s, true, NULL);
	free(s);
	s = repeat('n', 256);
	check_path("256-byte name", s, false, "256 bytes");
	free(s);
	/* 4096 bytes of 128-byte names: the longest path allowed. */
	s = repeat('a', 4096);
	for (size_t i = 128; i < 4096; i += 129)
		s[i] = '/';
	check_path("4096-byte path", s, true, NULL);
	free(s);
	s = repeat('a', 4097);
	for (size_t i = 128; i < 4097; i += 129)
		s[i] = '/';
	check_path("4097-byte path", s, false, "longer than 4096");
	free(s);

	ok(cgpath_validate(NULL, reserved, &err) < 0 && err.kind == FAIL_INVALID_PATH, "NULL path refused");
	ok(cgpath_validate("cgroup.procs", NULL, &err) < 0, "cgroup.* refused without a prefix list");
	ok(cgpath_validate("memory.max", NULL, &err) < 0, "memory.* refused without a prefix list (v2 PSI files)");
	ok(cgpath_validate("pids.max", NULL, &err) == 0, "pids.* only reserved when listed");

	/* Messages go into D-Bus replies: control bytes and invalid UTF-8 come back escaped. */
	cgpath_validate("bad\xff\x01name", reserved, &err);
	ok(strstr(err.message, "\\xff") && !strchr(err.message, '\x01') && !strchr(err.message, '\xff'),
	   "message escapes invalid bytes: %s", err.message);
}

static void test_self(void)
{
	ok(cgpath_is_self(""), "\"\" is self");
	ok(cgpath_is_self("."), "\".\" is self");
	ok(cgpath_is_self("/"), "\"/\" is self");
	ok(cgpath_is_self("//"), "\"//\" is self");
	ok(!cgpath_is_self("a"), "\"a\" is not self");
	ok(!cgpath_is_self("/a"), "\"/a\" is not self");
	ok(!cgpath_is_self("./"), "\"./\" is not self");
}

static void test_keys(void)
{
	static const struct {
		const char *key;
		bool valid;
	} cases[] = {
		{"memory.max", true},
		{"cgroup.procs", true},
		{"tasks", true},
		{"cpu.weight", true},
		{"caf\xc3\xa9", true},
		{"a/b", false},
		{"/a", false},
		{"a/", false},
		{"..", false},
		{".", false},
		{"", false},
		{"a\nb", false},
		{"a\x7f", false},
		{"\xc0\xae", false},
		{"\xed\xa0\x80", false},
		{"\xff", false},
	};
	struct failure err = {0};
	char *s;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = cgpath_validate_key(cases[i].key, &err);

		if (cases[i].valid)
			ok(r == 0, "key #%zu accepted", i);
		else
			ok(r < 0 && err.kind == FAIL_INVALID_KEY, "key #%zu refused (%s)", i, err.message);
	}
	ok(cgpath_validate_key(NULL, &err) < 0 && err.kind == FAIL_INVALID_KEY, "NULL key refused");
	s = repeat('k', 255);
	ok(cgpath_validate_key(s, &err) == 0, "255-byte key accepted");
	free(s);
	s = repeat('k', 256);
	ok(cgpath_validate_key(s, &err) < 0 && err.kind == FAIL_INVALID_KEY, "256-byte key refused");
	free(s);
}

int main(void)
{
	test_paths();
	test_self();
	test_keys();
	return tap_done();
}
