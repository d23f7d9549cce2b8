"""What the API accepts, and how it says no, in French.

`Input` is the base of every request body: no text in it may hold a NUL character (PostgreSQL
refuses one in any text, and no field of Pacte means one). `validation_refusal` turns the
validation errors of a request into the API's 422 answer: `detail` a French sentence, `errors`
the field-by-field list (`loc`, `message`)."""

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

from ninja import Schema
from pydantic import field_validator

_T = TypeVar("_T")

NUL_MESSAGE = "ce texte contient un caractère nul, qu'aucun champ de Pacte n'accepte"

MESSAGES = {
    "missing": "champ obligatoire",
    "int_parsing": "un nombre entier est attendu",
    "int_type": "un nombre entier est attendu",
    "int_from_float": "un nombre entier est attendu",
    "float_parsing": "un nombre est attendu",
    "decimal_parsing": "un montant est attendu",
    "decimal_type": "un montant est attendu",
    "decimal_max_digits": "montant trop grand",
    "decimal_max_places": "trop de décimales (deux au plus)",
    "decimal_whole_digits": "montant trop grand",
    "finite_number": "un nombre fini est attendu",
    "string_type": "un texte est attendu",
    "string_too_long": "texte trop long",
    "bool_parsing": "vrai ou faux est attendu",
    "date_parsing": "une date AAAA-MM-JJ est attendue",
    "date_from_datetime_parsing": "une date AAAA-MM-JJ est attendue",
    "datetime_parsing": "une date et heure ISO 8601 est attendue",
    "time_parsing": "une heure HH:MM est attendue",
    "list_type": "une liste est attendue",
    "dict_type": "un objet JSON est attendu",
    "model_attributes_type": "un objet JSON est attendu",
    "json_invalid": "le corps n'est pas du JSON valide",
    "greater_than": "valeur trop petite",
    "greater_than_equal": "valeur trop petite",
    "less_than": "valeur trop grande",
    "less_than_equal": "valeur trop grande",
    "enum": "valeur non prévue",
    "literal_error": "valeur non prévue",
}


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set):
        return any(_has_nul(item) for item in value)
    return False


class Input(Schema):
    """A request body (see the module's docstring)."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: _T) -> _T:
        if _has_nul(value):
            raise ValueError(NUL_MESSAGE)
        return value


# One validation error as pydantic (through ninja) reports it: type, loc, msg, ctx…
_Error = Mapping[str, Any]


def _message(error: _Error) -> str:
    if error.get("type") == "value_error":
        text: str = str(error.get("ctx", {}).get("error", "")) or error.get("msg", "")
        return text.removeprefix("Value error, ")
    return MESSAGES.get(error.get("type", ""), "valeur invalide")


def _place(loc: Sequence[object]) -> str:
    # ninja prefixes the location with where it was read: body, query, path, form, file.
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(parts) or "requête"


def validation_refusal(errors: Sequence[_Error]) -> dict[str, Any]:
    """The 422 body for pydantic `errors`, in French."""
    listed = [{"loc": list(e.get("loc", ())), "message": _message(e)} for e in errors]
    summary = " ; ".join(f"{_place(e['loc'])} : {e['message']}" for e in listed)
    return {"detail": f"Requête refusée — {summary}.", "errors": listed}
