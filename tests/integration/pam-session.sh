#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# pam_cgm through the real libpam (pam-probe, a generated service file)
# against a real cgmd: the session leader of root and of test users lands
# in <base>/<user>/<n> in every hierarchy, as /proc and the host's cgroupfs
# show; the user cgroup is delegated (directory and delegation files the
# user's, limit files root's); the daemon's cgm.conf limits are in place
# and the user cannot write them; concurrent sessions get distinct numbers;
# closing removes the session; nodelegate keeps everything root's and still
# gets the limits; controllers= picks hierarchies; the deprecated conf=
# still sets its file's limits, and refuses an absolute base the daemon
# would resolve elsewhere; a limit the kernel refuses fails the login
# (cgmd's table after a SIGHUP, and conf='s), a key no hierarchy has is
# skipped.
. "$top_srcdir/tests/harness.sh"
require_root
. "$top_srcdir/tests/integration/pam-common.sh"

sandbox_enter || finish
CONF=$T_DIR/cgm.conf
cat >"$CONF" <<'CONF'
*            pids.max               500
*            cgroup.max.descendants 50
@cgmtestgrp  memory.limit_in_bytes  1G
cgmtest1     memory.limit_in_bytes  512M
*            nosuch.file            1     # no hierarchy has it: skipped
CONF
# The daemon owns the limits: the module is not told about the file.
start_cgmd --conf "$CONF" || finish

args="socket=$SOCK base=$PAM_BASE debug"
pam_service cgmtest-session "session required $PAM_MODULE $args"
pam_service cgmtest-nodelegate "session required $PAM_MODULE $args nodelegate"

# owner PATH: user name owning PATH.
owner() { stat -c %U "$1"; }

# check_placed TAG USER: the leader of session TAG sits in <base>/USER/<n>
# in every hierarchy, with the same n; sets $n.
check_placed() {
	tag=$1 u=$2 n=
	if ! wait_file "$HOLD_DIR/$tag.leader"; then
		fail "$tag: session of $u opened"; cat "$HOLD_DIR/$tag.out"; return 1
	fi
	leader=$(cat "$HOLD_DIR/$tag.leader")
	for name in $(hierarchy_names); do
		cg=$(pid_cgroup "$leader" "$name")
		want=$(pid_cgroup $$ "$name")/$PAM_BASE/$u
		num=${cg##*/}
		check_eq "$tag: $name: leader in $want/<n>" "${cg%/*}" "$want"
		case $num in '' | *[!0-9]*) fail "$tag: $name: session name is a number ($num)" ;; esac
		[ -z "$n" ] && n=$num
		check_eq "$tag: $name: same session number in every hierarchy" "$num" "$n"
		check "$tag: $name: session directory on the host" test -d "$(host_cgroup_dir "$name" "$cg")"
	done
	check_eq "$tag: the shell is in the session too" \
		"$(grep -c "/$PAM_BASE/$u/$n\$" "$HOLD_DIR/$tag.cg")" "$(hierarchy_names | wc -l)"
	check "$tag: CGM_SESSION names the session ($(cat "$HOLD_DIR/$tag.env"))" \
		grep -q "/$u/$n\$" "$HOLD_DIR/$tag.env"
}

# has_hierarchy NAME: the host has hierarchy NAME (a v2-only host has no v1 ones).
has_hierarchy() { hierarchy_names | grep -qx "$1"; }

# check_limit HIERARCHY USER KEY VALUE: KEY is VALUE on USER's cgroup, root's,
# and USER cannot write it; skipped where the host has no such hierarchy.
check_limit() {
	has_hierarchy "$1" || return 0
	f=$(user_cg_dir "$1" "$2")/$3
	check_eq "$2: $1 $3 is $4" "$(cat "$f" 2>&1)" "$4"
	check_eq "$2: $1 $3 is root's" "$(owner "$f")" root
	[ "$2" = root ] || check_fails "$2: cannot raise $1 $3" as_user "$2" sh -c "echo 1000000 >$f"
}

# --- root and cgmtest1 (twice, at the same time) ----------------------------
hold a cgmtest-session cgmtest1
hold b cgmtest-session cgmtest1
hold r cgmtest-session root
check_placed a cgmtest1; na=$n
check_placed b cgmtest1; nb=$n
check_placed r root; nr=$n
check "concurrent sessions of cgmtest1 got distinct numbers ($na, $nb)" test "$na" != "$nb"

v2_delegate=$(cat /sys/kernel/cgroup/delegate 2>/dev/null)
for name in $(hierarchy_names); do
	ucg=$(user_cg_dir "$name" cgmtest1)
	check_eq "cgmtest1: $name: user cgroup is the user's" "$(owner "$ucg")" cgmtest1
	check_eq "cgmtest1: $name: session cgroup is the user's" "$(owner "$ucg/$na")" cgmtest1
	check_eq "cgmtest1: $name: base stays root's" "$(owner "${ucg%/*}")" root
	if [ "$name" = unified ]; then files=$(echo $v2_delegate); else files="tasks cgroup.procs"; fi
	for f in $files; do
		[ -e "$ucg/$f" ] && check_eq "cgmtest1: $name: delegation file $f is the user's" "$(owner "$ucg/$f")" cgmtest1
	done
	# Anything else in the user cgroup (limits, controls) stays root's.
	others=$(cd "$ucg" && for f in *; do
		[ -f "$f" ] || continue
		case " $files " in *" $f "*) continue ;; esac
		[ "$(owner "$f")" = root ] || echo "$f"
	done)
	check_eq "cgmtest1: $name: no other file of the user cgroup is the user's" "$others" ""
done
# pids.max lives in the v1 pids hierarchy, or on v2 where the pids controller is enabled.
pids_at=pids
has_hierarchy pids || pids_at=unified
if [ -e "$(user_cg_dir "$pids_at" cgmtest1)/pids.max" ]; then
	check_limit "$pids_at" cgmtest1 pids.max 500
	check_limit "$pids_at" root pids.max 500
fi
check_limit unified cgmtest1 cgroup.max.descendants 50
check_limit memory cgmtest1 memory.limit_in_bytes $((512 * 1024 * 1024))
if has_hierarchy memory; then
	check_eq "root: not in cgmtestgrp, no memory limit set" \
		"$(cat "$(user_cg_dir memory root)/memory.limit_in_bytes")" \
		"$(cat "$(sandbox_dir memory)/memory.limit_in_bytes")"
fi

release a b r
for name in $(hierarchy_names); do
	for s in "cgmtest1/$na" "cgmtest1/$nb" "root/$nr"; do
		d=$(sandbox_dir "$name")/$PAM_BASE/$s
		check "closed: $name: session $s removed" wait_gone "$d"
	done
done

# --- nodelegate, group limits ------------------------------------------------
hold c cgmtest-nodelegate cgmtest2
check_placed c cgmtest2
for name in $(hierarchy_names); do
	ucg=$(user_cg_dir "$name" cgmtest2)
	check_eq "nodelegate: $name: user cgroup stays root's" "$(owner "$ucg")" root
	check_eq "nodelegate: $name: session stays root's" "$(owner "$ucg/$n")" root
done
check_limit memory cgmtest2 memory.limit_in_bytes $((1024 * 1024 * 1024))
release c
# Marked before its process moved in (nodelegate), the session is armed by
# that move: it goes in every hierarchy, v1 ones too, once the login ended.
for name in $(hierarchy_names); do
	check "nodelegate: $name: closed session removed" wait_gone "$(user_cg_dir "$name" cgmtest2)/$n"
done
hold d cgmtest-nodelegate cgmtest2
check_placed d cgmtest2
for name in $(hierarchy_names); do
	check_eq "nodelegate: $name: the next login left only its own session" \
		"$(cd "$(user_cg_dir "$name" cgmtest2)" && find . -mindepth 1 -maxdepth 1 -type d)" "./$n"
done
release d

# --- controllers= picks hierarchies ----------------------------------------
# The unified hierarchy and, where there is one, the v1 pids hierarchy.
some=unified
has_hierarchy pids && some=pids,unified
pam_service cgmtest-some "session required $PAM_MODULE socket=$SOCK base=$PAM_BASE controllers=$some"
hold e cgmtest-some cgmtest3
if wait_file "$HOLD_DIR/e.leader"; then
	leader=$(cat "$HOLD_DIR/e.leader")
	for name in $(hierarchy_names); do
		case $name in
		pids | unified) want=$(pid_cgroup $$ "$name")/$PAM_BASE/cgmtest3/1 ;;
		*) want=$(pid_cgroup $$ "$name") ;;
		esac
		check_eq "controllers=$some: $name: leader in $want" "$(pid_cgroup "$leader" "$name")" "$want"
	done
else
	fail "controllers=$some: session opened"; cat "$HOLD_DIR/e.out"
fi
release e
check "controllers=$some: closed session removed" wait_gone "$(user_cg_dir unified cgmtest3)/1"

# --- pattern=: %g is the primary group's name, %G its number --------------
pam_service cgmtest-pattern "session required $PAM_MODULE socket=$SOCK base=$PAM_BASE pattern=%g/g%G-%u"
HOLD_OPTS= hold p cgmtest-pattern cgmtest3
group3=$(id -gn cgmtest3) gid3=$(id -g cgmtest3)
if wait_file "$HOLD_DIR/p.leader"; then
	check "pattern=%g/g%G-%u: the session is in $group3/g$gid3-cgmtest3 ($(cat "$HOLD_DIR/p.env"))" \
		grep -qx "$PAM_BASE/$group3/g$gid3-cgmtest3/[0-9]*" "$HOLD_DIR/p.env"
else
	fail "pattern=%g/g%G-%u: session opened"; cat "$HOLD_DIR/p.out"
fi
release p

# --- the deprecated conf=: its own file's limits -------------------------
printf 'cgmtest3 cgroup.max.depth 33\n' >"$T_DIR/module.conf"
pam_service cgmtest-modconf "session required $PAM_MODULE socket=$SOCK base=$PAM_BASE conf=$T_DIR/module.conf"
hold f cgmtest-modconf cgmtest3
check_placed f cgmtest3
check_limit unified cgmtest3 cgroup.max.depth 33
check_limit unified cgmtest3 cgroup.max.descendants 50
release f
check "conf=: closed session removed" wait_gone "$(user_cg_dir unified cgmtest3)/$n"

# --- conf= with an absolute base, from outside the root cgroup ------------
# The module sets conf='s limits before OpenSession, by requests that
# resolve "/" beneath the caller: from the sandbox they would miss the real
# /<base>.  The module must refuse before anything is made.  (The daemon's
# own limits have no such limit: it sets them where OpenSession puts the
# user cgroup; see daemon-root.sh.)
pam_service cgmtest-abs "session required $PAM_MODULE socket=$SOCK base=/cgmtest-abs-$$ conf=$CONF"
with_syslog "$T_DIR/abs.log" "$PROBE" --confdir "$PAM_DIR" cgmtest-abs cgmtest3 -- true >"$T_DIR/abs.out" 2>&1
check_eq "absolute base with limits, not in the root cgroup: the login fails" "$?" 2
check "absolute base with limits: the log says why" grep -q 'needs this process in the root cgroup' "$T_DIR/abs.log"
for name in $(hierarchy_names); do
	top=$(host_hierarchy_dir "$name")/cgmtest-abs-$$
	check "absolute base with limits: nothing made at the top of $name" test ! -e "$top"
	[ -d "$top" ] && remove_tree "$top"
done

# --- a limit the kernel refuses fails the login ------------------------------
# In the daemon's table, read again on SIGHUP ...
printf 'cgmtest3 cgroup.max.descendants lots\n' >"$CONF"
kill -HUP "$CGMD_PID"
for _ in $(seq 1 100); do grep -q 'reloaded.*: 1 limit rules' "$T_DIR/cgmd.log" && break; sleep 0.05; done
check "refused limit value: the daemon re-read its table" grep -q 'reloaded.*: 1 limit rules' "$T_DIR/cgmd.log"
probe cgmtest-session cgmtest3 -- true >"$T_DIR/bad.out" 2>&1
check_eq "refused limit value: the login fails" "$?" 2
check "refused limit value: nobody was placed" test ! -d "$(user_cg_dir unified cgmtest3)/1"
# ... and in a conf= file.
: >"$CONF"
kill -HUP "$CGMD_PID"
for _ in $(seq 1 100); do grep -q 'reloaded.*: 0 limit rules' "$T_DIR/cgmd.log" && break; sleep 0.05; done
check "the daemon's table is empty again" grep -q 'reloaded.*: 0 limit rules' "$T_DIR/cgmd.log"
printf 'cgmtest3 cgroup.max.descendants lots\n' >"$T_DIR/bad.conf"
pam_service cgmtest-badlimit "session required $PAM_MODULE socket=$SOCK base=$PAM_BASE conf=$T_DIR/bad.conf"
probe cgmtest-badlimit cgmtest3 -- true >"$T_DIR/bad.out" 2>&1
check_eq "refused limit value in conf=: the login fails" "$?" 2
check "refused limit value in conf=: nobody was placed" test ! -d "$(user_cg_dir unified cgmtest3)/1"
finish
