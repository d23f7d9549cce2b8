"""A9: the minutes of a sitting, adopted at a following sitting of the same body, signed, and
published online within the week (CGCT L3121-13)."""

import datetime

import pytest
from django.utils import timezone

from pacte.assembly import services
from pacte.assembly.models import Sitting, SittingEvent
from pacte.assembly.workflows import ADOPT_MINUTES, PUBLISH_MINUTES, SIGN_MINUTES
from tests.conftest import refused

pytestmark = pytest.mark.django_db
D, T = datetime.date, datetime.time


@pytest.fixture
def clerk(users):
    return users["test-assembly"]


def _sitting(clerk, day, body="standing_committee", *, held=True):
    """A sitting at 10:00; held (its roll called) if its day has come."""
    sitting = services.sitting_create(
        actor=clerk,
        body=body,
        held_on=day,
        place="Arras",
        president="M. Jean-Claude LEROY",
        opened_at=T(10),
    )
    if held and day <= timezone.localdate():
        services.attendance_mark_all_present(actor=clerk, sitting=sitting)
    return sitting


@pytest.fixture
def closed(clerk, standing_committee):
    services.sitting_update(actor=clerk, sitting=standing_committee, closed_at=T(12))
    return standing_committee


def test_minutes_are_adopted_at_a_following_sitting_of_the_same_body(clerk, standing_committee):
    earlier = _sitting(clerk, D(2024, 2, 26))
    council = _sitting(clerk, D(2024, 4, 2), body="council")
    coming = _sitting(clerk, timezone.localdate() + datetime.timedelta(days=30))
    later = _sitting(clerk, D(2024, 4, 22))
    with refused("n'est pas close"):
        services.minutes_adopt(actor=clerk, sitting=standing_committee, at=later)
    services.sitting_update(actor=clerk, sitting=standing_committee, closed_at=T(12))
    for wrong in (earlier, council, standing_committee):
        with refused("une séance suivante de la même instance"):
            services.minutes_adopt(actor=clerk, sitting=standing_committee, at=wrong)
    with refused("n'a pas encore eu lieu"):
        services.minutes_adopt(actor=clerk, sitting=standing_committee, at=coming)
    # Only the next sitting, once opened.
    beyond = _sitting(clerk, D(2024, 5, 27))
    with refused("celle du 22/04/2024, pas à celle du 27/05/2024"):
        services.minutes_adopt(actor=clerk, sitting=standing_committee, at=beyond)
    assert Sitting.objects.get(pk=standing_committee.pk).minutes_state == "draft"

    services.minutes_adopt(actor=clerk, sitting=standing_committee, at=later)
    standing_committee.refresh_from_db()
    assert standing_committee.minutes_state == "adopted"
    document = standing_committee.minutes_document
    assert document.kind == "minutes" and document.file.read().startswith(b"%PDF")
    with refused("déjà arrêté"):
        services.minutes_adopt(actor=clerk, sitting=standing_committee, at=later)


def test_minutes_are_signed_then_published_with_their_dates(clerk, closed, client, client_for):
    later = _sitting(clerk, D(2024, 4, 22))
    services.minutes_adopt(actor=clerk, sitting=closed, at=later)
    with refused("avant la séance qui l'a arrêté"):
        services.minutes_sign(actor=clerk, sitting=closed, on=D(2024, 4, 21))
    with refused("à venir"):
        services.minutes_sign(actor=clerk, sitting=closed, on=D(2999, 1, 1))
    services.minutes_sign(actor=clerk, sitting=closed, on=D(2024, 4, 23))
    assert client.get(f"/proces-verbaux/{closed.pk}.pdf").status_code == 404
    with refused("avant sa signature"):
        services.minutes_publish(actor=clerk, sitting=closed, on=D(2024, 4, 22))
    services.minutes_publish(actor=clerk, sitting=closed, on=D(2024, 4, 25))
    steps = list(SittingEvent.objects.filter(sitting=closed).values_list("transition", flat=True))
    assert steps == [ADOPT_MINUTES, SIGN_MINUTES, PUBLISH_MINUTES]

    # Public: listed and served to anyone, as adopted.
    page = client.get("/proces-verbaux/").content.decode()
    assert "22/04/2024" in page and "25/04/2024" in page
    pdf = client.get(f"/proces-verbaux/{closed.pk}.pdf")
    assert pdf.status_code == 200 and pdf.getvalue().startswith(b"%PDF")
    detail = client_for("assembly").get(f"/seances/{closed.pk}/").content.decode()
    assert "publié le 25/04/2024" in detail and "hors délai" not in detail


def test_minutes_wait_for_the_next_sitting_to_open(clerk, closed):
    later = _sitting(clerk, D(2024, 4, 22), held=False)
    with refused("n'est pas ouverte"):
        services.minutes_adopt(actor=clerk, sitting=closed, at=later)
    services.attendance_mark_all_present(actor=clerk, sitting=later)
    adopted = services.minutes_adopt(actor=clerk, sitting=closed, at=later)
    assert adopted.minutes_state == "adopted"


def test_the_page_confirms_the_step_done(clerk, closed, client_for):
    later = _sitting(clerk, D(2024, 4, 22))
    response = client_for("assembly").post(
        f"/seances/{closed.pk}/proces-verbal/adopt_minutes/", {"at": later.pk}, follow=True
    )
    assert "Procès-verbal : arrêté." in response.content.decode()


def test_a_late_publication_is_flagged(clerk, closed, client_for):
    later = _sitting(clerk, D(2024, 4, 22))
    services.minutes_adopt(actor=clerk, sitting=closed, at=later)
    services.minutes_sign(actor=clerk, sitting=closed, on=D(2024, 4, 22))
    services.minutes_publish(actor=clerk, sitting=closed, on=D(2024, 5, 6))
    detail = client_for("assembly").get(f"/seances/{closed.pk}/").content.decode()
    assert "29/04/2024" in detail and "publié hors délai" in detail


def test_the_minutes_pages_refuse_other_roles_and_bad_input(clerk, closed, client_for):
    later = _sitting(clerk, D(2024, 4, 22))
    response = client_for("agent").post(
        f"/seances/{closed.pk}/proces-verbal/adopt_minutes/", {"at": later.pk}
    )
    assert response.status_code == 403
    assembly = client_for("assembly")
    for value in ["", "abc", "99999999999999999999", str(closed.pk)]:
        response = assembly.post(
            f"/seances/{closed.pk}/proces-verbal/adopt_minutes/", {"at": value}, follow=True
        )
        assert response.status_code == 200
        assert "Choisissez la séance suivante" in response.content.decode()
    assembly.post(f"/seances/{closed.pk}/proces-verbal/adopt_minutes/", {"at": later.pk})
    for value in ["", "31/02/2024", "\x00", "2024-13-01"]:
        response = assembly.post(
            f"/seances/{closed.pk}/proces-verbal/sign_minutes/", {"on": value}, follow=True
        )
        assert response.status_code == 200
    assert Sitting.objects.get(pk=closed.pk).minutes_state == "adopted"
    assert assembly.post(f"/seances/{closed.pk}/proces-verbal/inconnu/").status_code == 404


def test_the_times_of_a_sitting_whose_minutes_are_adopted_stay(clerk, closed):
    later = _sitting(clerk, D(2024, 4, 22))
    services.minutes_adopt(actor=clerk, sitting=closed, at=later)
    with refused("ses heures ne changent plus"):
        services.sitting_update(actor=clerk, sitting=closed, closed_at=T(12, 30))
