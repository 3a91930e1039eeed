# SPDX-License-Identifier: LGPL-2.1-or-later
# Shared by the pam-*.sh tests (sourced after tests/harness.sh, not a test
# itself): generated PAM service files in $T_DIR/pam.d, pam-probe to open
# sessions from them, the host's view of a session, and a syslog catcher so
# a test can read what the module logged.

PROBE=$top_builddir/tests/pam-probe
PAM_MODULE=$top_builddir/pam_cgm/.libs/pam_cgm.so
PAM_DIR=$T_DIR/pam.d
# Every login of a test lands below its sandbox: a relative base resolves
# beneath the cgroup of the process calling PAM, which sits in the sandbox.
PAM_BASE=cgmtest-pam-$$/user
# Where sessions held open by hold() leave their records; the user may write.
HOLD_DIR=$T_DIR/hold
mkdir -p "$PAM_DIR" "$HOLD_DIR"
chmod 1777 "$HOLD_DIR"

[ -x "$PROBE" ] && [ -f "$PAM_MODULE" ] || skip "pam-probe or pam_cgm.so not built"

# pam_service NAME LINE...: writes $PAM_DIR/NAME with one line per argument.
pam_service() {
	name=$1; shift
	printf '%s\n' "$@" >"$PAM_DIR/$name"
}

# probe SERVICE USER [-- CMD...]: a session from $PAM_DIR, run as run_host does.
probe() { run_host "$PROBE" --confdir "$PAM_DIR" "$@"; }

# session_of OUTPUT: the CGM_SESSION pam-probe printed.
session_of() { printf '%s\n' "$1" | sed -n 's/^pam-probe: CGM_SESSION=//p'; }

# hold TAG SERVICE USER [CODE]: opens a session in the background (pam-probe
# options in $HOLD_OPTS, e.g. --as-user); inside it runs CODE, records its
# cgroup (TAG.cg), CGM_SESSION (TAG.env) and the leader's pid (TAG.leader)
# in $HOLD_DIR, then waits until release() lets it end.
hold() {
	# shellcheck disable=SC2086
	probe ${HOLD_OPTS:-} "$2" "$3" -- sh -c "${4:-:}"'
		cat /proc/self/cgroup >"$1.cg"; printf "%s\n" "$CGM_SESSION" >"$1.env"; echo $PPID >"$1.leader"
		while [ ! -e "$1.release" ]; do sleep 0.05; done' sh "$HOLD_DIR/$1" >"$HOLD_DIR/$1.out" 2>&1 &
	register_pid $!
}

# release TAG...: lets held sessions end and waits until their probes closed them.
release() {
	for tag; do touch "$HOLD_DIR/$tag.release"; done
	for tag; do
		for _ in $(seq 1 100); do
			grep -q '^pam-probe: close' "$HOLD_DIR/$tag.out" 2>/dev/null && break
			sleep 0.05
		done
	done
}

# hierarchy names, one per line.
hierarchy_names() { host_hierarchies | awk '{print $1}'; }

# user_cg_dir NAME USER: host directory of USER's cgroup in hierarchy NAME.
user_cg_dir() { printf '%s/%s/%s\n' "$(sandbox_dir "$1")" "$PAM_BASE" "$2"; }

# session_cgroups USER...: every session cgroup of these users, in every
# hierarchy, one directory a line.
session_cgroups() {
	for name in $(hierarchy_names); do
		for u in "$@"; do
			find "$(user_cg_dir "$name" "$u")" -mindepth 1 -maxdepth 1 -type d 2>/dev/null
		done
	done
}

# wait_gone DIR: up to 5 s for DIR to disappear (the daemon removes empty sessions).
wait_gone() {
	for _ in $(seq 1 100); do [ -d "$1" ] || return 0; sleep 0.05; done
	return 1
}

# wait_file FILE: up to 10 s for FILE to appear.
wait_file() {
	for _ in $(seq 1 200); do [ -s "$1" ] && return 0; sleep 0.05; done
	return 1
}

# with_syslog LOG CMD...: runs CMD in a private mount namespace whose
# /dev/log is a datagram socket read into LOG, so a test sees what the
# module sends to syslog without a syslog daemon and without touching the
# host's /dev.
with_syslog() {
	log=$1; shift
	: >"$log"
	rm -f "$T_DIR/syslog-ready"
	# run_host: the probe loads our module (and libdbus, whose caches outlive its dlclose).
	run_host unshare -m --propagation private sh -c '
		log=$1 dir=$2; shift 2
		mkdir -p "$dir/olddev" && mount --bind /dev "$dir/olddev" && mount -t tmpfs cgmtest-dev /dev || exit 99
		for f in null zero urandom random tty; do
			: >"/dev/$f" && mount --bind "$dir/olddev/$f" "/dev/$f"
		done
		perl -MSocket -MIO::Socket::UNIX -e "
			my \$s = IO::Socket::UNIX->new(Type => SOCK_DGRAM, Local => q(/dev/log)) or die qq(syslog: \$!);
			open(my \$f, q(>>), \$ARGV[0]) or die; \$f->autoflush(1);
			open(my \$r, q(>), \$ARGV[1]) or die; close(\$r);
			while (defined \$s->recv(my \$m, 8192)) { print \$f qq(\$m\n) }" "$log" "$dir/syslog-ready" &
		catcher=$!
		for _ in $(seq 1 100); do [ -e "$dir/syslog-ready" ] && break; sleep 0.02; done
		"$@"
		status=$?
		sleep 0.2	# let the catcher read what is queued
		kill "$catcher"
		wait "$catcher" 2>/dev/null
		exit $status
	' with_syslog "$log" "$T_DIR" "$@"
}

# sshd_start USERS: our own sshd on 127.0.0.1 (a free port in $SSHD_PORT, its
# own config and host key, and a PAM service named after it whose session
# stack is pam_cgm alone, base=$PAM_BASE plus $SSHD_PAM_ARGS, default
# "debug") that lets USERS (one word, or several in one argument) in with a
# key made here.  Lines in $SSHD_EXTRA_CONFIG end the sshd config.  The PAM file and sshd's privilege separation directory are
# outside $T_DIR: taken down before the harness takes down the rest.
sshd_start() {
	SSHD_SERVICE=cgmtest-sshd-$$
	SSHD_PAM_FILE=/etc/pam.d/$SSHD_SERVICE
	made_run_sshd=
	trap 'st=$?; rm -f "$SSHD_PAM_FILE"; [ -n "$made_run_sshd" ] && rmdir /run/sshd; (exit $st); t_cleanup' EXIT
	SSHD_PORT=
	for p in $(seq $((20000 + $$ % 20000)) $((20100 + $$ % 20000))); do
		ss -Hltn "sport = :$p" | grep -q . || { SSHD_PORT=$p; break; }
	done
	[ -n "$SSHD_PORT" ] || skip "no free port"
	ssh-keygen -q -t ed25519 -N '' -f "$T_DIR/hostkey" || return 1
	ssh-keygen -q -t ed25519 -N '' -f "$T_DIR/userkey" || return 1
	# Keys in $T_DIR (StrictModes would refuse /tmp), so the user's home is left alone.
	cp "$T_DIR/userkey.pub" "$T_DIR/authorized_keys"
	chmod 644 "$T_DIR/authorized_keys"
	cat >"$T_DIR/sshd_config" <<EOC
ListenAddress 127.0.0.1
Port $SSHD_PORT
HostKey $T_DIR/hostkey
PidFile $T_DIR/sshd.pid
UsePAM yes
AuthorizedKeysFile $T_DIR/authorized_keys
StrictModes no
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
AllowUsers $1
${SSHD_EXTRA_CONFIG:-}
EOC
	# pam_cgm placing the login is the point; nothing else in the stack may fail.
	cat >"$SSHD_PAM_FILE" <<EOC
auth required pam_deny.so
account required pam_permit.so
session required $PAM_MODULE socket=$SOCK base=$PAM_BASE ${SSHD_PAM_ARGS-debug}
EOC
	if [ ! -d /run/sshd ]; then mkdir -m 755 /run/sshd && made_run_sshd=1; fi
	# sshd names its PAM service after the name it was run as.
	ln -s /usr/sbin/sshd "$T_DIR/$SSHD_SERVICE"
	run_host "$T_DIR/$SSHD_SERVICE" -D -e -f "$T_DIR/sshd_config" >"$T_DIR/sshd.log" 2>&1 &
	register_pid $!
	for _ in $(seq 1 100); do ss -Hltn "sport = :$SSHD_PORT" | grep -q . && return 0; sleep 0.05; done
	return 1
}

# ssh_as USER COMMAND: a real login of USER through that sshd, running COMMAND.
ssh_as() {
	ssh -p "$SSHD_PORT" -i "$T_DIR/userkey" -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR "$1@127.0.0.1" "$2"
}
