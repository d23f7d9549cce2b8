"""Pacte's one home for French as users read it: figures and dates (1 250 000,00 €, 26/09/2022,
12 345 habitants), numbers and amounts in words (un-million-deux-cent-cinquante-mille euros,
« plus de 237 millions d'euros »), ordinals, and the typography of the documents (no-break
spaces before « ; : ! ? » and inside quotes)."""

import datetime
import re
import unicodedata
from collections.abc import Callable
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import TypeAlias, TypeVar, cast

# A figure as the pages and documents hold it (a template may also hand an empty string).
Number: TypeAlias = int | float | Decimal | str | None

_T = TypeVar("_T")

# A no-break space, not the narrow one, in the documents: PDF readers take a narrow space for
# no space at all.
NBSP = "\u00a0"
MILLION = Decimal(1_000_000)
NNBSP = "\u202f"  # narrow no-break space, the French thousands separator

MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]

# Abbreviated, for the axes of charts.
SHORT_MONTHS = [
    "janv.",
    "févr.",
    "mars",
    "avr.",
    "mai",
    "juin",
    "juil.",
    "août",
    "sept.",
    "oct.",
    "nov.",
    "déc.",
]


def group_thousands(digits: str, sep: str = NNBSP) -> str:
    head = len(digits) % 3 or 3
    parts = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return sep.join(parts)


def format_integer(value: Number) -> str:
    if value is None or value == "":
        return ""
    number = int(value)
    sign = "-" if number < 0 else ""
    return sign + group_thousands(str(abs(number)))


def format_decimal(value: Number, places: int = 2) -> str:
    if value is None or value == "":
        return ""
    quantum = Decimal(1).scaleb(-places)
    number = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    integer, _, fraction = f"{abs(number):f}".partition(".")
    text = group_thousands(integer)
    return sign + (f"{text},{fraction}" if places else text)


def format_quantity(value: Number) -> str:
    """A measured quantity with the decimals it has: 350 → « 350 », 12,50 → « 12,5 »."""
    if value is None or value == "":
        return ""
    number = Decimal(value)
    places = next((p for p in (0, 1) if number == number.quantize(Decimal(1).scaleb(-p))), 2)
    return format_decimal(number, places)


def format_mebibytes(size: int) -> str:
    """A size in bytes as Mio: « 2,5 » for 2,5 Mio, « 25 » for 25 — a tenth where it tells a
    size from its limit."""
    value = size / (1024 * 1024)
    if value >= 10 or value == int(value):
        return format_integer(max(1, round(value)))
    return format_decimal(value, 1)


def format_money(value: Number) -> str:
    """1250000 → '1 250 000,00 €' (narrow no-break spaces, as the Imprimerie nationale writes)."""
    if value is None or value == "":
        return ""
    return f"{format_decimal(value, 2)}{NBSP}€"


def format_date(value: datetime.date | str | None) -> str:
    """A date (or aware datetime, or ISO date string from stored JSON) as 26/09/2022."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value[:10])
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        value = timezone.localtime(value).date()
    return value.strftime("%d/%m/%Y")


def format_date_words(value: datetime.date | None) -> str:
    """26 septembre 2022; the first day of a month is written 1er."""
    if not value:
        return ""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


# --- Words ---------------------------------------------------------------------------------


UNITS = [
    "",
    "un",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
    "dix-sept",
    "dix-huit",
    "dix-neuf",
]


TENS = {2: "vingt", 3: "trente", 4: "quarante", 5: "cinquante", 6: "soixante"}


def _below_100(n: int) -> str:
    if n < 20:
        return UNITS[n]
    tens, unit = divmod(n, 10)
    if tens in (7, 9):
        base = "soixante" if tens == 7 else "quatre-vingt"
        rest = _below_100(10 + unit)
        return f"{base}-et-{rest}" if tens == 7 and unit == 1 else f"{base}-{rest}"
    if tens == 8:
        return "quatre-vingts" if unit == 0 else f"quatre-vingt-{UNITS[unit]}"
    if unit == 0:
        return TENS[tens]
    return f"{TENS[tens]}-et-un" if unit == 1 else f"{TENS[tens]}-{UNITS[unit]}"


def _below_1000(n: int) -> str:
    hundreds, rest = divmod(n, 100)
    if hundreds == 0:
        return _below_100(rest)
    head = "cent" if hundreds == 1 else f"{UNITS[hundreds]}-cent" + ("s" if rest == 0 else "")
    return head if rest == 0 else f"{head}-{_below_100(rest)}"


def number_in_words(n: int) -> str:
    """French spelling (1990 rules, hyphens everywhere): 1 250 000 → un-million-deux-cent-
    cinquante-mille."""
    if n == 0:
        return "zéro"
    parts = []
    for value, singular, plural in [
        (10**9, "milliard", "milliards"),
        (10**6, "million", "millions"),
    ]:
        count, n = divmod(n, value)
        if count:
            parts.append(f"{number_in_words(count)}-{singular if count == 1 else plural}")
    thousands, n = divmod(n, 1000)
    if thousands:
        parts.append("mille" if thousands == 1 else f"{_below_1000(thousands)}-mille")
    if n:
        parts.append(_below_1000(n))
    return "-".join(parts)


def amount_in_words(amount: Decimal) -> str:
    euros = int(amount)
    cents = int((amount - euros) * 100)
    text = f"{number_in_words(euros)} euro{'s' if euros > 1 else ''}"
    if cents:
        text += f" et {number_in_words(cents)} centime{'s' if cents > 1 else ''}"
    return text


def _floor(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_DOWN)


def count_words(count: int) -> str:
    """104 → « plus de 100 opérations »; 37 → « plus de 30 opérations »; 7 → « 7 opérations »."""
    step = 100 if count >= 100 else 10 if count >= 20 else 1
    floor = count - count % step
    noun = "opération" if count == 1 else "opérations"
    if floor == count:
        return f"{format_integer(count)} {noun}"
    return f"plus de {format_integer(floor)} {noun}"


def amount_words(amount: Decimal, *, more_than: bool) -> str:
    """25 406 350 € → « 25,4 millions d'euros »; with `more_than`, rounded down and said so:
    237 912 000 € → « plus de 237 millions d'euros »."""
    amount = Decimal(amount)
    if amount < MILLION:
        thousands = _floor(amount / 1000, 0) * 1000 if more_than else amount.quantize(Decimal(1))
        text = f"{format_integer(thousands)} euros"
        exact = thousands == amount
    else:
        millions = amount / MILLION
        places = 0 if millions >= 100 else 1
        if more_than:
            shown = _floor(millions, places)
        else:
            shown = millions.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        unit = "million" if shown < 2 else "millions"
        text = f"{format_decimal(shown, places)} {unit} d'euros"
        exact = shown * MILLION == amount
    return text if not more_than or exact else f"plus de {text}"


# --- Typography of the documents ----------------------------------------------------------


def of(name: str) -> str:
    """« de Lens », « d'Arras », « d'Hénin-Beaumont »: the preposition elided before a vowel
    or a mute h (names are taken as starting with one)."""
    first = unicodedata.normalize("NFD", name[:1])[:1].lower()
    return f"d'{name}" if first in "aeiouyh" and name else f"de {name}"


# Organisations named by a common noun take its article (« la Communauté urbaine d'Arras »);
# a proper name takes none (« Lens »).
_ARTICLES = {
    "la ": ("Communauté", "Commune", "Métropole", "Maison", "Fédération", "Régie", "Ville"),
    "le ": ("Syndicat", "Pôle", "Parc", "Pays", "Groupement", "Centre", "Comité", "Conseil"),
    "l'": ("Association", "Agence", "Office", "Établissement", "Union", "EPCI"),
}


def with_article(name: str) -> str:
    """« porté par la Communauté de communes… », « par l'Association… », « par Lens »."""
    first = name.split(" ", 1)[0].split("'", 1)[0]
    for article, nouns in _ARTICLES.items():
        if first in nouns:
            return article + name
    return name


def short_ordinal(number: int, *, feminine: bool = False) -> str:
    """1er, 1re, 2e, 5e: the French abbreviated ordinal (« 1re vice-présidente »)."""
    if number == 1:
        return "1re" if feminine else "1er"
    return f"{number}e"


def ordinal(number: int) -> str:
    """1ère, 2ème, 5ème: as the assembly's documents write the commissions' numbers."""
    return "1ère" if number == 1 else f"{number}ème"


def capitals(text: str) -> str:
    """Capitals without accents, as the documents' headings are typed (« REUNION DU … »)."""
    decomposed = unicodedata.normalize("NFD", text.upper())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def format_time(value: datetime.time | datetime.datetime | None) -> str:
    """10 h 05 (an aware datetime is read in Paris time)."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime) and value.tzinfo is not None:
        from django.utils import timezone

        value = timezone.localtime(value)
    return f"{value.hour} h {value.minute:02d}"


def format_datetime(value: datetime.datetime | None) -> str:
    """26/09/2022 à 10 h 05, in Paris time."""
    return f"{format_date(value)} à {format_time(value)}" if value else ""


def votes(count: int) -> str:
    return f"{count} voix"


FRENCH_SPACES = [
    (re.compile(r" ([;:!?»…%])"), NBSP + r"\1"),
    (re.compile(r"« "), "«" + NBSP),
]


def french_spacing(value: _T) -> _T:
    """No line starts with « ; », « : », « » » or « … », nor ends with « « »: the spaces before
    them become no-break spaces, in every string of the data."""
    return _each_string(value, _spaced)


def curly_apostrophes(value: _T) -> _T:
    """Every apostrophe of the data typographic (« l’opération », « d’Arras »): a text mixing
    what is typed or imported with what the templates write reads with one kind."""
    return _each_string(value, lambda text: text.replace("'", "’"))


def _each_string(value: _T, change: Callable[[str], str]) -> _T:
    # The data keeps its shape: a string stays a string, a list a list, a dict a dict.
    return cast(_T, _changed(value, change))


def _changed(value: object, change: Callable[[str], str]) -> object:
    if isinstance(value, str):
        return change(value)
    if isinstance(value, list):
        return [_changed(v, change) for v in value]
    if isinstance(value, dict):
        return {k: _changed(v, change) for k, v in value.items()}
    return value


def _spaced(value: str) -> str:
    for pattern, replacement in FRENCH_SPACES:
        value = pattern.sub(replacement, value)
    return value


def plural_suffix(count: object, suffix: str = "s") -> str:
    """French plural: `suffix` from 2 on (0 and 1 take the singular: « 0 document »)."""
    try:
        return suffix if abs(float(count)) >= 2 else ""  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
