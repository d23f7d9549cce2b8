"""The assembly's documents as written: templates, the body's names, civilities, the text of a
report cut into paragraphs and articles."""

import re

from django.conf import settings

from pacte.core.french import (
    NBSP,
    capitals,
)

from ..models import Attendance, Sitting

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


def collectivity_names():
    """« Département du Pas-de-Calais » → the heading and « du Pas-de-Calais »."""
    name = settings.PACTE_COLLECTIVITY_NAME
    return capitals(name), name.split(" ", 1)[1] if " " in name else name


def split_civility(person: str) -> tuple[str, str]:
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


def member_name(attendance: Attendance) -> str:
    """« M. Jean-Claude LEROY », the civility never alone at the end of a line."""
    return f"{attendance.civility}{NBSP}{attendance.name}"
