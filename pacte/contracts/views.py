from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from pacte.core import fragments, policy
from pacte.core.errors import flash_refusal, form_status
from pacte.core.exports import export_response
from pacte.core.ids import valid_id
from pacte.core.workflow import TransitionRefused
from pacte.territory.selectors import territory_list

from . import forms, selectors, services
from .models import (
    Contract,
    EngineeringRequest,
    Partner,
    PriorityStake,
    SteeringCommittee,
    TerritorialForum,
)
from .workflows import CONTRACT_WORKFLOW, ENGINEERING_WORKFLOW


def _stamp() -> str:
    return timezone.localdate().strftime("%Y%m%d")


_int_or_none = valid_id


def _export_format(request, kind: str) -> str | None:
    """The export asked for ("csv", "xlsx"), after the kind's export rule; None for the page."""
    fmt = request.GET.get("format")
    if fmt not in {"csv", "xlsx"}:
        return None
    policy.require(request.user, kind, "export")
    return fmt


# --- Partners ------------------------------------------------------------------------------


@policy.page(get="partner.read")
def partner_list(request):
    kind = request.GET.get("nature", "")
    kind = kind if kind in Partner.Kind.values else ""
    query = request.GET.get("q", "").strip()[:100]
    partners = selectors.partner_list(user=request.user, kind=kind, query=query)
    fmt = _export_format(request, "partner")
    if fmt:
        header = ["Partenaire", "Nature", "SIREN", "SIRET", "RNA", "Territoire", "Courriel"]
        rows = (
            [
                p.name,
                p.get_kind_display(),
                p.siren,
                p.siret,
                p.rna,
                p.territory.name if p.territory else "",
                p.email,
            ]
            for p in partners
        )
        return export_response(fmt, f"partenaires-{_stamp()}", header, rows, "Partenaires")
    context = {"partners": partners, "kinds": Partner.Kind.choices, "kind": kind, "query": query}
    return render(request, "contracts/partner_list.html", context)


@policy.page(get="partner.read")
def partner_detail(request, pk: int):
    partner = selectors.partner_get(user=request.user, pk=pk)
    contracts = selectors.contract_list(user=request.user).filter(partner=partner)
    context = {
        "partner": partner,
        "contracts": contracts,
        "committees": selectors.committee_list(user=request.user, partner=partner),
        "engineering": selectors.engineering_request_list(user=request.user, partner=partner),
        "can_read_referential": policy.allows(request.user, "referential", "read"),
        "can_request_engineering": policy.allows(
            request.user, "engineering", "create", EngineeringRequest(partner=partner)
        ),
        # The partner's users and their invitations (pacte.accounts).
        **fragments.collect("partner_detail", user=request.user, partner=partner),
    }
    return render(request, "contracts/partner_detail.html", context)


# --- Contracts -----------------------------------------------------------------------------

CONTRACT_EXPORT_HEADER = [
    "Partenaire",
    "Nature",
    "SIREN",
    "Territoire",
    "Génération",
    "État",
    "Enjeux",
    "Délibération",
    "Date du vote",
    "Signé par le partenaire",
    "Signé par le Département",
]


def _contract_filters(request):
    current = selectors.generation_current(user=request.user)
    generation_raw = request.GET.get("generation")
    return {
        "generation_id": _int_or_none(generation_raw)
        if generation_raw is not None
        else (current.pk if current else None),
        "territory_id": _int_or_none(request.GET.get("territoire")),
        "kind": request.GET.get("nature", "")
        if request.GET.get("nature") in Partner.Kind.values
        else "",
        "state": request.GET.get("etat", "")
        if request.GET.get("etat") in Contract.State.values
        else "",
        "query": request.GET.get("q", "").strip()[:100],
        "sort": request.GET.get("tri", "partenaire"),
    }


@policy.page(get="contract.read")
def contract_list(request):
    filters = _contract_filters(request)
    contracts = selectors.contract_list(user=request.user, **filters)
    fmt = _export_format(request, "contract")
    if fmt:
        rows = (
            [
                c.partner.name,
                c.partner.get_kind_display(),
                c.partner.siren,
                c.partner.territory.name if c.partner.territory else "",
                c.generation.name,
                c.get_state_display(),
                c.stake_total,
                c.vote_deliberation_number,
                c.vote_date,
                c.partner_signed_on,
                c.department_signed_on,
            ]
            for c in contracts
        )
        stamp = timezone.localdate().strftime("%Y%m%d")
        return export_response(fmt, f"contrats-{stamp}", CONTRACT_EXPORT_HEADER, rows, "Contrats")
    contracts = list(contracts)
    state_counts = {value: 0 for value in Contract.State.values}
    for contract in contracts:
        state_counts[contract.state] += 1
    context = {
        "contracts": contracts,
        "filters": filters,
        "generations": selectors.generation_list(user=request.user),
        "territories": territory_list(user=request.user)
        if policy.allows(request.user, "referential", "read")
        else [],
        "kinds": Partner.Kind.choices,
        "states": Contract.State.choices,
        "state_counts": [(Contract.State(v).label, n) for v, n in state_counts.items()],
        "can_create": policy.allows(request.user, "contract", "create"),
    }
    return render(request, "contracts/contract_list.html", context)


@policy.page(get="contract.create", post="contract.create")
def contract_create(request):
    generation = selectors.generation_current(user=request.user)
    if generation is None:
        raise Http404("Aucune génération de contractualisation en cours.")
    available = selectors.partner_list(user=request.user).exclude(contracts__generation=generation)
    form = forms.ContractCreateForm(request.POST or None, partners=available)
    if request.method == "POST" and form.is_valid():
        try:
            contract = services.contract_create(
                actor=request.user, generation=generation, partner=form.cleaned_data["partner"]
            )
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, "Le contrat est créé, en rédaction.")
            return redirect("contracts:contract_detail", pk=contract.pk)
    return render(
        request,
        "contracts/contract_form.html",
        {"form": form, "generation": generation, "title": "Nouveau contrat"},
        status=form_status(request),
    )


@policy.page(get="contract.read")
def contract_detail(request, pk: int):
    contract = selectors.contract_get(user=request.user, pk=pk)
    transitions = CONTRACT_WORKFLOW.available(contract, request.user)
    user = request.user
    context = {
        "contract": contract,
        "transitions": {t.name: t for t in transitions},
        "can_edit": policy.allows(user, "contract", "change", contract),
        "can_add_stake": policy.allows(user, "stake", "create", PriorityStake(contract=contract)),
        "can_hold_committee": policy.allows(
            user, "committee", "create", SteeringCommittee(contract=contract)
        ),
        "can_request_engineering": policy.allows(
            user, "engineering", "create", EngineeringRequest(partner=contract.partner)
        ),
        "committees": selectors.committee_list(user=user, contract=contract),
        "engineering": selectors.engineering_request_list(user=user, contract=contract),
        "vote_form": forms.VoteForm(auto_id="vote-%s"),
        "signature_form": forms.SignatureForm(auto_id="signature-%s"),
        "close_form": forms.CloseForm(auto_id="cloture-%s"),
        "reason_form": forms.ReasonForm(auto_id="reprise-%s"),
    }
    return render(request, "contracts/contract_detail.html", context)


@policy.page(get="contract.change", post="contract.change")
def contract_edit(request, pk: int):
    contract = selectors.contract_get(user=request.user, pk=pk)
    if contract.is_frozen:
        messages.error(request, "Ce contrat est voté : modifiez-le par un avenant.")
        return redirect("contracts:contract_amend", pk=pk)
    if contract.state == Contract.State.AGREED:
        messages.error(
            request,
            "Ce contrat est accordé avec le partenaire : reprenez la rédaction pour le modifier.",
        )
        return redirect("contracts:contract_detail", pk=pk)
    form = forms.ContractTextForm(request.POST or None, instance=contract)
    if request.method == "POST" and form.is_valid():
        try:
            text = {name: form.cleaned_data[name] for name in forms.ContractTextForm.Meta.fields}
            services.contract_update(actor=request.user, contract=contract, **text)
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, "Le contrat est enregistré.")
            return redirect("contracts:contract_detail", pk=pk)
    return render(
        request,
        "contracts/contract_form.html",
        {"form": form, "contract": contract, "title": f"Modifier le {contract}"},
        status=form_status(request),
    )


@policy.page(get="contract.change", post="contract.change")
def contract_amend(request, pk: int):
    contract = selectors.contract_get(user=request.user, pk=pk)
    form = forms.AmendmentForm(request.POST or None, instance=contract)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            amendment = services.amendment_create(
                actor=request.user,
                contract=contract,
                adopted_on=data["adopted_on"],
                reason=data["reason"],
                deliberation_number=data["deliberation_number"],
                **{name: data[name] for name in forms.ContractTextForm.Meta.fields},
            )
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, f"L'avenant n°{amendment.number} est enregistré.")
            return redirect("contracts:contract_detail", pk=pk)
    # The form is bound to the instance; reload it so that a refused amendment changes nothing.
    contract.refresh_from_db()
    return render(
        request,
        "contracts/contract_form.html",
        {"form": form, "contract": contract, "title": f"Avenant au {contract}"},
        status=form_status(request),
    )


@policy.page(get="stake.create", post="stake.create")
def stake_add(request, pk: int):
    contract = selectors.contract_get(user=request.user, pk=pk)
    form = forms.StakeForm(request.POST or None, generation=contract.generation)
    if request.method == "POST" and form.is_valid():
        try:
            services.stake_add(actor=request.user, contract=contract, **form.cleaned_data)
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, "L'enjeu prioritaire est ajouté.")
            return redirect("contracts:contract_detail", pk=pk)
    return render(
        request,
        "contracts/contract_form.html",
        {"form": form, "contract": contract, "title": "Ajouter un enjeu prioritaire partagé"},
        status=form_status(request),
    )


TRANSITION_FORMS = {
    "agree": (None, services.contract_agree),
    "reopen": (forms.ReasonForm, services.contract_reopen),
    "vote": (forms.VoteForm, services.contract_vote),
    "sign": (forms.SignatureForm, services.contract_sign),
    "close": (forms.CloseForm, services.contract_close),
}


@policy.page(post="contract.<name>", choices={"name": TRANSITION_FORMS})
def contract_transition(request, pk: int, name: str):
    if name not in TRANSITION_FORMS:
        raise Http404("Action inconnue.")
    contract = selectors.contract_get(user=request.user, pk=pk)
    form_class, service = TRANSITION_FORMS[name]
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, message)
        return redirect("contracts:contract_detail", pk=pk)
    try:
        service(actor=request.user, contract=contract, **(form.cleaned_data if form else {}))
    except (TransitionRefused, ValidationError) as exc:  # a refused role propagates: 403
        flash_refusal(request, exc)
    else:
        messages.success(
            request,
            f"{CONTRACT_WORKFLOW.transitions[name].label} : fait. "
            f"Le contrat est « {contract.get_state_display()} ».",
        )
    return redirect("contracts:contract_detail", pk=pk)


# --- Steering committees -------------------------------------------------------------------


@policy.page(get="committee.create", post="committee.create")
def committee_create(request, pk: int):
    contract = selectors.contract_get(user=request.user, pk=pk)
    form = forms.CommitteeForm(request.POST or None)
    actions = forms.CommitteeActionFormSet(request.POST or None, prefix="actions")
    if request.method == "POST" and form.is_valid() and actions.is_valid():
        try:
            committee = services.committee_hold(
                actor=request.user,
                contract=contract,
                **form.cleaned_data,
                actions=[a for a in actions.cleaned_data if a.get("description")],
            )
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, "Le comité de pilotage est enregistré.")
            return redirect("contracts:committee_detail", pk=committee.pk)
    previous = selectors.committee_list(user=request.user, contract=contract).first()
    return render(
        request,
        "contracts/committee_form.html",
        {
            "form": form,
            "actions": actions,
            "contract": contract,
            "pack": selectors.progress_pack(contract=contract, on=timezone.localdate()),
            "previous": previous,
        },
    )


@policy.page(get="committee.read")
def committee_detail(request, pk: int):
    committee = selectors.committee_get(user=request.user, pk=pk)
    context = {
        "committee": committee,
        "open_before": selectors.open_actions_before(committee=committee),
        "can_edit": policy.allows(request.user, "committee", "change", committee),
    }
    return render(request, "contracts/committee_detail.html", context)


@policy.page(post="committee.change")
def committee_action_done(request, pk: int, action_pk: int):
    # The action must be one of the committee named in the URL (404 otherwise).
    action = selectors.committee_action_get(user=request.user, committee_pk=pk, pk=action_pk)
    services.committee_action_done(actor=request.user, action=action, done_on=timezone.localdate())
    messages.success(request, "L'action est notée comme réalisée.")
    return redirect("contracts:committee_detail", pk=pk)


# --- Assises territoriales -----------------------------------------------------------------


@policy.page(get="forum.read")
def forum_list(request):
    generation = selectors.generation_current(user=request.user)
    forums = selectors.forum_list(
        user=request.user, generation_id=generation.pk if generation else None
    )
    fmt = _export_format(request, "forum")
    if fmt:
        header = ["Territoire", "Date", "Lieu", "Partenaires invités", "Enjeux soulevés"]
        rows = (
            [f.territory.name, f.held_on, f.place, f.invited_total, f.stake_total] for f in forums
        )
        return export_response(fmt, f"assises-{_stamp()}", header, rows, "Assises")
    return render(
        request,
        "contracts/forum_list.html",
        {
            "forums": forums,
            "generation": generation,
            "can_create": policy.allows(request.user, "forum", "create"),
        },
    )


@policy.page(get="forum.create", post="forum.create")
def forum_create(request):
    generation = selectors.generation_current(user=request.user)
    if generation is None:
        raise Http404("Aucune génération de contractualisation en cours.")
    territories = territory_list(user=request.user).exclude(forums__generation=generation)
    form = forms.ForumForm(request.POST or None, territories=territories)
    if request.method == "POST" and form.is_valid():
        territory = form.cleaned_data["territory"]
        try:
            forum = services.forum_create(
                actor=request.user,
                generation=generation,
                territory=territory,
                held_on=form.cleaned_data["held_on"],
                place=form.cleaned_data["place"],
                partners=selectors.partner_list(user=request.user, territory_id=territory.pk),
            )
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(
                request, "L'assise est planifiée ; les partenaires du territoire y sont invités."
            )
            return redirect("contracts:forum_detail", pk=forum.pk)
    return render(
        request,
        "contracts/forum_form.html",
        {"form": form, "generation": generation},
        status=form_status(request),
    )


@policy.page(get="forum.read", post="forum.change")
def forum_detail(request, pk: int):
    forum = selectors.forum_get(user=request.user, pk=pk)
    can_edit = policy.allows(request.user, "forum", "change", forum)
    stake_form = forms.RaisedStakeForm(forum=forum, prefix="enjeu")
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "attendance":
                present = _attendance(request.POST.getlist("present"), forum)
                services.forum_record_attendance(actor=request.user, forum=forum, attended=present)
                messages.success(request, "Les présences sont enregistrées.")
                return redirect("contracts:forum_detail", pk=pk)
            if action == "stake":
                stake_form = forms.RaisedStakeForm(request.POST, forum=forum, prefix="enjeu")
                if stake_form.is_valid():
                    services.raised_stake_add(
                        actor=request.user, forum=forum, **stake_form.cleaned_data
                    )
                    messages.success(request, "L'enjeu soulevé est noté.")
                    return redirect("contracts:forum_detail", pk=pk)
            if action == "to_contracts":
                created = services.forum_stakes_to_contracts(actor=request.user, forum=forum)
                messages.success(
                    request, f"{len(created)} enjeu(x) reporté(s) dans les contrats en rédaction."
                )
                return redirect("contracts:forum_detail", pk=pk)
        except ValidationError as exc:
            flash_refusal(request, exc)
    return render(
        request,
        "contracts/forum_detail.html",
        {"forum": forum, "stake_form": stake_form, "can_edit": can_edit},
    )


def _attendance(raw_ids: list[str], forum: TerritorialForum) -> dict[int, bool]:
    """Who was present, for each partner invited; a value that is not an invited partner's id
    is refused (ValidationError), nothing is written."""
    invited = [i.partner_id for i in forum.invitations.all()]
    present = {valid_id(v) for v in raw_ids}
    if not present <= set(invited):
        raise ValidationError("Seuls les partenaires invités peuvent être notés présents.")
    return {partner_id: partner_id in present for partner_id in invited}


# --- Engineering ---------------------------------------------------------------------------


@policy.page(get="engineering.read")
def engineering_list(request):
    state = request.GET.get("etat", "")
    state = state if state in EngineeringRequest.State.values else ""
    requests_ = selectors.engineering_request_list(user=request.user, state=state)
    fmt = _export_format(request, "engineering")
    if fmt:
        header = ["Objet", "Partenaire", "Ingénierie", "Demandée le", "État", "Résultat"]
        rows = (
            [
                r.subject,
                r.partner.name,
                r.get_provider_display(),
                r.requested_on,
                r.get_state_display(),
                r.outcome,
            ]
            for r in requests_
        )
        return export_response(fmt, f"ingenierie-{_stamp()}", header, rows, "Ingénierie")
    return render(
        request,
        "contracts/engineering_list.html",
        {
            "requests": requests_,
            "states": EngineeringRequest.State.choices,
            "state": state,
            "can_create": policy.allows(request.user, "engineering", "create"),
        },
    )


@policy.page(get="engineering.create", post="engineering.create")
def engineering_create(request):
    partners = selectors.partner_list(user=request.user)
    initial = {"requested_on": timezone.localdate(), "partner": request.GET.get("partenaire")}
    form = forms.EngineeringRequestForm(request.POST or None, partners=partners, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        generation = selectors.generation_current(user=request.user)
        contract = (
            selectors.contract_list(user=request.user)
            .filter(partner=data["partner"], generation=generation)
            .first()
            if generation
            else None
        )
        try:
            created = services.engineering_request_create(
                actor=request.user, contract=contract, **data
            )
        except ValidationError as exc:
            flash_refusal(request, exc)
        else:
            messages.success(request, "La demande d'ingénierie est enregistrée.")
            return redirect("contracts:engineering_detail", pk=created.pk)
    return render(
        request, "contracts/engineering_form.html", {"form": form}, status=form_status(request)
    )


@policy.page(get="engineering.read", post="engineering.change")
def engineering_detail(request, pk: int):
    item = selectors.engineering_request_get(user=request.user, pk=pk)
    form = forms.EngineeringMoveForm(request.POST or None)
    if request.method == "POST":
        name = request.POST.get("transition", "")
        if form.is_valid():
            try:
                services.engineering_request_move(
                    actor=request.user, request=item, transition=name, **form.cleaned_data
                )
            except (TransitionRefused, ValidationError) as exc:
                flash_refusal(request, exc)
            else:
                messages.success(request, f"État de la demande : « {item.get_state_display()} ».")
                return redirect("contracts:engineering_detail", pk=pk)
    return render(
        request,
        "contracts/engineering_detail.html",
        {
            "item": item,
            "form": form,
            "transitions": ENGINEERING_WORKFLOW.available(item, request.user),
        },
    )


# --- Generations ---------------------------------------------------------------------------


@policy.page(get="generation.read")
def generation_detail(request, pk: int):
    generation = selectors.generation_get(user=request.user, pk=pk)
    return render(request, "contracts/generation_detail.html", {"generation": generation})
