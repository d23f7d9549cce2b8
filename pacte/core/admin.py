from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db import models, router, transaction
from django.forms.models import BaseInlineFormSet, BaseModelFormSet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from . import policy, settings_history
from .audit import audit_many
from .models import ApiToken, AuditEvent, OutgoingMail, User, WorkerProcess
from .selectors import settings_history_of

if TYPE_CHECKING:  # the admin classes take no type arguments when the program runs
    _ModelAdmin = admin.ModelAdmin[Any]
    _HistoryBase = admin.ModelAdmin[Any]
    _UserAdmin = BaseUserAdmin[User]
    _GroupAdmin = BaseGroupAdmin
    _AuditEventAdmin = admin.ModelAdmin[AuditEvent]
else:
    _ModelAdmin = _AuditEventAdmin = admin.ModelAdmin
    _HistoryBase = object
    _UserAdmin = BaseUserAdmin
    _GroupAdmin = BaseGroupAdmin


def _admin_has_permission(request: HttpRequest) -> bool:
    """Only active users who administer Pacte (policy: user.change) enter the admin."""
    user = request.user
    return bool(user.is_authenticated and user.is_staff and policy.allows(user, "user", "change"))


# The default site, restricted in place (a method replaced on the instance).
admin.site.has_permission = _admin_has_permission  # type: ignore[method-assign]


# --- The history of what the administration changes ------------------------------------------

# The latest changes of an object shown in its history (all of them: the history of settings).
HISTORY_SHOWN = 100
# What a change form carries from `save_model` to `save_related`: the object's values before.
_BEFORE = "_pacte_history_before"
# …and the changes of its inlines, gathered by `save_formset`.
_RELATED = "_pacte_history_related"


def _actor(request: HttpRequest) -> User | None:
    user = request.user
    return user if isinstance(user, User) else None


class HistoryMixin(_HistoryBase):
    """Every change made through this admin page leaves an audit row (pacte.core.settings_history):
    who, when, which object, and each changed field's old and new values as users read them.
    Additions, changes (with the objects of its inlines), deletions one by one and by the
    « supprimer » action are recorded in the change's own transaction; the old values are read
    from the database before the save. A form refused as invalid saves, and records, nothing.
    Secret fields (`history_secret`, and any named like a password, a key or a token) are
    recorded as « modifié », never with their value."""

    # Fields never recorded (dates the system writes), and fields whose value is secret.
    history_exclude: tuple[str, ...] = ()
    history_secret: tuple[str, ...] = ()
    object_history_template = "core/admin_object_history.html"

    def __init__(self, model: type[models.Model], admin_site: admin.AdminSite) -> None:
        super().__init__(model, admin_site)
        settings_history.track(model)

    def _snapshot(self, pk: Any, *, lock: bool = False) -> dict[str, Any] | None:
        return settings_history.snapshot(self.model, pk, self.history_exclude, lock=lock)

    def _diff(
        self, before: dict[str, Any] | None, after: dict[str, Any] | None
    ) -> list[settings_history.Change]:
        return settings_history.diff(
            self.model, before, after, exclude=self.history_exclude, secret=self.history_secret
        )

    def save_model(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm[Any], change: bool
    ) -> None:
        setattr(form, _BEFORE, self._snapshot(obj.pk, lock=True) if change else None)
        setattr(form, _RELATED, [])
        super().save_model(request, obj, form, change)

    def save_formset(
        self,
        request: HttpRequest,
        form: forms.ModelForm[Any],
        formset: BaseModelFormSet[Any, Any],
        change: bool,
    ) -> None:
        model = formset.model
        if model is None:  # a formset of no model: nothing of Pacte's
            super().save_formset(request, form, formset, change)
            return
        fk = formset.fk if isinstance(formset, BaseInlineFormSet) else None
        exclude = [fk.name] if fk is not None else []
        # A deleted object has lost its id by the time the formset says it was deleted.
        ids = {id(f.instance): f.instance.pk for f in formset.initial_forms}
        before = settings_history.snapshots(model, ids.values(), exclude, lock=True)
        super().save_formset(request, form, formset, change)
        related: list[dict[str, Any]] = getattr(form, _RELATED, None) or []
        setattr(form, _RELATED, related)

        def entry(obj: models.Model, action: str, old: Any, new: Any) -> None:
            changes = settings_history.diff(model, old, new, exclude=exclude)
            if changes:
                related.append(settings_history.related_entry(obj, action, changes))

        for obj in formset.new_objects:
            entry(obj, "add", None, settings_history.snapshot(model, obj.pk, exclude))
        for obj, _names in formset.changed_objects:
            after = settings_history.snapshot(model, obj.pk, exclude)
            entry(obj, "change", before.get(obj.pk), after)
        for obj in formset.deleted_objects:
            entry(obj, "delete", before.get(ids.get(id(obj))), None)

    def save_related(
        self,
        request: HttpRequest,
        form: forms.ModelForm[Any],
        formsets: Any,
        change: bool,
    ) -> None:
        super().save_related(request, form, formsets, change)
        obj = form.instance
        settings_history.record(
            actor=_actor(request),
            action="change" if change else "add",
            obj=obj,
            changes=self._diff(getattr(form, _BEFORE, None), self._snapshot(obj.pk)),
            related=getattr(form, _RELATED, None) or [],
        )

    def _deletion(self, request: HttpRequest, obj: models.Model) -> AuditEvent | None:
        """The audit row of a deletion, made before it (the object still has its id and what
        it points to); saved once the object is deleted, in the same transaction."""
        related = []
        for inline in self.inlines:
            model = inline.model
            fk = next(
                (
                    f
                    for f in model._meta.fields
                    if f.is_relation
                    and f.related_model is self.model
                    and (inline.fk_name is None or f.name == inline.fk_name)
                ),
                None,
            )
            if fk is None:
                continue
            exclude = [fk.name]
            children = model._base_manager.filter(**{fk.name: obj.pk}).order_by("pk")
            for child in children:
                before = settings_history.snapshot(model, child.pk, exclude)
                changes = settings_history.diff(model, before, None, exclude=exclude)
                related.append(settings_history.related_entry(child, "delete", changes))
        return settings_history.event(
            actor=_actor(request),
            action="delete",
            obj=obj,
            changes=self._diff(self._snapshot(obj.pk, lock=True), None),
            related=related,
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        row = self._deletion(request, obj)
        super().delete_model(request, obj)
        if row is not None:
            row.save()

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        # The « supprimer les … sélectionnés » action: one transaction, one row per object.
        with transaction.atomic(using=router.db_for_write(self.model)):
            rows = [self._deletion(request, obj) for obj in queryset]
            super().delete_queryset(request, queryset)
            audit_many([row for row in rows if row is not None])

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Django's history of the object, with the changes the audit log holds for it."""
        response = super().history_view(request, object_id, extra_context)
        if isinstance(response, TemplateResponse) and isinstance(response.context_data, dict):
            obj = response.context_data.get("object")
            if isinstance(obj, models.Model):
                events = settings_history_of(user=_actor(request), obj=obj)
                shown = list(events[:HISTORY_SHOWN])
                total = len(shown) if len(shown) < HISTORY_SHOWN else events.count()
                response.context_data.update(
                    settings_events=[
                        {
                            "row": row,
                            "when": settings_history.format_datetime(row.at),
                            "who": settings_history.who(row),
                            "verb": settings_history.action_label(row.action),
                            "details": settings_history.details(row),
                        }
                        for row in shown
                    ],
                    settings_events_total=total,
                    settings_events_more=total > len(shown),
                )
        return response


class HistoryAdmin(HistoryMixin, _ModelAdmin):
    """A ModelAdmin whose changes are recorded, field by field (see HistoryMixin)."""


@admin.register(User)
class UserAdmin(HistoryMixin, _UserAdmin):
    # The dates of the last login and of the account's creation are the system's.
    history_exclude = ("last_login", "date_joined")
    list_display = ["username", "last_name", "first_name", "email", "role", "partner", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email"]
    autocomplete_fields = ["partner", "councillor"]
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),  # Django's own, never None
        ("Rôle dans Pacte", {"fields": ("role", "partner", "councillor")}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (
            "Rôle dans Pacte",
            {"fields": ("role", "partner", "councillor", "email", "first_name", "last_name")},
        ),
    )

    def save_model(
        self, request: HttpRequest, obj: User, form: forms.ModelForm[User], change: bool
    ) -> None:
        # Those who administer Pacte (the policy's capability) have the Django admin, alone.
        administers = obj.role in policy.ADMINISTER.roles
        obj.is_staff = obj.is_superuser = administers
        super().save_model(request, obj, form, change)

    def user_change_password(
        self, request: HttpRequest, id: str, form_url: str = ""
    ) -> HttpResponse:
        """The password form: its change is recorded as « mot de passe modifié », in the same
        transaction (the hash itself never)."""
        if request.method != "POST":
            return super().user_change_password(request, id, form_url)
        with transaction.atomic(using=router.db_for_write(User)):
            user = self.get_object(request, unquote(id))
            pk = user.pk if user is not None else None
            before = self._snapshot(pk, lock=True)
            response = super().user_change_password(request, id, form_url)
            if user is not None:
                settings_history.record(
                    actor=_actor(request),
                    action="change",
                    obj=user,
                    changes=self._diff(before, self._snapshot(pk)),
                )
        return response


if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(HistoryMixin, _GroupAdmin):
    """Django's groups (Pacte's rights come from roles): their changes are recorded too."""


@admin.register(AuditEvent)
class AuditEventAdmin(_AuditEventAdmin):
    list_display = ["at", "actor", "action", "summary"]
    list_filter = ["action"]
    search_fields = ["summary", "object_id"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(HistoryAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    # A token's scope and validity are chosen by its owner; the administrator may only revoke.
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "scope",
        "created_at",
        "expires_at",
        "last_used_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(OutgoingMail)
class OutgoingMailAdmin(HistoryAdmin):
    """What was sent, what waits for the mail server and why (pacte.core.mail): read only."""

    # A message may carry a link that logs in or sets a password: its text is never recorded.
    history_secret = ("body",)

    list_display = ["created_at", "kind", "reference", "subject", "attempts", "status"]
    list_filter = ["kind"]
    search_fields = ["reference", "subject"]
    readonly_fields = [f.name for f in OutgoingMail._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: OutgoingMail | None = None) -> bool:
        return False


@admin.register(WorkerProcess)
class WorkerProcessAdmin(HistoryAdmin):
    """The background workers and their last sign of life (pacte.core.worker): read only."""

    list_display = ["hostname", "pid", "worker_id", "started_at", "seen_at"]
    readonly_fields = [f.name for f in WorkerProcess._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: WorkerProcess | None = None) -> bool:
        return False
