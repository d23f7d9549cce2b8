"""A councillor's sittings as an iCalendar feed (RFC 5545), for his diary: one event per
sitting, in UTC, with its place and agenda. The feed's address carries a key signed for the
user, which a change of his password revokes."""

import datetime
import hashlib
from collections.abc import Iterable

from django.core import signing
from django.utils import timezone

from pacte.core.models import User

from .models import Sitting

SALT = "pacte.assembly.calendar"
# A sitting with no closing time recorded: shown as three hours long.
DEFAULT_LENGTH = datetime.timedelta(hours=3)
DEFAULT_OPENING = datetime.time(10, 0)


def _password_mark(user: User) -> str:
    return hashlib.sha256(f"{user.pk}:{user.password}".encode()).hexdigest()[:16]


def calendar_key(user: User) -> str:
    return signing.Signer(salt=SALT).sign(f"{user.pk}.{_password_mark(user)}")


def user_for_key(key: str) -> User | None:
    """The active élu the key was made for, if still valid (else None)."""
    try:
        value = signing.Signer(salt=SALT).unsign(key)
        pk, mark = value.split(".", 1)
        user = User.objects.filter(pk=int(pk), is_active=True, councillor__isnull=False).first()
    except (signing.BadSignature, ValueError):
        return None
    if user is None or _password_mark(user) != mark:
        return None
    return user


def _escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
    )


def _fold(line: str) -> str:
    """Lines of 75 octets at most, continued by a space (RFC 5545, 3.1)."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, current = [], b""
    for char in line:
        piece = char.encode()
        if len(current) + len(piece) > (75 if not parts else 74):
            parts.append(current.decode())
            current = b""
        current += piece
    parts.append(current.decode())
    return "\r\n ".join(parts)


def _utc(day: datetime.date, time: datetime.time) -> str:
    moment = timezone.make_aware(datetime.datetime.combine(day, time))
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def ics(sittings: Iterable[Sitting], *, host: str, url_for) -> str:
    """The calendar of `sittings`; `url_for(sitting)` is the absolute address of its page."""
    now = timezone.now().astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Pacte//Séances de l'assemblée//FR",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:Séances — Pacte",
    ]
    for sitting in sittings:
        opening = sitting.opened_at or DEFAULT_OPENING
        start = datetime.datetime.combine(sitting.held_on, opening)
        end = (
            datetime.datetime.combine(sitting.held_on, sitting.closed_at)
            if sitting.closed_at and sitting.closed_at > opening
            else start + DEFAULT_LENGTH
        )
        agenda = "\n".join(f"Rapport n°{r.number} : {r.title}" for r in sitting.reports.all())
        lines += [
            "BEGIN:VEVENT",
            f"UID:seance-{sitting.pk}@{host}",
            f"DTSTAMP:{now}",
            f"DTSTART:{_utc(sitting.held_on, opening)}",
            f"DTEND:{_utc(end.date(), end.time())}",
            f"SUMMARY:{_escape(str(sitting.get_body_display()))}",
            f"LOCATION:{_escape(sitting.place)}",
            f"DESCRIPTION:{_escape(agenda or 'Ordre du jour à venir.')}",
            f"URL:{url_for(sitting)}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
