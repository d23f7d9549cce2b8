"""Validation of an SCDL file against its official schema with frictionless, including the
schema's `custom_checks` (french-siret-value, one-of-required), which frictionless does not
know by itself: they are written here as frictionless checks, from the schema's own list."""

import json
from pathlib import Path

import attrs
from frictionless import Checklist, Resource, Schema, errors
from frictionless.checklist import Check
from stdnum.fr import siret

SCHEMA_FILE = (
    Path(__file__).resolve().parents[2]
    / "pacte"
    / "pilotage"
    / "data"
    / "scdl"
    / "subventions-schema-2.1.1.json"
)


class SiretError(errors.CellError):
    type = "french-siret-value"
    title = "SIRET invalide"
    description = "Le SIRET compte 14 chiffres et sa clé de contrôle est juste."
    template = "{note}"


class OneOfRequiredError(errors.RowError):
    type = "one-of-required"
    title = "Une des deux colonnes est requise"
    description = "Au moins une des deux colonnes est remplie."
    template = "{note}"


@attrs.define(kw_only=True, repr=False)
class french_siret_value(Check):  # noqa: N801 — frictionless names checks this way
    type = "french-siret-value"
    Errors = [SiretError]
    column: str

    def validate_row(self, row):
        value = row[self.column]
        if value not in (None, "") and not siret.is_valid(str(value)):
            yield SiretError.from_row(
                row, note=f"« {value} » n'est pas un SIRET valide", field_name=self.column
            )


@attrs.define(kw_only=True, repr=False)
class one_of_required(Check):  # noqa: N801
    type = "one-of-required"
    Errors = [OneOfRequiredError]
    column1: str
    column2: str

    def validate_row(self, row):
        if row[self.column1] in (None, "") and row[self.column2] in (None, ""):
            yield OneOfRequiredError.from_row(
                row, note=f"{self.column1} ou {self.column2} doit être rempli"
            )


CUSTOM = {"french-siret-value": french_siret_value, "one-of-required": one_of_required}


def validate_scdl(data: bytes):
    """The frictionless report of `data` (CSV bytes) against the SCDL subventions schema."""
    descriptor = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    checks = [CUSTOM[c["name"]](**c["params"]) for c in descriptor["custom_checks"]]
    resource = Resource(
        data=data, format="csv", encoding="utf-8", schema=Schema.from_descriptor(descriptor)
    )
    return resource.validate(checklist=Checklist(checks=checks))


def error_summary(report) -> list[tuple]:
    return [tuple(e) for e in report.flatten(["rowNumber", "fieldName", "type"])]
