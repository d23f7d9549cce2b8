"""The legal pages: public, linked from every page's footer, and saying what the settings say."""

import re
from html.parser import HTMLParser

import pytest
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

PAGES = {
    "Déclaration d'accessibilité": "/accessibilite/",
    "Mentions légales": "/mentions-legales/",
    "Données personnelles": "/donnees-personnelles/",
}


class _Links(HTMLParser):
    """The links (text, href) of the page's footer, and the texts of its elements by class."""

    def __init__(self):
        super().__init__()
        self.depth = {"footer": 0}
        self.href = None
        self.text = ""
        self.footer_links = []
        self.h1 = ""
        self._in_h1 = False

    def handle_starttag(self, tag, attrs):
        if tag == "footer":
            self.depth["footer"] += 1
        if tag == "a" and self.depth["footer"]:
            self.href, self.text = dict(attrs).get("href"), ""
        if tag == "h1":
            self._in_h1 = True

    def handle_endtag(self, tag):
        if tag == "footer":
            self.depth["footer"] -= 1
        if tag == "a" and self.href is not None:
            self.footer_links.append((" ".join(self.text.split()), self.href))
            self.href = None
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self.href is not None:
            self.text += data
        if self._in_h1:
            self.h1 += data


def parse(response):
    parser = _Links()
    parser.feed(response.content.decode())
    return parser


def text_of(response) -> str:
    """The page's text, tags removed, spaces (no-break ones included) collapsed."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", html)
    text = text.replace("&nbsp;", " ").replace("\u00a0", " ").replace("&#x27;", "'")
    return " ".join(text.split())


def footer_link(response, starts_with):
    links = [href for text, href in parse(response).footer_links if text.startswith(starts_with)]
    assert len(links) == 1, (starts_with, parse(response).footer_links)
    return links[0]


@pytest.mark.parametrize("role", [None, "agent", "partner", "admin"])
def test_each_legal_page_is_public_and_reached_from_the_footer(client, client_for, role):
    browser = client_for(role) if role else client
    start = browser.get("/" if role else "/connexion/", follow=True)
    assert start.status_code == 200
    targets = {
        "Déclaration d'accessibilité": footer_link(start, "Accessibilité :"),
        "Mentions légales": footer_link(start, "Mentions légales"),
        "Données personnelles": footer_link(start, "Données personnelles"),
    }
    assert targets == PAGES
    for heading, url in targets.items():
        page = browser.get(url)
        assert page.status_code == 200, url
        assert parse(page).h1 == heading
        # Each legal page has the same footer, hence the way to the two others.
        assert footer_link(page, "Mentions légales") == "/mentions-legales/"


def test_the_footer_of_a_public_page_and_of_an_error_page_links_them_too(client):
    for url in ["/deliberations/", "/donnees-ouvertes/", "/cette-page-n-existe-pas/"]:
        response = client.get(url)
        assert footer_link(response, "Données personnelles") == "/donnees-personnelles/", url


def test_the_administration_and_the_api_documentation_link_them_too(client_for):
    admin = client_for("admin")
    for url in ["/admin/", "/admin/core/user/", "/api/docs"]:
        response = admin.get(url)
        assert response.status_code == 200, url
        for text, target in [
            ("Accessibilité", "/accessibilite/"),
            ("Mentions légales", "/mentions-legales/"),
            ("Données personnelles", "/donnees-personnelles/"),
        ]:
            assert footer_link(response, text) == target, url
    assert parse(admin.get("/api/docs")).h1 == "Documentation de l'API Pacte"


@pytest.mark.parametrize(
    "date,rate,status",
    [
        ("", "", "non conforme"),  # no audit: RGAA says « non conforme »
        ("2026-03-14", "100", "totalement conforme"),
        ("2026-03-14", "87,5", "partiellement conforme"),
        ("2026-03-14", "50", "partiellement conforme"),
        ("2026-03-14", "49.9", "non conforme"),
        ("2026-03-14", "", "non conforme"),  # a date without a rate is no audit result
        ("pas une date", "90", "non conforme"),
    ],
)
def test_the_footer_mentions_the_state_of_compliance_from_the_last_audit(
    client, date, rate, status
):
    with override_settings(
        PACTE_ACCESSIBILITY_AUDIT_DATE=date, PACTE_ACCESSIBILITY_AUDIT_RATE=rate
    ):
        login = client.get("/connexion/")
        statement = client.get("/accessibilite/")
    assert footer_link(login, f"Accessibilité : {status}") == "/accessibilite/"
    assert f"Pacte est {status} avec le référentiel général" in text_of(statement)


def test_accessibility_statement_says_what_the_settings_say(client):
    default = text_of(client.get("/accessibilite/"))
    assert "Aucun audit de conformité au RGAA n'a encore été réalisé" in default
    assert "décret n° 2019-768 du 24 juillet 2019" in default
    assert "axe-core" in default and "390 pixels" in default
    assert "Défenseur des droits, Libre réponse 71120, 75342 Paris Cedex 07" in default
    assert "par courrier : Département du Pas-de-Calais, Hôtel du Département" in default
    assert "établie le 30 novembre 2026" in default
    assert "schéma pluriannuel" not in default

    with override_settings(
        PACTE_DEPARTMENT_NAME="de la Somme",
        PACTE_ACCESSIBILITY_AUDIT_DATE="2026-03-14",
        PACTE_ACCESSIBILITY_AUDIT_RATE="87,5 %",
        PACTE_ACCESSIBILITY_AUDITOR="la société Accès Pour Tous",
        PACTE_ACCESSIBILITY_CONTACT="accessibilite@somme.example",
        PACTE_ACCESSIBILITY_PLAN_URL="https://somme.example/schema-accessibilite",
        PACTE_ACCESSIBILITY_STATEMENT_DATE="2026-04-01",
        PACTE_PUBLISHER_ADDRESS="43 rue de la République, 80026 Amiens",
    ):
        response = client.get("/accessibilite/")
    text = text_of(response)
    assert "Le Département de la Somme s'engage" in text
    assert (
        "L'audit de conformité réalisé le 14 mars 2026 par la société Accès Pour Tous révèle "
        "que 87,5 % des critères du RGAA version 4.1 sont respectés." in text
    )
    assert "Pacte est partiellement conforme" in text
    html = response.content.decode()
    assert 'href="mailto:accessibilite@somme.example"' in html
    assert 'href="https://somme.example/schema-accessibilite"' in html
    assert "par courrier : Département de la Somme, 43 rue de la République, 80026 Amiens" in text
    assert "établie le 1er avril 2026" in text


def test_legal_notice_says_what_the_settings_say(client):
    default = text_of(client.get("/mentions-legales/"))
    assert "Pacte est édité par le Département du Pas-de-Calais" in default
    assert "Adresse Hôtel du Département, rue Ferdinand Buisson, 62018 Arras Cedex 9" in default
    assert "SIREN 226200012" in default
    assert "Directeur de la publication Le Président du Conseil départemental" in default
    assert "AGPL-3.0-or-later" in default
    assert "L'hébergeur de cette installation n'a pas encore été renseigné" in default
    assert "communiqué sur simple demande" in default
    assert "Répertoire national des élus" in default and "INSEE" in default

    with override_settings(
        PACTE_DEPARTMENT_NAME="de l'Aisne",
        PACTE_PUBLISHER_ADDRESS="Rue Paul Doumer, 02013 Laon Cedex",
        PACTE_PUBLISHER_PHONE="03 23 24 60 60",
        PACTE_COLLECTIVITY_SIREN="220200026",
        PACTE_PUBLICATION_DIRECTOR="M. Nicolas Fricoteaux, président du Conseil départemental",
        PACTE_HOST_NAME="Hébergeur Exemple SAS",
        PACTE_HOST_ADDRESS="1 rue des Serveurs, 59000 Lille",
        PACTE_HOST_PHONE="03 20 00 00 00",
        PACTE_SOURCE_URL="https://forge.example/aisne/pacte",
    ):
        response = client.get("/mentions-legales/")
    text = text_of(response)
    assert "Pacte est édité par le Département de l'Aisne" in text
    assert "Adresse Rue Paul Doumer, 02013 Laon Cedex Téléphone 03 23 24 60 60" in text
    assert "SIREN 220200026" in text
    assert "Directeur de la publication M. Nicolas Fricoteaux" in text
    assert (
        "Nom Hébergeur Exemple SAS Adresse 1 rue des Serveurs, 59000 Lille "
        "Téléphone 03 20 00 00 00" in text
    )
    assert 'href="https://forge.example/aisne/pacte"' in response.content.decode()
    assert "n'a pas encore été renseigné" not in text


def test_personal_data_page_says_what_the_settings_say(client):
    default = text_of(client.get("/donnees-personnelles/"))
    assert "Le Département du Pas-de-Calais, Hôtel du Département" in default
    assert "article 6-1-e du RGPD" in default
    assert "tant que le compte est actif, puis 1 an après sa désactivation" in default
    assert "Origine Pacte, à chaque action Conservation 5 ans" in default
    assert "à chaque requête Conservation 12 mois" in default
    assert "10 ans après le solde ou la clôture de l'opération" in default
    assert "Répertoire national des élus" in default
    assert "CNIL, 3 place de Fontenoy, TSA 80715, 75334 Paris Cedex 07" in default
    assert "Délégué à la protection des données, Département du Pas-de-Calais" in default
    assert "reconnaître son navigateur pendant 180 jours" in default

    with override_settings(
        PACTE_RETENTION_ACCOUNT_YEARS="2",
        PACTE_RETENTION_AUDIT_YEARS="1",
        PACTE_RETENTION_LOG_MONTHS="6",
        PACTE_RETENTION_GRANT_FILE_YEARS="15",
        PACTE_DPO_CONTACT="dpd@pasdecalais.example",
        PACTE_HOST_NAME="Hébergeur Exemple SAS",
        PACTE_LOGIN_DEVICE_DAYS=30,
    ):
        response = client.get("/donnees-personnelles/")
    text = text_of(response)
    assert "tant que le compte est actif, puis 2 ans après sa désactivation" in text
    assert "à chaque action Conservation 1 an" in text
    assert "à chaque requête Conservation 6 mois" in text
    assert "15 ans après le solde ou la clôture de l'opération" in text
    assert 'href="mailto:dpd@pasdecalais.example"' in response.content.decode()
    assert "l'hébergeur de Pacte (Hébergeur Exemple SAS)" in text
    assert "reconnaître son navigateur pendant 30 jours" in text


def test_header_and_login_page_name_the_department_and_show_its_logo(client, users):
    login = client.get("/connexion/")
    text = text_of(login)
    assert "Contractualisation territoriale — Département du Pas-de-Calais" in text
    assert "entre le Département du Pas-de-Calais et ses partenaires" in text
    html = login.content.decode()
    assert '<img class="brand-logo" src="/static/legal/logo-departement.svg" alt=""' in html

    with override_settings(
        PACTE_DEPARTMENT_NAME="des Yvelines",
        PACTE_DEPARTMENT_SHORT_NAME="Yvelines",
        PACTE_DEPARTMENT_LOGO="/identite/logo-yvelines.svg",
    ):
        login = client.get("/connexion/")
        agent = Client()
        agent.force_login(users["test-agent"])
        home = agent.get("/")
    for response in (login, home):
        text = text_of(response)
        assert "Contractualisation territoriale — Département des Yvelines" in text
        assert (
            '<span class="brand-sub">Contractualisation territoriale — Département des Yvelines'
            "</span>" in response.content.decode()
        )
        assert 'src="/identite/logo-yvelines.svg"' in response.content.decode()
    assert "entre le Département des Yvelines et ses partenaires" in text_of(login)

    # A static path that does not exist: the default logo, never an error page.
    with override_settings(PACTE_DEPARTMENT_LOGO="legal/introuvable.svg"):
        response = client.get("/connexion/")
    assert response.status_code == 200
    assert 'src="/static/legal/logo-departement.svg"' in response.content.decode()


def test_the_default_logo_is_a_served_svg(client):
    response = client.get("/static/legal/logo-departement.svg")
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode()
    assert body.startswith("<svg") and "<title>" in body
