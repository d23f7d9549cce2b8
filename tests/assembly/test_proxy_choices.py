"""The clerk's proxy form offers only the members the rules let give or receive a proxy (A5);
the service refuses the others all the same."""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError

from pacte.assembly import forms, selectors, services

pytestmark = pytest.mark.django_db
T = datetime.time


@pytest.fixture
def council(users):
    """A conseil départemental, the first 40 members present; member 5 leaves at 11:00 and gives
    his proxy to member 7; member 41 is absent."""
    actor = users["test-assembly"]
    sitting = services.sitting_create(
        actor=actor,
        body="council",
        held_on=datetime.date(2025, 6, 30),
        place="Arras",
        president="Jean-Claude LEROY",
        opened_at=T(9, 30),
    )
    for member in sitting.attendances.order_by("position")[:40]:
        services.attendance_record(actor=actor, attendance=member, status="present")
    leaving = sitting.attendances.get(position=5)
    services.attendance_record(actor=actor, attendance=leaving, status="present", left_at=T(11))
    services.proxy_record(
        actor=actor, sitting=sitting, giver=leaving, holder=sitting.attendances.get(position=7)
    )
    return sitting


def test_the_form_offers_only_those_the_rules_allow(council):
    form = forms.ProxyForm(sitting=council)
    position = dict(council.attendances.values_list("pk", "position"))
    givers = {position[pk] for pk, _ in form.fields["giver"].widget.choices if pk}
    holders = {position[pk] for pk, _ in form.fields["holder"].widget.choices if pk}
    # 5 gave his proxy already: neither giver again nor holder; 7 holds the one allowed (2025).
    assert 5 not in givers and 5 not in holders and 7 not in holders
    assert 41 in givers and 41 not in holders  # absent: gives, never receives
    assert {1, 2, 6, 8, 40} <= holders and not givers & {1, 2, 6, 7, 8, 40}
    assert givers == {a.position for a in selectors.proxy_giver_choices(council)}
    assert holders == {a.position for a in selectors.proxy_receiver_choices(council)}


def test_the_service_refuses_them_all_the_same(council, users):
    actor = users["test-assembly"]
    leaving, holder = council.attendances.get(position=5), council.attendances.get(position=7)
    absent, free = council.attendances.get(position=41), council.attendances.get(position=8)
    with pytest.raises(ValidationError, match="déjà donné son pouvoir"):
        services.proxy_record(actor=actor, sitting=council, giver=leaving, holder=free)
    with pytest.raises(ValidationError, match=r"a lui-même donné son pouvoir : il ne peut"):
        services.proxy_record(actor=actor, sitting=council, giver=absent, holder=leaving)
    with pytest.raises(ValidationError, match="1 au plus par membre"):
        services.proxy_record(actor=actor, sitting=council, giver=absent, holder=holder)
    assert council.proxies.count() == 1


def test_the_page_lists_them_and_a_forged_choice_is_refused(council, client_for):
    client = client_for("assembly")
    url = f"/seances/{council.pk}/presences/"
    page = client.get(url).content.decode()
    form = page[page.index('aria-label="Enregistrer un pouvoir"') :]
    leaving = council.attendances.get(position=5)
    giver_select = re.search(r'<select name="giver".*?</select>', form, re.S).group(0)
    holder_select = re.search(r'<select name="holder".*?</select>', form, re.S).group(0)
    assert f'value="{leaving.pk}"' not in giver_select
    assert f'value="{leaving.pk}"' not in holder_select
    absent = council.attendances.get(position=41)
    response = client.post(
        f"/seances/{council.pk}/pouvoirs/", {"giver": absent.pk, "holder": leaving.pk}, follow=True
    )
    # A stale choice: the service says why.
    assert [str(m) for m in response.context["messages"]] == [
        f"{leaving} a lui-même donné son pouvoir : il ne peut recevoir celui de {absent}."
    ]
    assert council.proxies.count() == 1
