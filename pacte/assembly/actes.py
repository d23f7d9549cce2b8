"""The ACTES protocol (@CTES, transmission of acts to the préfet), as Pacte needs it: the
act's internal number and the identifier the préfecture's acknowledgement gives it (A13)."""

import datetime
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

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


@dataclass(frozen=True)
class Acknowledgement:
    actes_id: str
    received_on: datetime.date


def read_acknowledgement(message: bytes, deliberation: Deliberation) -> Acknowledgement:
    """An `ARActe` returned by the préfecture: valid against the schema, for this act (its
    identifier names this act), with its date of receipt. ActesError otherwise."""
    try:
        errors = [str(error.reason or error) for error in schema().iter_errors(message)]
    except Exception as exc:  # not XML at all
        raise ActesError("L'accusé de réception n'est pas un document XML lisible.") from exc
    if errors:
        raise ActesError("L'accusé de réception n'est pas un message ARActe valide : " + errors[0])
    from xml.etree import ElementTree as ET

    root = ET.fromstring(message)
    if root.tag != _q("ARActe"):
        raise ActesError("Ce message n'est pas un accusé de réception d'acte (ARActe).")
    actes_id = root.get(_q("IDActe"), "")
    expected = expected_actes_identifier(deliberation)
    if actes_id.split("-")[1:4] != expected.split("-")[1:4]:
        raise ActesError(
            f"L'accusé de réception « {actes_id} » ne désigne pas la délibération "
            f"n°{deliberation.number} : son identifiant serait {expected}."
        )
    received = datetime.date.fromisoformat(root.get(_q("DateReception"), ""))
    return Acknowledgement(actes_id=actes_id, received_on=received)
