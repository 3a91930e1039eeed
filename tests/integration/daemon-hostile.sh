#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Hostile input: ".." in every position, absolute escapes, over-long and
# empty names, names of interface files, keys with "/", release_agent and
# the other unsettable keys, other users' and dead pids, huge values, and
# every method with a wrong signature.  Each gets its named error and
# changes nothing (the sandbox listing is the same before and after, and
# nothing named cgmtest-escape appears anywhere above it).
. "$top_srcdir/tests/harness.sh"
. "$top_srcdir/tests/integration/daemon-common.sh"
require_root
require_cmd dbus-send setpriv
ensure_user cgmtest1
U1=$(id -u cgmtest1) G1=$(id -g cgmtest1)
W=cgmtest-h
HS=pids,unified

sandbox_enter
start_cgmd || { fail "cgmd starts"; finish; }
call root Create string:all string:$W/cgmtest-u1/cgmtest-leaf >/dev/null
call root Chown string:all string:$W/cgmtest-u1 int32:$U1 int32:$G1 >/dev/null
root_p=$(sleeper root $W)
mine=$(sleeper cgmtest1 $W/cgmtest-u1)

# The listing that must not change: everything below the sandbox, less the
# sandbox's own cgroup.procs (this shell's helpers come and go there).
snap() { snapshot pids unified memory | grep -v '^\./cgroup\.procs'; }
escaped() { for n in pids unified memory; do find "$(dirname "$(hdir $n)")" -maxdepth 4 -name 'cgmtest-escape*' 2>/dev/null; done; }

# refused ERROR DESC WHO METHOD ARGS...: the named error, and nothing changed.
refused() {
	want=$1 desc=$2; shift 2
	before=$(snap)
	check_error "$want" "$desc" call "$@"
	after=$(snap)
	if [ "$before" != "$after" ] || [ -n "$(escaped)" ]; then
		fail "$desc: changed something"
		printf '%s\n' "$before" >"$T_DIR/b"; printf '%s\n' "$after" >"$T_DIR/a"; diff "$T_DIR/b" "$T_DIR/a" | head -5
	fi
}

long=$(printf 'cgmtest%0249d' 0)   # 256 bytes
deep=$(for _ in $(seq 1 300); do printf 'cgmtest-d%04d/' 0; done)

say "# paths, as the owning user inside its delegated cgroup"
for path in .. ../cgmtest-escape cgmtest-leaf/.. cgmtest-leaf/../.. cgmtest-leaf/../../cgmtest-escape \
	/.. /../cgmtest-escape /../../../cgmtest-escape ./cgmtest-escape cgmtest-leaf/./x \
	"cgmtest-leaf//cgmtest-escape" "$long" "$deep" cgroup.procs cgroup.cgmtest-escape memory.cgmtest-escape \
	pids.cgmtest-escape "cgmtest-esc
ape"; do
	short=$(printf '%.40s' "$path" | tr '\n' '?')
	for m in Create ListChildren GetTasks ListKeys Prune RemoveOnEmpty "$IFACE1.Freeze"; do
		CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.InvalidPath "$m '$short'" cgmtest1 "$m" string:$HS string:"$path"
	done
	CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.InvalidPath "Remove '$short'" cgmtest1 Remove string:$HS string:"$path" int32:1
	CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.InvalidPath "MovePid '$short'" cgmtest1 MovePid string:$HS string:"$path" int32:$mine
	CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.InvalidPath "SetValue '$short'" cgmtest1 SetValue string:$HS string:"$path" string:pids.max string:1
	CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.InvalidPath "GetValue '$short'" cgmtest1 GetValue string:$HS string:"$path" string:pids.max
	CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.InvalidPath "Chmod '$short'" cgmtest1 Chmod string:$HS string:"$path" string: int32:0777
	CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.InvalidPath "Kill '$short'" cgmtest1 "$IFACE1.Kill" string:$HS string:"$path" int32:9
	CALL_AT=$W refused org.cgm.Error.InvalidPath "root: Create '$short'" root Create string:$HS string:"$path"
	CALL_AT=$W refused org.cgm.Error.InvalidPath "root: Chown '$short'" root Chown string:$HS string:"$path" int32:$U1 int32:$G1
	refused org.cgm.Error.InvalidPath "root: MovePidAbs '$short'" root MovePidAbs string:$HS string:"/$path" int32:$root_p
done
for path in "" . / //; do
	CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.InvalidPath "Create of one's own cgroup ('$path')" cgmtest1 Create string:$HS string:"$path"
	CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.InvalidPath "Remove of one's own cgroup ('$path')" cgmtest1 Remove string:$HS string:"$path" int32:1
done
check_eq "an absolute-looking path stays inside the view" \
	"$(CALL_AT=$W/cgmtest-u1 call cgmtest1 Create string:$HS string:/sys/fs/cgroup/cgmtest-escape 2>&1 | grep -c NotFound\\\|PermissionDenied\\\|int32)" 1
check_fails "... and made nothing outside it" test -n "$(escaped)"
CALL_AT=$W/cgmtest-u1 call cgmtest1 Remove string:$HS string:sys int32:1 >/dev/null 2>&1

say "# keys"
for key in ../cgroup.procs cgmtest-leaf/pids.max /pids.max "" . ..; do
	CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.InvalidKey "GetValue key '$key'" cgmtest1 GetValue string:$HS string:cgmtest-leaf string:"$key"
	CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.InvalidKey "SetValue key '$key'" cgmtest1 SetValue string:$HS string:cgmtest-leaf string:"$key" string:1
done
for key in release_agent notify_on_release tasks cgroup.procs cgroup.threads; do
	CALL_AT=$W refused org.cgm.Error.InvalidKey "root: SetValue $key" root SetValue string:all string:cgmtest-u1 string:$key string:1
	CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.InvalidKey "user: SetValue $key" cgmtest1 SetValue string:all string:cgmtest-leaf string:$key string:/bin/sh
done
refused org.cgm.Error.InvalidKey "root: SetValue release_agent at the top (absolute, as root)" root SetValue string:all string:/ string:release_agent string:/tmp/cgmtest-escape
CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.NotFound "GetValue of a key that does not exist" cgmtest1 GetValue string:$HS string:cgmtest-leaf string:cgmtest.nokey
big=$(head -c 70000 /dev/zero | tr '\0' z)
CALL_AT=$W refused org.cgm.Error.InvalidValue "SetValue of 70000 bytes" root SetValue string:pids string:cgmtest-u1/cgmtest-leaf string:pids.max string:"$big"
CALL_AT=$W refused org.cgm.Error.InvalidValue "Chmod with setuid bits" root Chmod string:$HS string:cgmtest-u1 string: int32:04755
CALL_AT=$W refused org.cgm.Error.InvalidValue "Chmod with a negative mode" root Chmod string:$HS string:cgmtest-u1 string: int32:-1
CALL_AT=$W refused org.cgm.Error.InvalidValue "Chown to uid -1" root Chown string:$HS string:cgmtest-u1 int32:-1 int32:0
CALL_AT=$W refused org.cgm.Error.InvalidValue "Kill with signal 1000" root "$IFACE1.Kill" string:$HS string:cgmtest-u1 int32:1000
CALL_AT=$W refused org.cgm.Error.InvalidValue "Kill with signal -9" root "$IFACE1.Kill" string:$HS string:cgmtest-u1 int32:-9

say "# hierarchies"
for spec in nosuch "pids,nosuch" "" , "all,nosuch" "pids;rm"; do
	CALL_AT=$W refused org.cgm.Error.UnknownHierarchy "hierarchy '$spec'" root Create string:"$spec" string:cgmtest-escape
done

CALL_AT=$W refused org.cgm.Error.UnknownHierarchy "a hierarchy name with a newline" root Create string:"pids
cgmd: forged line" string:cgmtest-escape
check_fails "client strings cannot forge log lines" grep -q "^cgmd: forged line" "$T_DIR/cgmd.log"

say "# pids"
dead=$(sh -c 'echo $$')
for who in cgmtest1 root; do
	at=$W; [ $who = cgmtest1 ] && at=$W/cgmtest-u1
	CALL_AT=$at refused org.cgm.Error.InvalidValue "$who: MovePid of pid 0 (the daemon's own, to cgroupfs)" $who MovePid string:$HS string:cgmtest-leaf int32:0
	CALL_AT=$at refused org.cgm.Error.InvalidValue "$who: MovePid of pid -1" $who MovePid string:$HS string:cgmtest-leaf int32:-1
	CALL_AT=$at refused org.cgm.Error.NotFound "$who: MovePid of a dead pid" $who MovePid string:$HS string:cgmtest-leaf int32:$dead
	CALL_AT=$at refused org.cgm.Error.NotFound "$who: MovePid of pid 2^31-1" $who MovePid string:$HS string:cgmtest-leaf int32:2147483647
	CALL_AT=$at refused org.cgm.Error.PermissionDenied "$who: MovePid of the daemon itself" $who MovePid string:$HS string:cgmtest-leaf int32:$CGMD_PID
	CALL_AT=$at refused org.cgm.Error.NotFound "$who: GetPidCgroup of a dead pid" $who GetPidCgroup string:pids int32:$dead
done
CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.PermissionDenied "user: MovePid of root's process" cgmtest1 MovePid string:$HS string:cgmtest-leaf int32:$root_p
CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.PermissionDenied "user: MovePid of pid 1" cgmtest1 MovePid string:$HS string:cgmtest-leaf int32:1
CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.PermissionDenied "user: GetPidCgroup of a process outside its cgroup" cgmtest1 GetPidCgroup string:pids int32:$root_p
check_error org.cgm.Error.InvalidValue "GetPidfdCgroup with a file that is not a pidfd" fdcall root GetPidfdCgroup sh pids file:/etc/passwd
check_error org.cgm.Error.InvalidValue "MovePidfd with a file that is not a pidfd" fdcall root MovePidfd ssh pids $W file:/etc/passwd
CALL_AT=$W/cgmtest-u1 check_error org.cgm.Error.PermissionDenied "user: MovePidfd of root's process" fdcall cgmtest1 MovePidfd ssh pids "" "$root_p"

say "# removing below: every level is asked, not only the top"
# Root puts a root-owned cgroup with a child inside the user's delegated one.
CALL_AT=$W call root Create string:$HS string:cgmtest-u1/cgmtest-rootbox/cgmtest-inner >/dev/null
CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.PermissionDenied "user: Prune cannot empty a root-owned cgroup inside its own" \
	cgmtest1 Prune string:$HS string:
CALL_AT=$W/cgmtest-u1 refused org.cgm.Error.PermissionDenied "user: recursive Remove cannot either" \
	cgmtest1 Remove string:$HS string:cgmtest-rootbox int32:1
check_eq "user: a plain Remove of the (non-empty) root-owned cgroup is Busy" \
	"$(CALL_AT=$W/cgmtest-u1 call cgmtest1 Remove string:$HS string:cgmtest-rootbox int32:0 2>&1 | grep -o 'org.cgm.Error.[A-Za-z]*')" org.cgm.Error.Busy
CALL_AT=$W call root Remove string:$HS string:cgmtest-u1/cgmtest-rootbox int32:1 >/dev/null

say "# every method with a wrong signature"
for m in Ping GetPidCgroup GetPidCgroupAbs Create Chown Chmod MovePid MovePidAbs GetValue SetValue Remove \
	GetTasks GetTasksRecursive ListChildren RemoveOnEmpty Prune ListControllers ListKeys \
	$IFACE1.OpenSession $IFACE1.MovePidfd $IFACE1.GetPidfdCgroup $IFACE1.Kill $IFACE1.Freeze $IFACE1.Thaw; do
	CALL_AT=$W refused org.freedesktop.DBus.Error.InvalidArgs "$m with an extra argument" root "$m" string:all string:cgmtest-escape string:x string:y string:z int32:1
	CALL_AT=$W refused org.freedesktop.DBus.Error.InvalidArgs "$m with a double" root "$m" double:1.5
done
refused org.freedesktop.DBus.Error.InvalidArgs "Properties.Get without arguments" root org.freedesktop.DBus.Properties.Get
refused org.cgm.Error.NotFound "Properties.Get of an unknown property" root org.freedesktop.DBus.Properties.Get string:$IFACE string:cgmtest
refused org.cgm.Error.PermissionDenied "Properties.Set" root org.freedesktop.DBus.Properties.Set string:$IFACE string:api_version variant:int32:1
check "the daemon still answers" ping_cgmd
check "nothing escaped anywhere" test -z "$(escaped)"
check "the daemon logged refusals with the caller" grep -q "refused .* for uid $U1 pid" "$T_DIR/cgmd.log"
check_fails "the log never holds a SetValue's value" sh -c "grep zzzzzzzzzz '$T_DIR/cgmd.log' | cut -c1-300 | grep ."
finish
