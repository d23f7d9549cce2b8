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
