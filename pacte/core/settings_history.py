"""The history of settings: what the administration (and the pages that set the fund) change,
field by field, with the old and new values as users read them, in the audit log.

A change is one `AuditEvent` (action `admin.add`, `admin.change`, `admin.delete`, or a service's
own action) whose `data` holds:

- `model`, `object`: the object's kind and name as they read when the change was made;
- `actor_name`: who made it (kept when the account is deleted later);
- `changes`: one entry per field, `{"field", "label", "old", "new"}` (values as displayed:
  choices by their label, money and dates in French, links by the name of what they point to;
  `old` is None for an addition, `new` None for a deletion); a secret field (a password, a key,
  a token…) is `{"field", "label", "secret": true}` and never holds a value;
- `related`: the changes of the objects edited with it (the admin's inlines), each
  `{"model", "object", "action", "changes"}`.

`describe` writes an event as one French line: « 30/11/2026 à 15 h 04 — Claire Martin a modifié
la génération « 2023-2026 » : avance maximale (% de la subvention) 30 % → 25 % »."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any, TypeAlias

from django.db import models
from django.utils import timezone, translation

from .audit import audit, audit_event
from .french import NBSP, NNBSP, format_date, format_decimal, format_integer, format_money
from .french import format_time as _format_time
from .models import AuditEvent, User
from .money import MONEY_MAX_DIGITS

# One field's change, as stored in the event's data.
Change: TypeAlias = dict[str, Any]
# A field's value as the database holds it (a tuple of ids for a many-to-many field).
Raw: TypeAlias = Any

EMPTY = "(vide)"
SECRET_CHANGED = "modifié"
# Fields whose value is never recorded, whatever the model: passwords, keys, tokens, secrets.
SECRET_NAMES = re.compile(r"password|secret|digest|token|otp|private|key", re.IGNORECASE)
# A value longer than this is cut (a long text): the history says what changed, not the text.
MAX_SHOWN = 300

ADMIN_ACTIONS = {"add": "admin.add", "change": "admin.change", "delete": "admin.delete"}
VERBS = {"add": "a créé", "create": "a créé", "delete": "a supprimé"}
RELATED_ACTIONS = {"add": "ajout", "delete": "suppression"}
# The units a verbose name ends with: the value carries them instead (« 2 ans », « 90 jours »).
UNITS = {"(€)": "money", "(années)": "years", "(jours)": "days", "(mois)": "months"}
UNIT_WORDS = {"years": ("an", "ans"), "days": ("jour", "jours"), "months": ("mois", "mois")}
# The first word of a feminine object's name (« la génération », « la séance »).
FEMININE = {
    "autorisation",
    "commission",
    "commune",
    "délibération",
    "génération",
    "identité",
    "intercommunalité",
    "orientation",
    "permission",
    "présence",
    "révision",
    "séance",
}

# The models whose changes the administration records (label → name), filled as their admin
# classes are registered: the history page filters by them.
TRACKED: dict[str, str] = {}


def track(model: type[models.Model]) -> None:
    with translation.override("fr"):
        TRACKED[model._meta.label_lower] = str(model._meta.verbose_name)


def tracked_types() -> list[tuple[str, str]]:
    """(label, name) of the tracked models, by name."""
    return sorted(TRACKED.items(), key=lambda item: item[1])


# --- Reading a model's fields -----------------------------------------------------------------


def fields(model: type[models.Model], exclude: Iterable[str] = ()) -> list[models.Field[Any, Any]]:
    """The fields whose changes are recorded: every stored field and many-to-many field but the
    primary key and the dates written by the database itself (auto_now…)."""
    excluded = set(exclude)
    found: list[models.Field[Any, Any]] = []
    for field in [*model._meta.concrete_fields, *model._meta.many_to_many]:
        if not isinstance(field, models.Field) or field.primary_key or field.name in excluded:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            continue
        found.append(field)
    return found


def is_secret(field: models.Field[Any, Any], secret: Iterable[str] = ()) -> bool:
    return field.name in set(secret) or bool(SECRET_NAMES.search(field.name))


def snapshot(
    model: type[models.Model], pk: Any, exclude: Iterable[str] = (), *, lock: bool = False
) -> dict[str, Raw] | None:
    """The object's values as the database holds them now (None when it does not exist). Read
    before a change, in its transaction (`lock`: its row locked until the change is written),
    and again after it."""
    if pk is None:
        return None
    rows = model._base_manager.filter(pk=pk)
    obj = (rows.select_for_update() if lock else rows).first()
    if obj is None:
        return None
    values: dict[str, Raw] = {}
    for field in fields(model, exclude):
        if field.many_to_many:
            related = getattr(obj, field.name).values_list("pk", flat=True)
            values[field.name] = tuple(sorted(related))
        else:
            value = getattr(obj, field.attname)
            if isinstance(value, models.fields.files.FieldFile):
                value = value.name or ""
            values[field.name] = value
    return values


def snapshots(
    model: type[models.Model],
    pks: Iterable[Any],
    exclude: Iterable[str] = (),
    *,
    lock: bool = False,
) -> dict[Any, dict[str, Raw]]:
    found = {}
    for pk in pks:
        values = snapshot(model, pk, exclude, lock=lock)
        if values is not None:
            found[pk] = values
    return found


# --- Values as users read them ------------------------------------------------------------------


def label(field: models.Field[Any, Any]) -> str:
    """The field's name, without the unit its values now carry: « plafond de subvention par
    opération » (its values in euros)."""
    with translation.override("fr"):
        name = str(field.verbose_name)
    for unit in UNITS:
        if name.endswith(f" {unit}"):
            return name[: -len(unit) - 1]
    return name


def _unit(field: models.Field[Any, Any]) -> str:
    name = str(field.verbose_name)
    for suffix, unit in UNITS.items():
        if name.endswith(f" {suffix}"):
            return unit
    if "(%" in name:
        return "percent"
    return ""


def _number(value: Decimal | int) -> str:
    """30 (not 30,00), 12,5: a figure with the decimals it has."""
    number = Decimal(value)
    if number == number.to_integral_value():
        return format_integer(int(number))
    exponent = number.normalize().as_tuple().exponent
    return format_decimal(number, -exponent if isinstance(exponent, int) else 2)


def _cut(text: str) -> str:
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def format_datetime(value: Any) -> str:
    """30/11/2026 à 15 h 04 (Europe/Paris)."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{format_date(local.date())} à {_format_time(local)}"


def shown(field: models.Field[Any, Any], raw: Raw) -> str:
    """A value as the pages show it: a choice by its label, money in French, a date as
    26/09/2022, a link by the name of what it points to, « oui » or « non »."""
    with translation.override("fr"):
        return _cut(_shown(field, raw))


def _shown(field: models.Field[Any, Any], raw: Raw) -> str:
    related = field.related_model
    if field.many_to_many and isinstance(related, type):
        names = sorted(str(obj) for obj in related._base_manager.filter(pk__in=raw or ()))
        return ", ".join(names) or EMPTY
    if raw is None or raw == "":
        return EMPTY
    if field.is_relation and isinstance(related, type):
        target = related._base_manager.filter(pk=raw).first()
        return str(target) if target is not None else f"n°{NBSP}{raw} (supprimé)"
    if field.choices:
        return str(dict(field.flatchoices).get(raw, raw))
    if isinstance(field, models.BooleanField):
        return "oui" if raw else "non"
    unit = _unit(field)
    if isinstance(raw, Decimal | int) and not isinstance(raw, bool):
        if unit == "money" or _is_money(field):
            return format_money(raw)
        if unit == "percent":
            return f"{_number(raw)}{NBSP}%"
        if unit in UNIT_WORDS:
            one, many = UNIT_WORDS[unit]
            return f"{_number(raw)}{NBSP}{one if Decimal(raw).copy_abs() < 2 else many}"
        return _number(raw)
    if isinstance(field, models.DateTimeField):
        return format_datetime(raw)
    if isinstance(field, models.DateField):
        return format_date(raw)
    if isinstance(field, models.TimeField):
        return _format_time(raw)
    if isinstance(field, models.FileField):
        return PurePosixPath(str(raw)).name
    if isinstance(field, models.JSONField):
        return json.dumps(raw, ensure_ascii=False)
    return str(raw)


def _is_money(field: models.Field[Any, Any]) -> bool:
    """A `MoneyField` (pacte.core.money): a decimal field of its size, to the cent."""
    return (
        isinstance(field, models.DecimalField)
        and field.decimal_places == 2
        and field.max_digits == MONEY_MAX_DIGITS
    )


def _is_text(field: models.Field[Any, Any]) -> bool:
    return (
        isinstance(field, models.CharField | models.TextField)
        and not field.choices
        and not field.is_relation
    )


def change(
    label: str, old: str | None, new: str | None, *, field: str = "", text: bool = False
) -> Change:
    """One field's change, its values already as users read them (for the services that record
    a setting's change themselves: the AP's revision)."""
    return {"field": field, "label": label, "old": old, "new": new, "text": text}


def diff(
    model: type[models.Model],
    before: dict[str, Raw] | None,
    after: dict[str, Raw] | None,
    *,
    exclude: Iterable[str] = (),
    secret: Iterable[str] = (),
) -> list[Change]:
    """The changes from `before` to `after` (None: the object did not exist, or no longer
    does), field by field, in the model's order. An addition lists what is filled in, a
    deletion what was."""
    changes: list[Change] = []
    for field in fields(model, exclude):
        old = before.get(field.name) if before is not None else None
        new = after.get(field.name) if after is not None else None
        if before is not None and after is not None and old == new:
            continue
        if before is None or after is None:
            value = new if before is None else old
            if value in (None, "", ()):
                continue
        if is_secret(field, secret):
            if after is None:  # a deletion: nothing to say of a secret
                continue
            changes.append({"field": field.name, "label": label(field), "secret": True})
            continue
        changes.append(
            change(
                label(field),
                shown(field, old) if before is not None else None,
                shown(field, new) if after is not None else None,
                field=field.name,
                text=_is_text(field),
            )
        )
    return changes


# --- Recording ---------------------------------------------------------------------------------


def _name(obj: models.Model) -> str:
    with translation.override("fr"):
        return str(obj)[:200]


def _model_name(model: type[models.Model]) -> str:
    with translation.override("fr"):
        return str(model._meta.verbose_name)


def related_entry(obj: models.Model, action: str, changes: list[Change]) -> dict[str, Any]:
    """The changes of an object edited with another (an inline of the admin)."""
    return {
        "model": _model_name(type(obj)),
        "object": _name(obj),
        "action": action,
        "changes": changes,
    }


def data(
    obj: models.Model,
    actor: User | None,
    changes: list[Change],
    related: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The event's data for a change of `obj` (see the module's docstring)."""
    return {
        "model": _model_name(type(obj)),
        "object": _name(obj),
        "actor_name": _actor_name(actor),
        "changes": changes,
        "related": list(related),
    }


def _actor_name(actor: User | None) -> str:
    if actor is None:
        return ""
    return str(actor) or actor.get_username()


def event(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    changes: list[Change],
    related: Sequence[dict[str, Any]] = (),
) -> AuditEvent | None:
    """The audit row of an administration change, not saved yet; None when nothing changed.
    `action`: "add", "change" or "delete"."""
    if not changes and not related:
        return None
    row = audit_event(
        actor=actor,
        action=ADMIN_ACTIONS[action],
        obj=obj,
        summary="",
        data=data(obj, actor, changes, related),
    )
    row.summary = _cut_summary(describe_what(row))
    return row


def record(
    *,
    actor: User | None,
    action: str,
    obj: models.Model,
    changes: list[Change],
    related: Sequence[dict[str, Any]] = (),
) -> AuditEvent | None:
    """Record an administration change in the audit log (inside its transaction); nothing when
    nothing changed."""
    row = event(actor=actor, action=action, obj=obj, changes=changes, related=related)
    if row is None:
        return None
    return audit(actor=actor, action=row.action, obj=obj, summary=row.summary, data=row.data)


def _cut_summary(text: str) -> str:
    return text if len(text) <= 255 else text[:254] + "…"


# --- Writing an event as a line ----------------------------------------------------------------


def article(name: str) -> str:
    """« la génération », « l'autorisation », « le partenaire », « les crédits »."""
    first = name.split(" ", 1)[0].lower()
    if first.endswith(("s", "x")) and first not in {"mois", "fonds", "pouvoir"}:
        return "les "
    if first[:1] in "aâàeéèêiîoôuûhy":
        return "l'"
    return "la " if first in FEMININE else "le "


def quoted(text: str) -> str:
    return f"«{NBSP}{text}{NBSP}»"


def _value(value: str | None, text: bool) -> str:
    if value is None or value == EMPTY or not text:
        return value or EMPTY
    return quoted(value)


def change_text(entry: Change, action: str = "change") -> str:
    """« avance maximale (% de la subvention) 30 % → 25 % », « mot de passe modifié »."""
    name = entry.get("label", "")
    if entry.get("secret"):
        return f"{name} {SECRET_CHANGED}"
    text = bool(entry.get("text"))
    old, new = entry.get("old"), entry.get("new")
    if old is None:
        return f"{name} {_value(new, text)}"
    if new is None:
        return (
            f"{name} {_value(old, text)}"
            if action == "delete"
            else f"{name} {_value(old, text)} → {EMPTY}"
        )
    return f"{name} {_value(old, text)} → {_value(new, text)}"


def _changes_text(changes: Iterable[Change], action: str) -> str:
    return f"{NNBSP}; ".join(change_text(entry, action) for entry in changes)


def related_text(entry: dict[str, Any]) -> str:
    """« ajout : orientation « Transition » (intitulé …) », « pacte « X » : ordre 1 → 2 »."""
    action = entry.get("action", "change")
    what = f"{entry.get('model', '')} {quoted(str(entry.get('object', '')))}"
    details = ", ".join(change_text(c, action) for c in entry.get("changes", []))
    if action in RELATED_ACTIONS:
        head = f"{RELATED_ACTIONS[action]}{NBSP}: {what}"
        return f"{head} ({details})" if details and action == "add" else head
    return f"{what}{NBSP}: {details}"


def verb(action: str) -> str:
    return VERBS.get(action.rpartition(".")[2], "a modifié")


def who(row: AuditEvent) -> str:
    recorded = row.data.get("actor_name") if isinstance(row.data, dict) else None
    if recorded:
        return str(recorded)
    if row.actor_id is not None and row.actor is not None:
        return _actor_name(row.actor)
    return "Le système"


def describe_what(row: AuditEvent) -> str:
    """« Claire Martin a modifié la génération « 2023-2026 » : … » (without the date)."""
    info = row.data if isinstance(row.data, dict) else {}
    model = str(info.get("model") or row.object_type)
    name = str(info.get("object") or row.object_id)
    action = row.action.rpartition(".")[2]
    line = f"{who(row)} {verb(row.action)} {article(model)}{model} {quoted(name)}"
    parts = []
    changes = info.get("changes") or []
    if changes:
        parts.append(_changes_text(changes, action))
    parts += [related_text(entry) for entry in info.get("related") or []]
    if parts:
        line += f"{NBSP}: " + f"{NNBSP}; ".join(parts)
    return line


def describe(row: AuditEvent) -> str:
    """« 30/11/2026 à 15 h 04 — Claire Martin a modifié la génération « 2023-2026 » : avance
    maximale (% de la subvention) 30 % → 25 % »."""
    return f"{format_datetime(row.at)} — {describe_what(row)}"


def details(row: AuditEvent) -> list[str]:
    """The event's changes, one line each (the admin's history of one object)."""
    info = row.data if isinstance(row.data, dict) else {}
    action = row.action.rpartition(".")[2]
    lines = [change_text(entry, action) for entry in info.get("changes") or []]
    lines += [related_text(entry) for entry in info.get("related") or []]
    return lines


def action_label(action: str) -> str:
    """« création », « modification », « suppression »."""
    suffix = action.rpartition(".")[2]
    if suffix in {"add", "create"}:
        return "création"
    if suffix == "delete":
        return "suppression"
    return "modification"
