"""Writing checked rows: the partners and contracts they need, then the operations, moved to
« Achevée » by the workflow, with their financing plans and what they keep of their line."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from pacte.contracts.models import Contract, Generation, Partner
from pacte.contracts.services import partner_create
from pacte.contracts.workflows import CONTRACT_WORKFLOW
from pacte.core.audit import audit
from pacte.core.models import User
from pacte.operations.models import Expense, Operation, Resource
from pacte.operations.services import operation_insert
from pacte.operations.workflows import OPERATION_WORKFLOW, RECORD_HISTORY

from .checking import ParsedRow, PartnerRef
from .models import HistoryImport, ImportedOperation

HISTORY_REASON = "Reprise de l'historique : fichier « {name} », ligne {line}."


def _claim_generation(generation: Generation, rows: list[ParsedRow]) -> None:
    """Imports into a generation write one at a time (a row lock on the generation, held until
    the write commits), and each looks again, under that lock, at what an import finished in
    the meantime wrote: the same file sent twice at the same moment is written once, the
    second refused as if it had come after."""
    Generation.objects.select_for_update().get(pk=generation.pk)
    sirens = {r.partner.siren for r in rows if r.partner.partner_id is None and r.partner.siren}
    created = dict(Partner.objects.filter(siren__in=sirens).values_list("siren", "pk"))
    for row in rows:
        ref = row.partner
        if ref.partner_id is None and ref.siren in created:  # created by the other import
            ref.partner_id = created[ref.siren]
            ref.key = f"partner:{ref.partner_id}"
    existing = {
        (f"partner:{partner_id}", title.casefold(), voted_on): reference
        for partner_id, title, voted_on, reference in Operation.objects.filter(
            contract__generation=generation
        ).values_list("contract__partner_id", "title", "voted_on", "reference")
    }
    found = [
        f"Ligne {row.line}, colonne « intitule » : cette opération (même partenaire, même "
        "intitulé, même date de vote) vient d'être importée par un autre import : "
        f"{existing[row.duplicate_key]}."
        for row in rows
        if row.duplicate_key in existing
    ]
    if found:
        raise ValidationError(found)


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

    def partner_id(self, row: ParsedRow) -> int:
        ref = row.partner
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
            return partner_create(
                actor=self.actor,
                name=ref.epci.name,
                kind=Partner.Kind.EPCI,
                siren=ref.siren,
                siret=ref.siret,
                epci=ref.epci,
                territory=ref.epci.territory,
                is_demo=self.is_demo,
            )
        commune = ref.commune
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
            operation=operation,
            history_import=self.history_import,
            line=row.line,
            deliberation_number=row.deliberation_number,
            agreement_signed_on=row.agreement_signed_on,
            works_completed_on=row.works_completed_on,
            source=row.source,
        )


def _operation_create(
    row: ParsedRow, contract: Contract, *, actor: User | None, is_demo: bool, reason: str
) -> Operation:
    """The operation, with its reference as every operation gets one, taken by the workflow's
    `record_history` transition to « Achevée »."""
    operation = operation_insert(
        Operation(
            contract=contract,
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
    )
    if row.communes:
        operation.communes.set(row.communes)
    OPERATION_WORKFLOW.apply(
        operation,
        RECORD_HISTORY,
        actor=actor,
        reason=reason,
        granted_amount=row.fund,
        voted_on=row.voted_on,
    )
    return operation


def _financing(operation: Operation, row: ParsedRow) -> tuple[Expense, list[Resource]]:
    """The financing plan: the total cost as one expense, each financing as a resource and the
    partner's own share for the rest."""
    expense = Expense(
        operation=operation,
        label="Coût total de l'opération (repris de l'historique)",
        amount_excl_tax=row.total_cost,
        amount_incl_tax=row.total_cost,
    )
    own = row.total_cost - row.fund - row.common_law - row.other_public - row.private
    resources = [
        Resource(
            operation=operation,
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
    rows: list[ParsedRow],
) -> WriteCounts:
    """Create the partners, contracts and operations of checked rows. Call in a transaction."""
    _claim_generation(generation, rows)
    writer = RowWriter(actor=actor, generation=generation, history_import=history_import)
    expenses, resources, records = [], [], []
    for row in rows:
        reason = HISTORY_REASON.format(name=history_import.original_name, line=row.line)
        contract = writer.contract(writer.partner_id(row), reason)
        operation = _operation_create(
            row, contract, actor=actor, is_demo=writer.is_demo, reason=reason
        )
        expense, operation_resources = _financing(operation, row)
        expenses.append(expense)
        resources.extend(operation_resources)
        records.append(writer.record(row, operation))
        writer.counts.operations += 1
    Expense.objects.bulk_create(expenses, batch_size=500)
    Resource.objects.bulk_create(resources, batch_size=500)
    ImportedOperation.objects.bulk_create(records, batch_size=500)
    return writer.counts
