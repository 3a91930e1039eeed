#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cgmd as a process and as a D-Bus peer: it starts and answers dbus-send
# and busctl, refuses a second instance and non-root, detaches and stops
# cleanly on SIGTERM (socket and pid file gone), introspects to exactly the
# XML in the tree, and names its errors for unknown methods, wrong
# signatures and wrong objects.
. "$top_srcdir/tests/harness.sh"
. "$top_srcdir/tests/integration/daemon-common.sh"
require_root
require_cmd dbus-send busctl setpriv
ensure_user cgmtest1

sandbox_enter
if start_cgmd --log-level info; then pass "cgmd starts and answers Ping"; else fail "cgmd starts"; finish; fi
check "pid file names the daemon" sh -c "[ \"\$(cat $T_DIR/cgmd.pid)\" = $CGMD_PID ]"
check "socket is mode 0666" sh -c "[ \"\$(stat -c %a $SOCK)\" = 666 ]"
check "a user may connect and Ping" call cgmtest1 Ping int32:0
check "busctl (which says Hello first) can call" \
	busctl --address="unix:path=$SOCK" call org.linuxcontainers.cgmanager "$OBJ" "$IFACE" Ping i 0
out=$(busctl --address="unix:path=$SOCK" call org.linuxcontainers.cgmanager "$OBJ" "$IFACE" ListControllers 2>&1)
check_eq "busctl reads a reply with arguments" "$(printf '%s' "$out" | grep -c unified)" 1
out=$(busctl --address="unix:path=$SOCK" introspect org.linuxcontainers.cgmanager "$OBJ" 2>&1)
check "busctl introspect reads both interfaces" sh -c "printf '%s\n' '$out' | grep -q '^\.OpenSession ' && printf '%s\n' '$out' | grep -q '^\.GetTasksRecursive '"
check_eq "busctl get-property api_version" \
	"$(busctl --address="unix:path=$SOCK" get-property org.linuxcontainers.cgmanager "$OBJ" "$IFACE" api_version 2>&1)" "i 10"
check "org.freedesktop.DBus.Peer.Ping works" dbus-send --peer="unix:path=$SOCK" --print-reply "$OBJ" org.freedesktop.DBus.Peer.Ping

# Introspection: both interfaces, each exactly as in the tree's XML.
xml=$(call root org.freedesktop.DBus.Introspectable.Introspect | sed 1d | sed -e '1s/^ *string "//' -e '$s/"$//')
for f in org.linuxcontainers.cgmanager0_0 org.cgm.Manager1; do
	want=$(sed -n '/<interface /,/<\/interface>/p' "$top_srcdir/helper/$f.xml")
	check "Introspect serves $f as in the tree" sh -c 'printf "%s" "$1" | grep -qF -- "$2"' _ "$xml" "$want"
	body=$(printf '%s\n' "$xml" | sed -n "/<interface name=\"$f\">/,/<\/interface>/p")
	check_eq "Introspect's $f is the tree's, line for line" "$body" "$want"
done
check "Introspect is well-formed XML" sh -c 'printf "%s" "$1" | xmllint --noout - 2>/dev/null || ! command -v xmllint' _ "$xml"
check_eq "api_version property" "$(value root org.freedesktop.DBus.Properties.Get string:$IFACE string:api_version | tr -s ' ' | sed 's/^variant *//')" "int32 10"
check "Properties.GetAll" sh -c "dbus-send --peer=unix:path=$SOCK --print-reply $OBJ org.freedesktop.DBus.Properties.GetAll string:$IFACE1 | grep -q api_version"

# Errors for what is not a method, or not called right.
check_error org.freedesktop.DBus.Error.UnknownMethod "unknown method" call root NoSuchMethod
check_error org.freedesktop.DBus.Error.UnknownMethod "unknown interface" call root org.example.Nope.Ping int32:0
check_error org.freedesktop.DBus.Error.InvalidArgs "Ping with a string" call root Ping string:x
check_error org.freedesktop.DBus.Error.InvalidArgs "Create without arguments" call root Create
check_error org.freedesktop.DBus.Error.InvalidArgs "Create with an extra argument" call root Create string:all string:cgmtest-x string:y
check_error org.freedesktop.DBus.Error.UnknownObject "wrong object path" \
	dbus-send --peer="unix:path=$SOCK" --print-reply /org/other "$IFACE.Ping" int32:0
check "still serving after the errors" ping_cgmd

# One slow or hostile client never stalls the others.
raw_client "$SOCK" mute >/dev/null 2>&1 &
mute=$!; register_pid $mute
raw_client "$SOCK" flood >"$T_DIR/flood.out" 2>&1 &
flood=$!; register_pid $flood
sleep 0.3
t0=$(date +%s%N)
check "Ping answers while one client is mute and another floods without reading" ping_cgmd
t1=$(date +%s%N)
check "... within a second" test $(((t1 - t0) / 1000000)) -lt 1000
for _ in $(seq 1 300); do kill -0 $flood 2>/dev/null || break; sleep 0.1; done
check_eq "the client that never reads its replies is dropped" "$(cat "$T_DIR/flood.out")" dropped
check "the daemon says why" grep -q "does not read its replies" "$T_DIR/cgmd.log"
# A sanitizer build's shadow memory would say nothing about cgmd itself.
sanitized=$(ldd "$CGMD" 2>/dev/null | grep -c 'libasan\|libubsan\|libtsan')
[ -z "${CGM_VALGRIND:-}" ] || sanitized=1 # valgrind's own memory counts in the RSS too
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$CGMD_PID/status")
[ "$sanitized" -gt 0 ] || check "memory stays bounded after the flood (${rss} kB)" test "$rss" -lt 16384
kill $mute 2>/dev/null

# Many clients at once all get their answers.
many=""
for i in $(seq 1 100); do
	(dbus Create string:all string:cgmtest-many-$((i % 10)) >/dev/null 2>&1 && echo ok) >>"$T_DIR/many.out" &
	many="$many $!"
done
for p in $many; do wait "$p"; done
check_eq "100 simultaneous clients are all answered" "$(grep -c ok "$T_DIR/many.out")" 100
check_eq "... and their requests all landed" "$(value root ListChildren string:memory string: | grep -c '^cgmtest-many-')" 10

# One instance per socket; root only.
check_fails "a second cgmd on the same socket is refused" \
	"$CGMD" --foreground --socket "$SOCK" --pidfile "$T_DIR/second.pid" --mount-root "$T_DIR/mnt2"
check "the refusal says why" sh -c "'$CGMD' --foreground --socket '$SOCK' --pidfile '$T_DIR/second.pid' --mount-root '$T_DIR/mnt2' 2>&1 | grep -q 'already serving'"
check "the first one still answers" ping_cgmd
check_fails "non-root is refused" as_user cgmtest1 "$CGMD" --foreground --socket "$T_DIR/user.sock" \
	--pidfile "$T_DIR/user.pid" --mount-root "$T_DIR/user-mnt"
check "the non-root refusal says why" sh -c "setpriv --reuid=cgmtest1 --regid=\$(id -g cgmtest1) --init-groups '$CGMD' --foreground --socket '$T_DIR/user.sock' 2>&1 | grep -q root"
check_fails "an unknown option is refused" "$CGMD" --no-such-option
check "--help" sh -c "'$CGMD' --help | grep -q -- --mount-root"
check "--version" sh -c "'$CGMD' --version | grep -q cgmd"

# SIGTERM stops it and takes the socket and pid file away.
call root Create string:all string:cgmtest-persist >/dev/null
pid=$CGMD_PID
kill -TERM "$pid"
for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
check_fails "SIGTERM stops cgmd" kill -0 "$pid"
wait "$pid" 2>/dev/null
check_eq "cgmd exits 0 on SIGTERM" "$?" 0
CGMD_PID=""
check_fails "socket removed" test -e "$SOCK"
check_fails "pid file removed" test -e "$T_DIR/cgmd.pid"

# A stale socket file (nobody listening) does not stop a new daemon.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$SOCK" 2>/dev/null || : >"$SOCK"
if start_cgmd; then pass "starts over a stale socket file"; else fail "starts over a stale socket file"; fi
check_eq "a restarted daemon carries on: what the last one made is there" \
	"$(value root ListChildren string:memory string: | grep -x cgmtest-persist)" cgmtest-persist
stop_cgmd

# Without --foreground it detaches: the command returns once it serves.
check "detached start returns success" "$CGMD" --socket "$SOCK" --pidfile "$T_DIR/d.pid" --mount-root "$T_DIR/mnt"
dpid=$(cat "$T_DIR/d.pid" 2>/dev/null)
register_pid "${dpid:-0}"
check "the detached daemon answers" ping_cgmd
check "it is in a session of its own, not a session leader" sh -c "sid=\$(ps -o sid= -p ${dpid:-0} | tr -d ' ');
	[ -n \"\$sid\" ] && [ \"\$sid\" != \"\$(ps -o sid= -p $$ | tr -d ' ')\" ] && [ \"\$sid\" != ${dpid:-0} ]"
check "it runs in its own mount namespace" sh -c "[ \"\$(readlink /proc/${dpid:-0}/ns/mnt)\" != \"\$(readlink /proc/self/ns/mnt)\" ]"
check "its mounts do not show on the host" sh -c "! grep -q '$T_DIR/mnt' /proc/self/mountinfo"
kill -TERM "${dpid:-0}" 2>/dev/null
for _ in $(seq 1 100); do kill -0 "${dpid:-0}" 2>/dev/null || break; sleep 0.05; done
check_fails "the detached daemon stops on SIGTERM" kill -0 "${dpid:-0}"
check_fails "and removes its socket" test -e "$SOCK"

# --controllers and --skip choose the hierarchies served.
start_cgmd --controllers memory,unified
check_eq "--controllers memory,unified serves just those" "$(value root ListControllers | grep -v '^array\|^]' | sort | tr '\n' ' ')" "memory unified "
check_error org.cgm.Error.UnknownHierarchy "... and knows no other" call root Create string:pids string:cgmtest-x
stop_cgmd
start_cgmd --skip pids
check_eq "--skip pids leaves pids out" "$(value root ListControllers | grep -cx pids)" 0
check_eq "... and serves the rest" "$(value root ListControllers | grep -cx memory)" 1
stop_cgmd

# Idle memory: the resident set of a fresh daemon.
start_cgmd
rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$CGMD_PID/status")
[ "$sanitized" -gt 0 ] || check "idle RSS below 4 MiB (${rss} kB)" test "$rss" -lt 4096
finish
