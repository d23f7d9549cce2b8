"""Open data: the essential data of subsidy conventions in the SCDL « subventions » 2.1.1
format (décret 2017-779, arrêté of 17 November 2017; docs/regles.md, S6).

One row per convention, that is per operation whose convention is signed, the partner being the
single beneficiary (pourcentageSubvention 1.00). The file is written as it is read, row by row
from a database cursor, so that its memory does not grow with the number of conventions.

- dateConvention: the date the convention was signed (the `sign_agreement` step of the
  operation's workflow, in Europe/Paris; for an operation imported from the history, the date of
  its file);
- referenceDecision: the number of the deliberation that granted the subsidy (the commitment of
  the fund, or the history file's), else the operation's reference;
- datesPeriodeVersement: from the signature to the end of the completion deadline of the
  generation (the period in which the subsidy may be paid, by instalments: « échelonné »);
- idBeneficiaire / rnaBeneficiaire: the partner's SIRET and RNA number. A convention whose
  beneficiary has neither cannot be published in this format: it is counted apart, and the
  agents complete the partner's record.
"""

import csv
import json
from pathlib import Path

from django.conf import settings
from django.db.models import Exists, Max, OuterRef, Q, Subquery
from django.utils import timezone

from pacte.contracts.models import Partner
from pacte.core import policy
from pacte.core.dates import add_years
from pacte.core.exports import inert
from pacte.operations.models import Operation, OperationEvent
from pacte.operations.workflows import SIGN_AGREEMENT

SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "scdl" / "subventions-schema-2.1.1.json"
SCHEMA = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
COLUMNS = [f["name"] for f in SCHEMA["fields"]]
SCHEMA_VERSION = SCHEMA["version"]
SCHEMA_HOMEPAGE = SCHEMA["homepage"]
NATURE = "aide en numéraire"
CONDITIONS = "échelonné"
ROWS_PER_CHUNK = 500


def _signature_events():
    return OperationEvent.objects.filter(operation=OuterRef("pk"), transition=SIGN_AGREEMENT)


def signed_conventions():
    """Operations whose convention is signed, whatever their state since."""
    return (
        Operation.objects.filter(granted_amount__gt=0)
        .filter(Q(history_record__agreement_signed_on__isnull=False) | Exists(_signature_events()))
        .annotate(signed_at=Subquery(_signature_events().order_by("-at").values("at")[:1]))
    )


def _has_identifier() -> Q:
    return ~Q(contract__partner__siret="") | ~Q(contract__partner__rna="")


def published_conventions():
    return signed_conventions().filter(_has_identifier())


def held_back_partners(*, user=None) -> list[tuple[Partner, int]]:
    """Beneficiaries of signed conventions that have neither SIRET nor RNA number, with the
    number of their conventions held back from the file (for the Département's services)."""
    from collections import Counter

    policy.require(user, "opendata", "review")

    counts = Counter(
        signed_conventions()
        .exclude(_has_identifier())
        .values_list("contract__partner_id", flat=True)
    )
    partners = Partner.objects.filter(pk__in=counts).order_by("name")
    return [(partner, counts[partner.pk]) for partner in partners]


def scdl_rows(queryset=None):
    """The SCDL rows (lists of strings, in the schema's column order), streamed."""
    queryset = published_conventions() if queryset is None else queryset
    name = settings.PACTE_COLLECTIVITY_NAME
    siret = settings.PACTE_COLLECTIVITY_SIRET
    for (
        reference,
        title,
        amount,
        partner_name,
        partner_siret,
        partner_rna,
        completion_years,
        history_signed_on,
        history_deliberation,
        commitment_deliberation,
        signed_at,
    ) in (
        queryset.order_by("pk")
        .values_list(
            "reference",
            "title",
            "granted_amount",
            "contract__partner__name",
            "contract__partner__siret",
            "contract__partner__rna",
            "contract__generation__completion_deadline_years",
            "history_record__agreement_signed_on",
            "history_record__deliberation_number",
            "commitment__deliberation_number",
            "signed_at",
        )
        .iterator(chunk_size=2000)
    ):
        signed_on = history_signed_on or timezone.localtime(signed_at).date()
        subject = f"Fonds d'Innovation Territorial — {title}"
        yield [
            name,
            siret,
            signed_on.isoformat(),
            history_deliberation or commitment_deliberation or reference,
            partner_name,
            partner_siret,
            partner_rna,
            subject if len(subject) <= 256 else subject[:255] + "…",
            f"{amount:.2f}",
            NATURE,
            CONDITIONS,
            f"{signed_on.isoformat()}/{add_years(signed_on, completion_years).isoformat()}",
            "",
            "non",
            "1.00",
            "",
        ]


class _Echo:
    def write(self, value):
        return value


def scdl_csv_chunks(queryset=None):
    """The CSV file (UTF-8 without BOM, comma, decimal point), in chunks of a few hundred rows."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield writer.writerow(COLUMNS).encode()
    lines = []
    for row in scdl_rows(queryset):
        lines.append(writer.writerow([inert(cell) for cell in row]))
        if len(lines) >= ROWS_PER_CHUNK:
            yield "".join(lines).encode()
            lines = []
    if lines:
        yield "".join(lines).encode()


def catalogue() -> dict:
    """What the public open data page says of the subsidies dataset."""
    published = published_conventions()
    signed_at = OperationEvent.objects.filter(
        transition=SIGN_AGREEMENT, operation__in=published.values("pk")
    ).aggregate(latest=Max("at"))["latest"]
    history = published.aggregate(latest=Max("history_record__agreement_signed_on"))["latest"]
    dates = [d for d in [history] if d]
    if signed_at:
        dates.append(timezone.localtime(signed_at).date())
    return {
        "published": published.count(),
        "held_back": signed_conventions().exclude(_has_identifier()).count(),
        "latest": max(dates) if dates else None,
        "schema_version": SCHEMA_VERSION,
        "schema_homepage": SCHEMA_HOMEPAGE,
        "collectivity": settings.PACTE_COLLECTIVITY_NAME,
        "siret": settings.PACTE_COLLECTIVITY_SIRET,
    }
