#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Every method of both interfaces as host root, on a v1 hierarchy
# (memory; freezer and pids where the method needs them) and on the
# unified one, each result verified through the host's own /sys/fs/cgroup:
# the directory exists, the owner is right, the pid is in cgroup.procs, the
# value was written.
. "$top_srcdir/tests/harness.sh"
. "$top_srcdir/tests/integration/daemon-common.sh"
require_root
require_cmd dbus-send busctl python3
ensure_user cgmtest1
U1=$(id -u cgmtest1) G1=$(id -g cgmtest1)

sandbox_enter
start_cgmd || { fail "cgmd starts"; finish; }

hiers=$(value root ListControllers)
for n in $(host_hierarchies | awk '{print $1}'); do
	check "ListControllers names $n" sh -c "printf '%s\n' '$hiers' | grep -qx '$n'"
done

for H in memory unified; do
	say "# hierarchy $H"
	check_eq "$H: Create makes a cgroup (-1: created)" "$(value root Create string:$H string:cgmtest-a)" -1
	check "$H: it exists on the host" test -d "$(hdir $H cgmtest-a)"
	check_eq "$H: owned by the caller (root)" "$(owner "$(hdir $H cgmtest-a)")" 0:0
	check_eq "$H: Create again says it existed (1)" "$(value root Create string:$H string:cgmtest-a)" 1
	check_eq "$H: Create makes missing parents" "$(value root Create string:$H string:cgmtest-a/cgmtest-b/cgmtest-c)" -1
	check "$H: the nested cgroup exists" test -d "$(hdir $H cgmtest-a/cgmtest-b/cgmtest-c)"

	check "$H: Chown" call root Chown string:$H string:cgmtest-a int32:$U1 int32:$G1
	check_eq "$H: the directory is the user's" "$(owner "$(hdir $H cgmtest-a)")" "$U1:$G1"
	check_eq "$H: cgroup.procs is the user's" "$(owner "$(hdir $H cgmtest-a)/cgroup.procs")" "$U1:$G1"
	if [ $H = unified ]; then
		check_eq "$H: cgroup.subtree_control is delegated" "$(owner "$(hdir $H cgmtest-a)/cgroup.subtree_control")" "$U1:$G1"
		check_eq "$H: cgroup.max.depth (a limit) stays root's" "$(owner "$(hdir $H cgmtest-a)/cgroup.max.depth")" 0:0
	else
		check_eq "$H: tasks is delegated" "$(owner "$(hdir $H cgmtest-a)/tasks")" "$U1:$G1"
		check_eq "$H: memory.limit_in_bytes stays root's" "$(owner "$(hdir $H cgmtest-a)/memory.limit_in_bytes")" 0:0
	fi
	check_eq "$H: Chown did not reach the children" "$(owner "$(hdir $H cgmtest-a/cgmtest-b)")" 0:0

	check "$H: Chmod of the directory" call root Chmod string:$H string:cgmtest-a string: int32:0775
	check_eq "$H: mode 775 on the host" "$(mode "$(hdir $H cgmtest-a)")" 775
	check "$H: Chmod of a file" call root Chmod string:$H string:cgmtest-a string:cgroup.procs int32:0664
	check_eq "$H: cgroup.procs mode 664" "$(mode "$(hdir $H cgmtest-a)/cgroup.procs")" 664

	p=$(sleeper root)
	check "$H: MovePid" call root MovePid string:$H string:cgmtest-a/cgmtest-b int32:$p
	check "$H: the pid is in the target's cgroup.procs" in_procs "$p" "$(hdir $H cgmtest-a/cgmtest-b)/cgroup.procs"
	check_eq "$H: GetPidCgroup answers from the caller's cgroup" "$(value root GetPidCgroup string:$H int32:$p)" /cgmtest-a/cgmtest-b
	check_eq "$H: GetPidCgroupAbs answers from the real root" "$(value root GetPidCgroupAbs string:$H int32:$p)" "$(pid_cgroup $p $H)"
	check_eq "$H: GetPidCgroup of this shell is its own cgroup" "$(value root GetPidCgroup string:$H int32:$$)" /
	abs=$(pid_cgroup $$ $H)/cgmtest-a/cgmtest-b/cgmtest-c
	check "$H: MovePidAbs" call root MovePidAbs string:$H string:"$abs" int32:$p
	check "$H: the pid moved to the absolute path" in_procs "$p" "$(hdir $H cgmtest-a/cgmtest-b/cgmtest-c)/cgroup.procs"
	check_eq "$H: GetTasks" "$(value root GetTasks string:$H string:cgmtest-a/cgmtest-b/cgmtest-c | grep -v '^array\|^]')" "$p"
	check_eq "$H: GetTasks of the parent is empty" "$(value root GetTasks string:$H string:cgmtest-a | grep -v '^array\|^]')" ""
	check_eq "$H: GetTasksRecursive sees below" "$(value root GetTasksRecursive string:$H string:cgmtest-a | grep -cx "$p")" 1
	check_eq "$H: ListChildren" "$(value root ListChildren string:$H string:cgmtest-a | grep -v '^array\|^]')" cgmtest-b
	keys=$(call root ListKeys string:$H string:cgmtest-a)
	check "$H: ListKeys lists cgroup.procs with its owner" sh -c "printf '%s\n' '$keys' | tr -s ' \n' ' ' | grep -q 'string \"cgroup.procs\" uint32 $U1 uint32 $G1 uint32 436'"

	if [ $H = unified ]; then key=cgroup.max.depth val=5; else key=memory.limit_in_bytes val=67108864; fi
	check_eq "$H: GetValue reads what the host reads" "$(value root GetValue string:$H string:cgmtest-a string:$key)" "$(cat "$(hdir $H cgmtest-a)/$key")"
	check "$H: SetValue" call root SetValue string:$H string:cgmtest-a string:$key string:$val
	check_eq "$H: the host reads the value" "$(cat "$(hdir $H cgmtest-a)/$key")" $val

	check_error org.cgm.Error.Busy "$H: Remove of a cgroup with a process is Busy" call root Remove string:$H string:cgmtest-a/cgmtest-b/cgmtest-c int32:0
	check "$H: ... and it is still there" test -d "$(hdir $H cgmtest-a/cgmtest-b/cgmtest-c)"
	check "$H: Kill" call root "$IFACE1.Kill" string:$H string:cgmtest-a int32:9
	for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.02; done
	check_fails "$H: the process was killed" kill -0 "$p"
	wait "$p" 2>/dev/null
	check_error org.cgm.Error.Busy "$H: Remove without recursive of a cgroup with children is Busy" call root Remove string:$H string:cgmtest-a int32:0
	check_eq "$H: Remove" "$(value root Remove string:$H string:cgmtest-a/cgmtest-b/cgmtest-c int32:0)" 1
	check_fails "$H: gone on the host" test -d "$(hdir $H cgmtest-a/cgmtest-b/cgmtest-c)"
	check_eq "$H: Remove of a missing cgroup says -1" "$(value root Remove string:$H string:cgmtest-a/cgmtest-b/cgmtest-c int32:0)" -1
	value root Create string:$H string:cgmtest-a/cgmtest-b/cgmtest-d >/dev/null
	check_eq "$H: Remove recursive" "$(value root Remove string:$H string:cgmtest-a int32:1)" 1
	check_fails "$H: the whole tree is gone" test -d "$(hdir $H cgmtest-a)"

	value root Create string:$H string:cgmtest-p/cgmtest-x >/dev/null
	value root Create string:$H string:cgmtest-p/cgmtest-y/cgmtest-z >/dev/null
	q=$(sleeper root)
	call root MovePid string:$H string:cgmtest-p/cgmtest-y int32:$q >/dev/null
	check "$H: Prune" call root Prune string:$H string:cgmtest-p
	check_fails "$H: Prune removed the empty child" test -d "$(hdir $H cgmtest-p/cgmtest-x)"
	check_fails "$H: and the empty grandchild" test -d "$(hdir $H cgmtest-p/cgmtest-y/cgmtest-z)"
	check "$H: but not the busy one" test -d "$(hdir $H cgmtest-p/cgmtest-y)"
	check "$H: nor the cgroup itself" test -d "$(hdir $H cgmtest-p)"

	check "$H: RemoveOnEmpty" call root RemoveOnEmpty string:$H string:cgmtest-p/cgmtest-y
	check "$H: not removed while it has a process" test -d "$(hdir $H cgmtest-p/cgmtest-y)"
	kill -KILL "$q"; wait "$q" 2>/dev/null
	for _ in $(seq 1 150); do [ -d "$(hdir $H cgmtest-p/cgmtest-y)" ] || break; sleep 0.02; done
	check_fails "$H: removed once empty" test -d "$(hdir $H cgmtest-p/cgmtest-y)"
	call root Remove string:$H string:cgmtest-p int32:1 >/dev/null

	# Manager1 with pidfds.
	r=$(sleeper root)
	value root Create string:$H string:cgmtest-fd >/dev/null
	check "$H: MovePidfd" fdcall root MovePidfd ssh $H cgmtest-fd $r
	check "$H: the pidfd's process moved" in_procs "$r" "$(hdir $H cgmtest-fd)/cgroup.procs"
	check_eq "$H: GetPidfdCgroup" "$(fdcall root GetPidfdCgroup sh $H $r)" /cgmtest-fd
	check_eq "$H: OpenSession answers user_cg/1" "$(fdcall root OpenSession ssuuh $H cgmtest-user $U1 $G1 $r)" cgmtest-user/1
	check_eq "$H: the user cgroup is delegated" "$(owner "$(hdir $H cgmtest-user)")" "$U1:$G1"
	check_eq "$H: the session belongs to the user" "$(owner "$(hdir $H cgmtest-user/1)")" "$U1:$G1"
	check "$H: the process is in the session" in_procs "$r" "$(hdir $H cgmtest-user/1)/cgroup.procs"
	r2=$(sleeper root)
	check_eq "$H: a second session gets the next number" "$(fdcall root OpenSession ssuuh $H cgmtest-user/ $U1 $G1 $r2)" cgmtest-user/2
	kill -KILL "$r" "$r2"; wait "$r" "$r2" 2>/dev/null
	for _ in $(seq 1 150); do [ -d "$(hdir $H cgmtest-user/1)" ] || [ -d "$(hdir $H cgmtest-user/2)" ] || break; sleep 0.02; done
	check_fails "$H: emptied sessions are removed" sh -c "[ -d '$(hdir $H cgmtest-user/1)' ] || [ -d '$(hdir $H cgmtest-user/2)' ]"
	check "$H: the user cgroup stays" test -d "$(hdir $H cgmtest-user)"
	r3=$(sleeper root)
	check_eq "$H: numbers are reused once free" "$(fdcall root OpenSession ssuuh $H cgmtest-user $U1 $G1 $r3)" cgmtest-user/1
	kill -KILL "$r3"; wait "$r3" 2>/dev/null
done

say "# processes moved on every hierarchy"
# v1 cpuset lets a task be moved only by whoever holds every capability
# the task holds, or CAP_SYS_NICE: PAM logins (sshd is root with every
# capability) and `cgm movepid all` depend on it.
value root Create string:all string:cgmtest-job >/dev/null
for who in cgmtest1 root; do
	u=$(sleeper $who)
	check "MovePid of a process of $who on all" call root MovePid string:all string:cgmtest-job int32:$u
	for n in $(host_hierarchies | awk '{print $1}'); do
		check "$who's process is in $n" in_procs "$u" "$(hdir "$n" cgmtest-job)/cgroup.procs"
	done
	kill -KILL "$u"; wait "$u" 2>/dev/null
done

say "# freezing, several hierarchies at once"
f=$(sleeper root)
check_eq "Create on all" "$(value root Create string:all string:cgmtest-all)" -1
for n in $(host_hierarchies | awk '{print $1}'); do
	check "Create on all: exists in $n" test -d "$(hdir "$n" cgmtest-all)"
done
check "MovePid on a list" call root MovePid string:freezer,unified string:cgmtest-all int32:$f
check "the process is in freezer's cgroup" in_procs "$f" "$(hdir freezer cgmtest-all)/cgroup.procs"
check "and in unified's" in_procs "$f" "$(hdir unified cgmtest-all)/cgroup.procs"
check_fails "but not in memory's (not listed)" in_procs "$f" "$(hdir memory cgmtest-all)/cgroup.procs"
check "Freeze on freezer" call root "$IFACE1.Freeze" string:freezer string:cgmtest-all
for _ in $(seq 1 100); do [ "$(cat "$(hdir freezer cgmtest-all)/freezer.state")" = FROZEN ] && break; sleep 0.02; done
check_eq "freezer.state is FROZEN" "$(cat "$(hdir freezer cgmtest-all)/freezer.state")" FROZEN
check "Thaw on freezer" call root "$IFACE1.Thaw" string:freezer string:cgmtest-all
check_eq "freezer.state is THAWED" "$(cat "$(hdir freezer cgmtest-all)/freezer.state")" THAWED
check "Freeze on unified" call root "$IFACE1.Freeze" string:unified string:cgmtest-all
check_eq "cgroup.freeze is 1" "$(cat "$(hdir unified cgmtest-all)/cgroup.freeze")" 1
check "Thaw on unified" call root "$IFACE1.Thaw" string:unified string:cgmtest-all
check_eq "cgroup.freeze is 0" "$(cat "$(hdir unified cgmtest-all)/cgroup.freeze")" 0
# Both freezers on one process never agree on a hybrid host: one acts (unified).
check "Freeze on freezer,unified" call root "$IFACE1.Freeze" string:freezer,unified string:cgmtest-all
check_eq "unified acted: cgroup.freeze is 1" "$(cat "$(hdir unified cgmtest-all)/cgroup.freeze")" 1
check_eq "the v1 freezer stayed THAWED" "$(cat "$(hdir freezer cgmtest-all)/freezer.state")" THAWED
check "Thaw on freezer,unified" call root "$IFACE1.Thaw" string:freezer,unified string:cgmtest-all
check_eq "cgroup.freeze is 0 again" "$(cat "$(hdir unified cgmtest-all)/cgroup.freeze")" 0
check_error org.cgm.Error.UnknownHierarchy "Freeze where no hierarchy can" call root "$IFACE1.Freeze" string:memory string:cgmtest-all
check "SetValue on pids" call root SetValue string:pids string:cgmtest-all string:pids.max string:100
check_eq "pids.max on the host" "$(cat "$(hdir pids cgmtest-all)/pids.max")" 100
check "SetValue on all finds the one hierarchy with the file" call root SetValue string:all string:cgmtest-all string:pids.max string:200
check_eq "pids.max on the host" "$(cat "$(hdir pids cgmtest-all)/pids.max")" 200
check_eq "GetValue on all" "$(value root GetValue string:all string:cgmtest-all string:pids.max)" 200
check_eq "GetTasks on all lists the process once" "$(value root GetTasks string:all string:cgmtest-all | grep -cx "$f")" 1
check_error org.cgm.Error.Busy "Remove on all of a cgroup with a process is Busy" call root Remove string:all string:cgmtest-all int32:1
for n in $(host_hierarchies | awk '{print $1}'); do
	check "... and nothing was removed in $n" test -d "$(hdir "$n" cgmtest-all)"
done
kill -KILL "$f"; wait "$f" 2>/dev/null
check_eq "Remove on all" "$(value root Remove string:all string:cgmtest-all int32:1)" 1
for n in $(host_hierarchies | awk '{print $1}'); do
	check_fails "Remove on all: gone from $n" test -d "$(hdir "$n" cgmtest-all)"
done
finish
