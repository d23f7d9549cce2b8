"""The ACTES protocol (@CTES, transmission of acts to the préfet), as Pacte needs it (A13): the
act's internal number and the identifier the préfecture's acknowledgement gives it, the `Acte`
message that transmits it, the préfecture's two answers read back — the acknowledgement
(`ARActe`) and the anomaly (`AnomalieActe`) — each checked against the official schema and
against the act, and the names of a transmission's files. The connectors that carry them are in
`transmission.py`."""

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from pacte.core.french import format_date

from .models import Deliberation

# ARActe's IDActe (ACTES 1.1): DDD-SIREN-AAAAMMJJ-NUMERO-NN.
ACTES_ID = re.compile(r"[09][0-9][AB0-9]-[0-9]{9}-[0-9]{8}-[a-zA-Z0-9_]{1,15}-[A-Z]{2}")


def actes_internal_number(deliberation: Deliberation) -> str:
    """A13: the act's internal number as ACTES takes it — capitals, digits and `_`, 15 at most
    (« 2022_317 » for deliberation 2022-317)."""
    return f"{deliberation.year}_{deliberation.sequence:03d}"


def actes_identifier(deliberation: Deliberation, department_code: str, siren: str) -> str:
    """A13: the identifier the préfecture's acknowledgement gives the act, built as ACTES builds
    it: department, SIREN, date of the decision, internal number, nature (DE)."""
    decided_on = deliberation.report.sitting.held_on
    return (
        f"{department_code.zfill(3)}-{siren}-{decided_on:%Y%m%d}-"
        f"{actes_internal_number(deliberation)}-DE"
    )


def expected_actes_identifier(deliberation: Deliberation) -> str:
    return actes_identifier(
        deliberation, settings.PACTE_DEPARTMENT_CODE, settings.PACTE_COLLECTIVITY_SIREN
    )


# --- Messages -------------------------------------------------------------------------------

NAMESPACE = "http://www.interieur.gouv.fr/ACTES#v1.1-20040216"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA = Path(__file__).resolve().parent / "standards" / "actes-1.1" / "actesv1_1.xsd"
NATURE_DELIBERATION = 1


class ActesError(ValueError):
    """A message that ACTES would not take, or that is not what Pacte expects; French."""


@lru_cache(maxsize=1)
def schema() -> Any:
    import xmlschema

    return xmlschema.XMLSchema(str(SCHEMA))


def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def matter_codes(subject_code: str) -> list[int]:
    """« 7.5 » → [7, 5]: the classification's levels, two at least (CodeMatiere1 and 2)."""
    try:
        codes = [int(part) for part in subject_code.strip().split(".") if part]
    except ValueError:
        codes = []
    if len(codes) < 2 or len(codes) > 5 or min(codes) < 0:
        raise ActesError(
            f"La matière « {subject_code} » n'est pas un code de la classification @CTES à deux "
            "niveaux au moins (par exemple 7.5)."
        )
    return codes


def acte_message(
    deliberation: Deliberation,
    *,
    document_name: str,
    annex_names: list[str] | None = None,
    classification_date: datetime.date | None = None,
) -> bytes:
    """The `Acte` message that transmits a deliberation (A13): date of the decision, internal
    number, nature 1, its matters, its object, its PDF and annexes by file name. Valid against
    the official schema, or ActesError."""
    from xml.etree import ElementTree as ET

    ET.register_namespace("actes", NAMESPACE)
    report = deliberation.report
    decided_on = report.sitting.held_on
    root = ET.Element(
        _q("Acte"),
        {
            _q("Date"): decided_on.isoformat(),
            _q("NumeroInterne"): actes_internal_number(deliberation),
            _q("CodeNatureActe"): str(NATURE_DELIBERATION),
        },
    )
    for level, code in enumerate(matter_codes(deliberation.subject_code), start=1):
        ET.SubElement(root, _q(f"CodeMatiere{level}"), {_q("CodeMatiere"): str(code)})
    title = " ".join(report.title.split())
    ET.SubElement(root, _q("Objet")).text = title[:497] + "…" if len(title) > 500 else title
    day = classification_date or datetime.date.fromisoformat(
        str(settings.PACTE_ACTES_CLASSIFICATION_DATE)
    )
    ET.SubElement(root, _q("ClassificationDateVersion")).text = day.isoformat()
    document = ET.SubElement(root, _q("Document"))
    ET.SubElement(document, _q("NomFichier")).text = document_name
    annexes = ET.SubElement(root, _q("Annexes"), {_q("Nombre"): str(len(annex_names or []))})
    for name in annex_names or []:
        annex = ET.SubElement(annexes, _q("Annexe"))
        ET.SubElement(annex, _q("NomFichier")).text = name
    ET.SubElement(root, _q("DocumentPapier"), {f"{{{XSI}}}nil": "true"})
    message = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    problems = [str(error.reason or error) for error in schema().iter_errors(message)]
    if problems:
        raise ActesError("Le message Acte n'est pas conforme au schéma ACTES : " + problems[0])
    return message


# What the préfecture returns is small (the act's data, never its files): a larger upload is
# refused before it is parsed, as is any document type declaration (ACTES messages have none, and
# entities are how a small XML file swells).
MAX_MESSAGE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Acknowledgement:
    actes_id: str
    received_on: datetime.date


@dataclass(frozen=True)
class Anomaly:
    """An `AnomalieActe`: the préfecture did not receive the act, for the reason it gives (a
    three-digit code of the @CTES specifications and, often, a text)."""

    nature: str
    detail: str
    reported_on: datetime.date

    @property
    def text(self) -> str:
        detail = f" : {self.detail}" if self.detail else ""
        nature = f" (nature {self.nature})" if self.nature else ""
        return (
            f"Anomalie signalée par la préfecture le {format_date(self.reported_on)}"
            f"{nature}{detail}"
        )


def _parsed(message: bytes, what: str, expected: str = "ACTES") -> Any:
    """The message's root element, once the message is a readable XML document valid against
    the ACTES schema; ActesError (French, naming `what` and the `expected` message) otherwise."""
    from xml.etree import ElementTree as ET

    if len(message) > MAX_MESSAGE_BYTES:
        raise ActesError(
            f"{what} pèse {len(message) // 1024} Kio : un message de la préfecture en pèse "
            f"quelques-uns ({MAX_MESSAGE_BYTES // 1024} Kio au plus). Ce n'est pas ce message."
        )
    head = message[:4096].upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in message.upper():
        raise ActesError(
            f"{what} déclare un type de document (DOCTYPE), ce que les messages ACTES ne font "
            "pas : il est refusé."
        )
    try:
        errors = [str(error.reason or error) for error in schema().iter_errors(message)]
        root = ET.fromstring(message)
    except Exception as exc:  # not XML at all
        raise ActesError(f"{what} n'est pas un document XML lisible.") from exc
    if errors:
        raise ActesError(f"{what} n'est pas un message {expected} valide : {errors[0]}")
    return root


def _received_act(root: Any) -> tuple[str, str]:
    """(NumeroInterne, Date) of the act an answer of the préfecture quotes (`ActeRecu`)."""
    act = root.find(_q("ActeRecu"))
    if act is None:
        return "", ""
    return act.get(_q("NumeroInterne"), ""), act.get(_q("Date"), "")


def read_acknowledgement(message: bytes, deliberation: Deliberation) -> Acknowledgement:
    """An `ARActe` returned by the préfecture: valid against the schema, for this act (its
    identifier names this act), with its date of receipt. ActesError otherwise."""
    root = _parsed(message, "L'accusé de réception", "ARActe")
    if root.tag != _q("ARActe"):
        raise ActesError("Ce message n'est pas un accusé de réception d'acte (ARActe).")
    return _acknowledgement(root, deliberation)


def _acknowledgement(root: Any, deliberation: Deliberation) -> Acknowledgement:
    actes_id = root.get(_q("IDActe"), "")
    expected = expected_actes_identifier(deliberation)
    if actes_id.split("-")[1:4] != expected.split("-")[1:4]:
        raise ActesError(
            f"L'accusé de réception « {actes_id} » ne désigne pas la délibération "
            f"n°{deliberation.number} : son identifiant serait {expected}."
        )
    received = datetime.date.fromisoformat(root.get(_q("DateReception"), ""))
    return Acknowledgement(actes_id=actes_id, received_on=received)


def _anomaly(root: Any, deliberation: Deliberation) -> Anomaly:
    number, decided_on = _received_act(root)
    expected = (
        actes_internal_number(deliberation),
        deliberation.report.sitting.held_on.isoformat(),
    )
    if (number, decided_on) != expected:
        raise ActesError(
            f"L'anomalie porte sur l'acte n°{number or '?'} du {_french_iso(decided_on)}, pas sur "
            f"la délibération n°{deliberation.number} (numéro interne {expected[0]}, décidée le "
            f"{_french_iso(expected[1])})."
        )
    detail = " ".join((root.findtext(_q("Detail")) or "").split())
    return Anomaly(
        nature=(root.findtext(_q("Nature")) or "").strip(),
        detail=detail[:2000],
        reported_on=datetime.date.fromisoformat((root.findtext(_q("Date")) or "").strip()),
    )


def _french_iso(day: str) -> str:
    try:
        return format_date(datetime.date.fromisoformat(day))
    except ValueError:
        return day or "?"


def read_anomaly(message: bytes, deliberation: Deliberation) -> Anomaly:
    """An `AnomalieActe` returned by the préfecture: valid against the schema, about this act
    (the act it quotes has this act's internal number and decision date), with its date, its
    nature and its detail. ActesError otherwise."""
    root = _parsed(message, "Le message d'anomalie", "AnomalieActe")
    if root.tag != _q("AnomalieActe"):
        raise ActesError("Ce message n'est pas une anomalie de transmission d'acte (AnomalieActe).")
    return _anomaly(root, deliberation)


def read_reply(message: bytes, deliberation: Deliberation) -> Acknowledgement | Anomaly:
    """What the préfecture answered to the transmission of this act: its acknowledgement
    (`ARActe`) or an anomaly (`AnomalieActe`), each checked as above. ActesError otherwise."""
    root = _parsed(message, "Le fichier")
    if root.tag == _q("ARActe"):
        return _acknowledgement(root, deliberation)
    if root.tag == _q("AnomalieActe"):
        return _anomaly(root, deliberation)
    name = str(root.tag).rpartition("}")[2]
    raise ActesError(
        f"Ce message ACTES est un « {name} » : ni un accusé de réception (ARActe) ni une "
        "anomalie (AnomalieActe)."
    )


def reply_for(message: bytes, deliberation: Deliberation) -> bool:
    """Whether `message` looks like the préfecture's answer about this act (an ARActe naming
    it, or an AnomalieActe quoting it), before any validation: how a connector picks, among
    the files it finds, those of this act. Unreadable XML: False."""
    from xml.etree import ElementTree as ET

    if len(message) > MAX_MESSAGE_BYTES or b"<!DOCTYPE" in message[:4096].upper():
        return False
    try:
        root = ET.fromstring(message)
    except ET.ParseError:
        return False
    number, decided_on = _received_act(root)
    return (number, decided_on) == (
        actes_internal_number(deliberation),
        deliberation.report.sitting.held_on.isoformat(),
    ) and root.tag in {_q("ARActe"), _q("AnomalieActe")}


# --- Files of a transmission -----------------------------------------------------------------

# The types of the files sent (the @CTES typology of the pieces): the deliberation itself, and
# its annexes (the report).
TYPE_DOCUMENT = "99_DE"
TYPE_ANNEX = "99_AU"


@dataclass(frozen=True)
class TransmissionNames:
    """The names ACTES gives the files of a transmission (flow 1-1): the message
    `<id>-1-1_0.xml`, the act `<type>-<id>-1-1_1.pdf`, its annexes from `_2` on, where `<id>` is
    the identifier the act will have (`062-226200012-20220926-2022_317-DE`)."""

    base: str
    message: str
    document: str
    annexes: tuple[str, ...]


def transmission_names(deliberation: Deliberation, annexes: int) -> TransmissionNames:
    base = expected_actes_identifier(deliberation)
    width = 2 if annexes > 8 else 1
    return TransmissionNames(
        base=base,
        message=f"{base}-1-1_0.xml",
        document=f"{TYPE_DOCUMENT}-{base}-1-1_1.pdf",
        annexes=tuple(
            f"{TYPE_ANNEX}-{base}-1-1_{index:0{width}d}.pdf" for index in range(2, annexes + 2)
        ),
    )
