#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs inside the test VM as cgmtest1, in the PAM session init opened
# (see init): the limits of cgm.conf are on the user's cgroup, root's, and
# the kernel enforces them on everything the user runs; the user cgroup is
# delegated, so the user enables controllers in it and makes child
# cgroups, directly on cgroupfs and through cgm.
. /vm/lib.sh
. /vm/paths
cd /tmp || exit 1
unset ASAN_OPTIONS

cg=$(sed -n 's/^0:://p' /proc/self/cgroup)
n=${cg##*/}
check_eq "session: this shell is in /user/cgmtest1/<n>" "${cg%/*}" /user/cgmtest1
check_eq "session: CGM_SESSION names it" "${CGM_SESSION:-}" "$cg"
U=/sys/fs/cgroup/user/cgmtest1
S=$U/$n

# --- the limits from cgm.conf, root's --------------------------------------------
check_eq "the user cgroup has the controllers the root passes on" "$(cat $U/cgroup.controllers)" "cpu memory pids"
check_eq "memory.max of the user cgroup is 64M" "$(cat $U/memory.max 2>&1)" 67108864
check_eq "pids.max of the user cgroup is 20" "$(cat $U/pids.max 2>&1)" 20
check_eq "cpu.max of the user cgroup is 20000 100000" "$(cat $U/cpu.max 2>&1)" "20000 100000"
for f in memory.max pids.max cpu.max; do
	check_eq "$f is root's" "$(stat -c %U $U/$f 2>&1)" root
	check "the user cannot raise $f" sh -c "test -f $U/$f && ! echo max 2>/dev/null >$U/$f"
done
for f in . cgroup.procs cgroup.subtree_control cgroup.threads; do
	check_eq "user cgroup: $f is the user's" "$(stat -c %U $U/$f 2>&1)" cgmtest1
done
check_fails "the user cannot make cgroups beside its own" mkdir /sys/fs/cgroup/user/cgmtest-escape
check_fails "the user cannot change the controllers of /user" \
	sh -c 'echo -pids >/sys/fs/cgroup/user/cgroup.subtree_control'

# --- pids.max: forks stop at the limit ------------------------------------------------
# forks_in DIR MAX: a shell in cgroup DIR ("" stays here) starts up to MAX
# sleeps; prints how many it started, then kills them and waits until
# the user cgroup counts at most 5 tasks again (pid 1 reaps the orphans).
forks_in() {
	: >/tmp/forks
	sh -c '[ -z "$1" ] || echo $$ >"$1/cgroup.procs" || exit
		i=0
		while [ $i -lt "$2" ]; do sleep 600 & echo $! >>/tmp/forks; i=$((i + 1)); done' sh "$1" "$2" 2>/dev/null
	wc -l </tmp/forks
	# shellcheck disable=SC2046 # one pid per word
	kill $(cat /tmp/forks) 2>/dev/null
	wait_for sh -c "[ \$(cat $U/pids.current) -le 5 ]"
}
before=$(keyed $U/pids.events max)
started=$(forks_in "" 40)
check_gt "pids.max: forks failed at the limit (started $started of 40)" 20 "$started"
check_gt "pids.max: forks worked below it" "$started" 5
check_gt "pids.max: pids.events counts the refused forks" "$(keyed $U/pids.events max)" "$before"

# --- memory.max: a hog is OOM-killed, smaller use is fine -------------------------------
check "memory.max: 16M can be used" dd if=/dev/zero of=/dev/null bs=16M count=1
before=$(keyed $U/memory.events oom_kill)
dd if=/dev/zero of=/dev/null bs=128M count=1 2>/dev/null
check_eq "memory.max: using 128M gets the process killed (SIGKILL)" "$?" 137
check_gt "memory.max: memory.events counts the OOM kill" "$(keyed $U/memory.events oom_kill)" "$before"

# --- cpu.max: a busy loop gets throttled ----------------------------------------------------
before=$(keyed $U/cpu.stat nr_throttled)
sh -c 'while :; do :; done' &
spin=$!
wait_for sh -c "[ \$(sed -n 's/^nr_throttled //p' $U/cpu.stat) -gt $before ]"
check_gt "cpu.max: a busy loop is throttled (cpu.stat nr_throttled)" "$(keyed $U/cpu.stat nr_throttled)" "$before"
kill $spin
wait $spin 2>/dev/null

# --- delegation: controllers below the user cgroup ------------------------------------------
check "the user enables pids, memory, cpu in its cgroup" sh -c "echo '+pids +memory +cpu' >$U/cgroup.subtree_control"
check_eq "its subtree_control lists them" "$(cat $U/cgroup.subtree_control)" "cpu memory pids"
check "the session has pids.max now" test -f $S/pids.max

# A child made directly on cgroupfs, with a limit the user sets.
check "mkdir of a child of the user cgroup" mkdir $U/cgmtest-job
check_eq "the child is the user's" "$(stat -c %U $U/cgmtest-job 2>&1)" cgmtest1
check "the user sets pids.max 5 on it" sh -c "echo 5 >$U/cgmtest-job/pids.max"
started=$(forks_in $U/cgmtest-job 20)
check_gt "pids.max of the child: forks failed at 5 (started $started of 20)" 5 "$started"
check_gt "pids.max of the child: forks worked below it" "$started" 0
sh -c "echo \$\$ >$U/cgmtest-job/cgroup.procs && exec sleep 600" &
job=$!
check "the user moves a process into the child" wait_for grep -qx "0::/user/cgmtest1/cgmtest-job" /proc/$job/cgroup
kill $job
wait $job 2>/dev/null
check "the user removes the child" wait_for rmdir $U/cgmtest-job

# A child made through cgm, below the session (requests resolve beneath the caller).
check "cgm create unified cgmtest-cgm" "$CGM" create unified cgmtest-cgm
check_eq "it is below the session, the user's" "$(stat -c %U $S/cgmtest-cgm 2>&1)" cgmtest1
sleep 600 &
job=$!
check "cgm movepid into it" "$CGM" movepid unified cgmtest-cgm $job
check_eq "/proc shows the process there" "$(cat /proc/$job/cgroup)" "0::$cg/cgmtest-cgm"
check_eq "cgm getpidcgroup agrees" "$("$CGM" getpidcgroup unified $job 2>&1)" /cgmtest-cgm
check_eq "cgm getvalue reads the session's pids.max" "$("$CGM" getvalue unified "" pids.max 2>&1)" max
kill $job
wait $job 2>/dev/null
check "cgm remove unified cgmtest-cgm" "$CGM" remove unified cgmtest-cgm
check "it is gone" test ! -d $S/cgmtest-cgm

touch /tmp/session.done
