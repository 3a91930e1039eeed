#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A caller that exits and whose pid is reused by a root process is never
# mistaken for it.  cgmtest1's process P, in cgmtest-u1, connects, makes a
# cgroup (so the connection works), hands the connection to a child and
# exits.  A root process R is then created with exactly P's pid (clone3
# with set_tid) in cgmtest-other, a cgroup cgmtest1 may also write to, so
# that a daemon reading the caller's cgroup from /proc/<pid> would see R's
# and create there.  The child's Create on P's connection must be refused
# and nothing may appear in either cgroup.  Then the same over a system bus
# of the test's own (cgmd --system-bus), where the daemon asks the bus
# daemon who the sender is.
. "$top_srcdir/tests/harness.sh"
. "$top_srcdir/tests/integration/daemon-common.sh"
require_root
ensure_user cgmtest1
STRESS=$top_builddir/tests/reliability/cgm-stress
sandbox_enter || finish
start_cgmd || finish
U=$(id -u cgmtest1) G=$(id -g cgmtest1)
procs() { for name in $(host_hierarchies | awk '{print $1}'); do printf '%s/%s/cgroup.procs,' "$(sandbox_dir "$name")" "$1"; done; }
val() { sed -n "s/^$1=//p" "$T_DIR/out"; }

# reused HOW MINE OTHER WHY [LABEL]: the run through HOW (cgmd's socket, or bus:ADDRESS), P in
# cgroup MINE and R in OTHER (both handed to cgmtest1 first); the refusal must say WHY, and
# LABEL starts the name of every check.
reused() {
	how=$1 mine=$2 other=$3 why=$4 label=${5:-}
	for cg in "$mine" "$other"; do
		check "root makes $cg and hands it to cgmtest1" sh -c "'$CGM' create all $cg && '$CGM' chown all $cg $U $G"
	done
	"$STRESS" pid-reuse "$how" "$U" "$G" "$(procs "$mine")" "$(procs "$other")" >"$T_DIR/out" 2>&1
	check_eq "${label}cgm-stress pid-reuse ran" "$?" 0
	cat "$T_DIR/out"
	check_eq "${label}the caller's connection worked while it lived" \
		"$(find "$(sandbox_dir pids)/$mine" -maxdepth 1 -name cgmtest-reuse-before | wc -l)" 1
	check_eq "${label}a root process got the dead caller's pid $(val caller_pid)" "$(val pid_reused)" 1
	check "${label}the request on the dead caller's connection is refused ($(val after_reuse_error))" \
		test "$(val after_reuse_create)" -lt 0
	check "... saying \"$why\"" sh -c "printf '%s\n' '$(val after_reuse_error)' | grep -q '$why'"
	for name in $(host_hierarchies | awk '{print $1}'); do
		check_eq "${label}$name: nothing made in the root process's cgroup or the caller's" \
			"$(find "$(sandbox_dir "$name")" -name cgmtest-reuse-escape | wc -l)" 0
	done
	check "cgmd still answers" ping_cgmd
}

reused "$SOCK" cgmtest-u1 cgmtest-other "is gone"

# --- over the system bus (THREATS.md T23) ----------------------------------------------------
# With cgmd --system-bus every caller shares the daemon's one bus connection, and the daemon
# asks the bus daemon who sent each message: the pid it knows for P's connection is P's,
# though P is gone and root's R holds that pid now.  dbus-daemon 1.14 (Debian 12) reports no
# ProcessFD, so the daemon pins the pid itself; R's uid is not the one the bus knows.
if ! command -v dbus-daemon >/dev/null; then
	say "# no dbus-daemon: the system-bus part is left out"
	finish
fi
stop_cgmd
start_private_bus || finish
export DBUS_SYSTEM_BUS_ADDRESS="$BUS"
start_cgmd --system-bus || finish
reused "bus:$BUS" cgmtest-bus-u1 cgmtest-bus-other "runs as uid 0, the bus knows it as uid $U" "over the bus: "
finish
