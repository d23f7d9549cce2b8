"""Pacte's own French error pages (400, 403, 404, 500) and the API's French JSON errors, in each
environment's settings as it starts them: a Django process per settings module (base, test,
demo, production), over a copy of the test database, asked through Django's test client. No
environment may show Django's technical pages (which list the site's addresses) or its English
ones."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db  # the session's test database, copied for each process

ROOT = Path(__file__).resolve().parents[1]

# Run in the child process: three addresses added before the first request (a page that fails,
# one that refuses, an API address that fails), then every error asked for.
PROBE = r"""
import json, sys
import django
django.setup()
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import path
import config.urls

def fails(request):
    raise RuntimeError("essai d'une erreur imprévue")

def refuses(request):
    raise PermissionDenied

config.urls.urlpatterns[:0] = [
    path("essai-erreur/", fails),
    path("essai-refus/", refuses),
    path("api/essai-erreur/", fails),
]
secure = sys.argv[1] == "https"
client = Client(raise_request_exception=False)
answers = {}
for name, address, extra in [
    ("404", "/cette-page-n-existe-pas/", {}),
    ("403", "/essai-refus/", {}),
    ("500", "/essai-erreur/", {}),
    ("400", "/?q=%00", {}),
    ("400-host", "/", {"HTTP_HOST": "ailleurs.example"}),
    ("api-404", "/api/rien-ici", {}),
    ("api-401", "/api/partenaires", {}),
    ("api-500", "/api/essai-erreur/", {}),
]:
    response = client.get(address, secure=secure, **extra)
    answers[name] = [
        response.status_code, response.get("Content-Type", ""), response.content.decode()
    ]
print("PROBE" + json.dumps(answers))
"""


def _database_url(tmp_path: Path) -> str:
    """A copy of the session's test database (SQLite), or the test database itself."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        copy = tmp_path / "pacte.sqlite3"
        source = sqlite3.connect(settings["NAME"])
        target = sqlite3.connect(copy)
        with target:
            source.backup(target)
        source.close()
        target.close()
        return f"sqlite:///{copy}"
    user = settings["USER"] or ""
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "localhost"
    port = f":{settings['PORT']}" if settings["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{settings['NAME']}"


def _probe(module: str, tmp_path: Path, **env: str) -> dict[str, list]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "DJANGO_SETTINGS_MODULE", "DATABASE_URL", "ALLOWED_HOSTS"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE=module,
        SECRET_KEY="essai-des-pages-d-erreur",
        DATABASE_URL=_database_url(tmp_path),
        PACTE_VAR_DIR=str(tmp_path / "var"),
        PACTE_STATIC_ROOT=str(tmp_path / "static"),
        ALLOWED_HOSTS="testserver",
        **env,
    )
    scheme = "https" if module.endswith("production") else "http"
    if module.endswith("production"):
        # Production serves the static files collected with their manifest.
        collect = subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=environment,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert collect.returncode == 0, collect.stderr
    result = subprocess.run(
        [sys.executable, "-c", PROBE, scheme],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("PROBE"))
    return json.loads(line.removeprefix("PROBE"))


@pytest.mark.parametrize(
    "module",
    [
        "config.settings.base",
        "config.settings.test",
        "config.settings.demo",
        "config.settings.production",
    ],
)
def test_every_environment_answers_errors_in_french(module, tmp_path):
    answers = _probe(module, tmp_path)

    def page(name: str, status: int, title: str) -> str:
        got, content_type, body = answers[name]
        assert got == status, f"{module} {name} : {got}\n{body[:500]}"
        assert content_type.startswith("text/html"), (name, content_type)
        assert '<html lang="fr">' in body, (name, body[:300])
        assert f"<h1>{title}</h1>" in body, (name, body[:800])
        assert f"<title>{title} — Pacte</title>" in body
        # Never Django's technical or English pages.
        for technical in ("URLconf", "Traceback", "Not Found", "Server Error", "Forbidden"):
            assert technical not in body, (name, technical)
        return body

    page("404", 404, "Page introuvable")
    page("403", 403, "Accès refusé")
    body = page("500", 500, "Erreur du serveur")
    assert "rien n'a été enregistré" in body.replace("&#x27;", "'")
    assert "essai d" not in body  # the error's own text stays in the logs
    page("400", 400, "Requête refusée")
    page("400-host", 400, "Requête refusée")

    def api(name: str, status: int, words: str) -> None:
        got, content_type, body = answers[name]
        assert got == status, f"{module} {name} : {got}\n{body[:500]}"
        assert content_type.startswith("application/json"), (name, content_type)
        assert words in json.loads(body)["detail"], (name, body)

    api("api-404", 404, "Adresse inconnue de l'API")
    api("api-401", 401, "Authentification requise")
    api("api-500", 500, "erreur imprévue")
