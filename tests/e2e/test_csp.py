"""Pacte's pages under its Content-Security-Policy, in a real browser: no inline script or style,
no eval, nothing from another host — the main pages of several roles, their htmx updates, the
administration's pages and widgets, and the API documentation (Swagger UI), which renders its
operations from Pacte's own static files with every other host unreachable.

The browser reports each refusal of the policy by a `securitypolicyviolation` event and a console
error; both are collected for every page, and any of them fails the test."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from playwright.sync_api import expect

from pacte.core.middleware import content_security_policy

pytestmark = pytest.mark.e2e

# Installed before any script of each document (DevTools protocol, outside the page's policy):
# every violation of the policy is sent to the test, wherever it comes from.
WATCH_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.pacteCspViolation({
    page: document.location.pathname,
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
});
"""


class Watch:
    """What the browser refused or reported as errors, for the pages of one context."""

    def __init__(self, context):
        self.violations: list[dict] = []
        self.errors: list[str] = []
        context.expose_function("pacteCspViolation", self._violation)
        context.add_init_script(WATCH_VIOLATIONS)
        context.on("page", self.attach)

    def _violation(self, report: dict) -> None:
        self.violations.append(report)

    def attach(self, page):
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url} : {exc}"))

    def _console(self, message):
        if message.type != "error":
            return
        # A page that answers 403 or 404 on purpose, or the browser's request for /favicon.ico:
        # the browser reports their status, which is not a refusal of the policy.
        if message.text.startswith("Failed to load resource: the server responded with a status"):
            return
        self.errors.append(f"{message.location.get('url')} : {message.text}")

    def assert_clean(self):
        assert not self.violations, "Violations de la politique de sécurité du contenu :\n" + (
            "\n".join(map(str, self.violations))
        )
        assert not self.errors, "Erreurs dans la console du navigateur :\n" + "\n".join(self.errors)


@pytest.fixture
def watch(context):
    return Watch(context)


@pytest.fixture
def page(context, watch):
    """The page of conftest's `login`, watched from its first document on."""
    return context.new_page()


POLICY = content_security_policy(settings.PACTE_CSP)


def visit(page, path: str, *, status: int = 200):
    """Open a page of Pacte; it carries the policy, and everything it loads is Pacte's."""
    response = page.goto(path)
    assert response.status == status, f"{path} : {response.status}"
    assert response.headers.get("content-security-policy") == POLICY, path
    page.wait_for_load_state("load")
    return response


def menu_paths(page) -> list[str]:
    """The addresses of the main menu, the account page and the footer: the pages a person of
    this role reaches from any page."""
    links = page.locator("nav[aria-label='Menu principal'] a, .user-box a, footer a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    paths = [href for href in links if href.startswith("/")]
    assert len(paths) >= 4, paths
    return list(dict.fromkeys(paths))


def first_link(page, pattern: str) -> str | None:
    links = page.locator("main a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    return next((href for href in links if re.fullmatch(pattern, href or "")), None)


def test_the_watch_sees_what_the_policy_refuses(watch, page):
    """The policy is in force and these tests see its refusals: an inline style and an inline
    script added to a page are refused, and reported."""
    visit(page, "/connexion/")
    page.evaluate(
        """() => {
          document.head.insertAdjacentHTML("beforeend", "<style>body { color: red }</style>");
          const script = document.createElement("script");
          script.textContent = "window.inlineRan = true";
          document.body.append(script);
        }"""
    )
    assert page.evaluate("() => window.inlineRan") is None
    refused = {"style-src-elem", "script-src-elem"}
    for _ in range(50):  # the reports arrive asynchronously, through the exposed function
        if refused <= {v["directive"] for v in watch.violations}:
            break
        page.wait_for_timeout(100)
    assert refused <= {v["directive"] for v in watch.violations}, watch.violations


def test_public_pages(watch, page):
    """The login page, the pages of its footer (published deliberations, open data, legal
    pages) and the « not found » page."""
    visit(page, "/connexion/")
    footer = page.locator("footer a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))"
    )
    paths = [href for href in footer if href.startswith("/")]
    assert len(paths) >= 2, paths
    for path in paths:
        visit(page, path)
    visit(page, "/cette-page-n-existe-pas/", status=404)
    watch.assert_clean()


@pytest.mark.parametrize("role", ["agent", "partner", "finance", "elected"])
def test_main_pages_of_each_role(watch, login, role):
    """Every page of the main menu, the account and the footer, for each role; for the agent,
    an intercommunalité with its map and the territorial balance with its choropleth maps."""
    page = login(role)
    for path in menu_paths(page):
        visit(page, path)
        if role == "agent" and path == "/territoire/intercommunalites/":
            detail = first_link(page, r"/territoire/intercommunalites/\d+/")
            assert detail, "aucune intercommunalité dans la liste"
            visit(page, detail)
            expect(page.locator("figure.map svg")).to_be_visible()
        if role == "agent" and path == "/pilotage/":
            visit(page, "/pilotage/equilibre-territorial/")
            expect(page.locator("figure.map svg").first).to_be_visible()
    watch.assert_clean()


def test_htmx_updates_a_page_under_the_policy(watch, login):
    """The commune search updates its results through htmx, which adds no style of its own."""
    page = login("agent")
    visit(page, "/territoire/communes/")
    with page.expect_response(lambda r: "/territoire/communes/" in r.url and "q=" in r.url):
        page.get_by_role("searchbox").fill("Liévin")
    expect(page.locator("#resultats")).to_contain_text("Liévin")
    assert page.locator("head style").count() == 0
    watch.assert_clean()


def test_administration_under_the_policy(watch, login):
    """The Django administration works without any exception to the policy: its lists, its
    forms with inlines, the calendar of a date field and the autocomplete of a related field."""
    page = login("admin")
    visit(page, "/admin/")
    expect(page.get_by_role("heading", name="Administration", exact=True)).to_be_visible()
    visit(page, "/admin/core/user/")
    page.get_by_role("link", name="test-agent").click()
    expect(page.locator("#id_username")).to_have_value("test-agent")
    # The partner's autocomplete (select2, jQuery): opens, searches, lists.
    page.locator(".field-partner .select2-selection").click()
    page.locator(".select2-search__field").fill("Lens")
    expect(page.locator(".select2-results__option").first).to_contain_text("Lens")
    page.keyboard.press("Escape")
    # A form with inlines and date fields: the sittings.
    visit(page, "/admin/assembly/sitting/add/")
    page.locator("a[id^='calendarlink']").first.click()
    expect(page.locator(".calendarbox").first).to_be_visible()
    page.locator(".add-row a").first.click()
    for path in ("/admin/contracts/partner/add/", "/admin/contracts/generation/"):
        visit(page, path)
    watch.assert_clean()


def test_api_docs_render_offline_from_pactes_own_files(watch, login, context, live_url):
    """Swagger UI lists the API's operations with every other host unreachable; nothing it
    loads comes from elsewhere."""
    page = login("agent")
    origin = urlsplit(live_url).netloc
    elsewhere: list[str] = []

    def only_pacte(route):
        if urlsplit(route.request.url).netloc == origin:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_pacte)
    visit(page, "/api/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("API Pacte")
    operations = page.locator(".opblock")
    expect(operations.first).to_be_visible()
    assert operations.count() > 10
    # An operation tried from the page, with the browser's session: Pacte's answer shown.
    partners = page.locator(".opblock-get").filter(
        has=page.locator(".opblock-summary-path", has_text=re.compile(r"^/api/partenaires$"))
    )
    partners.locator(".opblock-summary").click()
    partners.get_by_role("button", name="Try it out").click()
    partners.get_by_role("button", name="Execute").click()
    expect(partners.locator(".live-responses-table tbody .response-col_status")).to_have_text("200")
    expect(
        partners.locator(".live-responses-table tbody .response-col_description")
    ).to_contain_text("Lens")
    assert not elsewhere, elsewhere
    watch.assert_clean()
