#!/usr/bin/env bash
# Pacte's entry point: `./pacte.sh demo` starts the demo, `./pacte.sh test` runs the test suite.
set -euo pipefail
cd "$(dirname "$0")"

ensure_uv() {
  if command -v uv >/dev/null 2>&1; then UV=uv; return; fi
  if [ -x var/tools/bin/uv ]; then UV=var/tools/bin/uv; return; fi
  echo "Installation de uv (gestionnaire d'environnement Python) dans var/tools…" >&2
  python3 -m venv var/tools
  var/tools/bin/pip install --quiet uv
  UV=var/tools/bin/uv
}

ensure_uv
cmd="${1:-demo}"
shift || true
case "$cmd" in
  demo)
    "$UV" sync --frozen --quiet
    export DJANGO_SETTINGS_MODULE=config.settings.demo
    host="${PACTE_HOST:-127.0.0.1}"; port="${PACTE_PORT:-8000}"
    # The links of the mails, those the demo's story writes included.
    export PACTE_SITE_URL="${PACTE_SITE_URL:-http://$host:$port}"
    "$UV" run --frozen python manage.py demo
    # The signatures are timestamped by the demo's local timestamp authority (RFC 3161), unless
    # PACTE_TSA_URL names another one (docs/deploiement.md).
    if [ -z "${PACTE_TSA_URL:-}" ]; then
      tsa_port="${PACTE_TSA_PORT:-8001}"
      "$UV" run --frozen python manage.py pacte_tsa --port "$tsa_port" >> var/tsa.log 2>&1 &
      tsa=$!
      export PACTE_TSA_URL="http://127.0.0.1:$tsa_port/"
    fi
    # The worker runs the background work (batches of documents, history imports, mails,
    # figures): it waits out database errors itself, takes back what a killed worker left, and
    # is restarted whenever it stops, as the production supervision does (docs/deploiement.md).
    (
      trap 'kill ${child:-} 2>/dev/null; exit 0' INT TERM
      while true; do
        "$UV" run --frozen python manage.py pacte_worker --no-startup-delay >> var/worker.log 2>&1 &
        child=$!
        wait $child && code=0 || code=$?
        echo "$(date -Iseconds) processus de fond arrêté (code $code) : relance dans 2 s" >> var/worker.log
        sleep 2
      done
    ) &
    supervisor=$!
    trap 'kill $supervisor ${tsa:-} 2>/dev/null' EXIT INT TERM
    echo
    echo "Pacte est ouvert sur http://$host:$port/ (Ctrl+C pour l'arrêter)."
    "$UV" run --frozen python manage.py runserver "$host:$port" --noreload "$@"
    ;;
  test)
    "$UV" sync --frozen --quiet
    if [ ! -f node_modules/axe-core/axe.min.js ] && command -v npm >/dev/null 2>&1; then
      npm ci --silent --no-audit --no-fund
    fi
    exec "$UV" run --frozen pytest "$@"
    ;;
  sync)
    "$UV" sync --frozen --quiet
    ;;
  *)
    echo "Usage : ./pacte.sh demo | ./pacte.sh test [options de pytest]" >&2
    exit 2
    ;;
esac
