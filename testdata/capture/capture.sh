#!/usr/bin/env bash
# Capture real nginx, uWSGI and gunicorn logs plus the client's own record.
#
# Usage: testdata/capture/capture.sh OUTDIR
#
# Starts, on 127.0.0.1 and free ports only:
#   - uWSGI "default"  (uwsgi.ini, --logto OUTDIR/uwsgi.log)
#   - uWSGI "logdate"  (uwsgi.ini + --logdate "%Y-%m-%d %H:%M:%S" --log-micros,
#                       --logto OUTDIR/uwsgi-logdate.log)
#   - nginx            (nginx.conf.in: one server per uWSGI instance, uwsgi_pass,
#                       three access logs and an info-level error log in OUTDIR)
#   - gunicorn         (sync, 2 workers, --timeout 2, --log-level debug,
#                       --capture-output into OUTDIR/gunicorn-error.log,
#                       OUTDIR/gunicorn-access.log)
# runs client.py (which writes OUTDIR/client.tsv), waits until every request
# the servers received has been logged, then stops exactly the processes it
# started. The log files in OUTDIR are left as the servers wrote them.
#
# Exit status: 0 on success, 2 on missing prerequisites, 3 when the client saw
# a request end differently from its plan, 1 on any other failure.

set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
. "$HERE/lib.sh"
ME=capture.sh

need_args 1 OUTDIR "$@"
set_out "$1"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || true)
UWSGI_PLUGIN=/usr/lib/uwsgi/plugins/python3_plugin.so

missing() {
    ! command -v nginx >/dev/null 2>&1 ||
        ! command -v uwsgi >/dev/null 2>&1 ||
        ! command -v gunicorn >/dev/null 2>&1 ||
        [ ! -e "$UWSGI_PLUGIN" ] || [ -z "$PY" ]
}
ensure_packages nginx uwsgi uwsgi-plugin-python3 gunicorn

export PYTHONDONTWRITEBYTECODE=1

make_work /tmp/slowroutes-capture.XXXXXX

# Files this script writes; remove old ones because the servers append.
FILES="uwsgi.log uwsgi-logdate.log nginx-access.log nginx-access-combined.log
nginx-access.json nginx-error.log gunicorn-error.log gunicorn-access.log client.tsv"
for f in $FILES; do rm -f "$OUT/$f"; done

# Five distinct free loopback ports.
read -r P_NGINX_U P_NGINX_L P_UWSGI P_UWSGI_L P_GUNICORN < <(free_ports 5)

count_re() { # count_re REGEX FILE: count (lib.sh), for an extended regex
    if [ -e "$2" ]; then grep -cE -- "$1" "$2" || true; else echo 0; fi
}

echo "capture.sh: output in $OUT; scratch in $WORK"

# uWSGI: SIGINT makes the master kill its workers and exit.
start INT uwsgi uwsgi --ini "$HERE/uwsgi.ini" \
    --socket "127.0.0.1:$P_UWSGI" --chdir "$HERE" --wsgi-file "$HERE/app.py" \
    --pidfile "$WORK/uwsgi.pid" --logto "$OUT/uwsgi.log"
start INT uwsgi-logdate uwsgi --ini "$HERE/uwsgi.ini" \
    --socket "127.0.0.1:$P_UWSGI_L" --chdir "$HERE" --wsgi-file "$HERE/app.py" \
    --pidfile "$WORK/uwsgi-logdate.pid" --logto "$OUT/uwsgi-logdate.log" \
    --logdate="%Y-%m-%d %H:%M:%S" --log-micros

sed -e "s#@WORK@#$WORK#g" -e "s#@OUT@#$OUT#g" \
    -e "s#@NGINX_UWSGI_PORT@#$P_NGINX_U#g" \
    -e "s#@NGINX_UWSGI_LOGDATE_PORT@#$P_NGINX_L#g" \
    -e "s#@UWSGI_PORT@#$P_UWSGI#g" \
    -e "s#@UWSGI_LOGDATE_PORT@#$P_UWSGI_L#g" \
    "$HERE/nginx.conf.in" >"$WORK/nginx.conf"
nginx -t -q -p "$WORK/" -c "$WORK/nginx.conf" -e "$WORK/nginx-startup.log"
# nginx: SIGQUIT is a graceful shutdown.
start QUIT nginx nginx -p "$WORK/" -c "$WORK/nginx.conf" -e "$WORK/nginx-startup.log" \
    -g "daemon off;"

# gunicorn: SIGTERM is a graceful shutdown.
start TERM gunicorn gunicorn --chdir "$HERE" --bind "127.0.0.1:$P_GUNICORN" \
    --workers 2 --worker-class sync --timeout 2 --log-level debug \
    --capture-output --error-logfile "$OUT/gunicorn-error.log" \
    --access-logfile "$OUT/gunicorn-access.log" \
    --access-logformat '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s %(D)s' \
    --pid "$WORK/gunicorn.pid" app:application

uwsgi_ready() { [ "$(count 'spawned uWSGI worker 2 ' "$1")" -ge 1 ] && listening "$2"; }
gunicorn_ready() { [ "$(count 'Booting worker with pid' "$OUT/gunicorn-error.log")" -ge 2 ] && listening "$P_GUNICORN"; }
ready() {
    alive
    uwsgi_ready "$OUT/uwsgi.log" "$P_UWSGI" &&
        uwsgi_ready "$OUT/uwsgi-logdate.log" "$P_UWSGI_L" &&
        listening "$P_NGINX_U" && listening "$P_NGINX_L" && gunicorn_ready
}
wait_for "servers to start" 30 ready

rc=0
"$PY" "$HERE/client.py" "$OUT" --uwsgi "$P_NGINX_U" --uwsgi-logdate "$P_NGINX_L" \
    --gunicorn "$P_GUNICORN" || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
    echo "capture.sh: client failed with status $rc" >&2
    exit 1
fi

# Every request a server started must have ended in the logs: a request-log
# line or a kill (harakiri / worker timeout); every nginx request must have an
# access line.
settled() {
    local f started ended
    for f in uwsgi.log uwsgi-logdate.log; do
        started=$(count '"event":"request_started"' "$OUT/$f")
        ended=$(( $(count_re '^\[pid: [0-9]+\|app: ' "$OUT/$f") + $(count 'HARAKIRI ON WORKER' "$OUT/$f") ))
        [ "$started" -eq "$ended" ] || return 1
    done
    started=$(count '"event":"request_started"' "$OUT/gunicorn-error.log")
    ended=$(( $(wc -l <"$OUT/gunicorn-access.log") + $(count 'WORKER TIMEOUT' "$OUT/gunicorn-error.log") ))
    [ "$started" -eq "$ended" ] || return 1
    local want
    want=$(awk -F'\t' 'NR > 1 && $2 ~ /via-nginx$/' "$OUT/client.tsv" | wc -l)
    [ "$(wc -l <"$OUT/nginx-access.log")" -eq "$want" ] || return 1
    [ "$(wc -l <"$OUT/nginx-access-combined.log")" -eq "$want" ] || return 1
    [ "$(wc -l <"$OUT/nginx-access.json")" -eq "$want" ] || return 1
}
wait_for "in-flight requests to be logged" 30 settled
sleep 1 # let the masters finish writing respawn lines

stop_all
echo "capture.sh: done; client status $rc"
ls -l "$OUT"
exit "$rc"
