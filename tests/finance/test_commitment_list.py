"""The list of commitments on screen: filters, totals of the filtered list computed by the
database, pagination, the export of the same list, and what each role sees."""

import csv
import io
from decimal import Decimal

import pytest

from pacte.finance import services
from pacte.finance.models import Commitment

from .conftest import D, voted_operation

pytestmark = pytest.mark.django_db

URL = "/finances/engagements/"


PAY_DAY = D(2025, 5, 2)


def pay(users, operation, amount, *, on=PAY_DAY):
    request = services.payment_request_create(
        actor=users["test-partner"], operation=operation, kind="advance", amount=Decimal(amount)
    )
    services.payment_check(actor=users["test-agent"], payment=request)
    return services.payment_pay(
        actor=users["test-finance"], payment=request, mandate_number=f"M-{request.pk}", paid_on=on
    )


@pytest.fixture
def fund(lens_contract, arras_contract, users, ap):
    """Lens: a véloroute (40 000 € paid of 135 000 €) and a médiathèque committed in 2023 for
    the second pact (nothing paid); Arras: a gymnase (90 000 €)."""
    velo, velo_c = voted_operation(lens_contract, users, title="Véloroute")
    pay(users, velo, "40000.00")
    media, media_c = voted_operation(
        lens_contract, users, amount="60000.00", sign=False, title="Médiathèque"
    )
    Commitment.objects.filter(pk=media_c.pk).update(committed_on=D(2023, 11, 20))
    media.stakes.set([lens_contract.stakes.order_by("pk").last()])
    gym, gym_c = voted_operation(arras_contract, users, amount="90000.00", title="Gymnase")
    return {"velo": velo, "media": media, "gym": gym}


def rows(response):
    return [c.operation.title for c in response.context["page"]]


def test_finance_lists_every_commitment_with_totals_computed_by_the_database(client_for, fund):
    response = client_for("finance").get(URL)
    assert response.status_code == 200
    assert rows(response) == ["Gymnase", "Véloroute", "Médiathèque"]
    totals = response.context["totals"]
    assert totals["count"] == 3
    assert totals["committed"] == Decimal("285000.00")
    assert totals["paid"] == Decimal("40000.00")
    assert totals["remaining"] == Decimal("245000.00")
    html = response.content.decode()
    assert "285\u202f000,00\xa0€" in html and "245\u202f000,00\xa0€" in html
    # Each line leads to its operation; the véloroute's remaining to pay is written out.
    assert f'href="/operations/{fund["velo"].pk}/"' in html
    assert "95\u202f000,00\xa0€" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("etat=active", ["Gymnase", "Véloroute", "Médiathèque"]),
        ("etat=paid", []),
        ("annee=2023", ["Médiathèque"]),
        ("annee=2024", ["Gymnase", "Véloroute"]),
        ("q=gymn", ["Gymnase"]),
    ],
)
def test_filters(client_for, fund, query, expected):
    assert rows(client_for("finance").get(f"{URL}?{query}")) == expected


def test_filters_by_partner_ap_pact_and_reference(client_for, fund, ap, lens_contract):
    client = client_for("agent")
    lens = lens_contract.partner
    response = client.get(f"{URL}?partenaire={lens.pk}&ap={ap.pk}")
    assert rows(response) == ["Véloroute", "Médiathèque"]
    assert response.context["totals"]["committed"] == Decimal("195000.00")
    assert response.context["totals"]["paid"] == Decimal("40000.00")
    second_pact = lens_contract.stakes.order_by("pk").last().pacts.first()
    response = client.get(f"{URL}?pacte={second_pact.pk}")
    assert rows(response) == ["Médiathèque"]
    assert response.context["totals"]["committed"] == Decimal("60000.00")
    reference = fund["gym"].reference
    assert rows(client.get(f"{URL}?q={reference.lower()}")) == ["Gymnase"]


@pytest.mark.parametrize(
    "query",
    [
        "annee=" + "9" * 5000,
        "annee=２０２４",
        "partenaire=99999999999999999999999",
        "ap=-1",
        "pacte=abc",
        "etat=nimporte",
        "page=999999999999999999999999",
        "q=" + "x" * 500,
    ],
)
def test_bad_filters_are_ignored_not_errors(client_for, fund, query):
    assert client_for("finance").get(f"{URL}?{query}").status_code == 200


def test_a_partner_sees_only_its_own_commitments_and_no_fund_data(client_for, fund, users):
    client = client_for("partner")
    response = client.get(URL)
    assert response.status_code == 200
    assert rows(response) == ["Véloroute", "Médiathèque"]
    assert response.context["totals"]["committed"] == Decimal("195000.00")
    html = response.content.decode()
    assert "Gymnase" not in html and "FIT 2023-2026" not in html
    assert 'name="partenaire"' not in html and 'name="ap"' not in html
    # Asking for another partner's commitments gives nothing of them.
    arras = fund["gym"].contract.partner
    assert rows(client.get(f"{URL}?partenaire={arras.pk}")) == []
    exported = client.get(f"{URL}?format=csv&partenaire={arras.pk}").content.decode("utf-8-sig")
    assert "Gymnase" not in exported


@pytest.mark.parametrize("role", ["admin", "agent", "assembly", "elected"])
def test_the_departments_readers_see_the_list(client_for, fund, role):
    assert len(rows(client_for(role).get(URL))) == 3


def test_the_export_follows_the_filters(client_for, fund, lens_contract):
    client = client_for("finance")
    response = client.get(f"{URL}?partenaire={lens_contract.partner.pk}&etat=active")
    html = response.content.decode()
    assert "format=csv" in html and f"partenaire={lens_contract.partner.pk}" in html
    export = client.get(f"{URL}?format=csv&partenaire={lens_contract.partner.pk}&etat=active")
    assert export["Content-Type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert lines[0][:3] == ["Référence", "Opération", "Partenaire"]
    assert [line[1] for line in lines[1:]] == ["Véloroute", "Médiathèque"]
    assert lines[1][6] == "40000,00"
    xlsx = client.get(f"{URL}?format=xlsx&annee=2023")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_the_finance_pages_lead_to_the_list(client_for, fund, ap):
    page = client_for("finance").get(f"/finances/ap/{ap.pk}/").content.decode()
    assert f'href="{URL}?ap={ap.pk}"' in page
    assert f'href="{URL}"' in client_for("partner").get("/finances/paiements/").content.decode()


def test_pages_keep_the_filters_and_the_totals_of_the_whole_list(client_for, fund, monkeypatch):
    from pacte.finance import views

    monkeypatch.setattr(views, "COMMITMENTS_PER_PAGE", 2)
    client = client_for("finance")
    first = client.get(f"{URL}?etat=active")
    assert rows(first) == ["Gymnase", "Véloroute"]
    html = first.content.decode()
    assert 'href="?etat=active&amp;page=2"' in html and "Page 1 sur 2" in html
    second = client.get(f"{URL}?etat=active&page=2")
    assert rows(second) == ["Médiathèque"]
    assert second.context["totals"]["count"] == 3
    assert second.context["totals"]["committed"] == Decimal("285000.00")


def test_queries_do_not_grow_with_the_list(
    client_for, fund, users, lens_contract, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("finance")
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for n in range(3):
        voted_operation(lens_contract, users, amount="1000.00", title=f"Abri {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert response.context["totals"]["count"] == 6
    assert len(rows(response)) == 6
