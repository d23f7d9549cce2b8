"""A world holding one object of every kind for two partner organisations — A (CA de Lens -
Liévin, test-partner's) and B (CU d'Arras, test-partner2's) — and the objects that belong to no
partner (sittings, the fund, imports…), built through the services as users would. The policy
walk requests every URL and API operation against it."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from pacte.contracts import services as contract_services
from pacte.contracts.models import Generation, Partner
from pacte.core.models import Notification
from pacte.core.services import api_token_create
from pacte.demo.assembly import seed_sitting_2022_317
from pacte.documents import services as document_services
from pacte.documents.tasks import generate_batch
from pacte.finance import services as finance_services
from pacte.history import services as history_services
from pacte.operations import services as operation_services
from pacte.operations.models import Attachment
from pacte.territory.models import Territory
from tests.finance.conftest import open_fund, voted_operation
from tests.operations.conftest import make_operation, signed_contract

D = datetime.date
OWNERS = {"A": ("246200364", "test-partner"), "B": ("200033579", "test-partner2")}


def build(users) -> dict:
    """{"A": {kind: object}, "B": {...}, "A_draft": {...}}; objects of no partner are in each."""
    agent, finance = users["test-agent"], users["test-finance"]
    generation = Generation.objects.get(framework_deliberation_number="2022-317")
    authorisation = open_fund(generation, finance, amount="5000000.00", yearly="1000000.00")
    sitting = seed_sitting_2022_317(users["test-assembly"])
    report = sitting.reports.get()
    territory = Territory.objects.order_by("pk").first()
    forum = contract_services.forum_create(
        actor=agent,
        generation=generation,
        territory=territory,
        held_on=D(2022, 10, 12),
        place="Maison du Département",
    )
    past = Generation.objects.filter(is_history=True).order_by("-period_start").first()
    history_import = history_services.history_import_create(
        actor=agent,
        generation=past,
        data="Référence;Intitulé\n".encode(),
        name="historique.csv",
    )
    token, _ = api_token_create(user=users["test-admin"], name="jeton de l'administrateur")
    # A notification of the agent's: only he reads it or marks it read.
    notification = Notification.objects.create(
        recipient=agent, kind="message", subject="Nouveau message", url="/"
    )
    online_proxy, convocation_token, calendar = _councillor_world(users, sitting)
    _minutes_world(users, sitting)
    shared = {
        "generation": generation,
        "authorisation": authorisation,
        "sitting": sitting,
        "report": report,
        "deliberation": report.deliberation,
        "proxy": sitting.proxies.order_by("pk").first(),
        "online_proxy": online_proxy,
        "convocation_token": convocation_token,
        "calendar_key": calendar,
        "forum": forum,
        "history_import": history_import,
        "bilan": generation,
        "account": token,
        "notification": notification,
        "epci_siren": "246200364",
        "commune_code": "62510",
        "deliberation_number": report.deliberation.number,
    }
    world = {}
    for owner, (siren, username) in OWNERS.items():
        partner_user = users[username]
        contract = signed_contract(generation, siren, agent)
        operation, commitment = voted_operation(
            contract, users, sign=False, title=f"Médiathèque {owner}"
        )
        paid_operation, paid_commitment = voted_operation(
            contract, users, sign=True, title=f"Véloroute {owner}"
        )
        payment = finance_services.payment_request_create(
            actor=partner_user,
            operation=paid_operation,
            kind="advance",
            amount=Decimal("10000.00"),
        )
        message = operation_services.message_post(
            actor=agent, operation=operation, body="Pouvez-vous préciser le calendrier ?"
        )
        reciprocal = operation_services.commitment_add(
            actor=agent,
            contract=contract,
            operation=operation,
            kind="placements",
            description="Accueillir des stagiaires de 3e",
            target="4",
            unit="élèves",
        )
        document = document_services.agreement_generate(
            actor=agent,
            operation=operation,
            department_signatory="M. Jean-Claude LEROY, Président",
        )
        committee = contract_services.committee_hold(
            actor=agent,
            contract=contract,
            held_on=D(2024, 6, 12),
            attendees="Le président, le chargé de territoire",
            actions=[
                {
                    "description": "Relancer le plan de financement",
                    "owner": "Le partenaire",
                    "due_on": D(2024, 9, 30),
                }
            ],
        )
        engineering = contract_services.engineering_request_create(
            actor=partner_user,
            partner=contract.partner,
            provider="ingenierie62",
            subject="Étude de programmation",
            requested_on=D(2024, 2, 1),
            contract=contract,
        )
        # The Département's instruction tools: an annotation, an opinion asked of finance.
        annotation = operation_services.annotation_add(
            actor=agent, operation=operation, text="À relancer après les élections."
        )
        opinion = operation_services.opinion_request(
            actor=agent,
            operation=operation,
            addressee=finance,
            question="Les crédits de paiement suivent-ils ?",
            due_on=timezone.localdate() + datetime.timedelta(days=10),
            service="finance",
        )
        draft = make_operation(contract, partner_user, title=f"Brouillon {owner}")
        objects = {
            **shared,
            "partner": Partner.objects.get(siren=siren),
            "contract": contract,
            "stake": contract.stakes.order_by("pk").first(),
            "committee": committee,
            "committee_action": committee.actions.order_by("pk").first(),
            "engineering": engineering,
            "operation": operation,
            "financing": operation,
            "attachment": operation.attachments.order_by("pk").first(),
            "message": message,
            "reciprocal_commitment": reciprocal,
            "document": document,
            "paid_operation": paid_operation,
            "commitment": paid_commitment,
            "payment": payment,
            "annotation": annotation,
            "opinion": opinion,
        }
        world[owner] = objects
        if owner == "A":
            world["A_draft"] = {
                **objects,
                "operation": draft,
                "financing": draft,
                "attachment": draft.attachments.order_by("pk").first(),
                "message": draft,  # a message about to be written on the draft
                "annotation": draft,  # an annotation about to be written on the draft
                "opinion": draft,  # an opinion about to be asked on the draft
            }
    batch = document_services.batch_start(
        actor=agent, kind="sheet", operations=[world["A"]["operation"]], label="Lot d'essai"
    )
    generate_batch.call(batch.pk)  # queued on commit, which the world's transaction never sees
    batch.refresh_from_db()
    for objects in world.values():
        objects["batch"] = batch
    return world


def upload() -> SimpleUploadedFile:
    from tests.operations.conftest import PDF

    return SimpleUploadedFile("piece.pdf", PDF, content_type="application/pdf")


ATTACHMENT_KIND = Attachment.Kind.ESTIMATE


def _councillor_world(users, sitting):
    """test-elected bound to a councillor of the sitting; a convocation of his, with its link's
    token; a proxy given online by a member without one. The sitting is past: its convocation
    and online proxy are written as they would have been before it (the services refuse them
    for a sitting held)."""
    from pacte.accounts.models import digest
    from pacte.assembly.calendar import calendar_key
    from pacte.assembly.models import Convocation, OnlineProxy

    free = list(
        sitting.attendances.filter(
            councillor__isnull=False, proxy_given__isnull=True, proxies_held__isnull=True
        ).order_by("position")[:3]
    )
    elected = users["test-elected"]
    elected.councillor = free[0].councillor
    elected.save(update_fields=["councillor"])
    token = "jeton-de-convocation"
    Convocation.objects.create(
        sitting=sitting,
        councillor=free[0].councillor,
        channel=Convocation.Channel.EMAIL,
        address=elected.email,
        digest=digest(token),
    )
    online = OnlineProxy.objects.create(
        sitting=sitting, giver=free[1], holder=free[2], given_by=elected
    )
    return online, token, calendar_key(elected)


def _minutes_world(users, sitting):
    """The sitting's minutes adopted at the next council, signed and published (A9)."""
    from pacte.assembly import services as assembly_services

    clerk = users["test-assembly"]
    following = assembly_services.sitting_create(
        actor=clerk,
        body=sitting.body,
        held_on=sitting.held_on + datetime.timedelta(days=21),
        place="Arras",
        president=sitting.president,
        opened_at=datetime.time(9, 30),
    )
    assembly_services.attendance_mark_all_present(actor=clerk, sitting=following)
    if sitting.closed_at is None:
        assembly_services.sitting_update(
            actor=clerk, sitting=sitting, closed_at=datetime.time(18, 0)
        )
    assembly_services.minutes_adopt(actor=clerk, sitting=sitting, at=following)
    signed = following.held_on + datetime.timedelta(days=1)
    assembly_services.minutes_sign(actor=clerk, sitting=sitting, on=signed)
    assembly_services.minutes_publish(actor=clerk, sitting=sitting, on=signed)
