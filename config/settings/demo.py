"""Local demo: a generated secret kept under var/, mails printed to the console, signatures by
the demo's test authority. DEBUG stays off, as in production, so that a visitor meets Pacte's
own French error pages (not Django's technical ones, which list the site's addresses); the
cookies go over plain HTTP, the demo being served on 127.0.0.1. DEBUG=1 brings the technical
pages back for whoever develops."""

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
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

from .base import *  # noqa: E402,F403

STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
WHITENOISE_USE_FINDERS = True  # static files served without collectstatic, DEBUG or not
PACTE_ALLOW_TEST_SIGNING = True  # the demo's signing authority, under var/pki/
WHITENOISE_AUTOREFRESH = True
