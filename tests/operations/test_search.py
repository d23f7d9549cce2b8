"""Full-text search of operations: accents and case ignored, the beginning of a word enough,
over the title, description, partner, communes and reference, ranked by relevance; the same rows
on SQLite (FTS5) and PostgreSQL (GIN index); any input answered in French, never a 500."""

import io

import pytest
from django.core.management import call_command

from pacte.operations import search, selectors, services
from pacte.operations.models import OperationSearch
from pacte.territory.models import Commune

from .conftest import make_operation

pytestmark = pytest.mark.django_db


@pytest.fixture
def shops(lens_contract, users):
    partner = users["test-partner"]
    made = {
        "title": make_operation(lens_contract, partner, title="Épicerie solidaire"),
        "upper": make_operation(lens_contract, partner, title="ÉPICERIES DU CŒUR"),
        "other": make_operation(lens_contract, partner, title="Médiathèque"),
    }
    services.operation_update(
        actor=partner,
        operation=made["other"],
        description="Une médiathèque avec, au rez-de-chaussée, un coin épicerie de produits "
        "locaux ouvert le samedi, une salle d'exposition et un atelier numérique.",
    )
    for operation in made.values():
        services.operation_submit(actor=partner, operation=operation)
    return made


def found(user, query, **filters):
    return list(selectors.operation_list(user=user, query=query, **filters))


def test_documents_are_lower_case_without_accents_or_punctuation():
    assert search.normalize("ÉPICERIE « Cœur » d'Hénin-Beaumont !") == (
        "epicerie coeur d henin beaumont"
    )
    assert search.words('  "épicerie*" NEAR(:x) ; DROP TABLE  ') == [
        "epicerie",
        "near",
        "x",
        "drop",
        "table",
    ]
    assert search.words("🚲 … !!") == []
    assert (
        len(search.words("mot " * 5000)) == 1
        and len(search.words(" ".join("abcdefghijklmnop"))) == 12
    )


def test_accents_and_case_are_ignored_and_the_beginning_of_a_word_is_enough(shops, users):
    agent = users["test-agent"]
    every = {shops["title"].pk, shops["upper"].pk, shops["other"].pk}
    for query in ["epicerie", "ÉPICERIE", "épicerie", "Epic", "épi"]:
        assert {o.pk for o in found(agent, query)} == every, query
    assert [o.pk for o in found(agent, "coeur")] == [shops["upper"].pk]
    assert [o.pk for o in found(agent, "cœur épiceries")] == [shops["upper"].pk]
    assert found(agent, "epicerie boulangerie") == []  # every word must be there


def test_partner_commune_and_reference_are_searched(shops, users, lens_contract):
    agent = users["test-agent"]
    everything = {o.pk for o in shops.values()}
    partner = lens_contract.partner.name
    assert {o.pk for o in found(agent, partner.upper())} == everything
    assert {o.pk for o in found(agent, "lievin")} == everything  # Liévin, their commune
    assert {o.pk for o in found(agent, "62510")} == everything  # and its INSEE code
    reference = shops["other"].reference
    assert [o.pk for o in found(agent, reference)] == [shops["other"].pk]
    assert [o.pk for o in found(agent, reference.lower())] == [shops["other"].pk]
    number = reference.rsplit("-", 1)[1]
    assert [o.pk for o in found(agent, number)] == [shops["other"].pk]
    assert shops["other"].pk in {o.pk for o in found(agent, number.lstrip("0"))}


def test_the_most_relevant_come_first_unless_another_order_is_asked(shops, users):
    agent = users["test-agent"]
    ranked = found(agent, "epicerie")
    # A title of two words beats a word lost in a long description.
    assert ranked[-1].pk == shops["other"].pk
    by_title = found(agent, "epicerie", sort="titre")
    assert [o.title for o in by_title] == sorted(o.title for o in by_title)


def test_the_documents_follow_renames_and_communes(shops, users, lens_contract):
    agent = users["test-agent"]
    partner = lens_contract.partner
    partner.name = "Communauté d'agglomération Lens-Liévin Nouvelle"
    partner.save()
    assert len(found(agent, "nouvelle")) == 3
    operation = shops["other"]
    operation.communes.set([Commune.objects.get(insee_code="62041")])  # Arras
    assert [o.pk for o in found(agent, "arras")] == [operation.pk]
    services.operation_take_charge(actor=agent, operation=operation)
    services.operation_update(actor=agent, operation=operation, title="Ludothèque")
    assert [o.pk for o in found(agent, "ludotheque")] == [operation.pk]
    assert OperationSearch.objects.get(operation=operation).text.startswith(
        search.normalize(operation.reference)
    )
    OperationSearch.objects.all().delete()
    assert found(agent, "ludotheque") == []
    out = io.StringIO()
    call_command("search_rebuild", stdout=out)  # the operator's repair
    assert out.getvalue().startswith("Index de recherche réécrit : 3 opérations en ")
    assert [o.pk for o in found(agent, "ludotheque")] == [operation.pk]


def test_scope_stays_the_users(shops, users, arras_contract):
    other = make_operation(arras_contract, users["test-partner2"], title="Épicerie")
    services.operation_submit(actor=users["test-partner2"], operation=other)
    assert other.pk not in {o.pk for o in found(users["test-partner"], "epicerie")}
    assert other.pk in {o.pk for o in found(users["test-agent"], "epicerie")}
    draft = make_operation(arras_contract, users["test-partner2"], complete=False, title="Épicerie")
    assert draft.pk not in {o.pk for o in found(users["test-agent"], "epicerie")}


@pytest.mark.parametrize(
    "query",
    [
        "x" * 10_000,
        "!!!",
        '"',
        "*",
        "NEAR",
        "épicerie NEAR(solidaire)",
        "title:epicerie",
        "'; DROP TABLE operations_operation; --",
        "\x00épicerie",
        "🚲🚲",
        "",
        "OP-",
        "OP-2023-99999",
        "-",
        "AND OR NOT",
    ],
)
def test_any_input_gets_a_french_page(client_for, shops, query):
    response = client_for("agent").get("/operations/", {"q": query})
    assert response.status_code in {200, 400}
    if response.status_code == 200:
        page = response.content.decode()
        assert "Recherche" in page
    api = client_for("agent").get("/api/operations", {"q": query[:200]})
    assert api.status_code in {200, 400, 422}


def test_a_query_without_letters_says_so(client_for, shops):
    page = client_for("agent").get("/operations/", {"q": "!!! ?"}).content.decode()
    assert "ne contient ni lettre ni chiffre" in page
    page = client_for("agent").get("/operations/", {"q": "zzqxw"}).content.decode()
    assert "Aucune opération ne contient le mot «\u00a0zzqxw\u00a0»" in page
    page = client_for("agent").get("/operations/", {"q": "zzqxw yyq"}).content.decode()
    assert "Aucune opération ne contient tous les mots «\u00a0zzqxw yyq\u00a0»" in page


def test_the_list_page_ranks_and_counts_what_it_finds(client_for, shops):
    page = client_for("agent").get("/operations/", {"q": "EPICERIE"}).content.decode()
    first = page.index("ÉPICERIES DU CŒUR") if "ÉPICERIES DU CŒUR" in page else -1
    assert first > 0 and page.index("Médiathèque") > first


def test_a_search_reads_as_many_queries_with_3_or_13_matches(
    client_for, shops, lens_contract, users, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for("agent")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/operations/", {"q": "epicerie"}).status_code == 200
    for number in range(10):
        operation = make_operation(lens_contract, users["test-partner"], title=f"Épicerie {number}")
        services.operation_submit(actor=users["test-partner"], operation=operation)
    with django_assert_max_num_queries(len(few)):
        page = client.get("/operations/", {"q": "epicerie"}).content.decode()
    assert "Épicerie 9" in page
