"""The councillors' space (an élu bound to his councillor record: his sittings, convocations,
reports and proxies), the convocation link, the calendar feed, and the clerk's convocations
page."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from pacte.core import mail, policy
from pacte.core.errors import flash_refusal
from pacte.core.ids import valid_id

from .. import calendar, selectors, services


@policy.page(get="sitting.attend")
def councillor_home(request):
    if request.user.councillor_id is None:
        return render(request, "assembly/councillor_home.html", {"unbound": True})
    key = calendar.calendar_key(request.user)
    return render(
        request,
        "assembly/councillor_home.html",
        {
            "rows": selectors.councillor_sittings(user=request.user),
            "councillor": request.user.councillor,
            "calendar_url": request.build_absolute_uri(
                reverse("assembly:councillor_calendar", args=[key])
            ),
        },
    )


@policy.page(get="sitting.attend", post="sitting.attend")
def councillor_sitting(request, pk: int):
    attendance = selectors.councillor_attendance_get(user=request.user, sitting_pk=pk)
    sitting = attendance.sitting
    if request.method == "POST":
        try:
            if "retirer" in request.POST:
                online = selectors.online_proxy_given(attendance)
                if online is None:
                    raise ValidationError("Vous n'avez pas donné de pouvoir en ligne.")
                services.proxy_withdraw_online(actor=request.user, online=online)
                messages.success(request, "Votre pouvoir est retiré.")
            else:
                holder_pk = valid_id(request.POST.get("holder"))
                holder = (
                    selectors.proxy_holder_choices(attendance).filter(pk=holder_pk).first()
                    if holder_pk
                    else None
                )
                if holder is None:
                    raise ValidationError("Choisissez le membre à qui vous donnez pouvoir.")
                services.proxy_give_online(actor=request.user, sitting=sitting, holder=holder)
                messages.success(request, f"Pouvoir donné à {holder}.")
        except ValidationError as exc:
            flash_refusal(request, exc)
        return redirect("assembly:councillor_sitting", pk=sitting.pk)
    convocation = selectors.councillor_convocation(attendance)
    if convocation is not None and convocation.acknowledged_at is None:
        # Opened in his space: received.
        convocation = services.convocation_acknowledge(actor=request.user, convocation=convocation)
    online = selectors.online_proxy_given(attendance)
    return render(
        request,
        "assembly/councillor_sitting.html",
        {
            "sitting": sitting,
            "attendance": attendance,
            "convocation": convocation,
            "reports": selectors.councillor_reports(sitting),
            "online": online,
            "received": selectors.online_proxies_received(attendance),
            "holders": selectors.proxy_holder_choices(attendance),
            "roll_taken": sitting.held_on <= timezone.localdate(),
            "can_give": (
                online is None
                and not hasattr(attendance, "proxy_given")
                and sitting.closed_at is None
                and sitting.held_on >= timezone.localdate()
            ),
        },
    )


@policy.page(get="sitting.acknowledge", post="sitting.acknowledge")
@never_cache
def convocation_open(request, token: str):
    """The link of a convocation's mail: opened by its councillor logged in, it is received
    at once; otherwise the page asks him to confirm (a mail scanner that follows the link does
    not acknowledge for him)."""
    user = request.user if request.user.is_authenticated else None
    try:
        convocation = selectors.convocation_by_token(token)
    except Http404:
        # As an invitation's: a French page that says so (the link may have been replaced).
        return render(request, "assembly/convocation_open.html", {"invalid": True})
    own = user is not None and getattr(user, "councillor_id", None) == convocation.councillor_id
    if request.method == "POST" or own:
        try:
            services.convocation_acknowledge(actor=user, token=token)
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            if own:
                return redirect("assembly:councillor_sitting", pk=convocation.sitting_id)
            convocation.refresh_from_db()
    return render(request, "assembly/convocation_open.html", {"convocation": convocation})


@policy.page(get="sitting.calendar")
def councillor_calendar(request, key: str):
    user = calendar.user_for_key(key)
    if user is None:
        raise Http404("Ce calendrier n'existe pas, ou son adresse a changé.")
    host = urlsplit(mail.site_url()).hostname or "pacte"
    body = calendar.ics(
        selectors.calendar_sittings(user.councillor_id),
        host=host,
        url_for=lambda s: mail.absolute_url(reverse("assembly:councillor_sitting", args=[s.pk])),
    )
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="seances.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response


# --- The clerk's side -----------------------------------------------------------------------


@policy.page(get="sitting.read", post="sitting.convoke")
def sitting_convocations(request, pk: int):
    sitting = selectors.sitting_row(user=request.user, pk=pk)
    if request.method == "POST":
        try:
            counts = services.convocations_send(actor=request.user, sitting=sitting)
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            complement = (
                f", dont {counts['complement']} complément(s) d'ordre du jour"
                if counts["complement"]
                else ""
            )
            messages.success(
                request,
                f"Convocations : {counts['email']} par courriel (envoi en cours), "
                f"{counts['post']} par courrier postal{complement}.",
            )
        return redirect("assembly:sitting_convocations", pk=sitting.pk)
    summary = selectors.convocation_summary(sitting)
    return render(
        request,
        "assembly/sitting_convocations.html",
        {
            "sitting": sitting,
            "summary": summary,
            "notice_days": selectors.notice_days(sitting.body),
            "notice": (sitting.held_on - summary.sent_on).days if summary.sent_on else None,
            # The members' addresses are personal data: for the assembly service alone.
            "can_see_addresses": policy.allows(request.user, "sitting", "convoke", sitting),
            "can_convoke": policy.allows(request.user, "sitting", "convoke", sitting)
            and sitting.closed_at is None
            and sitting.held_on >= timezone.localdate(),
        },
    )


@policy.page(post="sitting.change")
def online_proxy_record(request, pk: int, online_pk: int):
    sitting = selectors.sitting_row(user=request.user, pk=pk)
    online = selectors.online_proxy_get(user=request.user, sitting=sitting, pk=online_pk)
    try:
        proxy = services.online_proxy_record(actor=request.user, online=online)
    except ValidationError as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, f"Pouvoir enregistré : {proxy}.")
    return redirect("assembly:sitting_attendance", pk=pk)
