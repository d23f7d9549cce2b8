"""The minutes of a sitting: each item with its quorum, vote and outcome."""

import datetime

from pacte.core.dates import local_datetime
from pacte.core.french import (
    format_date,
    format_time,
    french_spacing,
)
from pacte.documents.rendering import render_pdf

from .. import selectors
from ..models import Attendance, Report, Sitting
from .deliberation import commission_sentence, opinions_of, sitting_heading
from .text import BODIES, MINUTES_TEMPLATE, member_name, split_civility
from .votes import is_roll_call, vote_lines


def minutes_item(report: Report) -> dict:
    sitting = report.sitting
    deliberation = getattr(report, "deliberation", None)
    quorum = selectors.sitting_quorum(sitting, report.opened_at)
    item = {
        "title": f"Rapport n°{report.number} — {report.title}",
        "kind": report.get_kind_display(),
        "opened_at": (f"Examiné à {format_time(report.opened_at)}." if report.opened_at else ""),
        "opinions": [commission_sentence(o) for o in opinions_of(report)],
        "quorum": quorum.explanation,
        "vote_mode": (
            "Scrutin public, par appel nominal."
            if deliberation and is_roll_call(report, deliberation)
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
    heading = sitting_heading(sitting)
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
        "present": [member_name(a) for a in at_opening],
        "arrivals": [
            f"{member_name(a)} à {format_time(a.arrived_at)}"
            for a in sorted(
                (a for a in present if a.arrived_at), key=lambda a: (a.arrived_at, a.position)
            )
        ],
        "departures": [
            f"{member_name(a)} à {format_time(a.left_at)}"
            for a in sorted(
                (a for a in present if a.left_at), key=lambda a: (a.left_at, a.position)
            )
        ],
        "excused": [member_name(a) for a in attendances if a.status == Attendance.Status.EXCUSED],
        "absent": [member_name(a) for a in attendances if a.status == Attendance.Status.ABSENT],
        "proxies": [
            {
                "giver": member_name(p.giver),
                "holder": member_name(p.holder),
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
        "items": [minutes_item(r) for r in sitting.reports.order_by("number")],
        "closing": (
            f"La séance est levée à {format_time(sitting.closed_at)}." if sitting.closed_at else ""
        ),
        "president_name": heading["president_name"],
        "secretary_name": split_civility(sitting.secretary)[1] if sitting.secretary else "",
    }
    return french_spacing(data)


def minutes_datetime(sitting: Sitting) -> datetime.datetime:
    """The date of the minutes' PDF, whenever it is generated: the sitting's closing."""
    return local_datetime(
        sitting.held_on, sitting.closed_at or sitting.opened_at or datetime.time(12)
    )


def minutes_pdf(sitting: Sitting) -> bytes:
    return render_pdf(MINUTES_TEMPLATE, minutes_data(sitting), dated=minutes_datetime(sitting))
