"""The list of notifications in the browser, at desktop width and on a phone (390 px): the count
in the header, « Marquer comme lu », « Tout marquer comme lu » by the keyboard, the choice of
mails on « Mon compte »; axe-core finds no violation."""

import pytest
from playwright.sync_api import expect

from pacte.core import notifications
from pacte.core.models import Notification, User
from tests.e2e.a11y import assert_no_axe_violations

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def agent_notifications():
    agent = User.objects.get(username="test-agent")
    # The browser tests share their database: the agent's notifications from other journeys
    # are cleared, so that the counts below are his two.
    Notification.objects.filter(recipient=agent).delete()
    rows = [
        notifications.notify(
            [agent],
            kind="message",
            subject="Nouveau message",
            template="operations/mail/message.txt",
            context={
                "operation": {"reference": f"OP-2023-0090{n}", "title": "Médiathèque"},
                "body": f"Pouvez-vous joindre le devis n° {n} ? Une très longue phrase "
                "qui doit revenir à la ligne sur un téléphone sans élargir la page.",
            },
            url="/notifications/",
            reference=f"OP-2023-0090{n}",
        )[0]
        for n in (1, 2)
    ]
    yield rows
    Notification.objects.filter(pk__in=[r.pk for r in rows]).delete()
    User.objects.filter(pk=agent.pk).update(notification_mail="immediate")


def _fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} : {width} px de large sur un écran de 390 px"


def test_notifications_read_and_marked_at_desktop_width_and_on_a_phone(
    page, login, agent_notifications
):
    page.set_viewport_size(DESKTOP)
    login("agent")
    link = page.get_by_role("link", name="Notifications (2 non lues)")
    expect(link).to_be_visible()
    link.click()
    expect(page.get_by_role("heading", level=1, name="Notifications")).to_be_visible()
    expect(page.get_by_text("2 notifications, dont 2 non lues.")).to_be_visible()
    assert_no_axe_violations(page)

    first = agent_notifications[1]  # the newest, listed first
    page.get_by_role("button", name=f"Marquer comme lu : {first.subject}").first.click()
    expect(page.get_by_role("link", name="Notifications (1 non lue)")).to_be_visible()
    expect(page.get_by_text("2 notifications, dont 1 non lue.")).to_be_visible()
    expect(page.locator(".notification-state").first).to_have_text("Non lue")
    expect(page.locator(".notification-state").last).to_have_text("Lue")

    page.set_viewport_size(PHONE)
    page.reload()
    _fits(page)
    assert_no_axe_violations(page)
    all_read = page.get_by_role("button", name="Tout marquer comme lu")
    all_read.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("2 notifications, toutes lues.")).to_be_visible()
    expect(page.get_by_role("link", name="Notifications", exact=True)).to_be_visible()
    _fits(page)
    assert_no_axe_violations(page)


def test_the_choice_of_mails_on_my_account(page, login, agent_notifications):
    page.set_viewport_size(PHONE)
    login("agent")
    page.goto("/compte/")
    group = page.get_by_role("group", name="Notifications par courriel")
    expect(group.get_by_label("À chaque événement")).to_be_checked()
    group.get_by_label("Un résumé quotidien").check()
    page.get_by_role("button", name="Enregistrer ce choix").click()
    expect(page.get_by_text("Notifications par courriel : un résumé quotidien.")).to_be_visible()
    expect(
        page.get_by_role("group", name="Notifications par courriel").get_by_label(
            "Un résumé quotidien"
        )
    ).to_be_checked()
    _fits(page)
    assert_no_axe_violations(page)
    assert User.objects.get(username="test-agent").notification_mail == "digest"
