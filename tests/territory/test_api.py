import pytest

from pacte.core.services import api_token_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def bearer(users):
    def make(role):
        _, raw = api_token_create(user=users[f"test-{role}"], name="tests")
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return make


def test_openapi_description_is_published(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/territoire/intercommunalites" in schema["paths"]
    assert client.get("/api/docs").status_code == 200


def test_api_requires_authentication(client):
    assert client.get("/api/territoire/intercommunalites").status_code == 401
    bad = {"HTTP_AUTHORIZATION": "Bearer pacte_not-a-token"}
    assert client.get("/api/territoire/intercommunalites", **bad).status_code == 401


def test_agent_reads_epcis_with_a_token(client, bearer):
    response = client.get("/api/territoire/intercommunalites", **bearer("agent"))
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 20
    flandre = next(e for e in data["items"] if e["siren"] == "245900758")
    assert flandre["commune_count"] == 4 and flandre["commune_count_total"] > 4
    assert flandre["kind_label"] == "Communauté de communes"


def test_commune_search_and_detail(client, bearer):
    headers = bearer("elected")
    found = client.get("/api/territoire/communes", {"q": "arras"}, **headers).json()
    arras = next(c for c in found["items"] if c["insee_code"] == "62041")
    assert arras["cantons"] == ["6202", "6203", "6204"]
    assert arras["epci_siren"] == "200033579"
    detail = client.get("/api/territoire/communes/62041", **headers).json()
    assert detail["name"] == "Arras" and detail["department"] == "62"
    assert client.get("/api/territoire/communes/99999", **headers).status_code == 404
    scoped = client.get("/api/territoire/communes", {"epci": "245900758"}, **headers).json()
    assert scoped["count"] == 4


def test_councillors_and_cantons(client, bearer):
    headers = bearer("assembly")
    councillors = client.get("/api/territoire/elus", **headers).json()
    assert len(councillors) == 78
    assert councillors[0]["last_name"] == "LEROY" and councillors[0]["function"] == "PRE"
    cantons = client.get("/api/territoire/cantons", **headers).json()
    assert len(cantons) == 39
    assert client.get("/api/territoire/departements", **headers).json()[0]["commune_count"] == 887


def test_partner_token_cannot_read_the_referential(client, bearer):
    response = client.get("/api/territoire/intercommunalites", **bearer("partner"))
    assert response.status_code == 403
    assert "réservé" in response.json()["detail"]


def test_revoked_token_is_refused(client, users):
    from pacte.core.services import api_token_revoke

    token, raw = api_token_create(user=users["test-agent"], name="éphémère")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/territoire/cantons", **headers).status_code == 200
    api_token_revoke(token=token, actor=users["test-agent"])
    assert client.get("/api/territoire/cantons", **headers).status_code == 401


def test_session_authentication_works_for_the_browser(client_for):
    assert client_for("agent").get("/api/territoire/cantons").status_code == 200
