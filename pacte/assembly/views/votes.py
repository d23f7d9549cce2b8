"""Pages of the vote on an item: its opening and its result."""

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect

from pacte.core import policy
from pacte.core.errors import flash_form_errors, flash_refusal
from pacte.core.french import format_time, plural_suffix
from pacte.core.workflow import TransitionRefused

from .. import forms, selectors, services
from ..models import Report


@policy.page(post="report.proceed")
def report_open(request, pk: int):
    report = selectors.report_get(user=request.user, pk=pk, action="proceed")
    form = forms.OpenItemForm(request.POST)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect("assembly:report_detail", pk=pk)
    try:
        quorum = services.item_open(
            actor=request.user,
            report=report,
            at=form.cleaned_data["at"],
            roll_call_requested_by=form.cleaned_data["roll_call_requested_by"] or 0,
        )
    except ValidationError as exc:
        flash_refusal(request, exc)
    else:
        level = messages.success if quorum.reached else messages.error
        level(
            request, f"Point ouvert à {format_time(form.cleaned_data['at'])}. {quorum.explanation}"
        )
    return redirect("assembly:report_detail", pk=pk)


# A count of votes: ASCII digits only (no « ² », no other script's digits), 40 at most.
_COUNT = re.compile(r"[0-9]{1,40}")


def _count(group, raw: str) -> int:
    raw = raw.strip() or "0"
    if not _COUNT.fullmatch(raw):
        shown = "".join(c for c in raw[:12] if c.isprintable())
        raise ValidationError(
            f"{group.name} : « {shown}{'…' if len(raw) > 12 else ''} » n'est pas un nombre de "
            "voix (chiffres de 0 à 9)."
        )
    return int(raw)


@policy.page(post="report.proceed")
def report_vote(request, pk: int):
    report = selectors.report_get(user=request.user, pk=pk, action="proceed")
    try:
        if report.vote_mode == Report.VoteMode.ROLL_CALL:
            choices = {
                member: request.POST.get(f"vote-{member.pk}", "")
                for member in report.sitting.attendances.all()
            }
            deliberation = services.item_vote_roll_call(
                actor=request.user, report=report, choices=choices
            )
        else:
            counts = {}
            for group in selectors.political_groups(user=request.user):
                numbers = []
                for field in ("pour", "contre", "abstention", "npv"):
                    numbers.append(_count(group, request.POST.get(f"{field}-{group.pk}", "")))
                counts[group] = numbers
            deliberation = services.item_vote_by_group(
                actor=request.user,
                report=report,
                counts=counts,
                president_votes_for=request.POST.get("president") == "pour",
            )
    except (ValidationError, TransitionRefused) as exc:
        flash_refusal(request, exc)
        return redirect("assembly:report_detail", pk=pk)
    messages.success(
        request,
        f"Délibération n°{deliberation.number} : "
        f"{'adoptée' if deliberation.adopted else 'rejetée'} "
        f"({deliberation.votes_for} pour, {deliberation.votes_against} contre, "
        f"{deliberation.abstentions} abstention{plural_suffix(deliberation.abstentions)}).",
    )
    return redirect("assembly:report_detail", pk=pk)
