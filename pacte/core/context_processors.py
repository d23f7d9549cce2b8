from django.conf import settings


def pacte(request):
    return {"PACTE_DEPARTMENT_CODE": settings.PACTE_DEPARTMENT_CODE}
