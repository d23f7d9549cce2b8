"""Files of the media folder that no row references (written by a transaction whose process was
killed before it ended): listed, and removed with --delete."""

import datetime
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import models
from django.utils import timezone


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


def orphans(older_than: datetime.timedelta) -> list[Path]:
    """Files of MEDIA_ROOT no row names, last modified more than `older_than` ago (a file
    younger than that may belong to a transaction still running)."""
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    known = referenced_names()
    limit = (timezone.now() - older_than).timestamp()
    return sorted(
        path
        for path in root.rglob("*")
        if path.is_file()
        and path.relative_to(root).as_posix() not in known
        and path.stat().st_mtime < limit
    )


class Command(BaseCommand):
    help = (
        "Liste les fichiers du dossier des médias qu'aucun enregistrement ne référence "
        "(écrits par une transaction interrompue) ; --delete les supprime."
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
        found = orphans(datetime.timedelta(minutes=max(older_than, 0)))
        root = Path(settings.MEDIA_ROOT)
        for path in found:
            self.stdout.write(str(path.relative_to(root)))
            if delete:
                path.unlink(missing_ok=True)
        verb = "supprimé(s)" if delete else "sans enregistrement"
        self.stdout.write(self.style.SUCCESS(f"{len(found)} fichier(s) {verb}."))
