"""What finance notifies, and to whom (pacte.core.notifications does the writing; the
recipients of an operation are pacte.operations.notifications'):

- a payment requested: the Département (the instructor, or the agents; the followers);
- a payment checked by the agent: the finance officers, who mandate it;
- a payment paid or refused: the partner's users, and the Département's followers;
- a lapse coming (90 and 30 days before a deadline, then once it has passed): the partner's
  users and the Département.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from pacte.core import notifications, policy
from pacte.core.models import User
from pacte.operations import notifications as operation_notifications
from pacte.operations.models import Operation

from .models import PaymentRequest

PARTNER = operation_notifications.PARTNER
DEPARTMENT = operation_notifications.DEPARTMENT
# Those who mandate payments but do not administer Pacte: the finance officers.
FINANCE_OFFICERS = policy.MANAGE_FUND.roles - policy.ADMINISTER.roles

KINDS = {
    "payment_requested": ("Paiement demandé", DEPARTMENT),
    "payment_checked": ("Paiement à mandater", (policy.MANAGE_FUND,)),
    "payment_paid": ("Paiement versé", PARTNER + DEPARTMENT),
    "payment_refused": ("Paiement refusé", PARTNER + DEPARTMENT),
    "lapse_approaching": ("Échéance de caducité", PARTNER + DEPARTMENT),
}
for _name, (_label, _roles) in KINDS.items():
    notifications.register_kind(_name, _label, _roles)


def followers(operation: Operation) -> list[User]:
    return list(User.objects.filter(follows__operation_id=operation.pk, is_active=True))


def finance_officers() -> list[User]:
    return list(User.objects.filter(role__in=FINANCE_OFFICERS, is_active=True).order_by("pk"))


def notify_payment(
    recipients: list[User],
    *,
    kind: str,
    payment: PaymentRequest,
    actor: User | None,
    subject: str,
    context: dict[str, Any] | None = None,
) -> None:
    operation = payment.commitment.operation
    notifications.notify(
        recipients,
        kind=kind,
        subject=subject,
        template=f"finance/mail/{kind}.txt",
        context={"operation": operation, "payment": payment, "actor": actor, **(context or {})},
        url=reverse("finance:payment_detail", args=[payment.pk]),
        reference=operation.reference,
        actor=actor,
    )
