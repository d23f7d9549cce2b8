"""The assembly's documents: deliberation 2022-317 and report n°18 read word for word as the
Département published them; a commission permanente's deliberations (subsidies with their annex
and AP line, a roll-call, a correction, a casting vote); the minutes; the published copy."""

import datetime
import difflib
import hashlib
import io
import re
import shutil
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from pypdf import PdfReader

from pacte.assembly import documents, selectors, services
from pacte.assembly.documents import stored
from pacte.assembly.models import (
    Attendance,
    Ballot,
    CommissionOpinion,
    Deliberation,
    GroupVote,
    Report,
    Sitting,
    ThematicCommission,
)
from pacte.core import french
from pacte.demo.assembly import REPORT_TEXT, seed_sitting_2022_317
from pacte.documents.models import Document
from pacte.documents.rendering import render_pdf
from pacte.finance.models import Commitment
from pacte.operations import services as operation_services
from pacte.operations.workflows import OPERATION_WORKFLOW
from pacte.territory.models import PoliticalGroup
from tests.operations.conftest import SHEET, make_operation

pytestmark = pytest.mark.django_db

D = datetime.date
T = datetime.time

# --- Reading a PDF as the seed is read ----------------------------------------------------

PAGE_NUMBER = re.compile(r"\d+ ?/ ?\d+")  # the footer: « 1 / 3 »
DOTTED_LINE = re.compile(r"[.…]{10,}")  # its length is a matter of layout


def pdf_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def poppler_text(pdf: bytes) -> str | None:
    """pdftotext in content order (-raw keeps a line's final hyphen where -layout drops it)."""
    if not shutil.which("pdftotext"):
        return None
    return subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode("utf-8")


def words(text: str) -> list[str]:
    """The words in their order, modulo layout: wrapped lines joined (a line ending with a word's
    hyphen joins the next without a space), all Unicode spaces alike, page numbers dropped."""
    joined = ""
    for raw in text.splitlines():
        line = " ".join(raw.split())  # str.split() folds U+00A0, U+202F and the like
        if not line or PAGE_NUMBER.fullmatch(line):
            continue
        if joined.endswith("-") and not joined.endswith(" -"):
            joined += line
        else:
            joined = f"{joined} {line}"
    return ["<pointillés>" if DOTTED_LINE.fullmatch(w) else w for w in joined.split()]


def assert_same_words(read: list[str], expected: list[str], what: str) -> None:
    """Fail with each difference in its context: what the seed says, what the PDF says."""
    if read == expected:
        return
    matcher = difflib.SequenceMatcher(a=expected, b=read, autojunk=False)
    lines = [f"{what}: the PDF's words differ from the seed's:"]
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        lines += [
            f"@@ after « …{' '.join(expected[max(0, i1 - 6) : i1])} »",
            f"-  seed: {' '.join(expected[i1:i2]) or '(nothing)'}",
            f"+  PDF:  {' '.join(read[j1:j2]) or '(nothing)'}",
        ]
    raise AssertionError("\n".join(lines[:40]))


def seed_sections() -> tuple[str, str]:
    """The published deliberation, then the report it annexes."""
    text = REPORT_TEXT.read_text(encoding="utf-8")
    cut = text.index("DEPARTEMENT DU PAS-DE-CALAIS", text.index("Maryline VINCLAIRE"))
    return text[:cut], text[cut:]


def file_bytes(document: Document) -> bytes:
    with document.file.open("rb") as handle:
        return handle.read()


# --- Deliberation 2022-317 and report n°18 ---------------------------------------------------


@pytest.fixture
def actor(django_user_model):
    return django_user_model.objects.get(username="test-assembly")


@pytest.fixture
def deliberation_2022_317(actor):
    sitting = seed_sitting_2022_317(actor)
    return sitting.reports.get(number=18).deliberation


def test_deliberation_and_report_read_word_for_word_as_published(actor, deliberation_2022_317):
    # The adoption generated them.
    deliberation = deliberation_2022_317.document
    report = deliberation_2022_317.report_document
    seed_deliberation, seed_report = seed_sections()
    for document, seed, what in [
        (deliberation, seed_deliberation, "Délibération n°2022-317"),
        (report, seed_report, "Rapport n°18"),
    ]:
        pdf = file_bytes(document)
        expected = words(seed)
        assert_same_words(words(pdf_text(pdf)), expected, what)
        poppler = poppler_text(pdf)
        if poppler is not None:
            assert_same_words(words(poppler), expected, f"{what} (pdftotext)")
    assert words(seed_deliberation)[:4] == ["DEPARTEMENT", "DU", "PAS-DE-CALAIS", "DELIBERATION"]
    assert words(seed_deliberation)[-2:] == ["Maryline", "VINCLAIRE"]
    assert words(seed_report)[-3:] == ["SIGNE", "Jean-Claude", "LEROY"]


def _pdf_dates(pdf: bytes) -> tuple[str, str]:
    """The creation date of the PDF's Info dictionary and of its XMP metadata."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf))
    info = str(reader.trailer_view["/Info"]["/CreationDate"])
    xmp = reader.root["/Metadata"].get_object().data.decode()
    created = re.search(r"<xmp:CreateDate>([^<]+)</xmp:CreateDate>", xmp)
    return info, created.group(1) if created else ""


def test_the_acts_pdfs_are_dated_by_their_sitting_and_regenerate_identically(
    deliberation_2022_317,
):
    deliberation = Deliberation.objects.get(pk=deliberation_2022_317.pk)
    for document in [deliberation.document, deliberation.report_document]:
        info, xmp = _pdf_dates(file_bytes(document))
        assert info.startswith("D:20220926"), info
        assert xmp.startswith("2022-09-26T"), xmp
    again = render_pdf(
        "deliberation.typ",
        deliberation.document.data,
        dated=stored.act_datetime(deliberation),
    )
    assert hashlib.sha256(again).hexdigest() == deliberation.document.sha256


def test_an_act_pdf_missing_from_the_storage_is_a_french_404(deliberation_2022_317, client, actor):
    """A database restored without its media folder: the act's PDF says so, no 500."""
    import os

    deliberation = Deliberation.objects.get(pk=deliberation_2022_317.pk)
    os.remove(deliberation.document.file.path)
    client.force_login(actor)
    response = client.get(f"/actes/{deliberation.pk}/deliberation.pdf")
    assert response.status_code == 404
    assert "introuvable sur le serveur" in response.content.decode()


def _swap_two_members(deliberation):
    sitting = deliberation.report.sitting
    first = sitting.attendances.get(name="Mireille HINGREZ-CÉRÉDA")
    second = sitting.attendances.get(name="Valérie CUVILLIER")
    first.position, second.position = second.position, first.position
    first.save(update_fields=["position"])
    second.save(update_fields=["position"])
    return "Mireille"


def _rename_a_member(deliberation):
    deliberation.report.sitting.attendances.filter(name="Zohra OUAGUEF").update(
        name="Zohra OUAGUEFF"
    )
    return "OUAGUEFF"


def _change_a_figure(deliberation):
    Deliberation.objects.filter(pk=deliberation.pk).update(votes_for=77)
    return "77"


def _reorder_the_commissions(deliberation):
    opinions = deliberation.report.opinions
    opinions.filter(commission__number=5).update(position=99)
    opinions.filter(commission__number=1).update(position=1)
    opinions.filter(commission__number=5).update(position=2)
    return "1ère"


def _reword_the_decision(deliberation):
    Report.objects.filter(pk=deliberation.report_id).update(
        decision=deliberation.report.decision.replace("D’acter", "De prendre acte de")
    )
    return "prendre"


@pytest.mark.parametrize(
    "change",
    [
        _swap_two_members,
        _rename_a_member,
        _change_a_figure,
        _reorder_the_commissions,
        _reword_the_decision,
    ],
)
def test_the_comparison_fails_when_the_records_change(deliberation_2022_317, change):
    seed_deliberation, _ = seed_sections()
    shown = change(deliberation_2022_317)
    deliberation = Deliberation.objects.get(pk=deliberation_2022_317.pk)
    pdf = render_pdf(
        "deliberation.typ", documents.deliberation_data(deliberation), dated=timezone.now()
    )
    with pytest.raises(AssertionError) as failure:
        assert_same_words(words(pdf_text(pdf)), words(seed_deliberation), "Délibération")
    message = str(failure.value)
    assert "-  seed:" in message and "+  PDF:" in message and shown in message, message


def test_words_are_read_modulo_layout():
    assert words("Jean-\nPascal  SCALONE,\u00a0Mme\u202fX\n1 / 2\nco-\nresponsabilité") == [
        "Jean-Pascal",
        "SCALONE,",
        "Mme",
        "X",
        "co-responsabilité",
    ]
    assert words("locales -\nbudgétaires\n…......................") == [
        "locales",
        "-",
        "budgétaires",
        "<pointillés>",
    ]


def test_deliberation_data_is_plain_and_ordered(deliberation_2022_317):
    data = documents.deliberation_data(deliberation_2022_317)
    assert data["heading"] == "DELIBERATION DU CONSEIL DEPARTEMENTAL"
    assert data["meeting"] == "REUNION DU 26 SEPTEMBRE 2022"
    assert data["presidency"] == "PRESIDENCE DE MONSIEUR JEAN-CLAUDE LEROY"
    present = data["attendance"][0]
    assert present["names"][0] == "M.\u00a0Jean-Claude LEROY" and len(present["names"]) == 63
    # French spacing: no-break spaces before « : », « ; », « » » and after « « ».
    assert [a["label"] for a in data["attendance"]] == [
        "Étaient présents\u00a0:",
        "Excusé(s)\u00a0:",
    ]
    assert data["articles"] == [
        {"label": "Article unique\u00a0:", "paragraphs": [deliberation_2022_317.report.decision]}
    ]
    assert french.ordinal(1) == "1ère" and french.ordinal(5) == "5ème"
    assert documents.articles("A\n\nB")[1]["label"] == "Article 2 :"
    assert documents.articles("A\n\nB")[0]["label"] == "Article 1er :"


def test_documents_are_versions_known_by_the_deliberation_number(
    actor, users, deliberation_2022_317
):
    first, report = deliberation_2022_317.document, deliberation_2022_317.report_document
    assert (first.kind, report.kind) == (Document.Kind.DELIBERATION, Document.Kind.REPORT)
    assert first.version == 1 and first.filename == "2022-317-deliberation-v1.pdf"
    assert report.filename == "2022-317-rapport-v1.pdf"
    assert first.operation is None and first.template_name == "deliberation.typ"
    assert first.sha256 == hashlib.sha256(file_bytes(first)).hexdigest()
    assert first.template_sha256 and first.generated_by == actor
    # The adopted text never changes: no second version.
    with pytest.raises(ValidationError, match="ne change plus"):
        documents.deliberation_documents_generate(actor=actor, deliberation=deliberation_2022_317)
    assert Document.objects.filter(kind=Document.Kind.DELIBERATION).count() == 1
    with pytest.raises(PermissionDenied):
        documents.deliberation_documents_generate(
            actor=users["test-agent"], deliberation=deliberation_2022_317
        )


def test_published_copy_carries_the_stamp_and_the_adopted_hash(actor, deliberation_2022_317):
    # The demo publishes it: the publication generated the stamped copy.
    adopted = deliberation_2022_317.document
    published = deliberation_2022_317.published_document
    assert published.kind == Document.Kind.PUBLISHED_DELIBERATION
    assert published.filename == "2022-317-deliberation-publiee-v1.pdf"
    assert adopted.sha256 == hashlib.sha256(file_bytes(adopted)).hexdigest()
    text = " ".join(words(pdf_text(file_bytes(published))))
    assert (
        "Publié sous forme électronique le 29/09/2022 — empreinte SHA-256 du texte adopté : "
        f"{adopted.sha256}" in text
    )
    assert "Auteur de l'acte : Jean-Claude LEROY, Président du Conseil départemental." in text
    assert "(@CTES 062-226200012-20220926-2022_317-DE)" in text
    # The source gives neither date nor identifier: the demo's are said to be so.
    assert (
        "Dates de mise en ligne et de transmission, et identifiant @CTES, de démonstration : "
        "l'acte source ne les donne pas."
    ) in text
    # Below its stamp, the published copy is the adopted text, word for word.
    adopted_words = words(pdf_text(file_bytes(adopted)))
    published_words = words(pdf_text(file_bytes(published)))
    assert published_words[-len(adopted_words) :] == adopted_words
    # The stamp pushes the text down: no heading is left alone at the foot of a page.
    for page in PdfReader(io.BytesIO(file_bytes(published))).pages[:-1]:
        lines = [
            line.strip()
            for line in (page.extract_text() or "").splitlines()
            if line.strip() and not PAGE_NUMBER.fullmatch(line.strip())
        ]
        assert lines[-1] != "DECIDE", lines[-3:]


def test_publication_needs_the_date_and_the_adopted_pdf(actor, deliberation_2022_317):
    Deliberation.objects.filter(pk=deliberation_2022_317.pk).update(published_on=None)
    deliberation_2022_317.refresh_from_db()
    with pytest.raises(ValidationError, match="pas encore mise en ligne"):
        documents.published_document_generate(actor=actor, deliberation=deliberation_2022_317)
    Deliberation.objects.filter(pk=deliberation_2022_317.pk).update(
        published_on=deliberation_2022_317.report.sitting.held_on, document=None
    )
    deliberation_2022_317.refresh_from_db()
    with pytest.raises(ValidationError, match="pas encore son PDF"):
        documents.published_document_generate(actor=actor, deliberation=deliberation_2022_317)


# --- A sitting of the commission permanente --------------------------------------------------

MEMBERS = [
    # civility, name, status, arrived at, left at
    ("M.", "Jean-Claude LEROY", "present", None, None),
    ("Mme", "Blandine DRAIN", "present", None, None),
    ("M.", "Bertrand PETIT", "present", T(10, 20), None),
    ("Mme", "Maryse CAUWET", "present", None, T(11, 0)),
    ("M.", "Ludovic LOQUET", "present", None, None),
    ("Mme", "Karine GAUTHIER", "excused", None, None),
    ("M.", "Alain MEQUIGNON", "absent", None, None),
    ("Mme", "Evelyne NACHEL", "present", None, None),
]


def scheduled_operation(contract, users, title):
    """An operation whose sheet is ready, put on a sitting's agenda."""
    operation = make_operation(contract, users["test-partner"], title=title)
    operation_services.operation_submit(actor=users["test-partner"], operation=operation)
    operation_services.operation_take_charge(actor=users["test-agent"], operation=operation)
    operation_services.operation_update(actor=users["test-agent"], operation=operation, **SHEET)
    operation.refresh_from_db()
    operation_services.operation_mark_sheet_ready(actor=users["test-agent"], operation=operation)
    OPERATION_WORKFLOW.apply(operation, "schedule", actor=users["test-assembly"])
    operation.refresh_from_db()
    return operation


@pytest.fixture
def committee(actor):
    sitting = Sitting.objects.create(
        body=Sitting.Body.STANDING_COMMITTEE,
        held_on=D(2024, 3, 25),
        opened_at=T(10, 0),
        closed_at=T(11, 30),
        place="Arras",
        president="M. Jean-Claude LEROY",
        secretary="Mme Blandine DRAIN",
        members_in_office=len(MEMBERS),
        signatory_title="La Directrice Générale des Services",
        signatory_name="Maryline VINCLAIRE",
    )
    for position, (civility, name, status, arrived, left) in enumerate(MEMBERS, start=1):
        Attendance.objects.create(
            sitting=sitting,
            position=position,
            civility=civility,
            name=name,
            status=status,
            arrived_at=arrived,
            left_at=left,
        )
    services.proxy_record(
        actor=actor,
        sitting=sitting,
        giver=sitting.attendances.get(name="Karine GAUTHIER"),
        holder=sitting.attendances.get(name="Blandine DRAIN"),
    )
    return sitting


def _report(sitting, number, kind, **fields):
    report = Report.objects.create(
        sitting=sitting,
        number=number,
        kind=kind,
        pole="Pôle Partenariats et Ingénierie",
        direction="Direction Accompagnement des Territoires",
        title=fields.pop("title", f"Rapport de test n°{number}"),
        text=fields.pop("text", "Exposé du rapport.\n\nSa seconde partie"),
        proposal="- d’attribuer les subventions.",
        decision=fields.pop("decision", "D’attribuer.\n\nD’autoriser le Président à signer."),
        **fields,
    )
    commission, _ = ThematicCommission.objects.get_or_create(
        number=5, defaults={"name": "Solidarité territoriale et partenariats"}
    )
    CommissionOpinion.objects.create(
        report=report,
        commission=commission,
        position=1,
        met_on=D(2024, 3, 11),
        opinion=CommissionOpinion.Opinion.FAVOURABLE,
    )
    return report


def _group(name):
    return PoliticalGroup.objects.get(name=name)


SOCIALISTS = "Groupe Socialiste, Républicain et Citoyen"
UNION = "Groupe Union pour le Pas-de-Calais"


@pytest.fixture
def subsidies(committee, actor, users, lens_contract, arras_contract, ap):
    """Report n°1 (10 h 10): two subsidies; 135 000 € of the AP already committed elsewhere."""
    from tests.finance.conftest import voted_operation

    voted_operation(arras_contract, users, sign=False, title="Médiathèque")
    report = _report(committee, 1, Report.Kind.SUBSIDIES, opened_at=T(10, 10))
    report.operations.set(
        [
            scheduled_operation(lens_contract, users, "Véloroute du canal"),
            scheduled_operation(lens_contract, users, "Tiers-lieu numérique"),
        ]
    )
    GroupVote.objects.create(report=report, group=_group(SOCIALISTS), votes_for=3)
    GroupVote.objects.create(report=report, group=_group(UNION), votes_for=2, votes_against=1)
    return services.report_adopt(
        actor=actor, report=report, votes_for=5, votes_against=1, abstentions=0
    )


def _read(data_function, template, record) -> str:
    pdf = render_pdf(template, data_function(record), dated=timezone.now())
    return " ".join(words(pdf_text(pdf)))


def test_subsidies_report_has_its_annex_and_the_ap_line(subsidies):
    deliberation = Deliberation.objects.get(pk=subsidies.pk)
    text = _read(documents.report_data, "report.typ", deliberation.report)
    assert "COMMISSION PERMANENTE REUNION DU 25 MARS 2024" in text
    assert "ANNEXE : OPÉRATIONS PROPOSÉES" in text
    operations = list(deliberation.report.operations.order_by("reference"))
    for operation in operations:
        assert f"{operation.reference} Communauté d'agglomération de Lens - Liévin" in text
        assert operation.title in text
    assert "450 000,00 € HT 135 000,00 €" in text
    assert "Total (2 opérations) 270 000,00 €" in text
    # The AP: 1 000 000 € voted, 135 000 € committed before, 270 000 € now, 595 000 € left;
    # the same figures before the vote and after it (once this report's subsidies are committed).
    ap_line = "1 000 000,00 € 135 000,00 € 270 000,00 € 595 000,00 €"
    assert "Autorisation de programme « FIT 2023-2026 »" in text
    assert ap_line in text
    assert Commitment.objects.filter(operation__in=operations).count() == 2
    annex = documents.report_data(deliberation.report)["subsidies"]
    assert [r["subsidy"] for r in annex["rows"]] == ["135\u202f000,00\u00a0€"] * 2


def test_commission_permanente_deliberation_lists_the_item_and_split_groups(subsidies):
    text = _read(documents.deliberation_data, "deliberation.typ", subsidies)
    assert text.startswith(
        "DEPARTEMENT DU PAS-DE-CALAIS DELIBERATION DE LA COMMISSION PERMANENTE "
        "REUNION DU 25 MARS 2024 PRESIDENCE DE MONSIEUR JEAN-CLAUDE LEROY "
        "Secrétaire : Mme Blandine DRAIN"
    )
    # At 10 h 10 M. PETIT had not arrived yet.
    assert (
        "Étaient présents : M. Jean-Claude LEROY, Mme Blandine DRAIN, Mme Maryse CAUWET, "
        "M. Ludovic LOQUET, Mme Evelyne NACHEL. Excusé(s) : Mme Karine GAUTHIER. "
        "Absent(s) : M. Bertrand PETIT, M. Alain MEQUIGNON. "
        "Pouvoir(s) : Mme Karine GAUTHIER à Mme Blandine DRAIN."
    ) in text
    assert "La Commission permanente du Conseil départemental du Pas-de-Calais," in text
    assert "Article 1er : D’attribuer. Article 2 : D’autoriser le Président à signer." in text
    assert (
        f"Pour : 5 voix ({SOCIALISTS} ; {UNION} (2 voix)) Contre : 1 voix ({UNION} (1 voix)) "
        "Abstention : 0 voix (Adopté)"
    ) in text
    assert f"(N°{subsidies.number})" in text
    # Its annex: the subsidies it attributes, without the AP's figures (they move afterwards).
    annex = text[text.index(f"ANNEXE À LA DÉLIBÉRATION N°{subsidies.number}") :]
    assert annex.startswith(
        f"ANNEXE À LA DÉLIBÉRATION N°{subsidies.number} Subventions attribuées Référence "
        "Partenaire Opération Coût total Subvention attribuée"
    )
    for operation in subsidies.report.operations.all():
        assert f"{operation.reference} Communauté d'agglomération de Lens - Liévin" in annex
    assert "Total (2 opérations) 270 000,00 €" in annex
    assert "Autorisation de programme" not in annex


def test_a_proxy_is_named_only_where_it_served(committee, actor, subsidies):
    """The giver back in the room, or the holder gone: the proxy is not used for the item."""
    report = subsidies.report
    giver = committee.attendances.get(name="Karine GAUTHIER")
    present = [a for a in committee.attendances.all() if a.present_at(report.opened_at)]
    assert documents.deliberation.proxies_used(report, present) == [
        "Mme\u00a0Karine GAUTHIER à Mme\u00a0Blandine DRAIN"  # no break after the civility
    ]
    assert documents.deliberation.proxies_used(report, [*present, giver]) == []
    holder_gone = [a for a in present if a.name != "Blandine DRAIN"]
    assert documents.deliberation.proxies_used(report, holder_gone) == []


def _roll_call(committee, actor):
    """Report n°2 (11 h 05), by name: Mme CAUWET has left, M. PETIT has come."""
    report = _report(
        committee,
        2,
        Report.Kind.FRAMEWORK,
        opened_at=T(11, 5),
        vote_mode=Report.VoteMode.ROLL_CALL,
        decision="D’approuver.",
    )
    choices = {
        "Jean-Claude LEROY": ("for", False),
        "Blandine DRAIN": ("for", False),
        "Bertrand PETIT": ("against", False),
        "Ludovic LOQUET": ("abstention", False),
        "Karine GAUTHIER": ("for", True),
        "Evelyne NACHEL": ("for", False),
    }
    for name, (choice, by_proxy) in choices.items():
        Ballot.objects.create(
            report=report,
            member=committee.attendances.get(name=name),
            choice=choice,
            by_proxy=by_proxy,
        )
    return services.report_adopt(
        actor=actor, report=report, votes_for=4, votes_against=1, abstentions=1
    )


ROLL_CALL_VOTES = (
    "Pour : 4 voix (M. Jean-Claude LEROY, Mme Blandine DRAIN, Mme Karine GAUTHIER (par pouvoir), "
    "Mme Evelyne NACHEL) Contre : 1 voix (M. Bertrand PETIT) Abstention : 1 voix "
    "(M. Ludovic LOQUET)"
)


def test_roll_call_lists_the_names(committee, actor):
    deliberation = _roll_call(committee, actor)
    text = _read(documents.deliberation_data, "deliberation.typ", deliberation)
    assert f"{ROLL_CALL_VOTES} (Adopté)" in text
    assert "Article unique : D’approuver." in text
    assert "Absent(s) : Mme Maryse CAUWET, M. Alain MEQUIGNON." in text


def test_correction_carries_its_visa_and_a_casting_vote_is_said(committee, actor):
    corrected = _roll_call(committee, actor)
    report = _report(committee, 3, Report.Kind.FRAMEWORK, opened_at=T(11, 10), corrects=corrected)
    deliberation = services.report_adopt(
        actor=actor,
        report=report,
        votes_for=2,
        votes_against=2,
        abstentions=0,
        president_votes_for=True,
    )
    text = _read(documents.deliberation_data, "deliberation.typ", deliberation)
    assert (
        f"Vu la délibération n°{corrected.number} du 25/03/2024 que la présente délibération "
        "rectifie ; Vu le rapport du Président du Conseil départemental, ci-annexé ; "
        "Vu l’avis de la 5ème commission « Solidarité territoriale et partenariats » rendu lors "
        "de sa réunion du 11/03/2024 ;"
    ) in text
    assert "(Adopté, la voix du Président étant prépondérante)" in text


def test_contracts_report_lists_its_contracts(committee, lens_contract, arras_contract):
    report = _report(committee, 4, Report.Kind.CONTRACTS)
    report.contracts.set([lens_contract, arras_contract])
    text = _read(documents.report_data, "report.typ", report)
    generation = lens_contract.generation.name
    assert "ANNEXE : CONTRATS SOUMIS À APPROBATION Partenaire Génération" in text
    assert f"Communauté d'agglomération de Lens - Liévin {generation}" in text
    assert f"{arras_contract.partner.name} {generation}" in text


def test_minutes_record_the_sitting(committee, actor, subsidies):
    _roll_call(committee, actor)
    _report(committee, 5, Report.Kind.FRAMEWORK, title="Rapport reporté")
    text = " ".join(words(pdf_text(documents.minutes_pdf(committee))))
    for fact in [
        "COMMISSION PERMANENTE PROCES-VERBAL DE LA REUNION DU 25 MARS 2024",
        "La séance est ouverte à 10 h 00, à Arras, sous la présidence de M. Jean-Claude LEROY.",
        "Secrétaire de séance : Mme Blandine DRAIN.",
        "Membres présents à l’ouverture (5) M. Jean-Claude LEROY, Mme Blandine DRAIN, "
        "Mme Maryse CAUWET, M. Ludovic LOQUET, Mme Evelyne NACHEL.",
        "Arrivées en cours de séance M. Bertrand PETIT à 10 h 20.",
        "Départs en cours de séance Mme Maryse CAUWET à 11 h 00.",
        "Membres excusés (1) Mme Karine GAUTHIER.",
        "Membres absents (1) M. Alain MEQUIGNON.",
        "Mme Karine GAUTHIER → Mme Blandine DRAIN",
        # Commission permanente: proxies count (A3); 5 present + 1 proxy at the opening.
        "Quorum à l’ouverture Quorum atteint : 6 membres présents ou représentés sur 8 en "
        "fonction ; il en faut 5.",
        f"Délibération n°{subsidies.number} : adoptée.",
        "Examiné à 11 h 05.",
        "Vote : Scrutin public, par appel nominal. " + ROLL_CALL_VOTES,
        "Rapport n°5 — Rapport reporté",
        "Non encore mis aux voix.",
        "La séance est levée à 11 h 30.",
    ]:
        assert fact in text, (fact, text)
    assert "démonstration" not in text
    # At 10 h 10: the same 5 present and the proxy of Mme GAUTHIER, held by Mme DRAIN.
    data = documents.minutes_data(committee)
    assert data["items"][0]["quorum"] == data["quorum"]
    assert " ".join(data["items"][0]["votes"][0].split()) == (
        f"Pour : 5 voix ({SOCIALISTS} ; {UNION} (2 voix))"
    )


def test_minutes_of_2022_317_mark_the_demo_proxies(deliberation_2022_317):
    sitting = deliberation_2022_317.report.sitting
    text = " ".join(words(pdf_text(documents.minutes_pdf(sitting))))
    assert "Pouvoirs (15)" in text
    assert "M. Daniel MACIEJASZ → Mme Mireille HINGREZ-CÉRÉDA démonstration" in text
    assert "le procès-verbal source ne dit pas qui les tenait" in text
    assert "Délibération n°2022-317 : adoptée." in text
    assert "Quorum atteint : 63 membres présents sur 78 en fonction ; il en faut 40." in text


def test_item_quorum_follows_arrivals_and_departures(committee):
    opening = selectors.sitting_quorum(committee)
    assert (opening.present, opening.represented) == (5, 1)
    later = selectors.sitting_quorum(committee, T(11, 5))
    assert (later.present, later.represented) == (5, 1)  # M. PETIT came, Mme CAUWET left
    Attendance.objects.filter(sitting=committee, name="Blandine DRAIN").update(left_at=T(11, 1))
    assert selectors.sitting_quorum(committee, T(11, 5)).represented == 0
