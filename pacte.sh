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
    "$UV" run --frozen python manage.py demo
    host="${PACTE_HOST:-127.0.0.1}"; port="${PACTE_PORT:-8000}"
    # The worker generates documents in the background (batches of conventions…).
    "$UV" run --frozen python manage.py db_worker --no-startup-delay > var/worker.log 2>&1 &
    worker=$!
    trap 'kill $worker 2>/dev/null' EXIT INT TERM
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
