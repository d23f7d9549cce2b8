"""Browser tests: a live Pacte server over the session's test database, driven by Chromium.

The server is started once per session on the database prepared by `django_db_setup` (the real
referential of the Pas-de-Calais and one user per role). pytest-django's `live_server` is not used:
it requires `transactional_db`, which empties every table after each test and would wipe the
session's data. These tests never open a test transaction either (pytest-django's `db` is
replaced below): the server thread reads and writes (sessions, last login) through its own
connection, as in production, and the browser tests run last.
"""

import os
from pathlib import Path

import pytest

from tests.accounts.support import pass_second_factor
from tests.e2e.a11y import AXE_JS, assert_no_axe_violations
from tests.factories import TEST_PASSWORD

CHROMIUM = Path(os.environ.get("PACTE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Auto-waiting limit for `expect` and actions: generous for a 2-core machine, still bounded.
TIMEOUT_MS = 15_000


def _missing_tool(reason: str):
    """Fail in continuous integration, where the tools must be there; skip elsewhere."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_url(django_db_setup, django_db_blocker):
    """Base URL (http://127.0.0.1:port) of a Pacte server thread over the session's database."""
    from django.contrib.staticfiles.handlers import StaticFilesHandler
    from django.db import connections
    from django.test.testcases import LiveServerThread
    from django.test.utils import modify_settings

    allowed_hosts = modify_settings(ALLOWED_HOSTS={"append": "127.0.0.1"})
    allowed_hosts.enable()
    with django_db_blocker.unblock():
        # An in-memory SQLite database would have to be shared with the thread; the test
        # settings use a file, so the thread opens its own connection.
        connections_override = {
            conn.alias: conn
            for conn in connections.all()
            if conn.vendor == "sqlite" and conn.is_in_memory_db()
        }
        for conn in connections_override.values():
            conn.inc_thread_sharing()
        thread = LiveServerThread(
            "127.0.0.1", StaticFilesHandler, connections_override=connections_override, port=0
        )
        thread.daemon = True
        thread.start()
        thread.is_ready.wait()
    try:
        if thread.error:
            raise thread.error
        yield f"http://127.0.0.1:{thread.port}"
    finally:
        thread.terminate()
        for conn in connections_override.values():
            conn.dec_thread_sharing()
        allowed_hosts.disable()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Run the browser tests last, after pytest-django's ordering: they are the slowest, and the
    browser and the server thread they start then live only until the end of the session.
    Every test of this folder is a browser test, marked `e2e` here whether its module says so or
    not: one running before the tests with `transaction=True` would leave them no data."""
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.e2e)
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(scope="session", autouse=True)
def session_data(django_db_setup, django_db_blocker):
    """The session's data, back if the tests with `transaction=True` left the database empty.

    Such a test empties every table when it ends; Django restores the snapshot taken by
    `django_db_setup` only when the next one starts, so after the last of them the browser tests,
    which run last, would find no user at all.
    """
    from django.db import connection

    from pacte.core.models import User

    with django_db_blocker.unblock():
        snapshot = getattr(connection, "_test_serialized_contents", None)
        if snapshot and not User.objects.exists():
            connection.creation.deserialize_db_from_string(snapshot)


@pytest.fixture(autouse=True)
def db(django_db_setup, django_db_blocker):
    """Stands in for pytest-django's `db` in the browser tests: the database, no transaction.

    pytest-django creates the test database only if a collected test requests `db` (or
    `transactional_db`, `live_server`, the `django_db` mark); this fixture, named so, gets the
    database created when the browser tests run alone. Unlike the original it opens no test
    transaction, which would hold SQLite's write lock against the server thread (sessions, last
    login), and empties nothing afterwards. It lifts pytest-django's blocker, which is
    process-wide rather than per thread, for the duration of each browser test only.
    """
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="session")
def browser(live_url):
    if not CHROMIUM.exists():
        _missing_tool(f"Chromium introuvable ({CHROMIUM}) : installer le paquet Debian chromium.")
    if not AXE_JS.exists():
        _missing_tool(f"axe-core introuvable ({AXE_JS}) : lancer « npm ci ».")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in the main thread; Django then refuses database
    # access from that thread (SynchronousOnlyOperation), in fixtures and teardown included.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def context(browser, live_url):
    """A fresh browser context (no cookies, no storage) per test."""
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(base_url=live_url, locale="fr-FR")
    context.set_default_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def login(page):
    """`login("agent")` signs the session's user of that role in through the login form."""
    from playwright.sync_api import expect

    def login(role: str, *, check_a11y: bool = False):
        page.goto("/connexion/")
        if check_a11y:
            assert_no_axe_violations(page)
        page.get_by_label("Identifiant").fill(f"test-{role}")
        page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Se connecter").click()
        pass_second_factor(page, f"test-{role}")  # administrator, finance
        expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
        return page

    return login
