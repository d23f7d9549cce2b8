#!/usr/bin/env bash
# Pacte's production entry point, used by the container image and by the systemd units alike:
#
#   entrypoint.sh migrate     migrations, then the static files collected (before a start or
#                             after an upgrade; safe to run again)
#   entrypoint.sh web         the WSGI server (gunicorn, deploy/gunicorn.conf.py)
#   entrypoint.sh worker      the background worker (manage.py pacte_worker)
#   entrypoint.sh scheduler   the daily work (lapse alerts, backup), for installations without
#                             systemd timers (the container's compose file)
#   entrypoint.sh backup      a backup archive (manage.py pacte_backup, keeping PACTE_BACKUP_KEEP)
#   entrypoint.sh <command>   any other management command (restore, createsuperuser…)
#
# The configuration is the environment's (docs/deploiement.md).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
cd "$root"
export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.production}"
python="${PACTE_PYTHON:-$root/.venv/bin/python}"
if [ "$DJANGO_SETTINGS_MODULE" = config.settings.production ]; then
  for variable in SECRET_KEY DATABASE_URL ALLOWED_HOSTS; do
    if [ -z "${!variable:-}" ]; then
      echo "La variable d'environnement $variable est obligatoire en production (voir docs/deploiement.md)." >&2
      exit 78
    fi
  done
fi
manage() { "$python" manage.py "$@"; }

daily() {
  # Once a day at PACTE_DAILY_AT (HH:MM, Europe/Paris): the lapse alerts, then a backup.
  local at="${PACTE_DAILY_AT:-05:30}"
  while true; do
    local now next wait
    now=$(TZ=Europe/Paris date +%s)
    next=$(TZ=Europe/Paris date -d "today $at" +%s)
    [ "$next" -gt "$now" ] || next=$(TZ=Europe/Paris date -d "tomorrow $at" +%s)
    wait=$((next - now))
    echo "Prochain passage quotidien dans $wait s ($at)."
    sleep "$wait" & wait $!
    manage lapse_alerts || echo "Alertes de caducité en échec (code $?)." >&2
    manage pacte_backup --keep "${PACTE_BACKUP_KEEP:-14}" || echo "Sauvegarde en échec (code $?)." >&2
  done
}

command="${1:-web}"
[ $# -gt 0 ] && shift
case "$command" in
  migrate)
    manage migrate --noinput
    # The container image collects them when it is built (PACTE_COLLECTSTATIC=0).
    [ "${PACTE_COLLECTSTATIC:-1}" = 0 ] || manage collectstatic --noinput --verbosity 0
    ;;
  web)
    exec "$python" -m gunicorn config.wsgi:application --config "$here/gunicorn.conf.py" "$@"
    ;;
  worker)
    exec "$python" manage.py pacte_worker "$@"
    ;;
  scheduler)
    trap 'exit 0' TERM INT
    daily
    ;;
  backup)
    exec "$python" manage.py pacte_backup --keep "${PACTE_BACKUP_KEEP:-14}" "$@"
    ;;
  *)
    exec "$python" manage.py "$command" "$@"
    ;;
esac
