"""Checks of French identifiers, with messages in French."""

import re

from django.core.exceptions import ValidationError
from stdnum.fr import siren as stdnum_siren
from stdnum.fr import siret as stdnum_siret

RNA_PATTERN = re.compile(r"^W\d{9}$")


def compact(raw: str) -> str:
    return re.sub(r"[\s.\-]", "", raw or "").upper()


def validate_siren(raw: str) -> None:
    number = compact(raw)
    if not re.fullmatch(r"\d{9}", number):
        raise ValidationError("Le SIREN compte 9 chiffres.", code="siren_format")
    if not stdnum_siren.is_valid(number):
        raise ValidationError(
            "Ce SIREN n'est pas valide (clé de contrôle incorrecte).", code="siren_checksum"
        )


def validate_siret(raw: str) -> None:
    number = compact(raw)
    if not re.fullmatch(r"\d{14}", number):
        raise ValidationError("Le SIRET compte 14 chiffres.", code="siret_format")
    if not stdnum_siret.is_valid(number):
        raise ValidationError(
            "Ce SIRET n'est pas valide (clé de contrôle incorrecte).", code="siret_checksum"
        )


def validate_rna(raw: str) -> None:
    if not RNA_PATTERN.fullmatch(compact(raw)):
        raise ValidationError(
            "Le numéro RNA s'écrit W suivi de 9 chiffres (ex. W621000123).", code="rna_format"
        )
