/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * cgm, the command-line client of cgmd.  main() parses the command line
 * (args.c), connects once through libcgm and runs the command's handler
 * from a table indexed like the command table; a handler makes its libcgm
 * call and prints the answer (output.c).  Failures become one line on
 * stderr, "cgm: <command>: <what>: <why>", and an exit status that says
 * what kind of failure it was.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "args.h"
#include "cgm.h"
#include "output.h"
#include "tree.h"

typedef int (*handler)(struct cgm *conn, const struct invocation *inv);

/* Why a handler failed before reaching the daemon (otherwise cgm_errmsg() says). */
static char local_errmsg[256];

static int run_ping(struct cgm *conn, const struct invocation *inv)
{
	return cgm_ping(conn);
}

static int run_create(struct cgm *conn, const struct invocation *inv)
{
	int r = cgm_create(conn, inv->controller, inv->cgroup);

	if (r >= 0)
		print_flag(inv->json, "existed", r == 1);
	return r;
}

static int run_remove(struct cgm *conn, const struct invocation *inv)
{
	int r = cgm_remove(conn, inv->controller, inv->cgroup, inv->recursive);

	if (r >= 0)
		print_flag(inv->json, "removed", r == 1);
	return r;
}

static int run_chown(struct cgm *conn, const struct invocation *inv)
{
	return cgm_chown(conn, inv->controller, inv->cgroup, inv->uid, inv->gid);
}

/* chmod and chmodfile differ only in the file, which is "" (the directory) unless given. */
static int run_chmod(struct cgm *conn, const struct invocation *inv)
{
	return cgm_chmod(conn, inv->controller, inv->cgroup, inv->file, inv->mode);
}

static int print_cgroup(int r, const struct invocation *inv, char *cgroup)
{
	if (r >= 0)
		print_string(inv->json, "cgroup", cgroup);
	free(cgroup);
	return r;
}

static int run_getpidcgroup(struct cgm *conn, const struct invocation *inv)
{
	char *cg = NULL;
	int r = cgm_get_pid_cgroup(conn, inv->controller, inv->pid, &cg);

	return print_cgroup(r, inv, cg);
}

static int run_getpidcgroupabs(struct cgm *conn, const struct invocation *inv)
{
	char *cg = NULL;
	int r = cgm_get_pid_cgroup_abs(conn, inv->controller, inv->pid, &cg);

	return print_cgroup(r, inv, cg);
}

static int run_movepid(struct cgm *conn, const struct invocation *inv)
{
	return cgm_move_pid(conn, inv->controller, inv->cgroup, inv->pid);
}

static int run_movepidabs(struct cgm *conn, const struct invocation *inv)
{
	return cgm_move_pid_abs(conn, inv->controller, inv->cgroup, inv->pid);
}

static int run_movepidfd(struct cgm *conn, const struct invocation *inv)
{
	int pidfd = (int)syscall(SYS_pidfd_open, inv->pid, 0);
	int r;

	if (pidfd < 0) {
		snprintf(local_errmsg, sizeof(local_errmsg), "cannot pin process %d: %m", (int)inv->pid);
		return CGM_ENOENT;
	}
	r = cgm_move_pidfd(conn, inv->controller, inv->cgroup, pidfd);
	close(pidfd);
	return r;
}

static int run_getvalue(struct cgm *conn, const struct invocation *inv)
{
	char *value = NULL;
	int r = cgm_get_value(conn, inv->controller, inv->cgroup, inv->key, &value);

	if (r >= 0)
		print_string(inv->json, "value", value);
	free(value);
	return r;
}

static int run_setvalue(struct cgm *conn, const struct invocation *inv)
{
	return cgm_set_value(conn, inv->controller, inv->cgroup, inv->key, inv->value);
}

static int print_tasks(int r, const struct invocation *inv, pid_t *pids, size_t n)
{
	if (r >= 0)
		print_pids(inv->json, "pids", pids, n);
	free(pids);
	return r;
}

static int run_gettasks(struct cgm *conn, const struct invocation *inv)
{
	pid_t *pids = NULL;
	size_t n = 0;
	int r = cgm_get_tasks(conn, inv->controller, inv->cgroup, &pids, &n);

	return print_tasks(r, inv, pids, n);
}

static int run_gettasksrecursive(struct cgm *conn, const struct invocation *inv)
{
	pid_t *pids = NULL;
	size_t n = 0;
	int r = cgm_get_tasks_recursive(conn, inv->controller, inv->cgroup, &pids, &n);

	return print_tasks(r, inv, pids, n);
}

static int print_names(int r, const struct invocation *inv, const char *what, char **names)
{
	if (r >= 0)
		print_strv(inv->json, what, names);
	cgm_strv_free(names);
	return r;
}

static int run_listchildren(struct cgm *conn, const struct invocation *inv)
{
	char **names = NULL;
	int r = cgm_list_children(conn, inv->controller, inv->cgroup, &names);

	return print_names(r, inv, "children", names);
}

static int run_listcontrollers(struct cgm *conn, const struct invocation *inv)
{
	char **names = NULL;
	int r = cgm_list_controllers(conn, &names);

	return print_names(r, inv, "controllers", names);
}

static int run_listkeys(struct cgm *conn, const struct invocation *inv)
{
	struct cgm_key *keys = NULL;
	size_t n = 0;
	int r = cgm_list_keys(conn, inv->controller, inv->cgroup, &keys, &n);

	if (r >= 0)
		print_keys(inv->json, "keys", keys, n);
	cgm_keys_free(keys, n);
	return r;
}

static int run_prune(struct cgm *conn, const struct invocation *inv)
{
	return cgm_prune(conn, inv->controller, inv->cgroup);
}

static int run_removeonempty(struct cgm *conn, const struct invocation *inv)
{
	return cgm_remove_on_empty(conn, inv->controller, inv->cgroup);
}

static int run_apiversion(struct cgm *conn, const struct invocation *inv)
{
	int version = 0;
	int r = cgm_api_version(conn, &version);

	if (r >= 0)
		print_int(inv->json, "api_version", version);
	return r;
}

static int run_kill(struct cgm *conn, const struct invocation *inv)
{
	return cgm_kill(conn, inv->controller, inv->cgroup, inv->signal);
}

static int run_freeze(struct cgm *conn, const struct invocation *inv)
{
	return cgm_freeze(conn, inv->controller, inv->cgroup);
}

static int run_thaw(struct cgm *conn, const struct invocation *inv)
{
	return cgm_thaw(conn, inv->controller, inv->cgroup);
}

static int run_tree(struct cgm *conn, const struct invocation *inv)
{
	return tree_show(conn, inv->controller, inv->cgroup, inv->json);
}

static int run_status(struct cgm *conn, const struct invocation *inv)
{
	struct cgm_status *st = NULL;
	int r = cgm_status(conn, &st);

	if (r >= 0)
		print_status(inv->json, "status", st);
	cgm_status_free(st);
	return r;
}

/* Indexed like cli_commands; CMD_HELP needs no daemon and is handled in main(). */
static const handler handlers[CMD__MAX] = {
	[CMD_PING] = run_ping,
	[CMD_CREATE] = run_create,
	[CMD_CHOWN] = run_chown,
	[CMD_CHMOD] = run_chmod,
	[CMD_CHMODFILE] = run_chmod,
	[CMD_REMOVE] = run_remove,
	[CMD_GETPIDCGROUP] = run_getpidcgroup,
	[CMD_GETPIDCGROUPABS] = run_getpidcgroupabs,
	[CMD_MOVEPID] = run_movepid,
	[CMD_MOVEPIDABS] = run_movepidabs,
	[CMD_MOVEPIDFD] = run_movepidfd,
	[CMD_GETVALUE] = run_getvalue,
	[CMD_SETVALUE] = run_setvalue,
	[CMD_GETTASKS] = run_gettasks,
	[CMD_GETTASKSRECURSIVE] = run_gettasksrecursive,
	[CMD_LISTCHILDREN] = run_listchildren,
	[CMD_LISTKEYS] = run_listkeys,
	[CMD_PRUNE] = run_prune,
	[CMD_REMOVEONEMPTY] = run_removeonempty,
	[CMD_LISTCONTROLLERS] = run_listcontrollers,
	[CMD_APIVERSION] = run_apiversion,
	[CMD_KILL] = run_kill,
	[CMD_FREEZE] = run_freeze,
	[CMD_THAW] = run_thaw,
	[CMD_TREE] = run_tree,
	[CMD_STATUS] = run_status,
};

/* Which exit status each libcgm error becomes. */
static int exit_status(int err)
{
	switch (err) {
	case CGM_EPERM:
		return EXIT_PERM;
	case CGM_ENOENT:
	case CGM_EHIERARCHY:
		return EXIT_NOTFOUND;
	case CGM_ECONNECT:
	case CGM_ETIMEOUT:
		return EXIT_UNREACHABLE;
	case CGM_EPATH:
	case CGM_EKEY:
	case CGM_EVALUE:
	case CGM_EINVAL:
		return EXIT_USAGE;
	default:
		return EXIT_FAILED;
	}
}

static void print_command_help(FILE *f, const struct command_spec *spec)
{
	char usage[128];

	cli_usage_line(spec, usage, sizeof(usage));
	fprintf(f, "usage: cgm [options] %s\n\n%c%s.\n", usage, toupper((unsigned char)spec->summary[0]),
		spec->summary + 1);
	if (spec->args[0] == ARG_CONTROLLER)
		fputs("\n<controller> is a hierarchy (memory, cpu,cpuacct, name=systemd, unified), a comma-separated\n"
		      "list, or \"all\".  <cgroup> is resolved beneath your own cgroup; \"\" (the default where it\n"
		      "is optional) is your cgroup itself, a leading \"/\" the top of what you may see.\n",
		      f);
	if (spec->output)
		fprintf(f, "\nWith --json it prints {\"%s\": ...}.\n", spec->output);
}

static void print_help(FILE *f)
{
	char usage[128];

	fputs("usage: cgm [options] <command> [arguments]\n\n"
	      "Ask cgmd, the cgroup manager, to create, delegate, limit and remove cgroups.\n\n"
	      "Options (before the command):\n"
	      "  -s, --socket PATH   the daemon's socket (default $CGM_SOCKET, else " CGM_DEFAULT_SOCKET ")\n"
	      "  -t, --timeout MS    give up on the daemon after MS milliseconds (default 5000)\n"
	      "  -j, --json          print answers as JSON\n"
	      "  -h, --help          this help; `cgm help <command>` or `cgm <command> --help` for one command\n"
	      "  -V, --version       print cgm's version\n\n"
	      "Commands:\n",
	      f);
	for (size_t i = 0; i < CMD__MAX; i++) {
		cli_usage_line(&cli_commands[i], usage, sizeof(usage));
		fprintf(f, "  %s\n      %s\n", usage, cli_commands[i].summary);
	}
	fputs("\nExit status: 0 success, 1 other failure, 2 bad usage or invalid argument, 3 permission denied,\n"
	      "4 not found (cgroup, process or hierarchy), 5 daemon unreachable or not answering in time.\n",
	      f);
}

int main(int argc, char *argv[])
{
	struct invocation inv;
	char err[512];
	struct cgm *conn;
	int r;

	r = cli_parse(argc, argv, &inv, err, sizeof(err));
	if (r != EXIT_OK) {
		fprintf(stderr, "cgm: %s\n", err);
		return r;
	}
	if (inv.version) {
		puts("cgm " PACKAGE_VERSION);
		return EXIT_OK;
	}
	if (inv.help || !inv.command || cli_command_id(inv.command) == CMD_HELP) {
		const struct command_spec *topic = inv.topic ? cli_find_command(inv.topic) : NULL;

		if (inv.command && cli_command_id(inv.command) != CMD_HELP)
			topic = inv.command;
		if (topic)
			print_command_help(stdout, topic);
		else
			print_help(stdout);
		return EXIT_OK;
	}

	conn = cgm_connect_timeout(inv.socket, inv.timeout_ms, &r);
	if (!conn) {
		fprintf(stderr, "cgm: %s: %s: %s\n", inv.command->name, cgm_strerror(r), cgm_errmsg(NULL));
		return exit_status(r);
	}
	r = handlers[cli_command_id(inv.command)](conn, &inv);
	if (r < 0)
		fprintf(stderr, "cgm: %s: %s: %s\n", inv.command->name, cgm_strerror(r),
			*local_errmsg	    ? local_errmsg
			: *cgm_errmsg(conn) ? cgm_errmsg(conn)
					    : "no details");
	cgm_disconnect(conn);
	if (fflush(stdout) != 0 && r >= 0) {
		fprintf(stderr, "cgm: %s: cannot write the output\n", inv.command->name);
		return EXIT_FAILED;
	}
	return r < 0 ? exit_status(r) : EXIT_OK;
}
