"""How the dashboards read: sections behind tabs (a table of contents with anchors without
JavaScript), bars whose labels and values are text of the page, and maps whose shapes carry a
number listed with its name beside the map."""

import re

import pytest
import shapely

from pacte.core.charts import Series, bar_rows, format_count
from pacte.pilotage import balance
from pacte.territory.maps import label_point
from pacte.territory.models import Epci

from .conftest import D, operation_to

pytestmark = pytest.mark.django_db

TABS = {
    "direction": ["etats", "territoires", "montants", "delais", "attention", "engagements"],
    "instruction": ["mes-dossiers", "etats", "territoires", "delais", "attention", "engagements"],
    "finances": ["montants", "territoires", "delais", "attention"],
    "elus": ["etats", "territoires", "montants", "delais", "attention", "engagements"],
}


@pytest.fixture
def some(lens_contract, arras_contract, users, ap):
    operation_to(lens_contract, users, "voted", voted_on=D(2024, 3, 25), amount="120000.00")
    operation_to(arras_contract, users, "in_review")
    operation_to(arras_contract, users, "submitted")


@pytest.mark.parametrize("kind", TABS)
def test_each_section_has_its_tab_and_its_anchor(some, client_for, kind):
    html = client_for("admin").get(f"/pilotage/{kind}/").content.decode()
    nav = re.search(r'<nav class="section-nav" aria-label="[^"]+"><ul>(.*?)</ul></nav>', html, re.S)
    assert nav, "pas de sommaire des sections"
    anchors = re.findall(r'<a href="#([a-z-]+)">', nav.group(1))
    assert anchors == TABS[kind]
    panels = re.findall(r'<div class="tab-panel" id="([a-z-]+)">', html)
    assert panels == TABS[kind]
    assert "pacte/tabs.js" in html
    # Each panel holds its section, titled.
    for anchor in anchors:
        start = html.index(f'<div class="tab-panel" id="{anchor}">')
        assert "<h2 " in html[start : start + 300]


def test_the_chart_by_state_writes_its_labels_and_values_as_text(some, client_for):
    html = client_for("agent").get("/pilotage/instruction/").content.decode()
    start = html.index('<div class="tab-panel" id="etats">')
    chart = html[start : html.index("</figure>", start)]
    assert 'class="bar-rows" role="img"' in chart
    label, value = '<span class="bar-rows-label">', '<span class="bar-rows-value">'
    rows = re.findall(rf"{label}([^<]+)</span>.*?{value}([^<]+)</span>", chart)
    assert ("Déposée", "1") in rows and ("En instruction", "1") in rows
    assert ("Subvention votée", "1") in rows
    # Not a picture of the labels: no SVG text in the chart.
    assert "<text" not in chart


def test_bars_of_several_series_name_each_value():
    html = bar_rows(
        title="Délais",
        description="Médiane et 9e décile.",
        labels=["Dépôt → vote", "Vote → convention"],
        series=[Series("Médiane", [5, 10]), Series("9e décile", [20, 0])],
        value_format=format_count,
    )
    assert html.count('<span class="bar-rows-value">Médiane\xa0: ') == 2
    assert '<span class="bar-rows-value">9e décile\xa0: 20</span>' in html
    assert '<rect width="1000.0"' in html and '<rect width="0.0"' in html
    assert 'aria-labelledby="c' in html and "Médiane et 9e décile." in html
    escaped = bar_rows(title="<x>", description="&", labels=["<b>"], series=[Series("s", [1])])
    assert "<b>" not in escaped and "&lt;b&gt;" in escaped


def test_a_label_point_lies_inside_its_shape_even_a_crescent_or_a_ring():
    crescent = "M0,0 10,0 10,10 0,10 0,8 8,8 8,2 0,2Z"
    x, y = label_point(crescent)
    assert shapely.Polygon(
        [(0, 0), (10, 0), (10, 10), (0, 10), (0, 8), (8, 8), (8, 2), (0, 2)]
    ).contains(shapely.Point(x, y))
    ring = "M0,0 30,0 30,30 0,30ZM5,5 25,5 25,25 5,25Z"
    x, y = label_point(ring)
    assert not (5 < x < 25 and 5 < y < 25), (x, y)
    assert label_point("") is None


def test_the_balance_maps_number_their_shapes_and_list_the_names(
    some, client_for, users, generation
):
    data = balance.territorial_balance(user=users["test-elected"], generation_id=generation.pk)
    names = data["maps"]["epci"].names
    epcis = Epci.objects.filter(communes__department__code="62").distinct().exclude(svg_path="")
    assert [n.number for n in names] == list(range(1, epcis.count() + 1))
    assert [n.label for n in names] == sorted(e.name for e in epcis)
    for n in names:
        shape = shapely.MultiPolygon(
            [
                shapely.Polygon([tuple(map(float, p.split(","))) for p in ring.rstrip("Z").split()])
                for ring in Epci.objects.get(name=n.label).svg_path.split("M")[1:]
            ]
        )
        assert shape.buffer(0.01).contains(shapely.Point(n.x, n.y)), n.label
    html = client_for("elected").get("/pilotage/equilibre-territorial/").content.decode()
    assert html.count('<g class="map-number">') == len(names) + len(data["maps"]["communes"].names)
    lens = next(n for n in names if "Lens" in n.label)
    assert (
        f'<li value="{lens.number}">Communauté d&#x27;agglomération de Lens - Liévin&nbsp;: '
        in html
    )
    assert "par habitant</li>" in html and "aucune subvention votée</li>" in html
