"""The demo's documents, made by the services an agent and the signatories use: every operation
whose convention is signed has its detailed sheet and its convention, signed by the partner's
legal representative then by the Département's delegate, each signature timestamped (PAdES
B-LT); a few voted operations have their convention waiting for a signature.

The signatures are made when the demo is built: their time, given by the timestamp authority,
is that day's, while the operations' histories are dated back by each one's story."""

import contextlib
import logging
from collections.abc import Iterator

from django.conf import settings

from pacte.contracts.models import Partner
from pacte.core import french
from pacte.core.models import User
from pacte.documents import services
from pacte.documents import timestamping as timestamping_module
from pacte.documents.models import Document, Signatory, SignatureStep
from pacte.documents.pki import ensure_demo_ca
from pacte.documents.timestamping import serve_in_thread
from pacte.operations.models import Operation

# Fictitious representatives of the partners that have none recorded, visibly so.
FIRST_NAMES = [
    ("Mme", "Claire"),
    ("M.", "Marc"),
    ("Mme", "Sophie"),
    ("M.", "Luc"),
    ("Mme", "Anne"),
    ("M.", "Hugo"),
    ("Mme", "Inès"),
]
LAST_NAMES = ["EXEMPLE", "MODÈLE", "ESSAI", "FICTIF", "SPÉCIMEN", "MAQUETTE"]
ORDER = [SignatureStep.Signer.PARTNER, SignatureStep.Signer.DEPARTMENT]


@contextlib.contextmanager
def timestamping() -> Iterator[None]:
    """Signatures need a timestamp authority: the demo's own, served while the demo is built,
    unless PACTE_TSA_URL names one."""
    ensure_demo_ca()
    if settings.PACTE_TSA_URL:
        yield
        return
    server, url = serve_in_thread()
    settings.PACTE_TSA_URL = url
    log = logging.getLogger(timestamping_module.__name__)
    level = log.level
    log.setLevel(logging.WARNING)  # not a line per request in the demo's output
    try:
        yield
    finally:
        settings.PACTE_TSA_URL = ""
        log.setLevel(level)
        server.shutdown()
        server.server_close()


def representative(partner: Partner, user: User) -> Signatory:
    """The partner's legal representative, signing through `user`: the one recorded, or a
    fictitious one for the demo."""
    existing = Signatory.objects.filter(side=Signatory.Side.PARTNER, partner=partner).first()
    if existing is not None:
        return existing
    civility, first = FIRST_NAMES[partner.pk % len(FIRST_NAMES)]
    name = partner.representative or f"{civility} {first} {LAST_NAMES[partner.pk % 6]}"
    feminine = civility == "Mme"
    if partner.representative_title:
        quality = partner.representative_title
    elif partner.kind == Partner.Kind.COMMUNE and partner.commune_id:
        quality = f"Maire {french.of(partner.commune.name)}"
    elif partner.name.lower().startswith("communauté"):
        quality = f"{'Présidente' if feminine else 'Président'} de la {partner.name}"
    else:
        quality = f"{'Présidente' if feminine else 'Président'}, {partner.name}"
    return Signatory.objects.create(
        user=user,
        side=Signatory.Side.PARTNER,
        partner=partner,
        name=name,
        quality=quality,
        starts_on=Signatory.objects.filter(side=Signatory.Side.DEPARTMENT)
        .exclude(delegation="")
        .order_by("starts_on")
        .values_list("starts_on", flat=True)
        .first(),
    )


def waiting_plan(candidates: list[tuple[Operation, User]], signatures: list[int]) -> dict[int, int]:
    """Which voted operations' conventions wait for a signature, and how many signatures each
    already has (`signatures`, one count per convention): first the operations of the partners
    whose users log in to the demo (« partenaire », « partenaire2 »), waiting for their own
    signature so that a partner's signing can be shown; then the others, in their order.
    `candidates` are the voted operations with the partner's user who signs for it."""
    logins = [operation for operation, user in candidates if user.has_usable_password()]
    others = [operation for operation, user in candidates if not user.has_usable_password()]
    return {
        operation.pk: count
        for operation, count in zip(logins + others, sorted(signatures), strict=False)
    }


def _delegate() -> User:
    """The Président's delegate, who signs the demo's conventions for the Département."""
    right = (
        Signatory.objects.filter(side=Signatory.Side.DEPARTMENT)
        .exclude(delegation="")
        .select_related("user")
        .order_by("starts_on", "pk")
        .first()
    )
    if right is None:
        raise RuntimeError("The demo's signatories are seeded before its documents.")
    return right.user


def convention(
    operation: Operation, *, agent: User, partner_user: User, signatures: int = len(ORDER)
) -> Document:
    """The sheet, then the convention with its signature opened (the partner first, then the
    Département), signed by the first `signatures` signers."""
    partner = operation.contract.partner
    signers = {
        SignatureStep.Signer.PARTNER: representative(partner, partner_user).user,
        SignatureStep.Signer.DEPARTMENT: _delegate(),
    }
    services.sheet_generate(actor=agent, operation=operation)
    document = services.agreement_generate(actor=agent, operation=operation)
    services.signing_start(actor=agent, document=document, order=list(ORDER))
    for signer in ORDER[:signatures]:
        services.document_sign(actor=signers[signer], document=document)
    return document
