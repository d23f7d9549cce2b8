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

from . import classification
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
    """« 7.5 » → [7, 5], « 7.10.2 » → [7, 10, 2]: the classification's levels, two to five
    (CodeMatiere1 to 5). ActesError (French) when it is not a matter."""
    try:
        return classification.levels(subject_code.strip())
    except ValueError as exc:
        raise ActesError(str(exc)) from exc


# Characters that XML 1.0 cannot carry (control characters, lone surrogates, U+FFFE/U+FFFF): a
# title holding one would make the message unreadable.
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


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
    title = " ".join(NOT_XML.sub(" ", report.title).split())
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
    try:
        problem = next(iter(schema().iter_errors(message)), None)
    except Exception as exc:  # noqa: BLE001 — not even readable XML
        raise ActesError(
            "Le message Acte construit pour cet acte n'est pas un document XML lisible."
        ) from exc
    if problem is not None:
        raise ActesError(
            "Le message Acte n'est pas conforme au schéma ACTES : "
            + _after_colon(schema_problem(problem))
        )
    return message


# --- The schema's refusals, in French ---------------------------------------------------------

ATTRIBUTE = re.compile(r"^attribute ([^\s=]+)=")
MISSING_ATTRIBUTE = re.compile(r"^missing required attribute '([^']+)'")
UNEXPECTED_ATTRIBUTE = re.compile(r"^'([^']+)' attribute not allowed")
INTEGERS = {
    "integer",
    "nonNegativeInteger",
    "positiveInteger",
    "nonPositiveInteger",
    "negativeInteger",
    "long",
    "int",
    "short",
    "byte",
    "unsignedLong",
    "unsignedInt",
    "unsignedShort",
    "unsignedByte",
    "decimal",
}
DAY_SHAPE = re.compile(r"\s*-?[0-9]{4,}-[0-9]{2}-[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})?\s*")


def _after_colon(sentence: str) -> str:
    """A sentence of its own, continuing another after its colon."""
    return sentence[:1].lower() + sentence[1:]


def _name(tag: str) -> str:
    """`{ACTES}Objet` → « actes:Objet »; another namespace's tag by its local name and its
    namespace."""
    namespace, _, local = tag.rpartition("}")
    namespace = namespace.lstrip("{")
    if namespace == NAMESPACE:
        return f"actes:{local}"
    if not namespace:
        return local
    return f"{local} (espace de noms {namespace})"


def _shown(value: object, limit: int = 60) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def schema_problem(error: Any) -> str:
    """An error of xmlschema's validation said in French: what is wrong and where (the element's
    path, the attribute); a general sentence naming that place when the case is not one of those
    a message of the préfecture may show."""
    import xmlschema
    from xmlschema.validators import (
        XsdAtomicBuiltin,
        XsdEnumerationFacets,
        XsdMaxLengthFacet,
        XsdMinLengthFacet,
        XsdPatternFacets,
    )

    reason = str(getattr(error, "reason", "") or "")
    path = getattr(error, "path", None) or "/"
    validator = getattr(error, "validator", None)
    value = getattr(error, "obj", None)
    found = ATTRIBUTE.match(reason)
    attribute = found.group(1) if found else ""
    where = f"attribut {attribute} de {path}" if attribute else f"élément {path}"

    if isinstance(validator, xmlschema.XMLSchemaBase):  # the root is no element of the schema
        tag = getattr(value, "tag", None) or getattr(getattr(error, "elem", None), "tag", "")
        namespace, _, local = str(tag).rpartition("}")
        namespace = namespace.lstrip("{")
        if namespace != NAMESPACE:
            elsewhere = (
                f"dans l'espace de noms « {_shown(namespace)} »"
                if namespace
                else "sans espace de noms"
            )
            return (
                f"Ce fichier n'est pas un message ACTES : son élément racine « {_shown(local)} » "
                f"est {elsewhere}, pas dans celui d'ACTES ({NAMESPACE})."
            )
        return (
            f"Ce fichier n'est pas un message ACTES : son élément racine « {_shown(local)} » "
            "n'est pas du schéma."
        )
    if isinstance(error, xmlschema.XMLSchemaChildrenValidationError):
        if error.invalid_tag is not None:
            return (
                f"L'élément {_name(str(error.invalid_tag))} n'est pas attendu à cet endroit de "
                f"l'élément {path} (en position {error.index + 1})."
            )
        expected = [tag for tag in error.expected_tags if not tag.startswith("from ")]
        if expected:
            return f"Il manque l'élément {' ou '.join(expected)} dans l'élément {path}."
        return f"Le contenu de l'élément {path} est incomplet."
    missing = MISSING_ATTRIBUTE.match(reason)
    if missing:
        return f"Il manque l'attribut {_name(missing.group(1))} à l'élément {path}."
    unexpected = UNEXPECTED_ATTRIBUTE.match(reason)
    if unexpected:
        return f"L'attribut {_name(unexpected.group(1))} n'est pas permis sur l'élément {path}."
    if isinstance(error, xmlschema.XMLSchemaDecodeError) and isinstance(
        validator, XsdAtomicBuiltin
    ):
        kind = str(validator.name or "").rpartition("}")[2]
        if kind == "date":
            if DAY_SHAPE.fullmatch(str(value)):
                return f"La date « {_shown(value)} » ({where}) n'existe pas."
            return f"« {_shown(value)} » ({where}) n'est pas une date de la forme AAAA-MM-JJ."
        if kind in INTEGERS:
            return f"« {_shown(value)} » ({where}) n'est pas un nombre entier."
        return f"« {_shown(value)} » ({where}) n'est pas une valeur du type qu'attend le schéma."
    if isinstance(validator, XsdPatternFacets):
        if attribute.endswith("IDActe"):
            return (
                f"L'identifiant « {_shown(value)} » ({where}) n'a pas la forme ACTES : "
                "département, SIREN, date de la décision, numéro interne et nature, séparés par "
                "des tirets (par exemple 062-226200012-20240325-2024_017-DE)."
            )
        return f"« {_shown(value)} » ({where}) n'a pas la forme que le schéma ACTES demande."
    if isinstance(validator, XsdMaxLengthFacet):
        return (
            f"« {_shown(value)} » ({where}) est trop long : {validator.value} caractères au plus."
        )
    if isinstance(validator, XsdMinLengthFacet):
        return (
            f"« {_shown(value)} » ({where}) est trop court : {validator.value} caractères au moins."
        )
    if isinstance(validator, XsdEnumerationFacets):
        return (
            f"« {_shown(value)} » ({where}) n'est pas une des valeurs que le schéma ACTES permet."
        )
    return f"Le contenu de l'{where} n'est pas conforme au schéma ACTES."


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
        root = ET.fromstring(message)
    except Exception as exc:  # not XML at all
        raise ActesError(f"{what} n'est pas un document XML lisible.") from exc
    try:
        error = next(iter(schema().iter_errors(message)), None)
    except (ArithmeticError, ValueError, TypeError) as exc:  # e.g. a year past 2³¹
        raise ActesError(
            f"{what} n'est pas un message {expected} valide : une de ses valeurs dépasse ce que "
            "le schéma ACTES sait lire (une année de plus de dix chiffres, par exemple)."
        ) from exc
    if error is not None:
        problem = schema_problem(error)
        if problem.startswith("Ce fichier n'est pas un message ACTES"):
            raise ActesError(problem)
        raise ActesError(f"{what} n'est pas un message {expected} valide : {_after_colon(problem)}")
    return root


# An `xsd:date` as the schema takes it: a year of four digits or more (negative ones too), and
# maybe a time zone, which says nothing of the calendar day that Pacte records.
XSD_DATE = re.compile(
    r"(?P<sign>-?)(?P<year>[0-9]{4,})-(?P<month>[0-9]{2})-(?P<day>[0-9]{2})"
    r"(?:Z|[+-][0-9]{2}:[0-9]{2})?",
    re.ASCII,
)


def xsd_day(text: str, what: str) -> datetime.date:
    """The calendar day of an `xsd:date` (its time zone set aside); ActesError (French, naming
    `what`) when Python's calendar does not hold it (years 1 to 9999) or it does not exist."""
    value = text.strip()
    found = XSD_DATE.fullmatch(value)
    if found is None:
        raise ActesError(f"« {_shown(value)} » ({what}) n'est pas une date de la forme AAAA-MM-JJ.")
    year = int(found["year"]) if len(found["year"]) < 8 else 0
    if found["sign"] or not 1 <= year <= 9999:
        raise ActesError(
            f"La date « {_shown(value)} » ({what}) n'est pas celle d'un message de la "
            "préfecture : Pacte enregistre les dates des années 1 à 9999."
        )
    try:
        return datetime.date(year, int(found["month"]), int(found["day"]))
    except ValueError as exc:
        raise ActesError(f"La date « {_shown(value)} » ({what}) n'existe pas.") from exc


def _day_or_none(text: str) -> datetime.date | None:
    try:
        return xsd_day(text, "")
    except ActesError:
        return None


ID_PARTS = ("département", "SIREN", "date de la décision", "numéro interne", "nature")


def identifier_problem(deliberation: Deliberation, given: str) -> str:
    """Why `given` is not the identifier ACTES gives this act — its form, or which of its parts
    (département, SIREN, date of the decision, internal number, nature DE) differ —, in
    French; "" when it is this act's."""
    expected = expected_actes_identifier(deliberation)
    if not ACTES_ID.fullmatch(given):
        return (
            f"« {_shown(given, 80)} » n'est pas un identifiant @CTES : il a la forme {expected} "
            "(département, SIREN, date de la décision, numéro interne, nature)."
        )
    differ = [
        f"{label} {mine} au lieu de {theirs}"
        for label, mine, theirs in zip(ID_PARTS, given.split("-"), expected.split("-"), strict=True)
        if mine != theirs
    ]
    if not differ:
        return ""
    return (
        f"L'accusé de réception « {given} » ne désigne pas la délibération "
        f"n°{deliberation.number} : son identifiant serait {expected} ({' ; '.join(differ)})."
    )


def _received_act(root: Any) -> tuple[str, str]:
    """(NumeroInterne, Date) of the act an answer of the préfecture quotes (`ActeRecu`)."""
    act = root.find(_q("ActeRecu"))
    if act is None:
        return "", ""
    return act.get(_q("NumeroInterne"), ""), act.get(_q("Date"), "")


def _is_this_act(root: Any, deliberation: Deliberation, *, matters: bool = False) -> bool:
    """Whether the act an answer quotes (`ActeRecu`) is this one: its internal number, the date
    of its decision (whatever time zone that date is written with) and its nature (a
    deliberation); with `matters`, the matters it was sent with too (an anomaly may quote an
    act whose matter is what is wrong)."""
    number, decided_on = _received_act(root)
    act = root.find(_q("ActeRecu"))
    if act is None or act.get(_q("CodeNatureActe"), "") != str(NATURE_DELIBERATION):
        return False
    if matters:
        quoted = [
            (level.get(_q("CodeMatiere")) or "").strip()
            for level in (act.find(_q(f"CodeMatiere{n}")) for n in range(1, 6))
            if level is not None
        ]
        try:
            sent = [str(code) for code in matter_codes(deliberation.subject_code)]
        except ActesError:
            return False
        if quoted != sent:
            return False
    return (
        number == actes_internal_number(deliberation)
        and _day_or_none(decided_on) == deliberation.report.sitting.held_on
    )


def _quoted_act(root: Any) -> str:
    number, decided_on = _received_act(root)
    return f"l'acte n°{_shown(number or '?', 20)} du {_french_iso(decided_on)}"


def _this_act(deliberation: Deliberation) -> str:
    return (
        f"la délibération n°{deliberation.number} (numéro interne "
        f"{actes_internal_number(deliberation)}, décidée le "
        f"{format_date(deliberation.report.sitting.held_on)})"
    )


def read_acknowledgement(message: bytes, deliberation: Deliberation) -> Acknowledgement:
    """An `ARActe` returned by the préfecture: valid against the schema, for this act (its
    identifier names this act), with its date of receipt. ActesError otherwise."""
    root = _parsed(message, "L'accusé de réception", "ARActe")
    if root.tag != _q("ARActe"):
        raise ActesError("Ce message n'est pas un accusé de réception d'acte (ARActe).")
    return _acknowledgement(root, deliberation)


def _acknowledgement(root: Any, deliberation: Deliberation) -> Acknowledgement:
    """The identifier must be the one ACTES gives this act — each of its parts — and the act the
    acknowledgement says it received (`ActeRecu`) this act."""
    actes_id = root.get(_q("IDActe"), "")
    problem = identifier_problem(deliberation, actes_id)
    if problem:
        raise ActesError(problem)
    if not _is_this_act(root, deliberation, matters=True):
        raise ActesError(
            f"L'accusé de réception « {actes_id} » dit avoir reçu {_quoted_act(root)}, pas "
            f"{_this_act(deliberation)} (numéro, date, nature et matière transmis)."
        )
    received = xsd_day(
        root.get(_q("DateReception"), ""), "date de réception de l'acte, attribut DateReception"
    )
    return Acknowledgement(actes_id=actes_id, received_on=received)


def _anomaly(root: Any, deliberation: Deliberation) -> Anomaly:
    if not _is_this_act(root, deliberation):
        raise ActesError(
            f"L'anomalie porte sur {_quoted_act(root)}, pas sur {_this_act(deliberation)}."
        )
    detail = " ".join((root.findtext(_q("Detail")) or "").split())
    return Anomaly(
        nature=(root.findtext(_q("Nature")) or "").strip(),
        detail=detail[:2000],
        reported_on=xsd_day(root.findtext(_q("Date")) or "", "date de l'anomalie, élément Date"),
    )


def _french_iso(day: str) -> str:
    found = _day_or_none(day)
    return format_date(found) if found else _shown(day or "?", 20)


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
    except Exception:  # noqa: BLE001 — not XML, or in an encoding Python does not know
        return False
    return root.tag in {_q("ARActe"), _q("AnomalieActe")} and _is_this_act(root, deliberation)


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
