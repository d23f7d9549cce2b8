"""Real background workers for the tests: `manage.py pacte_worker` in a subprocess, on the test
database, with the database task backend; and a small SMTP server that records what it gets.

A test that starts a worker must see committed data: it is transactional
(`@pytest.mark.django_db(transaction=True, serialized_rollback=True)`)."""

from __future__ import annotations

import os
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import quote

from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
STALE_SECONDS = 3


def database_url() -> str:
    """The test database, as DATABASE_URL names it."""
    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings['NAME']}"
    user = quote(settings.get("USER") or "", safe="")
    password = settings.get("PASSWORD") or ""
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    host = quote(settings.get("HOST") or "localhost", safe="")
    port = settings.get("PORT") or 5432
    return f"postgres://{credentials}@{host}:{port}/{settings['NAME']}"


def wait_until(predicate: Callable[[], object], *, timeout: float = 60, step: float = 0.05):
    """The predicate's first true value, polled; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"toujours faux après {timeout} s : {predicate}")
        time.sleep(step)


class Worker:
    """`manage.py pacte_worker` in a subprocess, its output in `log`."""

    def __init__(self, var_dir: Path, name: str = "worker", **env: str) -> None:
        self.log = var_dir / f"{name}.log"
        environment = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PACTE_TEST_DB"}
        }
        environment.update(
            DJANGO_SETTINGS_MODULE="config.settings.test",
            DATABASE_URL=database_url(),
            PACTE_TASKS_BACKEND="database",
            PACTE_TASK_STALE_SECONDS=str(STALE_SECONDS),
            # Its files (MEDIA_ROOT = var/test-media) where the test reads them.
            PACTE_VAR_DIR=str(var_dir),
            PYTHONUNBUFFERED="1",
            **env,
        )
        self._output = self.log.open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "pacte_worker", "--no-startup-delay", "--interval=0.1"],
            cwd=ROOT,
            env=environment,
            stdout=self._output,
            stderr=subprocess.STDOUT,
        )

    @property
    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean-up, no last write, as when the machine loses the process."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.alive:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._output.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def free_port() -> int:
    """A local TCP port on which nothing listens (for now)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _SmtpHandler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        server: SmtpServer = self.server  # type: ignore[assignment]
        self._reply("220 pacte-test ESMTP")
        sender, recipients = "", []
        while line := self.rfile.readline():
            command = line.decode("ascii", "replace").strip()
            verb = command[:4].upper()
            if verb in {"EHLO", "HELO"}:
                self._reply("250 pacte-test")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                self._reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self._reply("250 OK")
            elif verb == "DATA":
                self._reply("354 Fin par <CRLF>.<CRLF>")
                data = []
                while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                    data.append(chunk[1:] if chunk.startswith(b"..") else chunk)
                message = message_from_bytes(b"".join(data), policy=policy.default)
                server.received.append((sender, recipients, message))
                self._reply("250 OK")
            elif verb == "QUIT":
                self._reply("221 Au revoir")
                return
            else:
                self._reply("250 OK")

    def _reply(self, text: str) -> None:
        self.wfile.write(f"{text}\r\n".encode())


class SmtpServer(socketserver.ThreadingTCPServer):
    """A mail server on 127.0.0.1:`port`, in a thread; `received` holds (from, to, message)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), _SmtpHandler)
        self.received: list[tuple[str, list[str], EmailMessage]] = []
        self.port = self.server_address[1]
        self._thread = threading.Thread(target=self.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.shutdown()
        self.server_close()
