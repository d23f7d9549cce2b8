from django.conf import settings
from django.http import HttpRequest

from . import policy


def pacte(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    return {
        "PACTE_DEPARTMENT_CODE": settings.PACTE_DEPARTMENT_CODE,
        # The navigation offers the administration to those the policy lets in (user.change).
        "can_administer": policy.allows(user, "user", "change"),
    }
