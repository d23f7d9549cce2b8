"""The Département's instruction tools, through their services and selectors: private
annotations on an operation, opinions asked of another service or of a Maison du Département
(rights, refusals, workflow history, notifications, reminders)."""

import contextlib
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pacte.core import worker
from pacte.core.models import AuditEvent, Notification, OutgoingMail
from pacte.core.roles import Role
from pacte.core.workflow import TransitionRefused
from pacte.operations import selectors, services
from pacte.operations.models import Annotation, OpinionEvent, OpinionRequest
from pacte.territory.models import Territory

from .conftest import make_operation

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def in_review(contract, users, *, title="Véloroute du canal"):
    """An operation of `contract`, submitted and taken in charge by test-agent."""
    partner = users["test-partner" if contract.partner.siren == "246200364" else "test-partner2"]
    operation = make_operation(contract, partner, title=title)
    services.operation_submit(actor=partner, operation=operation)
    services.operation_take_charge(actor=users["test-agent"], operation=operation)
    operation.refresh_from_db()
    return operation


@pytest.fixture
def operation(lens_contract, users):
    return in_review(lens_contract, users)


@pytest.fixture
def colleague(make_user):
    """An agent of a Maison du Département, asked for opinions."""
    return make_user(username="agent-maison", role=Role.AGENT, email="maison@exemple.fr")


@pytest.fixture
def house():
    return Territory.objects.exclude(house_name="").order_by("pk").first()


def ask(operation, users, colleague, house=None, *, due_in=10, question="Le tracé est-il sûr ?"):
    kwargs = {"house": house} if house is not None else {"service": "roads"}
    return services.opinion_request(
        actor=users["test-agent"],
        operation=operation,
        addressee=colleague,
        question=question,
        due_on=timezone.localdate() + due_in * DAY,
        **kwargs,
    )


@contextlib.contextmanager
def refused(message):
    """A French refusal (ValidationError) saying `message`."""
    with pytest.raises(ValidationError) as caught:
        yield
    assert message in " ".join(caught.value.messages), caught.value.messages


def written():
    return (
        Annotation.objects.count(),
        OpinionRequest.objects.count(),
        OpinionEvent.objects.count(),
        Notification.objects.count(),
        OutgoingMail.objects.count(),
    )


# --- Annotations ---------------------------------------------------------------------------


def test_the_services_annotate_and_only_the_author_changes_or_deletes(operation, users):
    for role in ["agent", "finance", "assembly", "admin"]:
        services.annotation_add(
            actor=users[f"test-{role}"], operation=operation, text=f"  Note de {role}.  "
        )
    notes = list(Annotation.objects.filter(operation=operation).order_by("pk"))
    assert [n.text for n in notes] == [
        f"Note de {r}." for r in ["agent", "finance", "assembly", "admin"]
    ]
    assert AuditEvent.objects.filter(action="operation.annotation").count() == 4
    # Nothing of the text goes to the audit's summary.
    assert not AuditEvent.objects.filter(summary__contains="Note de").exists()
    mine = notes[0]
    with pytest.raises(PermissionDenied, match="Seul l'auteur"):
        services.annotation_change(actor=users["test-admin"], annotation=mine, text="Réécrit")
    with pytest.raises(PermissionDenied, match="Seul l'auteur"):
        services.annotation_delete(actor=users["test-finance"], annotation=mine)
    services.annotation_change(actor=users["test-agent"], annotation=mine, text="Corrigée.")
    mine.refresh_from_db()
    assert mine.text == "Corrigée." and mine.edited_at is not None
    services.annotation_delete(actor=users["test-agent"], annotation=mine)
    assert not Annotation.objects.filter(pk=mine.pk).exists()


def test_partners_and_elected_members_write_no_annotation(operation, arras_contract, users):
    before = written()
    for role in ["partner", "partner2", "elected"]:
        with pytest.raises(PermissionDenied) as refused:
            services.annotation_add(actor=users[f"test-{role}"], operation=operation, text="Non")
        assert "Votre rôle ne permet pas d'annoter une opération." in str(refused.value)
    note = services.annotation_add(actor=users["test-agent"], operation=operation, text="Oui")
    for role in ["partner", "elected"]:
        with pytest.raises(PermissionDenied):
            services.annotation_change(actor=users[f"test-{role}"], annotation=note, text="Non")
    assert written()[0] == before[0] + 1


def test_an_annotation_on_a_draft_the_agent_may_not_read_is_not_found(lens_contract, users):
    draft = make_operation(lens_contract, users["test-partner"], title="Brouillon")
    with pytest.raises(Http404):
        services.annotation_add(actor=users["test-agent"], operation=draft, text="Curieux")
    assert not Annotation.objects.exists()


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "le texte est vide"),
        ("   \n ", "le texte est vide"),
        ("avant\x00après", "caractère nul"),
        ("x" * 100_000, "5\u202f000 caractères au plus (le texte en a 100\u202f000)"),
    ],
)
def test_a_bad_annotation_is_refused_in_french_and_nothing_is_written(
    operation, users, text, message
):
    before = written()
    with refused(message):
        services.annotation_add(actor=users["test-agent"], operation=operation, text=text)
    assert written() == before


# --- Opinions ------------------------------------------------------------------------------


def test_an_opinion_is_asked_answered_and_read_with_one_history_row_per_step(
    operation, users, colleague, house
):
    agent = users["test-agent"]
    opinion = ask(operation, users, colleague, house)
    assert opinion.state == "requested" and opinion.addressed_to == house.house_name
    assert opinion.events.count() == 0
    # The addressee is told, in his list and by mail; the subject names the operation.
    told = Notification.objects.get(recipient=colleague, kind="opinion_requested")
    assert "Véloroute du canal" in told.subject and "Le tracé est-il sûr ?" in told.text
    assert told.url == f"/operations/avis/{opinion.pk}/"
    mail = OutgoingMail.objects.get(kind="opinion_requested")
    assert mail.recipients == ["maison@exemple.fr"]
    assert operation.reference in mail.subject
    assert "Le tracé est-il sûr ?" in mail.body and f"/operations/avis/{opinion.pk}/" in mail.body
    assert list(selectors.opinions_pending_for(colleague)) == [opinion]
    assert not selectors.opinions_pending_for(agent).exists()
    # Only the addressee answers; a verdict out of the list is refused.
    for other in [agent, users["test-admin"], users["test-finance"]]:
        with pytest.raises(PermissionDenied, match="Seul le destinataire"):
            services.opinion_answer(
                actor=other, opinion=opinion, verdict="favourable", answer="Oui."
            )
    for role in ["partner", "elected"]:
        with pytest.raises(PermissionDenied):
            services.opinion_answer(
                actor=users[f"test-{role}"], opinion=opinion, verdict="favourable", answer="Oui."
            )
    with pytest.raises(ValidationError, match="favorable, réservé ou défavorable"):
        services.opinion_answer(actor=colleague, opinion=opinion, verdict="peut-être", answer="?")
    with pytest.raises(ValidationError, match="vide"):
        services.opinion_answer(actor=colleague, opinion=opinion, verdict="reserved", answer=" ")
    assert OpinionRequest.objects.get(pk=opinion.pk).state == "requested"
    history = services.opinion_answer(
        actor=colleague,
        opinion=opinion,
        verdict="reserved",
        answer="Favorable sous réserve d'un plateau traversant.",
    )
    opinion.refresh_from_db()
    assert opinion.state == "answered" and opinion.verdict == "reserved"
    assert opinion.answered_at is not None
    (event,) = opinion.events.all()
    assert event == history and event.actor == colleague
    assert (event.transition, event.from_state, event.to_state) == (
        "answer",
        "requested",
        "answered",
    )
    # The requester is told; the answer waits for him among his « answers received ».
    told = Notification.objects.get(recipient=agent, kind="opinion_answered")
    assert "Véloroute du canal" in told.subject and "plateau traversant" in told.text
    assert not selectors.opinions_pending_for(colleague).exists()
    assert list(selectors.opinions_answered_unread_for(agent)) == [opinion]
    with pytest.raises(TransitionRefused):
        services.opinion_answer(
            actor=colleague, opinion=opinion, verdict="favourable", answer="Non"
        )
    assert not services.opinion_mark_seen(actor=colleague, opinion=opinion)
    assert services.opinion_mark_seen(actor=agent, opinion=opinion)
    assert not services.opinion_mark_seen(actor=agent, opinion=opinion)
    assert not selectors.opinions_answered_unread_for(agent).exists()


def test_the_requester_cancels_an_opinion_not_given_yet(operation, users, colleague, make_user):
    opinion = ask(operation, users, colleague)
    other_agent = make_user(username="autre-agent", role=Role.AGENT)
    with pytest.raises(PermissionDenied, match="Seul l'auteur de la demande"):
        services.opinion_cancel(actor=other_agent, opinion=opinion)
    with pytest.raises(PermissionDenied):
        services.opinion_cancel(actor=users["test-finance"], opinion=opinion)
    services.opinion_cancel(actor=users["test-agent"], opinion=opinion, reason="Plus utile.")
    opinion.refresh_from_db()
    assert opinion.state == "cancelled"
    (event,) = opinion.events.all()
    assert (event.transition, event.to_state, event.reason) == (
        "cancel",
        "cancelled",
        "Plus utile.",
    )
    assert not selectors.opinions_pending_for(colleague).exists()
    with pytest.raises(TransitionRefused):
        services.opinion_answer(
            actor=colleague, opinion=opinion, verdict="favourable", answer="Oui"
        )


@pytest.mark.parametrize(
    "days, message",
    [
        (-1, "passé"),
        (-4000, "passé"),
        (0, "aujourd'hui"),
        (367, "dans un an au plus"),
        (100_000, "dans un an au plus"),
    ],
)
def test_a_due_date_past_today_or_beyond_a_year_is_refused_and_nothing_is_written(
    operation, users, colleague, days, message
):
    before = written()
    with refused(message):
        ask(operation, users, colleague, due_in=days)
    assert written() == before


def test_a_due_date_from_tomorrow_to_a_year_from_today_is_accepted(operation, users, colleague):
    from pacte.core.dates import add_years

    today = timezone.localdate()
    assert ask(operation, users, colleague, due_in=1).due_on == today + DAY
    latest = add_years(today, 1)
    assert ask(operation, users, colleague, due_in=(latest - today).days).due_on == latest


def test_an_opinion_is_asked_of_the_services_only_by_an_instructor(
    operation, users, colleague, lens_contract, make_user
):
    before = written()
    refusals = [
        (dict(addressee=users["test-partner"]), "agent des services du Département"),
        (dict(addressee=users["test-elected"]), "agent des services du Département"),
        (dict(addressee=make_user(username="parti", is_active=False)), "agent des services"),
        (dict(addressee=users["test-agent"]), "autre destinataire que vous-même"),
        (dict(service=""), "service ou la Maison du Département"),
        (dict(service="piscine"), "pas dans la liste"),
        (dict(service="roads", house=Territory.objects.first()), "service ou la Maison"),
        (dict(question="\x00"), "caractère nul"),
        (dict(question="?" * 5_001), "5\u202f000 caractères au plus"),
    ]
    for changes, message in refusals:
        kwargs = dict(
            actor=users["test-agent"],
            operation=operation,
            addressee=colleague,
            question="Avis ?",
            due_on=timezone.localdate() + 5 * DAY,
            service="roads",
        )
        with refused(message):
            services.opinion_request(**(kwargs | changes))
    for role in ["finance", "assembly", "elected", "partner"]:
        with pytest.raises(PermissionDenied):
            services.opinion_request(
                actor=users[f"test-{role}"],
                operation=operation,
                addressee=colleague,
                question="Avis ?",
                due_on=timezone.localdate() + 5 * DAY,
                service="roads",
            )
    draft = make_operation(lens_contract, users["test-partner"], title="Brouillon")
    with pytest.raises(Http404):
        ask(draft, users, colleague)
    services.operation_withdraw(actor=users["test-agent"], operation=operation, reason="Abandon")
    with pytest.raises(ValidationError, match="on n'y demande plus d'avis"):
        ask(operation, users, colleague)
    assert written() == before


def test_the_lists_of_the_to_do_count_in_one_query_and_show_nothing_to_others(
    operation, users, colleague
):
    for question in ["Un ?", "Deux ?", "Trois ?"]:
        ask(operation, users, colleague, question=question)
    with CaptureQueriesContext(connection) as queries:
        assert selectors.opinions_pending_for(colleague).count() == 3
        assert selectors.opinions_answered_unread_for(users["test-agent"]).count() == 0
    assert len(queries) == 2
    for role in ["partner", "elected", "finance"]:
        assert selectors.opinions_pending_for(users[f"test-{role}"]).count() == 0
        assert selectors.opinions_answered_unread_for(users[f"test-{role}"]).count() == 0
    assert selectors.instruction_tools(user=users["test-partner"], operation=operation) is None
    assert selectors.instruction_tools(user=users["test-elected"], operation=operation) is None
    tools = selectors.instruction_tools(user=users["test-finance"], operation=operation)
    assert len(tools["opinions"]) == 3


# --- Reminders ---------------------------------------------------------------------------


def _asked_days_ago(opinion, days):
    OpinionRequest.objects.filter(pk=opinion.pk).update(requested_at=timezone.now() - days * DAY)


def test_the_addressee_is_reminded_once_when_the_due_date_comes_near(operation, users, colleague):
    near = ask(operation, users, colleague, due_in=2, question="Proche ?")
    far = ask(operation, users, colleague, due_in=20, question="Lointain ?")
    late = ask(operation, users, colleague, due_in=5, question="En retard ?")
    OpinionRequest.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - 3 * DAY)
    given = ask(operation, users, colleague, due_in=1, question="Rendu ?")
    services.opinion_answer(actor=colleague, opinion=given, verdict="favourable", answer="Oui.")
    fresh = ask(operation, users, colleague, due_in=1, question="Tout juste demandé ?")
    for opinion in [near, far, late, given]:
        _asked_days_ago(opinion, 10)
    assert services.opinion_reminders() == 2
    reminded = set(
        OpinionRequest.objects.filter(reminded_at__isnull=False).values_list("pk", flat=True)
    )
    assert reminded == {near.pk, late.pk}
    mails = OutgoingMail.objects.filter(kind="opinion_reminder").order_by("pk")
    assert [m.recipients for m in mails] == [["maison@exemple.fr"]] * 2
    bodies = " ".join(m.body for m in mails)
    assert "l'échéance est dépassée" in bodies and "Proche ?" in bodies
    # Once only: the next maintenance, or another worker, sends nothing more; the one asked
    # an hour ago for tomorrow is reminded a day later, and the far one when its day comes.
    assert services.opinion_reminders() == 0
    assert OpinionRequest.objects.get(pk=fresh.pk).reminded_at is None
    assert services.opinion_reminders(now=timezone.now() + 30 * DAY) == 2
    assert OutgoingMail.objects.filter(kind="opinion_reminder").count() == 4
    assert services.opinion_reminders(now=timezone.now() + 60 * DAY) == 0


def test_an_opinion_awaited_on_an_operation_withdrawn_since_is_awaited_no_more(
    operation, users, colleague, client
):
    """The partner withdraws its operation while an opinion on it is awaited: the opinion
    leaves its addressee's to-do, he is not reminded of it, and an answer is refused in French
    with nothing written; its page says it is no longer awaited."""
    opinion = ask(operation, users, colleague, due_in=2)
    _asked_days_ago(opinion, 3)
    assert list(selectors.opinions_pending_for(colleague)) == [opinion]
    services.operation_withdraw(
        actor=users["test-partner"], operation=operation, reason="Projet abandonné."
    )
    assert list(selectors.opinions_pending_for(colleague)) == []
    assert services.opinion_reminders() == 0
    before = written()
    with refused("L'opération est « retirée » : cet avis n'est plus attendu."):
        services.opinion_answer(
            actor=colleague, opinion=opinion, verdict="favourable", answer="Oui."
        )
    assert written() == before
    client.force_login(colleague)
    page = client.get(f"/operations/avis/{opinion.pk}/").content.decode()
    assert "cet avis n&#x27;est plus attendu" in page or "cet avis n'est plus attendu" in page
    assert "Rendre l'avis</button>" not in page
    response = client.post(
        f"/operations/avis/{opinion.pk}/", {"verdict": "favourable", "answer": "Oui."}
    )
    assert response.status_code == 400
    assert written() == before


def test_the_worker_runs_the_reminders_at_each_maintenance():
    assert services.opinion_reminders in worker._MAINTENANCE
