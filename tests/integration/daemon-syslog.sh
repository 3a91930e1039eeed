#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# What a detached cgmd sends to syslog (facility daemon), caught on a
# private /dev/log: its start at notice, a refused request at notice with
# the caller's uid, a SIGHUP and the reload it refused (a bad line at err,
# with file and line), and its stop at notice with what it served.
. "$top_srcdir/tests/harness.sh"
. "$top_srcdir/tests/integration/daemon-common.sh"
require_root
require_cmd dbus-send setpriv perl unshare
ensure_user cgmtest1 || finish

sandbox_enter || finish
. "$top_srcdir/tests/integration/pam-common.sh"
printf '* pids.max 100\n' >"$T_DIR/cgm.conf"
U1=$(id -u cgmtest1)

# Inside with_syslog's mount namespace: start cgmd detached, make it refuse
# one request, reload a bad file, stop it, and wait for each line to arrive.
with_syslog "$T_DIR/syslog" sh -c '
	T=$1 CGMD=$2 SOCK=$T/sock
	seen() { for _ in $(seq 1 100); do grep -q "$1" "$T/syslog" && return 0; sleep 0.05; done; return 1; }
	"$CGMD" --socket "$SOCK" --pidfile "$T/cgmd.pid" --mount-root "$T/mnt" --conf "$T/cgm.conf" || exit 1
	pid=$(cat "$T/cgmd.pid")
	trap '\''kill -TERM "$pid" 2>/dev/null'\'' EXIT
	seen "serving" || exit 2
	setpriv --reuid=cgmtest1 --regid="$(id -g cgmtest1)" --init-groups dbus-send --peer="unix:path=$SOCK" \
		--print-reply /org/linuxcontainers/cgmanager org.linuxcontainers.cgmanager0_0.MovePidAbs \
		string:all string:/ int32:1 >/dev/null 2>&1
	seen "refused MovePidAbs" || exit 3
	printf "this is not a limit\n" >>"$T/cgm.conf"
	kill -HUP "$pid"
	seen "stay in force" || exit 4
	kill -TERM "$pid"
	for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	seen "stopping" || exit 5
' sh "$T_DIR" "$CGMD"
check_eq "the detached daemon ran and stopped (steps all seen)" "$?" 0
log=$T_DIR/syslog
# <29> is daemon.notice, <27> daemon.err.
check "start: daemon.notice, tagged cgmd[pid]" grep -q '^<29>.*cgmd\[[0-9]*\]: cgmd .* serving [0-9]* hierarchies' "$log"
check "refused request: daemon.notice with the caller's uid" \
	grep -q "^<29>.*refused MovePidAbs(\"all\", \"/\", 1) for uid $U1 " "$log"
check "SIGHUP: daemon.notice" grep -q '^<29>.*SIGHUP: reloading' "$log"
check "the bad line: daemon.err with file and line" grep -q "^<27>.*$T_DIR/cgm.conf:2: " "$log"
check "the refused reload: daemon.err" grep -q '^<27>.*the 1 rules read before stay in force' "$log"
check "stop: daemon.notice with what it served" grep -q '^<29>.*stopping after [0-9]* requests (1 refused)' "$log"
check_fails "nothing at info level by default" grep -q '^<30>' "$log"
finish
