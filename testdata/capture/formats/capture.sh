#!/usr/bin/env bash
# Capture real nginx, uWSGI, gunicorn and Apache httpd logs in user-defined
# formats (log_format, log-format, --access-logformat, LogFormat), plus the
# client's own record of every request.
#
# Usage: testdata/capture/formats/capture.sh OUTDIR
#
# Starts, on 127.0.0.1 and free ports only:
#   - uWSGI   app.py, 2 processes, --log-format (below), --logto OUTDIR/uwsgi.log
#   - nginx   nginx.conf.in: uwsgi_pass to uWSGI, seven access logs of the same
#             requests, an info-level error log
#   - gunicorn app.py, --access-logformat (below), hit directly by the client
#   - backend.py  app.py on a threaded wsgiref server, behind
#   - Apache  apache2.conf.in: mod_proxy_http, ProxyTimeout 1, four access
#             logs and the error log
# runs client.py (OUTDIR/client.tsv), waits until every request is logged,
# then stops exactly the processes it started, by pid. Takes about 40 s.
#
# Exit status: 0 on success, 2 on missing prerequisites, 3 when the client saw
# a request end differently from its plan, 1 on any other failure.

set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=SCRIPTDIR/../lib.sh
. "$HERE/../lib.sh"
ME=capture.sh

need_args 1 OUTDIR "$@"
set_out "$1"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || true)
UWSGI_PLUGIN=/usr/lib/uwsgi/plugins/python3_plugin.so
APACHE_MODS=/usr/lib/apache2/modules

UWSGI_FORMAT='%(addr) - %(user) [%(ltime)] "%(method) %(uri) %(proto)" %(status) %(size) "%(referer)" "%(uagent)" %(msecs) %(micros) pid=%(pid) wid=%(wid) rid=%(var.HTTP_X_REQUEST_ID)'
GUNICORN_FORMAT='%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(L)s %(D)s %(T)s %(M)s %(p)s %({x-request-id}i)s'

missing() {
    ! command -v nginx >/dev/null 2>&1 ||
        ! command -v uwsgi >/dev/null 2>&1 ||
        ! command -v gunicorn >/dev/null 2>&1 ||
        ! command -v apache2 >/dev/null 2>&1 ||
        [ ! -e "$UWSGI_PLUGIN" ] || [ ! -e "$APACHE_MODS/mod_proxy_http.so" ] || [ -z "$PY" ]
}
ensure_packages nginx uwsgi uwsgi-plugin-python3 gunicorn apache2

export PYTHONDONTWRITEBYTECODE=1

make_work /tmp/slowroutes-formats.XXXXXX

FILES="uwsgi.log nginx-perf.log nginx-perf-named.log nginx-body.log nginx-body-none.log
nginx-trace.log nginx-combined.log nginx.json nginx-error.log gunicorn-access.log
gunicorn-error.log apache-access-D.log apache-access-T.log apache-access-ms.log
apache-access-trace.log apache-error.log client.tsv"
for f in $FILES; do rm -f "$OUT/$f"; done

# Six distinct free loopback ports. Nothing listens on DEAD: nginx and Apache
# get "connection refused" there.
read -r P_NGINX P_UWSGI P_GUNICORN P_APACHE P_BACKEND P_DEAD < <(free_ports 6)

lines() { if [ -e "$1" ]; then wc -l <"$1"; else echo 0; fi; }

echo "capture.sh: output in $OUT; scratch in $WORK"

# uWSGI: the format goes on the command line, where no config-file
# placeholder expansion can touch its %(...). SIGINT stops master and workers.
start INT uwsgi uwsgi --plugin python3 --master --processes 2 --need-app \
    --socket "127.0.0.1:$P_UWSGI" --chdir "$HERE" --wsgi-file "$HERE/app.py" \
    --pidfile "$WORK/uwsgi.pid" --logto "$OUT/uwsgi.log" --log-format "$UWSGI_FORMAT"

sed -e "s#@WORK@#$WORK#g" -e "s#@OUT@#$OUT#g" -e "s#@NGINX_PORT@#$P_NGINX#g" \
    -e "s#@UWSGI_PORT@#$P_UWSGI#g" -e "s#@DEAD_PORT@#$P_DEAD#g" \
    "$HERE/nginx.conf.in" >"$WORK/nginx.conf"
nginx -t -q -p "$WORK/" -c "$WORK/nginx.conf" -e "$WORK/nginx-startup.log"
start QUIT nginx nginx -p "$WORK/" -c "$WORK/nginx.conf" -e "$WORK/nginx-startup.log" \
    -g "daemon off;"

start TERM gunicorn gunicorn --chdir "$HERE" --bind "127.0.0.1:$P_GUNICORN" \
    --workers 2 --worker-class sync --timeout 30 \
    --error-logfile "$OUT/gunicorn-error.log" --access-logfile "$OUT/gunicorn-access.log" \
    --access-logformat "$GUNICORN_FORMAT" --pid "$WORK/gunicorn.pid" app:application

start TERM backend "$PY" "$HERE/backend.py" "$P_BACKEND"

# Apache refuses to serve as root: its children run as www-data then. The
# parent opens the log files before it drops privileges.
USER_GROUP=""
if [ "$(id -u)" -eq 0 ]; then USER_GROUP="User www-data\nGroup www-data"; fi
sed -e "s#@WORK@#$WORK#g" -e "s#@OUT@#$OUT#g" -e "s#@APACHE_PORT@#$P_APACHE#g" \
    -e "s#@BACKEND_PORT@#$P_BACKEND#g" -e "s#@DEAD_PORT@#$P_DEAD#g" \
    -e "s#@USER_GROUP@#$USER_GROUP#g" \
    "$HERE/apache2.conf.in" >"$WORK/apache2.conf"
apache2 -t -f "$WORK/apache2.conf" >"$WORK/apache2-configtest.stdout" 2>&1 || {
    cat "$WORK/apache2-configtest.stdout" >&2
    exit 1
}
# -DFOREGROUND: the parent stays in the foreground, with this pid; SIGTERM
# stops it and its children.
start TERM apache2 apache2 -DFOREGROUND -f "$WORK/apache2.conf"

ready() {
    alive
    grep -qF 'spawned uWSGI worker 2 ' "$OUT/uwsgi.log" 2>/dev/null && listening "$P_UWSGI" &&
        listening "$P_NGINX" && listening "$P_BACKEND" && listening "$P_APACHE" &&
        [ "$(count 'Booting worker with pid' "$OUT/gunicorn-error.log")" -ge 2 ] &&
        listening "$P_GUNICORN"
}
wait_for "servers to start" 30 ready

rc=0
"$PY" "$HERE/client.py" "$OUT" --nginx "$P_NGINX" --gunicorn "$P_GUNICORN" \
    --apache "$P_APACHE" || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 3 ]; then
    echo "capture.sh: client failed with status $rc" >&2
    exit 1
fi

# Every request must be in every access log of its server; uWSGI logs every
# nginx request except those to /down/ (which never reach it).
want() { awk -F'\t' -v t="$1" -v skip="$2" 'NR > 1 && $2 == t && (skip == "" || index($4, skip) != 1)' "$OUT/client.tsv" | wc -l; }
settled() {
    local n f
    n=$(want nginx "")
    for f in nginx-perf.log nginx-perf-named.log nginx-body.log nginx-body-none.log \
        nginx-trace.log nginx-combined.log nginx.json; do
        [ "$(lines "$OUT/$f")" -eq "$n" ] || return 1
    done
    [ "$(count ' rid=' "$OUT/uwsgi.log")" -eq "$(want nginx /down/)" ] || return 1
    [ "$(lines "$OUT/gunicorn-access.log")" -eq "$(want gunicorn "")" ] || return 1
    n=$(want apache "")
    for f in apache-access-D.log apache-access-T.log apache-access-ms.log apache-access-trace.log; do
        [ "$(lines "$OUT/$f")" -eq "$n" ] || return 1
    done
}
wait_for "every request to be logged" 20 settled

stop_all
echo "capture.sh: done; client status $rc"
ls -l "$OUT"
exit "$rc"
