# shellcheck shell=bash
# scripts/lib.sh: the helpers the scripts share, sourced (never run) by
# scripts/dev, stack, scale, bench, migrate, fuzz, docs-assets, container-test,
# the image's steps (scripts/container/apt-install, build, install),
# run-criterion and resend-failed-events, so that each is written once.
#
# A script sets PROG (the prefix of its messages) before sourcing, and
# DIE_STATUS when its usage errors exit with another status than 1.

# log MSG...: one line on stderr, as is
log() { printf '%s\n' "$*" >&2; }

# die MSG...: "PROG: MSG" on stderr, then exit DIE_STATUS (1)
die() {
	printf '%s: %s\n' "$PROG" "$*" >&2
	exit "${DIE_STATUS:-1}"
}

# elapsed T0: seconds since T0 (an $EPOCHREALTIME), one decimal
elapsed() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'; }

# random_hex N: N random bytes in hex
random_hex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

# stack_url DIR NAME: NAME's value (DATABASE_URL, ...) from the env file of
# the scripts/stack servers in DIR
stack_url() { sed -n "s/^$2=//p" "$1/env"; }

# hs256_token SECRET PAYLOAD: a JWT signed as the auth service signs them
# (HS256 with the service's SECRET_KEY) over the JSON PAYLOAD
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
hs256_token() {
	local h p s
	h=$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)
	p=$(printf '%s' "$2" | b64url)
	s=$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -hmac "$1" -binary | b64url)
	printf '%s.%s.%s' "$h" "$p" "$s"
}

# --- process groups ------------------------------------------------------------
# The scripts start servers in sessions of their own (launch) and stop them
# by group, so that a server's children go with it.

# group_pids PGID: the live (non-zombie) members of a process group
group_pids() {
	ps -e -o pid=,pgid=,stat= | awk -v g="$1" '$2 == g && $3 !~ /^Z/ { print $1 }'
}

# group_alive PGID: the group has a live member
group_alive() { [ -n "$(group_pids "$1")" ]; }

# group_gone PGID SECONDS: until the group has no live member (0), or
# SECONDS have passed (1)
group_gone() {
	local deadline=$((SECONDS + $2))
	while group_alive "$1"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# stop_group PGID [SECONDS]: SIGTERM the whole group, then SIGKILL what is
# left after SECONDS (default 5: a server that shuts down at once) and
# wait for it; 1 when it had to be killed (said on stderr). For Kore,
# which drains, pass kore_stop_seconds. Kore's parent must get the SIGTERM
# once only: a second one stops its workers at once.
stop_group() {
	local pgid=$1 secs=${2:-5}
	[ -n "$pgid" ] && group_alive "$pgid" || return 0
	kill -TERM -- "-$pgid" 2>/dev/null || true
	group_gone "$pgid" "$secs" && return 0
	log "$PROG: process group $pgid still up ${secs}s after SIGTERM, killing it"
	kill -KILL -- "-$pgid" 2>/dev/null || true
	group_gone "$pgid" 10 || true
	release_kore_shm "$pgid"
	return 1
}

# release_kore_shm PID: Kore's parent (PID, its group's leader) makes a
# System V shared memory segment at start and removes it only when it
# shuts down cleanly; after a SIGKILL it stays, and a few thousand of them
# (shmmni) make every later Kore fail to start (shmget: ENOSPC). Removes
# the segments PID created that no process holds any more.
release_kore_shm() {
	local id
	[ -r /proc/sysvipc/shm ] || return 0
	for id in $(awk -v p="$1" '$5 == p && $7 == 0 { print $2 }' /proc/sysvipc/shm); do
		ipcrm -m "$id" 2>/dev/null || true
	done
}

# kore_stop_seconds GRACE: how long a stopping Kore may take: the
# SHUTDOWN_GRACE_SECONDS it was given (default 20; empty or not a number:
# the default), plus 10 s (a worker waits up to 5 s for writes in flight
# after the grace, and the parent then reaps its workers).
kore_stop_seconds() {
	local grace=${1:-20}
	[[ $grace =~ ^[0-9]{1,4}$ ]] || grace=20
	echo $((10#$grace + 10))
}

# wait_http URL PGID SECONDS [CURL-ARGS...]: until URL answers 200 (0), or
# the group PGID has no live member or SECONDS have passed (1); the last
# status (curl's %{http_code}) in HTTP_LAST, for the caller's message.
HTTP_LAST=''
wait_http() {
	local url=$1 pgid=$2 deadline=$((SECONDS + $3))
	shift 3
	while :; do
		HTTP_LAST=$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$@" "$url" || true)
		[ "$HTTP_LAST" = 200 ] && return 0
		if ! group_alive "$pgid" || [ "$SECONDS" -ge "$deadline" ]; then
			return 1
		fi
		sleep 0.2
	done
}

# launch DIR OUT ERR CMD...: start CMD in DIR in its own session, so that
# its process group id is its pid and terminal signals reach the script,
# not it; OUT/ERR are files to append to, or - to keep ours. Sets
# LAUNCHED (the pid); CMD stays a child of this shell (`wait` works). The
# background job is not a group leader, so setsid calls setsid() and execs
# in place: $! is the command's own pid. Returns once the new group exists,
# so that a signal to the group cannot miss it.
LAUNCHED=''
launch() {
	local dir=$1 out=$2 err=$3 n
	shift 3
	(
		cd "$dir" || exit
		[ "$out" = - ] || exec >>"$out"
		[ "$err" = - ] || exec 2>>"$err"
		exec setsid "$@" </dev/null
	) &
	LAUNCHED=$!
	for ((n = 100; n > 0; n--)); do
		[ "$(ps -o pgid= -p "$LAUNCHED" | tr -d ' ')" = "$LAUNCHED" ] && return 0
		kill -0 "$LAUNCHED" 2>/dev/null || return 0
		sleep 0.02
	done
	die "$1 did not start in its own process group"
}

# group_in DIR PGID: some live member of the group runs in DIR (so a pgid
# read from a stale file is never taken for ours once the pid is reused).
group_in() {
	local pid
	for pid in $(group_pids "$2"); do
		[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" = "$1" ] && return 0
	done
	return 1
}

# group_of FILE DIR: the process group whose id FILE holds when it is alive
# and runs in DIR (a stale or reused id prints nothing)
group_of() {
	local pgid
	pgid=$({ tr -dc 0-9 <"$1"; } 2>/dev/null || true)
	[ -n "$pgid" ] && group_in "$2" "$pgid" && echo "$pgid"
	return 0
}

# --- ports ---------------------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# In use: something listens on loopback, or a live socket (an outgoing
# connection too) holds the port. The closing sockets of a server that just
# stopped (FIN-WAIT until its clients notice, LAST-ACK, TIME-WAIT) do not
# count: servers bind with SO_REUSEADDR, so a restart under connected
# clients works.
port_in_use() {
	port_open "$1" && return 0
	command -v ss >/dev/null || return 1
	[ -n "$(ss -Htan state established state syn-sent state syn-recv \
		state close-wait "sport = :$1" 2>/dev/null)" ]
}

# A random free port in 20000-60000, below the ephemeral range when that
# leaves room; never one of the arguments.
# shellcheck disable=SC2120 # the arguments are optional
free_port() {
	local lo=20000 hi=60000 eph p i
	read -r eph _ </proc/sys/net/ipv4/ip_local_port_range || eph=0
	if [ "$eph" -gt $((lo + 1000)) ] && [ "$eph" -le "$hi" ]; then
		hi=$((eph - 1))
	fi
	for ((i = 0; i < 500; i++)); do
		p=$((lo + (RANDOM * 32768 + RANDOM) % (hi - lo + 1)))
		case " $* " in *" $p "*) continue ;; esac
		port_in_use "$p" || {
			echo "$p"
			return 0
		}
	done
	die "no free port found in $lo-$hi"
}
