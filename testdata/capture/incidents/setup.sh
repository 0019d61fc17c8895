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

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib.sh
. "$HERE/../lib.sh"

need_args 2 "SETUP OUTDIR" "$@"
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

ME="setup.sh $SETUP"
APP=$HERE/app
set_out "$2"
PY=${PY:-/usr/bin/python3}

make_work "/tmp/slowroutes-incidents-$SETUP.XXXXXX"

# Files this setup writes; remove old ones because the servers append.
for f in uwsgi.log uwsgi-threads.log gunicorn-error.log gunicorn-access.log \
    nginx-access.log nginx-access.json nginx-access-combined.log nginx-error.log \
    client.tsv signals.tsv; do
    rm -f "$OUT/$f"
done

# Free loopback ports.
read -r P1 P2 P3 P4 < <(free_ports 4)

export PYTHONDONTWRITEBYTECODE=1 TZ=UTC

# The payment gateway that never answers.
start TERM silent "$PY" "$HERE/silent.py" "$WORK/silent.port"
wait_for "the silent gateway" 10 test -s "$WORK/silent.port"
INCIDENTS_GATEWAY="127.0.0.1:$(cat "$WORK/silent.port")"
export INCIDENTS_GATEWAY
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
    start INT uwsgi uwsgi --ini "$HERE/uwsgi.ini" \
        --socket "127.0.0.1:$P1" --chdir "$APP" --wsgi-file "$APP/wsgi.py" \
        --pidfile "$WORK/uwsgi.pid" --stats "$WORK/uwsgi-stats.sock" \
        --py-tracebacker "$WORK/uwsgi-tb" --logto "$OUT/uwsgi.log" "${fmt[@]}"
    start INT uwsgi-threads uwsgi --ini "$HERE/uwsgi.ini" \
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
    fmt=("$GUNICORN_FORMAT")
    [ "$VARIANT" = ids ] && fmt=("$GUNICORN_IDS_FORMAT")
    # SIGTERM is a graceful shutdown. The error log is gunicorn's stderr
    # (its default --error-logfile -), shared with the app and faulthandler.
    start_to TERM "$WORK/gunicorn.stdout" "$OUT/gunicorn-error.log" gunicorn --chdir "$APP" \
        --bind "unix:$WORK/gunicorn.sock" --bind "127.0.0.1:$P1" \
        --workers 2 --worker-class sync --timeout 6 \
        --access-logfile "$OUT/gunicorn-access.log" --access-logformat "${fmt[0]}" \
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
start QUIT nginx nginx -p "$WORK/" -c "$WORK/nginx.conf" \
    -e "$WORK/nginx-startup.log" -g "daemon off;"

wait_for "servers to start" 30 ready
echo "setup.sh $SETUP: servers up; running the client"

# In the background, so that a TERM to this script is handled at once.
start_to TERM /dev/stdout /dev/stderr "$PY" "$HERE/client.py" "$WORK/client.json"
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
