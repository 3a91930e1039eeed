#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cgm as host root against a real cgmd: every command's effect checked
# through the host's own cgroupfs (an independent view).  What cgm prints,
# and its exit status and message for each kind of failure, are
# cli-output.sh's.
. "$top_srcdir/tests/harness.sh"
. "$top_srcdir/tests/integration/cli-common.sh"

check "ping" "$CGM" ping
check "apiversion is a number" sh -c "'$CGM' apiversion | grep -qE '^[0-9]+\$'"
check "listcontrollers names $H and unified" sh -c "'$CGM' listcontrollers | grep -qx '$H' && '$CGM' listcontrollers | grep -qx unified"
check_eq "listcontrollers --json is the same list" "$("$CGM" --json listcontrollers | jq -r '.controllers[]')" \
	"$("$CGM" listcontrollers)"

check "create all job" "$CGM" create all job
check "job exists on the host ($H)" test -d "$P/job"
check "job exists on the host (unified)" test -d "$U/job"
check_eq "create again says it existed" "$("$CGM" --json create "$H" job | jq -r .existed)" true
check "setvalue pids.max" "$CGM" setvalue "$H" job pids.max 10
check_eq "pids.max on the host" "$(cat "$P/job/pids.max")" 10
check_eq "getvalue" "$("$CGM" getvalue "$H" job pids.max)" 10
check_eq "getvalue --json" "$("$CGM" --json getvalue "$H" job pids.max | jq -r .value)" 10

sleep 1000 &
job=$!
register_pid $job
check "movepid" "$CGM" movepid all job $job
check "the process is in the host's cgroup.procs" grep -qx $job "$P/job/cgroup.procs"
check_eq "gettasks" "$("$CGM" gettasks "$H" job)" "$job"
check_eq "gettasks --json" "$("$CGM" --json gettasks "$H" job | jq -c .pids)" "[$job]"
check "gettasksrecursive from the sandbox sees it" sh -c "'$CGM' gettasksrecursive '$H' | grep -qx $job"
check_eq "getpidcgroup is relative to the caller's cgroup" "$("$CGM" getpidcgroup "$H" $job)" "/job"
check_eq "getpidcgroupabs is the real path" "$("$CGM" getpidcgroupabs "$H" $job)" "$(pid_cgroup $job "$H")"
check_eq "listchildren" "$("$CGM" listchildren "$H")" "job"
check_eq "listchildren --json" "$("$CGM" --json listchildren "$H" | jq -c .children)" '["job"]'
check "listkeys lists pids.max" sh -c "'$CGM' listkeys '$H' job | grep -q '^pids.max 0 0 0[0-7]*\$'"
check_eq "listkeys --json mode of cgroup.procs" \
	"$("$CGM" --json listkeys "$H" job | jq -r '.keys[] | select(.name == "cgroup.procs") | .mode')" \
	"0$(stat -c %a "$P/job/cgroup.procs")"

check "chown to names" "$CGM" chown all job cgmtest1 cgmtest1
check_eq "the directory is cgmtest1's" "$(stat -c %U:%G "$P/job")" cgmtest1:cgmtest1
check_eq "cgroup.procs is cgmtest1's" "$(stat -c %U "$P/job/cgroup.procs")" cgmtest1
check_eq "pids.max stays root's" "$(stat -c %U "$P/job/pids.max")" root
check "chmodfile" "$CGM" chmodfile "$H" job pids.max 0640
check_eq "pids.max mode on the host" "$(stat -c %a "$P/job/pids.max")" 640
check "chmod" "$CGM" chmod "$H" job 0750
check_eq "directory mode on the host" "$(stat -c %a "$P/job")" 750
check_eq "tree --json: the child, its owner and task" \
	"$("$CGM" --json tree "$H" | jq -c '.tree.children[] | [.name, .uid, .tasks]')" "[\"job\",$(id -u cgmtest1),1]"
check "tree draws it" sh -c "'$CGM' tree '$H' | grep -q '^└── job  (cgmtest1:cgmtest1, 1 task)\$'"

check_eq "remove of a cgroup with a process: exit 1 (busy)" "$(status_of "$CGM" remove all job)" 1
check "... and it is still there" test -d "$P/job"
check_error "busy" "... saying busy" "$CGM" remove all job

# One freezer per process: the v1 freezer where the host has it, else cgroup v2's.
if [ -n "$(host_hierarchy_dir freezer)" ]; then
	F=freezer state="$(sandbox_dir freezer)/job/freezer.state" frozen=FROZEN thawed=THAWED
else
	F=unified state="$U/job/cgroup.events" frozen="frozen 1" thawed="frozen 0"
fi
check "freeze $F" "$CGM" freeze "$F" job
check "frozen on the host" wait_for grep -qx "$frozen" "$state"
check "thaw $F" "$CGM" thaw "$F" job
check "thawed on the host" wait_for grep -qx "$thawed" "$state"
check "kill KILL" "$CGM" kill all job KILL
check "the process died" wait_for sh -c "! kill -0 $job 2>/dev/null"
kill -KILL $job 2>/dev/null
wait $job 2>/dev/null
check_eq "now remove removes it" "$("$CGM" --json remove all job | jq -r .removed)" true
check "job is gone on the host" test ! -d "$P/job"
check_eq "remove again: it did not exist" "$("$CGM" --json remove all job 0 | jq -r .removed)" false

check "create a/b/c" "$CGM" create all a/b/c
check_eq "remove 0 of a cgroup with children fails" "$(status_of "$CGM" remove all a 0)" 1
check "prune removes the empty cgroups below" "$CGM" prune all a
check "a/b is gone" test ! -d "$P/a/b"
check "a stays" test -d "$P/a"
check "remove (recursive by default)" "$CGM" remove all a

sleep 1000 &
r=$!
register_pid $r
"$CGM" create all roe
check "movepidfd into roe" "$CGM" movepidfd all roe $r
check "the process is in roe" grep -qx $r "$P/roe/cgroup.procs"
check "removeonempty" "$CGM" removeonempty all roe
kill $r
wait $r 2>/dev/null
check "roe is removed once empty" wait_for test ! -d "$P/roe"
finish
