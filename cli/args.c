/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgm's command line.  The commands, their argument order and names are
 * those of the original cgroup manager's cgm, so its scripts keep working;
 * one table says for each command which kinds of arguments it takes and the
 * parsers below fill a struct invocation from them.  Everything here is
 * pure apart from looking up user and group names.
 */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "args.h"

#define C ARG_CONTROLLER
#define G ARG_CGROUP

const struct command_spec cli_commands[CMD__MAX] = {
	[CMD_PING] = {"ping", {0}, 0, "check that the daemon answers", NULL},
	[CMD_CREATE] = {"create", {C, G}, 2, "create a cgroup (no error if it exists)", NULL},
	[CMD_CHOWN] = {"chown",
		       {C, G, ARG_UID, ARG_GID},
		       4,
		       "hand a cgroup to a user and group (names or numbers; host root only)",
		       NULL},
	[CMD_CHMOD] = {"chmod", {C, G, ARG_MODE}, 3, "set the mode (octal) of a cgroup directory", NULL},
	[CMD_CHMODFILE] =
		{"chmodfile", {C, G, ARG_FILE, ARG_MODE}, 4, "set the mode (octal) of a file in a cgroup", NULL},
	[CMD_REMOVE] = {"remove",
			{C, G, ARG_RECURSIVE},
			2,
			"remove a cgroup; with 1 (the default) also its descendants, with 0 only if it has none; a "
			"cgroup with processes is never removed",
			NULL},
	[CMD_GETPIDCGROUP] =
		{"getpidcgroup", {C, ARG_PID}, 2, "print the cgroup of a process, relative to yours", "cgroup"},
	[CMD_GETPIDCGROUPABS] = {"getpidcgroupabs",
				 {C, ARG_PID},
				 2,
				 "print the cgroup of a process from the real root (host root only)",
				 "cgroup"},
	[CMD_MOVEPID] = {"movepid", {C, G, ARG_PID}, 3, "move a process into a cgroup", NULL},
	[CMD_MOVEPIDABS] = {"movepidabs",
			    {C, G, ARG_PID},
			    3,
			    "move a process into a cgroup given from the real root (host root only)",
			    NULL},
	[CMD_MOVEPIDFD] = {"movepidfd",
			   {C, G, ARG_PID},
			   3,
			   "move a process, pinned by a pidfd so a recycled pid cannot be moved instead",
			   NULL},
	[CMD_GETVALUE] = {"getvalue", {C, G, ARG_KEY}, 3, "print the value of a cgroup file", "value"},
	[CMD_SETVALUE] = {"setvalue", {C, G, ARG_KEY, ARG_VALUE}, 4, "write a value to a cgroup file", NULL},
	[CMD_GETTASKS] = {"gettasks", {C, G}, 1, "print the pids in a cgroup, one a line", "pids"},
	[CMD_GETTASKSRECURSIVE] = {"gettasksrecursive", {C, G}, 1, "print the pids in a cgroup and below it", "pids"},
	[CMD_LISTCHILDREN] = {"listchildren", {C, G}, 1, "print the child cgroups, one a line", "children"},
	[CMD_LISTKEYS] = {"listkeys", {C, G}, 1, "print the files of a cgroup: name, uid, gid, mode", "keys"},
	[CMD_PRUNE] = {"prune", {C, G}, 1, "remove every empty cgroup below a cgroup", NULL},
	[CMD_REMOVEONEMPTY] = {"removeonempty", {C, G}, 2, "remove a cgroup once its last process has left", NULL},
	[CMD_LISTCONTROLLERS] = {"listcontrollers", {0}, 0, "print the hierarchies the daemon manages", "controllers"},
	[CMD_APIVERSION] = {"apiversion", {0}, 0, "print the daemon's API version", "api_version"},
	[CMD_KILL] = {"kill",
		      {C, G, ARG_SIGNAL},
		      2,
		      "send a signal (name or number, default TERM) to every process in a cgroup and below",
		      NULL},
	[CMD_FREEZE] = {"freeze", {C, G}, 2, "freeze every process in a cgroup and below", NULL},
	[CMD_THAW] = {"thaw", {C, G}, 2, "thaw a frozen cgroup", NULL},
	[CMD_TREE] = {"tree", {C, G}, 1, "draw a cgroup and its descendants with owners and task counts", "tree"},
	[CMD_STATUS] =
		{"status", {0}, 0, "show the daemon's version, hierarchies, uptime, clients and requests", "status"},
	[CMD_HELP] = {"help", {ARG_COMMAND}, 0, "show help for cgm or for one command", NULL},
};

#undef C
#undef G

static const char *const arg_names[] = {
	[ARG_CONTROLLER] = "<controller>",
	[ARG_CGROUP] = "<cgroup>",
	[ARG_FILE] = "<file>",
	[ARG_KEY] = "<key>",
	[ARG_VALUE] = "<value>",
	[ARG_UID] = "<uid>",
	[ARG_GID] = "<gid>",
	[ARG_MODE] = "<mode>",
	[ARG_PID] = "<pid>",
	[ARG_SIGNAL] = "<signal>",
	[ARG_RECURSIVE] = "<0|1>",
	[ARG_COMMAND] = "<command>",
};

const struct command_spec *cli_find_command(const char *name)
{
	for (size_t i = 0; i < CMD__MAX; i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

enum command_id cli_command_id(const struct command_spec *spec)
{
	return (enum command_id)(spec - cli_commands);
}

static unsigned n_args(const struct command_spec *spec)
{
	unsigned n = 0;

	while (n < MAX_ARGS && spec->args[n] != ARG_NONE)
		n++;
	return n;
}

void cli_usage_line(const struct command_spec *spec, char *buf, size_t len)
{
	size_t used = (size_t)snprintf(buf, len, "%s", spec->name);

	for (unsigned i = 0; i < n_args(spec) && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, i < spec->n_required ? " %s" : " [%s]",
					 arg_names[spec->args[i]]);
}

/* Parses an unsigned decimal number no larger than max. */
static int parse_number(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	unsigned long v;

	if (!*s || strspn(s, "0123456789") != strlen(s))
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || v > max)
		return -1;
	*ret = v;
	return 0;
}

int cli_parse_mode(const char *s, mode_t *ret)
{
	char *end;
	unsigned long v;

	if (!*s || strspn(s, "01234567") != strlen(s))
		return -1;
	v = strtoul(s, &end, 8);
	if (v > 07777)
		return -1;
	*ret = (mode_t)v;
	return 0;
}

int cli_parse_pid(const char *s, pid_t *ret)
{
	unsigned long v;

	if (parse_number(s, INT_MAX, &v) < 0 || v == 0)
		return -1;
	*ret = (pid_t)v;
	return 0;
}

static long long uid_by_name(const char *name)
{
	struct passwd *pw = getpwnam(name);

	return pw ? (long long)pw->pw_uid : -1;
}

static long long gid_by_name(const char *name)
{
	struct group *gr = getgrnam(name);

	return gr ? (long long)gr->gr_gid : -1;
}

/* A number or a name; (uid_t)-1 and (gid_t)-1 mean "unchanged" to chown(2), so they are refused as ids. */
static int parse_id(const char *s, long long (*by_name)(const char *), unsigned long *ret)
{
	long long id;

	if (parse_number(s, (uint32_t)-2, ret) == 0)
		return 0;
	id = *s ? by_name(s) : -1;
	if (id < 0)
		return -1;
	*ret = (unsigned long)id;
	return 0;
}

int cli_parse_uid(const char *s, uid_t *ret)
{
	unsigned long v;

	if (parse_id(s, uid_by_name, &v) < 0)
		return -1;
	*ret = (uid_t)v;
	return 0;
}

int cli_parse_gid(const char *s, gid_t *ret)
{
	unsigned long v;

	if (parse_id(s, gid_by_name, &v) < 0)
		return -1;
	*ret = (gid_t)v;
	return 0;
}

/* A number, or a name with or without "SIG" in any case: 9, KILL, sigkill. */
int cli_parse_signal(const char *s, int *ret)
{
	unsigned long v;

	if (parse_number(s, SIGRTMAX, &v) == 0 && v > 0) {
		*ret = (int)v;
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		const char *name = sigabbrev_np(sig);

		if (name && strcasecmp(s, name) == 0) {
			*ret = sig;
			return 0;
		}
	}
	return -1;
}

int cli_parse_timeout(const char *s, int *ret)
{
	unsigned long v;

	if (parse_number(s, INT_MAX, &v) < 0 || v == 0)
		return -1;
	*ret = (int)v;
	return 0;
}

int cli_parse_recursive(const char *s, int *ret)
{
	if (strcmp(s, "0") != 0 && strcmp(s, "1") != 0)
		return -1;
	*ret = s[0] == '1';
	return 0;
}

__attribute__((format(printf, 3, 4))) static int usage_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

/* Stores one positional argument of the given kind; returns -1 if it does not parse. */
static int store_arg(struct invocation *inv, enum arg_kind kind, const char *s)
{
	switch (kind) {
	case ARG_CONTROLLER:
		inv->controller = s;
		return *s ? 0 : -1;
	case ARG_CGROUP:
		inv->cgroup = s;
		return 0;
	case ARG_FILE:
		inv->file = s;
		return 0;
	case ARG_KEY:
		inv->key = s;
		return *s ? 0 : -1;
	case ARG_VALUE:
		inv->value = s;
		return 0;
	case ARG_COMMAND:
		inv->topic = s;
		return cli_find_command(s) ? 0 : -1;
	case ARG_UID:
		return cli_parse_uid(s, &inv->uid);
	case ARG_GID:
		return cli_parse_gid(s, &inv->gid);
	case ARG_MODE:
		return cli_parse_mode(s, &inv->mode);
	case ARG_PID:
		return cli_parse_pid(s, &inv->pid);
	case ARG_SIGNAL:
		return cli_parse_signal(s, &inv->signal);
	case ARG_RECURSIVE:
		return cli_parse_recursive(s, &inv->recursive);
	case ARG_NONE:
		break;
	}
	return -1;
}

/* Why an argument of this kind was refused. */
static const char *const arg_expect[] = {
	[ARG_CONTROLLER] = "a hierarchy name, a comma-separated list or \"all\"",
	[ARG_KEY] = "a file name",
	[ARG_UID] = "a user name or number",
	[ARG_GID] = "a group name or number",
	[ARG_MODE] = "an octal mode such as 0755",
	[ARG_PID] = "a positive process id",
	[ARG_SIGNAL] = "a signal name or number such as TERM or 9",
	[ARG_RECURSIVE] = "0 or 1",
	[ARG_COMMAND] = "a cgm command",
};

enum option_id { OPT_SOCKET, OPT_TIMEOUT, OPT_JSON, OPT_HELP, OPT_VERSION };

static const struct {
	const char *long_name, *short_name;
	bool takes_value;
	enum option_id id;
} options[] = {
	{"--socket", "-s", true, OPT_SOCKET},	 {"--timeout", "-t", true, OPT_TIMEOUT},
	{"--json", "-j", false, OPT_JSON},	 {"--help", "-h", false, OPT_HELP},
	{"--version", "-V", false, OPT_VERSION},
};

/* Parses one global option at argv[*i] (advancing *i past its value). */
static int parse_option(int argc, char *const argv[], int *i, struct invocation *inv, char *err, size_t errlen)
{
	const char *a = argv[*i], *value = NULL;
	size_t k;

	for (k = 0; k < sizeof(options) / sizeof(options[0]); k++) {
		size_t n = strlen(options[k].long_name);

		if (strcmp(a, options[k].short_name) == 0 || strcmp(a, options[k].long_name) == 0)
			break;
		if (options[k].takes_value && strncmp(a, options[k].long_name, n) == 0 && a[n] == '=') {
			value = a + n + 1;
			break;
		}
	}
	if (k == sizeof(options) / sizeof(options[0]))
		return usage_error(err, errlen, "unknown option '%s' (options go before the command)", a);
	if (options[k].takes_value && !value) {
		if (*i + 1 >= argc)
			return usage_error(err, errlen, "option %s needs a value", options[k].long_name);
		value = argv[++*i];
	}
	switch (options[k].id) {
	case OPT_SOCKET:
		inv->socket = value;
		return *value ? EXIT_OK : usage_error(err, errlen, "--socket needs a path");
	case OPT_TIMEOUT:
		return cli_parse_timeout(value, &inv->timeout_ms) == 0
			       ? EXIT_OK
			       : usage_error(err, errlen, "--timeout wants a positive number of milliseconds, not '%s'",
					     value);
	case OPT_JSON:
		inv->json = true;
		break;
	case OPT_HELP:
		inv->help = true;
		break;
	case OPT_VERSION:
		inv->version = true;
		break;
	}
	return EXIT_OK;
}

int cli_parse(int argc, char *const argv[], struct invocation *inv, char *err, size_t errlen)
{
	const struct command_spec *spec;
	char usage[128];
	unsigned n, given;
	int i, r;

	*inv = (struct invocation){.cgroup = "", .file = "", .signal = SIGTERM, .recursive = 1};
	err[0] = '\0';
	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		r = parse_option(argc, argv, &i, inv, err, errlen);
		if (r != EXIT_OK)
			return r;
	}
	if (i >= argc)
		return inv->help || inv->version ? EXIT_OK
						 : usage_error(err, errlen, "no command given (see cgm --help)");
	spec = cli_find_command(argv[i]);
	if (!spec)
		return usage_error(err, errlen, "unknown command '%s' (see cgm --help)", argv[i]);
	inv->command = spec;
	i++;
	/* "cgm create --help": only as the first argument, so that values may still begin with '-'. */
	if (i < argc && (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)) {
		inv->help = true;
		return EXIT_OK;
	}
	n = n_args(spec);
	given = (unsigned)(argc - i);
	cli_usage_line(spec, usage, sizeof(usage));
	if (given < spec->n_required || given > n)
		return usage_error(err, errlen, "%s: expects %s%u argument%s: cgm %s", spec->name,
				   given < spec->n_required ? (n > spec->n_required ? "at least " : "")
							    : (n > spec->n_required ? "at most " : ""),
				   given < spec->n_required ? spec->n_required : n,
				   (given < spec->n_required ? spec->n_required : n) == 1 ? "" : "s", usage);
	for (unsigned k = 0; k < given; k++)
		if (store_arg(inv, spec->args[k], argv[i + (int)k]) < 0)
			return usage_error(err, errlen, "%s: invalid %s '%s': expected %s", spec->name,
					   arg_names[spec->args[k]], argv[i + (int)k], arg_expect[spec->args[k]]);
	return EXIT_OK;
}
