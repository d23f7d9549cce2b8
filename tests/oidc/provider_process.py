"""Start and drive the real OpenID Connect provider of the tests (django-oauth-toolkit, in a
second Django process: tests/oidc/provider/)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "mot-de-passe-du-fournisseur"

# The provider's people. Agents have groups; partners' staff a SIRET (ProConnect's claims).
USERS = {
    "claire.agent": {
        "email": "claire.agent@departement.test",
        "first_name": "Claire",
        "last_name": "Delattre",
        "claims": {"groups": ["pacte-agents", "tous-les-agents"]},
    },
    "paul.finances": {
        "email": "paul.finances@departement.test",
        "first_name": "Paul",
        "last_name": "Lefebvre",
        "claims": {"groups": ["/pacte-finances"]},
    },
    "sans.role": {
        "email": "sans.role@departement.test",
        "first_name": "Sam",
        "last_name": "Sansrole",
        "claims": {"groups": ["tous-les-agents"]},
    },
    "lea.partenaire": {
        "email": "lea.partenaire@interco.test",
        "first_name": "Léa",
        "last_name": "",
        "claims": {"usual_name": "Martel", "uid": "lea-42"},  # siret: set by the fixture
    },
    "inconnu.siret": {
        "email": "inconnu@ailleurs.test",
        "first_name": "Ines",
        "last_name": "",
        "claims": {"usual_name": "Ailleurs", "siret": "11122233300012"},
    },
}


@dataclass
class Client:
    client_id: str
    client_secret: str


@dataclass
class DotProvider:
    base: str
    directory: Path
    process: subprocess.Popen
    clients: dict[str, Client] = field(default_factory=dict)

    @property
    def issuer(self) -> str:
        return f"{self.base}/o"

    def settings_for(self, key: str, **extra) -> dict:
        client = self.clients[key]
        values = {
            "issuer": self.issuer,
            "client_id": client.client_id,
            "client_secret": client.client_secret,
            "algorithms": ["RS256", "ES256"],
        }
        if key == "agents":
            values.update(
                scopes=["openid", "email", "profile"],
                roles_claim="groups",
                roles=[
                    ("pacte-admins", "admin"),
                    ("pacte-finances", "finance"),
                    ("pacte-agents", "agent"),
                    ("pacte-elus", "elected"),
                ],
            )
        else:
            values.update(
                scopes=["openid", "email", "given_name", "usual_name", "siret", "uid"],
                siret_claim="siret",
            )
        values.update(extra)
        return values

    def set_claims(self, username: str, **claims) -> None:
        path = self.directory / "claims.json"
        data = json.loads(path.read_text())
        data.setdefault(username, {}).update(claims)
        path.write_text(json.dumps(data))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start(directory: Path, *, redirect_bases: list[str], partner_siret: str) -> DotProvider:
    """Start the provider in its own process, with clients for Pacte at `redirect_bases`."""
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (directory / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    (directory / "users.json").write_text(
        json.dumps(
            [
                {
                    "username": name,
                    "password": PASSWORD,
                    **{k: v for k, v in u.items() if k != "claims"},
                }
                for name, u in USERS.items()
            ]
        )
    )
    claims = {name: dict(u["claims"]) for name, u in USERS.items()}
    claims["lea.partenaire"]["siret"] = partner_siret
    (directory / "claims.json").write_text(json.dumps(claims))
    clients = {
        "agents": Client("pacte-agents", "secret-des-agents-0123456789"),
        "partners": Client("pacte-partenaires", "secret-des-partenaires-0123456789"),
    }
    slugs = {"agents": "departement", "partners": "proconnect"}
    (directory / "clients.json").write_text(
        json.dumps(
            [
                {
                    "client_id": c.client_id,
                    "client_secret": c.client_secret,
                    "redirect_uris": [
                        f"{base}/connexion/oidc/{slugs[key]}/retour/" for base in redirect_bases
                    ],
                    "post_logout_redirect_uris": [f"{base}/connexion/" for base in redirect_bases],
                }
                for key, c in clients.items()
            ]
        )
    )
    env = {
        **os.environ,
        "OIDC_PROVIDER_DIR": str(directory),
        "DJANGO_SETTINGS_MODULE": "tests.oidc.provider.settings",
        "PYTHONPATH": str(ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.oidc.provider.serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=open(directory / "provider.log", "w"),  # noqa: SIM115
        text=True,
    )
    deadline = time.monotonic() + 60
    line = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("READY") or process.poll() is not None:
            break
    match = re.match(r"READY (\d+)", line)
    if not match:
        process.kill()
        raise RuntimeError(
            "Le fournisseur d'identité de test n'a pas démarré :\n"
            + (directory / "provider.log").read_text()[-3000:]
        )
    base = f"http://127.0.0.1:{match.group(1)}"
    provider = DotProvider(base=base, directory=directory, process=process, clients=clients)
    requests.get(
        f"{provider.issuer}/.well-known/openid-configuration", timeout=10
    ).raise_for_status()
    return provider


def log_in_at_provider(authorization_url: str, username: str, password: str = PASSWORD) -> str:
    """What a person does at the provider: open the authorization URL, log in, and be sent
    back. Returns the URL the provider sends the browser back to (Pacte's callback)."""
    session = requests.Session()
    page = session.get(authorization_url, timeout=10)
    assert page.status_code == 200, page.text[:500]
    token = session.cookies.get("provider_csrf")
    response = session.post(
        page.url,
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 302, response.text[:500]
    location = urljoin(page.url, response.headers["Location"])
    while location.startswith(authorization_url.split("/o/")[0]):
        response = session.get(location, allow_redirects=False, timeout=10)
        assert response.status_code == 302, response.text[:500]
        location = urljoin(location, response.headers["Location"])
    return location
