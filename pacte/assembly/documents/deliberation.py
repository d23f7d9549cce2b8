"""The data of a deliberation's PDF: its sitting, visas, commissions' opinions, text and
vote, and the stamp of its publication."""

from pacte.core.french import (
    capitals,
    format_date,
    format_date_words,
    french_spacing,
    ordinal,
)

from ..models import Attendance, CommissionOpinion, Deliberation, Report, Sitting
from .annex import subsidies_annex
from .text import (
    BODIES,
    CIVILITIES,
    PRESIDENT_TITLE,
    articles,
    collectivity_names,
    join_lines,
    lines,
    member_name,
    split_civility,
)
from .votes import outcome, vote_lines


def opinions_of(report: Report) -> list[CommissionOpinion]:
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
        f"La {ordinal(commission.number)} Commission - "
        f"{commission.report_name or commission.name} a émis un avis "
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


def sitting_heading(sitting: Sitting) -> dict:
    collectivity, of = collectivity_names()
    civility, president = split_civility(sitting.president)
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
    heading = sitting_heading(sitting)
    attendances = list(sitting.attendances.order_by("position"))
    present = [a for a in attendances if a.present_at(report.opened_at)]
    excused = [a for a in attendances if a.status == Attendance.Status.EXCUSED]
    absent = [
        a
        for a in attendances
        if a.status == Attendance.Status.ABSENT
        or (a.status == Attendance.Status.PRESENT and a not in present)
    ]
    attendance_lines = [{"label": "Étaient présents :", "names": [member_name(a) for a in present]}]
    if excused:
        attendance_lines.append(
            {"label": "Excusé(s) :", "names": [member_name(a) for a in excused]}
        )
    if absent:
        attendance_lines.append({"label": "Absent(s) :", "names": [member_name(a) for a in absent]})
    proxies = proxies_used(report, present)
    if proxies:
        attendance_lines.append({"label": "Pouvoir(s) :", "names": proxies})
    visas = lines(report.visas)
    corrected = deliberation.corrects or report.corrects
    if corrected is not None:
        visas.append(correction_visa(corrected))
    visas.append("Vu le rapport du Président du Conseil départemental, ci-annexé ;")
    visas += [commission_visa(o) for o in opinions_of(report)]
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
        "annex": (
            _deliberation_annex(deliberation) if report.kind == Report.Kind.SUBSIDIES else None
        ),
    }
    return french_spacing(data)


def proxies_used(report: Report, present: list[Attendance]) -> list[str]:
    """« M. A à Mme B » for each proxy whose giver was not there when the report was voted
    and whose holder was. The demo's proxies of a reproduced sitting (marked as demo: the
    source does not say who held them) are left out, as the published act leaves them out."""
    holders = {a.pk for a in present}
    return [
        f"{member_name(proxy.giver)} à {member_name(proxy.holder)}"
        for proxy in report.sitting.proxies.select_related("giver", "holder").order_by(
            "giver__position"
        )
        if not proxy.is_demo and proxy.giver_id not in holders and proxy.holder_id in holders
    ]


def _deliberation_annex(deliberation: Deliberation) -> dict | None:
    annex = subsidies_annex(deliberation.report, with_ap=False)
    if annex is not None:
        annex["title"] = f"ANNEXE À LA DÉLIBÉRATION N°{deliberation.number}"
        annex["subtitle"] = "Subventions attribuées"
        annex["header"] = annex["header"][:-1] + ["Subvention attribuée"]
    return annex


def publication_stamp(deliberation: Deliberation, adopted_sha256: str) -> dict:
    """A12: the date put online, the adopted text's hash, the author's name and title."""
    president = split_civility(deliberation.report.sitting.president)[1]
    stamp = {
        "published": (
            f"Publié sous forme électronique le {format_date(deliberation.published_on)} — "
            "empreinte SHA-256 du texte adopté :"
        ),
        "sha256": adopted_sha256,
        "author": f"Auteur de l'acte : {president}, {PRESIDENT_TITLE}.",
        "transmitted": "",
        "demo": (
            "Dates de mise en ligne et de transmission, et identifiant @CTES, de démonstration : "
            "l'acte source ne les donne pas."
            if deliberation.publication_is_demo
            else ""
        ),
    }
    if deliberation.actes_id and deliberation.transmitted_on:
        stamp["transmitted"] = (
            f"Transmis au représentant de l'État le {format_date(deliberation.transmitted_on)} "
            f"(@CTES {deliberation.actes_id})."
        )
    return french_spacing(stamp)
