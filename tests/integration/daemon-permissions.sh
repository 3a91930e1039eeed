#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The permission matrix (DESIGN.md §3).  Callers: host root, the owning
# user (cgmtest1), another user (cgmtest2), cgmtest1 as root of its own
# user namespace, cgmtest1 in another pid namespace.  Targets, seen from the
# callers' cgroup (cgmtest-world): cgmtest1's delegated subtree, cgmtest2's,
# the callers' own root-owned cgroup (an ancestor of both) and a root-owned
# sibling.  Operations: every state-changing method.  Each cell asserts
# allow or deny, what an allowed request did (through the host's cgroupfs)
# and that a denied one changed nothing on disk.
. "$top_srcdir/tests/harness.sh"
. "$top_srcdir/tests/integration/daemon-common.sh"
require_root
require_cmd dbus-send setpriv unshare
ensure_user cgmtest1
ensure_user cgmtest2
U1=$(id -u cgmtest1) G1=$(id -g cgmtest1) U2=$(id -u cgmtest2) G2=$(id -g cgmtest2)
HS=pids,unified # one v1 hierarchy and the v2 one
W=cgmtest-world
OPS="Create Chmod SetValue MovePid MovePidfd Freeze Thaw Kill RemoveOnEmpty Remove Chown Prune"
SNAP_AT=$W

sandbox_enter
start_cgmd || { fail "cgmd starts"; finish; }

# Target names: where each lives below the callers' cgroup, and its owner.
tpath() { case $1 in u1) echo cgmtest-u1 ;; u2) echo cgmtest-u2 ;; sib) echo cgmtest-sib ;; anc) echo "" ;; esac; }
towner() { case $1 in u1) echo cgmtest1 ;; u2) echo cgmtest2 ;; *) echo root ;; esac; }
tprefix() { p=$(tpath "$1"); echo "${p:+$p/}"; }
# The caller's own delegated subtree.
own_of() { case $1 in root) echo - ;; *cgmtest1) echo u1 ;; *cgmtest2) echo u2 ;; esac; }

# expect CALLER TARGET OP: allow, deny or skip.
expect() {
	if [ "$1" = root ]; then
		# Host root may do anything; freezing or killing its own cgroup would stop the test itself.
		case $2:$3 in anc:Kill | anc:Freeze | anc:Thaw) echo skip ;; *) echo allow ;; esac
	elif [ "$2" = "$(own_of "$1")" ]; then
		# Only host root and namespace root (to ids mapped in its namespace) may Chown.
		case $3:$1 in Chown:ns:*) echo allow ;; Chown:*) echo deny ;; *) echo allow ;; esac
	else
		echo deny
	fi
}

# Host paths of the world on the two hierarchies.
wdir() { hdir "$1" "$W${2:+/$2}"; }

# build_world: the callers' cgroup with the four targets, each holding
# children made by its owner and a process of its owner.
build_world() {
	call root Create string:all string:$W >/dev/null || return 1
	for t in u1 u2 sib; do
		call root Create string:$HS string:$W/$(tpath $t) >/dev/null || return 1
	done
	call root Chown string:$HS string:$W/cgmtest-u1 int32:$U1 int32:$G1 >/dev/null || return 1
	call root Chown string:$HS string:$W/cgmtest-u2 int32:$U2 int32:$G2 >/dev/null || return 1
	for t in u1 u2 sib anc; do
		for c in leaf victim roe prune; do
			CALL_AT=$W call "$(towner $t)" Create string:$HS string:"$(tprefix $t)cgmtest-$c" >/dev/null || return 1
		done
		eval "KV_$t=\$(sleeper $(towner $t) $W/$(tprefix $t)cgmtest-leaf)"
	done
	MY_SLEEPER=""
}

teardown_world() {
	for t in u1 u2 sib anc; do eval "kill -KILL \${KV_$t:-0} 2>/dev/null"; done
	[ -n "$MY_SLEEPER" ] && kill -KILL "$MY_SLEEPER" 2>/dev/null
	for d in $(find "$(wdir unified)" -name cgroup.freeze 2>/dev/null); do echo 0 >"$d" 2>/dev/null; done
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		call root Remove string:all string:$W int32:1 >/dev/null 2>&1 && break
		sleep 0.1
	done
}

# request CALLER TARGET OP: the tool (call: dbus-send; fdcall: our client,
# to pass a pidfd) and its arguments for a cell.
request() {
	t=$(tpath "$2") p=$(tprefix "$2")
	case $3 in
	MovePidfd) echo "fdcall MovePidfd ssh $HS ${p}cgmtest-leaf $MY_PID"; return ;;
	esac
	printf 'call '
	case $3 in
	Create) echo "Create string:$HS string:${p}cgmtest-new" ;;
	Chmod) echo "Chmod string:$HS string:$t string: int32:0775" ;;
	SetValue) echo "SetValue string:$HS string:${p}cgmtest-leaf string:pids.max string:50" ;;
	MovePid) echo "MovePid string:$HS string:${p}cgmtest-leaf int32:$MY_PID" ;;
	Freeze | Thaw) echo "$IFACE1.$3 string:$HS string:$t" ;;
	Kill) echo "$IFACE1.Kill string:$HS string:$t int32:9" ;;
	RemoveOnEmpty) echo "RemoveOnEmpty string:$HS string:${p}cgmtest-roe" ;;
	Remove) echo "Remove string:$HS string:${p}cgmtest-victim int32:0" ;;
	Prune) echo "Prune string:$HS string:$t" ;;
	Chown)
		case $1 in
		root) o=$(towner "$2"); [ "$o" = root ] && echo "Chown string:$HS string:$t int32:0 int32:0" ||
			echo "Chown string:$HS string:$t int32:$(id -u "$o") int32:$(id -g "$o")" ;;
		ns:*) echo "Chown string:$HS string:$t int32:0 int32:0" ;;
		*) echo "Chown string:$HS string:$t int32:$(id -u "${1#*:}") int32:$(id -g "${1#*:}")" ;;
		esac ;;
	esac
}

# done_right CALLER TARGET OP: what an allowed request must have changed.
done_right() {
	p=$(tprefix "$2") t=$(tpath "$2")
	case $3 in
	Create) [ -d "$(wdir pids "${p}cgmtest-new")" ] && [ -d "$(wdir unified "${p}cgmtest-new")" ] ;;
	Chmod) [ "$(mode "$(wdir pids "$t")")" = 775 ] && [ "$(mode "$(wdir unified "$t")")" = 775 ] ;;
	SetValue) [ "$(cat "$(wdir pids "${p}cgmtest-leaf")/pids.max")" = 50 ] ;;
	MovePid | MovePidfd) [ "${1%%:*}" = pidns ] || in_procs "$MY_PID" "$(wdir pids "${p}cgmtest-leaf")/cgroup.procs" ;;
	Freeze) [ "$(cat "$(wdir unified "$t")/cgroup.freeze")" = 1 ] ;;
	Thaw) [ "$(cat "$(wdir unified "$t")/cgroup.freeze")" = 0 ] ;;
	Kill)
		eval "v=\$KV_$2"
		for _ in $(seq 1 100); do kill -0 "$v" 2>/dev/null || return 0; sleep 0.02; done
		return 1 ;;
	RemoveOnEmpty) ;; # marked; it goes when it next empties (daemon-methods.sh sees that)
	Remove) [ ! -d "$(wdir pids "${p}cgmtest-victim")" ] && [ ! -d "$(wdir unified "${p}cgmtest-victim")" ] ;;
	Prune) [ ! -d "$(wdir pids "${p}cgmtest-prune")" ] && [ ! -d "$(wdir unified "${p}cgmtest-prune")" ] ;;
	Chown) o=$(towner "$2"); [ "$(owner "$(wdir pids "$t")")" = "$(id -u "$o"):$(id -g "$o")" ] ;;
	esac
}

for caller in root cgmtest1 cgmtest2 ns:cgmtest1 pidns:cgmtest1; do
	say "# caller $caller"
	build_world || { fail "$caller: building the world"; teardown_world; continue; }
	# The process a MovePid moves: the caller's own (in another pid namespace: itself, pid 1 there).
	case $caller in
	pidns:*) MY_PID=1 ;;
	root) MY_SLEEPER=$(sleeper root $W) MY_PID=$MY_SLEEPER ;;
	*) MY_SLEEPER=$(sleeper "${caller#ns:}" $W) MY_PID=$MY_SLEEPER ;;
	esac
	for op in $OPS; do
		for t in u1 u2 sib anc; do
			want=$(expect "$caller" "$t" "$op")
			[ "$want" = skip ] && continue
			cell="$caller $op on $t"
			before=$(snapshot pids unified)
			# shellcheck disable=SC2046
			set -- $(request "$caller" "$t" "$op")
			tool=$1
			shift
			out=$(CALL_AT=$W $tool "$caller" "$@" 2>&1)
			rc=$?
			if [ "$want" = allow ]; then
				if [ $rc -ne 0 ]; then
					fail "$cell: refused"; say "  $out"
				elif done_right "$caller" "$t" "$op"; then
					pass "$cell: allowed and done"
				else
					fail "$cell: allowed but not done"
				fi
			elif [ $rc -eq 0 ]; then
				fail "$cell: allowed, should be refused"
			elif ! printf '%s' "$out" | grep -q org.cgm.Error.PermissionDenied; then
				fail "$cell: refused without PermissionDenied"; say "  $out"
			elif [ "$before" != "$(snapshot pids unified)" ]; then
				fail "$cell: refused but changed something"
				printf '%s\n' "$before" >"$T_DIR/before"; snapshot pids unified >"$T_DIR/after"
				diff "$T_DIR/before" "$T_DIR/after" | head -5
			else
				pass "$cell: refused, nothing changed"
			fi
		done
	done
	teardown_world
done

say "# only host root: the ...Abs methods and OpenSession"
build_world
for caller in cgmtest1 ns:cgmtest1 pidns:cgmtest1; do
	before=$(snapshot pids unified)
	case $caller in pidns:*) self=1 ;; *) self=$KV_u1 ;; esac
	check_error org.cgm.Error.PermissionDenied "$caller: MovePidAbs is refused" \
		call "$caller" MovePidAbs string:$HS string:/ int32:$KV_u1
	check_error org.cgm.Error.PermissionDenied "$caller: GetPidCgroupAbs is refused" \
		call "$caller" GetPidCgroupAbs string:$HS int32:$KV_u1
	check_error org.cgm.Error.PermissionDenied "$caller: OpenSession is refused" \
		fdcall "$caller" OpenSession ssuuh $HS cgmtest-sess $U1 $G1 $self
	check_eq "$caller: ... and nothing changed" "$(snapshot pids unified)" "$before"
done
say "# processes: only one's own, and only inside one's view"
before=$(snapshot pids unified)
out=$(CALL_AT=$W call cgmtest2 MovePid string:$HS string:cgmtest-u2/cgmtest-leaf int32:$KV_u1 2>&1)
check_eq "cgmtest2 cannot move cgmtest1's process" "$(printf '%s' "$out" | grep -c PermissionDenied)" 1
out=$(CALL_AT=$W/cgmtest-u1 call cgmtest1 MovePid string:$HS string:cgmtest-leaf int32:$KV_anc 2>&1)
check_eq "cgmtest1 cannot move root's process" "$(printf '%s' "$out" | grep -c PermissionDenied)" 1
u1out=$(sleeper cgmtest1)
out=$(CALL_AT=$W/cgmtest-u1 call cgmtest1 MovePid string:$HS string:cgmtest-leaf int32:$u1out 2>&1)
check_eq "cgmtest1 cannot pull in its own process from outside its cgroup" "$(printf '%s' "$out" | grep -c PermissionDenied)" 1
check_eq "... and nothing changed" "$(snapshot pids unified)" "$before"
out=$(CALL_AT=$W/cgmtest-u1 call cgmtest1 GetTasks string:$HS string:cgmtest-leaf 2>&1)
check "a user reads the tasks of its own subtree" sh -c "printf '%s' '$out' | grep -q 'int32 $KV_u1'"
out=$(CALL_AT=$W call cgmtest2 GetValue string:$HS string:cgmtest-u1/cgmtest-leaf string:pids.max 2>&1)
check "reads follow the mode bits (world-readable pids.max)" sh -c "printf '%s' '$out' | grep -q max"
out=$(CALL_AT=$W call pidns:cgmtest1 GetTasks string:$HS string:cgmtest-u1/cgmtest-leaf 2>&1)
check_eq "another pid namespace does not see outside pids" "$(printf '%s' "$out" | grep -c int32)" 0
out=$(CALL_AT=$W call pidns:cgmtest1 GetTasks string:pids string: 2>&1)
check_eq "... but sees itself, as pid 1 of its namespace" "$(printf '%s\n' "$out" | grep int32 | tr -s ' ')" " int32 1"
check_eq "GetPidCgroup takes the caller's pids (pid 1 is the caller there)" \
	"$(CALL_AT=$W/cgmtest-u1 value pidns:cgmtest1 GetPidCgroup string:pids int32:1)" /
teardown_world
finish
