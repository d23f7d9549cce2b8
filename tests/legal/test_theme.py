"""The Département's colours in /theme.css, their contrast, the system checks of the identity
settings, and no font of the State anywhere."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core import checks
from django.test import override_settings

from pacte.legal import checks as legal_checks
from pacte.legal import identity

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def stylesheet_link(response) -> str:
    found = re.findall(
        r'<link rel="stylesheet" href="(/theme\.css\?v=[0-9a-f]{12})">', response.content.decode()
    )
    assert len(found) == 1
    return found[0]


def test_contrast_ratios_are_those_of_wcag():
    assert identity.contrast("#000000", "#ffffff") == Decimal("21")
    assert identity.contrast("#ffffff", "#ffffff") == Decimal("1")
    assert identity.contrast("#004b87", "#ffffff") == Decimal("8.91")
    assert identity.contrast("#767676", "#ffffff") == Decimal(
        "4.54"
    )  # the lightest grey that passes
    assert identity.contrast("#777777", "#ffffff") == Decimal("4.47")
    assert identity.normalised_colour(" #0A5 ") == "#00aa55"
    assert identity.normalised_colour("red") is None
    assert identity.normalised_colour("#004b87; } body { display: none") is None


def test_theme_stylesheet_serves_the_colour_settings(client):
    response = client.get("/theme.css")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/css; charset=utf-8"
    css = response.content.decode()
    assert "--brand: #004b87;" in css
    assert "--brand-dark: #00335c;" in css
    assert "--on-brand: #ffffff;" in css
    default_link = stylesheet_link(client.get("/connexion/"))

    with override_settings(
        PACTE_COLOR_PRIMARY="#1B5E20",
        PACTE_COLOR_PRIMARY_DARK="#0d3b12",
        PACTE_COLOR_PRIMARY_TEXT="#fff",
    ):
        css = client.get("/theme.css").content.decode()
        link = stylesheet_link(client.get("/connexion/"))
        versioned = client.get(link)
    assert "--brand: #1b5e20;" in css
    assert "--brand-dark: #0d3b12;" in css
    assert "--on-brand: #ffffff;" in css
    # Every page links the colours it is served with: a change of colours is a new address.
    assert link != default_link
    assert versioned.content.decode() == css
    assert (
        "immutable" in versioned["Cache-Control"]
        and "max-age=31536000" in (versioned["Cache-Control"])
    )


def test_theme_stylesheet_is_cached_and_revalidated(client):
    first = client.get("/theme.css")
    assert "max-age=300" in first["Cache-Control"] and "public" in first["Cache-Control"]
    again = client.get("/theme.css", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    stale = client.get(stylesheet_link(client.get("/connexion/")).replace("?v=", "?v=0"))
    assert "immutable" not in stale["Cache-Control"]


@pytest.mark.parametrize(
    "primary,dark,text,problem",
    [
        ("#ffcc00", "#00335c", "#ffffff", "Contraste insuffisant pour le texte sur la couleur"),
        ("#004b87", "#00335c", "#777777", "Contraste insuffisant pour le texte sur la couleur"),
        ("#004b87", "#5a8fc0", "#ffffff", "la couleur foncée"),
        ("bleu", "#00335c", "#ffffff", "PACTE_COLOR_PRIMARY « bleu » n'est pas une couleur"),
        ("#004b87;}*{x:y", "#00335c", "#ffffff", "n'est pas une couleur hexadécimale"),
    ],
)
def test_colours_that_fail_are_never_served_and_the_check_says_why(
    client, primary, dark, text, problem
):
    with override_settings(
        PACTE_COLOR_PRIMARY=primary, PACTE_COLOR_PRIMARY_DARK=dark, PACTE_COLOR_PRIMARY_TEXT=text
    ):
        css = client.get("/theme.css").content.decode()
        errors = legal_checks.colours(None)
    assert css == identity.DEFAULT_THEME.css()
    assert errors and all(isinstance(e, checks.Error) and e.id == "legal.E001" for e in errors)
    assert any(problem in e.msg for e in errors), [e.msg for e in errors]


def test_the_default_colours_pass_every_check():
    assert legal_checks.colours(None) == []
    assert legal_checks.logo(None) == []
    assert legal_checks.accessibility_audit(None) == []


def test_identity_settings_checks():
    with override_settings(PACTE_DEPARTMENT_LOGO="legal/introuvable.svg"):
        assert [e.id for e in legal_checks.logo(None)] == ["legal.E002"]
    with override_settings(PACTE_DEPARTMENT_LOGO="https://cdn.example/logo.svg"):
        assert legal_checks.logo(None) == []
    with override_settings(
        PACTE_ACCESSIBILITY_AUDIT_DATE="14/03/2026",
        PACTE_ACCESSIBILITY_AUDIT_RATE="120",
        PACTE_RETENTION_AUDIT_YEARS="cinq",
    ):
        messages = [e.msg for e in legal_checks.accessibility_audit(None)]
    assert any("« 14/03/2026 » n'est pas une date" in m for m in messages)
    assert any("« 120 » n'est pas un taux de 0 à 100" in m for m in messages)
    assert any("PACTE_RETENTION_AUDIT_YEARS « cinq »" in m for m in messages)
    with override_settings(PACTE_ACCESSIBILITY_AUDIT_DATE="2026-03-14"):
        messages = [e.msg for e in legal_checks.accessibility_audit(None)]
    assert any("vont ensemble" in m for m in messages)


def test_deployment_checks_ask_for_the_host_the_source_and_the_contacts():
    assert {w.msg.split(" ")[0] for w in legal_checks.legal_pages(None)} == set(
        legal_checks.REQUIRED_FOR_DEPLOYMENT
    )
    filled = {name: "renseigné" for name in legal_checks.REQUIRED_FOR_DEPLOYMENT}
    with override_settings(**filled):
        assert legal_checks.legal_pages(None) == []


def test_no_font_of_the_state_in_any_stylesheet(client):
    """Marianne is the State's font: a Département may not use it. Neither the stylesheets nor
    the styles written by code (the charts' SVG) name it, and the served CSS does not either."""
    sources = [
        path
        for pattern in ("*.css", "*.html", "*.py", "*.typ", "*.svg")
        for path in (ROOT / "pacte").rglob(pattern)
        if "demo" not in path.relative_to(ROOT).parts  # people's names, not styles
    ]
    assert any(path.name == "pacte.css" for path in sources)
    naming = [str(p.relative_to(ROOT)) for p in sources if "marianne" in p.read_text().lower()]
    assert naming == []
    for url in ["/static/pacte/pacte.css", "/theme.css"]:
        response = client.get(url)
        assert response.status_code == 200
        body = (
            b"".join(response.streaming_content) if response.streaming else response.content
        ).decode()
        assert "marianne" not in body.lower()
        if url.endswith("pacte.css"):
            assert "font-family: system-ui," in body
