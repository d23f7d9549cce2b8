"""Passwords: changed by their owner (who types the current one), or chosen again through a link
sent by e-mail (valid PASSWORD_RESET_TIMEOUT, 24 h, and once: the link is signed with the
password it replaces). Every new password passes the policy (AUTH_PASSWORD_VALIDATORS: 12
characters at least, not common, not only digits, not close to the user's name). The mails go
through the outbox (pacte.core.mail)."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from pacte.core import mail, policy
from pacte.core.audit import audit
from pacte.core.models import User

from .. import conf
from ..models import LoginThrottle
from . import throttle

WRONG_CURRENT = "Votre mot de passe actuel est incorrect : rien n'a été changé."


def reset_url(user: User) -> str:
    """The absolute link of a password reset for `user` (PACTE_SITE_URL)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return mail.absolute_url(path)


def _notify_changed(user: User, how: str) -> None:
    mail.mail_queue(
        kind="password_changed",
        recipients=[user.email],
        subject=mail.subject_line("", "Votre mot de passe a été changé"),
        template="accounts/mail/password_changed.txt",
        context={"user": user, "how": how, "reset_url": _reset_request_url()},
    )


def _reset_request_url() -> str:
    return mail.absolute_url(reverse("accounts:password_reset"))


@transaction.atomic
def password_change(*, actor: User, user: User, current_password: str, new_password: str) -> None:
    """`user` changes the password, typing the current one first."""
    policy.require(actor, "account", "password")
    if actor.pk != user.pk:
        policy.require(actor, "user", "change")
    if not user.check_password(current_password):
        raise ValidationError({"old_password": WRONG_CURRENT})
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit(
        actor=actor,
        action="password.change",
        obj=user,
        summary=f"Mot de passe changé par {user.get_username()}",
    )
    _notify_changed(user, "depuis la page « Mon compte »")


def reset_candidates(email: str) -> list[User]:
    """The active accounts of an address that have a password, or that were invited and have
    not chosen one yet (they are told to ask for a new invitation)."""
    if not email.strip():
        return []
    users = User.objects.filter(email__iexact=email.strip(), is_active=True)
    return [u for u in users if u.has_usable_password() or u.invitations.exists()]


@transaction.atomic
def password_reset_request(*, email: str) -> int:
    """Queue a reset link for each account of `email`; how many. The page says the same
    whatever the answer (it does not reveal which addresses have an account). Three requests
    for an account, then one a minute, two, four… (a mailbox is not flooded)."""
    sent = 0
    for user in reset_candidates(email):
        if throttle.lock_of(LoginThrottle.Scope.RESET, user.pk) is not None:
            continue
        throttle.failure(scope=LoginThrottle.Scope.RESET, key=user.pk)
        if not user.has_usable_password():
            # Invited, no password chosen yet: the invitation, not a reset, gives one.
            invitation = user.invitations.select_related("invited_by", "partner").first()
            mail.mail_queue(
                kind="invitation_pending",
                recipients=[user.email],
                subject=mail.subject_line("", "Votre invitation à Pacte"),
                template="accounts/mail/invitation_pending.txt",
                context={"user": user, "invitation": invitation},
            )
            sent += 1
            continue
        validity = conf.reset_validity()
        mail.mail_queue(
            kind="password_reset",
            recipients=[user.email],
            subject=mail.subject_line("", "Choisir un nouveau mot de passe"),
            template="accounts/mail/password_reset.txt",
            context={
                "user": user,
                "url": reset_url(user),
                "hours": int(validity.total_seconds() // 3600),
            },
        )
        audit(
            actor=None,
            action="password.reset_request",
            obj=user,
            summary=f"Lien de nouveau mot de passe envoyé à {user.get_username()}",
        )
        sent += 1
    return sent


@transaction.atomic
def password_reset_complete(*, user: User, new_password: str) -> None:
    """The owner of the address chose a new password through the link: it is set, and the
    account's login lock, if any, is lifted (the owner proved who they are)."""
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    throttle.success(scope=LoginThrottle.Scope.USERNAME, key=user.get_username())
    throttle.success(scope=LoginThrottle.Scope.RESET, key=user.pk)
    audit(
        actor=user,
        action="password.reset",
        obj=user,
        summary=f"Nouveau mot de passe choisi par {user.get_username()} (lien reçu par courriel)",
    )
    _notify_changed(user, "par le lien reçu par courriel")
