"""Writing checked rows: the partners and contracts they need, then the operations, moved to
« Achevée » by the workflow, with their financing plans and what they keep of their line."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from pacte.contracts.models import Contract, Generation, Partner
from pacte.contracts.services import partner_create
from pacte.contracts.workflows import CONTRACT_WORKFLOW
from pacte.core.audit import audit
from pacte.core.bulk import insert_many
from pacte.core.models import User
from pacte.operations import search
from pacte.operations.models import Expense, Operation, Resource
from pacte.operations.services import operations_insert
from pacte.operations.workflows import OPERATION_WORKFLOW, RECORD_HISTORY
from pacte.territory.models import Commune, Epci

from .checking import ParsedRow, PartnerRef, generation_keys
from .models import HistoryImport, ImportedOperation
from .spool import Spool

HISTORY_REASON = "Reprise de l'historique : fichier « {name} », ligne {line}."


BATCH = 1000


def _claim_generation(
    generation: Generation, new_sirens: frozenset[str]
) -> tuple[dict[str, int], dict[bytes, str]]:
    """Imports into a generation write one at a time (a row lock on the generation, held until
    the write commits), and each looks again, under that lock, at what an import finished in
    the meantime wrote: the same file sent twice at the same moment is written once, the
    second refused as if it had come after. The partners such an import created, by SIREN,
    and the operations of the generation, by duplicate key."""
    Generation.objects.select_for_update().get(pk=generation.pk)
    created = dict(Partner.objects.filter(siren__in=new_sirens).values_list("siren", "pk"))
    return created, generation_keys(generation)


def _written_meanwhile(
    rows: list[ParsedRow], created: dict[str, int], existing: dict[bytes, str]
) -> list[str]:
    """The rows of a batch that an import finished in the meantime wrote."""
    found = []
    for row in rows:
        _resolve(row.partner, created)
        if row.duplicate_key in existing:
            found.append(
                f"Ligne {row.line}, colonne « intitule » : cette opération (même partenaire, "
                "même intitulé, même date de vote) vient d'être importée par un autre import : "
                f"{existing[row.duplicate_key]}."
            )
    return found


def _resolve(ref: PartnerRef, created: dict[str, int]) -> None:
    """A partner to create that another import created in the meantime is that one."""
    if ref.partner_id is None and ref.siren in created:
        ref.partner_id = created[ref.siren]
        ref.key = f"partner:{ref.partner_id}"


@dataclass
class WriteCounts:
    operations: int = 0
    partners: int = 0
    contracts: int = 0
    sirets: int = 0


class RowWriter:
    """Writes checked rows for one import, creating each partner and contract once."""

    def __init__(
        self, *, actor: User | None, generation: Generation, history_import: HistoryImport
    ) -> None:
        self.actor = actor
        self.generation = generation
        self.history_import = history_import
        self.is_demo = history_import.is_demo
        self.counts = WriteCounts()
        self.partners: dict[str, int] = {}
        self.contracts: dict[int, Contract] = {}
        self.created: dict[str, int] = {}

    def partner_id(self, row: ParsedRow) -> int:
        ref = row.partner
        _resolve(ref, self.created)
        if ref.partner_id:
            if ref.siret and ref.key not in self.partners:
                self._complete_siret(ref)
                self.partners[ref.key] = ref.partner_id
            return ref.partner_id
        if ref.key not in self.partners:
            self.partners[ref.key] = self._partner_create(ref, row).pk
            self.counts.partners += 1
        return self.partners[ref.key]

    def _complete_siret(self, ref: PartnerRef) -> None:
        """The file's SIRET given to a partner known by its SIREN alone."""
        partner = Partner.objects.get(pk=ref.partner_id)
        if not partner.siret:
            partner.siret = ref.siret
            partner.save(update_fields=["siret"])
            audit(
                actor=self.actor,
                action="partner.siret_completed",
                obj=partner,
                summary=f"SIRET de « {partner.name} » complété par l'import de l'historique",
                data={"siret": ref.siret},
            )
            self.counts.sirets += 1

    def _partner_create(self, ref: PartnerRef, row: ParsedRow) -> Partner:
        """A partner made from an intercommunality or a commune of the referential."""
        if ref.kind == "epci":
            epci = Epci.objects.select_related("territory").get(pk=ref.epci_id)
            return partner_create(
                actor=self.actor,
                name=epci.name,
                kind=Partner.Kind.EPCI,
                siren=ref.siren,
                siret=ref.siret,
                epci=epci,
                territory=epci.territory,
                is_demo=self.is_demo,
            )
        commune = Commune.objects.select_related("epci__territory").get(pk=ref.commune_id)
        return partner_create(
            actor=self.actor,
            name=row.partner_name[:200],
            kind=Partner.Kind.COMMUNE,
            siren=ref.siren,
            siret=ref.siret,
            commune=commune,
            territory=commune.epci.territory if commune.epci_id else None,
            centrality_reason=f"Partenaire signataire de la génération "
            f"{self.generation.period_label}, repris de l'historique.",
            is_demo=self.is_demo,
        )

    def contract(self, partner_id: int, reason: str) -> Contract:
        """The partner's contract of the generation, taken up closed if it has none."""
        if partner_id in self.contracts:
            return self.contracts[partner_id]
        generation = self.generation
        contract = Contract.objects.filter(generation=generation, partner_id=partner_id).first()
        if contract is None:
            contract = Contract(
                generation=generation,
                partner_id=partner_id,
                implementation_terms=f"Contrat de la génération {generation.period_label}, "
                "repris de l'historique avec ses opérations.",
                closed_on=generation.period_end,
                is_demo=self.is_demo,
            )
            contract.full_clean()
            contract.save()
            audit(
                actor=self.actor,
                action="contract.create",
                obj=contract,
                summary=f"{contract} repris",
            )
            CONTRACT_WORKFLOW.apply(contract, "record_history", actor=self.actor, reason=reason)
            self.counts.contracts += 1
        self.contracts[partner_id] = contract
        return contract

    def record(self, row: ParsedRow, operation: Operation) -> ImportedOperation:
        return ImportedOperation(
            operation_id=operation.pk,
            history_import_id=self.history_import.pk,
            line=row.line,
            deliberation_number=row.deliberation_number,
            agreement_signed_on=row.agreement_signed_on,
            works_completed_on=row.works_completed_on,
            source=row.source,
        )


def _operations_create(
    rows: list[ParsedRow], writer: RowWriter, reasons: list[str]
) -> list[Operation]:
    """The operations of a batch of rows, created by the workflow's `record_history` transition
    straight in « Achevée », each with its reference as every operation gets one."""
    operations = [
        Operation(
            contract=writer.contract(writer.partner_id(row), reason),
            title=row.title,
            description=row.description,
            category=row.category,
            vat_recovered=True,
            planned_start=row.works_started_on,
            planned_end=row.works_completed_on,
            works_started_on=row.works_started_on,
            requested_fund_amount=row.fund,
            # The vote as the file records it, read by the transition's checks.
            granted_amount=row.fund,
            voted_on=row.voted_on,
            created_by_id=writer.actor.pk if writer.actor else None,
            is_demo=writer.is_demo,
        )
        for row, reason in zip(rows, reasons, strict=True)
    ]
    OPERATION_WORKFLOW.create_many(
        operations, RECORD_HISTORY, actor=writer.actor, reasons=reasons, insert=operations_insert
    )
    insert_many(
        [
            Operation.communes.through(operation_id=operation.pk, commune_id=commune_id)
            for row, operation in zip(rows, operations, strict=True)
            for commune_id in dict.fromkeys(row.commune_ids)
        ]
    )
    # Written in bulk, without the signals that keep the search documents: written here.
    search.refresh(operation.pk for operation in operations)
    return operations


def _financing(operation: Operation, row: ParsedRow) -> tuple[Expense, list[Resource]]:
    """The financing plan: the total cost as one expense, each financing as a resource and the
    partner's own share for the rest."""
    # Ids rather than objects: a hundred thousand rows are made here at once.
    expense = Expense(
        operation_id=operation.pk,
        label="Coût total de l'opération (repris de l'historique)",
        amount_excl_tax=row.total_cost,
        amount_incl_tax=row.total_cost,
    )
    own = row.total_cost - row.fund - row.common_law - row.other_public - row.private
    resources = [
        Resource(
            operation_id=operation.pk,
            funder=funder,
            amount=amount,
            label=label,
            status=Resource.Status.OBTAINED,
        )
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
        ]
        if amount > 0
    ]
    return expense, resources


def write_rows(
    *,
    actor: User | None,
    generation: Generation,
    history_import: HistoryImport,
    rows: Spool,
    new_sirens: frozenset[str],
) -> WriteCounts:
    """Create the partners, contracts and operations of checked rows, a batch at a time.
    Call in a transaction."""
    writer = RowWriter(actor=actor, generation=generation, history_import=history_import)
    writer.created, existing = _claim_generation(generation, new_sirens)
    found: list[str] = []
    for batch in rows.batches(BATCH):
        found += _written_meanwhile(batch, writer.created, existing)
        if found:  # nothing more is written: the rest of the rows are only looked at
            continue
        _write_batch(batch, writer)
    if found:
        raise ValidationError(found)
    return writer.counts


def _write_batch(batch: list[ParsedRow], writer: RowWriter) -> None:
    reasons = [
        HISTORY_REASON.format(name=writer.history_import.original_name, line=row.line)
        for row in batch
    ]
    operations = _operations_create(batch, writer, reasons)
    expenses, resources = [], []
    for row, operation in zip(batch, operations, strict=True):
        expense, operation_resources = _financing(operation, row)
        expenses.append(expense)
        resources.extend(operation_resources)
    insert_many(expenses)
    insert_many(resources)
    insert_many([writer.record(row, op) for row, op in zip(batch, operations, strict=True)])
    writer.counts.operations += len(operations)
