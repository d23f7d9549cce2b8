"""Reads of local accounts."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch

from pacte.contracts.models import Partner
from pacte.core import policy
from pacte.core.models import User

from .models import Invitation, RecoveryCode, SecondFactor, digest


def invitation_by_token(raw: str) -> Invitation | None:
    """The usable invitation of a link, or None (unknown, used, replaced or expired)."""
    if not raw or len(raw) > 100:
        return None
    invitation = (
        Invitation.objects.select_related("user", "partner").filter(digest=digest(raw)).first()
    )
    if invitation is None or not invitation.is_usable or not invitation.user.is_active:
        return None
    return invitation


@dataclass(frozen=True)
class PartnerAccount:
    """A partner's user as the agent who invites sees it."""

    user: User
    invitation: Invitation | None

    @property
    def status(self) -> str:
        if self.user.has_usable_password():
            return "actif" if self.user.is_active else "désactivé"
        if self.invitation is None:
            return "sans mot de passe"
        if self.invitation.is_expired:
            return "invitation expirée"
        return "invitation envoyée"

    @property
    def can_resend(self) -> bool:
        return (
            self.user.is_active
            and not self.user.has_usable_password()
            and self.invitation is not None
        )


def partner_accounts(*, user: policy.Viewer, partner: Partner) -> list[PartnerAccount]:
    """The users of `partner` with their latest invitation: for whoever may invite them."""
    policy.require(user, "partner", "invite", partner)
    latest = Invitation.objects.order_by("-created_at", "-id")
    users = (
        User.objects.filter(partner=partner)
        .order_by("last_name", "first_name", "username")
        .prefetch_related(Prefetch("invitations", queryset=latest))
    )
    return [PartnerAccount(u, next(iter(u.invitations.all()), None)) for u in users]


@dataclass(frozen=True)
class SecondFactorStatus:
    confirmed_at: datetime.datetime
    codes_left: int


def second_factor_status(*, user: User) -> SecondFactorStatus | None:
    """The user's own second factor, if enrolled."""
    factor = SecondFactor.objects.filter(user=user).first()
    if factor is None:
        return None
    left = RecoveryCode.objects.filter(second_factor=factor, used_at__isnull=True).count()
    return SecondFactorStatus(factor.confirmed_at, left)


def has_second_factor(user: User) -> bool:
    return SecondFactor.objects.filter(user=user).exists()
