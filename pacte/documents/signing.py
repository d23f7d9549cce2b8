"""PAdES signatures with pyHanko, from certificates that the Département's signing authority
issues to each signer. Any PDF reader that trusts that authority validates them."""

import asyncio
import contextlib
import datetime
import logging
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import AxisAlignment, Margins, SimpleBoxLayoutRule
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.ades.report import AdESIndeterminate
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import constants as signer_constants
from pyhanko.sign.timestamps import TimestampRequestError
from pyhanko.sign.validation import generic_cms
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError
from pyhanko.sign.validation.pdf_embedded import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.policy_decl import (
    CertRevTrustPolicy,
    RevocationCheckingPolicy,
    RevocationCheckingRule,
)

from pacte.core.french import format_date, format_time

from .pki import Authority, authority, utc_now
from .timestamping import timestamper

logger = logging.getLogger(__name__)


class _ExpectedNotice(logging.Filter):
    """Drops a library's warning that Pacte's way of signing makes expected at every signature
    (a dozen lines per convention in the demo's output and the logs, warning of nothing)."""

    def __init__(self, *beginnings: str) -> None:
        super().__init__()
        self.beginnings = beginnings

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.beginnings)


# Pacte gives pyHanko the revocation lists of its own authority and fetches nothing for it
# (`_validation_context`); the appearance's font carries a FontForge timestamp table (FFTM)
# that subsetting drops, as it should.
logging.getLogger("pyhanko.sign.signers.pdf_signer").addFilter(
    _ExpectedNotice("Validation/revocation info will be embedded, but fetching is not allowed")
)
logging.getLogger("fontTools.subset").addFilter(
    _ExpectedNotice("FFTM NOT subset; don't know how to subset; dropped")
)


CERTIFICATE_VALIDITY = datetime.timedelta(days=3 * 365)


def issue(
    ca: Authority,
    *,
    common_name: str,
    organisation: str,
    valid_for: datetime.timedelta = CERTIFICATE_VALIDITY,
):
    """A signing certificate for one person, valid three years (`valid_for`), with a fresh
    key."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = utc_now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "FR"),
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation[:64]),
                    x509.NameAttribute(NameOID.COMMON_NAME, common_name[:64]),
                ]
            )
        )
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + valid_for)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_cert_sign=False,
                crl_sign=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca.signing_key(), hashes.SHA256())
    )
    return cert, key


def revocation_list(
    ca: Authority, revoked: list[tuple[int, datetime.datetime]] | None = None
) -> asn1_crl.CertificateList:
    """The authority's list of revoked certificates (`revoked`: serial number and moment of
    each revocation), valid a week: embedded with each signature, it lets the signature be
    checked later without the authority."""
    now = utc_now()
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(now - datetime.timedelta(minutes=5))
        .next_update(now + datetime.timedelta(days=7))
    )
    for serial, moment in revoked or []:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(serial)
            .revocation_date(moment.astimezone(datetime.UTC))
            .build()
        )
    crl = builder.sign(ca.signing_key(), hashes.SHA256())
    return asn1_crl.CertificateList.load(crl.public_bytes(serialization.Encoding.DER))


def issued_by_pacte(cert: asn1_x509.Certificate) -> bool:
    """Whether Pacte's own authority issued `cert` (and keeps its revocation list)."""
    ca = authority()
    return ca.issues_certificates and cert.issuer == ca.asn1.subject


def _signatory_file(key_id: str) -> Path:
    folder = settings.PACTE_SIGNATORIES_DIR or Path(settings.VAR_DIR) / "pki" / "signataires"
    return Path(folder) / f"{key_id}.p12"


def signatory(*, key_id: str, common_name: str, organisation: str) -> signers.SimpleSigner:
    """The signer's key and certificate, from its PKCS#12 file `<key_id>.p12`: in production,
    the file the Département's certification service delivered (PACTE_SIGNATORIES_DIR,
    PACTE_SIGNATORIES_PASSPHRASE); without that folder, issued once by the signing authority
    and kept under var/pki/signataires/ (issued again only when it expires)."""
    path = _signatory_file(key_id)
    passphrase = settings.PACTE_SIGNATORIES_PASSPHRASE.encode() or None
    if settings.PACTE_SIGNATORIES_DIR:
        if not path.exists():
            raise ValidationError(
                f"Aucun certificat de signature n'est déposé pour {common_name} ({path.name}) : "
                "demandez-le à l'administrateur."
            )
    elif not _reusable(path, passphrase, common_name=common_name, organisation=organisation):
        ca = authority()
        cert, key = issue(ca, common_name=common_name, organisation=organisation)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(
            pkcs12.serialize_key_and_certificates(
                key_id.encode(),
                key,
                cert,
                [ca.cert],
                serialization.BestAvailableEncryption(passphrase)
                if passphrase
                else serialization.NoEncryption(),
            )
        )
        path.chmod(0o600)
    signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase)
    if signer is None:
        raise ValidationError(f"Le certificat de signature de {common_name} est illisible.")
    return signer


@contextlib.contextmanager
def signer_for(*, key_id: str, common_name: str, organisation: str) -> Iterator[signers.Signer]:
    """The signer of a right to sign, for the time of one signature: on the Département's
    PKCS#11 token when PACTE_PKCS11_MODULE is set (its key and certificate labelled `key_id`,
    the key never leaving the token), otherwise from the right's PKCS#12 file (`signatory`)."""
    if not settings.PACTE_PKCS11_MODULE:
        yield signatory(key_id=key_id, common_name=common_name, organisation=organisation)
        return
    from pkcs11.exceptions import PKCS11Error
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    try:
        session = open_pkcs11_session(
            settings.PACTE_PKCS11_MODULE,
            token_criteria=TokenCriteria(label=settings.PACTE_PKCS11_TOKEN or None),
            user_pin=settings.PACTE_PKCS11_PIN or None,
        )
    except (PKCS11Error, PdfError, OSError, RuntimeError) as exc:
        raise ValidationError(
            "Le jeton de signature du Département ne répond pas (module PKCS#11, jeton ou code "
            "PIN) : rien n'a été signé. Prévenez l'administrateur."
        ) from exc
    try:
        try:
            # The digest is made here and the token signs it (CKM_ECDSA, CKM_RSA_PKCS): the
            # mechanisms every token offers, where the combined ones vary.
            signer = PKCS11Signer(
                session,
                key_label=key_id,
                cert_label=key_id,
                ca_chain=[authority().asn1],
                use_raw_mechanism=True,
            )
            signer.signing_cert  # noqa: B018 — read now: a missing certificate fails here
        except (PKCS11Error, PdfError) as exc:
            raise ValidationError(
                f"Aucune clé ni aucun certificat « {key_id} » sur le jeton de signature pour "
                f"{common_name} : demandez-les à l'administrateur."
            ) from exc
        yield signer
    finally:
        session.close()


def _reusable(path: Path, passphrase: bytes | None, *, common_name: str, organisation: str) -> bool:
    """Whether the certificate kept for a right to sign still serves it: issued by the current
    authority, to this person of this organisation, and valid beyond tomorrow. (A right
    recorded again under the same number, after a restore, gets a certificate of its own.)"""
    if not path.exists():
        return False
    try:
        _, cert, _ = pkcs12.load_key_and_certificates(path.read_bytes(), passphrase)
    except ValueError:
        return False
    if cert is None or cert.issuer != authority().cert.subject:
        return False
    names = {a.oid: a.value for a in cert.subject if isinstance(a.value, str)}
    return (
        names.get(NameOID.COMMON_NAME) == common_name[:64]
        and names.get(NameOID.ORGANIZATION_NAME) == organisation[:64]
        and cert.not_valid_after_utc > utc_now() + datetime.timedelta(days=1)
    )


def _roots(ca: Authority) -> list:
    """The trusted roots: the signing authority, and the timestamp authority's root when it
    is another (PACTE_TSA_CA_CERT: a qualified provider's)."""
    roots = [ca.asn1]
    if settings.PACTE_TSA_CA_CERT:
        from asn1crypto import pem

        data = Path(settings.PACTE_TSA_CA_CERT).read_bytes()
        for _, _, der in pem.unarmor(data, multiple=True) if pem.detect(data) else []:
            roots.append(asn1_x509.Certificate.load(der))
    return roots


def _revocation_lists(ca: Authority) -> list[asn1_crl.CertificateList]:
    """Pacte's authority's list, the certificates of rights ended or revoked on it; none when
    a provider issues the certificates (its own lists and OCSP answers are the file's)."""
    if not ca.issues_certificates:
        return []
    from .models import revoked_certificates

    return [revocation_list(ca, revoked_certificates())]


def _revocation_policy(ca: Authority, *, retroactive: bool = False) -> CertRevTrustPolicy:
    """How a signer's certificate is checked for revocation. The certificates Pacte issues
    name no distribution point: their revocation is always looked up, in the authority's list
    (which every check has). A provider's certificates name theirs: checked where declared."""
    if ca.issues_certificates:
        rules = RevocationCheckingPolicy(
            ee_certificate_rule=RevocationCheckingRule.CRL_OR_OCSP_REQUIRED,
            intermediate_ca_cert_rule=RevocationCheckingRule.CHECK_IF_DECLARED_SOFT,
        )
    else:
        rules = RevocationCheckingPolicy.from_legacy("soft-fail")
    return CertRevTrustPolicy(rules, retroactive_revinfo=retroactive)


def _validation_context(ca: Authority) -> ValidationContext:
    """What a new signature's certificate is checked against, and whose validation data the
    file then carries: Pacte's revocation list, or, for a provider's certificate, the
    provider's revocation information fetched from the addresses its certificates give."""
    return ValidationContext(
        trust_roots=_roots(ca),
        crls=_revocation_lists(ca),
        allow_fetching=not ca.issues_certificates,
        revinfo_policy=_revocation_policy(ca),
    )


# The font of the signatures' appearance, embedded in the document (PDF/A): DejaVu Sans, its
# units brought to 1 000 per em (pacte/documents/fonts/README.md).
APPEARANCE_FONT = Path(__file__).resolve().parent / "fonts" / "DejaVuSans-1000upm.ttf"
APPEARANCE_FONT_SIZE = 8
APPEARANCE_LINE = 50  # characters of a line of the appearance, at most (its width at 8 pt)


@dataclass(frozen=True)
class Appearance:
    """What a signature shows, and where: its lines of text, in the space the document keeps
    for it (page from 1; position and size in points from the page's top left corner)."""

    lines: tuple[str, ...]
    page: int
    x: float
    y: float
    width: float
    height: float

    @classmethod
    def in_field(
        cls, field: dict, *, signed_by: str, quality: str, at: str, on_behalf: str = ""
    ) -> "Appearance":
        """« Signé électroniquement par / Mme X / her quality (wrapped) / le 30/11/2026 à
        15 h 04 » in the space `field` (as `rendering.signature_fields` gives it); a delegate
        signs « Pour le Président et par délégation, / signé électroniquement par / … »."""
        lines = (
            *([on_behalf, "signé électroniquement par"] if on_behalf else []),
            *([] if on_behalf else ["Signé électroniquement par"]),
            signed_by,
            *textwrap.wrap(quality, APPEARANCE_LINE),
            f"le {at}",
        )
        return cls(
            lines=lines,
            page=int(field["page"]),
            x=float(field["x"]),
            y=float(field["y"]),
            width=float(field["width"]),
            height=float(field["height"]),
        )


def _visible_field(pdf: bytes, field_name: str, appearance: Appearance) -> fields.SigFieldSpec:
    """The signature's field on its page, in the PDF's coordinates (from the bottom left)."""
    reader = PdfFileReader(BytesIO(pdf))
    page_ref, _ = reader.find_page_for_modification(appearance.page - 1)
    top = float(page_ref.get_object()["/MediaBox"][3])
    return fields.SigFieldSpec(
        sig_field_name=field_name,
        on_page=appearance.page - 1,
        box=(
            int(appearance.x),
            int(top - appearance.y - appearance.height),
            int(appearance.x + appearance.width),
            int(top - appearance.y),
        ),
    )


def _stamp_style() -> TextStampStyle:
    return TextStampStyle(
        stamp_text="%(text)s",
        border_width=1,
        text_box_style=TextBoxStyle(
            font=GlyphAccumulatorFactory(str(APPEARANCE_FONT), font_size=APPEARANCE_FONT_SIZE),
            font_size=APPEARANCE_FONT_SIZE,
            leading=APPEARANCE_FONT_SIZE + 2,
        ),
        inner_content_layout=SimpleBoxLayoutRule(
            x_align=AxisAlignment.ALIGN_MIN,
            y_align=AxisAlignment.ALIGN_MID,
            margins=Margins(6, 6, 4, 4),
        ),
    )


class _PdfA2Signer(signers.PdfSigner):
    """A PDF/A-2 document is PDF 1.7 and stays so once signed: its signatures declare the ETSI
    extension of PAdES only. pyHanko would declare ISO 32002 for an elliptic-curve key and move
    the file to PDF 2.0, which PDF/A-2 does not allow; PDF 1.7 readers verify such signatures."""

    def register_extensions(self, pdf_out: BasePdfFileWriter, *, md_algorithm: str) -> None:
        pdf_out.ensure_output_version(version=(1, 7))
        if pdf_out.output_version < (2, 0):
            pdf_out.register_extension(signer_constants.ESIC_EXTENSION_1)


def sign_pdf(
    pdf: bytes,
    *,
    field_name: str,
    signer: signers.Signer,
    signer_name: str,
    reason: str,
    appearance: Appearance | None = None,
    location: str | None = None,
) -> bytes:
    """Add one PAdES signature as an incremental update (earlier signatures stay valid), with
    a timestamp of the authority set by PACTE_TSA_URL and the validation data (certificates,
    revocation lists) embedded: PAdES B-LT, still verifiable once the certificates expire.
    With an `appearance`, the signature shows in the document, where the appearance says;
    without, it is invisible."""
    ca = authority()
    visible: dict = {}
    if appearance is not None:
        visible = {
            "stamp_style": _stamp_style(),
            "new_field_spec": _visible_field(pdf, field_name, appearance),
        }
    writer = IncrementalPdfFileWriter(BytesIO(pdf))
    meta = signers.PdfSignatureMetadata(
        field_name=field_name,
        reason=reason,
        location=location,
        name=signer_name,
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=True,
        validation_context=_validation_context(ca),
    )
    try:
        output = _PdfA2Signer(meta, signer=signer, timestamper=timestamper(), **visible).sign_pdf(
            writer,
            appearance_text_params=(
                {"text": "\n".join(appearance.lines)} if appearance is not None else None
            ),
        )
    except (TimestampRequestError, OSError) as exc:
        raise ValidationError(
            "Le service d'horodatage ne répond pas : la signature n'est pas enregistrée. "
            "Réessayez dans un moment."
        ) from exc
    except SigningError as exc:
        # The signer's certificate is not one the trusted authorities vouch for now: revoked,
        # expired, or of another authority.
        raise ValidationError(
            f"Le certificat de signature de {signer_name} n'est pas valide aujourd'hui "
            "(révoqué, expiré ou d'une autorité non reconnue) : rien n'a été signé. "
            "Prévenez l'administrateur."
        ) from exc
    return output.getvalue()


# UNREADABLE: a file is read to be judged, whatever was done to it, and any byte of it may be
# wrong. What its reading then raises depends on where the damage lies: pyHanko's PdfError
# family (PdfReadError, PdfStrictReadError, PdfStreamError), its SignatureValidationError,
# asn1crypto's ValueError or TypeError, an AttributeError for a digest algorithm whose
# identifier was changed… Each is a broken file or signature, and the verdict says so: the
# verification never fails in its place.

# What may follow a signature without changing what was signed: later signatures (filling
# their fields) and validation data (timestamps, certificates and revocation information).
AFTER_A_SIGNATURE = {ModificationLevel.NONE, ModificationLevel.LTA_UPDATES}
BEFORE_A_LATER_SIGNATURE = AFTER_A_SIGNATURE | {ModificationLevel.FORM_FILLING}


class TrustProblem:
    """Why a signature's certificate is not trusted at the time it is checked at."""

    NONE = ""
    REVOKED = "revoked"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    UNKNOWN_AUTHORITY = "unknown_authority"
    OTHER = "other"


@dataclass
class SignatureCheck:
    """One signature of a PDF, as pyHanko validates it against the signing authority: its
    certificate checked at the time its timestamp certifies (with the validation data the
    file carries), or now when it has no trusted timestamp."""

    field: str
    signer: str = ""
    readable: bool = True
    intact: bool = False
    valid: bool = False
    # The certificate, checked (only when the signature itself is valid: `valid`).
    trusted: bool = False
    trust_problem: str = TrustProblem.NONE
    certificate_from: datetime.datetime | None = None
    certificate_until: datetime.datetime | None = None
    revoked_at: datetime.datetime | None = None
    # When the certificate was checked at: the timestamp's time, None for now.
    checked_at: datetime.datetime | None = None
    covers_whole_file: bool = False
    changed_after: bool = False
    signed_at: datetime.datetime | None = None
    timestamped_at: datetime.datetime | None = None
    timestamp_trusted: bool = True  # no timestamp, or one valid from a recognised authority
    problem: str = ""

    @property
    def ok(self) -> bool:
        return (
            self.readable
            and self.intact
            and self.valid
            and self.trusted
            and self.timestamp_trusted
            and not self.changed_after
        )

    @property
    def problems(self) -> list[str]:
        """Why the signature does not hold, in French ([] when it does)."""
        name = f"La signature « {self.field} »"
        if not self.readable:
            return [f"{name} est illisible : {self.problem}"]
        found = []
        if not self.intact:
            # What it covers changed: whose certificate it is says nothing more.
            return [f"{name} n'est plus intègre : le contenu qu'elle couvre a été altéré."]
        if not self.valid:
            return [f"{name} n'est pas valide (signature cryptographique incorrecte)."]
        if not self.trusted:
            found.append(self._trust_text(name))
        if not self.timestamp_trusted:
            found.append(
                f"L'horodatage de la signature « {self.field} » n'est pas valide ou n'émane "
                "pas d'une autorité d'horodatage reconnue : sa date n'est pas certifiée."
            )
        return found

    def _trust_text(self, name: str) -> str:
        """What is wrong with the certificate, as it is: an expired certificate is not one of
        an unknown authority."""
        when = (
            f"le {_moment(self.checked_at)}, date de son horodatage"
            if self.checked_at
            else "aujourd'hui, faute d'horodatage reconnu"
        )
        if self.trust_problem == TrustProblem.REVOKED:
            return (
                f"{name} a été faite avec un certificat révoqué le {_moment(self.revoked_at)}, "
                f"avant la signature (vérifiée {when}) : elle ne vaut pas signature."
            )
        if self.trust_problem == TrustProblem.EXPIRED:
            if self.checked_at:
                return (
                    f"{name} a été faite le {_moment(self.checked_at)} (horodatage) avec un "
                    f"certificat expiré depuis le {_moment(self.certificate_until)}."
                )
            return (
                f"Le certificat de la signature « {self.field} » a expiré le "
                f"{_moment(self.certificate_until)} et la signature n'est pas horodatée par "
                "une autorité reconnue : rien n'atteste qu'elle a été faite pendant la validité "
                "du certificat."
            )
        if self.trust_problem == TrustProblem.NOT_YET_VALID:
            return (
                f"{name} a été vérifiée {when}, avant le début de validité de son certificat "
                f"({_moment(self.certificate_from)})."
            )
        if self.trust_problem == TrustProblem.UNKNOWN_AUTHORITY:
            return (
                f"{name} émane d'un certificat qu'aucune autorité reconnue par le Département "
                "n'a délivré."
            )
        return (
            f"Le certificat de la signature « {self.field} » n'a pas pu être validé (chaîne de "
            "certification incomplète, usage non permis ou algorithme refusé)."
        )


def _moment(value: datetime.datetime | None) -> str:
    """« 30/11/2026 à 18 h 32 », in Paris time."""
    if value is None:
        return "?"
    local = timezone.localtime(value)
    return f"{format_date(local)} à {format_time(local)}"


@dataclass
class Verification:
    """The signatures of a PDF and what happened to the file after the last one."""

    signatures: list[SignatureCheck]
    unreadable: str = ""

    @property
    def changed_after_signing(self) -> bool:
        return any(check.changed_after for check in self.signatures)

    @property
    def ok(self) -> bool:
        return (
            not self.unreadable
            and bool(self.signatures)
            and all(check.ok for check in self.signatures)
        )

    @property
    def problems(self) -> list[str]:
        if self.unreadable:
            return [self.unreadable]
        if not self.signatures:
            return ["Le fichier ne porte aucune signature."]
        found = [text for check in self.signatures for text in check.problems]
        if self.changed_after_signing:
            found.append(
                "Le document a été modifié après sa dernière signature : ce qu'il affiche "
                "n'est plus ce qui a été signé."
            )
        return found


def _changed_after(status, *, last: bool) -> bool:
    """Whether something other than later signatures or validation data was added after this
    signature (pyHanko's difference analysis of the file's later revisions)."""
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return False
    allowed = AFTER_A_SIGNATURE if last else BEFORE_A_LATER_SIGNATURE
    return status.modification_level not in allowed or status.docmdp_ok is False


def _subject(cert) -> str:
    """« Mme Diane DÉLÉGATAIRE (Département du Pas-de-Calais) »: the certificate's holder."""
    names = cert.subject.native
    holder = names.get("common_name", "")
    organisation = names.get("organization_name", "")
    return f"{holder} ({organisation})" if organisation else holder


def _field_name(signature) -> str:
    try:
        return str(signature.field_name or "?")
    except Exception:  # noqa: BLE001 — a field dictionary broken in the file
        return "?"


@dataclass(frozen=True)
class _Trust:
    """What signatures are checked against: the trusted roots, the revocation lists Pacte
    knows now (its authority's, when it keeps one), and the validation data the file carries
    in its document security store (certificates, revocation lists, OCSP responses)."""

    roots: list
    crls: list
    dss: DocumentSecurityStore | None
    authority: Authority

    def context(
        self, moment: datetime.datetime | None = None, *, signer: bool = True
    ) -> ValidationContext:
        """A context at `moment` (now when None), for a signer's certificate or a timestamp's.
        At a past moment, revocation information issued later is taken into account (a
        revocation dated after the moment does not count against it: `retroactive_revinfo`);
        nothing is fetched."""
        kwargs: dict = {
            "trust_roots": self.roots,
            "crls": list(self.crls),
            "allow_fetching": False,
        }
        if signer:
            kwargs["revinfo_policy"] = _revocation_policy(
                self.authority, retroactive=moment is not None
            )
        elif moment is not None:
            kwargs["retroactive_revinfo"] = True
        if moment is not None:
            kwargs["moment"] = moment
        if self.dss is not None:
            return self.dss.as_validation_context(kwargs)
        return ValidationContext(**kwargs)


async def _validate(signature, trust: _Trust):
    """Validate the signature's timestamp first (now, against the trusted roots); then the
    signature, its certificate checked at the time that timestamp certifies when it is
    trusted (PAdES B-LT: a certificate that expired since still holds), at the present time
    otherwise."""
    timestamps = trust.context(signer=False)
    timing = await generic_cms.collect_timing_info(
        signature.signer_info, timestamps, raw_digest=signature.compute_digest
    )
    token = timing.get("timestamp_validity")
    moment = (
        token.timestamp
        if token is not None and token.intact and token.valid and token.trusted
        else None
    )
    status = await async_validate_pdf_signature(signature, trust.context(moment), timestamps)
    return status, moment


def _trust_problem(status, moment: datetime.datetime | None) -> str:
    if status.validation_path is not None and status.trust_problem_indic is None:
        return TrustProblem.NONE
    if status.revoked:
        return TrustProblem.REVOKED
    at = moment or utc_now()
    cert = status.signing_cert
    if at > cert.not_valid_after:
        return TrustProblem.EXPIRED
    if at < cert.not_valid_before:
        return TrustProblem.NOT_YET_VALID
    if status.trust_problem_indic == AdESIndeterminate.NO_CERTIFICATE_CHAIN_FOUND:
        return TrustProblem.UNKNOWN_AUTHORITY
    return TrustProblem.OTHER


def _check(signature, trust: _Trust, *, last: bool) -> SignatureCheck:
    try:
        status, moment = asyncio.run(_validate(signature, trust))
        timestamp = status.timestamp_validity
        problem = _trust_problem(status, moment) if status.valid else TrustProblem.NONE
        revocation = status.revocation_details
        return SignatureCheck(
            field=signature.field_name,
            signer=_subject(status.signing_cert) if status.signing_cert else "",
            intact=status.intact,
            valid=status.valid,
            # Checked only when the signature is valid; independent of what it covers.
            trusted=status.valid and problem == TrustProblem.NONE,
            trust_problem=problem,
            certificate_from=status.signing_cert.not_valid_before,
            certificate_until=status.signing_cert.not_valid_after,
            revoked_at=revocation.revocation_date if revocation is not None else None,
            checked_at=moment,
            covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
            changed_after=_changed_after(status, last=last),
            signed_at=status.signer_reported_dt,
            timestamped_at=timestamp.timestamp if timestamp is not None else None,
            timestamp_trusted=timestamp is None
            or bool(timestamp.intact and timestamp.valid and timestamp.trusted),
        )
    except Exception as exc:  # noqa: BLE001 — see UNREADABLE
        logger.info("Signature illisible (%s) : %s", type(exc).__name__, exc)
        return SignatureCheck(
            field=_field_name(signature),
            readable=False,
            problem="son certificat ou ses données sont altérés ou absents.",
        )


def _embedded_validation_data(reader: PdfFileReader) -> DocumentSecurityStore | None:
    try:
        return DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return None
    except Exception as exc:  # noqa: BLE001 — see UNREADABLE: checked without it
        logger.info("Données de validation illisibles (%s) : %s", type(exc).__name__, exc)
        return None


def verify_pdf(pdf: bytes) -> Verification:
    """Check every signature of a PDF against the signing authority, each at the time of its
    timestamp with the validation data the file carries, and whether anything was changed
    after the last one. Never raises for a broken file: the verdict says so."""
    ca = authority()
    try:
        reader = PdfFileReader(BytesIO(pdf))
        signatures = list(reader.embedded_signatures)
    except Exception as exc:  # noqa: BLE001 — see UNREADABLE
        logger.info("PDF illisible (%s) : %s", type(exc).__name__, exc)
        return Verification(
            [], unreadable="Le fichier n'est pas un PDF lisible : il est tronqué ou altéré."
        )
    trust = _Trust(
        roots=_roots(ca),
        crls=_revocation_lists(ca),
        dss=_embedded_validation_data(reader),
        authority=ca,
    )
    return Verification(
        [
            _check(signature, trust, last=index == len(signatures) - 1)
            for index, signature in enumerate(signatures)
        ]
    )
