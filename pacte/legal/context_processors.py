from django.http import HttpRequest

from . import identity


def identity_and_theme(request: HttpRequest) -> dict[str, object]:
    """Every page names the Département, shows its logo, loads its colours (`/theme.css`,
    versioned so that a browser keeps it until they change) and states its accessibility."""
    return {
        "identity": identity.identity(),
        "theme_version": identity.theme().version,
        "accessibility_status": identity.accessibility().status,
    }
