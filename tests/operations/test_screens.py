"""The daily screens of the operations: the list's badges and batch messages, the request for
information beside its answer, the financing plan's rows and running checks, the communes'
search list, one message per event."""

import re

import pytest
from django.template import Context, Template

from pacte.core.french import french_spacing
from pacte.operations import services
from pacte.operations.models import Operation
from pacte.operations.views import take_charge_outcome
from pacte.territory.models import Commune

from .conftest import make_operation

pytestmark = pytest.mark.django_db

S = Operation.State


def flashed(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def submitted(contract, partner, title):
    operation = make_operation(contract, partner, title=title)
    services.operation_submit(actor=partner, operation=operation)
    return operation


# --- The batch's message ---------------------------------------------------------------------


def _as(state):
    return Operation(state=state)


def test_the_batch_message_says_exactly_what_was_done():
    assert take_charge_outcome(2, []) == "2 opérations prises en charge."
    assert take_charge_outcome(1, []) == "1 opération prise en charge."
    assert take_charge_outcome(1, [_as(S.IN_REVIEW)]) == french_spacing(
        "1 opération prise en charge ; 1 opération laissée telle quelle : elle n'était pas au "
        "stade « Déposée » mais « En instruction »."
    )
    assert take_charge_outcome(3, [_as(S.IN_REVIEW), _as(S.VOTED), _as(S.IN_REVIEW)]) == (
        french_spacing(
            "3 opérations prises en charge ; 3 opérations laissées telles quelles : elles "
            "n'étaient pas au stade « Déposée » (2 « En instruction », 1 « Subvention votée »)."
        )
    )
    assert take_charge_outcome(0, [_as(S.VOTED), _as(S.LAPSED)]) == french_spacing(
        "Aucune opération prise en charge ; 2 opérations laissées telles quelles : elles "
        "n'étaient pas au stade « Déposée » (1 « Caduque », 1 « Subvention votée »)."
    )


def test_the_batch_message_never_breaks_a_line_inside_its_quotes():
    # At 1280 px the message broke its line between « Retirée » and the closing quote.
    message = take_charge_outcome(0, [_as(S.WITHDRAWN), _as(S.COMPLETED)])
    assert "«\u00a0Retirée\u00a0»" in message and "«\u00a0Déposée\u00a0»" in message
    assert "\u00a0; " in message and "\u00a0: " in message
    assert "« " not in message and " »" not in message


def test_a_batch_without_others_does_not_speak_of_others(client_for, lens_contract, users):
    partner = users["test-partner"]
    ops = [submitted(lens_contract, partner, f"Projet {i}") for i in range(2)]
    response = client_for("agent").post(
        "/operations/lot/",
        {"action": "take_charge", "ids": [o.pk for o in ops], "next": "/operations/"},
        follow=True,
    )
    assert flashed(response) == ["2 opérations prises en charge."]


def test_a_batch_with_others_says_how_many_and_why(client_for, lens_contract, users):
    partner, agent = users["test-partner"], users["test-agent"]
    fresh = submitted(lens_contract, partner, "Déposée")
    taken = submitted(lens_contract, partner, "Déjà prise")
    services.operation_take_charge(actor=agent, operation=taken)
    client = client_for("agent")
    response = client.post(
        "/operations/lot/",
        {"action": "take_charge", "ids": [fresh.pk, taken.pk], "next": "/operations/"},
        follow=True,
    )
    assert flashed(response) == [
        french_spacing(
            "1 opération prise en charge ; 1 opération laissée telle quelle : elle n'était pas "
            "au stade « Déposée » mais « En instruction »."
        )
    ]
    response = client.post(
        "/operations/lot/",
        {"action": "take_charge", "ids": [fresh.pk, taken.pk], "next": "/operations/"},
        follow=True,
    )
    [message] = response.context["messages"]
    assert message.level_tag == "warning"
    assert str(message).startswith("Aucune opération prise en charge\u00a0; 2 opérations laissées")
    response = client.post(
        "/operations/lot/",
        {"action": "assign", "assignee": agent.pk, "ids": [fresh.pk], "next": "/operations/"},
        follow=True,
    )
    assert flashed(response) == [f"1 opération confiée à {agent}."]


# --- State badges ----------------------------------------------------------------------------


def test_every_state_has_a_badge_with_its_words_and_its_meaning():
    assert set(Operation.STATE_TONES) == set(S.values)
    tones = {S.DRAFT: "neutral", S.AWAITING_PARTNER: "waiting", S.IN_REVIEW: "progress"}
    tones |= {S.VOTED: "done", S.AGREEMENT_SIGNED: "done", S.REJECTED: "refused"}
    tones |= {S.LAPSED: "refused"}
    template = Template("{% load pacte %}{% state_badge operation %}")
    for state, tone in tones.items():
        html = template.render(Context({"operation": Operation(state=state)}))
        assert html == (
            f'<span class="state tone-{tone}" data-state="{state}">{S(state).label}</span>'
        )


def test_the_list_and_the_page_show_the_same_badge(client_for, lens_contract, users):
    operation = submitted(lens_contract, users["test-partner"], "Médiathèque")
    badge = '<span class="state tone-progress" data-state="submitted">Déposée</span>'
    client = client_for("agent")
    listing = client.get("/operations/").content.decode()
    assert badge in listing
    assert f'<td class="nowrap">{operation.reference}</td>' in listing
    assert badge in client.get(f"/operations/{operation.pk}/").content.decode()


def test_the_list_shows_25_rows_by_default_and_more_on_request(client_for, lens_contract, users):
    for i in range(26):
        make_operation(lens_contract, users["test-partner"], complete=False, title=f"Projet {i}")
    client = client_for("partner")
    assert len(client.get("/operations/").context["page"].object_list) == 25
    assert len(client.get("/operations/?par=50").context["page"].object_list) == 26
    for odd in ["7", "abc", "9" * 30, "-25"]:
        assert client.get("/operations/", {"par": odd}).context["per_page"] == 25


def test_the_batch_bar_is_a_labelled_group_after_a_skip_link(client_for, lens_contract, users):
    submitted(lens_contract, users["test-partner"], "Médiathèque")
    page = client_for("agent").get("/operations/").content.decode()
    assert '<a href="#lot-action">Aller à l\'action sur les opérations cochées</a>' in page
    assert '<fieldset class="batch batch-bar" id="lot-action"' in page
    assert 'role="status" data-batch-count' in page
    assert "operations/batch.js" in page


# --- The request for information and its answer ----------------------------------------------


def test_the_question_asked_sits_beside_the_answer_box_near_the_top(
    client_for, lens_contract, users
):
    partner, agent = users["test-partner"], users["test-agent"]
    operation = submitted(lens_contract, partner, "Épicerie solidaire")
    services.operation_take_charge(actor=agent, operation=operation)
    services.operation_request_changes(
        actor=agent, operation=operation, reason="Joignez le bail de l'épicerie."
    )
    page = client_for("partner").get(f"/operations/{operation.pk}/").content.decode()
    exchange = page.index('aria-labelledby="demande"')
    question = page.index("Joignez le bail de l&#x27;épicerie.")
    answer_box = page.index('name="body"')
    answer_button = page.index("Répondre et renvoyer au Département</button>")
    assert exchange < question < answer_box < answer_button < page.index('id="pieces"')
    assert page.count('name="body"') == 2  # the answer, and the free message at the bottom
    assert "Avant de renvoyer l&#x27;opération au Département, il reste à faire" not in page

    # The agent waits; once answered, he reads both side by side.
    page = client_for("agent").get(f"/operations/{operation.pk}/").content.decode()
    assert "En attente de la réponse du partenaire." in page
    services.operation_answer(actor=partner, operation=operation, body="Le bail est joint.")
    page = client_for("agent").get(f"/operations/{operation.pk}/").content.decode()
    top = page[: page.index('id="projet"')]
    assert "Compléments demandés et réponse du partenaire" in top
    assert "Joignez le bail de l&#x27;épicerie." in top and "Le bail est joint." in top


# --- One message per event -------------------------------------------------------------------


def test_a_refused_filing_says_it_once_the_page_lists_what_is_missing(
    client_for, lens_contract, users
):
    operation = make_operation(lens_contract, users["test-partner"], complete=False)
    client = client_for("partner")
    response = client.post(f"/operations/{operation.pk}/etapes/submit/", follow=True)
    [message] = flashed(response)
    assert re.fullmatch(
        r"Déposer l'opération : impossible pour l'instant, \d+ points restent à régler "
        r"\(liste ci-dessous\)\.",
        message,
    ), message
    assert "Ajoutez au moins une dépense." in response.content.decode()  # the list, once


# --- The financing plan ----------------------------------------------------------------------


def _plan(expenses, resources, **extra):
    data = {
        "depenses-TOTAL_FORMS": str(len(expenses)),
        "depenses-INITIAL_FORMS": "0",
        "ressources-TOTAL_FORMS": str(len(resources)),
        "ressources-INITIAL_FORMS": "0",
    }
    for i, row in enumerate(expenses):
        data |= {
            f"depenses-{i}-{k}": v
            for k, v in zip(["label", "amount_excl_tax", "amount_incl_tax"], row, strict=True)
        }
    for i, row in enumerate(resources):
        data |= {
            f"ressources-{i}-{k}": v
            for k, v in zip(["funder", "label", "amount", "status"], row, strict=True)
        }
    return data | extra


EXPENSES = [("Travaux", "400 000", "480000"), ("Maîtrise d'œuvre", "50000,00", "60000")]
RESOURCES = [("fit", "", "135000", "requested"), ("self", "", "300000", "obtained")]


def test_the_checks_follow_what_is_typed_with_the_plans_own_rules(client_for, lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"], complete=False)
    client = client_for("partner")
    url = f"/operations/{operation.pk}/financement/controles/"
    html = client.post(url, _plan(EXPENSES, RESOURCES)).content.decode()
    assert "450\u202f000,00\xa0€ HT, 540\u202f000,00\xa0€ TTC" in html
    assert (
        "<strong>non équilibré</strong>, écart de 15\u202f000,00\xa0€ sur les dépenses hors taxes"
        in html
    )
    # The figures are said once in the totals, and once in the point to settle.
    assert html.count("ressources 435\u202f000,00\xa0€") == 1
    assert "30,00 % de la dépense hors taxes" in html
    assert 'id="plan-etat" hx-swap-oob="innerHTML"' in html
    assert "Plan non équilibré : 1 point à régler." in html
    # Balanced: no point left.
    balanced = [("fit", "", "135000", "requested"), ("self", "", "315000", "obtained")]
    html = client.post(url, _plan(EXPENSES, balanced)).content.decode()
    # Said once, in the plan's status above the checks.
    assert html.lower().count("aucun point à régler") == 1
    assert "respecte les règles du fonds" not in html
    # The fund's cap of the generation (50 %), and a line's own rule, as the service says them.
    over = [("fit", "", "300000", "requested"), ("self", "", "150000", "obtained")]
    typo = [("Travaux", "400000", "300000"), ("Maîtrise d'œuvre", "50000", "60000")]
    html = client.post(url, _plan(typo, over)).content.decode()
    assert "Dépense 1 : le montant TTC est au moins le montant HT." in html
    assert "au-delà du taux maximal de 50,00 %" in html
    # Nothing was written, another partner's operation is not found.
    assert not operation.expenses.exists()
    assert client_for("partner2").post(url, _plan(EXPENSES, RESOURCES)).status_code == 404


def test_rows_are_added_and_removed_in_place(client_for, lens_contract, users):
    operation = make_operation(lens_contract, users["test-partner"], complete=False)
    client = client_for("partner")
    url = f"/operations/{operation.pk}/financement/lignes/"
    html = client.post(url, _plan(EXPENSES, RESOURCES, ligne="ajouter-depenses")).content.decode()
    assert 'name="depenses-TOTAL_FORMS" value="3"' in html
    assert re.search(r'<input type="text" name="depenses-2-label"[^>]*autofocus', html)
    assert "Ligne de dépense 3 ajoutée." in html
    assert 'id="plan-controles" hx-swap-oob="innerHTML"' in html

    html = client.post(
        url, _plan(EXPENSES, RESOURCES, ligne="supprimer-depenses-0")
    ).content.decode()
    assert 'name="depenses-TOTAL_FORMS" value="1"' in html
    assert 'value="Maîtrise d&#x27;œuvre"' in html and 'value="Travaux"' not in html
    assert "Dépense 1 supprimée." in html
    assert "50\u202f000,00\xa0€ HT" in html  # the totals follow

    html = client.post(
        url, _plan(EXPENSES, RESOURCES, ligne="supprimer-ressources-1")
    ).content.decode()
    assert 'name="ressources-TOTAL_FORMS" value="1"' in html
    assert re.search(r'id="ajouter-ressources"[^>]*autofocus', html)
    # A forged change is ignored, the rows stay as typed; nothing is ever written here.
    for forged in ["supprimer-depenses-99", "ajouter-x", "\x00" * 5, "9" * 60]:
        html = client.post(url, _plan(EXPENSES, RESOURCES, ligne=forged)).content.decode()
        assert 'name="depenses-TOTAL_FORMS" value="2"' in html and "\x00" not in html
    assert not operation.expenses.exists()


def test_without_script_the_same_buttons_work_and_saving_stays_on_the_form(
    client_for, lens_contract, users
):
    operation = make_operation(lens_contract, users["test-partner"], complete=False)
    client = client_for("partner")
    url = f"/operations/{operation.pk}/financement/"
    page = client.get(url).content.decode()
    assert 'name="depenses-TOTAL_FORMS" value="1"' in page  # one empty row in a new plan
    assert "Ajouter une ligne de dépense" in page and "Ajouter une ligne de ressource" in page

    response = client.post(url, _plan(EXPENSES, RESOURCES, ligne="ajouter-ressources"))
    assert response.status_code == 200
    assert 'name="ressources-TOTAL_FORMS" value="3"' in response.content.decode()
    assert not operation.resources.exists()

    balanced = [("fit", "", "135000", "requested"), ("self", "", "315000", "obtained")]
    response = client.post(url, _plan(EXPENSES + [("", "", "")], balanced), follow=True)
    assert response.redirect_chain == [(url, 302)]
    assert flashed(response) == [
        "Le plan de financement est enregistré : il est équilibré et respecte les règles du fonds."
    ]
    assert operation.expenses.count() == 2 and operation.resources.count() == 2
    assert 'value="135000,00"' in response.content.decode()

    response = client.post(url, _plan(EXPENSES, RESOURCES), follow=True)
    assert flashed(response) == [
        "Le plan de financement est enregistré ; 1 point à régler, listé sous le plan."
    ]
    # Refused by the service: said once, the reason listed under the plan.
    typo = [("Travaux", "400000", "300000")]
    response = client.post(url, _plan(typo, RESOURCES))
    assert response.status_code == 400
    assert flashed(response) == [
        "Le plan de financement n'est pas enregistré : voyez les points à régler, listés sous "
        "le plan."
    ]
    assert "Dépense 1 : le montant TTC est au moins le montant HT." in response.content.decode()
    assert operation.resources.count() == 2


def test_the_plan_form_shows_no_comment_of_its_template(client_for, lens_contract, users):
    """The form's page shows what the partner reads, never a note left for developers (a
    Django `{# … #}` comment holds on one line; spread over two, it is printed as text)."""
    operation = make_operation(lens_contract, users["test-partner"], complete=False)
    page = client_for("partner").get(f"/operations/{operation.pk}/financement/").content.decode()
    assert "{#" not in page and "#}" not in page
    assert "Each request on the plan" not in page


def test_the_plan_lines_gather_every_problem(lens_contract, users):
    from pacte.operations.financing import plan_lines

    operation = make_operation(lens_contract, users["test-partner"], complete=False)
    lines = plan_lines(
        operation,
        [{"label": "", "amount_excl_tax": "1"}, {"label": "Études", "amount_excl_tax": "1,5e3"}],
        [{"funder": "fit", "amount": "10"}, {"funder": "nobody", "amount": "5"}],
    )
    assert lines.problems == [
        "Dépense 1 : indiquez le poste de dépense.",
        "Dépense 2 (HT) : montant illisible « 1,5e3 ».",
        "Ressource 2 : choisissez le financeur.",
    ]
    assert [r.amount for r in lines.resources] == [10] and not lines.expenses


# --- The communes' search list ---------------------------------------------------------------


def test_communes_are_ticked_in_a_searchable_list(client_for, lens_contract, users):
    client = client_for("partner")
    page = client.get(f"/operations/nouvelle/?contrat={lens_contract.pk}").content.decode()
    communes = Commune.objects.filter(epci_id=lens_contract.partner.epci_id)
    assert page.count('name="communes"') == communes.count() == 36
    assert '<fieldset class="field filter-list" data-filter-list="id_communes"' in page
    assert 'data-search="eleu dit leauwette 62291"' in page  # « Éleu-dit-Leauwette »
    assert "pacte/filter-list.js" in page and "Ctrl" not in page
    lievin, lens = communes.get(insee_code="62510"), communes.get(insee_code="62498")
    operation = make_operation(lens_contract, users["test-partner"], complete=False)
    response = client.post(
        f"/operations/{operation.pk}/modifier/",
        {
            "title": operation.title,
            "category": operation.category,
            "description": operation.description,
            "stakes": [s.pk for s in operation.stakes.all()],
            "communes": [lievin.pk, lens.pk],
            "planned_start": "2027-03-01",
            "planned_end": "2028-06-30",
            "vat_recovered": "on",
        },
    )
    assert response.status_code == 302
    assert set(operation.communes.all()) == {lievin, lens}
    page = client.get(f"/operations/{operation.pk}/modifier/").content.decode()
    assert re.search(rf'<input type="checkbox" name="communes" value="{lens.pk}"[^>]*checked', page)
