"""The assembly's documents: the deliberation, the report it annexes, the published copy of a
deliberation and the minutes of a sitting, built from the records and laid out by Typst
(pacte/documents/typst/deliberation.typ, report.typ, minutes.typ).

The data functions return plain JSON-able dicts holding every sentence as the documents write
it (they are stored with each version); the templates only lay them out."""

import re
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from pacte.core import policy
from pacte.core.french import (
    NBSP,
    capitals,
    format_date,
    format_date_words,
    format_money,
    format_time,
    french_spacing,
    ordinal,
    votes,
)
from pacte.documents.models import Document
from pacte.documents.rendering import render_pdf
from pacte.documents.services import document_store
from pacte.finance.models import Commitment, ProgrammeAuthorisation
from pacte.finance.selectors import ap_figures
from pacte.operations.financing import summarise

from . import selectors
from .models import Attendance, CommissionOpinion, Deliberation, Report, Sitting

DELIBERATION_TEMPLATE = "deliberation.typ"
REPORT_TEMPLATE = "report.typ"
MINUTES_TEMPLATE = "minutes.typ"

# The wording that differs with the body that decides.
BODIES = {
    Sitting.Body.COUNCIL: {
        "deliberation_heading": "DELIBERATION DU CONSEIL DEPARTEMENTAL",
        "report_heading": "CONSEIL DEPARTEMENTAL",
        "assembly": "Le Conseil départemental {of},",
    },
    Sitting.Body.STANDING_COMMITTEE: {
        "deliberation_heading": "DELIBERATION DE LA COMMISSION PERMANENTE",
        "report_heading": "COMMISSION PERMANENTE",
        "assembly": "La Commission permanente du Conseil départemental {of},",
    },
}
CIVILITIES = {"M.": "MONSIEUR", "Mme": "MADAME"}
PRESIDENT_TITLE = "Président du Conseil départemental"
PRESIDENT = f"Le {PRESIDENT_TITLE}"
POSITIONS = [
    ("for", "Pour"),
    ("against", "Contre"),
    ("abstention", "Abstention"),
    ("not_voting", "Ne prend pas part au vote"),
]
HEADING_END = tuple(".:;,!?…»)")


def _collectivity():
    """« Département du Pas-de-Calais » → the heading and « du Pas-de-Calais »."""
    name = settings.PACTE_COLLECTIVITY_NAME
    return capitals(name), name.split(" ", 1)[1] if " " in name else name


def _split_civility(person: str) -> tuple[str, str]:
    """« M. Jean-Claude LEROY » → (« M. », « Jean-Claude LEROY »)."""
    head, _, rest = person.partition(" ")
    return (head, rest) if head in CIVILITIES and rest else ("", person)


def join_lines(text: str) -> str:
    """The lines of one paragraph as one line: a line ending with a word's hyphen (« co- »)
    joins the next without a space; spaces are collapsed."""
    joined = ""
    for line in text.splitlines():
        line = " ".join(line.split())
        if not line:
            continue
        if joined.endswith("-") and not joined.endswith(" -"):
            joined += line
        else:
            joined = f"{joined} {line}" if joined else line
    return joined


def lines(text: str) -> list[str]:
    """One item a line (visas, points of the proposal)."""
    return [" ".join(line.split()) for line in (text or "").splitlines() if line.strip()]


def text_blocks(text: str) -> list[dict]:
    """The report's text: paragraphs, and its section headings (a paragraph of one short line
    that does not end a sentence)."""
    blocks = []
    for block in re.split(r"\n\s*\n", text or ""):
        paragraph = join_lines(block)
        if not paragraph:
            continue
        heading = (
            len(block.strip().splitlines()) == 1
            and len(paragraph) <= 120
            and not paragraph.endswith(HEADING_END)
        )
        blocks.append({"text": paragraph, "heading": heading})
    return blocks


def articles(decision: str) -> list[dict]:
    """« Article unique » alone, else « Article 1er », « Article 2 »…; an article's lines are
    its paragraphs."""
    parts = [p for p in re.split(r"\n\s*\n", decision or "") if p.strip()]
    if len(parts) == 1:
        labels = ["Article unique :"]
    else:
        labels = [f"Article {'1er' if i == 1 else i} :" for i in range(1, len(parts) + 1)]
    return [
        {"label": label, "paragraphs": lines(part)}
        for label, part in zip(labels, parts, strict=True)
    ]


def _member(attendance: Attendance) -> str:
    """« M. Jean-Claude LEROY », the civility never alone at the end of a line."""
    return f"{attendance.civility}{NBSP}{attendance.name}"


# --- Quorum --------------------------------------------------------------------------------


# --- Votes ---------------------------------------------------------------------------------


def _roll_call(report: Report, deliberation: Deliberation | None) -> bool:
    mode = Report.VoteMode.ROLL_CALL
    asked = report.vote_mode == mode or (
        deliberation is not None and deliberation.vote_mode == mode
    )
    return asked and report.ballots.exists()


def _group_lists(report: Report, deliberation: Deliberation) -> dict[str, list[str]]:
    """Each position's groups; a group whose votes were split shows its count there."""
    group_votes = list(report.group_votes.select_related("group"))
    if not group_votes:
        return {
            "for": list(deliberation.groups_for),
            "against": list(deliberation.groups_against),
            "abstention": list(deliberation.groups_abstaining),
            "not_voting": [],
        }
    fields = {
        "for": "votes_for",
        "against": "votes_against",
        "abstention": "abstentions",
        "not_voting": "not_voting",
    }
    lists = {key: [] for key in fields}
    for vote in group_votes:
        counts = {key: getattr(vote, field) for key, field in fields.items()}
        split = sum(1 for c in counts.values() if c) > 1
        for key, count in counts.items():
            if count:
                lists[key].append(
                    f"{vote.group.name} ({votes(count)})" if split else vote.group.name
                )
    return lists


def _ballot_lists(report: Report) -> dict[str, list[str]]:
    lists = {key: [] for key, _ in POSITIONS}
    for ballot in report.ballots.select_related("member").order_by("member__position"):
        name = _member(ballot.member) + (" (par pouvoir)" if ballot.by_proxy else "")
        lists[ballot.choice].append(name)
    return lists


def vote_lines(deliberation: Deliberation) -> list[str]:
    """« Pour : 78 voix (Groupe … ; …) », « Contre : 0 voix »…; by name for a roll-call."""
    report = deliberation.report
    roll_call = _roll_call(report, deliberation)
    lists = _ballot_lists(report) if roll_call else _group_lists(report, deliberation)
    separator = ", " if roll_call else " ; "
    counts = {
        "for": deliberation.votes_for,
        "against": deliberation.votes_against,
        "abstention": deliberation.abstentions,
        "not_voting": deliberation.not_voting,
    }
    result = []
    for key, label in POSITIONS:
        if key == "not_voting" and not counts[key] and not lists[key]:
            continue
        line = f"{label} : {votes(counts[key])}"
        if lists[key]:
            line += f" ({separator.join(lists[key])})"
        result.append(line)
    return result


def outcome(deliberation: Deliberation) -> str:
    word = "Adopté" if deliberation.adopted else "Rejeté"
    if deliberation.casting_vote:
        return f"({word}, la voix du Président étant prépondérante)"
    return f"({word})"


# --- Deliberation --------------------------------------------------------------------------


def _opinions(report: Report) -> list[CommissionOpinion]:
    return list(report.opinions.select_related("commission").order_by("position"))


def commission_visa(opinion: CommissionOpinion) -> str:
    commission = opinion.commission
    return (
        f"Vu l’avis de la {ordinal(commission.number)} commission « {commission.name} » rendu "
        f"lors de sa réunion du {format_date(opinion.met_on)} ;"
    )


def commission_sentence(opinion: CommissionOpinion) -> str:
    commission = opinion.commission
    sentence = (
        f"La {ordinal(commission.number)} Commission - {commission.name} a émis un avis "
        f"{opinion.get_opinion_display()} sur ce rapport lors de sa réunion du "
        f"{format_date(opinion.met_on)}."
    )
    if opinion.remark.strip():
        sentence += f" Observation : {join_lines(opinion.remark)}"
    return sentence


def correction_visa(corrected: Deliberation) -> str:
    held_on = corrected.report.sitting.held_on
    return (
        f"Vu la délibération n°{corrected.number} du {format_date(held_on)} que la présente "
        "délibération rectifie ;"
    )


def _sitting_heading(sitting: Sitting) -> dict:
    collectivity, of = _collectivity()
    civility, president = _split_civility(sitting.president)
    presidency = f"{CIVILITIES.get(civility, '')} {president}".strip().upper()
    return {
        "collectivity": collectivity,
        "of": of,
        "meeting": f"REUNION DU {capitals(format_date_words(sitting.held_on))}",
        "presidency": f"PRESIDENCE DE {presidency}",
        "president_name": president,
    }


def deliberation_data(deliberation: Deliberation) -> dict:
    """Everything the deliberation writes, in its order."""
    report = deliberation.report
    sitting = report.sitting
    body = BODIES[sitting.body]
    heading = _sitting_heading(sitting)
    attendances = list(sitting.attendances.order_by("position"))
    present = [a for a in attendances if a.present_at(report.opened_at)]
    excused = [a for a in attendances if a.status == Attendance.Status.EXCUSED]
    absent = [
        a
        for a in attendances
        if a.status == Attendance.Status.ABSENT
        or (a.status == Attendance.Status.PRESENT and a not in present)
    ]
    attendance_lines = [{"label": "Étaient présents :", "names": [_member(a) for a in present]}]
    if excused:
        attendance_lines.append({"label": "Excusé(s) :", "names": [_member(a) for a in excused]})
    if absent:
        attendance_lines.append({"label": "Absent(s) :", "names": [_member(a) for a in absent]})
    visas = lines(report.visas)
    corrected = deliberation.corrects or report.corrects
    if corrected is not None:
        visas.append(correction_visa(corrected))
    visas.append("Vu le rapport du Président du Conseil départemental, ci-annexé ;")
    visas += [commission_visa(o) for o in _opinions(report)]
    data = {
        "reference": deliberation.number,
        "number": deliberation.number,
        "collectivity": heading["collectivity"],
        "heading": body["deliberation_heading"],
        "meeting": heading["meeting"],
        "presidency": heading["presidency"],
        "secretary": f"Secrétaire : {sitting.secretary}" if sitting.secretary else "",
        "attendance": attendance_lines,
        "title": report.title.upper(),
        "number_line": f"(N°{deliberation.number})",
        "assembly": body["assembly"].format(of=heading["of"]),
        "visas": visas,
        "deliberated": "Après en avoir délibéré,",
        "decides": "DECIDE",
        "articles": articles(report.decision),
        "vote_intro": "Dans les conditions de vote ci-dessous :",
        "votes": vote_lines(deliberation),
        "outcome": outcome(deliberation),
        "president_heading": f"LE {capitals(PRESIDENT_TITLE)},",
        "president_name": heading["president_name"],
        "signed_at": f"{sitting.place.upper()}, le {format_date_words(sitting.held_on)}",
        "for_president": f"Pour le {PRESIDENT_TITLE},",
        "signatory_title": f"{sitting.signatory_title}," if sitting.signatory_title else "",
        "signed": "Signé",
        "signatory_name": sitting.signatory_name,
        "stamp": None,
    }
    return french_spacing(data)


# --- Report --------------------------------------------------------------------------------


def subsidies_annex(report: Report) -> dict | None:
    """The annex of a report on subsidies: its operations and amounts, checked against the AP
    (for the report's PDF and its page)."""
    operations = list(
        report.operations.select_related("contract__partner", "contract__generation")
        .prefetch_related("expenses", "resources")
        .order_by("reference")
    )
    if not operations:
        return None
    rows, total = [], Decimal("0.00")
    for operation in operations:
        summary = summarise(operation)
        amount = operation.proposed_subsidy_amount or Decimal("0.00")
        total += amount
        rows.append(
            {
                "reference": operation.reference,
                "partner": operation.contract.partner.name,
                "title": operation.title,
                "cost": format_money(summary.basis),
                "cost_basis": "HT" if summary.basis_label == "hors taxes" else "TTC",
                "subsidy": format_money(amount),
            }
        )
    annex = {
        "title": "ANNEXE : OPÉRATIONS PROPOSÉES",
        "header": ["Référence", "Partenaire", "Opération", "Coût total", "Subvention proposée"],
        "rows": rows,
        "total_label": f"Total ({len(rows)} opération{'s' if len(rows) > 1 else ''})",
        "total": format_money(total),
        "ap": None,
    }
    generation = operations[0].contract.generation
    ap = ProgrammeAuthorisation.objects.filter(generation=generation).first()
    if ap is not None:
        figures = ap_figures(ap)
        # Once adopted, this report's subsidies are committed: they are not « already » so.
        own = Commitment.objects.filter(authorisation=ap, operation__in=operations)
        own_committed = sum((c.net_amount for c in own), Decimal("0.00"))
        before = figures["committed"] - own_committed
        annex["ap"] = {
            "label": f"Autorisation de programme « {ap.label} » ({generation.name})",
            "header": ["Montant de l'AP", "Déjà engagé", "Présent rapport", "Disponible après"],
            "values": [
                format_money(ap.amount),
                format_money(before),
                format_money(total),
                format_money(ap.amount - before - total),
            ],
        }
    return annex


def _contracts_annex(report: Report) -> dict | None:
    contracts = list(
        report.contracts.select_related("partner", "generation").order_by("partner__name")
    )
    if not contracts:
        return None
    return {
        "title": "ANNEXE : CONTRATS SOUMIS À APPROBATION",
        "header": ["Partenaire", "Génération"],
        "rows": [[c.partner.name, c.generation.name] for c in contracts],
    }


def report_data(report: Report) -> dict:
    """Everything the report writes, in its order, with its annex."""
    sitting = report.sitting
    heading = _sitting_heading(sitting)
    data = {
        "reference": (
            report.deliberation.number
            if hasattr(report, "deliberation")
            else f"{sitting.held_on:%Y-%m-%d}-rapport-{report.number}"
        ),
        "collectivity": heading["collectivity"],
        "pole": report.pole,
        "direction": report.direction,
        "number_line": f"RAPPORT N°{report.number}",
        "territories": f"Territoire(s): {report.territories}",
        "heading": BODIES[sitting.body]["report_heading"],
        "meeting": heading["meeting"],
        "title": report.title.upper(),
        "text": text_blocks(report.text),
        "proposal_intro": "Il convient de statuer et le cas échéant :",
        "proposal": lines(report.proposal),
        "opinions": [commission_sentence(o) for o in _opinions(report)],
        "closing": "Je vous prie de bien vouloir en délibérer.",
        "president_title": PRESIDENT,
        "signed": "SIGNE",
        "president_name": heading["president_name"],
        "subsidies": subsidies_annex(report) if report.kind == Report.Kind.SUBSIDIES else None,
        "contracts": _contracts_annex(report) if report.kind == Report.Kind.CONTRACTS else None,
    }
    return french_spacing(data)


# --- Minutes -------------------------------------------------------------------------------


def _item(report: Report) -> dict:
    sitting = report.sitting
    deliberation = getattr(report, "deliberation", None)
    quorum = selectors.sitting_quorum(sitting, report.opened_at)
    item = {
        "title": f"Rapport n°{report.number} — {report.title}",
        "kind": report.get_kind_display(),
        "opened_at": (f"Examiné à {format_time(report.opened_at)}." if report.opened_at else ""),
        "opinions": [commission_sentence(o) for o in _opinions(report)],
        "quorum": quorum.explanation,
        "vote_mode": (
            "Scrutin public, par appel nominal."
            if deliberation and _roll_call(report, deliberation)
            else "Vote par groupe politique."
        ),
        "votes": [],
        "outcome": "Non encore mis aux voix.",
    }
    if deliberation is not None:
        item["votes"] = vote_lines(deliberation)
        result = "adoptée" if deliberation.adopted else "rejetée"
        if deliberation.casting_vote:
            result += ", la voix du Président étant prépondérante"
        item["outcome"] = f"Délibération n°{deliberation.number} : {result}."
    return item


def minutes_data(sitting: Sitting) -> dict:
    """The procès-verbal (A9): the sitting, who was there and when, proxies, quorum, and each
    report with its opinions, quorum, votes and deliberation."""
    heading = _sitting_heading(sitting)
    attendances = list(sitting.attendances.order_by("position"))
    present = [a for a in attendances if a.status == Attendance.Status.PRESENT]
    at_opening = [a for a in present if a.present_at(None)]
    proxies = list(sitting.proxies.select_related("giver", "holder").order_by("giver__position"))
    quorum = selectors.sitting_quorum(sitting)
    opened = (
        f"La séance est ouverte à {format_time(sitting.opened_at)}, à {sitting.place}, "
        if sitting.opened_at
        else f"La séance est ouverte à {sitting.place}, "
    )
    data = {
        "reference": f"{sitting.held_on:%Y-%m-%d}",
        "date": format_date(sitting.held_on),
        "collectivity": heading["collectivity"],
        "heading": BODIES[sitting.body]["report_heading"],
        "title": f"PROCES-VERBAL DE LA {heading['meeting']}",
        "presidency": heading["presidency"],
        "opening": opened + f"sous la présidence de {sitting.president}.",
        "secretary": (f"Secrétaire de séance : {sitting.secretary}." if sitting.secretary else ""),
        "members": f"Membres en fonction : {sitting.members_in_office}.",
        "present": [_member(a) for a in at_opening],
        "arrivals": [
            f"{_member(a)} à {format_time(a.arrived_at)}"
            for a in sorted(
                (a for a in present if a.arrived_at), key=lambda a: (a.arrived_at, a.position)
            )
        ],
        "departures": [
            f"{_member(a)} à {format_time(a.left_at)}"
            for a in sorted(
                (a for a in present if a.left_at), key=lambda a: (a.left_at, a.position)
            )
        ],
        "excused": [_member(a) for a in attendances if a.status == Attendance.Status.EXCUSED],
        "absent": [_member(a) for a in attendances if a.status == Attendance.Status.ABSENT],
        "proxies": [
            {
                "giver": _member(p.giver),
                "holder": _member(p.holder),
                "demo": "démonstration" if p.is_demo else "",
            }
            for p in proxies
        ],
        "proxies_note": (
            "Les pouvoirs marqués « démonstration » sont plausibles : le procès-verbal source "
            "ne dit pas qui les tenait."
            if any(p.is_demo for p in proxies)
            else ""
        ),
        "quorum": quorum.explanation,
        "items": [_item(r) for r in sitting.reports.order_by("number")],
        "closing": (
            f"La séance est levée à {format_time(sitting.closed_at)}." if sitting.closed_at else ""
        ),
        "president_name": heading["president_name"],
        "secretary_name": _split_civility(sitting.secretary)[1] if sitting.secretary else "",
    }
    return french_spacing(data)


def minutes_pdf(sitting: Sitting) -> bytes:
    return render_pdf(MINUTES_TEMPLATE, minutes_data(sitting))


# --- Stored documents ----------------------------------------------------------------------


@transaction.atomic
def deliberation_documents_generate(*, actor, deliberation: Deliberation):
    """Store the deliberation and its report as PDF documents and link them to it (on the
    instance given too). Run by the adoption, inside its transaction."""
    # Part of the adoption: the vote makes the act.
    policy.require(actor, "report", "proceed", deliberation.report)
    if Deliberation.objects.filter(pk=deliberation.pk, document__isnull=False).exists():
        raise ValidationError(
            f"La délibération n°{deliberation.number} a son texte adopté : il ne change plus."
        )
    stored = {}
    for kind, template, data in [
        (Document.Kind.DELIBERATION, DELIBERATION_TEMPLATE, deliberation_data(deliberation)),
        (Document.Kind.REPORT, REPORT_TEMPLATE, report_data(deliberation.report)),
    ]:
        data["reference"] = deliberation.number
        stored[kind] = document_store(
            actor=actor,
            operation=None,
            kind=kind,
            template=template,
            data=data,
            content=render_pdf(template, data),
        )
    deliberation.document = stored[Document.Kind.DELIBERATION]
    deliberation.report_document = stored[Document.Kind.REPORT]
    deliberation.save(update_fields=["document", "report_document"])
    return deliberation.document, deliberation.report_document


def publication_stamp(deliberation: Deliberation, adopted_sha256: str) -> dict:
    """A12: the date put online, the adopted text's hash, the author's name and title."""
    president = _split_civility(deliberation.report.sitting.president)[1]
    stamp = {
        "published": (
            f"Publié sous forme électronique le {format_date(deliberation.published_on)} — "
            "empreinte SHA-256 du texte adopté :"
        ),
        "sha256": adopted_sha256,
        "author": f"Auteur de l'acte : {president}, {PRESIDENT_TITLE}.",
        "transmitted": "",
    }
    if deliberation.actes_id and deliberation.transmitted_on:
        stamp["transmitted"] = (
            f"Transmis au représentant de l'État le {format_date(deliberation.transmitted_on)} "
            f"(@CTES {deliberation.actes_id})."
        )
    return french_spacing(stamp)


@transaction.atomic
def published_document_generate(*, actor, deliberation: Deliberation):
    """Store the copy put online: the adopted deliberation's data and template, with the
    publication stamp (the date put online, the adopted PDF's hash, the act's author)."""
    policy.require(actor, "deliberation", "publish", deliberation)
    if not deliberation.published_on:
        raise ValidationError("La délibération n'est pas encore mise en ligne.")
    adopted = deliberation.document
    if adopted is None:
        raise ValidationError("La délibération adoptée n'a pas encore son PDF.")
    data = dict(adopted.data)
    data["stamp"] = publication_stamp(deliberation, adopted.sha256)
    document = document_store(
        actor=actor,
        operation=None,
        kind=Document.Kind.PUBLISHED_DELIBERATION,
        template=DELIBERATION_TEMPLATE,
        data=data,
        content=render_pdf(DELIBERATION_TEMPLATE, data),
    )
    deliberation.published_document = document
    deliberation.save(update_fields=["published_document"])
    return document
