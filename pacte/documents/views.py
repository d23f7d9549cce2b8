from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from pacte.core import files, policy
from pacte.core.errors import error_texts, flash_refusal
from pacte.operations.selectors import operation_get

from . import selectors, services
from .models import Document

OF_SIGNER = {"department": "du Département", "partner": "du partenaire"}

GENERATORS = {
    "sheet": services.sheet_generate,
    "agreement": services.agreement_generate,
    "agreement_docx": services.agreement_docx_generate,
}


def _documents_of(operation_pk: int) -> str:
    return reverse("operations:operation_detail", args=[operation_pk]) + "#documents"


@policy.page(post="document.generate")
def document_generate(request, pk: int, kind: str):
    operation = operation_get(user=request.user, pk=pk)
    if kind not in GENERATORS:
        raise Http404("Document inconnu.")
    try:
        document = GENERATORS[kind](actor=request.user, operation=operation)
    except ValidationError as exc:
        flash_refusal(request, exc)
    else:
        made = "générée" if document.is_feminine else "généré"
        messages.success(request, f"{document} {made} (empreinte {document.sha256[:12]}…).")
    return redirect("operations:operation_detail", pk=pk)


@policy.page(get="document.read")
def document_download(request, pk: int, document_pk: int):
    document = selectors.document_get(user=request.user, operation_pk=pk, pk=document_pk)
    signed = selectors.signed_step(document)
    if signed and request.GET.get("original") != "1":
        stored, sha256 = signed.file, signed.sha256
        name = selectors.download_name(document)
    else:
        stored, sha256, name = document.file, document.sha256, document.filename
    return files.serve(request, stored, sha256, filename=name, content_type=document.content_type)


@policy.page(get="document.read", post="document.prepare_signature")
def signing_start(request, pk: int, document_pk: int):
    document = selectors.document_get(user=request.user, operation_pk=pk, pk=document_pk)
    if request.method != "POST":
        # The signature is opened by the form of the operation's page: an address followed
        # from elsewhere leads there.
        messages.info(
            request,
            "La signature s'ouvre depuis la page de l'opération, rubrique « Documents ».",
        )
        return redirect(_documents_of(pk))
    order = request.POST.get("order", "department,partner").split(",")
    try:
        services.signing_start(actor=request.user, document=document, order=order)
    except ValidationError as exc:
        if error_texts(exc) == [document.missing_signatories]:
            # Said once: the note above the button gives who is missing.
            messages.error(
                request,
                "La signature ne s'ouvre pas encore : la note au-dessus du bouton « Ouvrir la "
                "signature » dit qui manque.",
            )
        else:
            flash_refusal(request, exc)
    else:
        messages.success(request, "Le document est figé ; la signature est ouverte.")
    return redirect("operations:operation_detail", pk=pk)


@policy.page(get="document.sign", post="document.sign")
def document_sign(request, pk: int, document_pk: int):
    """The document shown before it is signed, with who signs and in what quality; the
    signature once the signer confirms."""
    document = selectors.document_get(user=request.user, operation_pk=pk, pk=document_pk)
    if document.next_step is None:
        messages.error(request, "Ce document n'attend aucune signature.")
        return redirect("operations:operation_detail", pk=pk)
    refusal = services.signing_refusal(request.user, document, document.next_step)
    if refusal:
        raise PermissionDenied(refusal)
    if request.method == "POST":
        if request.POST.get("confirm") != "1":
            messages.error(request, "Cochez la case qui confirme votre lecture pour signer.")
            return redirect("documents:sign", pk=pk, document_pk=document_pk)
        try:
            step = services.document_sign(actor=request.user, document=document)
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(
                request,
                f"Signature {OF_SIGNER[step.signer]} enregistrée (empreinte {step.sha256[:12]}…).",
            )
            return redirect("operations:operation_detail", pk=pk)
    right = selectors.signing_right(request.user, document)
    return render(
        request,
        "documents/sign.html",
        {
            "document": document,
            "operation": document.operation,
            "right": right,
            # The file to sign: the one the last signature left, or the original.
            "current": selectors.signed_step(document) or document,
        },
    )


@policy.page(get="document.read")
def document_verify(request, pk: int, document_pk: int):
    document = selectors.document_get(user=request.user, operation_pk=pk, pk=document_pk)
    if document.kind != Document.Kind.AGREEMENT:
        raise Http404("Seule une convention signée se vérifie.")
    verdict = selectors.document_verdict(document)
    return render(request, "documents/verify.html", {"document": document, "verdict": verdict})


@policy.page(get="batch.read")
def batch_detail(request, batch_pk: int):
    batch = selectors.batch_get(user=request.user, pk=batch_pk)
    template = "documents/_batch_progress.html" if request.htmx else "documents/batch.html"
    can_relaunch = batch.state == batch.State.INTERRUPTED and policy.allows(
        request.user, "batch", "relaunch", batch
    )
    return render(request, template, {"batch": batch, "can_relaunch": can_relaunch})


@policy.page(post="batch.relaunch")
def batch_relaunch(request, batch_pk: int):
    batch = selectors.batch_get(user=request.user, pk=batch_pk)
    try:
        services.batch_relaunch(actor=request.user, batch=batch)
    except ValidationError as exc:
        flash_refusal(request, exc)
    else:
        messages.success(
            request, "Le lot est relancé : seuls les documents qui manquent seront générés."
        )
    return redirect("documents:batch", batch_pk=batch.pk)


@policy.page(get="batch.read")
def batch_archive(request, batch_pk: int):
    batch = selectors.batch_archive_get(user=request.user, pk=batch_pk)
    return files.serve(
        request,
        batch.archive,
        batch.archive_sha256,
        filename=f"documents-lot-{batch.pk}.zip",
        content_type="application/zip",
    )
