"""Pacte's state of health, as a load balancer and a monitoring system poll it (`/sante/`).

Four or five checks, each « ok » or not with its figures:
- **the database** answers a query (and how long it took);
- **the background worker** is alive: at least one `pacte_worker` gave a sign of life within
  PACTE_TASK_STALE_SECONDS;
- **the queue** of background tasks does not lag: the oldest task waiting to run has been due
  for less than PACTE_HEALTH_QUEUE_MAX_WAIT seconds (mails waiting for a retry are counted apart);
- **the disk** that holds the documents keeps PACTE_HEALTH_MIN_FREE_MB free;
- with the documents in an object storage (pacte.core.media), **the storage** answers, and the
  disk checked is that of var/.

`web_health` is the part a load balancer needs to know whether a web process can serve: its
database. `health` is the whole, for monitoring. The figures are for the internal network or a
request bearing PACTE_HEALTH_TOKEN; anyone else gets the status alone (200 or 503)."""

from __future__ import annotations

import datetime
import hmac
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection
from django.db.models import Case, DateTimeField, F, When
from django.http import HttpRequest
from django.utils import timezone

from . import media, network, staleness
from .models import OutgoingMail, WorkerProcess

QUEUE_MAX_WAIT_DEFAULT = 600  # seconds
MIN_FREE_MB_DEFAULT = 1024


@dataclass
class Check:
    ok: bool
    message: str
    figures: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "message": self.message, **self.figures}


@dataclass
class Health:
    checks: dict[str, Check]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks.values())

    def summary(self) -> dict[str, Any]:
        """The status alone, as anyone may see it."""
        return {
            "statut": "ok" if self.ok else "en défaut",
            "date": timezone.localtime().isoformat(timespec="seconds"),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "verifications": {name: check.as_dict() for name, check in self.checks.items()},
        }


def may_see_details(request: HttpRequest) -> bool:
    """The checks' details are for the internal network (PACTE_INTERNAL_NETWORKS) or for a
    request with `Authorization: Bearer <PACTE_HEALTH_TOKEN>`."""
    if network.is_internal(request):
        return True
    token = str(getattr(settings, "PACTE_HEALTH_TOKEN", "") or "")
    given = request.META.get("HTTP_AUTHORIZATION", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def _database() -> Check:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return Check(False, f"la base de données ne répond pas : {type(exc).__name__}.")
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    return Check(True, "la base de données répond.", {"duree_ms": elapsed})


def _seconds_since(moment: datetime.datetime | None, now: datetime.datetime) -> float | None:
    return None if moment is None else round((now - moment).total_seconds(), 1)


def _worker(now: datetime.datetime) -> Check:
    alive = WorkerProcess.objects.filter(seen_at__gte=staleness.stale_limit(now))
    count = alive.count()
    last = WorkerProcess.objects.order_by("-seen_at").values_list("seen_at", flat=True).first()
    figures = {"vivants": count, "dernier_signe_de_vie_s": _seconds_since(last, now)}
    if count:
        return Check(True, f"{count} processus de fond en vie.", figures)
    return Check(
        False,
        "aucun processus de fond n'a donné signe de vie depuis "
        f"{staleness.stale_seconds():.0f} s : lancez ou relancez `manage.py pacte_worker`.",
        figures,
    )


def _queue(now: datetime.datetime) -> Check:
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.ready()
    count = waiting.count()
    # A task is due from its `run_after` when it was queued for later, else from its queuing
    # (django-tasks-db writes the largest date as the `run_after` of a task without delay).
    due = Case(
        When(run_after__lte=now, then=F("run_after")),
        default=F("enqueued_at"),
        output_field=DateTimeField(),
    )
    oldest = waiting.annotate(due=due).order_by("due").values_list("due", flat=True).first()
    wait = _seconds_since(oldest, now)
    mails = OutgoingMail.objects.filter(sent_at__isnull=True, abandoned_at__isnull=True).count()
    figures = {"taches_en_attente": count, "attente_max_s": wait, "courriels_a_envoyer": mails}
    limit = float(getattr(settings, "PACTE_HEALTH_QUEUE_MAX_WAIT", QUEUE_MAX_WAIT_DEFAULT))
    if wait is not None and wait > limit:
        return Check(
            False,
            f"la plus ancienne tâche attend depuis {wait:.0f} s (plus de {limit:.0f} s) : "
            "le processus de fond ne suit pas.",
            figures,
        )
    return Check(True, f"{count} tâche(s) en attente.", figures)


def _disk() -> Check:
    """The disk of the documents; with the documents in a bucket, that of var/ (temporary
    files, backups)."""
    local = media.is_local()
    folder = settings.MEDIA_ROOT if local else settings.VAR_DIR
    what = "le disque des documents" if local else "le disque de var/"
    # A fresh installation has no documents folder yet: its disk is that of its parent.
    existing = Path(folder)
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    try:
        usage = shutil.disk_usage(existing)
    except OSError:
        return Check(
            False,
            "le dossier des documents est inaccessible."
            if local
            else f"le dossier « {folder} » est inaccessible.",
        )
    free_mb = usage.free // (1024 * 1024)
    figures = {
        "libre_mio": free_mb,
        "libre_pourcent": round(100 * usage.free / usage.total, 1) if usage.total else 0,
    }
    minimum = int(getattr(settings, "PACTE_HEALTH_MIN_FREE_MB", MIN_FREE_MB_DEFAULT))
    if free_mb < minimum:
        return Check(
            False,
            f"il reste {free_mb} Mio sur {what} (moins de {minimum} Mio).",
            figures,
        )
    return Check(True, f"{free_mb} Mio libres sur {what}.", figures)


def _object_storage() -> Check:
    """The bucket of the documents answers to Pacte's keys."""
    started = time.perf_counter()
    try:
        cast(Any, default_storage).check_bucket()  # pacte.core.object_storage
    except media.object_storage_errors() as exc:
        return Check(
            False,
            f"le stockage des documents ({media.where()}) ne répond pas ou refuse l'accès : "
            f"{type(exc).__name__}.",
        )
    elapsed = round((time.perf_counter() - started) * 1000, 1)
    return Check(True, "le stockage des documents répond.", {"duree_ms": elapsed})


def web_health() -> Health:
    """What a load balancer asks of a web process: does its database answer?"""
    return Health({"base": _database()})


def health() -> Health:
    """Every check; those that read the database are skipped when it does not answer."""
    database = _database()
    checks = {"base": database}
    now = timezone.now()
    if database.ok:
        try:
            checks["processus_de_fond"] = _worker(now)
            checks["file"] = _queue(now)
        except DatabaseError as exc:
            checks["base"] = Check(
                False, f"la base de données a cessé de répondre : {type(exc).__name__}."
            )
    if not media.is_local():
        checks["stockage"] = _object_storage()
    checks["disque"] = _disk()
    return Health(checks)
