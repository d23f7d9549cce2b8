"""What documents notify (pacte.core.notifications does the writing): a convention awaiting a
signature — the partner's users when the partner signs next; the Département's signatories and
the operation's instructor (or agents) and followers when the Département does — and a
convention signed by both parties, to the partner and the Département."""

from __future__ import annotations

from pacte.core import notifications, policy
from pacte.core.models import User
from pacte.operations import notifications as operation_notifications

from .models import Document, SignatureStep

BOTH = operation_notifications.PARTNER + operation_notifications.DEPARTMENT

notifications.register_kind("agreement_to_sign", "Convention à signer", (*BOTH, policy.SIGNATORY))
notifications.register_kind("agreement_signed", "Convention signée", BOTH)


def _lowered_article(label: str) -> str:
    return label[:1].lower() + label[1:]


def notify_next_signature(
    *, actor: User | None, document: Document, step: SignatureStep, signers: list[User]
) -> None:
    """The convention waits for `step`'s signature: `signers` (the users holding a right to
    sign for that side) and that side's people are told."""
    operation = document.operation
    if operation is None:
        return
    if step.signer == SignatureStep.Signer.PARTNER:
        recipients = [*signers, *operation_notifications.partner_users(operation)]
    else:
        recipients = [*signers, *operation_notifications.department_users(operation)]
    operation_notifications.notify_operation(
        recipients,
        kind="agreement_to_sign",
        operation=operation,
        actor=actor,
        anchor="documents",
        # « par le Département », « par le partenaire »: only the article loses its capital.
        subject=f"Convention à signer par {_lowered_article(step.get_signer_display())}",
        template="documents/mail/agreement_to_sign.txt",
        context={"document": document, "step": step},
    )


def notify_signed(*, actor: User | None, document: Document) -> None:
    operation = document.operation
    if operation is None:
        return
    operation_notifications.notify_operation(
        [
            *operation_notifications.partner_users(operation),
            *operation_notifications.department_users(operation),
        ],
        kind="agreement_signed",
        operation=operation,
        actor=actor,
        anchor="documents",
        subject="Convention signée par les deux parties",
        template="documents/mail/agreement_signed.txt",
        context={
            "document": document,
            "steps": list(document.signatures.order_by("order")),
        },
    )
