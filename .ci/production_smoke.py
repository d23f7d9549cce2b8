"""Pacte started as in production, and checked from outside.

    .venv/bin/python .ci/production_smoke.py postgres://postgres@127.0.0.1:55432/postgres

On a PostgreSQL server given by its address (a database `pacte_prod` and `pacte_restauree`
are created there, and dropped at the end), with the production settings and the entry point
of deploy/: migrations, `check --deploy`, the demo's data, the WSGI server and the worker;
then over HTTP, as the reverse proxy passes requests on (the site's host name, HTTPS said by
X-Forwarded-Proto): the health checks, a login and a page for each role, a batch of documents
done by the real worker, and a backup restored into an empty installation."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
HOST = "pacte.test"
SITE = f"https://{HOST}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def step(title: str) -> None:
    print(f"-- {title}", flush=True)


def fail(message: str) -> None:
    print(f"ÉCHEC : {message}", flush=True)
    raise SystemExit(1)


def run(args: list[str], env: dict, *, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        fail(f"{' '.join(args)}\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return result


def admin_sql(server_url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


class Client:
    """A browser as the reverse proxy passes it on: cookies, the site's host, HTTPS."""

    def __init__(self, base: str) -> None:
        self.base = base
        # The cookies are `Secure`: the proxy speaks HTTPS to the browser, plain HTTP to Pacte.
        self.jar = http.cookiejar.CookieJar(policy=_BehindTheProxy())
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        """(status, location, body), following redirects."""
        for _ in range(10):
            body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
            request = urllib.request.Request(
                self.base + path,
                data=body,
                headers={
                    "Host": HOST,
                    "X-Forwarded-Proto": "https",
                    "Referer": SITE + path,
                    "Accept-Encoding": "identity",
                },
            )
            try:
                with self.opener.open(request, timeout=60) as response:
                    return response.status, path, response.read().decode("utf-8", "replace")
            except urllib.error.HTTPError as error:
                if error.code in (301, 302, 303):
                    location = urllib.parse.urlsplit(error.headers["Location"])
                    path = location.path + (f"?{location.query}" if location.query else "")
                    data = None
                    continue
                return error.code, path, error.read().decode("utf-8", "replace")
        fail(f"trop de redirections depuis {path}")
        raise AssertionError

    def csrf(self) -> str:
        for cookie in self.jar:
            if cookie.name == "csrftoken":
                return cookie.value
        fail("pas de jeton CSRF")
        raise AssertionError

    def login(self, username: str, password: str, totp_key: str) -> str:
        status, _, page = self.request("/connexion/")
        if status != 200:
            fail(f"page de connexion : {status}")
        status, where, page = self.request(
            "/connexion/",
            {"username": username, "password": password, "csrfmiddlewaretoken": self.csrf()},
        )
        if 'name="code"' in page:  # the second factor (administrators, finance)
            import pyotp

            form_action = re.search(r'<form[^>]*method="post"[^>]*action="([^"]+)"', page)
            action = form_action.group(1) if form_action else where
            status, where, page = self.request(
                action,
                {"code": pyotp.TOTP(totp_key).now(), "csrfmiddlewaretoken": self.csrf()},
            )
        if status != 200 or where.startswith("/connexion/"):
            fail(f"connexion de {username} : {status} sur {where}\n{page[:2000]}")
        return page


class _BehindTheProxy(http.cookiejar.DefaultCookiePolicy):
    def return_ok_secure(self, cookie, request):
        return True


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main() -> None:
    server_url = sys.argv[1]
    parts = urllib.parse.urlsplit(server_url)

    def database(name: str) -> str:
        return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))

    var = Path(tempfile.mkdtemp(prefix="pacte-production-"))
    restored_var = Path(tempfile.mkdtemp(prefix="pacte-restauree-"))
    web_port, tsa_port, smtp_port = free_port(), free_port(), free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PACTE_", "DJANGO_", "DATABASE_", "EMAIL_", "SENTRY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=database("pacte_prod"),
        ALLOWED_HOSTS=HOST,
        CSRF_TRUSTED_ORIGINS=SITE,
        PACTE_SITE_URL=SITE,
        PACTE_VAR_DIR=str(var),
        PACTE_BIND=f"127.0.0.1:{web_port}",
        PACTE_WEB_WORKERS="2",
        PACTE_TSA_URL=f"http://127.0.0.1:{tsa_port}/",
        # No mail server: mails wait in the queue and are retried, nothing fails for it.
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        PACTE_TASK_STALE_SECONDS="20",
        # What the legal pages say (check --deploy asks for each).
        PACTE_HOST_NAME="Hébergeur d'essai",
        PACTE_HOST_ADDRESS="1 rue de l'Essai, 62000 Arras",
        PACTE_HOST_PHONE="03 00 00 00 00",
        PACTE_SOURCE_URL="https://example.org/pacte",
        PACTE_DPO_CONTACT="dpo@example.org",
        PACTE_ACCESSIBILITY_CONTACT="accessibilite@example.org",
    )
    processes: list[subprocess.Popen] = []
    entry = str(ROOT / "deploy" / "entrypoint.sh")
    try:
        admin_sql(
            server_url,
            "DROP DATABASE IF EXISTS pacte_prod",
            "DROP DATABASE IF EXISTS pacte_restauree",
            "CREATE DATABASE pacte_prod",
            "CREATE DATABASE pacte_restauree",
        )
        step("Migrations et fichiers statiques (deploy/entrypoint.sh migrate)")
        run([entry, "migrate"], env)

        step("Données de démonstration")
        demo_env = dict(env, DJANGO_SETTINGS_MODULE="config.settings.demo")
        demo_env.pop("PACTE_TSA_URL")  # the demo serves its own while it signs
        run([PYTHON, "manage.py", "demo"], demo_env)
        password = (var / "demo-password").read_text().strip()
        totp_key = (
            (var / "demo-totp-key").read_text().strip() if (var / "demo-totp-key").exists() else ""
        )
        # The signing authority the demo made, named as production names its own.
        env.update(
            PACTE_SIGNING_CA_CERT=str(var / "pki" / "ca-cert.pem"),
            PACTE_SIGNING_CA_KEY=str(var / "pki" / "ca-key.pem"),
        )

        step("check --deploy avec les variables de production")
        result = run([PYTHON, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
        print(result.stdout.strip() or result.stderr.strip())

        step("Serveur web (gunicorn), processus de fond, autorité d'horodatage")
        logs = {}
        for name, args in {
            "web": [entry, "web"],
            "worker": [entry, "worker"],
            "tsa": [PYTHON, "manage.py", "pacte_tsa", "--port", str(tsa_port)],
        }.items():
            logs[name] = (var / f"{name}.log").open("w")
            processes.append(
                subprocess.Popen(
                    args, cwd=ROOT, env=env, stdout=logs[name], stderr=subprocess.STDOUT
                )
            )

        step("État de service (/sante/ : la base, le processus de fond, la file, le disque)")
        deadline = time.monotonic() + 120
        while True:
            health = run([PYTHON, "deploy/healthcheck.py", "/sante/"], env, check=False)
            if health.returncode == 0:
                break
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                for name in logs:
                    print((var / f"{name}.log").read_text()[-3000:])
                fail(f"/sante/ : {health.stdout}")
            time.sleep(1)
        base = f"http://127.0.0.1:{web_port}"
        anonymous = Client(base)
        status, _, body = anonymous.request("/sante/")
        print(f"/sante/ {status} : {json.loads(body)['statut']}")

        step("Une page par rôle, après connexion")
        pages = {
            "admin": ("/admin/", "Administration"),
            "agent": ("/operations/", "Opérations"),
            "assemblee": ("/seances/", "Séances"),
            "finances": ("/finances/", "Fonds"),
            "elu": ("/pilotage/", "Pilotage"),
            "partenaire": ("/operations/", "Mes opérations"),
        }
        clients = {}
        for username, (path, expected) in pages.items():
            client = Client(base)
            client.login(username, password, totp_key)
            status, where, page = client.request(path)
            if status != 200 or expected not in page:
                fail(f"{username} sur {path} : {status} ({where})\n{page[:1500]}")
            print(f"{username:<11} {path:<14} {status}")
            clients[username] = client

        step("Un lot de documents fait par le processus de fond")
        agent = clients["agent"]
        status, _, page = agent.request("/operations/?etat=voted")
        ids = sorted(set(re.findall(r'name="ids" value="(\d+)"', page)))[:3]
        if not ids:
            fail("aucune opération votée à mettre dans un lot")
        status, where, page = agent.request(
            "/operations/lot/",
            {"action": "sheets", "ids": ids, "csrfmiddlewaretoken": agent.csrf()},
        )
        if "/documents/lots/" not in where:
            fail(f"le lot n'a pas été lancé : {status} {where}\n{page[:1500]}")
        deadline = time.monotonic() + 180
        while "Terminé" not in page and "terminé" not in page:
            if time.monotonic() > deadline:
                fail(f"le lot ne s'est pas terminé :\n{page[:3000]}")
            time.sleep(2)
            status, _, page = agent.request(where)
        print(f"lot {where} terminé ({len(ids)} fiches)")

        step("Sauvegarde (deploy/entrypoint.sh backup), puis restauration dans une base vide")
        run([entry, "backup"], env)
        archives = sorted((var / "sauvegardes").glob("pacte-*.tar.gz"))
        if not archives:
            fail("aucune archive écrite")
        restore_env = dict(
            env, DATABASE_URL=database("pacte_restauree"), PACTE_VAR_DIR=str(restored_var)
        )
        result = run([entry, "pacte_restore", str(archives[-1])], restore_env)
        print(result.stdout.strip().splitlines()[-1])
        if "documents vérifiés contre leur empreinte" not in result.stdout:
            fail("la restauration n'a pas vérifié les documents")
        print("Pacte en production : tout répond.")
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        try:
            admin_sql(
                server_url,
                "DROP DATABASE IF EXISTS pacte_prod WITH (FORCE)",
                "DROP DATABASE IF EXISTS pacte_restauree WITH (FORCE)",
            )
        except Exception as exc:  # noqa: BLE001 — cleaning up must not hide the result
            print(f"(nettoyage : {exc})")
        shutil.rmtree(var, ignore_errors=True)
        shutil.rmtree(restored_var, ignore_errors=True)


if __name__ == "__main__":
    main()
