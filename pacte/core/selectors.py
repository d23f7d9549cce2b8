"""Reads of the core app, filtered by the user."""

import datetime

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from . import policy, settings_history
from .dates import local_datetime
from .models import ApiToken, AuditEvent, User


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    """The user's own API tokens, newest first: nobody lists another's tokens here."""
    tokens = policy.scope(user, "account", ApiToken.objects.all())
    return tokens.filter(user_id=user.pk).order_by("-created_at", "-pk")


def api_token_get(*, user: User, pk: int) -> ApiToken:
    """One of the user's own tokens; 404 for any other id, another user's token included."""
    token = api_token_list(user=user).filter(pk=pk).first()
    if token is None:
        raise Http404("Jeton introuvable.")
    return token


def settings_history_list(
    *,
    user: User | None,
    object_type: str = "",
    object_id: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> QuerySet[AuditEvent]:
    """The changes of settings, newest first (administrators only: `audit.read`): what the
    administration recorded (pacte.core.settings_history), and what the pages that set the fund
    recorded with its old and new values, for the tracked kinds of objects. `object_type` ("" for
    all), `object_id`, and the days `since` and `until` (included, Europe/Paris) narrow it."""
    events = policy.scope(user, "audit", AuditEvent.objects.all())
    types = (
        [object_type] if object_type else [label for label, _ in settings_history.tracked_types()]
    )
    events = events.filter(object_type__in=types).filter(
        Q(action__startswith="admin.") | Q(data__has_key="changes")
    )
    if object_id:
        events = events.filter(object_id=object_id)
    # A bound beyond anything recorded is no bound (a datetime of year 1 or 9999 in Paris
    # cannot be written in UTC).
    if since is not None and since.year > 1900:
        events = events.filter(at__gte=local_datetime(since))
    if until is not None and until.year < 9999:
        events = events.filter(at__lt=local_datetime(until + datetime.timedelta(days=1)))
    return events.select_related("actor").order_by("-at", "-pk")


def settings_history_of(*, user: User | None, obj: Model) -> QuerySet[AuditEvent]:
    """The changes of settings of one object, newest first (its history in the admin)."""
    return settings_history_list(
        user=user, object_type=obj._meta.label_lower, object_id=str(obj.pk)
    )
