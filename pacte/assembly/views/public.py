"""Public pages of the acts: the published deliberations, their PDFs and their open data."""

import csv
import io

from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from pacte.core import files, policy
from pacte.core.exports import inert

from .. import selectors

SUBJECTS = {
    "7.5": "Subventions",
    "9.2": "Autres domaines de compétences des départements",
    "5.7": "Intercommunalité",
}


SCDL_COLUMNS = [
    "COLL_NOM",
    "COLL_SIRET",
    "DELIB_ID",
    "DELIB_DATE",
    "DELIB_MATIERE_CODE",
    "DELIB_MATIERE_NOM",
    "DELIB_OBJET",
    "BUDGET_ANNEE",
    "BUDGET_NOM",
    "PREF_ID",
    "PREF_DATE",
    "VOTE_EFFECTIF",
    "VOTE_REEL",
    "VOTE_POUR",
    "VOTE_CONTRE",
    "VOTE_ABSTENTION",
    "DELIB_URL",
]


@policy.page(get="deliberation.read")
def deliberation_list(request):
    return render(
        request,
        "assembly/deliberation_list.html",
        {"deliberations": selectors.published_deliberations(request.user)},
    )


@policy.page(get="deliberation.read")
def deliberation_detail(request, number: str):
    deliberation = selectors.published_deliberation_get(number, request.user)
    return render(
        request,
        "assembly/deliberation_detail.html",
        {
            "deliberation": deliberation,
            "corrects_public": bool(
                deliberation.corrects and selectors.is_public(deliberation.corrects)
            ),
            "corrections": selectors.published_corrections(deliberation),
        },
    )


@policy.page(get="deliberation.read")
def deliberation_public_pdf(request, number: str):
    """The published copy: the adopted text with its publication stamp (A12)."""
    deliberation = selectors.published_deliberation_get(number, request.user)
    document = deliberation.published_document
    if document is None:
        raise Http404("Le PDF de cette délibération n'est pas disponible.")
    return files.serve(
        request,
        document.file,
        document.sha256,
        filename=f"deliberation-{number}.pdf",
        content_type="application/pdf",
        inline=True,
    )


@policy.page(get="deliberation.read")
def scdl_deliberations(request):
    """The published deliberations in the SCDL « délibérations » format (UTF-8, comma), those
    whose publication date has come."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SCDL_COLUMNS)
    for d in selectors.published_deliberations(request.user):
        sitting = d.report.sitting
        _write_inert(
            writer,
            [
                settings.PACTE_COLLECTIVITY_NAME,
                settings.PACTE_COLLECTIVITY_SIRET,
                d.number,
                sitting.held_on.isoformat(),
                d.subject_code,
                SUBJECTS.get(d.subject_code, ""),
                d.report.title,
                "",
                "",
                d.actes_id,
                d.acknowledged_on.isoformat() if d.acknowledged_on else "",
                sitting.members_in_office,
                d.votes_for + d.votes_against + d.abstentions,
                d.votes_for,
                d.votes_against,
                d.abstentions,
                request.build_absolute_uri(
                    reverse("assembly:deliberation_detail", args=[d.number])
                ),
            ],
        )
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="deliberations.csv"'
    return response


def _write_inert(writer, row: list) -> None:
    writer.writerow([inert(cell) for cell in row])


@policy.page(get="sitting.minutes")
def minutes_list(request):
    return render(
        request,
        "assembly/minutes_list.html",
        {"sittings": selectors.published_minutes(request.user)},
    )


@policy.page(get="sitting.minutes")
def minutes_file(request, pk: int):
    return serve_adopted_minutes(request, selectors.published_minutes_get(pk, request.user))


def serve_adopted_minutes(request, sitting):
    """The minutes' PDF as adopted (its digest checked on the way out)."""
    document = sitting.minutes_document
    return files.serve(
        request,
        document.file,
        document.sha256,
        filename=f"proces-verbal-{sitting.held_on:%Y-%m-%d}.pdf",
        content_type="application/pdf",
        inline=True,
    )
