#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cgmd killed with SIGKILL in the middle of 500 parallel logins (pam_cgm
# `optional`, through the real libpam with pam-probe): every login
# completes, with or without a session cgroup, and none fails; after a
# restart new logins are placed again, and once every session has ended
# none of their cgroups is left, whether its session ended before the
# kill, while the daemon was away or after the restart.
. "$top_srcdir/tests/harness.sh"
require_root
. "$top_srcdir/tests/integration/pam-common.sh"
USERS="cgmtest1 cgmtest2 cgmtest3"
for u in $USERS; do ensure_user "$u" || finish; done
sandbox_enter || finish
start_cgmd || finish

N=${CGM_KILL_LOGINS:-500}
TIMEOUT_MS=5000
pam_service cgmtest-kill "session optional $PAM_MODULE socket=$SOCK base=$PAM_BASE timeout=$TIMEOUT_MS" \
	"session required pam_permit.so"
mkdir "$T_DIR/logins"

# login I: one login in the background; its session lasts 0.5 to 2 s and
# records whether it was placed; the wrapper records the probe's status.
login() {
	u=$(echo $USERS | cut -d' ' -f$(($1 % 3 + 1)))
	(
		start=$(date +%s%N)
		probe cgmtest-kill "$u" -- sh -c 'sleep 0.$((5 + $1 % 5)); sleep 0.$(($1 % 10))' sh "$1"
		echo "exit=$?"
		echo "ms=$((($(date +%s%N) - start) / 1000000))"
	) >"$T_DIR/logins/$1" 2>&1 &
	echo $! >>"$T_DIR/pids"
}

i=0
while [ $i -lt $((N * 2 / 5)) ]; do i=$((i + 1)); login $i; done
kill -KILL "$CGMD_PID"
say "# killed cgmd (pid $CGMD_PID) after starting $i logins"
wait "$CGMD_PID" 2>/dev/null
CGMD_PID=
while [ $i -lt $((N * 3 / 5)) ]; do i=$((i + 1)); login $i; done
start_cgmd || finish
say "# restarted cgmd (pid $CGMD_PID) after starting $i logins"
while [ $i -lt "$N" ]; do i=$((i + 1)); login $i; done

# Every login must end on its own; a generous bound only so a hang fails instead of blocking.
for _ in $(seq 1 1200); do
	running=0
	for p in $(cat "$T_DIR/pids"); do kill -0 "$p" 2>/dev/null && running=$((running + 1)); done
	[ $running -eq 0 ] && break
	sleep 0.1
done
check_eq "all $N logins completed" "$running" 0
for p in $(cat "$T_DIR/pids"); do kill -KILL "$p" 2>/dev/null; done

completed=$(cat "$T_DIR"/logins/* | grep -c '^exit=0$')
closed=$(cat "$T_DIR"/logins/* | grep -c '^pam-probe: close: ')
close_errors=$(cat "$T_DIR"/logins/* | grep '^pam-probe: close: ' | grep -vc ': Success$')
longest=$(cat "$T_DIR"/logins/* | sed -n 's/^ms=//p' | sort -n | tail -n 1)
placed=$(cat "$T_DIR"/logins/* | grep -c "^pam-probe: CGM_SESSION=.*$PAM_BASE/cgmtest[0-9]*/[0-9]*\$")
check_eq "every login succeeded (optional module)" "$completed" "$N"
# A close while the daemon is away reports an error (libpam holds a module that
# succeeded at open to its close), but returns at once like the rest.
check_eq "every session's close returned" "$closed" "$N"
[ "$closed" -eq "$N" ] || grep -L "^pam-probe: close: " "$T_DIR"/logins/* | head -3 | xargs cat
check "logins before the kill and after the restart were placed ($placed of $N)" test "$placed" -gt $((N / 5))
check "the kill left some logins without a cgroup ($((N - placed)))" test "$placed" -lt "$N"

# New logins after the restart are placed.
for j in 1 2 3; do
	out=$(probe cgmtest-kill cgmtest$j -- true 2>&1)
	check "after the restart: cgmtest$j is placed ($(session_of "$out"))" \
		sh -c "printf '%s\n' \"\$1\" | grep -q '^pam-probe: CGM_SESSION=.*/cgmtest$j/[0-9]*\$'" sh "$out"
done

# No session cgroup is left once all have ended (the daemon removes them as they empty).
# shellcheck disable=SC2086 # $USERS is a list
leftovers() { session_cgroups $USERS | wc -l; }
for _ in $(seq 1 100); do [ "$(leftovers)" -eq 0 ] && break; sleep 0.1; done
left=$(leftovers)
check_eq "no session cgroup left in any hierarchy" "$left" 0
# shellcheck disable=SC2086
[ "$left" -eq 0 ] || session_cgroups $USERS | head -20
say "# figures: logins $N, completed $completed, failed $((N - completed)), placed $placed," \
	"closes that found no daemon $close_errors, leftover cgroups $left," \
	"longest login ${longest} ms (with its 0.5-1.9 s session; module timeout $TIMEOUT_MS ms a call)"
finish
