from django.db import transaction
from django.utils import timezone

from .audit import audit
from .models import ApiToken, User


@transaction.atomic
def api_token_create(*, user: User, name: str, actor: User | None = None) -> tuple[ApiToken, str]:
    """Create a token for `user`; return it with the raw secret, shown once and never stored."""
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user, name=name.strip() or "Jeton", digest=ApiToken.hash(raw), prefix=raw[6:14]
    )
    audit(
        actor=actor or user,
        action="api_token.create",
        obj=token,
        summary=f"Jeton d'API « {token.name} » créé pour {user.username}",
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: User) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit(
            actor=actor,
            action="api_token.revoke",
            obj=token,
            summary=f"Jeton d'API « {token.name} » révoqué",
        )
    return token


def api_token_authenticate(*, raw: str) -> User | None:
    """Return the active user owning this token, or None. Records the last use."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=ApiToken.hash(raw), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
