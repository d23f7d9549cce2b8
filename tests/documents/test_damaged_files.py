"""A damaged signed file is a verdict, never an error: whatever byte of it is changed — in the
signed content, in the cross-reference table, in an object header, in the signature's own
/Contents (its certificate, its digest algorithm's identifier) — `verify_pdf` answers in French
and the verification page answers 200."""

import io
import re

import pytest
from pypdf import PdfWriter

from pacte.documents import signing
from tests.documents.test_documents import _signed, file_bytes, voted  # noqa: F401

pytestmark = pytest.mark.django_db

# DER of the SHA-256 algorithm identifier's OID (2.16.840.1.101.3.4.2.1), as /Contents holds
# it in hexadecimal: a digit changed there names an algorithm that does not exist.
SHA256_OID = b"0609608648016503040201"


def _small_signed_pdf() -> bytes:
    """A one-page PDF with one timestamped signature and its validation data (PAdES B-LT)."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    signer = signing.signatory(key_id="test-damage", common_name="Mme Test", organisation="Pacte")
    return signing.sign_pdf(
        buffer.getvalue(),
        field_name="Signature1",
        signer=signer,
        signer_name="Mme Test",
        reason="Essai",
    )


def _other(byte: int) -> int:
    """Another byte of the same nature: a hexadecimal digit stays one (the damage is then in
    what /Contents decodes to, not in its syntax)."""
    digits = b"0123456789abcdef"
    if byte in digits:
        return digits[(digits.index(byte) + 7) % 16]
    return (byte + 1) % 256


def _changed(pdf: bytes, position: int, value: int | None = None) -> bytes:
    damaged = bytearray(pdf)
    damaged[position] = _other(pdf[position]) if value is None else value
    return bytes(damaged)


def _contents(pdf: bytes) -> tuple[int, int]:
    """Where the first signature's /Contents (hexadecimal) lies in the file."""
    match = re.search(rb"/Contents\s*<([0-9a-fA-F]+)>", pdf)
    assert match is not None
    return match.span(1)


def _signed_ranges(pdf: bytes) -> list[range]:
    """The bytes the first signature covers (its /ByteRange)."""
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", pdf)
    assert match is not None
    a, b, c, d = (int(n) for n in match.groups())
    return [range(a, a + b), range(c, c + d)]


def _near_digest_algorithm(pdf: bytes) -> list[int]:
    """Each hexadecimal digit of /Contents around the SHA-256 identifiers (the signer's digest
    algorithm, the timestamp's, the certificates')."""
    start, end = _contents(pdf)
    positions: list[int] = []
    for match in re.finditer(SHA256_OID, pdf[start:end], re.I):
        positions.extend(range(start + match.start() - 6, start + match.end() + 6))
    return positions


def _judged(pdf: bytes) -> signing.Verification:
    verification = signing.verify_pdf(pdf)  # raises nothing
    assert verification.ok or verification.problems
    for problem in verification.problems:
        assert problem[:1].isupper() and problem.endswith("."), problem
    return verification


def test_no_changed_byte_makes_the_verification_fail():
    pdf = _small_signed_pdf()
    assert signing.verify_pdf(pdf).ok
    signed = _signed_ranges(pdf)
    for position in range(0, len(pdf), 97):
        verification = _judged(_changed(pdf, position))
        if any(position in part for part in signed):
            # What the signature covers changed: never taken for signed.
            assert not verification.ok, position
    oid_positions = _near_digest_algorithm(pdf)
    assert len(oid_positions) > 30
    for position in oid_positions:
        for digit in b"07f":
            if pdf[position] != digit:
                _judged(_changed(pdf, position, digit))


def test_a_broken_object_or_digest_algorithm_is_said_in_french():
    pdf = _small_signed_pdf()
    # An object whose end is unreadable, in the middle of the signed revision.
    middle = pdf.index(b"endobj", len(pdf) // 4)
    verification = _judged(pdf[:middle] + b"x" + pdf[middle + 1 :])
    assert not verification.ok
    # Each SHA-256 identifier of /Contents made one that no algorithm has (2.16.840… →
    # 0.0.840…): the signer's digest algorithm, the timestamp's… are among them.
    start, end = _contents(pdf)
    problems = [
        _judged(_changed(pdf, start + match.start() + 4, ord("0"))).problems
        for match in re.finditer(SHA256_OID, pdf[start:end], re.I)
    ]
    assert (
        "La signature « Signature1 » est illisible : son certificat ou ses données sont "
        "altérés ou absents."
    ) in [text for found in problems for text in found]


def test_the_verification_page_never_answers_500(voted, users, client_for):  # noqa: F811
    document, last = _signed(voted, users)
    pdf = file_bytes(last.file)
    start, end = _contents(pdf)
    middle = pdf.index(b"endobj", len(pdf) // 2)
    damages = [
        pdf[:middle] + b"x" + pdf[middle + 1 :],
        *(
            _changed(pdf, start + match.start() + 4, ord("0"))
            for match in re.finditer(SHA256_OID, pdf[start:end], re.I)
        ),
        _changed(pdf, start + 200),
        pdf[: len(pdf) // 2],
        *(_changed(pdf, position) for position in range(7, len(pdf), len(pdf) // 12)),
    ]
    agent = client_for("agent")
    url = f"/documents/{voted.pk}/{document.pk}/verifier/"
    for damaged in damages:
        with open(last.file.path, "wb") as handle:  # the storage altered behind Pacte's back
            handle.write(damaged)
        page = agent.get(url)
        assert page.status_code == 200
        assert "Ce document ne peut pas être tenu pour signé" in page.content.decode()
