#!/usr/bin/env bash
# Run one setup of the incident capture: start its servers, run the client,
# wait until every request has been logged, stop exactly what it started.
#
# Usage: setup.sh SETUP OUTDIR      (capture.sh calls it; OUTDIR is OUT/SETUP)
#
# SETUP is KIND-VARIANT: KIND uwsgi or gunicorn, VARIANT ids or noids.
#   uwsgi:    silent gateway, uWSGI "uwsgi" (uwsgi.ini, processes 2) and
#             "uwsgi-threads" (uwsgi.ini + --threads 2), nginx
#             (nginx-uwsgi.conf.in) in front of both.
#   gunicorn: silent gateway, gunicorn (sync, --workers 2, --timeout 6,
#             default log level, bound on a unix socket and 127.0.0.1:PORT),
#             nginx (nginx-gunicorn.conf.in) in front of the unix socket.
#   ids:      every server logs the request id (nginx $http_x_request_id and
#             $request_id, uWSGI %(var.HTTP_X_REQUEST_ID), gunicorn
#             %({x-request-id}i)s, the app's request_id); noids: none does.
#
# Exit status: 0, 3 when the client saw a request end differently from its
# plan, 1 on any other failure.

set -euo pipefail

if [ $# -ne 2 ]; then
    echo "usage: $0 SETUP OUTDIR" >&2
    exit 2
fi
SETUP=$1
KIND=${SETUP%-*}
VARIANT=${SETUP#*-}
case "$KIND/$VARIANT" in
uwsgi/ids | uwsgi/noids | gunicorn/ids | gunicorn/noids) ;;
*)
    echo "setup.sh: unknown setup $SETUP" >&2
    exit 2
    ;;
esac

HERE=$(cd "$(dirname "$0")" && pwd)
APP=$HERE/app
mkdir -p "$2"
OUT=$(cd "$2" && pwd)
PY=${PY:-/usr/bin/python3}

WORK=$(mktemp -d "/tmp/slowroutes-incidents-$SETUP.XXXXXX")
chmod 755 "$WORK"

PIDS=()    # every process this script started
SIGNALS=() # the signal that stops each of them cleanly

stop_all() {
    local i pid n
    for i in "${!PIDS[@]}"; do
        pid=${PIDS[$i]}
        kill -0 "$pid" 2>/dev/null && kill "-${SIGNALS[$i]}" "$pid" 2>/dev/null || true
    done
    for i in "${!PIDS[@]}"; do
        pid=${PIDS[$i]}
        for n in $(seq 1 150); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            echo "setup.sh $SETUP: pid $pid did not stop; sending SIGKILL" >&2
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    PIDS=()
    SIGNALS=()
}
cleanup() {
    stop_all
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# start SIGNAL STDOUT STDERR COMMAND...: run in background, remember its pid
start() {
    local sig=$1 out=$2 err=$3
    shift 3
    "$@" >>"$out" 2>>"$err" &
    PIDS+=("$!")
    SIGNALS+=("$sig")
}

# wait_for DESCRIPTION SECONDS COMMAND...: poll until COMMAND succeeds
wait_for() {
    local what=$1 secs=$2 n
    shift 2
    for n in $(seq 1 $((secs * 10))); do
        if "$@"; then return 0; fi
        sleep 0.1
    done
    echo "setup.sh $SETUP: timed out waiting for $what" >&2
    exit 1
}

count() { # count FIXED-STRING FILE
    if [ -e "$2" ]; then grep -cF -- "$1" "$2" || true; else echo 0; fi
}

# listening PORT: a socket listens on 127.0.0.1:PORT (reads /proc/net/tcp so
# that no connection shows up in any log)
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

alive() {
    local pid
    for pid in "${PIDS[@]}"; do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "setup.sh $SETUP: a server exited early; see $WORK and $OUT" >&2
            tail -n 20 "$WORK"/*.stdout >&2 || true
            exit 1
        fi
    done
}

# Files this setup writes; remove old ones because the servers append.
for f in uwsgi.log uwsgi-threads.log gunicorn-error.log gunicorn-access.log \
    nginx-access.log nginx-access.json nginx-access-combined.log nginx-error.log \
    client.tsv signals.tsv; do
    rm -f "$OUT/$f"
done

# Free loopback ports, all bound at once, then released.
read -r P1 P2 P3 P4 < <("$PY" - <<'PYEOF'
import socket
socks = []
for _ in range(4):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PYEOF
)

export PYTHONDONTWRITEBYTECODE=1 TZ=UTC

# The payment gateway that never answers.
start TERM "$WORK/silent.stdout" "$WORK/silent.stdout" "$PY" "$HERE/silent.py" "$WORK/silent.port"
wait_for "the silent gateway" 10 test -s "$WORK/silent.port"
export INCIDENTS_GATEWAY="127.0.0.1:$(cat "$WORK/silent.port")"
if [ "$VARIANT" = ids ]; then
    export INCIDENTS_REQUEST_IDS=1
else
    export INCIDENTS_REQUEST_IDS=0
fi

sed -e "s#@WORK@#$WORK#g" -e "s#@OUT@#$OUT#g" \
    -e "s/^\(\s*\)#@$VARIANT@ /\1/" -e '/#@ids@\|#@noids@/d' \
    "$HERE/nginx-common.conf.in" >"$WORK/nginx-common.conf"

# The shape of uWSGI's default request-log line rebuilt from log-format
# variables (log-format has none for app and req counters, hence "-"), with
# the request id, worker id and start time in ms appended.
UWSGI_IDS_FORMAT='[pid: %(pid)|app: -|req: -/-] %(addr) (%(user)) {%(vars) vars in %(pktsize) bytes} [%(ctime)] %(method) %(uri) => generated %(rsize) bytes in %(msecs) msecs (%(proto) %(status)) %(headers) headers in %(hsize) bytes (%(switches) switches on core %(core)) request_id=%(var.HTTP_X_REQUEST_ID) worker=%(wid) start_ms=%(tmsecs)'
GUNICORN_FORMAT='%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'
GUNICORN_IDS_FORMAT="$GUNICORN_FORMAT %({x-request-id}i)s"

if [ "$KIND" = uwsgi ]; then
    export INCIDENTS_DUMP_LATER=1
    fmt=()
    [ "$VARIANT" = ids ] && fmt=(--log-format "$UWSGI_IDS_FORMAT")
    # SIGINT makes a uWSGI master kill its workers and exit.
    start INT "$WORK/uwsgi.stdout" "$WORK/uwsgi.stdout" uwsgi --ini "$HERE/uwsgi.ini" \
        --socket "127.0.0.1:$P1" --chdir "$APP" --wsgi-file "$APP/wsgi.py" \
        --pidfile "$WORK/uwsgi.pid" --stats "$WORK/uwsgi-stats.sock" \
        --py-tracebacker "$WORK/uwsgi-tb" --logto "$OUT/uwsgi.log" "${fmt[@]}"
    start INT "$WORK/uwsgi-threads.stdout" "$WORK/uwsgi-threads.stdout" uwsgi --ini "$HERE/uwsgi.ini" \
        --threads 2 \
        --socket "127.0.0.1:$P2" --chdir "$APP" --wsgi-file "$APP/wsgi.py" \
        --pidfile "$WORK/uwsgi-threads.pid" --stats "$WORK/uwsgi-threads-stats.sock" \
        --py-tracebacker "$WORK/uwsgi-threads-tb" --logto "$OUT/uwsgi-threads.log" "${fmt[@]}"
    sed -e "s#@WORK@#$WORK#g" -e "s#@OUT@#$OUT#g" \
        -e "s#@NGINX_UWSGI_PORT@#$P3#g" -e "s#@NGINX_UWSGI_THREADS_PORT@#$P4#g" \
        -e "s#@UWSGI_PORT@#$P1#g" -e "s#@UWSGI_THREADS_PORT@#$P2#g" \
        "$HERE/nginx-uwsgi.conf.in" >"$WORK/nginx.conf"
    uwsgi_ready() { # LOG PORT STATS
        [ "$(count 'spawned uWSGI worker 2 ' "$1")" -ge 1 ] &&
            [ "$(count 'python tracebacker for worker ' "$1")" -ge 2 ] &&
            [ -S "$3" ] && listening "$2"
    }
    ready() {
        alive
        uwsgi_ready "$OUT/uwsgi.log" "$P1" "$WORK/uwsgi-stats.sock" &&
            uwsgi_ready "$OUT/uwsgi-threads.log" "$P2" "$WORK/uwsgi-threads-stats.sock" &&
            listening "$P3" && listening "$P4"
    }
    cat >"$WORK/client.json" <<JSON
{"setup": "$SETUP", "kind": "uwsgi", "out": "$OUT", "targets": {
  "uwsgi": {"port": $P3, "log": "$OUT/uwsgi.log", "stats": "$WORK/uwsgi-stats.sock"},
  "uwsgi-threads": {"port": $P4, "log": "$OUT/uwsgi-threads.log", "stats": "$WORK/uwsgi-threads-stats.sock"}}}
JSON
else
    export INCIDENTS_DUMP_LATER=
    fmt=$GUNICORN_FORMAT
    [ "$VARIANT" = ids ] && fmt=$GUNICORN_IDS_FORMAT
    # SIGTERM is a graceful shutdown. The error log is gunicorn's stderr
    # (its default --error-logfile -), shared with the app and faulthandler.
    start TERM "$WORK/gunicorn.stdout" "$OUT/gunicorn-error.log" gunicorn --chdir "$APP" \
        --bind "unix:$WORK/gunicorn.sock" --bind "127.0.0.1:$P1" \
        --workers 2 --worker-class sync --timeout 6 \
        --access-logfile "$OUT/gunicorn-access.log" --access-logformat "$fmt" \
        --pid "$WORK/gunicorn.pid" wsgi:application
    sed -e "s#@WORK@#$WORK#g" -e "s#@OUT@#$OUT#g" -e "s#@NGINX_GUNICORN_PORT@#$P3#g" \
        "$HERE/nginx-gunicorn.conf.in" >"$WORK/nginx.conf"
    ready() {
        alive
        [ "$(count 'Booting worker with pid' "$OUT/gunicorn-error.log")" -ge 2 ] &&
            [ -S "$WORK/gunicorn.sock" ] && listening "$P1" && listening "$P3"
    }
    cat >"$WORK/client.json" <<JSON
{"setup": "$SETUP", "kind": "gunicorn", "out": "$OUT", "targets": {
  "gunicorn": {"port": $P3, "log": "$OUT/gunicorn-error.log"},
  "gunicorn-direct": {"port": $P1, "log": "$OUT/gunicorn-error.log"}}}
JSON
fi

nginx -t -q -p "$WORK/" -c "$WORK/nginx.conf" -e "$WORK/nginx-startup.log"
# nginx: SIGQUIT is a graceful shutdown.
start QUIT "$WORK/nginx.stdout" "$WORK/nginx.stdout" nginx -p "$WORK/" -c "$WORK/nginx.conf" \
    -e "$WORK/nginx-startup.log" -g "daemon off;"

wait_for "servers to start" 30 ready
echo "setup.sh $SETUP: servers up; running the client"

# In the background, so that a TERM to this script is handled at once.
start TERM /dev/stdout /dev/stderr "$PY" "$HERE/client.py" "$WORK/client.json"
rc=0
wait "${PIDS[-1]}" || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
    echo "setup.sh $SETUP: client failed with status $rc" >&2
    exit 1
fi

# Every request that went through nginx has its access-log line.
settled() {
    local want
    want=$(awk -F'\t' 'NR > 1 && $3 != "gunicorn-direct"' "$OUT/client.tsv" | wc -l)
    [ "$(wc -l <"$OUT/nginx-access.log")" -eq "$want" ]
}
wait_for "nginx to log every request" 30 settled

stop_all
echo "setup.sh $SETUP: done; client status $rc"
exit "$rc"
