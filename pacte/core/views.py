from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from .models import ApiToken
from .services import api_token_create, api_token_revoke


@login_required
def home(request):
    if request.user.is_partner_user:
        return redirect("contracts:partner_detail", pk=request.user.partner_id)
    return render(request, "core/home.html")


@login_required
def account(request):
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(request, "core/account.html", {"tokens": tokens})


@login_required
@require_POST
def token_create(request):
    name = request.POST.get("name", "").strip()
    if not name:
        messages.error(request, "Donnez un nom au jeton (par exemple : « Tableur du service »).")
        return redirect("account")
    try:
        _, raw = api_token_create(user=request.user, name=name[:100])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("account")
    tokens = ApiToken.objects.filter(user=request.user).order_by("-created_at")
    return render(request, "core/account.html", {"tokens": tokens, "new_token": raw})


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    api_token_revoke(token=token, actor=request.user)
    messages.success(request, f"Le jeton « {token.name} » est révoqué.")
    return redirect("account")
