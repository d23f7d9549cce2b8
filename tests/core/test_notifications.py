"""Notifications: the one entry point, each user's choice of mails, the daily digest, the list
of notifications with read and unread, and the link in the header."""

import datetime
import re
import threading
from html import unescape

import pytest
from django.core import mail as django_mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pacte.core import notifications
from pacte.core.models import Notification, NotificationDigest, OutgoingMail, User
from pacte.core.roles import Role

notifications.register_kind(
    "test_event", "Événement d'essai", [Role.AGENT, Role.PARTNER, Role.ELECTED]
)
TEMPLATE = "operations/mail/message.txt"


def _notify(recipients, *, body="Pouvez-vous préciser ?", actor=None, reference="OP-2023-00012"):
    return notifications.notify(
        recipients,
        kind="test_event",
        subject="Nouveau message",
        template=TEMPLATE,
        context={"body": body, "operation": {"reference": reference, "title": "Médiathèque"}},
        url="/operations/12/",
        reference=reference,
        actor=actor,
    )


TOMORROW = timezone.localdate() + datetime.timedelta(days=1)


def _at(hour, day=TOMORROW):
    """A moment of tomorrow (the notifications written now are before it)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 5)))


# --- notify ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_notify_writes_the_rows_and_one_mail_for_those_who_want_it_at_once(
    users, settings, django_capture_on_commit_callbacks
):
    settings.PACTE_SITE_URL = "https://pacte.exemple.fr"
    agent, partner, elected = users["test-agent"], users["test-partner"], users["test-elected"]
    digest_user = User.objects.create(
        username="resume", role=Role.AGENT, email="resume@exemple.fr", notification_mail="digest"
    )
    quiet = User.objects.create(
        username="muet", role=Role.AGENT, email="muet@exemple.fr", notification_mail="none"
    )
    gone = User.objects.create(username="parti", role=Role.AGENT, is_active=False)
    with django_capture_on_commit_callbacks(execute=True):
        rows = _notify([agent, partner, elected, digest_user, quiet, gone, agent], actor=partner)
    # The actor is not told of what he did; an elected member receives none; nor the inactive.
    assert sorted(r.recipient.username for r in rows) == ["muet", "resume", "test-agent"]
    assert Notification.objects.count() == 3
    row = Notification.objects.get(recipient=agent)
    assert (row.subject, row.text, row.url, row.reference, row.read_at) == (
        "Nouveau message",
        "Pouvez-vous préciser ?",
        "/operations/12/",
        "OP-2023-00012",
        None,
    )
    assert Notification.objects.get(recipient=digest_user).digest_pending
    assert not Notification.objects.get(recipient=quiet).digest_pending
    [sent] = django_mail.outbox
    assert sent.to == ["test-agent@exemple.fr"]
    assert sent.subject == "[Pacte] OP-2023-00012 — Nouveau message"
    assert "https://pacte.exemple.fr/operations/12/" in sent.body
    assert "Pouvez-vous préciser ?" in sent.body


@pytest.mark.django_db
def test_each_recipient_gets_his_own_mail_and_learns_no_other_address(
    users, django_capture_on_commit_callbacks
):
    colleague = User.objects.create(username="collegue", role=Role.AGENT, email="c@exemple.fr")
    with django_capture_on_commit_callbacks(execute=True):
        _notify([users["test-agent"], users["test-partner"], colleague])
    assert sorted(tuple(m.to) for m in django_mail.outbox) == [
        ("c@exemple.fr",),
        ("test-agent@exemple.fr",),
        ("test-partner@exemple.fr",),
    ]
    assert all(not m.cc and not m.bcc for m in django_mail.outbox)


@pytest.mark.django_db
def test_a_muted_story_tells_nobody(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), notifications.muted():
        assert _notify([users["test-agent"]]) == []
    assert not Notification.objects.exists() and not django_mail.outbox
    with django_capture_on_commit_callbacks(execute=True):
        assert len(_notify([users["test-agent"]])) == 1


@pytest.mark.django_db
def test_an_unknown_kind_is_a_programming_error(users):
    with pytest.raises(LookupError):
        notifications.notify(
            [users["test-agent"]],
            kind="inconnu",
            subject="?",
            template=TEMPLATE,
            context={},
            url="/",
        )


@pytest.mark.django_db
def test_a_long_text_is_shortened_in_the_list_but_whole_in_the_mail(
    users, django_capture_on_commit_callbacks
):
    body = "Mot " * 400
    with django_capture_on_commit_callbacks(execute=True):
        _notify([users["test-agent"]], body=body)
    row = Notification.objects.get()
    assert len(row.text) == Notification.TEXT_MAX and row.text.endswith("…")
    assert body.strip() in django_mail.outbox[-1].body


# --- The daily digest ------------------------------------------------------------------------


def _digest_user(name="resume"):
    return User.objects.create(
        username=name, role=Role.AGENT, email=f"{name}@exemple.fr", notification_mail="digest"
    )


@pytest.mark.django_db
def test_the_digest_is_sent_once_a_day_listing_what_is_unread(
    settings, django_capture_on_commit_callbacks
):
    settings.PACTE_SITE_URL = "https://pacte.exemple.fr"
    user = _digest_user()
    _notify([user], body="Première question", reference="OP-2023-00001")
    _notify([user], body="Deuxième question", reference="OP-2023-00002")
    read = _notify([user], body="Déjà lue", reference="OP-2023-00003")[0]
    read.read_at = timezone.now()
    read.save()
    assert OutgoingMail.objects.count() == 0  # nothing at once
    # Before the digests' hour (7 h): nothing.
    assert notifications.send_digests(now=_at(6)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.send_digests(now=_at(7)) == 1
        assert notifications.send_digests(now=_at(7)) == 0  # run again: nothing more
        assert notifications.send_digests(now=_at(18)) == 0
    [sent] = django_mail.outbox
    assert sent.to == ["resume@exemple.fr"]
    assert sent.subject == f"[Pacte] Résumé du {TOMORROW:%d/%m/%Y} : 2 notifications non lues"
    assert "OP-2023-00001" in sent.body and "«\u00a0Deuxième question\u00a0»" in sent.body
    assert "Déjà lue" not in sent.body
    assert "https://pacte.exemple.fr/operations/12/" in sent.body
    assert "https://pacte.exemple.fr/notifications/" in sent.body
    assert not Notification.objects.filter(digest_pending=True).exists()
    # A notification of the afternoon waits for the next day's digest.
    _notify([user], body="Troisième question")
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.send_digests(now=_at(19)) == 0
        assert notifications.send_digests(now=_at(7, TOMORROW + datetime.timedelta(days=1))) == 1
    assert "Troisième question" in django_mail.outbox[-1].body
    assert "1 notification non lue" in django_mail.outbox[-1].subject
    assert NotificationDigest.objects.filter(user=user).count() == 2


@pytest.mark.django_db
def test_choosing_another_mail_drops_what_waited_for_the_digest(users):
    user = _digest_user()
    _notify([user])
    notifications.notification_preference_set(actor=user, value="immediate")
    assert notifications.send_digests(now=_at(8)) == 0
    assert OutgoingMail.objects.count() == 0


@pytest.mark.django_db
def test_a_digest_cut_short_leaves_nothing_half_written(django_capture_on_commit_callbacks):
    """The outbox refuses the digest's mail (a database error in the middle of the digest, as
    when the worker dies there): no digest row, the notifications still wait; the next run
    sends it."""
    if connection.vendor != "sqlite":
        pytest.skip("the failure is simulated by a SQLite trigger")
    user = _digest_user()
    _notify([user])
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TRIGGER outbox_full BEFORE INSERT ON core_outgoingmail "
            "BEGIN SELECT RAISE(ABORT, 'disque plein'); END"
        )
    try:
        assert notifications.send_digests(now=_at(8)) == 0
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER outbox_full")
    assert not NotificationDigest.objects.exists()
    assert Notification.objects.get().digest_pending
    with django_capture_on_commit_callbacks(execute=True):
        assert notifications.send_digests(now=_at(8)) == 1
    assert len(django_mail.outbox) == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_send_one_digest_per_user():
    users = [_digest_user(f"resume{n}") for n in range(3)]
    for user in users:
        _notify([user])
    barrier = threading.Barrier(2)
    counts, errors = [], []

    def run():
        try:
            barrier.wait()
            counts.append(notifications.send_digests(now=_at(9)))
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sum(counts) == 3
    assert NotificationDigest.objects.count() == 3
    assert OutgoingMail.objects.filter(kind="digest").count() == 3
    assert sorted(m.recipients[0] for m in OutgoingMail.objects.filter(kind="digest")) == [
        f"resume{n}@exemple.fr" for n in range(3)
    ]


# --- The list, read and unread ---------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_the_unread_first_and_marks_them_read(users, client_for):
    agent = users["test-agent"]
    first = _notify([agent], body="La plus ancienne")[0]
    _notify([agent], body="La plus récente")
    first.read_at = timezone.now()
    first.save()
    _notify([users["test-partner"]], body="Celle du partenaire")
    client = client_for("agent")
    page = client.get("/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Notifications (1 non lue)" in html  # the header's link
    assert html.index("La plus récente") < html.index("La plus ancienne")
    assert "Celle du partenaire" not in html
    assert html.count("Marquer comme lu<") == 1
    unread = Notification.objects.get(recipient=agent, read_at__isnull=True)
    response = client.post(f"/notifications/{unread.pk}/lue/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    unread.refresh_from_db()
    assert unread.read_at is not None
    assert "Notifications (" not in client.get("/notifications/").content.decode()


@pytest.mark.django_db
def test_all_marked_read_at_once(users, client_for):
    agent = users["test-agent"]
    for n in range(3):
        _notify([agent], body=f"Question {n}")
    _notify([users["test-partner"]])
    client = client_for("agent")
    assert "Notifications (3 non lues)" in client.get("/").content.decode()
    response = client.post("/notifications/toutes-lues/", {"next": "/notifications/?page=1"})
    assert response["Location"] == "/notifications/?page=1"
    assert not Notification.objects.filter(recipient=agent, read_at__isnull=True).exists()
    assert Notification.objects.filter(read_at__isnull=True).count() == 1  # the partner's
    page = client.get("/notifications/").content.decode()
    assert "3 notifications, toutes lues." in page and "dont 0" not in page
    # A link elsewhere is not followed.
    response = client.post("/notifications/toutes-lues/", {"next": "https://ailleurs.exemple/"})
    assert response["Location"] == "/notifications/"


@pytest.mark.django_db
def test_another_users_notification_is_not_found_and_stays_unread(users, client_for):
    row = _notify([users["test-partner"]])[0]
    client = client_for("agent")
    assert client.post(f"/notifications/{row.pk}/lue/").status_code == 404
    assert client.post("/notifications/987654321098/lue/").status_code == 404
    assert client.post("/notifications/98765432109876543210/lue/").status_code == 404
    row.refresh_from_db()
    assert row.read_at is None
    assert client.get(f"/notifications/{row.pk}/lue/").status_code == 405


@pytest.mark.django_db
def test_the_list_reads_in_as_many_queries_whatever_the_number(users, client_for):
    agent = users["test-agent"]
    client = client_for("agent")
    _notify([agent])

    def count():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/notifications/").status_code == 200
        return len(captured)

    count()  # session, caches
    one = count()
    for n in range(40):
        _notify([agent], body=f"Question {n}", reference=f"OP-2023-{n:05d}")
    assert count() == one
    assert count() == count()
    html = client.get("/notifications/?page=2").content.decode()
    assert "Page 2 sur 2" in html


@pytest.mark.django_db
def test_an_elected_member_has_no_notifications_nor_their_choice(users, client_for):
    client = client_for("elected")
    page = client.get("/compte/").content.decode()
    assert "Notifications par courriel" not in page
    assert 'href="/notifications/"' not in page
    refused = client.get("/notifications/")
    assert refused.status_code == 403
    assert "Votre rôle ne permet pas de lire ses notifications" in refused.content.decode()
    response = client.post("/compte/notifications/", {"notification_mail": "digest"})
    assert response.status_code == 403
    assert "Votre rôle ne permet pas" in response.content.decode()
    assert User.objects.get(username="test-elected").notification_mail == "immediate"


# --- The choice of mails ---------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["agent", "partner", "finance", "assembly", "admin"])
def test_each_user_chooses_his_mails_on_his_account(client_for, users, role):
    client = client_for(role)
    page = client.get("/compte/").content.decode()
    assert "Notifications par courriel" in page and "Un résumé quotidien" in page
    response = client.post("/compte/notifications/", {"notification_mail": "digest"})
    assert response.status_code == 302
    assert User.objects.get(username=f"test-{role}").notification_mail == "digest"
    page = client.get("/compte/").content.decode()
    assert "Notifications par courriel : un résumé quotidien." in page


@pytest.mark.django_db
@pytest.mark.parametrize("value", ["", "weekly", "digest\x00", "x" * 5000])
def test_an_unknown_choice_is_refused_in_french_and_nothing_written(client_for, value):
    from pacte.core.models import AuditEvent

    client = client_for("agent")
    events = AuditEvent.objects.count()
    response = client.post("/compte/notifications/", {"notification_mail": value})
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert re.search(r"Ce choix n'existe pas|Choisissez l'envoi", html)
    assert User.objects.get(username="test-agent").notification_mail == "immediate"
    assert AuditEvent.objects.count() == events


@pytest.mark.django_db
def test_the_account_names_the_notifications_of_the_role(client_for):
    finance = unescape(client_for("finance").get("/compte/").content.decode())
    assert "paiement à mandater" in finance and "demande de compléments" not in finance
    partner = unescape(client_for("partner").get("/compte/").content.decode())
    assert "demande de compléments" in partner and "paiement à mandater" not in partner
