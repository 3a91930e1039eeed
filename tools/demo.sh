#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The README's first command: on a fresh Debian/Ubuntu machine, as root,
# installs what cgm needs, builds it in ./build, starts cgmd in a sandbox
# (its own socket, pidfile and mount directory under a temporary
# directory), logs a test user in through PAM with the built pam_cgm.so,
# and shows where the session landed in every hierarchy, who owns what,
# and the user managing its own subtree.  Then it takes everything down
# again: the session, the daemon, the cgroups, the user, the PAM file.
#
# The login goes through the real libpam: tests/pam-probe opens the session
# from a service file in the temporary directory (pam_start_confdir), so
# /etc/pam.d is never touched, and runs a shell as the user inside it.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "demo: run me as root (sudo $0)" >&2; exit 1; }

step() { printf '\n== %s\n' "$*"; }

step "installing build dependencies (tools/install-deps.sh)"
"$top/tools/install-deps.sh"

. "$top/tools/build-dir.sh"
build=$(build_dir_for "$top/build")
step "building in $build"
cd "$top"
autoreconf -fi
mkdir -p "$build"
cd "$build"
[ -f Makefile ] || "$top/configure" -q
make -j"$(nproc)" >make.log 2>&1 || { cat make.log; exit 1; }
echo "built: helper/cgmd, cli/cgm, pam_cgm/.libs/pam_cgm.so, tests/pam-probe"

# The test harness gives the demo its sandbox cgroup, daemon start/stop and
# a cleanup trap that undoes everything even when a step fails.
set +eu
top_builddir=$build top_srcdir=$top
export top_builddir top_srcdir
. "$top/tests/harness.sh"
. "$top/tests/integration/pam-common.sh"
USER_NAME=cgmtestdemo
PAM_BASE=cgmtest-demo/user

step "sandbox: cgroup $T_TAG below this shell's own, in every hierarchy"
sandbox_enter || exit 1
host_hierarchies | sed 's/^/   /'

step "starting cgmd (socket $SOCK, mounts under $T_DIR/mnt, limits from $T_DIR/cgm.conf)"
printf '* pids.max 200\n* cgroup.max.descendants 20\n' >"$T_DIR/cgm.conf"
sed 's/^/   /' "$T_DIR/cgm.conf"
start_cgmd --conf "$T_DIR/cgm.conf" || exit 1
echo "   cgmd pid $CGMD_PID; it manages: $("$CGM" listcontrollers | tr '\n' ' ')"

step "test user $USER_NAME"
ensure_user "$USER_NAME" || exit 1
id "$USER_NAME" | sed 's/^/   /'

step "PAM service file $PAM_DIR/cgmtest-demo"
pam_service cgmtest-demo "session required $PAM_MODULE socket=$SOCK base=$PAM_BASE"
sed 's/^/   /' "$PAM_DIR/cgmtest-demo"

step "logging $USER_NAME in: pam_open_session, then a shell as the user inside the session"
# What the user's shell does: look at itself, then make a child cgroup and move in, with cgm.
HOLD_OPTS=--as-user hold demo cgmtest-demo "$USER_NAME" "
	export CGM_SOCKET=$SOCK
	echo \"   CGM_SESSION=\$CGM_SESSION\"
	echo '   /proc/self/cgroup of the user shell:'; sed 's/^/     /' /proc/self/cgroup
	echo '   \$ cgm create all job1 && cgm movepid all job1 \$\$'
	$CGM create all job1 && $CGM movepid all job1 \$\$ && echo '   moved; /proc/self/cgroup now:'
	sed 's/^/     /' /proc/self/cgroup"
if ! wait_file "$HOLD_DIR/demo.leader"; then
	cat "$HOLD_DIR/demo.out"
	exit 1
fi
leader=$(cat "$HOLD_DIR/demo.leader")
grep -v '^pam-probe: close' "$HOLD_DIR/demo.out"

step "the host's view while the session is open (session leader pid $leader)"
for name in $(hierarchy_names); do
	cg=$(pid_cgroup "$leader" "$name")
	user_dir=$(host_cgroup_dir "$name" "${cg%/*}")
	printf '   %-14s session %s\n' "$name" "$cg"
	printf '   %-14s   %s  (user cgroup)\n' "" "$(stat -c '%U:%G %A' "$user_dir")"
	printf '   %-14s   %s  (session)\n' "" "$(stat -c '%U:%G %A' "$(host_cgroup_dir "$name" "$cg")")"
	for f in cgroup.procs pids.max cgroup.max.descendants; do
		[ -e "$user_dir/$f" ] && printf '   %-14s   %s  %s = %s\n' "" "$(stat -c '%U' "$user_dir/$f")" "$f" \
			"$(if [ "$f" = cgroup.procs ]; then echo '(delegated)'; else cat "$user_dir/$f"; fi)"
	done
done

step "closing the session"
release demo
grep '^pam-probe: close' "$HOLD_DIR/demo.out" | sed 's/^/   /'

step "cleaning up: cgmd (pid $CGMD_PID), cgroups below $T_TAG, user $USER_NAME, $T_DIR"
# The harness's exit trap (t_cleanup) does it, as it would after a failed step.
exit 0
