import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pacte.territory.models import Councillor, PoliticalGroup

pytestmark = pytest.mark.django_db

INTERNAL = ["admin", "agent", "assembly", "finance", "elected"]
PAGES = [
    "/territoire/intercommunalites/",
    "/territoire/intercommunalites/245900758/",
    "/territoire/communes/?q=arras",
    "/territoire/elus/",
]


@pytest.mark.parametrize("role", INTERNAL)
@pytest.mark.parametrize("url", PAGES)
def test_internal_roles_read_the_referential(client_for, role, url):
    response = client_for(role).get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("role", ["partner", "partner2"])
@pytest.mark.parametrize("url", PAGES)
def test_partner_users_are_refused_the_referential(client_for, role, url):
    response = client_for(role).get(url)
    assert response.status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/connexion/?next=")


def test_inactive_user_is_refused(client, users):
    agent = users["test-agent"]
    agent.is_active = False
    agent.save()
    client.force_login(agent)
    assert client.get("/territoire/intercommunalites/").status_code in {302, 403}


def test_epci_list_shows_the_twenty_with_french_figures(client_for):
    response = client_for("agent").get("/territoire/intercommunalites/")
    epcis = response.context["epcis"]
    assert len(epcis) == 20
    html = response.content.decode()
    assert "20 intercommunalités, 887 communes" in html
    assert "Communauté de communes Flandre Lys" in html
    assert '4 <span class="note">sur 8</span>' in html


def test_epci_list_filters_and_sorts(client_for):
    client = client_for("agent")
    by_population = client.get("/territoire/intercommunalites/?tri=-population").context["epcis"]
    assert by_population[0].name.startswith("Communauté d'agglomération de Béthune-Bruay")
    populations = [e.population for e in by_population]
    assert populations == sorted(populations, reverse=True)
    urban = client.get("/territoire/intercommunalites/?nature=CU").context["epcis"]
    assert [e.name for e in urban] == ["Communauté urbaine d'Arras"]
    territory = urban[0].territory
    in_territory = client.get(f"/territoire/intercommunalites/?territoire={territory.pk}")
    assert {e.territory_id for e in in_territory.context["epcis"]} == {territory.pk}
    # Unknown values are ignored, not errors.
    assert client.get("/territoire/intercommunalites/?nature=XX&tri=n").status_code == 200


def test_epci_detail_lists_its_communes_and_draws_the_map(client_for):
    response = client_for("agent").get("/territoire/intercommunalites/245900758/")
    html = response.content.decode()
    names = [c.name for c in response.context["communes"]]
    assert names == ["Fleurbaix", "Laventie", "Lestrem", "Sailly-sur-la-Lys"]
    assert 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert html.count('class="map-shape map-highlight"') == 1
    assert html.count('class="map-shape') == 20
    assert "sur 8 au total" in html


def test_unknown_epci_is_404(client_for):
    assert client_for("agent").get("/territoire/intercommunalites/999999999/").status_code == 404


@pytest.mark.parametrize(
    "query, expected",
    [
        ("noeux les mines", "Nœux-les-Mines"),
        ("NŒUX", "Nœux-les-Mines"),
        ("62041", "Arras"),
        ("boulogne sur", "Boulogne-sur-Mer"),
        ("hénin", "Hénin-Beaumont"),
    ],
)
def test_commune_search_by_name_or_code(client_for, query, expected):
    response = client_for("agent").get("/territoire/communes/", {"q": query})
    assert expected in [c.name for c in response.context["page"].object_list]


def test_commune_search_paginates_all_887(client_for):
    client = client_for("agent")
    page = client.get("/territoire/communes/").context["page"]
    assert page.paginator.count == 887
    assert len(page.object_list) == 50
    last = client.get("/territoire/communes/?page=18").context["page"]
    assert len(last.object_list) == 887 - 17 * 50


def test_commune_search_no_match_says_so(client_for):
    response = client_for("agent").get("/territoire/communes/", {"q": "zzzz"})
    assert "Aucune commune ne correspond" in response.content.decode()


def test_commune_search_answers_htmx_with_the_results_fragment(client_for):
    response = client_for("agent").get(
        "/territoire/communes/", {"q": "arras"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="resultats"
    )
    html = response.content.decode()
    assert "<html" not in html
    assert "Arras" in html


def test_councillors_list_has_the_president_first(client_for):
    response = client_for("elected").get("/territoire/elus/")
    councillors = list(response.context["councillors"])
    assert len(councillors) == 78
    assert (councillors[0].last_name, councillors[0].function_label) == ("LEROY", "Président")
    assert all(c.function == "VPE" for c in councillors[1:14])


def test_councillors_filter_by_group_and_fictitious_mark(client_for):
    group = PoliticalGroup.objects.get(name="Non-Inscrits")
    councillor = Councillor.objects.get(last_name="LEROY")
    councillor.political_group = group
    councillor.group_is_fictitious = True
    councillor.save()
    response = client_for("agent").get("/territoire/elus/", {"groupe": group.pk})
    assert [c.last_name for c in response.context["councillors"]] == ["LEROY"]
    assert "fictif" in response.content.decode()


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_queries_per_page_do_not_grow_with_the_data(client_for):
    client = client_for("agent")
    _queries(client, "/territoire/intercommunalites/")  # session, warm caches
    assert _queries(client, "/territoire/intercommunalites/?nature=CU") == _queries(
        client, "/territoire/intercommunalites/"
    )
    # 4 communes versus 100 communes.
    assert _queries(client, "/territoire/intercommunalites/245900758/") == _queries(
        client, "/territoire/intercommunalites/200072460/"
    )
    # 1 result versus a full page of 50.
    assert _queries(client, "/territoire/communes/?q=62041") == _queries(
        client, "/territoire/communes/?q=a"
    )
