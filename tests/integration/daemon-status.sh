#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# `cgm status` and org.cgm.Manager1.Status behind it: the daemon's version,
# its hierarchies (as ListControllers names them) with their roots, the
# clients connected now, the requests served and refused (counted exactly
# over a known number of calls), the socket and the limits file; the same
# in JSON; and anyone may ask.
. "$top_srcdir/tests/harness.sh"
. "$top_srcdir/tests/integration/daemon-common.sh"
require_root
require_cmd dbus-send setpriv python3
ensure_user cgmtest1 || finish

sandbox_enter || finish
printf '* pids.max 100\n* cgroup.max.depth 9\n' >"$T_DIR/cgm.conf"
start_cgmd --conf "$T_DIR/cgm.conf" || finish

# field NAME: a "NAME: value" line of `cgm status`.
field() { printf '%s\n' "$out" | sed -n "s/^$1: //p"; }

out=$("$CGM" status 2>&1)
check_eq "cgm status: exit status 0" "$?" 0
check_eq "version is cgmd's" "cgmd $(field version)" "$("$CGMD" --version)"
check_eq "api version" "$(field 'api version')" 10
check_eq "pid is the daemon's" "$(field pid)" "$CGMD_PID"
check_eq "hierarchies as ListControllers names them" "$(printf '%s\n' "$out" | sed -n 's/^hierarchy: \([^ ]*\) .*/\1/p')" \
	"$("$CGM" listcontrollers)"
check_eq "every hierarchy is managed from its top" "$(printf '%s\n' "$out" | sed -n 's/^hierarchy: [^ ]* //p' | sort -u)" /
check_eq "socket" "$(field socket)" "$SOCK"
check_eq "limits: rules and file" "$(field limits)" "2 rules from $T_DIR/cgm.conf"
check_eq "no system bus" "$(field 'system bus')" no
check_eq "one client: this one" "$(field clients)" 1
case $(field uptime) in [0-9]*s) pass "uptime in seconds ($(field uptime))" ;; *) fail "uptime ($(field uptime))" ;; esac

# Requests: exactly the calls made in between are counted, the refused ones apart.
out=$("$CGM" status)
r1=$(field requests) f1=$(field refused)
for _ in 1 2 3 4 5; do ping_cgmd >/dev/null; done
call cgmtest1 GetValue string:all string: string:no.such.key >/dev/null 2>&1
call root GetValue string:nosuchhierarchy string: string:pids.max >/dev/null 2>&1
out=$("$CGM" status)
# The status call before counts too: it was answered after it was counted.
check_eq "requests: 1 status + 5 pings + 2 refused" "$(field requests)" $((r1 + 8))
check_eq "refused: the 2 refused" "$(field refused)" $((f1 + 2))

# Clients: a connection held open counts until it goes.
# wait_clients N: up to 5 s for `cgm status` to count N clients (itself included); leaves $out.
wait_clients() {
	for _ in $(seq 1 100); do
		out=$("$CGM" status)
		[ "$(field clients)" = "$1" ] && return 0
		sleep 0.05
	done
	return 1
}
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
time.sleep(60)' "$SOCK" &
mute=$!
register_pid "$mute"
wait_clients 2
check_eq "a held connection is a client" "$(field clients)" 2
kill "$mute"
wait "$mute" 2>/dev/null
wait_clients 1
check_eq "... and is not once it closed" "$(field clients)" 1

# A peer that hangs up before saying anything (libcgm's look at the backlog
# before each connect) is closed at accept, not identified as a client: the
# connection numbers Hello answers with skip none for 50 of them.  The
# daemon is stopped meanwhile, so that each has hung up before it is
# accepted (a running daemon may accept one between its connect and its
# close, and then takes it for a client as before).
hello() {
	dbus-send --peer="unix:path=$SOCK" --print-reply=literal --reply-timeout=5000 / org.freedesktop.DBus.Hello |
		sed -n 's/^ *:1\.\([0-9]*\)$/\1/p'
}
n1=$(hello)
kill -STOP "$CGMD_PID"
python3 -c 'import socket, sys
for _ in range(50):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sys.argv[1])
    s.close()' "$SOCK"
kill -CONT "$CGMD_PID"
n2=$(hello)
case $n1 in
[0-9]*) check_eq "50 silent hang-ups were not clients (Hello: :1.$n1, then :1.$n2)" "$n2" $((n1 + 1)) ;;
*) fail "Hello answered no connection number" ;;
esac
wait_clients 1
check_eq "... nor are they counted now" "$(field clients)" 1

# Anyone may ask; JSON carries the same.
check "a user may ask" run_as cgmtest1 "$CGM" status
json=$("$CGM" --json status)
check "JSON: one object under \"status\"" python3 -c '
import json, sys
s = json.loads(sys.argv[1])["status"]
assert s["pid"] == int(sys.argv[2]), s
assert s["socket"] == sys.argv[3], s
assert [h["name"] for h in s["hierarchies"]] == sys.argv[4].split(), s
assert all(h["root"] == "/" for h in s["hierarchies"]), s
assert s["limit_rules"] == 2 and s["conf"] == sys.argv[5] and s["system_bus_name"] == "", s
assert s["requests"] >= 8 and s["clients"] == 1 and s["api_version"] == 10, s
' "$json" "$CGMD_PID" "$SOCK" "$("$CGM" listcontrollers | tr '\n' ' ')" "$T_DIR/cgm.conf"
check "Status through dbus-send: an a{sv}" sh -c "dbus-send --peer=unix:path=$SOCK --print-reply $OBJ $IFACE1.Status | grep -q '\"uptime\"'"
check_error org.freedesktop.DBus.Error.InvalidArgs "Status takes no arguments" call root "$IFACE1.Status" int32:1
finish
