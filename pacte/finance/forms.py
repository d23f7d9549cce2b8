from django import forms

from pacte.contracts.forms import DATE_WIDGET

from .models import PaymentRequest


class APForm(forms.Form):
    amount = forms.DecimalField(
        label="Montant (€)", max_digits=14, decimal_places=2, min_value=0.01, localize=True
    )
    deliberation_number = forms.CharField(label="Délibération", max_length=20)
    voted_on = forms.DateField(label="Votée le", widget=DATE_WIDGET)
    reason = forms.CharField(label="Objet de la révision", max_length=255, required=False)


class CPForm(forms.Form):
    year = forms.IntegerField(label="Exercice", min_value=2000, max_value=2100)
    amount = forms.DecimalField(
        label="Crédits de paiement (€)", max_digits=14, decimal_places=2, min_value=0, localize=True
    )
    deliberation_number = forms.CharField(label="Délibération", max_length=20, required=False)


class PaymentRequestForm(forms.Form):
    kind = forms.ChoiceField(label="Nature", choices=PaymentRequest.Kind.choices)
    amount = forms.DecimalField(
        label="Montant demandé (€)", max_digits=14, decimal_places=2, min_value=0.01, localize=True
    )
    actual_expenses = forms.DecimalField(
        label="Dépenses réalisées et acquittées (€)",
        max_digits=14,
        decimal_places=2,
        min_value=0.01,
        required=False,
        localize=True,
        help_text="Obligatoire pour le solde.",
    )
    evidence = forms.ModelMultipleChoiceField(
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
