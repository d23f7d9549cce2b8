"""Exports of partners, assises and engineering requests: the page's filters and the user's
scope apply to them as to the page."""

import datetime

import pytest

from pacte.contracts import services
from pacte.contracts.models import Generation, Partner
from pacte.territory.models import Territory
from tests.export_helpers import csv_rows, xlsx_rows

pytestmark = pytest.mark.django_db
D = datetime.date


def test_partner_export_keeps_the_kind_filter_and_the_partner_scope(client_for, users):
    rows = csv_rows(client_for("agent").get("/partenaires/?nature=commune&format=csv"))
    expected = set(Partner.objects.filter(kind="commune").values_list("name", flat=True))
    assert {r[0] for r in rows[1:]} == expected and expected
    own = xlsx_rows(client_for("partner").get("/partenaires/?format=xlsx"))
    assert [r[0] for r in own[1:]] == [users["test-partner"].partner.name]


def test_forum_export_shows_the_current_generation_only(client_for, users, generation):
    agent = users["test-agent"]
    territories = list(Territory.objects.order_by("name")[:2])
    services.forum_create(
        actor=agent, generation=generation, territory=territories[0], held_on=D(2022, 10, 7)
    )
    old = Generation.objects.get(is_history=True)
    services.forum_create(
        actor=agent, generation=old, territory=territories[1], held_on=D(2018, 5, 3)
    )
    rows = csv_rows(client_for("elected").get("/assises/?format=csv"))
    assert [r[:2] for r in rows[1:]] == [[territories[0].name, "07/10/2022"]]
    assert client_for("partner").get("/assises/?format=csv").status_code == 403


def test_engineering_export_keeps_the_state_filter_and_the_partner_scope(client_for, users):
    agent = users["test-agent"]
    lens, arras = users["test-partner"].partner, users["test-partner2"].partner
    made = {}
    for partner in (lens, arras):
        for subject in ("Étude de faisabilité", "Assistance à maîtrise d'ouvrage"):
            made[(partner.pk, subject)] = services.engineering_request_create(
                actor=agent,
                partner=partner,
                provider="ingenierie62",
                subject=f"{subject} — {partner.name}",
                requested_on=D(2024, 2, 1),
            )
    services.engineering_request_move(
        actor=agent, request=made[(lens.pk, "Étude de faisabilité")], transition="start"
    )
    rows = csv_rows(client_for("agent").get("/ingenierie/?etat=in_progress&format=csv"))
    assert [r[0] for r in rows[1:]] == [f"Étude de faisabilité — {lens.name}"]
    assert rows[1][3:5] == ["01/02/2024", "En cours"]
    own = csv_rows(client_for("partner2").get("/ingenierie/?format=csv"))
    assert len(own) - 1 == 2 and {r[1] for r in own[1:]} == {arras.name}
