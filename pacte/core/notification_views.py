"""The list of a user's notifications (/notifications/), their marks, and his choice of mails
(on « Mon compte »). Each user only ever sees and changes his own (pacte.core.notifications)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from . import fragments, notifications, policy
from .forms import ApiTokenForm, NotificationPreferenceForm
from .french import format_integer
from .views import SignedInRequest, _account_page

PER_PAGE = 25


@fragments.provide("account", "notification_mail")
def preference_fragment(
    *, user: policy.Viewer, form: NotificationPreferenceForm | None = None
) -> dict[str, object] | None:
    """« Notifications par courriel » on « Mon compte », for a role that receives some."""
    if not notifications.receives_notifications(user):
        return None
    if form is None:
        form = NotificationPreferenceForm(
            initial={"notification_mail": getattr(user, "notification_mail", "")}
        )
    return {
        "template": "core/_notification_preference.html",
        "form": form,
        "digest_hour": notifications.digest_hour(),
        # What the user's role may receive, named in French (the registry of kinds).
        "kinds": [spec.label for spec in notifications.kinds_for(user)],  # type: ignore[arg-type]
    }


@policy.page(get="notification.read")
def notification_list(request: SignedInRequest) -> HttpResponse:
    rows = notifications.notification_list(user=request.user)
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    lines = [{"row": row, "label": notifications.kind_label(row.kind)} for row in page.object_list]
    return render(request, "core/notifications.html", {"page": page, "lines": lines})


def _back(request: SignedInRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("notifications")


@policy.page(post="notification.change")
def notification_mark_read(request: SignedInRequest, pk: int) -> HttpResponse:
    row = notifications.notification_mark_read(actor=request.user, pk=pk)
    messages.success(request, f"La notification « {row.subject} » est marquée comme lue.")
    return _back(request)


@policy.page(post="notification.change")
def notifications_mark_all_read(request: SignedInRequest) -> HttpResponse:
    count = notifications.notifications_mark_all_read(actor=request.user)
    if count:
        text = f"{format_integer(count)} notification{'s' if count > 1 else ''}"
        s = "s" if count > 1 else ""
        messages.success(request, f"{text} marquée{s} comme lue{s}.")
    else:
        messages.info(request, "Vous n'aviez aucune notification non lue.")
    return _back(request)


@policy.page(post="notification.change")
def notification_preference(request: SignedInRequest) -> HttpResponse:
    """« Notifications par courriel » on « Mon compte »: an unknown choice is refused in French
    (400, the page again with the message beside the field) and nothing is written."""
    form = NotificationPreferenceForm(request.POST)
    if form.is_valid():
        try:
            notifications.notification_preference_set(
                actor=request.user, value=form.cleaned_data["notification_mail"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            label = notifications.Preference(form.cleaned_data["notification_mail"]).label
            messages.success(request, f"Notifications par courriel : {label}.")
            return redirect("account")
    response = _account_page(
        request,
        ApiTokenForm(),
        notification_mail=preference_fragment(user=request.user, form=form),
    )
    response.status_code = 400
    return response
