"""Public open data: no login. The subsidies file is streamed from a database cursor."""

from django.conf import settings
from django.db import transaction
from django.http import StreamingHttpResponse
from django.shortcuts import render

from pacte.core import policy

from .. import opendata


@policy.page(get="opendata.read")
def opendata_index(request):
    context = {"subsidies": opendata.catalogue()}
    if policy.allows(request.user, "opendata", "review"):
        context["held_back_partners"] = opendata.held_back_partners(user=request.user)
    return render(request, "pilotage/opendata/index.html", context)


@policy.page(get="opendata.read")
@transaction.non_atomic_requests
def subsidies_csv(request):
    """SCDL « subventions » 2.1.1, one row per signed convention: UTF-8, comma, decimal point."""
    response = StreamingHttpResponse(
        opendata.scdl_csv_chunks(), content_type="text/csv; charset=utf-8"
    )
    name = f"{settings.PACTE_COLLECTIVITY_SIREN}-subventions.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
