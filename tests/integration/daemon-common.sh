# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the daemon-*.sh tests (sourced after tests/harness.sh): calling
# cgmd as any kind of caller with dbus-send, and reading the host's own
# view of the sandbox to verify what a call did or did not change.

IFACE=org.linuxcontainers.cgmanager0_0
IFACE1=org.cgm.Manager1
OBJ=/org/linuxcontainers/cgmanager

# run_as WHO CMD...: run CMD as WHO, from wherever the caller stands:
#   root            this shell's identity (host root)
#   USER            that user, its groups too
#   ns:USER         root of a fresh user namespace owned by USER (unshare -U -r)
#   pidns:USER      USER inside a fresh pid namespace (created by root)
run_as() {
	who=$1; shift
	case $who in
	root) "$@" ;;
	ns:*) as_user "${who#ns:}" unshare -U -r "$@" ;;
	pidns:*) unshare -p -f --kill-child -- setpriv --reuid="${who#pidns:}" \
		--regid="$(id -g "${who#pidns:}")" --init-groups -- "$@" ;;
	*) as_user "$who" "$@" ;;
	esac
}

# call WHO METHOD ARGS...: one request through dbus-send; METHOD without an
# interface is one of cgmanager0_0.  Prints the reply (or the error).
call() {
	who=$1 method=$2; shift 2
	case $method in *.*) ;; *) method=$IFACE.$method ;; esac
	run_as "$who" dbus-send --peer="unix:path=$SOCK" --print-reply --reply-timeout=5000 "$OBJ" "$method" "$@"
}

# value WHO METHOD ARGS...: the reply's values only, one per line, without types.
value() {
	call "$@" | sed -e 1d -e 's/^ *//' -e 's/^\(string\|int32\|uint32\|boolean\|variant\) *//' \
		-e 's/^"//' -e 's/"$//'
}

# hdir NAME [REL]: the host directory of REL below the sandbox in hierarchy NAME.
hdir() {
	d=$(sandbox_dir "$1")
	if [ -n "${2:-}" ]; then printf '%s/%s\n' "$d" "$2"; else printf '%s\n' "$d"; fi
}

# owner PATH: "uid:gid" of PATH.
owner() { stat -c %u:%g "$1"; }
mode() { stat -c %a "$1"; }

# in_procs PID FILE: PID is listed in FILE.
in_procs() { grep -qx "$1" "$2"; }

# snapshot NAME...: a listing of everything below the sandbox on those
# hierarchies (paths, owners, modes, processes, a few values), to show
# that a refused request changed nothing.
snapshot() {
	for n; do
		d=$(hdir "$n")
		(cd "$d" && find . -mindepth 1 \( -type d -o -name cgroup.procs -o -name pids.max \
			-o -name cgroup.max.depth -o -name freezer.state -o -name cgroup.freeze \
			-o -name notify_on_release \) -printf '%p %U:%G %m\n' | sort
		 find . -name cgroup.procs -exec sh -c 'printf "%s: %s\n" "$1" "$(tr "\n" " " <"$1")"' _ {} \; | sort
		 for f in $(find . -name pids.max -o -name cgroup.max.depth -o -name freezer.state -o -name cgroup.freeze | sort); do
			printf '%s=%s\n' "$f" "$(cat "$f")"
		 done)
	done
}

# sleeper WHO [PLACE]: start `sleep` as WHO (root or a user name) in the
# sandbox cgroup PLACE (default: the sandbox itself) on every hierarchy,
# register it and print its pid.
sleeper() {
	who=$1 place=${2:-}
	sh -c 'for d in $1; do echo $$ >"$d${2:+/$2}/cgroup.procs" || exit 1; done; shift 2; exec "$@"' _ \
		"$T_SANDBOXES" "$place" sh -c "$(if [ "$who" = root ]; then echo 'exec sleep 600'; else
			echo "exec setpriv --reuid=$who --regid=$(id -g "$who") --init-groups sleep 600"; fi)" \
		</dev/null >/dev/null 2>&1 &
	p=$!
	register_pid "$p"
	# Wait until it runs sleep itself (placed and, for a user, switched).
	for _ in $(seq 1 100); do case $(readlink "/proc/$p/exe" 2>/dev/null) in */sleep) break ;; esac; sleep 0.02; done
	echo "$p"
}

# fdcall WHO METHOD SIG ARGS...: a request whose "h" arguments are pids,
# sent as pidfds (dbus-send and busctl cannot pass descriptors).  Prints
# the reply's values, or "ERROR-NAME: message" and fails.
FDCALL=$top_builddir/tests/unit/test-daemon-fdcall
fdcall() {
	who=$1 method=$2; shift 2
	case $method in *.*) ;; *) method=$IFACE1.$method ;; esac
	run_as "$who" "$FDCALL" "$SOCK" "$method" "$@"
}
