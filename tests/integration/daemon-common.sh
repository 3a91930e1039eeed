# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the daemon-*.sh tests (sourced after tests/harness.sh): calling
# cgmd as any kind of caller with dbus-send, and reading the host's own
# view of the sandbox to verify what a call did or did not change.

IFACE=org.linuxcontainers.cgmanager0_0
IFACE1=org.cgm.Manager1
OBJ=/org/linuxcontainers/cgmanager

# who_prefix WHO: the command words that make a program run as WHO:
#   root            this shell's identity (host root)
#   USER            that user, its groups too
#   ns:USER         root of a fresh user namespace owned by USER (unshare -U -r)
#   pidns:USER      USER inside a fresh pid namespace (created by root)
who_prefix() {
	case $1 in
	root) ;;
	ns:*) echo "setpriv --reuid=${1#ns:} --regid=$(id -g "${1#ns:}") --init-groups unshare -U -r" ;;
	pidns:*) echo "unshare -p -f --kill-child -- setpriv --reuid=${1#pidns:} --regid=$(id -g "${1#pidns:}") --init-groups" ;;
	*) echo "setpriv --reuid=$1 --regid=$(id -g "$1") --init-groups" ;;
	esac
}

# run_as WHO CMD...: run program CMD as WHO; with CALL_AT set, from that
# cgroup below the sandbox (requests then resolve beneath it).
run_as() {
	who=$1; shift
	if [ -n "${CALL_AT:-}" ]; then
		# shellcheck disable=SC2046
		at "$CALL_AT" $(who_prefix "$who") "$@"
	else
		# shellcheck disable=SC2046
		$(who_prefix "$who") "$@"
	fi
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

# snapshot NAME...: a listing of everything below the sandbox (below
# $SNAP_AT in it, when set) on those hierarchies: directories and a few
# files with owners and modes, the processes and a few values, to show
# that a refused request changed nothing.
snapshot() {
	for n; do
		(cd "$(hdir "$n" "${SNAP_AT:-}")" &&
			find . -mindepth 1 \( -type d -o -name cgroup.procs -o -name pids.max -o -name cgroup.max.depth \
				-o -name freezer.state -o -name cgroup.freeze \) -printf '%p %U:%G %m\n' | sort &&
			find . \( -name cgroup.procs -o -name pids.max -o -name cgroup.max.depth -o -name freezer.state \
				-o -name cgroup.freeze \) -print0 | sort -z | xargs -0 grep -H '')
	done
}

# sleeper WHO [PLACE]: start `sleep` as WHO (root or a user name) in the
# sandbox cgroup PLACE (default: the sandbox itself) on every hierarchy that
# has it, register it and print its pid.
sleeper() {
	who=$1 place=${2:-}
	sh -c 'for d in $1; do [ -d "$d${2:+/$2}" ] || continue; echo $$ >"$d${2:+/$2}/cgroup.procs" || exit 1; done
		shift 2; exec "$@"' _ \
		"$T_SANDBOXES" "$place" sh -c "$(if [ "$who" = root ]; then echo 'exec sleep 3600'; else
			echo "exec setpriv --reuid=$who --regid=$(id -g "$who") --init-groups sleep 3600"; fi)" \
		</dev/null >/dev/null 2>&1 &
	p=$!
	register_pid "$p"
	# Wait until it runs sleep itself (placed and, for a user, switched).
	for _ in $(seq 1 100); do case $(readlink "/proc/$p/exe" 2>/dev/null) in */sleep) break ;; esac; sleep 0.02; done
	echo "$p"
}

# at PLACE CMD...: run CMD from the sandbox cgroup PLACE on every hierarchy
# that has it (requests then resolve beneath PLACE).
at() {
	place=$1; shift
	sh -c 'for d in $1; do [ -d "$d/$2" ] || continue; echo $$ >"$d/$2/cgroup.procs" || exit 1; done
		shift 2; exec "$@"' _ "$T_SANDBOXES" "$place" "$@"
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

# raw_client SOCKET MODE: a hand-made D-Bus peer for what libdbus clients
# never do.  MODE "flood": authenticate, then send Ping requests as fast as
# the socket takes them and never read a reply, until the daemon hangs up
# (prints "dropped") or 200000 were sent (prints "kept").  MODE "mute":
# connect and say nothing for 60 seconds.
raw_client() {
	python3 - "$@" <<'PY'
import os, socket, struct, sys, time
sock_path, mode = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sock_path)
if mode == "mute":
    time.sleep(60)
    sys.exit(0)
s.sendall(b"\0AUTH EXTERNAL " + str(os.getuid()).encode().hex().encode() + b"\r\n")
if not s.recv(4096).startswith(b"OK"):
    sys.exit("not authenticated")
s.sendall(b"BEGIN\r\n")

def pad(b, n):
    return b + b"\0" * (-len(b) % n)

def field(code, sig, value):
    size = struct.pack("B", len(value)) if sig == "g" else struct.pack("<I", len(value))
    return struct.pack("BB", code, 1) + sig.encode() + b"\0" + size + value.encode() + b"\0"

# Header fields start 8-aligned; the array's length leaves out the padding after the last one.
fields = b""
for f in (field(1, "o", "/org/linuxcontainers/cgmanager"), field(2, "s", "org.linuxcontainers.cgmanager0_0"),
          field(3, "s", "Ping"), field(8, "g", "i")):
    fields = pad(fields, 8) + f
for serial in range(1, 200001):
    msg = pad(struct.pack("<cBBBIII", b"l", 1, 0, 1, 4, serial, len(fields)) + fields, 8) + struct.pack("<i", 0)
    try:
        s.sendall(msg)
    except (BrokenPipeError, ConnectionResetError):
        print("dropped")
        sys.exit(0)
print("kept")
PY
}

# start_private_bus: a dbus-daemon of this test's own on $T_DIR/system_bus_socket, with a
# system-like configuration (private-bus.conf: deny by default) and our policy file (data/dbus/)
# included, as cgmd --system-bus meets one on a host.  Sets BUS (its address) and BUS_PID.
start_private_bus() {
	BUS_SOCK=$T_DIR/system_bus_socket
	BUS=unix:path=$BUS_SOCK
	sed -e "s|@BUS@|$BUS|" -e "s|@POLICY@|$top_srcdir/data/dbus/org.cgm.Manager1.conf|" \
		"$top_srcdir/tests/integration/private-bus.conf" >"$T_DIR/bus.conf"
	dbus-daemon --config-file="$T_DIR/bus.conf" --nofork --nopidfile >"$T_DIR/bus.log" 2>&1 &
	BUS_PID=$!
	register_pid "$BUS_PID"
	for _ in $(seq 1 100); do [ -S "$BUS_SOCK" ] && break; sleep 0.05; done
	check "a private system bus is up" test -S "$BUS_SOCK"
	test -S "$BUS_SOCK"
}
