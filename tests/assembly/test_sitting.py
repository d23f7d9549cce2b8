import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pacte.assembly import selectors, services
from pacte.assembly.models import Attendance, Proxy
from pacte.demo.assembly import seed_sitting_2022_317

pytestmark = pytest.mark.django_db


@pytest.fixture
def sitting(users):
    return seed_sitting_2022_317(users["test-assembly"])


def test_the_sitting_of_26_september_2022_as_recorded(sitting):
    assert sitting.president == "M. Jean-Claude LEROY"
    assert sitting.secretary == "M. Bruno COUSEIN"
    statuses = list(sitting.attendances.values_list("status", flat=True))
    assert statuses.count("present") == 63 and statuses.count("excused") == 15
    first = sitting.attendances.first()
    assert (first.civility, first.name, first.councillor.last_name) == (
        "M.",
        "Jean-Claude LEROY",
        "LEROY",
    )
    lapouille = sitting.attendances.get(name="Emmanuelle LAPOUILLE")
    assert lapouille.councillor.last_name == "LAPOUILLE-FLAJOLET"
    # Marine LE PEN has left the register since: the minutes keep her name, without a link.
    assert sitting.attendances.get(name="Marine LE PEN").councillor is None
    matched = sitting.attendances.filter(councillor__isnull=False).count()
    assert matched >= 75


def test_fifteen_demo_proxies_one_per_holder_and_the_quorum(sitting):
    proxies = Proxy.objects.filter(sitting=sitting)
    assert proxies.count() == 15 and all(p.is_demo for p in proxies)
    holders = [p.holder_id for p in proxies]
    assert len(set(holders)) == 15
    quorum = selectors.sitting_quorum(sitting)
    assert (quorum.counted, quorum.required, quorum.reached) == (63, 40, True)
    # 63 present + 15 proxies = the 78 votes of the seed.
    assert quorum.present + quorum.represented == 78


def test_proxy_rules_are_enforced(sitting, users):
    actor = users["test-assembly"]
    present = list(sitting.attendances.filter(status="present").order_by("position"))
    holder = Proxy.objects.filter(sitting=sitting).first().holder
    free = next(a for a in present if not a.proxies_held.exists() and a != holder)
    excused_giver = Proxy.objects.filter(sitting=sitting).first().giver
    with pytest.raises(ValidationError, match="déjà donné son pouvoir"):
        services.proxy_record(actor=actor, sitting=sitting, giver=excused_giver, holder=free)
    with pytest.raises(ValidationError, match="est présent"):
        services.proxy_record(actor=actor, sitting=sitting, giver=free, holder=holder)
    absent = Attendance.objects.create(
        sitting=sitting, position=99, civility="M.", name="Membre ABSENT", status="absent"
    )
    with pytest.raises(ValidationError, match="1 au plus par membre"):
        services.proxy_record(actor=actor, sitting=sitting, giver=absent, holder=holder)
    with pytest.raises(PermissionDenied):
        services.proxy_record(actor=users["test-agent"], sitting=sitting, giver=absent, holder=free)
    with pytest.raises(ValidationError, match="à lui-même"):
        services.proxy_record(actor=actor, sitting=sitting, giver=absent, holder=absent)
    # 2022-317 was voted on this attendance: a proxy that would change it is refused.
    with pytest.raises(ValidationError, match=r"présences au vote du point n°18 \(délibération"):
        services.proxy_record(actor=actor, sitting=sitting, giver=absent, holder=free)
    assert selectors.sitting_quorum(sitting).represented == 15
    assert not Proxy.objects.filter(giver=absent).exists()


def test_deliberation_2022_317_as_the_seed_records_it(sitting):
    report = sitting.reports.get()
    assert report.number == 18
    opinions = list(report.opinions.select_related("commission"))
    assert [o.commission.number for o in opinions] == [5, 1, 2, 3, 4, 6]
    assert all(o.opinion == "favourable" and o.met_on.isoformat() == "2022-09-05" for o in opinions)
    deliberation = report.deliberation
    assert deliberation.number == "2022-317" and deliberation.adopted
    assert (deliberation.votes_for, deliberation.votes_against, deliberation.abstentions) == (
        78,
        0,
        0,
    )
    assert deliberation.groups_for[0] == "Groupe Socialiste, Républicain et Citoyen"
    assert report.text.startswith("Le Département  du")
    assert "Fonds d" in report.text and "Innovation Territorial" in report.text


def _report(sitting, number):
    from pacte.assembly.models import Report

    return Report.objects.create(
        sitting=sitting,
        opened_at=datetime.time(10, 0),
        number=number,
        kind="framework",
        title=f"Rapport {number}",
        text="Exposé",
        decision="Décision",
    )


def test_votes_are_checked_and_numbers_follow_each_other(sitting, users):
    actor = users["test-assembly"]
    with pytest.raises(ValidationError, match="c'est trop"):
        services.report_adopt(
            actor=actor, report=_report(sitting, 19), votes_for=70, votes_against=9, abstentions=0
        )
    first = services.report_adopt(
        actor=actor, report=_report(sitting, 20), votes_for=40, votes_against=30, abstentions=8
    )
    second = services.report_adopt(
        actor=actor,
        report=_report(sitting, 21),
        votes_for=30,
        votes_against=30,
        abstentions=18,
        president_votes_for=True,
    )
    # 2022-317 (the seed) is already taken: the next numbers of 2022 follow it.
    assert (first.number, second.number) == ("2022-318", "2022-319")
    assert second.adopted and second.casting_vote
    with pytest.raises(ValidationError, match="ne change plus"):
        services.report_adopt(
            actor=actor, report=first.report, votes_for=1, votes_against=0, abstentions=0
        )


def test_no_vote_without_quorum_unless_reconvened(users):
    from pacte.assembly.models import Sitting

    actor = users["test-assembly"]
    thin = Sitting.objects.create(
        body="council", held_on="2023-03-27", president="M. X", members_in_office=78
    )
    for position in range(10):
        Attendance.objects.create(
            sitting=thin,
            position=position,
            civility="M.",
            name=f"Membre {position}",
            status="present",
        )
    thin.held_on = thin._meta.get_field("held_on").to_python(thin.held_on)
    with pytest.raises(ValidationError, match="Quorum non atteint : 10 membres présents"):
        services.report_adopt(
            actor=actor, report=_report(thin, 1), votes_for=10, votes_against=0, abstentions=0
        )
    thin.reconvened = True
    thin.save()
    assert services.report_adopt(
        actor=actor, report=_report(thin, 2), votes_for=10, votes_against=0, abstentions=0
    ).adopted


def _scheduled(contract, users, title):
    from pacte.operations import services as operation_services
    from pacte.operations.workflows import OPERATION_WORKFLOW
    from tests.operations.conftest import SHEET, make_operation

    operation = make_operation(contract, users["test-partner"], title=title)
    operation_services.operation_submit(actor=users["test-partner"], operation=operation)
    operation_services.operation_take_charge(actor=users["test-agent"], operation=operation)
    operation_services.operation_update(actor=users["test-agent"], operation=operation, **SHEET)
    operation.refresh_from_db()
    operation_services.operation_mark_sheet_ready(actor=users["test-agent"], operation=operation)
    OPERATION_WORKFLOW.apply(operation, "schedule", actor=users["test-assembly"])
    return operation


def test_adopting_a_subsidies_report_commits_each_operation(sitting, users, lens_contract, ap):
    from pacte.assembly.models import Report
    from pacte.finance.models import Commitment
    from pacte.operations.models import Operation

    voted = [_scheduled(lens_contract, users, f"Projet {i}") for i in range(2)]
    report = Report.objects.create(
        sitting=sitting,
        opened_at=datetime.time(10, 0),
        number=30,
        kind="subsidies",
        title="Fonds d'Innovation Territorial",
        text="Exposé",
        decision="Attribuer les subventions",
    )
    report.operations.set(voted)
    deliberation = services.report_adopt(
        actor=users["test-assembly"], report=report, votes_for=60, votes_against=10, abstentions=8
    )
    commitments = Commitment.objects.filter(operation__in=voted)
    assert commitments.count() == 2
    assert set(commitments.values_list("deliberation_number", flat=True)) == {deliberation.number}
    assert set(
        Operation.objects.filter(pk__in=[o.pk for o in voted]).values_list("state", flat=True)
    ) == {"voted"}
    rejected = _scheduled(lens_contract, users, "Projet rejeté")
    report = Report.objects.create(
        sitting=sitting,
        opened_at=datetime.time(10, 0),
        number=31,
        kind="subsidies",
        title="Rejet",
        text="Exposé",
        decision="Attribuer",
    )
    report.operations.set([rejected])
    services.report_adopt(
        actor=users["test-assembly"], report=report, votes_for=10, votes_against=60, abstentions=8
    )
    rejected.refresh_from_db()
    assert rejected.state == "rejected"


def test_publication_transmission_and_open_data(client, sitting):
    import csv
    import io

    deliberation = sitting.reports.get().deliberation
    # A13: the date of the decision and the internal number 2022_317, as the AR gives them.
    assert deliberation.actes_id == "062-226200012-20220926-2022_317-DE"
    assert deliberation.enforceable_on.isoformat() == "2022-09-30"
    page = client.get("/deliberations/")
    assert page.status_code == 200  # public, no login
    assert "2022-317" in page.content.decode()
    detail = client.get("/deliberations/2022-317/").content.decode()
    assert "Pour : 78 voix (Groupe Socialiste, Républicain et Citoyen ;" in detail
    assert "dates de démonstration" in detail
    rows = list(
        csv.DictReader(io.StringIO(client.get("/deliberations/scdl.csv").content.decode("utf-8")))
    )
    assert len(rows) == 1
    row = rows[0]
    assert (row["DELIB_ID"], row["DELIB_DATE"], row["COLL_SIRET"]) == (
        "2022-317",
        "2022-09-26",
        "22620001200012",
    )
    assert (row["VOTE_EFFECTIF"], row["VOTE_POUR"], row["VOTE_CONTRE"]) == ("78", "78", "0")
    assert row["PREF_ID"] == deliberation.actes_id
    assert row["DELIB_MATIERE_CODE"] == "9.2"
    assert row["DELIB_URL"].endswith("/deliberations/2022-317/")
    assert client.get("/deliberations/2099-001/").status_code == 404


def test_unpublished_deliberations_stay_private(client, sitting, users):
    first = services.report_adopt(
        actor=users["test-assembly"],
        report=_report(sitting, 40),
        votes_for=40,
        votes_against=0,
        abstentions=0,
    )
    assert client.get(f"/deliberations/{first.number}/").status_code == 404
    with pytest.raises(ValidationError, match="l'état actuel est « Mise en ligne »"):
        services.deliberation_publish(
            actor=users["test-assembly"],
            deliberation=sitting.reports.get(number=18).deliberation,
            on=sitting.held_on,
        )
