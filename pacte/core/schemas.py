"""What the API accepts, and how it says no, in French.

`Input` is the base of every request body: no text in it may hold a NUL character (PostgreSQL
refuses one in any text, and no field of Pacte means one), another control character (tab and
line breaks aside) nor a lone surrogate (half of a UTF-16
pair, which JSON can spell `\\ud800` but no database can store). What reaches the database
declares its bounds: `Id` (64 bits), `IdFilter` (a list's filter, ignored beyond them), `Amount`
(money: 14 digits, 2 of them decimals), `column` (a text as long as its column at most);
`ClockTime` is sent as it is declared ("HH:MM"). `validation_refusal` turns the validation errors
of a request into the API's 422 answer: `detail` a French sentence, `errors` the field-by-field
list (`loc`, `message`); `error_responses` documents every refusal of an operation."""

import datetime
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Annotated, Any, TypeVar

from django.db.models import Model
from ninja import Schema
from pydantic import AfterValidator, Field, PlainSerializer, WithJsonSchema, field_validator

from .french import format_money
from .ids import MAX_ID, valid_id
from .money import MAX_AMOUNT, MONEY_MAX_DIGITS

_T = TypeVar("_T")

NUL_MESSAGE = "ce texte contient un caractère nul, qu'aucun champ de Pacte n'accepte"
SURROGATE_MESSAGE = (
    "ce texte contient une demi-paire de substitution UTF-16 (\\ud800 à \\udfff) qui ne désigne "
    "aucun caractère, qu'aucun champ de Pacte n'accepte"
)

# A database id in a request body: what does not fit in 64 bits designates nothing (422).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


def _designated(value: int | None) -> int | None:
    return None if value is None else valid_id(value)


# A database id in a list's filter (`?partenaire=12`): as on the pages, an id that cannot be one
# (0, negative, beyond 64 bits) filters nothing and is ignored.
IdFilter = Annotated[
    int | None,
    AfterValidator(_designated),
    WithJsonSchema(
        {
            "type": "integer",
            "description": "Un identifiant ; hors de 1 à 2⁶³ − 1, le filtre est ignoré.",
        }
    ),
]

# Money as the database holds it: at most 14 digits, 2 of them after the point.
_AMOUNT_TEXT = rf"^-?[0-9]{{1,{MONEY_MAX_DIGITS - 2}}}(\.[0-9]{{1,2}})?$"
Amount = Annotated[
    Decimal,
    Field(max_digits=MONEY_MAX_DIGITS, decimal_places=2, allow_inf_nan=False),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "number",
                    "minimum": -float(MAX_AMOUNT),
                    "maximum": float(MAX_AMOUNT),
                    "multipleOf": 0.01,
                },
                {"type": "string", "pattern": _AMOUNT_TEXT},
            ],
            "description": 'Un montant en euros, au centime : 1234.5 ou "1234.50".',
        }
    ),
]


def column(model: type[Model], name: str, default: Any = ...) -> Any:
    """A text member bounded as the column it is written to (`model.name`): PostgreSQL refuses a
    longer text, so the API does first, in French (422) — and documents the bound."""
    max_length: int | None = getattr(model._meta.get_field(name), "max_length", None)
    return Field(default, max_length=max_length)


# A time of day, sent and declared as "HH:MM" (Europe/Paris, as every time of Pacte).
ClockTime = Annotated[
    datetime.time,
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$",
            "description": "Une heure, HH:MM (heure de Paris).",
        }
    ),
]

MESSAGES = {
    "missing": "champ obligatoire",
    "int_parsing": "un nombre entier est attendu",
    "int_type": "un nombre entier est attendu",
    "int_from_float": "un nombre entier est attendu",
    "float_parsing": "un nombre est attendu",
    "decimal_parsing": "un montant est attendu",
    "decimal_type": "un montant est attendu",
    "decimal_max_digits": f"{MONEY_MAX_DIGITS} chiffres au plus, dont deux après la virgule",
    "decimal_max_places": "trop de décimales (deux au plus)",
    "decimal_whole_digits": f"montant trop grand ({format_money(MAX_AMOUNT)} au plus)",
    "finite_number": "un nombre fini est attendu",
    "int_parsing_size": "nombre trop grand",
    "float_type": "un nombre est attendu",
    "string_type": "un texte est attendu",
    "string_unicode": "un texte lisible est attendu (UTF-8, sans demi-paire de substitution)",
    "string_too_long": "texte trop long ({max_length} caractères au plus)",
    "string_too_short": "texte trop court",
    "string_pattern_mismatch": "format non reconnu",
    "too_long": "trop d'éléments ({max_length} au plus)",
    "too_short": "trop peu d'éléments",
    "bool_type": "vrai ou faux est attendu",
    "date_type": "une date AAAA-MM-JJ est attendue",
    "date_from_datetime_inexact": "une date AAAA-MM-JJ est attendue",
    "datetime_type": "une date et heure ISO 8601 est attendue",
    "time_type": "une heure HH:MM est attendue",
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


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple | set | frozenset):
        return [text for item in value for text in _texts(item)]
    if isinstance(value, dict):
        return [text for pair in value.items() for item in pair for text in _texts(item)]
    return []


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


# Control characters that no text of Pacte means (tab, line feed and carriage return aside):
# typed by no keyboard, they break documents and spreadsheets downstream.
CONTROL = re.compile("[\x01-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_message(character: str) -> str:
    return (
        f"ce texte contient un caractère de contrôle (U+{ord(character):04X}), qu'aucun champ de "
        "Pacte n'accepte"
    )


def unreadable_text(value: Any) -> str | None:
    """Why a text (or a text inside a list or a dict) cannot be stored, or None."""
    texts = _texts(value)
    if any("\x00" in text for text in texts):
        return NUL_MESSAGE
    if any(_has_surrogate(text) for text in texts):
        return SURROGATE_MESSAGE
    for text in texts:
        found = CONTROL.search(text)
        if found:
            return control_message(found.group())
    return None


class Input(Schema):
    """A request body (see the module's docstring)."""

    @field_validator("*", mode="after")
    @classmethod
    def _storable_texts(cls, value: _T) -> _T:
        refusal = unreadable_text(value)
        if refusal:
            raise ValueError(refusal)
        return value


# One validation error as pydantic (through ninja) reports it: type, loc, msg, ctx…
_Error = Mapping[str, Any]


def _message(error: _Error) -> str:
    if error.get("type") == "value_error":
        text: str = str(error.get("ctx", {}).get("error", "")) or error.get("msg", "")
        return text.removeprefix("Value error, ")
    message = MESSAGES.get(error.get("type", ""), "valeur invalide")
    return message.format(**error.get("ctx", {})) if "{" in message else message


def _place(loc: Sequence[object]) -> str:
    # ninja prefixes the location with where it was read: body, query, path, form, file.
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(parts) or "requête"


def _printable(part: object) -> object:
    # A key of the request may itself hold a lone surrogate: shown as « ? », never echoed raw.
    if isinstance(part, str):
        return part.encode("utf-8", "replace").decode("utf-8")
    return part


def validation_refusal(errors: Sequence[_Error]) -> dict[str, Any]:
    """The 422 body for pydantic `errors`, in French."""
    listed = [
        {"loc": [_printable(p) for p in e.get("loc", ())], "message": _message(e)} for e in errors
    ]
    summary = " ; ".join(f"{_place(e['loc'])} : {e['message']}" for e in listed)
    return {"detail": f"Requête refusée — {summary}.", "errors": listed}


# --- The refusals, as the OpenAPI description documents them ----------------------------

_DETAIL = {"type": "string", "description": "Pourquoi, en français."}
ERROR_SCHEMAS: dict[str, Any] = {
    "Refusal": {
        "title": "Refusal",
        "description": "Un refus, expliqué en français.",
        "type": "object",
        "properties": {"detail": _DETAIL},
        "required": ["detail"],
    },
    "InvalidRequest": {
        "title": "InvalidRequest",
        "description": (
            "Une requête refusée : `detail` en français et, quand des champs sont en cause, "
            "`errors` les nomme un par un."
        ),
        "type": "object",
        "properties": {
            "detail": _DETAIL,
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "loc": {
                            "type": "array",
                            "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                            "description": "Où : body, query ou path, puis le champ.",
                        },
                        "message": {"type": "string"},
                    },
                    "required": ["loc", "message"],
                },
            },
        },
        "required": ["detail"],
    },
}

_REFUSALS = {
    "400": "Requête illisible : corps qui n'est pas du JSON, caractère nul dans l'adresse.",
    "401": "Authentification requise : jeton absent, inconnu, expiré ou révoqué.",
    "403": "Refusé : votre rôle ne le permet pas, ou un jeton en lecture seule pour une écriture.",
    "404": "Introuvable : l'objet n'existe pas, ou vous ne pouvez pas le voir.",
    "413": "Requête trop lourde.",
    "422": "Requête refusée : un champ invalide (`errors`) ou une règle de gestion.",
    "503": "Base de données occupée par une longue écriture, ou qui ne répond pas : rien n'a "
    "été enregistré ; réessayez après le délai de l'en-tête `Retry-After`.",
}


def error_responses(*, has_body: bool) -> dict[str, Any]:
    """The refusals every operation may give (413 only for one that reads a body)."""
    responses = {}
    for status, description in _REFUSALS.items():
        if status == "413" and not has_body:
            continue
        name = "InvalidRequest" if status == "422" else "Refusal"
        responses[status] = {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}},
        }
    return responses
