from django import forms

from pacte.contracts.forms import DATE_WIDGET
from pacte.core import fragments
from pacte.core.forms import FrenchDecimalField, IdChoiceField, IdMultipleChoiceField

from .models import Attachment, Message, Operation, ReciprocalCommitment, Resource
from .selectors import commune_choices


class OperationForm(forms.ModelForm):
    """What the partner describes; stakes and communes are limited to its contract."""

    class Meta:
        model = Operation
        fields = [
            "title",
            "description",
            "category",
            "stakes",
            "communes",
            "planned_start",
            "planned_end",
            "vat_recovered",
            "derogation",
            "derogation_order",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 5}),
            "stakes": forms.CheckboxSelectMultiple,
            "communes": forms.SelectMultiple(attrs={"size": 8}),
            "planned_start": DATE_WIDGET,
            "planned_end": DATE_WIDGET,
        }
        field_classes = {"stakes": IdMultipleChoiceField, "communes": IdMultipleChoiceField}
        help_texts = {
            "communes": "Maintenez Ctrl (ou Cmd) pour en choisir plusieurs.",
            "derogation": "Seulement si le préfet a accordé une dérogation à la participation "
            "minimale de 20 % (CGCT L1111-10).",
        }

    def __init__(self, *args, contract, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["stakes"].queryset = contract.stakes.all()
        self.fields["stakes"].required = False
        communes = commune_choices(contract=contract)
        # Sorted on the accent-free name, so that « Éleu-dit-Leauwette » sits among the E.
        self.fields["communes"].queryset = communes.order_by("search_name")
        self.fields["communes"].required = False
        self.fields["description"].required = False


class ExpenseForm(forms.Form):
    label = forms.CharField(label="Poste de dépense", max_length=255, required=False)
    amount_excl_tax = FrenchDecimalField(
        label="Montant HT (€)",
        max_digits=14,
        decimal_places=2,
        min_value=0.01,
        required=False,
    )
    amount_incl_tax = FrenchDecimalField(
        label="Montant TTC (€)",
        max_digits=14,
        decimal_places=2,
        min_value=0.01,
        required=False,
    )


class ResourceForm(forms.Form):
    funder = forms.ChoiceField(
        label="Financeur", choices=[("", "—")] + list(Resource.Funder.choices), required=False
    )
    label = forms.CharField(label="Précision", max_length=255, required=False)
    amount = FrenchDecimalField(
        label="Montant (€)",
        max_digits=14,
        decimal_places=2,
        min_value=0.01,
        required=False,
    )
    status = forms.ChoiceField(label="Statut", choices=Resource.Status.choices)


ExpenseFormSet = forms.formset_factory(ExpenseForm, extra=2, max_num=30)
ResourceFormSet = forms.formset_factory(ResourceForm, extra=2, max_num=30)


def rows(formset, key: str) -> list[dict]:
    """The filled rows of a formset (a row without its key field is ignored)."""
    return [f.cleaned_data for f in formset if f.cleaned_data.get(key)]


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label="Type de pièce", choices=Attachment.Kind.choices)
    file = forms.FileField(
        label="Fichier", help_text="PDF, image ou document bureautique, 10 Mio au plus."
    )


class MessageForm(forms.Form):
    body = forms.CharField(
        label="Votre message",
        max_length=Message.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": "Le message est vide.",
            "max_length": "Un message tient en 10\u202f000 caractères au plus (celui-ci en a "
            "%(show_value)s) : joignez un document pour le reste.",
        },
    )


class SheetForm(forms.ModelForm):
    class Meta:
        model = Operation
        fields = [
            "shared_objectives",
            "environment",
            "territorial_reach",
            "usage_terms",
            "proposed_subsidy_amount",
            "justification_policies",
            "justification_dynamics",
            "justification_cofunding",
            "early_start_authorised_on",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 4})
            for name in [
                "shared_objectives",
                "environment",
                "usage_terms",
                "justification_policies",
                "justification_dynamics",
                "justification_cofunding",
            ]
        } | {"early_start_authorised_on": DATE_WIDGET}
        field_classes = {"proposed_subsidy_amount": FrenchDecimalField}


class ReasonForm(forms.Form):
    reason = forms.CharField(label="Motif", widget=forms.Textarea(attrs={"rows": 3}))


class AnswerForm(forms.Form):
    body = forms.CharField(
        label="Votre réponse au Département",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )


class WorksForm(forms.Form):
    started_on = forms.DateField(label="Travaux commencés le", widget=DATE_WIDGET)


class BatchForm(forms.Form):
    ACTIONS = [
        ("take_charge", "Prendre en charge"),
        ("assign", "Confier à"),
        ("export", "Exporter la sélection (CSV)"),
    ]
    # The messages name no value sent: a forged one (a NUL byte, a kilobyte) is not echoed.
    action = forms.ChoiceField(
        label="Action groupée",
        choices=ACTIONS,
        error_messages={"invalid_choice": "Choisissez une action de la liste."},
    )
    assignee = IdChoiceField(
        label="Instructeur",
        queryset=None,
        required=False,
        error_messages={"invalid_choice": "Choisissez un instructeur de la liste."},
    )
    ids = forms.TypedMultipleChoiceField(
        coerce=int,
        choices=[],
        required=True,
        error_messages={
            "required": "Cochez des opérations.",
            "invalid_choice": "Cochez des opérations de la liste affichée.",
        },
    )

    def __init__(self, *args, agents, ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = agents
        self.fields["ids"].choices = [(i, i) for i in ids]
        # Actions other apps offer on a selection of operations (batches of documents…).
        self.fields["action"].choices = self.ACTIONS + [
            (extra.name, extra.label) for extra in fragments.actions("operation_batch")
        ]


class CommitmentForm(forms.ModelForm):
    class Meta:
        model = ReciprocalCommitment
        fields = ["kind", "description", "target", "unit"]
        field_classes = {"target": FrenchDecimalField}


class CommitmentReportForm(forms.Form):
    achieved = FrenchDecimalField(label="Réalisé", max_digits=12, decimal_places=2, required=False)
    report = forms.CharField(
        label="Compte rendu", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    evidence = IdMultipleChoiceField(
        label="Justificatifs (pièces de l'opération)",
        queryset=Attachment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, attachments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["evidence"].queryset = attachments
