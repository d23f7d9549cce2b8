"""The convention as an editable DOCX, for the rare case an agent must adjust the wording
before the text is frozen. It sets the very text of the PDF (`agreement.agreement_text`, kept
in the data as `text`): same heading, parties, visas, articles and signature blocks. The file
is a French document of its own, not python-docx's American template: A4 page, language
fr-FR, styles an agent finds in Word or LibreOffice (Title, Heading 1 for the articles, Normal
for the body, List Bullet for the items), its properties dated by the document's own date."""

import copy
import datetime
import zipfile
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from docx import Document as DocxDocument
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph

from .agreement import AgreementText, Block, Run

AUTHOR = "Département du Pas-de-Calais"
HEADER_NAME = "DÉPARTEMENT DU PAS-DE-CALAIS"
LANGUAGE = "fr-FR"
# A font every Word has; LibreOffice sets it with its metric twin, Liberation Serif.
FONT = "Times New Roman"
# The PDF's page: A4, margins of 2 cm on the sides, 2.6 cm at the top and 2.2 cm at the bottom.
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_SIDE, MARGIN_TOP, MARGIN_BOTTOM = Mm(20), Mm(26), Mm(22)
TEXT_WIDTH = PAGE_WIDTH - 2 * MARGIN_SIDE
BLACK = RGBColor(0, 0, 0)
# The style of the line naming the contracting round above the title (« QUATRIÈME DÉMARCHE… »).
ROUND_STYLE = "Démarche"
# The visas, one a paragraph, set close together as the PDF's lines.
VISA_STYLE = "Visa"
SIGNATURE_STYLE = "Signature"


def agreement_docx(data: dict[str, Any], *, dated: datetime.datetime) -> bytes:
    """The DOCX of the convention whose data (facts and `text`) is given. `dated` is the
    document's own date, as its PDF gets it: its creation and modification date. The same
    data and date give the same bytes."""
    text: AgreementText = data["text"]
    doc = DocxDocument()
    _drop_template_leftovers(doc)
    _set_page(doc)
    _set_french(doc)
    _set_styles(doc)
    _set_header_and_footer(doc, reference=data["reference"], generation=data["generation"])
    _write(doc, text)
    _set_properties(doc, text=text, reference=data["reference"], dated=dated)
    buffer = BytesIO()
    doc.save(buffer)
    return _dated_zip(buffer.getvalue(), dated)


# --- The text --------------------------------------------------------------------------------


def _runs(paragraph: Paragraph, runs: list[Run]) -> Paragraph:
    for piece in runs:
        run = paragraph.add_run(piece["text"])
        if piece["bold"]:
            run.bold = True
    return paragraph


def _blocks(doc: Document, blocks: list[Block]) -> None:
    for block in blocks:
        if block["kind"] == "list":
            for item in block["items"]:
                _runs(doc.add_paragraph(style="List Bullet"), item)
        else:
            _runs(doc.add_paragraph(style="Normal"), block["runs"])


def _write(doc: Document, text: AgreementText) -> None:
    heading = text["heading"]
    doc.add_paragraph(heading["generation"], style=ROUND_STYLE)
    doc.add_paragraph(heading["title"], style="Title")
    doc.add_paragraph(heading["subject"], style="Subtitle")
    _blocks(doc, list(text["parties"]))
    for visa in text["visas"]:
        doc.add_paragraph(visa, style=VISA_STYLE)
    _blocks(doc, [text["agreed"]])
    for article in text["articles"]:
        doc.add_paragraph(article["heading"], style="Heading 1")
        _blocks(doc, article["blocks"])
    table = doc.add_table(rows=1, cols=len(text["signatures"]))
    row = table.rows[0]
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    for cell, signature in zip(row.cells, text["signatures"], strict=True):
        side = cell.paragraphs[0]
        side.style = doc.styles[SIGNATURE_STYLE]
        side.add_run(signature["side"])
        side.paragraph_format.space_before = Pt(16)
        cell.add_paragraph(signature["name"], style=SIGNATURE_STYLE)


# --- The page, the language, the styles ------------------------------------------------------


STYLES_WITH_EFFECTS = "http://schemas.microsoft.com/office/2007/relationships/stylesWithEffects"


def _drop_template_leftovers(doc: Document) -> None:
    """python-docx's template is a Word 2010 file of 2013: its thumbnail, its bibliography
    store and its Word 2010 copy of the styles (in English) go; its properties are written
    again by `_set_properties`."""
    package = doc.part.package
    for rId, rel in list(package.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            del package.rels[rId]
    for rId, rel in list(doc.part.rels.items()):
        if rel.reltype in {RT.CUSTOM_XML, STYLES_WITH_EFFECTS}:
            doc.part.drop_rel(rId)


def _set_page(doc: Document) -> None:
    section = doc.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = MARGIN_SIDE
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.header_distance, section.footer_distance = Mm(12), Mm(10)


def _element(tag: str, **attributes: str) -> Any:
    element = OxmlElement(tag)
    for name, value in attributes.items():
        element.set(qn(f"w:{name}"), value)
    return element


def _set_french(doc: Document) -> None:
    """French by default: the language of every run (spelling, hyphenation), the theme's
    language, the decimal comma and the semicolon that separates list items in fields;
    automatic hyphenation, as the PDF's justified text."""
    defaults = doc.styles.element.find(qn("w:docDefaults"))
    run_defaults = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    for child in list(run_defaults):
        run_defaults.remove(child)
    run_defaults.append(_element("w:rFonts", ascii=FONT, hAnsi=FONT, cs=FONT, eastAsia=FONT))
    run_defaults.append(_element("w:sz", val="21"))
    run_defaults.append(_element("w:szCs", val="21"))
    run_defaults.append(_element("w:lang", val=LANGUAGE, eastAsia=LANGUAGE, bidi="ar-SA"))
    paragraph_defaults = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    for child in list(paragraph_defaults):
        paragraph_defaults.remove(child)
    paragraph_defaults.append(_element("w:spacing", after="120", line="259", lineRule="auto"))

    settings = doc.settings.element
    for child in settings.findall(qn("w:proofState")):  # « spelling checked », in English
        settings.remove(child)
    settings.find(qn("w:defaultTabStop")).addnext(_element("w:autoHyphenation"))
    language = settings.find(qn("w:themeFontLang"))
    language.attrib.clear()
    language.set(qn("w:val"), LANGUAGE)
    settings.find(qn("w:decimalSymbol")).set(qn("w:val"), ",")
    settings.find(qn("w:listSeparator")).set(qn("w:val"), ";")
    for setting in settings.iter(qn("w:compatSetting")):
        if setting.get(qn("w:name")) == "compatibilityMode":
            setting.set(qn("w:val"), "15")  # Word 2013 and later: no « compatibility mode »


# pPr children a restyled style keeps: what makes a heading a heading, a list a list.
KEPT_PARAGRAPH_PROPERTIES = {qn("w:keepNext"), qn("w:keepLines"), qn("w:outlineLvl")}
# A list's items: their bullet, and no space between them.
LIST_PROPERTIES = {qn("w:numPr"), qn("w:contextualSpacing")}


def _restyle(
    style: ParagraphStyle,
    *,
    size: float,
    bold: bool = False,
    alignment: WD_ALIGN_PARAGRAPH | None = None,
    before: float = 0,
    after: float = 6,
    keep_numbering: bool = False,
) -> ParagraphStyle:
    """The style's look set anew: the template's theme fonts, colours, borders and spacing
    dropped, the convention's serif, size and spacing set."""
    run_properties = style.element.get_or_add_rPr()
    for child in list(run_properties):
        run_properties.remove(child)
    paragraph_properties = style.element.get_or_add_pPr()
    kept = KEPT_PARAGRAPH_PROPERTIES | (LIST_PROPERTIES if keep_numbering else set())
    for child in list(paragraph_properties):
        if child.tag not in kept:
            paragraph_properties.remove(child)
    style.font.name = FONT
    style.font.size = Pt(size)
    style.font.bold = bold or None
    style.font.color.rgb = BLACK
    style.paragraph_format.alignment = alignment
    style.paragraph_format.space_before = Pt(before)
    style.paragraph_format.space_after = Pt(after)
    # The character style Word links to it (« Heading 1 Char ») looks the same.
    link = style.element.find(qn("w:link"))
    if link is not None:
        linked = style.element.getparent().get_by_id(link.get(qn("w:val")))
        if linked is not None:
            target = linked.get_or_add_rPr()
            for child in list(target):
                target.remove(child)
            for child in run_properties:
                target.append(copy.deepcopy(child))
    return style


def _paragraph_style(doc: Document, name: str, style_id: str = "") -> ParagraphStyle:
    """The template's style of this name, or a new one based on Normal."""
    if name in doc.styles:
        style = doc.styles[name]
    else:
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        style.style_id = style_id or name
        style.quick_style = True  # offered in the styles' gallery
    assert isinstance(style, ParagraphStyle)
    return style


def _set_styles(doc: Document) -> None:
    """The PDF's hierarchy as styles: the title 15 pt bold, the articles' headings (Heading 1)
    15 pt bold, the body 10.5 pt justified."""
    centre, left = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.LEFT
    normal = _restyle(_paragraph_style(doc, "Normal"), size=10.5)
    normal.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _restyle(_paragraph_style(doc, ROUND_STYLE, "Demarche"), size=9, alignment=centre, after=4)
    _restyle(_paragraph_style(doc, "Title"), size=15, bold=True, alignment=centre, after=3)
    _restyle(_paragraph_style(doc, "Subtitle"), size=12, alignment=centre, after=12)
    for name, size in [("Heading 1", 15), ("Heading 2", 12)]:
        heading = _restyle(_paragraph_style(doc, name), size=size, bold=True, before=12)
        heading.paragraph_format.keep_with_next = True
        heading.paragraph_format.keep_together = True
        heading.paragraph_format.alignment = left
    bullets = _restyle(_paragraph_style(doc, "List Bullet"), size=10.5, keep_numbering=True)
    bullets.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    visa = _restyle(_paragraph_style(doc, VISA_STYLE), size=10.5)
    visa.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    visa.element.get_or_add_pPr().insert_element_before(
        _element("w:contextualSpacing"), "w:mirrorIndents", "w:jc", "w:outlineLvl"
    )
    signature = _restyle(_paragraph_style(doc, SIGNATURE_STYLE), size=10.5, alignment=left)
    signature.paragraph_format.space_after = Pt(0)
    signature.paragraph_format.keep_with_next = True
    for name in ["Header", "Footer"]:
        style = _restyle(_paragraph_style(doc, name), size=8.5, alignment=left, after=0)
        style.paragraph_format.tab_stops.add_tab_stop(TEXT_WIDTH, WD_TAB_ALIGNMENT.RIGHT)
        # A rule under the header and above the footer, as in the PDF.
        side = "bottom" if name == "Header" else "top"
        rules = _element("w:pBdr")
        rules.append(_element(f"w:{side}", val="single", sz="4", space="4", color="000000"))
        style.element.get_or_add_pPr().insert_element_before(
            rules, "w:shd", "w:tabs", "w:spacing", "w:ind", "w:jc", "w:outlineLvl"
        )


def _field(paragraph: Paragraph, instruction: str, shown: str) -> None:
    """A field Word and LibreOffice compute (the page number, the number of pages)."""
    field = _element("w:fldSimple", instr=f" {instruction} ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = shown
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _set_header_and_footer(doc: Document, *, reference: str, generation: str) -> None:
    section = doc.sections[0]
    header = section.header.paragraphs[0]
    header.style = doc.styles["Header"]
    header.add_run(HEADER_NAME).bold = True
    header.add_run(f"\t{reference}")
    footer = section.footer.paragraphs[0]
    footer.style = doc.styles["Footer"]
    footer.add_run(f"{generation}\tPage ")
    _field(footer, "PAGE", "1")
    footer.add_run(" sur ")
    _field(footer, "NUMPAGES", "1")


# --- Properties and file ---------------------------------------------------------------------


APP_PROPERTIES = (
    "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
    'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
    'docPropsVTypes"><Application>Pacte</Application><DocSecurity>0</DocSecurity>'
    "<ScaleCrop>false</ScaleCrop><Company>{company}</Company>"
    "<LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
    "<HyperlinksChanged>false</HyperlinksChanged></Properties>"
)


def _set_properties(
    doc: Document, *, text: AgreementText, reference: str, dated: datetime.datetime
) -> None:
    """Core properties (title, author, language, dates) and the application's properties
    written anew: none of the template's (Word 2010 for Mac, Normal.dotm, « 1 page, 0 word »)
    is left."""
    properties = doc.core_properties
    properties.title = f"Convention — {text['heading']['subject']}"
    properties.subject = f"Convention de subvention d’investissement {reference}"
    properties.author = properties.last_modified_by = AUTHOR
    properties.keywords = reference
    properties.comments = ""
    properties.language = LANGUAGE
    properties.revision = 1
    # The file's dates are read as UTC (« …Z »): python-docx writes the time as given.
    utc = dated.astimezone(datetime.UTC)
    properties.created = properties.modified = utc
    package = doc.part.package
    for rId, rel in list(package.rels.items()):
        if rel.reltype == RT.EXTENDED_PROPERTIES:
            del package.rels[rId]
    blob = APP_PROPERTIES.format(company=escape(AUTHOR)).encode()
    app = Part(PackURI("/docProps/app.xml"), CT.OFC_EXTENDED_PROPERTIES, blob, package)
    package.relate_to(app, RT.EXTENDED_PROPERTIES)


def _dated_zip(content: bytes, dated: datetime.datetime) -> bytes:
    """The package's files dated by the document's date (in Paris time, as a ZIP keeps
    local times), not by the moment it was written: the same data and date, the same bytes."""
    stamp = timezone.localtime(dated).timetuple()[:6]
    source = zipfile.ZipFile(BytesIO(content))
    output = BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return output.getvalue()
