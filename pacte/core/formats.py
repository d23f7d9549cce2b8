"""French formats for what users read: 1 250 000,00 €, 26/09/2022, 12 345 habitants."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"
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


def format_integer(value) -> str:
    if value is None or value == "":
        return ""
    number = int(value)
    sign = "-" if number < 0 else ""
    return sign + group_thousands(str(abs(number)))


def format_decimal(value, places: int = 2) -> str:
    if value is None or value == "":
        return ""
    quantum = Decimal(1).scaleb(-places)
    number = Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)
    sign = "-" if number < 0 else ""
    integer, _, fraction = f"{abs(number):f}".partition(".")
    text = group_thousands(integer)
    return sign + (f"{text},{fraction}" if places else text)


def format_money(value) -> str:
    """1250000 → '1 250 000,00 €' (narrow no-break spaces, as the Imprimerie nationale writes)."""
    if value is None or value == "":
        return ""
    return f"{format_decimal(value, 2)}{NBSP}€"


def format_date(value) -> str:
    """A date (or aware datetime, or ISO date string from stored JSON) as 26/09/2022."""
    if not value:
        return ""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value[:10])
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        value = timezone.localtime(value).date()
    return value.strftime("%d/%m/%Y")


def format_date_words(value: datetime.date) -> str:
    """26 septembre 2022; the first day of a month is written 1er."""
    if not value:
        return ""
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day so many months later (the month's last day when it has fewer days)."""
    import calendar

    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )
