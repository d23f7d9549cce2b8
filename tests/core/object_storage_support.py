"""A real S3-compatible server for the tests (moto's, over HTTP on a free port of the loopback),
and buckets on it that Pacte's media use as they would a département's object storage.

`s3_server` (once per session) and `media_bucket` (a new bucket per test, made the default
storage of the test's process — its server thread included — until the test ends) are fixtures:
import them into a test module. `bucket.environment` is what a `manage.py` run in another process
needs to use the same bucket."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

import boto3
import pytest

from pacte.core import media

REGION = "eu-west-3"
KEYS = {"aws_access_key_id": "pacte-essais", "aws_secret_access_key": "secret-des-essais"}


@dataclass
class Bucket:
    endpoint: str
    name: str
    prefix: str = ""
    encryption: str = ""

    @property
    def client(self):
        return boto3.client("s3", endpoint_url=self.endpoint, region_name=REGION, **KEYS)

    @property
    def environment(self) -> dict[str, str]:
        """The PACTE_MEDIA_S3_* variables that make this bucket the media's storage."""
        return {
            "PACTE_MEDIA_S3_BUCKET": self.name,
            "PACTE_MEDIA_S3_ENDPOINT_URL": self.endpoint,
            "PACTE_MEDIA_S3_REGION": REGION,
            "PACTE_MEDIA_S3_ACCESS_KEY_ID": KEYS["aws_access_key_id"],
            "PACTE_MEDIA_S3_SECRET_ACCESS_KEY": KEYS["aws_secret_access_key"],
            "PACTE_MEDIA_S3_PREFIX": self.prefix,
            "PACTE_MEDIA_S3_ENCRYPTION": self.encryption,
        }

    def key(self, name: str) -> str:
        """The object's key of a stored file's name."""
        return f"{self.prefix}/{name}" if self.prefix else name

    def read(self, name: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=self.key(name))["Body"].read()

    def write(self, name: str, content: bytes) -> None:
        """Behind Pacte's back."""
        self.client.put_object(Bucket=self.name, Key=self.key(name), Body=content)

    def keys(self) -> list[str]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.name)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))

    def digests(self) -> dict[str, str]:
        """Every object's SHA-256, by key."""
        return {
            key: hashlib.sha256(
                self.client.get_object(Bucket=self.name, Key=key)["Body"].read()
            ).hexdigest()
            for key in self.keys()
        }


def new_bucket(endpoint: str, *, prefix: str = "", encryption: str = "") -> Bucket:
    bucket = Bucket(endpoint, f"pacte-{uuid.uuid4().hex[:12]}", prefix, encryption)
    bucket.client.create_bucket(
        Bucket=bucket.name, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return bucket


@pytest.fixture(scope="session")
def s3_server():
    """The S3 endpoint (http://127.0.0.1:port) of a moto server thread, for the session."""
    import logging

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # a line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def use_bucket(settings, bucket: Bucket) -> None:
    """Make `bucket` the default storage (through the STORAGES setting, as the environment
    would)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": media.storage_setting(bucket.environment),
    }


@pytest.fixture
def media_bucket(s3_server, settings, tmp_path):
    """A new bucket (under a prefix, objects encrypted by the server), the media's storage for
    this test; the media folder, which must stay empty, apart."""
    settings.MEDIA_ROOT = tmp_path / "dossier-local-inutilise"
    bucket = new_bucket(s3_server, prefix="pacte/medias", encryption="AES256")
    use_bucket(settings, bucket)
    return bucket
