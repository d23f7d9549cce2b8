"""« À traiter »: what waits for each role, on the home page and counted in the menu."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pacte.finance import services as finance_services
from pacte.operations import services as operation_services
from pacte.pilotage import todo
from tests.finance.conftest import open_fund, voted_operation
from tests.operations.conftest import make_operation

pytestmark = pytest.mark.django_db


def _keys(user) -> dict[str, int]:
    return {item.key: item.count for item in todo.items(user)}


def _todo_section(html: str) -> str:
    start = html.index('id="a-traiter"')
    return html[start : html.index("</section>", start)]


def _menu_count(html: str) -> int:
    found = re.search(r'class="menu-count"[^>]*>(\d+)', html)
    return int(found.group(1)) if found else 0


def test_a_deposit_waits_for_the_agent_then_the_question_for_its_partner_only(
    users, lens_contract, client_for
):
    partner, agent = users["test-partner"], users["test-agent"]
    operation = make_operation(lens_contract, partner, title="Maison de santé")
    assert "new_deposit" not in _keys(agent)  # a draft is the partner's own

    operation_services.operation_submit(actor=partner, operation=operation)
    assert _keys(agent)["new_deposit"] == 1
    page = client_for("agent").get("/")
    section = _todo_section(page.content.decode())
    assert "1 nouveau dépôt à prendre en charge" in section
    assert f'href="/operations/{operation.pk}/"' in section
    assert "Maison de santé" in section

    operation_services.operation_take_charge(actor=agent, operation=operation)
    operation_services.operation_request_changes(
        actor=agent, operation=operation, reason="Joignez le devis."
    )
    assert "new_deposit" not in _keys(agent)
    assert _keys(partner)["information_requested"] == 1
    # Another partner sees nothing of it.
    assert "information_requested" not in _keys(users["test-partner2"])
    other = client_for("partner2").get("/").content.decode()
    assert "Maison de santé" not in other
    assert "Rien ne vous attend pour le moment." in other

    operation_services.operation_answer(actor=partner, operation=operation, body="Devis joint.")
    assert "information_requested" not in _keys(partner)
    assert _keys(agent)["answer_received"] == 1


def test_the_partner_home_page_is_its_to_do_then_its_space(users, lens_contract, client_for):
    operation = make_operation(lens_contract, users["test-partner"], title="Tiers-lieu")
    operation_services.operation_submit(actor=users["test-partner"], operation=operation)
    operation_services.operation_take_charge(actor=users["test-agent"], operation=operation)
    operation_services.operation_request_changes(
        actor=users["test-agent"], operation=operation, reason="Précisez le calendrier."
    )
    response = client_for("partner").get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "1 demande de compléments à laquelle répondre" in _todo_section(html)
    assert "Mes opérations" in html and "Mon organisation" in html
    assert _menu_count(html) == 1


def test_payments_go_from_the_partner_to_the_agent_to_finance(
    users, generation, lens_contract, client_for
):
    open_fund(generation, users["test-finance"])
    operation, commitment = voted_operation(lens_contract, users, amount="100000.00")
    partner, agent, finance = users["test-partner"], users["test-agent"], users["test-finance"]
    assert _keys(partner)["payment_to_request"] == 1

    payment = finance_services.payment_request_create(
        actor=partner, operation=operation, kind="advance", amount=Decimal("10000.00")
    )
    assert "payment_to_request" not in _keys(partner)
    assert _keys(agent)["payment_to_check"] == 1
    assert "payment_to_pay" not in _keys(finance)

    finance_services.payment_check(actor=agent, payment=payment)
    assert "payment_to_check" not in _keys(agent)
    assert _keys(finance)["payment_to_pay"] == 1
    section = _todo_section(client_for("finance").get("/").content.decode())
    assert "1 paiement à mandater" in section
    assert f'href="/finances/paiements/{payment.pk}/"' in section


def test_a_refused_payment_waits_until_a_new_request(users, generation, lens_contract):
    open_fund(generation, users["test-finance"])
    operation, _ = voted_operation(lens_contract, users, amount="100000.00")
    partner, agent = users["test-partner"], users["test-agent"]
    payment = finance_services.payment_request_create(
        actor=partner, operation=operation, kind="advance", amount=Decimal("10000.00")
    )
    finance_services.payment_refuse(actor=agent, payment=payment, reason="RIB illisible.")
    assert _keys(partner)["payment_refused"] == 1
    finance_services.payment_request_create(
        actor=partner, operation=operation, kind="advance", amount=Decimal("10000.00")
    )
    assert "payment_refused" not in _keys(partner)


def test_the_menu_counts_what_waits_on_every_page(users, lens_contract, client_for):
    partner = users["test-partner"]
    for title in ("Halle", "Piscine"):
        operation = make_operation(lens_contract, partner, title=title)
        operation_services.operation_submit(actor=partner, operation=operation)
    client = client_for("agent")
    assert _menu_count(client.get("/operations/").content.decode()) == 2
    operation = make_operation(lens_contract, partner, title="Gymnase")
    operation_services.operation_submit(actor=partner, operation=operation)
    assert _menu_count(client.get("/operations/").content.decode()) == 3
    # Taken in charge, the deposit becomes a sheet to write: the count follows the work.
    operation_services.operation_take_charge(actor=users["test-agent"], operation=operation)
    home = client.get("/").content.decode()
    assert _menu_count(home) == 3
    assert "2 nouveaux dépôts" in home and "1 fiche détaillée à rédiger" in home
    # The partner's own menu counts nothing of the agent's work.
    assert _menu_count(client_for("partner").get("/").content.decode()) == 0


def test_the_home_page_names_five_and_links_to_the_rest(users, lens_contract, client_for):
    partner = users["test-partner"]
    for n in range(7):
        operation = make_operation(lens_contract, partner, title=f"Opération {n}")
        operation_services.operation_submit(actor=partner, operation=operation)
    section = _todo_section(client_for("agent").get("/").content.decode())
    assert "7 nouveaux dépôts à prendre en charge" in section
    assert section.count('href="/operations/') == todo.SHOWN + 1
    assert "Voir les 7" not in section  # the list also holds the deposits of other agents
    assert 'href="/operations/?etat=submitted&amp;generation="' in section


def _more_link(section: str, key: str) -> tuple[str, str]:
    item = section[section.index(f'id="todo-{key}"') :]
    item = item[: item.index("</li>\n    \n")] if "</li>\n    \n" in item else item
    found = re.search(r'<p class="todo-more"><a href="([^"]+)">(Voir [^<]+)<', item)
    assert found, item
    return found.group(1).replace("&amp;", "&"), found.group(2)


def test_each_link_to_the_rest_opens_the_list_of_what_waits(users, lens_contract, client_for):
    """« Voir les N » opens the list that holds those N, by the list's own filters; where the
    list holds more than what is counted, the link promises no number."""
    partner, agent = users["test-partner"], users["test-agent"]
    other = make_operation(lens_contract, partner, title="Confiée à un autre")
    operation_services.operation_submit(actor=partner, operation=other)
    operation_services.operations_assign(
        actor=agent, operations=[other], assignee=users["test-admin"]
    )
    for n in range(7):
        operation = make_operation(lens_contract, partner, title=f"Question {n}")
        operation_services.operation_submit(actor=partner, operation=operation)
        operation_services.operation_take_charge(actor=agent, operation=operation)
        operation_services.operation_request_changes(
            actor=agent, operation=operation, reason="Joignez le devis."
        )
    for n in range(6):
        operation = make_operation(lens_contract, partner, title=f"Dépôt {n}")
        operation_services.operation_submit(actor=partner, operation=operation)

    client = client_for("partner")
    url, text = _more_link(_todo_section(client.get("/").content.decode()), "information_requested")
    assert text == "Voir les 7"
    listed = client.get(url).content.decode()
    assert "7 opérations" in listed
    assert "Question 6" in listed and "Dépôt 0" not in listed

    client = client_for("agent")
    section = _todo_section(client.get("/").content.decode())
    assert "6 nouveaux dépôts à prendre en charge" in section
    url, text = _more_link(section, "new_deposit")
    assert text == "Voir la liste"  # the list shows the deposit confided to another agent too
    listed = client.get(url).content.decode()
    assert "7 opérations" in listed
    assert "Dépôt 5" in listed and "Question 0" not in listed


def test_the_home_page_reads_the_same_number_of_queries_whatever_waits(
    users, lens_contract, client_for, django_assert_max_num_queries
):
    partner = users["test-partner"]
    client = client_for("agent")

    def submit(count):
        for n in range(count):
            operation = make_operation(lens_contract, partner, title=f"Dépôt {n}")
            operation_services.operation_submit(actor=partner, operation=operation)

    submit(1)
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    submit(12)
    with django_assert_max_num_queries(len(few.captured_queries) + 1):
        client.get("/")


@pytest.mark.parametrize("role", ["admin", "agent", "assembly", "finance", "elected", "partner"])
def test_every_role_has_a_home_page(role, client_for):
    response = client_for(role).get("/")
    assert response.status_code == 200
    assert "À traiter" in response.content.decode()


def test_an_opinion_waits_for_its_addressee_then_its_answer_for_the_requester(
    users, lens_contract, make_user, client_for
):
    import datetime

    from django.utils import timezone

    from pacte.core.roles import Role

    partner, agent = users["test-partner"], users["test-agent"]
    colleague = make_user(username="service-sports", role=Role.AGENT)
    operation = make_operation(lens_contract, partner, title="Complexe sportif")
    operation_services.operation_submit(actor=partner, operation=operation)
    opinion = operation_services.opinion_request(
        actor=agent,
        operation=operation,
        addressee=colleague,
        question="Le dimensionnement de la salle est-il adapté ?",
        due_on=timezone.localdate() + datetime.timedelta(days=10),
        service="sport",
    )
    assert _keys(colleague)["opinion_to_give"] == 1
    assert "opinion_to_give" not in _keys(agent)
    assert "opinion" not in "".join(_keys(partner))

    operation_services.opinion_answer(
        actor=colleague, opinion=opinion, verdict="favourable", answer="Adapté au besoin."
    )
    assert "opinion_to_give" not in _keys(colleague)
    assert _keys(agent)["opinion_received"] == 1
    section = _todo_section(client_for("agent").get("/").content.decode())
    assert "1 avis reçu à lire" in section
    assert f'href="/operations/avis/{opinion.pk}/"' in section
    # Opening it marks it read.
    assert client_for("agent").get(f"/operations/avis/{opinion.pk}/").status_code == 200
    assert "opinion_received" not in _keys(agent)


def test_a_declared_commitment_waits_for_the_agent_to_validate_it(users, lens_contract):
    from pacte.operations.models import ReciprocalCommitment

    partner, agent = users["test-partner"], users["test-agent"]
    commitment = operation_services.commitment_add(
        actor=agent, contract=lens_contract, kind="other", description="Stages de 3e"
    )
    assert _keys(partner)["commitment_to_report"] == 1
    assert "commitment_to_validate" not in _keys(agent)
    operation_services.commitment_report(
        actor=partner, commitment=commitment, report="Quatre élèves accueillis."
    )
    assert "commitment_to_report" not in _keys(partner)
    assert _keys(agent)["commitment_to_validate"] == 1
    assert "commitment_to_validate" not in _keys(users["test-partner2"])
    commitment.refresh_from_db()
    operation_services.commitment_validate(actor=agent, commitment=commitment, accept=True)
    assert ReciprocalCommitment.objects.get(pk=commitment.pk).state == "validated"
    assert "commitment_to_validate" not in _keys(agent)
