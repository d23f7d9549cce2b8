"""Where the stored files (the media) live: the local folder MEDIA_ROOT, or a bucket of an
S3-compatible object storage that several web servers share (docs/deploiement.md, « Stockage des
documents »).

Everything reads and writes them through Django's storage API (`default_storage`, the file
fields, `pacte.core.files`), so nothing else needs to know where they are. This module gives the
settings their storage from the environment, lists the stored files whatever the storage, and
says in French where they are. The objects of a bucket are named as the files of the folder
(`documents/2026/11/convention.pdf`, under the optional prefix): moving from one to the other
is a copy.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import FileSystemStorage, Storage, default_storage

FILE_SYSTEM_BACKEND = "django.core.files.storage.FileSystemStorage"
OBJECT_STORAGE_BACKEND = "pacte.core.object_storage.ObjectStorage"
ENCRYPTIONS = {"AES256", "aws:kms"}
ADDRESSING_STYLES = {"path", "virtual"}


def storage_setting(environ: Mapping[str, str]) -> dict[str, Any]:
    """`STORAGES["default"]`: the bucket PACTE_MEDIA_S3_BUCKET names, with the other
    PACTE_MEDIA_S3_* variables; without it, the folder MEDIA_ROOT."""

    def variable(name: str) -> str:
        return environ.get(f"PACTE_MEDIA_S3_{name}", "").strip()

    bucket = variable("BUCKET")
    if not bucket:
        return {"BACKEND": FILE_SYSTEM_BACKEND}
    endpoint = variable("ENDPOINT_URL")
    encryption = variable("ENCRYPTION")
    if encryption and encryption not in ENCRYPTIONS:
        raise ImproperlyConfigured(
            f"PACTE_MEDIA_S3_ENCRYPTION vaut « {encryption} » : elle vaut AES256 (clés du "
            "service de stockage), aws:kms (clé d'un service de gestion de clés) ou rien."
        )
    # An S3-compatible service other than AWS (its own endpoint) usually names the bucket in
    # the path rather than in the host.
    style = variable("ADDRESSING_STYLE") or ("path" if endpoint else "")
    if style and style not in ADDRESSING_STYLES:
        raise ImproperlyConfigured(
            f"PACTE_MEDIA_S3_ADDRESSING_STYLE vaut « {style} » : elle vaut path (le compartiment "
            "dans le chemin de l'adresse), virtual (dans le nom d'hôte) ou rien."
        )
    parameters = {}
    if encryption:
        parameters["ServerSideEncryption"] = encryption
        if encryption == "aws:kms" and variable("KMS_KEY_ID"):
            parameters["SSEKMSKeyId"] = variable("KMS_KEY_ID")
    options = {
        "bucket_name": bucket,
        "location": variable("PREFIX").strip("/"),
        "endpoint_url": endpoint or None,
        "region_name": variable("REGION") or None,
        # Without keys, boto3 looks for them where it always does (AWS_* variables, the role of
        # the machine).
        "access_key": variable("ACCESS_KEY_ID") or None,
        "secret_key": variable("SECRET_ACCESS_KEY") or None,
        "addressing_style": style or None,
        "object_parameters": parameters,
    }
    return {"BACKEND": OBJECT_STORAGE_BACKEND, "OPTIONS": options}


def is_local(storage: Storage | None = None) -> bool:
    """Whether the files are those of a local folder (and not objects of a bucket)."""
    return isinstance(storage or default_storage, FileSystemStorage)


def where(storage: Storage | None = None) -> str:
    """Where the stored files are, in French: « le dossier « … » » or « le compartiment « … »,
    préfixe « …/ » »."""
    storage = storage or default_storage
    if isinstance(storage, FileSystemStorage):
        return f"le dossier « {storage.location} »"
    bucket = getattr(storage, "bucket_name", "?")
    prefix = getattr(storage, "location", "")
    return f"le compartiment « {bucket} »" + (f", préfixe « {prefix}/ »" if prefix else "")


def names(storage: Storage | None = None, folder: str = "") -> Iterator[str]:
    """Every stored file's name (as a file field records it), folder by folder, in order."""
    storage = storage or default_storage
    if isinstance(storage, FileSystemStorage) and not storage.exists(folder):
        return  # no folder yet: nothing stored
    folders, files = storage.listdir(folder)
    for name in sorted(files):
        yield f"{folder}/{name}" if folder else name
    for sub in sorted(folders):
        yield from names(storage, f"{folder}/{sub}" if folder else sub)


def is_empty(storage: Storage | None = None) -> bool:
    return next(names(storage), None) is None


@functools.cache
def object_storage_errors() -> tuple[type[Exception], ...]:
    """What the object storage raises when it cannot do what it is asked: unreachable, keys
    refused, bucket missing, a timeout (botocore's errors)."""
    from botocore.exceptions import BotoCoreError, ClientError

    return (BotoCoreError, ClientError)


def storage_errors() -> tuple[type[Exception], ...]:
    """The same, whatever the storage: the local folder's OSError besides."""
    return (OSError, *object_storage_errors())
