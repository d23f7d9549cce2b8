"""The transmission of an act to the préfet in the browser (A13): the assembly service has the
act dropped for the transmission tool, then uploads the préfecture's acknowledgement — a wrong
file first, refused in French beside the field. axe-core checks each state of the page."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.a11y import assert_no_axe_violations
from tests.e2e.test_finance_journey import flash, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def act(django_db_setup, django_db_blocker):
    """A deliberation of a commission permanente held forty days ago, not transmitted."""
    from pacte.assembly import services
    from pacte.core.models import User
    from pacte.territory.models import PoliticalGroup

    with django_db_blocker.unblock():
        actor = User.objects.get(username="test-assembly")
        sitting = services.sitting_create(
            actor=actor,
            body="standing_committee",
            held_on=timezone.localdate() - datetime.timedelta(days=40),
            place="Arras",
            president="M. Jean-Claude LEROY",
            secretary="M. Bruno COUSEIN",
            opened_at=datetime.time(10, 0),
        )
        services.attendance_mark_all_present(actor=actor, sitting=sitting)
        report = services.report_save(
            actor=actor,
            sitting=sitting,
            kind="framework",
            title="Modalités de transmission des actes",
            text="Exposé.",
            decision="D'adopter les modalités.",
        )
        services.item_open(actor=actor, report=report, at=datetime.time(10, 30))
        group = PoliticalGroup.objects.filter(department__code="62").order_by("position")[0]
        return services.item_vote_by_group(
            actor=actor, report=report, counts={group: (70, 0, 0, 0)}
        )


def test_the_clerk_transmits_the_act_and_records_the_acknowledgement(page, act, settings, tmp_path):
    from pacte.assembly import actes
    from tests.assembly.test_transmission import answer_to

    drop_dir = tmp_path / "depot"
    drop_dir.mkdir()
    settings.PACTE_ACTES_CONNECTOR = "depot"
    settings.PACTE_ACTES_DROP_DIR = str(drop_dir)
    settings.PACTE_ACTES_RETURN_DIR = str(tmp_path / "retour")
    identifier = actes.expected_actes_identifier(act)

    sign_in(page, "test-assembly")
    page.goto(f"/actes/{act.pk}/")
    expect(page.locator("#transmission-etat")).to_have_text("Non transmise")
    expect(page.get_by_label("Matière (classification @CTES)")).to_have_value("7.5")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="Transmettre au préfet").click()
    expect(flash(page)).to_contain_text("confiée au connecteur de transmission")
    today = timezone.localdate().strftime("%d/%m/%Y")
    expect(page.locator("#transmission-etat")).to_contain_text(f"Transmise le {today}")
    expect(page.get_by_role("button", name="Transmettre au préfet")).to_have_count(0)
    assert [p.name for p in drop_dir.iterdir()] == [f"{identifier}_{act.actes_sendings.get().pk}"]
    assert_no_axe_violations(page)

    field = page.get_by_label("Déposer l'accusé de réception ou l'anomalie (XML)")
    field.set_input_files(
        {"name": "note.txt", "mimeType": "text/plain", "buffer": b"Ceci n'est pas du XML."}
    )
    page.get_by_role("button", name="Enregistrer la réponse de la préfecture").click()
    expect(page.locator("#reponse-file_error")).to_contain_text("n'est pas un document XML lisible")
    assert_no_axe_violations(page)

    act.refresh_from_db()
    field.set_input_files(
        {"name": "ar.xml", "mimeType": "application/xml", "buffer": answer_to(act)}
    )
    page.get_by_role("button", name="Enregistrer la réponse de la préfecture").click()
    expect(flash(page)).to_contain_text(
        f"L'accusé de réception du préfet est enregistré : {identifier}"
    )
    expect(page.locator("#transmission-etat")).to_contain_text(
        f"accusé de réception du {today} avec l'identifiant {identifier}"
    )
    expect(
        page.get_by_role("button", name="Enregistrer la réponse de la préfecture")
    ).to_have_count(0)
    assert_no_axe_violations(page)
