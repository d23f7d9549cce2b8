"""Money: Decimal to the cent, in fields sized by one constant. Never float."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import models

MONEY_MAX_DIGITS = 14  # up to 999 999 999 999,99 €
CENT = Decimal("0.01")


def MoneyField(verbose_name: str, **kwargs) -> models.DecimalField:  # noqa: N802
    kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", 2)
    return models.DecimalField(verbose_name, **kwargs)


def cents(value) -> Decimal:
    """Round to the cent, half up: the one documented rounding step of amounts."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole as a percentage with two decimals, or None when whole is zero."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)
