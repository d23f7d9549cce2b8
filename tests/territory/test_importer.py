import csv
import lzma
import shutil

import pytest

from pacte.territory.importer import ImportErrorFr, default_source, import_referential
from pacte.territory.models import Canton, Commune, Councillor, Department, Epci

pytestmark = pytest.mark.django_db

FLANDRE_LYS = "245900758"


def test_pas_de_calais_counts():
    department = Department.objects.get(code="62")
    assert department.name == "Pas-de-Calais"
    assert Commune.objects.filter(department=department).count() == 887
    assert department.commune_count == 887
    assert Epci.objects.count() == 20
    assert Canton.objects.filter(department=department).count() == 39
    assert Councillor.objects.in_office().count() == 78


def test_population_of_department_is_sum_of_communes():
    department = Department.objects.get(code="62")
    total = sum(Commune.objects.filter(department=department).values_list("population", flat=True))
    assert department.population == total
    assert 1_400_000 < total < 1_500_000


def test_president_and_vice_presidents():
    president = Councillor.objects.get(function="PRE")
    assert (president.first_name, president.last_name) == ("Jean-Claude", "LEROY")
    assert president.canton.name == "Lumbres"
    vice_presidents = Councillor.objects.filter(function="VPE").order_by("function_rank")
    assert vice_presidents.count() == 13
    assert vice_presidents.first().last_name == "HINGREZ-CÉRÉDA"
    assert vice_presidents.first().function_label == "1re vice-présidente"


def test_every_councillor_sits_for_a_canton_of_the_department():
    # The register is taken as published: 78 councillors over the 39 cantons.
    assert not Councillor.objects.exclude(canton__department__code="62").exists()
    assert Canton.objects.filter(councillors__isnull=False).distinct().count() >= 38


def test_flandre_lys_is_kept_without_its_communes_of_the_nord():
    epci = Epci.objects.get(siren=FLANDRE_LYS)
    assert epci.name == "Communauté de communes Flandre Lys"
    assert epci.commune_count == 4
    assert epci.commune_count_total > epci.commune_count
    assert epci.straddles
    assert set(epci.communes.values_list("department__code", flat=True)) == {"62"}
    assert epci.population == sum(epci.communes.values_list("population", flat=True))


def test_epci_figures_match_their_communes():
    for epci in Epci.objects.all():
        assert epci.commune_count == epci.communes.count()
        assert epci.population == sum(epci.communes.values_list("population", flat=True))
    assert sum(Epci.objects.values_list("commune_count", flat=True)) == 887


def test_every_commune_has_a_canton_and_split_towns_have_several():
    assert not Commune.objects.filter(cantons__isnull=True).exists()
    expectations = {
        "Arras": {"Arras-1", "Arras-2", "Arras-3"},
        "Calais": {"Calais-1", "Calais-2", "Calais-3"},
        "Boulogne-sur-Mer": {"Boulogne-sur-Mer-1", "Boulogne-sur-Mer-2"},
        "Hénin-Beaumont": {"Hénin-Beaumont-1", "Hénin-Beaumont-2"},
    }
    for name, cantons in expectations.items():
        commune = Commune.objects.get(name=name, department__code="62")
        assert set(commune.cantons.values_list("name", flat=True)) == cantons
    # Every canton holds at least one commune, Calais-3 (a fraction of Calais alone) included.
    for canton in Canton.objects.all():
        assert canton.communes.exists(), canton.name


def test_maps_are_stored_as_svg_paths():
    department = Department.objects.get(code="62")
    assert department.svg_path.startswith("M") and department.svg_viewbox
    assert all(e.svg_path.startswith("M") for e in Epci.objects.all())


def test_second_run_changes_nothing():
    report = import_referential(["62"])
    assert not report.changed
    assert report.counts["Communes"].unchanged == 887
    assert report.counts["Conseillers départementaux"].unchanged == 78


def test_unknown_department_is_refused_in_french():
    with pytest.raises(ImportErrorFr, match="Département\\(s\\) inconnu\\(s\\).*999"):
        import_referential(["999"])


def _source_with_changed_commune(tmp_path, insee, **changes):
    """A copy of the source where one commune row of the Pas-de-Calais is changed."""
    source = default_source()
    for name in ["departements", "epci", "cantons", "elus_departementaux"]:
        shutil.copy(source / f"{name}.csv.lzma", tmp_path / f"{name}.csv.lzma")
    with lzma.open(source / "communes.csv.lzma", "rt", encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [r for r in reader if r["departement_id"] == "62"]
        fields = reader.fieldnames
    for row in rows:
        if row["code"] == insee:
            row.update(changes)
    with open(tmp_path / "communes.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return tmp_path


def test_changed_source_row_updates_in_place(tmp_path):
    arras = Commune.objects.get(insee_code="62041")
    source = _source_with_changed_commune(
        tmp_path, "62041", nom="Arras-en-Artois", population_municipale="40000"
    )
    report = import_referential(["62"], source=source)
    assert report.counts["Communes"].updated == 1
    assert report.counts["Communes"].created == 0
    changed = Commune.objects.get(insee_code="62041")
    assert changed.pk == arras.pk
    assert changed.name == "Arras-en-Artois"
    assert changed.search_name == "arras en artois"
    assert changed.population == 40000
    cua = changed.epci
    assert cua.population == sum(cua.communes.values_list("population", flat=True))
    assert Commune.objects.count() == 887


def test_councillor_gone_from_register_is_kept_out_of_office(tmp_path):
    source = default_source()
    for name in ["departements", "epci", "cantons", "communes"]:
        shutil.copy(source / f"{name}.csv.lzma", tmp_path / f"{name}.csv.lzma")
    with lzma.open(source / "elus_departementaux.csv.lzma", "rt", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        rows = [r for r in reader if not (r["nom"] == "MECQUIGNON" or r["nom"] == "MEQUIGNON")]
        fields = reader.fieldnames
    with open(tmp_path / "elus_departementaux.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    import_referential(["62"], source=tmp_path)
    gone = Councillor.objects.get(last_name="MEQUIGNON")
    assert not gone.in_office and gone.function == ""
    assert Councillor.objects.in_office().count() == 77


def test_other_departements_import_without_losing_communes():
    """Aveyron has a commune without geometry in the source; Somme shares the CC du Ternois."""
    report = import_referential(["12", "80"])
    assert report.notes["Communes sans canton (géométrie absente de la source)"] >= 1
    aveyron = Department.objects.get(code="12")
    assert Commune.objects.filter(department=aveyron).count() == aveyron.commune_count
    ternois = Epci.objects.get(siren="200069672")
    assert ternois.commune_count == ternois.commune_count_total == 103


def test_lists_show_the_served_departement_and_maps_span_two(client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import_referential(["80"])
    client = client_for("agent")
    assert len(client.get("/territoire/intercommunalites/").context["epcis"]) == 20
    everywhere = client.get("/territoire/intercommunalites/?departement=")
    assert len(everywhere.context["epcis"]) > 20
    assert len(client.get("/territoire/elus/").context["councillors"]) == 78
    with CaptureQueriesContext(connection) as two:
        page = client.get("/territoire/intercommunalites/200069672/")
    assert [m.key for m in page.context["maps"]] == ["carte-62", "carte-80"]
    with CaptureQueriesContext(connection) as one:
        client.get("/territoire/intercommunalites/245900758/")
    assert len(one) == len(two)
