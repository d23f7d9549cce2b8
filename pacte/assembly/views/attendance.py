"""Pages of a sitting's attendance and proxies."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from pacte.core import policy
from pacte.core.errors import flash_form_errors, flash_refusal

from .. import forms, rules, selectors, services
from ..models import Attendance


def _time_or_none(raw: str, label: str):
    import datetime

    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return datetime.time.fromisoformat(raw)
    except ValueError as exc:
        raise ValidationError(f"{label} : « {raw} » n'est pas une heure (HH:MM).") from exc


@policy.page(get="sitting.read", post="sitting.change")
def sitting_attendance(request, pk: int):
    sitting = selectors.sitting_get(user=request.user, pk=pk)
    if request.method == "POST":
        if "all_present" in request.POST:
            try:
                count, problems = services.roll_call(actor=request.user, sitting=sitting)
            except ValidationError as exc:
                flash_refusal(request, exc)
                return redirect("assembly:sitting_attendance", pk=pk)
            messages.success(request, f"{count} membres marqués présents.")
            for problem in problems:
                messages.warning(request, f"Pouvoir donné en ligne non enregistré — {problem}")
            return redirect("assembly:sitting_attendance", pk=pk)
        changed, problems = 0, []
        for attendance in sitting.attendances.all():
            status = request.POST.get(f"statut-{attendance.pk}")
            if status is None:
                continue
            try:
                arrived = _time_or_none(
                    request.POST.get(f"arrivee-{attendance.pk}"), f"Arrivée de {attendance}"
                )
                left = _time_or_none(
                    request.POST.get(f"depart-{attendance.pk}"), f"Départ de {attendance}"
                )
                if (status, arrived, left) != (
                    attendance.status,
                    attendance.arrived_at,
                    attendance.left_at,
                ):
                    services.attendance_record(
                        actor=request.user,
                        attendance=attendance,
                        status=status,
                        arrived_at=arrived,
                        left_at=left,
                    )
                    changed += 1
            except ValidationError as exc:
                problems.append(exc)
        for exc in problems:
            flash_refusal(request, exc)
        if changed:
            # A holder now present: the proxy given to him online is recorded, or said why not.
            for problem in services.apply_online_proxies(
                actor=request.user, sitting=sitting, present_holders_only=True
            ):
                messages.warning(request, f"Pouvoir donné en ligne non enregistré — {problem}")
        if changed:
            messages.success(request, f"{changed} présence(s) enregistrée(s).")
        elif not problems:
            messages.info(request, "Aucun changement.")
        return redirect("assembly:sitting_attendance", pk=pk)
    return render(
        request,
        "assembly/sitting_attendance.html",
        {
            "sitting": sitting,
            "quorum": selectors.sitting_quorum(sitting),
            "statuses": Attendance.Status.choices,
            "proxy_form": forms.ProxyForm(sitting=sitting, auto_id="pouvoir-%s"),
            "can_hold": policy.allows(request.user, "sitting", "change", sitting),
            "proxy_limit": rules.max_proxies_held(sitting.held_on),
            "online_pending": selectors.pending_online_proxies(sitting),
        },
    )


@policy.page(post="sitting.change")
def proxy_add(request, pk: int):
    sitting = selectors.sitting_get(user=request.user, pk=pk)
    form = forms.ProxyForm(request.POST, sitting=sitting)
    if not form.is_valid():
        flash_form_errors(request, form)
    else:
        try:
            proxy = services.proxy_record(actor=request.user, sitting=sitting, **form.cleaned_data)
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, f"Pouvoir enregistré : {proxy}.")
    return redirect("assembly:sitting_attendance", pk=pk)


@policy.page(post="sitting.change")
def proxy_remove(request, pk: int, proxy_pk: int):
    sitting = selectors.sitting_row(user=request.user, pk=pk)
    proxy = selectors.proxy_get(user=request.user, sitting=sitting, pk=proxy_pk)
    try:
        services.proxy_remove(actor=request.user, proxy=proxy)
    except ValidationError as exc:
        flash_refusal(request, exc)
    else:
        messages.success(request, "Pouvoir retiré.")
    return redirect("assembly:sitting_attendance", pk=pk)
