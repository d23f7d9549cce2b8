"""Form fields for French users."""

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils import timezone

from .french import format_date
from .ids import valid_id
from .models import ApiToken, User

SPACES = (" ", "\u00a0", "\u202f")
PLAIN_DECIMAL = re.compile(r"[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)")

if TYPE_CHECKING:  # the model fields take no type arguments when the program runs
    _ModelChoiceField = forms.ModelChoiceField[Model]
    _ModelMultipleChoiceField = forms.ModelMultipleChoiceField[Model]
else:
    _ModelChoiceField = forms.ModelChoiceField
    _ModelMultipleChoiceField = forms.ModelMultipleChoiceField


class IdChoiceField(_ModelChoiceField):
    """A choice among objects whose id, sent by the browser, may be anything: a number out of
    the database's range is an invalid choice, like an unknown one (not a server error)."""

    def to_python(self, value: Any) -> Model | None:
        if value not in self.empty_values and valid_id(value) is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice")
        return super().to_python(value)


class IdMultipleChoiceField(_ModelMultipleChoiceField):
    """Several such choices (see IdChoiceField)."""

    def _check_values(self, value: Iterable[object]) -> QuerySet[Model]:
        for pk in value:
            if valid_id(pk) is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": str(pk)[:20]},
                )
        # Django's own check, private: django-stubs does not declare it.
        checked: QuerySet[Model] = super()._check_values(value)  # type: ignore[misc]
        return checked


class FrenchDecimalField(forms.DecimalField):
    """A decimal typed the French way: « 1 250 000,50 » (spaces, non-breaking spaces, a decimal
    comma and a final « € » accepted), with messages in French figures."""

    widget = forms.TextInput

    def __init__(
        self, *args: Any, min_value: Decimal | int | str | None = None, **kwargs: Any
    ) -> None:
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("max_digits", 14)
        super().__init__(*args, **kwargs)
        self.min_value_fr = Decimal(str(min_value)) if min_value is not None else None
        self.widget.attrs.setdefault("inputmode", "decimal")

    # As django-stubs' own DecimalField.to_python, which IntegerField's types do not fit.
    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str):
            # An amount copied from a page of Pacte carries its « € » (« 67 410,00 € »).
            value = value.strip().removesuffix("€")
            for space in SPACES:
                value = value.replace(space, "")
            value = value.replace(",", ".")
            # Decimal() also reads « 1_000 » and other scripts' digits: only 0 to 9 are an amount.
            if value and not PLAIN_DECIMAL.fullmatch(value):
                raise ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)

    def validate(self, value: Decimal | None) -> None:
        # An empty field gives None, which Django refuses when required: django-stubs says Decimal.
        super().validate(value)  # type: ignore[arg-type]
        if value is not None and self.min_value_fr is not None and value < self.min_value_fr:
            shown = f"{self.min_value_fr:f}".replace(".", ",")
            raise forms.ValidationError(f"Saisissez un montant supérieur ou égal à {shown}.")

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        attrs.pop("step", None)
        return attrs

    def prepare_value(self, value: object) -> object:
        if isinstance(value, Decimal):
            return f"{value:.2f}".replace(".", ",")
        return value


class ApiTokenForm(forms.Form):
    """A new API token: its name, its scope and how long it is valid."""

    name = forms.CharField(
        label="Nom du jeton",
        max_length=100,
        error_messages={
            "required": "Donnez un nom au jeton (par exemple : « Tableur du service »).",
            "max_length": "Le nom du jeton tient en 100 caractères au plus.",
        },
    )
    scope = forms.ChoiceField(
        label="Portée",
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        required=False,
        help_text=(
            "« lecture » : le programme lit seulement ; « lecture et écriture » : il peut aussi "
            "écrire, dans la limite de votre rôle."
        ),
        error_messages={
            "required": "Choisissez la portée du jeton.",
            "invalid_choice": "Choisissez « lecture » ou « lecture et écriture ».",
        },
    )
    expires_on = forms.DateField(
        label="Valable jusqu'au",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        required=False,
        error_messages={
            "invalid": "Saisissez une date valide, par exemple 31/12/2026.",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default, latest = ApiToken.default_expiry_date(), ApiToken.latest_expiry_date()
        field = self.fields["expires_on"]
        field.initial = default
        field.help_text = (
            f"Un an par défaut (le {format_date(default)}) ; au plus deux ans "
            f"(le {format_date(latest)}). Le jeton vaut jusqu'à la fin de ce jour."
        )
        field.widget.attrs.update(
            {"min": timezone.localdate().isoformat(), "max": latest.isoformat()}
        )

    def clean_scope(self) -> str:
        return self.cleaned_data["scope"] or ApiToken.Scope.READ


class SettingsHistoryFilterForm(forms.Form):
    """The filters of the history of settings: a kind of object, a first and a last day."""

    type = forms.ChoiceField(
        label="Objet",
        required=False,
        error_messages={"invalid_choice": "Choisissez un type d'objet de la liste."},
    )
    du = forms.DateField(
        label="Du",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Saisissez une date valide, par exemple 01/11/2026."},
    )
    au = forms.DateField(
        label="Au",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Saisissez une date valide, par exemple 30/11/2026."},
    )
    # One object's changes (the link of its history in the administration).
    identifiant = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.HiddenInput,
        error_messages={"max_length": "Cet identifiant n'existe pas."},
    )

    def __init__(self, *args: Any, types: Iterable[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Tous les objets"), *types]

    def clean(self) -> dict[str, Any] | None:
        cleaned = super().clean()
        since, until = self.cleaned_data.get("du"), self.cleaned_data.get("au")
        if since and until and until < since:
            self.add_error("au", "La date de fin suit la date de début.")
        return cleaned


class NotificationPreferenceForm(forms.Form):
    """« Notifications par courriel » on « Mon compte » (pacte.core.notifications)."""

    notification_mail = forms.ChoiceField(
        label="Envoi des notifications par courriel",
        choices=User.NotificationMail.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez l'envoi des notifications par courriel.",
            "invalid_choice": "Ce choix n'existe pas : choisissez « à chaque événement », « un "
            "résumé quotidien » ou « aucun courriel ».",
        },
    )
