from typing import Any

from django.db import models

from .bulk import insert_many
from .models import AuditEvent, User


def audit_event(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    summary: str,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """The audit row of a write, not saved yet (`audit_many` saves many at once)."""
    return AuditEvent(
        actor_id=getattr(actor, "pk", None),
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        summary=summary[:255],
        data=data or {},
    )


def audit(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    summary: str,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record one audit row for a write. Call it inside the service's transaction."""
    event = audit_event(actor=actor, action=action, obj=obj, summary=summary, data=data)
    event.save()
    return event


def audit_many(events: list[AuditEvent]) -> None:
    """Record audit rows made by `audit_event`, in batches (imports of many rows)."""
    insert_many(events)
