"""Convocations and the councillors' space in the browser: the assembly service convokes the
members of a coming commission permanente, a councillor acknowledges by the link of her mail,
opens her space (on a phone too), gives her proxy online, and the roll call records it. axe-core
checks every page on the way.

The data is made once for the module by the project's services: a sitting three weeks ahead
with one report, and an élu bound to the councillor at the 5th place of its roll.
"""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.a11y import assert_no_axe_violations
from tests.e2e.test_finance_journey import flash, main_nav, sign_in, sign_out

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
ELU = "e2e-conseillere"


@pytest.fixture(scope="module")
def coming(django_db_setup, django_db_blocker):
    from pacte.core.models import User
    from pacte.core.roles import Role
    from tests.assembly.conftest import coming_sitting
    from tests.factories import UserFactory

    with django_db_blocker.unblock():
        clerk = User.objects.get(username="test-assembly")
        sitting = coming_sitting(clerk, title="Règlement du fonds d'innovation")
        giver = sitting.attendances.get(position=5)
        holder = sitting.attendances.get(position=6)
        UserFactory(username=ELU, role=Role.ELECTED, councillor=giver.councillor)
        return {"sitting": sitting.pk, "holder": str(holder), "giver": str(giver)}


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} : {width} px de large sur un écran de 390 px"


def test_a_councillor_is_convoked_acknowledges_and_gives_her_proxy(page, coming):
    from pacte.assembly.models import Convocation, Proxy
    from pacte.core import mail
    from pacte.core.models import OutgoingMail, User

    sitting = coming["sitting"]
    elu = User.objects.get(username=ELU)

    # The assembly service convokes.
    sign_in(page, "test-assembly")
    page.goto(f"/seances/{sitting}/")
    page.get_by_role("link", name="convoquer et suivre les accusés de réception").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Convocations")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Envoyer les convocations").click()
    expect(flash(page)).to_contain_text("1 par courriel")
    assert_no_axe_violations(page)
    mail.send_due()
    page.reload()
    row = page.get_by_role("row", name=re.compile(re.escape(coming["giver"].split(" ", 1)[1])))
    expect(row).to_contain_text("envoyée")
    sign_out(page)

    # The councillor follows the link of her mail, and confirms.
    convocation = Convocation.objects.get(sitting_id=sitting, councillor=elu.councillor)
    body = OutgoingMail.objects.get(pk=convocation.mail_id).body
    link = re.search(r"https?://[^/]+(/convocation/[\w-]+/)", body).group(1)
    page.goto(link)
    assert_no_axe_violations(page)
    page.get_by_role("button", name="J'accuse réception de cette convocation").click()
    expect(page.get_by_role("status")).to_contain_text("Réception enregistrée")
    assert Convocation.objects.get(sitting_id=sitting, councillor=elu.councillor).acknowledged_at

    # Her space, on a phone: the sitting, its report, and her proxy.
    page.set_viewport_size(PHONE)
    sign_in(page, ELU)
    page.goto("/elu/")
    expect(page.get_by_role("heading", level=1, name="Mon espace d'élu")).to_be_visible()
    _no_sideways_scroll(page)
    assert_no_axe_violations(page)
    page.locator(f'a[href="/elu/seances/{sitting}/"]').click()
    expect(page.get_by_role("heading", level=3)).to_contain_text("Règlement du fonds")
    _no_sideways_scroll(page)
    assert_no_axe_violations(page)
    page.get_by_label("Je donne pouvoir à").select_option(label=coming["holder"])
    page.get_by_role("button", name="Donner pouvoir").click()
    expect(flash(page)).to_contain_text(f"Pouvoir donné à {coming['holder']}")
    expect(page.get_by_role("button", name="Retirer mon pouvoir")).to_be_visible()
    assert_no_axe_violations(page)
    sign_out(page)

    # The day of the sitting, the roll call records it.
    from pacte.assembly.models import Sitting

    Sitting.objects.filter(pk=sitting).update(held_on=timezone.localdate())
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "test-assembly")
    page.goto(f"/seances/{sitting}/presences/")
    expect(page.get_by_role("table", name=re.compile("Pouvoirs donnés en ligne"))).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Marquer présents tous les membres non encore appelés").click()
    expect(page.get_by_role("table", name="Pouvoirs donnés pour la séance")).to_contain_text(
        "donné en ligne"
    )
    proxy = Proxy.objects.get(sitting_id=sitting)
    assert str(proxy.holder) == coming["holder"] and proxy.online.given_by == elu
    assert main_nav(page).count() == 1
