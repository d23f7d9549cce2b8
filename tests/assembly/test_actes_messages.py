"""The ACTES messages (A13): the `Acte` Pacte builds for a deliberation and the `ARActe` it
reads back, each validated against the official schema kept in the repository."""

import datetime
from xml.etree import ElementTree as ET

import pytest

from pacte.assembly import actes
from pacte.demo.assembly import seed_sitting_2022_317

pytestmark = pytest.mark.django_db


@pytest.fixture
def deliberation(users):
    return seed_sitting_2022_317(users["test-assembly"]).reports.get().deliberation


def _acknowledgement(message: bytes, actes_id: str, received: str) -> bytes:
    """An ARActe as the préfecture returns it: the act received, its identifier and date."""
    sent = ET.fromstring(message)
    ar = ET.Element(
        actes._q("ARActe"), {actes._q("IDActe"): actes_id, actes._q("DateReception"): received}
    )
    received_act = ET.SubElement(ar, actes._q("ActeRecu"), dict(sent.attrib))
    received_act.extend(list(sent))
    ET.SubElement(ar, actes._q("ClassificationDateVersionEnCours")).text = "2023-01-01"
    return ET.tostring(ar, encoding="utf-8", xml_declaration=True)


def test_the_acte_of_2022_317_is_valid_and_says_the_decision(deliberation):
    message = actes.acte_message(
        deliberation,
        document_name="deliberation-2022_317.pdf",
        annex_names=["rapport-2022_317.pdf"],
    )
    actes.schema().validate(message)  # raises if not valid
    root = ET.fromstring(message)
    assert root.get(actes._q("Date")) == "2022-09-26"
    assert root.get(actes._q("NumeroInterne")) == "2022_317"
    assert root.get(actes._q("CodeNatureActe")) == "1"
    matters = [root.find(actes._q(f"CodeMatiere{n}")).get(actes._q("CodeMatiere")) for n in (1, 2)]
    assert matters == ["9", "2"]
    assert root.find(actes._q("Objet")).text.startswith("Délibération cadre pour la mise en œuvre")
    assert root.find(actes._q("Annexes")).get(actes._q("Nombre")) == "1"


def test_an_act_whose_matter_is_not_a_code_is_not_sent(deliberation):
    deliberation.subject_code = "7"
    with pytest.raises(actes.ActesError, match="deux niveaux au moins"):
        actes.acte_message(deliberation, document_name="d.pdf")


def test_the_acknowledgement_is_read_checked_and_for_this_act(deliberation):
    message = actes.acte_message(deliberation, document_name="d.pdf")
    right = "062-226200012-20220926-2022_317-DE"
    read = actes.read_acknowledgement(_acknowledgement(message, right, "2022-09-30"), deliberation)
    assert read == actes.Acknowledgement(right, datetime.date(2022, 9, 30))
    other = _acknowledgement(message, "062-226200012-20220926-2022_318-DE", "2022-09-30")
    with pytest.raises(actes.ActesError, match="ne désigne pas la délibération n°2022-317"):
        actes.read_acknowledgement(other, deliberation)
    # The hyphen inside the number: refused by the schema itself.
    hyphen = _acknowledgement(message, "062-226200012-20220926-2022-317-DE", "2022-09-30")
    with pytest.raises(actes.ActesError, match="pas un message ARActe valide"):
        actes.read_acknowledgement(hyphen, deliberation)
    for garbage in [b"", b"<pas du xml", b"\x00\xff" * 10, message]:
        with pytest.raises(actes.ActesError):
            actes.read_acknowledgement(garbage, deliberation)
