"""The préfecture of the demo: the acknowledgement (ARActe) it would return for an act Pacte
transmitted, built as @CTES writes it — the act received (`ActeRecu`, quoting the `Acte`
message Pacte builds), the identifier and the date of receipt. The demo's acts are
acknowledged through it, so that their acknowledgement is read and recorded as a real one
would be; their dates stay marked as demo."""

import datetime
from xml.etree import ElementTree as ET

from pacte.assembly import actes
from pacte.assembly.models import Deliberation


def _q(name: str) -> str:
    return f"{{{actes.NAMESPACE}}}{name}"


def demo_acknowledgement(deliberation: Deliberation, received_on: datetime.date) -> bytes:
    ET.register_namespace("actes", actes.NAMESPACE)
    names = actes.transmission_names(deliberation, annexes=1)
    sent = ET.fromstring(
        actes.acte_message(
            deliberation, document_name=names.document, annex_names=list(names.annexes)
        )
    )
    root = ET.Element(
        _q("ARActe"),
        {
            _q("IDActe"): actes.expected_actes_identifier(deliberation),
            _q("DateReception"): received_on.isoformat(),
        },
    )
    received = ET.SubElement(root, _q("ActeRecu"), dict(sent.attrib))
    for child in sent:
        received.append(child)
    version = sent.find(_q("ClassificationDateVersion"))
    ET.SubElement(root, _q("ClassificationDateVersionEnCours")).text = (
        version.text if version is not None else "2023-01-01"
    )
    message = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    for error in actes.schema().iter_errors(message):
        raise actes.ActesError(
            "ARActe de démonstration non conforme : " + actes.schema_problem(error)
        )
    return message
