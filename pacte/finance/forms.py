from django import forms

from pacte.contracts.forms import DATE_WIDGET
from pacte.core.forms import FrenchDecimalField, IdMultipleChoiceField

from .models import PaymentRequest


class APForm(forms.Form):
    amount = FrenchDecimalField(
        label="Montant (€)", max_digits=14, decimal_places=2, min_value=0.01
    )
    deliberation_number = forms.CharField(label="Délibération", max_length=20)
    voted_on = forms.DateField(label="Votée le", widget=DATE_WIDGET)
    reason = forms.CharField(label="Objet de la révision", max_length=255, required=False)


class CPForm(forms.Form):
    year = forms.IntegerField(label="Exercice", min_value=2000, max_value=2100)
    amount = FrenchDecimalField(
        label="Crédits de paiement (€)", max_digits=14, decimal_places=2, min_value=0
    )
    deliberation_number = forms.CharField(label="Délibération", max_length=20, required=False)


class PaymentRequestForm(forms.Form):
    kind = forms.ChoiceField(label="Nature", choices=PaymentRequest.Kind.choices)
    amount = FrenchDecimalField(
        label="Montant demandé (€)", max_digits=14, decimal_places=2, min_value=0.01
    )
    actual_expenses = FrenchDecimalField(
        label="Dépenses réalisées et acquittées (€)",
        max_digits=14,
        decimal_places=2,
        min_value=0.01,
        required=False,
        help_text="Obligatoire pour le solde.",
    )
    evidence = IdMultipleChoiceField(
        label="Justificatifs (pièces de l'opération)",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, attachments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = attachments


class PayForm(forms.Form):
    mandate_number = forms.CharField(label="Numéro de mandat", max_length=30)
    paid_on = forms.DateField(label="Date du mandat", widget=DATE_WIDGET)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Motif", widget=forms.Textarea(attrs={"rows": 3}))


class LapseForm(ReasonForm):
    on = forms.DateField(label="Caducité constatée le", widget=DATE_WIDGET)
