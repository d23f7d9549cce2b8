"""The ACTES messages (A13): the `Acte` Pacte builds for a deliberation and the `ARActe` it
reads back, each validated against the official schema kept in the repository."""

import datetime
from xml.etree import ElementTree as ET

import pytest
from django.core.exceptions import ValidationError

from pacte.assembly import actes
from pacte.assembly.models import Deliberation
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


def _without(message: bytes, old: bytes, new: bytes) -> bytes:
    assert old in message
    return message.replace(old, new)


def test_the_schemas_refusals_are_french_and_say_where(deliberation):
    """What xmlschema says (in English) is said in French, with the element's path and the
    attribute; what is not translated case by case still names the place, in French."""
    message = actes.acte_message(deliberation, document_name="d.pdf")
    right = _acknowledgement(message, "062-226200012-20220926-2022_317-DE", "2022-09-30")
    assert actes.read_acknowledgement(right, deliberation).received_on == datetime.date(2022, 9, 30)
    ns = actes.NAMESPACE.encode()
    cases = {
        _without(right, b"<actes:ARActe ", b"<actes:x ").replace(
            b"</actes:ARActe>", b"</actes:x>"
        ): "Ce fichier n'est pas un message ACTES : son élément racine « x » n'est pas du schéma.",
        right.replace(ns, b"urn:autre"): "Ce fichier n'est pas un message ACTES : son élément "
        "racine « ARActe » est dans l'espace de noms « urn:autre », pas dans celui d'ACTES",
        _without(right, b'"2022-09-30"', b'"2022-02-30"'): "Le fichier n'est pas un message ACTES "
        "valide : la date « 2022-02-30 » (attribut actes:DateReception de "
        "/actes:ARActe) n'existe pas.",
        _without(right, b'"2022-09-30"', b'"hier"'): "« hier » (attribut actes:DateReception "
        "de /actes:ARActe) n'est pas une date de la forme AAAA-MM-JJ.",
        _without(right, b"-2022_317-DE", b"-2022-317-DE"): "l'identifiant "
        "« 062-226200012-20220926-2022-317-DE » (attribut actes:IDActe de /actes:ARActe) n'a "
        "pas la forme ACTES : département, SIREN, date de la décision, numéro interne et nature",
        _without(right, b'actes:DateReception="2022-09-30"', b""): "il manque l'attribut "
        "actes:DateReception à l'élément /actes:ARActe.",
        _without(
            right,
            b"<actes:ClassificationDateVersionEnCours>2023-01-01"
            b"</actes:ClassificationDateVersionEnCours>",
            b"",
        ): "il manque l'élément "
        "actes:ClassificationDateVersionEnCours dans l'élément /actes:ARActe.",
        _without(right, b"</actes:ARActe>", b"<actes:Objet>x</actes:Objet></actes:ARActe>"): (
            "l'élément actes:Objet n'est pas attendu à cet endroit de l'élément /actes:ARActe "
            "(en position 3)."
        ),
        _without(right, b'actes:CodeMatiere="9"', b'actes:CodeMatiere="neuf"'): "« neuf » "
        "(attribut actes:CodeMatiere de /actes:ARActe/actes:ActeRecu/actes:CodeMatiere1) n'est "
        "pas un nombre entier.",
        _without(
            right, b'actes:NumeroInterne="2022_317"', b'actes:NumeroInterne="' + b"9" * 16 + b'"'
        ): (
            "(attribut actes:NumeroInterne de /actes:ARActe/actes:ActeRecu) est trop long : 15 "
            "caractères au plus."
        ),
        _without(right, b'xsi:nil="true" />', b'xsi:nil="true">papier</actes:DocumentPapier>'): (
            "le contenu de l'élément /actes:ARActe/actes:ActeRecu/actes:DocumentPapier n'est "
            "pas conforme au schéma ACTES."
        ),
    }
    for content, french in cases.items():
        with pytest.raises(actes.ActesError) as refused:
            actes.read_reply(content, deliberation)
        assert french in str(refused.value), (french, str(refused.value))
        for english in ("is not", "expected", "match", "range", "attribute", "element "):
            assert english not in str(refused.value), (english, str(refused.value))


def test_the_acte_builder_says_its_refusals_in_french(deliberation, monkeypatch):
    monkeypatch.setattr(actes, "NATURE_DELIBERATION", "un")
    with pytest.raises(actes.ActesError) as refused:
        actes.acte_message(deliberation, document_name="d.pdf")
    assert str(refused.value) == (
        "Le message Acte n'est pas conforme au schéma ACTES : « un » (attribut "
        "actes:CodeNatureActe de /actes:Acte) n'est pas un nombre entier."
    )


def test_a_title_with_a_character_xml_cannot_carry_is_still_sent(deliberation):
    deliberation.report.title = "Règlement\x01 du fonds\x0b\ufffe"
    message = actes.acte_message(deliberation, document_name="d.pdf")
    assert ET.fromstring(message).findtext(actes._q("Objet")) == "Règlement du fonds"


def test_a_matter_has_two_to_five_levels_of_numbers(deliberation):
    field = Deliberation._meta.get_field("subject_code")
    for code, levels in {
        "7.5": [7, 5],
        "7.10.2": [7, 10, 2],
        "1.1.1.1": [1, 1, 1, 1],
        "999.999.999.999.999": [999] * 5,
    }.items():
        deliberation.subject_code = code
        field.clean(code, deliberation)
        root = ET.fromstring(actes.acte_message(deliberation, document_name="d.pdf"))
        codes = [
            int(root.find(actes._q(f"CodeMatiere{n}")).get(actes._q("CodeMatiere")))
            for n in range(1, len(levels) + 1)
        ]
        assert codes == levels, code
        assert root.find(actes._q(f"CodeMatiere{len(levels) + 1}")) is None
    for code in (
        "",
        " ",
        "7",
        "7.",
        "7.05",
        "0.5",
        "7.1000",
        "7.1.2.3.4.5",
        "7_5.1",
        "+7.5",
        "٧.٥",
        "7..5",
    ):
        deliberation.subject_code = code
        with pytest.raises(actes.ActesError, match="matière"):
            actes.acte_message(deliberation, document_name="d.pdf")
        if code.strip():
            with pytest.raises(ValidationError) as refused:
                field.clean(code, deliberation)
            assert "n'est pas un code de la classification @CTES" in str(refused.value)
