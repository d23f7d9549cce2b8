"""Form fields for French users."""

from decimal import Decimal

from django import forms

SPACES = (" ", "\u00a0", "\u202f")


class FrenchDecimalField(forms.DecimalField):
    """A decimal typed the French way: « 1 250 000,50 » (spaces, non-breaking spaces and a
    decimal comma accepted), with messages in French figures."""

    widget = forms.TextInput

    def __init__(self, *args, min_value=None, **kwargs):
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("max_digits", 14)
        super().__init__(*args, **kwargs)
        self.min_value_fr = Decimal(str(min_value)) if min_value is not None else None
        self.widget.attrs.setdefault("inputmode", "decimal")

    def to_python(self, value):
        if isinstance(value, str):
            for space in SPACES:
                value = value.replace(space, "")
            value = value.replace(",", ".")
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        if value is not None and self.min_value_fr is not None and value < self.min_value_fr:
            shown = f"{self.min_value_fr:f}".replace(".", ",")
            raise forms.ValidationError(f"Saisissez un montant supérieur ou égal à {shown}.")

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        return attrs

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return f"{value:.2f}".replace(".", ",")
        return value
