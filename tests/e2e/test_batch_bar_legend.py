"""The operations list's batch bar, held at the bottom of the window over the rows while some are
ticked: its title (the fieldset's legend) lies inside the bar, on its background, at 1280 and at
390 px — astride the bar's top edge, its upper half had no background and mixed its words with
the rows' words beneath it."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import operation_data as data
from tests.e2e.a11y import assert_no_axe_violations

pytestmark = pytest.mark.e2e

SIZES = pytest.mark.parametrize(
    "size",
    [{"width": 1280, "height": 700}, {"width": 390, "height": 844}],
    ids=["ordinateur", "telephone"],
)


@pytest.fixture(scope="module")
def deposits(django_db_setup, django_db_blocker, tmp_path_factory):
    with data.media_root(tmp_path_factory.mktemp("media")), django_db_blocker.unblock():
        partner = data.user("test-partner")
        contract = data.signed_contract_of(data.LENS_LIEVIN_SIREN)
        return [
            data.submitted_operation(contract, partner, f"Halle de marché n°{i}").pk
            for i in range(30)
        ]


def red_pixels(page, png: bytes) -> int:
    """How many pure red points a screenshot holds, decoded by the browser itself (an image
    made from bytes, which the page's Content-Security-Policy does not govern)."""
    return page.evaluate(
        """async bytes => {
            const image = await createImageBitmap(new Blob([new Uint8Array(bytes)]));
            const canvas = new OffscreenCanvas(image.width, image.height);
            const context = canvas.getContext("2d");
            context.drawImage(image, 0, 0);
            const data = context.getImageData(0, 0, image.width, image.height).data;
            let red = 0;
            for (let i = 0; i < data.length; i += 4) {
                if (data[i] > 200 && data[i + 1] < 60 && data[i + 2] < 60) red++;
            }
            return red;
        }""",
        list(png),
    )


@SIZES
def test_the_batch_bar_title_lies_inside_the_bar(page, login, deposits, size):
    page.set_viewport_size(size)
    login("agent")
    page.goto("/operations/?etat=submitted&par=50")
    page.get_by_label(re.compile("^Sélectionner OP-")).first.check()
    bar = page.get_by_role("group", name="Action sur les opérations cochées")
    expect(bar.get_by_role("status")).to_have_text("1 opération cochée sur cette page.")
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    assert_no_axe_violations(page)
    page.mouse.wheel(0, 300)  # rows now pass under the bar
    page.wait_for_timeout(200)
    # The rows painted red: whatever of them shows through the bar's top band is a fault.
    page.evaluate(
        """() => document.querySelectorAll("tbody tr").forEach(
            row => { row.style.background = "rgb(255, 0, 0)"; })"""
    )
    box = bar.bounding_box()
    assert box["y"] + box["height"] <= size["height"] + 1, "la barre reste en vue"
    assert box["y"] > 0
    # The band across the bar's top, but its rounded corners.
    band = {"x": box["x"] + 6, "y": box["y"], "width": box["width"] - 12, "height": 8}
    red = red_pixels(page, page.screenshot(clip=band))
    assert red == 0, f"{red} points des lignes du tableau se voient à travers le haut de la barre"
