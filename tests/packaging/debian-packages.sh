#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Debian packages end to end (`make check-packaging`, not `make
# check`: it installs into the real system).  Builds them with
# dpkg-buildpackage from a copy of the source, runs lintian, checks the
# `make install DESTDIR=` layout, installs them with dpkg -i, starts the
# installed cgmd from its sysvinit script (start/status/reload/stop),
# builds a client against libcgm-dev, logs cgmtest1 in through pamtester
# and the installed pam_cgm.so and checks the session's cgroup, runs the
# systemd unit's command lines, the runit run script under runsv and the
# OpenRC script under openrc-run, enables the pam-auth-update profile on a
# private copy of /etc/pam.d, reinstalls, then purges the packages and
# checks that nothing is left: files, links, socket, pidfile, daemon.
#
# The installed daemon serves on the real /run/cgm/sock, so the test skips
# when anything is there already or the packages are installed; it only
# ever stops a daemon whose pid it read and whose executable is the
# installed /usr/sbin/cgmd.  Sessions land below the test's sandbox
# cgroup (a relative base=).  /etc/pam.d is only replaced inside private
# mount namespaces.
. "$top_srcdir/tests/harness.sh"
require_root
require_cmd dpkg-buildpackage dpkg-deb lintian pamtester unshare start-stop-daemon
# Its PAM_BASE (relative: beneath the sandbox), PAM_DIR, HOLD_DIR and waits.
. "$top_srcdir/tests/integration/pam-common.sh"

PKGS="cgm libcgm0 libcgm-dev libpam-cgm"
DAEMON=/usr/sbin/cgmd
RUN_DIR=/run/cgm
PIDFILE=$RUN_DIR/cgmd.pid
DEFAULT_SOCK=$RUN_DIR/sock
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
# Installed programs use the real default socket, not the harness's.
unset CGM_SOCKET
# The sysvinit script itself, even on a host booted with systemd.
export _SYSTEMCTL_SKIP_REDIRECT=1

[ -d "$top_srcdir/debian" ] || skip "no debian/ in $top_srcdir (a release tarball has none)"
git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1 || skip "needs the git checkout (copies its files)"
for p in $PKGS; do
	st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)
	[ -z "$st" ] || [ "$st" = not-installed ] || skip "package $p is $st here; this test would replace it"
done
[ -e "$DEFAULT_SOCK" ] || [ -e "$PIDFILE" ] || [ -e /etc/init.d/cgm ] &&
	skip "$RUN_DIR or /etc/init.d/cgm exists: a cgm is installed or running here"

# installed_pids: pids of processes running the installed cgmd.
installed_pids() {
	for e in /proc/[0-9]*/exe; do
		[ "$(readlink "$e" 2>/dev/null)" = "$DAEMON" ] && { p=${e#/proc/}; echo "${p%/exe}"; }
	done
}
[ -z "$(installed_pids)" ] || skip "$DAEMON is running"

# dpkg waits for no one: retry while another helper's apt holds the lock.
dpkg_locked() {
	for _ in $(seq 1 60); do
		out=$(dpkg "$@" 2>&1) && { printf '%s\n' "$out"; return 0; }
		printf '%s\n' "$out" | grep -q 'lock' || { printf '%s\n' "$out"; return 1; }
		sleep 2
	done
	printf '%s\n' "$out"
	return 1
}

INSTALLED=no
pkg_cleanup() {
	for p in $(installed_pids); do
		case " $T_PIDS " in *" $p "*) kill -TERM "$p" 2>/dev/null && wait_stopped "$p" ;; esac
	done
	if [ "$INSTALLED" = yes ]; then
		# shellcheck disable=SC2086
		dpkg_locked --purge $PKGS >/dev/null 2>&1 || say "cleanup: dpkg --purge failed"
	fi
}
trap 'st=$?; pkg_cleanup; (exit $st); t_cleanup' EXIT

# daemon_pid: the pid in the pidfile, if it runs the installed cgmd.
daemon_pid() {
	p=$(cat "$PIDFILE" 2>/dev/null) || return 1
	[ "$(readlink "/proc/$p/exe" 2>/dev/null)" = "$DAEMON" ] && echo "$p"
}

# wait_serving: up to 5 s for the installed daemon to answer Ping on the
# default socket; sets $pid.
wait_serving() {
	for _ in $(seq 1 100); do
		pid=$(daemon_pid) && /usr/bin/cgm ping >/dev/null 2>&1 && { register_pid "$pid"; return 0; }
		sleep 0.05
	done
	pid=
	return 1
}

# wait_stopped PID: up to 10 s for PID to exit.
wait_stopped() {
	for _ in $(seq 1 200); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.05; done
	return 1
}

# check_stopped WHAT PID: the daemon is gone with its pidfile and socket.
check_stopped() {
	check "$1: daemon $2 exited" wait_stopped "$2"
	check_fails "$1: pidfile removed" test -e "$PIDFILE"
	check_fails "$1: socket removed" test -e "$DEFAULT_SOCK"
}

# reloads: how often the running daemon re-read cgm.conf (cgm status).
reloads() { /usr/bin/cgm status | sed -n 's/^reloads: //p'; }
# wait_reloads N: up to 5 s for the count to reach N (SIGHUP is asynchronous).
wait_reloads() {
	for _ in $(seq 1 100); do [ "$(reloads)" = "$1" ] && return 0; sleep 0.05; done
	return 1
}

# --- build -------------------------------------------------------------------
SRC=$T_DIR/src
mkdir -p "$SRC"
git -C "$top_srcdir" ls-files -co --exclude-standard -z |
	(cd "$top_srcdir" && tar --null -T - -cf -) | tar -C "$SRC" -xf -
version=$(cd "$SRC" && dpkg-parsechangelog -S Version)
check_eq "debian/changelog has the version configure has" "$version" \
	"$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"/\1/p' "$top_builddir/config.h")"
arch=$(dpkg-architecture -qDEB_HOST_ARCH)
if ! (cd "$SRC" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b >"$T_DIR/build.log" 2>&1); then
	fail "dpkg-buildpackage -us -uc -b"; tail -40 "$T_DIR/build.log"; finish
fi
pass "dpkg-buildpackage -us -uc -b"
DEBS=
for p in $PKGS; do
	deb=$T_DIR/${p}_${version}_$arch.deb
	check "built $p" test -f "$deb"
	DEBS="$DEBS $deb"
done

lintian --tag-display-limit 0 "$T_DIR/cgm_${version}_$arch.changes" >"$T_DIR/lintian.log" 2>&1
check_eq "lintian: no errors" "$(grep '^E: ' "$T_DIR/lintian.log")" ""
grep '^W: ' "$T_DIR/lintian.log" | sed 's/^/  lintian /'

# contents PKG: its files, directories left out.
contents() { dpkg-deb -c "$T_DIR/${1}_${version}_$arch.deb" | awk '$1 !~ /^d/ {print $6}' | sed 's|^\.||' | sort; }
# check_has PKG PATH...: the package ships every PATH.
check_has() {
	pkg=$1; shift
	list=$(contents "$pkg")
	for f; do check "$pkg ships $f" sh -c 'printf "%s\n" "$1" | grep -qxF -- "$2"' sh "$list" "$f"; done
}
check_has cgm /usr/sbin/cgmd /usr/bin/cgm /usr/share/man/man8/cgmd.8.gz /usr/share/man/man1/cgm.1.gz \
	/usr/share/dbus-1/interfaces/org.linuxcontainers.cgmanager0_0.xml /usr/share/dbus-1/interfaces/org.cgm.Manager1.xml \
	/usr/share/dbus-1/system.d/org.cgm.Manager1.conf \
	/etc/init.d/cgm /etc/default/cgm /lib/systemd/system/cgm.service /etc/sv/cgm/run \
	/usr/share/doc/cgm/examples/openrc/cgm /etc/security/cgm.conf /usr/share/man/man5/cgm.conf.5.gz
check_has libcgm0 "/usr/lib/$MA/libcgm.so.0"
check_has libcgm-dev /usr/include/cgm.h "/usr/lib/$MA/libcgm.so" "/usr/lib/$MA/pkgconfig/libcgm.pc" \
	/usr/share/man/man3/libcgm.3.gz
check_has libpam-cgm "/lib/$MA/security/pam_cgm.so" /usr/share/man/man8/pam_cgm.8.gz /usr/share/pam-configs/cgm
check "the systemd unit delegates" grep -qx 'Delegate=yes' "$SRC/debian/cgm/lib/systemd/system/cgm.service"
check "the systemd unit runs the installed cgmd on its delegated subtree" \
	grep -qx 'ExecStart=/usr/sbin/cgmd --root auto' "$SRC/debian/cgm/lib/systemd/system/cgm.service"

# --- make install DESTDIR= layout ----------------------------------------------
# make_vars BUILDDIR VAR...: the values of the Makefile variables, expanded.
make_vars() {
	b=$1; shift
	printf 'show:\n\t@echo' >"$T_DIR/show.mk"
	for v; do printf ' $(%s)' "$v" >>"$T_DIR/show.mk"; done
	printf '\n' >>"$T_DIR/show.mk"
	make -s -C "$b" -f Makefile -f "$T_DIR/show.mk" show
}
# layout DIR BUILDDIR PREFIX LIBDIR PAMMODDIR UNITDIR: the files `make
# install` put below DIR are exactly the ones a distribution expects there
# (and a system bus policy in dbus-1/system.d where BUILDDIR installs one).
layout() {
	d=$1 b=$2 prefix=$3 libdir=$4 pammoddir=$5 unitdir=$6
	got=$(cd "$d" && find . ! -type d | sed 's|^\.||' | sort)
	bus=$(for f in $(make_vars "$b" dist_dbussystem_DATA); do echo "$prefix/share/dbus-1/system.d/${f##*/}"; done)
	want=$(printf '%s\n' "$prefix/sbin/cgmd" "$prefix/bin/cgm" "$libdir/libcgm.so" "$libdir/libcgm.so.0" \
		"$libdir/libcgm.so.0.0.0" "$libdir/libcgm.la" "$libdir/pkgconfig/libcgm.pc" "$prefix/include/cgm.h" \
		"$pammoddir/pam_cgm.so" "$pammoddir/pam_cgm.la" \
		"$prefix/share/dbus-1/interfaces/org.cgm.Manager1.xml" \
		"$prefix/share/dbus-1/interfaces/org.linuxcontainers.cgmanager0_0.xml" \
		"$prefix/share/man/man1/cgm.1" "$prefix/share/man/man3/libcgm.3" "$prefix/share/man/man5/cgm.conf.5" \
		"$prefix/share/man/man8/cgmd.8" "$prefix/share/man/man8/pam_cgm.8" "$unitdir/cgm.service" $bus | sort)
	check_eq "make install DESTDIR=$d: layout for prefix $prefix" "$got" "$want"
}
# The package's own install (dh_auto_install ran make install DESTDIR=debian/tmp),
# .la files removed by debian/rules afterwards.
check_eq "debian/rules removed the .la files" "$(find "$SRC/debian/tmp" -name '*.la')" ""
make -C "$SRC" install DESTDIR="$T_DIR/destdir-deb" >"$T_DIR/install-deb.log" 2>&1
layout "$T_DIR/destdir-deb" "$SRC" /usr "/usr/lib/$MA" "/lib/$MA/security" /lib/systemd/system
# And this build tree with its own configure defaults.
dirs=$(make_vars "$top_builddir" prefix libdir pammoddir systemdsystemunitdir)
if make -C "$top_builddir" install DESTDIR="$T_DIR/destdir" >"$T_DIR/install.log" 2>&1; then
	# shellcheck disable=SC2086
	layout "$T_DIR/destdir" "$top_builddir" $dirs
else
	fail "make install DESTDIR=$T_DIR/destdir"; tail -20 "$T_DIR/install.log"
fi

# --- install --------------------------------------------------------------------
session_before=$(md5sum /etc/pam.d/common-session /etc/pam.d/common-session-noninteractive)
INSTALLED=yes
# shellcheck disable=SC2086
if out=$(dpkg_locked -i $DEBS); then pass "dpkg -i"; else fail "dpkg -i"; say "$out"; finish; fi
for p in $PKGS; do
	check_eq "$p installed" "$(dpkg-query -W -f='${Status}' "$p")" "install ok installed"
done
# The postinst starts the daemon where the init system and policy-rc.d
# let it (this machine's policy-rc.d does not); stop that one by its pid.
if pid=$(daemon_pid); then
	say "note: the package started cgmd ($pid) at installation; stopping it"
	register_pid "$pid"
	invoke-rc.d cgm stop >/dev/null 2>&1
	check "daemon started at installation stops" wait_stopped "$pid"
fi
check "enabled at boot: sysvinit rc2.d link" sh -c 'ls /etc/rc2.d/S*cgm'
check "enabled at boot: systemd multi-user.target.wants" test -L /etc/systemd/system/multi-user.target.wants/cgm.service
check "enabled at boot: runit runsvdir link" test -L /etc/runit/runsvdir/default/cgm
if command -v systemd-analyze >/dev/null; then
	check "systemd-analyze verify cgm.service" systemd-analyze verify --man=no /lib/systemd/system/cgm.service
fi
check "pam-auth-update profile is inactive by default" grep -qx 'Default: no' /usr/share/pam-configs/cgm
check_eq "installing did not change common-session*" \
	"$(md5sum /etc/pam.d/common-session /etc/pam.d/common-session-noninteractive)" "$session_before"
check_fails "no pam_cgm in common-session" grep -q pam_cgm /etc/pam.d/common-session
check "pam-auth-update knows the profile" grep -qw cgm /var/lib/pam/seen

# Enabling the profile, on private copies of /etc/pam.d and /var/lib/pam.
cp -a /etc/pam.d "$T_DIR/pamd-copy"
cp -a /var/lib/pam "$T_DIR/varlibpam-copy"
unshare -m --propagation private sh -c '
	mount --bind "$1/pamd-copy" /etc/pam.d && mount --bind "$1/varlibpam-copy" /var/lib/pam &&
	DEBIAN_FRONTEND=noninteractive pam-auth-update --enable cgm' sh "$T_DIR" >"$T_DIR/pam-auth-update.log" 2>&1
check "pam-auth-update --enable cgm: common-session has pam_cgm" \
	grep -Eq '^session[[:space:]]+optional[[:space:]]+pam_cgm\.so' "$T_DIR/pamd-copy/common-session"
check_fails "pam-auth-update --enable cgm: not for non-interactive sessions" \
	grep -q pam_cgm "$T_DIR/pamd-copy/common-session-noninteractive"
check_eq "the host's common-session* were not touched" \
	"$(md5sum /etc/pam.d/common-session /etc/pam.d/common-session-noninteractive)" "$session_before"

sandbox_enter || finish

# --- sysvinit ---------------------------------------------------------------------
check "/etc/init.d/cgm start" /etc/init.d/cgm start
if wait_serving; then pass "sysvinit: cgmd $pid serves on $DEFAULT_SOCK"; else fail "sysvinit: cgmd serves on $DEFAULT_SOCK"; finish; fi
sysv_pid=$pid
check_eq "sysvinit: socket mode 0666" "$(stat -c %a "$DEFAULT_SOCK")" 666
check "sysvinit: /etc/init.d/cgm status while running" /etc/init.d/cgm status
check "sysvinit: start again is a no-op" /etc/init.d/cgm start
check_eq "sysvinit: still the same daemon" "$(daemon_pid)" "$sysv_pid"
check "the installed cgm lists the hierarchies" sh -c '/usr/bin/cgm listcontrollers | grep -q .'
check_eq "the installed cgmd read the installed cgm.conf" \
	"$(/usr/bin/cgm status | sed -n 's/^limits: //p')" "0 rules from /etc/security/cgm.conf"
# libcgm-dev: a program built against the installed header, .so and
# libcgm.pc talks to the installed daemon.
cat >"$T_DIR/dev-ping.c" <<'C'
#include <cgm.h>
#include <stdio.h>

int main(void)
{
	struct cgm *c = cgm_connect(NULL, NULL);
	int version;

	if (!c || cgm_ping(c) < 0 || cgm_api_version(c, &version) < 0) {
		fprintf(stderr, "%s\n", cgm_errmsg(c));
		return 1;
	}
	printf("api_version %d\n", version);
	cgm_disconnect(c);
	return 0;
}
C
# shellcheck disable=SC2046
check "libcgm-dev: cc \$(pkg-config --cflags --libs libcgm) builds a client" \
	cc -Wall -Werror -o "$T_DIR/dev-ping" "$T_DIR/dev-ping.c" $(pkg-config --cflags --libs libcgm)
check_eq "libcgm-dev: it links the installed libcgm.so.0" \
	"$(readlink -f "$(ldd "$T_DIR/dev-ping" | awk '/libcgm/ {print $3}')")" "$(readlink -f "/usr/lib/$MA/libcgm.so.0")"
check "libcgm-dev: the client pings the installed daemon" sh -c '"$1" | grep -q "^api_version [0-9]"' sh "$T_DIR/dev-ping"
r0=$(reloads)
check "sysvinit: /etc/init.d/cgm reload" /etc/init.d/cgm reload
check "sysvinit: reload made cgmd re-read cgm.conf" wait_reloads "$((r0 + 1))"

# --- a login through the installed pam_cgm.so ----------------------------------------
# pamtester reads /etc/pam.d/<service>: a private /etc/pam.d holds ours.
# pam_exec runs in the session: it records its cgroup and waits.
cat >"$T_DIR/in-session.sh" <<'SCRIPT'
[ "$PAM_TYPE" = open_session ] || exit 0
d=$1
cat /proc/self/cgroup >"$d/cg"; printf '%s\n' "${CGM_SESSION:-}" >"$d/env"; echo $PPID >"$d/leader"
for _ in $(seq 1 400); do [ -e "$d/release" ] && exit 0; sleep 0.05; done
SCRIPT
printf '%s\n' "session required pam_cgm.so base=$PAM_BASE" \
	"session required pam_exec.so /bin/sh $T_DIR/in-session.sh $HOLD_DIR" >"$PAM_DIR/cgmtest-pkg"
ensure_user cgmtest1 || finish
unshare -m --propagation private sh -c 'mount --bind "$1" /etc/pam.d && exec pamtester -v cgmtest-pkg cgmtest1 open_session close_session' \
	sh "$PAM_DIR" >"$T_DIR/pamtester.log" 2>&1 &
pamtester_pid=$!
register_pid "$pamtester_pid"
if wait_file "$HOLD_DIR/leader"; then
	leader=$(cat "$HOLD_DIR/leader")
	n= sess_dir=
	for name in $(host_hierarchies | awk '{print $1}'); do
		cg=$(pid_cgroup "$leader" "$name")
		want=$(pid_cgroup $$ "$name")/$PAM_BASE/cgmtest1
		check_eq "pam: $name: pamtester in $want/<n>" "${cg%/*}" "$want"
		[ -n "$n" ] || { n=${cg##*/}; sess_dir=$(host_cgroup_dir "$name" "$cg"); }
		check_eq "pam: $name: the same session number" "${cg##*/}" "$n"
		ucg=$(host_cgroup_dir "$name" "$want")
		check_eq "pam: $name: the user cgroup is cgmtest1's" "$(stat -c %U "$ucg")" cgmtest1
	done
	check "pam: the session's processes see it too" grep -q "/$PAM_BASE/cgmtest1/$n\$" "$HOLD_DIR/cg"
	check "pam: CGM_SESSION names it ($(cat "$HOLD_DIR/env"))" grep -q "/cgmtest1/$n\$" "$HOLD_DIR/env"
	touch "$HOLD_DIR/release"
	wait "$pamtester_pid"
	check_eq "pam: pamtester open_session close_session succeeded" "$?" 0
	check "pam: the session cgroup is removed when it empties" wait_gone "$sess_dir"
else
	fail "pam: session opened"; cat "$T_DIR/pamtester.log"
fi

check "sysvinit: /etc/init.d/cgm stop" /etc/init.d/cgm stop
check_stopped sysvinit "$sysv_pid"
check_fails "sysvinit: status after stop" /etc/init.d/cgm status
check "sysvinit: stop again is a no-op" /etc/init.d/cgm stop

# --- systemd's command lines ---------------------------------------------------------
# systemd does not run this machine's services: the installed unit's
# commands, run as systemd runs them for Type=forking (ExecStart returns
# once the daemon serves, PIDFile names it, ExecReload with $MAINPID,
# SIGTERM to the main process only for KillMode=process).
UNIT=/lib/systemd/system/cgm.service
unit_get() { sed -n "s/^$1=//p" "$UNIT"; }
check_eq "systemd: PIDFile is cgmd's" "$(unit_get PIDFile)" "$PIDFILE"
exec_start=$(unit_get ExecStart)
check "systemd: ExecStart returns once cgmd serves ($exec_start)" sh -c "$exec_start"
if wait_serving; then
	# --root auto: the cgroup it started in (the sandbox) is its root.
	want=$(for name in $(host_hierarchies | awk '{print $1}'); do echo "$name $(pid_cgroup $$ "$name")"; done | sort)
	check_eq "systemd: --root auto: cgmd's root is the cgroup it started in, everywhere" \
		"$(/usr/bin/cgm status | sed -n 's/^hierarchy: //p' | sort)" "$want"
	r0=$(reloads)
	reload=$(unit_get ExecReload | sed "s/\$MAINPID/$pid/")
	check "systemd: ExecReload ($reload)" sh -c "$reload"
	check "systemd: cgmd re-read cgm.conf" wait_reloads "$((r0 + 1))"
	kill -TERM "$pid"
	check_stopped systemd "$pid"
else
	fail "systemd: cgmd serves"
fi

# --- runit -------------------------------------------------------------------------
# The `runit` package is not installed: its maintainer scripts add users,
# enable a syslog service and hook every LSB init script (runit-init would
# replace init).  Its runsv and sv, unpacked into the test directory,
# supervise a copy of the installed run script (runsv keeps its supervise/
# state next to it).
RUNSV=$(command -v runsv) SV=$(command -v sv)
if [ -z "$RUNSV" ]; then
	mkdir -p "$T_DIR/runit"
	if (cd "$T_DIR/runit" && apt-get -q -o APT::Sandbox::User=root download runit >/dev/null 2>&1) &&
		dpkg-deb -x "$T_DIR"/runit/runit_*.deb "$T_DIR/runit/root"; then
		RUNSV=$T_DIR/runit/root/usr/bin/runsv SV=$T_DIR/runit/root/usr/bin/sv
	fi
fi
if [ -n "$RUNSV" ] && [ -x "$RUNSV" ]; then
	svdir=$T_DIR/sv/cgm
	mkdir -p "$svdir"
	cp -p /etc/sv/cgm/run "$svdir/run"
	"$RUNSV" "$svdir" >"$T_DIR/runsv.log" 2>&1 &
	runsv_pid=$!
	register_pid "$runsv_pid"
	if wait_serving; then
		pass "runit: runsv started cgmd $pid"
		check_eq "runit: cgmd runs under runsv" "$(awk '{print $4}' "/proc/$pid/stat")" "$runsv_pid"
		first=$pid
		kill -KILL "$first"
		wait_stopped "$first"
		if wait_serving && [ "$pid" != "$first" ]; then
			pass "runit: runsv restarted the killed cgmd ($first -> $pid)"
		else
			fail "runit: runsv restarted the killed cgmd"
		fi
		r0=$(reloads)
		check "runit: sv hup" "$SV" hup "$svdir"
		check "runit: cgmd re-read cgm.conf" wait_reloads "$((r0 + 1))"
		check "runit: sv down" "$SV" down "$svdir"
		check_stopped runit "$pid"
		check "runit: sv status says down" sh -c '"$1" status "$2" | grep -q "^down:"' sh "$SV" "$svdir"
	else
		fail "runit: runsv started cgmd"; cat "$T_DIR/runsv.log"
	fi
	"$SV" exit "$svdir" >/dev/null 2>&1
	check "runit: runsv exits on sv exit" wait_stopped "$runsv_pid"
else
	say "note: no runsv (not installed, apt-get download runit failed): runit not run"
fi

# --- OpenRC ------------------------------------------------------------------------
# Debian's `openrc` is not installed: it would become the machine's rc
# system.  Its packages, unpacked into the test directory, run the
# installed script in a private mount namespace (tests/packaging/openrc-ns.sh
# says how the host stays untouched).  Without them (no apt), only the
# script's syntax and variables are checked.
OPENRC=/usr/share/doc/cgm/examples/openrc/cgm
check "openrc: sh -n $OPENRC" sh -n "$OPENRC"
check "openrc: runs under openrc-run" sh -c 'head -n 1 "$1" | grep -qx "#!/sbin/openrc-run"' sh "$OPENRC"
vars=$(sh -c '. "$1"; printf "%s\n%s\n" "$command" "$pidfile"' sh "$OPENRC")
check_eq "openrc: command and pidfile are the installed cgmd's" "$vars" "$(printf '%s\n%s' "$DAEMON" "$PIDFILE")"
ord=$T_DIR/openrc
mkdir -p "$ord/debs" "$ord/root" "$ord/etc/conf.d" "$ord/initd"
if (cd "$ord/debs" && apt-get -q -o APT::Sandbox::User=root download openrc librc1 libeinfo1 >/dev/null 2>&1); then
	for deb in "$ord"/debs/*.deb; do dpkg-deb -x "$deb" "$ord/root"; done
	{ cat "$ord/root/etc/rc.conf"; echo 'rc_sys="prefix"'; } >"$ord/etc/rc.conf"
	: >"$ord/etc/insserv.conf"	# LSB facility names: none needed
	install -m 755 "$OPENRC" "$ord/initd/cgm"
	install -m 644 /usr/share/doc/cgm/examples/openrc/cgm.confd "$ord/etc/conf.d/cgm"
	unshare -m --propagation private sh "$top_srcdir/tests/packaging/openrc-ns.sh" "$ord/root" "$ord"
	pid=$(cat "$ord/pid" 2>/dev/null) && register_pid "$pid"
	rc() { cat "$ord/$1.rc" 2>/dev/null || echo none; }
	check_eq "openrc: /etc/init.d/cgm start (openrc-run)" "$(rc start)" 0
	check_eq "openrc: cgmd answers" "$(rc ping)" 0
	check_eq "openrc: cgmd stayed in the test's cgroups" "$(cat "$ord/daemon.cg" 2>&1)" "$(cat /proc/self/cgroup)"
	check_eq "openrc: status while running" "$(rc status-running)" 0
	check_eq "openrc: reload" "$(rc reload)" 0
	check_eq "openrc: reload made cgmd re-read cgm.conf" "$(cat "$ord/reloads")" "$(($(cat "$ord/reloads-before") + 1))"
	check_eq "openrc: stop" "$(rc stop)" 0
	check_fails "openrc: status after stop" test "$(rc status-stopped)" = 0
	[ -n "$pid" ] && check "openrc: daemon $pid exited" wait_stopped "$pid"
	check_eq "openrc: the daemon removed its socket and pidfile" \
		"$(ls "$ord/run-upper/cgm/sock" "$ord/run-upper/cgm/cgmd.pid" 2>/dev/null)" ""
	check_fails "openrc: nothing of it reached the host's /run" test -e /run/openrc
	[ "$T_FAIL" -eq 0 ] || { say "--- openrc log ---"; cat "$ord/openrc.log"; }
else
	say "note: apt-get download openrc failed: the OpenRC script was not run"
fi

# --- reinstall --------------------------------------------------------------------
# The maintainer scripts' upgrade path (prerm upgrade, postinst configure
# with the old version); an admin's change to a conffile is kept.
printf '%s\n' 'CGMD_OPTS="--log-level info"	# cgmtest' >>/etc/default/cgm
# shellcheck disable=SC2086
if out=$(dpkg_locked -i $DEBS); then pass "dpkg -i again (reinstall)"; else fail "dpkg -i again"; say "$out"; fi
check "reinstall kept the admin's /etc/default/cgm" grep -q '# cgmtest$' /etc/default/cgm
check_eq "reinstall did not change common-session*" \
	"$(md5sum /etc/pam.d/common-session /etc/pam.d/common-session-noninteractive)" "$session_before"

# --- purge ---------------------------------------------------------------------------
files=$(for p in $PKGS; do dpkg-query -L "$p"; done | while read -r f; do [ -d "$f" ] || echo "$f"; done)
# shellcheck disable=SC2086
if out=$(dpkg_locked --purge $PKGS); then pass "dpkg --purge"; INSTALLED=no; else fail "dpkg --purge"; say "$out"; fi
for p in $PKGS; do
	check_fails "$p purged" sh -c 'dpkg-query -W -f="\${Status}" "$1" | grep -q installed' sh "$p"
done
left=$(for f in $files; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done)
check_eq "purge: none of the packages' files is left" "$left" ""
left=$(ls -d /etc/rc?.d/*cgm /etc/init.d/cgm /etc/default/cgm /etc/security/cgm.conf /etc/sv/cgm \
	/etc/runit/runsvdir/default/cgm /etc/systemd/system/*/cgm.service /usr/share/doc/cgm \
	/usr/share/pam-configs/cgm "$RUN_DIR" 2>/dev/null)
check_eq "purge: no links, conffiles or run directory left" "$left" ""
check_fails "purge: pam-auth-update forgot the profile" grep -qw cgm /var/lib/pam/seen
check_eq "purge: common-session* as before" \
	"$(md5sum /etc/pam.d/common-session /etc/pam.d/common-session-noninteractive)" "$session_before"
check_eq "purge: no installed cgmd running" "$(installed_pids)" ""
finish
