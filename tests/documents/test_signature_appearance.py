"""A signature shows in the convention's signature block: who signed, in what quality, when —
drawn with a font embedded in the document, where the template keeps room for it."""

import io
import re
import subprocess

import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from pacte.demo import documents as demo_documents
from pacte.documents import signing
from pacte.documents.services import current_file
from tests.documents.test_demo_documents import delegate  # noqa: F401 — a fixture
from tests.finance.conftest import voted_operation

pytestmark = pytest.mark.django_db

DPI = 72  # one pixel a point: the fields' coordinates are pixels


def _ink(pdf: bytes, field: dict) -> int:
    """How many dark pixels the field's space holds once the page is drawn."""
    image = subprocess.run(
        [
            "pdftoppm",
            "-gray",
            "-r",
            str(DPI),
            "-f",
            str(field["page"]),
            "-l",
            str(field["page"]),
            "-x",
            str(int(field["x"]) + 2),
            "-y",
            str(int(field["y"]) + 2),
            "-W",
            str(int(field["width"]) - 4),
            "-H",
            str(int(field["height"]) - 4),
        ],
        input=pdf,
        capture_output=True,
        check=True,
    ).stdout
    # A binary PGM: « P5 », « width height », « 255 », then one byte a pixel.
    pixels = image.split(b"\n", 3)[3]
    return sum(1 for value in pixels if value < 128)


@pytest.fixture
def signed(lens_contract, users, ap, delegate):  # noqa: F811
    operation, _ = voted_operation(lens_contract, users, sign=False)
    with demo_documents.timestamping():
        return demo_documents.convention(
            operation, agent=users["test-agent"], partner_user=users["test-partner"]
        )


def test_the_template_keeps_room_for_each_signer(signed):
    fields = {f["signer"]: f for f in signed.signature_fields}
    assert set(fields) == {"partner", "department"}
    partner, department = fields["partner"], fields["department"]
    assert partner["page"] == department["page"] and partner["y"] == department["y"]
    assert partner["x"] < department["x"]  # the partner on the left, as the blocks read
    assert partner["width"] > 200 and partner["height"] > 60  # points


def test_each_signature_shows_in_its_block_and_the_file_still_verifies(signed):
    unsigned = signed.file.open("rb").read()
    signed_pdf = current_file(signed)
    for field in signed.signature_fields:
        assert _ink(unsigned, field) == 0, field  # room left blank by the template
        assert _ink(signed_pdf, field) > 200, field  # the signature's text and frame
    verdict = signing.verify_pdf(signed_pdf)
    assert verdict.ok, verdict.problems


def _shown_texts(stream: bytes) -> list[str]:
    """The /ActualText of an appearance's lines, decoded (PDFDocEncoding or UTF-16)."""
    found = []
    for raw in re.findall(rb"/ActualText \((.*?)\)\n", stream, flags=re.S):
        value = re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m.group(1), 8)]), raw)
        value = re.sub(rb"\\(.)", rb"\1", value)
        found.append(
            value[2:].decode("utf-16-be")
            if value.startswith(b"\xfe\xff")
            else value.decode("latin-1")
        )
    return found


def _signature_widgets(pdf: bytes) -> dict:
    reader = PdfFileReader(io.BytesIO(pdf))
    return {embedded.field_name: embedded.sig_field for embedded in reader.embedded_signatures}


def test_the_appearance_names_the_signer_and_embeds_its_font(signed):
    widgets = _signature_widgets(current_file(signed))
    department = widgets["Signature2"]["/AP"]["/N"].get_object()
    lines = _shown_texts(department.data)
    # The block prints the Président's name: his delegate signs for him, by delegation.
    assert lines[:3] == [
        "Pour le Président et par délégation,",
        "signé électroniquement par",
        "Mme Diane DÉLÉGATAIRE",
    ]
    assert lines[3] == signed.signatures.get(order=2).signed_as.split(", ")[1]
    assert re.fullmatch(r"le \d\d/\d\d/\d{4} à \d{1,2} h \d\d", lines[-1]), lines
    font = department["/Resources"]["/Font"]["/F1"].get_object()
    descendant = font["/DescendantFonts"][0].get_object()
    assert "/FontFile2" in descendant["/FontDescriptor"].get_object()  # embedded (PDF/A)
    partner = widgets["Signature1"]["/AP"]["/N"].get_object()
    partner_lines = _shown_texts(partner.data)
    assert partner_lines[:2] == [
        "Signé électroniquement par",
        signed.signatures.get(order=1).signed_as.split(",")[0],
    ]


def test_without_room_kept_the_signature_is_invisible(signed):
    unsigned = signed.file.open("rb").read()
    pdf = signing.sign_pdf(
        unsigned,
        field_name="Signature1",
        signer=signing.signatory(
            key_id="test-invisible", common_name="Mme Test", organisation="Pacte"
        ),
        signer_name="Mme Test",
        reason="Essai",
    )
    rect = [float(v) for v in _signature_widgets(pdf)["Signature1"]["/Rect"]]
    assert rect[2] - rect[0] == 0 and rect[3] - rect[1] == 0
    assert signing.verify_pdf(pdf).signatures[0].intact


def test_a_signed_pdfa_document_stays_pdf_1_7(signed):
    """PDF/A-2 is PDF 1.7: no signature moves the file to PDF 2.0 (as declaring ISO 32002 for
    an elliptic-curve key would)."""
    pdf = current_file(signed)
    reader = PdfFileReader(io.BytesIO(pdf))
    assert str(reader.root.get("/Version", "/1.7")) in {"/1.7", "1.7"}
    extensions = reader.root.get("/Extensions", {})
    assert "/ISO_" not in extensions
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout
    assert re.search(rb"PDF version:\s+1\.7\n", info), info
    assert signing.verify_pdf(pdf).ok
