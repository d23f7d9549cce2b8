"""A member who gave his proxy online is not offered again to the clerk as giving one: the roll
call page lists his proxy apart, to be recorded, and a second proxy from him could only
contradict it. His councillor's space names his political group once."""

import html
import re

import pytest

from pacte.assembly import forms, selectors, services
from pacte.core.roles import Role
from pacte.territory.models import Councillor, PoliticalGroup
from tests.assembly.conftest import coming_sitting

pytestmark = pytest.mark.django_db


@pytest.fixture
def coming(users):
    return coming_sitting(users["test-assembly"])


def _member(sitting, position):
    return sitting.attendances.select_related("councillor").get(position=position)


@pytest.fixture
def elu(make_user, coming):
    return make_user(
        username="elu-pouvoir", role=Role.ELECTED, councillor=_member(coming, 5).councillor
    )


def test_a_proxy_given_online_takes_its_giver_off_the_clerks_list(coming, elu, client_for):
    giver, holder = _member(coming, 5), _member(coming, 6)
    assert giver in selectors.proxy_giver_choices(coming)
    online = services.proxy_give_online(actor=elu, sitting=coming, holder=holder)
    assert giver not in selectors.proxy_giver_choices(coming)
    assert _member(coming, 7) in selectors.proxy_giver_choices(coming)
    offered = {pk for pk, _ in forms.ProxyForm(sitting=coming).fields["giver"].widget.choices}
    assert giver.pk not in offered
    page = client_for("assembly").get(f"/seances/{coming.pk}/presences/").content.decode()
    select = re.search(r'<select name="giver".*?</select>', page, re.S).group(0)
    assert f'value="{giver.pk}"' not in select and f'value="{_member(coming, 7).pk}"' in select
    assert "Pouvoirs donnés en ligne" in page  # where his proxy is, to be recorded
    # Withdrawn, it leaves him free to give one on paper.
    services.proxy_withdraw_online(actor=elu, online=online)
    assert giver in selectors.proxy_giver_choices(coming)


def test_the_space_names_the_group_once(coming, elu, client):
    councillor = _member(coming, 5).councillor
    group, _ = PoliticalGroup.objects.get_or_create(
        department=councillor.canton.department, name="Groupe Union pour le Pas-de-Calais"
    )
    Councillor.objects.filter(pk=councillor.pk).update(political_group=group)
    client.force_login(elu)
    page = html.unescape(client.get("/elu/").content.decode())
    assert f"({group.name}" in page
    assert "groupe Groupe" not in page and ", groupe " not in page
