#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cgmd --root: a daemon confined to one subtree of every hierarchy, as
# under systemd with Delegate=yes.  The root is a cgmtest cgroup below the
# sandbox; cgmd starts inside it with --root auto (and moves to a leaf of
# it on v2).  Checked: Status reports the roots; a caller outside the root
# (this shell, a user) is refused; the …Abs methods and OpenSession's
# absolute base resolve inside the root; a process outside is reported as
# such; nothing outside the root is reached; a real PAM login with an
# absolute base and daemon limits lands inside the root from outside it;
# --root PATH with one hierarchy; bad --root values are refused at start.
. "$top_srcdir/tests/harness.sh"
. "$top_srcdir/tests/integration/daemon-common.sh"
require_root
require_cmd dbus-send setpriv
ensure_user cgmtest1 || finish

sandbox_enter || finish
. "$top_srcdir/tests/integration/pam-common.sh"
R=cgmtest-root
for d in $T_SANDBOXES; do mkdir "$d/$R" "$d/cgmtest-outside" || finish; done
for d in $T_SANDBOXES; do
	[ -f "$d/$R/cpuset.cpus" ] && cat "$d/cpuset.cpus" >"$d/$R/cpuset.cpus" && cat "$d/cpuset.mems" >"$d/$R/cpuset.mems"
done
printf 'cgmtest1 cgroup.max.descendants 17\n' >"$T_DIR/cgm.conf"

# cgmd started from inside the root, with --root auto.
at "$R" "$CGMD" --foreground --socket "$SOCK" --pidfile "$T_DIR/cgmd.pid" --mount-root "$T_DIR/mnt" \
	--conf "$T_DIR/cgm.conf" --root auto --log-level info >>"$T_DIR/cgmd.log" 2>&1 &
register_pid $!
for _ in $(seq 1 100); do ping_cgmd >/dev/null 2>&1 && break; sleep 0.05; done
check "cgmd --root auto answers" ping_cgmd
# $! is the shell `at` runs in; the daemon's own pid is in its pid file.
CGMD_PID=$(cat "$T_DIR/cgmd.pid")
register_pid "$CGMD_PID"

# --- what it manages ---------------------------------------------------------------
out=$("$CGM" status)
for name in $(hierarchy_names); do
	want=$(pid_cgroup $$ "$name")/$R
	check_eq "status: $name is managed from $want" "$(printf '%s\n' "$out" | sed -n "s/^hierarchy: $name //p")" "$want"
done
check_eq "v2: cgmd left its root for the leaf cgmd" "$(pid_cgroup "$CGMD_PID" unified)" "$(pid_cgroup $$ unified)/$R/cgmd"
has_memory=$(host_hierarchy_dir memory)
[ -z "$has_memory" ] || check_eq "v1: cgmd stays in its root" "$(pid_cgroup "$CGMD_PID" memory)" "$(pid_cgroup $$ memory)/$R"

# --- callers outside the root ------------------------------------------------------
check_error org.cgm.Error.PermissionDenied "root outside the root: Create refused" call root Create string:all string:x
check "... and nothing made" test ! -e "$(hdir unified x)"
check_error org.cgm.Error.PermissionDenied "root outside the root: its own cgroup is outside" \
	call root GetPidCgroupAbs string:unified int32:$$
u=$(sleeper cgmtest1)
check_error org.cgm.Error.PermissionDenied "a user outside the root: ListChildren refused" \
	call cgmtest1 ListChildren string:all string:
check_error org.cgm.Error.PermissionDenied "GetPidCgroupAbs of a process outside: refused" \
	call root GetPidCgroupAbs string:unified int32:"$u"
SCM=$top_builddir/tests/scm-client
if [ -x "$SCM" ]; then
	check_eq "an …Scm request from outside: refused ('0')" "$(run_as cgmtest1 "$SCM" "$SOCK" CreateScm unified x)" 0
	check "... the daemon still serves" ping_cgmd
fi

# --- inside the root -----------------------------------------------------------------
CALL_AT=$R
check_eq "from the root, Create a" "$(value root Create string:all string:a)" -1
check "... made inside the root on the host" test -d "$(hdir unified "$R/a")"
s=$(sleeper root "$R/a")
check_eq "GetPidCgroupAbs answers from the root" "$(value root GetPidCgroupAbs string:unified int32:"$s")" /a
check "MovePidAbs to / means the root" call root MovePidAbs string:all string:/ int32:"$s"
check "... the process is in the root on the host" in_procs "$s" "$(hdir memory "$R")/cgroup.procs"
check_eq "ListChildren of / lists the root's children only" \
	"$(value root ListChildren string:unified string:/ | tr -d '[]' | tr -s ' \n' ' ' | sed 's/^ *array *//; s/ *$//')" "a cgmd"
check_error org.cgm.Error.InvalidPath "no way up from the root" call root ListChildren string:unified string:/..
check_error org.cgm.Error "Remove cannot reach the sandbox's sibling" call root Remove string:all string:../cgmtest-outside int32:1
check "... which is still there" test -d "$(hdir unified cgmtest-outside)"
CALL_AT=

# --- OpenSession with an absolute user cgroup, the process coming from outside --------
U1=$(id -u cgmtest1) G1=$(id -g cgmtest1)
p=$(sleeper root)
check_eq "OpenSession /cgmtest-users/cgmtest1 for a process outside the root" \
	"$(fdcall root OpenSession ssuuh all /cgmtest-users/cgmtest1 "$U1" "$G1" "$p")" /cgmtest-users/cgmtest1/1
for name in $(hierarchy_names); do
	check_eq "$name: the session is inside the root" "$(pid_cgroup "$p" "$name")" "$(pid_cgroup $$ "$name")/$R/cgmtest-users/cgmtest1/1"
done
check_eq "the daemon's limit set inside the root" \
	"$(cat "$(hdir unified "$R/cgmtest-users/cgmtest1")/cgroup.max.descendants")" 17
check "nothing made at the top of the sandbox" test ! -e "$(hdir unified cgmtest-users)"
# The user, placed in its session inside the root, works in its delegated cgroup.
# in_session CMD...: CMD as cgmtest1 from its session's unified cgroup.
in_session() {
	sh -c 'echo $$ >"$1" && shift && exec setpriv --reuid=cgmtest1 --regid="$(id -g cgmtest1)" --init-groups "$@"' \
		_ "$(hdir unified "$R/cgmtest-users/cgmtest1/1")/cgroup.procs" "$@"
}
check_eq "the user in its session sees its own cgroup" "$(in_session "$CGM" getpidcgroup unified "$p")" /
check "... may create below it" in_session "$CGM" create unified job
check "... inside the root on the host" test -d "$(hdir unified "$R/cgmtest-users/cgmtest1/1/job")"
in_session "$CGM" remove unified job >/dev/null
kill "$p"
for name in $(hierarchy_names); do
	check "$name: the session, emptied, is removed inside the root" \
		wait_gone "$(hdir "$name" "$R/cgmtest-users/cgmtest1/1")"
done

# --- a real PAM login with an absolute base, from outside the root -------------------
pam_service cgmtest-rootlogin "session required $PAM_MODULE socket=$SOCK base=/cgmtest-pam debug"
hold l cgmtest-rootlogin cgmtest1
if wait_file "$HOLD_DIR/l.leader"; then
	leader=$(cat "$HOLD_DIR/l.leader")
	for name in $(hierarchy_names); do
		check_eq "PAM: $name: login inside the root" "$(pid_cgroup "$leader" "$name")" \
			"$(pid_cgroup $$ "$name")/$R/cgmtest-pam/cgmtest1/1"
	done
	check_eq "PAM: absolute base outside the root cgroup gets the daemon's limits" \
		"$(cat "$(hdir unified "$R/cgmtest-pam/cgmtest1")/cgroup.max.descendants")" 17
else
	fail "PAM: login with an absolute base"
	cat "$HOLD_DIR/l.out"
fi
release l
stop_cgmd

# --- --root PATH on one hierarchy, and bad values -----------------------------------
path=$(pid_cgroup $$ unified)/$R/a
if start_cgmd --controllers unified --root "$path"; then
	pass "--root PATH starts"
	check_eq "status: the root" "$("$CGM" status | sed -n 's/^hierarchy: unified //p')" "$path"
	check_error org.cgm.Error.PermissionDenied "--root PATH: a caller outside is refused" call root ListChildren string:unified string:
	s2=$(sleeper root "$R/a")
	check_eq "--root PATH: Abs from the root" "$(value root GetPidCgroupAbs string:unified int32:"$s2")" /
	stop_cgmd
else
	fail "--root PATH starts"
fi
out=$("$CGMD" --foreground --socket "$SOCK" --pidfile "$T_DIR/cgmd.pid" --mount-root "$T_DIR/mnt" \
	--root /cgmtest-no-such-cgroup-$$ 2>&1)
check_eq "a missing root: cgmd does not start" "$?" 1
check "... and says which" sh -c 'printf "%s" "$1" | grep -q "root /cgmtest-no-such-cgroup"' _ "$out"
"$CGMD" --foreground --socket "$SOCK" --root relative/path >/dev/null 2>&1
check_eq "a relative root is a usage error" "$?" 2
check_fails "a root with .. is refused" "$CGMD" --foreground --socket "$SOCK" --mount-root "$T_DIR/mnt" --root /a/../b
finish
