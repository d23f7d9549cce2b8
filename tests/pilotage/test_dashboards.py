"""Dashboards: every figure checked against sums and medians computed here in plain Python over
the objects the test made; access per role; queries that do not grow with the data."""

import datetime
import math
import statistics
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pacte.finance.models import Commitment, PaymentRequest
from pacte.finance.selectors import lapse_watch
from pacte.operations import services as operation_services
from pacte.operations.models import Operation, OperationEvent, ReciprocalCommitment
from pacte.pilotage import dashboards
from pacte.pilotage.dashboards import Filters

from .conftest import D, at, operation_to, pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(lens_contract, arras_contract, users, ap):
    """Seven operations of two partners in two territories, from draft to paid."""
    now = timezone.now()
    ops = {}
    ops["lens_paid"] = operation_to(
        lens_contract,
        users,
        "agreement_signed",
        submitted=at(D(2024, 1, 10)),
        voted_on=D(2024, 3, 25),
        signed=at(D(2024, 5, 2), 9),
        amount="100000.00",
        title="Véloroute du canal",
    )
    # Deposited at 23:30 and signed at 00:30, Paris time: the previous day in UTC.
    ops["lens_late_night"] = operation_to(
        lens_contract,
        users,
        "agreement_signed",
        submitted=at(D(2024, 2, 1), 23, 30),
        voted_on=D(2024, 6, 24),
        signed=at(D(2024, 7, 15), 0, 30),
        amount="80000.00",
        title="Tiers-lieu de Liévin",
    )
    ops["arras_paid"] = operation_to(
        arras_contract,
        users,
        "agreement_signed",
        submitted=at(D(2023, 11, 20)),
        voted_on=D(2024, 3, 25),
        signed=at(D(2024, 4, 30)),
        amount="150000.00",
        title="Halle d'Arras",
    )
    ops["arras_voted"] = operation_to(
        arras_contract,
        users,
        "voted",
        submitted=at(D(2024, 9, 1)),
        voted_on=D(2024, 12, 16),
        amount="50000.00",
        title="Parking relais",
    )
    ops["lens_waiting"] = operation_to(
        lens_contract,
        users,
        "in_review",
        submitted=now - datetime.timedelta(days=200),
        title="Médiathèque",
    )
    ops["arras_recent"] = operation_to(
        arras_contract,
        users,
        "submitted",
        submitted=now - datetime.timedelta(days=10),
        title="Épicerie solidaire",
    )
    ops["lens_draft"] = operation_to(lens_contract, users, "draft", title="Brouillon")
    pay(ops["lens_paid"], users, amount="20000.00", paid_on=D(2024, 6, 14), mandate="M-1")
    pay(ops["lens_paid"], users, amount="5000.00", paid_on=D(2024, 8, 1), mandate="M-2")
    pay(ops["lens_late_night"], users, amount="15000.00", paid_on=D(2024, 9, 2), mandate="M-3")
    pay(ops["arras_paid"], users, amount="30000.00", paid_on=D(2025, 1, 15), mandate="M-4")
    return ops


def local_date(value):
    return timezone.localtime(value).date()


def signed_on(operation):
    event = OperationEvent.objects.get(operation=operation, transition="sign_agreement")
    return local_date(event.at)


def nearest_rank(values, share):
    ordered = sorted(values)
    return ordered[math.ceil(share * len(ordered)) - 1]


def test_operations_by_state_and_territory_match_the_operations_made(story, users, generation):
    assert Operation.objects.count() == len(story)
    admin = users["test-admin"]
    filters = Filters(generation_id=generation.pk)
    # The partner's draft is not yet the Département's business: not counted, no state row.
    counts = Counter(o.state for o in story.values() if o.state != "draft")
    by_state = dashboards.operations_by_state(user=admin, filters=filters)
    assert {r["state"]: r["count"] for r in by_state if r["count"]} == dict(counts)
    assert [r["label"] for r in by_state][:2] == ["Déposée", "En instruction"]

    expected = defaultdict(lambda: {"total": 0, "voted": 0, "amount": Decimal(0)})
    for o in story.values():
        if o.state == "draft":
            continue
        row = expected[o.contract.partner.territory.name]
        row["total"] += 1
        if o.granted_amount is not None:
            row["voted"] += 1
            row["amount"] += o.granted_amount
    rows = dashboards.operations_by_territory(user=admin, filters=filters)
    assert {r["label"]: {k: r[k] for k in ("total", "voted", "amount")} for r in rows} == expected
    # The territory filter keeps only its partners' operations.
    lens_territory = story["lens_paid"].contract.partner.territory
    only_lens = Filters(generation_id=generation.pk, territory_id=lens_territory.pk)
    lens_counts = Counter(
        o.state
        for o in story.values()
        if o.contract.partner.territory == lens_territory and o.state != "draft"
    )
    assert {
        r["state"]: r["count"]
        for r in dashboards.operations_by_state(user=admin, filters=only_lens)
        if r["count"]
    } == dict(lens_counts)


def test_amounts_over_time_add_up_month_by_month_and_year_by_year(story, users, generation, ap):
    admin = users["test-admin"]
    filters = Filters(generation_id=generation.pk)
    voted, paid = defaultdict(Decimal), defaultdict(Decimal)
    for o in story.values():
        if o.voted_on:
            voted[o.voted_on.strftime("%Y-%m")] += o.granted_amount
    for p in PaymentRequest.objects.filter(state="paid"):
        paid[p.paid_on.strftime("%Y-%m")] += p.paid_amount
    result = dashboards.amounts_over_time(user=admin, filters=filters, period="month")
    rows = {r["key"]: r for r in result["rows"]}
    # From the AP's vote (September 2022) to the last payment, every month present.
    assert result["rows"][0]["key"] == "2022-09" and result["rows"][-1]["key"] == "2025-01"
    assert len(result["rows"]) == 29
    for key, amount in voted.items():
        assert rows[key]["voted"] == amount
    for key, amount in paid.items():
        assert rows[key]["paid"] == amount
    assert rows["2024-07"]["voted"] == 0
    total_voted = sum(voted.values())
    assert result["totals"]["voted"] == total_voted == Decimal("380000.00")
    assert result["totals"]["committed"] == sum(c.amount for c in Commitment.objects.all())
    assert result["totals"]["paid"] == sum(paid.values()) == Decimal("70000.00")
    assert rows["2024-06"]["voted_total"] == voted["2024-03"] + voted["2024-06"]
    assert rows["2024-06"]["paid_total"] == paid["2024-06"]
    assert all(r["ap"] == ap.amount for r in result["rows"])

    yearly = dashboards.amounts_over_time(user=admin, filters=filters, period="year")
    by_year = {r["key"]: r for r in yearly["rows"]}
    assert list(by_year) == ["2022", "2023", "2024", "2025"]
    assert by_year["2024"]["voted"] == total_voted
    assert by_year["2024"]["paid"] == Decimal("40000.00")
    assert by_year["2025"]["paid_total"] == Decimal("70000.00")
    # No AP line for a territory: the AP is the whole département's.
    territory = story["arras_paid"].contract.partner.territory
    arras = dashboards.amounts_over_time(
        user=admin, filters=Filters(generation_id=generation.pk, territory_id=territory.pk)
    )
    assert not arras["has_ap"] and arras["totals"]["voted"] == Decimal("200000.00")


def test_processing_times_are_medians_and_ninth_deciles_of_local_dates(story, users, generation):
    admin = users["test-admin"]
    voted = [o for o in story.values() if o.voted_on]
    signed = [o for o in voted if o.state == "agreement_signed"]
    to_vote = [(o.voted_on - local_date(o.submitted_at)).days for o in voted]
    to_sign = [(signed_on(o) - o.voted_on).days for o in signed]
    first_paid = {
        o.pk: min(p.paid_on for p in PaymentRequest.objects.filter(commitment__operation=o))
        for o in signed
    }
    to_pay = [(first_paid[o.pk] - signed_on(o)).days for o in signed]
    # The late-night deposit counts on 1 February, the 00:30 signature on 15 July.
    assert local_date(story["lens_late_night"].submitted_at) == D(2024, 2, 1)
    assert signed_on(story["lens_late_night"]) == D(2024, 7, 15)

    times = {t.key: t for t in dashboards.processing_times(user=admin, filters=Filters())}
    for key, values in [("vote", to_vote), ("signature", to_sign), ("payment", to_pay)]:
        assert times[key].count == len(values)
        assert times[key].median == Decimal(str(statistics.median(values)))
        assert times[key].decile9 == nearest_rank(values, 0.9)
        assert times[key].excluded == 0
    # 75, 106, 126 and 144 days (144: deposited on 1 February local time, not 31 January UTC).
    assert times["vote"].histogram == [(75, 1), (106, 1), (126, 1), (144, 1)]
    assert times["vote"].median == Decimal("116")


def test_percentiles_from_a_histogram_follow_their_definitions():
    from hypothesis import given
    from hypothesis import strategies as st

    @given(st.lists(st.integers(min_value=0, max_value=2000), min_size=1, max_size=200))
    def check(values):
        median, decile9 = dashboards.percentiles_from_histogram(Counter(values))
        assert median == Decimal(str(statistics.median(values)))
        assert decile9 == nearest_rank(values, 0.9)

    check()
    assert dashboards.percentiles_from_histogram({}) == (None, None)


def test_dates_in_the_wrong_order_are_left_out_and_counted(story, users):
    operation = story["arras_voted"]
    Operation.objects.filter(pk=operation.pk).update(submitted_at=at(D(2025, 1, 5)))
    found = dashboards.processing_times(user=users["test-admin"], filters=Filters())
    times = {t.key: t for t in found}
    assert times["vote"].count == 3 and times["vote"].excluded == 1


def test_history_figures_are_refreshed_in_the_background_after_a_write(story, users, settings):
    from django.core.cache import cache

    settings.PACTE_PILOTAGE_CACHE_SECONDS = 600
    cache.clear()
    admin = users["test-admin"]

    def vote_count():
        return dashboards.processing_times(user=admin, filters=Filters())[0].count

    assert vote_count() == 4
    # A change that leaves no audit row (none in Pacte but this test's) is not seen yet…
    Operation.objects.filter(pk=story["arras_voted"].pk).update(submitted_at=at(D(2025, 1, 5)))
    assert vote_count() == 4
    # …the next write through a service is: the page that follows still shows the figures
    # kept (it does not wait) and asks the worker to compute them again…
    operation_services.operation_take_charge(
        actor=users["test-agent"], operation=story["arras_recent"]
    )
    assert vote_count() == 4
    # …and once the worker has (the test's task backend runs it at once), the pages show them.
    assert vote_count() == 3
    cache.clear()


def test_lapse_alerts_agree_with_the_finance_lapse_watch(lens_contract, users, generation, ap):
    today = timezone.localdate()
    years = generation.start_deadline_years
    late_vote = today.replace(year=today.year - years) - datetime.timedelta(days=5)
    soon_vote = today.replace(year=today.year - years) + datetime.timedelta(days=30)
    fine_vote = today - datetime.timedelta(days=100)
    for index, voted_on in enumerate([late_vote, soon_vote, fine_vote, late_vote]):
        operation_to(
            lens_contract,
            users,
            "agreement_signed",
            submitted=at(voted_on - datetime.timedelta(days=60)),
            voted_on=voted_on,
            amount="10000.00",
            title=f"Opération {index}",
        )
    # The last one has started its works: only its completion deadline counts.
    started = Operation.objects.order_by("-pk").first()
    operation_services.operation_start_works(
        actor=users["test-agent"], operation=started, started_on=today
    )
    # Two started operations whose conventions were signed four years ago around midnight,
    # Paris time: the one signed on the day before is late, the other one due today.
    completion = today.replace(year=today.year - generation.completion_deadline_years)
    for signed in [at(completion, 0, 30), at(completion - datetime.timedelta(days=1), 23, 30)]:
        operation = operation_to(
            lens_contract,
            users,
            "agreement_signed",
            submitted=at(completion - datetime.timedelta(days=90)),
            voted_on=completion - datetime.timedelta(days=30),
            signed=signed,
            amount="10000.00",
            title="Signée vers minuit",
        )
        operation_services.operation_start_works(
            actor=users["test-agent"], operation=operation, started_on=completion
        )
    rows = lapse_watch(user=users["test-finance"], ap=ap)
    expected = {"late": sum(r["late"] for r in rows), "soon": sum(r["soon"] for r in rows)}
    assert expected == {"late": 2, "soon": 2}
    found = dashboards.lapse_alerts(user=users["test-admin"], filters=Filters(generation.pk))
    assert {"late": found["late"], "soon": found["soon"]} == expected
    assert found["aps"] == [ap]


def test_deadline_cutoff_is_exact_around_29_february():
    from pacte.core.dates import add_years

    for on in [D(2026, 2, 28), D(2026, 3, 1), D(2028, 2, 29), D(2028, 3, 1), D(2027, 1, 1)]:
        for years in [1, 2, 3, 4]:
            cutoff = dashboards.deadline_cutoff(years, on)
            assert add_years(cutoff, years) >= on
            assert add_years(cutoff - datetime.timedelta(days=1), years) < on


def test_late_items_count_waiting_operations_and_payments(story, users, settings):
    settings.PACTE_PILOTAGE_WAITING_DAYS = 90
    settings.PACTE_PILOTAGE_SIGNATURE_DAYS = 30
    late = dashboards.late_items(user=users["test-agent"], filters=Filters())
    now = timezone.now()
    waiting = [
        o
        for o in story.values()
        if o.state in Operation.WAITING_STATES
        and o.submitted_at < now - datetime.timedelta(days=90)
    ]
    assert late["waiting_count"] == len(waiting) == 1
    assert late["waiting"] == waiting
    assert late["unsigned_count"] == 1 and late["unsigned"] == [story["arras_voted"]]
    assert late["payments_count"] == 0
    elected = dashboards.late_items(user=users["test-elected"], filters=Filters(), with_lists=False)
    assert elected["waiting_count"] == 1 and "waiting" not in elected


def test_commitments_met_count_validated_against_all(story, lens_contract, users, generation):
    agent, partner = users["test-agent"], users["test-partner"]
    made = []
    for kind, report, accept in [
        ("insertion", True, True),
        ("insertion", True, False),
        ("insertion", False, None),
        ("placements", True, True),
        ("sustainable", True, None),
    ]:
        c = operation_services.commitment_add(
            actor=agent, contract=lens_contract, kind=kind, description=f"Engagement {kind}"
        )
        if report:
            operation_services.commitment_report(
                actor=partner, commitment=c, achieved=Decimal(10), report="Fait."
            )
        if accept is not None:
            operation_services.commitment_validate(
                actor=agent, commitment=c, accept=accept, reason="" if accept else "Preuves ?"
            )
        made.append(ReciprocalCommitment.objects.get(pk=c.pk))
    met = dashboards.commitments_met(user=agent, filters=Filters(generation.pk))
    assert met["total"] == len(made)
    assert met["validated"] == sum(1 for c in made if c.state == "validated") == 2
    assert met["rate"] == Decimal("40.0")
    insertion = next(i for i in met["items"] if i["kind"] == "insertion")
    assert (insertion["total"], insertion["validated"], insertion["refused"]) == (3, 1, 1)
    late = dashboards.late_items(user=agent, filters=Filters(generation.pk))
    assert late["to_validate_count"] == sum(1 for c in made if c.state == "reported") == 1


# --- Pages and access -----------------------------------------------------------------------

ACCESS = {
    "direction": {"admin"},
    "instruction": {"admin", "agent"},
    "finances": {"admin", "finance"},
    "elus": {"admin", "agent", "assembly", "finance", "elected"},
}


@pytest.mark.parametrize("kind", list(ACCESS))
@pytest.mark.parametrize(
    "role", ["admin", "agent", "assembly", "finance", "elected", "partner", "partner2"]
)
def test_each_role_opens_the_dashboards_its_role_allows(client_for, role, kind):
    response = client_for(role).get(f"/pilotage/{kind}/")
    assert response.status_code == (200 if role in ACCESS[kind] else 403)


@pytest.mark.parametrize(
    "role,target",
    [
        ("admin", "direction"),
        ("agent", "instruction"),
        ("finance", "finances"),
        ("elected", "elus"),
        ("assembly", "elus"),
    ],
)
def test_the_pilotage_entry_leads_each_role_to_its_dashboard(client_for, role, target):
    response = client_for(role).get("/pilotage/")
    assert response.status_code == 302 and response.url == f"/pilotage/{target}/"


def test_partner_and_anonymous_are_kept_out(client, client_for):
    assert client.get("/pilotage/direction/").status_code == 302
    assert client_for("partner").get("/pilotage/").status_code == 403
    assert client_for("partner").get("/pilotage/equilibre-territorial/").status_code == 403


def test_pages_show_the_figures_in_french_with_tables_beside_the_charts(story, client_for):
    html = client_for("admin").get("/pilotage/direction/").content.decode()
    # States, territories, amounts, times (no reciprocal commitment in this story): the
    # amounts over time as a line chart, the others as bars whose labels are text.
    assert html.count('<svg class="chart"') == 1
    assert html.count('<div class="bar-rows" role="img"') == 3
    assert "380\u202f000,00\xa0€" in html  # voted
    assert "70\u202f000,00\xa0€" in html  # paid
    assert '<th scope="col">Étape</th>' in html and "116,0" in html
    elected = client_for("elected").get("/pilotage/elus/").content.decode()
    # The elected members' view is aggregate: no operation named.
    assert "Médiathèque" not in elected and "En instruction depuis plus de" in elected
    agent = client_for("agent").get("/pilotage/instruction/").content.decode()
    assert "Médiathèque" in agent and "Mes dossiers" in agent
    finance = client_for("finance").get("/pilotage/finances/?periode=annee").content.decode()
    assert '<th scope="row">2024</th>' in finance


def test_queries_per_page_do_not_grow_with_the_operations(story, client_for, users):
    from tests.pilotage.conftest import operation_to as make

    client = client_for("admin")
    urls = ["/pilotage/direction/", "/pilotage/instruction/", "/pilotage/finances/"]
    urls += ["/pilotage/elus/", "/pilotage/equilibre-territorial/"]

    def counts():
        result = {}
        for url in urls:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url).status_code == 200
            result[url] = len(captured)
        return result

    before = counts()
    contract = story["lens_paid"].contract
    for index in range(3):
        op = make(
            contract,
            users,
            "agreement_signed",
            submitted=at(D(2024, 4, 1 + index)),
            voted_on=D(2024, 10, 1 + index),
            signed=at(D(2024, 11, 1 + index)),
            amount="20000.00",
            title=f"Encore {index}",
        )
        operation_services.commitment_add(
            actor=users["test-agent"], contract=contract, kind="other", description="Autre"
        )
        assert op.state == "agreement_signed"
    assert counts() == before


# --- Partners' unsubmitted drafts ---------------------------------------------------------


def test_partners_never_submitted_drafts_count_nowhere(story, users, generation, client_for):
    """A draft, or an operation withdrawn before its deposit, is the partner's own business:
    no figure, list or page of the dashboards shows it; one withdrawn after its deposit does."""
    contract = story["lens_paid"].contract
    partner = users["test-partner"]
    before = dashboards.operation_figures(user=users["test-admin"], filters=Filters(generation.pk))
    withdrawn_draft = operation_to(contract, users, "draft", title="Abandonnée avant dépôt")
    operation_services.operation_withdraw(
        actor=partner, operation=withdrawn_draft, reason="Le projet ne se fera pas."
    )
    operation_to(contract, users, "draft", title="Encore un brouillon")
    withdrawn_after = operation_to(contract, users, "submitted", title="Retirée après dépôt")
    operation_services.operation_withdraw(
        actor=partner, operation=withdrawn_after, reason="Reportée à l'an prochain."
    )
    assert Operation.objects.filter(state="draft").count() == 2
    for role in ["admin", "agent", "finance", "elected", "assembly"]:
        user = users[f"test-{role}"]
        figures = dashboards.operation_figures(user=user, filters=Filters(generation.pk))
        states = {r["state"]: r["count"] for r in figures.states}
        assert "draft" not in states
        assert states["withdrawn"] == 1  # only the one withdrawn after its deposit
        lens = story["lens_paid"].contract.partner.territory.name
        totals = {r["label"]: r["total"] for r in figures.by_territory}
        old = {r["label"]: r["total"] for r in before.by_territory}
        assert totals[lens] == old[lens] + 1
    html = client_for("admin").get("/pilotage/direction/").content.decode()
    assert "Brouillon" not in html and "brouillon" not in html
