"""A commission permanente sitting in the browser, from its creation to the publication of its
deliberation: the assembly service calls the roll, records a proxy and a departure, an agent
writes a report gathering ten operations whose sheets are ready, the thematic commission gives
its opinion, the item is opened with its quorum, the groups vote, the deliberation is numbered,
the ten subsidies are committed against the AP, the agent generates the sitting's conventions
and the deliberation is published on the public page. axe-core checks every page on the way.

The data is made once for the module by the project's services, on the contract of the CC du
Pays de Lumbres, which no other browser test touches.
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pacte.core.dates import add_months
from pacte.core.french import format_date, format_money
from tests.e2e.a11y import assert_no_axe_violations
from tests.e2e.operation_data import sheet_ready_operation
from tests.e2e.test_finance_journey import (
    flash,
    main_nav,
    programme_authorisation,
    sign_in,
    sign_out,
)

pytestmark = pytest.mark.e2e

LUMBRES_SIREN = "246201016"  # Communauté de communes du Pays de Lumbres
LUMBRES_USER = "e2e-lumbres"
SUBSIDY = Decimal("135000.00")  # the fund's share of tests.operations.conftest's plan


@pytest.fixture(scope="module")
def ten_operations(django_db_setup, django_db_blocker):
    from pacte.contracts.models import Generation, Partner
    from pacte.core.models import User
    from pacte.core.roles import Role
    from tests.factories import UserFactory
    from tests.operations.conftest import signed_contract

    with django_db_blocker.unblock():
        generation = Generation.objects.get(framework_deliberation_number="2022-317")
        partner = Partner.objects.get(siren=LUMBRES_SIREN)
        assert not partner.contracts.exists(), f"{partner.name} a déjà un contrat"
        partner_user = UserFactory(username=LUMBRES_USER, role=Role.PARTNER, partner=partner)
        programme_authorisation(generation, User.objects.get(username="test-finance"))
        contract = signed_contract(
            generation, LUMBRES_SIREN, User.objects.get(username="test-agent")
        )
        operations = [
            sheet_ready_operation(contract, partner_user, f"Équipement de Lumbres n°{n}")
            for n in range(1, 11)
        ]
        return [o.pk for o in operations]


def test_a_commission_permanente_votes_a_report_of_ten_operations(page, ten_operations):
    from pacte.assembly.models import Deliberation
    from pacte.finance.models import Commitment
    from pacte.operations.models import Operation

    # The assembly service creates the sitting, held today (a vote is recorded once held).
    held_on = timezone.localdate()
    sign_in(page, "test-assembly")
    main_nav(page).get_by_role("link", name="Séances").click()
    expect(page.get_by_role("heading", level=1, name="Séances")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Nouvelle séance").click()
    page.locator("#id_body").select_option(label="Commission permanente")
    page.locator("#id_held_on").fill(held_on.isoformat())
    page.locator("#id_opened_at").fill("10:00")
    page.locator("#id_place").fill("Arras")
    page.locator("#id_president").fill("M. Jean-Claude LEROY")
    page.locator("#id_secretary").fill("M. Bruno COUSEIN")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Commission permanente du {format_date(held_on)}"
    )
    expect(flash(page)).to_contain_text("faites l'appel")
    sitting_url = page.url

    # The roll: everyone present, then one member excused who gives a proxy, one who leaves.
    page.get_by_role("link", name="tenir les présences et les pouvoirs").click()
    page.get_by_role("button", name=re.compile("Marquer présents tous les membres")).click()
    expect(page.locator("#quorum-status")).to_contain_text("Quorum atteint : 78 membres")
    rows = page.locator("table.form-table tbody tr")
    excused = rows.nth(5).locator("th").inner_text()
    holder = rows.nth(6).locator("th").inner_text()
    leaving = rows.nth(7).locator("th").inner_text()
    page.get_by_label(f"Présence de {excused}").select_option(label="Excusé")
    page.get_by_label(f"Heure de départ de {leaving}").fill("12:00")
    page.get_by_role("button", name="Enregistrer les présences").click()
    expect(flash(page)).to_contain_text("2 présence(s) enregistrée(s)")
    page.get_by_label("Membre qui donne pouvoir").select_option(label=excused)
    page.get_by_label("Membre présent qui le reçoit").select_option(label=holder)
    page.get_by_role("button", name="Enregistrer le pouvoir").click()
    expect(flash(page)).to_contain_text(f"Pouvoir enregistré : {excused} → {holder}")
    assert_no_axe_violations(page)
    sign_out(page)

    # An agent writes the report, gathering the ten operations whose sheets are ready.
    sign_in(page, "test-agent")
    page.goto(sitting_url)
    page.get_by_role("link", name="Inscrire un rapport").click()
    page.locator("#id_kind").select_option(label="Attribution de subventions")
    page.locator("#id_title").fill("Contractualisation 2023-2026 — Pays de Lumbres")
    page.locator("#id_pole").fill("Pôle Partenariats et Ingénierie")
    page.locator("#id_direction").fill("Direction Accompagnement des Territoires")
    page.locator("#id_territories").fill("Territoire de l'Audomarois")
    page.locator("#id_text").fill("Dix opérations du contrat du Pays de Lumbres sont prêtes.")
    page.locator("#id_decision").fill(
        "D'attribuer les subventions reprises au tableau annexé.\n\n"
        "D'autoriser le Président à signer les conventions correspondantes."
    )
    for n in range(1, 11):
        page.get_by_label(re.compile(rf"Équipement de Lumbres n°{n} \(")).check()
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Enregistrer").click()
    expect(flash(page)).to_contain_text("inscrit à l'ordre du jour")
    annex = page.get_by_role("table", name=re.compile("10 opérations portées par le rapport"))
    expect(annex.locator("tfoot td.num")).to_have_text(format_money(SUBSIDY * 10))
    expect(annex.locator("tbody tr").first.locator("td.num").first).to_have_text(
        re.compile(r"^\d[\d\u202f\u00a0 ]*,\d\d\u00a0€ (HT|TTC)$")
    )
    report_url = page.url
    sign_out(page)

    # The assembly service records the sending, the opinion, opens the item and records the vote.
    sign_in(page, "test-assembly")
    page.goto(report_url)
    sent_on = held_on - datetime.timedelta(days=5)  # late: 12 days are due
    page.get_by_label("Envoyé aux élus le").fill(sent_on.isoformat())
    page.get_by_role("button", name="Enregistrer l'envoi").click()
    expect(page.locator("dl.facts")).to_contain_text("Envoyé tardivement")
    page.get_by_label("Urgence déclarée (délai abrégé)").check()
    page.get_by_role("button", name="Enregistrer l'envoi").click()
    expect(page.locator("dl.facts")).not_to_contain_text("Envoyé tardivement")
    page.get_by_label("Commission", exact=True).select_option(
        label="5e commission « Solidarité territoriale et partenariats »"
    )
    page.get_by_label("Réunion du").fill((held_on - datetime.timedelta(days=7)).isoformat())
    page.get_by_label("Avis", exact=True).select_option(label="favorable")
    page.get_by_role("button", name="Enregistrer l'avis").click()
    expect(flash(page)).to_contain_text("L'avis de la commission est enregistré")
    page.get_by_label("Heure d'examen du point").fill("12:30")
    page.get_by_role("button", name="Ouvrir le point").click()
    # At 12:30: 76 present (one excused, one left at noon) and one proxy.
    expect(flash(page)).to_contain_text("Quorum atteint : 77 membres présents ou représentés")
    assert_no_axe_violations(page)
    page.get_by_label("Groupe Socialiste, Républicain et Citoyen : pour").fill("80")
    page.get_by_role("button", name="Enregistrer le vote et délibérer").click()
    expect(flash(page)).to_contain_text("c'est trop")
    page.get_by_label("Groupe Socialiste, Républicain et Citoyen : pour").fill("40")
    page.get_by_label("Groupe Communiste et Républicain : pour").fill("12")
    page.get_by_label("Groupe Union pour le Pas-de-Calais : pour").fill("15")
    page.get_by_label("Groupe Rassemblement National : abstention").fill("8")
    page.get_by_role("button", name="Enregistrer le vote et délibérer").click()
    expect(flash(page)).to_contain_text("adoptée (67 pour, 0 contre, 8 abstentions)")
    deliberation = Deliberation.objects.get(report__title__endswith="Pays de Lumbres")
    assert deliberation.number.startswith(f"{held_on.year}-")
    assert Operation.objects.filter(pk__in=ten_operations, state="voted").count() == 10
    committed = Commitment.objects.filter(operation__in=ten_operations)
    assert sum(c.amount for c in committed) == SUBSIDY * 10
    assert {c.deliberation_number for c in committed} == {deliberation.number}
    assert_no_axe_violations(page)

    # Publication and transmission. Published means published: a date to come is refused (the
    # deliberation would otherwise be public before its date); today's is taken.
    today = timezone.localdate()
    page.get_by_role("link", name="Publication et transmission").click()
    page.get_by_label("Mise en ligne le").fill((today + datetime.timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Publier").click()
    expect(flash(page)).to_contain_text("est à venir")
    expect(page.locator("dl.facts")).to_contain_text("Non publiée")
    page.get_by_label("Mise en ligne le").fill(today.isoformat())
    page.get_by_role("button", name="Publier").click()
    expect(flash(page)).to_contain_text("mise en ligne")
    page.get_by_label("Transmise au préfet le").fill(today.isoformat())
    page.get_by_label("Accusé de réception du").fill(today.isoformat())
    page.get_by_role("button", name="Enregistrer la transmission").click()
    expect(page.locator("dl.facts")).to_contain_text(f"Exécutoire le{format_date(today)}")
    assert_no_axe_violations(page)
    page.goto(sitting_url)
    expect(page.get_by_role("table", name=re.compile("Quorum de chaque point"))).to_contain_text(
        f"Adopté (n°{deliberation.number})"
    )
    assert_no_axe_violations(page)
    sign_out(page)

    # The agent generates the ten conventions of the sitting in one batch.
    sign_in(page, "test-agent")
    page.goto(sitting_url)
    expect(
        page.get_by_text(
            "10 opérations votées à cette séance, dont 10 en attente de sa convention."
        )
    ).to_be_visible()
    page.get_by_role("button", name="Générer les conventions de la séance").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Conventions")
    sign_out(page)

    # The public reads the deliberation without logging in.
    page.goto("/deliberations/")
    expect(page.get_by_role("link", name=deliberation.number, exact=True)).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_role("link", name=deliberation.number, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Délibération n°{deliberation.number}"
    )
    expect(page.locator("dl.facts")).to_contain_text(
        f"en ligne au moins jusqu'au {format_date(add_months(today, 2))}"
    )
    assert_no_axe_violations(page)
    # The published PDF carries the publication stamp and the adopted text's hash.
    published = page.request.get(f"/deliberations/{deliberation.number}/pdf/")
    assert published.ok and published.headers["content-type"] == "application/pdf"
    deliberation.refresh_from_db()
    assert deliberation.published_document.sha256 in page.locator("code.hash").inner_text()
    # On a phone, the hash breaks rather than widen the page.
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.fixture(scope="module")
def sitting_2022_317(django_db_setup, django_db_blocker):
    from pacte.core.models import User
    from pacte.demo.assembly import seed_sitting_2022_317

    with django_db_blocker.unblock():
        sitting = seed_sitting_2022_317(User.objects.get(username="test-assembly"))
        report = sitting.reports.get()
        return {"sitting": sitting.pk, "report": report.pk, "deliberation": report.deliberation.pk}


def test_an_elected_member_reads_the_sitting_of_26_september_2022(page, sitting_2022_317):
    sign_in(page, "test-elected")
    main_nav(page).get_by_role("link", name="Séances").click()
    page.get_by_role("link", name="26/09/2022").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Conseil départemental du 26/09/2022")
    expect(page.locator("dl.facts").first).to_contain_text("63 présents, 15 excusés, 0 absents")
    expect(page.get_by_role("link", name="Inscrire un rapport")).to_have_count(0)
    assert_no_axe_violations(page)
    page.get_by_role("link", name="voir les présences").click()
    expect(page.get_by_role("row", name=re.compile("^Mme Marine LE PEN —"))).to_contain_text(
        "Excusé"
    )
    expect(page.get_by_role("button", name="Enregistrer les présences")).to_have_count(0)
    assert_no_axe_violations(page)
    page.goto(f"/rapports/{sitting_2022_317['report']}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Rapport n°18")
    expect(page.locator(".panel")).to_contain_text("Délibération n°2022-317 — adoptée")
    assert_no_axe_violations(page)
    page.get_by_role("link", name="Publication et transmission").click()
    expect(page.locator("dl.facts")).to_contain_text("062-226200012-20220926-2022_317-DE")
    assert_no_axe_violations(page)
    deliberation_pdf = page.request.get(
        f"/actes/{sitting_2022_317['deliberation']}/deliberation.pdf"
    )
    assert deliberation_pdf.ok and deliberation_pdf.body().startswith(b"%PDF")
    minutes = page.request.get(f"/seances/{sitting_2022_317['sitting']}/proces-verbal.pdf")
    assert minutes.ok and minutes.body().startswith(b"%PDF")
