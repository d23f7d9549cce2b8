"""The matter of an act in the classification the préfecture gives for @CTES (A13): the
nomenclature's two levels (« 7.5 » : subventions), then up to three levels of the préfecture's own
subdivisions (« 7.10.2 », « 1.1.1.1 »). The ACTES schema has one `CodeMatiere1`…`CodeMatiere5`
element per level, the first two required, each an `xsd:integer` it does not bound: Pacte takes
numbers of 1 to 999, written without a leading zero, as the classifications write them."""

import re

from django.core.exceptions import ValidationError

LEVELS = (2, 5)
MATTER = re.compile(r"[1-9][0-9]{0,2}(?:\.[1-9][0-9]{0,2}){1,4}", re.ASCII)
# Five numbers of three digits and the four points between them.
MAX_LENGTH = 5 * 3 + 4
EXAMPLES = "par exemple 7.5 ou 7.10.2"


def problem(code: str) -> str:
    """Why `code` is not a matter of the classification, in French; "" when it is one."""
    if not code.strip():
        return (
            "Indiquez la matière de l'acte dans la classification @CTES que la préfecture a "
            f"transmise ({EXAMPLES}) : elle n'est pas laissée vide."
        )
    if MATTER.fullmatch(code):
        return ""
    shown = code if len(code) <= 30 else code[:29] + "…"
    return (
        f"La matière « {shown} » n'est pas un code de la classification @CTES à deux niveaux au "
        "moins et cinq au plus, séparés par des points, chacun un nombre de 1 à 999 sans zéro "
        f"en tête ({EXAMPLES})."
    )


def levels(code: str) -> list[int]:
    """« 7.10.2 » → [7, 10, 2]; ValueError (French) when `code` is not a matter."""
    refusal = problem(code)
    if refusal:
        raise ValueError(refusal)
    return [int(part) for part in code.split(".")]


def validate(code: str) -> None:
    """The model field's validator (the administration's forms)."""
    refusal = problem(code)
    if refusal:
        raise ValidationError(refusal, code="matter")
