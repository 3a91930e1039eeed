#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The old interface's …Scm methods through a real client (tests/scm-client:
# a SOCK_DGRAM socketpair, credentials as SCM_CREDENTIALS) against a real
# cgmd: every method on a v1 hierarchy (memory) and on the unified one,
# each result checked on the host's own /sys/fs/cgroup; refusals by the
# daemon (answer '0', nothing changed) and by the kernel (a user cannot
# name another process); a slow client does not hold up others and is
# dropped at its deadline; too many open exchanges per uid are Busy.
. "$top_srcdir/tests/harness.sh"
. "$top_srcdir/tests/integration/daemon-common.sh"
require_root
require_cmd dbus-send
ensure_user cgmtest1
ensure_user cgmtest2
U1=$(id -u cgmtest1) G1=$(id -g cgmtest1)
SCM=$top_builddir/tests/scm-client

# scm WHO METHOD ARGS...: one …Scm request as WHO (see run_as); prints the answer.
scm() {
	who=$1; shift
	opts=
	while [ $# -gt 1 ]; do case $1 in --*) opts="$opts $1 $2"; shift 2 ;; *) break ;; esac; done
	# shellcheck disable=SC2086
	run_as "$who" "$SCM" $opts "$SOCK" "$@"
}
# scm_at PLACE WHO METHOD ARGS...: the same from the sandbox cgroup PLACE.
scm_at() {
	CALL_AT=$1; shift
	scm "$@"; r=$?
	CALL_AT=
	return $r
}

# The daemon's descriptor count once it has not changed for 0.1 s (at most 5 s).
settled_fds() {
	n=$(ls /proc/$CGMD_PID/fd | wc -l)
	for _ in $(seq 1 50); do
		sleep 0.1
		m=$(ls /proc/$CGMD_PID/fd | wc -l)
		[ "$m" = "$n" ] && break
		n=$m
	done
	echo "$n"
}

sandbox_enter
start_cgmd || { fail "cgmd starts"; finish; }

for H in memory unified; do
	say "# hierarchy $H"
	check_eq "$H: CreateScm creates ('1')" "$(scm root CreateScm $H cgmtest-s)" 1
	# Descriptors of the daemon with no exchange open (its epoll set exists from the first one on).
	# Counted once steady: a slow daemon (under valgrind) may still be closing the exchange.
	[ -n "${fds_before:-}" ] || fds_before=$(settled_fds)
	check "$H: it exists on the host" test -d "$(hdir $H cgmtest-s)"
	check_eq "$H: CreateScm again: it existed ('2')" "$(scm root CreateScm $H cgmtest-s)" 2
	check_eq "$H: ChownScm, the ids as the second credential" "$(scm root ChownScm $H cgmtest-s "$U1" "$G1")" 1
	check_eq "$H: the directory is the user's" "$(owner "$(hdir $H cgmtest-s)")" "$U1:$G1"
	check_eq "$H: ChmodScm" "$(scm root ChmodScm $H cgmtest-s '' 0775)" 1
	check_eq "$H: mode 775 on the host" "$(mode "$(hdir $H cgmtest-s)")" 775

	p=$(sleeper root)
	check_eq "$H: MovePidScm, the pid as the second credential" "$(scm root MovePidScm $H cgmtest-s "$p")" 1
	check "$H: the pid is in the target's cgroup.procs" in_procs "$p" "$(hdir $H cgmtest-s)/cgroup.procs"
	check_eq "$H: GetPidCgroupScm, from the caller's cgroup" "$(scm root GetPidCgroupScm $H "$p")" /cgmtest-s
	check_eq "$H: GetPidCgroupAbsScm, from the real root" "$(scm root GetPidCgroupAbsScm $H "$p")" \
		"$(pid_cgroup "$p" $H)"
	check_eq "$H: GetTasksScm, pids as credentials" "$(scm root GetTasksScm $H cgmtest-s)" "$p"
	check_eq "$H: CreateScm of a child" "$(scm root CreateScm $H cgmtest-s/cgmtest-t)" 1
	check_eq "$H: MovePidAbsScm" "$(scm root MovePidAbsScm $H "$(pid_cgroup $$ $H)/cgmtest-s/cgmtest-t" "$p")" 1
	check "$H: the pid moved to the absolute path" in_procs "$p" "$(hdir $H cgmtest-s/cgmtest-t)/cgroup.procs"
	check_eq "$H: GetTasksScm of the parent is empty" "$(scm root GetTasksScm $H cgmtest-s)" ""
	check_eq "$H: GetTasksRecursiveScm sees below" "$(scm root GetTasksRecursiveScm $H cgmtest-s)" "$p"
	check_eq "$H: ListChildrenScm" "$(scm root ListChildrenScm $H cgmtest-s)" cgmtest-t
	check_eq "$H: ListKeysScm: cgroup.procs with its owner, group and mode" \
		"$(scm root ListKeysScm $H cgmtest-s | grep -A3 -x cgroup.procs | tr '\n' ' ')" \
		"cgroup.procs $U1 $G1 $(printf %d "0$(mode "$(hdir $H cgmtest-s)/cgroup.procs")") "
	if [ $H = unified ]; then key=cgroup.max.depth val=7; else key=memory.limit_in_bytes val=104857600; fi
	check_eq "$H: SetValueScm $key" "$(scm root SetValueScm $H cgmtest-s $key $val)" 1
	check_eq "$H: written on the host" "$(cat "$(hdir $H cgmtest-s)/$key")" "$val"
	check_eq "$H: GetValueScm $key" "$(scm root GetValueScm $H cgmtest-s $key)" "$val"

	say "# $H: refusals"
	before=$(SNAP_AT=cgmtest-s snapshot $H)
	check_eq "$H: a user without write access: CreateScm answers '0'" \
		"$(scm cgmtest2 CreateScm $H cgmtest-no)" 0
	check_eq "$H: SetValueScm of tasks/cgroup.procs is refused ('0')" \
		"$(scm root SetValueScm $H cgmtest-s cgroup.procs "$p")" 0
	check_eq "$H: RemoveScm of a cgroup with processes: '0'" "$(scm root RemoveScm $H cgmtest-s 1)" 0
	check_eq "$H: GetValueScm of a missing key: an empty answer" \
		"$(scm root GetValueScm $H cgmtest-s cgmtest.nokey)" refused
	check_eq "$H: nothing changed on disk" "$(SNAP_AT=cgmtest-s snapshot $H)" "$before"
	check "$H: and nothing was created" test ! -d "$(hdir $H cgmtest-no)"
	check_error "send: Operation not permitted" "$H: the kernel refuses a user naming another process to move" \
		scm cgmtest1 MovePidScm $H cgmtest-s "$p"
	check_error "send: Operation not permitted" "$H: ... or naming another process as the requestor" \
		scm cgmtest1 --requestor "$p:$U1:$G1" CreateScm $H cgmtest-s/cgmtest-u
	check_error "send: Operation not permitted" "$H: ... and root of a user namespace cannot name the host's" \
		scm ns:cgmtest1 MovePidScm $H cgmtest-s "$p"
	check_eq "$H: the process stayed" "$(pid_cgroup "$p" $H)" "$(pid_cgroup $$ $H)/cgmtest-s/cgmtest-t"
	# The user in its own delegated cgroup, naming itself.
	check_eq "$H: the owner creates below its cgroup" "$(scm_at cgmtest-s cgmtest1 CreateScm $H cgmtest-u)" 1
	check_eq "$H: ... owned by it" "$(owner "$(hdir $H cgmtest-s/cgmtest-u)")" "$U1:$G1"
	q=$(sleeper cgmtest1 cgmtest-s)
	check_error "send: Operation not permitted" "$H: the owner cannot name even its own other process" \
		scm_at cgmtest-s cgmtest1 MovePidScm $H cgmtest-u "$q"
	kill "$q"

	say "# $H: removal"
	kill "$p"
	for _ in $(seq 1 50); do [ -z "$(cat "$(hdir $H cgmtest-s/cgmtest-t)/cgroup.procs")" ] && break; sleep 0.1; done
	check_eq "$H: RemoveScm of a missing cgroup: '1'" "$(scm root RemoveScm $H cgmtest-none 0)" 1
	check_eq "$H: RemoveScm recursive: '2' (it existed)" "$(scm root RemoveScm $H cgmtest-s/cgmtest-u 1)" 2
	check_eq "$H: PruneScm" "$(scm root PruneScm $H cgmtest-s)" 1
	check "$H: the empty child is pruned on the host" test ! -d "$(hdir $H cgmtest-s/cgmtest-t)"
	check_eq "$H: RemoveScm: '2' (it existed)" "$(scm root RemoveScm $H cgmtest-s 0)" 2
	check "$H: removed on the host" test ! -d "$(hdir $H cgmtest-s)"
	check_eq "$H: RemoveOnEmptyScm" "$(scm root CreateScm $H cgmtest-e; scm root RemoveOnEmptyScm $H cgmtest-e)" "1
1"
done

say "# a client that does not wait for the reply (as the original proxy)"
check_eq "CreateScm, straight to the socketpair" "$(scm root --no-wait 1 CreateScm memory cgmtest-nowait)" 1
check "... made" test -d "$(hdir memory cgmtest-nowait)"
p=$(sleeper root)
check_eq "MovePidScm, straight to the socketpair" "$(scm root --no-wait 1 MovePidScm memory cgmtest-nowait "$p")" 1
check "... moved" in_procs "$p" "$(hdir memory cgmtest-nowait)/cgroup.procs"
kill "$p"

say "# bad descriptors"
check_error org.cgm.Error.InvalidValue "a file instead of a socketpair is refused in the reply" \
	fdcall root "$IFACE.MovePidScm" ssh memory cgmtest-x file:/etc/hostname

say "# a long answer waits for the client to read (more pids than the socket queues)"
check_eq "a cgroup for many" "$(scm root CreateScm memory cgmtest-many)" 1
many=""
for _ in $(seq 1 30); do
	sh -c 'echo $$ >"$1" && exec sleep 600' _ "$(hdir memory cgmtest-many)/cgroup.procs" </dev/null >/dev/null 2>&1 &
	many="$many $!"
	register_pid $!
done
for _ in $(seq 1 100); do [ "$(wc -l <"$(hdir memory cgmtest-many)/cgroup.procs")" -ge 30 ] && break; sleep 0.05; done
check_eq "GetTasksScm returns all 30" "$(scm root GetTasksScm memory cgmtest-many | sort -n | tr '\n' ' ')" \
	"$(printf '%s\n' $many | sort -n | tr '\n' ' ')"
# shellcheck disable=SC2086
kill $many

say "# slow clients"
# Each stalls past the daemon's 5 s deadline.
scm root --stall 7 CreateScm memory cgmtest-stall >"$T_DIR/stall.out" 2>&1 &
staller=$!
register_pid $staller
busy=""
for i in $(seq 1 16); do
	scm cgmtest2 --stall 7 CreateScm memory "cgmtest-busy$i" >"$T_DIR/busy$i.out" 2>&1 &
	busy="$busy $!"
	register_pid $!
done
for _ in $(seq 1 100); do grep -q stalling "$T_DIR/stall.out" && break; sleep 0.05; done
check "the stalled client got its go-ahead" grep -q stalling "$T_DIR/stall.out"
# A go-ahead means the exchange is open in the daemon.
for _ in $(seq 1 100); do [ "$(cat "$T_DIR"/busy*.out | grep -c stalling)" = 16 ] && break; sleep 0.05; done
check_eq "16 exchanges of cgmtest2 are open" "$(cat "$T_DIR"/busy*.out | grep -c stalling)" 16
check "meanwhile the daemon answers a Ping" ping_cgmd
check_eq "... and another …Scm exchange" "$(scm root CreateScm memory cgmtest-other)" 1
check_error org.cgm.Error.Busy "a 17th open exchange of one uid is Busy" scm cgmtest2 CreateScm memory cgmtest-busy
check_eq "... while another uid still gets one" "$(scm root CreateScm memory cgmtest-other2)" 1
check "the stalled client is still waiting" kill -0 $staller
wait $staller
check "at its deadline the daemon dropped the exchange" grep -q "send: Connection refused" "$T_DIR/stall.out"
check "... and said so" grep -q "CreateScm for uid 0 pid .*: timed out waiting for credentials" "$T_DIR/cgmd.log"
check "nothing was created for it" test ! -d "$(hdir memory cgmtest-stall)"
# shellcheck disable=SC2086
for b in $busy; do wait $b; done
# The last ones opened (the kernel's refusals above leave theirs to the deadline) end within 5 s.
for _ in $(seq 1 150); do [ "$(ls /proc/$CGMD_PID/fd | wc -l)" = "$fds_before" ] && break; sleep 0.05; done
check_eq "every exchange was closed (the daemon holds as many descriptors as at start)" \
	"$(ls /proc/$CGMD_PID/fd | wc -l)" "$fds_before"
check "the daemon still answers" ping_cgmd
stop_cgmd
check "the daemon stopped with no sanitizer report (leaks, undefined behaviour) in its log" \
	sh -c "! grep -E 'Sanitizer|runtime error' '$T_DIR/cgmd.log'"
finish
