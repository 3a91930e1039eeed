/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgm's command-line parsing (cli/args.c) without a daemon: the original
 * cgm's argument order, defaults for optional arguments, value parsers,
 * global options, and a usage error (exit 2 with a reason) for everything
 * malformed.
 */
#include <signal.h>
#include <stdlib.h>

#include "args.h"
#include "tap.h"

static struct invocation inv;
static char err[512];

/* Parses a command line given as one string split on spaces ("''" is an empty argument). */
static int parse(const char *line)
{
	static char buf[1024];
	char *argv[32] = {(char *)"cgm"};
	int argc = 1;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *tok = strtok(buf, " "); tok && argc < 31; tok = strtok(NULL, " "))
		argv[argc++] = strcmp(tok, "''") == 0 ? (char *)"" : tok;
	argv[argc] = NULL;
	return cli_parse(argc, argv, &inv, err, sizeof(err));
}

static void test_commands(void)
{
	is_int(parse("ping"), EXIT_OK, "ping");
	ok(inv.command && cli_command_id(inv.command) == CMD_PING, "ping is CMD_PING");
	is_int(parse("create memory foo"), EXIT_OK, "create <c> <cg>");
	is_str(inv.controller, "memory", "controller");
	is_str(inv.cgroup, "foo", "cgroup");
	is_int(parse("create all ''"), EXIT_OK, "'' is a valid cgroup (the caller's own)");
	is_str(inv.cgroup, "", "empty cgroup");
	is_int(parse("chown all foo 1000 1001"), EXIT_OK, "chown with numbers");
	ok(inv.uid == 1000 && inv.gid == 1001, "uid and gid");
	is_int(parse("chown all foo root root"), EXIT_OK, "chown with names");
	ok(inv.uid == 0 && inv.gid == 0, "names resolve");
	is_int(parse("chown all foo nosuchuser-cgm 0"), EXIT_USAGE, "unknown user name");
	ok(strstr(err, "<uid>") && strstr(err, "nosuchuser-cgm"), "says which argument: %s", err);
	is_int(parse("chmod all foo 0750"), EXIT_OK, "chmod");
	is_int(inv.mode, 0750, "mode is octal");
	is_str(inv.file, "", "chmod works on the directory");
	is_int(parse("chmodfile all foo pids.max 640"), EXIT_OK, "chmodfile");
	ok(!strcmp(inv.file, "pids.max") && inv.mode == 0640, "file and mode");
	is_int(parse("chmod all foo 0789"), EXIT_USAGE, "8 is not octal");
	is_int(parse("chmod all foo 17777"), EXIT_USAGE, "mode beyond 07777");

	is_int(parse("remove all foo"), EXIT_OK, "remove without recursive");
	is_int(inv.recursive, 1, "recursive defaults to 1, as in the original cgm");
	is_int(parse("remove all foo 0"), EXIT_OK, "remove non-recursive");
	is_int(inv.recursive, 0, "recursive 0");
	is_int(parse("remove all foo 2"), EXIT_USAGE, "recursive must be 0 or 1");

	is_int(parse("getpidcgroup memory 1234"), EXIT_OK, "getpidcgroup <c> <pid>");
	is_int(inv.pid, 1234, "pid");
	is_int(parse("getpidcgroup memory 0"), EXIT_USAGE, "pid 0 is refused");
	is_int(parse("getpidcgroup memory -5"), EXIT_USAGE, "negative pid is refused");
	is_int(parse("getpidcgroup memory 99999999999"), EXIT_USAGE, "pid beyond int32 is refused");
	is_int(parse("movepid all foo 42"), EXIT_OK, "movepid <c> <cg> <pid>");
	ok(!strcmp(inv.cgroup, "foo") && inv.pid == 42, "movepid arguments in the original order");
	is_int(parse("movepidabs all /foo 42"), EXIT_OK, "movepidabs");
	is_int(parse("getvalue memory foo memory.limit_in_bytes"), EXIT_OK, "getvalue");
	is_str(inv.key, "memory.limit_in_bytes", "key");
	is_int(parse("setvalue memory foo memory.limit_in_bytes -1"), EXIT_OK, "a value may begin with '-'");
	is_str(inv.value, "-1", "value");
	is_int(parse("getvalue memory foo ''"), EXIT_USAGE, "an empty key is refused");

	for (const char *c = "gettasks\0gettasksrecursive\0listchildren\0listkeys\0prune\0tree\0"; *c;
	     c += strlen(c) + 1) {
		char line[64];

		snprintf(line, sizeof(line), "%s memory", c);
		is_int(parse(line), EXIT_OK, "%s <c>: cgroup optional", c);
		is_str(inv.cgroup, "", "%s defaults to the caller's cgroup", c);
	}
	is_int(parse("removeonempty all foo"), EXIT_OK, "removeonempty");
	is_int(parse("removeonempty all"), EXIT_USAGE, "removeonempty needs the cgroup");
	is_int(parse("listcontrollers"), EXIT_OK, "listcontrollers");
	is_int(parse("apiversion"), EXIT_OK, "apiversion");
	is_int(parse("apiversion extra"), EXIT_USAGE, "too many arguments");
	ok(strstr(err, "at most") == NULL && strstr(err, "cgm apiversion"), "says the usage: %s", err);
	is_int(parse("gettasks all a b"), EXIT_USAGE, "too many for gettasks");
	ok(strstr(err, "at most 2"), "says at most: %s", err);
	is_int(parse("create all"), EXIT_USAGE, "too few arguments");
	is_int(parse("create '' foo"), EXIT_USAGE, "an empty controller is refused");
	is_int(parse("frobnicate"), EXIT_USAGE, "unknown command");
	ok(strstr(err, "frobnicate") != NULL, "names it: %s", err);
	is_int(parse(""), EXIT_USAGE, "no command");

	is_int(parse("kill all foo"), EXIT_OK, "kill without signal");
	is_int(inv.signal, SIGTERM, "kill defaults to TERM");
	is_int(parse("kill all foo KILL"), EXIT_OK, "kill KILL");
	is_int(inv.signal, SIGKILL, "signal by name");
	is_int(parse("kill all foo sigusr1"), EXIT_OK, "kill sigusr1");
	is_int(inv.signal, SIGUSR1, "signal with SIG prefix, any case");
	is_int(parse("kill all foo 9"), EXIT_OK, "kill 9");
	is_int(inv.signal, 9, "signal by number");
	is_int(parse("kill all foo NOPE"), EXIT_USAGE, "unknown signal");
	is_int(parse("kill all foo 0"), EXIT_USAGE, "signal 0 is refused");
	is_int(parse("freeze freezer foo"), EXIT_OK, "freeze");
	is_int(parse("thaw freezer foo"), EXIT_OK, "thaw");
	is_int(parse("movepidfd all foo 1"), EXIT_OK, "movepidfd");
}

static void test_options(void)
{
	is_int(parse("--socket /tmp/s --timeout 250 --json gettasks all"), EXIT_OK, "global options");
	ok(inv.socket && !strcmp(inv.socket, "/tmp/s") && inv.timeout_ms == 250 && inv.json, "all three set");
	is_int(parse("-s /tmp/t -t 10 -j ping"), EXIT_OK, "short options");
	ok(!strcmp(inv.socket, "/tmp/t") && inv.timeout_ms == 10 && inv.json, "short forms set");
	is_int(parse("--socket=/tmp/u --timeout=7 ping"), EXIT_OK, "--opt=value forms");
	ok(!strcmp(inv.socket, "/tmp/u") && inv.timeout_ms == 7, "values after '='");
	is_int(parse("ping"), EXIT_OK, "defaults");
	ok(!inv.socket && inv.timeout_ms == 0 && !inv.json, "no socket, default timeout, text");
	is_int(parse("--timeout 0 ping"), EXIT_USAGE, "timeout 0 is refused");
	is_int(parse("--timeout abc ping"), EXIT_USAGE, "timeout must be a number");
	is_int(parse("--socket"), EXIT_USAGE, "option without its value");
	is_int(parse("--bogus ping"), EXIT_USAGE, "unknown option");
	is_int(parse("-- ping"), EXIT_OK, "-- ends the options");

	is_int(parse("--help"), EXIT_OK, "--help alone");
	ok(inv.help && !inv.command, "asks for the general help");
	is_int(parse("--version"), EXIT_OK, "--version");
	ok(inv.version, "asks for the version");
	is_int(parse("create --help"), EXIT_OK, "create --help");
	ok(inv.help && cli_command_id(inv.command) == CMD_CREATE, "asks for create's help");
	is_int(parse("help create"), EXIT_OK, "help create");
	ok(cli_command_id(inv.command) == CMD_HELP && !strcmp(inv.topic, "create"), "topic create");
	is_int(parse("help"), EXIT_OK, "help alone");
	is_int(parse("help nonsense"), EXIT_USAGE, "help for an unknown command");
}

static void test_parsers(void)
{
	mode_t m;
	uid_t u;
	gid_t g;
	pid_t p;
	int v;
	char line[128];

	ok(cli_parse_mode("0", &m) == 0 && m == 0, "mode 0");
	ok(cli_parse_mode("7777", &m) == 0 && m == 07777, "mode 7777");
	ok(cli_parse_mode("", &m) < 0, "empty mode");
	ok(cli_parse_mode("rwx", &m) < 0, "symbolic modes are not supported");
	ok(cli_parse_uid("4294967295", &u) < 0, "uid -1 (unchanged) is refused");
	ok(cli_parse_uid("4294967294", &u) == 0, "the largest real uid");
	ok(cli_parse_gid("", &g) < 0, "empty gid");
	ok(cli_parse_pid("2147483647", &p) == 0 && p == 2147483647, "largest pid");
	ok(cli_parse_pid("12x", &p) < 0, "trailing junk in a pid");
	ok(cli_parse_signal("SIGTERM", &v) == 0 && v == SIGTERM, "SIGTERM");
	ok(cli_parse_signal("hup", &v) == 0 && v == SIGHUP, "hup");
	ok(cli_parse_signal("65", &v) < 0, "signal beyond SIGRTMAX");
	ok(cli_parse_timeout("2147483648", &v) < 0, "timeout beyond INT_MAX");

	for (size_t i = 0; i < CMD__MAX; i++) {
		const struct command_spec *s = &cli_commands[i];

		ok(s->name && cli_find_command(s->name) == s && s->summary, "command %zu (%s) is in the table", i,
		   s->name ? s->name : "?");
	}
	cli_usage_line(cli_find_command("remove"), line, sizeof(line));
	is_str(line, "remove <controller> <cgroup> [<0|1>]", "usage line marks optional arguments");
}

int main(void)
{
	test_commands();
	test_options();
	test_parsers();
	return tap_done();
}
