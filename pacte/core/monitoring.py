"""Error reports to Sentry, or to a compatible service (GlitchTip, a self-hosted Sentry), when
SENTRY_DSN is set: every unhandled error of a page, of the API, of a management command or of
the background worker, and every log line of level ERROR. No personal data is sent on purpose:
no user's identity, no request body, no local variable of the failing code."""

import os


def init_error_reports() -> bool:
    """Start reporting errors if SENTRY_DSN is set; whether it is."""
    dsn = os.environ.get("SENTRY_DSN", "")
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("PACTE_RELEASE") or None,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
    )
    return True
