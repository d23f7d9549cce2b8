"""The rules of the acts chain that a clerk's mistake must not break: proxies to another
member, the casting vote of the member who presides, a vote judged at the item's own time,
the attendance behind an adopted act, the public roll call of A7, the AP voted before the
sitting, the notice per body, the @CTES identifier of the acknowledgement."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pacte.assembly import actes, selectors, services
from pacte.assembly.models import Attendance, Deliberation, Report, Sitting
from pacte.finance.models import APRevision, Commitment
from pacte.territory.models import PoliticalGroup
from tests.assembly.conftest import ready_operation
from tests.conftest import refused

pytestmark = pytest.mark.django_db
D = datetime.date
T = datetime.time


def _report(sitting, actor, **extra):
    fields = dict(kind="framework", title="Règlement", text="Exposé.", decision="D'adopter.")
    fields.update(extra)
    return services.report_save(actor=actor, sitting=sitting, **fields)


def _groups():
    return list(PoliticalGroup.objects.filter(department__code="62").order_by("position"))


@pytest.fixture
def actor(users):
    return users["test-assembly"]


@pytest.fixture
def council(actor):
    """A conseil départemental opened at 9:30 with its first 40 members present."""
    sitting = services.sitting_create(
        actor=actor,
        body="council",
        held_on=D(2025, 6, 30),
        place="Arras",
        president="Jean-Claude LEROY",  # typed without civility
        opened_at=T(9, 30),
    )
    for member in sitting.attendances.order_by("position")[:40]:
        services.attendance_record(actor=actor, attendance=member, status="present")
    return sitting


def test_a_member_leaving_is_not_his_own_proxy_holder(council, actor):
    leaving = council.attendances.get(position=5)
    services.attendance_record(actor=actor, attendance=leaving, status="present", left_at=T(11))
    with pytest.raises(ValidationError, match="ne peut se donner pouvoir à lui-même"):
        services.proxy_record(actor=actor, sitting=council, giver=leaving, holder=leaving)
    # Nor to a member who left before him.
    gone = council.attendances.get(position=6)
    services.attendance_record(actor=actor, attendance=gone, status="present", left_at=T(10))
    with pytest.raises(ValidationError, match="est parti à 10 h 00, avant le départ"):
        services.proxy_record(actor=actor, sitting=council, giver=leaving, holder=gone)
    assert not council.proxies.exists()


def test_a_tie_in_a_roll_call_is_decided_by_the_member_who_presides(council, actor):
    report = _report(council, actor, vote_mode=Report.VoteMode.ROLL_CALL)
    services.item_open(actor=actor, report=report, at=T(10))
    members = list(council.attendances.filter(status="present").order_by("position"))
    assert members[0].name == "Jean-Claude LEROY"
    choices = {m: ("for" if i < 20 else "against") for i, m in enumerate(members)}
    deliberation = services.item_vote_roll_call(actor=actor, report=report, choices=choices)
    assert (deliberation.votes_for, deliberation.votes_against) == (20, 20)
    assert deliberation.adopted and deliberation.casting_vote


def test_a_tie_is_not_recorded_when_the_president_is_no_member(council, actor):
    services.sitting_update(actor=actor, sitting=council, president="M. le Président")
    report = _report(council, actor, vote_mode=Report.VoteMode.ROLL_CALL)
    services.item_open(actor=actor, report=report, at=T(10))
    members = list(council.attendances.filter(status="present").order_by("position"))
    choices = {m: ("for" if i < 20 else "against") for i, m in enumerate(members)}
    with pytest.raises(ValidationError, match="n'est pas l'un des membres inscrits à l'appel"):
        services.item_vote_roll_call(actor=actor, report=report, choices=choices)
    assert not Deliberation.objects.filter(report=report).exists()


def test_an_item_is_voted_only_once_opened_and_on_the_attendance_of_that_time(council, actor):
    members = list(council.attendances.filter(status="present").order_by("position"))
    for member in members[35:]:  # 5 leave at 10:00: 35 remain, the quorum is 40
        services.attendance_record(actor=actor, attendance=member, status="present", left_at=T(10))
    report = _report(council, actor)
    counts = {_groups()[0]: (35, 0, 0, 0)}
    with pytest.raises(ValidationError, match="n'a pas été ouvert"):
        services.item_vote_by_group(actor=actor, report=report, counts=counts)
    quorum = services.item_open(actor=actor, report=report, at=T(10))
    assert (quorum.present, quorum.reached) == (35, False)
    with pytest.raises(ValidationError, match="ouvert sans quorum"):
        services.item_vote_by_group(actor=actor, report=report, counts=counts)
    assert not Deliberation.objects.filter(report=report).exists()


def test_the_attendance_behind_an_adopted_act_no_longer_changes(council, actor):
    report = _report(council, actor)
    services.item_open(actor=actor, report=report, at=T(10))
    services.item_vote_by_group(actor=actor, report=report, counts={_groups()[0]: (40, 0, 0, 0)})
    present = council.attendances.get(position=3)
    with pytest.raises(ValidationError, match="modifierait les présences au vote du point"):
        services.attendance_record(actor=actor, attendance=present, status="absent")
    with pytest.raises(ValidationError, match="modifierait les présences"):
        services.attendance_record(
            actor=actor, attendance=present, status="present", arrived_at=T(10, 30)
        )
    with pytest.raises(ValidationError, match="modifierait les présences"):
        services.attendance_mark_all_present(actor=actor, sitting=council)
    with pytest.raises(ValidationError, match="modifierait les présences"):
        services.sitting_update(actor=actor, sitting=council, reconvened=True)
    present.refresh_from_db()
    assert present.status == "present" and present.arrived_at is None
    # A departure after the vote is still recorded, and a proxy given then.
    services.attendance_record(actor=actor, attendance=present, status="present", left_at=T(11))
    holder = council.attendances.get(position=4)
    services.proxy_record(actor=actor, sitting=council, giver=present, holder=holder)
    assert selectors.sitting_quorum(council, T(10)).present == 40


def test_a_sixth_of_the_members_present_impose_the_public_roll_call(council, actor):
    report = _report(council, actor)
    with pytest.raises(ValidationError, match="41 membres demandant le scrutin public, pour 40"):
        services.item_open(actor=actor, report=report, at=T(10), roll_call_requested_by=41)
    services.item_open(actor=actor, report=report, at=T(10), roll_call_requested_by=6)
    report.refresh_from_db()
    assert report.vote_mode == Report.VoteMode.GROUPS  # 6 of 40: less than a sixth
    services.item_open(actor=actor, report=report, at=T(10), roll_call_requested_by=7)
    report.refresh_from_db()
    assert report.vote_mode == Report.VoteMode.ROLL_CALL
    with pytest.raises(ValidationError, match="se vote par appel nominal"):
        services.item_vote_by_group(
            actor=actor, report=report, counts={_groups()[0]: (40, 0, 0, 0)}
        )


def test_the_notice_of_the_standing_committee_is_its_own_setting(settings):
    sitting_day, sent_on = D(2025, 6, 30), D(2025, 6, 22)
    report = Report(sent_on=sent_on, urgency=False)
    council = Sitting(body="council", held_on=sitting_day)
    committee = Sitting(body="standing_committee", held_on=sitting_day)
    assert "au lieu de 12 (CGCT L3121-19)" in selectors.sending_warning(report, council)
    settings.PACTE_NOTICE_DAYS_STANDING_COMMITTEE = 8
    assert selectors.sending_warning(report, committee) == ""
    settings.PACTE_NOTICE_DAYS_STANDING_COMMITTEE = 10
    assert "au lieu de 10 (règlement intérieur)" in selectors.sending_warning(report, committee)


def test_a_sitting_commits_only_on_an_ap_voted_by_then(
    standing_committee, actor, users, lens_contract, ap
):
    """The AP of the fixture is voted on 2022-09-26: a sitting of 2022-09-19 cannot use it."""
    early = services.sitting_create(
        actor=actor,
        body="standing_committee",
        held_on=D(2022, 9, 19),
        place="Arras",
        president="M. Jean-Claude LEROY",
        opened_at=T(10),
    )
    services.attendance_mark_all_present(actor=actor, sitting=early)
    operation = ready_operation(lens_contract, users)
    report = _report(early, actor, kind="subsidies", operations=[operation])
    services.item_open(actor=actor, report=report, at=T(10, 30))
    voted_on = ap.revisions.order_by("voted_on").first().voted_on
    assert voted_on > early.held_on
    with pytest.raises(
        ValidationError,
        match=r"n'était pas encore votée le 19/09/2022 \(elle l'a été le 26/09/2022\)",
    ):
        services.item_vote_by_group(
            actor=actor, report=report, counts={_groups()[0]: (70, 0, 0, 0)}
        )
    assert not Commitment.objects.filter(operation=operation).exists()
    # A revision voted after the sitting does not count for it either.
    APRevision.objects.create(
        authorisation=ap,
        number=ap.revisions.count(),
        amount=ap.amount + Decimal("1000000"),
        deliberation_number="2099-001",
        voted_on=D(2099, 1, 1),
    )
    from pacte.finance.services import amount_voted_on

    assert amount_voted_on(ap, D(2030, 1, 1)) == ap.revisions.get(number=0).amount


def test_the_actes_identifier_is_the_acknowledgements(standing_committee, actor):
    report = _report(standing_committee, actor)
    services.item_open(actor=actor, report=report, at=T(10, 30))
    deliberation = services.item_vote_by_group(
        actor=actor, report=report, counts={_groups()[0]: (70, 0, 0, 0)}
    )
    internal = actes.actes_internal_number(deliberation)
    assert internal == deliberation.number.replace("-", "_") and len(internal) <= 15
    services.deliberation_transmit(actor=actor, deliberation=deliberation, sent_on=D(2024, 3, 27))
    deliberation.refresh_from_db()
    assert deliberation.actes_id == ""  # none until the préfecture acknowledges
    expected = f"062-226200012-20240325-{internal}-DE"  # the date of the decision
    for wrong, message in [
        ("062-226200012-20240325-2024-001-DE", "n'est pas un identifiant @CTES"),
        ("062-226200012-20240327-" + internal + "-DE", "ne désigne pas la délibération"),
    ]:
        with pytest.raises(ValidationError, match=message):
            services.deliberation_acknowledge(
                actor=actor,
                deliberation=deliberation,
                acknowledged_on=D(2024, 3, 28),
                actes_id=wrong,
            )
    services.deliberation_acknowledge(
        actor=actor, deliberation=deliberation, acknowledged_on=D(2024, 3, 28), actes_id=expected
    )
    deliberation.refresh_from_db()
    assert deliberation.actes_id == expected
    assert Attendance.objects.filter(sitting=standing_committee).exists()


def test_through_the_api_an_item_is_opened_then_voted(client_for, council):
    report = _report(council, council.created_by)
    client = client_for("assembly")
    group = _groups()[0].name
    vote = {"groups": [{"group": group, "votes_for": 40}]}
    refused = client.post(f"/api/rapports/{report.pk}/vote", vote, content_type="application/json")
    assert refused.status_code == 422 and "n'a pas été ouvert" in refused.json()["detail"]
    absurd = client.post(
        f"/api/rapports/{report.pk}/ouverture",
        {"heure": "10:00", "demandes_scrutin_public": 99},
        content_type="application/json",
    )
    assert absurd.status_code == 422 and "99 membres" in absurd.json()["detail"]
    opened = client.post(
        f"/api/rapports/{report.pk}/ouverture",
        {"heure": "10:00", "demandes_scrutin_public": 7},
        content_type="application/json",
    )
    assert opened.status_code == 200
    assert opened.json() == {
        "atteint": True,
        "explication": "Quorum atteint : 40 membres présents sur 78 en fonction ; il en faut 40.",
        "scrutin_public": True,
    }
    by_group = client.post(f"/api/rapports/{report.pk}/vote", vote, content_type="application/json")
    assert by_group.status_code == 422 and "appel nominal" in by_group.json()["detail"]
    assert not Deliberation.objects.filter(report=report).exists()


def test_group_votes_never_exceed_the_groups_members_present_or_represented(
    council, actor, client_for
):
    first, second = _groups()[:2]
    members = list(council.attendances.order_by("position").select_related("councillor"))
    for index, member in enumerate(members):
        member.councillor.political_group = first if index < 30 else second
        member.councillor.save(update_fields=["political_group"])
    # Present: the first 41 (30 of the first group, 11 of the second); one of the second
    # leaves at 10:00 and gives his proxy to a member of the first group.
    services.attendance_record(actor=actor, attendance=members[40], status="present")
    leaving = members[35]
    services.attendance_record(actor=actor, attendance=leaving, status="present", left_at=T(10))
    services.proxy_record(actor=actor, sitting=council, giver=leaving, holder=members[0])
    report = _report(council, actor)
    services.item_open(actor=actor, report=report, at=T(10, 30))
    assert selectors.group_presence(council, T(10, 30)) == {first.pk: (30, 0), second.pk: (10, 1)}
    with pytest.raises(ValidationError, match=r"31 voix pour 30 membre\(s\) présent\(s\) et 0"):
        services.item_vote_by_group(
            actor=actor, report=report, counts={first: (31, 0, 0, 0), second: (10, 0, 0, 0)}
        )
    assert not Deliberation.objects.filter(report=report).exists()
    page = client_for("assembly").get(f"/rapports/{report.pk}/").content.decode()
    assert "30 présents" in page and "10 présents, 1 pouvoir" in page
    deliberation = services.item_vote_by_group(
        actor=actor, report=report, counts={first: (30, 0, 0, 0), second: (9, 2, 0, 0)}
    )
    assert (deliberation.votes_for, deliberation.votes_against) == (39, 2)


def test_checking_the_voted_items_reads_the_sitting_once(council, actor):
    """The guard on attendance changes costs the same whatever the number of voted items."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for minute in (0, 5, 10):
        report = _report(council, actor)
        services.item_open(actor=actor, report=report, at=T(10, minute))
        services.item_vote_by_group(
            actor=actor, report=report, counts={_groups()[0]: (40, 0, 0, 0)}
        )
        with CaptureQueriesContext(connection) as queries:
            snapshot = selectors.voted_presence(council)
        counts.append(len(queries))
        assert len(snapshot) == minute // 5 + 1
    assert counts[0] == counts[1] == counts[2] == 3


def test_the_sitting_times_frame_the_items_taken_up(standing_committee, actor):
    """The opening is no later than the first item taken up, the closing no earlier than the
    last."""
    report = services.report_save(
        actor=actor,
        sitting=standing_committee,
        kind="framework",
        title="Point",
        text="Exposé.",
        decision="D'approuver.",
    )
    services.item_open(actor=actor, report=report, at=T(10, 30))
    with refused("l'ouverture ne peut être plus tardive"):
        services.sitting_update(actor=actor, sitting=standing_committee, opened_at=T(11, 15))
    with refused("la clôture ne peut être plus matinale"):
        services.sitting_update(actor=actor, sitting=standing_committee, closed_at=T(10, 15))
    services.sitting_update(actor=actor, sitting=standing_committee, closed_at=T(12, 0))


def test_the_opening_stays_once_items_are_taken_up_and_a_coming_sitting_is_not_closed(
    standing_committee, actor, users
):
    report = services.report_save(
        actor=actor,
        sitting=standing_committee,
        kind="framework",
        title="Point",
        text="Exposé.",
        decision="D'approuver.",
    )
    services.item_open(actor=actor, report=report, at=T(10, 30))
    with refused("l'heure d'ouverture de la séance reste indiquée"):
        services.sitting_update(actor=actor, sitting=standing_committee, opened_at=None)
    coming = services.sitting_create(
        actor=actor,
        body="standing_committee",
        held_on=timezone.localdate() + datetime.timedelta(days=20),
        place="Arras",
        president="M. Jean-Claude LEROY",
        opened_at=T(10),
    )
    with refused("sa clôture s'enregistre ce jour-là"):
        services.sitting_update(actor=actor, sitting=coming, closed_at=T(12))
