"""Import of a past generation's operations from a CSV or XLSX file.

The file's format is documented in docs/import-historique.md. Every row is checked first, and
the errors reported by line and column, in French; nothing is written unless the whole file is
valid, and then everything is written in one transaction. Imported operations are real
operations of the past generation, with their partner, their contract (closed) and their
financing plan, moved to « Achevée » by the workflow's `record_history` transition: the bilan
reads them as it reads the operations of the current generation.
"""

import csv
import datetime
import hashlib
import io
import logging
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from pacte.contracts.identifiers import RNA_PATTERN, compact
from pacte.contracts.models import Contract, Generation, Partner
from pacte.contracts.services import partner_create
from pacte.contracts.workflows import CONTRACT_WORKFLOW
from pacte.core import policy
from pacte.core.audit import audit
from pacte.core.french import format_date, format_money
from pacte.core.ids import MAX_ID
from pacte.core.money import CENT
from pacte.operations.models import Expense, Operation, Resource
from pacte.operations.workflows import OPERATION_WORKFLOW
from pacte.territory.models import Commune, Epci

from .models import HistoryImport, ImportedOperation

logger = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_STORED_ERRORS = 200
ZERO = Decimal("0.00")
XLSX_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Column:
    name: str
    required: bool
    description: str


COLUMNS = [
    Column(
        "partenaire_identifiant",
        True,
        "SIREN (9 chiffres), SIRET (14 chiffres) ou numéro RNA (W suivi de 9 chiffres) du "
        "partenaire",
    ),
    Column("partenaire_nom", True, "nom du partenaire (sert à créer une commune partenaire)"),
    Column("intitule", True, "intitulé de l'opération (255 caractères au plus)"),
    Column("categorie", True, "catégorie de projet : code ou libellé (voir la liste)"),
    Column("montant_fonds", True, "subvention votée au Fonds d'Innovation Territorial (€)"),
    Column(
        "montant_droit_commun",
        False,
        "autres financements du Département, dits de droit commun (€)",
    ),
    Column(
        "autres_financements_publics",
        False,
        "autres financements publics : État, Région, Europe, autres collectivités (€)",
    ),
    Column("financements_prives", False, "financements privés : mécénat, fonds privés (€)"),
    Column("cout_total", True, "coût total de l'opération, base de son plan de financement (€)"),
    Column("date_vote", True, "date du vote de la subvention (JJ/MM/AAAA)"),
    Column("numero_deliberation", False, "numéro de la délibération d'attribution"),
    Column("date_convention", False, "date de signature de la convention (JJ/MM/AAAA)"),
    Column("date_debut_travaux", False, "date de début des travaux (JJ/MM/AAAA)"),
    Column("date_fin_travaux", False, "date d'achèvement des travaux (JJ/MM/AAAA)"),
    Column(
        "communes",
        False,
        "codes INSEE des communes d'implantation, séparés par des espaces ou des barres",
    ),
    Column("description", False, "description de l'opération"),
]
COLUMN_NAMES = [c.name for c in COLUMNS]
# The model file's example, in the columns' order.
EXAMPLE_ROW = [
    "200033579",
    "Communauté urbaine d'Arras",
    "Liaison douce entre le bourg et la gare — Arras",
    "mobility",
    "250000,00",
    "50000,00",
    "400000,00",
    "",
    "1250000,00",
    "04/03/2019",
    "2019-142",
    "15/04/2019",
    "02/09/2019",
    "30/06/2021",
    "62041",
    "Une liaison cyclable de 3 km entre le centre-bourg et la gare.",
]
REQUIRED = [c.name for c in COLUMNS if c.required]
AMOUNT_COLUMNS = (
    "montant_fonds",
    "montant_droit_commun",
    "autres_financements_publics",
    "financements_prives",
    "cout_total",
)


def error_text(error: dict) -> str:
    """« Ligne 37, colonne « montant_fonds » : « 12a » n'est pas un montant. »"""
    line, column, message = error.get("line"), error.get("column"), error["message"]
    if line and column:
        return f"Ligne {line}, colonne « {column} » : {message}"
    if line:
        return f"Ligne {line} : {message}"
    return message


# --- Reading the file ----------------------------------------------------------------------


class FileRefused(Exception):
    """The file cannot be read as a table with the expected columns."""

    def __init__(self, errors: list[dict]):
        super().__init__("; ".join(error_text(e) for e in errors))
        self.errors = errors


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def normalise_header(cell) -> str:
    """« Montant fonds » → montant_fonds (accents, case and spacing ignored)."""
    text = _plain(str(cell or "")).strip().lower()
    return re.sub(r"[^a-z0-9]+", "_", text).strip("_")


def read_table(data: bytes) -> tuple[list[str], list[tuple[int, list]]]:
    """The header (normalised) and the rows with their line numbers, as a spreadsheet counts
    them (the header is line 1). Blank rows are skipped."""
    if data.startswith(XLSX_MAGIC):
        header, rows = _read_xlsx(data)
    else:
        header, rows = _read_csv(data)
    if not header or not any(header):
        raise FileRefused([{"line": 1, "message": "l'en-tête des colonnes est vide."}])
    return header, [
        (line, cells)
        for line, cells in rows
        if any(c not in (None, "") and str(c).strip() for c in cells)
    ]


def _read_xlsx(data: bytes):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 — any unreadable workbook gets one message
        raise FileRefused(
            [
                {
                    "message": "Ce classeur XLSX ne s'ouvre pas : enregistrez-le à nouveau "
                    "au format Excel (.xlsx) ou en CSV UTF-8."
                }
            ]
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        iterator = sheet.iter_rows(values_only=True)
        header = [normalise_header(c) for c in next(iterator, ())]
        while header and not header[-1]:
            header.pop()
        rows = [(line, list(cells)) for line, cells in enumerate(iterator, start=2)]
    finally:
        workbook.close()
    return header, rows


def _read_csv(data: bytes):
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileRefused(
            [
                {
                    "line": line,
                    "message": "le fichier n'est pas encodé en UTF-8 : enregistrez-le au "
                    "format « CSV UTF-8 ».",
                }
            ]
        ) from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [normalise_header(c) for c in next(reader, [])]
        rows = [(line, cells) for line, cells in enumerate(reader, start=2)]
    except csv.Error as exc:
        raise FileRefused(
            [{"line": reader.line_num, "message": f"ligne CSV illisible ({exc})."}]
        ) from exc
    return header, rows


# --- Values --------------------------------------------------------------------------------


class CellError(ValueError):
    pass


def _shown(raw) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    if isinstance(raw, datetime.date):
        return format_date(raw)
    return str(raw).strip()


def parse_amount(raw) -> Decimal:
    """1 250 000,00 €, 1250000.00, 1.250.000,00 or a spreadsheet number → Decimal, to the cent."""
    if isinstance(raw, bool):
        raise CellError(f"« {raw} » n'est pas un montant.")
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
        rounded = value.quantize(CENT)
        if abs(value - rounded) < Decimal("0.000001"):  # binary noise of a spreadsheet formula
            value = rounded
    else:
        text = re.sub(r"\s|€|eur(os?)?$", "", str(raw), flags=re.IGNORECASE)
        if "," in text and "." in text:
            if text.rfind(",") > text.rfind("."):
                text = text.replace(".", "").replace(",", ".")
            else:
                text = text.replace(",", "")
        else:
            text = text.replace(",", ".")
        if not re.fullmatch(r"-?\d+(\.\d+)?", text):
            raise CellError(f"« {_shown(raw)} » n'est pas un montant.")
        try:
            value = Decimal(text)
        except InvalidOperation as exc:
            raise CellError(f"« {_shown(raw)} » n'est pas un montant.") from exc
    if value < 0:
        raise CellError(f"« {_shown(raw)} » : un montant ne peut pas être négatif.")
    if value != value.quantize(CENT):
        raise CellError(f"« {_shown(raw)} » : un montant s'écrit au centime près.")
    return value.quantize(CENT)


DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")


def parse_date(raw) -> datetime.date:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    text = str(raw).strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, pattern).date()  # noqa: DTZ007 — a date
        except ValueError:
            continue
    raise CellError(f"« {_shown(raw)} » n'est pas une date (JJ/MM/AAAA).")


def parse_text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return re.sub(r"\s+", " ", str(raw)).strip()


def _category_lookup() -> dict[str, str]:
    lookup = {}
    for value, label in Operation.Category.choices:
        for key in (value, label, label.split(" (")[0]):
            lookup[normalise_header(key)] = value
    return lookup


CATEGORIES = _category_lookup()


def parse_category(raw) -> str:
    key = normalise_header(raw)
    if key in CATEGORIES:
        return CATEGORIES[key]
    codes = ", ".join(Operation.Category.values)
    raise CellError(f"« {_shown(raw)} » n'est pas une catégorie connue (codes : {codes}).")


# --- Checking the rows ---------------------------------------------------------------------


@dataclass
class PartnerRef:
    """Who the row's partner is: an existing partner, or one to create from the referential.
    `siret` is the file's SIRET for a partner to create, or to complete a partner without one.
    """

    kind: str  # "partner", "epci" or "commune"
    key: str
    partner_id: int | None = None
    epci: Epci | None = None
    commune: Commune | None = None
    siren: str = ""
    siret: str = ""


@dataclass
class ParsedRow:
    line: int
    partner: PartnerRef
    partner_name: str
    title: str
    category: str
    description: str
    communes: list
    fund: Decimal
    common_law: Decimal
    other_public: Decimal
    private: Decimal
    total_cost: Decimal
    voted_on: datetime.date
    deliberation_number: str
    agreement_signed_on: datetime.date | None
    works_started_on: datetime.date | None
    works_completed_on: datetime.date | None
    source: dict = field(default_factory=dict)

    @property
    def duplicate_key(self) -> tuple:
        return (self.partner.key, self.title.casefold(), self.voted_on)


def _commune_insee_from_siren(siren: str) -> str | None:
    """A commune's SIREN: 21, its département, 0, its number, a key (216200410 is Arras)."""
    if re.fullmatch(r"21\d{2}0\d{3}\d", siren):
        return siren[2:4] + siren[5:8]
    return None


class RowChecker:
    """Checks rows against the referential and what Pacte already holds for the generation."""

    def __init__(self, generation: Generation):
        self.generation = generation
        self.first_vote = generation.framework_deliberation_date or generation.period_start
        self.last_vote = generation.period_end
        self.partners: dict[str, int] = {}
        self.partner_sirets: dict[int, str] = {}
        for pk, siren, siret, rna in Partner.objects.values_list("pk", "siren", "siret", "rna"):
            self.partner_sirets[pk] = siret
            for key in (siren, siret, rna):
                if key:
                    self.partners[key] = pk
        self.sirets_given: dict[str, tuple[str, int]] = {}
        self.epcis = {e.siren: e for e in Epci.objects.select_related("territory")}
        self.communes = {c.insee_code: c for c in Commune.objects.select_related("epci")}
        self.existing = {
            (f"partner:{partner_id}", title.casefold(), voted_on): reference
            for partner_id, title, voted_on, reference in Operation.objects.filter(
                contract__generation=generation
            ).values_list("contract__partner_id", "title", "voted_on", "reference")
        }
        self.seen: dict[tuple, int] = {}

    def partner_ref(self, raw) -> PartnerRef:
        number = compact(parse_text(raw))
        if RNA_PATTERN.fullmatch(number):
            if number in self.partners:
                return PartnerRef(
                    "partner", f"partner:{self.partners[number]}", self.partners[number]
                )
            raise CellError(
                f"aucun partenaire ne porte le numéro RNA « {number} » : créez d'abord le "
                "partenaire."
            )
        siret = ""
        if re.fullmatch(r"\d{14}", number):
            if not stdnum_siret.is_valid(number):
                raise CellError(f"« {number} » n'est pas un SIRET valide (clé de contrôle).")
            siret, siren = number, number[:9]
        elif re.fullmatch(r"\d{9}", number):
            if not stdnum_siren.is_valid(number):
                raise CellError(f"« {number} » n'est pas un SIREN valide (clé de contrôle).")
            siren = number
        else:
            raise CellError(f"« {_shown(raw)} » n'est ni un SIREN, ni un SIRET, ni un numéro RNA.")
        for key in (siret, siren):
            if key and key in self.partners:
                pk = self.partners[key]
                # A SIRET completes a partner known by its SIREN alone, never replaces one.
                complete = siret if siret and not self.partner_sirets.get(pk) else ""
                return PartnerRef("partner", f"partner:{pk}", pk, siret=complete)
        if siren in self.epcis:
            return PartnerRef(
                "epci", f"epci:{siren}", epci=self.epcis[siren], siren=siren, siret=siret
            )
        insee = _commune_insee_from_siren(siren)
        if insee and insee in self.communes:
            return PartnerRef(
                "commune",
                f"commune:{insee}",
                commune=self.communes[insee],
                siren=siren,
                siret=siret,
            )
        raise CellError(
            f"aucun partenaire, aucune intercommunalité ni aucune commune du référentiel ne "
            f"porte le SIREN « {siren} » : créez d'abord le partenaire."
        )

    def check(self, line: int, cells: dict) -> tuple[ParsedRow | None, list[dict]]:
        errors: list[dict] = []
        values: dict = {}

        def cell(name, parse, required=False):
            raw = cells.get(name)
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                if required:
                    errors.append(
                        {"line": line, "column": name, "message": "valeur obligatoire manquante."}
                    )
                return None
            try:
                return parse(raw)
            except CellError as exc:
                errors.append({"line": line, "column": name, "message": str(exc)})
                return None

        partner = cell("partenaire_identifiant", self.partner_ref, required=True)
        values["partner_name"] = cell("partenaire_nom", parse_text, required=True) or ""
        title = cell("intitule", parse_text, required=True) or ""
        if len(title) > 255:
            errors.append(
                {
                    "line": line,
                    "column": "intitule",
                    "message": f"l'intitulé compte {len(title)} caractères (255 au plus).",
                }
            )
        category = cell("categorie", parse_category, required=True)
        amounts = {
            name: cell(name, parse_amount, required=name in REQUIRED) for name in AMOUNT_COLUMNS
        }
        voted_on = cell("date_vote", parse_date, required=True)
        deliberation = cell("numero_deliberation", parse_text) or ""
        if len(deliberation) > 20:
            errors.append(
                {
                    "line": line,
                    "column": "numero_deliberation",
                    "message": f"« {deliberation} » : 20 caractères au plus.",
                }
            )
        agreement = cell("date_convention", parse_date)
        started = cell("date_debut_travaux", parse_date)
        completed = cell("date_fin_travaux", parse_date)
        communes = cell("communes", self.parse_communes) or []
        description = cell("description", parse_text) or ""

        fund = amounts["montant_fonds"]
        if fund is not None and fund <= 0:
            errors.append(
                {
                    "line": line,
                    "column": "montant_fonds",
                    "message": "la subvention du fonds est un montant positif.",
                }
            )
        cost = amounts["cout_total"]
        if cost is not None and all(amounts[n] is not None or n not in REQUIRED for n in amounts):
            funding = sum((amounts[n] or ZERO for n in AMOUNT_COLUMNS if n != "cout_total"), ZERO)
            if cost < funding:
                errors.append(
                    {
                        "line": line,
                        "column": "cout_total",
                        "message": f"le coût total ({format_money(cost)}) est inférieur à la "
                        f"somme des financements déclarés ({format_money(funding)}).",
                    }
                )
        if voted_on and not (self.first_vote <= voted_on <= self.last_vote):
            errors.append(
                {
                    "line": line,
                    "column": "date_vote",
                    "message": f"« {format_date(voted_on)} » est hors de la génération "
                    f"{self.generation.period_label} (votes du {format_date(self.first_vote)} "
                    f"au {format_date(self.last_vote)}).",
                }
            )
        if voted_on and agreement and agreement < voted_on:
            errors.append(
                {
                    "line": line,
                    "column": "date_convention",
                    "message": f"la convention ({format_date(agreement)}) ne peut précéder le "
                    f"vote ({format_date(voted_on)}).",
                }
            )
        if started and completed and completed < started:
            errors.append(
                {
                    "line": line,
                    "column": "date_fin_travaux",
                    "message": f"l'achèvement ({format_date(completed)}) précède le début des "
                    f"travaux ({format_date(started)}).",
                }
            )
        if partner and partner.siret:
            given = self.sirets_given.setdefault(partner.key, (partner.siret, line))
            if given[0] != partner.siret:
                errors.append(
                    {
                        "line": line,
                        "column": "partenaire_identifiant",
                        "message": f"SIRET « {partner.siret} » différent de celui de la ligne "
                        f"{given[1]} (« {given[0]} ») pour le même partenaire.",
                    }
                )
        if errors:
            return None, errors
        row = ParsedRow(
            line=line,
            partner=partner,
            partner_name=values["partner_name"],
            title=title,
            category=category,
            description=description,
            communes=communes,
            fund=fund,
            common_law=amounts["montant_droit_commun"] or ZERO,
            other_public=amounts["autres_financements_publics"] or ZERO,
            private=amounts["financements_prives"] or ZERO,
            total_cost=cost,
            voted_on=voted_on,
            deliberation_number=deliberation,
            agreement_signed_on=agreement,
            works_started_on=started,
            works_completed_on=completed,
            source={k: _shown(v) for k, v in cells.items() if v not in (None, "")},
        )
        key = row.duplicate_key
        if key in self.existing:
            return None, [
                {
                    "line": line,
                    "column": "intitule",
                    "message": "cette opération (même partenaire, même intitulé, même date de "
                    f"vote) est déjà dans l'historique : {self.existing[key]}.",
                }
            ]
        if key in self.seen:
            return None, [
                {
                    "line": line,
                    "column": "intitule",
                    "message": "même partenaire, même intitulé et même date de vote qu'à la "
                    f"ligne {self.seen[key]}.",
                }
            ]
        self.seen[key] = line
        return row, []

    def parse_communes(self, raw) -> list:
        if isinstance(raw, int | float):
            raw = str(int(raw)).zfill(5)
        communes = []
        for code in re.split(r"[\s,;|/]+", str(raw).strip()):
            if not code:
                continue
            code = code.upper().zfill(5)
            if code not in self.communes:
                raise CellError(f"code INSEE « {code} » inconnu du référentiel.")
            communes.append(self.communes[code])
        return communes


@dataclass
class CheckResult:
    rows: list[ParsedRow]
    errors: list[dict]
    error_count: int


def check_file(
    generation: Generation, data: bytes, progress: Callable[[int, int], None] | None = None
) -> CheckResult:
    """Every row checked; `progress(checked, total)` is called as the check goes."""
    try:
        header, rows = read_table(data)
    except FileRefused as exc:
        return CheckResult([], exc.errors, len(exc.errors))
    errors = []
    for index, name in enumerate(header):
        if name and name not in COLUMN_NAMES:
            errors.append(
                {
                    "line": 1,
                    "column": name,
                    "message": "colonne inconnue (colonnes possibles : "
                    f"{', '.join(COLUMN_NAMES)}).",
                }
            )
        elif name and name in header[:index]:
            errors.append({"line": 1, "column": name, "message": "colonne en double."})
    for name in REQUIRED:
        if name not in header:
            errors.append({"line": 1, "column": name, "message": "colonne obligatoire absente."})
    if not errors and not rows:
        errors.append({"line": 2, "message": "le fichier ne contient aucune opération."})
    if errors:
        return CheckResult([], errors, len(errors))
    checker = RowChecker(generation)
    parsed, count = [], 0
    total = len(rows)
    step = max(1, total // 50)
    for index, (line, cells) in enumerate(rows, start=1):
        values = dict(zip(header, cells, strict=False))
        row, row_errors = checker.check(line, values)
        if len(cells) > len(header) and any(
            c not in (None, "") and str(c).strip() for c in cells[len(header) :]
        ):
            row_errors.append(
                {"line": line, "message": "cette ligne a plus de cellules que l'en-tête."}
            )
            row = None
        count += len(row_errors)
        errors.extend(row_errors[: max(0, MAX_STORED_ERRORS - len(errors))])
        if row is not None:
            parsed.append(row)
        if progress and (index % step == 0 or index == total):
            progress(index, total)
    return CheckResult(parsed if not count else [], errors, count)


# --- Writing -------------------------------------------------------------------------------

HISTORY_REASON = "Reprise de l'historique : fichier « {name} », ligne {line}."


@dataclass
class WriteCounts:
    operations: int = 0
    partners: int = 0
    contracts: int = 0
    sirets: int = 0


def _partner_for(ref: PartnerRef, row: ParsedRow, *, actor, generation, is_demo, cache, counts):
    if ref.partner_id:
        if ref.siret and ref.key not in cache:
            partner = Partner.objects.get(pk=ref.partner_id)
            if not partner.siret:
                partner.siret = ref.siret
                partner.save(update_fields=["siret"])
                audit(
                    actor=actor,
                    action="partner.siret_completed",
                    obj=partner,
                    summary=f"SIRET de « {partner.name} » complété par l'import de l'historique",
                    data={"siret": ref.siret},
                )
                counts.sirets += 1
            cache[ref.key] = ref.partner_id
        return ref.partner_id
    if ref.key in cache:
        return cache[ref.key]
    if ref.kind == "epci":
        partner = partner_create(
            actor=actor,
            name=ref.epci.name,
            kind=Partner.Kind.EPCI,
            siren=ref.siren,
            siret=ref.siret,
            epci=ref.epci,
            territory=ref.epci.territory,
            is_demo=is_demo,
        )
    else:
        commune = ref.commune
        partner = partner_create(
            actor=actor,
            name=row.partner_name[:200],
            kind=Partner.Kind.COMMUNE,
            siren=ref.siren,
            siret=ref.siret,
            commune=commune,
            territory=commune.epci.territory if commune.epci_id else None,
            centrality_reason=f"Partenaire signataire de la génération "
            f"{generation.period_label}, repris de l'historique.",
            is_demo=is_demo,
        )
    counts.partners += 1
    cache[ref.key] = partner.pk
    return partner.pk


def _contract_for(partner_id, *, actor, generation, is_demo, cache, counts, reason):
    if partner_id in cache:
        return cache[partner_id]
    contract = Contract.objects.filter(generation=generation, partner_id=partner_id).first()
    if contract is None:
        contract = Contract(
            generation=generation,
            partner_id=partner_id,
            implementation_terms=f"Contrat de la génération {generation.period_label}, repris "
            "de l'historique avec ses opérations.",
            closed_on=generation.period_end,
            is_demo=is_demo,
        )
        contract.full_clean()
        contract.save()
        audit(actor=actor, action="contract.create", obj=contract, summary=f"{contract} repris")
        CONTRACT_WORKFLOW.apply(contract, "record_history", actor=actor, reason=reason)
        counts.contracts += 1
    cache[partner_id] = contract
    return contract


def write_rows(
    *, actor, generation: Generation, history_import: HistoryImport, rows: list[ParsedRow]
) -> WriteCounts:
    """Create the partners, contracts and operations of checked rows. Call in a transaction."""
    is_demo = history_import.is_demo
    counts = WriteCounts()
    partners: dict[str, int] = {}
    contracts: dict[int, Contract] = {}
    expenses, resources, records = [], [], []
    year = generation.period_start.year
    for row in rows:
        reason = HISTORY_REASON.format(name=history_import.original_name, line=row.line)
        partner_id = _partner_for(
            row.partner,
            row,
            actor=actor,
            generation=generation,
            is_demo=is_demo,
            cache=partners,
            counts=counts,
        )
        contract = _contract_for(
            partner_id,
            actor=actor,
            generation=generation,
            is_demo=is_demo,
            cache=contracts,
            counts=counts,
            reason=HISTORY_REASON.format(name=history_import.original_name, line=row.line),
        )
        operation = Operation.objects.create(
            contract=contract,
            reference=f"TMP-{uuid.uuid4().hex[:16]}",
            title=row.title,
            description=row.description,
            category=row.category,
            vat_recovered=True,
            planned_start=row.works_started_on,
            planned_end=row.works_completed_on,
            works_started_on=row.works_started_on,
            requested_fund_amount=row.fund,
            created_by=actor,
            is_demo=is_demo,
        )
        operation.reference = f"OP-{year}-{operation.pk:05d}"
        Operation.objects.filter(pk=operation.pk).update(reference=operation.reference)
        if row.communes:
            operation.communes.set(row.communes)
        OPERATION_WORKFLOW.apply(
            operation,
            "record_history",
            actor=actor,
            reason=reason,
            granted_amount=row.fund,
            voted_on=row.voted_on,
        )
        expenses.append(
            Expense(
                operation=operation,
                label="Coût total de l'opération (repris de l'historique)",
                amount_excl_tax=row.total_cost,
                amount_incl_tax=row.total_cost,
            )
        )
        own = row.total_cost - row.fund - row.common_law - row.other_public - row.private
        for funder, amount, label in [
            (Resource.Funder.FIT, row.fund, ""),
            (Resource.Funder.DEPARTMENT_OTHER, row.common_law, ""),
            (
                Resource.Funder.OTHER_PUBLIC,
                row.other_public,
                "Autres financements publics (repris de l'historique)",
            ),
            (Resource.Funder.PRIVATE, row.private, ""),
            (Resource.Funder.SELF, own, ""),
        ]:
            if amount > 0:
                resources.append(
                    Resource(
                        operation=operation,
                        funder=funder,
                        amount=amount,
                        label=label,
                        status=Resource.Status.OBTAINED,
                    )
                )
        records.append(
            ImportedOperation(
                operation=operation,
                history_import=history_import,
                line=row.line,
                deliberation_number=row.deliberation_number,
                agreement_signed_on=row.agreement_signed_on,
                works_completed_on=row.works_completed_on,
                source=row.source,
            )
        )
        counts.operations += 1
    Expense.objects.bulk_create(expenses, batch_size=500)
    Resource.objects.bulk_create(resources, batch_size=500)
    ImportedOperation.objects.bulk_create(records, batch_size=500)
    return counts


# --- Services ------------------------------------------------------------------------------


def _check_actor(actor) -> None:
    policy.require(actor, "history_import", "create")


def _check_generation(generation: Generation) -> None:
    if not generation.is_history:
        raise ValidationError(
            "L'historique s'importe dans une génération passée ; les opérations de la "
            "génération en cours se déposent et s'instruisent dans Pacte."
        )


@transaction.atomic
def history_import_create(
    *, actor, generation: Generation, data: bytes, name: str, is_demo: bool = False
) -> HistoryImport:
    """Keep the file and record the request; the rows are checked and written by `run`."""
    _check_actor(actor)
    _check_generation(generation)
    if not data:
        raise ValidationError("Le fichier est vide.")
    if len(data) > MAX_FILE_BYTES:
        raise ValidationError(
            f"Le fichier dépasse {MAX_FILE_BYTES // (1024 * 1024)} Mio : découpez-le."
        )
    name = (name or "historique").rsplit("/", 1)[-1][:255]
    history_import = HistoryImport(
        generation=generation,
        original_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        is_demo=is_demo,
        requested_by=actor,
    )
    extension = "xlsx" if data.startswith(XLSX_MAGIC) else "csv"
    history_import.source.save(f"historique.{extension}", ContentFile(data), save=False)
    history_import.save()
    audit(
        actor=actor,
        action="history.import_requested",
        obj=history_import,
        summary=f"Import de l'historique {generation.period_label} demandé : « {name} »",
        data={"sha256": history_import.sha256, "size": len(data)},
    )
    return history_import


def history_import_start(
    *, actor, generation: Generation, data: bytes, name: str, is_demo: bool = False
) -> HistoryImport:
    """Record the request and queue the import for the background worker."""
    from .tasks_history import run_history_import

    history_import = history_import_create(
        actor=actor, generation=generation, data=data, name=name, is_demo=is_demo
    )
    transaction.on_commit(lambda: run_history_import.enqueue(history_import.pk))
    return history_import


def _update(history_import: HistoryImport, **fields) -> None:
    for key, value in fields.items():
        setattr(history_import, key, value)
    HistoryImport.objects.filter(pk=history_import.pk).update(**fields)


def history_import_run(
    import_id: int, *, progress: Callable[[int, int], None] | None = None
) -> HistoryImport:
    """Check every row, then write everything in one transaction, or nothing.

    Progress is written as the check goes, outside any long transaction, so that the page
    that follows the import sees it move.
    """
    history_import = HistoryImport.objects.select_related("generation", "requested_by").get(
        pk=import_id
    )
    if history_import.started_at:
        return history_import
    generation = history_import.generation
    actor = history_import.requested_by
    _update(history_import, started_at=timezone.now())
    try:
        _check_actor(actor)
        with history_import.source.open("rb") as handle:
            data = handle.read()

        def report(checked: int, total: int) -> None:
            _update(history_import, checked_rows=checked, total_rows=total)
            if progress:
                progress(checked, total)

        result = check_file(generation, data, report)
        if result.error_count:
            return _refuse(history_import, actor, result.errors, result.error_count)
        _update(history_import, checked_at=timezone.now())
        with transaction.atomic():
            counts = write_rows(
                actor=actor, generation=generation, history_import=history_import, rows=result.rows
            )
            _update(
                history_import,
                created_operations=counts.operations,
                created_partners=counts.partners,
                created_contracts=counts.contracts,
                completed_sirets=counts.sirets,
                finished_at=timezone.now(),
            )
            audit(
                actor=actor,
                action="history.import",
                obj=history_import,
                summary=f"Historique {generation.period_label} importé : "
                f"{counts.operations} opérations (« {history_import.original_name} »)",
                data={
                    "operations": counts.operations,
                    "partners": counts.partners,
                    "contracts": counts.contracts,
                    "sirets": counts.sirets,
                    "sha256": history_import.sha256,
                },
            )
    except (ValidationError, PermissionDenied) as exc:
        texts = getattr(exc, "messages", None) or [str(exc)]
        return _refuse(history_import, actor, [{"message": t} for t in texts], len(texts))
    except Exception as exc:
        logger.exception("Import de l'historique %s interrompu", import_id)
        return _refuse(
            history_import,
            actor,
            [{"message": f"erreur inattendue pendant l'import : {exc}."}],
            1,
        )
    return history_import


def _refuse(history_import, actor, errors, count) -> HistoryImport:
    _update(
        history_import,
        errors=errors[:MAX_STORED_ERRORS],
        error_count=count,
        finished_at=timezone.now(),
    )
    audit(
        actor=actor,
        action="history.import_refused",
        obj=history_import,
        summary=f"Import de l'historique refusé : {count} erreur(s), rien n'a été enregistré",
        data={"errors": [error_text(e) for e in errors[:20]]},
    )
    return history_import


def history_import_file(
    *,
    actor,
    generation: Generation,
    data: bytes,
    name: str,
    is_demo: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> HistoryImport:
    """The same import, at once (management command, demo)."""
    history_import = history_import_create(
        actor=actor, generation=generation, data=data, name=name, is_demo=is_demo
    )
    return history_import_run(history_import.pk, progress=progress)


# --- Selectors -----------------------------------------------------------------------------


# Database ids are 64-bit: a larger number designates nothing.


def history_generations(*, user):
    """The past generations an import may fill (for those who may import)."""
    policy.require(user, "history_import", "create")
    return policy.scope(
        user, "generation", Generation.objects.filter(is_history=True).order_by("-period_start")
    )


def history_import_list(*, user):
    return policy.scope(
        user,
        "history_import",
        HistoryImport.objects.select_related("generation", "requested_by").order_by(
            "-requested_at", "-pk"
        ),
    )


def history_import_get(*, user, pk) -> HistoryImport:
    from django.http import Http404

    try:
        value = int(pk)
    except (TypeError, ValueError, OverflowError):
        value = 0
    if not 0 < value <= MAX_ID:
        raise Http404("Import introuvable.")
    try:
        return history_import_list(user=user).get(pk=value)
    except HistoryImport.DoesNotExist as exc:
        raise Http404("Import introuvable.") from exc


def default_generation() -> Generation | None:
    return Generation.objects.filter(is_history=True).order_by("-period_start").first()
