from tests.core.object_storage_support import media_bucket, s3_server  # noqa: F401 — fixtures
