/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pam-probe: opens a real PAM session the way login does, runs a command
 * inside it, and closes it.  The tests and tools/demo.sh use it to log a
 * user in through a generated service file (pam_start_confdir), so that
 * the session leader is this process and the command is its child, as a
 * login shell would be.
 *
 *   pam-probe [--confdir DIR] [--as-user] SERVICE USER [-- COMMAND...]
 *
 * --as-user runs COMMAND with the user's ids and groups, like a shell.
 * Prints "pam-probe: <pid> open: <result>" and the PAM environment's
 * CGM_SESSION; exits 2 when the session does not open, else with
 * COMMAND's status (0 without one), after pam_close_session.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <security/pam_appl.h>

/* No module of a session stack should ask anything; answer nothing. */
static int no_conversation(int n, const struct pam_message **msg, struct pam_response **resp, void *data)
{
	return PAM_CONV_ERR;
}

static int run_in_session(pam_handle_t *pamh, const char *user, int as_user, char **cmd)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		perror("pam-probe: fork");
		return 1;
	}
	if (pid == 0) {
		char **env = pam_getenvlist(pamh);
		struct passwd *pw = getpwnam(user);

		for (char **e = env; e && *e; e++)
			putenv(*e);
		if (as_user &&
		    (!pw || initgroups(user, pw->pw_gid) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)) {
			perror("pam-probe: becoming the user");
			_exit(126);
		}
		execvp(cmd[0], cmd);
		perror("pam-probe: exec");
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return 1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv)
{
	const struct pam_conv conv = {no_conversation, NULL};
	const char *confdir = NULL, *session;
	pam_handle_t *pamh = NULL;
	int as_user = 0, i = 1, r, status = 0;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0 && argv[i][2]; i++) {
		if (strcmp(argv[i], "--confdir") == 0 && i + 1 < argc)
			confdir = argv[++i];
		else if (strcmp(argv[i], "--as-user") == 0)
			as_user = 1;
		else
			break;
	}
	if (argc - i < 2 || (argc - i > 2 && strcmp(argv[i + 2], "--") != 0) || argc - i == 3) {
		fprintf(stderr, "usage: pam-probe [--confdir DIR] [--as-user] SERVICE USER [-- COMMAND...]\n");
		return 64;
	}
	r = pam_start_confdir(argv[i], argv[i + 1], &conv, confdir, &pamh);
	if (r != PAM_SUCCESS) {
		fprintf(stderr, "pam-probe: pam_start: %s\n", pam_strerror(NULL, r));
		return 2;
	}
	r = pam_open_session(pamh, 0);
	printf("pam-probe: %d open: %s\n", (int)getpid(), pam_strerror(pamh, r));
	if (r != PAM_SUCCESS) {
		pam_end(pamh, r);
		return 2;
	}
	session = pam_getenv(pamh, "CGM_SESSION");
	printf("pam-probe: CGM_SESSION=%s\n", session ? session : "");
	if (argc - i > 3)
		status = run_in_session(pamh, argv[i + 1], as_user, argv + i + 3);
	r = pam_close_session(pamh, 0);
	printf("pam-probe: close: %s\n", pam_strerror(pamh, r));
	pam_end(pamh, r);
	return status;
}
