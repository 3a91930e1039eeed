#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# cgm as an unprivileged user against a real cgmd: root delegates a cgroup
# to cgmtest1, who then makes a child, limits it, moves a job in, watches
# and removes it -- and is refused (exit 3) whatever the rules of
# DESIGN.md §3 forbid: other people's processes and cgroups, the limits on
# the delegated cgroup itself, chown and the ...Abs commands.
. "$top_srcdir/tests/harness.sh"
. "$top_srcdir/tests/integration/cli-common.sh"
u1() { as_user cgmtest1 "$CGM" "$@"; }

check "root: create u1" "$CGM" create all u1
check "root: delegate u1 to cgmtest1" "$CGM" chown all u1 cgmtest1 cgmtest1

check "user: ping" u1 ping
check "user: create a child of the delegated cgroup" u1 create all u1/work
check_eq "the child is the user's on the host" "$(stat -c %U "$P/u1/work")" cgmtest1
check_eq "... and so is its pids.max" "$(stat -c %U "$P/u1/work/pids.max")" cgmtest1
check "user: limit the child" u1 setvalue "$H" u1/work pids.max 5
check_eq "pids.max on the host" "$(cat "$P/u1/work/pids.max")" 5
check_eq "user: raise the limit of the delegated cgroup itself: exit 3" \
	"$(status_of u1 setvalue "$H" u1 pids.max max)" 3

# Not through as_user: a backgrounded shell function would leave $! a root subshell.
setpriv --reuid=cgmtest1 --regid="$(id -g cgmtest1)" --init-groups -- sleep 1000 &
mine=$!
register_pid $mine
sleep 1000 &
roots=$!
register_pid $roots
for _ in $(seq 1 50); do [ "$(stat -c %u /proc/$mine 2>/dev/null)" = "$(id -u cgmtest1)" ] && break; sleep 0.1; done

check "user: move the user's own job in" u1 movepid all u1/work $mine
check "the job is there on the host" grep -qx $mine "$P/u1/work/cgroup.procs"
check_eq "user: gettasks" "$(u1 gettasks "$H" u1/work)" "$mine"
check_eq "user: gettasks --json" "$(u1 --json gettasks "$H" u1/work | jq -c .pids)" "[$mine]"
check_eq "user: tree --json of the delegated subtree" \
	"$(u1 --json tree "$H" u1 | jq -c '[.tree.uid, [.tree.children[] | .name, .tasks]]')" \
	"[$(id -u cgmtest1),[\"work\",1]]"
check_eq "user: listchildren" "$(u1 listchildren "$H" u1)" work
check_eq "user: move root's process: exit 3" "$(status_of u1 movepid all u1/work $roots)" 3
check "... which stayed where it was" sh -c "! grep -qx $roots '$P/u1/work/cgroup.procs'"
check_eq "user: create outside the delegation: exit 3" "$(status_of u1 create all notmine)" 3
check "... and nothing was made" test ! -d "$P/notmine"
check_eq "user: chown: exit 3" "$(status_of u1 chown all u1/work cgmtest1 cgmtest1)" 3
check_eq "user: getpidcgroupabs: exit 3" "$(status_of u1 getpidcgroupabs "$H" $mine)" 3
check_eq "user: movepidabs: exit 3" "$(status_of u1 movepidabs all / $mine)" 3
check_eq "user: a missing cgroup: exit 4" "$(status_of u1 getvalue "$H" u1/nosuch pids.max)" 4
check_eq "another user in the delegation: exit 3" "$(status_of as_user cgmtest3 "$CGM" create all u1/intruder)" 3
check "... and nothing was made" test ! -d "$P/u1/intruder"
check_eq "permission errors say so in one line" \
	"$(u1 create all notmine 2>&1 | cut -d: -f1-3)" "cgm: create: permission denied"

check "user: kill the job's cgroup" u1 kill all u1/work KILL
check "the job died" wait_for sh -c "! kill -0 $mine 2>/dev/null"
kill -KILL $mine 2>/dev/null
wait $mine 2>/dev/null
check "user: remove the child" u1 remove all u1/work
check "it is gone on the host" test ! -d "$P/u1/work"
check_eq "user: no daemon: exit 5" "$(status_of u1 --socket "$T_DIR/none" ping)" 5
finish
