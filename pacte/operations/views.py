import re
from collections import Counter

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from pacte.contracts.models import Contract
from pacte.contracts.selectors import contract_list, generation_current
from pacte.core import files, fragments, policy
from pacte.core.errors import error_texts, flash_form_errors, flash_refusal, form_status
from pacte.core.exports import export_response
from pacte.core.french import format_integer, french_spacing, plural_suffix
from pacte.core.ids import valid_id
from pacte.core.redirects import safe_next
from pacte.core.workflow import TransitionRefused
from pacte.territory.selectors import territory_list

from . import forms, instruction_views, search, selectors, services
from .checks import early_start_warning, sheet_problems, submission_problems
from .financing import plan_lines, summarise
from .models import Attachment, Message, Operation, ReciprocalCommitment, Resource
from .workflows import OPERATION_WORKFLOW, RECIPROCAL_COMMITMENT_WORKFLOW

# Rows per page of the list: 25 by default, the page's height kept to a few screens; the
# agent may show more.
PAGE_SIZES = (25, 50, 100)
EXPORT_HEADER = [
    "Référence",
    "Intitulé",
    "Partenaire",
    "Territoire",
    "Catégorie",
    "État",
    "Montant sollicité au fonds (€)",
    "Instructeur",
    "Créée le",
]


def _int(raw):
    """A database id from the query string, or None (not a number, or beyond 64 bits)."""
    return valid_id(raw)


def _filters(request):
    get = request.GET
    current = generation_current(user=request.user)
    return {
        "generation_id": _int(get.get("generation"))
        if "generation" in get
        else (current.pk if current else None),
        "territory_id": _int(get.get("territoire")),
        "partner_id": _int(get.get("partenaire")),
        "state": get.get("etat", "") if get.get("etat") in Operation.State.values else "",
        "stake_id": _int(get.get("enjeu")),
        "pact_id": _int(get.get("pacte")),
        "min_amount": get.get("min", ""),
        "max_amount": get.get("max", ""),
        "query": get.get("q", "").strip()[:100],
        "assigned_to_id": _int(get.get("instructeur")),
        # Without a choice: the most relevant first for a search, else the most recent.
        "sort": get.get("tri", ""),
    }


def _export_rows(operations):
    for o in operations:
        yield [
            o.reference,
            o.title,
            o.contract.partner.name,
            o.contract.partner.territory.name if o.contract.partner.territory else "",
            o.get_category_display(),
            o.get_state_display(),
            o.fund_amount,
            str(o.assigned_to) if o.assigned_to else "",
            o.created_at,
        ]


@policy.page(get="operation.read")
def operation_list(request):
    filters = _filters(request)
    fmt = request.GET.get("format")
    if fmt in {"csv", "xlsx"}:
        operations = selectors.operation_list(user=request.user, action="export", **filters)
        stamp = timezone.localdate().strftime("%Y%m%d")
        return export_response(
            fmt, f"operations-{stamp}", EXPORT_HEADER, _export_rows(operations), "Opérations"
        )
    operations = selectors.operation_list(user=request.user, **filters)
    # The counts by state (without the state filter) also give the page's total: one count.
    counts = selectors.state_counts(
        selectors.operation_list(user=request.user, **dict(filters, state=""))
    )
    total = sum(n for state, _, n in counts if not filters["state"] or state == filters["state"])
    per_page = _int(request.GET.get("par"))
    per_page = per_page if per_page in PAGE_SIZES else PAGE_SIZES[0]
    page = selectors.paginate(operations, per_page, request.GET.get("page"), count=total)
    user = request.user
    can_assign = policy.allows(user, "operation", "assign")
    context = {
        "page": page,
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "filters": filters,
        "search_words": search.words(filters["query"]),
        "counts": counts,
        "states": Operation.State.choices,
        "pacts": selectors.pact_choices(user=user, generation_id=filters["generation_id"]),
        "territories": territory_list(user=user)
        if policy.allows(user, "referential", "read")
        else [],
        "partners": selectors.partner_choices(user=user),
        "agents": selectors.assignable_agents(user=user),
        "can_assign": can_assign,
        "can_create": policy.allows(user, "operation", "create"),
        "batch_actions": fragments.actions("operation_batch"),
    }
    return render(request, "operations/operation_list.html", context)


def operations_count(count: int) -> str:
    """« 1 opération », « 3 opérations », « aucune opération »."""
    if count == 0:
        return "aucune opération"
    return f"{format_integer(count)} opération{plural_suffix(count)}"


def take_charge_outcome(done: int, skipped: list[Operation]) -> str:
    """What a batch « Prendre en charge » did, in one sentence: how many were taken in charge,
    and, only if some were not, how many and why (their states, as the list shows them)."""
    text = f"{operations_count(done)} prise{plural_suffix(done)} en charge"
    text = text[0].upper() + text[1:]
    if not skipped:
        return text + "."
    n = len(skipped)
    by_state = Counter(o.get_state_display() for o in skipped)
    states = ", ".join(
        f"{format_integer(count)} « {label} »" for label, count in sorted(by_state.items())
    )
    submitted = Operation.State.SUBMITTED.label
    if n == 1:
        state = skipped[0].get_state_display()
        why = f"elle n'était pas au stade « {submitted} » mais « {state} »"
    else:
        why = f"elles n'étaient pas au stade « {submitted} » ({states})"
    s = plural_suffix(n)
    left = f"{operations_count(n)} laissée{s} telle{s} quelle{s}"
    # No line of the message starts with « » » or « ; », nor ends with « « ».
    return french_spacing(f"{text} ; {left} : {why}.")


@policy.page(post="operation.assign")
def operation_batch(request):
    back = safe_next(request, reverse("operations:operation_list"))
    ids = [i for i in (_int(v) for v in request.POST.getlist("ids")) if i]
    agents = selectors.assignable_agents(user=request.user)
    form = forms.BatchForm(request.POST, agents=agents, ids=ids)
    if not form.is_valid():
        flash_form_errors(request, form)
        return redirect(back)
    selected = list(
        selectors.operation_list(user=request.user, generation_id=None).filter(
            pk__in=form.cleaned_data["ids"]
        )
    )
    if not selected:
        # Ids of another partner's or deleted operations: said, not answered with an empty file.
        messages.error(
            request,
            "Aucune des opérations cochées n'est accessible à votre compte (supprimée, ou "
            "d'un autre partenaire) : rien n'est fait.",
        )
        return redirect(back)
    action = form.cleaned_data["action"]
    extra = fragments.handler("operation_batch", action)
    if extra is not None:  # an action another app offers (batches of documents…)
        return extra.run(request=request, operations=selected, back=back)
    if action == "export":
        return export_response("csv", "operations-selection", EXPORT_HEADER, _export_rows(selected))
    try:
        if action == "take_charge":
            # What the selection was before the batch: those not submitted are left as they are.
            skipped = [o for o in selected if o.state != Operation.State.SUBMITTED]
            done = services.operations_take_charge(
                actor=request.user, operations=selected, assignee=form.cleaned_data["assignee"]
            )
            (messages.success if done else messages.warning)(
                request, take_charge_outcome(done, skipped)
            )
        else:
            if form.cleaned_data["assignee"] is None:
                raise ValidationError("Choisissez l'instructeur.")
            done = services.operations_assign(
                actor=request.user, operations=selected, assignee=form.cleaned_data["assignee"]
            )
            messages.success(
                request,
                f"{operations_count(done)} confiée{plural_suffix(done)} à "
                f"{form.cleaned_data['assignee']}.",
            )
    except (ValidationError, TransitionRefused) as exc:
        flash_refusal(request, exc)
    return redirect(back)


def _partner_contracts(user):
    return contract_list(user=user).filter(state__in=Contract.IN_FORCE_STATES)


@policy.page(get="operation.create", post="operation.create")
def operation_create(request):
    contracts = _partner_contracts(request.user)
    raw = request.GET.get("contrat") or request.POST.get("contrat")
    if raw:
        # A contract named in the request must be one of the user's, voted or signed.
        contract = contracts.filter(pk=_int(raw)).first() if _int(raw) else None
        if contract is None:
            raise Http404("Contrat introuvable.")
    else:
        choices = list(contracts[:2])
        if not choices:
            messages.error(
                request,
                "Votre organisation n'a pas de contrat voté : les opérations "
                "se déposent sur un contrat voté ou signé.",
            )
            return redirect("home")
        if len(choices) > 1:
            return render(request, "operations/choose_contract.html", {"contracts": contracts})
        contract = choices[0]
    form = forms.OperationForm(request.POST or None, contract=contract)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            with transaction.atomic():
                operation = services.operation_create(
                    actor=request.user,
                    contract=contract,
                    title=data["title"],
                    category=data["category"],
                    description=data["description"],
                    stakes=data["stakes"],
                    communes=data["communes"],
                    planned_start=data["planned_start"],
                    planned_end=data["planned_end"],
                    vat_recovered=data["vat_recovered"],
                )
                if data["derogation"]:
                    services.operation_update(
                        actor=request.user,
                        operation=operation,
                        derogation=data["derogation"],
                        derogation_order=data["derogation_order"],
                    )
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(
                request,
                "Le brouillon est enregistré. Complétez le plan de "
                "financement et les pièces, puis déposez l'opération.",
            )
            return redirect("operations:operation_financing", pk=operation.pk)
    return render(
        request,
        "operations/operation_form.html",
        {"form": form, "contract": contract, "title": "Nouvelle opération"},
        status=form_status(request),
    )


def _detail_flags(user, operation: Operation) -> dict:
    """What the page offers `user` on `operation`, from the access policy and the state."""
    state, S = operation.state, Operation.State
    own = policy.is_own(user, "operation", operation)
    writes_sheet = policy.allows(user, "operation", "sheet", operation)
    return {
        "is_owner": own,
        "can_edit": policy.allows(user, "operation", "change", operation)
        and (operation.is_editable_by_partner if own else state == S.IN_REVIEW),
        "can_edit_plan": policy.allows(user, "financing", "change", operation)
        and (operation.is_editable_by_partner if own else state in {S.SUBMITTED, S.IN_REVIEW}),
        "can_attach": policy.allows(user, "attachment", "create", Attachment(operation=operation))
        and state not in {S.WITHDRAWN, S.LAPSED, S.COMPLETED},
        "can_write": policy.allows(user, "message", "create", Message(operation=operation)),
        "shows_sheet": writes_sheet or state not in {S.DRAFT, S.SUBMITTED},
        "can_write_sheet": writes_sheet and state in {S.IN_REVIEW, S.AWAITING_PARTNER},
        "can_commit": policy.allows(
            user,
            "reciprocal_commitment",
            "create",
            ReciprocalCommitment(contract=operation.contract),
        ),
        "can_request_payment": policy.allows(user, "payment", "create"),
        "can_generate": policy.allows(user, "document", "generate"),
        "can_open_signature": policy.allows(user, "document", "prepare_signature"),
    }


def open_exchange(operation: Operation) -> dict | None:
    """The Département's latest request for information and what the partner answered since,
    shown together near the top of the operation's page while the partner must answer, and
    once answered while the file is back in review (from the prefetched messages: no query)."""
    if operation.state not in {Operation.State.AWAITING_PARTNER, Operation.State.IN_REVIEW}:
        return None
    messages_ = list(operation.messages.all())
    asked = [i for i, m in enumerate(messages_) if m.is_information_request]
    if not asked:
        return None
    question = messages_[asked[-1]]
    partner_id = operation.contract.partner_id
    replies = [
        m
        for m in messages_[asked[-1] + 1 :]
        if m.author is not None and m.author.partner_id == partner_id
    ]
    if operation.state == Operation.State.IN_REVIEW and not replies:
        return None  # answered without a word, long ago, or a request of an earlier round
    return {"question": question, "replies": replies}


def _missing(operation: Operation, flags: dict) -> list[str]:
    """What the operation's page lists as still to do before the next step, for whoever takes
    it: the partner before filing or sending back, the agent before the sheet is ready."""
    if operation.state in Operation.PARTNER_EDITABLE_STATES:
        return submission_problems(operation)
    if operation.state == Operation.State.IN_REVIEW and flags["can_write_sheet"]:
        return sheet_problems(operation)
    return []


# The steps the operation's page offers as buttons under « Suite à donner » (the answer to a
# request for information, beside the request when there is one).
PAGE_STEPS = (
    "submit",
    "take_charge",
    "mark_sheet_ready",
    "answer",
    "request_changes",
    "start_works",
    "reopen_review",
    "withdraw",
)


@policy.page(get="operation.read")
def operation_detail(request, pk: int):
    operation = selectors.operation_get(user=request.user, pk=pk)
    summary = summarise(operation, operation.expenses.all(), operation.resources.all())
    transitions = {t.name: t for t in OPERATION_WORKFLOW.available(operation, request.user)}
    flags = _detail_flags(request.user, operation)
    missing = _missing(operation, flags)
    exchange = open_exchange(operation)
    context = flags | {
        "operation": operation,
        "summary": summary,
        "funders": dict(Resource.Funder.choices),
        "transitions": transitions,
        # « Suite à donner » shows only if it offers a step: the others the user may take are
        # taken elsewhere (the convention's last signature, the sitting's vote, the lapse).
        "next_steps": [
            name
            for name in PAGE_STEPS
            if name in transitions and not (name == "answer" and exchange)
        ],
        "missing": missing,
        "exchange": exchange,
        "early_start": early_start_warning(operation),
        # Several forms share the page: each gets its own id prefix.
        "message_form": forms.MessageForm(auto_id="message-%s"),
        "attachment_form": forms.AttachmentForm(auto_id="piece-%s"),
        "reason_form": forms.ReasonForm(auto_id="motif-%s"),
        "answer_form": forms.AnswerForm(auto_id="reponse-%s"),
        "works_form": forms.WorksForm(auto_id="travaux-%s"),
        "commitment_form": forms.CommitmentForm(auto_id="engagement-%s"),
        # The Département's annotations and opinions: None for a partner or an elected member.
        "instruction": instruction_views.panel(request.user, operation),
        # What other apps know of the operation: its money, its documents.
        **fragments.collect("operation_detail", user=request.user, operation=operation),
        "commitment_transitions": {
            c.pk: RECIPROCAL_COMMITMENT_WORKFLOW.available(c, request.user)
            for c in operation.commitments.all()
        },
    }
    return render(request, "operations/operation_detail.html", context)


@policy.page(get="operation.change", post="operation.change")
def operation_edit(request, pk: int):
    operation = selectors.operation_get(user=request.user, pk=pk)
    form = forms.OperationForm(
        request.POST or None, instance=operation, contract=operation.contract
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.operation_update(
                actor=request.user,
                operation=operation,
                stakes=data.pop("stakes"),
                communes=data.pop("communes"),
                **data,
            )
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, "L'opération est enregistrée.")
            return redirect("operations:operation_detail", pk=pk)
    return render(
        request,
        "operations/operation_form.html",
        {
            "form": form,
            "operation": operation,
            "contract": operation.contract,
            "title": f"Modifier {operation.reference}",
        },
        status=form_status(request),
    )


# « Ajouter une ligne de dépense », « Supprimer » (the button's value): the table's prefix and
# the row's number.
PLAN_CHANGE = re.compile(r"ajouter-(depenses|ressources)|supprimer-(depenses|ressources)-(\d{1,2})")
PLAN_WORDS = {"depenses": ("dépense", "Dépense"), "ressources": ("ressource", "Ressource")}


def _plan_rows(operation: Operation) -> dict[str, list[dict]]:
    """The plan's rows as stored, or an empty row in each table of a new plan."""
    expenses = [
        {
            "label": e.label,
            "amount_excl_tax": e.amount_excl_tax,
            "amount_incl_tax": e.amount_incl_tax,
        }
        for e in operation.expenses.all()
    ]
    resources = [
        {"funder": r.funder, "label": r.label, "amount": r.amount, "status": r.status}
        for r in operation.resources.all()
    ]
    return {"depenses": expenses or [{}], "ressources": resources or [{}]}


def _plan_change(data) -> tuple[dict[str, list[dict]], str, str]:
    """The rows as typed, with the row added or removed that the button pressed asks: the
    rows, what was done (said to screen readers) and where the focus goes next."""
    tables = {prefix: forms.typed_rows(data, prefix) for prefix in forms.PLAN_TABLES}
    found = PLAN_CHANGE.fullmatch(str(data.get("ligne", ""))[:40])
    if found is None:
        return tables, "", ""
    added, removed, number = found.groups()
    prefix = added or removed
    rows = tables[prefix]
    word, title = PLAN_WORDS[prefix]
    first = forms.PLAN_TABLES[prefix][0]
    if added:
        if len(rows) >= forms.PLAN_MAX_ROWS:
            return tables, f"{forms.PLAN_MAX_ROWS} lignes au plus par tableau.", ""
        rows.append(dict(forms.PLAN_DEFAULTS) if prefix == "ressources" else {})
        return tables, f"Ligne de {word} {len(rows)} ajoutée.", f"{prefix}-{len(rows) - 1}-{first}"
    index = int(number)
    if index >= len(rows):
        return tables, "", ""
    del rows[index]
    focus = f"{prefix}-{index}-{first}" if index < len(rows) else f"ajouter-{prefix}"
    return tables, f"{title} {index + 1} supprimée.", focus


def _plan_checks(operation: Operation, tables: dict[str, list[dict]]) -> dict:
    """The running totals and the checks of the rows typed, by the plan's own rules (those the
    service applies on saving, and those of the summary shown everywhere)."""
    lines = plan_lines(
        operation, forms.filled(tables["depenses"]), forms.filled(tables["ressources"])
    )
    summary = summarise(operation, lines.expenses, lines.resources)
    return {
        "summary": summary,
        "problems": lines.problems + summary.problems,
        "generation": operation.contract.generation,
    }


def _plan_page(
    request, operation: Operation, tables, *, expenses=None, resources=None, focus="", said=""
) -> dict:
    """What the plan's form shows: its two tables (bound to what was sent when it was refused,
    else the rows given), the totals and the checks."""
    if expenses is None:
        expenses = forms.ExpenseFormSet(prefix="depenses", initial=tables["depenses"])
        resources = forms.ResourceFormSet(prefix="ressources", initial=tables["ressources"])
        for formset in (expenses, resources):
            for form in formset:
                if form.prefix == focus.rsplit("-", 1)[0]:
                    form.fields[focus.rsplit("-", 1)[1]].widget.attrs["autofocus"] = True
    return {
        "operation": operation,
        "expenses": expenses,
        "resources": resources,
        "focus": focus,
        "said": said,
        **_plan_checks(operation, tables),
    }


@policy.page(get="financing.change", post="financing.change")
def operation_financing(request, pk: int):
    """The financing plan's form. A row is added or removed in place (htmx, through
    `operation_financing_rows`; without script, the same buttons send the form here and it comes
    back with the row), the totals and checks follow what is typed
    (`operation_financing_checks`), and saving stays on the form."""
    operation = selectors.operation_get(user=request.user, pk=pk)
    if request.method == "POST" and "ligne" in request.POST:
        tables, said, focus = _plan_change(request.POST)
        context = _plan_page(request, operation, tables, focus=focus, said=said)
        return render(request, "operations/financing_form.html", context)
    if request.method != "POST":
        context = _plan_page(request, operation, _plan_rows(operation))
        return render(request, "operations/financing_form.html", context)
    expenses = forms.ExpenseFormSet(request.POST, prefix="depenses")
    resources = forms.ResourceFormSet(request.POST, prefix="ressources")
    tables = {prefix: forms.typed_rows(request.POST, prefix) for prefix in forms.PLAN_TABLES}
    context = _plan_page(request, operation, tables, expenses=expenses, resources=resources)
    if not (expenses.is_valid() and resources.is_valid()):
        messages.error(
            request,
            "Le plan de financement n'est pas enregistré : corrigez les montants signalés.",
        )
        return render(request, "operations/financing_form.html", context, status=400)
    try:
        services.financing_plan_set(
            actor=request.user,
            operation=operation,
            expenses=forms.rows(expenses),
            resources=forms.rows(resources),
        )
    except ValidationError as exc:
        # One message: the reasons are those listed under the plan, or else said here.
        texts = error_texts(exc)
        if all(text in context["problems"] for text in texts):
            messages.error(
                request,
                "Le plan de financement n'est pas enregistré : voyez les points à régler, "
                "listés sous le plan.",
            )
        else:
            messages.error(
                request, "Le plan de financement n'est pas enregistré : " + " ".join(texts)
            )
        return render(request, "operations/financing_form.html", context, status=400)
    problems = summarise(selectors.operation_get(user=request.user, pk=pk)).problems
    count = len(problems)
    messages.success(
        request,
        "Le plan de financement est enregistré"
        + (
            f" ; {count} point{plural_suffix(count)} à régler, listé{plural_suffix(count)} "
            "sous le plan."
            if count
            else " : il est équilibré et respecte les règles du fonds."
        ),
    )
    return redirect("operations:operation_financing", pk=pk)


@policy.page(post="financing.change")
def operation_financing_rows(request, pk: int):
    """The plan's tables with a row added or removed (htmx), and their totals and checks."""
    operation = selectors.operation_get(user=request.user, pk=pk)
    tables, said, focus = _plan_change(request.POST)
    context = _plan_page(request, operation, tables, focus=focus, said=said)
    return render(request, "operations/_financing_rows_swap.html", context)


@policy.page(post="financing.change")
def operation_financing_checks(request, pk: int):
    """The totals and checks of the rows as typed (htmx, as the user types)."""
    operation = selectors.operation_get(user=request.user, pk=pk)
    tables = {prefix: forms.typed_rows(request.POST, prefix) for prefix in forms.PLAN_TABLES}
    context = {"operation": operation, **_plan_checks(operation, tables)}
    return render(request, "operations/_financing_checks_swap.html", context)


@policy.page(post="attachment.create")
def attachment_upload(request, pk: int):
    operation = selectors.operation_get(user=request.user, pk=pk)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            attachment = services.attachment_add(
                actor=request.user,
                operation=operation,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
            )
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(
                request,
                f"La pièce « {attachment.original_name} » est jointe "
                f"(version {attachment.version}).",
            )
    else:
        flash_form_errors(request, form)
    return redirect("operations:operation_detail", pk=pk)


@policy.page(get="attachment.read")
def attachment_download(request, pk: int, attachment_pk: int):
    attachment = selectors.attachment_get(user=request.user, operation_pk=pk, pk=attachment_pk)
    return files.serve(
        request,
        attachment.file,
        attachment.sha256,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


@policy.page(post="message.create")
def message_post(request, pk: int):
    operation = selectors.operation_get(user=request.user, pk=pk)
    form = forms.MessageForm(request.POST)
    if form.is_valid():
        try:
            services.message_post(
                actor=request.user, operation=operation, body=form.cleaned_data["body"]
            )
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, "Le message est envoyé.")
    else:
        flash_form_errors(request, form)
    return redirect("operations:operation_detail", pk=pk)


@policy.page(get="operation.sheet", post="operation.sheet")
def operation_sheet(request, pk: int):
    operation = selectors.operation_get(user=request.user, pk=pk)
    form = forms.SheetForm(request.POST or None, instance=operation)
    if request.method == "POST" and form.is_valid():
        try:
            services.operation_update(actor=request.user, operation=operation, **form.cleaned_data)
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, "La fiche détaillée est enregistrée.")
            return redirect("operations:operation_detail", pk=pk)
    operation.refresh_from_db()
    return render(
        request,
        "operations/sheet_form.html",
        {"form": form, "operation": operation},
        status=form_status(request),
    )


TRANSITIONS = {
    "submit": (None, lambda r, o, d: services.operation_submit(actor=r.user, operation=o)),
    "take_charge": (
        None,
        lambda r, o, d: services.operation_take_charge(actor=r.user, operation=o),
    ),
    "request_changes": (
        forms.ReasonForm,
        lambda r, o, d: services.operation_request_changes(
            actor=r.user, operation=o, reason=d["reason"]
        ),
    ),
    "answer": (
        forms.AnswerForm,
        lambda r, o, d: services.operation_answer(actor=r.user, operation=o, body=d["body"]),
    ),
    "mark_sheet_ready": (
        None,
        lambda r, o, d: services.operation_mark_sheet_ready(actor=r.user, operation=o),
    ),
    "reopen_review": (
        forms.ReasonForm,
        lambda r, o, d: services.operation_reopen_review(
            actor=r.user, operation=o, reason=d["reason"]
        ),
    ),
    "withdraw": (
        forms.ReasonForm,
        lambda r, o, d: services.operation_withdraw(actor=r.user, operation=o, reason=d["reason"]),
    ),
    "start_works": (
        forms.WorksForm,
        lambda r, o, d: services.operation_start_works(
            actor=r.user, operation=o, started_on=d["started_on"]
        ),
    ),
}


@policy.page(post="operation.<name>", choices={"name": TRANSITIONS})
def operation_transition(request, pk: int, name: str):
    if name not in TRANSITIONS:
        raise Http404("Action inconnue.")
    operation = selectors.operation_get(user=request.user, pk=pk)
    form_class, call = TRANSITIONS[name]
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        flash_form_errors(request, form)
        return redirect("operations:operation_detail", pk=pk)
    try:
        call(request, operation, form.cleaned_data if form else {})
    except (TransitionRefused, ValidationError) as exc:
        # One message: what is missing is listed on the page already, where it is said once.
        texts = error_texts(exc)
        label = OPERATION_WORKFLOW.transitions[name].label
        listed = _missing(operation, _detail_flags(request.user, operation))
        if texts and all(text in listed for text in texts):
            count = len(texts)
            messages.error(
                request,
                f"{label} : impossible pour l'instant, {count} point{plural_suffix(count)} "
                f"reste{'nt' if count > 1 else ''} à régler (liste ci-dessous).",
            )
        else:
            messages.error(request, f"{label} : impossible pour l'instant. " + " ".join(texts))
    else:
        messages.success(
            request,
            f"{OPERATION_WORKFLOW.transitions[name].label} : fait. "
            f"L'opération est « {operation.get_state_display()} ».",
        )
    return redirect("operations:operation_detail", pk=pk)


@policy.page(get="operation.read")
def operation_history(request, pk: int):
    operation = selectors.operation_get(user=request.user, pk=pk)
    return render(
        request,
        "operations/operation_history.html",
        {"operation": operation, "timeline": selectors.timeline(operation)},
    )


@policy.page(post="reciprocal_commitment.create")
def commitment_add(request, pk: int):
    operation = selectors.operation_get(user=request.user, pk=pk)
    form = forms.CommitmentForm(request.POST)
    if form.is_valid():
        try:
            services.commitment_add(
                actor=request.user,
                contract=operation.contract,
                operation=operation,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, "L'engagement réciproque est inscrit.")
    else:
        flash_form_errors(request, form)
    return redirect("operations:operation_detail", pk=pk)


@policy.page(get="reciprocal_commitment.read", post="reciprocal_commitment.report")
def commitment_detail(request, pk: int):
    commitment = selectors.reciprocal_commitment_get(user=request.user, pk=pk)
    attachments = selectors.attachment_list(user=request.user, operation=commitment.operation)
    form = forms.CommitmentReportForm(request.POST or None, attachments=attachments)
    reason_form = forms.ReasonForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "report" and form.is_valid():
                services.commitment_report(
                    actor=request.user, commitment=commitment, **form.cleaned_data
                )
                messages.success(
                    request, "La réalisation est déclarée ; le Département la validera."
                )
                return redirect("operations:commitment_detail", pk=pk)
            if action == "validate":
                services.commitment_validate(actor=request.user, commitment=commitment, accept=True)
                messages.success(request, "L'engagement est validé.")
                return redirect("operations:commitment_detail", pk=pk)
            if action == "refuse" and reason_form.is_valid():
                services.commitment_validate(
                    actor=request.user,
                    commitment=commitment,
                    accept=False,
                    reason=reason_form.cleaned_data["reason"],
                )
                messages.success(
                    request, "L'engagement n'est pas validé ; le partenaire en est informé."
                )
                return redirect("operations:commitment_detail", pk=pk)
        except (TransitionRefused, ValidationError) as exc:
            flash_refusal(request, exc)
    return render(
        request,
        "operations/commitment_detail.html",
        {
            "commitment": commitment,
            "form": form,
            "reason_form": reason_form,
            "transitions": {
                t.name for t in RECIPROCAL_COMMITMENT_WORKFLOW.available(commitment, request.user)
            },
        },
    )
