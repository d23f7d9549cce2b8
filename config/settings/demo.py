"""Local demo: DEBUG on, a generated secret kept under var/, mails printed to the console."""

import os
import secrets
from pathlib import Path

_var = Path(os.environ.get("PACTE_VAR_DIR", Path(__file__).resolve().parents[2] / "var"))
_var.mkdir(parents=True, exist_ok=True)
_secret_file = _var / "demo-secret-key"
if "SECRET_KEY" not in os.environ:
    if not _secret_file.exists():
        _secret_file.write_text(secrets.token_urlsafe(50))
    os.environ["SECRET_KEY"] = _secret_file.read_text().strip()
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

from .base import *  # noqa: E402,F403

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
