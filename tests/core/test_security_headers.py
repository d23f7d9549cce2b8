"""Security headers and HTTPS: the Content-Security-Policy on every response, templates that need
no exception to it, the API documentation from Pacte's own files, and the production settings
as an operator runs them (`check --deploy` clean, HTTPS redirect, HSTS, secure cookies)."""

import json
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'"
)


# --- The Content-Security-Policy ---------------------------------------------------------------


def test_the_policy_is_declared_once_and_strict():
    from pacte.core.middleware import content_security_policy

    assert content_security_policy(settings.PACTE_CSP) == POLICY
    sources = " ".join(source for values in settings.PACTE_CSP.values() for source in values)
    for loophole in ("'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "http", "blob:"):
        assert loophole not in sources.split(), loophole


@pytest.mark.parametrize(
    "role,path,status",
    [
        (None, "/connexion/", 200),
        (None, "/deliberations/", 200),
        (None, "/cette-page-n-existe-pas/", 404),
        ("agent", "/", 200),
        ("agent", "/territoire/intercommunalites/", 200),
        ("partner", "/territoire/communes/", 403),
        ("agent", "/api/docs", 200),
        ("agent", "/api/openapi.json", 200),
        (None, "/api/partenaires", 401),
        ("admin", "/admin/", 200),
        ("admin", "/admin/core/user/", 200),
    ],
)
def test_every_response_carries_the_policy(client_for, client, role, path, status):
    response = (client_for(role) if role else client).get(path)
    assert response.status_code == status, path
    assert response["Content-Security-Policy"] == POLICY, path


def test_a_request_refused_before_any_view_carries_the_policy_too(client):
    # BodyLimitMiddleware answers before the session, the views or the API: 413.
    response = client.post(
        "/connexion/",
        data=b"x",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH=str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1),
    )
    assert response.status_code == 413
    assert response["Content-Security-Policy"] == POLICY


def test_static_files_carry_the_policy(client):
    response = client.get("/static/pacte/pacte.css")  # served by WhiteNoise
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert response["Content-Security-Policy"] == POLICY


# What the policy refuses, as it would appear in a template: an inline <script> (one with no
# src, other than a JSON data block), a <style> element, a style attribute, an on… handler, a
# javascript: address.
INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I), "script"),
    (re.compile(r"<style[\s>]", re.I), "<style>"),
    (re.compile(r"\sstyle\s*=", re.I), "style="),
    (re.compile(r"\son[a-z]+\s*=", re.I), "on…="),
    (re.compile(r"javascript:", re.I), "javascript:"),
]


def test_no_template_needs_an_exception_to_the_policy():
    offences = []
    for template in sorted((ROOT / "pacte").rglob("templates/**/*.html")):
        text = template.read_text()
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                offences.append(f"{template.relative_to(ROOT)}:{line} {what}")
    assert not offences, "\n".join(offences)


def test_the_charts_and_maps_drawn_by_python_have_no_style_attribute():
    """The SVG written by Python use presentation attributes (fill, font-family…), which the
    policy allows, never a `style` attribute or element, which it refuses."""
    offences = []
    for module in sorted((ROOT / "pacte").rglob("*.py")):
        if "migrations" in module.parts:
            continue
        text = module.read_text()
        if "<svg" not in text and "<rect" not in text and "<path" not in text:
            continue
        for pattern, what in INLINE[1:3]:
            if pattern.search(text):
                offences.append(f"{module.relative_to(ROOT)} {what}")
    assert not offences, offences


def test_htmx_injects_no_style_and_evaluates_no_code(client_for):
    html = client_for("agent").get("/").content.decode()
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", html)
    assert meta, "htmx-config absent de base.html"
    assert json.loads(meta.group(1)) == {"includeIndicatorStyles": False, "allowEval": False}
    assert html.index('name="htmx-config"') < html.index("htmx-2.min.js")
    css = (ROOT / "pacte/core/static/pacte/pacte.css").read_text()
    assert ".htmx-request .htmx-indicator" in css


# --- The API documentation: Pacte's own files ---------------------------------------------------


class _References(HTMLParser):
    def __init__(self):
        super().__init__()
        self.references: list[str] = []
        self.links: list[str] = []  # where the page's links lead: nothing is loaded from them
        self.inline_scripts = 0
        self._in_script: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "a":
            self.links.append(attributes.get("href") or "")
            return
        for name in ("src", "href", "action", "data", "poster"):
            if attributes.get(name):
                self.references.append(attributes[name])
        if tag == "script" and not attributes.get("src"):
            self._in_script = attributes.get("type") or "text/javascript"
        if tag == "style" or "style" in attributes:
            self.inline_scripts += 1

    def handle_data(self, data):
        if self._in_script and self._in_script != "application/json" and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


def test_api_docs_load_only_pactes_own_files(client_for):
    client = client_for("agent")
    response = client.get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    # No other host named anywhere in the page: no CDN, no validator, no favicon from elsewhere.
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", html, re.I), html
    parser = _References()
    parser.feed(html)
    assert parser.inline_scripts == 0
    scripts = [ref for ref in parser.references if ref.endswith(".js")]
    styles = [ref for ref in parser.references if ref.endswith(".css")]
    assert scripts and styles, parser.references
    # The footer's links lead to Pacte's own pages (the legal pages among them).
    assert "/accessibilite/" in parser.links
    assert all(link.startswith("/") for link in parser.links), parser.links
    for reference in parser.references:
        assert reference.startswith("/static/"), reference
        served = client.get(reference)
        assert served.status_code == 200, reference
        b"".join(served.streaming_content)
    settings_json = re.search(r'id="swagger-settings">(.*?)</script>', html, re.S)
    swagger = json.loads(settings_json.group(1))
    assert swagger["url"] == "/api/openapi.json"
    assert swagger["validatorUrl"] is None  # no badge fetched from the validator's site
    assert '<html lang="fr">' in html


# --- Production: HTTPS and `check --deploy` ---------------------------------------------------

# The variables docs/deploiement.md says a production installation sets (with example values).
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "k8Jw3-9vQ2_xZ7rT1mN5bY4cH6dF0gL8pS2eA7uW3iO9qV1zX5nB4tR6yM0jK2hG",
    "DATABASE_URL": "postgres://pacte:secret@db.interne:5432/pacte",
    "ALLOWED_HOSTS": "pacte.example.fr",
    "CSRF_TRUSTED_ORIGINS": "https://pacte.example.fr",
    "PACTE_SITE_URL": "https://pacte.example.fr",
    # The legal notice's and statements' contacts (docs/deploiement.md, pages légales).
    "PACTE_HOST_NAME": "Département du Pas-de-Calais, direction des systèmes d'information",
    "PACTE_HOST_ADDRESS": "rue Ferdinand Buisson, 62018 Arras Cedex 9",
    "PACTE_HOST_PHONE": "03 21 21 62 62",
    "PACTE_SOURCE_URL": "https://forge.example.fr/pacte",
    "PACTE_ACCESSIBILITY_CONTACT": "accessibilite@example.fr",
    "PACTE_DPO_CONTACT": "dpo@example.fr",
}


def _production(args: list[str], **env) -> subprocess.CompletedProcess:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "DEBUG", "EMAIL_BACKEND"}
        and not k.startswith(("PACTE_", "SECURE_", "SESSION_", "CSRF_"))
    }
    environment.update(PRODUCTION_ENV, PYTHONPATH=str(ROOT), **env)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_check_deploy_is_clean_with_the_documented_production_variables():
    result = _production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output


def test_check_deploy_is_clean_when_the_proxy_redirects_to_https():
    result = _production(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PACTE_SSL_REDIRECT="0"
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "security.W008" not in output


def test_check_deploy_reminds_an_operator_who_turns_hsts_off_for_subdomains():
    result = _production(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        PACTE_HSTS_INCLUDE_SUBDOMAINS="0",
        PACTE_HSTS_PRELOAD="0",
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "security.W005" in output and "security.W021" in output


PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.test import Client
client, seen = Client(), {}
response = client.get("/api/inconnue?suite=1")
seen["plain"] = [response.status_code, response.get("Location")]
response = client.get("/api/inconnue", headers={"X-Forwarded-Proto": "https"})
seen["proxied"] = [
    response.status_code,
    response.get("Strict-Transport-Security"),
    response.get("Content-Security-Policy"),
    response.get("X-Frame-Options"),
    response.get("X-Content-Type-Options"),
    response.get("Referrer-Policy"),
]
seen["cookies"] = [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE]
response = client.get("/sante/web/")
seen["health"] = [response.status_code, response.get("Location")]
print("PROBE" + json.dumps(seen))
"""


def _probe(tmp_path, **env) -> dict:
    """Requests to Pacte with the production settings (a database that is never reached)."""
    result = _production(
        ["-c", PROBE],
        DATABASE_URL=f"sqlite:///{tmp_path / 'production.sqlite3'}",
        PACTE_VAR_DIR=str(tmp_path),
        ALLOWED_HOSTS="testserver",
        **env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("PROBE"))
    return json.loads(line.removeprefix("PROBE"))


@pytest.fixture(scope="module")
def production_probe(tmp_path_factory):
    return _probe(tmp_path_factory.mktemp("production"))


def test_production_redirects_plain_http_to_https(production_probe):
    assert production_probe["plain"] == [301, "https://testserver/api/inconnue?suite=1"]


def test_production_over_https_sends_hsts_and_the_security_headers(production_probe):
    status, hsts, csp, frames, sniff, referrer = production_probe["proxied"]
    assert status == 404  # served, not redirected: Pacte's JSON answer to an unknown address
    assert hsts == "max-age=31536000; includeSubDomains; preload"
    assert csp == POLICY
    assert frames == "DENY"
    assert sniff == "nosniff"
    assert referrer == "same-origin"
    assert production_probe["cookies"] == [True, True]  # session and CSRF cookies: HTTPS only


def test_production_health_check_answers_over_plain_http(production_probe):
    """A load balancer polls the web processes directly, without TLS: not redirected."""
    status, location = production_probe["health"]
    assert location is None
    assert status in {200, 503}


def test_production_without_redirect_when_the_proxy_does_it(tmp_path):
    seen = _probe(tmp_path, PACTE_SSL_REDIRECT="0")
    assert seen["plain"] == [404, None]
