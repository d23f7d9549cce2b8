from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from pacte.territory.selectors import territory_list

from . import selectors
from .models import Partner


@login_required
def partner_list(request):
    kind = request.GET.get("nature", "")
    kind = kind if kind in Partner.Kind.values else ""
    query = request.GET.get("q", "").strip()[:100]
    partners = selectors.partner_list(user=request.user, kind=kind, query=query)
    territories = territory_list(user=request.user) if request.user.is_internal else []
    context = {
        "partners": partners,
        "kinds": Partner.Kind.choices,
        "kind": kind,
        "query": query,
        "territories": territories,
    }
    return render(request, "contracts/partner_list.html", context)


@login_required
def partner_detail(request, pk: int):
    partner = selectors.partner_get(user=request.user, pk=pk)
    return render(request, "contracts/partner_detail.html", {"partner": partner})
