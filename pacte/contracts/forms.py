from django import forms

from pacte.core.forms import IdChoiceField, IdMultipleChoiceField

from .models import Contract, EngineeringRequest, Orientation, Pact, Partner

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContractCreateForm(forms.Form):
    partner = IdChoiceField(
        label="Partenaire",
        queryset=Partner.objects.none(),
        error_messages={"required": "Choisissez le partenaire."},
    )

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners


class ContractTextForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = [
            "pact_ambitions",
            "engineering_ingenierie62",
            "engineering_house",
            "engineering_other",
            "implementation_terms",
            "monitoring_terms",
        ]
        widgets = {
            f: forms.Textarea(attrs={"rows": 5})
            for f in [
                "pact_ambitions",
                "engineering_other",
                "implementation_terms",
                "monitoring_terms",
            ]
        }


class StakeForm(forms.Form):
    title = forms.CharField(label="Intitulé de l'enjeu", max_length=255)
    description = forms.CharField(
        label="Description", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    pacts = IdMultipleChoiceField(
        label="Pactes",
        queryset=Pact.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Rattachez l'enjeu à au moins un pacte."},
    )
    orientations = IdMultipleChoiceField(
        label="Orientations transversales",
        queryset=Orientation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, generation, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pacts"].queryset = generation.pacts.all()
        self.fields["orientations"].queryset = generation.orientations.all()


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Motif",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Indiquez le motif."},
    )


class VoteForm(forms.Form):
    deliberation_number = forms.RegexField(
        label="Numéro de la délibération",
        regex=r"^\d{4}-\d{1,4}$",
        help_text="Sous la forme AAAA-NNN, par exemple 2023-112.",
        error_messages={"invalid": "Le numéro s'écrit AAAA-NNN, par exemple 2023-112."},
    )
    vote_date = forms.DateField(label="Date du vote", widget=DATE_WIDGET)


class SignatureForm(forms.Form):
    partner_signed_on = forms.DateField(label="Signé par le partenaire le", widget=DATE_WIDGET)
    department_signed_on = forms.DateField(label="Signé par le Département le", widget=DATE_WIDGET)


class CloseForm(ReasonForm):
    closed_on = forms.DateField(label="Date de clôture", widget=DATE_WIDGET)


class AmendmentForm(ContractTextForm):
    adopted_on = forms.DateField(label="Avenant adopté le", widget=DATE_WIDGET)
    deliberation_number = forms.CharField(
        label="Délibération approuvant l'avenant", max_length=20, required=False
    )
    reason = forms.CharField(label="Objet de l'avenant", widget=forms.Textarea(attrs={"rows": 3}))


class CommitteeForm(forms.Form):
    held_on = forms.DateField(label="Date du comité", widget=DATE_WIDGET)
    place = forms.CharField(label="Lieu", max_length=255, required=False)
    attendees = forms.CharField(
        label="Participants",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Une personne par ligne, avec sa qualité.",
    )
    decisions = forms.CharField(
        label="Décisions", widget=forms.Textarea(attrs={"rows": 5}), required=False
    )


class CommitteeActionForm(forms.Form):
    description = forms.CharField(label="Action", max_length=500, required=False)
    owner = forms.CharField(label="Responsable", max_length=200, required=False)
    due_on = forms.DateField(label="Échéance", widget=DATE_WIDGET, required=False)

    def clean(self):
        data = super().clean()
        if data.get("description") and not (data.get("owner") and data.get("due_on")):
            raise forms.ValidationError("Chaque action a un responsable et une échéance.")
        return data


CommitteeActionFormSet = forms.formset_factory(CommitteeActionForm, extra=3, max_num=10)


class ForumForm(forms.Form):
    territory = IdChoiceField(label="Territoire", queryset=None)
    held_on = forms.DateField(label="Date", widget=DATE_WIDGET)
    place = forms.CharField(label="Lieu", max_length=255, required=False)

    def __init__(self, *args, territories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].queryset = territories


class RaisedStakeForm(StakeForm):
    partner = IdChoiceField(label="Partenaire concerné", queryset=Partner.objects.none())

    def __init__(self, *args, forum, **kwargs):
        super().__init__(*args, generation=forum.generation, **kwargs)
        self.fields["partner"].queryset = forum.invited.all()
        self.order_fields(["partner", "title", "description", "pacts", "orientations"])


class EngineeringRequestForm(forms.Form):
    partner = IdChoiceField(label="Partenaire", queryset=Partner.objects.none())
    provider = forms.ChoiceField(
        label="Ingénierie sollicitée", choices=EngineeringRequest.Provider.choices
    )
    subject = forms.CharField(label="Objet", max_length=255)
    description = forms.CharField(
        label="Besoin", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    people = forms.CharField(
        label="Personnes mobilisées",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text="Une personne par ligne, avec son service.",
    )
    requested_on = forms.DateField(label="Date de la demande", widget=DATE_WIDGET)

    def __init__(self, *args, partners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partner"].queryset = partners


class EngineeringMoveForm(forms.Form):
    reason = forms.CharField(
        label="Motif", widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    outcome = forms.CharField(
        label="Résultat", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
