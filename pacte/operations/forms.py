import datetime

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone

from pacte.contracts.forms import DATE_WIDGET
from pacte.core import fragments
from pacte.core.dates import add_years
from pacte.core.forms import FrenchDecimalField, IdChoiceField, IdMultipleChoiceField
from pacte.core.french import format_date, format_integer

from .models import (
    Annotation,
    Attachment,
    Message,
    Operation,
    OpinionRequest,
    ReciprocalCommitment,
    Resource,
)
from .selectors import commune_choices


class FrenchLengthField(forms.CharField):
    """A text whose refusal for its length says the numbers as French does (« 1 000 000 »)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.validators = [
            _FrenchMaxLength(v.limit_value) if type(v) is MaxLengthValidator else v
            for v in self.validators
        ]


class _FrenchMaxLength(MaxLengthValidator):
    def __call__(self, value):
        length = self.clean(value)
        if self.compare(length, self.limit_value):
            raise forms.ValidationError(
                self.message,
                code=self.code,
                params={
                    "limit_value": format_integer(self.limit_value),
                    "show_value": format_integer(length),
                    "value": value,
                },
            )


class FilteredCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Checkboxes under a search field (includes/form_fields.html, pacte/filter-list.js): typing
    narrows the list, the boxes ticked are listed apart, each removable; without script, the
    plain list of checkboxes. Each box carries the words it is found by (`search`)."""

    def __init__(self, *args, search=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.search = search

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if self.search is not None and instance is not None:
            option["attrs"]["data-search"] = self.search(instance)
        return option


def _commune_words(commune) -> str:
    """A commune is found by its name (without accents nor hyphens) or its INSEE code."""
    return f"{commune.search_name} {commune.insee_code}"


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
            "communes": FilteredCheckboxSelectMultiple(search=_commune_words),
            "planned_start": DATE_WIDGET,
            "planned_end": DATE_WIDGET,
        }
        field_classes = {"stakes": IdMultipleChoiceField, "communes": IdMultipleChoiceField}
        help_texts = {
            "communes": "Cochez chaque commune où l'opération a lieu.",
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


# The plan's tables: the rows shown are those of the plan, or those typed, one added or removed
# at a time (« Ajouter une ligne… », « Supprimer »); no empty row is offered but in a new plan.
PLAN_MAX_ROWS = 30
ExpenseFormSet = forms.formset_factory(ExpenseForm, extra=0, max_num=PLAN_MAX_ROWS)
ResourceFormSet = forms.formset_factory(ResourceForm, extra=0, max_num=PLAN_MAX_ROWS)
PLAN_TABLES = {
    "depenses": ("label", "amount_excl_tax", "amount_incl_tax"),
    "ressources": ("funder", "label", "amount", "status"),
}
# Fields whose value alone does not make a row filled (a status has a default).
PLAN_DEFAULTS = {"status": Resource.Status.REQUESTED}


def _is_blank(row: dict) -> bool:
    return all(v in (None, "") for k, v in row.items() if k not in PLAN_DEFAULTS)


def rows(formset) -> list[dict]:
    """The filled rows of a formset, checked field by field (an empty row is ignored)."""
    return [f.cleaned_data for f in formset if f.cleaned_data and not _is_blank(f.cleaned_data)]


def typed_rows(data, prefix: str) -> list[dict[str, str]]:
    """The rows of one of the plan's tables as typed, not checked: to show them again with a row
    added or removed, and to check them as they are typed. Whatever was sent, at most
    `PLAN_MAX_ROWS` rows of text of a field's length, without control characters."""
    try:
        total = int(str(data.get(f"{prefix}-TOTAL_FORMS", "0"))[:3])
    except ValueError:
        total = 0
    found = []
    for index in range(max(0, min(total, PLAN_MAX_ROWS))):
        row = {}
        for name in PLAN_TABLES[prefix]:
            value = str(data.get(f"{prefix}-{index}-{name}", ""))[:255]
            row[name] = "".join(c for c in value if c >= " " or c == "\t").strip()
        if "status" in row and row["status"] not in Resource.Status.values:
            row["status"] = PLAN_DEFAULTS["status"]
        found.append(row)
    return found


def filled(typed: list[dict[str, str]]) -> list[dict[str, str]]:
    """The typed rows that are not empty."""
    return [row for row in typed if not _is_blank(row)]


class AttachmentForm(forms.Form):
    kind = forms.ChoiceField(label="Type de pièce", choices=Attachment.Kind.choices)
    file = forms.FileField(
        label="Fichier", help_text="PDF, image ou document bureautique, 10 Mio au plus."
    )


class MessageForm(forms.Form):
    body = FrenchLengthField(
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


# --- Instruction tools: annotations and opinions (the Département's services only) ----------


class AnnotationForm(forms.Form):
    text = FrenchLengthField(
        label="Annotation interne",
        max_length=Annotation.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Visible des seuls services du Département, jamais du partenaire.",
        error_messages={
            "required": "L'annotation est vide.",
            "max_length": "Une annotation tient en 5\u202f000 caractères au plus (celle-ci en "
            "a %(show_value)s).",
        },
    )


class OpinionRequestForm(forms.Form):
    """Ask an agent of a service, or of a Maison du Département, for an opinion."""

    addressee = IdChoiceField(
        label="Destinataire",
        queryset=None,
        empty_label="—",
        help_text="L'agent qui rendra l'avis.",
        error_messages={
            "required": "Choisissez le destinataire.",
            "invalid_choice": "Choisissez un destinataire de la liste.",
        },
    )
    entity = forms.ChoiceField(
        label="Service ou Maison du Département consulté",
        error_messages={
            "required": "Choisissez le service ou la Maison du Département consulté.",
            "invalid_choice": "Choisissez un service ou une Maison du Département de la liste.",
        },
    )
    question = FrenchLengthField(
        label="Question posée",
        max_length=OpinionRequest.QUESTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Indiquez la question posée.",
            "max_length": "Une question tient en 5\u202f000 caractères au plus (celle-ci en a "
            "%(show_value)s).",
        },
    )
    due_on = forms.DateField(
        label="Avis attendu pour le",
        widget=DATE_WIDGET,
        error_messages={
            "required": "Indiquez la date à laquelle l'avis est attendu.",
            "invalid": "Indiquez une date valide (jj/mm/aaaa).",
        },
    )

    def __init__(self, *args, addressees, houses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["addressee"].queryset = addressees
        self.fields["entity"].choices = [
            ("", "—"),
            (
                "Services du Département",
                [(f"service:{value}", label) for value, label in OpinionRequest.Service.choices],
            ),
            (
                "Maisons du Département",
                [(f"maison:{house.pk}", house.house_name) for house in houses],
            ),
        ]
        self._houses = {str(house.pk): house for house in houses}
        today = timezone.localdate()
        self.fields["due_on"].widget.attrs.update(
            min=(today + datetime.timedelta(days=1)).isoformat(),
            max=add_years(today, 1).isoformat(),
        )
        self.fields[
            "due_on"
        ].help_text = f"Au plus tôt demain, au plus tard le {format_date(add_years(today, 1))}."

    def clean_entity(self):
        """{"service": …} or {"house": Territory}."""
        kind, _, value = self.cleaned_data["entity"].partition(":")
        if kind == "maison" and value in self._houses:
            return {"house": self._houses[value]}
        return {"service": value}


class OpinionAnswerForm(forms.Form):
    verdict = forms.ChoiceField(
        label="Votre avis",
        choices=OpinionRequest.Verdict.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choisissez l'avis : favorable, réservé ou défavorable.",
            "invalid_choice": "Choisissez l'avis : favorable, réservé ou défavorable.",
        },
    )
    answer = FrenchLengthField(
        label="Motifs de l'avis",
        max_length=OpinionRequest.ANSWER_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": "Indiquez les motifs de l'avis.",
            "max_length": "Les motifs tiennent en 5\u202f000 caractères au plus (ceux-ci en "
            "ont %(show_value)s).",
        },
    )


class OpinionCancelForm(forms.Form):
    reason = forms.CharField(
        label="Motif de l'annulation",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
