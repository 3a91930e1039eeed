#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Remove-on-empty outlives a killed daemon (the regression test of the
# leftover sessions kill-logins.sh found): sessions are opened through
# pam_cgm, cgmd is killed with SIGKILL, one session ends while no daemon
# runs and another after the restart.  The restarted daemon removes the
# first at start-up and the second once it empties, and a session cgroup
# made but not yet marked when the daemon was killed.  A second daemon on
# another socket leaves the first one's marks alone, and a user cannot
# write a mark on its own cgroup.
. "$top_srcdir/tests/harness.sh"
require_root
. "$top_srcdir/tests/integration/pam-common.sh"
ensure_user cgmtest1 || finish
sandbox_enter || finish
start_cgmd --log-level info || finish
pam_service cgmtest-restart "session optional $PAM_MODULE socket=$SOCK base=$PAM_BASE" "session required pam_permit.so"

# session_dirs TAG: the host directories of held session TAG, one per hierarchy.
session_dirs() {
	for name in $(hierarchy_names); do
		printf '%s/%s\n' "$(host_hierarchy_dir "$name")" "$(pid_cgroup "$(cat "$HOLD_DIR/$1.leader")" "$name")"
	done
}
# count_dirs FILE: how many of the directories listed in FILE exist.
count_dirs() { n=0; while read -r d; do [ -d "$d" ] && n=$((n + 1)); done <"$1"; echo $n; }
nh=$(hierarchy_names | wc -l)

for tag in gone-while-down after-restart other-daemon; do
	hold $tag cgmtest-restart cgmtest1
	wait_file "$HOLD_DIR/$tag.leader" || { fail "$tag: session opened"; finish; }
	session_dirs $tag >"$T_DIR/$tag.dirs"
	check_eq "$tag: placed in a session cgroup in every hierarchy" "$(grep -c '/cgmtest1/[0-9]*$' "$T_DIR/$tag.dirs")" "$nh"
done

# Only the daemon can write a mark: a user cannot mark its own cgroup for a restarted daemon to take.
STRESS=$top_builddir/tests/reliability/cgm-stress
"$STRESS" set-mark "$T_DIR" >/dev/null # a libtool wrapper: its first run, as root, may write
user_cg=$(dirname "$(head -n 1 "$T_DIR/after-restart.dirs")")
check_eq "the user cannot write a mark on its own cgroup ($user_cg)" \
	"$(as_user cgmtest1 "$STRESS" set-mark "$user_cg")" "set_mark=Operation not permitted"

kill -KILL "$CGMD_PID"; wait "$CGMD_PID" 2>/dev/null; CGMD_PID=
# A session cgroup the daemon made just before it was killed, before it could mark it.
sed 's|/[0-9]*$|/999|' "$T_DIR/gone-while-down.dirs" >"$T_DIR/unmarked.dirs"
while read -r d; do mkdir "$d"; done <"$T_DIR/unmarked.dirs"
release gone-while-down other-daemon
check_eq "ended while no daemon ran: its cgroups are still there" "$(count_dirs "$T_DIR/gone-while-down.dirs")" "$nh"

# Another daemon, on its own socket, starts and stops: not its marks, so it removes nothing.
"$CGMD" --foreground --socket "$T_DIR/sock2" --pidfile "$T_DIR/cgmd2.pid" --mount-root "$T_DIR/mnt2" \
	>>"$T_DIR/cgmd2.log" 2>&1 &
other=$!; register_pid $other
for _ in $(seq 1 100); do [ -S "$T_DIR/sock2" ] && [ -s "$T_DIR/cgmd2.pid" ] && break; sleep 0.05; done
check "the other daemon serves" dbus-send --peer="unix:path=$T_DIR/sock2" --print-reply \
	/org/linuxcontainers/cgmanager org.linuxcontainers.cgmanager0_0.Ping int32:0
kill -TERM $other; wait $other
check_eq "a daemon on another socket left the marks alone" "$(count_dirs "$T_DIR/other-daemon.dirs")" "$nh"

start_cgmd --log-level info || finish
check_eq "restarted: the session that ended meanwhile is removed at start-up" "$(count_dirs "$T_DIR/gone-while-down.dirs")" 0
check_eq "... and the other one that ended meanwhile" "$(count_dirs "$T_DIR/other-daemon.dirs")" 0
check_eq "... and the one made but never marked before the kill" "$(count_dirs "$T_DIR/unmarked.dirs")" 0
check "the restart logged it" grep -q "emptied while no daemon watched it" "$T_DIR/cgmd.log"
check_eq "the session still in use is kept" "$(count_dirs "$T_DIR/after-restart.dirs")" "$nh"
release after-restart
for _ in $(seq 1 100); do [ "$(count_dirs "$T_DIR/after-restart.dirs")" -eq 0 ] && break; sleep 0.05; done
check_eq "the session that ended after the restart is removed too" "$(count_dirs "$T_DIR/after-restart.dirs")" 0
finish
