"""« À traiter »: what waits for the user, on his home page and counted in the menu.

Each kind of work is a `Todo`: who it concerns (a capability of the access policy, never a
role), the objects waiting (a queryset read through the selectors, so already scoped to what the
user may read), how each is named and where it is done. The home page shows, for each kind with
something waiting, its count and its first objects, each linked to the place where it is done;
the menu shows the total.

Every count is one query, whatever the volume: the menu's total costs one query per kind of work
that concerns the user.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import DecimalField, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from pacte.assembly import selectors as assembly_selectors
from pacte.assembly.models import Convocation, Deliberation, Report, Sitting
from pacte.contracts.models import CommitteeAction, Contract
from pacte.core import policy
from pacte.core.french import format_date, format_money
from pacte.core.models import User
from pacte.documents.models import Document, Signatory, SignatureStep
from pacte.documents.services import active_signatory
from pacte.finance import selectors as finance_selectors
from pacte.finance.models import Commitment, PaymentCredit, PaymentRequest
from pacte.operations import selectors as operation_selectors
from pacte.operations.models import (
    Operation,
    OperationEvent,
    OpinionRequest,
    ReciprocalCommitment,
)
from pacte.operations.workflows import ANSWER

from . import dashboards

# How many objects of each kind the home page names (the rest: « voir les N »), when a list
# holds them; a kind without such a list names them all.
SHOWN = 5
# Steering committees' actions and reports to send: those due within this many days.
SOON_DAYS = 30

S = Operation.State
P = PaymentRequest.State


@dataclass(frozen=True)
class Entry:
    text: str
    url: str
    detail: str = ""


@dataclass(frozen=True)
class Item:
    key: str
    label: str
    count: int
    entries: list[Entry]
    more_url: str | None
    # Whether the list behind `more_url` holds exactly the `count` objects (« Voir les 12 »),
    # or more than them (« Voir la liste »: the list cannot be narrowed to them).
    exact: bool = True


@dataclass(frozen=True)
class Todo:
    key: str
    # « 1 demande de compléments », « 3 demandes de compléments »
    singular: str
    plural: str
    hint: str
    concerns: Callable[[User], bool]
    rows: Callable[[User], QuerySet[Any]]
    entry: Callable[[Any], Entry]
    more_url: Callable[[User], str | None] = lambda user: None
    # False when the list behind `more_url` holds more than the objects counted (another
    # agent's deposits, requests followed by a new one…): the link then promises no number.
    more_exact: bool = True

    def label(self, count: int) -> str:
        return f"{count} {self.singular if count < 2 else self.plural}"


def _url(name: str, *args: object, query: str = "") -> str:
    return reverse(name, args=args) + (f"?{query}" if query else "")


def _operation_entry(operation: Operation) -> Entry:
    return Entry(
        f"{operation.reference} — {operation.title}",
        _url("operations:operation_detail", operation.pk),
        operation.contract.partner.name,
    )


def _is_partner(user: User) -> bool:
    return user.partner_id is not None


def _instructs(user: User) -> bool:
    return not _is_partner(user) and policy.allows(user, "operation", "take_charge")


def _mine_or_nobody(qs: QuerySet[Operation], user: User) -> QuerySet[Operation]:
    """An agent's share: the operations assigned to him, and those assigned to nobody."""
    return qs.filter(Q(assigned_to=user) | Q(assigned_to__isnull=True))


# --- The partner -------------------------------------------------------------------------------


def _information_requested(user: User) -> QuerySet[Operation]:
    return operation_selectors.operation_list(user=user, state=S.AWAITING_PARTNER).order_by(
        "updated_at", "id"
    )


def _agreements_to_sign(side: str) -> Callable[[User], QuerySet[Document]]:
    """The conventions whose next signature is `side`'s, on voted operations the user reads."""

    def rows(user: User) -> QuerySet[Document]:
        next_signer = (
            SignatureStep.objects.filter(document=OuterRef("pk"), signed_at__isnull=True)
            .order_by("order")
            .values("signer")[:1]
        )
        operations = operation_selectors.operation_list(user=user, state=S.VOTED)
        if side == Signatory.Side.PARTNER and not _is_partner(user):
            operations = operations.none()
        return (
            Document.objects.filter(
                kind=Document.Kind.AGREEMENT, operation__in=operations.values("pk")
            )
            .annotate(next_signer=Subquery(next_signer))
            .filter(next_signer=side)
            .select_related("operation__contract__partner")
            .order_by("generated_at", "id")
        )

    return rows


def _agreement_entry(document: Document) -> Entry:
    operation = document.operation
    assert operation is not None
    return Entry(
        f"{operation.reference} — {operation.title}",
        _url("operations:operation_detail", operation.pk) + "#documents",
        f"convention, version {document.version}",
    )


def _signs_for_department(user: User) -> bool:
    return (
        not _is_partner(user)
        and active_signatory(user, Signatory.Side.DEPARTMENT, None) is not None
    )


def _payments_to_request(user: User) -> QuerySet[Commitment]:
    """Active commitments with no request under way: an advance once the convention is
    signed, an instalment or the balance once works have started."""
    waiting = PaymentRequest.objects.filter(
        commitment=OuterRef("pk"), state__in=[P.REQUESTED, P.CHECKED]
    )
    any_request = PaymentRequest.objects.filter(commitment=OuterRef("pk"))
    return (
        finance_selectors.commitment_list(user=user)
        .filter(state=Commitment.State.ACTIVE)
        .alias(waiting=Exists(waiting), has_request=Exists(any_request))
        .filter(
            Q(operation__state__in=[S.WORKS_STARTED, S.COMPLETED])
            | Q(operation__state=S.AGREEMENT_SIGNED, has_request=False)
        )
        .filter(waiting=False)
        .order_by("committed_on", "id")
    )


def _refused_payments(user: User) -> QuerySet[PaymentRequest]:
    """Refused requests that no later request of the same commitment followed."""
    later = PaymentRequest.objects.filter(commitment=OuterRef("commitment"), pk__gt=OuterRef("pk"))
    return (
        finance_selectors.payment_list(user=user, state=P.REFUSED)
        .alias(followed=Exists(later))
        .filter(followed=False)
        .order_by("requested_at", "id")
    )


def _payment_entry(payment: PaymentRequest) -> Entry:
    operation = payment.commitment.operation
    return Entry(
        f"{operation.reference} — {payment.get_kind_display()} de "
        f"{format_money(payment.requested_amount)}",
        _url("finance:payment_detail", payment.pk),
        operation.title,
    )


def _commitments_to_report(user: User) -> QuerySet[ReciprocalCommitment]:
    return (
        operation_selectors.reciprocal_commitment_list(user=user)
        .filter(state__in=[ReciprocalCommitment.State.PLANNED, ReciprocalCommitment.State.REFUSED])
        .filter(
            Q(operation__isnull=True)
            | Q(operation__state__in=[S.AGREEMENT_SIGNED, S.WORKS_STARTED, S.COMPLETED])
        )
        .order_by("id")
    )


def _commitments_to_validate(user: User) -> QuerySet[ReciprocalCommitment]:
    """Reciprocal commitments the partner declared, waiting for the Département's check: those
    of the agent's files, and those of no file (the contract's own) or of a file nobody
    instructs."""
    return (
        operation_selectors.reciprocal_commitment_list(user=user)
        .filter(state=ReciprocalCommitment.State.REPORTED)
        .filter(
            Q(operation__isnull=True)
            | Q(operation__assigned_to=user)
            | Q(operation__assigned_to__isnull=True)
        )
        .order_by("id")
    )


def _committee_actions(user: User) -> QuerySet[CommitteeAction]:
    contracts = policy.scope(user, "contract", Contract.objects.all())
    return (
        CommitteeAction.objects.filter(
            done_on__isnull=True,
            committee__contract__in=contracts.values("pk"),
            due_on__lte=timezone.localdate() + datetime.timedelta(days=SOON_DAYS),
        )
        .select_related("committee")
        .order_by("due_on", "id")
    )


# --- The Département's agents -----------------------------------------------------------------


def _new_deposits(user: User) -> QuerySet[Operation]:
    return _mine_or_nobody(
        operation_selectors.operation_list(user=user, state=S.SUBMITTED), user
    ).order_by("submitted_at", "id")


def _answers_received(user: User) -> QuerySet[Operation]:
    """Operations under review whose last step is the partner's answer."""
    last = (
        OperationEvent.objects.filter(operation=OuterRef("pk"))
        .order_by("-at", "-id")
        .values("transition")[:1]
    )
    return (
        _mine_or_nobody(operation_selectors.operation_list(user=user, state=S.IN_REVIEW), user)
        .alias(last_step=Subquery(last))
        .filter(last_step=ANSWER)
        .order_by("updated_at", "id")
    )


def _sheets_to_write(user: User) -> QuerySet[Operation]:
    """Operations assigned to the agent, under review, with no detailed sheet yet."""
    sheets = Document.objects.filter(operation=OuterRef("pk"), kind=Document.Kind.SHEET)
    return (
        operation_selectors.operation_list(user=user, state=S.IN_REVIEW)
        .filter(assigned_to=user)
        .alias(has_sheet=Exists(sheets))
        .filter(has_sheet=False)
        .order_by("submitted_at", "id")
    )


def _payments_in_state(state: str, *, own: bool) -> Callable[[User], QuerySet[PaymentRequest]]:
    def rows(user: User) -> QuerySet[PaymentRequest]:
        qs = finance_selectors.payment_list(user=user, state=state)
        if own:
            qs = qs.filter(
                Q(commitment__operation__assigned_to=user)
                | Q(commitment__operation__assigned_to__isnull=True)
            )
        return qs.order_by("requested_at", "id")

    return rows


# --- Finance -----------------------------------------------------------------------------------


def _credits_short(user: User) -> QuerySet[PaymentCredit]:
    """This year's payment credits that the payments made and those awaiting would exceed."""
    year = timezone.localdate().year
    spent = (
        PaymentRequest.objects.filter(
            commitment__authorisation=OuterRef("authorisation"),
        )
        .filter(Q(state=P.PAID, paid_on__year=year) | Q(state__in=[P.REQUESTED, P.CHECKED]))
        .order_by()
        .values("commitment__authorisation")
    )
    total = spent.annotate(total=Sum(Coalesce("paid_amount", "requested_amount"))).values("total")[
        :1
    ]
    authorisations = finance_selectors.ap_list(user=user)
    return (
        PaymentCredit.objects.filter(year=year, authorisation__in=authorisations.values("pk"))
        .alias(
            engaged=Coalesce(
                Subquery(total, output_field=DecimalField(max_digits=14, decimal_places=2)),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=14, decimal_places=2),
            )
        )
        .filter(engaged__gt=F("amount"))
        .select_related("authorisation")
        .order_by("authorisation_id")
    )


# --- The assembly service ----------------------------------------------------------------------


def _coming_sittings() -> QuerySet[Sitting]:
    return Sitting.objects.filter(held_on__gte=timezone.localdate(), closed_at__isnull=True)


def _reports_to_send(user: User) -> QuerySet[Report]:
    """Reports on the agenda of a coming sitting that no convocation carried yet."""
    sittings = assembly_selectors.sitting_list(user=user).filter(
        pk__in=_coming_sittings().values("pk")
    )
    return (
        Report.objects.filter(sitting__in=sittings.values("pk"), sent_on__isnull=True)
        .select_related("sitting")
        .order_by("sitting__held_on", "number")
    )


def _report_entry(report: Report) -> Entry:
    return Entry(
        f"Rapport n° {report.number} — {report.title}",
        _url("assembly:sitting_convocations", report.sitting_id),
        f"{report.sitting.get_body_display()} du {format_date(report.sitting.held_on)}",
    )


def _unacknowledged(user: User) -> QuerySet[Sitting]:
    """Coming sittings with convocations sent that some members have not acknowledged."""
    waiting = Convocation.objects.filter(sitting=OuterRef("pk"), acknowledged_at__isnull=True)
    return (
        assembly_selectors.sitting_list(user=user)
        .filter(pk__in=_coming_sittings().values("pk"))
        .alias(waiting=Exists(waiting))
        .filter(waiting=True)
        .order_by("held_on", "id")
    )


def _sitting_entry(sitting: Sitting) -> Entry:
    return Entry(
        f"{sitting.get_body_display()} du {format_date(sitting.held_on)}",
        _url("assembly:sitting_convocations", sitting.pk),
    )


def _acts_to_publish(user: User) -> QuerySet[Deliberation]:
    return (
        assembly_selectors.deliberation_list(user=user)
        .filter(adopted=True)
        .filter(
            Q(publication_state=Deliberation.Publication.UNPUBLISHED)
            | Q(
                transmission_state__in=[
                    Deliberation.Transmission.NOT_SENT,
                    Deliberation.Transmission.ANOMALY,
                ]
            )
        )
        .order_by("year", "sequence")
    )


def _act_entry(deliberation: Deliberation) -> Entry:
    left = []
    if deliberation.publication_state == Deliberation.Publication.UNPUBLISHED:
        left.append("à mettre en ligne")
    if deliberation.transmission_state != Deliberation.Transmission.SENT and (
        deliberation.transmission_state != Deliberation.Transmission.ACKNOWLEDGED
    ):
        left.append("à transmettre au préfet")
    return Entry(
        f"Délibération n° {deliberation.number}",
        _url("assembly:deliberation_manage", deliberation.pk),
        " et ".join(left),
    )


# --- Elected members ---------------------------------------------------------------------------


def _is_councillor(user: User) -> bool:
    return assembly_selectors.councillor_of(user) is not None


def _convocations_to_read(user: User) -> QuerySet[Convocation]:
    councillor_id = assembly_selectors.councillor_of(user)
    return (
        Convocation.objects.filter(
            councillor_id=councillor_id,
            acknowledged_at__isnull=True,
            sitting__in=_coming_sittings().values("pk"),
        )
        .select_related("sitting")
        .order_by("sitting__held_on", "id")
    )


def _convocation_entry(convocation: Convocation) -> Entry:
    sitting = convocation.sitting
    return Entry(
        f"{sitting.get_body_display()} du {format_date(sitting.held_on)}",
        _url("assembly:councillor_sitting", sitting.pk),
        f"{len(convocation.agenda)} rapport{'s' if len(convocation.agenda) > 1 else ''}",
    )


def _coming_for_councillor(user: User) -> QuerySet[Sitting]:
    councillor_id = assembly_selectors.councillor_of(user)
    return (
        _coming_sittings()
        .filter(attendances__councillor_id=councillor_id)
        .order_by("held_on", "id")
    )


def _councillor_sitting_entry(sitting: Sitting) -> Entry:
    return Entry(
        f"{sitting.get_body_display()} du {format_date(sitting.held_on)}",
        _url("assembly:councillor_sitting", sitting.pk),
        sitting.place,
    )


# --- The registry ------------------------------------------------------------------------------


def _committee_entry(action: CommitteeAction) -> Entry:
    late = action.due_on < timezone.localdate()
    return Entry(
        action.description,
        _url("contracts:committee_detail", action.committee_id),
        f"{'en retard : ' if late else ''}échéance le {format_date(action.due_on)}",
    )


def _commitment_entry(commitment: ReciprocalCommitment) -> Entry:
    return Entry(
        commitment.description,
        _url("operations:commitment_detail", commitment.pk),
        commitment.get_state_display(),
    )


def _to_request_entry(commitment: Commitment) -> Entry:
    operation = commitment.operation
    return Entry(
        f"{operation.reference} — {operation.title}",
        _url("finance:payment_request", operation.pk),
        f"subvention engagée : {format_money(commitment.net_amount)}",
    )


def _credit_entry(credit: PaymentCredit) -> Entry:
    return Entry(
        f"Crédits de paiement {credit.year} — {credit.authorisation}",
        _url("finance:ap_detail", credit.authorisation_id),
        f"ouverts : {format_money(credit.amount)}",
    )


def _opinion_entry(opinion: OpinionRequest) -> Entry:
    operation = opinion.operation
    late = opinion.state == OpinionRequest.State.REQUESTED and opinion.due_on < timezone.localdate()
    detail = (
        f"{'en retard : ' if late else ''}attendu le {format_date(opinion.due_on)}"
        if opinion.state == OpinionRequest.State.REQUESTED
        else f"{opinion.get_verdict_display().lower()}"
    )
    return Entry(
        f"{operation.reference} — {operation.title}",
        _url("operations:opinion_detail", opinion.pk),
        detail,
    )


def _asks_opinions(user: User) -> bool:
    return not _is_partner(user) and policy.allows(user, "opinion", "read")


def _pays(user: User) -> bool:
    return not _is_partner(user) and policy.allows(user, "payment", "pay")


def _checks_payments(user: User) -> bool:
    return not _is_partner(user) and policy.allows(user, "payment", "check")


def _runs_sittings(user: User) -> bool:
    return not _is_partner(user) and policy.allows(user, "deliberation", "publish")


TODOS: list[Todo] = [
    # The partner.
    Todo(
        "information_requested",
        "demande de compléments à laquelle répondre",
        "demandes de compléments auxquelles répondre",
        "Le Département attend vos réponses ou vos pièces.",
        _is_partner,
        _information_requested,
        _operation_entry,
        lambda user: _url(
            "operations:operation_list", query=f"etat={S.AWAITING_PARTNER}&generation="
        ),
    ),
    Todo(
        "agreement_to_sign_partner",
        "convention à signer",
        "conventions à signer",
        "La convention attend la signature de votre représentant.",
        _is_partner,
        _agreements_to_sign(Signatory.Side.PARTNER),
        _agreement_entry,
    ),
    Todo(
        "payment_to_request",
        "paiement à demander",
        "paiements à demander",
        "Subventions engagées pour lesquelles aucune demande n'est en cours.",
        _is_partner,
        _payments_to_request,
        _to_request_entry,
    ),
    Todo(
        "payment_refused",
        "demande de paiement refusée",
        "demandes de paiement refusées",
        "Lisez le motif, puis déposez une nouvelle demande.",
        _is_partner,
        _refused_payments,
        _payment_entry,
        lambda user: _url("finance:payment_list", query=f"etat={P.REFUSED}"),
        more_exact=False,
    ),
    Todo(
        "commitment_to_report",
        "engagement réciproque à déclarer",
        "engagements réciproques à déclarer",
        "Déclarez la réalisation de vos engagements, avec leurs justificatifs.",
        _is_partner,
        _commitments_to_report,
        _commitment_entry,
    ),
    Todo(
        "committee_action",
        "action du comité de pilotage à mener",
        "actions du comité de pilotage à mener",
        f"Actions en retard ou dues dans les {SOON_DAYS} jours.",
        _is_partner,
        _committee_actions,
        _committee_entry,
    ),
    # The Département's agents.
    Todo(
        "new_deposit",
        "nouveau dépôt à prendre en charge",
        "nouveaux dépôts à prendre en charge",
        "Opérations déposées qui vous sont attribuées ou ne sont attribuées à personne.",
        _instructs,
        _new_deposits,
        _operation_entry,
        lambda user: _url("operations:operation_list", query=f"etat={S.SUBMITTED}&generation="),
        more_exact=False,
    ),
    Todo(
        "answer_received",
        "réponse de partenaire reçue",
        "réponses de partenaires reçues",
        "Le partenaire a répondu à votre demande de compléments.",
        _instructs,
        _answers_received,
        _operation_entry,
    ),
    Todo(
        "commitment_to_validate",
        "engagement réciproque déclaré à valider",
        "engagements réciproques déclarés à valider",
        "Le partenaire a déclaré leur réalisation : vérifiez les justificatifs.",
        _instructs,
        _commitments_to_validate,
        _commitment_entry,
    ),
    Todo(
        "sheet_to_write",
        "fiche détaillée à rédiger",
        "fiches détaillées à rédiger",
        "Opérations que vous instruisez, sans fiche détaillée.",
        _instructs,
        _sheets_to_write,
        _operation_entry,
        lambda user: _url(
            "operations:operation_list",
            query=f"etat={S.IN_REVIEW}&instructeur={user.pk}&generation=",
        ),
        more_exact=False,
    ),
    Todo(
        "payment_to_check",
        "demande de paiement à vérifier",
        "demandes de paiement à vérifier",
        "Vérifiez les justificatifs avant le mandatement.",
        _checks_payments,
        _payments_in_state(P.REQUESTED, own=True),
        _payment_entry,
        lambda user: _url("finance:payment_list", query=f"etat={P.REQUESTED}"),
        more_exact=False,
    ),
    Todo(
        "opinion_to_give",
        "avis à rendre",
        "avis à rendre",
        "Les avis qu'un collègue vous a demandés, les plus urgents d'abord.",
        _asks_opinions,
        lambda user: operation_selectors.opinions_pending_for(user).select_related("operation"),
        _opinion_entry,
        lambda user: _url("operations:opinion_list"),
        more_exact=False,
    ),
    Todo(
        "opinion_received",
        "avis reçu à lire",
        "avis reçus à lire",
        "Les avis rendus sur vos demandes, que vous n'avez pas encore ouverts.",
        _asks_opinions,
        lambda user: operation_selectors.opinions_answered_unread_for(user).select_related(
            "operation"
        ),
        _opinion_entry,
        lambda user: _url("operations:opinion_list"),
        more_exact=False,
    ),
    Todo(
        "agreement_to_sign_department",
        "convention à signer pour le Département",
        "conventions à signer pour le Département",
        "Conventions dont la prochaine signature est celle du Département.",
        _signs_for_department,
        _agreements_to_sign(Signatory.Side.DEPARTMENT),
        _agreement_entry,
    ),
    # Finance.
    Todo(
        "payment_to_pay",
        "paiement à mandater",
        "paiements à mandater",
        "Demandes vérifiées par l'agent, à mandater.",
        _pays,
        _payments_in_state(P.CHECKED, own=False),
        _payment_entry,
        lambda user: _url("finance:payment_list", query=f"etat={P.CHECKED}"),
    ),
    Todo(
        "credits_short",
        "crédits de paiement insuffisants",
        "crédits de paiement insuffisants",
        "Les paiements de l'année et les demandes en cours dépassent les crédits ouverts.",
        _pays,
        _credits_short,
        _credit_entry,
    ),
    # The assembly service.
    Todo(
        "report_to_send",
        "rapport à envoyer aux élus",
        "rapports à envoyer aux élus",
        "Rapports inscrits à une séance à venir qu'aucune convocation n'a encore portés.",
        _runs_sittings,
        _reports_to_send,
        _report_entry,
    ),
    Todo(
        "convocation_unacknowledged",
        "séance dont des convocations ne sont pas reçues",
        "séances dont des convocations ne sont pas reçues",
        "Des élus n'ont pas encore accusé réception de leur convocation.",
        _runs_sittings,
        _unacknowledged,
        _sitting_entry,
    ),
    Todo(
        "act_to_publish",
        "acte à publier ou à transmettre",
        "actes à publier ou à transmettre",
        "Délibérations adoptées à mettre en ligne ou à transmettre au préfet.",
        _runs_sittings,
        _acts_to_publish,
        _act_entry,
    ),
    # Elected members.
    Todo(
        "convocation_to_read",
        "convocation à lire",
        "convocations à lire",
        "Ouvrez la séance pour lire ses rapports et accuser réception.",
        _is_councillor,
        _convocations_to_read,
        _convocation_entry,
        lambda user: _url("assembly:councillor_home"),
    ),
    Todo(
        "coming_sitting",
        "séance à venir",
        "séances à venir",
        "Les séances où vous siégez.",
        _is_councillor,
        _coming_for_councillor,
        _councillor_sitting_entry,
        lambda user: _url("assembly:councillor_home"),
    ),
]

# What only informs (the coming sittings) is shown on the home page, not counted in the menu.
NOT_COUNTED = frozenset({"coming_sitting"})


def _lapse_item(user: User) -> Item | None:
    """Commitments within the lapse warning period: the dashboards' figure (cached, refreshed
    in the background), linked to the fund's lapse watch."""
    if not (_instructs(user) or _pays(user)):
        return None
    alerts = dashboards.lapse_alerts(user=user, filters=dashboards.Filters())
    soon = int(alerts["soon"])
    if not soon:
        return None
    return Item(
        "lapse_coming",
        f"{soon} {'caducité proche' if soon < 2 else 'caducités proches'}",
        soon,
        [
            Entry(f"Échéances et caducité — {ap}", _url("finance:lapse_watch", ap.pk))
            for ap in alerts["aps"]
        ],
        None,
    )


# Kinds of work that other applications' code adds (e.g. opinions asked of the user).
_EXTRA: list[Callable[[User], Item | None]] = [_lapse_item]


def register(compute: Callable[[User], Item | None]) -> None:
    if compute not in _EXTRA:
        _EXTRA.append(compute)


def items(user: User) -> list[Item]:
    """What waits for `user`, kind by kind (only the kinds with something waiting)."""
    found: list[Item] = []
    if not getattr(user, "is_authenticated", False):
        return found
    for todo in TODOS:
        if not todo.concerns(user):
            continue
        rows = todo.rows(user)
        more = todo.more_url(user)
        if more is None:
            # No list to lead to the rest: every object is named here (in one query still).
            shown = list(rows)
            count = len(shown)
        else:
            shown = list(rows[: SHOWN + 1])
            count = len(shown) if len(shown) <= SHOWN else rows.count()
        if not count:
            continue
        entries = [todo.entry(r) for r in (shown if more is None else shown[:SHOWN])]
        found.append(Item(todo.key, todo.label(count), count, entries, more, todo.more_exact))
    return found + [item for compute in _EXTRA if (item := compute(user)) is not None]


def menu_count(user: User) -> int:
    """The menu's total: one count per kind of work that concerns the user, read afresh on each
    page (no cache: a page read writes nothing). What only informs — the coming sittings, the
    lapses coming, which the home page lists — is not counted."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return sum(
        todo.rows(user).count()
        for todo in TODOS
        if todo.key not in NOT_COUNTED and todo.concerns(user)
    )
