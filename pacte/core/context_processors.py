from django.conf import settings
from django.http import HttpRequest


def pacte(request: HttpRequest) -> dict[str, str]:
    return {"PACTE_DEPARTMENT_CODE": settings.PACTE_DEPARTMENT_CODE}
