"""Invitations: an agent (whoever instructs partners: `partner.invite`) creates the account of
a partner's staff member — role partner, that partner's, no usable password — and Pacte mails
a link, valid PACTE_INVITATION_DAYS (7) and once, where the person chooses a password and is
logged in. Only the link's SHA-256 digest is stored."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from pacte.contracts.models import Partner
from pacte.core import mail, policy
from pacte.core.audit import audit
from pacte.core.french import format_date
from pacte.core.models import User
from pacte.core.roles import Role

from .. import conf
from ..models import Invitation, digest
from ..selectors import invitation_by_token

EMAIL_TAKEN = (
    "Un compte existe déjà pour l'adresse {email} : Pacte ne crée pas de second compte. "
    "Si son invitation n'a pas servi, renvoyez-la depuis la liste des utilisateurs."
)
INVALID_LINK = (
    "Ce lien d'invitation n'est pas valable : il a déjà servi, il a été remplacé par un "
    "nouvel envoi, ou il a expiré. Demandez à votre interlocuteur au Département de vous "
    "inviter à nouveau."
)


def invitation_url(raw: str) -> str:
    return mail.absolute_url(reverse("accounts:invitation_accept", kwargs={"token": raw}))


def _send(*, actor: User | None, user: User, partner: Partner) -> Invitation:
    """A new link for `user`, the previous ones void; mailed once the write commits."""
    now = timezone.now()
    Invitation.objects.filter(user=user, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    raw = Invitation.generate()
    invitation = Invitation.objects.create(
        user=user,
        partner=partner,
        invited_by=actor,
        digest=digest(raw),
        created_at=now,
        expires_at=now + conf.invitation_validity(),
    )
    mail.mail_queue(
        kind="invitation",
        recipients=[user.email],
        subject=mail.subject_line("", f"Invitation à utiliser Pacte pour {partner.name}"),
        template="accounts/mail/invitation.txt",
        context={
            "user": user,
            "partner": partner,
            "invited_by": actor,
            "url": invitation_url(raw),
            "expires_on": format_date(timezone.localdate(invitation.expires_at)),
        },
    )
    return invitation


@transaction.atomic
def invitation_create(
    *, actor: User | None, partner: Partner, first_name: str, last_name: str, email: str
) -> Invitation:
    """Create the account of a partner's staff member and mail the invitation."""
    policy.require(actor, "partner", "invite", partner)
    first_name, last_name, email = first_name.strip(), last_name.strip(), email.strip()
    errors: dict[str, str] = {}
    if not first_name:
        errors["first_name"] = "Indiquez le prénom de la personne invitée."
    if not last_name:
        errors["last_name"] = "Indiquez le nom de la personne invitée."
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = "Indiquez une adresse électronique valide (nom@exemple.fr)."
    if len(first_name) > 150 or len(last_name) > 150 or len(email) > 150:
        errors["__all__"] = "Le prénom, le nom et l'adresse ont 150 caractères au plus."
    if errors:
        raise ValidationError(errors)
    username = email.lower()
    if (
        User.objects.select_for_update().filter(email__iexact=email).exists()
        or User.objects.filter(username__iexact=username).exists()
    ):
        raise ValidationError({"email": EMAIL_TAKEN.format(email=email)})
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=Role.PARTNER,
        partner=partner,
    )
    user.set_unusable_password()
    user.save()
    invitation = _send(actor=actor, user=user, partner=partner)
    audit(
        actor=actor,
        action="invitation.create",
        obj=user,
        summary=f"Invitation de {user.get_full_name()} ({email}) pour {partner.name}",
        data={"partner": partner.pk, "invitation": invitation.pk},
    )
    return invitation


@transaction.atomic
def invitation_resend(*, actor: User | None, partner: Partner, user: User) -> Invitation:
    """A new link for an invited person who has not chosen a password yet."""
    policy.require(actor, "partner", "invite", partner)
    if user.partner_id != partner.pk or not Invitation.objects.filter(user=user).exists():
        raise ValidationError("Cette personne n'a pas été invitée pour ce partenaire.")
    if user.has_usable_password() or not user.is_active:
        raise ValidationError(
            f"{user.get_full_name()} a déjà choisi son mot de passe : l'invitation a servi."
        )
    invitation = _send(actor=actor, user=user, partner=partner)
    audit(
        actor=actor,
        action="invitation.resend",
        obj=user,
        summary=f"Invitation renvoyée à {user.get_full_name()} ({user.email})",
        data={"partner": partner.pk, "invitation": invitation.pk},
    )
    return invitation


@transaction.atomic
def invitation_accept(*, raw: str, new_password: str) -> User:
    """The invited person chooses a password through the link: the link is used up."""
    invitation = invitation_by_token(raw)
    if invitation is None:
        raise ValidationError(INVALID_LINK)
    # Locked, and checked again: two tabs sending the form at once use the link once.
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not invitation.is_usable:
        raise ValidationError(INVALID_LINK)
    user = User.objects.get(pk=invitation.user_id)
    validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit(
        actor=user,
        action="invitation.accept",
        obj=user,
        summary=f"Invitation acceptée par {user.get_full_name()} ({user.email})",
        data={"invitation": invitation.pk},
    )
    return user
