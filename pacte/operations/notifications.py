"""What operations notify, and to whom (pacte.core.notifications does the writing).

- What concerns the partner (a question, a message, a decision…) goes to the partner's active
  users.
- What concerns the Département (a deposit, an answer, a payment requested…) goes to the
  operation's instructor (`assigned_to`) or, while nobody is assigned, to every agent; and to
  the users who follow the file (« Suivre ce dossier », `Follow`).

The kinds of notification are declared here (and by finance and documents for theirs); their
mails are `operations/mail/<kind>.txt`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse

from pacte.core import notifications, policy
from pacte.core.models import User

from .models import Operation

PARTNER = (policy.OWN_ORGANISATION,)
# The Département's services: the instructors, and whoever follows a file.
DEPARTMENT = (policy.INSTRUCT, policy.MANAGE_FUND, policy.RUN_SITTINGS)
# Those who instruct but do not administer: the agents, told of a file nobody instructs yet.
INSTRUCTORS = policy.INSTRUCT.roles - policy.ADMINISTER.roles

KINDS = {
    "operation_submitted": ("Opération déposée", DEPARTMENT),
    "information_request": ("Demande de compléments", PARTNER),
    "message": ("Nouveau message", PARTNER + DEPARTMENT),
    "answer_received": ("Réponse du partenaire", DEPARTMENT),
    "operation_decided": ("Décision de l'assemblée", PARTNER + DEPARTMENT),
}
for _name, (_label, _roles) in KINDS.items():
    notifications.register_kind(_name, _label, _roles)


def operation_path(operation: Operation, anchor: str = "") -> str:
    path = reverse("operations:operation_detail", args=[operation.pk])
    return f"{path}#{anchor}" if anchor else path


def partner_users(operation: Operation) -> list[User]:
    """The active users of the operation's partner."""
    return list(User.objects.filter(partner_id=operation.contract.partner_id, is_active=True))


def department_users(operation: Operation) -> list[User]:
    """The instructor of the operation, or every agent while it has none; and its followers.
    Only those who are still of the Département's services: an account since moved to a
    partner (its role or its organisation changed) keeps no file of another partner's."""
    services = User.objects.filter(
        is_active=True,
        partner__isnull=True,
        role__in=policy.roles_for("operation", "follow"),
    )
    if operation.assigned_to_id:
        first = list(services.filter(pk=operation.assigned_to_id))
    else:
        first = list(services.filter(role__in=INSTRUCTORS).order_by("pk"))
    followers = services.filter(follows__operation_id=operation.pk)
    return first + list(followers.exclude(pk__in=[u.pk for u in first]))


def notify_operation(
    recipients: Iterable[User],
    *,
    kind: str,
    operation: Operation,
    context: dict[str, Any] | None = None,
    actor: User | None = None,
    anchor: str = "",
    subject: str = "",
    template: str = "",
) -> None:
    """Notify `recipients` of `kind` about `operation`: its reference in the subject, a link
    to its page (at `anchor`), the template `<app>/mail/<kind>.txt` (operations' by default)."""
    notifications.notify(
        recipients,
        kind=kind,
        subject=subject or notifications.kind_label(kind),
        template=template or f"operations/mail/{kind}.txt",
        context={"operation": operation, "actor": actor, **(context or {})},
        url=operation_path(operation, anchor),
        reference=operation.reference,
        actor=actor,
    )


def notify_decision(
    *, actor: User | None, operation: Operation, granted: bool, decision: str
) -> None:
    """The assembly's vote on the operation (its subsidy granted, or the report rejected): the
    partner and the Département are told, the decision quoted."""
    notify_operation(
        [*partner_users(operation), *department_users(operation)],
        kind="operation_decided",
        operation=operation,
        actor=actor,
        subject="Subvention votée" if granted else "Subvention refusée",
        context={"granted": granted, "decision": decision, "text": decision},
    )
