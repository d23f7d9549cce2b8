import datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from pacte.core.french import (
    NBSP,
    NNBSP,
    format_date,
    format_date_words,
    format_integer,
    format_money,
    of,
    short_ordinal,
)


def test_money_in_french():
    assert format_money(Decimal("1250000")) == f"1{NNBSP}250{NNBSP}000,00{NBSP}€"
    assert format_money(Decimal("25400000.5")) == f"25{NNBSP}400{NNBSP}000,50{NBSP}€"
    assert format_money(Decimal("0.005")) == f"0,01{NBSP}€"
    assert format_money(Decimal("-12.3")) == f"-12,30{NBSP}€"
    assert format_money(None) == ""


def test_integers_and_dates():
    assert format_integer(1465278) == f"1{NNBSP}465{NNBSP}278"
    assert format_integer(999) == "999"
    assert format_date(datetime.date(2022, 9, 26)) == "26/09/2022"
    assert format_date_words(datetime.date(2022, 9, 26)) == "26 septembre 2022"
    assert format_date_words(datetime.date(2023, 3, 1)) == "1er mars 2023"


@given(st.decimals(min_value=-(10**12), max_value=10**12, places=2, allow_nan=False))
def test_money_reads_back_to_the_same_amount(amount):
    text = format_money(amount)
    assert text.endswith(f"{NBSP}€")
    digits = text.removesuffix(f"{NBSP}€").replace(NNBSP, "").replace(",", ".")
    assert Decimal(digits) == amount


def test_french_decimal_field_accepts_spaces_and_commas():
    from pacte.core.forms import FrenchDecimalField

    field = FrenchDecimalField(min_value=Decimal("0.01"))
    assert field.clean("1 250 000,50") == Decimal("1250000.50")
    assert field.clean(f"27{NNBSP}000,50") == Decimal("27000.50")
    assert field.clean(f"27{NBSP}000.5") == Decimal("27000.50")
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="supérieur ou égal à 0,01"):
        field.clean("-3")
    # Python's Decimal reads these; a French amount does not.
    for raw in ["1_000", "\uff11\uff12", "\u0661\u0662", "1e3", "Infinity", "NaN"]:
        with pytest.raises(ValidationError, match="Saisissez un nombre"):
            field.clean(raw)
    assert 'type="text"' in field.widget.render("x", Decimal("12.5"))


def test_short_ordinals_are_french():
    assert [short_ordinal(1), short_ordinal(1, feminine=True), short_ordinal(2)] == [
        "1er",
        "1re",
        "2e",
    ]
    from pacte.assembly.models import ThematicCommission
    from pacte.territory.models import Councillor

    assert str(ThematicCommission(number=1, name="Attractivité")) == (
        "1re commission « Attractivité »"
    )
    vice = Councillor(civility=Councillor.Civility.MRS, function=Councillor.Function.VICE_PRESIDENT)
    vice.function_rank = 1
    assert vice.function_label == "1re vice-présidente"
    vice.civility, vice.function_rank = Councillor.Civility.MR, 1
    assert vice.function_label == "1er vice-président"


def test_de_is_elided_before_a_vowel_or_a_mute_h():
    assert [of("Lens"), of("Arras"), of("Étaples"), of("Hénin-Beaumont")] == [
        "de Lens",
        "d'Arras",
        "d'Étaples",
        "d'Hénin-Beaumont",
    ]


def test_quantities_keep_the_decimals_they_have():
    from pacte.core.french import format_quantity

    assert [format_quantity(Decimal(v)) for v in ["350.00", "12.50", "0.25", "12500"]] == [
        "350",
        "12,5",
        "0,25",
        f"12{NNBSP}500",
    ]
    assert format_quantity(None) == ""


def test_organisations_named_by_a_common_noun_take_its_article():
    from pacte.core.french import with_article

    assert [
        with_article(name)
        for name in [
            "Communauté de communes des 7 Vallées",
            "Syndicat mixte du Montreuillois",
            "Association Les Jardins",
            "Lens",
        ]
    ] == [
        "la Communauté de communes des 7 Vallées",
        "le Syndicat mixte du Montreuillois",
        "l'Association Les Jardins",
        "Lens",
    ]


def test_no_template_lets_a_quotation_mark_stand_alone_at_a_line_end():
    """« and » hold to their words with no-break spaces in every template's own text."""
    from pathlib import Path

    import pacte

    loose = [
        f"{path.relative_to(Path(pacte.__file__).parent)}:{number}"
        for path in Path(pacte.__file__).parent.rglob("templates/**/*")
        if path.suffix in {".html", ".txt"}
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "« " in line or " »" in line
    ]
    assert not loose


def test_no_template_comment_spreads_over_lines():
    """A Django comment `{# … #}` ends on the line it starts; one spread over several lines is
    printed to the user as it stands (English notes on a French page): longer notes take
    `{% comment %}`."""
    from pathlib import Path

    import pacte

    root = Path(pacte.__file__).parent
    unclosed = [
        f"{path.relative_to(root)}:{number}"
        for path in root.rglob("templates/**/*")
        if path.suffix in {".html", ".txt"}
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "{#" in line and "#}" not in line.split("{#", 1)[1]
    ]
    assert not unclosed
