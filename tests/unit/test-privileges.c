/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tests of privileges_drop in forked children (a drop cannot be undone):
 * afterwards /proc/self/status must show exactly the ten kept
 * capabilities in permitted, effective and bounding, none inheritable or
 * ambient, and no_new_privs; a process that lacks a needed capability must
 * be told which.  Needs root.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privileges.h"
#include "tap.h"

/* CHOWN 0, DAC_OVERRIDE 1, DAC_READ_SEARCH 2, FOWNER 3, KILL 5, SYS_PTRACE 19, SYS_ADMIN 21. */
#define KEPT_MASK 0xa800efULL

/* Runs fn in a child; returns what it wrote to stdout (the status lines or an error). */
static char *in_child(void (*fn)(void))
{
	static char buf[4096];
	size_t got = 0;
	ssize_t n;
	int p[2];
	pid_t pid;

	if (pipe(p) < 0)
		return NULL;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		fn();
		fflush(stdout);
		_exit(0);
	}
	close(p[1]);
	while (got < sizeof(buf) - 1 && (n = read(p[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	close(p[0]);
	waitpid(pid, NULL, 0);
	return buf;
}

static void print_status(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, "Cap", 3) == 0 || strncmp(line, "NoNewPrivs", 10) == 0)
			fputs(line, stdout);
	if (f)
		fclose(f);
}

static void drop_twice(void)
{
	struct failure err = {0};

	if (privileges_drop(&err) < 0) {
		printf("error: %s\n", err.message);
		return;
	}
	if (privileges_drop(&err) < 0) {
		printf("error again: %s\n", err.message);
		return;
	}
	print_status();
}

static void drop_without_kill(void)
{
	struct failure err = {0};
	cap_t c = cap_get_proc();
	cap_value_t kill_cap = CAP_KILL;

	cap_set_flag(c, CAP_PERMITTED, 1, &kill_cap, CAP_CLEAR);
	cap_set_flag(c, CAP_EFFECTIVE, 1, &kill_cap, CAP_CLEAR);
	if (cap_set_proc(c) < 0) {
		puts("setup failed");
		return;
	}
	cap_free(c);
	if (privileges_drop(&err) < 0)
		printf("error: %s\n", err.message);
	else
		puts("dropped");
}

static unsigned long long field(const char *text, const char *name)
{
	const char *p = strstr(text, name);

	return p ? strtoull(p + strlen(name) + 1, NULL, 16) : ~0ULL;
}

int main(void)
{
	const char *out;

	if (geteuid() != 0) {
		puts("1..0 # SKIP not root");
		return 0;
	}
	out = in_child(drop_twice);
	ok(out && !strstr(out, "error"), "privileges_drop succeeds, twice: %s", out && strstr(out, "error") ? out : "");
	if (out) {
		is_int(field(out, "CapPrm:"), KEPT_MASK, "permitted: exactly the kept set");
		is_int(field(out, "CapEff:"), KEPT_MASK, "effective: exactly the kept set");
		is_int(field(out, "CapBnd:"), KEPT_MASK, "bounding: exactly the kept set");
		is_int(field(out, "CapInh:"), 0, "inheritable: empty");
		is_int(field(out, "CapAmb:"), 0, "ambient: empty");
		ok(strstr(out, "NoNewPrivs:\t1") != NULL, "no_new_privs set");
	}
	out = in_child(drop_without_kill);
	ok(out && strstr(out, "error") && strstr(out, "cap_kill"), "missing CAP_KILL is named: %s", out ? out : "");
	return tap_done();
}
