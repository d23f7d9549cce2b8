"""Pages of the history import: the upload form, the progress and the result of an import."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from pacte.core import policy
from pacte.core.errors import flash_refusal, form_status
from pacte.core.exports import csv_response
from pacte.core.forms import IdChoiceField
from pacte.operations.models import Operation

from .columns import COLUMN_NAMES, COLUMNS, EXAMPLE_ROW
from .selectors import history_generations, history_import_get, history_import_list
from .services import MAX_FILE_BYTES, history_import_relaunch, history_import_start


class HistoryImportForm(forms.Form):
    generation = IdChoiceField(label="Génération", queryset=None, empty_label=None, help_text="")
    file = forms.FileField(
        label="Fichier des opérations (CSV ou XLSX)",
        help_text="CSV en UTF-8 (avec ou sans BOM), séparé par des points-virgules ou des "
        "virgules, ou classeur XLSX : une opération par ligne, les colonnes décrites "
        "ci-dessous. 25 Mio au plus.",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["generation"].queryset = history_generations(user=user)


@policy.page(get="history_import.create", post="history_import.create")
def history_index(request):
    if request.GET.get("modele") == "csv":
        return csv_response("modele-historique", COLUMN_NAMES, [EXAMPLE_ROW])
    form = HistoryImportForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_FILE_BYTES:
                raise ValidationError(
                    f"Le fichier dépasse {MAX_FILE_BYTES // (1024 * 1024)} Mio : découpez-le."
                )
            history_import = history_import_start(
                actor=request.user,
                generation=form.cleaned_data["generation"],
                data=upload.read(),
                name=upload.name,
            )
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(
                request,
                f"Fichier « {history_import.original_name} » reçu : chaque ligne est vérifiée "
                "avant que rien ne soit enregistré.",
            )
            return redirect("history:detail", pk=history_import.pk)
    return render(
        request,
        "history/index.html",
        {
            "form": form,
            "imports": history_import_list(user=request.user)[:20],
            "columns": COLUMNS,
            "categories": Operation.Category.choices,
        },
        status=form_status(request),
    )


@policy.page(get="history_import.read")
def history_detail(request, pk: int):
    history_import = history_import_get(user=request.user, pk=pk)
    template = "history/_progress.html" if request.htmx else "history/detail.html"
    can_relaunch = history_import.state == history_import.State.INTERRUPTED and policy.allows(
        request.user, "history_import", "relaunch", history_import
    )
    return render(request, template, {"import": history_import, "can_relaunch": can_relaunch})


@policy.page(post="history_import.relaunch")
def history_relaunch(request, pk: int):
    history_import = history_import_get(user=request.user, pk=pk)
    try:
        history_import_relaunch(actor=request.user, history_import=history_import)
    except ValidationError as exc:
        flash_refusal(request, exc)
    else:
        messages.success(
            request,
            "L'import est relancé depuis son fichier : chaque ligne est vérifiée à nouveau, puis "
            "tout est enregistré d'un coup.",
        )
    return redirect("history:detail", pk=history_import.pk)
