"""The media in a bucket of an S3-compatible object storage (django-storages' S3 backend), with
Pacte's choices; `pacte.core.media.storage_setting` gives it its options from the environment.

- **An object is never overwritten**: two files of the same name get two names, as in the local
  folder (django-storages overwrites by default, which would replace a signed document by a
  later one of the same name).
- **Private objects, no address**: no ACL is sent (an object is as private as its bucket, and
  services that refuse ACLs accept the upload), and `url()` refuses: Pacte serves every file
  itself, after checking its SHA-256 (`pacte.core.files.serve`).
- **Bounded waits**: a storage that does not answer fails a request in seconds (503 in French,
  `pacte.core.middleware`), rather than holding a web process until the proxy gives up.
- **Checksums only when the API requires them**: recent boto3 sends CRC checksums that several
  S3-compatible services refuse.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError
from storages.backends.s3 import S3Storage
from storages.utils import clean_name

CONNECT_TIMEOUT = 5  # seconds
READ_TIMEOUT = 60
ATTEMPTS = 3


class ObjectStorage(S3Storage):  # type: ignore[misc]  # django-storages has no type hints
    file_overwrite = False
    default_acl = None
    querystring_auth = True
    gzip = False

    def __init__(self, **options: Any) -> None:
        if options.get("client_config") is None:
            options["client_config"] = Config(
                s3={"addressing_style": options.get("addressing_style")},
                connect_timeout=CONNECT_TIMEOUT,
                read_timeout=READ_TIMEOUT,
                retries={"max_attempts": ATTEMPTS, "mode": "standard"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
            )
        super().__init__(**options)

    def url(self, name: str | None, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError(
            "Les fichiers de Pacte n'ont pas d'adresse dans le stockage : Pacte les sert lui-même "
            "après en avoir vérifié l'empreinte (pacte.core.files.serve)."
        )

    def stream(self, name: str) -> Download:
        """The object `name` as it downloads, in one request (`open()` asks for it twice:
        its description, then its bytes, which it holds in memory; a download served by Pacte
        and a backup read each object once, as it comes). FileNotFoundError if it is missing."""
        key = self._normalize_name(clean_name(name))
        try:
            answer = self.connection.meta.client.get_object(Bucket=self.bucket_name, Key=key)
        except ClientError as exc:
            if exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") == 404:
                raise FileNotFoundError(f"Objet introuvable : {key}") from exc
            raise
        return Download(answer["Body"], int(answer["ContentLength"]))

    def check_bucket(self) -> None:
        """Raise botocore's error if the bucket cannot be reached with these keys."""
        self.connection.meta.client.head_bucket(Bucket=self.bucket_name)


class Download:
    """An object being downloaded: its size, and its bytes read as they come."""

    def __init__(self, body: Any, size: int) -> None:
        self._body = body
        self.size = size

    def read(self, size: int = -1) -> bytes:
        return bytes(self._body.read(None if size < 0 else size))

    def __enter__(self) -> Download:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._body.close()
