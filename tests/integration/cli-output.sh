#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# What cgm prints and how it exits, against a real cgmd: the text and JSON
# output of each command compared with the host's own cgroupfs, the tree
# drawing, the arguments it turns into requests (names and numbers for
# ids, octal modes, values that begin with "-", recursive remove by
# default), and for each kind of refusal the exit status and the one line
# on stderr that carries the daemon's message exactly as another D-Bus
# client (dbus-send) receives it.  cli-root.sh and cli-user.sh check the
# commands' effects as root and as a delegated user.
. "$top_srcdir/tests/harness.sh"
. "$top_srcdir/tests/integration/daemon-common.sh"
. "$top_srcdir/tests/integration/cli-common.sh"
uid1=$(id -u cgmtest1) gid1=$(id -g cgmtest1)
# exit_of PID: the exit status of background job PID as the shell reports it (128 + signal), in
# $exit_status.  Not in $(...): a subshell cannot wait for its parent's child, and got a status only
# when the parent shell had already reaped it (a race the kill checks lost on a loaded machine).
exit_of() { wait "$1" 2>/dev/null; exit_status=$?; }

# --- output of each command, compared with the host --------------------------

check_eq "create prints nothing" "$("$CGM" create all out)" ""
check "... and made the cgroup on the host" test -d "$P/out" -a -d "$U/out"
check_eq "create --json of a new cgroup" "$("$CGM" --json create all out2 | jq -c .)" '{"existed":false}'
check_eq "create --json of an existing one" "$("$CGM" --json create all out2 | jq -c .)" '{"existed":true}'
check_eq "remove prints nothing" "$("$CGM" remove all out2)" ""
check_eq "remove --json of a missing cgroup" "$("$CGM" --json remove all out2 0 | jq -c .)" '{"removed":false}'

check "create rec/child" "$CGM" create all rec/child
check_eq "remove 0 of a cgroup with an empty child: exit 1" "$(status_of "$CGM" remove all rec 0)" 1
check "... and nothing was removed" test -d "$P/rec/child" -a -d "$U/rec/child"
check "remove without 0|1" "$CGM" remove all rec
check "... is recursive: the tree is gone on the host" test ! -d "$P/rec" -a ! -d "$U/rec"

check "chown by numbers" "$CGM" chown "$H" out "$uid1" "$gid1"
check_eq "... gives it to those ids" "$(stat -c %u:%g "$P/out")" "$uid1:$gid1"
check "chown by names" "$CGM" chown "$H" out root root
check_eq "... resolves them" "$(stat -c %u:%g "$P/out")" 0:0
check "chmod takes an octal mode without its leading 0" "$CGM" chmod "$H" out 750
check_eq "... the directory's mode on the host" "$(stat -c %a "$P/out")" 750
check "chmodfile" "$CGM" chmodfile "$H" out pids.max 640
check_eq "listkeys: 'name uid gid 0mode' a line, as the host has each file" "$("$CGM" listkeys "$H" out | sort)" \
	"$(find "$P/out" -maxdepth 1 -type f -printf '%f %U %G 0%m\n' | sort)"
check_eq "listkeys --json" "$("$CGM" --json listkeys "$H" out | jq -c '.keys[] | select(.name == "pids.max")')" \
	'{"name":"pids.max","uid":0,"gid":0,"mode":"0640"}'

check "setvalue" "$CGM" setvalue "$H" out pids.max 7
check_eq "getvalue prints the value the host shows" "$("$CGM" getvalue "$H" out pids.max)" "$(cat "$P/out/pids.max")"
check_eq "getvalue --json" "$("$CGM" --json getvalue "$H" out pids.max | jq -r .value)" 7
# A value beginning with "-" is a value, not an option: v1 memory takes -1 for "no limit".
M=$(sandbox_dir memory)
if [ -n "$(host_hierarchy_dir memory)" ]; then
	"$CGM" create memory neg
	unlimited=$(cat "$M/neg/memory.limit_in_bytes")
	check "setvalue a limit" "$CGM" setvalue memory neg memory.limit_in_bytes 1073741824
	check_eq "... the host has it" "$(cat "$M/neg/memory.limit_in_bytes")" 1073741824
	check "setvalue -1" "$CGM" setvalue memory neg memory.limit_in_bytes -1
	check_eq "... lifts it on the host" "$(cat "$M/neg/memory.limit_in_bytes")" "$unlimited"
fi

check_eq "apiversion is a number" "$("$CGM" apiversion | grep -cE '^[0-9]+$')" 1
check_eq "apiversion --json" "$("$CGM" --json apiversion | jq .api_version)" "$("$CGM" apiversion)"
check_eq "listcontrollers: a name a line, the host's hierarchies" "$("$CGM" listcontrollers | sort)" \
	"$(host_hierarchies | awk '{print $1}' | sort)"

sleep 1000 &
j=$!
register_pid $j
sleep 1000 &
k=$!
register_pid $k
"$CGM" create all work/inner
check "movepid" "$CGM" movepid all work $j
check "movepidabs to an absolute path" "$CGM" movepidabs "$H" "$(pid_cgroup $$ "$H")/work/inner" $k
check "... puts the process there on the host" grep -qx $k "$P/work/inner/cgroup.procs"
check_eq "gettasks: one pid a line" "$("$CGM" gettasks "$H" work)" "$j"
check_eq "gettasks --json" "$("$CGM" --json gettasks "$H" work | jq -c .pids)" "[$j]"
check_eq "gettasks --json of an empty cgroup" "$("$CGM" --json gettasks "$H" out | jq -c .pids)" "[]"
check_eq "gettasksrecursive --json" "$("$CGM" --json gettasksrecursive "$H" work | jq -c '.pids | sort')" \
	"$(printf '%s\n' $j $k | jq -s -c sort)"
check "gettasks without a cgroup is the caller's own" sh -c "'$CGM' gettasks '$H' | grep -qx $$"
check "... and not the cgroups below it" sh -c "! '$CGM' gettasks '$H' | grep -qx $j"
check_eq "getpidcgroup" "$("$CGM" getpidcgroup "$H" $k)" /work/inner
check_eq "getpidcgroup --json" "$("$CGM" --json getpidcgroup "$H" $j | jq -r .cgroup)" /work
check_eq "getpidcgroupabs --json is where /proc shows it" \
	"$("$CGM" --json getpidcgroupabs "$H" $k | jq -r .cgroup)" "$(pid_cgroup $k "$H")"
check_eq "listchildren: one name a line, as the host has them" "$("$CGM" listchildren "$H" | sort)" \
	"$(find "$P" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)"
check_eq "listchildren --json" "$("$CGM" --json listchildren "$H" work | jq -c .children)" '["inner"]'

"$CGM" create all tr/a
"$CGM" create all tr/b
"$CGM" chown "$H" tr/a cgmtest1 cgmtest1
"$CGM" movepid "$H" tr/b $j
check_eq "tree: the cgroup, its children, their owners and task counts" "$("$CGM" tree "$H" tr)" \
	"tr  (root:root, 0 tasks)
├── a  (cgmtest1:cgmtest1, 0 tasks)
└── b  (root:root, 1 task)"
check_eq "tree --json" \
	"$("$CGM" --json tree "$H" tr | jq -c '[.tree.path, .tree.tasks, [.tree.children[] | [.path, .uid, .gid, .tasks]]]')" \
	"[\"tr\",0,[[\"tr/a\",$uid1,$gid1,0],[\"tr/b\",0,0,1]]]"

check "kill" "$CGM" kill "$H" work/inner
exit_of $k
check_eq "... sends TERM by default" "$exit_status" 143
check "kill SIGKILL" "$CGM" kill "$H" tr/b SIGKILL
exit_of $j
check_eq "... sends the signal named" "$exit_status" 137

# --- refusals: exit status and one line carrying the daemon's message ---------

# refused STATUS LINE DESC CMD...: CMD exits STATUS, prints nothing on stdout and exactly LINE on stderr.
refused() {
	want=$1 line=$2 desc=$3; shift 3
	"$@" >"$T_DIR/out" 2>"$T_DIR/err"
	check_eq "$desc: exit $want" "$?" "$want"
	check_eq "$desc: the one line on stderr" "$(cat "$T_DIR/err")" "$line"
	check_eq "$desc: nothing on stdout" "$(cat "$T_DIR/out")" ""
}
# daemon_says WHO METHOD ARGS...: the message of the error the daemon answers, as dbus-send gets it.
daemon_says() { call "$@" 2>&1 | sed -n 's/^Error org\.cgm\.Error\.[A-Za-z]*: //p'; }

sleep 1000 &
busy=$!
register_pid $busy
"$CGM" movepid all work $busy
refused 3 "cgm: create: permission denied: $(daemon_says cgmtest1 Create "string:$H" string:denied)" \
	"PermissionDenied" as_user cgmtest1 "$CGM" create "$H" denied
refused 4 "cgm: getvalue: not found: $(daemon_says root GetValue "string:$H" string:nosuch string:pids.max)" \
	"NotFound" "$CGM" getvalue "$H" nosuch pids.max
refused 4 "cgm: create: unknown hierarchy: $(daemon_says root Create string:nosuchhier string:x)" \
	"UnknownHierarchy" "$CGM" create nosuchhier x
refused 2 "cgm: create: invalid path: $(daemon_says root Create string:all string:../escape)" \
	"InvalidPath" "$CGM" create all ../escape
check "... and nothing was made above the sandbox" test ! -e "$P/../escape"
refused 2 "cgm: setvalue: invalid key: $(daemon_says root SetValue "string:$H" string:out string:cgroup.procs string:1)" \
	"InvalidKey" "$CGM" setvalue "$H" out cgroup.procs 1
refused 2 "cgm: setvalue: invalid value: $(daemon_says root SetValue "string:$H" string:out string:pids.max string:bogus)" \
	"InvalidValue" "$CGM" setvalue "$H" out pids.max bogus
check_eq "... and the value is unchanged" "$(cat "$P/out/pids.max")" 7
refused 1 "cgm: remove: busy: $(daemon_says root Remove string:all string:work int32:1)" \
	"Busy" "$CGM" remove all work
check "... and the cgroup is still there" test -d "$P/work"
# The kernel's ENODEV for a device that does not exist has no better name than Failed.
if [ -n "$(host_hierarchy_dir blkio)" ]; then
	"$CGM" create blkio dev
	refused 1 "cgm: setvalue: failed: $(daemon_says root SetValue string:blkio string:dev \
		string:blkio.throttle.read_bps_device 'string:259:999 100')" \
		"Failed" "$CGM" setvalue blkio dev blkio.throttle.read_bps_device "259:999 100"
fi
check_eq "movepidfd of no process: exit 4" "$(status_of "$CGM" movepidfd all work 2147483647)" 4

check_eq "usage error: exit 2" "$(status_of "$CGM" create all)" 2
check_eq "... saying what the command expects" "$("$CGM" create all 2>&1)" \
	"cgm: create: expects 2 arguments: cgm create <controller> <cgroup>"
check_eq "unknown command: exit 2" "$(status_of "$CGM" nonsense)" 2
check_eq "bad mode: exit 2" "$(status_of "$CGM" chmod all out 999)" 2
check "... and the mode is unchanged" test "$(stat -c %a "$P/out")" = 750
check_eq "no daemon: exit 5" "$(status_of "$CGM" --socket "$T_DIR/none" ping)" 5
check_eq "... saying so in the same form as every failure" "$("$CGM" --socket "$T_DIR/none" ping 2>&1)" \
	"cgm: ping: cannot reach the daemon: cannot connect to $T_DIR/none: No such file or directory"
check_eq "CGM_SOCKET pointing nowhere: exit 5" "$(CGM_SOCKET=$T_DIR/none status_of "$CGM" ping)" 5
# A hung daemon: the kernel still queues connections, nobody answers.
kill -STOP "$CGMD_PID"
start=$(date +%s%N)
check_eq "a stopped daemon: exit 5" "$(status_of "$CGM" --timeout 300 ping)" 5
elapsed=$((($(date +%s%N) - start) / 1000000))
check "... after about --timeout ($elapsed ms)" test "$elapsed" -ge 250 -a "$elapsed" -lt 2500
check_eq "... saying so" "$("$CGM" -t 200 ping 2>&1)" \
	"cgm: ping: the daemon did not answer in time: $SOCK: the daemon did not complete authentication in time"
kill -CONT "$CGMD_PID"
check "the daemon answers again once resumed" "$CGM" ping

check "--help" sh -c "'$CGM' --help | grep -q 'Exit status'"
check "cgm create --help" sh -c "'$CGM' create --help | grep -q '^usage: cgm \[options\] create <controller> <cgroup>'"
check "cgm help remove" sh -c "'$CGM' help remove | grep -q 'remove <controller> <cgroup> \[<0|1>\]'"
check_eq "--version" "$("$CGM" --version | cut -d' ' -f1)" "cgm"
finish
