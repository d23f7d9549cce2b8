"""Stored files that no row references (written by a transaction whose process was killed before
it ended): listed, and removed with --delete. The files of the media folder or the objects of
the bucket, whichever stores them (pacte.core.media)."""

import datetime

from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import models
from django.utils import timezone

from pacte.core import media


def referenced_names() -> set[str]:
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                values = model._default_manager.exclude(**{field.name: ""}).values_list(
                    field.name, flat=True
                )
                names.update(v for v in values.iterator() if v)
    return names


def orphans(older_than: datetime.timedelta) -> list[str]:
    """Stored files no row names, last modified more than `older_than` ago (a file younger
    than that may belong to a transaction still running)."""
    known = referenced_names()
    limit = timezone.now() - older_than
    return [
        name
        for name in media.names()
        if name not in known and default_storage.get_modified_time(name) < limit
    ]


class Command(BaseCommand):
    help = (
        "Liste les fichiers stockés (dossier des médias ou compartiment du stockage objet) "
        "qu'aucun enregistrement ne référence (écrits par une transaction interrompue) ; "
        "--delete les supprime."
    )

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="supprimer ces fichiers")
        parser.add_argument(
            "--older-than",
            type=int,
            default=60,
            help="ne considérer que les fichiers plus vieux que ce nombre de minutes (60)",
        )

    def handle(self, *args, delete=False, older_than=60, **options):
        try:
            found = orphans(datetime.timedelta(minutes=max(older_than, 0)))
            for name in found:
                self.stdout.write(name)
                if delete:
                    default_storage.delete(name)
        except media.storage_errors() as exc:
            raise CommandError(
                f"Le stockage des documents ({media.where()}) ne répond pas ou refuse l'accès "
                f"({type(exc).__name__} : {exc})."
            ) from exc
        verb = "supprimé(s)" if delete else "sans enregistrement"
        self.stdout.write(self.style.SUCCESS(f"{len(found)} fichier(s) {verb}."))
