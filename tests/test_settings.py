"""The settings as each environment reads them."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


def _load(
    module: str, show: str = "settings.DATABASES['default']['ENGINE']", **env: str
) -> subprocess.CompletedProcess:
    """Start Django with `module` and `env` (a variable given empty is removed), and print
    `show`."""
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(SECRET_KEY="essai", DJANGO_SETTINGS_MODULE=module, **env)
    environment = {k: v for k, v in environment.items() if v != ""}
    code = f"import django; django.setup(); from django.conf import settings; print({show})"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_its_database():
    result = _load("config.settings.production")
    assert result.returncode != 0
    assert "DATABASE_URL est obligatoire en production" in result.stderr


def test_production_uses_the_database_it_is_given():
    result = _load("config.settings.production", DATABASE_URL="postgres://pacte@db.example/pacte")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_connections_are_checked_before_reuse():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True


def test_the_embedded_sqlite_waits_for_writers_instead_of_failing():
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]
    assert options["timeout"] >= 20


def test_the_demo_shows_pactes_own_error_pages(tmp_path):
    """The demo runs with DEBUG off (French 404 and 500 pages, no list of the site's addresses),
    cookies over plain HTTP on 127.0.0.1, and its test signing authority."""
    shown = "settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.PACTE_ALLOW_TEST_SIGNING"
    result = _load(
        "config.settings.demo",
        PACTE_VAR_DIR=str(tmp_path),
        DEBUG="",
        SESSION_COOKIE_SECURE="",
        show=shown,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False", "True"]
