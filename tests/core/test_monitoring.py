"""Operations: logs as JSON lines, error reports sent to a real Sentry-compatible endpoint (a
small HTTP server started by the test), pages compressed."""

import gzip
import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        k: v for k, v in os.environ.items() if k not in {"SENTRY_DSN", "PACTE_LOG_FORMAT"}
    }
    environment.update(DJANGO_SETTINGS_MODULE="config.settings.test", **env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_logs_are_json_lines_when_asked():
    result = _manage(
        "shell",
        "-c",
        "import logging; logging.getLogger('pacte.essai').error("
        "'Échec d’envoi', extra={'operation': 12})",
        PACTE_LOG_FORMAT="json",
    )
    line = json.loads(result.stderr.strip().splitlines()[-1])
    assert line["level"] == "ERROR" and line["logger"] == "pacte.essai"
    assert line["message"] == "Échec d’envoi" and line["operation"] == 12
    assert line["time"][:2] == "20"


class _Collector(http.server.BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]] = []

    def do_POST(self):  # noqa: N802 — the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_the_check_command_reaches_a_sentry_compatible_service():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _Collector.received = []
    try:
        dsn = f"http://clepublique@127.0.0.1:{server.server_address[1]}/42"
        result = _manage("error_reports_check", SENTRY_DSN=dsn)
        assert result.returncode == 0, result.stderr
        assert "Événement d'essai envoyé" in result.stdout
    finally:
        server.shutdown()
        server.server_close()
    paths = [path for path, _ in _Collector.received]
    assert paths and all(path.startswith("/api/42/envelope/") for path in paths)
    items = [
        json.loads(line)
        for _, body in _Collector.received
        for line in body.decode().splitlines()
        if line.startswith("{")
    ]
    messages = [item.get("message") for item in items]
    assert "Pacte : événement d'essai des rapports d'erreurs" in messages
    assert not any("user" in item for item in items)  # no personal data
    without = _manage("error_reports_check")
    assert without.returncode != 0
    assert "définissez SENTRY_DSN" in without.stderr and "Traceback" not in without.stderr


@pytest.mark.django_db
def test_pages_are_compressed(client):
    response = client.get("/connexion/", HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert response["Content-Encoding"] == "gzip"
    assert "Connexion" in gzip.decompress(response.content).decode()


@pytest.mark.django_db
def test_a_form_that_failed_its_csrf_check_is_answered_in_french():
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        "/connexion/", {"username": "x", "password": "y"}
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "Ce formulaire a expiré ou n&#x27;a pas pu être vérifié" in page
    assert "<style" not in page


def test_a_database_that_does_not_answer_is_a_french_503_page_and_json():
    """A real server whose PostgreSQL does not answer (nothing listens on its port)."""
    import socket
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed, port = probe.getsockname()[1], None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "PACTE_TEST_DB"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        DATABASE_URL=f"postgres://pacte@127.0.0.1:{closed}/pacte",
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        answers = {}
        deadline = time.monotonic() + 60
        for path in ("/operations/", "/api/operations"):
            while True:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}{path}",
                    headers={
                        "Authorization": "Bearer inconnu",  # looked up in the database
                        "Cookie": "sessionid=inconnue",  # the session too
                        "Accept-Encoding": "identity",
                    },
                )
                try:
                    with urllib.request.urlopen(request, timeout=10) as response:
                        raise AssertionError(f"{path} : {response.status} sans base de données")
                except urllib.error.HTTPError as error:
                    answers[path] = (error.code, error.headers, error.read().decode())
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=30)
    status, headers, page = answers["/operations/"]
    assert status == 503 and headers["Retry-After"] == "30"
    assert "La base de données de Pacte ne répond pas pour le moment" in page
    assert '<html lang="fr">' in page
    status, headers, body = answers["/api/operations"]
    assert status == 503 and headers["Content-Type"] == "application/json"
    assert json.loads(body)["detail"].startswith("La base de données de Pacte ne répond pas")
