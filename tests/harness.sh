# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared functions for the integration tests; source it first thing:
#   . "$top_srcdir/tests/harness.sh"
#
# A test gets a private directory ($T_DIR, for the socket and logs), a
# sandbox cgroup named cgmtest-<test>-<pid> below its own cgroup in every
# hierarchy, and a trap that, even when the test fails, stops the daemon
# and every process it registered (by pid), removes what it created below
# its sandbox and the sandbox itself, and deletes the users it created.
# It never touches a cgroup it did not create and only ever moves itself
# into its own sandbox and back.
#
# Results: `check` / `check_fails` / `check_error` count passes and
# failures; `finish` prints "N passed, N failed" and sets the exit status
# (0 pass, 1 fail, 77 skip through `skip`).

set -u
: "${top_builddir:=$(pwd)}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
export LC_ALL=C

CGMD=$top_builddir/helper/cgmd
CGM=$top_builddir/cli/cgm
T_NAME=$(basename "$0" .sh)
T_TAG=cgmtest-$T_NAME-$$
T_PASS=0
T_FAIL=0
T_PIDS=""
T_USERS_CREATED=""
T_SANDBOXES=""	# host directories of the sandbox, one per hierarchy
T_ORIGINS=""	# "procs-file" lines to move back to at the end
CGMD_PID=""
T_DIR=$(mktemp -d /tmp/cgmtest.XXXXXX)
chmod 755 "$T_DIR"
SOCK=$T_DIR/sock
export CGM_SOCKET=$SOCK

say() { printf '%s\n' "$*"; }
skip() { say "SKIP: $*"; exit 77; }
require_root() { [ "$(id -u)" = 0 ] || skip "$T_NAME needs root"; }
require_cmd() { for c; do command -v "$c" >/dev/null 2>&1 || skip "needs $c"; done; }

pass() { T_PASS=$((T_PASS + 1)); say "ok - $*"; }
fail() { T_FAIL=$((T_FAIL + 1)); say "FAIL - $*"; }

# check DESC CMD...: CMD must succeed.
check() {
	desc=$1; shift
	if out=$("$@" 2>&1); then pass "$desc"; else fail "$desc"; say "  command: $*"; say "  output: $out"; fi
}

# check_fails DESC CMD...: CMD must fail.
check_fails() {
	desc=$1; shift
	if out=$("$@" 2>&1); then fail "$desc (succeeded)"; say "  command: $*"; say "  output: $out"; else pass "$desc"; fi
}

# check_error ERROR DESC CMD...: CMD must fail and name ERROR (e.g.
# org.cgm.Error.InvalidPath) in its output.
check_error() {
	want=$1 desc=$2; shift 2
	if out=$("$@" 2>&1); then
		fail "$desc (succeeded, wanted $want)"; say "  command: $*"; say "  output: $out"
	elif printf '%s' "$out" | grep -q -F -- "$want"; then
		pass "$desc"
	else
		fail "$desc (wanted $want)"; say "  command: $*"; say "  output: $out"
	fi
}

# check_eq DESC GOT WANT
check_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1"; say "  got:  '$2'"; say "  want: '$3'"; fi
}

finish() {
	say "$T_NAME: $T_PASS passed, $T_FAIL failed"
	[ "$T_FAIL" -eq 0 ] && [ "$T_PASS" -gt 0 ]
	exit $?
}

# --- hierarchies as the host sees them (an independent view) ---------------

# Prints "name mountpoint" for every cgroup hierarchy mounted on the host,
# named as DESIGN.md §1 names them.
host_hierarchies() {
	known=$(awk 'NR > 1 {print $1}' /proc/cgroups | tr '\n' ' ')
	awk -v known="$known" '
	{
		for (i = 7; $i != "-"; i++) ;
		fstype = $(i + 1); opts = $(i + 3); mnt = $5
		if (fstype == "cgroup2") { if (!seen["unified"]++) print "unified", mnt; next }
		if (fstype != "cgroup") next
		n = split(opts, o, ","); name = ""
		split(known, k, " "); delete isctl; for (j in k) isctl[k[j]] = 1
		for (j = 1; j <= n; j++)
			if (o[j] in isctl || o[j] ~ /^name=/) name = name (name == "" ? "" : ",") o[j]
		if (name != "" && !seen[name]++) print name, mnt
	}' /proc/self/mountinfo
}

# host_hierarchy_dir NAME: the host mountpoint of hierarchy NAME.
host_hierarchy_dir() { host_hierarchies | awk -v n="$1" '$1 == n {print $2; exit}'; }

# pid_cgroup PID NAME: the cgroup of PID in hierarchy NAME ("/..." path).
pid_cgroup() {
	awk -F: -v n="$2" '
		n == "unified" && $1 == "0" { print $3; exit }
		n != "unified" && $1 != "0" {
			split($2, a, ","); split(n, b, ",")
			if (length(a) == length(b)) { m = 1; for (i in b) { f = 0; for (j in a) if (a[j] == b[i]) f = 1; m = m && f } if (m) { print $3; exit } }
		}' "/proc/$1/cgroup"
}

# host_cgroup_dir NAME CGPATH: host directory of cgroup CGPATH (absolute) in NAME.
host_cgroup_dir() {
	mnt=$(host_hierarchy_dir "$1")
	case $2 in /) printf '%s\n' "$mnt" ;; *) printf '%s%s\n' "$mnt" "$2" ;; esac
}

# The sandbox's host directory in hierarchy NAME.
sandbox_dir() { host_cgroup_dir "$1" "$(pid_cgroup $$ "$1")"; }

# sandbox_enter: make cgmtest-<test>-<pid> below this shell's cgroup in every
# hierarchy and move this shell into it, so everything the test does through
# cgmd (paths resolve beneath the caller's cgroup) lands inside it.
sandbox_enter() {
	for name in $(host_hierarchies | awk '{print $1}'); do
		mnt=$(host_hierarchy_dir "$name")
		own=$(pid_cgroup $$ "$name")
		[ -n "$own" ] || continue
		parent=$(host_cgroup_dir "$name" "$own")
		dir=$parent/$T_TAG
		mkdir "$dir" || { fail "sandbox: mkdir $dir"; return 1; }
		T_SANDBOXES="$T_SANDBOXES $dir"
		if [ -f "$dir/cpuset.cpus" ] && [ -z "$(cat "$dir/cpuset.cpus")" ]; then
			cat "$parent/cpuset.cpus" >"$dir/cpuset.cpus"
			cat "$parent/cpuset.mems" >"$dir/cpuset.mems"
		fi
		T_ORIGINS="$T_ORIGINS $parent/cgroup.procs"
		echo $$ >"$dir/cgroup.procs" || { fail "sandbox: enter $dir"; return 1; }
	done
}

# Removes a sandbox tree bottom-up; processes still inside are ours (only
# this test's processes were ever put there) and are killed by pid first.
remove_tree() {
	[ -d "$1" ] || return 0
	find "$1" -depth -type d | while read -r d; do
		for p in $(cat "$d/cgroup.procs" 2>/dev/null); do
			[ "$p" = $$ ] || kill -KILL "$p" 2>/dev/null
		done
		for _ in 1 2 3 4 5 6 7 8 9 10; do rmdir "$d" 2>/dev/null && break; [ -d "$d" ] || break; sleep 0.1; done
	done
}

# --- processes ---------------------------------------------------------------

# register_pid PID: kill PID at the end of the test.
register_pid() { T_PIDS="$T_PIDS $1"; }

# `make check-valgrind` (tests/reliability.mk) sets CGM_VALGRIND: start_cgmd
# then runs the daemon under valgrind memcheck, and a daemon that reports a
# memory error or a definite leak when it stops fails the test
# (valgrind_verdict; a daemon killed with SIGKILL reports nothing).
# The clients stay outside valgrind: the tests' own use pidfd_open, which
# valgrind 3.19 (Debian 12) does not know.
T_VALGRIND=
T_VALGRIND_FAILED=0
T_CGMD_WAITS=100 # tries 0.05 s apart for cgmd to come up or to stop
if [ -n "${CGM_VALGRIND:-}" ]; then
	T_CGMD_WAITS=600
	T_VALGRIND="valgrind --tool=memcheck --leak-check=full --errors-for-leak-kinds=definite \
		--show-leak-kinds=definite --num-callers=30 --log-file=$T_DIR/valgrind.%p.log"
fi

# start_cgmd [ARGS...]: start a daemon on $SOCK and wait until it answers Ping.
start_cgmd() {
	# shellcheck disable=SC2086
	$T_VALGRIND "$CGMD" --foreground --socket "$SOCK" --pidfile "$T_DIR/cgmd.pid" \
		--mount-root "$T_DIR/mnt" "$@" >>"$T_DIR/cgmd.log" 2>&1 &
	CGMD_PID=$!
	register_pid "$CGMD_PID"
	for _ in $(seq 1 "$T_CGMD_WAITS"); do
		ping_cgmd >/dev/null 2>&1 && return 0
		kill -0 "$CGMD_PID" 2>/dev/null || break
		sleep 0.05
	done
	say "cgmd did not come up; its log:"; cat "$T_DIR/cgmd.log"
	return 1
}

stop_cgmd() {
	[ -n "$CGMD_PID" ] || return 0
	kill -TERM "$CGMD_PID" 2>/dev/null
	# Under valgrind the leak check at exit takes a while (T_CGMD_WAITS).
	for _ in $(seq 1 "$T_CGMD_WAITS"); do
		kill -0 "$CGMD_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill -KILL "$CGMD_PID" 2>/dev/null
	wait "$CGMD_PID" 2>/dev/null
	CGMD_PID=""
	valgrind_verdict
}

# Reads what valgrind said about the daemons that have stopped.
valgrind_verdict() {
	[ -n "$T_VALGRIND" ] || return 0
	for log in "$T_DIR"/valgrind.*.log; do
		[ -f "$log" ] || continue
		pid=${log##*valgrind.}; pid=${pid%.log}
		kill -0 "$pid" 2>/dev/null && continue
		if grep -q 'ERROR SUMMARY: 0 errors' "$log"; then
			pass "valgrind: cgmd $pid: 0 errors, $(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$log" | tr -d , | grep . || echo 0) bytes definitely lost"
		elif grep -q 'ERROR SUMMARY' "$log"; then
			fail "valgrind: cgmd $pid: memory errors or definite leaks"; cat "$log"
			T_VALGRIND_FAILED=1
		fi
		rm -f "$log"
	done
}

# dbus METHOD ARGS...: call org.linuxcontainers.cgmanager0_0.METHOD with dbus-send.
# dbus1 METHOD ARGS...: the same on org.cgm.Manager1.
dbus() {
	dbus-send --peer="unix:path=$SOCK" --print-reply --reply-timeout=5000 \
		/org/linuxcontainers/cgmanager "org.linuxcontainers.cgmanager0_0.$@"
}
dbus1() {
	dbus-send --peer="unix:path=$SOCK" --print-reply --reply-timeout=5000 \
		/org/linuxcontainers/cgmanager "org.cgm.Manager1.$@"
}
ping_cgmd() { dbus Ping int32:0; }

# run_host CMD...: run a program that is not ours (pamtester, sshd, su) but
# loads our possibly sanitizer-instrumented PAM module or library: in an
# ASan build the runtime must be preloaded into such programs.
T_ASAN_LIB=$(ldd "$top_builddir/lib/.libs/libcgm.so" 2>/dev/null | awk '/libasan/ {print $3; exit}')
run_host() {
	if [ -n "$T_ASAN_LIB" ]; then
		env LD_PRELOAD="$T_ASAN_LIB" ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0 "$@"
	else
		"$@"
	fi
}

# --- users ---------------------------------------------------------------------

# ensure_user NAME: create test user NAME (must start with cgmtest) unless it
# exists; users this test created are deleted at the end.
ensure_user() {
	case $1 in cgmtest*) ;; *) say "refusing to create non-test user $1"; return 1 ;; esac
	id -u "$1" >/dev/null 2>&1 && return 0
	useradd --create-home --shell /bin/sh "$1" || return 1
	T_USERS_CREATED="$T_USERS_CREATED $1"
}

# as_user NAME CMD...: run CMD as NAME (its groups too), without PAM.
as_user() {
	u=$1; shift
	setpriv --reuid="$u" --regid="$(id -g "$u")" --init-groups -- "$@"
}

# --- the end ---------------------------------------------------------------------

t_cleanup() {
	status=$?
	stop_cgmd
	[ "$T_VALGRIND_FAILED" = 0 ] || [ "$status" = 77 ] || status=1
	for p in $T_PIDS; do kill -KILL "$p" 2>/dev/null; done
	for p in $T_PIDS; do wait "$p" 2>/dev/null; done
	for f in $T_ORIGINS; do echo $$ >"$f" 2>/dev/null; done
	for d in $T_SANDBOXES; do remove_tree "$d"; done
	for u in $T_USERS_CREATED; do userdel --remove "$u" 2>/dev/null; done
	if [ "$status" -ne 0 ] && [ "$status" -ne 77 ] && [ -s "$T_DIR/cgmd.log" ]; then
		say "--- cgmd log ---"; cat "$T_DIR/cgmd.log"
	fi
	rm -rf "$T_DIR"
	exit "$status"
}
trap t_cleanup EXIT
trap 'exit 130' INT TERM
