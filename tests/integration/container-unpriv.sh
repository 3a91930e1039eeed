#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# An unprivileged container managing its own cgroups through cgmd: cgmtest1
# makes user, pid and mount namespaces (unshare -U -r -p -m --fork, so
# root in the container is cgmtest1), placed in cgmtest-ct, a subtree
# delegated to cgmtest1 on every hierarchy as pam_cgm would leave it; the
# daemon's socket is bind-mounted into the container's mount namespace.
# Root in the container creates, moves (by pidfd with cgm movepidfd, and
# by pid through MovePidScm), reads and sets values inside that subtree,
# sees paths relative to it and pids as the container numbers them; every
# attempt to reach outside is refused with a named error and changes
# nothing on disk.
. "$top_srcdir/tests/harness.sh"
. "$top_srcdir/tests/integration/daemon-common.sh"
require_root
require_cmd unshare nsenter dbus-send
ensure_user cgmtest1
U1=$(id -u cgmtest1) G1=$(id -g cgmtest1)
SCM=$top_builddir/tests/scm-client
CTSOCK=$T_DIR/ctsock # the socket's place in the container (an empty file outside it)
CTD=$T_DIR/ct	      # a directory the container's root may write
: >"$CTSOCK"
mkdir "$CTD" && chown "$U1:$G1" "$CTD"

sandbox_enter
start_cgmd || { fail "cgmd starts"; finish; }

# The delegated subtree, and a cgroup of root's beside it.
check "a subtree for cgmtest1" dbus Create string:all string:cgmtest-ct
check "... delegated to it on every hierarchy" dbus Chown string:all string:cgmtest-ct int32:"$U1" int32:"$G1"
check "root's own cgroup beside it" dbus Create string:all string:cgmtest-out

# The container: its init runs in cgmtest-ct, and the socket is bound into its mount namespace.
at cgmtest-ct setpriv --reuid=cgmtest1 --regid="$G1" --init-groups \
	unshare -U -r -p -m --fork --kill-child --mount-proc \
	sh -c "mount --bind '$SOCK' '$CTSOCK' && exec sleep 600" </dev/null >"$T_DIR/ct.log" 2>&1 &
CT_UNSHARE=$!
register_pid $CT_UNSHARE
# descendants PID: every process below PID, by the kernel's children lists.
descendants() {
	for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do echo "$c"; descendants "$c"; done
}
# nspid HOSTPID: the pid of HOSTPID in its innermost pid namespace.
nspid() { awk '/^NSpid:/ {print $NF}' "/proc/$1/status"; }
CTPID=""
for _ in $(seq 1 100); do
	for p in $(descendants $CT_UNSHARE); do
		case $(readlink "/proc/$p/exe") in */sleep) CTPID=$p ;; esac
	done
	[ -n "$CTPID" ] && break
	sleep 0.05
done
check "the container runs (its init is sleep, host pid $CTPID)" test -n "$CTPID"
[ -n "$CTPID" ] || { cat "$T_DIR/ct.log"; finish; }

# ct CMD...: run CMD as root in the container (its namespaces, uid 0 there), in its cgroup
# (or in CT_AT below it), with the socket's container path in CGM_SOCKET.
ct() {
	at "cgmtest-ct${CT_AT:+/$CT_AT}" nsenter -t "$CTPID" -U -p -m -- env CGM_SOCKET="$CTSOCK" "$@"
}
# ct_bg CMD...: start CMD in the container in the background; prints its container pid, then its host pid.
ct_bg() {
	rm -f "$CTD/pid"
	ct sh -c "echo \$\$ >$CTD/pid; exec \"\$@\"" _ "$@" </dev/null >/dev/null 2>&1 &
	bg=$!
	register_pid $bg
	for _ in $(seq 1 100); do [ -s "$CTD/pid" ] && break; sleep 0.05; done
	inner=$(cat "$CTD/pid")
	for p in $(descendants $bg); do
		[ "$(nspid "$p")" = "$inner" ] && [ "$(readlink /proc/"$p"/ns/pid)" = "$(readlink /proc/$CTPID/ns/pid)" ] && host=$p
	done
	echo "$inner $host"
}
# ctcall METHOD ARGS...: a cgmanager0_0 request from the container with dbus-send (errors by name).
ctcall() {
	m=$1; shift
	case $m in *.*) ;; *) m=$IFACE.$m ;; esac
	ct dbus-send --peer="unix:path=$CTSOCK" --print-reply --reply-timeout=5000 "$OBJ" "$m" "$@"
}
say "# the container"
check_eq "root in the container" "$(ct id -u)" 0
check_eq "... is cgmtest1 on the host" "$(awk '/^Uid:/ {print $2}' /proc/$CTPID/status)" "$U1"
check_eq "its init is pid 1 there" "$(nspid $CTPID)" 1
check "the daemon's socket is bound into the container's mount namespace" ct test -S "$CTSOCK"
check "... and only there" test ! -S "$CTSOCK"
check "cgm reaches the daemon from the container" ct "$CGM" ping

say "# paths relative to the delegated subtree"
for H in memory unified; do
	check_eq "$H: the container's init is at / of its view" "$(ct "$CGM" getpidcgroup $H 1)" /
done
check "create a cgroup on every hierarchy" ct "$CGM" create all job1
for H in memory pids unified; do
	check "$H: it is cgmtest-ct/job1 on the host" test -d "$(hdir $H cgmtest-ct/job1)"
	check_eq "$H: owned by cgmtest1" "$(owner "$(hdir $H cgmtest-ct/job1)")" "$U1:$G1"
done
check "a leading / is the top of the container's view" ct "$CGM" create memory /job-top
check "... so it is made inside the subtree" test -d "$(hdir memory cgmtest-ct/job-top)"

say "# values"
check "set memory.limit_in_bytes on its cgroup (v1)" ct "$CGM" setvalue memory job1 memory.limit_in_bytes 67108864
check_eq "... written on the host" "$(cat "$(hdir memory cgmtest-ct/job1)/memory.limit_in_bytes")" 67108864
check "set pids.max (v1 pids)" ct "$CGM" setvalue pids job1 pids.max 20
check_eq "... written on the host" "$(cat "$(hdir pids cgmtest-ct/job1)/pids.max")" 20
check "set cgroup.max.depth (unified)" ct "$CGM" setvalue unified job1 cgroup.max.depth 3
check_eq "... written on the host" "$(cat "$(hdir unified cgmtest-ct/job1)/cgroup.max.depth")" 3
check_eq "read back from the container" "$(ct "$CGM" getvalue pids job1 pids.max)" 20

say "# moving by pidfd (MovePidfd)"
# shellcheck disable=SC2046 # two words: the container's pid and the host's
set -- $(ct_bg sleep 600)
P_CT=$1 P_HOST=$2
check "a process in the container (pid $P_CT there, $P_HOST on the host)" test "$P_CT" != "$P_HOST"
check "cgm movepidfd moves it" ct "$CGM" movepidfd all job1 "$P_CT"
for H in memory pids unified; do
	check "$H: in cgmtest-ct/job1 on the host" in_procs "$P_HOST" "$(hdir $H cgmtest-ct/job1)/cgroup.procs"
done
check_eq "getpidcgroup: relative to the subtree" "$(ct "$CGM" getpidcgroup unified "$P_CT")" /job1
check_eq "gettasks: the container's pid, not the host's" "$(ct "$CGM" gettasks memory job1)" "$P_CT"

say "# moving by pid through the Scm methods"
check_eq "CreateScm" "$(ct "$SCM" "$CTSOCK" CreateScm all job2)" 1
# shellcheck disable=SC2046 # two words: the container's pid and the host's
set -- $(ct_bg sleep 600)
Q_CT=$1 Q_HOST=$2
check_eq "MovePidScm, the container's pid as the credential" "$(ct "$SCM" "$CTSOCK" MovePidScm all job2 "$Q_CT")" 1
for H in memory pids unified; do
	check "$H: in cgmtest-ct/job2 on the host" in_procs "$Q_HOST" "$(hdir $H cgmtest-ct/job2)/cgroup.procs"
done
check_eq "GetPidCgroupScm: relative to the subtree" "$(ct "$SCM" "$CTSOCK" GetPidCgroupScm memory "$Q_CT")" /job2
check_eq "GetTasksScm: the kernel translates the pid back" "$(ct "$SCM" "$CTSOCK" GetTasksScm memory job2)" "$Q_CT"
all=$(ct "$SCM" "$CTSOCK" GetTasksRecursiveScm memory '')
check_eq "GetTasksRecursiveScm: the whole container as it numbers it (init, the two, the client itself)" \
	"$(printf '%s\n' "$all" | grep -c -x -e 1 -e "$P_CT" -e "$Q_CT") $(printf '%s\n' "$all" | wc -l)" "3 4"
check_eq "GetValueScm" "$(ct "$SCM" "$CTSOCK" GetValueScm pids job1 pids.max)" 20
check_eq "a proxy: root names a process in job1 as the requestor, whose request resolves there" \
	"$(ct "$SCM" --requestor "$P_CT:0:0" "$CTSOCK" CreateScm memory job4)" 1
check "... made below job1" test -d "$(hdir memory cgmtest-ct/job1/job4)"

say "# nothing outside"
before_ct=$(SNAP_AT=cgmtest-ct snapshot memory pids unified)
before_out=$(SNAP_AT=cgmtest-out snapshot memory pids unified)
check_error org.cgm.Error.InvalidPath "no way up: create ../escape" ctcall Create string:all string:../escape
check_error org.cgm.Error.PermissionDenied "the limits on its own subtree stay root's (memory)" \
	ctcall SetValue string:memory string: string:memory.limit_in_bytes string:1
check_error org.cgm.Error.PermissionDenied "... (pids)" ctcall SetValue string:pids string: string:pids.max string:1
check_error org.cgm.Error.NotFound "a host process is not in its pid namespace" \
	ctcall MovePid string:memory string:job1 int32:$$
check_error "send: No such process" "... nor can it name one as a credential" \
	ct "$SCM" "$CTSOCK" MovePidScm memory job1 $$
check_error org.cgm.Error.PermissionDenied "Chown to an id not mapped in the container" \
	ctcall Chown string:memory string:job1 int32:12345 int32:12345
check_error org.cgm.Error.PermissionDenied "the real root is host root's (GetPidCgroupAbs)" \
	ctcall GetPidCgroupAbs string:memory int32:1
check_error org.cgm.Error.PermissionDenied "... (MovePidAbs into root's cgroup)" \
	ctcall MovePidAbs string:memory string:"$(pid_cgroup $$ memory)/cgmtest-out" int32:1
check_error org.cgm.Error.PermissionDenied "... (OpenSession)" \
	ct "$top_builddir/tests/unit/test-daemon-fdcall" "$CTSOCK" "$IFACE1.OpenSession" ssuuh all cgmtest-x 0 0 1
check_error org.cgm.Error.PermissionDenied "... (OpenOwnSession)" \
	ct "$top_builddir/tests/unit/test-daemon-fdcall" "$CTSOCK" "$IFACE1.OpenOwnSession" ssuu all cgmtest-x 0 0
check_eq "a requestor above the caller's own cgroup is refused ('0')" \
	"$(CT_AT=job1 ct "$SCM" --requestor 1:0:0 "$CTSOCK" CreateScm memory job3)" 0
check "... and the daemon says why" grep -q "outside the caller's cgroup" "$T_DIR/cgmd.log"
check_eq "the subtree is as it was" "$(SNAP_AT=cgmtest-ct snapshot memory pids unified)" "$before_ct"
check_eq "root's cgroup beside it is as it was" "$(SNAP_AT=cgmtest-out snapshot memory pids unified)" "$before_out"
check "nothing escaped above the subtree" test ! -e "$(hdir memory escape)"

say "# clean-up from inside"
kill "$P_HOST" "$Q_HOST"
for _ in $(seq 1 50); do [ -z "$(cat "$(hdir memory cgmtest-ct/job2)/cgroup.procs")" ] && break; sleep 0.1; done
check "remove its cgroups" ct "$CGM" remove all job2
check "... gone on the host" test ! -d "$(hdir unified cgmtest-ct/job2)"
stop_cgmd
check "the daemon stopped with no sanitizer report (leaks, undefined behaviour) in its log" \
	sh -c "! grep -E 'Sanitizer|runtime error' '$T_DIR/cgmd.log'"
finish
