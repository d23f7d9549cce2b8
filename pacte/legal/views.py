"""The legal pages and the Département's colours: public, no login."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import etag

from pacte.core import policy

from . import identity

# A stylesheet asked for with its version (`?v=`, as every page links it) never changes: the
# browser keeps it a year. Without it, or with an older version, the browser asks again soon.
VERSIONED_MAX_AGE = 365 * 24 * 3600
UNVERSIONED_MAX_AGE = 300


@policy.page(get="legal.read")
def accessibility(request):
    return render(request, "legal/accessibility.html", {"legal": identity.legal_facts()})


@policy.page(get="legal.read")
def legal_notice(request):
    return render(request, "legal/legal_notice.html", {"legal": identity.legal_facts()})


@policy.page(get="legal.read")
def personal_data(request):
    return render(request, "legal/personal_data.html", {"legal": identity.legal_facts()})


@policy.page(get="legal.read")
@etag(lambda request: identity.theme().version)
def theme_css(request):
    theme = identity.theme()
    response = HttpResponse(theme.css(), content_type="text/css; charset=utf-8")
    if request.GET.get("v") == theme.version:
        patch_cache_control(response, public=True, max_age=VERSIONED_MAX_AGE, immutable=True)
    else:
        patch_cache_control(response, public=True, max_age=UNVERSIONED_MAX_AGE)
    return response
