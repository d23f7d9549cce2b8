"""One text, two forms: the convention's PDF and its editable DOCX set the same articles, the
same visas and the same signature blocks; the DOCX is an A4 French document with real styles,
dated by the document's own date."""

import datetime
import io
import re
import zipfile
from decimal import Decimal

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import RGBColor
from docx.table import Table
from pyhanko.pdf_utils.reader import PdfFileReader
from pypdf import PdfReader

from pacte.documents import rendering, services
from pacte.documents.docx import agreement_docx
from pacte.documents.models import Document
from pacte.operations.models import Operation, ReciprocalCommitment
from tests.documents.test_documents import file_bytes, text_of
from tests.finance.conftest import voted_operation

pytestmark = pytest.mark.django_db

# A title made of Typst's markup characters: it prints as typed, in both forms.
MARKUP_TITLE = "Salle *polyvalente* #1, 50 $ _tout_ <compris> [sic] ] fin"

# The PDF's body lies between its margins (2.6 cm at the top, 2.2 cm at the bottom): the
# running header and footer lie outside it.
CM = 72 / 2.54
TOP_MARGIN, BOTTOM_MARGIN = 2.6 * CM, 2.2 * CM


@pytest.fixture
def voted(lens_contract, users, ap):
    operation, _ = voted_operation(lens_contract, users, sign=False)
    Operation.objects.filter(pk=operation.pk).update(title=MARKUP_TITLE)
    for description, target, unit in [
        ("Accueillir des élèves de 3e en stage", Decimal("4"), "élèves"),
        ("Ouvrir la salle aux associations", None, ""),
    ]:
        ReciprocalCommitment.objects.create(
            contract=operation.contract,
            operation=operation,
            kind=ReciprocalCommitment.Kind.OTHER,
            description=description,
            target=target,
            unit=unit,
        )
    return Operation.objects.get(pk=operation.pk)


def squeezed(text: str) -> str:
    """A text without its spaces (no-break ones too) nor hyphens: the PDF breaks its lines
    where the DOCX leaves them to the word processor, and hyphenates words at the ends of
    lines."""
    return re.sub(r"[\s\-\u00ad]", "", text)


def pdf_body(pdf: bytes) -> list[tuple[str, bool]]:
    """The pieces of text set in the pages' body, in reading order, each with whether its font
    is bold; the running header and footer, and the lists' bullets, left out."""
    pieces: list[tuple[str, bool]] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        top = float(page.mediabox.top) - TOP_MARGIN

        def visit(text, cm, tm, font, size, top=top):
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            # A list's bullets are markers, as the DOCX's list style draws them, not text.
            if text and text.strip() != "•" and BOTTOM_MARGIN < y < top:
                bold = font is not None and "Bold" in str(font.get("/BaseFont", ""))
                pieces.append((text, bold))

        page.extract_text(visitor_text=visit)
    return pieces


def docx_paragraphs(document) -> list[tuple[str, str, list[str]]]:
    """Each paragraph of the DOCX's body in order, the table's cells included: its style, its
    text and its runs in bold."""
    paragraphs = []
    for block in document.iter_inner_content():
        cells = (
            [p for row in block.rows for cell in row.cells for p in cell.paragraphs]
            if isinstance(block, Table)
            else [block]
        )
        for p in cells:
            paragraphs.append((p.style.name, p.text, [r.text for r in p.runs if r.bold]))
    return paragraphs


def articles_of(text: str, headings: list[str]) -> list[str]:
    """The text of each article (its heading included), cut at the next heading; the last one
    ends with the text."""
    starts = [text.index(heading) for heading in headings]
    return [text[start:end] for start, end in zip(starts, [*starts[1:], len(text)], strict=True)]


def generate_both(voted, users) -> tuple[Document, Document]:
    signatories = {"department_signatory": "M. Jean-Claude LEROY, Président"}
    pdf = services.agreement_generate(actor=users["test-agent"], operation=voted, **signatories)
    word = services.agreement_docx_generate(
        actor=users["test-agent"], operation=voted, **signatories
    )
    return pdf, word


def test_the_docx_and_the_pdf_carry_the_same_text(voted, users):
    pdf_document, docx_document = generate_both(voted, users)
    text = docx_document.data["text"]
    assert pdf_document.data["text"] == text
    pdf_pieces = pdf_body(file_bytes(pdf_document.file))
    pdf_text = "".join(piece for piece, _ in pdf_pieces)
    paragraphs = docx_paragraphs(docx.Document(io.BytesIO(file_bytes(docx_document.file))))
    docx_text = "\n".join(paragraph_text for _, paragraph_text, _ in paragraphs)

    # The whole body, word for word, in the same order.
    assert squeezed(docx_text) == squeezed(pdf_text)

    # The same eight articles: their headings (Heading 1 in the DOCX), then each one's text.
    headings = [t for style, t, _ in paragraphs if style == "Heading 1"]
    assert headings == [article["heading"] for article in text["articles"]]
    assert [h.split(" – ")[0] for h in headings] == [f"Article {n}" for n in range(1, 9)]
    signatures_start = next(i for i, (s, _, _) in enumerate(paragraphs) if s == "Signature")
    first_heading = next(i for i, (s, _, _) in enumerate(paragraphs) if s == "Heading 1")
    docx_articles = articles_of(
        squeezed("".join(t for _, t, _ in paragraphs[first_heading:signatures_start])),
        [squeezed(h) for h in headings],
    )
    signatures = [t for style, t, _ in paragraphs if style == "Signature"]
    pdf_articles = articles_of(
        squeezed(pdf_text).split(squeezed(signatures[0]))[0], [squeezed(h) for h in headings]
    )
    assert docx_articles == pdf_articles
    assert "Accueillir des élèves de 3e en stage (cible\xa0: 4 élèves)" in docx_text
    assert [t for s, t, _ in paragraphs if s == "List Bullet"][-2:] == [
        "Accueillir des élèves de 3e en stage (cible\xa0: 4 élèves)",
        "Ouvrir la salle aux associations",
    ]

    # The same visas, each a line of its own, followed by « il est convenu ce qui suit ».
    visas = [t for style, t, _ in paragraphs if style == "Visa"]
    assert visas == text["visas"] and len(visas) == 4
    assert all(visa.startswith("Vu ") and visa.endswith("\xa0;") for visa in visas)
    assert squeezed("".join(visas) + "il est convenu ce qui suit.") in squeezed(pdf_text)

    # The same signature blocks, side by side, at the end.
    assert signatures == [
        "Pour le bénéficiaire,",
        text["signatures"][0]["name"],
        "Pour le Département,",
        "M. Jean-Claude LEROY, Président",
    ]
    assert squeezed(pdf_text).endswith(squeezed("".join(signatures)))

    # Bold in the same places: the title, « Entre », « et », « il est convenu ce qui suit »,
    # the headings and the amount.
    bold_styles = {"Title", "Heading 1"}
    docx_bold = [
        piece
        for style, paragraph_text, bold_runs in paragraphs
        for piece in ([paragraph_text] if style in bold_styles else bold_runs)
    ]
    pdf_bold = [piece for piece, bold in pdf_pieces if bold and piece.strip()]
    assert [squeezed(p) for p in docx_bold] == [squeezed(p) for p in pdf_bold]
    assert docx_bold[:4] == [
        "CONVENTION DE SUBVENTION D’INVESTISSEMENT",
        "Entre",
        "et",
        "il est convenu ce qui suit.",
    ]
    assert "135\u202f000,00\xa0€" in docx_bold

    # One kind of apostrophe, whether the words come from the template or the records.
    assert "'" not in docx_text and "'" not in pdf_text
    assert "d’Innovation" in docx_text and "l’opération" in pdf_text
    assert "Communauté d’agglomération" in docx_text  # typed with a straight one


def test_a_title_made_of_markup_prints_as_typed(voted, users):
    pdf_document, docx_document = generate_both(voted, users)
    assert MARKUP_TITLE in text_of(file_bytes(pdf_document.file))
    assert f"l’opération «\xa0{MARKUP_TITLE}\xa0»" in "".join(
        piece for piece, _ in pdf_body(file_bytes(pdf_document.file))
    ).replace("\n", "")
    document = docx.Document(io.BytesIO(file_bytes(docx_document.file)))
    subtitle = [p.text for p in document.paragraphs if p.style.name == "Subtitle"]
    assert subtitle == [MARKUP_TITLE]


def test_the_docx_is_an_a4_french_document_with_real_styles(voted, users):
    _, docx_document = generate_both(voted, users)
    content = file_bytes(docx_document.file)
    document = docx.Document(io.BytesIO(content))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert all(
        15 <= round(margin.mm) <= 30
        for margin in [
            section.left_margin,
            section.right_margin,
            section.top_margin,
            section.bottom_margin,
        ]
    )
    defaults = document.styles.element.find(qn("w:docDefaults"))
    assert defaults.find(f".//{qn('w:lang')}").get(qn("w:val")) == "fr-FR"
    theme_language = document.settings.element.find(qn("w:themeFontLang"))
    assert theme_language.get(qn("w:val")) == "fr-FR"
    styles = [p.style.name for p in document.paragraphs]
    assert styles.count("Title") == 1 and styles.count("Heading 1") == 8
    assert {"Normal", "List Bullet", "Visa"} <= set(styles)
    heading = document.styles["Heading 1"]
    assert heading.font.bold and heading.font.size.pt == 15
    assert heading.font.color.rgb == RGBColor(0, 0, 0)
    header = document.sections[0].header.paragraphs[0].text
    assert header == f"DÉPARTEMENT DU PAS-DE-CALAIS\t{voted.reference}"

    properties = document.core_properties
    assert properties.title == f"Convention — {MARKUP_TITLE}"
    assert properties.author == "Département du Pas-de-Calais"
    assert properties.language == "fr-FR"
    with zipfile.ZipFile(io.BytesIO(content)) as package:
        names = package.namelist()
        parts = {name: package.read(name).decode() for name in names if name.endswith("xml")}
    assert "docProps/thumbnail.jpeg" not in names
    for name, xml in parts.items():
        for leftover in ["2013", "en-US", "python-docx", "Macintosh", "Normal.dotm"]:
            assert leftover not in xml, (name, leftover)
    assert "<Application>Pacte</Application>" in parts["docProps/app.xml"]


def test_the_docx_is_dated_by_the_document_date_as_the_pdf(voted, users):
    """The DOCX's creation and modification dates are the date given to it, the one its PDF
    gets for the same data; the same data and date give the same bytes."""
    data = rendering.agreement_data(
        voted, department_signatory="le Président", partner_signatory="son représentant"
    )
    dated = datetime.datetime(2024, 4, 2, 10, 30, 15, tzinfo=datetime.UTC)
    content = agreement_docx(data, dated=dated)
    properties = docx.Document(io.BytesIO(content)).core_properties
    assert properties.created == properties.modified == dated
    assert agreement_docx(data, dated=dated) == content
    pdf = rendering.render_pdf("agreement.typ", data, dated=dated)
    info = PdfFileReader(io.BytesIO(pdf)).trailer_view["/Info"]
    assert str(info["/CreationDate"]).startswith("D:20240402103015")

    before = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    document = services.agreement_docx_generate(actor=users["test-agent"], operation=voted)
    created = docx.Document(io.BytesIO(file_bytes(document.file))).core_properties.created
    assert before <= created <= document.generated_at


@pytest.mark.parametrize("prefix", ["M. ", "Madame "])  # « Madame » cut them before
def test_names_are_not_cut_at_a_line_end(voted, users, prefix):
    long_name = f"{prefix}Clémentine Vandenbrouckeghemmerlynckaert"
    document = services.agreement_generate(
        actor=users["test-agent"],
        operation=voted,
        partner_signatory=f"{long_name}, Présidente de la communauté d’agglomération",
        department_signatory=f"{prefix}Christophe Schwarzenbergermeyerhoff, Président",
    )
    text = text_of(file_bytes(document.file))
    assert "Vandenbrouckeghemmerlynckaert" in text
    assert "Schwarzenbergermeyerhoff" in text
