"""Every read of the history import: the generations an import may fill, and the imports."""

from django.db.models import QuerySet
from django.http import Http404

from pacte.contracts.models import Generation
from pacte.core import policy
from pacte.core.ids import valid_id
from pacte.core.models import User

from .models import HistoryImport


def history_generations(*, user: policy.Viewer) -> QuerySet[Generation]:
    """The past generations an import may fill (for those who may import)."""
    policy.require(user, "history_import", "create")
    return policy.scope(
        user, "generation", Generation.objects.filter(is_history=True).order_by("-period_start")
    )


def history_import_list(*, user: policy.Viewer) -> QuerySet[HistoryImport]:
    return policy.scope(
        user,
        "history_import",
        HistoryImport.objects.select_related("generation", "requested_by").order_by(
            "-requested_at", "-pk"
        ),
    )


def history_import_get(*, user: policy.Viewer, pk: int | str) -> HistoryImport:
    # Database ids are 64-bit: a larger number designates nothing.
    value = valid_id(pk)
    if value is None:
        raise Http404("Import introuvable.")
    try:
        return history_import_list(user=user).get(pk=value)
    except HistoryImport.DoesNotExist as exc:
        raise Http404("Import introuvable.") from exc


def past_generation(label: str = "") -> Generation | None:
    """The past generation of that period (« 2019-2022 »), or the latest past generation."""
    past = Generation.objects.filter(is_history=True).order_by("-period_start")
    if label:
        return next((g for g in past if g.period_label == label), None)
    return past.first()


def default_generation() -> Generation | None:
    return past_generation()


def history_importer(username: str = "") -> User | None:
    """The active user of that name, or the first active administrator (management command);
    whether they may import is the service's to say."""
    users = User.objects.filter(is_active=True)
    if username:
        return users.filter(username=username).first()
    return users.filter(role__in=policy.ADMINISTER.roles).order_by("pk").first()
