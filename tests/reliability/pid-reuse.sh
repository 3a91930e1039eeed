#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# A caller that exits and whose pid is reused by a root process is never
# mistaken for it.  cgmtest1's process P, in cgmtest-u1, connects, makes a
# cgroup (so the connection works), hands the connection to a child and
# exits.  A root process R is then created with exactly P's pid (clone3
# with set_tid) in cgmtest-other, a cgroup cgmtest1 may also write to, so
# that a daemon reading the caller's cgroup from /proc/<pid> would see R's
# and create there.  The child's Create on P's connection must be refused
# and nothing may appear in either cgroup.
. "$top_srcdir/tests/harness.sh"
require_root
ensure_user cgmtest1
STRESS=$top_builddir/tests/reliability/cgm-stress
sandbox_enter || finish
start_cgmd || finish
U=$(id -u cgmtest1) G=$(id -g cgmtest1)
for cg in cgmtest-u1 cgmtest-other; do
	check "root makes $cg and hands it to cgmtest1" sh -c "'$CGM' create all $cg && '$CGM' chown all $cg $U $G"
done
procs() { for name in $(host_hierarchies | awk '{print $1}'); do printf '%s/%s/cgroup.procs,' "$(sandbox_dir "$name")" "$1"; done; }

"$STRESS" pid-reuse "$SOCK" "$U" "$G" "$(procs cgmtest-u1)" "$(procs cgmtest-other)" >"$T_DIR/out" 2>&1
check_eq "cgm-stress pid-reuse ran" "$?" 0
cat "$T_DIR/out"
val() { sed -n "s/^$1=//p" "$T_DIR/out"; }
check_eq "the caller's connection worked while it lived" \
	"$(find "$(sandbox_dir pids)/cgmtest-u1" -maxdepth 1 -name cgmtest-reuse-before | wc -l)" 1
check_eq "a root process got the dead caller's pid $(val caller_pid)" "$(val pid_reused)" 1
check "the request on the dead caller's connection is refused ($(val after_reuse_error))" \
	test "$(val after_reuse_create)" -lt 0
check "... because the caller is gone" sh -c "printf '%s\n' '$(val after_reuse_error)' | grep -q 'is gone'"
for name in $(host_hierarchies | awk '{print $1}'); do
	check_eq "$name: nothing made in the root process's cgroup or the caller's" \
		"$(find "$(sandbox_dir "$name")" -name cgmtest-reuse-escape | wc -l)" 0
done
check "cgmd still answers" ping_cgmd
finish
