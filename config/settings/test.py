"""Test settings: the database comes from DATABASE_URL (SQLite by default)."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

from .base import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
STORAGES = {
    **STORAGES,  # noqa: F405 — the media's, from the environment
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# A file rather than memory for SQLite, so that the browser tests' server thread reads the same
# database through its own connection, exactly as it does on PostgreSQL.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # PACTE_TEST_DB names another file, for two runs side by side.
    DATABASES["default"]["TEST"] = {  # noqa: F405
        "NAME": os.environ.get("PACTE_TEST_DB") or str(VAR_DIR / "test-pacte.sqlite3")  # noqa: F405
    }

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True

# Tests sign with the test authority created under the test run's var/ directory.
PACTE_ALLOW_TEST_SIGNING = True

# Tasks run at once, in the request, during tests; a real worker started by a test (and the test
# that feeds it) queues them in the database instead: PACTE_TASKS_BACKEND=database.
if os.environ.get("PACTE_TASKS_BACKEND") == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Files written by the tests (attachments, generated PDFs) stay apart from the demo's.
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
