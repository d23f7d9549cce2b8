"""The fund's invariants, one test each, and the figures of the AP."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from pacte.finance import selectors, services
from pacte.finance.models import Commitment, PaymentRequest
from pacte.operations import services as operation_services
from pacte.operations.models import Attachment, Operation
from tests.conftest import refused

from .conftest import D, pdf, voted_operation

pytestmark = pytest.mark.django_db


@pytest.fixture
def op(lens_contract, users, ap):
    return voted_operation(lens_contract, users)


PAY_DAY = D(2025, 5, 2)


def request_and_pay(users, operation, kind, amount, on=PAY_DAY, **extra):
    request = services.payment_request_create(
        actor=users["test-partner"], operation=operation, kind=kind, amount=Decimal(amount), **extra
    )
    services.payment_check(actor=users["test-agent"], payment=request)
    return services.payment_pay(
        actor=users["test-finance"], payment=request, mandate_number=f"M-{request.pk}", paid_on=on
    )


def test_vote_creates_the_commitment_and_the_figures_follow(op, ap):
    operation, commitment = op
    assert operation.state == "agreement_signed" and operation.granted_amount == Decimal("135000")
    figures = selectors.ap_figures(ap)
    assert figures["committed"] == Decimal("135000.00")
    assert figures["remaining"] == Decimal("865000.00")


def test_vote_beyond_the_ap_is_refused_before_anything_is_written(lens_contract, users, ap):
    from pacte.operations.workflows import OPERATION_WORKFLOW
    from tests.finance.conftest import SHEET, make_operation

    operation = make_operation(lens_contract, users["test-partner"])
    operation_services.operation_submit(actor=users["test-partner"], operation=operation)
    operation_services.operation_take_charge(actor=users["test-agent"], operation=operation)
    operation_services.operation_update(actor=users["test-agent"], operation=operation, **SHEET)
    operation.refresh_from_db()
    operation_services.operation_mark_sheet_ready(actor=users["test-agent"], operation=operation)
    OPERATION_WORKFLOW.apply(operation, "schedule", actor=users["test-assembly"])
    with pytest.raises(ValidationError) as refused:
        services.commit_subsidy(
            actor=users["test-assembly"],
            operation=operation,
            amount=Decimal("1000000.01"),
            voted_on=D(2024, 3, 25),
        )
    assert (
        "1\u202f000\u202f000,01\xa0€ à engager, 1\u202f000\u202f000,00\xa0€ disponibles"
        in (refused.value.messages[0])
    )
    assert not Commitment.objects.exists()
    assert Operation.objects.get(pk=operation.pk).state == "scheduled"


def test_no_payment_before_the_signed_agreement(lens_contract, users, ap):
    operation, _ = voted_operation(lens_contract, users, sign=False)
    with refused("avant la signature de la convention"):
        services.payment_request_create(
            actor=users["test-partner"], operation=operation, kind="advance", amount=Decimal("1000")
        )


def test_advance_limited_to_thirty_percent(op, users):
    operation, _ = op
    with refused("30,00 % de la subvention, soit 40\u202f500,00"):
        services.payment_request_create(
            actor=users["test-partner"],
            operation=operation,
            kind="advance",
            amount=Decimal("40500.01"),
        )
    request_and_pay(users, operation, "advance", "40500.00")
    with refused("déjà demandé ou versé : 40\u202f500,00"):
        services.payment_request_create(
            actor=users["test-partner"], operation=operation, kind="advance", amount=Decimal("1")
        )


def test_instalments_up_to_eighty_percent_with_an_expense_statement(op, users):
    operation, _ = op
    statement = operation_services.attachment_add(
        actor=users["test-partner"],
        operation=operation,
        kind=Attachment.Kind.EXPENSE_STATEMENT,
        upload=pdf("etat.pdf"),
    )
    with refused("état récapitulatif"):
        services.payment_request_create(
            actor=users["test-partner"],
            operation=operation,
            kind="instalment",
            amount=Decimal("1000"),
        )
    request_and_pay(users, operation, "advance", "40500.00")
    with refused("80,00 %"):
        services.payment_request_create(
            actor=users["test-partner"],
            operation=operation,
            kind="instalment",
            amount=Decimal("67500.01"),
            evidence=[statement],
        )
    request_and_pay(users, operation, "instalment", "67500.00", evidence=[statement])
    assert services.paid_total(commitment=operation.commitment) == Decimal("108000.00")


def test_balance_pro_rata_of_actual_expenses(op, users):
    operation, commitment = op
    evidence = [
        operation_services.attachment_add(
            actor=users["test-partner"], operation=operation, kind=kind, upload=pdf(f"{kind}.pdf")
        )
        for kind in [Attachment.Kind.EXPENSE_STATEMENT, Attachment.Kind.COMPLETION]
    ]
    request_and_pay(users, operation, "advance", "40500.00")
    operation_services.operation_start_works(
        actor=users["test-partner"], operation=operation, started_on=D(2025, 4, 1)
    )
    # Planned 450 000 € HT; actual 360 000 €: entitled 135 000 × 0,8 = 108 000 €, less 40 500.
    assert services.balance_due(commitment, Decimal("360000")) == Decimal("67500.00")
    with refused("solde dû est de 67\u202f500,00"):
        services.payment_request_create(
            actor=users["test-partner"],
            operation=operation,
            kind="balance",
            amount=Decimal("94500"),
            actual_expenses=Decimal("360000"),
            evidence=evidence,
        )
    with refused("Certificat d'achèvement"):
        services.payment_request_create(
            actor=users["test-partner"],
            operation=operation,
            kind="balance",
            amount=Decimal("67500"),
            actual_expenses=Decimal("360000"),
            evidence=evidence[:1],
        )
    request_and_pay(
        users,
        operation,
        "balance",
        "67500.00",
        actual_expenses=Decimal("360000"),
        evidence=evidence,
    )
    commitment.refresh_from_db()
    operation.refresh_from_db()
    assert commitment.state == Commitment.State.PAID
    assert operation.state == "completed"
    # Actual expenses above the plan never raise the subsidy.
    assert services.balance_due(commitment, Decimal("900000")) == Decimal("27000.00")


def test_payments_of_a_year_stay_within_its_cp(lens_contract, arras_contract, users, ap):
    services.cp_set(
        actor=users["test-finance"], authorisation=ap, year=2025, amount=Decimal("50000.00")
    )
    first, _ = voted_operation(lens_contract, users)
    second, _ = voted_operation(arras_contract, users, title="Parking relais")
    request_and_pay(users, first, "advance", "40000.00")
    request = services.payment_request_create(
        actor=users["test-partner2"], operation=second, kind="advance", amount=Decimal("10000.01")
    )
    services.payment_check(actor=users["test-agent"], payment=request)
    with refused("crédits de paiement 2025 ne suffisent pas"):
        services.payment_pay(
            actor=users["test-finance"],
            payment=request,
            mandate_number="M-9",
            paid_on=D(2025, 6, 1),
        )
    with refused("Aucun crédit de paiement n'est voté pour 2022"):
        services.payment_pay(
            actor=users["test-finance"],
            payment=request,
            mandate_number="M-9",
            paid_on=D(2022, 12, 1),
        )
    with refused("sous ce qui est déjà payé"):
        services.cp_set(
            actor=users["test-finance"], authorisation=ap, year=2025, amount=Decimal("39999.99")
        )
    services.payment_pay(
        actor=users["test-finance"], payment=request, mandate_number="M-9", paid_on=D(2026, 1, 15)
    )
    assert services.paid_total(authorisation=ap, year=2026) == Decimal("10000.01")


def test_only_finance_pays_and_mandates_are_unique(op, users):
    operation, _ = op
    request = services.payment_request_create(
        actor=users["test-partner"], operation=operation, kind="advance", amount=Decimal("1000")
    )
    with pytest.raises(PermissionDenied):
        services.payment_pay(
            actor=users["test-agent"], payment=request, mandate_number="M-1", paid_on=D(2025, 1, 10)
        )
    services.payment_check(actor=users["test-agent"], payment=request)
    services.payment_pay(
        actor=users["test-finance"], payment=request, mandate_number="M-1", paid_on=D(2025, 1, 10)
    )
    other = services.payment_request_create(
        actor=users["test-partner"], operation=operation, kind="advance", amount=Decimal("1000")
    )
    services.payment_check(actor=users["test-agent"], payment=other)
    with refused("numéro de mandat est déjà enregistré"):
        services.payment_pay(
            actor=users["test-finance"], payment=other, mandate_number="M-1", paid_on=D(2025, 1, 10)
        )


def test_a_lapse_is_recorded_only_once_a_deadline_has_passed(op, users):
    operation, commitment = op  # voted on 25/03/2024: works to start by 25/03/2026
    for day, message in [
        (D(2025, 6, 1), "Aucun délai n'est dépassé le 01/06/2025"),
        (D(2026, 3, 25), "peuvent commencer jusqu'au 25/03/2026"),
        (timezone.localdate() + datetime.timedelta(days=1), "cette date est à venir"),
    ]:
        with refused(message):
            services.commitment_lapse(
                actor=users["test-finance"], commitment=commitment, reason="Retard", on=day
            )
    commitment.refresh_from_db()
    assert commitment.state == "active" and commitment.lapsed_amount == 0
    assert Operation.objects.get(pk=operation.pk).state != "lapsed"


def test_lapse_returns_the_unpaid_remainder_to_the_ap(op, users, ap):
    operation, commitment = op
    request_and_pay(users, operation, "advance", "40000.00")
    pending = services.payment_request_create(
        actor=users["test-partner"], operation=operation, kind="advance", amount=Decimal("100")
    )
    with refused("en cours"):
        services.commitment_lapse(
            actor=users["test-finance"],
            commitment=commitment,
            reason="Travaux jamais commencés",
            on=D(2026, 4, 1),
        )
    services.payment_refuse(actor=users["test-agent"], payment=pending, reason="Doublon")
    services.commitment_lapse(
        actor=users["test-finance"],
        commitment=commitment,
        reason="Travaux jamais commencés",
        on=D(2026, 4, 1),
    )
    commitment.refresh_from_db()
    assert commitment.lapsed_amount == Decimal("95000.00")
    assert Operation.objects.get(pk=operation.pk).state == "lapsed"
    figures = selectors.ap_figures(ap)
    assert figures["committed"] == Decimal("40000.00")
    assert figures["remaining"] == Decimal("960000.00")
    with refused("plus de paiement"):
        services.payment_request_create(
            actor=users["test-partner"], operation=operation, kind="advance", amount=Decimal("1")
        )


def test_deadlines_and_one_extension(op, users):
    operation, commitment = op
    dates = services.deadlines(commitment)
    assert dates["start"] == D(2026, 3, 25)
    assert dates["completion"].year == dates["signed_on"].year + 4
    services.commitment_extend_start(
        actor=users["test-finance"], commitment=commitment, reason="Fouilles archéologiques"
    )
    commitment.refresh_from_db()
    assert services.deadlines(commitment)["start"] == D(2027, 3, 25)
    with refused("déjà été prorogé"):
        services.commitment_extend_start(
            actor=users["test-finance"], commitment=commitment, reason="Encore"
        )


def test_ap_revisions_are_versioned_and_cannot_go_below_commitments(op, users, ap):
    with refused("sous ce qui est déjà engagé"):
        services.ap_revise(
            actor=users["test-finance"],
            authorisation=ap,
            amount=Decimal("100000"),
            deliberation_number="2024-1",
            voted_on=D(2024, 1, 1),
        )
    services.ap_revise(
        actor=users["test-finance"],
        authorisation=ap,
        amount=Decimal("1500000"),
        deliberation_number="2024-200",
        voted_on=D(2024, 6, 1),
        reason="Décision modificative",
    )
    ap.refresh_from_db()
    assert ap.amount == Decimal("1500000.00")
    assert [r.amount for r in ap.revisions.all()] == [Decimal("1000000.00"), Decimal("1500000.00")]


def test_payment_never_exceeds_the_commitment(op, users):
    operation, _ = op
    assert PaymentRequest.objects.count() == 0
    with pytest.raises(ValidationError):
        services.payment_request_create(
            actor=users["test-partner"],
            operation=operation,
            kind="balance",
            amount=Decimal("135000.01"),
            actual_expenses=Decimal("450000"),
        )


def test_lapse_alerts_notify_once_per_threshold(op, users, django_capture_on_commit_callbacks):
    from django.core import mail

    from pacte.core.models import Notification
    from pacte.finance.models import LapseAlert

    operation, commitment = op
    users["test-partner"].email = "mairie@exemple.fr"
    users["test-partner"].save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.lapse_alerts_send(on=D(2026, 1, 5)) == 1  # within 90 days
    # The partner and the instructor, each his own mail.
    assert sorted(m.to for m in mail.outbox) == [["mairie@exemple.fr"], ["test-agent@exemple.fr"]]
    [sent] = [m for m in mail.outbox if m.to == ["mairie@exemple.fr"]]
    assert (
        sent.subject == f"[Pacte] {operation.reference} — Caducité de la subvention dans 79 jours"
    )
    assert "Commencer les travaux avant le 25/03/2026, dans 79 jours" in sent.body
    assert f"/operations/{operation.pk}/#paiements" in sent.body
    notice = Notification.objects.get(recipient=users["test-partner"], kind="lapse_approaching")
    assert notice.reference == operation.reference and notice.read_at is None
    with django_capture_on_commit_callbacks(execute=True):
        # Again the same day, or days later within the same threshold: nothing more.
        assert services.lapse_alerts_send(on=D(2026, 1, 5)) == 0
        assert services.lapse_alerts_send(on=D(2026, 2, 20)) == 0
        assert services.lapse_alerts_send(on=D(2026, 2, 23)) == 1  # 30 days before
        assert services.lapse_alerts_send(on=D(2026, 3, 1)) == 0
        assert services.lapse_alerts_send(on=D(2026, 3, 26)) == 1  # passed
        assert services.lapse_alerts_send(on=D(2026, 3, 27)) == 0
    assert len(mail.outbox) == 3 * 2
    assert "le délai est dépassé" in mail.outbox[-1].body
    assert sorted(LapseAlert.objects.values_list("threshold", flat=True)) == [0, 30, 90]
    # The start extended: a new deadline, whose notices come again.
    services.commitment_extend_start(
        actor=users["test-agent"], commitment=commitment, reason="Crue"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert services.lapse_alerts_send(on=D(2026, 3, 27)) == 0  # a year away now
    assert len(mail.outbox) == 3 * 2


def test_a_subsidy_is_voted_once(op, users):
    operation, _ = op
    with refused("inscrite à une séance"):
        services.commit_subsidy(
            actor=users["test-assembly"],
            operation=operation,
            amount=Decimal("1.00"),
            voted_on=D(2024, 4, 1),
        )
    assert Commitment.objects.filter(operation=operation).count() == 1
