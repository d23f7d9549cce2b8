"""Money: Decimal to the cent, in fields sized by one constant. Never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Literal, TypeAlias, overload

from django.db import models
from django.db.models.expressions import Combinable

MONEY_MAX_DIGITS = 14  # up to 999 999 999 999,99 €
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal(10 ** (MONEY_MAX_DIGITS - 2)) - CENT

# What a money field accepts (never a float) and what it gives back. (Strings: DecimalField
# takes no type arguments when the program runs.)
_Amount: TypeAlias = Decimal | int | str | Combinable
AmountField: TypeAlias = "models.DecimalField[_Amount, Decimal]"
OptionalAmountField: TypeAlias = "models.DecimalField[_Amount | None, Decimal | None]"


@overload
def MoneyField(  # noqa: N802
    verbose_name: str, *, null: Literal[False] = False, **kwargs: Any
) -> AmountField: ...
@overload
def MoneyField(  # noqa: N802
    verbose_name: str, *, null: Literal[True], **kwargs: Any
) -> OptionalAmountField: ...
def MoneyField(  # noqa: N802
    verbose_name: str, *, null: bool = False, **kwargs: Any
) -> AmountField | OptionalAmountField:
    kwargs["null"] = null
    kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
    kwargs.setdefault("decimal_places", 2)
    return models.DecimalField(verbose_name, **kwargs)


def fits(value: Decimal) -> bool:
    """Whether `value` is a number that a money field holds: finite, within ± MAX_AMOUNT (to
    be checked before `cents`, which cannot round what it cannot hold)."""
    return value.is_finite() and value.copy_abs() <= MAX_AMOUNT  # no rounding, no overflow


def cents(value: Decimal | int | str) -> Decimal:
    """Round to the cent, half up: the one documented rounding step of amounts. An amount
    beyond what a money field holds (see `fits`) raises `decimal.InvalidOperation`."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """part / whole as a percentage with two decimals, or None when whole is zero."""
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)
