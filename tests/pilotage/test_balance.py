"""Territorial balance: subsidies per intercommunalité, territory and commune with centrality
functions, checked against figures computed here from the operations made; map, exports, access."""

import csv
import io
from collections import defaultdict
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from pacte.contracts.models import Partner
from pacte.core.roles import Role
from pacte.demo.contracts import siren_for_commune
from pacte.pilotage import balance
from pacte.territory.models import Department, Epci
from tests.factories import UserFactory

from .conftest import D, operation_to, signed_contract

pytestmark = pytest.mark.django_db
BETHUNE = "62119"


@pytest.fixture
def voted(lens_contract, arras_contract, generation, users, ap):
    bethune = signed_contract(generation, siren_for_commune(BETHUNE), users["test-agent"])
    UserFactory(username="ville-bethune", role=Role.PARTNER, partner=bethune.partner)
    made = [
        operation_to(lens_contract, users, "voted", voted_on=D(2024, 3, 25), amount="120000.00"),
        operation_to(lens_contract, users, "voted", voted_on=D(2024, 6, 24), amount="30000.00"),
        operation_to(arras_contract, users, "voted", voted_on=D(2024, 6, 24), amount="90000.00"),
        operation_to(bethune, users, "voted", voted_on=D(2024, 9, 30), amount="60000.00"),
    ]
    # Not voted: counts nowhere.
    operation_to(arras_contract, users, "in_review")
    return made


def epci_of(partner: Partner):
    return partner.epci if partner.epci_id else partner.commune.epci


def test_balance_per_intercommunality_matches_the_operations(voted, users, generation):
    data = balance.territorial_balance(user=users["test-elected"], generation_id=generation.pk)
    population = Department.objects.get(code="62").population
    fund = sum(o.granted_amount for o in voted)
    assert data["fund_total"] == fund == Decimal("300000.00")
    assert data["operations_total"] == 4
    expected = defaultdict(lambda: [Decimal(0), 0])
    for o in voted:
        expected[epci_of(o.contract.partner).siren][0] += o.granted_amount
        expected[epci_of(o.contract.partner).siren][1] += 1
    rows = {r.key: r for r in data["epcis"]}
    assert len(rows) == Epci.objects.filter(communes__department__code="62").distinct().count()
    for siren, (amount, count) in expected.items():
        epci = Epci.objects.get(siren=siren)
        row = rows[siren]
        assert (row.amount, row.operations, row.population) == (amount, count, epci.population)
        assert row.per_inhabitant == amount / epci.population
        assert row.per_operation == amount / count
        assert row.fund_share == amount * 100 / fund
        assert row.population_share == Decimal(epci.population) * 100 / population
        assert row.index == row.fund_share / row.population_share
    # Ranked by amount per inhabitant, those without subsidy after.
    ranked = [r.per_inhabitant for r in data["epcis"]]
    assert ranked == sorted(ranked, reverse=True)
    assert [r.rank for r in data["epcis"]] == list(range(1, len(rows) + 1))
    untouched = next(r for r in data["epcis"] if r.key not in expected)
    assert untouched.amount == 0 and untouched.colour == balance.NONE_COLOUR


def test_balance_per_territory_and_commune_partner(voted, users, generation):
    data = balance.territorial_balance(user=users["test-agent"], generation_id=generation.pk)
    expected = defaultdict(Decimal)
    for o in voted:
        expected[o.contract.partner.territory.name] += o.granted_amount
    territories = {r.label: r for r in data["territories"]}
    for name, amount in expected.items():
        row = territories[name]
        inhabitants = sum(e.population for e in Epci.objects.filter(territory__name=name))
        assert (row.amount, row.population) == (amount, inhabitants)
    communes = {r.key: r for r in data["communes"]}
    bethune = communes[BETHUNE]
    assert bethune.amount == Decimal("60000.00") and bethune.operations == 1
    assert bethune.per_inhabitant == Decimal("60000.00") / bethune.population
    assert bethune.rank == 1 and bethune.detail == "Béthune (62119)"
    assert len(communes) == Partner.objects.filter(kind="commune").count()


def test_quantile_classes_cover_every_positive_value():
    values = [Decimal(v) for v in [0, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89]]
    classes = balance.classify(values)
    assert len(classes) == 5
    assert classes[0][0] == 1 and classes[-1][1] == 89
    for low, high in classes:
        assert low <= high
    assert balance.classify([Decimal(4), Decimal(4)]) == [(Decimal(4), Decimal(4))]
    assert balance.classify([Decimal(0), None]) == []


def test_balance_page_draws_the_choropleth_with_legend_and_tables(voted, client_for):
    response = client_for("elected").get("/pilotage/equilibre-territorial/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('role="img" aria-labelledby="carte-equilibre-') == 2
    assert "Légende : subventions votées par habitant" in html
    assert "aucune subvention votée" in html
    assert "Communauté d&#x27;agglomération de Lens - Liévin : 150\u202f000,00\xa0€ votés" in html
    assert '<th scope="col">Intercommunalité</th>' in html
    assert "300\u202f000,00\xa0€" in html


@pytest.mark.parametrize("role", ["partner", "partner2"])
def test_partners_are_refused_the_balance(client_for, role):
    assert client_for(role).get("/pilotage/equilibre-territorial/").status_code == 403
    response = client_for(role).get("/pilotage/equilibre-territorial/?format=csv")
    assert response.status_code == 403


def test_balance_exports_in_csv_and_xlsx(voted, client_for, generation):
    client = client_for("finance")
    response = client.get(
        f"/pilotage/equilibre-territorial/?generation={generation.pk}&tableau=intercommunalites"
        "&format=csv"
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Rang", "Intercommunalité", "Territoire"]
    lens = next(r for r in rows if r[1] == "Communauté d'agglomération de Lens - Liévin")
    assert lens[4:6] == ["2", "150000,00"]
    assert len(rows) == 1 + Epci.objects.filter(communes__department__code="62").distinct().count()
    response = client.get("/pilotage/equilibre-territorial/?tableau=communes&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][2] == "Commune (code INSEE)"
    bethune = next(v for v in values if v[2] == "Béthune (62119)")
    assert bethune[0] == 1 and Decimal(str(bethune[6])) == Decimal("60000.00")
    assert sheet.cell(row=2, column=10).number_format == "0.00"
    territories = client.get("/pilotage/equilibre-territorial/?tableau=territoires&format=csv")
    assert territories.content.decode("utf-8-sig").startswith("Rang;Territoire;Population")
