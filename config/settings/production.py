"""Production: every secret and host comes from the environment; nothing has a default."""

import os

from django.core.exceptions import ImproperlyConfigured

if not os.environ.get("DATABASE_URL"):
    # No silent fallback on a local SQLite file: production names its database.
    raise ImproperlyConfigured(
        "La variable d'environnement DATABASE_URL est obligatoire en production "
        "(par exemple postgres://pacte@localhost/pacte ; voir docs/deploiement.md)."
    )

# Logs as JSON lines for the log collector, unless asked otherwise.
os.environ.setdefault("PACTE_LOG_FORMAT", "json")

from .base import *  # noqa: E402,F403

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SECURE_HSTS_SECONDS = 31536000
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
