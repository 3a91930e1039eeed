# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the scripts that run inside the test VM (busybox sh, sourced):
# TAP lines on the serial console, "ok - DESC" or "not ok - DESC" followed
# by "# " lines saying what went wrong.  Every result is also appended to
# $VM_RESULTS, so that init can count the plan after the session script,
# running as the test user, added its own.
VM_RESULTS=/tmp/results

ok() { echo "ok - $*"; echo ok >>"$VM_RESULTS"; }
not_ok() { echo "not ok - $*"; echo not >>"$VM_RESULTS"; }
note() { printf '%s\n' "$@" | sed 's/^/#   /'; }

# check DESC CMD...: CMD must succeed.
check() {
	desc=$1; shift
	if out=$("$@" 2>&1); then ok "$desc"; else not_ok "$desc"; note "command: $*" "$out"; fi
}

# check_fails DESC CMD...: CMD must fail.
check_fails() {
	desc=$1; shift
	if out=$("$@" 2>&1); then not_ok "$desc (it succeeded)"; note "command: $*" "$out"; else ok "$desc"; fi
}

# check_eq DESC GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1"; note "got:  '$2'" "want: '$3'"; fi
}

# check_gt DESC NUMBER LIMIT: NUMBER > LIMIT.
check_gt() {
	if [ "$2" -gt "$3" ] 2>/dev/null; then ok "$1"; else not_ok "$1"; note "got '$2', wanted more than $3"; fi
}

# wait_for CMD...: up to 30 s for CMD to succeed (a bound, never a measurement;
# generous, since an emulated machine on a busy host can be very slow).
wait_for() {
	i=0
	while ! "$@" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 600 ] && return 1
		sleep 0.05
	done
}

# keyed FILE KEY: the value of KEY in a "key value" file (memory.events, cpu.stat).
keyed() { sed -n "s/^$2 //p" "$1"; }
