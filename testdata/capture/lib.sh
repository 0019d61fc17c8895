# shellcheck shell=bash
# Functions shared by the log-capture scripts (capture.sh, formats/capture.sh,
# incidents/capture.sh, incidents/setup.sh). Sourced, never run: it sets no
# shell options and starts nothing by itself.
#
# The script sets ME (the prefix of its messages, e.g. "capture.sh") before it
# calls any of these, and WORK (make_work) and PY where they are needed. Which
# packages, servers, ports and files a capture uses stays in the script.

PIDS=()    # every process the script started, through start or start_to
SIGNALS=() # the signal that stops each of them cleanly

# need_args N WORDS "$@": a wrong argument count gets the usage line and
# status 2, the same as a missing prerequisite: nothing was captured, and
# nothing failed. $0 is the script that was run, even here.
need_args() {
    local n=$1 words=$2
    shift 2
    if [ $# -ne "$n" ]; then
        echo "usage: $0 $words" >&2
        exit 2
    fi
}

# set_out DIR: OUT is DIR made absolute, because the servers are started with
# other working directories and their configs name OUT's files.
set_out() {
    mkdir -p "$1"
    OUT=$(cd "$1" && pwd)
}

# ensure_packages PACKAGE...: make the script's own `missing` test false. The
# captures need the real servers, not stand-ins, so a fresh Debian machine run
# as root installs them; anyone else is told the command, and status 2 keeps
# "not set up" apart from a failed capture. The update is tried only when a
# plain install fails, because it is slow and usually not needed.
ensure_packages() {
    missing || return 0
    if [ "$(id -u)" -ne 0 ]; then
        local list="" i
        for ((i = 1; i <= $#; i++)); do
            if [ "$i" -eq 1 ]; then list=${!i}
            elif [ "$i" -eq $# ]; then list="$list and ${!i}"
            else list="$list, ${!i}"; fi
        done
        echo "$ME: $list are required;" >&2
        echo "$ME: run as root to install them, or: apt-get install -y $*" >&2
        exit 2
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y "$@" || { apt-get update && apt-get install -y "$@"; }
    # What apt-get installs is /usr/bin/python3, wherever PY pointed before.
    PY=/usr/bin/python3
    if missing; then
        echo "$ME: prerequisites still missing after apt-get install" >&2
        exit 2
    fi
}

# make_work TEMPLATE: WORK is a new scratch directory (mktemp TEMPLATE). On any
# exit the servers are stopped and WORK removed, so that an interrupted or
# failed run leaves neither a server nor a stale config behind; INT and TERM
# exit with status 1 so that the same cleanup runs.
make_work() {
    WORK=$(mktemp -d "$1")
    # mktemp makes it 700, but the servers' unprivileged workers (nginx's,
    # Apache's www-data) read configs and open sockets in it.
    chmod 755 "$WORK"
    trap cleanup EXIT
    trap 'exit 1' INT TERM
}

cleanup() {
    stop_all
    rm -rf "$WORK"
}

# stop_all: stop exactly the processes this script started, by pid and never by
# name, since other servers of the same kind may run on the machine. All are
# signalled first so that they shut down in parallel; one that ignores its
# graceful signal for 15 s is killed, so that a capture cannot hang here.
stop_all() {
    local i pid
    for i in "${!PIDS[@]}"; do
        pid=${PIDS[$i]}
        kill -0 "$pid" 2>/dev/null && kill "-${SIGNALS[$i]}" "$pid" 2>/dev/null || true
    done
    for i in "${!PIDS[@]}"; do
        pid=${PIDS[$i]}
        for _ in $(seq 1 150); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "$ME: pid $pid ($(cat "/proc/$pid/comm" 2>/dev/null)) did not stop; sending SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
    SIGNALS=()
}

# start SIGNAL NAME COMMAND...: run COMMAND in the background, both its outputs
# appended to $WORK/NAME.stdout, and remember its pid and SIGNAL for stop_all;
# the servers stay in the foreground (no daemonizing) so that this pid is the
# one to stop.
start() {
    local sig=$1 name=$2
    shift 2
    "$@" >>"$WORK/$name.stdout" 2>&1 &
    PIDS+=("$!")
    SIGNALS+=("$sig")
}

# start_to SIGNAL STDOUT STDERR COMMAND...: start, for a process whose stderr is
# itself a log to keep (gunicorn's error log) or whose output is for the user.
start_to() {
    local sig=$1 out=$2 err=$3
    shift 3
    "$@" >>"$out" 2>>"$err" &
    PIDS+=("$!")
    SIGNALS+=("$sig")
}

# alive: a server that died while starting would otherwise only show as a
# timeout; fail at once and show why.
alive() {
    local pid
    for pid in "${PIDS[@]}"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "$ME: a server exited early; see $WORK/*.stdout and $OUT" >&2
            tail -n 20 "$WORK"/*.stdout >&2 || true
            exit 1
        fi
    done
}

# wait_for DESCRIPTION SECONDS COMMAND...: poll until COMMAND succeeds. Servers
# and their log writers give no signal when they are ready or done, so the
# script polls what it can see, with a deadline so that a broken run fails
# (status 1) instead of hanging.
wait_for() {
    local what=$1 secs=$2
    shift 2
    for _ in $(seq 1 $((secs * 10))); do
        if "$@"; then return 0; fi
        sleep 0.1
    done
    echo "$ME: timed out waiting for $what" >&2
    exit 1
}

# count FIXED-STRING FILE: how many lines of FILE hold FIXED-STRING; 0 for a
# file a server has not created yet, which is normal while polling.
count() {
    if [ -e "$2" ]; then grep -cF -- "$1" "$2" || true; else echo 0; fi
}

# listening PORT: a socket listens on 127.0.0.1:PORT. Read from /proc/net/tcp
# rather than by connecting, so that no probe request shows up in any log.
listening() {
    "$PY" - "$1" <<'PYEOF'
import sys
port = "%04X" % int(sys.argv[1])
with open("/proc/net/tcp") as f:
    for line in f.readlines()[1:]:
        p = line.split()
        if p[1] == "0100007F:" + port and p[3] == "0A":
            sys.exit(0)
sys.exit(1)
PYEOF
}

# free_ports N: N free ports on 127.0.0.1, on one line. All are bound at once
# so that no two are the same, then released for the servers to take; fixed
# ports would clash with whatever else runs on the machine.
free_ports() {
    "$PY" - "$1" <<'PYEOF'
import socket
import sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
for s in socks:
    s.close()
PYEOF
}
