import csv
import datetime
import io
import json
from decimal import Decimal

from django.http import StreamingHttpResponse
from django.utils import timezone

from pacte.contracts.models import Partner
from pacte.core.dates import add_years
from pacte.pilotage import opendata
from pacte.pilotage.checks import collectivity_siret
from tests.finance.conftest import voted_operation
from tests.history.conftest import amount, demo_rows
from tests.pilotage.scdl import SCHEMA_FILE, error_summary, validate_scdl


def download(client) -> bytes:
    response = client.get("/donnees-ouvertes/subventions.csv")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="226200012-subventions.csv"'
    return b"".join(response.streaming_content)


def iso(french_date: str) -> str:
    return "-".join(reversed(french_date.split("/")))


def test_public_page_lists_the_datasets_without_login(client, imported):
    page = client.get("/donnees-ouvertes/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'href="/donnees-ouvertes/subventions.csv"' in text
    assert 'href="/deliberations/scdl.csv"' in text
    assert "SCDL subventions 2.1.1" in text
    assert page.context["subsidies"]["published"] == 104
    assert client.get("/deliberations/scdl.csv").status_code == 200
    assert 'href="/donnees-ouvertes/"' in client.get("/connexion/").content.decode()


def test_subsidies_file_is_valid_against_the_scdl_schema(
    client, imported, users, lens_contract, ap
):
    operation, _ = voted_operation(lens_contract, users, amount="135000.00")
    voted_operation(lens_contract, users, sign=False, title="Voté, convention non signée")
    data = download(client)
    assert not data.startswith(b"\xef\xbb\xbf")
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert list(rows[0].keys()) == [f["name"] for f in schema["fields"]]
    assert len(rows) == 104 + 1  # the history's conventions and the one signed since

    report = validate_scdl(data)
    assert report.valid, error_summary(report)

    signed = operation.events.get(transition="sign_agreement").at
    signed_on = timezone.localtime(signed).date()
    current = next(r for r in rows if r["objet"].endswith(operation.title))
    assert current == {
        "nomAttribuant": "Département du Pas-de-Calais",
        "idAttribuant": "22620001200012",
        "dateConvention": signed_on.isoformat(),
        "referenceDecision": "2024-310",
        "nomBeneficiaire": "Communauté d'agglomération de Lens - Liévin",
        "idBeneficiaire": Partner.objects.get(siren="246200364").siret,
        "rnaBeneficiaire": "",
        "objet": f"Fonds d'Innovation Territorial — {operation.title}",
        "montant": "135000.00",
        "nature": "aide en numéraire",
        "conditionsVersement": "échelonné",
        "datesPeriodeVersement": f"{signed_on.isoformat()}/"
        f"{signed_on.replace(year=signed_on.year + 4).isoformat()}",
        "idRAE": "",
        "notificationUE": "non",
        "pourcentageSubvention": "1.00",
        "dispositifAide": "",
    }
    # The history's rows carry the file's convention date, deliberation and amount.
    source = demo_rows()[0]
    past = next(r for r in rows if r["objet"].endswith(source["intitule"]))
    assert past["dateConvention"] == iso(source["date_convention"])
    assert past["referenceDecision"] == source["numero_deliberation"]
    assert past["idBeneficiaire"] == source["partenaire_identifiant"]
    assert Decimal(past["montant"]) == amount(source["montant_fonds"])
    total = sum(Decimal(r["montant"]) for r in rows)
    assert total == sum(amount(r["montant_fonds"]) for r in demo_rows()) + Decimal("135000.00")


def test_validation_catches_an_invalid_siret_and_a_missing_identifier(imported):
    """The validation can fail: a SIRET with a wrong key (slipped past the partner's checks)
    and a beneficiary with neither SIRET nor RNA number are both reported."""
    Partner.objects.filter(siren="216207654").update(siret="21620765400016")  # wrong key
    Partner.objects.filter(siren="246200729").update(siret="")  # CA du Boulonnais
    everything = b"".join(opendata.scdl_csv_chunks(opendata.signed_conventions()))
    report = validate_scdl(everything)
    assert not report.valid
    found = {(field, kind) for _, field, kind in error_summary(report)}
    assert found == {("idBeneficiaire", "french-siret-value"), (None, "one-of-required")}

    # The published file leaves out the conventions it cannot publish validly, and says so.
    published = b"".join(opendata.scdl_csv_chunks())
    assert "Communauté d'agglomération du Boulonnais" not in published.decode()
    held_back = sum(1 for r in demo_rows() if r["partenaire_identifiant"].startswith("246200729"))
    assert opendata.catalogue()["held_back"] == held_back > 0
    assert [(p.siren, n) for p, n in opendata.held_back_partners()] == [("246200729", held_back)]


def test_held_back_beneficiaries_are_named_to_the_services_only(client, client_for, imported):
    Partner.objects.filter(siren="246200729").update(siret="")
    public = client.get("/donnees-ouvertes/").content.decode()
    held_back = sum(1 for r in demo_rows() if r["partenaire_identifiant"].startswith("246200729"))
    assert f"{held_back} conventions signées n'y figurent pas encore" in public
    assert "Communauté d&#x27;agglomération du Boulonnais" not in public
    internal = client_for("agent").get("/donnees-ouvertes/").content.decode()
    assert "Communauté d&#x27;agglomération du Boulonnais" in internal


def test_the_file_is_written_as_it_is_read(imported):
    chunks = list(opendata.scdl_csv_chunks())
    assert len(chunks) == 1 + 1  # the header, then 104 rows in one chunk of at most 500
    assert chunks[0].decode().startswith("nomAttribuant,idAttribuant,dateConvention,")


def test_a_wrong_collectivity_siret_is_reported_by_the_system_checks(settings):
    assert collectivity_siret(None) == []
    settings.PACTE_COLLECTIVITY_SIRET = "22620001200013"
    assert [w.id for w in collectivity_siret(None)] == ["pilotage.W001"]


def test_a_convention_signed_a_29_february_is_paid_until_the_28_february():
    assert add_years(datetime.date(2024, 2, 29), 4) == datetime.date(2028, 2, 29)
    assert add_years(datetime.date(2024, 2, 29), 3) == datetime.date(2027, 2, 28)
