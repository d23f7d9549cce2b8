"""Workflows declared in one place: states, named transitions, guards, and a history row each.

A model with a workflow declares its states (TextChoices) and a `Workflow` listing the
transitions as the business names them. `Workflow.apply` is the only code that writes the
state field: it locks the row, checks the current state and the actor's role, writes the new
state, records the history row (who, when, from, to, why) and an audit row, in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models, transaction

from . import policy
from .audit import audit_event, audit_many
from .bulk import insert_many
from .french import of

if TYPE_CHECKING:
    from .models import AuditEvent, User


class TransitionRefused(ValidationError):
    """A transition that the current state or the data does not allow, explained in French."""


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    target: str
    # Who may make the move: a capability or several (see pacte.core.policy).
    allowed: policy.Capability | tuple[policy.Capability, ...] | list[policy.Capability]
    reason_required: bool = False
    # Extra checks on the object before the move; each returns messages ("" or [] when fine).
    checks: tuple[Callable[[models.Model], str | list[str]], ...] = field(default_factory=tuple)

    @property
    def capabilities(self) -> tuple[policy.Capability, ...]:
        allowed = self.allowed
        return tuple(allowed) if isinstance(allowed, tuple | list) else (allowed,)

    @property
    def roles(self) -> frozenset[str]:
        return frozenset[str]().union(*(c.roles for c in self.capabilities))


class Workflow:
    def __init__(
        self,
        *,
        kind: str,
        state_field: str,
        states: type[models.TextChoices],
        transitions: Iterable[Transition],
        history_model: str,
        history_fk: str,
    ) -> None:
        self.kind = kind
        self.state_field = state_field
        self.states = states
        self.transitions = {t.name: t for t in transitions}
        self.history_model = history_model
        self.history_fk = history_fk
        policy.register_workflow(self)

    def name(self, name: str) -> str:
        """`name`, checked to be a transition of this workflow when the module declaring it
        loads: a transition name read elsewhere (history rows are filtered by it) is a
        constant from `name`, never a literal, so that a renamed transition fails at start-up
        rather than matching nothing."""
        if name not in self.transitions:
            raise ImproperlyConfigured(f"{self.kind}: no transition named {name!r}.")
        return name

    def state_label(self, value: str) -> str:
        return self.states(value).label

    def available(self, obj: models.Model, user: policy.Viewer) -> list[Transition]:
        state = getattr(obj, self.state_field)
        return [
            t
            for t in self.transitions.values()
            if state in t.sources and policy.allows(user, self.kind, t.name, obj)
        ]

    def _transition(self, name: str, actor: User | None) -> Transition:
        transition = self.transitions.get(name)
        if transition is None:
            raise TransitionRefused(f"Action inconnue : « {name} ».")
        if actor is None:
            raise PermissionDenied(f"Identifiez-vous pour {transition.label.lower()}.")
        return transition

    @staticmethod
    def _reason(transition: Transition, reason: str) -> str:
        reason = (reason or "").strip()
        if transition.reason_required and not reason:
            raise TransitionRefused(f"Indiquez le motif pour {transition.label.lower()}.")
        return reason

    def _move(
        self, locked: models.Model, transition: Transition, updates: dict[str, object]
    ) -> str:
        """Check the locked row's state, set `updates` and the new state on it (unsaved) after
        the transition's checks; the state it left."""
        current: str = getattr(locked, self.state_field)
        if current not in transition.sources:
            raise TransitionRefused(
                f"Impossible {of(transition.label.lower())} : l'état actuel est "
                f"« {self.state_label(current)} »."
            )
        model = type(locked)
        for attribute, value in updates.items():
            field_ = model._meta.get_field(attribute)
            if isinstance(field_, models.Field) and not field_.is_relation:
                value = field_.to_python(value)
            setattr(locked, attribute, value)
        problems = []
        for check in transition.checks:
            found = check(locked)
            problems += found if isinstance(found, list) else [found] if found else []
        if problems:
            raise TransitionRefused(problems)
        setattr(locked, self.state_field, transition.target)
        return current

    def _history_row(
        self,
        locked: models.Model,
        transition: Transition,
        current: str,
        *,
        actor: User | None,
        reason: str,
    ) -> tuple[HistoryRow, AuditEvent]:
        """The history row and the audit row of a move, unsaved."""
        from django.apps import apps

        history: HistoryRow = apps.get_model(self.history_model)(
            **{self.history_fk: locked},
            actor=actor,
            transition=transition.name,
            from_state=current,
            to_state=transition.target,
            reason=reason,
        )
        event = audit_event(
            actor=actor,
            action=f"{type(locked)._meta.model_name}.{transition.name}",
            obj=locked,
            summary=f"{transition.label} — {locked}",
            data={"from": current, "to": transition.target, "reason": reason},
        )
        return history, event

    def apply(
        self,
        obj: models.Model,
        name: str,
        *,
        actor: User | None,
        reason: str = "",
        **updates: object,
    ) -> HistoryRow:
        """Move `obj` through transition `name`; `updates` are fields set in the same write."""
        transition = self._transition(name, actor)
        policy.require(actor, self.kind, name, obj)
        reason = self._reason(transition, reason)
        model = type(obj)
        with transaction.atomic():
            locked = model._default_manager.select_for_update().get(pk=obj.pk)
            current = self._move(locked, transition, updates)
            locked.save(update_fields=[self.state_field, *updates.keys()])
            history, event = self._history_row(
                locked, transition, current, actor=actor, reason=reason
            )
            history.save()
            event.save()
        for attribute in [self.state_field, *updates.keys()]:
            setattr(obj, attribute, getattr(locked, attribute))
        return history

    def create_many(
        self,
        objects: Sequence[models.Model],
        name: str,
        *,
        actor: User | None,
        reasons: Sequence[str],
        insert: Callable[[list[models.Model]], object],
    ) -> None:
        """Create new objects (imports of many rows) already moved through transition `name`
        from their initial state: each passes the transition's rights, reason and checks, gets
        its history and audit rows as with `apply`, and is inserted once, in its new state, by
        `insert` (which gives it its id). One refusal refuses them all."""
        transition = self._transition(name, actor)
        if not objects:
            return
        model = type(objects[0])
        state_field = model._meta.get_field(self.state_field)
        if not isinstance(state_field, models.Field):
            raise ImproperlyConfigured(f"{self.kind}: the state is not a column.")
        initial = state_field.get_default()
        currents, checked_reasons = [], []
        for obj, reason in zip(objects, reasons, strict=True):
            policy.require(actor, self.kind, name, obj)
            checked_reasons.append(self._reason(transition, reason))
            setattr(obj, self.state_field, initial)
            currents.append(self._move(obj, transition, {}))
        with transaction.atomic():
            insert(list(objects))
            histories, events = [], []
            for obj, current, reason in zip(objects, currents, checked_reasons, strict=True):
                history, event = self._history_row(
                    obj, transition, current, actor=actor, reason=reason
                )
                histories.append(history)
                events.append(event)
            insert_many(histories)
            audit_many(events)


class HistoryRow(models.Model):
    """Base of the history rows of a workflow: who, when, from, to, why."""

    at = models.DateTimeField("date", auto_now_add=True)
    actor = models.ForeignKey(
        "core.User", verbose_name="auteur", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    transition = models.CharField("action", max_length=32)
    from_state = models.CharField("état de départ", max_length=32)
    to_state = models.CharField("état d'arrivée", max_length=32)
    reason = models.TextField("motif", blank=True)

    class Meta:
        abstract = True
        ordering = ["at", "id"]
