"""The values of a history file's cells: amounts, dates, texts and categories as French
spreadsheets write them. A cell that cannot be read raises CellError, with its French message."""

import datetime
import re
from decimal import Decimal, InvalidOperation

from pacte.core.french import format_date
from pacte.core.money import CENT
from pacte.operations.financing import MONEY_LIMIT
from pacte.operations.models import Operation

from .reading import normalise_header

# JJ/MM/AAAA (a day or a month may have one digit) or AAAA-MM-JJ.
DATE_PATTERN = re.compile(
    r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})|(?P<y2>\d{4})-(?P<m2>\d{1,2})-(?P<d2>\d{1,2})"
)
# The dates a past generation's operation can carry: voted, signed or completed in this span.
EARLIEST = datetime.date(1950, 1, 1)
LATEST = datetime.date(2099, 12, 31)


class CellError(ValueError):
    pass


def shown(raw) -> str:
    """A cell's value as the messages quote it (and as the import keeps its source line)."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, datetime.datetime):
        raw = raw.date()
    if isinstance(raw, datetime.date):
        return format_date(raw)
    return str(raw).strip()


def quoted(raw) -> str:
    """A cell's value as an error message quotes it: a number of 300 digits is cut."""
    text = shown(raw)
    return text if len(text) <= 60 else f"{text[:57]}…"


def parse_amount(raw) -> Decimal:
    """1 250 000,00 €, 1250000.00, 1.250.000,00 or a spreadsheet number → Decimal, to the cent."""
    if isinstance(raw, bool):
        raise CellError(f"« {raw} » n'est pas un montant.")
    if isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))
        # Out of reach (or not a number) before any rounding: 1e30 has no cents to round to.
        if value.is_finite() and abs(value) < MONEY_LIMIT:
            rounded = value.quantize(CENT)
            if abs(value - rounded) < Decimal("0.000001"):  # a spreadsheet formula's noise
                value = rounded
    else:
        value = _amount_from_text(raw)
    if not value.is_finite():
        raise CellError(f"« {quoted(raw)} » n'est pas un montant.")
    if abs(value) >= MONEY_LIMIT:
        raise CellError(
            f"« {quoted(raw)} » : montant hors de portée (moins de 1 000 milliards d'euros)."
        )
    if value < 0:
        raise CellError(f"« {quoted(raw)} » : un montant ne peut pas être négatif.")
    if value != value.quantize(CENT):
        raise CellError(f"« {quoted(raw)} » : un montant s'écrit au centime près.")
    return value.quantize(CENT)


def _amount_from_text(raw) -> Decimal:
    text = re.sub(r"\s|€|eur(os?)?$", "", str(raw), flags=re.IGNORECASE)
    if "," in text and "." in text:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    else:
        text = text.replace(",", ".")
    if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
        raise CellError(f"« {quoted(raw)} » n'est pas un montant.")
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise CellError(f"« {quoted(raw)} » n'est pas un montant.") from exc


def parse_date(raw) -> datetime.date:
    day = _date(raw)
    if not EARLIEST <= day <= LATEST:
        raise CellError(
            f"« {quoted(raw)} » : une date entre le {format_date(EARLIEST)} et le "
            f"{format_date(LATEST)} est attendue."
        )
    return day


def _date(raw) -> datetime.date:
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    text = str(raw).strip()
    match = DATE_PATTERN.fullmatch(text)
    if match:
        day, month, year = (int(match[name] or match[f"{name}2"]) for name in ("d", "m", "y"))
        try:
            return datetime.date(year, month, day)
        except ValueError:
            pass
    raise CellError(f"« {quoted(raw)} » n'est pas une date (JJ/MM/AAAA).")


def parse_text(raw) -> str:
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw)
    if "\x00" in text:
        raise CellError("le texte contient un caractère nul, qu'aucun champ de Pacte n'accepte.")
    return re.sub(r"\s+", " ", text).strip()


def _category_lookup() -> dict[str, str]:
    lookup = {}
    for value, label in Operation.Category.choices:
        for key in (value, label, label.split(" (")[0]):
            lookup[normalise_header(key)] = value
    return lookup


CATEGORIES = _category_lookup()


def parse_category(raw) -> str:
    key = normalise_header(raw)
    if key in CATEGORIES:
        return CATEGORIES[key]
    codes = ", ".join(Operation.Category.values)
    raise CellError(f"« {quoted(raw)} » n'est pas une catégorie connue (codes : {codes}).")
