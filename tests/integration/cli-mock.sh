#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cgm against the stand-in daemon (tests/unit/test-lib-mock): what each
# command puts on the wire, its text and JSON output, and the exit status
# and one-line message for each kind of failure.  Needs no root and no
# cgroups, so it runs everywhere.
. "$top_srcdir/tests/harness.sh"
require_cmd jq

MOCK=$top_builddir/tests/unit/test-lib-mock
LOG=$T_DIR/calls
"$MOCK" "$SOCK" "$LOG" &
register_pid $!
for _ in $(seq 1 100); do [ -S "$SOCK" ] && break; sleep 0.05; done

last_call() { tail -n 1 "$LOG"; }
# status_of CMD...: prints the exit status of CMD (output discarded).
status_of() { "$@" >/dev/null 2>&1; echo $?; }

check "ping" "$CGM" ping
check_eq "ping sends Ping 0" "$(last_call)" "Ping 0"
check_eq "create prints nothing" "$("$CGM" create memory new)" ""
check_eq "create --json says it was created" "$("$CGM" --json create memory new | jq -c .)" '{"existed":false}'
check_eq "create --json says it existed" "$("$CGM" --json create memory old | jq -r .existed)" "true"
"$CGM" remove all foo
check_eq "remove is recursive by default" "$(last_call)" "Remove all foo 1"
"$CGM" remove all foo 0
check_eq "remove 0" "$(last_call)" "Remove all foo 0"
check_eq "remove --json" "$("$CGM" -j remove all gone 0 | jq -r .removed)" "false"
"$CGM" chown all x root root
check_eq "chown resolves names" "$(last_call)" "Chown all x 0 0"
"$CGM" chmod all x 750
check_eq "chmod sends the octal mode on the directory" "$(last_call)" "Chmod all x  488"
"$CGM" chmodfile all x pids.max 0640
check_eq "chmodfile" "$(last_call)" "Chmod all x pids.max 416"
"$CGM" setvalue memory x memory.limit_in_bytes -1
check_eq "setvalue passes a value beginning with -" "$(last_call)" "SetValue memory x memory.limit_in_bytes -1"
check_eq "getvalue prints the value" "$("$CGM" getvalue pids x pids.max)" "/pids/x"
check_eq "getvalue --json" "$("$CGM" --json getvalue pids x pids.max | jq -r .value)" "/pids/x"
check_eq "getpidcgroup" "$("$CGM" getpidcgroup memory 77)" "/memory/77"
check_eq "getpidcgroup --json" "$("$CGM" -j getpidcgroup memory 77 | jq -r .cgroup)" "/memory/77"
check_eq "getpidcgroupabs" "$("$CGM" getpidcgroupabs memory 78)" "/memory/78"
"$CGM" movepid all x 123 && "$CGM" movepidabs all /x 124
check_eq "movepid and movepidabs" "$(tail -n 2 "$LOG" | tr '\n' ';')" "MovePid all x 123;MovePidAbs all /x 124;"
"$CGM" movepidfd all x $$
check_eq "movepidfd passes a pidfd" "$(last_call)" "MovePidfd all x fd"
check_eq "movepidfd of no process" "$(status_of "$CGM" movepidfd all x 2147483647)" 4
check_eq "gettasks: one pid a line" "$("$CGM" gettasks all x | tr '\n' ' ')" "1 2 3 "
"$CGM" gettasks all >/dev/null
check_eq "gettasks defaults to the caller's cgroup" "$(last_call)" "GetTasks all "
check_eq "gettasksrecursive --json" "$("$CGM" --json gettasksrecursive all x | jq -c .pids)" "[1,2,3]"
check_eq "gettasks --json of none" "$("$CGM" --json gettasks all empty | jq -c .pids)" "[]"
check_eq "listchildren" "$("$CGM" listchildren all | tr '\n' ' ')" "a b "
check_eq "listchildren --json" "$("$CGM" --json listchildren all | jq -c .children)" '["a","b"]'
check_eq "listcontrollers" "$("$CGM" listcontrollers | tr '\n' ' ')" "memory unified "
check_eq "listcontrollers --json" "$("$CGM" -j listcontrollers | jq -r '.controllers[1]')" "unified"
check_eq "listkeys" "$("$CGM" listkeys all x | tail -n 1)" "cgroup.procs 1000 1001 0664"
check_eq "listkeys --json" "$("$CGM" --json listkeys all x | jq -c '.keys[1]')" \
	'{"name":"cgroup.procs","uid":1000,"gid":1001,"mode":"0664"}'
check_eq "apiversion" "$("$CGM" apiversion)" "42"
check_eq "apiversion --json" "$("$CGM" --json apiversion | jq .api_version)" "42"
"$CGM" kill all x
check_eq "kill sends TERM by default" "$(last_call)" "Kill all x 15"
"$CGM" kill all x SIGKILL
check_eq "kill by name" "$(last_call)" "Kill all x 9"
"$CGM" freeze freezer x && "$CGM" thaw freezer x
check_eq "freeze and thaw" "$(tail -n 2 "$LOG" | tr '\n' ';')" "Freeze freezer x;Thaw freezer x;"
"$CGM" prune all x && "$CGM" removeonempty all x
check_eq "prune and removeonempty" "$(tail -n 2 "$LOG" | tr '\n' ';')" "Prune all x;RemoveOnEmpty all x;"

tree=$("$CGM" tree all)
check_eq "tree draws the top and its children" "$(printf '%s\n' "$tree" | sed 's/  (.*//')" ".
├── a
└── b"
check "tree shows owners and task counts" sh -c "printf '%s\n' \"\$1\" | grep -q '^└── b  (1000:1001, 3 tasks)\$' ||
	printf '%s\n' \"\$1\" | grep -q '^└── b  ([a-z0-9_-]*:[a-z0-9_-]*, 3 tasks)\$'" sh "$tree"
check_eq "tree --json" "$("$CGM" --json tree all | jq -c '[.tree.name, .tree.tasks, .tree.uid, [.tree.children[].path]]')" \
	'[".",3,1000,["a","b"]]'

# Failures: status and one line on stderr.
for case in PermissionDenied:3 NotFound:4 UnknownHierarchy:4 InvalidPath:2 InvalidKey:2 InvalidValue:2 \
	Busy:1 Failed:1; do
	name=${case%:*} want=${case#*:}
	check_eq "org.cgm.Error.$name: exit $want" "$(status_of "$CGM" create all "err:$name")" "$want"
done
check_eq "the error is one line naming command, error and the daemon's reason" \
	"$("$CGM" create all err:PermissionDenied 2>&1)" "cgm: create: permission denied: mock: PermissionDenied"
check_eq "a malformed reply: exit 1" "$(status_of "$CGM" getvalue all bad k)" 1
check_eq "usage error: exit 2" "$(status_of "$CGM" create all)" 2
check_eq "unknown command: exit 2" "$(status_of "$CGM" nonsense)" 2
check_eq "bad mode: exit 2" "$(status_of "$CGM" chmod all x 999)" 2
check_eq "no daemon: exit 5" "$(status_of "$CGM" --socket "$T_DIR/none" ping)" 5
check_eq "CGM_SOCKET pointing nowhere: exit 5" "$(CGM_SOCKET=$T_DIR/none status_of "$CGM" ping)" 5
start=$(date +%s%N)
check_eq "a daemon that never answers: exit 5" "$(status_of "$CGM" --timeout 300 create all hang)" 5
elapsed=$((($(date +%s%N) - start) / 1000000))
check "... after about --timeout ($elapsed ms)" test "$elapsed" -lt 2500
check_eq "the timeout message" "$("$CGM" -t 200 create all hang 2>&1)" \
	"cgm: create: the daemon did not answer in time: Create: no answer from the daemon within 200 ms"

check "--help" sh -c "'$CGM' --help | grep -q 'Exit status'"
check "cgm create --help" sh -c "'$CGM' create --help | grep -q '^usage: cgm \[options\] create <controller> <cgroup>'"
check "cgm help remove" sh -c "'$CGM' help remove | grep -q 'remove <controller> <cgroup> \[<0|1>\]'"
check_eq "--version" "$("$CGM" --version | cut -d' ' -f1)" "cgm"
finish
