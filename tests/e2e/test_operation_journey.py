"""An operation from its draft to a sheet ready for the vote, through the pages the partner and
the Département's agent use; and the list's batch action used with the keyboard only.

The data these tests create through the live server stays for the session: each test works on
partners that no other browser test touches (the CA de Lens - Liévin, organisation of
`test-partner`, for the journey; the CA d'Hénin-Carvin for the keyboard), and finds its own
operations by their title or reference.
"""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import operation_data as data
from tests.factories import TEST_PASSWORD

pytestmark = pytest.mark.e2e

NNBSP, NBSP = "\u202f", "\u00a0"
TITLE = "Véloroute de la Souchez"
DESCRIPTION = "Une liaison douce de 9 km entre Lens et Liévin, le long de la Souchez."
CATEGORY = "Mobilités (liaisons douces, parking relais…)"
COMMUNE = "Liévin (62510)"
FIT = "Département — Fonds d'Innovation Territorial"
SELF_FUNDING = "Autofinancement du porteur"
DETR = "État — DETR"
REQUEST = "Merci de préciser le tracé entre la gare de Lens et le stade Bollaert."
ANSWER = "Le tracé suit la Souchez puis l'ancienne voie ferrée jusqu'au stade."
SHEET = {
    "Objectifs partagés": "Relier les deux gares à vélo, en sécurité.",
    "Inscription dans son environnement": "Le long de la Souchez, en site propre.",
    "Modalités d'usage et de fonctionnement": "Ouverte toute l'année, entretenue par la CALL.",
    "Contribution aux politiques départementales": "Mobilités du quotidien, environnement.",
    "Dynamiques du territoire": "Bassin minier en reconversion.",
    "Cofinancements mobilisés": "DETR obtenue, autofinancement de l'agglomération.",
}


def money(digits: str) -> str:
    """'85 000,00 €' as Pacte writes it: narrow no-break spaces, a no-break space before €."""
    return digits.replace(" ", NNBSP) + NBSP + "€"


UNBALANCED = (
    "Le plan de financement n'est pas équilibré : dépenses hors taxes "
    f"{money('400 000,00')}, ressources {money('315 000,00')} (écart {money('85 000,00')})."
)
MISSING_DELIBERATION = "Joignez la pièce « Délibération du porteur »."
MISSING_ESTIMATE = "Joignez la pièce « Devis ou estimation »."


def main_nav(page):
    return page.get_by_role("navigation", name="Menu principal")


def flash(page):
    """The messages Pacte shows after an action (a status region at the top of the content)."""
    return page.get_by_role("status").filter(has=page.locator(".message"))


def operation_state(page):
    """The state badge under the operation's title."""
    return page.locator("h1 + p .state")


def next_steps(page):
    return page.get_by_role("region", name="Suite à donner")


def sign_in(page, username: str):
    page.goto("/connexion/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


def sign_out(page):
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("button", name="Se connecter")).to_be_visible()


def fill_expense(page, row: int, label: str, excl_tax: str, incl_tax: str):
    page.get_by_label(f"Poste de dépense {row}", exact=True).fill(label)
    page.get_by_label(f"Montant HT, dépense {row}", exact=True).fill(excl_tax)
    page.get_by_label(f"Montant TTC, dépense {row}", exact=True).fill(incl_tax)


def fill_resource(page, row: int, funder: str, amount: str, status: str):
    page.get_by_label(f"Financeur, ressource {row}", exact=True).select_option(label=funder)
    page.get_by_label(f"Montant, ressource {row}", exact=True).fill(amount)
    page.get_by_label(f"Statut, ressource {row}", exact=True).select_option(label=status)


def attach(page, kind: str, path):
    attachments = page.get_by_role("region", name="Pièces jointes")
    attachments.get_by_label("Type de pièce").select_option(label=kind)
    attachments.get_by_label("Fichier").set_input_files(path)
    attachments.get_by_role("button", name="Joindre").click()
    expect(flash(page)).to_contain_text(f"La pièce « {path.name} » est jointe (version 1).")


@pytest.fixture
def lens_contract(django_db_blocker):
    """The signed contract of the CA de Lens - Liévin, with its two stakes."""
    with django_db_blocker.unblock():
        return data.signed_contract_of(data.LENS_LIEVIN_SIREN).pk


@pytest.fixture
def media(tmp_path):
    with data.media_root(tmp_path / "media"):
        yield


@pytest.fixture
def pdf_files(tmp_path):
    """The partner's two documents, small but real PDF files."""
    files = {}
    for name in ["deliberation.pdf", "devis.pdf"]:
        path = tmp_path / name
        path.write_bytes(data.PDF)
        files[name] = path
    return files


def test_partner_submits_an_operation_and_the_agent_brings_its_sheet_to_the_vote(
    page, login, lens_contract, media, pdf_files
):
    login("partner")

    # « Mes opérations » → « Nouvelle opération »: the operation is described, then saved.
    main_nav(page).get_by_role("link", name="Mes opérations").click()
    expect(page.get_by_role("heading", level=1, name="Opérations")).to_be_visible()
    page.get_by_role("link", name="Nouvelle opération").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Nouvelle opération")
    page.get_by_label("Intitulé").fill(TITLE)
    page.get_by_label("Description").fill(DESCRIPTION)
    page.get_by_label("Catégorie").select_option(label=CATEGORY)
    page.get_by_role("group", name="Enjeux du contrat servis").get_by_label(
        data.FIRST_STAKE
    ).check()
    communes = page.get_by_role("group", name="Communes d'implantation")
    communes.get_by_label("Rechercher dans la liste (nom ou code INSEE)").fill("lievin")
    communes.get_by_label(COMMUNE).check()
    page.get_by_label("Début prévu des travaux").fill("2027-03-01")
    page.get_by_label("Fin prévue des travaux").fill("2028-06-30")
    page.get_by_role("button", name="Enregistrer").click()

    # Saved as a draft, it lands on the financing plan.
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Plan de financement — {TITLE}")
    expect(flash(page)).to_contain_text("Le brouillon est enregistré.")

    # A plan deliberately unbalanced: 400 000 € of works, 315 000 € of resources.
    fill_expense(page, 1, "Travaux", "400000,00", "480000,00")
    fill_resource(page, 1, FIT, "135000,00", "Sollicité")
    # A new plan has one row of each: another is added in place.
    page.get_by_role("button", name="Ajouter une ligne de ressource").click()
    fill_resource(page, 2, SELF_FUNDING, "180000,00", "Obtenu")
    page.get_by_role("button", name="Enregistrer le plan").click()
    # Saved, the plan stays on screen, its problems listed under it, said once above.
    expect(flash(page)).to_have_text(
        "Le plan de financement est enregistré ; 1 point à régler, listé sous le plan."
    )
    expect(page.get_by_role("region", name="Totaux et contrôles")).to_contain_text(UNBALANCED)
    page.get_by_role("link", name="Retour à l'opération").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(operation_state(page)).to_have_text("Brouillon")
    operation_url = page.url
    assert re.search(r"/operations/\d+/$", operation_url), operation_url
    reference = re.search(r"OP-\d{4}-\d{5}", page.locator("h1 + p").inner_text()).group()

    # What is missing, in French: the gap of the plan, the two required attachments.
    missing = page.get_by_role("region", name="Avant de déposer l'opération, il reste à faire :")
    expect(missing.get_by_role("listitem")).to_have_text(
        [MISSING_DELIBERATION, MISSING_ESTIMATE, UNBALANCED]
    )

    # Submitting now is refused, said once: the reasons are those listed.
    next_steps(page).get_by_role("button", name="Déposer l'opération").click()
    expect(flash(page)).to_have_text(
        "Déposer l'opération : impossible pour l'instant, 3 points restent à régler "
        "(liste ci-dessous)."
    )
    expect(missing.get_by_role("listitem")).to_have_text(
        [MISSING_DELIBERATION, MISSING_ESTIMATE, UNBALANCED]
    )
    expect(operation_state(page)).to_have_text("Brouillon")

    # The plan is balanced with the DETR, on a new row.
    page.get_by_role("link", name="Modifier le plan de financement").click()
    expect(page.get_by_label("Montant HT, dépense 1", exact=True)).to_have_value("400000,00")
    expect(page.get_by_label("Financeur, ressource 2", exact=True)).to_have_value("self")
    page.get_by_role("button", name="Ajouter une ligne de ressource").click()
    expect(page.get_by_label("Financeur, ressource 3", exact=True)).to_be_focused()
    fill_resource(page, 3, DETR, "85000,00", "Obtenu")
    page.get_by_role("button", name="Enregistrer le plan").click()
    expect(flash(page)).to_have_text(
        "Le plan de financement est enregistré : il est équilibré et respecte les règles du fonds."
    )
    page.get_by_role("link", name="Retour à l'opération").click()
    expect(missing.get_by_role("listitem")).to_have_text([MISSING_DELIBERATION, MISSING_ESTIMATE])

    # The two documents, uploaded with the file input.
    attach(page, "Délibération du porteur", pdf_files["deliberation.pdf"])
    attach(page, "Devis ou estimation", pdf_files["devis.pdf"])
    expect(missing).to_have_count(0)
    attachment_rows = page.get_by_role("table", name=re.compile("^Pièces")).locator("tbody tr")
    expect(attachment_rows.get_by_role("rowheader")).to_have_text(
        ["Délibération du porteur", "Devis ou estimation"]
    )

    next_steps(page).get_by_role("button", name="Déposer l'opération").click()
    expect(flash(page)).to_contain_text("Déposer l'opération : fait. L'opération est « Déposée ».")
    expect(operation_state(page)).to_have_text("Déposée")
    # Submitted, the operation is the Département's: the partner no longer edits it.
    expect(page.get_by_role("link", name="Modifier le plan de financement")).to_have_count(0)
    expect(page.get_by_role("link", name="Modifier", exact=True)).to_have_count(0)
    sign_out(page)

    # The agent finds it among the submitted operations and takes it in charge.
    login("agent")
    main_nav(page).get_by_role("link", name="Opérations").click()
    filters = page.get_by_role("form", name="Filtrer les opérations")
    filters.get_by_label("État", exact=True).select_option(label="Déposée")
    filters.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"[?&]etat=submitted"))
    rows = page.locator("table tbody tr")
    expect(rows.filter(has_text=reference)).to_have_count(1)
    for state in rows.locator(".state").all():
        expect(state).to_have_text("Déposée")
    rows.get_by_role("link", name=TITLE).click()
    expect(page).to_have_url(operation_url)
    expect(operation_state(page)).to_have_text("Déposée")

    next_steps(page).get_by_role("button", name="Prendre en charge").click()
    expect(flash(page)).to_contain_text(
        "Prendre en charge : fait. L'opération est « En instruction »."
    )
    expect(operation_state(page)).to_have_text("En instruction")
    expect(page.locator("h1 + p")).to_contain_text("instruite par")

    # It asks the partner for more.
    next_steps(page).locator("summary", has_text="Demander des compléments").click()
    next_steps(page).get_by_label("Compléments demandés au partenaire").fill(REQUEST)
    next_steps(page).get_by_role("button", name="Envoyer la demande").click()
    expect(flash(page)).to_contain_text(
        "Demander des compléments : fait. L'opération est « En attente du partenaire »."
    )
    expect(operation_state(page)).to_have_text("En attente du partenaire")
    sign_out(page)

    # The partner reads the request at the top of the page, beside the box of its answer.
    login("partner")
    main_nav(page).get_by_role("link", name="Mes opérations").click()
    page.get_by_role("link", name=TITLE).click()
    expect(operation_state(page)).to_have_text("En attente du partenaire")
    asked = page.get_by_role("region", name="Compléments demandés au partenaire")
    expect(asked.get_by_role("article")).to_contain_text(REQUEST)
    exchanges = page.get_by_role("region", name="Échanges")
    request = exchanges.locator("article", has_text=REQUEST)
    expect(request).to_contain_text("demande de compléments")
    asked.get_by_label("Votre réponse au Département").fill(ANSWER)
    asked.get_by_role("button", name="Répondre et renvoyer au Département").click()
    expect(flash(page)).to_contain_text(
        "Répondre et renvoyer au Département : fait. L'opération est « En instruction »."
    )
    expect(operation_state(page)).to_have_text("En instruction")
    expect(exchanges.locator("article")).to_have_count(2)
    expect(exchanges.locator("article").nth(1)).to_contain_text(ANSWER)
    sign_out(page)

    # The agent writes the detailed sheet, then declares it ready for the vote.
    login("agent")
    page.goto(operation_url)
    expect(operation_state(page)).to_have_text("En instruction")
    before_ready = page.get_by_role(
        "region", name="Avant de déclarer la fiche prête, il reste à faire :"
    )
    expect(before_ready).to_contain_text("Fiche détaillée : indiquez la subvention proposée.")
    page.get_by_role("link", name="Rédiger la fiche").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Fiche détaillée — {TITLE}")
    for label, text in SHEET.items():
        page.get_by_label(label).fill(text)
    page.get_by_label("Rayonnement territorial").select_option(label="Intercommunal")
    # Below the 135 000 € sought from the fund.
    page.get_by_label("Subvention proposée").fill("120000,00")
    page.get_by_label("Démarrage anticipé autorisé le").fill("2027-02-15")
    page.get_by_role("button", name="Enregistrer la fiche").click()
    expect(flash(page)).to_contain_text("La fiche détaillée est enregistrée.")
    expect(page).to_have_url(operation_url)
    expect(before_ready).to_have_count(0)
    sheet = page.get_by_role("region", name="Fiche détaillée")
    expect(sheet).to_contain_text(SHEET["Objectifs partagés"])
    expect(sheet).to_contain_text(money("120 000,00"))

    next_steps(page).get_by_role("button", name="Déclarer la fiche prête pour le vote").click()
    expect(flash(page)).to_contain_text(
        "Déclarer la fiche prête pour le vote : fait. L'opération est « Fiche prête pour le vote »."
    )
    expect(operation_state(page)).to_have_text("Fiche prête pour le vote")

    # The full history: steps, messages and documents, in the order they happened.
    page.get_by_role("link", name="Historique complet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Historique — {TITLE}")
    timeline = page.get_by_role("table", name="États, échanges et pièces, dans l'ordre")
    timeline_rows = timeline.locator("tbody tr")
    expect(timeline_rows.locator("td:nth-child(2)")).to_have_text(
        [
            "création",
            "pièce",
            "pièce",
            "étape",
            "étape",
            "étape",
            "demande de compléments",
            "message",
            "étape",
            "étape",
        ]
    )
    contents = timeline_rows.locator("td:nth-child(4)")
    expected = [
        ("Opération créée",),
        ("Délibération du porteur v1 : deliberation.pdf", "SHA-256 "),
        ("Devis ou estimation v1 : devis.pdf", "SHA-256 "),
        ("Brouillon → Déposée",),
        ("Déposée → En instruction",),
        ("En instruction → En attente du partenaire", REQUEST),
        (REQUEST,),
        (ANSWER,),
        ("En attente du partenaire → En instruction", ANSWER),
        ("En instruction → Fiche prête pour le vote",),
    ]
    for index, texts in enumerate(expected):
        for text in texts:
            expect(contents.nth(index)).to_contain_text(text)
    expect(timeline.get_by_role("link", name="Délibération du porteur v1")).to_have_attribute(
        "href", re.compile(r"/pieces/\d+/$")
    )


def tab_to(page, target, *, limit=80):
    """Press Tab until `target` has the focus, then check that the focus is shown; fail if it is
    not reached in `limit` presses."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("element => element === document.activeElement"):
            expect(target).to_be_focused()
            outline = target.evaluate("element => getComputedStyle(element).outlineStyle")
            assert outline != "none", f"{target} a le focus sans le montrer."
            return
    raise AssertionError(f"{target} n'est pas atteint en {limit} appuis sur Tab.")


@pytest.fixture
def henin_carvin_operations(django_db_blocker, tmp_path):
    """Two operations of the CA d'Hénin-Carvin, complete and submitted by its partner user:
    (partner pk, [(pk, reference)])."""
    with data.media_root(tmp_path / "media"), django_db_blocker.unblock():
        contract = data.signed_contract_of(data.HENIN_CARVIN_SIREN)
        partner_user = data.henin_carvin_user()
        operations = [
            data.submitted_operation(contract, partner_user, title=title)
            for title in ["Tiers-lieu de la gare d'Hénin", "Halte fluviale de Courrières"]
        ]
        return contract.partner_id, [(o.pk, o.reference) for o in operations]


def test_agent_takes_two_operations_in_charge_with_the_keyboard(
    page, login, henin_carvin_operations
):
    partner_pk, operations = henin_carvin_operations
    login("agent")
    page.goto(f"/operations/?partenaire={partner_pk}")
    expect(page.get_by_role("heading", level=1, name="Opérations")).to_be_visible()
    page.locator("main#contenu").focus()

    # Each operation is ticked with Space, reached with Tab.
    for _pk, reference in operations:
        checkbox = page.get_by_role("checkbox", name=f"Sélectionner {reference}")
        expect(checkbox).not_to_be_checked()
        tab_to(page, checkbox)
        page.keyboard.press("Space")
        expect(checkbox).to_be_checked()

    # The batch action is chosen in its list with the keyboard, and applied with Enter.
    action = page.get_by_role("combobox", name="Action", exact=True)
    tab_to(page, action)
    page.keyboard.press("End")
    expect(action).to_have_value("sheets")
    page.keyboard.type("Prendre")
    expect(action).to_have_value("take_charge")
    apply = page.get_by_role("button", name="Appliquer")
    tab_to(page, apply)
    page.keyboard.press("Enter")

    expect(flash(page)).to_have_text("2 opérations prises en charge.")
    expect(page).to_have_url(re.compile(rf"[?&]partenaire={partner_pk}"))
    for pk, reference in operations:
        row = page.locator("table tbody tr", has=page.locator(f"#sel-{pk}"))
        expect(row).to_contain_text(reference)
        expect(row.locator(".state")).to_have_text("En instruction")
        expect(row.locator("td").last).not_to_have_text("—")
