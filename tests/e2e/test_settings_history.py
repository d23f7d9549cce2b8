"""An administrator changes a fund setting of a generation in the administration, then reads it
in the history of settings — who, when, the old and the new value — on a page without
accessibility violations, and in the object's own history in the administration."""

import re

from playwright.sync_api import expect

from tests.e2e.a11y import assert_no_axe_violations


def test_administrator_reads_the_change_of_a_fund_setting(page, login):
    from pacte.contracts.models import Generation

    generation = Generation.objects.get(framework_deliberation_number="2022-317")
    kept = generation.lapse_warning_days
    try:
        Generation.objects.filter(pk=generation.pk).update(lapse_warning_days=90)
        login("admin")
        page.goto(f"/admin/contracts/generation/{generation.pk}/change/")
        page.get_by_label("Alerte avant une échéance de caducité (jours)").fill("75")
        page.get_by_role("button", name="Enregistrer", exact=True).click()
        expect(page.locator(".messagelist")).to_contain_text("a été modifié")

        page.goto("/admin/")
        page.get_by_role("link", name=re.compile("Qui a modifié quoi et quand")).click()
        expect(page.get_by_role("heading", level=1, name="Historique des réglages")).to_be_visible()
        page.get_by_label("Objet").select_option(label="génération de contractualisation")
        page.get_by_role("button", name="Filtrer").click()
        line = page.get_by_role("listitem").filter(has_text="alerte avant une échéance")
        expect(line.first).to_contain_text(
            f"a modifié la génération de contractualisation « {generation.name} »"
        )
        expect(line.first).to_contain_text("90 jours → 75 jours")
        assert_no_axe_violations(page)

        line.first.get_by_role("link", name="(historique de l'objet)").click()
        expect(page.locator("#settings-history")).to_contain_text("90 jours → 75 jours")
    finally:
        Generation.objects.filter(pk=generation.pk).update(lapse_warning_days=kept)
