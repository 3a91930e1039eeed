#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The example of libcgm(3), exactly as the man page prints it, built the way
# a user would: against the installed header, library and libcgm.pc (here
# installed into a DESTDIR), then run against a real cgmd, where it must
# land in its own pids-limited cgroup that the daemon removes afterwards.
. "$top_srcdir/tests/harness.sh"
require_root
require_cmd pkg-config "${CGM_TEST_CC:-cc}"

dest=$T_DIR/dest
if ! make -s -C "$top_builddir" install-libLTLIBRARIES install-includeHEADERS install-pkgconfigDATA \
	DESTDIR="$dest" >"$T_DIR/install.log" 2>&1; then
	fail "make install DESTDIR"; cat "$T_DIR/install.log"; finish
fi
pc=$(find "$dest" -name libcgm.pc | head -n 1)
so=$(find "$dest" -name 'libcgm.so.0' | head -n 1)
check "libcgm.pc installed" test -n "$pc"
check "libcgm.so.0 installed" test -n "$so"
check "cgm.h installed" test -n "$(find "$dest" -name cgm.h)"

# The example is the man page's only .EX block; undo roff's escapes.
sed -n '/^\.EX/,/^\.EE/p' "$top_srcdir/doc/libcgm.3" | sed '1d;$d' |
	sed -e 's/\\-/-/g' -e 's/\\e/\\/g' >"$T_DIR/limit-run.c"
check "the example was extracted" grep -q 'int main' "$T_DIR/limit-run.c"
# As installed, but with its prefix moved into DESTDIR (libcgm.pc's dbus-1 still comes from the system).
prefix=$(sed -n 's/^prefix=//p' "$pc")
flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$dest$prefix" --cflags --libs libcgm)
check "pkg-config points into DESTDIR" sh -c "printf '%s' '$flags' | grep -q -- '-I$dest'"
# shellcheck disable=SC2086
check "the example builds warning-free as written" \
	${CGM_TEST_CC:-cc} ${CGM_TEST_CFLAGS:-} -Wall -Wextra -Werror -o "$T_DIR/limit-run" "$T_DIR/limit-run.c" $flags
check "it links the installed soname" sh -c "readelf -d '$T_DIR/limit-run' | grep -q 'NEEDED.*libcgm.so.0'"

sandbox_enter || finish
start_cgmd || { fail "cgmd starts"; finish; }
H=pids
[ -n "$(host_hierarchy_dir pids)" ] || H=unified
[ -x "$T_DIR/limit-run" ] || finish
LD_LIBRARY_PATH=$(dirname "$so") "$T_DIR/limit-run" "$H" sleep 30 &
run=$!
register_pid $run
# The command is the runner's child; it runs once it is in its cgroup.
cmd=
for _ in $(seq 1 50); do
	cmd=$(ps -o pid= --ppid $run | tr -d ' ')
	[ -n "$cmd" ] && [ "$(ps -o comm= -p "$cmd")" = sleep ] && break
	sleep 0.1
done
register_pid "$cmd"
cg=$(pid_cgroup "$cmd" "$H")
check_eq "the command runs in a new child cgroup" "${cg##*/}" "run-$run"
dir=$(host_cgroup_dir "$H" "$cg")
check_eq "... beneath the caller's cgroup" "$(dirname "$dir")" "$(sandbox_dir "$H")"
check_eq "... limited to 10 tasks" "$(cat "$dir/pids.max" 2>/dev/null)" 10
check "the runner itself stayed outside" test "$(pid_cgroup $run "$H")" != "$cg"
kill "$cmd"
wait $run
check_eq "the runner exits with the command's status (killed by TERM)" "$?" 143
removed=no
for _ in $(seq 1 50); do [ -d "$dir" ] || { removed=yes; break; }; sleep 0.1; done
check_eq "the daemon removes the cgroup once the command is gone" "$removed" yes
finish
