"""Exports of the referential's lists: the filters of the page apply; partners are refused."""

import pytest

from pacte.territory.models import Commune, Councillor, Epci, PoliticalGroup
from tests.export_helpers import csv_rows, xlsx_rows

pytestmark = pytest.mark.django_db


def test_epci_export_keeps_the_kind_filter(client_for):
    rows = csv_rows(client_for("agent").get("/territoire/intercommunalites/?nature=CA&format=csv"))
    assert rows[0][:3] == ["Intercommunalité", "Nature", "SIREN"]
    expected = set(
        Epci.objects.filter(kind="CA", communes__department__code="62")
        .distinct()
        .values_list("siren", flat=True)
    )
    assert {r[2] for r in rows[1:]} == expected and expected
    assert all(r[1] == "Communauté d'agglomération" for r in rows[1:])
    xlsx = xlsx_rows(client_for("elected").get("/territoire/intercommunalites/?format=xlsx"))
    assert len(xlsx) - 1 == Epci.objects.filter(communes__department__code="62").distinct().count()


def test_commune_export_keeps_the_search_and_ignores_the_page(client_for):
    rows = csv_rows(client_for("agent").get("/territoire/communes/?q=saint&page=2&format=csv"))
    expected = Commune.objects.search("saint").count()
    assert len(rows) - 1 == expected > 50  # every match, not one page of 50
    arras = csv_rows(client_for("agent").get("/territoire/communes/?q=62041&format=csv"))
    assert [r[:2] for r in arras[1:]] == [["Arras", "62041"]]


def test_councillor_export_keeps_the_group_filter(client_for):
    group = PoliticalGroup.objects.order_by("pk").first()
    # Group membership is set by the administrator; three councillors join this group.
    chosen = list(Councillor.objects.in_office().order_by("pk").values_list("pk", flat=True)[:3])
    Councillor.objects.filter(pk__in=chosen).update(political_group=group)
    rows = csv_rows(client_for("finance").get(f"/territoire/elus/?groupe={group.pk}&format=csv"))
    assert len(rows) - 1 == 3
    assert {r[5] for r in rows[1:]} == {group.name}
    everyone = csv_rows(client_for("finance").get("/territoire/elus/?format=csv"))
    assert len(everyone) - 1 == Councillor.objects.in_office().count()


@pytest.mark.parametrize(
    "url", ["/territoire/intercommunalites/", "/territoire/communes/", "/territoire/elus/"]
)
def test_partners_get_no_referential_export(client_for, url):
    assert client_for("partner").get(f"{url}?format=csv").status_code == 403
