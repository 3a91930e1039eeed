/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command line of cgm, turned into a struct invocation by pure
 * functions (no daemon, no output) so that a unit test can drive them: the
 * table of commands with their argument kinds and help, global options,
 * and the parsers for modes, ids, pids and signals.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum command_id {
	CMD_PING,
	CMD_CREATE,
	CMD_CHOWN,
	CMD_CHMOD,
	CMD_CHMODFILE,
	CMD_REMOVE,
	CMD_GETPIDCGROUP,
	CMD_GETPIDCGROUPABS,
	CMD_MOVEPID,
	CMD_MOVEPIDABS,
	CMD_MOVEPIDFD,
	CMD_GETVALUE,
	CMD_SETVALUE,
	CMD_GETTASKS,
	CMD_GETTASKSRECURSIVE,
	CMD_LISTCHILDREN,
	CMD_LISTKEYS,
	CMD_PRUNE,
	CMD_REMOVEONEMPTY,
	CMD_LISTCONTROLLERS,
	CMD_APIVERSION,
	CMD_KILL,
	CMD_FREEZE,
	CMD_THAW,
	CMD_TREE,
	CMD_STATUS,
	CMD_HELP,
	CMD__MAX
};

/* What a positional argument is; it decides the parser and where the value lands. */
enum arg_kind {
	ARG_NONE,
	ARG_CONTROLLER,
	ARG_CGROUP,
	ARG_FILE,
	ARG_KEY,
	ARG_VALUE,
	ARG_UID,
	ARG_GID,
	ARG_MODE,
	ARG_PID,
	ARG_SIGNAL,
	ARG_RECURSIVE,
	ARG_COMMAND,
};

#define MAX_ARGS 4

struct command_spec {
	const char *name;
	enum arg_kind args[MAX_ARGS];
	unsigned n_required; /* the rest of args[] are optional, with defaults */
	const char *summary;
	const char *output; /* what it prints; NULL when it prints nothing */
};

/* Exit statuses of cgm (documented in --help and cgm(1)). */
enum {
	EXIT_OK = 0,
	EXIT_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_PERM = 3,
	EXIT_NOTFOUND = 4,
	EXIT_UNREACHABLE = 5,
};

struct invocation {
	const struct command_spec *command; /* NULL: no command (--help or --version alone) */
	const char *socket;		    /* NULL: libcgm's default */
	int timeout_ms;			    /* 0: libcgm's default */
	bool json, help, version;

	const char *controller, *cgroup, *file, *key, *value, *topic;
	uid_t uid;
	gid_t gid;
	mode_t mode;
	pid_t pid;
	int signal, recursive;
};

extern const struct command_spec cli_commands[CMD__MAX];

const struct command_spec *cli_find_command(const char *name);
enum command_id cli_command_id(const struct command_spec *spec);

/*
 * Parses argv into *inv.  Returns EXIT_OK, or EXIT_USAGE with a one-line
 * reason in err (without the "cgm: " prefix).
 */
int cli_parse(int argc, char *const argv[], struct invocation *inv, char *err, size_t errlen);

/* Value parsers: 0 on success, -1 when s is not a valid value of that kind. */
int cli_parse_mode(const char *s, mode_t *ret);
int cli_parse_pid(const char *s, pid_t *ret);
int cli_parse_uid(const char *s, uid_t *ret);
int cli_parse_gid(const char *s, gid_t *ret);
int cli_parse_signal(const char *s, int *ret);
int cli_parse_timeout(const char *s, int *ret);
int cli_parse_recursive(const char *s, int *ret);

/* The usage line of a command, e.g. "chown <controller> <cgroup> <uid> <gid>". */
void cli_usage_line(const struct command_spec *spec, char *buf, size_t len);
