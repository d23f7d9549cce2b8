from typing import Any

from django.db import models

from .models import AuditEvent, User


def audit(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    summary: str,
    data: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record one audit row for a write. Call it inside the service's transaction."""
    return AuditEvent.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        summary=summary[:255],
        data=data or {},
    )
