"""Checking a history file row by row, against the referential and what Pacte already holds for
the generation. Every error is reported, by line and column; the rows are kept only if none is
found."""

import datetime
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

from pacte.contracts.identifiers import RNA_PATTERN, compact
from pacte.contracts.models import Generation, Partner
from pacte.core.french import format_date, format_money
from pacte.operations.models import Operation
from pacte.territory.models import Commune, Epci

from .columns import AMOUNT_COLUMNS, COLUMN_NAMES, MAX_STORED_ERRORS, REQUIRED
from .reading import FileRefused, read_table
from .spool import Spool
from .values import (
    CellError,
    parse_amount,
    parse_category,
    parse_date,
    parse_text,
    quoted,
    shown,
)

ZERO = Decimal("0.00")


@dataclass
class PartnerRef:
    """Who the row's partner is: an existing partner, or one to create from the referential.
    `siret` is the file's SIRET for a partner to create, or to complete a partner without one.
    """

    kind: str  # "partner", "epci" or "commune"
    key: str
    partner_id: int | None = None
    epci_id: int | None = None
    commune_id: int | None = None
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
    commune_ids: list[int]
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
    def duplicate_key(self) -> bytes:
        return duplicate_key(self.partner.key, self.title, self.voted_on)


def duplicate_key(partner_key: str, title: str, voted_on: datetime.date) -> bytes:
    """What makes two operations the same (partner, title regardless of case, vote date), as
    16 bytes: the keys of a file's rows and of the generation's operations — hundreds of
    thousands — are held in memory as digests, not as titles."""
    text = f"{partner_key}\x1f{title.casefold()}\x1f{voted_on.isoformat()}"
    return hashlib.blake2b(text.encode(), digest_size=16).digest()


def generation_keys(generation: Generation) -> dict[bytes, str]:
    """The operations of the generation, by duplicate key: their references."""
    rows = (
        Operation.objects.filter(contract__generation=generation)
        .values_list("contract__partner_id", "title", "voted_on", "reference")
        .iterator(chunk_size=5000)
    )
    return {
        duplicate_key(f"partner:{partner_id}", title, voted_on): reference
        for partner_id, title, voted_on, reference in rows
    }


@dataclass
class RowCells:
    """One row's cells, by column name, and the errors found while reading them."""

    line: int
    cells: dict
    errors: list[dict] = field(default_factory=list)

    def error(self, column: str, message: str) -> None:
        self.errors.append({"line": self.line, "column": column, "message": message})

    def read(self, name: str, parse: Callable, required: bool = False):
        """The cell parsed, or None when it is empty or wrong (the error is noted)."""
        raw = self.cells.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if required:
                self.error(name, "valeur obligatoire manquante.")
            return None
        try:
            return parse(raw)
        except CellError as exc:
            self.error(name, str(exc))
            return None


def _commune_insee_from_siren(siren: str) -> str | None:
    """A commune's SIREN: 21, its département, 0, its number, a key (216200410 is Arras)."""
    if re.fullmatch(r"21\d{2}0\d{3}\d", siren):
        return siren[2:4] + siren[5:8]
    return None


def _siren_and_siret(number: str, raw) -> tuple[str, str]:
    """The SIREN and the SIRET (empty for a SIREN alone) of a checked identifier."""
    if re.fullmatch(r"\d{14}", number):
        if not stdnum_siret.is_valid(number):
            raise CellError(f"« {number} » n'est pas un SIRET valide (clé de contrôle).")
        return number[:9], number
    if re.fullmatch(r"\d{9}", number):
        if not stdnum_siren.is_valid(number):
            raise CellError(f"« {number} » n'est pas un SIREN valide (clé de contrôle).")
        return number, ""
    raise CellError(f"« {quoted(raw)} » n'est ni un SIREN, ni un SIRET, ni un numéro RNA.")


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
        self.partner_refs: dict[str, PartnerRef | CellError] = {}
        self.epcis = dict(Epci.objects.values_list("siren", "pk"))
        self.communes = dict(Commune.objects.values_list("insee_code", "pk"))
        self.existing = generation_keys(generation)
        self.seen: dict[bytes, int] = {}
        # The SIRENs of the partners the rows create (a few: intercommunalités, communes).
        self.new_sirens: set[str] = set()

    # --- The partner and the communes, read from their cells ------------------------------

    def partner_ref(self, raw) -> PartnerRef:
        """The row's partner; a file names the same partners again and again, each is looked
        up once (a bounded memo)."""
        key = str(raw)
        if key not in self.partner_refs:
            if len(self.partner_refs) >= 10_000:
                self.partner_refs.clear()
            try:
                self.partner_refs[key] = self._partner_ref(raw)
            except CellError as exc:
                self.partner_refs[key] = exc
        found = self.partner_refs[key]
        if isinstance(found, CellError):
            raise found
        return found

    def _partner_ref(self, raw) -> PartnerRef:
        number = compact(parse_text(raw))
        if RNA_PATTERN.fullmatch(number):
            return self._partner_by_rna(number)
        siren, siret = _siren_and_siret(number, raw)
        return self._known_partner(siren, siret) or self._referential_partner(siren, siret)

    def _partner_by_rna(self, number: str) -> PartnerRef:
        if number in self.partners:
            return PartnerRef("partner", f"partner:{self.partners[number]}", self.partners[number])
        raise CellError(
            f"aucun partenaire ne porte le numéro RNA « {number} » : créez d'abord le partenaire."
        )

    def _known_partner(self, siren: str, siret: str) -> PartnerRef | None:
        for key in (siret, siren):
            if key and key in self.partners:
                pk = self.partners[key]
                # A SIRET completes a partner known by its SIREN alone, never replaces one.
                complete = siret if siret and not self.partner_sirets.get(pk) else ""
                return PartnerRef("partner", f"partner:{pk}", pk, siret=complete)
        return None

    def _referential_partner(self, siren: str, siret: str) -> PartnerRef:
        """An intercommunality or a commune of the referential, to become a partner."""
        if siren in self.epcis:
            return PartnerRef(
                "epci", f"epci:{siren}", epci_id=self.epcis[siren], siren=siren, siret=siret
            )
        insee = _commune_insee_from_siren(siren)
        if insee and insee in self.communes:
            return PartnerRef(
                "commune",
                f"commune:{insee}",
                commune_id=self.communes[insee],
                siren=siren,
                siret=siret,
            )
        raise CellError(
            f"aucun partenaire, aucune intercommunalité ni aucune commune du référentiel ne "
            f"porte le SIREN « {siren} » : créez d'abord le partenaire."
        )

    def parse_communes(self, raw) -> list[int]:
        if isinstance(raw, int | float):
            raw = str(int(raw)).zfill(5)
        communes: list[int] = []
        for code in re.split(r"[\s,;|/]+", str(raw).strip()):
            if not code:
                continue
            code = code.upper().zfill(5)
            if code not in self.communes:
                raise CellError(f"code INSEE « {code} » inconnu du référentiel.")
            communes.append(self.communes[code])
        return communes

    # --- One row -------------------------------------------------------------------------

    def check(self, line: int, cells: dict) -> tuple[ParsedRow | None, list[dict]]:
        """The row, or None and its errors: each cell's, then those between cells, then a
        row already in Pacte or earlier in the file."""
        row = RowCells(line, cells)
        values = self._read_cells(row)
        self._check_amounts(row, values["amounts"])
        self._check_dates(row, values)
        self._check_siret(row, values["partner"])
        if row.errors:
            return None, row.errors
        parsed = self._parsed_row(row, values)
        error = self._duplicate_error(parsed)
        if error:
            return None, [error]
        self.seen[parsed.duplicate_key] = line
        if parsed.partner.partner_id is None:
            self.new_sirens.add(parsed.partner.siren)
        return parsed, []

    def _read_cells(self, row: RowCells) -> dict:
        """Every cell read, in the columns' order, with the lengths the models allow."""
        values = {
            "partner": row.read("partenaire_identifiant", self.partner_ref, required=True),
            "partner_name": row.read("partenaire_nom", parse_text, required=True) or "",
            "title": row.read("intitule", parse_text, required=True) or "",
        }
        if len(values["title"]) > 255:
            row.error(
                "intitule", f"l'intitulé compte {len(values['title'])} caractères (255 au plus)."
            )
        values["category"] = row.read("categorie", parse_category, required=True)
        values["amounts"] = {
            name: row.read(name, parse_amount, required=name in REQUIRED) for name in AMOUNT_COLUMNS
        }
        values["voted_on"] = row.read("date_vote", parse_date, required=True)
        deliberation = row.read("numero_deliberation", parse_text) or ""
        if len(deliberation) > 20:
            row.error("numero_deliberation", f"« {deliberation} » : 20 caractères au plus.")
        values["deliberation_number"] = deliberation
        values["agreement_signed_on"] = row.read("date_convention", parse_date)
        values["works_started_on"] = row.read("date_debut_travaux", parse_date)
        values["works_completed_on"] = row.read("date_fin_travaux", parse_date)
        values["communes"] = row.read("communes", self.parse_communes) or []
        values["description"] = row.read("description", parse_text) or ""
        return values

    def _check_amounts(self, row: RowCells, amounts: dict) -> None:
        """A positive subsidy, and a total cost that covers the financing declared."""
        fund = amounts["montant_fonds"]
        if fund is not None and fund <= 0:
            row.error("montant_fonds", "la subvention du fonds est un montant positif.")
        cost = amounts["cout_total"]
        if cost is None or any(amounts[n] is None and n in REQUIRED for n in amounts):
            return
        funding = sum((amounts[n] or ZERO for n in AMOUNT_COLUMNS if n != "cout_total"), ZERO)
        if cost < funding:
            row.error(
                "cout_total",
                f"le coût total ({format_money(cost)}) est inférieur à la somme des "
                f"financements déclarés ({format_money(funding)}).",
            )

    def _check_dates(self, row: RowCells, values: dict) -> None:
        """A vote within the generation, a convention after it, works ended after begun."""
        voted_on, agreement = values["voted_on"], values["agreement_signed_on"]
        started, completed = values["works_started_on"], values["works_completed_on"]
        if voted_on and not (self.first_vote <= voted_on <= self.last_vote):
            row.error(
                "date_vote",
                f"« {format_date(voted_on)} » est hors de la génération "
                f"{self.generation.period_label} (votes du {format_date(self.first_vote)} "
                f"au {format_date(self.last_vote)}).",
            )
        if voted_on and agreement and agreement < voted_on:
            row.error(
                "date_convention",
                f"la convention ({format_date(agreement)}) ne peut précéder le vote "
                f"({format_date(voted_on)}).",
            )
        if started and completed and completed < started:
            row.error(
                "date_fin_travaux",
                f"l'achèvement ({format_date(completed)}) précède le début des travaux "
                f"({format_date(started)}).",
            )

    def _check_siret(self, row: RowCells, partner: PartnerRef | None) -> None:
        """One SIRET per partner in a file: the first row that gives one sets it."""
        if not (partner and partner.siret):
            return
        given = self.sirets_given.setdefault(partner.key, (partner.siret, row.line))
        if given[0] != partner.siret:
            row.error(
                "partenaire_identifiant",
                f"SIRET « {partner.siret} » différent de celui de la ligne {given[1]} "
                f"(« {given[0]} ») pour le même partenaire.",
            )

    def _parsed_row(self, row: RowCells, values: dict) -> ParsedRow:
        amounts = values["amounts"]
        return ParsedRow(
            line=row.line,
            partner=values["partner"],
            partner_name=values["partner_name"],
            title=values["title"],
            category=values["category"],
            description=values["description"],
            commune_ids=values["communes"],
            fund=amounts["montant_fonds"],
            common_law=amounts["montant_droit_commun"] or ZERO,
            other_public=amounts["autres_financements_publics"] or ZERO,
            private=amounts["financements_prives"] or ZERO,
            total_cost=amounts["cout_total"],
            voted_on=values["voted_on"],
            deliberation_number=values["deliberation_number"],
            agreement_signed_on=values["agreement_signed_on"],
            works_started_on=values["works_started_on"],
            works_completed_on=values["works_completed_on"],
            source={k: shown(v) for k, v in row.cells.items() if v not in (None, "")},
        )

    def _duplicate_error(self, parsed: ParsedRow) -> dict | None:
        """The same partner, title and vote date as an operation of Pacte or an earlier row."""
        key = parsed.duplicate_key
        if key in self.existing:
            message = (
                "cette opération (même partenaire, même intitulé, même date de vote) est déjà "
                f"dans l'historique : {self.existing[key]}."
            )
        elif key in self.seen:
            message = (
                "même partenaire, même intitulé et même date de vote qu'à la ligne "
                f"{self.seen[key]}."
            )
        else:
            return None
        return {"line": parsed.line, "column": "intitule", "message": message}


# --- The whole file ------------------------------------------------------------------------


@dataclass
class CheckResult:
    """The checked rows (on disk, to be closed) when no error is found, else the errors."""

    rows: Spool | None
    errors: list[dict]
    error_count: int
    new_sirens: frozenset[str] = frozenset()

    def close(self) -> None:
        if self.rows is not None:
            self.rows.close()


def header_errors(header: list[str], rows: Spool) -> list[dict]:
    """Unknown, doubled or missing columns; else a file without rows."""
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
    return errors


def check_file(
    generation: Generation,
    source: bytes | BinaryIO,
    progress: Callable[[int, int], None] | None = None,
) -> CheckResult:
    """Every row checked; `progress(checked, total)` is called as the check goes."""
    try:
        header, rows = read_table(source)
    except FileRefused as exc:
        return CheckResult(None, exc.errors, len(exc.errors))
    with rows:
        errors = header_errors(header, rows)
        if errors:
            return CheckResult(None, errors, len(errors))
        return _check_rows(RowChecker(generation), header, rows, progress)


def _check_rows(checker: RowChecker, header: list[str], rows: Spool, progress) -> CheckResult:
    """The rows checked one by one, those without error spooled; at the first error found the
    spool is dropped, and the check goes on for the errors alone."""
    parsed: Spool | None = Spool()
    errors: list[dict] = []
    count = 0
    total = len(rows)
    step = max(1, total // 50)
    try:
        for index, (line, cells) in enumerate(rows, start=1):
            row, row_errors = checker.check(line, dict(zip(header, cells, strict=False)))
            if len(cells) > len(header) and any(
                c not in (None, "") and str(c).strip() for c in cells[len(header) :]
            ):
                row_errors.append(
                    {"line": line, "message": "cette ligne a plus de cellules que l'en-tête."}
                )
                row = None
            count += len(row_errors)
            errors.extend(row_errors[: max(0, MAX_STORED_ERRORS - len(errors))])
            if count and parsed is not None:
                parsed.close()
                parsed = None
            if row is not None and parsed is not None:
                parsed.append(row)
            if progress and (index % step == 0 or index == total):
                progress(index, total)
    except BaseException:
        if parsed is not None:
            parsed.close()
        raise
    return CheckResult(parsed, errors, count, frozenset(checker.new_sirens))
