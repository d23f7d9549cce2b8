"""Holding a sitting: roll and movements, quorum per item, votes by group and by name, the
casting vote, reports on subsidies and contracts, corrections, the A8 and A10 rules."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pacte.assembly import rules, selectors, services
from pacte.assembly.models import Attendance, Report, ThematicCommission
from pacte.finance.models import Commitment
from pacte.operations.models import Operation
from pacte.territory.models import PoliticalGroup
from tests.assembly.conftest import ready_operation

pytestmark = pytest.mark.django_db
D = datetime.date
T = datetime.time


def framework_report(sitting, actor, **extra):
    fields = dict(
        kind="framework",
        title="Règlement du fonds",
        text="Exposé.",
        decision="D'adopter le règlement.",
    )
    fields.update(extra)
    return services.report_save(actor=actor, sitting=sitting, **fields)


def groups():
    return list(PoliticalGroup.objects.filter(department__code="62").order_by("position"))


def test_a_new_sitting_calls_the_roll_of_the_councillors_in_office(users):
    sitting = services.sitting_create(
        actor=users["test-assembly"],
        body="council",
        held_on=D(2025, 6, 30),
        place="Arras",
        president="M. Jean-Claude LEROY",
    )
    roll = list(sitting.attendances.order_by("position"))
    assert sitting.members_in_office == len(roll) == 78
    assert roll[0].name == "Jean-Claude LEROY"  # the président first
    assert all(a.status == "absent" for a in roll)
    with pytest.raises(PermissionDenied):
        services.sitting_create(
            actor=users["test-agent"],
            body="council",
            held_on=D(2025, 6, 30),
            place="Arras",
            president="M. X",
        )


def test_quorum_follows_arrivals_and_departures_item_by_item(standing_committee, users):
    actor = users["test-assembly"]
    sitting = standing_committee
    members = list(sitting.attendances.order_by("position"))
    # 38 leave at 11:00: 40 remain, the quorum of a 78-member body (40) is still reached.
    for member in members[40:]:
        services.attendance_record(actor=actor, attendance=member, status="present", left_at=T(11))
    assert selectors.sitting_quorum(sitting, T(10, 30)).counted == 78
    assert selectors.sitting_quorum(sitting, T(11, 0)).reached
    # One more leaves at 11:30: 39 < 40, unless proxies count (commission permanente: they do).
    services.attendance_record(
        actor=actor, attendance=members[39], status="present", left_at=T(11, 30)
    )
    late = selectors.sitting_quorum(sitting, T(11, 45))
    assert (late.counted, late.required, late.reached) == (39, 40, False)
    services.proxy_record(actor=actor, sitting=sitting, giver=members[39], holder=members[1])
    assert selectors.sitting_quorum(sitting, T(11, 45)).reached  # 39 present + 1 proxy
    # Before the giver leaves, the proxy does not count (the giver votes in person).
    assert selectors.sitting_quorum(sitting, T(10, 30)).represented == 0
    # A latecomer counts from the time of arrival.
    services.attendance_record(
        actor=actor, attendance=members[50], status="present", arrived_at=T(11, 40)
    )
    assert selectors.sitting_quorum(sitting, T(11, 45)).present == 40


def test_a_vote_on_an_item_opened_without_quorum_is_refused(users):
    actor = users["test-assembly"]
    sitting = services.sitting_create(
        actor=actor,
        body="council",
        held_on=D(2025, 6, 30),
        place="Arras",
        president="M. Jean-Claude LEROY",
        opened_at=T(9, 30),
    )
    members = list(sitting.attendances.order_by("position"))
    for member in members[:39]:
        services.attendance_record(actor=actor, attendance=member, status="present")
    # 39 present and proxies: the conseil départemental counts only members physically present.
    for giver, holder in zip(members[39:50], members[:11], strict=True):
        services.proxy_record(actor=actor, sitting=sitting, giver=giver, holder=holder)
    report = framework_report(sitting, actor)
    quorum = services.item_open(actor=actor, report=report, at=T(10))
    assert not quorum.reached and quorum.required == 40
    with pytest.raises(ValidationError, match="ouvert sans quorum"):
        services.item_vote_by_group(actor=actor, report=report, counts={groups()[0]: (39, 0, 0, 0)})
    assert not hasattr(Report.objects.get(pk=report.pk), "deliberation")
    # The reconvened sitting deliberates whatever the number present.
    services.sitting_update(actor=actor, sitting=sitting, reconvened=True)
    deliberation = services.item_vote_by_group(
        actor=actor, report=report, counts={groups()[0]: (39, 0, 0, 0)}
    )
    assert deliberation.adopted


def test_votes_by_group_give_the_seed_wording_and_cannot_exceed_present_and_proxies(
    standing_committee, users
):
    actor = users["test-assembly"]
    report = framework_report(standing_committee, actor)
    services.item_open(actor=actor, report=report, at=T(10, 15))
    g = groups()
    with pytest.raises(ValidationError, match="c'est trop"):
        services.item_vote_by_group(actor=actor, report=report, counts={g[0]: (79, 0, 0, 0)})
    deliberation = services.item_vote_by_group(
        actor=actor,
        report=report,
        counts={g[0]: (40, 0, 0, 0), g[1]: (10, 0, 0, 0), g[2]: (5, 10, 2, 0), g[3]: (0, 8, 0, 0)},
    )
    assert (deliberation.votes_for, deliberation.votes_against, deliberation.abstentions) == (
        55,
        18,
        2,
    )
    assert deliberation.adopted and not deliberation.casting_vote
    assert deliberation.groups_for == [g[0].name, g[1].name, f"{g[2].name} (5 voix)"]
    assert deliberation.groups_against == [f"{g[2].name} (10 voix)", g[3].name]
    assert report.group_votes.count() == 4
    # Adopted: it never changes, and a second vote is refused.
    with pytest.raises(ValidationError, match="délibéré"):
        services.item_vote_by_group(actor=actor, report=report, counts={g[0]: (1, 0, 0, 0)})


def test_the_presidents_casting_vote_decides_a_tie(standing_committee, users):
    actor = users["test-assembly"]
    g = groups()
    tied = framework_report(standing_committee, actor, title="Point partagé")
    services.item_open(actor=actor, report=tied, at=T(10, 20))
    deliberation = services.item_vote_by_group(
        actor=actor,
        report=tied,
        counts={g[0]: (30, 0, 0, 0), g[1]: (0, 30, 0, 0)},
        president_votes_for=True,
    )
    assert deliberation.adopted and deliberation.casting_vote
    other = framework_report(standing_committee, actor, title="Autre point partagé")
    services.item_open(actor=actor, report=other, at=T(10, 40))
    rejected = services.item_vote_by_group(
        actor=actor,
        report=other,
        counts={g[0]: (30, 0, 0, 0), g[1]: (0, 30, 0, 0)},
        president_votes_for=False,
    )
    assert not rejected.adopted
    assert rejected.sequence == deliberation.sequence + 1


def test_a_roll_call_records_each_name_and_proxies_vote_for_their_giver(standing_committee, users):
    actor = users["test-assembly"]
    sitting = standing_committee
    members = list(sitting.attendances.order_by("position"))
    services.attendance_record(actor=actor, attendance=members[10], status="excused")
    services.proxy_record(actor=actor, sitting=sitting, giver=members[10], holder=members[11])
    services.attendance_record(actor=actor, attendance=members[12], status="absent")
    report = framework_report(sitting, actor, vote_mode="roll_call")
    services.item_open(actor=actor, report=report, at=T(10, 30))
    choices = {m: "for" for m in members}
    choices[members[12]] = "against"  # absent and not represented
    with pytest.raises(ValidationError, match="ni présent ni représenté"):
        services.item_vote_roll_call(actor=actor, report=report, choices=choices)
    choices[members[12]] = ""
    choices[members[5]] = "against"
    choices[members[6]] = "abstention"
    deliberation = services.item_vote_roll_call(actor=actor, report=report, choices=choices)
    assert (deliberation.votes_for, deliberation.votes_against, deliberation.abstentions) == (
        75,
        1,
        1,
    )
    assert deliberation.vote_mode == "roll_call"
    assert str(members[5]) in deliberation.groups_against
    proxy_ballot = report.ballots.get(member=members[10])
    assert proxy_ballot.by_proxy and proxy_ballot.choice == "for"


def test_a_report_on_subsidies_schedules_ready_operations_and_commits_them_when_adopted(
    standing_committee, users, ap, lens_contract
):
    actor = users["test-assembly"]
    operations = [ready_operation(lens_contract, users, f"Opération {i}") for i in range(3)]
    report = services.report_save(
        actor=users["test-agent"],
        sitting=standing_committee,
        kind="subsidies",
        title="Contractualisation 2023-2026 — subventions",
        text="Trois opérations.",
        decision="D'attribuer les subventions reprises en annexe.",
        operations=operations,
    )
    assert set(
        Operation.objects.filter(pk__in=[o.pk for o in operations]).values_list("state", flat=True)
    ) == {"scheduled"}
    # Taking one off the agenda gives it back its « sheet ready » state.
    services.report_save(
        actor=users["test-agent"],
        sitting=standing_committee,
        report=report,
        operations=operations[:2],
    )
    assert Operation.objects.get(pk=operations[2].pk).state == "sheet_ready"
    services.item_open(actor=actor, report=report, at=T(10, 30))
    deliberation = services.item_vote_by_group(
        actor=actor, report=report, counts={groups()[0]: (78, 0, 0, 0)}
    )
    commitments = Commitment.objects.filter(operation__in=operations[:2])
    assert commitments.count() == 2
    assert {c.deliberation_number for c in commitments} == {deliberation.number}
    assert sum(c.amount for c in commitments) == Decimal("270000.00")


def test_a_report_beyond_the_ap_is_refused_before_anything_is_written(
    standing_committee, users, ap, lens_contract
):
    ap.amount = Decimal("200000.00")
    ap.save()
    operations = [ready_operation(lens_contract, users, f"Opération {i}") for i in range(2)]
    with pytest.raises(ValidationError):
        services.report_save(
            actor=users["test-agent"],
            sitting=standing_committee,
            kind="subsidies",
            title="Subventions",
            text="Deux opérations.",
            decision="D'attribuer.",
            operations=operations,
        )
    assert not Report.objects.filter(sitting=standing_committee).exists()
    assert Operation.objects.get(pk=operations[0].pk).state == "sheet_ready"


def test_a_report_on_contracts_votes_them(standing_committee, users, generation):
    from pacte.contracts import services as contract_services
    from pacte.contracts.models import Partner

    agent = users["test-agent"]
    contract = contract_services.contract_create(
        actor=agent, generation=generation, partner=Partner.objects.get(siren="246200364")
    )
    contract_services.stake_add(
        actor=agent, contract=contract, title="Mobilités", pacts=[generation.pacts.first()]
    )
    with pytest.raises(ValidationError, match="pas accordé"):
        services.report_save(
            actor=agent,
            sitting=standing_committee,
            kind="contracts",
            title="Contrats",
            text="Un contrat.",
            decision="D'approuver.",
            contracts=[contract],
        )
    contract_services.contract_agree(actor=agent, contract=contract)
    report = services.report_save(
        actor=agent,
        sitting=standing_committee,
        kind="contracts",
        title="Contrats",
        text="Un contrat.",
        decision="D'approuver.",
        contracts=[contract],
    )
    services.item_open(actor=users["test-assembly"], report=report, at=T(11))
    deliberation = services.item_vote_by_group(
        actor=users["test-assembly"], report=report, counts={groups()[0]: (60, 0, 0, 0)}
    )
    contract.refresh_from_db()
    assert contract.state == "voted"
    assert (contract.vote_deliberation_number, contract.vote_date) == (
        deliberation.number,
        D(2024, 3, 25),
    )


def test_the_commission_permanente_never_decides_the_budget(standing_committee, users):
    with pytest.raises(ValidationError, match="L3211-2"):
        framework_report(standing_committee, users["test-assembly"], kind="budget")


def test_reports_sent_late_are_flagged_unless_urgency():
    day = D(2025, 6, 30)
    assert (
        rules.report_sending_warning(sitting_day=day, sent_on=D(2025, 6, 18), urgency=False) == ""
    )
    late = rules.report_sending_warning(sitting_day=day, sent_on=D(2025, 6, 19), urgency=False)
    assert "11 jour(s)" in late and "L3121-19" in late
    assert rules.report_sending_warning(sitting_day=day, sent_on=D(2025, 6, 27), urgency=True) == ""
    assert "jour franc" in rules.report_sending_warning(
        sitting_day=day, sent_on=D(2025, 6, 29), urgency=True
    )


def test_a_correction_is_a_new_deliberation_that_refers_to_the_first(standing_committee, users):
    actor = users["test-assembly"]
    g = groups()
    first = framework_report(standing_committee, actor)
    services.item_open(actor=actor, report=first, at=T(10, 30))
    original = services.item_vote_by_group(actor=actor, report=first, counts={g[0]: (70, 0, 0, 0)})
    with pytest.raises(ValidationError, match="ne change plus"):
        services.report_save(actor=actor, sitting=standing_committee, report=first, title="Autre")
    with pytest.raises(ValidationError, match="ne change plus"):
        services.opinion_record(
            actor=actor,
            report=first,
            commission=ThematicCommission.objects.create(number=9, name="Test"),
            met_on=D(2024, 3, 1),
            opinion="favourable",
        )
    correction = framework_report(
        standing_committee, actor, title="Rectification du règlement", corrects=original
    )
    services.item_open(actor=actor, report=correction, at=T(11))
    corrected = services.item_vote_by_group(
        actor=actor, report=correction, counts={g[0]: (70, 0, 0, 0)}
    )
    assert corrected.corrects == original
    assert list(original.corrections.all()) == [corrected]
    original.refresh_from_db()
    assert original.report.title == "Règlement du fonds"


def test_two_months_online_and_the_enforceable_date(standing_committee, users):
    actor = users["test-assembly"]
    report = framework_report(standing_committee, actor)
    services.item_open(actor=actor, report=report, at=T(10, 30))
    deliberation = services.item_vote_by_group(
        actor=actor, report=report, counts={groups()[0]: (70, 0, 0, 0)}
    )
    services.deliberation_publish(actor=actor, deliberation=deliberation, on=D(2024, 12, 31))
    deliberation.refresh_from_db()
    assert deliberation.online_until == D(2025, 2, 28)
    assert deliberation.enforceable_on is None
    services.deliberation_transmit(
        actor=actor, deliberation=deliberation, sent_on=D(2025, 1, 2), acknowledged_on=D(2025, 1, 3)
    )
    deliberation.refresh_from_db()
    assert deliberation.enforceable_on == D(2025, 1, 3)
    sitting_day = standing_committee.held_on.strftime("%Y%m%d")
    internal = deliberation.number.replace("-", "_")
    assert deliberation.actes_id == f"062-226200012-{sitting_day}-{internal}-DE"


def test_members_holding_a_proxy_or_absent_cannot_be_given_times(standing_committee, users):
    actor = users["test-assembly"]
    members = list(standing_committee.attendances.order_by("position"))
    services.attendance_record(actor=actor, attendance=members[3], status="excused")
    services.proxy_record(
        actor=actor, sitting=standing_committee, giver=members[3], holder=members[4]
    )
    with pytest.raises(ValidationError, match="détient le pouvoir"):
        services.attendance_record(actor=actor, attendance=members[4], status="absent")
    with pytest.raises(ValidationError, match="n'est pas présent"):
        services.attendance_record(
            actor=actor, attendance=members[5], status="excused", arrived_at=T(11)
        )
    with pytest.raises(ValidationError, match="le départ suit"):
        services.attendance_record(
            actor=actor, attendance=members[5], status="present", arrived_at=T(11), left_at=T(10)
        )
    assert Attendance.objects.get(pk=members[5].pk).status == "present"
