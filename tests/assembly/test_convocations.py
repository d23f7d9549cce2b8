"""Convocations (CGCT L3121-10, L3121-19), the councillors' space, proxies given online
(L3121-16) and the calendar feed: through the services and the real pages."""

import datetime
import html
import re

import pytest
from django.core import mail as django_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from pacte.assembly import selectors, services
from pacte.assembly.calendar import calendar_key
from pacte.assembly.models import Attendance, Convocation, OnlineProxy, Proxy, Sitting
from pacte.core import mail
from pacte.core.models import OutgoingMail
from pacte.core.roles import Role
from tests.assembly.conftest import coming_sitting
from tests.conftest import refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def coming(users):
    """A commission permanente three weeks ahead, with one report on its agenda."""
    return coming_sitting(users["test-assembly"])


def _member(sitting, position):
    return sitting.attendances.select_related("councillor").get(position=position)


@pytest.fixture
def elu(make_user, coming):
    """An élu bound to the councillor at the 5th place of the roll."""
    councillor = _member(coming, 5).councillor
    return make_user(username="elu-test", role=Role.ELECTED, councillor=councillor)


def test_convocations_go_by_mail_to_those_with_an_address_and_by_post_to_the_others(
    users, coming, elu
):
    third = _member(coming, 3).councillor
    third.email = "conseiller3@exemple.fr"
    third.save()
    counts = services.convocations_send(actor=users["test-assembly"], sitting=coming)
    roll = coming.attendances.count()
    assert counts == {"email": 2, "post": roll - 2, "complement": 0}
    assert Convocation.objects.filter(sitting=coming).count() == roll
    summary = selectors.convocation_summary(coming)
    # The mails are not out yet: the notice does not run.
    assert summary.pending == 2 and summary.sent_on is None and not summary.complete

    assert mail.send_due() == 2
    bodies = {m.to[0]: m.body for m in django_mail.outbox}
    assert set(bodies) == {"conseiller3@exemple.fr", elu.email}
    body = bodies[elu.email]
    assert "Règlement du fonds" in body and "Arras" in body and "10 h 00" in body
    assert re.search(r"/convocation/[\w-]+/", body)
    summary = selectors.convocation_summary(coming)
    assert summary.complete and summary.sent_on == timezone.localdate()
    report = coming.reports.get()
    assert selectors.report_sent_on(report, summary) == timezone.localdate()
    assert selectors.sending_warning(report, coming, summary) == ""

    # Nothing left to send: said, nothing written.
    with refused("rien à envoyer"):
        services.convocations_send(actor=users["test-assembly"], sitting=coming)


def test_an_undelivered_mail_is_shown_and_sent_again(users, coming, elu, settings):
    services.convocations_send(actor=users["test-assembly"], sitting=coming)
    convocation = Convocation.objects.get(sitting=coming, councillor=elu.councillor)
    OutgoingMail.objects.filter(pk=convocation.mail_id).update(
        attempts=6, abandoned_at=timezone.now(), last_error="SMTPRecipientsRefused : 550"
    )
    convocation.refresh_from_db()
    assert convocation.status == "non remise"
    assert selectors.convocation_summary(coming).failed == 1
    counts = services.convocations_send(actor=users["test-assembly"], sitting=coming)
    assert counts == {"email": 1, "post": 0, "complement": 0}
    convocation.refresh_from_db()
    assert convocation.mail.abandoned_at is None


def test_convocations_are_refused_for_a_past_sitting_and_to_other_roles(
    users, standing_committee, coming, client_for
):
    with refused("passée ou close"):
        services.convocations_send(actor=users["test-assembly"], sitting=standing_committee)
    response = client_for("agent").post(f"/seances/{coming.pk}/convocations/")
    assert response.status_code == 403
    assert not Convocation.objects.exists()
    response = client_for("assembly").post(f"/seances/{coming.pk}/convocations/")
    assert response.status_code == 302
    assert Convocation.objects.filter(sitting=coming).count() == coming.attendances.count()
    page = client_for("assembly").get(f"/seances/{coming.pk}/convocations/").content.decode()
    assert "Membres convoqués" in page and "courrier postal" in page.lower()


def _token(elu):
    mail.send_due()
    (message,) = [m for m in django_mail.outbox if m.to == [elu.email]]
    return re.search(r"/convocation/([\w-]+)/", message.body).group(1)


def test_the_link_acknowledges_on_confirmation_or_when_the_councillor_opens_it(
    users, coming, elu, client
):
    services.convocations_send(actor=users["test-assembly"], sitting=coming)
    token = _token(elu)
    # A mail scanner following the link does not acknowledge.
    page = client.get(f"/convocation/{token}/")
    assert page.status_code == 200
    assert "accuse réception de cette convocation" in page.content.decode()
    convocation = Convocation.objects.get(sitting=coming, councillor=elu.councillor)
    assert convocation.acknowledged_at is None
    client.post(f"/convocation/{token}/")
    convocation.refresh_from_db()
    assert convocation.acknowledged_at is not None
    for bad in ["pas-un-jeton", "x" * 5000]:
        page = client.get(f"/convocation/{bad}/").content.decode()
        assert "Lien de convocation non valable" in page
        client.post(f"/convocation/{bad}/")
    assert Convocation.objects.filter(acknowledged_at__isnull=False).count() == 1


def test_the_councillor_opening_his_sitting_acknowledges_it(users, coming, elu, client):
    services.convocations_send(actor=users["test-assembly"], sitting=coming)
    client.force_login(elu)
    home = client.get("/elu/").content.decode()
    assert str(coming) in home and "seances.ics" in home
    page = client.get(f"/elu/seances/{coming.pk}/").content.decode()
    assert "Règlement du fonds" in page
    assert Convocation.objects.get(councillor=elu.councillor, sitting=coming).acknowledged_at


def test_the_space_is_only_the_bound_councillors(users, coming, elu, client_for, client):
    # An élu not bound to a councillor is told; an agent has no space.
    assert "rattaché à aucun conseiller" in client_for("elected").get("/elu/").content.decode()
    assert client_for("elected").get(f"/elu/seances/{coming.pk}/").status_code == 404
    assert client_for("agent").get("/elu/").status_code == 403
    # A sitting the élu does not sit in: not found.
    client.force_login(elu)
    assert client.get("/elu/seances/999999/").status_code == 404
    assert client.get("/elu/seances/abc/").status_code == 404


def test_a_user_bound_to_a_councillor_is_an_elu(make_user, coming):
    councillor = _member(coming, 6).councillor
    with pytest.raises(IntegrityError), transaction.atomic():
        make_user(username="agent-elu", role=Role.AGENT, councillor=councillor)


# --- Proxies given online -------------------------------------------------------------------


def test_a_proxy_given_online_follows_the_law(users, coming, elu, make_user):
    own = _member(coming, 5)
    holder = _member(coming, 6)
    with refused("pas à soi-même"):
        services.proxy_give_online(actor=elu, sitting=coming, holder=own)
    online = services.proxy_give_online(actor=elu, sitting=coming, holder=holder)
    assert online.giver == own
    with refused("déjà donné votre pouvoir"):
        services.proxy_give_online(actor=elu, sitting=coming, holder=_member(coming, 7))
    # Another élu may not give to a member who already holds one…
    other = make_user(
        username="elu-autre", role=Role.ELECTED, councillor=_member(coming, 8).councillor
    )
    with refused("détient déjà 1 pouvoir"):
        services.proxy_give_online(actor=other, sitting=coming, holder=holder)
    # …nor to a member who gave his own.
    with refused("a lui-même donné son pouvoir"):
        services.proxy_give_online(actor=other, sitting=coming, holder=own)
    # Nor withdraw someone else's.
    with refused("un autre élu"):
        services.proxy_withdraw_online(actor=other, online=online)
    services.proxy_withdraw_online(actor=elu, online=online)
    assert OnlineProxy.objects.get(pk=online.pk).withdrawn_at is not None
    services.proxy_give_online(actor=other, sitting=coming, holder=holder)


def _the_day_comes(sitting):
    Sitting.objects.filter(pk=sitting.pk).update(held_on=timezone.localdate())
    sitting.refresh_from_db()


def test_the_roll_call_records_the_proxies_given_online(users, coming, elu):
    clerk = users["test-assembly"]
    holder = _member(coming, 6)
    services.proxy_give_online(actor=elu, sitting=coming, holder=holder)
    with refused("les présences et les pouvoirs se relèvent ce jour-là"):
        services.attendance_mark_all_present(actor=clerk, sitting=coming)
    _the_day_comes(coming)
    services.attendance_mark_all_present(actor=clerk, sitting=coming)
    giver = _member(coming, 5)
    assert giver.status == Attendance.Status.EXCUSED
    proxy = Proxy.objects.get(giver=giver)
    assert proxy.holder == holder and proxy.online.given_by == elu
    # Recorded: no longer withdrawn by the élu.
    with refused("secrétariat a enregistré"):
        services.proxy_withdraw_online(actor=elu, online=proxy.online)


def test_a_proxy_to_a_member_found_absent_stays_for_the_clerk(users, coming, elu, client_for):
    clerk = users["test-assembly"]
    holder = _member(coming, 6)
    online = services.proxy_give_online(actor=elu, sitting=coming, holder=holder)
    _the_day_comes(coming)
    services.attendance_record(actor=clerk, attendance=holder, status=Attendance.Status.EXCUSED)
    response = client_for("assembly").post(
        f"/seances/{coming.pk}/presences/", {"all_present": "1"}, follow=True
    )
    # The roll call says why the proxy was not recorded.
    assert "Pouvoir donné en ligne non enregistré" in html.unescape(response.content.decode())
    assert not Proxy.objects.filter(sitting=coming).exists()
    page = client_for("assembly").get(f"/seances/{coming.pk}/presences/").content.decode()
    assert "Pouvoirs donnés en ligne" in page
    response = client_for("assembly").post(
        f"/seances/{coming.pk}/pouvoirs-en-ligne/{online.pk}/", follow=True
    )
    assert "pas présent" in response.content.decode()
    assert not Proxy.objects.filter(sitting=coming).exists()


def test_the_proxy_form_of_the_space(users, coming, elu, client):
    client.force_login(elu)
    holder = _member(coming, 6)
    response = client.post(f"/elu/seances/{coming.pk}/", {"holder": holder.pk}, follow=True)
    assert "Pouvoir donné à" in response.content.decode()
    assert OnlineProxy.objects.filter(giver__councillor=elu.councillor).count() == 1
    # Absurd input: a member of another sitting, a huge id, nothing.
    for value in ["999999999999999999999", "", "\x00", str(_member(coming, 5).pk)]:
        response = client.post(f"/elu/seances/{coming.pk}/", {"holder": value}, follow=True)
        assert response.status_code == 200
    response = client.post(f"/elu/seances/{coming.pk}/", {"retirer": "1"}, follow=True)
    assert "Votre pouvoir est retiré" in response.content.decode()


def test_no_proxy_online_once_the_sitting_is_past(users, standing_committee, make_user):
    elu = make_user(
        username="elu-passe",
        role=Role.ELECTED,
        councillor=_member(standing_committee, 5).councillor,
    )
    with refused("passée ou close"):
        services.proxy_give_online(
            actor=elu, sitting=standing_committee, holder=_member(standing_committee, 6)
        )


# --- Calendar ------------------------------------------------------------------------------


def test_the_calendar_feed(users, coming, elu, client):
    key = calendar_key(elu)
    response = client.get(f"/elu/calendrier/{key}/seances.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert body.startswith("BEGIN:VCALENDAR\r\n") and body.endswith("END:VCALENDAR\r\n")
    start = datetime.datetime.combine(coming.held_on, datetime.time(10, 0))
    utc = timezone.make_aware(start).astimezone(datetime.UTC)
    assert f"DTSTART:{utc:%Y%m%dT%H%M%SZ}" in body
    assert f"UID:seance-{coming.pk}@" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    # A forged key, and the key after a change of password: nothing.
    assert client.get(f"/elu/calendrier/{key}x/seances.ics").status_code == 404
    elu.set_password("Un autre mot de passe 2026 !")
    elu.save()
    assert client.get(f"/elu/calendrier/{key}/seances.ics").status_code == 404


def test_the_administrator_binds_an_elu_to_his_councillor_in_the_admin(client_for, coming):
    from pacte.core.models import User

    councillor = _member(coming, 7).councillor
    client = client_for("admin")
    base = {
        "password1": "Un-mot-de-passe-solide-2026",
        "password2": "Un-mot-de-passe-solide-2026",
        "usable_password": "true",
        "councillor": councillor.pk,
    }
    refused_page = client.post(
        "/admin/core/user/add/", {**base, "username": "agent-elu", "role": "agent"}
    )
    assert refused_page.status_code == 200
    assert "Seul un élu est rattaché à un conseiller" in refused_page.content.decode()
    assert not User.objects.filter(username="agent-elu").exists()
    response = client.post(
        "/admin/core/user/add/", {**base, "username": "conseiller7", "role": "elected"}
    )
    assert response.status_code == 302
    assert User.objects.get(username="conseiller7").councillor == councillor
    # The councillor's convocation address is the administration's to set.
    page = client.get(f"/admin/territory/councillor/{councillor.pk}/change/").content.decode()
    assert 'name="email"' in page


def test_a_member_holding_a_proxy_does_not_give_his_own(users, coming, elu, make_user):
    holder = _member(coming, 6)
    services.proxy_give_online(actor=elu, sitting=coming, holder=holder)
    bound_holder = make_user(
        username="elu-titulaire", role=Role.ELECTED, councillor=holder.councillor
    )
    with refused("Vous détenez le pouvoir de"):
        services.proxy_give_online(actor=bound_holder, sitting=coming, holder=_member(coming, 7))


def test_a_complement_sends_the_reports_added_and_keeps_the_dates_of_the_others(users, coming, elu):
    clerk = users["test-assembly"]
    services.convocations_send(actor=clerk, sitting=coming)
    mail.send_due()
    first = coming.reports.get()
    # Ten days later, a report is added.
    ten_days_ago = timezone.localdate() - datetime.timedelta(days=10)
    Convocation.objects.filter(sitting=coming).update(posted_on=ten_days_ago)
    OutgoingMail.objects.filter(kind="convocation").update(
        sent_at=timezone.now() - datetime.timedelta(days=10)
    )
    added = services.report_save(
        actor=clerk,
        sitting=coming,
        kind="framework",
        title="Avenant au règlement",
        text="Exposé.",
        decision="Article unique.",
    )
    summary = selectors.convocation_summary(coming)
    assert added.pk not in summary.report_dates
    counts = services.convocations_send(actor=clerk, sitting=coming)
    assert counts["complement"] == coming.attendances.count()
    mail.send_due()
    body = django_mail.outbox[-1].body
    assert "est complété" in body and "Avenant au règlement (nouveau)" in body
    assert "Règlement du fonds (nouveau)" not in body
    summary = selectors.convocation_summary(coming)
    today = timezone.localdate()
    assert summary.report_dates[first.pk] == today - datetime.timedelta(days=10)
    assert summary.report_dates[added.pk] == today
    # The complement is to be received in its turn.
    assert summary.acknowledged == 0


def test_no_convocation_without_an_agenda(users):
    sitting = services.sitting_create(
        actor=users["test-assembly"],
        body="council",
        held_on=timezone.localdate() + datetime.timedelta(days=30),
        place="Arras",
        president="M. Jean-Claude LEROY",
    )
    with refused("Inscrivez d'abord les rapports"):
        services.convocations_send(actor=users["test-assembly"], sitting=sitting)


def test_the_council_convocation_reads_well(users, elu):
    sitting = coming_sitting(users["test-assembly"])
    Sitting.objects.filter(pk=sitting.pk).update(body="council")
    services.convocations_send(
        actor=users["test-assembly"], sitting=Sitting.objects.get(pk=sitting.pk)
    )
    mail.send_due()
    assert any("à la séance du Conseil départemental du" in m.body for m in django_mail.outbox)


def test_the_members_addresses_are_for_the_assembly_service(users, coming, elu, client_for):
    services.convocations_send(actor=users["test-assembly"], sitting=coming)
    url = f"/seances/{coming.pk}/convocations/"
    assert elu.email in client_for("assembly").get(url).content.decode()
    for role in ["agent", "finance", "elected"]:
        page = client_for(role).get(url).content.decode()
        assert elu.email not in page, role


def test_the_space_says_the_roll_is_not_yet_taken(coming, elu, client):
    client.force_login(elu)
    page = client.get(f"/elu/seances/{coming.pk}/").content.decode()
    assert "non encore relevée" in page


def test_a_sitting_is_planned_at_most_two_years_ahead(users):
    with refused("au plus deux ans à l'avance"):
        services.sitting_create(
            actor=users["test-assembly"],
            body="council",
            held_on=datetime.date(9999, 12, 31),
            place="Arras",
            president="M. Jean-Claude LEROY",
        )


def test_a_complement_is_said_due_and_a_typed_date_no_longer_counts(users, coming, elu, client_for):
    clerk = users["test-assembly"]
    services.convocations_send(actor=clerk, sitting=coming)
    mail.send_due()
    added = services.report_save(
        actor=clerk,
        sitting=coming,
        kind="framework",
        title="Avenant au règlement",
        text="Exposé.",
        decision="Article unique.",
    )
    page = client_for("assembly").get(f"/seances/{coming.pk}/convocations/").content.decode()
    assert "Complément à envoyer" in page and "Envoyer le complément" in page
    # A date typed for the added report does not make it reach the members.
    services.report_send(actor=clerk, report=added, sent_on=datetime.date(2020, 1, 1))
    summary = selectors.convocation_summary(coming)
    assert selectors.report_sent_on(added, summary) is None
    with refused("cette date est à venir"):
        services.report_send(
            actor=clerk, report=added, sent_on=timezone.localdate() + datetime.timedelta(days=1)
        )


def test_no_proxy_online_once_the_sitting_has_opened(users, coming, elu):
    Sitting.objects.filter(pk=coming.pk).update(
        held_on=timezone.localdate(), opened_at=datetime.time(0, 0)
    )
    coming.refresh_from_db()
    with refused("La séance est ouverte"):
        services.proxy_give_online(actor=elu, sitting=coming, holder=_member(coming, 6))


def test_a_holder_called_row_by_row_gets_the_proxy_given_online(users, coming, elu, client_for):
    holder = _member(coming, 6)
    services.proxy_give_online(actor=elu, sitting=coming, holder=holder)
    Sitting.objects.filter(pk=coming.pk).update(held_on=timezone.localdate())
    client_for("assembly").post(
        f"/seances/{coming.pk}/presences/", {f"statut-{holder.pk}": "present"}
    )
    proxy = Proxy.objects.get(sitting=coming)
    assert proxy.holder == holder and proxy.giver == _member(coming, 5)
