#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cgmd --system-bus against a private dbus-daemon that this test starts
# with a system-like configuration (deny by default) and our policy file
# (data/dbus/) included, on its own socket: cgmd owns org.cgm.Manager1
# there; busctl, dbus-send and gdbus reach it as root and as a test user;
# the caller's identity is the one the bus daemon reports (what a user
# creates is the user's; a user is refused what a user may not do); a
# pidfd passes through the bus (OpenSession); only
# root may own the name; a second daemon cannot take it; Status says it;
# when the bus goes away the socket still serves.
. "$top_srcdir/tests/harness.sh"
. "$top_srcdir/tests/integration/daemon-common.sh"
require_root
require_cmd dbus-daemon dbus-send busctl setpriv
ensure_user cgmtest1 || finish

sandbox_enter || finish
start_private_bus || finish
NAME=org.cgm.Manager1

export DBUS_SYSTEM_BUS_ADDRESS="$BUS"
start_cgmd --system-bus --log-level info || finish

# bcall WHO METHOD SIG ARGS...: busctl on the private bus; METHOD without an interface is cgmanager0_0's.
bcall() {
	who=$1 method=$2; shift 2
	case $method in *.*) ;; *) method=$IFACE.$method ;; esac
	run_as "$who" busctl --address="$BUS" call "$NAME" "$OBJ" "${method%.*}" "${method##*.}" "$@"
}

# dcall WHO METHOD ARGS...: the same through dbus-send, which names the error of a refusal.
dcall() {
	who=$1 method=$2; shift 2
	case $method in *.*) ;; *) method=$IFACE.$method ;; esac
	run_as "$who" dbus-send --bus="$BUS" --print-reply --dest="$NAME" "$OBJ" "$method" "$@"
}

check_eq "the bus says cgmd owns $NAME" \
	"$(busctl --address="$BUS" call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetNameOwner s "$NAME" >/dev/null && echo owned)" owned
check "busctl Ping as root" bcall root Ping i 0
check "busctl Ping as cgmtest1" bcall cgmtest1 Ping i 0
check "dbus-send as cgmtest1" dcall cgmtest1 ListControllers
if command -v gdbus >/dev/null; then
	check "gdbus call of Status" sh -c "gdbus call --address '$BUS' --dest $NAME --object-path $OBJ --method $IFACE1.Status | grep -q uptime"
fi
check "busctl introspect" sh -c "busctl --address='$BUS' introspect $NAME $OBJ | grep -q '^\.OpenSession '"

# --- the caller is who the bus says -------------------------------------------------
check_eq "root creates in its cgroup over the bus" "$(bcall root Create ss all cgmtest-bus)" "i -1"
check_eq "... root's on the host" "$(owner "$(hdir unified cgmtest-bus)")" 0:0
check_error org.cgm.Error.PermissionDenied "cgmtest1 may not create in root's cgroup" \
	dcall cgmtest1 Create string:all string:cgmtest-x
check "... nothing made" test ! -e "$(hdir unified cgmtest-x)"
U1=$(id -u cgmtest1) G1=$(id -g cgmtest1)
check "root hands cgmtest-bus to cgmtest1 over the bus" bcall root Chown ssii all cgmtest-bus "$U1" "$G1"
CALL_AT=cgmtest-bus
check_eq "cgmtest1, from its cgroup, creates over the bus" "$(bcall cgmtest1 Create ss all job)" "i -1"
check_eq "... the new cgroup is cgmtest1's" "$(owner "$(hdir unified cgmtest-bus/job)")" "$U1:$G1"
p=$(sleeper cgmtest1 cgmtest-bus/job)
check_eq "cgmtest1: GetPidCgroup over the bus sees from its own cgroup" "$(bcall cgmtest1 GetPidCgroup si unified "$p")" 's "/job"'
check_error org.cgm.Error.PermissionDenied "cgmtest1: MovePidAbs refused (host root only)" \
	dcall cgmtest1 MovePidAbs string:all string:/ int32:"$p"
check_error org.cgm.Error.PermissionDenied "cgmtest1: Chown refused" \
	dcall cgmtest1 Chown string:all string:job int32:0 int32:0
CALL_AT=
check_error org.cgm.Error.PermissionDenied "cgmtest1: ApplyLimits refused" \
	dcall cgmtest1 "$IFACE1.ApplyLimits" string:all string:cgmtest-bus uint32:"$U1"
check "refusals are logged with the bus caller's uid" grep -q "refused Chown.*for uid $U1 " "$T_DIR/cgmd.log"

# --- a pidfd through the bus: OpenSession, as pam_cgm would make it --------------------
p=$(sleeper root)
check_eq "OpenSession over the bus (pidfd passed)" \
	"$(run_as root "$FDCALL" "bus:$BUS" "$IFACE1.OpenSession" ssuuh all cgmtest-bususer "$U1" "$G1" "$p")" cgmtest-bususer/1
check_eq "... the process is in the session" "$(pid_cgroup "$p" unified)" "$(pid_cgroup $$ unified)/cgmtest-bususer/1"
check_eq "... delegated to cgmtest1" "$(owner "$(hdir unified cgmtest-bususer)")" "$U1:$G1"
p2=$(sleeper cgmtest1)
check_error org.cgm.Error.PermissionDenied "OpenSession over the bus as cgmtest1: refused" \
	run_as cgmtest1 "$FDCALL" "bus:$BUS" "$IFACE1.OpenSession" ssuuh all cgmtest-busx "$U1" "$G1" "$p2"

# --- the name and the policy -----------------------------------------------------------
out=$(run_as cgmtest1 dbus-send --bus="$BUS" --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
	org.freedesktop.DBus.RequestName string:"$NAME" uint32:4 2>&1)
check "only root may own $NAME: cgmtest1 is refused by the bus" sh -c 'printf "%s" "$1" | grep -q AccessDenied' _ "$out"
"$CGMD" --foreground --socket "$T_DIR/sock2" --pidfile "$T_DIR/cgmd2.pid" --mount-root "$T_DIR/mnt2" \
	--system-bus >"$T_DIR/second.log" 2>&1
check_eq "a second cgmd --system-bus does not start" "$?" 1
check "... it says the name is taken" grep -q "already owned" "$T_DIR/second.log"
out=$("$CGM" status)
check_eq "status: the bus name" "$(printf '%s\n' "$out" | sed -n 's/^system bus: //p')" "$NAME"
check "Status over the bus names the bus" sh -c "busctl --address='$BUS' call $NAME $OBJ $IFACE1 Status | grep -q '\"system_bus_name\" s \"$NAME\"'"

# --- the bus goes away -----------------------------------------------------------------
kill "$BUS_PID"
wait "$BUS_PID" 2>/dev/null
for _ in $(seq 1 100); do grep -q "system bus went away" "$T_DIR/cgmd.log" && break; sleep 0.05; done
check "cgmd notices the bus is gone" grep -q "system bus went away" "$T_DIR/cgmd.log"
check "... and still serves its socket" ping_cgmd
check_eq "... status: no bus" "$("$CGM" status | sed -n 's/^system bus: //p')" no
finish
