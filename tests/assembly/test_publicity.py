"""A deliberation's publicity goes through two declared workflows with their history rows:
put online once, sent to the préfet once, acknowledged once; no date before the sitting that
adopted the act nor after today."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from pacte.assembly import services
from pacte.assembly.models import Deliberation
from pacte.core.models import AuditEvent
from tests.assembly.test_items import framework_report, groups

pytestmark = pytest.mark.django_db
D = datetime.date
T = datetime.time


@pytest.fixture
def adopted(standing_committee, users):
    """A deliberation adopted at the commission permanente of 25/03/2024."""
    actor = users["test-assembly"]
    report = framework_report(standing_committee, actor)
    services.item_open(actor=actor, report=report, at=T(10, 30))
    return services.item_vote_by_group(
        actor=actor, report=report, counts={groups()[0]: (70, 0, 0, 0)}
    )


def test_each_step_leaves_a_history_row(adopted, users):
    actor = users["test-assembly"]
    services.deliberation_publish(actor=actor, deliberation=adopted, on=D(2024, 3, 27))
    services.deliberation_transmit(actor=actor, deliberation=adopted, sent_on=D(2024, 3, 26))
    services.deliberation_acknowledge(
        actor=actor, deliberation=adopted, acknowledged_on=D(2024, 3, 28)
    )
    adopted.refresh_from_db()
    assert adopted.publication_state == Deliberation.Publication.PUBLISHED
    assert adopted.transmission_state == Deliberation.Transmission.ACKNOWLEDGED
    steps = list(adopted.events.values_list("transition", "from_state", "to_state", "actor"))
    assert steps == [
        ("publish", "unpublished", "published", actor.pk),
        ("transmit", "not_sent", "sent", actor.pk),
        ("acknowledge", "sent", "acknowledged", actor.pk),
    ]
    assert adopted.enforceable_on == D(2024, 3, 28)


def test_a_transmission_is_never_rewritten(adopted, users):
    """An act already sent (and executory) keeps its transmission: a second one is refused."""
    actor = users["test-assembly"]
    services.deliberation_publish(actor=actor, deliberation=adopted, on=D(2024, 3, 27))
    services.deliberation_transmit(
        actor=actor, deliberation=adopted, sent_on=D(2024, 3, 26), acknowledged_on=D(2024, 3, 28)
    )
    before = (adopted.transmitted_on, adopted.acknowledged_on, adopted.actes_id)
    with pytest.raises(ValidationError, match="ne se réécrit pas"):
        services.deliberation_transmit(
            actor=actor, deliberation=adopted, sent_on=timezone.localdate()
        )
    with pytest.raises(ValidationError, match="l'état actuel est « Accusé de réception reçu »"):
        services.deliberation_acknowledge(
            actor=actor, deliberation=adopted, acknowledged_on=D(2024, 4, 1)
        )
    with pytest.raises(ValidationError, match="l'état actuel est « Mise en ligne »"):
        services.deliberation_publish(actor=actor, deliberation=adopted, on=D(2024, 4, 1))
    adopted.refresh_from_db()
    assert (adopted.transmitted_on, adopted.acknowledged_on, adopted.actes_id) == before
    assert adopted.enforceable_on == D(2024, 3, 28)
    assert adopted.events.count() == 3


@pytest.mark.parametrize(
    ("step", "day", "message"),
    [
        ("publish", D(2024, 3, 24), "avant la séance du 25/03/2024"),
        ("publish", D(1, 1, 1), "avant la séance du 25/03/2024"),
        ("transmit", D(2024, 3, 1), "avant la séance du 25/03/2024"),
        ("publish", None, "est à venir"),
        ("transmit", None, "est à venir"),
    ],
)
def test_no_step_is_dated_before_the_sitting_or_in_the_future(adopted, users, step, day, message):
    actor = users["test-assembly"]
    day = day or timezone.localdate() + datetime.timedelta(days=1)
    audits = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match=message):
        if step == "publish":
            services.deliberation_publish(actor=actor, deliberation=adopted, on=day)
        else:
            services.deliberation_transmit(actor=actor, deliberation=adopted, sent_on=day)
    adopted.refresh_from_db()
    assert adopted.publication_state == "unpublished" and adopted.published_on is None
    assert adopted.transmission_state == "not_sent" and not adopted.actes_id
    assert not adopted.events.exists() and AuditEvent.objects.count() == audits


def test_an_acknowledgement_before_the_sending_is_refused_and_nothing_is_sent(adopted, users):
    actor = users["test-assembly"]
    with pytest.raises(ValidationError, match="précède la transmission du 26/03/2024"):
        services.deliberation_transmit(
            actor=actor,
            deliberation=adopted,
            sent_on=D(2024, 3, 26),
            acknowledged_on=D(2024, 3, 25),
        )
    adopted.refresh_from_db()
    assert adopted.transmission_state == "not_sent" and adopted.transmitted_on is None


def test_the_page_records_the_acknowledgement_after_the_sending(adopted, client_for):
    client = client_for("assembly")
    url = f"/actes/{adopted.pk}/transmission/"
    client.post(url, {"sent_on": "2024-03-26"})
    page = client.get(f"/actes/{adopted.pk}/").content.decode()
    assert "Enregistrer l&#x27;accusé de réception" in page or "accusé de réception" in page
    assert 'name="sent_on" value="2024-03-26"' in page
    client.post(url, {"sent_on": "2024-03-26", "acknowledged_on": "2024-03-29"})
    adopted.refresh_from_db()
    assert adopted.transmission_state == "acknowledged"
    assert adopted.acknowledged_on == D(2024, 3, 29)
    rewritten = client.post(url, {"sent_on": "2024-04-02"}, follow=True)
    assert "ne se réécrit pas" in rewritten.content.decode()
    adopted.refresh_from_db()
    assert adopted.transmitted_on == D(2024, 3, 26)


def test_only_the_assembly_service_records_the_publicity(adopted, client_for):
    for role in ("agent", "elected", "finance", "partner"):
        answer = client_for(role).post(
            f"/actes/{adopted.pk}/transmission/", {"sent_on": "2024-03-26"}
        )
        assert answer.status_code in (403, 404), role
    adopted.refresh_from_db()
    assert adopted.transmission_state == "not_sent"


def test_an_item_of_a_sitting_to_come_is_not_examined_nor_voted(users):
    actor = users["test-assembly"]
    later = timezone.localdate() + datetime.timedelta(days=14)
    sitting = services.sitting_create(
        actor=actor,
        body="standing_committee",
        held_on=later,
        place="Arras",
        president="M. Jean-Claude LEROY",
        secretary="M. Bruno COUSEIN",
        opened_at=T(10, 0),
    )
    # Neither its roll is called…
    with pytest.raises(ValidationError, match="se relèvent ce jour-là"):
        services.attendance_mark_all_present(actor=actor, sitting=sitting)
    report = framework_report(sitting, actor)
    # …nor an item examined.
    with pytest.raises(ValidationError, match="n'a pas encore eu lieu"):
        services.item_open(actor=actor, report=report, at=T(10, 30))
    report.refresh_from_db()
    assert report.opened_at is None and not Deliberation.objects.filter(report=report).exists()
