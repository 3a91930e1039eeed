#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cgmd owns cgm.conf(5): it reads --conf (and its .d directory) at start,
# OpenSession sets the limits that apply to the uid (user over @group over
# *) on the user cgroup as root, SIGHUP re-reads a changed file, a bad file
# keeps the old table and logs file:line, a value the kernel refuses fails
# OpenSession without placing anyone, and ApplyLimits is host root's only.
. "$top_srcdir/tests/harness.sh"
. "$top_srcdir/tests/integration/daemon-common.sh"
require_root
require_cmd dbus-send setpriv
ensure_user cgmtest1 && ensure_user cgmtest2 || finish

sandbox_enter || finish
CONF=$T_DIR/cgm.conf
cat >"$CONF" <<'EOF'
*            cgroup.max.descendants 40
*            pids.max               300
@cgmtestgrp  cgroup.max.depth       7
cgmtest1     cgroup.max.descendants 30
EOF
start_cgmd --conf "$CONF" --log-level info || finish
U1=$(id -u cgmtest1) G1=$(id -g cgmtest1) U2=$(id -u cgmtest2) G2=$(id -g cgmtest2)
has_pids_v1=false
[ -n "$(host_hierarchy_dir pids)" ] && has_pids_v1=true

# session USER_CG UID GID: OpenSession for a fresh sleeper; prints the session cgroup.
session() {
	p=$(sleeper root)
	fdcall root OpenSession ssuuh all "$1" "$2" "$3" "$p"
}

# reload: SIGHUP, then wait until the daemon logged the outcome of this reload.
reload() {
	before=$(grep -c 'reloaded\|stay in force' "$T_DIR/cgmd.log")
	kill -HUP "$CGMD_PID"
	for _ in $(seq 1 100); do
		[ "$(grep -c 'reloaded\|stay in force' "$T_DIR/cgmd.log")" -gt "$before" ] && return 0
		sleep 0.05
	done
	return 1
}

v() { cat "$(hdir unified "$1")/$2"; }

# --- at start -----------------------------------------------------------------
check_eq "cgmtest1: OpenSession places the session" "$(session cgmtest-u1 "$U1" "$G1")" cgmtest-u1/1
check_eq "cgmtest1: user line beats *" "$(v cgmtest-u1 cgroup.max.descendants)" 30
check_eq "cgmtest1: @group line applies" "$(v cgmtest-u1 cgroup.max.depth)" 7
check_eq "cgmtest1: limit file stays root's" "$(owner "$(hdir unified cgmtest-u1)/cgroup.max.descendants")" 0:0
check_eq "cgmtest1: the directory is the user's" "$(owner "$(hdir unified cgmtest-u1)")" "$U1:$G1"
check_fails "cgmtest1 cannot raise its limit" as_user cgmtest1 sh -c "echo 1000 >$(hdir unified cgmtest-u1)/cgroup.max.descendants"
if $has_pids_v1; then
	check_eq "* line on the v1 pids hierarchy" "$(cat "$(hdir pids cgmtest-u1)/pids.max")" 300
fi
check_eq "cgmtest2: * line" "$(session cgmtest-u2 "$U2" "$G2")" cgmtest-u2/1
check_eq "cgmtest2: * limit" "$(v cgmtest-u2 cgroup.max.descendants)" 40
# A uid with no passwd entry gets the * lines only.
check_eq "unknown uid: session placed" "$(session cgmtest-nouser 4000123 4000123)" cgmtest-nouser/1
check_eq "unknown uid: * limit" "$(v cgmtest-nouser cgroup.max.descendants)" 40
check_eq "unknown uid: no @group limit" "$(v cgmtest-nouser cgroup.max.depth)" "$(v "" cgroup.max.depth)"

# --- SIGHUP with a changed file and a new .d file ---------------------------
sed -i 's/^cgmtest1 .*/cgmtest1     cgroup.max.descendants 20/' "$CONF"
mkdir "$CONF.d"
printf 'cgmtest2 cgroup.max.descendants 25\n' >"$CONF.d/50-cgmtest2.conf"
check "SIGHUP: reloaded" reload
check "SIGHUP: the log says reloaded" grep -q "reloaded $CONF: 5 limit rules" "$T_DIR/cgmd.log"
check_eq "SIGHUP: a second session of cgmtest1" "$(session cgmtest-u1 "$U1" "$G1")" cgmtest-u1/2
check_eq "SIGHUP: cgmtest1's new limit is set" "$(v cgmtest-u1 cgroup.max.descendants)" 20
session cgmtest-u2 "$U2" "$G2" >/dev/null
check_eq "SIGHUP: a .d file's line is in force" "$(v cgmtest-u2 cgroup.max.descendants)" 25
check_eq "Status counts the reload and the rules" \
	"$(call root "$IFACE1.Status" | grep -A1 -E '"(limit_rules|conf_reloads)"' | grep -o 'uint32 [0-9]*' | tr '\n' ' ')" \
	"uint32 5 uint32 1 "

# --- a bad file keeps the old table -------------------------------------------
cp "$CONF" "$T_DIR/good.conf"
printf 'cgmtest1 cgroup.max.descendants 10\nthis line is bad\n* nosuchkey 1\n' >"$CONF"
check "bad file: the reload is refused" reload
check "bad file: the log names file and line" grep -q "$CONF:2: " "$T_DIR/cgmd.log"
check "bad file: ... and the other bad line" grep -q "$CONF:3: " "$T_DIR/cgmd.log"
check "bad file: the log says the old rules stay" grep -q "the 5 rules read before stay in force" "$T_DIR/cgmd.log"
session cgmtest-u1 "$U1" "$G1" >/dev/null
check_eq "bad file: cgmtest1 still gets the old limit" "$(v cgmtest-u1 cgroup.max.descendants)" 20
check "bad file: the daemon still answers" ping_cgmd

# --- a value the kernel refuses fails OpenSession ----------------------------
printf 'cgmtest2 cgroup.max.descendants lots\n' >"$CONF"
rm -r "$CONF.d"
check "refused value: reloaded (the line parses)" reload
p=$(sleeper root)
before=$(pid_cgroup "$p" unified)
check_error org.cgm.Error "refused value: OpenSession fails" fdcall root OpenSession ssuuh all cgmtest-u3 "$U2" "$G2" "$p"
check_eq "refused value: the process stayed where it was" "$(pid_cgroup "$p" unified)" "$before"
check "refused value: the user cgroup it made is gone again" test ! -e "$(hdir unified cgmtest-u3)"

# On a user cgroup that was there before, the limit set ahead of the refused one is put back.
printf 'cgmtest2 cgroup.max.depth 3\ncgmtest2 cgroup.max.descendants lots\n' >"$CONF"
check "refused value, existing cgroup: reloaded" reload
depth=$(v cgmtest-u2 cgroup.max.depth)
check_error org.cgm.Error "refused value, existing cgroup: OpenSession fails" \
	fdcall root OpenSession ssuuh all cgmtest-u2 "$U2" "$G2" "$p"
check_eq "refused value, existing cgroup: the limit before it is put back" "$(v cgmtest-u2 cgroup.max.depth)" "$depth"
check "refused value, existing cgroup: the cgroup stays" test -d "$(hdir unified cgmtest-u2)"
check_eq "refused value, existing cgroup: the process stayed where it was" "$(pid_cgroup "$p" unified)" "$before"
check "refused value, existing cgroup: the log says why" grep -q 'cgroup.max.descendants = "lots"' "$T_DIR/cgmd.log"

# Handed to another uid and then refused: the cgroup and its files go back to their owner.
printf 'cgmtest1 cgroup.max.descendants lots\n' >"$CONF"
check "refused value, other owner: reloaded" reload
owners() { for f in "" /cgroup.procs /cgroup.threads /cgroup.subtree_control; do owner "$(hdir unified cgmtest-u2)$f"; done; }
was=$(owners)
check_error org.cgm.Error "refused value, other owner: OpenSession for cgmtest1 fails" \
	fdcall root OpenSession ssuuh all cgmtest-u2 "$U1" "$G1" "$p"
check_eq "refused value, other owner: the cgroup and its files are cgmtest2's again" "$(owners | tr '\n' ' ')" \
	"$(echo "$was" | tr '\n' ' ')"
check_eq "refused value, other owner: ... cgmtest2's, not root's" "$(owner "$(hdir unified cgmtest-u2)")" "$U2:$G2"

# --- ApplyLimits ---------------------------------------------------------------
cp "$T_DIR/good.conf" "$CONF"
reload
mkdir "$(hdir unified cgmtest-apply)"
check_error org.cgm.Error.PermissionDenied "ApplyLimits: a user is refused" \
	call cgmtest1 "$IFACE1.ApplyLimits" string:unified string:cgmtest-apply uint32:"$U1"
check_eq "ApplyLimits: refused, nothing set" "$(v cgmtest-apply cgroup.max.descendants)" "$(v "" cgroup.max.descendants)"
check "ApplyLimits: root may" call root "$IFACE1.ApplyLimits" string:unified string:cgmtest-apply uint32:"$U1"
check_eq "ApplyLimits: cgmtest1's limit set" "$(v cgmtest-apply cgroup.max.descendants)" 20
check_error org.cgm.Error.NotFound "ApplyLimits: a missing cgroup" \
	call root "$IFACE1.ApplyLimits" string:all string:cgmtest-nosuch uint32:"$U1"

stop_cgmd
check "stop is logged with the requests served" grep -q 'stopping after [0-9]* requests' "$T_DIR/cgmd.log"
finish
