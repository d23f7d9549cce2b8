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
    **STORAGES,  # noqa: F405 — the media's, from the environment
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS (docs/deploiement.md, « HTTPS et en-têtes de sécurité »). The reverse proxy terminates
# TLS and says so in X-Forwarded-Proto, which it sets itself (never passing on the client's).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A request over plain HTTP is redirected to HTTPS by Pacte; PACTE_SSL_REDIRECT=0 where the proxy
# redirects it itself (the deployment check then has nothing to remind: W008 is silenced). The
# health checks answer over plain HTTP too: a load balancer polls the web processes directly.
SECURE_SSL_REDIRECT = env_bool("PACTE_SSL_REDIRECT", True)  # noqa: F405
SECURE_REDIRECT_EXEMPT = [r"^sante/"]
if not SECURE_SSL_REDIRECT:
    SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W008"]
# HSTS: browsers keep to HTTPS for a year, on Pacte's host and the hosts under it
# (pacte.example.fr covers *.pacte.example.fr, not example.fr). `preload` only consents to the
# browsers' preload list, which takes whole registered domains submitted by their owner: it does
# nothing for Pacte's host until the Département submits its domain. Each can be turned off.
SECURE_HSTS_SECONDS = int(os.environ.get("PACTE_HSTS_SECONDS", 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("PACTE_HSTS_INCLUDE_SUBDOMAINS", True)  # noqa: F405
SECURE_HSTS_PRELOAD = env_bool("PACTE_HSTS_PRELOAD", True)  # noqa: F405
# Cookies only over HTTPS, whatever DEBUG says (the deployment check warns if one is turned
# off); the other headers (X-Frame-Options DENY, nosniff, Referrer-Policy,
# Content-Security-Policy) are the same in every environment (config/settings/base.py).
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", True)  # noqa: F405
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", True)  # noqa: F405
