#!/usr/bin/env bash
# Capture real nginx, uWSGI and gunicorn logs of timeout incidents, plus the
# client's own record of what it sent and got back.
#
# Usage: testdata/capture/incidents/capture.sh OUTDIR
#
# Runs four setups (setup.sh), each writing into OUTDIR/SETUP/:
#   uwsgi-ids      nginx -> uWSGI "uwsgi" (processes 2) and "uwsgi-threads"
#                  (processes 2, threads 2); every server logs the request id
#   uwsgi-noids    the same with the servers' default formats, no request id
#   gunicorn-ids   nginx -> gunicorn (unix socket; sync, 2 workers,
#                  --timeout 6) and the client straight to gunicorn's TCP
#                  port; request ids logged
#   gunicorn-noids the same without request ids
# A uWSGI setup and a gunicorn setup run side by side (they share nothing but
# the machine), the ids pair first. Everything listens on 127.0.0.1 (free
# ports) or on unix sockets in a temp dir; each setup stops exactly the
# processes it started. SETUPS="uwsgi-ids ..." runs a subset, one at a time.
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

export PY=/usr/bin/python3
UWSGI_PLUGIN=/usr/lib/uwsgi/plugins/python3_plugin.so

missing() {
    ! command -v nginx >/dev/null 2>&1 ||
        ! command -v uwsgi >/dev/null 2>&1 ||
        ! command -v gunicorn >/dev/null 2>&1 ||
        [ ! -e "$UWSGI_PLUGIN" ] || [ ! -x "$PY" ]
}
ensure_packages nginx uwsgi uwsgi-plugin-python3 gunicorn python3

# The client binds 127.0.0.2 and 127.0.0.3 as source addresses (Linux routes
# all of 127.0.0.0/8 to lo).
if ! "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.3", 0))' 2>/dev/null; then
    echo "capture.sh: cannot bind 127.0.0.3 (the client's second user address)" >&2
    exit 2
fi

CHILDREN=()
stop_children() {
    local pid
    for pid in "${CHILDREN[@]}"; do
        kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true
    done
    for pid in "${CHILDREN[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    CHILDREN=()
}
trap stop_children EXIT
trap 'exit 1' INT TERM

rc=0
# run SETUP...: run the setups side by side and wait for all of them
run() {
    local s pid i status
    CHILDREN=()
    for s in "$@"; do
        "$HERE/setup.sh" "$s" "$OUT/$s" &
        CHILDREN+=("$!")
    done
    for i in "${!CHILDREN[@]}"; do
        status=0
        wait "${CHILDREN[$i]}" || status=$?
        case "$status" in
        0) ;;
        3) [ "$rc" -eq 0 ] && rc=3 ;;
        *) rc=1 ;;
        esac
    done
    CHILDREN=()
}

start=$(date +%s)
if [ -n "${SETUPS:-}" ]; then
    for s in $SETUPS; do run "$s"; done
else
    run uwsgi-ids gunicorn-ids
    run uwsgi-noids gunicorn-noids
fi
echo "capture.sh: done in $(($(date +%s) - start)) s; status $rc; output in $OUT"
exit "$rc"
