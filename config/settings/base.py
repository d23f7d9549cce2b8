"""Settings shared by every environment, read from environment variables.

The defaults are safe for the local demo only: production sets SECRET_KEY, DEBUG=0,
ALLOWED_HOSTS and DATABASE_URL explicitly (see docs/deploiement.md).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from pacte.core.media import storage_setting as media_storage_setting
from pacte.core.monitoring import init_error_reports
from pacte.oidc.environment import providers_from_environment

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("PACTE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on", "oui"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "La variable d'environnement SECRET_KEY est obligatoire (voir docs/deploiement.md)."
    )
# A key being replaced: the former ones, still accepted for what they signed (sessions, reset
# links) until they are dropped (docs/deploiement.md, « Renouveler les secrets »).
SECRET_KEY_FALLBACKS = env_list("SECRET_KEY_FALLBACKS", "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
CSRF_FAILURE_VIEW = "pacte.core.views.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    # The API documentation's Swagger UI, served from django-ninja's own static files.
    "ninja",
    "pacte.core",
    "pacte.legal",
    "pacte.territory",
    "pacte.contracts",
    "pacte.operations",
    "pacte.finance",
    "pacte.documents",
    "pacte.assembly",
    "pacte.history",
    "pacte.pilotage",
    "pacte.accounts",
    "pacte.oidc",
    "pacte.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Pages compressed (with Django's random padding against BREACH); static files are served
    # already compressed by WhiteNoise.
    "django.middleware.gzip.GZipMiddleware",
    "pacte.core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "pacte.core.middleware.BodyLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "pacte.accounts.sessions.SessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "pacte.core.middleware.RefuseNulMiddleware",
    "pacte.core.middleware.ExceptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "pacte" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pacte.core.context_processors.pacte",
                "pacte.legal.context_processors.identity_and_theme",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'pacte.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent readers while a writer works; writes wait instead of failing at once.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": int(os.environ.get("PACTE_SQLITE_TIMEOUT", "20")),
    }
# Writes are transactions (each service, and each page or API write as a whole: see
# pacte.core.policy.page and endpoint); reads are not, so that on SQLite they never wait for the
# database's write lock.
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A connection kept between requests is checked before it is reused: after a restart of the
# database server, the next request reconnects instead of failing.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# Request bodies: forms and JSON are small; files (attachments, history imports) go up to their
# own limits (10 Mio, 20 Mio), checked by their services. Beyond these, BodyLimitMiddleware
# refuses the body from its declared length before reading it (413), as the reverse proxy does.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("PACTE_MAX_BODY_BYTES", 2 * 1024 * 1024))
PACTE_MAX_UPLOAD_BYTES = int(os.environ.get("PACTE_MAX_UPLOAD_BYTES", 25 * 1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "pacte.accounts.validators.FrenchPasswordValidator"},
]

# Local accounts (pacte.accounts, docs/deploiement.md): a session ends after 30 minutes unused or
# 12 hours after its login; 5 failed logins lock a username (30 a client address) for 1 minute,
# then twice as long at each further failure, up to an hour; a password reset link is valid 24
# hours, an invitation 7 days.
PACTE_SESSION_IDLE_MINUTES = int(os.environ.get("PACTE_SESSION_IDLE_MINUTES", "30"))
PACTE_SESSION_MAX_HOURS = int(os.environ.get("PACTE_SESSION_MAX_HOURS", "12"))
SESSION_COOKIE_AGE = PACTE_SESSION_MAX_HOURS * 3600
PACTE_LOGIN_MAX_FAILURES = int(os.environ.get("PACTE_LOGIN_MAX_FAILURES", "5"))
PACTE_LOGIN_MAX_FAILURES_PER_ADDRESS = int(
    os.environ.get("PACTE_LOGIN_MAX_FAILURES_PER_ADDRESS", "30")
)
PACTE_LOGIN_LOCK_MINUTES = int(os.environ.get("PACTE_LOGIN_LOCK_MINUTES", "1"))
PACTE_LOGIN_LOCK_MAX_MINUTES = int(os.environ.get("PACTE_LOGIN_LOCK_MAX_MINUTES", "60"))
# A browser in which a user logged in is recognised this long (pacte.accounts.devices).
PACTE_LOGIN_DEVICE_DAYS = int(os.environ.get("PACTE_LOGIN_DEVICE_DAYS", "180"))
# Reverse proxies in front of Pacte that append the client's address to X-Forwarded-For (0: the
# connection's address is the client's): the login throttling counts per client address.
PACTE_PROXY_COUNT = int(os.environ.get("PACTE_PROXY_COUNT", "0"))
# A13: the date of the version of the @CTES classification (matters) the préfecture gave.
PACTE_ACTES_CLASSIFICATION_DATE = os.environ.get("PACTE_ACTES_CLASSIFICATION_DATE", "2023-01-01")
# A13: how acts reach the préfet (pacte/assembly/transmission.py): "" (none: the sending and
# the acknowledgement are recorded by hand), "depot" (files dropped for a third-party
# transmission tool, its answers read back from a return folder) or "s2low" (a S²LOW-compatible
# service, over HTTPS with a client certificate). The worker asks for the préfecture's answer
# every PACTE_ACTES_POLL_SECONDS.
PACTE_ACTES_CONNECTOR = os.environ.get("PACTE_ACTES_CONNECTOR", "")
PACTE_ACTES_DROP_DIR = os.environ.get("PACTE_ACTES_DROP_DIR", "")
PACTE_ACTES_RETURN_DIR = os.environ.get("PACTE_ACTES_RETURN_DIR", "")  # "": <drop>/retour
PACTE_ACTES_POLL_SECONDS = int(os.environ.get("PACTE_ACTES_POLL_SECONDS", "600"))
PACTE_S2LOW_URL = os.environ.get("PACTE_S2LOW_URL", "")
PACTE_S2LOW_CERT = os.environ.get("PACTE_S2LOW_CERT", "")
PACTE_S2LOW_KEY = os.environ.get("PACTE_S2LOW_KEY", "")
PACTE_S2LOW_CA = os.environ.get("PACTE_S2LOW_CA", "")
PACTE_S2LOW_LOGIN = os.environ.get("PACTE_S2LOW_LOGIN", "")
PACTE_S2LOW_PASSWORD = os.environ.get("PACTE_S2LOW_PASSWORD", "")
# The proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated; `*`:
# any), as gunicorn's forwarded_allow_ips (deploy/gunicorn.conf.py).
PACTE_PROXY_IPS = os.environ.get("PACTE_PROXY_IPS", "127.0.0.1")
# A8: days of notice of the reports before a sitting — the law's 12 for the conseil
# départemental (CGCT L3121-19), the règlement intérieur's for the commission permanente.
PACTE_NOTICE_DAYS_COUNCIL = int(os.environ.get("PACTE_NOTICE_DAYS_COUNCIL", "12"))
PACTE_NOTICE_DAYS_STANDING_COMMITTEE = int(
    os.environ.get("PACTE_NOTICE_DAYS_STANDING_COMMITTEE", "12")
)
# The internal network (addresses or networks, comma-separated): the health checks' details
# (/sante/) are shown to it, or to a request bearing PACTE_HEALTH_TOKEN; others get the status.
PACTE_INTERNAL_NETWORKS = os.environ.get("PACTE_INTERNAL_NETWORKS", "")
PACTE_HEALTH_TOKEN = os.environ.get("PACTE_HEALTH_TOKEN", "")
# OpenID Connect login (pacte.oidc, docs/connexion.md): the Département's identity server for its
# agents (PACTE_OIDC_AGENTS_*), ProConnect for partners' staff (PACTE_OIDC_PARTNERS_*), each on
# when its client id is set. A first login may take over the local account with the same e-mail
# only for the providers listed here (off by default); Pacte asks its own second factor after
# the provider's login unless told the provider checks one.
PACTE_OIDC_PROVIDERS = providers_from_environment(os.environ)
PACTE_OIDC_LINK_BY_EMAIL = env_list("PACTE_OIDC_LINK_BY_EMAIL", "")
PACTE_OIDC_TRUST_PROVIDER_SECOND_FACTOR = env_bool("PACTE_OIDC_TRUST_PROVIDER_SECOND_FACTOR", False)
PACTE_OIDC_TIMEOUT = int(os.environ.get("PACTE_OIDC_TIMEOUT", "10"))
# With the agents' provider on, PACTE_OIDC_AGENTS_PASSWORD_LOGIN=0 refuses the password of the
# Département's staff (administrators excepted: their way in when the identity server is down).
PACTE_OIDC_AGENTS_PASSWORD_LOGIN = env_bool("PACTE_OIDC_AGENTS_PASSWORD_LOGIN", True)
AUTHENTICATION_BACKENDS = [
    "pacte.oidc.backends.AgentsPasswordPolicyBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# The name authenticator applications show next to Pacte's codes (second factor).
PACTE_TOTP_ISSUER = os.environ.get("PACTE_TOTP_ISSUER", "Pacte")
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PACTE_PASSWORD_RESET_HOURS", "24")) * 3600
PACTE_INVITATION_DAYS = int(os.environ.get("PACTE_INVITATION_DAYS", "7"))

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True
# Numbers are grouped explicitly with the `integer` and `money` filters, never implicitly
# (a year or an identifier must not read "2 025").
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "/static/"
# Collected static files: under var/, or where the container image keeps them.
STATIC_ROOT = Path(os.environ.get("PACTE_STATIC_ROOT", VAR_DIR / "static"))
# The stored files (attachments, generated and signed documents, published acts, imported
# files, batch archives): the folder MEDIA_ROOT, or the bucket of an S3-compatible object
# storage named by PACTE_MEDIA_S3_BUCKET, shared by several web servers (docs/deploiement.md).
STORAGES = {
    "default": media_storage_setting(os.environ),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "pacte@localhost")
# The hour (Europe/Paris) from which the daily digests of notifications, and the notices of
# lapses coming, are sent by the background worker (pacte.core.notifications).
PACTE_DIGEST_HOUR = int(os.environ.get("PACTE_DIGEST_HOUR", "7"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# The Content-Security-Policy of every response (pacte.core.middleware): Pacte's own scripts,
# styles and images only — no inline script, style or `style` attribute, no eval, no plugin, no
# framing, forms posted to Pacte only. `data:` images: the icons of the API documentation's
# stylesheet (Swagger UI).
PACTE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}

# The département Pacte serves (INSEE code); the referential import loads it by default.
PACTE_DEPARTMENT_CODE = os.environ.get("PACTE_DEPARTMENT_CODE", "62")

# Logs on the standard error: as text, or one JSON object a line (PACTE_LOG_FORMAT=json, the
# production default) for a log collector.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "pacte.core.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if os.environ.get("PACTE_LOG_FORMAT") == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # The fonts subset into each signature's appearance: a line per glyph at INFO.
        "fontTools": {"level": "WARNING"},
    },
}
# Error reports to Sentry or a compatible service, when SENTRY_DSN is set.
init_error_reports()

# Electronic signatures (PAdES). The Département's signing authority: a CA certificate and key
# in PEM files; Pacte issues each signer's certificate from it. The demo creates a test CA under
# var/pki/ when these are not set; production points them at the Département's own PKI.
PACTE_SIGNING_CA_CERT = os.environ.get("PACTE_SIGNING_CA_CERT", "")
PACTE_SIGNING_CA_KEY = os.environ.get("PACTE_SIGNING_CA_KEY", "")
PACTE_SIGNING_CA_PASSPHRASE = os.environ.get("PACTE_SIGNING_CA_PASSPHRASE", "")
PACTE_SIGNING_LOCATION = os.environ.get("PACTE_SIGNING_LOCATION", "Arras")

# Background work (document batches): stored in the database, run by `manage.py pacte_worker`.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# A cache shared by the web processes and the worker (the dashboards' figures are recomputed by
# the worker and read by the pages): a table of the database, created by a migration.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "pacte_cache",
    }
}

# The Département's identity (pacte.legal; docs/reglages.md): its name with its article, as it
# follows « Département », its short name, its logo (a static file of Pacte, or an address:
# https://… or /…) and its colours, served as CSS custom properties by /theme.css. Colours that
# are not #rrggbb or fail the contrast of WCAG 2.1 (4.5:1) are not served (check legal.E001).
PACTE_DEPARTMENT_NAME = os.environ.get("PACTE_DEPARTMENT_NAME", "du Pas-de-Calais")
PACTE_DEPARTMENT_SHORT_NAME = os.environ.get("PACTE_DEPARTMENT_SHORT_NAME", "Pas-de-Calais")
PACTE_DEPARTMENT_LOGO = os.environ.get("PACTE_DEPARTMENT_LOGO", "legal/logo-departement.svg")
PACTE_COLOR_PRIMARY = os.environ.get("PACTE_COLOR_PRIMARY", "#004b87")
PACTE_COLOR_PRIMARY_DARK = os.environ.get("PACTE_COLOR_PRIMARY_DARK", "#00335c")
PACTE_COLOR_PRIMARY_TEXT = os.environ.get("PACTE_COLOR_PRIMARY_TEXT", "#ffffff")
# The legal pages: legal notice (LCEN art. 6), accessibility statement (RGAA 4.1, décret
# n° 2019-768) and personal data (RGPD art. 13). Empty contacts and host: `check --deploy` warns.
PACTE_PUBLISHER_ADDRESS = os.environ.get(
    "PACTE_PUBLISHER_ADDRESS", "Hôtel du Département, rue Ferdinand Buisson, 62018 Arras Cedex 9"
)
PACTE_PUBLISHER_PHONE = os.environ.get("PACTE_PUBLISHER_PHONE", "03 21 21 62 16")
PACTE_PUBLICATION_DIRECTOR = os.environ.get(
    "PACTE_PUBLICATION_DIRECTOR", "le Président du Conseil départemental"
)
PACTE_HOST_NAME = os.environ.get("PACTE_HOST_NAME", "")
PACTE_HOST_ADDRESS = os.environ.get("PACTE_HOST_ADDRESS", "")
PACTE_HOST_PHONE = os.environ.get("PACTE_HOST_PHONE", "")
PACTE_SOURCE_URL = os.environ.get("PACTE_SOURCE_URL", "")
PACTE_DPO_CONTACT = os.environ.get("PACTE_DPO_CONTACT", "")
PACTE_ACCESSIBILITY_CONTACT = os.environ.get("PACTE_ACCESSIBILITY_CONTACT", "")
# The last RGAA audit: its date (AAAA-MM-JJ) and its rate of criteria met. Without them the
# statement says « non conforme », as RGAA requires when no valid audit result exists.
PACTE_ACCESSIBILITY_AUDIT_DATE = os.environ.get("PACTE_ACCESSIBILITY_AUDIT_DATE", "")
PACTE_ACCESSIBILITY_AUDIT_RATE = os.environ.get("PACTE_ACCESSIBILITY_AUDIT_RATE", "")
PACTE_ACCESSIBILITY_AUDITOR = os.environ.get("PACTE_ACCESSIBILITY_AUDITOR", "")
PACTE_ACCESSIBILITY_STATEMENT_DATE = os.environ.get(
    "PACTE_ACCESSIBILITY_STATEMENT_DATE", "2026-11-30"
)
PACTE_ACCESSIBILITY_PLAN_URL = os.environ.get("PACTE_ACCESSIBILITY_PLAN_URL", "")
# Retention of personal data, stated on the personal data page.
PACTE_RETENTION_ACCOUNT_YEARS = os.environ.get("PACTE_RETENTION_ACCOUNT_YEARS", "1")
PACTE_RETENTION_AUDIT_YEARS = os.environ.get("PACTE_RETENTION_AUDIT_YEARS", "5")
PACTE_RETENTION_LOG_MONTHS = os.environ.get("PACTE_RETENTION_LOG_MONTHS", "12")
PACTE_RETENTION_GRANT_FILE_YEARS = os.environ.get("PACTE_RETENTION_GRANT_FILE_YEARS", "10")

# The collectivity's identifiers, for @CTES identifiers and open data (SCDL).
PACTE_COLLECTIVITY_NAME = os.environ.get(
    "PACTE_COLLECTIVITY_NAME", f"Département {PACTE_DEPARTMENT_NAME}"
)
PACTE_COLLECTIVITY_SIREN = os.environ.get("PACTE_COLLECTIVITY_SIREN", "226200012")
PACTE_COLLECTIVITY_SIRET = os.environ.get("PACTE_COLLECTIVITY_SIRET", "22620001200012")
# Signatures: each signatory's PKCS#12 file (<key_id>.p12) delivered by the certification
# service, and the timestamp authority (RFC 3161) of the signatures (docs/deploiement.md).
PACTE_SIGNATORIES_DIR = os.environ.get("PACTE_SIGNATORIES_DIR", "")
PACTE_SIGNATORIES_PASSPHRASE = os.environ.get("PACTE_SIGNATORIES_PASSPHRASE", "")
# A PKCS#11 token (HSM, smart card) holding the signatories' keys and certificates, each
# labelled `signataire-<n>` as its right to sign: when set, it replaces the PKCS#12 files.
PACTE_PKCS11_MODULE = os.environ.get("PACTE_PKCS11_MODULE", "")
# The root certificate (PEM) of the timestamp authority, when it is not the signing authority
# (a qualified provider): its timestamps are then recognised by the verification.
PACTE_TSA_CA_CERT = os.environ.get("PACTE_TSA_CA_CERT", "")
PACTE_PKCS11_TOKEN = os.environ.get("PACTE_PKCS11_TOKEN", "")
PACTE_PKCS11_PIN = os.environ.get("PACTE_PKCS11_PIN", "")
PACTE_TSA_URL = os.environ.get("PACTE_TSA_URL", "")
# A mail server that accepts connections and never answers must not hold the worker.
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", 20))
# A worker holding more memory than this after a task stops, to be started afresh by its
# supervision (0: no limit).
PACTE_WORKER_MAX_MEMORY_MB = int(os.environ.get("PACTE_WORKER_MAX_MEMORY_MB", 400))
