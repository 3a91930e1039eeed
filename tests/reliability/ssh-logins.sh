#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# 200 concurrent ssh logins through a real sshd on 127.0.0.1 (own config,
# port, host key and PAM service; MaxStartups raised) with pam_cgm
# `required`: every login lands in its own session cgroup in every
# hierarchy, all 200 are logged in at the same time (each waits for the
# others before it ends), none fails, and once all have closed no session
# cgroup is left.
. "$top_srcdir/tests/harness.sh"
require_root
require_cmd ssh ssh-keygen ss
[ -x /usr/sbin/sshd ] || skip "needs /usr/sbin/sshd"
. "$top_srcdir/tests/integration/pam-common.sh"
USERS="cgmtest1 cgmtest2 cgmtest3"
for u in $USERS; do ensure_user "$u" || finish; done

sandbox_enter || finish
start_cgmd || finish
N=${CGM_SSH_LOGINS:-200}
SSHD_PAM_ARGS=timeout=20000
SSHD_EXTRA_CONFIG="UseDNS no
MaxStartups $((N + 50))
LoginGraceTime 300"
sshd_start "$USERS" || finish

mkdir -m 1777 "$T_DIR/out"
# Each login reports its cgroups, then stays until the test says go (every login is in).
i=0
while [ $i -lt "$N" ]; do
	i=$((i + 1))
	u=$(echo $USERS | cut -d' ' -f$((i % 3 + 1)))
	(
		ssh -p "$SSHD_PORT" -i "$T_DIR/userkey" -o BatchMode=yes -o StrictHostKeyChecking=no \
			-o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=120 "$u@127.0.0.1" \
			"sed 's/^/cg /' /proc/self/cgroup; echo in; while [ ! -e $T_DIR/go ]; do sleep 0.2; done"
		echo "exit=$?"
	) >"$T_DIR/out/$i" 2>&1 &
	echo $! >>"$T_DIR/pids"
done

# Bounded waits: a login that hangs fails the test instead of blocking it.
for _ in $(seq 1 1800); do
	in=$(cat "$T_DIR"/out/* | grep -c '^in$')
	[ "$in" -ge "$N" ] && break
	[ "$(cat "$T_DIR"/out/* | grep -c '^exit=')" -gt 0 ] && break
	sleep 0.1
done
check_eq "all $N logins were in at the same time" "$in" "$N"
touch "$T_DIR/go"
for _ in $(seq 1 600); do
	running=0
	for p in $(cat "$T_DIR/pids"); do kill -0 "$p" 2>/dev/null && running=$((running + 1)); done
	[ $running -eq 0 ] && break
	sleep 0.1
done
check_eq "all $N logins ended" "$running" 0
for p in $(cat "$T_DIR/pids"); do kill -KILL "$p" 2>/dev/null; done

ok=$(cat "$T_DIR"/out/* | grep -c '^exit=0$')
check_eq "every ssh login succeeded" "$ok" "$N"
nh=$(hierarchy_names | wc -l)
for f in "$T_DIR"/out/*; do
	s=$(sed -n "s|^cg 0::.*/$PAM_BASE/\(cgmtest[0-9]*/[0-9]*\)\$|\1|p" "$f")
	[ -n "$s" ] && [ "$(grep -c "^cg .*/$PAM_BASE/$s\$" "$f")" -eq "$nh" ] && echo "$s"
done >"$T_DIR/sessions"
placed=$(wc -l <"$T_DIR/sessions")
check_eq "every login in its session cgroup <user>/<n> in all $nh hierarchies" "$placed" "$N"
check_eq "no two logins shared a session cgroup" "$(sort -u "$T_DIR/sessions" | wc -l)" "$N"
[ "$ok" -eq "$N" ] || { grep -L '^exit=0$' "$T_DIR"/out/* | head -3 | xargs cat; tail -20 "$T_DIR/sshd.log"; }

# shellcheck disable=SC2086 # $USERS is a list
leftovers() { session_cgroups $USERS | wc -l; }
for _ in $(seq 1 100); do [ "$(leftovers)" -eq 0 ] && break; sleep 0.1; done
left=$(leftovers)
check_eq "no session cgroup left after every login closed" "$left" 0
say "# figures: ssh logins $N, in at once $in, succeeded $ok, failed $((N - ok)), placed $placed, leftover cgroups $left"
finish
