"""Writes of the OpenID Connect login: the Pacte user a provider's claims designate, created at
the first login and brought up to date at each later one (docs/connexion.md).

The provider speaks for the person: no one is logged in yet, so the service acts as the system
(`actor=None`), and the audit rows name the person concerned as their author.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from pacte.contracts.models import Partner
from pacte.core import policy
from pacte.core.audit import audit
from pacte.core.models import User
from pacte.core.roles import Role

from . import claims as read
from . import conf
from .conf import Provider
from .models import OidcIdentity

NO_ROLE = (
    "Vous êtes bien authentifié par le serveur d’identité du Département, mais votre compte "
    "n’appartient à aucun des groupes qui donnent accès à Pacte. Demandez à votre responsable, "
    "ou au service informatique du Département, de vous ajouter au groupe de Pacte qui "
    "correspond à votre fonction (instruction, finances, assemblées, élus ou administration). "
    "Aucun compte Pacte n’a été créé."
)
NO_SIRET = (
    "ProConnect n’a pas indiqué le SIRET de votre organisation : Pacte ne peut pas savoir quel "
    "partenaire vous représentez. Vérifiez l’organisation choisie dans votre compte ProConnect, "
    "puis reconnectez-vous. Aucun compte Pacte n’a été créé."
)
UNKNOWN_PARTNER = (
    "Vous êtes bien authentifié par ProConnect, pour l’organisation de SIRET {siret}, mais "
    "aucun partenaire de Pacte ne porte ce SIRET ni ce SIREN. Demandez à votre interlocuteur "
    "au Département d’enregistrer le SIRET de votre organisation sur sa fiche de partenaire, "
    "ou de vous inviter ; puis reconnectez-vous. Aucun compte Pacte n’a été créé."
)
INACTIVE = (
    "Votre compte Pacte est désactivé. Si vous devez encore utiliser Pacte, demandez à "
    "l’administrateur de Pacte de le réactiver."
)
EMAIL_TAKEN = (
    "Un compte Pacte existe déjà avec l’adresse {email}, créé sans {name} : Pacte ne le "
    "rattache pas de lui-même. Connectez-vous avec votre identifiant et votre mot de passe, ou "
    "demandez à l’administrateur de Pacte de rattacher ce compte (ou de changer son adresse)."
)
EMAIL_OTHER_ORGANISATION = (
    "Un compte Pacte existe déjà avec l’adresse {email}, pour une autre organisation ou un "
    "autre rôle : il n’est pas rattaché. Demandez à l’administrateur de Pacte de régler la "
    "situation de ce compte."
)


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


def _role_and_partner(provider: Provider, claims: dict[str, Any]) -> tuple[str, Partner | None]:
    if provider.is_partners:
        siret = read.siret(claims, provider.siret_claim)
        if not siret:
            raise _refuse(NO_SIRET, "no_siret")
        partner = (
            Partner.objects.filter(siret=siret).first()
            or Partner.objects.filter(siren=siret[:9]).first()
            or _only(Partner.objects.filter(siren="", siret__startswith=siret[:9]))
        )
        if partner is None:
            raise _refuse(UNKNOWN_PARTNER.format(siret=siret), "unknown_partner")
        return Role.PARTNER, partner
    found = read.groups(claims, provider.roles_claim)
    role = read.role_for(found, provider.roles)
    if role is None or role not in conf.AGENT_ROLES:
        raise _refuse(NO_ROLE, "no_role")
    return role, None


def _only(queryset: Any) -> Partner | None:
    found = list(queryset[:2])
    return found[0] if len(found) == 1 else None


def _username(provider: Provider, subject: str, email: str) -> str:
    if email and not User.objects.filter(username__iexact=email).exists():
        return email.lower()[:150]
    candidate = f"{provider.key}-{subject}"[:150]
    if not User.objects.filter(username=candidate).exists():
        return candidate
    digest = hashlib.sha256(f"{provider.key}:{subject}".encode()).hexdigest()[:16]
    return f"{provider.key}-{digest}"


def _describe(user: User) -> dict[str, Any]:
    return {
        "rôle": user.role,
        "partenaire": user.partner_id,
        "courriel": user.email,
        "prénom": user.first_name,
        "nom": user.last_name,
    }


def _apply(
    user: User, *, role: str, partner: Partner | None, first: str, last: str, email: str
) -> None:
    user.role = role
    user.partner = partner
    # Those who administer Pacte have the Django admin, alone (as pacte.core.admin.UserAdmin).
    user.is_staff = user.is_superuser = role in policy.ADMINISTER.roles
    if first:
        user.first_name = first
    if last:
        user.last_name = last
    if email:
        user.email = email


def _invited(user: User, partner: Partner | None) -> bool:
    """A partner's staff member invited by an agent (pacte.accounts) for this very partner, who
    has never logged in: the invitation named this address for this partner, so ProConnect's
    identity with the same address and the partner's SIRET may take the account."""
    return (
        partner is not None
        and user.role == Role.PARTNER
        and user.partner_id == partner.pk
        and user.last_login is None
        and not user.has_usable_password()
    )


def _link_local(
    provider: Provider, *, email: str, role: str, partner: Partner | None
) -> User | None:
    """The local account with this e-mail that the login may take over, if any; refuses when
    there is one it may not take."""
    local = list(User.objects.filter(email__iexact=email).exclude(oidc_identities__isnull=False))
    if not local:
        return None
    name = "ProConnect" if provider.is_partners else "le serveur d’identité du Département"
    if len(local) > 1 or not (conf.link_by_email(provider) or _invited(local[0], partner)):
        raise _refuse(EMAIL_TAKEN.format(email=email, name=name), "email_taken")
    user = local[0]
    same_side = (
        user.role == Role.PARTNER and user.partner_id == getattr(partner, "pk", None)
        if role == Role.PARTNER
        else user.role != Role.PARTNER
    )
    if not same_side:
        raise _refuse(EMAIL_OTHER_ORGANISATION.format(email=email), "email_other_organisation")
    return user


def oidc_login(
    *, actor: User | None = None, provider: Provider, issuer: str, claims: dict[str, Any]
) -> User:
    """The user these verified claims designate: found by the provider's subject, or created
    (or, when PACTE_OIDC_LINK_BY_EMAIL allows it, the local account with the same e-mail);
    its name, e-mail and role brought up to date. Refuses, writing nothing, when the claims
    give no role or no known partner, or when the account is deactivated."""
    subject = str(claims.get("sub", ""))[:255]
    role, partner = _role_and_partner(provider, claims)
    first = read.text(claims, "given_name")
    last = read.text(claims, "usual_name", "family_name")
    email = read.email(claims)
    groups = read.groups(claims, provider.roles_claim) if not provider.is_partners else []
    siret = read.siret(claims, provider.siret_claim) if provider.is_partners else ""
    now = timezone.now()
    with transaction.atomic():
        identity = (
            OidcIdentity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        if identity is not None:
            user = identity.user
            if not user.is_active:
                raise _refuse(INACTIVE, "inactive")
            before = _describe(user)
            _apply(user, role=role, partner=partner, first=first, last=last, email=email)
            after = _describe(user)
            user.save()
            identity.last_login_at, identity.last_siret, identity.last_groups = now, siret, groups
            identity.save(update_fields=["last_login_at", "last_siret", "last_groups"])
            if before != after:
                changed = {k: {"avant": before[k], "après": after[k]} for k in after}
                changed = {k: v for k, v in changed.items() if v["avant"] != v["après"]}
                role_changed = "rôle" in changed or "partenaire" in changed
                audit(
                    actor=user,
                    action="oidc.role_change" if role_changed else "oidc.update",
                    obj=user,
                    summary=(
                        f"{'Rôle' if role_changed else 'Profil'} de {user} mis à jour à la "
                        f"connexion par {provider.name}"
                    ),
                    data={"fournisseur": provider.key, "sub": subject, "changements": changed},
                )
            return user
        local = _link_local(provider, email=email, role=role, partner=partner) if email else None
        if local is not None:
            user = local
            if not user.is_active:
                raise _refuse(INACTIVE, "inactive")
            before = _describe(user)
            _apply(user, role=role, partner=partner, first=first, last=last, email=email)
            user.save()
            action, summary = "oidc.link", f"Compte local de {user} rattaché à {provider.name}"
            data = {"avant": before, "après": _describe(user)}
        else:
            user = User(username=_username(provider, subject, email))
            _apply(user, role=role, partner=partner, first=first, last=last, email=email)
            # Logged in through the provider only: no password to guess or to reset.
            user.set_unusable_password()
            user.save()
            action = "oidc.create"
            summary = f"Compte de {user} créé à la connexion par {provider.name}"
            data = {"après": _describe(user)}
        OidcIdentity.objects.create(
            user=user,
            provider=provider.key,
            issuer=issuer,
            subject=subject,
            last_login_at=now,
            last_siret=siret,
            last_groups=groups,
        )
        audit(
            actor=user,
            action=action,
            obj=user,
            summary=summary,
            data={"fournisseur": provider.key, "sub": subject, **data},
        )
        return user
