from django import forms

from pacte.core.forms import IdChoiceField, IdMultipleChoiceField
from pacte.core.french import format_mebibytes, format_money

from . import classification
from .actes import MAX_MESSAGE_BYTES
from .models import CommissionOpinion, Report, Sitting, ThematicCommission
from .selectors import proxy_giver_choices, proxy_receiver_choices

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME_WIDGET = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class SittingForm(forms.ModelForm):
    class Meta:
        model = Sitting
        fields = [
            "body",
            "held_on",
            "opened_at",
            "place",
            "president",
            "secretary",
            "reconvened",
            "signatory_title",
            "signatory_name",
        ]
        widgets = {"held_on": DATE_WIDGET, "opened_at": TIME_WIDGET}
        help_texts = {
            "president": "Civilité, prénom et nom, par exemple « M. Jean-Claude LEROY ».",
            "reconvened": "Séance tenue après une première convocation sans quorum : "
            "elle délibère sans condition de quorum.",
        }


class SittingTimesForm(forms.ModelForm):
    class Meta:
        model = Sitting
        fields = ["opened_at", "closed_at"]
        widgets = {"opened_at": TIME_WIDGET, "closed_at": TIME_WIDGET}


class ReportForm(forms.ModelForm):
    operations = IdMultipleChoiceField(
        label="Opérations dont la fiche est prête (rapport de subventions)",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    contracts = IdMultipleChoiceField(
        label="Contrats accordés à approuver (rapport d'approbation)",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Report
        fields = [
            "kind",
            "title",
            "pole",
            "direction",
            "territories",
            "text",
            "visas",
            "proposal",
            "decision",
            "vote_mode",
            "corrects",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 12}),
            "visas": forms.Textarea(attrs={"rows": 4}),
            "proposal": forms.Textarea(attrs={"rows": 4}),
            "decision": forms.Textarea(attrs={"rows": 5}),
        }

    def __init__(self, *args, operations, contracts, deliberations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["operations"].queryset = operations
        self.fields["operations"].label_from_instance = lambda o: (
            f"{o.reference} — {o.title} ({o.contract.partner.name}) : "
            f"{_money(o.proposed_subsidy_amount)}"
        )
        self.fields["contracts"].queryset = contracts
        self.fields["corrects"].queryset = deliberations
        self.fields["corrects"].label_from_instance = lambda d: f"n°{d.number} — {d.report.title}"
        self.fields["corrects"].required = False


def _money(value):
    return format_money(value) if value is not None else "—"


class SendForm(forms.Form):
    sent_on = forms.DateField(label="Envoyé aux élus le", widget=DATE_WIDGET)
    urgency = forms.BooleanField(label="Urgence déclarée (délai abrégé)", required=False)


class OpinionForm(forms.Form):
    commission = IdChoiceField(label="Commission", queryset=ThematicCommission.objects.all())
    met_on = forms.DateField(label="Réunion du", widget=DATE_WIDGET)
    opinion = forms.ChoiceField(label="Avis", choices=CommissionOpinion.Opinion.choices)
    remark = forms.CharField(
        label="Observation", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class OpenItemForm(forms.Form):
    at = forms.TimeField(label="Heure d'examen du point", widget=TIME_WIDGET)
    roll_call_requested_by = forms.IntegerField(
        label="Membres demandant le scrutin public",
        min_value=0,
        max_value=500,
        required=False,
        help_text="Un sixième des membres présents qui le demandent impose le vote par appel "
        "nominal.",
    )


class ProxyForm(forms.Form):
    giver = IdChoiceField(label="Membre qui donne pouvoir", queryset=None)
    holder = IdChoiceField(label="Membre présent qui le reçoit", queryset=None)

    def __init__(self, *args, sitting, **kwargs):
        super().__init__(*args, **kwargs)
        # Any member of the sitting is read back (the service says why one may not give or
        # receive a proxy, the choice being stale), but only those the rules let give or
        # receive one are offered.
        members = sitting.attendances.order_by("position")
        offered = {"giver": proxy_giver_choices(sitting), "holder": proxy_receiver_choices(sitting)}
        for name, choices in offered.items():
            self.fields[name].queryset = members
            self.fields[name].widget.choices = [("", "---------")] + [
                (member.pk, str(member)) for member in choices
            ]


class MinutesDateForm(forms.Form):
    on = forms.DateField(label="Date", widget=DATE_WIDGET)


class PublishForm(forms.Form):
    on = forms.DateField(label="Mise en ligne le", widget=DATE_WIDGET)


class TransmitForm(forms.Form):
    sent_on = forms.DateField(label="Transmise au préfet le", widget=DATE_WIDGET)
    acknowledged_on = forms.DateField(
        label="Accusé de réception du", widget=DATE_WIDGET, required=False
    )
    actes_id = forms.CharField(
        label="Identifiant @CTES de l'accusé de réception",
        max_length=80,
        required=False,
        help_text="Tel que l'accusé de réception (ARActe) le donne ; vide : celui que le "
        "protocole ACTES construit pour cet acte.",
    )


class SendToPrefectForm(forms.Form):
    subject_code = forms.CharField(
        label="Matière (classification @CTES)",
        max_length=classification.MAX_LENGTH,
        error_messages={
            "required": classification.problem(""),
            "max_length": "La matière a %(limit_value)d caractères au plus (cinq niveaux de "
            "trois chiffres au plus, séparés par des points) ; celle-ci en a %(show_value)d.",
        },
        help_text="Les niveaux de la classification des actes que la préfecture a transmise, "
        "deux à cinq, séparés par des points (7.5 : subventions ; 7.10.2 : une subdivision de "
        "la préfecture) ; à corriger ici si la préfecture l'a signalée en anomalie.",
    )

    def clean_subject_code(self) -> str:
        code = self.cleaned_data["subject_code"].strip()
        problem = classification.problem(code)
        if problem:
            raise forms.ValidationError(problem)
        return code


class PrefectMessageForm(forms.Form):
    file = forms.FileField(
        label="Déposer l'accusé de réception ou l'anomalie (XML)",
        help_text="Le fichier que la préfecture a renvoyé pour cet acte : accusé de réception "
        "(ARActe) ou anomalie (AnomalieActe), 1 Mio au plus.",
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,application/xml,text/xml"}),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_MESSAGE_BYTES:
            raise forms.ValidationError(
                f"Ce fichier pèse {format_mebibytes(upload.size)} Mio : un message de la "
                "préfecture en pèse quelques kilo-octets (1 Mio au plus). Rien n'a été "
                "enregistré."
            )
        return upload.read()
