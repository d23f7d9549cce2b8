"""Notifications: what happened that concerns a user, in his list and by mail.

One entry point, `notify`, called by the services of every application inside their
transaction, once the write that causes the notification is done:

    notifications.notify(
        recipients,
        kind="information_request",
        subject="Demande de compléments",
        template="operations/mail/information_request.txt",
        context={"operation": operation, "body": body},
        url=reverse("operations:operation_detail", args=[operation.pk]),
        reference=operation.reference,
    )

- Each recipient gets a row in his list of notifications (/notifications/), unread until he
  marks it read.
- Those who chose « à chaque événement » get the mail at once, through the outbox
  (`pacte.core.mail.mail_queue`): its subject names the object (`mail.subject_line`), its body is
  the kind's own template, rendered with `context`, `url` (absolute) and `subject`.
- Those who chose « un résumé quotidien » get, once a day, one mail listing the notifications
  they have not read yet (`send_digests`, run by the worker's maintenance); « aucun courriel »:
  the list only.

The kinds are declared in one registry (`register_kind`: name, French label, the roles that may
receive it), by each application when it loads; a recipient whose role may not receive a kind
is left out, and so is a user whose role receives no notification at all (the policy's
`notified` capability: an elected member, read-only, receives none).

The in-app text of a notification is `context["text"]`, or else the message quoted
(`context["body"]`), shortened.
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import re
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, QuerySet, Value, When
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from . import mail, policy
from .audit import audit
from .french import format_date, format_integer
from .models import Notification, NotificationDigest, User

logger = logging.getLogger(__name__)

# The hour (Europe/Paris) from which the daily digests are sent.
DIGEST_HOUR_DEFAULT = 7
DIGEST_TEMPLATE = "core/mail/digest.txt"
# Set within `muted()`.
_MUTED: ContextVar[bool] = ContextVar("pacte_notifications_muted", default=False)

Preference = User.NotificationMail


# --- The kinds ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NotificationKind:
    name: str
    label: str  # « Demande de compléments » : said in the list, the preferences and the digest
    roles: frozenset[str]


_KINDS: dict[str, NotificationKind] = {}


def register_kind(
    kind: str, label: str, roles: Iterable[str | policy.Capability]
) -> NotificationKind:
    """Declare a kind of notification (at import or in `AppConfig.ready`): its French label
    and the roles that may receive it — roles, or capabilities standing for their roles. Only
    the roles of the policy's `notified` capability receive anything."""
    allowed: set[str] = set()
    for entry in roles:
        allowed |= entry.roles if isinstance(entry, policy.Capability) else {str(entry)}
    spec = NotificationKind(kind, label, frozenset(allowed) & policy.NOTIFIED.roles)
    _KINDS[kind] = spec
    return spec


def kind_spec(name: str) -> NotificationKind:
    try:
        return _KINDS[name]
    except KeyError:
        raise LookupError(f"Unknown kind of notification {name!r}: register_kind() it") from None


def kinds() -> list[NotificationKind]:
    return list(_KINDS.values())


def kind_label(name: str) -> str:
    spec = _KINDS.get(name)
    return spec.label if spec else "Notification"


def kinds_for(user: User) -> list[NotificationKind]:
    """The kinds this user may receive, by his role."""
    if not receives_notifications(user):
        return []
    return [spec for spec in _KINDS.values() if user.role in spec.roles]


def receives_notifications(user: policy.Viewer) -> bool:
    """Whether the user's role receives notifications at all (the policy's `notified`)."""
    return policy.allows(user, "notification", "read")


# --- Writing them ------------------------------------------------------------------------

register_kind("digest", "Résumé quotidien", [])


def _short(text: object) -> str:
    """On one line, shortened; the non-breaking spaces of French typography kept."""
    value = re.sub(r"[ \t\r\n\f\v]+", " ", str(text or "")).strip()
    limit = Notification.TEXT_MAX
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def relative_url(url: str) -> str:
    """The path of a link given absolute (`mail.absolute_url`) or as a path."""
    base = mail.site_url()
    if url.startswith(base):
        url = url[len(base) :]
    return "/" + url.lstrip("/") if not url.startswith(("http://", "https://")) else url


def notify(
    recipients: Iterable[User],
    *,
    kind: str,
    subject: str,
    template: str,
    context: Mapping[str, Any],
    url: str,
    reference: str = "",
    actor: User | None = None,
) -> list[Notification]:
    """Notify `recipients` of an event of `kind` (see the module's docstring). Call it inside the
    transaction of the write that causes it. `actor`, if given, is left out: nobody is told of
    what he did himself. Returns the rows written."""
    spec = kind_spec(kind)
    if _MUTED.get():
        return []
    seen: set[int] = set()
    users: list[User] = []
    for user in recipients:
        if user is None or user.pk in seen or (actor is not None and user.pk == actor.pk):
            continue
        seen.add(user.pk)
        if user.is_active and user.role in spec.roles:
            users.append(user)
    if not users:
        return []
    path = relative_url(url)
    text = _short(context.get("text") or context.get("body") or "")
    now = timezone.now()
    with transaction.atomic():
        rows = Notification.objects.bulk_create(
            [
                Notification(
                    recipient=user,
                    kind=kind,
                    subject=subject[: Notification.SUBJECT_MAX],
                    text=text,
                    url=path[:500],
                    reference=reference[:64],
                    created_at=now,
                    digest_pending=user.notification_mail == Preference.DIGEST,
                )
                for user in users
            ]
        )
        # One mail per recipient: nobody learns the others' addresses (a partner's contact and
        # the Département's agents are told of the same event).
        for user in users:
            if user.notification_mail != Preference.IMMEDIATE or not user.email:
                continue
            mail.mail_queue(
                kind=kind,
                recipients=[user.email],
                subject=mail.subject_line(reference, subject),
                template=template,
                context={
                    **context,
                    "subject": subject,
                    "reference": reference,
                    "url": mail.absolute_url(path),
                },
                reference=reference,
            )
    return rows


@contextlib.contextmanager
def muted() -> Iterator[None]:
    """Within it, `notify` records and sends nothing: for replaying a past story (the demo's
    seeding), whose events nobody is to be told of today."""
    token = _MUTED.set(True)
    try:
        yield
    finally:
        _MUTED.reset(token)


# --- Reading and marking them ------------------------------------------------------------


def notification_list(*, user: User) -> QuerySet[Notification]:
    """The user's own notifications, unread first, then newest first."""
    rows = policy.scope(user, "notification", Notification.objects.all())
    unread_first = Case(When(read_at__isnull=True, then=Value(0)), default=Value(1))
    return rows.filter(recipient_id=user.pk).order_by(unread_first, "-created_at", "-pk")


def unread_count(user: policy.Viewer) -> int:
    """How many notifications the user has not read (one query; 0 for a role without any)."""
    if not isinstance(user, User) or not receives_notifications(user):
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def notification_get(*, user: User, pk: int) -> Notification:
    """One of the user's own notifications; 404 for any other, another user's included."""
    row = notification_list(user=user).filter(pk=pk).first()
    if row is None:
        raise Http404("Notification introuvable.")
    return row


@transaction.atomic
def notification_mark_read(*, actor: User, pk: int) -> Notification:
    row = notification_get(user=actor, pk=pk)
    policy.require(actor, "notification", "change", row)
    if row.read_at is None:
        row.read_at = timezone.now()
        Notification.objects.filter(pk=row.pk, read_at__isnull=True).update(read_at=row.read_at)
    return row


@transaction.atomic
def notifications_mark_all_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    policy.require(actor, "notification", "change")
    return notification_list(user=actor).filter(read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def notification_preference_set(*, actor: User, value: str) -> User:
    """The actor's choice of mails: at each event, a daily digest or none. Refused in French
    (nothing written) for an unknown value, or for a role that receives no notification."""
    if not receives_notifications(actor):
        raise PermissionDenied(
            "Votre rôle ne reçoit aucune notification : il n'y a pas d'envoi par courriel à "
            "choisir."
        )
    policy.require(actor, "notification", "change")
    if value not in Preference.values:
        raise ValidationError(
            {
                "notification_mail": "Choisissez l'envoi des notifications par courriel : "
                + ", ".join(f"« {label} »" for label in Preference.labels)
                + "."
            }
        )
    user = User.objects.select_for_update().get(pk=actor.pk)
    if user.notification_mail != value:
        before = user.notification_mail
        user.notification_mail = value
        user.save(update_fields=["notification_mail"])
        audit(
            actor=actor,
            action="account.notification_mail",
            obj=user,
            summary=f"Notifications par courriel : {Preference(value).label}",
            data={"before": before, "after": value},
        )
        if value != Preference.DIGEST:
            # What waited for the digest follows the new choice: in the list only.
            Notification.objects.filter(recipient_id=user.pk, digest_pending=True).update(
                digest_pending=False
            )
    actor.notification_mail = user.notification_mail
    return user


# --- The daily digest --------------------------------------------------------------------


def digest_hour() -> int:
    return int(getattr(settings, "PACTE_DIGEST_HOUR", DIGEST_HOUR_DEFAULT))


def send_digests(*, now: datetime.datetime | None = None) -> int:
    """Queue today's digest of every user who has notifications waiting for it, from
    PACTE_DIGEST_HOUR (7 h by default). Run by the worker at each maintenance: it does nothing
    for a user whose digest of the day exists. Returns how many digests were queued.

    A digest is written in one transaction: its row (unique per user and day), its mail in the
    outbox and the marks of the notifications it lists. Two workers running it together, or a
    worker dying in the middle, leave one digest or none — never two."""
    now = now or timezone.now()
    local = timezone.localtime(now)
    if local.hour < digest_hour():
        return 0
    day = local.date()
    done = NotificationDigest.objects.filter(day=day).values("user_id")
    waiting = (
        Notification.objects.filter(digest_pending=True, created_at__lte=now)
        .exclude(recipient_id__in=done)
        .values_list("recipient_id", flat=True)
        .distinct()
    )
    return sum(_send_digest(user_id, day=day, now=now) for user_id in list(waiting))


def _send_digest(user_id: int, *, day: datetime.date, now: datetime.datetime) -> bool:
    try:
        with transaction.atomic():
            # The claim: a second digest of the day for this user breaks the unique constraint.
            digest = NotificationDigest.objects.create(user_id=user_id, day=day, created_at=now)
            user = User.objects.get(pk=user_id)
            waiting = Notification.objects.filter(
                recipient_id=user_id, digest_pending=True, created_at__lte=now
            )
            rows = list(waiting.filter(read_at__isnull=True).order_by("created_at", "pk"))
            waiting.update(digest_pending=False, digest=digest)
            if not rows or not user.is_active:
                return False
            digest.count = len(rows)
            digest.save(update_fields=["count"])
            items = [
                {
                    "row": row,
                    "label": kind_label(row.kind),
                    "when": format_date(timezone.localtime(row.created_at).date()),
                    "url": mail.absolute_url(row.url),
                }
                for row in rows
            ]
            count = format_integer(len(rows))
            what = f"{count} notification{'s' if len(rows) > 1 else ''} non lue"
            what += "s" if len(rows) > 1 else ""
            mail.mail_queue(
                kind="digest",
                recipients=[user.email],
                subject=mail.subject_line("", f"Résumé du {format_date(day)} : {what}"),
                template=DIGEST_TEMPLATE,
                context={
                    "user": user,
                    "day": format_date(day),
                    "items": items,
                    "what": what,
                    "list_url": mail.absolute_url(reverse("notifications")),
                    "account_url": mail.absolute_url(reverse("account")),
                },
            )
            return True
    except IntegrityError:
        # Another worker wrote this user's digest of the day; or the write failed, and nothing
        # of it is left: the next maintenance tries again.
        if not NotificationDigest.objects.filter(user_id=user_id, day=day).exists():
            logger.exception("Résumé quotidien de l'utilisateur %s non écrit", user_id)
        return False
