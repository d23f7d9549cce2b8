"""Demo operations: about 120 projects of the kinds the founding report names, spread over the
partners under contract and over every state, with balanced financing plans. All is_demo."""

import datetime
import random
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from pacte.contracts.models import Contract
from pacte.core.dates import add_years
from pacte.core.french import with_article
from pacte.core.models import AuditEvent, User
from pacte.core.roles import Role
from pacte.demo import documents as demo_documents
from pacte.demo.assembly import (
    hold_demo_standing_committees,
    seed_demo_minutes,
    seed_upcoming_standing_committee,
)
from pacte.demo.finance import AP_VOTED_ON, seed_lapses, seed_payments
from pacte.operations import services
from pacte.operations.models import Attachment, Message, Operation, OperationEvent, Resource
from pacte.operations.workflows import (
    ANSWER,
    COMPLETE,
    GRANT,
    LAPSE,
    OPERATION_WORKFLOW,
    REJECT,
    SIGN_AGREEMENT,
    START_WORKS,
)

REQUEST_CHANGES = OPERATION_WORKFLOW.name("request_changes")
MARK_SHEET_READY = OPERATION_WORKFLOW.name("mark_sheet_ready")

PROJECTS = [
    ("Salle de spectacle", "culture"),
    ("Réhabilitation d'une salle de spectacle", "culture"),
    ("Espace culturel et médiathèque", "culture"),
    ("Valorisation d'un lieu de mémoire de la Grande Guerre", "heritage"),
    ("Restauration d'un site de mémoire minière", "heritage"),
    ("Base de loisirs nautiques", "tourism_sport"),
    ("Complexe sportif intercommunal", "tourism_sport"),
    ("Office de tourisme et maison du site", "tourism_sport"),
    ("Parking relais multimodal", "mobility"),
    ("Liaison douce entre bourg et gare", "mobility"),
    ("Véloroute le long du canal", "mobility"),
    ("Sentiers de randonnée et signalétique", "nature"),
    ("Aménagement d'un espace naturel sensible", "nature"),
    ("Tiers-lieu numérique", "services"),
    ("Épicerie solidaire", "services"),
    ("Maison de santé pluriprofessionnelle", "services"),
    ("Maison France Services", "public_access"),
    ("Accueil unique des services publics", "public_access"),
]

# Target states and how many operations end there (about 120 in all).
PLAN = [
    ("draft", 10),
    ("submitted", 12),
    ("in_review", 14),
    ("awaiting_partner", 8),
    ("sheet_ready", 12),
    ("scheduled", 6),
    ("voted", 14),
    ("rejected", 3),
    ("agreement_signed", 14),
    ("works_started", 15),
    ("completed", 8),
    ("withdrawn", 4),
]
PATH = [
    "draft",
    "submitted",
    "in_review",
    "sheet_ready",
    "scheduled",
    "voted",
    "agreement_signed",
    "works_started",
    "completed",
]

# Conventions of voted operations waiting for a signature: the number of signatures each has.
WAITING_SIGNATURES = [0, 0, 0, 1, 1]

# The stories of the operations voted but whose works have not started, told from the day the
# demo is built: voted these last months (their convention to sign or signed), a few whose works
# must start within the coming weeks (one of a partner whose user logs in to the demo), one
# whose start was extended, one lapsed. Each story's sitting: (first, last) days of the window
# from today, or of its start deadline from today for the three last stories.
STORIES = {
    "voted": ("vote", -150, -14),
    "signed": ("vote", -540, -75),
    "lapse_soon": ("deadline", 10, 85),
    "extended": ("deadline", -200, -30),
    "lapsed": ("deadline", -130, -40),
}
LAPSE_SOON = 3

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]"
    b"/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def _contact(partner) -> User:
    """The partner's contact person in the demo (no password: it only signs the history)."""
    user = partner.users.filter(is_active=True).order_by("pk").first()
    if user is None:
        user = User(
            username=f"contact-{partner.pk}",
            role=Role.PARTNER,
            partner=partner,
            first_name="Référent",
            last_name=partner.name[:100],
            email=f"contact-{partner.pk}@demo.pacte.invalid",
        )
        user.set_unusable_password()
        user.save()
    return user


def _plan(rng, operation, partner_is_local):
    cost = Decimal(rng.randrange(80, 2400)) * 1000
    works = (cost * Decimal("0.85")).quantize(Decimal("1"))
    studies = cost - works
    fund_rate = Decimal(rng.choice([20, 25, 30, 35, 40])) / 100
    fund = (cost * fund_rate).quantize(Decimal("1"))
    fund = min(fund, Decimal("1000000"))
    state = (cost * Decimal(rng.choice([0, 10, 20, 25])) / 100).quantize(Decimal("1"))
    region = (cost * Decimal(rng.choice([0, 0, 10, 15])) / 100).quantize(Decimal("1"))
    other_dept = (cost * Decimal(rng.choice([0, 0, 5, 10])) / 100).quantize(Decimal("1"))
    # Keep the owner's share above the 20 % of CGCT L1111-10 (here at least 25 % of the cost).
    room = cost * Decimal("0.75") - fund
    state = min(state, room)
    region = min(region, room - state)
    other_dept = min(other_dept, room - state - region)
    own = cost - fund - state - region - other_dept
    resources = [{"funder": Resource.Funder.FIT, "amount": fund, "status": "requested"}]
    if state:
        resources.append(
            {
                "funder": rng.choice(["detr", "dsil", "green_fund"]),
                "amount": state,
                "status": rng.choice(["requested", "obtained"]),
            }
        )
    if region:
        resources.append({"funder": "region", "amount": region, "status": "requested"})
    if other_dept:
        resources.append({"funder": "department_other", "amount": other_dept, "status": "obtained"})
    resources.append({"funder": "self", "amount": own, "status": "obtained"})
    return (
        [
            {
                "label": "Travaux",
                "amount_excl_tax": works,
                "amount_incl_tax": works * Decimal("1.2"),
            },
            {
                "label": "Études et maîtrise d'œuvre",
                "amount_excl_tax": studies,
                "amount_incl_tax": studies * Decimal("1.2"),
            },
        ],
        resources,
        fund,
    )


def _sheet(operation, fund):
    return dict(
        shared_objectives="Offrir aux habitants un équipement de qualité, ouvert à tous, "
        "qui répond aux enjeux prioritaires du contrat.",
        environment="Le projet s'insère dans le tissu existant, à proximité des services et "
        "des transports.",
        territorial_reach=random.Random(operation.pk).choice(
            ["communal", "intercommunal", "intercommunal", "departmental"]
        ),
        usage_terms="Gestion en régie par le porteur ; ouverture en semaine et le week-end.",
        proposed_subsidy_amount=fund,
        justification_policies="Contribue aux pactes des solidarités territoriales et des "
        "réussites citoyennes.",
        justification_dynamics="Territoire en reconversion, besoin d'équipements de proximité.",
        justification_cofunding="État, Région et autofinancement du porteur.",
    )


@transaction.atomic
def seed_operations(generation) -> int:
    if Operation.objects.filter(contract__generation=generation).exists():
        return 0
    rng = random.Random(2023)
    agent = User.objects.filter(role=Role.AGENT, is_active=True).order_by("pk").first()
    admin = User.objects.filter(role=Role.ADMIN, is_active=True).order_by("pk").first()
    contracts = list(
        Contract.objects.filter(generation=generation, state__in=Contract.IN_FORCE_STATES)
        .select_related("partner__epci")
        .prefetch_related("stakes")
        .order_by("pk")
    )
    completed: list[Operation] = []
    to_vote: list[tuple] = []
    targets = [state for state, count in PLAN for _ in range(count)]
    rng.shuffle(targets)
    stories = _stories(generation, targets, contracts)
    story_of: dict[int, tuple[str, datetime.date]] = {}
    for index, target in enumerate(targets):
        contract = contracts[index % len(contracts)]
        partner = contract.partner
        contact = _contact(partner)
        name, category = PROJECTS[index % len(PROJECTS)]
        communes = (
            list(partner.epci.communes.order_by("-population")[:3])
            if partner.epci_id
            else [partner.commune]
            if partner.commune_id
            else []
        )
        place = communes[rng.randrange(len(communes))] if communes else None
        # Projects not yet voted plan their works after today; the others started after the vote.
        pending = target in {
            "draft",
            "submitted",
            "in_review",
            "awaiting_partner",
            "sheet_ready",
            "scheduled",
            "withdrawn",
            "rejected",
        }
        start = (
            timezone.localdate() + datetime.timedelta(days=60 + rng.randrange(0, 300))
            if pending
            else datetime.date(2024, 1, 15) + datetime.timedelta(days=rng.randrange(0, 600))
        )
        if index in stories:  # voted, works not started: its story decides (its own draws)
            story, sitting, start = stories[index]
        operation = services.operation_create(
            actor=contact,
            contract=contract,
            title=f"{name} — {place.name}" if place else name,
            category=category,
            description=(
                f"{name} porté par {with_article(partner.name)}, au service des habitants du "
                "territoire."
            ),
            stakes=rng.sample(list(contract.stakes.all()), k=min(2, contract.stakes.count())),
            communes=[place] if place else [],
            planned_start=start,
            planned_end=start + datetime.timedelta(days=540),
            is_demo=True,
        )
        if index in stories:
            story_of[operation.pk] = (story, sitting)
        expenses, resources, fund = _plan(rng, operation, True)
        services.financing_plan_set(
            actor=contact, operation=operation, expenses=expenses, resources=resources
        )
        for kind in [Attachment.Kind.DELIBERATION, Attachment.Kind.ESTIMATE]:
            services.attachment_add(
                actor=contact,
                operation=operation,
                kind=kind,
                upload=SimpleUploadedFile(f"{kind}.pdf", PDF, content_type="application/pdf"),
            )
        if _advance(operation, target, contact, agent, admin, fund, rng):
            to_vote.append((operation, target, contact, fund))
    # The subsidies are voted by the commission permanente, report by report, sitting by sitting.
    votes = {}
    for operation, *_ in to_vote:
        voted_on = operation.planned_start - datetime.timedelta(days=rng.randrange(30, 120))
        if operation.pk in story_of:
            voted_on = story_of[operation.pk][1]
        votes.setdefault(_monthly_sitting(voted_on), []).append(operation)
    hold_demo_standing_committees(admin, votes)
    seed_demo_minutes(admin)
    # A few conventions wait: for the partner's signature (among them, one of a partner whose
    # user logs in to the demo), then for the Département's.
    waiting = demo_documents.waiting_plan(
        [(operation, contact) for operation, target, contact, _ in to_vote if target == "voted"],
        WAITING_SIGNATURES,
    )
    with demo_documents.timestamping():
        for operation, target, contact, _fund in to_vote:
            operation.refresh_from_db()
            if operation.pk in waiting:
                demo_documents.convention(
                    operation, agent=agent, partner_user=contact, signatures=waiting[operation.pk]
                )
            _after_vote(operation, target, contact, agent, completed)
    seed_upcoming_standing_committee(
        admin,
        Operation.objects.filter(
            contract__generation=generation, state=Operation.State.SCHEDULED
        ).order_by("pk"),
    )
    # The history first (the deposit, the instruction, the vote, the signature, the start of
    # the works), then the payments and the lapses that follow it.
    _backdate(generation, rng)
    signed = [pk for pk, (story, _) in story_of.items() if story == "signed"]
    seed_payments(generation, complete=completed, advances=signed[:2])
    seed_lapses(
        extended=[pk for pk, (story, _) in story_of.items() if story == "extended"],
        lapsed=[pk for pk, (story, _) in story_of.items() if story == "lapsed"],
    )
    return len(targets)


def _sittings(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """The monthly commissions permanentes from `first` to `last` (none before the AP)."""
    first = max(first, AP_VOTED_ON + DAY)
    days, month = [], first.replace(day=1)
    while month <= last:
        day = _monthly_sitting(month)
        if first <= day <= last:
            days.append(day)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return days


def _stories(generation, targets, contracts) -> dict[int, tuple[str, datetime.date, datetime.date]]:
    """For the operations voted whose works have not started (by their index in `targets`):
    their story (STORIES), the sitting that votes them and the planned start of their works,
    drawn from today with their own generator (the rest of the demo stays the same)."""
    rng = random.Random(2026)
    today = timezone.localdate()
    logins = {
        user.partner_id
        for user in User.objects.filter(role=Role.PARTNER, is_active=True, partner__isnull=False)
        if user.has_usable_password()
    }

    def partner(index):
        return contracts[index % len(contracts)].partner_id

    signed = [i for i, target in enumerate(targets) if target == "agreement_signed"]
    others = [i for i in signed if partner(i) not in logins]
    names = {i: "signed" for i in signed}
    names.update({i: "voted" for i, target in enumerate(targets) if target == "voted"})
    names[others[0]], names[others[1]] = "lapsed", "extended"
    by_login = sorted(signed, key=lambda i: partner(i) not in logins)  # theirs first
    soon = [i for i in by_login if names[i] == "signed"]
    names.update({i: "lapse_soon" for i in soon[:LAPSE_SOON]})
    years = generation.start_deadline_years
    extension = generation.start_extension_years
    stories = {}
    for index in sorted(names):
        story = names[index]
        measure, first, last = STORIES[story]
        if measure == "vote":
            window = _sittings(today + DAY * first, today + DAY * last)
        else:  # the start deadline, two years after the vote, falls in the window
            ago = add_years(today, -years)
            window = [
                day
                for day in _sittings(ago + DAY * (first - 31), ago + DAY * (last + 31))
                if first <= (add_years(day, years) - today).days <= last
            ]
        sitting = rng.choice(window) if window else _sittings(AP_VOTED_ON, today)[-1]
        deadline = add_years(sitting, years)
        if story == "voted":
            start = today + DAY * rng.randrange(20, 200)
        elif story == "signed":
            start = min(today + DAY * rng.randrange(20, 240), deadline - DAY * 30)
        elif story == "lapse_soon":  # planned just before the deadline, not started yet
            start = max(today + DAY * 3, deadline - DAY * rng.randrange(5, 20))
        elif story == "extended":
            start = add_years(sitting, years + extension) - DAY * rng.randrange(30, 120)
        else:  # lapsed: planned, never started
            start = sitting + DAY * rng.randrange(90, 200)
        stories[index] = (story, sitting, start)
    return stories


def _at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour), tzinfo=timezone.get_default_timezone()
    )


def _backdate(generation, rng) -> None:
    """The services stamp deposits and history rows with the moment the demo is built; give
    them the story of each operation instead: written and its pieces joined some days before
    its deposit, a deposit some months before its vote (or before today), the instruction in
    between (each request for information and each answer dated as the step that carried it),
    the vote at its sitting, the convention signed a few weeks later and before the works start
    (and before today). The payments, the completion and the lapses, which follow, are dated as
    they are made (pacte.demo.finance)."""
    today, now = timezone.localdate(), timezone.now()
    operations = Operation.objects.filter(
        contract__generation=generation, submitted_at__isnull=False, is_demo=True
    ).order_by("pk")
    for operation in operations:
        events = list(OperationEvent.objects.filter(operation=operation).order_by("pk"))
        voted = operation.voted_on
        if voted:
            submitted = voted - datetime.timedelta(days=rng.randrange(45, 200))
            instruction_end = voted - datetime.timedelta(days=20)
        else:
            submitted = today - datetime.timedelta(days=rng.randrange(10, 200))
            instruction_end = min(today, submitted + datetime.timedelta(days=60))
        before_vote = [e for e in events if e.transition not in AFTER_VOTE]
        span = max((instruction_end - submitted).days, 1)
        for index, event in enumerate(before_vote):
            offset = 0 if index == 0 else round(span * index / max(len(before_vote) - 1, 1))
            event.at = _at(submitted + datetime.timedelta(days=offset), 9 + index % 8)
        for event in events:
            if event.transition == GRANT and voted:
                event.at = _at(voted, 11)
            elif event.transition == SIGN_AGREEMENT and voted:
                latest = min((operation.works_started_on or voted + DAY * 90) - DAY, today - DAY)
                signed = min(voted + DAY * rng.randrange(15, 60), latest)
                event.at = _at(max(signed, voted + DAY), 15)
            elif event.transition == START_WORKS and operation.works_started_on:
                event.at = _at(operation.works_started_on, 9)
            elif event.transition == REJECT:
                event.at = _at(min(today, instruction_end + DAY * 20), 11)
        _until_now(events, now)
        OperationEvent.objects.bulk_update(events, ["at"])
        # Written a few days before its deposit (a draw of its own: the demo's other draws stay).
        created = _at(submitted - DAY * (3 + operation.pk % 18), 9)
        Operation.objects.filter(pk=operation.pk).update(
            submitted_at=_at(submitted, 9), created_at=created
        )
        pieces = _pieces_before_deposit(operation, created)
        _exchanges_as_history(operation, events)
        _audit_as_history(operation, events, created=created, pieces=pieces)


def _pieces_before_deposit(operation: Operation, created: datetime.datetime) -> list:
    """The pieces the partner joined, an hour apart on the day the operation was written."""
    pieces = list(Attachment.objects.filter(operation=operation).order_by("pk"))
    for index, piece in enumerate(pieces, start=1):
        piece.uploaded_at = created + index * HOUR
    Attachment.objects.bulk_update(pieces, ["uploaded_at"])
    return [piece.uploaded_at for piece in pieces]


def _exchanges_as_history(operation: Operation, events: list[OperationEvent]) -> None:
    """Each request for information and each answer takes the date of the step that carried
    it (the step keeps the same text)."""
    steps = [e for e in events if e.transition in {REQUEST_CHANGES, ANSWER}]
    messages = list(Message.objects.filter(operation=operation).order_by("pk"))
    for message in messages:
        step = next((e for e in steps if e.reason == message.body.strip()), None)
        if step is not None:
            steps.remove(step)
            message.created_at = step.at
    Message.objects.bulk_update(messages, ["created_at"])


def _audit_as_history(
    operation: Operation,
    events: list[OperationEvent],
    *,
    created: datetime.datetime,
    pieces: list[datetime.datetime],
) -> None:
    """Each audit row takes the date of what it records: a step its history row's, the
    operation's writing, its plan and its pieces theirs, the sheet written its step's. The
    journal tells the same story."""
    waiting: dict[str, list[datetime.datetime]] = {
        "operation.create": [created],
        "operation.financing": [created + HOUR / 2],
        "operation.attachment": list(pieces),
    }
    for event in events:  # in the order they were written
        waiting.setdefault(f"operation.{event.transition}", []).append(event.at)
        if event.transition == MARK_SHEET_READY:  # the sheet, written just before
            waiting.setdefault("operation.update", []).append(event.at - MINUTE)
    rows = list(
        AuditEvent.objects.filter(
            object_type="operations.operation",
            object_id=str(operation.pk),
            action__in=list(waiting),
        ).order_by("pk")
    )
    for row in rows:
        if waiting[row.action]:
            row.at = waiting[row.action].pop(0)
    AuditEvent.objects.bulk_update(rows, ["at"])


def _until_now(events, now: datetime.datetime) -> None:
    """Steps dated today at an hour still to come move back before now, in their order."""
    limit = now
    for event in sorted(events, key=lambda e: e.at, reverse=True):
        event.at = min(event.at, limit)
        limit = event.at - MINUTE


AFTER_VOTE = {GRANT, SIGN_AGREEMENT, START_WORKS, COMPLETE, LAPSE, REJECT}
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)


def _monthly_sitting(day: datetime.date) -> datetime.date:
    """The commission permanente of the month: its last Monday (in December, before
    Christmas)."""
    following = (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    last = following - datetime.timedelta(days=1)
    if last.month == 12:
        last = last.replace(day=23)
    return last - datetime.timedelta(days=last.weekday())


def _advance(operation, target, contact, agent, admin, fund, rng) -> bool:
    """Take the operation towards its target state; True when it is left for the vote."""
    if target == "draft":
        return False
    services.operation_submit(actor=contact, operation=operation)
    if target == "withdrawn":
        services.operation_withdraw(
            actor=contact,
            operation=operation,
            reason="Projet reporté par le conseil communautaire.",
        )
        return False
    if target == "submitted":
        return False
    services.operation_take_charge(actor=agent, operation=operation)
    if target == "awaiting_partner" or rng.random() < 0.3:
        services.operation_request_changes(
            actor=agent,
            operation=operation,
            reason="Merci de préciser le calendrier des travaux et de joindre la notification "
            "de la DETR.",
        )
        if target == "awaiting_partner":
            return False
        services.operation_answer(
            actor=contact, operation=operation, body="Calendrier précisé ; la notification suit."
        )
    if target == "in_review":
        return False
    services.operation_update(actor=agent, operation=operation, **_sheet(operation, fund))
    services.operation_mark_sheet_ready(actor=agent, operation=operation)
    if target == "sheet_ready":
        return False
    OPERATION_WORKFLOW.apply(operation, "schedule", actor=admin)
    if target == "scheduled":
        return False
    if target == "rejected":
        OPERATION_WORKFLOW.apply(
            operation, REJECT, actor=admin, reason="Projet non prioritaire au regard des enjeux."
        )
        return False
    return True


def _after_vote(operation, target, contact, agent, completed):
    if target == "voted":
        return
    # Its sheet, and its convention signed by both sides, which signs the operation's agreement.
    demo_documents.convention(operation, agent=agent, partner_user=contact)
    if target == "agreement_signed":
        return
    services.operation_start_works(
        actor=contact, operation=operation, started_on=operation.planned_start
    )
    if target == "works_started":
        return
    # Completed operations are completed by the payment of their balance (finance demo).
    completed.append(operation)
